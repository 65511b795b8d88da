/* test-app-session-store.c — the app's persisted sessions: every field through SQLite and back,
 * the launch guard between two connections and between real processes (one killed with SIGKILL),
 * the other process's changes, damaged and newer files, permissions, schema migration; the
 * launched process group: recorded with its claim, found again after the service was killed, and
 * told apart from a reused pid (real children and a fake /proc with hostile stat lines);
 * transactions: all or nothing, nested, and against the other process's lock
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cnv-session-store.h"
#include "log-guard.h"

/* Every link is made with this token, which no log message may hold (the link is the
 * credential). */
#define TOKEN "tok-Zx81qPv0aa9K"

static const char *self_exe;

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("cnv-session-store-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  fixture->path = g_build_filename (fixture->dir, "sessions.sqlite", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
}

static CnvSessionStore *
open_store (const char *path)
{
  g_autoptr(GError) error = NULL;
  CnvSessionStore *store = cnv_session_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static CnvSessionRecord *
make_record (const char *id,
             gint64      start)
{
  CnvSessionRecord *record = cnv_session_record_new ();

  record->session_id = g_strdup (id);
  record->uid = g_strdup_printf ("%s@manager.example.test", id);
  record->sequence = 0;
  record->session_type = g_strdup ("videoconference");
  record->manager_address = g_strdup ("videoconference@example.test");
  record->title = g_strdup_printf ("Session %s", id);
  record->organizer = g_strdup ("alice@example.test");
  record->participants = g_strsplit ("alice@example.test,bob@example.test", ",", -1);
  record->link = g_strdup_printf ("https://meet.example.test/s/%s?t=" TOKEN, id);
  record->start = start;
  record->end = start + 3600;
  record->received_at = start - 86400;
  return record;
}

static void
put_record (CnvSessionStore        *store,
            const CnvSessionRecord *record)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cnv_session_store_put (store, record, &error));
  g_assert_no_error (error);
}

static CnvSessionRecord *
get_record (CnvSessionStore *store,
            const char      *id)
{
  g_autoptr(GError) error = NULL;
  CnvSessionRecord *record = cnv_session_store_get (store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (record);
  return record;
}

static void
assert_records_equal (const CnvSessionRecord *a,
                      const CnvSessionRecord *b)
{
  g_assert_cmpstr (a->session_id, ==, b->session_id);
  g_assert_cmpstr (a->uid, ==, b->uid);
  g_assert_cmpint (a->sequence, ==, b->sequence);
  g_assert_cmpstr (a->session_type, ==, b->session_type);
  g_assert_cmpstr (a->manager_address, ==, b->manager_address);
  g_assert_cmpstr (a->title, ==, b->title);
  g_assert_cmpstr (a->organizer, ==, b->organizer);
  if (a->participants == NULL || b->participants == NULL)
    g_assert_true (a->participants == b->participants);
  else
    g_assert_true (g_strv_equal ((const char * const *) a->participants,
                                 (const char * const *) b->participants));
  g_assert_cmpstr (a->link, ==, b->link);
  g_assert_cmpint (a->start, ==, b->start);
  g_assert_cmpint (a->end, ==, b->end);
  g_assert_cmpint (a->status, ==, b->status);
  g_assert_cmpint (a->dismissed, ==, b->dismissed);
  g_assert_cmpint (a->received_at, ==, b->received_at);
  g_assert_cmpint (a->launched_at, ==, b->launched_at);
  g_assert_cmpuint (a->launch_count, ==, b->launch_count);
  g_assert_cmpint (a->warned_start, ==, b->warned_start);
  g_assert_cmpint (a->warned_end, ==, b->warned_end);
  g_assert_cmpint (a->launch_pgid, ==, b->launch_pgid);
  g_assert_cmpstr (a->launch_boot_id, ==, b->launch_boot_id);
  g_assert_cmpuint (a->launch_start_ticks, ==, b->launch_start_ticks);
}

static GBytes *
read_bytes (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

static int
file_mode (const char *path)
{
  GStatBuf info;

  g_assert_cmpint (g_stat (path, &info), ==, 0);
  return info.st_mode & 0777;
}

/* ---- Round trips --------------------------------------------------------------------------- */

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(CnvSessionStore) store = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) full = make_record ("full", 1900000000);
  g_autoptr(CnvSessionRecord) bare = cnv_session_record_new ();
  g_autoptr(CnvSessionRecord) empty = make_record ("empty-participants", 1800000000);
  g_autoptr(GStrvBuilder) many = g_strv_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionRecord) missing = NULL;

  /* Every field set to something that is not its default, the text unicode and with quotes. */
  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *address = g_strdup_printf ("\"p%u, \\\"q\\\"\"@exämple.test", i);

      g_strv_builder_add (many, address);
    }
  g_strfreev (full->participants);
  full->participants = g_strv_builder_end (many);
  g_free (full->title);
  full->title = g_strdup ("Réunion 会議 «\"';--» 🎉\nsecond line");
  g_free (full->organizer);
  full->organizer = g_strdup ("José Ñúñez <jose@exämple.test>");
  full->sequence = 7;
  full->status = CNV_SESSION_STATUS_ENDED;
  full->dismissed = TRUE;
  full->launched_at = 1900000060;
  full->launch_count = 3;
  full->warned_start = TRUE;
  full->warned_end = TRUE;
  full->start = -5;                     /* before 1970: still a number */
  full->end = G_MAXINT64;
  full->launch_pgid = G_MAXINT32;
  full->launch_boot_id = g_strdup ("0f2c51a4-5b1e-4c36-9d0c-3f6e2b7a9e11");
  full->launch_start_ticks = G_MAXUINT64;  /* above SQLite's signed range: still comes back */
  put_record (store, full);

  {
    g_autoptr(CnvSessionRecord) back = get_record (store, "full");

    assert_records_equal (back, full);
  }

  /* Only the key: every nullable field comes back NULL. */
  bare->session_id = g_strdup ("bare");
  put_record (store, bare);
  {
    g_autoptr(CnvSessionRecord) back = get_record (store, "bare");

    assert_records_equal (back, bare);
    g_assert_null (back->participants);
    g_assert_null (back->link);
  }

  /* No participants is not the same as none known. */
  g_strfreev (empty->participants);
  empty->participants = g_new0 (char *, 1);
  put_record (store, empty);
  {
    g_autoptr(CnvSessionRecord) back = get_record (store, "empty-participants");

    g_assert_nonnull (back->participants);
    g_assert_cmpuint (g_strv_length (back->participants), ==, 0);
  }

  /* Every status goes through. */
  for (int status = CNV_SESSION_STATUS_NEW; status <= CNV_SESSION_STATUS_CANCELLED; status++)
    {
      g_autofree char *id = g_strdup_printf ("status-%d", status);
      g_autoptr(CnvSessionRecord) record = make_record (id, 1700000000 + status);
      g_autoptr(CnvSessionRecord) back = NULL;

      record->status = status;
      put_record (store, record);
      back = get_record (store, id);
      assert_records_equal (back, record);
    }

  missing = cnv_session_store_get (store, "no-such-session", &error);
  g_assert_no_error (error);
  g_assert_null (missing);
}

