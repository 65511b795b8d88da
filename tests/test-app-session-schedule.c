/* test-app-session-schedule.c — the session record, and the service's decisions over a fake clock
 *
 * The clock is a number: each test sets "now" (unix seconds) where the case needs it, including
 * the jumps a suspend or an NTP correction makes. The walk tests drive a record the way the
 * service does (decide, act, sleep until next_wakeup) and check, second by second, that nothing
 * changes between two wake-ups and that every wake-up changes something.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-session-record.h"
#include "cnv-session-schedule.h"

/* Saturday 29 March 2025, 12:00 UTC; the session runs 13:00–14:00. */
#define T0    G_GINT64_CONSTANT (1743249600)
#define START (T0 + 3600)
#define END   (START + 3600)

#define A_NEW         CNV_SCHEDULE_ACTION_NOTIFY_NEW
#define A_SOON        CNV_SCHEDULE_ACTION_NOTIFY_STARTS_SOON
#define A_LAUNCH      CNV_SCHEDULE_ACTION_CHECK_GATEWAY_THEN_LAUNCH
#define A_RELAUNCH    CNV_SCHEDULE_ACTION_RELAUNCH_OFFERED
#define A_WARN        CNV_SCHEDULE_ACTION_WARN_END
#define A_TERMINATE   CNV_SCHEDULE_ACTION_TERMINATE
#define A_MISSED      CNV_SCHEDULE_ACTION_MARK_MISSED
#define A_WITHDRAW    CNV_SCHEDULE_ACTION_WITHDRAW_NOTIFICATION

static CnvSessionRecord *
make_record (CnvSessionStatus status)
{
  CnvSessionRecord *record = cnv_session_record_new ();
  const char * const participants[] = { "alice@example.test", "bob@example.test", NULL };

  record->session_id = g_strdup ("s-0001");
  record->uid = g_strdup ("s-0001@example.test");
  record->sequence = 0;
  record->session_type = g_strdup ("Videoconference");
  record->manager_address = g_strdup ("videoconference@example.test");
  record->title = g_strdup ("Weekly review");
  record->organizer = g_strdup ("alice@example.test");
  record->participants = g_strdupv ((char **) participants);
  record->link = g_strdup ("https://join.example.test/s/s-0001?t=SECRET");
  record->start = START;
  record->end = END;
  record->status = status;
  record->received_at = T0;
  return record;
}

static CnvScheduleSettings
default_settings (void)
{
  CnvScheduleSettings settings;

  cnv_schedule_settings_init (&settings);
  return settings;
}

static CnvScheduleDecision
decide (const CnvSessionRecord    *record,
        gint64                     now,
        const CnvScheduleSettings *settings)
{
  CnvScheduleDecision decision;

  memset (&decision, 0xAA, sizeof decision);
  cnv_schedule_decide (record, now, settings, &decision);
  g_assert_cmpint (decision.next_wakeup, >, now);
  if (!(decision.actions & A_TERMINATE))
    g_assert_cmpint (decision.kill_at, ==, 0);
  return decision;
}

/* What the service does with a decision: store it, and act on what the record needs (a launch
 * that succeeds, a termination that kills). */
static void
act (CnvSessionRecord          *record,
     CnvScheduleSettings       *settings,
     const CnvScheduleDecision *decision,
     gint64                     now,
     guint                     *n_launches)
{
  cnv_schedule_decision_apply (decision, record);
  if (decision->actions & A_TERMINATE)
    settings->program_alive = FALSE;
  if (decision->actions & A_LAUNCH)
    {
      g_assert_false (settings->program_alive);
      record->status = CNV_SESSION_STATUS_RUNNING;
      record->launched_at = now;
      record->launch_count++;
      settings->program_alive = TRUE;
      (*n_launches)++;
    }
}

static gboolean
decision_equal (const CnvScheduleDecision *a,
                const CnvScheduleDecision *b)
{
  return a->actions == b->actions && a->status == b->status
         && a->status_changed == b->status_changed
         && a->set_warned_start == b->set_warned_start && a->set_warned_end == b->set_warned_end;
}

/* The record after the decision at @now was applied and acted on is a fixed point: deciding
 * again changes nothing and repeats only the level-triggered actions. */
static CnvScheduleDecision
settle (CnvSessionRecord    *record,
        CnvScheduleSettings *settings,
        gint64               now,
        CnvScheduleAction   *seen,
        guint               *n_launches)
{
  CnvScheduleDecision decision = decide (record, now, settings);

  for (guint i = 0; i < 4; i++)
    {
      CnvScheduleAction repeating = A_NEW | A_RELAUNCH | A_WITHDRAW;

      *seen |= decision.actions;
      act (record, settings, &decision, now, n_launches);
      decision = decide (record, now, settings);
      if (!decision.status_changed && !decision.set_warned_start && !decision.set_warned_end
          && (decision.actions & ~repeating) == 0)
        return decision;
    }
  g_assert_not_reached ();
}

typedef struct
{
  gint64            at;
  CnvScheduleAction actions;
  CnvSessionStatus  status;
} Step;

/* Sleeps from wake-up to wake-up like the service, from @from until nothing is pending. Between
 * two wake-ups every second decides the same; at each wake-up something differs. */
