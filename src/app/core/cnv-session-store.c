/* cnv-session-store.c — the app's persisted sessions (SQLite), shared by the background service
 * and the UI (issue 6 item 2)
 *
 * Two processes open the same file (DESIGN.md "Two processes, one app"), so it follows the
 * manager's store (src/manager/cnv-manager-store.c): WAL, a busy timeout, synchronous=FULL (a
 * launch that COMMIT reported survives a power cut, so a reboot never launches it again), the
 * schema version in PRAGMA user_version with one transaction per migration, and a database
 * written by a newer Convene refused untouched. The "never launched twice" guard is one UPDATE
 * whose WHERE refuses a running session: SQLite serialises writers, so of two processes (or one
 * restarted after kill -9) only one sees it change a row.
 *
 * The join link in each row IS the participant's credential: the file is 0600 in a 0700
 * directory, and no message of this file carries a row's contents.
 *
 * A file that is not a database, or a damaged one, is never replaced behind the user's back:
 * opening it fails with CNV_SESSION_STORE_ERROR_CORRUPT and leaves it alone; the caller may move
 * it aside with cnv_session_store_set_aside() (as the address book does with a bad
 * addresses.json) and start afresh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-session-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "cnv-session-store.h"

struct _CnvSessionStore
{
  GObject   parent_instance;

  /* Owned */
  sqlite3  *db;
  char     *path;

  /* Open transactions: 1 for the outer one (BEGIN IMMEDIATE), one more for each savepoint
   * inside it (a function that needs its own transaction called inside the caller's). */
  guint     depth;
};

