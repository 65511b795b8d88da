/* cnv-credentials.h — how a password or token reaches the mail engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-mail-server.h"

G_BEGIN_DECLS

#define CNV_CREDENTIALS_ERROR (cnv_credentials_error_quark ())

/**
 * CnvCredentialsError:
 * @CNV_CREDENTIALS_ERROR_NOT_FOUND: no secret is stored for this server and user
 * @CNV_CREDENTIALS_ERROR_INSECURE: the secret's store is readable by others (a password file
 *   that is not mode 0600 or stricter); it is not used
 * @CNV_CREDENTIALS_ERROR_FAILED: the store could not be read (I/O, D-Bus, locked keyring)
 */
typedef enum
{
  CNV_CREDENTIALS_ERROR_NOT_FOUND,
  CNV_CREDENTIALS_ERROR_INSECURE,
  CNV_CREDENTIALS_ERROR_FAILED,
} CnvCredentialsError;

#define CNV_TYPE_CREDENTIALS (cnv_credentials_get_type ())
G_DECLARE_INTERFACE (CnvCredentials, cnv_credentials, CNV, CREDENTIALS, GObject)

/**
 * CnvCredentialsInterface:
 * @lookup_async: finds the secret for @protocol ("imap" or "smtp") on @server for @server->user
 * @lookup_finish: returns the secret (free it with cnv_credentials_secret_free())
 *
 * The seam through which secrets reach the engine (as Geary's credentials mediator): the app
 * looks them up in the user's keyring (libsecret), the manager reads a password file or a
 * systemd credential. Secrets are never logged, stored in settings or put on a command line.
 */
struct _CnvCredentialsInterface
{
  GTypeInterface parent_iface;

  void   (*lookup_async)  (CnvCredentials       *self,
                           const char           *protocol,
                           const CnvMailServer  *server,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data);
  char * (*lookup_finish) (CnvCredentials       *self,
                           GAsyncResult         *result,
                           GError              **error);
};

GQuark cnv_credentials_error_quark   (void);
void   cnv_credentials_lookup_async  (CnvCredentials       *self,
                                      const char           *protocol,
                                      const CnvMailServer  *server,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
char  *cnv_credentials_lookup_finish (CnvCredentials       *self,
                                      GAsyncResult         *result,
                                      GError              **error);
void   cnv_credentials_secret_free   (char                 *secret);

G_END_DECLS
