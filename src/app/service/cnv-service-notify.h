/* cnv-service-notify.h — the notifications of the background service (E451–E458)
 *
 * One GNotification per session, with the id "session-ID": each event of the session runner
 * replaces the one before, and withdrawing it clears what the user still sees. Buttons and
 * default actions are the service's own actions (app.*), which every GNotification backend can
 * activate: freedesktop while the service runs, gtk and portal also by D-Bus activation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-app-settings.h"
#include "cnv-session-record.h"
#include "cnv-session-runner.h"

G_BEGIN_DECLS

/* "session-" followed by the session id. */
char          *cnv_service_notification_id  (const char             *session_id);

/* The notification for @event, or %NULL when the event withdraws it (CLOSED, MISSED, WITHDRAW).
 * @type: the session type of the record's manager address, or %NULL; @detail: the runner's
 * sentence for the user, or %NULL; @now: Unix seconds. Nothing in it holds the link. */
GNotification *cnv_service_notification_new (CnvRunnerEvent          event,
                                             const CnvSessionRecord *record,
                                             const CnvSessionTypeEntry *type,
                                             const char             *detail,
                                             gint64                  now);

/* The start time in the user's time zone: "Today, 14:30", "Tomorrow, 09:00", "Mon 3 Mar, 10:15". */
char          *cnv_service_format_start     (gint64                  start,
                                             gint64                  now);

G_END_DECLS
