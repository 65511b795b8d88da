/* cnv-ical-writer.c — one CnvEvent written as an iCalendar object (RFC 5545, iTIP RFC 5546)
 *
 * With the readers (cnv-ical.c, cnv-ical-zone.c), the only files that touch libical. What this
 * file writes, cnv_ical_read() reads back as the same instants: a DTSTART or DTEND is written in
 * the event's zone only where that is exact (write_in_zone()), else in UTC.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-ical"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "cnv-ical-private.h"

#define PRODID "-//Convene//Convene 0.1//EN"

/* RFC 7986 §5.11: LABEL is for people; the writer knows no better one than this. */
#define CONFERENCE_LABEL "Join the collaboration session"

/*
 * A local time in the event's zone is only as good as the zone's rules: tzdata's are guesses
 * decades ahead, and libical 3.0 expands a VTIMEZONE's rules only up to 2582 (after that it gives
 * the last offset it computed, winter or summer). Past this year, DTSTART and DTEND are written
 * in UTC, which every reader reads as the same instant.
 */
#define MAX_ZONED_YEAR 2099
#define SECONDS_PER_DAY (24 * 60 * 60)

typedef icalcomponent *CnvIcalComponentPtr;

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (CnvIcalComponentPtr, icalcomponent_free, NULL)

/*
 * The zone in which DTSTART and DTEND are written: its TZID, its VTIMEZONE as written, and that
 * zone as the readers will see it, from the VTIMEZONE (libical) and from its name (GLib, which
 * also chooses the dates of an all-day event). @vtimezone and @written are %NULL when no time can
 * be written in the zone: UTC, an all-day event, an event after MAX_ZONED_YEAR.
 */
typedef struct
{
  /* Borrowed */
  const char    *tzid;

  /* Owned */
  icalcomponent *vtimezone;
  icaltimezone  *written;
  GTimeZone     *named;
} WriterZone;

