/* cnv-ical.c — temporal information from a calendar part: iCalendar (libical) and vCalendar 1.0
 *
 * A request may carry its times in a text/calendar or application/ics part (RFC 5545, as
 * Thunderbird, Outlook, Gmail, Apple Calendar and Evolution send them) or in a vCalendar 1.0 part
 * (the format the seed names, still written by phones and old organisers). Both are read into a
 * CnvEvent whose times are in UTC.
 *
 * With cnv-ical-writer.c, the only file that includes libical. libical keeps process-wide state
 * (its built-in zones, the parser's settings); this file changes none of it and needs no built-in
 * zone: IANA and Windows zones come from GLib (cnv_time_zone_lookup()), and the VTIMEZONEs of a
 * calendar belong to that calendar's parsed tree, which one call creates and frees. libical 3.0
 * keeps its error state and temporary buffers per thread, so calls may run in several threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-ical"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "cnv-ical.h"

G_DEFINE_QUARK (cnv-ical-error-quark, cnv_ical_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (icalcomponent, icalcomponent_free)

#define MIN_YEAR 1970
#define MAX_YEAR 9999
/* VCALENDAR > VEVENT > VALARM is three deep; libical frees (and counts errors in) a tree
 * recursively, so a hostile nesting must be refused before libical parses it. */
#define MAX_DEPTH 8
/* Ten thousand years of days: more is no date. */
#define MAX_DAYS (366 * 10000)
#define MAX_SHOWN 64
#define MAX_ADDRESS_WARNINGS 10
/*
 * libical expands a VTIMEZONE's rules from their DTSTART to the year asked (up to 2582), change
 * by change. A rule that changes every minute, or hundreds of rules, would take minutes and
 * gigabytes: RFC 5545 §3.6.5 zones observed in the wild have a few yearly rules (Outlook: two
 * rules from 1601; tzdata-derived ones: one per historical period), so these bounds leave room.
 */
#define MAX_OBSERVANCES 1000
#define MAX_RECURRING_OBSERVANCES 16
#define MAX_OBSERVANCE_DATES 2000
#define MAX_UTC_OFFSET (24 * 60 * 60 - 1)
/* vCalendar 1.0 writes one DAYLIGHT property per year it describes. */
#define MAX_VCAL_DAYLIGHT_RULES 256

/* Each reader hands an object in the other format to the other reader, once (@may_hand_over). */
static CnvEvent *read_icalendar (const char *data, gsize len, GTimeZone *floating_zone,
                                 GTimeSpan default_duration, gboolean may_hand_over,
                                 GPtrArray *warnings, GError **error);
static CnvEvent *read_vcalendar (const char *data, gsize len, GTimeZone *floating_zone,
                                 GTimeSpan default_duration, gboolean may_hand_over,
                                 GPtrArray *warnings, GError **error);

/* Helpers ------------------------------------------------------------------------------------- */

static void
add_warning (GPtrArray  *warnings,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
add_warning (GPtrArray  *warnings,
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

/* A value fit for a log line: valid UTF-8, no control characters, at most MAX_SHOWN characters. */
static char *
show_value (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value != NULL ? value : "", -1);
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n++ == MAX_SHOWN)
        {
          g_string_append (out, "…");
          break;
        }
      g_string_append_unichar (out, g_unichar_iscntrl (c) ? ' ' : c);
    }
  return g_string_free (out, FALSE);
}

/*
 * Text for the event: valid UTF-8 (RFC 5545 §3.1.4) without control characters but line breaks
 * and tabs (§3.3.11: TEXT has none; CRLF and CR become LF), %NULL when nothing is left.
 */
static char *
dup_text (const char *text)
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
static gboolean
check_input (const char  **data,
             gsize        *len,
             GError      **error)
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

typedef struct
{
  const char *p;
  const char *end;
} LineReader;

/*
 * The next logical line: CRLF, LF or a lone CR end a physical line, and a physical line that
 * starts with a space or a tab continues the previous one (RFC 5545 §3.1). iCalendar drops
 * that one white space character; vCalendar 1.0 (like vCard 2.1) keeps it.
 */
static gboolean
line_reader_next (LineReader *reader,
                  GString    *line,
                  gboolean    keep_fold_space)
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

static gboolean
line_name_is (const char *line,
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

static gboolean
line_is_begin (const char *line)
{
  g_autofree char *name = g_strndup (line, line_name_length (line));

  /* Counting "BEGIN " as a BEGIN too only ever over-estimates the depth. */
  return g_ascii_strcasecmp (g_strchomp (name), "BEGIN") == 0;
}

static gboolean
value_is (const char *line,
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
static int
track_component (GPtrArray   *open,
                 const char  *line,
                 GError     **error)
{
  if (line_is_begin (line))
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
  else if (line_name_is (line, "END"))
    {
      if (open->len == 0 || !value_is (line, g_ptr_array_index (open, open->len - 1)))
        {
          g_autofree char *shown = show_value (line);

          g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                       "The calendar part cannot be read: “%s” closes no open component", shown);
          return -1;
        }
      g_ptr_array_set_size (open, open->len - 1);
    }
  return (int) open->len;
}

/* Zones and times ----------------------------------------------------------------------------- */

typedef struct
{
  gint64 start;
  gint64 end;
} VcalDaylight;

/* vCalendar 1.0's TZ and DAYLIGHT properties (vCal 1.0 §2.1.5, §2.2.2). */
typedef struct
{
  gint32 standard_offset;
  gint32 daylight_offset;
  GArray *rules;
} VcalZone;

/* Where a local time is: exactly one of the three, or none for UTC. */
typedef struct
{
  GTimeZone *tz;
  icaltimezone *ical;
  const VcalZone *vcal;
} Zone;

static void
zone_clear (Zone *zone)
{
  g_clear_pointer (&zone->tz, g_time_zone_unref);
  zone->ical = NULL;
  zone->vcal = NULL;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Zone, zone_clear)

static gint32
vcal_zone_offset_at (const VcalZone *zone,
                     gint64          instant)
{
  for (guint i = 0; zone->rules != NULL && i < zone->rules->len; i++)
    {
      const VcalDaylight *rule = &g_array_index (zone->rules, VcalDaylight, i);

      /* Daylight time from its start (a standard local time) until its end (a daylight one). */
      if (instant + zone->standard_offset >= rule->start && instant + zone->daylight_offset < rule->end)
        return zone->daylight_offset;
    }
  return zone->standard_offset;
}

static gint32
zone_offset_at (gint64   instant,
                gpointer user_data)
{
  const Zone *zone = user_data;

  if (zone->ical != NULL)
    {
      struct icaltimetype utc;
      int is_daylight = 0;

      utc = icaltime_from_timet_with_zone ((time_t) instant, 0, icaltimezone_get_utc_timezone ());
      return icaltimezone_get_utc_offset_of_utc_time (zone->ical, &utc, &is_daylight);
    }
  if (zone->vcal != NULL)
    return vcal_zone_offset_at (zone->vcal, instant);
  if (zone->tz != NULL)
    return g_time_zone_get_offset (zone->tz,
                                   g_time_zone_find_interval (zone->tz, G_TIME_TYPE_UNIVERSAL, instant));
  return 0;
}

/* A DATE or DATE-TIME as written: fields, and whether it is a DATE or in UTC. */
typedef struct
{
  int year;
  int month;
  int day;
  int hour;
  int minute;
  int second;
  gboolean is_date;
  gboolean is_utc;
} LocalTime;

/* @time, moved by @days days on the calendar (RFC 5545 §3.3.6: a day is nominal, not 24 hours),
 * in @zone, as an instant. %FALSE when a field is out of range. */
static gboolean
local_time_to_instant (const LocalTime *time,
                       gint64           days,
                       const Zone      *zone,
                       gint64          *out_instant)
{
  int year = time->year;
  int month = time->month;
  int day = time->day;

  if (days != 0)
    {
      GDate date;

      if (days < 0 || days > MAX_DAYS || year < MIN_YEAR || year > MAX_YEAR || month < 1 ||
          month > 12 || day < 1 || day > 31 ||
          !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
        return FALSE;
      g_date_clear (&date, 1);
      g_date_set_dmy (&date, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
      g_date_add_days (&date, (guint) days);
      year = g_date_get_year (&date);
      month = g_date_get_month (&date);
      day = g_date_get_day (&date);
    }

  return cnv_local_time_to_utc (year, month, day, time->hour, time->minute, time->second,
                                time->is_utc ? NULL : zone_offset_at, (gpointer) zone,
                                out_instant);
}

static void
set_floating (Zone      *zone,
              GTimeZone *floating_zone)
{
  zone->tz = floating_zone != NULL ? g_time_zone_ref (floating_zone) : g_time_zone_new_utc ();
}

/*
 * The IANA name of @zone, for the event's @tzid (cnv_ical_write() writes in that zone); %NULL
 * for UTC and for zones that are only an offset.
 */
static char *
zone_name (GTimeZone *zone)
{
  const char *identifier;

  if (zone == NULL)
    return NULL;
  identifier = g_time_zone_get_identifier (zone);
  if (identifier == NULL || *identifier == '\0' || *identifier == '+' || *identifier == '-' ||
      g_strcmp0 (identifier, "UTC") == 0)
    return NULL;
  return g_strdup (identifier);
}

/*
 * The start and end instants become the event's times: both within 1970–9999, the end after the
 * start. @end_instant is ignored when !@has_end (the caller asked for no default duration).
 */
static gboolean
set_event_times (CnvEvent  *event,
                 gint64     start_instant,
                 gboolean   has_end,
                 gint64     end_instant,
                 GError   **error)
{
  if (has_end && end_instant <= start_instant)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_END_BEFORE_START,
                           "The event ends before it starts");
      return FALSE;
    }

  event->start = g_date_time_new_from_unix_utc (start_instant);
  if (has_end)
    event->end = g_date_time_new_from_unix_utc (end_instant);
  if (event->start == NULL || (has_end && event->end == NULL))
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                           "The event is not within the years 1970 to 9999");
      return FALSE;
    }
  return TRUE;
}

