/* test-imap-lines-auth.c — the IMAP client's login and STARTTLS against scripted line servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AUTHENTICATE PLAIN with and without SASL-IR, LOGIN with quoted strings and literals, refusals,
 * XOAUTH2's error challenge, STARTTLS injection and a missing STARTTLS. Each checks the exact lines
 * the client sent, and that the protocol trace shows no secret.
 */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "cnv-imap-client.h"
#include "imap-test-client.h"

/* Decodes the base64 the client sent (its trailing part after @prefix). */
static GBytes *
decode_sent (const char *line,
             const char *prefix)
{
  gsize length = 0;
  guchar *raw;

  g_assert_true (g_str_has_prefix (line, prefix));
  raw = g_base64_decode (line + strlen (prefix), &length);
  return g_bytes_new_take (raw, length);
}

static void
assert_bytes (GBytes     *bytes,
              const char *expected,
              gsize       length)
{
  g_autoptr(GBytes) want = g_bytes_new_static (expected, length);

  g_assert_true (g_bytes_equal (bytes, want));
}

/* 8a. AUTHENTICATE PLAIN without SASL-IR (RFC 4616, RFC 9051 §6.2.2): the command, `+`, then the
 * base64 of NUL user NUL password on its own line. The OK's CAPABILITY code saves a command. */
static void
test_client_auth_plain_continuation (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\n"
    "C: TAG AUTHENTICATE PLAIN\n"
    "S: + \n"
    "C: [A-Za-z0-9+/]+=*\n"
    "S: ${TAG} OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Logged in\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sasl = NULL;
  GPtrArray *received;

  trace_clear ();
  connect_or_fail (tc);
  g_assert_false (cnv_imap_client_has_capability (tc->client, "IDLE"));
  g_assert_true (client_authenticate (tc, "secret", &error));
  g_assert_no_error (error);
  g_assert_true (cnv_imap_client_has_capability (tc->client, "IDLE"));
  g_assert_true (cnv_imap_client_has_capability (tc->client, "uidplus"));

  assert_script_done (server);
  received = cnv_line_server_get_received (server);
  g_assert_cmpuint (received->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (received, 0), ==, "A1 AUTHENTICATE PLAIN");
  g_assert_cmpstr (g_ptr_array_index (received, 1), ==, "AHVzZXIAc2VjcmV0");
  sasl = decode_sent (g_ptr_array_index (received, 1), "");
  assert_bytes (sasl, "\0user\0secret", 12);

  assert_traced_line ("C: A1 AUTHENTICATE PLAIN");
  assert_traced_line ("C: <redacted>");
  assert_not_traced ("secret");
  assert_not_traced ("AHVzZXIAc2VjcmV0");
}

/* 8b. RFC 4959 SASL-IR: the initial response on the command line. Without a CAPABILITY code in
 * the OK, the client asks (RFC 9051 §6.2.2: capabilities may change after login). */
static void
test_client_auth_plain_sasl_ir (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN] ready\n"
    "C: TAG AUTHENTICATE PLAIN [A-Za-z0-9+/]+=*\n"
    "S: ${TAG} OK Logged in\n"
    "C: TAG CAPABILITY\n"
    "S: * CAPABILITY IMAP4rev1 IDLE\n"
    "S: ${TAG} OK Capability completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sasl = NULL;
  const char *password = "s3cr\xc3\xa9t \"quoted\"";
  g_autofree char *encoded = NULL;
  GPtrArray *received;

  trace_clear ();
  connect_or_fail (tc);
  g_assert_true (client_authenticate (tc, password, &error));
  g_assert_no_error (error);
  g_assert_true (cnv_imap_client_has_capability (tc->client, "IDLE"));
  g_assert_false (cnv_imap_client_has_capability (tc->client, "SASL-IR"));

  assert_script_done (server);
  received = cnv_line_server_get_received (server);
  g_assert_cmpuint (received->len, ==, 2);
  sasl = decode_sent (g_ptr_array_index (received, 0), "A1 AUTHENTICATE PLAIN ");
  assert_bytes (sasl, "\0user\0s3cr\xc3\xa9t \"quoted\"", 5 + 1 + strlen (password));
  encoded = g_strdup ((const char *) g_ptr_array_index (received, 0)
                      + strlen ("A1 AUTHENTICATE PLAIN "));
  g_assert_cmpstr (g_ptr_array_index (received, 1), ==, "A2 CAPABILITY");

  assert_traced_line ("C: A1 AUTHENTICATE PLAIN <redacted>");
  assert_not_traced (password);
  assert_not_traced ("s3cr");
  assert_not_traced (encoded);
}

