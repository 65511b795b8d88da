/* test-imap-stack.c — the IMAP client against the real mail stack (Dovecot on loopback)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mail-test-common.h"

static CnvMailstack *stack;

static GBytes *
fetch_one (CnvImapClient     *client,
           guint32            uid,
           CnvImapFetchFlags  what,
           CnvImapMessage   **out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *set = g_strdup_printf ("%u", uid);
  g_autoptr(GPtrArray) messages = NULL;
  GAsyncResult *result = NULL;
  CnvImapMessage *message;

  cnv_imap_client_uid_fetch_async (client, set, what, NULL, store_result_cb, &result);
  messages = cnv_imap_client_uid_fetch_finish (client, wait_result (&result, 30), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (messages->len, ==, 1);
  message = g_ptr_array_steal_index (messages, 0);
  g_assert_cmpuint (message->uid, ==, uid);
  *out = message;
  return message->body != NULL ? g_bytes_ref (message->body) : NULL;
}

static guint32
append (CnvImapClient      *client,
        const char         *mailbox,
        const char * const *flags,
        GBytes             *message)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  guint32 uid = 0;

  cnv_imap_client_append_async (client, mailbox, flags, message, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_append_finish (client, wait_result (&result, 30), &uid, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  return uid;
}

static void
logout (CnvImapClient *client)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  cnv_imap_client_logout_async (client, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_logout_finish (client, wait_result (&result, 30), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_false (cnv_imap_client_is_connected (client));
}

/* STARTTLS and implicit TLS, verified against the stack's CA; APPEND, SELECT, SEARCH, FETCH
 * byte-exact, BODY.PEEK leaves \Seen alone, STORE sets it, LOGOUT. */
static void
check_round_trip (CnvMailSecurity security)
{
  g_autoptr(CnvImapClient) client = open_client (stack, "alice", security);
  g_autoptr(GBytes) message = make_message ("alice@example.test", "Round trip", 1);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(CnvImapMessage) fetched = NULL;
  g_autoptr(CnvImapMessage) flags = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  const char *seen[] = { "\\Seen", NULL };
  CnvImapMailbox info;
  guint32 uid;

  g_assert_true (cnv_imap_client_is_connected (client));
  g_assert_true (cnv_imap_client_has_capability (client, "IDLE"));
  uid = append (client, "INBOX", NULL, message);
  g_assert_cmpuint (uid, >, 0);

  info = select_mailbox (client, "INBOX", FALSE);
  g_assert_cmpuint (info.uidvalidity, >, 0);
  g_assert_cmpuint (info.uidnext, ==, uid + 1);
  g_assert_false (info.read_only);
  g_assert_cmpuint (info.exists, ==, cnv_imap_client_get_exists (client));

  /* RFC 9051 §6.4.4: `UID n:*` with n beyond the last UID still returns the last one. */
  {
    g_autofree char *criteria = g_strdup_printf ("UID %u:*", uid + 10);

    cnv_imap_client_uid_search_async (client, criteria, NULL, store_result_cb, &result);
    uids = cnv_imap_client_uid_search_finish (client, wait_result (&result, 30), &error);
    g_assert_no_error (error);
    g_clear_object (&result);
    g_assert_cmpuint (uids->len, ==, 1);
    g_assert_cmpuint (g_array_index (uids, guint32, 0), ==, uid);
  }

  body = fetch_one (client, uid, CNV_IMAP_FETCH_BODY | CNV_IMAP_FETCH_SIZE, &fetched);
  g_assert_true (g_bytes_equal (body, message));
  g_assert_cmpuint (fetched->size, ==, g_bytes_get_size (message));

  fetch_one (client, uid, CNV_IMAP_FETCH_FLAGS, &flags);
  g_assert_false (cnv_imap_message_has_flag (flags, "\\Seen"));
  g_clear_pointer (&flags, cnv_imap_message_free);

  {
    g_autofree char *set = g_strdup_printf ("%u", uid);

    cnv_imap_client_uid_store_async (client, set, TRUE, seen, NULL, store_result_cb, &result);
    g_assert_true (cnv_imap_client_uid_store_finish (client, wait_result (&result, 30), &error));
    g_assert_no_error (error);
    g_clear_object (&result);
  }
  fetch_one (client, uid, CNV_IMAP_FETCH_FLAGS, &flags);
  g_assert_true (cnv_imap_message_has_flag (flags, "\\Seen"));

  logout (client);
}

static void
test_starttls (void)
{
  check_round_trip (CNV_MAIL_SECURITY_STARTTLS);
}

static void
test_implicit_tls (void)
{
  check_round_trip (CNV_MAIL_SECURITY_TLS);
}

