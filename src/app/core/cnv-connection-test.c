/* cnv-connection-test.c — "Test connection": log in to IMAP and SMTP, say what failed in plain words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both servers are tried at once with the engine's own clients — the IMAP client connects,
 * authenticates and logs out; the SMTP check (cnv_smtp_check_async()) sets a session up to AUTH
 * and quits — so that what the test says is what sending and watching will meet. The engine's
 * error codes become one of a few problems a person can act on, each with a sentence naming the
 * server; the engine's own message stays available as the detail. A refused password gets the
 * provider's hint when the table knows one (cnv_provider_get_password_hint(): Gmail wants an app
 * password, Outlook.com no password at all), since that is the usual reason.
 */
#define G_LOG_DOMAIN "cnv-connection-test"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cnv-connection-test.h"
#include "cnv-imap-client.h"
#include "cnv-provider.h"
#include "cnv-smtp.h"

void
cnv_connection_report_free (CnvConnectionReport *self)
{
  if (self == NULL)
    return;
  g_free (self->imap_message);
  g_free (self->smtp_message);
  g_free (self->imap_detail);
  g_free (self->smtp_detail);
  g_free (self);
}

gboolean
cnv_connection_report_is_ok (const CnvConnectionReport *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->imap == CNV_CONNECTION_OK && self->smtp == CNV_CONNECTION_OK;
}

/* The engine's TLS codes cover both an untrusted certificate and a failed handshake; its messages
 * (never translated) say "certificate" for the first: "The certificate of HOST is not trusted: …"
 * (cnv-imap-client-connect.c), libcurl's "SSL certificate problem: …" and "no alternative
 * certificate subject name matches …". */
static CnvConnectionProblem
tls_problem (const GError *error)
{
  return strstr (error->message, "certificate") != NULL ? CNV_CONNECTION_CERTIFICATE
                                                        : CNV_CONNECTION_TLS;
}

/**
 * cnv_connection_problem_from_error:
 * @error: an error of the IMAP client, the SMTP client, GIO, the resolver or TLS
 *
 * Returns: the problem it is, for the user
 */
CnvConnectionProblem
cnv_connection_problem_from_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, CNV_CONNECTION_FAILED);

  if (error->domain == CNV_IMAP_ERROR)
    switch ((CnvImapError) error->code)
      {
      case CNV_IMAP_ERROR_AUTH:
        return CNV_CONNECTION_WRONG_PASSWORD;
      case CNV_IMAP_ERROR_TLS:
        return tls_problem (error);
      case CNV_IMAP_ERROR_CONNECTION:
        return CNV_CONNECTION_UNREACHABLE;
      case CNV_IMAP_ERROR_UNSUPPORTED:
        /* No STARTTLS, PREAUTH in clear, or a password refused for a plain connection — else a
         * login mechanism the server does not offer. */
        return strstr (error->message, "TLS") != NULL ? CNV_CONNECTION_TLS
                                                       : CNV_CONNECTION_PROTOCOL;
      case CNV_IMAP_ERROR_PROTOCOL:
      case CNV_IMAP_ERROR_LIMIT:
      case CNV_IMAP_ERROR_BAD:
        return CNV_CONNECTION_PROTOCOL;
      case CNV_IMAP_ERROR_BYE:
      case CNV_IMAP_ERROR_NO:
      case CNV_IMAP_ERROR_CLOSED:
      default:
        return CNV_CONNECTION_FAILED;
      }

  if (error->domain == CNV_SMTP_ERROR)
    switch ((CnvSmtpError) error->code)
      {
      case CNV_SMTP_ERROR_AUTH:
        return CNV_CONNECTION_WRONG_PASSWORD;
      case CNV_SMTP_ERROR_TLS:
        return tls_problem (error);
      case CNV_SMTP_ERROR_TRANSIENT:
        return CNV_CONNECTION_UNREACHABLE;
      case CNV_SMTP_ERROR_PERMANENT:
        /* A 5yz before any mail (greeting, EHLO): not a submission server as expected. */
        return CNV_CONNECTION_PROTOCOL;
      case CNV_SMTP_ERROR_INVALID:
      default:
        return CNV_CONNECTION_FAILED;
      }

  if (error->domain == G_RESOLVER_ERROR)
    return CNV_CONNECTION_UNREACHABLE;

  if (error->domain == G_TLS_ERROR)
    return error->code == G_TLS_ERROR_BAD_CERTIFICATE ? CNV_CONNECTION_CERTIFICATE
                                                      : CNV_CONNECTION_TLS;

  if (error->domain == G_IO_ERROR)
    switch (error->code)
      {
      case G_IO_ERROR_CONNECTION_REFUSED:
      case G_IO_ERROR_HOST_NOT_FOUND:
      case G_IO_ERROR_HOST_UNREACHABLE:
      case G_IO_ERROR_NETWORK_UNREACHABLE:
      case G_IO_ERROR_TIMED_OUT:
      case G_IO_ERROR_NOT_CONNECTED:
      case G_IO_ERROR_CONNECTION_CLOSED:
      case G_IO_ERROR_PROXY_FAILED:
        return CNV_CONNECTION_UNREACHABLE;
      default:
        return CNV_CONNECTION_FAILED;
      }

  return CNV_CONNECTION_FAILED;
}