/* 8c. LOGIN (RFC 9051 §6.2.3) with `"` and `\` in the password: a quoted string escapes them. */
static void
test_client_auth_login_quoted (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG LOGIN \"user\" \"pa\\\\\"ss\\\\\\\\word\"\n"
    "S: ${TAG} OK [CAPABILITY IMAP4rev1 IDLE] Logged in\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;

  trace_clear ();
  connect_or_fail (tc);
  g_assert_true (client_authenticate (tc, "pa\"ss\\word", &error));
  g_assert_no_error (error);
  assert_received (server, (const char *[]) { "A1 LOGIN \"user\" \"pa\\\"ss\\\\word\"", NULL });

  assert_traced_line ("C: A1 LOGIN \"user\" <redacted>");
  assert_not_traced ("pa\"ss");
  assert_not_traced ("pa\\\"ss");
  assert_not_traced ("word");
}

/* 8d. 8-bit text cannot be quoted without UTF8=ACCEPT (RFC 9051 §4.3): the password goes as a
 * synchronizing literal, its bytes only after the server's `+`. */
static void
test_client_auth_login_literal (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    GREETING
    "C: TAG LOGIN \"user\" \\{10\\}\n"
    "sleep: 400\n"
    "S: + Ready for literal data\n"
    "C-bytes: 10\n"
    "C: \n"
    "S: ${TAG} OK [CAPABILITY IMAP4rev1] Logged in\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;
  const char *password = "p\xc3\xa4ssw\xc3\xb6rd";
  const char *first = "A1 LOGIN \"user\" {10}\r\n";
  GAsyncResult *result = NULL;

  g_assert_cmpuint (strlen (password), ==, 10);
  trace_clear ();
  connect_or_fail (tc);
  cnv_imap_client_authenticate_async (tc->client, password, NULL, store_result_cb, &result);
  /* Nothing beyond `{10}` CRLF before the `+`. */
  assert_sent_stays (tc, strlen (first), 200);
  g_assert_true (cnv_imap_client_authenticate_finish (tc->client, wait_client (&result), &error));
  g_assert_no_error (error);
  g_object_unref (result);
  g_assert_cmpuint (cnv_imap_client_get_bytes_sent (tc->client), ==, strlen (first) + 10 + 2);
  assert_received (server, (const char *[]) { "A1 LOGIN \"user\" {10}", password, "", NULL });

  assert_not_traced (password);
  assert_not_traced ("ssw");
  assert_traced_line ("C: A1 LOGIN \"user\" {10} <redacted>");
}

/* The trace of a literal password, whatever its length, shows no garbage. */
static void
test_client_auth_literal_trace (void)
{
  static const char *const passwords[] = { "\xc3\xbc", "\xc3\xa9t\xc3\xa9-2026!", NULL };

  for (guint i = 0; passwords[i] != NULL; i++)
    {
      g_autofree char *size = g_strdup_printf ("%u", (guint) strlen (passwords[i]));
      g_autofree char *script = g_strdup_printf (
        GREETING
        "C: TAG LOGIN \"user\" \\{%s\\}\n"
        "S: + Ready for literal data\n"
        "C-bytes: %s\n"
        "C: \n"
        "S: ${TAG} OK [CAPABILITY IMAP4rev1] Logged in\n", size, size);
      g_autoptr(CnvLineServer) server = run_script (script);
      g_autoptr(TestClient) tc = test_client_new (server);
      g_autoptr(GError) error = NULL;
      g_autofree char *first = g_strdup_printf ("A1 LOGIN \"user\" {%s}", size);
      g_autofree char *line = g_strdup_printf ("C: %s <redacted>", first);

      trace_clear ();
      connect_or_fail (tc);
      g_assert_true (client_authenticate (tc, passwords[i], &error));
      g_assert_no_error (error);
      assert_received (server, (const char *[]) { first, passwords[i], "", NULL });
      assert_not_traced (passwords[i]);
      assert_traced_line (line);
    }
}

/* 8e. A refused login: CNV_IMAP_ERROR_AUTH, the connection stays usable. */
static void
test_client_auth_refused (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"
    "C: TAG AUTHENTICATE PLAIN [A-Za-z0-9+/]+=*\n"
    "S: ${TAG} NO [AUTHENTICATIONFAILED] Authentication failed.\n"
    "C: TAG NOOP\n"
    "S: ${TAG} OK NOOP completed.\n");
  g_autoptr(TestClient) tc = test_client_new (server);
  g_autoptr(GError) error = NULL;

  trace_clear ();
  connect_or_fail (tc);
  g_assert_false (client_authenticate (tc, "wr0ng-Passw0rd", &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_AUTH);
  g_assert_null (strstr (error->message, "wr0ng"));
  g_clear_error (&error);
  g_assert_true (cnv_imap_client_is_connected (tc->client));
  g_assert_true (client_noop (tc, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tc->closed->len, ==, 0);
  assert_script_done (server);
  assert_not_traced ("wr0ng");
}

/* XOAUTH2 with an error challenge: the client answers with an empty line (RFC 7628 §3.2.3), the
 * server then says NO. */
static void
test_client_auth_xoauth2_refused (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] ready\n"
    "C: TAG AUTHENTICATE XOAUTH2 [A-Za-z0-9+/]+=*\n"
    "S: + eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=\n"
    "C: \n"
    "S: ${TAG} NO [AUTHENTICATIONFAILED] Invalid credentials\n");
  g_autoptr(TestClient) tc = test_client_new_full (server, CNV_MAIL_SECURITY_NONE, "user",
                                                   CNV_MAIL_AUTH_XOAUTH2);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sasl = NULL;
  GPtrArray *received;
  static const char expected[] = "user=user\001auth=Bearer ya29.t0ken\001\001";

  trace_clear ();
  connect_or_fail (tc);
  g_assert_false (client_authenticate (tc, "ya29.t0ken", &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_AUTH);
  assert_script_done (server);
  received = cnv_line_server_get_received (server);
  g_assert_cmpuint (received->len, ==, 2);
  sasl = decode_sent (g_ptr_array_index (received, 0), "A1 AUTHENTICATE XOAUTH2 ");
  assert_bytes (sasl, expected, sizeof expected - 1);
  g_assert_cmpstr (g_ptr_array_index (received, 1), ==, "");
  assert_not_traced ("t0ken");
}

