/* cnv-mailbox-watcher.c — every new message of one IMAP folder, exactly once, in UID order
 *
 * The watcher owns one IMAP connection and runs this loop on it:
 *
 *   connect → log in → SELECT (or EXAMINE) → sync → wait (IDLE, or NOOP every poll-interval) → sync …
 *
 * Its position in the folder is (UIDVALIDITY, last UID emitted). A sync asks only for what lies
 * beyond: `UID SEARCH UID last+1:*`, sizes, then bodies with BODY.PEEK[] in batches, and emits
 * each message once, in ascending UID order, advancing the position after each. The owner
 * stores the position with what it did with the message (the manager in the same transaction)
 * and passes it back at the next start: nothing is emitted twice and nothing is skipped, across
 * reconnects and restarts. The cost of a wait does not grow with the folder: an idle poll is a
 * NOOP, and the search runs only when the server reported EXISTS growing.
 *
 * A UIDVALIDITY change (RFC 9051 §2.3.1.1: every UID may now name another message) is reported
 * with ::uidvalidity-changed, and the folder's messages of the last rescan-days days are emitted
 * again: the owner recognises those it already handled by Message-ID.
 *
 * Flags are never changed unless the owner asks (cnv_mailbox_watcher_add_flag()); in read-only
 * mode the folder is opened with EXAMINE and even \Recent stays.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-watcher"

#include "config.h"

#include <string.h>

#include "cnv-imap-client.h"
#include "cnv-mailbox-watcher.h"

#define BACKOFF_MAX_SECONDS   300
#define BATCH_MAX_MESSAGES    50
#define BATCH_MAX_BYTES       (8 * 1024 * 1024)
#define SIZE_BATCH            500

G_DEFINE_ENUM_TYPE (CnvMailboxWatcherStatus, cnv_mailbox_watcher_status,
  G_DEFINE_ENUM_VALUE (CNV_MAILBOX_WATCHER_STATUS_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (CNV_MAILBOX_WATCHER_STATUS_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING, "idle-watching"),
  G_DEFINE_ENUM_VALUE (CNV_MAILBOX_WATCHER_STATUS_POLLING, "polling"),
  G_DEFINE_ENUM_VALUE (CNV_MAILBOX_WATCHER_STATUS_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (CNV_MAILBOX_WATCHER_STATUS_AUTH_FAILED, "auth-failed"),
  G_DEFINE_ENUM_VALUE (CNV_MAILBOX_WATCHER_STATUS_TLS_FAILED, "tls-failed"),
  G_DEFINE_ENUM_VALUE (CNV_MAILBOX_WATCHER_STATUS_FAILED, "failed"))

G_DEFINE_ENUM_TYPE (CnvMailboxWatcherStart, cnv_mailbox_watcher_start,
  G_DEFINE_ENUM_VALUE (CNV_MAILBOX_WATCHER_START_NEW, "new"),
  G_DEFINE_ENUM_VALUE (CNV_MAILBOX_WATCHER_START_UNSEEN, "unseen"))

typedef struct
{
  guint32  uidvalidity;
  guint32  uid;
  char    *flag;
} PendingFlag;

struct _CnvMailboxWatcher
{
  GObject                  parent_instance;

  /* Owned */
  CnvMailServer           *server;
  CnvCredentials          *credentials;
  char                    *folder;
  CnvImapClient           *client;
  GCancellable            *cancellable;   /* this run: cancelled by stop() */
  GError                  *last_error;
  GArray                  *to_fetch;      /* guint32 UIDs of the sync in progress */
  GHashTable              *sizes;         /* UID → size, of the sync in progress */
  GQueue                   flags;         /* PendingFlag */

  CnvMailboxWatcherStatus  status;
  CnvMailboxWatcherStart   start;
  gboolean                 read_only;
  gboolean                 use_idle;
  guint                    poll_interval;
  guint                    idle_restart;
  guint                    rescan_days;
  guint64                  max_message_size;

  guint32                  uidvalidity;
  guint32                  last_uid;
  guint32                  uidnext;       /* from the last SELECT */
  guint32                  catch_up_end;  /* a catch-up sync (unseen, rescan) ends here */
  char                    *catch_up_criteria;  /* its search keys, kept until it ends */
  guint32                  known_exists;
  gboolean                 exists_grew;
  gboolean                 check_requested;
  gboolean                 running;
  gboolean                 waiting;       /* in IDLE or between polls */
  guint                    attempts;
  guint                    retry_id;
  guint                    poll_id;
  guint64                  checks;
  guint                    generation;    /* changes whenever a connection is dropped */
  guint64                  traffic_received;  /* of connections already closed */
  guint64                  traffic_sent;
};

