/* cnv-text.c — small text helpers the engine's parsers and builders share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-text.h"

/**
 * cnv_text_clean_line:
 * @text: (nullable): one line of text from a mail, a calendar or a user
 *
 * Makes @text safe for a header, a calendar and a page: invalid UTF-8 repaired, control and
 * line-separator characters (CR and LF among them: header injection) turned into spaces, runs of
 * white space folded, the ends trimmed.
 *
 * Returns: (transfer full) (nullable): the line, or %NULL when nothing is left
 */
char *
cnv_text_clean_line (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;
  gboolean space = FALSE;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || g_unichar_isspace (c) || c == 0x2028 || c == 0x2029)
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_unichar (out, c);
    }

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/**
 * cnv_warn:
 * @warnings: (nullable) (element-type utf8): where the caller collects warnings, or %NULL
 * @format: a printf() format for one sentence
 *
 * Adds a sentence to @warnings, when the caller wants them.
 */
void
cnv_warn (GPtrArray  *warnings,
          const char *format,
          ...)
{
  va_list args;

  if (warnings == NULL)
    return;
  va_start (args, format);
  g_ptr_array_add (warnings, g_strdup_vprintf (format, args));
  va_end (args);
}

/**
 * cnv_text_show:
 * @value: (nullable): a value read from a mail
 *
 * Returns: (transfer full): @value fit for a log line or an error sentence: valid UTF-8, control
 *   characters as spaces, at most 64 characters (then "…")
 */
char *
cnv_text_show (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value != NULL ? value : "", -1);
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n++ == CNV_TEXT_MAX_SHOWN)
        {
          g_string_append (out, "…");
          break;
        }
      g_string_append_unichar (out, g_unichar_iscntrl (c) ? ' ' : c);
    }
  return g_string_free (out, FALSE);
}

/**
 * cnv_text_read_digits:
 * @p: (inout): where to read; moved past the digits on success
 * @n: how many digits
 * @out: (out): their value
 *
 * Returns: whether exactly @n ASCII digits stand at *@p
 */
gboolean
cnv_text_read_digits (const char **p,
                      int          n,
                      int         *out)
{
  int value = 0;

  for (int i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      value = value * 10 + ((*p)[i] - '0');
    }
  *p += n;
  *out = value;
  return TRUE;
}
