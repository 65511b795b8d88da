/* cnv-session-runner.h — the timers, the launches and the closing of the user's sessions (E451–E458)
 *
 * The runner is the part of the background service that acts on time. It keeps the records of
 * the CnvSessionStore, asks cnv_schedule_decide() what each one needs now, and does it: emits an
 * event for the notifications, asks the join gateway before a launch (CnvGatewayClient), claims the
 * launch in the store (a session never runs twice, even across a crash of the service), starts the
 * session type's program (CnvLauncher) and records its process group, and closes it at the end
 * (SIGTERM, SIGKILL after the grace period) — also a program that a previous run of the service
 * started (found again by its process group, boot id and start time). One timer only, armed for
 * the earliest next_wakeup of all records: no wake-up while nothing is due.
 *
 * Time comes from a clock function (Unix seconds) that tests replace; the timer is re-armed
 * after every change and by cnv_session_runner_reschedule() (after a resume from suspend, an
 * intake, a settings change).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-app-settings.h"
#include "cnv-gateway-client.h"
#include "cnv-session-schedule.h"
#include "cnv-session-store.h"

G_BEGIN_DECLS

#define CNV_SESSION_RUNNER_ERROR (cnv_session_runner_error_quark ())

typedef enum
{
  CNV_SESSION_RUNNER_ERROR_NOT_FOUND,     /* no such session */
  CNV_SESSION_RUNNER_ERROR_OVER,          /* it ended, was cancelled or missed */
  CNV_SESSION_RUNNER_ERROR_RUNNING,       /* relaunch asked while its program runs */
  CNV_SESSION_RUNNER_ERROR_NOT_RUNNING,   /* relaunch or leave of a session not launched */
  CNV_SESSION_RUNNER_ERROR_FAILED,        /* the store failed */
} CnvSessionRunnerError;

/* What happened, for the notifications and the log. Every event comes with the record as it is
 * stored after it. */
typedef enum
{
  CNV_RUNNER_EVENT_NEW,             /* an invitation to offer (once per record and process) */
  CNV_RUNNER_EVENT_STARTS_SOON,     /* a joined session starts in remind_before */
  CNV_RUNNER_EVENT_LAUNCHED,        /* its program was started */
  CNV_RUNNER_EVENT_LAUNCH_FAILED,   /* it could not be started (detail: why, for the user) */
  CNV_RUNNER_EVENT_NOT_LAUNCHED,    /* the gateway said it is not open: moved, cancelled, ended,
                                     * or the link opens nothing (detail: which) */
  CNV_RUNNER_EVENT_PROGRAM_EXITED,  /* its program ended before the session: relaunch offered */
  CNV_RUNNER_EVENT_ENDS_SOON,       /* warn_before_end before the end of a running session */
  CNV_RUNNER_EVENT_CLOSED,          /* closed at the end (or left by the user) */
  CNV_RUNNER_EVENT_CANNOT_CLOSE,    /* ended, but its program (a browser tab) cannot be closed */
  CNV_RUNNER_EVENT_MISSED,          /* ended without being joined */
  CNV_RUNNER_EVENT_WITHDRAW,        /* its notifications are to be withdrawn (cancelled, dismissed,
                                     * over) */
} CnvRunnerEvent;

typedef gint64 (*CnvRunnerClock) (gpointer user_data);

#define CNV_TYPE_SESSION_RUNNER (cnv_session_runner_get_type ())
G_DECLARE_FINAL_TYPE (CnvSessionRunner, cnv_session_runner, CNV, SESSION_RUNNER, GObject)

GQuark            cnv_session_runner_error_quark   (void);
const char       *cnv_runner_event_to_string       (CnvRunnerEvent           event);

CnvSessionRunner *cnv_session_runner_new            (CnvSessionStore         *store,
                                                     CnvGatewayClient        *gateway);

/* Tests: the time (default: g_get_real_time () / G_USEC_PER_SEC), and where /proc is. */
void              cnv_session_runner_set_clock      (CnvSessionRunner        *self,
                                                     CnvRunnerClock           clock,
                                                     gpointer                 user_data,
                                                     GDestroyNotify           destroy);
void              cnv_session_runner_set_proc_root  (CnvSessionRunner        *self,
                                                     const char              *proc_root);

/* join_early, remind_before, warn_before_end and grace (auto_join and program_alive are the
 * runner's own, per record). */
void              cnv_session_runner_set_settings   (CnvSessionRunner        *self,
                                                     const CnvScheduleSettings *settings);
/* CnvSessionTypeEntry array (copied): what to launch for each manager address. */
void              cnv_session_runner_set_session_types (CnvSessionRunner     *self,
                                                     GPtrArray               *entries);
/* The manager addresses whose sessions are joined without asking. */
void              cnv_session_runner_set_auto_join  (CnvSessionRunner        *self,
                                                     const char * const      *manager_addresses);

/* Loads the store, finds the programs a previous run launched, and arms the timer. */
gboolean          cnv_session_runner_start          (CnvSessionRunner        *self,
                                                     GError                 **error);
/* Decides again for every record now (after an intake, a resume, a settings change). */
void              cnv_session_runner_reschedule     (CnvSessionRunner        *self);

/* The user's answers. join: NEW → ACCEPTED (launched at once when it has started); dismiss:
 * no more notifications for it (it stays in the list, and can still be joined); relaunch: its
 * program exited early and the session lasts; leave: close its program now. */
gboolean          cnv_session_runner_join           (CnvSessionRunner        *self,
                                                     const char              *session_id,
                                                     GError                 **error);
gboolean          cnv_session_runner_dismiss        (CnvSessionRunner        *self,
                                                     const char              *session_id,
                                                     GError                 **error);
gboolean          cnv_session_runner_relaunch       (CnvSessionRunner        *self,
                                                     const char              *session_id,
                                                     GError                 **error);
gboolean          cnv_session_runner_leave          (CnvSessionRunner        *self,
                                                     const char              *session_id,
                                                     GError                 **error);

/* Whether some session is joined and not over (the service stays up for it), and the time the
 * timer is armed for (0: none). */
gboolean          cnv_session_runner_has_pending    (CnvSessionRunner        *self);
gint64            cnv_session_runner_get_next_wakeup (CnvSessionRunner       *self);

/* Waits for the launches and closes in flight (at most @timeout_ms), for a clean exit. */
void              cnv_session_runner_shutdown       (CnvSessionRunner        *self,
                                                     guint                    timeout_ms);

G_END_DECLS

/* Signals:
 *   ::event (CnvRunnerEvent event, CnvSessionRecord *record, const char *detail)
 *       detail: NULL or one translated sentence for the user (no link, no credential).
 *   ::changed () — some record changed (the UI and the hold logic look again). */
