/* cnv-manager-store-sessions.c — the sessions of the manager's store: sessions, participants and
 * credentials (their hashes), with the names the store gives the sessions' states
 *
 * A part of cnv-manager-store.c (which opens the database, migrates its schema and holds the
 * transactions); the outbox is in cnv-manager-store-outbox.c. The helpers these files share are
 * in cnv-manager-store-private.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-store"

#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "cnv-invitation.h"
#include "cnv-manager-store-private.h"
#include "cnv-manager-token.h"

/* ---- Statement helpers for rows ------------------------------------------------------------ */

void
cnv_store_bind_nullable_text (sqlite3_stmt *statement,
                              int           index,
                              const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (statement, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (statement, index);
}

/* Reads the first row of @statement, or sets *@row to %NULL when there is none. */
static gboolean
read_one_row (CnvManagerStore    *self,
              sqlite3_stmt       *statement,
              CnvStoreRowReader   read,
              GDestroyNotify      free_row,
              gpointer           *row,
              const char         *what,
              GError            **error)
{
  g_autoptr(GPtrArray) rows = NULL;

  *row = NULL;
  rows = cnv_store_read_rows (self, statement, read, free_row, what, error);
  if (rows == NULL)
    return FALSE;
  if (rows->len > 0)
    *row = g_ptr_array_steal_index (rows, 0);
  return TRUE;
}

/* Runs an UPDATE of one row, identified by its key; %CNV_STORE_ERROR_INVALID when no row
 * matched. */
gboolean
cnv_store_update_one (CnvManagerStore  *self,
                      sqlite3_stmt     *statement,
                      const char       *what,
                      GError          **error)
{
  if (!cnv_store_step_done (self, statement, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID, "%s", what);
      return FALSE;
    }
  return TRUE;
}

gboolean
cnv_store_check_utf8 (const char  *text,
                      const char  *field,
                      GError     **error)
{
  if (text == NULL || g_utf8_validate (text, -1, NULL))
    return TRUE;
  g_set_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID, "The %s is not valid UTF-8", field);
  return FALSE;
}

gboolean
cnv_store_enum_from_string (const char         *text,
                            const char *const  *names,
                            guint               n_names,
                            int                *value)
{
  for (guint i = 0; text != NULL && i < n_names; i++)
    if (strcmp (text, names[i]) == 0)
      {
        *value = (int) i;
        return TRUE;
      }
  return FALSE;
}

/* ---- Sessions ------------------------------------------------------------------------------ */

static const char *const session_states[] = { "scheduled", "active", "closed", "cancelled" };

const char *
cnv_session_state_to_string (CnvSessionState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (session_states), NULL);

  return session_states[state];
}

/**
 * cnv_session_state_from_string:
 * @text: (nullable): a stored state
 * @state: (out): the state
 *
 * Returns: whether @text names a state
 */
gboolean
cnv_session_state_from_string (const char      *text,
                               CnvSessionState *state)
{
  int value;

  g_return_val_if_fail (state != NULL, FALSE);

  if (!cnv_store_enum_from_string (text, session_states, G_N_ELEMENTS (session_states), &value))
    return FALSE;
  *state = (CnvSessionState) value;
  return TRUE;
}

void
cnv_stored_session_free (CnvStoredSession *session)
{
  if (session == NULL)
    return;
  g_free (session->id);
  g_free (session->uid);
  g_free (session->type);
  g_free (session->title);
  g_free (session->initiator);
  g_free (session->initiator_name);
  g_free (session->manager_address);
  g_free (session->request_message_id);
  g_free (session->room);
  g_free (session->room_url);
  g_free (session);
}

void
cnv_stored_participant_free (CnvStoredParticipant *participant)
{
  if (participant == NULL)
    return;
  g_free (participant->session_id);
  g_free (participant->address);
  g_free (participant->name);
  g_free (participant);
}

#define SESSION_COLUMNS \
  "id, uid, sequence, type, title, initiator, initiator_name, manager_address, " \
  "request_message_id, starts_at, ends_at, state, room, room_url, invite_at_start, created_at"

