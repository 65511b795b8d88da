/* cnv-vcalendar.c — temporal information from a vCalendar 1.0 part (versit, 1996)
 *
 * The format the seed names, still written by phones and old organisers: read with GLib alone,
 * into the same CnvEvent as an iCalendar object (cnv-ical.c), with the same rules and errors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-ical"

#include "config.h"

#include <string.h>

#include "cnv-ical-private.h"
#include "cnv-text.h"

/* vCalendar 1.0 writes one DAYLIGHT property per year it describes. */
#define MAX_VCAL_DAYLIGHT_RULES 256

/* Zones (vCal 1.0 §2.1.5, §2.2.2) ------------------------------------------------------------- */

gint32
cnv_vcal_zone_offset_at (const CnvVcalZone *zone,
                         gint64             instant)
{
  for (guint i = 0; zone->rules != NULL && i < zone->rules->len; i++)
    {
      const CnvVcalDaylight *rule = &g_array_index (zone->rules, CnvVcalDaylight, i);

      /* Daylight time from its start (a standard local time) until its end (a daylight one). */
      if (instant + zone->standard_offset >= rule->start && instant + zone->daylight_offset < rule->end)
        return zone->daylight_offset;
    }
  return zone->standard_offset;
}

/* Content lines ------------------------------------------------------------------------------- */

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

/*
 * vCal 1.0 §2.1.5: an ISO 8601 date-time, basic format, local or UTC ("Z"): 19960401T033000Z.
 * The extended format (1996-04-01T03:30:00Z), a missing seconds field, a date alone and an explicit
 * offset (19960401T033000-0500) are read too: writers took those liberties.
 */
static gboolean
parse_vcal_time (const char   *text,
                 CnvLocalTime *out,
                 gboolean     *out_has_offset,
                 gint32       *out_offset)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  const char *p = trimmed;
  gboolean extended;

  *out = (CnvLocalTime) { 0, };
  *out_has_offset = FALSE;
  *out_offset = 0;

  if (!cnv_text_read_digits (&p, 4, &out->year))
    return FALSE;
  extended = *p == '-';
  if (extended)
    p++;
  if (!cnv_text_read_digits (&p, 2, &out->month) || (extended && *p++ != '-') ||
      !cnv_text_read_digits (&p, 2, &out->day))
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
  if (!cnv_text_read_digits (&p, 2, &out->hour) || (extended && *p++ != ':') ||
      !cnv_text_read_digits (&p, 2, &out->minute))
    return FALSE;
  if ((extended && *p == ':') || (!extended && g_ascii_isdigit (*p)))
    {
      if (extended)
        p++;
      if (!cnv_text_read_digits (&p, 2, &out->second))
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
  CnvLocalTime time;
  gboolean has_offset;
  gint32 offset;

  if (!parse_vcal_time (text, &time, &has_offset, &offset) || has_offset)
    return FALSE;
  return cnv_local_time_to_utc (time.year, time.month, time.day, time.hour, time.minute,
                                time.second, NULL, NULL, out);
}

