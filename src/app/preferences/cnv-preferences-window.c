/* cnv-preferences-window.c — Preferences: the account, the session types, new sessions, and how
 * received sessions are watched and announced
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Session types and the default duration apply at once (GNOME HIG: preferences take effect
 * immediately); the account is saved with its Save button, because half an account (a new
 * server with the old password) would not work.
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <glib/gi18n.h>

#include "cnv-preferences-window.h"

#include "cnv-accessible.h"
#include "cnv-account-page.h"
#include "cnv-app-settings.h"
#include "cnv-session-type-editor.h"

struct _CnvPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  CnvApplication       *application;
  GSettings            *settings;
  GPtrArray            *entries;          /* CnvSessionTypeEntry */
  CnvSessionTypeEntry  *removed;          /* for Undo */
  int                   removed_index;
  gboolean              removed_auto_join;
  GArray               *durations;        /* guint minutes, parallel to duration_row's model */
  GtkWidget            *save_button;
  GCancellable         *cancellable;

  /* template */
  CnvAccountPage       *account_page;
  GtkListBox           *types_list;
  GtkWidget            *add_button;
  GtkWidget            *restore_button;
  AdwComboRow          *duration_row;
  GtkWidget            *background_row;
  GtkWidget            *background_switch;
  GtkWidget            *remind_row;
  GtkWidget            *remind_spin;
  GtkWidget            *warn_row;
  GtkWidget            *warn_spin;
  GtkWidget            *authserv_row;
};

G_DEFINE_FINAL_TYPE (CnvPreferencesWindow, cnv_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The composer's duration presets, in minutes. */
static const guint duration_presets[] = { 15, 30, 45, 60, 90, 120, 180 };

static void
show_toast (CnvPreferencesWindow *self,
            const char           *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

/* Account */

static void
update_save_button (CnvPreferencesWindow *self)
{
  gtk_widget_set_sensitive (self->save_button,
                            cnv_account_page_get_can_save (self->account_page)
                            && cnv_account_page_get_changed (self->account_page));
}

static void
on_account_page_notify (CnvAccountPage       *page,
                        GParamSpec           *pspec,
                        CnvPreferencesWindow *self)
{
  update_save_button (self);
}

static void
on_account_saved (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CnvPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  cnv_account_page_save_finish (CNV_ACCOUNT_PAGE (source), result, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  if (error != NULL)
    {
      /* Translators: %s says why, e.g. the keyring is locked. */
      g_autofree char *text = g_strdup_printf (_("The account could not be saved: %s"),
                                               error->message);

      show_toast (self, text);
    }
  else
    show_toast (self, _("Account saved"));
  update_save_button (self);
}

static void
on_save_clicked (GtkButton            *button,
                 CnvPreferencesWindow *self)
{
  gtk_widget_set_sensitive (self->save_button, FALSE);
  cnv_account_page_save_async (self->account_page, self->settings, self->cancellable,
                               on_account_saved, g_object_ref (self));
}

/* Session types */

static void rebuild_types (CnvPreferencesWindow *self);

static void
save_types (CnvPreferencesWindow *self)
{
  cnv_session_type_entries_save (self->entries, self->settings);
  rebuild_types (self);
}

/* Auto-join (issue 6 item 7) is kept by manager address, beside the session types. */
static gboolean
get_auto_join (CnvPreferencesWindow *self,
               const char           *address)
{
  g_auto(GStrv) addresses = g_settings_get_strv (self->settings, "auto-join");

  return address != NULL && g_strv_contains ((const char * const *) addresses, address);
}

static void
set_auto_join (CnvPreferencesWindow *self,
               const char           *address,
               gboolean              on)
{
  g_auto(GStrv) addresses = g_settings_get_strv (self->settings, "auto-join");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;

  if (address == NULL || get_auto_join (self, address) == on)
    return;

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      if (g_strcmp0 (addresses[i], address) != 0)
        g_strv_builder_add (builder, addresses[i]);
    }
  if (on)
    g_strv_builder_add (builder, address);

  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "auto-join", (const char * const *) updated);
}

static void
on_editor_saved (CnvSessionTypeEditor *editor,
                 CnvSessionTypeEntry  *entry,
                 int                   index,
                 CnvPreferencesWindow *self)
{
  CnvSessionTypeEntry *copy = cnv_session_type_entry_copy (entry);

  if (index >= 0 && index < (int) self->entries->len)
    {
      const CnvSessionTypeEntry *old = g_ptr_array_index (self->entries, index);

      if (g_strcmp0 (old->address, entry->address) != 0)
        set_auto_join (self, old->address, FALSE);
    }
  set_auto_join (self, entry->address, cnv_session_type_editor_get_auto_join (editor));

  if (index >= 0 && index < (int) self->entries->len)
    {
      cnv_session_type_entry_free (g_ptr_array_index (self->entries, index));
      g_ptr_array_index (self->entries, index) = copy;
    }
  else
    g_ptr_array_add (self->entries, copy);

  save_types (self);
}

static void
open_editor (CnvPreferencesWindow *self,
             int                   index)
{
  CnvSessionTypeEditor *editor = cnv_session_type_editor_new (GTK_WINDOW (self), self->entries,
                                                              index);

  if (index >= 0 && index < (int) self->entries->len)
    {
      const CnvSessionTypeEntry *entry = g_ptr_array_index (self->entries, index);

      cnv_session_type_editor_set_auto_join (editor, get_auto_join (self, entry->address));
    }

  g_signal_connect_object (editor, "saved", G_CALLBACK (on_editor_saved), self, 0);
  gtk_window_present (GTK_WINDOW (editor));
}

static int
row_index (GtkWidget *widget)
{
  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (widget), "cnv-index"));
}

