/* cnv-join-window.c — the join prompt: one invitation, and Join / Not Now (E451–E453)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the notification's default action opens: the invitation in full (its type, title,
 * organizer, participants, the times in the user's zone and the personal link), a live countdown
 * before the start, and the answer. The answer goes to the background service (join, dismiss,
 * relaunch, leave), which writes the store; the prompt follows the store through the
 * application's session list, so a change made elsewhere (a Join pressed in the notification, a
 * cancel, the end) shows here too.
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <glib/gi18n.h>

#include "cnv-join-window.h"

#include "cnv-service-proxy.h"
#include "cnv-session-list.h"
#include "cnv-session-schedule.h"

struct _CnvJoinWindow
{
  AdwWindow        parent_instance;

  CnvApplication  *application;
  CnvSessionList  *sessions;
  char            *session_id;
  CnvSessionRecord *record;       /* as last read */
  gboolean         opens_browser;
  gboolean         can_relaunch;
  /* Join was pressed here and the service has it; the store may not say so yet */
  gboolean         joined;
  gboolean         busy;
  char            *participants_key;
  guint            tick_id;
  GCancellable    *cancellable;

  /* template */
  AdwToastOverlay *toast_overlay;
  GtkWidget       *type_icon;
  GtkWidget       *type_label;
  GtkWidget       *title_label;
  GtkWidget       *countdown_label;
  GtkWidget       *state_label;
  GtkWidget       *date_row;
  GtkWidget       *time_row;
  GtkWidget       *organizer_row;
  GtkWidget       *participants_row;
  GtkWidget       *link_group;
  GtkWidget       *link_label;
  GtkWidget       *copy_button;
  GtkWidget       *browser_note;
  GtkWidget       *action_area;
  GtkWidget       *error_label;
  GtkWidget       *button_box;
  GtkWidget       *not_now_button;
  GtkWidget       *leave_button;
  GtkWidget       *relaunch_button;
  GtkWidget       *join_button;
};

G_DEFINE_FINAL_TYPE (CnvJoinWindow, cnv_join_window, ADW_TYPE_WINDOW)

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

const char *
cnv_join_window_get_session_id (CnvJoinWindow *self)
{
  g_return_val_if_fail (CNV_IS_JOIN_WINDOW (self), NULL);

  return self->session_id;
}

static void
show_error (CnvJoinWindow *self,
            const char    *text)
{
  gtk_label_set_text (GTK_LABEL (self->error_label), text != NULL ? text : "");
  gtk_widget_set_visible (self->error_label, text != NULL);
  gtk_widget_set_visible (self->action_area,
                          text != NULL || gtk_widget_get_visible (self->button_box));
}

/* The zone's name as the user knows it: "Europe/Paris", else its abbreviation ("CEST"). */
static char *
zone_name (gint64 at)
{
  g_autoptr(GTimeZone) zone = g_time_zone_new_local ();
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (at);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;
  const char *identifier = g_time_zone_get_identifier (zone);

  if (identifier != NULL && *identifier != '\0' && g_strcmp0 (identifier, "localtime") != 0
      && *identifier != ':' && *identifier != '/')
    return g_strdup (identifier);

  return local != NULL ? g_strdup (g_date_time_get_timezone_abbreviation (local)) : g_strdup ("");
}

