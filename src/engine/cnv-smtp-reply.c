/* cnv-smtp-reply.c — what the SMTP server answered, read from libcurl's protocol trace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libcurl speaks the protocol but reports only the last reply code. This file reads the trace
 * libcurl hands to CURLOPT_DEBUGFUNCTION — every command it sends (CURLINFO_HEADER_OUT) and every
 * reply line it reads (CURLINFO_HEADER_IN), in order — into the submission's state: the reply to
 * each RCPT TO, the refusal that explains a failure, the reply to the end of the message. libcurl
 * never pipelines SMTP commands, so each complete reply answers the last command. It logs the
 * trace with SASL payloads redacted, and turns what it read into a CnvSmtpResult or a
 * CNV_SMTP_ERROR of the right kind (transient, permanent, auth, TLS). It runs in the worker
 * thread (cnv-smtp.c).
 */
#define G_LOG_DOMAIN "cnv-smtp"

#include "config.h"

#include <string.h>

#include "cnv-smtp-private.h"

/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets; keep a little more, cut the rest. */
#define MAX_LINE 1024
/* Bounds the words kept from a multi-line reply (an EHLO reply is a few hundred bytes). */
#define MAX_REPLY 4096

/* Replies */

void
cnv_smtp_reply_free (CnvSmtpReply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->enhanced_code);
  g_free (reply->text);
  g_free (reply);
}

/* The protocol trace: replies and commands, as libcurl reports them. */

/* Control characters of a server's words become '?': they end up in logs and error messages. */
static void
append_printable (GString    *out,
                  const char *text,
                  gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) text[i];

      g_string_append_c (out, c < 0x20 || c == 0x7f ? '?' : (char) c);
    }
}

/* RFC 3463 §2: class.subject.detail, class = the reply code's first digit (RFC 2034 §4). */
static char *
parse_enhanced_code (const char *text,
                     guint       code)
{
  const char *p = text;
  guint dots = 0;

  if (*p != (char) ('0' + code / 100) || (code / 100 != 2 && code / 100 != 4 && code / 100 != 5))
    return NULL;
  p++;
  while (dots < 2)
    {
      guint digits = 0;

      if (*p != '.')
        return NULL;
      p++;
      dots++;
      while (g_ascii_isdigit (*p) && digits < 3)
        {
          p++;
          digits++;
        }
      if (digits == 0)
        return NULL;
    }
  if (*p != '\0' && *p != ' ')
    return NULL;
  return g_strndup (text, p - text);
}

static void
record_failure (CnvSmtpSubmission *self,
                CnvSmtpReply      *reply)
{
  cnv_smtp_reply_free (self->failure);
  self->failure = reply;
  self->failure_step = self->step;
}

static void
reply_received (CnvSmtpSubmission *self,
                CnvSmtpReply      *reply)
{
  gboolean positive = reply->code < 400;

  self->last_code = reply->code;
  switch (self->step)
    {
    case CNV_SMTP_STEP_RCPT:
      if (self->rcpt_replies->len < self->rcpt_sent)
        g_ptr_array_add (self->rcpt_replies, reply);
      else
        cnv_smtp_reply_free (reply);
      return;

    case CNV_SMTP_STEP_DATA:
      if (reply->code == 354)
        {
          /* RFC 5321 §4.1.1.4: the message follows, then its own reply. */
          self->step = CNV_SMTP_STEP_MESSAGE;
          if (self->trace)
            g_debug ("C: (the message, %" G_GSIZE_FORMAT " bytes, and <CRLF>.<CRLF>)",
                     g_bytes_get_size (self->message));
          g_clear_pointer (&self->failure, cnv_smtp_reply_free);
          cnv_smtp_reply_free (reply);
          return;
        }
      break;

    case CNV_SMTP_STEP_MESSAGE:
      cnv_smtp_reply_free (self->final_reply);
      self->final_reply = reply;
      if (!positive)
        {
          self->final_reply = NULL;
          record_failure (self, reply);
        }
      return;

    case CNV_SMTP_STEP_QUIT:
      cnv_smtp_reply_free (reply);
      return;

    case CNV_SMTP_STEP_GREETING:
    case CNV_SMTP_STEP_EHLO:
    case CNV_SMTP_STEP_STARTTLS:
    case CNV_SMTP_STEP_AUTH:
    case CNV_SMTP_STEP_MAIL:
    case CNV_SMTP_STEP_OTHER:
    default:
      break;
    }

  /* The latest refusal explains a failure; a later positive reply (HELO after a refused EHLO)
   * means the session went on. */
  if (positive)
    {
      g_clear_pointer (&self->failure, cnv_smtp_reply_free);
      cnv_smtp_reply_free (reply);
    }
  else
    record_failure (self, reply);
}

