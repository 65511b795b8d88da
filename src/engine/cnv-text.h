/* cnv-text.h — small text helpers the engine's parsers and builders share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How many characters of a value a log line or an error message shows. */
#define CNV_TEXT_MAX_SHOWN 64

char     *cnv_text_clean_line  (const char  *text);
char     *cnv_text_show        (const char  *value);
gboolean  cnv_text_read_digits (const char **p,
                                int          n,
                                int         *out);
void  cnv_warn            (GPtrArray  *warnings,
                           const char *format,
                           ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
