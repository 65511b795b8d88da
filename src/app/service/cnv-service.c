/* cnv-service.c — Convene's background service: the app id's owner on the session bus (issue 6)
 *
 * The service ties the parts of Fig 4b together: the mailbox watcher (E450) feeds each new mail
 * of the INBOX to the invitation intake, which stores the invitations; the session runner
 * (E451–E458) acts on them in time and reports events, which become notifications; the
 * notifications' buttons come back as this application's actions. It holds no timer of its own
 * (the watcher's IDLE keep-alive and the runner's one timer are all that wake it), and it keeps
 * itself alive (g_application_hold) only while "Run in background" is on or a joined session is
 * pending; otherwise it exits after GLib's inactivity timeout, and D-Bus activation brings it
 * back for the next notification button.
 *
 * Nothing here logs a link, a credential or a password: the link is the participant's
 * credential, and the password only ever passes from the keyring to the watcher.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-service"

#include "config.h"

#include <signal.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "cnv-app-settings.h"
#include "cnv-autostart.h"
#include "cnv-gateway-client.h"
#include "cnv-invitation-intake.h"
#include "cnv-mailbox-watcher.h"
#include "cnv-secret-credentials.h"
#include "cnv-service.h"
#include "cnv-service-notify.h"
#include "cnv-session-runner.h"
#include "cnv-session-store.h"

#define WATCHED_FOLDER "INBOX"
/* How long an unheld service lingers after its last action before it exits. */
#define INACTIVITY_TIMEOUT_MS 10000
/* After the store failed to take a message, the watcher is started again this much later. */
#define STORE_RETRY_SECONDS 60
/* How long a quitting service waits for the launches and closes in flight. */
#define SHUTDOWN_TIMEOUT_MS 3000
/* The notification about the account (a refused password, an untrusted certificate). */
#define ACCOUNT_NOTIFICATION_ID "account"

/* A structured log record (journald keeps the fields; the console shows MESSAGE). */
#define log_event(level, event, session, ...)                                                   \
  G_STMT_START {                                                                                \
    g_autofree char *log_message_ = g_strdup_printf (__VA_ARGS__);                              \
    g_log_structured (G_LOG_DOMAIN, level,                                                     \
                      "CONVENE_EVENT", "%s", event,                                              \
                      "CONVENE_SESSION", "%s", (session) != NULL ? (const char *) (session) : "", \
                      "MESSAGE", "%s", log_message_);                                           \
  } G_STMT_END

struct _CnvService
{
  GApplication       parent_instance;

  GSettings         *settings;
  CnvAccount        *account;            /* NULL: none set up yet */
  GPtrArray         *session_types;      /* CnvSessionTypeEntry */
  char              *trusted_authserv_id;
  char              *position_key;       /* USER@HOST/INBOX: whose position the store keeps */
  CnvCredentials    *credentials;
  CnvSessionStore   *store;              /* NULL when it cannot be opened */
  CnvGatewayClient  *gateway;
  CnvSessionRunner  *runner;             /* NULL without a store */
  CnvMailboxWatcher *watcher;
  GCancellable      *cancellable;
  GDBusConnection   *system_bus;
  char              *activation_token;   /* of the action being handled, for the UI's window */
  char              *startup_id;

  guint              sleep_subscription;
  guint              sigterm_id;
  guint              sigint_id;
  guint              settings_idle_id;
  guint              retry_id;
  guint              trim_id;
  guint              intake_idle_id;
  gboolean           account_changed;
  gboolean           runner_changed;
  gboolean           background_changed;
  gboolean           held;
  gboolean           stopping;
};

G_DEFINE_FINAL_TYPE (CnvService, cnv_service, G_TYPE_APPLICATION)

static void start_watcher (CnvService *self);
static void update_hold (CnvService *self);

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ---- The UI ----------------------------------------------------------------------------------- */

static void
ui_exited_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GSubprocess *subprocess = G_SUBPROCESS (source);
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_finish (subprocess, result, &error))
    return;
  if (g_subprocess_get_if_exited (subprocess) && g_subprocess_get_exit_status (subprocess) != 0)
    g_message ("The UI exited with status %d", g_subprocess_get_exit_status (subprocess));
  else if (g_subprocess_get_if_signaled (subprocess))
    g_message ("The UI was killed by signal %d", g_subprocess_get_term_sig (subprocess));
}

/* Starts `convene` with @arg (may be NULL) and @value; a UI already running takes the request
 * over itself (it is a unique application on its own bus name). */
