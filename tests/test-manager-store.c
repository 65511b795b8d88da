/* test-manager-store.c — the manager's SQLite store: schema and migrations, transactions,
 * accreditation, watcher positions, processed mail, sessions, participants, credentials, the
 * outbox, two connections on one file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cnv-address.h"
#include "cnv-manager-store.h"
#include "cnv-manager-token.h"
#include "manager-test-files.h"

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
  g_assert_cmpstr (tables, ==, "domains,mailboxes,outbox,participants,processed,sessions,tokens,users");

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
                                                    "alice@example.test", "accepted", NULL, &error));
    g_assert_true (cnv_manager_store_set_position (store, "videoconference@example.test/INBOX", 7, 41, &error));
    g_assert_true (cnv_manager_store_commit (store, &error));
    g_assert_no_error (error);

    /* A second transaction that fails half-way leaves nothing behind. */
    g_assert_true (cnv_manager_store_begin (store, &error));
    g_assert_true (cnv_manager_store_set_position (store, "videoconference@example.test/INBOX", 7, 42, &error));
    g_assert_false (cnv_manager_store_add_processed (store, "<req-1@example.test>",
                                                     "videoconference@example.test/INBOX", 7, 42,
                                                     "alice@example.test", "accepted", NULL, &error));
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
    g_assert_true (cnv_manager_store_add_processed (store, "<x@example.test>", "m", 1, 1, NULL, "refused",
                                                    "not accredited", &error));
  }
  {
    g_autoptr(CnvManagerStore) store = open_store (fixture);

    g_assert_true (cnv_manager_store_was_processed (store, "<x@example.test>", &processed, &error));
    g_assert_false (processed);
  }
}

/* ---- Schema version 2 ---------------------------------------------------------------------- */

/* The schema of version 1, as it shipped: the migration must take such a file forward. */
static const char v1_schema[] =
  "CREATE TABLE users ("
  "  address TEXT PRIMARY KEY,"
  "  name TEXT,"
  "  added_at INTEGER NOT NULL);"
  "CREATE TABLE mailboxes ("
  "  mailbox TEXT PRIMARY KEY,"
  "  uidvalidity INTEGER NOT NULL,"
  "  last_uid INTEGER NOT NULL);"
  "CREATE TABLE processed ("
  "  message_id TEXT PRIMARY KEY,"
  "  mailbox TEXT NOT NULL,"
  "  uidvalidity INTEGER NOT NULL,"
  "  uid INTEGER NOT NULL,"
  "  outcome TEXT NOT NULL,"
  "  reason TEXT,"
  "  processed_at INTEGER NOT NULL);"
  "CREATE INDEX processed_by_uid ON processed (mailbox, uidvalidity, uid);";

static void
test_migrate_from_version_1 (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *senders = NULL;
  g_autofree char *indexes = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *rows = g_strdup_printf (
    "INSERT INTO users VALUES ('alice@example.test', 'Alice', 1700000000);"
    "INSERT INTO mailboxes VALUES ('videoconference@example.test/INBOX', 9, 77);"
    "INSERT INTO processed VALUES ('old-1@example.test', 'videoconference@example.test/INBOX', 9, 76, "
    "'accepted', NULL, %" G_GINT64_FORMAT ");"
    "PRAGMA user_version = 1;", now);
  guint32 uidvalidity = 0, last_uid = 0;
  gboolean accredited = FALSE, processed = FALSE;
  guint count = 99;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, v1_schema, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, rows, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = open_store (fixture);
  g_assert_cmpint (cnv_manager_store_get_version (store), ==, 2);

  /* The old rows are kept. */
  g_assert_true (cnv_manager_store_is_accredited (store, "alice@example.test", NULL, &accredited, &error));
  g_assert_true (accredited);
  g_assert_true (cnv_manager_store_get_position (store, "videoconference@example.test/INBOX",
                                                 &uidvalidity, &last_uid, &error));
  g_assert_cmpuint (uidvalidity, ==, 9);
  g_assert_cmpuint (last_uid, ==, 77);
  g_assert_true (cnv_manager_store_was_processed (store, "old-1@example.test", &processed, &error));
  g_assert_true (processed);
  g_assert_no_error (error);

  /* An old row has no sender: it counts for nobody, and new rows count. */
  g_assert_true (cnv_manager_store_count_requests (store, "alice@example.test", 0, &count, &error));
  g_assert_cmpuint (count, ==, 0);
  g_assert_true (cnv_manager_store_add_processed (store, "new-1@example.test", "videoconference@example.test/INBOX",
                                                  9, 78, "alice@example.test", "accepted", NULL, &error));
  g_assert_true (cnv_manager_store_count_requests (store, "alice@example.test", 0, &count, &error));
  g_assert_cmpuint (count, ==, 1);
  g_assert_no_error (error);

  g_clear_object (&store);
  senders = query_text (fixture->path, "SELECT group_concat(coalesce(sender, 'NULL'), ',') FROM "
                                       "(SELECT sender FROM processed ORDER BY uid);");
  g_assert_cmpstr (senders, ==, "NULL,alice@example.test");
  indexes = query_text (fixture->path, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
                                       "WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name);");
  g_assert_cmpstr (indexes, ==, "outbox_by_message_id,outbox_by_session,outbox_due,processed_by_sender,"
                                "processed_by_uid,sessions_by_request,sessions_by_state,tokens_by_participant");
}

static void
test_enum_strings (void)
{
  CnvSessionState state = CNV_SESSION_STATE_ACTIVE;

  g_assert_cmpstr (cnv_session_state_to_string (CNV_SESSION_STATE_SCHEDULED), ==, "scheduled");
  g_assert_cmpstr (cnv_session_state_to_string (CNV_SESSION_STATE_ACTIVE), ==, "active");
  g_assert_cmpstr (cnv_session_state_to_string (CNV_SESSION_STATE_CLOSED), ==, "closed");
  g_assert_cmpstr (cnv_session_state_to_string (CNV_SESSION_STATE_CANCELLED), ==, "cancelled");
  for (int i = CNV_SESSION_STATE_SCHEDULED; i <= CNV_SESSION_STATE_CANCELLED; i++)
    {
      g_assert_true (cnv_session_state_from_string (cnv_session_state_to_string (i), &state));
      g_assert_cmpint (state, ==, i);
    }
  state = CNV_SESSION_STATE_ACTIVE;
  g_assert_false (cnv_session_state_from_string ("Scheduled", &state));
  g_assert_false (cnv_session_state_from_string ("", &state));
  g_assert_false (cnv_session_state_from_string (NULL, &state));
  g_assert_false (cnv_session_state_from_string ("active ", &state));
  g_assert_cmpint (state, ==, CNV_SESSION_STATE_ACTIVE);

  g_assert_cmpstr (cnv_outbox_kind_to_string (CNV_OUTBOX_INVITATION), ==, "invitation");
  g_assert_cmpstr (cnv_outbox_kind_to_string (CNV_OUTBOX_REFUSAL), ==, "refusal");
  g_assert_cmpstr (cnv_outbox_kind_to_string (CNV_OUTBOX_CANCEL), ==, "cancel");
  g_assert_cmpstr (cnv_outbox_state_to_string (CNV_OUTBOX_PENDING), ==, "pending");
  g_assert_cmpstr (cnv_outbox_state_to_string (CNV_OUTBOX_SENT), ==, "sent");
  g_assert_cmpstr (cnv_outbox_state_to_string (CNV_OUTBOX_FAILED), ==, "failed");

  cnv_stored_session_free (NULL);
  cnv_stored_participant_free (NULL);
  cnv_outbox_item_free (NULL);
}

