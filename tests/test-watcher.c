/* test-watcher.c — CnvMailboxWatcher against the real mail stack (Dovecot + Postfix on loopback)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cnv-mailbox-watcher.h"
#include "cnv-smtp.h"
#include "mail-test-common.h"

/* One stack for the whole program: starting one takes ~3 s. Each test uses its own user or
 * starts from the user's current position. */
static CnvMailstack *stack;

typedef struct
{
  CnvMailboxWatcher *watcher;
  GPtrArray         *uids;       /* guint32 in emission order */
  GPtrArray         *bodies;     /* GBytes or NULL */
  GArray            *statuses;   /* every status it went through */
  guint              synced;
  guint              validity_changes;
} Watch;

static void
message_cb (CnvMailboxWatcher *watcher,
            guint              uidvalidity,
            guint              uid,
            GBytes            *message,
            guint64            size,
            Watch             *watch)
{
  g_assert_cmpuint (uidvalidity, ==, cnv_mailbox_watcher_get_uidvalidity (watcher));
  g_ptr_array_add (watch->uids, GUINT_TO_POINTER (uid));
  g_ptr_array_add (watch->bodies, message != NULL ? g_bytes_ref (message) : NULL);
  if (message != NULL)
    g_assert_cmpuint (g_bytes_get_size (message), ==, size);
}

static void
synced_cb (CnvMailboxWatcher *watcher,
           Watch             *watch)
{
  watch->synced++;
}

static void
status_cb (CnvMailboxWatcher *watcher,
           GParamSpec        *pspec,
           Watch             *watch)
{
  CnvMailboxWatcherStatus status = cnv_mailbox_watcher_get_status (watcher);

  g_array_append_val (watch->statuses, status);
}

static void
validity_cb (CnvMailboxWatcher *watcher,
             guint              old,
             guint              new,
             Watch             *watch)
{
  g_assert_cmpuint (old, !=, new);
  watch->validity_changes++;
}

static Watch *
watch_new (const char      *user,
           CnvMailSecurity  security,
           const char      *first_property,
           ...)
{
  g_autoptr(CnvMailServer) server = stack_imap_server (stack, user, security);
  g_autoptr(CnvCredentials) credentials = stack_credentials (stack, user);
  Watch *watch = g_new0 (Watch, 1);
  va_list args;

  watch->watcher = cnv_mailbox_watcher_new (server, credentials, "INBOX");
  watch->uids = g_ptr_array_new ();
  watch->bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  watch->statuses = g_array_new (FALSE, FALSE, sizeof (CnvMailboxWatcherStatus));
  g_signal_connect (watch->watcher, "message", G_CALLBACK (message_cb), watch);
  g_signal_connect (watch->watcher, "synced", G_CALLBACK (synced_cb), watch);
  g_signal_connect (watch->watcher, "notify::status", G_CALLBACK (status_cb), watch);
  g_signal_connect (watch->watcher, "uidvalidity-changed", G_CALLBACK (validity_cb), watch);
  va_start (args, first_property);
  if (first_property != NULL)
    g_object_set_valist (G_OBJECT (watch->watcher), first_property, args);
  va_end (args);
  return watch;
}

static void
watch_free (Watch *watch)
{
  cnv_mailbox_watcher_stop (watch->watcher);
  g_object_unref (watch->watcher);
  g_ptr_array_unref (watch->uids);
  g_ptr_array_unref (watch->bodies);
  g_array_unref (watch->statuses);
  g_free (watch);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Watch, watch_free)

static gboolean
has_status (Watch                   *watch,
            CnvMailboxWatcherStatus  status)
{
  for (guint i = 0; i < watch->statuses->len; i++)
    if (g_array_index (watch->statuses, CnvMailboxWatcherStatus, i) == status)
      return TRUE;
  return FALSE;
}

static void
deliver (const char *user,
         guint       serial)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *to = g_strdup_printf ("%s@example.test", user);
  g_autoptr(GBytes) message = make_message (to, "Watched", serial);

  g_assert_true (cnv_mailstack_deliver (stack, user, message, &error));
  g_assert_no_error (error);
}

static void
assert_ascending_once (Watch *watch)
{
  for (guint i = 1; i < watch->uids->len; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_ptr_array_index (watch->uids, i - 1)), <,
                      GPOINTER_TO_UINT (g_ptr_array_index (watch->uids, i)));
}

/* Submits a message from alice to @user through SMTP submission (STARTTLS + AUTH): the real path,
 * Dovecot's submission → Postfix → LMTP. */
