/* cnv-account-page.c — the account's settings: address, name, password, IMAP and SMTP servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page is a view of a CnvAccountForm: every change of a row goes into the form (marked
 * edited when the user typed it, so that a provider guess never overwrites it), the form is
 * evaluated, and the page shows what it says. The password is read from its row only at the
 * moment it goes to the connection test (cnv-account-page-test.c) or the keyring
 * (cnv-account-page-save.c).
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cnv-accessible.h"
#include "cnv-account-page-private.h"
#include "cnv-app-settings.h"
#include "cnv-provider.h"

/* Wait this long after the last key press in the address before guessing the servers. */
#define GUESS_DELAY_MS 600
/* The autoconfig fetch's limit (cnv_provider_guess_async). */
#define GUESS_TIMEOUT_S 5

G_DEFINE_FINAL_TYPE (CnvAccountPage, cnv_account_page, ADW_TYPE_PREFERENCES_PAGE)

enum {
  PROP_0,
  PROP_CAN_SAVE,
  PROP_CHANGED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

CnvAccountPage *
cnv_account_page_new (void)
{
  return g_object_new (CNV_TYPE_ACCOUNT_PAGE, NULL);
}

void
cnv_account_page_set_credentials (CnvAccountPage *self,
                                  CnvCredentials *credentials)
{
  g_return_if_fail (CNV_IS_ACCOUNT_PAGE (self));

  g_set_object (&self->credentials, credentials);
}

gboolean
cnv_account_page_get_can_save (CnvAccountPage *self)
{
  g_return_val_if_fail (CNV_IS_ACCOUNT_PAGE (self), FALSE);

  return self->can_save;
}

gboolean
cnv_account_page_get_changed (CnvAccountPage *self)
{
  g_return_val_if_fail (CNV_IS_ACCOUNT_PAGE (self), FALSE);

  return self->changed;
}

void
cnv_account_page_set_show_intro (CnvAccountPage *self,
                                 gboolean        show)
{
  g_return_if_fail (CNV_IS_ACCOUNT_PAGE (self));

  gtk_widget_set_visible (self->intro_group, show);
}

void
cnv_account_page_add_action_widget (CnvAccountPage *self,
                                    GtkWidget      *widget)
{
  g_return_if_fail (CNV_IS_ACCOUNT_PAGE (self));

  gtk_box_append (GTK_BOX (self->extra_action_box), widget);
}

void
cnv_account_page_set_changed (CnvAccountPage *self,
                              gboolean        changed)
{
  if (self->changed == changed)
    return;

  self->changed = changed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHANGED]);
}

static GtkWidget *
error_label_for (CnvAccountPage  *self,
                 CnvAccountField  field)
{
  switch (field)
    {
    case CNV_ACCOUNT_FIELD_IMAP_HOST:
    case CNV_ACCOUNT_FIELD_IMAP_PORT:
    case CNV_ACCOUNT_FIELD_IMAP_USER:
      return self->imap_error_label;
    case CNV_ACCOUNT_FIELD_SMTP_HOST:
    case CNV_ACCOUNT_FIELD_SMTP_PORT:
    case CNV_ACCOUNT_FIELD_SMTP_USER:
      return self->smtp_error_label;
    case CNV_ACCOUNT_FIELD_ADDRESS:
    case CNV_ACCOUNT_FIELD_NAME:
    case CNV_ACCOUNT_FIELD_PASSWORD:
    case CNV_ACCOUNT_N_FIELDS:
    default:
      return self->account_error_label;
    }
}

/* Shows what the form says: an error at each field that the user has reached (typed in, or
 * filled), and whether Save and Test Connection may be pressed. */
