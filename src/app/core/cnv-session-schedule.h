/* cnv-session-schedule.h — when to notify, launch, warn and close a session (Fig 4b, E451–E458)
 *
 * The background service's decisions as pure functions of a record, the time and the settings:
 * no clock, no timer, no I/O. The service applies the decision, then arms ONE timer at the
 * earliest next_wakeup over its records, and decides again when it fires, on resume from
 * suspend, at startup and whenever a record changes. The rules are in cnv-session-schedule.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cnv-session-record.h"

G_BEGIN_DECLS

/**
 * CnvScheduleAction:
 * @CNV_SCHEDULE_ACTION_NOTIFY_NEW: show the invitation's notification (Join / Dismiss); its id
 *   is the session id, so sending it again replaces it and never stacks
 * @CNV_SCHEDULE_ACTION_NOTIFY_STARTS_SOON: the "starts soon" notification (same id)
 * @CNV_SCHEDULE_ACTION_CHECK_GATEWAY_THEN_LAUNCH: ask the join gateway; launch only if active
 * @CNV_SCHEDULE_ACTION_RELAUNCH_OFFERED: the program died while the session lasts: the prompt
 *   and the session list offer a relaunch (never done automatically)
 * @CNV_SCHEDULE_ACTION_WARN_END: the "ends in N minutes" notification (same id)
 * @CNV_SCHEDULE_ACTION_TERMINATE: SIGTERM to the program's process group now, SIGKILL at
 *   kill_at if it is still there
 * @CNV_SCHEDULE_ACTION_MARK_MISSED: it ended without a launch
 * @CNV_SCHEDULE_ACTION_WITHDRAW_NOTIFICATION: withdraw the session's notification (idempotent)
 */
typedef enum
{
  CNV_SCHEDULE_ACTION_NONE = 0,
  CNV_SCHEDULE_ACTION_NOTIFY_NEW = 1 << 0,
  CNV_SCHEDULE_ACTION_NOTIFY_STARTS_SOON = 1 << 1,
  CNV_SCHEDULE_ACTION_CHECK_GATEWAY_THEN_LAUNCH = 1 << 2,
  CNV_SCHEDULE_ACTION_RELAUNCH_OFFERED = 1 << 3,
  CNV_SCHEDULE_ACTION_WARN_END = 1 << 4,
  CNV_SCHEDULE_ACTION_TERMINATE = 1 << 5,
  CNV_SCHEDULE_ACTION_MARK_MISSED = 1 << 6,
  CNV_SCHEDULE_ACTION_WITHDRAW_NOTIFICATION = 1 << 7,
} CnvScheduleAction;

#define CNV_SCHEDULE_DEFAULT_REMIND_BEFORE   (5 * 60)
#define CNV_SCHEDULE_DEFAULT_WARN_BEFORE_END (5 * 60)
#define CNV_SCHEDULE_DEFAULT_GRACE           10
/* Longer settings are clamped to this (a week): it keeps the arithmetic far from overflow. */
#define CNV_SCHEDULE_MAX_SETTING             (7 * 24 * 3600)

/**
 * CnvScheduleSettings:
 * @join_early: seconds before the start a launch may happen (0 = at the start)
 * @remind_before: seconds before the start of the "starts soon" notification (0 = none)
 * @warn_before_end: seconds before the end of the "ends in N minutes" warning (0 = none)
 * @grace: seconds between SIGTERM and SIGKILL
 * @auto_join: auto-join is on for the record's manager address (issue 6 item 7)
 * @program_alive: the process group the launcher started for this record, and still tracks,
 *   has a member (FALSE when nothing was launched or the launcher lost track of it)
 *
 * Negative values count as 0, values above %CNV_SCHEDULE_MAX_SETTING as that.
 */
typedef struct
{
  gint64   join_early;
  gint64   remind_before;
  gint64   warn_before_end;
  gint64   grace;
  gboolean auto_join;
  gboolean program_alive;
} CnvScheduleSettings;

/**
 * CnvScheduleDecision:
 * @actions: the #CnvScheduleAction flags due now
 * @status_changed: the record moves to @status
 * @status: the record's status after the decision (its current one when unchanged)
 * @set_warned_start, @set_warned_end: set these flags of the record to TRUE
 * @kill_at: with %CNV_SCHEDULE_ACTION_TERMINATE: now + grace, when SIGKILL follows; else 0
 * @next_wakeup: the earliest time after now at which the decision could change (unix seconds),
 *   %G_MAXINT64 when nothing is pending; always > now
 */
typedef struct
{
  CnvScheduleAction actions;
  gboolean          status_changed;
  CnvSessionStatus  status;
  gboolean          set_warned_start;
  gboolean          set_warned_end;
  gint64            kill_at;
  gint64            next_wakeup;
} CnvScheduleDecision;

void      cnv_schedule_settings_init      (CnvScheduleSettings       *settings);

void      cnv_schedule_decide             (const CnvSessionRecord    *record,
                                           gint64                     now,
                                           const CnvScheduleSettings *settings,
                                           CnvScheduleDecision       *decision);

/* Writes the decision's status and warned flags into @record (what the service stores). */
void      cnv_schedule_decision_apply     (const CnvScheduleDecision *decision,
                                           CnvSessionRecord          *record);

/* "Starts in 2 h 05 min", "Starts in 45 s", "Started 3 min ago" (translated). */
char     *cnv_schedule_countdown_text     (gint64                     start,
                                           gint64                     now);

/* Merges a newer invitation (a REQUEST with a higher SEQUENCE, or a CANCEL: @incoming's status
 * CANCELLED) into @current. FALSE, and @current untouched, when it is ignored. */
gboolean  cnv_schedule_apply_update       (CnvSessionRecord          *current,
                                           const CnvSessionRecord    *incoming);

G_END_DECLS
