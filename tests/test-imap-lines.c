/* test-imap-lines.c — the IMAP client against scripted line servers: responses and connections
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test runs a script (tests/line-server.h) in the server's own thread while this thread runs
 * the client, against servers that do what real ones rarely do: split literals, news in the middle
 * of a FETCH, BYE mid-command, broken greetings, 1 MiB lines, wrong tags, unexpected
 * continuations, silence. Each checks the result and the exact lines the client sent. Login and
 * STARTTLS are in test-imap-lines-auth.c, IDLE and the polling watcher in test-imap-lines-idle.c,
 * the line server's own tests in test-line-server.c.
 */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "cnv-imap-client.h"
#include "cnv-imap-parser.h"
#include "imap-test-client.h"

/* 1. A literal split across reads: inside `{N}`, between its CR and LF, inside the bytes, and the
 * tagged answer split too. The literal holds what a scanner would take for the end of the command
 * (its own tag, A2), a literal announcement, a parenthesis, NUL and a byte that is not UTF-8. */
static void
test_client_literal_split (void)
{
  static const char body[] = "Subject: x\r\n\r\nA2 OK {5}\r\n)\0\xff!";
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    SELECT_INBOX
    "C: TAG UID FETCH 7 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S-raw: * 1 FETCH (UID 7 BODY[] {2\n"
    "sleep: 100\n"
    "S-raw: 9}\\r\n"
    "sleep: 100\n"
    "S-raw: \\nSubject: x\\r\\n\\r\\nA2\n"
    "sleep: 100\n"
    "S-raw:  OK {5}\\r\\n)\\x00\\xff!\n"
    "sleep: 100\n"
    "S-raw: )\\r\\n${TAG} O\n"
    "sleep: 100\n"
    "S: K UID FETCH completed\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GBytes) expected = g_bytes_new_static (body, sizeof body - 1);
  CnvImapMessage *message;

  g_assert_cmpuint (sizeof body - 1, ==, 29);
  trace_clear ();
  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);
  messages = client_fetch (tc, "7", CNV_IMAP_FETCH_BODY, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  message = g_ptr_array_index (messages, 0);
  g_assert_cmpuint (message->uid, ==, 7);
  g_assert_cmpuint (message->sequence, ==, 1);
  g_assert_null (message->header);
  g_assert_nonnull (message->body);
  g_assert_true (g_bytes_equal (message->body, expected));
  g_assert_true (cnv_imap_client_is_connected (tc->client));
  g_assert_cmpuint (tc->closed->len, ==, 0);

  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"",
                                              "A2 UID FETCH 7 (UID BODY.PEEK[])", NULL });
  /* The debug trace shows the protocol, never the mail: its link and credential stay out of the
   * logs, even with the literal's announcement and its bytes split across reads. */
  assert_traced_line ("S: {29 bytes not shown}");
  assert_not_traced ("Subject");
  assert_not_traced ("OK {5}");
}

/* 2. RFC 9051 §7: EXISTS, EXPUNGE and a flag change may come at any time, here in the middle of
 * the FETCH answer. Sequence numbers shift after the EXPUNGE: UID 11 was message 4, now 3. */
