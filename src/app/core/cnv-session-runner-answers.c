/* cnv-session-runner-answers.c — the user's answers to the session runner: join, dismiss,
 * relaunch, leave (E452, E457)
 *
 * Each answer is checked against the record as stored now (a session that is over takes none),
 * written to the store, and followed by a decision pass, which does the rest (the gateway check
 * and the launch of a joined session that has started, the close of one left).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-session-runner"

#include "config.h"

#include "cnv-session-runner-private.h"

/* The record for an answer of the user, or an error. */
static CnvSessionRecord *
get_for_answer (CnvSessionRunner  *self,
                const char        *session_id,
                GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;

  record = cnv_session_store_get (self->store, session_id, &local_error);
  if (record == NULL && local_error != NULL)
    {
      g_set_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_FAILED,
                   "Cannot read session %s: %s", session_id, local_error->message);
      return NULL;
    }
  if (record == NULL)
    {
      g_set_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_NOT_FOUND,
                   "There is no session %s", session_id);
      return NULL;
    }
  if (cnv_runner_is_final (record->status))
    {
      g_set_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_OVER,
                   "Session %s is over (%s)", session_id,
                   cnv_session_status_to_string (record->status));
      return NULL;
    }
  return g_steal_pointer (&record);
}

static gboolean
store_failed (const char    *session_id,
              const GError  *store_error,
              GError       **error)
{
  g_set_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_FAILED,
               "Cannot store the answer for session %s: %s", session_id, store_error->message);
  return FALSE;
}

/* Whether the session was launched in its current window (the schedule's effective RUNNING). */
static gboolean
launched_now (CnvSessionRunner       *self,
              Tracked                *tracked,
              const CnvSessionRecord *record)
{
  CnvScheduleSettings settings = self->settings;
  CnvScheduleDecision decision;

  settings.auto_join = cnv_runner_is_auto_join (self, record);
  settings.program_alive = cnv_runner_program_alive (self, tracked, record);
  cnv_schedule_decide (record, cnv_runner_now (self), &settings, &decision);
  return decision.status == CNV_SESSION_STATUS_RUNNING || tracked->launching;
}

