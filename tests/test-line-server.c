/* test-line-server.c — the scripted line server (tests/line-server.h) itself
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every protocol edge-case test trusts this server, so these check it with a plain blocking
 * client (tests/line-client.h): tagged replies, writes that arrive split, literals both ways,
 * 1 MiB lines, mismatches, reconnects, malformed scripts and every timeout.
 */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "line-client.h"
#include "line-script.h"

/* A plain client of @server. */
static LineClient *
connect_client (CnvLineServer *server)
{
  return line_client_open (cnv_line_server_get_port (server));
}

static gboolean
send_noop_cb (gpointer data)
{
  line_client_send_raw (data, "a1 NOOP\r\n");
  return G_SOURCE_REMOVE;
}

static void
test_server_tagged_reply (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "# A greeting, a command and its tagged reply: the tag is whatever the client chose.\n"
    "S: * OK [CAPABILITY IMAP4rev1] ready\n"
    "C: TAG LOGIN alice \\S+\n"
    "S: ${TAG} OK [CAPABILITY IMAP4rev1 IDLE] logged in\n"
    "C: TAG NOOP\n"
    "S: ${TAG} OK done\n");
  g_autoptr(LineClient) client = connect_client (server);
  GPtrArray *received;

  line_client_expect (client, "* OK [CAPABILITY IMAP4rev1] ready");
  line_client_send_raw (client, "x7 LOGIN alice pw\r\n");
  line_client_expect (client, "x7 OK [CAPABILITY IMAP4rev1 IDLE] logged in");

  /* cnv_line_server_wait() iterates this thread's main context: an async client keeps running. */
  g_timeout_add (50, send_noop_cb, client);
  assert_script_done (server);
  line_client_expect (client, "a1 OK done");

  received = cnv_line_server_get_received (server);
  g_assert_cmpuint (received->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (received, 0), ==, "x7 LOGIN alice pw");
  g_assert_cmpstr (g_ptr_array_index (received, 1), ==, "a1 NOOP");
}

static void
test_server_split_writes (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S-raw: * 3 EXI\n"
    "sleep: 150\n"
    "S-raw: STS\\r\n"
    "sleep: 150\n"
    "S-raw: \\n* 1 EXPUNGE\n"
    "S:\n");
  g_autoptr(LineClient) client = connect_client (server);
  GInputStream *socket_input = g_io_stream_get_input_stream (G_IO_STREAM (client->socket));
  g_autoptr(GString) got = g_string_new (NULL);
  guint reads = 0;

  /* Read the raw socket: the three writes arrive as separate reads, one line in the end. */
  while (!g_str_has_suffix (got->str, "EXPUNGE\r\n"))
    {
      g_autoptr(GError) error = NULL;
      char buffer[64];
      gssize n = g_input_stream_read (socket_input, buffer, sizeof buffer, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      g_string_append_len (got, buffer, n);
      reads++;
    }
  g_test_message ("%u reads", reads);
  g_assert_cmpuint (reads, >=, 2);
  g_assert_cmpstr (got->str, ==, "* 3 EXISTS\r\n* 1 EXPUNGE\r\n");
  assert_script_done (server);
}

static void
test_server_literals (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK ready\n"
    "C: TAG UID FETCH 7 \\(BODY\\.PEEK\\[\\]\\)\n"
    "S: * 1 FETCH (UID 7 BODY[] ${LIT:Subject: hi\\r\\n\\r\\nbraces \\} too\\r\\n})\n"
    "S: ${TAG} OK FETCH completed\n"
    "# RFC 9051 §6.3.12: APPEND sends its message as a literal after the continuation.\n"
    "C: TAG APPEND INBOX \\{11\\}\n"
    "S: + Ready\n"
    "C-bytes: 11\n"
    "C: \n"
    "S: ${TAG} OK APPEND completed\n");
  g_autoptr(LineClient) client = connect_client (server);
  g_autofree char *fetch = NULL;
  const char *body = "Subject: hi\r\n\r\nbraces } too\r\n";
  char literal[64] = { 0, };
  g_autoptr(GError) error = NULL;
  GPtrArray *received;

  line_client_expect (client, "* OK ready");
  line_client_send_raw (client, "f1 UID FETCH 7 (BODY.PEEK[])\r\n");
  fetch = line_client_read (client);
  g_assert_cmpstr (fetch, ==, "* 1 FETCH (UID 7 BODY[] {29}");
  g_assert_cmpuint (strlen (body), ==, 29);
  g_input_stream_read_all (G_INPUT_STREAM (client->input), literal, 29, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (literal, ==, body);
  line_client_expect (client, ")");
  line_client_expect (client, "f1 OK FETCH completed");

  line_client_send_raw (client, "f2 APPEND INBOX {11}\r\n");
  line_client_expect (client, "+ Ready");
  line_client_send_raw (client, "hello world\r\n");
  line_client_expect (client, "f2 OK APPEND completed");
  assert_script_done (server);

  received = cnv_line_server_get_received (server);
  g_assert_cmpuint (received->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (received, 2), ==, "hello world");
  g_assert_cmpstr (g_ptr_array_index (received, 3), ==, "");
}

