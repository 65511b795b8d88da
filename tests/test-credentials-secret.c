/* test-credentials-secret.c — CnvSecretCredentials against a real gnome-keyring-daemon on a
 * private session bus (tests/keyring-fixture.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-secret-credentials.h"
#include "credentials-test-common.h"
#include "keyring-fixture.h"
#include "log-guard.h"
#include "test-async.h"

/* Built with AddressSanitizer, whose LeakSanitizer fails the program on any leak. */
#if defined(__SANITIZE_ADDRESS__)
# define LEAKS_CHECKED 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define LEAKS_CHECKED 1
# endif
#endif

/* The result that store_result_cb() put in @slot (borrowed): a call to the keyring ended. */
static GAsyncResult *
wait_keyring (GAsyncResult **slot)
{
  return wait_result (slot, CREDENTIALS_TIMEOUT_S);
}

static void
store (CnvSecretCredentials *credentials,
       const char           *protocol,
       const CnvMailServer  *server,
       const char           *secret,
       const char           *label)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  cnv_secret_credentials_store_async (credentials, protocol, server, secret, label, NULL,
                                      store_result_cb, &result);
  g_assert_true (cnv_secret_credentials_store_finish (credentials, wait_keyring (&result),
                                                      &error));
  g_assert_no_error (error);
}

static gboolean
clear (CnvSecretCredentials *credentials,
       const char           *protocol,
       const CnvMailServer  *server)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean removed;

  cnv_secret_credentials_clear_async (credentials, protocol, server, NULL,
                                      store_result_cb, &result);
  removed = cnv_secret_credentials_clear_finish (credentials, wait_keyring (&result), &error);
  g_assert_no_error (error);
  return removed;
}

static void
assert_lookup (CnvSecretCredentials *credentials,
               const char           *protocol,
               const CnvMailServer  *server,
               const char           *expected)
{
  g_autoptr(GError) error = NULL;
  char *secret = lookup (CNV_CREDENTIALS (credentials), protocol, server, NULL, &error);

  if (expected == NULL)
    {
      g_assert_null (secret);
      g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND);
      assert_error_hides (error, MARKER);
    }
  else
    {
      g_assert_no_error (error);
      g_assert_cmpstr (secret, ==, expected);
    }
  cnv_credentials_secret_free (secret);
}

/* The items this program's schema finds, by attributes only (another libsecret call than the
 * one under test, with the schema name given as the xdg:schema attribute). */
static GList *
search_items (const char *protocol,
              const char *server,
              const char *user)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GList *items;

  g_hash_table_insert (attributes, (char *) "xdg:schema", (char *) "io.github.convene.Convene");
  if (protocol != NULL)
    g_hash_table_insert (attributes, (char *) "protocol", (char *) protocol);
  if (server != NULL)
    g_hash_table_insert (attributes, (char *) "server", (char *) server);
  if (user != NULL)
    g_hash_table_insert (attributes, (char *) "user", (char *) user);

  secret_service_search (NULL, NULL, attributes,
                         SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                         NULL, store_result_cb, &result);
  items = secret_service_search_finish (NULL, wait_keyring (&result), &error);
  g_assert_no_error (error);
  return items;
}

static void
test_secret_store_lookup_clear (void)
{
  g_autoptr(CnvSecretCredentials) credentials = cnv_secret_credentials_new ();
  g_autoptr(CnvMailServer) server = make_server ("imap.example.test", "alice");

  keyring_start ();
  g_assert_true (CNV_IS_CREDENTIALS (credentials));

  assert_lookup (credentials, "imap", server, NULL);
  store (credentials, "imap", server, "alice-" MARKER "-1", NULL);
  assert_lookup (credentials, "imap", server, "alice-" MARKER "-1");

  /* Storing again replaces the secret. */
  store (credentials, "imap", server, "alice-" MARKER "-2", NULL);
  assert_lookup (credentials, "imap", server, "alice-" MARKER "-2");

  g_assert_true (clear (credentials, "imap", server));
  assert_lookup (credentials, "imap", server, NULL);
  g_assert_false (clear (credentials, "imap", server));
}