static GArray *
walk (CnvSessionRecord    *record,
      CnvScheduleSettings *settings,
      gint64               from,
      guint               *n_launches)
{
  GArray *steps = g_array_new (FALSE, TRUE, sizeof (Step));
  gint64 now = from;

  *n_launches = 0;
  for (guint n = 0; n < 32; n++)
    {
      CnvScheduleAction seen = 0;
      CnvScheduleDecision settled = settle (record, settings, now, &seen, n_launches);
      Step step = { now, seen, record->status };

      g_array_append_val (steps, step);
      if (settled.next_wakeup == G_MAXINT64)
        return steps;

      g_assert_cmpint (settled.next_wakeup - now, <=, 2 * 86400);
      for (gint64 t = now + 1; t < settled.next_wakeup; t++)
        {
          CnvScheduleDecision between = decide (record, t, settings);

          g_assert_true (decision_equal (&between, &settled));
          g_assert_cmpint (between.next_wakeup, ==, settled.next_wakeup);
        }
      {
        CnvScheduleDecision due = decide (record, settled.next_wakeup, settings);

        g_assert_false (decision_equal (&due, &settled));
      }
      now = settled.next_wakeup;
    }
  g_assert_not_reached ();
}

static void
assert_step (GArray            *steps,
             guint              index,
             gint64             at,
             CnvScheduleAction  actions,
             CnvSessionStatus   status)
{
  Step *step;

  g_assert_cmpuint (index, <, steps->len);
  step = &g_array_index (steps, Step, index);
  g_assert_cmpint (step->at, ==, at);
  g_assert_cmphex (step->actions, ==, actions);
  g_assert_cmpint (step->status, ==, status);
}

/* The record */

static void
test_record_status_strings (void)
{
  const char *names[] = { "new", "accepted", "running", "ended", "missed", "cancelled" };
  CnvSessionStatus status;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_cmpstr (cnv_session_status_to_string ((CnvSessionStatus) i), ==, names[i]);
      status = 99;
      g_assert_true (cnv_session_status_from_string (names[i], &status));
      g_assert_cmpint (status, ==, i);
    }
  g_assert_null (cnv_session_status_to_string ((CnvSessionStatus) 6));
  g_assert_null (cnv_session_status_to_string ((CnvSessionStatus) -1));

  status = CNV_SESSION_STATUS_RUNNING;
  g_assert_false (cnv_session_status_from_string (NULL, &status));
  g_assert_false (cnv_session_status_from_string ("", &status));
  g_assert_false (cnv_session_status_from_string ("Running", &status));
  g_assert_false (cnv_session_status_from_string ("running ", &status));
  g_assert_false (cnv_session_status_from_string ("canceled", &status));
  g_assert_cmpint (status, ==, CNV_SESSION_STATUS_RUNNING);
}

static void
test_record_copy (void)
{
  g_autoptr(CnvSessionRecord) empty = cnv_session_record_new ();
  g_autoptr(CnvSessionRecord) empty_copy = cnv_session_record_copy (empty);
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_RUNNING);
  g_autoptr(CnvSessionRecord) copy = NULL;
  CnvSessionRecord *boxed;

  g_assert_cmpint (empty->status, ==, CNV_SESSION_STATUS_NEW);
  g_assert_null (empty_copy->session_id);
  g_assert_null (empty_copy->participants);
  g_assert_cmpint (empty_copy->start, ==, 0);

  record->launched_at = START;
  record->launch_count = 2;
  record->warned_end = TRUE;
  copy = cnv_session_record_copy (record);
  g_assert_true (copy->title != record->title);
  g_assert_true (copy->participants != record->participants);
  g_assert_cmpstr (copy->session_id, ==, "s-0001");
  g_assert_cmpstr (copy->uid, ==, record->uid);
  g_assert_cmpstr (copy->session_type, ==, record->session_type);
  g_assert_cmpstr (copy->manager_address, ==, record->manager_address);
  g_assert_cmpstr (copy->organizer, ==, record->organizer);
  g_assert_cmpstr (copy->link, ==, record->link);
  g_assert_cmpstrv (copy->participants, record->participants);
  g_assert_cmpint (copy->start, ==, START);
  g_assert_cmpint (copy->end, ==, END);
  g_assert_cmpint (copy->status, ==, CNV_SESSION_STATUS_RUNNING);
  g_assert_cmpint (copy->launched_at, ==, START);
  g_assert_cmpuint (copy->launch_count, ==, 2);
  g_assert_true (copy->warned_end);

  /* The copy owns its strings. */
  g_free (record->title);
  record->title = g_strdup ("Changed");
  g_assert_cmpstr (copy->title, ==, "Weekly review");

  g_assert_true (G_TYPE_IS_BOXED (CNV_TYPE_SESSION_RECORD));
  boxed = g_boxed_copy (CNV_TYPE_SESSION_RECORD, record);
  g_assert_cmpstr (boxed->title, ==, "Changed");
  g_boxed_free (CNV_TYPE_SESSION_RECORD, boxed);
  cnv_session_record_free (NULL);
}

/* NEW */

static void
test_new_notify (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_NEW);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  d = decide (record, T0, &settings);
  g_assert_cmphex (d.actions, ==, A_NEW);
  g_assert_false (d.status_changed);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_NEW);
  g_assert_false (d.set_warned_start);
  g_assert_cmpint (d.next_wakeup, ==, START - 300);

  /* One second before the reminder; then exactly at it. */
  d = decide (record, START - 301, &settings);
  g_assert_cmphex (d.actions, ==, A_NEW);
  g_assert_cmpint (d.next_wakeup, ==, START - 300);
  d = decide (record, START - 300, &settings);
  g_assert_cmphex (d.actions, ==, A_SOON);
  g_assert_true (d.set_warned_start);
  g_assert_cmpint (d.next_wakeup, ==, END);

  /* An unanswered invitation is never launched, at the start or inside the window. */
  record->warned_start = TRUE;
  d = decide (record, START, &settings);
  g_assert_cmphex (d.actions, ==, A_NEW);
  g_assert_cmpint (d.next_wakeup, ==, END);
  d = decide (record, END - 1, &settings);
  g_assert_cmphex (d.actions, ==, A_NEW);
  g_assert_cmpint (d.next_wakeup, ==, END);

  /* Exactly at the end: missed, the notification withdrawn, nothing pending. */
  d = decide (record, END, &settings);
  g_assert_cmphex (d.actions, ==, A_MISSED | A_WITHDRAW);
  g_assert_true (d.status_changed);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_MISSED);
  g_assert_cmpint (d.next_wakeup, ==, G_MAXINT64);
}