gboolean
cnv_session_runner_join (CnvSessionRunner  *self,
                         const char        *session_id,
                         GError           **error)
{
  g_autoptr(GError) store_error = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;
  Tracked *tracked;

  g_return_val_if_fail (CNV_IS_SESSION_RUNNER (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);

  record = get_for_answer (self, session_id, error);
  if (record == NULL)
    return FALSE;
  if (record->status == CNV_SESSION_STATUS_NEW
      && !cnv_session_store_update_status (self->store, session_id,
                                           CNV_SESSION_STATUS_ACCEPTED, &store_error))
    return store_failed (session_id, store_error, error);
  if (record->dismissed
      && !cnv_session_store_set_flags (self->store, session_id, CNV_SESSION_STORE_FLAG_DISMISSED,
                                       0, &store_error))
    return store_failed (session_id, store_error, error);

  g_message ("Session %s: joined", session_id);
  /* Asked again: a gateway that refused before may say yes now. */
  tracked = cnv_runner_track (self, session_id);
  tracked->forbidden = FALSE;
  tracked->retry_at = 0;
  tracked->backoff = 0;
  if (record->status == CNV_SESSION_STATUS_NEW)
    {
      g_autoptr(CnvSessionRecord) updated = cnv_runner_reload (self, session_id);

      /* The Join / Dismiss notification is answered. */
      cnv_runner_emit_event (self, CNV_RUNNER_EVENT_WITHDRAW,
                             updated != NULL ? updated : record, NULL);
    }
  cnv_runner_emit_changed (self);
  cnv_runner_decide_all (self);
  return TRUE;
}

gboolean
cnv_session_runner_dismiss (CnvSessionRunner  *self,
                            const char        *session_id,
                            GError           **error)
{
  g_autoptr(GError) store_error = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;
  g_autoptr(CnvSessionRecord) updated = NULL;

  g_return_val_if_fail (CNV_IS_SESSION_RUNNER (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);

  record = get_for_answer (self, session_id, error);
  if (record == NULL)
    return FALSE;
  if (!cnv_session_store_set_flags (self->store, session_id, CNV_SESSION_STORE_FLAG_DISMISSED,
                                    CNV_SESSION_STORE_FLAG_DISMISSED, &store_error))
    return store_failed (session_id, store_error, error);
  g_message ("Session %s: dismissed", session_id);
  updated = cnv_runner_reload (self, session_id);
  cnv_runner_emit_event (self, CNV_RUNNER_EVENT_WITHDRAW, updated != NULL ? updated : record, NULL);
  cnv_runner_emit_changed (self);
  cnv_runner_decide_all (self);
  return TRUE;
}

gboolean
cnv_session_runner_relaunch (CnvSessionRunner  *self,
                             const char        *session_id,
                             GError           **error)
{
  g_autoptr(GError) store_error = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;
  Tracked *tracked;

  g_return_val_if_fail (CNV_IS_SESSION_RUNNER (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);

  record = get_for_answer (self, session_id, error);
  if (record == NULL)
    return FALSE;
  tracked = cnv_runner_track (self, session_id);
  if (tracked->checking || tracked->launching || tracked->closing
      || cnv_runner_program_known_alive (self, tracked, record))
    {
      g_set_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_RUNNING,
                   "The program of session %s is running", session_id);
      return FALSE;
    }
  if (!launched_now (self, tracked, record))
    {
      g_set_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_NOT_RUNNING,
                   "Session %s was not launched", session_id);
      return FALSE;
    }
  /* Back to "accepted": what lets the store's claim take the new launch. */
  if (record->status == CNV_SESSION_STATUS_RUNNING
      && !cnv_session_store_update_status (self->store, session_id,
                                           CNV_SESSION_STATUS_ACCEPTED, &store_error))
    return store_failed (session_id, store_error, error);

  g_message ("Session %s: relaunch asked", session_id);
  /* What the exited program left in its group goes first. */
  if (tracked->launcher != NULL)
    {
      cnv_launcher_terminate_async (tracked->launcher, cnv_runner_grace_seconds (self), NULL,
                                    NULL, NULL);
      cnv_runner_drop_launcher (tracked);
    }
  tracked->want_launch = TRUE;
  tracked->forbidden = FALSE;
  tracked->retry_at = 0;
  tracked->backoff = 0;
  tracked->scheduled_reported = FALSE;
  cnv_runner_emit_changed (self);
  cnv_runner_decide_all (self);
  return TRUE;
}

gboolean
cnv_session_runner_leave (CnvSessionRunner  *self,
                          const char        *session_id,
                          GError           **error)
{
  g_autoptr(GError) store_error = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;
  g_autoptr(CnvSessionRecord) updated = NULL;
  Tracked *tracked;

  g_return_val_if_fail (CNV_IS_SESSION_RUNNER (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);

  record = get_for_answer (self, session_id, error);
  if (record == NULL)
    return FALSE;
  tracked = cnv_runner_track (self, session_id);
  if (!launched_now (self, tracked, record)
      && !cnv_runner_program_known_alive (self, tracked, record))
    {
      g_set_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_NOT_RUNNING,
                   "Session %s was not launched", session_id);
      return FALSE;
    }
  if (!cnv_session_store_update_status (self->store, session_id, CNV_SESSION_STATUS_ENDED,
                                        &store_error))
    return store_failed (session_id, store_error, error);

  g_message ("Session %s: left", session_id);
  tracked->want_launch = FALSE;
  updated = cnv_runner_reload (self, session_id);
  if (updated == NULL)
    updated = g_steal_pointer (&record);
  tracked->withdrawn = TRUE;
  cnv_runner_emit_event (self, CNV_RUNNER_EVENT_WITHDRAW, updated, NULL);
  cnv_runner_close_program (self, tracked, updated, CLOSE_LEAVE);
  cnv_runner_emit_changed (self);
  cnv_runner_decide_all (self);
  return TRUE;
}
