/* test-imap-lines.c — protocol edge cases against the scripted line server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test runs a script (tests/line-server.h) in the server's own thread while this thread
 * runs the client. The first section holds the helpers that every test shares; the second proves
 * the line server itself with a plain blocking GIO client written here; the third runs the IMAP
 * client (and a mailbox watcher) against servers that do what real ones rarely do: split
 * literals, news in the middle of a FETCH, BYE mid-command, no IDLE, broken greetings, 1 MiB
 * lines, wrong tags, STARTTLS injection. Each checks the result and the exact lines the client
 * sent.
 */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "cnv-imap-client.h"
#include "cnv-imap-parser.h"
#include "cnv-mailbox-watcher.h"
#include "line-server.h"

/* How long a whole script may take: far above what a passing test needs. */
#define SCRIPT_TIMEOUT_MS 20000

/* --- Helpers shared by every test ------------------------------------------------------------- */

/* Parses @script, which must be valid, and starts its server: connect to its port. */
static CnvLineServer *
run_script (const char *script)
{
  g_autoptr(GError) error = NULL;
  CnvLineServer *server = cnv_line_server_new (script, &error);

  g_assert_no_error (error);
  cnv_line_server_start (server);
  return server;
}

/* Asserts that every step of the script ran and matched. */
static void
assert_script_done (CnvLineServer *server)
{
  g_autoptr(GError) error = NULL;

  cnv_line_server_wait (server, SCRIPT_TIMEOUT_MS, &error);
  g_assert_no_error (error);
}

/* Runs the script to its end and returns how it failed, for the tests of failures. */
static GError *
script_error (CnvLineServer *server)
{
  GError *error = NULL;

  g_assert_false (cnv_line_server_wait (server, SCRIPT_TIMEOUT_MS, &error));
  g_assert_nonnull (error);
  g_test_message ("the server said: %s", error->message);
  return error;
}

static void
assert_contains (const char *text,
                 const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("\"%s\" does not contain \"%s\"", text, part);
}

/* --- A plain blocking client, for the line server's own tests --------------------------------- */

typedef struct
{
  GSocketConnection *connection;
  GDataInputStream  *input;
  GOutputStream     *output;
} PlainClient;

static PlainClient *
plain_client_connect (CnvLineServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback,
                                                                 cnv_line_server_get_port (server));
  PlainClient *self = g_new0 (PlainClient, 1);

  /* Seconds: a broken test fails instead of hanging. Loopback needs no proxy, and libproxy (a C++
   * library) aborts under clang's AddressSanitizer. */
  g_socket_client_set_timeout (client, 10);
  g_socket_client_set_enable_proxy (client, FALSE);
  self->connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  self->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (self->connection)));
  g_data_input_stream_set_newline_type (self->input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  self->output = g_io_stream_get_output_stream (G_IO_STREAM (self->connection));
  return self;
}

static void
plain_client_free (PlainClient *self)
{
  g_clear_object (&self->input);
  g_clear_object (&self->connection);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlainClient, plain_client_free)

