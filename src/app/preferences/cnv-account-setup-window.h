/* cnv-account-setup-window.h — the first-run window: "Welcome to Convene" and the account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cnv-application.h"

G_BEGIN_DECLS

#define CNV_TYPE_ACCOUNT_SETUP_WINDOW (cnv_account_setup_window_get_type ())

G_DECLARE_FINAL_TYPE (CnvAccountSetupWindow, cnv_account_setup_window, CNV, ACCOUNT_SETUP_WINDOW,
                      AdwWindow)

/* Signal "finished": the connection worked and the account is saved (with default session
 * types when there were none); emitted just before the window closes. */
CnvAccountSetupWindow *cnv_account_setup_window_new (CnvApplication *application);

G_END_DECLS