void
cnv_account_page_evaluate (CnvAccountPage *self)
{
  CnvAccountFormState state = { { NULL } };
  GtkWidget *labels[] = { self->account_error_label, self->imap_error_label,
                          self->smtp_error_label };
  g_autoptr(GHashTable) texts = g_hash_table_new_full (NULL, NULL, NULL,
                                                       (GDestroyNotify) g_ptr_array_unref);
  gboolean can_save;

  cnv_account_form_evaluate (&self->form, &state);

  for (guint i = 0; i < CNV_ACCOUNT_N_FIELDS; i++)
    {
      const char *error = state.errors[i];
      /* With a password in the keyring, the password's error means the servers changed (the
       * stored one was given for the saved ones): it shows at once, where the user looks next */
      gboolean reached = self->touched[i]
                         || (self->form.text[i] != NULL && *self->form.text[i] != '\0')
                         || (i == CNV_ACCOUNT_FIELD_PASSWORD && self->form.password_stored);
      gboolean show = error != NULL && reached;

      if (show)
        {
          GtkWidget *label = error_label_for (self, i);
          GPtrArray *list = g_hash_table_lookup (texts, label);

          if (list == NULL)
            {
              list = g_ptr_array_new ();
              g_hash_table_insert (texts, label, list);
            }
          g_ptr_array_add (list, (gpointer) error);
          gtk_widget_add_css_class (self->rows[i], "error");
          gtk_accessible_update_property (GTK_ACCESSIBLE (self->rows[i]),
                                          GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error, -1);
          gtk_accessible_update_state (GTK_ACCESSIBLE (self->rows[i]),
                                       GTK_ACCESSIBLE_STATE_INVALID,
                                       GTK_ACCESSIBLE_INVALID_TRUE, -1);
        }
      else
        {
          gtk_widget_remove_css_class (self->rows[i], "error");
          gtk_accessible_reset_property (GTK_ACCESSIBLE (self->rows[i]),
                                         GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
          gtk_accessible_reset_state (GTK_ACCESSIBLE (self->rows[i]),
                                      GTK_ACCESSIBLE_STATE_INVALID);
        }
      gtk_widget_set_tooltip_text (self->error_icons[i], show ? error : NULL);
      gtk_widget_set_visible (self->error_icons[i], show);
    }

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      GPtrArray *list = g_hash_table_lookup (texts, labels[i]);

      if (list != NULL)
        {
          g_autofree char *text = NULL;

          g_ptr_array_add (list, NULL);
          text = g_strjoinv ("\n", (char **) list->pdata);
          gtk_label_set_text (GTK_LABEL (labels[i]), text);
        }
      gtk_widget_set_visible (labels[i], list != NULL);
    }

  can_save = state.can_save;
  self->can_test = state.can_test;
  gtk_widget_set_sensitive (self->test_button, self->can_test && !self->testing);
  cnv_account_form_state_clear (&state);

  if (self->can_save != can_save)
    {
      self->can_save = can_save;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_SAVE]);
    }
}

/* Shows the form's texts in the rows (after a guess or a load), without marking them edited. */
static void
sync_rows_from_form (CnvAccountPage *self)
{
  self->loading = TRUE;

  for (guint i = 0; i < CNV_ACCOUNT_N_FIELDS; i++)
    {
      const char *text = self->form.text[i] != NULL ? self->form.text[i] : "";

      if (i == CNV_ACCOUNT_FIELD_PASSWORD)
        continue;
      if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->rows[i])), text) != 0)
        gtk_editable_set_text (GTK_EDITABLE (self->rows[i]), text);
    }
  adw_combo_row_set_selected (self->imap_security_row,
                              self->form.imap_security == CNV_MAIL_SECURITY_STARTTLS ? 1 : 0);
  adw_combo_row_set_selected (self->smtp_security_row,
                              self->form.smtp_security == CNV_MAIL_SECURITY_STARTTLS ? 1 : 0);

  self->loading = FALSE;
}

static void
on_guessed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  CnvAccountPage *self;
  g_autoptr(CnvProviderGuess) guess = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  guess = cnv_provider_guess_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = CNV_ACCOUNT_PAGE (user_data);
  gtk_spinner_stop (GTK_SPINNER (self->imap_spinner));
  gtk_widget_set_visible (self->imap_spinner, FALSE);

  if (guess == NULL)
    {
      g_debug ("No server guess: %s", error->message);
      return;
    }

  if (guess->display_name != NULL)
    /* Translators: %s is a mail provider's name, e.g. "Gmail". */
    description = g_strdup_printf (_("Settings found for %s"), guess->display_name);
  else if (guess->source == CNV_PROVIDER_SOURCE_AUTOCONFIG)
    description = g_strdup (_("Settings found on the domain’s configuration server"));
  else
    description = g_strdup (_("Settings guessed from the domain"));
  adw_preferences_group_set_description (self->imap_group, description);

  if (cnv_account_form_apply_guess (&self->form, guess))
    sync_rows_from_form (self);
  cnv_account_page_evaluate (self);
}