/* A UID (RFC 5545 §3.8.4.7) is an identifier: white space around it is no part of it. */
static char *
dup_uid (const char *uid)
{
  g_autofree char *text = dup_text (uid);

  if (text == NULL || *g_strstrip (text) == '\0')
    return NULL;
  return g_steal_pointer (&text);
}

/* Addresses ----------------------------------------------------------------------------------- */

/* RFC 5545 §3.3.3 CAL-ADDRESS: a mailto: URI (RFC 6068); a bare address is accepted too. */
static char *
address_from_uri (const char *uri)
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

typedef struct
{
  GPtrArray *list;
  GHashTable *seen;
  GPtrArray *warnings;
  guint n_bad;
} AttendeeSet;

static void
attendee_set_add (AttendeeSet *set,
                  const char  *name,
                  const char  *uri)
{
  g_autofree char *address = address_from_uri (uri);
  g_autoptr(CnvAddress) attendee = NULL;
  CnvAddress *known;

  if (address != NULL)
    attendee = cnv_address_new (name, address, NULL);
  if (attendee == NULL)
    {
      if (set->n_bad++ < MAX_ADDRESS_WARNINGS)
        {
          g_autofree char *shown = show_value (uri);

          add_warning (set->warnings, "The attendee “%s” is not an e-mail address; it is ignored.",
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

static void
attendee_set_finish (AttendeeSet *set)
{
  if (set->n_bad > MAX_ADDRESS_WARNINGS)
    add_warning (set->warnings, "%u more attendees are not e-mail addresses; they are ignored.",
                 set->n_bad - MAX_ADDRESS_WARNINGS);
  g_clear_pointer (&set->seen, g_hash_table_unref);
}

/* iCalendar ----------------------------------------------------------------------------------- */

/*
 * What libical will parse: the logical lines of @data (unfolded, so that the nesting counted
 * here is the nesting libical sees), each ended by CRLF. Refuses what does not start with
 * BEGIN:VCALENDAR, what nests deeper than MAX_DEPTH and what ends inside a component.
 * *@out_vcalendar is set when the first VCALENDAR says VERSION:1.0.
 */
static char *
prepare_icalendar (const char  *data,
                   gsize        len,
                   gboolean    *out_vcalendar,
                   GError     **error)
{
  LineReader reader = { data, data + len };
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GString) out = g_string_sized_new (len + len / 16 + 2);
  g_autoptr(GPtrArray) open = g_ptr_array_new_with_free_func (g_free);
  gboolean started = FALSE;
  gboolean first_done = FALSE;
  int depth = 0;

  *out_vcalendar = FALSE;

  while (line_reader_next (&reader, line, FALSE))
    {
      if (!started)
        {
          g_autofree char *first = g_strstrip (g_strdup (line->str));

          if (*first == '\0')
            continue;
          if (!line_name_is (first, "BEGIN") || !value_is (first, "VCALENDAR"))
            {
              g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                                   "The calendar part cannot be read: it does not start with BEGIN:VCALENDAR");
              return NULL;
            }
          started = TRUE;
        }

      if (line_is_begin (line->str) || line_name_is (line->str, "END"))
        {
          depth = track_component (open, line->str, error);
          if (depth < 0)
            return NULL;
          if (depth == 0)
            first_done = TRUE;
        }
      else if (depth == 1 && !first_done && line_name_is (line->str, "VERSION") &&
               value_is (line->str, "1.0"))
        *out_vcalendar = TRUE;

      g_string_append_len (out, line->str, line->len);
      g_string_append (out, "\r\n");
    }

  if (!started)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                           "The calendar part cannot be read: it is empty");
      return NULL;
    }
  if (depth > 0)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                           "The calendar part cannot be read: it is truncated (a component has no END line)");
      return NULL;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static guint
count_by (const short *array,
          guint        size)
{
  guint n = 0;

  while (n < size && array[n] != ICAL_RECURRENCE_ARRAY_MAX)
    n++;
  return n;
}

/* The yearly rules of real zones (RFC 5545 §3.6.5: "the last Sunday of October"): at most one
 * month, and a handful of days in it. */
static gboolean
is_plain_yearly_rule (const struct icalrecurrencetype *rule)
{
  guint n_months = count_by (rule->by_month, ICAL_BY_MONTH_SIZE);
  guint n_days = count_by (rule->by_day, ICAL_BY_DAY_SIZE);
  guint n_month_days = count_by (rule->by_month_day, ICAL_BY_MONTHDAY_SIZE);

  if (rule->freq != ICAL_YEARLY_RECURRENCE || rule->interval < 1)
    return FALSE;
  if (count_by (rule->by_second, ICAL_BY_SECOND_SIZE) > 0 ||
      count_by (rule->by_minute, ICAL_BY_MINUTE_SIZE) > 0 ||
      count_by (rule->by_hour, ICAL_BY_HOUR_SIZE) > 0 ||
      count_by (rule->by_week_no, ICAL_BY_WEEKNO_SIZE) > 0 ||
      count_by (rule->by_year_day, ICAL_BY_YEARDAY_SIZE) > 1 ||
      count_by (rule->by_set_pos, ICAL_BY_SETPOS_SIZE) > 1)
    return FALSE;
  if (n_months > 1 || n_month_days > 7 || n_days > (n_month_days > 0 ? 7u : 1u))
    return FALSE;
  if ((n_days > 0 || n_month_days > 0) && n_months == 0)
    return FALSE;
  return TRUE;
}

