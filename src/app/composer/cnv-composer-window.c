/* cnv-composer-window.c — the composer of Fig 4a (E400–E406)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window only shows: every decision (is Send enabled, what is wrong with a field, the end
 * the request carries) comes from cnv_composer_evaluate() over a CnvComposerInput that the
 * window keeps in step with its widgets, and the request itself from
 * cnv_composer_build_request(). The Schedule rows are in cnv-composer-window-schedule.c, Send
 * (cnv_request_sender_send_async(): SMTP submission, then a copy in Sent) in
 * cnv-composer-window-send.c.
 */
#define G_LOG_DOMAIN "cnv-composer"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cnv-accessible.h"
#include "cnv-composer-window-private.h"

G_DEFINE_FINAL_TYPE (CnvComposerWindow, cnv_composer_window, ADW_TYPE_WINDOW)

enum
{
  REQUEST_SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Reading what was typed */

static char *
buffer_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static const CnvSessionTypeEntry *
selected_session_type (CnvComposerWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->session_type_row);

  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->session_types->len)
    return NULL;
  return g_ptr_array_index (self->session_types, selected);
}

/* Keeps the input in step with the widgets (the chips are added through validate_*_cb) */
static void
read_input (CnvComposerWindow *self)
{
  CnvComposerInput *input = &self->input;
  const CnvSessionTypeEntry *type = selected_session_type (self);

  g_free (input->session_type);
  input->session_type = type != NULL ? g_strdup (type->address) : NULL;

  g_free (input->pending_participants);
  input->pending_participants = g_strdup (cnv_address_field_get_pending_text (self->participants_field));
  g_free (input->pending_cc);
  input->pending_cc = g_strdup (cnv_address_field_get_pending_text (self->cc_field));

  g_free (input->title);
  input->title = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->title_row)));
  g_free (input->message);
  input->message = buffer_text (self->message_view);

  input->scheduled = gtk_switch_get_active (self->schedule_switch);
  g_clear_pointer (&input->start, g_date_time_unref);
  g_clear_pointer (&input->end, g_date_time_unref);
  g_clear_pointer (&self->start_problem, g_free);
  g_clear_pointer (&self->end_problem, g_free);
  input->duration_minutes = 0;
  if (!input->scheduled)
    return;

  cnv_composer_window_read_schedule (self);
}

/* Drops from the input the chips the user removed */
static void
sync_removed (GPtrArray  *kept,
              GPtrArray  *field_addresses,
              void      (*remove) (CnvComposerInput *, const char *),
              CnvComposerInput *input)
{
  for (guint i = kept->len; i-- > 0;)
    {
      const CnvAddress *address = g_ptr_array_index (kept, i);
      gboolean found = FALSE;

      for (guint j = 0; j < field_addresses->len && !found; j++)
        found = cnv_address_equal (address, g_ptr_array_index (field_addresses, j));
      if (!found)
        {
          g_autofree char *normalized = g_strdup (address->address);

          remove (input, normalized);
        }
    }
}

/* Showing the evaluation */

void
cnv_composer_window_show_row_error (GtkWidget  *row,
                                    GtkLabel   *label,
                                    const char *error)
{
  if (row != NULL)
    {
      if (error != NULL)
        gtk_widget_add_css_class (row, "error");
      else
        gtk_widget_remove_css_class (row, "error");
    }
  if (label != NULL)
    {
      gtk_label_set_text (label, error != NULL ? error : "");
      gtk_widget_set_visible (GTK_WIDGET (label), error != NULL);
    }
}

const char *
cnv_composer_window_shown_error (CnvComposerWindow *self,
                                 CnvComposerField   field)
{
  if (!self->touched[field] && !self->show_all_errors)
    return NULL;
  return self->state.errors[field];
}

static void
show_field_problems (CnvComposerWindow *self,
                     CnvAddressField   *field,
                     CnvComposerField   which)
{
  const char *error = cnv_composer_window_shown_error (self, which);
  const char *problems[] = { error, NULL };

  /* Nobody is told "the address is incomplete" while typing it */
  if (cnv_address_field_is_editing (field) && !self->show_all_errors)
    error = NULL;
  problems[0] = error;
  cnv_address_field_set_problems (field, problems);
}

