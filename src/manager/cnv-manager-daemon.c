/* cnv-manager-daemon.c — `convene-manager run`: the session manager of Fig 5 as a service
 *
 * One GApplication (no GTK, no D-Bus name: a server has no session bus) that owns:
 *   - one CnvMailboxWatcher per `[imap]` account (E500), read-write so that a processed mail is
 *     flagged \Seen, starting with the unseen mail on the first run and from the stored position
 *     afterwards;
 *   - the processor (cnv-manager-processor.c), which commits each mail's decisions in one
 *     transaction;
 *   - the outbox (cnv-manager-outbox.c), which mails invitations, cancellations and reports;
 *   - the scheduler: ONE timeout armed for the earliest of the next activation (start − join-early,
 *     E509–E512), the next end (E516) and the next outbox retry, recomputed from the store after
 *     every change, at start-up (a restart resumes) and at least every minute;
 *   - the join gateway (cnv-manager-gateway.c);
 *   - a look at PRAGMA data_version every two seconds, so that what an administrator changed with
 *     the CLI (a `session cancel` queues cancellations) is acted on at once.
 * SIGTERM and SIGINT stop it cleanly; a kill -9 loses nothing (see the processor and the outbox).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <glib-unix.h>

#include "cnv-file-credentials.h"
#include "cnv-mailbox-watcher.h"
#include "cnv-manager-config.h"
#include "cnv-manager-daemon.h"
#include "cnv-manager-gateway.h"
#include "cnv-manager-outbox.h"
#include "cnv-manager-processor.h"
#include "cnv-manager-store.h"

#define SCHEDULER_MAX_SLEEP     60          /* seconds */
#define DATA_VERSION_INTERVAL   2           /* seconds */
#define ACTIVATION_RETRY_MAX    600         /* seconds */
#define STORE_FAILURE_RETRY     30          /* seconds */
#define WATCHER_RETRY_SECONDS   600         /* after the IMAP server refused the password or TLS */
#define DRAIN_SECONDS           30          /* at a stop: how long the mail in flight may take */

typedef struct _Daemon Daemon;

typedef struct
{
  Daemon            *daemon;
  char              *key;          /* the watcher position's key in the store */
  CnvManagerAccount *account;      /* owned by the config */
  CnvMailboxWatcher *watcher;
  guint              restart_id;
  guint              retry_id;
} Watch;

struct _Daemon
{
  GApplication        *application;
  CnvManagerConfig    *config;
  CnvManagerStore     *store;
  CnvManagerProcessor *processor;
  CnvManagerOutbox    *outbox;
  CnvManagerGateway   *gateway;
  GPtrArray           *watches;         /* Watch* */
  GCancellable        *cancellable;
  GHashTable          *in_flight;       /* session id → TRUE while its backend is called */
  GHashTable          *retry_at;        /* session id → gint64* next activation attempt */
  GHashTable          *failures;        /* session id → int* failed activations */
  GHashTable          *open_rooms;      /* session ids seen active with a room (set) */
  guint                scheduler_id;
  guint                data_version_id;
  guint                drain_id;
  gint64               data_version;
  int                  exit_status;
  gboolean             stopping;
};

/* A structured log record (journald keeps the fields; the console shows MESSAGE). */
#define log_event(level, event, session, ...)                                                   \
  G_STMT_START {                                                                                \
    g_autofree char *log_message_ = g_strdup_printf (__VA_ARGS__);                              \
    g_log_structured (G_LOG_DOMAIN, level,                                                     \
                      "CONVENE_EVENT", "%s", event,                                              \
                      "CONVENE_SESSION", "%s", (session) != NULL ? (const char *) (session) : "", \
                      "MESSAGE", "%s", log_message_);                                           \
  } G_STMT_END

static void reschedule (Daemon *daemon);

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ---- Sessions: activation (E509–E513) and close (E516) -------------------------------------- */

typedef struct
{
  Daemon           *daemon;
  CnvStoredSession *session;
  GStrv             participants;
  CnvBackendSession backend_session;
  gboolean          closing;
} BackendCall;

static void
backend_call_free (BackendCall *call)
{
  g_hash_table_remove (call->daemon->in_flight, call->session->id);
  cnv_stored_session_free (call->session);
  g_strfreev (call->participants);
  g_free (call);
}

