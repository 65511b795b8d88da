/* cnv-manager-store.c — the manager's durable state (SQLite), behind one module
 *
 * All SQL of the manager lives here, in plain statements and plain transactions (no SQLite-only
 * tricks in the logic), so that a PostgreSQL store can replace this file when several managers
 * share the work (DESIGN.md, "The manager"). The database is opened in WAL mode with
 * synchronous=FULL: a transaction that COMMIT reported is on disk, because the manager's promise
 * is that an accepted request is never lost. The schema version is PRAGMA user_version; each
 * migration runs in its own transaction, in order, and a database written by a newer manager is
 * refused untouched.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-store"

#include "config.h"

#include <sqlite3.h>

#include "cnv-address.h"
#include "cnv-manager-store.h"

struct _CnvManagerStore
{
  GObject   parent_instance;

  /* Owned */
  sqlite3  *db;
  char     *path;

  gboolean  in_transaction;
};

G_DEFINE_FINAL_TYPE (CnvManagerStore, cnv_manager_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (cnv-store-error-quark, cnv_store_error)

/* Migration N takes the schema from version N-1 to N. Never edit one that has shipped: add one. */
static const char *const migrations[] = {
  /* 1: accreditation (E502, database 128), watcher positions, processed mail (E500). */
  "CREATE TABLE users ("
  "  address TEXT PRIMARY KEY,"          /* normalised (cnv_address_normalize) */
  "  name TEXT,"
  "  added_at INTEGER NOT NULL);"
  "CREATE TABLE mailboxes ("
  "  mailbox TEXT PRIMARY KEY,"          /* user@host/folder of the IMAP account */
  "  uidvalidity INTEGER NOT NULL,"
  "  last_uid INTEGER NOT NULL);"
  "CREATE TABLE processed ("
  "  message_id TEXT PRIMARY KEY,"       /* a mail is handled once, whatever its UID */
  "  mailbox TEXT NOT NULL,"
  "  uidvalidity INTEGER NOT NULL,"
  "  uid INTEGER NOT NULL,"
  "  outcome TEXT NOT NULL,"             /* accepted, refused, ignored */
  "  reason TEXT,"
  "  processed_at INTEGER NOT NULL);"
  "CREATE INDEX processed_by_uid ON processed (mailbox, uidvalidity, uid);",
};

static gboolean
set_sqlite_error (CnvManagerStore  *self,
                  GError          **error,
                  int               code,
                  const char       *what)
{
  g_set_error (error, CNV_STORE_ERROR, code, "%s (%s): %s", what, self->path,
               self->db != NULL ? sqlite3_errmsg (self->db) : "no database");
  return FALSE;
}

static gboolean
exec (CnvManagerStore  *self,
      const char       *sql,
      GError          **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_FAILED, "%s: %s", self->path,
                   message != NULL ? message : sqlite3_errmsg (self->db));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare (CnvManagerStore  *self,
         const char       *sql,
         GError          **error)
{
  sqlite3_stmt *statement = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &statement, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED, "Cannot prepare a statement");
      return NULL;
    }
  return statement;
}

/* Runs a statement that returns no row. */
static gboolean
step_done (CnvManagerStore  *self,
           sqlite3_stmt     *statement,
           GError          **error)
{
  int result = sqlite3_step (statement);

  sqlite3_finalize (statement);
  if (result != SQLITE_DONE)
    return set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED, "A statement failed");
  return TRUE;
}

/* Whether `@sql` (one `?1` text parameter) returns a row. */
static gboolean
row_exists (CnvManagerStore  *self,
            const char       *sql,
            const char       *parameter,
            const char       *what,
            gboolean         *exists,
            GError          **error)
{
  sqlite3_stmt *statement = prepare (self, sql, error);
  int result;

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, parameter, -1, SQLITE_TRANSIENT);
  result = sqlite3_step (statement);
  sqlite3_finalize (statement);
  if (result != SQLITE_ROW && result != SQLITE_DONE)
    return set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED, what);
  *exists = result == SQLITE_ROW;
  return TRUE;
}