static void
writer_zone_clear (WriterZone *zone)
{
  g_clear_pointer (&zone->vtimezone, icalcomponent_free);
  if (zone->written != NULL)
    icaltimezone_free (zone->written, 1);
  zone->written = NULL;
  g_clear_pointer (&zone->named, g_time_zone_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WriterZone, writer_zone_clear)

/*
 * RFC 5545 §3.3.11: TEXT holds no control characters but HTAB; line breaks are written as `\n`,
 * which libical does, along with the escaping of `\`, `;` and `,`. Everything else that is a
 * control character (CR included: CRLF becomes LF first) is dropped, as the readers do.
 */
static char *
sanitize_text (const char *text)
{
  char *clean = cnv_ical_dup_text (text);

  return clean != NULL ? clean : g_strdup ("");
}

/*
 * RFC 5545 §3.1: a parameter value cannot hold DQUOTE or control characters. libical 3.0 writes
 * a DQUOTE with RFC 6868's `^'`, which Outlook does not read, so it is dropped; line breaks and
 * other controls become spaces (cnv_address_sanitize_name). The result may be %NULL.
 */
static char *
sanitize_param (const char *value)
{
  g_autofree char *clean = cnv_address_sanitize_name (value);
  GString *out;

  if (clean == NULL)
    return NULL;

  out = g_string_sized_new (strlen (clean));
  for (const char *p = clean; *p; p++)
    if (*p != '"')
      g_string_append_c (out, *p);
  g_strstrip (out->str);
  out->len = strlen (out->str);

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/* RFC 3986: a URI holds no white space or control characters; refuse rather than repair one. */
static gboolean
check_uri (const char  *what,
           const char  *uri,
           GError     **error)
{
  for (const char *p = uri; *p; p++)
    {
      guchar c = (guchar) *p;

      if (c <= 0x20 || c == 0x7f || c == '"')
        {
          g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                       "The event’s %s is not a URI: it holds white space, a quote or a control character",
                       what);
          return FALSE;
        }
    }
  if (*uri == '\0' || strchr (uri, ':') == NULL)
    {
      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                   "The event’s %s is not an absolute URI", what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_address (const char  *what,
               const char  *address,
               GError     **error)
{
  g_autofree char *uri = NULL;

  if (address == NULL || strchr (address, '@') == NULL)
    {
      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                   "The event’s %s has no e-mail address", what);
      return FALSE;
    }
  uri = g_strconcat ("mailto:", address, NULL);
  return check_uri (what, uri, error);
}

static char *
mailto_uri (const char *address)
{
  return g_strconcat ("mailto:", address, NULL);
}

/*
 * The wall clock of @time in @zone, as a DATE-TIME (UTC when @is_utc). %FALSE when it is not
 * within the years 1 to 9999 that GDateTime holds.
 */
static gboolean
get_local_time (GDateTime    *time,
                GTimeZone    *zone,
                gboolean      is_utc,
                CnvLocalTime *out)
{
  g_autoptr(GDateTime) local = g_date_time_to_timezone (time, zone);

  if (local == NULL)
    return FALSE;
  *out = (CnvLocalTime) {
    .year = g_date_time_get_year (local),
    .month = g_date_time_get_month (local),
    .day = g_date_time_get_day_of_month (local),
    .hour = g_date_time_get_hour (local),
    .minute = g_date_time_get_minute (local),
    .second = g_date_time_get_second (local),
    .is_date = FALSE,
    .is_utc = is_utc,
  };
  return TRUE;
}

/* RFC 5545 §3.3.5 form #2: a DATE-TIME in UTC. */
static CnvLocalTime
get_utc_time (GDateTime *time)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  CnvLocalTime out;

  /* Any GDateTime is within 1–9999 in UTC. */
  if (!get_local_time (time, utc, TRUE, &out))
    g_assert_not_reached ();
  return out;
}

static gboolean
is_within_years (const CnvLocalTime *time,
                 int                 max_year)
{
  return time->year >= CNV_ICAL_MIN_YEAR && time->year <= max_year;
}

/*
 * Whether another instant than @instant has the same local time in @zone: the hour that is
 * repeated where the offset falls back. RFC 5545 §3.3.5 reads such a time as its first
 * occurrence, and not every calendar does, so neither occurrence is written as a local time.
 * (A local time that an instant has cannot be in the gap where the offset springs forward.)
 */
static gboolean
is_repeated_local_time (gint64             instant,
                        const CnvIcalZone *zone)
{
  gpointer data = (gpointer) zone;
  gint32 before = cnv_ical_zone_offset_at (instant - SECONDS_PER_DAY, data);
  gint32 after = cnv_ical_zone_offset_at (instant + SECONDS_PER_DAY, data);
  gint64 local = instant + cnv_ical_zone_offset_at (instant, data);
  gint64 shift = ABS ((gint64) after - before);

  if (shift == 0)
    return FALSE;
  for (int sign = -1; sign <= 1; sign += 2)
    {
      gint64 other = instant + sign * shift;

      if (other + cnv_ical_zone_offset_at (other, data) == local)
        return TRUE;
    }
  return FALSE;
}

/* Whether @local, read in @zone as cnv_ical_read() reads it, is @instant and only @instant. */
static gboolean
reads_back_as (const CnvLocalTime *local,
               gint64              instant,
               const CnvIcalZone  *zone)
{
  gint64 back;

  return cnv_local_time_to_utc (local->year, local->month, local->day, local->hour, local->minute,
                                local->second, cnv_ical_zone_offset_at, (gpointer) zone, &back) &&
         back == instant && !is_repeated_local_time (instant, zone);
}

/*
 * @time as a local time in @zone (RFC 5545 §3.3.5 form #3), when that is exact: a year from 1970
 * to MAX_ZONED_YEAR, and a local time that means @time alone both in the VTIMEZONE as written and
 * in the zone its TZID names (a reader uses one or the other). Else the caller writes UTC.
 */
static gboolean
write_in_zone (GDateTime        *time,
               const WriterZone *zone,
               CnvLocalTime     *out)
{
  CnvIcalZone written = { .ical = zone->written };
  CnvIcalZone named = { .tz = zone->named };
  gint64 instant = g_date_time_to_unix (time);

  return zone->written != NULL &&
         get_local_time (time, zone->named, FALSE, out) &&
         is_within_years (out, MAX_ZONED_YEAR) &&
         reads_back_as (out, instant, &written) &&
         reads_back_as (out, instant, &named);
}

static void
add_days (CnvLocalTime *date,
          guint         days)
{
  GDate day;

  g_date_clear (&day, 1);
  g_date_set_dmy (&day, (GDateDay) date->day, (GDateMonth) date->month, (GDateYear) date->year);
  g_date_add_days (&day, days);
  date->year = g_date_get_year (&day);
  date->month = g_date_get_month (&day);
  date->day = g_date_get_day (&day);
}

/*
 * RFC 5545 §3.3.4: an all-day event's DATE, taken in the zone of its dates (the floating zone it
 * was read in). An end that is not a midnight ends on the following day: DTEND is exclusive
 * (§3.6.1). %FALSE when the date is not within the years 1 to 9999.
 */
static gboolean
get_date (GDateTime    *time,
          GTimeZone    *zone,
          gboolean      round_up,
          CnvLocalTime *out)
{
  gboolean midnight;

  if (!get_local_time (time, zone, FALSE, out))
    return FALSE;
  midnight = out->hour == 0 && out->minute == 0 && out->second == 0;
  out->is_date = TRUE;
  out->hour = out->minute = out->second = 0;
  if (round_up && !midnight)
    add_days (out, 1);
  return TRUE;
}

static int
compare_dates (const CnvLocalTime *a,
               const CnvLocalTime *b)
{
  if (a->year != b->year)
    return a->year < b->year ? -1 : 1;
  if (a->month != b->month)
    return a->month < b->month ? -1 : 1;
  return a->day < b->day ? -1 : a->day > b->day;
}

/*
 * A DTSTART, DTEND or DTSTAMP property. libical 3.0 writes a time after the year 3000 that it is
 * handed as a struct icaltimetype as 00000000T000000, but keeps one that it reads as text: the
 * value is given as text (RFC 5545 §3.3.4, §3.3.5), which also writes any year up to 9999.
 */
static icalproperty *
new_time_property (icalproperty_kind   kind,
                   const CnvLocalTime *time,
                   const char         *tzid)
{
  icalproperty *prop = icalproperty_new (kind);
  g_autofree char *value = NULL;

  if (time->is_date)
    value = g_strdup_printf ("%04d%02d%02d", time->year, time->month, time->day);
  else
    value = g_strdup_printf ("%04d%02d%02dT%02d%02d%02d%s", time->year, time->month, time->day,
                             time->hour, time->minute, time->second, time->is_utc ? "Z" : "");
  icalproperty_set_value_from_string (prop, value, time->is_date ? "DATE" : "DATE-TIME");

  if (time->is_date)
    icalproperty_add_parameter (prop, icalparameter_new_value (ICAL_VALUE_DATE));
  else if (!time->is_utc)
    icalproperty_add_parameter (prop, icalparameter_new_tzid (tzid));

  return prop;
}

/*
 * DTSTART and DTEND: DATEs for an all-day event, else each in the event's zone where
 * write_in_zone() allows it and in UTC otherwise. Sets *@out_zoned when one of them uses the
 * zone (its VTIMEZONE is then needed). Refuses what cnv_ical_read() would refuse: a date or time
 * outside the years 1970 to 9999.
 */
static gboolean
add_times (icalcomponent     *vevent,
           const CnvEvent    *event,
           const WriterZone  *zone,
           gboolean          *out_zoned,
           GError           **error)
{
  CnvLocalTime start;
  CnvLocalTime end;
  gboolean valid = TRUE;

  if (event->all_day)
    {
      valid = get_date (event->start, zone->named, FALSE, &start) &&
              get_date (event->end, zone->named, TRUE, &end);
      if (valid && compare_dates (&end, &start) <= 0)
        {
          end = start;
          add_days (&end, 1);
        }
    }
  else
    {
      if (!write_in_zone (event->start, zone, &start))
        start = get_utc_time (event->start);
      if (!write_in_zone (event->end, zone, &end))
        end = get_utc_time (event->end);
    }

  if (!valid || !is_within_years (&start, CNV_ICAL_MAX_YEAR) ||
      !is_within_years (&end, CNV_ICAL_MAX_YEAR))
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                           "The event is not within the years 1970 to 9999");
      return FALSE;
    }

  icalcomponent_add_property (vevent, new_time_property (ICAL_DTSTART_PROPERTY, &start, zone->tzid));
  icalcomponent_add_property (vevent, new_time_property (ICAL_DTEND_PROPERTY, &end, zone->tzid));
  *out_zoned = !start.is_date && (!start.is_utc || !end.is_utc);
  return TRUE;
}

