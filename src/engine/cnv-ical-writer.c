/* cnv-ical-writer.c — one CnvEvent written as an iCalendar object (RFC 5545, iTIP RFC 5546)
 *
 * With cnv-ical.c (the reader), the only file that touches libical.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-ical"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "cnv-ical.h"

#define PRODID "-//Convene//Convene 0.1//EN"

/* RFC 7986 §5.11: LABEL is for people; the writer knows no better one than this. */
#define CONFERENCE_LABEL "Join the collaboration session"

typedef icalcomponent *CnvIcalComponentPtr;

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (CnvIcalComponentPtr, icalcomponent_free, NULL)

/*
 * RFC 5545 §3.3.11: TEXT holds no control characters but HTAB; line breaks are written as `\n`,
 * which libical does, along with the escaping of `\`, `;` and `,`. Everything else that is a
 * control character (CR included: CRLF becomes LF first) is dropped here.
 */
static char *
sanitize_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_sized_new (strlen (valid));

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

  return g_string_free (out, FALSE);
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
 * A date-time in UTC (RFC 5545 §3.3.5, form #2) when @zone is the UTC zone, else a local time in
 * @zone (form #3, with a TZID parameter added by the caller).
 */
static struct icaltimetype
to_ical_time (GDateTime    *time,
              icaltimezone *zone)
{
  struct icaltimetype tt;

  tt = icaltime_from_timet_with_zone ((time_t) g_date_time_to_unix (time), FALSE, zone);
  /* libical 3.0 converts to @zone's wall clock but leaves the time marked as UTC. */
  tt.zone = zone;
  return tt;
}

/*
 * RFC 5545 §3.3.4: an all-day event's DATE, taken in the event's zone. An end that is not a
 * midnight ends on the following day: DTEND is exclusive (§3.6.1).
 */
static struct icaltimetype
to_ical_date (GDateTime    *time,
              icaltimezone *zone,
              gboolean      round_up)
{
  struct icaltimetype tt = to_ical_time (time, zone);
  gboolean midnight = tt.hour == 0 && tt.minute == 0 && tt.second == 0;

  tt.is_date = 1;
  tt.hour = tt.minute = tt.second = 0;
  tt.zone = NULL;
  if (round_up && !midnight)
    icaltime_adjust (&tt, 1, 0, 0, 0);
  return tt;
}

static icalproperty *
new_date_time_property (icalproperty_kind    kind,
                        struct icaltimetype  tt,
                        const char          *tzid)
{
  icalproperty *prop;

  if (kind == ICAL_DTSTART_PROPERTY)
    prop = icalproperty_new_dtstart (tt);
  else
    prop = icalproperty_new_dtend (tt);

  if (tt.is_date)
    icalproperty_add_parameter (prop, icalparameter_new_value (ICAL_VALUE_DATE));
  else if (tzid != NULL)
    icalproperty_add_parameter (prop, icalparameter_new_tzid (tzid));

  return prop;
}

static void
add_times (icalcomponent  *vevent,
           const CnvEvent *event,
           icaltimezone   *zone,
           const char     *tzid)
{
  struct icaltimetype start;
  struct icaltimetype end;

  if (event->all_day)
    {
      start = to_ical_date (event->start, zone, FALSE);
      end = to_ical_date (event->end, zone, TRUE);
      if (icaltime_compare_date_only (end, start) <= 0)
        {
          end = start;
          icaltime_adjust (&end, 1, 0, 0, 0);
        }
    }
  else
    {
      start = to_ical_time (event->start, zone);
      end = to_ical_time (event->end, zone);
    }

  icalcomponent_add_property (vevent, new_date_time_property (ICAL_DTSTART_PROPERTY, start, tzid));
  icalcomponent_add_property (vevent, new_date_time_property (ICAL_DTEND_PROPERTY, end, tzid));
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
 * The zone @tzid names, as libical knows it (from the system's tzdata), and its VTIMEZONE
 * (RFC 5545 §3.6.5) with the TZID renamed to the plain IANA name (libical prefixes its own
 * namespace, which no other program recognises) and the observances before @from dropped.
 * UTC needs no VTIMEZONE: @out_component is then %NULL.
 */
static gboolean
lookup_zone (const char     *tzid,
             GDateTime      *from,
             icaltimezone  **out_zone,
             icalcomponent **out_component,
             GError        **error)
{
  icaltimezone *zone;
  icalcomponent *component;
  icalproperty *prop;

  *out_zone = NULL;
  *out_component = NULL;

  zone = icaltimezone_get_builtin_timezone (tzid);
  if (zone == NULL)
    {
      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE,
                   "“%s” is not a time zone this system knows", tzid);
      return FALSE;
    }
  *out_zone = zone;
  if (zone == icaltimezone_get_utc_timezone ())
    return TRUE;

  component = icaltimezone_get_component (zone);
  if (component == NULL)
    {
      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE,
                   "The time zone “%s” has no definition", tzid);
      return FALSE;
    }

  component = icalcomponent_new_clone (component);
  /* ms_compatible: keep each rule's first DTSTART, as Outlook expects. */
  icaltimezone_truncate_vtimezone (component,
                                   to_ical_time (from, icaltimezone_get_utc_timezone ()),
                                   icaltime_null_time (),
                                   TRUE);

  prop = icalcomponent_get_first_property (component, ICAL_TZID_PROPERTY);
  if (prop != NULL)
    icalproperty_set_tzid (prop, tzid);
  else
    icalcomponent_add_property (component, icalproperty_new_tzid (tzid));

  *out_component = component;
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
 * or in @event's `tzid` with a VTIMEZONE, or as DATEs when all-day), SUMMARY, DESCRIPTION, STATUS,
 * ORGANIZER (with SENT-BY), an ATTENDEE per attendee, URL, LOCATION and RFC 7986 CONFERENCE.
 * Text is escaped, display names are made safe for parameters, lines end in CRLF and are folded
 * at 75 octets (RFC 5545 §3.1).
 *
 * Errors: %CNV_ICAL_ERROR_NO_EVENT without a UID, %CNV_ICAL_ERROR_NO_START without a start,
 * %CNV_ICAL_ERROR_INVALID_TIME without an end, %CNV_ICAL_ERROR_END_BEFORE_START,
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
  g_autoptr(GDateTime) now = NULL;
  icalcomponent *vevent;
  icalcomponent *vtimezone = NULL;
  icaltimezone *utc = icaltimezone_get_utc_timezone ();
  icaltimezone *zone = utc;
  icalproperty_method method = ICAL_METHOD_NONE;
  const char *tzid = NULL;
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

  if (event->tzid != NULL)
    {
      if (!lookup_zone (event->tzid, event->start, &zone, &vtimezone, error))
        return NULL;
      /* DATE values have no zone (RFC 5545 §3.3.4): the zone only chose the dates. */
      if (event->all_day)
        g_clear_pointer (&vtimezone, icalcomponent_free);
      else if (zone != utc)
        tzid = event->tzid;
    }

  calendar = icalcomponent_new_vcalendar ();
  icalcomponent_add_property (calendar, icalproperty_new_prodid (PRODID));
  icalcomponent_add_property (calendar, icalproperty_new_version ("2.0"));
  icalcomponent_add_property (calendar, icalproperty_new_calscale ("GREGORIAN"));
  if (method != ICAL_METHOD_NONE)
    icalcomponent_add_property (calendar, icalproperty_new_method (method));
  if (vtimezone != NULL)
    icalcomponent_add_component (calendar, vtimezone);

  vevent = icalcomponent_new_vevent ();
  icalcomponent_add_component (calendar, vevent);

  {
    g_autofree char *uid = sanitize_text (event->uid);

    icalcomponent_add_property (vevent, icalproperty_new_uid (uid));
  }
  icalcomponent_add_property (vevent, icalproperty_new_sequence (event->sequence));

  /* RFC 5545 §3.8.7.2: DTSTAMP is always in UTC. */
  now = g_date_time_new_now_utc ();
  stamp = event->stamp != NULL ? event->stamp : now;
  icalcomponent_add_property (vevent, icalproperty_new_dtstamp (to_ical_time (stamp, utc)));

  add_times (vevent, event, zone, tzid);

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
