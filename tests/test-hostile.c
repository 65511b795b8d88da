/* test-hostile.c — the request parser and builder against hostile and absurd input
 *
 * Every input is generated in memory. Each case asserts either a clear GError or the expected
 * result; none may crash, hang or leak. Sizes are asserted, never timed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"

#define ALICE "alice@example.test"
#define BOB "bob@example.test"
#define CAROL "carol@example.test"
#define DAVE "dave@example.test"
#define MANAGER "videoconference@example.test"

/* The headers of a valid request, for the cases that are hostile only in their body. */
#define REQUEST_HEADERS \
  "From: Alice Martin <" ALICE ">\r\n" \
  "To: " MANAGER ", Bob Durand <" BOB ">\r\n" \
  "Subject: Hostile\r\n" \
  "Date: Tue, 24 Nov 2026 10:00:00 +0100\r\n" \
  "Message-ID: <hostile@example.test>\r\n" \
  "MIME-Version: 1.0\r\n"

#define BODY_LINES "Start: 2026-12-01 14:00 Europe/Paris\r\nEnd: 15:30\r\n"
/* What BODY_LINES mean: 14:00 and 15:30 CET (UTC+1). */
#define BODY_START "2026-12-01T13:00:00Z"
#define BODY_END "2026-12-01T14:30:00Z"

static CnvSessionTypes *types;
static GTimeZone *paris;

static CnvSessionTypes *
new_types (void)
{
  static const char * const video_keywords[] = { "video", "visio", "videoconference", NULL };
  static const char * const board_keywords[] = { "whiteboard", "tableau blanc", NULL };
  g_autoptr(CnvSessionTypes) self = cnv_session_types_new ();
  g_autoptr(GError) error = NULL;

  cnv_session_types_add (self, "videoconference", MANAGER, video_keywords, TRUE, &error);
  g_assert_no_error (error);
  cnv_session_types_add (self, "whiteboard", "whiteboard@example.test", board_keywords, FALSE, &error);
  g_assert_no_error (error);
  cnv_session_types_add_manager_address (self, "convene@example.test", &error);
  g_assert_no_error (error);
  return g_steal_pointer (&self);
}

static CnvRequest *
parse (const char  *data,
       gsize        len,
       GError     **error)
{
  return cnv_request_parse_data (data, len, types, paris, 60 * G_TIME_SPAN_MINUTE, error);
}

/* Parses what must be read as a mail: never %NULL. */
static CnvRequest *
parse_mail (const char *data,
            gsize       len)
{
  g_autoptr(GError) error = NULL;
  CnvRequest *request = parse (data, len, &error);

  g_assert_no_error (error);
  g_assert_nonnull (request);
  return request;
}

static char *
format_utc (GDateTime *dt)
{
  g_autoptr(GDateTime) utc = NULL;

  if (dt == NULL)
    return NULL;
  utc = g_date_time_to_utc (dt);
  return g_date_time_format_iso8601 (utc);
}

static void
assert_times (CnvRequest     *request,
              CnvTimesSource  source,
              const char     *start,
              const char     *end)
{
  g_autofree char *got_start = format_utc (cnv_request_get_start (request));
  g_autofree char *got_end = format_utc (cnv_request_get_end (request));

  g_assert_cmpint (cnv_request_get_times_source (request), ==, source);
  g_assert_cmpstr (got_start, ==, start);
  g_assert_cmpstr (got_end, ==, end);
}

static void
assert_no_errors (CnvRequest *request)
{
  GPtrArray *errors = cnv_request_get_errors (request);

  for (guint i = 0; i < errors->len; i++)
    g_test_message ("unexpected error: %s", ((GError *) g_ptr_array_index (errors, i))->message);
  g_assert_cmpuint (errors->len, ==, 0);
  g_assert_true (cnv_request_check (request, NULL));
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

static guint
count_warnings (CnvRequest *request)
{
  const char * const *warnings = cnv_request_get_warnings (request);
  guint n = 0;

  while (warnings != NULL && warnings[n] != NULL)
    {
      g_test_message ("warning: %s", warnings[n]);
      n++;
    }
  return n;
}

/* The participants, in order, as normalised addresses. */
static void
assert_participants (CnvRequest         *request,
                     const char * const *expected)
{
  GPtrArray *participants = cnv_request_get_participants (request);
  guint n = g_strv_length ((char **) expected);

  for (guint i = 0; i < participants->len; i++)
    g_test_message ("participant %u: %s", i, ((CnvAddress *) g_ptr_array_index (participants, i))->address);
  g_assert_cmpuint (participants->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (participants, i))->address, ==, expected[i]);
}

