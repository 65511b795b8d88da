/* cnv-manager-policy.h — which mail the manager refuses or ignores before reading it as a request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-auth-results.h"
#include "cnv-gmime.h"

G_BEGIN_DECLS

/**
 * CnvSenderAuth:
 * @CNV_SENDER_AUTH_UNCHECKED: no trusted authserv-id is configured (see
 *   cnv_manager_policy_check_sender()); a message without an `Authentication-Results` header
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

CnvSenderAuth   cnv_manager_policy_check_sender (GMimeMessage *message,
                                                 const char   *trusted_authserv_id,
                                                 char        **reason);
gboolean        cnv_manager_policy_is_automatic (GMimeMessage *message,
                                                 char        **reason);

G_END_DECLS
