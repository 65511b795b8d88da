/* cnv-window.c — the main window: the user's sessions, or an invitation to start one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <glib/gi18n.h>

#include "cnv-window.h"

#include "cnv-app-settings.h"

struct _CnvWindow
{
  AdwApplicationWindow parent_instance;

  GSettings       *settings;
  GListModel      *sessions;
  GtkFilterListModel *sections[3];

  /* template */
  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  AdwStatusPage   *empty_page;
  GtkWidget       *active_group;
  GtkWidget       *upcoming_group;
  GtkWidget       *past_group;
  GtkListBox      *active_list;
  GtkListBox      *upcoming_list;
  GtkListBox      *past_list;
};

G_DEFINE_FINAL_TYPE (CnvWindow, cnv_window, ADW_TYPE_APPLICATION_WINDOW)

/* The sections, in the order shown; "status" values as issue 6 names them. */
static const char *const section_status[] = { "active", "upcoming", "past" };

CnvWindow *
cnv_window_new (CnvApplication *application)
{
  return g_object_new (CNV_TYPE_WINDOW, "application", application, NULL);
}

void
cnv_window_add_toast (CnvWindow *self,
                      AdwToast  *toast)
{
  g_return_if_fail (CNV_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static gboolean
has_string_property (GObject    *item,
                     const char *name)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (item), name);

  return pspec != NULL && pspec->value_type == G_TYPE_STRING;
}

static gboolean
item_in_section (gpointer item,
                 gpointer user_data)
{
  const char *wanted = user_data;
  g_autofree char *status = NULL;

  if (has_string_property (item, "status"))
    g_object_get (item, "status", &status, NULL);

  return g_strcmp0 (status != NULL ? status : "upcoming", wanted) == 0;
}

static gboolean
get_boolean (GObject    *item,
             const char *name)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (item), name);
  gboolean value = FALSE;

  if (pspec != NULL && pspec->value_type == G_TYPE_BOOLEAN)
    g_object_get (item, name, &value, NULL);

  return value;
}

/* One answer at a time: Join for an invitation, Relaunch when its program closed early, else
 * Leave for a running session. */
static void
update_row_buttons (GObject    *item,
                    GParamSpec *pspec,
                    GtkWidget  *row)
{
  GtkWidget *join = g_object_get_data (G_OBJECT (row), "cnv-join");
  GtkWidget *relaunch = g_object_get_data (G_OBJECT (row), "cnv-relaunch");
  GtkWidget *leave = g_object_get_data (G_OBJECT (row), "cnv-leave");
  gboolean can_relaunch = get_boolean (item, "can-relaunch");

  gtk_widget_set_visible (join, get_boolean (item, "can-join"));
  gtk_widget_set_visible (relaunch, can_relaunch);
  gtk_widget_set_visible (leave, !can_relaunch && get_boolean (item, "can-leave"));
}

static GtkWidget *
new_row_button (GtkWidget  *row,
                const char *key,
                const char *label,
                const char *action_name,
                const char *session_id,
                const char *style)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (style != NULL)
    gtk_widget_add_css_class (button, style);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", session_id);
  gtk_widget_set_visible (button, FALSE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  g_object_set_data (G_OBJECT (row), key, button);

  return button;
}

static GtkWidget *
create_session_row (gpointer item,
                    gpointer user_data)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *session_id = NULL;

  if (has_string_property (item, "title"))
    g_object_bind_property (item, "title", row, "title", G_BINDING_SYNC_CREATE);
  if (has_string_property (item, "subtitle"))
    g_object_bind_property (item, "subtitle", row, "subtitle", G_BINDING_SYNC_CREATE);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);

  if (has_string_property (item, "icon-name"))
    {
      GtkWidget *icon = gtk_image_new ();

      g_object_bind_property (item, "icon-name", icon, "icon-name", G_BINDING_SYNC_CREATE);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
    }

  if (!has_string_property (item, "session-id"))
    return row;

  /* A session opens its join prompt; its buttons answer at once. */
  g_object_get (item, "session-id", &session_id, NULL);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "app.show-session");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", session_id);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);

  new_row_button (row, "cnv-join", _("Join"), "app.join", session_id, "suggested-action");
  new_row_button (row, "cnv-relaunch", _("Relaunch"), "app.relaunch", session_id, NULL);
  new_row_button (row, "cnv-leave", _("Leave"), "app.leave", session_id, NULL);
  update_row_buttons (item, NULL, row);
  g_signal_connect_object (item, "notify::can-join", G_CALLBACK (update_row_buttons), row, 0);
  g_signal_connect_object (item, "notify::can-relaunch", G_CALLBACK (update_row_buttons), row,
                           0);
  g_signal_connect_object (item, "notify::can-leave", G_CALLBACK (update_row_buttons), row, 0);

  return row;
}

