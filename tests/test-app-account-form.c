/* test-app-account-form.c — the account page's decisions: field errors, Save / Test, the guess,
 * the password asked again when the servers change
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-account-form.h"
#include "cnv-engine.h"

/* A form filled as a user would for a working account. */
static void
fill (CnvAccountForm *form)
{
  cnv_account_form_init (form);
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_ADDRESS, "alice@example.org", TRUE);
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_NAME, "Alice Liddell", TRUE);
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_PASSWORD, "secret", TRUE);
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_IMAP_HOST, "imap.example.org", TRUE);
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_IMAP_PORT, "993", TRUE);
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_SMTP_HOST, "smtp.example.org", TRUE);
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_SMTP_PORT, "465", TRUE);
}

/* Evaluates @form and checks that only @field has an error (or none, with CNV_ACCOUNT_N_FIELDS). */
static void
assert_only_error (const CnvAccountForm *form,
                   CnvAccountField       field,
                   gboolean              can_save,
                   gboolean              can_test)
{
  CnvAccountFormState state;

  cnv_account_form_evaluate (form, &state);
  for (guint i = 0; i < CNV_ACCOUNT_N_FIELDS; i++)
    {
      if (i == field)
        {
          g_assert_nonnull (state.errors[i]);
          g_test_message ("field %u: %s", i, state.errors[i]);
          /* A sentence: starts with a capital, ends with a full stop. */
          g_assert_true (g_unichar_isupper (g_utf8_get_char (state.errors[i])));
          g_assert_true (g_str_has_suffix (state.errors[i], "."));
        }
      else
        g_assert_null (state.errors[i]);
    }
  g_assert_cmpint (state.can_save, ==, can_save);
  g_assert_cmpint (state.can_test, ==, can_test);
  cnv_account_form_state_clear (&state);
}

static void
test_valid (void)
{
  CnvAccountForm form;

  fill (&form);
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);

  /* White space around what was pasted is forgiven; IDN and address literals are hosts. */
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_ADDRESS, "  Alice@Example.ORG\n", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_HOST, " imap.bücher.example ", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_HOST, "192.0.2.25", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_PORT, " 587 ", TRUE);
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_HOST, "::1", TRUE);
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);

  /* The name is optional. */
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_NAME, NULL, TRUE);
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);
  cnv_account_form_clear (&form);
}

static void
test_address (void)
{
  static const char * const bad[] = { "", "   ", "alice", "alice@", "@example.org",
                                      "alice@@example.org", "Alice <alice@example.org>",
                                      "alice@exa mple.org", "alice@example.org\r\nBcc: x@y.z" };
  CnvAccountForm form;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      fill (&form);
      cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_ADDRESS, bad[i], TRUE);
      assert_only_error (&form, CNV_ACCOUNT_FIELD_ADDRESS, FALSE, FALSE);
      cnv_account_form_clear (&form);
    }
}

static void
test_name (void)
{
  static const char * const bad[] = { "Alice\nBcc: eve@evil.test", "Alice\r", "Al\tice",
                                      "Alice\x7f", "Alice\u2028Liddell" };
  CnvAccountForm form;
  g_autofree char *long_name = g_strnfill (300, 'a');

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      fill (&form);
      cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_NAME, bad[i], TRUE);
      /* The connection can be tested; the account cannot be saved with that name. */
      assert_only_error (&form, CNV_ACCOUNT_FIELD_NAME, FALSE, TRUE);
      cnv_account_form_clear (&form);
    }
  fill (&form);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_NAME, long_name, TRUE);
  assert_only_error (&form, CNV_ACCOUNT_FIELD_NAME, FALSE, TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_NAME, "Renée Müller-Łukasiewicz 東京", TRUE);
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);
  cnv_account_form_clear (&form);
}

static void
test_password (void)
{
  CnvAccountForm form;

  fill (&form);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_PASSWORD, NULL, TRUE);
  assert_only_error (&form, CNV_ACCOUNT_FIELD_PASSWORD, FALSE, FALSE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_PASSWORD, "", TRUE);
  assert_only_error (&form, CNV_ACCOUNT_FIELD_PASSWORD, FALSE, FALSE);

  /* The keyring already has one: an empty field keeps it. */
  form.password_stored = TRUE;
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);

  /* A password is taken as typed, spaces included. */
  form.password_stored = FALSE;
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_PASSWORD, " ", TRUE);
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);
  cnv_account_form_clear (&form);
}

