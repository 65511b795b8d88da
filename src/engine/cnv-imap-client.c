/* cnv-imap-client.c — an asynchronous IMAP4rev1 client on GIO: connection, TLS, the command engine
 *
 * One connection, one command on the wire at a time (RFC 9051 §5.5 allows pipelining; a mail
 * watcher gains nothing from it and a strict client is simpler to reason about). Commands queue
 * in order. A single read loop feeds the parser and dispatches: untagged responses update the
 * client's state and go to the running command; `+` sends the command's next part (literals)
 * or goes to its continuation handler (AUTHENTICATE, IDLE); the tagged response ends it and must
 * carry its tag. Anything else closes the connection with a protocol error, failing every queued
 * command: a client that guesses on a broken stream can take mail content for server responses.
 *
 * The commands themselves (AUTHENTICATE, SELECT, FETCH, IDLE…) are in cnv-imap-client-commands.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include <string.h>

#include "cnv-imap-client-private.h"

#define READ_CHUNK               (64 * 1024)
#define DEFAULT_COMMAND_TIMEOUT  120   /* seconds without a byte from the server */
#define CONNECT_TIMEOUT          30

struct _CnvImapClient
{
  GObject             parent_instance;

  /* Owned */
  CnvMailServer      *server;
  GSocketConnection  *socket;
  GIOStream          *stream;         /* @socket, or the TLS connection over it */
  GInputStream       *input;
  GOutputStream      *output;
  CnvImapParser      *parser;
  GByteArray         *read_buffer;    /* shared with the pending read (ReadOp) */
  GCancellable       *io_cancellable;
  GQueue              writes;         /* GBytes waiting for the output stream */
  GQueue              pending;        /* CnvImapCommand waiting to be sent */
  CnvImapCommand     *current;
  GStrv               capabilities;   /* upper case */
  GTask              *connect_task;
  GTlsCertificateFlags tls_errors;
  gulong              connect_cancelled_id;
  guint               cancel_idle_id;

  guint               tag_counter;
  guint               command_timeout;
  guint               timeout_id;
  gboolean            connected;
  gboolean            greeted;
  gboolean            writing;
  gboolean            read_paused;
  gboolean            authenticated;
  gboolean            selected;
  CnvImapMailbox      mailbox;
  guint64             bytes_received;
  guint64             bytes_sent;
};

G_DEFINE_FINAL_TYPE (CnvImapClient, cnv_imap_client, G_TYPE_OBJECT)

enum {
  EXISTS,
  EXPUNGED,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_reading   (CnvImapClient *self);
static gboolean handle_greeting (CnvImapClient *self, CnvImapResponse *response, GError **error);
static void connect_continue (CnvImapClient *self);
static void return_connect (CnvImapClient *self, GError *error);
static void send_next       (CnvImapClient *self);
static void flush_writes    (CnvImapClient *self);

static gboolean
trace_enabled (void)
{
  return !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
}

/* ---- Secrets ------------------------------------------------------------------------------- */

typedef struct
{
  gsize  size;
  guint8 data[];
} SecretBuffer;

static void
secret_buffer_free (gpointer data)
{
  SecretBuffer *buffer = data;

  explicit_bzero (buffer->data, buffer->size);
  g_free (buffer);
}

/* Bytes that are wiped when the last reference goes (the write queue holds its own). */
static GBytes *
secret_bytes_new (const void *data,
                  gsize       size)
{
  SecretBuffer *buffer = g_malloc (sizeof (SecretBuffer) + size);

  buffer->size = size;
  memcpy (buffer->data, data, size);
  return g_bytes_new_with_free_func (buffer->data, size, secret_buffer_free, buffer);
}

static void
string_wipe_free (GString  *string,
                  gboolean  secret)
{
  if (secret)
    explicit_bzero (string->str, string->allocated_len);
  g_string_free (string, TRUE);
}

static GBytes *
command_bytes_new (CnvImapCommand *command,
                   const void     *data,
                   gsize           size)
{
  return command->secret ? secret_bytes_new (data, size) : g_bytes_new (data, size);
}

/* ---- Commands ------------------------------------------------------------------------------ */

CnvImapCommand *
cnv_imap_command_new (GTask      *task,
                      const char *name)
{
  CnvImapCommand *command = g_new0 (CnvImapCommand, 1);

  command->task = task;
  command->name = g_strdup (name);
  command->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  command->building = g_string_new (NULL);
  command->trace = g_string_new (NULL);
  command->untagged = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_imap_response_free);
  return command;
}