static BackendCall *
backend_call_new (Daemon           *daemon,
                  CnvStoredSession *session,
                  gboolean          closing)
{
  BackendCall *call = g_new0 (BackendCall, 1);
  g_autoptr(GPtrArray) participants = NULL;
  g_autoptr(GStrvBuilder) addresses = g_strv_builder_new ();

  call->daemon = daemon;
  call->session = session;
  call->closing = closing;
  if (cnv_manager_store_list_participants (daemon->store, session->id, &participants, NULL))
    for (guint i = 0; i < participants->len; i++)
      g_strv_builder_add (addresses,
                          ((CnvStoredParticipant *) g_ptr_array_index (participants, i))->address);
  call->participants = g_strv_builder_end (addresses);
  call->backend_session.id = session->id;
  call->backend_session.type = session->type;
  call->backend_session.title = session->title;
  call->backend_session.initiator = session->initiator;
  call->backend_session.room = session->room;
  call->backend_session.start = session->start;
  call->backend_session.end = session->end;
  call->backend_session.not_before =
    session->start - cnv_manager_config_get_join_early (daemon->config) / G_TIME_SPAN_SECOND;
  call->backend_session.participants = (const char * const *) call->participants;
  g_hash_table_add (daemon->in_flight, g_strdup (session->id));
  return call;
}

/* Moves a session on, unless an administrator cancelled it meanwhile (`session cancel` runs in
 * another process): a cancelled session stays cancelled. Returns FALSE only then. */
static gboolean
set_state (Daemon          *daemon,
           const char      *session_id,
           CnvSessionState  state,
           const char      *room_url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvStoredSession) current = NULL;

  if (!cnv_manager_store_begin (daemon->store, &error))
    goto failed;
  if (!cnv_manager_store_get_session (daemon->store, session_id, &current, &error))
    {
      cnv_manager_store_rollback (daemon->store);
      goto failed;
    }
  if (current == NULL || current->state == CNV_SESSION_STATE_CANCELLED ||
      current->state == CNV_SESSION_STATE_CLOSED)
    {
      cnv_manager_store_rollback (daemon->store);
      return FALSE;
    }
  if ((room_url != NULL &&
       !cnv_manager_store_set_session_room_url (daemon->store, session_id, room_url, &error)) ||
      !cnv_manager_store_set_session_state (daemon->store, session_id, state, &error) ||
      !cnv_manager_store_commit (daemon->store, &error))
    {
      cnv_manager_store_rollback (daemon->store);
      goto failed;
    }
  return TRUE;

failed:
  /* The next scheduler pass tries again (the session is still due). */
  g_warning ("Cannot record that session %s is %s: %s", session_id,
             cnv_session_state_to_string (state), error->message);
  return TRUE;
}

