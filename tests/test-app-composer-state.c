/* test-app-composer-state.c — the composer's decisions, and the request they build
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-composer-state.h"
#include "cnv-engine.h"
#include "cnv-smtp.h"

typedef struct
{
  GPtrArray        *types;
  CnvComposerInput  input;
  CnvComposerState  state;
} Fixture;

static CnvAddress *
address (const char *name,
         const char *addr)
{
  g_autoptr(GError) error = NULL;
  CnvAddress *result = cnv_address_new (name, addr, &error);

  g_assert_no_error (error);
  return result;
}

/* Alice, with the default types on example.org; it is Saturday 29 March 2025, 12:00 UTC, and
 * the user lives in Paris (DST starts the next night). */
static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->types = cnv_session_type_entries_defaults ("alice@example.org");
  cnv_composer_input_init (&f->input);
  f->input.initiator = address ("Alice Liddell", "alice@example.org");
  f->input.session_types = f->types;
  f->input.zone = g_time_zone_new_identifier ("Europe/Paris");
  g_assert_nonnull (f->input.zone);
  f->input.tzid = g_strdup ("Europe/Paris");
  f->input.now = g_date_time_new_utc (2025, 3, 29, 12, 0, 0);
  memset (&f->state, 0, sizeof f->state);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  cnv_composer_state_clear (&f->state);
  cnv_composer_input_clear (&f->input);
  g_ptr_array_unref (f->types);
}

static void
evaluate (Fixture *f)
{
  cnv_composer_state_clear (&f->state);
  cnv_composer_evaluate (&f->input, &f->state);
}

/* Only @field has an error (or none when @field is N_FIELDS), and it says @part. */
static void
assert_only_error (Fixture          *f,
                   CnvComposerField  field,
                   const char       *part)
{
  evaluate (f);
  for (guint i = 0; i < CNV_COMPOSER_N_FIELDS; i++)
    {
      if (i == field)
        {
          g_assert_nonnull (f->state.errors[i]);
          if (strstr (f->state.errors[i], part) == NULL)
            g_error ("field %u says “%s”, not “%s”", i, f->state.errors[i], part);
        }
      else if (f->state.errors[i] != NULL)
        g_error ("field %u has the error “%s”", i, f->state.errors[i]);
    }
  g_assert_cmpint (f->state.can_send, ==, field == CNV_COMPOSER_N_FIELDS);
}

static void
add_participant (Fixture    *f,
                 const char *name,
                 const char *addr)
{
  g_autoptr(CnvAddress) a = address (name, addr);
  g_autofree char *problem = NULL;

  g_assert_true (cnv_composer_add_participant (&f->input, a, &problem));
  g_assert_null (problem);
}

static void
add_cc (Fixture    *f,
        const char *name,
        const char *addr)
{
  g_autoptr(CnvAddress) a = address (name, addr);
  g_autofree char *problem = NULL;

  g_assert_true (cnv_composer_add_cc (&f->input, a, &problem));
  g_assert_null (problem);
}

/* A valid request: videoconference with Bob. */
static void
make_valid (Fixture *f)
{
  f->input.session_type = g_strdup ("videoconference@example.org");
  add_participant (f, "Bob", "bob@example.org");
}

/* ---- Send enabled ---- */

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  evaluate (f);
  g_assert_false (f->state.can_send);
  g_assert_cmpstr (f->state.errors[CNV_COMPOSER_FIELD_SESSION_TYPE], ==, "Choose a session type");
  g_assert_cmpstr (f->state.errors[CNV_COMPOSER_FIELD_PARTICIPANTS], ==,
                   "Add at least one participant");
  g_assert_null (f->state.errors[CNV_COMPOSER_FIELD_TITLE]);
  g_assert_null (f->state.errors[CNV_COMPOSER_FIELD_START]);
  g_assert_cmpuint (f->state.warnings->len, ==, 0);
}

static void
test_valid (Fixture       *f,
            gconstpointer  data)
{
  make_valid (f);
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  g_assert_cmpuint (f->state.warnings->len, ==, 0);
}