static void
send_by_smtp (const char *user,
              guint       serial)
{
  g_autoptr(CnvMailServer) smtp = cnv_mail_server_new (stack->host, stack->submission_port,
                                                       CNV_MAIL_SECURITY_STARTTLS);
  g_autofree char *password = cnv_mailstack_get_password (stack, "alice");
  g_autofree char *to = g_strdup_printf ("%s@example.test", user);
  g_autoptr(GBytes) message = make_message (to, "By SMTP", serial);
  g_autoptr(GError) error = NULL;
  const char *recipients[] = { to, NULL };
  GAsyncResult *result = NULL;
  CnvSmtpResult *sent;

  smtp->user = g_strdup ("alice@example.test");
  smtp->ca_file = g_strdup (stack->ca_file);
  cnv_smtp_submit_bytes_async (smtp, password, "alice@example.test", recipients, message,
                               NULL, store_result_cb, &result);
  sent = cnv_smtp_submit_finish (wait_result (&result, 60), &error);
  g_assert_no_error (error);
  g_assert_nonnull (sent);
  g_assert_cmpuint (sent->accepted->len, ==, 1);
  cnv_smtp_result_free (sent);
  g_clear_object (&result);
}

/* Sent by SMTP submission and pushed by IDLE; the app-mode watcher leaves \Seen alone. */
static void
test_idle_smtp (void)
{
  g_autoptr(Watch) watch = watch_new ("bob", CNV_MAIL_SECURITY_STARTTLS, NULL);
  g_autoptr(GPtrArray) flags = NULL;

  cnv_mailbox_watcher_start (watch->watcher);
  WAIT_UNTIL (cnv_mailbox_watcher_get_status (watch->watcher) == CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING, 30);
  g_assert_cmpint (cnv_mailbox_watcher_get_status (watch->watcher), ==,
                   CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING);
  g_assert_true (has_status (watch, CNV_MAILBOX_WATCHER_STATUS_CONNECTING));

  for (guint i = 0; i < 3; i++)
    send_by_smtp ("bob", i);

  WAIT_UNTIL (watch->uids->len >= 3, 60);
  g_assert_cmpuint (watch->uids->len, ==, 3);
  assert_ascending_once (watch);
  for (guint i = 0; i < 3; i++)
    {
      GBytes *body = g_ptr_array_index (watch->bodies, i);
      g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      g_autofree char *line = g_strdup_printf ("Message number %u.", i);

      g_assert_nonnull (strstr (text, "Subject: By SMTP"));
      g_assert_nonnull (strstr (text, line));
    }
  g_assert_cmpint (cnv_mailbox_watcher_get_status (watch->watcher), ==,
                   CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING);

  /* The app never touches the user's flags. */
  flags = list_flags (stack, "bob");
  g_assert_cmpuint (flags->len, >=, 3);
  for (guint i = 0; i < flags->len; i++)
    g_assert_false (cnv_imap_message_has_flag (g_ptr_array_index (flags, i), "\\Seen"));
}

/* Without IDLE: NOOP polls; implicit TLS. */
static void
test_polling (void)
{
  g_autoptr(Watch) watch = watch_new ("carol", CNV_MAIL_SECURITY_TLS,
                                      "use-idle", FALSE, "poll-interval", 1, NULL);

  cnv_mailbox_watcher_start (watch->watcher);
  WAIT_UNTIL (watch->synced >= 1, 30);
  g_assert_cmpint (cnv_mailbox_watcher_get_status (watch->watcher), ==,
                   CNV_MAILBOX_WATCHER_STATUS_POLLING);
  /* Through SMTP submission and straight into the mailbox (doveadm), interleaved. */
  for (guint i = 0; i < 6; i++)
    {
      if (i % 2 == 0)
        send_by_smtp ("carol", i);
      else
        deliver ("carol", i);
    }
  WAIT_UNTIL (watch->uids->len >= 6, 30);
  g_assert_cmpuint (watch->uids->len, ==, 6);
  assert_ascending_once (watch);
  g_assert_false (has_status (watch, CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING));
}