static void
on_edit_clicked (GtkButton            *button,
                 CnvPreferencesWindow *self)
{
  open_editor (self, row_index (GTK_WIDGET (button)));
}

static void
on_row_activated (AdwActionRow         *row,
                  CnvPreferencesWindow *self)
{
  open_editor (self, row_index (GTK_WIDGET (row)));
}

static void
on_remove_clicked (GtkButton            *button,
                   CnvPreferencesWindow *self)
{
  int index = row_index (GTK_WIDGET (button));
  g_autofree char *text = NULL;
  AdwToast *toast;

  if (index < 0 || index >= (int) self->entries->len)
    return;

  g_clear_pointer (&self->removed, cnv_session_type_entry_free);
  self->removed = g_ptr_array_steal_index (self->entries, index);
  self->removed_index = index;
  self->removed_auto_join = get_auto_join (self, self->removed->address);
  set_auto_join (self, self->removed->address, FALSE);
  save_types (self);

  /* Translators: %s is a session type's name, e.g. "Whiteboard". */
  text = g_strdup_printf (_("“%s” removed"), self->removed->name);
  toast = adw_toast_new (text);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "prefs.undo-remove");
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

static void
undo_remove (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CnvPreferencesWindow *self = CNV_PREFERENCES_WINDOW (widget);
  guint index;

  if (self->removed == NULL)
    return;

  index = MIN ((guint) self->removed_index, self->entries->len);
  set_auto_join (self, self->removed->address, self->removed_auto_join);
  g_ptr_array_insert (self->entries, index, g_steal_pointer (&self->removed));
  save_types (self);
}

static GtkWidget *
new_row_button (const char *icon_name,
                const char *label,
                int         index)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_widget_add_css_class (button, "flat");
  g_object_set_data (G_OBJECT (button), "cnv-index", GINT_TO_POINTER (index));

  return button;
}

