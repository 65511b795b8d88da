/* cnv-window.h — the main window: the user's sessions, or an invitation to start one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cnv-application.h"

G_BEGIN_DECLS

#define CNV_TYPE_WINDOW (cnv_window_get_type ())

G_DECLARE_FINAL_TYPE (CnvWindow, cnv_window, CNV, WINDOW, AdwApplicationWindow)

CnvWindow *cnv_window_new          (CnvApplication *application);
/**
 * cnv_window_set_sessions:
 * @sessions: (nullable): a list of GObjects with the string properties "title" and "subtitle",
 *   and optionally "status" ("active", "upcoming" or "past"; "upcoming" when absent),
 *   "icon-name", and "session-id" with the booleans "can-join", "can-relaunch", "can-leave"
 *   (a #CnvSessionList)
 *
 * Shows the sessions in three sections, Active, Upcoming and Past; the empty state when
 * @sessions is NULL or empty. A row with a session id opens its join prompt (app.show-session)
 * and has a Join, Relaunch or Leave button (app.join, app.relaunch, app.leave).
 */
void       cnv_window_set_sessions (CnvWindow      *self,
                                    GListModel     *sessions);
void       cnv_window_add_toast    (CnvWindow      *self,
                                    AdwToast       *toast);

G_END_DECLS
