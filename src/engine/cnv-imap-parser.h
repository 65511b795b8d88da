/* cnv-imap-parser.h — a strict, incremental parser of IMAP server responses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cnv-imap-response.h"

G_BEGIN_DECLS

/* Defaults: a line (the non-literal part of one response) and a literal. */
#define CNV_IMAP_PARSER_MAX_LINE     (4u * 1024 * 1024)
#define CNV_IMAP_PARSER_MAX_LITERAL  (256u * 1024 * 1024)
/* Lists nested deeper than this are refused (a BODYSTRUCTURE is a few levels deep). */
#define CNV_IMAP_PARSER_MAX_DEPTH    64

typedef struct _CnvImapParser CnvImapParser;

CnvImapParser   *cnv_imap_parser_new          (void);
void             cnv_imap_parser_free         (CnvImapParser  *self);
void             cnv_imap_parser_set_limits   (CnvImapParser  *self,
                                               gsize           max_line,
                                               gsize           max_literal);
void             cnv_imap_parser_feed         (CnvImapParser  *self,
                                               const guint8   *data,
                                               gsize           length);
CnvImapResponse *cnv_imap_parser_next         (CnvImapParser  *self,
                                               GError        **error);
gsize            cnv_imap_parser_get_buffered (CnvImapParser  *self);

CnvImapResponse *cnv_imap_parse_response      (const guint8   *data,
                                               gsize           length,
                                               GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvImapParser, cnv_imap_parser_free)

G_END_DECLS
