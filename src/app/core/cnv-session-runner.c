/* cnv-session-runner.c — the timers, the launches and the closing of the user's sessions (E451–E458)
 *
 * One pass decides every session that is not over (and those whose program is still being
 * watched or closed) with cnv_schedule_decide(), writes what changed to the store, acts, and arms
 * ONE timer for the earliest next_wakeup (or the earliest gateway retry). The delay is taken from
 * the clock in milliseconds, so a session's end is acted on within a second of it; with nothing
 * due no timer is armed at all. A pass runs at start, when the timer fires, on
 * cnv_session_runner_reschedule(), after each answer of the user and after each asynchronous step
 * (a gateway answer, a launch, an exit, a close).
 *
 * The program — the gateway check, the claim, the launch and the close, also of a program a
 * previous run of the service launched — is cnv-session-runner-launch.c; the user's answers are
 * cnv-session-runner-answers.c.
 *
 * Events, in order for a session that is over: WITHDRAW (the old notifications go), then what
 * happened (CLOSED, CANNOT_CLOSE, MISSED, NOT_LAUNCHED), so that a notification for the last
 * event is not withdrawn by the first. CLOSED and CANNOT_CLOSE come when the close is done.
 *
 * The link is the credential: it is in no message and no event detail.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-session-runner"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "cnv-session-runner-private.h"

/* A timer never sleeps longer than this (a far session is decided again once a day). */
#define MAX_TIMER_MS            (24 * 3600 * 1000)

G_DEFINE_FINAL_TYPE (CnvSessionRunner, cnv_session_runner, G_TYPE_OBJECT)
G_DEFINE_QUARK (cnv-session-runner-error-quark, cnv_session_runner_error)

