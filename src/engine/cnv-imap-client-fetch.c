/* cnv-imap-client-fetch.c — reading messages: UID SEARCH and UID FETCH
 *
 * UID SEARCH returns UIDs, sorted and without duplicates. UID FETCH asks for flags, sizes,
 * headers and bodies with BODY.PEEK (never sets \Seen, RFC 9051 §6.4.5) and keeps only the
 * answers to the UIDs asked for: servers also report other clients' flag changes as FETCH.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include <string.h>

#include "cnv-imap-client-private.h"

/* Whether @uid is in the sequence set @set (already checked by
 * cnv_imap_client_is_sequence_set()). `*` stands for the largest UID: as a bound it matches every
 * UID beyond the other one (RFC 9051 §9). */
static gboolean
uid_in_set (const char *set,
            guint32     uid)
{
  g_auto(GStrv) items = g_strsplit (set, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      char *colon = strchr (items[i], ':');
      guint64 low, high;

      if (colon == NULL)
        {
          if (g_str_equal (items[i], "*") || g_ascii_strtoull (items[i], NULL, 10) == uid)
            return TRUE;
          continue;
        }
      *colon = '\0';
      low = g_str_equal (items[i], "*") ? G_MAXUINT64 : g_ascii_strtoull (items[i], NULL, 10);
      high = g_str_equal (colon + 1, "*") ? G_MAXUINT64 : g_ascii_strtoull (colon + 1, NULL, 10);
      if (low > high)
        {
          guint64 swap = low;

          low = high;
          high = swap;
        }
      if (uid >= low && uid <= high)
        return TRUE;
    }
  return FALSE;
}

/* ---- UID SEARCH ---------------------------------------------------------------------------- */

static gint
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static void
search_done (CnvImapClient   *self,
             CnvImapCommand  *command,
             CnvImapResponse *tagged)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; i < command->untagged->len; i++)
    {
      CnvImapResponse *response = g_ptr_array_index (command->untagged, i);

      if (g_strcmp0 (response->name, "SEARCH") != 0 || response->has_number)
        continue;
      for (guint j = 0; j < response->args->len; j++)
        {
          guint64 number;

          if (cnv_imap_value_get_number (g_ptr_array_index (response->args, j), &number)
              && number > 0 && number <= G_MAXUINT32)
            {
              guint32 uid = (guint32) number;

              g_array_append_val (uids, uid);
            }
        }
    }
  g_array_sort (uids, compare_uid);
  /* Drop duplicates (several SEARCH responses may repeat a UID). */
  for (guint i = 1; i < uids->len;)
    {
      if (g_array_index (uids, guint32, i) == g_array_index (uids, guint32, i - 1))
        g_array_remove_index (uids, i);
      else
        i++;
    }
  g_task_return_pointer (command->task, uids, (GDestroyNotify) g_array_unref);
  g_clear_object (&command->task);
}

/**
 * cnv_imap_client_uid_search_async:
 * @self: a client with a selected mailbox
 * @criteria: search keys (RFC 9051 §6.4.4) in ASCII: `UID 120:*`, `UNSEEN`
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * The result is the UIDs, ascending, without duplicates. Beware `UID n:*`: it always matches
 * the highest UID, even below n (RFC 9051 §6.4.8): the caller filters.
 */
void
cnv_imap_client_uid_search_async (CnvImapClient       *self,
                                  const char          *criteria,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CnvImapCommand *command;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));
  g_return_if_fail (criteria != NULL);

  task = cnv_imap_client_new_task (self, cancellable, callback, user_data,
                                   cnv_imap_client_uid_search_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  for (const char *p = criteria; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f || *p == '{')
      {
        cnv_imap_client_return_invalid (task,
                                        "search criteria must be printable ASCII without literals");
        return;
      }
  command = cnv_imap_command_new (g_steal_pointer (&task), "UID SEARCH");
  cnv_imap_command_append (command, "UID SEARCH ");
  cnv_imap_command_append (command, criteria);
  command->done = search_done;
  cnv_imap_client_submit (self, command);
}

/**
 * cnv_imap_client_uid_search_finish:
 *
 * Returns: (transfer full) (element-type guint32): the UIDs found, ascending
 */
