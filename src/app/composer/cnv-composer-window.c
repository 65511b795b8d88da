/* cnv-composer-window.c — the composer of Fig 4a (E400–E406)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window only shows: every decision (is Send enabled, what is wrong with a field, the end
 * the request carries) comes from cnv_composer_evaluate() over a CnvComposerInput that the
 * window keeps in step with its widgets, and the request itself from
 * cnv_composer_build_request(). Sending is cnv_request_sender_send_async(): SMTP submission,
 * then a copy in Sent.
 */
#define G_LOG_DOMAIN "cnv-composer"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cnv-address-field.h"
#include "cnv-app-settings.h"
#include "cnv-composer-state.h"
#include "cnv-composer-window.h"
#include "cnv-request-sender.h"

/* The Duration presets, in the order of the combo row; 0 is "Custom" (an end date and time) */
static const int duration_presets[] = { 15, 30, 45, 60, 90, 120, 180, 0 };
#define DURATION_CUSTOM (G_N_ELEMENTS (duration_presets) - 1)

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
  guint    default_duration;
  guint    last_preset;
};

G_DEFINE_FINAL_TYPE (CnvComposerWindow, cnv_composer_window, ADW_TYPE_WINDOW)

enum
{
  REQUEST_SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void update (CnvComposerWindow *self);

/* The user's time zone: its IANA name goes into the request's VTIMEZONE/TZID (RFC 5545 §3.2.19),
 * so that the manager and the participants' calendars see the zone, not only an offset. */

static gboolean
is_zone_name (const char *name)
{
  if (name == NULL || name[0] == '\0' || name[0] == '/' || name[0] == ':')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/_+-", *p) == NULL)
      return FALSE;
  /* A POSIX rule such as "CET-1CEST" is not a name; IANA names have a region, or are UTC-like */
  return strchr (name, '/') != NULL || g_str_equal (name, "UTC") || g_str_equal (name, "GMT")
         || g_str_equal (name, "Universal") || g_str_equal (name, "Zulu");
}

static char *
zone_name_from_path (const char *path)
{
  const char *name = path != NULL ? strstr (path, "zoneinfo/") : NULL;

  if (name == NULL)
    return NULL;
  name += strlen ("zoneinfo/");
  /* Debian's zoneinfo has posix/ and right/ copies of the same zones */
  if (g_str_has_prefix (name, "posix/"))
    name += strlen ("posix/");
  return is_zone_name (name) ? g_strdup (name) : NULL;
}

static char *
find_zone_name (GTimeZone *local)
{
  const char *tz = g_getenv ("TZ");
  g_autofree char *contents = NULL;
  g_autofree char *link = NULL;

  if (is_zone_name (g_time_zone_get_identifier (local)))
    return g_strdup (g_time_zone_get_identifier (local));

  if (tz != NULL && tz[0] != '\0')
    {
      if (tz[0] == ':')
        tz++;
      if (is_zone_name (tz))
        return g_strdup (tz);
      if (tz[0] == '/')
        return zone_name_from_path (tz);
      return NULL;
    }

  if (g_file_get_contents ("/etc/timezone", &contents, NULL, NULL))
    {
      g_strstrip (contents);
      if (is_zone_name (contents))
        return g_steal_pointer (&contents);
    }

  link = g_file_read_link ("/etc/localtime", NULL);
  return zone_name_from_path (link);
}

static gboolean
is_utc_name (const char *name)
{
  static const char * const utc[] = {
    "UTC", "GMT", "Universal", "Zulu", "Etc/UTC", "Etc/GMT", "Etc/Universal", "Etc/Zulu",
    "Etc/UCT", "Etc/Greenwich", "GMT0", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", NULL
  };

  return g_strv_contains (utc, name);
}

static void
setup_zone (CnvComposerWindow *self)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autofree char *name = find_zone_name (local);
  g_autofree char *subtitle = NULL;

