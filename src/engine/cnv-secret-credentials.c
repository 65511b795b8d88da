/* cnv-secret-credentials.c — passwords kept in the user's keyring (the app)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The app keeps its IMAP and SMTP passwords in the Secret Service (GNOME Keyring, KWallet,
 * or the Secret portal inside Flatpak) through libsecret's asynchronous API, so that no
 * look-up blocks the main loop. Items are stored in the default collection under a schema
 * named after the application id, so that Seahorse shows whose they are and no other program's
 * items are ever matched.
 */
#define G_LOG_DOMAIN "cnv-credentials"

#include "config.h"

#include <string.h>

#include "cnv-secret-credentials.h"

struct _CnvSecretCredentials
{
  GObject parent_instance;
};

static void cnv_secret_credentials_iface_init (CnvCredentialsInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CnvSecretCredentials, cnv_secret_credentials, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CNV_TYPE_CREDENTIALS,
                                                      cnv_secret_credentials_iface_init))

/**
 * cnv_secret_credentials_get_schema:
 *
 * The schema of the app's items: its name is the application id (libsecret stores it as the
 * `xdg:schema` attribute), and its attributes, all strings, are
 *
 * - `protocol`: "imap" or "smtp"
 * - `server`: the server's host name, in ASCII (IDNA) and lower case; the port is not part
 *   of the key, so that moving from STARTTLS on 587 to TLS on 465 keeps the password (as
 *   Geary does: one password per login, host and protocol)
 * - `user`: the login name, as given (servers may tell case apart)
 *
 * Returns: (transfer none): the schema
 */