/* Returns the next line without its CRLF, or NULL at EOF or on an error (in @error, if given). */
static char *
plain_client_read_line (PlainClient  *self,
                        GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  char *line = g_data_input_stream_read_line (self->input, NULL, NULL, &local_error);

  if (error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_assert_no_error (local_error);
  return line;
}

static void
plain_client_send (PlainClient *self,
                   const char  *data)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (self->output, data, strlen (data), NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
plain_client_expect_line (PlainClient *self,
                          const char  *expected)
{
  g_autofree char *line = plain_client_read_line (self, NULL);

  g_assert_cmpstr (line, ==, expected);
}

/* --- The line server itself ------------------------------------------------------------------- */

static gboolean
send_noop_cb (gpointer data)
{
  plain_client_send (data, "a1 NOOP\r\n");
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
  g_autoptr(PlainClient) client = plain_client_connect (server);
  GPtrArray *received;

  plain_client_expect_line (client, "* OK [CAPABILITY IMAP4rev1] ready");
  plain_client_send (client, "x7 LOGIN alice pw\r\n");
  plain_client_expect_line (client, "x7 OK [CAPABILITY IMAP4rev1 IDLE] logged in");

  /* cnv_line_server_wait() iterates this thread's main context: an async client keeps running. */
  g_timeout_add (50, send_noop_cb, client);
  assert_script_done (server);
  plain_client_expect_line (client, "a1 OK done");

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
  g_autoptr(PlainClient) client = plain_client_connect (server);
  GInputStream *socket_input = g_io_stream_get_input_stream (G_IO_STREAM (client->connection));
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
  g_autoptr(PlainClient) client = plain_client_connect (server);
  g_autofree char *fetch = NULL;
  const char *body = "Subject: hi\r\n\r\nbraces } too\r\n";
  char literal[64] = { 0, };
  g_autoptr(GError) error = NULL;
  GPtrArray *received;

  plain_client_expect_line (client, "* OK ready");
  plain_client_send (client, "f1 UID FETCH 7 (BODY.PEEK[])\r\n");
  fetch = plain_client_read_line (client, NULL);
  g_assert_cmpstr (fetch, ==, "* 1 FETCH (UID 7 BODY[] {29}");
  g_assert_cmpuint (strlen (body), ==, 29);
  g_input_stream_read_all (G_INPUT_STREAM (client->input), literal, 29, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (literal, ==, body);
  plain_client_expect_line (client, ")");
  plain_client_expect_line (client, "f1 OK FETCH completed");

  plain_client_send (client, "f2 APPEND INBOX {11}\r\n");
  plain_client_expect_line (client, "+ Ready");
  plain_client_send (client, "hello world\r\n");
  plain_client_expect_line (client, "f2 OK APPEND completed");
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
  g_autoptr(PlainClient) client = plain_client_connect (server);
  g_autofree char *greeting = plain_client_read_line (client, NULL);
  g_autofree char *zs = g_strnfill (1024 * 1024, 'z');
  g_autofree char *command = g_strconcat ("b1 X-BIG ", zs, "\r\n", NULL);
  g_autofree char *fetch = NULL;
  g_autofree char *as = g_strnfill (70000, 'A');
  g_autofree char *rest = NULL;
  GPtrArray *received;

  g_assert_cmpuint (strlen (greeting), ==, strlen ("* OK ") + 1024 * 1024);
  g_assert_true (g_str_has_prefix (greeting, "* OK xxx"));
  g_assert_true (g_str_has_suffix (greeting, "xxx"));

  plain_client_send (client, command);
  fetch = plain_client_read_line (client, NULL);
  g_assert_cmpstr (fetch, ==, "* 1 FETCH (BODY[] {70000}");
  rest = plain_client_read_line (client, NULL);
  g_assert_cmpuint (strlen (rest), ==, 70001);
  g_assert_true (strncmp (rest, as, 70000) == 0);
  g_assert_cmpstr (rest + 70000, ==, ")");
  plain_client_expect_line (client, "b1 OK");
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
  g_autoptr(PlainClient) client = plain_client_connect (server);
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  plain_client_expect_line (client, "* OK ready");
  plain_client_send (client, "a1 NOOP\r\n");

  /* On a mismatch the server closes the connection, so the client under test never hangs. */
  after = plain_client_read_line (client, NULL);
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
    g_autoptr(PlainClient) client = plain_client_connect (server);
    g_autoptr(GError) error = NULL;
    g_autofree char *line = NULL;

    plain_client_expect_line (client, "* OK first");
    plain_client_send (client, "a1 NOOP\r\n");
    line = plain_client_read_line (client, &error);
    g_test_message ("after the reset: %s", error ? error->message : "EOF");
    g_assert_null (line);
  }
  {
    g_autoptr(PlainClient) client = plain_client_connect (server);

    plain_client_expect_line (client, "* OK second");
    plain_client_send (client, "a2 LOGOUT\r\n");
    plain_client_expect_line (client, "* BYE");
    plain_client_expect_line (client, "a2 OK LOGOUT completed");
  }
  {
    g_autoptr(PlainClient) client = plain_client_connect (server);

    plain_client_expect_line (client, "* OK third");
    plain_client_expect_line (client, NULL);
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
    g_autoptr(PlainClient) client = plain_client_connect (server);
    g_autoptr(GError) error = NULL;

    plain_client_send (client, "a1 NOOP\n");
    error = script_error (server);
    g_assert_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_TIMEOUT);
    assert_contains (error->message, "unterminated: \"a1 NOOP\\n\"");
  }
  /* The client stays connected, or sends more than whitespace before it closes. */
  {
    g_autoptr(CnvLineServer) server = run_script ("S: * BYE\nwait-close-ms: 200\n");
    g_autoptr(PlainClient) client = plain_client_connect (server);
    g_autoptr(GError) error = NULL;

    plain_client_expect_line (client, "* BYE");
    error = script_error (server);
    g_assert_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_TIMEOUT);
    assert_contains (error->message, "wait-close-ms: 200");
  }
  {
    g_autoptr(CnvLineServer) server = run_script ("S: * BYE\nexpect-eof\n");
    g_autoptr(GError) error = NULL;

    {
      g_autoptr(PlainClient) client = plain_client_connect (server);

      plain_client_expect_line (client, "* BYE");
      plain_client_send (client, "a9 LOGOUT\r\n");
    }
    error = script_error (server);
    g_assert_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_MISMATCH);
    assert_contains (error->message, "a9 LOGOUT");
  }
  /* The client closes where a line was expected. */
  {
    g_autoptr(CnvLineServer) server = run_script ("C: TAG NOOP\n");
    g_autoptr(GError) error = NULL;

    plain_client_free (plain_client_connect (server));
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

/* --- The IMAP client against scripted servers ------------------------------------------------- */

/* How long one client operation may take: far above what a passing test needs. */
#define CLIENT_TIMEOUT_S 15

static gboolean
wait_tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the default main context until @condition holds, at most @seconds. */
#define WAIT_UNTIL(condition, seconds)                                                     \
  G_STMT_START {                                                                           \
    gint64 wait_end_ = g_get_monotonic_time () + (gint64) (seconds) * G_USEC_PER_SEC;      \
    guint wait_tick_ = g_timeout_add (20, wait_tick_cb, NULL);                             \
    while (!(condition) && g_get_monotonic_time () < wait_end_)                            \
      g_main_context_iteration (NULL, TRUE);                                               \
    g_source_remove (wait_tick_);                                                          \
  } G_STMT_END

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  WAIT_UNTIL (*slot != NULL, CLIENT_TIMEOUT_S);
  g_assert_nonnull (*slot);
  return *slot;
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

/* Runs the main context for @ms milliseconds, whatever happens. */
static void
spin_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * G_TIME_SPAN_MILLISECOND;
  guint tick = g_timeout_add (10, wait_tick_cb, NULL);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

/* Every line the client traced (G_MESSAGES_DEBUG=cnv-imap), for the checks that secrets never
 * reach it. */
static GString *trace_log;

static void
trace_cb (const char     *log_domain,
          GLogLevelFlags  log_level,
          const char     *message,
          gpointer        user_data)
{
  g_string_append (trace_log, message);
  g_string_append_c (trace_log, '\n');
}

static void
assert_not_traced (const char *secret)
{
  if (strstr (trace_log->str, secret) != NULL)
    g_error ("the trace shows \"%s\":\n%s", secret, trace_log->str);
}

static void
assert_traced_line (const char *line)
{
  g_auto(GStrv) lines = g_strsplit (trace_log->str, "\n", -1);

  if (!g_strv_contains ((const char * const *) lines, line))
    g_error ("the trace has no line \"%s\":\n%s", line, trace_log->str);
}

/* Asserts that the script ran to its end and that the client sent exactly @expected (lines
 * without CRLF, and C-bytes blocks), in order. */
static void
assert_received (CnvLineServer      *server,
                 const char * const *expected)
{
  GPtrArray *received;
  guint count = g_strv_length ((char **) expected);

  assert_script_done (server);
  received = cnv_line_server_get_received (server);
  for (guint i = 0; i < MIN (count, received->len); i++)
    g_assert_cmpstr (g_ptr_array_index (received, i), ==, expected[i]);
  g_assert_cmpuint (received->len, ==, count);
}

static void
assert_error_says (const GError *error,
                   const char   *part)
{
  g_assert_nonnull (error);
  assert_contains (error->message, part);
}

/* A client of the line server, with what its signals said. */
typedef struct
{
  CnvImapClient *client;
  GArray        *exists;     /* guint: the count of each ::exists */
  GArray        *expunged;   /* guint: the sequence number of each ::expunged */
  GPtrArray     *closed;     /* GError: the reason of each ::closed */
} TestClient;

static void
exists_cb (CnvImapClient *client,
           guint          count,
           TestClient    *tc)
{
  g_array_append_val (tc->exists, count);
}

static void
expunged_cb (CnvImapClient *client,
             guint          sequence,
             TestClient    *tc)
{
  g_array_append_val (tc->expunged, sequence);
}

static void
closed_cb (CnvImapClient *client,
           const GError  *error,
           TestClient    *tc)
{
  g_ptr_array_add (tc->closed, g_error_copy (error));
}

static TestClient *
test_client_new_full (CnvLineServer   *server,
                      CnvMailSecurity  security,
                      const char      *user,
                      CnvMailAuth      auth)
{
  g_autoptr(CnvMailServer) mail_server = cnv_mail_server_new ("127.0.0.1",
                                                              cnv_line_server_get_port (server),
                                                              security);
  TestClient *tc = g_new0 (TestClient, 1);

  mail_server->user = g_strdup (user);
  mail_server->auth = auth;
  tc->client = cnv_imap_client_new (mail_server);
  tc->exists = g_array_new (FALSE, FALSE, sizeof (guint));
  tc->expunged = g_array_new (FALSE, FALSE, sizeof (guint));
  tc->closed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_signal_connect (tc->client, "exists", G_CALLBACK (exists_cb), tc);
  g_signal_connect (tc->client, "expunged", G_CALLBACK (expunged_cb), tc);
  g_signal_connect (tc->client, "closed", G_CALLBACK (closed_cb), tc);
  return tc;
}

/* Without encryption, user "user", the best mechanism the server offers. */
static TestClient *
test_client_new (CnvLineServer *server)
{
  return test_client_new_full (server, CNV_MAIL_SECURITY_NONE, "user", CNV_MAIL_AUTH_AUTO);
}

static void
test_client_free (TestClient *tc)
{
  if (tc->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (tc->client, tc);
      cnv_imap_client_close (tc->client);
    }
  g_clear_object (&tc->client);
  g_array_unref (tc->exists);
  g_array_unref (tc->expunged);
  g_ptr_array_unref (tc->closed);
  g_free (tc);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestClient, test_client_free)

/* Why the connection closed: it closed once. */
static const GError *
closed_reason (TestClient *tc)
{
  g_assert_cmpuint (tc->closed->len, ==, 1);
  return g_ptr_array_index (tc->closed, 0);
}

static gboolean
client_connect (TestClient  *tc,
                GError     **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  cnv_imap_client_connect_async (tc->client, NULL, store_result_cb, &result);
  ok = cnv_imap_client_connect_finish (tc->client, wait_result (&result), error);
  g_object_unref (result);
  return ok;
}

static void
connect_or_fail (TestClient *tc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (client_connect (tc, &error));
  g_assert_no_error (error);
  g_assert_true (cnv_imap_client_is_connected (tc->client));
}

static gboolean
client_authenticate (TestClient  *tc,
                     const char  *secret,
                     GError     **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  cnv_imap_client_authenticate_async (tc->client, secret, NULL, store_result_cb, &result);
  ok = cnv_imap_client_authenticate_finish (tc->client, wait_result (&result), error);
  g_object_unref (result);
  return ok;
}

static CnvImapMailbox
select_or_fail (TestClient *tc,
                const char *mailbox,
                gboolean    read_only)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  CnvImapMailbox info = { 0, };

  cnv_imap_client_select_async (tc->client, mailbox, read_only, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_select_finish (tc->client, wait_result (&result), &info, &error));
  g_assert_no_error (error);
  g_object_unref (result);
  return info;
}