/* Whatever was read from hostile data is still clean: valid UTF-8, one line, normalised. */
static void
assert_clean_fields (CnvRequest *request)
{
  const char *title = cnv_request_get_title (request);
  GPtrArray *lists[2] = { cnv_request_get_participants (request),
                          cnv_request_get_informational (request) };

  if (title != NULL)
    {
      g_assert_true (g_utf8_validate (title, -1, NULL));
      g_assert_null (strpbrk (title, "\r\n"));
    }
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        const CnvAddress *address = g_ptr_array_index (lists[l], i);
        g_autofree char *again = cnv_address_normalize (address->address, NULL);

        g_assert_cmpstr (again, ==, address->address);
        if (address->name != NULL)
          {
            g_assert_true (g_utf8_validate (address->name, -1, NULL));
            g_assert_null (strpbrk (address->name, "\r\n"));
          }
      }
}

/* Data that is not a request is refused clearly: %NULL with CNV_REQUEST_ERROR_NOT_A_MESSAGE, or
 * a request whose errors say why. */
static void
assert_refused (const char *data,
                gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvRequest) request = parse (data, len, &error);

  if (request == NULL)
    {
      g_assert_error (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NOT_A_MESSAGE);
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (cnv_request_get_errors (request)->len, >, 0);
  g_assert_false (cnv_request_check (request, &error));
  g_assert_nonnull (error);
  assert_clean_fields (request);
}

/* /engine/hostile/recipients/10000: 10 000 people, each written twice in other cases. */
static void
add_recipients (GString    *mail,
                guint       n,
                const char *separator)
{
  for (guint i = 0; i < n; i++)
    g_string_append_printf (mail, ",%suser%05u@example.test", separator, i);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (mail, ",%s\"User %u\" <USER%05u@Example.TEST>", separator, i, i);
}

static void
check_recipients (GString *mail,
                  guint    n)
{
  g_autoptr(CnvRequest) request = parse_mail (mail->str, mail->len);
  GPtrArray *participants = cnv_request_get_participants (request);

  assert_no_errors (request);
  g_assert_cmpuint (participants->len, ==, n + 1);
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (participants, 0))->address, ==, ALICE);
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (participants, 1))->address, ==, "user00000@example.test");
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (participants, n))->address, ==, "user09999@example.test");
  /* The first spelling wins, but the name of the second fills the gap. */
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (participants, 1))->name, ==, "User 0");
  g_assert_cmpstr (cnv_request_get_session_type (request), ==, "videoconference");
}

static void
test_recipients_folded (void)
{
  g_autoptr(GString) mail = g_string_new ("From: Alice Martin <" ALICE ">\r\nTo: " MANAGER);

  add_recipients (mail, 10000, "\r\n ");
  g_string_append (mail, "\r\nSubject: Everyone\r\n\r\nAll hands.\r\n");
  check_recipients (mail, 10000);
}

static void
test_recipients_one_line (void)
{
  g_autoptr(GString) mail = g_string_new ("From: Alice Martin <" ALICE ">\r\nTo: " MANAGER);

  /* One 500 kB header line: RFC 5322 §2.1.1 says 998, real mail breaks it. */
  add_recipients (mail, 10000, " ");
  g_string_append (mail, "\r\nSubject: Everyone\r\n\r\nAll hands.\r\n");
  check_recipients (mail, 10000);
}

/* /engine/hostile/body/20mb: the time lines after 20 MB of text. */
static GString *
new_big_body_mail (gboolean lines_first)
{
  GString *mail = g_string_sized_new (21 * 1024 * 1024);
  static const char filler[] =
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";

  g_string_append (mail, REQUEST_HEADERS "Content-Type: text/plain; charset=utf-8\r\n\r\n");
  if (lines_first)
    g_string_append (mail, BODY_LINES);
  while (mail->len < 20 * 1024 * 1024)
    g_string_append_len (mail, filler, sizeof filler - 1);
  if (!lines_first)
    g_string_append (mail, BODY_LINES);
  return mail;
}

static void
test_body_20mb_lines_last (void)
{
  g_autoptr(GString) mail = new_big_body_mail (FALSE);
  g_autoptr(CnvRequest) request = parse_mail (mail->str, mail->len);
  const char * const participants[] = { ALICE, BOB, NULL };

  assert_no_errors (request);
  assert_participants (request, participants);
  /* Either the lines are found, or the part of the body that was read is said in a warning:
   * a time that silently disappears is the only wrong answer. */
  if (cnv_request_get_times_source (request) == CNV_TIMES_SOURCE_NONE)
    g_assert_cmpuint (count_warnings (request), >, 0);
  else
    assert_times (request, CNV_TIMES_SOURCE_BODY, BODY_START, BODY_END);
}

static void
test_body_20mb_lines_first (void)
{
  g_autoptr(GString) mail = new_big_body_mail (TRUE);
  g_autoptr(CnvRequest) request = parse_mail (mail->str, mail->len);

  assert_no_errors (request);
  assert_times (request, CNV_TIMES_SOURCE_BODY, BODY_START, BODY_END);
}