static void
closed_after_cancel_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  BackendCall *call = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_manager_backend_close_finish (CNV_MANAGER_BACKEND (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    log_event (G_LOG_LEVEL_WARNING, "close-failed", call->session->id,
               "The backend could not close the room of cancelled session %s: %s",
               call->session->id, error->message);
  backend_call_free (call);
}

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  BackendCall *call = user_data;
  Daemon *daemon = call->daemon;
  g_autoptr(GError) error = NULL;
  g_autofree char *room_url = cnv_manager_backend_open_finish (CNV_MANAGER_BACKEND (source),
                                                               result, &error);
  const char *id = call->session->id;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      backend_call_free (call);
      return;
    }
  if (room_url == NULL)
    {
      int *failures = g_hash_table_lookup (daemon->failures, id);
      gint64 delay;

      if (failures == NULL)
        {
          failures = g_new0 (int, 1);
          g_hash_table_insert (daemon->failures, g_strdup (id), failures);
        }
      (*failures)++;
      delay = MIN ((gint64) 15 << MIN (*failures, 10), ACTIVATION_RETRY_MAX);
      g_hash_table_insert (daemon->retry_at, g_strdup (id), g_memdup2 (&(gint64) { now_seconds () + delay },
                                                                       sizeof (gint64)));
      log_event (G_LOG_LEVEL_WARNING, "activation-failed", id,
                 "Cannot activate session %s (type %s), retrying in %" G_GINT64_FORMAT " s: %s",
                 id, call->session->type, delay, error->message);
    }
  else
    {
      g_hash_table_remove (daemon->failures, id);
      g_hash_table_remove (daemon->retry_at, id);
      if (!set_state (daemon, id, CNV_SESSION_STATE_ACTIVE, room_url))
        {
          /* Cancelled while the room was being opened: close it again. */
          CnvManagerBackend *backend = CNV_MANAGER_BACKEND (source);

          log_event (G_LOG_LEVEL_MESSAGE, "cancelled", id, "Session %s was cancelled while its "
                     "room was opened; closing the room", id);
          cnv_manager_backend_close_async (backend, &call->backend_session, room_url,
                                           daemon->cancellable, closed_after_cancel_cb, call);
          reschedule (daemon);
          return;
        }
      log_event (G_LOG_LEVEL_MESSAGE, "activated", id, "Session %s (type %s) is active", id,
                 call->session->type);
    }
  backend_call_free (call);
  reschedule (daemon);
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  BackendCall *call = user_data;
  Daemon *daemon = call->daemon;
  g_autoptr(GError) error = NULL;

  if (!cnv_manager_backend_close_finish (CNV_MANAGER_BACKEND (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          backend_call_free (call);
          return;
        }
      /* E516 still happens: the gateway answers 410 from now on. */
      log_event (G_LOG_LEVEL_WARNING, "close-failed", call->session->id,
                 "The backend could not close session %s: %s", call->session->id, error->message);
    }
  set_state (daemon, call->session->id, CNV_SESSION_STATE_CLOSED, NULL);
  log_event (G_LOG_LEVEL_MESSAGE, "closed", call->session->id, "Session %s ended and is closed",
             call->session->id);
  g_hash_table_remove (daemon->failures, call->session->id);
  g_hash_table_remove (daemon->retry_at, call->session->id);
  backend_call_free (call);
  reschedule (daemon);
}

static void
close_session (Daemon           *daemon,
               CnvStoredSession *session)
{
  CnvManagerBackend *backend = cnv_manager_config_get_backend (daemon->config, session->type);

  g_hash_table_remove (daemon->failures, session->id);
  g_hash_table_remove (daemon->retry_at, session->id);
  g_hash_table_remove (daemon->open_rooms, session->id);
  if (session->room_url == NULL || backend == NULL)
    {
      set_state (daemon, session->id, CNV_SESSION_STATE_CLOSED, NULL);
      log_event (G_LOG_LEVEL_MESSAGE, "closed", session->id, "Session %s ended and is closed",
                 session->id);
      cnv_stored_session_free (session);
      return;
    }
  {
    BackendCall *call = backend_call_new (daemon, session, TRUE);

    cnv_manager_backend_close_async (backend, &call->backend_session, session->room_url,
                                     daemon->cancellable, closed_cb, call);
  }
}

static void
activate_session (Daemon           *daemon,
                  CnvStoredSession *session)
{
  CnvManagerBackend *backend = cnv_manager_config_get_backend (daemon->config, session->type);
  BackendCall *call;

  if (backend == NULL)
    {
      g_hash_table_insert (daemon->retry_at, g_strdup (session->id),
                           g_memdup2 (&(gint64) { now_seconds () + ACTIVATION_RETRY_MAX },
                                      sizeof (gint64)));
      log_event (G_LOG_LEVEL_WARNING, "activation-failed", session->id,
                 "Session %s has type %s, which has no backend in the configuration", session->id,
                 session->type);
      cnv_stored_session_free (session);
      return;
    }
  call = backend_call_new (daemon, session, FALSE);
  cnv_manager_backend_open_async (backend, &call->backend_session, daemon->cancellable,
                                  opened_cb, call);
}

/* A session whose room this manager opened and that left the running ones without being closed
 * here was cancelled by an administrator (`session cancel`): its room is closed now (E516). */
