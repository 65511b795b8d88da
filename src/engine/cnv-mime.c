/* cnv-mime.c — small gmime helpers shared by the request and invitation builders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-mime"

#include "config.h"

#include <string.h>

#include "cnv-mime.h"

/* RFC 2047 §2: an encoded-word is at most 75 characters, and a line "Subject: " plus one
 * encoded-word stays under 78: 39 bytes of UTF-8 encode to 52 characters of base64, + 12. */
#define CHUNK_BYTES 39

/* Every character of @text as base64 encoded-words, split on character boundaries. */
static char *
encode_words (const char *text)
{
  GString *out = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      const char *end = p;
      g_autofree char *b64 = NULL;

      while (*end != '\0')
        {
          const char *next = g_utf8_next_char (end);

          if (next - p > CHUNK_BYTES)
            break;
          end = next;
        }
      if (end == p)
        end = g_utf8_next_char (p);

      b64 = g_base64_encode ((const guchar *) p, end - p);
      /* gmime's raw value: a leading space, folded lines, a final newline (RFC 5322 §2.2.3). */
      g_string_append (out, out->len > 0 ? "\n " : " ");
      g_string_append_printf (out, "=?UTF-8?B?%s?=", b64);
      p = end;
    }
  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

/**
 * cnv_mime_set_subject:
 * @message: a message being built
 * @subject: the subject as the user wrote it: one line of UTF-8
 *
 * Sets the Subject so that it reads back exactly as @subject. gmime encodes non-ASCII words, but
 * writes ASCII text that merely looks like an encoded-word (`=?UTF-8?B?…?=`) as it is, and every
 * reader would then decode it into something else. RFC 2047 §5 (1): such text must itself be
 * encoded, so a subject holding `=?` is written entirely as encoded-words (white space between
 * adjacent encoded-words is not part of the text, RFC 2047 §6.2).
 */
void
cnv_mime_set_subject (GMimeMessage *message,
                      const char   *subject)
{
  g_return_if_fail (GMIME_IS_MESSAGE (message));

  if (subject == NULL)
    subject = "";

  if (strstr (subject, "=?") == NULL)
    {
      g_mime_message_set_subject (message, subject, "utf-8");
      return;
    }

  {
    g_autofree char *encoded = encode_words (subject);
    GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
    GMimeHeader *header;

    g_mime_message_set_subject (message, "", "utf-8");
    header = g_mime_header_list_get_header (headers, "Subject");
    g_mime_header_set_raw_value (header, encoded);
  }
}
