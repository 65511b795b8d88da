/* test-request.c — CnvRequest: the request mail of Fig 4a, parsed and built
 *
 * The realistic client fixtures are read by test-inspect; these cases pin each rule down.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"

typedef struct
{
  CnvSessionTypes *types;
  GTimeZone       *zone;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *path = g_build_filename (CNV_TEST_DATA_DIR, "manager.ini", NULL);

  g_assert_true (g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, NULL));
  fixture->types = cnv_session_types_new ();
  g_assert_true (cnv_session_types_load_key_file (fixture->types, key_file, NULL));
  fixture->zone = g_time_zone_new_identifier ("Europe/Paris");
  g_assert_nonnull (fixture->zone);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_clear_object (&fixture->types);
  g_clear_pointer (&fixture->zone, g_time_zone_unref);
}

static CnvRequest *
parse (Fixture    *fixture,
       const char *mail)
{
  g_autoptr(GError) error = NULL;
  CnvRequest *request;

  request = cnv_request_parse_data (mail, strlen (mail), fixture->types, fixture->zone,
                                    G_TIME_SPAN_HOUR, &error);
  g_assert_no_error (error);
  g_assert_nonnull (request);
  return request;
}

static void
assert_addresses (GPtrArray          *list,
                  const char * const *expected)
{
  guint n = g_strv_length ((char **) expected);

  for (guint i = 0; i < MIN (n, list->len); i++)
    g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (list, i))->address, ==, expected[i]);
  g_assert_cmpuint (list->len, ==, n);
}

static gboolean
has_error (CnvRequest *request,
           GQuark      domain,
           int         code)
{
  GPtrArray *errors = cnv_request_get_errors (request);

  for (guint i = 0; i < errors->len; i++)
    if (g_error_matches (g_ptr_array_index (errors, i), domain, code))
      return TRUE;
  return FALSE;
}

static void
test_parse_basic (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(CnvRequest) request = NULL;

  request = parse (fixture,
                   "From: Alice <Alice@Example.test>\r\n"
                   "To: Bob <bob@example.test>, videoconference@example.test, BOB@example.test, "
                   "alice@example.test, Carol <carol@example.test>\r\n"
                   "Cc: dave@example.test, carol@example.test, whiteboard@example.test\r\n"
                   "Subject: =?UTF-8?Q?R=C3=A9union_d=27=C3=A9quipe?=\r\n"
                   "Message-ID: <m1@example.test>\r\n"
                   "\r\n"
                   "Hello\r\n");

  g_assert_cmpuint (cnv_request_get_errors (request)->len, ==, 0);
  g_assert_cmpstr (cnv_request_get_initiator (request)->address, ==, "alice@example.test");
  g_assert_cmpstr (cnv_request_get_initiator (request)->name, ==, "Alice");
  g_assert_cmpstr (cnv_request_get_manager_address (request), ==, "videoconference@example.test");
  g_assert_cmpstr (cnv_request_get_session_type (request), ==, "videoconference");
  g_assert_cmpstr (cnv_request_get_title (request), ==, "Réunion d'équipe");
  assert_addresses (cnv_request_get_participants (request),
                    (const char * const[]) { "alice@example.test", "bob@example.test", "carol@example.test", NULL });
  assert_addresses (cnv_request_get_informational (request),
                    (const char * const[]) { "dave@example.test", NULL });
  g_assert_null (cnv_request_get_start (request));
  g_assert_null (cnv_request_get_end (request));
  g_assert_cmpint (cnv_request_get_times_source (request), ==, CNV_TIMES_SOURCE_NONE);
  g_assert_cmpstr (cnv_request_get_message_id (request), ==, "m1@example.test");
  g_assert_cmpstr (cnv_request_get_body (request), ==, "Hello\r\n");
}

static void
test_parse_manager_in_cc (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(CnvRequest) request = parse (fixture,
                                         "From: alice@example.test\n"
                                         "To: bob@example.test\n"
                                         "Cc: Whiteboard <whiteboard@example.test>\n"
                                         "Subject: Sketch\n\nx\n");

  g_assert_cmpuint (cnv_request_get_errors (request)->len, ==, 0);
  g_assert_cmpstr (cnv_request_get_manager_address (request), ==, "whiteboard@example.test");
  g_assert_cmpstr (cnv_request_get_session_type (request), ==, "whiteboard");
  g_assert_cmpuint (cnv_request_get_informational (request)->len, ==, 0);
}

static void
test_parse_bcc (Fixture       *fixture,
                gconstpointer  user_data)
{
  const char *headers[] = { "Delivered-To", "X-Original-To" };

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autofree char *mail = g_strdup_printf ("Delivered-To: alice@example.test\n"
                                               "%s: whiteboard@example.test\n"
                                               "From: alice@example.test\n"
                                               "To: bob@example.test\n"
                                               "Subject: Sketch\n\nx\n", headers[i]);
      g_autoptr(CnvRequest) request = parse (fixture, mail);

      g_assert_cmpuint (cnv_request_get_errors (request)->len, ==, 0);
      g_assert_cmpstr (cnv_request_get_manager_address (request), ==, "whiteboard@example.test");
      g_assert_cmpstr (cnv_request_get_session_type (request), ==, "whiteboard");
    }
}

static void
test_parse_keyword (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(CnvRequest) by_body = parse (fixture,
                                         "From: alice@example.test\n"
                                         "To: convene@example.test, bob@example.test\n"
                                         "Subject: Plans\n\nOn se retrouve au tableau blanc ?\n");
  g_autoptr(CnvRequest) by_default = parse (fixture,
                                            "From: alice@example.test\n"
                                            "To: convene@example.test, bob@example.test\n"
                                            "Subject: Plans\n\nNothing special.\n");
  g_autoptr(CnvRequest) address_wins = parse (fixture,
                                              "From: alice@example.test\n"
                                              "To: videoconference@example.test, bob@example.test\n"
                                              "Subject: whiteboard\n\nwhiteboard\n");

  g_assert_cmpstr (cnv_request_get_session_type (by_body), ==, "whiteboard");
  g_assert_cmpstr (cnv_request_get_manager_address (by_body), ==, "convene@example.test");
  g_assert_cmpstr (cnv_request_get_session_type (by_default), ==, "videoconference");
  g_assert_cmpstr (cnv_request_get_session_type (address_wins), ==, "videoconference");
}

static void
test_parse_two_managers (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(CnvRequest) request = parse (fixture,
                                         "From: alice@example.test\n"
                                         "To: whiteboard@example.test, videoconference@example.test, bob@example.test\n"
                                         "Subject: Both\n\nx\n");
  const char * const *warnings = cnv_request_get_warnings (request);

  g_assert_cmpstr (cnv_request_get_session_type (request), ==, "whiteboard");
  g_assert_nonnull (warnings[0]);
  g_assert_nonnull (strstr (warnings[0], "videoconference@example.test"));
  g_assert_null (warnings[1]);
}

static void
test_parse_errors (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(CnvRequest) no_from = parse (fixture, "To: videoconference@example.test, bob@example.test\nSubject: x\n\nx\n");
  g_autoptr(CnvRequest) bad_from = parse (fixture, "From: nobody\nTo: videoconference@example.test, bob@example.test\n\nx\n");
  g_autoptr(CnvRequest) alone = parse (fixture, "From: alice@example.test\nTo: videoconference@example.test, alice@example.test\n\nx\n");
  g_autoptr(CnvRequest) no_manager = parse (fixture, "From: alice@example.test\nTo: bob@example.test\n\nx\n");
  g_autoptr(GError) error = NULL;

  g_assert_true (has_error (no_from, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_INITIATOR));
  g_assert_true (has_error (bad_from, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_INITIATOR));
  g_assert_true (has_error (alone, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_PARTICIPANTS));
  g_assert_true (has_error (no_manager, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_MANAGER_ADDRESS));
  g_assert_false (cnv_request_check (no_manager, &error));
  g_assert_error (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_MANAGER_ADDRESS);
}

static void
test_parse_no_type (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(CnvSessionTypes) types = cnv_session_types_new ();
  g_autoptr(CnvRequest) request = NULL;
  const char *mail = "From: alice@example.test\nTo: convene@example.test, bob@example.test\nSubject: x\n\nx\n";

  g_assert_true (g_key_file_load_from_data (key_file,
                                            "[manager]\naddress=convene@example.test\n"
                                            "[type whiteboard]\nkeywords=whiteboard\n", -1, 0, NULL));
  g_assert_true (cnv_session_types_load_key_file (types, key_file, NULL));
  request = cnv_request_parse_data (mail, strlen (mail), types, fixture->zone, G_TIME_SPAN_HOUR, NULL);
  g_assert_true (has_error (request, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_TYPE));
  g_assert_null (cnv_request_get_session_type (request));
}

/* Google Calendar's copy to the manager names only the manager: the attendees are the
 * participants, except those in Cc, who stay informational. */
