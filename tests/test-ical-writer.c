/* test-ical-writer.c — cnv_ical_write(): what calendars receive from Convene
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"

#define LINK "https://join.example.test/s/q7Hk2_x-9?t=Zm9vYmFyYmF6cXV4MTIzNDU2"

static CnvEvent *
make_event (void)
{
  CnvEvent *event = cnv_event_new ();

  event->method = g_strdup ("REQUEST");
  event->uid = g_strdup ("20261201-weekly@example.test");
  event->sequence = 3;
  event->summary = g_strdup ("Weekly sync");
  event->description = g_strdup ("A collaboration session has been created, click on the "
                                 "following link to join it: " LINK);
  event->start = g_date_time_new_utc (2026, 12, 1, 13, 0, 0);
  event->end = g_date_time_new_utc (2026, 12, 1, 14, 30, 0);
  event->stamp = g_date_time_new_utc (2026, 11, 20, 9, 15, 0);
  event->organizer = cnv_address_new ("Alice Example", "alice@example.test", NULL);
  event->sent_by = g_strdup ("videoconference@convene.example.test");
  g_ptr_array_add (event->attendees, cnv_address_new ("Alice Example", "alice@example.test", NULL));
  g_ptr_array_add (event->attendees, cnv_address_new ("Bob Builder", "bob@example.test", NULL));
  g_ptr_array_add (event->attendees, cnv_address_new (NULL, "carol@example.test", NULL));
  event->url = g_strdup (LINK);
  event->location = g_strdup (LINK);
  event->conference = g_strdup (LINK);

  return event;
}

/* RFC 5545 §3.1: undo the folding, so that properties can be looked up whole. */
static char *
unfold (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t'))
        {
          p += 2;
          continue;
        }
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* TRUE when the unfolded calendar has a line that is exactly @line. */
static gboolean
has_line (const char *unfolded,
          const char *line)
{
  g_autofree char *needle = g_strconcat ("\r\n", line, "\r\n", NULL);
  g_autofree char *haystack = g_strconcat ("\r\n", unfolded, NULL);

  return strstr (haystack, needle) != NULL;
}

static char *
find_line (const char *unfolded,
           const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (unfolded, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i]);
  return NULL;
}

static void
assert_well_formed (const char *text)
{
  const char *line = text;

  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_true (g_str_has_suffix (text, "END:VCALENDAR\r\n"));

  /* RFC 5545 §3.1: CRLF line ends, lines of at most 75 octets, folds not inside a character. */
  while (*line != '\0')
    {
      const char *end = strstr (line, "\r\n");

      g_assert_nonnull (end);
      g_assert_cmpint (end - line, <=, 75);
      g_assert_true (g_utf8_validate (line, end - line, NULL));
      for (const char *p = line; p < end; p++)
        g_assert_true (*p != '\r' && *p != '\n');
      line = end + 2;
    }
}

static char *
write_event (const CnvEvent *event)
{
  g_autoptr(GError) error = NULL;
  char *text = cnv_ical_write (event, &error);

  g_assert_no_error (error);
  g_assert_nonnull (text);
  assert_well_formed (text);
  return text;
}

static CnvEvent *
read_back (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  CnvEvent *event = cnv_ical_read (text, strlen (text), utc, 0, warnings, &error);

  g_assert_no_error (error);
  g_assert_nonnull (event);
  return event;
}

static void
assert_same_time (GDateTime *a,
                  GDateTime *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (g_date_time_to_unix (a), ==, g_date_time_to_unix (b));
}