G_DEFINE_FINAL_TYPE (CnvSessionStore, cnv_session_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (cnv-session-store-error-quark, cnv_session_store_error)

/* Migration N takes the schema from version N-1 to N. Never edit one that has shipped: add one.
 * "start" and "end" are SQL keywords: the columns are starts_at and ends_at. */
static const char *const migrations[] = {
  /* 1: the sessions (one per invitation, keyed by the manager's session id) and the watcher's
   * position in the mailbox it watches (E450), so that it resumes where it stopped. */
  "CREATE TABLE sessions ("
  "  session_id TEXT PRIMARY KEY,"
  "  uid TEXT,"
  "  sequence INTEGER NOT NULL,"
  "  session_type TEXT,"
  "  manager_address TEXT,"
  "  title TEXT,"
  "  organizer TEXT,"
  "  participants TEXT,"                 /* a JSON array of strings; NULL for none */
  "  link TEXT,"                         /* the credential: never logged */
  "  starts_at INTEGER NOT NULL,"
  "  ends_at INTEGER NOT NULL,"
  "  status TEXT NOT NULL CHECK (status IN ('new', 'accepted', 'running', 'ended', 'missed',"
  "                                         'cancelled')),"
  "  dismissed INTEGER NOT NULL,"
  "  received_at INTEGER NOT NULL,"
  "  launched_at INTEGER NOT NULL,"      /* 0: never */
  "  launch_count INTEGER NOT NULL,"
  "  warned_start INTEGER NOT NULL,"
  "  warned_end INTEGER NOT NULL);"
  "CREATE INDEX sessions_by_start ON sessions (starts_at);"
  "CREATE INDEX sessions_by_end ON sessions (ends_at);"
  "CREATE TABLE positions ("
  "  mailbox TEXT PRIMARY KEY,"          /* user@host/folder of the account */
  "  uidvalidity INTEGER NOT NULL,"
  "  last_uid INTEGER NOT NULL);",
  /* 2: the process group the last launch started, and what identifies its leader (the boot and
   * its start time), so that a service restarted after kill -9 can still close the program at the
   * session's end without signalling a group whose id was given to another program since. */
  "ALTER TABLE sessions ADD COLUMN launch_pgid INTEGER NOT NULL DEFAULT 0;"   /* 0: none */
  "ALTER TABLE sessions ADD COLUMN launch_boot_id TEXT;"
  "ALTER TABLE sessions ADD COLUMN launch_start_ticks INTEGER NOT NULL DEFAULT 0;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CNV_SESSION_STORE_SCHEMA_VERSION);

#define SESSION_COLUMNS "session_id, uid, sequence, session_type, manager_address, title, " \
                        "organizer, participants, link, starts_at, ends_at, status, dismissed, " \
                        "received_at, launched_at, launch_count, warned_start, warned_end, " \
                        "launch_pgid, launch_boot_id, launch_start_ticks"

/* ---- Errors and statements ----------------------------------------------------------------- */

static gboolean
is_corruption (int code)
{
  code &= 0xff;
  return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

/* A damaged file says so whatever the caller was doing, so that it can be set aside. */
static gboolean
set_sqlite_error (CnvSessionStore  *self,
                  GError          **error,
                  int               code,
                  const char       *what)
{
  if (self->db != NULL && is_corruption (sqlite3_extended_errcode (self->db)))
    code = CNV_SESSION_STORE_ERROR_CORRUPT;
  g_set_error (error, CNV_SESSION_STORE_ERROR, code, "%s (%s): %s", what, self->path,
               self->db != NULL ? sqlite3_errmsg (self->db) : "no database");
  return FALSE;
}

static gboolean
exec (CnvSessionStore  *self,
      const char       *sql,
      GError          **error)
{
  char *message = NULL;
  int result = sqlite3_exec (self->db, sql, NULL, NULL, &message);

  if (result != SQLITE_OK)
    {
      g_set_error (error, CNV_SESSION_STORE_ERROR,
                   is_corruption (result) ? CNV_SESSION_STORE_ERROR_CORRUPT
                                          : CNV_SESSION_STORE_ERROR_FAILED,
                   "%s: %s", self->path, message != NULL ? message : sqlite3_errmsg (self->db));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare (CnvSessionStore  *self,
         const char       *sql,
         GError          **error)
{
  sqlite3_stmt *statement = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &statement, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, error, CNV_SESSION_STORE_ERROR_FAILED, "Cannot prepare a statement");
      return NULL;
    }
  return statement;
}

/* Runs a statement that returns no row (the statement is finalised). */
static gboolean
step_done (CnvSessionStore  *self,
           sqlite3_stmt     *statement,
           const char       *what,
           GError          **error)
{
  int result = sqlite3_step (statement);

  sqlite3_finalize (statement);
  if (result != SQLITE_DONE)
    return set_sqlite_error (self, error, CNV_SESSION_STORE_ERROR_FAILED, what);
  return TRUE;
}

/* Runs an UPDATE of the session `?1`; none changed means there is no such session. */
static gboolean
update_one (CnvSessionStore  *self,
            sqlite3_stmt     *statement,
            const char       *session_id,
            const char       *what,
            GError          **error)
{
  if (!step_done (self, statement, what, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_FOUND,
                   "There is no session “%s”", session_id);
      return FALSE;
    }
  return TRUE;
}

static void
bind_nullable_text (sqlite3_stmt *statement,
                    int           index,
                    const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (statement, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (statement, index);
}

/* BEGIN IMMEDIATE: the write lock is taken now, not at the first write, so that what is read
 * inside the transaction is still true when it commits. Inside a transaction, a savepoint: the
 * inner part is undone alone, and written only with the outer one. */
static gboolean
begin (CnvSessionStore  *self,
       GError          **error)
{
  if (!exec (self, self->depth == 0 ? "BEGIN IMMEDIATE;" : "SAVEPOINT cnv_nested;", error))
    return FALSE;
  self->depth++;
  return TRUE;
}

/* Undoes the innermost transaction. SQLite rolls the whole transaction back by itself after some
 * errors (a full disk, an I/O error, SQLITE_BUSY inside it): then there is nothing left to undo,
 * at any depth. */
static void
rollback (CnvSessionStore *self)
{
  if (self->depth == 0)
    return;
  self->depth--;
  if (sqlite3_get_autocommit (self->db))
    self->depth = 0;
  else if (self->depth == 0)
    sqlite3_exec (self->db, "ROLLBACK;", NULL, NULL, NULL);
  else
    sqlite3_exec (self->db, "ROLLBACK TO cnv_nested; RELEASE cnv_nested;", NULL, NULL, NULL);
}

static gboolean
commit (CnvSessionStore  *self,
        GError          **error)
{
  /* Statements run after SQLite gave the transaction up were each written on their own: the
   * caller must hear that it did not get its all-or-nothing. */
  if (self->depth == 0 || sqlite3_get_autocommit (self->db))
    {
      self->depth = 0;
      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_FAILED,
                   "%s: the transaction was rolled back before its end", self->path);
      return FALSE;
    }
  if (!exec (self, self->depth == 1 ? "COMMIT;" : "RELEASE cnv_nested;", error))
    {
      rollback (self);
      return FALSE;
    }
  self->depth--;
  return TRUE;
}

/* ---- Opening and migrations ---------------------------------------------------------------- */

static gboolean
read_version (CnvSessionStore  *self,
              int              *version,
              GError          **error)
{
  sqlite3_stmt *statement = prepare (self, "PRAGMA user_version;", NULL);
  int result = SQLITE_ERROR;

  if (statement != NULL)
    {
      result = sqlite3_step (statement);
      if (result == SQLITE_ROW)
        *version = sqlite3_column_int (statement, 0);
      sqlite3_finalize (statement);
    }
  if (result != SQLITE_ROW)
    return set_sqlite_error (self, error, CNV_SESSION_STORE_ERROR_OPEN,
                             "Cannot read the schema version");
  return TRUE;
}

/* PRAGMA quick_check reads every page: a truncated file or a damaged b-tree is found here, before
 * anything is written to it, rather than in the middle of the service's work. */
static gboolean
check_integrity (CnvSessionStore  *self,
                 GError          **error)
{
  /* The first row of a damaged file's verdict names the database, the next ones the damage. */
  sqlite3_stmt *statement = prepare (self, "PRAGMA quick_check (3);", error);
  g_autoptr(GString) verdict = g_string_new (NULL);
  int result;

  if (statement == NULL)
    return FALSE;
  while ((result = sqlite3_step (statement)) == SQLITE_ROW)
    {
      const char *row = (const char *) sqlite3_column_text (statement, 0);

      if (row != NULL && !g_str_has_prefix (row, "***"))
        g_string_append_printf (verdict, "%s%s", verdict->len > 0 ? "; " : "", row);
    }
  sqlite3_finalize (statement);
  if (result != SQLITE_DONE)
    return set_sqlite_error (self, error, CNV_SESSION_STORE_ERROR_CORRUPT,
                             "Cannot check the database");
  if (!g_str_equal (verdict->str, "ok"))
    {
      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_CORRUPT,
                   "%s is damaged: %s", self->path, verdict->str);
      return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (CnvSessionStore  *self,
         GError          **error)
{
  int version = 0;

  if (!read_version (self, &version, error))
    return FALSE;
  for (int next = version + 1; next <= (int) G_N_ELEMENTS (migrations); next++)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d;", next);

      if (!begin (self, error))
        return FALSE;
      /* The other process may have migrated it while this one waited for the lock. */
      if (!read_version (self, &version, error))
        {
          rollback (self);
          return FALSE;
        }
      if (version >= next)
        {
          rollback (self);
          continue;
        }
      g_debug ("Migrating %s to schema version %d", self->path, next);
      if (!exec (self, migrations[next - 1], error) || !exec (self, set_version, error))
        {
          rollback (self);
          return FALSE;
        }
      if (!commit (self, error))
        return FALSE;
    }
  return TRUE;
}

/* Creates the file 0600 (and its directory 0700) before SQLite does, since SQLite would create it
 * with the umask's mode; an existing file readable by others is narrowed. SQLite gives the -wal
 * and -shm files the mode of the database. */
static gboolean
prepare_file (const char  *path,
              GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct stat info;
  int fd;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR) && g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_OPEN,
                   "Cannot create the directory %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_OPEN,
                   "Cannot open %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  if (fstat (fd, &info) != 0 || ((info.st_mode & 077) != 0 && fchmod (fd, 0600) != 0))
    {
      int saved_errno = errno;

      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_OPEN,
                   "Cannot make %s private: %s", path, g_strerror (saved_errno));
      close (fd);
      return FALSE;
    }
  if (!S_ISREG (info.st_mode))
    {
      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_OPEN,
                   "%s is not a regular file", path);
      close (fd);
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/**
 * cnv_session_store_default_path:
 *
 * Returns: (transfer full): `$XDG_DATA_HOME/convene/sessions.sqlite`
 */
char *
cnv_session_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "convene", "sessions.sqlite", NULL);
}

