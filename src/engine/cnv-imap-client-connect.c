/* cnv-imap-client-connect.c — connecting the IMAP client: TCP, TLS, STARTTLS, the greeting
 *
 * connect_async() opens the TCP connection; then, by the server's security, TLS at once
 * (implicit TLS, RFC 8314 §3.2) or after the greeting and STARTTLS (RFC 9051 §6.2.1), or none;
 * then CAPABILITY when the server did not announce it (again after STARTTLS: what was said before
 * TLS is forgotten). Each step runs from the callback of the one before; an Attempt tells a
 * callback whether its connection is still the client's. A certificate that does not verify
 * against the server's trusted authorities is never accepted: the reasons go into the error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include "cnv-imap-client-private.h"

#define CONNECT_TIMEOUT          30

/* One connection attempt: its callbacks know whether they still belong to the client's current
 * connection (close() and a new connect may have come meanwhile). */
typedef struct
{
  CnvImapClient *self;
  GCancellable  *cancellable;   /* the client's io_cancellable when the step began */
} Attempt;

static Attempt *
attempt_new (CnvImapClient *self)
{
  Attempt *attempt = g_new0 (Attempt, 1);

  attempt->self = g_object_ref (self);
  attempt->cancellable = g_object_ref (self->io_cancellable);
  return attempt;
}

static void
attempt_free (Attempt *attempt)
{
  g_object_unref (attempt->self);
  g_object_unref (attempt->cancellable);
  g_free (attempt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Attempt, attempt_free)

static gboolean
attempt_is_stale (Attempt *attempt)
{
  return attempt->self->connect_task == NULL
         || attempt->cancellable != attempt->self->io_cancellable
         || g_cancellable_is_cancelled (attempt->cancellable);
}

void
cnv_imap_client_return_connect (CnvImapClient *self,
                                GError        *error)
{
  GTask *task = g_steal_pointer (&self->connect_task);

  if (self->connect_cancelled_id != 0)
    g_cancellable_disconnect (g_task_get_cancellable (task), self->connect_cancelled_id);
  self->connect_cancelled_id = 0;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

typedef struct
{
  gboolean tls_done;
} ConnectData;

static void
set_stream (CnvImapClient *self,
            GIOStream     *stream)
{
  g_set_object (&self->stream, stream);
  g_set_object (&self->input, g_io_stream_get_input_stream (stream));
  g_set_object (&self->output, g_io_stream_get_output_stream (stream));
}

static gboolean
accept_certificate_cb (GTlsConnection       *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  CnvImapClient *self = user_data;

  /* Never accepted: the reasons are kept for the error the user sees. */
  self->tls_errors = errors;
  return FALSE;
}

static char *
describe_tls_errors (GTlsCertificateFlags errors)
{
  GString *out = g_string_new (NULL);

  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    g_string_append (out, "it is not signed by a trusted authority; ");
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    g_string_append (out, "it is for another host name; ");
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    g_string_append (out, "it is not valid yet; ");
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    g_string_append (out, "it has expired; ");
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    g_string_append (out, "it was revoked; ");
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    g_string_append (out, "its algorithm is insecure; ");
  if (out->len == 0)
    g_string_append (out, "it could not be verified; ");
  g_string_truncate (out, out->len - 2);
  return g_string_free (out, FALSE);
}

static void
handshake_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Attempt) attempt = user_data;
  CnvImapClient *self = attempt->self;
  g_autoptr(GError) error = NULL;
  gboolean ok;
  ConnectData *data;

  ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  if (attempt_is_stale (attempt))
    return;
  if (!ok)
    {
      g_autofree char *why = NULL;

      if (self->tls_errors != 0)
        {
          why = describe_tls_errors (self->tls_errors);
          cnv_imap_client_fail (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_TLS,
                                                   "The certificate of %s is not trusted: %s",
                                                   self->server->host, why));
        }
      else
        cnv_imap_client_fail (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_TLS,
                                                 "TLS with %s failed: %s",
                                                 self->server->host, error->message));
      return;
    }

  g_debug ("TLS established with %s", self->server->host);
  set_stream (self, G_IO_STREAM (source));
  data = g_task_get_task_data (self->connect_task);
  data->tls_done = TRUE;
  self->read_paused = FALSE;
  /* RFC 9051 §6.2.1: capabilities learned before TLS are forgotten. */
  g_clear_pointer (&self->capabilities, g_strfreev);
  cnv_imap_client_start_reading (self);
  /* Implicit TLS: the greeting is still to come, and may not come. */
  cnv_imap_client_arm_timeout (self, !self->greeted);
  cnv_imap_client_connect_continue (self);
}