static void
test_utc (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autofree char *text = write_event (event);
  g_autofree char *unfolded = unfold (text);
  g_autofree char *organizer = NULL;
  g_autofree char *conference = NULL;

  g_assert_true (g_str_has_prefix (text, "BEGIN:VCALENDAR\r\n"));
  g_assert_true (has_line (unfolded, "PRODID:-//Convene//Convene 0.1//EN"));
  g_assert_true (has_line (unfolded, "VERSION:2.0"));
  g_assert_true (has_line (unfolded, "CALSCALE:GREGORIAN"));
  g_assert_true (has_line (unfolded, "METHOD:REQUEST"));
  g_assert_true (has_line (unfolded, "BEGIN:VEVENT"));
  g_assert_true (has_line (unfolded, "UID:20261201-weekly@example.test"));
  g_assert_true (has_line (unfolded, "SEQUENCE:3"));
  g_assert_true (has_line (unfolded, "DTSTAMP:20261120T091500Z"));
  g_assert_true (has_line (unfolded, "DTSTART:20261201T130000Z"));
  g_assert_true (has_line (unfolded, "DTEND:20261201T143000Z"));
  g_assert_true (has_line (unfolded, "SUMMARY:Weekly sync"));
  g_assert_true (has_line (unfolded, "DESCRIPTION:A collaboration session has been created\\, click on "
                                     "the following link to join it: " LINK));
  g_assert_true (has_line (unfolded, "STATUS:CONFIRMED"));
  g_assert_true (has_line (unfolded, "URL:" LINK));
  g_assert_true (has_line (unfolded, "LOCATION:" LINK));
  g_assert_null (strstr (unfolded, "BEGIN:VTIMEZONE"));
  g_assert_null (strstr (unfolded, "TZID"));

  /* RFC 5545 §3.2.18: SENT-BY is a quoted mailto URI. */
  organizer = find_line (unfolded, "ORGANIZER");
  g_assert_cmpstr (organizer, ==, "ORGANIZER;CN=Alice Example;"
                                  "SENT-BY=\"mailto:videoconference@convene.example.test\":"
                                  "mailto:alice@example.test");

  g_assert_true (has_line (unfolded, "ATTENDEE;CN=Bob Builder;ROLE=REQ-PARTICIPANT;"
                                     "PARTSTAT=NEEDS-ACTION;RSVP=FALSE;CUTYPE=INDIVIDUAL:"
                                     "mailto:bob@example.test"));
  g_assert_true (has_line (unfolded, "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
                                     "RSVP=FALSE;CUTYPE=INDIVIDUAL:mailto:carol@example.test"));

  /* RFC 7986 §5.11 */
  conference = find_line (unfolded, "CONFERENCE");
  g_assert_nonnull (conference);
  g_assert_true (g_str_has_prefix (conference, "CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL="));
  g_assert_true (g_str_has_suffix (conference, ":" LINK));
}

static void
test_round_trip (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autofree char *text = write_event (event);
  g_autoptr(CnvEvent) read = read_back (text);

  g_assert_cmpstr (read->method, ==, "REQUEST");
  g_assert_cmpstr (read->uid, ==, event->uid);
  g_assert_cmpint (read->sequence, ==, 3);
  g_assert_cmpstr (read->summary, ==, event->summary);
  g_assert_cmpstr (read->description, ==, event->description);
  assert_same_time (read->start, event->start);
  assert_same_time (read->end, event->end);
  assert_same_time (read->stamp, event->stamp);
  g_assert_false (read->all_day);
  g_assert_false (read->cancelled);
  g_assert_nonnull (read->organizer);
  g_assert_cmpstr (read->organizer->address, ==, "alice@example.test");
  g_assert_cmpstr (read->organizer->name, ==, "Alice Example");
  g_assert_cmpstr (read->sent_by, ==, "videoconference@convene.example.test");
  g_assert_cmpuint (read->attendees->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      const CnvAddress *want = g_ptr_array_index (event->attendees, i);
      const CnvAddress *got = g_ptr_array_index (read->attendees, i);

      g_assert_cmpstr (got->address, ==, want->address);
      g_assert_cmpstr (got->name, ==, want->name);
    }
  g_assert_cmpstr (read->url, ==, LINK);
  g_assert_cmpstr (read->location, ==, LINK);
  g_assert_cmpstr (read->conference, ==, LINK);
}

static void
test_cancel (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autofree char *text = NULL;
  g_autofree char *unfolded = NULL;
  g_autoptr(CnvEvent) read = NULL;

  g_free (event->method);
  event->method = g_strdup ("CANCEL");
  event->cancelled = TRUE;
  event->sequence = 4;

  text = write_event (event);
  unfolded = unfold (text);
  g_assert_true (has_line (unfolded, "METHOD:CANCEL"));
  g_assert_true (has_line (unfolded, "STATUS:CANCELLED"));
  g_assert_true (has_line (unfolded, "SEQUENCE:4"));
  g_assert_true (has_line (unfolded, "UID:20261201-weekly@example.test"));

  read = read_back (text);
  g_assert_cmpstr (read->method, ==, "CANCEL");
  g_assert_true (read->cancelled);
  g_assert_cmpint (read->sequence, ==, 4);
}

