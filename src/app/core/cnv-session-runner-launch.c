/* cnv-session-runner-launch.c — the session runner's program: the gateway check, the launch and
 * the close (E453–E458)
 *
 * The launch (E453–E456): the join gateway is asked first (one request in flight per session),
 * and only "active" leads to the claim in the store (cnv_session_store_record_launch(): the
 * guarantee that a session never runs twice, across processes and crashes) and then the program:
 * the session type's desktop application, else its command template, else the default browser.
 * The other answers: "scheduled" (not open yet, perhaps moved) asks again after 30 s; "cancelled"
 * and "ended" make the session so; 403 stops asking (the link opens nothing) until the user joins
 * or relaunches again; a network error, a timeout, a TLS failure, 429/5xx or an answer that is not
 * the gateway's is retried after 5 s, doubling to 60 s (or after Retry-After) until the end.
 *
 * A launch that fails after its claim cannot simply be undone: only the claim sets "running", and
 * the store lets the status go back to "accepted" (as after an early exit) but keeps launched_at.
 * So a failed launch counts, for the schedule, as a launch whose program is gone: it is not tried
 * again on its own (a broken command would be started in a loop), Relaunch tries again, and at
 * the end the session becomes "ended" like any other that was launched.
 *
 * The command template gets %u the link, %t the title, and %p the credential: the link's `t`
 * parameter (the record keeps no other copy of it).
 *
 * Closing (E458): a program this runner launched is closed through its CnvLauncher (SIGTERM to its
 * process group, SIGKILL after the grace); a program a previous run of the service launched is
 * found again by the process group, boot id and start time saved with the launch
 * (cnv_session_record_launch_is_alive()) and closed the same way by hand, watching the group
 * until no live member is left. Disposing the runner never ends a program: a restarted service
 * finds it again and closes it at the end.
 *
 * Signals go to a process group only when it can be a launch of ours: never to group 0 or 1 or
 * to the service's own group (group_is_signallable()), whatever the store says.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-session-runner"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gdesktopappinfo.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "cnv-invitation.h"
#include "cnv-session-runner-private.h"

/* How long after a "scheduled" answer the gateway is asked again. */
#define SCHEDULED_RETRY_SECONDS 30
/* A "scheduled" answer at the start, with no later start named: the manager is opening the room.
 * Asked again every LATE_ACTIVATION_RETRY_SECONDS during the first LATE_ACTIVATION_SECONDS. */
#define LATE_ACTIVATION_SECONDS 60
#define LATE_ACTIVATION_RETRY_SECONDS 2
/* The retry after a failed check: 5 s, doubling, at most 60 s. */
#define BACKOFF_FIRST_SECONDS   5
#define BACKOFF_MAX_SECONDS     60
/* Closing a previous run's process group: how often to look whether it is gone, and how long
 * after SIGKILL before giving up. */
#define CLOSE_POLL_MS           100
#define KILL_WAIT_SECONDS       5

/* An asynchronous step's data: the runner may be gone when it finishes. */
typedef struct
{
  GWeakRef  runner;
  char     *session_id;
  gint64    launched_at;
} StepData;

static StepData *
step_data_new (CnvSessionRunner *self,
               const char       *session_id,
               gint64            launched_at)
{
  StepData *data = g_new0 (StepData, 1);

  g_weak_ref_init (&data->runner, self);
  data->session_id = g_strdup (session_id);
  data->launched_at = launched_at;
  return data;
}

static void
step_data_free (StepData *data)
{
  g_weak_ref_clear (&data->runner);
  g_free (data->session_id);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StepData, step_data_free)

/* A process group that a launch of ours can have made. Never 0 (kill(-0) is our own group), 1
 * (kill(-1) is every process we may signal) or our own group (kill(2)): a record that names one
 * (a damaged store, a test's /proc) describes no program of ours. */
static gboolean
group_is_signallable (gint32 pgid)
{
  return pgid > 1 && (pid_t) pgid != getpgrp ();
}

static void
signal_group (gint32 pgid,
              int    signum)
{
  if (!group_is_signallable (pgid))
    {
      g_warning ("Not signalling process group %d: it is no program of ours", (int) pgid);
      return;
    }
  if (kill (-pgid, signum) < 0 && errno != ESRCH)
    g_warning ("Cannot signal process group %d: %s", (int) pgid, g_strerror (errno));
}