static void
spawn_ui (CnvService *self,
          const char *arg,
          const char *value)
{
  const char *override = g_getenv ("CONVENE_UI");
  g_autofree char *path = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[4] = { NULL, NULL, NULL, NULL };

  path = override != NULL && override[0] != '\0'
         ? g_strdup (override) : g_build_filename (CNV_BINDIR, "convene", NULL);
  argv[0] = path;
  argv[1] = arg;
  argv[2] = arg != NULL ? value : NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  /* The window may take the focus the notification server granted to this activation. */
  if (self->activation_token != NULL)
    g_subprocess_launcher_setenv (launcher, "XDG_ACTIVATION_TOKEN", self->activation_token, TRUE);
  if (self->startup_id != NULL)
    g_subprocess_launcher_setenv (launcher, "DESKTOP_STARTUP_ID", self->startup_id, TRUE);
  subprocess = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (subprocess == NULL)
    {
      g_warning ("Cannot start the UI %s: %s", path, error->message);
      return;
    }
  g_debug ("Started the UI %s %s", path, arg != NULL ? arg : "");
  g_subprocess_wait_async (subprocess, NULL, ui_exited_cb, NULL);
}

/* ---- Actions ------------------------------------------------------------------------------------ */

typedef gboolean (*RunnerAnswer) (CnvSessionRunner *runner,
                                  const char       *session_id,
                                  GError          **error);

static void
answer (CnvService   *self,
        const char   *what,
        RunnerAnswer  func,
        GVariant     *parameter)
{
  const char *session_id = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;

  if (self->runner == NULL)
    {
      log_event (G_LOG_LEVEL_WARNING, what, session_id,
                 "Cannot %s session %s: the session store is not available", what, session_id);
      return;
    }
  if (!func (self->runner, session_id, &error))
    {
      log_event (G_LOG_LEVEL_MESSAGE, what, session_id, "Cannot %s session %s: %s", what,
                 session_id, error->message);
      return;
    }
  log_event (G_LOG_LEVEL_INFO, what, session_id, "Session %s: %s", session_id, what);
  update_hold (self);
}

static void
withdraw_session (CnvService *self,
                  const char *session_id)
{
  g_autofree char *id = cnv_service_notification_id (session_id);

  g_application_withdraw_notification (G_APPLICATION (self), id);
}

static void
join_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CnvService *self = user_data;

  /* The Join button has done its work; what follows (the reminder, the launch) notifies anew. */
  withdraw_session (self, g_variant_get_string (parameter, NULL));
  answer (self, "join", cnv_session_runner_join, parameter);
}

static void
dismiss_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  CnvService *self = user_data;

  withdraw_session (self, g_variant_get_string (parameter, NULL));
  answer (self, "dismiss", cnv_session_runner_dismiss, parameter);
}

static void
relaunch_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  answer (user_data, "relaunch", cnv_session_runner_relaunch, parameter);
}

static void
leave_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  answer (user_data, "leave", cnv_session_runner_leave, parameter);
}

static void
show_session_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  spawn_ui (user_data, "--session", g_variant_get_string (parameter, NULL));
}

static void
show_sessions_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  spawn_ui (user_data, NULL, NULL);
}

static void
new_session_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  spawn_ui (user_data, "--new-session", NULL);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  spawn_ui (user_data, "--preferences", NULL);
}

/* The UI saved the account (a new password, maybe for the same server, which changes no
 * setting the service follows): log in again now, also after a refused password, which the
 * watcher never retries by itself. */
