/* test-ical.c — cnv_ical_read(), cnv_ical_read_vcalendar() and the Windows zone table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-ical.h"
#include "test-times-common.h"

#define HOUR G_TIME_SPAN_HOUR

/* Helpers ------------------------------------------------------------------------------------- */

static char *
load_fixture (const char *name,
              gsize      *out_len)
{
  g_autofree char *path = g_build_filename (CNV_TEST_DATA_DIR, "ical", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, out_len, &error);
  g_assert_no_error (error);
  return contents;
}

/* Every call checks the contract: an event xor an error; warnings are UTF-8 sentences. */
static void
check_result (Result *result)
{
  g_assert_true ((result->event == NULL) != (result->error == NULL));
  if (result->error != NULL)
    {
      g_assert_true (result->error->domain == CNV_ICAL_ERROR);
      g_assert_true (g_utf8_validate (result->error->message, -1, NULL));
    }
  for (guint i = 0; i < result->warnings->len; i++)
    g_assert_true (g_utf8_validate (g_ptr_array_index (result->warnings, i), -1, NULL));
  if (result->event != NULL && result->event->end != NULL)
    g_assert_cmpint (g_date_time_compare (result->event->end, result->event->start), >, 0);
}

static void
read_len (Result     *result,
          const char *data,
          gsize       len,
          const char *floating,
          GTimeSpan   default_duration)
{
  g_autoptr(GTimeZone) zone = floating != NULL ? g_time_zone_new_identifier (floating) : NULL;

  result->warnings = g_ptr_array_new_with_free_func (g_free);
  result->event = cnv_ical_read (data, len, zone, default_duration, result->warnings,
                                 &result->error);
  check_result (result);
}

static void
read_text (Result     *result,
           const char *text,
           const char *floating)
{
  read_len (result, text, strlen (text), floating, HOUR);
}

static void
read_fixture (Result     *result,
              const char *name,
              const char *floating)
{
  gsize len;
  g_autofree char *data = load_fixture (name, &len);

  read_len (result, data, len, floating, HOUR);
}

static void
read_vcal_len (Result     *result,
               const char *data,
               gsize       len,
               const char *floating)
{
  g_autoptr(GTimeZone) zone = floating != NULL ? g_time_zone_new_identifier (floating) : NULL;

  result->warnings = g_ptr_array_new_with_free_func (g_free);
  result->event = cnv_ical_read_vcalendar (data, len, zone, HOUR, result->warnings,
                                           &result->error);
  check_result (result);
}

static void
read_vcal_text (Result     *result,
                const char *text,
                const char *floating)
{
  read_vcal_len (result, text, strlen (text), floating);
}

static void
read_vcal_fixture (Result     *result,
                   const char *name,
                   const char *floating)
{
  gsize len;
  g_autofree char *data = load_fixture (name, &len);

  read_vcal_len (result, data, len, floating);
}

static const CnvAddress *
attendee (const Result *result,
          guint         i)
{
  g_assert_cmpuint (i, <, result->event->attendees->len);
  return g_ptr_array_index (result->event->attendees, i);
}

/* A VCALENDAR with one VEVENT holding @body (lines separated by \n). */
static char *
calendar_with (const char *body)
{
  return g_strdup_printf ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Convene//Tests//EN\r\n"
                          "BEGIN:VEVENT\r\nUID:test@example.test\r\nDTSTAMP:20261120T120000Z\r\n"
                          "%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", body);
}

static void
read_event_body (Result     *result,
                 const char *body,
                 const char *floating)
{
  g_autofree char *text = calendar_with (body);

  read_text (result, text, floating);
}

static const char paris_vtimezone[] =
  "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"
  "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
  "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n"
  "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
  "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n"
  "END:VTIMEZONE\r\n";

/* A VCALENDAR with @vtimezone and one VEVENT holding @body. */
static char *
calendar_with_zone (const char *vtimezone,
                    const char *body)
{
  return g_strdup_printf ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Convene//Tests//EN\r\n%s"
                          "BEGIN:VEVENT\r\nUID:test@example.test\r\nDTSTAMP:20261120T120000Z\r\n"
                          "%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", vtimezone, body);
}

/* Fixtures: what real clients send ------------------------------------------------------------ */

static void
test_fixture_thunderbird (void)
{
  g_auto(Result) result = { NULL, };
  const CnvAddress *address;

  read_fixture (&result, "thunderbird-paris.ics", "UTC");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:30:00Z");
  g_assert_cmpstr (result.event->method, ==, "REQUEST");
  g_assert_cmpstr (result.event->uid, ==, "5f1b7c2e-8d3a-4e9b-a1c4-6f2d8e0b9a37");
  g_assert_cmpint (result.event->sequence, ==, 0);
  g_assert_cmpstr (result.event->summary, ==, "Revue d'architecture");
  g_assert_cmpstr (result.event->description, ==, "Ordre du jour :\n1. Bilan\n2. Suite, questions");
  g_assert_cmpstr (result.event->location, ==, "Salle Turing");
  g_assert_cmpstr (result.event->tzid, ==, "Europe/Paris");
  g_assert_false (result.event->all_day);
  g_assert_false (result.event->cancelled);
  assert_time (result.event->stamp, "2026-11-20T10:17:32Z");

  g_assert_nonnull (result.event->organizer);
  g_assert_cmpstr (result.event->organizer->address, ==, "claire.dubois@example.test");
  g_assert_cmpstr (result.event->organizer->name, ==, "Claire Dubois");
  g_assert_null (result.event->sent_by);

  g_assert_cmpuint (result.event->attendees->len, ==, 3);
  g_assert_cmpstr (attendee (&result, 0)->address, ==, "claire.dubois@example.test");
  address = attendee (&result, 1);
  g_assert_cmpstr (address->address, ==, "videoconference@convene.example.test");
  g_assert_null (address->name);
  address = attendee (&result, 2);
  g_assert_cmpstr (address->address, ==, "emile@example.test");
  g_assert_cmpstr (address->name, ==, "Émile Zola");
  g_assert_cmpuint (result.warnings->len, ==, 0);
}

/* Outlook's VTIMEZONE (rules from 1601) for its Windows name: summer time applies in July. */
static void
test_fixture_outlook_vtimezone (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "outlook-w-europe.ics", "UTC");
  assert_times (&result, "2026-07-01T08:00:00Z", "2026-07-01T09:30:00Z");
  /* The IANA zone the TZID stands for, for cnv_ical_write(). */
  g_assert_cmpstr (result.event->tzid, ==, "Europe/Berlin");
  g_assert_cmpstr (result.event->summary, ==, "Quartalsplanung Q3");
  g_assert_cmpstr (result.event->location, ==, "Besprechungsraum 3");
  g_assert_cmpstr (result.event->organizer->name, ==, "Anna Schmidt");
  /* Bob.Martin@example.test and bob.martin@EXAMPLE.test are one person; the first name wins. */
  g_assert_cmpuint (result.event->attendees->len, ==, 2);
  g_assert_cmpstr (attendee (&result, 1)->address, ==, "bob.martin@example.test");
  g_assert_cmpstr (attendee (&result, 1)->name, ==, "Bob Martin");
  g_assert_cmpuint (result.warnings->len, ==, 0);
}

/* No VTIMEZONE: the Windows name is looked up in CLDR's table (Romance = Europe/Paris). */
static void
test_fixture_outlook_no_vtimezone (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "outlook-romance-no-vtimezone.ics", "UTC");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  g_assert_cmpstr (result.event->tzid, ==, "Europe/Paris");
}

/* A minimal VTIMEZONE (one STANDARD, no DST): RFC 5545 §3.2.19 makes it the definition, so July
 * is +01:00 as the sender's calendar says, not the real zone's +02:00. */
static void
test_fixture_outlook_standard_only (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "outlook-standard-only.ics", "UTC");
  assert_times (&result, "2026-07-01T09:00:00Z", "2026-07-01T10:00:00Z");
}