static void
test_new_dismissed (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_NEW);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  record->dismissed = TRUE;
  settings.auto_join = TRUE;  /* Dismiss wins over auto-join. */
  d = decide (record, T0, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_false (d.status_changed);
  g_assert_cmpint (d.next_wakeup, ==, END);
  d = decide (record, START - 300, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_false (d.set_warned_start);
  d = decide (record, START, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_cmpint (d.next_wakeup, ==, END);
  d = decide (record, END, &settings);
  g_assert_cmphex (d.actions, ==, A_MISSED | A_WITHDRAW);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_MISSED);
}

static void
test_new_auto_join (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_NEW);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  settings.auto_join = TRUE;
  d = decide (record, T0, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_true (d.status_changed);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_ACCEPTED);
  g_assert_cmpint (d.next_wakeup, ==, START - 300);

  /* Received after the start: launched at once. */
  d = decide (record, START + 60, &settings);
  g_assert_cmphex (d.actions, ==, A_LAUNCH);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_ACCEPTED);

  /* Received after the end: missed, never launched. */
  d = decide (record, END, &settings);
  g_assert_cmphex (d.actions, ==, A_MISSED | A_WITHDRAW);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_MISSED);
}

/* ACCEPTED */

static void
test_accepted_launch_boundaries (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_ACCEPTED);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  d = decide (record, T0, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_cmpint (d.next_wakeup, ==, START - 300);
  d = decide (record, START - 300, &settings);
  g_assert_cmphex (d.actions, ==, A_SOON);
  g_assert_true (d.set_warned_start);
  g_assert_cmpint (d.next_wakeup, ==, START);

  record->warned_start = TRUE;
  d = decide (record, START - 1, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_cmpint (d.next_wakeup, ==, START);
  d = decide (record, START, &settings);
  g_assert_cmphex (d.actions, ==, A_LAUNCH);
  g_assert_false (d.status_changed);
  g_assert_cmpint (d.next_wakeup, ==, END);
  d = decide (record, END - 1, &settings);
  g_assert_cmphex (d.actions, ==, A_LAUNCH);
  d = decide (record, END, &settings);
  g_assert_cmphex (d.actions, ==, A_MISSED | A_WITHDRAW);

  /* join_early moves the launch, not the reminder's meaning. */
  settings.join_early = 120;
  d = decide (record, START - 121, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_cmpint (d.next_wakeup, ==, START - 120);
  d = decide (record, START - 120, &settings);
  g_assert_cmphex (d.actions, ==, A_LAUNCH);
}

static void
test_accepted_join_early_covers_reminder (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_ACCEPTED);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  /* The launch comes before the reminder would: no wake-up for the reminder, no reminder. */
  settings.join_early = 600;
  d = decide (record, T0, &settings);
  g_assert_cmpint (d.next_wakeup, ==, START - 600);
  d = decide (record, START - 600, &settings);
  g_assert_cmphex (d.actions, ==, A_LAUNCH);
  g_assert_false (d.set_warned_start);

  /* Both due together (a launch the gateway delayed): the launch says it all. */
  settings.join_early = 300;
  d = decide (record, T0, &settings);
  g_assert_cmpint (d.next_wakeup, ==, START - 300);
  d = decide (record, START - 300, &settings);
  g_assert_cmphex (d.actions, ==, A_LAUNCH);
  g_assert_true (d.set_warned_start);
}

/* Never launch twice: a live program, or a launch inside this window, makes the record RUNNING. */
static void
test_accepted_never_twice (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_ACCEPTED);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  settings.program_alive = TRUE;
  d = decide (record, START, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_RUNNING);
  d = decide (record, START + 10, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_true (d.status_changed);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_RUNNING);

  /* Launched, then the app died before storing RUNNING; the program died too. */
  settings.program_alive = FALSE;
  record->launched_at = START + 5;
  record->launch_count = 1;
  d = decide (record, START + 10, &settings);
  g_assert_cmphex (d.actions, ==, A_RELAUNCH);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_RUNNING);
  d = decide (record, END, &settings);
  g_assert_cmphex (d.actions, ==, A_WITHDRAW);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_ENDED);

  /* A launch in an earlier window (before a reschedule) does not count. */
  record->launched_at = T0 - 86400;
  d = decide (record, START, &settings);
  g_assert_cmphex (d.actions, ==, A_LAUNCH);
  g_assert_false (d.status_changed);
}

/* RUNNING */

