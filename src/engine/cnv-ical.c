/* cnv-ical.c — temporal information from an iCalendar part (libical)
 *
 * A request may carry its times in a text/calendar or application/ics part (RFC 5545, as
 * Thunderbird, Outlook, Gmail, Apple Calendar and Evolution send them) or in a vCalendar 1.0 part
 * (the format the seed names, still written by phones and old organisers: cnv-vcalendar.c). Both
 * are read into a CnvEvent whose times are in UTC. This file walks the iCalendar object; its
 * zones are resolved in cnv-ical-zone.c.
 *
 * With cnv-ical-zone.c and cnv-ical-writer.c, the only files that include libical. libical keeps
 * process-wide state (its built-in zones, the parser's settings); the reader changes none of it
 * and needs no built-in zone: IANA and Windows zones come from GLib (cnv_time_zone_lookup()), and
 * the VTIMEZONEs of a calendar belong to that calendar's parsed tree, which one call creates and
 * frees. libical 3.0 keeps its error state and temporary buffers per thread, so calls may run in
 * several threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-ical"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "cnv-ical-private.h"

G_DEFINE_QUARK (cnv-ical-error-quark, cnv_ical_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (icalcomponent, icalcomponent_free)

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
  CnvLineReader reader = { data, data + len };
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GString) out = g_string_sized_new (len + len / 16 + 2);
  g_autoptr(GPtrArray) open = g_ptr_array_new_with_free_func (g_free);
  gboolean started = FALSE;
  gboolean first_done = FALSE;
  int depth = 0;

  *out_vcalendar = FALSE;

  while (cnv_line_reader_next (&reader, line, FALSE))
    {
      if (!started)
        {
          g_autofree char *first = g_strstrip (g_strdup (line->str));

          if (*first == '\0')
            continue;
          if (!cnv_ical_line_name_is (first, "BEGIN") || !cnv_ical_value_is (first, "VCALENDAR"))
            {
              g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                                   "The calendar part cannot be read: it does not start with BEGIN:VCALENDAR");
              return NULL;
            }
          started = TRUE;
        }

      if (cnv_ical_line_is_begin (line->str) || cnv_ical_line_name_is (line->str, "END"))
        {
          depth = cnv_ical_track_component (open, line->str, error);
          if (depth < 0)
            return NULL;
          if (depth == 0)
            first_done = TRUE;
        }
      else if (depth == 1 && !first_done && cnv_ical_line_name_is (line->str, "VERSION") &&
               cnv_ical_value_is (line->str, "1.0"))
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
                CnvLocalTime         *out_time,
                CnvIcalZone          *out_zone,
                char                **out_iana,
                GError              **error)
{
  icalparameter *param = icalproperty_get_first_parameter (prop, ICAL_TZID_PARAMETER);
  const char *tzid = param != NULL ? icalparameter_get_tzid (param) : NULL;

  *out_time = (CnvLocalTime) {
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
      cnv_ical_zone_set_floating (out_zone, floating_zone);
      return TRUE;
    }
  if (out_time->is_utc)
    return TRUE;

  return cnv_ical_resolve_tzid (calendar, tzid, time.year, warnings, out_zone, out_iana, error);
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
  g_auto(CnvIcalZone) start_zone = { NULL, };
  CnvLocalTime start;
  g_autofree char *iana = NULL;
  gint64 start_instant;
  gint64 end_instant = 0;
  gboolean has_end = TRUE;

  if (dtstart == NULL)
    {
      if (has_value_error (vevent, "DTSTART"))
        return cnv_ical_invalid_time (error, "DTSTART");
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_NO_START,
                           "The event has no start (DTSTART)");
      return FALSE;
    }
  if (!read_date_time (calendar, dtstart, icalproperty_get_dtstart (dtstart), floating_zone,
                       warnings, &start, &start_zone, &iana, error))
    return FALSE;
  if (!cnv_local_time_to_instant (&start, 0, &start_zone, &start_instant))
    return cnv_ical_invalid_time (error, "DTSTART");

  event->all_day = start.is_date;
  event->tzid = start.is_date ? cnv_ical_zone_name (floating_zone) : g_steal_pointer (&iana);

  if (dtend != NULL)
    {
      g_auto(CnvIcalZone) end_zone = { NULL, };
      g_autofree char *end_iana = NULL;
      CnvLocalTime end;

      if (duration != NULL)
        cnv_warn (warnings, "The event has both DTEND and DURATION; DTEND is used.");
      if (!read_date_time (calendar, dtend, icalproperty_get_dtend (dtend), floating_zone,
                           warnings, &end, &end_zone, &end_iana, error))
        return FALSE;
      if (!cnv_local_time_to_instant (&end, 0, &end_zone, &end_instant))
        return cnv_ical_invalid_time (error, "DTEND");
      /* RFC 5545 §3.6.1 wants a DATE DTEND for a DATE DTSTART; a DATE-TIME one ends the event at
       * a time of day, so it is not an all-day event any more. */
      if (!end.is_date)
        event->all_day = FALSE;
    }
  else if (has_value_error (vevent, "DTEND"))
    return cnv_ical_invalid_time (error, "DTEND");
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
      if (!cnv_local_time_to_instant (&start, days, &start_zone, &end_instant) ||
          seconds > (gint64) CNV_ICAL_MAX_DAYS * 86400)
        return cnv_ical_invalid_time (error, "DURATION");
      end_instant += seconds;
      if (seconds != 0)
        event->all_day = FALSE;
    }
  else if (has_value_error (vevent, "DURATION"))
    return cnv_ical_invalid_time (error, "DURATION");
  else if (start.is_date)
    {
      /* RFC 5545 §3.6.1: an all-day event without an end lasts one day. */
      if (!cnv_local_time_to_instant (&start, 1, &start_zone, &end_instant))
        return cnv_ical_invalid_time (error, "DTSTART");
    }
  else if (default_duration > 0)
    {
      end_instant = start_instant + default_duration / G_TIME_SPAN_SECOND;
      cnv_warn (warnings, "The event has no end; the default duration is used.");
    }
  else
    has_end = FALSE;

  return cnv_ical_set_event_times (event, start_instant, has_end, end_instant, error);
}