/* vCal 1.0 §2.2.2 DAYLIGHT: TRUE;+02;19960331T020000;19961027T030000;CET;CEST (or FALSE). */
static gboolean
vcal_parse_daylight (const char  *value,
                     CnvVcalZone *zone)
{
  g_auto(GStrv) fields = g_strsplit (value, ";", 6);
  g_autoptr(GTimeZone) offset = NULL;
  CnvVcalDaylight rule;

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
    zone->rules = g_array_new (FALSE, FALSE, sizeof (CnvVcalDaylight));
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
  CnvLineReader reader = { data, data + len };
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GString) next = g_string_new (NULL);
  g_autoptr(GPtrArray) open = g_ptr_array_new_with_free_func (g_free);
  gboolean started = FALSE;
  gboolean in_first_event = FALSE;
  int depth = 0;

  while (cnv_line_reader_next (&reader, line, TRUE))
    {
      g_auto(VcalProperty) prop = { NULL, };

      if (!started)
        {
          g_autofree char *first = g_strstrip (g_strdup (line->str));

          if (*first == '\0')
            continue;
          if (!cnv_ical_line_name_is (first, "BEGIN") || !cnv_ical_value_is (first, "VCALENDAR"))
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
        while (g_str_has_suffix (line->str, "=") && cnv_line_reader_next (&reader, next, TRUE))
          {
            g_string_truncate (line, line->len - 1);
            g_string_append_len (line, next->str, next->len);
            vcal_property_clear (&prop);
            vcal_split_line (line->str, &prop);
          }

      if (strcmp (prop.name, "BEGIN") == 0 || strcmp (prop.name, "END") == 0)
        {
          gboolean begin = strcmp (prop.name, "BEGIN") == 0;

          depth = cnv_ical_track_component (open, line->str, error);
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
vcal_read_time (const char         *text,
                const char         *name,
                GTimeZone          *floating_zone,
                const CnvVcalZone  *vcal_zone,
                CnvLocalTime       *out_time,
                CnvIcalZone        *out_zone,
                GError            **error)
{
  gboolean has_offset;
  gint32 offset;

  if (!parse_vcal_time (text, out_time, &has_offset, &offset))
    {
      g_autofree char *shown = cnv_ical_show_value (text);

      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                   "The event’s %s “%s” is not a date and time", name, shown);
      return FALSE;
    }
  if (has_offset)
    out_zone->tz = g_time_zone_new_offset (offset);
  else if (out_time->is_date || vcal_zone == NULL)
    cnv_ical_zone_set_floating (out_zone, floating_zone);
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
  CnvVcalZone vcal_zone = { 0, 0, NULL };
  gboolean has_zone = FALSE;
  g_auto(CnvIcalZone) start_zone = { NULL, };
  CnvLocalTime start;
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
          g_autofree char *shown = cnv_ical_show_value (vcal->tz);

          g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE,
                       "The calendar’s TZ “%s” is not a UTC offset", shown);
          return FALSE;
        }
      vcal_zone.standard_offset = g_time_zone_get_offset (offset, 0);
      has_zone = TRUE;
      for (guint i = 0; i < vcal->daylight->len; i++)
        if (!vcal_parse_daylight (g_ptr_array_index (vcal->daylight, i), &vcal_zone))
          {
            cnv_warn (warnings, "A DAYLIGHT rule of the calendar cannot be read; it is ignored.");
            break;
          }
    }

  if (!vcal_read_time (vcal->dtstart, "DTSTART", floating_zone, has_zone ? &vcal_zone : NULL,
                       &start, &start_zone, error))
    goto out;
  if (!cnv_local_time_to_instant (&start, 0, &start_zone, &start_instant))
    {
      cnv_ical_invalid_time (error, "DTSTART");
      goto out;
    }
  event->all_day = start.is_date;
  event->tzid = start.is_date ? cnv_ical_zone_name (floating_zone) : NULL;

  if (vcal->dtend != NULL)
    {
      g_auto(CnvIcalZone) end_zone = { NULL, };
      CnvLocalTime end;
      gint64 days = 0;

      if (!vcal_read_time (vcal->dtend, "DTEND", floating_zone, has_zone ? &vcal_zone : NULL,
                           &end, &end_zone, error))
        goto out;
      /* An all-day event that ends on the day it starts: its last day, as organisers write it. */
      if (start.is_date && end.is_date && end.year == start.year && end.month == start.month &&
          end.day == start.day)
        days = 1;
      if (!cnv_local_time_to_instant (&end, days, &end_zone, &end_instant))
        {
          cnv_ical_invalid_time (error, "DTEND");
          goto out;
        }
      if (!end.is_date)
        event->all_day = FALSE;
    }
  else if (start.is_date)
    {
      if (!cnv_local_time_to_instant (&start, 1, &start_zone, &end_instant))
        {
          cnv_ical_invalid_time (error, "DTSTART");
          goto out;
        }
    }
  else if (default_duration > 0)
    {
      end_instant = start_instant + default_duration / G_TIME_SPAN_SECOND;
      cnv_warn (warnings, "The event has no end; the default duration is used.");
    }
  else
    has_end = FALSE;

  ok = cnv_ical_set_event_times (event, start_instant, has_end, end_instant, error);

out:
  g_clear_pointer (&vcal_zone.rules, g_array_unref);
  return ok;
}

static void
vcal_read_people (const VcalEvent *vcal,
                  CnvEvent        *event,
                  GPtrArray       *warnings)
{
  CnvAttendeeSet set = { event->attendees, NULL, warnings, 0 };

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
          g_autofree char *bare = cnv_ical_address_from_uri (address);

          if (bare != NULL)
            event->organizer = cnv_address_new (name, bare, NULL);
          if (event->organizer == NULL)
            {
              g_autofree char *shown = cnv_ical_show_value (person->value);

              cnv_warn (warnings, "The organizer “%s” is not an e-mail address; it is ignored.",
                             shown);
            }
          continue;
        }
      cnv_attendee_set_add (&set, name, address);
    }
  cnv_attendee_set_finish (&set);
}

CnvEvent *
cnv_vcalendar_read (const char  *data,
                    gsize        len,
                    GTimeZone   *floating_zone,
                    GTimeSpan    default_duration,
                    gboolean     may_hand_over,
                    GPtrArray   *warnings,
                    GError     **error)
{
  g_auto(VcalEvent) vcal = { NULL, };
  g_autoptr(CnvEvent) event = NULL;

  if (!cnv_ical_check_input (&data, &len, error))
    return NULL;

  vcal.daylight = g_ptr_array_new_with_free_func (g_free);
  vcal.people = g_ptr_array_new_with_free_func ((GDestroyNotify) vcal_person_free);
  if (!scan_vcalendar (data, len, &vcal, error))
    return NULL;

  /* A part labelled vCalendar that is an iCalendar object is read as one. */
  if (vcal.version != NULL && strcmp (vcal.version, "2.0") == 0 && may_hand_over)
    return cnv_icalendar_read (data, len, floating_zone, default_duration, FALSE, warnings, error);
  if (vcal.version != NULL && strcmp (vcal.version, "1.0") != 0 && strcmp (vcal.version, "2.0") != 0)
    {
      g_autofree char *shown = cnv_ical_show_value (vcal.version);

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
    cnv_warn (warnings, "The calendar holds %u events; only the first is used.", vcal.n_events);
  if (vcal.repeats)
    cnv_warn (warnings, "The event repeats; only its first occurrence is used.");

  event = cnv_event_new ();
  event->uid = cnv_ical_dup_uid (vcal.uid);
  event->summary = cnv_ical_dup_text (vcal.summary);
  event->description = cnv_ical_dup_text (vcal.description);
  event->location = cnv_ical_dup_text (vcal.location);
  event->url = cnv_ical_dup_text (vcal.url);
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

  return cnv_vcalendar_read (data != NULL ? data : "", len, floating_zone, default_duration, TRUE,
                             warnings, error);
}