G_DEFINE_FINAL_TYPE (CnvMailboxWatcher, cnv_mailbox_watcher, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATUS,
  PROP_LAST_ERROR,
  PROP_READ_ONLY,
  PROP_USE_IDLE,
  PROP_POLL_INTERVAL,
  PROP_IDLE_RESTART,
  PROP_START,
  PROP_MAX_MESSAGE_SIZE,
  PROP_RESCAN_DAYS,
  PROP_UIDVALIDITY,
  PROP_LAST_UID,
  PROP_CHECKS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  MESSAGE,
  UIDVALIDITY_CHANGED,
  SYNCED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void run_connect  (CnvMailboxWatcher *self);
static void sync_new     (CnvMailboxWatcher *self);
static void fetch_next   (CnvMailboxWatcher *self);
static void wait_for_news (CnvMailboxWatcher *self);

static void
pending_flag_free (PendingFlag *pending)
{
  g_free (pending->flag);
  g_free (pending);
}

static void
set_status (CnvMailboxWatcher       *self,
            CnvMailboxWatcherStatus  status)
{
  if (self->status == status)
    return;
  g_debug ("%s %s: %s", self->server->user != NULL ? self->server->user : "", self->folder,
           cnv_mailbox_watcher_status_to_string (status));
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static void
set_position (CnvMailboxWatcher *self,
              guint32            uidvalidity,
              guint32            last_uid)
{
  if (self->uidvalidity != uidvalidity)
    {
      self->uidvalidity = uidvalidity;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UIDVALIDITY]);
    }
  if (self->last_uid != last_uid)
    {
      self->last_uid = last_uid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_UID]);
    }
}

/* A stale callback: the connection it belongs to was dropped, or the watcher was stopped. */
static gboolean
is_stale (CnvMailboxWatcher *self,
          GObject           *source)
{
  return !self->running || self->client == NULL || (GObject *) self->client != source;
}

static void
drop_client (CnvMailboxWatcher *self)
{
  self->generation++;
  g_clear_handle_id (&self->poll_id, g_source_remove);
  self->waiting = FALSE;
  if (self->client == NULL)
    return;
  self->traffic_received += cnv_imap_client_get_bytes_received (self->client);
  self->traffic_sent += cnv_imap_client_get_bytes_sent (self->client);
  g_signal_handlers_disconnect_by_data (self->client, self);
  cnv_imap_client_close (self->client);
  g_clear_object (&self->client);
}

static gboolean
retry_cb (gpointer user_data)
{
  CnvMailboxWatcher *self = user_data;

  self->retry_id = 0;
  if (self->running)
    run_connect (self);
  return G_SOURCE_REMOVE;
}

/* Every failure of the loop ends here: the connection is dropped and, unless the failure needs
 * a person (credentials, certificate), a new one is tried later. */