/* RFC 5321 §4.2: "ddd text" ends a reply, "ddd-text" continues it. */
static void
line_in (CnvSmtpSubmission *self,
         const char        *line,
         gsize              len)
{
  guint code;
  gboolean last;

  if (self->trace)
    {
      g_autoptr(GString) shown = g_string_new ("S: ");

      append_printable (shown, line, len);
      g_debug ("%s", shown->str);
    }

  if (len < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1])
      || !g_ascii_isdigit (line[2]) || (len > 3 && line[3] != ' ' && line[3] != '-'))
    return;

  code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  last = len == 3 || line[3] == ' ';

  if (self->pending->len > 0)
    g_string_append_c (self->pending, '\n');
  if (self->pending->len < MAX_REPLY)
    append_printable (self->pending, line, len);

  if (last)
    {
      CnvSmtpReply *reply = g_new0 (CnvSmtpReply, 1);
      const char *first = self->pending->str;

      reply->code = code;
      /* The enhanced code of the first line (RFC 2034 §4: every line repeats it). */
      if (strlen (first) > 4)
        reply->enhanced_code = parse_enhanced_code (first + 4, code);
      reply->text = g_strdup (self->pending->str);
      g_string_truncate (self->pending, 0);
      reply_received (self, reply);
    }
}

static CnvSmtpStep
step_from_verb (const char *line,
                gsize       len)
{
  static const struct { const char *verb; CnvSmtpStep step; } verbs[] = {
    { "EHLO", CNV_SMTP_STEP_EHLO }, { "HELO", CNV_SMTP_STEP_EHLO },
    { "STARTTLS", CNV_SMTP_STEP_STARTTLS }, { "AUTH", CNV_SMTP_STEP_AUTH },
    { "MAIL", CNV_SMTP_STEP_MAIL }, { "RCPT", CNV_SMTP_STEP_RCPT },
    { "DATA", CNV_SMTP_STEP_DATA }, { "QUIT", CNV_SMTP_STEP_QUIT },
  };
  gsize verb_len = 0;

  while (verb_len < len && line[verb_len] != ' ' && line[verb_len] != ':')
    verb_len++;
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (strlen (verbs[i].verb) == verb_len && g_ascii_strncasecmp (line, verbs[i].verb, verb_len) == 0)
      return verbs[i].step;
  return CNV_SMTP_STEP_OTHER;
}

static void
line_out (CnvSmtpSubmission *self,
          const char        *line,
          gsize              len)
{
  g_autoptr(GString) shown = NULL;

  /* RFC 4954 §4: after a 334 challenge the client's line is a SASL response, not a command. */
  if (self->step == CNV_SMTP_STEP_AUTH && self->last_code == 334)
    {
      if (self->trace)
        g_debug ("C: (SASL response redacted)");
      self->last_code = 0;
      return;
    }

  self->step = step_from_verb (line, len);
  self->last_code = 0;
  g_string_truncate (self->pending, 0);
  if (self->step == CNV_SMTP_STEP_RCPT)
    self->rcpt_sent++;

  if (!self->trace)
    return;
  shown = g_string_new ("C: ");
  if (self->step == CNV_SMTP_STEP_AUTH)
    {
      /* "AUTH PLAIN <initial response>" (RFC 4954 §4): keep the mechanism only. */
      const char *space = memchr (line, ' ', len);
      const char *second = space != NULL ? memchr (space + 1, ' ', len - (space + 1 - line)) : NULL;

      append_printable (shown, line, second != NULL ? (gsize) (second - line) : len);
      if (second != NULL)
        g_string_append (shown, " (initial response redacted)");
    }
  else
    append_printable (shown, line, len);
  g_debug ("%s", shown->str);
}

/* libcurl may hand over a line in pieces or several lines at once. */
static void
feed_lines (CnvSmtpSubmission  *self,
            GString            *buffer,
            const char         *data,
            gsize               size,
            void              (*handle) (CnvSmtpSubmission *, const char *, gsize))
{
  for (gsize i = 0; i < size; i++)
    {
      if (data[i] == '\n')
        {
          gsize len = buffer->len;

          if (len > 0 && buffer->str[len - 1] == '\r')
            len--;
          handle (self, buffer->str, len);
          g_string_truncate (buffer, 0);
        }
      else if (buffer->len < MAX_LINE)
        g_string_append_c (buffer, data[i]);
    }
}