static void
test_client_exists_during_fetch (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG SELECT \"INBOX\"\n"
    "S: * 4 EXISTS\n"
    "S: * OK [UIDVALIDITY 1700000000] UIDs valid\n"
    "S: * OK [UIDNEXT 12] Predicted next UID\n"
    "S: ${TAG} OK [READ-WRITE] Select completed.\n"
    "C: TAG UID FETCH 10:11 \\(UID FLAGS RFC822\\.SIZE\\)\n"
    "S: * 3 FETCH (UID 10 FLAGS (\\\\Seen) RFC822.SIZE 1200)\n"
    "S: * 5 EXISTS\n"
    "S: * 2 FETCH (FLAGS (\\\\Seen))\n"
    "S: * 3 EXPUNGE\n"
    "S: * 3 FETCH (UID 11 FLAGS () RFC822.SIZE 3400)\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG NOOP\n"
    "S: * 6 EXISTS\n"
    "S: ${TAG} OK NOOP completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  CnvImapMailbox info;
  CnvImapMessage *message;

  connect_or_fail (tc);
  info = select_or_fail (tc, "INBOX", FALSE);
  g_assert_cmpuint (info.exists, ==, 4);
  g_assert_cmpuint (info.uidvalidity, ==, 1700000000);
  g_assert_cmpuint (info.uidnext, ==, 12);
  g_assert_false (info.read_only);
  /* The size a SELECT reports is not news. */
  g_assert_cmpuint (tc->exists->len, ==, 0);
  g_assert_cmpuint (cnv_imap_client_get_exists (tc->client), ==, 4);

  messages = client_fetch (tc, "10:11", CNV_IMAP_FETCH_FLAGS | CNV_IMAP_FETCH_SIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 2);
  message = g_ptr_array_index (messages, 0);
  g_assert_cmpuint (message->uid, ==, 10);
  g_assert_cmpuint (message->sequence, ==, 3);
  g_assert_cmpuint (message->size, ==, 1200);
  g_assert_true (cnv_imap_message_has_flag (message, "\\Seen"));
  g_assert_cmpuint (g_strv_length (message->flags), ==, 1);
  message = g_ptr_array_index (messages, 1);
  g_assert_cmpuint (message->uid, ==, 11);
  g_assert_cmpuint (message->sequence, ==, 3);
  g_assert_cmpuint (message->size, ==, 3400);
  g_assert_nonnull (message->flags);
  g_assert_cmpuint (g_strv_length (message->flags), ==, 0);

  g_assert_cmpuint (tc->exists->len, ==, 1);
  g_assert_cmpuint (g_array_index (tc->exists, guint, 0), ==, 5);
  g_assert_cmpuint (tc->expunged->len, ==, 1);
  g_assert_cmpuint (g_array_index (tc->expunged, guint, 0), ==, 3);
  g_assert_cmpuint (cnv_imap_client_get_exists (tc->client), ==, 4);

  /* NOOP (RFC 9051 §6.1.2): the news arrives before the command's result. */
  g_assert_true (client_noop (tc, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tc->exists->len, ==, 2);
  g_assert_cmpuint (g_array_index (tc->exists, guint, 1), ==, 6);
  g_assert_cmpuint (cnv_imap_client_get_exists (tc->client), ==, 6);

  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"",
                                              "A2 UID FETCH 10:11 (UID FLAGS RFC822.SIZE)",
                                              "A3 NOOP", NULL });
}

/* 2b. During a UID command a server puts the UID in its FETCH responses (RFC 9051 §6.4.9), also in
 * an unsolicited one that reports another client's flag change (Dovecot does). That message was
 * not asked for and must not appear in the result. */
static void
test_client_unsolicited_fetch_with_uid (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    SELECT_INBOX
    "C: TAG UID FETCH 10:11 \\(UID FLAGS\\)\n"
    "S: * 1 FETCH (UID 4 FLAGS (\\\\Seen \\\\Deleted))\n"
    "S: * 2 FETCH (UID 10 FLAGS ())\n"
    "S: * 3 FETCH (UID 11 FLAGS (\\\\Answered))\n"
    "S: ${TAG} OK Fetch completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);
  messages = client_fetch (tc, "10:11", CNV_IMAP_FETCH_FLAGS, &error);
  g_assert_no_error (error);
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"",
                                              "A2 UID FETCH 10:11 (UID FLAGS)", NULL });
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpuint (((CnvImapMessage *) g_ptr_array_index (messages, 0))->uid, ==, 10);
  g_assert_cmpuint (((CnvImapMessage *) g_ptr_array_index (messages, 1))->uid, ==, 11);
}

/* 3. RFC 9051 §7.1.5: BYE in the middle of a command. The running and the queued command fail
 * with the server's words; the connection is gone for good. */
static void
test_client_bye_mid_command (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG UID SEARCH ALL\n"
    "S: * SEARCH 1 2\n"
    "S: * BYE Server shutting down for maintenance\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) search_error = NULL;
  g_autoptr(GError) noop_error = NULL;
  g_autoptr(GError) after_error = NULL;
  g_autoptr(GArray) uids = NULL;
  GAsyncResult *search = NULL;
  GAsyncResult *noop = NULL;
  const GError *closed;

  connect_or_fail (tc);
  cnv_imap_client_uid_search_async (tc->client, "ALL", NULL, store_result_cb, &search);
  cnv_imap_client_noop_async (tc->client, NULL, store_result_cb, &noop);

  uids = cnv_imap_client_uid_search_finish (tc->client, wait_client (&search), &search_error);
  g_assert_null (uids);
  g_assert_error (search_error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_BYE);
  assert_error_says (search_error, "Server shutting down for maintenance");

  /* Queued behind it, never sent: it fails the same way. */
  g_assert_false (cnv_imap_client_noop_finish (tc->client, wait_client (&noop), &noop_error));
  g_assert_error (noop_error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_BYE);

  g_assert_cmpuint (tc->closed->len, ==, 1);
  closed = g_ptr_array_index (tc->closed, 0);
  g_assert_error (closed, CNV_IMAP_ERROR, CNV_IMAP_ERROR_BYE);
  assert_error_says (closed, "Server shutting down for maintenance");
  g_assert_false (cnv_imap_client_is_connected (tc->client));

  g_assert_false (client_noop (tc, &after_error));
  g_assert_error (after_error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CLOSED);
  g_assert_cmpuint (tc->closed->len, ==, 1);

  assert_received (server, (const char *[]) { "A1 UID SEARCH ALL", NULL });
  g_object_unref (search);
  g_object_unref (noop);
}

