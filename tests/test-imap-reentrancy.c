/* test-imap-reentrancy.c — the IMAP client and the mailbox watcher when their owner calls back in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Regression tests for bugs a review found: signal handlers that close the client or stop and
 * restart the watcher in the middle of a response, a second connect on a client whose first one
 * was closed half-way, TLS handshakes that never end, news that arrives during a sync, and the
 * position a first sync leaves behind. Every test runs a script of the scripted line server
 * (tests/line-server.h) on 127.0.0.1, without TLS unless TLS is the point, and checks the exact
 * lines (tags included) the client sent.
 */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "cnv-imap-client.h"
#include "cnv-mailbox-watcher.h"
#include "line-server.h"

/* How long a whole script may take: far above what a passing test needs. */
#define SCRIPT_TIMEOUT_MS 20000
/* How long one client operation may take: far above what a passing test needs. */
#define CLIENT_TIMEOUT_S 15

/* --- Helpers ---------------------------------------------------------------------------------- */

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

/* Asserts that the script ran to its end and that the client sent exactly @expected (lines
 * without CRLF), in order, over all its connections. */
static void
assert_received (CnvLineServer      *server,
                 const char * const *expected)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *received;
  guint count = g_strv_length ((char **) expected);

  cnv_line_server_wait (server, SCRIPT_TIMEOUT_MS, &error);
  g_assert_no_error (error);
  received = cnv_line_server_get_received (server);
  for (guint i = 0; i < MIN (count, received->len); i++)
    g_assert_cmpstr (g_ptr_array_index (received, i), ==, expected[i]);
  g_assert_cmpuint (received->len, ==, count);
}

static void
assert_contains (const char *text,
                 const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("\"%s\" does not contain \"%s\"", text, part);
}

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

static CnvMailServer *
line_mail_server (CnvLineServer   *server,
                  CnvMailSecurity  security)
{
  return cnv_mail_server_new ("127.0.0.1", cnv_line_server_get_port (server), security);
}

/* A loopback port that nothing listens on: connecting is refused at once. */
static guint16
closed_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint16 port;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any_port, FALSE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  return port;
}

/* --- The client: handlers that close it mid-response ------------------------------------------ */

typedef struct
{
  guint      exists;      /* ::exists calls */
  guint      expunged;    /* ::expunged calls */
  GPtrArray *closed;      /* GError: the reason of each ::closed */
} ClientEvents;

static void
close_on_exists_cb (CnvImapClient *client,
                    guint          count,
                    ClientEvents  *events)
{
  g_assert_cmpuint (count, ==, 2);
  events->exists++;
  cnv_imap_client_close (client);
}

static void
close_on_expunged_cb (CnvImapClient *client,
                      guint          sequence,
                      ClientEvents  *events)
{
  g_assert_cmpuint (sequence, ==, 1);
  events->expunged++;
  cnv_imap_client_close (client);
}

static void
record_closed_cb (CnvImapClient *client,
                  const GError  *error,
                  ClientEvents  *events)
{
  g_ptr_array_add (events->closed, g_error_copy (error));
}

/* 1. RFC 9051 §7: the server may report EXISTS or EXPUNGE during any command. A handler of
 * ::exists (or ::expunged) that closes the client frees the running command while the client is
 * still dispatching the response: the NOOP and the command queued behind it fail with
 * CNV_IMAP_ERROR_CLOSED, and nothing touches freed memory (AddressSanitizer in CI). The test's
 * data is the untagged response: "EXISTS" or "EXPUNGE". */
