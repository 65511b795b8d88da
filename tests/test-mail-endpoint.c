/* test-mail-endpoint.c — CnvMailServer: ports, security words, trusted authorities, and when a
 * password may be sent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cnv-mail-server.h"

static void
test_default_ports (void)
{
  g_autoptr(CnvMailServer) tls = cnv_mail_server_new ("mail.example.test", 0, CNV_MAIL_SECURITY_TLS);
  g_autoptr(CnvMailServer) starttls = cnv_mail_server_new ("mail.example.test", 0, CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(CnvMailServer) custom = cnv_mail_server_new ("mail.example.test", 10143, CNV_MAIL_SECURITY_STARTTLS);

  /* RFC 8314 §3.3, RFC 9051 §2.1, RFC 6409 §3.1. */
  g_assert_cmpuint (cnv_mail_server_get_imap_port (tls), ==, 993);
  g_assert_cmpuint (cnv_mail_server_get_smtp_port (tls), ==, 465);
  g_assert_cmpuint (cnv_mail_server_get_imap_port (starttls), ==, 143);
  g_assert_cmpuint (cnv_mail_server_get_smtp_port (starttls), ==, 587);
  g_assert_cmpuint (cnv_mail_server_get_imap_port (custom), ==, 10143);
  g_assert_cmpuint (cnv_mail_server_get_smtp_port (custom), ==, 10143);
}

static void
test_security_words (void)
{
  static const char *const words[] = { "tls", "starttls", "none" };
  CnvMailSecurity security = CNV_MAIL_SECURITY_NONE;

  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    {
      g_assert_true (cnv_mail_security_from_string (words[i], &security));
      g_assert_cmpstr (cnv_mail_security_to_string (security), ==, words[i]);
    }
  g_assert_false (cnv_mail_security_from_string ("TLS", &security));
  g_assert_false (cnv_mail_security_from_string ("ssl", &security));
  g_assert_false (cnv_mail_security_from_string ("", &security));
  g_assert_false (cnv_mail_security_from_string (NULL, &security));
}

static void
test_copy (void)
{
  g_autoptr(CnvMailServer) server = cnv_mail_server_new ("imap.example.test", 993, CNV_MAIL_SECURITY_TLS);
  g_autoptr(CnvMailServer) copy = NULL;

  server->user = g_strdup ("alice@example.test");
  server->ca_file = g_strdup ("/etc/convene/ca.pem");
  server->helo_name = g_strdup ("manager.example.test");
  server->auth = CNV_MAIL_AUTH_XOAUTH2;
  copy = cnv_mail_server_copy (server);
  g_assert_cmpstr (copy->host, ==, "imap.example.test");
  g_assert_cmpuint (copy->port, ==, 993);
  g_assert_cmpint (copy->security, ==, CNV_MAIL_SECURITY_TLS);
  g_assert_cmpint (copy->auth, ==, CNV_MAIL_AUTH_XOAUTH2);
  g_assert_cmpstr (copy->user, ==, "alice@example.test");
  g_assert_cmpstr (copy->ca_file, ==, "/etc/convene/ca.pem");
  g_assert_cmpstr (copy->helo_name, ==, "manager.example.test");
  g_assert_true (copy->user != server->user);
}

/* A password travels encrypted, or stays on the machine. */
static void
test_may_send_secret (void)
{
  static const struct { const char *host; CnvMailSecurity security; gboolean allowed; } cases[] = {
    { "mail.example.test", CNV_MAIL_SECURITY_TLS, TRUE },
    { "mail.example.test", CNV_MAIL_SECURITY_STARTTLS, TRUE },
    { "mail.example.test", CNV_MAIL_SECURITY_NONE, FALSE },
    { "192.0.2.7", CNV_MAIL_SECURITY_NONE, FALSE },
    { "2001:db8::7", CNV_MAIL_SECURITY_NONE, FALSE },
    { "127.0.0.1", CNV_MAIL_SECURITY_NONE, TRUE },
    { "127.8.9.10", CNV_MAIL_SECURITY_NONE, TRUE },
    { "::1", CNV_MAIL_SECURITY_NONE, TRUE },
    { "localhost", CNV_MAIL_SECURITY_NONE, TRUE },
    { "LocalHost", CNV_MAIL_SECURITY_NONE, TRUE },
    { "localhost.example.test", CNV_MAIL_SECURITY_NONE, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CnvMailServer) server = cnv_mail_server_new (cases[i].host, 0, cases[i].security);

      g_test_message ("%s (%s)", cases[i].host, cnv_mail_security_to_string (cases[i].security));
      g_assert_cmpint (cnv_mail_server_may_send_secret (server), ==, cases[i].allowed);
    }
}

static void
test_tls_database (void)
{
  g_autoptr(CnvMailServer) server = cnv_mail_server_new ("mail.example.test", 0, CNV_MAIL_SECURITY_TLS);
  g_autoptr(GTlsDatabase) system = NULL;
  g_autoptr(GTlsDatabase) missing = NULL;
  g_autoptr(GError) error = NULL;

  /* glib-networking provides the system's store. */
  system = cnv_mail_server_get_tls_database (server, &error);
  g_assert_no_error (error);
  g_assert_nonnull (system);

  server->ca_file = g_strdup ("/nonexistent/ca.pem");
  missing = cnv_mail_server_get_tls_database (server, &error);
  g_assert_null (missing);
  g_assert_nonnull (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/mail-server/default-ports", test_default_ports);
  g_test_add_func ("/engine/mail-server/security-words", test_security_words);
  g_test_add_func ("/engine/mail-server/copy", test_copy);
  g_test_add_func ("/engine/mail-server/may-send-secret", test_may_send_secret);
  g_test_add_func ("/engine/mail-server/tls-database", test_tls_database);

  return g_test_run ();
}