/**
 * cnv_connection_problem_describe:
 * @problem: the problem
 * @protocol: "IMAP" or "SMTP"
 * @host: the server's host name
 *
 * Returns: (transfer full) (nullable): a translated sentence naming @host, %NULL for
 *   %CNV_CONNECTION_OK
 */
char *
cnv_connection_problem_describe (CnvConnectionProblem  problem,
                                 const char           *protocol,
                                 const char           *host)
{
  gboolean imap;

  g_return_val_if_fail (protocol != NULL, NULL);
  g_return_val_if_fail (host != NULL, NULL);

  /* Whole sentences per protocol: a translation must not have to glue "IMAP" into a phrase. */
  imap = g_ascii_strcasecmp (protocol, "IMAP") == 0;
  switch (problem)
    {
    case CNV_CONNECTION_OK:
      return NULL;

    case CNV_CONNECTION_WRONG_PASSWORD:
      return imap ? g_strdup_printf (
                      /* Translators: %s is a server's host name */
                      _("The IMAP server %s refused the user name or password."), host)
                  : g_strdup_printf (
                      /* Translators: %s is a server's host name */
                      _("The SMTP server %s refused the user name or password."), host);

    case CNV_CONNECTION_CERTIFICATE:
      /* Translators: %s is a server's host name */
      return g_strdup_printf (_("The certificate of %s is not trusted."), host);

    case CNV_CONNECTION_TLS:
      return g_strdup_printf (
        /* Translators: %s is a server's host name */
        _("No encrypted connection with %s: check the port and the security (TLS or STARTTLS)."),
        host);

    case CNV_CONNECTION_UNREACHABLE:
      return g_strdup_printf (
        /* Translators: %s is a server's host name */
        _("Could not reach %s: check the server name and your connection."), host);

    case CNV_CONNECTION_PROTOCOL:
      return imap ? g_strdup_printf (
                      /* Translators: %s is a server's host name */
                      _("%s does not answer as an IMAP server: check the server name and the port."),
                      host)
                  : g_strdup_printf (
                      /* Translators: %s is a server's host name */
                      _("%s does not answer as an SMTP server: check the server name and the port."),
                      host);

    case CNV_CONNECTION_FAILED:
    default:
      /* Translators: %s is a server's host name */
      return g_strdup_printf (_("The connection to %s failed."), host);
    }
}

/* The test */

typedef struct
{
  CnvAccount          *account;
  char                *password;
  CnvImapClient       *imap;
  CnvConnectionReport *report;
  guint                pending;
} TestData;