void
cnv_imap_command_free (CnvImapCommand *command)
{
  if (command == NULL)
    return;
  g_assert (command->cancelled_id == 0);
  if (command->data_free != NULL)
    command->data_free (command->data);
  g_clear_object (&command->task);
  g_free (command->tag);
  g_free (command->name);
  g_ptr_array_unref (command->parts);
  if (command->building != NULL)
    string_wipe_free (command->building, command->secret);
  g_string_free (command->trace, TRUE);
  g_ptr_array_unref (command->untagged);
  g_free (command);
}

void
cnv_imap_command_append (CnvImapCommand *command,
                         const char     *text)
{
  g_string_append (command->building, text);
  g_string_append (command->trace, text);
}

void
cnv_imap_command_append_secret (CnvImapCommand *command,
                                const char     *text)
{
  command->secret = TRUE;
  g_string_append (command->building, text);
  g_string_append (command->trace, "<redacted>");
}

/* RFC 9051 §4.3: a quoted string cannot hold CR, LF or NUL, and quoting 8-bit text needs
 * UTF8=ACCEPT; anything else goes as a literal. */
void
cnv_imap_command_append_string (CnvImapCommand *command,
                                const char     *text,
                                gboolean        secret)
{
  gboolean quotable = strlen (text) < 1000;

  if (secret)
    command->secret = TRUE;

  for (const char *p = text; quotable && *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
      quotable = FALSE;

  if (quotable)
    {
      GString *quoted = g_string_new ("\"");

      for (const char *p = text; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (quoted, '\\');
          g_string_append_c (quoted, *p);
        }
      g_string_append_c (quoted, '"');
      g_string_append (command->building, quoted->str);
      g_string_append (command->trace, secret ? "<redacted>" : quoted->str);
      string_wipe_free (quoted, secret);
    }
  else
    {
      g_autoptr(GBytes) bytes = command_bytes_new (command, text, strlen (text));

      gsize mark = command->trace->len;

      /* The trace shows a literal as its size, never its bytes; a secret's says so. */
      cnv_imap_command_append_literal (command, bytes, FALSE);
      if (secret)
        {
          g_string_truncate (command->trace, mark);
          g_string_append_printf (command->trace, "{%" G_GSIZE_FORMAT "} <redacted>", strlen (text));
        }
    }
}

/* A literal (RFC 9051 §4.3): `{N}` CRLF, then — after the server's `+` — N bytes. With
 * LITERAL+ (RFC 7888) `{N+}` needs no `+`: the whole command is one part. */
void
cnv_imap_command_append_literal (CnvImapCommand *command,
                                 GBytes         *bytes,
                                 gboolean        non_synchronizing)
{
  gsize size = g_bytes_get_size (bytes);
  g_autofree char *announce = g_strdup_printf ("{%" G_GSIZE_FORMAT "%s}\r\n", size,
                                               non_synchronizing ? "+" : "");

  g_string_append (command->building, announce);
  if (!non_synchronizing)
    {
      g_ptr_array_add (command->parts,
                       command_bytes_new (command, command->building->str, command->building->len));
      if (command->secret)
        explicit_bzero (command->building->str, command->building->len);
      g_string_truncate (command->building, 0);
    }
  g_string_append_len (command->building, g_bytes_get_data (bytes, NULL), size);
  g_string_append_printf (command->trace, "{%" G_GSIZE_FORMAT "%s} <%" G_GSIZE_FORMAT " bytes>",
                          size, non_synchronizing ? "+" : "", size);
}

/* ---- Writing ------------------------------------------------------------------------------- */

static void
write_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CnvImapClient) self = user_data;
  g_autoptr(GError) error = NULL;
  gsize written = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &error))
    {
      self->writing = FALSE;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        cnv_imap_client_fail (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION,
                                                 "Could not send to the IMAP server: %s",
                                                 error->message));
      return;
    }
  self->bytes_sent += written;
  g_bytes_unref (g_queue_pop_head (&self->writes));
  self->writing = FALSE;
  flush_writes (self);
}

