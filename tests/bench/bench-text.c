/* bench-text.c — the encoders of the corpus generator
 *
 * RFC 2047 encoded-words, quoted-printable (RFC 2045 §6.7), base64, a little HTML, and iCalendar
 * TEXT escaping and line folding (RFC 5545 §3.1, §3.3.11), written by hand so that the mails
 * look like what clients send, not like what gmime would write.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bench-corpus-private.h"

gboolean
bench_is_ascii (const char *text)
{
  for (const char *p = text; *p; p++)
    if ((guchar) *p >= 0x80)
      return FALSE;
  return TRUE;
}

/* RFC 2047 §4.2 Q encoding of one encoded-word's payload. */
static void
append_q (GString    *out,
          const char *bytes,
          gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) bytes[i];

      if (c == ' ')
        g_string_append_c (out, '_');
      else if (g_ascii_isalnum (c) || strchr ("!*+-/", c) != NULL)
        g_string_append_c (out, c);
      else
        g_string_append_printf (out, "=%02X", c);
    }
}

/*
 * @text as RFC 2047 encoded-words (B or Q, UTF-8 or ISO-8859-1 when it fits), each at most 75
 * characters (§2), separated by folding white space; split on UTF-8 character boundaries.
 */
char *
bench_encode_words (Generator  *gen,
                    const char *text)
{
  GString *out = g_string_new (NULL);
  g_autofree char *latin1 = NULL;
  gboolean base64 = bench_chance (gen, 0.4);
  const char *charset = "UTF-8";
  const char *p = text;
  gsize latin1_len = 0;

  if (!base64 && bench_chance (gen, 0.3))
    latin1 = g_convert (text, -1, "ISO-8859-1", "UTF-8", NULL, &latin1_len, NULL);
  if (latin1 != NULL)
    {
      /* One byte per character: no boundary to respect. */
      for (gsize i = 0; i < latin1_len; i += 18)
        {
          if (i > 0)
            g_string_append (out, CRLF " ");
          g_string_append (out, "=?ISO-8859-1?Q?");
          append_q (out, latin1 + i, MIN (18, latin1_len - i));
          g_string_append (out, "?=");
        }
      return g_string_free (out, FALSE);
    }

  while (*p != '\0')
    {
      const char *end = p;
      g_autofree char *chunk = NULL;

      /* 30 bytes of UTF-8 make at most 40 of base64 or 90 of Q; Q chunks are kept smaller. */
      while (*end != '\0' && (gsize) (g_utf8_next_char (end) - p) <= (base64 ? 30 : 18))
        end = g_utf8_next_char (end);
      if (end == p)
        end = g_utf8_next_char (p);
      if (out->len > 0)
        g_string_append (out, CRLF " ");
      if (base64)
        {
          chunk = g_base64_encode ((const guchar *) p, end - p);
          g_string_append_printf (out, "=?%s?B?%s?=", charset, chunk);
        }
      else
        {
          g_string_append_printf (out, "=?%s?Q?", charset);
          append_q (out, p, end - p);
          g_string_append (out, "?=");
        }
      p = end;
    }
  return g_string_free (out, FALSE);
}

char *
bench_random_token (Generator  *gen,
                    gsize       len,
                    const char *alphabet)
{
  gsize n = strlen (alphabet);
  char *token = g_malloc (len + 1);

  for (gsize i = 0; i < len; i++)
    token[i] = alphabet[bench_pick (gen, n)];
  token[len] = '\0';
  return token;
}

char *
bench_random_uuid (Generator *gen)
{
  g_autofree char *hex = bench_random_token (gen, 32, HEX);

  return g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

void
bench_append_lines (GString     *out,
                    const char  *text)
{
  /* Source strings use \n; the wire uses CRLF. */
  for (const char *p = text; *p; p++)
    {
      if (*p == '\n')
        g_string_append (out, CRLF);
      else
        g_string_append_c (out, *p);
    }
}

/* Quoted-printable (RFC 2045 §6.7), lines of at most 76 characters, CRLF hard breaks. */
void
bench_append_quoted_printable (GString    *out,
                               const char *text)
{
  gsize column = 0;

  for (const char *p = text; *p; p++)
    {
      guchar c = (guchar) *p;
      char encoded[4];
      gsize len;

      if (c == '\n')
        {
          g_string_append (out, CRLF);
          column = 0;
          continue;
        }
      if ((c >= 33 && c <= 126 && c != '=') || (c == ' ' && p[1] != '\n' && p[1] != '\0'))
        {
          encoded[0] = c;
          encoded[1] = '\0';
          len = 1;
        }
      else
        {
          g_snprintf (encoded, sizeof encoded, "=%02X", c);
          len = 3;
        }
      if (column + len > 75)
        {
          g_string_append (out, "=" CRLF);
          column = 0;
        }
      g_string_append (out, encoded);
      column += len;
    }
  g_string_append (out, CRLF);
}

void
bench_append_base64 (GString      *out,
                     const char   *data,
                     gsize         len)
{
  g_autofree char *encoded = g_base64_encode ((const guchar *) data, len);
  gsize n = strlen (encoded);

  for (gsize i = 0; i < n; i += 76)
    {
      g_string_append_len (out, encoded + i, MIN (76, n - i));
      g_string_append (out, CRLF);
    }
}

char *
bench_make_html (const char *text)
{
  GString *html = g_string_new ("<html><head><meta http-equiv=\"Content-Type\" "
                                "content=\"text/html; charset=utf-8\"></head>\n"
                                "<body style=\"font-family: Calibri, Arial, sans-serif; "
                                "font-size: 11pt;\">\n<div>");
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  for (const char *p = escaped; *p; p++)
    {
      if (*p == '\n')
        g_string_append (html, "<br>\n");
      else
        g_string_append_c (html, *p);
    }
  g_string_append (html, "</div>\n</body></html>\n");
  return g_string_free (html, FALSE);
}

/* RFC 5545 §3.3.11 TEXT escaping. */
char *
bench_ical_escape (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      if (*p == '\\' || *p == ';' || *p == ',')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* One content line, folded at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1). */
void
bench_append_ical_line (GString    *out,
                        const char *line)
{
  gsize column = 0;

  for (const char *p = line; *p; )
    {
      const char *next = g_utf8_next_char (p);
      gsize len = next - p;

      if (column + len > 75)
        {
          g_string_append (out, CRLF " ");
          column = 1;
        }
      g_string_append_len (out, p, len);
      column += len;
      p = next;
    }
  g_string_append (out, CRLF);
}

void
bench_append_ical_printf (GString    *out,
                          const char *format,
                          ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  bench_append_ical_line (out, line);
}

