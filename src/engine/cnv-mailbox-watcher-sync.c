/* cnv-mailbox-watcher-sync.c — the watcher's position, and the syncs that move it
 *
 * A sync asks for the UIDs beyond the position (`UID SEARCH UID last+1:*`, or the search keys of
 * a catch-up: the unseen messages at the first start, the last rescan-days days after a
 * UIDVALIDITY change), their sizes, then their bodies in batches, and emits each message once,
 * in ascending UID order, moving the position before each ::message. Then the flags the owner
 * asked for are set, and the watcher waits (cnv-mailbox-watcher-connection.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-watcher"

#include "config.h"

#include "cnv-mailbox-watcher-private.h"

#define BATCH_MAX_MESSAGES    50
#define BATCH_MAX_BYTES       (8 * 1024 * 1024)
#define SIZE_BATCH            500

static void fetch_next (CnvMailboxWatcher *self);

/* ---- Position ------------------------------------------------------------------------------ */

static void
set_position (CnvMailboxWatcher *self,
              guint32            uidvalidity,
              guint32            last_uid)
{
  if (self->uidvalidity != uidvalidity)
    {
      self->uidvalidity = uidvalidity;
      g_object_notify_by_pspec (G_OBJECT (self), cnv_mailbox_watcher_properties[PROP_UIDVALIDITY]);
    }
  if (self->last_uid != last_uid)
    {
      self->last_uid = last_uid;
      g_object_notify_by_pspec (G_OBJECT (self), cnv_mailbox_watcher_properties[PROP_LAST_UID]);
    }
}

/**
 * cnv_mailbox_watcher_set_position:
 * @self: a stopped watcher
 * @uidvalidity: the folder's UIDVALIDITY the owner stored, or 0 for none
 * @last_uid: the last UID the owner received (and handled) in that UIDVALIDITY
 *
 * The watcher emits only messages beyond it.
 */
void
cnv_mailbox_watcher_set_position (CnvMailboxWatcher *self,
                                  guint32            uidvalidity,
                                  guint32            last_uid)
{
  g_return_if_fail (CNV_IS_MAILBOX_WATCHER (self));
  g_return_if_fail (!self->running);

  set_position (self, uidvalidity, uidvalidity != 0 ? last_uid : 0);
  self->catch_up_end = 0;
  g_clear_pointer (&self->catch_up_criteria, g_free);
}

guint32
cnv_mailbox_watcher_get_uidvalidity (CnvMailboxWatcher *self)
{
  g_return_val_if_fail (CNV_IS_MAILBOX_WATCHER (self), 0);

  return self->uidvalidity;
}

guint32
cnv_mailbox_watcher_get_last_uid (CnvMailboxWatcher *self)
{
  g_return_val_if_fail (CNV_IS_MAILBOX_WATCHER (self), 0);

  return self->last_uid;
}

/* ---- Flags the owner asked for ------------------------------------------------------------- */

static void store_next (CnvMailboxWatcher *self);

static void
store_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_imap_client_uid_store_finish (CNV_IMAP_CLIENT (source), result, &error))
    {
      if (cnv_mailbox_watcher_is_stale (self, source))
        return;
      if (g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_NO))
        {
          /* The message is gone, or the server refuses the flag: nothing to retry. */
          g_warning ("Could not set a flag in %s: %s", self->folder, error->message);
          cnv_mailbox_watcher_pending_flag_free (g_queue_pop_head (&self->flags));
          store_next (self);
          return;
        }
      cnv_mailbox_watcher_fail (self, error);
      return;
    }
  if (cnv_mailbox_watcher_is_stale (self, source))
    return;
  cnv_mailbox_watcher_pending_flag_free (g_queue_pop_head (&self->flags));
  store_next (self);
}

static void
store_next (CnvMailboxWatcher *self)
{
  PendingFlag *pending;

  /* Flags for another UIDVALIDITY name other messages now: they are dropped with a warning. */
  while ((pending = g_queue_peek_head (&self->flags)) != NULL
         && pending->uidvalidity != self->uidvalidity)
    {
      g_warning ("Not setting %s on UID %u of %s: the folder's UIDVALIDITY changed",
                 pending->flag, pending->uid, self->folder);
      cnv_mailbox_watcher_pending_flag_free (g_queue_pop_head (&self->flags));
    }

  if (pending == NULL)
    {
      /* EXISTS (or check_now()) during the sync: the server will not say it again. */
      if (self->exists_grew || self->check_requested)
        cnv_mailbox_watcher_sync_new (self);
      else
        cnv_mailbox_watcher_wait_for_news (self);
      return;
    }
  {
    g_autofree char *uid = g_strdup_printf ("%u", pending->uid);
    const char *flags[] = { pending->flag, NULL };

    cnv_imap_client_uid_store_async (self->client, uid, TRUE, flags, self->cancellable,
                                     store_done_cb, g_object_ref (self));
  }
}

