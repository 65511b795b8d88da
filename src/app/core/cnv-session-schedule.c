/* cnv-session-schedule.c — when to notify, launch, warn and close a session (Fig 4b, E451–E458)
 *
 * Pure functions: the time is a parameter (unix seconds, wall clock), so a suspend, a restart or
 * a clock set backwards is just another "now" and the same rules answer it.
 *
 * Times, for a record with @start and @end and the settings:
 *   remind_at = start − remind_before    launch_at = start − join_early
 *   warn_at   = end − warn_before_end    end
 * Every boundary is inclusive: at exactly launch_at the launch is due, at exactly end the session
 * is over, at exactly remind_at / warn_at the notification is due.
 *
 * cnv_schedule_decide(), in order:
 * 1. The effective status:
 *    - NEW, not dismissed, with auto-join on for its manager address → ACCEPTED (joins without
 *      asking, issue 6 item 7; a dismissed one is never auto-joined).
 *    - ACCEPTED whose program was launched inside the current window (launch_at ≤ launched_at
 *      < end), or whose program is alive while now is in the window → RUNNING. This is the
 *      "never launch twice" guard: a crash between the launch and the status write, or a
 *      reschedule that only extends the end, never leads to a second automatic launch.
 *    - RUNNING while now < launch_at and the launch happened before launch_at: the session was
 *      moved into the future (a higher SEQUENCE) → ACCEPTED again, and the program, if alive, is
 *      terminated; it is launched again at the new start after the gateway says so (the gateway
 *      would refuse the old link now anyway). When instead the launch happened inside the window
 *      and now < launch_at, the clock went backwards: nothing changes, the program keeps running.
 *    - now ≥ end: NEW or ACCEPTED → MISSED (MARK_MISSED: never a launch after the end, whatever
 *      the suspend or the restart skipped); RUNNING → ENDED.
 * 2. The actions, from the effective status:
 *    - TERMINATE whenever the program is alive and the effective status is not RUNNING (the end,
 *      a cancel while running, a session moved away, a restart after the end), with kill_at =
 *      now + grace for SIGKILL. With no live program there is nothing to signal: a stale process
 *      group id may have been reused, so the launcher signals only a group it tracks.
 *    - ENDED, MISSED, CANCELLED: WITHDRAW_NOTIFICATION, on every decision (withdrawing is
 *      idempotent, and after a restart the old notification may still be shown). Nothing is
 *      pending: next_wakeup is G_MAXINT64; a clock set backwards revives nothing.
 *    - NEW, not dismissed: NOTIFY_NEW (Join / Dismiss). Level-triggered: it holds on every
 *      decision while the record is NEW; the notification's id is the session id, so re-sending
 *      replaces and never stacks. From remind_at to the start, NOTIFY_STARTS_SOON replaces it
 *      (the same Join / Dismiss notification, with the "starts soon" wording) once: warned_start.
 *      A dismissed NEW record gets no notification and becomes MISSED at the end.
 *    - ACCEPTED, now ≥ launch_at: CHECK_GATEWAY_THEN_LAUNCH (never while its program is alive,
 *      see 1.). It holds until the status changes: when the gateway says "not yet" the service
 *      retries on its own backoff; "gone" makes the record CANCELLED.
 *    - ACCEPTED, remind_at ≤ now < start, not warned_start: NOTIFY_STARTS_SOON, unless the launch
 *      is due in the same decision (join_early ≥ remind_before): then the launch says it all and
 *      warned_start is set silently.
 *    - RUNNING, now in the window, program not alive: RELAUNCH_OFFERED (the prompt offers it;
 *      never an automatic relaunch, E457).
 *    - RUNNING, warn_at ≤ now < end, not warned_end: WARN_END once (warned_end).
 *    - remind_before = 0 or warn_before_end = 0 disables that notification.
 * 3. next_wakeup: the earliest time > now among those still pending after the decision:
 *    remind_at (NEW not dismissed, or ACCEPTED when it comes before launch_at; not warned_start;
 *    before the start), launch_at
 *    (ACCEPTED; RUNNING with a dead program after a clock jump back), warn_at (RUNNING, not
 *    warned_end), end (NEW, ACCEPTED, RUNNING). Nothing else wakes the service: no polling.
 *
 * cnv_schedule_apply_update() (iTIP, RFC 5546 §2.1.4: the SEQUENCE orders revisions):
 *    - Only the same UID; anything else is ignored (FALSE).
 *    - A cancel (incoming status CANCELLED) with SEQUENCE ≥ the current one withdraws: the record
 *      becomes CANCELLED (the next decision terminates a live program and withdraws the
 *      notification) — unless it already ENDED, was MISSED or was CANCELLED (FALSE). An equal
 *      SEQUENCE is accepted for a cancel because organizers do not all increment it for CANCEL.
 *    - A REQUEST with a lower or equal SEQUENCE is a duplicate or stale (FALSE); one whose end
 *      is not after its start is malformed (FALSE).
 *    - A higher SEQUENCE takes the times, title, organizer, participants and link (those present)
 *      and the SEQUENCE. A moved start clears warned_start, a moved end clears warned_end.
 *    - Status: NEW stays NEW (a moved time clears dismissed: a new time is a new question);
 *      ACCEPTED and RUNNING stay (the decision ends, terminates or re-waits as the new times say:
 *      a RUNNING session moved into the future is terminated and waits again, see 1.); ENDED
 *      with moved times → ACCEPTED (an extension after the close offers a relaunch, a later
 *      continuation is launched again); MISSED with moved times → NEW; CANCELLED → NEW (a
 *      reinstated invitation is asked again).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-schedule"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cnv-session-schedule.h"

#define MINUTE G_GINT64_CONSTANT (60)
#define HOUR   G_GINT64_CONSTANT (3600)
#define DAY    G_GINT64_CONSTANT (86400)
/* Far beyond any real countdown; keeps the number inside an int for the format string. */
#define MAX_COUNTDOWN_DAYS 999999