static void
test_no_session_type (Fixture       *f,
                      gconstpointer  data)
{
  add_participant (f, NULL, "bob@example.org");
  assert_only_error (f, CNV_COMPOSER_FIELD_SESSION_TYPE, "Choose a session type");
  /* A type that was removed from the preferences meanwhile. */
  f->input.session_type = g_strdup ("gone@example.org");
  assert_only_error (f, CNV_COMPOSER_FIELD_SESSION_TYPE, "gone@example.org");
}

static void
test_no_participants (Fixture       *f,
                      gconstpointer  data)
{
  make_valid (f);
  cnv_composer_remove_participant (&f->input, "bob@example.org");
  g_assert_cmpuint (f->input.participants->len, ==, 0);
  assert_only_error (f, CNV_COMPOSER_FIELD_PARTICIPANTS, "at least one participant");
  /* Removing someone who is not there changes nothing. */
  cnv_composer_remove_participant (&f->input, "nobody@example.org");
  cnv_composer_remove_cc (&f->input, "nobody@example.org");
}

/* Text still in the entry counts: addresses are taken, anything else is the field's error. */
static void
test_pending_text (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(CnvRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *participants;

  f->input.session_type = g_strdup ("videoconference@example.org");
  f->input.pending_participants = g_strdup ("Carol <carol@example.org>, ");
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  request = cnv_composer_build_request (&f->input, &error);
  g_assert_no_error (error);
  /* The engine puts the initiator first. */
  participants = cnv_request_get_participants (request);
  g_assert_cmpuint (participants->len, ==, 2);
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (participants, 0))->address, ==,
                   "alice@example.org");
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (participants, 1))->address, ==,
                   "carol@example.org");

  g_free (f->input.pending_participants);
  f->input.pending_participants = g_strdup ("carol@example.org, foo");
  assert_only_error (f, CNV_COMPOSER_FIELD_PARTICIPANTS, "“foo” is not an e-mail address");

  g_clear_pointer (&f->input.pending_participants, g_free);
  add_participant (f, NULL, "bob@example.org");
  f->input.pending_cc = g_strdup ("dave@");
  assert_only_error (f, CNV_COMPOSER_FIELD_CC, "“dave@” is missing the part after @");
  g_free (f->input.pending_cc);
  f->input.pending_cc = g_strdup ("   ");
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
}

/* ---- add_* ---- */

static void
test_duplicates (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(CnvAddress) bob = address ("Bobby", "BOB@Example.ORG");
  g_autoptr(CnvAddress) carol = address (NULL, "carol@example.org");
  g_autofree char *problem = NULL;
  g_autofree char *cc_problem = NULL;

  make_valid (f);
  g_assert_false (cnv_composer_add_participant (&f->input, bob, &problem));
  g_assert_cmpstr (problem, ==, "Bobby <bob@example.org> is already a participant");
  g_assert_cmpuint (f->input.participants->len, ==, 1);

  add_cc (f, NULL, "carol@example.org");
  g_assert_false (cnv_composer_add_cc (&f->input, carol, &cc_problem));
  g_assert_cmpstr (cc_problem, ==, "carol@example.org is already in Cc");
  g_assert_cmpuint (f->input.cc->len, ==, 1);
  /* @problem is optional. */
  g_assert_false (cnv_composer_add_cc (&f->input, carol, NULL));
}

/* A manager address is a session type, never a person: refused in To and Cc, typed or added. */
static void
test_manager_address (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(CnvAddress) whiteboard = address (NULL, "Whiteboard@example.org");
  g_autofree char *problem = NULL;
  g_autofree char *cc_problem = NULL;

  make_valid (f);
  g_assert_false (cnv_composer_add_participant (&f->input, whiteboard, &problem));
  g_assert_nonnull (strstr (problem, "whiteboard@example.org"));
  g_assert_nonnull (strstr (problem, "“Whiteboard”"));
  g_assert_false (cnv_composer_add_cc (&f->input, whiteboard, &cc_problem));
  g_assert_nonnull (strstr (cc_problem, "“Whiteboard”"));
  g_assert_cmpuint (f->input.participants->len, ==, 1);
  g_assert_cmpuint (f->input.cc->len, ==, 0);

  /* Typed, or put into the public arrays by hand. */
  f->input.pending_participants = g_strdup ("videoconference@example.org");
  assert_only_error (f, CNV_COMPOSER_FIELD_PARTICIPANTS, "“Videoconference”");
  g_clear_pointer (&f->input.pending_participants, g_free);
  g_ptr_array_add (f->input.cc, cnv_address_copy (whiteboard));
  assert_only_error (f, CNV_COMPOSER_FIELD_CC, "“Whiteboard”");
}