/* LOGOUT: its BYE is expected (RFC 9051 §6.1.3), the tagged OK follows; then the client closes. */
static void
test_client_logout (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG LOGOUT\n"
    "S: * BYE Logging out\n"
    "S: ${TAG} OK Logout completed.\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  connect_or_fail (tc);
  cnv_imap_client_logout_async (tc->client, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_logout_finish (tc->client, wait_client (&result), &error));
  g_assert_no_error (error);
  g_object_unref (result);
  g_assert_false (cnv_imap_client_is_connected (tc->client));
  g_assert_cmpuint (tc->closed->len, ==, 1);
  g_assert_error (closed_reason (tc), CNV_IMAP_ERROR, CNV_IMAP_ERROR_CLOSED);
  assert_received (server, (const char *[]) { "A1 LOGOUT", NULL });
}

/* 5. RFC 9051 §7.1: the greeting is `* OK`, `* PREAUTH` or `* BYE`, a whole line. */
static void
test_client_greetings (void)
{
  static const struct
  {
    const char *script;
    int         code;
    const char *says;
  } cases[] = {
    /* Cut before its CRLF. */
    { "S-raw: * OK Dove\nclose\n", CNV_IMAP_ERROR_CONNECTION, "closed the connection" },
    /* Not an IMAP server. */
    { "S: HTTP/1.1 400 Bad Request\nexpect-eof\n", CNV_IMAP_ERROR_PROTOCOL, "Malformed" },
    { "S: * NO Go away\nexpect-eof\n", CNV_IMAP_ERROR_PROTOCOL, "NO" },
    { "S: * BYE Too many connections\nexpect-eof\n", CNV_IMAP_ERROR_BYE, "Too many connections" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CnvLineServer) server = run_script (cases[i].script);
      g_autoptr(TestClient) tc = test_client_new (server);
      g_autoptr(GError) error = NULL;

      g_test_message ("greeting %u: %s", i, cases[i].script);
      g_assert_false (client_connect (tc, &error));
      g_assert_error (error, CNV_IMAP_ERROR, cases[i].code);
      assert_error_says (error, cases[i].says);
      g_assert_false (cnv_imap_client_is_connected (tc->client));
      assert_received (server, (const char *[]) { NULL });
    }
}

/* 5b. A greeting split across writes is one greeting. */
static void
test_client_greeting_split (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S-raw: * OK [CAPA\n"
    "sleep: 100\n"
    "S-raw: BILITY IMAP4rev1 ID\n"
    "sleep: 100\n"
    "S-raw: LE] ready\\r\n"
    "sleep: 100\n"
    "S-raw: \\n\n"
    "C: TAG NOOP\n"
    "S: ${TAG} OK NOOP completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;

  connect_or_fail (tc);
  g_assert_true (cnv_imap_client_has_capability (tc->client, "IDLE"));
  g_assert_true (client_noop (tc, &error));
  g_assert_no_error (error);
  assert_received (server, (const char *[]) { "A1 NOOP", NULL });
}

/* 5c. A server that accepts and says nothing: the command timeout ends the wait. */
static void
test_client_greeting_silent (void)
{
  g_autoptr(CnvLineServer) server = run_script ("accept\nexpect-eof\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  cnv_imap_client_set_command_timeout (tc->client, 1);
  g_assert_false (client_connect (tc, &error));
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("the connection failed after %" G_GINT64_FORMAT " ms", elapsed / 1000);
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION);
  /* g_timeout_add_seconds() may fire up to a quarter second early, and up to a second late. */
  g_assert_cmpint (elapsed, >=, 700 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (elapsed, <, 2500 * G_TIME_SPAN_MILLISECOND);
  assert_received (server, (const char *[]) { NULL });
}

/* 6a. A 1 MiB `* SEARCH` line (RFC 9051 §7.3.4): every UID comes back. */
static void
test_client_big_search (void)
{
  const guint count = 170000;
  g_autoptr(GString) script = g_string_new (GREETING "C: TAG UID SEARCH ALL\nS: * SEARCH");
  g_autoptr(CnvLineServer) server = NULL;
  g_autoptr(TestClient) tc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uids = NULL;
  gsize line_start;

  line_start = script->len - strlen ("* SEARCH");
  for (guint uid = count; uid >= 1; uid--)
    g_string_append_printf (script, " %u", uid);
  g_assert_cmpuint (script->len - line_start, >, 1024 * 1024);
  g_string_append (script, "\nS: ${TAG} OK Search completed.\n");

  server = run_script (script->str);
  tc = test_client_new (server);
  connect_or_fail (tc);
  uids = client_search (tc, "ALL", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, count);
  for (guint i = 0; i < count; i++)
    if (g_array_index (uids, guint32, i) != i + 1)
      g_error ("UID %u at %u", g_array_index (uids, guint32, i), i);
  assert_received (server, (const char *[]) { "A1 UID SEARCH ALL", NULL });
}

/* 6b. CNV_IMAP_PARSER_MAX_LINE: a line of exactly the limit (CRLF included) passes; one byte more
 * is refused before its end comes, and the connection is closed. */
static void
test_client_line_limit (void)
{
  g_autofree char *script = g_strdup_printf (
    GREETING
    "C: TAG NOOP\n"
    "S: * OK ${BIG:%u:x}\n"
    "S: ${TAG} OK NOOP completed.\n"
    "C: TAG NOOP\n"
    "S-raw: * OK ${BIG:%u:y}\n"
    "expect-eof\n",
    CNV_IMAP_PARSER_MAX_LINE - 7, CNV_IMAP_PARSER_MAX_LINE - 4);
  g_autoptr(CnvLineServer) server = run_script (script);
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;

  connect_or_fail (tc);
  g_assert_true (client_noop (tc, &error));
  g_assert_no_error (error);

  g_assert_false (client_noop (tc, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_LIMIT);
  g_assert_false (cnv_imap_client_is_connected (tc->client));
  g_assert_cmpuint (tc->closed->len, ==, 1);
  g_assert_error (closed_reason (tc), CNV_IMAP_ERROR, CNV_IMAP_ERROR_LIMIT);
  assert_received (server, (const char *[]) { "A1 NOOP", "A2 NOOP", NULL });
}

/* 6c. A literal announced beyond CNV_IMAP_PARSER_MAX_LITERAL is refused at its announcement. */
static void
test_client_literal_limit (void)
{
  g_autofree char *script = g_strdup_printf (
    GREETING
    SELECT_INBOX
    "C: TAG UID FETCH 7 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S: * 1 FETCH (UID 7 BODY[] {%u}\n"
    "expect-eof\n",
    CNV_IMAP_PARSER_MAX_LITERAL + 1);
  g_autoptr(CnvLineServer) server = run_script (script);
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);
  messages = client_fetch (tc, "7", CNV_IMAP_FETCH_BODY, &error);
  g_assert_null (messages);
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_LIMIT);
  g_assert_false (cnv_imap_client_is_connected (tc->client));
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"",
                                              "A2 UID FETCH 7 (UID BODY.PEEK[])", NULL });
}

