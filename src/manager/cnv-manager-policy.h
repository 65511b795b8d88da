/* cnv-manager-policy.h — which mail the manager refuses or ignores before reading it as a request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-auth-results.h"
#include "cnv-gmime.h"

G_BEGIN_DECLS

CnvSenderAuth   cnv_manager_policy_check_sender (GMimeMessage *message,
                                                 const char   *trusted_authserv_id,
                                                 char        **reason);
gboolean        cnv_manager_policy_is_automatic (GMimeMessage *message,
                                                 char        **reason);

G_END_DECLS