/* 9a. RFC 9051 §6.2.1 / RFC 2595 §3.1: bytes after STARTTLS's OK, before the TLS handshake, would
 * pass as protected (the STARTTLS injection attack): refused. */
static void
test_client_starttls_injection (void)
{
  g_autoptr(CnvLineServer) server = run_script (
    "S: * OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\n"
    "C: TAG STARTTLS\n"
    "S: ${TAG} OK Begin TLS negotiation now\\r\\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\n"
    "expect-eof\n");
  g_autoptr(TestClient) tc = test_client_new_full (server, CNV_MAIL_SECURITY_STARTTLS, "user",
                                                   CNV_MAIL_AUTH_AUTO);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) script = NULL;

  g_assert_false (client_connect (tc, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL);
  assert_error_says (error, "after accepting STARTTLS");
  g_assert_false (cnv_imap_client_is_connected (tc->client));

  /* The client must refuse before it starts TLS: no byte of a handshake (a TLS record starts
   * with 0x16 0x03) may leave. */
  cnv_line_server_wait (server, SCRIPT_TIMEOUT_MS, &script);
  g_assert_no_error (script);
  assert_received (server, (const char *[]) { "A1 STARTTLS", NULL });
}

/* 9b. STARTTLS required and not offered: an error, never a silent downgrade; nothing is sent
 * after the capabilities, certainly no password. */
static void
test_client_starttls_missing (void)
{
  static const struct
  {
    const char        *script;
    const char *const  sent[2];
    int                code;
  } cases[] = {
    { "S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\nexpect-eof\n", { NULL, },
      CNV_IMAP_ERROR_UNSUPPORTED },
    { "S: * OK ready\n"
      "C: TAG CAPABILITY\n"
      "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN\n"
      "S: ${TAG} OK Capability completed.\n"
      "expect-eof\n", { "A1 CAPABILITY", NULL }, CNV_IMAP_ERROR_UNSUPPORTED },
    /* RFC 9051 §6.2.1: PREAUTH on a plain connection: no STARTTLS is possible. */
    { "S: * PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in\nexpect-eof\n", { NULL, },
      CNV_IMAP_ERROR_UNSUPPORTED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CnvLineServer) server = run_script (cases[i].script);
      g_autoptr(TestClient) tc = test_client_new_full (server, CNV_MAIL_SECURITY_STARTTLS, "user",
                                                       CNV_MAIL_AUTH_AUTO);
      g_autoptr(GError) error = NULL;

      g_assert_false (client_connect (tc, &error));
      g_assert_error (error, CNV_IMAP_ERROR, cases[i].code);
      g_test_message ("%s", error->message);
      g_assert_false (cnv_imap_client_is_connected (tc->client));
      assert_received (server, (const char **) cases[i].sent);
    }
}

int
main (int   argc,
      char *argv[])
{
  imap_test_init (&argc, &argv);

  g_test_add_func ("/imap-lines/client/auth/plain-continuation",
                   test_client_auth_plain_continuation);
  g_test_add_func ("/imap-lines/client/auth/plain-sasl-ir", test_client_auth_plain_sasl_ir);
  g_test_add_func ("/imap-lines/client/auth/login-quoted", test_client_auth_login_quoted);
  g_test_add_func ("/imap-lines/client/auth/login-literal", test_client_auth_login_literal);
  g_test_add_func ("/imap-lines/client/auth/literal-trace", test_client_auth_literal_trace);
  g_test_add_func ("/imap-lines/client/auth/refused", test_client_auth_refused);
  g_test_add_func ("/imap-lines/client/auth/xoauth2-refused", test_client_auth_xoauth2_refused);
  g_test_add_func ("/imap-lines/client/starttls/injection", test_client_starttls_injection);
  g_test_add_func ("/imap-lines/client/starttls/missing", test_client_starttls_missing);

  return g_test_run ();
}
