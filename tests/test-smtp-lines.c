/* test-smtp-lines.c — SMTP submission with libcurl against scripted line servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What real servers will not do on demand: 4yz and 5yz at each step, a server without STARTTLS or
 * without a usable AUTH mechanism, stalls to cancel in. Each script (tests/line-server.h) is the
 * whole conversation, libcurl's closing QUIT included, so the tests see every line the client
 * sent; the message itself is read as one block of its exact size.
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"
#include "cnv-smtp.h"
#include "line-script.h"
#include "log-guard.h"
#include "smtp-test-common.h"
#include "test-async.h"

/* RFC 5321 §4.3.1: the greeting; §4.1.1.1: EHLO and the extensions this server offers (RFC 4954
 * AUTH, RFC 1870 SIZE, RFC 6152 8BITMIME). */
#define GREETING "S: 220 localhost ESMTP test\n"
#define EHLO_REPLY                                      \
  "S: 250-localhost\n"                                  \
  "S: 250-AUTH PLAIN LOGIN\n"                           \
  "S: 250-SIZE 1000000\n"                               \
  "S: 250 8BITMIME\n"
#define EHLO "C: EHLO localhost\n" EHLO_REPLY
/* RFC 1870 §6: the message's size, when the server offers SIZE. */
#define MAIL_FROM "C: MAIL FROM:<alice@example\\.test>( SIZE=[0-9]+)?\n"
#define MAIL MAIL_FROM "S: 250 2.1.0 Ok\n"
#define RCPT_BOB "C: RCPT TO:<bob@example\\.test>\nS: 250 2.1.5 Ok\n"
#define DATA "C: DATA\nS: 354 End data with <CR><LF>.<CR><LF>\n"
#define QUEUED "S: 250 2.0.0 Ok: queued as TEST1\n"
/* RFC 5321 §4.1.1.10: after a session that went through, or a refused command, libcurl says
 * QUIT; where it gives up on the server itself (a refused greeting, no STARTTLS, no mechanism)
 * it closes at once (expect-eof). */
#define QUIT "C: QUIT\nS: 221 2.0.0 Bye\nexpect-eof\n"
#define BASE64 "[A-Za-z0-9+/]+=*"

/* The steps that read @message as the client sends it after DATA's 354: its bytes, with a "."
 * added before each line that starts with one (RFC 5321 §4.5.2), as one block, then the line
 * "." that ends it (§4.1.1.4). */
static char *
message_steps (GMimeMessage *message)
{
  g_autoptr(GBytes) bytes = cnv_smtp_message_to_bytes (message);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  gsize sent = len;

  for (gsize i = 0; i < len; i++)
    if (data[i] == '.' && (i == 0 || data[i - 1] == '\n'))
      sent++;
  return g_strdup_printf ("C-bytes: %" G_GSIZE_FORMAT "\nC: \\.\n", sent);
}

static CnvMailServer *
local_server (CnvLineServer *server)
{
  return cnv_mail_server_new ("127.0.0.1", cnv_line_server_get_port (server),
                              CNV_MAIL_SECURITY_NONE);
}

