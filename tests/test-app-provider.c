/* test-app-provider.c — guessing the servers: the table, the autoconfig parser against
 * real-world-shaped and hostile documents, and the fetch against a real libsoup server on loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "cnv-engine.h"
#include "cnv-provider.h"
#include "test-async.h"

#define ADDRESS "alice.liddell@example.org"

/* ---- the table and the fallback ---- */

static void
assert_server (const CnvMailServer *server,
               const char          *host,
               guint16              port,
               CnvMailSecurity      security,
               const char          *user)
{
  g_assert_nonnull (server);
  g_assert_cmpstr (server->host, ==, host);
  g_assert_cmpuint (server->port, ==, port);
  g_assert_cmpint (server->security, ==, security);
  g_assert_cmpstr (server->user, ==, user);
}

static void
test_table (void)
{
  static const struct
  {
    const char *address;
    const char *imap_host;
    guint16 imap_port;
    const char *imap_user;
    const char *smtp_host;
    guint16 smtp_port;
    CnvMailSecurity smtp_security;
    const char *smtp_user;
  } cases[] = {
    { "alice@gmail.com", "imap.gmail.com", 993, "alice@gmail.com", "smtp.gmail.com", 465,
      CNV_MAIL_SECURITY_TLS, "alice@gmail.com" },
    { "Alice@GoogleMail.COM", "imap.gmail.com", 993, "alice@googlemail.com", "smtp.gmail.com", 465,
      CNV_MAIL_SECURITY_TLS, "alice@googlemail.com" },
    { "alice@hotmail.com", "outlook.office365.com", 993, "alice@hotmail.com",
      "smtp-mail.outlook.com", 587, CNV_MAIL_SECURITY_STARTTLS, "alice@hotmail.com" },
    { "alice@live.com", "outlook.office365.com", 993, "alice@live.com", "smtp-mail.outlook.com",
      587, CNV_MAIL_SECURITY_STARTTLS, "alice@live.com" },
    { "alice@yahoo.com", "imap.mail.yahoo.com", 993, "alice@yahoo.com", "smtp.mail.yahoo.com", 465,
      CNV_MAIL_SECURITY_TLS, "alice@yahoo.com" },
    /* iCloud: the IMAP login is the name before the @, SMTP's the address (Apple HT202304). */
    { "alice@icloud.com", "imap.mail.me.com", 993, "alice", "smtp.mail.me.com", 587,
      CNV_MAIL_SECURITY_STARTTLS, "alice@icloud.com" },
    { "alice@me.com", "imap.mail.me.com", 993, "alice", "smtp.mail.me.com", 587,
      CNV_MAIL_SECURITY_STARTTLS, "alice@me.com" },
    { "alice@gmx.de", "imap.gmx.net", 993, "alice@gmx.de", "mail.gmx.net", 465,
      CNV_MAIL_SECURITY_TLS, "alice@gmx.de" },
    { "alice@gmx.com", "imap.gmx.com", 993, "alice@gmx.com", "mail.gmx.com", 465,
      CNV_MAIL_SECURITY_TLS, "alice@gmx.com" },
    /* WEB.DE's help page: SMTP on 587 with STARTTLS. */
    { "alice@web.de", "imap.web.de", 993, "alice@web.de", "smtp.web.de", 587,
      CNV_MAIL_SECURITY_STARTTLS, "alice@web.de" },
    { "alice@mailbox.org", "imap.mailbox.org", 993, "alice@mailbox.org", "smtp.mailbox.org", 465,
      CNV_MAIL_SECURITY_TLS, "alice@mailbox.org" },
    { "alice@posteo.net", "posteo.de", 993, "alice@posteo.net", "posteo.de", 465,
      CNV_MAIL_SECURITY_TLS, "alice@posteo.net" },
    { "alice@fastmail.com", "imap.fastmail.com", 993, "alice@fastmail.com", "smtp.fastmail.com",
      465, CNV_MAIL_SECURITY_TLS, "alice@fastmail.com" },
    /* Proton: the Bridge on loopback. */
    { "alice@proton.me", "127.0.0.1", 1143, "alice@proton.me", "127.0.0.1", 1025,
      CNV_MAIL_SECURITY_STARTTLS, "alice@proton.me" },
    { "alice@zoho.com", "imap.zoho.com", 993, "alice@zoho.com", "smtp.zoho.com", 465,
      CNV_MAIL_SECURITY_TLS, "alice@zoho.com" },
    { "alice@aol.com", "imap.aol.com", 993, "alice@aol.com", "smtp.aol.com", 465,
      CNV_MAIL_SECURITY_TLS, "alice@aol.com" },
    { "alice@yandex.ru", "imap.yandex.com", 993, "alice@yandex.ru", "smtp.yandex.com", 465,
      CNV_MAIL_SECURITY_TLS, "alice@yandex.ru" },
    { "alice@wanadoo.fr", "imap.orange.fr", 993, "alice@wanadoo.fr", "smtp.orange.fr", 465,
      CNV_MAIL_SECURITY_TLS, "alice@wanadoo.fr" },
    { "alice.l@free.fr", "imap.free.fr", 993, "alice.l", "smtp.free.fr", 465,
      CNV_MAIL_SECURITY_TLS, "alice.l" },
    { "prenom.nom@laposte.net", "imap.laposte.net", 993, "prenom.nom", "smtp.laposte.net", 465,
      CNV_MAIL_SECURITY_TLS, "prenom.nom" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CnvProviderGuess) guess = cnv_provider_guess_from_table (cases[i].address);

      g_test_message ("%s", cases[i].address);
      g_assert_nonnull (guess);
      g_assert_cmpint (guess->source, ==, CNV_PROVIDER_SOURCE_TABLE);
      g_assert_nonnull (guess->display_name);
      /* Every provider's IMAP is implicit TLS (RFC 8314 §3.3), except the Bridge's. */
      assert_server (guess->imap, cases[i].imap_host, cases[i].imap_port,
                     cases[i].imap_port == 993 ? CNV_MAIL_SECURITY_TLS : CNV_MAIL_SECURITY_STARTTLS,
                     cases[i].imap_user);
      assert_server (guess->smtp, cases[i].smtp_host, cases[i].smtp_port, cases[i].smtp_security,
                     cases[i].smtp_user);
    }

  /* Not in the table, or a subdomain or look-alike of a listed one. */
  g_assert_null (cnv_provider_guess_from_table ("alice@example.org"));
  g_assert_null (cnv_provider_guess_from_table ("alice@mail.gmail.com"));
  g_assert_null (cnv_provider_guess_from_table ("alice@gmail.com.evil.test"));
  g_assert_null (cnv_provider_guess_from_table ("alice@notgmail.com"));
  g_assert_null (cnv_provider_guess_from_table ("gmail.com"));
  g_assert_null (cnv_provider_guess_from_table (""));
}