/**
 * cnv_session_store_open:
 * @path: (nullable): the database file; %NULL for cnv_session_store_default_path(). Created
 *   (0600, its directory 0700) when missing.
 * @error: a %CNV_SESSION_STORE_ERROR: %CNV_SESSION_STORE_ERROR_CORRUPT for a file that is not a
 *   database or is damaged, %CNV_SESSION_STORE_ERROR_VERSION for one of a newer Convene; neither
 *   is changed
 *
 * Opens the database in WAL mode, migrating its schema to %CNV_SESSION_STORE_SCHEMA_VERSION.
 * Blocks (briefly: a small file); the other process may have it open at the same time.
 *
 * Returns: (transfer full) (nullable): the store
 */
CnvSessionStore *
cnv_session_store_open (const char  *path,
                        GError     **error)
{
  g_autoptr(CnvSessionStore) self = NULL;
  g_autofree char *journal = NULL;
  sqlite3_stmt *statement;
  int version = 0;

  self = g_object_new (CNV_TYPE_SESSION_STORE, NULL);
  self->path = path != NULL ? g_strdup (path) : cnv_session_store_default_path ();
  if (!prepare_file (self->path, error))
    return NULL;
  if (sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, error, CNV_SESSION_STORE_ERROR_OPEN, "Cannot open the database");
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);
  /* The first statement finds out whether the file is a database at all. */
  if (!read_version (self, &version, error))
    return NULL;
  if (version > CNV_SESSION_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_VERSION,
                   "%s has schema version %d; this Convene knows versions up to %d: "
                   "use the newer Convene that wrote it", self->path, version,
                   CNV_SESSION_STORE_SCHEMA_VERSION);
      return NULL;
    }
  if (!check_integrity (self, error))
    return NULL;

  statement = prepare (self, "PRAGMA journal_mode = WAL;", error);
  if (statement == NULL)
    return NULL;
  if (sqlite3_step (statement) == SQLITE_ROW)
    journal = g_strdup ((const char *) sqlite3_column_text (statement, 0));
  sqlite3_finalize (statement);
  if (g_strcmp0 (journal, "wal") != 0)
    {
      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_OPEN,
                   "%s cannot use write-ahead logging (journal mode %s)", self->path,
                   journal != NULL ? journal : "unknown");
      return NULL;
    }
  /* The page cache: SQLite's default (2 MB) would stay in the memory of a process that idles
   * all day for a store that holds a few hundred rows; 256 KiB keeps its pages with room to
   * spare (a year of invitations is well under that), and reads beyond come from the OS cache. */
  if (!exec (self, "PRAGMA synchronous = FULL;", error)
      || !exec (self, "PRAGMA cache_size = -256;", error)
      || !migrate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* Renames @from to @to when it exists. */
static gboolean
rename_if_present (const char  *from,
                   const char  *to,
                   GError     **error)
{
  if (g_rename (from, to) == 0 || errno == ENOENT)
    return TRUE;

  {
    int saved_errno = errno;

    g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_OPEN,
                 "Cannot rename %s: %s", from, g_strerror (saved_errno));
  }
  return FALSE;
}

/**
 * cnv_session_store_set_aside:
 * @path: (nullable): the database file; %NULL for cnv_session_store_default_path()
 * @error: a %CNV_SESSION_STORE_ERROR
 *
 * Renames a database that cannot be opened to `PATH.bad-TIMESTAMP` (with its `-wal` and `-shm`
 * files, which belong to it: left behind, they would be replayed into the new database), so that
 * the next cnv_session_store_open() starts afresh and the old file is kept for a person to look
 * at. No store may have @path open.
 *
 * Returns: (transfer full) (nullable): the name it was given
 */
