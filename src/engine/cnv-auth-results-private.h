/* cnv-auth-results-private.h — what cnv-manager-policy.c uses of cnv-auth-results.c beyond its
 * public API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-auth-results.h"

G_BEGIN_DECLS

/* cnv_auth_results_parse(), and @authserv_id (out, nullable) receives the authserv-id as soon as
 * it is read, even when the rest of the value then fails. */
CnvAuthResults *cnv_auth_results_parse_full (const char  *value,
                                             char       **authserv_id,
                                             GError     **error);

/* The scanner applied to other structured header values (RFC 5322 §3.2) */
char           *cnv_header_first_word       (const char  *raw);
gboolean        cnv_header_is_null_path     (const char  *raw);

G_END_DECLS
