/* cnv-smtp.c — message submission (RFC 6409) with libcurl, in a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The public API (cnv-smtp.h): serializing a message for the wire, checking the arguments before
 * any connection, and the GTask worker that sets libcurl up and runs the session. libcurl speaks
 * the protocol (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA with dot-stuffing) but reports only the
 * last reply code; what an outbox needs — which recipient was refused, with which code and words —
 * is read from libcurl's protocol trace by cnv-smtp-reply.c, which also classifies the errors.
 *
 * The worker thread touches only its own copies (server, secret, addresses, message bytes): gmime
 * is not thread-safe, so the message is serialized in the caller's thread.
 */
#define G_LOG_DOMAIN "cnv-smtp"

#include "config.h"

#include <string.h>

#include "cnv-smtp-private.h"

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

G_DEFINE_QUARK (cnv-smtp-error-quark, cnv_smtp_error)

static void
wipe_secret (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static void
submission_free (CnvSmtpSubmission *self)
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
  cnv_smtp_reply_free (self->failure);
  cnv_smtp_reply_free (self->final_reply);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvSmtpSubmission, submission_free)

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

/* The worker thread */

static size_t
read_cb (char   *buffer,
         size_t  size,
         size_t  nitems,
         void   *user_data)
{
  CnvSmtpSubmission *self = user_data;
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

/* Kept connections (CnvMailServer:keep_alive) live in libcurl connection caches, one per server
 * description (host, port, security, mechanism, user, CA file, EHLO name): libcurl 7.88 compares
 * only host, port, user and password before it reuses an smtp:// connection, so a connection made
 * with other TLS settings must never be in the same cache. libcurl cannot share a connection cache
 * between threads that run at the same time (a known bug of CURL_LOCK_DATA_CONNECT): submissions
 * with keep_alive run one at a time, under keep_alive_lock (an outbox sends one mail at a time
 * anyway). The locks libcurl asks for are then never contended, but it still calls them. */
#define KEPT_CONNECTION_MAX_AGE_S 50

static GMutex keep_alive_lock;
static GHashTable *kept_shares;     /* description → CURLSH*, under keep_alive_lock */
static GMutex share_locks[CURL_LOCK_DATA_LAST];

static void
share_lock (CURL              *handle,
            curl_lock_data     data,
            curl_lock_access   access,
            void              *user_data)
{
  g_mutex_lock (&share_locks[data]);
}

static void
share_unlock (CURL           *handle,
              curl_lock_data  data,
              void           *user_data)
{
  g_mutex_unlock (&share_locks[data]);
}

/* The connection cache for @server; called with keep_alive_lock held. */
static CURLSH *
get_share (const CnvMailServer *server)
{
  g_autofree char *key = g_strdup_printf ("%s\n%u\n%d\n%d\n%s\n%s\n%s", server->host,
                                          cnv_mail_server_get_smtp_port (server),
                                          (int) server->security, (int) server->auth,
                                          server->user != NULL ? server->user : "",
                                          server->ca_file != NULL ? server->ca_file : "",
                                          server->helo_name != NULL ? server->helo_name : "");
  CURLSH *share;

  if (kept_shares == NULL)
    kept_shares = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  share = g_hash_table_lookup (kept_shares, key);
  if (share != NULL)
    return share;

  share = curl_share_init ();
  if (share == NULL)
    return NULL;
  if (curl_share_setopt (share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
      curl_share_setopt (share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
      curl_share_setopt (share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK)
    {
      curl_share_cleanup (share);
      return NULL;
    }
  g_hash_table_insert (kept_shares, g_steal_pointer (&key), share);
  return share;
}

static CURLcode
set_options (CnvSmtpSubmission  *self,
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
  /* A check keeps its connection after curl_easy_perform() for end_check(); its handle is
   * cleaned up right after, so nothing reuses that connection. */
  if (self->share != NULL)
    {
      SET (CURLOPT_SHARE, self->share);
      SET (CURLOPT_FORBID_REUSE, 0L);
      /* A server drops idle clients (Postfix after 300 s): an older connection is not tried. */
      SET (CURLOPT_MAXAGE_CONN, (long) KEPT_CONNECTION_MAX_AGE_S);
    }
  else if (self->message != NULL)
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

  if (self->message != NULL)
    {
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
    }
  else
    {
      /* A check (cnv_smtp_check_async()): for SMTP, libcurl's connect phase is the whole
       * session set-up — greeting, EHLO, STARTTLS and the second EHLO, AUTH (lib/smtp.c,
       * smtp_connect) — and CONNECT_ONLY stops right after it, before any MAIL FROM; end_check()
       * says QUIT. */
      SET (CURLOPT_CONNECT_ONLY, 1L);
    }

  SET (CURLOPT_CONNECTTIMEOUT, (long) CONNECT_TIMEOUT_S);
  SET (CURLOPT_SERVER_RESPONSE_TIMEOUT, (long) RESPONSE_TIMEOUT_S);
  SET (CURLOPT_LOW_SPEED_LIMIT, 1L);
  SET (CURLOPT_LOW_SPEED_TIME, (long) LOW_SPEED_TIME_S);

  SET (CURLOPT_NOPROGRESS, 0L);
  SET (CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
  SET (CURLOPT_XFERINFODATA, cancellable);

  /* The debug function sees the protocol only in verbose mode; it replaces the printing. */
  SET (CURLOPT_DEBUGFUNCTION, cnv_smtp_debug_cb);
  SET (CURLOPT_DEBUGDATA, self);
  SET (CURLOPT_VERBOSE, 1L);

#undef SET
  return code;
}

/* A check stops after the login, and libcurl 7.88 closes a CONNECT_ONLY connection without a
 * word (it is kept until curl_easy_cleanup() for curl_easy_send(), hence no FORBID_REUSE for a
 * check). RFC 5321 §4.1.1.10: the session ends with QUIT, sent here on the established (TLS)
 * connection. The 221 is not waited for: the check is already decided. */
static void
end_check (CnvSmtpSubmission *self,
           CURL              *curl)
{
  static const char quit[] = "QUIT\r\n";
  size_t sent = 0;

  if (curl_easy_send (curl, quit, strlen (quit), &sent) == CURLE_OK && sent == strlen (quit)
      && self->trace)
    g_debug ("C: QUIT");
}

static CnvSmtpResult *
submission_run (CnvSmtpSubmission  *self,
                GCancellable       *cancellable,
                GError            **error)
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

  if (self->server->keep_alive)
    {
      g_mutex_lock (&keep_alive_lock);
      self->share = get_share (self->server);
    }
  code = set_options (self, curl, recipients, cancellable);
  if (code != CURLE_OK)
    g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID, "%s: libcurl refused an option: %s",
                 self->label, curl_easy_strerror (code));
  else
    {
      if (self->message != NULL)
        g_debug ("Submitting %" G_GSIZE_FORMAT " bytes to %u recipients through %s",
                 g_bytes_get_size (self->message), g_strv_length (self->recipients), self->url);
      else
        g_debug ("Checking the login at %s", self->url);
      code = curl_easy_perform (curl);
      if (code == CURLE_OK && self->message == NULL)
        end_check (self, curl);
      if (code == CURLE_OK)
        result = cnv_smtp_result_from_replies (self);
      else
        g_propagate_error (error, cnv_smtp_error_from_curl (self, cancellable, code));
    }

  curl_easy_cleanup (curl);
  if (self->server->keep_alive)
    {
      self->share = NULL;
      g_mutex_unlock (&keep_alive_lock);
    }
  curl_slist_free_all (recipients);
  return result;
}

static void
submit_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  CnvSmtpSubmission *self = task_data;
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

/* What a submission and a check both need: names that fit in the URL and the EHLO command, and
 * no password sent in clear over the network. */
static gboolean
check_server (const CnvMailServer  *server,
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
  if (server->user != NULL && !cnv_mail_server_may_send_secret (server))
    {
      /* Not worth retrying: the configuration must change (TLS or STARTTLS). */
      g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TLS,
                   "Not sending the password for %s unencrypted over the network: use TLS or "
                   "STARTTLS", server->host);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_arguments (const CnvMailServer  *server,
                 const char           *envelope_from,
                 const char * const   *recipients,
                 GBytes               *message,
                 GError              **error)
{
  if (!check_server (server, error))
    return FALSE;
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

/* The worker's state for @server, or NULL (with @error) when no URL can be made of it. */
static CnvSmtpSubmission *
submission_new (const CnvMailServer  *server,
                const char           *secret,
                GError              **error)
{
  g_autoptr(CnvSmtpSubmission) self = g_new0 (CnvSmtpSubmission, 1);

  self->server = cnv_mail_server_copy (server);
  self->label = g_strdup_printf ("%s:%u", server->host, cnv_mail_server_get_smtp_port (server));
  self->url = build_url (server);
  if (self->url == NULL)
    {
      g_set_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID,
                   "%s: cannot make an SMTP URL of it", self->label);
      return NULL;
    }
  if (server->user != NULL)
    self->secret = g_strdup (secret);
  self->line_in = g_string_new (NULL);
  self->line_out = g_string_new (NULL);
  self->pending = g_string_new (NULL);
  self->rcpt_replies = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_smtp_reply_free);
  self->step = CNV_SMTP_STEP_GREETING;
  self->trace = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
  return g_steal_pointer (&self);
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
  g_autoptr(CnvSmtpSubmission) self = NULL;
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
  /* The caller records the server's answer (an outbox marks the mail sent): the answer should not
   * wait behind other work of the main loop, for a crash in between means a second copy. */
  g_task_set_priority (task, G_PRIORITY_HIGH);

  if (!check_arguments (server, envelope_from, recipients, message, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self = submission_new (server, secret, &error);
  if (self == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->envelope_from = g_strdup (envelope_from);
  self->recipients = g_strdupv ((char **) recipients);
  self->message = normalize_line_ends (message);

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

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CnvSmtpSubmission *self = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  result = submission_run (self, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * cnv_smtp_check_async:
 * @server: the submission server; its @user, when set, authenticates with @server->auth
 * @secret: (nullable): the password, or the OAuth 2.0 access token for %CNV_MAIL_AUTH_XOAUTH2;
 *   copied, and the copy wiped when the check ends
 * @cancellable: (nullable): cancels the check
 * @callback: called in the thread-default main context of the caller
 * @user_data: for @callback
 *
 * Sets a session up the way a submission would — greeting, EHLO, STARTTLS when asked for, TLS
 * with the certificate verified, AUTH — and ends it with QUIT, without sending any mail: what
 * "Test connection" needs. It never keeps the connection (@server->keep_alive is ignored). The
 * errors are those of cnv_smtp_submit_async(): a refused login is %CNV_SMTP_ERROR_AUTH, a
 * certificate that does not verify %CNV_SMTP_ERROR_TLS, an unreachable server
 * %CNV_SMTP_ERROR_TRANSIENT.
 */
void
cnv_smtp_check_async (const CnvMailServer *server,
                      const char          *secret,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(CnvSmtpSubmission) self = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (server != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_smtp_check_async);
  g_task_set_name (task, "cnv_smtp_check");

  if (!check_server (server, &error) || (self = submission_new (server, secret, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* No message (the worker's sign of a check), no recipients, and never a kept connection: a
   * check's session must not be reused for a submission. */
  self->server->keep_alive = FALSE;
  self->envelope_from = g_strdup ("");
  self->recipients = g_new0 (char *, 1);

  g_task_set_task_data (task, g_steal_pointer (&self), (GDestroyNotify) submission_free);
  g_task_run_in_thread (task, check_thread);
}

/**
 * cnv_smtp_check_finish:
 * @result: the result given to the callback
 * @error: a #CNV_SMTP_ERROR or %G_IO_ERROR_CANCELLED
 *
 * Returns: %TRUE when the server accepted the connection and the login
 */
gboolean
cnv_smtp_check_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cnv_smtp_check_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
