/* test-times-common.h — what test-ical.c and test-body-times.c share: a reader's result and
 * the assertions on it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include "cnv-ical.h"

typedef struct
{
  CnvEvent *event;
  GPtrArray *warnings;
  GError *error;
} Result;

static inline void
result_clear (Result *result)
{
  g_clear_pointer (&result->event, cnv_event_free);
  g_clear_pointer (&result->warnings, g_ptr_array_unref);
  g_clear_error (&result->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static inline void
assert_time (GDateTime  *time,
             const char *expected)
{
  g_autofree char *text = NULL;

  g_assert_nonnull (time);
  text = g_date_time_format_iso8601 (time);
  g_assert_cmpstr (text, ==, expected);
}

static inline void
assert_times (const Result *result,
              const char   *start,
              const char   *end)
{
  g_assert_no_error (result->error);
  g_assert_nonnull (result->event);
  assert_time (result->event->start, start);
  assert_time (result->event->end, end);
}

static inline gboolean
has_warning (const Result *result,
             const char   *fragment)
{
  for (guint i = 0; i < result->warnings->len; i++)
    if (strstr (g_ptr_array_index (result->warnings, i), fragment) != NULL)
      return TRUE;
  return FALSE;
}