/* RFC 5545 §3.8.4.3 ORGANIZER, with §3.2.18 SENT-BY: the manager sends on the initiator's behalf. */
static icalproperty *
new_organizer (const CnvAddress *organizer,
               const char       *sent_by)
{
  g_autofree char *uri = mailto_uri (organizer->address);
  g_autofree char *name = sanitize_param (organizer->name);
  icalproperty *prop = icalproperty_new_organizer (uri);

  if (name != NULL)
    icalproperty_add_parameter (prop, icalparameter_new_cn (name));
  if (sent_by != NULL)
    {
      g_autofree char *sent_by_uri = mailto_uri (sent_by);

      icalproperty_add_parameter (prop, icalparameter_new_sentby (sent_by_uri));
    }
  return prop;
}

/* RFC 5545 §3.8.4.1 ATTENDEE. RSVP=FALSE: a session needs no answer, the link is the answer. */
static icalproperty *
new_attendee (const CnvAddress *attendee)
{
  g_autofree char *uri = mailto_uri (attendee->address);
  g_autofree char *name = sanitize_param (attendee->name);
  icalproperty *prop = icalproperty_new_attendee (uri);

  if (name != NULL)
    icalproperty_add_parameter (prop, icalparameter_new_cn (name));
  icalproperty_add_parameter (prop, icalparameter_new_role (ICAL_ROLE_REQPARTICIPANT));
  icalproperty_add_parameter (prop, icalparameter_new_partstat (ICAL_PARTSTAT_NEEDSACTION));
  icalproperty_add_parameter (prop, icalparameter_new_rsvp (ICAL_RSVP_FALSE));
  icalproperty_add_parameter (prop, icalparameter_new_cutype (ICAL_CUTYPE_INDIVIDUAL));
  return prop;
}