/* Outlook 2007 wrote the zone's display name as TZID, quoted, without a VTIMEZONE. */
static void
test_fixture_outlook_display_name (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "outlook-display-name.ics", "UTC");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  g_assert_cmpstr (result.event->tzid, ==, "Europe/Berlin");
}

static void
test_fixture_gmail (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "gmail-utc.ics", "Europe/Paris");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T13:45:00Z");
  g_assert_null (result.event->tzid);
  g_assert_cmpstr (result.event->uid, ==, "3kq9v0c2m5p7r1s4t6u8w0y2a4@google.com");
  /* Gmail's CN is the address itself: no name. */
  g_assert_cmpstr (result.event->organizer->address, ==, "dana.lee@example.test");
  g_assert_null (result.event->organizer->name);
  g_assert_null (result.event->location);
  g_assert_null (result.event->conference);
  g_assert_cmpuint (result.event->attendees->len, ==, 3);
  g_assert_cmpstr (attendee (&result, 2)->name, ==, "Ed Kim");
}

/* Apple Calendar: X-WR-TIMEZONE, quoted CN parameters, DTEND before DTSTART in the file. */
static void
test_fixture_apple (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "apple-new-york.ics", "Europe/Paris");
  assert_times (&result, "2026-12-01T14:00:00Z", "2026-12-01T15:00:00Z");
  g_assert_cmpint (result.event->sequence, ==, 1);
  g_assert_cmpstr (result.event->organizer->name, ==, "Frank Miller");
  g_assert_cmpstr (result.event->tzid, ==, "America/New_York");
}

/* Evolution's TZIDs carry libical's "/freeassociation.sourceforge.net/" prefix. */
static void
test_fixture_evolution (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "evolution-berlin.ics", "UTC");
  assert_times (&result, "2026-06-15T12:00:00Z", "2026-06-15T13:00:00Z");
  g_assert_cmpstr (result.event->tzid, ==, "Europe/Berlin");
  g_assert_cmpint (result.event->sequence, ==, 2);
  /* "MAILTO:" in capitals is a mailto URI too (RFC 3986 §3.1: schemes are case-insensitive). */
  g_assert_cmpstr (result.event->organizer->address, ==, "gerd@example.test");
  g_assert_cmpstr (attendee (&result, 0)->name, ==, "Hanna Vogel");
}

static void
test_fixture_evolution_no_vtimezone (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "evolution-prefix-only.ics", "UTC");
  assert_times (&result, "2026-06-15T12:00:00Z", "2026-06-15T13:00:00Z");
  g_assert_cmpstr (result.event->tzid, ==, "Europe/Berlin");
}

static void
test_fixture_cancel (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "cancel.ics", "UTC");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T13:45:00Z");
  g_assert_cmpstr (result.event->method, ==, "CANCEL");
  g_assert_true (result.event->cancelled);
  g_assert_cmpint (result.event->sequence, ==, 3);
  g_assert_cmpstr (result.event->organizer->name, ==, "Dana Lee");
  g_assert_cmpstr (result.event->sent_by, ==, "assistant@example.test");
  g_assert_cmpstr (result.event->url, ==, "https://convene.example.test/s/abc123");
  /* RFC 7986 §5.11: the first CONFERENCE. */
  g_assert_cmpstr (result.event->conference, ==, "https://meet.example.test/abc123");
}

/* The same object with LF line ends, a BOM, or trailing nul bytes reads the same. */
static void
test_fixture_line_ends (void)
{
  gsize len;
  g_autofree char *data = load_fixture ("thunderbird-paris.ics", &len);
  g_autoptr(GString) lf = g_string_new (NULL);
  g_autoptr(GString) bom = g_string_new ("\xef\xbb\xbf");
  g_autoptr(GString) nuls = g_string_new_len (data, len);

  for (gsize i = 0; i < len; i++)
    if (data[i] != '\r')
      g_string_append_c (lf, data[i]);
  g_string_append_len (bom, data, len);
  g_string_append_len (nuls, "\0\0", 2);

  {
    g_auto(Result) result = { NULL, };

    read_len (&result, lf->str, lf->len, "UTC", HOUR);
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:30:00Z");
    g_assert_cmpstr (result.event->description, ==, "Ordre du jour :\n1. Bilan\n2. Suite, questions");
  }
  {
    g_auto(Result) result = { NULL, };

    read_len (&result, bom->str, bom->len, "UTC", HOUR);
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:30:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_len (&result, nuls->str, nuls->len, "UTC", HOUR);
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:30:00Z");
  }
}

/* DTSTART ------------------------------------------------------------------------------------- */

static void
test_dtstart_utc (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result, "DTSTART:20261201T130000Z\r\nDTEND:20261201T140000Z", "Asia/Tokyo");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  g_assert_null (result.event->tzid);
}

/* No TZID, no Z: floating, in the manager's zone (the caller's). */
static void
test_dtstart_floating (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_fixture (&result, "floating.ics", "Europe/Paris");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
    g_assert_null (result.event->tzid);
  }
  {
    g_auto(Result) result = { NULL, };

    read_fixture (&result, "floating.ics", "America/New_York");
    assert_times (&result, "2026-12-01T19:00:00Z", "2026-12-01T20:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    /* No zone given: UTC. */
    read_fixture (&result, "floating.ics", NULL);
    assert_times (&result, "2026-12-01T14:00:00Z", "2026-12-01T15:00:00Z");
  }
}

/* X-WR-TIMEZONE is not standard: floating times stay in the manager's zone (DESIGN.md). */
static void
test_dtstart_floating_ignores_x_wr_timezone (void)
{
  g_auto(Result) result = { NULL, };

  read_text (&result,
             "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-TIMEZONE:America/New_York\r\n"
             "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261201T140000\r\nDTEND:20261201T150000\r\n"
             "END:VEVENT\r\nEND:VCALENDAR\r\n", "Europe/Paris");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
}

/* A TZID without a VTIMEZONE: an IANA name. */
static void
test_dtstart_tzid_iana (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result,
                   "DTSTART;TZID=Asia/Tokyo:20261201T090000\r\nDTEND;TZID=Asia/Tokyo:20261201T100000",
                   "UTC");
  assert_times (&result, "2026-12-01T00:00:00Z", "2026-12-01T01:00:00Z");
  g_assert_cmpstr (result.event->tzid, ==, "Asia/Tokyo");
}

static void
test_dtstart_tzid_prefixes (void)
{
  const char *tzids[] = {
    "/mozilla.org/20050126_1/Europe/Paris",
    "/citadel.org/20190914_1/Europe/Paris",
    "/freeassociation.sourceforge.net/Europe/Paris",
    "/freeassociation.sourceforge.net/Tzfile/Europe/Paris",
    "/softwarestudio.org/Olson_20011030_5/Europe/Paris",
  };

  for (guint i = 0; i < G_N_ELEMENTS (tzids); i++)
    {
      g_auto(Result) result = { NULL, };
      g_autofree char *body = g_strdup_printf ("DTSTART;TZID=%s:20261201T140000\r\n"
                                               "DTEND;TZID=%s:20261201T150000", tzids[i], tzids[i]);

      read_event_body (&result, body, "UTC");
      assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
    }
}