char *
cnv_session_store_set_aside (const char  *path,
                             GError     **error)
{
  g_autofree char *default_path = path == NULL ? cnv_session_store_default_path () : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");

  if (path == NULL)
    path = default_path;
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *aside = i == 0 ? g_strdup_printf ("%s.bad-%s", path, stamp)
                                      : g_strdup_printf ("%s.bad-%s-%u", path, stamp, i);
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (path, "-shm", NULL);
      g_autofree char *aside_wal = g_strconcat (aside, "-wal", NULL);
      g_autofree char *aside_shm = g_strconcat (aside, "-shm", NULL);

      if (g_file_test (aside, G_FILE_TEST_EXISTS))
        continue;
      if (g_rename (path, aside) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_OPEN,
                       "Cannot rename %s: %s", path, g_strerror (saved_errno));
          return NULL;
        }
      if (!rename_if_present (wal, aside_wal, error) || !rename_if_present (shm, aside_shm, error))
        return NULL;
      g_message ("%s could not be used: it was kept as %s", path, aside);
      return g_steal_pointer (&aside);
    }
  g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_OPEN,
               "Cannot set %s aside: too many bad files beside it", path);
  return NULL;
}

const char *
cnv_session_store_get_path (CnvSessionStore *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), NULL);

  return self->path;
}

int
cnv_session_store_get_version (CnvSessionStore *self)
{
  int version = -1;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), -1);

  read_version (self, &version, NULL);
  return version;
}

/* ---- Rows ---------------------------------------------------------------------------------- */

static char *
participants_to_json (char **participants)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; participants[i] != NULL; i++)
    json_builder_add_string_value (builder, participants[i]);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* Returns FALSE when @json is not an array of strings. */
static gboolean
participants_from_json (const char   *json,
                        char       ***participants)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, json, -1, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return FALSE;
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        return FALSE;
      g_strv_builder_add (builder, json_node_get_string (element));
    }
  *participants = g_strv_builder_end (builder);
  return TRUE;
}

static char *
column_text (sqlite3_stmt *statement,
             int           index)
{
  return g_strdup ((const char *) sqlite3_column_text (statement, index));
}

/* Makes one row of SESSION_COLUMNS into a record; NULL when it holds a value this version does
 * not know. */
static CnvSessionRecord *
read_record (sqlite3_stmt *statement)
{
  g_autoptr(CnvSessionRecord) record = cnv_session_record_new ();
  const char *participants = (const char *) sqlite3_column_text (statement, 7);

  record->session_id = column_text (statement, 0);
  record->uid = column_text (statement, 1);
  record->sequence = sqlite3_column_int (statement, 2);
  record->session_type = column_text (statement, 3);
  record->manager_address = column_text (statement, 4);
  record->title = column_text (statement, 5);
  record->organizer = column_text (statement, 6);
  if (participants != NULL && !participants_from_json (participants, &record->participants))
    return NULL;
  record->link = column_text (statement, 8);
  record->start = sqlite3_column_int64 (statement, 9);
  record->end = sqlite3_column_int64 (statement, 10);
  if (!cnv_session_status_from_string ((const char *) sqlite3_column_text (statement, 11),
                                       &record->status))
    return NULL;
  record->dismissed = sqlite3_column_int (statement, 12) != 0;
  record->received_at = sqlite3_column_int64 (statement, 13);
  record->launched_at = sqlite3_column_int64 (statement, 14);
  record->launch_count = (guint) CLAMP (sqlite3_column_int64 (statement, 15), 0, G_MAXUINT);
  record->warned_start = sqlite3_column_int (statement, 16) != 0;
  record->warned_end = sqlite3_column_int (statement, 17) != 0;
  record->launch_pgid = (gint32) CLAMP (sqlite3_column_int64 (statement, 18), 0, G_MAXINT32);
  record->launch_boot_id = column_text (statement, 19);
  /* Stored as SQLite's signed 64 bits: the cast back restores the unsigned value. */
  record->launch_start_ticks = (guint64) sqlite3_column_int64 (statement, 20);
  return g_steal_pointer (&record);
}

/* Steps @statement to its end, reading every row (the statement is finalised). */
static GPtrArray *
read_records (CnvSessionStore  *self,
              sqlite3_stmt     *statement,
              const char       *what,
              GError          **error)
{
  g_autoptr(GPtrArray) records =
    g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_session_record_free);
  int result;

  while ((result = sqlite3_step (statement)) == SQLITE_ROW)
    {
      CnvSessionRecord *record = read_record (statement);

      if (record == NULL)
        {
          sqlite3_finalize (statement);
          g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_FAILED,
                       "%s (%s): a row holds a value this Convene does not know", what,
                       self->path);
          return NULL;
        }
      g_ptr_array_add (records, record);
    }
  sqlite3_finalize (statement);
  if (result != SQLITE_DONE)
    {
      set_sqlite_error (self, error, CNV_SESSION_STORE_ERROR_FAILED, what);
      return NULL;
    }
  return g_steal_pointer (&records);
}

static gboolean
check_utf8 (const char  *text,
            const char  *field,
            GError     **error)
{
  if (text == NULL || g_utf8_validate (text, -1, NULL))
    return TRUE;
  g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID,
               "The %s is not valid UTF-8", field);
  return FALSE;
}

