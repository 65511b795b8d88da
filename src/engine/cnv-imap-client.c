/* cnv-imap-client.c — an asynchronous IMAP4rev1 client on GIO: the object, its state, closing
 *
 * One connection, one command on the wire at a time (RFC 9051 §5.5 allows pipelining; a mail
 * watcher gains nothing from it and a strict client is simpler to reason about). Commands queue
 * in order. A single read loop feeds the parser and dispatches: untagged responses update the
 * client's state and go to the running command; `+` sends the command's next part (literals)
 * or goes to its continuation handler (AUTHENTICATE, IDLE); the tagged response ends it and must
 * carry its tag. Anything else closes the connection with a protocol error, failing every queued
 * command: a client that guesses on a broken stream can take mail content for server responses.
 *
 * This file holds the object: its state and what it tracks from the server (capabilities,
 * EXISTS, EXPUNGE), the command timeout, and closing, which fails every waiting command. The
 * command engine is in cnv-imap-client-send.c (commands out: their text, queue, cancellation and
 * the write queue) and cnv-imap-client-read.c (the read loop and the dispatch of responses);
 * connecting (TCP, TLS, STARTTLS, the greeting) in cnv-imap-client-connect.c. The commands
 * themselves are in cnv-imap-client-commands.c (SELECT, STORE, APPEND…), -fetch.c (UID SEARCH,
 * UID FETCH), -auth.c (AUTHENTICATE, LOGIN) and -idle.c (IDLE).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include <string.h>

#include "cnv-imap-client-private.h"

#define DEFAULT_COMMAND_TIMEOUT  120   /* seconds without a byte from the server */

G_DEFINE_FINAL_TYPE (CnvImapClient, cnv_imap_client, G_TYPE_OBJECT)

enum {
  EXISTS,
  EXPUNGED,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
cnv_imap_client_trace_enabled (void)
{
  return !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
}

/* ---- Timeouts ------------------------------------------------------------------------------ */

static gboolean
timeout_cb (gpointer user_data)
{
  CnvImapClient *self = user_data;

  self->timeout_id = 0;
  cnv_imap_client_fail (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION,
                                           "The IMAP server did not answer for %u seconds",
                                           self->command_timeout));
  return G_SOURCE_REMOVE;
}

/* Armed while the client waits for the server: any byte received re-arms it. */
void
cnv_imap_client_arm_timeout (CnvImapClient *self,
                             gboolean       armed)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (armed && self->connected && self->command_timeout > 0)
    self->timeout_id = g_timeout_add_seconds (self->command_timeout, timeout_cb, self);
}

/* ---- Closing ------------------------------------------------------------------------------- */

static void
return_command_error (CnvImapCommand *command,
                      const GError   *error)
{
  if (command->task != NULL)
    {
      g_task_return_error (command->task, g_error_copy (error));
      g_clear_object (&command->task);
    }
}

/**
 * cnv_imap_client_fail: (skip)
 * @error: (transfer full): why
 *
 * Closes the connection and fails the running and the queued commands with @error.
 */
void
cnv_imap_client_fail (CnvImapClient *self,
                      GError        *error)
{
  CnvImapCommand *current;
  GQueue pending = G_QUEUE_INIT;
  gboolean was_connected = self->connected;

  if (!self->connected && self->connect_task == NULL && self->current == NULL
      && g_queue_is_empty (&self->pending))
    {
      g_error_free (error);
      return;
    }
  /* A task's callback may drop the last reference to the client. */
  g_object_ref (self);

  g_debug ("closing the connection: %s", error->message);
  self->connected = FALSE;
  self->authenticated = FALSE;
  self->selected = FALSE;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_cancellable_cancel (self->io_cancellable);
  g_clear_object (&self->io_cancellable);
  self->io_cancellable = g_cancellable_new ();
  g_queue_clear_full (&self->writes, (GDestroyNotify) g_bytes_unref);
  self->writing = FALSE;
  if (self->stream != NULL)
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->stream);
  g_clear_object (&self->socket);
  g_clear_pointer (&self->parser, cnv_imap_parser_free);

  /* Take everything out first: a task's callback may queue a new command or drop the client. */
  current = g_steal_pointer (&self->current);
  pending = self->pending;
  g_queue_init (&self->pending);

  if (self->connect_task != NULL)
    cnv_imap_client_return_connect (self, g_error_copy (error));
  if (current != NULL)
    {
      cnv_imap_command_disconnect_cancelled (current);
      return_command_error (current, error);
      cnv_imap_command_free (current);
    }
  for (GList *l = pending.head; l != NULL; l = l->next)
    {
      cnv_imap_command_disconnect_cancelled (l->data);
      return_command_error (l->data, error);
      cnv_imap_command_free (l->data);
    }
  g_queue_clear (&pending);

  if (was_connected)
    g_signal_emit (self, signals[CLOSED], 0, error);
  g_error_free (error);
  g_object_unref (self);
}

