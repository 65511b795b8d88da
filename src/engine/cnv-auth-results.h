/* cnv-auth-results.h — the parser of Authentication-Results header fields (RFC 8601)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-gmime.h"

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

/**
 * CnvSenderAuth:
 * @CNV_SENDER_AUTH_UNCHECKED: no trusted authserv-id is configured (see
 *   cnv_auth_results_check_sender()); a message without an `Authentication-Results` header
 *   from the trusted server is FAIL
 * @CNV_SENDER_AUTH_PASS: DMARC passed, or without a DMARC result a DKIM signature of the From
 *   domain (aligned: same organisational domain, relaxed) passed
 * @CNV_SENDER_AUTH_FAIL: the trusted server says the From address is not authentic (DMARC
 *   fail/none/temperror/permerror… or no aligned passing DKIM), or its stamp is missing or
 *   unreadable
 */
typedef enum
{
  CNV_SENDER_AUTH_UNCHECKED,
  CNV_SENDER_AUTH_PASS,
  CNV_SENDER_AUTH_FAIL,
} CnvSenderAuth;

CnvSenderAuth   cnv_auth_results_check_sender (GMimeMessage  *message,
                                               const char    *trusted_authserv_id,
                                               char         **reason);

G_END_DECLS