static void
fill_participants (CnvJoinWindow *self)
{
  g_autofree char *key = NULL;
  g_autofree char *count = NULL;
  guint n = self->record->participants != NULL
            ? g_strv_length (self->record->participants) : 0;
  GtkWidget *child;

  key = n > 0 ? g_strjoinv ("\n", self->record->participants) : g_strdup ("");
  if (g_strcmp0 (key, self->participants_key) == 0)
    return;
  g_free (self->participants_key);
  self->participants_key = g_steal_pointer (&key);

  /* AdwExpanderRow 1.2 has no remove(): the rows live in its inner list box. */
  while ((child = g_object_get_data (G_OBJECT (self->participants_row), "cnv-first")) != NULL)
    {
      GtkWidget *next = g_object_get_data (G_OBJECT (child), "cnv-next");

      gtk_list_box_remove (GTK_LIST_BOX (gtk_widget_get_parent (child)), child);
      g_object_set_data (G_OBJECT (self->participants_row), "cnv-first", next);
    }

  /* Translators: how many people take part in a session */
  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u person", "%u people", n), n);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self->participants_row), count);
  gtk_widget_set_sensitive (self->participants_row, n > 0);

  {
    GtkWidget *previous = NULL;

    for (guint i = 0; i < n; i++)
      {
        GtkWidget *row = adw_action_row_new ();

        adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), self->record->participants[i]);
        adw_expander_row_add_row (ADW_EXPANDER_ROW (self->participants_row), row);
        if (previous == NULL)
          g_object_set_data (G_OBJECT (self->participants_row), "cnv-first", row);
        else
          g_object_set_data (G_OBJECT (previous), "cnv-next", row);
        previous = row;
      }
  }
}

static void update_tick (CnvJoinWindow *self);

/* Everything that depends on the record and the time. */
static void
update (CnvJoinWindow *self)
{
  const CnvSessionRecord *record = self->record;
  gint64 now = now_seconds ();
  g_autofree char *countdown = NULL;
  g_autofree char *state = NULL;
  g_autofree char *start_time = NULL;
  gboolean over;
  gboolean can_join = FALSE;
  gboolean can_leave = FALSE;
  gboolean can_relaunch = FALSE;
  gboolean can_not_now = FALSE;

  if (record == NULL)
    return;

  over = now >= record->end;
  start_time = cnv_session_format_time (record->start);

  switch (record->status)
    {
    case CNV_SESSION_STATUS_NEW:
    case CNV_SESSION_STATUS_ACCEPTED:
      if (over)
        {
          state = g_strdup (_("This session has ended."));
          break;
        }
      if (now < record->start)
        countdown = cnv_schedule_countdown_text (record->start, now);
      if (record->status == CNV_SESSION_STATUS_ACCEPTED || self->joined)
        {
          if (now < record->start)
            /* Translators: %s is the time the session starts, e.g. "14:05" */
            state = g_strdup_printf (_("Joined — Convene will open the session at %s"),
                                     start_time);
          else
            state = g_strdup (_("Opening…"));
        }
      else
        {
          if (now >= record->start)
            /* Translators: %s is how long ago it started, e.g. "Started 3 min ago" */
            state = cnv_schedule_countdown_text (record->start, now);
          can_join = !self->busy;
          can_not_now = TRUE;
        }
      break;

    case CNV_SESSION_STATUS_RUNNING:
      can_leave = TRUE;
      can_relaunch = self->can_relaunch && !over;
      if (can_relaunch)
        state = g_strdup (_("Its program was closed. You can open it again while the session "
                            "lasts."));
      else
        state = g_strdup (_("This session is running."));
      break;

    case CNV_SESSION_STATUS_ENDED:
      state = g_strdup (_("This session has ended."));
      break;

    case CNV_SESSION_STATUS_MISSED:
      state = g_strdup (_("This session ended without you."));
      break;

    case CNV_SESSION_STATUS_CANCELLED:
    default:
      state = g_strdup (_("This session was cancelled."));
      break;
    }

  gtk_label_set_text (GTK_LABEL (self->countdown_label), countdown != NULL ? countdown : "");
  gtk_widget_set_visible (self->countdown_label, countdown != NULL);
  gtk_label_set_text (GTK_LABEL (self->state_label), state != NULL ? state : "");
  gtk_widget_set_visible (self->state_label, state != NULL);

  gtk_widget_set_visible (self->join_button, can_join || (self->busy && can_not_now));
  gtk_widget_set_sensitive (self->join_button, !self->busy);
  gtk_widget_set_visible (self->not_now_button, can_not_now);
  gtk_widget_set_visible (self->leave_button, can_leave);
  gtk_widget_set_visible (self->relaunch_button, can_relaunch);
  gtk_widget_set_visible (self->button_box, can_join || can_not_now || can_leave || can_relaunch);
  gtk_widget_set_visible (self->action_area, gtk_widget_get_visible (self->button_box)
                                             || gtk_widget_get_visible (self->error_label));

  if (gtk_widget_get_visible (self->join_button) && !self->busy)
    gtk_window_set_default_widget (GTK_WINDOW (self), self->join_button);

  update_tick (self);
}