enum
{
  EVENT,
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- small helpers ---------------------------------------------------------------------- */

const char *
cnv_runner_event_to_string (CnvRunnerEvent event)
{
  static const char *const names[] = {
    [CNV_RUNNER_EVENT_NEW] = "new",
    [CNV_RUNNER_EVENT_STARTS_SOON] = "starts-soon",
    [CNV_RUNNER_EVENT_LAUNCHED] = "launched",
    [CNV_RUNNER_EVENT_LAUNCH_FAILED] = "launch-failed",
    [CNV_RUNNER_EVENT_NOT_LAUNCHED] = "not-launched",
    [CNV_RUNNER_EVENT_PROGRAM_EXITED] = "program-exited",
    [CNV_RUNNER_EVENT_ENDS_SOON] = "ends-soon",
    [CNV_RUNNER_EVENT_CLOSED] = "closed",
    [CNV_RUNNER_EVENT_CANNOT_CLOSE] = "cannot-close",
    [CNV_RUNNER_EVENT_MISSED] = "missed",
    [CNV_RUNNER_EVENT_WITHDRAW] = "withdraw",
  };

  if ((guint) event >= G_N_ELEMENTS (names))
    return NULL;
  return names[event];
}

gint64
cnv_runner_now (CnvSessionRunner *self)
{
  if (self->clock != NULL)
    return self->clock (self->clock_data);
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* Whether @text quotes @link, or its query: the token in it is the credential. */
gboolean
cnv_runner_reveals_link (const char *text,
                         const char *link)
{
  const char *query;

  if (text == NULL || link == NULL || *link == '\0')
    return FALSE;
  if (strstr (text, link) != NULL)
    return TRUE;
  query = strchr (link, '?');
  return query != NULL && query[1] != '\0' && strstr (text, query + 1) != NULL;
}

void
cnv_runner_emit_event (CnvSessionRunner       *self,
                       CnvRunnerEvent          event,
                       const CnvSessionRecord *record,
                       const char             *detail)
{
  /* The detail is for the user; it must never carry the link (the credential). */
  if (cnv_runner_reveals_link (detail, record->link))
    detail = _("The session’s program could not be started.");
  g_debug ("Session %s: %s", record->session_id, cnv_runner_event_to_string (event));
  g_signal_emit (self, signals[EVENT], 0, (int) event, record, detail);
}

void
cnv_runner_emit_changed (CnvSessionRunner *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

/* The record as stored now; NULL (logged) when it is gone or cannot be read. */
CnvSessionRecord *
cnv_runner_reload (CnvSessionRunner *self,
                   const char       *session_id)
{
  g_autoptr(GError) error = NULL;
  CnvSessionRecord *record = cnv_session_store_get (self->store, session_id, &error);

  if (record == NULL && error != NULL)
    g_warning ("Cannot read session %s: %s", session_id, error->message);
  return record;
}

gboolean
cnv_runner_write_status (CnvSessionRunner *self,
                         const char       *session_id,
                         CnvSessionStatus  status)
{
  g_autoptr(GError) error = NULL;

  if (!cnv_session_store_update_status (self->store, session_id, status, &error))
    {
      g_warning ("Cannot mark session %s %s: %s", session_id,
                 cnv_session_status_to_string (status), error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_flags (CnvSessionRunner     *self,
             const char           *session_id,
             CnvSessionStoreFlags  mask,
             CnvSessionStoreFlags  values)
{
  g_autoptr(GError) error = NULL;

  if (!cnv_session_store_set_flags (self->store, session_id, mask, values, &error))
    {
      g_warning ("Cannot change the flags of session %s: %s", session_id, error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
cnv_runner_is_auto_join (CnvSessionRunner       *self,
                         const CnvSessionRecord *record)
{
  if (self->auto_join == NULL || record->manager_address == NULL)
    return FALSE;
  for (guint i = 0; self->auto_join[i] != NULL; i++)
    if (g_ascii_strcasecmp (self->auto_join[i], record->manager_address) == 0)
      return TRUE;
  return FALSE;
}

/* ---- tracked sessions ------------------------------------------------------------------- */

void
cnv_runner_drop_launcher (Tracked *tracked)
{
  if (tracked->launcher == NULL)
    return;
  g_clear_signal_handler (&tracked->exited_id, tracked->launcher);
  g_clear_object (&tracked->launcher);
}

static void
tracked_free (Tracked *tracked)
{
  /* Dropping a launcher does not end its program (CnvLauncher's dispose): a restarted service
   * finds it again. */
  cnv_runner_drop_launcher (tracked);
  g_clear_handle_id (&tracked->close_poll_id, g_source_remove);
  g_free (tracked->session_id);
  g_free (tracked);
}

Tracked *
cnv_runner_track (CnvSessionRunner *self,
                  const char       *session_id)
{
  Tracked *tracked = g_hash_table_lookup (self->tracked, session_id);

  if (tracked == NULL)
    {
      tracked = g_new0 (Tracked, 1);
      tracked->runner = self;
      tracked->session_id = g_strdup (session_id);
      g_hash_table_insert (self->tracked, tracked->session_id, tracked);
    }
  return tracked;
}

static gboolean
tracked_busy (const Tracked *tracked)
{
  return tracked->launcher != NULL || tracked->closing || tracked->checking
         || tracked->launching || tracked->adopted;
}

/* ---- deciding --------------------------------------------------------------------------- */

static void
consider (gint64 *next,
          gint64  at,
          gint64  now)
{
  if (at > now && at < *next)
    *next = at;
}

/* Decides @record and acts; returns whether the store changed. */
static gboolean
decide_one (CnvSessionRunner *self,
            CnvSessionRecord *record,
            gint64            now,
            gint64           *next,
            gboolean         *pending)
{
  Tracked *tracked = cnv_runner_track (self, record->session_id);
  g_autoptr(CnvSessionRecord) stored = NULL;
  CnvScheduleSettings settings = self->settings;
  CnvScheduleDecision decision;
  const CnvSessionRecord *current = record;
  gboolean alive, wrote = FALSE;
  CnvScheduleAction actions;

  alive = cnv_runner_program_alive (self, tracked, record);
  if (tracked->adopted && !alive && !tracked->closing)
    tracked->adopted = FALSE;
  settings.auto_join = cnv_runner_is_auto_join (self, record);
  settings.program_alive = alive;
  cnv_schedule_decide (record, now, &settings, &decision);
  actions = decision.actions;

  /* The store: "running" is the claim's alone (an effective RUNNING is derived again from
   * launched_at on every decision). */
  if (decision.status_changed && decision.status != CNV_SESSION_STATUS_RUNNING)
    wrote |= cnv_runner_write_status (self, record->session_id, decision.status);
  if (decision.set_warned_start || decision.set_warned_end)
    {
      CnvSessionStoreFlags mask = 0;

      if (decision.set_warned_start)
        mask |= CNV_SESSION_STORE_FLAG_WARNED_START;
      if (decision.set_warned_end)
        mask |= CNV_SESSION_STORE_FLAG_WARNED_END;
      wrote |= write_flags (self, record->session_id, mask, mask);
    }
  if (wrote)
    {
      stored = cnv_runner_reload (self, record->session_id);
      if (stored != NULL)
        current = stored;
      else
        cnv_schedule_decision_apply (&decision, record);
    }

  if (!cnv_runner_is_final (decision.status))
    tracked->withdrawn = FALSE;
  if (decision.status != CNV_SESSION_STATUS_NEW)
    tracked->notified_new = FALSE;

  if (actions & CNV_SCHEDULE_ACTION_WITHDRAW_NOTIFICATION && !tracked->withdrawn)
    {
      tracked->withdrawn = TRUE;
      cnv_runner_emit_event (self, CNV_RUNNER_EVENT_WITHDRAW, current, NULL);
    }
  if (actions & CNV_SCHEDULE_ACTION_MARK_MISSED)
    cnv_runner_emit_event (self, CNV_RUNNER_EVENT_MISSED, current, NULL);

  if (actions & CNV_SCHEDULE_ACTION_TERMINATE)
    {
      CloseReason reason = CLOSE_END;

      if (decision.status == CNV_SESSION_STATUS_CANCELLED)
        reason = CLOSE_CANCELLED;
      else if (decision.status == CNV_SESSION_STATUS_ACCEPTED)
        reason = CLOSE_MOVED;
      cnv_runner_close_program (self, tracked, current, reason);
    }
  else if (decision.status_changed && decision.status == CNV_SESSION_STATUS_ENDED)
    {
      /* Over, with no program left to close (it exited, or cannot be found again). */
      cnv_runner_emit_event (self, CNV_RUNNER_EVENT_CLOSED, current, NULL);
    }
  if (cnv_runner_is_final (decision.status) && !tracked->closing && tracked->launcher != NULL)
    /* The program we started exited, but its group may hold what it left behind. */
    cnv_runner_close_program (self, tracked, current, CLOSE_QUIET);

  if (actions & CNV_SCHEDULE_ACTION_NOTIFY_STARTS_SOON)
    {
      cnv_runner_emit_event (self, CNV_RUNNER_EVENT_STARTS_SOON, current, NULL);
      /* The same Join / Dismiss notification, worded "starts soon". */
      tracked->notified_new = TRUE;
    }
  else if (actions & CNV_SCHEDULE_ACTION_NOTIFY_NEW && !tracked->notified_new)
    {
      tracked->notified_new = TRUE;
      cnv_runner_emit_event (self, CNV_RUNNER_EVENT_NEW, current, NULL);
    }

  if (actions & CNV_SCHEDULE_ACTION_CHECK_GATEWAY_THEN_LAUNCH
      || (tracked->want_launch && decision.status == CNV_SESSION_STATUS_RUNNING && !alive))
    {
      cnv_runner_maybe_check (self, tracked, current, now);
      if (tracked->retry_at > now && !tracked->forbidden)
        consider (next, tracked->retry_at, now);
    }

  if (actions & CNV_SCHEDULE_ACTION_RELAUNCH_OFFERED && !tracked->want_launch
      && !tracked->exit_reported && cnv_runner_program_known_exited (self, tracked, current))
    {
      tracked->exit_reported = TRUE;
      cnv_runner_emit_event (self, CNV_RUNNER_EVENT_PROGRAM_EXITED, current,
                             _("The session’s program has ended, but the session goes on: you "
                               "can start it again."));
    }

  if (actions & CNV_SCHEDULE_ACTION_WARN_END)
    cnv_runner_emit_event (self, CNV_RUNNER_EVENT_ENDS_SOON, current, NULL);

  if (decision.next_wakeup != G_MAXINT64)
    consider (next, decision.next_wakeup, now);
  if (decision.status == CNV_SESSION_STATUS_ACCEPTED
      || decision.status == CNV_SESSION_STATUS_RUNNING
      || tracked->closing || tracked->launching)
    *pending = TRUE;

  if (cnv_runner_is_final (decision.status) && !tracked_busy (tracked))
    g_hash_table_remove (self->tracked, record->session_id);

  return wrote;
}

static gboolean
timer_cb (gpointer user_data)
{
  CnvSessionRunner *self = CNV_SESSION_RUNNER (user_data);

  self->timer_id = 0;
  cnv_runner_decide_all (self);
  return G_SOURCE_REMOVE;
}

static void
disarm_wall_timer (CnvSessionRunner *self)
{
  const struct itimerspec never = { { 0, 0 }, { 0, 0 } };

  if (self->wall_fd >= 0)
    timerfd_settime (self->wall_fd, 0, &never, NULL);
}

static gboolean
wall_timer_cb (int          fd,
               GIOCondition condition,
               gpointer     user_data)
{
  CnvSessionRunner *self = CNV_SESSION_RUNNER (user_data);
  guint64 expirations;

  if (read (fd, &expirations, sizeof expirations) < 0)
    {
      if (errno != ECANCELED)
        return G_SOURCE_CONTINUE;   /* EAGAIN: nothing happened */
      g_message ("The clock was set: deciding again");
    }
  disarm_wall_timer (self);
  cnv_runner_decide_all (self);
  return G_SOURCE_CONTINUE;
}

/* With the real clock the timer is a timerfd on CLOCK_REALTIME, armed for the absolute time
 * (timerfd_create(2)): it fires at that wall-clock time whatever happens meanwhile, where a
 * GLib timeout (monotonic) would be late by as long as the machine slept, or by as much as the
 * clock was set forward (an NTP step after a wrong hardware clock: hours). A clock set either way
 * wakes it at once (TFD_TIMER_CANCEL_ON_SET), and the pass decides with the new time. */
static gboolean
arm_wall_timer (CnvSessionRunner *self,
                gint64            next)
{
  struct itimerspec at = { { 0, 0 }, { 0, 0 } };

  if (self->wall_fd < 0)
    {
      self->wall_fd = timerfd_create (CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
      if (self->wall_fd < 0)
        {
          g_debug ("No timerfd (%s): a monotonic timeout instead", g_strerror (errno));
          return FALSE;
        }
      self->wall_source_id = g_unix_fd_add (self->wall_fd, G_IO_IN, wall_timer_cb, self);
    }
  at.it_value.tv_sec = (time_t) next;
  if (timerfd_settime (self->wall_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &at, NULL) < 0)
    {
      g_warning ("Cannot arm the timer: %s", g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static void
arm_timer (CnvSessionRunner *self,
           gint64            next,
           gint64            now)
{
  gint64 delay_ms;

  g_clear_handle_id (&self->timer_id, g_source_remove);
  disarm_wall_timer (self);
  if (next == G_MAXINT64 || self->shutting_down)
    {
      self->next_wakeup = 0;
      return;
    }
  self->next_wakeup = next;
  if (self->clock == NULL && arm_wall_timer (self, next))
    {
      g_debug ("Next decision at %" G_GINT64_FORMAT, next);
      return;
    }

  /* From the clock in milliseconds (not whole seconds from now): the end is acted on at once. */
  if (self->clock == NULL)
    delay_ms = (next > G_MAXINT64 / 1000 ? G_MAXINT64 : next * 1000)
               - g_get_real_time () / 1000;
  else
    delay_ms = (next - now > G_MAXINT64 / 1000) ? G_MAXINT64 : (next - now) * 1000;
  delay_ms = CLAMP (delay_ms, 0, MAX_TIMER_MS);
  g_debug ("Next decision at %" G_GINT64_FORMAT " (in %" G_GINT64_FORMAT " ms)", next, delay_ms);
  self->timer_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) delay_ms, timer_cb, self, NULL);
}

static void
decide_pass (CnvSessionRunner *self)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) extra_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gint64 now = cnv_runner_now (self);
  gint64 next = G_MAXINT64;
  gboolean pending = FALSE, changed = FALSE;
  GHashTableIter iter;
  gpointer key, value;

  records = cnv_session_store_list (self->store, CNV_SESSION_STORE_LIST_CURRENT, &error);
  if (records == NULL)
    {
      g_warning ("Cannot list the sessions: %s", error->message);
      records = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_session_record_free);
    }
  for (guint i = 0; i < records->len; i++)
    {
      CnvSessionRecord *record = g_ptr_array_index (records, i);

      g_hash_table_add (seen, record->session_id);
    }
  /* The tracked ones that are over now (cancelled by an intake, a program still being closed): a
   * last decision withdraws their notification and closes what is left. */
  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, key))
      g_ptr_array_add (extra_ids, g_strdup (key));
  for (guint i = 0; i < extra_ids->len; i++)
    {
      const char *id = g_ptr_array_index (extra_ids, i);
      CnvSessionRecord *record = cnv_runner_reload (self, id);

      if (record != NULL)
        g_ptr_array_add (records, record);
      else
        {
          Tracked *tracked = g_hash_table_lookup (self->tracked, id);

          if (tracked != NULL && !tracked->closing && !tracked->checking && !tracked->launching)
            g_hash_table_remove (self->tracked, id);
        }
    }

  for (guint i = 0; i < records->len; i++)
    changed |= decide_one (self, g_ptr_array_index (records, i), now, &next, &pending);

  self->has_pending = pending;
  arm_timer (self, next, now);
  if (changed)
    cnv_runner_emit_changed (self);
}

/* Re-entrant calls (an event handler answering at once) run one more pass after this one. */
void
cnv_runner_decide_all (CnvSessionRunner *self)
{
  if (!self->started || self->shutting_down)
    return;
  if (self->deciding)
    {
      self->decide_again = TRUE;
      return;
    }
  g_object_ref (self);
  self->deciding = TRUE;
  do
    {
      self->decide_again = FALSE;
      decide_pass (self);
    }
  while (self->decide_again);
  self->deciding = FALSE;
  g_object_unref (self);
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
cnv_session_runner_dispose (GObject *object)
{
  CnvSessionRunner *self = CNV_SESSION_RUNNER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->wall_source_id, g_source_remove);
  if (self->wall_fd >= 0)
    {
      close (self->wall_fd);
      self->wall_fd = -1;
    }
  /* The programs stay: a restarted service finds them again (tracked_free). */
  if (self->tracked != NULL)
    g_hash_table_remove_all (self->tracked);
  g_clear_object (&self->store);
  g_clear_object (&self->gateway);

  G_OBJECT_CLASS (cnv_session_runner_parent_class)->dispose (object);
}

static void
cnv_session_runner_finalize (GObject *object)
{
  CnvSessionRunner *self = CNV_SESSION_RUNNER (object);

  if (self->clock_destroy != NULL)
    self->clock_destroy (self->clock_data);
  g_clear_pointer (&self->tracked, g_hash_table_unref);
  g_clear_pointer (&self->session_types, g_ptr_array_unref);
  g_clear_pointer (&self->auto_join, g_strfreev);
  g_clear_pointer (&self->proc_root, g_free);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (cnv_session_runner_parent_class)->finalize (object);
}

static void
cnv_session_runner_class_init (CnvSessionRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cnv_session_runner_dispose;
  object_class->finalize = cnv_session_runner_finalize;

  /**
   * CnvSessionRunner::event:
   * @event: a #CnvRunnerEvent (as an int)
   * @record: the session as stored after it
   * @detail: (nullable): one translated sentence for the user, never the link
   */
  signals[EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_INT,
                                 CNV_TYPE_SESSION_RECORD | G_SIGNAL_TYPE_STATIC_SCOPE,
                                 G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * CnvSessionRunner::changed:
   *
   * Some record changed, or whether something is pending did.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cnv_session_runner_init (CnvSessionRunner *self)
{
  self->wall_fd = -1;
  self->tracked = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) tracked_free);
  self->session_types = g_ptr_array_new_with_free_func
                          ((GDestroyNotify) cnv_session_type_entry_free);
  self->proc_root = g_strdup ("/proc");
  self->cancellable = g_cancellable_new ();
  cnv_schedule_settings_init (&self->settings);
}

/* ---- public API ------------------------------------------------------------------------- */

/**
 * cnv_session_runner_new:
 * @store: the sessions
 * @gateway: asks the join gateway before each launch
 *
 * Returns: (transfer full): a runner; nothing happens before cnv_session_runner_start()
 */
CnvSessionRunner *
cnv_session_runner_new (CnvSessionStore  *store,
                        CnvGatewayClient *gateway)
{
  CnvSessionRunner *self;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (store), NULL);
  g_return_val_if_fail (CNV_IS_GATEWAY_CLIENT (gateway), NULL);

  self = g_object_new (CNV_TYPE_SESSION_RUNNER, NULL);
  self->store = g_object_ref (store);
  self->gateway = g_object_ref (gateway);
  return self;
}

void
cnv_session_runner_set_clock (CnvSessionRunner *self,
                              CnvRunnerClock    clock,
                              gpointer          user_data,
                              GDestroyNotify    destroy)
{
  g_return_if_fail (CNV_IS_SESSION_RUNNER (self));

  if (self->clock_destroy != NULL)
    self->clock_destroy (self->clock_data);
  self->clock = clock;
  self->clock_data = user_data;
  self->clock_destroy = destroy;
}

void
cnv_session_runner_set_proc_root (CnvSessionRunner *self,
                                  const char       *proc_root)
{
  g_return_if_fail (CNV_IS_SESSION_RUNNER (self));
  g_return_if_fail (proc_root != NULL);

  g_free (self->proc_root);
  self->proc_root = g_strdup (proc_root);
}

void
cnv_session_runner_set_settings (CnvSessionRunner          *self,
                                 const CnvScheduleSettings *settings)
{
  g_return_if_fail (CNV_IS_SESSION_RUNNER (self));
  g_return_if_fail (settings != NULL);

  self->settings.join_early = settings->join_early;
  self->settings.remind_before = settings->remind_before;
  self->settings.warn_before_end = settings->warn_before_end;
  self->settings.grace = settings->grace;
}

void
cnv_session_runner_set_session_types (CnvSessionRunner *self,
                                      GPtrArray        *entries)
{
  g_return_if_fail (CNV_IS_SESSION_RUNNER (self));

  g_ptr_array_set_size (self->session_types, 0);
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    g_ptr_array_add (self->session_types,
                     cnv_session_type_entry_copy (g_ptr_array_index (entries, i)));
}

void
cnv_session_runner_set_auto_join (CnvSessionRunner   *self,
                                  const char * const *manager_addresses)
{
  g_return_if_fail (CNV_IS_SESSION_RUNNER (self));

  g_strfreev (self->auto_join);
  self->auto_join = g_strdupv ((char **) manager_addresses);
}

/**
 * cnv_session_runner_start:
 * @self: a runner
 * @error: %CNV_SESSION_RUNNER_ERROR_FAILED when the store cannot be read
 *
 * Finds the programs a previous run of the service launched and that still run (every session,
 * also those over: a crash between the end and the close leaves one behind), then decides.
 */
gboolean
cnv_session_runner_start (CnvSessionRunner  *self,
                          GError           **error)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (CNV_IS_SESSION_RUNNER (self), FALSE);

  if (self->started)
    return TRUE;
  records = cnv_session_store_list (self->store, CNV_SESSION_STORE_LIST_ALL, &local_error);
  if (records == NULL)
    {
      g_set_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_FAILED,
                   "Cannot read the sessions: %s", local_error->message);
      return FALSE;
    }
  for (guint i = 0; i < records->len; i++)
    {
      const CnvSessionRecord *record = g_ptr_array_index (records, i);

      if (cnv_runner_recorded_alive (self, record))
        {
          g_message ("Session %s: its program from a previous run is still running (process "
                     "group %d)", record->session_id, (int) record->launch_pgid);
          cnv_runner_track (self, record->session_id)->adopted = TRUE;
        }
    }
  self->started = TRUE;
  cnv_runner_decide_all (self);
  return TRUE;
}

void
cnv_session_runner_reschedule (CnvSessionRunner *self)
{
  g_return_if_fail (CNV_IS_SESSION_RUNNER (self));

  cnv_runner_decide_all (self);
}

gboolean
cnv_session_runner_has_pending (CnvSessionRunner *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_RUNNER (self), FALSE);

  return self->has_pending;
}

gint64
cnv_session_runner_get_next_wakeup (CnvSessionRunner *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_RUNNER (self), 0);

  return self->next_wakeup;
}

static gboolean
in_flight (CnvSessionRunner *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Tracked *tracked = value;

      if (tracked->launching || tracked->closing)
        return TRUE;
    }
  return FALSE;
}

static gboolean
shutdown_tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * cnv_session_runner_shutdown:
 * @self: a runner
 * @timeout_ms: the longest wait
 *
 * No new check, launch or decision from now on; waits (iterating the thread-default main
 * context) for the launches and the closes in flight, so that a launch's process group is
 * recorded and a close finishes before the service exits.
 */
void
cnv_session_runner_shutdown (CnvSessionRunner *self,
                             guint             timeout_ms)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  GSource *tick;

  g_return_if_fail (CNV_IS_SESSION_RUNNER (self));

  g_object_ref (self);
  self->shutting_down = TRUE;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  disarm_wall_timer (self);
  self->next_wakeup = 0;

  tick = g_timeout_source_new (20);
  g_source_set_callback (tick, shutdown_tick_cb, NULL, NULL);
  g_source_attach (tick, context);
  while (in_flight (self) && g_get_monotonic_time () < end)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
  if (in_flight (self))
    g_message ("Shutting down with launches or closes still in flight");
  g_main_context_unref (context);
  g_object_unref (self);
}
