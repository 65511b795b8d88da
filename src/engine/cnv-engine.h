/* cnv-engine.h — the GTK-free core of Convene
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-address.h"
#include "cnv-event.h"
#include "cnv-ical.h"
#include "cnv-invitation.h"
#include "cnv-request.h"
#include "cnv-session-types.h"

G_BEGIN_DECLS

void cnv_engine_init (void);

G_END_DECLS
