/* cnv-ical-lines.c — what the two calendar readers share: input checks, content lines, text
 *
 * iCalendar (cnv-ical.c) and vCalendar 1.0 (cnv-vcalendar.c) are both made of content lines
 * (RFC 5545 §3.1, vCal 1.0 §2.1.3) nested in BEGIN and END lines; both hold text for people and
 * attendee addresses. This file reads those with GLib alone.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-ical"

#include "config.h"

#include <string.h>

#include "cnv-ical-private.h"

/* VCALENDAR > VEVENT > VALARM is three deep; libical frees (and counts errors in) a tree
 * recursively, so a hostile nesting must be refused before libical parses it. */
#define MAX_DEPTH 8
#define MAX_ADDRESS_WARNINGS 10

/* Helpers ------------------------------------------------------------------------------------- */

/* A value fit for a log line (cnv_text_show()). */
char *
cnv_ical_show_value (const char *value)
{
  return cnv_text_show (value);
}

/*
 * Text for the event: valid UTF-8 (RFC 5545 §3.1.4) without control characters but line breaks
 * and tabs (§3.3.11: TEXT has none; CRLF and CR become LF), %NULL when nothing is left.
 */
char *
cnv_ical_dup_text (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL || *text == '\0')
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\r')
        {
          if (p[1] != '\n')
            g_string_append_c (out, '\n');
          continue;
        }
      if (c != '\n' && c != '\t' && g_unichar_iscntrl (c))
        continue;
      g_string_append_unichar (out, c);
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static gboolean
has_prefix_ascii_nocase (const char *text,
                         const char *prefix)
{
  return g_ascii_strncasecmp (text, prefix, strlen (prefix)) == 0;
}

/*
 * The size, byte order mark and binary checks that both formats share. Returns the text to read,
 * without a UTF-8 BOM and without trailing nul bytes.
 */
gboolean
cnv_ical_check_input (const char **data,
                      gsize       *len,
                      GError     **error)
{
  if (*len > CNV_ICAL_MAX_SIZE)
    {
      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_TOO_LARGE,
                   "The calendar part is larger than %d MiB", CNV_ICAL_MAX_SIZE / (1024 * 1024));
      return FALSE;
    }
  if (*len >= 3 && memcmp (*data, "\xef\xbb\xbf", 3) == 0)
    {
      *data += 3;
      *len -= 3;
    }
  while (*len > 0 && (*data)[*len - 1] == '\0')
    (*len)--;
  if (memchr (*data, '\0', *len) != NULL)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                           "The calendar part cannot be read: it holds binary data");
      return FALSE;
    }
  return TRUE;
}

/* Content lines (RFC 5545 §3.1) --------------------------------------------------------------- */


/*
 * The next logical line: CRLF, LF or a lone CR end a physical line, and a physical line that
 * starts with a space or a tab continues the previous one (RFC 5545 §3.1). iCalendar drops
 * that one white space character; vCalendar 1.0 (like vCard 2.1) keeps it.
 */
gboolean
cnv_line_reader_next (CnvLineReader *reader,
                      GString       *line,
                      gboolean       keep_fold_space)
{
  if (reader->p >= reader->end)
    return FALSE;

  g_string_truncate (line, 0);
  while (TRUE)
    {
      const char *start = reader->p;
      const char *eol = start;

      while (eol < reader->end && *eol != '\r' && *eol != '\n')
        eol++;
      g_string_append_len (line, start, eol - start);

      reader->p = eol;
      if (reader->p < reader->end && *reader->p == '\r')
        reader->p++;
      if (reader->p < reader->end && *reader->p == '\n')
        reader->p++;

      if (reader->p < reader->end && (*reader->p == ' ' || *reader->p == '\t'))
        {
          if (!keep_fold_space)
            reader->p++;
          continue;
        }
      return TRUE;
    }
}

/* The property name of a content line: up to the first ';' or ':'. */
static gsize
line_name_length (const char *line)
{
  return strcspn (line, ";:");
}

gboolean
cnv_ical_line_name_is (const char *line,
                       const char *name)
{
  gsize len = line_name_length (line);

  return len == strlen (name) && g_ascii_strncasecmp (line, name, len) == 0;
}

/* What follows the first ':' (iCalendar parameters may quote a ':', which is rare enough in
 * BEGIN, END and VERSION lines to be ignored here). */