/* CURLOPT_DEBUGFUNCTION, with the submission as CURLOPT_DEBUGDATA. */
int
cnv_smtp_debug_cb (CURL          *curl,
                   curl_infotype  type,
                   char          *data,
                   size_t         size,
                   void          *user_data)
{
  CnvSmtpSubmission *self = user_data;

  switch (type)
    {
    case CURLINFO_HEADER_IN:
      feed_lines (self, self->line_in, data, size, line_in);
      break;

    case CURLINFO_HEADER_OUT:
      feed_lines (self, self->line_out, data, size, line_out);
      break;

    case CURLINFO_TEXT:
      if (self->trace)
        {
          g_autoptr(GString) shown = g_string_new ("* ");

          while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
            size--;
          append_printable (shown, data, MIN (size, (size_t) MAX_LINE));
          g_debug ("%s", shown->str);
        }
      break;

    /* The message itself and TLS records are not traced. */
    case CURLINFO_DATA_IN:
    case CURLINFO_DATA_OUT:
    case CURLINFO_SSL_DATA_IN:
    case CURLINFO_SSL_DATA_OUT:
    case CURLINFO_END:
    default:
      break;
    }
  return 0;
}

/* Errors: what failed, and whether retrying may help */

static CnvSmtpError
kind_for_code (guint code)
{
  /* RFC 4954 §6: 530 authentication required, 534 mechanism too weak, 535 credentials invalid,
   * 538 encryption required for the mechanism. */
  if (code == 530 || code == 534 || code == 535 || code == 538)
    return CNV_SMTP_ERROR_AUTH;
  if (code / 100 == 5)
    return CNV_SMTP_ERROR_PERMANENT;
  return CNV_SMTP_ERROR_TRANSIENT;
}

static const char *
step_to_string (CnvSmtpStep step)
{
  switch (step)
    {
    case CNV_SMTP_STEP_GREETING:
      return "the greeting";
    case CNV_SMTP_STEP_EHLO:
      return "EHLO";
    case CNV_SMTP_STEP_STARTTLS:
      return "STARTTLS";
    case CNV_SMTP_STEP_AUTH:
      return "AUTH";
    case CNV_SMTP_STEP_MAIL:
      return "MAIL FROM";
    case CNV_SMTP_STEP_RCPT:
      return "RCPT TO";
    case CNV_SMTP_STEP_DATA:
      return "DATA";
    case CNV_SMTP_STEP_MESSAGE:
      return "the message";
    case CNV_SMTP_STEP_QUIT:
      return "QUIT";
    case CNV_SMTP_STEP_OTHER:
    default:
      return "a command";
    }
}

/* A reply of several lines on one line, for an error message. */
static char *
flatten_reply (const CnvSmtpReply *reply)
{
  return g_strdelimit (g_strdup (reply->text), "\n", ' ');
}

/* Every RCPT TO was answered and none accepted: libcurl stops before DATA. A recipient that may
 * succeed later (4yz) makes the whole submission worth retrying. */
static GError *
all_rejected_error (CnvSmtpSubmission *self)
{
  g_autoptr(GString) message = g_string_new (NULL);
  CnvSmtpError kind = CNV_SMTP_ERROR_PERMANENT;
  gboolean auth = FALSE;

  g_string_printf (message, "%s refused every recipient:", self->label);
  for (guint i = 0; i < self->rcpt_replies->len; i++)
    {
      const CnvSmtpReply *reply = g_ptr_array_index (self->rcpt_replies, i);
      CnvSmtpError reply_kind = kind_for_code (reply->code);
      g_autofree char *text = flatten_reply (reply);

      if (reply_kind == CNV_SMTP_ERROR_TRANSIENT)
        kind = CNV_SMTP_ERROR_TRANSIENT;
      else if (reply_kind == CNV_SMTP_ERROR_AUTH)
        auth = TRUE;
      g_string_append_printf (message, "%s %s: %s", i > 0 ? ";" : "", self->recipients[i],
                              text);
    }
  if (kind != CNV_SMTP_ERROR_TRANSIENT && auth)
    kind = CNV_SMTP_ERROR_AUTH;
  return g_error_new_literal (CNV_SMTP_ERROR, kind, message->str);
}

/* Why curl_easy_perform() failed: the server's refusal when there was one, else libcurl's
 * error. */
