/* cnv-session-type-editor.c — editing one session type: name, manager address, icon, launcher
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cnv-session-type-editor.h"

#include "cnv-accessible.h"
#include "cnv-address.h"

struct _CnvSessionTypeEditor
{
  AdwWindow  parent_instance;

  GPtrArray *entries;      /* CnvSessionTypeEntry, a copy */
  int        index;
  GPtrArray *app_ids;      /* char*, parallel to app_row's model; "" = none */
  gboolean   touched_name;
  gboolean   touched_address;

  /* template */
  GtkWidget *save_button;
  GtkWidget *name_row;
  GtkWidget *address_row;
  AdwComboRow *icon_row;
  GtkWidget *icon_image;
  GtkWidget *error_label;
  AdwComboRow *app_row;
  GtkWidget *command_row;
  GtkWidget *command_hint_label;
  GtkWidget *command_error_label;
  GtkWidget *auto_join_row;
  GtkWidget *auto_join_switch;
};

G_DEFINE_FINAL_TYPE (CnvSessionTypeEditor, cnv_session_type_editor, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* A small choice of symbolic icons of the Adwaita theme that fit a collaboration session. */
static const struct
{
  const char *icon_name;
  const char *label;
} icons[] = {
  { "camera-web-symbolic", N_("Camera") },
  { "document-edit-symbolic", N_("Pen") },
  { "x-office-presentation-symbolic", N_("Presentation") },
  { "audio-input-microphone-symbolic", N_("Microphone") },
  { "system-users-symbolic", N_("People") },
  { "video-display-symbolic", N_("Screen") },
  { "applications-graphics-symbolic", N_("Drawing") },
  { "x-office-calendar-symbolic", N_("Calendar") },
};

void
cnv_session_type_editor_set_auto_join (CnvSessionTypeEditor *self,
                                       gboolean              auto_join)
{
  g_return_if_fail (CNV_IS_SESSION_TYPE_EDITOR (self));

  gtk_switch_set_active (GTK_SWITCH (self->auto_join_switch), auto_join);
}

gboolean
cnv_session_type_editor_get_auto_join (CnvSessionTypeEditor *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_TYPE_EDITOR (self), FALSE);

  return gtk_switch_get_active (GTK_SWITCH (self->auto_join_switch));
}

const char *
cnv_session_type_editor_check_command (const char *command)
{
  g_auto(GStrv) argv = NULL;

  if (command == NULL || *command == '\0')
    return NULL;

  if (!g_shell_parse_argv (command, NULL, &argv, NULL))
    return _("The command cannot be read: check its quotes.");

  if (strstr (command, "%u") == NULL)
    /* xgettext:no-c-format */
    /* Translators: %u is typed as is in the command, it is not a number. */
    return _("The command must contain %u, where the session’s link goes.");

  return NULL;
}

static char *
row_text (GtkWidget *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static const char *
selected_app_id (CnvSessionTypeEditor *self)
{
  guint selected = adw_combo_row_get_selected (self->app_row);

  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->app_ids->len)
    return "";

  return g_ptr_array_index (self->app_ids, selected);
}