/* /engine/hostile/calendar/…: many events, and a calendar too large to read. */
static GString *
new_calendar_mail (guint        n_events,
                   const char  *description)
{
  GString *mail = g_string_new (REQUEST_HEADERS
                                "Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n"
                                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Convene//hostile//EN\r\n"
                                "METHOD:REQUEST\r\n");

  for (guint i = 0; i < n_events; i++)
    {
      /* Event i starts i days after 1 December 2026 13:00 UTC and lasts 45 minutes. */
      g_autoptr(GDateTime) first = g_date_time_new_utc (2026, 12, 1, 13, 0, 0);
      g_autoptr(GDateTime) start = g_date_time_add_days (first, (int) i);
      g_autoptr(GDateTime) end = g_date_time_add_minutes (start, 45);
      g_autofree char *dtstart = g_date_time_format (start, "%Y%m%dT%H%M%SZ");
      g_autofree char *dtend = g_date_time_format (end, "%Y%m%dT%H%M%SZ");

      g_string_append_printf (mail,
                              "BEGIN:VEVENT\r\nUID:event-%u@example.test\r\nDTSTAMP:20261124T090000Z\r\n"
                              "DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Event %u\r\n%s"
                              "END:VEVENT\r\n",
                              i, dtstart, dtend, i, description ? description : "");
    }
  g_string_append (mail, "END:VCALENDAR\r\n");
  return mail;
}

static void
test_calendar_5000_events (void)
{
  g_autoptr(GString) mail = new_calendar_mail (5000, NULL);
  g_autoptr(CnvRequest) request = parse_mail (mail->str, mail->len);

  assert_no_errors (request);
  assert_times (request, CNV_TIMES_SOURCE_ICALENDAR, "2026-12-01T13:00:00Z", "2026-12-01T13:45:00Z");
  g_assert_cmpstr (cnv_request_get_uid (request), ==, "event-0@example.test");
  /* The other 4 999 were ignored, and a warning says so. */
  g_assert_cmpuint (count_warnings (request), >=, 1);
}

static void
test_calendar_too_large (void)
{
  /* 2 000 events of about 2.5 kB each: 5 MB, more than CNV_ICAL_MAX_SIZE. */
  g_autoptr(GString) description = g_string_new ("DESCRIPTION:");
  g_autoptr(GString) mail = NULL;
  g_autoptr(CnvRequest) request = NULL;

  while (description->len < 2500)
    g_string_append (description, "padding ");
  g_string_append (description, "\r\n");
  mail = new_calendar_mail (2000, description->str);
  g_assert_cmpuint (mail->len, >, CNV_ICAL_MAX_SIZE);

  request = parse_mail (mail->str, mail->len);
  g_assert_true (has_error (request, CNV_ICAL_ERROR, CNV_ICAL_ERROR_TOO_LARGE));
  g_assert_cmpint (cnv_request_get_times_source (request), ==, CNV_TIMES_SOURCE_NONE);
}

/* /engine/hostile/mime/…: boundaries that lie. */
static void
test_mime_unclosed_boundary (void)
{
  static const char mail[] =
    REQUEST_HEADERS
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    BODY_LINES;
  g_autoptr(CnvRequest) request = parse_mail (mail, sizeof mail - 1);
  const char * const participants[] = { ALICE, BOB, NULL };

  assert_no_errors (request);
  assert_participants (request, participants);
  assert_times (request, CNV_TIMES_SOURCE_BODY, BODY_START, BODY_END);
}

static void
test_mime_missing_boundary (void)
{
  /* The declared boundary never occurs: the whole body is the preamble. */
  static const char mail[] =
    REQUEST_HEADERS
    "Content-Type: multipart/mixed; boundary=\"never-used\"\r\n\r\n"
    "--other\r\n"
    "Content-Type: text/plain\r\n\r\n"
    BODY_LINES
    "--other--\r\n";
  g_autoptr(CnvRequest) request = parse_mail (mail, sizeof mail - 1);
  const char * const participants[] = { ALICE, BOB, NULL };

  assert_no_errors (request);
  assert_participants (request, participants);
  assert_clean_fields (request);
}

static void
test_mime_no_boundary_parameter (void)
{
  static const char mail[] =
    REQUEST_HEADERS
    "Content-Type: multipart/alternative\r\n\r\n"
    "--\r\n\r\n--\r\n"
    BODY_LINES;
  g_autoptr(CnvRequest) request = parse_mail (mail, sizeof mail - 1);
  const char * const participants[] = { ALICE, BOB, NULL };

  assert_no_errors (request);
  assert_participants (request, participants);
}