static void
close_cancelled_rooms (Daemon     *daemon,
                       GHashTable *running)
{
  GHashTableIter iter;
  gpointer id;

  g_hash_table_iter_init (&iter, daemon->open_rooms);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      g_autoptr(CnvStoredSession) session = NULL;
      g_autoptr(GError) error = NULL;
      CnvManagerBackend *backend;

      if (g_hash_table_contains (running, id) || g_hash_table_contains (daemon->in_flight, id))
        continue;
      if (!cnv_manager_store_get_session (daemon->store, id, &session, &error))
        continue;   /* tried again at the next pass */
      g_hash_table_iter_remove (&iter);
      if (session == NULL || session->state != CNV_SESSION_STATE_CANCELLED ||
          session->room_url == NULL)
        continue;
      backend = cnv_manager_config_get_backend (daemon->config, session->type);
      if (backend == NULL)
        continue;
      log_event (G_LOG_LEVEL_MESSAGE, "cancelled", session->id, "Session %s was cancelled; "
                 "closing its room", session->id);
      {
        g_autofree char *room_url = g_strdup (session->room_url);
        BackendCall *call = backend_call_new (daemon, g_steal_pointer (&session), TRUE);

        cnv_manager_backend_close_async (backend, &call->backend_session, room_url,
                                         daemon->cancellable, closed_after_cancel_cb, call);
      }
    }
}

/* Starts what is due and returns when to look again. */
static gint64
run_due_sessions (Daemon *daemon,
                  gint64  now)
{
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GError) error = NULL;
  gint64 early = cnv_manager_config_get_join_early (daemon->config) / G_TIME_SPAN_SECOND;
  gint64 wake = now + SCHEDULER_MAX_SLEEP;

  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (!cnv_manager_store_list_sessions (daemon->store, FALSE, NULL, &sessions, &error))
    {
      g_warning ("Cannot read the sessions: %s", error->message);
      return now + STORE_FAILURE_RETRY;
    }
  for (guint i = 0; i < sessions->len; i++)
    g_hash_table_add (seen, ((CnvStoredSession *) g_ptr_array_index (sessions, i))->id);
  close_cancelled_rooms (daemon, seen);
  for (guint i = 0; i < sessions->len; i++)
    {
      CnvStoredSession *session = g_ptr_array_index (sessions, i);
      gint64 *retry = g_hash_table_lookup (daemon->retry_at, session->id);
      gint64 activation = MAX (session->start - early, retry != NULL ? *retry : 0);

      if (session->state == CNV_SESSION_STATE_ACTIVE && session->room_url != NULL)
        g_hash_table_add (daemon->open_rooms, g_strdup (session->id));
      if (g_hash_table_contains (daemon->in_flight, session->id))
        continue;
      if (session->end <= now)
        {
          close_session (daemon, g_ptr_array_steal_index_fast (sessions, i--));
          continue;
        }
      wake = MIN (wake, session->end);
      if (session->state != CNV_SESSION_STATE_SCHEDULED)
        continue;
      if (activation <= now)
        activate_session (daemon, g_ptr_array_steal_index_fast (sessions, i--));
      else
        wake = MIN (wake, activation);
    }
  return wake;
}

static gboolean
scheduler_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon->scheduler_id = 0;
  reschedule (daemon);
  return G_SOURCE_REMOVE;
}

/* The one timeout: the earliest session event or outbox retry, at most a minute away. Held
 * rows and a paused outbox (cnv-manager-outbox.c) make a due row not worth an immediate kick;
 * the minute's cap bounds how late they are tried. */
static void
reschedule (Daemon *daemon)
{
  g_autoptr(GError) error = NULL;
  gint64 now = now_seconds ();
  gint64 wake;
  gint64 deadline = 0;
  gboolean found = FALSE;

  if (g_cancellable_is_cancelled (daemon->cancellable) || daemon->stopping)
    return;
  g_clear_handle_id (&daemon->scheduler_id, g_source_remove);

  wake = run_due_sessions (daemon, now);
  /* The outbox's next attempt: due now (a kick), or worth waking for. */
  if (!cnv_manager_store_next_outbox_attempt (daemon->store, &deadline, &found, &error))
    g_warning ("Cannot read the outbox's next attempt: %s", error->message);
  else if (found && deadline <= now)
    cnv_manager_outbox_kick (daemon->outbox);
  else if (found)
    wake = MIN (wake, deadline);

  wake = MAX (wake, now + 1);
  daemon->scheduler_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, (guint) (wake - now),
                                                     scheduler_cb, daemon, NULL);
}

