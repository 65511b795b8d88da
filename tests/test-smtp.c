/* test-smtp.c — SMTP submission with libcurl: against a scripted SMTP server in this program for
 * what real servers will not do on demand (4yz, stalls, no STARTTLS), and against the real mail
 * stack (Dovecot submission and Postfix) for everything else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cnv-engine.h"
#include "cnv-smtp.h"
#include "mailstack-fixture.h"

/* Whether this program turned debug messages on itself (to check them) rather than the person
 * running it. */
static gboolean debug_forced;
/* Secrets of the running test: no log message may contain one. */
static GPtrArray *secrets;
/* The cnv-smtp debug messages, for the tests of the trace. */
static GPtrArray *trace;
static GMutex log_lock;

static GLogWriterOutput
checking_log_writer (GLogLevelFlags   log_level,
                     const GLogField *fields,
                     gsize            n_fields,
                     gpointer         user_data)
{
  const char *domain = NULL;
  g_autofree char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (strcmp (fields[i].key, "MESSAGE") == 0 && fields[i].value != NULL)
        message = fields[i].length >= 0 ? g_strndup (fields[i].value, fields[i].length)
                                        : g_strdup (fields[i].value);
    }

  if (message != NULL)
    {
      gboolean leaked = FALSE;

      g_mutex_lock (&log_lock);
      for (guint i = 0; secrets != NULL && i < secrets->len; i++)
        leaked |= strstr (message, g_ptr_array_index (secrets, i)) != NULL;
      if (trace != NULL && g_strcmp0 (domain, "cnv-smtp") == 0)
        g_ptr_array_add (trace, g_strdup (message));
      g_mutex_unlock (&log_lock);
      /* Not the message itself: it holds the secret. */
      if (leaked)
        g_error ("A log message holds a secret");
    }

  if (debug_forced && (log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* A secret, and the forms in which it could leak: SASL PLAIN and LOGIN send it in base64. */
static void
forbid_secret (const char *user,
               const char *secret)
{
  g_autoptr(GString) plain = g_string_new (NULL);

  g_mutex_lock (&log_lock);
  g_ptr_array_add (secrets, g_strdup (secret));
  g_ptr_array_add (secrets, g_base64_encode ((const guchar *) secret, strlen (secret)));
  if (user != NULL)
    {
      g_string_append_c (plain, '\0');
      g_string_append (plain, user);
      g_string_append_c (plain, '\0');
      g_string_append (plain, secret);
      g_ptr_array_add (secrets, g_base64_encode ((const guchar *) plain->str, plain->len));
    }
  g_mutex_unlock (&log_lock);
}

static void
trace_start (void)
{
  g_mutex_lock (&log_lock);
  g_clear_pointer (&trace, g_ptr_array_unref);
  trace = g_ptr_array_new_with_free_func (g_free);
  g_mutex_unlock (&log_lock);
}

static char *
trace_stop (void)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_mutex_lock (&log_lock);
  for (guint i = 0; trace != NULL && i < trace->len; i++)
    g_string_append_printf (text, "%s\n", (char *) g_ptr_array_index (trace, i));
  g_clear_pointer (&trace, g_ptr_array_unref);
  g_mutex_unlock (&log_lock);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ---- messages and submissions ---- */

static GMimeMessage *
make_message (const char *subject,
              const char *body)
{
  GMimeMessage *message = g_mime_message_new (TRUE);
  g_autoptr(GMimeTextPart) part = g_mime_text_part_new_with_subtype ("plain");
  g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 12, 1, 14, 0, 0);
  g_autofree char *id = g_strdup_printf ("test-smtp-%" G_GINT64_FORMAT "-%u@example.test",
                                         g_get_real_time (), g_random_int ());

  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, "Alice", "alice@example.test");
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, "Bob", "bob@example.test");
  g_mime_message_set_subject (message, subject, "utf-8");
  g_mime_message_set_date (message, date);
  g_mime_message_set_message_id (message, id);
  g_mime_text_part_set_text (part, body);
  g_mime_part_set_content_encoding (GMIME_PART (part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_message_set_mime_part (message, GMIME_OBJECT (part));
  return message;
}

static void
result_ready_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static CnvSmtpResult *
submit (const CnvMailServer  *server,
        const char           *secret,
        const char           *envelope_from,
        const char * const   *recipients,
        GMimeMessage         *message,
        GCancellable         *cancellable,
        GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cnv_smtp_submit_async (server, secret, envelope_from, recipients, message, cancellable,
                         result_ready_cb, &result);
  /* The callback never runs before the function returns. */
  g_assert_null (result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return cnv_smtp_submit_finish (result, error);
}

static const CnvSmtpRecipientFailure *
find_rejected (const CnvSmtpResult *result,
               const char          *address)
{
  for (guint i = 0; i < result->rejected->len; i++)
    {
      const CnvSmtpRecipientFailure *failure = g_ptr_array_index (result->rejected, i);

      if (g_strcmp0 (failure->address, address) == 0)
        return failure;
    }
  return NULL;
}

/* A port nothing listens on: bound, then closed. */
static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint16 port;

  g_assert_true (g_socket_bind (socket, address, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  return port;
}

/* ---- a scripted SMTP server ----
 *
 * Serves one connection in a thread of its own with blocking sockets, each wait bounded. Replies
 * come from a table keyed by "GREETING", "EHLO", "AUTH", "MAIL", "RCPT address", "DATA",
 * "END" (the reply to the message) and "QUIT"; a reply of several lines is written with "\n"
 * between them. At the key `stall_at` it answers nothing more, cancels `stall_cancellable` (so
 * that the test cancels exactly while the client waits) and waits for the client to close. */

#define SERVER_TIMEOUT_S 15

typedef struct
{
  GSocket      *listener;
  guint16       port;
  GThread      *thread;
  GHashTable   *replies;
  char         *stall_at;
  GCancellable *stall_cancellable;
  gint64        stalled_at;
  /* Filled by the thread; read after smtp_server_join() */
  GPtrArray    *received;
  GString      *data;
  GError       *error;
} SmtpServer;

static const char *
smtp_server_reply (SmtpServer *self,
                   const char *key)
{
  static const struct { const char *key; const char *reply; } defaults[] = {
    { "GREETING", "220 localhost ESMTP test" },
    { "EHLO", "250-localhost\n250-AUTH PLAIN LOGIN\n250-SIZE 1000000\n250 8BITMIME" },
    { "AUTH", "235 2.7.0 Authentication successful" },
    { "MAIL", "250 2.1.0 Ok" },
    { "DATA", "354 End data with <CR><LF>.<CR><LF>" },
    { "END", "250 2.0.0 Ok: queued as TEST1" },
    { "QUIT", "221 2.0.0 Bye" },
  };
  const char *reply = g_hash_table_lookup (self->replies, key);

  if (reply != NULL)
    return reply;
  if (g_str_has_prefix (key, "RCPT "))
    return "250 2.1.5 Ok";
  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
    if (strcmp (defaults[i].key, key) == 0)
      return defaults[i].reply;
  return "502 5.5.2 Error: command not recognized";
}

static gboolean
smtp_server_send (SmtpServer     *self,
                  GOutputStream  *out,
                  const char     *key,
                  GError        **error)
{
  g_auto(GStrv) lines = NULL;

  if (g_strcmp0 (key, self->stall_at) == 0)
    {
      self->stalled_at = g_get_monotonic_time ();
      if (self->stall_cancellable != NULL)
        g_cancellable_cancel (self->stall_cancellable);
      return FALSE;
    }
  lines = g_strsplit (smtp_server_reply (self, key), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strconcat (lines[i], "\r\n", NULL);

      if (!g_output_stream_write_all (out, line, strlen (line), NULL, NULL, error))
        return FALSE;
    }
  return TRUE;
}

/* One line without its LF, with its CR if any (so the caller sees what was sent). */
static char *
smtp_server_read_line (GDataInputStream  *in,
                       GError           **error)
{
  return g_data_input_stream_read_line (in, NULL, NULL, error);
}

static void
smtp_server_session (SmtpServer        *self,
                     GDataInputStream  *in,
                     GOutputStream     *out,
                     GError           **error)
{
  if (!smtp_server_send (self, out, "GREETING", error))
    return;

  while (TRUE)
    {
      g_autofree char *raw = smtp_server_read_line (in, error);
      g_autofree char *line = NULL;
      g_autofree char *verb = NULL;
      const char *key;
      g_autofree char *rcpt_key = NULL;

      if (raw == NULL)
        return;
      g_assert_true (g_str_has_suffix (raw, "\r"));
      line = g_strndup (raw, strlen (raw) - 1);
      g_ptr_array_add (self->received, g_strdup (line));
      verb = g_ascii_strup (line, strcspn (line, " :"));

      if (strcmp (verb, "EHLO") == 0 || strcmp (verb, "HELO") == 0)
        key = "EHLO";
      else if (strcmp (verb, "AUTH") == 0)
        {
          g_auto(GStrv) words = g_strsplit (line, " ", -1);

          /* RFC 4954 §4: LOGIN asks for the password after the user name (the initial
           * response), PLAIN without an initial response asks for it. */
          if (g_strv_length (words) < 3 || g_ascii_strcasecmp (words[1], "LOGIN") == 0)
            {
              g_autofree char *response = NULL;
              const char *challenge = g_strv_length (words) < 3 ? "334 \r\n"
                                                                 : "334 UGFzc3dvcmQ6\r\n";

              if (!g_output_stream_write_all (out, challenge, strlen (challenge), NULL, NULL,
                                              error))
                return;
              response = smtp_server_read_line (in, error);
              if (response == NULL)
                return;
              g_strchomp (response);
              g_ptr_array_add (self->received, g_strdup (response));
            }
          key = "AUTH";
        }
      else if (strcmp (verb, "MAIL") == 0)
        key = "MAIL";
      else if (strcmp (verb, "RCPT") == 0)
        {
          const char *start = strchr (line, '<');
          const char *end = start != NULL ? strchr (start, '>') : NULL;

          rcpt_key = g_strdup_printf ("RCPT %.*s", end != NULL ? (int) (end - start - 1) : 0,
                                      start != NULL ? start + 1 : "");
          key = rcpt_key;
        }
      else if (strcmp (verb, "DATA") == 0)
        {
          if (!smtp_server_send (self, out, "DATA", error))
            return;
          if (!g_str_has_prefix (smtp_server_reply (self, "DATA"), "354"))
            continue;
          /* RFC 5321 §4.1.1.4: up to the line that is a single ".". */
          while (TRUE)
            {
              g_autofree char *data_line = smtp_server_read_line (in, error);

              if (data_line == NULL)
                return;
              if (strcmp (data_line, ".\r") == 0)
                break;
              g_string_append (self->data, data_line);
              g_string_append_c (self->data, '\n');
            }
          key = "END";
        }
      else if (strcmp (verb, "QUIT") == 0)
        {
          smtp_server_send (self, out, "QUIT", error);
          return;
        }
      else
        key = "UNKNOWN";

      if (!smtp_server_send (self, out, key, error))
        return;
    }
}

static gpointer
smtp_server_thread (gpointer data)
{
  SmtpServer *self = data;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_accept (self->listener, NULL, &error);
  if (socket == NULL)
    {
      self->error = g_steal_pointer (&error);
      return NULL;
    }
  g_socket_set_timeout (socket, SERVER_TIMEOUT_S);
  connection = g_socket_connection_factory_create_connection (socket);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  smtp_server_session (self, in,
                       g_io_stream_get_output_stream (G_IO_STREAM (connection)), &error);

  /* After a stall, the client is expected to close: wait for it. */
  if (self->stalled_at != 0 && error == NULL)
    {
      char buffer[256];

      while (g_socket_receive (socket, buffer, sizeof buffer, NULL, &error) > 0)
        ;
    }
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  if (error != NULL && self->stalled_at == 0)
    self->error = g_steal_pointer (&error);
  return NULL;
}

static SmtpServer *
smtp_server_new (void)
{
  SmtpServer *self = g_new0 (SmtpServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  self->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (self->listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (self->listener, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (self->listener, SERVER_TIMEOUT_S);
  bound = g_socket_get_local_address (self->listener, &error);
  g_assert_no_error (error);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->replies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->received = g_ptr_array_new_with_free_func (g_free);
  self->data = g_string_new (NULL);
  return self;
}

static void
smtp_server_set_reply (SmtpServer *self,
                       const char *key,
                       const char *reply)
{
  g_hash_table_replace (self->replies, g_strdup (key), g_strdup (reply));
}

static void
smtp_server_start (SmtpServer *self)
{
  self->thread = g_thread_new ("smtp-server", smtp_server_thread, self);
}

static void
smtp_server_join (SmtpServer *self)
{
  g_clear_pointer (&self->thread, g_thread_join);
}

static void
smtp_server_free (SmtpServer *self)
{
  smtp_server_join (self);
  g_socket_close (self->listener, NULL);
  g_object_unref (self->listener);
  g_hash_table_unref (self->replies);
  g_free (self->stall_at);
  g_clear_object (&self->stall_cancellable);
  g_ptr_array_unref (self->received);
  g_string_free (self->data, TRUE);
  g_clear_error (&self->error);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SmtpServer, smtp_server_free)

static gboolean
received_has (SmtpServer *self,
              const char *line)
{
  for (guint i = 0; i < self->received->len; i++)
    if (strcmp (g_ptr_array_index (self->received, i), line) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
received_has_prefix (SmtpServer *self,
                     const char *prefix)
{
  for (guint i = 0; i < self->received->len; i++)
    if (g_ascii_strncasecmp (g_ptr_array_index (self->received, i), prefix, strlen (prefix)) == 0)
      return TRUE;
  return FALSE;
}

static CnvMailServer *
local_server (SmtpServer *smtp)
{
  return cnv_mail_server_new ("127.0.0.1", smtp->port, CNV_MAIL_SECURITY_NONE);
}

/* ---- tests without a server ---- */

static void
test_invalid_arguments (void)
{
  static const char * const bad[] = {
    "bob@example.test\r\nRCPT TO:<eve@evil.test>", "bob@example.test\n", "bob\r@example.test",
    "<bob@example.test>", "bob@example.test> NOTIFY=NEVER", "bob @example.test", "bob",
    "@example.test", "bob@", "", "bob@example.test\t", "b\x01ob@example.test",
    "bob\x7f@example.test", "\xff\xfe@example.test",
  };
  g_autoptr(CnvMailServer) server = cnv_mail_server_new ("127.0.0.1", closed_port (),
                                                         CNV_MAIL_SECURITY_NONE);
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");

  /* Each is refused before any connection: connecting to the closed port would be TRANSIENT. */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char * const recipients[] = { "carol@example.test", bad[i], NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = NULL;
      g_autofree char *shown = g_strescape (bad[i], NULL);

      g_test_message ("recipient %s", shown);
      result = submit (server, NULL, "alice@example.test", recipients, message, NULL, &error);
      g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID);
      g_assert_null (result);
      /* The message shows the address escaped: no raw CR or LF in a log line. */
      g_assert_null (strpbrk (error->message, "\r\n"));
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char * const recipients[] = { "carol@example.test", NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = NULL;

      if (*bad[i] == '\0')
        continue;
      result = submit (server, NULL, bad[i], recipients, message, NULL, &error);
      g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID);
      g_assert_null (result);
    }

  {
    const char * const none[] = { NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(CnvSmtpResult) result = NULL;

    result = submit (server, NULL, "alice@example.test", none, message, NULL, &error);
    g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID);
  }

  {
    const char * const recipients[] = { "carol@example.test", NULL };
    g_autoptr(CnvMailServer) bad_host = cnv_mail_server_new ("evil.test/x?", 25,
                                                             CNV_MAIL_SECURITY_NONE);
    g_autoptr(CnvMailServer) bad_helo = cnv_mail_server_copy (server);
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) helo_error = NULL;
    g_autoptr(CnvSmtpResult) result = NULL;
    g_autoptr(CnvSmtpResult) helo_result = NULL;

    result = submit (bad_host, NULL, "alice@example.test", recipients, message, NULL, &error);
    g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID);
    bad_helo->helo_name = g_strdup ("client.example\r\nMAIL FROM:<x@y>");
    helo_result = submit (bad_helo, NULL, "alice@example.test", recipients, message, NULL,
                          &helo_error);
    g_assert_error (helo_error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID);
  }
}

static void
test_connection_refused (void)
{
  const char * const recipients[] = { "bob@example.test", NULL };
  g_autoptr(CnvMailServer) server = cnv_mail_server_new ("127.0.0.1", closed_port (),
                                                         CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  result = submit (server, "secret", "alice@example.test", recipients, message, NULL, &error);
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TRANSIENT);
  g_assert_null (result);
  g_test_message ("%s", error->message);
}

static void
test_message_to_bytes (void)
{
  g_autoptr(GMimeMessage) message = make_message ("Réunion — café ☕ à 14 h",
                                                  "Line one\nLine two\r\n.\nBare\rCR\n");
  g_autoptr(GBytes) bytes = cnv_smtp_message_to_bytes (message);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_assert_cmpuint (len, >, 0);
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == '\n')
        g_assert_true (i > 0 && data[i - 1] == '\r');
      if (data[i] == '\r')
        g_assert_true (i + 1 < len && data[i + 1] == '\n');
      /* Headers and the quoted-printable body are 7-bit: the subject is encoded. */
      g_assert_cmpint ((guchar) data[i], <, 0x80);
    }
  g_assert_nonnull (g_strstr_len (data, len, "\r\nSubject: =?UTF-8?B?"));
}

/* ---- tests against the scripted server ---- */

static void
test_lines_rcpt_transient (void)
{
  const char * const recipients[] = { "bob@example.test", "carol@example.test",
                                      "dave@example.test", NULL };
  g_autoptr(SmtpServer) smtp = smtp_server_new ();
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
  g_autoptr(GBytes) bytes = cnv_smtp_message_to_bytes (message);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  const CnvSmtpRecipientFailure *carol, *dave;

  smtp_server_set_reply (smtp, "RCPT carol@example.test",
                         "451-4.3.0 Mailbox temporarily unavailable\n451 4.3.0 Try again later");
  smtp_server_set_reply (smtp, "RCPT dave@example.test", "550 5.1.1 No such user");
  smtp_server_start (smtp);
  result = submit (server, NULL, "alice@example.test", recipients, message, NULL, &error);
  smtp_server_join (smtp);
  g_assert_no_error (smtp->error);
  g_assert_no_error (error);

  g_assert_cmpuint (result->accepted->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (result->accepted, 0), ==, "bob@example.test");
  g_assert_cmpuint (result->rejected->len, ==, 2);
  carol = find_rejected (result, "carol@example.test");
  g_assert_nonnull (carol);
  g_assert_cmpuint (carol->code, ==, 451);
  g_assert_cmpstr (carol->enhanced_code, ==, "4.3.0");
  g_assert_cmpint (carol->kind, ==, CNV_SMTP_ERROR_TRANSIENT);
  g_assert_cmpstr (carol->reply, ==,
                   "451-4.3.0 Mailbox temporarily unavailable\n451 4.3.0 Try again later");
  dave = find_rejected (result, "dave@example.test");
  g_assert_nonnull (dave);
  g_assert_cmpuint (dave->code, ==, 550);
  g_assert_cmpstr (dave->enhanced_code, ==, "5.1.1");
  g_assert_cmpint (dave->kind, ==, CNV_SMTP_ERROR_PERMANENT);
  g_assert_cmpstr (result->final_reply, ==, "250 2.0.0 Ok: queued as TEST1");

  /* The envelope as sent, and the message as it came, CRLF and all (RFC 5321 §4.1.1). */
  g_assert_true (received_has_prefix (smtp, "MAIL FROM:<alice@example.test>"));
  g_assert_true (received_has (smtp, "RCPT TO:<bob@example.test>"));
  g_assert_true (received_has (smtp, "RCPT TO:<carol@example.test>"));
  g_assert_true (received_has (smtp, "EHLO localhost"));
  g_assert_cmpmem (smtp->data->str, smtp->data->len, g_bytes_get_data (bytes, NULL),
                   g_bytes_get_size (bytes));
}

static void
test_lines_all_rejected (void)
{
  const char * const recipients[] = { "bob@example.test", "carol@example.test", NULL };
  struct { const char *bob, *carol; CnvSmtpError kind; } cases[] = {
    { "451 4.3.0 Try again later", "452 4.2.2 Mailbox full", CNV_SMTP_ERROR_TRANSIENT },
    { "550 5.1.1 No such user", "553 5.1.3 Bad address", CNV_SMTP_ERROR_PERMANENT },
    /* One that may succeed later makes the whole submission worth retrying. */
    { "550 5.1.1 No such user", "451 4.3.0 Try again later", CNV_SMTP_ERROR_TRANSIENT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SmtpServer) smtp = smtp_server_new ();
      g_autoptr(CnvMailServer) server = local_server (smtp);
      g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = NULL;

      smtp_server_set_reply (smtp, "RCPT bob@example.test", cases[i].bob);
      smtp_server_set_reply (smtp, "RCPT carol@example.test", cases[i].carol);
      smtp_server_start (smtp);
      result = submit (server, NULL, "alice@example.test", recipients, message, NULL, &error);
      smtp_server_join (smtp);
      g_assert_no_error (smtp->error);
      g_assert_error (error, CNV_SMTP_ERROR, (int) cases[i].kind);
      g_assert_null (result);
      g_test_message ("%s", error->message);
      /* The message names every recipient with the server's words. */
      g_assert_nonnull (strstr (error->message, "bob@example.test"));
      g_assert_nonnull (strstr (error->message, cases[i].bob));
      g_assert_nonnull (strstr (error->message, "carol@example.test"));
      g_assert_nonnull (strstr (error->message, cases[i].carol));
      /* No message was sent. */
      g_assert_false (received_has (smtp, "DATA"));
      g_assert_cmpuint (smtp->data->len, ==, 0);
    }
}

static void
test_lines_refusals (void)
{
  const char * const recipients[] = { "bob@example.test", NULL };
  struct { const char *key, *reply; CnvSmtpError kind; } cases[] = {
    { "GREETING", "421 4.3.2 Service not available", CNV_SMTP_ERROR_TRANSIENT },
    { "GREETING", "554 5.3.2 No SMTP service here", CNV_SMTP_ERROR_PERMANENT },
    { "MAIL", "530 5.7.0 Authentication required", CNV_SMTP_ERROR_AUTH },
    { "MAIL", "451 4.3.0 Temporary failure", CNV_SMTP_ERROR_TRANSIENT },
    { "MAIL", "552 5.3.4 Message size exceeds fixed limit", CNV_SMTP_ERROR_PERMANENT },
    { "DATA", "554 5.5.1 No valid recipients", CNV_SMTP_ERROR_PERMANENT },
    { "DATA", "451 4.3.0 Try later", CNV_SMTP_ERROR_TRANSIENT },
    { "END", "554 5.7.1 Message refused: spam", CNV_SMTP_ERROR_PERMANENT },
    { "END", "452 4.3.1 Insufficient system storage", CNV_SMTP_ERROR_TRANSIENT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SmtpServer) smtp = smtp_server_new ();
      g_autoptr(CnvMailServer) server = local_server (smtp);
      g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = NULL;

      g_test_message ("%s: %s", cases[i].key, cases[i].reply);
      smtp_server_set_reply (smtp, cases[i].key, cases[i].reply);
      smtp_server_start (smtp);
      result = submit (server, NULL, "alice@example.test", recipients, message, NULL, &error);
      smtp_server_join (smtp);
      g_assert_no_error (smtp->error);
      g_assert_error (error, CNV_SMTP_ERROR, (int) cases[i].kind);
      g_assert_null (result);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].reply));
    }
}