static gboolean
on_tick (gpointer user_data)
{
  update (CNV_JOIN_WINDOW (user_data));

  return G_SOURCE_CONTINUE;
}

/* A second's tick while a countdown shows and the window is up. */
static void
update_tick (CnvJoinWindow *self)
{
  gboolean wanted = self->record != NULL
                    && gtk_widget_get_mapped (GTK_WIDGET (self))
                    && now_seconds () < self->record->end
                    && (self->record->status == CNV_SESSION_STATUS_NEW
                        || self->record->status == CNV_SESSION_STATUS_ACCEPTED);

  if (wanted && self->tick_id == 0)
    {
      self->tick_id = g_timeout_add_seconds (1, on_tick, self);
      g_source_set_name_by_id (self->tick_id, "[convene] join prompt countdown");
    }
  else if (!wanted)
    g_clear_handle_id (&self->tick_id, g_source_remove);
}

static void
load_item (CnvJoinWindow *self)
{
  CnvSessionItem *item = cnv_session_list_find (self->sessions, self->session_id);
  const CnvSessionRecord *record;
  g_autofree char *date = NULL;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  g_autofree char *zone = NULL;
  g_autofree char *times = NULL;
  const char *title;

  if (item == NULL)
    return;

  record = cnv_session_item_get_record (item);
  g_clear_pointer (&self->record, cnv_session_record_free);
  self->record = cnv_session_record_copy (record);
  self->opens_browser = cnv_session_item_get_opens_browser (item);
  self->can_relaunch = cnv_session_item_get_can_relaunch (item);
  if (record->status != CNV_SESSION_STATUS_NEW)
    self->joined = FALSE;

  title = record->title != NULL && *record->title != '\0' ? record->title : _("Session");
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_label_set_text (GTK_LABEL (self->title_label), title);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->type_icon),
                                cnv_session_item_get_icon_name (item));
  gtk_label_set_text (GTK_LABEL (self->type_label), cnv_session_item_get_type_name (item));

  date = cnv_session_format_date (record->start);
  start = cnv_session_format_time (record->start);
  end = cnv_session_format_time (record->end);
  zone = zone_name (record->start);
  /* Translators: a session's start and end, then the time zone they are in:
   * "10:00–11:00 (Europe/Paris)" */
  times = g_strdup_printf (_("%1$s–%2$s (%3$s)"), start, end, zone);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->date_row), date);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->time_row), times);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->organizer_row),
                               record->organizer != NULL ? record->organizer : "");
  gtk_widget_set_visible (self->organizer_row,
                          record->organizer != NULL && *record->organizer != '\0');
  fill_participants (self);

  gtk_label_set_text (GTK_LABEL (self->link_label), record->link != NULL ? record->link : "");
  gtk_widget_set_visible (self->link_group, record->link != NULL && *record->link != '\0');
  gtk_widget_set_visible (self->browser_note, self->opens_browser);

  update (self);
}

