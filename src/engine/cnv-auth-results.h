/* cnv-auth-results.h — the parser of Authentication-Results header fields (RFC 8601)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CNV_POLICY_ERROR (cnv_policy_error_quark ())

/* @CNV_POLICY_ERROR_INVALID: an Authentication-Results value that does not follow RFC 8601 */
typedef enum
{
  CNV_POLICY_ERROR_INVALID,
} CnvPolicyError;

GQuark cnv_policy_error_quark (void);

/* One `method=result` of an Authentication-Results header (RFC 8601 §2.2). */
typedef struct
{
  char  *method;      /* lower case: "dmarc", "dkim", "spf", … */
  char  *result;      /* lower case: "pass", "fail", "none", … */
  char  *reason;      /* nullable */
  char **properties;  /* "ptype.property=value" strings, e.g. "header.d=example.org", "header.from=…" */
} CnvAuthResult;

typedef struct
{
  char      *authserv_id;  /* as written (compared case-insensitively); "" when the server
                            * wrote none, as Microsoft 365 does */
  GPtrArray *results;      /* CnvAuthResult*; empty for "none" */
} CnvAuthResults;

void            cnv_auth_results_free      (CnvAuthResults  *results);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvAuthResults, cnv_auth_results_free)

CnvAuthResults *cnv_auth_results_parse     (const char      *value,
                                            GError         **error);

G_END_DECLS