/* Whether the program whose process group @record holds (launched by this run or a previous
 * one) still runs. */
static gboolean group_has_live_process (const char *proc_root,
                                        gint32      pgid);

gboolean
cnv_runner_recorded_alive (CnvSessionRunner       *self,
                           const CnvSessionRecord *record)
{
  /* Still that program's group (its leader, maybe a zombie that nobody reaped yet, holds the id),
   * and something in it still runs: a group of zombies was closed already, and signalling it
   * again would report it closed twice. */
  return group_is_signallable (record->launch_pgid)
         && cnv_session_record_launch_is_alive (record, self->proc_root)
         && group_has_live_process (self->proc_root, record->launch_pgid);
}

guint
cnv_runner_grace_seconds (CnvSessionRunner *self)
{
  return (guint) CLAMP (self->settings.grace, 0, CNV_SCHEDULE_MAX_SETTING);
}

/* ---- the program ----------------------------------------------------------------------- */

/* Whether the program launched for @record runs, as far as we can tell: a launch of ours that can
 * be watched until it exits (one that cannot — the browser, an application without a pid — counts
 * as running), else the process group a previous run recorded. */
gboolean
cnv_runner_program_alive (CnvSessionRunner       *self,
                          Tracked                *tracked,
                          const CnvSessionRecord *record)
{
  if (tracked->launcher != NULL)
    return !cnv_launcher_get_can_close (tracked->launcher)
           || !cnv_launcher_get_exited (tracked->launcher);
  if (tracked->launching)
    return FALSE;
  return cnv_runner_recorded_alive (self, record);
}

/* Whether its program is known to have ended (not merely unknown). */
gboolean
cnv_runner_program_known_exited (CnvSessionRunner       *self,
                                 Tracked                *tracked,
                                 const CnvSessionRecord *record)
{
  if (tracked->launcher != NULL)
    return cnv_launcher_get_can_close (tracked->launcher)
           && cnv_launcher_get_exited (tracked->launcher);
  if (tracked->launching)
    return FALSE;
  return group_is_signallable (record->launch_pgid)
         && !cnv_session_record_launch_is_alive (record, self->proc_root);
}

/* Whether the session's program is known to run now. */
gboolean
cnv_runner_program_known_alive (CnvSessionRunner       *self,
                                Tracked                *tracked,
                                const CnvSessionRecord *record)
{
  if (tracked->launcher != NULL)
    return cnv_launcher_get_can_close (tracked->launcher)
           && !cnv_launcher_get_exited (tracked->launcher);
  return cnv_runner_recorded_alive (self, record);
}

/* ---- closing ---------------------------------------------------------------------------- */

static void
close_done (CnvSessionRunner *self,
            Tracked          *tracked,
            const GError     *error)
{
  g_autoptr(CnvSessionRecord) record = NULL;
  CloseReason reason = tracked->close_reason;

  tracked->closing = FALSE;
  tracked->adopted = FALSE;
  tracked->close_pgid = 0;
  g_clear_handle_id (&tracked->close_poll_id, g_source_remove);
  /* Whatever the outcome, this launch is not watched any more: a browser tab would otherwise
   * count as running for ever. */
  cnv_runner_drop_launcher (tracked);

  record = cnv_runner_reload (self, tracked->session_id);
  if (record != NULL && reason != CLOSE_QUIET)
    {
      if (error != NULL && g_error_matches (error, CNV_LAUNCHER_ERROR,
                                            CNV_LAUNCHER_ERROR_CANNOT_CLOSE))
        cnv_runner_emit_event (self, CNV_RUNNER_EVENT_CANNOT_CLOSE, record,
                               _("The session is over, but its browser tab or application "
                                 "cannot be closed automatically: close it yourself."));
      else if (error != NULL)
        {
          g_warning ("Session %s: its program could not be closed: %s", tracked->session_id,
                     error->message);
          cnv_runner_emit_event (self, CNV_RUNNER_EVENT_CANNOT_CLOSE, record,
                                 _("The session is over, but its program is still running: "
                                   "close it yourself."));
        }
      else
        {
          const char *detail = NULL;

          if (reason == CLOSE_MOVED)
            detail = _("The session was moved to a later time: its program was closed until "
                       "then.");
          else if (reason == CLOSE_CANCELLED)
            detail = _("The session was cancelled: its program was closed.");
          cnv_runner_emit_event (self, CNV_RUNNER_EVENT_CLOSED, record, detail);
        }
    }
  cnv_runner_emit_changed (self);
  cnv_runner_decide_all (self);
}