static void
cancel_guess (CnvAccountPage *self)
{
  if (self->guess_cancellable == NULL)
    return;
  g_cancellable_cancel (self->guess_cancellable);
  g_clear_object (&self->guess_cancellable);
  gtk_spinner_stop (GTK_SPINNER (self->imap_spinner));
  gtk_widget_set_visible (self->imap_spinner, FALSE);
}

static gboolean
guess_now (gpointer user_data)
{
  CnvAccountPage *self = CNV_ACCOUNT_PAGE (user_data);
  CnvAccountFormState state = { { NULL } };
  const char *address = self->form.text[CNV_ACCOUNT_FIELD_ADDRESS];
  gboolean valid;

  self->guess_timeout_id = 0;

  cnv_account_form_evaluate (&self->form, &state);
  valid = address != NULL && state.errors[CNV_ACCOUNT_FIELD_ADDRESS] == NULL;
  cnv_account_form_state_clear (&state);
  if (!valid)
    return G_SOURCE_REMOVE;

  cancel_guess (self);
  self->guess_cancellable = g_cancellable_new ();

  gtk_widget_set_visible (self->imap_spinner, TRUE);
  gtk_spinner_start (GTK_SPINNER (self->imap_spinner));
  cnv_provider_guess_async (address, NULL, GUESS_TIMEOUT_S, self->guess_cancellable, on_guessed,
                            self);

  return G_SOURCE_REMOVE;
}

static void
on_row_changed (GtkEditable    *row,
                CnvAccountPage *self)
{
  CnvAccountField field = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "cnv-field"));
  const char *text = gtk_editable_get_text (row);

  cnv_account_form_set (&self->form, field, *text != '\0' ? text : NULL, !self->loading);

  /* A guess for the address as it was would fill in servers for another domain */
  if (field == CNV_ACCOUNT_FIELD_ADDRESS)
    cancel_guess (self);

  if (!self->loading)
    {
      self->touched[field] = TRUE;
      cnv_account_page_set_changed (self, TRUE);

      if (field == CNV_ACCOUNT_FIELD_ADDRESS && self->guess_enabled)
        {
          g_clear_handle_id (&self->guess_timeout_id, g_source_remove);
          self->guess_timeout_id = g_timeout_add (GUESS_DELAY_MS, guess_now, self);
        }
    }

  cnv_account_page_evaluate (self);
}

static void
on_other_row_changed (GtkEditable    *row,
                      CnvAccountPage *self)
{
  if (!self->loading)
    cnv_account_page_set_changed (self, TRUE);
}

static void
on_security_changed (AdwComboRow    *row,
                     GParamSpec     *pspec,
                     CnvAccountPage *self)
{
  CnvMailSecurity security = adw_combo_row_get_selected (row) == 1
                             ? CNV_MAIL_SECURITY_STARTTLS : CNV_MAIL_SECURITY_TLS;

  if (row == self->imap_security_row)
    self->form.imap_security = security;
  else
    self->form.smtp_security = security;

  if (!self->loading)
    cnv_account_page_set_changed (self, TRUE);
  cnv_account_page_evaluate (self);
}

static void
on_file_chosen (GtkNativeDialog *dialog,
                int              response,
                CnvAccountPage  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->ca_file_row), path);
    }

  g_clear_object (&self->file_chooser);
}

static void
on_choose_ca_file (GtkButton      *button,
                   CnvAccountPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GtkFileFilter) pem = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
  GtkFileChooserNative *chooser;

  if (self->file_chooser != NULL)
    {
      gtk_native_dialog_show (self->file_chooser);
      return;
    }

  chooser = gtk_file_chooser_native_new (_("Certificate Authority File"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);

  gtk_file_filter_set_name (pem, _("Certificates (PEM)"));
  gtk_file_filter_add_pattern (pem, "*.pem");
  gtk_file_filter_add_pattern (pem, "*.crt");
  gtk_file_filter_add_mime_type (pem, "application/x-pem-file");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), pem);
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);

  self->file_chooser = GTK_NATIVE_DIALOG (chooser);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chosen), self);
  gtk_native_dialog_show (self->file_chooser);
}

static char *
entry_text_or_null (GtkWidget *row)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  return *text != '\0' ? g_steal_pointer (&text) : NULL;
}