static void
read_people (icalcomponent *vevent,
             CnvEvent      *event,
             GPtrArray     *warnings)
{
  icalproperty *organizer = icalcomponent_get_first_property (vevent, ICAL_ORGANIZER_PROPERTY);
  CnvAttendeeSet set = { event->attendees, NULL, warnings, 0 };

  /* RFC 5545 §3.8.4.3 ORGANIZER with its CN, and §3.2.18 SENT-BY: who sent it on their behalf. */
  if (organizer != NULL)
    {
      const char *uri = icalproperty_get_organizer (organizer);
      icalparameter *cn = icalproperty_get_first_parameter (organizer, ICAL_CN_PARAMETER);
      icalparameter *sent_by = icalproperty_get_first_parameter (organizer, ICAL_SENTBY_PARAMETER);
      g_autofree char *address = cnv_ical_address_from_uri (uri);

      if (address != NULL)
        event->organizer = cnv_address_new (cn != NULL ? icalparameter_get_cn (cn) : NULL, address, NULL);
      if (event->organizer == NULL)
        {
          g_autofree char *shown = cnv_ical_show_value (uri);

          cnv_warn (warnings, "The organizer “%s” is not an e-mail address; it is ignored.", shown);
        }

      if (sent_by != NULL)
        {
          const char *sent_by_uri = icalparameter_get_sentby (sent_by);
          g_autofree char *sent_by_address = cnv_ical_address_from_uri (sent_by_uri);

          if (sent_by_address != NULL)
            event->sent_by = cnv_address_normalize (sent_by_address, NULL);
          if (event->sent_by == NULL)
            {
              g_autofree char *shown = cnv_ical_show_value (sent_by_uri);

              cnv_warn (warnings, "The organizer’s SENT-BY “%s” is not an e-mail address; it is ignored.",
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

      cnv_attendee_set_add (&set, cn != NULL ? icalparameter_get_cn (cn) : NULL,
                            icalproperty_get_attendee (prop));
    }
  cnv_attendee_set_finish (&set);
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
    cnv_warn (warnings, "The event has %u changed occurrences; only the event itself is used.",
                   n_overrides);
  else if (n_events > 1)
    cnv_warn (warnings, "The calendar holds %u events; only the first is used.", n_events);

  if (icalcomponent_get_first_property (first, ICAL_RRULE_PROPERTY) != NULL ||
      icalcomponent_get_first_property (first, ICAL_RDATE_PROPERTY) != NULL)
    cnv_warn (warnings, "The event repeats; only its first occurrence is used.");
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

CnvEvent *
cnv_icalendar_read (const char  *data,
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

  if (!cnv_ical_check_input (&data, &len, error))
    return NULL;
  text = prepare_icalendar (data, len, &is_vcalendar, error);
  if (text == NULL)
    return NULL;
  if (is_vcalendar && may_hand_over)
    return cnv_vcalendar_read (data, len, floating_zone, default_duration, FALSE, warnings, error);

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
        cnv_warn (warnings, "The calendar part holds several calendars; only the first is used.");
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
  event->uid = cnv_ical_dup_uid (icalcomponent_get_uid (vevent));
  prop = icalcomponent_get_first_property (vevent, ICAL_SEQUENCE_PROPERTY);
  event->sequence = prop != NULL ? MAX (icalproperty_get_sequence (prop), 0) : 0;
  event->summary = cnv_ical_dup_text (icalcomponent_get_summary (vevent));
  event->description = cnv_ical_dup_text (icalcomponent_get_description (vevent));
  event->location = cnv_ical_dup_text (icalcomponent_get_location (vevent));
  prop = icalcomponent_get_first_property (vevent, ICAL_URL_PROPERTY);
  event->url = prop != NULL ? cnv_ical_dup_text (icalproperty_get_url (prop)) : NULL;
  prop = icalcomponent_get_first_property (vevent, ICAL_CONFERENCE_PROPERTY);
  event->conference = prop != NULL ? cnv_ical_dup_text (icalproperty_get_conference (prop)) : NULL;
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

  return cnv_icalendar_read (data != NULL ? data : "", len, floating_zone, default_duration, TRUE,
                             warnings, error);
}