static void
test_secret_not_found (void)
{
  g_autoptr(CnvSecretCredentials) credentials = cnv_secret_credentials_new ();
  g_autoptr(CnvMailServer) server = make_server ("nothing.example.test", "nobody");
  g_autoptr(CnvMailServer) anonymous = make_server ("nothing.example.test", NULL);

  keyring_start ();
  assert_lookup (credentials, "imap", server, NULL);
  assert_lookup (credentials, "smtp", server, NULL);
  /* A server without a user needs no password, and none can be stored for it. */
  assert_lookup (credentials, "imap", anonymous, NULL);
}

static void
test_secret_users_apart (void)
{
  g_autoptr(CnvSecretCredentials) credentials = cnv_secret_credentials_new ();
  g_autoptr(CnvMailServer) alice = make_server ("mail.example.test", "alice");
  g_autoptr(CnvMailServer) bob = make_server ("mail.example.test", "bob");
  g_autoptr(CnvMailServer) alice_elsewhere = make_server ("other.example.test", "alice");
  g_autoptr(CnvMailServer) alice_upper = make_server ("mail.example.test", "Alice");

  keyring_start ();
  store (credentials, "imap", alice, "alice-" MARKER, NULL);
  store (credentials, "imap", bob, "bob-" MARKER, NULL);
  assert_lookup (credentials, "imap", alice, "alice-" MARKER);
  assert_lookup (credentials, "imap", bob, "bob-" MARKER);
  assert_lookup (credentials, "imap", alice_elsewhere, NULL);
  /* Login names are kept as given: servers may tell their case apart. */
  assert_lookup (credentials, "imap", alice_upper, NULL);

  g_assert_true (clear (credentials, "imap", alice));
  assert_lookup (credentials, "imap", alice, NULL);
  assert_lookup (credentials, "imap", bob, "bob-" MARKER);
  g_assert_true (clear (credentials, "imap", bob));
}

static void
test_secret_protocols_apart (void)
{
  g_autoptr(CnvSecretCredentials) credentials = cnv_secret_credentials_new ();
  g_autoptr(CnvMailServer) server = make_server ("mail.example.test", "carol");

  keyring_start ();
  store (credentials, "imap", server, "carol-imap-" MARKER, NULL);
  assert_lookup (credentials, "smtp", server, NULL);
  store (credentials, "smtp", server, "carol-smtp-" MARKER, NULL);
  assert_lookup (credentials, "imap", server, "carol-imap-" MARKER);
  assert_lookup (credentials, "smtp", server, "carol-smtp-" MARKER);

  g_assert_true (clear (credentials, "smtp", server));
  assert_lookup (credentials, "imap", server, "carol-imap-" MARKER);
  assert_lookup (credentials, "smtp", server, NULL);
  g_assert_true (clear (credentials, "imap", server));
}

/* Host names are keyed in ASCII lower case: "MAIL.Example.TEST" is the same server. */
static void
test_secret_host_normalized (void)
{
  g_autoptr(CnvSecretCredentials) credentials = cnv_secret_credentials_new ();
  g_autoptr(CnvMailServer) upper = make_server ("MAIL.Example.TEST", "dave");
  g_autoptr(CnvMailServer) lower = make_server ("mail.example.test", "dave");
  g_autoptr(CnvMailServer) idn = make_server ("bücher.example", "dave");
  g_autoptr(CnvMailServer) ace = make_server ("XN--BCHER-KVA.example", "dave");
  GList *items;

  keyring_start ();
  store (credentials, "imap", upper, "dave-" MARKER, NULL);
  assert_lookup (credentials, "imap", lower, "dave-" MARKER);
  items = search_items ("imap", "mail.example.test", "dave");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_list_free_full (items, g_object_unref);

  store (credentials, "smtp", idn, "dave-idn-" MARKER, NULL);
  assert_lookup (credentials, "smtp", ace, "dave-idn-" MARKER);
  items = search_items ("smtp", "xn--bcher-kva.example", "dave");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_list_free_full (items, g_object_unref);

  g_assert_true (clear (credentials, "imap", lower));
  g_assert_true (clear (credentials, "smtp", ace));
}