static void
test_no_method (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autofree char *text = NULL;
  g_autoptr(GDateTime) before = g_date_time_new_now_utc ();
  g_autoptr(CnvEvent) read = NULL;

  g_clear_pointer (&event->method, g_free);
  g_clear_pointer (&event->stamp, g_date_time_unref);
  g_clear_pointer (&event->organizer, cnv_address_free);
  g_ptr_array_set_size (event->attendees, 0);

  text = write_event (event);
  g_assert_null (strstr (text, "METHOD"));
  g_assert_null (strstr (text, "ORGANIZER"));
  g_assert_null (strstr (text, "ATTENDEE"));
  g_assert_nonnull (strstr (text, "\r\nDTSTAMP:"));

  /* DTSTAMP is now when the event has none. */
  read = read_back (text);
  g_assert_nonnull (read->stamp);
  g_assert_cmpint (g_date_time_to_unix (read->stamp), >=, g_date_time_to_unix (before) - 1);
  g_assert_cmpint (g_date_time_to_unix (read->stamp), <=, g_date_time_to_unix (before) + 60);
}

static void
test_tzid (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autofree char *text = NULL;
  g_autofree char *unfolded = NULL;
  g_autoptr(CnvEvent) read = NULL;

  event->tzid = g_strdup ("Europe/Paris");
  text = write_event (event);
  unfolded = unfold (text);

  /* 13:00 UTC is 14:00 in Paris in December (CET, +01:00). */
  g_assert_true (has_line (unfolded, "DTSTART;TZID=Europe/Paris:20261201T140000"));
  g_assert_true (has_line (unfolded, "DTEND;TZID=Europe/Paris:20261201T153000"));
  g_assert_true (has_line (unfolded, "BEGIN:VTIMEZONE"));
  g_assert_true (has_line (unfolded, "TZID:Europe/Paris"));
  g_assert_true (has_line (unfolded, "END:VTIMEZONE"));
  /* DTSTAMP stays in UTC (RFC 5545 §3.8.7.2). */
  g_assert_true (has_line (unfolded, "DTSTAMP:20261120T091500Z"));
  /* The VTIMEZONE comes before the VEVENT that uses it. */
  g_assert_true (strstr (unfolded, "BEGIN:VTIMEZONE") < strstr (unfolded, "BEGIN:VEVENT"));

  read = read_back (text);
  assert_same_time (read->start, event->start);
  assert_same_time (read->end, event->end);
}

static void
test_tzid_summer (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autofree char *text = NULL;
  g_autofree char *unfolded = NULL;
  g_autoptr(CnvEvent) read = NULL;

  g_date_time_unref (event->start);
  g_date_time_unref (event->end);
  event->start = g_date_time_new_utc (2026, 7, 1, 7, 0, 0);
  event->end = g_date_time_new_utc (2026, 7, 1, 8, 0, 0);
  event->tzid = g_strdup ("America/New_York");
  text = write_event (event);
  unfolded = unfold (text);

  /* EDT, -04:00 */
  g_assert_true (has_line (unfolded, "DTSTART;TZID=America/New_York:20260701T030000"));
  g_assert_true (has_line (unfolded, "DTEND;TZID=America/New_York:20260701T040000"));
  g_assert_true (has_line (unfolded, "TZID:America/New_York"));

  read = read_back (text);
  assert_same_time (read->start, event->start);
  assert_same_time (read->end, event->end);
}

static void
test_tzid_utc (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autofree char *text = NULL;

  event->tzid = g_strdup ("UTC");
  text = write_event (event);
  g_assert_nonnull (strstr (text, "\r\nDTSTART:20261201T130000Z\r\n"));
  g_assert_null (strstr (text, "VTIMEZONE"));
}

static void
test_tzid_unknown (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  event->tzid = g_strdup ("Mars/Olympus_Mons");
  text = cnv_ical_write (event, &error);
  g_assert_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE);
  g_assert_null (text);
}