/* RFC 5545 §3.2.19: the VTIMEZONE in the object defines its TZID, even one that is an IANA name. */
static void
test_dtstart_tzid_vtimezone_wins (void)
{
  g_auto(Result) result = { NULL, };
  g_autofree char *text = calendar_with_zone (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
    "TZOFFSETFROM:+0500\r\nTZOFFSETTO:+0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n",
    "DTSTART;TZID=Europe/Paris:20261201T140000\r\nDTEND;TZID=Europe/Paris:20261201T150000");

  read_text (&result, text, "UTC");
  assert_times (&result, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z");
}

/* A VTIMEZONE whose TZID is made up (neither IANA nor Windows) works from its rules alone. */
static void
test_dtstart_tzid_custom_vtimezone (void)
{
  g_auto(Result) result = { NULL, };
  g_autofree char *text = NULL;
  g_autofree char *zone = NULL;

  zone = g_strdup (paris_vtimezone);
  {
    char *tzid = strstr (zone, "TZID:Europe/Paris");

    memcpy (tzid, "TZID:Company Zone", strlen ("TZID:Company Zone"));
  }
  text = calendar_with_zone (zone,
                             "DTSTART;TZID=Company Zone:20260701T100000\r\n"
                             "DTEND;TZID=Company Zone:20260701T110000");
  read_text (&result, text, "UTC");
  assert_times (&result, "2026-07-01T08:00:00Z", "2026-07-01T09:00:00Z");
  /* No IANA zone by that name: the event is written back in UTC. */
  g_assert_null (result.event->tzid);
}

static void
test_dtstart_tzid_quoted (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result,
                   "DTSTART;TZID=\"Tokyo Standard Time\":20261201T090000\r\n"
                   "DTEND;TZID=\"Tokyo Standard Time\":20261201T093000",
                   "UTC");
  assert_times (&result, "2026-12-01T00:00:00Z", "2026-12-01T00:30:00Z");
}

static void
test_dtstart_tzid_unknown (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "bogus-tzid.ics", "UTC");
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE);
  g_assert_nonnull (strstr (result.error->message, "Mars/Olympus_Mons"));
}

/* A TZID must not become a path: GLib reads absolute paths and "../" as zone files. */
static void
test_dtstart_tzid_paths (void)
{
  const char *tzids[] = {
    "/etc/localtime",
    "../../../../etc/passwd",
    "Europe/../Europe/Paris",
    "/dev/zero",
    "localtime",
    "ABC+5",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (tzids); i++)
    {
      g_auto(Result) result = { NULL, };
      g_autofree char *body = g_strdup_printf ("DTSTART;TZID=%s:20261201T140000", tzids[i]);

      read_event_body (&result, body, "UTC");
      g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE);
    }
}

/* A VTIMEZONE that changes its offset every minute would keep libical busy for hours: it is not
 * used, and the TZID is then taken by its name (with a warning), or refused. */
static char *
hostile_vtimezone (const char *tzid)
{
  return g_strconcat ("BEGIN:VTIMEZONE\r\nTZID:", tzid, "\r\n"
                      "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
                      "DTSTART:19700101T000000\r\nRRULE:FREQ=MINUTELY\r\nEND:DAYLIGHT\r\n"
                      "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
                      "DTSTART:19700101T000030\r\nRRULE:FREQ=MINUTELY\r\nEND:STANDARD\r\n"
                      "END:VTIMEZONE\r\n", NULL);
}

static void
test_dtstart_tzid_hostile_vtimezone (void)
{
  gint64 begin = g_get_monotonic_time ();

  {
    g_auto(Result) result = { NULL, };
    g_autofree char *zone = hostile_vtimezone ("Europe/Paris");
    g_autofree char *text = calendar_with_zone (zone,
                                                "DTSTART;TZID=Europe/Paris:20261201T140000\r\n"
                                                "DTEND;TZID=Europe/Paris:20261201T150000");

    read_text (&result, text, "UTC");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
    g_assert_true (has_warning (&result, "cannot be used"));
    /* One warning for DTSTART and DTEND. */
    g_assert_cmpuint (result.warnings->len, ==, 1);
  }
  {
    g_auto(Result) result = { NULL, };
    g_autofree char *zone = hostile_vtimezone ("Hostile");
    g_autofree char *text = calendar_with_zone (zone, "DTSTART;TZID=Hostile:20261201T140000");

    read_text (&result, text, "UTC");
    g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE);
  }
  {
    g_auto(Result) result = { NULL, };
    g_autofree char *text = calendar_with_zone (
      "BEGIN:VTIMEZONE\r\nTZID:Empty\r\nEND:VTIMEZONE\r\n",
      "DTSTART;TZID=Empty:20261201T140000");

    read_text (&result, text, "UTC");
    g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE);
  }

  g_assert_cmpint (g_get_monotonic_time () - begin, <, 5 * G_TIME_SPAN_SECOND);
}

/* 16 busy yearly rules from year 1 and an event in 2582: libical would expand them year by year
 * for seconds (a cheap way to make the manager spin). Such a definition is not used: the TZID is
 * taken by its name when it has one, else it is an unknown zone — either way, at once. */
static char *
busy_zone_calendar (const char *tzid,
                    const char *dtstart)
{
  g_autoptr(GString) zone = g_string_new (NULL);
  g_autofree char *prop = g_strdup_printf ("DTSTART;TZID=%s:%s", tzid, dtstart);

  g_string_append_printf (zone, "BEGIN:VTIMEZONE\r\nTZID:%s\r\n", tzid);
  for (guint i = 0; i < 16; i++)
    g_string_append_printf (zone,
                            "BEGIN:%s\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0%u00\r\n"
                            "DTSTART:00010101T000000\r\n"
                            "RRULE:FREQ=YEARLY;BYMONTH=%u;BYMONTHDAY=1,2,3,4,5,6,7;BYDAY=MO,TU,WE,TH,FR,SA,SU\r\n"
                            "END:%s\r\n",
                            i % 2 ? "DAYLIGHT" : "STANDARD", 1 + i % 2, 1 + i % 12,
                            i % 2 ? "DAYLIGHT" : "STANDARD");
  g_string_append (zone, "END:VTIMEZONE\r\n");
  return calendar_with_zone (zone->str, prop);
}

static void
test_dtstart_tzid_expensive_vtimezone (void)
{
  gint64 begin = g_get_monotonic_time ();

  {
    g_autofree char *text = busy_zone_calendar ("Busy", "25821201T140000");
    g_auto(Result) result = { NULL, };

    read_text (&result, text, "UTC");
    g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE);
  }
  {
    g_autofree char *text = busy_zone_calendar ("Europe/Paris", "20261201T140000");
    g_auto(Result) result = { NULL, };

    read_text (&result, text, "UTC");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
    g_assert_true (has_warning (&result, "start too long before the event"));
  }
  g_test_message ("refusing two busy definitions: %.3f s",
                  (g_get_monotonic_time () - begin) / (double) G_TIME_SPAN_SECOND);
  g_assert_cmpint (g_get_monotonic_time () - begin, <, 5 * G_TIME_SPAN_SECOND);
}

static void
test_dtstart_missing (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result, "SUMMARY:No time", "UTC");
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_NO_START);
}

static void
test_dtstart_invalid (void)
{
  const char *values[] = {
    "DTSTART:garbage",
    "DTSTART:",
    "DTSTART:20261201T1000",
    "DTSTART:20261201T100000Zjunk",
    "DTSTART:20261301T100000",
    "DTSTART:20260230T100000",
    "DTSTART:20261201T256000",
    "DTSTART:99999999T999999",
    "DTSTART:19691231T230000Z",
    "DTSTART:00000101T000000",
    "DTSTART;VALUE=DATE:20261232",
    "DTSTART;TZID=Europe/Paris:20261201T240000",
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_auto(Result) result = { NULL, };

      read_event_body (&result, values[i], "UTC");
      if (!g_error_matches (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME))
        g_error ("%s: expected INVALID_TIME, got %s", values[i],
                 result.error != NULL ? result.error->message : "an event");
    }
}

/* The years 1970 and 9999 themselves are fine. */
static void
test_dtstart_year_bounds (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, "DTSTART:19700101T000000Z\r\nDTEND:19700101T010000Z", "UTC");
    assert_times (&result, "1970-01-01T00:00:00Z", "1970-01-01T01:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, "DTSTART:99991231T220000Z\r\nDTEND:99991231T230000Z", "UTC");
    assert_times (&result, "9999-12-31T22:00:00Z", "9999-12-31T23:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    /* The default duration would end in the year 10000. */
    read_event_body (&result, "DTSTART:99991231T233000Z", "UTC");
    g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME);
  }
}

/* Daylight saving time (RFC 5545 §3.3.5) ------------------------------------------------------ */