/* The providers whose own password does not work in a mail program say what does. */
static void
test_password_hint (void)
{
  static const struct { const char *address; const char *part; } hinted[] = {
    { "alice@gmail.com", "Gmail needs an app password" },
    { "Alice@GoogleMail.COM", "Gmail needs an app password" },
    { "alice@yahoo.co.uk", "app password" },
    { "alice@icloud.com", "app-specific password" },
    { "alice@me.com", "app-specific password" },
    { "alice@aol.com", "app password" },
    { "alice@fastmail.fm", "app password" },
    { "alice@yandex.ru", "app password" },
    { "alice@hotmail.com", "OAuth" },
    { "alice@outlook.com", "OAuth" },
    { "alice@live.co.uk", "OAuth" },
    { "alice@web.de", "IMAP access" },
    { "alice@gmx.net", "IMAP access" },
    { "alice@zoho.eu", "app-specific password" },
    { "alice@proton.me", "Bridge" },
  };
  static const char * const plain[] = {
    "alice@mailbox.org", "alice@posteo.de", "alice@free.fr", "alice@example.org",
    "alice@gmail.com.evil.test", "alice", "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (hinted); i++)
    {
      const char *hint = cnv_provider_get_password_hint (hinted[i].address);

      g_test_message ("%s: %s", hinted[i].address, hint);
      g_assert_nonnull (hint);
      g_assert_nonnull (strstr (hint, hinted[i].part));
      g_assert_true (g_str_has_suffix (hint, "."));
    }
  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    g_assert_null (cnv_provider_get_password_hint (plain[i]));
}

static void
test_fallback (void)
{
  g_autoptr(CnvProviderGuess) guess = cnv_provider_guess_fallback (" Alice.Liddell@Example.ORG ");

  g_assert_nonnull (guess);
  g_assert_cmpint (guess->source, ==, CNV_PROVIDER_SOURCE_FALLBACK);
  g_assert_null (guess->display_name);
  assert_server (guess->imap, "imap.example.org", 993, CNV_MAIL_SECURITY_TLS, ADDRESS);
  assert_server (guess->smtp, "smtp.example.org", 465, CNV_MAIL_SECURITY_TLS, ADDRESS);

  g_assert_null (cnv_provider_guess_fallback ("alice"));
  g_assert_null (cnv_provider_guess_fallback ("alice@"));
  g_assert_null (cnv_provider_guess_fallback (""));
}

/* ---- the autoconfig parser ---- */

/* Shaped like a provider's real document: several incoming servers (POP3 first, STARTTLS before
 * SSL), two outgoing ones, documentation and webmail parts to read past. */
static const char realistic[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<!-- served by autoconfig.example.org -->\n"
  "<clientConfig version=\"1.1\">\n"
  "  <emailProvider id=\"example.org\">\n"
  "    <domain>example.org</domain>\n"
  "    <domain>example.net</domain>\n"
  "    <displayName>Example Mail &amp; Co</displayName>\n"
  "    <displayShortName>Example</displayShortName>\n"
  "    <incomingServer type=\"pop3\">\n"
  "      <hostname>pop.example.org</hostname>\n"
  "      <port>995</port>\n"
  "      <socketType>SSL</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "      <pop3><leaveMessagesOnServer>true</leaveMessagesOnServer></pop3>\n"
  "    </incomingServer>\n"
  "    <incomingServer type=\"imap\">\n"
  "      <hostname>imap.%EMAILDOMAIN%</hostname>\n"
  "      <port>143</port>\n"
  "      <socketType>STARTTLS</socketType>\n"
  "      <username>%EMAILLOCALPART%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </incomingServer>\n"
  "    <incomingServer type=\"imap\">\n"
  "      <hostname>\n        imaps.example.org\n      </hostname>\n"
  "      <port>993</port>\n"
  "      <socketType>SSL</socketType>\n"
  "      <username>%EMAILLOCALPART%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </incomingServer>\n"
  "    <outgoingServer type=\"smtp\">\n"
  "      <hostname>smtp.example.org</hostname>\n"
  "      <port>587</port>\n"
  "      <socketType>STARTTLS</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </outgoingServer>\n"
  "    <outgoingServer type=\"smtp\">\n"
  "      <hostname>smtp.example.org</hostname>\n"
  "      <port>465</port>\n"
  "      <socketType>SSL</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </outgoingServer>\n"
  "    <documentation url=\"https://example.org/help\">\n"
  "      <descr lang=\"en\">How to set up your mail program</descr>\n"
  "    </documentation>\n"
  "  </emailProvider>\n"
  "  <webMail><loginPage url=\"https://webmail.example.org/\"/></webMail>\n"
  "</clientConfig>\n";

static CnvProviderGuess *
parse (const char  *xml,
       GError     **error)
{
  return cnv_provider_parse_autoconfig (xml, strlen (xml), ADDRESS, error);
}

static void
test_parse_realistic (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvProviderGuess) guess = parse (realistic, &error);

  g_assert_no_error (error);
  g_assert_nonnull (guess);
  g_assert_cmpint (guess->source, ==, CNV_PROVIDER_SOURCE_AUTOCONFIG);
  g_assert_cmpstr (guess->display_name, ==, "Example Mail & Co");
  /* POP3 skipped; implicit TLS preferred over STARTTLS; the placeholders replaced. */
  assert_server (guess->imap, "imaps.example.org", 993, CNV_MAIL_SECURITY_TLS, "alice.liddell");
  assert_server (guess->smtp, "smtp.example.org", 465, CNV_MAIL_SECURITY_TLS, ADDRESS);
}

static void
test_parse_preference (void)
{
  /* Only STARTTLS offered: taken. A plain server is never taken, even first. */
  const char *starttls =
    "<clientConfig version=\"1.1\"><emailProvider id=\"x\">"
    "<incomingServer type=\"imap\"><hostname>plain.example.org</hostname><port>143</port>"
    "<socketType>plain</socketType><username>%EMAILADDRESS%</username></incomingServer>"
    "<incomingServer type=\"imap\"><hostname>imap.%EMAILDOMAIN%</hostname><port>143</port>"
    "<socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>plain.example.org</hostname><port>25</port>"
    "<socketType>plain</socketType></outgoingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>587</port>"
    "<socketType>STARTTLS</socketType><username>%EMAILDOMAIN%\\%EMAILLOCALPART%</username>"
    "</outgoingServer></emailProvider></clientConfig>";
  /* Plain only: no usable server. */
  const char *plain_only =
    "<clientConfig version=\"1.1\"><emailProvider id=\"x\">"
    "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>143</port>"
    "<socketType>plain</socketType></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>465</port>"
    "<socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>";
  /* A server that takes only OAuth 2.0 comes after one that takes a password, even with TLS. */
  const char *oauth =
    "<clientConfig version=\"1.1\"><emailProvider id=\"x\">"
    "<incomingServer type=\"imap\"><hostname>oauth.example.org</hostname><port>993</port>"
    "<socketType>SSL</socketType><authentication>OAuth2</authentication></incomingServer>"
    "<incomingServer type=\"imap\"><hostname>password.example.org</hostname><port>143</port>"
    "<socketType>STARTTLS</socketType><authentication>OAuth2</authentication>"
    "<authentication>password-cleartext</authentication></incomingServer>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>465</port>"
    "<socketType>SSL</socketType><authentication>OAuth2</authentication></outgoingServer>"
    "</emailProvider></clientConfig>";
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvProviderGuess) guess = parse (starttls, &error);

  g_assert_no_error (error);
  assert_server (guess->imap, "imap.example.org", 143, CNV_MAIL_SECURITY_STARTTLS, ADDRESS);
  assert_server (guess->smtp, "smtp.example.org", 587, CNV_MAIL_SECURITY_STARTTLS,
                 "example.org\\alice.liddell");
  g_clear_pointer (&guess, cnv_provider_guess_free);

  guess = parse (plain_only, &error);
  g_assert_error (error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_INVALID);
  g_assert_null (guess);
  g_clear_error (&error);

  guess = parse (oauth, &error);
  g_assert_no_error (error);
  assert_server (guess->imap, "password.example.org", 143, CNV_MAIL_SECURITY_STARTTLS, ADDRESS);
  /* Only OAuth 2.0 for SMTP: still the best guess there is. */
  assert_server (guess->smtp, "smtp.example.org", 465, CNV_MAIL_SECURITY_TLS, ADDRESS);
}