static void
test_lines_null_sender (void)
{
  const char * const recipients[] = { "bob@example.test", NULL };
  g_autoptr(SmtpServer) smtp = smtp_server_new ();
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GMimeMessage) message = make_message ("Delivery report", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  server->helo_name = g_strdup ("client.example");
  smtp_server_start (smtp);
  result = submit (server, NULL, "", recipients, message, NULL, &error);
  smtp_server_join (smtp);
  g_assert_no_error (smtp->error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->accepted->len, ==, 1);
  /* RFC 5321 §3.6.3, §4.1.1.2: the null reverse-path. */
  g_assert_true (received_has_prefix (smtp, "MAIL FROM:<>"));
  g_assert_false (received_has_prefix (smtp, "MAIL FROM:<@"));
  g_assert_true (received_has (smtp, "EHLO client.example"));
}

static void
test_lines_dot_stuffing (void)
{
  const char * const recipients[] = { "bob@example.test", NULL };
  g_autoptr(SmtpServer) smtp = smtp_server_new ();
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  g_autoptr(GString) unstuffed = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;

  message = make_message ("Dots", ".\n..\n.leading dot\nend\n.");
  g_mime_part_set_content_encoding (GMIME_PART (g_mime_message_get_mime_part (message)),
                                    GMIME_CONTENT_ENCODING_7BIT);
  bytes = cnv_smtp_message_to_bytes (message);
  smtp_server_start (smtp);
  result = submit (server, NULL, "alice@example.test", recipients, message, NULL, &error);
  smtp_server_join (smtp);
  g_assert_no_error (smtp->error);
  g_assert_no_error (error);

  /* RFC 5321 §4.5.2: every line that starts with "." got one more; the server removes it. */
  g_assert_nonnull (strstr (smtp->data->str, "\r\n..\r\n...\r\n..leading dot\r\n"));
  lines = g_strsplit (smtp->data->str, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i + 1] == NULL)
        {
          g_assert_cmpstr (lines[i], ==, "");
          break;
        }
      g_string_append (unstuffed, lines[i][0] == '.' ? lines[i] + 1 : lines[i]);
      g_string_append (unstuffed, "\r\n");
    }
  g_assert_cmpmem (unstuffed->str, unstuffed->len, g_bytes_get_data (bytes, NULL),
                   g_bytes_get_size (bytes));
}

