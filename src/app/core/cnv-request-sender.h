/* cnv-request-sender.h — Send (E406): submit the request by SMTP, keep a copy in Sent (GTK-free)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-app-settings.h"
#include "cnv-credentials.h"
#include "cnv-request.h"
#include "cnv-smtp.h"

G_BEGIN_DECLS

typedef enum
{
  CNV_SEND_STAGE_PASSWORD,   /* reading the password from the keyring */
  CNV_SEND_STAGE_SUBMITTING, /* SMTP submission */
  CNV_SEND_STAGE_SAVING,     /* APPEND to the Sent folder */
  CNV_SEND_STAGE_DONE,
} CnvSendStage;

typedef void (*CnvSendProgressFunc) (CnvSendStage stage,
                                     gpointer     user_data);

/**
 * CnvSendReport:
 * @message_id: the request's Message-ID
 * @sent_folder: where the copy went, or NULL when it could not be saved
 * @copy_error: why the copy could not be saved (the request WAS sent), or NULL
 * @rejected: CnvSmtpRecipientFailure for the recipients the server refused (the others got it)
 */
typedef struct
{
  char      *message_id;
  char      *sent_folder;
  char      *copy_error;
  GPtrArray *rejected;
} CnvSendReport;

void           cnv_send_report_free          (CnvSendReport        *self);

/* Builds @request, submits it with the account's SMTP server (envelope: the initiator, To and Cc
 * recipients), then appends it with \Seen to the Sent folder (SPECIAL-USE \Sent, else "Sent",
 * created when missing). Fails (CNV_SMTP_ERROR, CNV_REQUEST_ERROR, CNV_CREDENTIALS_ERROR, or
 * G_IO_ERROR_CANCELLED) only when the mail was not accepted; a cancel after the server accepted
 * still succeeds. @progress is called on the caller's main context. */
void           cnv_request_sender_send_async (CnvRequest           *request,
                                              const CnvAccount     *account,
                                              CnvCredentials       *credentials,
                                              CnvSendProgressFunc   progress,
                                              gpointer              progress_data,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
CnvSendReport *cnv_request_sender_send_finish (GAsyncResult        *result,
                                              GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvSendReport, cnv_send_report_free)

G_END_DECLS