static void
terminated_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(StepData) data = user_data;
  g_autoptr(CnvSessionRunner) self = NULL;
  g_autoptr(GError) error = NULL;
  Tracked *tracked;

  cnv_launcher_terminate_finish (CNV_LAUNCHER (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = g_weak_ref_get (&data->runner);
  if (self == NULL)
    return;
  tracked = g_hash_table_lookup (self->tracked, data->session_id);
  if (tracked == NULL || !tracked->closing || tracked->launcher != CNV_LAUNCHER (source))
    return;
  close_done (self, tracked, error);
}

/* Whether a live (not zombie) process of group @pgid is left, from PROC_ROOT/PID/stat: "PID
 * (COMM) S PPID PGRP …" (proc(5)); COMM may hold ") ", so the fields are read after the last ')'.
 * An orphan's zombie waits for whoever reaps it: it is not the program any more. */
static gboolean
group_has_live_process (const char *proc_root,
                        gint32      pgid)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!group_is_signallable (pgid) || (kill (-pgid, 0) < 0 && errno == ESRCH))
    return FALSE;
  dir = g_dir_open (proc_root, 0, NULL);
  if (dir == NULL)
    return TRUE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *fields;
      char state;
      long ppid, pgrp;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_build_filename (proc_root, name, "stat", NULL);
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;   /* gone meanwhile */
      fields = strrchr (stat, ')');
      if (fields == NULL || sscanf (fields + 1, " %c %ld %ld", &state, &ppid, &pgrp) != 3)
        continue;
      if (pgrp == pgid && state != 'Z' && state != 'X')
        return TRUE;
    }
  return FALSE;
}

/* Watching a previous run's group: it was identified (boot id, start time) when SIGTERM was
 * sent, and it is watched without a gap of more than CLOSE_POLL_MS, so the group id cannot have
 * been given to another group by the time of SIGKILL (a group id is not reused while the group
 * has a member). */
