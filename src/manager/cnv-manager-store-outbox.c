/* cnv-manager-store-outbox.c — the outbox of the manager's store (E514–E515): the mail the
 * manager has to send, its attempts and its outcome, with the names the store gives their kinds
 * and states
 *
 * A part of cnv-manager-store.c (which opens the database, migrates its schema and holds the
 * transactions); the helpers the store's files share are in cnv-manager-store-private.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-store"

#include "config.h"

#include <sqlite3.h>

#include "cnv-manager-store-private.h"

static const char *const outbox_kinds[] = { "invitation", "refusal", "cancel" };
static const char *const outbox_states[] = { "pending", "sent", "failed" };

const char *
cnv_outbox_kind_to_string (CnvOutboxKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (outbox_kinds), NULL);

  return outbox_kinds[kind];
}

const char *
cnv_outbox_state_to_string (CnvOutboxState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (outbox_states), NULL);

  return outbox_states[state];
}

void
cnv_outbox_item_free (CnvOutboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->session_id);
  g_free (item->recipient);
  g_free (item->recipient_name);
  g_free (item->sender);
  g_free (item->in_reply_to);
  g_free (item->payload);
  g_free (item->last_error);
  g_free (item->message_id);
  g_free (item);
}

#define OUTBOX_COLUMNS \
  "id, kind, session_id, participant_id, recipient, recipient_name, sender, in_reply_to, " \
  "payload, state, attempts, next_attempt, last_error, message_id, created_at"

static gpointer
read_outbox_item (sqlite3_stmt *statement)
{
  g_autoptr(CnvOutboxItem) item = g_new0 (CnvOutboxItem, 1);
  int kind, state;

  if (!cnv_store_enum_from_string ((const char *) sqlite3_column_text (statement, 1),
                                   outbox_kinds, G_N_ELEMENTS (outbox_kinds), &kind)
      || !cnv_store_enum_from_string ((const char *) sqlite3_column_text (statement, 9),
                                      outbox_states, G_N_ELEMENTS (outbox_states), &state))
    return NULL;
  item->id = sqlite3_column_int64 (statement, 0);
  item->kind = (CnvOutboxKind) kind;
  item->session_id = cnv_store_column_text (statement, 2);
  item->participant_id = sqlite3_column_int64 (statement, 3);   /* NULL reads as 0 */
  item->recipient = cnv_store_column_text (statement, 4);
  item->recipient_name = cnv_store_column_text (statement, 5);
  item->sender = cnv_store_column_text (statement, 6);
  item->in_reply_to = cnv_store_column_text (statement, 7);
  item->payload = cnv_store_column_text (statement, 8);
  item->state = (CnvOutboxState) state;
  item->attempts = sqlite3_column_int (statement, 10);
  item->next_attempt = sqlite3_column_int64 (statement, 11);
  item->last_error = cnv_store_column_text (statement, 12);
  item->message_id = cnv_store_column_text (statement, 13);
  item->created_at = sqlite3_column_int64 (statement, 14);
  return g_steal_pointer (&item);
}

/**
 * cnv_manager_store_add_outbox:
 * @item: the mail to send; its @id and @created_at are set, its @recipient replaced by its
 *   normalised form
 * @error: %CNV_STORE_ERROR_INVALID for a recipient that is not an address or text that is not
 *   UTF-8; %CNV_STORE_ERROR_FAILED for an unknown session or participant (a constraint)
 */