static void
test_client_close_in_untagged (gconstpointer data)
{
  const char *untagged = data;
  gboolean exists = g_str_equal (untagged, "EXISTS");
  g_autofree char *script = g_strdup_printf (
    "S: * PREAUTH [CAPABILITY IMAP4rev1] logged in\n"
    "C: TAG SELECT \"INBOX\"\n"
    "S: * 1 EXISTS\n"
    "S: * OK [UIDVALIDITY 42] UIDs valid\n"
    "S: * OK [UIDNEXT 2] Predicted next UID\n"
    "S: ${TAG} OK [READ-WRITE] Select completed.\n"
    "C: TAG NOOP\n"
    "# One write: the client has the tagged OK too when its handler closes it.\n"
    "S: * %s\\r\\n${TAG} OK NOOP completed.\n"
    "expect-eof\n",
    exists ? "2 EXISTS" : "1 EXPUNGE");
  g_autoptr(CnvLineServer) server = run_script (script);
  g_autoptr(CnvMailServer) mail_server = line_mail_server (server, CNV_MAIL_SECURITY_NONE);
  g_autoptr(CnvImapClient) client = cnv_imap_client_new (mail_server);
  g_autoptr(GError) noop_error = NULL;
  g_autoptr(GError) search_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uids = NULL;
  GAsyncResult *result = NULL;
  GAsyncResult *noop_result = NULL;
  GAsyncResult *search_result = NULL;
  ClientEvents events = { 0, };
  CnvImapMailbox mailbox = { 0, };

  events.closed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  cnv_imap_client_connect_async (client, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_connect_finish (client, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  cnv_imap_client_select_async (client, "INBOX", FALSE, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_select_finish (client, wait_result (&result), &mailbox, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (mailbox.exists, ==, 1);

  if (exists)
    g_signal_connect (client, "exists", G_CALLBACK (close_on_exists_cb), &events);
  else
    g_signal_connect (client, "expunged", G_CALLBACK (close_on_expunged_cb), &events);
  g_signal_connect (client, "closed", G_CALLBACK (record_closed_cb), &events);

  /* The search waits behind the NOOP: it is never sent. */
  cnv_imap_client_noop_async (client, NULL, store_result_cb, &noop_result);
  cnv_imap_client_uid_search_async (client, "ALL", NULL, store_result_cb, &search_result);

  g_assert_false (cnv_imap_client_noop_finish (client, wait_result (&noop_result), &noop_error));
  g_assert_error (noop_error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CLOSED);
  uids = cnv_imap_client_uid_search_finish (client, wait_result (&search_result), &search_error);
  g_assert_null (uids);
  g_assert_error (search_error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CLOSED);
  g_assert_cmpuint (exists ? events.exists : events.expunged, ==, 1);
  g_assert_cmpuint (exists ? events.expunged : events.exists, ==, 0);
  g_assert_false (cnv_imap_client_is_connected (client));
  g_assert_cmpuint (events.closed->len, ==, 1);
  g_assert_error ((const GError *) g_ptr_array_index (events.closed, 0), CNV_IMAP_ERROR,
                  CNV_IMAP_ERROR_CLOSED);

  /* Closed for good: the next command fails at once, and nothing more goes out. */
  cnv_imap_client_noop_async (client, NULL, store_result_cb, &result);
  g_assert_false (cnv_imap_client_noop_finish (client, wait_result (&result), &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CLOSED);
  g_clear_object (&result);

  assert_received (server, (const char *[]) { "A1 SELECT \"INBOX\"", "A2 NOOP", NULL });
  g_assert_cmpuint (events.closed->len, ==, 1);

  g_signal_handlers_disconnect_by_data (client, &events);
  g_clear_object (&noop_result);
  g_clear_object (&search_result);
  g_ptr_array_unref (events.closed);
}

/* --- The client: connect, close, connect again ------------------------------------------------ */

/* 2a. close() while the first connect has not even reached the server, then connect again on the
 * same client: the first connect fails with CLOSED, the second one's callbacks are not hijacked
 * by the first attempt's, and it reads the greeting. Only the second attempt reaches the server
 * (the first is cancelled before its TCP connect starts). */
static void
test_client_reconnect_before_tcp (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1] second attempt\n"
    "C: TAG NOOP\n"
    "S: ${TAG} OK NOOP completed.\n"
    "expect-eof\n");
  g_autoptr(CnvMailServer) mail_server = line_mail_server (server, CNV_MAIL_SECURITY_NONE);
  g_autoptr(CnvImapClient) client = cnv_imap_client_new (mail_server);
  g_autoptr(GError) first_error = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *first = NULL;
  GAsyncResult *second = NULL;
  GAsyncResult *result = NULL;

  cnv_imap_client_connect_async (client, NULL, store_result_cb, &first);
  cnv_imap_client_close (client);
  cnv_imap_client_connect_async (client, NULL, store_result_cb, &second);

  g_assert_false (cnv_imap_client_connect_finish (client, wait_result (&first), &first_error));
  g_assert_error (first_error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CLOSED);
  g_assert_true (cnv_imap_client_connect_finish (client, wait_result (&second), &error));
  g_assert_no_error (error);
  g_assert_true (cnv_imap_client_is_connected (client));

  /* The connection is the second attempt's, and it works. */
  cnv_imap_client_noop_async (client, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_noop_finish (client, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  cnv_imap_client_close (client);

  assert_received (server, (const char *[]) { "A1 NOOP", NULL });
  g_clear_object (&first);
  g_clear_object (&second);
}

/* 2b. The same once the first connection is up and half of the greeting has come: the server
 * accepts twice (`accept`); the first connection is closed, the second greets and works. */
static void
test_client_reconnect_in_greeting (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S-raw: * OK [CAPABILITY IMAP4rev1] first gree\n"
    "expect-eof\n"
    "accept\n"
    "S: * OK [CAPABILITY IMAP4rev1] second greeting\n"
    "C: TAG NOOP\n"
    "S: ${TAG} OK NOOP completed.\n"
    "expect-eof\n");
  g_autoptr(CnvMailServer) mail_server = line_mail_server (server, CNV_MAIL_SECURITY_NONE);
  g_autoptr(CnvImapClient) client = cnv_imap_client_new (mail_server);
  g_autoptr(GError) first_error = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *first = NULL;
  GAsyncResult *second = NULL;
  GAsyncResult *result = NULL;

  cnv_imap_client_connect_async (client, NULL, store_result_cb, &first);
  WAIT_UNTIL (cnv_imap_client_get_bytes_received (client) > 0, CLIENT_TIMEOUT_S);
  g_assert_cmpuint (cnv_imap_client_get_bytes_received (client), >, 0);
  g_assert_null (first);
  cnv_imap_client_close (client);
  cnv_imap_client_connect_async (client, NULL, store_result_cb, &second);

  g_assert_false (cnv_imap_client_connect_finish (client, wait_result (&first), &first_error));
  g_assert_error (first_error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CLOSED);
  g_assert_true (cnv_imap_client_connect_finish (client, wait_result (&second), &error));
  g_assert_no_error (error);
  g_assert_true (cnv_imap_client_is_connected (client));

  cnv_imap_client_noop_async (client, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_noop_finish (client, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  cnv_imap_client_close (client);

  assert_received (server, (const char *[]) { "A1 NOOP", NULL });
  g_clear_object (&first);
  g_clear_object (&second);
}

/* --- The client: TLS handshakes that never end ------------------------------------------------ */

/* 3. A server that accepts TCP and then says nothing, in TLS: the command timeout covers the
 * handshake, so connecting fails with CNV_IMAP_ERROR_CONNECTION instead of hanging. The test's
 * data is the security: implicit TLS (the server never answers the ClientHello) or STARTTLS (the
 * server says `OK Begin TLS`, then never answers the ClientHello). */
static void
test_client_tls_handshake_timeout (gconstpointer data)
{
  CnvMailSecurity security = GPOINTER_TO_INT (data);
  gboolean starttls = security == CNV_MAIL_SECURITY_STARTTLS;
  /* At the end of a script the connection stays open, silent, until the server is freed. */
  g_autoptr(CnvLineServer) server = run_script (starttls
    ? "S: * OK [CAPABILITY IMAP4rev1 STARTTLS] ready\n"
      "C: TAG STARTTLS\n"
      "S: ${TAG} OK Begin TLS negotiation now.\n"
    : "accept\n");
  g_autoptr(CnvMailServer) mail_server = line_mail_server (server, security);
  g_autoptr(CnvImapClient) client = cnv_imap_client_new (mail_server);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  cnv_imap_client_set_command_timeout (client, 1);
  cnv_imap_client_connect_async (client, NULL, store_result_cb, &result);
  WAIT_UNTIL (result != NULL, 10);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("connect ended after %.2f s", elapsed / (double) G_USEC_PER_SEC);
  g_assert_nonnull (result);
  g_assert_cmpint (elapsed, <, 3 * G_USEC_PER_SEC);
  g_assert_false (cnv_imap_client_connect_finish (client, result, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION);
  assert_contains (error->message, "did not answer");
  g_assert_false (cnv_imap_client_is_connected (client));
  g_clear_object (&result);

  assert_received (server, starttls ? (const char *[]) { "A1 STARTTLS", NULL }
                                    : (const char *[]) { NULL });
}

/* --- The watcher ------------------------------------------------------------------------------ */

typedef struct
{
  GArray    *statuses;        /* CnvMailboxWatcherStatus: each change */
  GArray    *uids;            /* guint: each ::message */
  GPtrArray *bodies;          /* GBytes: each ::message */
  GArray    *synced_at;       /* guint32: the last UID at each ::synced */
  GArray    *validity_at;     /* guint32: the UIDVALIDITY at each ::synced */
  guint32    old_validity;    /* of the last ::uidvalidity-changed */
  guint32    new_validity;
  guint      validity_changes;
  guint      restart_at;      /* the ::message of this UID stops and starts the watcher */
  gboolean   stop_offline;    /* stop from notify::status when it goes offline */
} WatcherEvents;

static void
watcher_status_cb (CnvMailboxWatcher *watcher,
                   GParamSpec        *pspec,
                   WatcherEvents     *events)
{
  CnvMailboxWatcherStatus status = cnv_mailbox_watcher_get_status (watcher);

  g_array_append_val (events->statuses, status);
  if (events->stop_offline && status == CNV_MAILBOX_WATCHER_STATUS_OFFLINE)
    cnv_mailbox_watcher_stop (watcher);
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
  g_assert_cmpuint (size, ==, g_bytes_get_size (message));
  g_assert_cmpuint (uidvalidity, ==, cnv_mailbox_watcher_get_uidvalidity (watcher));
  g_array_append_val (events->uids, uid);
  g_ptr_array_add (events->bodies, g_bytes_ref (message));
  if (uid == events->restart_at)
    {
      cnv_mailbox_watcher_stop (watcher);
      g_assert_cmpint (cnv_mailbox_watcher_get_status (watcher), ==,
                       CNV_MAILBOX_WATCHER_STATUS_STOPPED);
      cnv_mailbox_watcher_start (watcher);
    }
}

static void
watcher_synced_cb (CnvMailboxWatcher *watcher,
                   WatcherEvents     *events)
{
  guint32 uid = cnv_mailbox_watcher_get_last_uid (watcher);
  guint32 validity = cnv_mailbox_watcher_get_uidvalidity (watcher);

  g_array_append_val (events->synced_at, uid);
  g_array_append_val (events->validity_at, validity);
}

static void
watcher_uidvalidity_changed_cb (CnvMailboxWatcher *watcher,
                                guint              old_validity,
                                guint              new_validity,
                                WatcherEvents     *events)
{
  events->old_validity = old_validity;
  events->new_validity = new_validity;
  events->validity_changes++;
}

static void
watcher_events_init (WatcherEvents *events)
{
  memset (events, 0, sizeof *events);
  events->statuses = g_array_new (FALSE, FALSE, sizeof (CnvMailboxWatcherStatus));
  events->uids = g_array_new (FALSE, FALSE, sizeof (guint));
  events->bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  events->synced_at = g_array_new (FALSE, FALSE, sizeof (guint32));
  events->validity_at = g_array_new (FALSE, FALSE, sizeof (guint32));
}

static void
watcher_events_clear (WatcherEvents *events)
{
  g_array_unref (events->statuses);
  g_array_unref (events->uids);
  g_ptr_array_unref (events->bodies);
  g_array_unref (events->synced_at);
  g_array_unref (events->validity_at);
}

/* A watcher of INBOX on @port without login (the scripts greet with PREAUTH), read-only
 * (EXAMINE), every signal recorded in @events. */
static CnvMailboxWatcher *
watcher_new (guint16        port,
             WatcherEvents *events)
{
  g_autoptr(CnvMailServer) mail_server = cnv_mail_server_new ("127.0.0.1", port,
                                                              CNV_MAIL_SECURITY_NONE);
  CnvMailboxWatcher *watcher = cnv_mailbox_watcher_new (mail_server, NULL, "INBOX");

  g_signal_connect (watcher, "notify::status", G_CALLBACK (watcher_status_cb), events);
  g_signal_connect (watcher, "message", G_CALLBACK (watcher_message_cb), events);
  g_signal_connect (watcher, "synced", G_CALLBACK (watcher_synced_cb), events);
  g_signal_connect (watcher, "uidvalidity-changed", G_CALLBACK (watcher_uidvalidity_changed_cb),
                    events);
  return watcher;
}

static void
watcher_free (CnvMailboxWatcher *watcher,
              WatcherEvents     *events)
{
  cnv_mailbox_watcher_stop (watcher);
  g_signal_handlers_disconnect_by_data (watcher, events);
  g_object_unref (watcher);
}

/* The UIDs emitted, in order, are @expected; each body is "<uid>\r\n\r\n". */
static void
assert_emitted (WatcherEvents *events,
                const guint   *expected,
                guint          count)
{
  for (guint i = 0; i < MIN (count, events->uids->len); i++)
    {
      guint uid = g_array_index (events->uids, guint, i);
      g_autofree char *body = g_strdup_printf ("%u\r\n\r\n", uid);
      g_autoptr(GBytes) expected_body = g_bytes_new (body, strlen (body));

      g_assert_cmpuint (uid, ==, expected[i]);
      g_assert_true (g_bytes_equal (g_ptr_array_index (events->bodies, i), expected_body));
    }
  g_assert_cmpuint (events->uids->len, ==, count);
}

static void
assert_synced_at (WatcherEvents *events,
                  guint32        uidvalidity,
                  const guint32 *expected,
                  guint          count)
{
  for (guint i = 0; i < MIN (count, events->synced_at->len); i++)
    {
      g_assert_cmpuint (g_array_index (events->synced_at, guint32, i), ==, expected[i]);
      g_assert_cmpuint (g_array_index (events->validity_at, guint32, i), ==, uidvalidity);
    }
  g_assert_cmpuint (events->synced_at->len, ==, count);
}

/* A PREAUTH greeting without capabilities, the CAPABILITY the client then asks for (no IDLE: the
 * watcher polls), and EXAMINE of a folder with @exists messages, UIDVALIDITY 42, UIDNEXT
 * @uidnext. */
#define WATCHER_OPEN(exists, uidnext)                                \
  "S: * PREAUTH IMAP4rev1 server logged in as user\n"                \
  "C: TAG CAPABILITY\n"                                              \
  "S: * CAPABILITY IMAP4rev1 LITERAL+\n"                             \
  "S: ${TAG} OK Capability completed.\n"                             \
  "C: TAG EXAMINE \"INBOX\"\n"                                       \
  "S: * " exists " EXISTS\n"                                         \
  "S: * 0 RECENT\n"                                                  \
  "S: * OK [UIDVALIDITY 42] UIDs valid\n"                            \
  "S: * OK [UIDNEXT " uidnext "] Predicted next UID\n"               \
  "S: ${TAG} OK [READ-ONLY] Examine completed.\n"

/* RFC 9051 §6.1.3: BYE, the tagged OK, then the client closes. */
#define WATCHER_LOGOUT                                               \
  "C: TAG LOGOUT\n"                                                  \
  "S: * BYE Logging out\n"                                           \
  "S: ${TAG} OK Logout completed.\n"                                 \
  "expect-eof\n"

/* 4. A ::message handler that stops and starts the watcher in the middle of a batch of three:
 * nothing crashes, the rest of the old run's batch is dropped (its connection says LOGOUT), the
 * position has moved to the message the handler saw, and the new run (a second connection)
 * searches beyond it: every UID is emitted exactly once, in order. */
static void
test_watcher_restart_in_message (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    WATCHER_OPEN ("4", "5")
    "C: TAG UID SEARCH UID 2:\\*\n"
    "S: * SEARCH 2 3 4\n"
    "S: ${TAG} OK Search completed.\n"
    "C: TAG UID FETCH 2:4 \\(UID RFC822\\.SIZE\\)\n"
    "S: * 2 FETCH (UID 2 RFC822.SIZE 5)\n"
    "S: * 3 FETCH (UID 3 RFC822.SIZE 5)\n"
    "S: * 4 FETCH (UID 4 RFC822.SIZE 5)\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG UID FETCH 2:4 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S: * 2 FETCH (UID 2 BODY[] ${LIT:2\\r\\n\\r\\n})\n"
    "S: * 3 FETCH (UID 3 BODY[] ${LIT:3\\r\\n\\r\\n})\n"
    "S: * 4 FETCH (UID 4 BODY[] ${LIT:4\\r\\n\\r\\n})\n"
    "S: ${TAG} OK Fetch completed.\n"
    WATCHER_LOGOUT
    "# The restarted run.\n"
    "accept\n"
    WATCHER_OPEN ("4", "5")
    "C: TAG UID SEARCH UID 3:\\*\n"
    "S: * SEARCH 3 4\n"
    "S: ${TAG} OK Search completed.\n"
    "C: TAG UID FETCH 3:4 \\(UID RFC822\\.SIZE\\)\n"
    "S: * 3 FETCH (UID 3 RFC822.SIZE 5)\n"
    "S: * 4 FETCH (UID 4 RFC822.SIZE 5)\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG UID FETCH 3:4 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S: * 3 FETCH (UID 3 BODY[] ${LIT:3\\r\\n\\r\\n})\n"
    "S: * 4 FETCH (UID 4 BODY[] ${LIT:4\\r\\n\\r\\n})\n"
    "S: ${TAG} OK Fetch completed.\n"
    WATCHER_LOGOUT);
  WatcherEvents events;
  CnvMailboxWatcher *watcher;

  watcher_events_init (&events);
  events.restart_at = 2;
  watcher = watcher_new (cnv_line_server_get_port (server), &events);
  cnv_mailbox_watcher_set_position (watcher, 42, 1);
  cnv_mailbox_watcher_start (watcher);

  WAIT_UNTIL (events.uids->len >= 3
              && cnv_mailbox_watcher_get_status (watcher) == CNV_MAILBOX_WATCHER_STATUS_POLLING,
              CLIENT_TIMEOUT_S);

  /* The commands first: a new run that searched from the old position shows here. */
  cnv_mailbox_watcher_stop (watcher);
  assert_received (server, (const char *[]) { "A1 CAPABILITY",
                                              "A2 EXAMINE \"INBOX\"",
                                              "A3 UID SEARCH UID 2:*",
                                              "A4 UID FETCH 2:4 (UID RFC822.SIZE)",
                                              "A5 UID FETCH 2:4 (UID BODY.PEEK[])",
                                              "A6 LOGOUT",
                                              "A1 CAPABILITY",
                                              "A2 EXAMINE \"INBOX\"",
                                              "A3 UID SEARCH UID 3:*",
                                              "A4 UID FETCH 3:4 (UID RFC822.SIZE)",
                                              "A5 UID FETCH 3:4 (UID BODY.PEEK[])",
                                              "A6 LOGOUT", NULL });
  assert_emitted (&events, (const guint[]) { 2, 3, 4 }, 3);
  /* The first run never synced: the handler ended it in the middle of its batch. */
  assert_synced_at (&events, 42, (const guint32[]) { 4 }, 1);
  g_assert_cmpuint (cnv_mailbox_watcher_get_uidvalidity (watcher), ==, 42);
  g_assert_cmpuint (cnv_mailbox_watcher_get_last_uid (watcher), ==, 4);

  /* connecting, stopped (in the handler), connecting, polling, stopped. */
  g_assert_cmpuint (events.statuses->len, ==, 5);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 0), ==,
                   CNV_MAILBOX_WATCHER_STATUS_CONNECTING);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 1), ==,
                   CNV_MAILBOX_WATCHER_STATUS_STOPPED);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 2), ==,
                   CNV_MAILBOX_WATCHER_STATUS_CONNECTING);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 3), ==,
                   CNV_MAILBOX_WATCHER_STATUS_POLLING);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 4), ==,
                   CNV_MAILBOX_WATCHER_STATUS_STOPPED);

  watcher_free (watcher, &events);
  watcher_events_clear (&events);
}