static void
test_parse_usernames (void)
{
  static const struct { const char *username; const char *expected; } cases[] = {
    { "%EMAILADDRESS%", ADDRESS },
    { "%EMAILLOCALPART%", "alice.liddell" },
    { "%EMAILLOCALPART%@%EMAILDOMAIN%", ADDRESS },
    { "  alice  ", "alice" },
    { "customer-12345", "customer-12345" },
    /* Unknown placeholders, and what is not one: the address. */
    { "%REALNAME%", ADDRESS },
    { "%EMAILADDRESS", ADDRESS },
    { "", ADDRESS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *xml = g_strdup_printf (
        "<clientConfig version=\"1.1\"><emailProvider id=\"x\">"
        "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>993</port>"
        "<socketType>SSL</socketType><username>%s</username></incomingServer>"
        "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>465</port>"
        "<socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>",
        cases[i].username);
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvProviderGuess) guess = parse (xml, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (guess->imap->user, ==, cases[i].expected);
      /* No username element: the address. */
      g_assert_cmpstr (guess->smtp->user, ==, ADDRESS);
    }
}

/* A document with one IMAP server described by @hostname, @port and @socket_type (NULL leaves the
 * element out), and a good SMTP server. */
static char *
document_with_imap (const char *hostname,
                    const char *port,
                    const char *socket_type)
{
  g_autoptr(GString) xml = g_string_new ("<clientConfig version=\"1.1\"><emailProvider id=\"x\">"
                                         "<incomingServer type=\"imap\">");

  if (hostname != NULL)
    g_string_append_printf (xml, "<hostname>%s</hostname>", hostname);
  if (port != NULL)
    g_string_append_printf (xml, "<port>%s</port>", port);
  if (socket_type != NULL)
    g_string_append_printf (xml, "<socketType>%s</socketType>", socket_type);
  g_string_append (xml, "</incomingServer><outgoingServer type=\"smtp\">"
                        "<hostname>smtp.example.org</hostname><port>465</port>"
                        "<socketType>SSL</socketType></outgoingServer></emailProvider>"
                        "</clientConfig>");
  return g_string_free (g_steal_pointer (&xml), FALSE);
}

static void
test_parse_ports_and_hosts (void)
{
  static const char * const bad_ports[] = { "0", "99999", "65536", "-993", "+993", "993a", "0x3e1",
                                            "", "9 93", "１２３" };
  static const char * const bad_hosts[] = { "", "imap.example.org/evil", "https://imap.example.org",
                                            "imap example.org", "-imap.example.org",
                                            "imap..example.org", "imap.example.org:993",
                                            "imap.example.org\\", "user@imap.example.org",
                                            "imap-.example.org", "ïmap.example.org",
                                            "%EMAILADDRESS%" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_ports); i++)
    {
      g_autofree char *xml = document_with_imap ("imap.example.org", bad_ports[i], "SSL");
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvProviderGuess) guess = parse (xml, &error);

      g_test_message ("port %s", bad_ports[i]);
      g_assert_error (error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_INVALID);
      g_assert_null (guess);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_hosts); i++)
    {
      g_autofree char *xml = document_with_imap (bad_hosts[i], "993", "SSL");
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvProviderGuess) guess = parse (xml, &error);

      g_test_message ("host %s", bad_hosts[i]);
      g_assert_error (error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_INVALID);
      g_assert_null (guess);
    }

  /* The extremes that are fine. */
  {
    g_autofree char *xml = document_with_imap ("IMAP.Example.ORG", "65535", "ssl");
    g_autoptr(GError) error = NULL;
    g_autoptr(CnvProviderGuess) guess = parse (xml, &error);

    g_assert_no_error (error);
    assert_server (guess->imap, "IMAP.Example.ORG", 65535, CNV_MAIL_SECURITY_TLS, ADDRESS);
  }
  /* A missing port is the protocol's default; a missing host or socket type is no server. */
  {
    g_autofree char *xml = document_with_imap ("imap.example.org", NULL, "STARTTLS");
    g_autoptr(GError) error = NULL;
    g_autoptr(CnvProviderGuess) guess = parse (xml, &error);

    g_assert_no_error (error);
    assert_server (guess->imap, "imap.example.org", 143, CNV_MAIL_SECURITY_STARTTLS, ADDRESS);
  }
  {
    g_autofree char *no_host = document_with_imap (NULL, "993", "SSL");
    g_autofree char *no_type = document_with_imap ("imap.example.org", "993", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) type_error = NULL;

    g_assert_null (parse (no_host, &error));
    g_assert_error (error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_INVALID);
    g_assert_null (parse (no_type, &type_error));
    g_assert_error (type_error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_INVALID);
  }
}