static void
reconnect_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  CnvService *self = user_data;

  log_event (G_LOG_LEVEL_INFO, "watcher", NULL, "Asked to log in again");
  start_watcher (self);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry service_actions[] = {
  { "join", join_activated, "s", NULL, NULL, { 0 } },
  { "dismiss", dismiss_activated, "s", NULL, NULL, { 0 } },
  { "relaunch", relaunch_activated, "s", NULL, NULL, { 0 } },
  { "leave", leave_activated, "s", NULL, NULL, { 0 } },
  { "show-session", show_session_activated, "s", NULL, NULL, { 0 } },
  { "show-sessions", show_sessions_activated, NULL, NULL, NULL, { 0 } },
  { "new-session", new_session_activated, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  { "reconnect", reconnect_activated, NULL, NULL, NULL, { 0 } },
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
};

/* ---- Keeping alive, autostart ---------------------------------------------------------------- */

static void
update_hold (CnvService *self)
{
  gboolean want = FALSE;

  if (!self->stopping && self->settings != NULL)
    want = g_settings_get_boolean (self->settings, "run-in-background")
           || (self->runner != NULL && cnv_session_runner_has_pending (self->runner));
  if (want == self->held)
    return;
  self->held = want;
  if (want)
    g_application_hold (G_APPLICATION (self));
  else
    g_application_release (G_APPLICATION (self));
  g_debug ("%s", want ? "Held: staying in the background" : "Released: exiting when idle");
}

/* The service's own path: CONVENE_SERVICE from the build tree, else where it is installed. */
static char *
service_path (void)
{
  const char *override = g_getenv ("CONVENE_SERVICE");

  if (override != NULL && g_path_is_absolute (override))
    return g_strdup (override);
  return g_build_filename (CNV_LIBEXECDIR, "convene-service", NULL);
}

static void
autostart_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cnv_autostart_set_finish (result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Cannot change the start with the session: %s", error->message);
}

static void
sync_autostart (CnvService *self)
{
  gboolean enabled = g_settings_get_boolean (self->settings, "run-in-background");
  g_autofree char *path = service_path ();

  /* An uninstalled service (run from a build tree without CONVENE_SERVICE) must not leave the
   * user's session an entry that runs nothing. */
  if (enabled && !cnv_autostart_in_flatpak () && !g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_info ("%s is not installed: no autostart entry written", path);
      return;
    }
  cnv_autostart_set_async (enabled, path, self->cancellable, autostart_done_cb, NULL);
}

/* ---- Notifications ---------------------------------------------------------------------------- */

static void
runner_event_cb (CnvSessionRunner *runner,
                 CnvRunnerEvent    event,
                 CnvSessionRecord *record,
                 const char       *detail,
                 gpointer          user_data)
{
  CnvService *self = user_data;
  g_autofree char *id = NULL;
  g_autoptr(GNotification) notification = NULL;
  const CnvSessionTypeEntry *type = NULL;

  if (record == NULL || record->session_id == NULL)
    return;
  log_event (G_LOG_LEVEL_INFO, cnv_runner_event_to_string (event), record->session_id,
             "Session %s: %s (%s)%s%s", record->session_id, cnv_runner_event_to_string (event),
             cnv_session_status_to_string (record->status), detail != NULL ? ": " : "",
             detail != NULL ? detail : "");

  id = cnv_service_notification_id (record->session_id);
  if (self->session_types != NULL && record->manager_address != NULL)
    type = cnv_session_type_entries_find (self->session_types, record->manager_address);
  notification = cnv_service_notification_new (event, record, type, detail, now_seconds ());
  if (notification != NULL)
    g_application_send_notification (G_APPLICATION (self), id, notification);
  else
    g_application_withdraw_notification (G_APPLICATION (self), id);
}

static void
runner_changed_cb (CnvSessionRunner *runner,
                   gpointer          user_data)
{
  update_hold (user_data);
}

/* Only what needs the user: a refused password or an untrusted certificate is never retried by
 * itself (retrying a wrong password could lock the account). */
static void
update_account_notification (CnvService *self)
{
  CnvMailboxWatcherStatus status = cnv_mailbox_watcher_get_status (self->watcher);
  g_autoptr(GNotification) notification = NULL;
  const char *body;

  switch (status)
    {
    case CNV_MAILBOX_WATCHER_STATUS_AUTH_FAILED:
      body = _("The mail server refused the password, or none is saved. Invitations are not "
               "noticed until it is corrected in the preferences.");
      break;
    case CNV_MAILBOX_WATCHER_STATUS_TLS_FAILED:
      body = _("The mail server’s certificate is not trusted. Invitations are not noticed until "
               "this is corrected in the preferences.");
      break;
    case CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING:
    case CNV_MAILBOX_WATCHER_STATUS_POLLING:
      g_application_withdraw_notification (G_APPLICATION (self), ACCOUNT_NOTIFICATION_ID);
      return;
    case CNV_MAILBOX_WATCHER_STATUS_STOPPED:
    case CNV_MAILBOX_WATCHER_STATUS_CONNECTING:
    case CNV_MAILBOX_WATCHER_STATUS_OFFLINE:
    case CNV_MAILBOX_WATCHER_STATUS_FAILED:
    default:
      return;
    }
  notification = g_notification_new (_("Cannot Read Your Mail"));
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action (notification, "app.preferences");
  g_notification_add_button (notification, _("Preferences"), "app.preferences");
  g_application_send_notification (G_APPLICATION (self), ACCOUNT_NOTIFICATION_ID, notification);
}

/* ---- The watcher ------------------------------------------------------------------------------ */

static gboolean
retry_watcher_cb (gpointer user_data)
{
  CnvService *self = user_data;

  self->retry_id = 0;
  start_watcher (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_watcher_retry (CnvService *self)
{
  if (self->retry_id == 0 && !self->stopping)
    self->retry_id = g_timeout_add_seconds (STORE_RETRY_SECONDS, retry_watcher_cb, self);
}

static gboolean
intake_settled_cb (gpointer user_data)
{
  CnvService *self = user_data;

  self->intake_idle_id = 0;
  if (self->runner != NULL)
    cnv_session_runner_reschedule (self->runner);
  /* A joined session cancelled by new mail leaves nothing pending, yet the runner wrote nothing
   * and reports no change. */
  update_hold (self);
  return G_SOURCE_REMOVE;
}

static void
watcher_message_cb (CnvMailboxWatcher *watcher,
                    guint              uidvalidity,
                    guint              uid,
                    GBytes            *message,
                    guint64            size,
                    gpointer           user_data)
{
  CnvService *self = user_data;
  g_autoptr(CnvIntakeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  CnvIntakeContext context = {
    .entries = self->session_types,
    .user_address = self->account->address,
    .trusted_authserv_id = self->trusted_authserv_id,
    .mailbox = self->position_key,
    .uidvalidity = uidvalidity,
    .uid = uid,
    .now = now_seconds (),
  };

  if (!cnv_invitation_intake (self->store, message, &context, &result, &error))
    {
      /* Nothing was stored, not even the position: this message must be read again, never
       * skipped. The watcher stops here (a handler may stop it) and starts over from the stored
       * position later. */
      log_event (G_LOG_LEVEL_WARNING, "intake-failed", NULL,
                 "UID %u of %s could not be stored (%s): reading it again in %d s", uid,
                 WATCHED_FOLDER, error->message, STORE_RETRY_SECONDS);
      cnv_mailbox_watcher_stop (watcher);
      schedule_watcher_retry (self);
      return;
    }

  if (result->outcome == CNV_INTAKE_IGNORED)
    {
      log_event (G_LOG_LEVEL_INFO, "ignored", NULL, "UID %u of %s ignored: %s", uid,
                 WATCHED_FOLDER, result->reason != NULL ? result->reason : "not an invitation");
      return;
    }
  log_event (G_LOG_LEVEL_MESSAGE, cnv_intake_outcome_to_string (result->outcome),
             result->record != NULL ? result->record->session_id : NULL,
             "UID %u of %s: session %s %s", uid, WATCHED_FOLDER,
             result->record != NULL ? result->record->session_id : "?",
             cnv_intake_outcome_to_string (result->outcome));
  /* One pass of the runner after a burst of mail, not one per message: each pass reads every
   * current session, so 1 000 invitations taken at once would cost a million record copies. */
  if (result->outcome != CNV_INTAKE_UNCHANGED && self->runner != NULL && self->intake_idle_id == 0)
    self->intake_idle_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, intake_settled_cb, self,
                                            NULL);
}

/* ---- Memory ------------------------------------------------------------------------------------ */

static gboolean
trim_cb (gpointer user_data)
{
  CnvService *self = user_data;

  self->trim_id = 0;
#ifdef __GLIBC__
  malloc_trim (0);
#endif
  return G_SOURCE_REMOVE;
}

/* The service waits for months between short bursts of work (a sync, its TLS handshake, the
 * intake of the new mail, the notifications), and glibc keeps the heap those bursts freed. Trimmed
 * once the main loop has nothing left to do, the idle service after 1 000 invitations went from
 * 28.2 to 25.9 MB RSS, PSS 12.7 to 10.3 MB (heap 9.2 to 7.0 MB; tests/bench/bench-service.py).
 * A fixed mmap threshold or a single malloc arena changed nothing measurable (within 0.2 MB), so
 * neither is set. */
static void
schedule_trim (CnvService *self)
{
  if (self->trim_id == 0 && !self->stopping)
    self->trim_id = g_idle_add_full (G_PRIORITY_LOW, trim_cb, self, NULL);
}

/* After a sync the watcher's position may be past what was emitted (the first sync with no
 * position starts at the folder's end; expunged messages are passed): it is stored, so that a
 * restart goes on from there instead of starting afresh and missing what came meanwhile. */
static void
watcher_synced_cb (CnvMailboxWatcher *watcher,
                   gpointer           user_data)
{
  CnvService *self = user_data;
  guint32 uidvalidity = cnv_mailbox_watcher_get_uidvalidity (watcher);
  guint32 last_uid = cnv_mailbox_watcher_get_last_uid (watcher);
  guint32 stored_uidvalidity, stored_last_uid;
  g_autoptr(GError) error = NULL;

  schedule_trim (self);
  if (uidvalidity == 0)
    return;
  if (!cnv_session_store_get_position (self->store, self->position_key, &stored_uidvalidity,
                                       &stored_last_uid, &error))
    {
      g_warning ("Cannot read the position of %s: %s", WATCHED_FOLDER, error->message);
      return;
    }
  if (stored_uidvalidity == uidvalidity && stored_last_uid == last_uid)
    return;
  if (!cnv_session_store_set_position (self->store, self->position_key, uidvalidity, last_uid,
                                       &error))
    g_warning ("Cannot store the position of %s: %s", WATCHED_FOLDER, error->message);
}

static void
watcher_status_cb (CnvMailboxWatcher *watcher,
                   GParamSpec        *pspec,
                   gpointer           user_data)
{
  CnvService *self = user_data;
  CnvMailboxWatcherStatus status = cnv_mailbox_watcher_get_status (watcher);
  const GError *error = cnv_mailbox_watcher_get_last_error (watcher);

  log_event (error != NULL && status >= CNV_MAILBOX_WATCHER_STATUS_OFFLINE
             ? G_LOG_LEVEL_MESSAGE : G_LOG_LEVEL_INFO,
             "watcher", NULL, "%s: %s%s%s", WATCHED_FOLDER,
             cnv_mailbox_watcher_status_to_string (status),
             error != NULL && status >= CNV_MAILBOX_WATCHER_STATUS_OFFLINE ? ": " : "",
             error != NULL && status >= CNV_MAILBOX_WATCHER_STATUS_OFFLINE ? error->message : "");
  update_account_notification (self);
}

static void
stop_watcher (CnvService *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->watcher == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->watcher, self);
  cnv_mailbox_watcher_stop (self->watcher);
  g_clear_object (&self->watcher);
}

static void
start_watcher (CnvService *self)
{
  guint32 uidvalidity = 0;
  guint32 last_uid = 0;
  g_autoptr(GError) error = NULL;

  stop_watcher (self);
  g_clear_pointer (&self->position_key, g_free);
  if (self->account == NULL || self->store == NULL || self->stopping)
    return;

  /* The position belongs to this account's INBOX: another account (or server) starts afresh. */
  self->position_key = g_strdup_printf ("%s@%s/%s", self->account->imap->user,
                                        self->account->imap->host, WATCHED_FOLDER);
  if (!cnv_session_store_get_position (self->store, self->position_key, &uidvalidity, &last_uid,
                                       &error))
    {
      g_warning ("Cannot read the position of %s: %s; trying again in %d s", WATCHED_FOLDER,
                 error->message, STORE_RETRY_SECONDS);
      schedule_watcher_retry (self);
      return;
    }

  self->watcher = cnv_mailbox_watcher_new (self->account->imap, self->credentials,
                                           WATCHED_FOLDER);
  /* Read-only (EXAMINE, BODY.PEEK): the user's \Seen flags stay as the user left them. IDLE
   * where the server has it, else polling. Without a stored position (the first run, or a new
   * account) only mail arriving from now on: an INBOX holds months of old invitations, long
   * over or answered, which would otherwise all pop up at once; UNSEEN would not help, as many
   * users leave most mail unread. An invitation sent before the app was set up reaches the
   * user as mail, and the session list gets it with the next update the manager sends. */
  g_object_set (self->watcher,
                "read-only", TRUE,
                "use-idle", TRUE,
                "start", CNV_MAILBOX_WATCHER_START_NEW,
                NULL);
  if (uidvalidity != 0)
    cnv_mailbox_watcher_set_position (self->watcher, uidvalidity, last_uid);
  g_signal_connect (self->watcher, "message", G_CALLBACK (watcher_message_cb), self);
  g_signal_connect (self->watcher, "synced", G_CALLBACK (watcher_synced_cb), self);
  g_signal_connect (self->watcher, "notify::status", G_CALLBACK (watcher_status_cb), self);
  log_event (G_LOG_LEVEL_INFO, "watcher", NULL, "Watching %s of %s from %s", WATCHED_FOLDER,
             self->account->address, uidvalidity != 0 ? "the stored position" : "now on");
  cnv_mailbox_watcher_start (self->watcher);
}

/* ---- Settings ----------------------------------------------------------------------------------- */

static gboolean
same_watched_account (const CnvAccount *a,
                      const CnvAccount *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  /* Not the address: the intake reads it from self->account for each message. */
  return g_strcmp0 (a->imap->host, b->imap->host) == 0
         && cnv_mail_server_get_imap_port (a->imap) == cnv_mail_server_get_imap_port (b->imap)
         && a->imap->security == b->imap->security
         && a->imap->auth == b->imap->auth
         && g_strcmp0 (a->imap->user, b->imap->user) == 0
         && g_strcmp0 (a->imap->ca_file, b->imap->ca_file) == 0;
}

static void
load_runner_settings (CnvService *self)
{
  CnvScheduleSettings settings;
  g_auto(GStrv) auto_join = NULL;

  if (self->runner == NULL)
    return;
  cnv_schedule_settings_init (&settings);
  /* At the start, not before: the gateway opens the session at its start, and a launch asked
   * earlier would only find it "scheduled". */
  settings.join_early = 0;
  settings.remind_before = (gint64) g_settings_get_uint (self->settings, "remind-before") * 60;
  settings.warn_before_end = (gint64) g_settings_get_uint (self->settings, "warn-before-end") * 60;
  settings.grace = g_settings_get_uint (self->settings, "close-grace");
  cnv_session_runner_set_settings (self->runner, &settings);
  cnv_session_runner_set_session_types (self->runner, self->session_types);
  auto_join = g_settings_get_strv (self->settings, "auto-join");
  cnv_session_runner_set_auto_join (self->runner, (const char * const *) auto_join);
}

static void
load_gateway_ca (CnvService *self)
{
  g_autofree char *ca_file = g_settings_get_string (self->settings, "ca-file");
  g_autoptr(GError) error = NULL;

  if (!cnv_gateway_client_set_ca_file (self->gateway, ca_file, &error))
    g_warning ("Cannot use the certificate authorities of %s for the join gateway: %s", ca_file,
               error->message);
}

static gboolean
apply_settings_cb (gpointer user_data)
{
  CnvService *self = user_data;

  self->settings_idle_id = 0;
  if (self->stopping)
    return G_SOURCE_REMOVE;

  g_clear_pointer (&self->trusted_authserv_id, g_free);
  self->trusted_authserv_id = g_settings_get_string (self->settings, "trusted-authserv-id");

  if (self->runner_changed)
    {
      g_clear_pointer (&self->session_types, g_ptr_array_unref);
      self->session_types = cnv_session_type_entries_load (self->settings);
      load_runner_settings (self);
      if (self->runner != NULL)
        cnv_session_runner_reschedule (self->runner);
    }
  if (self->account_changed)
    {
      g_autoptr(CnvAccount) account = cnv_account_load (self->settings);

      load_gateway_ca (self);
      if (!same_watched_account (account, self->account))
        {
          g_clear_pointer (&self->account, cnv_account_free);
          self->account = g_steal_pointer (&account);
          log_event (G_LOG_LEVEL_MESSAGE, "account", NULL, "%s",
                     self->account != NULL ? "The account changed: watching again"
                                           : "No account: not watching");
          g_application_withdraw_notification (G_APPLICATION (self), ACCOUNT_NOTIFICATION_ID);
          start_watcher (self);
        }
      else
        {
          /* The display name or the SMTP side: nothing the watcher uses. */
          g_clear_pointer (&self->account, cnv_account_free);
          self->account = g_steal_pointer (&account);
        }
    }
  if (self->background_changed)
    sync_autostart (self);
  update_hold (self);

  self->runner_changed = FALSE;
  self->account_changed = FALSE;
  self->background_changed = FALSE;
  return G_SOURCE_REMOVE;
}

/* Settings change in batches (the UI saves the account with g_settings_delay/apply, and the
 * keyfile backend reports a rewritten file key by key): they are applied once, when idle. */
static void
settings_changed_cb (GSettings  *settings,
                     const char *key,
                     gpointer    user_data)
{
  CnvService *self = user_data;

  if (g_str_equal (key, "session-types") || g_str_equal (key, "auto-join")
      || g_str_equal (key, "remind-before") || g_str_equal (key, "warn-before-end")
      || g_str_equal (key, "close-grace"))
    self->runner_changed = TRUE;
  else if (g_str_equal (key, "run-in-background"))
    self->background_changed = TRUE;
  else if (g_str_has_prefix (key, "account-") || g_str_has_prefix (key, "imap-")
           || g_str_has_prefix (key, "smtp-") || g_str_equal (key, "ca-file")
           || g_str_equal (key, "sent-folder"))
    self->account_changed = TRUE;
  else if (!g_str_equal (key, "trusted-authserv-id"))
    return;     /* the UI's own keys (window size, last session type…) */

  if (self->settings_idle_id == 0)
    self->settings_idle_id = g_idle_add (apply_settings_cb, self);
}

/* ---- Suspend, signals ------------------------------------------------------------------------- */

/* logind's PrepareForSleep(false) comes after a resume: the runner's timer did not run while
 * the machine slept (a monotonic timeout stops with it), so the wall clock is read again; the
 * mail connection has most likely died meanwhile. */
static void
prepare_for_sleep_cb (GDBusConnection *connection,
                      const char      *sender_name,
                      const char      *object_path,
                      const char      *interface_name,
                      const char      *signal_name,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  CnvService *self = user_data;
  gboolean going_to_sleep;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (parameters, "(b)", &going_to_sleep);
  if (going_to_sleep)
    return;
  log_event (G_LOG_LEVEL_INFO, "resume", NULL, "Resumed from suspend: deciding again");
  if (self->runner != NULL)
    cnv_session_runner_reschedule (self->runner);
  update_hold (self);
  if (self->watcher != NULL)
    switch (cnv_mailbox_watcher_get_status (self->watcher))
      {
      case CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING:
      case CNV_MAILBOX_WATCHER_STATUS_POLLING:
        cnv_mailbox_watcher_check_now (self->watcher);
        break;
      case CNV_MAILBOX_WATCHER_STATUS_OFFLINE:
      case CNV_MAILBOX_WATCHER_STATUS_FAILED:
        cnv_mailbox_watcher_retry (self->watcher);
        break;
      case CNV_MAILBOX_WATCHER_STATUS_STOPPED:
      case CNV_MAILBOX_WATCHER_STATUS_CONNECTING:
      case CNV_MAILBOX_WATCHER_STATUS_AUTH_FAILED:
      case CNV_MAILBOX_WATCHER_STATUS_TLS_FAILED:
      default:
        /* Connecting already, or waiting for the user (password, certificate). */
        break;
      }
}

static void
system_bus_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CnvService *self;
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection = g_bus_get_finish (result, &error);

  if (connection == NULL)
    {
      /* No system bus (a container, a test): suspend is not noticed, nothing else is lost. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No system bus, resume from suspend not watched: %s", error->message);
      return;
    }
  self = user_data;
  self->system_bus = connection;
  self->sleep_subscription =
    g_dbus_connection_signal_subscribe (connection, "org.freedesktop.login1",
                                        "org.freedesktop.login1.Manager", "PrepareForSleep",
                                        "/org/freedesktop/login1", NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, prepare_for_sleep_cb, self,
                                        NULL);
}

static gboolean
quit_signal_cb (gpointer user_data)
{
  CnvService *self = user_data;

  log_event (G_LOG_LEVEL_MESSAGE, "quit", NULL, "Asked to quit by a signal");
  /* The source is removed by returning; the ids must not be removed again in shutdown. */
  self->sigterm_id = 0;
  self->sigint_id = 0;
  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
}

/* ---- The store ---------------------------------------------------------------------------------- */

static CnvSessionStore *
open_store (void)
{
  g_autofree char *path = cnv_session_store_default_path ();
  g_autoptr(GError) error = NULL;
  CnvSessionStore *store = cnv_session_store_open (path, &error);

  if (store != NULL)
    return store;
  if (g_error_matches (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_CORRUPT))
    {
      g_autoptr(GError) aside_error = NULL;
      g_autofree char *aside = cnv_session_store_set_aside (path, &aside_error);

      if (aside == NULL)
        {
          g_warning ("The session store %s is damaged (%s) and cannot be set aside: %s", path,
                     error->message, aside_error->message);
          return NULL;
        }
      log_event (G_LOG_LEVEL_WARNING, "store-set-aside", NULL,
                 "The session store %s was damaged (%s): kept as %s, a new one is started",
                 path, error->message, aside);
      g_clear_error (&error);
      store = cnv_session_store_open (path, &error);
      if (store != NULL)
        return store;
    }
  g_warning ("Cannot open the session store %s: %s", path, error->message);
  return NULL;
}

/* ---- GApplication ------------------------------------------------------------------------------- */

static void
cnv_service_startup (GApplication *application)
{
  CnvService *self = CNV_SERVICE (application);
  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (cnv_service_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), service_actions,
                                   G_N_ELEMENTS (service_actions), self);
  self->sigterm_id = g_unix_signal_add (SIGTERM, quit_signal_cb, self);
  self->sigint_id = g_unix_signal_add (SIGINT, quit_signal_cb, self);

  self->cancellable = g_cancellable_new ();
  self->settings = cnv_app_settings_new ();
  /* Connected before the keys are read: GSettings reports changes of keys that were read. */
  g_signal_connect (self->settings, "changed", G_CALLBACK (settings_changed_cb), self);
  self->session_types = cnv_session_type_entries_load (self->settings);
  self->trusted_authserv_id = g_settings_get_string (self->settings, "trusted-authserv-id");
  self->account = cnv_account_load (self->settings);
  self->credentials = CNV_CREDENTIALS (cnv_secret_credentials_new ());

  self->gateway = cnv_gateway_client_new ();
  load_gateway_ca (self);
  self->store = open_store ();
  if (self->store != NULL)
    {
      self->runner = cnv_session_runner_new (self->store, self->gateway);
      g_signal_connect (self->runner, "event", G_CALLBACK (runner_event_cb), self);
      g_signal_connect (self->runner, "changed", G_CALLBACK (runner_changed_cb), self);
      load_runner_settings (self);
      if (!cnv_session_runner_start (self->runner, &error))
        g_warning ("Cannot start the session runner: %s", error->message);
    }

  if (self->account == NULL)
    log_event (G_LOG_LEVEL_MESSAGE, "account", NULL,
               "No account set up: nothing is watched until one is");
  start_watcher (self);

  g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, system_bus_cb, self);
  sync_autostart (self);
  g_application_set_inactivity_timeout (application, INACTIVITY_TIMEOUT_MS);
  update_hold (self);
}

