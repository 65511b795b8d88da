/* test-app-address-book-eds.c — completion from a real evolution-data-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The program runs its own session bus (GTestDBus) whose only services are evolution-data-server's
 * source registry and address-book factory, D-Bus-activated from the installed binaries with XDG
 * directories in a temporary directory: the user's own address books are never seen. The test
 * makes local address books and their contacts through libebook, as GNOME Contacts would, and
 * checks that CnvAddressBook finds them and follows their changes. At the end every process on
 * that bus is stopped.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "address-book-test-common.h"
#include "credentials-test-common.h"

#ifdef HAVE_LIBEBOOK

/* libedataserver 3.46's e-flag.h still names GTimeVal. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
#include <libebook/libebook.h>
G_GNUC_END_IGNORE_DEPRECATIONS

/* Generous: the first activation of the registry and the factory takes a few seconds. */
#define EDS_TIMEOUT_S 60

static const char * const eds_services[] = {
  "org.gnome.evolution.dataserver.Sources5",
  "org.gnome.evolution.dataserver.AddressBook10",
};

static char *tmp_root;
static char *skip_reason;
static ESourceRegistry *registry;
/* Kept until exit: disposing of it would call g_test_dbus_down() (see main()). */
static GTestDBus *bus;

/* Writes a service file for each EDS service into @dir, after the installed one, with the test
 * program's debugging variables removed from the daemon's environment (they are for this
 * program, and fatal criticals would make the daemons abort on their own warnings). Returns
 * FALSE, with skip_reason set, when evolution-data-server is not installed. */
static gboolean
write_service_files (const char *dir)
{
  for (guint i = 0; i < G_N_ELEMENTS (eds_services); i++)
    {
      const char * const *data_dirs = g_get_system_data_dirs ();
      g_autofree char *file_name = g_strconcat (eds_services[i], ".service", NULL);
      g_autofree char *exec = NULL;
      g_autofree char *contents = NULL;
      g_autofree char *path = NULL;

      for (guint d = 0; data_dirs[d] != NULL && exec == NULL; d++)
        {
          g_autoptr(GKeyFile) key_file = g_key_file_new ();
          g_autofree char *installed = g_build_filename (data_dirs[d], "dbus-1", "services",
                                                         file_name, NULL);

          if (g_key_file_load_from_file (key_file, installed, G_KEY_FILE_NONE, NULL))
            exec = g_key_file_get_string (key_file, "D-BUS Service", "Exec", NULL);
        }
      if (exec == NULL || !g_file_test (exec, G_FILE_TEST_IS_EXECUTABLE))
        {
          skip_reason = g_strdup_printf ("evolution-data-server is not installed (no D-Bus "
                                         "service %s); tests/install-deps.sh installs it",
                                         eds_services[i]);
          return FALSE;
        }

      contents = g_strdup_printf ("[D-BUS Service]\nName=%s\n"
                                  "Exec=/usr/bin/env -u G_DEBUG -u MALLOC_CHECK_ "
                                  "-u MALLOC_PERTURB_ -u LD_PRELOAD %s\n", eds_services[i], exec);
      path = g_build_filename (dir, file_name, NULL);
      g_assert_true (g_file_set_contents (path, contents, -1, NULL));
    }
  return TRUE;
}

/* Every process connected to the bus but this one: the registry, the factory and its backend
 * subprocesses. */
static GArray *
bus_peer_pids (GDBusConnection *connection)
{
  g_autoptr(GVariant) names = NULL;
  g_autoptr(GVariantIter) iter = NULL;
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (guint32));
  const char *name;

  names = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "ListNames", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, NULL);
  if (names == NULL)
    return pids;
  g_variant_get (names, "(as)", &iter);
  while (g_variant_iter_next (iter, "&s", &name))
    {
      g_autoptr(GVariant) reply = NULL;
      guint32 pid;

      if (name[0] != ':' || strcmp (name, g_dbus_connection_get_unique_name (connection)) == 0)
        continue;
      reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                           "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                           "GetConnectionUnixProcessID",
                                           g_variant_new ("(s)", name), G_VARIANT_TYPE ("(u)"),
                                           G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
      if (reply == NULL)
        continue;
      g_variant_get (reply, "(u)", &pid);
      if (pid != (guint32) getpid ())
        g_array_append_val (pids, pid);
    }
  return pids;
}