gboolean
cnv_manager_store_add_outbox (CnvManagerStore  *self,
                              CnvOutboxItem    *item,
                              GError          **error)
{
  g_autofree char *recipient = NULL;
  const char *kind, *state;
  sqlite3_stmt *statement;
  gint64 id = 0, created_at = cnv_store_now_seconds ();
  int result;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (item != NULL, FALSE);
  g_return_val_if_fail (item->recipient != NULL && item->sender != NULL, FALSE);
  g_return_val_if_fail (item->participant_id >= 0 && item->attempts >= 0, FALSE);
  kind = cnv_outbox_kind_to_string (item->kind);
  state = cnv_outbox_state_to_string (item->state);
  g_return_val_if_fail (kind != NULL && state != NULL, FALSE);

  recipient = cnv_store_normalize (item->recipient, error);
  if (recipient == NULL)
    return FALSE;
  if (!cnv_store_check_utf8 (item->recipient_name, "recipient's name", error)
      || !cnv_store_check_utf8 (item->sender, "sender", error)
      || !cnv_store_check_utf8 (item->in_reply_to, "In-Reply-To", error)
      || !cnv_store_check_utf8 (item->payload, "payload", error)
      || !cnv_store_check_utf8 (item->last_error, "last error", error)
      || !cnv_store_check_utf8 (item->message_id, "Message-ID", error))
    return FALSE;

  statement = cnv_store_prepare (self, "INSERT INTO outbox (kind, session_id, participant_id, "
                                       "recipient, recipient_name, sender, in_reply_to, payload, "
                                       "state, attempts, next_attempt, last_error, message_id, "
                                       "created_at) VALUES "
                                       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                                       "?14) "
                                       "RETURNING id;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, kind, -1, SQLITE_STATIC);
  cnv_store_bind_nullable_text (statement, 2, item->session_id);
  if (item->participant_id > 0)
    sqlite3_bind_int64 (statement, 3, item->participant_id);
  sqlite3_bind_text (statement, 4, recipient, -1, SQLITE_TRANSIENT);
  cnv_store_bind_nullable_text (statement, 5, item->recipient_name);
  sqlite3_bind_text (statement, 6, item->sender, -1, SQLITE_TRANSIENT);
  cnv_store_bind_nullable_text (statement, 7, item->in_reply_to);
  cnv_store_bind_nullable_text (statement, 8, item->payload);
  sqlite3_bind_text (statement, 9, state, -1, SQLITE_STATIC);
  sqlite3_bind_int (statement, 10, item->attempts);
  sqlite3_bind_int64 (statement, 11, item->next_attempt);
  cnv_store_bind_nullable_text (statement, 12, item->last_error);
  cnv_store_bind_nullable_text (statement, 13, item->message_id);
  sqlite3_bind_int64 (statement, 14, created_at);
  result = sqlite3_step (statement);
  if (result == SQLITE_ROW)
    {
      id = sqlite3_column_int64 (statement, 0);
      result = sqlite3_step (statement);
    }
  sqlite3_finalize (statement);
  if (result != SQLITE_DONE || id == 0)
    return cnv_store_set_sqlite_error (self, error, CNV_STORE_ERROR_FAILED,
                                       "Cannot add to the outbox");

  item->id = id;
  item->created_at = created_at;
  g_free (item->recipient);
  item->recipient = g_steal_pointer (&recipient);
  return TRUE;
}

/**
 * cnv_manager_store_list_due_outbox:
 * @now: Unix seconds
 * @limit: at most this many items (> 0)
 * @items: (out) (transfer full) (element-type CnvOutboxItem): pending items whose next attempt is
 *   reached, oldest first
 */
gboolean
cnv_manager_store_list_due_outbox (CnvManagerStore  *self,
                                   gint64            now,
                                   guint             limit,
                                   GPtrArray       **items,
                                   GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (limit > 0, FALSE);
  g_return_val_if_fail (items != NULL, FALSE);

  statement = cnv_store_prepare (self, "SELECT " OUTBOX_COLUMNS " FROM outbox "
                                       "WHERE state = 'pending' AND next_attempt <= ?1 "
                                       "ORDER BY created_at, id LIMIT ?2;", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, now);
  sqlite3_bind_int64 (statement, 2, limit);
  *items = cnv_store_read_rows (self, statement, read_outbox_item,
                                (GDestroyNotify) cnv_outbox_item_free,
                                "Cannot list the due mail", error);
  return *items != NULL;
}

/**
 * cnv_manager_store_next_outbox_attempt:
 * @when: (out): the earliest next attempt of a pending row (Unix seconds), when @found
 * @found: (out): whether any row is pending
 *
 * When the outbox has something to do next (it may be in the past: due now).
 */
gboolean
cnv_manager_store_next_outbox_attempt (CnvManagerStore  *self,
                                       gint64           *when,
                                       gboolean         *found,
                                       GError          **error)
{
  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (when != NULL && found != NULL, FALSE);

  return cnv_store_min_time (self, "SELECT MIN(next_attempt) FROM outbox WHERE state = 'pending';",
                             when, found, "Cannot find the outbox's next attempt", error);
}

/**
 * cnv_manager_store_list_outbox:
 * @items: (out) (transfer full) (element-type CnvOutboxItem): every item of @session_id,
 *   whatever its state, in the order they were added
 */
gboolean
cnv_manager_store_list_outbox (CnvManagerStore  *self,
                               const char       *session_id,
                               GPtrArray       **items,
                               GError          **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (items != NULL, FALSE);

  statement = cnv_store_prepare (self, "SELECT " OUTBOX_COLUMNS " FROM outbox "
                                       "WHERE session_id = ?1 ORDER BY id;",
                                 error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, session_id, -1, SQLITE_TRANSIENT);
  *items = cnv_store_read_rows (self, statement, read_outbox_item,
                                (GDestroyNotify) cnv_outbox_item_free,
                                "Cannot list the mail of a session", error);
  return *items != NULL;
}

static char *
no_pending_item (gint64 item_id)
{
  return g_strdup_printf ("There is no pending outbox item %" G_GINT64_FORMAT, item_id);
}

/**
 * cnv_manager_store_outbox_sent:
 * @message_id: the Message-ID the mail was sent with, without <>
 * @error: %CNV_STORE_ERROR_INVALID when @item_id is not a pending item
 *
 * Marks a pending item sent; its attempts count this one.
 */
gboolean
cnv_manager_store_outbox_sent (CnvManagerStore  *self,
                               gint64            item_id,
                               const char       *message_id,
                               GError          **error)
{
  g_autofree char *missing = NULL;
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);
  g_return_val_if_fail (message_id != NULL, FALSE);

  if (!cnv_store_check_utf8 (message_id, "Message-ID", error))
    return FALSE;
  statement = cnv_store_prepare (self, "UPDATE outbox SET state = 'sent', message_id = ?2, "
                                       "attempts = attempts + 1 "
                                       "WHERE id = ?1 AND state = 'pending';", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, item_id);
  sqlite3_bind_text (statement, 2, message_id, -1, SQLITE_TRANSIENT);
  missing = no_pending_item (item_id);
  return cnv_store_update_one (self, statement, missing, error);
}

