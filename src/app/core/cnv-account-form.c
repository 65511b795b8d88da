/* cnv-account-form.c — the account page's decisions, without a display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the user typed is checked here, field by field, with a sentence that says how to fix it;
 * the page only shows it. Leading and trailing white space (a paste) is forgiven everywhere but in
 * the password.
 */
#define G_LOG_DOMAIN "cnv-account-form"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cnv-account-form.h"
#include "cnv-address.h"
#include "cnv-session-types.h"

/* RFC 1035 §2.3.4 */
#define MAX_HOST 253
#define MAX_LABEL 63
#define MAX_NAME 256
#define MAX_USER 256

void
cnv_account_form_init (CnvAccountForm *form)
{
  g_return_if_fail (form != NULL);

  memset (form, 0, sizeof *form);
  form->imap_security = CNV_MAIL_SECURITY_TLS;
  form->smtp_security = CNV_MAIL_SECURITY_TLS;
}

void
cnv_account_form_clear (CnvAccountForm *form)
{
  g_return_if_fail (form != NULL);

  for (guint i = 0; i < CNV_ACCOUNT_N_FIELDS; i++)
    {
      if (i == CNV_ACCOUNT_FIELD_PASSWORD && form->text[i] != NULL)
        explicit_bzero (form->text[i], strlen (form->text[i]));
      g_clear_pointer (&form->text[i], g_free);
    }
  g_clear_pointer (&form->saved, cnv_account_free);
  cnv_account_form_init (form);
}

/**
 * cnv_account_form_set:
 * @form: the form
 * @field: which field
 * @text: (nullable): its text as typed
 * @edited: whether the user typed it (a guess then leaves the field alone)
 */
void
cnv_account_form_set (CnvAccountForm  *form,
                      CnvAccountField  field,
                      const char      *text,
                      gboolean         edited)
{
  g_return_if_fail (form != NULL);
  g_return_if_fail (field < CNV_ACCOUNT_N_FIELDS);

  if (field == CNV_ACCOUNT_FIELD_PASSWORD && form->text[field] != NULL)
    explicit_bzero (form->text[field], strlen (form->text[field]));
  g_free (form->text[field]);
  form->text[field] = text != NULL && *text != '\0' ? g_strdup (text) : NULL;
  form->edited[field] = edited;
}

static void
set_port (CnvAccountForm  *form,
          CnvAccountField  field,
          guint16          port)
{
  g_autofree char *text = g_strdup_printf ("%u", port);

  cnv_account_form_set (form, field, text, FALSE);
}

/**
 * cnv_account_form_load:
 * @form: the form
 * @account: a saved account
 *
 * Fills every field from @account, none marked edited, and keeps a copy of @account as the
 * saved account. The password field stays as it is.
 */
void
cnv_account_form_load (CnvAccountForm   *form,
                       const CnvAccount *account)
{
  g_return_if_fail (form != NULL);
  g_return_if_fail (account != NULL && account->imap != NULL && account->smtp != NULL);

  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_ADDRESS, account->address, FALSE);
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_NAME, account->name, FALSE);
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_IMAP_HOST, account->imap->host, FALSE);
  set_port (form, CNV_ACCOUNT_FIELD_IMAP_PORT, cnv_mail_server_get_imap_port (account->imap));
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_IMAP_USER, account->imap->user, FALSE);
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_SMTP_HOST, account->smtp->host, FALSE);
  set_port (form, CNV_ACCOUNT_FIELD_SMTP_PORT, cnv_mail_server_get_smtp_port (account->smtp));
  cnv_account_form_set (form, CNV_ACCOUNT_FIELD_SMTP_USER, account->smtp->user, FALSE);
  form->edited[CNV_ACCOUNT_FIELD_PASSWORD] = FALSE;
  form->imap_security = account->imap->security == CNV_MAIL_SECURITY_STARTTLS
                          ? CNV_MAIL_SECURITY_STARTTLS : CNV_MAIL_SECURITY_TLS;
  form->smtp_security = account->smtp->security == CNV_MAIL_SECURITY_STARTTLS
                          ? CNV_MAIL_SECURITY_STARTTLS : CNV_MAIL_SECURITY_TLS;
  cnv_account_form_set_saved (form, account);
}