static gboolean
is_usable_time (struct icaltimetype time)
{
  return time.year >= 1 && time.year <= MAX_YEAR && time.month >= 1 && time.month <= 12 &&
         time.day >= 1 && time.day <= 31 &&
         g_date_valid_dmy ((GDateDay) time.day, (GDateMonth) time.month, (GDateYear) time.year) &&
         time.hour >= 0 && time.hour <= 23 && time.minute >= 0 && time.minute <= 59 &&
         time.second >= 0 && time.second <= 60;
}

/*
 * Whether libical can use @vtimezone, quickly: observances (STANDARD, DAYLIGHT) with a readable
 * DTSTART and both offsets, and rules it can expand in reasonable time. Sets @out_reason if not.
 */
static gboolean
is_usable_vtimezone (icalcomponent  *vtimezone,
                     const char    **out_reason)
{
  guint n_observances = 0;
  guint n_recurring = 0;
  guint n_dates = 0;

  for (icalcomponent *observance = icalcomponent_get_first_component (vtimezone, ICAL_ANY_COMPONENT);
       observance != NULL;
       observance = icalcomponent_get_next_component (vtimezone, ICAL_ANY_COMPONENT))
    {
      icalcomponent_kind kind = icalcomponent_isa (observance);
      icalproperty *dtstart;
      icalproperty *from;
      icalproperty *to;

      if (kind != ICAL_XSTANDARD_COMPONENT && kind != ICAL_XDAYLIGHT_COMPONENT)
        continue;
      if (++n_observances > MAX_OBSERVANCES)
        {
          *out_reason = "it has too many observances";
          return FALSE;
        }

      dtstart = icalcomponent_get_first_property (observance, ICAL_DTSTART_PROPERTY);
      from = icalcomponent_get_first_property (observance, ICAL_TZOFFSETFROM_PROPERTY);
      to = icalcomponent_get_first_property (observance, ICAL_TZOFFSETTO_PROPERTY);
      if (dtstart == NULL || from == NULL || to == NULL ||
          !is_usable_time (icalproperty_get_dtstart (dtstart)) ||
          ABS (icalproperty_get_tzoffsetfrom (from)) > MAX_UTC_OFFSET ||
          ABS (icalproperty_get_tzoffsetto (to)) > MAX_UTC_OFFSET)
        {
          *out_reason = "an observance lacks its DTSTART or its offsets";
          return FALSE;
        }

      for (icalproperty *rrule = icalcomponent_get_first_property (observance, ICAL_RRULE_PROPERTY);
           rrule != NULL;
           rrule = icalcomponent_get_next_property (observance, ICAL_RRULE_PROPERTY))
        {
          struct icalrecurrencetype rule = icalproperty_get_rrule (rrule);

          if (++n_recurring > MAX_RECURRING_OBSERVANCES || !is_plain_yearly_rule (&rule))
            {
              *out_reason = "its rules are not plain yearly rules";
              return FALSE;
            }
        }
      n_dates += icalcomponent_count_properties (observance, ICAL_RDATE_PROPERTY);
      if (n_dates > MAX_OBSERVANCE_DATES)
        {
          *out_reason = "it has too many observance dates";
          return FALSE;
        }
    }

  if (n_observances == 0)
    {
      *out_reason = "it has no STANDARD or DAYLIGHT observance";
      return FALSE;
    }
  return TRUE;
}

/*
 * RFC 5545 §3.2.19: a TZID refers to a VTIMEZONE of the same iCalendar object; a TZID that
 * starts with a solidus is a globally unique identifier, which Evolution, Lightning and Citadel
 * form as "/vendor/version/Region/City".
 */
static GTimeZone *
lookup_tzid_name (const char *tzid)
{
  GTimeZone *zone = cnv_time_zone_lookup (tzid);

  for (const char *slash = tzid; zone == NULL && tzid[0] == '/' && slash != NULL;
       slash = strchr (slash + 1, '/'))
    {
      if (slash[1] != '\0')
        zone = cnv_time_zone_lookup (slash + 1);
    }
  return zone;
}

/*
 * RFC 5545 §3.2.19: a TZID refers to a VTIMEZONE of the same iCalendar object, which defines the
 * zone. Without a usable one, the TZID is taken by its name. *@out_iana is the IANA zone the name
 * stands for, whichever defined the offsets (%NULL when the name is no known zone).
 */
static gboolean
resolve_tzid (icalcomponent  *calendar,
              const char     *tzid,
              GPtrArray      *warnings,
              Zone           *out_zone,
              char          **out_iana,
              GError        **error)
{
  icaltimezone *defined = icalcomponent_get_timezone (calendar, tzid);
  g_autoptr(GTimeZone) named = lookup_tzid_name (tzid);

  *out_iana = zone_name (named);

  if (defined != NULL)
    {
      const char *reason = NULL;

      if (is_usable_vtimezone (icaltimezone_get_component (defined), &reason))
        {
          out_zone->ical = defined;
          return TRUE;
        }
      {
        g_autofree char *shown = show_value (tzid);
        g_autofree char *warning = g_strdup_printf ("The calendar’s definition of the time zone "
                                                    "“%s” cannot be used (%s); the zone is taken "
                                                    "by its name.", shown, reason);

        /* DTSTART and DTEND usually share their TZID: one warning is enough. */
        if (warnings != NULL &&
            !g_ptr_array_find_with_equal_func (warnings, warning, g_str_equal, NULL))
          g_ptr_array_add (warnings, g_steal_pointer (&warning));
      }
    }

  if (named != NULL)
    {
      out_zone->tz = g_steal_pointer (&named);
      return TRUE;
    }

  {
    g_autofree char *shown = show_value (tzid);

    g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE,
                 "The time zone “%s” is not defined in the calendar and is neither an IANA nor a "
                 "Windows zone name", shown);
    return FALSE;
  }
}

/* Whether libical dropped @name's value as unreadable: it then leaves an X-LIC-ERROR saying
 * "Can't parse as … value in NAME property" or "No value for NAME property". */
static gboolean
has_value_error (icalcomponent *event,
                 const char    *name)
{
  g_autofree char *needle = g_strconcat (" ", name, " property", NULL);

  for (icalproperty *prop = icalcomponent_get_first_property (event, ICAL_XLICERROR_PROPERTY);
       prop != NULL;
       prop = icalcomponent_get_next_property (event, ICAL_XLICERROR_PROPERTY))
    {
      const char *text = icalproperty_get_xlicerror (prop);

      if (text != NULL && strstr (text, needle) != NULL)
        return TRUE;
    }
  return FALSE;
}

/*
 * A DTSTART or DTEND: the time as written and the zone it is in (RFC 5545 §3.3.5: UTC, floating,
 * or with a TZID; §3.3.4: a DATE is in the floating zone).
 */
static gboolean
read_date_time (icalcomponent        *calendar,
                icalproperty         *prop,
                struct icaltimetype   time,
                GTimeZone            *floating_zone,
                GPtrArray            *warnings,
                LocalTime            *out_time,
                Zone                 *out_zone,
                char                **out_iana,
                GError              **error)
{
  icalparameter *param = icalproperty_get_first_parameter (prop, ICAL_TZID_PARAMETER);
  const char *tzid = param != NULL ? icalparameter_get_tzid (param) : NULL;

  *out_time = (LocalTime) {
    .year = time.year,
    .month = time.month,
    .day = time.day,
    .hour = time.is_date ? 0 : time.hour,
    .minute = time.is_date ? 0 : time.minute,
    .second = time.is_date ? 0 : time.second,
    .is_date = time.is_date != 0,
    .is_utc = !time.is_date && icaltime_is_utc (time),
  };
  if (out_time->is_date || (!out_time->is_utc && tzid == NULL))
    {
      set_floating (out_zone, floating_zone);
      return TRUE;
    }
  if (out_time->is_utc)
    return TRUE;

  return resolve_tzid (calendar, tzid, warnings, out_zone, out_iana, error);
}