static void
test_all_day (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autofree char *text = NULL;
  g_autofree char *unfolded = NULL;
  g_autoptr(CnvEvent) read = NULL;
  g_autoptr(GDateTime) start = g_date_time_new_utc (2026, 12, 1, 0, 0, 0);
  g_autoptr(GDateTime) end = g_date_time_new_utc (2026, 12, 3, 0, 0, 0);

  g_date_time_unref (event->start);
  g_date_time_unref (event->end);
  event->start = g_date_time_ref (start);
  event->end = g_date_time_ref (end);
  event->all_day = TRUE;

  text = write_event (event);
  unfolded = unfold (text);
  /* RFC 5545 §3.6.1: DTEND of an all-day event is the day after the last one. */
  g_assert_true (has_line (unfolded, "DTSTART;VALUE=DATE:20261201"));
  g_assert_true (has_line (unfolded, "DTEND;VALUE=DATE:20261203"));

  read = read_back (text);
  g_assert_true (read->all_day);
  assert_same_time (read->start, start);
  assert_same_time (read->end, end);
}

static void
test_all_day_in_zone (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autofree char *text = NULL;
  g_autofree char *unfolded = NULL;
  g_autoptr(GTimeZone) tokyo = g_time_zone_new_identifier ("Asia/Tokyo");
  g_autoptr(GDateTime) local_start = NULL;
  g_autoptr(GDateTime) local_end = NULL;

  g_assert_nonnull (tokyo);
  local_start = g_date_time_new (tokyo, 2026, 12, 1, 0, 0, 0);
  local_end = g_date_time_new (tokyo, 2026, 12, 2, 0, 0, 0);
  g_date_time_unref (event->start);
  g_date_time_unref (event->end);
  /* Midnight in Tokyo is the day before in UTC: the date is taken in the event's zone. */
  event->start = g_date_time_to_utc (local_start);
  event->end = g_date_time_to_utc (local_end);
  event->all_day = TRUE;
  event->tzid = g_strdup ("Asia/Tokyo");

  text = write_event (event);
  unfolded = unfold (text);
  g_assert_true (has_line (unfolded, "DTSTART;VALUE=DATE:20261201"));
  g_assert_true (has_line (unfolded, "DTEND;VALUE=DATE:20261202"));
  g_assert_null (strstr (unfolded, "VTIMEZONE"));
  g_assert_null (strstr (unfolded, "TZID"));
}