GError *
cnv_smtp_error_from_curl (CnvSmtpSubmission *self,
                          GCancellable      *cancellable,
                          CURLcode           code)
{
  const char *detail = self->errbuf[0] != '\0' ? self->errbuf : curl_easy_strerror (code);
  guint n_recipients = g_strv_length (self->recipients);
  CnvSmtpError kind;

  if (code == CURLE_ABORTED_BY_CALLBACK && g_cancellable_is_cancelled (cancellable))
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Submission to %s cancelled",
                        self->label);

  /* Not for a check (cnv_smtp_check_async()), which has no recipients. */
  if (n_recipients > 0 && self->rcpt_sent == n_recipients
      && self->rcpt_replies->len == n_recipients && self->failure == NULL)
    {
      gboolean any_accepted = FALSE;

      for (guint i = 0; i < n_recipients; i++)
        if (((const CnvSmtpReply *) g_ptr_array_index (self->rcpt_replies, i))->code / 100 == 2)
          any_accepted = TRUE;
      if (!any_accepted)
        return all_rejected_error (self);
    }

  if (self->failure != NULL)
    {
      g_autofree char *text = flatten_reply (self->failure);

      kind = kind_for_code (self->failure->code);
      if (self->failure_step == CNV_SMTP_STEP_AUTH && kind == CNV_SMTP_ERROR_PERMANENT)
        kind = CNV_SMTP_ERROR_AUTH;
      else if (self->failure_step == CNV_SMTP_STEP_STARTTLS && kind == CNV_SMTP_ERROR_PERMANENT)
        kind = CNV_SMTP_ERROR_TLS;
      return g_error_new (CNV_SMTP_ERROR, kind, "%s refused %s: %s", self->label,
                          step_to_string (self->failure_step), text);
    }

  switch ((int) code)
    {
    /* Certificates, handshake, or a server without the STARTTLS that was required. */
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
      kind = CNV_SMTP_ERROR_TLS;
      break;

    /* Denied without a refusal: the server offers none of the mechanisms allowed. */
    case CURLE_LOGIN_DENIED:
      return g_error_new (CNV_SMTP_ERROR, CNV_SMTP_ERROR_AUTH,
                          "%s offers no authentication mechanism this client may use (%s)",
                          self->label, detail);

    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      kind = CNV_SMTP_ERROR_INVALID;
      break;

    /* Connection refused, reset or timed out, name resolution, out of memory: try again. */
    default:
      kind = CNV_SMTP_ERROR_TRANSIENT;
      break;
    }
  return g_error_new (CNV_SMTP_ERROR, kind, "%s: %s", self->label, detail);
}

/* Results */

static void
recipient_failure_free (CnvSmtpRecipientFailure *failure)
{
  g_free (failure->address);
  g_free (failure->enhanced_code);
  g_free (failure->reply);
  g_free (failure);
}

static CnvSmtpRecipientFailure *
recipient_failure_new (const char         *address,
                       const CnvSmtpReply *reply)
{
  CnvSmtpRecipientFailure *failure = g_new0 (CnvSmtpRecipientFailure, 1);

  failure->address = g_strdup (address);
  failure->code = reply->code;
  failure->enhanced_code = g_strdup (reply->enhanced_code);
  failure->reply = g_strdup (reply->text);
  failure->kind = kind_for_code (reply->code);
  return failure;
}

/* curl_easy_perform() succeeded: the message went to the recipients the server accepted. */
CnvSmtpResult *
cnv_smtp_result_from_replies (CnvSmtpSubmission *self)
{
  CnvSmtpResult *result = g_new0 (CnvSmtpResult, 1);

  result->accepted = g_ptr_array_new_with_free_func (g_free);
  result->rejected = g_ptr_array_new_with_free_func ((GDestroyNotify) recipient_failure_free);
  result->final_reply = self->final_reply != NULL ? g_strdup (self->final_reply->text) : NULL;

  for (guint i = 0; self->recipients[i] != NULL; i++)
    {
      const CnvSmtpReply *reply = NULL;

      if (i < self->rcpt_replies->len)
        reply = g_ptr_array_index (self->rcpt_replies, i);
      if (reply == NULL)
        g_warning ("%s: no reply to RCPT TO seen for recipient %u; counted as accepted",
                   self->label, i);
      if (reply == NULL || reply->code / 100 == 2)
        g_ptr_array_add (result->accepted, g_strdup (self->recipients[i]));
      else
        g_ptr_array_add (result->rejected, recipient_failure_new (self->recipients[i], reply));
    }
  return result;
}

/**
 * cnv_smtp_result_free:
 * @self: (nullable): a result of cnv_smtp_submit_finish()
 */
void
cnv_smtp_result_free (CnvSmtpResult *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->accepted, g_ptr_array_unref);
  g_clear_pointer (&self->rejected, g_ptr_array_unref);
  g_free (self->final_reply);
  g_free (self);
}
