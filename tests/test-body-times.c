/* test-body-times.c — the in-body Start:/End:/Duration: lines, zone names, durations, RFC 5545
 * §3.3.5 local times
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-ical.h"
#include "test-times-common.h"

#define HOUR G_TIME_SPAN_HOUR

static void
read_len (Result     *result,
          const char *text,
          gsize       len,
          const char *zone_name)
{
  g_autoptr(GTimeZone) zone = zone_name != NULL ? g_time_zone_new_identifier (zone_name) : NULL;

  result->warnings = g_ptr_array_new_with_free_func (g_free);
  result->event = cnv_body_times_read (text, len, zone, HOUR, result->warnings, &result->error);

  /* The contract: an event, or an error, or neither (no lines); never both. */
  g_assert_true (result->event == NULL || result->error == NULL);
  if (result->error != NULL)
    {
      g_assert_true (result->error->domain == CNV_ICAL_ERROR);
      g_assert_true (g_utf8_validate (result->error->message, -1, NULL));
    }
  for (guint i = 0; i < result->warnings->len; i++)
    g_assert_true (g_utf8_validate (g_ptr_array_index (result->warnings, i), -1, NULL));
  if (result->event != NULL)
    {
      g_assert_nonnull (result->event->start);
      g_assert_nonnull (result->event->end);
      g_assert_cmpint (g_date_time_compare (result->event->end, result->event->start), >, 0);
      g_assert_null (result->event->uid);
      g_assert_null (result->event->summary);
    }
}

static void
read_body (Result     *result,
           const char *text,
           const char *zone_name)
{
  read_len (result, text, strlen (text), zone_name);
}

static void
assert_body_error (const char *text,
                   int         code)
{
  g_auto(Result) result = { NULL, };

  read_body (&result, text, "Europe/Paris");
  if (!g_error_matches (result.error, CNV_ICAL_ERROR, code))
    g_error ("“%s”: expected error %d, got %s", text, code,
             result.error != NULL ? result.error->message : "no error");
}

/* No lines ------------------------------------------------------------------------------------ */

static void
test_none (void)
{
  const char *bodies[] = {
    "",
    "Hello,\n\nlet us talk about the budget.\n\nAlice\n",
    "The start: of something\n",
    "Starting: now\nEndless: yes\n",
    "> Start: 2026-12-01 14:00\n>End: 15:00\n",
    "Hi\n-- \nStart: 2026-12-01 14:00\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_auto(Result) result = { NULL, };

      read_body (&result, bodies[i], "Europe/Paris");
      g_assert_no_error (result.error);
      g_assert_null (result.event);
      g_assert_cmpuint (result.warnings->len, ==, 0);
    }
}

/* Start --------------------------------------------------------------------------------------- */

