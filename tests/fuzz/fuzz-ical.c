/* fuzz-ical.c — libFuzzer target for the calendar reader
 *
 * Every input goes through the three readers of temporal information: iCalendar
 * (cnv_ical_read), vCalendar 1.0 (cnv_ical_read_vcalendar) and the in-body `Start:`/`End:` lines
 * (cnv_body_times_read), as the manager of tests/data/manager.ini calls them (floating times in
 * Europe/Paris, one hour by default). An event that a reader returns must have a start and an end
 * after it; an event read from iCalendar must survive cnv_ical_write() and be read back the same.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"

#include "fuzz-common.h"

#define DEFAULT_DURATION G_TIME_SPAN_HOUR

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_setup ();
  return 0;
}

static void
check_event (const CnvEvent *event,
             GPtrArray      *warnings,
             const GError   *error)
{
  for (guint i = 0; i < warnings->len; i++)
    fuzz_check (g_utf8_validate (g_ptr_array_index (warnings, i), -1, NULL));

  if (event == NULL)
    return;
  fuzz_check (error == NULL);
  fuzz_check (event->start != NULL && event->end != NULL);
  fuzz_check (g_date_time_compare (event->end, event->start) > 0);
  for (guint i = 0; event->attendees != NULL && i < event->attendees->len; i++)
    {
      const CnvAddress *attendee = g_ptr_array_index (event->attendees, i);

      fuzz_check (attendee != NULL && attendee->address != NULL);
    }
}

/* What Convene writes, Convene reads back (the writer sees hostile summaries, UIDs, names). */
static void
check_write_read (const CnvEvent *event)
{
  g_autoptr(CnvEvent) again = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *ics = NULL;

  ics = cnv_ical_write (event, &error);
  if (ics == NULL)
    return;

  again = cnv_ical_read (ics, strlen (ics), fuzz_manager_zone (), DEFAULT_DURATION, warnings, &error);
  if (again == NULL)
    {
      fuzz_printerr ("cnv_ical_read() refuses what cnv_ical_write() wrote: %s\n--\n%s\n--\n",
                  error->message, ics);
      abort ();
    }
  if (!g_date_time_equal (again->start, event->start) ||
      !g_date_time_equal (again->end, event->end) ||
      g_strcmp0 (again->uid, event->uid) != 0)
    {
      g_autofree char *start = g_date_time_format_iso8601 (event->start);
      g_autofree char *end = g_date_time_format_iso8601 (event->end);
      g_autofree char *start_again = g_date_time_format_iso8601 (again->start);
      g_autofree char *end_again = g_date_time_format_iso8601 (again->end);

      fuzz_printerr ("cnv_ical_read (cnv_ical_write (event)) != event:\n"
                     "  start %s / %s\n  end   %s / %s\n  uid   “%s” / “%s”\n--\n%s\n--\n",
                     start, start_again, end, end_again, event->uid, again->uid, ics);
      abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;

  {
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(CnvEvent) event = NULL;

    event = cnv_ical_read (text, size, fuzz_manager_zone (), DEFAULT_DURATION, warnings, &error);
    fuzz_check ((event == NULL) == (error != NULL));
    check_event (event, warnings, error);
    if (event != NULL && fuzz_round_trips ())
      check_write_read (event);
  }

  {
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(CnvEvent) event = NULL;

    event = cnv_ical_read_vcalendar (text, size, fuzz_manager_zone (), DEFAULT_DURATION,
                                     warnings, &error);
    fuzz_check ((event == NULL) == (error != NULL));
    check_event (event, warnings, error);
  }

  {
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(CnvEvent) event = NULL;

    /* No temporal lines at all is not an error: the result is then NULL without @error. */
    event = cnv_body_times_read (text, size, fuzz_manager_zone (), DEFAULT_DURATION,
                                 warnings, &error);
    fuzz_check (event == NULL || error == NULL);
    check_event (event, warnings, error);
  }

  return 0;
}