void
cnv_composer_window_show_state (CnvComposerWindow *self)
{
  g_autoptr(GString) warnings = g_string_new (NULL);
  const char *first_error = NULL;
  gboolean can_send;

  cnv_composer_window_show_row_error (GTK_WIDGET (self->session_type_row),
                                      self->session_type_error,
                                      self->state.errors[CNV_COMPOSER_FIELD_SESSION_TYPE]);
  show_field_problems (self, self->participants_field, CNV_COMPOSER_FIELD_PARTICIPANTS);
  show_field_problems (self, self->cc_field, CNV_COMPOSER_FIELD_CC);
  cnv_composer_window_show_row_error (GTK_WIDGET (self->title_row), self->title_error,
                                      cnv_composer_window_shown_error (self,
                                                                       CNV_COMPOSER_FIELD_TITLE));
  cnv_composer_window_show_row_error (GTK_WIDGET (self->message_view), self->message_error,
                                      cnv_composer_window_shown_error (self,
                                                                       CNV_COMPOSER_FIELD_MESSAGE));
  cnv_composer_window_show_schedule (self);

  for (guint i = 0; self->state.warnings != NULL && i < self->state.warnings->len; i++)
    g_string_append_printf (warnings, "%s%s", i > 0 ? "\n" : "",
                            (const char *) g_ptr_array_index (self->state.warnings, i));
  gtk_label_set_text (self->warnings_label, warnings->str);
  gtk_widget_set_visible (GTK_WIDGET (self->warnings_label), warnings->len > 0);

  /* The Send button says why it cannot be pressed */
  if (!self->has_account)
    first_error = _("Set up your mail account in Preferences first.");
  else if (self->start_problem != NULL)
    first_error = self->start_problem;
  else if (self->end_problem != NULL)
    first_error = self->end_problem;
  for (guint i = 0; first_error == NULL && i < CNV_COMPOSER_N_FIELDS; i++)
    first_error = self->state.errors[i];

  can_send = self->state.can_send && first_error == NULL && !self->sending;
  gtk_widget_set_sensitive (self->send_button, can_send);
  gtk_widget_set_tooltip_text (self->send_button,
                               can_send || self->sending || first_error == NULL
                               ? _("Send the request (Ctrl+Enter)") : first_error);
}

static void
clear_state (CnvComposerState *state)
{
  cnv_composer_state_clear (state);
  memset (state, 0, sizeof *state);
}

void
cnv_composer_window_update (CnvComposerWindow *self)
{
  if (self->updating || self->disposed)
    return;

  read_input (self);
  g_clear_pointer (&self->input.now, g_date_time_unref);
  self->input.now = g_date_time_new_now (self->input.zone);
  clear_state (&self->state);
  cnv_composer_evaluate (&self->input, &self->state);
  cnv_composer_window_show_state (self);
}

/* The address fields */

static CnvAddressFieldVerdict
validate_participant_cb (CnvAddressField  *field,
                         const CnvAddress *address,
                         char            **problem,
                         gpointer          user_data)
{
  CnvComposerWindow *self = user_data;

  if (!cnv_composer_add_participant (&self->input, address, problem))
    return CNV_ADDRESS_FIELD_REFUSE;
  /* The user's own address is taken but not added (the manager invites the initiator to every
   * session): a chip would show someone the request does not name */
  if (!cnv_address_list_contains (self->input.participants, address->address))
    {
      *problem = g_strdup (_("You are always invited to your own sessions"));
      return CNV_ADDRESS_FIELD_SKIP;
    }
  return CNV_ADDRESS_FIELD_ADD;
}

static CnvAddressFieldVerdict
validate_cc_cb (CnvAddressField  *field,
                const CnvAddress *address,
                char            **problem,
                gpointer          user_data)
{
  CnvComposerWindow *self = user_data;

  return cnv_composer_add_cc (&self->input, address, problem)
         ? CNV_ADDRESS_FIELD_ADD : CNV_ADDRESS_FIELD_REFUSE;
}

static void
participants_changed_cb (CnvComposerWindow *self)
{
  sync_removed (self->input.participants, cnv_address_field_get_addresses (self->participants_field),
                cnv_composer_remove_participant, &self->input);
  self->touched[CNV_COMPOSER_FIELD_PARTICIPANTS] = TRUE;
  cnv_composer_window_update (self);
}

static void
cc_changed_cb (CnvComposerWindow *self)
{
  sync_removed (self->input.cc, cnv_address_field_get_addresses (self->cc_field),
                cnv_composer_remove_cc, &self->input);
  self->touched[CNV_COMPOSER_FIELD_CC] = TRUE;
  cnv_composer_window_update (self);
}

static void
field_editing_changed_cb (CnvComposerWindow *self)
{
  cnv_composer_window_update (self);
}

/* The other fields */

