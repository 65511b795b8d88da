/* test-manager-store.c — the manager's SQLite store: schema and migrations, transactions,
 * accreditation, watcher positions, processed mail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cnv-address.h"
#include "cnv-manager-store.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("cnv-store-XXXXXX", NULL);
  fixture->path = g_build_filename (fixture->dir, "manager.db", NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
}

static CnvManagerStore *
open_store (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  CnvManagerStore *store = cnv_manager_store_open (fixture->path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

/* Read with SQLite itself, not through the store. */
static char *
query_text (const char *path,
            const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &statement, NULL), ==, SQLITE_OK);
  if (sqlite3_step (statement) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (statement, 0));
  sqlite3_finalize (statement);
  sqlite3_close (db);
  return value;
}

static void
test_create_and_reopen (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *journal = NULL;
  g_autofree char *tables = NULL;

  {
    g_autoptr(CnvManagerStore) store = open_store (fixture);

    g_assert_cmpint (cnv_manager_store_get_version (store), ==, CNV_STORE_SCHEMA_VERSION);
  }
  journal = query_text (fixture->path, "PRAGMA journal_mode;");
  g_assert_cmpstr (journal, ==, "wal");
  tables = query_text (fixture->path, "SELECT group_concat(name, ',') FROM "
                                      "(SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name);");
  g_assert_cmpstr (tables, ==, "mailboxes,processed,users");

  /* Opening again migrates nothing and keeps the data. */
  {
    g_autoptr(CnvManagerStore) store = open_store (fixture);
    g_autoptr(GError) error = NULL;

    g_assert_true (cnv_manager_store_add_user (store, "alice@example.test", "Alice", &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(CnvManagerStore) store = open_store (fixture);
    g_autoptr(GError) error = NULL;
    gboolean accredited = FALSE;

    g_assert_cmpint (cnv_manager_store_get_version (store), ==, CNV_STORE_SCHEMA_VERSION);
    g_assert_true (cnv_manager_store_is_accredited (store, "alice@example.test", NULL, &accredited, &error));
    g_assert_true (accredited);
  }
}

static void
test_newer_schema_refused (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvManagerStore) store = NULL;
  g_autofree char *version = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE future (x); PRAGMA user_version = 99;", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = cnv_manager_store_open (fixture->path, &error);
  g_assert_null (store);
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_VERSION);
  g_assert_nonnull (strstr (error->message, "99"));
  /* Untouched. */
  version = query_text (fixture->path, "PRAGMA user_version;");
  g_assert_cmpstr (version, ==, "99");
}

static void
test_not_a_database (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvManagerStore) store = NULL;
  g_autofree char *bad_dir = g_build_filename (fixture->dir, "missing", "manager.db", NULL);

  g_assert_true (g_file_set_contents (fixture->path, "This is a text file, not SQLite. It is long enough "
                                      "to have a header that SQLite reads and refuses.\n", -1, NULL));
  store = cnv_manager_store_open (fixture->path, &error);
  g_assert_null (store);
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_OPEN);
  g_clear_error (&error);

  store = cnv_manager_store_open (bad_dir, &error);
  g_assert_null (store);
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_OPEN);
}