/**
 * cnv_schedule_settings_init:
 * @settings: settings to fill
 *
 * The defaults: launch at the start, remind and warn 5 minutes before, 10 s of grace, no
 * auto-join, no program alive.
 */
void
cnv_schedule_settings_init (CnvScheduleSettings *settings)
{
  g_return_if_fail (settings != NULL);

  memset (settings, 0, sizeof *settings);
  settings->remind_before = CNV_SCHEDULE_DEFAULT_REMIND_BEFORE;
  settings->warn_before_end = CNV_SCHEDULE_DEFAULT_WARN_BEFORE_END;
  settings->grace = CNV_SCHEDULE_DEFAULT_GRACE;
}

static gint64
clamp_setting (gint64 value)
{
  return CLAMP (value, 0, CNV_SCHEDULE_MAX_SETTING);
}

/* @a − @b for 0 ≤ @b ≤ CNV_SCHEDULE_MAX_SETTING, saturating: the record's times come from
 * mail and may be anything. */
static gint64
sub_setting (gint64 a,
             gint64 b)
{
  g_assert (b >= 0);
  return a < G_MININT64 + b ? G_MININT64 : a - b;
}

static gint64
add_setting (gint64 a,
             gint64 b)
{
  g_assert (b >= 0);
  return a > G_MAXINT64 - b ? G_MAXINT64 : a + b;
}

static void
consider_wakeup (gint64 *next,
                 gint64  at,
                 gint64  now)
{
  if (at > now && at < *next)
    *next = at;
}

static gboolean
is_final (CnvSessionStatus status)
{
  return status == CNV_SESSION_STATUS_ENDED
         || status == CNV_SESSION_STATUS_MISSED
         || status == CNV_SESSION_STATUS_CANCELLED;
}

/**
 * cnv_schedule_decide:
 * @record: the session
 * @now: the current wall-clock time, unix seconds
 * @settings: the settings for this record (its manager address, its program)
 * @decision: (out caller-allocates): what is due now and when to decide again
 *
 * The rules are in this file's header comment.
 */