static void
rebuild_types (CnvPreferencesWindow *self)
{
  GtkWidget *child;
  g_autofree char *address = g_settings_get_string (self->settings, "account-address");

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->types_list))) != NULL)
    gtk_list_box_remove (self->types_list, child);

  for (guint i = 0; i < self->entries->len; i++)
    {
      const CnvSessionTypeEntry *entry = g_ptr_array_index (self->entries, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button;
      g_autofree char *edit_label = NULL;
      g_autofree char *remove_label = NULL;

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), entry->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), entry->address);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (entry->icon_name));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "cnv-index", GINT_TO_POINTER (i));
      g_signal_connect (row, "activated", G_CALLBACK (on_row_activated), self);

      /* Translators: a button's name for screen readers; %s is a session type, e.g. "Whiteboard". */
      edit_label = g_strdup_printf (_("Edit %s"), entry->name);
      button = new_row_button ("document-edit-symbolic", edit_label, i);
      g_signal_connect (button, "clicked", G_CALLBACK (on_edit_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

      /* Translators: a button's name for screen readers; %s is a session type, e.g. "Whiteboard". */
      remove_label = g_strdup_printf (C_("session type", "Remove %s"), entry->name);
      button = new_row_button ("user-trash-symbolic", remove_label, i);
      g_signal_connect (button, "clicked", G_CALLBACK (on_remove_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

      gtk_list_box_append (self->types_list, row);
    }

  gtk_widget_set_sensitive (self->restore_button, *address != '\0');
}

static void
on_add_clicked (GtkButton            *button,
                CnvPreferencesWindow *self)
{
  open_editor (self, -1);
}

static void
on_restore_response (AdwMessageDialog     *dialog,
                     const char           *response,
                     CnvPreferencesWindow *self)
{
  g_autofree char *address = NULL;

  if (g_strcmp0 (response, "restore") != 0)
    return;

  address = g_settings_get_string (self->settings, "account-address");
  g_ptr_array_unref (self->entries);
  self->entries = cnv_session_type_entries_defaults (address);
  save_types (self);
}

static void
on_restore_clicked (GtkButton            *button,
                    CnvPreferencesWindow *self)
{
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Restore Default Session Types?"),
                                   _("The session types are replaced by Videoconference and "
                                     "Whiteboard on your account’s domain."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "restore", _("_Restore"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "restore",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  cnv_accessible_fix_mnemonic_buttons (dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_restore_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Default duration */

static char *
describe_duration (guint minutes)
{
  if (minutes % 60 == 0)
    /* Translators: a session's duration. */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour", "%u hours", minutes / 60),
                            minutes / 60);
  if (minutes == 90)
    return g_strdup (_("1½ hours"));

  /* Translators: a session's duration in minutes. */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u min", "%u min", minutes), minutes);
}

static void
on_duration_selected (AdwComboRow          *row,
                      GParamSpec           *pspec,
                      CnvPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (row);

  if (selected < self->durations->len)
    g_settings_set_uint (self->settings, "default-duration",
                         g_array_index (self->durations, guint, selected));
}

static void
fill_durations (CnvPreferencesWindow *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  guint current = g_settings_get_uint (self->settings, "default-duration");
  guint selected = G_MAXUINT;

  for (guint i = 0; i < G_N_ELEMENTS (duration_presets); i++)
    {
      g_autofree char *label = describe_duration (duration_presets[i]);

      g_array_append_val (self->durations, duration_presets[i]);
      gtk_string_list_append (labels, label);
      if (duration_presets[i] == current)
        selected = i;
    }

  /* A value set elsewhere (gsettings) stays a choice. */
  if (selected == G_MAXUINT)
    {
      g_autofree char *label = describe_duration (current);

      g_array_append_val (self->durations, current);
      gtk_string_list_append (labels, label);
      selected = self->durations->len - 1;
    }

  adw_combo_row_set_model (self->duration_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->duration_row, selected);
  g_signal_connect (self->duration_row, "notify::selected", G_CALLBACK (on_duration_selected),
                    self);
}

/* Sessions */

static void
on_authserv_apply (AdwEntryRow          *row,
                   CnvPreferencesWindow *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  g_settings_set_string (self->settings, "trusted-authserv-id", text);
}

static void
bind_session_settings (CnvPreferencesWindow *self)
{
  g_autofree char *authserv = g_settings_get_string (self->settings, "trusted-authserv-id");

  g_settings_bind (self->settings, "run-in-background", self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "remind-before", self->remind_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "warn-before-end", self->warn_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  gtk_editable_set_text (GTK_EDITABLE (self->authserv_row), authserv);
  g_signal_connect (self->authserv_row, "apply", G_CALLBACK (on_authserv_apply), self);
}

CnvPreferencesWindow *
cnv_preferences_window_new (CnvApplication *application)
{
  CnvPreferencesWindow *self;

  g_return_val_if_fail (CNV_IS_APPLICATION (application), NULL);

  self = g_object_new (CNV_TYPE_PREFERENCES_WINDOW, "application", application, NULL);
  self->application = application;
  self->settings = g_object_ref (cnv_application_get_settings (application));

  cnv_account_page_set_credentials (self->account_page,
                                    cnv_application_get_credentials (application));
  cnv_account_page_load (self->account_page, self->settings);
  update_save_button (self);

  self->entries = cnv_session_type_entries_load (self->settings);
  rebuild_types (self);
  fill_durations (self);
  bind_session_settings (self);

  return self;
}

static void
cnv_preferences_window_dispose (GObject *object)
{
  CnvPreferencesWindow *self = CNV_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (cnv_preferences_window_parent_class)->dispose (object);
}

static void
cnv_preferences_window_finalize (GObject *object)
{
  CnvPreferencesWindow *self = CNV_PREFERENCES_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->removed, cnv_session_type_entry_free);
  g_clear_pointer (&self->durations, g_array_unref);

  G_OBJECT_CLASS (cnv_preferences_window_parent_class)->finalize (object);
}

static void
cnv_preferences_window_class_init (CnvPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cnv_preferences_window_dispose;
  object_class->finalize = cnv_preferences_window_finalize;

  g_type_ensure (CNV_TYPE_ACCOUNT_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/convene/Convene/"
                                               "cnv-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, account_page);
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, types_list);
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, add_button);
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, restore_button);
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, duration_row);
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, background_row);
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, remind_row);
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, remind_spin);
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, warn_row);
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, warn_spin);
  gtk_widget_class_bind_template_child (widget_class, CnvPreferencesWindow, authserv_row);

  gtk_widget_class_install_action (widget_class, "prefs.undo-remove", NULL, undo_remove);
}