/*
 * 2026-03-29 02:30 does not exist in Paris (02:00 → 03:00): RFC 5545 §3.3.5 reads it with the
 * offset before the gap (+01:00), i.e. 03:30 CEST = 01:30Z. Checked with the calendar's VTIMEZONE,
 * with the IANA zone and as a floating time: the same answer each way.
 */
static void
test_dst_gap (void)
{
  const char *body = "DTSTART;TZID=Europe/Paris:20260329T023000\r\n"
                     "DTEND;TZID=Europe/Paris:20260329T043000";

  {
    g_auto(Result) result = { NULL, };
    g_autofree char *text = calendar_with_zone (paris_vtimezone, body);

    read_text (&result, text, "UTC");
    assert_times (&result, "2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, body, "UTC");
    assert_times (&result, "2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, "DTSTART:20260329T023000\r\nDTEND:20260329T043000", "Europe/Paris");
    assert_times (&result, "2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z");
  }
}

/* 2026-10-25 02:30 happens twice in Paris: RFC 5545 §3.3.5 takes the first (CEST, 00:30Z). */
static void
test_dst_ambiguous (void)
{
  const char *body = "DTSTART;TZID=Europe/Paris:20261025T023000\r\n"
                     "DTEND;TZID=Europe/Paris:20261025T033000";

  {
    g_auto(Result) result = { NULL, };
    g_autofree char *text = calendar_with_zone (paris_vtimezone, body);

    read_text (&result, text, "UTC");
    assert_times (&result, "2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, body, "UTC");
    assert_times (&result, "2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, "DTSTART:20261025T023000\r\nDTEND:20261025T033000", "Europe/Paris");
    assert_times (&result, "2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z");
  }
}

/* RFC 5545 §3.3.5's own examples. */
static void
test_dst_rfc_examples (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result,
                     "DTSTART;TZID=America/New_York:20070311T023000\r\n"
                     "DTEND;TZID=America/New_York:20070311T040000", "UTC");
    /* "3:30 A.M. EDT (UTC-04:00)" */
    assert_times (&result, "2007-03-11T07:30:00Z", "2007-03-11T08:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result,
                     "DTSTART;TZID=America/New_York:20071104T013000\r\n"
                     "DTEND;TZID=America/New_York:20071104T030000", "UTC");
    /* "1:30 A.M. EDT (UTC-04:00)" */
    assert_times (&result, "2007-11-04T05:30:00Z", "2007-11-04T08:00:00Z");
  }
}

/* All-day events ------------------------------------------------------------------------------ */

static void
test_all_day (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "all-day.ics", "Europe/Paris");
  /* Midnights in the floating zone; DTEND is exclusive (RFC 5545 §3.6.1). */
  assert_times (&result, "2026-11-30T23:00:00Z", "2026-12-02T23:00:00Z");
  g_assert_true (result.event->all_day);
  /* The zone the dates were taken in, for cnv_ical_write(). */
  g_assert_cmpstr (result.event->tzid, ==, "Europe/Paris");
  g_assert_cmpuint (result.warnings->len, ==, 0);
}

static void
test_all_day_no_end (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result, "DTSTART;VALUE=DATE:20261201", "Asia/Tokyo");
  assert_times (&result, "2026-11-30T15:00:00Z", "2026-12-01T15:00:00Z");
  g_assert_true (result.event->all_day);
  g_assert_cmpuint (result.warnings->len, ==, 0);
}

/* A DATE DTSTART with a DATE-TIME end (RFC 5545 §3.6.1 forbids it) is a timed event. */
static void
test_all_day_mixed (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, "DTSTART;VALUE=DATE:20261201\r\nDTEND:20261201T100000Z", "Europe/Paris");
    assert_times (&result, "2026-11-30T23:00:00Z", "2026-12-01T10:00:00Z");
    g_assert_false (result.event->all_day);
  }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, "DTSTART;VALUE=DATE:20261201\r\nDURATION:PT10H", "Europe/Paris");
    assert_times (&result, "2026-11-30T23:00:00Z", "2026-12-01T09:00:00Z");
    g_assert_false (result.event->all_day);
  }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, "DTSTART;VALUE=DATE:20261201\r\nDURATION:P2D", "Europe/Paris");
    assert_times (&result, "2026-11-30T23:00:00Z", "2026-12-02T23:00:00Z");
    g_assert_true (result.event->all_day);
  }
}

/* A DATE is in the floating zone even when a TZID is (wrongly) given with it. */
static void
test_all_day_ignores_tzid (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result, "DTSTART;TZID=Asia/Tokyo;VALUE=DATE:20261201", "UTC");
  assert_times (&result, "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z");
  g_assert_null (result.event->tzid);
}

/* Ends ---------------------------------------------------------------------------------------- */

static void
test_duration (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "duration.ics", "UTC");
  assert_times (&result, "2026-12-01T09:00:00Z", "2026-12-01T10:30:00Z");
}

/* RFC 5545 §3.3.6: P1D is a calendar day; on the day summer time ends in Paris it lasts 25 h. */
static void
test_duration_nominal_day (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result,
                     "DTSTART;TZID=Europe/Paris:20261024T120000\r\nDURATION:P1D", "UTC");
    assert_times (&result, "2026-10-24T10:00:00Z", "2026-10-25T11:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    /* PT24H is exact. */
    read_event_body (&result,
                     "DTSTART;TZID=Europe/Paris:20261024T120000\r\nDURATION:PT24H", "UTC");
    assert_times (&result, "2026-10-24T10:00:00Z", "2026-10-25T10:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, "DTSTART;VALUE=DATE:20261201\r\nDURATION:P1W", "Europe/Paris");
    assert_times (&result, "2026-11-30T23:00:00Z", "2026-12-07T23:00:00Z");
  }
}

static void
test_duration_negative (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result, "DTSTART:20261201T090000Z\r\nDURATION:-PT1H", "UTC");
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME);
}

static void
test_duration_zero (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result, "DTSTART:20261201T090000Z\r\nDURATION:PT0S", "UTC");
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_END_BEFORE_START);
}

static void
test_duration_invalid (void)
{
  const char *values[] = {
    "DTSTART:20261201T090000Z\r\nDURATION:garbage",
    "DTSTART:20261201T090000Z\r\nDURATION:P99999999W",
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_auto(Result) result = { NULL, };

      read_event_body (&result, values[i], "UTC");
      g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME);
    }
}

static void
test_end_and_duration (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result,
                   "DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nDURATION:PT3H", "UTC");
  assert_times (&result, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z");
  g_assert_true (has_warning (&result, "both DTEND and DURATION"));
}

static void
test_end_default (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result, "DTSTART:20261201T090000Z", "UTC");
  assert_times (&result, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z");
  g_assert_true (has_warning (&result, "The event has no end; the default duration is used."));
}

/* Without a default duration (0), an event without an end has no end. */
static void
test_end_none (void)
{
  g_auto(Result) result = { NULL, };
  g_autofree char *text = calendar_with ("DTSTART:20261201T090000Z");

  read_len (&result, text, strlen (text), "UTC", 0);
  g_assert_no_error (result.error);
  assert_time (result.event->start, "2026-12-01T09:00:00Z");
  g_assert_null (result.event->end);
  g_assert_cmpuint (result.warnings->len, ==, 0);
}

/* DTEND in another zone than DTSTART. */
static void
test_end_other_zone (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result,
                   "DTSTART;TZID=Europe/Paris:20261201T140000\r\n"
                   "DTEND;TZID=America/New_York:20261201T090000", "UTC");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
}

static void
test_end_before_start (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_fixture (&result, "end-before-start.ics", "UTC");
    g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_END_BEFORE_START);
    g_assert_cmpstr (result.error->message, ==, "The event ends before it starts");
  }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, "DTSTART:20261201T090000Z\r\nDTEND:20261201T090000Z", "UTC");
    g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_END_BEFORE_START);
  }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, "DTSTART;VALUE=DATE:20261201\r\nDTEND;VALUE=DATE:20261201", "UTC");
    g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_END_BEFORE_START);
  }
}