/* ---- Syncing ------------------------------------------------------------------------------- */

static void
sync_done (CnvMailboxWatcher *self)
{
  /* After a catch-up sync (the unseen messages, or a rescan since a date) the position moves to
   * the end of the folder as SELECT saw it: the messages left out were left out on purpose, and
   * those that came after SELECT have higher UIDs. */
  if (self->catch_up_end > self->last_uid)
    set_position (self, self->uidvalidity, self->catch_up_end);
  self->catch_up_end = 0;
  g_clear_pointer (&self->catch_up_criteria, g_free);
  g_clear_pointer (&self->to_fetch, g_array_unref);
  g_clear_pointer (&self->sizes, g_hash_table_unref);
  self->attempts = 0;
  if (self->last_error != NULL)
    {
      g_clear_error (&self->last_error);
      g_object_notify_by_pspec (G_OBJECT (self), cnv_mailbox_watcher_properties[PROP_LAST_ERROR]);
    }
  g_signal_emit (self, cnv_mailbox_watcher_signals[SYNCED], 0);
  if (!self->running || self->client == NULL)
    return;   /* the owner stopped it from ::synced */
  store_next (self);
}

/* A compact UID set: "3,5:9,12". */
static char *
format_uid_set (const guint32 *uids,
                guint          count)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < count;)
    {
      guint j = i;

      while (j + 1 < count && uids[j + 1] == uids[j] + 1)
        j++;
      if (out->len > 0)
        g_string_append_c (out, ',');
      if (j > i)
        g_string_append_printf (out, "%u:%u", uids[i], uids[j]);
      else
        g_string_append_printf (out, "%u", uids[i]);
      i = j + 1;
    }
  return g_string_free (out, FALSE);
}

/* The answer of a FETCH or SEARCH the sync sent, or NULL: the run is over (stale) or the
 * command failed (the watcher then fails and reconnects). */
static GPtrArray *
take_messages (CnvMailboxWatcher *self,
               GObject           *source,
               GAsyncResult      *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = cnv_imap_client_uid_fetch_finish (CNV_IMAP_CLIENT (source),
                                                                    result, &error);

  if (cnv_mailbox_watcher_is_stale (self, source))
    return NULL;
  if (messages == NULL)
    cnv_mailbox_watcher_fail (self, error);
  return g_steal_pointer (&messages);
}

static GArray *
take_uids (CnvMailboxWatcher *self,
           GObject           *source,
           GAsyncResult      *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uids = cnv_imap_client_uid_search_finish (CNV_IMAP_CLIENT (source),
                                                              result, &error);

  if (cnv_mailbox_watcher_is_stale (self, source))
    return NULL;
  if (uids == NULL)
    cnv_mailbox_watcher_fail (self, error);
  return g_steal_pointer (&uids);
}

static void
bodies_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GPtrArray) messages = take_messages (self, source, result);
  guint32 batch_last;

  if (messages == NULL)
    return;

  batch_last = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (source), "cnv-batch-last"));
  /* A ::message handler may stop the watcher, or stop and start it (a new connection): then the
   * rest of this batch belongs to a run that is over. */
  for (guint i = 0; i < messages->len && !cnv_mailbox_watcher_is_stale (self, source); i++)
    {
      CnvImapMessage *message = g_ptr_array_index (messages, i);

      if (message->uid <= self->last_uid)
        continue;
      /* The position moves first: a handler that stops and restarts the watcher (or stores
       * the position) sees it past this message. */
      set_position (self, self->uidvalidity, message->uid);
      g_signal_emit (self, cnv_mailbox_watcher_signals[MESSAGE], 0, self->uidvalidity, message->uid,
                     message->body, (guint64) g_bytes_get_size (message->body));
    }
  if (cnv_mailbox_watcher_is_stale (self, source))
    return;
  /* Messages of the batch that did not come were expunged meanwhile: they are passed. */
  if (batch_last > self->last_uid)
    set_position (self, self->uidvalidity, batch_last);
  fetch_next (self);
}