static void
flush_writes (CnvImapClient *self)
{
  GBytes *next;

  if (self->writing || !self->connected || self->output == NULL)
    return;
  next = g_queue_peek_head (&self->writes);
  if (next == NULL)
    return;
  self->writing = TRUE;
  g_output_stream_write_all_async (self->output,
                                   g_bytes_get_data (next, NULL), g_bytes_get_size (next),
                                   G_PRIORITY_DEFAULT, self->io_cancellable,
                                   write_done_cb, g_object_ref (self));
}

static void
queue_write (CnvImapClient *self,
             GBytes        *bytes)
{
  g_queue_push_tail (&self->writes, g_bytes_ref (bytes));
  flush_writes (self);
}

/**
 * cnv_imap_client_send_line: (skip)
 * @line: a line without its CRLF (a continuation's answer, `DONE`)
 * @trace: (nullable): what the trace shows instead of @line (redaction); %NULL shows @line.
 *   A line with a @trace is a secret: its copies are wiped once sent.
 */
void
cnv_imap_client_send_line (CnvImapClient *self,
                           const char    *line,
                           const char    *trace)
{
  gsize length = strlen (line);
  char *with_crlf = g_strconcat (line, "\r\n", NULL);
  g_autoptr(GBytes) bytes = NULL;

  /* A line with its own trace is a secret (a SASL response): its bytes are wiped after use. */
  bytes = trace != NULL ? secret_bytes_new (with_crlf, length + 2) : g_bytes_new (with_crlf, length + 2);
  explicit_bzero (with_crlf, length + 2);
  g_free (with_crlf);
  if (trace_enabled ())
    g_debug ("C: %s", trace != NULL ? trace : line);
  queue_write (self, bytes);
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

static void
disconnect_cancelled (CnvImapCommand *command)
{
  if (command->cancelled_id != 0 && command->task != NULL)
    g_cancellable_disconnect (g_task_get_cancellable (command->task), command->cancelled_id);
  command->cancelled_id = 0;
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
    return_connect (self, g_error_copy (error));
  if (current != NULL)
    {
      disconnect_cancelled (current);
      return_command_error (current, error);
      cnv_imap_command_free (current);
    }
  for (GList *l = pending.head; l != NULL; l = l->next)
    {
      disconnect_cancelled (l->data);
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

/* ---- Responses ----------------------------------------------------------------------------- */

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
static void
track_untagged (CnvImapClient   *self,
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

static gboolean
dispatch_tagged (CnvImapClient    *self,
                 CnvImapResponse  *response,
                 GError          **error)
{
  CnvImapCommand *command = self->current;
  g_autofree char *described = NULL;

  if (command == NULL || command->tag == NULL || g_strcmp0 (command->tag, response->tag) != 0)
    {
      g_set_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                   "The IMAP server answered a command that was not sent (tag %s)", response->tag);
      return FALSE;
    }

  if (response->code != NULL && g_str_equal (response->code, "CAPABILITY"))
    cnv_imap_client_set_capabilities (self, response->code_args);

  self->current = NULL;
  cnv_imap_client_arm_timeout (self, FALSE);
  disconnect_cancelled (command);

  if (command->upgrade_tls && response->status == CNV_IMAP_STATUS_OK)
    self->read_paused = TRUE;

  if (command->task != NULL)
    {
      described = cnv_imap_response_describe (response);
      switch (response->status)
        {
        case CNV_IMAP_STATUS_OK:
          if (command->done != NULL)
            command->done (self, command, response);
          else
            {
              g_task_return_boolean (command->task, TRUE);
              g_clear_object (&command->task);
            }
          break;
        case CNV_IMAP_STATUS_NO:
          g_task_return_new_error (command->task, CNV_IMAP_ERROR,
                                   CNV_IMAP_ERROR_NO, "The IMAP server refused %s: %s",
                                   command->name, described);
          g_clear_object (&command->task);
          break;
        case CNV_IMAP_STATUS_BAD:
        case CNV_IMAP_STATUS_NONE:
        case CNV_IMAP_STATUS_PREAUTH:
        case CNV_IMAP_STATUS_BYE:
        default:
          g_task_return_new_error (command->task, CNV_IMAP_ERROR,
                                   CNV_IMAP_ERROR_BAD, "The IMAP server rejected %s: %s",
                                   command->name, described);
          g_clear_object (&command->task);
          break;
        }
    }
  cnv_imap_command_free (command);
  return TRUE;
}

static gboolean
send_next_part (CnvImapClient   *self,
                CnvImapCommand  *command)
{
  GBytes *part;

  if (command->next_part >= command->parts->len)
    return FALSE;
  part = g_ptr_array_index (command->parts, command->next_part++);
  queue_write (self, part);
  return TRUE;
}

/* Routes one response. An untagged @response is taken (kept by the running command or freed)
 * when this returns TRUE; the caller frees the others. */
static gboolean
dispatch (CnvImapClient    *self,
          CnvImapResponse  *response,
          GError          **error)
{
  CnvImapCommand *command = self->current;

  switch (response->kind)
    {
    case CNV_IMAP_RESPONSE_TAGGED:
      return dispatch_tagged (self, response, error);

    case CNV_IMAP_RESPONSE_CONTINUATION:
      if (command == NULL || command->tag == NULL)
        break;
      if (send_next_part (self, command))
        return TRUE;
      if (command->continuation != NULL)
        return command->continuation (self, command, response, error);
      break;

    case CNV_IMAP_RESPONSE_UNTAGGED:
    default:
      if (response->status == CNV_IMAP_STATUS_BYE)
        {
          /* RFC 9051 §7.1.5: the server closes; the tagged answer of LOGOUT still follows. */
          if (command != NULL && g_strcmp0 (command->name, "LOGOUT") == 0)
            {
              cnv_imap_response_free (response);
              return TRUE;
            }
          g_set_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_BYE,
                       "The IMAP server closed the connection: %s",
                       response->text != NULL && *response->text != '\0' ? response->text : "BYE");
          return FALSE;
        }
      track_untagged (self, response);
      /* ::exists / ::expunged handlers may have closed the client (freeing @command). */
      if (self->parser == NULL || self->current != command)
        {
          cnv_imap_response_free (response);
          return TRUE;
        }
      if (command != NULL)
        {
          if (command->on_untagged != NULL)
            command->on_untagged (self, command, response);
          g_ptr_array_add (command->untagged, response);
          return TRUE;
        }
      cnv_imap_response_free (response);
      return TRUE;
    }

  g_set_error_literal (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                       "The IMAP server asked for more of a command that was not waiting");
  return FALSE;
}

/* ---- Reading ------------------------------------------------------------------------------- */

static void
trace_received (const guint8 *data,
                gsize         length)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *text = g_strndup ((const char *) data, length);
  guint shown = 0;

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *valid = NULL;
      gsize len = strlen (lines[i]);

      if (len > 0 && lines[i][len - 1] == '\r')
        lines[i][--len] = '\0';
      if (len == 0 && lines[i + 1] == NULL)
        break;
      if (++shown > 20)
        {
          g_debug ("S: … (%" G_GSIZE_FORMAT " bytes in all)", length);
          break;
        }
      valid = g_utf8_make_valid (lines[i], MIN (len, 200));
      g_debug ("S: %s%s", valid, len > 200 ? "…" : "");
    }
}

