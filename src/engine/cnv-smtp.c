/* cnv-smtp.c — message submission (RFC 6409) with libcurl, in a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libcurl speaks the protocol (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA with dot-stuffing) but
 * reports only the last reply code. What an outbox needs — which recipient was refused, with which
 * code and words — is read from the protocol trace libcurl hands to CURLOPT_DEBUGFUNCTION: every
 * command it sends (CURLINFO_HEADER_OUT) and every reply line it reads (CURLINFO_HEADER_IN), in
 * order. libcurl never pipelines SMTP commands, so each complete reply answers the last command.
 *
 * The worker thread touches only its own copies (server, secret, addresses, message bytes): gmime
 * is not thread-safe, so the message is serialized in the caller's thread.
 */
#define G_LOG_DOMAIN "cnv-smtp"

#include "config.h"

#include <string.h>

#include <curl/curl.h>

#include "cnv-smtp.h"

/* libcurl 7.69 added the option with a typo, 8.2 renamed it (keeping the old name as an alias
 * only without CURL_NO_OLDIES). */
#if LIBCURL_VERSION_NUM >= 0x080200
#define CNV_CURLOPT_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLOWFAILS
#else
#define CNV_CURLOPT_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLLOWFAILS
#endif

/* RFC 5321 §4.5.3.2 asks an MTA to wait minutes for each reply; a submission client talking to
 * its own provider gives up sooner and lets the outbox retry. */
#define CONNECT_TIMEOUT_S 30
#define RESPONSE_TIMEOUT_S 120
/* Less than 1 byte/s for this long while the message is sent: the server is stuck. */
#define LOW_SPEED_TIME_S 120
/* RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its angle brackets. */
#define MAX_PATH 254
/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets; keep a little more, cut the rest. */
#define MAX_LINE 1024
/* Bounds the words kept from a multi-line reply (an EHLO reply is a few hundred bytes). */
#define MAX_REPLY 4096

G_DEFINE_QUARK (cnv-smtp-error-quark, cnv_smtp_error)

/* What the last command sent was; the next complete reply answers it. */
typedef enum
{
  STEP_GREETING,
  STEP_EHLO,
  STEP_STARTTLS,
  STEP_AUTH,
  STEP_MAIL,
  STEP_RCPT,
  STEP_DATA,
  STEP_MESSAGE,
  STEP_QUIT,
  STEP_OTHER,
} Step;

typedef struct
{
  guint  code;
  char  *enhanced_code;
  char  *text;
} Reply;

typedef struct
{
  /* Owned copies: the worker thread touches nothing else */
  CnvMailServer *server;
  char          *secret;
  char          *envelope_from;
  GStrv          recipients;
  GBytes        *message;
  char          *url;
  char          *label;

  /* Worker state */
  gsize          sent;
  char           errbuf[CURL_ERROR_SIZE];
  gboolean       trace;
  GString       *line_in;
  GString       *line_out;
  GString       *pending;
  Step           step;
  guint          last_code;
  guint          rcpt_sent;
  GPtrArray     *rcpt_replies;
  Reply         *failure;
  Step           failure_step;
  Reply         *final_reply;
} Submission;

static void
reply_free (Reply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->enhanced_code);
  g_free (reply->text);
  g_free (reply);
}