/* The item is stored under the schema io.github.convene.Convene, in the default collection,
 * with the documented attributes; an item with the same attributes under another schema is
 * not ours. */
static void
test_secret_schema (void)
{
  static const SecretSchema other_schema = {
    "org.example.Other", SECRET_SCHEMA_NONE,
    {
      { "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };
  g_autoptr(CnvSecretCredentials) credentials = cnv_secret_credentials_new ();
  g_autoptr(CnvMailServer) server = make_server ("mail.example.test", "erin");
  g_autoptr(CnvMailServer) other = make_server ("other.example.test", "erin");
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *schema_name = NULL;
  g_autofree char *label = NULL;
  SecretItem *item;
  GList *items;

  keyring_start ();
  g_assert_cmpstr (cnv_secret_credentials_get_schema ()->name, ==, APPLICATION_ID);
  g_assert_cmpstr (APPLICATION_ID, ==, "io.github.convene.Convene");

  store (credentials, "smtp", server, "erin-" MARKER, NULL);
  items = search_items (NULL, NULL, "erin");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  item = items->data;

  schema_name = secret_item_get_schema_name (item);
  g_assert_cmpstr (schema_name, ==, "io.github.convene.Convene");
  attributes = secret_item_get_attributes (item);
  g_assert_cmpstr (g_hash_table_lookup (attributes, "protocol"), ==, "smtp");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "server"), ==, "mail.example.test");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "user"), ==, "erin");
  g_assert_cmpuint (g_hash_table_size (attributes), ==, 4);   /* with xdg:schema */
  label = secret_item_get_label (item);
  g_assert_cmpstr (label, ==, "Convene SMTP password for erin on mail.example.test");
  value = secret_item_get_secret (item);
  g_assert_nonnull (value);
  g_assert_cmpstr (secret_value_get_text (value), ==, "erin-" MARKER);
  /* Stored in the default collection, which --unlock made: "login". */
  g_assert_true (g_str_has_prefix (g_dbus_proxy_get_object_path (G_DBUS_PROXY (item)),
                                   "/org/freedesktop/secrets/collection/login/"));
  g_list_free_full (items, g_object_unref);

  /* A label given by the app (translated there) is kept. */
  store (credentials, "smtp", server, "erin-" MARKER, "Mail account erin");
  items = search_items ("smtp", NULL, "erin");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_clear_pointer (&label, g_free);
  label = secret_item_get_label (items->data);
  g_assert_cmpstr (label, ==, "Mail account erin");
  g_list_free_full (items, g_object_unref);

  /* Another application's item with the same attributes is never returned. */
  secret_password_store (&other_schema, SECRET_COLLECTION_DEFAULT, "other program",
                         "other-" MARKER, NULL, store_result_cb, &result,
                         "protocol", "imap", "server", "other.example.test", "user", "erin",
                         NULL);
  g_assert_true (secret_password_store_finish (wait_keyring (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  assert_lookup (credentials, "imap", other, NULL);
  g_assert_false (clear (credentials, "imap", other));
  secret_password_clear (&other_schema, NULL, store_result_cb, &result,
                         "protocol", "imap", "server", "other.example.test", "user", "erin",
                         NULL);
  g_assert_true (secret_password_clear_finish (wait_keyring (&result), &error));
  g_assert_no_error (error);

  g_assert_true (clear (credentials, "smtp", server));
  items = search_items (NULL, NULL, "erin");
  g_assert_null (items);
}

static void
test_secret_cancelled (void)
{
  g_autoptr(CnvSecretCredentials) credentials = cnv_secret_credentials_new ();
  g_autoptr(CnvMailServer) server = make_server ("mail.example.test", "frank");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;

  keyring_start ();
  store (credentials, "imap", server, "frank-" MARKER, NULL);
  g_cancellable_cancel (cancellable);
  secret = lookup (CNV_CREDENTIALS (credentials), "imap", server, cancellable, &error);
  g_assert_null (secret);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (clear (credentials, "imap", server));
}

/* A locked collection that cannot be unlocked (there is no prompter on this bus, as when the
 * user dismisses the unlock dialog): the look-up fails instead of saying "not found", and so
 * does storing. A daemon started again with --unlock opens it. */
static void
test_secret_locked (void)
{
  static const char * const collections[] = { "/org/freedesktop/secrets/collection/login", NULL };
  g_autoptr(CnvSecretCredentials) credentials = cnv_secret_credentials_new ();
  g_autoptr(CnvMailServer) server = make_server ("mail.example.test", "heidi");
  g_autoptr(CnvMailServer) stranger = make_server ("mail.example.test", "ivan");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;

#ifdef LEAKS_CHECKED
  g_test_skip ("libsecret 0.20.5 leaks on its failed-unlock path (two D-Bus replies and a "
               "GPtrArray per attempt): not run under LeakSanitizer");
  return;
#endif

  keyring_start ();
  store (credentials, "imap", server, "heidi-" MARKER, NULL);
  reply = g_dbus_connection_call_sync (keyring_get_connection (), "org.freedesktop.secrets",
                                       "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "Lock",
                                       g_variant_new ("(^ao)", collections),
                                       G_VARIANT_TYPE ("(aoo)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);

  secret = lookup (CNV_CREDENTIALS (credentials), "imap", server, NULL, &error);
  g_assert_null (secret);
  g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "locked"));
  assert_error_hides (error, MARKER);
  g_clear_error (&error);

  /* Nothing stored is still "not found". */
  assert_lookup (credentials, "imap", stranger, NULL);

  cnv_secret_credentials_store_async (credentials, "smtp", server, "heidi-2-" MARKER, NULL, NULL,
                                      store_result_cb, &result);
  g_assert_false (cnv_secret_credentials_store_finish (credentials, wait_keyring (&result),
                                                       &error));
  g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Secret Service: "));
  assert_error_hides (error, MARKER);

  keyring_stop ();
  keyring_start ();
  assert_lookup (credentials, "imap", server, "heidi-" MARKER);
  assert_lookup (credentials, "smtp", server, NULL);
  g_assert_true (clear (credentials, "imap", server));
}

/* No Secret Service on the bus (the daemon stopped, nothing to activate): a failure with
 * libsecret's words, not "not found". The next test starts the daemon again. */
static void
test_secret_no_service (void)
{
  g_autoptr(CnvSecretCredentials) credentials = cnv_secret_credentials_new ();
  g_autoptr(CnvMailServer) server = make_server ("mail.example.test", "grace");
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;

  keyring_start ();
  store (credentials, "imap", server, "grace-" MARKER, NULL);
  keyring_stop ();

  secret = lookup (CNV_CREDENTIALS (credentials), "imap", server, NULL, &error);
  g_assert_null (secret);
  g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Secret Service: "));
  g_assert_nonnull (strstr (error->message, "org.freedesktop.secrets"));
  assert_error_hides (error, MARKER);

  /* The keyring is on disk: a new daemon unlocks it and has the secret. */
  keyring_start ();
  assert_lookup (credentials, "imap", server, "grace-" MARKER);
  g_assert_true (clear (credentials, "imap", server));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* The engine's debug messages are on, so that the log guard checks them for secrets too. */
  log_guard_install ();
  log_guard_forbid (MARKER);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/credentials/secret/store-lookup-clear", test_secret_store_lookup_clear);
  g_test_add_func ("/engine/credentials/secret/not-found", test_secret_not_found);
  g_test_add_func ("/engine/credentials/secret/users-apart", test_secret_users_apart);
  g_test_add_func ("/engine/credentials/secret/protocols-apart", test_secret_protocols_apart);
  g_test_add_func ("/engine/credentials/secret/host-normalized", test_secret_host_normalized);
  g_test_add_func ("/engine/credentials/secret/schema", test_secret_schema);
  g_test_add_func ("/engine/credentials/secret/cancelled", test_secret_cancelled);
  g_test_add_func ("/engine/credentials/secret/locked", test_secret_locked);
  g_test_add_func ("/engine/credentials/secret/no-service", test_secret_no_service);

  keyring_bus_up ();
  status = g_test_run ();
  keyring_tear_down ();
  return status;
}