/* A pending read holds the client weakly: dropping the last reference to a connected client
 * disposes it (which closes the connection) even while a read waits. The buffer outlives it. */
typedef struct
{
  GWeakRef    client;
  GByteArray *buffer;
} ReadOp;

static void
read_op_free (ReadOp *op)
{
  g_weak_ref_clear (&op->client);
  g_byte_array_unref (op->buffer);
  g_free (op);
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ReadOp *op = user_data;
  g_autoptr(CnvImapClient) self = g_weak_ref_get (&op->client);
  g_autoptr(GError) error = NULL;
  gssize count;

  count = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  read_op_free (op);
  if (self == NULL || G_INPUT_STREAM (source) != self->input)
    return;  /* the client is gone, or this read is from a connection closed meanwhile */
  if (count < 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        cnv_imap_client_fail (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION,
                                                 "The connection to the IMAP server failed: %s",
                                                 error->message));
      return;
    }
  if (count == 0)
    {
      cnv_imap_client_fail (self, g_error_new_literal (CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION,
                                                       "The IMAP server closed the connection"));
      return;
    }

  self->bytes_received += count;
  if (trace_enabled ())
    trace_received (self->read_buffer->data, count);
  if (self->timeout_id != 0)
    cnv_imap_client_arm_timeout (self, TRUE);

  cnv_imap_parser_feed (self->parser, self->read_buffer->data, count);
  for (;;)
    {
      CnvImapResponse *response;

      if (self->parser == NULL)
        return;   /* closed by a command's callback */
      response = cnv_imap_parser_next (self->parser, &error);
      if (response == NULL)
        break;
      if (!self->greeted)
        {
          gboolean ok = self->connect_task != NULL && handle_greeting (self, response, &error);

          cnv_imap_response_free (response);
          if (!ok)
            {
              if (error == NULL)
                g_set_error_literal (&error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                                     "The IMAP server spoke before it was asked");
              break;
            }
          connect_continue (self);
        }
      else if (response->kind == CNV_IMAP_RESPONSE_UNTAGGED)
        {
          if (!dispatch (self, response, &error))
            {
              cnv_imap_response_free (response);
              break;
            }
        }
      else
        {
          gboolean ok = dispatch (self, response, &error);

          cnv_imap_response_free (response);
          if (!ok)
            break;
        }
      if (self->read_paused)
        break;
    }

  if (error != NULL)
    {
      cnv_imap_client_fail (self, g_steal_pointer (&error));
      return;
    }
  if (self->parser == NULL)
    return;
  if (self->read_paused)
    {
      /* RFC 9051 §6.2.1 / RFC 2595 §3.1: bytes after STARTTLS's OK and before the TLS handshake
       * would be taken as protected (the STARTTLS injection attack): refuse them. */
      if (cnv_imap_parser_get_buffered (self->parser) > 0)
        cnv_imap_client_fail (self, g_error_new_literal (CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                                                         "The IMAP server sent data after accepting STARTTLS"));
      return;
    }
  send_next (self);
  start_reading (self);
}