/**
 * cnv_imap_client_close:
 * @self: a client
 *
 * Drops the connection at once (no LOGOUT): every running and queued command fails with
 * %CNV_IMAP_ERROR_CLOSED.
 */
void
cnv_imap_client_close (CnvImapClient *self)
{
  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  cnv_imap_client_fail (self, g_error_new_literal (CNV_IMAP_ERROR, CNV_IMAP_ERROR_CLOSED,
                                                   "The IMAP connection was closed"));
}

/* ---- What the server reports (capabilities, EXISTS, EXPUNGE) ------------------------------- */

void
cnv_imap_client_set_capabilities (CnvImapClient *self,
                                  GPtrArray     *values)
{
  GPtrArray *caps = g_ptr_array_new ();

  for (guint i = 0; i < values->len; i++)
    {
      const char *atom = cnv_imap_value_get_atom (g_ptr_array_index (values, i));

      if (atom != NULL)
        g_ptr_array_add (caps, g_ascii_strup (atom, -1));
    }
  g_ptr_array_add (caps, NULL);
  g_strfreev (self->capabilities);
  self->capabilities = (GStrv) g_ptr_array_free (caps, FALSE);
}

/* The client's own bookkeeping, whatever command runs (RFC 9051 §7: the server may send
 * EXISTS, EXPUNGE and FETCH at any time). */
void
cnv_imap_client_track_untagged (CnvImapClient   *self,
                                CnvImapResponse *response)
{
  if (response->name == NULL)
    return;

  if (g_str_equal (response->name, "CAPABILITY"))
    cnv_imap_client_set_capabilities (self, response->args);
  else if (response->code != NULL && g_str_equal (response->code, "CAPABILITY"))
    cnv_imap_client_set_capabilities (self, response->code_args);
  else if (response->has_number && g_str_equal (response->name, "EXISTS") && self->selected)
    {
      self->mailbox.exists = response->number;
      g_signal_emit (self, signals[EXISTS], 0, response->number);
    }
  else if (response->has_number && g_str_equal (response->name, "EXPUNGE") && self->selected)
    {
      if (self->mailbox.exists > 0)
        self->mailbox.exists--;
      g_signal_emit (self, signals[EXPUNGED], 0, response->number);
    }
}

/* ---- State --------------------------------------------------------------------------------- */

void
cnv_imap_client_set_mailbox (CnvImapClient        *self,
                             const CnvImapMailbox *mailbox)
{
  if (mailbox == NULL)
    {
      self->selected = FALSE;
      memset (&self->mailbox, 0, sizeof self->mailbox);
      return;
    }
  self->selected = TRUE;
  self->mailbox = *mailbox;
}

void
cnv_imap_client_set_authenticated (CnvImapClient *self)
{
  self->authenticated = TRUE;
}

gboolean
cnv_imap_client_is_authenticated (CnvImapClient *self)
{
  return self->authenticated;
}

gboolean
cnv_imap_client_is_selected (CnvImapClient *self)
{
  return self->selected;
}

/* Returns FALSE (and fails @task) when no command can be sent. */
gboolean
cnv_imap_client_check_usable (CnvImapClient *self,
                              GTask         *task)
{
  if (!self->connected)
    {
      g_task_return_new_error (task, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CLOSED,
                               "Not connected to the IMAP server");
      return FALSE;
    }
  return TRUE;
}

gboolean
cnv_imap_client_is_connected (CnvImapClient *self)
{
  g_return_val_if_fail (CNV_IS_IMAP_CLIENT (self), FALSE);

  return self->connected && self->connect_task == NULL;
}

/**
 * cnv_imap_client_has_capability:
 * @self: a connected client
 * @capability: `IDLE`, `AUTH=PLAIN`, `LITERAL+`… (case-insensitive)
 *
 * Returns: %TRUE when the server announced @capability (RFC 9051 §7.2.2)
 */
gboolean
cnv_imap_client_has_capability (CnvImapClient *self,
                                const char    *capability)
{
  g_return_val_if_fail (CNV_IS_IMAP_CLIENT (self), FALSE);

  if (self->capabilities == NULL)
    return FALSE;
  for (guint i = 0; self->capabilities[i] != NULL; i++)
    if (g_ascii_strcasecmp (self->capabilities[i], capability) == 0)
      return TRUE;
  return FALSE;
}