static void
assert_invalid (const char *xml,
                gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvProviderGuess) guess = cnv_provider_parse_autoconfig (xml, len, ADDRESS, &error);

  g_assert_error (error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_INVALID);
  g_assert_null (guess);
}

static void
test_parse_malformed (void)
{
  static const char * const documents[] = {
    "",
    "   ",
    "not xml at all",
    "<html><body>It works!</body></html>",
    "<?xml version=\"1.0\"?><clientconfig version=\"1.1\"/>",
    "<clientConfig version=\"1.1\"></clientConfig>",
    "<clientConfig version=\"1.1\"><emailProvider id=\"x\"></emailProvider></clientConfig>",
    "<clientConfig><emailProvider><incomingServer type=\"imap\"><hostname>a.b</hostname>"
    "<port>993</port><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>",
    "<clientConfig><emailProvider><incomingServer type=\"imap\"><hostname>imap.example.org"
    "</port></incomingServer></emailProvider></clientConfig>",
    "<clientConfig><emailProvider><incomingServer type=\"imap\"><hostname>&bogus;</hostname>"
    "</incomingServer></emailProvider></clientConfig>",
    "<clientConfig/><clientConfig/>",
    "<a:clientConfig xmlns:a=\"x\"/>",
  };
  static const char binary[] = "<clientConfig>\xff\xfe<emailProvider/></clientConfig>";
  static const char nul[] = "<clientConfig version=\"1.1\">\0<emailProvider/></clientConfig>";
  gsize len = strlen (realistic);

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_test_message ("%s", documents[i]);
      assert_invalid (documents[i], strlen (documents[i]));
    }
  assert_invalid (binary, sizeof binary - 1);
  assert_invalid (nul, sizeof nul - 1);

  /* Cut anywhere before its end tag, the realistic document is no document. */
  for (gsize cut = 0; cut < len - 20; cut++)
    assert_invalid (realistic, cut);

  /* Every byte changed in turn: an answer or an error, never a crash (ASan watches). */
  for (gsize i = 0; i < len; i++)
    {
      g_autofree char *copy = g_strndup (realistic, len);
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvProviderGuess) guess = NULL;

      copy[i] = (char) (copy[i] ^ 0x5a);
      guess = cnv_provider_parse_autoconfig (copy, len, ADDRESS, &error);
      g_assert_true ((guess == NULL) != (error == NULL));
    }
}