/* The initiator in To is taken silently and not added (the manager adds them); in Cc refused. */
static void
test_initiator (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(CnvAddress) alice = address (NULL, "Alice@Example.org");
  g_autofree char *problem = NULL;

  make_valid (f);
  g_assert_true (cnv_composer_add_participant (&f->input, alice, &problem));
  g_assert_null (problem);
  g_assert_cmpuint (f->input.participants->len, ==, 1);
  g_assert_false (cnv_composer_add_cc (&f->input, alice, &problem));
  g_assert_nonnull (problem);
  g_assert_cmpuint (f->input.cc->len, ==, 0);

  f->input.pending_cc = g_strdup ("alice@example.org");
  assert_only_error (f, CNV_COMPOSER_FIELD_CC, "Cc");
  g_clear_pointer (&f->input.pending_cc, g_free);

  /* Only the initiator in To: nobody to invite. */
  cnv_composer_remove_participant (&f->input, "bob@example.org");
  f->input.pending_participants = g_strdup ("alice@example.org");
  assert_only_error (f, CNV_COMPOSER_FIELD_PARTICIPANTS, "at least one participant");
}

/* Someone both in To and Cc: a warning, not an error; the request has them in To only. */
static void
test_participant_in_cc (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(CnvRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *cc;

  make_valid (f);
  add_cc (f, "Bob", "bob@example.org");
  add_cc (f, "Carol", "carol@example.org");
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  g_assert_cmpuint (f->state.warnings->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->state.warnings, 0), ==,
                   "Bob <bob@example.org> is also a participant: they are invited, not copied");

  request = cnv_composer_build_request (&f->input, &error);
  g_assert_no_error (error);
  cc = cnv_request_get_informational (request);
  g_assert_cmpuint (cc->len, ==, 1);
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (cc, 0))->address, ==, "carol@example.org");
}

static void
test_max_participants (Fixture       *f,
                       gconstpointer  data)
{
  make_valid (f);
  f->input.max_participants = 2;
  add_participant (f, NULL, "carol@example.org");
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  add_participant (f, NULL, "dave@example.org");
  assert_only_error (f, CNV_COMPOSER_FIELD_PARTICIPANTS, "at most 2 participants");
  /* Cc is not counted. */
  cnv_composer_remove_participant (&f->input, "dave@example.org");
  add_cc (f, NULL, "dave@example.org");
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
}

/* ---- Title and message ---- */

static void
test_title (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GString) title = g_string_new (NULL);

  make_valid (f);
  for (guint i = 0; i < 200; i++)
    g_string_append (title, "é");
  f->input.title = g_strdup (title->str);
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  g_free (f->input.title);
  f->input.title = g_strconcat (title->str, "x", NULL);
  assert_only_error (f, CNV_COMPOSER_FIELD_TITLE, "at most 200 characters");

  {
    static const char * const bad[] = { "Weekly\r\nBcc: eve@evil.test", "Tab\there", "Nul\x01",
                                        "Del\x7f", "Line\xe2\x80\xa8sep", "Bad \xff UTF-8" };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_free (f->input.title);
        f->input.title = g_strdup (bad[i]);
        assert_only_error (f, CNV_COMPOSER_FIELD_TITLE, "control characters");
      }
  }
  g_free (f->input.title);
  f->input.title = g_strdup ("");
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
}

static void
test_message (Fixture       *f,
              gconstpointer  data)
{
  make_valid (f);
  f->input.message = g_malloc (64 * 1024 + 2);
  memset (f->input.message, 'a', 64 * 1024);
  f->input.message[64 * 1024] = '\0';
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  f->input.message[64 * 1024] = 'b';
  f->input.message[64 * 1024 + 1] = '\0';
  assert_only_error (f, CNV_COMPOSER_FIELD_MESSAGE, "at most 64 KiB");
  g_free (f->input.message);
  f->input.message = g_strdup ("Lines\nand\ttabs are fine.\n");
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  g_free (f->input.message);
  f->input.message = g_strdup ("Broken \xc3 text");
  assert_only_error (f, CNV_COMPOSER_FIELD_MESSAGE, "not valid text");
}