static void
start_reading (CnvImapClient *self)
{
  if (!self->connected || self->read_paused || self->input == NULL)
    return;
  {
    ReadOp *op = g_new0 (ReadOp, 1);

    g_weak_ref_init (&op->client, self);
    op->buffer = g_byte_array_ref (self->read_buffer);
    g_input_stream_read_async (self->input, op->buffer->data, READ_CHUNK, G_PRIORITY_DEFAULT,
                               self->io_cancellable, read_done_cb, op);
  }
}

/* ---- Sending commands ---------------------------------------------------------------------- */

static gboolean
abandon_if_cancelled (CnvImapClient  *self,
                      CnvImapCommand *command)
{
  GCancellable *cancellable = command->task != NULL ? g_task_get_cancellable (command->task) : NULL;

  if (cancellable == NULL || !g_cancellable_is_cancelled (cancellable))
    return FALSE;
  disconnect_cancelled (command);
  g_task_return_new_error (command->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "The operation was cancelled");
  g_clear_object (&command->task);
  return TRUE;
}

static gboolean
process_cancellations_cb (gpointer user_data)
{
  CnvImapClient *self = user_data;
  GList *l;

  self->cancel_idle_id = 0;

  if (self->connect_task != NULL
      && g_cancellable_is_cancelled (g_task_get_cancellable (self->connect_task)))
    {
      cnv_imap_client_fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                       "The operation was cancelled"));
      return G_SOURCE_REMOVE;
    }

  l = self->pending.head;
  while (l != NULL)
    {
      GList *next = l->next;

      if (abandon_if_cancelled (self, l->data))
        {
          cnv_imap_command_free (l->data);
          g_queue_delete_link (&self->pending, l);
        }
      l = next;
    }

  /* A command on the wire runs to its tagged response; only its task returns now. */
  if (self->current != NULL && self->current->task != NULL)
    {
      CnvImapCommand *command = self->current;

      if (g_cancellable_is_cancelled (g_task_get_cancellable (command->task)))
        {
          if (command->cancelled != NULL)
            command->cancelled (self, command);
          abandon_if_cancelled (self, command);
        }
    }
  return G_SOURCE_REMOVE;
}

/* May run in the thread that cancelled: the work is done from the main context. */
static void
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  CnvImapClient *self = user_data;

  if (self->cancel_idle_id == 0)
    self->cancel_idle_id = g_idle_add_full (G_PRIORITY_DEFAULT, process_cancellations_cb,
                                            g_object_ref (self), g_object_unref);
}