/* Exited: gone, or a zombie its parent (the bus daemon) has not reaped yet. */
static gboolean
process_exited (guint32  pid,
                gboolean *reaped)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%u/stat", pid);
  g_autofree char *stat = NULL;
  const char *end;

  *reaped = !g_file_get_contents (stat_path, &stat, NULL, NULL);
  if (*reaped)
    return TRUE;
  end = strrchr (stat, ')');
  return end != NULL && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X');
}

/* Stops every process on the bus, and waits until the bus daemon, their parent, has reaped them
 * (stopped first, it would leave zombies to init). */
static void
stop_bus_peers (GDBusConnection *connection)
{
  g_autoptr(GArray) pids = bus_peer_pids (connection);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gboolean all_reaped = FALSE;

  for (guint i = 0; i < pids->len; i++)
    kill (g_array_index (pids, guint32, i), SIGTERM);
  while (!all_reaped && g_get_monotonic_time () < deadline)
    {
      all_reaped = TRUE;
      for (guint i = 0; i < pids->len; i++)
        {
          gboolean reaped;

          process_exited (g_array_index (pids, guint32, i), &reaped);
          all_reaped = all_reaped && reaped;
        }
      if (!all_reaped)
        g_usleep (50 * 1000);
    }
  for (guint i = 0; i < pids->len; i++)
    {
      guint32 pid = g_array_index (pids, guint32, i);
      gboolean reaped;

      if (!process_exited (pid, &reaped))
        {
          g_test_message ("process %u did not stop on SIGTERM: killed", pid);
          kill (pid, SIGKILL);
        }
    }
}

/* ---- address books and contacts, as GNOME Contacts makes them ---- */

static ESource *
make_address_book (const char *uid,
                   const char *display_name)
{
  g_autoptr(ESource) scratch = NULL;
  g_autoptr(GError) error = NULL;
  ESource *source = NULL;
  ESourceBackend *extension;

  scratch = e_source_new_with_uid (uid, NULL, &error);
  g_assert_no_error (error);
  e_source_set_parent (scratch, "local-stub");
  e_source_set_display_name (scratch, display_name);
  extension = e_source_get_extension (scratch, E_SOURCE_EXTENSION_ADDRESS_BOOK);
  e_source_backend_set_backend_name (extension, "local");
  e_source_registry_commit_source_sync (registry, scratch, NULL, &error);
  g_assert_no_error (error);

  WAIT_UNTIL ((source = e_source_registry_ref_source (registry, uid)) != NULL, EDS_TIMEOUT_S);
  g_assert_nonnull (source);
  return source;
}

static EBookClient *
open_address_book (ESource *source)
{
  g_autoptr(GError) error = NULL;
  /* (guint32) -1: no wait for "connected" (0 waits for ever): a local book is at once, and the
   * wait would need this thread's main loop running. */
  EClient *client = e_book_client_connect_sync (source, (guint32) -1, NULL, &error);

  g_assert_no_error (error);
  return E_BOOK_CLIENT (client);
}

static EContact *
make_contact (const char *full_name,
              ...)
{
  EContact *contact = e_contact_new ();
  GList *emails = NULL;
  const char *email;
  va_list args;

  e_contact_set (contact, E_CONTACT_FULL_NAME, full_name);
  va_start (args, full_name);
  while ((email = va_arg (args, const char *)) != NULL)
    emails = g_list_append (emails, (gpointer) email);
  va_end (args);
  if (emails != NULL)
    e_contact_set (contact, E_CONTACT_EMAIL, emails);
  g_list_free (emails);
  return contact;
}

