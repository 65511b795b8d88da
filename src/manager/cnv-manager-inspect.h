/* cnv-manager-inspect.h — `convene-manager inspect`: what the manager would do with a mail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cnv-manager-config.h"

G_BEGIN_DECLS

JsonNode *cnv_manager_inspect_request (CnvRequest *request);
int       cnv_manager_inspect_main    (int         argc,
                                       char      **argv);

G_END_DECLS