  if (name == NULL || is_utc_name (name))
    {
      self->input.zone = g_time_zone_new_utc ();
      self->input.tzid = NULL;
    }
  else
    {
      self->input.zone = g_time_zone_new_identifier (name);
      if (self->input.zone != NULL)
        self->input.tzid = g_strdup (name);
      else
        self->input.zone = g_time_zone_new_utc ();
    }

  /* Translators: the subtitle of "Schedule"; %s is a time zone name such as "Europe/Paris" */
  subtitle = g_strdup_printf (_("Times in %s"),
                              self->input.tzid != NULL ? self->input.tzid : "UTC");
  adw_expander_row_set_subtitle (self->schedule_row, subtitle);
}

/* Reading what was typed */

static const char *
editable_text (gpointer editable)
{
  return gtk_editable_get_text (GTK_EDITABLE (editable));
}

/* YYYY-MM-DD (ISO 8601, what the field shows), else the locale's way (g_date_set_parse) */
static gboolean
parse_date (const char *text,
            GDate      *date)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  unsigned int year, month, day;
  int consumed = 0;

  g_date_clear (date, 1);
  if (trimmed[0] == '\0')
    return FALSE;
  if (sscanf (trimmed, "%4u-%2u-%2u%n", &year, &month, &day, &consumed) == 3
      && trimmed[consumed] == '\0')
    {
      if (!g_date_valid_dmy (day, month, year))
        return FALSE;
      g_date_set_dmy (date, day, month, year);
      return TRUE;
    }
  g_date_set_parse (date, trimmed);
  return g_date_valid (date);
}

/* HH:MM (24 hours); also H:MM, HH.MM and a bare hour */
static gboolean
parse_time (const char *text,
            int        *hour,
            int        *minute)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  unsigned int h, m = 0;
  int consumed = 0;

  if (sscanf (trimmed, "%2u:%2u%n", &h, &m, &consumed) == 2
      || sscanf (trimmed, "%2u.%2u%n", &h, &m, &consumed) == 2
      || sscanf (trimmed, "%2u%n", &h, &consumed) == 1)
    {
      if (trimmed[consumed] != '\0' || h > 23 || m > 59)
        return FALSE;
      *hour = h;
      *minute = m;
      return TRUE;
    }
  return FALSE;
}

/* The date and time typed in two rows, in the user's zone; NULL with a translated @problem */
static GDateTime *
read_date_time (CnvComposerWindow *self,
                AdwEntryRow       *date_row,
                AdwEntryRow       *time_row,
                gboolean           is_end,
                char             **problem)
{
  GDate date;
  int hour, minute;

  if (editable_text (date_row)[0] == '\0' && editable_text (time_row)[0] == '\0')
    return NULL;
  if (!parse_date (editable_text (date_row), &date))
    {
      *problem = g_strdup (is_end ? _("Type the end date as YYYY-MM-DD.")
                                  : _("Type the start date as YYYY-MM-DD."));
      return NULL;
    }
  if (!parse_time (editable_text (time_row), &hour, &minute))
    {
      *problem = g_strdup (is_end ? _("Type the end time as HH:MM, for example 14:30.")
                                  : _("Type the start time as HH:MM, for example 14:30."));
      return NULL;
    }
  return g_date_time_new (self->input.zone, g_date_get_year (&date), g_date_get_month (&date),
                          g_date_get_day (&date), hour, minute, 0);
}

static void
set_date_time (CnvComposerWindow *self,
               AdwEntryRow       *date_row,
               AdwEntryRow       *time_row,
               GDateTime         *when)
{
  g_autofree char *date = g_date_time_format (when, "%Y-%m-%d");
  g_autofree char *time = g_date_time_format (when, "%H:%M");

  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (date_row), date);
  gtk_editable_set_text (GTK_EDITABLE (time_row), time);
  self->updating = FALSE;
}

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
  guint duration = adw_combo_row_get_selected (self->duration_row);

  g_free (input->session_type);
  input->session_type = type != NULL ? g_strdup (type->address) : NULL;

  g_free (input->pending_participants);
  input->pending_participants = g_strdup (cnv_address_field_get_pending_text (self->participants_field));
  g_free (input->pending_cc);
  input->pending_cc = g_strdup (cnv_address_field_get_pending_text (self->cc_field));

  g_free (input->title);
  input->title = g_strdup (editable_text (self->title_row));
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

  input->start = read_date_time (self, self->start_date_row, self->start_time_row, FALSE,
                                 &self->start_problem);
  if (duration < G_N_ELEMENTS (duration_presets) && duration != DURATION_CUSTOM)
    input->duration_minutes = duration_presets[duration];
  else
    input->end = read_date_time (self, self->end_date_row, self->end_time_row, TRUE,
                                 &self->end_problem);
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

