/* test-imap-lines-idle.c — IMAP IDLE (RFC 2177) and the mailbox watcher against scripted line
 * servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * IDLE that ends with news, with a timeout, by idle_stop() and by cancellation; BYE and a second
 * `+` during IDLE; the command timeout that IDLE is exempt from; a server without IDLE, where the
 * client refuses to idle and the watcher polls with NOOP.
 */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "cnv-imap-client.h"
#include "cnv-mailbox-watcher.h"
#include "imap-test-client.h"

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
  g_assert_true (cnv_imap_client_idle_finish (tc->client, wait_client (&result), &changed, &error));
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
  g_assert_false (cnv_imap_client_idle_finish (tc->client, wait_client (&result), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_object_unref (result);

  cnv_imap_client_noop_async (tc->client, NULL, store_result_cb, &noop);
  g_assert_true (cnv_imap_client_noop_finish (tc->client, wait_client (&noop), &error));
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

int
main (int   argc,
      char *argv[])
{
  imap_test_init (&argc, &argv);

  g_test_add_func ("/imap-lines/client/bye/during-idle", test_client_bye_during_idle);
  g_test_add_func ("/imap-lines/client/no-idle/client", test_client_no_idle);
  g_test_add_func ("/imap-lines/client/no-idle/watcher-polls", test_client_watcher_polling);
  g_test_add_func ("/imap-lines/client/idle/exists", test_client_idle_exists);
  g_test_add_func ("/imap-lines/client/idle/timeout", test_client_idle_timeout);
  g_test_add_func ("/imap-lines/client/idle/stop", test_client_idle_stop);
  g_test_add_func ("/imap-lines/client/idle/cancel", test_client_idle_cancel);
  g_test_add_func ("/imap-lines/client/idle/double-continuation",
                   test_client_idle_double_continuation);
  g_test_add_func ("/imap-lines/client/idle/outlives-timeout", test_client_idle_outlives_timeout);

  return g_test_run ();
}