static gboolean
read_version (CnvManagerStore  *self,
              int              *version,
              GError          **error)
{
  sqlite3_stmt *statement = prepare (self, "PRAGMA user_version;", error);
  int result;

  if (statement == NULL)
    return FALSE;
  result = sqlite3_step (statement);
  if (result == SQLITE_ROW)
    *version = sqlite3_column_int (statement, 0);
  sqlite3_finalize (statement);
  if (result != SQLITE_ROW)
    return set_sqlite_error (self, error, CNV_STORE_ERROR_OPEN, "Cannot read the schema version");
  return TRUE;
}

static gboolean
migrate (CnvManagerStore  *self,
         GError          **error)
{
  int version = 0;

  if (!read_version (self, &version, error))
    return FALSE;
  if (version > (int) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_VERSION,
                   "%s has schema version %d; this convene-manager knows versions up to %d: "
                   "use the newer convene-manager that wrote it", self->path, version,
                   (int) G_N_ELEMENTS (migrations));
      return FALSE;
    }

  for (int next = version + 1; next <= (int) G_N_ELEMENTS (migrations); next++)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d;", next);

      g_message ("Migrating %s to schema version %d", self->path, next);
      if (!cnv_manager_store_begin (self, error))
        return FALSE;
      if (!exec (self, migrations[next - 1], error) || !exec (self, set_version, error))
        {
          cnv_manager_store_rollback (self);
          return FALSE;
        }
      if (!cnv_manager_store_commit (self, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * cnv_manager_store_open:
 * @path: the database file; created when missing
 * @error: a %CNV_STORE_ERROR
 *
 * Opens the database in WAL mode, migrating its schema to %CNV_STORE_SCHEMA_VERSION.
 *
 * Returns: (transfer full) (nullable): the store
 */
CnvManagerStore *
cnv_manager_store_open (const char  *path,
                        GError     **error)
{
  g_autoptr(CnvManagerStore) self = NULL;
  g_autofree char *journal = NULL;
  sqlite3_stmt *statement;
  int version;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (CNV_TYPE_MANAGER_STORE, NULL);
  self->path = g_strdup (path);
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, error, CNV_STORE_ERROR_OPEN, "Cannot open the database");
      return NULL;
    }
  /* The first statement finds out whether the file is a database at all. */
  if (!read_version (self, &version, error))
    return NULL;

  sqlite3_busy_timeout (self->db, 5000);
  statement = prepare (self, "PRAGMA journal_mode = WAL;", error);
  if (statement == NULL)
    return NULL;
  if (sqlite3_step (statement) == SQLITE_ROW)
    journal = g_strdup ((const char *) sqlite3_column_text (statement, 0));
  sqlite3_finalize (statement);
  if (g_strcmp0 (journal, "wal") != 0)
    {
      g_set_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_OPEN,
                   "%s cannot use write-ahead logging (journal mode %s)", path,
                   journal != NULL ? journal : "unknown");
      return NULL;
    }
  if (!exec (self, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", error)
      || !migrate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

int
cnv_manager_store_get_version (CnvManagerStore *self)
{
  int version = -1;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), -1);

  read_version (self, &version, NULL);
  return version;
}

/**
 * cnv_manager_store_begin:
 * @self: a store
 * @error: a %CNV_STORE_ERROR
 *
 * Starts a transaction (BEGIN IMMEDIATE: the write lock is taken now, not at the first write, so
 * two managers never both believe they may go on).
 */
gboolean
cnv_manager_store_begin (CnvManagerStore  *self,
                         GError          **error)
{
  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  if (!exec (self, "BEGIN IMMEDIATE;", error))
    return FALSE;
  self->in_transaction = TRUE;
  return TRUE;
}

gboolean
cnv_manager_store_commit (CnvManagerStore  *self,
                          GError          **error)
{
  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (self->in_transaction, FALSE);

  if (!exec (self, "COMMIT;", error))
    {
      cnv_manager_store_rollback (self);
      return FALSE;
    }
  self->in_transaction = FALSE;
  return TRUE;
}

