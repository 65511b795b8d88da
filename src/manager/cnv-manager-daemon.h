/* cnv-manager-daemon.h — `convene-manager run`: the session manager of Fig 5 as a service
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int cnv_manager_daemon_main (int    argc,
                             char **argv);

G_END_DECLS