static void
test_invalid_input (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(CnvSessionStore) store = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) record = make_record ("bad", 1900000000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;

  g_free (record->title);
  record->title = g_strdup ("not \xff UTF-8");
  g_assert_false (cnv_session_store_put (store, record, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID);
  g_assert_null (strstr (error->message, TOKEN));
  g_clear_error (&error);

  g_free (record->title);
  record->title = g_strdup ("fine");
  g_free (record->participants[1]);
  record->participants[1] = g_strdup ("\xc3(@example.test");
  g_assert_false (cnv_session_store_put (store, record, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_free (record->participants[1]);
  record->participants[1] = g_strdup ("bob@example.test");
  record->status = 42;
  g_assert_false (cnv_session_store_put (store, record, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID);
  g_clear_error (&error);

  all = cnv_session_store_list (store, CNV_SESSION_STORE_LIST_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 0);
}

/* A row this version cannot read (written by hand, or by a future version that kept the schema
 * number) is an error, not a crash or a half record. */
static void
test_unreadable_row (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(CnvSessionStore) store = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) record = make_record ("odd", 1900000000);
  g_autoptr(CnvSessionRecord) back = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  put_record (store, record);
  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE sessions SET participants = '{\"a\": 1}';",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  back = cnv_session_store_get (store, "odd", &error);
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_FAILED);
  g_assert_null (back);
}

/* ---- Replacing, listing, status, flags, housekeeping --------------------------------------- */

static void
test_put_replaces (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(CnvSessionStore) store = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);
  g_autoptr(CnvSessionRecord) stale = NULL;
  g_autoptr(GError) error = NULL;

  record->status = CNV_SESSION_STATUS_ACCEPTED;
  put_record (store, record);
  stale = get_record (store, "s1");

  /* A reschedule: the invitation's fields are replaced. */
  record->sequence = 1;
  record->start += 1800;
  record->end += 1800;
  g_free (record->title);
  record->title = g_strdup ("Moved");
  put_record (store, record);
  {
    g_autoptr(CnvSessionRecord) back = get_record (store, "s1");

    assert_records_equal (back, record);
  }

  /* A copy read before a launch cannot undo it. */
  g_assert_true (cnv_session_store_record_launch (store, "s1", 1900001800, &error));
  g_assert_no_error (error);
  put_record (store, stale);
  {
    g_autoptr(CnvSessionRecord) back = get_record (store, "s1");

    g_assert_cmpint (back->status, ==, CNV_SESSION_STATUS_RUNNING);
    g_assert_cmpint (back->launched_at, ==, 1900001800);
    g_assert_cmpuint (back->launch_count, ==, 1);
    g_assert_cmpint (back->sequence, ==, 0);
  }

  /* Nor forget which process it started. */
  g_assert_true (cnv_session_store_set_launch_process (store, "s1", 1900001800, 4242, "boot-a",
                                                       77, &error));
  g_assert_no_error (error);
  put_record (store, stale);
  {
    g_autoptr(CnvSessionRecord) back = get_record (store, "s1");

    g_assert_cmpint (back->launch_pgid, ==, 4242);
    g_assert_cmpstr (back->launch_boot_id, ==, "boot-a");
    g_assert_cmpuint (back->launch_start_ticks, ==, 77);
  }

  /* Nor can a put make an existing session running (only a launch does). */
  g_assert_true (cnv_session_store_update_status (store, "s1", CNV_SESSION_STATUS_ACCEPTED,
                                                  &error));
  stale->status = CNV_SESSION_STATUS_RUNNING;
  put_record (store, stale);
  {
    g_autoptr(CnvSessionRecord) back = get_record (store, "s1");

    g_assert_cmpint (back->status, ==, CNV_SESSION_STATUS_ACCEPTED);
  }
}

static const char *
ids_of (GPtrArray *records)
{
  static char text[256];
  GString *ids = g_string_new (NULL);

  for (guint i = 0; i < records->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? " " : "",
                            ((CnvSessionRecord *) records->pdata[i])->session_id);
  g_strlcpy (text, ids->str, sizeof text);
  g_string_free (ids, TRUE);
  return text;
}

static void
test_list (Fixture       *fixture,
           gconstpointer  data)
{
  static const struct
  {
    const char       *id;
    gint64            start;
    CnvSessionStatus  status;
  } rows[] = {
    { "d-missed", 400, CNV_SESSION_STATUS_MISSED },
    { "a-new", 300, CNV_SESSION_STATUS_NEW },
    { "e-running", 100, CNV_SESSION_STATUS_RUNNING },
    { "b-accepted", 200, CNV_SESSION_STATUS_ACCEPTED },
    { "c-ended", 50, CNV_SESSION_STATUS_ENDED },
    { "f-cancelled", 300, CNV_SESSION_STATUS_CANCELLED },
  };
  g_autoptr(CnvSessionStore) store = open_store (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) current = NULL;
  g_autoptr(GPtrArray) past = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(CnvSessionRecord) record = make_record (rows[i].id, rows[i].start);

      record->status = rows[i].status;
      put_record (store, record);
    }

  all = cnv_session_store_list (store, CNV_SESSION_STORE_LIST_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ids_of (all), ==, "c-ended e-running b-accepted a-new f-cancelled d-missed");
  current = cnv_session_store_list (store, CNV_SESSION_STORE_LIST_CURRENT, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ids_of (current), ==, "e-running b-accepted a-new");
  past = cnv_session_store_list (store, CNV_SESSION_STORE_LIST_PAST, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ids_of (past), ==, "c-ended f-cancelled d-missed");
}