void
cnv_manager_store_rollback (CnvManagerStore *self)
{
  g_return_if_fail (CNV_IS_MANAGER_STORE (self));

  if (!self->in_transaction)
    return;
  sqlite3_exec (self->db, "ROLLBACK;", NULL, NULL, NULL);
  self->in_transaction = FALSE;
}

/* ---- Users (the accreditation database, seed 128) ------------------------------------------ */

static char *
normalize (const char  *address,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *normalized = cnv_address_normalize (address, &local_error);

  if (normalized == NULL)
    g_set_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID, "%s", local_error->message);
  return normalized;
}

/**
 * cnv_manager_store_add_user:
 * @self: a store
 * @address: an e-mail address (normalised: case, IDNA)
 * @name: (nullable): a display name
 * @error: %CNV_STORE_ERROR_INVALID for an address that is not one
 *
 * Accredits @address. Adding it again updates the name.
 */
gboolean
cnv_manager_store_add_user (CnvManagerStore  *self,
                            const char       *address,
                            const char       *name,
                            GError          **error)
{
  g_autofree char *normalized = NULL;
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  normalized = normalize (address, error);
  if (normalized == NULL)
    return FALSE;
  statement = prepare (self, "INSERT INTO users (address, name, added_at) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT (address) DO UPDATE SET name = excluded.name;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, normalized, -1, SQLITE_TRANSIENT);
  if (name != NULL)
    sqlite3_bind_text (statement, 2, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 3, g_get_real_time () / G_USEC_PER_SEC);
  return step_done (self, statement, error);
}

gboolean
cnv_manager_store_remove_user (CnvManagerStore  *self,
                               const char       *address,
                               gboolean         *removed,
                               GError          **error)
{
  g_autofree char *normalized = NULL;
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  normalized = normalize (address, error);
  if (normalized == NULL)
    return FALSE;
  statement = prepare (self, "DELETE FROM users WHERE address = ?1;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, normalized, -1, SQLITE_TRANSIENT);
  if (!step_done (self, statement, error))
    return FALSE;
  if (removed != NULL)
    *removed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

/**
 * cnv_manager_store_list_users:
 * @self: a store
 * @error: a %CNV_STORE_ERROR
 *
 * Returns: (transfer full) (element-type CnvAddress): the accredited users, by address
 */
GPtrArray *
cnv_manager_store_list_users (CnvManagerStore  *self,
                              GError          **error)
{
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  sqlite3_stmt *statement;
  int result;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), NULL);

  statement = prepare (self, "SELECT address, name FROM users ORDER BY address;", error);
  if (statement == NULL)
    return NULL;
  while ((result = sqlite3_step (statement)) == SQLITE_ROW)
    {
      CnvAddress *user = g_new0 (CnvAddress, 1);

      user->address = g_strdup ((const char *) sqlite3_column_text (statement, 0));
      user->name = g_strdup ((const char *) sqlite3_column_text (statement, 1));
      g_ptr_array_add (users, user);
    }
  sqlite3_finalize (statement);
  if (result != SQLITE_DONE)
    {
      set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED, "Cannot list the users");
      return NULL;
    }
  return g_steal_pointer (&users);
}

/**
 * cnv_manager_store_is_accredited:
 * @self: a store
 * @address: an e-mail address
 * @accredited_domains: (nullable): domains whose every address is accredited (lower case, ASCII:
 *   IDNA); a domain accredits itself only, not its subdomains
 * @accredited: (out): whether @address is accredited (E502)
 * @error: %CNV_STORE_ERROR_INVALID for an address that is not one
 */