/* 5. A watcher stopped from its notify::status handler when it goes offline (the connection is
 * refused) stays stopped: no reconnection is scheduled behind the owner's back. The first retry
 * would come after 1 s: the test waits 3 s. */
static void
test_watcher_stop_when_offline (void)
{
  WatcherEvents events;
  CnvMailboxWatcher *watcher;
  const GError *last_error;

  watcher_events_init (&events);
  events.stop_offline = TRUE;
  watcher = watcher_new (closed_port (), &events);
  cnv_mailbox_watcher_start (watcher);

  WAIT_UNTIL (events.statuses->len >= 3, CLIENT_TIMEOUT_S);
  spin_ms (3000);

  g_assert_cmpuint (events.statuses->len, ==, 3);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 0), ==,
                   CNV_MAILBOX_WATCHER_STATUS_CONNECTING);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 1), ==,
                   CNV_MAILBOX_WATCHER_STATUS_OFFLINE);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 2), ==,
                   CNV_MAILBOX_WATCHER_STATUS_STOPPED);
  g_assert_cmpint (cnv_mailbox_watcher_get_status (watcher), ==,
                   CNV_MAILBOX_WATCHER_STATUS_STOPPED);
  last_error = cnv_mailbox_watcher_get_last_error (watcher);
  g_assert_error (last_error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION);
  g_assert_cmpuint (events.uids->len, ==, 0);
  g_assert_cmpuint (events.synced_at->len, ==, 0);

  /* It can be started again by its owner. */
  events.stop_offline = FALSE;
  cnv_mailbox_watcher_start (watcher);
  WAIT_UNTIL (events.statuses->len >= 5, CLIENT_TIMEOUT_S);
  g_assert_cmpuint (events.statuses->len, ==, 5);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 3), ==,
                   CNV_MAILBOX_WATCHER_STATUS_CONNECTING);
  g_assert_cmpint (g_array_index (events.statuses, CnvMailboxWatcherStatus, 4), ==,
                   CNV_MAILBOX_WATCHER_STATUS_OFFLINE);

  watcher_free (watcher, &events);
  watcher_events_clear (&events);
}