static void
test_mime_nested_garbage (void)
{
  static const char mail[] =
    REQUEST_HEADERS
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
    "preamble\r\n"
    "--outer\r\n"
    /* The same boundary again, one level down. */
    "Content-Type: multipart/alternative; boundary=\"outer\"\r\n\r\n"
    "--outer\r\n"
    "Content-Type: text/plain\r\n\r\n"
    "inner\r\n"
    "--outergarbage\r\n"
    "----\r\n"
    "--outer\r\n"
    /* A multipart with no boundary, holding a boundary-like line. */
    "Content-Type: multipart/related\r\n\r\n"
    "--\r\n"
    "--outer\r\n"
    /* A calendar in base64 that is not base64, and a header with no colon. */
    "Content-Type: text/calendar; method=REQUEST\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Not a header line\r\n\r\n"
    "!!!! not base64 at all ~~~~ \x01\x02\x03\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
    "--outer--\r\n"
    "--outer--\r\n"
    "epilogue\r\n"
    "--outer--\r\n";
  g_autoptr(CnvRequest) request = parse_mail (mail, sizeof mail - 1);
  const char * const participants[] = { ALICE, BOB, NULL };
  GPtrArray *errors = cnv_request_get_errors (request);

  /* The addresses come from the headers and stand; the only error allowed is about the
   * calendar part that cannot be read. */
  assert_participants (request, participants);
  assert_clean_fields (request);
  for (guint i = 0; i < errors->len; i++)
    {
      GError *error = g_ptr_array_index (errors, i);

      g_test_message ("error: %s", error->message);
      g_assert_true (error->domain == CNV_ICAL_ERROR);
    }
}

static GString *
new_nested_mail (guint       depth,
                 const char *innermost)
{
  GString *mail = g_string_new (REQUEST_HEADERS);

  for (guint i = 0; i < depth; i++)
    g_string_append_printf (mail, "Content-Type: multipart/mixed; boundary=\"b%u\"\r\n\r\n--b%u\r\n", i, i);
  g_string_append (mail, innermost);
  for (guint i = depth; i > 0; i--)
    g_string_append_printf (mail, "\r\n--b%u--\r\n", i - 1);
  return mail;
}

static void
test_mime_nesting_1000 (void)
{
  g_autoptr(GString) mail = new_nested_mail (1000, "Content-Type: text/plain\r\n\r\n" BODY_LINES);
  g_autoptr(CnvRequest) request = parse_mail (mail->str, mail->len);
  const char * const participants[] = { ALICE, BOB, NULL };

  assert_no_errors (request);
  assert_participants (request, participants);
  /* Read, or not read with a warning that says the tree was too deep. */
  if (cnv_request_get_times_source (request) == CNV_TIMES_SOURCE_NONE)
    g_assert_cmpuint (count_warnings (request), >, 0);
  else
    assert_times (request, CNV_TIMES_SOURCE_BODY, BODY_START, BODY_END);
}

static void
test_mime_nesting_shallow (void)
{
  /* Ten levels is what real mail can do (forwards of forwards): still read. */
  g_autoptr(GString) mail = new_nested_mail (10, "Content-Type: text/plain\r\n\r\n" BODY_LINES);
  g_autoptr(CnvRequest) request = parse_mail (mail->str, mail->len);

  assert_no_errors (request);
  assert_times (request, CNV_TIMES_SOURCE_BODY, BODY_START, BODY_END);
}

static void
test_mime_forward_nesting_1000 (void)
{
  /* A forward of a forward… 1 000 times; the times in the innermost mail are someone else's. */
  g_autoptr(GString) mail = g_string_new (REQUEST_HEADERS);
  g_autoptr(CnvRequest) request = NULL;
  const char * const participants[] = { ALICE, BOB, NULL };

  for (guint i = 0; i < 1000; i++)
    g_string_append (mail, "Content-Type: message/rfc822\r\n\r\n");
  g_string_append (mail, "From: mallory@evil.example\r\nTo: " MANAGER "\r\n\r\n" BODY_LINES);

  request = parse_mail (mail->str, mail->len);
  assert_no_errors (request);
  assert_participants (request, participants);
  assert_times (request, CNV_TIMES_SOURCE_NONE, NULL, NULL);
}

/* /engine/hostile/headers/…: missing, empty, absurd. */
static void
test_no_headers (void)
{
  static const char data[] = "This is just text.\r\nNo headers here.\r\n\r\nStill no headers.\r\n";

  assert_refused (data, sizeof data - 1);
}

static void
test_empty_input (void)
{
  assert_refused ("", 0);
}

static void
test_header_only (void)
{
  /* No blank line, no body, no final CRLF. */
  static const char mail[] =
    "From: Alice Martin <" ALICE ">\r\n"
    "To: " MANAGER ", " BOB "\r\n"
    "Subject: Headers only";
  g_autoptr(CnvRequest) request = parse_mail (mail, sizeof mail - 1);
  const char * const participants[] = { ALICE, BOB, NULL };

  assert_no_errors (request);
  assert_participants (request, participants);
  g_assert_cmpstr (cnv_request_get_title (request), ==, "Headers only");
  g_assert_cmpstr (cnv_request_get_session_type (request), ==, "videoconference");
  assert_times (request, CNV_TIMES_SOURCE_NONE, NULL, NULL);
}