/* Adds @contact and returns its UID. */
static char *
add_contact (EBookClient *client,
             EContact    *contact)
{
  g_autoptr(GError) error = NULL;
  char *uid = NULL;

  e_book_client_add_contact_sync (client, contact, E_BOOK_OPERATION_FLAG_NONE, &uid, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (uid);
  return uid;
}

static void
remove_address_book (ESource *source)
{
  g_autoptr(GError) error = NULL;

  e_source_remove_sync (source, NULL, &error);
  g_assert_no_error (error);
}

/* ---- the book ---- */

static CnvAddressBook *
load_book (void)
{
  g_autofree char *path = g_build_filename (tmp_root, "collected.json", NULL);

  return book_load (path, EDS_TIMEOUT_S);
}

/* The addresses completion gives for @query, comma separated. */
static char *
complete (CnvAddressBook *book,
          const char     *query)
{
  return book_complete (book, query, 20);
}

static gboolean
completes_to (CnvAddressBook *book,
              const char     *query,
              const char     *expected)
{
  g_autofree char *got = complete (book, query);

  return strcmp (got, expected) == 0;
}

/* The origin of the first completion of @query, 0 when there is none. */
static CnvAddressBookOrigin
first_origin (CnvAddressBook *book,
              const char     *query)
{
  g_autoptr(GPtrArray) results = cnv_address_book_complete (book, query, 10);

  return results->len > 0 ? ((CnvAddressBookEntry *) results->pdata[0])->origin : 0;
}

#define assert_completes(book, query, expected)                 \
  G_STMT_START {                                                \
    g_autofree char *got_ = complete ((book), (query));         \
    g_assert_cmpstr (got_, ==, (expected));                     \
  } G_STMT_END

static void
changed_cb (CnvAddressBook *book,
            guint          *count)
{
  (*count)++;
}

static void
test_contacts (void)
{
  g_autoptr(ESource) source = NULL;
  g_autoptr(CnvAddressBook) book = NULL;
  /* (libebook 3.46 defines no g_autoptr() for these.) */
  EBookClient *client;
  EContact *alice;
  EContact *jp;
  EContact *nomail;
  EContact *list;
  EContact *bob;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *alice_uid = NULL;
  g_autofree char *jp_uid = NULL;
  g_autofree char *nomail_uid = NULL;
  g_autofree char *list_uid = NULL;
  g_autofree char *bob_uid = NULL;
  CnvAddressBookEntry *entry;
  guint changed = 0;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  source = make_address_book ("cnv-test-contacts", "Convene Test");
  client = open_address_book (source);
  alice = make_contact ("Alice Liddell", "Alice@Example.TEST", NULL);
  jp = make_contact ("Jean-Pierre Dupont", "jp@example.test", "jean-pierre.dupont@work.example",
                     "JP@example.test", "not an address", NULL);
  nomail = make_contact ("Zed Nomail", NULL);
  list = make_contact ("Team List", "team@example.test", NULL);
  e_contact_set (list, E_CONTACT_IS_LIST, GINT_TO_POINTER (TRUE));
  alice_uid = add_contact (client, alice);
  jp_uid = add_contact (client, jp);
  nomail_uid = add_contact (client, nomail);
  list_uid = add_contact (client, list);

  book = load_book ();
  g_signal_connect (book, "changed", G_CALLBACK (changed_cb), &changed);

  /* Found when the load finishes, named, from the contacts. */
  results = cnv_address_book_complete (book, "ali", 10);
  g_assert_cmpuint (results->len, ==, 1);
  entry = g_ptr_array_index (results, 0);
  g_assert_cmpstr (entry->address, ==, "alice@example.test");
  g_assert_cmpstr (entry->name, ==, "Alice Liddell");
  g_assert_cmpint (entry->origin, ==, CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
  g_assert_cmpuint (entry->uses, ==, 0);

  /* One entry per address of a contact with several (the same one twice counts once). */
  assert_completes (book, "dup", "jean-pierre.dupont@work.example,jp@example.test");
  g_clear_pointer (&results, g_ptr_array_unref);
  results = cnv_address_book_complete (book, "dup", 10);
  for (guint i = 0; i < results->len; i++)
    g_assert_cmpstr (((CnvAddressBookEntry *) results->pdata[i])->name, ==, "Jean-Pierre Dupont");
  assert_completes (book, "zed", "");
  assert_completes (book, "team", "");
  g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, 3);

  /* A contact added afterwards comes with "changed". */
  bob = make_contact ("Bob Builder", "bob@example.test", NULL);
  bob_uid = add_contact (client, bob);
  WAIT_UNTIL (completes_to (book, "bob", "bob@example.test"), EDS_TIMEOUT_S);
  assert_completes (book, "builder", "bob@example.test");
  g_assert_cmpuint (changed, >, 0);

  /* A changed contact: the old address goes, the new one comes, with the new name. */
  e_contact_set (alice, E_CONTACT_UID, alice_uid);
  e_contact_set (alice, E_CONTACT_FULL_NAME, "Alice Hargreaves");
  {
    GList emails = { (gpointer) "alice@new.example", NULL, NULL };

    e_contact_set (alice, E_CONTACT_EMAIL, &emails);
  }
  e_book_client_modify_contact_sync (client, alice, E_BOOK_OPERATION_FLAG_NONE, NULL, &error);
  g_assert_no_error (error);
  WAIT_UNTIL (completes_to (book, "alice", "alice@new.example"), EDS_TIMEOUT_S);
  assert_completes (book, "hargreaves", "alice@new.example");
  assert_completes (book, "liddell", "");

  /* A removed contact goes; a collected address of it stays, collected. */
  {
    g_autoptr(CnvAddress) address = cnv_address_new (NULL, "bob@example.test", NULL);

    cnv_address_book_note_used (book, address);
  }
  g_clear_pointer (&results, g_ptr_array_unref);
  results = cnv_address_book_complete (book, "bob", 10);
  g_assert_cmpint (((CnvAddressBookEntry *) results->pdata[0])->origin, ==,
                   CNV_ADDRESS_BOOK_ORIGIN_CONTACTS | CNV_ADDRESS_BOOK_ORIGIN_COLLECTED);
  e_book_client_remove_contact_by_uid_sync (client, jp_uid, E_BOOK_OPERATION_FLAG_NONE, NULL,
                                            &error);
  g_assert_no_error (error);
  e_book_client_remove_contact_by_uid_sync (client, bob_uid, E_BOOK_OPERATION_FLAG_NONE, NULL,
                                            &error);
  g_assert_no_error (error);
  WAIT_UNTIL (completes_to (book, "dup", ""), EDS_TIMEOUT_S);
  /* The two removals may reach the view in separate batches: wait for bob's too. */
  WAIT_UNTIL (first_origin (book, "bob") == CNV_ADDRESS_BOOK_ORIGIN_COLLECTED, EDS_TIMEOUT_S);
  WAIT_UNTIL (cnv_address_book_get_n_entries (book) == 2, EDS_TIMEOUT_S);
  g_clear_pointer (&results, g_ptr_array_unref);
  results = cnv_address_book_complete (book, "bob", 10);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpint (((CnvAddressBookEntry *) results->pdata[0])->origin, ==,
                   CNV_ADDRESS_BOOK_ORIGIN_COLLECTED);
  g_assert_cmpstr (((CnvAddressBookEntry *) results->pdata[0])->name, ==, "Bob Builder");

  g_clear_object (&book);
  g_object_unref (alice);
  g_object_unref (jp);
  g_object_unref (nomail);
  g_object_unref (list);
  g_object_unref (bob);
  g_object_unref (client);
  remove_address_book (source);
}

/* An address book made, or removed, while the book runs. */
static void
test_sources_followed (void)
{
  g_autoptr(CnvAddressBook) book = NULL;
  g_autoptr(ESource) source = NULL;
  EBookClient *client;
  EContact *carol;
  g_autofree char *carol_uid = NULL;
  guint changed = 0;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  book = load_book ();
  g_signal_connect (book, "changed", G_CALLBACK (changed_cb), &changed);
  assert_completes (book, "carol", "");

  source = make_address_book ("cnv-test-later", "Convene Later");
  client = open_address_book (source);
  carol = make_contact ("Carol Černá", "carol@example.test", NULL);
  carol_uid = add_contact (client, carol);
  WAIT_UNTIL (completes_to (book, "cerna", "carol@example.test"), EDS_TIMEOUT_S);
  assert_completes (book, "Čer", "carol@example.test");
  g_assert_cmpuint (changed, >, 0);

  g_object_unref (carol);
  g_object_unref (client);
  remove_address_book (source);
  WAIT_UNTIL (completes_to (book, "carol", ""), EDS_TIMEOUT_S);
  assert_completes (book, "carol", "");
}

/* A book disposed while its address books are still opening: nothing is left behind, nothing is
 * called on it afterwards. */
static void
test_dispose_while_loading (void)
{
  g_autofree char *path = g_build_filename (tmp_root, "collected.json", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  CnvAddressBook *book;

  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return;
    }

  book = cnv_address_book_new (path);
  cnv_address_book_load_async (book, cancellable, store_result_cb, &result);
  spin_ms (50);
  g_cancellable_cancel (cancellable);
  g_assert_false (cnv_address_book_load_finish (book, wait_result (&result, EDS_TIMEOUT_S),
                                                &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_object_unref (book);
  spin_ms (500);
}

#else /* !HAVE_LIBEBOOK */

static void
test_not_built (void)
{
  g_test_skip ("built without libebook (the address-book option is disabled, or libebook-1.2 "
               "is missing)");
}

#endif /* HAVE_LIBEBOOK */

int
main (int   argc,
      char *argv[])
{
#ifdef HAVE_LIBEBOOK
  static const char * const variables[] = { "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                                            "XDG_RUNTIME_DIR", "HOME" };
  static const char * const subdirs[] = { "data", "config", "cache", "run", "home" };
  g_autofree char *services = NULL;
  int status;

  /* Before anything asks GLib for these directories: this program and the daemons it starts
   * see only the temporary ones. */
  tmp_root = g_dir_make_tmp ("cnv-book-eds-XXXXXX", NULL);
  g_assert_nonnull (tmp_root);
  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      g_autofree char *path = g_build_filename (tmp_root, subdirs[i], NULL);

      g_mkdir (path, 0700);
      g_setenv (variables[i], path, TRUE);
    }
  services = g_build_filename (tmp_root, "services", NULL);
  g_mkdir (services, 0700);
  write_service_files (services);

  g_test_init (&argc, &argv, NULL);

  if (skip_reason == NULL)
    {
      g_autoptr(GError) error = NULL;

      bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_test_dbus_add_service_dir (bus, services);
      g_test_dbus_up (bus);
      registry = e_source_registry_new_sync (NULL, &error);
      g_assert_no_error (error);
    }

  g_test_add_func ("/app/address-book-eds/contacts", test_contacts);
  g_test_add_func ("/app/address-book-eds/sources-followed", test_sources_followed);
  g_test_add_func ("/app/address-book-eds/dispose-while-loading", test_dispose_while_loading);

  status = g_test_run ();

  if (bus != NULL)
    {
      GDBusConnection *connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

      g_clear_object (&registry);
      /* The registries' object-manager threads end on their own context. */
      spin_ms (200);
      stop_bus_peers (connection);
      /* libebook keeps the session connection for the process (its client caches), so
       * g_test_dbus_down(), which waits until that connection is finalized, would time out: stop
       * the bus without waiting, and keep the GTestDBus until exit. */
      g_dbus_connection_set_exit_on_close (connection, FALSE);
      g_object_unref (connection);
      g_test_dbus_stop (bus);
    }
  remove_tree (tmp_root);
  g_free (tmp_root);
  g_free (skip_reason);
  return status;
#else
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/address-book-eds/not-built", test_not_built);
  return g_test_run ();
#endif
}