/* 6. RFC 9051 §7.4.1: EXISTS may come with any response, here during the FETCH of the sizes. The
 * server will not say it again, so the watcher searches beyond the batch right after it instead
 * of going to IDLE, and emits the new message; then it goes to IDLE. */
static void
test_watcher_exists_during_sync (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * PREAUTH [CAPABILITY IMAP4rev1 IDLE] logged in as user\n"
    "C: TAG EXAMINE \"INBOX\"\n"
    "S: * 2 EXISTS\n"
    "S: * OK [UIDVALIDITY 42] UIDs valid\n"
    "S: * OK [UIDNEXT 3] Predicted next UID\n"
    "S: ${TAG} OK [READ-ONLY] Examine completed.\n"
    "C: TAG UID SEARCH UID 2:\\*\n"
    "S: * SEARCH 2\n"
    "S: ${TAG} OK Search completed.\n"
    "C: TAG UID FETCH 2 \\(UID RFC822\\.SIZE\\)\n"
    "S: * 2 FETCH (UID 2 RFC822.SIZE 5)\n"
    "S: * 3 EXISTS\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG UID FETCH 2 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S: * 2 FETCH (UID 2 BODY[] ${LIT:2\\r\\n\\r\\n})\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG UID SEARCH UID 3:\\*\n"
    "S: * SEARCH 3\n"
    "S: ${TAG} OK Search completed.\n"
    "C: TAG UID FETCH 3 \\(UID RFC822\\.SIZE\\)\n"
    "S: * 3 FETCH (UID 3 RFC822.SIZE 5)\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG UID FETCH 3 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S: * 3 FETCH (UID 3 BODY[] ${LIT:3\\r\\n\\r\\n})\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG IDLE\n"
    "S: + idling\n"
    "C: DONE\n"
    "S: ${TAG} OK IDLE terminated.\n"
    WATCHER_LOGOUT);
  WatcherEvents events;
  CnvMailboxWatcher *watcher;

  watcher_events_init (&events);
  watcher = watcher_new (cnv_line_server_get_port (server), &events);
  cnv_mailbox_watcher_set_position (watcher, 42, 1);
  cnv_mailbox_watcher_start (watcher);

  WAIT_UNTIL (events.uids->len >= 2
              && cnv_mailbox_watcher_get_status (watcher)
                 == CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING,
              CLIENT_TIMEOUT_S);
  assert_emitted (&events, (const guint[]) { 2, 3 }, 2);
  assert_synced_at (&events, 42, (const guint32[]) { 2, 3 }, 2);
  g_assert_cmpint (cnv_mailbox_watcher_get_status (watcher), ==,
                   CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING);
  g_assert_cmpuint (cnv_mailbox_watcher_get_last_uid (watcher), ==, 3);

  cnv_mailbox_watcher_stop (watcher);
  assert_received (server, (const char *[]) { "A1 EXAMINE \"INBOX\"",
                                              "A2 UID SEARCH UID 2:*",
                                              "A3 UID FETCH 2 (UID RFC822.SIZE)",
                                              "A4 UID FETCH 2 (UID BODY.PEEK[])",
                                              "A5 UID SEARCH UID 3:*",
                                              "A6 UID FETCH 3 (UID RFC822.SIZE)",
                                              "A7 UID FETCH 3 (UID BODY.PEEK[])",
                                              "A8 IDLE",
                                              "DONE",
                                              "A9 LOGOUT", NULL });
  g_assert_cmpuint (events.uids->len, ==, 2);

  watcher_free (watcher, &events);
  watcher_events_clear (&events);
}