static const char *
line_value (const char *line)
{
  const char *colon = strchr (line, ':');

  return colon != NULL ? colon + 1 : "";
}

gboolean
cnv_ical_line_is_begin (const char *line)
{
  g_autofree char *name = g_strndup (line, line_name_length (line));

  /* Counting "BEGIN " as a BEGIN too only ever over-estimates the depth. */
  return g_ascii_strcasecmp (g_strchomp (name), "BEGIN") == 0;
}

gboolean
cnv_ical_value_is (const char *line,
                   const char *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (line_value (line)));

  return g_ascii_strcasecmp (copy, value) == 0;
}

/*
 * BEGIN and END lines (RFC 5545 §3.4, §3.6): the stack of open components. Refuses nesting deeper
 * than MAX_DEPTH and an END that does not close the component last opened (what a truncated or
 * spliced object looks like). Returns the depth after @line, or -1 with @error set.
 */
int
cnv_ical_track_component (GPtrArray   *open,
                          const char  *line,
                          GError     **error)
{
  if (cnv_ical_line_is_begin (line))
    {
      g_autofree char *kind = NULL;

      if (open->len >= MAX_DEPTH)
        {
          g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                       "The calendar part cannot be read: its components nest more than %d deep",
                       MAX_DEPTH);
          return -1;
        }
      kind = g_strstrip (g_strdup (line_value (line)));
      g_ptr_array_add (open, g_ascii_strup (kind, -1));
    }
  else if (cnv_ical_line_name_is (line, "END"))
    {
      if (open->len == 0 || !cnv_ical_value_is (line, g_ptr_array_index (open, open->len - 1)))
        {
          g_autofree char *shown = cnv_ical_show_value (line);

          g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                       "The calendar part cannot be read: “%s” closes no open component", shown);
          return -1;
        }
      g_ptr_array_set_size (open, open->len - 1);
    }
  return (int) open->len;
}

/* A UID (RFC 5545 §3.8.4.7) is an identifier: white space around it is no part of it. */
char *
cnv_ical_dup_uid (const char *uid)
{
  g_autofree char *text = cnv_ical_dup_text (uid);

  if (text == NULL || *g_strstrip (text) == '\0')
    return NULL;
  return g_steal_pointer (&text);
}

/* Addresses ----------------------------------------------------------------------------------- */

/* RFC 5545 §3.3.3 CAL-ADDRESS: a mailto: URI (RFC 6068); a bare address is accepted too. */
char *
cnv_ical_address_from_uri (const char *uri)
{
  g_autofree char *trimmed = NULL;

  if (uri == NULL)
    return NULL;
  trimmed = g_strstrip (g_strdup (uri));
  if (has_prefix_ascii_nocase (trimmed, "mailto:"))
    return g_strstrip (g_strdup (trimmed + strlen ("mailto:")));
  if (strchr (trimmed, ':') != NULL)
    return NULL;
  return g_steal_pointer (&trimmed);
}


void
cnv_attendee_set_add (CnvAttendeeSet *set,
                      const char     *name,
                      const char     *uri)
{
  g_autofree char *address = cnv_ical_address_from_uri (uri);
  g_autoptr(CnvAddress) attendee = NULL;
  CnvAddress *known;

  if (address != NULL)
    attendee = cnv_address_new (name, address, NULL);
  if (attendee == NULL)
    {
      if (set->n_bad++ < MAX_ADDRESS_WARNINGS)
        {
          g_autofree char *shown = cnv_ical_show_value (uri);

          cnv_warn (set->warnings, "The attendee “%s” is not an e-mail address; it is ignored.",
                         shown);
        }
      return;
    }

  known = g_hash_table_lookup (set->seen, attendee->address);
  if (known != NULL)
    {
      /* The first spelling wins, but a name is better than none. */
      if (known->name == NULL && attendee->name != NULL)
        known->name = g_steal_pointer (&attendee->name);
      return;
    }
  g_hash_table_insert (set->seen, attendee->address, attendee);
  g_ptr_array_add (set->list, g_steal_pointer (&attendee));
}

void
cnv_attendee_set_finish (CnvAttendeeSet *set)
{
  if (set->n_bad > MAX_ADDRESS_WARNINGS)
    cnv_warn (set->warnings, "%u more attendees are not e-mail addresses; they are ignored.",
                   set->n_bad - MAX_ADDRESS_WARNINGS);
  g_clear_pointer (&set->seen, g_hash_table_unref);
}