/* ---- Times ---- */

static GDateTime *
paris (Fixture *f,
       int      month,
       int      day,
       int      hour,
       int      minute)
{
  return g_date_time_new (f->input.zone, 2025, month, day, hour, minute, 0);
}

static void
test_schedule (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GDateTime) end = NULL;

  make_valid (f);
  f->input.scheduled = TRUE;
  assert_only_error (f, CNV_COMPOSER_FIELD_START, "Choose when the session starts");

  /* 12:00 UTC is 13:00 in Paris. */
  f->input.start = paris (f, 3, 29, 14, 0);
  assert_only_error (f, CNV_COMPOSER_FIELD_END, "Choose when the session ends");
  f->input.duration_minutes = 90;
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  end = cnv_composer_get_end (&f->input);
  g_assert_cmpint (g_date_time_difference (end, f->input.start), ==, 90 * G_TIME_SPAN_MINUTE);

  /* A preset duration wins over an end. */
  f->input.end = paris (f, 3, 29, 13, 0);
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  f->input.duration_minutes = 0;
  assert_only_error (f, CNV_COMPOSER_FIELD_END, "end after it starts");
  g_clear_pointer (&f->input.end, g_date_time_unref);
  f->input.end = paris (f, 3, 29, 14, 0);
  assert_only_error (f, CNV_COMPOSER_FIELD_END, "end after it starts");
  g_clear_pointer (&f->input.end, g_date_time_unref);
  f->input.end = paris (f, 3, 29, 14, 1);
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  f->input.duration_minutes = -30;
  assert_only_error (f, CNV_COMPOSER_FIELD_END, "positive");
  f->input.duration_minutes = 0;

  /* Four minutes ago is now; ten minutes ago is the past. */
  g_clear_pointer (&f->input.start, g_date_time_unref);
  f->input.start = paris (f, 3, 29, 12, 56);
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  g_clear_pointer (&f->input.start, g_date_time_unref);
  f->input.start = paris (f, 3, 29, 12, 50);
  assert_only_error (f, CNV_COMPOSER_FIELD_START, "in the past");

  /* Unscheduled, the times do not count and are not sent. */
  f->input.scheduled = FALSE;
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);
  g_assert_null (cnv_composer_get_end (&f->input));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CnvRequest) request = cnv_composer_build_request (&f->input, &error);

    g_assert_no_error (error);
    g_assert_null (cnv_request_get_start (request));
    g_assert_null (cnv_request_get_end (request));
  }
}

/* ---- Without an account ---- */

static void
test_no_account (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvRequest) request = NULL;

  make_valid (f);
  g_clear_pointer (&f->input.initiator, cnv_address_free);
  evaluate (f);
  g_assert_false (f->state.can_send);
  for (guint i = 0; i < CNV_COMPOSER_N_FIELDS; i++)
    g_assert_null (f->state.errors[i]);
  g_assert_cmpuint (f->state.warnings->len, ==, 1);
  request = cnv_composer_build_request (&f->input, &error);
  g_assert_null (request);
  g_assert_error (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_INVALID);
}

/* Build refuses what evaluate refuses, with the first field's sentence. */
static void
test_build_refused (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvRequest) request = NULL;

  add_participant (f, NULL, "bob@example.org");
  request = cnv_composer_build_request (&f->input, &error);
  g_assert_null (request);
  g_assert_error (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "Choose a session type");
}

/* ---- The request, there and back ---- */