static gboolean
invalid_time (GError     **error,
              const char  *name)
{
  g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
               "The event’s %s is not a valid date and time (years 1970 to 9999)", name);
  return FALSE;
}

static gboolean
read_times (icalcomponent  *calendar,
            icalcomponent  *vevent,
            CnvEvent       *event,
            GTimeZone      *floating_zone,
            GTimeSpan       default_duration,
            GPtrArray      *warnings,
            GError        **error)
{
  icalproperty *dtstart = icalcomponent_get_first_property (vevent, ICAL_DTSTART_PROPERTY);
  icalproperty *dtend = icalcomponent_get_first_property (vevent, ICAL_DTEND_PROPERTY);
  icalproperty *duration = icalcomponent_get_first_property (vevent, ICAL_DURATION_PROPERTY);
  g_auto(Zone) start_zone = { NULL, };
  LocalTime start;
  g_autofree char *iana = NULL;
  gint64 start_instant;
  gint64 end_instant = 0;
  gboolean has_end = TRUE;

  if (dtstart == NULL)
    {
      if (has_value_error (vevent, "DTSTART"))
        return invalid_time (error, "DTSTART");
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_NO_START,
                           "The event has no start (DTSTART)");
      return FALSE;
    }
  if (!read_date_time (calendar, dtstart, icalproperty_get_dtstart (dtstart), floating_zone,
                       warnings, &start, &start_zone, &iana, error))
    return FALSE;
  if (!local_time_to_instant (&start, 0, &start_zone, &start_instant))
    return invalid_time (error, "DTSTART");

  event->all_day = start.is_date;
  event->tzid = start.is_date ? zone_name (floating_zone) : g_steal_pointer (&iana);

  if (dtend != NULL)
    {
      g_auto(Zone) end_zone = { NULL, };
      g_autofree char *end_iana = NULL;
      LocalTime end;

      if (duration != NULL)
        add_warning (warnings, "The event has both DTEND and DURATION; DTEND is used.");
      if (!read_date_time (calendar, dtend, icalproperty_get_dtend (dtend), floating_zone,
                           warnings, &end, &end_zone, &end_iana, error))
        return FALSE;
      if (!local_time_to_instant (&end, 0, &end_zone, &end_instant))
        return invalid_time (error, "DTEND");
      /* RFC 5545 §3.6.1 wants a DATE DTEND for a DATE DTSTART; a DATE-TIME one ends the event at
       * a time of day, so it is not an all-day event any more. */
      if (!end.is_date)
        event->all_day = FALSE;
    }
  else if (has_value_error (vevent, "DTEND"))
    return invalid_time (error, "DTEND");
  else if (duration != NULL)
    {
      struct icaldurationtype span = icalproperty_get_duration (duration);
      gint64 days = (gint64) span.weeks * 7 + span.days;
      gint64 seconds = (gint64) span.hours * 3600 + (gint64) span.minutes * 60 + span.seconds;

      if (span.is_neg)
        {
          g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                               "The event’s DURATION is negative");
          return FALSE;
        }
      /* RFC 5545 §3.3.6: days and weeks are nominal (a day may last 23 or 25 hours where the
       * offset changes); hours, minutes and seconds are exact. */
      if (!local_time_to_instant (&start, days, &start_zone, &end_instant) ||
          seconds > (gint64) MAX_DAYS * 86400)
        return invalid_time (error, "DURATION");
      end_instant += seconds;
      if (seconds != 0)
        event->all_day = FALSE;
    }
  else if (has_value_error (vevent, "DURATION"))
    return invalid_time (error, "DURATION");
  else if (start.is_date)
    {
      /* RFC 5545 §3.6.1: an all-day event without an end lasts one day. */
      if (!local_time_to_instant (&start, 1, &start_zone, &end_instant))
        return invalid_time (error, "DTSTART");
    }
  else if (default_duration > 0)
    {
      end_instant = start_instant + default_duration / G_TIME_SPAN_SECOND;
      add_warning (warnings, "The event has no end; the default duration is used.");
    }
  else
    has_end = FALSE;

  return set_event_times (event, start_instant, has_end, end_instant, error);
}

static void
read_people (icalcomponent *vevent,
             CnvEvent      *event,
             GPtrArray     *warnings)
{
  icalproperty *organizer = icalcomponent_get_first_property (vevent, ICAL_ORGANIZER_PROPERTY);
  AttendeeSet set = { event->attendees, NULL, warnings, 0 };

  /* RFC 5545 §3.8.4.3 ORGANIZER with its CN, and §3.2.18 SENT-BY: who sent it on their behalf. */
  if (organizer != NULL)
    {
      const char *uri = icalproperty_get_organizer (organizer);
      icalparameter *cn = icalproperty_get_first_parameter (organizer, ICAL_CN_PARAMETER);
      icalparameter *sent_by = icalproperty_get_first_parameter (organizer, ICAL_SENTBY_PARAMETER);
      g_autofree char *address = address_from_uri (uri);

      if (address != NULL)
        event->organizer = cnv_address_new (cn != NULL ? icalparameter_get_cn (cn) : NULL, address, NULL);
      if (event->organizer == NULL)
        {
          g_autofree char *shown = show_value (uri);

          add_warning (warnings, "The organizer “%s” is not an e-mail address; it is ignored.", shown);
        }

      if (sent_by != NULL)
        {
          const char *sent_by_uri = icalparameter_get_sentby (sent_by);
          g_autofree char *sent_by_address = address_from_uri (sent_by_uri);

          if (sent_by_address != NULL)
            event->sent_by = cnv_address_normalize (sent_by_address, NULL);
          if (event->sent_by == NULL)
            {
              g_autofree char *shown = show_value (sent_by_uri);

              add_warning (warnings, "The organizer’s SENT-BY “%s” is not an e-mail address; it is ignored.",
                           shown);
            }
        }
    }

  /* RFC 5545 §3.8.4.1 ATTENDEE. */
  set.seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (icalproperty *prop = icalcomponent_get_first_property (vevent, ICAL_ATTENDEE_PROPERTY);
       prop != NULL;
       prop = icalcomponent_get_next_property (vevent, ICAL_ATTENDEE_PROPERTY))
    {
      icalparameter *cn = icalproperty_get_first_parameter (prop, ICAL_CN_PARAMETER);

      attendee_set_add (&set, cn != NULL ? icalparameter_get_cn (cn) : NULL,
                        icalproperty_get_attendee (prop));
    }
  attendee_set_finish (&set);
}

static void
warn_about_events (icalcomponent *calendar,
                   icalcomponent *first,
                   GPtrArray     *warnings)
{
  const char *uid = icalcomponent_get_uid (first);
  guint n_events = 0;
  guint n_overrides = 0;

  for (icalcomponent *vevent = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
       vevent != NULL;
       vevent = icalcomponent_get_next_component (calendar, ICAL_VEVENT_COMPONENT))
    {
      n_events++;
      /* RFC 5545 §3.8.4.4: the same UID with a RECURRENCE-ID changes one occurrence. */
      if (vevent != first && uid != NULL && g_strcmp0 (icalcomponent_get_uid (vevent), uid) == 0 &&
          icalcomponent_get_first_property (vevent, ICAL_RECURRENCEID_PROPERTY) != NULL)
        n_overrides++;
    }

  if (n_events > 1 && n_overrides == n_events - 1)
    add_warning (warnings, "The event has %u changed occurrences; only the event itself is used.",
                 n_overrides);
  else if (n_events > 1)
    add_warning (warnings, "The calendar holds %u events; only the first is used.", n_events);

  if (icalcomponent_get_first_property (first, ICAL_RRULE_PROPERTY) != NULL ||
      icalcomponent_get_first_property (first, ICAL_RDATE_PROPERTY) != NULL)
    add_warning (warnings, "The event repeats; only its first occurrence is used.");
}