static gboolean
check_record (const CnvSessionRecord  *record,
              GError                 **error)
{
  if (!check_utf8 (record->session_id, "session id", error)
      || !check_utf8 (record->uid, "UID", error)
      || !check_utf8 (record->session_type, "session type", error)
      || !check_utf8 (record->manager_address, "manager address", error)
      || !check_utf8 (record->title, "title", error)
      || !check_utf8 (record->organizer, "organizer", error)
      || !check_utf8 (record->link, "link", error)
      || !check_utf8 (record->launch_boot_id, "boot id", error))
    return FALSE;
  for (guint i = 0; record->participants != NULL && record->participants[i] != NULL; i++)
    if (!check_utf8 (record->participants[i], "participant", error))
      return FALSE;
  if (cnv_session_status_to_string (record->status) == NULL)
    {
      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID,
                   "Unknown session status %d", (int) record->status);
      return FALSE;
    }
  return TRUE;
}

/* ---- Sessions ------------------------------------------------------------------------------ */

/**
 * cnv_session_store_put:
 * @self: a store
 * @record: a session; its @session_id is the key
 * @error: %CNV_SESSION_STORE_ERROR_INVALID for text that is not UTF-8 or an unknown status
 *
 * Inserts @record, or replaces the session with its id. Replacing never touches the launch
 * record: an existing session's launched_at, launch_count and launch process (launch_pgid,
 * launch_boot_id, launch_start_ticks) stay, and whether it is running
 * does not change (a running one stays running, another one does not become running), so that a
 * stale copy written by the other process cannot undo a launch. Those change only through
 * cnv_session_store_record_launch() and cnv_session_store_update_status().
 */
gboolean
cnv_session_store_put (CnvSessionStore         *self,
                       const CnvSessionRecord  *record,
                       GError                 **error)
{
  g_autofree char *participants = NULL;
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (record != NULL && record->session_id != NULL, FALSE);

  if (!check_record (record, error))
    return FALSE;
  if (record->participants != NULL)
    participants = participants_to_json (record->participants);

  statement = prepare (self, "INSERT INTO sessions (" SESSION_COLUMNS ") VALUES "
                             "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                             "?16, ?17, ?18, ?19, ?20, ?21) "
                             "ON CONFLICT (session_id) DO UPDATE SET "
                             "uid = excluded.uid, sequence = excluded.sequence, "
                             "session_type = excluded.session_type, "
                             "manager_address = excluded.manager_address, "
                             "title = excluded.title, organizer = excluded.organizer, "
                             "participants = excluded.participants, link = excluded.link, "
                             "starts_at = excluded.starts_at, ends_at = excluded.ends_at, "
                             "status = CASE WHEN sessions.status = 'running' "
                             "OR excluded.status = 'running' THEN sessions.status "
                             "ELSE excluded.status END, "
                             "dismissed = excluded.dismissed, "
                             "received_at = excluded.received_at, "
                             "warned_start = excluded.warned_start, "
                             "warned_end = excluded.warned_end;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, record->session_id, -1, SQLITE_TRANSIENT);
  bind_nullable_text (statement, 2, record->uid);
  sqlite3_bind_int (statement, 3, record->sequence);
  bind_nullable_text (statement, 4, record->session_type);
  bind_nullable_text (statement, 5, record->manager_address);
  bind_nullable_text (statement, 6, record->title);
  bind_nullable_text (statement, 7, record->organizer);
  bind_nullable_text (statement, 8, participants);
  bind_nullable_text (statement, 9, record->link);
  sqlite3_bind_int64 (statement, 10, record->start);
  sqlite3_bind_int64 (statement, 11, record->end);
  sqlite3_bind_text (statement, 12, cnv_session_status_to_string (record->status), -1,
                     SQLITE_STATIC);
  sqlite3_bind_int (statement, 13, record->dismissed ? 1 : 0);
  sqlite3_bind_int64 (statement, 14, record->received_at);
  sqlite3_bind_int64 (statement, 15, record->launched_at);
  sqlite3_bind_int64 (statement, 16, record->launch_count);
  sqlite3_bind_int (statement, 17, record->warned_start ? 1 : 0);
  sqlite3_bind_int (statement, 18, record->warned_end ? 1 : 0);
  sqlite3_bind_int64 (statement, 19, MAX (record->launch_pgid, 0));
  bind_nullable_text (statement, 20, record->launch_boot_id);
  sqlite3_bind_int64 (statement, 21, (gint64) record->launch_start_ticks);
  return step_done (self, statement, "Cannot store a session", error);
}

/**
 * cnv_session_store_get:
 * @self: a store
 * @session_id: the key
 * @error: a %CNV_SESSION_STORE_ERROR; not set when there is no such session
 *
 * Returns: (transfer full) (nullable): the session, or %NULL (without an error when there is
 *   none)
 */
CnvSessionRecord *
cnv_session_store_get (CnvSessionStore  *self,
                       const char       *session_id,
                       GError          **error)
{
  g_autoptr(GPtrArray) records = NULL;
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), NULL);
  g_return_val_if_fail (session_id != NULL, NULL);

  statement = prepare (self, "SELECT " SESSION_COLUMNS " FROM sessions WHERE session_id = ?1;",
                       error);
  if (statement == NULL)
    return NULL;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  records = read_records (self, statement, "Cannot read a session", error);
  if (records == NULL || records->len == 0)
    return NULL;
  return g_ptr_array_steal_index (records, 0);
}

/**
 * cnv_session_store_list:
 * @self: a store
 * @filter: which sessions
 * @error: a %CNV_SESSION_STORE_ERROR
 *
 * Returns: (transfer full) (element-type CnvSessionRecord) (nullable): the sessions by start,
 *   then id; %NULL on error
 */