static void
start_tls (CnvImapClient *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GIOStream) tls = NULL;

  database = cnv_mail_server_get_tls_database (self->server, &error);
  if (database == NULL)
    {
      cnv_imap_client_fail (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_TLS,
                                               "Cannot read the trusted authorities of %s: %s",
                                               self->server->host,
                                               error != NULL ? error->message : "no TLS support"));
      return;
    }
  identity = g_network_address_new (self->server->host, cnv_mail_server_get_imap_port (self->server));
  /* The database is given at construction: glib-networking's client connection reads its
   * database while it initialises, and one not set yet is the system's, which it would load
   * (about 3 MB kept for the life of the process) even for a server with its own CA file.
   * g_tls_client_connection_new() with the same properties, plus "database". */
  tls = g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()),
                        NULL, &error,
                        "base-io-stream", G_IO_STREAM (self->socket),
                        "server-identity", identity,
                        "database", database,
                        NULL);
  if (tls == NULL)
    {
      cnv_imap_client_fail (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_TLS,
                                               "TLS is not available: %s (is glib-networking installed?)",
                                               error->message));
      return;
    }
  self->tls_errors = 0;
  g_signal_connect_object (tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), self, 0);
  /* A server that accepts TCP and then stays silent must not hold the connection forever. */
  cnv_imap_client_arm_timeout (self, TRUE);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    self->io_cancellable, handshake_done_cb, attempt_new (self));
}

static void
starttls_done (CnvImapClient   *self,
               CnvImapCommand  *command,
               CnvImapResponse *tagged)
{
  /* RFC 2595 §3.1 / RFC 9051 §6.2.1: bytes sent after STARTTLS's OK, before the handshake,
   * would be taken as protected (the STARTTLS injection attack). Checked before any TLS byte
   * goes out, not only after. */
  if (cnv_imap_parser_get_buffered (self->parser) > 0)
    {
      GError *error = g_error_new_literal (CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                                           "The IMAP server sent data after accepting STARTTLS");

      /* The connection fails first: the connect task gets this error, not a TLS one. */
      cnv_imap_client_fail (self, g_error_copy (error));
      g_task_return_error (command->task, error);
      g_clear_object (&command->task);
      return;
    }
  g_task_return_boolean (command->task, TRUE);
  g_clear_object (&command->task);
  start_tls (self);
}

static void
starttls_finished_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  CnvImapClient *self = CNV_IMAP_CLIENT (source);

  if (!g_task_propagate_boolean (G_TASK (result), &error) && self->connect_task != NULL)
    cnv_imap_client_fail (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_TLS,
                                             "STARTTLS failed: %s", error->message));
}

static void
capability_finished_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  CnvImapClient *self = CNV_IMAP_CLIENT (source);

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (self->connect_task != NULL)
        cnv_imap_client_fail (self, g_steal_pointer (&error));
      return;
    }
  cnv_imap_client_connect_continue (self);
}

/* The connection's steps, called again after each: greeting, STARTTLS, CAPABILITY. */
void
cnv_imap_client_connect_continue (CnvImapClient *self)
{
  ConnectData *data = g_task_get_task_data (self->connect_task);

  if (!self->greeted)
    return;

  if (self->server->security == CNV_MAIL_SECURITY_STARTTLS && !data->tls_done
      && !self->read_paused)
    {
      GTask *task;
      CnvImapCommand *command;

      if (self->authenticated)
        {
          /* RFC 9051 §6.2.1: PREAUTH on a plain connection means STARTTLS is not possible. */
          cnv_imap_client_fail (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_UNSUPPORTED,
                                                   "%s sent PREAUTH on an unencrypted connection; "
                                                   "TLS is required", self->server->host));
          return;
        }
      if (self->capabilities == NULL)
        {
          cnv_imap_client_capability_async (self, NULL, capability_finished_cb, NULL);
          return;
        }
      if (!cnv_imap_client_has_capability (self, "STARTTLS"))
        {
          cnv_imap_client_fail (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_UNSUPPORTED,
                                                   "%s does not offer STARTTLS; the connection is "
                                                   "not continued without encryption",
                                                   self->server->host));
          return;
        }
      task = g_task_new (self, NULL, starttls_finished_cb, NULL);
      g_task_set_source_tag (task, cnv_imap_client_connect_continue);
      command = cnv_imap_command_new (task, "STARTTLS");
      cnv_imap_command_append (command, "STARTTLS");
      command->done = starttls_done;
      command->upgrade_tls = TRUE;
      cnv_imap_client_submit (self, command);
      return;
    }
  if (self->read_paused)
    return;

  if (self->capabilities == NULL)
    {
      cnv_imap_client_capability_async (self, NULL, capability_finished_cb, NULL);
      return;
    }

  g_debug ("connected to %s:%u", self->server->host, cnv_mail_server_get_imap_port (self->server));
  cnv_imap_client_return_connect (self, NULL);
}