static void
test_end_invalid (void)
{
  const char *values[] = {
    "DTSTART:20261201T090000Z\r\nDTEND:garbage",
    "DTSTART:20261201T090000Z\r\nDTEND:20261201T250000Z",
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_auto(Result) result = { NULL, };

      read_event_body (&result, values[i], "UTC");
      g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME);
    }
  {
    g_auto(Result) result = { NULL, };

    read_event_body (&result, "DTSTART:20261201T090000Z\r\nDTEND;TZID=Nowhere:20261201T100000", "UTC");
    g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE);
  }
}

/* Several events, repetitions ----------------------------------------------------------------- */

static void
test_rrule (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "rrule.ics", "UTC");
  assert_times (&result, "2026-12-01T08:30:00Z", "2026-12-01T08:45:00Z");
  g_assert_cmpuint (result.warnings->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (result.warnings, 0), ==,
                   "The event repeats; only its first occurrence is used.");
}

static void
test_rdate (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result,
                   "DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nRDATE:20261208T090000Z",
                   "UTC");
  g_assert_true (has_warning (&result, "The event repeats"));
}

static void
test_overrides (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "overrides.ics", "UTC");
  assert_times (&result, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z");
  g_assert_cmpstr (result.event->summary, ==, "Daily review");
  g_assert_true (has_warning (&result, "The event has 2 changed occurrences; only the event itself is used."));
  g_assert_true (has_warning (&result, "The event repeats"));
  g_assert_false (has_warning (&result, "events; only the first"));
}

/* 5 000 VEVENTs: the first, in file order, with a warning, in well under the test's timeout. */
static void
test_many_events (void)
{
  g_autoptr(GString) text = g_string_new ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Flood//EN\r\n");
  g_auto(Result) result = { NULL, };
  gint64 begin;

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (text,
                            "BEGIN:VEVENT\r\nUID:event-%u@example.test\r\n"
                            "DTSTAMP:20261120T120000Z\r\nDTSTART:20261201T%02u0000Z\r\n"
                            "DTEND:20261201T%02u3000Z\r\nSUMMARY:Event %u\r\n"
                            "ATTENDEE:mailto:p%u@example.test\r\nEND:VEVENT\r\n",
                            i, 1 + i % 20, 1 + i % 20, i, i);
  g_string_append (text, "END:VCALENDAR\r\n");

  begin = g_get_monotonic_time ();
  read_len (&result, text->str, text->len, "UTC", HOUR);
  g_test_message ("5000 VEVENTs (%" G_GSIZE_FORMAT " bytes): %.3f s", text->len,
                  (g_get_monotonic_time () - begin) / (double) G_TIME_SPAN_SECOND);

  assert_times (&result, "2026-12-01T01:00:00Z", "2026-12-01T01:30:00Z");
  g_assert_cmpstr (result.event->uid, ==, "event-0@example.test");
  g_assert_cmpuint (result.event->attendees->len, ==, 1);
  g_assert_cmpuint (result.warnings->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (result.warnings, 0), ==,
                   "The calendar holds 5000 events; only the first is used.");
  g_assert_cmpint (g_get_monotonic_time () - begin, <, 20 * G_TIME_SPAN_SECOND);
}

static void
test_several_calendars (void)
{
  g_auto(Result) result = { NULL, };
  g_autofree char *one = calendar_with ("DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z");
  g_autofree char *two = calendar_with ("DTSTART:20261202T090000Z\r\nDTEND:20261202T100000Z");
  g_autofree char *both = g_strconcat (one, two, NULL);

  read_text (&result, both, "UTC");
  assert_times (&result, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z");
  g_assert_true (has_warning (&result, "several calendars"));
}

/* People -------------------------------------------------------------------------------------- */

/* RFC 5545 §3.3.11: TEXT holds no control characters; line breaks and tabs stay. */
static void
test_text_controls (void)
{
  g_auto(Result) result = { NULL, };

  read_text (&result,
             "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:abc\x02" "def\x7f\r\n"
             "SUMMARY:Tab\there\x1b[31m\r\nDESCRIPTION:One\\ntwo\r\nLOCATION:\x01\r\n"
             "DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
             "UTC");
  g_assert_no_error (result.error);
  g_assert_cmpstr (result.event->uid, ==, "abcdef");
  g_assert_cmpstr (result.event->summary, !=, NULL);
  g_assert_cmpstr (result.event->summary, ==, "Tab\there[31m");
  g_assert_cmpstr (result.event->description, ==, "One\ntwo");
  g_assert_null (result.event->location);
}

static void
test_people_invalid (void)
{
  g_auto(Result) result = { NULL, };

  read_event_body (&result,
                   "DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\n"
                   "ORGANIZER;CN=Nobody;SENT-BY=\"mailto:not an address\":urn:uuid:1234\r\n"
                   "ATTENDEE;CN=Room 1:urn:x-room:1\r\n"
                   "ATTENDEE;CN=Real:mailto:real@example.test\r\n"
                   "ATTENDEE:mailto:broken@\r\n"
                   "ATTENDEE;CN=Again:MAILTO:REAL@example.test", "UTC");
  g_assert_no_error (result.error);
  g_assert_null (result.event->organizer);
  g_assert_null (result.event->sent_by);
  g_assert_true (has_warning (&result, "The organizer “urn:uuid:1234” is not an e-mail address"));
  g_assert_true (has_warning (&result, "SENT-BY"));
  g_assert_true (has_warning (&result, "The attendee “urn:x-room:1” is not an e-mail address"));
  g_assert_true (has_warning (&result, "The attendee “mailto:broken@”"));
  g_assert_cmpuint (result.event->attendees->len, ==, 1);
  g_assert_cmpstr (attendee (&result, 0)->address, ==, "real@example.test");
  g_assert_cmpstr (attendee (&result, 0)->name, ==, "Real");
}

/* Ten thousand bad attendees give a few warnings, not ten thousand; good ones stay unique. */
static void
test_people_many (void)
{
  g_autoptr(GString) body = g_string_new ("DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z");
  g_auto(Result) result = { NULL, };

  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (body, "\r\nATTENDEE:mailto:bad%u@\r\nATTENDEE:mailto:p%u@example.test",
                            i, i % 5000);
  read_event_body (&result, body->str, "UTC");
  g_assert_no_error (result.error);
  g_assert_cmpuint (result.event->attendees->len, ==, 5000);
  g_assert_cmpuint (result.warnings->len, ==, 11);
  g_assert_true (has_warning (&result, "9990 more attendees are not e-mail addresses"));
}

/* Errors -------------------------------------------------------------------------------------- */

static void
test_error_too_large (void)
{
  gsize len = CNV_ICAL_MAX_SIZE + 1;
  g_autofree char *data = g_malloc (len);
  g_auto(Result) result = { NULL, };

  memset (data, 'A', len);
  read_len (&result, data, len, "UTC", HOUR);
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_TOO_LARGE);
}

static void
test_error_parse (void)
{
  const char *inputs[] = {
    "",
    "\r\n\r\n",
    "hello world",
    "BEGIN:VEVENT\r\nDTSTART:20261201T090000Z\r\nEND:VEVENT\r\n",
    "From: someone\r\nSubject: not a calendar\r\n\r\nBEGIN:VCALENDAR\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Alice\r\nEND:VCARD\r\n",
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_auto(Result) result = { NULL, };

      read_text (&result, inputs[i], "UTC");
      g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE);
      g_assert_true (g_str_has_prefix (result.error->message, "The calendar part cannot be read"));
    }
}

static void
test_error_binary (void)
{
  static const char binary[] = "BEGIN:VCALENDAR\r\n\0\x01\x02\xff\xfe\r\nEND:VCALENDAR\r\n";
  g_auto(Result) result = { NULL, };

  read_len (&result, binary, sizeof binary - 1, "UTC", HOUR);
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE);
}