static void
session_type_changed_cb (CnvComposerWindow *self)
{
  const CnvSessionTypeEntry *type = selected_session_type (self);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->session_type_row),
                               type != NULL ? type->address : "");
  cnv_composer_window_update (self);
}

static void
title_changed_cb (CnvComposerWindow *self)
{
  self->touched[CNV_COMPOSER_FIELD_TITLE] = TRUE;
  cnv_composer_window_update (self);
}

static void
message_changed_cb (CnvComposerWindow *self)
{
  self->touched[CNV_COMPOSER_FIELD_MESSAGE] = TRUE;
  cnv_composer_window_update (self);
}

/* Session types in the combo row: icon and name, and in the list the manager address too */

static void
session_type_item_setup_cb (GtkSignalListItemFactory *factory,
                            GtkListItem              *item,
                            gpointer                  in_list)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *name = gtk_label_new (NULL);

  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (labels), name);
  if (in_list != NULL)
    {
      GtkWidget *address = gtk_label_new (NULL);

      gtk_label_set_xalign (GTK_LABEL (address), 0);
      gtk_label_set_ellipsize (GTK_LABEL (address), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (address, "dim-label");
      gtk_widget_add_css_class (address, "caption");
      gtk_box_append (GTK_BOX (labels), address);
    }
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_list_item_set_child (item, box);
}

static void
session_type_item_bind_cb (GtkSignalListItemFactory *factory,
                           GtkListItem              *item,
                           CnvComposerWindow        *self)
{
  GtkStringObject *string = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *icon = gtk_widget_get_first_child (box);
  GtkWidget *labels = gtk_widget_get_next_sibling (icon);
  GtkWidget *name = gtk_widget_get_first_child (labels);
  GtkWidget *address = gtk_widget_get_next_sibling (name);
  const CnvSessionTypeEntry *type;

  /* The model holds the manager addresses: the list shown for the current item is not the
   * whole model, so positions cannot be trusted */
  type = cnv_session_type_entries_find (self->session_types, gtk_string_object_get_string (string));
  if (type == NULL)
    return;
  gtk_image_set_from_icon_name (GTK_IMAGE (icon), type->icon_name);
  gtk_label_set_text (GTK_LABEL (name), type->name);
  if (address != NULL)
    gtk_label_set_text (GTK_LABEL (address), type->address);
}

static GtkListItemFactory *
session_type_factory (CnvComposerWindow *self,
                      gboolean           in_list)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (session_type_item_setup_cb),
                    in_list ? GINT_TO_POINTER (1) : NULL);
  g_signal_connect_object (factory, "bind", G_CALLBACK (session_type_item_bind_cb), self, 0);
  return factory;
}

static void
setup_session_types (CnvComposerWindow *self)
{
  g_autoptr(GtkStringList) addresses = gtk_string_list_new (NULL);
  g_autoptr(GtkListItemFactory) factory = session_type_factory (self, FALSE);
  g_autoptr(GtkListItemFactory) list_factory = session_type_factory (self, TRUE);
  g_autofree char *last = g_settings_get_string (self->settings, "last-session-type");
  guint selected = 0;

  self->session_types = cnv_session_type_entries_load (self->settings);
  self->input.session_types = self->session_types;
  for (guint i = 0; i < self->session_types->len; i++)
    {
      const CnvSessionTypeEntry *type = g_ptr_array_index (self->session_types, i);

      gtk_string_list_append (addresses, type->address);
      if (g_strcmp0 (type->address, last) == 0)
        selected = i;
    }

  adw_combo_row_set_factory (self->session_type_row, factory);
  adw_combo_row_set_list_factory (self->session_type_row, list_factory);
  adw_combo_row_set_model (self->session_type_row, G_LIST_MODEL (addresses));
  if (self->session_types->len > 0)
    adw_combo_row_set_selected (self->session_type_row, selected);
  else
    gtk_widget_set_sensitive (GTK_WIDGET (self->session_type_row), FALSE);
  session_type_changed_cb (self);
}

void
cnv_composer_window_emit_request_sent (CnvComposerWindow *self,
                                       const char        *summary)
{
  g_signal_emit (self, signals[REQUEST_SENT], 0, summary);
}

/* Closing */

