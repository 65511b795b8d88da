/* cnv-composer-window.h — the composer of Fig 4a (E400–E406)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cnv-application.h"

G_BEGIN_DECLS

#define CNV_TYPE_COMPOSER_WINDOW (cnv_composer_window_get_type ())

G_DECLARE_FINAL_TYPE (CnvComposerWindow, cnv_composer_window, CNV, COMPOSER_WINDOW, AdwWindow)

/* A new, empty composer. Signal "request-sent" (const char *summary): emitted once the server
 * accepted the request, just before the window closes; @summary is a translated sentence for a
 * toast ("Request sent to videoconference@example.org"). */
CnvComposerWindow *cnv_composer_window_new (CnvApplication *application);

G_END_DECLS
