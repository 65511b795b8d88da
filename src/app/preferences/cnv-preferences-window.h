/* cnv-preferences-window.h — Preferences: the account, the session types, new sessions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cnv-application.h"

G_BEGIN_DECLS

#define CNV_TYPE_PREFERENCES_WINDOW (cnv_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (CnvPreferencesWindow, cnv_preferences_window, CNV, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

CnvPreferencesWindow *cnv_preferences_window_new (CnvApplication *application);

G_END_DECLS
