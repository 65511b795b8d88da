/* cnv-imap-parser.c — a strict, incremental parser of IMAP server responses: framing
 *
 * Two stages. Framing (here) finds where one response ends: at a CRLF that does not end in a
 * literal announcement `{N}`; the N bytes of each literal are skipped by count, never scanned, so a
 * literal may hold anything (CRLF, NUL, "A1 OK"). The grammar (cnv-imap-grammar.c) then reads the
 * complete response with a recursive-descent reader of RFC 9051 §9. Nothing is guessed: a response
 * that does not fit is a CNV_IMAP_ERROR_PROTOCOL error and the caller closes the connection,
 * because a client that resynchronises on a broken stream can take a literal's content for a
 * server response.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include <string.h>

#include "cnv-imap-parser-private.h"

struct _CnvImapParser
{
  GByteArray *buffer;
  gsize       max_line;
  gsize       max_literal;

  /* Framing state of the response at the start of @buffer. */
  gsize       search_from;       /* where to look for the next LF */
  gsize       segment_start;     /* start of the current line (after the last literal) */
  gsize       line_bytes;        /* non-literal bytes so far */
  gsize       literal_remaining; /* bytes of a literal still to come */
  gsize       literal_bytes;     /* bytes of all the literals of this response */
  gboolean    failed;
};

CnvImapParser *
cnv_imap_parser_new (void)
{
  CnvImapParser *self = g_new0 (CnvImapParser, 1);

  self->buffer = g_byte_array_new ();
  self->max_line = CNV_IMAP_PARSER_MAX_LINE;
  self->max_literal = CNV_IMAP_PARSER_MAX_LITERAL;
  return self;
}

void
cnv_imap_parser_free (CnvImapParser *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->buffer);
  g_free (self);
}

/**
 * cnv_imap_parser_set_limits:
 * @self: a parser
 * @max_line: the most bytes one response may have outside its literals
 * @max_literal: the most bytes the literals of one response may have together
 *
 * A response beyond either is a %CNV_IMAP_ERROR_LIMIT error, found as soon as the announcement
 * or the line is seen, before the bytes are buffered.
 */
void
cnv_imap_parser_set_limits (CnvImapParser *self,
                            gsize          max_line,
                            gsize          max_literal)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_line >= 64);

  self->max_line = max_line;
  self->max_literal = max_literal;
}

void
cnv_imap_parser_feed (CnvImapParser *self,
                      const guint8  *data,
                      gsize          length)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || length == 0);

  if (length > 0)
    g_byte_array_append (self->buffer, data, length);
}

/**
 * cnv_imap_parser_get_buffered:
 * @self: a parser
 *
 * Returns: the bytes fed and not yet returned as responses
 */
gsize
cnv_imap_parser_get_buffered (CnvImapParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->buffer->len;
}

/* Reads the literal announcement at the end of a line: `{N}`, `{N+}` (RFC 7888) or `~{N}`
 * (RFC 3516 literal8). Returns FALSE when the line does not end with one. */
gboolean
cnv_imap_line_ends_with_literal (const guint8 *line,
                        gsize         length,
                        guint64      *size,
                        gboolean     *too_big)
{
  gsize end = length;
  gsize digits_end;
  guint64 value = 0;

  *too_big = FALSE;
  if (end < 3 || line[end - 1] != '}')
    return FALSE;
  end--;
  if (line[end - 1] == '+')
    end--;
  digits_end = end;
  while (end > 0 && g_ascii_isdigit (line[end - 1]))
    end--;
  if (end == digits_end || end == 0 || line[end - 1] != '{')
    return FALSE;

  for (gsize i = end; i < digits_end; i++)
    {
      if (value > (G_MAXUINT64 - 9) / 10)
        {
          *too_big = TRUE;
          return TRUE;
        }
      value = value * 10 + (line[i] - '0');
    }
  *size = value;
  return TRUE;
}

static void
reset_framing (CnvImapParser *self)
{
  self->search_from = 0;
  self->segment_start = 0;
  self->line_bytes = 0;
  self->literal_remaining = 0;
  self->literal_bytes = 0;
}

/**
 * cnv_imap_parser_next:
 * @self: a parser
 * @error: a protocol or limit error
 *
 * Returns: (transfer full) (nullable): the next complete response, or %NULL: with @error set when
 *   the stream is broken (the parser then refuses everything: close the connection), without
 *   when more bytes are needed
 */
CnvImapResponse *
cnv_imap_parser_next (CnvImapParser  *self,
                      GError        **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->failed)
    {
      g_set_error_literal (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                           "The response stream was already broken");
      return NULL;
    }

  for (;;)
    {
      const guint8 *data = self->buffer->data;
      gsize length = self->buffer->len;
      const guint8 *lf;
      gsize lf_pos;
      guint64 literal = 0;
      gboolean too_big;

      if (self->literal_remaining > 0)
        {
          gsize available = length - self->search_from;

          if (available < self->literal_remaining)
            return NULL;
          self->search_from += self->literal_remaining;
          self->segment_start = self->search_from;
          self->literal_remaining = 0;
        }

      lf = length > self->search_from
             ? memchr (data + self->search_from, '\n', length - self->search_from)
             : NULL;
      if (lf == NULL)
        {
          if (self->line_bytes + (length - self->segment_start) > self->max_line)
            goto too_long;
          self->search_from = length;
          return NULL;
        }

      lf_pos = lf - data;
      self->line_bytes += lf_pos + 1 - self->segment_start;
      if (self->line_bytes > self->max_line)
        goto too_long;
      if (lf_pos == self->segment_start || data[lf_pos - 1] != '\r')
        {
          self->failed = TRUE;
          g_set_error_literal (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                               "A response line ends without CRLF (RFC 9051 §2.2)");
          return NULL;
        }

      if (cnv_imap_line_ends_with_literal (data + self->segment_start, lf_pos - 1 - self->segment_start,
                                  &literal, &too_big))
        {
          /* The limit holds for all the literals of one response together: a FETCH of many
           * items, each under it, cannot add up to more memory than one literal may take. */
          if (too_big || literal > self->max_literal - self->literal_bytes)
            {
              self->failed = TRUE;
              g_set_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_LIMIT,
                           "The server announced literals of more than %" G_GSIZE_FORMAT
                           " bytes in one response", self->max_literal);
              return NULL;
            }
          self->literal_bytes += (gsize) literal;
          self->search_from = lf_pos + 1;
          self->segment_start = self->search_from;
          self->literal_remaining = (gsize) literal;
          continue;
        }

      /* One complete response: bytes [0, lf_pos]. */
      {
        g_autoptr(GError) local_error = NULL;
        CnvImapResponse *response;
        gsize size = lf_pos + 1;

        response = cnv_imap_parse_response (data, size, &local_error);
        g_byte_array_remove_range (self->buffer, 0, size);
        reset_framing (self);
        if (response == NULL)
          {
            self->failed = TRUE;
            g_propagate_error (error, g_steal_pointer (&local_error));
            return NULL;
          }
        return response;
      }
    }

too_long:
  self->failed = TRUE;
  g_set_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_LIMIT,
               "The server sent a response line of more than %" G_GSIZE_FORMAT " bytes",
               self->max_line);
  return NULL;
}