void
cnv_schedule_decide (const CnvSessionRecord    *record,
                     gint64                     now,
                     const CnvScheduleSettings *settings,
                     CnvScheduleDecision       *decision)
{
  gint64 remind_before, warn_before_end;
  gint64 remind_at, launch_at, warn_at, end;
  gboolean alive, warned_start, warned_end, in_window;
  CnvSessionStatus status;
  CnvScheduleAction actions = CNV_SCHEDULE_ACTION_NONE;
  gint64 next = G_MAXINT64;

  g_return_if_fail (record != NULL);
  g_return_if_fail (settings != NULL);
  g_return_if_fail (decision != NULL);

  remind_before = clamp_setting (settings->remind_before);
  warn_before_end = clamp_setting (settings->warn_before_end);
  remind_at = sub_setting (record->start, remind_before);
  launch_at = sub_setting (record->start, clamp_setting (settings->join_early));
  warn_at = sub_setting (record->end, warn_before_end);
  end = record->end;
  alive = settings->program_alive;
  warned_start = record->warned_start;
  warned_end = record->warned_end;
  in_window = launch_at <= now && now < end;
  status = record->status;

  /* 1. The effective status. */
  if (status == CNV_SESSION_STATUS_NEW && !record->dismissed && settings->auto_join)
    status = CNV_SESSION_STATUS_ACCEPTED;

  if (status == CNV_SESSION_STATUS_ACCEPTED
      && ((record->launched_at != 0 && launch_at <= record->launched_at && record->launched_at < end)
          || (alive && in_window)))
    status = CNV_SESSION_STATUS_RUNNING;

  if (status == CNV_SESSION_STATUS_RUNNING && now < launch_at && record->launched_at < launch_at)
    status = CNV_SESSION_STATUS_ACCEPTED;

  if (now >= end)
    {
      if (status == CNV_SESSION_STATUS_NEW || status == CNV_SESSION_STATUS_ACCEPTED)
        {
          status = CNV_SESSION_STATUS_MISSED;
          actions |= CNV_SCHEDULE_ACTION_MARK_MISSED;
        }
      else if (status == CNV_SESSION_STATUS_RUNNING)
        status = CNV_SESSION_STATUS_ENDED;
    }

  /* 2. The actions. */
  if (alive && status != CNV_SESSION_STATUS_RUNNING)
    actions |= CNV_SCHEDULE_ACTION_TERMINATE;

  switch (status)
    {
    case CNV_SESSION_STATUS_ENDED:
    case CNV_SESSION_STATUS_MISSED:
    case CNV_SESSION_STATUS_CANCELLED:
      actions |= CNV_SCHEDULE_ACTION_WITHDRAW_NOTIFICATION;
      break;

    case CNV_SESSION_STATUS_NEW:
      if (record->dismissed)
        break;
      if (remind_before > 0 && !warned_start && remind_at <= now && now < record->start)
        {
          actions |= CNV_SCHEDULE_ACTION_NOTIFY_STARTS_SOON;
          warned_start = TRUE;
        }
      else
        actions |= CNV_SCHEDULE_ACTION_NOTIFY_NEW;
      break;

    case CNV_SESSION_STATUS_ACCEPTED:
      if (now >= launch_at && !alive)
        actions |= CNV_SCHEDULE_ACTION_CHECK_GATEWAY_THEN_LAUNCH;
      if (remind_before > 0 && !warned_start && remind_at <= now && now < record->start)
        {
          if (now < launch_at)
            actions |= CNV_SCHEDULE_ACTION_NOTIFY_STARTS_SOON;
          warned_start = TRUE;
        }
      break;

    case CNV_SESSION_STATUS_RUNNING:
      if (in_window && !alive)
        actions |= CNV_SCHEDULE_ACTION_RELAUNCH_OFFERED;
      if (warn_before_end > 0 && !warned_end && warn_at <= now && now < end)
        {
          actions |= CNV_SCHEDULE_ACTION_WARN_END;
          warned_end = TRUE;
        }
      break;

    default:
      g_warn_if_reached ();
      break;
    }

  /* 3. When the decision could change next, from the state after this one. */
  if (!is_final (status))
    {
      consider_wakeup (&next, end, now);
      if (remind_before > 0 && !warned_start && now < record->start
          && ((status == CNV_SESSION_STATUS_ACCEPTED && remind_at < launch_at)
              || (status == CNV_SESSION_STATUS_NEW && !record->dismissed)))
        consider_wakeup (&next, remind_at, now);
      if (status == CNV_SESSION_STATUS_ACCEPTED
          || (status == CNV_SESSION_STATUS_RUNNING && !alive))
        consider_wakeup (&next, launch_at, now);
      if (status == CNV_SESSION_STATUS_RUNNING && warn_before_end > 0 && !warned_end)
        consider_wakeup (&next, warn_at, now);
    }

  memset (decision, 0, sizeof *decision);
  decision->actions = actions;
  decision->status = status;
  decision->status_changed = status != record->status;
  decision->set_warned_start = warned_start && !record->warned_start;
  decision->set_warned_end = warned_end && !record->warned_end;
  if (actions & CNV_SCHEDULE_ACTION_TERMINATE)
    decision->kill_at = add_setting (now, clamp_setting (settings->grace));
  decision->next_wakeup = next;
}