static void
test_lines_no_starttls (void)
{
  const char * const recipients[] = { "bob@example.test", NULL };
  g_autoptr(SmtpServer) smtp = smtp_server_new ();
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  /* A server (or a man in the middle) that does not offer STARTTLS: no plain-text session. */
  server->security = CNV_MAIL_SECURITY_STARTTLS;
  server->user = g_strdup ("alice@example.test");
  forbid_secret (server->user, "no-starttls-secret");
  smtp_server_start (smtp);
  result = submit (server, "no-starttls-secret", "alice@example.test", recipients, message, NULL,
                   &error);
  smtp_server_join (smtp);
  g_assert_no_error (smtp->error);
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TLS);
  g_test_message ("%s", error->message);
  g_assert_false (received_has_prefix (smtp, "AUTH"));
  g_assert_false (received_has_prefix (smtp, "MAIL"));
}

static void
test_lines_auth_trace (void)
{
  static const CnvMailAuth mechanisms[] = { CNV_MAIL_AUTH_PLAIN, CNV_MAIL_AUTH_LOGIN,
                                            CNV_MAIL_AUTH_AUTO };
  const char * const recipients[] = { "bob@example.test", NULL };
  const char *secret = "Tr4ce-s3cret!";

  forbid_secret ("alice@example.test", secret);
  for (guint i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    {
      g_autoptr(SmtpServer) smtp = smtp_server_new ();
      g_autoptr(CnvMailServer) server = local_server (smtp);
      g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = NULL;
      g_autofree char *text = NULL;
      g_autofree guchar *decoded = NULL;
      const char *response;
      gsize len;

      server->user = g_strdup ("alice@example.test");
      server->auth = mechanisms[i];
      smtp_server_start (smtp);
      trace_start ();
      result = submit (server, secret, "alice@example.test", recipients, message, NULL, &error);
      text = trace_stop ();
      smtp_server_join (smtp);
      g_assert_no_error (smtp->error);
      g_assert_no_error (error);

      /* The server got the credentials... */
      if (mechanisms[i] == CNV_MAIL_AUTH_LOGIN)
        {
          g_assert_true (received_has_prefix (smtp, "AUTH LOGIN "));
          /* The line after AUTH LOGIN <user> is the password. */
          for (guint j = 0; j < smtp->received->len; j++)
            if (g_str_has_prefix (g_ptr_array_index (smtp->received, j), "AUTH LOGIN "))
              {
                response = g_ptr_array_index (smtp->received, j + 1);
                decoded = g_base64_decode (response, &len);
                g_assert_cmpmem (decoded, len, secret, strlen (secret));
              }
          g_assert_nonnull (decoded);
        }
      else
        {
          g_assert_true (received_has_prefix (smtp, "AUTH PLAIN "));
          for (guint j = 0; j < smtp->received->len; j++)
            if (g_str_has_prefix (g_ptr_array_index (smtp->received, j), "AUTH PLAIN "))
              {
                response = (const char *) g_ptr_array_index (smtp->received, j) + 11;
                decoded = g_base64_decode (response, &len);
                g_assert_cmpmem (decoded, len, "\0alice@example.test\0Tr4ce-s3cret!",
                                 1 + 18 + 1 + strlen (secret));
              }
          g_assert_nonnull (decoded);
        }

      /* ...the trace shows the protocol but neither the SASL payloads (the log writer checks
       * every message for the secret and its base64 forms) nor the message. */
      g_test_message ("%s", text);
      g_assert_nonnull (strstr (text, "C: MAIL FROM:<alice@example.test>"));
      g_assert_nonnull (strstr (text, "C: RCPT TO:<bob@example.test>"));
      g_assert_nonnull (strstr (text, "S: 250 2.0.0 Ok: queued as TEST1"));
      g_assert_nonnull (strstr (text, "redacted"));
      g_assert_null (strstr (text, "Subject"));
    }
}

static void
test_lines_xoauth2 (void)
{
  const char * const recipients[] = { "bob@example.test", NULL };
  const char *token = "ya29.t0ken-for-alice";
  const char *expected = "user=alice@example.test\001auth=Bearer ya29.t0ken-for-alice\001\001";
  g_autoptr(SmtpServer) smtp = smtp_server_new ();
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  g_autofree guchar *decoded = NULL;
  gsize len = 0;

  forbid_secret ("alice@example.test", token);
  server->user = g_strdup ("alice@example.test");
  server->auth = CNV_MAIL_AUTH_XOAUTH2;
  smtp_server_set_reply (smtp, "EHLO", "250-localhost\n250 AUTH PLAIN LOGIN XOAUTH2");
  smtp_server_start (smtp);
  result = submit (server, token, "alice@example.test", recipients, message, NULL, &error);
  smtp_server_join (smtp);
  g_assert_no_error (smtp->error);
  g_assert_no_error (error);

  for (guint i = 0; i < smtp->received->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (smtp->received, i), "AUTH XOAUTH2 "))
      decoded = g_base64_decode ((const char *) g_ptr_array_index (smtp->received, i) + 13, &len);
  g_assert_nonnull (decoded);
  g_assert_cmpmem (decoded, len, expected, strlen (expected));
  g_assert_false (received_has_prefix (smtp, "AUTH PLAIN"));
}

