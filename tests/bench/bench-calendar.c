/* bench-calendar.c — the times of the generated mails
 *
 * The VTIMEZONEs (IANA-style as Thunderbird and Apple write them, Windows-style as Outlook does),
 * the calendar parts of the three client kinds, and the predetermined in-body lines in the
 * spellings people use.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bench-corpus-private.h"

static const Zone zones[] = {
  { "Europe/Paris", "Romance Standard Time", "CET", "+0100", "CEST", "+0200",
    "19701025T030000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
    "19700329T020000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" },
  { "Europe/Berlin", "W. Europe Standard Time", "CET", "+0100", "CEST", "+0200",
    "19701025T030000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
    "19700329T020000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" },
  { "Europe/London", "GMT Standard Time", "GMT", "+0000", "BST", "+0100",
    "19701025T020000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
    "19700329T010000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" },
  { "America/New_York", "Eastern Standard Time", "EST", "-0500", "EDT", "-0400",
    "19701101T020000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11",
    "19700308T020000", "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" },
  { "America/Los_Angeles", "Pacific Standard Time", "PST", "-0800", "PDT", "-0700",
    "19701101T020000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11",
    "19700308T020000", "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" },
  { "Asia/Tokyo", "Tokyo Standard Time", "JST", "+0900", NULL, NULL,
    "19700101T000000", NULL, NULL, NULL },
  { "Australia/Sydney", "AUS Eastern Standard Time", "AEST", "+1000", "AEDT", "+1100",
    "19700405T030000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=4",
    "19701004T020000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=10" },
};


static void
append_vtimezone (GString    *out,
                  const Zone *zone,
                  gboolean    outlook)
{
  const char *std_from = zone->dst_offset ? zone->dst_offset : zone->std_offset;

  g_string_append (out, "BEGIN:VTIMEZONE" CRLF);
  g_string_append_printf (out, "TZID:%s" CRLF, outlook ? zone->windows : zone->iana);
  if (!outlook)
    g_string_append_printf (out, "X-TZINFO:%s[2024a]" CRLF, zone->iana);
  g_string_append (out, "BEGIN:STANDARD" CRLF);
  if (outlook)
    g_string_append_printf (out, "DTSTART:1601%s" CRLF, zone->std_start + 4);
  else
    g_string_append_printf (out, "DTSTART:%s" CRLF, zone->std_start);
  g_string_append_printf (out, "TZOFFSETFROM:%s" CRLF "TZOFFSETTO:%s" CRLF, std_from,
                          zone->std_offset);
  if (!outlook)
    g_string_append_printf (out, "TZNAME:%s" CRLF, zone->std_name);
  if (zone->std_rule != NULL)
    g_string_append_printf (out, "RRULE:%s" CRLF, zone->std_rule);
  g_string_append (out, "END:STANDARD" CRLF);
  if (zone->dst_name != NULL)
    {
      g_string_append (out, "BEGIN:DAYLIGHT" CRLF);
      if (outlook)
        g_string_append_printf (out, "DTSTART:1601%s" CRLF, zone->dst_start + 4);
      else
        g_string_append_printf (out, "DTSTART:%s" CRLF, zone->dst_start);
      g_string_append_printf (out, "TZOFFSETFROM:%s" CRLF "TZOFFSETTO:%s" CRLF,
                              zone->std_offset, zone->dst_offset);
      if (!outlook)
        g_string_append_printf (out, "TZNAME:%s" CRLF, zone->dst_name);
      g_string_append_printf (out, "RRULE:%s" CRLF, zone->dst_rule);
      g_string_append (out, "END:DAYLIGHT" CRLF);
    }
  g_string_append (out, "END:VTIMEZONE" CRLF);
}

void
bench_event_times_clear (EventTimes *times)
{
  g_clear_pointer (&times->start, g_date_time_unref);
  g_clear_pointer (&times->end, g_date_time_unref);
}

void
bench_make_event_times (Generator  *gen,
                        EventTimes *times,
                        const Zone *zone)
{
  static const int durations[] = { 15, 30, 30, 45, 60, 60, 60, 90, 120 };
  g_autoptr(GDateTime) base = NULL;
  g_autoptr(GDateTime) day = NULL;
  GTimeZone *tz = bench_get_zone (gen, zone->iana);

  base = g_date_time_new (tz, 2026, 1, 5, 0, 0, 0);
  day = g_date_time_add_days (base, bench_pick (gen, 700));
  times->zone = zone;
  times->start = g_date_time_new (tz, g_date_time_get_year (day), g_date_time_get_month (day),
                                  g_date_time_get_day_of_month (day), 8 + bench_pick (gen, 10),
                                  15 * bench_pick (gen, 4), 0);
  times->end = g_date_time_add_minutes (times->start, PICK (gen, durations));
}

static char *
format_utc (GDateTime *time)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (time);

  return g_date_time_format (utc, "%Y%m%dT%H%M%SZ");
}

static void
append_organizer_attendees (Generator    *gen,
                            GString      *ics,
                            const Person *from,
                            GPtrArray    *to,
                            int           style)
{
  const char *from_name = from->name ? from->name : from->address;

  if (style == BENCH_MAIL_THUNDERBIRD)
    bench_append_ical_printf (ics, "ORGANIZER;RSVP=TRUE;CN=\"%s\";PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:%s",
                              from_name, from->address);
  else if (style == BENCH_MAIL_OUTLOOK)
    bench_append_ical_printf (ics, "ORGANIZER;CN=\"%s\":mailto:%s", from_name, from->address);
  else
    bench_append_ical_printf (ics, "ORGANIZER;CN=%s:mailto:%s", from->address, from->address);

  for (guint i = 0; i < to->len; i++)
    {
      const Person *person = g_ptr_array_index (to, i);
      const char *name = person->name ? person->name : person->address;

      if (style == BENCH_MAIL_THUNDERBIRD)
        bench_append_ical_printf (ics, "ATTENDEE;RSVP=TRUE;CN=\"%s\";PARTSTAT=NEEDS-ACTION;"
                                  "ROLE=REQ-PARTICIPANT:mailto:%s", name, person->address);
      else if (style == BENCH_MAIL_OUTLOOK)
        bench_append_ical_printf (ics, "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;"
                                  "CN=\"%s\":mailto:%s", name, person->address);
      else
        bench_append_ical_printf (ics, "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;"
                                  "PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=%s;X-NUM-GUESTS=0:mailto:%s",
                                  person->address, person->address);
    }
}

char *
bench_make_calendar (Generator        *gen,
                     BenchMailKind     kind,
                     const EventTimes *times,
                     const Person     *from,
                     GPtrArray        *to,
                     const char       *summary,
                     const char       *description,
                     GDateTime        *stamp)
{
  GString *ics = g_string_new (NULL);
  g_autofree char *uid = NULL;
  g_autofree char *stamp_text = format_utc (stamp);
  g_autofree char *escaped_summary = bench_ical_escape (summary);
  g_autofree char *escaped_description = bench_ical_escape (description);
  g_autofree char *local_start = g_date_time_format (times->start, "%Y%m%dT%H%M%S");
  g_autofree char *local_end = g_date_time_format (times->end, "%Y%m%dT%H%M%S");

  g_string_append (ics, "BEGIN:VCALENDAR" CRLF);
  switch (kind)
    {
    case BENCH_MAIL_THUNDERBIRD:
      uid = bench_random_uuid (gen);
      g_string_append (ics, "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN" CRLF
                            "VERSION:2.0" CRLF "METHOD:REQUEST" CRLF);
      append_vtimezone (ics, times->zone, FALSE);
      g_string_append (ics, "BEGIN:VEVENT" CRLF);
      g_string_append_printf (ics, "CREATED:%s" CRLF "LAST-MODIFIED:%s" CRLF "DTSTAMP:%s" CRLF,
                              stamp_text, stamp_text, stamp_text);
      g_string_append_printf (ics, "UID:%s" CRLF, uid);
      bench_append_ical_printf (ics, "SUMMARY:%s", escaped_summary);
      append_organizer_attendees (gen, ics, from, to, kind);
      g_string_append_printf (ics, "DTSTART;TZID=%s:%s" CRLF "DTEND;TZID=%s:%s" CRLF,
                              times->zone->iana, local_start, times->zone->iana, local_end);
      /* Lightning sends a description only when the organiser typed one. */
      if (bench_chance (gen, 0.3))
        bench_append_ical_printf (ics, "DESCRIPTION:%s", escaped_description);
      g_string_append (ics, "SEQUENCE:0" CRLF "TRANSP:OPAQUE" CRLF
                            "X-MOZ-SEND-INVITATIONS:TRUE" CRLF
                            "X-MOZ-SEND-INVITATIONS-UNDISCLOSED:FALSE" CRLF);
      break;

    case BENCH_MAIL_OUTLOOK:
      {
        g_autofree char *hex = bench_random_token (gen, 112, "0123456789ABCDEF");

        uid = g_strdup_printf ("040000008200E00074C5B7101A82E008%s", hex);
        g_string_append (ics, "METHOD:REQUEST" CRLF "PRODID:Microsoft Exchange Server 2010" CRLF
                              "VERSION:2.0" CRLF);
        append_vtimezone (ics, times->zone, TRUE);
        g_string_append (ics, "BEGIN:VEVENT" CRLF);
        append_organizer_attendees (gen, ics, from, to, kind);
        bench_append_ical_printf (ics, "DESCRIPTION;LANGUAGE=en-US:%s", escaped_description);
        bench_append_ical_printf (ics, "UID:%s", uid);
        bench_append_ical_printf (ics, "SUMMARY;LANGUAGE=en-US:%s", escaped_summary);
        g_string_append_printf (ics, "DTSTART;TZID=%s:%s" CRLF "DTEND;TZID=%s:%s" CRLF,
                                times->zone->windows, local_start, times->zone->windows,
                                local_end);
        g_string_append_printf (ics, "CLASS:PUBLIC" CRLF "PRIORITY:5" CRLF "DTSTAMP:%s" CRLF
                                     "TRANSP:OPAQUE" CRLF "STATUS:CONFIRMED" CRLF "SEQUENCE:0" CRLF
                                     "LOCATION;LANGUAGE=en-US:" CRLF
                                     "X-MICROSOFT-CDO-APPT-SEQUENCE:0" CRLF
                                     "X-MICROSOFT-CDO-OWNERAPPTID:%d" CRLF
                                     "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE" CRLF
                                     "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY" CRLF
                                     "X-MICROSOFT-CDO-ALLDAYEVENT:FALSE" CRLF
                                     "X-MICROSOFT-CDO-IMPORTANCE:1" CRLF
                                     "X-MICROSOFT-CDO-INSTTYPE:0" CRLF
                                     "X-MICROSOFT-DONOTFORWARDMEETING:FALSE" CRLF
                                     "X-MICROSOFT-DISALLOW-COUNTER:FALSE" CRLF
                                     "BEGIN:VALARM" CRLF "DESCRIPTION:REMINDER" CRLF
                                     "TRIGGER;RELATED=START:-PT15M" CRLF "ACTION:DISPLAY" CRLF
                                     "END:VALARM" CRLF,
                                stamp_text, 1000000 + bench_pick (gen, 1000000000));
      }
      break;

    case BENCH_MAIL_GMAIL:
    case BENCH_MAIL_BODY:
    case BENCH_MAIL_NO_TIMES:
    case BENCH_N_MAIL_KINDS:
    default:
      {
        g_autofree char *token = bench_random_token (gen, 26, "abcdefghijklmnopqrstuvwxyz0123456789");
        g_autofree char *utc_start = format_utc (times->start);
        g_autofree char *utc_end = format_utc (times->end);

        uid = g_strdup_printf ("%s@google.com", token);
        g_string_append (ics, "PRODID:-//Google Inc//Google Calendar 70.9054//EN" CRLF
                              "VERSION:2.0" CRLF "CALSCALE:GREGORIAN" CRLF
                              "METHOD:REQUEST" CRLF "BEGIN:VEVENT" CRLF);
        g_string_append_printf (ics, "DTSTART:%s" CRLF "DTEND:%s" CRLF "DTSTAMP:%s" CRLF,
                                utc_start, utc_end, stamp_text);
        append_organizer_attendees (gen, ics, from, to, kind);
        g_string_append_printf (ics, "UID:%s" CRLF "CREATED:%s" CRLF, uid, stamp_text);
        bench_append_ical_printf (ics, "DESCRIPTION:%s-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:"
                                  "~:~:~:~::-\\nPlease do not edit this section of the description."
                                  "\\n\\nView your event at https://calendar.google.com/calendar/"
                                  "event?action=VIEW&eid=%s\\n-::~:~::~:~:~:~:~:~:~:~::-",
                                  bench_chance (gen, 0.5) ? escaped_description : "", token);
        g_string_append_printf (ics, "LAST-MODIFIED:%s" CRLF "LOCATION:" CRLF "SEQUENCE:0" CRLF
                                     "STATUS:CONFIRMED" CRLF, stamp_text);
        bench_append_ical_printf (ics, "SUMMARY:%s", escaped_summary);
        g_string_append (ics, "TRANSP:OPAQUE" CRLF);
      }
      break;
    }
  g_string_append (ics, "END:VEVENT" CRLF "END:VCALENDAR" CRLF);
  return g_string_free (ics, FALSE);
}

