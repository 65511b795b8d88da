/* cnv-mime.h — small gmime helpers shared by the request and invitation builders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-gmime.h"

G_BEGIN_DECLS

void cnv_mime_set_subject (GMimeMessage *message,
                           const char   *subject);

G_END_DECLS