static void
test_parse_attendees (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(CnvRequest) request = parse (fixture,
                                         "From: alice@example.test\n"
                                         "To: videoconference@example.test\n"
                                         "Cc: carol@example.test\n"
                                         "Subject: Plan\n"
                                         "Content-Type: text/calendar; method=REQUEST\n\n"
                                         "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
                                         "UID:1@example.test\r\nDTSTART:20261201T130000Z\r\n"
                                         "DTEND:20261201T140000Z\r\nORGANIZER:mailto:alice@example.test\r\n"
                                         "ATTENDEE:mailto:bob@example.test\r\nATTENDEE:mailto:carol@example.test\r\n"
                                         "ATTENDEE:mailto:videoconference@example.test\r\n"
                                         "END:VEVENT\r\nEND:VCALENDAR\r\n");

  g_assert_cmpuint (cnv_request_get_errors (request)->len, ==, 0);
  assert_addresses (cnv_request_get_participants (request),
                    (const char * const[]) { "alice@example.test", "bob@example.test", NULL });
  assert_addresses (cnv_request_get_informational (request),
                    (const char * const[]) { "carol@example.test", NULL });
}

static void
test_parse_thread (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(CnvRequest) request = parse (fixture,
                                         "From: bob@example.test\n"
                                         "To: videoconference@example.test, carol@example.test\n"
                                         "Subject: Re: Invitation: Weekly sync [cnv:AbC-12_x]\n"
                                         "In-Reply-To: <inv-1@example.test>\n"
                                         "References: <req-1@example.test> <inv-1@example.test>\n\nAdding Carol\n");
  const char * const *refs = cnv_request_get_references (request);

  g_assert_cmpstr (cnv_request_get_session_tag (request), ==, "AbC-12_x");
  g_assert_cmpstrv (refs, ((const char * const[]) { "req-1@example.test", "inv-1@example.test", NULL }));
}