static void
show_row_error (GtkWidget  *row,
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

static const char *
shown_error (CnvComposerWindow *self,
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
  const char *error = shown_error (self, which);
  const char *problems[] = { error, NULL };

  /* Nobody is told "the address is incomplete" while typing it */
  if (cnv_address_field_is_editing (field) && !self->show_all_errors)
    error = NULL;
  problems[0] = error;
  cnv_address_field_set_problems (field, problems);
}

static void
show_state (CnvComposerWindow *self)
{
  const char *start_error = self->start_problem != NULL ? self->start_problem
                                                        : shown_error (self, CNV_COMPOSER_FIELD_START);
  const char *end_error = self->end_problem != NULL ? self->end_problem
                                                    : shown_error (self, CNV_COMPOSER_FIELD_END);
  gboolean custom = adw_combo_row_get_selected (self->duration_row) == DURATION_CUSTOM;
  g_autoptr(GString) schedule = g_string_new (NULL);
  g_autoptr(GString) warnings = g_string_new (NULL);
  const char *first_error = NULL;
  gboolean can_send;

  show_row_error (GTK_WIDGET (self->session_type_row), self->session_type_error,
                  self->state.errors[CNV_COMPOSER_FIELD_SESSION_TYPE]);
  show_field_problems (self, self->participants_field, CNV_COMPOSER_FIELD_PARTICIPANTS);
  show_field_problems (self, self->cc_field, CNV_COMPOSER_FIELD_CC);
  show_row_error (GTK_WIDGET (self->title_row), self->title_error,
                  shown_error (self, CNV_COMPOSER_FIELD_TITLE));
  show_row_error (GTK_WIDGET (self->message_view), self->message_error,
                  shown_error (self, CNV_COMPOSER_FIELD_MESSAGE));

  if (!self->input.scheduled)
    start_error = end_error = NULL;
  show_row_error (GTK_WIDGET (self->start_date_row), NULL, start_error);
  show_row_error (GTK_WIDGET (self->start_time_row), NULL, start_error);
  show_row_error (GTK_WIDGET (self->end_date_row), NULL, custom ? end_error : NULL);
  show_row_error (GTK_WIDGET (self->end_time_row), NULL, custom ? end_error : NULL);
  show_row_error (GTK_WIDGET (self->duration_row), NULL, custom ? NULL : end_error);
  if (start_error != NULL)
    g_string_append (schedule, start_error);
  if (end_error != NULL && g_strcmp0 (end_error, start_error) != 0)
    g_string_append_printf (schedule, "%s%s", schedule->len > 0 ? "\n" : "", end_error);
  show_row_error (NULL, self->schedule_error, schedule->len > 0 ? schedule->str : NULL);

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

static void
update (CnvComposerWindow *self)
{
  if (self->updating)
    return;

  read_input (self);
  g_clear_pointer (&self->input.now, g_date_time_unref);
  self->input.now = g_date_time_new_now (self->input.zone);
  clear_state (&self->state);
  cnv_composer_evaluate (&self->input, &self->state);
  show_state (self);
}

/* The address fields */

static gboolean
validate_participant_cb (CnvAddressField  *field,
                         const CnvAddress *address,
                         char            **problem,
                         gpointer          user_data)
{
  CnvComposerWindow *self = user_data;

  return cnv_composer_add_participant (&self->input, address, problem);
}

static gboolean
validate_cc_cb (CnvAddressField  *field,
                const CnvAddress *address,
                char            **problem,
                gpointer          user_data)
{
  CnvComposerWindow *self = user_data;

  return cnv_composer_add_cc (&self->input, address, problem);
}

static void
participants_changed_cb (CnvComposerWindow *self)
{
  sync_removed (self->input.participants, cnv_address_field_get_addresses (self->participants_field),
                cnv_composer_remove_participant, &self->input);
  self->touched[CNV_COMPOSER_FIELD_PARTICIPANTS] = TRUE;
  update (self);
}

static void
cc_changed_cb (CnvComposerWindow *self)
{
  sync_removed (self->input.cc, cnv_address_field_get_addresses (self->cc_field),
                cnv_composer_remove_cc, &self->input);
  self->touched[CNV_COMPOSER_FIELD_CC] = TRUE;
  update (self);
}

static void
field_editing_changed_cb (CnvComposerWindow *self)
{
  update (self);
}

/* The other fields */

static void
session_type_changed_cb (CnvComposerWindow *self)
{
  const CnvSessionTypeEntry *type = selected_session_type (self);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->session_type_row),
                               type != NULL ? type->address : "");
  update (self);
}

