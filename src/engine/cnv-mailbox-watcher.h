/* cnv-mailbox-watcher.h — every new message of one IMAP folder, exactly once, in UID order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-credentials.h"
#include "cnv-mail-server.h"

G_BEGIN_DECLS

/**
 * CnvMailboxWatcherStatus:
 * @CNV_MAILBOX_WATCHER_STATUS_STOPPED: not started, or stopped by its owner
 * @CNV_MAILBOX_WATCHER_STATUS_CONNECTING: connecting, logging in, catching up with the folder
 * @CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING: up to date; the server pushes news (IMAP IDLE)
 * @CNV_MAILBOX_WATCHER_STATUS_POLLING: up to date; the server has no IDLE (or IDLE is off), so
 *   the folder is checked every #CnvMailboxWatcher:poll-interval seconds
 * @CNV_MAILBOX_WATCHER_STATUS_OFFLINE: the server cannot be reached or the connection dropped;
 *   it reconnects by itself, waiting longer after each failure (1 s, 2 s, 4 s … 5 min)
 * @CNV_MAILBOX_WATCHER_STATUS_AUTH_FAILED: the server refused the credentials, or none could be
 *   found; nothing is retried until cnv_mailbox_watcher_retry() (retrying a wrong password
 *   could lock the account)
 * @CNV_MAILBOX_WATCHER_STATUS_TLS_FAILED: the server's certificate did not verify, or TLS
 *   could not be established; nothing is sent; retried only by cnv_mailbox_watcher_retry()
 * @CNV_MAILBOX_WATCHER_STATUS_FAILED: the folder cannot be opened or the server misbehaves;
 *   retried with the longest wait
 *
 * #CnvMailboxWatcher:last-error says why, in the three failed states and offline.
 */
typedef enum
{
  CNV_MAILBOX_WATCHER_STATUS_STOPPED,
  CNV_MAILBOX_WATCHER_STATUS_CONNECTING,
  CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING,
  CNV_MAILBOX_WATCHER_STATUS_POLLING,
  CNV_MAILBOX_WATCHER_STATUS_OFFLINE,
  CNV_MAILBOX_WATCHER_STATUS_AUTH_FAILED,
  CNV_MAILBOX_WATCHER_STATUS_TLS_FAILED,
  CNV_MAILBOX_WATCHER_STATUS_FAILED,
} CnvMailboxWatcherStatus;

/**
 * CnvMailboxWatcherStart:
 * @CNV_MAILBOX_WATCHER_START_NEW: without a stored position, only mail that arrives from now on
 *   (the first sync downloads nothing, however big the folder)
 * @CNV_MAILBOX_WATCHER_START_UNSEEN: without a stored position, also the messages without \Seen
 *
 * What the first sync emits when the owner has no position (UIDVALIDITY and last UID) yet.
 */
typedef enum
{
  CNV_MAILBOX_WATCHER_START_NEW,
  CNV_MAILBOX_WATCHER_START_UNSEEN,
} CnvMailboxWatcherStart;

#define CNV_TYPE_MAILBOX_WATCHER_STATUS (cnv_mailbox_watcher_status_get_type ())
#define CNV_TYPE_MAILBOX_WATCHER_START (cnv_mailbox_watcher_start_get_type ())
GType cnv_mailbox_watcher_status_get_type (void) G_GNUC_CONST;
GType cnv_mailbox_watcher_start_get_type  (void) G_GNUC_CONST;

#define CNV_TYPE_MAILBOX_WATCHER (cnv_mailbox_watcher_get_type ())
G_DECLARE_FINAL_TYPE (CnvMailboxWatcher, cnv_mailbox_watcher, CNV, MAILBOX_WATCHER, GObject)

CnvMailboxWatcher       *cnv_mailbox_watcher_new              (const CnvMailServer *server,
                                                               CnvCredentials      *credentials,
                                                               const char          *folder);
void                     cnv_mailbox_watcher_set_position     (CnvMailboxWatcher   *self,
                                                               guint32              uidvalidity,
                                                               guint32              last_uid);
guint32                  cnv_mailbox_watcher_get_uidvalidity  (CnvMailboxWatcher   *self);
guint32                  cnv_mailbox_watcher_get_last_uid     (CnvMailboxWatcher   *self);
CnvMailboxWatcherStatus  cnv_mailbox_watcher_get_status       (CnvMailboxWatcher   *self);
const GError            *cnv_mailbox_watcher_get_last_error   (CnvMailboxWatcher   *self);
const char              *cnv_mailbox_watcher_status_to_string (CnvMailboxWatcherStatus status);
void                     cnv_mailbox_watcher_start            (CnvMailboxWatcher   *self);
void                     cnv_mailbox_watcher_stop             (CnvMailboxWatcher   *self);
void                     cnv_mailbox_watcher_retry            (CnvMailboxWatcher   *self);
void                     cnv_mailbox_watcher_check_now        (CnvMailboxWatcher   *self);
gboolean                 cnv_mailbox_watcher_add_flag         (CnvMailboxWatcher   *self,
                                                               guint32              uidvalidity,
                                                               guint32              uid,
                                                               const char          *flag,
                                                               GError             **error);
void                     cnv_mailbox_watcher_get_traffic      (CnvMailboxWatcher   *self,
                                                               guint64             *received,
                                                               guint64             *sent);

G_END_DECLS