static void
test_running_warn_and_terminate (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_RUNNING);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  record->launched_at = START;
  record->launch_count = 1;
  record->warned_start = TRUE;
  settings.program_alive = TRUE;
  settings.grace = 7;

  d = decide (record, START, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_cmpint (d.next_wakeup, ==, END - 300);
  d = decide (record, END - 301, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  d = decide (record, END - 300, &settings);
  g_assert_cmphex (d.actions, ==, A_WARN);
  g_assert_true (d.set_warned_end);
  g_assert_false (d.status_changed);
  g_assert_cmpint (d.next_wakeup, ==, END);

  cnv_schedule_decision_apply (&d, record);
  g_assert_true (record->warned_end);
  d = decide (record, END - 1, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_cmpint (d.next_wakeup, ==, END);

  d = decide (record, END, &settings);
  g_assert_cmphex (d.actions, ==, A_TERMINATE | A_WITHDRAW);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_ENDED);
  g_assert_cmpint (d.kill_at, ==, END + 7);
  g_assert_cmpint (d.next_wakeup, ==, G_MAXINT64);
  cnv_schedule_decision_apply (&d, record);
  g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_ENDED);

  /* The program ignored SIGTERM: still alive on the next decision, terminated again. */
  d = decide (record, END + 7, &settings);
  g_assert_cmphex (d.actions, ==, A_TERMINATE | A_WITHDRAW);
  g_assert_false (d.status_changed);
}

static void
test_running_program_died (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_RUNNING);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  record->launched_at = START;
  record->launch_count = 1;
  settings.program_alive = FALSE;

  /* Offered, never relaunched automatically: from exactly the start (or start − join_early). */
  d = decide (record, START, &settings);
  g_assert_cmphex (d.actions, ==, A_RELAUNCH);
  settings.join_early = 60;
  d = decide (record, START - 60, &settings);
  g_assert_cmphex (d.actions, ==, A_RELAUNCH);
  settings.join_early = 0;
  d = decide (record, START + 600, &settings);
  g_assert_cmphex (d.actions, ==, A_RELAUNCH);
  g_assert_false (d.status_changed);
  g_assert_cmpint (d.next_wakeup, ==, END - 300);
  d = decide (record, END - 300, &settings);
  g_assert_cmphex (d.actions, ==, A_RELAUNCH | A_WARN);

  /* At the end nothing is left to signal. */
  d = decide (record, END, &settings);
  g_assert_cmphex (d.actions, ==, A_WITHDRAW);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_ENDED);
  g_assert_cmpint (d.kill_at, ==, 0);
}

static void
test_final_states (void)
{
  CnvSessionStatus finals[] = {
    CNV_SESSION_STATUS_ENDED, CNV_SESSION_STATUS_MISSED, CNV_SESSION_STATUS_CANCELLED,
  };
  gint64 times[] = { G_MININT64, T0 - 86400, T0, START, START + 1, END - 301, END, G_MAXINT64 - 1 };

  for (guint i = 0; i < G_N_ELEMENTS (finals); i++)
    for (guint j = 0; j < G_N_ELEMENTS (times); j++)
      {
        g_autoptr(CnvSessionRecord) record = make_record (finals[i]);
        CnvScheduleSettings settings = default_settings ();
        CnvScheduleDecision d;

        settings.auto_join = TRUE;
        d = decide (record, times[j], &settings);
        g_assert_cmphex (d.actions, ==, A_WITHDRAW);
        g_assert_false (d.status_changed);
        g_assert_cmpint (d.status, ==, finals[i]);
        g_assert_cmpint (d.next_wakeup, ==, G_MAXINT64);

        /* A live program for a finished session is terminated (a cancel while running, a
         * restart after the end). */
        settings.program_alive = TRUE;
        d = decide (record, times[j], &settings);
        g_assert_cmphex (d.actions, ==, A_TERMINATE | A_WITHDRAW);
      }
}

/* Suspend and resume: the clock jumps. */

static void
test_suspend_running (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_RUNNING);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  record->launched_at = START;
  settings.program_alive = TRUE;
  /* Suspended at 13:10, resumed three days later: no warning any more, terminated, ended. */
  d = decide (record, END + 3 * 86400, &settings);
  g_assert_cmphex (d.actions, ==, A_TERMINATE | A_WITHDRAW);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_ENDED);
  g_assert_false (d.set_warned_end);
  g_assert_cmpint (d.next_wakeup, ==, G_MAXINT64);
}

static void
test_suspend_accepted (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_ACCEPTED);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  /* Over the whole session: missed, never a launch after the end. */
  for (gint64 resumed = END; resumed < END + 86400; resumed += 599)
    {
      d = decide (record, resumed, &settings);
      g_assert_cmphex (d.actions, ==, A_MISSED | A_WITHDRAW);
      g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_MISSED);
    }

  /* Over the start only: launched on resume, and the stale reminder is not shown. */
  d = decide (record, START + 1200, &settings);
  g_assert_cmphex (d.actions, ==, A_LAUNCH);
  g_assert_false (d.set_warned_start);
  g_assert_cmpint (d.next_wakeup, ==, END);
}