static void
socket_connected_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(Attempt) attempt = user_data;
  CnvImapClient *self = attempt->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  GSocket *socket;

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (attempt->self->connect_task == NULL || attempt->cancellable != self->io_cancellable)
    return;
  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        cnv_imap_client_return_connect (self, g_steal_pointer (&error));
      else
        cnv_imap_client_return_connect (self,
                                        g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION,
                                                     "Cannot connect to %s:%u: %s",
                                                     self->server->host,
                                                     cnv_mail_server_get_imap_port (self->server),
                                                     error->message));
      return;
    }

  socket = g_socket_connection_get_socket (connection);
  /* The client's timeout covered connecting only; IDLE stays silent for many minutes. */
  g_socket_set_timeout (socket, 0);
  g_socket_set_keepalive (socket, TRUE);
  self->socket = g_steal_pointer (&connection);
  self->connected = TRUE;
  self->parser = cnv_imap_parser_new ();
  self->trace_literal_left = 0;
  g_string_truncate (self->trace_tail, 0);
  set_stream (self, G_IO_STREAM (self->socket));

  if (self->server->security == CNV_MAIL_SECURITY_TLS)
    {
      /* Implicit TLS (RFC 8314 §3.2): the greeting comes over TLS. */
      self->read_paused = TRUE;
      start_tls (self);
      return;
    }
  cnv_imap_client_start_reading (self);
  cnv_imap_client_arm_timeout (self, TRUE);
}

/* The greeting (RFC 9051 §7.1): `* OK`, `* PREAUTH` or `* BYE`, before any command. */
gboolean
cnv_imap_client_handle_greeting (CnvImapClient    *self,
                                 CnvImapResponse  *response,
                                 GError          **error)
{
  if (response->kind != CNV_IMAP_RESPONSE_UNTAGGED || response->status == CNV_IMAP_STATUS_NONE)
    {
      g_set_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                   "%s did not greet as an IMAP server", self->server->host);
      return FALSE;
    }
  if (response->status == CNV_IMAP_STATUS_BYE)
    {
      g_set_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_BYE, "%s refused the connection: %s",
                   self->server->host, response->text);
      return FALSE;
    }
  if (response->status != CNV_IMAP_STATUS_OK && response->status != CNV_IMAP_STATUS_PREAUTH)
    {
      g_set_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                   "%s greeted with %s", self->server->host,
                   cnv_imap_status_to_string (response->status));
      return FALSE;
    }
  if (response->code != NULL && g_str_equal (response->code, "CAPABILITY"))
    cnv_imap_client_set_capabilities (self, response->code_args);
  if (response->status == CNV_IMAP_STATUS_PREAUTH)
    self->authenticated = TRUE;
  self->greeted = TRUE;
  cnv_imap_client_arm_timeout (self, FALSE);
  return TRUE;
}

void
cnv_imap_client_connect_async (CnvImapClient       *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketClient) client = NULL;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_imap_client_connect_async);
  g_task_set_task_data (task, g_new0 (ConnectData, 1), g_free);

  if (self->connected || self->connect_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               "The IMAP client is already connected");
      return;
    }

  g_clear_pointer (&self->capabilities, g_strfreev);
  self->read_paused = FALSE;
  self->greeted = FALSE;
  self->authenticated = FALSE;
  self->selected = FALSE;
  self->connect_task = g_steal_pointer (&task);
  if (cancellable != NULL)
    self->connect_cancelled_id = g_cancellable_connect (cancellable,
                                                        G_CALLBACK (cnv_imap_client_cancelled_cb),
                                                        self, NULL);

  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, CONNECT_TIMEOUT);
  g_debug ("connecting to %s:%u (%s)", self->server->host,
           cnv_mail_server_get_imap_port (self->server),
           cnv_mail_security_to_string (self->server->security));
  g_socket_client_connect_to_host_async (client, self->server->host,
                                         cnv_mail_server_get_imap_port (self->server),
                                         self->io_cancellable, socket_connected_cb,
                                         attempt_new (self));
}

gboolean
cnv_imap_client_connect_finish (CnvImapClient  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