/**
 * cnv_account_form_set_saved:
 * @form: the form
 * @account: (nullable): the account just saved; %NULL = none
 *
 * The account that @form's changes are compared with from now on (see
 * cnv_account_form_servers_changed()); the fields stay as they are.
 */
void
cnv_account_form_set_saved (CnvAccountForm   *form,
                            const CnvAccount *account)
{
  CnvAccount *copy;

  g_return_if_fail (form != NULL);

  copy = account != NULL ? cnv_account_copy (account) : NULL;
  g_clear_pointer (&form->saved, cnv_account_free);
  form->saved = copy;
}

/* Sets @field to @text unless the user edited it; TRUE when that changed it. */
static gboolean
apply_text (CnvAccountForm  *form,
            CnvAccountField  field,
            const char      *text)
{
  if (form->edited[field] || g_strcmp0 (form->text[field], text) == 0)
    return FALSE;
  cnv_account_form_set (form, field, text, FALSE);
  return TRUE;
}

static gboolean
apply_server (CnvAccountForm      *form,
              const CnvMailServer *server,
              CnvAccountField      host,
              CnvAccountField      port,
              CnvAccountField      user,
              CnvMailSecurity     *security)
{
  g_autofree char *port_text = NULL;
  gboolean changed = FALSE;

  if (server == NULL)
    return FALSE;
  port_text = g_strdup_printf ("%u", server->port != 0 ? server->port
                                     : host == CNV_ACCOUNT_FIELD_IMAP_HOST
                                         ? cnv_mail_server_get_imap_port (server)
                                         : cnv_mail_server_get_smtp_port (server));
  changed |= apply_text (form, host, server->host);
  changed |= apply_text (form, user, server->user);
  /* The security goes with the port (993 is TLS, 143 STARTTLS): a port the user typed keeps the
   * security the user chose. Only TLS and STARTTLS are offered. */
  if (!form->edited[port] && server->security != CNV_MAIL_SECURITY_NONE)
    {
      changed |= apply_text (form, port, port_text);
      if (*security != server->security)
        {
          *security = server->security;
          changed = TRUE;
        }
    }
  return changed;
}

/**
 * cnv_account_form_apply_guess:
 * @form: the form
 * @guess: the provider guess for the address
 *
 * Returns: whether a field changed
 */
gboolean
cnv_account_form_apply_guess (CnvAccountForm         *form,
                              const CnvProviderGuess *guess)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (form != NULL, FALSE);
  g_return_val_if_fail (guess != NULL, FALSE);

  changed |= apply_server (form, guess->imap, CNV_ACCOUNT_FIELD_IMAP_HOST,
                           CNV_ACCOUNT_FIELD_IMAP_PORT, CNV_ACCOUNT_FIELD_IMAP_USER,
                           &form->imap_security);
  changed |= apply_server (form, guess->smtp, CNV_ACCOUNT_FIELD_SMTP_HOST,
                           CNV_ACCOUNT_FIELD_SMTP_PORT, CNV_ACCOUNT_FIELD_SMTP_USER,
                           &form->smtp_security);
  return changed;
}

/* Checks */

static char *
stripped (const char *text)
{
  return g_strstrip (g_strdup (text != NULL ? text : ""));
}

static gboolean
has_control (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        return TRUE;
    }
  return FALSE;
}

/* A DNS name in ASCII (after IDNA, RFC 5891), or an IP address literal. */
static gboolean
is_host_name (const char *host)
{
  g_autofree char *ascii = NULL;
  gsize label = 0;

  if (g_hostname_is_ip_address (host))
    return TRUE;
  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL || *ascii == '\0' || strlen (ascii) > MAX_HOST || ascii[0] == '.'
      || ascii[0] == '-')
    return FALSE;
  for (const char *p = ascii; *p != '\0'; p++)
    {
      if (*p == '.')
        {
          if (label == 0 || p[-1] == '-')
            return FALSE;
          label = 0;
        }
      else if ((!g_ascii_isalnum (*p) && *p != '-') || ++label > MAX_LABEL)
        return FALSE;
    }
  return TRUE;
}

static char *
check_address (const char *text)
{
  g_autofree char *address = stripped (text);
  g_autofree char *normalized = NULL;

  if (*address == '\0')
    return g_strdup (_("Enter your e-mail address."));
  normalized = cnv_address_normalize (address, NULL);
  if (normalized == NULL || strpbrk (address, "<>\"") != NULL)
    return g_strdup (_("This is not an e-mail address. It looks like name@example.org."));
  return NULL;
}