/* The owner's position: a new watcher emits exactly what arrived after it. */
static void
test_position (void)
{
  guint32 uidvalidity, last_uid;

  {
    g_autoptr(Watch) first = watch_new ("dave", CNV_MAIL_SECURITY_STARTTLS, NULL);

    deliver ("dave", 100);     /* before the first start: not emitted (start = new) */
    cnv_mailbox_watcher_start (first->watcher);
    WAIT_UNTIL (first->synced >= 1, 30);
    g_assert_cmpuint (first->uids->len, ==, 0);
    deliver ("dave", 101);
    WAIT_UNTIL (first->uids->len >= 1, 30);
    g_assert_cmpuint (first->uids->len, ==, 1);
    uidvalidity = cnv_mailbox_watcher_get_uidvalidity (first->watcher);
    last_uid = cnv_mailbox_watcher_get_last_uid (first->watcher);
    g_assert_cmpuint (last_uid, ==, GPOINTER_TO_UINT (g_ptr_array_index (first->uids, 0)));
  }

  /* While nobody watches. */
  for (guint i = 0; i < 3; i++)
    deliver ("dave", 200 + i);

  {
    g_autoptr(Watch) second = watch_new ("dave", CNV_MAIL_SECURITY_STARTTLS, NULL);

    cnv_mailbox_watcher_set_position (second->watcher, uidvalidity, last_uid);
    cnv_mailbox_watcher_start (second->watcher);
    WAIT_UNTIL (second->uids->len >= 3 && second->synced >= 1, 30);
    g_assert_cmpuint (second->uids->len, ==, 3);
    g_assert_cmpuint (GPOINTER_TO_UINT (g_ptr_array_index (second->uids, 0)), ==, last_uid + 1);
    assert_ascending_once (second);
  }
}

/* The manager's mode: read-write, and it marks what it processed when it asks. */
static void
test_manager_flags (void)
{
  g_autoptr(Watch) watch = watch_new ("videoconference", CNV_MAIL_SECURITY_STARTTLS,
                                      "read-only", FALSE, "start", CNV_MAILBOX_WATCHER_START_UNSEEN,
                                      NULL);
  g_autoptr(GPtrArray) flags = NULL;
  g_autoptr(GError) error = NULL;
  guint32 uid;

  deliver ("videoconference", 1);  /* unseen before the start: emitted (start = unseen) */
  cnv_mailbox_watcher_start (watch->watcher);
  WAIT_UNTIL (watch->uids->len >= 1, 30);
  g_assert_cmpuint (watch->uids->len, ==, 1);
  uid = GPOINTER_TO_UINT (g_ptr_array_index (watch->uids, 0));
  g_assert_true (cnv_mailbox_watcher_add_flag (watch->watcher,
                                               cnv_mailbox_watcher_get_uidvalidity (watch->watcher),
                                               uid, "\\Seen", &error));
  g_assert_no_error (error);
  WAIT_UNTIL (watch->synced >= 2, 30);
  flags = list_flags (stack, "videoconference");
  g_assert_cmpuint (flags->len, ==, 1);
  g_assert_true (cnv_imap_message_has_flag (g_ptr_array_index (flags, 0), "\\Seen"));
}