static void
test_start_forms (void)
{
  static const struct
  {
    const char *value;
    const char *start;
  } cases[] = {
    { "2026-12-01 14:00 Europe/Paris", "2026-12-01T13:00:00Z" },
    { "2026-12-01 14:00", "2026-12-01T13:00:00Z" },             /* the zone given: Europe/Paris */
    { "2026-12-01 14:00:30", "2026-12-01T13:00:30Z" },
    { "2026-12-01 9:05", "2026-12-01T08:05:00Z" },
    { "2026-12-01T14:00:00+01:00", "2026-12-01T13:00:00Z" },
    { "2026-12-01T14:00:00.000+01:00", "2026-12-01T13:00:00Z" },
    { "2026-12-01T13:00Z", "2026-12-01T13:00:00Z" },
    { "2026-12-01T13:00:00z", "2026-12-01T13:00:00Z" },
    { "2026-12-01 13:00 UTC", "2026-12-01T13:00:00Z" },
    { "2026-12-01 13:00 GMT", "2026-12-01T13:00:00Z" },
    { "2026-12-01 14:00 +0100", "2026-12-01T13:00:00Z" },
    { "2026-12-01 08:00 -05", "2026-12-01T13:00:00Z" },
    { "2026-12-01 18:30 +05:30", "2026-12-01T13:00:00Z" },
    { "2026-12-01 14:00 UTC+1", "2026-12-01T13:00:00Z" },
    { "2026-12-01 14:00 Romance Standard Time", "2026-12-01T13:00:00Z" },
    { "2026-12-01 08:00 eastern standard time", "2026-12-01T13:00:00Z" },
    { "2026-12-01 22:00 Asia/Tokyo", "2026-12-01T13:00:00Z" },
    { "2026-12-01 14:00 (Europe/Paris)", "2026-12-01T13:00:00Z" },
    { "2026-12-01 14:00 Europe/Paris (Paris time)", "2026-12-01T13:00:00Z" },
    { "2026-12-01 2:00 pm", "2026-12-01T13:00:00Z" },
    { "2026-12-01 12:30 AM", "2026-11-30T23:30:00Z" },
    { "20261201T140000", "2026-12-01T13:00:00Z" },
    { "20261201T1300Z", "2026-12-01T13:00:00Z" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Result) result = { NULL, };
      g_autofree char *body = g_strdup_printf ("Start: %s\nDuration: 1h\n", cases[i].value);

      read_body (&result, body, "Europe/Paris");
      if (result.error != NULL)
        g_error ("“%s”: %s", cases[i].value, result.error->message);
      assert_time (result.event->start, cases[i].start);
      g_assert_false (result.event->all_day);
    }
}

/* Words that only look like the keys are not read: a pasted calendar, Outlook's summary. */
static void
test_not_keys (void)
{
  const char *bodies[] = {
    "BEGIN:VEVENT\nDTSTART:20261201T130000Z\nEND:VEVENT\n",
    "When: Tuesday, December 1, 2026 2:00 PM-3:00 PM (UTC+01:00) Amsterdam, Berlin\n",
    "Starting soon: the plan\nEndless: fun\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GError) error = NULL;
      g_autoptr(GTimeZone) zone = g_time_zone_new_utc ();
      g_autoptr(CnvEvent) event = cnv_body_times_read (bodies[i], strlen (bodies[i]), zone,
                                                       G_TIME_SPAN_HOUR, warnings, &error);

      g_test_message ("body %u", i);
      g_assert_no_error (error);
      g_assert_null (event);
    }
}

/* Keys are case-insensitive and may follow blanks. */
static void
test_start_keys (void)
{
  const char *bodies[] = {
    "START: 2026-12-01 14:00\nend: 15:00\n",
    "   start :  2026-12-01 14:00  \n\tEnd:15:00\n",
    "Dear all,\r\n\r\nStart: 2026-12-01 14:00\r\nEnd: 15:00\r\n\r\nSee you\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_auto(Result) result = { NULL, };

      read_body (&result, bodies[i], "Europe/Paris");
      assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
      g_assert_cmpuint (result.warnings->len, ==, 0);
    }
}

/* A date alone is an all-day event: from midnight to midnight in the zone. */
static void
test_start_date_only (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_body (&result, "Start: 2026-12-01\n", "Europe/Paris");
    assert_times (&result, "2026-11-30T23:00:00Z", "2026-12-01T23:00:00Z");
    g_assert_true (result.event->all_day);
    g_assert_cmpuint (result.warnings->len, ==, 0);
  }
  {
    g_auto(Result) result = { NULL, };

    /* The End date is the last day (inclusive): 1 to 3 December. */
    read_body (&result, "Start: 2026-12-01\nEnd: 2026-12-03\n", "Europe/Paris");
    assert_times (&result, "2026-11-30T23:00:00Z", "2026-12-03T23:00:00Z");
    g_assert_true (result.event->all_day);
  }
}

