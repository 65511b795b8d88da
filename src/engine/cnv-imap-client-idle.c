/* cnv-imap-client-idle.c — IDLE (RFC 2177): waiting for the server to report a change
 *
 * IDLE runs until the selected mailbox changes, the time given runs out, or the owner stops or
 * cancels it; DONE then ends it. Silence is normal during IDLE: the command timeout is off from
 * the server's `+` until DONE is sent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include "cnv-imap-client-private.h"

typedef struct
{
  CnvImapClient  *client;    /* borrowed: the command dies before the client */
  CnvImapCommand *command;
  guint           seconds;
  guint           timer_id;
  gboolean        idling;
  gboolean        done_sent;
  gboolean        stop_requested;
  gboolean        changed;
} IdleData;

static void
idle_data_free (gpointer data)
{
  IdleData *idle = data;

  g_clear_handle_id (&idle->timer_id, g_source_remove);
  g_free (idle);
}

static void
idle_send_done (IdleData *idle)
{
  g_clear_handle_id (&idle->timer_id, g_source_remove);
  if (!idle->idling)
    {
      idle->stop_requested = TRUE;   /* DONE goes as soon as the server says `+` */
      return;
    }
  if (idle->done_sent)
    return;
  idle->done_sent = TRUE;
  cnv_imap_client_send_line (idle->client, "DONE", NULL);
  /* The server must now answer promptly. */
  cnv_imap_client_arm_timeout (idle->client, TRUE);
}

static gboolean
idle_timer_cb (gpointer user_data)
{
  IdleData *idle = user_data;

  idle->timer_id = 0;
  idle_send_done (idle);
  return G_SOURCE_REMOVE;
}

static gboolean
idle_continuation (CnvImapClient    *self,
                   CnvImapCommand   *command,
                   CnvImapResponse  *continuation,
                   GError          **error)
{
  IdleData *idle = command->data;

  if (idle->idling)
    {
      g_set_error_literal (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                           "The IMAP server asked twice for IDLE to go on");
      return FALSE;
    }
  idle->idling = TRUE;
  cnv_imap_client_arm_timeout (self, FALSE);
  if (idle->stop_requested || idle->changed)
    idle_send_done (idle);
  else if (idle->seconds > 0)
    idle->timer_id = g_timeout_add_seconds (idle->seconds, idle_timer_cb, idle);
  return TRUE;
}

static void
idle_untagged (CnvImapClient   *self,
               CnvImapCommand  *command,
               CnvImapResponse *untagged)
{
  IdleData *idle = command->data;

  /* RFC 2177: EXISTS, EXPUNGE, FETCH (flags), RECENT — the mailbox changed: end IDLE so the
   * owner can look. An `* OK Still here` keep-alive changes nothing. */
  if (untagged->status != CNV_IMAP_STATUS_NONE)
    return;
  idle->changed = TRUE;
  idle_send_done (idle);
}

static void
idle_cancelled (CnvImapClient  *self,
                CnvImapCommand *command)
{
  idle_send_done (command->data);
}

static void
idle_done (CnvImapClient   *self,
           CnvImapCommand  *command,
           CnvImapResponse *tagged)
{
  IdleData *idle = command->data;

  g_task_return_int (command->task, idle->changed);
  g_clear_object (&command->task);
}

/**
 * cnv_imap_client_idle_async:
 * @self: a client with a selected mailbox, on a server that offers IDLE
 * @seconds: end IDLE after this long without news (servers drop idle clients after 30 minutes,
 *   RFC 2177 recommends re-issuing within 29); 0 waits until something changes
 * @cancellable: (nullable): ends IDLE (DONE is sent; the task returns %G_IO_ERROR_CANCELLED)
 * @callback: called when IDLE has ended
 * @user_data: for @callback
 *
 * Waits for the server to report a change of the selected mailbox (new mail: the
 * #CnvImapClient::exists signal runs first), then ends IDLE. cnv_imap_client_idle_stop() ends it
 * early. A server without IDLE: %CNV_IMAP_ERROR_UNSUPPORTED.
 */
void
cnv_imap_client_idle_async (CnvImapClient       *self,
                            guint                seconds,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CnvImapCommand *command;
  IdleData *idle;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  task = cnv_imap_client_new_task (self, cancellable, callback, user_data,
                                   cnv_imap_client_idle_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  if (!cnv_imap_client_has_capability (self, "IDLE"))
    {
      g_task_return_new_error (task, CNV_IMAP_ERROR, CNV_IMAP_ERROR_UNSUPPORTED,
                               "%s does not offer IDLE", cnv_imap_client_get_server (self)->host);
      return;
    }
  command = cnv_imap_command_new (g_steal_pointer (&task), "IDLE");
  cnv_imap_command_append (command, "IDLE");
  idle = g_new0 (IdleData, 1);
  idle->client = self;
  idle->command = command;
  idle->seconds = seconds;
  command->data = idle;
  command->data_free = idle_data_free;
  command->continuation = idle_continuation;
  command->on_untagged = idle_untagged;
  command->cancelled = idle_cancelled;
  command->done = idle_done;
  cnv_imap_client_submit (self, command);
}

/**
 * cnv_imap_client_idle_finish:
 * @changed: (out) (optional): the mailbox changed (else the time ran out or it was stopped)
 */
gboolean
cnv_imap_client_idle_finish (CnvImapClient  *self,
                             GAsyncResult   *result,
                             gboolean       *changed,
                             GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  value = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (changed != NULL)
    *changed = value != 0;
  return TRUE;
}

/**
 * cnv_imap_client_idle_stop:
 * @self: a client
 *
 * Ends a running IDLE (sends DONE); its task then returns normally. Does nothing otherwise.
 */
void
cnv_imap_client_idle_stop (CnvImapClient *self)
{
  CnvImapCommand *command;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  command = cnv_imap_client_get_current (self);
  if (command != NULL && command->done == idle_done)
    idle_send_done (command->data);
}