static void
test_no_from (void)
{
  static const char mail[] =
    "To: " MANAGER ", " BOB "\r\n"
    "Subject: Anonymous\r\n\r\nHello\r\n";
  g_autoptr(CnvRequest) request = parse_mail (mail, sizeof mail - 1);

  g_assert_null (cnv_request_get_initiator (request));
  g_assert_true (has_error (request, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_INITIATOR));
}

static void
test_garbage_from (void)
{
  static const char mail[] =
    "From: <<<@@@>>> \"unterminated\r\n"
    "To: " MANAGER ", " BOB "\r\n"
    "Subject: Garbage sender\r\n\r\nHello\r\n";
  g_autoptr(CnvRequest) request = parse_mail (mail, sizeof mail - 1);

  g_assert_null (cnv_request_get_initiator (request));
  g_assert_true (has_error (request, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_INITIATOR));
  assert_clean_fields (request);
}

static void
test_subject_1mb (void)
{
  g_autoptr(GString) mail = g_string_new ("From: Alice Martin <" ALICE ">\r\n"
                                          "To: " MANAGER ", " BOB "\r\nSubject: ");
  g_autoptr(CnvRequest) request = NULL;
  const char *title;

  /* One line of 1 MiB, words and all. */
  while (mail->len < 1024 * 1024)
    g_string_append (mail, "abcdefghij ");
  g_string_append (mail, "\r\nX-Long: ");
  while (mail->len < 2 * 1024 * 1024)
    g_string_append_c (mail, 'x');
  g_string_append (mail, "\r\n\r\nHello\r\n");

  request = parse_mail (mail->str, mail->len);
  assert_no_errors (request);
  assert_clean_fields (request);
  title = cnv_request_get_title (request);
  g_assert_nonnull (title);
  g_assert_true (g_str_has_prefix (title, "abcdefghij abcdefghij"));
}

/* /engine/hostile/binary/…: bytes that are not text. */
static void
fill_random (GString *out,
             gsize    len,
             guint32  seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < len; i++)
    g_string_append_c (out, (char) g_rand_int_range (rand, 0, 256));
}

static void
test_binary_garbage (void)
{
  for (guint32 seed = 1; seed <= 8; seed++)
    {
      g_autoptr(GString) data = g_string_new (NULL);

      fill_random (data, 64 * 1024, seed);
      assert_refused (data->str, data->len);
    }
}

static void
test_binary_body (void)
{
  g_autoptr(GString) mail = g_string_new (REQUEST_HEADERS "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                                          BODY_LINES);
  g_autoptr(CnvRequest) request = NULL;

  fill_random (mail, 256 * 1024, 42);
  request = parse_mail (mail->str, mail->len);
  assert_no_errors (request);
  assert_times (request, CNV_TIMES_SOURCE_BODY, BODY_START, BODY_END);
}

static void
test_nul_bytes (void)
{
  /* NUL in the subject, in a display name, in an address and in the body (after the lines). */
  static const char mail[] =
    "From: Alice\0Martin <" ALICE ">\r\n"
    "To: " MANAGER ", " BOB ", ca\0rol@example.test\r\n"
    "Subject: Hello\0World\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    BODY_LINES
    "after\0the\0lines\r\n";
  g_autoptr(CnvRequest) request = parse_mail (mail, sizeof mail - 1);
  GPtrArray *participants = cnv_request_get_participants (request);

  assert_clean_fields (request);
  g_assert_true (cnv_address_list_contains (participants, BOB));
  g_assert_false (cnv_address_list_contains (participants, MANAGER));
  assert_times (request, CNV_TIMES_SOURCE_BODY, BODY_START, BODY_END);
}

/* /engine/hostile/build/…: what the composer builds stays one well-formed mail. */

/* CRLF line ends only, lines of at most 998 octets, and no line that starts a Bcc header. */
static void
assert_well_formed (const char *text)
{
  const char *line = text;

  for (const char *p = text; *p; p++)
    {
      if (*p == '\r')
        g_assert_cmpint (p[1], ==, '\n');
      if (*p == '\n')
        {
          g_assert_true (p > text && p[-1] == '\r');
          /* RFC 5322 §2.1.1 */
          g_assert_cmpint (p - 1 - line, <=, 998);
          line = p + 1;
          g_assert_false (g_ascii_strncasecmp (line, "bcc:", 4) == 0);
        }
    }
  g_assert_false (g_ascii_strncasecmp (text, "bcc:", 4) == 0);
}

static char *
serialize (GMimeMessage *message)
{
  GMimeFormatOptions *options = g_mime_format_options_new ();
  char *text;

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  text = g_mime_object_to_string (GMIME_OBJECT (message), options);
  g_mime_format_options_free (options);
  return text;
}

static GMimeMessage *
gmime_parse (const char *text)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (text, strlen (text));
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);

  return g_mime_parser_construct_message (parser, NULL);
}

