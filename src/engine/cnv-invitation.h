/* cnv-invitation.h — the invitation mail of Fig 5 (E514), built (manager) and parsed (app)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-gmime.h"

#include "cnv-address.h"

G_BEGIN_DECLS

#define CNV_INVITATION_ERROR (cnv_invitation_error_quark ())

/**
 * CnvInvitationError:
 * @CNV_INVITATION_ERROR_NOT_AN_INVITATION: no `X-Convene-Session` header or no calendar part
 * @CNV_INVITATION_ERROR_INVALID: a field is missing or malformed (the message says which)
 * @CNV_INVITATION_ERROR_MISMATCH: the headers and the calendar part disagree (session, method)
 */
typedef enum
{
  CNV_INVITATION_ERROR_NOT_AN_INVITATION,
  CNV_INVITATION_ERROR_INVALID,
  CNV_INVITATION_ERROR_MISMATCH,
} CnvInvitationError;

/**
 * CnvInvitationMethod:
 * @CNV_INVITATION_METHOD_REQUEST: an invitation, or an update with a higher SEQUENCE
 * @CNV_INVITATION_METHOD_CANCEL: the session was cancelled (RFC 5546 §3.2.5)
 */
typedef enum
{
  CNV_INVITATION_METHOD_REQUEST,
  CNV_INVITATION_METHOD_CANCEL,
} CnvInvitationMethod;

#define CNV_TYPE_INVITATION (cnv_invitation_get_type ())

G_DECLARE_FINAL_TYPE (CnvInvitation, cnv_invitation, CNV, INVITATION, GObject)

GQuark              cnv_invitation_error_quark       (void);
gboolean            cnv_session_id_is_valid          (const char *session_id);
gboolean            cnv_invitation_message_id_is_valid (const char *message_id);

CnvInvitation      *cnv_invitation_new               (void);
GMimeMessage       *cnv_invitation_build             (CnvInvitation      *self,
                                                      GError            **error);
CnvInvitation      *cnv_invitation_parse             (GMimeMessage       *message,
                                                      GError            **error);
CnvInvitation      *cnv_invitation_parse_data        (const char         *data,
                                                      gsize               len,
                                                      GError            **error);

CnvInvitationMethod cnv_invitation_get_method        (CnvInvitation      *self);
void                cnv_invitation_set_method        (CnvInvitation      *self,
                                                      CnvInvitationMethod method);
const char         *cnv_invitation_get_session_id    (CnvInvitation      *self);
void                cnv_invitation_set_session_id    (CnvInvitation      *self,
                                                      const char         *session_id);
const char         *cnv_invitation_get_session_type  (CnvInvitation      *self);
void                cnv_invitation_set_session_type  (CnvInvitation      *self,
                                                      const char         *session_type);
const char         *cnv_invitation_get_uid           (CnvInvitation      *self);
void                cnv_invitation_set_uid           (CnvInvitation      *self,
                                                      const char         *uid);
int                 cnv_invitation_get_sequence      (CnvInvitation      *self);
void                cnv_invitation_set_sequence      (CnvInvitation      *self,
                                                      int                 sequence);
const char         *cnv_invitation_get_title         (CnvInvitation      *self);
void                cnv_invitation_set_title         (CnvInvitation      *self,
                                                      const char         *title);
GDateTime          *cnv_invitation_get_start         (CnvInvitation      *self);
GDateTime          *cnv_invitation_get_end           (CnvInvitation      *self);
void                cnv_invitation_set_times         (CnvInvitation      *self,
                                                      GDateTime          *start,
                                                      GDateTime          *end);
const char         *cnv_invitation_get_link          (CnvInvitation      *self);
void                cnv_invitation_set_link          (CnvInvitation      *self,
                                                      const char         *link);
const char         *cnv_invitation_get_credential    (CnvInvitation      *self);
const CnvAddress   *cnv_invitation_get_organizer     (CnvInvitation      *self);
void                cnv_invitation_set_organizer     (CnvInvitation      *self,
                                                      const CnvAddress   *organizer);
const char         *cnv_invitation_get_manager_address (CnvInvitation    *self);
void                cnv_invitation_set_manager_address (CnvInvitation    *self,
                                                      const char         *address);
const CnvAddress   *cnv_invitation_get_recipient     (CnvInvitation      *self);
void                cnv_invitation_set_recipient     (CnvInvitation      *self,
                                                      const CnvAddress   *recipient);
GPtrArray          *cnv_invitation_get_participants  (CnvInvitation      *self);
void                cnv_invitation_add_participant   (CnvInvitation      *self,
                                                      const CnvAddress   *participant);
const char         *cnv_invitation_get_in_reply_to   (CnvInvitation      *self);
void                cnv_invitation_set_in_reply_to   (CnvInvitation      *self,
                                                      const char         *message_id);
const char         *cnv_invitation_get_message_id    (CnvInvitation      *self);
GDateTime          *cnv_invitation_get_stamp         (CnvInvitation      *self);
void                cnv_invitation_set_stamp         (CnvInvitation      *self,
                                                      GDateTime          *stamp);

G_END_DECLS
