/* cnv-imap-client-read.c — the IMAP client's incoming side: the read loop and the dispatch
 *
 * One read is pending at a time while the client is connected. What it reads feeds the parser;
 * each complete response goes, in order, to the greeting (cnv-imap-client-connect.c) or to the
 * running command: untagged responses update the client's state first, `+` sends the command's
 * next part or goes to its continuation handler, the tagged response ends it. Anything else is a
 * protocol error that closes the connection.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include <string.h>

#include "cnv-imap-client-private.h"

/* ---- Responses ----------------------------------------------------------------------------- */

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
  cnv_imap_command_disconnect_cancelled (command);

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
      if (cnv_imap_client_send_next_part (self, command))
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
      cnv_imap_client_track_untagged (self, response);
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

/* The size N of a literal that @line (without its CRLF) announces with "{N}" or "{N+}" (RFC 9051
 * §4.3), else 0. */
static guint64
trace_literal_size (const char *line,
                    gsize       len)
{
  g_autofree char *digits = NULL;
  gsize close, open;
  guint64 size = 0;

  if (len < 3 || line[len - 1] != '}')
    return 0;
  close = len - 1;
  if (line[close - 1] == '+')
    close--;
  open = close;
  while (open > 0 && g_ascii_isdigit (line[open - 1]))
    open--;
  if (open == 0 || open == close || line[open - 1] != '{')
    return 0;
  digits = g_strndup (line + open, close - open);
  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64, &size, NULL))
    return 0;
  return size;
}

/* The debug trace of what the server sent: its protocol lines, cut at 200 characters and at 20
 * lines a read, but never the data of a literal (a fetched mail holds the invitation's personal
 * link and credential, and other people's mail): "{N bytes not shown}" instead. Lines and
 * literals may span reads: self->trace_tail keeps the end of a line not finished yet (enough to
 * see its "{N}"), self->trace_literal_left what of a literal is still to come. */
static void
trace_received (CnvImapClient *self,
                const guint8  *data,
                gsize          length)
{
  const char *text = (const char *) data;
  gsize pos = 0;
  guint shown = 0;

  while (pos < length)
    {
      const char *newline;
      gsize len, shown_len;
      guint64 literal;

      if (self->trace_literal_left > 0)
        {
          gsize skip = (gsize) MIN (self->trace_literal_left, (guint64) (length - pos));

          self->trace_literal_left -= skip;
          pos += skip;
          continue;
        }
      newline = memchr (text + pos, '\n', length - pos);
      len = (newline != NULL ? (gsize) (newline - (text + pos)) : length - pos);
      shown_len = len > 0 && text[pos + len - 1] == '\r' ? len - 1 : len;
      if (++shown <= 20 && shown_len > 0)
        {
          g_autofree char *valid = g_utf8_make_valid (text + pos, MIN (shown_len, 200));

          g_debug ("S: %s%s", valid, shown_len > 200 ? "…" : "");
        }
      else if (shown == 21)
        g_debug ("S: … (%" G_GSIZE_FORMAT " bytes in all)", length);

      g_string_append_len (self->trace_tail, text + pos, (gssize) shown_len);
      if (self->trace_tail->len > 40)
        g_string_erase (self->trace_tail, 0, (gssize) (self->trace_tail->len - 40));
      pos += len;
      if (newline == NULL)
        break;
      pos++;
      literal = trace_literal_size (self->trace_tail->str, self->trace_tail->len);
      g_string_truncate (self->trace_tail, 0);
      if (literal > 0)
        {
          g_debug ("S: {%" G_GUINT64_FORMAT " bytes not shown}", literal);
          self->trace_literal_left = literal;
        }
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
  if (cnv_imap_client_trace_enabled ())
    trace_received (self, self->read_buffer->data, count);
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
          gboolean ok = self->connect_task != NULL
                        && cnv_imap_client_handle_greeting (self, response, &error);

          cnv_imap_response_free (response);
          if (!ok)
            {
              if (error == NULL)
                g_set_error_literal (&error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                                     "The IMAP server spoke before it was asked");
              break;
            }
          cnv_imap_client_connect_continue (self);
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
  cnv_imap_client_send_next (self);
  cnv_imap_client_start_reading (self);
}

void
cnv_imap_client_start_reading (CnvImapClient *self)
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