static CnvStoredSession *
make_session (const char      *id,
              const char      *type,
              gint64           start,
              gint64           end,
              CnvSessionState  state)
{
  CnvStoredSession *session = g_new0 (CnvStoredSession, 1);

  session->id = g_strdup (id);
  session->uid = g_strdup_printf ("%s@convene.example.test", id);
  session->sequence = 0;
  session->type = g_strdup (type);
  session->title = g_strdup_printf ("Session %s", id);
  session->initiator = g_strdup ("Alice@Example.TEST");
  session->initiator_name = g_strdup ("Alice");
  session->manager_address = g_strdup ("videoconference@example.test");
  session->request_message_id = g_strdup_printf ("req-%s@example.test", id);
  session->start = start;
  session->end = end;
  session->state = state;
  session->room = g_strdup_printf ("room-%s", id);
  session->invite_at_start = FALSE;
  return session;
}

static void
add_session (CnvManagerStore *store,
             const char      *id,
             const char      *type,
             gint64           start,
             gint64           end,
             CnvSessionState  state)
{
  g_autoptr(CnvStoredSession) session = make_session (id, type, start, end, state);
  g_autoptr(GError) error = NULL;

  g_assert_true (cnv_manager_store_add_session (store, session, &error));
  g_assert_no_error (error);
}

static gint64
add_participant (CnvManagerStore *store,
                 const char      *session_id,
                 const char      *address,
                 gboolean         is_initiator)
{
  g_autoptr(GError) error = NULL;
  gint64 id = 0;
  gboolean added = FALSE;

  g_assert_true (cnv_manager_store_add_participant (store, session_id, address, NULL, is_initiator,
                                                    &id, &added, &error));
  g_assert_no_error (error);
  g_assert_true (added);
  g_assert_cmpint (id, >, 0);
  return id;
}

static CnvOutboxItem *
make_item (CnvOutboxKind  kind,
           const char    *session_id,
           gint64         participant_id,
           const char    *recipient,
           gint64         next_attempt)
{
  CnvOutboxItem *item = g_new0 (CnvOutboxItem, 1);

  item->kind = kind;
  item->session_id = g_strdup (session_id);
  item->participant_id = participant_id;
  item->recipient = g_strdup (recipient);
  item->sender = g_strdup ("videoconference@example.test");
  item->state = CNV_OUTBOX_PENDING;
  item->next_attempt = next_attempt;
  return item;
}

static gint64
add_item (CnvManagerStore *store,
          CnvOutboxKind    kind,
          const char      *session_id,
          gint64           participant_id,
          const char      *recipient,
          gint64           next_attempt)
{
  g_autoptr(CnvOutboxItem) item = make_item (kind, session_id, participant_id, recipient, next_attempt);
  g_autoptr(GError) error = NULL;

  g_assert_true (cnv_manager_store_add_outbox (store, item, &error));
  g_assert_no_error (error);
  g_assert_cmpint (item->id, >, 0);
  return item->id;
}

static guint
count_sessions (CnvManagerStore *store)
{
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (cnv_manager_store_list_sessions (store, TRUE, NULL, &sessions, &error));
  g_assert_no_error (error);
  return sessions->len;
}