static void
test_lines_auth_no_mechanism (void)
{
  const char * const recipients[] = { "bob@example.test", NULL };
  g_autoptr(SmtpServer) smtp = smtp_server_new ();
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  /* Only a mechanism this client does not use for passwords. */
  server->user = g_strdup ("alice@example.test");
  smtp_server_set_reply (smtp, "EHLO", "250-localhost\n250 AUTH CRAM-MD5");
  smtp_server_start (smtp);
  result = submit (server, "secret", "alice@example.test", recipients, message, NULL, &error);
  smtp_server_join (smtp);
  g_assert_no_error (smtp->error);
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_AUTH);
  g_test_message ("%s", error->message);
  g_assert_false (received_has_prefix (smtp, "AUTH"));
  g_assert_false (received_has_prefix (smtp, "MAIL"));
}

static void
test_lines_cancel (void)
{
  static const char * const stalls[] = { "GREETING", "RCPT bob@example.test", "END" };
  const char * const recipients[] = { "bob@example.test", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (stalls); i++)
    {
      g_autoptr(SmtpServer) smtp = smtp_server_new ();
      g_autoptr(CnvMailServer) server = local_server (smtp);
      g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = NULL;
      gint64 waited;

      g_test_message ("stall at %s", stalls[i]);
      smtp->stall_at = g_strdup (stalls[i]);
      smtp->stall_cancellable = g_object_ref (cancellable);
      smtp_server_start (smtp);
      result = submit (server, NULL, "alice@example.test", recipients, message, cancellable,
                       &error);
      waited = g_get_monotonic_time () - smtp->stalled_at;
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_null (result);
      g_test_message ("returned %" G_GINT64_FORMAT " ms after the cancellation", waited / 1000);
      /* libcurl checks the progress callback about once a second while it waits. */
      g_assert_cmpint (waited, <, 3 * G_USEC_PER_SEC);
      smtp_server_join (smtp);
      g_assert_no_error (smtp->error);
    }
}