static void
cnv_service_activate (GApplication *application)
{
  /* Launching the app (its desktop file, D-Bus activation without an action): the session
   * list. */
  spawn_ui (CNV_SERVICE (application), NULL, NULL);
}

/* The activation token of a notification click or a launch: handed to the UI so that its
 * window may take the focus. */
static void
cnv_service_before_emit (GApplication *application,
                         GVariant     *platform_data)
{
  CnvService *self = CNV_SERVICE (application);

  G_APPLICATION_CLASS (cnv_service_parent_class)->before_emit (application, platform_data);
  g_clear_pointer (&self->activation_token, g_free);
  g_clear_pointer (&self->startup_id, g_free);
  if (platform_data == NULL)
    return;
  g_variant_lookup (platform_data, "activation-token", "s", &self->activation_token);
  g_variant_lookup (platform_data, "desktop-startup-id", "s", &self->startup_id);
}

static void
cnv_service_after_emit (GApplication *application,
                        GVariant     *platform_data)
{
  CnvService *self = CNV_SERVICE (application);

  g_clear_pointer (&self->activation_token, g_free);
  g_clear_pointer (&self->startup_id, g_free);
  G_APPLICATION_CLASS (cnv_service_parent_class)->after_emit (application, platform_data);
}

static void
cnv_service_shutdown (GApplication *application)
{
  CnvService *self = CNV_SERVICE (application);

  self->stopping = TRUE;
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_handle_id (&self->settings_idle_id, g_source_remove);
  g_clear_handle_id (&self->trim_id, g_source_remove);
  g_clear_handle_id (&self->intake_idle_id, g_source_remove);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  stop_watcher (self);
  if (self->runner != NULL)
    {
      /* The programs of running sessions go on: a restarted service finds them again by their
       * process group and closes them at the end. */
      cnv_session_runner_shutdown (self->runner, SHUTDOWN_TIMEOUT_MS);
      g_signal_handlers_disconnect_by_data (self->runner, self);
    }
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->system_bus != NULL && self->sleep_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_subscription);
  self->sleep_subscription = 0;
  if (self->held)
    {
      self->held = FALSE;
      g_application_release (application);
    }
  log_event (G_LOG_LEVEL_INFO, "quit", NULL, "Stopped");

  G_APPLICATION_CLASS (cnv_service_parent_class)->shutdown (application);
}