static gpointer
read_session (sqlite3_stmt *statement)
{
  g_autoptr(CnvStoredSession) session = g_new0 (CnvStoredSession, 1);

  session->id = cnv_store_column_text (statement, 0);
  session->uid = cnv_store_column_text (statement, 1);
  session->sequence = sqlite3_column_int (statement, 2);
  session->type = cnv_store_column_text (statement, 3);
  session->title = cnv_store_column_text (statement, 4);
  session->initiator = cnv_store_column_text (statement, 5);
  session->initiator_name = cnv_store_column_text (statement, 6);
  session->manager_address = cnv_store_column_text (statement, 7);
  session->request_message_id = cnv_store_column_text (statement, 8);
  session->start = sqlite3_column_int64 (statement, 9);
  session->end = sqlite3_column_int64 (statement, 10);
  if (!cnv_session_state_from_string ((const char *) sqlite3_column_text (statement, 11),
                                      &session->state))
    return NULL;
  session->room = cnv_store_column_text (statement, 12);
  session->room_url = cnv_store_column_text (statement, 13);
  session->invite_at_start = sqlite3_column_int (statement, 14) != 0;
  session->created_at = sqlite3_column_int64 (statement, 15);
  return g_steal_pointer (&session);
}

/**
 * cnv_manager_store_add_session:
 * @self: a store
 * @session: the session; its @initiator is stored normalised, and a @created_at of 0 is stored
 *   as now
 * @error: %CNV_STORE_ERROR_INVALID for an id that is not cnv_session_id_is_valid(), an end before
 *   the start, an initiator that is not an address or text that is not UTF-8;
 *   %CNV_STORE_ERROR_FAILED when the id exists (a constraint)
 */
gboolean
cnv_manager_store_add_session (CnvManagerStore         *self,
                               const CnvStoredSession  *session,
                               GError                 **error)
{
  g_autofree char *initiator = NULL;
  const char *state;
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (session != NULL, FALSE);
  g_return_val_if_fail (session->uid != NULL && session->type != NULL && session->title != NULL, FALSE);
  g_return_val_if_fail (session->initiator != NULL && session->manager_address != NULL, FALSE);
  g_return_val_if_fail (session->room != NULL, FALSE);
  state = cnv_session_state_to_string (session->state);
  g_return_val_if_fail (state != NULL, FALSE);

  if (!cnv_session_id_is_valid (session->id))
    {
      g_set_error_literal (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID,
                           "A session id is 1 to 64 characters of A-Z a-z 0-9 _ -");
      return FALSE;
    }
  if (session->end < session->start)
    {
      g_set_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID,
                   "Session %s ends before it starts", session->id);
      return FALSE;
    }
  if (!cnv_store_check_utf8 (session->uid, "UID", error)
      || !cnv_store_check_utf8 (session->type, "session type", error)
      || !cnv_store_check_utf8 (session->title, "title", error)
      || !cnv_store_check_utf8 (session->initiator_name, "initiator's name", error)
      || !cnv_store_check_utf8 (session->manager_address, "manager address", error)
      || !cnv_store_check_utf8 (session->request_message_id, "request's Message-ID", error)
      || !cnv_store_check_utf8 (session->room, "room", error)
      || !cnv_store_check_utf8 (session->room_url, "room URL", error))
    return FALSE;
  initiator = cnv_store_normalize (session->initiator, error);
  if (initiator == NULL)
    return FALSE;

  statement = cnv_store_prepare (self, "INSERT INTO sessions (" SESSION_COLUMNS ") VALUES "
                                       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                                       "?13, ?14, ?15, ?16);",
                                 error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 2, session->uid, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (statement, 3, session->sequence);
  sqlite3_bind_text (statement, 4, session->type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 5, session->title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 6, initiator, -1, SQLITE_TRANSIENT);
  cnv_store_bind_nullable_text (statement, 7, session->initiator_name);
  sqlite3_bind_text (statement, 8, session->manager_address, -1, SQLITE_TRANSIENT);
  cnv_store_bind_nullable_text (statement, 9, session->request_message_id);
  sqlite3_bind_int64 (statement, 10, session->start);
  sqlite3_bind_int64 (statement, 11, session->end);
  sqlite3_bind_text (statement, 12, state, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 13, session->room, -1, SQLITE_TRANSIENT);
  cnv_store_bind_nullable_text (statement, 14, session->room_url);
  sqlite3_bind_int (statement, 15, session->invite_at_start ? 1 : 0);
  sqlite3_bind_int64 (statement, 16,
                      session->created_at != 0 ? session->created_at : cnv_store_now_seconds ());
  return cnv_store_step_done (self, statement, error);
}