static void
test_update_status (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(CnvSessionStore) store = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);
  g_autoptr(GError) error = NULL;

  put_record (store, record);
  g_assert_true (cnv_session_store_update_status (store, "s1", CNV_SESSION_STATUS_MISSED, &error));
  g_assert_no_error (error);
  {
    g_autoptr(CnvSessionRecord) back = get_record (store, "s1");

    g_assert_cmpint (back->status, ==, CNV_SESSION_STATUS_MISSED);
    g_assert_cmpstr (back->title, ==, record->title);
  }

  g_assert_false (cnv_session_store_update_status (store, "nope", CNV_SESSION_STATUS_ENDED,
                                                   &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Running is a launch's to set: the guard would be void otherwise. */
  g_assert_false (cnv_session_store_update_status (store, "s1", CNV_SESSION_STATUS_RUNNING,
                                                   &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cnv_session_store_update_status (store, "s1", 99, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID);
}

static void
test_flags (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(CnvSessionStore) store = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);
  g_autoptr(GError) error = NULL;

  put_record (store, record);
  g_assert_true (cnv_session_store_set_flags (store, "s1",
                                              CNV_SESSION_STORE_FLAG_DISMISSED
                                              | CNV_SESSION_STORE_FLAG_WARNED_END,
                                              CNV_SESSION_STORE_FLAG_DISMISSED
                                              | CNV_SESSION_STORE_FLAG_WARNED_END, &error));
  g_assert_no_error (error);
  {
    g_autoptr(CnvSessionRecord) back = get_record (store, "s1");

    g_assert_true (back->dismissed);
    g_assert_false (back->warned_start);
    g_assert_true (back->warned_end);
  }

  /* Only the masked flags change: warned_start is set, the others stay. */
  g_assert_true (cnv_session_store_set_flags (store, "s1", CNV_SESSION_STORE_FLAG_WARNED_START,
                                              CNV_SESSION_STORE_FLAG_WARNED_START
                                              | CNV_SESSION_STORE_FLAG_DISMISSED, &error));
  g_assert_true (cnv_session_store_set_flags (store, "s1", CNV_SESSION_STORE_FLAG_WARNED_END, 0,
                                              &error));
  {
    g_autoptr(CnvSessionRecord) back = get_record (store, "s1");

    g_assert_true (back->dismissed);
    g_assert_true (back->warned_start);
    g_assert_false (back->warned_end);
  }

  g_assert_false (cnv_session_store_set_flags (store, "nope", CNV_SESSION_STORE_FLAG_DISMISSED,
                                               0, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_FOUND);
}

static void
test_delete_older_than (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(CnvSessionStore) store = open_store (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  guint deleted = 0;

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *id = g_strdup_printf ("s%u", i);
      g_autoptr(CnvSessionRecord) record = make_record (id, 1000 * i);

      record->status = i == 1 ? CNV_SESSION_STATUS_RUNNING : CNV_SESSION_STATUS_ENDED;
      put_record (store, record);
    }
  /* Ends: s0 3600, s1 4600 (running), s2 5600, s3 6600. */
  g_assert_true (cnv_session_store_delete_older_than (store, 5601, &deleted, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (deleted, ==, 2);
  all = cnv_session_store_list (store, CNV_SESSION_STORE_LIST_ALL, &error);
  g_assert_cmpstr (ids_of (all), ==, "s1 s3");
  g_assert_true (cnv_session_store_delete_older_than (store, 0, NULL, &error));
}

static void
test_position (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint32 uidvalidity = 1, last_uid = 1;

  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);

    g_assert_true (cnv_session_store_get_position (store, "alice@imap.example.test/INBOX",
                                                   &uidvalidity, &last_uid, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (uidvalidity, ==, 0);
    g_assert_cmpuint (last_uid, ==, 0);
    g_assert_true (cnv_session_store_set_position (store, "alice@imap.example.test/INBOX",
                                                   G_MAXUINT32, 41, &error));
    g_assert_true (cnv_session_store_set_position (store, "alice@imap.example.test/INBOX",
                                                   G_MAXUINT32, 42, &error));
    g_assert_true (cnv_session_store_set_position (store, "bob@imap.example.test/INBOX",
                                                   7, 9, &error));
    g_assert_no_error (error);
  }
  /* Kept across a restart, per mailbox. */
  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);

    g_assert_true (cnv_session_store_get_position (store, "alice@imap.example.test/INBOX",
                                                   &uidvalidity, &last_uid, &error));
    g_assert_cmpuint (uidvalidity, ==, G_MAXUINT32);
    g_assert_cmpuint (last_uid, ==, 42);
    g_assert_true (cnv_session_store_get_position (store, "bob@imap.example.test/INBOX",
                                                   &uidvalidity, &last_uid, &error));
    g_assert_cmpuint (uidvalidity, ==, 7);
    g_assert_cmpuint (last_uid, ==, 9);
  }
}

/* ---- Transactions -------------------------------------------------------------------------- */

static gboolean
has_session (CnvSessionStore *store,
             const char      *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionRecord) record = cnv_session_store_get (store, id, &error);

  g_assert_no_error (error);
  return record != NULL;
}

static guint32
last_uid_of (CnvSessionStore *store)
{
  g_autoptr(GError) error = NULL;
  guint32 uidvalidity = 0, last_uid = 0;

  g_assert_true (cnv_session_store_get_position (store, "INBOX", &uidvalidity, &last_uid, &error));
  g_assert_no_error (error);
  return last_uid;
}

static void
test_transaction (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(CnvSessionStore) service = open_store (fixture->path);
  g_autoptr(CnvSessionStore) ui = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) s1 = make_record ("s1", 1900000000);
  g_autoptr(CnvSessionRecord) s2 = make_record ("s2", 1900000000);
  g_autoptr(GError) error = NULL;

  /* A record and the position, written together: the other process sees neither until the
   * commit, then both. */
  g_assert_true (cnv_session_store_begin (service, &error));
  g_assert_no_error (error);
  put_record (service, s1);
  g_assert_true (cnv_session_store_set_position (service, "INBOX", 5, 1, &error));
  g_assert_true (has_session (service, "s1"));
  g_assert_false (has_session (ui, "s1"));
  g_assert_cmpuint (last_uid_of (ui), ==, 0);
  g_assert_true (cnv_session_store_commit (service, &error));
  g_assert_no_error (error);
  g_assert_true (has_session (ui, "s1"));
  g_assert_cmpuint (last_uid_of (ui), ==, 1);

  /* Rolled back: neither. */
  g_assert_true (cnv_session_store_begin (service, &error));
  put_record (service, s2);
  g_assert_true (cnv_session_store_set_position (service, "INBOX", 5, 2, &error));
  g_assert_true (cnv_session_store_update_status (service, "s1", CNV_SESSION_STATUS_CANCELLED,
                                                  &error));
  g_assert_no_error (error);
  cnv_session_store_rollback (service);
  g_assert_false (has_session (service, "s2"));
  g_assert_false (has_session (ui, "s2"));
  g_assert_cmpuint (last_uid_of (service), ==, 1);
  {
    g_autoptr(CnvSessionRecord) back = get_record (service, "s1");

    g_assert_cmpint (back->status, ==, CNV_SESSION_STATUS_NEW);
  }
  /* Rolling back outside a transaction does nothing; the store works on. */
  cnv_session_store_rollback (service);
  put_record (service, s2);
  g_assert_true (has_session (ui, "s2"));

  /* A failed statement inside: the caller rolls back, nothing of it stays. */
  g_assert_true (cnv_session_store_begin (service, &error));
  g_assert_true (cnv_session_store_set_position (service, "INBOX", 5, 3, &error));
  g_assert_false (cnv_session_store_set_position (service, "\xff", 5, 3, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID);
  g_clear_error (&error);
  cnv_session_store_rollback (service);
  g_assert_cmpuint (last_uid_of (ui), ==, 1);

  /* A store closed in the middle of one writes none of it. */
  {
    g_autoptr(CnvSessionStore) doomed = open_store (fixture->path);
    g_autoptr(CnvSessionRecord) s3 = make_record ("s3", 1900000000);

    g_assert_true (cnv_session_store_begin (doomed, &error));
    put_record (doomed, s3);
    g_assert_true (cnv_session_store_set_position (doomed, "INBOX", 5, 3, &error));
  }
  g_assert_false (has_session (ui, "s3"));
  g_assert_cmpuint (last_uid_of (ui), ==, 1);
}

static void
test_transaction_nested (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(CnvSessionStore) store = open_store (fixture->path);
  g_autoptr(CnvSessionStore) other = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) s1 = make_record ("s1", 1900000000);
  g_autoptr(CnvSessionRecord) s2 = make_record ("s2", 1900000000);
  g_autoptr(CnvSessionRecord) s3 = make_record ("s3", 1900000000);
  g_autoptr(GError) error = NULL;

  s3->status = CNV_SESSION_STATUS_ACCEPTED;
  put_record (store, s3);

  g_assert_true (cnv_session_store_begin (store, &error));
  put_record (store, s1);
  /* An inner one undone alone. */
  g_assert_true (cnv_session_store_begin (store, &error));
  put_record (store, s2);
  cnv_session_store_rollback (store);
  g_assert_true (has_session (store, "s1"));
  g_assert_false (has_session (store, "s2"));
  /* An inner one kept, written with the outer one only. */
  g_assert_true (cnv_session_store_begin (store, &error));
  g_assert_true (cnv_session_store_set_position (store, "INBOX", 9, 9, &error));
  g_assert_true (cnv_session_store_commit (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (last_uid_of (other), ==, 0);
  /* The launch claim nests its own: refused, it undoes only itself; granted, it waits for the
   * outer commit. */
  g_assert_false (cnv_session_store_record_launch (store, "nope", 1900000001, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (cnv_session_store_record_launch (store, "s3", 1900000001, &error));
  g_assert_no_error (error);
  g_assert_true (has_session (store, "s1"));
  {
    g_autoptr(CnvSessionRecord) seen = get_record (other, "s3");

    g_assert_cmpint (seen->status, ==, CNV_SESSION_STATUS_ACCEPTED);
  }
  g_assert_true (cnv_session_store_commit (store, &error));
  g_assert_no_error (error);

  g_assert_true (has_session (other, "s1"));
  g_assert_false (has_session (other, "s2"));
  g_assert_cmpuint (last_uid_of (other), ==, 9);
  {
    g_autoptr(CnvSessionRecord) back = get_record (other, "s3");

    g_assert_cmpint (back->status, ==, CNV_SESSION_STATUS_RUNNING);
    g_assert_cmpuint (back->launch_count, ==, 1);
  }
}

static void
test_transaction_locked (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(CnvSessionStore) service = open_store (fixture->path);
  g_autoptr(CnvSessionStore) other = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) s1 = make_record ("s1", 1900000000);
  g_autoptr(GError) error = NULL;

  /* The other process holds the write lock longer than the busy timeout. */
  g_assert_true (cnv_session_store_begin (other, &error));
  g_assert_false (cnv_session_store_begin (service, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_FAILED);
  g_clear_error (&error);
  /* Reading goes on meanwhile (WAL). */
  g_assert_false (has_session (service, "s1"));
  cnv_session_store_rollback (service);
  g_assert_true (cnv_session_store_commit (other, &error));

  g_assert_true (cnv_session_store_begin (service, &error));
  put_record (service, s1);
  g_assert_true (cnv_session_store_commit (service, &error));
  g_assert_no_error (error);
  g_assert_true (has_session (other, "s1"));
}

/* ---- The launch guard ---------------------------------------------------------------------- */

static void
test_launch_two_connections (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(CnvSessionStore) service = open_store (fixture->path);
  g_autoptr(CnvSessionStore) ui = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);
  g_autoptr(GError) error = NULL;

  record->status = CNV_SESSION_STATUS_ACCEPTED;
  put_record (service, record);

  g_assert_true (cnv_session_store_record_launch (service, "s1", 1900000001, &error));
  g_assert_no_error (error);
  g_assert_false (cnv_session_store_record_launch (ui, "s1", 1900000002, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_ALREADY_RUNNING);
  g_clear_error (&error);
  /* Nor twice from the same connection. */
  g_assert_false (cnv_session_store_record_launch (service, "s1", 1900000003, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_ALREADY_RUNNING);
  g_clear_error (&error);
  {
    g_autoptr(CnvSessionRecord) back = get_record (ui, "s1");

    g_assert_cmpint (back->status, ==, CNV_SESSION_STATUS_RUNNING);
    g_assert_cmpint (back->launched_at, ==, 1900000001);
    g_assert_cmpuint (back->launch_count, ==, 1);
  }

  /* The program exited early: the session is accepted again and may be relaunched, once. */
  g_assert_true (cnv_session_store_update_status (service, "s1", CNV_SESSION_STATUS_ACCEPTED,
                                                  &error));
  g_assert_true (cnv_session_store_record_launch (ui, "s1", 1900000600, &error));
  g_assert_no_error (error);
  g_assert_false (cnv_session_store_record_launch (service, "s1", 1900000601, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_ALREADY_RUNNING);
  g_clear_error (&error);
  {
    g_autoptr(CnvSessionRecord) back = get_record (service, "s1");

    g_assert_cmpint (back->launched_at, ==, 1900000600);
    g_assert_cmpuint (back->launch_count, ==, 2);
  }

  /* A cancelled session is never launched; an unknown one neither. */
  g_assert_true (cnv_session_store_update_status (service, "s1", CNV_SESSION_STATUS_CANCELLED,
                                                  &error));
  g_assert_false (cnv_session_store_record_launch (ui, "s1", 1900000700, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (cnv_session_store_record_launch (ui, "nope", 1900000700, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  {
    g_autoptr(CnvSessionRecord) back = get_record (service, "s1");

    g_assert_cmpuint (back->launch_count, ==, 2);
  }
}

/* This program run as `--claim PATH ID [--die]`: one launch claim from a separate process; exits
 * 0 when it was granted, 1 when refused as running, 2 otherwise. With --die it is killed with
 * SIGKILL right after the claim, before it could close anything. */
static int
claim_main (const char *path,
            const char *id,
            gboolean    die)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionStore) store = cnv_session_store_open (path, &error);
  gboolean granted;

  if (store == NULL)
    return 2;
  granted = cnv_session_store_record_launch (store, id, g_get_real_time () / G_USEC_PER_SEC,
                                             &error);
  if (die)
    raise (SIGKILL);
  if (granted)
    return 0;
  return g_error_matches (error, CNV_SESSION_STORE_ERROR,
                          CNV_SESSION_STORE_ERROR_ALREADY_RUNNING) ? 1 : 2;
}

static GSubprocess *
spawn_claim (const char *path,
             const char *id,
             gboolean    die)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_exe, "--claim",
                                           path, id, die ? "--die" : NULL, NULL);

  g_assert_no_error (error);
  return process;
}

static void
test_launch_processes (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(CnvSessionRecord) record = make_record ("raced", 1900000000);
  g_autoptr(CnvSessionRecord) killed = make_record ("killed", 1900000000);
  GSubprocess *processes[8];
  guint granted = 0, refused = 0;

  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);

    record->status = CNV_SESSION_STATUS_ACCEPTED;
    put_record (store, record);
    killed->status = CNV_SESSION_STATUS_ACCEPTED;
    put_record (store, killed);
  }

  /* Eight processes claim the same launch at once: one wins. */
  for (guint i = 0; i < G_N_ELEMENTS (processes); i++)
    processes[i] = spawn_claim (fixture->path, "raced", FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (processes); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (g_subprocess_wait (processes[i], NULL, &error));
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (processes[i]));
      switch (g_subprocess_get_exit_status (processes[i]))
        {
        case 0:
          granted++;
          break;
        case 1:
          refused++;
          break;
        default:
          g_assert_not_reached ();
        }
      g_object_unref (processes[i]);
    }
  g_assert_cmpuint (granted, ==, 1);
  g_assert_cmpuint (refused, ==, G_N_ELEMENTS (processes) - 1);

  /* A process killed right after its claim: after the "restart" the claim holds. */
  {
    g_autoptr(GSubprocess) victim = spawn_claim (fixture->path, "killed", TRUE);
    g_autoptr(GSubprocess) restarted = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (g_subprocess_wait (victim, NULL, &error));
    g_assert_true (g_subprocess_get_if_signaled (victim));
    g_assert_cmpint (g_subprocess_get_term_sig (victim), ==, SIGKILL);

    restarted = spawn_claim (fixture->path, "killed", FALSE);
    g_assert_true (g_subprocess_wait (restarted, NULL, &error));
    g_assert_true (g_subprocess_get_if_exited (restarted));
    g_assert_cmpint (g_subprocess_get_exit_status (restarted), ==, 1);
  }

  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);
    g_autoptr(CnvSessionRecord) raced = get_record (store, "raced");
    g_autoptr(CnvSessionRecord) back = get_record (store, "killed");

    g_assert_cmpint (raced->status, ==, CNV_SESSION_STATUS_RUNNING);
    g_assert_cmpuint (raced->launch_count, ==, 1);
    g_assert_cmpint (back->status, ==, CNV_SESSION_STATUS_RUNNING);
    g_assert_cmpuint (back->launch_count, ==, 1);
    g_assert_cmpint (back->launched_at, >, 0);
  }
}

/* ---- The launched process ------------------------------------------------------------------ */

static void
test_launch_process_record (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(CnvSessionStore) service = open_store (fixture->path);
  g_autoptr(CnvSessionStore) ui = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);
  g_autoptr(GError) error = NULL;

  record->status = CNV_SESSION_STATUS_ACCEPTED;
  put_record (service, record);

  /* Not before a claim. */
  g_assert_false (cnv_session_store_set_launch_process (service, "s1", 0, 100, "boot-a", 1,
                                                        &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  g_assert_true (cnv_session_store_record_launch (service, "s1", 1900000001, &error));
  g_assert_true (cnv_session_store_set_launch_process (service, "s1", 1900000001, 100, "boot-a",
                                                       12345, &error));
  g_assert_no_error (error);
  {
    g_autoptr(CnvSessionRecord) back = get_record (ui, "s1");

    g_assert_cmpint (back->launch_pgid, ==, 100);
    g_assert_cmpstr (back->launch_boot_id, ==, "boot-a");
    g_assert_cmpuint (back->launch_start_ticks, ==, 12345);
  }

  /* Bad arguments change nothing. */
  g_assert_false (cnv_session_store_set_launch_process (service, "s1", 1900000001, 0, "boot-b", 1,
                                                        &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cnv_session_store_set_launch_process (service, "s1", 1900000001, -7, "boot-b",
                                                        1, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID);
  g_clear_error (&error);
  /* Group 1: kill(-1) would reach every process of the user. */
  g_assert_false (cnv_session_store_set_launch_process (service, "s1", 1900000001, 1, "boot-b",
                                                        1, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cnv_session_store_set_launch_process (service, "s1", 1900000001, 5, "\xff", 1,
                                                        &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cnv_session_store_set_launch_process (service, "nope", 1900000001, 5, "boot-b",
                                                        1, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* Another claim's time: not this launch. */
  g_assert_false (cnv_session_store_set_launch_process (ui, "s1", 1900000002, 5, "boot-b", 1,
                                                        &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_RUNNING);
  g_clear_error (&error);
  {
    g_autoptr(CnvSessionRecord) back = get_record (ui, "s1");

    g_assert_cmpint (back->launch_pgid, ==, 100);
    g_assert_cmpstr (back->launch_boot_id, ==, "boot-a");
  }

  /* The program exited early and the session is claimed again: the old group is forgotten with
   * the claim, and a late write for the old launch is refused. */
  g_assert_true (cnv_session_store_update_status (service, "s1", CNV_SESSION_STATUS_ACCEPTED,
                                                  &error));
  g_assert_false (cnv_session_store_set_launch_process (service, "s1", 1900000001, 100, "boot-a",
                                                        12345, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_RUNNING);
  g_clear_error (&error);
  g_assert_true (cnv_session_store_record_launch (ui, "s1", 1900000600, &error));
  {
    g_autoptr(CnvSessionRecord) back = get_record (service, "s1");

    g_assert_cmpint (back->status, ==, CNV_SESSION_STATUS_RUNNING);
    g_assert_cmpint (back->launch_pgid, ==, 0);
    g_assert_null (back->launch_boot_id);
    g_assert_cmpuint (back->launch_start_ticks, ==, 0);
  }
  g_assert_false (cnv_session_store_set_launch_process (service, "s1", 1900000001, 100, "boot-a",
                                                        12345, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_RUNNING);
  g_clear_error (&error);
  g_assert_true (cnv_session_store_set_launch_process (ui, "s1", 1900000600, 200, "boot-a", 999,
                                                       &error));

  /* Cancelled meanwhile: the caller learns it must close what it started. */
  g_assert_true (cnv_session_store_update_status (service, "s1", CNV_SESSION_STATUS_CANCELLED,
                                                  &error));
  g_assert_false (cnv_session_store_set_launch_process (ui, "s1", 1900000600, 300, "boot-a", 1,
                                                        &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_RUNNING);
  g_clear_error (&error);
}

static void
set_own_group (gpointer data)
{
  setpgid (0, 0);
}

/* This program run as `--pause`, in a process group of its own when @own_group. */
static GSubprocess *
spawn_pause (gboolean own_group)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  if (own_group)
    g_subprocess_launcher_set_child_setup (launcher, set_own_group, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, self_exe, "--pause", NULL);
  g_assert_no_error (error);
  return process;
}

/* This program run as `--launch PATH ID`: the service's launch, then its death by SIGKILL. It
 * claims the session, starts a program (`--pause`) leading a group of its own, records which,
 * and is killed before it could close anything. Exits 2 when a step fails. */
static int
launch_main (const char *path,
             const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionStore) store = cnv_session_store_open (path, &error);
  g_autoptr(GSubprocess) program = NULL;
  g_autofree char *boot_id = NULL;
  gint64 at = g_get_real_time () / G_USEC_PER_SEC;
  guint64 ticks = 0;
  gint32 pgid = 0, pgrp = 0;

  if (store == NULL || !cnv_session_store_record_launch (store, id, at, &error))
    return 2;
  program = spawn_pause (TRUE);
  pgid = (gint32) atoi (g_subprocess_get_identifier (program));
  if (!cnv_session_record_read_process ("/proc", pgid, &boot_id, &ticks, &pgrp, &error)
      || pgrp != pgid
      || !cnv_session_store_set_launch_process (store, id, at, pgid, boot_id, ticks, &error))
    return 2;
  raise (SIGKILL);
  return 2;
}

static void
test_launch_survives_kill (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);
  g_autoptr(GSubprocess) service = NULL;
  g_autoptr(CnvSessionRecord) back = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);

    record->status = CNV_SESSION_STATUS_ACCEPTED;
    put_record (store, record);
  }
  /* The program the killed service started is orphaned: it becomes this process's child, so that
   * this test can reap it and see it gone, as init would. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), ==, 0);

  service = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_exe, "--launch",
                              fixture->path, "s1", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (service, NULL, &error));
  g_assert_true (g_subprocess_get_if_signaled (service));
  g_assert_cmpint (g_subprocess_get_term_sig (service), ==, SIGKILL);

  /* The restarted service finds the running session and its program, still alive. */
  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);

    back = get_record (store, "s1");
  }
  g_assert_cmpint (back->status, ==, CNV_SESSION_STATUS_RUNNING);
  g_assert_cmpint (back->launch_pgid, >, 0);
  g_assert_nonnull (back->launch_boot_id);
  g_assert_true (cnv_session_record_launch_is_alive (back, "/proc"));

  /* At the end it closes the group; once gone (reaped), the record no longer names a live one. */
  g_assert_cmpint (kill (-back->launch_pgid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (back->launch_pgid, &status, 0), ==, back->launch_pgid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_false (cnv_session_record_launch_is_alive (back, "/proc"));
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), ==, 0);
}

/* ---- Two processes, one file --------------------------------------------------------------- */

static void
test_data_version (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(CnvSessionStore) service = open_store (fixture->path);
  g_autoptr(CnvSessionStore) ui = open_store (fixture->path);
  g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);
  g_autoptr(GError) error = NULL;
  gint64 seen = cnv_session_store_data_version (service);
  gint64 ui_seen = cnv_session_store_data_version (ui);

  g_assert_cmpint (seen, >=, 0);
  /* Reading changes nothing. */
  g_assert_cmpint (cnv_session_store_data_version (service), ==, seen);

  put_record (ui, record);
  g_assert_cmpint (cnv_session_store_data_version (service), !=, seen);
  /* A connection's own commits do not count: it knows about them. */
  g_assert_cmpint (cnv_session_store_data_version (ui), ==, ui_seen);

  seen = cnv_session_store_data_version (service);
  g_assert_true (cnv_session_store_set_flags (ui, "s1", CNV_SESSION_STORE_FLAG_DISMISSED,
                                              CNV_SESSION_STORE_FLAG_DISMISSED, &error));
  g_assert_cmpint (cnv_session_store_data_version (service), !=, seen);
  {
    g_autoptr(CnvSessionRecord) back = get_record (service, "s1");

    g_assert_true (back->dismissed);
  }

  seen = cnv_session_store_data_version (service);
  g_assert_true (cnv_session_store_record_launch (ui, "s1", 1900000000, &error));
  g_assert_cmpint (cnv_session_store_data_version (service), !=, seen);

  /* A refused launch commits nothing. */
  seen = cnv_session_store_data_version (service);
  g_assert_false (cnv_session_store_record_launch (ui, "s1", 1900000001, &error));
  g_clear_error (&error);
  g_assert_cmpint (cnv_session_store_data_version (service), ==, seen);
}

static void
test_reopen (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_session_record_free);
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);

    for (guint i = 0; i < 20; i++)
      {
        g_autofree char *id = g_strdup_printf ("s%02u", i);
        CnvSessionRecord *record = make_record (id, 1900000000 + i);

        record->status = i % (CNV_SESSION_STATUS_CANCELLED + 1);
        record->launched_at = i % 2 ? 1900000000 + i : 0;
        record->launch_count = i % 3;
        record->dismissed = i % 2;
        record->warned_start = i % 3 == 0;
        record->warned_end = i % 5 == 0;
        record->launch_pgid = i % 2 ? 1000 + (gint32) i : 0;
        record->launch_boot_id = i % 2 ? g_strdup_printf ("boot-%u", i) : NULL;
        record->launch_start_ticks = i % 2 ? 5000 + i : 0;
        put_record (store, record);
        g_ptr_array_add (written, record);
      }
    g_assert_true (cnv_session_store_set_position (store, "INBOX", 5, 6, &error));
  }

  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);
    g_autoptr(GPtrArray) all = cnv_session_store_list (store, CNV_SESSION_STORE_LIST_ALL, &error);
    guint32 uidvalidity, last_uid;

    g_assert_no_error (error);
    g_assert_cmpuint (all->len, ==, written->len);
    for (guint i = 0; i < all->len; i++)
      assert_records_equal (all->pdata[i], written->pdata[i]);
    g_assert_cmpint (cnv_session_store_get_version (store), ==, CNV_SESSION_STORE_SCHEMA_VERSION);
    g_assert_true (cnv_session_store_get_position (store, "INBOX", &uidvalidity, &last_uid,
                                                   &error));
    g_assert_cmpuint (uidvalidity, ==, 5);
    g_assert_cmpuint (last_uid, ==, 6);
  }
}