static void
title_changed_cb (CnvComposerWindow *self)
{
  self->touched[CNV_COMPOSER_FIELD_TITLE] = TRUE;
  update (self);
}

static void
message_changed_cb (CnvComposerWindow *self)
{
  self->touched[CNV_COMPOSER_FIELD_MESSAGE] = TRUE;
  update (self);
}

static void
schedule_changed_cb (CnvComposerWindow *self)
{
  if (self->updating)
    return;
  self->touched[CNV_COMPOSER_FIELD_START] = TRUE;
  self->touched[CNV_COMPOSER_FIELD_END] = TRUE;
  update (self);
}

/* A preset for the duration, else Custom with its end */
static void
select_duration (CnvComposerWindow *self,
                 guint              minutes)
{
  guint index = DURATION_CUSTOM;

  for (guint i = 0; i < DURATION_CUSTOM; i++)
    if ((guint) duration_presets[i] == minutes)
      index = i;
  adw_combo_row_set_selected (self->duration_row, index);
}

static void
fill_end (CnvComposerWindow *self,
          guint              minutes)
{
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) end = NULL;
  g_autofree char *problem = NULL;

  start = read_date_time (self, self->start_date_row, self->start_time_row, FALSE, &problem);
  if (start == NULL)
    return;
  end = g_date_time_add_minutes (start, minutes);
  set_date_time (self, self->end_date_row, self->end_time_row, end);
}

static void
schedule_switched_cb (CnvComposerWindow *self)
{
  gboolean active = gtk_switch_get_active (self->schedule_switch);

  adw_expander_row_set_enable_expansion (self->schedule_row, active);
  adw_expander_row_set_expanded (self->schedule_row, active);

  /* The next full half hour today: the usual "in a moment" of a calendar */
  if (active && editable_text (self->start_date_row)[0] == '\0'
      && editable_text (self->start_time_row)[0] == '\0')
    {
      g_autoptr(GDateTime) now = g_date_time_new_now (self->input.zone);
      g_autoptr(GDateTime) midnight = g_date_time_new (self->input.zone,
                                                       g_date_time_get_year (now),
                                                       g_date_time_get_month (now),
                                                       g_date_time_get_day_of_month (now),
                                                       0, 0, 0);
      int minutes = g_date_time_get_hour (now) * 60 + g_date_time_get_minute (now);
      g_autoptr(GDateTime) start = g_date_time_add_minutes (midnight, (minutes / 30 + 1) * 30);

      set_date_time (self, self->start_date_row, self->start_time_row, start);
      if (adw_combo_row_get_selected (self->duration_row) == DURATION_CUSTOM)
        fill_end (self, self->default_duration);
    }
  schedule_changed_cb (self);
}