/* The mail has no Bcc and is addressed to exactly @to (normalised, in order). */
static void
assert_addressed_to (GMimeMessage       *message,
                     const char * const *to)
{
  g_autoptr(GPtrArray) list = cnv_address_list_from_gmime (g_mime_message_get_to (message), NULL);
  InternetAddressList *bcc = g_mime_message_get_bcc (message);

  g_assert_null (g_mime_object_get_header (GMIME_OBJECT (message), "Bcc"));
  g_assert_true (bcc == NULL || internet_address_list_length (bcc) == 0);

  g_assert_cmpuint (list->len, ==, g_strv_length ((char **) to));
  for (guint i = 0; i < list->len; i++)
    g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (list, i))->address, ==, to[i]);
}

static CnvAddress *
address (const char *name,
         const char *addr)
{
  g_autoptr(GError) error = NULL;
  CnvAddress *self = cnv_address_new (name, addr, &error);

  g_assert_no_error (error);
  return self;
}

static CnvRequest *
new_request_to_build (void)
{
  CnvRequest *request = cnv_request_new ();
  g_autoptr(CnvAddress) alice = address ("Alice Martin", ALICE);
  g_autoptr(GDateTime) start = g_date_time_new_utc (2026, 12, 1, 13, 0, 0);
  g_autoptr(GDateTime) end = g_date_time_new_utc (2026, 12, 1, 14, 30, 0);

  cnv_request_set_initiator (request, alice);
  cnv_request_set_manager_address (request, MANAGER);
  cnv_request_set_session_type (request, "videoconference");
  cnv_request_set_times (request, start, end);
  return request;
}

/* Builds, serialises (CRLF), checks the text, re-parses; returns the re-parsed request. */
static CnvRequest *
build_and_reparse (CnvRequest         *request,
                   const char * const *expected_to,
                   char              **out_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) built = NULL;
  g_autoptr(GMimeMessage) reread = NULL;
  g_autoptr(CnvRequest) from_object = NULL;
  g_autofree char *text = NULL;
  CnvRequest *parsed;

  built = cnv_request_build (request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (built);

  text = serialize (built);
  g_test_message ("built:\n%s", text);
  assert_well_formed (text);

  reread = gmime_parse (text);
  g_assert_nonnull (reread);
  assert_addressed_to (reread, expected_to);
  g_assert_null (g_mime_object_get_header (GMIME_OBJECT (reread), "X-Injected"));
  /* The subject is one line: nothing a title holds becomes a header of its own. */
  g_assert_null (strpbrk (g_mime_message_get_subject (reread), "\r\n"));

  parsed = parse_mail (text, strlen (text));
  assert_no_errors (parsed);
  assert_clean_fields (parsed);

  /* The object and its serialisation read the same. */
  from_object = cnv_request_parse (built, types, paris, 60 * G_TIME_SPAN_MINUTE);
  g_assert_true (cnv_request_equal (from_object, parsed));

  if (out_text != NULL)
    *out_text = g_steal_pointer (&text);
  return parsed;
}

static void
test_build_crlf_injection (void)
{
  g_autoptr(CnvRequest) request = new_request_to_build ();
  g_autoptr(CnvRequest) parsed = NULL;
  g_autoptr(CnvAddress) eve = address ("Eve\r\nBcc: x@y", BOB);
  g_autoptr(CnvAddress) carol = address ("Carol\nTo: mallory@evil.example", CAROL);
  g_autoptr(CnvAddress) dave = address ("Dave\r\n\r\nX-Injected: yes", DAVE);
  g_autofree char *text = NULL;
  const char * const to[] = { MANAGER, BOB, CAROL, NULL };
  const char * const participants[] = { ALICE, BOB, CAROL, NULL };

  cnv_request_set_title (request, "Hi\r\nBcc: evil@x");
  cnv_request_add_participant (request, eve);
  cnv_request_add_participant (request, carol);
  cnv_request_add_informational (request, dave);
  /* A body may say anything: it stays in the body. */
  cnv_request_set_body (request, "Hello\r\n\r\nX-Injected: yes\r\n.\r\n");

  parsed = build_and_reparse (request, to, &text);
  assert_participants (parsed, participants);
  g_assert_cmpuint (cnv_request_get_informational (parsed)->len, ==, 1);
  g_assert_null (strstr (text, "evil@x>"));
  g_assert_null (strstr (text, "mallory@evil.example>"));
  g_assert_cmpstr (cnv_request_get_title (parsed), ==, cnv_request_get_title (request));
  /* parse (build (x)) == x */
  g_assert_true (cnv_request_equal (parsed, request));
}

/* A caller that fills CnvAddress by hand bypasses cnv_address_new()'s clean-up: the builder
 * itself must not let a raw CR LF through. */