static void
test_lines_cancelled_before (void)
{
  const char * const recipients[] = { "bob@example.test", NULL };
  g_autoptr(SmtpServer) smtp = smtp_server_new ();
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  g_cancellable_cancel (cancellable);
  result = submit (server, NULL, "alice@example.test", recipients, message, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (result);
}

/* ---- tests against the real mail stack ---- */

/* One stack for the whole program (it takes seconds to start); every test sends messages with
 * their own Message-ID and looks for those, so the tests do not see each other's mail. */
static CnvMailstack *stack;

#define DELIVERY_TIMEOUT_S 30

static CnvMailstack *
get_stack (void)
{
  if (stack == NULL)
    {
      g_autoptr(GError) error = NULL;

      stack = cnv_mailstack_start (&error);
      g_assert_no_error (error);
      g_assert_nonnull (stack);
    }
  return stack;
}

static char *
address_of (const char *user)
{
  return g_strdup_printf ("%s@%s", user, get_stack ()->domain);
}

static char *
password_of (const char *user)
{
  g_autofree char *address = address_of (user);
  char *password = cnv_mailstack_get_password (get_stack (), user);

  g_assert_nonnull (password);
  forbid_secret (address, password);
  return password;
}

/* Dovecot submission: STARTTLS, AUTH as @user, certificates verified against the stack's CA. */
static CnvMailServer *
submission_server (const char *user)
{
  CnvMailstack *ms = get_stack ();
  CnvMailServer *server = cnv_mail_server_new (ms->host, ms->submission_port,
                                               CNV_MAIL_SECURITY_STARTTLS);

  server->user = address_of (user);
  server->ca_file = g_strdup (ms->ca_file);
  server->helo_name = g_strdup ("client.example");
  return server;
}

static char *
maildir_of (const char *user)
{
  CnvMailstack *ms = get_stack ();

  return g_build_filename (ms->dir, "mail", ms->domain, user, "Maildir", NULL);
}

/* The delivered file of the message with @message_id in @user's INBOX, or NULL. */
static char *
read_delivered (const char *user,
                const char *message_id)
{
  static const char * const subdirs[] = { "new", "cur" };
  g_autofree char *maildir = maildir_of (user);
  g_autofree char *needle = g_strdup_printf ("<%s>", message_id);

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (maildir, subdirs[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *file = g_build_filename (path, name, NULL);
          g_autofree char *contents = NULL;

          if (g_file_get_contents (file, &contents, NULL, NULL) && strstr (contents, needle) != NULL)
            return g_steal_pointer (&contents);
        }
    }
  return NULL;
}

/* Postfix delivers in the background, by LMTP: wait for the file. */
static char *
wait_delivered (const char *user,
                const char *message_id)
{
  gint64 deadline = g_get_monotonic_time () + DELIVERY_TIMEOUT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      char *contents = read_delivered (user, message_id);

      if (contents != NULL)
        return contents;
      g_usleep (G_USEC_PER_SEC / 20);
    }
  return NULL;
}