/* The connection drops in the middle of a literal. */
static void
test_client_eof_in_literal (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    SELECT_INBOX
    "C: TAG UID FETCH 7 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S-raw: * 1 FETCH (UID 7 BODY[] {100}\\r\\nSubject: only a part\n"
    "close\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);
  messages = client_fetch (tc, "7", CNV_IMAP_FETCH_BODY, &error);
  g_assert_null (messages);
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION);
  g_assert_cmpuint (tc->closed->len, ==, 1);
  g_assert_error (closed_reason (tc), CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION);
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"",
                                              "A2 UID FETCH 7 (UID BODY.PEEK[])", NULL });
}

/* 7. RFC 9051 §2.2.1: a tagged answer must carry the tag of the command it ends. */
static void
test_client_tag_mismatch (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG NOOP\n"
    "S: A999 OK NOOP completed.\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;

  connect_or_fail (tc);
  g_assert_false (client_noop (tc, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL);
  assert_error_says (error, "A999");
  g_assert_false (cnv_imap_client_is_connected (tc->client));
  g_assert_cmpuint (tc->closed->len, ==, 1);
  assert_received (server, (const char *[]) { "A1 NOOP", NULL });
}

/* A tagged answer while no command runs. */
static void
test_client_tag_unsolicited (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "sleep: 100\n"
    "S: A1 OK what command?\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new (server);

  connect_or_fail (tc);
  WAIT_UNTIL (tc->closed->len > 0, CLIENT_TIMEOUT_S);
  g_assert_cmpuint (tc->closed->len, ==, 1);
  g_assert_error (closed_reason (tc), CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL);
  g_assert_false (cnv_imap_client_is_connected (tc->client));
  assert_received (server, (const char *[]) { NULL });
}

/* A command the server never answers: the command timeout closes the connection. */
static void
test_client_command_timeout (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG NOOP\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  gint64 start;
  gint64 elapsed;

  cnv_imap_client_set_command_timeout (tc->client, 1);
  connect_or_fail (tc);
  start = g_get_monotonic_time ();
  g_assert_false (client_noop (tc, &error));
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION);
  g_assert_cmpint (elapsed, >=, 700 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (elapsed, <, 2500 * G_TIME_SPAN_MILLISECOND);
  g_assert_error (closed_reason (tc), CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION);
  assert_received (server, (const char *[]) { "A1 NOOP", NULL });
}

/* RFC 9051 §6.3.2: UIDVALIDITY is required; without it UIDs mean nothing. */
static void
test_client_select_without_uidvalidity (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG SELECT \"INBOX\"\n"
    "S: * 3 EXISTS\n"
    "S: ${TAG} OK [READ-WRITE] Select completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  CnvImapMailbox info = { 0, };

  connect_or_fail (tc);
  cnv_imap_client_select_async (tc->client, "INBOX", FALSE, NULL, store_result_cb, &result);
  g_assert_false (cnv_imap_client_select_finish (tc->client, wait_client (&result), &info, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL);
  assert_error_says (error, "UIDVALIDITY");
  g_object_unref (result);
  g_assert_cmpuint (info.uidvalidity, ==, 0);
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"", NULL });
}