static char *
format_offset (GDateTime *time)
{
  GTimeSpan offset = g_date_time_get_utc_offset (time) / G_TIME_SPAN_MINUTE;
  long minutes = labs ((long) offset);

  return g_strdup_printf ("%c%02ld:%02ld", offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
}

/* The predetermined lines (E405), in the spellings people and the composer use. */
char *
bench_make_body_lines (Generator        *gen,
                       const EventTimes *times,
                       gboolean          zone_written)
{
  g_autofree char *day = g_date_time_format (times->start, "%Y-%m-%d");
  g_autofree char *hour = g_date_time_format (times->start, "%H:%M");
  g_autofree char *end_hour = g_date_time_format (times->end, "%H:%M");
  GTimeSpan minutes = g_date_time_difference (times->end, times->start) / G_TIME_SPAN_MINUTE;
  g_autofree char *zone = zone_written ? g_strdup_printf (" %s", times->zone->iana) : g_strdup ("");
  g_autofree char *duration = NULL;

  if (minutes % 60 == 0)
    duration = g_strdup_printf ("%" G_GINT64_FORMAT "h", minutes / 60);
  else if (minutes > 60)
    duration = g_strdup_printf ("%" G_GINT64_FORMAT "h%" G_GINT64_FORMAT "m", minutes / 60,
                                minutes % 60);
  else
    duration = g_strdup_printf ("%" G_GINT64_FORMAT "m", minutes);

  switch (bench_pick (gen, 4))
    {
    case 0:
      return g_strdup_printf ("Start: %s %s%s\nEnd: %s", day, hour, zone, end_hour);
    case 1:
      return g_strdup_printf ("Start: %s %s%s\nDuration: %s", day, hour, zone, duration);
    case 2:
      {
        g_autofree char *offset = format_offset (times->start);
        g_autofree char *end_day = g_date_time_format (times->end, "%Y-%m-%dT%H:%M:%S");
        g_autofree char *start_day = g_date_time_format (times->start, "%Y-%m-%dT%H:%M:%S");

        return g_strdup_printf ("Start: %s%s\nEnd: %s%s", start_day, offset, end_day, offset);
      }
    default:
      return g_strdup_printf ("start: %s %s%s\nduration: PT%" G_GINT64_FORMAT "H%" G_GINT64_FORMAT
                              "M", day, hour, zone, minutes / 60, minutes % 60);
    }
}

const Zone *
bench_pick_zone (Generator *gen)
{
  /* Mostly the manager's own region. */
  return bench_chance (gen, 0.6) ? &zones[0] : &zones[g_rand_int_range (gen->rand, 0, G_N_ELEMENTS (zones))];
}


/* The zone that bench_pick_zone() favours, and in which body lines without a zone are written:
 * the manager's (tests/data/manager.ini). */
const Zone *
bench_default_zone (void)
{
  return &zones[0];
}