/* ---- Damaged and foreign files ------------------------------------------------------------- */

/* Opening @path fails with @code, and the file is byte for byte as it was. */
static void
assert_refused (const char *path,
                int         code)
{
  g_autoptr(GBytes) before = read_bytes (path);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionStore) store = cnv_session_store_open (path, &error);

  g_assert_null (store);
  g_assert_error (error, CNV_SESSION_STORE_ERROR, code);
  g_assert_nonnull (strstr (error->message, path));
  g_test_message ("refused: %s", error->message);
  after = read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
}

static void
test_garbage_file (Fixture       *fixture,
                   gconstpointer  data)
{
  guint8 garbage[8192];
  g_autoptr(GError) error = NULL;
  g_autofree char *aside = NULL;
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);

  for (guint i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) (i * 131 + 7);
  g_assert_true (g_file_set_contents (fixture->path, (const char *) garbage, sizeof garbage, NULL));
  assert_refused (fixture->path, CNV_SESSION_STORE_ERROR_CORRUPT);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));

  /* A short text file is no database either. */
  g_assert_true (g_file_set_contents (fixture->path, "hello\n", -1, NULL));
  assert_refused (fixture->path, CNV_SESSION_STORE_ERROR_CORRUPT);

  /* Set aside on request: kept under another name, and the next open starts afresh. */
  aside = cnv_session_store_set_aside (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (aside);
  g_assert_true (g_str_has_prefix (aside, fixture->path));
  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (aside, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "hello\n");
  }
  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);
    g_autoptr(GPtrArray) all = cnv_session_store_list (store, CNV_SESSION_STORE_LIST_ALL, &error);

    g_assert_cmpuint (all->len, ==, 0);
  }
}