static void
test_sanitize (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autofree char *text = NULL;
  g_autofree char *unfolded = NULL;
  g_autofree char *organizer = NULL;
  g_autoptr(CnvEvent) read = NULL;
  g_auto(GStrv) lines = NULL;

  g_free (event->summary);
  event->summary = g_strdup ("Budget; Q1, \"final\"\r\nBEGIN:VALARM\x01\x7f");
  g_clear_pointer (&event->organizer, cnv_address_free);
  event->organizer = g_new0 (CnvAddress, 1);
  event->organizer->name = g_strdup ("Eve \"the\" Admin\r\nATTENDEE:mailto:evil@x.test");
  event->organizer->address = g_strdup ("eve@example.test");
  g_ptr_array_add (event->attendees, cnv_address_new ("Dan: \"D\"; Smith, Jr.", "dan@example.test", NULL));

  text = write_event (event);
  unfolded = unfold (text);

  /* No line was injected: every line is a property of ours, none is BEGIN:VALARM. */
  g_assert_false (has_line (unfolded, "BEGIN:VALARM"));
  g_assert_null (strstr (unfolded, "\r\nATTENDEE:mailto:evil"));
  g_assert_null (strstr (unfolded, "\x01"));
  g_assert_null (strstr (unfolded, "\x7f"));
  g_assert_true (has_line (unfolded, "SUMMARY:Budget\\; Q1\\, \"final\"\\nBEGIN:VALARM"));

  /* RFC 5545 §3.1: no DQUOTE inside a parameter value; specials make libical quote it. */
  organizer = find_line (unfolded, "ORGANIZER");
  g_assert_true (g_str_has_prefix (organizer, "ORGANIZER;CN=\"Eve the Admin ATTENDEE:mailto:evil@x.test\";"));
  g_assert_true (has_line (unfolded, "ATTENDEE;CN=\"Dan: D; Smith, Jr.\";ROLE=REQ-PARTICIPANT;"
                                     "PARTSTAT=NEEDS-ACTION;RSVP=FALSE;CUTYPE=INDIVIDUAL:"
                                     "mailto:dan@example.test"));

  lines = g_strsplit (unfolded, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_false (g_str_has_prefix (lines[i], "ATTENDEE:"));

  read = read_back (text);
  g_assert_cmpstr (read->summary, ==, "Budget; Q1, \"final\"\nBEGIN:VALARM");
  g_assert_cmpstr (read->organizer->address, ==, "eve@example.test");
  g_assert_cmpuint (read->attendees->len, ==, 4);
}

static void
test_long_text (void)
{
  g_autoptr(CnvEvent) event = make_event ();
  g_autofree char *text = NULL;
  g_autoptr(CnvEvent) read = NULL;
  GString *summary = g_string_new (NULL);

  /* Multi-byte characters across the 75-octet folds. */
  for (guint i = 0; i < 60; i++)
    g_string_append (summary, "Réunion d’équipe — 会議 ");
  g_strstrip (summary->str);
  g_free (event->summary);
  event->summary = g_string_free (summary, FALSE);

  text = write_event (event);
  read = read_back (text);
  g_assert_cmpstr (read->summary, ==, event->summary);
}

static void
test_errors (void)
{
  struct {
    const char *what;
    int code;
  } cases[] = {
    { "uid", CNV_ICAL_ERROR_NO_EVENT },
    { "start", CNV_ICAL_ERROR_NO_START },
    { "end", CNV_ICAL_ERROR_INVALID_TIME },
    { "order", CNV_ICAL_ERROR_END_BEFORE_START },
    { "empty", CNV_ICAL_ERROR_END_BEFORE_START },
    { "method", CNV_ICAL_ERROR_PARSE },
    { "url", CNV_ICAL_ERROR_PARSE },
    { "conference", CNV_ICAL_ERROR_PARSE },
    { "attendee", CNV_ICAL_ERROR_PARSE },
    { "sent-by", CNV_ICAL_ERROR_PARSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CnvEvent) event = make_event ();
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;

      if (g_str_equal (cases[i].what, "uid"))
        g_clear_pointer (&event->uid, g_free);
      else if (g_str_equal (cases[i].what, "start"))
        g_clear_pointer (&event->start, g_date_time_unref);
      else if (g_str_equal (cases[i].what, "end"))
        g_clear_pointer (&event->end, g_date_time_unref);
      else if (g_str_equal (cases[i].what, "order"))
        {
          GDateTime *swap = event->start;

          event->start = event->end;
          event->end = swap;
        }
      else if (g_str_equal (cases[i].what, "empty"))
        {
          g_date_time_unref (event->end);
          event->end = g_date_time_ref (event->start);
        }
      else if (g_str_equal (cases[i].what, "method"))
        {
          g_free (event->method);
          event->method = g_strdup ("REQUEST\r\nX-EVIL:1");
        }
      else if (g_str_equal (cases[i].what, "url"))
        {
          g_free (event->url);
          event->url = g_strdup ("https://join.example.test/s/x\r\nATTENDEE:mailto:evil@x.test");
        }
      else if (g_str_equal (cases[i].what, "conference"))
        {
          g_free (event->conference);
          event->conference = g_strdup ("not a uri");
        }
      else if (g_str_equal (cases[i].what, "attendee"))
        {
          /* A raw struct: cnv_address_new() would have refused this address. */
          CnvAddress *attendee = g_new0 (CnvAddress, 1);

          attendee->address = g_strdup ("eve@example.test\r\nATTENDEE:mailto:evil@x.test");
          g_ptr_array_add (event->attendees, attendee);
        }
      else if (g_str_equal (cases[i].what, "sent-by"))
        {
          g_free (event->sent_by);
          event->sent_by = g_strdup ("manager@example.test\":mailto:evil@x.test");
        }

      text = cnv_ical_write (event, &error);
      g_test_message ("%s: %s", cases[i].what, error != NULL ? error->message : "(no error)");
      g_assert_error (error, CNV_ICAL_ERROR, cases[i].code);
      g_assert_null (text);
    }
}

/* An event of @minutes minutes from @start, in @tzid (%NULL: UTC). */
static CnvEvent *
make_timed_event (GDateTime  *start,
                  int         minutes,
                  const char *tzid)
{
  CnvEvent *event = make_event ();

  g_date_time_unref (event->start);
  g_date_time_unref (event->end);
  event->start = g_date_time_ref (start);
  event->end = g_date_time_add_minutes (start, minutes);
  event->tzid = g_strdup (tzid);
  return event;
}

/* cnv_ical_read (cnv_ical_write (@event)) has @event's start and end, read as the manager reads
 * (floating times and dates in @floating_zone). Returns the written text. */
static char *
assert_round_trip (const CnvEvent *event,
                   GTimeZone      *floating_zone)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvEvent) read = NULL;
  char *text = write_event (event);

  read = cnv_ical_read (text, strlen (text), floating_zone, 0, NULL, &error);
  g_assert_no_error (error);
  if (g_date_time_compare (read->start, event->start) != 0 ||
      g_date_time_compare (read->end, event->end) != 0)
    {
      g_autofree char *start = g_date_time_format_iso8601 (event->start);
      g_autofree char *end = g_date_time_format_iso8601 (event->end);
      g_autofree char *start_again = g_date_time_format_iso8601 (read->start);
      g_autofree char *end_again = g_date_time_format_iso8601 (read->end);

      g_error ("%s: start %s read back as %s, end %s as %s\n%s", event->tzid ? event->tzid : "UTC",
               start, start_again, end, end_again, text);
    }
  return text;
}