/**
 * cnv_schedule_decision_apply:
 * @decision: a decision from cnv_schedule_decide() for @record
 * @record: the record to update
 *
 * Writes the new status and the warned flags; the actions are the caller's.
 */
void
cnv_schedule_decision_apply (const CnvScheduleDecision *decision,
                             CnvSessionRecord          *record)
{
  g_return_if_fail (decision != NULL);
  g_return_if_fail (record != NULL);

  if (decision->status_changed)
    record->status = decision->status;
  if (decision->set_warned_start)
    record->warned_start = TRUE;
  if (decision->set_warned_end)
    record->warned_end = TRUE;
}

/**
 * cnv_schedule_countdown_text:
 * @start: the session's start, unix seconds
 * @now: the current time
 *
 * Returns: (transfer full): "Starts in 2 h 05 min", "Starts in 45 s", "Started 3 min ago", …
 *   (translated; whole units, rounded down)
 */
char *
cnv_schedule_countdown_text (gint64 start,
                             gint64 now)
{
  gboolean future = start > now;
  /* The unsigned difference is exact even across the whole gint64 range. */
  guint64 delta = future ? (guint64) start - (guint64) now : (guint64) now - (guint64) start;
  int days, hours, minutes, seconds;

  if (delta == 0)
    return g_strdup (_("Starting now"));

  days = (int) MIN (delta / DAY, MAX_COUNTDOWN_DAYS);
  hours = (int) (delta % DAY / HOUR);
  minutes = (int) (delta % HOUR / MINUTE);
  seconds = (int) (delta % MINUTE);

  if (delta < (guint64) MINUTE)
    /* Translators: a countdown; %d is a number of seconds, "s" the short unit */
    return future ? g_strdup_printf (_("Starts in %d s"), seconds)
                  /* Translators: %d is a number of seconds, "s" the short unit */
                  : g_strdup_printf (_("Started %d s ago"), seconds);
  if (delta < (guint64) HOUR)
    /* Translators: a countdown; %d is a number of minutes, "min" the short unit */
    return future ? g_strdup_printf (_("Starts in %d min"), minutes)
                  /* Translators: %d is a number of minutes, "min" the short unit */
                  : g_strdup_printf (_("Started %d min ago"), minutes);
  if (delta < (guint64) DAY)
    /* Translators: a countdown; hours, then minutes on two digits (e.g. "2 h 05 min") */
    return future ? g_strdup_printf (_("Starts in %d h %02d min"), hours, minutes)
                  /* Translators: hours, then minutes on two digits (e.g. "2 h 05 min ago") */
                  : g_strdup_printf (_("Started %d h %02d min ago"), hours, minutes);
  /* Translators: a countdown; days, then hours on two digits (e.g. "3 d 04 h") */
  return future ? g_strdup_printf (_("Starts in %d d %02d h"), days, hours)
                /* Translators: days, then hours on two digits (e.g. "3 d 04 h ago") */
                : g_strdup_printf (_("Started %d d %02d h ago"), days, hours);
}

