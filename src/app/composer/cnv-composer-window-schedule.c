/* cnv-composer-window-schedule.c — the composer's Schedule rows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The start and the end are typed as a date and a time in the user's zone (or picked in a
 * calendar); the end is a duration preset, or Custom with its own date and time. What was typed
 * goes into the composer's input; cnv_composer_evaluate() decides whether it is a valid schedule.
 */
#define G_LOG_DOMAIN "cnv-composer"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cnv-composer-window-private.h"

/* The Duration presets, in the order of the combo row; 0 is "Custom" (an end date and time) */
static const int duration_presets[] = { 15, 30, 45, 60, 90, 120, 180, 0 };
#define DURATION_CUSTOM (G_N_ELEMENTS (duration_presets) - 1)

static void
setup_zone (CnvComposerWindow *self)
{
  g_autofree char *subtitle = NULL;

  cnv_composer_input_set_local_zone (&self->input);
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
void
cnv_composer_window_read_schedule (CnvComposerWindow *self)
{
  CnvComposerInput *input = &self->input;
  guint duration = adw_combo_row_get_selected (self->duration_row);

  input->start = read_date_time (self, self->start_date_row, self->start_time_row, FALSE,
                                 &self->start_problem);
  if (duration < G_N_ELEMENTS (duration_presets) && duration != DURATION_CUSTOM)
    input->duration_minutes = duration_presets[duration];
  else
    input->end = read_date_time (self, self->end_date_row, self->end_time_row, TRUE,
                                 &self->end_problem);
}

/* Showing the evaluation: the rows at fault, and one sentence for both under the rows */
void
cnv_composer_window_show_schedule (CnvComposerWindow *self)
{
  const char *start_error = self->start_problem != NULL
                            ? self->start_problem
                            : cnv_composer_window_shown_error (self, CNV_COMPOSER_FIELD_START);
  const char *end_error = self->end_problem != NULL
                          ? self->end_problem
                          : cnv_composer_window_shown_error (self, CNV_COMPOSER_FIELD_END);
  gboolean custom = adw_combo_row_get_selected (self->duration_row) == DURATION_CUSTOM;
  g_autoptr(GString) schedule = g_string_new (NULL);

  if (!self->input.scheduled)
    start_error = end_error = NULL;
  cnv_composer_window_show_row_error (GTK_WIDGET (self->start_date_row), NULL, start_error);
  cnv_composer_window_show_row_error (GTK_WIDGET (self->start_time_row), NULL, start_error);
  cnv_composer_window_show_row_error (GTK_WIDGET (self->end_date_row), NULL,
                                      custom ? end_error : NULL);
  cnv_composer_window_show_row_error (GTK_WIDGET (self->end_time_row), NULL,
                                      custom ? end_error : NULL);
  cnv_composer_window_show_row_error (GTK_WIDGET (self->duration_row), NULL,
                                      custom ? NULL : end_error);
  if (start_error != NULL)
    g_string_append (schedule, start_error);
  if (end_error != NULL && g_strcmp0 (end_error, start_error) != 0)
    g_string_append_printf (schedule, "%s%s", schedule->len > 0 ? "\n" : "", end_error);
  cnv_composer_window_show_row_error (NULL, self->schedule_error,
                                      schedule->len > 0 ? schedule->str : NULL);
}

/* The rows */

static void
schedule_changed_cb (CnvComposerWindow *self)
{
  if (self->updating)
    return;
  self->touched[CNV_COMPOSER_FIELD_START] = TRUE;
  self->touched[CNV_COMPOSER_FIELD_END] = TRUE;
  cnv_composer_window_update (self);
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
void
cnv_composer_window_schedule_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, date_popover_shown_cb);
  gtk_widget_class_bind_template_callback (widget_class, calendar_day_selected_cb);
}

void
cnv_composer_window_schedule_init (CnvComposerWindow *self)
{
  setup_zone (self);

  adw_entry_row_set_input_hints (self->start_date_row, GTK_INPUT_HINT_NO_SPELLCHECK);
  adw_entry_row_set_input_purpose (self->start_time_row, GTK_INPUT_PURPOSE_DIGITS);
  adw_entry_row_set_input_purpose (self->end_time_row, GTK_INPUT_PURPOSE_DIGITS);
}

void
cnv_composer_window_schedule_setup (CnvComposerWindow *self)
{
  self->default_duration = g_settings_get_uint (self->settings, "default-duration");
  select_duration (self, self->default_duration);
  self->last_preset = self->default_duration;
  if (adw_combo_row_get_selected (self->duration_row) == DURATION_CUSTOM)
    self->last_preset = 60;
  duration_changed_cb (self);
  self->touched[CNV_COMPOSER_FIELD_START] = FALSE;
  self->touched[CNV_COMPOSER_FIELD_END] = FALSE;

  g_signal_connect_swapped (self->schedule_switch, "notify::active",
                            G_CALLBACK (schedule_switched_cb), self);
  g_signal_connect_swapped (self->duration_row, "notify::selected",
                            G_CALLBACK (duration_changed_cb), self);
  g_signal_connect_swapped (self->start_date_row, "changed", G_CALLBACK (schedule_changed_cb), self);
  g_signal_connect_swapped (self->start_time_row, "changed", G_CALLBACK (schedule_changed_cb), self);
  g_signal_connect_swapped (self->end_date_row, "changed", G_CALLBACK (schedule_changed_cb), self);
  g_signal_connect_swapped (self->end_time_row, "changed", G_CALLBACK (schedule_changed_cb), self);
}