static void
recipient_failure_free (CnvSmtpRecipientFailure *failure)
{
  g_free (failure->address);
  g_free (failure->enhanced_code);
  g_free (failure->reply);
  g_free (failure);
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

static void
wipe_secret (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static void
submission_free (Submission *self)
{
  cnv_mail_server_free (self->server);
  wipe_secret (self->secret);
  g_free (self->envelope_from);
  g_strfreev (self->recipients);
  g_clear_pointer (&self->message, g_bytes_unref);
  g_free (self->url);
  g_free (self->label);
  if (self->line_in != NULL)
    g_string_free (self->line_in, TRUE);
  if (self->line_out != NULL)
    {
      /* It held "AUTH PLAIN <base64 of the password>". */
      explicit_bzero (self->line_out->str, self->line_out->allocated_len);
      g_string_free (self->line_out, TRUE);
    }
  if (self->pending != NULL)
    g_string_free (self->pending, TRUE);
  g_clear_pointer (&self->rcpt_replies, g_ptr_array_unref);
  reply_free (self->failure);
  reply_free (self->final_reply);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Submission, submission_free)

/* A mailbox as RFC 5321 §4.1.2 carries it in MAIL FROM and RCPT TO, without the angle brackets:
 * anything that could end the path or the command line early (CR, LF, '<', '>'), a space (which
 * would start ESMTP parameters), and other control characters are refused. UTF-8 is allowed
 * (RFC 6531); libcurl converts an IDN domain to its A-label. */
static gboolean
is_valid_mailbox (const char *address)
{
  const char *at;
  gsize len = strlen (address);

  if (len == 0 || len > MAX_PATH || !g_utf8_validate (address, len, NULL))
    return FALSE;
  for (const char *p = address; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c <= 0x20 || c == 0x7f || c == '<' || c == '>')
        return FALSE;
    }
  at = strrchr (address, '@');
  return at != NULL && at != address && at[1] != '\0';
}

/* A host name or address literal: it goes into the URL, so nothing that could end the host part. */
static gboolean
is_valid_host (const char *host)
{
  if (host == NULL || *host == '\0' || strlen (host) > 253 || !g_utf8_validate (host, -1, NULL))
    return FALSE;
  for (const char *p = host; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (!g_ascii_isalnum (c) && c != '.' && c != '-' && c != ':' && c != '_' && c < 0x80)
        return FALSE;
    }
  return TRUE;
}

/* RFC 5321 §4.1.1.1: EHLO takes a domain or an address literal ("[192.0.2.1]", "[IPv6:…]"). */
static gboolean
is_valid_helo_name (const char *name)
{
  if (*name == '\0' || strlen (name) > 255)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (".-:[]", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* RFC 5321 §2.3.8: CR and LF appear only together. gmime's DOS newline format already writes
 * CRLF; this also covers a bare CR or LF inside content that gmime copies verbatim, and bytes
 * that did not come from gmime. */
static GBytes *
normalize_line_ends (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gboolean clean = TRUE;
  GByteArray *out;

  for (gsize i = 0; i < len && clean; i++)
    {
      if (data[i] == '\r')
        {
          if (i + 1 < len && data[i + 1] == '\n')
            i++;
          else
            clean = FALSE;
        }
      else if (data[i] == '\n')
        clean = FALSE;
    }
  if (clean)
    return g_bytes_ref (bytes);

  out = g_byte_array_sized_new (len + len / 32 + 2);
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == '\r' || data[i] == '\n')
        {
          g_byte_array_append (out, (const guint8 *) "\r\n", 2);
          if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
            i++;
        }
      else
        g_byte_array_append (out, &data[i], 1);
    }
  return g_byte_array_free_to_bytes (out);
}

/**
 * cnv_smtp_message_to_bytes:
 * @message: the message
 *
 * Serializes @message as it goes on the wire: CRLF line ends everywhere
 * (%GMIME_NEWLINE_FORMAT_DOS, RFC 5322 §2.1). These are the bytes cnv_smtp_submit_async()
 * sends, and the ones to store for a later cnv_smtp_submit_bytes_async() or an IMAP APPEND of
 * the sent copy. Call it in the thread that owns @message: gmime is not thread-safe.
 *
 * Returns: (transfer full) (nullable): the bytes, or %NULL when a part's content cannot be read
 */
GBytes *
cnv_smtp_message_to_bytes (GMimeMessage *message)
{
  g_autoptr(GMimeFormatOptions) options = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GByteArray *array;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), NULL);

  options = g_mime_format_options_new ();
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  stream = g_mime_stream_mem_new ();
  if (g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream) < 0)
    return NULL;
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  bytes = g_bytes_new (array->data, array->len);
  return normalize_line_ends (bytes);
}

/* Protocol trace: replies and commands, as libcurl reports them. */

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
record_failure (Submission *self,
                Reply      *reply)
{
  reply_free (self->failure);
  self->failure = reply;
  self->failure_step = self->step;
}