/* A message that was refused never arrives: send a marker after it through the same path and
 * wait for that; then the refused one must not be there either. */
static void
assert_not_delivered (const char *user,
                      const char *message_id)
{
  g_autofree char *recipient = address_of (user);
  g_autofree char *sender = address_of ("alice");
  g_autofree char *secret = password_of ("alice");
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(GMimeMessage) marker = make_message ("Marker", "After a refused message.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  g_autofree char *delivered = NULL;
  g_autofree char *refused = NULL;
  const char * const recipients[] = { recipient, NULL };

  result = submit (server, secret, sender, recipients, marker, NULL, &error);
  g_assert_no_error (error);
  delivered = wait_delivered (user, g_mime_message_get_message_id (marker));
  g_assert_nonnull (delivered);
  refused = read_delivered (user, message_id);
  g_assert_null (refused);
}

/* The delivered file is the trace fields the servers prepended (RFC 5321 §4.4: Return-Path,
 * Received) followed by the message exactly as sent, with Dovecot's LF line ends. */
static void
assert_delivered_exactly (const char *delivered,
                          GBytes     *sent)
{
  g_autoptr(GString) expected = g_string_new (NULL);
  gsize len;
  const char *data = g_bytes_get_data (sent, &len);
  g_autofree char *prefix = NULL;
  g_auto(GStrv) trace_lines = NULL;

  for (gsize i = 0; i < len; i++)
    if (!(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n'))
      g_string_append_c (expected, data[i]);

  g_assert_true (g_str_has_suffix (delivered, expected->str));
  prefix = g_strndup (delivered, strlen (delivered) - expected->len);
  g_assert_cmpstr (prefix, !=, "");
  trace_lines = g_strsplit (prefix, "\n", -1);
  for (guint i = 0; trace_lines[i] != NULL; i++)
    {
      const char *line = trace_lines[i];

      if (*line == '\0' && trace_lines[i + 1] == NULL)
        break;
      g_assert_true (g_str_has_prefix (line, "Return-Path: ") || g_str_has_prefix (line, "Received: ")
                     || g_str_has_prefix (line, "Delivered-To: ") || *line == ' ' || *line == '\t');
    }
}

static void
test_stack_starttls (void)
{
  g_autofree char *sender = address_of ("alice");
  g_autofree char *bob = address_of ("bob");
  g_autofree char *carol = address_of ("carol");
  g_autofree char *dave = address_of ("dave");
  const char * const recipients[] = { bob, carol, dave, NULL };
  static const char * const users[] = { "bob", "carol", "dave" };
  g_autofree char *secret = password_of ("alice");
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(GMimeMessage) message = make_message ("Three recipients", "Hello all.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  guint before[G_N_ELEMENTS (users)];

  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    before[i] = cnv_mailstack_count_messages (stack, users[i], "INBOX");

  result = submit (server, secret, sender, recipients, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->accepted->len, ==, 3);
  g_assert_cmpuint (result->rejected->len, ==, 0);
  g_assert_cmpstr (g_ptr_array_index (result->accepted, 0), ==, bob);
  g_assert_cmpstr (g_ptr_array_index (result->accepted, 1), ==, carol);
  g_assert_cmpstr (g_ptr_array_index (result->accepted, 2), ==, dave);
  g_assert_true (g_str_has_prefix (result->final_reply, "250 2.0.0 "));

  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    {
      g_autofree char *delivered = wait_delivered (users[i], g_mime_message_get_message_id (message));

      g_assert_nonnull (delivered);
      /* Dovecot submission saw the authenticated TLS session (RFC 3848 "ESMTPSA"). */
      g_assert_nonnull (strstr (delivered, "with ESMTPSA"));
      g_assert_cmpuint (cnv_mailstack_count_messages (stack, users[i], "INBOX"), ==, before[i] + 1);
    }
}

static void
test_stack_exact_bytes (void)
{
  const char *subject = "Réunion « café » — 14 h ☕ naïve Zürich 東京";
  g_autofree char *sender = address_of ("alice");
  g_autofree char *bob = address_of ("bob");
  const char * const recipients[] = { bob, NULL };
  g_autofree char *secret = password_of ("alice");
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  g_autofree char *delivered = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) parsed = NULL;

  message = make_message (subject, "Accents: é à ü ñ.\n.\nA line that starts with a dot.\n"
                                   "A long line: " "0123456789012345678901234567890123456789"
                                   "0123456789012345678901234567890123456789\n");
  bytes = cnv_smtp_message_to_bytes (message);
  result = submit (server, secret, sender, recipients, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->accepted->len, ==, 1);

  delivered = wait_delivered ("bob", g_mime_message_get_message_id (message));
  g_assert_nonnull (delivered);
  assert_delivered_exactly (delivered, bytes);

  /* The subject arrived as RFC 2047 encoded-words, and reads back as written. */
  g_assert_nonnull (strstr (delivered, "\nSubject: =?UTF-8?"));
  stream = g_mime_stream_mem_new_with_buffer (delivered, strlen (delivered));
  parser = g_mime_parser_new_with_stream (stream);
  parsed = g_mime_parser_construct_message (parser, NULL);
  g_assert_nonnull (parsed);
  g_assert_cmpstr (g_mime_message_get_subject (parsed), ==, subject);
}

static void
test_stack_wrong_password (void)
{
  g_autofree char *sender = address_of ("alice");
  g_autofree char *bob = address_of ("bob");
  const char * const recipients[] = { bob, NULL };
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(GMimeMessage) message = make_message ("Wrong password", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  forbid_secret (sender, "not-alices-password");
  result = submit (server, "not-alices-password", sender, recipients, message, NULL, &error);
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_AUTH);
  g_assert_null (result);
  g_test_message ("%s", error->message);
  /* RFC 4954 §6: 535 5.7.8 authentication credentials invalid. */
  g_assert_nonnull (strstr (error->message, "535"));
  assert_not_delivered ("bob", g_mime_message_get_message_id (message));
}

/* A CA that did not sign the server's certificate. */
static char *
make_other_ca (const char *dir)
{
  g_autofree char *key = g_build_filename (dir, "other-ca.key", NULL);
  char *crt = g_build_filename (dir, "other-ca.crt", NULL);
  const char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", crt,
                         "-subj", "/CN=Not the mail stack's CA", "-days", "2",
                         "-addext", "basicConstraints=critical,CA:TRUE", NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  return crt;
}

static void
test_stack_wrong_ca (void)
{
  g_autofree char *sender = address_of ("alice");
  g_autofree char *bob = address_of ("bob");
  const char * const recipients[] = { bob, NULL };
  g_autofree char *secret = password_of ("alice");
  g_autofree char *tmp = g_dir_make_tmp ("test-smtp-ca-XXXXXX", NULL);
  g_autofree char *other_ca = make_other_ca (tmp);
  g_autoptr(GMimeMessage) message = make_message ("Wrong CA", "Hello.\n");
  /* Another CA's file, then the system's store (which does not know the stack's CA). */
  const char *ca_files[] = { other_ca, NULL };

  for (guint i = 0; i < G_N_ELEMENTS (ca_files); i++)
    {
      g_autoptr(CnvMailServer) server = submission_server ("alice");
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = NULL;

      g_free (server->ca_file);
      server->ca_file = g_strdup (ca_files[i]);
      result = submit (server, secret, sender, recipients, message, NULL, &error);
      g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TLS);
      g_assert_null (result);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "certificate"));
    }
  assert_not_delivered ("bob", g_mime_message_get_message_id (message));

  g_remove (other_ca);
  {
    g_autofree char *key = g_build_filename (tmp, "other-ca.key", NULL);

    g_remove (key);
  }
  g_rmdir (tmp);
}