/* 7a. START_UNSEEN on a folder with UIDNEXT 11 where only UID 5 is unseen: UID 5 is emitted, and
 * then the position is 10, the end of the folder as SELECT saw it (the seen messages 6-10 were
 * left out on purpose): the next EXISTS searches `UID 11:*`, not `UID 6:*`. */
static void
test_watcher_unseen_position (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    WATCHER_OPEN ("10", "11")
    "C: TAG UID SEARCH UNSEEN\n"
    "S: * SEARCH 5\n"
    "S: ${TAG} OK Search completed.\n"
    "C: TAG UID FETCH 5 \\(UID RFC822\\.SIZE\\)\n"
    "S: * 5 FETCH (UID 5 RFC822.SIZE 5)\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG UID FETCH 5 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S: * 5 FETCH (UID 5 BODY[] ${LIT:5\\r\\n\\r\\n})\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG NOOP\n"
    "S: * 11 EXISTS\n"
    "S: ${TAG} OK NOOP completed.\n"
    "C: TAG UID SEARCH UID 11:\\*\n"
    "S: * SEARCH 11\n"
    "S: ${TAG} OK Search completed.\n"
    "C: TAG UID FETCH 11 \\(UID RFC822\\.SIZE\\)\n"
    "S: * 11 FETCH (UID 11 RFC822.SIZE 6)\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG UID FETCH 11 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S: * 11 FETCH (UID 11 BODY[] ${LIT:11\\r\\n\\r\\n})\n"
    "S: ${TAG} OK Fetch completed.\n"
    WATCHER_LOGOUT);
  WatcherEvents events;
  CnvMailboxWatcher *watcher;

  watcher_events_init (&events);
  watcher = watcher_new (cnv_line_server_get_port (server), &events);
  g_object_set (watcher, "start", CNV_MAILBOX_WATCHER_START_UNSEEN, "poll-interval", 1, NULL);
  cnv_mailbox_watcher_start (watcher);

  /* Stopped as soon as the second sync ends: the next NOOP is a second away. */
  WAIT_UNTIL (events.synced_at->len >= 2, CLIENT_TIMEOUT_S);
  cnv_mailbox_watcher_stop (watcher);

  assert_emitted (&events, (const guint[]) { 5, 11 }, 2);
  assert_synced_at (&events, 42, (const guint32[]) { 10, 11 }, 2);
  g_assert_cmpuint (events.validity_changes, ==, 0);
  g_assert_cmpuint (cnv_mailbox_watcher_get_last_uid (watcher), ==, 11);
  assert_received (server, (const char *[]) { "A1 CAPABILITY",
                                              "A2 EXAMINE \"INBOX\"",
                                              "A3 UID SEARCH UNSEEN",
                                              "A4 UID FETCH 5 (UID RFC822.SIZE)",
                                              "A5 UID FETCH 5 (UID BODY.PEEK[])",
                                              "A6 NOOP",
                                              "A7 UID SEARCH UID 11:*",
                                              "A8 UID FETCH 11 (UID RFC822.SIZE)",
                                              "A9 UID FETCH 11 (UID BODY.PEEK[])",
                                              "A10 LOGOUT", NULL });

  watcher_free (watcher, &events);
  watcher_events_clear (&events);
}