/* 11a. APPEND (RFC 9051 §6.3.12) without LITERAL+: the message only after the server's `+`.
 * RFC 4315 §3: APPENDUID gives the new message's UID. */
static void
test_client_append_synchronizing (void)
{
  static const char text[] = "From: a@example.test\r\nSubject: sent\r\n\r\nHello.\r\n";
  g_autofree char *script = g_strdup_printf (
    "S: * OK [CAPABILITY IMAP4rev1 UIDPLUS] ready\n"
    "C: TAG APPEND \"Sent\" \\(\\\\Seen\\) \\{%u\\}\n"
    "sleep: 400\n"
    "S: + Ready for literal data\n"
    "C-bytes: %u\n"
    "C: \n"
    "S: ${TAG} OK [APPENDUID 38505 3955] Append completed.\n",
    (guint) sizeof text - 1, (guint) sizeof text - 1);
  g_autoptr(CnvLineServer) server = run_script (script);
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GBytes) message = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = g_strdup_printf ("A1 APPEND \"Sent\" (\\Seen) {%u}",
                                            (guint) sizeof text - 1);
  const char *flags[] = { "\\Seen", NULL };
  GAsyncResult *result = NULL;
  guint32 uid = 0;

  connect_or_fail (tc);
  cnv_imap_client_append_async (tc->client, "Sent", flags, message, NULL, store_result_cb, &result);
  assert_sent_stays (tc, strlen (first) + 2, 200);
  g_assert_true (cnv_imap_client_append_finish (tc->client, wait_client (&result), &uid, &error));
  g_assert_no_error (error);
  g_object_unref (result);
  g_assert_cmpuint (uid, ==, 3955);
  assert_received (server, (const char *[]) { first, text, "", NULL });
}

/* 11b. With LITERAL+ (RFC 7888): `{N+}` and the message at once, no `+` awaited. Without
 * APPENDUID the UID is 0. */
static void
test_client_append_literal_plus (void)
{
  static const char text[] = "Subject: plus\r\n\r\nNo waiting.\r\n";
  g_autofree char *script = g_strdup_printf (
    "S: * OK [CAPABILITY IMAP4rev1 LITERAL+] ready\n"
    "C: TAG APPEND \"Drafts\" \\(\\) \\{%u\\+\\}\n"
    "C-bytes: %u\n"
    "C: \n"
    "S: ${TAG} OK Append completed.\n",
    (guint) sizeof text - 1, (guint) sizeof text - 1);
  g_autoptr(CnvLineServer) server = run_script (script);
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GBytes) message = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = g_strdup_printf ("A1 APPEND \"Drafts\" () {%u+}",
                                            (guint) sizeof text - 1);
  guint32 uid = 77;

  connect_or_fail (tc);
  g_assert_true (client_append (tc, "Drafts", NULL, message, &uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uid, ==, 0);
  assert_received (server, (const char *[]) { first, text, "", NULL });
}

/* cnv_imap_client_close() then the last unref: the client is freed, commands or not. */
static void
test_client_close_frees (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG NOOP\n"
    "S: ${TAG} OK NOOP completed.\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;

  connect_or_fail (tc);
  g_assert_true (client_noop (tc, &error));
  g_assert_no_error (error);
  cnv_imap_client_close (tc->client);
  assert_received (server, (const char *[]) { "A1 NOOP", NULL });
  g_assert_true (release_client (tc));
}

/* Dropping the last reference to a connected client closes the connection (its dispose says so)
 * and frees it. */
static void
test_client_unref_closes (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG NOOP\n"
    "S: ${TAG} OK NOOP completed.\n"
    "timeout: 3000\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) script = NULL;
  gboolean freed;

  connect_or_fail (tc);
  g_assert_true (client_noop (tc, &error));
  g_assert_no_error (error);
  freed = release_client (tc);
  g_assert_true (freed);
  cnv_line_server_wait (server, SCRIPT_TIMEOUT_MS, &script);
  g_assert_no_error (script);
  assert_received (server, (const char *[]) { "A1 NOOP", NULL });
}