static gboolean
is_draft_empty (CnvComposerWindow *self)
{
  g_autofree char *message = buffer_text (self->message_view);

  return cnv_address_field_get_addresses (self->participants_field)->len == 0
         && cnv_address_field_get_addresses (self->cc_field)->len == 0
         && cnv_address_field_get_pending_text (self->participants_field)[0] == '\0'
         && cnv_address_field_get_pending_text (self->cc_field)[0] == '\0'
         && gtk_editable_get_text (GTK_EDITABLE (self->title_row))[0] == '\0'
         && g_strstrip (message)[0] == '\0';
}

static void
discard_response_cb (AdwMessageDialog  *dialog,
                     const char        *response,
                     CnvComposerWindow *self)
{
  if (g_strcmp0 (response, "discard") != 0)
    return;
  /* The dialog outlives this handler (it holds itself while emitting "response") and would
   * detach from the window it was transient for after that window is gone */
  gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  self->closing = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static void
ask_discard (CnvComposerWindow *self)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Discard this request?"),
                                              _("The participants, the title and the message "
                                                "will be lost."));

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep Editing"),
                                    "discard", _("_Discard"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  cnv_accessible_fix_mnemonic_buttons (dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (discard_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
cnv_composer_window_close_request (GtkWindow *window)
{
  CnvComposerWindow *self = CNV_COMPOSER_WINDOW (window);

  if (self->closing)
    return GTK_WINDOW_CLASS (cnv_composer_window_parent_class)->close_request (window);
  if (self->sending)
    {
      /* Closing while sending stops the send; the draft stays for another try */
      g_cancellable_cancel (self->cancellable);
      return TRUE;
    }
  if (is_draft_empty (self))
    return GTK_WINDOW_CLASS (cnv_composer_window_parent_class)->close_request (window);
  ask_discard (self);
  return TRUE;
}

/* Actions */

static void
send_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  cnv_composer_window_send (CNV_COMPOSER_WINDOW (widget));
}

static void
cancel_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CnvComposerWindow *self = CNV_COMPOSER_WINDOW (widget);

  if (self->sending)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
send_button_clicked_cb (CnvComposerWindow *self)
{
  cnv_composer_window_send (self);
}

/* GObject */

/* Disposing the template emits signals into the window (the focused address field hears the
 * focus go, a combo row loses its model) while its children are being cleared: the window stops
 * following them first. */
static void
disconnect_widgets (CnvComposerWindow *self)
{
  gpointer followed[] = {
    self->participants_field, self->cc_field, self->session_type_row, self->title_row,
    self->message_view != NULL ? gtk_text_view_get_buffer (self->message_view) : NULL,
    self->schedule_switch, self->duration_row, self->start_date_row, self->start_time_row,
    self->end_date_row, self->end_time_row, self->start_date_popover, self->end_date_popover,
    self->start_calendar, self->end_calendar, self->send_button, self->status_revealer,
  };

  self->disposed = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (followed); i++)
    if (followed[i] != NULL)
      g_signal_handlers_disconnect_by_data (followed[i], self);
}

static void
cnv_composer_window_dispose (GObject *object)
{
  CnvComposerWindow *self = CNV_COMPOSER_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  /* A send that finishes after this sees no cancellable and leaves the widgets alone */
  g_clear_object (&self->cancellable);

  if (self->participants_field != NULL)
    cnv_address_field_set_validate_func (self->participants_field, NULL, NULL, NULL);
  if (self->cc_field != NULL)
    cnv_address_field_set_validate_func (self->cc_field, NULL, NULL, NULL);
  disconnect_widgets (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CNV_TYPE_COMPOSER_WINDOW);

  G_OBJECT_CLASS (cnv_composer_window_parent_class)->dispose (object);
}

static void
cnv_composer_window_finalize (GObject *object)
{
  CnvComposerWindow *self = CNV_COMPOSER_WINDOW (object);

  clear_state (&self->state);
  cnv_composer_input_clear (&self->input);
  g_clear_pointer (&self->session_types, g_ptr_array_unref);
  g_free (self->start_problem);
  g_free (self->end_problem);
  g_clear_object (&self->settings);
  g_clear_object (&self->book);
  g_clear_object (&self->credentials);

  G_OBJECT_CLASS (cnv_composer_window_parent_class)->finalize (object);
}

static void
cnv_composer_window_class_init (CnvComposerWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = cnv_composer_window_dispose;
  object_class->finalize = cnv_composer_window_finalize;
  window_class->close_request = cnv_composer_window_close_request;

  /**
   * CnvComposerWindow::request-sent:
   * @summary: a translated sentence for a toast
   *
   * The server accepted the request; the window closes next.
   */
  signals[REQUEST_SENT] = g_signal_new ("request-sent", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (CNV_TYPE_ADDRESS_FIELD);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/convene/Convene/cnv-composer-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, send_button);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, send_stack);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, send_spinner);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, status_revealer);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, status_stack);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, form_box);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, session_type_row);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, session_type_error);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, participants_field);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, cc_field);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, title_row);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, title_error);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, message_view);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, message_error);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, schedule_row);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, schedule_switch);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, start_date_row);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, start_date_popover);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, start_calendar);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, start_time_row);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, duration_row);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, end_date_row);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, end_date_popover);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, end_calendar);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, end_time_row);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, schedule_error);
  gtk_widget_class_bind_template_child (widget_class, CnvComposerWindow, warnings_label);
  cnv_composer_window_schedule_class_init (widget_class);

  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_activated);
  gtk_widget_class_install_action (widget_class, "composer.cancel", NULL, cancel_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "composer.cancel", NULL);
}