GPtrArray *
cnv_session_store_list (CnvSessionStore        *self,
                        CnvSessionStoreFilter   filter,
                        GError                **error)
{
  static const char *const queries[] = {
    [CNV_SESSION_STORE_LIST_ALL] =
      "SELECT " SESSION_COLUMNS " FROM sessions ORDER BY starts_at, session_id;",
    [CNV_SESSION_STORE_LIST_CURRENT] =
      "SELECT " SESSION_COLUMNS " FROM sessions WHERE status IN ('new', 'accepted', 'running') "
      "ORDER BY starts_at, session_id;",
    [CNV_SESSION_STORE_LIST_PAST] =
      "SELECT " SESSION_COLUMNS " FROM sessions WHERE status IN ('ended', 'missed', 'cancelled') "
      "ORDER BY starts_at, session_id;",
  };
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), NULL);
  g_return_val_if_fail ((guint) filter < G_N_ELEMENTS (queries), NULL);

  statement = prepare (self, queries[filter], error);
  if (statement == NULL)
    return NULL;
  return read_records (self, statement, "Cannot list the sessions", error);
}

/**
 * cnv_session_store_update_status:
 * @self: a store
 * @session_id: the key
 * @status: any status but %CNV_SESSION_STATUS_RUNNING, which only
 *   cnv_session_store_record_launch() sets (moving a running session back to accepted, after
 *   its program exited early, is what allows a relaunch)
 * @error: %CNV_SESSION_STORE_ERROR_NOT_FOUND, %CNV_SESSION_STORE_ERROR_INVALID for
 *   %CNV_SESSION_STATUS_RUNNING or an unknown status
 */
gboolean
cnv_session_store_update_status (CnvSessionStore   *self,
                                 const char        *session_id,
                                 CnvSessionStatus   status,
                                 GError           **error)
{
  const char *name = cnv_session_status_to_string (status);
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);

  if (name == NULL || status == CNV_SESSION_STATUS_RUNNING)
    {
      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID,
                   "A session cannot be given status %s here", name != NULL ? name : "(unknown)");
      return FALSE;
    }
  statement = prepare (self, "UPDATE sessions SET status = ?2 WHERE session_id = ?1;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 2, name, -1, SQLITE_STATIC);
  return update_one (self, statement, session_id, "Cannot change a session's status", error);
}

/* After a refused launch: why (inside the launch's transaction, so it is what the UPDATE saw). */
static gboolean
explain_refused_launch (CnvSessionStore  *self,
                        const char       *session_id,
                        GError          **error)
{
  sqlite3_stmt *statement = prepare (self, "SELECT status FROM sessions WHERE session_id = ?1;",
                                     error);
  g_autofree char *status = NULL;
  int result;

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  result = sqlite3_step (statement);
  if (result == SQLITE_ROW)
    status = column_text (statement, 0);
  sqlite3_finalize (statement);
  if (result != SQLITE_ROW && result != SQLITE_DONE)
    return set_sqlite_error (self, error, CNV_SESSION_STORE_ERROR_FAILED,
                             "Cannot read a session's status");
  if (status == NULL)
    g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_FOUND,
                 "There is no session “%s”", session_id);
  else if (g_str_equal (status, "cancelled"))
    g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_CANCELLED,
                 "Session “%s” was cancelled", session_id);
  else
    g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_ALREADY_RUNNING,
                 "Session “%s” is running already", session_id);
  return FALSE;
}

/**
 * cnv_session_store_record_launch:
 * @self: a store
 * @session_id: the key
 * @at: when (unix seconds)
 * @error: %CNV_SESSION_STORE_ERROR_ALREADY_RUNNING when the session is running (launched by this
 *   or the other process, or before a crash), %CNV_SESSION_STORE_ERROR_CANCELLED,
 *   %CNV_SESSION_STORE_ERROR_NOT_FOUND
 *
 * Claims the launch of @session_id: makes it running, sets its launched_at, counts the launch
 * and forgets the previous launch's process (launch_pgid 0, no boot id, start ticks 0) — or
 * refuses, changing nothing. Call it BEFORE starting the program, and start it only when this
 * returned %TRUE: that is the guarantee that no session runs twice (issue 6, item 5). Once the
 * program runs, cnv_session_store_set_launch_process() records which it is.
 *
 * Returns: whether the launch may go ahead
 */
gboolean
cnv_session_store_record_launch (CnvSessionStore  *self,
                                 const char       *session_id,
                                 gint64            at,
                                 GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);

  if (!begin (self, error))
    return FALSE;
  statement = prepare (self, "UPDATE sessions SET status = 'running', launched_at = ?2, "
                             "launch_count = launch_count + 1, "
                             "launch_pgid = 0, launch_boot_id = NULL, launch_start_ticks = 0 "
                             "WHERE session_id = ?1 AND status NOT IN ('running', 'cancelled');",
                       error);
  if (statement == NULL)
    {
      rollback (self);
      return FALSE;
    }
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, at);
  if (!step_done (self, statement, "Cannot record a launch", error))
    {
      rollback (self);
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      explain_refused_launch (self, session_id, error);
      rollback (self);
      return FALSE;
    }
  return commit (self, error);
}