static void
fail (CnvMailboxWatcher *self,
      const GError      *error)
{
  CnvMailboxWatcherStatus status;
  guint delay;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->running)
    return;

  drop_client (self);
  g_clear_error (&self->last_error);
  self->last_error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
  g_clear_pointer (&self->to_fetch, g_array_unref);
  g_clear_pointer (&self->sizes, g_hash_table_unref);

  if (error->domain == CNV_CREDENTIALS_ERROR
      || g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_AUTH))
    status = CNV_MAILBOX_WATCHER_STATUS_AUTH_FAILED;
  else if (g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_TLS)
           || g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_UNSUPPORTED))
    status = CNV_MAILBOX_WATCHER_STATUS_TLS_FAILED;
  else if (g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CONNECTION)
           || g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_BYE)
           || g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_CLOSED))
    status = CNV_MAILBOX_WATCHER_STATUS_OFFLINE;
  else
    status = CNV_MAILBOX_WATCHER_STATUS_FAILED;

  g_message ("%s on %s: %s", self->folder, self->server->host, error->message);
  set_status (self, status);
  if (!self->running)
    return;   /* stopped from a notify::status handler */

  if (status == CNV_MAILBOX_WATCHER_STATUS_AUTH_FAILED
      || status == CNV_MAILBOX_WATCHER_STATUS_TLS_FAILED)
    return;

  delay = status == CNV_MAILBOX_WATCHER_STATUS_FAILED ? BACKOFF_MAX_SECONDS
                                                      : MIN (1u << MIN (self->attempts, 9), BACKOFF_MAX_SECONDS);
  self->attempts++;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_id = g_timeout_add_seconds (delay, retry_cb, self);
}

/* ---- Waiting for news ---------------------------------------------------------------------- */

static void
exists_cb (CnvImapClient     *client,
           guint              count,
           CnvMailboxWatcher *self)
{
  if (count > self->known_exists)
    self->exists_grew = TRUE;
  self->known_exists = count;
}

static void
expunged_cb (CnvImapClient     *client,
             guint              sequence,
             CnvMailboxWatcher *self)
{
  if (self->known_exists > 0)
    self->known_exists--;
}

static void
closed_cb (CnvImapClient     *client,
           const GError      *error,
           CnvMailboxWatcher *self)
{
  /* Between polls no command is waiting to report the drop: this does. */
  if (self->client == client && self->poll_id != 0)
    fail (self, error);
}

static void
after_wait (CnvMailboxWatcher *self)
{
  self->waiting = FALSE;
  self->checks++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECKS]);
  if (self->exists_grew || self->check_requested || !g_queue_is_empty (&self->flags))
    sync_new (self);
  else
    wait_for_news (self);
}

static void
idle_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_imap_client_idle_finish (CNV_IMAP_CLIENT (source), result, NULL, &error))
    {
      if (!is_stale (self, source))
        fail (self, error);
      return;
    }
  if (is_stale (self, source))
    return;
  after_wait (self);
}

static void
noop_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_imap_client_noop_finish (CNV_IMAP_CLIENT (source), result, &error))
    {
      if (!is_stale (self, source))
        fail (self, error);
      return;
    }
  if (is_stale (self, source))
    return;
  after_wait (self);
}

static gboolean
poll_cb (gpointer user_data)
{
  CnvMailboxWatcher *self = user_data;

  self->poll_id = 0;
  /* NOOP (RFC 9051 §6.1.2) lets the server report EXISTS; its cost does not depend on the size
   * of the folder. */
  cnv_imap_client_noop_async (self->client, self->cancellable, noop_done_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
wait_for_news (CnvMailboxWatcher *self)
{
  self->waiting = TRUE;
  if (self->use_idle && cnv_imap_client_has_capability (self->client, "IDLE"))
    {
      set_status (self, CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING);
      cnv_imap_client_idle_async (self->client, self->idle_restart, self->cancellable,
                                  idle_done_cb, g_object_ref (self));
      return;
    }
  set_status (self, CNV_MAILBOX_WATCHER_STATUS_POLLING);
  self->poll_id = g_timeout_add_seconds (MAX (self->poll_interval, 1), poll_cb, self);
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
      if (is_stale (self, source))
        return;
      if (g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_NO))
        {
          /* The message is gone, or the server refuses the flag: nothing to retry. */
          g_warning ("Could not set a flag in %s: %s", self->folder, error->message);
          pending_flag_free (g_queue_pop_head (&self->flags));
          store_next (self);
          return;
        }
      fail (self, error);
      return;
    }
  if (is_stale (self, source))
    return;
  pending_flag_free (g_queue_pop_head (&self->flags));
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
      pending_flag_free (g_queue_pop_head (&self->flags));
    }

  if (pending == NULL)
    {
      /* EXISTS (or check_now()) during the sync: the server will not say it again. */
      if (self->exists_grew || self->check_requested)
        sync_new (self);
      else
        wait_for_news (self);
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
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
    }
  g_signal_emit (self, signals[SYNCED], 0);
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