/* RFC 7986 §5.11 CONFERENCE, a URI value with FEATURE and LABEL. */
static icalproperty *
new_conference (const char *uri)
{
  icalproperty *prop = icalproperty_new_conference (uri);

  icalproperty_add_parameter (prop, icalparameter_new_value (ICAL_VALUE_URI));
  icalproperty_add_parameter (prop, icalparameter_new_feature (ICAL_FEATURE_VIDEO));
  icalproperty_add_parameter (prop, icalparameter_new_label (CONFERENCE_LABEL));
  return prop;
}

static void
add_text_property (icalcomponent  *component,
                   icalproperty *(*constructor) (const char *),
                   const char     *value)
{
  g_autofree char *clean = NULL;

  if (value == NULL)
    return;
  clean = sanitize_text (value);
  icalcomponent_add_property (component, constructor (clean));
}

/*
 * The zone @event's times are written in (UTC without a `tzid`). An IANA name that libical knows
 * (from the system's tzdata) gets its VTIMEZONE (RFC 5545 §3.6.5), with the TZID renamed to the
 * plain IANA name (libical prefixes its own namespace, which no other program recognises) and the
 * observances before the start dropped.
 */
static gboolean
lookup_zone (const CnvEvent  *event,
             WriterZone      *out_zone,
             GError         **error)
{
  icaltimezone *zone;
  icalcomponent *component;
  icalproperty *prop;
  struct icaltimetype from;
  g_autoptr(GDateTime) start = NULL;

  if (event->tzid == NULL)
    {
      out_zone->named = g_time_zone_new_utc ();
      return TRUE;
    }

  zone = icaltimezone_get_builtin_timezone (event->tzid);
  out_zone->named = zone != NULL ? cnv_time_zone_lookup (event->tzid) : NULL;
  if (out_zone->named == NULL)
    {
      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE,
                   "“%s” is not a time zone this system knows", event->tzid);
      return FALSE;
    }

  /* No VTIMEZONE for UTC, for DATE values (RFC 5545 §3.3.4: they have no zone, the zone only
   * chooses the dates) or for an event that starts after MAX_ZONED_YEAR (written in UTC). */
  start = g_date_time_to_utc (event->start);
  if (zone == icaltimezone_get_utc_timezone () || event->all_day ||
      g_date_time_get_year (start) > MAX_ZONED_YEAR)
    return TRUE;

  component = icaltimezone_get_component (zone);
  if (component == NULL)
    {
      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE,
                   "The time zone “%s” has no definition", event->tzid);
      return FALSE;
    }

  component = icalcomponent_new_clone (component);
  /* ms_compatible: keep each rule's first DTSTART, as Outlook expects. */
  from = icaltime_from_timet_with_zone ((time_t) g_date_time_to_unix (start), 0,
                                       icaltimezone_get_utc_timezone ());
  icaltimezone_truncate_vtimezone (component, from, icaltime_null_time (), TRUE);

  prop = icalcomponent_get_first_property (component, ICAL_TZID_PROPERTY);
  if (prop != NULL)
    icalproperty_set_tzid (prop, event->tzid);
  else
    icalcomponent_add_property (component, icalproperty_new_tzid (event->tzid));

  out_zone->tzid = event->tzid;
  out_zone->vtimezone = component;
  /* The zone as a reader of this VTIMEZONE sees it. */
  out_zone->written = icaltimezone_new ();
  icaltimezone_set_component (out_zone->written, icalcomponent_new_clone (component));
  return TRUE;
}