/**
 * cnv_session_store_set_launch_process:
 * @self: a store
 * @session_id: the key
 * @launched_at: the time given to the cnv_session_store_record_launch() that claimed this launch:
 *   the process is recorded only while that claim holds
 * @pgid: the process group the launch started (its leader's pid), > 1 (kill(-1) would reach
 *   every process of the user)
 * @boot_id: the boot id when it started (cnv_session_record_read_process())
 * @start_ticks: its leader's starttime (cnv_session_record_read_process())
 * @error: %CNV_SESSION_STORE_ERROR_NOT_RUNNING when the session is no longer running that launch
 *   (cancelled, ended or relaunched meanwhile, possibly by the other process: the caller should
 *   close the program it just started), %CNV_SESSION_STORE_ERROR_NOT_FOUND,
 *   %CNV_SESSION_STORE_ERROR_INVALID for a @pgid ≤ 1 or a @boot_id that is not UTF-8
 *
 * Records, in one statement, which process group the claimed launch started, so that a service
 * restarted after kill -9 can still close it at the session's end
 * (cnv_session_record_launch_is_alive() tells whether the group is still that program).
 */
gboolean
cnv_session_store_set_launch_process (CnvSessionStore  *self,
                                      const char       *session_id,
                                      gint64            launched_at,
                                      gint32            pgid,
                                      const char       *boot_id,
                                      guint64           start_ticks,
                                      GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (boot_id != NULL, FALSE);

  if (pgid <= 1)
    {
      g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_INVALID,
                   "Process group %d cannot be a launch's", (int) pgid);
      return FALSE;
    }
  if (!check_utf8 (boot_id, "boot id", error))
    return FALSE;
  if (!begin (self, error))
    return FALSE;
  statement = prepare (self, "UPDATE sessions SET launch_pgid = ?3, launch_boot_id = ?4, "
                             "launch_start_ticks = ?5 "
                             "WHERE session_id = ?1 AND status = 'running' AND launched_at = ?2;",
                       error);
  if (statement == NULL)
    {
      rollback (self);
      return FALSE;
    }
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, launched_at);
  sqlite3_bind_int64 (statement, 3, pgid);
  sqlite3_bind_text (statement, 4, boot_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 5, (gint64) start_ticks);
  if (!step_done (self, statement, "Cannot record a launch's process", error))
    {
      rollback (self);
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      g_autoptr(GError) explained = NULL;

      /* Why, as the UPDATE saw it: no session at all, or not this launch any more. */
      explain_refused_launch (self, session_id, &explained);
      if (!g_error_matches (explained, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_CANCELLED)
          && !g_error_matches (explained, CNV_SESSION_STORE_ERROR,
                               CNV_SESSION_STORE_ERROR_ALREADY_RUNNING))
        g_propagate_error (error, g_steal_pointer (&explained));
      else
        g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_NOT_RUNNING,
                     "Session “%s” is no longer running the launch claimed at %" G_GINT64_FORMAT,
                     session_id, launched_at);
      rollback (self);
      return FALSE;
    }
  return commit (self, error);
}

/**
 * cnv_session_store_set_flags:
 * @self: a store
 * @session_id: the key
 * @mask: the flags to change; the others are left as they are (the other process may be
 *   changing them)
 * @values: their new values
 * @error: %CNV_SESSION_STORE_ERROR_NOT_FOUND
 */
gboolean
cnv_session_store_set_flags (CnvSessionStore       *self,
                             const char            *session_id,
                             CnvSessionStoreFlags   mask,
                             CnvSessionStoreFlags   values,
                             GError               **error)
{
  static const CnvSessionStoreFlags flags[] = {
    CNV_SESSION_STORE_FLAG_DISMISSED,
    CNV_SESSION_STORE_FLAG_WARNED_START,
    CNV_SESSION_STORE_FLAG_WARNED_END,
  };
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);

  statement = prepare (self, "UPDATE sessions SET "
                             "dismissed = CASE WHEN ?2 THEN ?3 ELSE dismissed END, "
                             "warned_start = CASE WHEN ?4 THEN ?5 ELSE warned_start END, "
                             "warned_end = CASE WHEN ?6 THEN ?7 ELSE warned_end END "
                             "WHERE session_id = ?1;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    {
      sqlite3_bind_int (statement, 2 + 2 * i, (mask & flags[i]) != 0);
      sqlite3_bind_int (statement, 3 + 2 * i, (values & flags[i]) != 0);
    }
  return update_one (self, statement, session_id, "Cannot change a session's flags", error);
}

/**
 * cnv_session_store_delete_older_than:
 * @self: a store
 * @before: unix seconds: sessions that ended before it go, except running ones (the schedule
 *   ends those first: their program may still have to be closed)
 * @deleted: (out) (optional): how many went
 * @error: a %CNV_SESSION_STORE_ERROR
 */
gboolean
cnv_session_store_delete_older_than (CnvSessionStore  *self,
                                     gint64            before,
                                     guint            *deleted,
                                     GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), FALSE);

  if (deleted != NULL)
    *deleted = 0;
  statement = prepare (self, "DELETE FROM sessions WHERE ends_at < ?1 AND status != 'running';",
                       error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, before);
  if (!step_done (self, statement, "Cannot delete old sessions", error))
    return FALSE;
  if (deleted != NULL)
    *deleted = (guint) sqlite3_changes (self->db);
  return TRUE;
}

/* ---- The watcher's position (E450) --------------------------------------------------------- */

/**
 * cnv_session_store_get_position:
 * @mailbox: the mailbox watched (user@host/INBOX): a position of another account is not this
 *   one's
 * @uidvalidity: (out): 0 when the mailbox has no position yet
 * @last_uid: (out): the last UID handled
 */