static void
test_stack_unknown_recipient (void)
{
  g_autofree char *sender = address_of ("alice");
  g_autofree char *bob = address_of ("bob");
  g_autofree char *nobody = address_of ("nobody");
  g_autofree char *carol = address_of ("carol");
  const char * const recipients[] = { bob, nobody, carol, NULL };
  g_autofree char *secret = password_of ("alice");
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(GMimeMessage) message = make_message ("One unknown", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  const CnvSmtpRecipientFailure *failure;
  g_autofree char *to_bob = NULL;
  g_autofree char *to_carol = NULL;

  result = submit (server, secret, sender, recipients, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->accepted->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (result->accepted, 0), ==, bob);
  g_assert_cmpstr (g_ptr_array_index (result->accepted, 1), ==, carol);
  g_assert_cmpuint (result->rejected->len, ==, 1);
  failure = g_ptr_array_index (result->rejected, 0);
  g_assert_cmpstr (failure->address, ==, nobody);
  g_assert_cmpuint (failure->code, ==, 550);
  g_assert_cmpstr (failure->enhanced_code, ==, "5.1.1");
  g_assert_cmpint (failure->kind, ==, CNV_SMTP_ERROR_PERMANENT);
  g_test_message ("%s", failure->reply);
  g_assert_true (g_str_has_prefix (failure->reply, "550 5.1.1 "));
  g_assert_nonnull (strstr (failure->reply, nobody));

  to_bob = wait_delivered ("bob", g_mime_message_get_message_id (message));
  g_assert_nonnull (to_bob);
  to_carol = wait_delivered ("carol", g_mime_message_get_message_id (message));
  g_assert_nonnull (to_carol);
}

static void
test_stack_all_unknown (void)
{
  g_autofree char *sender = address_of ("alice");
  g_autofree char *nobody = address_of ("nobody");
  const char * const recipients[] = { nobody, NULL };
  g_autofree char *secret = password_of ("alice");
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(GMimeMessage) message = make_message ("Nobody", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  result = submit (server, secret, sender, recipients, message, NULL, &error);
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_PERMANENT);
  g_assert_null (result);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, nobody));
  g_assert_nonnull (strstr (error->message, "550 5.1.1"));
}

static void
test_stack_null_sender (void)
{
  g_autofree char *bob = address_of ("bob");
  const char * const recipients[] = { bob, NULL };
  g_autofree char *secret = password_of ("alice");
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(GMimeMessage) message = make_message ("Undeliverable: your request",
                                                  "A report (RFC 3464) would go here.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  g_autofree char *delivered = NULL;

  result = submit (server, secret, "", recipients, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->accepted->len, ==, 1);
  delivered = wait_delivered ("bob", g_mime_message_get_message_id (message));
  g_assert_nonnull (delivered);
  /* RFC 5321 §4.4: the delivery records the null reverse-path. */
  g_assert_true (g_str_has_prefix (delivered, "Return-Path: <>\n"));
}

static void
test_stack_plain_mta (void)
{
  g_autofree char *bob = address_of ("bob");
  g_autofree char *sender = address_of ("alice");
  const char * const recipients[] = { bob, NULL };
  g_autoptr(CnvMailServer) server = NULL;
  g_autoptr(GMimeMessage) message = make_message ("Straight to Postfix", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  g_autofree char *delivered = NULL;

  /* Postfix offers no STARTTLS here: required, it is an error... */
  server = cnv_mail_server_new (get_stack ()->host, get_stack ()->smtp_port,
                                CNV_MAIL_SECURITY_STARTTLS);
  server->ca_file = g_strdup (get_stack ()->ca_file);
  result = submit (server, NULL, sender, recipients, message, NULL, &error);
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TLS);
  g_assert_null (result);
  g_clear_error (&error);

  /* ...and without it (loopback only), no authentication, the message arrives. */
  server->security = CNV_MAIL_SECURITY_NONE;
  result = submit (server, NULL, sender, recipients, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->accepted->len, ==, 1);
  delivered = wait_delivered ("bob", g_mime_message_get_message_id (message));
  g_assert_nonnull (delivered);
}

/* The stack has no implicit-TLS submission port (RFC 8314 §3.3, "submissions" on 465), so a
 * TLS relay in this program stands in for one: it terminates TLS with the stack's own server
 * certificate (signed by the stack's CA) and passes the bytes on to Dovecot's submission port,
 * where the client, already inside TLS, does not ask for STARTTLS. */
typedef struct
{
  GSocketService  *service;
  GTlsCertificate *certificate;
  guint16          port;
  guint16          upstream_port;
  guint            active;
  guint            sessions;
} TlsRelay;

static void
relay_spliced_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TlsRelay *self = user_data;
  g_autoptr(GError) error = NULL;

  /* A client that refuses the certificate ends the handshake: that is no relay failure. */
  if (!g_io_stream_splice_finish (result, &error))
    g_test_message ("relay: %s", error->message);
  self->active--;
}