static gboolean
check_event (const CnvEvent  *event,
             GError         **error)
{
  if (event->uid == NULL || *event->uid == '\0')
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_NO_EVENT,
                           "The event has no UID (RFC 5545 §3.6.1 requires one)");
      return FALSE;
    }
  if (event->start == NULL)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_NO_START,
                           "The event has no start");
      return FALSE;
    }
  if (event->end == NULL)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                           "The event has no end");
      return FALSE;
    }
  if (g_date_time_compare (event->end, event->start) <= 0)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_END_BEFORE_START,
                           "The event ends before it starts");
      return FALSE;
    }
  if (event->sequence < 0)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                           "The event’s SEQUENCE is negative");
      return FALSE;
    }
  /* CAL-ADDRESS and URI values are written as they are (RFC 5545 §3.3.3, §3.3.13): a line
   * break there would start a property of its own. */
  if (event->organizer != NULL && !check_address ("organizer", event->organizer->address, error))
    return FALSE;
  if (event->sent_by != NULL && !check_address ("SENT-BY", event->sent_by, error))
    return FALSE;
  for (guint i = 0; event->attendees != NULL && i < event->attendees->len; i++)
    {
      const CnvAddress *attendee = g_ptr_array_index (event->attendees, i);

      if (!check_address ("attendee", attendee->address, error))
        return FALSE;
    }
  if (event->url != NULL && !check_uri ("URL", event->url, error))
    return FALSE;
  if (event->conference != NULL && !check_uri ("conference", event->conference, error))
    return FALSE;

  return TRUE;
}

/**
 * cnv_ical_write:
 * @event: the event to write
 * @error: return location for a #CNV_ICAL_ERROR
 *
 * Writes @event as a VCALENDAR (VERSION 2.0, CALSCALE GREGORIAN, METHOD when @event has one)
 * holding one VEVENT: UID, SEQUENCE, DTSTAMP (now when @event has none), DTSTART and DTEND (in UTC,
 * or in @event's `tzid` with a VTIMEZONE, or as DATEs in that zone when all-day), SUMMARY,
 * DESCRIPTION, STATUS, ORGANIZER (with SENT-BY), an ATTENDEE per attendee, URL, LOCATION and
 * RFC 7986 CONFERENCE. Text is escaped, display names are made safe for parameters, lines end in
 * CRLF and are folded at 75 octets (RFC 5545 §3.1).
 *
 * cnv_ical_read() reads the result back with the same start and end. So a DTSTART or DTEND is
 * written in `tzid` only when that local time stands for that instant alone, in the VTIMEZONE
 * written and in the zone the TZID names, from 1970 to 2099; an instant in an hour that the zone
 * repeats (when daylight saving time ends), or after 2099, is written in UTC.
 *
 * Errors: %CNV_ICAL_ERROR_NO_EVENT without a UID, %CNV_ICAL_ERROR_NO_START without a start,
 * %CNV_ICAL_ERROR_INVALID_TIME without an end or for a DTSTART or DTEND (a DATE of an all-day
 * event included) outside the years 1970 to 9999 that cnv_ical_read() reads,
 * %CNV_ICAL_ERROR_END_BEFORE_START,
 * %CNV_ICAL_ERROR_UNKNOWN_ZONE for a `tzid` that is not an IANA zone, and
 * %CNV_ICAL_ERROR_PARSE for any other field that cannot be written (a METHOD that iTIP does not
 * define, an address or a URL with white space or control characters, a negative SEQUENCE).
 *
 * Returns: (transfer full): the iCalendar text, or %NULL with @error set
 */