static char *
read_method (icalcomponent *calendar)
{
  icalproperty *prop = icalcomponent_get_first_property (calendar, ICAL_METHOD_PROPERTY);
  char *value;
  char *method;

  if (prop == NULL)
    return NULL;
  value = icalproperty_get_value_as_string_r (prop);
  if (value == NULL)
    return NULL;
  method = g_ascii_strup (value, -1);
  free (value);

  /* RFC 5546 §1.4: a method is a token. */
  for (const char *p = method; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      {
        g_free (method);
        return NULL;
      }
  if (*method == '\0')
    g_clear_pointer (&method, g_free);
  return method;
}

static CnvEvent *
read_icalendar (const char  *data,
                gsize        len,
                GTimeZone   *floating_zone,
                GTimeSpan    default_duration,
                gboolean     may_hand_over,
                GPtrArray   *warnings,
                GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(icalcomponent) root = NULL;
  g_autoptr(CnvEvent) event = NULL;
  icalcomponent *calendar;
  icalcomponent *vevent;
  icalproperty *prop;
  gboolean is_vcalendar = FALSE;

  if (!check_input (&data, &len, error))
    return NULL;
  text = prepare_icalendar (data, len, &is_vcalendar, error);
  if (text == NULL)
    return NULL;
  if (is_vcalendar && may_hand_over)
    return read_vcalendar (data, len, floating_zone, default_duration, FALSE, warnings, error);

  root = icalparser_parse_string (text);
  if (root == NULL)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                           "The calendar part cannot be read");
      return NULL;
    }

  /* Several objects in one part come wrapped in an XROOT. */
  calendar = root;
  if (icalcomponent_isa (root) == ICAL_XROOT_COMPONENT)
    {
      calendar = icalcomponent_get_first_component (root, ICAL_VCALENDAR_COMPONENT);
      if (icalcomponent_count_components (root, ICAL_VCALENDAR_COMPONENT) > 1)
        add_warning (warnings, "The calendar part holds several calendars; only the first is used.");
    }
  if (calendar == NULL || icalcomponent_isa (calendar) != ICAL_VCALENDAR_COMPONENT)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                           "The calendar part cannot be read: it holds no VCALENDAR");
      return NULL;
    }

  vevent = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
  if (vevent == NULL)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_NO_EVENT,
                           "The calendar holds no event (VEVENT)");
      return NULL;
    }
  warn_about_events (calendar, vevent, warnings);

  event = cnv_event_new ();
  event->method = read_method (calendar);
  event->uid = dup_uid (icalcomponent_get_uid (vevent));
  prop = icalcomponent_get_first_property (vevent, ICAL_SEQUENCE_PROPERTY);
  event->sequence = prop != NULL ? MAX (icalproperty_get_sequence (prop), 0) : 0;
  event->summary = dup_text (icalcomponent_get_summary (vevent));
  event->description = dup_text (icalcomponent_get_description (vevent));
  event->location = dup_text (icalcomponent_get_location (vevent));
  prop = icalcomponent_get_first_property (vevent, ICAL_URL_PROPERTY);
  event->url = prop != NULL ? dup_text (icalproperty_get_url (prop)) : NULL;
  prop = icalcomponent_get_first_property (vevent, ICAL_CONFERENCE_PROPERTY);
  event->conference = prop != NULL ? dup_text (icalproperty_get_conference (prop)) : NULL;
  prop = icalcomponent_get_first_property (vevent, ICAL_STATUS_PROPERTY);
  event->cancelled = prop != NULL && icalproperty_get_status (prop) == ICAL_STATUS_CANCELLED;

  /* RFC 5545 §3.8.7.2: DTSTAMP is in UTC. Not needed to schedule anything: ignored if odd. */
  prop = icalcomponent_get_first_property (vevent, ICAL_DTSTAMP_PROPERTY);
  if (prop != NULL)
    {
      struct icaltimetype stamp = icalproperty_get_dtstamp (prop);
      gint64 instant;

      if (!stamp.is_date && cnv_local_time_to_utc (stamp.year, stamp.month, stamp.day, stamp.hour,
                                                   stamp.minute, stamp.second, NULL, NULL, &instant))
        event->stamp = g_date_time_new_from_unix_utc (instant);
    }

  read_people (vevent, event, warnings);

  if (!read_times (calendar, vevent, event, floating_zone, default_duration, warnings, error))
    return NULL;

  return g_steal_pointer (&event);
}

/**
 * cnv_ical_read:
 * @data: the contents of a text/calendar or application/ics part (UTF-8; CRLF or LF line ends,
 *   folded lines and a byte order mark are fine; need not be nul-terminated)
 * @len: the length of @data in bytes
 * @floating_zone: (nullable): the zone of floating times and all-day dates (the manager's);
 *   %NULL for UTC
 * @default_duration: the length of an event that gives no end; 0 leaves @end %NULL then
 * @warnings: (nullable) (element-type utf8): where to add a sentence for each approximation
 * @error: return location for a #CNV_ICAL_ERROR
 *
 * Reads the first VEVENT of an iCalendar object (RFC 5545). Several events, changed occurrences
 * (RECURRENCE-ID) and repetitions (RRULE, RDATE) are reduced to that first event, with a warning.
 * An object that says VERSION:1.0 is read as cnv_ical_read_vcalendar() reads it.
 *
 * Times: a DTSTART or DTEND with a TZID is in the VTIMEZONE of that TZID (RFC 5545 §3.2.19) when
 * the calendar has a usable one, else in the IANA zone of that name (also behind a
 * "/vendor/version/" prefix such as Evolution's "/freeassociation.sourceforge.net/"), else in the
 * Windows zone of that name; UTC times are UTC; floating times and DATEs are in @floating_zone.
 * A local time that a daylight saving change skips or repeats is read as RFC 5545 §3.3.5 says
 * (see cnv_local_time_to_utc()). The end is DTEND, else DTSTART + DURATION (days nominal, RFC 5545
 * §3.3.6), else the day after an all-day DTSTART, else DTSTART + @default_duration (with a
 * warning). Times must be within the years 1970 to 9999.
 *
 * @tzid is the IANA zone that DTSTART's TZID names ("W. Europe Standard Time" and
 * "/freeassociation.sourceforge.net/Europe/Berlin" give "Europe/Berlin"), %NULL for UTC, floating
 * times and TZIDs that only a VTIMEZONE defines; for an all-day event, @floating_zone's name (the
 * zone its dates were taken in). cnv_ical_write() writes the event back in that zone.
 *
 * Errors: %CNV_ICAL_ERROR_TOO_LARGE (more than %CNV_ICAL_MAX_SIZE bytes), %CNV_ICAL_ERROR_PARSE
 * (not iCalendar, binary, truncated, nested absurdly deep), %CNV_ICAL_ERROR_NO_EVENT,
 * %CNV_ICAL_ERROR_NO_START, %CNV_ICAL_ERROR_INVALID_TIME (an unreadable or out-of-range DTSTART,
 * DTEND or DURATION, a negative DURATION), %CNV_ICAL_ERROR_UNKNOWN_ZONE,
 * %CNV_ICAL_ERROR_END_BEFORE_START (the end is not after the start).
 *
 * Returns: (transfer full): the event, or %NULL with @error set
 */
