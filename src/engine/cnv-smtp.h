/* cnv-smtp.h — message submission (RFC 6409) with libcurl, in a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-gmime.h"
#include "cnv-mail-server.h"

G_BEGIN_DECLS

#define CNV_SMTP_ERROR (cnv_smtp_error_quark ())

/**
 * CnvSmtpError:
 * @CNV_SMTP_ERROR_TRANSIENT: worth retrying later: the server answered 4yz (RFC 5321 §4.2.1),
 *   the connection was refused, dropped or timed out, the name did not resolve
 * @CNV_SMTP_ERROR_PERMANENT: the server answered 5yz (RFC 5321 §4.2.1): the same submission
 *   will fail again; someone must change the message, the recipients or the sender
 * @CNV_SMTP_ERROR_AUTH: the server refused the credentials (535, RFC 4954 §6), asked for
 *   authentication the client did not give (530), or offers no mechanism the client may use
 * @CNV_SMTP_ERROR_TLS: the TLS handshake failed, the certificate did not verify against the
 *   trusted authorities, or the server does not offer the STARTTLS that was required; retrying
 *   blindly does not help, the configuration or the server must change
 * @CNV_SMTP_ERROR_INVALID: the arguments cannot be sent: no recipients, an address with CR, LF,
 *   '<', '>', spaces or control characters, a host or EHLO name that is not a name; found before
 *   any connection is made
 *
 * The kind decides what an outbox does: it retries only %CNV_SMTP_ERROR_TRANSIENT. A cancelled
 * submission is %G_IO_ERROR_CANCELLED instead.
 */
typedef enum
{
  CNV_SMTP_ERROR_TRANSIENT,
  CNV_SMTP_ERROR_PERMANENT,
  CNV_SMTP_ERROR_AUTH,
  CNV_SMTP_ERROR_TLS,
  CNV_SMTP_ERROR_INVALID,
} CnvSmtpError;

/**
 * CnvSmtpRecipientFailure:
 * @address: the recipient as given to cnv_smtp_submit_async()
 * @code: the server's reply code to RCPT TO (RFC 5321 §4.2), e.g. 550
 * @enhanced_code: (nullable): the enhanced status code (RFC 3463, RFC 2034 §4), e.g. "5.1.1"
 * @reply: the server's reply as it sent it, lines joined with "\n", control characters
 *   replaced by '?'
 * @kind: %CNV_SMTP_ERROR_TRANSIENT for 4yz, %CNV_SMTP_ERROR_PERMANENT for 5yz,
 *   %CNV_SMTP_ERROR_AUTH for 530/534/535
 */
typedef struct
{
  char         *address;
  guint         code;
  char         *enhanced_code;
  char         *reply;
  CnvSmtpError  kind;
} CnvSmtpRecipientFailure;

/**
 * CnvSmtpResult:
 * @accepted: (element-type utf8): the recipients the server accepted, in the order given; the
 *   message was submitted for them
 * @rejected: (element-type CnvSmtpRecipientFailure): the recipients the server refused; the
 *   message was not submitted for them
 * @final_reply: the server's reply to the end of the message data (RFC 5321 §4.1.1.4), e.g.
 *   "250 2.0.0 Ok: queued as 4F2B3C"
 */
typedef struct
{
  GPtrArray *accepted;
  GPtrArray *rejected;
  char      *final_reply;
} CnvSmtpResult;

GQuark         cnv_smtp_error_quark        (void);

GBytes        *cnv_smtp_message_to_bytes   (GMimeMessage         *message);

void           cnv_smtp_submit_async       (const CnvMailServer  *server,
                                            const char           *secret,
                                            const char           *envelope_from,
                                            const char * const   *recipients,
                                            GMimeMessage         *message,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
void           cnv_smtp_submit_bytes_async (const CnvMailServer  *server,
                                            const char           *secret,
                                            const char           *envelope_from,
                                            const char * const   *recipients,
                                            GBytes               *message,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
CnvSmtpResult *cnv_smtp_submit_finish      (GAsyncResult         *result,
                                            GError              **error);

void           cnv_smtp_check_async        (const CnvMailServer  *server,
                                            const char           *secret,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean       cnv_smtp_check_finish       (GAsyncResult         *result,
                                            GError              **error);

void           cnv_smtp_result_free        (CnvSmtpResult        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvSmtpResult, cnv_smtp_result_free)

G_END_DECLS
