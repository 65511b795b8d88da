/* cnv-manager-store.c — the manager's durable state (SQLite), behind one module
 *
 * All SQL of the manager lives here and in cnv-manager-store-sessions.c, in plain statements and
 * plain transactions (no SQLite-only tricks in the logic), so that a PostgreSQL store can replace
 * these files when several managers share the work (DESIGN.md, "The manager"). The database is
 * opened in WAL mode with synchronous=FULL: a transaction that COMMIT reported is on disk, because
 * the manager's promise is that an accepted request is never lost. The schema version is PRAGMA
 * user_version; each migration runs in its own transaction, in order, and a database written by a
 * newer manager is refused untouched.
 *
 * This file holds the opening, the migrations, the transactions, the statement helpers the two
 * files share (cnv-manager-store-private.h), the users, the accredited domains, the watcher
 * positions, the processed mail and the data version; cnv-manager-store-sessions.c holds the
 * sessions, their participants, credentials and outbox.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-store"

#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "cnv-address.h"
#include "cnv-manager-store-private.h"

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

  /* 2: sessions (E503–E516), participants, credentials (E504), the outbox (E514–E515),
   * accredited domains, and the sender of processed mail (the hourly request limit). "start" and
   * "end" are SQL keywords: the columns are starts_at and ends_at. */
  "CREATE TABLE sessions ("
  "  id TEXT PRIMARY KEY,"               /* cnv_session_id_is_valid() */
  "  uid TEXT NOT NULL,"                 /* the iCalendar UID */
  "  sequence INTEGER NOT NULL,"
  "  type TEXT NOT NULL,"
  "  title TEXT NOT NULL,"
  "  initiator TEXT NOT NULL,"           /* normalised */
  "  initiator_name TEXT,"
  "  manager_address TEXT NOT NULL,"
  "  request_message_id TEXT,"           /* without <> */
  "  starts_at INTEGER NOT NULL,"
  "  ends_at INTEGER NOT NULL,"
  "  state TEXT NOT NULL CHECK (state IN ('scheduled', 'active', 'closed', 'cancelled')),"
  "  room TEXT NOT NULL,"
  "  room_url TEXT,"
  "  invite_at_start INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL);"
  "CREATE INDEX sessions_by_request ON sessions (request_message_id);"
  "CREATE INDEX sessions_by_state ON sessions (state);"
  "CREATE TABLE participants ("
  "  id INTEGER PRIMARY KEY,"
  "  session_id TEXT NOT NULL REFERENCES sessions (id),"
  "  address TEXT NOT NULL,"             /* normalised */
  "  name TEXT,"
  "  is_initiator INTEGER NOT NULL,"
  "  added_at INTEGER NOT NULL,"
  "  UNIQUE (session_id, address));"
  "CREATE TABLE tokens ("
  "  participant_id INTEGER NOT NULL REFERENCES participants (id),"
  "  hash BLOB NOT NULL,"                /* SHA-256 of the token: the token itself is never kept */
  "  created_at INTEGER NOT NULL,"
  "  revoked_at INTEGER);"
  "CREATE INDEX tokens_by_participant ON tokens (participant_id);"
  "CREATE TABLE outbox ("
  "  id INTEGER PRIMARY KEY,"
  "  kind TEXT NOT NULL CHECK (kind IN ('invitation', 'refusal', 'cancel')),"
  "  session_id TEXT REFERENCES sessions (id),"
  "  participant_id INTEGER REFERENCES participants (id),"
  "  recipient TEXT NOT NULL,"           /* normalised */
  "  recipient_name TEXT,"
  "  sender TEXT NOT NULL,"
  "  in_reply_to TEXT,"
  "  payload TEXT,"
  "  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),"
  "  attempts INTEGER NOT NULL,"
  "  next_attempt INTEGER NOT NULL,"
  "  last_error TEXT,"
  "  message_id TEXT,"                   /* without <> */
  "  created_at INTEGER NOT NULL);"
  "CREATE INDEX outbox_due ON outbox (state, next_attempt);"
  "CREATE INDEX outbox_by_message_id ON outbox (message_id);"
  "CREATE INDEX outbox_by_session ON outbox (session_id);"
  "CREATE TABLE domains ("
  "  domain TEXT PRIMARY KEY,"           /* lower case, ASCII (IDNA) */
  "  added_at INTEGER NOT NULL);"
  "ALTER TABLE processed ADD COLUMN sender TEXT;"
  "CREATE INDEX processed_by_sender ON processed (sender, processed_at);",
};