static void
test_far_future (void)
{
  g_autoptr(GDateTime) start = g_date_time_new_utc (4026, 12, 2, 15, 0, 0);
  g_autoptr(GDateTime) last = g_date_time_new_utc (9999, 12, 31, 23, 0, 0);
  g_autoptr(CnvEvent) event = make_timed_event (start, 45, NULL);
  g_autoptr(CnvEvent) last_event = make_timed_event (last, 59, NULL);
  g_autofree char *text = NULL;
  g_autofree char *unfolded = NULL;
  g_autofree char *last_text = NULL;

  /* libical 3.0 wrote any time after 3000 as 00000000T000000, which no one reads. */
  text = assert_round_trip (event, NULL);
  unfolded = unfold (text);
  g_assert_true (has_line (unfolded, "DTSTART:40261202T150000Z"));
  g_assert_true (has_line (unfolded, "DTEND:40261202T154500Z"));
  g_assert_null (strstr (unfolded, "00000000"));

  last_text = assert_round_trip (last_event, NULL);
  g_assert_nonnull (strstr (last_text, "\r\nDTEND:99991231T235900Z\r\n"));

  /* DTSTAMP too. */
  g_date_time_unref (event->stamp);
  event->stamp = g_date_time_ref (start);
  g_clear_pointer (&text, g_free);
  text = write_event (event);
  g_assert_nonnull (strstr (text, "\r\nDTSTAMP:40261202T150000Z\r\n"));
}

static void
test_far_future_in_zone (void)
{
  g_autoptr(GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
  g_autoptr(GDateTime) local = g_date_time_new (berlin, 5242, 4, 6, 10, 0, 0);
  g_autoptr(GDateTime) start = g_date_time_to_utc (local);
  g_autoptr(CnvEvent) event = make_timed_event (start, 60, "Europe/Berlin");
  g_autofree char *text = NULL;
  g_autofree char *dtstart = g_date_time_format (start, "\r\nDTSTART:%Y%m%dT%H%M%SZ\r\n");

  /* Past 2099 the zone's rules are guesses, and libical's stop in 2582: UTC. */
  text = assert_round_trip (event, NULL);
  g_assert_nonnull (strstr (text, dtstart));
  g_assert_null (strstr (text, "TZID"));
  g_assert_null (strstr (text, "VTIMEZONE"));
}

/* The fuzz crashers tests/fuzz/crashers/ical/…-written-as-zero.ics: read, written, read again. */
static void
test_far_future_read_write (void)
{
  static const char * const inputs[] = {
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
    "DTSTART:20261202T150000Z\r\nDTEND:40261202T154500Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:far-future@example.test\r\n"
    "DTSTART;TZID=Europe/Berlin:52420406T100000\r\nDTEND;TZID=Europe/Berlin:52420406T110000\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n",
  };
  g_autoptr(GTimeZone) paris = g_time_zone_new_identifier ("Europe/Paris");

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvEvent) event = NULL;
      g_autofree char *text = NULL;

      event = cnv_ical_read (inputs[i], strlen (inputs[i]), paris, G_TIME_SPAN_HOUR, NULL, &error);
      g_assert_no_error (error);
      text = assert_round_trip (event, paris);
    }
}

