/* cnv-session-runner-private.h — what the session runner's files share
 *
 * cnv-session-runner.c: the object, the deciding passes and the one timer, the start and the
 * shutdown; cnv-session-runner-launch.c: the program (the gateway check, the claim, the launch,
 * the close, and a previous run's program found again); cnv-session-runner-answers.c: the user's
 * answers (join, dismiss, relaunch, leave). Internal to the app's core: the public contract is
 * cnv-session-runner.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-launcher.h"
#include "cnv-session-runner.h"

G_BEGIN_DECLS

typedef enum
{
  CLOSE_END,
  CLOSE_LEAVE,
  CLOSE_MOVED,
  CLOSE_CANCELLED,
  CLOSE_QUIET,          /* what remains of an exited program before a relaunch: no event */
} CloseReason;

/* What the runner knows about one session beyond its record. */
typedef struct
{
  CnvSessionRunner *runner;             /* not owned */
  char             *session_id;

  CnvLauncher      *launcher;           /* this runner's launch, or NULL */
  gulong            exited_id;

  gboolean          notified_new;       /* NEW was emitted (once per record and runner) */
  gboolean          withdrawn;          /* WITHDRAW was emitted for its final status */
  gboolean          exit_reported;      /* PROGRAM_EXITED was emitted for this exit */
  gboolean          scheduled_reported; /* NOT_LAUNCHED for a "scheduled" answer */
  gboolean          forbidden;          /* no more checks: 403, or no usable link */
  gboolean          want_launch;        /* a relaunch asked by the user, not done yet */

  gboolean          checking;           /* a gateway check in flight */
  gboolean          launching;          /* claimed, the program being started */
  gint64            retry_at;           /* clock time before which no check (0: none) */
  guint             backoff;            /* the next retry delay after an error, seconds */

  gboolean          adopted;            /* a previous run's program was found alive at start */
  gboolean          closing;            /* a close in flight */
  CloseReason       close_reason;
  gint32            close_pgid;         /* a previous run's group being closed by hand */
  guint             close_poll_id;
  gint64            close_kill_at;      /* monotonic µs */
  gint64            close_give_up_at;   /* monotonic µs, after SIGKILL */
  gboolean          close_killed;
} Tracked;

struct _CnvSessionRunner
{
  GObject              parent_instance;

  /* Owned */
  CnvSessionStore     *store;
  CnvGatewayClient    *gateway;
  GPtrArray           *session_types;   /* CnvSessionTypeEntry */
  GStrv                auto_join;
  char                *proc_root;
  GHashTable          *tracked;         /* session id → Tracked */
  GCancellable        *cancellable;

  CnvRunnerClock       clock;
  gpointer             clock_data;
  GDestroyNotify       clock_destroy;

  CnvScheduleSettings  settings;

  guint                timer_id;        /* with a test's clock, or without a timerfd */
  int                  wall_fd;         /* the real clock's timer (timerfd), -1: none yet */
  guint                wall_source_id;
  gint64               next_wakeup;     /* what the timer is armed for, 0: none */
  gboolean             started;
  gboolean             shutting_down;
  gboolean             has_pending;
  gboolean             deciding;
  gboolean             decide_again;
};

static inline gboolean
cnv_runner_is_final (CnvSessionStatus status)
{
  return status == CNV_SESSION_STATUS_ENDED
         || status == CNV_SESSION_STATUS_MISSED
         || status == CNV_SESSION_STATUS_CANCELLED;
}

/* The object, deciding (cnv-session-runner.c) */
gint64            cnv_runner_now                  (CnvSessionRunner       *self);
gboolean          cnv_runner_reveals_link         (const char             *text,
                                                   const char             *link);
void              cnv_runner_emit_event           (CnvSessionRunner       *self,
                                                   CnvRunnerEvent          event,
                                                   const CnvSessionRecord *record,
                                                   const char             *detail);
void              cnv_runner_emit_changed         (CnvSessionRunner       *self);
CnvSessionRecord *cnv_runner_reload               (CnvSessionRunner       *self,
                                                   const char             *session_id);
gboolean          cnv_runner_write_status         (CnvSessionRunner       *self,
                                                   const char             *session_id,
                                                   CnvSessionStatus        status);
gboolean          cnv_runner_is_auto_join         (CnvSessionRunner       *self,
                                                   const CnvSessionRecord *record);
Tracked          *cnv_runner_track                (CnvSessionRunner       *self,
                                                   const char             *session_id);
void              cnv_runner_drop_launcher        (Tracked                *tracked);
void              cnv_runner_decide_all           (CnvSessionRunner       *self);

/* The program (cnv-session-runner-launch.c) */
guint             cnv_runner_grace_seconds        (CnvSessionRunner       *self);
gboolean          cnv_runner_recorded_alive       (CnvSessionRunner       *self,
                                                   const CnvSessionRecord *record);
gboolean          cnv_runner_program_alive        (CnvSessionRunner       *self,
                                                   Tracked                *tracked,
                                                   const CnvSessionRecord *record);
gboolean          cnv_runner_program_known_exited (CnvSessionRunner       *self,
                                                   Tracked                *tracked,
                                                   const CnvSessionRecord *record);
gboolean          cnv_runner_program_known_alive  (CnvSessionRunner       *self,
                                                   Tracked                *tracked,
                                                   const CnvSessionRecord *record);
void              cnv_runner_maybe_check          (CnvSessionRunner       *self,
                                                   Tracked                *tracked,
                                                   const CnvSessionRecord *record,
                                                   gint64                  now);
void              cnv_runner_close_program        (CnvSessionRunner       *self,
                                                   Tracked                *tracked,
                                                   const CnvSessionRecord *record,
                                                   CloseReason             reason);

G_END_DECLS