static void
duration_changed_cb (CnvComposerWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->duration_row);
  gboolean custom = selected == DURATION_CUSTOM;

  gtk_widget_set_visible (GTK_WIDGET (self->end_date_row), custom);
  gtk_widget_set_visible (GTK_WIDGET (self->end_time_row), custom);

  if (custom && editable_text (self->end_date_row)[0] == '\0'
      && editable_text (self->end_time_row)[0] == '\0')
    fill_end (self, self->last_preset);
  else if (!custom && selected < G_N_ELEMENTS (duration_presets))
    self->last_preset = duration_presets[selected];
  schedule_changed_cb (self);
}

static void
date_popover_shown_cb (CnvComposerWindow *self,
                       GtkPopover        *popover)
{
  gboolean end = popover == self->end_date_popover;
  GtkCalendar *calendar = end ? self->end_calendar : self->start_calendar;
  GDate date;

  if (!parse_date (editable_text (end ? self->end_date_row : self->start_date_row), &date))
    return;

  {
    g_autoptr(GDateTime) day = g_date_time_new (self->input.zone, g_date_get_year (&date),
                                                g_date_get_month (&date), g_date_get_day (&date),
                                                12, 0, 0);

    self->updating = TRUE;
    gtk_calendar_select_day (calendar, day);
    self->updating = FALSE;
  }
}

static void
calendar_day_selected_cb (CnvComposerWindow *self,
                          GtkCalendar       *calendar)
{
  gboolean end = calendar == self->end_calendar;
  g_autoptr(GDateTime) day = NULL;
  g_autofree char *text = NULL;

  if (self->updating)
    return;

  day = gtk_calendar_get_date (calendar);
  text = g_date_time_format (day, "%Y-%m-%d");
  gtk_editable_set_text (GTK_EDITABLE (end ? self->end_date_row : self->start_date_row), text);
  gtk_popover_popdown (end ? self->end_date_popover : self->start_date_popover);
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

/* Sending */

static void
set_sending (CnvComposerWindow *self,
             gboolean           sending)
{
  self->sending = sending;
  /* The focus leaves the form first: a focused entry made insensitive never hears it lost it */
  if (sending)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_set_sensitive (self->form_box, !sending);
  gtk_stack_set_visible_child_name (self->send_stack, sending ? "spinner" : "label");
  gtk_spinner_set_spinning (self->send_spinner, sending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send", !sending);
  if (sending)
    {
      gtk_stack_set_visible_child_name (self->status_stack, "progress");
      gtk_revealer_set_reveal_child (self->status_revealer, TRUE);
    }
  show_state (self);
}

static void
show_failure (CnvComposerWindow *self,
              const char        *sentence)
{
  gtk_label_set_text (self->error_label, sentence);
  gtk_stack_set_visible_child_name (self->status_stack, "error");
  gtk_revealer_set_reveal_child (self->status_revealer, TRUE);
  gtk_widget_grab_focus (self->retry_button);
}

/* The engine's messages are for the log; the user reads what to do about it */
static char *
describe_send_error (const GError *error)
{
  if (error->domain == CNV_SMTP_ERROR)
    switch ((CnvSmtpError) error->code)
      {
      case CNV_SMTP_ERROR_AUTH:
        return g_strdup (_("The server refused your password. Check it in Preferences."));
      case CNV_SMTP_ERROR_TLS:
        return g_strdup (_("The mail server’s certificate is not trusted, or a secure connection "
                           "could not be made. Check the server settings in Preferences."));
      case CNV_SMTP_ERROR_TRANSIENT:
        return g_strdup (_("The mail server could not be reached, or asked to try again later. "
                           "Check your connection and retry."));
      case CNV_SMTP_ERROR_PERMANENT:
        /* Translators: %s is the mail server's reply, e.g. "550 5.1.1 User unknown" */
        return g_strdup_printf (_("The mail server refused the request: %s"), error->message);
      case CNV_SMTP_ERROR_INVALID:
        /* Translators: %s is a technical reason */
        return g_strdup_printf (_("The request cannot be sent: %s"), error->message);
      default:
        break;
      }

  if (error->domain == CNV_CREDENTIALS_ERROR)
    switch ((CnvCredentialsError) error->code)
      {
      case CNV_CREDENTIALS_ERROR_NOT_FOUND:
        return g_strdup (_("No password is saved for your mail account. Enter it in Preferences."));
      case CNV_CREDENTIALS_ERROR_INSECURE:
      case CNV_CREDENTIALS_ERROR_FAILED:
      default:
        return g_strdup (_("The password could not be read from the keyring. Unlock it and retry."));
      }

  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR)
    return g_strdup (_("The mail server could not be reached. Check your connection and retry."));

  /* Translators: %s is a technical reason */
  return g_strdup_printf (_("The request could not be sent: %s"), error->message);
}

static char *
summarize (const char          *manager,
           const CnvSendReport *report)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;
  g_autofree char *rejected = NULL;

  for (guint i = 0; report->rejected != NULL && i < report->rejected->len; i++)
    {
      const CnvSmtpRecipientFailure *failure = g_ptr_array_index (report->rejected, i);

      g_strv_builder_add (builder, failure->address);
    }
  names = g_strv_builder_end (builder);
  /* Translators: the separator of a list of e-mail addresses */
  rejected = g_strjoinv (_(", "), names);

  if (names[0] != NULL && report->copy_error != NULL)
    /* Translators: the first %s is a manager address, the second a list of e-mail addresses */
    return g_strdup_printf (_("Request sent to %s, but the server refused %s. "
                              "A copy could not be saved in Sent."), manager, rejected);
  if (names[0] != NULL)
    /* Translators: the first %s is a manager address, the second a list of e-mail addresses */
    return g_strdup_printf (_("Request sent to %s, but the server refused %s."), manager, rejected);
  if (report->copy_error != NULL)
    /* Translators: %s is a manager address such as videoconference@example.org */
    return g_strdup_printf (_("Request sent to %s. A copy could not be saved in Sent."), manager);
  /* Translators: %s is a manager address such as videoconference@example.org */
  return g_strdup_printf (_("Request sent to %s"), manager);
}