static void
bodies_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  guint32 batch_last;

  messages = cnv_imap_client_uid_fetch_finish (CNV_IMAP_CLIENT (source), result, &error);
  if (is_stale (self, source))
    return;
  if (messages == NULL)
    {
      fail (self, error);
      return;
    }

  batch_last = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (source), "cnv-batch-last"));
  /* A ::message handler may stop the watcher, or stop and start it (a new connection): then the
   * rest of this batch belongs to a run that is over. */
  for (guint i = 0; i < messages->len && !is_stale (self, source); i++)
    {
      CnvImapMessage *message = g_ptr_array_index (messages, i);

      if (message->uid <= self->last_uid)
        continue;
      /* The position moves first: a handler that stops and restarts the watcher (or stores
       * the position) sees it past this message. */
      set_position (self, self->uidvalidity, message->uid);
      g_signal_emit (self, signals[MESSAGE], 0, self->uidvalidity, message->uid, message->body,
                     (guint64) g_bytes_get_size (message->body));
    }
  if (is_stale (self, source))
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
            g_signal_emit (self, signals[MESSAGE], 0, self->uidvalidity, uid, NULL, size);
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
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  guint from;

  messages = cnv_imap_client_uid_fetch_finish (CNV_IMAP_CLIENT (source), result, &error);
  if (is_stale (self, source))
    return;
  if (messages == NULL)
    {
      fail (self, error);
      return;
    }
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
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uids = NULL;

  uids = cnv_imap_client_uid_search_finish (CNV_IMAP_CLIENT (source), result, &error);
  if (is_stale (self, source))
    return;
  if (uids == NULL)
    {
      fail (self, error);
      return;
    }
  fetch_uids (self, uids);
}

static void
sync_new (CnvMailboxWatcher *self)
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
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uids = NULL;

  uids = cnv_imap_client_uid_search_finish (CNV_IMAP_CLIENT (source), result, &error);
  if (is_stale (self, source))
    return;
  if (uids == NULL)
    {
      fail (self, error);
      return;
    }
  if (uids->len > 0)
    set_position (self, self->uidvalidity, g_array_index (uids, guint32, uids->len - 1));
  sync_done (self);
}

/* After SELECT: where the position stands against the folder decides what to fetch. */
static void
sync_after_select (CnvMailboxWatcher    *self,
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
      g_signal_emit (self, signals[UIDVALIDITY_CHANGED], 0, old, mailbox->uidvalidity);
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
  sync_new (self);
}

/* ---- Connecting ---------------------------------------------------------------------------- */

static void
select_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GError) error = NULL;
  CnvImapMailbox mailbox;

  if (!cnv_imap_client_select_finish (CNV_IMAP_CLIENT (source), result, &mailbox, &error))
    {
      if (!is_stale (self, source))
        fail (self, error);
      return;
    }
  if (is_stale (self, source))
    return;
  sync_after_select (self, &mailbox);
}

static void
authenticated_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_imap_client_authenticate_finish (CNV_IMAP_CLIENT (source), result, &error))
    {
      if (!is_stale (self, source))
        fail (self, error);
      return;
    }
  if (is_stale (self, source))
    return;
  cnv_imap_client_select_async (self->client, self->folder, self->read_only, self->cancellable,
                                select_done_cb, g_object_ref (self));
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  if (!cnv_imap_client_connect_finish (CNV_IMAP_CLIENT (source), result, &error))
    {
      if (!is_stale (self, source))
        fail (self, error);
      return;
    }
  if (is_stale (self, source))
    return;

  secret = g_object_steal_data (G_OBJECT (source), "cnv-secret");
  if (secret == NULL && self->server->user != NULL)
    {
      g_autoptr(GError) missing = g_error_new_literal (CNV_CREDENTIALS_ERROR,
                                                       CNV_CREDENTIALS_ERROR_NOT_FOUND,
                                                       "No password for the IMAP account");
      fail (self, missing);
      return;
    }
  if (self->server->user == NULL)
    {
      /* No login (a PREAUTH connection). */
      cnv_imap_client_select_async (self->client, self->folder, self->read_only,
                                    self->cancellable, select_done_cb, g_object_ref (self));
      return;
    }
  cnv_imap_client_authenticate_async (self->client, secret, self->cancellable,
                                      authenticated_cb, g_object_ref (self));
  cnv_credentials_secret_free (secret);
}