static char *
check_name (const char *text)
{
  if (text == NULL)
    return NULL;
  if (has_control (text))
    return g_strdup (_("The name cannot contain line breaks or other control characters."));
  if (g_utf8_strlen (text, -1) > MAX_NAME)
    return g_strdup (_("The name is too long."));
  return NULL;
}

static char *
check_host (const char *text,
            gboolean    imap)
{
  g_autofree char *host = stripped (text);

  if (*host == '\0')
    return g_strdup (imap ? _("Enter the name of the IMAP server, such as imap.example.org.")
                          : _("Enter the name of the SMTP server, such as smtp.example.org."));
  if (strstr (host, "://") != NULL)
    return g_strdup (_("Enter only the server’s name, without “imaps://” or another prefix."));
  if (strpbrk (host, " \t") != NULL)
    return g_strdup (_("A server name cannot contain spaces."));
  if (!is_host_name (host))
    return g_strdup (_("This is not a server name. Server names look like mail.example.org."));
  return NULL;
}

/* 1..65535 in decimal digits; @port is set when it is. */
static char *
check_port (const char *text,
            guint16    *port)
{
  g_autofree char *digits = stripped (text);
  guint64 value;

  *port = 0;
  if (*digits == '\0')
    return g_strdup (_("Enter the port number."));
  for (const char *p = digits; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return g_strdup (_("The port is a number, such as 993."));
  value = strlen (digits) > 5 ? G_MAXUINT64 : g_ascii_strtoull (digits, NULL, 10);
  if (value < 1 || value > G_MAXUINT16)
    return g_strdup (_("The port must be a number from 1 to 65535."));
  *port = (guint16) value;
  return NULL;
}

static char *
check_user (const char *text)
{
  if (text == NULL)
    return NULL;
  if (has_control (text))
    return g_strdup (_("The user name cannot contain line breaks or other control characters."));
  if (strlen (text) > MAX_USER)
    return g_strdup (_("The user name is too long."));
  return NULL;
}

/* The keyring's name for a host (cnv-secret-credentials.c): lower-case ASCII (IDNA) */
static char *
keyring_host (const char *host)
{
  g_autofree char *ascii = g_hostname_to_ascii (host);

  return g_ascii_strdown (ascii != NULL ? ascii : host, -1);
}

static gboolean
same_host (const char *a,
           const char *b)
{
  g_autofree char *key_a = NULL;
  g_autofree char *key_b = NULL;

  if (a == NULL || b == NULL)
    return a == b;
  key_a = keyring_host (a);
  key_b = keyring_host (b);
  return strcmp (key_a, key_b) == 0;
}

/* Whether the valid ones among one server's fields differ from @saved's; @address is the form's
 * normalized address (NULL when not valid), the user name of an empty user field. */
static gboolean
server_changed (const CnvAccountForm *form,
                CnvAccountField       host,
                CnvAccountField       port,
                CnvAccountField       user,
                const char           *address,
                const CnvMailServer  *saved,
                guint16               saved_port)
{
  g_autofree char *host_error = check_host (form->text[host], host == CNV_ACCOUNT_FIELD_IMAP_HOST);
  g_autofree char *port_error = NULL;
  g_autofree char *user_error = check_user (form->text[user]);
  guint16 port_number;

  if (host_error == NULL)
    {
      g_autofree char *host_text = stripped (form->text[host]);

      if (!same_host (host_text, saved->host))
        return TRUE;
    }

  port_error = check_port (form->text[port], &port_number);
  if (port_error == NULL && port_number != saved_port)
    return TRUE;

  if (user_error == NULL)
    {
      g_autofree char *user_text = stripped (form->text[user]);
      const char *effective = *user_text != '\0' ? user_text : address;

      if (effective != NULL && g_strcmp0 (effective, saved->user) != 0)
        return TRUE;
    }
  return FALSE;
}

/**
 * cnv_account_form_servers_changed:
 * @form: the form
 * @saved: (nullable): the account as saved, usually @form's own `saved`
 *
 * Whether the form now describes other servers (or another user on them) than @saved: the
 * address, or an IMAP or SMTP host (compared as the keyring does, in lower-case ASCII), port or
 * user name (an empty one is the address) differs. Fields that are not valid are not compared.
 *
 * Returns: %TRUE when a password stored for @saved cannot be taken for the form's servers
 */
gboolean
cnv_account_form_servers_changed (const CnvAccountForm *form,
                                  const CnvAccount     *saved)
{
  g_autofree char *address_error = NULL;
  g_autofree char *address = NULL;

  g_return_val_if_fail (form != NULL, FALSE);

  if (saved == NULL || saved->imap == NULL || saved->smtp == NULL)
    return FALSE;

  address_error = check_address (form->text[CNV_ACCOUNT_FIELD_ADDRESS]);
  if (address_error == NULL)
    {
      g_autofree char *address_text = stripped (form->text[CNV_ACCOUNT_FIELD_ADDRESS]);

      address = cnv_address_normalize (address_text, NULL);
      if (g_strcmp0 (address, saved->address) != 0)
        return TRUE;
    }

  return server_changed (form, CNV_ACCOUNT_FIELD_IMAP_HOST, CNV_ACCOUNT_FIELD_IMAP_PORT,
                         CNV_ACCOUNT_FIELD_IMAP_USER, address, saved->imap,
                         cnv_mail_server_get_imap_port (saved->imap))
         || server_changed (form, CNV_ACCOUNT_FIELD_SMTP_HOST, CNV_ACCOUNT_FIELD_SMTP_PORT,
                            CNV_ACCOUNT_FIELD_SMTP_USER, address, saved->smtp,
                            cnv_mail_server_get_smtp_port (saved->smtp));
}

/**
 * cnv_account_form_secret_moved:
 * @saved: a server as saved
 * @server: the same protocol's server as about to be saved
 *
 * The keyring names a password by protocol, host (lower-case ASCII) and user name
 * (cnv_secret_credentials_store_async()): the port and the security are not part of it.
 *
 * Returns: %TRUE when the password for @server is kept under another name than @saved's, whose
 *   entry is then stale once @server is saved
 */
gboolean
cnv_account_form_secret_moved (const CnvMailServer *saved,
                               const CnvMailServer *server)
{
  g_return_val_if_fail (saved != NULL, FALSE);
  g_return_val_if_fail (server != NULL, FALSE);

  return !same_host (saved->host, server->host) || g_strcmp0 (saved->user, server->user) != 0;
}

/**
 * cnv_account_form_evaluate:
 * @form: the form
 * @state: (out caller-allocates): filled; clear it with cnv_account_form_state_clear()
 *
 * An error for each field that cannot be used as typed, and whether Save and Test connection may
 * be pressed: Test needs the servers, the address and a password (typed, or in the keyring for
 * the servers as saved); Save needs a valid name too.
 */
void
cnv_account_form_evaluate (const CnvAccountForm *form,
                           CnvAccountFormState  *state)
{
  guint16 port;
  gboolean servers_ok = TRUE;
  gboolean stored;

  g_return_if_fail (form != NULL);
  g_return_if_fail (state != NULL);

  memset (state, 0, sizeof *state);
  state->errors[CNV_ACCOUNT_FIELD_ADDRESS] = check_address (form->text[CNV_ACCOUNT_FIELD_ADDRESS]);
  state->errors[CNV_ACCOUNT_FIELD_NAME] = check_name (form->text[CNV_ACCOUNT_FIELD_NAME]);
  /* The stored password was given for the saved servers: another server (or user) gets it only
   * when the user types it again, and the keyring then keeps it under the new names. */
  stored = form->password_stored && !cnv_account_form_servers_changed (form, form->saved);
  if (form->text[CNV_ACCOUNT_FIELD_PASSWORD] == NULL && !stored)
    state->errors[CNV_ACCOUNT_FIELD_PASSWORD] =
      g_strdup (form->password_stored ? _("Enter the password for the new server settings.")
                                      : _("Enter the password of the account."));
  state->errors[CNV_ACCOUNT_FIELD_IMAP_HOST] =
    check_host (form->text[CNV_ACCOUNT_FIELD_IMAP_HOST], TRUE);
  state->errors[CNV_ACCOUNT_FIELD_IMAP_PORT] =
    check_port (form->text[CNV_ACCOUNT_FIELD_IMAP_PORT], &port);
  state->errors[CNV_ACCOUNT_FIELD_IMAP_USER] = check_user (form->text[CNV_ACCOUNT_FIELD_IMAP_USER]);
  state->errors[CNV_ACCOUNT_FIELD_SMTP_HOST] =
    check_host (form->text[CNV_ACCOUNT_FIELD_SMTP_HOST], FALSE);
  state->errors[CNV_ACCOUNT_FIELD_SMTP_PORT] =
    check_port (form->text[CNV_ACCOUNT_FIELD_SMTP_PORT], &port);
  state->errors[CNV_ACCOUNT_FIELD_SMTP_USER] = check_user (form->text[CNV_ACCOUNT_FIELD_SMTP_USER]);

  for (guint i = 0; i < CNV_ACCOUNT_N_FIELDS; i++)
    if (i != CNV_ACCOUNT_FIELD_NAME && state->errors[i] != NULL)
      servers_ok = FALSE;
  state->can_test = servers_ok;
  state->can_save = servers_ok && state->errors[CNV_ACCOUNT_FIELD_NAME] == NULL;
}

void
cnv_account_form_state_clear (CnvAccountFormState *state)
{
  g_return_if_fail (state != NULL);

  for (guint i = 0; i < CNV_ACCOUNT_N_FIELDS; i++)
    g_clear_pointer (&state->errors[i], g_free);
  state->can_save = FALSE;
  state->can_test = FALSE;
}

static CnvMailServer *
make_server (const CnvAccountForm *form,
             CnvAccountField       host,
             CnvAccountField       port,
             CnvAccountField       user,
             CnvMailSecurity       security,
             const char           *address,
             const char           *ca_file)
{
  g_autofree char *host_text = stripped (form->text[host]);
  g_autofree char *user_text = stripped (form->text[user]);
  g_autofree char *port_error = NULL;
  guint16 port_number;
  CnvMailServer *server;

  port_error = check_port (form->text[port], &port_number);
  g_assert (port_error == NULL);
  server = cnv_mail_server_new (host_text, port_number, security);
  server->user = g_strdup (*user_text != '\0' ? user_text : address);
  server->ca_file = ca_file != NULL && *ca_file != '\0' ? g_strdup (ca_file) : NULL;
  return server;
}

/**
 * cnv_account_form_to_account:
 * @form: the form
 * @ca_file: (nullable): the CA file of the Advanced section; %NULL or "" for the system's
 * @error: a #CNV_CONFIG_ERROR naming the first field that is not valid
 *
 * Returns: (transfer full) (nullable): the account the form describes; empty user names are the
 *   address
 */
CnvAccount *
cnv_account_form_to_account (const CnvAccountForm  *form,
                             const char            *ca_file,
                             GError               **error)
{
  static const char * const field_names[CNV_ACCOUNT_N_FIELDS] = {
    "address", "name", "password", "IMAP server", "IMAP port", "IMAP user name", "SMTP server",
    "SMTP port", "SMTP user name",
  };
  CnvAccountFormState state;
  g_autofree char *address_text = NULL;
  CnvAccount *account;

  g_return_val_if_fail (form != NULL, NULL);

  cnv_account_form_evaluate (form, &state);
  if (!state.can_save)
    {
      for (guint i = 0; i < CNV_ACCOUNT_N_FIELDS; i++)
        if (state.errors[i] != NULL)
          {
            g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID,
                         "The %s is not valid: %s", field_names[i], state.errors[i]);
            break;
          }
      cnv_account_form_state_clear (&state);
      return NULL;
    }
  cnv_account_form_state_clear (&state);

  address_text = stripped (form->text[CNV_ACCOUNT_FIELD_ADDRESS]);
  account = g_new0 (CnvAccount, 1);
  account->address = cnv_address_normalize (address_text, NULL);
  account->name = stripped (form->text[CNV_ACCOUNT_FIELD_NAME]);
  account->imap = make_server (form, CNV_ACCOUNT_FIELD_IMAP_HOST, CNV_ACCOUNT_FIELD_IMAP_PORT,
                               CNV_ACCOUNT_FIELD_IMAP_USER, form->imap_security, account->address,
                               ca_file);
  account->smtp = make_server (form, CNV_ACCOUNT_FIELD_SMTP_HOST, CNV_ACCOUNT_FIELD_SMTP_PORT,
                               CNV_ACCOUNT_FIELD_SMTP_USER, form->smtp_security, account->address,
                               ca_file);
  return account;
}
