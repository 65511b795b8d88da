/* credentials-test-common.h — helpers shared by the tests of the credential stores
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-credentials.h"
#include "cnv-mail-server.h"

G_BEGIN_DECLS

/* Every secret in these tests holds this marker, so that the log guard (tests/log-guard.h) can
 * tell that none ever reaches a log message. */
#define MARKER "S3cr3t"

/* How long one look-up, store or clear may take: far above what a passing test needs. */
#define CREDENTIALS_TIMEOUT_S 30

/* @error is set, and its message shows neither @secret nor MARKER. */
void           assert_error_hides (const GError         *error,
                                   const char           *secret);

/* cnv_credentials_lookup_async() run to its end on the default main context. */
char          *lookup             (CnvCredentials       *credentials,
                                   const char           *protocol,
                                   const CnvMailServer  *server,
                                   GCancellable         *cancellable,
                                   GError              **error);

/* A STARTTLS server @host for @user (NULL: none), on the default port. */
CnvMailServer *make_server        (const char           *host,
                                   const char           *user);

/* Removes @path and everything under it; symbolic links are removed, not followed. */
void           remove_tree        (const char           *path);

G_END_DECLS