static void
test_server_big_lines (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK ${BIG:1048576:x}\n"
    "C: TAG X-BIG z+\n"
    "S: * 1 FETCH (BODY[] ${LIT:${BIG:70000:\\x41}})\n"
    "S: ${TAG} OK\n");
  g_autoptr(LineClient) client = connect_client (server);
  g_autofree char *greeting = line_client_read (client);
  g_autofree char *zs = g_strnfill (1024 * 1024, 'z');
  g_autofree char *command = g_strconcat ("b1 X-BIG ", zs, "\r\n", NULL);
  g_autofree char *fetch = NULL;
  g_autofree char *as = g_strnfill (70000, 'A');
  g_autofree char *rest = NULL;
  GPtrArray *received;

  g_assert_cmpuint (strlen (greeting), ==, strlen ("* OK ") + 1024 * 1024);
  g_assert_true (g_str_has_prefix (greeting, "* OK xxx"));
  g_assert_true (g_str_has_suffix (greeting, "xxx"));

  line_client_send_raw (client, command);
  fetch = line_client_read (client);
  g_assert_cmpstr (fetch, ==, "* 1 FETCH (BODY[] {70000}");
  rest = line_client_read (client);
  g_assert_cmpuint (strlen (rest), ==, 70001);
  g_assert_true (strncmp (rest, as, 70000) == 0);
  g_assert_cmpstr (rest + 70000, ==, ")");
  line_client_expect (client, "b1 OK");
  assert_script_done (server);

  received = cnv_line_server_get_received (server);
  g_assert_cmpuint (received->len, ==, 1);
  g_assert_cmpuint (strlen (g_ptr_array_index (received, 0)), ==, strlen (command) - 2);
}

static void
test_server_mismatch (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK ready\n"
    "C: TAG LOGIN .*\n"
    "S: ${TAG} OK never sent\n");
  g_autoptr(LineClient) client = connect_client (server);
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  line_client_expect (client, "* OK ready");
  line_client_send_raw (client, "a1 NOOP\r\n");

  /* On a mismatch the server closes the connection, so the client under test never hangs. */
  after = line_client_read_line (client, NULL);
  g_assert_null (after);

  error = script_error (server);
  g_assert_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_MISMATCH);
  assert_contains (error->message, "script line 2");
  assert_contains (error->message, "C: TAG LOGIN .*");
  assert_contains (error->message, "a1 NOOP");
}

static void
test_server_reconnect (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK first\n"
    "C: TAG NOOP\n"
    "reset\n"
    "accept\n"
    "S: * OK second\n"
    "C: TAG LOGOUT\n"
    "S: * BYE\n"
    "S: ${TAG} OK LOGOUT completed\n"
    "expect-eof\n"
    "accept\n"
    "S: * OK third\n"
    "close\n");
  GPtrArray *received;

  {
    g_autoptr(LineClient) client = connect_client (server);
    g_autoptr(GError) error = NULL;
    g_autofree char *line = NULL;

    line_client_expect (client, "* OK first");
    line_client_send_raw (client, "a1 NOOP\r\n");
    line = line_client_read_line (client, &error);
    g_test_message ("after the reset: %s", error ? error->message : "EOF");
    g_assert_null (line);
  }
  {
    g_autoptr(LineClient) client = connect_client (server);

    line_client_expect (client, "* OK second");
    line_client_send_raw (client, "a2 LOGOUT\r\n");
    line_client_expect (client, "* BYE");
    line_client_expect (client, "a2 OK LOGOUT completed");
  }
  {
    g_autoptr(LineClient) client = connect_client (server);

    line_client_expect (client, "* OK third");
    line_client_expect (client, NULL);
  }
  assert_script_done (server);

  received = cnv_line_server_get_received (server);
  g_assert_cmpuint (received->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (received, 0), ==, "a1 NOOP");
  g_assert_cmpstr (g_ptr_array_index (received, 1), ==, "a2 LOGOUT");
}