static void
test_users (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = open_store (fixture);
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GError) error = NULL;
  const char *domains[] = { "partner.example", NULL };
  gboolean accredited = TRUE, removed = FALSE;

  g_assert_true (cnv_manager_store_add_user (store, "Bob@Example.TEST", "Bob", &error));
  g_assert_true (cnv_manager_store_add_user (store, "carol@b\xc3\xbc" "cher.example", NULL, &error));
  g_assert_true (cnv_manager_store_add_user (store, "bob@example.test", "Robert", &error));   /* update */
  g_assert_no_error (error);

  users = cnv_manager_store_list_users (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 2);
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (users, 0))->address, ==, "bob@example.test");
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (users, 0))->name, ==, "Robert");
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (users, 1))->address, ==, "carol@xn--bcher-kva.example");

  /* E502: the users table, or a whole accredited domain (not its subdomains). */
  g_assert_true (cnv_manager_store_is_accredited (store, "BOB@example.test", NULL, &accredited, &error));
  g_assert_true (accredited);
  g_assert_true (cnv_manager_store_is_accredited (store, "mallory@example.test", NULL, &accredited, &error));
  g_assert_false (accredited);
  g_assert_true (cnv_manager_store_is_accredited (store, "dan@Partner.Example", domains, &accredited, &error));
  g_assert_true (accredited);
  g_assert_true (cnv_manager_store_is_accredited (store, "dan@evil.partner.example", domains, &accredited, &error));
  g_assert_false (accredited);
  g_assert_no_error (error);

  g_assert_true (cnv_manager_store_remove_user (store, "bob@EXAMPLE.test", &removed, &error));
  g_assert_true (removed);
  g_assert_true (cnv_manager_store_remove_user (store, "bob@example.test", &removed, &error));
  g_assert_false (removed);
  g_assert_true (cnv_manager_store_is_accredited (store, "bob@example.test", NULL, &accredited, &error));
  g_assert_false (accredited);

  /* Not an address: a clear error, nothing stored. */
  g_assert_false (cnv_manager_store_add_user (store, "not an address", NULL, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cnv_manager_store_is_accredited (store, "@example.test", NULL, &accredited, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
}

/* One transaction: the processed record and the position commit together, or neither does. */
static void
test_processed_and_position (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint32 uidvalidity = 1, last_uid = 1;
  gboolean processed = TRUE;

  {
    g_autoptr(CnvManagerStore) store = open_store (fixture);

    g_assert_true (cnv_manager_store_get_position (store, "videoconference@example.test/INBOX",
                                                   &uidvalidity, &last_uid, &error));
    g_assert_cmpuint (uidvalidity, ==, 0);
    g_assert_cmpuint (last_uid, ==, 0);

    g_assert_true (cnv_manager_store_begin (store, &error));
    g_assert_true (cnv_manager_store_add_processed (store, "<req-1@example.test>",
                                                    "videoconference@example.test/INBOX", 7, 41,
                                                    "accepted", NULL, &error));
    g_assert_true (cnv_manager_store_set_position (store, "videoconference@example.test/INBOX", 7, 41, &error));
    g_assert_true (cnv_manager_store_commit (store, &error));
    g_assert_no_error (error);

    /* A second transaction that fails half-way leaves nothing behind. */
    g_assert_true (cnv_manager_store_begin (store, &error));
    g_assert_true (cnv_manager_store_set_position (store, "videoconference@example.test/INBOX", 7, 42, &error));
    g_assert_false (cnv_manager_store_add_processed (store, "<req-1@example.test>",
                                                     "videoconference@example.test/INBOX", 7, 42,
                                                     "accepted", NULL, &error));
    g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_FAILED);
    g_clear_error (&error);
    cnv_manager_store_rollback (store);
  }

  /* After a restart. */
  {
    g_autoptr(CnvManagerStore) store = open_store (fixture);

    g_assert_true (cnv_manager_store_get_position (store, "videoconference@example.test/INBOX",
                                                   &uidvalidity, &last_uid, &error));
    g_assert_cmpuint (uidvalidity, ==, 7);
    g_assert_cmpuint (last_uid, ==, 41);
    g_assert_true (cnv_manager_store_was_processed (store, "<req-1@example.test>", &processed, &error));
    g_assert_true (processed);
    g_assert_true (cnv_manager_store_was_processed (store, "<req-2@example.test>", &processed, &error));
    g_assert_false (processed);
    g_assert_no_error (error);
  }
}

/* An uncommitted transaction is gone when the process ends without COMMIT. */
static void
test_uncommitted_lost_on_close (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean processed = TRUE;

  {
    g_autoptr(CnvManagerStore) store = open_store (fixture);

    g_assert_true (cnv_manager_store_begin (store, &error));
    g_assert_true (cnv_manager_store_add_processed (store, "<x@example.test>", "m", 1, 1, "refused",
                                                    "not accredited", &error));
  }
  {
    g_autoptr(CnvManagerStore) store = open_store (fixture);

    g_assert_true (cnv_manager_store_was_processed (store, "<x@example.test>", &processed, &error));
    g_assert_false (processed);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/manager/store/create-and-reopen", Fixture, NULL, fixture_set_up, test_create_and_reopen, fixture_tear_down);
  g_test_add ("/manager/store/newer-schema-refused", Fixture, NULL, fixture_set_up, test_newer_schema_refused, fixture_tear_down);
  g_test_add ("/manager/store/not-a-database", Fixture, NULL, fixture_set_up, test_not_a_database, fixture_tear_down);
  g_test_add ("/manager/store/users", Fixture, NULL, fixture_set_up, test_users, fixture_tear_down);
  g_test_add ("/manager/store/processed-and-position", Fixture, NULL, fixture_set_up, test_processed_and_position, fixture_tear_down);
  g_test_add ("/manager/store/uncommitted-lost-on-close", Fixture, NULL, fixture_set_up, test_uncommitted_lost_on_close, fixture_tear_down);

  return g_test_run ();
}