static void
test_parse_not_tags (Fixture       *fixture,
                     gconstpointer  user_data)
{
  static const char * const subjects[] = { "[cnv:]", "[cnv:a b]", "[cnv:abc", "[cnv:é]", "cnv:abc" };

  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      g_autofree char *mail = g_strdup_printf ("From: a@example.test\nTo: videoconference@example.test, "
                                               "b@example.test\nSubject: %s\n\nx\n", subjects[i]);
      g_autoptr(CnvRequest) request = parse (fixture, mail);

      g_assert_null (cnv_request_get_session_tag (request));
    }
}

static CnvRequest *
new_composed_request (void)
{
  CnvRequest *request = cnv_request_new ();
  g_autoptr(CnvAddress) alice = cnv_address_new ("Alice Martin", "alice@example.test", NULL);
  g_autoptr(CnvAddress) bob = cnv_address_new ("Bob", "bob@example.test", NULL);
  g_autoptr(CnvAddress) carol = cnv_address_new (NULL, "carol@example.test", NULL);
  g_autoptr(CnvAddress) dave = cnv_address_new ("Dave", "dave@example.test", NULL);

  cnv_request_set_initiator (request, alice);
  cnv_request_set_manager_address (request, "videoconference@example.test");
  cnv_request_set_session_type (request, "videoconference");
  cnv_request_set_title (request, "Budget review");
  cnv_request_set_body (request, "Let us go through the numbers.");
  cnv_request_add_participant (request, bob);
  cnv_request_add_participant (request, carol);
  cnv_request_add_informational (request, dave);
  return request;
}