static void
connect_with_secret (CnvMailboxWatcher *self,
                     char              *secret)
{
  drop_client (self);
  self->client = cnv_imap_client_new (self->server);
  g_signal_connect (self->client, "exists", G_CALLBACK (exists_cb), self);
  g_signal_connect (self->client, "expunged", G_CALLBACK (expunged_cb), self);
  g_signal_connect (self->client, "closed", G_CALLBACK (closed_cb), self);
  if (secret != NULL)
    g_object_set_data_full (G_OBJECT (self->client), "cnv-secret", secret,
                            (GDestroyNotify) cnv_credentials_secret_free);
  cnv_imap_client_connect_async (self->client, self->cancellable, connected_cb,
                                 g_object_ref (self));
}

static void
secret_found_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CnvMailboxWatcher) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = cnv_credentials_lookup_finish (CNV_CREDENTIALS (source), result, &error);
  if (!self->running || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      cnv_credentials_secret_free (secret);
      return;
    }
  if (secret == NULL)
    {
      fail (self, error);
      return;
    }
  connect_with_secret (self, secret);
}

static void
run_connect (CnvMailboxWatcher *self)
{
  set_status (self, CNV_MAILBOX_WATCHER_STATUS_CONNECTING);
  if (self->server->user != NULL && self->credentials != NULL)
    {
      /* Looked up at each connection: a password changed in the keyring is used at once. */
      cnv_credentials_lookup_async (self->credentials, "imap", self->server, self->cancellable,
                                    secret_found_cb, g_object_ref (self));
      return;
    }
  connect_with_secret (self, NULL);
}

/* ---- Public API ---------------------------------------------------------------------------- */

/**
 * cnv_mailbox_watcher_new:
 * @server: the IMAP server and the account's user name
 * @credentials: (nullable): where the password comes from (%NULL: no login)
 * @folder: the folder to watch (`INBOX`)
 *
 * Returns: (transfer full): a watcher; set its position and properties, then start it
 */