static void
test_clock_backwards (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_RUNNING);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  /* Launched at 13:00, the clock set back to 12:50: the program keeps running. */
  record->launched_at = START;
  record->warned_start = TRUE;
  settings.program_alive = TRUE;
  d = decide (record, START - 600, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_false (d.status_changed);
  g_assert_cmpint (d.next_wakeup, ==, END - 300);

  /* Its program died meanwhile: the relaunch is offered again from the start, not before. */
  settings.program_alive = FALSE;
  d = decide (record, START - 600, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_cmpint (d.next_wakeup, ==, START);

  /* Warned, then set back before the warning: not warned twice. */
  record->warned_end = TRUE;
  settings.program_alive = TRUE;
  d = decide (record, END - 400, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_cmpint (d.next_wakeup, ==, END);

  /* Reminded, then set back before the reminder: not reminded twice. */
  {
    g_autoptr(CnvSessionRecord) accepted = make_record (CNV_SESSION_STATUS_ACCEPTED);
    CnvScheduleSettings defaults = default_settings ();

    accepted->warned_start = TRUE;
    d = decide (accepted, START - 3000, &defaults);
    g_assert_cmphex (d.actions, ==, 0);
    g_assert_cmpint (d.next_wakeup, ==, START);
  }

  /* An ended session is never revived by the past. */
  record->status = CNV_SESSION_STATUS_ENDED;
  settings.program_alive = FALSE;
  d = decide (record, START, &settings);
  g_assert_cmphex (d.actions, ==, A_WITHDRAW);
  g_assert_cmpint (d.next_wakeup, ==, G_MAXINT64);
}

static void
test_settings_disabled_and_hostile (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_ACCEPTED);
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;
  gint64 extremes[] = { G_MININT64, G_MININT64 + 1, -1, 0, 1, G_MAXINT64 - 1, G_MAXINT64 };

  /* 0 disables the reminder and the warning: no wake-up for them. */
  settings.remind_before = 0;
  settings.warn_before_end = 0;
  d = decide (record, T0, &settings);
  g_assert_cmpint (d.next_wakeup, ==, START);
  d = decide (record, START - 1, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  record->status = CNV_SESSION_STATUS_RUNNING;
  record->launched_at = START;
  settings.program_alive = TRUE;
  d = decide (record, START, &settings);
  g_assert_cmpint (d.next_wakeup, ==, END);
  d = decide (record, END - 1, &settings);
  g_assert_cmphex (d.actions, ==, 0);

  /* Negative settings count as 0, huge ones as a week. */
  settings.join_early = -3600;
  settings.warn_before_end = -1;
  settings.grace = -5;
  d = decide (record, END, &settings);
  g_assert_cmpint (d.kill_at, ==, END);
  settings.grace = G_MAXINT64;
  d = decide (record, END, &settings);
  g_assert_cmpint (d.kill_at, ==, END + CNV_SCHEDULE_MAX_SETTING);
  record->status = CNV_SESSION_STATUS_ACCEPTED;
  record->launched_at = 0;
  settings.program_alive = FALSE;
  settings.join_early = G_MAXINT64;
  d = decide (record, START - CNV_SCHEDULE_MAX_SETTING - 1, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  d = decide (record, START - CNV_SCHEDULE_MAX_SETTING, &settings);
  g_assert_cmphex (d.actions, ==, A_LAUNCH);

  /* Times from mail may be anything: no overflow (UBSan watches), next_wakeup still > now. */
  settings.join_early = settings.remind_before = settings.warn_before_end = G_MAXINT64;
  settings.grace = G_MAXINT64;
  for (guint s = 0; s < 6; s++)
    for (guint i = 0; i < G_N_ELEMENTS (extremes); i++)
      for (guint j = 0; j < G_N_ELEMENTS (extremes); j++)
        for (guint k = 0; k < G_N_ELEMENTS (extremes); k++)
          {
            record->status = (CnvSessionStatus) s;
            record->start = extremes[i];
            record->end = extremes[j];
            record->launched_at = extremes[k];
            if (extremes[j] == G_MAXINT64)
              continue;  /* decide() promises next_wakeup > now, so now < G_MAXINT64 */
            settings.program_alive = (i + k) % 2;
            d = decide (record, extremes[j], &settings);
            g_assert_false (d.actions & A_LAUNCH);  /* now ≥ end */
            d = decide (record, extremes[i] == G_MAXINT64 ? 0 : extremes[i], &settings);
          }
}

/* The service's life, second by second (see walk()). */

static void
test_walk_joined (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_ACCEPTED);
  CnvScheduleSettings settings = default_settings ();
  g_autoptr(GArray) steps = NULL;
  guint launches;

  steps = walk (record, &settings, T0, &launches);
  g_assert_cmpuint (launches, ==, 1);
  g_assert_cmpuint (steps->len, ==, 5);
  assert_step (steps, 0, T0, 0, CNV_SESSION_STATUS_ACCEPTED);
  assert_step (steps, 1, START - 300, A_SOON, CNV_SESSION_STATUS_ACCEPTED);
  assert_step (steps, 2, START, A_LAUNCH, CNV_SESSION_STATUS_RUNNING);
  assert_step (steps, 3, END - 300, A_WARN, CNV_SESSION_STATUS_RUNNING);
  assert_step (steps, 4, END, A_TERMINATE | A_WITHDRAW, CNV_SESSION_STATUS_ENDED);
  g_assert_cmpint (record->launched_at, ==, START);
}

static void
test_walk_unanswered (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_NEW);
  CnvScheduleSettings settings = default_settings ();
  g_autoptr(GArray) steps = NULL;
  guint launches;

  steps = walk (record, &settings, T0, &launches);
  g_assert_cmpuint (launches, ==, 0);
  g_assert_cmpuint (steps->len, ==, 3);
  assert_step (steps, 0, T0, A_NEW, CNV_SESSION_STATUS_NEW);
  assert_step (steps, 1, START - 300, A_SOON, CNV_SESSION_STATUS_NEW);
  assert_step (steps, 2, END, A_MISSED | A_WITHDRAW, CNV_SESSION_STATUS_MISSED);
}

/* Every combination of settings and starting state: one launch at most, inside the window, a
 * termination exactly at the end of a launched session, and the second-by-second checks. */
static void
test_walk_matrix (void)
{
  gint64 join_early[] = { 0, 60, 300, 900 };
  gint64 remind[] = { 0, 300, 900 };
  gint64 warn[] = { 0, 300, 7200 };
  guint n_walks = 0;

  for (guint a = 0; a < G_N_ELEMENTS (join_early); a++)
    for (guint b = 0; b < G_N_ELEMENTS (remind); b++)
      for (guint c = 0; c < G_N_ELEMENTS (warn); c++)
        for (guint start_state = 0; start_state < 4; start_state++)
          for (guint auto_join = 0; auto_join < 2; auto_join++)
            {
              g_autoptr(CnvSessionRecord) record = make_record (start_state == 3
                                                                ? CNV_SESSION_STATUS_ACCEPTED
                                                                : CNV_SESSION_STATUS_NEW);
              CnvScheduleSettings settings = default_settings ();
              g_autoptr(GArray) steps = NULL;
              gboolean joins;
              guint launches;
              Step *last;

              record->dismissed = start_state == 1;
              /* A record received in the middle of its own session. */
              if (start_state == 2)
                record->received_at = START + 60;
              settings.join_early = join_early[a];
              settings.remind_before = remind[b];
              settings.warn_before_end = warn[c];
              settings.auto_join = auto_join;

              steps = walk (record, &settings, record->received_at, &launches);
              n_walks++;
              joins = start_state == 3 || (auto_join && start_state != 1);
              g_assert_cmpuint (launches, ==, joins ? 1 : 0);
              last = &g_array_index (steps, Step, steps->len - 1);
              g_assert_cmpint (last->at, ==, END);
              g_assert_cmpint (last->status, ==, joins ? CNV_SESSION_STATUS_ENDED
                                                       : CNV_SESSION_STATUS_MISSED);
              if (joins)
                {
                  g_assert_cmphex (last->actions, ==, A_TERMINATE | A_WITHDRAW);
                  g_assert_cmpint (record->launched_at, ==,
                                   MAX (record->received_at, START - join_early[a]));
                }
              for (guint i = 0; i < steps->len; i++)
                {
                  Step *step = &g_array_index (steps, Step, i);

                  if (step->actions & A_LAUNCH)
                    g_assert_cmpint (step->at, <, END);
                  if (step->actions & A_SOON)
                    g_assert_cmpint (step->at, ==, START - remind[b]);
                  if (step->actions & A_WARN)
                    g_assert_cmpint (step->at, ==, MAX (END - warn[c], record->launched_at));
                }
            }
  g_test_message ("%u walks", n_walks);
}

/* Updates (iTIP SEQUENCE and CANCEL) */

static CnvSessionRecord *
make_update (const CnvSessionRecord *current,
             int                     sequence,
             gint64                  start,
             gint64                  end)
{
  CnvSessionRecord *update = make_record (CNV_SESSION_STATUS_NEW);

  update->sequence = sequence;
  update->start = start;
  update->end = end;
  g_free (update->uid);
  update->uid = g_strdup (current->uid);
  return update;
}

static void
test_update_reschedule (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_ACCEPTED);
  g_autoptr(CnvSessionRecord) update = NULL;
  CnvScheduleSettings settings = default_settings ();
  const char * const people[] = { "alice@example.test", "carol@example.test", NULL };
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  CnvScheduleDecision d;

  record->sequence = 1;
  record->warned_start = TRUE;
  record->warned_end = TRUE;
  before = cnv_schedule_countdown_text (record->start, START - 240);
  g_assert_cmpstr (before, ==, "Starts in 4 min");

  /* Moved one hour later, retitled, carol instead of bob, a new link. */
  update = make_update (record, 2, START + 3600, END + 3600);
  g_free (update->title);
  update->title = g_strdup ("Weekly review (moved)");
  g_strfreev (update->participants);
  update->participants = g_strdupv ((char **) people);
  g_free (update->link);
  update->link = g_strdup ("https://join.example.test/s/s-0001?t=NEW");
  g_assert_true (cnv_schedule_apply_update (record, update));
  g_assert_cmpint (record->sequence, ==, 2);
  g_assert_cmpint (record->start, ==, START + 3600);
  g_assert_cmpint (record->end, ==, END + 3600);
  g_assert_cmpstr (record->title, ==, "Weekly review (moved)");
  g_assert_cmpstrv (record->participants, people);
  g_assert_cmpstr (record->link, ==, "https://join.example.test/s/s-0001?t=NEW");
  g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_ACCEPTED);
  g_assert_false (record->warned_start);
  g_assert_false (record->warned_end);

  /* The countdown moved; the old start launches nothing, the reminder comes again. */
  after = cnv_schedule_countdown_text (record->start, START - 240);
  g_assert_cmpstr (after, ==, "Starts in 1 h 04 min");
  d = decide (record, START, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_cmpint (d.next_wakeup, ==, START + 3600 - 300);

  /* The same SEQUENCE again, or an older one: ignored, nothing touched. */
  g_clear_pointer (&update, cnv_session_record_free);
  update = make_update (record, 2, START, END);
  g_assert_false (cnv_schedule_apply_update (record, update));
  update->sequence = 1;
  g_assert_false (cnv_schedule_apply_update (record, update));
  g_assert_cmpint (record->start, ==, START + 3600);

  /* Another UID, or times that end before they start: ignored. */
  update->sequence = 9;
  g_free (update->uid);
  update->uid = g_strdup ("other@example.test");
  g_assert_false (cnv_schedule_apply_update (record, update));
  g_free (update->uid);
  update->uid = NULL;
  g_assert_false (cnv_schedule_apply_update (record, update));
  g_free (update->uid);
  update->uid = g_strdup (record->uid);
  update->end = update->start;
  g_assert_false (cnv_schedule_apply_update (record, update));
  g_assert_cmpint (record->sequence, ==, 2);

  /* A higher SEQUENCE with the same times only changes the details; the flags stay. */
  record->warned_start = TRUE;
  g_clear_pointer (&update, cnv_session_record_free);
  update = make_update (record, 3, record->start, record->end);
  g_clear_pointer (&update->link, g_free);
  g_clear_pointer (&update->participants, g_strfreev);
  g_assert_true (cnv_schedule_apply_update (record, update));
  g_assert_true (record->warned_start);
  g_assert_cmpstr (record->link, ==, "https://join.example.test/s/s-0001?t=NEW");
  g_assert_cmpstrv (record->participants, people);
}