CnvEvent *
cnv_ical_read (const char  *data,
               gsize        len,
               GTimeZone   *floating_zone,
               GTimeSpan    default_duration,
               GPtrArray   *warnings,
               GError     **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (default_duration >= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return read_icalendar (data != NULL ? data : "", len, floating_zone, default_duration, TRUE,
                         warnings, error);
}

/* vCalendar 1.0 ------------------------------------------------------------------------------- */

/* A content line of vCalendar 1.0 (§2.1.3): NAME;PARAM;PARAM=VALUE:VALUE. */
typedef struct
{
  char *name;
  GStrv params;
  char *value;
} VcalProperty;

static void
vcal_property_clear (VcalProperty *prop)
{
  g_clear_pointer (&prop->name, g_free);
  g_clear_pointer (&prop->params, g_strfreev);
  g_clear_pointer (&prop->value, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VcalProperty, vcal_property_clear)

/* PARAM=VALUE's VALUE, or the bare PARAM (vCal 1.0 allows "QUOTED-PRINTABLE" alone). */
static const char *
vcal_param (const VcalProperty *prop,
            const char         *name)
{
  gsize len = strlen (name);

  for (guint i = 0; prop->params != NULL && prop->params[i] != NULL; i++)
    {
      const char *param = prop->params[i];

      if (g_ascii_strncasecmp (param, name, len) == 0 && param[len] == '=')
        return param + len + 1;
    }
  return NULL;
}

static gboolean
vcal_has_param (const VcalProperty *prop,
                const char         *bare)
{
  for (guint i = 0; prop->params != NULL && prop->params[i] != NULL; i++)
    if (g_ascii_strcasecmp (prop->params[i], bare) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
vcal_is_quoted_printable (const VcalProperty *prop)
{
  const char *encoding = vcal_param (prop, "ENCODING");

  return vcal_has_param (prop, "QUOTED-PRINTABLE") ||
         (encoding != NULL && g_ascii_strcasecmp (encoding, "QUOTED-PRINTABLE") == 0);
}

static void
vcal_split_line (const char   *line,
                 VcalProperty *out)
{
  const char *colon = strchr (line, ':');
  g_autofree char *head = NULL;
  char *semicolon;

  head = colon != NULL ? g_strndup (line, colon - line) : g_strdup (line);
  out->value = g_strdup (colon != NULL ? colon + 1 : "");
  semicolon = strchr (head, ';');
  if (semicolon != NULL)
    {
      *semicolon = '\0';
      out->params = g_strsplit (semicolon + 1, ";", -1);
      for (guint i = 0; out->params[i] != NULL; i++)
        g_strstrip (out->params[i]);
    }
  out->name = g_ascii_strup (g_strstrip (head), -1);
}

/* RFC 2045 §6.7 quoted-printable, soft line breaks already joined. */
static char *
vcal_decode_quoted_printable (const char *value)
{
  GString *out = g_string_sized_new (strlen (value));

  for (const char *p = value; *p; p++)
    {
      if (*p == '=' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2])));
          p += 2;
        }
      else if (*p == '=' && p[1] == '\0')
        break;
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* The text of a value: decoded, in UTF-8, with vCal's backslash escapes undone. */
static char *
vcal_text (const VcalProperty *prop)
{
  g_autofree char *decoded = NULL;
  g_autofree char *utf8 = NULL;
  const char *charset = vcal_param (prop, "CHARSET");
  GString *out;

  decoded = vcal_is_quoted_printable (prop) ? vcal_decode_quoted_printable (prop->value)
                                            : g_strdup (prop->value);
  if (charset != NULL && g_ascii_strcasecmp (charset, "UTF-8") != 0 &&
      g_ascii_strcasecmp (charset, "US-ASCII") != 0)
    utf8 = g_convert (decoded, -1, "UTF-8", charset, NULL, NULL, NULL);
  if (utf8 == NULL)
    utf8 = g_utf8_make_valid (decoded, -1);

  out = g_string_sized_new (strlen (utf8));
  for (const char *p = utf8; *p; p++)
    {
      if (*p == '\\' && (p[1] == ';' || p[1] == ',' || p[1] == '\\'))
        g_string_append_c (out, *++p);
      else if (*p == '\\' && (p[1] == 'n' || p[1] == 'N'))
        {
          g_string_append_c (out, '\n');
          p++;
        }
      else if (*p != '\r')
        g_string_append_c (out, *p);
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/* Exactly @n digits at *@p. */
static gboolean
read_digits (const char **p,
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

/*
 * vCal 1.0 §2.1.5: an ISO 8601 date-time, basic format, local or UTC ("Z"): 19960401T033000Z.
 * The extended format (1996-04-01T03:30:00Z), a missing seconds field, a date alone and an explicit
 * offset (19960401T033000-0500) are read too: writers took those liberties.
 */
static gboolean
parse_vcal_time (const char *text,
                 LocalTime  *out,
                 gboolean   *out_has_offset,
                 gint32     *out_offset)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  const char *p = trimmed;
  gboolean extended;

  *out = (LocalTime) { 0, };
  *out_has_offset = FALSE;
  *out_offset = 0;

  if (!read_digits (&p, 4, &out->year))
    return FALSE;
  extended = *p == '-';
  if (extended)
    p++;
  if (!read_digits (&p, 2, &out->month) || (extended && *p++ != '-') ||
      !read_digits (&p, 2, &out->day))
    return FALSE;

  if (*p == '\0')
    {
      out->is_date = TRUE;
      return TRUE;
    }
  if (*p != 'T' && *p != 't')
    return FALSE;
  p++;

  extended = g_ascii_isdigit (p[0]) && g_ascii_isdigit (p[1]) && p[2] == ':';
  if (!read_digits (&p, 2, &out->hour) || (extended && *p++ != ':') ||
      !read_digits (&p, 2, &out->minute))
    return FALSE;
  if ((extended && *p == ':') || (!extended && g_ascii_isdigit (*p)))
    {
      if (extended)
        p++;
      if (!read_digits (&p, 2, &out->second))
        return FALSE;
    }

  if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
    out->is_utc = TRUE;
  else if (*p == '+' || *p == '-')
    {
      g_autoptr(GTimeZone) zone = cnv_time_zone_lookup (p);

      if (zone == NULL)
        return FALSE;
      *out_has_offset = TRUE;
      *out_offset = g_time_zone_get_offset (zone, 0);
    }
  else if (*p != '\0')
    return FALSE;

  return TRUE;
}

/* The seconds of a local time as if it were UTC: DAYLIGHT rules compare local times. */
static gboolean
vcal_local_seconds (const char *text,
                    gint64     *out)
{
  LocalTime time;
  gboolean has_offset;
  gint32 offset;

  if (!parse_vcal_time (text, &time, &has_offset, &offset) || has_offset)
    return FALSE;
  return cnv_local_time_to_utc (time.year, time.month, time.day, time.hour, time.minute,
                                time.second, NULL, NULL, out);
}

/* vCal 1.0 §2.2.2 DAYLIGHT: TRUE;+02;19960331T020000;19961027T030000;CET;CEST (or FALSE). */
static gboolean
vcal_parse_daylight (const char *value,
                     VcalZone   *zone)
{
  g_auto(GStrv) fields = g_strsplit (value, ";", 6);
  g_autoptr(GTimeZone) offset = NULL;
  VcalDaylight rule;

  if (fields[0] == NULL)
    return FALSE;
  g_strstrip (fields[0]);
  if (g_ascii_strcasecmp (fields[0], "FALSE") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (fields[0], "TRUE") != 0 || g_strv_length (fields) < 4)
    return FALSE;

  offset = cnv_time_zone_lookup (g_strstrip (fields[1]));
  if (offset == NULL || (fields[1][0] != '+' && fields[1][0] != '-'))
    return FALSE;
  if (!vcal_local_seconds (fields[2], &rule.start) || !vcal_local_seconds (fields[3], &rule.end) ||
      rule.end <= rule.start)
    return FALSE;

  zone->daylight_offset = g_time_zone_get_offset (offset, 0);
  if (zone->rules == NULL)
    zone->rules = g_array_new (FALSE, FALSE, sizeof (VcalDaylight));
  if (zone->rules->len < MAX_VCAL_DAYLIGHT_RULES)
    g_array_append_val (zone->rules, rule);
  return TRUE;
}

/* The first VEVENT's properties that Convene uses, as written (first of each). */
typedef struct
{
  char *version;
  char *tz;
  GPtrArray *daylight;
  guint n_events;
  gboolean repeats;
  char *dtstart;
  char *dtend;
  char *uid;
  char *summary;
  char *description;
  char *location;
  char *url;
  char *sequence;
  char *status;
  GPtrArray *people;
} VcalEvent;

static void
vcal_event_clear (VcalEvent *vcal)
{
  g_free (vcal->version);
  g_free (vcal->tz);
  g_clear_pointer (&vcal->daylight, g_ptr_array_unref);
  g_free (vcal->dtstart);
  g_free (vcal->dtend);
  g_free (vcal->uid);
  g_free (vcal->summary);
  g_free (vcal->description);
  g_free (vcal->location);
  g_free (vcal->url);
  g_free (vcal->sequence);
  g_free (vcal->status);
  g_clear_pointer (&vcal->people, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VcalEvent, vcal_event_clear)

static void
set_once (char       **field,
          const char  *value)
{
  if (*field == NULL)
    *field = g_strdup (value);
}

/* An ATTENDEE (or ORGANIZER) with the role that says which it is (vCal 1.0 §2.1.4.2). */
typedef struct
{
  char *value;
  gboolean organizer;
} VcalPerson;

static void
vcal_person_free (VcalPerson *person)
{
  g_free (person->value);
  g_free (person);
}

static void
vcal_take_property (VcalEvent          *vcal,
                    const VcalProperty *prop)
{
  g_autofree char *text = vcal_text (prop);
  const char *name = prop->name;

  if (text == NULL)
    return;

  if (strcmp (name, "DTSTART") == 0)
    set_once (&vcal->dtstart, text);
  else if (strcmp (name, "DTEND") == 0)
    set_once (&vcal->dtend, text);
  else if (strcmp (name, "UID") == 0)
    set_once (&vcal->uid, text);
  else if (strcmp (name, "SUMMARY") == 0)
    set_once (&vcal->summary, text);
  else if (strcmp (name, "DESCRIPTION") == 0)
    set_once (&vcal->description, text);
  else if (strcmp (name, "LOCATION") == 0)
    set_once (&vcal->location, text);
  else if (strcmp (name, "URL") == 0)
    set_once (&vcal->url, text);
  else if (strcmp (name, "SEQUENCE") == 0)
    set_once (&vcal->sequence, text);
  else if (strcmp (name, "STATUS") == 0)
    set_once (&vcal->status, text);
  else if (strcmp (name, "RRULE") == 0 || strcmp (name, "RDATE") == 0 ||
           strcmp (name, "EXRULE") == 0)
    vcal->repeats = TRUE;
  else if (strcmp (name, "ATTENDEE") == 0 || strcmp (name, "ORGANIZER") == 0)
    {
      const char *role = vcal_param (prop, "ROLE");
      VcalPerson *person = g_new0 (VcalPerson, 1);

      person->value = g_steal_pointer (&text);
      person->organizer = strcmp (name, "ORGANIZER") == 0 ||
                          (role != NULL && (g_ascii_strcasecmp (role, "ORGANIZER") == 0 ||
                                            g_ascii_strcasecmp (role, "OWNER") == 0));
      g_ptr_array_add (vcal->people, person);
    }
}

/* Reads the lines of a vCalendar object into @vcal. */
static gboolean
scan_vcalendar (const char  *data,
                gsize        len,
                VcalEvent   *vcal,
                GError     **error)
{
  LineReader reader = { data, data + len };
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GString) next = g_string_new (NULL);
  g_autoptr(GPtrArray) open = g_ptr_array_new_with_free_func (g_free);
  gboolean started = FALSE;
  gboolean in_first_event = FALSE;
  int depth = 0;

  while (line_reader_next (&reader, line, TRUE))
    {
      g_auto(VcalProperty) prop = { NULL, };

      if (!started)
        {
          g_autofree char *first = g_strstrip (g_strdup (line->str));

          if (*first == '\0')
            continue;
          if (!line_name_is (first, "BEGIN") || !value_is (first, "VCALENDAR"))
            {
              g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                                   "The calendar part cannot be read: it does not start with BEGIN:VCALENDAR");
              return FALSE;
            }
          started = TRUE;
        }

      vcal_split_line (line->str, &prop);

      /* RFC 2045 §6.7 rule 5: a quoted-printable line that ends in "=" goes on. */
      if (vcal_is_quoted_printable (&prop))
        while (g_str_has_suffix (line->str, "=") && line_reader_next (&reader, next, TRUE))
          {
            g_string_truncate (line, line->len - 1);
            g_string_append_len (line, next->str, next->len);
            vcal_property_clear (&prop);
            vcal_split_line (line->str, &prop);
          }

      if (strcmp (prop.name, "BEGIN") == 0 || strcmp (prop.name, "END") == 0)
        {
          gboolean begin = strcmp (prop.name, "BEGIN") == 0;

          depth = track_component (open, line->str, error);
          if (depth < 0)
            return FALSE;
          if (begin && depth == 2 && g_ascii_strcasecmp (g_strstrip (prop.value), "VEVENT") == 0)
            in_first_event = ++vcal->n_events == 1;
          else if (!begin && depth == 1)
            in_first_event = FALSE;
          if (depth == 0)
            break;
          continue;
        }

      if (depth == 1 && strcmp (prop.name, "VERSION") == 0)
        set_once (&vcal->version, g_strstrip (prop.value));
      else if (depth == 1 && strcmp (prop.name, "TZ") == 0)
        set_once (&vcal->tz, g_strstrip (prop.value));
      else if (depth == 1 && strcmp (prop.name, "DAYLIGHT") == 0)
        g_ptr_array_add (vcal->daylight, g_strdup (prop.value));
      else if (depth == 2 && in_first_event)
        vcal_take_property (vcal, &prop);
    }

  if (!started)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                           "The calendar part cannot be read: it is empty");
      return FALSE;
    }
  if (depth > 0)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                           "The calendar part cannot be read: it is truncated (a component has no END line)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
vcal_read_time (const char      *text,
                const char      *name,
                GTimeZone       *floating_zone,
                const VcalZone  *vcal_zone,
                LocalTime       *out_time,
                Zone            *out_zone,
                GError         **error)
{
  gboolean has_offset;
  gint32 offset;

  if (!parse_vcal_time (text, out_time, &has_offset, &offset))
    {
      g_autofree char *shown = show_value (text);

      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                   "The event’s %s “%s” is not a date and time", name, shown);
      return FALSE;
    }
  if (has_offset)
    out_zone->tz = g_time_zone_new_offset (offset);
  else if (out_time->is_date || vcal_zone == NULL)
    set_floating (out_zone, floating_zone);
  else if (!out_time->is_utc)
    out_zone->vcal = vcal_zone;
  return TRUE;
}

static gboolean
vcal_read_times (const VcalEvent  *vcal,
                 CnvEvent         *event,
                 GTimeZone        *floating_zone,
                 GTimeSpan         default_duration,
                 GPtrArray        *warnings,
                 GError          **error)
{
  VcalZone vcal_zone = { 0, 0, NULL };
  gboolean has_zone = FALSE;
  g_auto(Zone) start_zone = { NULL, };
  LocalTime start;
  gint64 start_instant;
  gint64 end_instant = 0;
  gboolean has_end = TRUE;
  gboolean ok = FALSE;

  if (vcal->dtstart == NULL)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_NO_START,
                           "The event has no start (DTSTART)");
      return FALSE;
    }

  /* vCal 1.0 §2.2.1 TZ: the standard offset of the local times; DAYLIGHT: when it differs. */
  if (vcal->tz != NULL)
    {
      g_autoptr(GTimeZone) offset = cnv_time_zone_lookup (vcal->tz);

      if (offset == NULL || (vcal->tz[0] != '+' && vcal->tz[0] != '-'))
        {
          g_autofree char *shown = show_value (vcal->tz);

          g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE,
                       "The calendar’s TZ “%s” is not a UTC offset", shown);
          return FALSE;
        }
      vcal_zone.standard_offset = g_time_zone_get_offset (offset, 0);
      has_zone = TRUE;
      for (guint i = 0; i < vcal->daylight->len; i++)
        if (!vcal_parse_daylight (g_ptr_array_index (vcal->daylight, i), &vcal_zone))
          {
            add_warning (warnings, "A DAYLIGHT rule of the calendar cannot be read; it is ignored.");
            break;
          }
    }

  if (!vcal_read_time (vcal->dtstart, "DTSTART", floating_zone, has_zone ? &vcal_zone : NULL,
                       &start, &start_zone, error))
    goto out;
  if (!local_time_to_instant (&start, 0, &start_zone, &start_instant))
    {
      invalid_time (error, "DTSTART");
      goto out;
    }
  event->all_day = start.is_date;
  event->tzid = start.is_date ? zone_name (floating_zone) : NULL;

  if (vcal->dtend != NULL)
    {
      g_auto(Zone) end_zone = { NULL, };
      LocalTime end;
      gint64 days = 0;

      if (!vcal_read_time (vcal->dtend, "DTEND", floating_zone, has_zone ? &vcal_zone : NULL,
                           &end, &end_zone, error))
        goto out;
      /* An all-day event that ends on the day it starts: its last day, as organisers write it. */
      if (start.is_date && end.is_date && end.year == start.year && end.month == start.month &&
          end.day == start.day)
        days = 1;
      if (!local_time_to_instant (&end, days, &end_zone, &end_instant))
        {
          invalid_time (error, "DTEND");
          goto out;
        }
      if (!end.is_date)
        event->all_day = FALSE;
    }
  else if (start.is_date)
    {
      if (!local_time_to_instant (&start, 1, &start_zone, &end_instant))
        {
          invalid_time (error, "DTSTART");
          goto out;
        }
    }
  else if (default_duration > 0)
    {
      end_instant = start_instant + default_duration / G_TIME_SPAN_SECOND;
      add_warning (warnings, "The event has no end; the default duration is used.");
    }
  else
    has_end = FALSE;

  ok = set_event_times (event, start_instant, has_end, end_instant, error);