static void
test_header_only (void)
{
  g_autoptr(CnvImapClient) client = open_client (stack, "alice", CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(GBytes) message = make_message ("alice@example.test", "Header only", 2);
  g_autoptr(CnvImapMessage) fetched = NULL;
  g_autoptr(GBytes) body = NULL;
  const char *text;
  gsize size;
  guint32 uid;

  uid = append (client, "INBOX", NULL, message);
  select_mailbox (client, "INBOX", TRUE);
  body = fetch_one (client, uid, CNV_IMAP_FETCH_HEADER, &fetched);
  g_assert_null (body);
  g_assert_nonnull (fetched->header);
  text = g_bytes_get_data (fetched->header, &size);
  g_assert_cmpuint (size, >, 4);
  g_assert_cmpmem (text + size - 4, 4, "\r\n\r\n", 4);
  g_assert_nonnull (g_strstr_len (text, size, "Subject: Header only"));
  g_assert_null (g_strstr_len (text, size, "Message number"));
}

/* Wrong CA: the TLS error names the reason, and no IMAP byte is sent (implicit TLS) or nothing
 * beyond STARTTLS (STARTTLS). */
static void
check_wrong_ca (CnvMailSecurity security)
{
  g_autoptr(CnvMailServer) server = stack_imap_server (stack, "alice", security);
  g_autoptr(CnvImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  g_clear_pointer (&server->ca_file, g_free);   /* the system's CAs: the stack's is unknown */
  client = cnv_imap_client_new (server);
  cnv_imap_client_connect_async (client, NULL, store_result_cb, &result);
  g_assert_false (cnv_imap_client_connect_finish (client, wait_result (&result, 30), &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_TLS);
  g_assert_nonnull (strstr (error->message, "not signed by a trusted authority"));
  g_clear_object (&result);
  if (security == CNV_MAIL_SECURITY_TLS)
    g_assert_cmpuint (cnv_imap_client_get_bytes_sent (client), ==, 0);
  else
    /* Dovecot's greeting carries its capabilities: STARTTLS is the only command sent. */
    g_assert_cmpuint (cnv_imap_client_get_bytes_sent (client), ==, strlen ("A1 STARTTLS\r\n"));
  g_assert_false (cnv_imap_client_is_connected (client));
}

static void
test_wrong_ca (void)
{
  check_wrong_ca (CNV_MAIL_SECURITY_TLS);
  check_wrong_ca (CNV_MAIL_SECURITY_STARTTLS);
}

/* A certificate for another name is refused even from the right CA. The machine's own host
 * name usually resolves to loopback (/etc/hosts) and is not a name the certificate gives
 * (localhost, 127.0.0.1). */
static void
test_wrong_host (void)
{
  g_autoptr(CnvMailServer) server = stack_imap_server (stack, "alice", CNV_MAIL_SECURITY_TLS);
  g_autoptr(CnvImapClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autolist(GInetAddress) addresses = NULL;
  GAsyncResult *result = NULL;
  gboolean loopback = FALSE;

  addresses = g_resolver_lookup_by_name (g_resolver_get_default (), g_get_host_name (), NULL, NULL);
  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autofree char *text = g_inet_address_to_string (l->data);

      loopback |= g_str_equal (text, "127.0.0.1");
    }
  if (!loopback || g_str_equal (g_get_host_name (), "localhost"))
    {
      g_test_skip ("this machine's host name does not resolve to 127.0.0.1");
      return;
    }

  g_free (server->host);
  server->host = g_strdup (g_get_host_name ());
  client = cnv_imap_client_new (server);
  cnv_imap_client_connect_async (client, NULL, store_result_cb, &result);
  g_assert_false (cnv_imap_client_connect_finish (client, wait_result (&result, 30), &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_TLS);
  g_assert_nonnull (strstr (error->message, "another host name"));
  g_clear_object (&result);
}

static void
test_wrong_password (void)
{
  g_autoptr(CnvMailServer) server = stack_imap_server (stack, "alice", CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(CnvImapClient) client = cnv_imap_client_new (server);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  cnv_imap_client_connect_async (client, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_connect_finish (client, wait_result (&result, 30), &error));
  g_clear_object (&result);
  cnv_imap_client_authenticate_async (client, "wrong-password", NULL, store_result_cb, &result);
  g_assert_false (cnv_imap_client_authenticate_finish (client, wait_result (&result, 30), &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_AUTH);
  g_assert_null (strstr (error->message, "wrong-password"));
  g_clear_object (&result);
}

static void
test_connection_refused (void)
{
  g_autoptr(CnvMailServer) server = cnv_mail_server_new ("127.0.0.1", 1, CNV_MAIL_SECURITY_NONE);
  g_autoptr(CnvImapClient) client = cnv_imap_client_new (server);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  cnv_imap_client_connect_async (client, NULL, store_result_cb, &result);
  g_assert_false (cnv_imap_client_connect_finish (client, wait_result (&result, 30), &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION);
  g_clear_object (&result);
}

static void
test_missing_mailbox (void)
{
  g_autoptr(CnvImapClient) client = open_client (stack, "alice", CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  CnvImapMailbox info;

  cnv_imap_client_select_async (client, "No such folder", FALSE, NULL, store_result_cb, &result);
  g_assert_false (cnv_imap_client_select_finish (client, wait_result (&result, 30), &info, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_NO);
  g_clear_object (&result);
  /* The connection stays usable after a NO. */
  select_mailbox (client, "INBOX", TRUE);
}

/* IDLE against Dovecot: a message appended by another connection ends it with changed=TRUE
 * after ::exists; cancelling ends it and leaves the connection usable. */
static void
exists_cb (CnvImapClient *client,
           guint          count,
           guint         *seen)
{
  *seen = count;
}

static void
test_idle (void)
{
  g_autoptr(CnvImapClient) watcher = open_client (stack, "bob", CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(CnvImapClient) writer = open_client (stack, "bob", CNV_MAIL_SECURITY_TLS);
  g_autoptr(GBytes) message = make_message ("bob@example.test", "Idle", 3);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  gboolean changed = FALSE;
  CnvImapMailbox info;
  guint exists = 0;
  gint64 started;

  info = select_mailbox (watcher, "INBOX", TRUE);
  g_signal_connect (watcher, "exists", G_CALLBACK (exists_cb), &exists);
  cnv_imap_client_idle_async (watcher, 60, NULL, store_result_cb, &result);
  /* Let the server enter IDLE before the message comes. */
  WAIT_UNTIL (FALSE, 1);
  append (writer, "INBOX", NULL, message);
  g_assert_true (cnv_imap_client_idle_finish (watcher, wait_result (&result, 30), &changed, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_true (changed);
  g_assert_cmpuint (exists, ==, info.exists + 1);

  /* Timeout: no news in 1 s. */
  started = g_get_monotonic_time ();
  cnv_imap_client_idle_async (watcher, 1, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_idle_finish (watcher, wait_result (&result, 30), &changed, &error));
  g_clear_object (&result);
  g_assert_false (changed);
  /* g_timeout_add_seconds() may fire up to a quarter of a second early (it rounds). */
  g_assert_cmpint (g_get_monotonic_time () - started, >=, G_USEC_PER_SEC * 7 / 10);

  /* Cancelled. */
  cnv_imap_client_idle_async (watcher, 60, cancellable, store_result_cb, &result);
  WAIT_UNTIL (FALSE, 1);
  g_cancellable_cancel (cancellable);
  g_assert_false (cnv_imap_client_idle_finish (watcher, wait_result (&result, 30), &changed, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);
  cnv_imap_client_noop_async (watcher, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_noop_finish (watcher, wait_result (&result, 30), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
}

/* APPEND to a folder with a non-ASCII name, in modified UTF-7, and a message with 8-bit bytes. */
static void
test_append_sent (void)
{
  g_autoptr(CnvImapClient) client = open_client (stack, "carol", CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(GBytes) message = g_bytes_new_static ("From: carol@example.test\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n"
                                                  "Content-Type: text/plain; charset=UTF-8\r\n"
                                                  "Content-Transfer-Encoding: 8bit\r\n\r\n"
                                                  "Caf\xc3\xa9 \xe2\x82\xac\r\n", 145);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  const char *seen[] = { "\\Seen", NULL };
  g_autofree char *encoded = cnv_imap_mailbox_encode ("Envoy\xc3\xa9s & co");

  g_assert_cmpstr (encoded, ==, "Envoy&AOk-s &- co");
  /* The folder does not exist: Dovecot answers NO [TRYCREATE]. */
  cnv_imap_client_append_async (client, "Envoy\xc3\xa9s & co", seen, message, NULL, store_result_cb, &result);
  g_assert_false (cnv_imap_client_append_finish (client, wait_result (&result, 30), NULL, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_NO);
  g_assert_nonnull (strstr (error->message, "TRYCREATE"));
  g_clear_error (&error);
  g_clear_object (&result);

  {
    g_autoptr(CnvImapMessage) fetched = NULL;
    g_autoptr(GBytes) body = NULL;
    guint32 uid = append (client, "INBOX", seen, message);

    select_mailbox (client, "INBOX", TRUE);
    body = fetch_one (client, uid, CNV_IMAP_FETCH_BODY | CNV_IMAP_FETCH_FLAGS, &fetched);
    g_assert_true (g_bytes_equal (body, message));
    g_assert_true (cnv_imap_message_has_flag (fetched, "\\Seen"));
  }
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

  g_test_add_func ("/mail/imap/starttls", test_starttls);
  g_test_add_func ("/mail/imap/implicit-tls", test_implicit_tls);
  g_test_add_func ("/mail/imap/header-only", test_header_only);
  g_test_add_func ("/mail/imap/wrong-ca", test_wrong_ca);
  g_test_add_func ("/mail/imap/wrong-host", test_wrong_host);
  g_test_add_func ("/mail/imap/wrong-password", test_wrong_password);
  g_test_add_func ("/mail/imap/connection-refused", test_connection_refused);
  g_test_add_func ("/mail/imap/missing-mailbox", test_missing_mailbox);
  g_test_add_func ("/mail/imap/idle", test_idle);
  g_test_add_func ("/mail/imap/append-sent", test_append_sent);

  status = g_test_run ();
  cnv_mailstack_stop (stack);
  return status;
}