static void
test_sessions (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = open_store (fixture);
  g_autoptr(CnvStoredSession) session = make_session ("s-1", "video", 1800000000, 1800003600,
                                                      CNV_SESSION_STATE_SCHEDULED);
  g_autoptr(CnvStoredSession) read = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GError) error = NULL;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;

  session->sequence = 3;
  session->invite_at_start = TRUE;
  g_assert_true (cnv_manager_store_add_session (store, session, &error));
  g_assert_no_error (error);

  /* Every field comes back; the initiator normalised, created_at set. */
  g_assert_true (cnv_manager_store_get_session (store, "s-1", &read, &error));
  g_assert_no_error (error);
  g_assert_nonnull (read);
  g_assert_cmpstr (read->id, ==, "s-1");
  g_assert_cmpstr (read->uid, ==, "s-1@convene.example.test");
  g_assert_cmpint (read->sequence, ==, 3);
  g_assert_cmpstr (read->type, ==, "video");
  g_assert_cmpstr (read->title, ==, "Session s-1");
  g_assert_cmpstr (read->initiator, ==, "alice@example.test");
  g_assert_cmpstr (read->initiator_name, ==, "Alice");
  g_assert_cmpstr (read->manager_address, ==, "videoconference@example.test");
  g_assert_cmpstr (read->request_message_id, ==, "req-s-1@example.test");
  g_assert_cmpint (read->start, ==, 1800000000);
  g_assert_cmpint (read->end, ==, 1800003600);
  g_assert_cmpint (read->state, ==, CNV_SESSION_STATE_SCHEDULED);
  g_assert_cmpstr (read->room, ==, "room-s-1");
  g_assert_null (read->room_url);
  g_assert_true (read->invite_at_start);
  g_assert_cmpint (read->created_at, >=, before);
  g_clear_pointer (&read, cnv_stored_session_free);

  /* Not found: TRUE and NULL. */
  g_assert_true (cnv_manager_store_get_session (store, "s-2", &read, &error));
  g_assert_no_error (error);
  g_assert_null (read);

  /* The same id twice: a constraint. */
  g_assert_false (cnv_manager_store_add_session (store, session, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "UNIQUE"));
  g_clear_error (&error);

  /* An end before the start; a zero-length session is fine. */
  g_free (session->id);
  session->id = g_strdup ("s-2");
  session->end = session->start - 1;
  g_assert_false (cnv_manager_store_add_session (store, session, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);
  session->end = session->start;
  session->created_at = 1700000000;
  session->initiator_name = (g_free (session->initiator_name), NULL);
  session->request_message_id = (g_free (session->request_message_id), NULL);
  g_assert_true (cnv_manager_store_add_session (store, session, &error));
  g_assert_true (cnv_manager_store_get_session (store, "s-2", &read, &error));
  g_assert_no_error (error);
  g_assert_cmpint (read->created_at, ==, 1700000000);
  g_assert_null (read->initiator_name);
  g_assert_null (read->request_message_id);
  g_clear_pointer (&read, cnv_stored_session_free);

  /* An initiator that is not an address. */
  g_free (session->id);
  session->id = g_strdup ("s-3");
  g_free (session->initiator);
  session->initiator = g_strdup ("not an address");
  g_assert_false (cnv_manager_store_add_session (store, session, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* State and room URL. */
  g_assert_true (cnv_manager_store_set_session_state (store, "s-1", CNV_SESSION_STATE_ACTIVE, &error));
  g_assert_true (cnv_manager_store_set_session_room_url (store, "s-1", "https://meet.example.test/room-s-1", &error));
  g_assert_true (cnv_manager_store_get_session (store, "s-1", &read, &error));
  g_assert_no_error (error);
  g_assert_cmpint (read->state, ==, CNV_SESSION_STATE_ACTIVE);
  g_assert_cmpstr (read->room_url, ==, "https://meet.example.test/room-s-1");
  g_clear_pointer (&read, cnv_stored_session_free);
  g_assert_true (cnv_manager_store_set_session_room_url (store, "s-1", NULL, &error));
  g_assert_true (cnv_manager_store_get_session (store, "s-1", &read, &error));
  g_assert_null (read->room_url);
  g_clear_pointer (&read, cnv_stored_session_free);

  g_assert_false (cnv_manager_store_set_session_state (store, "nope", CNV_SESSION_STATE_CLOSED, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cnv_manager_store_set_session_room_url (store, "nope", "https://x.test/", &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Listing: by start then id, ended ones on demand, by type. */
  add_session (store, "b-late", "board", 1900000000, 1900003600, CNV_SESSION_STATE_SCHEDULED);
  add_session (store, "a-early", "board", 1000000000, 1000003600, CNV_SESSION_STATE_CLOSED);
  add_session (store, "c-cancel", "video", 1800000000, 1800007200, CNV_SESSION_STATE_CANCELLED);

  g_assert_true (cnv_manager_store_list_sessions (store, TRUE, NULL, &sessions, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 5);
  g_assert_cmpstr (((CnvStoredSession *) sessions->pdata[0])->id, ==, "a-early");
  g_assert_cmpstr (((CnvStoredSession *) sessions->pdata[1])->id, ==, "c-cancel");
  g_assert_cmpstr (((CnvStoredSession *) sessions->pdata[2])->id, ==, "s-1");
  g_assert_cmpstr (((CnvStoredSession *) sessions->pdata[3])->id, ==, "s-2");
  g_assert_cmpstr (((CnvStoredSession *) sessions->pdata[4])->id, ==, "b-late");
  g_clear_pointer (&sessions, g_ptr_array_unref);

  g_assert_true (cnv_manager_store_list_sessions (store, FALSE, NULL, &sessions, &error));
  g_assert_cmpuint (sessions->len, ==, 3);
  g_assert_cmpstr (((CnvStoredSession *) sessions->pdata[0])->id, ==, "s-1");
  g_assert_cmpstr (((CnvStoredSession *) sessions->pdata[2])->id, ==, "b-late");
  g_clear_pointer (&sessions, g_ptr_array_unref);

  g_assert_true (cnv_manager_store_list_sessions (store, TRUE, "board", &sessions, &error));
  g_assert_cmpuint (sessions->len, ==, 2);
  g_assert_cmpstr (((CnvStoredSession *) sessions->pdata[0])->id, ==, "a-early");
  g_clear_pointer (&sessions, g_ptr_array_unref);

  g_assert_true (cnv_manager_store_list_sessions (store, FALSE, "video", &sessions, &error));
  g_assert_cmpuint (sessions->len, ==, 2);
  g_clear_pointer (&sessions, g_ptr_array_unref);

  g_assert_true (cnv_manager_store_list_sessions (store, TRUE, "unknown", &sessions, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 0);
}

static void
test_participants (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = open_store (fixture);
  g_autoptr(GPtrArray) participants = NULL;
  g_autoptr(CnvStoredParticipant) participant = NULL;
  g_autoptr(GError) error = NULL;
  gint64 bob, alice, id = 0;
  gboolean added = TRUE;

  add_session (store, "s-1", "video", 1800000000, 1800003600, CNV_SESSION_STATE_SCHEDULED);
  add_session (store, "s-2", "video", 1800000000, 1800003600, CNV_SESSION_STATE_SCHEDULED);

  g_assert_true (cnv_manager_store_add_participant (store, "s-1", "Bob@Example.TEST", "Bob", FALSE,
                                                    &bob, &added, &error));
  g_assert_no_error (error);
  g_assert_true (added);
  alice = add_participant (store, "s-1", "alice@example.test", TRUE);
  add_participant (store, "s-1", "carol@b\xc3\xbc" "cher.example", FALSE);
  add_participant (store, "s-2", "bob@example.test", FALSE);   /* another session: another row */

  /* Again, however spelt: the existing id, nothing added, the name left alone. */
  g_assert_true (cnv_manager_store_add_participant (store, "s-1", " <BOB@example.test> ", "Robert", TRUE,
                                                    &id, &added, &error));
  g_assert_no_error (error);
  g_assert_false (added);
  g_assert_cmpint (id, ==, bob);
  g_assert_true (cnv_manager_store_add_participant (store, "s-1", "bob@example.test", NULL, FALSE,
                                                    NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (cnv_manager_store_list_participants (store, "s-1", &participants, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (participants->len, ==, 3);
  participant = participants->pdata[0];
  g_assert_cmpint (participant->id, ==, alice);
  g_assert_true (participant->is_initiator);
  participant = participants->pdata[1];
  g_assert_cmpint (participant->id, ==, bob);
  g_assert_cmpstr (participant->address, ==, "bob@example.test");
  g_assert_cmpstr (participant->name, ==, "Bob");
  g_assert_false (participant->is_initiator);
  g_assert_cmpstr (participant->session_id, ==, "s-1");
  participant = participants->pdata[2];
  g_assert_cmpstr (participant->address, ==, "carol@xn--bcher-kva.example");
  g_assert_null (participant->name);
  participant = NULL;
  g_clear_pointer (&participants, g_ptr_array_unref);

  g_assert_true (cnv_manager_store_get_participant (store, bob, &participant, &error));
  g_assert_no_error (error);
  g_assert_nonnull (participant);
  g_assert_cmpstr (participant->address, ==, "bob@example.test");
  g_assert_cmpint (participant->added_at, >, 0);
  g_clear_pointer (&participant, cnv_stored_participant_free);

  /* Not found. */
  g_assert_true (cnv_manager_store_get_participant (store, 999999, &participant, &error));
  g_assert_no_error (error);
  g_assert_null (participant);
  g_assert_true (cnv_manager_store_list_participants (store, "none", &participants, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (participants->len, ==, 0);

  /* An unknown session (a foreign key) and an address that is not one. */
  g_assert_false (cnv_manager_store_add_participant (store, "none", "dan@example.test", NULL, FALSE,
                                                     NULL, NULL, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (cnv_manager_store_add_participant (store, "s-1", "dan@", NULL, FALSE, NULL, NULL, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
}

static void
test_outbox (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = open_store (fixture);
  g_autoptr(CnvOutboxItem) item = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  CnvOutboxItem *read;
  gint64 bob, first, second, third, refusal;

  add_session (store, "s-1", "video", 1800000000, 1800003600, CNV_SESSION_STATE_SCHEDULED);
  bob = add_participant (store, "s-1", "bob@example.test", FALSE);

  item = make_item (CNV_OUTBOX_INVITATION, "s-1", bob, "Bob@Example.TEST", 100);
  item->recipient_name = g_strdup ("Bob");
  item->in_reply_to = g_strdup ("req-s-1@example.test");
  g_assert_true (cnv_manager_store_add_outbox (store, item, &error));
  g_assert_no_error (error);
  first = item->id;
  g_assert_cmpint (first, >, 0);
  g_assert_cmpint (item->created_at, >, 0);
  g_assert_cmpstr (item->recipient, ==, "bob@example.test");
  second = add_item (store, CNV_OUTBOX_CANCEL, "s-1", bob, "bob@example.test", 50);
  third = add_item (store, CNV_OUTBOX_INVITATION, "s-1", 0, "carol@example.test", 300);
  g_clear_pointer (&item, cnv_outbox_item_free);

  /* A refusal of a request that made no session. */
  item = make_item (CNV_OUTBOX_REFUSAL, NULL, 0, "mallory@example.test", 0);
  item->payload = g_strdup ("{\"refused\":[\"eve@elsewhere.test\"]}");
  g_assert_true (cnv_manager_store_add_outbox (store, item, &error));
  g_assert_no_error (error);
  refusal = item->id;
  g_clear_pointer (&item, cnv_outbox_item_free);

  /* Due: pending, next attempt reached, oldest first, at most the limit. */
  g_assert_true (cnv_manager_store_list_due_outbox (store, 100, 10, &items, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 3);
  read = items->pdata[0];
  g_assert_cmpint (read->id, ==, first);
  g_assert_cmpint (read->kind, ==, CNV_OUTBOX_INVITATION);
  g_assert_cmpstr (read->session_id, ==, "s-1");
  g_assert_cmpint (read->participant_id, ==, bob);
  g_assert_cmpstr (read->recipient, ==, "bob@example.test");
  g_assert_cmpstr (read->recipient_name, ==, "Bob");
  g_assert_cmpstr (read->sender, ==, "videoconference@example.test");
  g_assert_cmpstr (read->in_reply_to, ==, "req-s-1@example.test");
  g_assert_null (read->payload);
  g_assert_cmpint (read->state, ==, CNV_OUTBOX_PENDING);
  g_assert_cmpint (read->attempts, ==, 0);
  g_assert_cmpint (read->next_attempt, ==, 100);
  g_assert_null (read->last_error);
  g_assert_null (read->message_id);
  g_assert_cmpint (((CnvOutboxItem *) items->pdata[1])->id, ==, second);
  g_assert_cmpint (((CnvOutboxItem *) items->pdata[1])->kind, ==, CNV_OUTBOX_CANCEL);
  read = items->pdata[2];
  g_assert_cmpint (read->id, ==, refusal);
  g_assert_cmpint (read->kind, ==, CNV_OUTBOX_REFUSAL);
  g_assert_null (read->session_id);
  g_assert_cmpint (read->participant_id, ==, 0);
  g_assert_cmpstr (read->payload, ==, "{\"refused\":[\"eve@elsewhere.test\"]}");
  g_clear_pointer (&items, g_ptr_array_unref);

  g_assert_true (cnv_manager_store_list_due_outbox (store, 100, 1, &items, &error));
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_cmpint (((CnvOutboxItem *) items->pdata[0])->id, ==, first);
  g_clear_pointer (&items, g_ptr_array_unref);
  g_assert_true (cnv_manager_store_list_due_outbox (store, -1, 10, &items, &error));
  g_assert_cmpuint (items->len, ==, 0);
  g_clear_pointer (&items, g_ptr_array_unref);

  /* Sent, retried, failed. */
  g_assert_true (cnv_manager_store_outbox_sent (store, first, "inv-1@convene.example.test", &error));
  g_assert_true (cnv_manager_store_outbox_retry (store, second, 500, "451 try again later", &error));
  g_assert_true (cnv_manager_store_outbox_retry (store, second, 900, "421 closing", &error));
  g_assert_true (cnv_manager_store_outbox_failed (store, refusal, "550 no such user", &error));
  g_assert_no_error (error);

  g_assert_true (cnv_manager_store_list_due_outbox (store, 600, 10, &items, &error));
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_cmpint (((CnvOutboxItem *) items->pdata[0])->id, ==, third);
  g_clear_pointer (&items, g_ptr_array_unref);

  g_assert_true (cnv_manager_store_list_outbox (store, "s-1", &items, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 3);
  read = items->pdata[0];
  g_assert_cmpint (read->state, ==, CNV_OUTBOX_SENT);
  g_assert_cmpint (read->attempts, ==, 1);
  g_assert_cmpstr (read->message_id, ==, "inv-1@convene.example.test");
  read = items->pdata[1];
  g_assert_cmpint (read->state, ==, CNV_OUTBOX_PENDING);
  g_assert_cmpint (read->attempts, ==, 2);
  g_assert_cmpint (read->next_attempt, ==, 900);
  g_assert_cmpstr (read->last_error, ==, "421 closing");
  read = items->pdata[2];
  g_assert_cmpint (read->id, ==, third);
  g_assert_cmpint (read->participant_id, ==, 0);
  g_clear_pointer (&items, g_ptr_array_unref);
  g_assert_true (cnv_manager_store_list_outbox (store, "none", &items, &error));
  g_assert_cmpuint (items->len, ==, 0);
  g_clear_pointer (&items, g_ptr_array_unref);

  /* Only a pending item changes; an unknown one is an error. */
  g_assert_false (cnv_manager_store_outbox_sent (store, first, "again@convene.example.test", &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cnv_manager_store_outbox_retry (store, refusal, 1000, NULL, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cnv_manager_store_outbox_failed (store, 424242, NULL, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Foreign keys: an unknown session or participant; a recipient that is not an address. */
  item = make_item (CNV_OUTBOX_INVITATION, "none", 0, "bob@example.test", 0);
  g_assert_false (cnv_manager_store_add_outbox (store, item, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (item->id, ==, 0);
  g_clear_pointer (&item, cnv_outbox_item_free);
  item = make_item (CNV_OUTBOX_INVITATION, "s-1", 999999, "bob@example.test", 0);
  g_assert_false (cnv_manager_store_add_outbox (store, item, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_FAILED);
  g_clear_error (&error);
  g_clear_pointer (&item, cnv_outbox_item_free);
  item = make_item (CNV_OUTBOX_INVITATION, "s-1", 0, "bob at example.test", 0);
  g_assert_false (cnv_manager_store_add_outbox (store, item, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
}

/* A reply to an invitation names the invitation's Message-ID: it finds its session. */
static void
test_find_session_by_reference (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = open_store (fixture);
  g_autoptr(CnvStoredSession) session = NULL;
  g_autoptr(GError) error = NULL;
  gint64 bob, item;

  add_session (store, "s-1", "video", 1800000000, 1800003600, CNV_SESSION_STATE_SCHEDULED);
  add_session (store, "s-2", "video", 1800000000, 1800003600, CNV_SESSION_STATE_SCHEDULED);
  bob = add_participant (store, "s-2", "bob@example.test", FALSE);
  item = add_item (store, CNV_OUTBOX_INVITATION, "s-2", bob, "bob@example.test", 0);
  g_assert_true (cnv_manager_store_outbox_sent (store, item, "inv-bob@convene.example.test", &error));
  /* A refusal without a session, sent: its Message-ID leads nowhere. */
  item = add_item (store, CNV_OUTBOX_REFUSAL, NULL, 0, "mallory@example.test", 0);
  g_assert_true (cnv_manager_store_outbox_sent (store, item, "refusal@convene.example.test", &error));
  g_assert_no_error (error);

  g_assert_true (cnv_manager_store_find_session_by_reference (store, "req-s-1@example.test", &session, &error));
  g_assert_no_error (error);
  g_assert_nonnull (session);
  g_assert_cmpstr (session->id, ==, "s-1");
  g_clear_pointer (&session, cnv_stored_session_free);

  g_assert_true (cnv_manager_store_find_session_by_reference (store, "inv-bob@convene.example.test",
                                                              &session, &error));
  g_assert_nonnull (session);
  g_assert_cmpstr (session->id, ==, "s-2");
  g_clear_pointer (&session, cnv_stored_session_free);

  g_assert_true (cnv_manager_store_find_session_by_reference (store, "<inv-bob@convene.example.test>",
                                                              &session, &error));
  g_assert_nonnull (session);
  g_assert_cmpstr (session->id, ==, "s-2");
  g_clear_pointer (&session, cnv_stored_session_free);

  for (guint i = 0; i < 5; i++)
    {
      const char *misses[] = { "refusal@convene.example.test", "unknown@example.test", "",
                               "' OR '1'='1", "%" };

      g_assert_true (cnv_manager_store_find_session_by_reference (store, misses[i], &session, &error));
      g_assert_no_error (error);
      g_assert_null (session);
    }
}

static void
assert_deadline (CnvManagerStore *store,
                 gint64           expected)
{
  g_autoptr(GError) error = NULL;
  gint64 when = -1;
  gboolean found = FALSE;

  g_assert_true (cnv_manager_store_next_deadline (store, &when, &found, &error));
  g_assert_no_error (error);
  g_assert_true (found);
  g_assert_cmpint (when, ==, expected);
}

static char *
due_ids (CnvManagerStore *store,
         gint64           now)
{
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) ids = g_string_new ("");

  g_assert_true (cnv_manager_store_list_due_sessions (store, now, &sessions, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < sessions->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? "," : "", ((CnvStoredSession *) sessions->pdata[i])->id);
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void
test_due_and_deadline (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = open_store (fixture);
  g_autoptr(GError) error = NULL;
  gint64 when = -1, item;
  gboolean found = TRUE;
  char *ids;

  g_assert_true (cnv_manager_store_next_deadline (store, &when, &found, &error));
  g_assert_no_error (error);
  g_assert_false (found);
  g_assert_cmpint (when, ==, 0);

  add_session (store, "closed", "video", 100, 200, CNV_SESSION_STATE_CLOSED);
  add_session (store, "cancelled", "video", 150, 250, CNV_SESSION_STATE_CANCELLED);
  g_assert_true (cnv_manager_store_next_deadline (store, &when, &found, &error));
  g_assert_false (found);

  add_session (store, "later", "video", 2000, 3000, CNV_SESSION_STATE_SCHEDULED);
  add_session (store, "running", "video", 500, 1500, CNV_SESSION_STATE_ACTIVE);
  add_session (store, "soon", "video", 1000, 1200, CNV_SESSION_STATE_SCHEDULED);

  /* Start of a scheduled session, end of an active one; not the start of an active one. */
  assert_deadline (store, 1000);
  ids = due_ids (store, 999);
  g_assert_cmpstr (ids, ==, "");
  g_free (ids);
  ids = due_ids (store, 1000);
  g_assert_cmpstr (ids, ==, "soon");
  g_free (ids);
  ids = due_ids (store, 1200);                /* "soon" is due to start and to end */
  g_assert_cmpstr (ids, ==, "soon");
  g_free (ids);
  ids = due_ids (store, 1500);
  g_assert_cmpstr (ids, ==, "running,soon");
  g_free (ids);
  ids = due_ids (store, 5000);
  g_assert_cmpstr (ids, ==, "running,soon,later");
  g_free (ids);

  /* A pending outbox row sooner than any session; not once it is sent. The outbox's own next
   * attempt ignores the sessions. */
  g_assert_true (cnv_manager_store_next_outbox_attempt (store, &when, &found, &error));
  g_assert_no_error (error);
  g_assert_false (found);
  item = add_item (store, CNV_OUTBOX_REFUSAL, NULL, 0, "mallory@example.test", 700);
  assert_deadline (store, 700);
  g_assert_true (cnv_manager_store_outbox_retry (store, item, 1100, "451", &error));
  assert_deadline (store, 1000);
  g_assert_true (cnv_manager_store_next_outbox_attempt (store, &when, &found, &error));
  g_assert_true (found);
  g_assert_cmpint (when, ==, 1100);
  g_assert_true (cnv_manager_store_outbox_retry (store, item, 900, "451", &error));
  assert_deadline (store, 900);
  g_assert_true (cnv_manager_store_outbox_sent (store, item, "r@convene.example.test", &error));
  g_assert_no_error (error);
  assert_deadline (store, 1000);
  g_assert_true (cnv_manager_store_next_outbox_attempt (store, &when, &found, &error));
  g_assert_false (found);

  /* "soon" activated: its end (1200) is next; then closed: the end of "running". */
  g_assert_true (cnv_manager_store_set_session_state (store, "soon", CNV_SESSION_STATE_ACTIVE, &error));
  assert_deadline (store, 1200);
  ids = due_ids (store, 1100);
  g_assert_cmpstr (ids, ==, "");
  g_free (ids);
  g_assert_true (cnv_manager_store_set_session_state (store, "soon", CNV_SESSION_STATE_CLOSED, &error));
  assert_deadline (store, 1500);
  g_assert_true (cnv_manager_store_set_session_state (store, "running", CNV_SESSION_STATE_CANCELLED, &error));
  assert_deadline (store, 2000);
  g_assert_true (cnv_manager_store_set_session_state (store, "later", CNV_SESSION_STATE_CANCELLED, &error));
  g_assert_no_error (error);
  g_assert_true (cnv_manager_store_next_deadline (store, &when, &found, &error));
  g_assert_false (found);
  ids = due_ids (store, 5000);
  g_assert_cmpstr (ids, ==, "");
  g_free (ids);
}

static void
assert_token (CnvManagerStore *store,
              const char      *session_id,
              const char      *token,
              gint64           expected)
{
  g_autoptr(CnvStoredParticipant) participant = NULL;
  g_autoptr(GError) error = NULL;
  guint8 hash[CNV_TOKEN_HASH_SIZE];

  cnv_manager_token_hash (token, hash);
  g_assert_true (cnv_manager_store_check_token (store, session_id, hash, &participant, &error));
  g_assert_no_error (error);
  if (expected == 0)
    {
      g_assert_null (participant);
      return;
    }
  g_assert_nonnull (participant);
  g_assert_cmpint (participant->id, ==, expected);
  g_assert_cmpstr (participant->session_id, ==, session_id);
}

static void
add_token (CnvManagerStore *store,
           gint64           participant_id,
           const char      *token)
{
  g_autoptr(GError) error = NULL;
  guint8 hash[CNV_TOKEN_HASH_SIZE];

  cnv_manager_token_hash (token, hash);
  g_assert_true (cnv_manager_store_add_token (store, participant_id, hash, &error));
  g_assert_no_error (error);
}

static void
test_tokens (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = open_store (fixture);
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  guint8 hash[CNV_TOKEN_HASH_SIZE];
  gint64 alice, bob, carol, other;

  add_session (store, "s-1", "video", 1800000000, 1800003600, CNV_SESSION_STATE_SCHEDULED);
  add_session (store, "s-2", "video", 1800000000, 1800003600, CNV_SESSION_STATE_SCHEDULED);
  alice = add_participant (store, "s-1", "alice@example.test", TRUE);
  bob = add_participant (store, "s-1", "bob@example.test", FALSE);
  carol = add_participant (store, "s-1", "carol@example.test", FALSE);
  other = add_participant (store, "s-2", "dan@example.test", FALSE);

  add_token (store, alice, "alice-token");
  add_token (store, bob, "bob-old-token");
  add_token (store, carol, "carol-token");
  add_token (store, other, "dan-token");

  assert_token (store, "s-1", "alice-token", alice);
  assert_token (store, "s-1", "bob-old-token", bob);
  assert_token (store, "s-1", "carol-token", carol);
  assert_token (store, "s-1", "nobody-token", 0);
  /* A valid token of another session does not open this one. */
  assert_token (store, "s-1", "dan-token", 0);
  assert_token (store, "s-2", "dan-token", other);
  assert_token (store, "s-2", "alice-token", 0);
  assert_token (store, "none", "alice-token", 0);

  /* Revoked, then a new one minted: only the new one opens. */
  g_assert_true (cnv_manager_store_revoke_tokens (store, bob, &error));
  g_assert_no_error (error);
  assert_token (store, "s-1", "bob-old-token", 0);
  assert_token (store, "s-1", "alice-token", alice);
  add_token (store, bob, "bob-new-token");
  assert_token (store, "s-1", "bob-new-token", bob);
  assert_token (store, "s-1", "bob-old-token", 0);
  /* Revoking twice, or a participant without tokens, is no error. */
  g_assert_true (cnv_manager_store_revoke_tokens (store, bob, &error));
  g_assert_true (cnv_manager_store_revoke_tokens (store, 999999, &error));
  g_assert_no_error (error);
  assert_token (store, "s-1", "bob-new-token", 0);

  /* A hash that matches no stored one by a single bit. */
  cnv_manager_token_hash ("alice-token", hash);
  hash[CNV_TOKEN_HASH_SIZE - 1] ^= 1;
  {
    g_autoptr(CnvStoredParticipant) participant = NULL;

    g_assert_true (cnv_manager_store_check_token (store, "s-1", hash, &participant, &error));
    g_assert_null (participant);
  }

  /* An unknown participant: a constraint. */
  g_assert_false (cnv_manager_store_add_token (store, 999999, hash, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_FAILED);

  /* Only hashes are kept, 32 bytes each. */
  g_clear_object (&store);
  stored = query_text (fixture->path, "SELECT group_concat(length(hash), ',') FROM tokens;");
  g_assert_cmpstr (stored, ==, "32,32,32,32,32");
}

static void
test_domains (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = open_store (fixture);
  g_autoptr(GPtrArray) domains = NULL;
  g_autoptr(GError) error = NULL;
  gboolean accredited = TRUE, removed = FALSE;
  const char *invalid[] = { "", "   ", "a@b.example", "exa mple.test", "-bad.example", "bad..example",
                            "xn--zz.example", "\xff\xfe.example", "example.test/x", "<example.test>" };

  g_assert_true (cnv_manager_store_is_accredited (store, "dan@partner.example", NULL, &accredited, &error));
  g_assert_false (accredited);

  g_assert_true (cnv_manager_store_add_domain (store, "Partner.Example", &error));
  g_assert_true (cnv_manager_store_add_domain (store, "b\xc3\xbc" "cher.example.", &error));
  g_assert_true (cnv_manager_store_add_domain (store, "partner.example", &error));   /* again */
  g_assert_no_error (error);

  g_assert_true (cnv_manager_store_list_domains (store, &domains, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (domains->len, ==, 2);
  g_assert_cmpstr (domains->pdata[0], ==, "partner.example");
  g_assert_cmpstr (domains->pdata[1], ==, "xn--bcher-kva.example");
  g_clear_pointer (&domains, g_ptr_array_unref);

  /* E502: an address of the domain, however spelt; not of a subdomain. */
  g_assert_true (cnv_manager_store_is_accredited (store, "Dan@PARTNER.example", NULL, &accredited, &error));
  g_assert_true (accredited);
  g_assert_true (cnv_manager_store_is_accredited (store, "eve@B\xc3\x9c" "CHER.example", NULL, &accredited, &error));
  g_assert_true (accredited);
  g_assert_true (cnv_manager_store_is_accredited (store, "dan@evil.partner.example", NULL, &accredited, &error));
  g_assert_false (accredited);
  g_assert_true (cnv_manager_store_is_accredited (store, "dan@partner.example.evil", NULL, &accredited, &error));
  g_assert_false (accredited);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_assert_false (cnv_manager_store_add_domain (store, invalid[i], &error));
      g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
      g_clear_error (&error);
    }

  g_assert_true (cnv_manager_store_remove_domain (store, "PARTNER.example", &removed, &error));
  g_assert_true (removed);
  g_assert_true (cnv_manager_store_remove_domain (store, "partner.example", &removed, &error));
  g_assert_false (removed);
  g_assert_true (cnv_manager_store_remove_domain (store, "b\xc3\xbc" "cher.example", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (cnv_manager_store_remove_domain (store, "not a domain", &removed, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (cnv_manager_store_is_accredited (store, "dan@partner.example", NULL, &accredited, &error));
  g_assert_false (accredited);
  g_assert_true (cnv_manager_store_list_domains (store, &domains, &error));
  g_assert_cmpuint (domains->len, ==, 0);
}

static void
test_count_requests (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = open_store (fixture);
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint count = 99;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *message_id = g_strdup_printf ("a-%u@example.test", i);

      g_assert_true (cnv_manager_store_add_processed (store, message_id, "m", 1, i + 1, "alice@example.test",
                                                      "accepted", NULL, &error));
    }
  g_assert_true (cnv_manager_store_add_processed (store, "b@example.test", "m", 1, 10, "bob@example.test",
                                                  "refused", "not accredited", &error));
  g_assert_true (cnv_manager_store_add_processed (store, "n@example.test", "m", 1, 11, NULL,
                                                  "ignored", "no sender", &error));
  g_assert_no_error (error);

  g_assert_true (cnv_manager_store_count_requests (store, "alice@example.test", now - 3600, &count, &error));
  g_assert_cmpuint (count, ==, 3);
  g_assert_true (cnv_manager_store_count_requests (store, "bob@example.test", now - 3600, &count, &error));
  g_assert_cmpuint (count, ==, 1);
  g_assert_true (cnv_manager_store_count_requests (store, "carol@example.test", 0, &count, &error));
  g_assert_cmpuint (count, ==, 0);
  /* Only those at or after @since. */
  g_assert_true (cnv_manager_store_count_requests (store, "alice@example.test", now + 3600, &count, &error));
  g_assert_cmpuint (count, ==, 0);
  g_assert_no_error (error);
}

/* A failed request leaves nothing behind: session, participants and outbox go together. */
static void
test_rollback (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) participants = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(CnvStoredSession) session = NULL;
  gboolean found = TRUE;
  gint64 when = 0;

  {
    g_autoptr(CnvManagerStore) store = open_store (fixture);
    gint64 bob;

    g_assert_true (cnv_manager_store_begin (store, &error));
    add_session (store, "s-1", "video", 1800000000, 1800003600, CNV_SESSION_STATE_SCHEDULED);
    add_participant (store, "s-1", "alice@example.test", TRUE);
    bob = add_participant (store, "s-1", "bob@example.test", FALSE);
    add_token (store, bob, "bob-token");
    add_item (store, CNV_OUTBOX_INVITATION, "s-1", bob, "bob@example.test", 0);
    assert_token (store, "s-1", "bob-token", bob);   /* visible inside the transaction */
    cnv_manager_store_rollback (store);

    g_assert_cmpuint (count_sessions (store), ==, 0);
    g_assert_true (cnv_manager_store_list_participants (store, "s-1", &participants, &error));
    g_assert_cmpuint (participants->len, ==, 0);
    g_assert_true (cnv_manager_store_list_outbox (store, "s-1", &items, &error));
    g_assert_cmpuint (items->len, ==, 0);
    g_clear_pointer (&items, g_ptr_array_unref);
    g_assert_true (cnv_manager_store_list_due_outbox (store, G_MAXINT64, 10, &items, &error));
    g_assert_cmpuint (items->len, ==, 0);
    assert_token (store, "s-1", "bob-token", 0);
    g_assert_true (cnv_manager_store_next_deadline (store, &when, &found, &error));
    g_assert_false (found);
    g_assert_no_error (error);

    /* The same id can be used again afterwards, and committed. */
    g_assert_true (cnv_manager_store_begin (store, &error));
    add_session (store, "s-1", "video", 1800000000, 1800003600, CNV_SESSION_STATE_SCHEDULED);
    g_assert_true (cnv_manager_store_commit (store, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(CnvManagerStore) store = open_store (fixture);

    g_assert_cmpuint (count_sessions (store), ==, 1);
    g_assert_true (cnv_manager_store_get_session (store, "s-1", &session, &error));
    g_assert_nonnull (session);
  }
}

typedef struct
{
  CnvManagerStore *store;
  gint             waiting;
  gint             committed;
  gboolean         saw_commit;
} SecondWriter;

static gpointer
second_writer (gpointer data)
{
  SecondWriter *writer = data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_atomic_int_set (&writer->waiting, 1);
  /* Blocks (busy_timeout) while the other connection holds the write lock. */
  ok = cnv_manager_store_begin (writer->store, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  writer->saw_commit = g_atomic_int_get (&writer->committed);
  ok = cnv_manager_store_add_domain (writer->store, "second.example", &error)
       && cnv_manager_store_commit (writer->store, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  return NULL;
}

static void
test_two_connections (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(CnvManagerStore) first = open_store (fixture);
  g_autoptr(CnvManagerStore) second = open_store (fixture);
  g_autoptr(GPtrArray) domains = NULL;
  g_autoptr(GError) error = NULL;
  SecondWriter writer = { second, 0, 0, FALSE };
  GThread *thread;

  g_assert_true (cnv_manager_store_begin (first, &error));
  g_assert_true (cnv_manager_store_add_domain (first, "first.example", &error));
  g_assert_no_error (error);

  thread = g_thread_new ("second-writer", second_writer, &writer);
  while (!g_atomic_int_get (&writer.waiting))
    g_usleep (1000);
  /* Give the second connection the chance to block on the lock (not required for the test to
   * pass: it cannot get the lock before the commit below either way). */
  g_usleep (200 * 1000);
  g_atomic_int_set (&writer.committed, 1);
  g_assert_true (cnv_manager_store_commit (first, &error));
  g_assert_no_error (error);
  g_thread_join (thread);
  g_assert_true (writer.saw_commit);

  g_assert_true (cnv_manager_store_list_domains (first, &domains, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (domains->len, ==, 2);
  g_assert_cmpstr (domains->pdata[0], ==, "first.example");
  g_assert_cmpstr (domains->pdata[1], ==, "second.example");
}

/* A lock held past busy_timeout: the other connection gets a clear error, not a hang. */
static void
test_busy_timeout (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(CnvManagerStore) first = open_store (fixture);
  g_autoptr(CnvManagerStore) second = open_store (fixture);
  g_autoptr(GError) error = NULL;
  gboolean accredited = TRUE;

  g_assert_true (cnv_manager_store_begin (first, &error));
  g_assert_true (cnv_manager_store_add_domain (first, "first.example", &error));
  g_assert_no_error (error);

  g_assert_false (cnv_manager_store_begin (second, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "locked"));
  g_clear_error (&error);
  /* Readers are not blocked (WAL) and see the last commit only. */
  g_assert_true (cnv_manager_store_is_accredited (second, "a@first.example", NULL, &accredited, &error));
  g_assert_no_error (error);
  g_assert_false (accredited);

  g_assert_true (cnv_manager_store_commit (first, &error));
  g_assert_true (cnv_manager_store_begin (second, &error));
  g_assert_true (cnv_manager_store_add_domain (second, "second.example", &error));
  g_assert_true (cnv_manager_store_commit (second, &error));
  g_assert_no_error (error);
  g_assert_true (cnv_manager_store_is_accredited (second, "a@first.example", NULL, &accredited, &error));
  g_assert_true (accredited);
}

/* The daemon notices the administration command line's commits, not its own. */
static void
test_data_version (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(CnvManagerStore) daemon = open_store (fixture);
  g_autoptr(CnvManagerStore) admin = open_store (fixture);
  g_autoptr(GError) error = NULL;
  gint64 version, again;

  version = cnv_manager_store_data_version (daemon);
  g_assert_cmpint (version, >=, 0);
  g_assert_cmpint (cnv_manager_store_data_version (daemon), ==, version);

  add_session (daemon, "s-1", "video", 1800000000, 1800003600, CNV_SESSION_STATE_SCHEDULED);
  g_assert_cmpint (cnv_manager_store_data_version (daemon), ==, version);

  /* An uncommitted change of the other connection is not one. */
  g_assert_true (cnv_manager_store_begin (admin, &error));
  g_assert_true (cnv_manager_store_set_session_state (admin, "s-1", CNV_SESSION_STATE_CANCELLED, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cnv_manager_store_data_version (daemon), ==, version);
  g_assert_true (cnv_manager_store_commit (admin, &error));
  g_assert_no_error (error);

  again = cnv_manager_store_data_version (daemon);
  g_assert_cmpint (again, !=, version);
  g_assert_cmpint (cnv_manager_store_data_version (daemon), ==, again);
  {
    g_autoptr(CnvStoredSession) session = NULL;

    g_assert_true (cnv_manager_store_get_session (daemon, "s-1", &session, &error));
    g_assert_cmpint (session->state, ==, CNV_SESSION_STATE_CANCELLED);
  }
  g_assert_true (cnv_manager_store_add_domain (admin, "partner.example", &error));
  g_assert_cmpint (cnv_manager_store_data_version (daemon), !=, again);
}

static void
test_hostile_input (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = open_store (fixture);
  g_autoptr(CnvStoredSession) session = NULL;
  g_autoptr(CnvStoredSession) read = NULL;
  g_autoptr(CnvOutboxItem) item = NULL;
  g_autoptr(GPtrArray) participants = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tables = NULL;
  g_autofree char *long_id = g_strnfill (65, 'a');
  g_autofree char *max_id = g_strnfill (64, 'a');
  GString *huge = g_string_sized_new (1024 * 1024 + 16);
  const char *odd_utf8 =
    "\xe2\x80\xae" "evil" "\xe2\x80\xac"    /* RIGHT-TO-LEFT OVERRIDE ... POP */
    "e\xcc\x81\xcc\x81\xcc\x81"              /* stacked combining accents */
    "\xef\xbb\xbf"                           /* a BOM in the middle */
    "\xf0\x9f\x98\x80"                       /* an astral character */
    "\xef\xbf\xbf"                           /* U+FFFF, a non-character */
    "\xf4\x8f\xbf\xbf"                       /* U+10FFFF, the last code point */
    "\r\n\t\x01\x7f";                        /* controls */
  const char *quotes = "Robert'); DROP TABLE sessions; -- \"\\' OR 1=1 %s%n ?1 :name @x $y";
  const char *invalid_ids[] = { "", "a b", "a/b", "../etc", "a'b", "s-1;DROP", "\xc3\xa9t\xc3\xa9",
                                "a\nb", "a%2Fb", "a.b" };
  const char *invalid_utf8[] = { "\xff\xfe", "\xc0\x80", "\xed\xa0\x80", "abc\xe2\x82", "\xf4\x90\x80\x80" };

  /* A 1 MB title with multi-byte characters comes back whole. */
  while (huge->len < 1024 * 1024)
    g_string_append (huge, "Ünïcödé ");
  session = make_session ("huge", "video", 1800000000, 1800003600, CNV_SESSION_STATE_SCHEDULED);
  g_free (session->title);
  session->title = g_string_free (huge, FALSE);
  g_assert_true (cnv_manager_store_add_session (store, session, &error));
  g_assert_no_error (error);
  g_assert_true (cnv_manager_store_get_session (store, "huge", &read, &error));
  g_assert_cmpuint (strlen (read->title), ==, strlen (session->title));
  g_assert_cmpstr (read->title, ==, session->title);
  g_clear_pointer (&read, cnv_stored_session_free);

  /* Odd but valid UTF-8, and SQL in the data, stay data. */
  g_free (session->id);
  session->id = g_strdup ("odd");
  g_free (session->title);
  session->title = g_strdup (odd_utf8);
  g_free (session->initiator_name);
  session->initiator_name = g_strdup (quotes);
  g_free (session->request_message_id);
  session->request_message_id = g_strdup ("' OR '1'='1");
  g_assert_true (cnv_manager_store_add_session (store, session, &error));
  g_assert_no_error (error);
  g_free (session->id);
  session->id = g_strdup ("quotes");
  g_free (session->title);
  session->title = g_strdup (quotes);
  g_free (session->type);
  session->type = g_strdup ("' OR type <> '");
  g_free (session->request_message_id);
  session->request_message_id = g_strdup ("%");
  g_assert_true (cnv_manager_store_add_session (store, session, &error));
  g_assert_no_error (error);

  g_assert_true (cnv_manager_store_get_session (store, "odd", &read, &error));
  g_assert_cmpstr (read->title, ==, odd_utf8);
  g_assert_cmpstr (read->initiator_name, ==, quotes);
  g_clear_pointer (&read, cnv_stored_session_free);
  g_assert_true (cnv_manager_store_get_session (store, "quotes", &read, &error));
  g_assert_cmpstr (read->title, ==, quotes);
  g_clear_pointer (&read, cnv_stored_session_free);
  {
    g_autoptr(GPtrArray) sessions = NULL;

    g_assert_true (cnv_manager_store_list_sessions (store, TRUE, "' OR type <> '", &sessions, &error));
    g_assert_cmpuint (sessions->len, ==, 1);
    g_clear_pointer (&sessions, g_ptr_array_unref);
    g_assert_true (cnv_manager_store_list_sessions (store, TRUE, "' OR '1'='1", &sessions, &error));
    g_assert_cmpuint (sessions->len, ==, 0);
  }
  /* The exact reference, not a pattern. */
  g_assert_true (cnv_manager_store_find_session_by_reference (store, "' OR '1'='1", &read, &error));
  g_assert_cmpstr (read->id, ==, "odd");
  g_clear_pointer (&read, cnv_stored_session_free);
  g_assert_true (cnv_manager_store_get_session (store, "' OR '1'='1", &read, &error));
  g_assert_null (read);
  g_assert_true (cnv_manager_store_get_session (store, "%", &read, &error));
  g_assert_null (read);
  g_assert_no_error (error);

  /* Invalid session ids are refused, and so is text that is not UTF-8. */
  for (guint i = 0; i < G_N_ELEMENTS (invalid_ids); i++)
    {
      g_free (session->id);
      session->id = g_strdup (invalid_ids[i]);
      g_assert_false (cnv_manager_store_add_session (store, session, &error));
      g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
      g_clear_error (&error);
    }
  g_free (session->id);
  session->id = g_strdup (long_id);
  g_assert_false (cnv_manager_store_add_session (store, session, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_free (session->id);
  session->id = NULL;
  g_assert_false (cnv_manager_store_add_session (store, session, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);

  session->id = g_strdup (max_id);
  for (guint i = 0; i < G_N_ELEMENTS (invalid_utf8); i++)
    {
      g_free (session->title);
      session->title = g_strdup (invalid_utf8[i]);
      g_assert_false (cnv_manager_store_add_session (store, session, &error));
      g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
      g_clear_error (&error);
    }
  g_free (session->title);
  session->title = g_strdup ("The longest id");
  g_assert_true (cnv_manager_store_add_session (store, session, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_sessions (store), ==, 4);

  /* Hostile participants and outbox text. */
  g_assert_false (cnv_manager_store_add_participant (store, "odd", "x'); DROP TABLE participants; --@example.test",
                                                     NULL, FALSE, NULL, NULL, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cnv_manager_store_add_participant (store, "odd", "bob@example.test", "\xff", FALSE,
                                                     NULL, NULL, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (cnv_manager_store_add_participant (store, "odd", "o'hara@example.test", quotes, FALSE,
                                                    NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (cnv_manager_store_list_participants (store, "odd", &participants, &error));
  g_assert_cmpuint (participants->len, ==, 1);
  g_assert_cmpstr (((CnvStoredParticipant *) participants->pdata[0])->address, ==, "o'hara@example.test");
  g_assert_cmpstr (((CnvStoredParticipant *) participants->pdata[0])->name, ==, quotes);

  item = make_item (CNV_OUTBOX_REFUSAL, NULL, 0, "o'hara@example.test", 0);
  item->payload = g_strdup ("\xfe\xff");
  g_assert_false (cnv_manager_store_add_outbox (store, item, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_free (item->payload);
  item->payload = g_strdup (quotes);
  g_assert_true (cnv_manager_store_add_outbox (store, item, &error));
  g_assert_no_error (error);
  g_assert_false (cnv_manager_store_outbox_retry (store, item->id, 0, "\xc0\xaf", &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (cnv_manager_store_outbox_retry (store, item->id, 0, odd_utf8, &error));
  g_assert_no_error (error);

  g_clear_object (&store);
  tables = query_text (fixture->path, "SELECT group_concat(name, ',') FROM "
                                      "(SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name);");
  g_assert_cmpstr (tables, ==, "domains,mailboxes,outbox,participants,processed,sessions,tokens,users");
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
  g_test_add ("/manager/store/migrate-from-version-1", Fixture, NULL, fixture_set_up, test_migrate_from_version_1, fixture_tear_down);
  g_test_add_func ("/manager/store/enum-strings", test_enum_strings);
  g_test_add ("/manager/store/sessions", Fixture, NULL, fixture_set_up, test_sessions, fixture_tear_down);
  g_test_add ("/manager/store/participants", Fixture, NULL, fixture_set_up, test_participants, fixture_tear_down);
  g_test_add ("/manager/store/outbox", Fixture, NULL, fixture_set_up, test_outbox, fixture_tear_down);
  g_test_add ("/manager/store/find-session-by-reference", Fixture, NULL, fixture_set_up, test_find_session_by_reference, fixture_tear_down);
  g_test_add ("/manager/store/due-and-deadline", Fixture, NULL, fixture_set_up, test_due_and_deadline, fixture_tear_down);
  g_test_add ("/manager/store/tokens", Fixture, NULL, fixture_set_up, test_tokens, fixture_tear_down);
  g_test_add ("/manager/store/domains", Fixture, NULL, fixture_set_up, test_domains, fixture_tear_down);
  g_test_add ("/manager/store/count-requests", Fixture, NULL, fixture_set_up, test_count_requests, fixture_tear_down);
  g_test_add ("/manager/store/rollback", Fixture, NULL, fixture_set_up, test_rollback, fixture_tear_down);
  g_test_add ("/manager/store/two-connections", Fixture, NULL, fixture_set_up, test_two_connections, fixture_tear_down);
  g_test_add ("/manager/store/busy-timeout", Fixture, NULL, fixture_set_up, test_busy_timeout, fixture_tear_down);
  g_test_add ("/manager/store/data-version", Fixture, NULL, fixture_set_up, test_data_version, fixture_tear_down);
  g_test_add ("/manager/store/hostile-input", Fixture, NULL, fixture_set_up, test_hostile_input, fixture_tear_down);

  return g_test_run ();
}