static CnvRequest *
round_trip (Fixture    *fixture,
            CnvRequest *request,
            char      **out_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeFormatOptions) options = g_mime_format_options_new ();
  g_autofree char *text = NULL;
  CnvRequest *parsed;

  message = cnv_request_build (request, &error);
  g_assert_no_error (error);
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  text = g_mime_object_to_string (GMIME_OBJECT (message), options);
  parsed = parse (fixture, text);
  if (out_text != NULL)
    *out_text = g_steal_pointer (&text);
  return parsed;
}

static void
test_build_round_trip (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(CnvRequest) request = new_composed_request ();
  g_autoptr(CnvRequest) parsed = NULL;
  g_autofree char *text = NULL;

  parsed = round_trip (fixture, request, &text);
  g_assert_cmpuint (cnv_request_get_errors (parsed)->len, ==, 0);
  g_assert_true (cnv_request_equal (request, parsed));
  /* One address a line (RFC 5322 §2.2.3 folding); plain names as they are. */
  g_assert_nonnull (strstr (text, "\r\nTo: videoconference@example.test,\r\n Bob <bob@example.test>,\r\n carol@example.test\r\n"));
  g_assert_nonnull (strstr (text, "\r\nCc: Dave <dave@example.test>\r\n"));
  g_assert_null (strstr (text, "text/calendar"));
  g_assert_cmpint (cnv_request_get_times_source (parsed), ==, CNV_TIMES_SOURCE_NONE);
}

static void
test_build_round_trip_scheduled (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  g_autoptr(CnvRequest) request = new_composed_request ();
  g_autoptr(CnvRequest) parsed = NULL;
  g_autoptr(GTimeZone) paris = g_time_zone_new_identifier ("Europe/Paris");
  g_autoptr(GDateTime) start = g_date_time_new (paris, 2026, 12, 1, 14, 0, 0);
  g_autoptr(GDateTime) end = g_date_time_new (paris, 2026, 12, 1, 15, 30, 0);
  g_autofree char *text = NULL;
  g_autofree char *start_iso = NULL;

  cnv_request_set_times (request, start, end);
  cnv_request_set_time_zone (request, "Europe/Paris");
  parsed = round_trip (fixture, request, &text);

  if (cnv_request_get_errors (parsed)->len > 0)
    g_error ("%s", ((GError *) g_ptr_array_index (cnv_request_get_errors (parsed), 0))->message);
  g_assert_true (cnv_request_equal (request, parsed));
  g_assert_cmpint (cnv_request_get_times_source (parsed), ==, CNV_TIMES_SOURCE_ICALENDAR);
  start_iso = g_date_time_format_iso8601 (cnv_request_get_start (parsed));
  g_assert_cmpstr (start_iso, ==, "2026-12-01T13:00:00Z");
  g_assert_nonnull (cnv_request_get_uid (request));
  g_assert_cmpstr (cnv_request_get_uid (parsed), ==, cnv_request_get_uid (request));
  /* RFC 6047 §2.4 and the seed's predetermined lines (E405), for people and plain managers. */
  g_assert_nonnull (strstr (text, "text/calendar; charset=utf-8; method=REQUEST"));
  g_assert_nonnull (strstr (text, "Start: 2026-12-01 14:00 Europe/Paris"));
  g_assert_nonnull (strstr (text, "End: 2026-12-01 15:30 Europe/Paris"));
  g_assert_nonnull (strstr (text, "TZID=Europe/Paris"));
}

/* Text that fits ISO-8859-1 stays UTF-8, as its charset says (gmime's set_text would pick
 * ISO-8859-1 for it). */
static void
test_build_non_ascii (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(CnvRequest) request = new_composed_request ();
  g_autoptr(CnvRequest) parsed = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) start = g_date_time_new (utc, 2026, 12, 1, 13, 0, 0);
  g_autoptr(GDateTime) end = g_date_time_new (utc, 2026, 12, 1, 14, 0, 0);
  g_autofree char *text = NULL;

  cnv_request_set_title (request, "Réunion café");
  cnv_request_set_body (request, "On se voit à 14 h, près du café.");
  cnv_request_set_uid (request, "Zoë-1@büche.example");
  cnv_request_set_times (request, start, end);
  parsed = round_trip (fixture, request, &text);

  g_assert_true (cnv_request_equal (request, parsed));
  g_assert_cmpstr (cnv_request_get_uid (parsed), ==, "Zoë-1@büche.example");
  g_assert_nonnull (strstr (cnv_request_get_body (parsed), "On se voit à 14 h, près du café."));
  g_assert_null (strstr (text, "charset=iso-8859-1"));
}