static void
send_progress_cb (CnvSendStage stage,
                  gpointer     user_data)
{
  CnvComposerWindow *self = user_data;
  const char *text = NULL;

  if (self->cancellable == NULL)
    return;
  switch (stage)
    {
    case CNV_SEND_STAGE_PASSWORD:
      text = _("Reading the password…");
      break;
    case CNV_SEND_STAGE_SUBMITTING:
      text = _("Sending…");
      break;
    case CNV_SEND_STAGE_SAVING:
      text = _("Saving a copy in Sent…");
      break;
    case CNV_SEND_STAGE_DONE:
    default:
      return;
    }
  gtk_label_set_text (self->progress_label, text);
}

static void
request_sent_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CnvComposerWindow) self = user_data;
  g_autoptr(CnvSendReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *manager = NULL;
  g_autofree char *summary = NULL;
  GtkApplication *application;
  gboolean disposed = self->cancellable == NULL;

  report = cnv_request_sender_send_finish (result, &error);
  g_clear_object (&self->cancellable);

  if (report == NULL)
    {
      if (disposed)
        return;
      set_sending (self, FALSE);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          gtk_revealer_set_reveal_child (self->status_revealer, FALSE);
          return;
        }
      g_message ("The request was not sent: %s", error->message);
      {
        g_autofree char *sentence = describe_send_error (error);

        show_failure (self, sentence);
      }
      return;
    }

  /* Sent, even when the window was closed meanwhile: the address book and the settings learn
   * from it, and the user is told */
  for (guint i = 0; self->book != NULL && i < self->input.participants->len; i++)
    cnv_address_book_note_used (self->book, g_ptr_array_index (self->input.participants, i));
  for (guint i = 0; self->book != NULL && i < self->input.cc->len; i++)
    cnv_address_book_note_used (self->book, g_ptr_array_index (self->input.cc, i));
  if (self->input.session_type != NULL)
    g_settings_set_string (self->settings, "last-session-type", self->input.session_type);
  if (report->copy_error != NULL)
    g_message ("The request was sent, but its copy was not saved: %s", report->copy_error);

  manager = g_strdup (self->input.session_type != NULL ? self->input.session_type : "");
  summary = summarize (manager, report);
  g_signal_emit (self, signals[REQUEST_SENT], 0, summary);

  application = gtk_window_get_application (GTK_WINDOW (self));
  if (CNV_IS_APPLICATION (application))
    cnv_application_show_toast (CNV_APPLICATION (application), summary);

  if (disposed)
    return;
  set_sending (self, FALSE);
  self->closing = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static void