static GArray *
client_search (TestClient  *tc,
               const char  *criteria,
               GError     **error)
{
  GAsyncResult *result = NULL;
  GArray *uids;

  cnv_imap_client_uid_search_async (tc->client, criteria, NULL, store_result_cb, &result);
  uids = cnv_imap_client_uid_search_finish (tc->client, wait_result (&result), error);
  g_object_unref (result);
  return uids;
}

static GPtrArray *
client_fetch (TestClient         *tc,
              const char         *uid_set,
              CnvImapFetchFlags   what,
              GError            **error)
{
  GAsyncResult *result = NULL;
  GPtrArray *messages;

  cnv_imap_client_uid_fetch_async (tc->client, uid_set, what, NULL, store_result_cb, &result);
  messages = cnv_imap_client_uid_fetch_finish (tc->client, wait_result (&result), error);
  g_object_unref (result);
  return messages;
}

static gboolean
client_noop (TestClient  *tc,
             GError     **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  cnv_imap_client_noop_async (tc->client, NULL, store_result_cb, &result);
  ok = cnv_imap_client_noop_finish (tc->client, wait_result (&result), error);
  g_object_unref (result);
  return ok;
}

static gboolean
client_append (TestClient          *tc,
               const char          *mailbox,
               const char * const  *flags,
               GBytes              *message,
               guint32             *uid,
               GError             **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  cnv_imap_client_append_async (tc->client, mailbox, flags, message, NULL,
                                store_result_cb, &result);
  ok = cnv_imap_client_append_finish (tc->client, wait_result (&result), uid, error);
  g_object_unref (result);
  return ok;
}

static gboolean
client_idle (TestClient  *tc,
             guint        seconds,
             gboolean    *changed,
             GError     **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  cnv_imap_client_idle_async (tc->client, seconds, NULL, store_result_cb, &result);
  ok = cnv_imap_client_idle_finish (tc->client, wait_result (&result), changed, error);
  g_object_unref (result);
  return ok;
}

/* The client's bytes on the wire reach @count, and stay there for @ms: it waits for the server. */
static void
assert_sent_stays (TestClient *tc,
                   guint64     count,
                   guint       ms)
{
  WAIT_UNTIL (cnv_imap_client_get_bytes_sent (tc->client) >= count, CLIENT_TIMEOUT_S);
  g_assert_cmpuint (cnv_imap_client_get_bytes_sent (tc->client), ==, count);
  spin_ms (ms);
  g_assert_cmpuint (cnv_imap_client_get_bytes_sent (tc->client), ==, count);
}

#define GREETING "S: * OK [CAPABILITY IMAP4rev1] Dovecot ready.\n"
#define GREETING_IDLE "S: * OK [CAPABILITY IMAP4rev1 IDLE] Dovecot ready.\n"
/* RFC 9051 §6.3.2: a SELECT answer; EXISTS while selecting is the mailbox's size, not news. */
#define SELECT_INBOX                                    \
  "C: TAG SELECT \"INBOX\"\n"                           \
  "S: * FLAGS (\\\\Answered \\\\Seen)\n"                \
  "S: * 3 EXISTS\n"                                     \
  "S: * OK [UIDVALIDITY 1700000000] UIDs valid\n"       \
  "S: * OK [UIDNEXT 12] Predicted next UID\n"           \
  "S: ${TAG} OK [READ-WRITE] Select completed.\n"

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

  uids = cnv_imap_client_uid_search_finish (tc->client, wait_result (&search), &search_error);
  g_assert_null (uids);
  g_assert_error (search_error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_BYE);
  assert_error_says (search_error, "Server shutting down for maintenance");

  /* Queued behind it, never sent: it fails the same way. */
  g_assert_false (cnv_imap_client_noop_finish (tc->client, wait_result (&noop), &noop_error));
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

