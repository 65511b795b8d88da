/* cnv-text.h — small text helpers the engine's parsers and builders share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *cnv_text_clean_line (const char *text);
void  cnv_warn            (GPtrArray  *warnings,
                           const char *format,
                           ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
