/* test-app-connection.c — "Test connection": the problem of each engine error, the sentences, and
 * both servers of the real mail stack at once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-connection-test.h"
#include "cnv-engine.h"
#include "cnv-imap-client.h"
#include "cnv-provider.h"
#include "cnv-smtp.h"
#include "log-guard.h"
#include "app-test-common.h"

/* ---- the pure mapping ---- */

static void
test_problem_from_error (void)
{
  static const struct
  {
    const char *name;
    GQuark (*domain) (void);
    int code;
    const char *message;
    CnvConnectionProblem problem;
  } cases[] = {
    { "imap protocol", cnv_imap_error_quark, CNV_IMAP_ERROR_PROTOCOL, "Unexpected “HTTP/1.1 400”",
      CNV_CONNECTION_PROTOCOL },
    { "imap limit", cnv_imap_error_quark, CNV_IMAP_ERROR_LIMIT, "Line too long",
      CNV_CONNECTION_PROTOCOL },
    { "imap connection", cnv_imap_error_quark, CNV_IMAP_ERROR_CONNECTION,
      "Cannot connect to imap.example.org:993: Connection refused", CNV_CONNECTION_UNREACHABLE },
    { "imap certificate", cnv_imap_error_quark, CNV_IMAP_ERROR_TLS,
      "The certificate of imap.example.org is not trusted: unknown authority",
      CNV_CONNECTION_CERTIFICATE },
    { "imap handshake", cnv_imap_error_quark, CNV_IMAP_ERROR_TLS,
      "TLS with imap.example.org failed: packet too long", CNV_CONNECTION_TLS },
    { "imap auth", cnv_imap_error_quark, CNV_IMAP_ERROR_AUTH,
      "imap.example.org refused the user name or password for alice", CNV_CONNECTION_WRONG_PASSWORD },
    { "imap no starttls", cnv_imap_error_quark, CNV_IMAP_ERROR_UNSUPPORTED,
      "imap.example.org does not offer STARTTLS; the connection is not continued without "
      "encryption", CNV_CONNECTION_TLS },
    { "imap no mechanism", cnv_imap_error_quark, CNV_IMAP_ERROR_UNSUPPORTED,
      "imap.example.org does not offer this way of logging in", CNV_CONNECTION_PROTOCOL },
    { "imap no", cnv_imap_error_quark, CNV_IMAP_ERROR_NO, "NO [UNAVAILABLE] try later",
      CNV_CONNECTION_FAILED },
    { "imap bad", cnv_imap_error_quark, CNV_IMAP_ERROR_BAD, "BAD command unknown",
      CNV_CONNECTION_PROTOCOL },
    { "imap bye", cnv_imap_error_quark, CNV_IMAP_ERROR_BYE, "BYE shutting down",
      CNV_CONNECTION_FAILED },
    { "imap closed", cnv_imap_error_quark, CNV_IMAP_ERROR_CLOSED, "Not connected",
      CNV_CONNECTION_FAILED },
    { "smtp transient", cnv_smtp_error_quark, CNV_SMTP_ERROR_TRANSIENT,
      "smtp.example.org:465: Failed to connect", CNV_CONNECTION_UNREACHABLE },
    { "smtp permanent", cnv_smtp_error_quark, CNV_SMTP_ERROR_PERMANENT,
      "smtp.example.org:465 refused EHLO: 554 go away", CNV_CONNECTION_PROTOCOL },
    { "smtp auth", cnv_smtp_error_quark, CNV_SMTP_ERROR_AUTH,
      "smtp.example.org:465 refused AUTH: 535 5.7.8 Authentication failed",
      CNV_CONNECTION_WRONG_PASSWORD },
    { "smtp certificate", cnv_smtp_error_quark, CNV_SMTP_ERROR_TLS,
      "smtp.example.org:465: SSL certificate problem: unable to get local issuer certificate",
      CNV_CONNECTION_CERTIFICATE },
    { "smtp handshake", cnv_smtp_error_quark, CNV_SMTP_ERROR_TLS,
      "smtp.example.org:587: error:0A00010B:SSL routines::wrong version number",
      CNV_CONNECTION_TLS },
    { "smtp invalid", cnv_smtp_error_quark, CNV_SMTP_ERROR_INVALID, "Invalid SMTP host name",
      CNV_CONNECTION_FAILED },
    { "resolver", g_resolver_error_quark, G_RESOLVER_ERROR_NOT_FOUND, "No such host",
      CNV_CONNECTION_UNREACHABLE },
    { "resolver failure", g_resolver_error_quark, G_RESOLVER_ERROR_TEMPORARY_FAILURE,
      "Try again", CNV_CONNECTION_UNREACHABLE },
    { "tls bad certificate", g_tls_error_quark, G_TLS_ERROR_BAD_CERTIFICATE, "Unacceptable",
      CNV_CONNECTION_CERTIFICATE },
    { "tls not tls", g_tls_error_quark, G_TLS_ERROR_NOT_TLS, "Not TLS", CNV_CONNECTION_TLS },
    { "tls handshake", g_tls_error_quark, G_TLS_ERROR_HANDSHAKE, "Handshake", CNV_CONNECTION_TLS },
    { "io refused", g_io_error_quark, G_IO_ERROR_CONNECTION_REFUSED, "Refused",
      CNV_CONNECTION_UNREACHABLE },
    { "io timed out", g_io_error_quark, G_IO_ERROR_TIMED_OUT, "Timed out",
      CNV_CONNECTION_UNREACHABLE },
    { "io network", g_io_error_quark, G_IO_ERROR_NETWORK_UNREACHABLE, "Offline",
      CNV_CONNECTION_UNREACHABLE },
    { "io host", g_io_error_quark, G_IO_ERROR_HOST_UNREACHABLE, "No route",
      CNV_CONNECTION_UNREACHABLE },
    { "io other", g_io_error_quark, G_IO_ERROR_PERMISSION_DENIED, "Denied",
      CNV_CONNECTION_FAILED },
    { "other domain", g_markup_error_quark, G_MARKUP_ERROR_PARSE, "Parse", CNV_CONNECTION_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (cases[i].domain (), cases[i].code,
                                                     cases[i].message);

      g_test_message ("%s", cases[i].name);
      g_assert_cmpint (cnv_connection_problem_from_error (error), ==, cases[i].problem);
    }
}

static void
test_describe (void)
{
  static const struct
  {
    CnvConnectionProblem problem;
    const char *protocol;
    const char *expected;
  } cases[] = {
    { CNV_CONNECTION_WRONG_PASSWORD, "IMAP",
      "The IMAP server mail.example.org refused the user name or password." },
    { CNV_CONNECTION_WRONG_PASSWORD, "SMTP",
      "The SMTP server mail.example.org refused the user name or password." },
    { CNV_CONNECTION_CERTIFICATE, "SMTP", "The certificate of mail.example.org is not trusted." },
    { CNV_CONNECTION_UNREACHABLE, "IMAP",
      "Could not reach mail.example.org: check the server name and your connection." },
    { CNV_CONNECTION_TLS, "IMAP", NULL },
    { CNV_CONNECTION_PROTOCOL, "IMAP", NULL },
    { CNV_CONNECTION_PROTOCOL, "SMTP", NULL },
    { CNV_CONNECTION_FAILED, "SMTP", NULL },
  };
  g_autofree char *ok = cnv_connection_problem_describe (CNV_CONNECTION_OK, "IMAP",
                                                         "mail.example.org");

  g_assert_null (ok);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = cnv_connection_problem_describe (cases[i].problem, cases[i].protocol,
                                                               "mail.example.org");

      g_test_message ("%s", text);
      g_assert_nonnull (strstr (text, "mail.example.org"));
      g_assert_true (g_str_has_suffix (text, "."));
      if (cases[i].expected != NULL)
        g_assert_cmpstr (text, ==, cases[i].expected);
    }
  {
    g_autofree char *imap = cnv_connection_problem_describe (CNV_CONNECTION_PROTOCOL, "IMAP", "h");
    g_autofree char *smtp = cnv_connection_problem_describe (CNV_CONNECTION_PROTOCOL, "SMTP", "h");

    g_assert_nonnull (strstr (imap, "IMAP"));
    g_assert_nonnull (strstr (smtp, "SMTP"));
  }
}