/**
 * cnv_manager_store_outbox_retry:
 * @next_attempt: not before this time (Unix seconds)
 * @last_error: (nullable): why this attempt failed (kept for the report; no secret)
 * @error: %CNV_STORE_ERROR_INVALID when @item_id is not a pending item
 *
 * Counts a failed attempt of a pending item, which stays pending.
 */
gboolean
cnv_manager_store_outbox_retry (CnvManagerStore  *self,
                                gint64            item_id,
                                gint64            next_attempt,
                                const char       *last_error,
                                GError          **error)
{
  g_autofree char *missing = NULL;
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);

  if (!cnv_store_check_utf8 (last_error, "last error", error))
    return FALSE;
  statement = cnv_store_prepare (self, "UPDATE outbox SET next_attempt = ?2, last_error = ?3, "
                                       "attempts = attempts + 1 "
                                       "WHERE id = ?1 AND state = 'pending';", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, item_id);
  sqlite3_bind_int64 (statement, 2, next_attempt);
  cnv_store_bind_nullable_text (statement, 3, last_error);
  missing = no_pending_item (item_id);
  return cnv_store_update_one (self, statement, missing, error);
}

/**
 * cnv_manager_store_outbox_failed:
 * @last_error: (nullable): why it cannot be sent (kept for the report; no secret)
 * @error: %CNV_STORE_ERROR_INVALID when @item_id is not a pending item
 *
 * Gives a pending item up: a permanent failure, or a cancellation before it was sent.
 */
gboolean
cnv_manager_store_outbox_failed (CnvManagerStore  *self,
                                 gint64            item_id,
                                 const char       *last_error,
                                 GError          **error)
{
  g_autofree char *missing = NULL;
  sqlite3_stmt *statement;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (self), FALSE);

  if (!cnv_store_check_utf8 (last_error, "last error", error))
    return FALSE;
  statement = cnv_store_prepare (self, "UPDATE outbox SET state = 'failed', last_error = ?2 "
                                       "WHERE id = ?1 AND state = 'pending';", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, item_id);
  cnv_store_bind_nullable_text (statement, 2, last_error);
  missing = no_pending_item (item_id);
  return cnv_store_update_one (self, statement, missing, error);
}
