/* cnv-invitation-private.h — what cnv-invitation.c, cnv-invitation-build.c and
 * cnv-invitation-parse.c share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-invitation.h"
#include "cnv-text.h"

G_BEGIN_DECLS

/* Used when the request had no subject, in the mail and in calendars. */
#define CNV_INVITATION_DEFAULT_TITLE "Collaboration session"

/* The subjects the builder writes, `Invitation: TITLE [cnv:ID]`; the parser strips them off. */
#define CNV_INVITATION_REQUEST_PREFIX "Invitation: "
#define CNV_INVITATION_CANCEL_PREFIX "Cancelled: "

struct _CnvInvitation
{
  GObject              parent_instance;

  /* Owned */
  char                *session_id;
  char                *session_type;
  char                *uid;
  char                *title;
  GDateTime           *start;
  GDateTime           *end;
  char                *link;
  char                *credential;
  CnvAddress          *organizer;
  char                *manager_address;
  CnvAddress          *recipient;
  GPtrArray           *participants;
  char                *in_reply_to;
  char                *message_id;
  GDateTime           *stamp;

  CnvInvitationMethod  method;
  int                  sequence;
};

/* Validation helpers (cnv-invitation.c) */
gboolean    cnv_invitation_session_type_is_valid (const char        *session_type);
gboolean    cnv_invitation_uid_is_valid          (const char        *uid);
gboolean    cnv_invitation_address_is_normalized (const CnvAddress  *address);
CnvAddress *cnv_invitation_copy_address          (const CnvAddress  *address);
gboolean    cnv_invitation_parse_link            (const char        *link,
                                                  char             **out_session_id,
                                                  char             **out_credential,
                                                  GError           **error);
gboolean    cnv_invitation_invalid               (GError           **error,
                                                  const char        *message);

G_END_DECLS
