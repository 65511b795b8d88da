/* test-async.h — running the main context until an async call is done, for the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every wait is bounded: a test that goes wrong fails instead of hanging.
 */
#pragma once

#include <gio/gio.h>

static inline gboolean
wait_tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the default main context until @condition holds, at most @seconds. */
#define WAIT_UNTIL(condition, seconds)                                                     \
  G_STMT_START {                                                                           \
    gint64 wait_end_ = g_get_monotonic_time () + (gint64) (seconds) * G_USEC_PER_SEC;      \
    guint wait_tick_ = g_timeout_add (20, wait_tick_cb, NULL);                             \
    while (!(condition) && g_get_monotonic_time () < wait_end_)                            \
      g_main_context_iteration (NULL, TRUE);                                               \
    g_source_remove (wait_tick_);                                                          \
  } G_STMT_END

/* Waits at most @seconds for store_result_cb() to fill @slot, and returns it (borrowed). */
static inline GAsyncResult *
wait_result (GAsyncResult **slot,
             guint          seconds)
{
  WAIT_UNTIL (*slot != NULL, seconds);
  g_assert_nonnull (*slot);
  return *slot;
}

/* A GAsyncReadyCallback: keeps a reference on the result in the GAsyncResult * @user_data. */
static inline void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

/* Runs the default main context for @ms milliseconds, whatever happens. */
static inline void
spin_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * G_TIME_SPAN_MILLISECOND;
  guint tick = g_timeout_add (10, wait_tick_cb, NULL);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}