static void
test_hosts (void)
{
  static const char * const bad[] = { "", "  ", "imap example.org", "imaps://imap.example.org",
                                      "https://imap.example.org/", "imap.example.org/inbox",
                                      "imap.example.org:993", "alice@imap.example.org",
                                      "-imap.example.org", "imap..example.org",
                                      "imap.exa\nmple.org", "imap_example.org" };
  static const CnvAccountField fields[] = { CNV_ACCOUNT_FIELD_IMAP_HOST,
                                            CNV_ACCOUNT_FIELD_SMTP_HOST };
  CnvAccountForm form;

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        fill (&form);
        g_test_message ("host “%s”", bad[i]);
        cnv_account_form_set (&form, fields[f], bad[i], TRUE);
        assert_only_error (&form, fields[f], FALSE, FALSE);
        cnv_account_form_clear (&form);
      }

  /* Each mistake has its own words. */
  {
    CnvAccountFormState scheme, spaces, empty;

    fill (&form);
    cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_HOST, "imaps://imap.example.org", TRUE);
    cnv_account_form_evaluate (&form, &scheme);
    cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_HOST, "imap example.org", TRUE);
    cnv_account_form_evaluate (&form, &spaces);
    cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_HOST, NULL, TRUE);
    cnv_account_form_evaluate (&form, &empty);
    g_assert_nonnull (strstr (scheme.errors[CNV_ACCOUNT_FIELD_IMAP_HOST], "imaps://"));
    g_assert_nonnull (strstr (spaces.errors[CNV_ACCOUNT_FIELD_IMAP_HOST], "spaces"));
    g_assert_nonnull (strstr (empty.errors[CNV_ACCOUNT_FIELD_IMAP_HOST], "IMAP"));
    cnv_account_form_state_clear (&scheme);
    cnv_account_form_state_clear (&spaces);
    cnv_account_form_state_clear (&empty);
    cnv_account_form_clear (&form);
  }
}

static void
test_ports (void)
{
  static const char * const bad[] = { "", "abc", "99a", "-1", "+993", "0", "65536", "99999",
                                      "4294967297", "18446744073709551617", "9 93", "0x3e1", "٩٩٣" };
  static const CnvAccountField fields[] = { CNV_ACCOUNT_FIELD_IMAP_PORT,
                                            CNV_ACCOUNT_FIELD_SMTP_PORT };
  CnvAccountForm form;

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        fill (&form);
        g_test_message ("port “%s”", bad[i]);
        cnv_account_form_set (&form, fields[f], bad[i], TRUE);
        assert_only_error (&form, fields[f], FALSE, FALSE);
        cnv_account_form_clear (&form);
      }

  fill (&form);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_PORT, "1", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_PORT, "65535", TRUE);
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);
  cnv_account_form_clear (&form);
}

static void
test_users (void)
{
  CnvAccountForm form;

  fill (&form);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_USER, "EXAMPLE\\alice", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_USER, "alice smith", TRUE);
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_USER, "alice\r\nA2 LOGOUT", TRUE);
  assert_only_error (&form, CNV_ACCOUNT_FIELD_IMAP_USER, FALSE, FALSE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_USER, NULL, TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_USER, "alice\x01", TRUE);
  assert_only_error (&form, CNV_ACCOUNT_FIELD_SMTP_USER, FALSE, FALSE);
  cnv_account_form_clear (&form);
}