static void
wipe (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static void
test_data_free (TestData *data)
{
  cnv_account_free (data->account);
  wipe (data->password);
  if (data->imap != NULL)
    cnv_imap_client_close (data->imap);
  g_clear_object (&data->imap);
  cnv_connection_report_free (data->report);
  g_free (data);
}

static void
record (GTask        *task,
        gboolean      imap,
        const GError *error)
{
  TestData *data = g_task_get_task_data (task);
  const CnvMailServer *server = imap ? data->account->imap : data->account->smtp;
  CnvConnectionProblem problem = error != NULL ? cnv_connection_problem_from_error (error)
                                               : CNV_CONNECTION_OK;
  char *message = cnv_connection_problem_describe (problem, imap ? "IMAP" : "SMTP", server->host);
  char *detail = error != NULL ? g_strdup (error->message) : NULL;
  const char *hint = NULL;

  if (problem == CNV_CONNECTION_WRONG_PASSWORD && data->account->address != NULL)
    hint = cnv_provider_get_password_hint (data->account->address);
  if (hint != NULL)
    {
      char *sentence = message;

      /* Translators: the first %s is a sentence saying the server refused the password, the
       * second one what the provider wants instead ("Gmail needs an app password: …"). Use
       * "%2$s %1$s" to swap them. */
      message = g_strdup_printf (_("%1$s %2$s"), sentence, hint);
      g_free (sentence);
    }

  if (error != NULL)
    g_debug ("%s test of %s: %s", imap ? "IMAP" : "SMTP", server->host, error->message);
  if (imap)
    {
      data->report->imap = problem;
      data->report->imap_message = message;
      data->report->imap_detail = detail;
    }
  else
    {
      data->report->smtp = problem;
      data->report->smtp_message = message;
      data->report->smtp_detail = detail;
    }
}

/* One side is done; when both are, the report (or the cancellation) goes back. */
static void
side_done (GTask *task)
{
  TestData *data = g_task_get_task_data (task);

  g_assert (data->pending > 0);
  if (--data->pending > 0)
    return;
  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_pointer (task, g_steal_pointer (&data->report),
                         (GDestroyNotify) cnv_connection_report_free);
}

static void
imap_logged_out_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* The login worked; how the server takes LOGOUT does not change the answer. */
  if (!cnv_imap_client_logout_finish (CNV_IMAP_CLIENT (source), result, &error))
    g_debug ("LOGOUT: %s", error->message);
  record (task, TRUE, NULL);
  side_done (task);
}

static void
imap_authenticated_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_imap_client_authenticate_finish (CNV_IMAP_CLIENT (source), result, &error))
    {
      record (task, TRUE, error);
      side_done (task);
      return;
    }
  cnv_imap_client_logout_async (CNV_IMAP_CLIENT (source), g_task_get_cancellable (task),
                                imap_logged_out_cb, g_object_ref (task));
}

static void
imap_connected_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!cnv_imap_client_connect_finish (CNV_IMAP_CLIENT (source), result, &error))
    {
      record (task, TRUE, error);
      side_done (task);
      return;
    }
  cnv_imap_client_authenticate_async (CNV_IMAP_CLIENT (source), data->password,
                                      g_task_get_cancellable (task), imap_authenticated_cb,
                                      g_object_ref (task));
}

static void
smtp_checked_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  cnv_smtp_check_finish (result, &error);
  record (task, FALSE, error);
  side_done (task);
}

/**
 * cnv_connection_test_async:
 * @account: the account to test (copied)
 * @password: the password for both servers (copied, and the copy wiped at the end)
 * @cancellable: (nullable): cancels both
 * @callback: called when both servers answered
 * @user_data: for @callback
 *
 * Logs in to the IMAP server (and out) and checks the SMTP login, at the same time; no mail is
 * sent, no folder opened.
 */
void
cnv_connection_test_async (const CnvAccount    *account,
                           const char          *password,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TestData *data;

  g_return_if_fail (account != NULL && account->imap != NULL && account->smtp != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_connection_test_async);
  g_task_set_name (task, "cnv_connection_test");

  data = g_new0 (TestData, 1);
  data->account = cnv_account_copy (account);
  data->password = g_strdup (password != NULL ? password : "");
  data->report = g_new0 (CnvConnectionReport, 1);
  data->pending = 2;
  g_task_set_task_data (task, data, (GDestroyNotify) test_data_free);

  if (*data->password == '\0')
    {
      /* The engine refuses an empty secret before asking; the server would refuse it too. */
      g_autoptr(GError) error = g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_AUTH,
                                             "No password given");
      g_autoptr(GError) smtp_error = g_error_new (CNV_SMTP_ERROR, CNV_SMTP_ERROR_AUTH,
                                                  "No password given");

      record (task, TRUE, error);
      record (task, FALSE, smtp_error);
      data->pending = 1;
      side_done (task);
      return;
    }

  data->imap = cnv_imap_client_new (data->account->imap);
  cnv_imap_client_connect_async (data->imap, cancellable, imap_connected_cb, g_object_ref (task));
  cnv_smtp_check_async (data->account->smtp, data->password, cancellable, smtp_checked_cb,
                        g_object_ref (task));
}

/**
 * cnv_connection_test_finish:
 * @result: the result given to the callback
 * @error: only %G_IO_ERROR_CANCELLED
 *
 * Returns: (transfer full): what each server said
 */
CnvConnectionReport *
cnv_connection_test_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cnv_connection_test_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