static void
test_start_default_zone (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_body (&result, "Start: 2026-12-01 14:00\n", NULL);
    assert_times (&result, "2026-12-01T14:00:00Z", "2026-12-01T15:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_body (&result, "Start: 2026-07-01 14:00\n", "America/New_York");
    assert_times (&result, "2026-07-01T18:00:00Z", "2026-07-01T19:00:00Z");
  }
}

/* Without an end: the default duration, with a warning. */
static void
test_start_only (void)
{
  g_auto(Result) result = { NULL, };

  read_body (&result, "Start: 2026-12-01 14:00\n", "Europe/Paris");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  g_assert_true (has_warning (&result, "The event has no end; the default duration is used."));
}

static void
test_start_repeated (void)
{
  g_auto(Result) result = { NULL, };

  read_body (&result,
             "Start: 2026-12-01 14:00\nEnd: 15:00\nStart: 2026-12-02 14:00\n", "Europe/Paris");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  g_assert_true (has_warning (&result, "several Start lines; the first is used"));
}

/* End ----------------------------------------------------------------------------------------- */

static void
test_end_time_only (void)
{
  g_auto(Result) result = { NULL, };

  read_body (&result, "Start: 2026-12-01 14:00 America/New_York\nEnd: 15:30\n", "Europe/Paris");
  /* The start's date and zone. */
  assert_times (&result, "2026-12-01T19:00:00Z", "2026-12-01T20:30:00Z");
  g_assert_cmpuint (result.warnings->len, ==, 0);
}

/* 23:00 to 01:00 is a night session; 14:00 to 14:00 lasts a day. Both with a warning. */
static void
test_end_time_next_day (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_body (&result, "Start: 2026-12-01 23:00\nEnd: 01:00\n", "Europe/Paris");
    assert_times (&result, "2026-12-01T22:00:00Z", "2026-12-02T00:00:00Z");
    g_assert_true (has_warning (&result, "it is taken as the next day"));
  }
  {
    g_auto(Result) result = { NULL, };

    read_body (&result, "Start: 2026-12-01 14:00\nEnd: 14:00\n", "Europe/Paris");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-02T13:00:00Z");
    g_assert_true (has_warning (&result, "next day"));
  }
}

static void
test_end_full (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_body (&result, "Start: 2026-12-01 14:00\nEnd: 2026-12-02 10:00\n", "Europe/Paris");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-02T09:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    /* An End without a zone is in the start's zone, not the default one. */
    read_body (&result, "Start: 2026-12-01 14:00 Asia/Tokyo\nEnd: 2026-12-01 15:00\n", "Europe/Paris");
    assert_times (&result, "2026-12-01T05:00:00Z", "2026-12-01T06:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_body (&result, "Start: 2026-12-01 14:00 Europe/Paris\nEnd: 2026-12-01T14:30:00Z\n", NULL);
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:30:00Z");
  }
}

static void
test_end_before_start (void)
{
  assert_body_error ("Start: 2026-12-01 14:00\nEnd: 2026-12-01 13:00\n", CNV_ICAL_ERROR_END_BEFORE_START);
  assert_body_error ("Start: 2026-12-01 14:00\nEnd: 2026-12-01 14:00\n", CNV_ICAL_ERROR_END_BEFORE_START);
  assert_body_error ("Start: 2026-12-03\nEnd: 2026-12-01\n", CNV_ICAL_ERROR_END_BEFORE_START);
}

/* Both End and Duration: End wins, with a warning. */
static void
test_end_and_duration (void)
{
  g_auto(Result) result = { NULL, };

  read_body (&result, "Start: 2026-12-01 14:00\nDuration: 3h\nEnd: 15:00\n", "Europe/Paris");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  g_assert_true (has_warning (&result, "both an End and a Duration; the End is used"));
}

/* Duration ------------------------------------------------------------------------------------ */