static void
test_error_truncated (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "truncated.ics", "UTC");
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE);
  g_assert_nonnull (strstr (result.error->message, "truncated"));
}

/* Every prefix of a real calendar: never a crash, always an event or an error. */
static void
test_error_every_prefix (void)
{
  gsize len;
  g_autofree char *data = load_fixture ("outlook-w-europe.ics", &len);
  guint n_events = 0;

  for (gsize i = 0; i <= len; i++)
    {
      g_auto(Result) result = { NULL, };

      read_len (&result, data, i, "UTC", HOUR);
      if (result.event != NULL)
        n_events++;
    }
  /* Only the complete object (with or without its last line end) is an event. */
  g_assert_cmpuint (n_events, >=, 1);
  g_assert_cmpuint (n_events, <=, 3);
}

static void
test_error_no_event (void)
{
  g_auto(Result) result = { NULL, };

  read_fixture (&result, "no-event.ics", "UTC");
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_NO_EVENT);
}

/* libical frees a tree recursively: 100 000 nested components would overflow the stack. */
static void
test_error_deep_nesting (void)
{
  g_autoptr(GString) text = g_string_new ("BEGIN:VCALENDAR\r\n");
  g_auto(Result) result = { NULL, };

  for (guint i = 0; i < 100000; i++)
    g_string_append (text, "BEGIN:VEVENT\r\n");
  for (guint i = 0; i < 100000; i++)
    g_string_append (text, "END:VEVENT\r\n");
  g_string_append (text, "END:VCALENDAR\r\n");

  read_len (&result, text->str, text->len, "UTC", HOUR);
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE);
}

/* Folding cannot hide a BEGIN from the depth count: libical unfolds before it reads names. */
static void
test_error_folded_nesting (void)
{
  g_autoptr(GString) text = g_string_new ("BEGIN:VCALENDAR\r\n");
  g_auto(Result) result = { NULL, };

  for (guint i = 0; i < 1000; i++)
    g_string_append (text, "BEG\r\n IN:VEVENT\r\n");
  g_string_append (text, "END:VCALENDAR\r\n");

  read_len (&result, text->str, text->len, "UTC", HOUR);
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_PARSE);
}

/* Random damage to real calendars: errors or events, never a crash (run it under ASan). */
static void
test_hostile_mutations (void)
{
  const char *fixtures[] = {
    "thunderbird-paris.ics", "outlook-w-europe.ics", "apple-new-york.ics", "cancel.ics",
    "vcal-tz.vcs",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261201);

  for (guint f = 0; f < G_N_ELEMENTS (fixtures); f++)
    {
      gsize len;
      g_autofree char *data = load_fixture (fixtures[f], &len);

      for (guint i = 0; i < 400; i++)
        {
          g_autofree char *copy = g_memdup2 (data, len);
          gsize cut = g_rand_int_range (rand, 0, (gint32) len + 1);
          guint n = g_rand_int_range (rand, 1, 8);

          for (guint k = 0; k < n && cut > 0; k++)
            {
              static const char specials[] = ":;=\r\n \",\\0Z+-T";
              gsize at = g_rand_int_range (rand, 0, (gint32) cut);

              copy[at] = g_rand_boolean (rand) ? (char) g_rand_int_range (rand, 1, 256)
                                               : specials[g_rand_int_range (rand, 0, sizeof specials - 1)];
            }
          {
            g_auto(Result) result = { NULL, };

            read_len (&result, copy, cut, "Europe/Paris", HOUR);
          }
          {
            g_auto(Result) result = { NULL, };

            read_vcal_len (&result, copy, cut, "Europe/Paris");
          }
        }
    }
}

/* Several threads at once: no shared state (GTimeZone's cache is locked; libical's is unused). */
static gpointer
read_in_thread (gpointer data)
{
  const char *names[] = {
    "thunderbird-paris.ics", "outlook-w-europe.ics", "evolution-berlin.ics", "apple-new-york.ics",
  };
  const char *starts[] = {
    "2026-12-01T13:00:00Z", "2026-07-01T08:00:00Z", "2026-06-15T12:00:00Z", "2026-12-01T14:00:00Z",
  };

  for (guint round = 0; round < 25; round++)
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_auto(Result) result = { NULL, };

        read_fixture (&result, names[i], "UTC");
        g_assert_no_error (result.error);
        assert_time (result.event->start, starts[i]);
      }
  return NULL;
}