static void
cnv_preferences_window_init (CnvPreferencesWindow *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->durations = g_array_new (FALSE, FALSE, sizeof (guint));

  self->save_button = gtk_button_new_with_mnemonic (_("_Save"));
  gtk_widget_add_css_class (self->save_button, "suggested-action");
  gtk_widget_set_sensitive (self->save_button, FALSE);
  g_signal_connect (self->save_button, "clicked", G_CALLBACK (on_save_clicked), self);
  cnv_account_page_add_action_widget (self->account_page, self->save_button);
  g_signal_connect (self->account_page, "notify::can-save", G_CALLBACK (on_account_page_notify),
                    self);
  g_signal_connect (self->account_page, "notify::changed", G_CALLBACK (on_account_page_notify),
                    self);

  placeholder = gtk_label_new (_("No session types: add the manager addresses of your "
                                 "organisation."));
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_widget_set_margin_start (placeholder, 12);
  gtk_widget_set_margin_end (placeholder, 12);
  gtk_list_box_set_placeholder (self->types_list, placeholder);

  g_signal_connect (self->add_button, "clicked", G_CALLBACK (on_add_clicked), self);
  g_signal_connect (self->restore_button, "clicked", G_CALLBACK (on_restore_clicked), self);
  /* The controls are named as their rows read. */
  cnv_accessible_set_name (self->background_switch,
                           adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->background_row)));
  cnv_accessible_set_name (self->remind_spin,
                           adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->remind_row)));
  cnv_accessible_set_name (self->warn_spin,
                           adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->warn_row)));
  cnv_accessible_fix_mnemonic_buttons (GTK_WIDGET (self));
}