/* Whether the client sent @line (valid once the script ended). */
static gboolean
received_has (CnvLineServer *server,
              const char    *line)
{
  GPtrArray *received = cnv_line_server_get_received (server);

  for (guint i = 0; i < received->len; i++)
    if (strcmp (g_ptr_array_index (received, i), line) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
received_has_prefix (CnvLineServer *server,
                     const char    *prefix)
{
  GPtrArray *received = cnv_line_server_get_received (server);

  for (guint i = 0; i < received->len; i++)
    if (g_ascii_strncasecmp (g_ptr_array_index (received, i), prefix, strlen (prefix)) == 0)
      return TRUE;
  return FALSE;
}

/* The message as the client sent it, up to the "." line; "" if it sent none. */
static const char *
received_data (CnvLineServer *server)
{
  GPtrArray *received = cnv_line_server_get_received (server);

  for (guint i = 1; i < received->len; i++)
    if (strcmp (g_ptr_array_index (received, i), ".") == 0)
      return g_ptr_array_index (received, i - 1);
  return "";
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

static void
test_lines_rcpt_transient (void)
{
  const char * const recipients[] = { "bob@example.test", "carol@example.test",
                                      "dave@example.test", NULL };
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
  g_autoptr(GBytes) bytes = cnv_smtp_message_to_bytes (message);
  g_autofree char *message_read = message_steps (message);
  g_autofree char *script = g_strconcat (
    GREETING EHLO MAIL RCPT_BOB
    "C: RCPT TO:<carol@example\\.test>\n"
    "S: 451-4.3.0 Mailbox temporarily unavailable\n"
    "S: 451 4.3.0 Try again later\n"
    "C: RCPT TO:<dave@example\\.test>\n"
    "S: 550 5.1.1 No such user\n"
    DATA, message_read, QUEUED QUIT, NULL);
  g_autoptr(CnvLineServer) smtp = run_script (script);
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  const CnvSmtpRecipientFailure *carol, *dave;
  const char *data;

  result = submit (server, NULL, "alice@example.test", recipients, message, NULL, &error);
  assert_script_done (smtp);
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
  data = received_data (smtp);
  g_assert_cmpmem (data, strlen (data), g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
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
      g_autofree char *script = g_strdup_printf (GREETING EHLO MAIL
                                                 "C: RCPT TO:<bob@example\\.test>\n"
                                                 "S: %s\n"
                                                 "C: RCPT TO:<carol@example\\.test>\n"
                                                 "S: %s\n"
                                                 QUIT, cases[i].bob, cases[i].carol);
      g_autoptr(CnvLineServer) smtp = run_script (script);
      g_autoptr(CnvMailServer) server = local_server (smtp);
      g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = NULL;

      result = submit (server, NULL, "alice@example.test", recipients, message, NULL, &error);
      assert_script_done (smtp);
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
      g_assert_cmpuint (strlen (received_data (smtp)), ==, 0);
    }
}

static void
test_lines_refusals (void)
{
  const char * const recipients[] = { "bob@example.test", NULL };
  /* The steps before the refusal, whether the message comes before it, the refusal and what
   * follows it. */
  struct { const char *key, *before; gboolean message; const char *reply, *after;
           CnvSmtpError kind; } cases[] = {
    { "GREETING", "", FALSE, "421 4.3.2 Service not available", "expect-eof\n",
      CNV_SMTP_ERROR_TRANSIENT },
    { "GREETING", "", FALSE, "554 5.3.2 No SMTP service here", "expect-eof\n",
      CNV_SMTP_ERROR_PERMANENT },
    { "MAIL", GREETING EHLO MAIL_FROM, FALSE, "530 5.7.0 Authentication required", QUIT,
      CNV_SMTP_ERROR_AUTH },
    { "MAIL", GREETING EHLO MAIL_FROM, FALSE, "451 4.3.0 Temporary failure", QUIT,
      CNV_SMTP_ERROR_TRANSIENT },
    { "MAIL", GREETING EHLO MAIL_FROM, FALSE, "552 5.3.4 Message size exceeds fixed limit", QUIT,
      CNV_SMTP_ERROR_PERMANENT },
    { "DATA", GREETING EHLO MAIL RCPT_BOB "C: DATA\n", FALSE, "554 5.5.1 No valid recipients",
      QUIT, CNV_SMTP_ERROR_PERMANENT },
    { "DATA", GREETING EHLO MAIL RCPT_BOB "C: DATA\n", FALSE, "451 4.3.0 Try later", QUIT,
      CNV_SMTP_ERROR_TRANSIENT },
    { "END", GREETING EHLO MAIL RCPT_BOB DATA, TRUE, "554 5.7.1 Message refused: spam", QUIT,
      CNV_SMTP_ERROR_PERMANENT },
    { "END", GREETING EHLO MAIL RCPT_BOB DATA, TRUE, "452 4.3.1 Insufficient system storage",
      QUIT, CNV_SMTP_ERROR_TRANSIENT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
      g_autofree char *message_read = cases[i].message ? message_steps (message) : g_strdup ("");
      g_autofree char *script = g_strdup_printf ("%s%sS: %s\n%s", cases[i].before, message_read,
                                                 cases[i].reply, cases[i].after);
      g_autoptr(CnvLineServer) smtp = run_script (script);
      g_autoptr(CnvMailServer) server = local_server (smtp);
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = NULL;

      g_test_message ("%s: %s", cases[i].key, cases[i].reply);
      result = submit (server, NULL, "alice@example.test", recipients, message, NULL, &error);
      assert_script_done (smtp);
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
  g_autoptr(GMimeMessage) message = make_message ("Delivery report", "Hello.\n");
  g_autofree char *message_read = message_steps (message);
  g_autofree char *script = g_strconcat (
    GREETING
    "C: EHLO client\\.example\n"
    EHLO_REPLY
    "C: MAIL FROM:<>( SIZE=[0-9]+)?\n"
    "S: 250 2.1.0 Ok\n"
    RCPT_BOB DATA, message_read, QUEUED QUIT, NULL);
  g_autoptr(CnvLineServer) smtp = run_script (script);
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  server->helo_name = g_strdup ("client.example");
  result = submit (server, NULL, "", recipients, message, NULL, &error);
  assert_script_done (smtp);
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
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *message_read = NULL;
  g_autofree char *script = NULL;
  g_autoptr(CnvLineServer) smtp = NULL;
  g_autoptr(CnvMailServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  g_autoptr(GString) unstuffed = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  const char *data;

  message = make_message ("Dots", ".\n..\n.leading dot\nend\n.");
  g_mime_part_set_content_encoding (GMIME_PART (g_mime_message_get_mime_part (message)),
                                    GMIME_CONTENT_ENCODING_7BIT);
  bytes = cnv_smtp_message_to_bytes (message);
  message_read = message_steps (message);
  script = g_strconcat (GREETING EHLO MAIL RCPT_BOB DATA, message_read, QUEUED QUIT, NULL);
  smtp = run_script (script);
  server = local_server (smtp);
  result = submit (server, NULL, "alice@example.test", recipients, message, NULL, &error);
  assert_script_done (smtp);
  g_assert_no_error (error);

  /* RFC 5321 §4.5.2: every line that starts with "." got one more; the server removes it. */
  data = received_data (smtp);
  g_assert_nonnull (strstr (data, "\r\n..\r\n...\r\n..leading dot\r\n"));
  lines = g_strsplit (data, "\r\n", -1);
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
  g_autoptr(CnvLineServer) smtp = run_script (GREETING EHLO "expect-eof\n");
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  /* A server (or a man in the middle) that does not offer STARTTLS: no plain-text session. */
  server->security = CNV_MAIL_SECURITY_STARTTLS;
  server->user = g_strdup ("alice@example.test");
  forbid_secret (server->user, "no-starttls-secret");
  result = submit (server, "no-starttls-secret", "alice@example.test", recipients, message, NULL,
                   &error);
  assert_script_done (smtp);
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TLS);
  g_test_message ("%s", error->message);
  g_assert_false (received_has_prefix (smtp, "AUTH"));
  g_assert_false (received_has_prefix (smtp, "MAIL"));
}

static void
test_lines_auth_trace (void)
{
  /* RFC 4954 §4: PLAIN sends its initial response on the AUTH line (SASL-IR); LOGIN sends the
   * user name there and the password after the server's "Password:" challenge. */
  static const struct { CnvMailAuth mechanism; const char *steps; } mechanisms[] = {
    { CNV_MAIL_AUTH_PLAIN, "C: AUTH PLAIN " BASE64 "\n" },
    { CNV_MAIL_AUTH_LOGIN, "C: AUTH LOGIN " BASE64 "\nS: 334 UGFzc3dvcmQ6\nC: " BASE64 "\n" },
    /* The best of what the server offers: PLAIN. */
    { CNV_MAIL_AUTH_AUTO, "C: AUTH PLAIN " BASE64 "\n" },
  };
  const char * const recipients[] = { "bob@example.test", NULL };
  const char *secret = "Tr4ce-s3cret!";

  forbid_secret ("alice@example.test", secret);
  for (guint i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    {
      g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
      g_autofree char *message_read = message_steps (message);
      g_autofree char *script = g_strconcat (GREETING EHLO, mechanisms[i].steps,
                                             "S: 235 2.7.0 Authentication successful\n"
                                             MAIL RCPT_BOB DATA, message_read, QUEUED QUIT, NULL);
      g_autoptr(CnvLineServer) smtp = run_script (script);
      g_autoptr(CnvMailServer) server = local_server (smtp);
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = NULL;
      g_autofree char *text = NULL;
      g_autofree guchar *decoded = NULL;
      GPtrArray *received;
      const char *response;
      gsize len;

      server->user = g_strdup ("alice@example.test");
      server->auth = mechanisms[i].mechanism;
      log_guard_trace_start ("cnv-smtp");
      result = submit (server, secret, "alice@example.test", recipients, message, NULL, &error);
      text = log_guard_trace_stop ();
      assert_script_done (smtp);
      g_assert_no_error (error);

      /* The server got the credentials... */
      received = cnv_line_server_get_received (smtp);
      if (mechanisms[i].mechanism == CNV_MAIL_AUTH_LOGIN)
        {
          g_assert_true (received_has_prefix (smtp, "AUTH LOGIN "));
          /* The line after AUTH LOGIN <user> is the password. */
          for (guint j = 0; j < received->len; j++)
            if (g_str_has_prefix (g_ptr_array_index (received, j), "AUTH LOGIN "))
              {
                response = g_ptr_array_index (received, j + 1);
                decoded = g_base64_decode (response, &len);
                g_assert_cmpmem (decoded, len, secret, strlen (secret));
              }
          g_assert_nonnull (decoded);
        }
      else
        {
          g_assert_true (received_has_prefix (smtp, "AUTH PLAIN "));
          for (guint j = 0; j < received->len; j++)
            if (g_str_has_prefix (g_ptr_array_index (received, j), "AUTH PLAIN "))
              {
                response = (const char *) g_ptr_array_index (received, j) + 11;
                decoded = g_base64_decode (response, &len);
                g_assert_cmpmem (decoded, len, "\0alice@example.test\0Tr4ce-s3cret!",
                                 1 + 18 + 1 + strlen (secret));
              }
          g_assert_nonnull (decoded);
        }

      /* ...the trace shows the protocol but neither the SASL payloads (the log guard checks
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
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
  g_autofree char *message_read = message_steps (message);
  g_autofree char *script = g_strconcat (
    GREETING
    "C: EHLO localhost\n"
    "S: 250-localhost\n"
    "S: 250 AUTH PLAIN LOGIN XOAUTH2\n"
    "C: AUTH XOAUTH2 " BASE64 "\n"
    "S: 235 2.7.0 Authentication successful\n"
    MAIL RCPT_BOB DATA, message_read, QUEUED QUIT, NULL);
  g_autoptr(CnvLineServer) smtp = run_script (script);
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  g_autofree guchar *decoded = NULL;
  GPtrArray *received;
  gsize len = 0;

  forbid_secret ("alice@example.test", token);
  server->user = g_strdup ("alice@example.test");
  server->auth = CNV_MAIL_AUTH_XOAUTH2;
  result = submit (server, token, "alice@example.test", recipients, message, NULL, &error);
  assert_script_done (smtp);
  g_assert_no_error (error);

  received = cnv_line_server_get_received (smtp);
  for (guint i = 0; i < received->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (received, i), "AUTH XOAUTH2 "))
      decoded = g_base64_decode ((const char *) g_ptr_array_index (received, i) + 13, &len);
  g_assert_nonnull (decoded);
  g_assert_cmpmem (decoded, len, expected, strlen (expected));
  g_assert_false (received_has_prefix (smtp, "AUTH PLAIN"));
}

static void
test_lines_auth_no_mechanism (void)
{
  const char * const recipients[] = { "bob@example.test", NULL };
  /* Only a mechanism this client does not use for passwords. */
  g_autoptr(CnvLineServer) smtp = run_script (GREETING
                                              "C: EHLO localhost\n"
                                              "S: 250-localhost\n"
                                              "S: 250 AUTH CRAM-MD5\n"
                                              "expect-eof\n");
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  server->user = g_strdup ("alice@example.test");
  result = submit (server, "secret", "alice@example.test", recipients, message, NULL, &error);
  assert_script_done (smtp);
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_AUTH);
  g_test_message ("%s", error->message);
  g_assert_false (received_has_prefix (smtp, "AUTH"));
  g_assert_false (received_has_prefix (smtp, "MAIL"));
}

/* The server stops answering: at the greeting, after RCPT, after the message. Its script ends
 * there (the connection stays open, silent), and the test cancels as soon as it has: exactly
 * while the client waits for a reply. */
static void
test_lines_cancel (void)
{
  static const struct { const char *at; const char *steps; gboolean message; } stalls[] = {
    { "GREETING", "accept\n", FALSE },
    { "RCPT bob@example.test", GREETING EHLO MAIL "C: RCPT TO:<bob@example\\.test>\n", FALSE },
    { "END", GREETING EHLO MAIL RCPT_BOB DATA, TRUE },
  };
  const char * const recipients[] = { "bob@example.test", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (stalls); i++)
    {
      g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
      g_autofree char *message_read = message_steps (message);
      g_autofree char *script = g_strconcat (stalls[i].steps,
                                             stalls[i].message ? message_read : "", NULL);
      g_autoptr(CnvLineServer) smtp = run_script (script);
      g_autoptr(CnvMailServer) server = local_server (smtp);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GAsyncResult) async_result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = NULL;
      gint64 stalled_at;
      gint64 waited;

      g_test_message ("stall at %s", stalls[i].at);
      cnv_smtp_submit_async (server, NULL, "alice@example.test", recipients, message, cancellable,
                             store_result_cb, &async_result);
      assert_script_done (smtp);
      stalled_at = g_get_monotonic_time ();
      g_cancellable_cancel (cancellable);
      result = cnv_smtp_submit_finish (wait_result (&async_result, 30), &error);
      waited = g_get_monotonic_time () - stalled_at;
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_null (result);
      g_test_message ("returned %" G_GINT64_FORMAT " ms after the cancellation", waited / 1000);
      /* libcurl checks the progress callback about once a second while it waits. */
      g_assert_cmpint (waited, <, 3 * G_USEC_PER_SEC);
    }
}

static void
test_lines_cancelled_before (void)
{
  const char * const recipients[] = { "bob@example.test", NULL };
  g_autoptr(GError) new_error = NULL;
  /* Listening, but never started: nothing may connect. */
  g_autoptr(CnvLineServer) smtp = cnv_line_server_new ("accept\n", &new_error);
  g_autoptr(CnvMailServer) server = local_server (smtp);
  g_autoptr(GMimeMessage) message = make_message ("Hello", "Hello.\n");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;

  g_assert_no_error (new_error);
  g_cancellable_cancel (cancellable);
  result = submit (server, NULL, "alice@example.test", recipients, message, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (result);
}

int
main (int   argc,
      char *argv[])
{
  /* No log message may hold a password (see log-guard.h); the trace can be read. */
  log_guard_install ();
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

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

  return g_test_run ();
}