static void
test_apply_guess (void)
{
  g_autoptr(CnvProviderGuess) icloud = cnv_provider_guess_from_table ("alice@icloud.com");
  g_autoptr(CnvProviderGuess) fallback = cnv_provider_guess_fallback ("alice@example.org");
  CnvAccountForm form;

  /* A fresh form: everything filled, nothing marked edited. */
  cnv_account_form_init (&form);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_ADDRESS, "alice@icloud.com", TRUE);
  g_assert_true (cnv_account_form_apply_guess (&form, icloud));
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_IMAP_HOST], ==, "imap.mail.me.com");
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_IMAP_PORT], ==, "993");
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_IMAP_USER], ==, "alice");
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_SMTP_HOST], ==, "smtp.mail.me.com");
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_SMTP_PORT], ==, "587");
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_SMTP_USER], ==, "alice@icloud.com");
  g_assert_cmpint (form.imap_security, ==, CNV_MAIL_SECURITY_TLS);
  g_assert_cmpint (form.smtp_security, ==, CNV_MAIL_SECURITY_STARTTLS);
  for (guint i = CNV_ACCOUNT_FIELD_IMAP_HOST; i < CNV_ACCOUNT_N_FIELDS; i++)
    g_assert_false (form.edited[i]);
  /* The same guess again changes nothing. */
  g_assert_false (cnv_account_form_apply_guess (&form, icloud));

  /* The user typed the IMAP host and the SMTP port (and chose its security): a later guess (the
   * address changed) leaves those alone and fills the rest. */
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_HOST, "mail.corp.example", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_PORT, "2525", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_ADDRESS, "alice@example.org", TRUE);
  g_assert_true (cnv_account_form_apply_guess (&form, fallback));
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_IMAP_HOST], ==, "mail.corp.example");
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_IMAP_USER], ==, "alice@example.org");
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_SMTP_HOST], ==, "smtp.example.org");
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_SMTP_PORT], ==, "2525");
  g_assert_cmpint (form.smtp_security, ==, CNV_MAIL_SECURITY_STARTTLS);
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_IMAP_PORT], ==, "993");
  g_assert_true (form.edited[CNV_ACCOUNT_FIELD_IMAP_HOST]);
  g_assert_false (form.edited[CNV_ACCOUNT_FIELD_SMTP_HOST]);

  /* Everything edited: nothing changes. */
  for (guint i = 0; i < CNV_ACCOUNT_N_FIELDS; i++)
    form.edited[i] = TRUE;
  g_assert_false (cnv_account_form_apply_guess (&form, icloud));
  cnv_account_form_clear (&form);
}

static void
test_load_and_to_account (void)
{
  CnvAccountForm form;
  g_autoptr(CnvAccount) account = NULL;
  g_autoptr(CnvAccount) again = NULL;
  g_autoptr(GError) error = NULL;

  fill (&form);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_ADDRESS, " Alice@Example.ORG ", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_NAME, "  Alice Liddell ", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_PORT, "587", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_USER, "alice-smtp", TRUE);
  form.smtp_security = CNV_MAIL_SECURITY_STARTTLS;

  account = cnv_account_form_to_account (&form, "/etc/ssl/corp-ca.pem", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->address, ==, "alice@example.org");
  g_assert_cmpstr (account->name, ==, "Alice Liddell");
  g_assert_cmpstr (account->imap->host, ==, "imap.example.org");
  g_assert_cmpuint (account->imap->port, ==, 993);
  g_assert_cmpint (account->imap->security, ==, CNV_MAIL_SECURITY_TLS);
  /* An empty user name is the address. */
  g_assert_cmpstr (account->imap->user, ==, "alice@example.org");
  g_assert_cmpstr (account->imap->ca_file, ==, "/etc/ssl/corp-ca.pem");
  g_assert_cmpuint (account->smtp->port, ==, 587);
  g_assert_cmpint (account->smtp->security, ==, CNV_MAIL_SECURITY_STARTTLS);
  g_assert_cmpstr (account->smtp->user, ==, "alice-smtp");
  g_assert_cmpstr (account->smtp->ca_file, ==, "/etc/ssl/corp-ca.pem");
  g_assert_null (account->sent_folder);
  cnv_account_form_clear (&form);

  /* Loaded back: the same fields, none edited; the password field untouched. */
  cnv_account_form_init (&form);
  cnv_account_form_load (&form, account);
  for (guint i = 0; i < CNV_ACCOUNT_N_FIELDS; i++)
    g_assert_false (form.edited[i]);
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_SMTP_PORT], ==, "587");
  g_assert_cmpstr (form.text[CNV_ACCOUNT_FIELD_IMAP_USER], ==, "alice@example.org");
  g_assert_null (form.text[CNV_ACCOUNT_FIELD_PASSWORD]);
  g_assert_cmpint (form.smtp_security, ==, CNV_MAIL_SECURITY_STARTTLS);
  form.password_stored = TRUE;
  again = cnv_account_form_to_account (&form, "", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->smtp->user, ==, "alice-smtp");
  g_assert_null (again->imap->ca_file);

  /* Not valid: no account, an error naming the field. */
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_PORT, "99999", TRUE);
  g_assert_null (cnv_account_form_to_account (&form, NULL, &error));
  g_assert_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "IMAP port"));
  cnv_account_form_clear (&form);
}

