/* test-smtp.c — SMTP submission with libcurl: its arguments, and against the real mail stack
 * (Dovecot submission and Postfix); what real servers will not do on demand (4yz, stalls, no
 * STARTTLS) is in test-smtp-lines.c, against scripted line servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cnv-engine.h"
#include "cnv-smtp.h"
#include "log-guard.h"
#include "mailstack-fixture.h"
#include "smtp-test-common.h"

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

static guint
count_lines_with (const char *trace,
                  const char *needle)
{
  g_auto(GStrv) lines = g_strsplit (trace, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    n += strstr (lines[i], needle) != NULL;
  return n;
}

/* keep_alive: three submissions share one connection (one STARTTLS, one AUTH); another user's
 * submission gets a connection of its own, never the one alice authenticated. */
static void
test_stack_keep_alive (void)
{
  g_autofree char *alice = address_of ("alice");
  g_autofree char *bob = address_of ("bob");
  const char * const to_bob[] = { bob, NULL };
  const char * const to_alice[] = { alice, NULL };
  g_autofree char *alice_secret = password_of ("alice");
  g_autofree char *bob_secret = password_of ("bob");
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(CnvMailServer) bob_server = submission_server ("bob");
  g_autofree char *trace = NULL;

  server->keep_alive = TRUE;
  bob_server->keep_alive = TRUE;
  log_guard_trace_start ("cnv-smtp");
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *subject = g_strdup_printf ("Kept connection %u", i);
      g_autoptr(GMimeMessage) message = make_message (subject, "Hello.\n");
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSmtpResult) result = submit (server, alice_secret, alice, to_bob, message, NULL,
                                                &error);
      g_autofree char *delivered = NULL;

      g_assert_no_error (error);
      g_assert_cmpuint (result->accepted->len, ==, 1);
      delivered = wait_delivered ("bob", g_mime_message_get_message_id (message));
      g_assert_nonnull (delivered);
    }
  {
    g_autoptr(GMimeMessage) message = make_message ("From bob", "Hello.\n");
    g_autoptr(GError) error = NULL;
    g_autoptr(CnvSmtpResult) result = submit (bob_server, bob_secret, bob, to_alice, message, NULL,
                                              &error);

    g_assert_no_error (error);
    g_assert_cmpuint (result->accepted->len, ==, 1);
  }
  trace = log_guard_trace_stop ();
  g_test_message ("%s", trace);
  /* Two connections: alice's (kept for three mails) and bob's; each shows STARTTLS offered and sent. */
  g_assert_cmpuint (count_lines_with (trace, "C: STARTTLS"), ==, 2);
  g_assert_cmpuint (count_lines_with (trace, "C: AUTH"), ==, 2);
  g_assert_cmpuint (count_lines_with (trace, "MAIL FROM"), ==, 4);
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
  log_guard_trace_start ("cnv-smtp");
  result = submit (server, secret, sender, recipients, message, NULL, &error);
  g_free (log_guard_trace_stop ());
  g_assert_no_error (error);
  g_assert_cmpuint (result->accepted->len, ==, 1);
  g_assert_cmpuint (relay->sessions, ==, 2);
  delivered = wait_delivered ("bob", g_mime_message_get_message_id (message));
  g_assert_nonnull (delivered);
  /* Dovecot saw the client authenticate (RFC 3848 "ESMTPA": TLS ended in the relay). */
  g_assert_nonnull (strstr (delivered, "with ESMTPA"));
}

/* ---- cnv_smtp_check_async(): the login of "Test connection", without a mail ---- */

static void
check_stored_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* cnv_smtp_check_async() run to its end on the default main context. */
static gboolean
check (const CnvMailServer  *server,
       const char           *secret,
       GCancellable         *cancellable,
       GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cnv_smtp_check_async (server, secret, cancellable, check_stored_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return cnv_smtp_check_finish (result, error);
}

static void
test_check_arguments (void)
{
  g_autoptr(CnvMailServer) bad_host = cnv_mail_server_new ("evil.test/x?", 25,
                                                           CNV_MAIL_SECURITY_TLS);
  g_autoptr(CnvMailServer) plain = cnv_mail_server_new ("mail.example.org", 25,
                                                        CNV_MAIL_SECURITY_NONE);
  g_autoptr(CnvMailServer) refused = cnv_mail_server_new ("127.0.0.1", closed_port (),
                                                          CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;

  g_assert_false (check (bad_host, NULL, NULL, &error));
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_INVALID);
  g_clear_error (&error);

  /* A password is never sent in clear to a host that is not loopback: refused before connecting. */
  plain->user = g_strdup ("alice@example.org");
  g_assert_false (check (plain, "secret", NULL, &error));
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TLS);
  g_clear_error (&error);

  /* Nothing listens: worth trying again later, not a refused login. */
  refused->user = g_strdup ("alice@example.org");
  g_assert_false (check (refused, "secret", NULL, &error));
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TRANSIENT);
  g_test_message ("%s", error->message);
}

