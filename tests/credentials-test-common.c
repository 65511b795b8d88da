/* credentials-test-common.c — helpers shared by the tests of the credential stores
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-credentials-test"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "credentials-test-common.h"
#include "test-async.h"

void
assert_error_hides (const GError *error,
                    const char   *secret)
{
  g_assert_nonnull (error);
  g_assert_null (strstr (error->message, secret));
  g_assert_null (strstr (error->message, MARKER));
}

char *
lookup (CnvCredentials       *credentials,
        const char           *protocol,
        const CnvMailServer  *server,
        GCancellable         *cancellable,
        GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cnv_credentials_lookup_async (credentials, protocol, server, cancellable,
                                store_result_cb, &result);
  return cnv_credentials_lookup_finish (credentials,
                                        wait_result (&result, CREDENTIALS_TIMEOUT_S), error);
}

CnvMailServer *
make_server (const char *host,
             const char *user)
{
  CnvMailServer *server = cnv_mail_server_new (host, 0, CNV_MAIL_SECURITY_STARTTLS);

  server->user = g_strdup (user);
  return server;
}

void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_assert_cmpint (g_unlink (child), ==, 0);
        }
      g_dir_close (dir);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}