static void
test_update_new_dismissed (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_NEW);
  g_autoptr(CnvSessionRecord) update = NULL;

  record->dismissed = TRUE;
  update = make_update (record, 1, START + 86400, END + 86400);
  g_assert_true (cnv_schedule_apply_update (record, update));
  g_assert_false (record->dismissed);
  g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_NEW);
}

static void
test_update_running_moved (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_RUNNING);
  g_autoptr(CnvSessionRecord) update = NULL;
  CnvScheduleSettings settings = default_settings ();
  g_autoptr(GArray) steps = NULL;
  CnvScheduleDecision d;
  guint launches;

  record->launched_at = START;
  record->launch_count = 1;
  record->warned_start = TRUE;
  settings.program_alive = TRUE;

  /* At 13:20 the session is moved to tomorrow: terminated now, waiting again. */
  update = make_update (record, 1, START + 86400, END + 86400);
  g_assert_true (cnv_schedule_apply_update (record, update));
  g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_RUNNING);
  d = decide (record, START + 1200, &settings);
  g_assert_cmphex (d.actions, ==, A_TERMINATE);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_ACCEPTED);
  g_assert_cmpint (d.kill_at, ==, START + 1200 + 10);
  g_assert_cmpint (d.next_wakeup, ==, START + 86400 - 300);

  /* ... and launched once tomorrow, closed at the new end. */
  steps = walk (record, &settings, START + 1200, &launches);
  g_assert_cmpuint (launches, ==, 1);
  g_assert_cmpint (record->launched_at, ==, START + 86400);
  g_assert_cmpint (record->launch_count, ==, 2);
  assert_step (steps, steps->len - 1, END + 86400, A_TERMINATE | A_WITHDRAW,
               CNV_SESSION_STATUS_ENDED);
}