/* 12. A `+` to a command that has nothing more to send. */
static void
test_client_unexpected_continuation (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG NOOP\n"
    "S: + go on\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;

  connect_or_fail (tc);
  g_assert_false (client_noop (tc, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL);
  g_assert_false (cnv_imap_client_is_connected (tc->client));
  g_assert_cmpuint (tc->closed->len, ==, 1);
  g_assert_error (closed_reason (tc), CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL);
  assert_received (server, (const char *[]) { "A1 NOOP", NULL });
}

/* 13a. LIST (RFC 9051 §7.3.1) with SPECIAL-USE (RFC 6154): what real servers send and what odd
 * ones do — `inbox` in lower case, a NIL delimiter (a flat server), names as literals, numbers
 * and backslashes, modified UTF-7 (RFC 3501 §5.1.3) with a character outside the BMP, LIST-EXTENDED
 * items after the name (RFC 5258 §9), and news in between. A line of another shape, or a name
 * that is not modified UTF-7, is left out; the others still count. */
static void
test_client_list_special_use (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 LIST-EXTENDED SPECIAL-USE] ready\n"
    "C: TAG LIST \"\" \"\\*\" RETURN \\(SPECIAL-USE\\)\n"
    "S: * LIST (\\\\HasNoChildren) \"/\" inbox\n"
    "S: * LIST (\\\\HasNoChildren \\\\Sent) \"/\" \"Sent Items\"\n"
    "S: * LIST (\\\\Noselect \\\\HasChildren) \"/\" Archive\n"
    "S: * LIST (\\\\HasNoChildren \\\\Drafts) \"/\" \"Entw&APw-rfe\"\n"
    "S: * 4 EXISTS\n"
    "S: * LIST () NIL Flat\n"
    "S: * LIST (\\\\HasNoChildren) \"/\" ${LIT:Odd \"Name\" (x)}\n"
    "S: * LIST (\\\\sent $Custom) \".\" \"Old.Sent\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\n"
    "S: * LIST (\\\\HasNoChildren) \"\\\\\\\\\" \"Back\\\\\\\\slash\"\n"
    "S: * LIST (\\\\HasNoChildren) \"/\" 2024\n"
    "S: * LIST (\\\\HasNoChildren) \"/\" \"Smile &2D3eAA-\"\n"
    "S: * LIST (\\\\HasNoChildren) \"/\" \"Bad&AGE\"\n"
    "S: * LIST (\\\\HasNoChildren) \"/\" \"&AEE-\"\n"
    "S: * LIST (\\\\HasNoChildren) \"/\" \"&2D0-\"\n"
    "S: * LIST \"notalist\" \"/\" \"X\"\n"
    "S: * LIST (\\\\HasNoChildren) \"//\" \"Y\"\n"
    "S: * LIST (\\\\HasNoChildren) \"/\"\n"
    "S: * LIST (\\\\HasNoChildren) \"/\" ${LIT:Nul\\x00Byte}\n"
    "S: * LIST (\\\\HasNoChildren) \"/\" \"\"\n"
    "S: ${TAG} OK List completed.\n");
  static const struct { const char *name; char delimiter; const char *attribute; } expected[] = {
    { "INBOX", '/', "\\HasNoChildren" },
    { "Sent Items", '/', "\\Sent" },
    { "Archive", '/', "\\Noselect" },
    { "Entw\xc3\xbcrfe", '/', "\\Drafts" },
    { "Flat", '\0', NULL },
    { "Odd \"Name\" (x)", '/', "\\HasNoChildren" },
    { "Old.Sent", '.', "\\Sent" },
    { "Back\\slash", '\\', "\\HasNoChildren" },
    { "2024", '/', "\\HasNoChildren" },
    { "Smile \xf0\x9f\x98\x80", '/', "\\HasNoChildren" },
  };
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  GAsyncResult *result = NULL;

  connect_or_fail (tc);
  cnv_imap_client_list_async (tc->client, NULL, store_result_cb, &result);
  entries = cnv_imap_client_list_finish (tc->client, wait_client (&result), &error);
  g_object_unref (result);
  g_assert_no_error (error);
  g_assert_nonnull (entries);
  g_assert_cmpuint (entries->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < entries->len; i++)
    {
      const CnvImapListEntry *entry = g_ptr_array_index (entries, i);

      g_assert_cmpstr (entry->name, ==, expected[i].name);
      g_assert_cmpint (entry->delimiter, ==, expected[i].delimiter);
      g_assert_nonnull (entry->attributes);
      if (expected[i].attribute != NULL)
        g_assert_true (cnv_imap_list_entry_has_attribute (entry, expected[i].attribute));
      else
        g_assert_cmpuint (g_strv_length (entry->attributes), ==, 0);
    }
  /* Attributes are case-insensitive; the server's spelling is kept. */
  g_assert_true (cnv_imap_list_entry_has_attribute (g_ptr_array_index (entries, 6), "\\SENT"));
  g_assert_cmpstr (((CnvImapListEntry *) g_ptr_array_index (entries, 6))->attributes[1], ==,
                   "$Custom");
  g_assert_false (cnv_imap_list_entry_has_attribute (g_ptr_array_index (entries, 0), "\\Sent"));
  g_assert_true (cnv_imap_client_is_connected (tc->client));
  assert_received (server, (const char *[]) { "A1 LIST \"\" \"*\" RETURN (SPECIAL-USE)", NULL });
}