static void
test_truncated_file (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);

    for (guint i = 0; i < 300; i++)
      {
        g_autofree char *id = g_strdup_printf ("session-%04u", i);
        g_autoptr(CnvSessionRecord) record = make_record (id, 1900000000 + i);

        put_record (store, record);
      }
  }
  /* The last connection's close checkpointed the WAL into the file. */
  g_assert_true (g_file_get_contents (fixture->path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 16 * 4096);
  g_assert_true (g_file_set_contents (fixture->path, contents, length / 2, &error));
  g_assert_no_error (error);
  assert_refused (fixture->path, CNV_SESSION_STORE_ERROR_CORRUPT);
}

/* Header and schema intact, a page in the middle overwritten: found by the check at opening,
 * before anything is written. */
static void
test_damaged_page (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);

    for (guint i = 0; i < 300; i++)
      {
        g_autofree char *id = g_strdup_printf ("session-%04u", i);
        g_autoptr(CnvSessionRecord) record = make_record (id, 1900000000 + i);

        put_record (store, record);
      }
  }
  g_assert_true (g_file_get_contents (fixture->path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 16 * 4096);
  for (gsize i = 8 * 4096; i < 9 * 4096; i++)
    contents[i] = (char) (i * 37 + 11);
  g_assert_true (g_file_set_contents (fixture->path, contents, length, &error));
  g_assert_no_error (error);
  assert_refused (fixture->path, CNV_SESSION_STORE_ERROR_CORRUPT);
}