CnvAccount *
cnv_account_page_build_account (CnvAccountPage  *self,
                                GError         **error)
{
  g_autofree char *ca_file = entry_text_or_null (self->ca_file_row);
  CnvAccount *account;

  account = cnv_account_form_to_account (&self->form, ca_file, error);
  if (account != NULL)
    {
      g_free (account->sent_folder);
      account->sent_folder = entry_text_or_null (self->sent_folder_row);
    }

  return account;
}

static void
on_password_looked_up (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  CnvAccountPage *self;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = cnv_credentials_lookup_finish (CNV_CREDENTIALS (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = CNV_ACCOUNT_PAGE (user_data);
  self->form.password_stored = secret != NULL;
  if (secret != NULL)
    cnv_credentials_secret_free (secret);
  cnv_account_page_evaluate (self);
}

/* Before the first run an administrator may have set the organisation's certificate authority
 * or Sent folder (GSettings defaults or a keyfile): the page starts from them */
static void
load_presets (CnvAccountPage *self,
              GSettings      *settings)
{
  g_autofree char *ca_file = g_settings_get_string (settings, "ca-file");
  g_autofree char *sent_folder = g_settings_get_string (settings, "sent-folder");

  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->ca_file_row), ca_file);
  gtk_editable_set_text (GTK_EDITABLE (self->sent_folder_row), sent_folder);
  self->loading = FALSE;
}

void
cnv_account_page_load (CnvAccountPage *self,
                       GSettings      *settings)
{
  g_autoptr(CnvAccount) account = NULL;

  g_return_if_fail (CNV_IS_ACCOUNT_PAGE (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  account = cnv_account_load (settings);
  self->guess_enabled = account == NULL;
  if (account == NULL)
    {
      load_presets (self, settings);
      return;
    }

  cnv_account_form_clear (&self->form);
  cnv_account_form_init (&self->form);
  cnv_account_form_load (&self->form, account);
  memset (self->touched, 0, sizeof self->touched);
  sync_rows_from_form (self);

  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->ca_file_row),
                         account->imap->ca_file != NULL ? account->imap->ca_file : "");
  gtk_editable_set_text (GTK_EDITABLE (self->sent_folder_row),
                         account->sent_folder != NULL ? account->sent_folder : "");
  self->loading = FALSE;

  cnv_account_page_set_changed (self, FALSE);
  cnv_account_page_evaluate (self);

  /* An empty password row keeps the stored password: find out whether there is one. */
  if (self->credentials != NULL)
    cnv_credentials_lookup_async (self->credentials, "imap", account->imap, self->cancellable,
                                  on_password_looked_up, self);
}

gboolean
cnv_account_page_is_gone (CnvAccountPage *self)
{
  return g_cancellable_is_cancelled (self->cancellable);
}

/* GObject */