static gboolean
close_poll_cb (gpointer user_data)
{
  Tracked *tracked = user_data;
  /* close_done() emits signals: a handler may drop the last other reference. */
  g_autoptr(CnvSessionRunner) self = g_object_ref (tracked->runner);
  gint64 now = g_get_monotonic_time ();

  if (!group_has_live_process (self->proc_root, tracked->close_pgid))
    {
      g_debug ("Session %s: process group %d is gone", tracked->session_id,
               (int) tracked->close_pgid);
      tracked->close_poll_id = 0;
      close_done (self, tracked, NULL);
      return G_SOURCE_REMOVE;
    }
  if (!tracked->close_killed && now >= tracked->close_kill_at)
    {
      g_debug ("Session %s: process group %d still alive after the grace, SIGKILL",
               tracked->session_id, (int) tracked->close_pgid);
      signal_group (tracked->close_pgid, SIGKILL);
      tracked->close_killed = TRUE;
      tracked->close_give_up_at = now + KILL_WAIT_SECONDS * G_USEC_PER_SEC;
    }
  else if (tracked->close_killed && now > tracked->close_give_up_at)
    {
      g_autoptr(GError) error = g_error_new (CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_STILL_RUNNING,
                                             "Process group %d is still running after SIGKILL",
                                             (int) tracked->close_pgid);

      tracked->close_poll_id = 0;
      close_done (self, tracked, error);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* Closes the session's program: ours through its launcher, a previous run's by its process
 * group (only while cnv_session_record_launch_is_alive() says it is still that program). */
void
cnv_runner_close_program (CnvSessionRunner       *self,
                          Tracked                *tracked,
                          const CnvSessionRecord *record,
                          CloseReason             reason)
{
  if (tracked->closing)
    return;

  if (tracked->launcher != NULL)
    {
      tracked->closing = TRUE;
      tracked->close_reason = reason;
      g_debug ("Session %s: closing its program", tracked->session_id);
      cnv_launcher_terminate_async (tracked->launcher, cnv_runner_grace_seconds (self),
                                    self->cancellable, terminated_cb,
                                    step_data_new (self, tracked->session_id, 0));
      return;
    }

  if (cnv_runner_recorded_alive (self, record))
    {
      tracked->closing = TRUE;
      tracked->close_reason = reason;
      tracked->close_pgid = record->launch_pgid;
      tracked->close_killed = FALSE;
      tracked->close_kill_at = g_get_monotonic_time ()
                              + (gint64) cnv_runner_grace_seconds (self) * G_USEC_PER_SEC;
      g_debug ("Session %s: SIGTERM to process group %d of a previous run", tracked->session_id,
               (int) record->launch_pgid);
      signal_group (record->launch_pgid, SIGTERM);
      tracked->close_poll_id = g_timeout_add (CLOSE_POLL_MS, close_poll_cb, tracked);
      return;
    }

  /* Nothing we can find again: nothing to signal. */
  tracked->adopted = FALSE;
  if (reason != CLOSE_QUIET)
    cnv_runner_emit_event (self, CNV_RUNNER_EVENT_CLOSED, record, NULL);
}

/* ---- launching -------------------------------------------------------------------------- */

static void
schedule_retry (CnvSessionRunner       *self,
                Tracked                *tracked,
                const CnvSessionRecord *record,
                guint                   delay)
{
  gint64 now = cnv_runner_now (self);

  tracked->retry_at = MIN (now + (gint64) delay, record->end);
  if (tracked->retry_at <= now)
    tracked->retry_at = now + 1;
}

static void
launch_failed (CnvSessionRunner *self,
               Tracked          *tracked,
               const char       *detail)
{
  g_autoptr(CnvSessionRecord) record = NULL;

  tracked->launching = FALSE;
  tracked->want_launch = FALSE;
  /* The claim made the session "running"; back to "accepted", which the store allows (see the
   * header comment): not retried on its own, Relaunch offered, "ended" at the end. */
  cnv_runner_write_status (self, tracked->session_id, CNV_SESSION_STATUS_ACCEPTED);
  /* No "program exited" for a program that never ran. */
  tracked->exit_reported = TRUE;
  record = cnv_runner_reload (self, tracked->session_id);
  if (record != NULL)
    cnv_runner_emit_event (self, CNV_RUNNER_EVENT_LAUNCH_FAILED, record, detail);
  cnv_runner_emit_changed (self);
  cnv_runner_decide_all (self);
}

static void
launcher_exited_cb (CnvLauncher *launcher,
                    gpointer     user_data)
{
  Tracked *tracked = user_data;

  g_debug ("Session %s: its program exited", tracked->session_id);
  cnv_runner_decide_all (tracked->runner);
}

static void
launched_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(StepData) data = user_data;
  g_autoptr(CnvSessionRunner) self = NULL;
  g_autoptr(CnvLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;
  Tracked *tracked;

  launcher = cnv_launcher_launch_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = g_weak_ref_get (&data->runner);
  if (self == NULL)
    return;
  tracked = g_hash_table_lookup (self->tracked, data->session_id);
  if (tracked == NULL)
    return;

  if (launcher == NULL)
    {
      g_autofree char *detail = NULL;

      g_autoptr(CnvSessionRecord) current = cnv_runner_reload (self, data->session_id);
      const char *why = current != NULL && cnv_runner_reveals_link (error->message, current->link)
                        ? "(the reason quotes the link, which is not logged)" : error->message;

      g_message ("Session %s: its program could not be started: %s", data->session_id, why);
      /* Translators: %s says why (from the launcher) */
      detail = g_strdup_printf (_("The session’s program could not be started: %s"),
                                error->message);
      launch_failed (self, tracked, detail);
      return;
    }

  tracked->launching = FALSE;
  tracked->want_launch = FALSE;
  tracked->exit_reported = FALSE;
  tracked->scheduled_reported = FALSE;
  tracked->launcher = g_object_ref (launcher);
  tracked->exited_id = g_signal_connect (launcher, "exited", G_CALLBACK (launcher_exited_cb),
                                         tracked);

  if (cnv_launcher_get_kind (launcher) == CNV_LAUNCH_KIND_COMMAND)
    {
      g_autoptr(GError) process_error = NULL;
      g_autofree char *boot_id = NULL;
      GPid pid = cnv_launcher_get_pid (launcher);
      guint64 start_ticks = 0;
      gint32 pgrp = 0;

      if (!cnv_session_record_read_process (self->proc_root, pid, &boot_id, &start_ticks, &pgrp,
                                            &process_error))
        g_debug ("Session %s: cannot read process %d (exited already?): %s", data->session_id,
                 (int) pid, process_error->message);
      else if (pgrp != pid)
        g_warning ("Session %s: process %d does not lead its group", data->session_id, (int) pid);
      else if (!cnv_session_store_set_launch_process (self->store, data->session_id,
                                                      data->launched_at, pid, boot_id,
                                                      start_ticks, &process_error))
        {
          if (g_error_matches (process_error, CNV_SESSION_STORE_ERROR,
                               CNV_SESSION_STORE_ERROR_NOT_RUNNING))
            {
              /* Cancelled, ended or left while it started: it must not run. */
              g_message ("Session %s is no longer running this launch: closing its program",
                         data->session_id);
              record = cnv_runner_reload (self, data->session_id);
              if (record != NULL)
                cnv_runner_close_program (self, tracked, record,
                                          record->status == CNV_SESSION_STATUS_CANCELLED
                                          ? CLOSE_CANCELLED : CLOSE_QUIET);
              cnv_runner_emit_changed (self);
              return;
            }
          g_warning ("Session %s: cannot record its process group: %s", data->session_id,
                     process_error->message);
        }
    }

  record = cnv_runner_reload (self, data->session_id);
  if (record != NULL)
    {
      g_message ("Session %s: launched", data->session_id);
      cnv_runner_emit_event (self, CNV_RUNNER_EVENT_LAUNCHED, record, NULL);
    }
  cnv_runner_emit_changed (self);
  cnv_runner_decide_all (self);
}

static char *
program_log_path (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_state_dir (), "convene", NULL);

  /* The programs' output goes to a private file, not to the journal: a program may print the
   * link. */
  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      g_warning ("Cannot create %s: %s", dir, g_strerror (errno));
      return g_strdup ("/dev/null");
    }
  return g_build_filename (dir, "programs.log", NULL);
}

