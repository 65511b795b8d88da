/* cnv-account-page.h — the account's settings: address, name, password, IMAP and SMTP servers
 *
 * Used by the first-run window and by the preferences. The decisions (field errors, whether Save
 * and Test Connection may be pressed, the provider guess) are CnvAccountForm's; the page shows
 * them. The password only ever goes to the keyring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cnv-credentials.h"

G_BEGIN_DECLS

#define CNV_TYPE_ACCOUNT_PAGE (cnv_account_page_get_type ())

G_DECLARE_FINAL_TYPE (CnvAccountPage, cnv_account_page, CNV, ACCOUNT_PAGE, AdwPreferencesPage)

CnvAccountPage *cnv_account_page_new                  (void);
/* The keyring used to store the passwords and to know whether one is stored (a
 * CnvSecretCredentials). Set before load or save. */
void            cnv_account_page_set_credentials      (CnvAccountPage      *self,
                                                       CnvCredentials      *credentials);
/* Fills the page from the saved account, if any (the provider guess is then off: the servers
 * are the user's). */
void            cnv_account_page_load                 (CnvAccountPage      *self,
                                                       GSettings           *settings);
/* Property "can-save": the form is valid (and a password is typed or stored). */
gboolean        cnv_account_page_get_can_save         (CnvAccountPage      *self);
/* Property "changed": the user changed something since the last load or save. */
gboolean        cnv_account_page_get_changed          (CnvAccountPage      *self);
/* The first-run introduction above the fields. */
void            cnv_account_page_set_show_intro       (CnvAccountPage      *self,
                                                       gboolean             show);
/* Packs a button (e.g. Save) next to Test Connection. */
void            cnv_account_page_add_action_widget    (CnvAccountPage      *self,
                                                       GtkWidget           *widget);

/* Runs the connection test with the typed (or stored) password and shows its result in the
 * page. Finishes TRUE when both servers accepted the login; FALSE (no error) when the report
 * shows a problem; FALSE with an error when cancelled or when the form is not valid. */
void            cnv_account_page_test_async           (CnvAccountPage      *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean        cnv_account_page_test_finish          (CnvAccountPage      *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* Stores the typed password (for "imap" and "smtp") in the keyring, then writes the account
 * to @settings. */
void            cnv_account_page_save_async           (CnvAccountPage      *self,
                                                       GSettings           *settings,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean        cnv_account_page_save_finish          (CnvAccountPage      *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

G_END_DECLS