/* Servers log out clients idle too long (RFC 2177 §3): BYE during IDLE fails it. */
static void
test_client_bye_during_idle (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING_IDLE
    SELECT_INBOX
    "C: TAG IDLE\n"
    "S: + idling\n"
    "sleep: 100\n"
    "S: * BYE Disconnected for inactivity.\n"
    "close\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;

  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);
  g_assert_false (client_idle (tc, 0, NULL, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_BYE);
  assert_error_says (error, "Disconnected for inactivity.");
  g_assert_error (closed_reason (tc), CNV_IMAP_ERROR, CNV_IMAP_ERROR_BYE);
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"", "A2 IDLE", NULL });
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
  g_assert_true (cnv_imap_client_logout_finish (tc->client, wait_result (&result), &error));
  g_assert_no_error (error);
  g_object_unref (result);
  g_assert_false (cnv_imap_client_is_connected (tc->client));
  g_assert_cmpuint (tc->closed->len, ==, 1);
  g_assert_error (closed_reason (tc), CNV_IMAP_ERROR, CNV_IMAP_ERROR_CLOSED);
  assert_received (server, (const char *[]) { "A1 LOGOUT", NULL });
}

/* 4a. RFC 2177: IDLE only when the server offers it; nothing reaches the wire otherwise. */
static void
test_client_no_idle (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    SELECT_INBOX
    "C: TAG NOOP\n"
    "S: ${TAG} OK NOOP completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  gboolean changed = TRUE;
  guint64 sent;

  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);
  g_assert_false (cnv_imap_client_has_capability (tc->client, "IDLE"));
  sent = cnv_imap_client_get_bytes_sent (tc->client);

  g_assert_false (client_idle (tc, 0, &changed, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_UNSUPPORTED);
  g_assert_cmpuint (cnv_imap_client_get_bytes_sent (tc->client), ==, sent);
  g_assert_true (cnv_imap_client_is_connected (tc->client));
  g_clear_error (&error);

  g_assert_true (client_noop (tc, &error));
  g_assert_no_error (error);
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"", "A2 NOOP", NULL });
}

typedef struct
{
  GArray    *statuses;   /* CnvMailboxWatcherStatus, each change */
  GPtrArray *messages;   /* GBytes */
  guint32    uidvalidity;
  guint32    uid;
  guint64    size;
  guint      synced;
} WatcherEvents;

static void
watcher_status_cb (CnvMailboxWatcher *watcher,
                   GParamSpec        *pspec,
                   WatcherEvents     *events)
{
  CnvMailboxWatcherStatus status = cnv_mailbox_watcher_get_status (watcher);

  g_array_append_val (events->statuses, status);
}

static void
watcher_message_cb (CnvMailboxWatcher *watcher,
                    guint              uidvalidity,
                    guint              uid,
                    GBytes            *message,
                    guint64            size,
                    WatcherEvents     *events)
{
  g_assert_nonnull (message);
  g_ptr_array_add (events->messages, g_bytes_ref (message));
  events->uidvalidity = uidvalidity;
  events->uid = uid;
  events->size = size;
}

static void
watcher_synced_cb (CnvMailboxWatcher *watcher,
                   WatcherEvents     *events)
{
  events->synced++;
}

/* 4b. A watcher on a server without IDLE polls with NOOP; when a NOOP reports EXISTS growing it
 * searches beyond its position, asks the sizes, then the body with BODY.PEEK[], and emits the
 * message once. PREAUTH: no login (the server has no user). */
static void
test_client_watcher_polling (void)
{
  static const char body[] = "Subject: polled\r\n\r\nNo IDLE here.\r\n";
  g_autoptr(CnvLineServer) server = run_script (
    "S: * PREAUTH IMAP4rev1 server logged in as user\n"
    "C: TAG CAPABILITY\n"
    "S: * CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS\n"
    "S: ${TAG} OK Capability completed.\n"
    "C: TAG EXAMINE \"INBOX\"\n"
    "S: * 1 EXISTS\n"
    "S: * 0 RECENT\n"
    "S: * OK [UIDVALIDITY 42] UIDs valid\n"
    "S: * OK [UIDNEXT 2] Predicted next UID\n"
    "S: ${TAG} OK [READ-ONLY] Examine completed.\n"
    "C: TAG NOOP\n"
    "S: ${TAG} OK NOOP completed.\n"
    "C: TAG NOOP\n"
    "S: * 2 EXISTS\n"
    "S: * 1 RECENT\n"
    "S: ${TAG} OK NOOP completed.\n"
    "C: TAG UID SEARCH UID 2:\\*\n"
    "S: * SEARCH 2\n"
    "S: ${TAG} OK Search completed.\n"
    "C: TAG UID FETCH 2 \\(UID RFC822\\.SIZE\\)\n"
    "S: * 2 FETCH (UID 2 RFC822.SIZE 34)\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG UID FETCH 2 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S: * 2 FETCH (UID 2 BODY[] ${LIT:Subject: polled\\r\\n\\r\\nNo IDLE here.\\r\\n})\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG NOOP\n"
    "S: ${TAG} OK NOOP completed.\n"
    "C: TAG LOGOUT\n"
    "S: * BYE Logging out\n"
    "S: ${TAG} OK Logout completed.\n"
    "expect-eof\n");
  g_autoptr(CnvMailServer) mail_server = cnv_mail_server_new ("127.0.0.1",
                                                              cnv_line_server_get_port (server),
                                                              CNV_MAIL_SECURITY_NONE);
  g_autoptr(GBytes) expected = g_bytes_new_static (body, sizeof body - 1);
  g_autoptr(CnvMailboxWatcher) watcher = NULL;
  WatcherEvents events = { 0, };
  guint64 sent_after_message = 0;
  guint64 sent = 0;

  g_assert_cmpuint (sizeof body - 1, ==, 34);
  events.statuses = g_array_new (FALSE, FALSE, sizeof (CnvMailboxWatcherStatus));
  events.messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_assert_null (mail_server->user);
  watcher = cnv_mailbox_watcher_new (mail_server, NULL, "INBOX");
  g_object_set (watcher, "read-only", TRUE, "poll-interval", 1, NULL);
  g_signal_connect (watcher, "notify::status", G_CALLBACK (watcher_status_cb), &events);
  g_signal_connect (watcher, "message", G_CALLBACK (watcher_message_cb), &events);
  g_signal_connect (watcher, "synced", G_CALLBACK (watcher_synced_cb), &events);
  cnv_mailbox_watcher_start (watcher);

  WAIT_UNTIL (events.messages->len == 1, CLIENT_TIMEOUT_S);
  g_assert_cmpuint (events.messages->len, ==, 1);
  g_assert_true (g_bytes_equal (g_ptr_array_index (events.messages, 0), expected));
  g_assert_cmpuint (events.uidvalidity, ==, 42);
  g_assert_cmpuint (events.uid, ==, 2);
  g_assert_cmpuint (events.size, ==, 34);
  cnv_mailbox_watcher_get_traffic (watcher, NULL, &sent_after_message);

  /* Back to polling: the next NOOP goes out a second later. */
  WAIT_UNTIL ((cnv_mailbox_watcher_get_traffic (watcher, NULL, &sent), sent > sent_after_message),
              CLIENT_TIMEOUT_S);
  g_assert_cmpuint (sent, >, sent_after_message);
  g_assert_cmpint (cnv_mailbox_watcher_get_status (watcher), ==,
                   CNV_MAILBOX_WATCHER_STATUS_POLLING);
  g_assert_null (cnv_mailbox_watcher_get_last_error (watcher));
  g_assert_cmpuint (cnv_mailbox_watcher_get_uidvalidity (watcher), ==, 42);
  g_assert_cmpuint (cnv_mailbox_watcher_get_last_uid (watcher), ==, 2);
  g_assert_cmpuint (events.synced, ==, 2);

  cnv_mailbox_watcher_stop (watcher);
  assert_received (server, (const char *[]) { "A1 CAPABILITY",
                                              "A2 EXAMINE \"INBOX\"",
                                              "A3 NOOP",
                                              "A4 NOOP",
                                              "A5 UID SEARCH UID 2:*",
                                              "A6 UID FETCH 2 (UID RFC822.SIZE)",
                                              "A7 UID FETCH 2 (UID BODY.PEEK[])",
                                              "A8 NOOP",
                                              "A9 LOGOUT", NULL });
  g_assert_cmpuint (events.messages->len, ==, 1);

  g_assert_cmpuint (events.statuses->len, ==, 3);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 0), ==,
                   CNV_MAILBOX_WATCHER_STATUS_CONNECTING);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 1), ==,
                   CNV_MAILBOX_WATCHER_STATUS_POLLING);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 2), ==,
                   CNV_MAILBOX_WATCHER_STATUS_STOPPED);

  g_signal_handlers_disconnect_by_data (watcher, &events);
  g_clear_object (&watcher);
  g_array_unref (events.statuses);
  g_ptr_array_unref (events.messages);
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