/* The gateway said "active": claim the launch, then start the program. */
static void
claim_and_launch (CnvSessionRunner *self,
                  Tracked          *tracked)
{
  g_autoptr(CnvSessionRecord) record = cnv_runner_reload (self, tracked->session_id);
  g_autoptr(GError) error = NULL;
  const CnvSessionTypeEntry *entry;
  gint64 at = cnv_runner_now (self);

  if (record == NULL || cnv_runner_is_final (record->status) || record->link == NULL)
    return;

  if (!cnv_session_store_record_launch (self->store, tracked->session_id, at, &error))
    {
      if (g_error_matches (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_ALREADY_RUNNING))
        g_debug ("Session %s runs already: not launched again", tracked->session_id);
      else if (g_error_matches (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_CANCELLED))
        g_debug ("Session %s was cancelled meanwhile", tracked->session_id);
      else
        {
          g_warning ("Cannot claim the launch of session %s: %s", tracked->session_id,
                     error->message);
          schedule_retry (self, tracked, record, BACKOFF_FIRST_SECONDS);
        }
      return;
    }

  tracked->launching = TRUE;
  cnv_runner_emit_changed (self);

  entry = cnv_session_type_entries_find (self->session_types, record->manager_address);
  if (entry != NULL && entry->app_id != NULL && *entry->app_id != '\0')
    {
      g_autoptr(GDesktopAppInfo) info = g_desktop_app_info_new (entry->app_id);

      if (info == NULL)
        {
          g_autofree char *detail = NULL;

          g_message ("Session %s: application %s not found", tracked->session_id, entry->app_id);
          /* Translators: %s is a desktop file id, e.g. org.example.Meet.desktop */
          detail = g_strdup_printf (_("The application “%s” is not installed."), entry->app_id);
          launch_failed (self, tracked, detail);
          return;
        }
      cnv_launcher_launch_app_async (G_APP_INFO (info), record->link, NULL, self->cancellable,
                                     launched_cb, step_data_new (self, tracked->session_id, at));
    }
  else if (entry != NULL && entry->command != NULL && *entry->command != '\0')
    {
      g_autofree char *log_path = NULL;
      g_auto(GStrv) argv = NULL;
      g_autoptr(CnvInvitation) parsed = cnv_invitation_new ();

      /* %p: the credential is the link's `t` parameter (DESIGN.md, the personal link); the
       * engine reads it from the link as it does from an invitation. */
      cnv_invitation_set_link (parsed, record->link);
      argv = cnv_launcher_expand_command (entry->command, record->link,
                                          cnv_invitation_get_credential (parsed), record->title,
                                          &error);
      if (argv == NULL)
        {
          g_autofree char *detail = NULL;

          g_message ("Session %s: its command cannot be used: %s", tracked->session_id,
                     error->message);
          /* Translators: %s says what is wrong with the command */
          detail = g_strdup_printf (_("The session type’s command cannot be used: %s"),
                                    error->message);
          launch_failed (self, tracked, detail);
          return;
        }
      log_path = program_log_path ();
      cnv_launcher_launch_argv_async ((const char * const *) argv, log_path, self->cancellable,
                                      launched_cb, step_data_new (self, tracked->session_id, at));
    }
  else
    cnv_launcher_launch_default_async (record->link, NULL, self->cancellable, launched_cb,
                                       step_data_new (self, tracked->session_id, at));
}