static void
test_newer_schema (Fixture       *fixture,
                   gconstpointer  data)
{
  sqlite3 *db = NULL;

  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);
    g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);

    put_record (store, record);
  }
  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99;", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  assert_refused (fixture->path, CNV_SESSION_STORE_ERROR_VERSION);
}

/* ---- Files, permissions, migration --------------------------------------------------------- */

static void
test_permissions (void)
{
  g_autofree char *path = cnv_session_store_default_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "convene",
                                                "sessions.sqlite", NULL);
  mode_t old_umask = umask (022);

  g_assert_cmpstr (path, ==, expected);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  {
    g_autoptr(CnvSessionStore) store = open_store (NULL);
    g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);

    g_assert_cmpstr (cnv_session_store_get_path (store), ==, path);
    put_record (store, record);
    g_assert_cmpint (file_mode (dir), ==, 0700);
    g_assert_cmpint (file_mode (path), ==, 0600);
    g_assert_cmpint (file_mode (wal), ==, 0600);
    g_assert_cmpint (file_mode (shm), ==, 0600);
  }

  /* A file others can read is made private on opening. */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  {
    g_autoptr(CnvSessionStore) store = open_store (NULL);

    g_assert_cmpint (file_mode (path), ==, 0600);
  }
  umask (old_umask);
}

static void
test_unopenable (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *blocker = g_build_filename (fixture->dir, "file", NULL);
  g_autofree char *below = g_build_filename (blocker, "sessions.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionStore) store = NULL;
  g_autoptr(CnvSessionStore) dir_store = NULL;

  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  store = cnv_session_store_open (below, &error);
  g_assert_null (store);
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_OPEN);
  g_clear_error (&error);

  /* A directory where the file should be. */
  dir_store = cnv_session_store_open (fixture->dir, &error);
  g_assert_null (dir_store);
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_OPEN);
}

static void
test_migration_from_empty (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *other = g_build_filename (fixture->dir, "v0.sqlite", NULL);
  sqlite3 *db = NULL;

  /* A zero-byte file is an empty database of version 0. */
  g_assert_true (g_file_set_contents (fixture->path, "", 0, NULL));
  {
    g_autoptr(CnvSessionStore) store = open_store (fixture->path);
    g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);

    g_assert_cmpint (cnv_session_store_get_version (store), ==, CNV_SESSION_STORE_SCHEMA_VERSION);
    put_record (store, record);
  }

  /* A version-0 database that SQLite made, with a table of its own: migrated, the table kept. */
  g_assert_cmpint (sqlite3_open (other, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('a');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  {
    g_autoptr(CnvSessionStore) store = open_store (other);
    g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);

    g_assert_cmpint (cnv_session_store_get_version (store), ==, CNV_SESSION_STORE_SCHEMA_VERSION);
    put_record (store, record);
  }
  g_assert_cmpint (sqlite3_open (other, &db), ==, SQLITE_OK);
  {
    sqlite3_stmt *statement = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT x FROM notes;", -1, &statement, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (statement, 0), ==, "a");
    sqlite3_finalize (statement);
  }
  sqlite3_close (db);
}

/* Two connections opening a new file at once both migrate it without error. */
static void
test_concurrent_first_open (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(CnvSessionStore) a = open_store (fixture->path);
  g_autoptr(CnvSessionStore) b = open_store (fixture->path);

  g_assert_cmpint (cnv_session_store_get_version (a), ==, CNV_SESSION_STORE_SCHEMA_VERSION);
  g_assert_cmpint (cnv_session_store_get_version (b), ==, CNV_SESSION_STORE_SCHEMA_VERSION);
}

static void
test_thousand (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(CnvSessionStore) store = open_store (fixture->path);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) current = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();

  /* Put in reverse order of start: the list sorts them. */
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *id = g_strdup_printf ("session-%04u", i);
      g_autoptr(CnvSessionRecord) record = make_record (id, 1900000000 - (gint64) i * 60);

      record->status = i % 2 ? CNV_SESSION_STATUS_ENDED : CNV_SESSION_STATUS_NEW;
      put_record (store, record);
    }
  all = cnv_session_store_list (store, CNV_SESSION_STORE_LIST_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 1000);
  for (guint i = 1; i < all->len; i++)
    g_assert_cmpint (((CnvSessionRecord *) all->pdata[i - 1])->start, <,
                     ((CnvSessionRecord *) all->pdata[i])->start);
  g_assert_cmpstr (((CnvSessionRecord *) all->pdata[0])->session_id, ==, "session-0999");
  current = cnv_session_store_list (store, CNV_SESSION_STORE_LIST_CURRENT, &error);
  g_assert_cmpuint (current->len, ==, 500);
  g_test_message ("1000 puts and two lists: %.1f ms",
                  (g_get_monotonic_time () - started) / 1000.0);
}

/* ---- The record's launch fields ------------------------------------------------------------ */

static void
test_record_copy_launch (void)
{
  g_autoptr(CnvSessionRecord) record = make_record ("s1", 1900000000);
  g_autoptr(CnvSessionRecord) copy = NULL;
  g_autoptr(CnvSessionRecord) empty = cnv_session_record_new ();

  g_assert_cmpint (empty->launch_pgid, ==, 0);
  g_assert_null (empty->launch_boot_id);
  g_assert_cmpuint (empty->launch_start_ticks, ==, 0);
  g_assert_false (cnv_session_record_launch_is_alive (empty, "/proc"));

  record->launch_pgid = 4242;
  record->launch_boot_id = g_strdup ("boot-a");
  record->launch_start_ticks = 987654321;
  copy = cnv_session_record_copy (record);
  assert_records_equal (copy, record);
  g_assert_true (copy->launch_boot_id != record->launch_boot_id);
  g_free (record->launch_boot_id);
  record->launch_boot_id = NULL;
  g_assert_cmpstr (copy->launch_boot_id, ==, "boot-a");
}

