/* cnv-account-page-private.h — what the account page's files share
 *
 * The page's state, across cnv-account-page.c (the rows as a view of the CnvAccountForm, the
 * provider guess, loading), cnv-account-page-test.c (Test Connection and its result under the
 * fields) and cnv-account-page-save.c (the passwords to the keyring, the account to GSettings).
 * Internal to the app: the contract is cnv-account-page.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-account-form.h"
#include "cnv-account-page.h"

G_BEGIN_DECLS

struct _CnvAccountPage
{
  AdwPreferencesPage parent_instance;

  CnvAccountForm  form;
  gboolean        touched[CNV_ACCOUNT_N_FIELDS];
  GtkWidget      *rows[CNV_ACCOUNT_N_FIELDS];
  GtkWidget      *error_icons[CNV_ACCOUNT_N_FIELDS];
  CnvCredentials *credentials;

  gboolean        loading;
  gboolean        guess_enabled;
  gboolean        can_save;
  gboolean        can_test;
  gboolean        changed;
  gboolean        testing;

  guint           guess_timeout_id;
  GCancellable   *guess_cancellable;
  GCancellable   *cancellable;
  GtkNativeDialog *file_chooser;

  /* template */
  GtkWidget      *intro_group;
  GtkWidget      *intro_icon;
  GtkWidget      *address_row;
  GtkWidget      *name_row;
  GtkWidget      *password_row;
  GtkWidget      *account_error_label;
  AdwPreferencesGroup *imap_group;
  GtkWidget      *imap_spinner;
  GtkWidget      *imap_host_row;
  GtkWidget      *imap_port_row;
  AdwComboRow    *imap_security_row;
  GtkWidget      *imap_user_row;
  GtkWidget      *imap_error_label;
  GtkWidget      *smtp_host_row;
  GtkWidget      *smtp_port_row;
  AdwComboRow    *smtp_security_row;
  GtkWidget      *smtp_user_row;
  GtkWidget      *smtp_error_label;
  GtkWidget      *ca_file_row;
  GtkWidget      *ca_file_button;
  GtkWidget      *sent_folder_row;
  GtkWidget      *test_button;
  GtkWidget      *test_spinner;
  GtkWidget      *test_status_label;
  GtkWidget      *extra_action_box;
  GtkWidget      *result_box;
  GtkWidget      *result_icon;
  GtkWidget      *result_label;
  GtkWidget      *details_expander;
  GtkWidget      *details_label;
};

/* cnv-account-page.c */
/* Shows what the form says: the errors of the fields the user reached, whether Save and Test
 * Connection may be pressed */
void        cnv_account_page_evaluate       (CnvAccountPage  *self);
void        cnv_account_page_set_changed    (CnvAccountPage  *self,
                                             gboolean         changed);
/* The account the form describes, with the Advanced rows; NULL with an error when not valid */
CnvAccount *cnv_account_page_build_account  (CnvAccountPage  *self,
                                             GError         **error);
/* The page was disposed (its widgets are gone) while a task ran on: the task only finishes. */
gboolean    cnv_account_page_is_gone        (CnvAccountPage  *self);

/* cnv-account-page-test.c */
/* Test Connection's button */
void        cnv_account_page_test_init      (CnvAccountPage  *self);

G_END_DECLS
