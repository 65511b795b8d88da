/* test-manager-token.c — personal credentials and random ids (E504)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-invitation.h"
#include "cnv-manager-token.h"

static void
test_token (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(GError) error = NULL;
      guint8 hash[CNV_TOKEN_HASH_SIZE];
      guint8 again[CNV_TOKEN_HASH_SIZE];
      g_autofree char *expected = NULL;
      g_autofree char *got = NULL;
      char *token = cnv_manager_token_new (hash, &error);

      g_assert_no_error (error);
      /* 128 bits in unpadded base64url: 22 characters that need no escaping in a URL. */
      g_assert_cmpuint (strlen (token), ==, 22);
      g_assert_cmpuint (strspn (token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789-_"), ==, 22);
      /* Only the SHA-256 is kept: the same one GLib computes. */
      expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
      got = g_malloc0 (2 * CNV_TOKEN_HASH_SIZE + 1);
      for (guint j = 0; j < CNV_TOKEN_HASH_SIZE; j++)
        g_snprintf (got + 2 * j, 3, "%02x", hash[j]);
      g_assert_cmpstr (got, ==, expected);
      cnv_manager_token_hash (token, again);
      g_assert_true (cnv_manager_token_equal (hash, again));
      again[CNV_TOKEN_HASH_SIZE - 1] ^= 1;
      g_assert_false (cnv_manager_token_equal (hash, again));
      again[CNV_TOKEN_HASH_SIZE - 1] ^= 1;
      again[0] ^= 0x80;
      g_assert_false (cnv_manager_token_equal (hash, again));
      g_assert_true (g_hash_table_add (seen, token));
    }
}

static void
test_random_id (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint first_letters[256] = { 0 };

  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr(GError) error = NULL;
      char *id = cnv_manager_random_id (16, &error);

      g_assert_no_error (error);
      /* 128 bits in lower-case base32: 26 letters and digits, never a leading '-'. */
      g_assert_cmpuint (strlen (id), ==, 26);
      g_assert_cmpuint (strspn (id, "abcdefghijklmnopqrstuvwxyz234567"), ==, 26);
      g_assert_true (cnv_session_id_is_valid (id));
      first_letters[(guchar) id[0]]++;
      g_assert_true (g_hash_table_add (seen, id));
    }
  /* Every symbol of the alphabet shows up in first position (2000 draws over 32 symbols). */
  for (const char *p = "abcdefghijklmnopqrstuvwxyz234567"; *p != '\0'; p++)
    g_assert_cmpuint (first_letters[(guchar) *p], >, 0);

  {
    g_autofree char *short_id = cnv_manager_random_id (8, NULL);

    g_assert_cmpuint (strlen (short_id), ==, 13);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/manager/token/credential", test_token);
  g_test_add_func ("/manager/token/random-id", test_random_id);

  return g_test_run ();
}