static void
test_out_of_range (void)
{
  g_autoptr(GDateTime) before = g_date_time_new_utc (1969, 12, 31, 23, 0, 0);
  g_autoptr(GDateTime) last_day = g_date_time_new_utc (9999, 12, 31, 0, 0, 0);
  g_autoptr(CnvEvent) early = make_timed_event (before, 30, NULL);
  g_autoptr(CnvEvent) all_day = make_timed_event (last_day, 12 * 60, NULL);
  g_autoptr(CnvEvent) paris = make_timed_event (before, 90, "Europe/Paris");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *paris_text = NULL;

  /* cnv_ical_read() reads the years 1970 to 9999: the writer refuses what it would not read. */
  text = cnv_ical_write (early, &error);
  g_assert_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME);
  g_assert_null (text);
  g_clear_error (&error);

  /* An all-day event that ends in the middle of 9999-12-31 would end on 10000-01-01. */
  all_day->all_day = TRUE;
  text = cnv_ical_write (all_day, &error);
  g_assert_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME);
  g_assert_null (text);

  /* 1969-12-31 23:00 UTC is 1970-01-01 00:00 in Paris, which is read back exactly. */
  paris_text = assert_round_trip (paris, NULL);
  g_assert_nonnull (strstr (paris_text, "\r\nDTSTART;TZID=Europe/Paris:19700101T000000\r\n"));
}

static void
test_tzid_after_2099 (void)
{
  g_autoptr(GDateTime) last = g_date_time_new_utc (2099, 7, 1, 10, 0, 0);
  g_autoptr(GDateTime) first = g_date_time_new_utc (2100, 7, 1, 10, 0, 0);
  g_autoptr(GDateTime) far = g_date_time_new_utc (2600, 7, 1, 10, 0, 0);
  g_autoptr(CnvEvent) zoned = make_timed_event (last, 60, "Europe/Paris");
  g_autoptr(CnvEvent) utc = make_timed_event (first, 60, "Europe/Paris");
  g_autoptr(CnvEvent) after_libical = make_timed_event (far, 60, "Europe/Paris");
  g_autofree char *zoned_text = NULL;
  g_autofree char *utc_text = NULL;
  g_autofree char *far_text = NULL;

  zoned_text = assert_round_trip (zoned, NULL);
  g_assert_nonnull (strstr (zoned_text, "\r\nDTSTART;TZID=Europe/Paris:20990701T120000\r\n"));

  utc_text = assert_round_trip (utc, NULL);
  g_assert_nonnull (strstr (utc_text, "\r\nDTSTART:21000701T100000Z\r\n"));
  g_assert_null (strstr (utc_text, "VTIMEZONE"));

  /* After 2582 libical's VTIMEZONE gives winter offsets in summer: UTC is exact. */
  far_text = assert_round_trip (after_libical, NULL);
  g_assert_nonnull (strstr (far_text, "\r\nDTSTART:26000701T100000Z\r\n"));
}

static void
test_tzid_repeated_hour (void)
{
  /* 2026-10-25: Paris goes from 03:00 CEST back to 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC. */
  g_autoptr(GDateTime) first = g_date_time_new_utc (2026, 10, 25, 0, 30, 0);
  g_autoptr(GDateTime) second = g_date_time_new_utc (2026, 10, 25, 1, 30, 0);
  g_autoptr(CnvEvent) first_event = make_timed_event (first, 150, "Europe/Paris");
  g_autoptr(CnvEvent) second_event = make_timed_event (second, 15, "Europe/Paris");
  g_autofree char *first_text = NULL;
  g_autofree char *second_text = NULL;

  /* Neither occurrence is written as 02:30 local: RFC 5545 §3.3.5 would read the first. */
  first_text = assert_round_trip (first_event, NULL);
  g_assert_nonnull (strstr (first_text, "\r\nDTSTART:20261025T003000Z\r\n"));
  /* The end, 03:00 UTC, is 04:00 CET and only that: it keeps its zone, with the VTIMEZONE. */
  g_assert_nonnull (strstr (first_text, "\r\nDTEND;TZID=Europe/Paris:20261025T040000\r\n"));
  g_assert_nonnull (strstr (first_text, "\r\nBEGIN:VTIMEZONE\r\n"));

  second_text = assert_round_trip (second_event, NULL);
  g_assert_nonnull (strstr (second_text, "\r\nDTSTART:20261025T013000Z\r\n"));
  g_assert_nonnull (strstr (second_text, "\r\nDTEND:20261025T014500Z\r\n"));
  g_assert_null (strstr (second_text, "TZID"));
  g_assert_null (strstr (second_text, "VTIMEZONE"));
}