static CnvRequest *
round_trip (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvRequest) request = cnv_composer_build_request (&f->input, &error);
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CnvSessionTypes) types = cnv_session_types_new ();
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  CnvRequest *parsed;
  gsize size;
  const char *data;

  g_assert_no_error (error);
  g_assert_nonnull (request);
  message = cnv_request_build (request, &error);
  g_assert_no_error (error);
  bytes = cnv_smtp_message_to_bytes (message);
  data = g_bytes_get_data (bytes, &size);
  g_assert_true (cnv_session_types_add (types, "videoconference", "videoconference@example.org",
                                        NULL, FALSE, &error));
  g_assert_true (cnv_session_types_add (types, "whiteboard", "whiteboard@example.org",
                                        NULL, FALSE, &error));
  g_assert_no_error (error);
  parsed = cnv_request_parse_data (data, size, types, utc, G_TIME_SPAN_HOUR, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  g_assert_true (cnv_request_check (parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cnv_request_get_message_id (parsed), ==, cnv_request_get_message_id (request));
  return parsed;
}

static void
assert_addresses (GPtrArray          *list,
                  const char * const *expected)
{
  g_assert_cmpuint (list->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < list->len; i++)
    g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (list, i))->address, ==, expected[i]);
}

/* Scheduled across the spring DST change in Paris (30 March 2025, 02:00 → 03:00): 01:30 CET to
 * 03:30 CEST is one real hour, 00:30–01:30 UTC. */
static void
test_round_trip_spring (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(CnvRequest) parsed = NULL;
  g_autoptr(GDateTime) start_utc = g_date_time_new_utc (2025, 3, 30, 0, 30, 0);
  g_autoptr(GDateTime) end_utc = g_date_time_new_utc (2025, 3, 30, 1, 30, 0);
  g_autoptr(CnvAddress) me = address (NULL, "alice@example.org");

  f->input.session_type = g_strdup ("whiteboard@example.org");
  add_participant (f, "Bob Builder", "bob@example.org");
  add_participant (f, "Dave, Jr.", "dave@example.org");
  g_assert_true (cnv_composer_add_participant (&f->input, me, NULL));
  add_cc (f, "Carol", "carol@example.org");
  add_cc (f, NULL, "dave@example.org");
  f->input.title = g_strdup ("Plan the café — ☕ at night");
  f->input.message = g_strdup ("Bring ideas.\nStart: never mind this line\n");
  f->input.scheduled = TRUE;
  f->input.start = paris (f, 3, 30, 1, 30);
  f->input.end = paris (f, 3, 30, 3, 30);
  assert_only_error (f, CNV_COMPOSER_N_FIELDS, NULL);

  parsed = round_trip (f);
  g_assert_cmpstr (cnv_request_get_session_type (parsed), ==, "whiteboard");
  g_assert_cmpstr (cnv_request_get_manager_address (parsed), ==, "whiteboard@example.org");
  g_assert_cmpstr (cnv_request_get_initiator (parsed)->address, ==, "alice@example.org");
  g_assert_cmpstr (cnv_request_get_initiator (parsed)->name, ==, "Alice Liddell");
  assert_addresses (cnv_request_get_participants (parsed),
                    (const char *[]) { "alice@example.org", "bob@example.org",
                                       "dave@example.org", NULL });
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (cnv_request_get_participants (parsed), 2))->name,
                   ==, "Dave, Jr.");
  assert_addresses (cnv_request_get_informational (parsed),
                    (const char *[]) { "carol@example.org", NULL });
  g_assert_cmpstr (cnv_request_get_title (parsed), ==, "Plan the café — ☕ at night");
  g_assert_cmpint (cnv_request_get_times_source (parsed), ==, CNV_TIMES_SOURCE_ICALENDAR);
  g_assert_true (g_date_time_equal (cnv_request_get_start (parsed), start_utc));
  g_assert_true (g_date_time_equal (cnv_request_get_end (parsed), end_utc));
  g_assert_cmpstr (cnv_request_get_time_zone (parsed), ==, "Europe/Paris");
}

/* The autumn change (26 October 2025, 03:00 → 02:00) with a preset duration: 01:00 CEST plus
 * three real hours is 03:00 CET, 23:00–02:00 UTC. Unscheduled Videoconference without Cc too. */