char *
cnv_ical_write (const CnvEvent  *event,
                GError         **error)
{
  g_auto(CnvIcalComponentPtr) calendar = NULL;
  g_auto(CnvIcalComponentPtr) vevent = NULL;
  g_auto(WriterZone) zone = { NULL, };
  g_autoptr(GDateTime) now = NULL;
  icalproperty_method method = ICAL_METHOD_NONE;
  gboolean zoned = FALSE;
  GDateTime *stamp;
  char *text;
  char *result;

  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_event (event, error))
    return NULL;

  if (event->method != NULL)
    {
      method = icalproperty_string_to_method (event->method);
      if (method == ICAL_METHOD_NONE || method == ICAL_METHOD_X)
        {
          g_autofree char *shown = g_strescape (event->method, NULL);

          g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                       "“%s” is not an iTIP method (RFC 5546 §1.4)", shown);
          return NULL;
        }
    }

  if (!lookup_zone (event, &zone, error))
    return NULL;

  vevent = icalcomponent_new_vevent ();

  {
    g_autofree char *uid = sanitize_text (event->uid);

    icalcomponent_add_property (vevent, icalproperty_new_uid (uid));
  }
  icalcomponent_add_property (vevent, icalproperty_new_sequence (event->sequence));

  /* RFC 5545 §3.8.7.2: DTSTAMP is always in UTC. */
  now = g_date_time_new_now_utc ();
  stamp = event->stamp != NULL ? event->stamp : now;
  {
    CnvLocalTime stamp_utc = get_utc_time (stamp);

    icalcomponent_add_property (vevent, new_time_property (ICAL_DTSTAMP_PROPERTY, &stamp_utc, NULL));
  }

  if (!add_times (vevent, event, &zone, &zoned, error))
    return NULL;

  add_text_property (vevent, icalproperty_new_summary, event->summary);
  add_text_property (vevent, icalproperty_new_description, event->description);
  icalcomponent_add_property (vevent,
                              icalproperty_new_status (event->cancelled ? ICAL_STATUS_CANCELLED
                                                                        : ICAL_STATUS_CONFIRMED));

  if (event->organizer != NULL)
    icalcomponent_add_property (vevent, new_organizer (event->organizer, event->sent_by));
  for (guint i = 0; event->attendees != NULL && i < event->attendees->len; i++)
    icalcomponent_add_property (vevent, new_attendee (g_ptr_array_index (event->attendees, i)));

  if (event->url != NULL)
    icalcomponent_add_property (vevent, icalproperty_new_url (event->url));
  add_text_property (vevent, icalproperty_new_location, event->location);
  if (event->conference != NULL)
    icalcomponent_add_property (vevent, new_conference (event->conference));

  calendar = icalcomponent_new_vcalendar ();
  icalcomponent_add_property (calendar, icalproperty_new_prodid (PRODID));
  icalcomponent_add_property (calendar, icalproperty_new_version ("2.0"));
  icalcomponent_add_property (calendar, icalproperty_new_calscale ("GREGORIAN"));
  if (method != ICAL_METHOD_NONE)
    icalcomponent_add_property (calendar, icalproperty_new_method (method));
  /* The VTIMEZONE comes before the VEVENT that uses it, and only when one does. */
  if (zoned)
    icalcomponent_add_component (calendar, g_steal_pointer (&zone.vtimezone));
  icalcomponent_add_component (calendar, g_steal_pointer (&vevent));

  text = icalcomponent_as_ical_string_r (calendar);
  if (text == NULL)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE,
                           "libical could not write the calendar");
      return NULL;
    }
  result = g_strdup (text);
  free (text);

  return result;
}
