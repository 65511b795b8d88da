/* cnv-manager-token.c — personal credentials (E504): minted from getrandom, kept as SHA-256
 *
 * A credential is 128 bits from the kernel's CSPRNG (getrandom(2), which blocks only until the
 * pool is initialised once after boot), written as 22 characters of unpadded base64url
 * (RFC 4648 §5), so it needs no escaping in a URL. Only its SHA-256 is stored; the token itself
 * lives in the invitation mail and nowhere else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "cnv-manager-token.h"

#define TOKEN_BYTES 16

static gboolean
fill_random (guint8  *buffer,
             gsize    len,
             GError **error)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t got = getrandom (buffer + done, len - done, 0);

      if (got < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "The system's random generator failed: %s", g_strerror (saved));
          return FALSE;
        }
      done += (gsize) got;
    }
  return TRUE;
}

/* Unpadded base64url of @data. */
static char *
base64url (const guint8 *data,
           gsize         len)
{
  char *text = g_base64_encode (data, len);
  char *p;

  for (p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }
  return text;
}

/* Lower-case base32 (RFC 4648 §6 alphabet, unpadded): letters and digits only, so an id never
 * starts with '-' (which a command line would take for an option) and survives case changes in a
 * subject line. */
static char *
base32 (const guint8 *data,
        gsize         len)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  GString *text = g_string_sized_new ((len * 8 + 4) / 5);
  guint buffer = 0;
  guint bits = 0;

  for (gsize i = 0; i < len; i++)
    {
      buffer = (buffer << 8) | data[i];
      bits += 8;
      while (bits >= 5)
        {
          g_string_append_c (text, alphabet[(buffer >> (bits - 5)) & 31]);
          bits -= 5;
        }
    }
  if (bits > 0)
    g_string_append_c (text, alphabet[(buffer << (5 - bits)) & 31]);
  return g_string_free (text, FALSE);
}

/**
 * cnv_manager_random_id:
 * @n_bytes: how many random bytes (≥ 8)
 * @error: a #G_IO_ERROR when the random generator fails
 *
 * Returns: (transfer full) (nullable): @n_bytes of CSPRNG output in lower-case base32 (26
 *   characters for 16 bytes); valid as a session id and a room name
 */
char *
cnv_manager_random_id (guint    n_bytes,
                       GError **error)
{
  guint8 buffer[64];

  g_return_val_if_fail (n_bytes >= 8 && n_bytes <= sizeof buffer, NULL);

  if (!fill_random (buffer, n_bytes, error))
    return NULL;
  return base32 (buffer, n_bytes);
}

/**
 * cnv_manager_token_hash:
 * @token: a credential as it appears in a link
 * @hash: (out caller-allocates): its SHA-256
 */
void
cnv_manager_token_hash (const char *token,
                        guint8      hash[CNV_TOKEN_HASH_SIZE])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = CNV_TOKEN_HASH_SIZE;

  g_return_if_fail (token != NULL);

  g_checksum_update (checksum, (const guchar *) token, strlen (token));
  g_checksum_get_digest (checksum, hash, &len);
  g_assert (len == CNV_TOKEN_HASH_SIZE);
}

/**
 * cnv_manager_token_new:
 * @hash: (out caller-allocates): the SHA-256 of the new token, the only form that is stored
 * @error: a #G_IO_ERROR when the random generator fails
 *
 * Returns: (transfer full) (nullable): a new credential, 128 bits from getrandom
 */
char *
cnv_manager_token_new (guint8   hash[CNV_TOKEN_HASH_SIZE],
                       GError **error)
{
  guint8 buffer[TOKEN_BYTES];
  char *token;

  if (!fill_random (buffer, sizeof buffer, error))
    return NULL;
  token = base64url (buffer, sizeof buffer);
  explicit_bzero (buffer, sizeof buffer);
  cnv_manager_token_hash (token, hash);
  return token;
}

/**
 * cnv_manager_token_equal:
 *
 * Compares two token hashes in constant time: how long it takes says nothing of where they differ.
 */
gboolean
cnv_manager_token_equal (const guint8 *a,
                         const guint8 *b)
{
  volatile guint8 difference = 0;

  for (gsize i = 0; i < CNV_TOKEN_HASH_SIZE; i++)
    difference |= a[i] ^ b[i];
  return difference == 0;
}