static void
show_row_error (GtkWidget  *row,
                const char *error)
{
  if (error != NULL)
    {
      gtk_widget_add_css_class (row, "error");
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error, -1);
    }
  else
    {
      gtk_widget_remove_css_class (row, "error");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

/* Checks every field; shows the errors of the fields the user has reached; returns the normalised
 * address when all is well. */
static char *
validate (CnvSessionTypeEditor *self)
{
  g_autofree char *name = row_text (self->name_row);
  g_autofree char *address = row_text (self->address_row);
  g_autofree char *command = row_text (self->command_row);
  g_autofree char *normalized = NULL;
  g_autoptr(GPtrArray) errors = g_ptr_array_new ();
  const char *name_error = NULL;
  const char *address_error = NULL;
  const char *command_error = NULL;
  gboolean no_app = *selected_app_id (self) == '\0';

  if (*name == '\0')
    name_error = _("Enter a name for this session type.");

  if (*address == '\0')
    address_error = _("Enter the manager’s address, e.g. videoconference@example.org.");
  else if ((normalized = cnv_address_normalize (address, NULL)) == NULL)
    address_error = _("The manager address is not an e-mail address.");
  else
    {
      for (guint i = 0; i < self->entries->len; i++)
        {
          const CnvSessionTypeEntry *other = g_ptr_array_index (self->entries, i);

          if ((int) i != self->index && g_strcmp0 (other->address, normalized) == 0)
            {
              address_error = _("Another session type already uses this address.");
              break;
            }
        }
    }

  if (no_app)
    command_error = cnv_session_type_editor_check_command (command);

  show_row_error (self->name_row, self->touched_name ? name_error : NULL);
  show_row_error (self->address_row, self->touched_address ? address_error : NULL);
  show_row_error (self->command_row, command_error);

  if (name_error != NULL && self->touched_name)
    g_ptr_array_add (errors, (gpointer) name_error);
  if (address_error != NULL && self->touched_address)
    g_ptr_array_add (errors, (gpointer) address_error);
  g_ptr_array_add (errors, NULL);
  if (errors->len > 1)
    {
      g_autofree char *text = g_strjoinv ("\n", (char **) errors->pdata);

      gtk_label_set_text (GTK_LABEL (self->error_label), text);
    }
  gtk_widget_set_visible (self->error_label, errors->len > 1);

  gtk_label_set_text (GTK_LABEL (self->command_error_label),
                      command_error != NULL ? command_error : "");
  gtk_widget_set_visible (self->command_error_label, command_error != NULL);
  gtk_widget_set_visible (self->command_row, no_app);
  gtk_widget_set_visible (self->command_hint_label, no_app);

  if (name_error != NULL || address_error != NULL || command_error != NULL)
    {
      gtk_widget_set_sensitive (self->save_button, FALSE);
      return NULL;
    }

  gtk_widget_set_sensitive (self->save_button, TRUE);
  return g_steal_pointer (&normalized);
}

static void
on_changed (GtkWidget            *row,
            CnvSessionTypeEditor *self)
{
  if (row == self->name_row)
    self->touched_name = TRUE;
  else if (row == self->address_row)
    self->touched_address = TRUE;

  validate (self);
}

static void
on_app_selected (AdwComboRow          *row,
                 GParamSpec           *pspec,
                 CnvSessionTypeEditor *self)
{
  validate (self);
}

static void
on_icon_selected (AdwComboRow          *row,
                  GParamSpec           *pspec,
                  CnvSessionTypeEditor *self)
{
  guint selected = adw_combo_row_get_selected (row);

  if (selected < G_N_ELEMENTS (icons))
    gtk_image_set_from_icon_name (GTK_IMAGE (self->icon_image), icons[selected].icon_name);
}

static void
on_save_clicked (GtkButton            *button,
                 CnvSessionTypeEditor *self)
{
  g_autofree char *normalized = NULL;
  g_autofree char *name = NULL;
  g_autofree char *command = NULL;
  g_autoptr(CnvSessionTypeEntry) entry = NULL;
  const char *app_id = selected_app_id (self);
  guint icon = adw_combo_row_get_selected (self->icon_row);

  self->touched_name = self->touched_address = TRUE;
  normalized = validate (self);
  if (normalized == NULL)
    return;

  name = row_text (self->name_row);
  command = *app_id == '\0' ? row_text (self->command_row) : g_strdup ("");
  entry = cnv_session_type_entry_new (name, normalized,
                                      icons[icon < G_N_ELEMENTS (icons) ? icon : 0].icon_name,
                                      app_id, command);

  g_signal_emit (self, signals[SAVED], 0, entry, self->index);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
setup_icon_item (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  gtk_box_append (GTK_BOX (box), gtk_image_new ());
  gtk_box_append (GTK_BOX (box), gtk_label_new (NULL));
  gtk_list_item_set_child (item, box);
}

static void
bind_icon_item (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  guint position = gtk_list_item_get_position (item);
  GtkWidget *image = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (image);

  if (position >= G_N_ELEMENTS (icons))
    return;
  gtk_image_set_from_icon_name (GTK_IMAGE (image), icons[position].icon_name);
  gtk_label_set_text (GTK_LABEL (label), _(icons[position].label));
}

static int
compare_apps (gconstpointer a,
              gconstpointer b)
{
  GAppInfo *app_a = *(GAppInfo **) a;
  GAppInfo *app_b = *(GAppInfo **) b;

  return g_utf8_collate (g_app_info_get_display_name (app_a), g_app_info_get_display_name (app_b));
}

/* "None", then the installed applications that open links (a session is joined through its
 * link), by name. */
static void
fill_apps (CnvSessionTypeEditor *self,
           const char           *current)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autolist(GAppInfo) all = g_app_info_get_all ();
  g_autoptr(GPtrArray) apps = g_ptr_array_new ();
  guint selected = 0;

  for (GList *l = all; l != NULL; l = l->next)
    {
      GAppInfo *app = l->data;

      if (g_app_info_should_show (app) && g_app_info_supports_uris (app)
          && g_app_info_get_id (app) != NULL)
        g_ptr_array_add (apps, app);
    }
  g_ptr_array_sort (apps, compare_apps);

  /* Translators: no application: the command below is used. */
  gtk_string_list_append (names, C_("application", "None"));
  g_ptr_array_add (self->app_ids, g_strdup (""));

  for (guint i = 0; i < apps->len; i++)
    {
      GAppInfo *app = g_ptr_array_index (apps, i);

      gtk_string_list_append (names, g_app_info_get_display_name (app));
      g_ptr_array_add (self->app_ids, g_strdup (g_app_info_get_id (app)));
      if (g_strcmp0 (current, g_app_info_get_id (app)) == 0)
        selected = self->app_ids->len - 1;
    }

  /* An application that is not installed here (any more) stays the choice until changed. */
  if (current != NULL && *current != '\0' && selected == 0)
    {
      gtk_string_list_append (names, current);
      g_ptr_array_add (self->app_ids, g_strdup (current));
      selected = self->app_ids->len - 1;
    }

  adw_combo_row_set_model (self->app_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->app_row, selected);
}

CnvSessionTypeEditor *
cnv_session_type_editor_new (GtkWindow *parent,
                             GPtrArray *entries,
                             int        index)
{
  CnvSessionTypeEditor *self;
  const CnvSessionTypeEntry *entry = NULL;
  guint icon = 0;

  g_return_val_if_fail (entries != NULL, NULL);
  g_return_val_if_fail (index < (int) entries->len, NULL);

  self = g_object_new (CNV_TYPE_SESSION_TYPE_EDITOR, "transient-for", parent, NULL);
  self->index = index;
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (self->entries, cnv_session_type_entry_copy (g_ptr_array_index (entries, i)));

  if (index >= 0)
    entry = g_ptr_array_index (entries, index);

  gtk_window_set_title (GTK_WINDOW (self),
                        entry != NULL ? _("Edit Session Type") : _("New Session Type"));

  if (entry != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), entry->name);
      gtk_editable_set_text (GTK_EDITABLE (self->address_row), entry->address);
      gtk_editable_set_text (GTK_EDITABLE (self->command_row), entry->command);
      for (guint i = 0; i < G_N_ELEMENTS (icons); i++)
        {
          if (g_strcmp0 (entry->icon_name, icons[i].icon_name) == 0)
            icon = i;
        }
      self->touched_name = self->touched_address = TRUE;
    }

  fill_apps (self, entry != NULL ? entry->app_id : NULL);
  adw_combo_row_set_selected (self->icon_row, icon);
  on_icon_selected (self->icon_row, NULL, self);

  g_signal_connect (self->name_row, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect (self->address_row, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect (self->command_row, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect (self->app_row, "notify::selected", G_CALLBACK (on_app_selected), self);
  validate (self);

  return self;
}

static void
cnv_session_type_editor_finalize (GObject *object)
{
  CnvSessionTypeEditor *self = CNV_SESSION_TYPE_EDITOR (object);

  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->app_ids);

  G_OBJECT_CLASS (cnv_session_type_editor_parent_class)->finalize (object);
}

static void
cnv_session_type_editor_class_init (CnvSessionTypeEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = cnv_session_type_editor_finalize;

  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_INT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/convene/Convene/"
                                               "cnv-session-type-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, address_row);
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, icon_row);
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, icon_image);
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, app_row);
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, command_row);
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, command_hint_label);
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, command_error_label);
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, auto_join_row);
  gtk_widget_class_bind_template_child (widget_class, CnvSessionTypeEditor, auto_join_switch);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cnv_session_type_editor_init (CnvSessionTypeEditor *self)
{
  g_autoptr(GtkStringList) icon_names = gtk_string_list_new (NULL);
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_session_type_entry_free);
  self->app_ids = g_ptr_array_new_with_free_func (g_free);
  self->index = -1;

  for (guint i = 0; i < G_N_ELEMENTS (icons); i++)
    gtk_string_list_append (icon_names, _(icons[i].label));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_icon_item), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_icon_item), NULL);
  adw_combo_row_set_list_factory (self->icon_row, factory);
  adw_combo_row_set_model (self->icon_row, G_LIST_MODEL (icon_names));
  g_signal_connect (self->icon_row, "notify::selected", G_CALLBACK (on_icon_selected), self);

  gtk_label_set_text (GTK_LABEL (self->command_hint_label),
                      /* xgettext:no-c-format */
                      /* Translators: %u, %p and %t are typed as is in the command. */
                      _("Used when no application is chosen: %u is replaced by the session’s "
                        "link, %p by your access code, %t by its title."));

  g_signal_connect (self->save_button, "clicked", G_CALLBACK (on_save_clicked), self);
  cnv_accessible_set_name (self->auto_join_switch,
                           adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->auto_join_row)));
  cnv_accessible_fix_mnemonic_buttons (GTK_WIDGET (self));
}