gboolean
cnv_manager_store_is_accredited (CnvManagerStore     *self,
                                 const char          *address,
                                 const char * const  *accredited_domains,
                                 gboolean            *accredited,
                                 GError             **error)
{
  g_autofree char *normalized = NULL;
  g_autofree char *domain = NULL;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (accredited != NULL, FALSE);

  normalized = normalize (address, error);
  if (normalized == NULL)
    return FALSE;
  domain = cnv_address_get_domain (normalized);
  for (guint i = 0; accredited_domains != NULL && accredited_domains[i] != NULL; i++)
    if (domain != NULL && g_ascii_strcasecmp (domain, accredited_domains[i]) == 0)
      {
        *accredited = TRUE;
        return TRUE;
      }

  return row_exists (self, "SELECT 1 FROM users WHERE address = ?1;", normalized,
                     "Cannot look a user up", accredited, error);
}

/* ---- Watcher positions and processed mail (E500) ------------------------------------------- */

/**
 * cnv_manager_store_get_position:
 * @uidvalidity: (out): 0 when the mailbox has no position yet
 * @last_uid: (out): the last UID handled
 */
gboolean
cnv_manager_store_get_position (CnvManagerStore  *self,
                                const char       *mailbox,
                                guint32          *uidvalidity,
                                guint32          *last_uid,
                                GError          **error)
{
  sqlite3_stmt *statement;
  int result;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);

  *uidvalidity = 0;
  *last_uid = 0;
  statement = prepare (self, "SELECT uidvalidity, last_uid FROM mailboxes WHERE mailbox = ?1;", error);
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
    return set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED, "Cannot read a mailbox position");
  return TRUE;
}

/* Stored in the same transaction as what was done with the message it follows. */
gboolean
cnv_manager_store_set_position (CnvManagerStore  *self,
                                const char       *mailbox,
                                guint32           uidvalidity,
                                guint32           last_uid,
                                GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (mailbox != NULL, FALSE);

  statement = prepare (self, "INSERT INTO mailboxes (mailbox, uidvalidity, last_uid) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
                             "last_uid = excluded.last_uid;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, mailbox, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, uidvalidity);
  sqlite3_bind_int64 (statement, 3, last_uid);
  return step_done (self, statement, error);
}

gboolean
cnv_manager_store_was_processed (CnvManagerStore  *self,
                                 const char       *message_id,
                                 gboolean         *processed,
                                 GError          **error)
{
  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (message_id != NULL, FALSE);
  g_return_val_if_fail (processed != NULL, FALSE);

  return row_exists (self, "SELECT 1 FROM processed WHERE message_id = ?1;", message_id,
                     "Cannot look a message up", processed, error);
}

/**
 * cnv_manager_store_add_processed:
 * @outcome: `accepted`, `refused` or `ignored`
 * @reason: (nullable): why, for refused and ignored mail (logged and kept)
 * @error: %CNV_STORE_ERROR_FAILED when @message_id was already processed (a constraint)
 */
gboolean
cnv_manager_store_add_processed (CnvManagerStore  *self,
                                 const char       *message_id,
                                 const char       *mailbox,
                                 guint32           uidvalidity,
                                 guint32           uid,
                                 const char       *outcome,
                                 const char       *reason,
                                 GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (message_id != NULL && mailbox != NULL && outcome != NULL, FALSE);

  statement = prepare (self, "INSERT INTO processed (message_id, mailbox, uidvalidity, uid, outcome, "
                             "reason, processed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7);", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, message_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 2, mailbox, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 3, uidvalidity);
  sqlite3_bind_int64 (statement, 4, uid);
  sqlite3_bind_text (statement, 5, outcome, -1, SQLITE_TRANSIENT);
  if (reason != NULL)
    sqlite3_bind_text (statement, 6, reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 7, g_get_real_time () / G_USEC_PER_SEC);
  return step_done (self, statement, error);
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
cnv_manager_store_finalize (GObject *object)
{
  CnvManagerStore *self = CNV_MANAGER_STORE (object);

  cnv_manager_store_rollback (self);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_free (self->path);

  G_OBJECT_CLASS (cnv_manager_store_parent_class)->finalize (object);
}

static void
cnv_manager_store_class_init (CnvManagerStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cnv_manager_store_finalize;
}

static void
cnv_manager_store_init (CnvManagerStore *self)
{
}