static void
reply_received (Submission *self,
                Reply      *reply)
{
  gboolean positive = reply->code < 400;

  self->last_code = reply->code;
  switch (self->step)
    {
    case STEP_RCPT:
      if (self->rcpt_replies->len < self->rcpt_sent)
        g_ptr_array_add (self->rcpt_replies, reply);
      else
        reply_free (reply);
      return;

    case STEP_DATA:
      if (reply->code == 354)
        {
          /* RFC 5321 §4.1.1.4: the message follows, then its own reply. */
          self->step = STEP_MESSAGE;
          if (self->trace)
            g_debug ("C: (the message, %" G_GSIZE_FORMAT " bytes, and <CRLF>.<CRLF>)",
                     g_bytes_get_size (self->message));
          g_clear_pointer (&self->failure, reply_free);
          reply_free (reply);
          return;
        }
      break;

    case STEP_MESSAGE:
      reply_free (self->final_reply);
      self->final_reply = reply;
      if (!positive)
        {
          self->final_reply = NULL;
          record_failure (self, reply);
        }
      return;

    case STEP_QUIT:
      reply_free (reply);
      return;

    case STEP_GREETING:
    case STEP_EHLO:
    case STEP_STARTTLS:
    case STEP_AUTH:
    case STEP_MAIL:
    case STEP_OTHER:
    default:
      break;
    }

  /* The latest refusal explains a failure; a later positive reply (HELO after a refused EHLO)
   * means the session went on. */
  if (positive)
    {
      g_clear_pointer (&self->failure, reply_free);
      reply_free (reply);
    }
  else
    record_failure (self, reply);
}

/* RFC 5321 §4.2: "ddd text" ends a reply, "ddd-text" continues it. */
static void
line_in (Submission *self,
         const char *line,
         gsize       len)
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
      Reply *reply = g_new0 (Reply, 1);
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

static Step
step_from_verb (const char *line,
                gsize       len)
{
  static const struct { const char *verb; Step step; } verbs[] = {
    { "EHLO", STEP_EHLO }, { "HELO", STEP_EHLO }, { "STARTTLS", STEP_STARTTLS },
    { "AUTH", STEP_AUTH }, { "MAIL", STEP_MAIL }, { "RCPT", STEP_RCPT }, { "DATA", STEP_DATA },
    { "QUIT", STEP_QUIT },
  };
  gsize verb_len = 0;

  while (verb_len < len && line[verb_len] != ' ' && line[verb_len] != ':')
    verb_len++;
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (strlen (verbs[i].verb) == verb_len && g_ascii_strncasecmp (line, verbs[i].verb, verb_len) == 0)
      return verbs[i].step;
  return STEP_OTHER;
}