static void
test_duration_in_body (void)
{
  g_auto(Result) result = { NULL, };

  read_body (&result, "Start: 2026-12-01 14:00\nDuration: 45m\n", "Europe/Paris");
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T13:45:00Z");
  g_assert_cmpuint (result.warnings->len, ==, 0);
}

static void
test_duration_human (void)
{
  static const struct
  {
    const char *text;
    gint64 minutes;
  } cases[] = {
    { "45m", 45 }, { "45 m", 45 }, { "45min", 45 }, { "45 mins", 45 }, { "45 minutes", 45 },
    { "1h", 60 }, { "1 h", 60 }, { "1hr", 60 }, { "1 hour", 60 }, { "2 hours", 120 },
    { "1h30m", 90 }, { "1h 30m", 90 }, { "1h30", 90 }, { "1 hour 30 minutes", 90 },
    { "1 hour, 30 minutes", 90 }, { "90 min", 90 }, { "1:30", 90 }, { "0:45", 45 },
    { "1d", 1440 }, { "2 days", 2880 }, { "1 day 2h", 1560 }, { "  1H30M  ", 90 },
    { "90s", 1 }, { "31 days", 31 * 1440 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GTimeSpan span = 0;

      if (!cnv_duration_parse (cases[i].text, &span))
        g_error ("“%s” was refused", cases[i].text);
      if (i == G_N_ELEMENTS (cases) - 2)
        g_assert_cmpint (span, ==, 90 * G_TIME_SPAN_SECOND);
      else
        g_assert_cmpint (span, ==, cases[i].minutes * G_TIME_SPAN_MINUTE);
    }
}

static void
test_duration_iso8601 (void)
{
  static const struct
  {
    const char *text;
    gint64 seconds;
  } cases[] = {
    { "PT1H30M", 5400 }, { "PT45M", 2700 }, { "PT1H", 3600 }, { "P1D", 86400 },
    { "P1W", 7 * 86400 }, { "P1DT2H", 93600 }, { "PT90S", 90 }, { "pt1h30m", 5400 },
    { "P1W2D", 9 * 86400 }, { "PT1H0M10S", 3610 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GTimeSpan span = 0;

      if (!cnv_duration_parse (cases[i].text, &span))
        g_error ("“%s” was refused", cases[i].text);
      g_assert_cmpint (span, ==, cases[i].seconds * G_TIME_SPAN_SECOND);
    }
}

static void
test_duration_invalid (void)
{
  const char *cases[] = {
    "", " ", "0m", "0h0m", "PT0S", "P0D", "-1h", "-PT1H", "+1h", "45", "h", "1x", "1h1h",
    "30m 1h", "1h 2h", "P1Y", "P1M", "PT", "P", "P1H", "PT1D", "PT1H1H", "1.5h", "32 days",
    "P5W", "PT745H", "9999999999m", "1h30x", "1 hour and 30 minutes", "1:60", "1:3", "an hour",
    "PT1H30M extra", "45m\nStart: x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GTimeSpan span = 12345;

      if (cnv_duration_parse (cases[i], &span))
        g_error ("“%s” was accepted", cases[i]);
      g_assert_cmpint (span, ==, 12345);
    }
}

/* Errors -------------------------------------------------------------------------------------- */

static void
test_no_start (void)
{
  assert_body_error ("End: 2026-12-01 15:00\n", CNV_ICAL_ERROR_NO_START);
  assert_body_error ("Duration: 45m\n", CNV_ICAL_ERROR_NO_START);
  assert_body_error ("> Start: 2026-12-01 14:00\nDuration: 45m\n", CNV_ICAL_ERROR_NO_START);
}

static void
test_unknown_zone (void)
{
  g_auto(Result) result = { NULL, };

  read_body (&result, "Start: 2026-12-01 14:00 Mars/Olympus_Mons\n", "Europe/Paris");
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE);
  g_assert_nonnull (strstr (result.error->message, "Mars/Olympus_Mons"));

  assert_body_error ("Start: 2026-12-01 14:00 PST\n", CNV_ICAL_ERROR_UNKNOWN_ZONE);
  assert_body_error ("Start: 2026-12-01 14:00 ../../etc/passwd\n", CNV_ICAL_ERROR_UNKNOWN_ZONE);
  assert_body_error ("Start: 2026-12-01 14:00 /etc/localtime\n", CNV_ICAL_ERROR_UNKNOWN_ZONE);
  assert_body_error ("Start: 2026-12-01 14:00\nEnd: 15:00 Nowhere/Town\n", CNV_ICAL_ERROR_UNKNOWN_ZONE);
}

static void
test_invalid_time (void)
{
  const char *bodies[] = {
    "Start: tomorrow\n",
    "Start: next Tuesday afternoon\n",
    "Start:\n",
    "Start: 2026-02-30 14:00\n",
    "Start: 2026-13-01 14:00\n",
    "Start: 2026-12-01 25:00\n",
    "Start: 2026-12-01 14:60\n",
    "Start: 2026-12-01 13:00 pm\n",
    "Start: 1969-12-31 14:00\n",
    "Start: 0000-01-01 00:00\n",
    "Start: 12/01/2026 14:00\n",
    "Start: 2026-12-1 14:00\n",
    "Start: 14:00\n",
    "Start: 2026-12-01 14\n",
    "Start: 2026-12-01Z\n",
    "Start: 2026-12-01 14:00\nEnd: soon\n",
    "Start: 2026-02-01\nEnd: 2026-02-30\n",
    "Start: 2026-12-01 14:00\nEnd: 2026-13-01\n",
    "Start: 2026-12-01 14:00\nEnd: 25:00\n",
    "Start: 2026-12-01 14:00\nDuration: forever\n",
    "Start: 2026-12-01 14:00\nDuration: 40 days\n",
    "Start: 9999-12-31 23:00 UTC\nDuration: 2h\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    assert_body_error (bodies[i], CNV_ICAL_ERROR_INVALID_TIME);

  /* A line too long to be a time. */
  {
    g_autoptr(GString) body = g_string_new ("Start: 2026-12-01 14:00 ");

    for (guint i = 0; i < 1000; i++)
      g_string_append (body, "Europe/Paris ");
    assert_body_error (body->str, CNV_ICAL_ERROR_INVALID_TIME);
  }
}

/* Where the author's text ends ---------------------------------------------------------------- */

static void
test_quoted_and_signature (void)
{
  {
    g_auto(Result) result = { NULL, };

    read_body (&result,
               "Start: 2026-12-01 14:00\n\nOn Monday, Bob wrote:\n> Start: 2026-11-01 09:00\n"
               "> End: 2026-11-01 10:00\n  >> End: 2026-11-01 11:00\n", "Europe/Paris");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_body (&result, "Start: 2026-12-01 14:00\n-- \nEnd: 2026-12-01 18:00\nAlice\n", "Europe/Paris");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_body (&result, "Start: 2026-12-01 14:00\r\n--\r\nDuration: 4h\r\n", "Europe/Paris");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    /* Outlook's top-posted reply: the invitation it quotes is not marked with ">". */
    read_body (&result,
               "Adding Dave.\r\n\r\nBob\r\n\r\n________________________________\r\n"
               "From: videoconference@example.test\r\nSent: Monday, November 30, 2026 9:00 AM\r\n\r\n"
               "Start: 2026-12-01 14:00 Europe/Paris\r\nEnd: 2026-12-01 15:30 Europe/Paris\r\n",
               "Europe/Paris");
    g_assert_no_error (result.error);
    g_assert_null (result.event);
  }
  {
    g_auto(Result) result = { NULL, };

    read_body (&result,
               "Start: 2026-12-01 14:00\r\n________________________________\r\n\r\n"
               "Von: Bob\r\nDuration: 4h\r\n", "Europe/Paris");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    /* A line of underscores alone is just a line. */
    read_body (&result,
               "________________________________\r\nStart: 2026-12-01 14:00\r\nEnd: 15:00\r\n",
               "Europe/Paris");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    read_body (&result,
               "Start: 2026-12-01 14:00\r\n\r\n-----Original Message-----\r\nFrom: Bob\r\n"
               "Start: 2026-11-01 09:00\r\nEnd: 2026-11-01 18:00\r\n", "Europe/Paris");
    assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  }
}

/* @len counts: bytes after it are not read, and the text need not end with a nul. */
static void
test_length (void)
{
  const char text[] = "Start: 2026-12-01 14:00\nEnd: 15:00\nDuration: 3h";
  g_autofree char *copy = g_memdup2 (text, strlen ("Start: 2026-12-01 14:00\nEnd: 15"));
  g_auto(Result) result = { NULL, };

  read_len (&result, copy, strlen ("Start: 2026-12-01 14:00\nEnd: 15"), "Europe/Paris");
  g_assert_error (result.error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME);
}

/* DST (RFC 5545 §3.3.5, the rule the iCalendar reader follows too) ---------------------------- */

static void
test_dst (void)
{
  {
    g_auto(Result) result = { NULL, };

    /* 02:30 does not exist on 29 March in Paris: the offset before the gap (+01:00). */
    read_body (&result, "Start: 2026-03-29 02:30 Europe/Paris\nEnd: 04:30\n", NULL);
    assert_times (&result, "2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z");
  }
  {
    g_auto(Result) result = { NULL, };

    /* 02:30 happens twice on 25 October: the first time (+02:00). */
    read_body (&result, "Start: 2026-10-25 02:30 Europe/Paris\nEnd: 03:30\n", NULL);
    assert_times (&result, "2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z");
  }
}

static gint32
paris_offset_at (gint64   instant,
                 gpointer user_data)
{
  GTimeZone *zone = user_data;

  return g_time_zone_get_offset (zone, g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL, instant));
}

static void
test_local_time_to_utc (void)
{
  g_autoptr(GTimeZone) paris = g_time_zone_new_identifier ("Europe/Paris");
  gint64 instant = 0;

  g_assert_true (cnv_local_time_to_utc (1970, 1, 1, 0, 0, 0, NULL, NULL, &instant));
  g_assert_cmpint (instant, ==, 0);
  g_assert_true (cnv_local_time_to_utc (2026, 12, 1, 14, 0, 0, paris_offset_at, paris, &instant));
  g_assert_cmpint (instant, ==, 1796130000);
  /* A leap second is the first second of the next minute. */
  g_assert_true (cnv_local_time_to_utc (2016, 12, 31, 23, 59, 60, NULL, NULL, &instant));
  g_assert_cmpint (instant, ==, 1483228800);
  /* Before the gap, in the gap, after it. */
  g_assert_true (cnv_local_time_to_utc (2026, 3, 29, 1, 59, 59, paris_offset_at, paris, &instant));
  g_assert_cmpint (instant, ==, 1774745999);
  g_assert_true (cnv_local_time_to_utc (2026, 3, 29, 2, 0, 0, paris_offset_at, paris, &instant));
  g_assert_cmpint (instant, ==, 1774746000);
  g_assert_true (cnv_local_time_to_utc (2026, 3, 29, 3, 0, 0, paris_offset_at, paris, &instant));
  g_assert_cmpint (instant, ==, 1774746000);

  g_assert_false (cnv_local_time_to_utc (1969, 12, 31, 23, 0, 0, NULL, NULL, &instant));
  g_assert_false (cnv_local_time_to_utc (10000, 1, 1, 0, 0, 0, NULL, NULL, &instant));
  g_assert_false (cnv_local_time_to_utc (2026, 2, 29, 0, 0, 0, NULL, NULL, &instant));
  g_assert_false (cnv_local_time_to_utc (2026, 0, 1, 0, 0, 0, NULL, NULL, &instant));
  g_assert_false (cnv_local_time_to_utc (2026, 1, 1, 24, 0, 0, NULL, NULL, &instant));
  g_assert_false (cnv_local_time_to_utc (2026, 1, 1, 0, 60, 0, NULL, NULL, &instant));
  g_assert_false (cnv_local_time_to_utc (2026, 1, 1, 0, 0, 61, NULL, NULL, &instant));
  g_assert_false (cnv_local_time_to_utc (2026, 1, 300, 0, 0, 0, NULL, NULL, &instant));
  g_assert_true (cnv_local_time_to_utc (2028, 2, 29, 0, 0, 0, NULL, NULL, &instant));
}

/* Zones by name ------------------------------------------------------------------------------- */

static void
assert_zone (const char *name,
             gint32      offset_in_december)
{
  g_autoptr(GTimeZone) zone = cnv_time_zone_lookup (name);
  g_autoptr(GDateTime) december = g_date_time_new_utc (2026, 12, 1, 12, 0, 0);

  if (zone == NULL)
    g_error ("“%s” was not found", name);
  g_assert_cmpint (g_time_zone_get_offset (zone,
                                           g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL,
                                                                      g_date_time_to_unix (december))),
                   ==, offset_in_december);
}

