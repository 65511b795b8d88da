/* log-guard.c — no log message may hold a secret; the protocol trace, for the tests that read it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-log-guard"

#include "config.h"

#include <string.h>

#include "log-guard.h"

/* Messages come from every thread (libcurl's worker, the line server's). */
static GMutex lock;
/* Whether this program turned debug messages on itself rather than the person running it. */
static gboolean debug_forced;
/* Texts no message may contain. */
static GPtrArray *forbidden;
/* The kept messages of trace_domain, while tracing. */
static char *trace_domain;
static GPtrArray *trace;

static GLogWriterOutput
guard_writer (GLogLevelFlags   log_level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  const char *domain = NULL;
  g_autofree char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (strcmp (fields[i].key, "MESSAGE") == 0 && fields[i].value != NULL)
        message = fields[i].length >= 0 ? g_strndup (fields[i].value, fields[i].length)
                                        : g_strdup (fields[i].value);
    }

  if (message != NULL)
    {
      gboolean leaked = FALSE;

      g_mutex_lock (&lock);
      for (guint i = 0; g_strcmp0 (domain, "cnv-line-server") != 0 && i < forbidden->len; i++)
        leaked |= strstr (message, g_ptr_array_index (forbidden, i)) != NULL;
      if (trace != NULL && g_strcmp0 (domain, trace_domain) == 0)
        g_ptr_array_add (trace, g_strdup (message));
      g_mutex_unlock (&lock);
      /* Not the message itself: it holds the secret. */
      if (leaked)
        g_error ("A log message of %s holds a secret", domain != NULL ? domain : "the program");
    }

  if (debug_forced && (log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

void
log_guard_install (void)
{
  g_assert_null (forbidden);

  debug_forced = g_strcmp0 (g_getenv ("G_MESSAGES_DEBUG"), "") <= 0;
  g_log_set_debug_enabled (TRUE);
  forbidden = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (guard_writer, NULL, NULL);
}

void
log_guard_forbid (const char *text)
{
  g_assert_nonnull (forbidden);
  g_assert_true (text != NULL && *text != '\0');

  g_mutex_lock (&lock);
  g_ptr_array_add (forbidden, g_strdup (text));
  g_mutex_unlock (&lock);
}

void
log_guard_trace_start (const char *domain)
{
  g_mutex_lock (&lock);
  g_clear_pointer (&trace, g_ptr_array_unref);
  g_free (trace_domain);
  trace_domain = g_strdup (domain);
  trace = g_ptr_array_new_with_free_func (g_free);
  g_mutex_unlock (&lock);
}

char *
log_guard_trace_stop (void)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_mutex_lock (&lock);
  for (guint i = 0; trace != NULL && i < trace->len; i++)
    g_string_append_printf (text, "%s\n", (char *) g_ptr_array_index (trace, i));
  g_clear_pointer (&trace, g_ptr_array_unref);
  g_clear_pointer (&trace_domain, g_free);
  g_mutex_unlock (&lock);
  return g_string_free (g_steal_pointer (&text), FALSE);
}