gboolean
cnv_store_set_sqlite_error (CnvManagerStore  *self,
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

sqlite3_stmt *
cnv_store_prepare (CnvManagerStore  *self,
                   const char       *sql,
                   GError          **error)
{
  sqlite3_stmt *statement = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &statement, NULL) != SQLITE_OK)
    {
      cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED,
                                  "Cannot prepare a statement");
      return NULL;
    }
  return statement;
}

/* Runs a statement that returns no row. */
gboolean
cnv_store_step_done (CnvManagerStore  *self,
                     sqlite3_stmt     *statement,
                     GError          **error)
{
  int result = sqlite3_step (statement);

  sqlite3_finalize (statement);
  if (result != SQLITE_DONE)
    return cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED, "A statement failed");
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
  sqlite3_stmt *statement = cnv_store_prepare (self, sql, error);
  int result;

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, parameter, -1, SQLITE_TRANSIENT);
  result = sqlite3_step (statement);
  sqlite3_finalize (statement);
  if (result != SQLITE_ROW && result != SQLITE_DONE)
    return cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED, what);
  *exists = result == SQLITE_ROW;
  return TRUE;
}

static gboolean
read_version (CnvManagerStore  *self,
              int              *version,
              GError          **error)
{
  sqlite3_stmt *statement = cnv_store_prepare (self, "PRAGMA user_version;", error);
  int result;

  if (statement == NULL)
    return FALSE;
  result = sqlite3_step (statement);
  if (result == SQLITE_ROW)
    *version = sqlite3_column_int (statement, 0);
  sqlite3_finalize (statement);
  if (result != SQLITE_ROW)
    return cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_OPEN,
                                       "Cannot read the schema version");
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
      cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_OPEN, "Cannot open the database");
      return NULL;
    }
  /* The first statement finds out whether the file is a database at all. */
  if (!read_version (self, &version, error))
    return NULL;

  sqlite3_busy_timeout (self->db, 5000);
  statement = cnv_store_prepare (self, "PRAGMA journal_mode = WAL;", error);
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

