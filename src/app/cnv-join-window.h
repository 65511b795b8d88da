/* cnv-join-window.h — the join prompt: one invitation, and Join / Not Now (E451–E453)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cnv-application.h"

G_BEGIN_DECLS

#define CNV_TYPE_JOIN_WINDOW (cnv_join_window_get_type ())

G_DECLARE_FINAL_TYPE (CnvJoinWindow, cnv_join_window, CNV, JOIN_WINDOW, AdwWindow)

/* The prompt of @session_id, which the application's session list knows. */
CnvJoinWindow *cnv_join_window_new            (CnvApplication *application,
                                               const char     *session_id);
const char    *cnv_join_window_get_session_id (CnvJoinWindow  *self);

G_END_DECLS