/*
 * The property: cnv_ical_read (cnv_ical_write (e)) has e's start and end, every 15 minutes for a
 * day around both 2026 daylight saving changes in Paris and New York, and across the years at
 * the edges (1970, the end of 32-bit time, the last zoned year and after, libical's limit, 9999).
 */
static void
test_round_trip_instants (void)
{
  static const char * const zones[] = { NULL, "Europe/Paris", "America/New_York" };
  static const struct { int year, month, day, hour; } days[] = {
    { 2026, 3, 28, 12 },   /* New York springs forward on 03-08 and falls back on 11-01, */
    { 2026, 10, 24, 12 },  /* Paris on 03-29 and 10-25: a day from noon the day before. */
    { 2026, 3, 7, 18 },
    { 2026, 10, 31, 18 },
    { 1970, 1, 1, 0 },
    { 2037, 12, 31, 12 },
    { 2038, 1, 18, 12 },
    { 2099, 12, 31, 0 },
    { 2100, 3, 27, 12 },
    { 2500, 10, 30, 12 },
    { 2582, 10, 23, 12 },
    { 9999, 12, 30, 12 },
  };
  guint n_written = 0;
  guint n_zoned = 0;

  for (guint z = 0; z < G_N_ELEMENTS (zones); z++)
    {
      g_autoptr(GTimeZone) floating = zones[z] != NULL ? g_time_zone_new_identifier (zones[z])
                                                       : g_time_zone_new_utc ();

      for (guint d = 0; d < G_N_ELEMENTS (days); d++)
        {
          g_autoptr(GDateTime) from = g_date_time_new_utc (days[d].year, days[d].month,
                                                           days[d].day, days[d].hour, 0, 0);

          /* 96 quarter hours, each the start of events of 15 minutes and of 2 hours. */
          for (int q = 0; q < 96; q++)
            for (int length = 15; length <= 120; length += 105)
              {
                g_autoptr(GDateTime) start = g_date_time_add_minutes (from, q * 15);
                g_autoptr(CnvEvent) event = NULL;
                g_autofree char *text = NULL;

                if (g_date_time_to_unix (start) + length * 60 > G_GINT64_CONSTANT (253402300799))
                  continue;
                event = make_timed_event (start, length, zones[z]);
                text = assert_round_trip (event, floating);
                n_written++;
                if (strstr (text, "\r\nDTSTART;TZID=") != NULL)
                  n_zoned++;
              }
        }
    }
  g_test_message ("%u events written, %u of them in their zone", n_written, n_zoned);
  g_assert_cmpuint (n_written, >, 6000);
  /* Zones are kept wherever they are exact (1970 to 2099, the repeated hours aside). */
  g_assert_cmpuint (n_zoned, >, 2800);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/engine/ical-writer/utc", test_utc);
  g_test_add_func ("/engine/ical-writer/round-trip", test_round_trip);
  g_test_add_func ("/engine/ical-writer/cancel", test_cancel);
  g_test_add_func ("/engine/ical-writer/no-method", test_no_method);
  g_test_add_func ("/engine/ical-writer/tzid", test_tzid);
  g_test_add_func ("/engine/ical-writer/tzid/summer", test_tzid_summer);
  g_test_add_func ("/engine/ical-writer/tzid/utc", test_tzid_utc);
  g_test_add_func ("/engine/ical-writer/tzid/unknown", test_tzid_unknown);
  g_test_add_func ("/engine/ical-writer/all-day", test_all_day);
  g_test_add_func ("/engine/ical-writer/all-day/zone", test_all_day_in_zone);
  g_test_add_func ("/engine/ical-writer/sanitize", test_sanitize);
  g_test_add_func ("/engine/ical-writer/long-text", test_long_text);
  g_test_add_func ("/engine/ical-writer/errors", test_errors);
  g_test_add_func ("/engine/ical-writer/far-future", test_far_future);
  g_test_add_func ("/engine/ical-writer/far-future/zone", test_far_future_in_zone);
  g_test_add_func ("/engine/ical-writer/far-future/read-write", test_far_future_read_write);
  g_test_add_func ("/engine/ical-writer/out-of-range", test_out_of_range);
  g_test_add_func ("/engine/ical-writer/tzid/after-2099", test_tzid_after_2099);
  g_test_add_func ("/engine/ical-writer/tzid/repeated-hour", test_tzid_repeated_hour);
  g_test_add_func ("/engine/ical-writer/round-trip/instants", test_round_trip_instants);

  return g_test_run ();
}