static void
test_round_trip_autumn (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(CnvRequest) parsed = NULL;
  g_autoptr(CnvRequest) unscheduled = NULL;
  g_autoptr(GDateTime) start_utc = g_date_time_new_utc (2025, 10, 25, 23, 0, 0);
  g_autoptr(GDateTime) end_utc = g_date_time_new_utc (2025, 10, 26, 2, 0, 0);

  make_valid (f);
  unscheduled = round_trip (f);
  g_assert_cmpstr (cnv_request_get_session_type (unscheduled), ==, "videoconference");
  assert_addresses (cnv_request_get_participants (unscheduled),
                    (const char *[]) { "alice@example.org", "bob@example.org", NULL });
  g_assert_cmpuint (cnv_request_get_informational (unscheduled)->len, ==, 0);
  g_assert_cmpint (cnv_request_get_times_source (unscheduled), ==, CNV_TIMES_SOURCE_NONE);

  f->input.scheduled = TRUE;
  f->input.start = paris (f, 10, 26, 1, 0);
  f->input.duration_minutes = 180;
  parsed = round_trip (f);
  g_assert_true (g_date_time_equal (cnv_request_get_start (parsed), start_utc));
  g_assert_true (g_date_time_equal (cnv_request_get_end (parsed), end_utc));
}

/* The user's zone names the request's TZID: an IANA name however TZ spells it, none for UTC or
 * for a POSIX rule (which names no zone). */
static void
test_local_zone (void)
{
  static const struct
  {
    const char *tz;
    const char *tzid;     /* NULL: UTC, no TZID */
    gint32      january;  /* the offset on 2026-01-15 12:00 UTC, seconds */
  } cases[] = {
    { "Europe/Paris", "Europe/Paris", 3600 },
    { ":America/New_York", "America/New_York", -5 * 3600 },
    { "/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo", 9 * 3600 },
    { "/usr/share/zoneinfo/posix/Europe/Berlin", "Europe/Berlin", 3600 },
    { "UTC", NULL, 0 },
    { "Etc/UTC", NULL, 0 },
    { "CET-1CEST", NULL, 0 },
    { "Not/A_Zone", NULL, 0 },
  };
  g_autofree char *saved = g_strdup (g_getenv ("TZ"));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CnvComposerInput input;
      g_autoptr(GDateTime) january = g_date_time_new_utc (2026, 1, 15, 12, 0, 0);
      g_autoptr(GDateTime) there = NULL;

      if (cases[i].tzid != NULL && !g_file_test ("/usr/share/zoneinfo/Asia/Tokyo",
                                                 G_FILE_TEST_EXISTS))
        {
          g_test_skip ("no /usr/share/zoneinfo (tzdata)");
          break;
        }
      g_setenv ("TZ", cases[i].tz, TRUE);
      cnv_composer_input_init (&input);
      cnv_composer_input_set_local_zone (&input);
      g_assert_cmpstr (input.tzid, ==, cases[i].tzid);
      g_assert_nonnull (input.zone);
      there = g_date_time_to_timezone (january, input.zone);
      g_assert_cmpint (g_date_time_get_utc_offset (there) / G_TIME_SPAN_SECOND, ==,
                       cases[i].january);
      /* Set again: the old zone is replaced, not leaked. */
      cnv_composer_input_set_local_zone (&input);
      g_assert_cmpstr (input.tzid, ==, cases[i].tzid);
      cnv_composer_input_clear (&input);
    }
  if (saved != NULL)
    g_setenv ("TZ", saved, TRUE);
  else
    g_unsetenv ("TZ");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

#define ADD(path, func) \
  g_test_add ("/app/composer-state/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("send/empty", test_empty);
  ADD ("send/valid", test_valid);
  ADD ("send/no-session-type", test_no_session_type);
  ADD ("send/no-participants", test_no_participants);
  ADD ("send/pending-text", test_pending_text);
  ADD ("send/no-account", test_no_account);
  ADD ("add/duplicates", test_duplicates);
  ADD ("add/manager-address", test_manager_address);
  ADD ("add/initiator", test_initiator);
  ADD ("add/participant-in-cc", test_participant_in_cc);
  ADD ("add/max-participants", test_max_participants);
  ADD ("text/title", test_title);
  ADD ("text/message", test_message);
  ADD ("times/schedule", test_schedule);
  ADD ("build/refused", test_build_refused);
  ADD ("build/round-trip-spring-dst", test_round_trip_spring);
  ADD ("build/round-trip-autumn-dst", test_round_trip_autumn);

#undef ADD
  g_test_add_func ("/app/composer-state/times/local-zone", test_local_zone);

  return g_test_run ();
}
