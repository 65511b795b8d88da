/* cnv-credentials.c — how a password or token reaches the mail engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-credentials"

#include "config.h"

#include <string.h>

#include "cnv-credentials.h"

G_DEFINE_INTERFACE (CnvCredentials, cnv_credentials, G_TYPE_OBJECT)
G_DEFINE_QUARK (cnv-credentials-error-quark, cnv_credentials_error)

static void
cnv_credentials_default_init (CnvCredentialsInterface *iface)
{
}

/**
 * cnv_credentials_lookup_async:
 * @self: the credentials store
 * @protocol: "imap" or "smtp"
 * @server: the server; its @host and @user name the secret
 * @cancellable: (nullable): cancels the look-up
 * @callback: called when the secret is found or not
 * @user_data: for @callback
 *
 * Looks up the password or token for @server->user on @server. The look-up never blocks the
 * calling thread; the secret is not logged.
 */
void
cnv_credentials_lookup_async (CnvCredentials      *self,
                              const char          *protocol,
                              const CnvMailServer *server,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (CNV_IS_CREDENTIALS (self));
  g_return_if_fail (protocol != NULL);
  g_return_if_fail (server != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  CNV_CREDENTIALS_GET_IFACE (self)->lookup_async (self, protocol, server, cancellable,
                                                  callback, user_data);
}

/**
 * cnv_credentials_lookup_finish:
 * @self: the credentials store
 * @result: the result given to the callback
 * @error: a #CNV_CREDENTIALS_ERROR, or %G_IO_ERROR_CANCELLED
 *
 * Returns: (transfer full): the secret; free it with cnv_credentials_secret_free(), which
 *   wipes it from memory first
 */
char *
cnv_credentials_lookup_finish (CnvCredentials  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (CNV_IS_CREDENTIALS (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CNV_CREDENTIALS_GET_IFACE (self)->lookup_finish (self, result, error);
}

/**
 * cnv_credentials_secret_free:
 * @secret: (nullable): a secret returned by cnv_credentials_lookup_finish()
 *
 * Overwrites the secret with zeros (explicit_bzero(), which the compiler may not drop as a
 * dead store) and frees it.
 */
void
cnv_credentials_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}