static void
send_next (CnvImapClient *self)
{
  while (self->current == NULL && self->connected && !self->read_paused
         && !g_queue_is_empty (&self->pending))
    {
      CnvImapCommand *command = g_queue_pop_head (&self->pending);

      /* Cancelled before it was sent: it never reaches the server. */
      if (abandon_if_cancelled (self, command))
        {
          cnv_imap_command_free (command);
          continue;
        }

      command->tag = g_strdup_printf ("A%u", ++self->tag_counter);
      g_string_append (command->building, "\r\n");
      {
        g_autofree char *head = g_strconcat (command->tag, " ", NULL);

        g_string_prepend (command->building, head);
        g_string_prepend (command->trace, head);
        if (command->parts->len > 0)
          {
            /* The tag goes in front of the first part, not of the last. */
            GBytes *first = g_ptr_array_index (command->parts, 0);
            g_autoptr(GByteArray) joined = g_byte_array_new ();

            g_string_erase (command->building, 0, strlen (head));
            g_byte_array_append (joined, (const guint8 *) head, strlen (head));
            g_byte_array_append (joined, g_bytes_get_data (first, NULL), g_bytes_get_size (first));
            g_ptr_array_index (command->parts, 0) = g_byte_array_free_to_bytes (g_steal_pointer (&joined));
            g_bytes_unref (first);
          }
      }
      g_ptr_array_add (command->parts,
                       command_bytes_new (command, command->building->str, command->building->len));
      string_wipe_free (command->building, command->secret);
      command->building = NULL;

      if (trace_enabled ())
        g_debug ("C: %s", command->trace->str);
      self->current = command;
      send_next_part (self, command);
      cnv_imap_client_arm_timeout (self, !command->no_timeout);
    }
}

/**
 * cnv_imap_client_submit: (skip)
 * @command: (transfer full): a command whose text is complete
 *
 * Queues @command; its task gets the result. A command cancelled before it is sent is dropped;
 * once sent, it runs to its tagged response (IMAP has no way to take a command back), and its
 * task then returns %G_IO_ERROR_CANCELLED.
 */
void
cnv_imap_client_submit (CnvImapClient  *self,
                        CnvImapCommand *command)
{
  if (!self->connected)
    {
      g_task_return_new_error (command->task, CNV_IMAP_ERROR,
                               CNV_IMAP_ERROR_CLOSED, "Not connected to the IMAP server");
      g_clear_object (&command->task);
      cnv_imap_command_free (command);
      return;
    }
  if (g_task_get_cancellable (command->task) != NULL)
    command->cancelled_id = g_cancellable_connect (g_task_get_cancellable (command->task),
                                                   G_CALLBACK (cancelled_cb), self, NULL);
  g_queue_push_tail (&self->pending, command);
  send_next (self);
}

CnvImapCommand *
cnv_imap_client_get_current (CnvImapClient *self)
{
  return self->current;
}

/* ---- Connecting ---------------------------------------------------------------------------- */

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

static void
return_connect (CnvImapClient *self,
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
  start_reading (self);
  /* Implicit TLS: the greeting is still to come, and may not come. */
  cnv_imap_client_arm_timeout (self, !self->greeted);
  connect_continue (self);
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
  tls = g_tls_client_connection_new (G_IO_STREAM (self->socket), identity, &error);
  if (tls == NULL)
    {
      cnv_imap_client_fail (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_TLS,
                                               "TLS is not available: %s (is glib-networking installed?)",
                                               error->message));
      return;
    }
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
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
  connect_continue (self);
}

/* The connection's steps, called again after each: greeting, STARTTLS, CAPABILITY. */
static void
connect_continue (CnvImapClient *self)
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
      g_task_set_source_tag (task, connect_continue);
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
  return_connect (self, NULL);
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
        return_connect (self, g_steal_pointer (&error));
      else
        return_connect (self, g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION,
                                           "Cannot connect to %s:%u: %s", self->server->host,
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
  set_stream (self, G_IO_STREAM (self->socket));

  if (self->server->security == CNV_MAIL_SECURITY_TLS)
    {
      /* Implicit TLS (RFC 8314 §3.2): the greeting comes over TLS. */
      self->read_paused = TRUE;
      start_tls (self);
      return;
    }
  start_reading (self);
  cnv_imap_client_arm_timeout (self, TRUE);
}

/* The greeting (RFC 9051 §7.1): `* OK`, `* PREAUTH` or `* BYE`, before any command. */
static gboolean
handle_greeting (CnvImapClient    *self,
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
    self->connect_cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb),
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