/* Emits the next messages of @to_fetch: too big ones at once (no body), then a batch of bodies. */
static void
fetch_next (CnvMailboxWatcher *self)
{
  GArray *batch = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint64 batch_bytes = 0;
  guint taken = 0;

  while (taken < self->to_fetch->len && batch->len < BATCH_MAX_MESSAGES)
    {
      guint32 uid = g_array_index (self->to_fetch, guint32, taken);
      gpointer size_ptr;
      guint64 size;

      if (!g_hash_table_lookup_extended (self->sizes, GUINT_TO_POINTER (uid), NULL, &size_ptr))
        {
          taken++;      /* expunged since the search */
          continue;
        }
      size = *(guint64 *) size_ptr;
      if (size > self->max_message_size)
        {
          if (batch->len > 0)
            break;      /* order: the batch before goes first */
          taken++;
          g_message ("UID %u of %s is %" G_GUINT64_FORMAT " bytes, over the limit: not downloaded",
                     uid, self->folder, size);
          {
            guint generation = self->generation;

            set_position (self, self->uidvalidity, uid);
            g_signal_emit (self, cnv_mailbox_watcher_signals[MESSAGE], 0, self->uidvalidity, uid,
                           NULL, size);
            if (!self->running || self->generation != generation)
              {
                g_array_unref (batch);
                return;
              }
          }
          continue;
        }
      if (batch->len > 0 && batch_bytes + size > BATCH_MAX_BYTES)
        break;
      g_array_append_val (batch, uid);
      batch_bytes += size;
      taken++;
    }
  g_array_remove_range (self->to_fetch, 0, taken);

  if (batch->len == 0)
    {
      g_array_unref (batch);
      if (self->to_fetch->len == 0)
        sync_done (self);
      else
        fetch_next (self);
      return;
    }

  {
    g_autofree char *set = format_uid_set (&g_array_index (batch, guint32, 0), batch->len);

    g_object_set_data (G_OBJECT (self->client), "cnv-batch-last",
                       GUINT_TO_POINTER (g_array_index (batch, guint32, batch->len - 1)));
    cnv_imap_client_uid_fetch_async (self->client, set, CNV_IMAP_FETCH_BODY, self->cancellable,
                                     bodies_done_cb, g_object_ref (self));
  }
  g_array_unref (batch);
}

static void fetch_sizes (CnvMailboxWatcher *self, guint from);

static void
sizes_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GPtrArray) messages = take_messages (self, source, result);
  guint from;

  if (messages == NULL)
    return;
  for (guint i = 0; i < messages->len; i++)
    {
      CnvImapMessage *message = g_ptr_array_index (messages, i);

      g_hash_table_insert (self->sizes, GUINT_TO_POINTER (message->uid),
                           g_memdup2 (&message->size, sizeof message->size));
    }
  from = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (source), "cnv-sizes-next"));
  if (from < self->to_fetch->len)
    fetch_sizes (self, from);
  else
    fetch_next (self);
}

/* Sizes first (RFC822.SIZE): a message over max-message-size is reported, never downloaded. */
static void
fetch_sizes (CnvMailboxWatcher *self,
             guint              from)
{
  guint count = MIN (self->to_fetch->len - from, SIZE_BATCH);
  g_autofree char *set = NULL;

  if (self->sizes == NULL)
    self->sizes = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  if (count == 0)
    {
      sync_done (self);
      return;
    }
  set = format_uid_set (&g_array_index (self->to_fetch, guint32, from), count);
  g_object_set_data (G_OBJECT (self->client), "cnv-sizes-next", GUINT_TO_POINTER (from + count));
  cnv_imap_client_uid_fetch_async (self->client, set, CNV_IMAP_FETCH_SIZE, self->cancellable,
                                   sizes_done_cb, g_object_ref (self));
}

static void
fetch_uids (CnvMailboxWatcher *self,
            GArray            *uids)
{
  /* Only what lies beyond the position, ascending (the search result is sorted). */
  g_clear_pointer (&self->to_fetch, g_array_unref);
  self->to_fetch = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < uids->len; i++)
    {
      guint32 uid = g_array_index (uids, guint32, i);

      if (uid > self->last_uid)
        g_array_append_val (self->to_fetch, uid);
    }
  g_clear_pointer (&self->sizes, g_hash_table_unref);
  fetch_sizes (self, 0);
}

static void
search_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GArray) uids = take_uids (self, source, result);

  if (uids == NULL)
    return;
  fetch_uids (self, uids);
}