/* A form loaded from the account that fill() describes, whose password is in the keyring. */
static CnvAccount *
load_saved (CnvAccountForm *form)
{
  CnvAccountForm typed;
  g_autoptr(GError) error = NULL;
  CnvAccount *account;

  fill (&typed);
  cnv_account_form_set (&typed, CNV_ACCOUNT_FIELD_SMTP_USER, "alice-smtp", TRUE);
  account = cnv_account_form_to_account (&typed, NULL, &error);
  g_assert_no_error (error);
  cnv_account_form_clear (&typed);

  cnv_account_form_init (form);
  cnv_account_form_load (form, account);
  form->password_stored = TRUE;
  return account;
}

/* Only the password is missing, and the sentence says why it is asked for again. */
static void
assert_password_asked_again (CnvAccountForm *form)
{
  CnvAccountFormState state;

  g_assert_true (cnv_account_form_servers_changed (form, form->saved));
  assert_only_error (form, CNV_ACCOUNT_FIELD_PASSWORD, FALSE, FALSE);
  cnv_account_form_evaluate (form, &state);
  g_assert_cmpstr (state.errors[CNV_ACCOUNT_FIELD_PASSWORD], !=,
                   "Enter the password of the account.");
  cnv_account_form_state_clear (&state);
}

static void
test_servers_changed (void)
{
  static const struct
  {
    CnvAccountField  field;
    const char      *text;
  } changes[] = {
    { CNV_ACCOUNT_FIELD_ADDRESS, "alice@example.net" },
    { CNV_ACCOUNT_FIELD_IMAP_HOST, "mail.example.org" },
    { CNV_ACCOUNT_FIELD_IMAP_PORT, "143" },
    { CNV_ACCOUNT_FIELD_IMAP_USER, "alice" },
    { CNV_ACCOUNT_FIELD_SMTP_HOST, "mail.example.org" },
    { CNV_ACCOUNT_FIELD_SMTP_PORT, "587" },
    { CNV_ACCOUNT_FIELD_SMTP_USER, "alice@example.org" },
  };
  CnvAccountForm form;
  g_autoptr(CnvAccount) saved = load_saved (&form);
  g_autoptr(CnvAccount) account = NULL;
  g_autoptr(GError) error = NULL;

  /* As loaded: the stored password serves. */
  g_assert_nonnull (form.saved);
  g_assert_false (cnv_account_form_servers_changed (&form, form.saved));
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);
  /* Nothing saved yet (first run): nothing changed. */
  g_assert_false (cnv_account_form_servers_changed (&form, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    {
      g_autofree char *before = g_strdup (form.text[changes[i].field]);

      g_test_message ("field %u: %s", changes[i].field, changes[i].text);
      cnv_account_form_set (&form, changes[i].field, changes[i].text, TRUE);
      assert_password_asked_again (&form);

      /* Saving needs it too, */
      g_assert_null (cnv_account_form_to_account (&form, NULL, &error));
      g_assert_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "password"));
      g_clear_error (&error);

      /* which, typed, is taken for the new server; */
      cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_PASSWORD, "new secret", TRUE);
      assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);
      cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_PASSWORD, NULL, TRUE);

      /* changed back, the stored one serves again. */
      cnv_account_form_set (&form, changes[i].field, before, TRUE);
      g_assert_false (cnv_account_form_servers_changed (&form, form.saved));
      assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);
    }

  /* The same names as the keyring sees them: case, white space, IDNA. */
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_HOST, " IMAP.Example.ORG ", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_ADDRESS, "Alice@Example.ORG", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_PORT, " 993", TRUE);
  g_assert_false (cnv_account_form_servers_changed (&form, form.saved));
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);

  /* An empty user name is the address: the same as saved, until the address changes. */
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_USER, NULL, TRUE);
  g_assert_false (cnv_account_form_servers_changed (&form, form.saved));
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_USER, "alice-smtp", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_ADDRESS, "alice@example.net", TRUE);
  assert_password_asked_again (&form);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_ADDRESS, "alice@example.org", TRUE);

  /* The security alone is the same server. */
  form.imap_security = CNV_MAIL_SECURITY_STARTTLS;
  g_assert_false (cnv_account_form_servers_changed (&form, form.saved));
  form.imap_security = CNV_MAIL_SECURITY_TLS;

  /* A field that is not valid says so itself; it is not compared. */
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_PORT, "99999", TRUE);
  g_assert_false (cnv_account_form_servers_changed (&form, form.saved));
  assert_only_error (&form, CNV_ACCOUNT_FIELD_IMAP_PORT, FALSE, FALSE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_IMAP_PORT, "993", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_HOST, "smtp example org", TRUE);
  g_assert_false (cnv_account_form_servers_changed (&form, form.saved));
  assert_only_error (&form, CNV_ACCOUNT_FIELD_SMTP_HOST, FALSE, FALSE);

  /* Saved with the new server and its password: that is the saved account now. */
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_SMTP_HOST, "mail.example.org", TRUE);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_PASSWORD, "new secret", TRUE);
  account = cnv_account_form_to_account (&form, NULL, &error);
  g_assert_no_error (error);
  cnv_account_form_set_saved (&form, account);
  cnv_account_form_set (&form, CNV_ACCOUNT_FIELD_PASSWORD, NULL, FALSE);
  g_assert_false (cnv_account_form_servers_changed (&form, form.saved));
  g_assert_true (cnv_account_form_servers_changed (&form, saved));
  assert_only_error (&form, CNV_ACCOUNT_N_FIELDS, TRUE, TRUE);
  g_assert_cmpstr (form.saved->smtp->host, ==, "mail.example.org");

  /* Without a stored password the plain sentence is kept. */
  cnv_account_form_set_saved (&form, saved);
  form.password_stored = FALSE;
  assert_only_error (&form, CNV_ACCOUNT_FIELD_PASSWORD, FALSE, FALSE);
  {
    CnvAccountFormState state;

    cnv_account_form_evaluate (&form, &state);
    g_assert_cmpstr (state.errors[CNV_ACCOUNT_FIELD_PASSWORD], ==,
                     "Enter the password of the account.");
    cnv_account_form_state_clear (&state);
  }
  cnv_account_form_set_saved (&form, NULL);
  g_assert_null (form.saved);
  cnv_account_form_clear (&form);
}