const CnvMailServer *
cnv_imap_client_get_server (CnvImapClient *self)
{
  g_return_val_if_fail (CNV_IS_IMAP_CLIENT (self), NULL);

  return self->server;
}

/**
 * cnv_imap_client_get_bytes_received:
 * @self: a client
 *
 * Returns: the bytes read from the server since the client was made (TLS payload: what IMAP
 *   sent, not the TLS framing)
 */
guint64
cnv_imap_client_get_bytes_received (CnvImapClient *self)
{
  g_return_val_if_fail (CNV_IS_IMAP_CLIENT (self), 0);

  return self->bytes_received;
}

guint64
cnv_imap_client_get_bytes_sent (CnvImapClient *self)
{
  g_return_val_if_fail (CNV_IS_IMAP_CLIENT (self), 0);

  return self->bytes_sent;
}

/**
 * cnv_imap_client_get_exists:
 * @self: a client with a selected mailbox
 *
 * Returns: the number of messages in the mailbox, as the server last said (EXISTS, EXPUNGE)
 */
guint32
cnv_imap_client_get_exists (CnvImapClient *self)
{
  g_return_val_if_fail (CNV_IS_IMAP_CLIENT (self), 0);

  return self->mailbox.exists;
}

/**
 * cnv_imap_client_set_command_timeout:
 * @self: a client
 * @seconds: how long the server may stay silent while a command waits (0: forever)
 *
 * The connection is closed with %CNV_IMAP_ERROR_CONNECTION when it passes. IDLE is exempt.
 */
void
cnv_imap_client_set_command_timeout (CnvImapClient *self,
                                     guint          seconds)
{
  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  self->command_timeout = seconds;
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
cnv_imap_client_dispose (GObject *object)
{
  CnvImapClient *self = CNV_IMAP_CLIENT (object);

  if (self->connected || self->connect_task != NULL)
    cnv_imap_client_close (self);
  g_clear_handle_id (&self->timeout_id, g_source_remove);

  G_OBJECT_CLASS (cnv_imap_client_parent_class)->dispose (object);
}

static void
cnv_imap_client_finalize (GObject *object)
{
  CnvImapClient *self = CNV_IMAP_CLIENT (object);

  g_clear_pointer (&self->server, cnv_mail_server_free);
  g_clear_object (&self->io_cancellable);
  g_clear_pointer (&self->parser, cnv_imap_parser_free);
  g_clear_pointer (&self->capabilities, g_strfreev);
  g_byte_array_unref (self->read_buffer);
  g_string_free (self->trace_tail, TRUE);

  G_OBJECT_CLASS (cnv_imap_client_parent_class)->finalize (object);
}

static void
cnv_imap_client_class_init (CnvImapClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cnv_imap_client_dispose;
  object_class->finalize = cnv_imap_client_finalize;

  /**
   * CnvImapClient::exists:
   * @count: the number of messages now in the selected mailbox
   *
   * The server reported the mailbox's size (RFC 9051 §7.4.1), in answer to a command or
   * unprompted (IDLE, NOOP): new mail when it grows.
   */
  signals[EXISTS] = g_signal_new ("exists", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /**
   * CnvImapClient::expunged:
   * @sequence: the message sequence number of the message removed
   */
  signals[EXPUNGED] = g_signal_new ("expunged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /**
   * CnvImapClient::closed:
   * @error: why: %CNV_IMAP_ERROR_CLOSED when the owner closed it, else the failure
   *
   * The connection ended, at any time after the TCP connection was made (during the TLS
   * handshake or the greeting too). Every command still waiting has failed.
   */
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
cnv_imap_client_init (CnvImapClient *self)
{
  self->io_cancellable = g_cancellable_new ();
  self->read_buffer = g_byte_array_sized_new (READ_CHUNK);
  g_byte_array_set_size (self->read_buffer, READ_CHUNK);
  self->trace_tail = g_string_new (NULL);
  self->command_timeout = DEFAULT_COMMAND_TIMEOUT;
  g_queue_init (&self->writes);
  g_queue_init (&self->pending);
}

/**
 * cnv_imap_client_new:
 * @server: where to connect, and how
 *
 * Returns: (transfer full): a client, not yet connected
 */
CnvImapClient *
cnv_imap_client_new (const CnvMailServer *server)
{
  CnvImapClient *self;

  g_return_val_if_fail (server != NULL, NULL);

  self = g_object_new (CNV_TYPE_IMAP_CLIENT, NULL);
  self->server = cnv_mail_server_copy (server);
  return self;
}
