/* cnv-session-record.h — one received invitation and what the app did with it (Fig 4b, issue 6)
 *
 * Shared by the store (cnv-session-store: persisted), the schedule (cnv-session-schedule: the pure
 * decisions over a clock) and the background service and UI that show and act on it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * CnvSessionStatus:
 * @CNV_SESSION_STATUS_NEW: received, not answered (the notification offers Join)
 * @CNV_SESSION_STATUS_ACCEPTED: Join pressed (or auto-join); waiting for the start (E453)
 * @CNV_SESSION_STATUS_RUNNING: the collaboration program was launched and the session lasts (E455)
 * @CNV_SESSION_STATUS_ENDED: it ran and was closed at the end (E458)
 * @CNV_SESSION_STATUS_MISSED: it ended without being joined (or was dismissed before the end)
 * @CNV_SESSION_STATUS_CANCELLED: METHOD:CANCEL arrived (or the gateway said 410 before a launch)
 */
typedef enum
{
  CNV_SESSION_STATUS_NEW,
  CNV_SESSION_STATUS_ACCEPTED,
  CNV_SESSION_STATUS_RUNNING,
  CNV_SESSION_STATUS_ENDED,
  CNV_SESSION_STATUS_MISSED,
  CNV_SESSION_STATUS_CANCELLED,
} CnvSessionStatus;

/**
 * CnvSessionRecord:
 * @session_id: the manager's session id (X-Convene-Session), the key
 * @uid: the iCalendar UID; @sequence: its SEQUENCE (a higher one reschedules)
 * @session_type: the type's name; @manager_address: who sent the invitation (normalised)
 * @title, @organizer: as in the invitation; @participants: NULL-terminated addresses
 * @link: the personal join link (https://HOST/s/ID?t=TOKEN: it IS the credential — never logged)
 * @start, @end: unix seconds, UTC
 * @status: see #CnvSessionStatus
 * @dismissed: the user pressed Dismiss / Not now (no more notifications, still listed)
 * @received_at: when the invitation arrived (unix seconds)
 * @launched_at: when the program was last launched, 0 = never
 * @launch_count: how many launches (a relaunch inside the window after a crash counts)
 * @warned_start, @warned_end: the "starts soon" / "ends in N minutes" notifications were sent
 * @launch_pgid: the process group the last launch started (its leader's pid), 0 = none known
 *   (not launched, launched as an application or in the browser, or not recorded yet)
 * @launch_boot_id: /proc/sys/kernel/random/boot_id when it was launched: after a reboot the
 *   group id means nothing
 * @launch_start_ticks: field 22 (starttime, clock ticks after boot) of /proc/PGID/stat of the
 *   group leader at launch: with @launch_boot_id, what tells the program we launched from a later
 *   process that was given the same pid
 *
 * The three launch_ fields let a service restarted after kill -9 still close, at the session's
 * end, the program it launched before: see cnv_session_record_launch_is_alive().
 */
typedef struct
{
  char             *session_id;
  char             *uid;
  int               sequence;
  char             *session_type;
  char             *manager_address;
  char             *title;
  char             *organizer;
  char            **participants;
  char             *link;
  gint64            start;
  gint64            end;
  CnvSessionStatus  status;
  gboolean          dismissed;
  gint64            received_at;
  gint64            launched_at;
  guint             launch_count;
  gboolean          warned_start;
  gboolean          warned_end;
  gint32            launch_pgid;
  char             *launch_boot_id;
  guint64           launch_start_ticks;
} CnvSessionRecord;

#define CNV_TYPE_SESSION_RECORD (cnv_session_record_get_type ())

GType             cnv_session_record_get_type   (void) G_GNUC_CONST;
CnvSessionRecord *cnv_session_record_new        (void);
CnvSessionRecord *cnv_session_record_copy       (const CnvSessionRecord *self);
void              cnv_session_record_free       (CnvSessionRecord       *self);
const char       *cnv_session_status_to_string  (CnvSessionStatus        status);
gboolean          cnv_session_status_from_string (const char            *text,
                                                  CnvSessionStatus      *status);

gboolean          cnv_session_record_read_process (const char           *proc_root,
                                                   gint32                pid,
                                                   char                **boot_id,
                                                   guint64              *start_ticks,
                                                   gint32               *pgrp,
                                                   GError              **error);
gboolean          cnv_session_record_launch_is_alive (const CnvSessionRecord *self,
                                                      const char             *proc_root);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvSessionRecord, cnv_session_record_free)

G_END_DECLS