/* ---- against the real mail stack ---- */

static char *
password_of (const char *user)
{
  char *password = cnv_mailstack_get_password (get_stack (), user);

  g_assert_nonnull (password);
  log_guard_forbid (password);
  return password;
}

/* alice's account on the stack. */
static CnvAccount *
make_account (void)
{
  return stack_account ("alice", "Alice");
}

static CnvConnectionReport *
run_test (const CnvAccount  *account,
          const char        *password,
          GCancellable      *cancellable,
          GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  CnvConnectionReport *report;

  cnv_connection_test_async (account, password, cancellable, store_result_cb, &result);
  wait_result (&result, 120);
  report = cnv_connection_test_finish (result, error);
  if (report != NULL)
    {
      g_test_message ("IMAP: %s (%s)", report->imap_message != NULL ? report->imap_message : "OK",
                      report->imap_detail != NULL ? report->imap_detail : "");
      g_test_message ("SMTP: %s (%s)", report->smtp_message != NULL ? report->smtp_message : "OK",
                      report->smtp_detail != NULL ? report->smtp_detail : "");
    }
  return report;
}

/* A test that runs to its end: the report, whatever it says. */
static CnvConnectionReport *
run_ok (const CnvAccount *account,
        const char       *password)
{
  g_autoptr(GError) error = NULL;
  CnvConnectionReport *report = run_test (account, password, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

static void
test_stack_ok (void)
{
  g_autoptr(CnvAccount) account = make_account ();
  g_autofree char *password = password_of ("alice");
  g_autoptr(CnvConnectionReport) report = NULL;
  guint before = cnv_mailstack_count_messages (get_stack (), "alice", "INBOX");

  report = run_ok (account, password);
  g_assert_true (cnv_connection_report_is_ok (report));
  g_assert_cmpint (report->imap, ==, CNV_CONNECTION_OK);
  g_assert_cmpint (report->smtp, ==, CNV_CONNECTION_OK);
  g_assert_null (report->imap_message);
  g_assert_null (report->smtp_message);
  g_assert_null (report->imap_detail);
  g_assert_null (report->smtp_detail);
  /* No mail was sent. */
  g_assert_cmpuint (cnv_mailstack_count_messages (get_stack (), "alice", "INBOX"), ==, before);

  /* Implicit TLS for IMAP works as well. */
  account->imap->port = get_stack ()->imaps_port;
  account->imap->security = CNV_MAIL_SECURITY_TLS;
  g_clear_pointer (&report, cnv_connection_report_free);
  report = run_ok (account, password);
  g_assert_true (cnv_connection_report_is_ok (report));
}

static void
test_stack_wrong_password (void)
{
  g_autoptr(CnvAccount) account = make_account ();
  g_autoptr(CnvConnectionReport) report = NULL;
  g_autofree char *expected_imap = g_strdup_printf (
    "The IMAP server %s refused the user name or password.", get_stack ()->host);
  g_autofree char *expected_smtp = g_strdup_printf (
    "The SMTP server %s refused the user name or password.", get_stack ()->host);

  log_guard_forbid ("not-alices-password");
  report = run_ok (account, "not-alices-password");
  g_assert_false (cnv_connection_report_is_ok (report));
  g_assert_cmpint (report->imap, ==, CNV_CONNECTION_WRONG_PASSWORD);
  g_assert_cmpint (report->smtp, ==, CNV_CONNECTION_WRONG_PASSWORD);
  g_assert_cmpstr (report->imap_message, ==, expected_imap);
  g_assert_cmpstr (report->smtp_message, ==, expected_smtp);
  g_assert_nonnull (report->imap_detail);
  g_assert_nonnull (strstr (report->smtp_detail, "535"));
  g_clear_pointer (&report, cnv_connection_report_free);

  /* No password at all. */
  report = run_ok (account, "");
  g_assert_cmpint (report->imap, ==, CNV_CONNECTION_WRONG_PASSWORD);
  g_assert_cmpint (report->smtp, ==, CNV_CONNECTION_WRONG_PASSWORD);
  g_assert_cmpstr (report->imap_message, ==, expected_imap);
}

/* A refused password for an address of a provider that wants something else (an app password,
 * OAuth): the sentence says so. The servers are the stack's, refusing for real; only the
 * account's address is the provider's. */
static void
test_stack_wrong_password_hint (void)
{
  static const char * const addresses[] = { "alice@gmail.com", "Alice@Hotmail.com" };

  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autoptr(CnvAccount) account = make_account ();
      g_autoptr(CnvConnectionReport) report = NULL;
      const char *hint = cnv_provider_get_password_hint (addresses[i]);
      g_autofree char *expected_imap = g_strdup_printf (
        "The IMAP server %s refused the user name or password. %s", get_stack ()->host, hint);
      g_autofree char *expected_smtp = g_strdup_printf (
        "The SMTP server %s refused the user name or password. %s", get_stack ()->host, hint);

      g_assert_nonnull (hint);
      g_free (account->address);
      account->address = g_strdup (addresses[i]);
      log_guard_forbid ("not-alices-password");
      report = run_ok (account, "not-alices-password");
      g_assert_cmpint (report->imap, ==, CNV_CONNECTION_WRONG_PASSWORD);
      g_assert_cmpint (report->smtp, ==, CNV_CONNECTION_WRONG_PASSWORD);
      g_assert_cmpstr (report->imap_message, ==, expected_imap);
      g_assert_cmpstr (report->smtp_message, ==, expected_smtp);
      g_clear_pointer (&report, cnv_connection_report_free);

      /* No password: the same, without asking the servers. */
      report = run_ok (account, "");
      g_assert_cmpstr (report->imap_message, ==, expected_imap);
      g_assert_cmpstr (report->smtp_message, ==, expected_smtp);
    }

  {
    /* The hint is for a refused password only: the right password, or another problem, has
     * none. */
    g_autoptr(CnvAccount) account = make_account ();
    g_autofree char *password = password_of ("alice");
    g_autoptr(CnvConnectionReport) report = NULL;

    g_free (account->address);
    account->address = g_strdup ("alice@gmail.com");
    report = run_ok (account, password);
    g_assert_true (cnv_connection_report_is_ok (report));
    g_clear_pointer (&report, cnv_connection_report_free);

    g_clear_pointer (&account->imap->ca_file, g_free);
    g_clear_pointer (&account->smtp->ca_file, g_free);
    report = run_ok (account, password);
    g_assert_cmpint (report->imap, ==, CNV_CONNECTION_CERTIFICATE);
    g_assert_null (strstr (report->imap_message, "app password"));
    g_assert_null (strstr (report->smtp_message, "app password"));
  }
}

static void
test_stack_certificate (void)
{
  g_autoptr(CnvAccount) account = make_account ();
  g_autofree char *password = password_of ("alice");
  g_autoptr(CnvConnectionReport) report = NULL;
  g_autofree char *expected = g_strdup_printf ("The certificate of %s is not trusted.",
                                               get_stack ()->host);

  /* The system's authorities do not know the stack's private CA. */
  g_clear_pointer (&account->imap->ca_file, g_free);
  g_clear_pointer (&account->smtp->ca_file, g_free);
  report = run_ok (account, password);
  g_assert_cmpint (report->imap, ==, CNV_CONNECTION_CERTIFICATE);
  g_assert_cmpint (report->smtp, ==, CNV_CONNECTION_CERTIFICATE);
  g_assert_cmpstr (report->imap_message, ==, expected);
  g_assert_cmpstr (report->smtp_message, ==, expected);
}

static void
test_stack_unreachable (void)
{
  g_autoptr(CnvAccount) account = make_account ();
  g_autofree char *password = password_of ("alice");
  g_autoptr(CnvConnectionReport) report = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint16 closed = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  g_autofree char *expected = NULL;

  /* A port nothing listens on. */
  g_socket_listener_close (listener);
  account->imap->port = closed;
  account->smtp->port = closed;
  report = run_ok (account, password);
  g_assert_cmpint (report->imap, ==, CNV_CONNECTION_UNREACHABLE);
  g_assert_cmpint (report->smtp, ==, CNV_CONNECTION_UNREACHABLE);
  g_clear_pointer (&report, cnv_connection_report_free);

  /* A name that never resolves (RFC 6761 §6.4). */
  g_free (account->imap->host);
  account->imap->host = g_strdup ("imap.nonexistent.invalid");
  g_free (account->smtp->host);
  account->smtp->host = g_strdup ("smtp.nonexistent.invalid");
  report = run_ok (account, password);
  g_assert_cmpint (report->imap, ==, CNV_CONNECTION_UNREACHABLE);
  g_assert_cmpint (report->smtp, ==, CNV_CONNECTION_UNREACHABLE);
  expected = g_strdup ("Could not reach imap.nonexistent.invalid: check the server name and your "
                       "connection.");
  g_assert_cmpstr (report->imap_message, ==, expected);
  g_assert_nonnull (strstr (report->smtp_message, "smtp.nonexistent.invalid"));
}

static void
test_stack_tls_mixup (void)
{
  g_autoptr(CnvAccount) account = make_account ();
  g_autofree char *password = password_of ("alice");
  g_autoptr(CnvConnectionReport) report = NULL;

  /* Implicit TLS to the ports that expect STARTTLS: the handshake fails at once. */
  account->imap->security = CNV_MAIL_SECURITY_TLS;
  account->smtp->security = CNV_MAIL_SECURITY_TLS;
  report = run_ok (account, password);
  g_assert_cmpint (report->imap, ==, CNV_CONNECTION_TLS);
  g_assert_cmpint (report->smtp, ==, CNV_CONNECTION_TLS);
  g_assert_nonnull (strstr (report->imap_message, "TLS or STARTTLS"));
  g_clear_pointer (&report, cnv_connection_report_free);

  /* STARTTLS required where the server offers none (Postfix's port, for SMTP). */
  account->imap->security = CNV_MAIL_SECURITY_STARTTLS;
  account->smtp->security = CNV_MAIL_SECURITY_STARTTLS;
  account->smtp->port = get_stack ()->smtp_port;
  report = run_ok (account, password);
  g_assert_cmpint (report->imap, ==, CNV_CONNECTION_OK);
  g_assert_cmpint (report->smtp, ==, CNV_CONNECTION_TLS);
}

static void
test_stack_cancelled (void)
{
  g_autoptr(CnvAccount) account = make_account ();
  g_autofree char *password = password_of ("alice");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) later = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) later_error = NULL;
  g_autoptr(CnvConnectionReport) report = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  g_cancellable_cancel (cancellable);
  report = run_test (account, password, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (report);

  /* Cancelled while both are under way. */
  cnv_connection_test_async (account, password, later, store_result_cb, &result);
  g_cancellable_cancel (later);
  wait_result (&result, 120);
  report = cnv_connection_test_finish (result, &later_error);
  g_assert_error (later_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (report);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  log_guard_install ();
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/app/connection/problem-from-error", test_problem_from_error);
  g_test_add_func ("/app/connection/describe", test_describe);
  g_test_add_func ("/app/connection/stack/ok", test_stack_ok);
  g_test_add_func ("/app/connection/stack/wrong-password", test_stack_wrong_password);
  g_test_add_func ("/app/connection/stack/wrong-password-hint", test_stack_wrong_password_hint);
  g_test_add_func ("/app/connection/stack/certificate", test_stack_certificate);
  g_test_add_func ("/app/connection/stack/unreachable", test_stack_unreachable);
  g_test_add_func ("/app/connection/stack/tls-mixup", test_stack_tls_mixup);
  g_test_add_func ("/app/connection/stack/cancelled", test_stack_cancelled);

  status = g_test_run ();
  g_clear_pointer (&app_test_stack, cnv_mailstack_stop);
  return status;
}