/* 13b. Without LIST-EXTENDED the plain LIST (RFC 9051 §6.3.9): a RETURN option would be BAD. An
 * empty answer is an empty list; a NO is the server's words. */
static void
test_client_list_plain (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 SPECIAL-USE] ready\n"
    "C: TAG LIST \"\" \"\\*\"\n"
    "S: ${TAG} OK List completed.\n"
    "C: TAG LIST \"\" \"\\*\"\n"
    "S: ${TAG} NO [SERVERBUG] Mailbox list unavailable\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) none = NULL;
  GAsyncResult *result = NULL;

  connect_or_fail (tc);
  cnv_imap_client_list_async (tc->client, NULL, store_result_cb, &result);
  entries = cnv_imap_client_list_finish (tc->client, wait_client (&result), &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_nonnull (entries);
  g_assert_cmpuint (entries->len, ==, 0);

  cnv_imap_client_list_async (tc->client, NULL, store_result_cb, &result);
  none = cnv_imap_client_list_finish (tc->client, wait_client (&result), &error);
  g_clear_object (&result);
  g_assert_null (none);
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_NO);
  assert_error_says (error, "Mailbox list unavailable");
  g_assert_true (cnv_imap_client_is_connected (tc->client));
  assert_received (server, (const char *[]) { "A1 LIST \"\" \"*\"", "A2 LIST \"\" \"*\"", NULL });
}

/* 13c. A LIST line that is not IMAP at all (an unclosed attribute list) is a protocol error: the
 * connection is closed, as for any other response. */
static void
test_client_list_malformed (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG LIST \"\" \"\\*\"\n"
    "S: * LIST (\\\\HasNoChildren \"/\" \"Sent\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  GAsyncResult *result = NULL;

  connect_or_fail (tc);
  cnv_imap_client_list_async (tc->client, NULL, store_result_cb, &result);
  entries = cnv_imap_client_list_finish (tc->client, wait_client (&result), &error);
  g_object_unref (result);
  g_assert_null (entries);
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL);
  g_assert_false (cnv_imap_client_is_connected (tc->client));
  assert_received (server, (const char *[]) { "A1 LIST \"\" \"*\"", NULL });
}

/* 13d. CREATE (RFC 9051 §6.3.4): the name goes in modified UTF-7, `&` as `&-`; CR and LF in a
 * name are encoded like any other character outside printable ASCII, so they cannot end the
 * command; a name that is not UTF-8 never reaches the wire; a mailbox that exists is a NO with the
 * server's words (RFC 5530 ALREADYEXISTS). */