static void
line_out (Submission *self,
          const char *line,
          gsize       len)
{
  g_autoptr(GString) shown = NULL;

  /* RFC 4954 §4: after a 334 challenge the client's line is a SASL response, not a command. */
  if (self->step == STEP_AUTH && self->last_code == 334)
    {
      if (self->trace)
        g_debug ("C: (SASL response redacted)");
      self->last_code = 0;
      return;
    }

  self->step = step_from_verb (line, len);
  self->last_code = 0;
  g_string_truncate (self->pending, 0);
  if (self->step == STEP_RCPT)
    self->rcpt_sent++;

  if (!self->trace)
    return;
  shown = g_string_new ("C: ");
  if (self->step == STEP_AUTH)
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
feed_lines (Submission *self,
            GString    *buffer,
            const char *data,
            gsize       size,
            void      (*handle) (Submission *, const char *, gsize))
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

static int
debug_cb (CURL          *curl,
          curl_infotype  type,
          char          *data,
          size_t         size,
          void          *user_data)
{
  Submission *self = user_data;

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

/* The worker thread */

static size_t
read_cb (char   *buffer,
         size_t  size,
         size_t  nitems,
         void   *user_data)
{
  Submission *self = user_data;
  gsize len;
  const guint8 *data = g_bytes_get_data (self->message, &len);
  gsize n = MIN (size * nitems, len - self->sent);

  if (n > 0)
    memcpy (buffer, data + self->sent, n);
  self->sent += n;
  return n;
}

static int
xferinfo_cb (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  GCancellable *cancellable = user_data;

  return g_cancellable_is_cancelled (cancellable) ? 1 : 0;
}

static gpointer
init_curl (gpointer data)
{
  return GINT_TO_POINTER (curl_global_init (CURL_GLOBAL_DEFAULT));
}

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
step_to_string (Step step)
{
  switch (step)
    {
    case STEP_GREETING:
      return "the greeting";
    case STEP_EHLO:
      return "EHLO";
    case STEP_STARTTLS:
      return "STARTTLS";
    case STEP_AUTH:
      return "AUTH";
    case STEP_MAIL:
      return "MAIL FROM";
    case STEP_RCPT:
      return "RCPT TO";
    case STEP_DATA:
      return "DATA";
    case STEP_MESSAGE:
      return "the message";
    case STEP_QUIT:
      return "QUIT";
    case STEP_OTHER:
    default:
      return "a command";
    }
}

/* A reply of several lines on one line, for an error message. */
static char *
flatten_reply (const Reply *reply)
{
  return g_strdelimit (g_strdup (reply->text), "\n", ' ');
}

static CnvSmtpRecipientFailure *
recipient_failure_new (const char  *address,
                       const Reply *reply)
{
  CnvSmtpRecipientFailure *failure = g_new0 (CnvSmtpRecipientFailure, 1);

  failure->address = g_strdup (address);
  failure->code = reply->code;
  failure->enhanced_code = g_strdup (reply->enhanced_code);
  failure->reply = g_strdup (reply->text);
  failure->kind = kind_for_code (reply->code);
  return failure;
}

/* Every RCPT TO was answered and none accepted: libcurl stops before DATA. A recipient that may
 * succeed later (4yz) makes the whole submission worth retrying. */
static GError *
all_rejected_error (Submission *self)
{
  g_autoptr(GString) message = g_string_new (NULL);
  CnvSmtpError kind = CNV_SMTP_ERROR_PERMANENT;
  gboolean auth = FALSE;

  g_string_printf (message, "%s refused every recipient:", self->label);
  for (guint i = 0; i < self->rcpt_replies->len; i++)
    {
      const Reply *reply = g_ptr_array_index (self->rcpt_replies, i);
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

static GError *
error_from_curl (Submission   *self,
                 GCancellable *cancellable,
                 CURLcode      code)
{
  const char *detail = self->errbuf[0] != '\0' ? self->errbuf : curl_easy_strerror (code);
  guint n_recipients = g_strv_length (self->recipients);
  CnvSmtpError kind;

  if (code == CURLE_ABORTED_BY_CALLBACK && g_cancellable_is_cancelled (cancellable))
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Submission to %s cancelled",
                        self->label);

  if (self->rcpt_sent == n_recipients && self->rcpt_replies->len == n_recipients
      && self->failure == NULL)
    {
      gboolean any_accepted = FALSE;

      for (guint i = 0; i < n_recipients; i++)
        if (((const Reply *) g_ptr_array_index (self->rcpt_replies, i))->code / 100 == 2)
          any_accepted = TRUE;
      if (!any_accepted)
        return all_rejected_error (self);
    }

  if (self->failure != NULL)
    {
      g_autofree char *text = flatten_reply (self->failure);

      kind = kind_for_code (self->failure->code);
      if (self->failure_step == STEP_AUTH && kind == CNV_SMTP_ERROR_PERMANENT)
        kind = CNV_SMTP_ERROR_AUTH;
      else if (self->failure_step == STEP_STARTTLS && kind == CNV_SMTP_ERROR_PERMANENT)
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

static CnvSmtpResult *
result_from_replies (Submission *self)
{
  CnvSmtpResult *result = g_new0 (CnvSmtpResult, 1);

  result->accepted = g_ptr_array_new_with_free_func (g_free);
  result->rejected = g_ptr_array_new_with_free_func ((GDestroyNotify) recipient_failure_free);
  result->final_reply = self->final_reply != NULL ? g_strdup (self->final_reply->text) : NULL;

  for (guint i = 0; self->recipients[i] != NULL; i++)
    {
      const Reply *reply = NULL;

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

static CURLcode
set_options (Submission         *self,
             CURL               *curl,
             struct curl_slist  *recipients,
             GCancellable       *cancellable)
{
  const CnvMailServer *server = self->server;
  CURLcode code = CURLE_OK;

#define SET(option, value) \
  G_STMT_START { \
    if (code == CURLE_OK) \
      code = curl_easy_setopt (curl, option, value); \
  } G_STMT_END

  SET (CURLOPT_URL, self->url);
  SET (CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  SET (CURLOPT_NOSIGNAL, 1L);
  SET (CURLOPT_FORBID_REUSE, 1L);
  SET (CURLOPT_ERRORBUFFER, self->errbuf);

  /* TLS: verification is never turned off. STARTTLS is required (CURLUSESSL_ALL): a server that
   * does not offer it is an error, never a plain-text session (RFC 3207 §4, RFC 8314 §3). */
  SET (CURLOPT_USE_SSL, (long) (server->security == CNV_MAIL_SECURITY_NONE ? CURLUSESSL_NONE
                                                                             : CURLUSESSL_ALL));
  SET (CURLOPT_SSL_VERIFYPEER, 1L);
  SET (CURLOPT_SSL_VERIFYHOST, 2L);
  SET (CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
  if (server->ca_file != NULL)
    {
      /* Only this file: without clearing the path, libcurl also trusts the system's
       * directory of certificates (Debian's libcurl has CURLOPT_CAPATH=/etc/ssl/certs). */
      SET (CURLOPT_CAINFO, server->ca_file);
      SET (CURLOPT_CAPATH, NULL);
    }

  /* RFC 4954: the secret goes to libcurl as an option, never in the URL. */
  if (server->user != NULL)
    {
      SET (CURLOPT_USERNAME, server->user);
      SET (CURLOPT_SASL_IR, 1L);
      switch (server->auth)
        {
        case CNV_MAIL_AUTH_XOAUTH2:
          SET (CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
          SET (CURLOPT_XOAUTH2_BEARER, self->secret);
          break;
        case CNV_MAIL_AUTH_PLAIN:
          SET (CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN");
          SET (CURLOPT_PASSWORD, self->secret);
          break;
        case CNV_MAIL_AUTH_LOGIN:
          SET (CURLOPT_LOGIN_OPTIONS, "AUTH=LOGIN");
          SET (CURLOPT_PASSWORD, self->secret);
          break;
        case CNV_MAIL_AUTH_AUTO:
        default:
          SET (CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN;AUTH=LOGIN");
          SET (CURLOPT_PASSWORD, self->secret);
          break;
        }
    }

  /* RFC 5321 §3.6.3: no MAIL_FROM option is the null reverse-path, MAIL FROM:<>. */
  if (*self->envelope_from != '\0')
    SET (CURLOPT_MAIL_FROM, self->envelope_from);
  SET (CURLOPT_MAIL_RCPT, recipients);
  /* Go on with the recipients the server accepts; the refused ones are reported. */
  SET (CNV_CURLOPT_RCPT_ALLOWFAILS, 1L);

  SET (CURLOPT_UPLOAD, 1L);
  SET (CURLOPT_READFUNCTION, read_cb);
  SET (CURLOPT_READDATA, self);
  /* Lets libcurl announce SIZE= (RFC 1870) so an oversize message is refused before DATA. */
  SET (CURLOPT_INFILESIZE_LARGE, (curl_off_t) g_bytes_get_size (self->message));

  SET (CURLOPT_CONNECTTIMEOUT, (long) CONNECT_TIMEOUT_S);
  SET (CURLOPT_SERVER_RESPONSE_TIMEOUT, (long) RESPONSE_TIMEOUT_S);
  SET (CURLOPT_LOW_SPEED_LIMIT, 1L);
  SET (CURLOPT_LOW_SPEED_TIME, (long) LOW_SPEED_TIME_S);

  SET (CURLOPT_NOPROGRESS, 0L);
  SET (CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
  SET (CURLOPT_XFERINFODATA, cancellable);

  /* The debug function sees the protocol only in verbose mode; it replaces the printing. */
  SET (CURLOPT_DEBUGFUNCTION, debug_cb);
  SET (CURLOPT_DEBUGDATA, self);
  SET (CURLOPT_VERBOSE, 1L);

#undef SET
  return code;
}

static CnvSmtpResult *
submission_run (Submission    *self,
                GCancellable  *cancellable,
                GError       **error)
{
  static GOnce curl_once = G_ONCE_INIT;
  struct curl_slist *recipients = NULL;
  CURL *curl;
  CURLcode code;
  CnvSmtpResult *result = NULL;

  if (g_once (&curl_once, init_curl, NULL) != GINT_TO_POINTER (CURLE_OK))
    {
      g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TRANSIENT,
                   "%s: libcurl could not be initialized", self->label);
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TRANSIENT,
                   "%s: libcurl could not create a handle", self->label);
      return NULL;
    }
  for (guint i = 0; self->recipients[i] != NULL; i++)
    recipients = curl_slist_append (recipients, self->recipients[i]);

  code = set_options (self, curl, recipients, cancellable);
  if (code != CURLE_OK)
    g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID, "%s: libcurl refused an option: %s",
                 self->label, curl_easy_strerror (code));
  else
    {
      g_debug ("Submitting %" G_GSIZE_FORMAT " bytes to %u recipients through %s",
               g_bytes_get_size (self->message), g_strv_length (self->recipients), self->url);
      code = curl_easy_perform (curl);
      if (code == CURLE_OK)
        result = result_from_replies (self);
      else
        g_propagate_error (error, error_from_curl (self, cancellable, code));
    }

  curl_easy_cleanup (curl);
  curl_slist_free_all (recipients);
  return result;
}

static void
submit_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Submission *self = task_data;
  g_autoptr(GError) error = NULL;
  CnvSmtpResult *result;

  result = submission_run (self, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, result, (GDestroyNotify) cnv_smtp_result_free);
}

static char *
build_url (const CnvMailServer *server)
{
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  g_autofree char *path = NULL;
  char *text = NULL;
  char *url = NULL;
  CURLU *u;

  /* RFC 3986 §3.2.2: an IPv6 literal is bracketed in a URL. */
  host = strchr (server->host, ':') != NULL ? g_strdup_printf ("[%s]", server->host)
                                            : g_strdup (server->host);
  port = g_strdup_printf ("%u", cnv_mail_server_get_smtp_port (server));
  /* libcurl takes the EHLO name from the URL's path; without one it would announce the
   * machine's host name. */
  path = g_strconcat ("/", server->helo_name != NULL ? server->helo_name : "localhost", NULL);

  u = curl_url ();
  if (u == NULL)
    return NULL;
  if (curl_url_set (u, CURLUPART_SCHEME,
                    server->security == CNV_MAIL_SECURITY_TLS ? "smtps" : "smtp", 0) == CURLUE_OK
      && curl_url_set (u, CURLUPART_HOST, host, 0) == CURLUE_OK
      && curl_url_set (u, CURLUPART_PORT, port, 0) == CURLUE_OK
      && curl_url_set (u, CURLUPART_PATH, path, CURLU_URLENCODE) == CURLUE_OK
      && curl_url_get (u, CURLUPART_URL, &text, 0) == CURLUE_OK)
    url = g_strdup (text);
  curl_free (text);
  curl_url_cleanup (u);
  return url;
}

static gboolean
check_arguments (const CnvMailServer  *server,
                 const char           *envelope_from,
                 const char * const   *recipients,
                 GBytes               *message,
                 GError              **error)
{
  if (!is_valid_host (server->host))
    {
      g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID, "Invalid SMTP host name");
      return FALSE;
    }
  if (server->helo_name != NULL && !is_valid_helo_name (server->helo_name))
    {
      g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID, "Invalid EHLO name");
      return FALSE;
    }
  if (*envelope_from != '\0' && !is_valid_mailbox (envelope_from))
    {
      g_autofree char *shown = g_strescape (envelope_from, NULL);

      g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID, "Invalid envelope sender “%s”",
                   shown);
      return FALSE;
    }
  if (recipients == NULL || recipients[0] == NULL)
    {
      g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID, "No recipients");
      return FALSE;
    }
  for (guint i = 0; recipients[i] != NULL; i++)
    if (!is_valid_mailbox (recipients[i]))
      {
        g_autofree char *shown = g_strescape (recipients[i], NULL);

        g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID, "Invalid recipient “%s”",
                     shown);
        return FALSE;
      }
  if (message == NULL || g_bytes_get_size (message) == 0)
    {
      g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID,
                   "The message is empty or could not be serialized");
      return FALSE;
    }
  return TRUE;
}

/**
 * cnv_smtp_submit_bytes_async:
 * @server: the submission server; its @user, when set, authenticates with @server->auth
 * @secret: (nullable): the password, or the OAuth 2.0 access token for %CNV_MAIL_AUTH_XOAUTH2;
 *   copied, and the copy wiped when the submission ends
 * @envelope_from: the envelope sender (RFC 5321 §4.1.1.2, where bounces go), or "" for the
 *   null reverse-path of a bounce or auto-reply (RFC 5321 §3.6.3, §4.5.5)
 * @recipients: (array zero-terminated=1): the envelope recipients, at least one; plain addresses
 *   without angle brackets
 * @message: the message as it goes on the wire (cnv_smtp_message_to_bytes()); any bare CR or
 *   LF is sent as CRLF
 * @cancellable: (nullable): cancels the submission; a message whose end-of-data reply already
 *   arrived is reported as submitted
 * @callback: called in the thread-default main context of the caller
 * @user_data: for @callback
 *
 * Submits @message in a worker thread with libcurl. Certificates are always verified, against
 * @server->ca_file or the system's authorities. Recipients the server refuses while others are
 * accepted do not fail the submission: cnv_smtp_submit_finish() lists them. The protocol trace,
 * without SASL payloads or the message, is logged with `G_MESSAGES_DEBUG=cnv-smtp`.
 */
void
cnv_smtp_submit_bytes_async (const CnvMailServer *server,
                             const char          *secret,
                             const char          *envelope_from,
                             const char * const  *recipients,
                             GBytes              *message,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(Submission) self = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (server != NULL);
  g_return_if_fail (envelope_from != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_smtp_submit_bytes_async);
  g_task_set_name (task, "cnv_smtp_submit");
  /* Once the server has the message, success is the truth even if cancellation came late:
   * reporting it as cancelled would make an outbox send it twice. */
  g_task_set_check_cancellable (task, FALSE);

  if (!check_arguments (server, envelope_from, recipients, message, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self = g_new0 (Submission, 1);
  self->server = cnv_mail_server_copy (server);
  self->label = g_strdup_printf ("%s:%u", server->host, cnv_mail_server_get_smtp_port (server));
  self->url = build_url (server);
  if (self->url == NULL)
    {
      g_task_return_new_error (task, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID,
                               "%s: cannot make an SMTP URL of it", self->label);
      return;
    }
  if (server->user != NULL)
    self->secret = g_strdup (secret);
  self->envelope_from = g_strdup (envelope_from);
  self->recipients = g_strdupv ((char **) recipients);
  self->message = normalize_line_ends (message);
  self->line_in = g_string_new (NULL);
  self->line_out = g_string_new (NULL);
  self->pending = g_string_new (NULL);
  self->rcpt_replies = g_ptr_array_new_with_free_func ((GDestroyNotify) reply_free);
  self->step = STEP_GREETING;
  self->trace = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);

  g_task_set_task_data (task, g_steal_pointer (&self), (GDestroyNotify) submission_free);
  g_task_run_in_thread (task, submit_thread);
}

/**
 * cnv_smtp_submit_async:
 * @server: the submission server
 * @secret: (nullable): the password or OAuth 2.0 access token
 * @envelope_from: the envelope sender, or "" for the null reverse-path
 * @recipients: (array zero-terminated=1): the envelope recipients
 * @message: the message; serialized now, in the caller's thread, with CRLF line ends
 * @cancellable: (nullable): cancels the submission
 * @callback: called when the submission ends
 * @user_data: for @callback
 *
 * cnv_smtp_submit_bytes_async() with the bytes of cnv_smtp_message_to_bytes().
 */
void
cnv_smtp_submit_async (const CnvMailServer *server,
                       const char          *secret,
                       const char          *envelope_from,
                       const char * const  *recipients,
                       GMimeMessage        *message,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_if_fail (GMIME_IS_MESSAGE (message));

  bytes = cnv_smtp_message_to_bytes (message);
  cnv_smtp_submit_bytes_async (server, secret, envelope_from, recipients, bytes, cancellable,
                               callback, user_data);
}

/**
 * cnv_smtp_submit_finish:
 * @result: the result given to the callback
 * @error: a #CNV_SMTP_ERROR (its code says whether to retry) or %G_IO_ERROR_CANCELLED
 *
 * When every recipient is refused this is an error: %CNV_SMTP_ERROR_TRANSIENT when one of the
 * refusals was 4yz, else %CNV_SMTP_ERROR_PERMANENT (or %CNV_SMTP_ERROR_AUTH for 530/535); its
 * message names each recipient with the server's words.
 *
 * Returns: (transfer full): who the message was submitted to and who was refused
 */
CnvSmtpResult *
cnv_smtp_submit_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cnv_smtp_submit_bytes_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