static void
test_parse_hostile (void)
{
  /* Entity expansion (billion laughs): GMarkup knows no DTD, so no entity is ever defined. */
  const char *laughs =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
    " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n"
    "<clientConfig version=\"1.1\"><emailProvider id=\"x\"><displayName>&lol3;</displayName>"
    "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>993</port>"
    "<socketType>SSL</socketType></incomingServer><outgoingServer type=\"smtp\">"
    "<hostname>smtp.example.org</hostname><port>465</port><socketType>SSL</socketType>"
    "</outgoingServer></emailProvider></clientConfig>";
  /* An external entity (XXE) would read a local file. */
  const char *external =
    "<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
    "<clientConfig><emailProvider><incomingServer type=\"imap\"><hostname>&xxe;</hostname>"
    "</incomingServer></emailProvider></clientConfig>";
  g_autoptr(GString) huge = g_string_sized_new (10 * 1024 * 1024 + 64);
  g_autoptr(GString) deep = g_string_new ("<clientConfig>");
  g_autoptr(GString) many = g_string_new ("<clientConfig><emailProvider>");
  g_autoptr(GString) long_host = g_string_new ("<clientConfig><emailProvider>"
                                               "<incomingServer type=\"imap\"><hostname>");

  assert_invalid (laughs, strlen (laughs));
  assert_invalid (external, strlen (external));

  /* 10 MiB: refused by its size before any parsing. */
  g_string_append (huge, "<clientConfig version=\"1.1\"><emailProvider><displayName>");
  while (huge->len < 10 * 1024 * 1024)
    g_string_append (huge, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  g_string_append (huge, "</displayName></emailProvider></clientConfig>");
  assert_invalid (huge->str, huge->len);

  /* Just under 1 MiB of nesting: stopped at the depth limit. */
  for (guint i = 0; i < 100000; i++)
    g_string_append (deep, "<a>");
  assert_invalid (deep->str, deep->len);

  /* Thousands of servers: stopped at the count limit. */
  for (guint i = 0; i < 5000; i++)
    g_string_append (many, "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname>"
                           "<port>993</port><socketType>SSL</socketType></incomingServer>");
  g_string_append (many, "</emailProvider></clientConfig>");
  assert_invalid (many->str, many->len);

  /* A host name of 100 000 bytes. */
  for (guint i = 0; i < 10000; i++)
    g_string_append (long_host, "aaaaaaaaa.");
  g_string_append (long_host, "</hostname></incomingServer></emailProvider></clientConfig>");
  assert_invalid (long_host->str, long_host->len);
}

static void
test_parse_first_provider (void)
{
  /* Only the first emailProvider counts; its display name is cleaned of line breaks. */
  const char *xml =
    "<clientConfig version=\"1.1\"><emailProvider id=\"a\"><displayName>First&#10;Provider"
    "</displayName><incomingServer type=\"imap\"><hostname>imap.first.example</hostname>"
    "<port>993</port><socketType>SSL</socketType></incomingServer><outgoingServer type=\"smtp\">"
    "<hostname>smtp.first.example</hostname><port>465</port><socketType>SSL</socketType>"
    "</outgoingServer></emailProvider><emailProvider id=\"b\"><displayName>Second</displayName>"
    "<incomingServer type=\"imap\"><hostname>imap.second.example</hostname><port>993</port>"
    "<socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>";
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvProviderGuess) guess = parse (xml, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (guess->display_name, ==, "First Provider");
  g_assert_cmpstr (guess->imap->host, ==, "imap.first.example");
  g_assert_cmpstr (guess->smtp->host, ==, "smtp.first.example");
}

/* Texts of the document that the window shows: no bidirectional override or isolate, no
 * zero-width or other format character, no control, no line separator; a name of nothing but
 * those is no name. A user name with one of them is not used. */
static void
test_parse_shown_text (void)
{
  static const struct { const char *name; const char *expected; } cases[] = {
    /* U+202E RIGHT-TO-LEFT OVERRIDE … U+202C POP DIRECTIONAL FORMATTING */
    { "Example \xe2\x80\xae" "liaM\xe2\x80\xac Co", "Example liaM Co" },
    /* U+2066 LEFT-TO-RIGHT ISOLATE … U+2069 POP DIRECTIONAL ISOLATE, U+202A…U+202D */
    { "\xe2\x81\xa6" "Ex\xe2\x81\xa7" "am\xe2\x81\xa8" "ple\xe2\x81\xa9"
      "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xad Mail", "Example Mail" },
    /* U+200B ZERO WIDTH SPACE, U+200C, U+200D, U+2060 WORD JOINER, U+FEFF, U+00AD SOFT HYPHEN,
     * U+200E/U+200F marks, U+061C ARABIC LETTER MARK */
    { "G\xe2\x80\x8bm\xe2\x80\x8c" "a\xe2\x80\x8di\xe2\x81\xa0l\xef\xbb\xbf \xc2\xad"
      "Mail\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "Gmail Mail" },
    /* Controls, C1 (U+0085), U+2028, U+2029, no-break and ideographic spaces: one space. */
    { "A&#9;B&#10;&#13;C\xc2\x85" "D\xe2\x80\xa8" "E\xe2\x80\xa9" "F\xc2\xa0G\xe3\x80\x80H",
      "A B C D E F G H" },
    /* A private-use character (U+E000) and an unassigned one (U+0378). */
    { "Mail\xee\x80\x80 Co\xcd\xb8", "Mail Co" },
    /* Names of other scripts stay as they are. */
    { "Почта \xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a \xe9\x83\xb5\xe4\xbe\xbf", NULL },
    /* Nothing visible: no name. */
    { "\xe2\x80\xae\xe2\x80\x8b \xe2\x81\xa6&#9;", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *xml = g_strdup_printf (
        "<clientConfig version=\"1.1\"><emailProvider id=\"x\"><displayName>%s</displayName>"
        "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>993</port>"
        "<socketType>SSL</socketType></incomingServer><outgoingServer type=\"smtp\">"
        "<hostname>smtp.example.org</hostname><port>465</port><socketType>SSL</socketType>"
        "</outgoingServer></emailProvider></clientConfig>", cases[i].name);
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvProviderGuess) guess = parse (xml, &error);
      const char *expected = cases[i].expected != NULL ? cases[i].expected : cases[i].name;

      g_assert_no_error (error);
      if (*expected == '\0')
        g_assert_null (guess->display_name);
      else
        g_assert_cmpstr (guess->display_name, ==, expected);
    }

  {
    static const char * const usernames[] = {
      "\xe2\x80\xae" "ecila", "alice\xe2\x80\x8b", "ali\xe2\x81\xa6" "ce", "alice&#9;x",
      "alice\xc2\x85", "alice\xe2\x80\xa8x",
    };

    for (guint i = 0; i < G_N_ELEMENTS (usernames); i++)
      {
        g_autofree char *xml = g_strdup_printf (
          "<clientConfig version=\"1.1\"><emailProvider id=\"x\">"
          "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>993</port>"
          "<socketType>SSL</socketType><username>%s</username></incomingServer>"
          "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>465</port>"
          "<socketType>SSL</socketType><username>%s</username></outgoingServer>"
          "</emailProvider></clientConfig>", usernames[i], usernames[i]);
        g_autoptr(GError) error = NULL;
        g_autoptr(CnvProviderGuess) guess = parse (xml, &error);

        g_assert_no_error (error);
        g_assert_cmpstr (guess->imap->user, ==, ADDRESS);
        g_assert_cmpstr (guess->smtp->user, ==, ADDRESS);
      }
  }
}

/* ---- the fetch, against a real libsoup server on loopback ---- */

typedef struct
{
  SoupServer     *server;
  GSocketService *service;
  char           *url;    /* http://127.0.0.1:PORT/%s/mail/config-v1.1.xml */
  guint       requests;
  guint       good_requests;  /* of good.test's document */
  char       *last_query;
  GPtrArray  *paused;     /* SoupServerMessage held without an answer */
} Fixture;

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Fixture *fixture = user_data;
  GUri *uri = soup_server_message_get_uri (message);

  fixture->requests++;
  g_free (fixture->last_query);
  fixture->last_query = g_strdup (g_uri_get_query (uri));

  if (strcmp (path, "/good.test/mail/config-v1.1.xml") == 0)
    {
      g_autofree char *xml = g_strdup (realistic);

      fixture->good_requests++;
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "application/xml; charset=utf-8",
                                        SOUP_MEMORY_COPY, xml, strlen (xml));
    }
  else if (strcmp (path, "/html.test/mail/config-v1.1.xml") == 0)
    {
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "text/html", SOUP_MEMORY_STATIC, realistic,
                                        strlen (realistic));
    }
  else if (strcmp (path, "/garbage.test/mail/config-v1.1.xml") == 0)
    {
      static const char garbage[] = "<html>Parked domain</html>";

      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "text/xml", SOUP_MEMORY_STATIC, garbage,
                                        strlen (garbage));
    }
  else if (strcmp (path, "/huge.test/mail/config-v1.1.xml") == 0)
    {
      /* 2 MiB, announced with its length. */
      gsize len = 2 * 1024 * 1024;
      char *body = g_malloc (len);

      memset (body, ' ', len);
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "application/xml", SOUP_MEMORY_TAKE, body, len);
    }
  else if (strcmp (path, "/chunked.test/mail/config-v1.1.xml") == 0)
    {
      /* 2 MiB in chunks, no length: stopped while reading. */
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);
      SoupMessageBody *body = soup_server_message_get_response_body (message);
      char chunk[65536];

      memset (chunk, ' ', sizeof chunk);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, "application/xml", NULL);
      for (guint i = 0; i < 32; i++)
        soup_message_body_append (body, SOUP_MEMORY_COPY, chunk, sizeof chunk);
      soup_message_body_complete (body);
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
    }
  else if (strcmp (path, "/slow.test/mail/config-v1.1.xml") == 0)
    {
      /* Never answers (until the fixture ends). */
      g_ptr_array_add (fixture->paused, g_object_ref (message));
      soup_server_message_pause (message);
    }
  else if (g_str_has_prefix (path, "/redirect-") && strstr (path, ".test/") != NULL)
    {
      /* "/redirect-STATUS-KIND.test/…": a redirect to good.test's document over http (this
       * server), to https, or to another scheme. */
      guint status = (guint) g_ascii_strtoull (path + strlen ("/redirect-"), NULL, 10);
      g_autoptr(GString) target = g_string_new (fixture->url);

      g_string_replace (target, "%s", "good.test", 1);
      if (strstr (path, "-https.") != NULL)
        g_string_replace (target, "http:", "https:", 1);
      else if (strstr (path, "-file.") != NULL)
        g_string_assign (target, "file:///etc/passwd");
      else if (strstr (path, "-data.") != NULL)
        {
          g_autofree char *escaped = g_uri_escape_string (realistic, NULL, FALSE);

          g_string_printf (target, "data:application/xml,%s", escaped);
        }
      soup_server_message_set_redirect (message, status, target->str);
    }
  else
    soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
}