/* A record naming @pid as it is now in @proc_root. */
static CnvSessionRecord *
record_of_process (const char *proc_root,
                   gint32      pid)
{
  g_autoptr(CnvSessionRecord) record = cnv_session_record_new ();
  g_autoptr(GError) error = NULL;
  gint32 pgrp = 0;

  g_assert_true (cnv_session_record_read_process (proc_root, pid, &record->launch_boot_id,
                                                  &record->launch_start_ticks, &pgrp, &error));
  g_assert_no_error (error);
  record->launch_pgid = pid;
  return g_steal_pointer (&record);
}

static void
test_alive_real_child (void)
{
  g_autoptr(GSubprocess) leader = spawn_pause (TRUE);
  g_autoptr(GSubprocess) member = spawn_pause (FALSE);
  gint32 leader_pid = (gint32) atoi (g_subprocess_get_identifier (leader));
  gint32 member_pid = (gint32) atoi (g_subprocess_get_identifier (member));
  g_autoptr(CnvSessionRecord) record = record_of_process ("/proc", leader_pid);
  g_autoptr(CnvSessionRecord) not_leader = record_of_process ("/proc", member_pid);
  g_autoptr(GError) error = NULL;
  g_autofree char *boot_id = NULL;
  guint64 ticks = 0;
  gint32 pgrp = 0;

  /* What the kernel says of this very process. */
  g_assert_true (cnv_session_record_read_process ("/proc", (gint32) getpid (), &boot_id, &ticks,
                                                  &pgrp, &error));
  g_assert_cmpint (pgrp, ==, getpgrp ());
  g_assert_cmpuint (strlen (boot_id), ==, 36);
  g_assert_cmpuint (ticks, <=, record->launch_start_ticks);

  g_assert_cmpstr (record->launch_boot_id, ==, boot_id);
  g_assert_true (cnv_session_record_launch_is_alive (record, "/proc"));
  /* A process in our group is not the leader of a group of its own: never signalled as one. */
  g_assert_false (cnv_session_record_launch_is_alive (not_leader, "/proc"));

  /* Another start time (a pid reused later) or another boot: not ours. */
  record->launch_start_ticks++;
  g_assert_false (cnv_session_record_launch_is_alive (record, "/proc"));
  record->launch_start_ticks--;
  g_free (record->launch_boot_id);
  record->launch_boot_id = g_strdup ("00000000-0000-0000-0000-000000000000");
  g_assert_false (cnv_session_record_launch_is_alive (record, "/proc"));
  g_free (record->launch_boot_id);
  record->launch_boot_id = g_strdup (boot_id);
  g_assert_true (cnv_session_record_launch_is_alive (record, "/proc"));

  g_subprocess_force_exit (leader);
  g_assert_true (g_subprocess_wait (leader, NULL, &error));
  g_assert_false (cnv_session_record_launch_is_alive (record, "/proc"));
  g_assert_false (cnv_session_record_read_process ("/proc", leader_pid, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_subprocess_force_exit (member);
  g_assert_true (g_subprocess_wait (member, NULL, &error));
}

/* A stat line as proc(5) has it, with @comm, @pgrp and @starttime (field 22). */
static char *
stat_line (gint32      pid,
           const char *comm,
           gint32      pgrp,
           guint64     starttime)
{
  return g_strdup_printf ("%d (%s) S 1 %d %d 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 1 0 %"
                          G_GUINT64_FORMAT " 8704000 250 18446744073709551615 1 1 0 0 0 0 0 "
                          "4096 0 0 0 0 17 2 0 0 0 0 0\n", (int) pid, comm, (int) pgrp,
                          (int) pgrp, starttime);
}

static void
write_fake (const char *root,
            const char *relative,
            const char *contents,
            gssize      length)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, length, &error));
  g_assert_no_error (error);
}

/* Would be the same program, but for the NUL in its name. */
#define NUL_STAT "4242 (zo\0m) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555"