/**
 * cnv_manager_store_get_session:
 * @session: (out) (transfer full) (nullable): the session, %NULL when there is none
 *
 * Returns: %FALSE only on a database failure
 */
gboolean
cnv_manager_store_get_session (CnvManagerStore    *self,
                               const char         *session_id,
                               CnvStoredSession  **session,
                               GError            **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (session != NULL, FALSE);

  *session = NULL;
  statement = cnv_store_prepare (self, "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = ?1;",
                                 error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  return read_one_row (self, statement, read_session, (GDestroyNotify) cnv_stored_session_free,
                       (gpointer *) session, "Cannot read a session", error);
}

/**
 * cnv_manager_store_find_session_by_reference:
 * @message_id: a Message-ID a mail answers (In-Reply-To, References), without <> (surrounding
 *   angle brackets are tolerated)
 * @session: (out) (transfer full) (nullable): the session whose request or one of whose sent
 *   mails (invitations) had that Message-ID; %NULL when none had
 */
gboolean
cnv_manager_store_find_session_by_reference (CnvManagerStore    *self,
                                             const char         *message_id,
                                             CnvStoredSession  **session,
                                             GError            **error)
{
  g_autofree char *bare = NULL;
  sqlite3_stmt *statement;
  gsize len;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (message_id != NULL, FALSE);
  g_return_val_if_fail (session != NULL, FALSE);

  *session = NULL;
  len = strlen (message_id);
  if (len >= 2 && message_id[0] == '<' && message_id[len - 1] == '>')
    bare = g_strndup (message_id + 1, len - 2);
  else
    bare = g_strdup (message_id);

  statement = cnv_store_prepare (self, "SELECT " SESSION_COLUMNS " FROM sessions "
                                       "WHERE request_message_id = ?1 "
                                       "OR id IN (SELECT session_id FROM outbox "
                                       "WHERE message_id = ?1) "
                                       "ORDER BY created_at DESC, id LIMIT 1;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, bare, -1, SQLITE_TRANSIENT);
  return read_one_row (self, statement, read_session, (GDestroyNotify) cnv_stored_session_free,
                       (gpointer *) session, "Cannot look a session up", error);
}

/**
 * cnv_manager_store_list_sessions:
 * @include_ended: %FALSE for scheduled and active sessions only
 * @type: (nullable): only sessions of this type; %NULL for all
 * @sessions: (out) (transfer full) (element-type CnvStoredSession): by start, then id
 */
gboolean
cnv_manager_store_list_sessions (CnvManagerStore  *self,
                                 gboolean          include_ended,
                                 const char       *type,
                                 GPtrArray       **sessions,
                                 GError          **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT " SESSION_COLUMNS " FROM sessions WHERE 1 = 1");
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (sessions != NULL, FALSE);

  if (!include_ended)
    g_string_append (sql, " AND state IN ('scheduled', 'active')");
  if (type != NULL)
    g_string_append (sql, " AND type = ?1");
  g_string_append (sql, " ORDER BY starts_at, id;");
  statement = cnv_store_prepare (self, sql->str, error);
  if (statement == NULL)
    return FALSE;
  if (type != NULL)
    sqlite3_bind_text (statement, 1, type, -1, SQLITE_TRANSIENT);
  *sessions = cnv_store_read_rows (self, statement, read_session,
                                   (GDestroyNotify) cnv_stored_session_free,
                                   "Cannot list the sessions", error);
  return *sessions != NULL;
}

/**
 * cnv_manager_store_set_session_state:
 * @error: %CNV_STORE_ERROR_INVALID when there is no such session
 */
gboolean
cnv_manager_store_set_session_state (CnvManagerStore  *self,
                                     const char       *session_id,
                                     CnvSessionState   state,
                                     GError          **error)
{
  g_autofree char *missing = NULL;
  const char *text;
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  text = cnv_session_state_to_string (state);
  g_return_val_if_fail (text != NULL, FALSE);

  statement = cnv_store_prepare (self, "UPDATE sessions SET state = ?2 WHERE id = ?1;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 2, text, -1, SQLITE_STATIC);
  missing = g_strdup_printf ("There is no session “%s”", session_id);
  return cnv_store_update_one (self, statement, missing, error);
}

/**
 * cnv_manager_store_set_session_room_url:
 * @room_url: (nullable): the URL the backend gave (E513)
 * @error: %CNV_STORE_ERROR_INVALID when there is no such session or @room_url is not UTF-8
 */
gboolean
cnv_manager_store_set_session_room_url (CnvManagerStore  *self,
                                        const char       *session_id,
                                        const char       *room_url,
                                        GError          **error)
{
  g_autofree char *missing = NULL;
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);

  if (!cnv_store_check_utf8 (room_url, "room URL", error))
    return FALSE;
  statement = cnv_store_prepare (self, "UPDATE sessions SET room_url = ?2 WHERE id = ?1;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  cnv_store_bind_nullable_text (statement, 2, room_url);
  missing = g_strdup_printf ("There is no session “%s”", session_id);
  return cnv_store_update_one (self, statement, missing, error);
}

/**
 * cnv_manager_store_list_due_sessions:
 * @now: Unix seconds
 * @sessions: (out) (transfer full) (element-type CnvStoredSession): scheduled sessions whose
 *   start is reached, and scheduled or active sessions whose end is reached; by start, then id
 */
gboolean
cnv_manager_store_list_due_sessions (CnvManagerStore  *self,
                                     gint64            now,
                                     GPtrArray       **sessions,
                                     GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (sessions != NULL, FALSE);

  statement = cnv_store_prepare (self, "SELECT " SESSION_COLUMNS " FROM sessions "
                                       "WHERE (state = 'scheduled' AND starts_at <= ?1) "
                                       "OR (state IN ('scheduled', 'active') AND ends_at <= ?1) "
                                       "ORDER BY starts_at, id;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, now);
  *sessions = cnv_store_read_rows (self, statement, read_session,
                                   (GDestroyNotify) cnv_stored_session_free,
                                   "Cannot list the due sessions", error);
  return *sessions != NULL;
}

/**
 * cnv_manager_store_next_deadline:
 * @when: (out): the earliest start of a scheduled session, end of a scheduled or active session,
 *   or next attempt of a pending outbox item (it may be in the past)
 * @found: (out): %FALSE when there is nothing to wait for (@when is then 0)
 */
gboolean
cnv_manager_store_next_deadline (CnvManagerStore  *self,
                                 gint64           *when,
                                 gboolean         *found,
                                 GError          **error)
{
  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (when != NULL && found != NULL, FALSE);

  return cnv_store_min_time (self, "SELECT MIN(deadline) FROM ("
                                   "SELECT starts_at AS deadline FROM sessions "
                                   "WHERE state = 'scheduled' "
                                   "UNION ALL SELECT ends_at FROM sessions "
                                   "WHERE state IN ('scheduled', 'active') "
                                   "UNION ALL SELECT next_attempt FROM outbox "
                                   "WHERE state = 'pending'"
                                   ") AS deadlines;",
                             when, found, "Cannot find the next deadline", error);
}

/* ---- Participants -------------------------------------------------------------------------- */

#define PARTICIPANT_COLUMNS "id, session_id, address, name, is_initiator, added_at"

static gpointer
read_participant (sqlite3_stmt *statement)
{
  CnvStoredParticipant *participant = g_new0 (CnvStoredParticipant, 1);

  participant->id = sqlite3_column_int64 (statement, 0);
  participant->session_id = cnv_store_column_text (statement, 1);
  participant->address = cnv_store_column_text (statement, 2);
  participant->name = cnv_store_column_text (statement, 3);
  participant->is_initiator = sqlite3_column_int (statement, 4) != 0;
  participant->added_at = sqlite3_column_int64 (statement, 5);
  return participant;
}

/* The id of the participant @address (normalised) of @session_id, 0 when there is none. */
static gboolean
find_participant (CnvManagerStore  *self,
                  const char       *session_id,
                  const char       *address,
                  gint64           *participant_id,
                  GError          **error)
{
  sqlite3_stmt *statement;
  int result;

  *participant_id = 0;
  statement = cnv_store_prepare (self, "SELECT id FROM participants "
                                       "WHERE session_id = ?1 AND address = ?2;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 2, address, -1, SQLITE_TRANSIENT);
  result = sqlite3_step (statement);
  if (result == SQLITE_ROW)
    *participant_id = sqlite3_column_int64 (statement, 0);
  sqlite3_finalize (statement);
  if (result != SQLITE_ROW && result != SQLITE_DONE)
    return cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED,
                                       "Cannot look a participant up");
  return TRUE;
}

/**
 * cnv_manager_store_add_participant:
 * @session_id: an existing session (else %CNV_STORE_ERROR_FAILED: a constraint)
 * @address: an e-mail address, stored normalised
 * @name: (nullable): a display name
 * @participant_id: (out) (optional): the participant's id, the existing one when @address
 *   already takes part (its name and role are then left as they are)
 * @added: (out) (optional): whether a participant was added
 * @error: %CNV_STORE_ERROR_INVALID for an address that is not one or a name that is not UTF-8
 */
gboolean
cnv_manager_store_add_participant (CnvManagerStore  *self,
                                   const char       *session_id,
                                   const char       *address,
                                   const char       *name,
                                   gboolean          is_initiator,
                                   gint64           *participant_id,
                                   gboolean         *added,
                                   GError          **error)
{
  g_autofree char *normalized = NULL;
  sqlite3_stmt *statement;
  gint64 id = 0;
  int result;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  normalized = cnv_store_normalize (address, error);
  if (normalized == NULL || !cnv_store_check_utf8 (name, "participant's name", error))
    return FALSE;

  statement = cnv_store_prepare (self, "INSERT INTO participants "
                                       "(session_id, address, name, is_initiator, added_at) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5) "
                                       "ON CONFLICT (session_id, address) DO NOTHING "
                                       "RETURNING id;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 2, normalized, -1, SQLITE_TRANSIENT);
  cnv_store_bind_nullable_text (statement, 3, name);
  sqlite3_bind_int (statement, 4, is_initiator ? 1 : 0);
  sqlite3_bind_int64 (statement, 5, cnv_store_now_seconds ());
  result = sqlite3_step (statement);
  if (result == SQLITE_ROW)
    {
      id = sqlite3_column_int64 (statement, 0);
      result = sqlite3_step (statement);
    }
  sqlite3_finalize (statement);
  if (result != SQLITE_DONE)
    return cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED,
                                       "Cannot add a participant");

  if (added != NULL)
    *added = id != 0;
  if (id == 0 && !find_participant (self, session_id, normalized, &id, error))
    return FALSE;
  if (participant_id != NULL)
    *participant_id = id;
  return TRUE;
}

/**
 * cnv_manager_store_list_participants:
 * @participants: (out) (transfer full) (element-type CnvStoredParticipant): the initiator
 *   first, then in the order they were added; empty for an unknown session
 */
gboolean
cnv_manager_store_list_participants (CnvManagerStore  *self,
                                     const char       *session_id,
                                     GPtrArray       **participants,
                                     GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (participants != NULL, FALSE);

  statement = cnv_store_prepare (self, "SELECT " PARTICIPANT_COLUMNS " FROM participants "
                                       "WHERE session_id = ?1 "
                                       "ORDER BY is_initiator DESC, id;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  *participants = cnv_store_read_rows (self, statement, read_participant,
                                       (GDestroyNotify) cnv_stored_participant_free,
                                       "Cannot list the participants", error);
  return *participants != NULL;
}

/**
 * cnv_manager_store_get_participant:
 * @participant: (out) (transfer full) (nullable): %NULL when there is none
 */
gboolean
cnv_manager_store_get_participant (CnvManagerStore        *self,
                                   gint64                  participant_id,
                                   CnvStoredParticipant  **participant,
                                   GError                **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (participant != NULL, FALSE);

  *participant = NULL;
  statement = cnv_store_prepare (self, "SELECT " PARTICIPANT_COLUMNS " FROM participants "
                                       "WHERE id = ?1;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, participant_id);
  return read_one_row (self, statement, read_participant,
                       (GDestroyNotify) cnv_stored_participant_free, (gpointer *) participant,
                       "Cannot read a participant", error);
}

/* ---- Credentials (E504): only their SHA-256 is kept ---------------------------------------- */

/**
 * cnv_manager_store_add_token:
 * @participant_id: an existing participant (else %CNV_STORE_ERROR_FAILED: a constraint)
 * @hash: (array fixed-size=32): the token's hash (cnv_manager_token_hash())
 */
gboolean
cnv_manager_store_add_token (CnvManagerStore  *self,
                             gint64            participant_id,
                             const guint8     *hash,
                             GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (participant_id > 0, FALSE);
  g_return_val_if_fail (hash != NULL, FALSE);

  statement = cnv_store_prepare (self, "INSERT INTO tokens (participant_id, hash, created_at) "
                                       "VALUES (?1, ?2, ?3);",
                                 error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, participant_id);
  sqlite3_bind_blob (statement, 2, hash, CNV_TOKEN_HASH_SIZE, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 3, cnv_store_now_seconds ());
  return cnv_store_step_done (self, statement, error);
}

/**
 * cnv_manager_store_check_token:
 * @session_id: the session of the join link
 * @hash: (array fixed-size=32): the hash of the token presented
 * @participant: (out) (transfer full) (nullable): the participant of @session_id whose valid
 *   (not revoked) token has @hash; %NULL when none has
 *
 * The hashes are compared here, in constant time, and every valid hash of the session is
 * compared: neither the database's index lookups nor an early exit tell how close a guess was.
 */
gboolean
cnv_manager_store_check_token (CnvManagerStore        *self,
                               const char             *session_id,
                               const guint8           *hash,
                               CnvStoredParticipant  **participant,
                               GError                **error)
{
  sqlite3_stmt *statement;
  gint64 match = 0;
  int result;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (hash != NULL, FALSE);
  g_return_val_if_fail (participant != NULL, FALSE);

  *participant = NULL;
  statement = cnv_store_prepare (self, "SELECT tokens.participant_id, tokens.hash FROM tokens "
                                       "JOIN participants "
                                       "ON participants.id = tokens.participant_id "
                                       "WHERE participants.session_id = ?1 "
                                       "AND tokens.revoked_at IS NULL;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  while ((result = sqlite3_step (statement)) == SQLITE_ROW)
    {
      const guint8 *stored = sqlite3_column_blob (statement, 1);
      gboolean equal;

      if (stored == NULL || sqlite3_column_bytes (statement, 1) != CNV_TOKEN_HASH_SIZE)
        continue;
      equal = cnv_manager_token_equal (stored, hash);
      if (equal && match == 0)
        match = sqlite3_column_int64 (statement, 0);
    }
  sqlite3_finalize (statement);
  if (result != SQLITE_DONE)
    return cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED, "Cannot check a token");
  if (match == 0)
    return TRUE;
  return cnv_manager_store_get_participant (self, match, participant, error);
}

/* Revokes every valid token of @participant_id (none is not an error). */
gboolean
cnv_manager_store_revoke_tokens (CnvManagerStore  *self,
                                 gint64            participant_id,
                                 GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (participant_id > 0, FALSE);

  statement = cnv_store_prepare (self, "UPDATE tokens SET revoked_at = ?2 "
                                       "WHERE participant_id = ?1 AND revoked_at IS NULL;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, participant_id);
  sqlite3_bind_int64 (statement, 2, cnv_store_now_seconds ());
  return cnv_store_step_done (self, statement, error);
}