out:
  g_clear_pointer (&vcal_zone.rules, g_array_unref);
  return ok;
}

static void
vcal_read_people (const VcalEvent *vcal,
                  CnvEvent        *event,
                  GPtrArray       *warnings)
{
  AttendeeSet set = { event->attendees, NULL, warnings, 0 };

  set.seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < vcal->people->len; i++)
    {
      const VcalPerson *person = g_ptr_array_index (vcal->people, i);
      g_autofree char *name = NULL;
      g_autofree char *address = NULL;
      const char *open = strchr (person->value, '<');
      const char *close = open != NULL ? strchr (open, '>') : NULL;

      /* "John Smith <jsmith@host.com>", "jsmith@host.com" or "mailto:jsmith@host.com". */
      if (open != NULL && close != NULL)
        {
          name = g_strndup (person->value, open - person->value);
          address = g_strndup (open + 1, close - open - 1);
        }
      else
        address = g_strdup (person->value);

      if (person->organizer && event->organizer == NULL)
        {
          g_autofree char *bare = address_from_uri (address);

          if (bare != NULL)
            event->organizer = cnv_address_new (name, bare, NULL);
          if (event->organizer == NULL)
            {
              g_autofree char *shown = show_value (person->value);

              add_warning (warnings, "The organizer “%s” is not an e-mail address; it is ignored.",
                           shown);
            }
          continue;
        }
      attendee_set_add (&set, name, address);
    }
  attendee_set_finish (&set);
}