void
cnv_mailbox_watcher_sync_new (CnvMailboxWatcher *self)
{
  g_autofree char *criteria = NULL;

  self->exists_grew = FALSE;
  self->check_requested = FALSE;
  /* RFC 9051 §6.4.4: `UID n:*` also matches the highest UID when it is below n: fetch_uids()
   * keeps only UIDs beyond the position. */
  criteria = g_strdup_printf ("UID %u:*", self->last_uid + 1);
  cnv_imap_client_uid_search_async (self->client, criteria, self->cancellable,
                                    search_done_cb, g_object_ref (self));
}

/* START_NEW without UIDNEXT: the highest UID (the `UID *` quirk) is the position; nothing is
 * downloaded. */
static void
highest_uid_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GArray) uids = take_uids (self, source, result);

  if (uids == NULL)
    return;
  if (uids->len > 0)
    set_position (self, self->uidvalidity, g_array_index (uids, guint32, uids->len - 1));
  sync_done (self);
}

/* After SELECT: where the position stands against the folder decides what to fetch. */
void
cnv_mailbox_watcher_sync_after_select (CnvMailboxWatcher    *self,
                                       const CnvImapMailbox *mailbox)
{
  self->known_exists = mailbox->exists;
  self->uidnext = mailbox->uidnext;

  if (self->uidvalidity == 0)
    {
      /* No position: the first sync of this folder. */
      set_position (self, mailbox->uidvalidity, 0);
      if (self->start == CNV_MAILBOX_WATCHER_START_UNSEEN)
        {
          self->catch_up_end = mailbox->uidnext > 0 ? mailbox->uidnext - 1 : 0;
          self->catch_up_criteria = g_strdup ("UNSEEN");
          cnv_imap_client_uid_search_async (self->client, "UNSEEN", self->cancellable,
                                            search_done_cb, g_object_ref (self));
          return;
        }
      if (mailbox->uidnext > 0)
        {
          /* Nothing is downloaded: the position moves to the end of the folder. */
          set_position (self, mailbox->uidvalidity, mailbox->uidnext - 1);
          sync_done (self);
          return;
        }
      /* No UIDNEXT (allowed before RFC 9051): the highest UID, from the search quirk. */
      cnv_imap_client_uid_search_async (self->client, "UID *", self->cancellable,
                                        highest_uid_cb, g_object_ref (self));
      return;
    }

  if (self->uidvalidity != mailbox->uidvalidity)
    {
      GDateTime *now = g_date_time_new_now_utc ();
      GDateTime *since = g_date_time_add_days (now, -(gint) self->rescan_days);
      g_autofree char *criteria = NULL;
      static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
      guint32 old = self->uidvalidity;

      g_message ("UIDVALIDITY of %s changed from %u to %u: messages of the last %u days are "
                 "emitted again", self->folder, old, mailbox->uidvalidity, self->rescan_days);
      set_position (self, mailbox->uidvalidity, 0);
      self->catch_up_end = mailbox->uidnext > 0 ? mailbox->uidnext - 1 : 0;
      g_signal_emit (self, cnv_mailbox_watcher_signals[UIDVALIDITY_CHANGED], 0, old,
                     mailbox->uidvalidity);
      /* RFC 9051 §6.4.4: SINCE takes a date in English month names, whatever the locale. */
      criteria = g_strdup_printf ("SINCE %d-%s-%d", g_date_time_get_day_of_month (since),
                                  months[g_date_time_get_month (since) - 1],
                                  g_date_time_get_year (since));
      g_date_time_unref (since);
      g_date_time_unref (now);
      if (!self->running || self->client == NULL)
        return;
      g_free (self->catch_up_criteria);
      self->catch_up_criteria = g_strdup (criteria);
      cnv_imap_client_uid_search_async (self->client, criteria, self->cancellable,
                                        search_done_cb, g_object_ref (self));
      return;
    }

  if (self->catch_up_criteria != NULL)
    {
      /* A catch-up the connection dropped in the middle of: it goes on from the position. */
      g_autofree char *criteria = g_strdup_printf ("UID %u:* %s", self->last_uid + 1,
                                                   self->catch_up_criteria);

      cnv_imap_client_uid_search_async (self->client, criteria, self->cancellable,
                                        search_done_cb, g_object_ref (self));
      return;
    }

  if (mailbox->uidnext > 0 && mailbox->uidnext <= self->last_uid + 1)
    {
      /* Nothing new since the position: not even a search. */
      sync_done (self);
      return;
    }
  cnv_mailbox_watcher_sync_new (self);
}
