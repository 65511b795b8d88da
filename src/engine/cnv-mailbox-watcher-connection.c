/* cnv-mailbox-watcher-connection.c — the watcher's connection: connecting, and waiting for news
 *
 * Each run looks the password up (a password changed in the keyring is used at once), connects,
 * logs in and opens the folder (SELECT, or EXAMINE in read-only mode), then hands over to the
 * sync (cnv-mailbox-watcher-sync.c). Between syncs it waits on the same connection: IDLE when
 * the server offers it, else a NOOP every poll-interval; EXISTS growing starts the next sync.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-watcher"

#include "config.h"

#include "cnv-mailbox-watcher-private.h"

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
    cnv_mailbox_watcher_fail (self, error);
}

static void
after_wait (CnvMailboxWatcher *self)
{
  self->waiting = FALSE;
  self->checks++;
  g_object_notify_by_pspec (G_OBJECT (self), cnv_mailbox_watcher_properties[PROP_CHECKS]);
  if (self->exists_grew || self->check_requested || !g_queue_is_empty (&self->flags))
    cnv_mailbox_watcher_sync_new (self);
  else
    cnv_mailbox_watcher_wait_for_news (self);
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
      if (!cnv_mailbox_watcher_is_stale (self, source))
        cnv_mailbox_watcher_fail (self, error);
      return;
    }
  if (cnv_mailbox_watcher_is_stale (self, source))
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
      if (!cnv_mailbox_watcher_is_stale (self, source))
        cnv_mailbox_watcher_fail (self, error);
      return;
    }
  if (cnv_mailbox_watcher_is_stale (self, source))
    return;
  after_wait (self);
}

gboolean
cnv_mailbox_watcher_poll_cb (gpointer user_data)
{
  CnvMailboxWatcher *self = user_data;

  self->poll_id = 0;
  /* NOOP (RFC 9051 §6.1.2) lets the server report EXISTS; its cost does not depend on the size
   * of the folder. */
  cnv_imap_client_noop_async (self->client, self->cancellable, noop_done_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

void
cnv_mailbox_watcher_wait_for_news (CnvMailboxWatcher *self)
{
  self->waiting = TRUE;
  if (self->use_idle && cnv_imap_client_has_capability (self->client, "IDLE"))
    {
      cnv_mailbox_watcher_set_status (self, CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING);
      cnv_imap_client_idle_async (self->client, self->idle_restart, self->cancellable,
                                  idle_done_cb, g_object_ref (self));
      return;
    }
  cnv_mailbox_watcher_set_status (self, CNV_MAILBOX_WATCHER_STATUS_POLLING);
  self->poll_id = g_timeout_add_seconds (MAX (self->poll_interval, 1), cnv_mailbox_watcher_poll_cb,
                                         self);
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
      if (!cnv_mailbox_watcher_is_stale (self, source))
        cnv_mailbox_watcher_fail (self, error);
      return;
    }
  if (cnv_mailbox_watcher_is_stale (self, source))
    return;
  cnv_mailbox_watcher_sync_after_select (self, &mailbox);
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
      if (!cnv_mailbox_watcher_is_stale (self, source))
        cnv_mailbox_watcher_fail (self, error);
      return;
    }
  if (cnv_mailbox_watcher_is_stale (self, source))
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
      if (!cnv_mailbox_watcher_is_stale (self, source))
        cnv_mailbox_watcher_fail (self, error);
      return;
    }
  if (cnv_mailbox_watcher_is_stale (self, source))
    return;

  secret = g_object_steal_data (G_OBJECT (source), "cnv-secret");
  if (secret == NULL && self->server->user != NULL)
    {
      g_autoptr(GError) missing = g_error_new_literal (CNV_CREDENTIALS_ERROR,
                                                       CNV_CREDENTIALS_ERROR_NOT_FOUND,
                                                       "No password for the IMAP account");
      cnv_mailbox_watcher_fail (self, missing);
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
  cnv_mailbox_watcher_drop_client (self);
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
      cnv_mailbox_watcher_fail (self, error);
      return;
    }
  connect_with_secret (self, secret);
}

void
cnv_mailbox_watcher_run_connect (CnvMailboxWatcher *self)
{
  cnv_mailbox_watcher_set_status (self, CNV_MAILBOX_WATCHER_STATUS_CONNECTING);
  if (self->server->user != NULL && self->credentials != NULL)
    {
      /* Looked up at each connection: a password changed in the keyring is used at once. */
      cnv_credentials_lookup_async (self->credentials, "imap", self->server, self->cancellable,
                                    secret_found_cb, g_object_ref (self));
      return;
    }
  connect_with_secret (self, NULL);
}