static void
cnv_account_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CnvAccountPage *self = CNV_ACCOUNT_PAGE (object);

  switch (prop_id)
    {
    case PROP_CAN_SAVE:
      g_value_set_boolean (value, self->can_save);
      break;
    case PROP_CHANGED:
      g_value_set_boolean (value, self->changed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnv_account_page_dispose (GObject *object)
{
  CnvAccountPage *self = CNV_ACCOUNT_PAGE (object);

  g_clear_handle_id (&self->guess_timeout_id, g_source_remove);
  g_cancellable_cancel (self->guess_cancellable);
  g_cancellable_cancel (self->cancellable);
  if (self->file_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->file_chooser, self);
      gtk_native_dialog_destroy (self->file_chooser);
      g_clear_object (&self->file_chooser);
    }
  g_clear_object (&self->credentials);

  G_OBJECT_CLASS (cnv_account_page_parent_class)->dispose (object);
}

static void
cnv_account_page_finalize (GObject *object)
{
  CnvAccountPage *self = CNV_ACCOUNT_PAGE (object);

  g_clear_object (&self->guess_cancellable);
  g_clear_object (&self->cancellable);
  cnv_account_form_clear (&self->form);

  G_OBJECT_CLASS (cnv_account_page_parent_class)->finalize (object);
}

static void
cnv_account_page_class_init (CnvAccountPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cnv_account_page_get_property;
  object_class->dispose = cnv_account_page_dispose;
  object_class->finalize = cnv_account_page_finalize;

  properties[PROP_CAN_SAVE] =
    g_param_spec_boolean ("can-save", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHANGED] =
    g_param_spec_boolean ("changed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/convene/Convene/cnv-account-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, intro_group);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, intro_icon);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, address_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, account_error_label);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, imap_group);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, imap_spinner);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, imap_host_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, imap_port_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, imap_security_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, imap_user_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, imap_error_label);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, smtp_host_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, smtp_port_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, smtp_security_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, smtp_user_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, smtp_error_label);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, ca_file_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, ca_file_button);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, sent_folder_row);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, test_button);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, test_spinner);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, test_status_label);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, extra_action_box);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, result_box);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, result_icon);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, result_label);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, details_expander);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountPage, details_label);
}

static void
cnv_account_page_init (CnvAccountPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The app's icon once installed; run from the build tree, its symbolic one (in the GResource),
   * dimmed as in a status page. */
  if (!gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                APPLICATION_ID))
    {
      gtk_image_set_from_icon_name (GTK_IMAGE (self->intro_icon), APPLICATION_ID "-symbolic");
      gtk_widget_remove_css_class (self->intro_icon, "icon-dropshadow");
      gtk_widget_add_css_class (self->intro_icon, "dim-label");
    }

  self->cancellable = g_cancellable_new ();
  self->guess_enabled = TRUE;
  cnv_account_form_init (&self->form);

  self->rows[CNV_ACCOUNT_FIELD_ADDRESS] = self->address_row;
  self->rows[CNV_ACCOUNT_FIELD_NAME] = self->name_row;
  self->rows[CNV_ACCOUNT_FIELD_PASSWORD] = self->password_row;
  self->rows[CNV_ACCOUNT_FIELD_IMAP_HOST] = self->imap_host_row;
  self->rows[CNV_ACCOUNT_FIELD_IMAP_PORT] = self->imap_port_row;
  self->rows[CNV_ACCOUNT_FIELD_IMAP_USER] = self->imap_user_row;
  self->rows[CNV_ACCOUNT_FIELD_SMTP_HOST] = self->smtp_host_row;
  self->rows[CNV_ACCOUNT_FIELD_SMTP_PORT] = self->smtp_port_row;
  self->rows[CNV_ACCOUNT_FIELD_SMTP_USER] = self->smtp_user_row;

  for (guint i = 0; i < CNV_ACCOUNT_N_FIELDS; i++)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      gtk_widget_add_css_class (icon, "error");
      gtk_widget_set_visible (icon, FALSE);
      adw_entry_row_add_suffix (ADW_ENTRY_ROW (self->rows[i]), icon);
      self->error_icons[i] = icon;

      g_object_set_data (G_OBJECT (self->rows[i]), "cnv-field", GINT_TO_POINTER (i));
      g_signal_connect (self->rows[i], "changed", G_CALLBACK (on_row_changed), self);
    }

  g_signal_connect (self->imap_security_row, "notify::selected",
                    G_CALLBACK (on_security_changed), self);
  g_signal_connect (self->smtp_security_row, "notify::selected",
                    G_CALLBACK (on_security_changed), self);
  g_signal_connect (self->ca_file_row, "changed", G_CALLBACK (on_other_row_changed), self);
  g_signal_connect (self->sent_folder_row, "changed", G_CALLBACK (on_other_row_changed), self);
  g_signal_connect (self->ca_file_button, "clicked", G_CALLBACK (on_choose_ca_file), self);
  cnv_account_page_test_init (self);

  /* "IMAP Server", not "IMAP Server Server": the rows' names (in the .ui) say which server */
  {
    GtkWidget *renamed[] = { self->imap_host_row, self->imap_port_row,
                             GTK_WIDGET (self->imap_security_row), self->imap_user_row,
                             self->smtp_host_row, self->smtp_port_row,
                             GTK_WIDGET (self->smtp_security_row), self->smtp_user_row };

    for (guint i = 0; i < G_N_ELEMENTS (renamed); i++)
      cnv_accessible_use_own_label (renamed[i]);
  }
  cnv_accessible_name_icon_buttons (self->password_row);

  /* The form's defaults (ports, security) shown before any guess. */
  sync_rows_from_form (self);
  cnv_account_page_evaluate (self);
}