GArray *
cnv_imap_client_uid_search_finish (CnvImapClient  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- UID FETCH ----------------------------------------------------------------------------- */

void
cnv_imap_message_free (CnvImapMessage *message)
{
  if (message == NULL)
    return;
  g_strfreev (message->flags);
  g_clear_pointer (&message->header, g_bytes_unref);
  g_clear_pointer (&message->body, g_bytes_unref);
  g_free (message);
}

gboolean
cnv_imap_message_has_flag (const CnvImapMessage *message,
                           const char           *flag)
{
  g_return_val_if_fail (message != NULL, FALSE);

  for (guint i = 0; message->flags != NULL && message->flags[i] != NULL; i++)
    if (g_ascii_strcasecmp (message->flags[i], flag) == 0)
      return TRUE;
  return FALSE;
}

static gint
compare_message (gconstpointer a,
                 gconstpointer b)
{
  const CnvImapMessage *x = *(CnvImapMessage * const *) a;
  const CnvImapMessage *y = *(CnvImapMessage * const *) b;

  return x->uid < y->uid ? -1 : x->uid > y->uid;
}

typedef struct
{
  CnvImapFetchFlags  what;
  char              *uid_set;
} FetchData;

static void
fetch_data_free (gpointer data)
{
  FetchData *fetch = data;

  g_free (fetch->uid_set);
  g_free (fetch);
}

static void
fetch_done (CnvImapClient   *self,
            CnvImapCommand  *command,
            CnvImapResponse *tagged)
{
  FetchData *fetch = command->data;
  CnvImapFetchFlags what = fetch->what;
  g_autoptr(GHashTable) by_uid = g_hash_table_new (NULL, NULL);
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_imap_message_free);

  for (guint i = 0; i < command->untagged->len; i++)
    {
      CnvImapResponse *response = g_ptr_array_index (command->untagged, i);
      const CnvImapValue *value;
      CnvImapMessage *message;
      guint64 uid;

      if (g_strcmp0 (response->name, "FETCH") != 0)
        continue;
      /* RFC 9051 §6.4.9: UID FETCH responses carry the UID. An unsolicited FETCH (a flag
       * change by another client) may not: it is not an answer. */
      if (!cnv_imap_value_get_number (cnv_imap_response_get_fetch_item (response, "UID"), &uid)
          || uid == 0 || uid > G_MAXUINT32)
        continue;
      /* Dovecot reports other clients' flag changes during UID commands with their UID: a
       * message outside the requested set is not an answer either. */
      if (!uid_in_set (fetch->uid_set, (guint32) uid))
        continue;

      message = g_hash_table_lookup (by_uid, GUINT_TO_POINTER ((guint) uid));
      if (message == NULL)
        {
          message = g_new0 (CnvImapMessage, 1);
          message->uid = (guint32) uid;
          g_ptr_array_add (messages, message);
          g_hash_table_insert (by_uid, GUINT_TO_POINTER ((guint) uid), message);
        }
      message->sequence = response->number;

      value = cnv_imap_response_get_fetch_item (response, "FLAGS");
      if (value != NULL && value->kind == CNV_IMAP_VALUE_LIST)
        {
          GPtrArray *flags = g_ptr_array_new ();

          for (guint j = 0; j < value->items->len; j++)
            {
              const char *flag = cnv_imap_value_get_atom (g_ptr_array_index (value->items, j));

              if (flag != NULL)
                g_ptr_array_add (flags, g_strdup (flag));
            }
          g_ptr_array_add (flags, NULL);
          g_strfreev (message->flags);
          message->flags = (char **) g_ptr_array_free (flags, FALSE);
        }
      cnv_imap_value_get_number (cnv_imap_response_get_fetch_item (response, "RFC822.SIZE"),
                                 &message->size);
      value = cnv_imap_response_get_fetch_item (response, "BODY[HEADER]");
      if (value != NULL && value->kind == CNV_IMAP_VALUE_STRING)
        {
          g_clear_pointer (&message->header, g_bytes_unref);
          message->header = g_bytes_ref (value->bytes);
        }
      value = cnv_imap_response_get_fetch_item (response, "BODY[]");
      if (value != NULL && value->kind == CNV_IMAP_VALUE_STRING)
        {
          g_clear_pointer (&message->body, g_bytes_unref);
          message->body = g_bytes_ref (value->bytes);
        }
    }

  /* A message whose requested content never came was expunged meanwhile (RFC 9051 §6.4.5
   * lets the server omit it) or is not in the answer: it is left out, not half-filled. */
  for (guint i = 0; i < messages->len;)
    {
      CnvImapMessage *message = g_ptr_array_index (messages, i);

      if (((what & CNV_IMAP_FETCH_BODY) && message->body == NULL)
          || ((what & CNV_IMAP_FETCH_HEADER) && message->header == NULL))
        g_ptr_array_remove_index (messages, i);
      else
        i++;
    }
  g_ptr_array_sort (messages, compare_message);
  g_task_return_pointer (command->task, messages,
                         (GDestroyNotify) g_ptr_array_unref);
  g_clear_object (&command->task);
}

/**
 * cnv_imap_client_uid_fetch_async:
 * @self: a client with a selected mailbox
 * @uid_set: UIDs (`42`, `40:45`, `7,9,12`, `120:*`)
 * @what: what to fetch besides the UID; header and body use BODY.PEEK: \Seen is not set
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 */
void
cnv_imap_client_uid_fetch_async (CnvImapClient       *self,
                                 const char          *uid_set,
                                 CnvImapFetchFlags    what,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CnvImapCommand *command;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  task = cnv_imap_client_new_task (self, cancellable, callback, user_data,
                                   cnv_imap_client_uid_fetch_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  if (!cnv_imap_client_is_sequence_set (uid_set))
    {
      cnv_imap_client_return_invalid (task, "the UID set");
      return;
    }
  command = cnv_imap_command_new (g_steal_pointer (&task), "UID FETCH");
  cnv_imap_command_append (command, "UID FETCH ");
  cnv_imap_command_append (command, uid_set);
  cnv_imap_command_append (command, " (UID");
  if (what & CNV_IMAP_FETCH_FLAGS)
    cnv_imap_command_append (command, " FLAGS");
  if (what & CNV_IMAP_FETCH_SIZE)
    cnv_imap_command_append (command, " RFC822.SIZE");
  if (what & CNV_IMAP_FETCH_HEADER)
    cnv_imap_command_append (command, " BODY.PEEK[HEADER]");
  if (what & CNV_IMAP_FETCH_BODY)
    cnv_imap_command_append (command, " BODY.PEEK[]");
  cnv_imap_command_append (command, ")");
  {
    FetchData *fetch = g_new0 (FetchData, 1);

    fetch->what = what;
    fetch->uid_set = g_strdup (uid_set);
    command->data = fetch;
    command->data_free = fetch_data_free;
  }
  command->done = fetch_done;
  cnv_imap_client_submit (self, command);
}

/**
 * cnv_imap_client_uid_fetch_finish:
 *
 * Returns: (transfer full) (element-type CnvImapMessage): the messages, by ascending UID
 */
GPtrArray *
cnv_imap_client_uid_fetch_finish (CnvImapClient  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