static void
test_time_zone_lookup (void)
{
  const char *unknown[] = {
    "", "  ", "Mars/Olympus_Mons", "europe/paris", "PST", "ABC+5", "CET-1CEST,M3.5.0,M10.5.0/3",
    "/etc/localtime", "/usr/share/zoneinfo/Europe/Paris", "../../../../etc/passwd",
    "Europe/../Europe/Paris", "Europe//Paris", "Europe/Paris/", ":Europe/Paris", "localtime",
    "posixrules", "zone.tab", "+25:00", "+01:60", "+123", "UTC+", "Nowhere Standard Time",
  };

  assert_zone ("UTC", 0);
  assert_zone ("utc", 0);
  assert_zone ("Z", 0);
  assert_zone ("GMT", 0);
  assert_zone ("Europe/Paris", 3600);
  assert_zone (" Europe/Paris ", 3600);
  assert_zone ("America/Port-au-Prince", -5 * 3600);
  assert_zone ("Etc/GMT+5", -5 * 3600);
  assert_zone ("W. Europe Standard Time", 3600);
  assert_zone ("TOKYO STANDARD TIME", 9 * 3600);
  assert_zone ("(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", 19800);
  assert_zone ("+01:00", 3600);
  assert_zone ("+0100", 3600);
  assert_zone ("+01", 3600);
  assert_zone ("-05", -5 * 3600);
  assert_zone ("-5", -5 * 3600);
  assert_zone ("+05:30", 19800);
  assert_zone ("UTC+1", 3600);
  assert_zone ("GMT-03:00", -3 * 3600);

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      g_autoptr(GTimeZone) zone = cnv_time_zone_lookup (unknown[i]);

      if (zone != NULL)
        g_error ("“%s” was accepted as a zone", unknown[i]);
    }
}