static void
update_visibility (CnvWindow *self)
{
  GtkWidget *groups[] = { self->active_group, self->upcoming_group, self->past_group };
  guint total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      guint n = self->sections[i] != NULL
                ? g_list_model_get_n_items (G_LIST_MODEL (self->sections[i])) : 0;

      gtk_widget_set_visible (groups[i], n > 0);
      total += n;
    }

  gtk_stack_set_visible_child_name (self->stack, total > 0 ? "sessions" : "empty");
}

static void
on_section_changed (GListModel *model,
                    guint       position,
                    guint       removed,
                    guint       added,
                    CnvWindow  *self)
{
  update_visibility (self);
}

void
cnv_window_set_sessions (CnvWindow  *self,
                         GListModel *sessions)
{
  GtkListBox *lists[] = { self->active_list, self->upcoming_list, self->past_list };

  g_return_if_fail (CNV_IS_WINDOW (self));
  g_return_if_fail (sessions == NULL || G_IS_LIST_MODEL (sessions));

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      GtkFilter *filter;

      gtk_list_box_bind_model (lists[i], NULL, NULL, NULL, NULL);
      if (self->sections[i] != NULL)
        g_signal_handlers_disconnect_by_func (self->sections[i], on_section_changed, self);
      g_clear_object (&self->sections[i]);

      if (sessions == NULL)
        continue;

      filter = GTK_FILTER (gtk_custom_filter_new (item_in_section, (gpointer) section_status[i],
                                                  NULL));
      self->sections[i] = gtk_filter_list_model_new (g_object_ref (sessions), filter);
      g_signal_connect (self->sections[i], "items-changed", G_CALLBACK (on_section_changed),
                        self);
      gtk_list_box_bind_model (lists[i], G_LIST_MODEL (self->sections[i]), create_session_row,
                               NULL, NULL);
    }

  g_set_object (&self->sessions, sessions);
  update_visibility (self);
}

static gboolean
cnv_window_close_request (GtkWindow *window)
{
  CnvWindow *self = CNV_WINDOW (window);
  int width, height;

  /* The size the window has when not maximized, to come back to it. */
  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  g_settings_apply (self->settings);

  return GTK_WINDOW_CLASS (cnv_window_parent_class)->close_request (window);
}

static void
cnv_window_dispose (GObject *object)
{
  CnvWindow *self = CNV_WINDOW (object);

  cnv_window_set_sessions (self, NULL);

  G_OBJECT_CLASS (cnv_window_parent_class)->dispose (object);
}

static void
cnv_window_finalize (GObject *object)
{
  CnvWindow *self = CNV_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cnv_window_parent_class)->finalize (object);
}

static void
cnv_window_class_init (CnvWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = cnv_window_dispose;
  object_class->finalize = cnv_window_finalize;
  window_class->close_request = cnv_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/convene/Convene/cnv-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CnvWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CnvWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CnvWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CnvWindow, active_group);
  gtk_widget_class_bind_template_child (widget_class, CnvWindow, upcoming_group);
  gtk_widget_class_bind_template_child (widget_class, CnvWindow, past_group);
  gtk_widget_class_bind_template_child (widget_class, CnvWindow, active_list);
  gtk_widget_class_bind_template_child (widget_class, CnvWindow, upcoming_list);
  gtk_widget_class_bind_template_child (widget_class, CnvWindow, past_list);
}

static void
cnv_window_init (CnvWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = cnv_app_settings_new ();
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  update_visibility (self);
}