static void
outbox_idle_cb (CnvManagerOutbox *outbox,
                gpointer          user_data)
{
  reschedule (user_data);
}

/* ---- Mail in (E500) ------------------------------------------------------------------------- */

static char *
position_key (const CnvManagerAccount *account)
{
  return g_strdup_printf ("%s@%s:%u/%s", account->server->user, account->server->host,
                          cnv_mail_server_get_imap_port (account->server), account->mailbox);
}

static gboolean
restart_watch_cb (gpointer user_data)
{
  Watch *watch = user_data;
  g_autoptr(GError) error = NULL;
  guint32 uidvalidity = 0;
  guint32 last_uid = 0;

  watch->restart_id = 0;
  if (!cnv_manager_store_get_position (watch->daemon->store, watch->key, &uidvalidity, &last_uid,
                                       &error))
    {
      g_warning ("Cannot read the position of %s: %s", watch->key, error->message);
      watch->restart_id = g_timeout_add_seconds (STORE_FAILURE_RETRY, restart_watch_cb, watch);
      return G_SOURCE_REMOVE;
    }
  cnv_mailbox_watcher_set_position (watch->watcher, uidvalidity, last_uid);
  cnv_mailbox_watcher_start (watch->watcher);
  return G_SOURCE_REMOVE;
}