/* Decodes the base64 the client sent (its trailing part after @prefix). */
static GBytes *
decode_sent (const char *line,
             const char *prefix)
{
  gsize length = 0;
  guchar *raw;

  g_assert_true (g_str_has_prefix (line, prefix));
  raw = g_base64_decode (line + strlen (prefix), &length);
  return g_bytes_new_take (raw, length);
}

static void
assert_bytes (GBytes     *bytes,
              const char *expected,
              gsize       length)
{
  g_autoptr(GBytes) want = g_bytes_new_static (expected, length);

  g_assert_true (g_bytes_equal (bytes, want));
}

/* 8a. AUTHENTICATE PLAIN without SASL-IR (RFC 4616, RFC 9051 §6.2.2): the command, `+`, then the
 * base64 of NUL user NUL password on its own line. The OK's CAPABILITY code saves a command. */
static void
test_client_auth_plain_continuation (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\n"
    "C: TAG AUTHENTICATE PLAIN\n"
    "S: + \n"
    "C: [A-Za-z0-9+/]+=*\n"
    "S: ${TAG} OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Logged in\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sasl = NULL;
  GPtrArray *received;

  g_string_truncate (trace_log, 0);
  connect_or_fail (tc);
  g_assert_false (cnv_imap_client_has_capability (tc->client, "IDLE"));
  g_assert_true (client_authenticate (tc, "secret", &error));
  g_assert_no_error (error);
  g_assert_true (cnv_imap_client_has_capability (tc->client, "IDLE"));
  g_assert_true (cnv_imap_client_has_capability (tc->client, "uidplus"));

  assert_script_done (server);
  received = cnv_line_server_get_received (server);
  g_assert_cmpuint (received->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (received, 0), ==, "A1 AUTHENTICATE PLAIN");
  g_assert_cmpstr (g_ptr_array_index (received, 1), ==, "AHVzZXIAc2VjcmV0");
  sasl = decode_sent (g_ptr_array_index (received, 1), "");
  assert_bytes (sasl, "\0user\0secret", 12);

  assert_traced_line ("C: A1 AUTHENTICATE PLAIN");
  assert_traced_line ("C: <redacted>");
  assert_not_traced ("secret");
  assert_not_traced ("AHVzZXIAc2VjcmV0");
}

/* 8b. RFC 4959 SASL-IR: the initial response on the command line. Without a CAPABILITY code in
 * the OK, the client asks (RFC 9051 §6.2.2: capabilities may change after login). */
static void
test_client_auth_plain_sasl_ir (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN] ready\n"
    "C: TAG AUTHENTICATE PLAIN [A-Za-z0-9+/]+=*\n"
    "S: ${TAG} OK Logged in\n"
    "C: TAG CAPABILITY\n"
    "S: * CAPABILITY IMAP4rev1 IDLE\n"
    "S: ${TAG} OK Capability completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sasl = NULL;
  const char *password = "s3cr\xc3\xa9t \"quoted\"";
  g_autofree char *encoded = NULL;
  GPtrArray *received;

  g_string_truncate (trace_log, 0);
  connect_or_fail (tc);
  g_assert_true (client_authenticate (tc, password, &error));
  g_assert_no_error (error);
  g_assert_true (cnv_imap_client_has_capability (tc->client, "IDLE"));
  g_assert_false (cnv_imap_client_has_capability (tc->client, "SASL-IR"));

  assert_script_done (server);
  received = cnv_line_server_get_received (server);
  g_assert_cmpuint (received->len, ==, 2);
  sasl = decode_sent (g_ptr_array_index (received, 0), "A1 AUTHENTICATE PLAIN ");
  assert_bytes (sasl, "\0user\0s3cr\xc3\xa9t \"quoted\"", 5 + 1 + strlen (password));
  encoded = g_strdup ((const char *) g_ptr_array_index (received, 0)
                      + strlen ("A1 AUTHENTICATE PLAIN "));
  g_assert_cmpstr (g_ptr_array_index (received, 1), ==, "A2 CAPABILITY");

  assert_traced_line ("C: A1 AUTHENTICATE PLAIN <redacted>");
  assert_not_traced (password);
  assert_not_traced ("s3cr");
  assert_not_traced (encoded);
}

/* 8c. LOGIN (RFC 9051 §6.2.3) with `"` and `\` in the password: a quoted string escapes them. */
static void
test_client_auth_login_quoted (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG LOGIN \"user\" \"pa\\\\\"ss\\\\\\\\word\"\n"
    "S: ${TAG} OK [CAPABILITY IMAP4rev1 IDLE] Logged in\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;

  g_string_truncate (trace_log, 0);
  connect_or_fail (tc);
  g_assert_true (client_authenticate (tc, "pa\"ss\\word", &error));
  g_assert_no_error (error);
  assert_received (server, (const char *[]) { "A1 LOGIN \"user\" \"pa\\\"ss\\\\word\"", NULL });

  assert_traced_line ("C: A1 LOGIN \"user\" <redacted>");
  assert_not_traced ("pa\"ss");
  assert_not_traced ("pa\\\"ss");
  assert_not_traced ("word");
}