gboolean
cnv_session_store_get_position (CnvSessionStore  *self,
                                const char       *mailbox,
                                guint32          *uidvalidity,
                                guint32          *last_uid,
                                GError          **error)
{
  sqlite3_stmt *statement;
  int result;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);
  g_return_val_if_fail (uidvalidity != NULL && last_uid != NULL, FALSE);

  *uidvalidity = 0;
  *last_uid = 0;
  statement = prepare (self, "SELECT uidvalidity, last_uid FROM positions WHERE mailbox = ?1;",
                       error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, mailbox, -1, SQLITE_TRANSIENT);
  result = sqlite3_step (statement);
  if (result == SQLITE_ROW)
    {
      *uidvalidity = (guint32) sqlite3_column_int64 (statement, 0);
      *last_uid = (guint32) sqlite3_column_int64 (statement, 1);
    }
  sqlite3_finalize (statement);
  if (result != SQLITE_ROW && result != SQLITE_DONE)
    return set_sqlite_error (self, error, CNV_SESSION_STORE_ERROR_FAILED,
                             "Cannot read the mailbox position");
  return TRUE;
}

gboolean
cnv_session_store_set_position (CnvSessionStore  *self,
                                const char       *mailbox,
                                guint32           uidvalidity,
                                guint32           last_uid,
                                GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);

  if (!check_utf8 (mailbox, "mailbox", error))
    return FALSE;
  statement = prepare (self, "INSERT INTO positions (mailbox, uidvalidity, last_uid) "
                             "VALUES (?1, ?2, ?3) ON CONFLICT (mailbox) DO UPDATE SET "
                             "uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid;",
                       error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, mailbox, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, uidvalidity);
  sqlite3_bind_int64 (statement, 3, last_uid);
  return step_done (self, statement, "Cannot store the mailbox position", error);
}

/* ---- Transactions -------------------------------------------------------------------------- */

/**
 * cnv_session_store_begin:
 * @self: a store
 * @error: a %CNV_SESSION_STORE_ERROR: %CNV_SESSION_STORE_ERROR_FAILED when the other process
 *   held the write lock for longer than the busy timeout (5 s)
 *
 * Starts a transaction: what is written until cnv_session_store_commit() is written all together
 * or, after cnv_session_store_rollback() or a failed commit, not at all — e.g. an invitation and
 * the watcher's position past its mail (cnv_invitation_intake()), so that a crash or a full disk
 * between the two neither loses the invitation nor reads it twice. The write lock is taken at
 * once (BEGIN IMMEDIATE), so what is read inside the transaction still holds when it commits;
 * the other process waits for it meanwhile: keep it short, and never open across a return to the
 * main loop.
 *
 * Transactions nest: inside one, this makes a savepoint, which cnv_session_store_commit() keeps
 * for the outer commit and cnv_session_store_rollback() undoes alone. Every function of the
 * store may be called inside one; those that write several rows
 * (cnv_session_store_record_launch(), cnv_session_store_set_launch_process()) nest theirs.
 *
 * Returns: whether the transaction was started
 */
gboolean
cnv_session_store_begin (CnvSessionStore  *self,
                         GError          **error)
{
  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), FALSE);

  return begin (self, error);
}

/**
 * cnv_session_store_commit:
 * @self: a store inside a transaction
 * @error: a %CNV_SESSION_STORE_ERROR; then the transaction was rolled back
 *
 * Writes the innermost transaction: the outer one to the file, a nested one into the outer one.
 * A transaction that SQLite gave up after a failed statement (a full disk, an I/O error) is not
 * committed: %CNV_SESSION_STORE_ERROR_FAILED.
 *
 * Returns: whether it was written
 */
gboolean
cnv_session_store_commit (CnvSessionStore  *self,
                          GError          **error)
{
  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (self->depth > 0, FALSE);

  return commit (self, error);
}

/**
 * cnv_session_store_rollback:
 * @self: a store
 *
 * Undoes the innermost transaction; nothing when there is none (so that error paths may call it
 * whatever failed).
 */
void
cnv_session_store_rollback (CnvSessionStore *self)
{
  g_return_if_fail (CNV_IS_SESSION_STORE (self));

  rollback (self);
}

/* ---- Changes by the other process ---------------------------------------------------------- */

/**
 * cnv_session_store_data_version:
 * @self: a store
 *
 * A number that changes when another connection (the other process) committed a change to the
 * database; this connection's own commits leave it alone. Polling it is cheap (no file I/O
 * beyond the WAL index).
 *
 * Returns: the version, or -1 when it cannot be read
 */
gint64
cnv_session_store_data_version (CnvSessionStore *self)
{
  sqlite3_stmt *statement;
  gint64 version = -1;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (self), -1);

  statement = prepare (self, "PRAGMA data_version;", NULL);
  if (statement == NULL)
    return -1;
  if (sqlite3_step (statement) == SQLITE_ROW)
    version = sqlite3_column_int64 (statement, 0);
  sqlite3_finalize (statement);
  return version;
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
cnv_session_store_finalize (GObject *object)
{
  CnvSessionStore *self = CNV_SESSION_STORE (object);

  if (self->depth > 0 && self->db != NULL)
    sqlite3_exec (self->db, "ROLLBACK;", NULL, NULL, NULL);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_free (self->path);

  G_OBJECT_CLASS (cnv_session_store_parent_class)->finalize (object);
}

static void
cnv_session_store_class_init (CnvSessionStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cnv_session_store_finalize;
}

static void
cnv_session_store_init (CnvSessionStore *self)
{
}