/* Ctrl+Enter sends from anywhere, the message's text view included (which would take a plain
 * Enter): a shortcut in the capture phase sees the key first. */
static void
add_send_shortcut (CnvComposerWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();
  GtkShortcutTrigger *trigger =
    gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Return, GDK_CONTROL_MASK),
                                 gtk_keyval_trigger_new (GDK_KEY_KP_Enter, GDK_CONTROL_MASK));

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (trigger,
                                                          gtk_named_action_new ("composer.send")));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

static void
cnv_composer_window_init (CnvComposerWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  cnv_composer_input_init (&self->input);
  memset (&self->state, 0, sizeof self->state);
  cnv_composer_window_schedule_init (self);
  cnv_composer_window_send_init (self);

  cnv_address_field_set_placeholder (self->participants_field, _("Add names or addresses"));
  cnv_address_field_set_placeholder (self->cc_field, _("Add names or addresses"));
  cnv_address_field_set_validate_func (self->participants_field, validate_participant_cb, self, NULL);
  cnv_address_field_set_validate_func (self->cc_field, validate_cc_cb, self, NULL);

  add_send_shortcut (self);
  g_signal_connect_swapped (self->send_button, "clicked", G_CALLBACK (send_button_clicked_cb), self);
}

static void
connect_widgets (CnvComposerWindow *self)
{
  g_signal_connect_swapped (self->participants_field, "changed",
                            G_CALLBACK (participants_changed_cb), self);
  g_signal_connect_swapped (self->cc_field, "changed", G_CALLBACK (cc_changed_cb), self);
  g_signal_connect_swapped (self->participants_field, "notify::editing",
                            G_CALLBACK (field_editing_changed_cb), self);
  g_signal_connect_swapped (self->cc_field, "notify::editing",
                            G_CALLBACK (field_editing_changed_cb), self);
  g_signal_connect_swapped (self->session_type_row, "notify::selected",
                            G_CALLBACK (session_type_changed_cb), self);
  g_signal_connect_swapped (self->title_row, "changed", G_CALLBACK (title_changed_cb), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->message_view), "changed",
                            G_CALLBACK (message_changed_cb), self);
}

static void
setup (CnvComposerWindow *self,
       CnvApplication    *application)
{
  g_autoptr(CnvAccount) account = NULL;
  CnvAddressBook *book;
  CnvCredentials *credentials;

  self->settings = g_object_ref (cnv_application_get_settings (application));
  book = cnv_application_get_address_book (application);
  self->book = book != NULL ? g_object_ref (book) : NULL;
  credentials = cnv_application_get_credentials (application);
  self->credentials = credentials != NULL ? g_object_ref (credentials) : NULL;

  account = cnv_account_load (self->settings);
  self->has_account = account != NULL;
  if (account != NULL)
    self->input.initiator = cnv_address_new (account->name, account->address, NULL);

  cnv_address_field_set_address_book (self->participants_field, self->book);
  cnv_address_field_set_address_book (self->cc_field, self->book);

  setup_session_types (self);

  cnv_composer_window_schedule_setup (self);
  connect_widgets (self);
  cnv_composer_window_update (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->participants_field));
}

/**
 * cnv_composer_window_new:
 * @application: the app, whose settings, address book and keyring the composer uses
 *
 * Returns: (transfer full): a new, empty composer
 */
CnvComposerWindow *
cnv_composer_window_new (CnvApplication *application)
{
  CnvComposerWindow *self;

  g_return_val_if_fail (CNV_IS_APPLICATION (application), NULL);

  self = g_object_new (CNV_TYPE_COMPOSER_WINDOW, "application", application, NULL);
  setup (self, application);
  return self;
}