static CnvEvent *
read_vcalendar (const char  *data,
                gsize        len,
                GTimeZone   *floating_zone,
                GTimeSpan    default_duration,
                gboolean     may_hand_over,
                GPtrArray   *warnings,
                GError     **error)
{
  g_auto(VcalEvent) vcal = { NULL, };
  g_autoptr(CnvEvent) event = NULL;

  if (!check_input (&data, &len, error))
    return NULL;

  vcal.daylight = g_ptr_array_new_with_free_func (g_free);
  vcal.people = g_ptr_array_new_with_free_func ((GDestroyNotify) vcal_person_free);
  if (!scan_vcalendar (data, len, &vcal, error))
    return NULL;

  /* A part labelled vCalendar that is an iCalendar object is read as one. */
  if (vcal.version != NULL && strcmp (vcal.version, "2.0") == 0 && may_hand_over)
    return read_icalendar (data, len, floating_zone, default_duration, FALSE, warnings, error);
  if (vcal.version != NULL && strcmp (vcal.version, "1.0") != 0 && strcmp (vcal.version, "2.0") != 0)
    {
      g_autofree char *shown = show_value (vcal.version);

      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                   "The calendar part cannot be read: VERSION “%s” is neither 1.0 nor 2.0", shown);
      return NULL;
    }

  if (vcal.n_events == 0)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_NO_EVENT,
                           "The calendar holds no event (VEVENT)");
      return NULL;
    }
  if (vcal.n_events > 1)
    add_warning (warnings, "The calendar holds %u events; only the first is used.", vcal.n_events);
  if (vcal.repeats)
    add_warning (warnings, "The event repeats; only its first occurrence is used.");

  event = cnv_event_new ();
  event->uid = dup_uid (vcal.uid);
  event->summary = dup_text (vcal.summary);
  event->description = dup_text (vcal.description);
  event->location = dup_text (vcal.location);
  event->url = dup_text (vcal.url);
  if (vcal.sequence != NULL)
    event->sequence = (int) CLAMP (g_ascii_strtoll (vcal.sequence, NULL, 10), 0, G_MAXINT);
  event->cancelled = vcal.status != NULL && g_ascii_strcasecmp (g_strstrip (vcal.status), "CANCELLED") == 0;

  vcal_read_people (&vcal, event, warnings);

  if (!vcal_read_times (&vcal, event, floating_zone, default_duration, warnings, error))
    return NULL;

  return g_steal_pointer (&event);
}

/**
 * cnv_ical_read_vcalendar:
 * @data: the contents of a text/x-vcalendar part (or any part that holds a vCalendar 1.0
 *   object); need not be nul-terminated
 * @len: the length of @data in bytes
 * @floating_zone: (nullable): the zone of local times when the object has no TZ property, and of
 *   dates; %NULL for UTC
 * @default_duration: the length of an event that gives no end; 0 leaves @end %NULL then
 * @warnings: (nullable) (element-type utf8): where to add a sentence for each approximation
 * @error: return location for a #CNV_ICAL_ERROR
 *
 * Reads the first VEVENT of a vCalendar 1.0 object (versit, 1996), with the same rules and errors
 * as cnv_ical_read(). Times are ISO 8601 ("19960401T033000Z" in UTC; local times in the offset of
 * the calendar's TZ property, "TZ:+01" or "TZ:-05:00", and in its DAYLIGHT offset between a
 * DAYLIGHT rule's start and end; without TZ, in @floating_zone). Values may be quoted-printable
 * and in any CHARSET. ATTENDEE;ROLE=ORGANIZER (or OWNER) is the organizer. A DATE DTEND on the
 * DTSTART date means that one day. An object that says VERSION:2.0 is read by cnv_ical_read().
 *
 * libical's vCalendar converter is not used: its parser (vcc.y) keeps its state in globals, so
 * two threads cannot use it at once, and its converter drops TZ and DAYLIGHT, which would move
 * every local time.
 *
 * Returns: (transfer full): the event, or %NULL with @error set
 */
CnvEvent *
cnv_ical_read_vcalendar (const char  *data,
                         gsize        len,
                         GTimeZone   *floating_zone,
                         GTimeSpan    default_duration,
                         GPtrArray   *warnings,
                         GError     **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (default_duration >= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return read_vcalendar (data != NULL ? data : "", len, floating_zone, default_duration, TRUE,
                         warnings, error);
}
