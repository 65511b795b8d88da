/* cnv-secret-credentials.h — passwords kept in the user's keyring (the app)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsecret/secret.h>

#include "cnv-credentials.h"

G_BEGIN_DECLS

#define CNV_TYPE_SECRET_CREDENTIALS (cnv_secret_credentials_get_type ())

G_DECLARE_FINAL_TYPE (CnvSecretCredentials, cnv_secret_credentials, CNV, SECRET_CREDENTIALS,
                      GObject)

const SecretSchema   *cnv_secret_credentials_get_schema   (void) G_GNUC_CONST;
CnvSecretCredentials *cnv_secret_credentials_new          (void);
void                  cnv_secret_credentials_store_async  (CnvSecretCredentials *self,
                                                           const char           *protocol,
                                                           const CnvMailServer  *server,
                                                           const char           *secret,
                                                           const char           *label,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean              cnv_secret_credentials_store_finish (CnvSecretCredentials *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);
void                  cnv_secret_credentials_clear_async  (CnvSecretCredentials *self,
                                                           const char           *protocol,
                                                           const CnvMailServer  *server,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
gboolean              cnv_secret_credentials_clear_finish (CnvSecretCredentials *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

G_END_DECLS