static void
test_read_only_refuses_flags (void)
{
  g_autoptr(Watch) watch = watch_new ("bob", CNV_MAIL_SECURITY_STARTTLS, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (cnv_mailbox_watcher_add_flag (watch->watcher, 1, 1, "\\Seen", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY);
}

static void
test_auth_failed (void)
{
  g_autoptr(CnvMailServer) server = stack_imap_server (stack, "bob", CNV_MAIL_SECURITY_STARTTLS);
  g_autofree char *dir = g_dir_make_tmp ("cnv-wrong-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "password", NULL);
  g_autoptr(CnvCredentials) credentials = NULL;
  g_autoptr(CnvMailboxWatcher) watcher = NULL;

  g_assert_true (g_file_set_contents_full (path, "not-the-password", -1,
                                           G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  credentials = CNV_CREDENTIALS (cnv_file_credentials_new (path, path));
  watcher = cnv_mailbox_watcher_new (server, credentials, "INBOX");
  cnv_mailbox_watcher_start (watcher);
  WAIT_UNTIL (cnv_mailbox_watcher_get_status (watcher) == CNV_MAILBOX_WATCHER_STATUS_AUTH_FAILED, 30);
  g_assert_cmpint (cnv_mailbox_watcher_get_status (watcher), ==, CNV_MAILBOX_WATCHER_STATUS_AUTH_FAILED);
  g_assert_error (cnv_mailbox_watcher_get_last_error (watcher), CNV_IMAP_ERROR, CNV_IMAP_ERROR_AUTH);
  /* The secret is not in the message the user sees. */
  g_assert_null (strstr (cnv_mailbox_watcher_get_last_error (watcher)->message, "not-the-password"));
  cnv_mailbox_watcher_stop (watcher);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_tls_failed (void)
{
  g_autoptr(CnvMailServer) server = stack_imap_server (stack, "bob", CNV_MAIL_SECURITY_TLS);
  g_autoptr(CnvCredentials) credentials = stack_credentials (stack, "bob");
  g_autoptr(CnvMailboxWatcher) watcher = NULL;
  guint64 sent = 1;

  /* The system's authorities do not know the stack's private CA. */
  g_clear_pointer (&server->ca_file, g_free);
  watcher = cnv_mailbox_watcher_new (server, credentials, "INBOX");
  cnv_mailbox_watcher_start (watcher);
  WAIT_UNTIL (cnv_mailbox_watcher_get_status (watcher) == CNV_MAILBOX_WATCHER_STATUS_TLS_FAILED, 30);
  g_assert_cmpint (cnv_mailbox_watcher_get_status (watcher), ==, CNV_MAILBOX_WATCHER_STATUS_TLS_FAILED);
  g_assert_error (cnv_mailbox_watcher_get_last_error (watcher), CNV_IMAP_ERROR, CNV_IMAP_ERROR_TLS);
  /* Implicit TLS: not one byte of IMAP was sent. */
  cnv_mailbox_watcher_get_traffic (watcher, NULL, &sent);
  g_assert_cmpuint (sent, ==, 0);
  cnv_mailbox_watcher_stop (watcher);
}

/* Dovecot restarted while the watcher idles: it goes offline, reconnects, and what arrived
 * meanwhile is emitted once. */
static void
test_dovecot_restart (void)
{
  g_autoptr(Watch) watch = watch_new ("whiteboard", CNV_MAIL_SECURITY_STARTTLS, NULL);
  g_autoptr(GError) error = NULL;

  cnv_mailbox_watcher_start (watch->watcher);
  WAIT_UNTIL (cnv_mailbox_watcher_get_status (watch->watcher) == CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING, 30);
  deliver ("whiteboard", 1);
  WAIT_UNTIL (watch->uids->len >= 1, 30);
  g_assert_cmpuint (watch->uids->len, ==, 1);

  g_assert_true (cnv_mailstack_restart_dovecot (stack, &error));
  g_assert_no_error (error);
  deliver ("whiteboard", 2);
  deliver ("whiteboard", 3);

  WAIT_UNTIL (watch->uids->len >= 3
              && cnv_mailbox_watcher_get_status (watch->watcher) == CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING,
              60);
  g_assert_true (has_status (watch, CNV_MAILBOX_WATCHER_STATUS_OFFLINE));
  g_assert_cmpuint (watch->uids->len, ==, 3);
  assert_ascending_once (watch);
  g_assert_cmpint (cnv_mailbox_watcher_get_status (watch->watcher), ==,
                   CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING);
}

/* 20 000 messages: the first sync downloads no bodies, and a poll costs what it costs on an
 * empty folder. */
static void
test_big_mailbox (void)
{
  g_autoptr(Watch) big = watch_new ("alice", CNV_MAIL_SECURITY_STARTTLS,
                                    "use-idle", FALSE, "poll-interval", 1, NULL);
  g_autoptr(Watch) empty = watch_new ("bob", CNV_MAIL_SECURITY_STARTTLS,
                                      "use-idle", FALSE, "poll-interval", 1, NULL);
  g_autoptr(GError) error = NULL;
  guint64 big_after_sync, big_after_polls, empty_after_sync, empty_after_polls;
  guint big_synced;

  g_assert_true (cnv_mailstack_fill (stack, "alice", 20000, &error));
  g_assert_no_error (error);

  cnv_mailbox_watcher_start (big->watcher);
  cnv_mailbox_watcher_start (empty->watcher);
  WAIT_UNTIL (big->synced >= 1 && empty->synced >= 1, 60);
  g_assert_cmpuint (big->uids->len, ==, 0);
  cnv_mailbox_watcher_get_traffic (big->watcher, &big_after_sync, NULL);
  cnv_mailbox_watcher_get_traffic (empty->watcher, &empty_after_sync, NULL);
  g_test_message ("first sync: %" G_GUINT64_FORMAT " bytes received (20 000 messages), %"
                  G_GUINT64_FORMAT " (empty)", big_after_sync, empty_after_sync);
  /* Greeting, capabilities, login, SELECT: a few KiB, never the messages. */
  g_assert_cmpuint (big_after_sync, <, 8192);

  /* Let both poll a few times (one NOOP a second). */
  big_synced = big->synced;
  WAIT_UNTIL (FALSE, 4);
  cnv_mailbox_watcher_get_traffic (big->watcher, &big_after_polls, NULL);
  cnv_mailbox_watcher_get_traffic (empty->watcher, &empty_after_polls, NULL);
  g_test_message ("4 s of polls: %" G_GUINT64_FORMAT " bytes (20 000 messages), %"
                  G_GUINT64_FORMAT " (empty)", big_after_polls - big_after_sync,
                  empty_after_polls - empty_after_sync);
  g_assert_cmpuint (big->synced, ==, big_synced);
  g_assert_cmpuint (big_after_polls - big_after_sync, >, 0);
  g_assert_cmpuint (big_after_polls - big_after_sync, <=, (empty_after_polls - empty_after_sync) * 11 / 10 + 16);
}

/* A message over max-message-size is reported with its size, not downloaded. */
static void
test_too_big (void)
{
  g_autoptr(Watch) watch = watch_new ("carol", CNV_MAIL_SECURITY_STARTTLS,
                                      "max-message-size", (guint64) 4096, NULL);
  g_autoptr(GError) error = NULL;
  GString *text = g_string_new ("From: alice@example.test\r\nTo: carol@example.test\r\n"
                                "Subject: big\r\n\r\n");
  g_autoptr(GBytes) big = NULL;

  while (text->len < 20000)
    g_string_append (text, "0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
  big = g_string_free_to_bytes (text);

  cnv_mailbox_watcher_start (watch->watcher);
  WAIT_UNTIL (watch->synced >= 1, 30);
  deliver ("carol", 7);
  g_assert_true (cnv_mailstack_deliver (stack, "carol", big, &error));
  g_assert_no_error (error);
  deliver ("carol", 8);
  WAIT_UNTIL (watch->uids->len >= 3, 30);
  g_assert_cmpuint (watch->uids->len, ==, 3);
  assert_ascending_once (watch);
  g_assert_nonnull (g_ptr_array_index (watch->bodies, 0));
  g_assert_null (g_ptr_array_index (watch->bodies, 1));
  g_assert_nonnull (g_ptr_array_index (watch->bodies, 2));
}

/* A stored position whose UIDVALIDITY is not the folder's: reported, recent mail re-emitted. */
static void
test_uidvalidity_changed (void)
{
  g_autoptr(Watch) watch = watch_new ("dave", CNV_MAIL_SECURITY_STARTTLS, NULL);
  CnvImapMailbox info;

  {
    g_autoptr(CnvImapClient) client = open_client (stack, "dave", CNV_MAIL_SECURITY_STARTTLS);

    info = select_mailbox (client, "INBOX", TRUE);
  }
  g_assert_cmpuint (info.exists, >, 0);
  cnv_mailbox_watcher_set_position (watch->watcher, info.uidvalidity - 1, info.uidnext - 1);
  cnv_mailbox_watcher_start (watch->watcher);
  WAIT_UNTIL (watch->synced >= 1, 30);
  g_assert_cmpuint (watch->validity_changes, ==, 1);
  g_assert_cmpuint (cnv_mailbox_watcher_get_uidvalidity (watch->watcher), ==, info.uidvalidity);
  /* Every message of dave's INBOX arrived today: all come again, in order. */
  g_assert_cmpuint (watch->uids->len, ==, info.exists);
  assert_ascending_once (watch);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  stack = cnv_mailstack_start (&error);
  g_assert_no_error (error);

  g_test_add_func ("/mail/watcher/idle-smtp", test_idle_smtp);
  g_test_add_func ("/mail/watcher/polling", test_polling);
  g_test_add_func ("/mail/watcher/position", test_position);
  g_test_add_func ("/mail/watcher/manager-flags", test_manager_flags);
  g_test_add_func ("/mail/watcher/read-only-refuses-flags", test_read_only_refuses_flags);
  g_test_add_func ("/mail/watcher/auth-failed", test_auth_failed);
  g_test_add_func ("/mail/watcher/tls-failed", test_tls_failed);
  g_test_add_func ("/mail/watcher/dovecot-restart", test_dovecot_restart);
  g_test_add_func ("/mail/watcher/too-big", test_too_big);
  g_test_add_func ("/mail/watcher/uidvalidity-changed", test_uidvalidity_changed);
  g_test_add_func ("/mail/watcher/big-mailbox", test_big_mailbox);

  status = g_test_run ();
  cnv_mailstack_stop (stack);
  return status;
}
