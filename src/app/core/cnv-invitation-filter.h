/* cnv-invitation-filter.h — which mail of the user's INBOX the watcher takes as an invitation (E450)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-app-settings.h"
#include "cnv-invitation.h"

G_BEGIN_DECLS

/**
 * CnvInvitationVerdict:
 * @CNV_INVITATION_VERDICT_ACCEPT: an invitation (or a cancel) for the user from a configured
 *   manager address
 * @CNV_INVITATION_VERDICT_NOT_AN_INVITATION: the mail does not parse as a #CnvInvitation
 * @CNV_INVITATION_VERDICT_UNKNOWN_SENDER: the From field is not exactly one configured manager
 *   address
 * @CNV_INVITATION_VERDICT_MANAGER_MISMATCH: the invitation's manager address (the calendar's
 *   `SENT-BY`) is not the From address
 * @CNV_INVITATION_VERDICT_NOT_AUTHENTIC: the trusted `Authentication-Results` does not say DMARC
 *   (or aligned DKIM) pass for the From domain, or the trusted server did not stamp the mail
 * @CNV_INVITATION_VERDICT_NOT_FOR_USER: the user's address is not among the To addresses
 */
typedef enum
{
  CNV_INVITATION_VERDICT_ACCEPT,
  CNV_INVITATION_VERDICT_NOT_AN_INVITATION,
  CNV_INVITATION_VERDICT_UNKNOWN_SENDER,
  CNV_INVITATION_VERDICT_MANAGER_MISMATCH,
  CNV_INVITATION_VERDICT_NOT_AUTHENTIC,
  CNV_INVITATION_VERDICT_NOT_FOR_USER,
} CnvInvitationVerdict;

CnvInvitationVerdict cnv_invitation_filter (GMimeMessage               *message,
                                            CnvInvitation              *invitation,
                                            const GError               *parse_error,
                                            GPtrArray                  *entries,
                                            const char                 *user_address,
                                            const char                 *trusted_authserv_id,
                                            const CnvSessionTypeEntry **entry,
                                            char                      **reason);

G_END_DECLS
