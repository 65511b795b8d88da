/* cnv-composer-window-private.h — what the composer's files share
 *
 * The window's state, across cnv-composer-window.c (the window: reading the fields, showing the
 * evaluation, session types, closing), cnv-composer-window-schedule.c (the Schedule rows: the
 * user's zone, dates and times typed, the duration presets) and cnv-composer-window-send.c
 * (Send: progress, the failure and Retry). Internal to the app: the contract is
 * cnv-composer-window.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-address-field.h"
#include "cnv-app-settings.h"
#include "cnv-composer-state.h"
#include "cnv-composer-window.h"

G_BEGIN_DECLS


struct _CnvComposerWindow
{
  AdwWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkWidget       *cancel_button;
  GtkWidget       *send_button;
  GtkStack        *send_stack;
  GtkSpinner      *send_spinner;
  GtkRevealer     *status_revealer;
  GtkStack        *status_stack;
  GtkLabel        *progress_label;
  GtkLabel        *error_label;
  GtkWidget       *retry_button;
  GtkWidget       *form_box;
  AdwComboRow     *session_type_row;
  GtkLabel        *session_type_error;
  CnvAddressField *participants_field;
  CnvAddressField *cc_field;
  AdwEntryRow     *title_row;
  GtkLabel        *title_error;
  GtkTextView     *message_view;
  GtkLabel        *message_error;
  AdwExpanderRow  *schedule_row;
  GtkSwitch       *schedule_switch;
  AdwEntryRow     *start_date_row;
  GtkPopover      *start_date_popover;
  GtkCalendar     *start_calendar;
  AdwEntryRow     *start_time_row;
  AdwComboRow     *duration_row;
  AdwEntryRow     *end_date_row;
  GtkPopover      *end_date_popover;
  GtkCalendar     *end_calendar;
  AdwEntryRow     *end_time_row;
  GtkLabel        *schedule_error;
  GtkLabel        *warnings_label;

  /* Owned */
  GSettings        *settings;
  CnvAddressBook   *book;
  CnvCredentials   *credentials;
  GPtrArray        *session_types;   /* CnvSessionTypeEntry */
  GCancellable     *cancellable;     /* the send in progress, else NULL */
  CnvComposerInput  input;
  CnvComposerState  state;
  char             *start_problem;   /* the typed start cannot be read */
  char             *end_problem;

  /* State */
  gboolean touched[CNV_COMPOSER_N_FIELDS];
  gboolean show_all_errors;          /* after Send was tried with errors */
  gboolean has_account;
  gboolean sending;
  gboolean closing;                  /* close without asking */
  gboolean updating;                 /* widgets being filled by the window itself */
  gboolean disposed;                 /* the template's widgets are going */
  guint    default_duration;
  guint    last_preset;
};

/* cnv-composer-window.c */
void        cnv_composer_window_update              (CnvComposerWindow *self);
void        cnv_composer_window_show_state          (CnvComposerWindow *self);
/* The error of @field once the user reached it (or after Send was tried), else NULL */
const char *cnv_composer_window_shown_error         (CnvComposerWindow *self,
                                                     CnvComposerField   field);
/* Marks @row (nullable) as wrong and shows @error (nullable = none) in @label (nullable) */
void        cnv_composer_window_show_row_error      (GtkWidget         *row,
                                                     GtkLabel          *label,
                                                     const char        *error);
void        cnv_composer_window_emit_request_sent   (CnvComposerWindow *self,
                                                     const char        *summary);

/* cnv-composer-window-schedule.c */
void        cnv_composer_window_schedule_class_init (GtkWidgetClass    *widget_class);
/* The user's zone and the rows' input hints, at init */
void        cnv_composer_window_schedule_init       (CnvComposerWindow *self);
/* The default duration from the settings, then the rows followed */
void        cnv_composer_window_schedule_setup      (CnvComposerWindow *self);
/* The schedule part of the input: start, then the duration or the end */
void        cnv_composer_window_read_schedule       (CnvComposerWindow *self);
void        cnv_composer_window_show_schedule       (CnvComposerWindow *self);

/* cnv-composer-window-send.c */
/* The status bar (progress, failure) hidden until needed */
void        cnv_composer_window_send_init           (CnvComposerWindow *self);
void        cnv_composer_window_send                (CnvComposerWindow *self);

G_END_DECLS
