/* cnv-imap-client-send.c — the IMAP client's outgoing side: commands, their queue, the writes
 *
 * A command is built as text (and literals, each sent after the server's `+`), queued, given its
 * tag when its turn comes, and written through a queue of buffers so that one write is pending
 * at a time. The bytes of a command that holds a password are wiped when released. A command
 * cancelled before it is sent never reaches the server; one already sent runs to its tagged
 * response (IMAP cannot take a command back).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include <string.h>

#include "cnv-imap-client-private.h"

static void flush_writes (CnvImapClient *self);

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

void
cnv_imap_command_disconnect_cancelled (CnvImapCommand *command)
{
  if (command->cancelled_id != 0 && command->task != NULL)
    g_cancellable_disconnect (g_task_get_cancellable (command->task), command->cancelled_id);
  command->cancelled_id = 0;
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
  if (cnv_imap_client_trace_enabled ())
    g_debug ("C: %s", trace != NULL ? trace : line);
  queue_write (self, bytes);
}

gboolean
cnv_imap_client_send_next_part (CnvImapClient   *self,
                                CnvImapCommand  *command)
{
  GBytes *part;

  if (command->next_part >= command->parts->len)
    return FALSE;
  part = g_ptr_array_index (command->parts, command->next_part++);
  queue_write (self, part);
  return TRUE;
}

/* ---- Sending commands ---------------------------------------------------------------------- */

static gboolean
abandon_if_cancelled (CnvImapClient  *self,
                      CnvImapCommand *command)
{
  GCancellable *cancellable = command->task != NULL ? g_task_get_cancellable (command->task) : NULL;

  if (cancellable == NULL || !g_cancellable_is_cancelled (cancellable))
    return FALSE;
  cnv_imap_command_disconnect_cancelled (command);
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
void
cnv_imap_client_cancelled_cb (GCancellable *cancellable,
                              gpointer      user_data)
{
  CnvImapClient *self = user_data;

  if (self->cancel_idle_id == 0)
    self->cancel_idle_id = g_idle_add_full (G_PRIORITY_DEFAULT, process_cancellations_cb,
                                            g_object_ref (self), g_object_unref);
}

void
cnv_imap_client_send_next (CnvImapClient *self)
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

      if (cnv_imap_client_trace_enabled ())
        g_debug ("C: %s", command->trace->str);
      self->current = command;
      cnv_imap_client_send_next_part (self, command);
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
                                                   G_CALLBACK (cnv_imap_client_cancelled_cb),
                                                   self, NULL);
  g_queue_push_tail (&self->pending, command);
  cnv_imap_client_send_next (self);
}

CnvImapCommand *
cnv_imap_client_get_current (CnvImapClient *self)
{
  return self->current;
}