static void
cnv_service_dispose (GObject *object)
{
  CnvService *self = CNV_SERVICE (object);

  g_clear_object (&self->runner);
  g_clear_object (&self->watcher);
  g_clear_object (&self->gateway);
  g_clear_object (&self->store);
  g_clear_object (&self->credentials);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->system_bus);
  g_clear_pointer (&self->account, cnv_account_free);
  g_clear_pointer (&self->session_types, g_ptr_array_unref);
  g_clear_pointer (&self->trusted_authserv_id, g_free);
  g_clear_pointer (&self->position_key, g_free);
  g_clear_pointer (&self->activation_token, g_free);
  g_clear_pointer (&self->startup_id, g_free);

  G_OBJECT_CLASS (cnv_service_parent_class)->dispose (object);
}

static void
cnv_service_class_init (CnvServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = cnv_service_dispose;
  application_class->startup = cnv_service_startup;
  application_class->activate = cnv_service_activate;
  application_class->before_emit = cnv_service_before_emit;
  application_class->after_emit = cnv_service_after_emit;
  application_class->shutdown = cnv_service_shutdown;
}

static void
cnv_service_init (CnvService *self)
{
}

CnvService *
cnv_service_new (void)
{
  return g_object_new (CNV_TYPE_SERVICE,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}
