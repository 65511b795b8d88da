/* manager-test-files.h — temp-dir clean-up for the manager's test programs (manager-test-common.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void remove_tree (const char *path);

G_END_DECLS