static void
on_sessions_changed (CnvSessionList *sessions,
                     CnvJoinWindow  *self)
{
  load_item (self);
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CnvJoinWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_service_proxy_activate_finish (CNV_SERVICE_PROXY (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      show_error (self, error->message);
    }
  else
    self->joined = TRUE;

  self->busy = FALSE;
  update (self);
}

static void
on_join_clicked (GtkButton     *button,
                 CnvJoinWindow *self)
{
  if (self->busy)
    return;

  show_error (self, NULL);
  self->busy = TRUE;
  update (self);
  cnv_service_proxy_activate_async (cnv_application_get_service_proxy (self->application),
                                    "join", self->session_id, self->cancellable, on_joined,
                                    g_object_ref (self));
}

static void
on_not_now_clicked (GtkButton     *button,
                    CnvJoinWindow *self)
{
  /* No more notifications for it; it stays in the list, where it can still be joined. */
  gtk_widget_activate_action (GTK_WIDGET (self), "app.dismiss", "s", self->session_id);
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_relaunch_clicked (GtkButton     *button,
                     CnvJoinWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "app.relaunch", "s", self->session_id);
}

static void
on_leave_clicked (GtkButton     *button,
                  CnvJoinWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "app.leave", "s", self->session_id);
}

static void
on_copy_clicked (GtkButton     *button,
                 CnvJoinWindow *self)
{
  if (self->record == NULL || self->record->link == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->record->link);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Link copied")));
}

CnvJoinWindow *
cnv_join_window_new (CnvApplication *application,
                     const char     *session_id)
{
  CnvJoinWindow *self;

  g_return_val_if_fail (CNV_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (session_id != NULL, NULL);

  self = g_object_new (CNV_TYPE_JOIN_WINDOW, "application", application, NULL);
  self->application = application;
  self->session_id = g_strdup (session_id);
  self->sessions = g_object_ref (cnv_application_get_session_list (application));
  g_signal_connect_object (self->sessions, "changed", G_CALLBACK (on_sessions_changed), self, 0);
  load_item (self);

  return self;
}

static void
cnv_join_window_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (cnv_join_window_parent_class)->map (widget);
  update_tick (CNV_JOIN_WINDOW (widget));
}

static void
cnv_join_window_unmap (GtkWidget *widget)
{
  CnvJoinWindow *self = CNV_JOIN_WINDOW (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  GTK_WIDGET_CLASS (cnv_join_window_parent_class)->unmap (widget);
}

static void
cnv_join_window_dispose (GObject *object)
{
  CnvJoinWindow *self = CNV_JOIN_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  /* A closed window may live on in an answer in flight: the list must not reach it. */
  if (self->sessions != NULL)
    g_signal_handlers_disconnect_by_data (self->sessions, self);
  g_clear_object (&self->sessions);

  G_OBJECT_CLASS (cnv_join_window_parent_class)->dispose (object);
}

static void
cnv_join_window_finalize (GObject *object)
{
  CnvJoinWindow *self = CNV_JOIN_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->record, cnv_session_record_free);
  g_free (self->session_id);
  g_free (self->participants_key);

  G_OBJECT_CLASS (cnv_join_window_parent_class)->finalize (object);
}

static void
cnv_join_window_class_init (CnvJoinWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cnv_join_window_dispose;
  object_class->finalize = cnv_join_window_finalize;
  widget_class->map = cnv_join_window_map;
  widget_class->unmap = cnv_join_window_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/convene/Convene/cnv-join-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, type_icon);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, type_label);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, title_label);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, countdown_label);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, state_label);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, date_row);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, time_row);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, organizer_row);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, participants_row);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, link_group);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, link_label);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, copy_button);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, browser_note);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, action_area);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, button_box);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, not_now_button);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, leave_button);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, relaunch_button);
  gtk_widget_class_bind_template_child (widget_class, CnvJoinWindow, join_button);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cnv_join_window_init (CnvJoinWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();

  g_signal_connect (self->join_button, "clicked", G_CALLBACK (on_join_clicked), self);
  g_signal_connect (self->not_now_button, "clicked", G_CALLBACK (on_not_now_clicked), self);
  g_signal_connect (self->relaunch_button, "clicked", G_CALLBACK (on_relaunch_clicked), self);
  g_signal_connect (self->leave_button, "clicked", G_CALLBACK (on_leave_clicked), self);
  g_signal_connect (self->copy_button, "clicked", G_CALLBACK (on_copy_clicked), self);
}
