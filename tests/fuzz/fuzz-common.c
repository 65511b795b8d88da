/* fuzz-common.c — set-up shared by the fuzz targets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cnv-engine.h"

#include "fuzz-common.h"

/* Debug, info and warning messages are dropped: the engine logs what it ignores in hostile mail,
 * and printing it for every input would slow the fuzzer down for nothing. Criticals and errors
 * are printed and abort() at once: GLib's own fatal path raises SIGTRAP on Linux (it assumes a
 * debugger), which libFuzzer does not catch, so the input would be lost. */
static GLogWriterOutput
quiet_writer (GLogLevelFlags   log_level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  if ((log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) == 0)
    return G_LOG_WRITER_HANDLED;
  g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
  abort ();
}

/**
 * fuzz_setup:
 *
 * Initialises the engine once and makes every critical abort, whatever G_DEBUG says: a
 * g_return_if_fail() that fails on hostile input is a bug in the engine, and libFuzzer must record
 * the input that triggered it.
 */
void
fuzz_setup (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_log_set_writer_func (quiet_writer, NULL, NULL);
      cnv_engine_init ();
      g_once_init_leave (&done, 1);
    }
}

/**
 * fuzz_manager_zone:
 *
 * Returns: (transfer none): the zone of tests/data/manager.ini (Europe/Paris), for floating times
 *   and in-body times without a zone; UTC if the system has no zone data
 */
GTimeZone *
fuzz_manager_zone (void)
{
  static GTimeZone *zone = NULL;

  if (zone == NULL)
    {
      zone = cnv_time_zone_lookup ("Europe/Paris");
      if (zone == NULL)
        zone = g_time_zone_new_identifier ("Europe/Paris");
      if (zone == NULL)
        zone = g_time_zone_new_utc ();
    }
  return zone;
}

/**
 * fuzz_is_clean_text:
 *
 * Whether @text is what the engine promises for a header value it hands on (a title, a display
 * name): valid UTF-8 on one line, without control characters (cnv_address_sanitize_name()).
 */
gboolean
fuzz_is_clean_text (const char *text)
{
  if (text == NULL)
    return TRUE;
  if (!g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        return FALSE;
    }
  return TRUE;
}

/**
 * fuzz_round_trips:
 *
 * Whether the targets check that what the engine builds reads back the same (parse(build(x)) ==
 * x). On by default; `CNV_FUZZ_NO_ROUND_TRIP=1` turns it off, to go on looking for memory errors
 * and criticals while a known round-trip bug is open (every other input would hit it otherwise).
 */
gboolean
fuzz_round_trips (void)
{
  static int enabled = -1;

  if (enabled < 0)
    enabled = g_getenv ("CNV_FUZZ_NO_ROUND_TRIP") == NULL;
  return enabled;
}

/**
 * fuzz_printerr:
 *
 * Like g_printerr(), without the conversion to the locale's charset: the inputs, names and
 * titles a report shows are UTF-8 (or raw bytes), and must be shown as they are.
 */
void
fuzz_printerr (const char *format,
               ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fputs (text, stderr);
  fflush (stderr);
}