char *
cnv_store_normalize (const char  *address,
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

  normalized = cnv_store_normalize (address, error);
  if (normalized == NULL)
    return FALSE;
  statement = cnv_store_prepare (self, "INSERT INTO users (address, name, added_at) "
                                       "VALUES (?1, ?2, ?3) ON CONFLICT (address) "
                                       "DO UPDATE SET name = excluded.name;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, normalized, -1, SQLITE_TRANSIENT);
  if (name != NULL)
    sqlite3_bind_text (statement, 2, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 3, g_get_real_time () / G_USEC_PER_SEC);
  return cnv_store_step_done (self, statement, error);
}

/* Runs a DELETE whose `?1` is @key; @removed says whether a row went. */
static gboolean
delete_by_key (CnvManagerStore  *self,
               const char       *sql,
               const char       *key,
               gboolean         *removed,
               GError          **error)
{
  sqlite3_stmt *statement = cnv_store_prepare (self, sql, error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, key, -1, SQLITE_TRANSIENT);
  if (!cnv_store_step_done (self, statement, error))
    return FALSE;
  if (removed != NULL)
    *removed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

gboolean
cnv_manager_store_remove_user (CnvManagerStore  *self,
                               const char       *address,
                               gboolean         *removed,
                               GError          **error)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  normalized = cnv_store_normalize (address, error);
  if (normalized == NULL)
    return FALSE;
  return delete_by_key (self, "DELETE FROM users WHERE address = ?1;", normalized, removed, error);
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

  statement = cnv_store_prepare (self, "SELECT address, name FROM users ORDER BY address;", error);
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
      cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED, "Cannot list the users");
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
 *
 * An address is accredited when its domain is in @accredited_domains (the configuration) or in
 * the domains table (cnv_manager_store_add_domain()), or when it is in the users table.
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

  normalized = cnv_store_normalize (address, error);
  if (normalized == NULL)
    return FALSE;
  domain = cnv_address_get_domain (normalized);
  for (guint i = 0; accredited_domains != NULL && accredited_domains[i] != NULL; i++)
    if (domain != NULL && g_ascii_strcasecmp (domain, accredited_domains[i]) == 0)
      {
        *accredited = TRUE;
        return TRUE;
      }

  if (!row_exists (self, "SELECT 1 FROM domains WHERE domain = ?1;", domain,
                   "Cannot look a domain up", accredited, error))
    return FALSE;
  if (*accredited)
    return TRUE;
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
  statement = cnv_store_prepare (self, "SELECT uidvalidity, last_uid FROM mailboxes "
                                       "WHERE mailbox = ?1;", error);
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
    return cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED,
                                       "Cannot read a mailbox position");
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

  statement = cnv_store_prepare (self, "INSERT INTO mailboxes (mailbox, uidvalidity, last_uid) "
                                       "VALUES (?1, ?2, ?3) "
                                       "ON CONFLICT (mailbox) DO UPDATE SET "
                                       "uidvalidity = excluded.uidvalidity, "
                                       "last_uid = excluded.last_uid;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, mailbox, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, uidvalidity);
  sqlite3_bind_int64 (statement, 3, last_uid);
  return cnv_store_step_done (self, statement, error);
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
 * @sender: (nullable): the sender's normalised address, as the caller found it (counted by
 *   cnv_manager_store_count_requests() for the hourly request limit); %NULL when the mail had
 *   none that could be read
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
                                 const char       *sender,
                                 const char       *outcome,
                                 const char       *reason,
                                 GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (message_id != NULL && mailbox != NULL && outcome != NULL, FALSE);

  statement = cnv_store_prepare (self, "INSERT INTO processed (message_id, mailbox, uidvalidity, "
                                       "uid, outcome, reason, processed_at, sender) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);",
                                 error);
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
  if (sender != NULL)
    sqlite3_bind_text (statement, 8, sender, -1, SQLITE_TRANSIENT);
  return cnv_store_step_done (self, statement, error);
}

gboolean
cnv_manager_store_count_requests (CnvManagerStore  *self,
                                  const char       *sender,
                                  gint64            since,
                                  guint            *count,
                                  GError          **error)
{
  sqlite3_stmt *statement;
  int result;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (sender != NULL, FALSE);
  g_return_val_if_fail (count != NULL, FALSE);

  *count = 0;
  statement = cnv_store_prepare (self, "SELECT COUNT(*) FROM processed "
                                       "WHERE sender = ?1 AND processed_at >= ?2;",
                                 error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, sender, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, since);
  result = sqlite3_step (statement);
  if (result == SQLITE_ROW)
    *count = (guint) MIN (sqlite3_column_int64 (statement, 0), (gint64) G_MAXUINT);
  sqlite3_finalize (statement);
  if (result != SQLITE_ROW)
    return cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED,
                                       "Cannot count the requests");
  return TRUE;
}

/* ---- Statement helpers for rows ------------------------------------------------------------ */

/* Runs @sql, a query of one nullable integer (a MIN of times): *@found is whether it gave one. */
gboolean
cnv_store_min_time (CnvManagerStore  *self,
                    const char       *sql,
                    gint64           *when,
                    gboolean         *found,
                    const char       *what,
                    GError          **error)
{
  sqlite3_stmt *statement = cnv_store_prepare (self, sql, error);
  int result;

  *when = 0;
  *found = FALSE;
  if (statement == NULL)
    return FALSE;
  result = sqlite3_step (statement);
  if (result == SQLITE_ROW && sqlite3_column_type (statement, 0) != SQLITE_NULL)
    {
      *when = sqlite3_column_int64 (statement, 0);
      *found = TRUE;
    }
  sqlite3_finalize (statement);
  if (result != SQLITE_ROW)
    return cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED, what);
  return TRUE;
}