static void
test_update_running_end_moved (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_RUNNING);
  g_autoptr(CnvSessionRecord) update = NULL;
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  record->launched_at = START;
  record->warned_start = TRUE;
  record->warned_end = TRUE;
  settings.program_alive = TRUE;

  /* Extended by 30 min at 13:56: keeps running, warned again before the new end. */
  update = make_update (record, 1, START, END + 1800);
  g_assert_true (cnv_schedule_apply_update (record, update));
  g_assert_true (record->warned_start);
  g_assert_false (record->warned_end);
  d = decide (record, END - 240, &settings);
  g_assert_cmphex (d.actions, ==, 0);
  g_assert_cmpint (d.next_wakeup, ==, END + 1800 - 300);

  /* Shortened to end at 13:30, learnt at 13:40: closed now. */
  g_clear_pointer (&update, cnv_session_record_free);
  update = make_update (record, 2, START, START + 1800);
  g_assert_true (cnv_schedule_apply_update (record, update));
  d = decide (record, START + 2400, &settings);
  g_assert_cmphex (d.actions, ==, A_TERMINATE | A_WITHDRAW);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_ENDED);
}

static void
test_update_after_the_end (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_ENDED);
  g_autoptr(CnvSessionRecord) update = NULL;
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  /* Extended after it was closed: the relaunch is offered, not done. */
  record->launched_at = START;
  record->launch_count = 1;
  update = make_update (record, 1, START, END + 1800);
  g_assert_true (cnv_schedule_apply_update (record, update));
  g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_ACCEPTED);
  d = decide (record, END + 60, &settings);
  g_assert_cmphex (d.actions, ==, A_RELAUNCH);
  g_assert_cmpint (d.status, ==, CNV_SESSION_STATUS_RUNNING);

  /* A missed one moved to tomorrow is asked again. */
  record->status = CNV_SESSION_STATUS_MISSED;
  record->dismissed = TRUE;
  g_clear_pointer (&update, cnv_session_record_free);
  update = make_update (record, 2, START + 86400, END + 86400);
  g_assert_true (cnv_schedule_apply_update (record, update));
  g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_NEW);
  g_assert_false (record->dismissed);
  d = decide (record, END + 60, &settings);
  g_assert_cmphex (d.actions, ==, A_NEW);

  /* A missed one whose details change only stays missed. */
  record->status = CNV_SESSION_STATUS_MISSED;
  g_clear_pointer (&update, cnv_session_record_free);
  update = make_update (record, 3, record->start, record->end);
  g_assert_true (cnv_schedule_apply_update (record, update));
  g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_MISSED);
}