send (CnvComposerWindow *self)
{
  g_autoptr(CnvAccount) account = NULL;
  g_autoptr(CnvRequest) request = NULL;
  g_autoptr(GError) error = NULL;

  if (self->sending)
    return;

  cnv_address_field_commit (self->participants_field);
  cnv_address_field_commit (self->cc_field);
  update (self);
  if (!gtk_widget_get_sensitive (self->send_button))
    {
      /* Ctrl+Enter on an unfinished request: say everything that is missing */
      self->show_all_errors = TRUE;
      show_state (self);
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }

  account = cnv_account_load (self->settings);
  if (account == NULL || self->credentials == NULL)
    {
      show_failure (self, _("Set up your mail account in Preferences first."));
      return;
    }

  request = cnv_composer_build_request (&self->input, &error);
  if (request == NULL)
    {
      g_autofree char *sentence = NULL;

      g_message ("The request could not be built: %s", error->message);
      /* Translators: %s is a technical reason */
      sentence = g_strdup_printf (_("The request could not be built: %s"), error->message);
      show_failure (self, sentence);
      return;
    }

  self->cancellable = g_cancellable_new ();
  gtk_label_set_text (self->progress_label, _("Sending…"));
  set_sending (self, TRUE);
  cnv_request_sender_send_async (request, account, self->credentials,
                                 send_progress_cb, self, self->cancellable,
                                 request_sent_cb, g_object_ref (self));
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
         && editable_text (self->title_row)[0] == '\0'
         && g_strstrip (message)[0] == '\0';
}

static void
discard_response_cb (AdwMessageDialog  *dialog,
                     const char        *response,
                     CnvComposerWindow *self)
{
  if (g_strcmp0 (response, "discard") != 0)
    return;
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
  send (CNV_COMPOSER_WINDOW (widget));
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
  send (self);
}

/* GObject */

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
  gtk_widget_class_bind_template_callback (widget_class, date_popover_shown_cb);
  gtk_widget_class_bind_template_callback (widget_class, calendar_day_selected_cb);

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
  setup_zone (self);

  adw_entry_row_set_input_hints (self->start_date_row, GTK_INPUT_HINT_NO_SPELLCHECK);
  adw_entry_row_set_input_purpose (self->start_time_row, GTK_INPUT_PURPOSE_DIGITS);
  adw_entry_row_set_input_purpose (self->end_time_row, GTK_INPUT_PURPOSE_DIGITS);

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
  g_signal_connect_swapped (self->schedule_switch, "notify::active",
                            G_CALLBACK (schedule_switched_cb), self);
  g_signal_connect_swapped (self->duration_row, "notify::selected",
                            G_CALLBACK (duration_changed_cb), self);
  g_signal_connect_swapped (self->start_date_row, "changed", G_CALLBACK (schedule_changed_cb), self);
  g_signal_connect_swapped (self->start_time_row, "changed", G_CALLBACK (schedule_changed_cb), self);
  g_signal_connect_swapped (self->end_date_row, "changed", G_CALLBACK (schedule_changed_cb), self);
  g_signal_connect_swapped (self->end_time_row, "changed", G_CALLBACK (schedule_changed_cb), self);
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

  self->default_duration = g_settings_get_uint (self->settings, "default-duration");
  select_duration (self, self->default_duration);
  self->last_preset = self->default_duration;
  if (adw_combo_row_get_selected (self->duration_row) == DURATION_CUSTOM)
    self->last_preset = 60;
  duration_changed_cb (self);
  self->touched[CNV_COMPOSER_FIELD_START] = FALSE;
  self->touched[CNV_COMPOSER_FIELD_END] = FALSE;

  connect_widgets (self);
  update (self);
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