const SecretSchema *
cnv_secret_credentials_get_schema (void)
{
  static const SecretSchema schema = {
    APPLICATION_ID, SECRET_SCHEMA_NONE,
    {
      { "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

static void
cnv_secret_credentials_class_init (CnvSecretCredentialsClass *klass)
{
}

static void
cnv_secret_credentials_init (CnvSecretCredentials *self)
{
}

static char *
normalize_host (const char *host)
{
  g_autofree char *ascii = g_hostname_to_ascii (host);

  return g_ascii_strdown (ascii != NULL ? ascii : host, -1);
}

static gboolean
is_protocol (const char *protocol)
{
  return g_strcmp0 (protocol, "imap") == 0 || g_strcmp0 (protocol, "smtp") == 0;
}

/* The item's key in the schema: see cnv_secret_credentials_get_schema(). */
static GHashTable *
build_attributes (const char          *protocol,
                  const CnvMailServer *server)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (attributes, (char *) "protocol", g_strdup (protocol));
  g_hash_table_insert (attributes, (char *) "server", normalize_host (server->host));
  g_hash_table_insert (attributes, (char *) "user", g_strdup (server->user));
  return attributes;
}

static const char *
protocol_name (GHashTable *attributes)
{
  return strcmp (g_hash_table_lookup (attributes, "protocol"), "imap") == 0 ? "IMAP" : "SMTP";
}

/* Cancellation stays G_IO_ERROR_CANCELLED (it is not a failure); anything else that
 * libsecret reports (no Secret Service on the bus, a D-Bus error, a locked collection) is
 * CNV_CREDENTIALS_ERROR_FAILED with libsecret's words. */
static void
return_libsecret_error (GTask  *task,
                        GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_new_error (task, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED,
                           "Secret Service: %s", error->message);
  g_error_free (error);
}

static void
items_found_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GHashTable *attributes = g_task_get_task_data (task);
  g_autoptr(SecretValue) value = NULL;
  GError *error = NULL;
  SecretItem *item;
  const char *text;
  GList *items;

  items = secret_service_search_finish (NULL, result, &error);
  if (error != NULL)
    {
      return_libsecret_error (task, error);
      return;
    }

  if (items == NULL)
    {
      g_task_return_new_error (task, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND,
                               "No %s password is stored in the keyring for this account",
                               protocol_name (attributes));
      return;
    }

  /* The search asked to unlock what it found: an item still locked is one whose keyring
   * the user did not unlock (or could not be asked to). */
  item = items->data;
  if (secret_item_get_locked (item))
    {
      g_task_return_new_error (task, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED,
                               "The keyring holding the %s password is locked and could not "
                               "be unlocked", protocol_name (attributes));
      g_list_free_full (items, g_object_unref);
      return;
    }

  value = secret_item_get_secret (item);
  g_list_free_full (items, g_object_unref);
  text = value != NULL ? secret_value_get_text (value) : NULL;
  if (text == NULL)
    {
      g_task_return_new_error (task, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED,
                               "The keyring item for the %s password holds no text",
                               protocol_name (attributes));
      return;
    }

  /* The copy leaves libsecret's non-pageable memory, which the SecretValue wipes when it is
   * freed; the task wipes the copy if nobody takes it. */
  g_task_return_pointer (task, g_strdup (text), (GDestroyNotify) cnv_credentials_secret_free);
}

/* Inside Flatpak: what secret_password_store() stored is in libsecret's local file backend
 * (encrypted with the Secret portal's key), which a search of the host's Secret Service does not
 * see. secret_password_lookup() asks the same backend the store used. */
static void
password_looked_up_cb (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GHashTable *attributes = g_task_get_task_data (task);
  GError *error = NULL;
  char *password;

  password = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      return_libsecret_error (task, error);
      return;
    }
  if (password == NULL)
    {
      g_task_return_new_error (task, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND,
                               "No %s password is stored in the keyring for this account",
                               protocol_name (attributes));
      return;
    }
  g_task_return_pointer (task, g_strdup (password), (GDestroyNotify) cnv_credentials_secret_free);
  secret_password_free (password);
}

static gboolean
in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

static void
cnv_secret_credentials_lookup_async (CnvCredentials      *credentials,
                                     const char          *protocol,
                                     const CnvMailServer *server,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  CnvSecretCredentials *self = CNV_SECRET_CREDENTIALS (credentials);
  g_autoptr(GTask) task = NULL;
  GHashTable *attributes;

  g_return_if_fail (is_protocol (protocol));
  g_return_if_fail (server->host != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_secret_credentials_lookup_async);

  if (server->user == NULL)
    {
      g_task_return_new_error (task, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND,
                               "No user is set for this server, so no password is stored");
      return;
    }

  attributes = build_attributes (protocol, server);
  g_task_set_task_data (task, attributes, (GDestroyNotify) g_hash_table_unref);
  g_debug ("Looking up the %s password of “%s” on %s", protocol, server->user,
           (const char *) g_hash_table_lookup (attributes, "server"));
  if (in_flatpak ())
    {
      secret_password_lookupv (cnv_secret_credentials_get_schema (), attributes, cancellable,
                               password_looked_up_cb, g_steal_pointer (&task));
      return;
    }
  /* Not secret_password_lookup() outside Flatpak: in libsecret 0.20.5 it leaks the D-Bus reply
   * that carries the secret at every successful look-up (LeakSanitizer shows one per call), and
   * it answers "nothing" for an item whose keyring stayed locked. A search that unlocks and
   * loads the secret tells the cases apart and frees what it received. */
  secret_service_search (NULL, cnv_secret_credentials_get_schema (), attributes,
                         SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS, cancellable,
                         items_found_cb, g_steal_pointer (&task));
}

static char *
cnv_secret_credentials_lookup_finish (CnvCredentials  *credentials,
                                      GAsyncResult    *result,
                                      GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, credentials), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == cnv_secret_credentials_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
cnv_secret_credentials_iface_init (CnvCredentialsInterface *iface)
{
  iface->lookup_async = cnv_secret_credentials_lookup_async;
  iface->lookup_finish = cnv_secret_credentials_lookup_finish;
}

/**
 * cnv_secret_credentials_new:
 *
 * Credentials for the app, kept by the Secret Service on the session bus.
 *
 * Returns: (transfer full): the credentials
 */
CnvSecretCredentials *
cnv_secret_credentials_new (void)
{
  return g_object_new (CNV_TYPE_SECRET_CREDENTIALS, NULL);
}

static void
password_stored_cb (GObject      *source_object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      return_libsecret_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * cnv_secret_credentials_store_async:
 * @self: the credentials
 * @protocol: "imap" or "smtp"
 * @server: the server; its @host and @user (which must be set) name the secret
 * @secret: the password or token, UTF-8
 * @label: (nullable): what the keyring shows for the item (translated by the caller);
 *   %NULL for an English default
 * @cancellable: (nullable): cancels the store
 * @callback: called when the secret is stored
 * @user_data: for @callback
 *
 * Stores @secret in the default collection, replacing the one stored before for the same
 * protocol, host and user. libsecret copies @secret into non-pageable memory at once; the
 * caller may wipe its copy as soon as this returns.
 */
void
cnv_secret_credentials_store_async (CnvSecretCredentials *self,
                                    const char           *protocol,
                                    const CnvMailServer  *server,
                                    const char           *secret,
                                    const char           *label,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *default_label = NULL;
  const char *host;

  g_return_if_fail (CNV_IS_SECRET_CREDENTIALS (self));
  g_return_if_fail (is_protocol (protocol));
  g_return_if_fail (server != NULL && server->host != NULL && server->user != NULL);
  g_return_if_fail (secret != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_secret_credentials_store_async);

  attributes = build_attributes (protocol, server);
  host = g_hash_table_lookup (attributes, "server");
  if (label == NULL)
    label = default_label = g_strdup_printf ("Convene %s password for %s on %s",
                                             protocol_name (attributes), server->user, host);

  g_debug ("Storing the %s password of “%s” on %s", protocol, server->user, host);
  secret_password_storev (cnv_secret_credentials_get_schema (), attributes,
                          SECRET_COLLECTION_DEFAULT, label, secret, cancellable,
                          password_stored_cb, g_steal_pointer (&task));
}

/**
 * cnv_secret_credentials_store_finish:
 * @self: the credentials
 * @result: the result given to the callback
 * @error: %CNV_CREDENTIALS_ERROR_FAILED or %G_IO_ERROR_CANCELLED
 *
 * Returns: %TRUE when the secret is stored
 */
gboolean
cnv_secret_credentials_store_finish (CnvSecretCredentials  *self,
                                     GAsyncResult          *result,
                                     GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == cnv_secret_credentials_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
password_cleared_cb (GObject      *source_object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gboolean removed;

  removed = secret_password_clear_finish (result, &error);
  if (error != NULL)
    {
      return_libsecret_error (task, error);
      return;
    }
  g_task_return_boolean (task, removed);
}

/**
 * cnv_secret_credentials_clear_async:
 * @self: the credentials
 * @protocol: "imap" or "smtp"
 * @server: the server; its @host and @user name the secret
 * @cancellable: (nullable): cancels the removal
 * @callback: called when the secret is removed
 * @user_data: for @callback
 *
 * Removes the secret stored for @protocol, @server->host and @server->user (when the account
 * is removed or its password is no longer to be remembered).
 */
void
cnv_secret_credentials_clear_async (CnvSecretCredentials *self,
                                    const char           *protocol,
                                    const CnvMailServer  *server,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (CNV_IS_SECRET_CREDENTIALS (self));
  g_return_if_fail (is_protocol (protocol));
  g_return_if_fail (server != NULL && server->host != NULL && server->user != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_secret_credentials_clear_async);

  attributes = build_attributes (protocol, server);
  g_debug ("Removing the %s password of “%s” on %s", protocol, server->user,
           (const char *) g_hash_table_lookup (attributes, "server"));
  secret_password_clearv (cnv_secret_credentials_get_schema (), attributes, cancellable,
                          password_cleared_cb, g_steal_pointer (&task));
}

/**
 * cnv_secret_credentials_clear_finish:
 * @self: the credentials
 * @result: the result given to the callback
 * @error: %CNV_CREDENTIALS_ERROR_FAILED or %G_IO_ERROR_CANCELLED
 *
 * Returns: %TRUE when a secret was removed; %FALSE with @error unset when none was stored
 */
gboolean
cnv_secret_credentials_clear_finish (CnvSecretCredentials  *self,
                                     GAsyncResult          *result,
                                     GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == cnv_secret_credentials_clear_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