static void
test_cancel (void)
{
  g_autoptr(CnvSessionRecord) record = make_record (CNV_SESSION_STATUS_RUNNING);
  g_autoptr(CnvSessionRecord) cancel = NULL;
  g_autoptr(CnvSessionRecord) reinstate = NULL;
  CnvScheduleSettings settings = default_settings ();
  CnvScheduleDecision d;

  record->sequence = 2;
  record->launched_at = START;
  settings.program_alive = TRUE;

  /* An older cancel is stale. */
  cancel = make_update (record, 1, START, END);
  cancel->status = CNV_SESSION_STATUS_CANCELLED;
  g_assert_false (cnv_schedule_apply_update (record, cancel));
  g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_RUNNING);

  /* The same SEQUENCE cancels, while running: terminated, withdrawn. */
  cancel->sequence = 2;
  g_assert_true (cnv_schedule_apply_update (record, cancel));
  g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_CANCELLED);
  d = decide (record, START + 600, &settings);
  g_assert_cmphex (d.actions, ==, A_TERMINATE | A_WITHDRAW);
  g_assert_cmpint (d.kill_at, ==, START + 610);
  g_assert_cmpint (d.next_wakeup, ==, G_MAXINT64);

  /* Cancelled twice, or after the end: ignored. */
  cancel->sequence = 3;
  g_assert_false (cnv_schedule_apply_update (record, cancel));
  record->status = CNV_SESSION_STATUS_ENDED;
  g_assert_false (cnv_schedule_apply_update (record, cancel));
  record->status = CNV_SESSION_STATUS_MISSED;
  g_assert_false (cnv_schedule_apply_update (record, cancel));
  g_assert_cmpint (record->sequence, ==, 2);

  /* A waiting one is withdrawn and never launched. */
  record->status = CNV_SESSION_STATUS_ACCEPTED;
  record->launched_at = 0;
  settings.program_alive = FALSE;
  g_assert_true (cnv_schedule_apply_update (record, cancel));
  d = decide (record, START, &settings);
  g_assert_cmphex (d.actions, ==, A_WITHDRAW);

  /* A higher SEQUENCE REQUEST reinstates it: asked again. */
  reinstate = make_update (record, 4, START + 3600, END + 3600);
  g_assert_true (cnv_schedule_apply_update (record, reinstate));
  g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_NEW);
  d = decide (record, START, &settings);
  g_assert_cmphex (d.actions, ==, A_NEW);
}

/* The countdown */

static void
test_countdown (void)
{
  struct { gint64 start, now; const char *text; } cases[] = {
    { START, START - (2 * 3600 + 5 * 60), "Starts in 2 h 05 min" },
    { START, START - (2 * 3600 + 5 * 60 + 59), "Starts in 2 h 05 min" },
    { START, START - 45, "Starts in 45 s" },
    { START, START - 1, "Starts in 1 s" },
    { START, START - 59, "Starts in 59 s" },
    { START, START - 60, "Starts in 1 min" },
    { START, START - 3599, "Starts in 59 min" },
    { START, START - 3600, "Starts in 1 h 00 min" },
    { START, START - 86399, "Starts in 23 h 59 min" },
    { START, START - (3 * 86400 + 4 * 3600 + 1), "Starts in 3 d 04 h" },
    { START, START, "Starting now" },
    { START, START + 1, "Started 1 s ago" },
    { START, START + 3 * 60, "Started 3 min ago" },
    { START, START + 3 * 60 + 59, "Started 3 min ago" },
    { START, START + 3600 + 60, "Started 1 h 01 min ago" },
    { START, START + 86400, "Started 1 d 00 h ago" },
    { G_MAXINT64, G_MININT64, "Starts in 999999 d 07 h" },
    { G_MININT64, G_MAXINT64, "Started 999999 d 07 h ago" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = cnv_schedule_countdown_text (cases[i].start, cases[i].now);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/session-schedule/record/status-strings", test_record_status_strings);
  g_test_add_func ("/app/session-schedule/record/copy", test_record_copy);
  g_test_add_func ("/app/session-schedule/new/notify", test_new_notify);
  g_test_add_func ("/app/session-schedule/new/dismissed", test_new_dismissed);
  g_test_add_func ("/app/session-schedule/new/auto-join", test_new_auto_join);
  g_test_add_func ("/app/session-schedule/accepted/launch-boundaries",
                   test_accepted_launch_boundaries);
  g_test_add_func ("/app/session-schedule/accepted/join-early-covers-reminder",
                   test_accepted_join_early_covers_reminder);
  g_test_add_func ("/app/session-schedule/accepted/never-twice", test_accepted_never_twice);
  g_test_add_func ("/app/session-schedule/running/warn-and-terminate",
                   test_running_warn_and_terminate);
  g_test_add_func ("/app/session-schedule/running/program-died", test_running_program_died);
  g_test_add_func ("/app/session-schedule/final-states", test_final_states);
  g_test_add_func ("/app/session-schedule/suspend/running", test_suspend_running);
  g_test_add_func ("/app/session-schedule/suspend/accepted", test_suspend_accepted);
  g_test_add_func ("/app/session-schedule/clock-backwards", test_clock_backwards);
  g_test_add_func ("/app/session-schedule/settings/disabled-and-hostile",
                   test_settings_disabled_and_hostile);
  g_test_add_func ("/app/session-schedule/walk/joined", test_walk_joined);
  g_test_add_func ("/app/session-schedule/walk/unanswered", test_walk_unanswered);
  g_test_add_func ("/app/session-schedule/walk/matrix", test_walk_matrix);
  g_test_add_func ("/app/session-schedule/update/reschedule", test_update_reschedule);
  g_test_add_func ("/app/session-schedule/update/new-dismissed", test_update_new_dismissed);
  g_test_add_func ("/app/session-schedule/update/running-moved", test_update_running_moved);
  g_test_add_func ("/app/session-schedule/update/running-end-moved",
                   test_update_running_end_moved);
  g_test_add_func ("/app/session-schedule/update/after-the-end", test_update_after_the_end);
  g_test_add_func ("/app/session-schedule/update/cancel", test_cancel);
  g_test_add_func ("/app/session-schedule/countdown", test_countdown);

  return g_test_run ();
}