/* 8d. 8-bit text cannot be quoted without UTF8=ACCEPT (RFC 9051 §4.3): the password goes as a
 * synchronizing literal, its bytes only after the server's `+`. */
static void
test_client_auth_login_literal (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG LOGIN \"user\" \\{10\\}\n"
    "sleep: 400\n"
    "S: + Ready for literal data\n"
    "C-bytes: 10\n"
    "C: \n"
    "S: ${TAG} OK [CAPABILITY IMAP4rev1] Logged in\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  const char *password = "p\xc3\xa4ssw\xc3\xb6rd";
  const char *first = "A1 LOGIN \"user\" {10}\r\n";
  GAsyncResult *result = NULL;

  g_assert_cmpuint (strlen (password), ==, 10);
  g_string_truncate (trace_log, 0);
  connect_or_fail (tc);
  cnv_imap_client_authenticate_async (tc->client, password, NULL, store_result_cb, &result);
  /* Nothing beyond `{10}` CRLF before the `+`. */
  assert_sent_stays (tc, strlen (first), 200);
  g_assert_true (cnv_imap_client_authenticate_finish (tc->client, wait_result (&result), &error));
  g_assert_no_error (error);
  g_object_unref (result);
  g_assert_cmpuint (cnv_imap_client_get_bytes_sent (tc->client), ==, strlen (first) + 10 + 2);
  assert_received (server, (const char *[]) { "A1 LOGIN \"user\" {10}", password, "", NULL });

  assert_not_traced (password);
  assert_not_traced ("ssw");
  assert_traced_line ("C: A1 LOGIN \"user\" {10} <redacted>");
}

/* The trace of a literal password, whatever its length, shows no garbage. */
static void
test_client_auth_literal_trace (void)
{
  static const char *const passwords[] = { "\xc3\xbc", "\xc3\xa9t\xc3\xa9-2026!", NULL };

  for (guint i = 0; passwords[i] != NULL; i++)
    {
      g_autofree char *size = g_strdup_printf ("%u", (guint) strlen (passwords[i]));
      g_autofree char *script = g_strdup_printf (
        GREETING
        "C: TAG LOGIN \"user\" \\{%s\\}\n"
        "S: + Ready for literal data\n"
        "C-bytes: %s\n"
        "C: \n"
        "S: ${TAG} OK [CAPABILITY IMAP4rev1] Logged in\n", size, size);
      g_autoptr(CnvLineServer) server = run_script (script);
      g_autoptr(TestClient) tc = test_client_new (server);
      g_autoptr(GError) error = NULL;
      g_autofree char *first = g_strdup_printf ("A1 LOGIN \"user\" {%s}", size);
      g_autofree char *line = g_strdup_printf ("C: %s <redacted>", first);
      g_auto(GStrv) lines = NULL;

      g_string_truncate (trace_log, 0);
      connect_or_fail (tc);
      g_assert_true (client_authenticate (tc, passwords[i], &error));
      g_assert_no_error (error);
      assert_received (server, (const char *[]) { first, passwords[i], "", NULL });
      assert_not_traced (passwords[i]);
      lines = g_strsplit (trace_log->str, "\n", -1);
      if (!g_strv_contains ((const char * const *) lines, line))
        g_error ("the trace has no line \"%s\":\n%s", line, trace_log->str);
    }
}

/* 8e. A refused login: CNV_IMAP_ERROR_AUTH, the connection stays usable. */
static void
test_client_auth_refused (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"
    "C: TAG AUTHENTICATE PLAIN [A-Za-z0-9+/]+=*\n"
    "S: ${TAG} NO [AUTHENTICATIONFAILED] Authentication failed.\n"
    "C: TAG NOOP\n"
    "S: ${TAG} OK NOOP completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;

  g_string_truncate (trace_log, 0);
  connect_or_fail (tc);
  g_assert_false (client_authenticate (tc, "wr0ng-Passw0rd", &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_AUTH);
  g_assert_null (strstr (error->message, "wr0ng"));
  g_clear_error (&error);
  g_assert_true (cnv_imap_client_is_connected (tc->client));
  g_assert_true (client_noop (tc, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tc->closed->len, ==, 0);
  assert_script_done (server);
  assert_not_traced ("wr0ng");
}

/* XOAUTH2 with an error challenge: the client answers with an empty line (RFC 7628 §3.2.3), the
 * server then says NO. */
static void
test_client_auth_xoauth2_refused (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] ready\n"
    "C: TAG AUTHENTICATE XOAUTH2 [A-Za-z0-9+/]+=*\n"
    "S: + eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=\n"
    "C: \n"
    "S: ${TAG} NO [AUTHENTICATIONFAILED] Invalid credentials\n");
  g_autoptr(TestClient) tc = test_client_new_full (server, CNV_MAIL_SECURITY_NONE, "user",
                                                   CNV_MAIL_AUTH_XOAUTH2);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sasl = NULL;
  GPtrArray *received;
  static const char expected[] = "user=user\001auth=Bearer ya29.t0ken\001\001";

  g_string_truncate (trace_log, 0);
  connect_or_fail (tc);
  g_assert_false (client_authenticate (tc, "ya29.t0ken", &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_AUTH);
  assert_script_done (server);
  received = cnv_line_server_get_received (server);
  g_assert_cmpuint (received->len, ==, 2);
  sasl = decode_sent (g_ptr_array_index (received, 0), "A1 AUTHENTICATE XOAUTH2 ");
  assert_bytes (sasl, expected, sizeof expected - 1);
  g_assert_cmpstr (g_ptr_array_index (received, 1), ==, "");
  assert_not_traced ("t0ken");
}

/* 9a. RFC 9051 §6.2.1 / RFC 2595 §3.1: bytes after STARTTLS's OK, before the TLS handshake, would
 * pass as protected (the STARTTLS injection attack): refused. */
static void
test_client_starttls_injection (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\n"
    "C: TAG STARTTLS\n"
    "S: ${TAG} OK Begin TLS negotiation now\\r\\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new_full (server, CNV_MAIL_SECURITY_STARTTLS, "user",
                                                   CNV_MAIL_AUTH_AUTO);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) script = NULL;

  g_assert_false (client_connect (tc, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL);
  assert_error_says (error, "after accepting STARTTLS");
  g_assert_false (cnv_imap_client_is_connected (tc->client));

  /* The client must refuse before it starts TLS: no byte of a handshake (a TLS record starts
   * with 0x16 0x03) may leave. */
  cnv_line_server_wait (server, SCRIPT_TIMEOUT_MS, &script);
  g_assert_no_error (script);
  assert_received (server, (const char *[]) { "A1 STARTTLS", NULL });
}

/* 9b. STARTTLS required and not offered: an error, never a silent downgrade; nothing is sent
 * after the capabilities, certainly no password. */