/* Hostile bodies ------------------------------------------------------------------------------ */

/* 20 MB of text with the lines at the very end: linear, fast, nothing copied. */
static void
test_huge_body (void)
{
  gsize size = 20 * 1024 * 1024;
  g_autoptr(GString) body = g_string_sized_new (size + 100);
  g_auto(Result) result = { NULL, };
  gint64 begin;

  while (body->len < size)
    g_string_append (body, "Start of a long line that is not a time at all, repeated many times. ");
  g_string_append (body, "\n");
  while (body->len < 2 * size)
    g_string_append (body, "Startled\nEnding\n> Start: 2026-01-01 00:00\nDuration\n");
  g_string_append (body, "Start: 2026-12-01 14:00\nEnd: 15:00\n");

  begin = g_get_monotonic_time ();
  read_len (&result, body->str, body->len, "Europe/Paris");
  g_test_message ("%" G_GSIZE_FORMAT " bytes: %.3f s", body->len,
                  (g_get_monotonic_time () - begin) / (double) G_TIME_SPAN_SECOND);
  assert_times (&result, "2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z");
  g_assert_cmpint (g_get_monotonic_time () - begin, <, 10 * G_TIME_SPAN_SECOND);
}

/* Random bytes around key lines: never a crash, always the contract (run it under ASan). */
static void
test_hostile_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1201);
  const char *seeds[] = {
    "Start: 2026-12-01 14:00 Europe/Paris\nEnd: 15:30\nDuration: 45m\n",
    "Start: 2026-12-01T14:00:00+01:00\r\nDuration: PT1H30M\r\n",
    "Start: 2026-12-01 2:00 pm W. Europe Standard Time\nEnd: 2026-12-01\n",
  };

  for (guint i = 0; i < 3000; i++)
    {
      const char *seed = seeds[i % G_N_ELEMENTS (seeds)];
      gsize len = strlen (seed);
      g_autofree char *copy = g_memdup2 (seed, len);
      guint n = g_rand_int_range (rand, 1, 6);
      g_auto(Result) result = { NULL, };

      for (guint k = 0; k < n; k++)
        copy[g_rand_int_range (rand, 0, (gint32) len)] = (char) g_rand_int_range (rand, 0, 256);
      read_len (&result, copy, g_rand_int_range (rand, 0, (gint32) len + 1), "Europe/Paris");
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/body-times/none", test_none);
  g_test_add_func ("/engine/body-times/start/forms", test_start_forms);
  g_test_add_func ("/engine/body-times/start/keys", test_start_keys);
  g_test_add_func ("/engine/body-times/start/not-keys", test_not_keys);
  g_test_add_func ("/engine/body-times/start/date-only", test_start_date_only);
  g_test_add_func ("/engine/body-times/start/default-zone", test_start_default_zone);
  g_test_add_func ("/engine/body-times/start/only", test_start_only);
  g_test_add_func ("/engine/body-times/start/repeated", test_start_repeated);
  g_test_add_func ("/engine/body-times/end/time-only", test_end_time_only);
  g_test_add_func ("/engine/body-times/end/next-day", test_end_time_next_day);
  g_test_add_func ("/engine/body-times/end/full", test_end_full);
  g_test_add_func ("/engine/body-times/end/before-start", test_end_before_start);
  g_test_add_func ("/engine/body-times/end/and-duration", test_end_and_duration);
  g_test_add_func ("/engine/body-times/duration/in-body", test_duration_in_body);
  g_test_add_func ("/engine/body-times/duration/human", test_duration_human);
  g_test_add_func ("/engine/body-times/duration/iso8601", test_duration_iso8601);
  g_test_add_func ("/engine/body-times/duration/invalid", test_duration_invalid);
  g_test_add_func ("/engine/body-times/error/no-start", test_no_start);
  g_test_add_func ("/engine/body-times/error/unknown-zone", test_unknown_zone);
  g_test_add_func ("/engine/body-times/error/invalid-time", test_invalid_time);
  g_test_add_func ("/engine/body-times/quoted-and-signature", test_quoted_and_signature);
  g_test_add_func ("/engine/body-times/length", test_length);
  g_test_add_func ("/engine/body-times/dst", test_dst);
  g_test_add_func ("/engine/body-times/local-time-to-utc", test_local_time_to_utc);
  g_test_add_func ("/engine/body-times/time-zone-lookup", test_time_zone_lookup);
  g_test_add_func ("/engine/body-times/hostile/huge", test_huge_body);
  g_test_add_func ("/engine/body-times/hostile/random", test_hostile_random);

  return g_test_run ();
}