static void
test_alive_fake_proc (void)
{
  g_autofree char *root = g_dir_make_tmp ("cnv-fake-proc-XXXXXX", NULL);
  g_autoptr(CnvSessionRecord) record = cnv_session_record_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = NULL;
  const char boot[] = "6a1e6c7e-9d52-4a3f-8d7e-1c2b3a4d5e6f";
  struct
  {
    const char *why;
    char       *stat;
    gssize      length;
    gboolean    alive;
  } cases[] = {
    { "the same program", stat_line (4242, "zoom", 4242, 555), -1, TRUE },
    { "comm with spaces and parentheses", stat_line (4242, "(a) b (c)", 4242, 555), -1, TRUE },
    { "comm that fakes fields", stat_line (4242, "x) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555 (",
                                          4242, 556), -1, FALSE },
    { "a reused pid", stat_line (4242, "zoom", 4242, 99999), -1, FALSE },
    { "no longer the group leader", stat_line (4242, "zoom", 17, 555), -1, FALSE },
    { "another pid in the file", stat_line (4243, "zoom", 4242, 555), -1, FALSE },
    { "no newline", g_strdup ("4242 (zoom) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555"), -1,
      TRUE },
    { "truncated before starttime", g_strdup ("4242 (zoom) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0"),
      -1, FALSE },
    { "truncated in comm", g_strdup ("4242 (zo"), -1, FALSE },
    { "empty", g_strdup (""), -1, FALSE },
    { "no comm", g_strdup ("4242 S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555"), -1, FALSE },
    { "comm unclosed then closed early", g_strdup (") 4242 (zoom S 1 4242"), -1, FALSE },
    { "negative pgrp", stat_line (4242, "zoom", -4242, 555), -1, FALSE },
    { "starttime not a number", g_strdup ("4242 (zoom) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 "
                                          "0 5x5 1"), -1, FALSE },
    { "starttime too big", g_strdup ("4242 (zoom) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
                                     "184467440737095516160 1"), -1, FALSE },
    { "double spaces", g_strdup ("4242 (zoom)  S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555"),
      -1, FALSE },
    { "a NUL byte", g_memdup2 (NUL_STAT, sizeof NUL_STAT - 1), sizeof NUL_STAT - 1, FALSE },
  };

  g_assert_nonnull (root);
  write_fake (root, "sys/kernel/random/boot_id", "6a1e6c7e-9d52-4a3f-8d7e-1c2b3a4d5e6f\n", -1);
  record->launch_pgid = 4242;
  record->launch_boot_id = g_strdup (boot);
  record->launch_start_ticks = 555;

  /* No stat file: the process is gone. */
  g_assert_false (cnv_session_record_launch_is_alive (record, root));
  g_assert_false (cnv_session_record_read_process (root, 4242, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("stat: %s", cases[i].why);
      write_fake (root, "4242/stat", cases[i].stat, cases[i].length);
      g_assert_cmpint (cnv_session_record_launch_is_alive (record, root), ==, cases[i].alive);
      g_free (cases[i].stat);
    }

  /* A huge file is refused without being read to its end. */
  huge = g_strnfill (1 << 20, '7');
  write_fake (root, "4242/stat", huge, -1);
  g_assert_false (cnv_session_record_launch_is_alive (record, root));
  g_assert_false (cnv_session_record_read_process (root, 4242, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* The right process, another boot (or none to be read). */
  {
    g_autofree char *good = stat_line (4242, "zoom", 4242, 555);

    write_fake (root, "4242/stat", good, -1);
  }
  g_assert_true (cnv_session_record_launch_is_alive (record, root));
  write_fake (root, "sys/kernel/random/boot_id", "11111111-2222-3333-4444-555555555555\n", -1);
  g_assert_false (cnv_session_record_launch_is_alive (record, root));
  write_fake (root, "sys/kernel/random/boot_id", "\n", -1);
  g_assert_false (cnv_session_record_launch_is_alive (record, root));
  write_fake (root, "sys/kernel/random/boot_id", "\xff\xfe\n", -1);
  g_assert_false (cnv_session_record_launch_is_alive (record, root));
  write_fake (root, "sys/kernel/random/boot_id", boot, -1);
  g_assert_true (cnv_session_record_launch_is_alive (record, root));

  /* Nothing recorded, or nonsense recorded: never alive. */
  record->launch_pgid = 0;
  g_assert_false (cnv_session_record_launch_is_alive (record, root));
  record->launch_pgid = -4242;
  g_assert_false (cnv_session_record_launch_is_alive (record, root));
  record->launch_pgid = 4242;
  g_clear_pointer (&record->launch_boot_id, g_free);
  g_assert_false (cnv_session_record_launch_is_alive (record, root));

  remove_tree (root);
}

/* ---- Migration from version 1 -------------------------------------------------------------- */

/* Version 1's schema as it shipped, written by hand: what a file of the previous Convene holds. */
static const char v1_schema[] =
  "CREATE TABLE sessions ("
  "  session_id TEXT PRIMARY KEY, uid TEXT, sequence INTEGER NOT NULL, session_type TEXT,"
  "  manager_address TEXT, title TEXT, organizer TEXT, participants TEXT, link TEXT,"
  "  starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,"
  "  status TEXT NOT NULL CHECK (status IN ('new', 'accepted', 'running', 'ended', 'missed',"
  "                                         'cancelled')),"
  "  dismissed INTEGER NOT NULL, received_at INTEGER NOT NULL, launched_at INTEGER NOT NULL,"
  "  launch_count INTEGER NOT NULL, warned_start INTEGER NOT NULL, warned_end INTEGER NOT NULL);"
  "CREATE INDEX sessions_by_start ON sessions (starts_at);"
  "CREATE INDEX sessions_by_end ON sessions (ends_at);"
  "CREATE TABLE positions (mailbox TEXT PRIMARY KEY, uidvalidity INTEGER NOT NULL,"
  "  last_uid INTEGER NOT NULL);"
  "INSERT INTO sessions VALUES ('s1', 'u1@m', 3, 'videoconference', 'videoconference@example.test',"
  "  'Réunion', 'alice@example.test', '[\"alice@example.test\",\"bob@example.test\"]',"
  "  'https://meet.example.test/s/s1?t=" TOKEN "', 1900000000, 1900003600, 'running', 1,"
  "  1899990000, 1900000005, 2, 1, 0);"
  "INSERT INTO sessions VALUES ('s2', NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 5, 6, 'new',"
  "  0, 0, 0, 0, 0, 0);"
  "INSERT INTO positions VALUES ('alice@example.test/INBOX', 7, 42);"
  "PRAGMA user_version = 1;";

static void
test_migration_from_v1 (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(CnvSessionStore) store = NULL;
  g_autoptr(CnvSessionRecord) s1 = NULL;
  g_autoptr(CnvSessionRecord) s2 = NULL;
  g_autoptr(GError) error = NULL;
  const char * const participants[] = { "alice@example.test", "bob@example.test", NULL };
  guint32 uidvalidity = 0, last_uid = 0;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, v1_schema, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = open_store (fixture->path);
  g_assert_cmpint (cnv_session_store_get_version (store), ==, 2);
  s1 = get_record (store, "s1");
  g_assert_cmpstr (s1->uid, ==, "u1@m");
  g_assert_cmpint (s1->sequence, ==, 3);
  g_assert_cmpstr (s1->session_type, ==, "videoconference");
  g_assert_cmpstr (s1->manager_address, ==, "videoconference@example.test");
  g_assert_cmpstr (s1->title, ==, "Réunion");
  g_assert_cmpstr (s1->organizer, ==, "alice@example.test");
  g_assert_cmpstrv (s1->participants, participants);
  g_assert_cmpstr (s1->link, ==, "https://meet.example.test/s/s1?t=" TOKEN);
  g_assert_cmpint (s1->start, ==, 1900000000);
  g_assert_cmpint (s1->end, ==, 1900003600);
  g_assert_cmpint (s1->status, ==, CNV_SESSION_STATUS_RUNNING);
  g_assert_true (s1->dismissed);
  g_assert_cmpint (s1->received_at, ==, 1899990000);
  g_assert_cmpint (s1->launched_at, ==, 1900000005);
  g_assert_cmpuint (s1->launch_count, ==, 2);
  g_assert_true (s1->warned_start);
  g_assert_false (s1->warned_end);
  /* Launched by the old version: which process is not known, so nothing will be signalled. */
  g_assert_cmpint (s1->launch_pgid, ==, 0);
  g_assert_null (s1->launch_boot_id);
  g_assert_cmpuint (s1->launch_start_ticks, ==, 0);
  g_assert_false (cnv_session_record_launch_is_alive (s1, "/proc"));
  s2 = get_record (store, "s2");
  g_assert_null (s2->uid);
  g_assert_null (s2->participants);
  g_assert_cmpint (s2->end, ==, 6);
  g_assert_true (cnv_session_store_get_position (store, "alice@example.test/INBOX", &uidvalidity,
                                                 &last_uid, &error));
  g_assert_cmpuint (uidvalidity, ==, 7);
  g_assert_cmpuint (last_uid, ==, 42);

  /* The new columns work on the migrated file. */
  g_assert_true (cnv_session_store_set_launch_process (store, "s1", 1900000005, 31337, "boot-a",
                                                       8, &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  store = open_store (fixture->path);
  g_clear_pointer (&s1, cnv_session_record_free);
  s1 = get_record (store, "s1");
  g_assert_cmpint (s1->launch_pgid, ==, 31337);
  g_assert_cmpstr (s1->launch_boot_id, ==, "boot-a");
  g_assert_cmpuint (s1->launch_start_ticks, ==, 8);
}

int
main (int   argc,
      char *argv[])
{
  char *data_home;
  int status;

  self_exe = argv[0];
  if (argc >= 2 && g_str_equal (argv[1], "--pause"))
    for (;;)
      pause ();
  if (argc >= 4 && g_str_equal (argv[1], "--launch"))
    return launch_main (argv[2], argv[3]);
  if (argc >= 4 && g_str_equal (argv[1], "--claim"))
    return claim_main (argv[2], argv[3], argc >= 5 && g_str_equal (argv[4], "--die"));

  /* Before anything asks GLib for it: the default path lands in a temporary directory. */
  data_home = g_dir_make_tmp ("cnv-session-store-data-XXXXXX", NULL);
  g_assert_nonnull (data_home);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  log_guard_install ();
  g_test_init (&argc, &argv, NULL);
  log_guard_forbid (TOKEN);
  g_assert_true (g_path_is_absolute (self_exe) || strchr (self_exe, '/') != NULL);

#define ADD(path, func) \
  g_test_add ("/app/session-store/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("round-trip", test_round_trip);
  ADD ("invalid-input", test_invalid_input);
  ADD ("unreadable-row", test_unreadable_row);
  ADD ("put-replaces", test_put_replaces);
  ADD ("list", test_list);
  ADD ("update-status", test_update_status);
  ADD ("flags", test_flags);
  ADD ("delete-older-than", test_delete_older_than);
  ADD ("position", test_position);
  ADD ("transaction", test_transaction);
  ADD ("transaction/nested", test_transaction_nested);
  ADD ("transaction/locked", test_transaction_locked);
  ADD ("launch/two-connections", test_launch_two_connections);
  ADD ("launch/processes", test_launch_processes);
  ADD ("launch/process-record", test_launch_process_record);
  ADD ("launch/survives-kill", test_launch_survives_kill);
  ADD ("data-version", test_data_version);
  ADD ("reopen", test_reopen);
  ADD ("damaged/garbage", test_garbage_file);
  ADD ("damaged/truncated", test_truncated_file);
  ADD ("damaged/page", test_damaged_page);
  ADD ("damaged/newer-schema", test_newer_schema);
  ADD ("unopenable", test_unopenable);
  ADD ("migration/from-empty", test_migration_from_empty);
  ADD ("migration/concurrent-first-open", test_concurrent_first_open);
  ADD ("migration/from-v1", test_migration_from_v1);
  ADD ("thousand", test_thousand);
#undef ADD
  g_test_add_func ("/app/session-store/permissions", test_permissions);
  g_test_add_func ("/app/session-store/record/copy-launch", test_record_copy_launch);
  g_test_add_func ("/app/session-store/record/alive-real-child", test_alive_real_child);
  g_test_add_func ("/app/session-store/record/alive-fake-proc", test_alive_fake_proc);

  status = g_test_run ();
  remove_tree (data_home);
  g_free (data_home);
  return status;
}
