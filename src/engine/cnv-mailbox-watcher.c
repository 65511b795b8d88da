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
 * This file holds the object, its public API and how it fails (status, backoff); the connection
 * (connecting, logging in, SELECT, waiting for news) is in cnv-mailbox-watcher-connection.c, the
 * sync and the position in cnv-mailbox-watcher-sync.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-watcher"

#include "config.h"

#include <string.h>

#include "cnv-mailbox-watcher-private.h"

#define BACKOFF_MAX_SECONDS   300

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

G_DEFINE_FINAL_TYPE (CnvMailboxWatcher, cnv_mailbox_watcher, G_TYPE_OBJECT)

GParamSpec *cnv_mailbox_watcher_properties[N_PROPS];

guint cnv_mailbox_watcher_signals[N_SIGNALS];

void
cnv_mailbox_watcher_pending_flag_free (PendingFlag *pending)
{
  g_free (pending->flag);
  g_free (pending);
}

void
cnv_mailbox_watcher_set_status (CnvMailboxWatcher       *self,
                                CnvMailboxWatcherStatus  status)
{
  if (self->status == status)
    return;
  g_debug ("%s %s: %s", self->server->user != NULL ? self->server->user : "", self->folder,
           cnv_mailbox_watcher_status_to_string (status));
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), cnv_mailbox_watcher_properties[PROP_STATUS]);
}

/* A stale callback: the connection it belongs to was dropped, or the watcher was stopped. */
gboolean
cnv_mailbox_watcher_is_stale (CnvMailboxWatcher *self,
                              GObject           *source)
{
  return !self->running || self->client == NULL || (GObject *) self->client != source;
}

void
cnv_mailbox_watcher_drop_client (CnvMailboxWatcher *self)
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
    cnv_mailbox_watcher_run_connect (self);
  return G_SOURCE_REMOVE;
}

/* Every failure of the loop ends here: the connection is dropped and, unless the failure needs
 * a person (credentials, certificate), a new one is tried later. */
void
cnv_mailbox_watcher_fail (CnvMailboxWatcher *self,
                          const GError      *error)
{
  CnvMailboxWatcherStatus status;
  guint delay;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->running)
    return;

  cnv_mailbox_watcher_drop_client (self);
  g_clear_error (&self->last_error);
  self->last_error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), cnv_mailbox_watcher_properties[PROP_LAST_ERROR]);
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
  cnv_mailbox_watcher_set_status (self, status);
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
  cnv_mailbox_watcher_run_connect (self);
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
  cnv_mailbox_watcher_drop_client (self);
  g_clear_pointer (&self->to_fetch, g_array_unref);
  g_clear_pointer (&self->sizes, g_hash_table_unref);
  cnv_mailbox_watcher_set_status (self, CNV_MAILBOX_WATCHER_STATUS_STOPPED);
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
  cnv_mailbox_watcher_run_connect (self);
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
      cnv_mailbox_watcher_poll_cb (self);
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
          cnv_mailbox_watcher_poll_cb (self);
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
  cnv_mailbox_watcher_drop_client (self);

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
  g_queue_clear_full (&self->flags, (GDestroyNotify) cnv_mailbox_watcher_pending_flag_free);
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

  cnv_mailbox_watcher_properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, CNV_TYPE_MAILBOX_WATCHER_STATUS,
                       CNV_MAILBOX_WATCHER_STATUS_STOPPED, ro);
  cnv_mailbox_watcher_properties[PROP_LAST_ERROR] =
    g_param_spec_boxed ("last-error", NULL, NULL, G_TYPE_ERROR, ro);
  cnv_mailbox_watcher_properties[PROP_READ_ONLY] =
    g_param_spec_boolean ("read-only", NULL, NULL, TRUE, rw);
  cnv_mailbox_watcher_properties[PROP_USE_IDLE] =
    g_param_spec_boolean ("use-idle", NULL, NULL, TRUE, rw);
  cnv_mailbox_watcher_properties[PROP_POLL_INTERVAL] =
    g_param_spec_uint ("poll-interval", NULL, NULL, 1, 24 * 3600, 60, rw);
  /* RFC 2177 §3: servers may log out clients idle for 30 minutes: re-issue IDLE before. */
  cnv_mailbox_watcher_properties[PROP_IDLE_RESTART] =
    g_param_spec_uint ("idle-restart", NULL, NULL, 1, 29 * 60, 25 * 60, rw);
  cnv_mailbox_watcher_properties[PROP_START] =
    g_param_spec_enum ("start", NULL, NULL, CNV_TYPE_MAILBOX_WATCHER_START,
                       CNV_MAILBOX_WATCHER_START_NEW, rw);
  cnv_mailbox_watcher_properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL, 1024, G_MAXUINT64, 64 * 1024 * 1024, rw);
  cnv_mailbox_watcher_properties[PROP_RESCAN_DAYS] =
    g_param_spec_uint ("rescan-days", NULL, NULL, 1, 3650, 7, rw);
  cnv_mailbox_watcher_properties[PROP_UIDVALIDITY] =
    g_param_spec_uint ("uidvalidity", NULL, NULL, 0, G_MAXUINT32, 0, ro);
  cnv_mailbox_watcher_properties[PROP_LAST_UID] =
    g_param_spec_uint ("last-uid", NULL, NULL, 0, G_MAXUINT32, 0, ro);
  /* How many waits ended (a poll's NOOP answered, or an IDLE ended): for status displays
   * ("checked 20 s ago") and the poll-cost benchmark. */
  cnv_mailbox_watcher_properties[PROP_CHECKS] =
    g_param_spec_uint64 ("checks", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, cnv_mailbox_watcher_properties);

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
  cnv_mailbox_watcher_signals[MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_UINT, G_TYPE_UINT, G_TYPE_BYTES, G_TYPE_UINT64);
  /**
   * CnvMailboxWatcher::uidvalidity-changed:
   * @old: the UIDVALIDITY of the stored position
   * @new: the folder's new one
   *
   * The folder was rebuilt: recent messages will be emitted again.
   */
  cnv_mailbox_watcher_signals[UIDVALIDITY_CHANGED] =
    g_signal_new ("uidvalidity-changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
  /**
   * CnvMailboxWatcher::synced:
   *
   * The watcher caught up with the folder (after connecting, and after each change).
   */
  cnv_mailbox_watcher_signals[SYNCED] =
    g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
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
