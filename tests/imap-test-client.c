/* imap-test-client.c — the IMAP client against scripted line servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap-test"

#include "config.h"

#include <string.h>

#include "imap-test-client.h"

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

void
imap_test_init (int    *argc,
                char ***argv)
{
  const char *debug = g_getenv ("G_MESSAGES_DEBUG");
  g_autofree char *domains = NULL;

  /* Loopback needs no proxy, and libproxy (C++) aborts under clang's AddressSanitizer. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  /* The client's protocol trace is on, into trace_log: the tests check what it shows. */
  domains = debug != NULL && *debug != '\0' ? g_strconcat (debug, " cnv-imap", NULL)
                                            : g_strdup ("cnv-imap");
  g_setenv ("G_MESSAGES_DEBUG", domains, TRUE);

  g_test_init (argc, argv, NULL);
  trace_log = g_string_new (NULL);
  g_log_set_handler ("cnv-imap", G_LOG_LEVEL_DEBUG, trace_cb, NULL);
}

void
trace_clear (void)
{
  g_string_truncate (trace_log, 0);
}

void
assert_not_traced (const char *secret)
{
  if (strstr (trace_log->str, secret) != NULL)
    g_error ("the trace shows \"%s\":\n%s", secret, trace_log->str);
}

void
assert_traced_line (const char *line)
{
  g_auto(GStrv) lines = g_strsplit (trace_log->str, "\n", -1);

  if (!g_strv_contains ((const char * const *) lines, line))
    g_error ("the trace has no line \"%s\":\n%s", line, trace_log->str);
}

void
assert_error_says (const GError *error,
                   const char   *part)
{
  g_assert_nonnull (error);
  assert_contains (error->message, part);
}

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

TestClient *
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

TestClient *
test_client_new (CnvLineServer *server)
{
  return test_client_new_full (server, CNV_MAIL_SECURITY_NONE, "user", CNV_MAIL_AUTH_AUTO);
}

void
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

const GError *
closed_reason (TestClient *tc)
{
  g_assert_cmpuint (tc->closed->len, ==, 1);
  return g_ptr_array_index (tc->closed, 0);
}

gboolean
client_connect (TestClient  *tc,
                GError     **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  cnv_imap_client_connect_async (tc->client, NULL, store_result_cb, &result);
  ok = cnv_imap_client_connect_finish (tc->client, wait_client (&result), error);
  g_object_unref (result);
  return ok;
}

void
connect_or_fail (TestClient *tc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (client_connect (tc, &error));
  g_assert_no_error (error);
  g_assert_true (cnv_imap_client_is_connected (tc->client));
}

gboolean
client_authenticate (TestClient  *tc,
                     const char  *secret,
                     GError     **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  cnv_imap_client_authenticate_async (tc->client, secret, NULL, store_result_cb, &result);
  ok = cnv_imap_client_authenticate_finish (tc->client, wait_client (&result), error);
  g_object_unref (result);
  return ok;
}

CnvImapMailbox
select_or_fail (TestClient *tc,
                const char *mailbox,
                gboolean    read_only)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  CnvImapMailbox info = { 0, };

  cnv_imap_client_select_async (tc->client, mailbox, read_only, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_select_finish (tc->client, wait_client (&result), &info, &error));
  g_assert_no_error (error);
  g_object_unref (result);
  return info;
}

GArray *
client_search (TestClient  *tc,
               const char  *criteria,
               GError     **error)
{
  GAsyncResult *result = NULL;
  GArray *uids;

  cnv_imap_client_uid_search_async (tc->client, criteria, NULL, store_result_cb, &result);
  uids = cnv_imap_client_uid_search_finish (tc->client, wait_client (&result), error);
  g_object_unref (result);
  return uids;
}

GPtrArray *
client_fetch (TestClient         *tc,
              const char         *uid_set,
              CnvImapFetchFlags   what,
              GError            **error)
{
  GAsyncResult *result = NULL;
  GPtrArray *messages;

  cnv_imap_client_uid_fetch_async (tc->client, uid_set, what, NULL, store_result_cb, &result);
  messages = cnv_imap_client_uid_fetch_finish (tc->client, wait_client (&result), error);
  g_object_unref (result);
  return messages;
}

gboolean
client_noop (TestClient  *tc,
             GError     **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  cnv_imap_client_noop_async (tc->client, NULL, store_result_cb, &result);
  ok = cnv_imap_client_noop_finish (tc->client, wait_client (&result), error);
  g_object_unref (result);
  return ok;
}

gboolean
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
  ok = cnv_imap_client_append_finish (tc->client, wait_client (&result), uid, error);
  g_object_unref (result);
  return ok;
}

gboolean
client_idle (TestClient  *tc,
             guint        seconds,
             gboolean    *changed,
             GError     **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  cnv_imap_client_idle_async (tc->client, seconds, NULL, store_result_cb, &result);
  ok = cnv_imap_client_idle_finish (tc->client, wait_client (&result), changed, error);
  g_object_unref (result);
  return ok;
}

void
assert_sent_stays (TestClient *tc,
                   guint64     count,
                   guint       ms)
{
  WAIT_UNTIL (cnv_imap_client_get_bytes_sent (tc->client) >= count, CLIENT_TIMEOUT_S);
  g_assert_cmpuint (cnv_imap_client_get_bytes_sent (tc->client), ==, count);
  spin_ms (ms);
  g_assert_cmpuint (cnv_imap_client_get_bytes_sent (tc->client), ==, count);
}

gboolean
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
