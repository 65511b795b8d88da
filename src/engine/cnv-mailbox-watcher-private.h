/* cnv-mailbox-watcher-private.h — what the mailbox watcher's files share
 *
 * The watcher's state and the steps of its loop, across cnv-mailbox-watcher.c (the object, its
 * public API, failing and backing off), cnv-mailbox-watcher-connection.c (connecting, waiting for
 * news) and cnv-mailbox-watcher-sync.c (the position, syncing, the owner's flags). Internal to
 * the engine: the public contract is cnv-mailbox-watcher.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-imap-client.h"
#include "cnv-mailbox-watcher.h"

G_BEGIN_DECLS

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

enum {
  MESSAGE,
  UIDVALIDITY_CHANGED,
  SYNCED,
  N_SIGNALS
};

/* Defined in cnv-mailbox-watcher.c; every file notifies and emits. */
extern GParamSpec *cnv_mailbox_watcher_properties[N_PROPS];
extern guint       cnv_mailbox_watcher_signals[N_SIGNALS];

/* The object (cnv-mailbox-watcher.c) */
void     cnv_mailbox_watcher_pending_flag_free (PendingFlag             *pending);
void     cnv_mailbox_watcher_set_status        (CnvMailboxWatcher       *self,
                                                CnvMailboxWatcherStatus  status);
gboolean cnv_mailbox_watcher_is_stale          (CnvMailboxWatcher       *self,
                                                GObject                 *source);
void     cnv_mailbox_watcher_drop_client       (CnvMailboxWatcher       *self);
void     cnv_mailbox_watcher_fail              (CnvMailboxWatcher       *self,
                                                const GError            *error);

/* The connection (cnv-mailbox-watcher-connection.c) */
void     cnv_mailbox_watcher_run_connect       (CnvMailboxWatcher       *self);
void     cnv_mailbox_watcher_wait_for_news     (CnvMailboxWatcher       *self);
gboolean cnv_mailbox_watcher_poll_cb           (gpointer                 user_data);

/* Syncing (cnv-mailbox-watcher-sync.c) */
void     cnv_mailbox_watcher_sync_new          (CnvMailboxWatcher       *self);
void     cnv_mailbox_watcher_sync_after_select (CnvMailboxWatcher       *self,
                                                const CnvImapMailbox    *mailbox);

G_END_DECLS