/* Steps @statement to its end, reading every row (the statement is finalised). */
GPtrArray *
cnv_store_read_rows (CnvManagerStore    *self,
                     sqlite3_stmt       *statement,
                     CnvStoreRowReader   read,
                     GDestroyNotify      free_row,
                     const char         *what,
                     GError            **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_row);
  int result;

  while ((result = sqlite3_step (statement)) == SQLITE_ROW)
    {
      gpointer row = read (statement);

      if (row == NULL)
        {
          sqlite3_finalize (statement);
          g_set_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_FAILED,
                       "%s (%s): a row holds a value this convene-manager does not know", what,
                       self->path);
          return NULL;
        }
      g_ptr_array_add (rows, row);
    }
  sqlite3_finalize (statement);
  if (result != SQLITE_DONE)
    {
      cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED, what);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* ---- Accredited domains (E502) ------------------------------------------------------------- */

/* A domain as addresses have it: IDNA, lower case, no final dot. */
static char *
normalize_domain (const char  *domain,
                  GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (domain));
  g_autofree char *address = NULL;
  g_autofree char *normalized = NULL;

  if (*trimmed != '\0' && strchr (trimmed, '@') == NULL)
    {
      address = g_strconcat ("postmaster@", trimmed, NULL);
      normalized = cnv_address_normalize (address, NULL);
    }
  if (normalized == NULL)
    {
      g_set_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID, "“%s” is not a domain name",
                   g_utf8_validate (trimmed, -1, NULL) ? trimmed : "(not UTF-8)");
      return NULL;
    }
  return cnv_address_get_domain (normalized);
}

/**
 * cnv_manager_store_add_domain:
 * @domain: a domain whose every address is accredited (`bücher.example`: stored as IDNA, lower
 *   case); not its subdomains. Adding it again changes nothing.
 * @error: %CNV_STORE_ERROR_INVALID for something that is not a domain name
 */
gboolean
cnv_manager_store_add_domain (CnvManagerStore  *self,
                              const char       *domain,
                              GError          **error)
{
  g_autofree char *normalized = NULL;
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (domain != NULL, FALSE);

  normalized = normalize_domain (domain, error);
  if (normalized == NULL)
    return FALSE;
  statement = cnv_store_prepare (self, "INSERT INTO domains (domain, added_at) VALUES (?1, ?2) "
                                       "ON CONFLICT (domain) DO NOTHING;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, normalized, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, cnv_store_now_seconds ());
  return cnv_store_step_done (self, statement, error);
}

/**
 * cnv_manager_store_remove_domain:
 * @removed: (out) (optional): whether @domain was there
 * @error: %CNV_STORE_ERROR_INVALID for something that is not a domain name
 */
gboolean
cnv_manager_store_remove_domain (CnvManagerStore  *self,
                                 const char       *domain,
                                 gboolean         *removed,
                                 GError          **error)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (domain != NULL, FALSE);

  normalized = normalize_domain (domain, error);
  if (normalized == NULL)
    return FALSE;
  return delete_by_key (self, "DELETE FROM domains WHERE domain = ?1;", normalized, removed, error);
}

static gpointer
read_domain (sqlite3_stmt *statement)
{
  return cnv_store_column_text (statement, 0);
}

/**
 * cnv_manager_store_list_domains:
 * @domains: (out) (transfer full) (element-type utf8): the accredited domains, sorted
 */
gboolean
cnv_manager_store_list_domains (CnvManagerStore  *self,
                                GPtrArray       **domains,
                                GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (domains != NULL, FALSE);

  statement = cnv_store_prepare (self, "SELECT domain FROM domains ORDER BY domain;", error);
  if (statement == NULL)
    return FALSE;
  *domains = cnv_store_read_rows (self, statement, read_domain, g_free, "Cannot list the domains",
                                  error);
  return *domains != NULL;
}

/* ---- Changes by other connections ---------------------------------------------------------- */

/**
 * cnv_manager_store_data_version:
 * @self: a store
 *
 * A number that changes when another connection (convene-manager-admin, another manager)
 * committed a change to the database; this connection's own commits leave it alone. The daemon
 * polls it to notice administration commands.
 *
 * Returns: the version, or -1 when it cannot be read
 */
gint64
cnv_manager_store_data_version (CnvManagerStore *self)
{
  sqlite3_stmt *statement;
  gint64 version = -1;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), -1);

  statement = cnv_store_prepare (self, "PRAGMA data_version;", NULL);
  if (statement == NULL)
    return -1;
  if (sqlite3_step (statement) == SQLITE_ROW)
    version = sqlite3_column_int64 (statement, 0);
  sqlite3_finalize (statement);
  return version;
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