static void
test_stack_check (void)
{
  g_autofree char *secret = password_of ("alice");
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = NULL;
  guint before = cnv_mailstack_count_messages (get_stack (), "alice", "INBOX");

  server->keep_alive = TRUE;
  log_guard_trace_start ("cnv-smtp");
  g_assert_true (check (server, secret, NULL, &error));
  g_assert_no_error (error);
  trace = log_guard_trace_stop ();
  g_test_message ("%s", trace);
  /* The whole set-up (RFC 3207 §4: EHLO again after STARTTLS), the login accepted (RFC 4954 §6:
   * 235), QUIT, and never a transaction. */
  g_assert_cmpuint (count_lines_with (trace, "C: EHLO"), ==, 2);
  g_assert_cmpuint (count_lines_with (trace, "C: STARTTLS"), ==, 1);
  g_assert_cmpuint (count_lines_with (trace, "C: AUTH"), ==, 1);
  g_assert_cmpuint (count_lines_with (trace, "S: 235 "), ==, 1);
  g_assert_cmpuint (count_lines_with (trace, "C: QUIT"), ==, 1);
  g_assert_cmpuint (count_lines_with (trace, "MAIL FROM"), ==, 0);
  g_assert_cmpuint (count_lines_with (trace, "RCPT TO"), ==, 0);
  g_assert_cmpuint (cnv_mailstack_count_messages (get_stack (), "alice", "INBOX"), ==, before);

  /* keep_alive is ignored: the next check makes a session of its own. */
  log_guard_trace_start ("cnv-smtp");
  g_assert_true (check (server, secret, NULL, &error));
  g_assert_no_error (error);
  g_free (trace);
  trace = log_guard_trace_stop ();
  g_assert_cmpuint (count_lines_with (trace, "C: AUTH"), ==, 1);

  /* Without a user, only the session is set up (Postfix's port, loopback, no TLS). */
  {
    g_autoptr(CnvMailServer) mta = cnv_mail_server_new (get_stack ()->host,
                                                        get_stack ()->smtp_port,
                                                        CNV_MAIL_SECURITY_NONE);

    g_assert_true (check (mta, NULL, NULL, &error));
    g_assert_no_error (error);
  }
}

static void
test_stack_check_wrong_password (void)
{
  g_autofree char *user = address_of ("alice");
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(GError) error = NULL;

  forbid_secret (user, "not-alices-password");
  g_assert_false (check (server, "not-alices-password", NULL, &error));
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_AUTH);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "535"));
}

static void
test_stack_check_tls (void)
{
  g_autofree char *secret = password_of ("alice");
  g_autofree char *tmp = g_dir_make_tmp ("test-smtp-ca-XXXXXX", NULL);
  g_autofree char *other_ca = make_other_ca (tmp);
  g_autofree char *other_key = g_build_filename (tmp, "other-ca.key", NULL);
  const char *ca_files[] = { other_ca, NULL };

  /* Another CA's file, then the system's store: the certificate does not verify. */
  for (guint i = 0; i < G_N_ELEMENTS (ca_files); i++)
    {
      g_autoptr(CnvMailServer) server = submission_server ("alice");
      g_autoptr(GError) error = NULL;

      g_free (server->ca_file);
      server->ca_file = g_strdup (ca_files[i]);
      g_assert_false (check (server, secret, NULL, &error));
      g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TLS);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "certificate"));
    }

  /* Implicit TLS on the STARTTLS port: the handshake fails. */
  {
    g_autoptr(CnvMailServer) server = submission_server ("alice");
    g_autoptr(GError) error = NULL;

    server->security = CNV_MAIL_SECURITY_TLS;
    g_assert_false (check (server, secret, NULL, &error));
    g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TLS);
    g_test_message ("%s", error->message);
  }

  /* STARTTLS required where the server offers none (Postfix's port). */
  {
    g_autoptr(CnvMailServer) server = cnv_mail_server_new (get_stack ()->host,
                                                           get_stack ()->smtp_port,
                                                           CNV_MAIL_SECURITY_STARTTLS);
    g_autoptr(GError) error = NULL;

    server->ca_file = g_strdup (get_stack ()->ca_file);
    g_assert_false (check (server, NULL, NULL, &error));
    g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_TLS);
  }

  g_remove (other_ca);
  g_remove (other_key);
  g_rmdir (tmp);
}

static void
test_stack_check_cancelled (void)
{
  g_autofree char *secret = password_of ("alice");
  g_autoptr(CnvMailServer) server = submission_server ("alice");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (check (server, secret, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* No log message may hold a password (see log-guard.h); the trace can be read. */
  log_guard_install ();
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/engine/smtp/invalid-arguments", test_invalid_arguments);
  g_test_add_func ("/engine/smtp/connection-refused", test_connection_refused);
  g_test_add_func ("/engine/smtp/message-to-bytes", test_message_to_bytes);

  g_test_add_func ("/engine/smtp/stack/starttls", test_stack_starttls);
  g_test_add_func ("/engine/smtp/stack/exact-bytes", test_stack_exact_bytes);
  g_test_add_func ("/engine/smtp/stack/keep-alive", test_stack_keep_alive);
  g_test_add_func ("/engine/smtp/stack/implicit-tls", test_stack_implicit_tls);
  g_test_add_func ("/engine/smtp/stack/wrong-password", test_stack_wrong_password);
  g_test_add_func ("/engine/smtp/stack/wrong-ca", test_stack_wrong_ca);
  g_test_add_func ("/engine/smtp/stack/unknown-recipient", test_stack_unknown_recipient);
  g_test_add_func ("/engine/smtp/stack/all-unknown", test_stack_all_unknown);
  g_test_add_func ("/engine/smtp/stack/null-sender", test_stack_null_sender);
  g_test_add_func ("/engine/smtp/stack/plain-mta", test_stack_plain_mta);

  g_test_add_func ("/engine/smtp/check/arguments", test_check_arguments);
  g_test_add_func ("/engine/smtp/stack/check", test_stack_check);
  g_test_add_func ("/engine/smtp/stack/check-wrong-password", test_stack_check_wrong_password);
  g_test_add_func ("/engine/smtp/stack/check-tls", test_stack_check_tls);
  g_test_add_func ("/engine/smtp/stack/check-cancelled", test_stack_check_cancelled);

  status = g_test_run ();
  g_clear_pointer (&stack, cnv_mailstack_stop);
  return status;
}