static void
test_client_create (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG CREATE \"Entw&APw-rfe &- Sent\"\n"
    "S: ${TAG} OK Create completed.\n"
    "C: TAG CREATE \"Sent&AA0ACg-A9 DELETE INBOX\"\n"
    "S: ${TAG} NO [CANNOT] Invalid mailbox name\n"
    "C: TAG CREATE \"Sent\"\n"
    "S: ${TAG} NO [ALREADYEXISTS] Mailbox already exists\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) exists = NULL;
  g_autoptr(GError) invalid = NULL;
  g_autoptr(GError) refused = NULL;
  GAsyncResult *result = NULL;

  connect_or_fail (tc);
  cnv_imap_client_create_async (tc->client, "Entw\xc3\xbcrfe & Sent", NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_create_finish (tc->client, wait_client (&result), &error));
  g_clear_object (&result);
  g_assert_no_error (error);

  cnv_imap_client_create_async (tc->client, "Sent\xff", NULL, store_result_cb, &result);
  g_assert_false (cnv_imap_client_create_finish (tc->client, wait_client (&result), &invalid));
  g_clear_object (&result);
  g_assert_error (invalid, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

  cnv_imap_client_create_async (tc->client, "Sent\r\nA9 DELETE INBOX", NULL, store_result_cb,
                                &result);
  g_assert_false (cnv_imap_client_create_finish (tc->client, wait_client (&result), &refused));
  g_clear_object (&result);
  g_assert_error (refused, CNV_IMAP_ERROR, CNV_IMAP_ERROR_NO);

  cnv_imap_client_create_async (tc->client, "Sent", NULL, store_result_cb, &result);
  g_assert_false (cnv_imap_client_create_finish (tc->client, wait_client (&result), &exists));
  g_clear_object (&result);
  g_assert_error (exists, CNV_IMAP_ERROR, CNV_IMAP_ERROR_NO);
  assert_error_says (exists, "Mailbox already exists");
  g_assert_true (cnv_imap_client_is_connected (tc->client));
  assert_received (server, (const char *[]) { "A1 CREATE \"Entw&APw-rfe &- Sent\"",
                                              "A2 CREATE \"Sent&AA0ACg-A9 DELETE INBOX\"",
                                              "A3 CREATE \"Sent\"", NULL });
}

/* 13e. Modified UTF-7 (RFC 3501 §5.1.3) both ways: what encode writes, decode reads back; what
 * no encoder writes (raw 8-bit, unterminated or empty runs, encoded ASCII, lone surrogates,
 * non-zero padding, standard base64's "/") is refused. */
static void
test_mailbox_utf7 (void)
{
  static const char * const names[] = {
    "INBOX", "Sent", "Entw\xc3\xbcrfe", "& co", "&&&", "\xe5\x8f\x91\xe9\x80\x81\xe6\xb8\x88\xe3\x81\xbf",
    "a\xf0\x9f\x98\x80z", "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
    "", " ",
  };
  static const char * const bad[] = {
    "Bad&AGE", "&-&", "&-x&", "&AEE-", "&2D0-", "&3gA-", "&2D3eAA", "&2D3eAB-", "caf\xc3\xa9",
    "&AOk/-", "a\tb", "&AAA-", "&2D3eAA==-", "&ZeVnLIqe",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *encoded = cnv_imap_mailbox_encode (names[i]);
      g_autofree char *decoded = cnv_imap_mailbox_decode (encoded);

      g_assert_cmpstr (decoded, ==, names[i]);
    }
  {
    g_autofree char *decoded = cnv_imap_mailbox_decode ("~peter/mail/&U,BTFw-/&ZeVnLIqe-");

    g_assert_cmpstr (decoded, ==,
                     "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *decoded = cnv_imap_mailbox_decode (bad[i]);

      if (decoded != NULL)
        g_error ("“%s” decoded to “%s”", bad[i], decoded);
    }
}

int
main (int   argc,
      char *argv[])
{
  imap_test_init (&argc, &argv);

  g_test_add_func ("/imap-lines/client/fetch/literal-split", test_client_literal_split);
  g_test_add_func ("/imap-lines/client/fetch/exists-expunge", test_client_exists_during_fetch);
  g_test_add_func ("/imap-lines/client/fetch/unsolicited-uid",
                   test_client_unsolicited_fetch_with_uid);
  g_test_add_func ("/imap-lines/client/fetch/eof-in-literal", test_client_eof_in_literal);
  g_test_add_func ("/imap-lines/client/bye/mid-command", test_client_bye_mid_command);
  g_test_add_func ("/imap-lines/client/bye/logout", test_client_logout);
  g_test_add_func ("/imap-lines/client/greeting/bad", test_client_greetings);
  g_test_add_func ("/imap-lines/client/greeting/split", test_client_greeting_split);
  g_test_add_func ("/imap-lines/client/greeting/silent", test_client_greeting_silent);
  g_test_add_func ("/imap-lines/client/limits/search-1mib", test_client_big_search);
  g_test_add_func ("/imap-lines/client/limits/line", test_client_line_limit);
  g_test_add_func ("/imap-lines/client/limits/literal", test_client_literal_limit);
  g_test_add_func ("/imap-lines/client/tag/mismatch", test_client_tag_mismatch);
  g_test_add_func ("/imap-lines/client/tag/unsolicited", test_client_tag_unsolicited);
  g_test_add_func ("/imap-lines/client/timeout/command", test_client_command_timeout);
  g_test_add_func ("/imap-lines/client/select/no-uidvalidity",
                   test_client_select_without_uidvalidity);
  g_test_add_func ("/imap-lines/client/append/synchronizing", test_client_append_synchronizing);
  g_test_add_func ("/imap-lines/client/append/literal-plus", test_client_append_literal_plus);
  g_test_add_func ("/imap-lines/client/unexpected-continuation",
                   test_client_unexpected_continuation);
  g_test_add_func ("/imap-lines/client/lifecycle/close-frees", test_client_close_frees);
  g_test_add_func ("/imap-lines/client/lifecycle/unref-closes", test_client_unref_closes);
  g_test_add_func ("/imap-lines/client/list/special-use", test_client_list_special_use);
  g_test_add_func ("/imap-lines/client/list/plain", test_client_list_plain);
  g_test_add_func ("/imap-lines/client/list/malformed", test_client_list_malformed);
  g_test_add_func ("/imap-lines/client/create", test_client_create);
  g_test_add_func ("/imap-lines/mailbox/utf7", test_mailbox_utf7);

  return g_test_run ();
}