static void
test_build_raw_name (void)
{
  g_autoptr(CnvRequest) request = new_request_to_build ();
  g_autoptr(CnvRequest) parsed = NULL;
  CnvAddress eve = { (char *) "Eve\r\nBcc: x@y", (char *) BOB };
  CnvAddress carol = { (char *) "Carol\"\r\n\r\nX-Injected: yes", (char *) CAROL };
  const char * const to[] = { MANAGER, BOB, CAROL, NULL };
  const char * const participants[] = { ALICE, BOB, CAROL, NULL };

  cnv_request_set_title (request, "Raw names");
  cnv_request_add_participant (request, &eve);
  cnv_request_add_participant (request, &carol);

  parsed = build_and_reparse (request, to, NULL);
  assert_participants (parsed, participants);
}

static void
check_raw_address (gboolean with_times)
{
  g_autoptr(CnvRequest) request = new_request_to_build ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) built = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GMimeMessage) reread = NULL;
  CnvAddress evil = { (char *) "Bob", (char *) BOB "\r\nBcc: x@y" };
  const char * const to[] = { MANAGER, BOB, NULL };

  if (!with_times)
    cnv_request_set_times (request, NULL, NULL);
  cnv_request_set_title (request, "Raw address");
  cnv_request_add_participant (request, &evil);

  built = cnv_request_build (request, &error);
  if (built == NULL)
    {
      /* Refused, clearly. */
      g_test_message ("refused: %s", error->message);
      g_assert_true (g_error_matches (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_INVALID) ||
                     error->domain == CNV_ICAL_ERROR);
      return;
    }

  /* Or built, with the address and nothing else. */
  text = serialize (built);
  g_test_message ("built:\n%s", text);
  assert_well_formed (text);
  reread = gmime_parse (text);
  assert_addressed_to (reread, to);
}

static void
test_build_raw_address (void)
{
  check_raw_address (TRUE);
}

static void
test_build_raw_address_no_times (void)
{
  check_raw_address (FALSE);
}

static void
test_build_manager_address_injection (void)
{
  g_autoptr(CnvRequest) request = new_request_to_build ();
  g_autoptr(CnvAddress) bob = address (NULL, BOB);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) built = NULL;

  cnv_request_add_participant (request, bob);
  cnv_request_set_manager_address (request, MANAGER "\r\nBcc: x@y");
  g_assert_null (cnv_request_get_manager_address (request));

  built = cnv_request_build (request, &error);
  g_assert_null (built);
  g_assert_error (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_MANAGER_ADDRESS);
}

static void
test_build_uid_injection (void)
{
  g_autoptr(CnvRequest) request = new_request_to_build ();
  g_autoptr(CnvRequest) parsed = NULL;
  g_autoptr(CnvAddress) bob = address (NULL, BOB);
  const char * const to[] = { MANAGER, BOB, NULL };
  g_autofree char *text = NULL;

  cnv_request_set_title (request, "UID");
  cnv_request_add_participant (request, bob);
  cnv_request_set_uid (request, "abc\r\nBcc: x@y\r\nEND:VEVENT");

  parsed = build_and_reparse (request, to, &text);
  g_assert_null (strstr (text, "\r\nEND:VEVENT\r\nBcc"));
  /* One event, whatever the UID held. */
  g_assert_cmpint (cnv_request_get_times_source (parsed), ==, CNV_TIMES_SOURCE_ICALENDAR);
}

/* Names that look like addresses or encoded words stay names. */
static void
test_build_lookalike_names (void)
{
  g_autoptr(CnvRequest) request = new_request_to_build ();
  g_autoptr(CnvRequest) parsed = NULL;
  g_autoptr(CnvAddress) bob = address ("Mallory <mallory@evil.example>, \"", BOB);
  g_autoptr(CnvAddress) carol = address ("a,b;c:d <e@f> (g) [h] \\", CAROL);
  g_autoptr(CnvAddress) dave = address ("Team: x@y, z@w;", DAVE);
  const char * const to[] = { MANAGER, BOB, CAROL, DAVE, NULL };
  const char * const participants[] = { ALICE, BOB, CAROL, DAVE, NULL };
  GPtrArray *got;

  cnv_request_set_title (request, "Lookalikes");
  cnv_request_add_participant (request, bob);
  cnv_request_add_participant (request, carol);
  cnv_request_add_participant (request, dave);

  parsed = build_and_reparse (request, to, NULL);
  assert_participants (parsed, participants);
  got = cnv_request_get_participants (parsed);
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (got, 1))->name, ==, bob->name);
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (got, 2))->name, ==, carol->name);
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (got, 3))->name, ==, dave->name);
  g_assert_true (cnv_request_equal (parsed, request));
}

/* A title that happens to look like an RFC 2047 encoded word is text, not an encoding: it must
 * come back as typed (RFC 2047 §5: such text is itself encoded). */
