/* cnv-imap-parser-private.h — what the framing and the grammar of the IMAP parser share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-imap-parser.h"

G_BEGIN_DECLS

/* Whether @line (without its CRLF) ends with a literal announcement: `{N}`, `{N+}` (RFC 7888)
 * or `~{N}` (RFC 3516). @too_big is set when N does not fit 64 bits. */
gboolean cnv_imap_line_ends_with_literal (const guint8 *line,
                                          gsize         length,
                                          guint64      *size,
                                          gboolean     *too_big);

G_END_DECLS