static void
replace_string (char       **field,
                const char  *value)
{
  if (value != NULL && g_strcmp0 (*field, value) != 0)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

/**
 * cnv_schedule_apply_update:
 * @current: the stored record
 * @incoming: the record read from a newer invitation (a CANCEL has status
 *   %CNV_SESSION_STATUS_CANCELLED)
 *
 * The rules are in this file's header comment.
 *
 * Returns: %TRUE when @current changed (store it and decide again), %FALSE when @incoming is
 *   ignored and @current is untouched
 */
gboolean
cnv_schedule_apply_update (CnvSessionRecord       *current,
                           const CnvSessionRecord *incoming)
{
  gboolean start_moved, end_moved;

  g_return_val_if_fail (current != NULL, FALSE);
  g_return_val_if_fail (incoming != NULL, FALSE);

  if (current->uid == NULL || g_strcmp0 (current->uid, incoming->uid) != 0)
    {
      g_debug ("Update of session %s ignored: another UID", current->session_id);
      return FALSE;
    }

  if (incoming->status == CNV_SESSION_STATUS_CANCELLED)
    {
      if (incoming->sequence < current->sequence || is_final (current->status))
        {
          g_debug ("Cancel of session %s ignored: SEQUENCE %d, current %d, status %s",
                   current->session_id, incoming->sequence, current->sequence,
                   cnv_session_status_to_string (current->status));
          return FALSE;
        }
      current->status = CNV_SESSION_STATUS_CANCELLED;
      current->sequence = incoming->sequence;
      return TRUE;
    }

  if (incoming->sequence <= current->sequence)
    {
      g_debug ("Update of session %s ignored: SEQUENCE %d not above %d",
               current->session_id, incoming->sequence, current->sequence);
      return FALSE;
    }
  if (incoming->end <= incoming->start)
    {
      g_debug ("Update of session %s ignored: it ends before it starts", current->session_id);
      return FALSE;
    }

  start_moved = incoming->start != current->start;
  end_moved = incoming->end != current->end;

  current->sequence = incoming->sequence;
  current->start = incoming->start;
  current->end = incoming->end;
  replace_string (&current->title, incoming->title);
  replace_string (&current->organizer, incoming->organizer);
  replace_string (&current->link, incoming->link);
  if (incoming->participants != NULL)
    {
      g_strfreev (current->participants);
      current->participants = g_strdupv (incoming->participants);
    }
  if (start_moved)
    current->warned_start = FALSE;
  if (end_moved)
    current->warned_end = FALSE;

  switch (current->status)
    {
    case CNV_SESSION_STATUS_NEW:
      if (start_moved || end_moved)
        current->dismissed = FALSE;
      break;
    case CNV_SESSION_STATUS_ACCEPTED:
    case CNV_SESSION_STATUS_RUNNING:
      break;
    case CNV_SESSION_STATUS_ENDED:
      if (start_moved || end_moved)
        current->status = CNV_SESSION_STATUS_ACCEPTED;
      break;
    case CNV_SESSION_STATUS_MISSED:
      if (start_moved || end_moved)
        {
          current->status = CNV_SESSION_STATUS_NEW;
          current->dismissed = FALSE;
        }
      break;
    case CNV_SESSION_STATUS_CANCELLED:
      current->status = CNV_SESSION_STATUS_NEW;
      current->dismissed = FALSE;
      break;
    default:
      g_warn_if_reached ();
      break;
    }
  return TRUE;
}