static void
test_build_encoded_word_title (void)
{
  g_autoptr(CnvRequest) request = new_request_to_build ();
  g_autoptr(CnvRequest) parsed = NULL;
  g_autoptr(CnvAddress) bob = address (NULL, BOB);
  const char * const to[] = { MANAGER, BOB, NULL };

  /* "=?UTF-8?B?QmNjOiBldmlsQHg=?=" decodes to "Bcc: evil@x". */
  cnv_request_set_title (request, "=?UTF-8?B?QmNjOiBldmlsQHg=?= and =?ISO-8859-1?Q?caf=E9?=");
  cnv_request_add_participant (request, bob);

  parsed = build_and_reparse (request, to, NULL);
  g_assert_cmpstr (cnv_request_get_title (parsed), ==, cnv_request_get_title (request));
  g_assert_true (cnv_request_equal (parsed, request));
}

static void
test_build_long_title (void)
{
  g_autoptr(CnvRequest) request = new_request_to_build ();
  g_autoptr(CnvRequest) parsed = NULL;
  g_autoptr(CnvAddress) bob = address ("Bjørn Ødegård", BOB);
  g_autoptr(GString) title = g_string_new (NULL);
  const char * const to[] = { MANAGER, BOB, NULL };

  /* 5 000 characters, some of them not ASCII, and one word longer than a header line. */
  while (title->len < 4000)
    g_string_append (title, "Réunion très longue ");
  for (guint i = 0; i < 1200; i++)
    g_string_append_c (title, 'x');
  cnv_request_set_title (request, title->str);
  cnv_request_add_participant (request, bob);

  parsed = build_and_reparse (request, to, NULL);
  g_assert_cmpstr (cnv_request_get_title (parsed), ==, cnv_request_get_title (request));
  g_assert_true (cnv_request_equal (parsed, request));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  types = new_types ();
  paris = g_time_zone_new_identifier ("Europe/Paris");
  g_assert_nonnull (paris);

  g_test_add_func ("/engine/hostile/recipients/10000", test_recipients_folded);
  g_test_add_func ("/engine/hostile/recipients/10000-one-line", test_recipients_one_line);
  g_test_add_func ("/engine/hostile/body/20mb/lines-last", test_body_20mb_lines_last);
  g_test_add_func ("/engine/hostile/body/20mb/lines-first", test_body_20mb_lines_first);
  g_test_add_func ("/engine/hostile/calendar/5000-vevents", test_calendar_5000_events);
  g_test_add_func ("/engine/hostile/calendar/too-large", test_calendar_too_large);
  g_test_add_func ("/engine/hostile/mime/unclosed-boundary", test_mime_unclosed_boundary);
  g_test_add_func ("/engine/hostile/mime/missing-boundary", test_mime_missing_boundary);
  g_test_add_func ("/engine/hostile/mime/no-boundary-parameter", test_mime_no_boundary_parameter);
  g_test_add_func ("/engine/hostile/mime/nested-garbage", test_mime_nested_garbage);
  g_test_add_func ("/engine/hostile/mime/nesting/10", test_mime_nesting_shallow);
  g_test_add_func ("/engine/hostile/mime/nesting/1000", test_mime_nesting_1000);
  g_test_add_func ("/engine/hostile/mime/forward-nesting/1000", test_mime_forward_nesting_1000);
  g_test_add_func ("/engine/hostile/headers/none", test_no_headers);
  g_test_add_func ("/engine/hostile/headers/empty-input", test_empty_input);
  g_test_add_func ("/engine/hostile/headers/header-only", test_header_only);
  g_test_add_func ("/engine/hostile/headers/no-from", test_no_from);
  g_test_add_func ("/engine/hostile/headers/garbage-from", test_garbage_from);
  g_test_add_func ("/engine/hostile/headers/subject-1mb", test_subject_1mb);
  g_test_add_func ("/engine/hostile/binary/garbage", test_binary_garbage);
  g_test_add_func ("/engine/hostile/binary/body", test_binary_body);
  g_test_add_func ("/engine/hostile/binary/nul-bytes", test_nul_bytes);
  g_test_add_func ("/engine/hostile/build/crlf-injection", test_build_crlf_injection);
  g_test_add_func ("/engine/hostile/build/raw-name", test_build_raw_name);
  g_test_add_func ("/engine/hostile/build/raw-address", test_build_raw_address);
  g_test_add_func ("/engine/hostile/build/raw-address-no-times", test_build_raw_address_no_times);
  g_test_add_func ("/engine/hostile/build/manager-address", test_build_manager_address_injection);
  g_test_add_func ("/engine/hostile/build/uid", test_build_uid_injection);
  g_test_add_func ("/engine/hostile/build/lookalike-names", test_build_lookalike_names);
  g_test_add_func ("/engine/hostile/build/encoded-word-title", test_build_encoded_word_title);
  g_test_add_func ("/engine/hostile/build/long-title", test_build_long_title);

  status = g_test_run ();

  g_clear_object (&types);
  g_clear_pointer (&paris, g_time_zone_unref);
  return status;
}