static void
test_secret_moved (void)
{
  g_autoptr(CnvMailServer) saved = cnv_mail_server_new ("imap.bücher.example", 993,
                                                        CNV_MAIL_SECURITY_TLS);
  g_autoptr(CnvMailServer) server = NULL;

  saved->user = g_strdup ("Alice");

  /* The keyring's names: the host in lower-case ASCII, the user as given; no port. */
  server = cnv_mail_server_copy (saved);
  g_assert_false (cnv_account_form_secret_moved (saved, server));
  g_free (server->host);
  server->host = g_strdup ("IMAP.xn--bcher-kva.example");
  server->port = 143;
  server->security = CNV_MAIL_SECURITY_STARTTLS;
  g_assert_false (cnv_account_form_secret_moved (saved, server));

  g_free (server->user);
  server->user = g_strdup ("alice");
  g_assert_true (cnv_account_form_secret_moved (saved, server));
  g_free (server->user);
  server->user = g_strdup ("Alice");
  g_free (server->host);
  server->host = g_strdup ("imap.example.org");
  g_assert_true (cnv_account_form_secret_moved (saved, server));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/app/account-form/valid", test_valid);
  g_test_add_func ("/app/account-form/address", test_address);
  g_test_add_func ("/app/account-form/name", test_name);
  g_test_add_func ("/app/account-form/password", test_password);
  g_test_add_func ("/app/account-form/hosts", test_hosts);
  g_test_add_func ("/app/account-form/ports", test_ports);
  g_test_add_func ("/app/account-form/users", test_users);
  g_test_add_func ("/app/account-form/apply-guess", test_apply_guess);
  g_test_add_func ("/app/account-form/load-and-to-account", test_load_and_to_account);
  g_test_add_func ("/app/account-form/servers-changed", test_servers_changed);
  g_test_add_func ("/app/account-form/secret-moved", test_secret_moved);

  return g_test_run ();
}