CnvMailboxWatcher *
cnv_mailbox_watcher_new (const CnvMailServer *server,
                         CnvCredentials      *credentials,
                         const char          *folder)
{
  CnvMailboxWatcher *self;

  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (credentials == NULL || CNV_IS_CREDENTIALS (credentials), NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  self = g_object_new (CNV_TYPE_MAILBOX_WATCHER, NULL);
  self->server = cnv_mail_server_copy (server);
  self->credentials = credentials != NULL ? g_object_ref (credentials) : NULL;
  self->folder = g_strdup (folder);
  return self;
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

CnvMailboxWatcherStatus
cnv_mailbox_watcher_get_status (CnvMailboxWatcher *self)
{
  g_return_val_if_fail (CNV_IS_MAILBOX_WATCHER (self), CNV_MAILBOX_WATCHER_STATUS_STOPPED);

  return self->status;
}

/**
 * cnv_mailbox_watcher_get_last_error:
 * @self: a watcher
 *
 * Returns: (transfer none) (nullable): why it is offline or failed; %NULL once a sync succeeds
 */
const GError *
cnv_mailbox_watcher_get_last_error (CnvMailboxWatcher *self)
{
  g_return_val_if_fail (CNV_IS_MAILBOX_WATCHER (self), NULL);

  return self->last_error;
}

/**
 * cnv_mailbox_watcher_status_to_string:
 * @status: a status
 *
 * Returns: its nick, for logs and JSON: `idle-watching`, `auth-failed`…
 */
const char *
cnv_mailbox_watcher_status_to_string (CnvMailboxWatcherStatus status)
{
  GEnumClass *klass = g_type_class_ref (CNV_TYPE_MAILBOX_WATCHER_STATUS);
  GEnumValue *value = g_enum_get_value (klass, status);

  g_type_class_unref (klass);
  return value != NULL ? value->value_nick : "unknown";
}

void
cnv_mailbox_watcher_start (CnvMailboxWatcher *self)
{
  g_return_if_fail (CNV_IS_MAILBOX_WATCHER (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->attempts = 0;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  run_connect (self);
}

/**
 * cnv_mailbox_watcher_stop:
 * @self: a watcher
 *
 * Ends the connection (LOGOUT when it is up). Nothing is emitted after this returns.
 */
void
cnv_mailbox_watcher_stop (CnvMailboxWatcher *self)
{
  g_return_if_fail (CNV_IS_MAILBOX_WATCHER (self));

  if (!self->running)
    return;
  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->client != NULL && cnv_imap_client_is_connected (self->client))
    {
      CnvImapClient *client = g_object_ref (self->client);

      /* A polite goodbye: the LOGOUT's task keeps the client alive until it is answered. */
      g_signal_handlers_disconnect_by_data (client, self);
      cnv_imap_client_idle_stop (client);
      cnv_imap_client_logout_async (client, NULL, NULL, NULL);
      self->traffic_received += cnv_imap_client_get_bytes_received (client);
      self->traffic_sent += cnv_imap_client_get_bytes_sent (client);
      g_clear_object (&self->client);
      g_object_unref (client);
    }
  drop_client (self);
  g_clear_pointer (&self->to_fetch, g_array_unref);
  g_clear_pointer (&self->sizes, g_hash_table_unref);
  set_status (self, CNV_MAILBOX_WATCHER_STATUS_STOPPED);
}

/**
 * cnv_mailbox_watcher_retry:
 * @self: a watcher
 *
 * Reconnects now: after auth-failed or tls-failed (new password, new CA), or to end a wait.
 */
void
cnv_mailbox_watcher_retry (CnvMailboxWatcher *self)
{
  g_return_if_fail (CNV_IS_MAILBOX_WATCHER (self));

  if (!self->running)
    {
      cnv_mailbox_watcher_start (self);
      return;
    }
  if (self->status == CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING
      || self->status == CNV_MAILBOX_WATCHER_STATUS_POLLING
      || self->status == CNV_MAILBOX_WATCHER_STATUS_CONNECTING)
    return;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->attempts = 0;
  run_connect (self);
}

/**
 * cnv_mailbox_watcher_check_now:
 * @self: a watcher
 *
 * Looks for new messages now instead of at the next poll or push.
 */
void
cnv_mailbox_watcher_check_now (CnvMailboxWatcher *self)
{
  g_return_if_fail (CNV_IS_MAILBOX_WATCHER (self));

  if (!self->running || self->client == NULL)
    return;
  self->check_requested = TRUE;
  if (!self->waiting)
    return;
  if (self->poll_id != 0)
    {
      g_clear_handle_id (&self->poll_id, g_source_remove);
      poll_cb (self);
    }
  else
    cnv_imap_client_idle_stop (self->client);
}

/**
 * cnv_mailbox_watcher_add_flag:
 * @self: a read-write watcher
 * @uidvalidity: the UIDVALIDITY the message was emitted with
 * @uid: the message
 * @flag: the flag (`\Seen`, `$Convene`)
 * @error: %G_IO_ERROR_READ_ONLY for a read-only watcher (the app never changes the user's flags)
 *
 * Queues a flag change; it is made on the watcher's connection before the next wait, and again
 * after a reconnection if the connection dropped first.
 */
gboolean
cnv_mailbox_watcher_add_flag (CnvMailboxWatcher  *self,
                              guint32             uidvalidity,
                              guint32             uid,
                              const char         *flag,
                              GError            **error)
{
  PendingFlag *pending;

  g_return_val_if_fail (CNV_IS_MAILBOX_WATCHER (self), FALSE);
  g_return_val_if_fail (flag != NULL, FALSE);

  if (self->read_only)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY,
                           "This watcher does not change flags (read-only)");
      return FALSE;
    }
  pending = g_new0 (PendingFlag, 1);
  pending->uidvalidity = uidvalidity;
  pending->uid = uid;
  pending->flag = g_strdup (flag);
  g_queue_push_tail (&self->flags, pending);
  if (self->waiting && self->client != NULL)
    {
      if (self->poll_id != 0)
        {
          g_clear_handle_id (&self->poll_id, g_source_remove);
          poll_cb (self);
        }
      else
        cnv_imap_client_idle_stop (self->client);
    }
  return TRUE;
}

/**
 * cnv_mailbox_watcher_get_traffic:
 * @self: a watcher
 * @received: (out) (optional): IMAP bytes received since the watcher was made
 * @sent: (out) (optional): IMAP bytes sent
 */
void
cnv_mailbox_watcher_get_traffic (CnvMailboxWatcher *self,
                                 guint64           *received,
                                 guint64           *sent)
{
  g_return_if_fail (CNV_IS_MAILBOX_WATCHER (self));

  if (received != NULL)
    *received = self->traffic_received
                + (self->client != NULL ? cnv_imap_client_get_bytes_received (self->client) : 0);
  if (sent != NULL)
    *sent = self->traffic_sent
            + (self->client != NULL ? cnv_imap_client_get_bytes_sent (self->client) : 0);
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
cnv_mailbox_watcher_dispose (GObject *object)
{
  CnvMailboxWatcher *self = CNV_MAILBOX_WATCHER (object);

  cnv_mailbox_watcher_stop (self);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_client (self);

  G_OBJECT_CLASS (cnv_mailbox_watcher_parent_class)->dispose (object);
}

static void
cnv_mailbox_watcher_finalize (GObject *object)
{
  CnvMailboxWatcher *self = CNV_MAILBOX_WATCHER (object);

  g_clear_pointer (&self->server, cnv_mail_server_free);
  g_clear_object (&self->credentials);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->last_error);
  g_clear_pointer (&self->to_fetch, g_array_unref);
  g_clear_pointer (&self->sizes, g_hash_table_unref);
  g_clear_pointer (&self->catch_up_criteria, g_free);
  g_queue_clear_full (&self->flags, (GDestroyNotify) pending_flag_free);
  g_free (self->folder);

  G_OBJECT_CLASS (cnv_mailbox_watcher_parent_class)->finalize (object);
}

static void
cnv_mailbox_watcher_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CnvMailboxWatcher *self = CNV_MAILBOX_WATCHER (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_LAST_ERROR:
      g_value_set_boxed (value, self->last_error);
      break;
    case PROP_READ_ONLY:
      g_value_set_boolean (value, self->read_only);
      break;
    case PROP_USE_IDLE:
      g_value_set_boolean (value, self->use_idle);
      break;
    case PROP_POLL_INTERVAL:
      g_value_set_uint (value, self->poll_interval);
      break;
    case PROP_IDLE_RESTART:
      g_value_set_uint (value, self->idle_restart);
      break;
    case PROP_START:
      g_value_set_enum (value, self->start);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint64 (value, self->max_message_size);
      break;
    case PROP_RESCAN_DAYS:
      g_value_set_uint (value, self->rescan_days);
      break;
    case PROP_UIDVALIDITY:
      g_value_set_uint (value, self->uidvalidity);
      break;
    case PROP_LAST_UID:
      g_value_set_uint (value, self->last_uid);
      break;
    case PROP_CHECKS:
      g_value_set_uint64 (value, self->checks);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnv_mailbox_watcher_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  CnvMailboxWatcher *self = CNV_MAILBOX_WATCHER (object);

  switch (prop_id)
    {
    case PROP_READ_ONLY:
      self->read_only = g_value_get_boolean (value);
      break;
    case PROP_USE_IDLE:
      self->use_idle = g_value_get_boolean (value);
      break;
    case PROP_POLL_INTERVAL:
      self->poll_interval = g_value_get_uint (value);
      break;
    case PROP_IDLE_RESTART:
      self->idle_restart = g_value_get_uint (value);
      break;
    case PROP_START:
      self->start = g_value_get_enum (value);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      self->max_message_size = g_value_get_uint64 (value);
      break;
    case PROP_RESCAN_DAYS:
      self->rescan_days = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnv_mailbox_watcher_class_init (CnvMailboxWatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = cnv_mailbox_watcher_dispose;
  object_class->finalize = cnv_mailbox_watcher_finalize;
  object_class->get_property = cnv_mailbox_watcher_get_property;
  object_class->set_property = cnv_mailbox_watcher_set_property;

  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, CNV_TYPE_MAILBOX_WATCHER_STATUS,
                       CNV_MAILBOX_WATCHER_STATUS_STOPPED, ro);
  properties[PROP_LAST_ERROR] =
    g_param_spec_boxed ("last-error", NULL, NULL, G_TYPE_ERROR, ro);
  properties[PROP_READ_ONLY] =
    g_param_spec_boolean ("read-only", NULL, NULL, TRUE, rw);
  properties[PROP_USE_IDLE] =
    g_param_spec_boolean ("use-idle", NULL, NULL, TRUE, rw);
  properties[PROP_POLL_INTERVAL] =
    g_param_spec_uint ("poll-interval", NULL, NULL, 1, 24 * 3600, 60, rw);
  /* RFC 2177 §3: servers may log out clients idle for 30 minutes: re-issue IDLE before. */
  properties[PROP_IDLE_RESTART] =
    g_param_spec_uint ("idle-restart", NULL, NULL, 1, 29 * 60, 25 * 60, rw);
  properties[PROP_START] =
    g_param_spec_enum ("start", NULL, NULL, CNV_TYPE_MAILBOX_WATCHER_START,
                       CNV_MAILBOX_WATCHER_START_NEW, rw);
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL, 1024, G_MAXUINT64, 64 * 1024 * 1024, rw);
  properties[PROP_RESCAN_DAYS] =
    g_param_spec_uint ("rescan-days", NULL, NULL, 1, 3650, 7, rw);
  properties[PROP_UIDVALIDITY] =
    g_param_spec_uint ("uidvalidity", NULL, NULL, 0, G_MAXUINT32, 0, ro);
  properties[PROP_LAST_UID] =
    g_param_spec_uint ("last-uid", NULL, NULL, 0, G_MAXUINT32, 0, ro);
  /* How many waits ended (a poll's NOOP answered, or an IDLE ended): for status displays
   * ("checked 20 s ago") and the poll-cost benchmark. */
  properties[PROP_CHECKS] =
    g_param_spec_uint64 ("checks", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CnvMailboxWatcher::message:
   * @uidvalidity: the folder's UIDVALIDITY
   * @uid: the message's UID
   * @message: (nullable): the whole message (RFC 5322, CRLF), %NULL when it is bigger than
   *   #CnvMailboxWatcher:max-message-size (it was not downloaded)
   * @size: its size in bytes
   *
   * A message beyond the position, in ascending UID order, once. The position has moved to @uid
   * when the handler runs: store it with what was done with the message.
   */
  signals[MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 4,
                                   G_TYPE_UINT, G_TYPE_UINT, G_TYPE_BYTES, G_TYPE_UINT64);
  /**
   * CnvMailboxWatcher::uidvalidity-changed:
   * @old: the UIDVALIDITY of the stored position
   * @new: the folder's new one
   *
   * The folder was rebuilt: recent messages will be emitted again.
   */
  signals[UIDVALIDITY_CHANGED] = g_signal_new ("uidvalidity-changed", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
  /**
   * CnvMailboxWatcher::synced:
   *
   * The watcher caught up with the folder (after connecting, and after each change).
   */
  signals[SYNCED] = g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cnv_mailbox_watcher_init (CnvMailboxWatcher *self)
{
  self->read_only = TRUE;
  self->use_idle = TRUE;
  self->poll_interval = 60;
  self->idle_restart = 25 * 60;
  self->start = CNV_MAILBOX_WATCHER_START_NEW;
  self->max_message_size = 64 * 1024 * 1024;
  self->rescan_days = 7;
  g_queue_init (&self->flags);
}
