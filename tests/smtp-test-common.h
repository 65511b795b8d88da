/* smtp-test-common.h — messages and synchronous submissions for the SMTP tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gmime/gmime.h>

#include "cnv-smtp.h"

G_BEGIN_DECLS

/* A small plain-text message from Alice to Bob, quoted-printable, with a Message-ID of its own. */
GMimeMessage  *make_message  (const char           *subject,
                              const char           *body);

/* cnv_smtp_submit_async() run to its end on the default main context. */
CnvSmtpResult *submit        (const CnvMailServer  *server,
                              const char           *secret,
                              const char           *envelope_from,
                              const char * const   *recipients,
                              GMimeMessage         *message,
                              GCancellable         *cancellable,
                              GError              **error);

/* No log message may hold @secret, nor the forms in which SASL would send it for @user (PLAIN
 * and LOGIN send it in base64: RFC 4616, RFC 4954 §4); see tests/log-guard.h. */
void           forbid_secret (const char           *user,
                              const char           *secret);

G_END_DECLS