static void
test_client_starttls_missing (void)
{
  static const struct
  {
    const char        *script;
    const char *const  sent[2];
    int                code;
  } cases[] = {
    { "S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\nexpect-eof\n", { NULL, },
      CNV_IMAP_ERROR_UNSUPPORTED },
    { "S: * OK ready\n"
      "C: TAG CAPABILITY\n"
      "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN\n"
      "S: ${TAG} OK Capability completed.\n"
      "expect-eof\n", { "A1 CAPABILITY", NULL }, CNV_IMAP_ERROR_UNSUPPORTED },
    /* RFC 9051 §6.2.1: PREAUTH on a plain connection: no STARTTLS is possible. */
    { "S: * PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in\nexpect-eof\n", { NULL, },
      CNV_IMAP_ERROR_UNSUPPORTED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CnvLineServer) server = run_script (cases[i].script);
      g_autoptr(TestClient) tc = test_client_new_full (server, CNV_MAIL_SECURITY_STARTTLS, "user",
                                                       CNV_MAIL_AUTH_AUTO);
      g_autoptr(GError) error = NULL;

      g_assert_false (client_connect (tc, &error));
      g_assert_error (error, CNV_IMAP_ERROR, cases[i].code);
      g_test_message ("%s", error->message);
      g_assert_false (cnv_imap_client_is_connected (tc->client));
      assert_received (server, (const char **) cases[i].sent);
    }
}

/* 10a. RFC 2177: IDLE, `+`, a keep-alive that changes nothing, then EXISTS: the client says DONE
 * and IDLE ends with changed. */
static void
test_client_idle_exists (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING_IDLE
    SELECT_INBOX
    "C: TAG IDLE\n"
    "S: + idling\n"
    "sleep: 100\n"
    "S: * OK Still here\n"
    "sleep: 100\n"
    "S: * 4 EXISTS\n"
    "C: DONE\n"
    "S: ${TAG} OK Idle completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;

  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);
  g_assert_true (client_idle (tc, 0, &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  g_assert_cmpuint (tc->exists->len, ==, 1);
  g_assert_cmpuint (g_array_index (tc->exists, guint, 0), ==, 4);
  g_assert_cmpuint (cnv_imap_client_get_exists (tc->client), ==, 4);
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"", "A2 IDLE", "DONE", NULL });
}

/* 10b. IDLE for one second without news (a keep-alive is no news): DONE after a second. */
static void
test_client_idle_timeout (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING_IDLE
    SELECT_INBOX
    "C: TAG IDLE\n"
    "S: + idling\n"
    "sleep: 300\n"
    "S: * OK Still here\n"
    "C: DONE\n"
    "S: ${TAG} OK Idle completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  gboolean changed = TRUE;
  gint64 start;
  gint64 elapsed;

  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);
  start = g_get_monotonic_time ();
  g_assert_true (client_idle (tc, 1, &changed, &error));
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("IDLE ended after %" G_GINT64_FORMAT " ms", elapsed / 1000);
  g_assert_no_error (error);
  g_assert_false (changed);
  g_assert_cmpint (elapsed, >=, 700 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (elapsed, <, 2500 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (tc->exists->len, ==, 0);
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"", "A2 IDLE", "DONE", NULL });
}

static gboolean
idle_stop_cb (gpointer user_data)
{
  cnv_imap_client_idle_stop (user_data);
  return G_SOURCE_REMOVE;
}

/* 10c. cnv_imap_client_idle_stop() while idling, and before the server's `+` (DONE then waits
 * for it: RFC 2177 allows DONE only after the continuation). */
static void
test_client_idle_stop (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING_IDLE
    SELECT_INBOX
    "C: TAG IDLE\n"
    "S: + idling\n"
    "C: DONE\n"
    "S: ${TAG} OK Idle completed.\n"
    "C: TAG IDLE\n"
    "sleep: 400\n"
    "S: + idling\n"
    "C: DONE\n"
    "S: ${TAG} OK Idle completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  gboolean changed = TRUE;
  guint64 sent;

  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);

  g_timeout_add (300, idle_stop_cb, tc->client);
  g_assert_true (client_idle (tc, 0, &changed, &error));
  g_assert_no_error (error);
  g_assert_false (changed);

  sent = cnv_imap_client_get_bytes_sent (tc->client);
  cnv_imap_client_idle_async (tc->client, 0, NULL, store_result_cb, &result);
  cnv_imap_client_idle_stop (tc->client);
  assert_sent_stays (tc, sent + strlen ("A3 IDLE\r\n"), 200);
  changed = TRUE;
  g_assert_true (cnv_imap_client_idle_finish (tc->client, wait_result (&result), &changed, &error));
  g_assert_no_error (error);
  g_assert_false (changed);
  g_object_unref (result);
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"", "A2 IDLE", "DONE",
                                              "A3 IDLE", "DONE", NULL });
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* 10d. Cancelling IDLE sends DONE; the task returns G_IO_ERROR_CANCELLED at once, and the
 * connection stays usable: the next command waits for IDLE's tagged answer. */
static void
test_client_idle_cancel (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING_IDLE
    SELECT_INBOX
    "C: TAG IDLE\n"
    "S: + idling\n"
    "C: DONE\n"
    "sleep: 200\n"
    "S: ${TAG} OK Idle completed.\n"
    "C: TAG NOOP\n"
    "S: * 5 EXISTS\n"
    "S: ${TAG} OK NOOP completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  GAsyncResult *noop = NULL;

  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);
  cnv_imap_client_idle_async (tc->client, 0, cancellable, store_result_cb, &result);
  g_timeout_add (300, cancel_cb, cancellable);
  g_assert_false (cnv_imap_client_idle_finish (tc->client, wait_result (&result), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_object_unref (result);

  cnv_imap_client_noop_async (tc->client, NULL, store_result_cb, &noop);
  g_assert_true (cnv_imap_client_noop_finish (tc->client, wait_result (&noop), &error));
  g_assert_no_error (error);
  g_object_unref (noop);
  g_assert_cmpuint (tc->exists->len, ==, 1);
  g_assert_cmpuint (g_array_index (tc->exists, guint, 0), ==, 5);
  g_assert_true (cnv_imap_client_is_connected (tc->client));
  g_assert_cmpuint (tc->closed->len, ==, 0);
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"", "A2 IDLE", "DONE",
                                              "A3 NOOP", NULL });
}

/* A second `+` to IDLE makes no sense. */
static void
test_client_idle_double_continuation (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING_IDLE
    SELECT_INBOX
    "C: TAG IDLE\n"
    "S: + idling\n"
    "S: + still idling\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;

  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);
  g_assert_false (client_idle (tc, 0, NULL, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL);
  g_assert_false (cnv_imap_client_is_connected (tc->client));
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"", "A2 IDLE", NULL });
}

