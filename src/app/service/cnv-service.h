/* cnv-service.h — Convene's background service: the app id's owner on the session bus (issue 6)
 *
 * A GIO-only GApplication (DESIGN.md "Two processes, one app"): it watches the INBOX for
 * invitations, keeps the session runner's timers, sends the notifications and answers their
 * actions, and starts the GTK UI (`convene`) when a window is needed.
 *
 * Actions (app id io.github.convene.Convene, object path /io/github/convene/Convene):
 *   join, dismiss, relaunch, leave (s: session id) — the user's answers, to the runner;
 *   show-session (s), show-sessions, new-session, preferences — start the UI
 *     ($CONVENE_UI or BINDIR/convene with --session ID, nothing, --new-session, --preferences);
 *   quit. Activating the app is show-sessions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CNV_TYPE_SERVICE (cnv_service_get_type ())
G_DECLARE_FINAL_TYPE (CnvService, cnv_service, CNV, SERVICE, GApplication)

CnvService *cnv_service_new (void);

G_END_DECLS