static void
test_threads (void)
{
  GThread *threads[8];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("reader", read_in_thread, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

/* vCalendar 1.0 ------------------------------------------------------------------------------- */

static void
test_vcal_utc (void)
{
  g_auto(Result) result = { NULL, };

  read_vcal_fixture (&result, "vcal-utc.vcs", "Europe/Paris");
  assert_times (&result, "1996-04-01T03:30:00Z", "1996-04-01T04:30:00Z");
  g_assert_cmpstr (result.event->uid, ==, "nokia-cal-1996-0401");
  g_assert_cmpstr (result.event->summary, ==, "Kickoff");
  g_assert_cmpstr (result.event->description, ==, "Bring the slides");
  g_assert_null (result.event->method);
  g_assert_false (result.event->cancelled);
  g_assert_cmpuint (result.warnings->len, ==, 0);
}

/* TZ:-05:00 with a DAYLIGHT rule, a quoted-printable ISO-8859-1 summary, ROLE=ORGANIZER. */
static void
test_vcal_tz (void)
{
  g_auto(Result) result = { NULL, };

  read_vcal_fixture (&result, "vcal-tz.vcs", "Europe/Paris");
  assert_times (&result, "2026-12-01T14:00:00Z", "2026-12-01T15:00:00Z");
  g_assert_cmpstr (result.event->summary, ==, "Réunion budgétaire de décembre");
  g_assert_nonnull (result.event->organizer);
  g_assert_cmpstr (result.event->organizer->address, ==, "irene@example.test");
  g_assert_cmpstr (result.event->organizer->name, ==, "Irene Adler");
  g_assert_cmpuint (result.event->attendees->len, ==, 1);
  g_assert_cmpstr (attendee (&result, 0)->address, ==, "john@example.test");
  g_assert_true (has_warning (&result, "The event repeats"));
  g_assert_true (has_warning (&result, "“not an address” is not an e-mail address"));
}

/* The DAYLIGHT rule's offset (-04) applies between its start and end: July is EDT. */
static void
test_vcal_daylight (void)
{
  gsize len;
  g_autofree char *data = load_fixture ("vcal-tz.vcs", &len);
  g_autoptr(GString) summer = g_string_new_len (data, len);
  g_auto(Result) result = { NULL, };

  g_string_replace (summer, "DTSTART:20261201T090000", "DTSTART:20260701T090000", 1);
  g_string_replace (summer, "DTEND:20261201T100000", "DTEND:20260701T100000", 1);
  read_vcal_len (&result, summer->str, summer->len, "UTC");
  assert_times (&result, "2026-07-01T13:00:00Z", "2026-07-01T14:00:00Z");
}

static void
test_vcal_floating (void)
{
  g_auto(Result) result = { NULL, };

  read_vcal_text (&result,
                  "BEGIN:VCALENDAR\nVERSION:1.0\nBEGIN:VEVENT\nDTSTART:20261201T140000\n"
                  "DTEND:20261201T150000\nEND:VEVENT\nEND:VCALENDAR\n", "Europe/Paris");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
}

static void
test_vcal_formats (void)
{
  {
    g_auto(Result) result = { NULL, };

    /* The extended format, and an explicit offset. */
    read_vcal_text (&result,
                    "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\n"
                    "DTSTART:2026-12-01T14:00:00+01:00\r\nDTEND:2026-12-01T14:30:00Z\r\n"
                    "END:VEVENT\r\nEND:VCALENDAR\r\n", "UTC");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:30:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    /* Dates alone: an all-day event; a DTEND on the same date is that one day. */
    read_vcal_text (&result,
                    "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\n"
                    "DTSTART:20261201\r\nDTEND:20261201\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                    "Europe/Paris");
    assert_times (&result, "2026-11-30T23:00:00Z", "2026-12-01T23:00:00Z");
    g_assert_true (result.event->all_day);
  }
  {
    g_auto(Result) result = { NULL, };

    read_vcal_text (&result,
                    "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nDTSTART:20261201T0900Z\r\n"
                    "END:VEVENT\r\nEND:VCALENDAR\r\n", "UTC");
    assert_times (&result, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z");
    g_assert_true (has_warning (&result, "default duration"));
  }
}

/* cnv_ical_read() hands a VERSION:1.0 object to the vCalendar reader, and back. */
static void
test_vcal_delegation (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_fixture (&result, "vcal-tz.vcs", "UTC");
    assert_times (&result, "2026-12-01T14:00:00Z", "2026-12-01T15:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_vcal_fixture (&result, "thunderbird-paris.ics", "UTC");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:30:00Z");
    g_assert_cmpstr (result.event->method, ==, "REQUEST");
  }
  {
    /* Each reader hands over once: an object that says both versions cannot make them loop. */
    const char *both[] = {
      "BEGIN:VCALENDAR\r\nVERSION :2.0\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\n"
      "DTSTART:20261201T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\n"
      "DTSTART:20261201T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    };

    for (guint i = 0; i < G_N_ELEMENTS (both); i++)
      {
        g_auto(Result) ical = { NULL, };
        g_auto(Result) vcal = { NULL, };

        read_text (&ical, both[i], "UTC");
        read_vcal_text (&vcal, both[i], "UTC");
      }
  }
}

static void
test_vcal_errors (void)
{
  static const struct
  {
    const char *text;
    int code;
  } cases[] = {
    { "", CNV_ICAL_ERROR_PARSE },
    { "garbage\r\n", CNV_ICAL_ERROR_PARSE },
    { "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nDTSTART:20261201T090000Z\r\n",
      CNV_ICAL_ERROR_PARSE },
    { "BEGIN:VCALENDAR\r\nVERSION:3.0\r\nEND:VCALENDAR\r\n", CNV_ICAL_ERROR_PARSE },
    { "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VTODO\r\nDUE:20261201T090000Z\r\nEND:VTODO\r\n"
      "END:VCALENDAR\r\n", CNV_ICAL_ERROR_NO_EVENT },
    { "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\n"
      "END:VCALENDAR\r\n", CNV_ICAL_ERROR_NO_START },
    { "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nDTSTART:tomorrow\r\nEND:VEVENT\r\n"
      "END:VCALENDAR\r\n", CNV_ICAL_ERROR_INVALID_TIME },
    { "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nDTSTART:20261301T090000Z\r\nEND:VEVENT\r\n"
      "END:VCALENDAR\r\n", CNV_ICAL_ERROR_INVALID_TIME },
    { "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nTZ:Europe/Paris\r\nBEGIN:VEVENT\r\n"
      "DTSTART:20261201T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", CNV_ICAL_ERROR_UNKNOWN_ZONE },
    { "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nDTSTART:20261201T090000Z\r\n"
      "DTEND:20261201T080000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", CNV_ICAL_ERROR_END_BEFORE_START },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Result) result = { NULL, };

      read_vcal_text (&result, cases[i].text, "UTC");
      if (!g_error_matches (result.error, CNV_ICAL_ERROR, cases[i].code))
        g_error ("case %u: expected code %d, got %s", i, cases[i].code,
                 result.error != NULL ? result.error->message : "an event");
    }
  {
    gsize len = CNV_ICAL_MAX_SIZE + 1;
    g_autofree char *data = g_malloc0 (len);
    g_auto(Result) result = { NULL, };

    read_vcal_len (&result, data, len, "UTC");
    g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_TOO_LARGE);
  }
}

static void
test_vcal_many_events (void)
{
  g_autoptr(GString) text = g_string_new ("BEGIN:VCALENDAR\r\nVERSION:1.0\r\n");
  g_auto(Result) result = { NULL, };

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (text, "BEGIN:VEVENT\r\nDTSTART:20261201T%02u0000Z\r\n"
                            "DTEND:20261201T%02u3000Z\r\nEND:VEVENT\r\n", 1 + i % 20, 1 + i % 20);
  g_string_append (text, "END:VCALENDAR\r\n");
  read_vcal_len (&result, text->str, text->len, "UTC");
  assert_times (&result, "2026-12-01T01:00:00Z", "2026-12-01T01:30:00Z");
  g_assert_true (has_warning (&result, "The calendar holds 5000 events; only the first is used."));
}

/* The fuzz crasher tests/fuzz/crashers/ical/blank-uid-bare-cr.ics: lone CRs end lines, and a UID
 * of white space is no UID. Both readers agree, and the writer refuses the event (RFC 5545 §3.6.1
 * wants a UID) instead of writing one that reads back otherwise. */
static void
test_vcal_blank_uid_lone_cr (void)
{
  static const char text[] = "BEGIN:VCALENDAR\rVERSION:1.0\nBEGIN:VEVENT\rUID: \n"
                             "DTSTART:20261203T1100\nEND:VEVENT\r\nEND:VCALENDAR\n";

  for (guint i = 0; i < 2; i++)
    {
      g_auto(Result) result = { NULL, };
      g_autoptr(GError) error = NULL;
      g_autofree char *written = NULL;

      if (i == 0)
        read_text (&result, text, "Europe/Paris");
      else
        read_vcal_text (&result, text, "Europe/Paris");
      g_assert_no_error (result.error);
      g_assert_null (result.event->uid);
      assert_times (&result, "2026-12-03T10:00:00Z", "2026-12-03T11:00:00Z");

      written = cnv_ical_write (result.event, &error);
      g_assert_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_NO_EVENT);
      g_assert_null (written);
    }
}

/* Windows zones ------------------------------------------------------------------------------- */

/* Every entry of the table in cnv-windows-zones.c: its IANA zone exists on this system, the
 * table is sorted for bsearch() and each name is found. */
static void
test_windows_zones_table (void)
{
  g_autofree char *path = g_build_filename (CNV_TEST_DATA_DIR, "..", "..", "src", "engine",
                                            "cnv-windows-zones.c", NULL);
  g_autofree char *source = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *previous = NULL;
  const char *table;
  guint n = 0;

  g_file_get_contents (path, &source, NULL, &error);
  g_assert_no_error (error);
  table = strstr (source, "windows_zones[] = {");
  g_assert_nonnull (table);
  *strstr (table, "};") = '\0';

  regex = g_regex_new ("\\{ \"([^\"]+)\",\\s+\"([^\"]+)\" \\}", 0, 0, &error);
  g_assert_no_error (error);
  g_regex_match (regex, table, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *windows = g_match_info_fetch (match, 1);
      g_autofree char *iana = g_match_info_fetch (match, 2);
      g_autoptr(GTimeZone) zone = g_time_zone_new_identifier (iana);
      g_autofree char *upper = g_ascii_strup (windows, -1);

      if (zone == NULL)
        g_error ("%s → %s: no such zone on this system", windows, iana);
      if (previous != NULL && g_ascii_strcasecmp (previous, windows) >= 0)
        g_error ("the table is not sorted at %s", windows);
      g_assert_cmpstr (cnv_windows_zone_to_iana (windows), ==, iana);
      g_assert_cmpstr (cnv_windows_zone_to_iana (upper), ==, iana);
      g_clear_pointer (&previous, g_free);
      previous = g_steal_pointer (&windows);
      n++;
      g_match_info_next (match, NULL);
    }
  /* CLDR's territory 001 has about 140 names. */
  g_assert_cmpuint (n, >=, 135);
}

static void
test_windows_zones_lookup (void)
{
  static const struct
  {
    const char *windows;
    const char *iana;
  } cases[] = {
    { "W. Europe Standard Time", "Europe/Berlin" },
    { "Romance Standard Time", "Europe/Paris" },
    { "Pacific Standard Time", "America/Los_Angeles" },
    { "GMT Standard Time", "Europe/London" },
    { "Eastern Standard Time", "America/New_York" },
    { "China Standard Time", "Asia/Shanghai" },
    { "Tokyo Standard Time", "Asia/Tokyo" },
    { "India Standard Time", "Asia/Kolkata" },
    { "AUS Eastern Standard Time", "Australia/Sydney" },
    { "UTC", "Etc/UTC" },
    { "utc+12", "Etc/GMT-12" },
    { "pacific standard time (mexico)", "America/Tijuana" },
    { "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", "Europe/Paris" },
    { "(GMT+01.00) Amsterdam / Berlin / Bern / Rome / Stockholm / Vienna", "Europe/Berlin" },
    { "(UTC-05:00) Eastern Time (US & Canada)", "America/New_York" },
    { "(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius", "Europe/Kyiv" },
    { "Nowhere Standard Time", NULL },
    { "Europe/Paris", NULL },
    { "", NULL },
    { "(UTC+01:00) Atlantis", NULL },
    { "(UTC", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (cnv_windows_zone_to_iana (cases[i].windows), ==, cases[i].iana);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/ical/fixture/thunderbird", test_fixture_thunderbird);
  g_test_add_func ("/engine/ical/fixture/outlook/vtimezone", test_fixture_outlook_vtimezone);
  g_test_add_func ("/engine/ical/fixture/outlook/no-vtimezone", test_fixture_outlook_no_vtimezone);
  g_test_add_func ("/engine/ical/fixture/outlook/standard-only", test_fixture_outlook_standard_only);
  g_test_add_func ("/engine/ical/fixture/outlook/display-name", test_fixture_outlook_display_name);
  g_test_add_func ("/engine/ical/fixture/gmail", test_fixture_gmail);
  g_test_add_func ("/engine/ical/fixture/apple", test_fixture_apple);
  g_test_add_func ("/engine/ical/fixture/evolution", test_fixture_evolution);
  g_test_add_func ("/engine/ical/fixture/evolution/no-vtimezone", test_fixture_evolution_no_vtimezone);
  g_test_add_func ("/engine/ical/fixture/cancel", test_fixture_cancel);
  g_test_add_func ("/engine/ical/fixture/line-ends", test_fixture_line_ends);

  g_test_add_func ("/engine/ical/dtstart/utc", test_dtstart_utc);
  g_test_add_func ("/engine/ical/dtstart/floating", test_dtstart_floating);
  g_test_add_func ("/engine/ical/dtstart/floating/x-wr-timezone", test_dtstart_floating_ignores_x_wr_timezone);
  g_test_add_func ("/engine/ical/dtstart/tzid/iana", test_dtstart_tzid_iana);
  g_test_add_func ("/engine/ical/dtstart/tzid/prefixes", test_dtstart_tzid_prefixes);
  g_test_add_func ("/engine/ical/dtstart/tzid/vtimezone-wins", test_dtstart_tzid_vtimezone_wins);
  g_test_add_func ("/engine/ical/dtstart/tzid/custom-vtimezone", test_dtstart_tzid_custom_vtimezone);
  g_test_add_func ("/engine/ical/dtstart/tzid/quoted", test_dtstart_tzid_quoted);
  g_test_add_func ("/engine/ical/dtstart/tzid/unknown", test_dtstart_tzid_unknown);
  g_test_add_func ("/engine/ical/dtstart/tzid/paths", test_dtstart_tzid_paths);
  g_test_add_func ("/engine/ical/dtstart/tzid/hostile-vtimezone", test_dtstart_tzid_hostile_vtimezone);
  g_test_add_func ("/engine/ical/dtstart/tzid/expensive-vtimezone", test_dtstart_tzid_expensive_vtimezone);
  g_test_add_func ("/engine/ical/dtstart/missing", test_dtstart_missing);
  g_test_add_func ("/engine/ical/dtstart/invalid", test_dtstart_invalid);
  g_test_add_func ("/engine/ical/dtstart/year-bounds", test_dtstart_year_bounds);

  g_test_add_func ("/engine/ical/dst/gap", test_dst_gap);
  g_test_add_func ("/engine/ical/dst/ambiguous", test_dst_ambiguous);
  g_test_add_func ("/engine/ical/dst/rfc-examples", test_dst_rfc_examples);

  g_test_add_func ("/engine/ical/all-day", test_all_day);
  g_test_add_func ("/engine/ical/all-day/no-end", test_all_day_no_end);
  g_test_add_func ("/engine/ical/all-day/tzid", test_all_day_ignores_tzid);
  g_test_add_func ("/engine/ical/all-day/mixed", test_all_day_mixed);

  g_test_add_func ("/engine/ical/duration", test_duration);
  g_test_add_func ("/engine/ical/duration/nominal-day", test_duration_nominal_day);
  g_test_add_func ("/engine/ical/duration/negative", test_duration_negative);
  g_test_add_func ("/engine/ical/duration/zero", test_duration_zero);
  g_test_add_func ("/engine/ical/duration/invalid", test_duration_invalid);
  g_test_add_func ("/engine/ical/end/and-duration", test_end_and_duration);
  g_test_add_func ("/engine/ical/end/default", test_end_default);
  g_test_add_func ("/engine/ical/end/none", test_end_none);
  g_test_add_func ("/engine/ical/end/other-zone", test_end_other_zone);
  g_test_add_func ("/engine/ical/end/before-start", test_end_before_start);
  g_test_add_func ("/engine/ical/end/invalid", test_end_invalid);

  g_test_add_func ("/engine/ical/events/rrule", test_rrule);
  g_test_add_func ("/engine/ical/events/rdate", test_rdate);
  g_test_add_func ("/engine/ical/events/overrides", test_overrides);
  g_test_add_func ("/engine/ical/events/many", test_many_events);
  g_test_add_func ("/engine/ical/events/several-calendars", test_several_calendars);

  g_test_add_func ("/engine/ical/text/controls", test_text_controls);
  g_test_add_func ("/engine/ical/people/invalid", test_people_invalid);
  g_test_add_func ("/engine/ical/people/many", test_people_many);

  g_test_add_func ("/engine/ical/error/too-large", test_error_too_large);
  g_test_add_func ("/engine/ical/error/parse", test_error_parse);
  g_test_add_func ("/engine/ical/error/binary", test_error_binary);
  g_test_add_func ("/engine/ical/error/truncated", test_error_truncated);
  g_test_add_func ("/engine/ical/error/every-prefix", test_error_every_prefix);
  g_test_add_func ("/engine/ical/error/no-event", test_error_no_event);
  g_test_add_func ("/engine/ical/error/deep-nesting", test_error_deep_nesting);
  g_test_add_func ("/engine/ical/error/folded-nesting", test_error_folded_nesting);
  g_test_add_func ("/engine/ical/hostile/mutations", test_hostile_mutations);
  g_test_add_func ("/engine/ical/threads", test_threads);

  g_test_add_func ("/engine/ical/vcalendar/utc", test_vcal_utc);
  g_test_add_func ("/engine/ical/vcalendar/tz", test_vcal_tz);
  g_test_add_func ("/engine/ical/vcalendar/daylight", test_vcal_daylight);
  g_test_add_func ("/engine/ical/vcalendar/floating", test_vcal_floating);
  g_test_add_func ("/engine/ical/vcalendar/formats", test_vcal_formats);
  g_test_add_func ("/engine/ical/vcalendar/delegation", test_vcal_delegation);
  g_test_add_func ("/engine/ical/vcalendar/errors", test_vcal_errors);
  g_test_add_func ("/engine/ical/vcalendar/many-events", test_vcal_many_events);
  g_test_add_func ("/engine/ical/vcalendar/blank-uid-lone-cr", test_vcal_blank_uid_lone_cr);

  g_test_add_func ("/engine/ical/windows-zones/table", test_windows_zones_table);
  g_test_add_func ("/engine/ical/windows-zones/lookup", test_windows_zones_lookup);

  return g_test_run ();
}