/* IDLE is exempt from the command timeout: silence is what it waits for. */
static void
test_client_idle_outlives_timeout (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING_IDLE
    SELECT_INBOX
    "C: TAG IDLE\n"
    "S: + idling\n"
    "sleep: 2500\n"
    "S: * 4 EXISTS\n"
    "C: DONE\n"
    "S: ${TAG} OK Idle completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;

  cnv_imap_client_set_command_timeout (tc->client, 1);
  connect_or_fail (tc);
  select_or_fail (tc, "INBOX", FALSE);
  g_assert_true (client_idle (tc, 0, &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  g_assert_cmpuint (tc->closed->len, ==, 0);
  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"", "A2 IDLE", "DONE", NULL });
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
  g_assert_false (cnv_imap_client_select_finish (tc->client, wait_result (&result), &info, &error));
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
  g_assert_true (cnv_imap_client_append_finish (tc->client, wait_result (&result), &uid, &error));
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

/* Drops @tc's client: it must be finalized soon (the main context runs meanwhile). */
static gboolean
release_client (TestClient *tc)
{
  CnvImapClient *client = g_steal_pointer (&tc->client);
  gpointer weak = client;

  g_signal_handlers_disconnect_by_data (client, tc);
  g_object_add_weak_pointer (G_OBJECT (client), &weak);
  g_object_unref (client);
  WAIT_UNTIL (weak == NULL, 2);
  if (weak == NULL)
    return TRUE;
  g_object_remove_weak_pointer (weak, &weak);
  return FALSE;
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

int
main (int   argc,
      char *argv[])
{
  const char *debug = g_getenv ("G_MESSAGES_DEBUG");
  g_autofree char *domains = NULL;

  /* Loopback needs no proxy, and libproxy (C++) aborts under clang's AddressSanitizer. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  /* The client's protocol trace is on, into trace_log: the tests check what it shows. */
  domains = debug != NULL && *debug != '\0' ? g_strconcat (debug, " cnv-imap", NULL)
                                            : g_strdup ("cnv-imap");
  g_setenv ("G_MESSAGES_DEBUG", domains, TRUE);

  g_test_init (&argc, &argv, NULL);
  trace_log = g_string_new (NULL);
  g_log_set_handler ("cnv-imap", G_LOG_LEVEL_DEBUG, trace_cb, NULL);

  g_test_add_func ("/imap-lines/server/tagged-reply", test_server_tagged_reply);
  g_test_add_func ("/imap-lines/server/split-writes", test_server_split_writes);
  g_test_add_func ("/imap-lines/server/literals", test_server_literals);
  g_test_add_func ("/imap-lines/server/big-lines", test_server_big_lines);
  g_test_add_func ("/imap-lines/server/mismatch", test_server_mismatch);
  g_test_add_func ("/imap-lines/server/reconnect", test_server_reconnect);
  g_test_add_func ("/imap-lines/server/bad-scripts", test_server_bad_scripts);
  g_test_add_func ("/imap-lines/server/timeouts", test_server_timeouts);

  g_test_add_func ("/imap-lines/client/fetch/literal-split", test_client_literal_split);
  g_test_add_func ("/imap-lines/client/fetch/exists-expunge", test_client_exists_during_fetch);
  g_test_add_func ("/imap-lines/client/fetch/unsolicited-uid",
                   test_client_unsolicited_fetch_with_uid);
  g_test_add_func ("/imap-lines/client/fetch/eof-in-literal", test_client_eof_in_literal);
  g_test_add_func ("/imap-lines/client/bye/mid-command", test_client_bye_mid_command);
  g_test_add_func ("/imap-lines/client/bye/logout", test_client_logout);
  g_test_add_func ("/imap-lines/client/bye/during-idle", test_client_bye_during_idle);
  g_test_add_func ("/imap-lines/client/no-idle/client", test_client_no_idle);
  g_test_add_func ("/imap-lines/client/no-idle/watcher-polls", test_client_watcher_polling);
  g_test_add_func ("/imap-lines/client/greeting/bad", test_client_greetings);
  g_test_add_func ("/imap-lines/client/greeting/split", test_client_greeting_split);
  g_test_add_func ("/imap-lines/client/greeting/silent", test_client_greeting_silent);
  g_test_add_func ("/imap-lines/client/limits/search-1mib", test_client_big_search);
  g_test_add_func ("/imap-lines/client/limits/line", test_client_line_limit);
  g_test_add_func ("/imap-lines/client/limits/literal", test_client_literal_limit);
  g_test_add_func ("/imap-lines/client/tag/mismatch", test_client_tag_mismatch);
  g_test_add_func ("/imap-lines/client/tag/unsolicited", test_client_tag_unsolicited);
  g_test_add_func ("/imap-lines/client/auth/plain-continuation",
                   test_client_auth_plain_continuation);
  g_test_add_func ("/imap-lines/client/auth/plain-sasl-ir", test_client_auth_plain_sasl_ir);
  g_test_add_func ("/imap-lines/client/auth/login-quoted", test_client_auth_login_quoted);
  g_test_add_func ("/imap-lines/client/auth/login-literal", test_client_auth_login_literal);
  g_test_add_func ("/imap-lines/client/auth/literal-trace", test_client_auth_literal_trace);
  g_test_add_func ("/imap-lines/client/auth/refused", test_client_auth_refused);
  g_test_add_func ("/imap-lines/client/auth/xoauth2-refused", test_client_auth_xoauth2_refused);
  g_test_add_func ("/imap-lines/client/starttls/injection", test_client_starttls_injection);
  g_test_add_func ("/imap-lines/client/starttls/missing", test_client_starttls_missing);
  g_test_add_func ("/imap-lines/client/idle/exists", test_client_idle_exists);
  g_test_add_func ("/imap-lines/client/idle/timeout", test_client_idle_timeout);
  g_test_add_func ("/imap-lines/client/idle/stop", test_client_idle_stop);
  g_test_add_func ("/imap-lines/client/idle/cancel", test_client_idle_cancel);
  g_test_add_func ("/imap-lines/client/idle/double-continuation",
                   test_client_idle_double_continuation);
  g_test_add_func ("/imap-lines/client/idle/outlives-timeout", test_client_idle_outlives_timeout);
  g_test_add_func ("/imap-lines/client/timeout/command", test_client_command_timeout);
  g_test_add_func ("/imap-lines/client/select/no-uidvalidity",
                   test_client_select_without_uidvalidity);
  g_test_add_func ("/imap-lines/client/append/synchronizing", test_client_append_synchronizing);
  g_test_add_func ("/imap-lines/client/append/literal-plus", test_client_append_literal_plus);
  g_test_add_func ("/imap-lines/client/unexpected-continuation",
                   test_client_unexpected_continuation);
  g_test_add_func ("/imap-lines/client/lifecycle/close-frees", test_client_close_frees);
  g_test_add_func ("/imap-lines/client/lifecycle/unref-closes", test_client_unref_closes);

  return g_test_run ();
}