static void
test_build_injection (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(CnvRequest) request = new_composed_request ();
  g_autoptr(CnvAddress) eve = cnv_address_new ("Eve\r\nBcc: evil@example.test", "eve@example.test", NULL);
  g_autoptr(CnvRequest) parsed = NULL;
  g_autofree char *text = NULL;

  cnv_request_set_title (request, "Hi\r\nBcc: evil@example.test\r\n\r\nbody");
  cnv_request_add_participant (request, eve);
  parsed = round_trip (fixture, request, &text);

  g_assert_null (strstr (text, "\r\nBcc:"));
  g_assert_cmpstr (cnv_request_get_title (parsed), ==, "Hi Bcc: evil@example.test body");
  g_assert_true (cnv_request_equal (request, parsed));
  g_assert_false (cnv_address_list_contains (cnv_request_get_participants (parsed), "evil@example.test"));
}

static void
test_build_errors (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) start = g_date_time_new (utc, 2026, 12, 1, 14, 0, 0);
  g_autoptr(GDateTime) end = g_date_time_new (utc, 2026, 12, 1, 13, 0, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvRequest) request = NULL;
  g_autoptr(GMimeMessage) message = NULL;

  request = new_composed_request ();
  cnv_request_set_initiator (request, NULL);
  message = cnv_request_build (request, &error);
  g_assert_null (message);
  g_assert_error (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_INITIATOR);
  g_clear_error (&error);
  g_clear_object (&request);

  request = new_composed_request ();
  cnv_request_set_manager_address (request, NULL);
  g_assert_null (cnv_request_build (request, &error));
  g_assert_error (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_MANAGER_ADDRESS);
  g_clear_error (&error);
  g_clear_object (&request);

  request = cnv_request_new ();
  {
    g_autoptr(CnvAddress) alice = cnv_address_new (NULL, "alice@example.test", NULL);

    cnv_request_set_initiator (request, alice);
    cnv_request_add_participant (request, alice);
  }
  cnv_request_set_manager_address (request, "videoconference@example.test");
  g_assert_null (cnv_request_build (request, &error));
  g_assert_error (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_PARTICIPANTS);
  g_clear_error (&error);
  g_clear_object (&request);

  request = new_composed_request ();
  cnv_request_set_times (request, start, end);
  g_assert_null (cnv_request_build (request, &error));
  g_assert_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_END_BEFORE_START);
  g_clear_error (&error);
  g_clear_object (&request);

  request = new_composed_request ();
  cnv_request_set_times (request, start, NULL);
  g_assert_null (cnv_request_build (request, &error));
  g_assert_error (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_INVALID);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/engine/request/parse/basic", test_parse_basic);
  ADD ("/engine/request/parse/manager-in-cc", test_parse_manager_in_cc);
  ADD ("/engine/request/parse/bcc", test_parse_bcc);
  ADD ("/engine/request/parse/keyword", test_parse_keyword);
  ADD ("/engine/request/parse/two-managers", test_parse_two_managers);
  ADD ("/engine/request/parse/errors", test_parse_errors);
  ADD ("/engine/request/parse/no-type", test_parse_no_type);
  ADD ("/engine/request/parse/attendees", test_parse_attendees);
  ADD ("/engine/request/parse/thread", test_parse_thread);
  ADD ("/engine/request/parse/not-tags", test_parse_not_tags);
  ADD ("/engine/request/build/round-trip", test_build_round_trip);
  ADD ("/engine/request/build/round-trip-scheduled", test_build_round_trip_scheduled);
  ADD ("/engine/request/build/non-ascii", test_build_non_ascii);
  ADD ("/engine/request/build/injection", test_build_injection);
  ADD ("/engine/request/build/errors", test_build_errors);
#undef ADD

  return g_test_run ();
}