static void
checked_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(StepData) data = user_data;
  g_autoptr(CnvSessionRunner) self = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  CnvGatewayAnswer answer = { 0, };
  gboolean answered;
  Tracked *tracked;

  answered = cnv_gateway_client_check_finish (CNV_GATEWAY_CLIENT (source), result, &answer,
                                              &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = g_weak_ref_get (&data->runner);
  if (self == NULL)
    return;
  tracked = g_hash_table_lookup (self->tracked, data->session_id);
  if (tracked == NULL)
    return;
  tracked->checking = FALSE;

  record = cnv_runner_reload (self, data->session_id);
  if (record == NULL || cnv_runner_is_final (record->status) || self->shutting_down)
    {
      cnv_runner_decide_all (self);
      return;
    }

  if (!answered)
    {
      guint delay;

      if (g_error_matches (error, CNV_GATEWAY_CLIENT_ERROR, CNV_GATEWAY_CLIENT_ERROR_BAD_LINK))
        {
          g_message ("Session %s: its link is not a web address: not launched", data->session_id);
          tracked->forbidden = TRUE;
          tracked->want_launch = FALSE;
          cnv_runner_emit_event (self, CNV_RUNNER_EVENT_NOT_LAUNCHED, record,
                                 _("The invitation’s link is not a web address: nothing can be "
                                   "opened."));
          cnv_runner_decide_all (self);
          return;
        }
      /* NETWORK, TLS, TIMEOUT, UNAVAILABLE, and PROTOCOL (a proxy's or a portal's page in the
       * way): ask again later, until the end. */
      tracked->backoff = tracked->backoff == 0 ? BACKOFF_FIRST_SECONDS
                                               : MIN (tracked->backoff * 2, BACKOFF_MAX_SECONDS);
      delay = answer.retry_after > 0 ? MIN (answer.retry_after, (guint) CNV_SCHEDULE_MAX_SETTING)
                                     : tracked->backoff;
      g_message ("Session %s: cannot ask the join gateway (%s): again in %u s", data->session_id,
                 error->message, delay);
      schedule_retry (self, tracked, record, delay);
      cnv_runner_decide_all (self);
      return;
    }

  tracked->backoff = 0;
  g_debug ("Session %s: the gateway says %s (HTTP %u)", data->session_id,
           cnv_gateway_state_to_string (answer.state), answer.status);
  switch (answer.state)
    {
    case CNV_GATEWAY_STATE_ACTIVE:
      tracked->retry_at = 0;
      claim_and_launch (self, tracked);
      break;

    case CNV_GATEWAY_STATE_SCHEDULED:
      {
        gint64 now = cnv_runner_now (self);
        gboolean moved = answer.start > record->start;

        /* At its start the gateway may still say "scheduled" for a moment: the manager opens
         * the room on its own timer (a second or so late with join-early 0) and the two clocks
         * differ a little. Unless the gateway names a later start (moved), ask again soon, and
         * say nothing to the user for LATE_ACTIVATION_SECONDS. */
        if (!moved && now < record->start + LATE_ACTIVATION_SECONDS)
          {
            schedule_retry (self, tracked, record, LATE_ACTIVATION_RETRY_SECONDS);
            break;
          }
        if (moved && answer.start < record->end)
          schedule_retry (self, tracked, record,
                          (guint) CLAMP (answer.start - now, 1, SCHEDULED_RETRY_SECONDS));
        else
          schedule_retry (self, tracked, record, SCHEDULED_RETRY_SECONDS);
      }
      if (!tracked->scheduled_reported)
        {
          tracked->scheduled_reported = TRUE;
          cnv_runner_emit_event (self, CNV_RUNNER_EVENT_NOT_LAUNCHED, record,
                                 _("The session is not open yet: it may have been moved. Convene "
                                   "will try again."));
        }
      break;

    case CNV_GATEWAY_STATE_CANCELLED:
    case CNV_GATEWAY_STATE_ENDED:
      {
        gboolean cancelled = answer.state == CNV_GATEWAY_STATE_CANCELLED;

        tracked->want_launch = FALSE;
        if (cnv_runner_write_status (self, data->session_id,
                                     cancelled ? CNV_SESSION_STATUS_CANCELLED
                                               : CNV_SESSION_STATUS_ENDED))
          {
            g_autoptr(CnvSessionRecord) updated = cnv_runner_reload (self, data->session_id);
            const CnvSessionRecord *shown = updated != NULL ? updated : record;

            tracked->withdrawn = TRUE;
            cnv_runner_emit_event (self, CNV_RUNNER_EVENT_WITHDRAW, shown, NULL);
            cnv_runner_emit_event (self, CNV_RUNNER_EVENT_NOT_LAUNCHED, shown,
                                   cancelled ? _("The session was cancelled.")
                                             : _("The session has already ended."));
            cnv_runner_emit_changed (self);
          }
        else
          /* Not asked again at once: every pass would ask while the store fails. */
          schedule_retry (self, tracked, record, BACKOFF_FIRST_SECONDS);
      }
      break;

    case CNV_GATEWAY_STATE_FORBIDDEN:
      tracked->forbidden = TRUE;
      tracked->want_launch = FALSE;
      cnv_runner_emit_event (self, CNV_RUNNER_EVENT_NOT_LAUNCHED, record,
                             _("The session’s link opens nothing: it may have been withdrawn."));
      break;

    default:
      g_warn_if_reached ();
      break;
    }
  cnv_runner_decide_all (self);
}

/* One gateway check in flight per session, none before its retry time. */
void
cnv_runner_maybe_check (CnvSessionRunner       *self,
                        Tracked                *tracked,
                        const CnvSessionRecord *record,
                        gint64                  now)
{
  if (tracked->checking || tracked->launching || tracked->closing || tracked->forbidden
      || self->shutting_down || (tracked->retry_at != 0 && now < tracked->retry_at))
    return;

  if (record->link == NULL || *record->link == '\0')
    {
      tracked->forbidden = TRUE;
      tracked->want_launch = FALSE;
      cnv_runner_emit_event (self, CNV_RUNNER_EVENT_LAUNCH_FAILED, record,
                             _("The invitation holds no link to join the session."));
      return;
    }

  tracked->checking = TRUE;
  tracked->retry_at = 0;
  g_debug ("Session %s: asking the join gateway", tracked->session_id);
  cnv_gateway_client_check_async (self->gateway, record->link, self->cancellable, checked_cb,
                                  step_data_new (self, tracked->session_id, 0));
}
