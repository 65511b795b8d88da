/* cnv-mime.h — small gmime helpers shared by the request and invitation builders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-gmime.h"

G_BEGIN_DECLS

GMimePart           *cnv_mime_new_text_part      (const char   *subtype,
                                                  const char   *text,
                                                  gboolean      keep_crlf);
void                 cnv_mime_set_subject        (GMimeMessage *message,
                                                  const char   *subject);
char                *cnv_mime_encode_words       (const char   *text,
                                                  const char   *separator);
char                *cnv_mime_repair_header      (const char   *raw);
char                *cnv_mime_get_subject        (GMimeMessage *message);
InternetAddressList *cnv_mime_get_addresses      (GMimeMessage *message,
                                                  const char   *name);
void                 cnv_mime_set_addresses      (GMimeMessage *message,
                                                  const char   *header,
                                                  GPtrArray    *list);

G_END_DECLS