static void
test_server_bad_scripts (void)
{
  static const struct
  {
    const char *script;
    const char *says;
  } bad[] = {
    { "S: ok\nbogus step\n", "script line 2" },
    { "S: ${TAG} OK\n", "${TAG} before" },
    { "C: TAG (\n", "script line 1" },
    { "S: ${LIT:abc\n", "closing" },
    { "S: ${BIG:x:y}\n", "${BIG:N:c}" },
    { "S: ${NOPE}\n", "unknown" },
    { "S: \\q\n", "bad escape" },
    { "sleep: soon\n", "number" },
    { "C-bytes: 0\n", "number" },
    { "close: now\n", "not a step" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvLineServer) server = cnv_line_server_new (bad[i].script, &error);

      g_assert_null (server);
      g_assert_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_SCRIPT);
      g_test_message ("%s", error->message);
      assert_contains (error->message, bad[i].says);
    }
}

static void
test_server_timeouts (void)
{
  gint64 start = g_get_monotonic_time ();

  /* Nobody connects. */
  {
    g_autoptr(CnvLineServer) server = run_script ("timeout: 100\nS: * OK\n");
    g_autoptr(GError) error = script_error (server);

    g_assert_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_TIMEOUT);
    assert_contains (error->message, "accept (implicit, before S: * OK)");
  }
  /* A command without its CRLF: the message shows what came. */
  {
    g_autoptr(CnvLineServer) server = run_script ("timeout: 200\nC: TAG NOOP\n");
    g_autoptr(LineClient) client = connect_client (server);
    g_autoptr(GError) error = NULL;

    line_client_send_raw (client, "a1 NOOP\n");
    error = script_error (server);
    g_assert_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_TIMEOUT);
    assert_contains (error->message, "unterminated: \"a1 NOOP\\n\"");
  }
  /* The client stays connected, or sends more than whitespace before it closes. */
  {
    g_autoptr(CnvLineServer) server = run_script ("S: * BYE\nwait-close-ms: 200\n");
    g_autoptr(LineClient) client = connect_client (server);
    g_autoptr(GError) error = NULL;

    line_client_expect (client, "* BYE");
    error = script_error (server);
    g_assert_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_TIMEOUT);
    assert_contains (error->message, "wait-close-ms: 200");
  }
  {
    g_autoptr(CnvLineServer) server = run_script ("S: * BYE\nexpect-eof\n");
    g_autoptr(GError) error = NULL;

    {
      g_autoptr(LineClient) client = connect_client (server);

      line_client_expect (client, "* BYE");
      line_client_send_raw (client, "a9 LOGOUT\r\n");
    }
    error = script_error (server);
    g_assert_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_MISMATCH);
    assert_contains (error->message, "a9 LOGOUT");
  }
  /* The client closes where a line was expected. */
  {
    g_autoptr(CnvLineServer) server = run_script ("C: TAG NOOP\n");
    g_autoptr(GError) error = NULL;

    line_client_free (connect_client (server));
    error = script_error (server);
    g_assert_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_EOF);
  }
  /* cnv_line_server_wait() runs out of time: the thread stops at once. */
  {
    g_autoptr(CnvLineServer) server = run_script ("sleep: 60000\n");
    g_autoptr(GError) error = NULL;

    g_assert_false (cnv_line_server_wait (server, 200, &error));
    g_assert_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_UNFINISHED);
    assert_contains (error->message, "script line 1 \"sleep: 60000\"");
  }
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap-lines/server/tagged-reply", test_server_tagged_reply);
  g_test_add_func ("/imap-lines/server/split-writes", test_server_split_writes);
  g_test_add_func ("/imap-lines/server/literals", test_server_literals);
  g_test_add_func ("/imap-lines/server/big-lines", test_server_big_lines);
  g_test_add_func ("/imap-lines/server/mismatch", test_server_mismatch);
  g_test_add_func ("/imap-lines/server/reconnect", test_server_reconnect);
  g_test_add_func ("/imap-lines/server/bad-scripts", test_server_bad_scripts);
  g_test_add_func ("/imap-lines/server/timeouts", test_server_timeouts);

  return g_test_run ();
}