/* The SINCE key the watcher sends for rescan-days 7 (RFC 9051 §6.4.4: English month names). */
static char *
since_criteria (guint days)
{
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) since = g_date_time_add_days (now, -(gint) days);

  return g_strdup_printf ("SINCE %d-%s-%d", g_date_time_get_day_of_month (since),
                          months[g_date_time_get_month (since) - 1],
                          g_date_time_get_year (since));
}

/* 7b. RFC 9051 §2.3.1.1: UIDVALIDITY changed (42 → 43) and nothing arrived in the last rescan-days
 * days: the SINCE search is empty, and the position becomes UIDNEXT - 1 = 10 in the new
 * UIDVALIDITY (not 0, and not the old 100): the next EXISTS searches `UID 11:*`. */
static void
test_watcher_uidvalidity_empty_rescan (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * PREAUTH [CAPABILITY IMAP4rev1] logged in as user\n"
    "C: TAG EXAMINE \"INBOX\"\n"
    "S: * 10 EXISTS\n"
    "S: * OK [UIDVALIDITY 43] UIDs valid\n"
    "S: * OK [UIDNEXT 11] Predicted next UID\n"
    "S: ${TAG} OK [READ-ONLY] Examine completed.\n"
    "C: TAG UID SEARCH SINCE \\d{1,2}-[A-Z][a-z][a-z]-\\d{4}\n"
    "S: * SEARCH\n"
    "S: ${TAG} OK Search completed.\n"
    "C: TAG NOOP\n"
    "S: * 11 EXISTS\n"
    "S: ${TAG} OK NOOP completed.\n"
    "C: TAG UID SEARCH UID 11:\\*\n"
    "S: * SEARCH 11\n"
    "S: ${TAG} OK Search completed.\n"
    "C: TAG UID FETCH 11 \\(UID RFC822\\.SIZE\\)\n"
    "S: * 11 FETCH (UID 11 RFC822.SIZE 6)\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG UID FETCH 11 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S: * 11 FETCH (UID 11 BODY[] ${LIT:11\\r\\n\\r\\n})\n"
    "S: ${TAG} OK Fetch completed.\n"
    WATCHER_LOGOUT);
  g_autofree char *since = since_criteria (7);
  g_autofree char *search = g_strdup_printf ("A2 UID SEARCH %s", since);
  WatcherEvents events;
  CnvMailboxWatcher *watcher;

  watcher_events_init (&events);
  watcher = watcher_new (cnv_line_server_get_port (server), &events);
  g_object_set (watcher, "poll-interval", 1, "rescan-days", 7, NULL);
  cnv_mailbox_watcher_set_position (watcher, 42, 100);
  cnv_mailbox_watcher_start (watcher);

  WAIT_UNTIL (events.synced_at->len >= 2, CLIENT_TIMEOUT_S);
  cnv_mailbox_watcher_stop (watcher);

  g_assert_cmpuint (events.validity_changes, ==, 1);
  g_assert_cmpuint (events.old_validity, ==, 42);
  g_assert_cmpuint (events.new_validity, ==, 43);
  assert_emitted (&events, (const guint[]) { 11 }, 1);
  assert_synced_at (&events, 43, (const guint32[]) { 10, 11 }, 2);
  g_assert_cmpuint (cnv_mailbox_watcher_get_uidvalidity (watcher), ==, 43);
  g_assert_cmpuint (cnv_mailbox_watcher_get_last_uid (watcher), ==, 11);
  assert_received (server, (const char *[]) { "A1 EXAMINE \"INBOX\"",
                                              search,
                                              "A3 NOOP",
                                              "A4 UID SEARCH UID 11:*",
                                              "A5 UID FETCH 11 (UID RFC822.SIZE)",
                                              "A6 UID FETCH 11 (UID BODY.PEEK[])",
                                              "A7 LOGOUT", NULL });

  watcher_free (watcher, &events);
  watcher_events_clear (&events);
}