static gboolean
relay_incoming_cb (GSocketService    *service,
                   GSocketConnection *connection,
                   GObject           *source_object,
                   gpointer           user_data)
{
  TlsRelay *self = user_data;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) upstream = NULL;
  g_autoptr(GError) error = NULL;

  tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);
  g_assert_no_error (error);
  g_socket_client_set_enable_proxy (client, FALSE);
  upstream = g_socket_client_connect_to_host (client, "127.0.0.1", self->upstream_port, NULL,
                                              &error);
  g_assert_no_error (error);
  self->active++;
  self->sessions++;
  g_io_stream_splice_async (tls, G_IO_STREAM (upstream),
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, NULL, relay_spliced_cb, self);
  return TRUE;
}

static TlsRelay *
tls_relay_new (guint16 upstream_port)
{
  TlsRelay *self = g_new0 (TlsRelay, 1);
  g_autofree char *cert = g_build_filename (get_stack ()->dir, "tls", "server.crt", NULL);
  g_autofree char *key = g_build_filename (get_stack ()->dir, "tls", "server.key", NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  self->certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  self->upstream_port = upstream_port;
  self->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                 &error);
  g_assert_no_error (error);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (self->service, "incoming", G_CALLBACK (relay_incoming_cb), self);
  g_socket_service_start (self->service);
  return self;
}

static void
tls_relay_free (TlsRelay *self)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  while (self->active > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (self->active, ==, 0);
  g_object_unref (self->service);
  g_object_unref (self->certificate);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TlsRelay, tls_relay_free)

static void
test_stack_implicit_tls (void)
{
  g_autofree char *sender = address_of ("alice");
  g_autofree char *bob = address_of ("bob");
  const char * const recipients[] = { bob, NULL };
  g_autofree char *secret = password_of ("alice");
  g_autoptr(TlsRelay) relay = tls_relay_new (get_stack ()->submission_port);
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(GMimeMessage) message = make_message ("Implicit TLS", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  g_autofree char *delivered = NULL;

  /* Implicit TLS on Dovecot's STARTTLS port: the handshake fails, nothing goes in clear. */
  server->security = CNV_MAIL_SECURITY_TLS;
  result = submit (server, secret, sender, recipients, message, NULL, &error);
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TLS);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* Through the relay, with a CA file that did not sign its certificate: refused. */
  server->port = relay->port;
  g_free (server->ca_file);
  server->ca_file = NULL;
  result = submit (server, secret, sender, recipients, message, NULL, &error);
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TLS);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpuint (relay->sessions, ==, 1);

  /* With the stack's CA: submitted and delivered. */
  server->ca_file = g_strdup (get_stack ()->ca_file);
  trace_start ();
  result = submit (server, secret, sender, recipients, message, NULL, &error);
  g_free (trace_stop ());
  g_assert_no_error (error);
  g_assert_cmpuint (result->accepted->len, ==, 1);
  g_assert_cmpuint (relay->sessions, ==, 2);
  delivered = wait_delivered ("bob", g_mime_message_get_message_id (message));
  g_assert_nonnull (delivered);
  /* Dovecot saw the client authenticate (RFC 3848 "ESMTPA": TLS ended in the relay). */
  g_assert_nonnull (strstr (delivered, "with ESMTPA"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* Debug messages are on, so that the log writer checks them for secrets too and the trace
   * can be read. The test log shows them as TAP comments (the protocol trace of a failing
   * test); the default writer prints them a second time only when G_MESSAGES_DEBUG asks. */
  debug_forced = g_strcmp0 (g_getenv ("G_MESSAGES_DEBUG"), "") <= 0;
  g_log_set_debug_enabled (TRUE);
  secrets = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (checking_log_writer, NULL, NULL);

  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/engine/smtp/invalid-arguments", test_invalid_arguments);
  g_test_add_func ("/engine/smtp/connection-refused", test_connection_refused);
  g_test_add_func ("/engine/smtp/message-to-bytes", test_message_to_bytes);
  g_test_add_func ("/engine/smtp/lines/rcpt-transient", test_lines_rcpt_transient);
  g_test_add_func ("/engine/smtp/lines/all-rejected", test_lines_all_rejected);
  g_test_add_func ("/engine/smtp/lines/refusals", test_lines_refusals);
  g_test_add_func ("/engine/smtp/lines/null-sender", test_lines_null_sender);
  g_test_add_func ("/engine/smtp/lines/dot-stuffing", test_lines_dot_stuffing);
  g_test_add_func ("/engine/smtp/lines/no-starttls", test_lines_no_starttls);
  g_test_add_func ("/engine/smtp/lines/auth-trace", test_lines_auth_trace);
  g_test_add_func ("/engine/smtp/lines/xoauth2", test_lines_xoauth2);
  g_test_add_func ("/engine/smtp/lines/auth-no-mechanism", test_lines_auth_no_mechanism);
  g_test_add_func ("/engine/smtp/lines/cancel", test_lines_cancel);
  g_test_add_func ("/engine/smtp/lines/cancelled-before", test_lines_cancelled_before);

  g_test_add_func ("/engine/smtp/stack/starttls", test_stack_starttls);
  g_test_add_func ("/engine/smtp/stack/exact-bytes", test_stack_exact_bytes);
  g_test_add_func ("/engine/smtp/stack/implicit-tls", test_stack_implicit_tls);
  g_test_add_func ("/engine/smtp/stack/wrong-password", test_stack_wrong_password);
  g_test_add_func ("/engine/smtp/stack/wrong-ca", test_stack_wrong_ca);
  g_test_add_func ("/engine/smtp/stack/unknown-recipient", test_stack_unknown_recipient);
  g_test_add_func ("/engine/smtp/stack/all-unknown", test_stack_all_unknown);
  g_test_add_func ("/engine/smtp/stack/null-sender", test_stack_null_sender);
  g_test_add_func ("/engine/smtp/stack/plain-mta", test_stack_plain_mta);

  status = g_test_run ();
  g_clear_pointer (&stack, cnv_mailstack_stop);
  g_ptr_array_unref (secrets);
  return status;
}