/* libsoup 3.2.3's own listener leaks the GSocket of every connection (fixed in 3.3; see
 * src/manager/cnv-manager-gateway.c): the fixture accepts the connections itself. */
static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GError) error = NULL;

  soup_server_accept_iostream (fixture->server, G_IO_STREAM (connection), local, remote, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  fixture->server = soup_server_new (NULL, NULL);
  fixture->paused = g_ptr_array_new_with_free_func (g_object_unref);
  soup_server_add_handler (fixture->server, NULL, handler_cb, fixture, NULL);
  fixture->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (fixture->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                 &error);
  g_assert_no_error (error);
  g_signal_connect (fixture->service, "incoming", G_CALLBACK (incoming_cb), fixture);
  g_socket_service_start (fixture->service);
  fixture->url = g_strdup_printf ("http://127.0.0.1:%u/%%s/mail/config-v1.1.xml",
                                  g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  for (guint i = 0; i < fixture->paused->len; i++)
    {
      SoupServerMessage *message = g_ptr_array_index (fixture->paused, i);

      soup_server_message_set_status (message, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (message);
    }
  spin_ms (50);
  g_ptr_array_unref (fixture->paused);
  g_socket_service_stop (fixture->service);
  g_socket_listener_close (G_SOCKET_LISTENER (fixture->service));
  g_object_unref (fixture->service);
  soup_server_disconnect (fixture->server);
  g_object_unref (fixture->server);
  g_free (fixture->url);
  g_free (fixture->last_query);
}

static CnvProviderGuess *
guess_with (const char    *address,
            const char    *url,
            guint          timeout,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cnv_provider_guess_async (address, url, timeout, cancellable, store_result_cb, &result);
  wait_result (&result, 60);
  return cnv_provider_guess_finish (result, error);
}

static void
test_fetch_autoconfig (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvProviderGuess) guess = guess_with ("Alice.Liddell@good.test", fixture->url, 5,
                                                  NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (guess->source, ==, CNV_PROVIDER_SOURCE_AUTOCONFIG);
  g_assert_cmpstr (guess->display_name, ==, "Example Mail & Co");
  assert_server (guess->imap, "imaps.example.org", 993, CNV_MAIL_SECURITY_TLS, "alice.liddell");
  assert_server (guess->smtp, "smtp.example.org", 465, CNV_MAIL_SECURITY_TLS,
                 "alice.liddell@good.test");
  g_assert_cmpuint (fixture->requests, ==, 1);
  /* The draft's query, the address escaped. */
  g_assert_cmpstr (fixture->last_query, ==, "emailaddress=alice.liddell%40good.test");

  g_assert_cmpuint (fixture->good_requests, ==, 1);
}

/* No redirect is followed, whatever its status and target: the request carries the address,
 * which goes to the domain's own host and nowhere else; a redirect is "no document". */
static void
test_fetch_redirect (Fixture       *fixture,
                     gconstpointer  data)
{
  static const char * const domains[] = {
    "redirect-302-http.test", "redirect-301-http.test", "redirect-307-http.test",
    "redirect-308-http.test", "redirect-302-https.test", "redirect-301-file.test",
    "redirect-302-data.test",
  };

  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    {
      g_autofree char *address = g_strconcat ("alice@", domains[i], NULL);
      g_autofree char *imap_host = g_strconcat ("imap.", domains[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvProviderGuess) guess = NULL;

      g_test_message ("%s", domains[i]);
      guess = guess_with (address, fixture->url, 5, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (guess->source, ==, CNV_PROVIDER_SOURCE_FALLBACK);
      g_assert_null (guess->display_name);
      assert_server (guess->imap, imap_host, 993, CNV_MAIL_SECURITY_TLS, address);
      g_assert_cmpuint (fixture->requests, ==, i + 1);
    }
  /* The document the redirects point at was never asked for. */
  g_assert_cmpuint (fixture->good_requests, ==, 0);
}

static void
assert_fallback (Fixture    *fixture,
                 const char *domain,
                 const char *url,
                 guint       timeout)
{
  g_autofree char *address = g_strconcat ("alice@", domain, NULL);
  g_autofree char *imap_host = g_strconcat ("imap.", domain, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvProviderGuess) guess = NULL;

  g_test_message ("%s", domain);
  guess = guess_with (address, url, timeout, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (guess->source, ==, CNV_PROVIDER_SOURCE_FALLBACK);
  assert_server (guess->imap, imap_host, 993, CNV_MAIL_SECURITY_TLS, address);
}

static void
test_fetch_fallbacks (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *closed = NULL;

  /* 404, a 200 that is HTML, a 200 that is XML but no autoconfig, 2 MiB announced or chunked. */
  assert_fallback (fixture, "missing.test", fixture->url, 5);
  assert_fallback (fixture, "html.test", fixture->url, 5);
  assert_fallback (fixture, "garbage.test", fixture->url, 5);
  assert_fallback (fixture, "huge.test", fixture->url, 5);
  assert_fallback (fixture, "chunked.test", fixture->url, 5);
  g_assert_cmpuint (fixture->requests, ==, 5);

  /* Nothing listens; no such host (.invalid never resolves, RFC 6761 §6.4); not a URL. */
  {
    g_autoptr(GSocketListener) listener = g_socket_listener_new ();
    guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);

    g_socket_listener_close (listener);
    closed = g_strdup_printf ("http://127.0.0.1:%u/%%s/config.xml", port);
  }
  assert_fallback (fixture, "closed.test", closed, 5);
  assert_fallback (fixture, "nonexistent.invalid", "http://autoconfig.%s/config.xml", 5);
  assert_fallback (fixture, "bad.test", "not a url %s", 5);
}

static void
test_fetch_timeout (Fixture       *fixture,
                    gconstpointer  data)
{
  /* The server never answers: the timeout ends the fetch, the plain guess is given. */
  assert_fallback (fixture, "slow.test", fixture->url, 1);
  g_assert_cmpuint (fixture->paused->len, ==, 1);
}

static void
cancel_soon_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static void
test_fetch_cancelled (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) before = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) before_error = NULL;
  g_autoptr(CnvProviderGuess) guess = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  /* Cancelled while the server holds the request. */
  cnv_provider_guess_async ("alice@slow.test", fixture->url, 30, cancellable, store_result_cb,
                            &result);
  WAIT_UNTIL (fixture->paused->len == 1, 30);
  g_assert_cmpuint (fixture->paused->len, ==, 1);
  g_assert_null (result);
  g_idle_add_once (cancel_soon_cb, cancellable);
  wait_result (&result, 30);
  guess = cnv_provider_guess_finish (result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (guess);

  /* Cancelled before it starts; even the table's answer is then not given. */
  g_cancellable_cancel (before);
  guess = guess_with ("alice@good.test", fixture->url, 5, before, &before_error);
  g_assert_error (before_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (guess);
  g_clear_error (&before_error);
  guess = guess_with ("alice@gmail.com", fixture->url, 5, before, &before_error);
  g_assert_error (before_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (guess);
}

static void
test_fetch_table_first (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvProviderGuess) guess = guess_with ("alice@gmail.com", fixture->url, 5, NULL,
                                                  &error);

  /* The table answers without the network. */
  g_assert_no_error (error);
  g_assert_cmpint (guess->source, ==, CNV_PROVIDER_SOURCE_TABLE);
  g_assert_cmpuint (fixture->requests, ==, 0);
  g_clear_pointer (&guess, cnv_provider_guess_free);

  /* Not an address: the only error besides cancellation; nothing fetched. */
  guess = guess_with ("alice", fixture->url, 5, NULL, &error);
  g_assert_error (error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_ADDRESS);
  g_assert_null (guess);
  g_assert_cmpuint (fixture->requests, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/app/provider/table", test_table);
  g_test_add_func ("/app/provider/password-hint", test_password_hint);
  g_test_add_func ("/app/provider/fallback", test_fallback);
  g_test_add_func ("/app/provider/parse/realistic", test_parse_realistic);
  g_test_add_func ("/app/provider/parse/preference", test_parse_preference);
  g_test_add_func ("/app/provider/parse/usernames", test_parse_usernames);
  g_test_add_func ("/app/provider/parse/ports-and-hosts", test_parse_ports_and_hosts);
  g_test_add_func ("/app/provider/parse/malformed", test_parse_malformed);
  g_test_add_func ("/app/provider/parse/hostile", test_parse_hostile);
  g_test_add_func ("/app/provider/parse/first-provider", test_parse_first_provider);
  g_test_add_func ("/app/provider/parse/shown-text", test_parse_shown_text);
  g_test_add ("/app/provider/fetch/autoconfig", Fixture, NULL, fixture_set_up,
              test_fetch_autoconfig, fixture_tear_down);
  g_test_add ("/app/provider/fetch/redirect", Fixture, NULL, fixture_set_up, test_fetch_redirect,
              fixture_tear_down);
  g_test_add ("/app/provider/fetch/fallbacks", Fixture, NULL, fixture_set_up,
              test_fetch_fallbacks, fixture_tear_down);
  g_test_add ("/app/provider/fetch/timeout", Fixture, NULL, fixture_set_up, test_fetch_timeout,
              fixture_tear_down);
  g_test_add ("/app/provider/fetch/cancelled", Fixture, NULL, fixture_set_up,
              test_fetch_cancelled, fixture_tear_down);
  g_test_add ("/app/provider/fetch/table-first", Fixture, NULL, fixture_set_up,
              test_fetch_table_first, fixture_tear_down);

  return g_test_run ();
}