/* 8. START_NEW on a server whose SELECT gives no UIDNEXT (allowed before RFC 9051): `UID SEARCH
 * UID *` answers the highest UID (RFC 9051 §6.4.4: `*` is the highest UID in use), which becomes
 * the position; nothing is downloaded or emitted. The next EXISTS searches beyond it. */
static void
test_watcher_new_without_uidnext (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * PREAUTH [CAPABILITY IMAP4rev1] logged in as user\n"
    "C: TAG EXAMINE \"INBOX\"\n"
    "S: * 3 EXISTS\n"
    "S: * OK [UIDVALIDITY 42] UIDs valid\n"
    "S: ${TAG} OK [READ-ONLY] Examine completed.\n"
    "C: TAG UID SEARCH UID \\*\n"
    "S: * SEARCH 7\n"
    "S: ${TAG} OK Search completed.\n"
    "C: TAG NOOP\n"
    "S: * 4 EXISTS\n"
    "S: ${TAG} OK NOOP completed.\n"
    "C: TAG UID SEARCH UID 8:\\*\n"
    "S: * SEARCH 8\n"
    "S: ${TAG} OK Search completed.\n"
    "C: TAG UID FETCH 8 \\(UID RFC822\\.SIZE\\)\n"
    "S: * 4 FETCH (UID 8 RFC822.SIZE 5)\n"
    "S: ${TAG} OK Fetch completed.\n"
    "C: TAG UID FETCH 8 \\(UID BODY\\.PEEK\\[\\]\\)\n"
    "S: * 4 FETCH (UID 8 BODY[] ${LIT:8\\r\\n\\r\\n})\n"
    "S: ${TAG} OK Fetch completed.\n"
    WATCHER_LOGOUT);
  WatcherEvents events;
  CnvMailboxWatcher *watcher;

  watcher_events_init (&events);
  watcher = watcher_new (cnv_line_server_get_port (server), &events);
  g_object_set (watcher, "start", CNV_MAILBOX_WATCHER_START_NEW, "poll-interval", 1, NULL);

  cnv_mailbox_watcher_start (watcher);
  WAIT_UNTIL (events.synced_at->len >= 1, CLIENT_TIMEOUT_S);
  g_assert_cmpuint (events.uids->len, ==, 0);
  g_assert_cmpuint (cnv_mailbox_watcher_get_uidvalidity (watcher), ==, 42);
  g_assert_cmpuint (cnv_mailbox_watcher_get_last_uid (watcher), ==, 7);

  WAIT_UNTIL (events.synced_at->len >= 2, CLIENT_TIMEOUT_S);
  cnv_mailbox_watcher_stop (watcher);

  assert_emitted (&events, (const guint[]) { 8 }, 1);
  assert_synced_at (&events, 42, (const guint32[]) { 7, 8 }, 2);
  assert_received (server, (const char *[]) { "A1 EXAMINE \"INBOX\"",
                                              "A2 UID SEARCH UID *",
                                              "A3 NOOP",
                                              "A4 UID SEARCH UID 8:*",
                                              "A5 UID FETCH 8 (UID RFC822.SIZE)",
                                              "A6 UID FETCH 8 (UID BODY.PEEK[])",
                                              "A7 LOGOUT", NULL });

  watcher_free (watcher, &events);
  watcher_events_clear (&events);
}