static void
message_cb (CnvMailboxWatcher *watcher,
            guint              uidvalidity,
            guint              uid,
            GBytes            *data,
            guint64            size,
            gpointer           user_data)
{
  Watch *watch = user_data;
  Daemon *daemon = watch->daemon;
  g_autoptr(CnvProcessResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (watch->restart_id != 0)
    return;   /* rewinding after a failure: this mail is read again from the stored position */

  result = cnv_manager_processor_handle (daemon->processor, watch->key, uidvalidity, uid, data,
                                         size, now_seconds (), &error);
  if (result == NULL)
    {
      /* Nothing was recorded: stop, and read again from the stored position in a while. */
      log_event (G_LOG_LEVEL_CRITICAL, "store-failed", NULL,
                 "Cannot record mail UID %u of %s, it will be read again in %d s: %s", uid,
                 watch->key, STORE_FAILURE_RETRY, error->message);
      cnv_mailbox_watcher_stop (watcher);
      watch->restart_id = g_timeout_add_seconds (STORE_FAILURE_RETRY, restart_watch_cb, watch);
      return;
    }

  switch (result->outcome)
    {
    case CNV_PROCESS_ACCEPTED:
    case CNV_PROCESS_INVITED_MORE:
      log_event (G_LOG_LEVEL_MESSAGE, cnv_process_outcome_to_string (result->outcome),
                 result->session_id, "Mail <%s> from %s: %s session %s, %u invitation(s)%s",
                 result->message_id, result->sender,
                 result->outcome == CNV_PROCESS_ACCEPTED ? "new" : "more people for",
                 result->session_id, result->n_invited,
                 result->n_refused > 0 ? ", some addresses refused (reported)" : "");
      break;
    case CNV_PROCESS_REFUSED:
    case CNV_PROCESS_IGNORED:
    case CNV_PROCESS_DUPLICATE:
    default:
      log_event (G_LOG_LEVEL_MESSAGE, cnv_process_outcome_to_string (result->outcome), NULL,
                 "Mail <%s> from %s %s: %s%s", result->message_id,
                 result->sender != NULL ? result->sender : "(unknown)",
                 cnv_process_outcome_to_string (result->outcome),
                 result->reason != NULL ? result->reason : "",
                 result->reported ? " (reported to the sender)" : "");
      break;
    }

  /* Processed: flag it on the server for the humans who look at the mailbox. */
  if (!cnv_mailbox_watcher_add_flag (watcher, uidvalidity, uid, "\\Seen", &error))
    g_debug ("Cannot flag UID %u: %s", uid, error->message);

  cnv_manager_outbox_kick (daemon->outbox);
  reschedule (daemon);
}

static gboolean
retry_watch_cb (gpointer user_data)
{
  Watch *watch = user_data;

  watch->retry_id = 0;
  cnv_mailbox_watcher_retry (watch->watcher);
  return G_SOURCE_REMOVE;
}

static void
status_cb (CnvMailboxWatcher *watcher,
           GParamSpec        *pspec,
           gpointer           user_data)
{
  Watch *watch = user_data;
  const GError *error = cnv_mailbox_watcher_get_last_error (watcher);
  CnvMailboxWatcherStatus status = cnv_mailbox_watcher_get_status (watcher);

  if (status == CNV_MAILBOX_WATCHER_STATUS_CONNECTING)
    return;
  /* The watcher gives up on a refused password or certificate (retrying blindly could lock the
   * account); an administrator may fix either without restarting the manager: try again now and
   * then. */
  if ((status == CNV_MAILBOX_WATCHER_STATUS_AUTH_FAILED ||
       status == CNV_MAILBOX_WATCHER_STATUS_TLS_FAILED) && watch->retry_id == 0)
    watch->retry_id = g_timeout_add_seconds (WATCHER_RETRY_SECONDS, retry_watch_cb, watch);
  log_event (error != NULL && status != CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING &&
             status != CNV_MAILBOX_WATCHER_STATUS_POLLING ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO,
             "mailbox", NULL, "Mailbox %s: %s%s%s", watch->key,
             cnv_mailbox_watcher_status_to_string (status),
             error != NULL ? ": " : "", error != NULL ? error->message : "");
}

static void
watch_free (Watch *watch)
{
  g_clear_handle_id (&watch->restart_id, g_source_remove);
  g_clear_handle_id (&watch->retry_id, g_source_remove);
  if (watch->watcher != NULL)
    {
      g_signal_handlers_disconnect_by_data (watch->watcher, watch);
      cnv_mailbox_watcher_stop (watch->watcher);
    }
  g_clear_object (&watch->watcher);
  g_free (watch->key);
  g_free (watch);
}

static gboolean
start_watch (Daemon             *daemon,
             CnvManagerAccount  *account,
             GError            **error)
{
  g_autoptr(CnvFileCredentials) credentials =
    cnv_file_credentials_new (account->password_file, NULL);
  Watch *watch = g_new0 (Watch, 1);
  guint32 uidvalidity = 0;
  guint32 last_uid = 0;

  watch->daemon = daemon;
  watch->account = account;
  watch->key = position_key (account);
  g_ptr_array_add (daemon->watches, watch);
  if (!cnv_manager_store_get_position (daemon->store, watch->key, &uidvalidity, &last_uid, error))
    return FALSE;

  watch->watcher = cnv_mailbox_watcher_new (account->server, CNV_CREDENTIALS (credentials),
                                            account->mailbox);
  g_object_set (watch->watcher,
                "read-only", FALSE,
                /* The first run handles what is already waiting, unread. */
                "start", CNV_MAILBOX_WATCHER_START_UNSEEN,
                "max-message-size", (guint64) cnv_manager_config_get_max_message_size (daemon->config),
                NULL);
  if (uidvalidity != 0)
    cnv_mailbox_watcher_set_position (watch->watcher, uidvalidity, last_uid);
  g_signal_connect (watch->watcher, "message", G_CALLBACK (message_cb), watch);
  g_signal_connect (watch->watcher, "notify::status", G_CALLBACK (status_cb), watch);
  cnv_mailbox_watcher_start (watch->watcher);
  log_event (G_LOG_LEVEL_MESSAGE, "mailbox", NULL, "Watching %s", watch->key);
  return TRUE;
}

/* ---- Admin changes -------------------------------------------------------------------------- */

static gboolean
data_version_cb (gpointer user_data)
{
  Daemon *daemon = user_data;
  gint64 version = cnv_manager_store_data_version (daemon->store);

  if (version != daemon->data_version)
    {
      daemon->data_version = version;
      cnv_manager_outbox_kick (daemon->outbox);
      reschedule (daemon);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- The service ---------------------------------------------------------------------------- */

static void
stop (Daemon *daemon)
{
  g_cancellable_cancel (daemon->cancellable);
  g_clear_handle_id (&daemon->scheduler_id, g_source_remove);
  g_clear_handle_id (&daemon->data_version_id, g_source_remove);
  g_clear_handle_id (&daemon->drain_id, g_source_remove);
  g_ptr_array_set_size (daemon->watches, 0);
  if (daemon->outbox != NULL)
    {
      g_signal_handlers_disconnect_by_data (daemon->outbox, daemon);
      cnv_manager_outbox_stop (daemon->outbox);
    }
  if (daemon->gateway != NULL)
    cnv_manager_gateway_stop (daemon->gateway);
}

static void
finish_stop (Daemon *daemon)
{
  stop (daemon);
  g_application_release (daemon->application);
}

static void
drained_cb (CnvManagerOutbox *outbox,
            gpointer          user_data)
{
  finish_stop (user_data);
}

static gboolean
drain_timeout_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon->drain_id = 0;
  log_event (G_LOG_LEVEL_WARNING, "stopping", NULL, "The mail in flight did not finish within "
             "%d s; it is sent again after the restart", DRAIN_SECONDS);
  finish_stop (daemon);
  return G_SOURCE_REMOVE;
}

/* SIGTERM, SIGINT: no new mail is read and no new session starts; the submission in flight (if
 * any) is let finish and recorded, so that the next start does not send it a second time. */
static gboolean
quit_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  if (daemon->stopping)
    return G_SOURCE_CONTINUE;
  daemon->stopping = TRUE;
  log_event (G_LOG_LEVEL_MESSAGE, "stopping", NULL, "Stopping on a signal");
  g_clear_handle_id (&daemon->scheduler_id, g_source_remove);
  g_clear_handle_id (&daemon->data_version_id, g_source_remove);
  g_ptr_array_set_size (daemon->watches, 0);
  if (daemon->gateway != NULL)
    cnv_manager_gateway_stop (daemon->gateway);
  if (daemon->outbox == NULL)
    {
      finish_stop (daemon);
      return G_SOURCE_CONTINUE;
    }
  g_signal_connect (daemon->outbox, "drained", G_CALLBACK (drained_cb), daemon);
  daemon->drain_id = g_timeout_add_seconds (DRAIN_SECONDS, drain_timeout_cb, daemon);
  cnv_manager_outbox_drain (daemon->outbox);
  return G_SOURCE_CONTINUE;
}

static CnvManagerBackend *
backend_for_type (const char *type,
                  gpointer    user_data)
{
  return cnv_manager_config_get_backend (CNV_MANAGER_CONFIG (user_data), type);
}

static gboolean
start (Daemon  *daemon,
       GError **error)
{
  g_autoptr(CnvFileCredentials) smtp_credentials = NULL;
  GPtrArray *accounts = cnv_manager_config_get_accounts (daemon->config);
  const char *listen = cnv_manager_config_get_gateway_listen (daemon->config);

  daemon->store = cnv_manager_store_open (cnv_manager_config_get_database (daemon->config), error);
  if (daemon->store == NULL)
    return FALSE;
  daemon->data_version = cnv_manager_store_data_version (daemon->store);
  daemon->processor = cnv_manager_processor_new (daemon->config, daemon->store);
  smtp_credentials =
    cnv_file_credentials_new (NULL, cnv_manager_config_get_smtp_password_file (daemon->config));
  daemon->outbox = cnv_manager_outbox_new (daemon->config, daemon->store,
                                           CNV_CREDENTIALS (smtp_credentials));
  g_signal_connect (daemon->outbox, "idle", G_CALLBACK (outbox_idle_cb), daemon);

  daemon->gateway = cnv_manager_gateway_new (daemon->store, backend_for_type, daemon->config,
                                             cnv_manager_config_get_join_early (daemon->config));
  cnv_manager_gateway_set_time_zone (daemon->gateway,
                                     cnv_manager_config_get_time_zone (daemon->config));
  cnv_manager_gateway_set_trusted_proxies (daemon->gateway,
                                           cnv_manager_config_get_trusted_proxies (daemon->config));
  if (!cnv_manager_gateway_listen (daemon->gateway, listen, error))
    return FALSE;
  log_event (G_LOG_LEVEL_MESSAGE, "gateway", NULL, "Join gateway listening on %s (port %u), links "
             "start with %s", listen, cnv_manager_gateway_get_port (daemon->gateway),
             cnv_manager_config_get_public_url (daemon->config));

  for (guint i = 0; i < accounts->len; i++)
    if (!start_watch (daemon, g_ptr_array_index (accounts, i), error))
      return FALSE;

  daemon->data_version_id = g_timeout_add_seconds (DATA_VERSION_INTERVAL, data_version_cb, daemon);
  cnv_manager_outbox_kick (daemon->outbox);
  reschedule (daemon);
  return TRUE;
}

static void
activate_cb (GApplication *application,
             gpointer      user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  /* Held until a signal stops the service. */
  g_application_hold (application);
  if (!start (daemon, &error))
    {
      g_printerr ("convene-manager: %s\n", error->message);
      daemon->exit_status = 1;
      stop (daemon);
      g_application_release (application);
      return;
    }
  log_event (G_LOG_LEVEL_MESSAGE, "started", NULL, "convene-manager %s started: %u mailbox(es)",
             PACKAGE_VERSION, daemon->watches->len);
}

/**
 * cnv_manager_daemon_main:
 * @argc: the arguments after the program name (`run`, `--config`, …)
 *
 * Returns: the exit status: 0 after a clean stop, 1 when it could not start, 2 for a usage or
 *   configuration error
 */
int
cnv_manager_daemon_main (int    argc,
                         char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— run the session manager");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *config_path = NULL;
  Daemon daemon = { 0, };
  char *application_argv[] = { argv[0], NULL };
  guint signal_ids[2];
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "The configuration file", "FILE" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("convene-manager run: %s\n", error->message);
      return 2;
    }
  if (config_path == NULL)
    {
      g_printerr ("convene-manager run: --config FILE is required\n");
      return 2;
    }

  /* Warnings (an unknown key, a key set twice) are shown and do not stop the service; errors,
   * and what `run` needs (cnv_manager_config_check_daemon()), do. */
  daemon.config = cnv_manager_config_check_file (config_path, problems, &error);
  for (guint i = 0; i < problems->len; i++)
    g_printerr ("%s\n", (const char *) g_ptr_array_index (problems, i));
  g_ptr_array_set_size (problems, 0);
  if (daemon.config != NULL && !cnv_manager_config_check_daemon (daemon.config, problems))
    {
      for (guint i = 0; i < problems->len; i++)
        g_printerr ("%s\n", (const char *) g_ptr_array_index (problems, i));
      g_clear_object (&daemon.config);
    }
  if (daemon.config == NULL)
    {
      if (error != NULL)
        g_printerr ("convene-manager run: %s\n", error->message);
      g_printerr ("convene-manager run: the configuration cannot be used (see "
                  "“convene-manager check-config --config %s”)\n", config_path);
      return 2;
    }

  daemon.cancellable = g_cancellable_new ();
  daemon.watches = g_ptr_array_new_with_free_func ((GDestroyNotify) watch_free);
  daemon.in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  daemon.retry_at = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  daemon.failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  daemon.open_rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* No bus name: a server has no session bus, and several managers may run on one machine. */
  daemon.application = g_application_new ("io.github.convene.Manager", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (daemon.application, "activate", G_CALLBACK (activate_cb), &daemon);
  signal_ids[0] = g_unix_signal_add (SIGTERM, quit_cb, &daemon);
  signal_ids[1] = g_unix_signal_add (SIGINT, quit_cb, &daemon);

  g_application_run (daemon.application, 1, application_argv);

  g_source_remove (signal_ids[0]);
  g_source_remove (signal_ids[1]);
  stop (&daemon);
  g_clear_pointer (&daemon.watches, g_ptr_array_unref);
  g_clear_object (&daemon.gateway);
  g_clear_object (&daemon.outbox);
  g_clear_object (&daemon.processor);
  g_clear_object (&daemon.store);
  g_clear_object (&daemon.config);
  g_clear_object (&daemon.application);
  g_clear_object (&daemon.cancellable);
  g_clear_pointer (&daemon.in_flight, g_hash_table_unref);
  g_clear_pointer (&daemon.retry_at, g_hash_table_unref);
  g_clear_pointer (&daemon.failures, g_hash_table_unref);
  g_clear_pointer (&daemon.open_rooms, g_hash_table_unref);
  return daemon.exit_status;
}
