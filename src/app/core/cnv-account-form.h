/* cnv-account-form.h — the account page's decisions, without a display
 *
 * The page copies its fields into a CnvAccountForm and shows what cnv_account_form_evaluate()
 * says: an error per field (a translated sentence, or NULL) and whether Save / Test connection
 * may be pressed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-app-settings.h"
#include "cnv-provider.h"

G_BEGIN_DECLS

typedef enum
{
  CNV_ACCOUNT_FIELD_ADDRESS,
  CNV_ACCOUNT_FIELD_NAME,
  CNV_ACCOUNT_FIELD_PASSWORD,
  CNV_ACCOUNT_FIELD_IMAP_HOST,
  CNV_ACCOUNT_FIELD_IMAP_PORT,
  CNV_ACCOUNT_FIELD_IMAP_USER,
  CNV_ACCOUNT_FIELD_SMTP_HOST,
  CNV_ACCOUNT_FIELD_SMTP_PORT,
  CNV_ACCOUNT_FIELD_SMTP_USER,
  CNV_ACCOUNT_N_FIELDS,
} CnvAccountField;

/**
 * CnvAccountForm:
 * @text: each field's text as typed (NULL = empty); ports as text
 * @edited: the user typed in this field: a guess never overwrites it
 * @imap_security, @smtp_security: TLS or STARTTLS
 * @password_stored: the keyring already holds a password for @saved's servers (an empty password
 *   field keeps it, as long as the servers are still those: cnv_account_form_servers_changed())
 * @saved: (nullable): the account as it was last loaded or saved; owned by the form
 */
typedef struct
{
  char            *text[CNV_ACCOUNT_N_FIELDS];
  gboolean         edited[CNV_ACCOUNT_N_FIELDS];
  CnvMailSecurity  imap_security;
  CnvMailSecurity  smtp_security;
  gboolean         password_stored;
  CnvAccount      *saved;
} CnvAccountForm;

typedef struct
{
  char     *errors[CNV_ACCOUNT_N_FIELDS];  /* translated, NULL = fine */
  gboolean  can_save;
  gboolean  can_test;
} CnvAccountFormState;

void        cnv_account_form_init         (CnvAccountForm       *form);
void        cnv_account_form_clear        (CnvAccountForm       *form);
void        cnv_account_form_set          (CnvAccountForm       *form,
                                           CnvAccountField       field,
                                           const char           *text,
                                           gboolean              edited);
/* Fills the form from a saved account (nothing marked edited), which becomes @saved. */
void        cnv_account_form_load         (CnvAccountForm       *form,
                                           const CnvAccount     *account);
/* After a save: @account (copied) is now the saved account, the fields staying as typed. */
void        cnv_account_form_set_saved    (CnvAccountForm       *form,
                                           const CnvAccount     *account);
/* Whether the address, or an IMAP or SMTP host, port or user name (an empty one being the
 * address), differs from @saved's (FALSE when @saved is NULL). A field that is not valid does
 * not count: its own error already stops Save. A password stored for @saved was given for
 * those servers, so the form then asks for the password again. */
gboolean    cnv_account_form_servers_changed (const CnvAccountForm *form,
                                              const CnvAccount     *saved);
/* Whether the keyring keeps a password for @server under other attributes than for @saved (it
 * names a password by host, in lower-case ASCII, and user name, not by port): after a save
 * with @server, the entry of @saved is stale. */
gboolean    cnv_account_form_secret_moved (const CnvMailServer  *saved,
                                           const CnvMailServer  *server);
/* Fills the server fields (hosts, ports, users, security) that the user has not edited. Returns
 * TRUE when something changed. */
gboolean    cnv_account_form_apply_guess  (CnvAccountForm       *form,
                                           const CnvProviderGuess *guess);
void        cnv_account_form_evaluate     (const CnvAccountForm *form,
                                           CnvAccountFormState  *state);
void        cnv_account_form_state_clear  (CnvAccountFormState  *state);
/* NULL with a CNV_CONFIG_ERROR when the form is not valid. Empty users become the address. */
CnvAccount *cnv_account_form_to_account   (const CnvAccountForm *form,
                                           const char           *ca_file,
                                           GError              **error);

G_END_DECLS