int
main (int   argc,
      char *argv[])
{
  /* Loopback needs no proxy, and libproxy (C++) aborts under clang's AddressSanitizer. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/imap/reentrancy/exists-handler-closes", "EXISTS",
                        test_client_close_in_untagged);
  g_test_add_data_func ("/imap/reentrancy/expunged-handler-closes", "EXPUNGE",
                        test_client_close_in_untagged);
  g_test_add_func ("/imap/reentrancy/reconnect/before-tcp", test_client_reconnect_before_tcp);
  g_test_add_func ("/imap/reentrancy/reconnect/in-greeting", test_client_reconnect_in_greeting);
  g_test_add_data_func ("/imap/reentrancy/tls-timeout/implicit",
                        GINT_TO_POINTER (CNV_MAIL_SECURITY_TLS),
                        test_client_tls_handshake_timeout);
  g_test_add_data_func ("/imap/reentrancy/tls-timeout/starttls",
                        GINT_TO_POINTER (CNV_MAIL_SECURITY_STARTTLS),
                        test_client_tls_handshake_timeout);

  g_test_add_func ("/watcher/lines/restart-in-message", test_watcher_restart_in_message);
  g_test_add_func ("/watcher/lines/stop-when-offline", test_watcher_stop_when_offline);
  g_test_add_func ("/watcher/lines/exists-during-sync", test_watcher_exists_during_sync);
  g_test_add_func ("/watcher/lines/unseen-position", test_watcher_unseen_position);
  g_test_add_func ("/watcher/lines/uidvalidity-empty-rescan",
                   test_watcher_uidvalidity_empty_rescan);
  g_test_add_func ("/watcher/lines/new-without-uidnext", test_watcher_new_without_uidnext);

  return g_test_run ();
}
