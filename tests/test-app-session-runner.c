/* test-app-session-runner.c — CnvSessionRunner: notifications, the gateway check, launching,
 * closing at the end, a restart of the service, the user's answers
 *
 * Real parts: a SessionStore in a temporary directory, a SoupServer on 127.0.0.1 playing the join
 * gateway (per session id it answers 303 active, 200 scheduled, 410 cancelled or ended, 403 or
 * 503, and counts the requests) asked by the real CnvGatewayClient, and the real CnvLauncher
 * running tests/data/launcher/fake-collab.sh through a command template: the script records its
 * argv and pid and writes "term" when SIGTERM reaches it. Only the clock is the test's: it moves
 * when a test says so and cnv_session_runner_reschedule() is called; the runner's asynchronous
 * steps run on the main loop, waited for with generous bounds (no timing is asserted).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "cnv-app-settings.h"
#include "cnv-gateway-client.h"
#include "cnv-session-runner.h"
#include "cnv-session-store.h"
#include "log-guard.h"
#include "test-async.h"

/* The link's token is the credential: no log message may hold it. */
#define TOKEN "SECRET-RUNNER-TOKEN-5521"
#define MANAGER "videoconference@example.test"
/* Its session type's command names a program that does not exist. */
#define BROKEN_MANAGER "whiteboard@example.test"
#define TITLE "Budget review; $(id) \"quoted\""
/* The test's "now" at the beginning of each test; sessions start 10 minutes later by default. */
#define T0 G_GINT64_CONSTANT (1900000000)
#define START (T0 + 600)
#define END (START + 3600)
#define GRACE 2
#define WAIT_SECONDS 30

static char *script;          /* tests/data/launcher/fake-collab.sh */

typedef struct
{
  CnvRunnerEvent    event;
  char             *session_id;
  CnvSessionStatus  status;
  char             *detail;
} Event;

typedef struct
{
  char             *dir;
  char             *store_path;
  char             *program_dir;  /* where fake-collab.sh records */
  CnvSessionStore  *store;
  SoupServer       *server;
  GSocketService   *service;
  char             *base;         /* http://127.0.0.1:PORT */
  GHashTable       *modes;        /* session id → the gateway's answer */
  GHashTable       *requests;     /* session id → GUINT_TO_POINTER (count) */
  CnvGatewayClient *gateway;
  CnvSessionRunner *runner;
  GPtrArray        *events;
  guint             changed;
  gint64            now;
} Fixture;

/* ---- helpers ---- */

static void
event_free (Event *event)
{
  g_free (event->session_id);
  g_free (event->detail);
  g_free (event);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static gint64
fake_clock (gpointer user_data)
{
  Fixture *fixture = user_data;

  return fixture->now;
}

static char *
link_for (Fixture    *fixture,
          const char *session_id)
{
  return g_strdup_printf ("%s/s/%s?t=%s", fixture->base, session_id, TOKEN);
}

static guint
requests (Fixture    *fixture,
          const char *session_id)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (fixture->requests, session_id));
}

static void
set_mode (Fixture    *fixture,
          const char *session_id,
          const char *mode)
{
  g_hash_table_replace (fixture->modes, g_strdup (session_id), g_strdup (mode));
}

/* ---- the gateway ---- */

static void
respond (SoupServerMessage *message,
         guint              status,
         const char        *body)
{
  soup_server_message_set_status (message, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY, body,
                                      strlen (body));
}

static void
gateway_cb (SoupServer        *server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Fixture *fixture = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);
  const char *id, *mode;

  if (!g_str_has_prefix (path, "/s/") || query == NULL
      || g_strcmp0 (g_hash_table_lookup (query, "t"), TOKEN) != 0)
    {
      respond (message, SOUP_STATUS_FORBIDDEN, "{\"error\":\"forbidden\"}");
      return;
    }
  id = path + strlen ("/s/");
  g_hash_table_replace (fixture->requests, g_strdup (id),
                        GUINT_TO_POINTER (requests (fixture, id) + 1));
  mode = g_hash_table_lookup (fixture->modes, id);
  if (mode == NULL)
    mode = "active";

  if (strcmp (mode, "active") == 0)
    {
      g_autofree char *room = g_strdup_printf ("%s/room", fixture->base);
      g_autofree char *body = g_strdup_printf ("{\"state\":\"active\",\"start\":"
                                               "\"2030-03-17T17:56:40Z\",\"end\":"
                                               "\"2030-03-17T18:56:40Z\",\"title\":\"t\","
                                               "\"url\":\"%s\"}", room);

      respond (message, SOUP_STATUS_SEE_OTHER, body);
      soup_message_headers_replace (headers, "Location", room);
    }
  else if (strcmp (mode, "opening") == 0)
    /* The session's own start (START): the manager has not opened the room yet. */
    respond (message, SOUP_STATUS_OK,
             "{\"state\":\"scheduled\",\"start\":\"2030-03-17T17:56:40Z\","
             "\"end\":\"2030-03-17T18:56:40Z\",\"title\":\"t\"}");
  else if (strcmp (mode, "scheduled") == 0)
    respond (message, SOUP_STATUS_OK,
             "{\"state\":\"scheduled\",\"start\":\"2030-03-17T18:56:40Z\","
             "\"end\":\"2030-03-17T19:56:40Z\",\"title\":\"t\"}");
  else if (strcmp (mode, "cancelled") == 0 || strcmp (mode, "ended") == 0)
    {
      g_autofree char *body = g_strdup_printf ("{\"state\":\"%s\",\"start\":"
                                               "\"2030-03-17T17:56:40Z\",\"end\":"
                                               "\"2030-03-17T18:56:40Z\",\"title\":\"t\"}", mode);

      respond (message, SOUP_STATUS_GONE, body);
    }
  else if (strcmp (mode, "forbidden") == 0)
    respond (message, SOUP_STATUS_FORBIDDEN, "{\"error\":\"forbidden\"}");
  else if (strcmp (mode, "down") == 0)
    respond (message, SOUP_STATUS_SERVICE_UNAVAILABLE, "{\"error\":\"unavailable\"}");
  else
    g_assert_not_reached ();
}

/* libsoup 3.2.3's own listener leaks the GSocket of every connection (see
 * src/manager/cnv-manager-gateway.c): the test accepts the connections itself. */
static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GError) error = NULL;

  soup_server_accept_iostream (fixture->server, G_IO_STREAM (connection), local, remote, &error);
  g_assert_no_error (error);
  return TRUE;
}

/* ---- the runner ---- */

static void
event_cb (CnvSessionRunner *runner,
          int               event,
          CnvSessionRecord *record,
          const char       *detail,
          gpointer          user_data)
{
  Fixture *fixture = user_data;
  Event *copy = g_new0 (Event, 1);

  g_assert_nonnull (record);
  g_assert_nonnull (cnv_runner_event_to_string (event));
  /* The detail is for the user: never the link. */
  g_assert_true (detail == NULL || strstr (detail, TOKEN) == NULL);
  copy->event = event;
  copy->session_id = g_strdup (record->session_id);
  copy->status = record->status;
  copy->detail = g_strdup (detail);
  g_ptr_array_add (fixture->events, copy);
}

static void
changed_cb (CnvSessionRunner *runner,
            gpointer          user_data)
{
  Fixture *fixture = user_data;

  fixture->changed++;
}

static CnvSessionRunner *
make_runner (Fixture            *fixture,
             CnvSessionStore    *store,
             const char * const *auto_join)
{
  g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func
                                 ((GDestroyNotify) cnv_session_type_entry_free);
  g_autofree char *quoted_script = g_shell_quote (script);
  g_autofree char *quoted_dir = g_shell_quote (fixture->program_dir);
  g_autofree char *command = g_strdup_printf ("%s term %s --url=%%u \"%%t\" \"%%p\"",
                                              quoted_script, quoted_dir);
  CnvSessionRunner *runner = cnv_session_runner_new (store, fixture->gateway);
  CnvScheduleSettings settings;

  cnv_schedule_settings_init (&settings);
  settings.grace = GRACE;
  cnv_session_runner_set_settings (runner, &settings);
  cnv_session_runner_set_clock (runner, fake_clock, fixture, NULL);
  g_ptr_array_add (types, cnv_session_type_entry_new ("Videoconference", MANAGER, NULL, "",
                                                      command));
  g_ptr_array_add (types, cnv_session_type_entry_new ("Whiteboard", BROKEN_MANAGER, NULL, "",
                                                      "/nonexistent/convene-test-program %u"));
  cnv_session_runner_set_session_types (runner, types);
  cnv_session_runner_set_auto_join (runner, auto_join);
  g_signal_connect (runner, "event", G_CALLBACK (event_cb), fixture);
  g_signal_connect (runner, "changed", G_CALLBACK (changed_cb), fixture);
  return runner;
}

static void
start_runner (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cnv_session_runner_start (fixture->runner, &error));
  g_assert_no_error (error);
}

static void
add_session (Fixture          *fixture,
             const char       *session_id,
             CnvSessionStatus  status,
             gint64            start,
             gint64            end)
{
  g_autoptr(CnvSessionRecord) record = cnv_session_record_new ();
  g_autoptr(GError) error = NULL;
  const char *participants[] = { "alice@example.test", "bob@example.test", NULL };

  record->session_id = g_strdup (session_id);
  record->uid = g_strdup_printf ("%s@example.test", session_id);
  record->session_type = g_strdup ("Videoconference");
  record->manager_address = g_strdup (MANAGER);
  record->title = g_strdup (TITLE);
  record->organizer = g_strdup ("alice@example.test");
  record->participants = g_strdupv ((char **) participants);
  record->link = link_for (fixture, session_id);
  record->start = start;
  record->end = end;
  record->status = status;
  record->received_at = T0 - 60;
  g_assert_true (cnv_session_store_put (fixture->store, record, &error));
  g_assert_no_error (error);
}

static CnvSessionRecord *
get_session (Fixture    *fixture,
             const char *session_id)
{
  g_autoptr(GError) error = NULL;
  CnvSessionRecord *record = cnv_session_store_get (fixture->store, session_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (record);
  return record;
}

static guint
count_events (Fixture        *fixture,
              CnvRunnerEvent  event,
              const char     *session_id)
{
  guint count = 0;

  for (guint i = 0; i < fixture->events->len; i++)
    {
      Event *seen = g_ptr_array_index (fixture->events, i);

      if (seen->event == event && g_strcmp0 (seen->session_id, session_id) == 0)
        count++;
    }
  return count;
}

/* The index of the first @event of @session_id, or -1. */
static int
event_index (Fixture        *fixture,
             CnvRunnerEvent  event,
             const char     *session_id)
{
  for (guint i = 0; i < fixture->events->len; i++)
    {
      Event *seen = g_ptr_array_index (fixture->events, i);

      if (seen->event == event && g_strcmp0 (seen->session_id, session_id) == 0)
        return (int) i;
    }
  return -1;
}

static const Event *
last_event (Fixture        *fixture,
            CnvRunnerEvent  event,
            const char     *session_id)
{
  for (guint i = fixture->events->len; i > 0; i--)
    {
      Event *seen = g_ptr_array_index (fixture->events, i - 1);

      if (seen->event == event && g_strcmp0 (seen->session_id, session_id) == 0)
        return seen;
    }
  return NULL;
}

static void
wait_event (Fixture        *fixture,
            CnvRunnerEvent  event,
            const char     *session_id,
            guint           count)
{
  WAIT_UNTIL (count_events (fixture, event, session_id) >= count, WAIT_SECONDS);
  if (count_events (fixture, event, session_id) < count)
    g_error ("Waited in vain for event %s #%u of session %s",
             cnv_runner_event_to_string (event), count, session_id);
}

/* Moves the clock and decides again. */
static void
advance_to (Fixture *fixture,
            gint64   when)
{
  fixture->now = when;
  cnv_session_runner_reschedule (fixture->runner);
}

static char *
program_file (Fixture    *fixture,
              const char *name)
{
  return g_build_filename (fixture->program_dir, name, NULL);
}

static gboolean
program_file_exists (Fixture    *fixture,
                     const char *name)
{
  g_autofree char *path = program_file (fixture, name);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
wait_program_ready (Fixture *fixture)
{
  WAIT_UNTIL (program_file_exists (fixture, "ready"), WAIT_SECONDS);
  g_assert_true (program_file_exists (fixture, "ready"));
}

static GPid
program_pid (Fixture    *fixture,
             const char *name)
{
  g_autofree char *path = program_file (fixture, name);
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return (GPid) g_ascii_strtoll (text, NULL, 10);
}

static gboolean
program_got_sigterm (Fixture *fixture)
{
  g_autofree char *path = program_file (fixture, "signals");
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && strstr (text, "term") != NULL;
}

/* Forgets the program's records, so that the next launch's are waited for. */
static void
clear_program_records (Fixture *fixture)
{
  const char *names[] = { "ready", "signals", "argv", "pid", "grandchild" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = program_file (fixture, names[i]);

      g_unlink (path);
    }
}

/* Alive: exists and is not a zombie. */
static gboolean
process_alive (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *fields;
  char state;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  fields = strrchr (stat, ')');
  g_assert_nonnull (fields);
  g_assert_cmpint (sscanf (fields + 1, " %c", &state), ==, 1);
  return state != 'Z' && state != 'X';
}

/* The arguments the program got (its mode and directory first), NUL-separated in its record. */
static GStrv
program_argv (Fixture *fixture)
{
  g_autofree char *path = program_file (fixture, "argv");
  g_autofree char *contents = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  for (gsize at = 0; at < length; at += strlen (contents + at) + 1)
    g_strv_builder_add (builder, contents + at);
  return g_strv_builder_end (builder);
}

static void
assert_status (Fixture          *fixture,
               const char       *session_id,
               CnvSessionStatus  status)
{
  g_autoptr(CnvSessionRecord) record = get_session (fixture, session_id);

  g_assert_cmpstr (cnv_session_status_to_string (record->status), ==,
                   cnv_session_status_to_string (status));
}

/* Launches session @id (accepted, starting at START) by moving the clock to its start. */
static void
launch_at_start (Fixture    *fixture,
                 const char *session_id)
{
  guint launched = count_events (fixture, CNV_RUNNER_EVENT_LAUNCHED, session_id);

  advance_to (fixture, START);
  wait_event (fixture, CNV_RUNNER_EVENT_LAUNCHED, session_id, launched + 1);
  wait_program_ready (fixture);
}

/* ---- fixture ---- */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  fixture->dir = g_dir_make_tmp ("cnv-session-runner-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store_path = g_build_filename (fixture->dir, "sessions.sqlite", NULL);
  fixture->program_dir = g_build_filename (fixture->dir, "program", NULL);
  g_assert_cmpint (g_mkdir (fixture->program_dir, 0700), ==, 0);
  fixture->store = cnv_session_store_open (fixture->store_path, &error);
  g_assert_no_error (error);

  fixture->modes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fixture->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fixture->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fixture->server, NULL, gateway_cb, fixture, NULL);
  fixture->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (fixture->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                 &error);
  g_assert_no_error (error);
  g_signal_connect (fixture->service, "incoming", G_CALLBACK (incoming_cb), fixture);
  g_socket_service_start (fixture->service);
  fixture->base = g_strdup_printf ("http://127.0.0.1:%u",
                                   g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  fixture->gateway = cnv_gateway_client_new ();
  fixture->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  fixture->now = T0;
  fixture->runner = make_runner (fixture, fixture->store, NULL);
}

static void
kill_recorded (Fixture    *fixture,
               const char *name)
{
  g_autofree char *path = program_file (fixture, name);
  g_autofree char *text = NULL;
  GPid pid;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  pid = (GPid) g_ascii_strtoll (text, NULL, 10);
  if (pid > 1)
    kill (pid, SIGKILL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Whatever a failed test left running. */
  kill_recorded (fixture, "pid");
  kill_recorded (fixture, "grandchild");
  g_clear_object (&fixture->runner);
  /* The client's kept-alive connections close, and the server lets them go, on the main
   * context; so does GSubprocess reap the programs. */
  g_clear_object (&fixture->gateway);
  spin_ms (50);
  g_socket_service_stop (fixture->service);
  g_socket_listener_close (G_SOCKET_LISTENER (fixture->service));
  g_clear_object (&fixture->service);
  soup_server_disconnect (fixture->server);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->store);
  spin_ms (50);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->store_path);
  g_free (fixture->program_dir);
  g_free (fixture->base);
  g_hash_table_unref (fixture->modes);
  g_hash_table_unref (fixture->requests);
  g_ptr_array_unref (fixture->events);
}

/* ---- tests ---- */

static void
test_new_once (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(CnvSessionRecord) record = NULL;

  add_session (fixture, "s-new", CNV_SESSION_STATUS_NEW, START, END);
  start_runner (fixture);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_NEW, "s-new"), ==, 1);
  /* The next decision: the "starts soon" reminder (5 min before). */
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==,
                   START - CNV_SCHEDULE_DEFAULT_REMIND_BEFORE);
  /* Not joined: nothing keeps the service up for it. */
  g_assert_false (cnv_session_runner_has_pending (fixture->runner));

  /* Deciding again does not notify again. */
  advance_to (fixture, T0 + 10);
  advance_to (fixture, T0 + 20);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_NEW, "s-new"), ==, 1);

  /* The reminder, once, and the flag is stored. */
  advance_to (fixture, START - CNV_SCHEDULE_DEFAULT_REMIND_BEFORE);
  advance_to (fixture, START - CNV_SCHEDULE_DEFAULT_REMIND_BEFORE + 1);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_STARTS_SOON, "s-new"), ==, 1);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_NEW, "s-new"), ==, 1);
  record = get_session (fixture, "s-new");
  g_assert_true (record->warned_start);

  /* Never joined: nothing was asked or launched, even after the start. */
  advance_to (fixture, START + 1);
  g_assert_cmpuint (requests (fixture, "s-new"), ==, 0);
  g_assert_false (program_file_exists (fixture, "argv"));
}

static void
test_launch_and_close (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;
  g_autoptr(CnvSessionRecord) ended = NULL;
  g_autofree char *link = NULL;
  g_autofree char *url_argument = NULL;
  g_auto(GStrv) argv = NULL;
  GPid pid;

  add_session (fixture, "s-join", CNV_SESSION_STATUS_NEW, START, END);
  /* Joined before the runner starts: nothing happens until it does. */
  g_assert_true (cnv_session_runner_join (fixture->runner, "s-join", &error));
  g_assert_no_error (error);
  assert_status (fixture, "s-join", CNV_SESSION_STATUS_ACCEPTED);
  spin_ms (100);
  g_assert_cmpuint (requests (fixture, "s-join"), ==, 0);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, 0);

  /* Started before the start: no gateway, no program; the timer is armed. */
  start_runner (fixture);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_NEW, "s-join"), ==, 0);
  g_assert_true (cnv_session_runner_has_pending (fixture->runner));
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==,
                   START - CNV_SCHEDULE_DEFAULT_REMIND_BEFORE);
  spin_ms (100);
  g_assert_cmpuint (requests (fixture, "s-join"), ==, 0);
  g_assert_false (program_file_exists (fixture, "argv"));
  advance_to (fixture, START - 1);
  spin_ms (100);
  g_assert_cmpuint (requests (fixture, "s-join"), ==, 0);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_STARTS_SOON, "s-join"), ==, 1);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, START);

  /* At the start: the gateway is asked once, the program gets the link and the title. */
  launch_at_start (fixture, "s-join");
  g_assert_cmpuint (requests (fixture, "s-join"), ==, 1);
  argv = program_argv (fixture);
  link = link_for (fixture, "s-join");
  url_argument = g_strconcat ("--url=", link, NULL);
  {
    /* %p: the credential, the link's `t` parameter. */
    const char * const expected[] = { "term", fixture->program_dir, url_argument, TITLE, TOKEN,
                                      NULL };

    g_assert_cmpstrv (argv, expected);
  }
  pid = program_pid (fixture, "pid");
  record = get_session (fixture, "s-join");
  g_assert_cmpstr (cnv_session_status_to_string (record->status), ==, "running");
  g_assert_cmpint (record->launched_at, ==, START);
  g_assert_cmpuint (record->launch_count, ==, 1);
  g_assert_cmpint (record->launch_pgid, ==, pid);
  g_assert_nonnull (record->launch_boot_id);
  g_assert_cmpuint (record->launch_start_ticks, >, 0);
  g_assert_true (cnv_session_record_launch_is_alive (record, "/proc"));
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==,
                   END - CNV_SCHEDULE_DEFAULT_WARN_BEFORE_END);

  /* Deciding again launches nothing more. */
  advance_to (fixture, START + 10);
  spin_ms (100);
  g_assert_cmpuint (requests (fixture, "s-join"), ==, 1);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_LAUNCHED, "s-join"), ==, 1);

  advance_to (fixture, END - CNV_SCHEDULE_DEFAULT_WARN_BEFORE_END);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_ENDS_SOON, "s-join"), ==, 1);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, END);

  /* At the end: SIGTERM reaches the program, the session is ended and nothing is left due. */
  advance_to (fixture, END);
  wait_event (fixture, CNV_RUNNER_EVENT_CLOSED, "s-join", 1);
  g_assert_true (program_got_sigterm (fixture));
  WAIT_UNTIL (!process_alive (pid), WAIT_SECONDS);
  g_assert_false (process_alive (pid));
  ended = get_session (fixture, "s-join");
  g_assert_cmpstr (cnv_session_status_to_string (ended->status), ==, "ended");
  g_assert_cmpint (event_index (fixture, CNV_RUNNER_EVENT_WITHDRAW, "s-join"), <,
                   event_index (fixture, CNV_RUNNER_EVENT_CLOSED, "s-join"));
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, 0);
  g_assert_false (cnv_session_runner_has_pending (fixture->runner));
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_LAUNCHED, "s-join"), ==, 1);
  g_assert_cmpuint (fixture->changed, >, 0);
}

/* The service killed with -9 after the launch: a new one must neither launch it again nor leave
 * it running after the end. */
static void
test_restart (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionStore) second_store = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;
  GPid pid;

  add_session (fixture, "s-restart", CNV_SESSION_STATUS_ACCEPTED, START, END);
  start_runner (fixture);
  launch_at_start (fixture, "s-restart");
  pid = program_pid (fixture, "pid");

  /* Dropped without a shutdown: the program lives on. */
  g_clear_object (&fixture->runner);
  spin_ms (200);
  g_assert_true (process_alive (pid));
  g_assert_false (program_got_sigterm (fixture));

  /* The new service: its own connection to the same file. */
  second_store = cnv_session_store_open (fixture->store_path, &error);
  g_assert_no_error (error);
  fixture->now = START + 30;
  fixture->runner = make_runner (fixture, second_store, NULL);
  start_runner (fixture);
  spin_ms (300);
  g_assert_cmpuint (requests (fixture, "s-restart"), ==, 1);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_LAUNCHED, "s-restart"), ==, 1);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_PROGRAM_EXITED, "s-restart"), ==, 0);
  record = get_session (fixture, "s-restart");
  g_assert_cmpuint (record->launch_count, ==, 1);
  g_assert_cmpint (program_pid (fixture, "pid"), ==, pid);
  g_assert_true (cnv_session_runner_has_pending (fixture->runner));

  /* A relaunch is refused: it runs. */
  g_assert_false (cnv_session_runner_relaunch (fixture->runner, "s-restart", &error));
  g_assert_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_RUNNING);
  g_clear_error (&error);

  /* At the end the new service closes the old one's program. */
  advance_to (fixture, END);
  wait_event (fixture, CNV_RUNNER_EVENT_CLOSED, "s-restart", 1);
  g_assert_true (program_got_sigterm (fixture));
  WAIT_UNTIL (!process_alive (pid), WAIT_SECONDS);
  g_assert_false (process_alive (pid));
  assert_status (fixture, "s-restart", CNV_SESSION_STATUS_ENDED);
  g_assert_cmpuint (requests (fixture, "s-restart"), ==, 1);
  g_assert_false (cnv_session_runner_has_pending (fixture->runner));
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, 0);
}

static void
test_gateway_scheduled (Fixture       *fixture,
                        gconstpointer  data)
{
  add_session (fixture, "s-moved", CNV_SESSION_STATUS_ACCEPTED, START, END);
  set_mode (fixture, "s-moved", "scheduled");
  start_runner (fixture);
  fixture->now = START;
  /* One check in flight per session, however often it is decided. */
  cnv_session_runner_reschedule (fixture->runner);
  cnv_session_runner_reschedule (fixture->runner);
  cnv_session_runner_reschedule (fixture->runner);
  wait_event (fixture, CNV_RUNNER_EVENT_NOT_LAUNCHED, "s-moved", 1);
  g_assert_nonnull (last_event (fixture, CNV_RUNNER_EVENT_NOT_LAUNCHED, "s-moved")->detail);
  g_assert_cmpuint (requests (fixture, "s-moved"), ==, 1);
  assert_status (fixture, "s-moved", CNV_SESSION_STATUS_ACCEPTED);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, START + 30);

  /* Asked again after 30 s; reported once. */
  advance_to (fixture, START + 30);
  WAIT_UNTIL (requests (fixture, "s-moved") == 2
              && cnv_session_runner_get_next_wakeup (fixture->runner) == START + 60,
              WAIT_SECONDS);
  g_assert_cmpuint (requests (fixture, "s-moved"), ==, 2);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_NOT_LAUNCHED, "s-moved"), ==, 1);
  g_assert_false (program_file_exists (fixture, "argv"));
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_LAUNCHED, "s-moved"), ==, 0);

  /* Never launched, it is missed at the end. */
  advance_to (fixture, END);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_MISSED, "s-moved"), ==, 1);
  assert_status (fixture, "s-moved", CNV_SESSION_STATUS_MISSED);
}

/* At the start the manager may open the room a second late: a "scheduled" answer that names no
 * later start is asked again within seconds, without telling the user anything. */
static void
test_gateway_opening (Fixture       *fixture,
                      gconstpointer  data)
{
  add_session (fixture, "s-opening", CNV_SESSION_STATUS_ACCEPTED, START, END);
  set_mode (fixture, "s-opening", "opening");
  start_runner (fixture);
  advance_to (fixture, START);
  WAIT_UNTIL (cnv_session_runner_get_next_wakeup (fixture->runner) == START + 2, WAIT_SECONDS);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, START + 2);
  g_assert_cmpuint (requests (fixture, "s-opening"), ==, 1);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_NOT_LAUNCHED, "s-opening"), ==, 0);

  set_mode (fixture, "s-opening", "active");
  advance_to (fixture, START + 2);
  wait_event (fixture, CNV_RUNNER_EVENT_LAUNCHED, "s-opening", 1);
  wait_program_ready (fixture);
  g_assert_cmpuint (requests (fixture, "s-opening"), ==, 2);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_NOT_LAUNCHED, "s-opening"), ==, 0);
  assert_status (fixture, "s-opening", CNV_SESSION_STATUS_RUNNING);
}

static void
test_gateway_cancelled (Fixture       *fixture,
                        gconstpointer  data)
{
  const Event *not_launched;

  add_session (fixture, "s-cancelled", CNV_SESSION_STATUS_ACCEPTED, START, END);
  set_mode (fixture, "s-cancelled", "cancelled");
  start_runner (fixture);
  advance_to (fixture, START);
  wait_event (fixture, CNV_RUNNER_EVENT_NOT_LAUNCHED, "s-cancelled", 1);
  not_launched = last_event (fixture, CNV_RUNNER_EVENT_NOT_LAUNCHED, "s-cancelled");
  g_assert_cmpint (not_launched->status, ==, CNV_SESSION_STATUS_CANCELLED);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_WITHDRAW, "s-cancelled"), ==, 1);
  assert_status (fixture, "s-cancelled", CNV_SESSION_STATUS_CANCELLED);

  advance_to (fixture, START + 120);
  spin_ms (100);
  g_assert_cmpuint (requests (fixture, "s-cancelled"), ==, 1);
  g_assert_false (program_file_exists (fixture, "argv"));
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, 0);
}

static void
test_gateway_forbidden (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  add_session (fixture, "s-forbidden", CNV_SESSION_STATUS_ACCEPTED, START, END);
  set_mode (fixture, "s-forbidden", "forbidden");
  start_runner (fixture);
  advance_to (fixture, START);
  wait_event (fixture, CNV_RUNNER_EVENT_NOT_LAUNCHED, "s-forbidden", 1);

  /* It stops asking… */
  advance_to (fixture, START + 60);
  advance_to (fixture, START + 600);
  spin_ms (100);
  g_assert_cmpuint (requests (fixture, "s-forbidden"), ==, 1);
  g_assert_false (program_file_exists (fixture, "argv"));
  assert_status (fixture, "s-forbidden", CNV_SESSION_STATUS_ACCEPTED);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, END);

  /* …until the user joins again. */
  g_assert_true (cnv_session_runner_join (fixture->runner, "s-forbidden", &error));
  g_assert_no_error (error);
  wait_event (fixture, CNV_RUNNER_EVENT_NOT_LAUNCHED, "s-forbidden", 2);
  g_assert_cmpuint (requests (fixture, "s-forbidden"), ==, 2);
  g_assert_false (program_file_exists (fixture, "argv"));
}

static void
test_gateway_down (Fixture       *fixture,
                   gconstpointer  data)
{
  add_session (fixture, "s-down", CNV_SESSION_STATUS_ACCEPTED, START, END);
  set_mode (fixture, "s-down", "down");
  start_runner (fixture);
  advance_to (fixture, START);
  /* 503: asked again after 5 s, then 10 s. */
  WAIT_UNTIL (cnv_session_runner_get_next_wakeup (fixture->runner) == START + 5, WAIT_SECONDS);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, START + 5);
  g_assert_cmpuint (requests (fixture, "s-down"), ==, 1);

  advance_to (fixture, START + 5);
  WAIT_UNTIL (cnv_session_runner_get_next_wakeup (fixture->runner) == START + 15, WAIT_SECONDS);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, START + 15);
  g_assert_cmpuint (requests (fixture, "s-down"), ==, 2);
  g_assert_false (program_file_exists (fixture, "argv"));

  /* Nothing before the retry time. */
  advance_to (fixture, START + 10);
  spin_ms (100);
  g_assert_cmpuint (requests (fixture, "s-down"), ==, 2);

  /* Up again: launched at the next try. */
  set_mode (fixture, "s-down", "active");
  advance_to (fixture, START + 15);
  wait_event (fixture, CNV_RUNNER_EVENT_LAUNCHED, "s-down", 1);
  wait_program_ready (fixture);
  g_assert_cmpuint (requests (fixture, "s-down"), ==, 3);
  assert_status (fixture, "s-down", CNV_SESSION_STATUS_RUNNING);
}

static void
test_program_exits (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;
  GPid first_pid, first_grandchild, second_pid;

  add_session (fixture, "s-exit", CNV_SESSION_STATUS_ACCEPTED, START, END);
  start_runner (fixture);

  /* Not launched yet: nothing to relaunch. */
  g_assert_false (cnv_session_runner_relaunch (fixture->runner, "s-exit", &error));
  g_assert_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  launch_at_start (fixture, "s-exit");
  first_pid = program_pid (fixture, "pid");
  first_grandchild = program_pid (fixture, "grandchild");

  /* Running: a relaunch is refused. */
  g_assert_false (cnv_session_runner_relaunch (fixture->runner, "s-exit", &error));
  g_assert_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_RUNNING);
  g_clear_error (&error);

  /* The program ends on its own (its leader only: its grandchild stays in the group). */
  fixture->now = START + 60;
  g_assert_cmpint (kill (first_pid, SIGTERM), ==, 0);
  wait_event (fixture, CNV_RUNNER_EVENT_PROGRAM_EXITED, "s-exit", 1);
  g_assert_nonnull (last_event (fixture, CNV_RUNNER_EVENT_PROGRAM_EXITED, "s-exit")->detail);
  advance_to (fixture, START + 61);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_PROGRAM_EXITED, "s-exit"), ==, 1);

  /* Relaunched: the gateway is asked again, a new program runs, and the old one's leftovers
   * are closed. */
  clear_program_records (fixture);
  g_assert_true (cnv_session_runner_relaunch (fixture->runner, "s-exit", &error));
  g_assert_no_error (error);
  wait_event (fixture, CNV_RUNNER_EVENT_LAUNCHED, "s-exit", 2);
  wait_program_ready (fixture);
  second_pid = program_pid (fixture, "pid");
  g_assert_cmpint (second_pid, !=, first_pid);
  g_assert_cmpuint (requests (fixture, "s-exit"), ==, 2);
  record = get_session (fixture, "s-exit");
  g_assert_cmpuint (record->launch_count, ==, 2);
  g_assert_cmpint (record->launch_pgid, ==, second_pid);
  g_assert_cmpstr (cnv_session_status_to_string (record->status), ==, "running");
  WAIT_UNTIL (!process_alive (first_grandchild), WAIT_SECONDS);
  g_assert_false (process_alive (first_grandchild));

  /* Running again: refused. */
  g_assert_false (cnv_session_runner_relaunch (fixture->runner, "s-exit", &error));
  g_assert_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_RUNNING);
  g_clear_error (&error);

  advance_to (fixture, END);
  wait_event (fixture, CNV_RUNNER_EVENT_CLOSED, "s-exit", 1);
  g_assert_true (program_got_sigterm (fixture));
  assert_status (fixture, "s-exit", CNV_SESSION_STATUS_ENDED);
}

static void
test_launch_failed (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;
  const Event *failed;

  add_session (fixture, "s-broken", CNV_SESSION_STATUS_ACCEPTED, START, END);
  record = get_session (fixture, "s-broken");
  g_free (record->manager_address);
  record->manager_address = g_strdup (BROKEN_MANAGER);
  g_assert_true (cnv_session_store_put (fixture->store, record, &error));
  g_assert_no_error (error);
  start_runner (fixture);

  advance_to (fixture, START);
  wait_event (fixture, CNV_RUNNER_EVENT_LAUNCH_FAILED, "s-broken", 1);
  failed = last_event (fixture, CNV_RUNNER_EVENT_LAUNCH_FAILED, "s-broken");
  g_assert_nonnull (failed->detail);
  /* The claim is not left "running": the session waits for a relaunch… */
  assert_status (fixture, "s-broken", CNV_SESSION_STATUS_ACCEPTED);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_PROGRAM_EXITED, "s-broken"), ==, 0);

  /* …and is not tried again on its own. */
  advance_to (fixture, START + 60);
  spin_ms (100);
  g_assert_cmpuint (requests (fixture, "s-broken"), ==, 1);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_LAUNCH_FAILED, "s-broken"), ==, 1);

  g_assert_true (cnv_session_runner_relaunch (fixture->runner, "s-broken", &error));
  g_assert_no_error (error);
  wait_event (fixture, CNV_RUNNER_EVENT_LAUNCH_FAILED, "s-broken", 2);
  g_assert_cmpuint (requests (fixture, "s-broken"), ==, 2);
  assert_status (fixture, "s-broken", CNV_SESSION_STATUS_ACCEPTED);

  /* It counts as launched: ended, not missed, at the end. */
  advance_to (fixture, END);
  assert_status (fixture, "s-broken", CNV_SESSION_STATUS_ENDED);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_MISSED, "s-broken"), ==, 0);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, 0);
}

static void
test_auto_join (Fixture       *fixture,
                gconstpointer  data)
{
  const char * const auto_join[] = { "whiteboard@example.test", MANAGER, NULL };

  g_clear_object (&fixture->runner);
  fixture->runner = make_runner (fixture, fixture->store, auto_join);
  add_session (fixture, "s-auto", CNV_SESSION_STATUS_NEW, START, END);
  start_runner (fixture);
  /* Joined without asking: no Join notification, the status is stored. */
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_NEW, "s-auto"), ==, 0);
  assert_status (fixture, "s-auto", CNV_SESSION_STATUS_ACCEPTED);
  g_assert_true (cnv_session_runner_has_pending (fixture->runner));

  launch_at_start (fixture, "s-auto");
  g_assert_cmpuint (requests (fixture, "s-auto"), ==, 1);
  assert_status (fixture, "s-auto", CNV_SESSION_STATUS_RUNNING);
}

static void
test_dismiss (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionRecord) record = NULL;

  add_session (fixture, "s-dismiss", CNV_SESSION_STATUS_NEW, START, END);
  start_runner (fixture);
  g_assert_true (cnv_session_runner_dismiss (fixture->runner, "s-dismiss", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_WITHDRAW, "s-dismiss"), ==, 1);
  record = get_session (fixture, "s-dismiss");
  g_assert_true (record->dismissed);

  /* No reminder for it; only the end is due. */
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, END);
  advance_to (fixture, START - 60);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_STARTS_SOON, "s-dismiss"), ==, 0);

  /* It can still be joined, and is launched at once after its start. */
  advance_to (fixture, START + 5);
  g_assert_true (cnv_session_runner_join (fixture->runner, "s-dismiss", &error));
  g_assert_no_error (error);
  wait_event (fixture, CNV_RUNNER_EVENT_LAUNCHED, "s-dismiss", 1);
  wait_program_ready (fixture);
}

static void
test_leave (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GPid pid;

  add_session (fixture, "s-leave", CNV_SESSION_STATUS_ACCEPTED, START, END);
  add_session (fixture, "s-waiting", CNV_SESSION_STATUS_ACCEPTED, START + 7200, END + 7200);
  start_runner (fixture);
  launch_at_start (fixture, "s-leave");
  pid = program_pid (fixture, "pid");

  /* Not launched: nothing to leave. */
  g_assert_false (cnv_session_runner_leave (fixture->runner, "s-waiting", &error));
  g_assert_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_NOT_RUNNING);
  g_clear_error (&error);
  g_assert_false (cnv_session_runner_leave (fixture->runner, "s-nonexistent", &error));
  g_assert_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  fixture->now = START + 100;
  g_assert_true (cnv_session_runner_leave (fixture->runner, "s-leave", &error));
  g_assert_no_error (error);
  wait_event (fixture, CNV_RUNNER_EVENT_CLOSED, "s-leave", 1);
  g_assert_true (program_got_sigterm (fixture));
  WAIT_UNTIL (!process_alive (pid), WAIT_SECONDS);
  g_assert_false (process_alive (pid));
  assert_status (fixture, "s-leave", CNV_SESSION_STATUS_ENDED);

  /* Over: every answer is refused. */
  g_assert_false (cnv_session_runner_leave (fixture->runner, "s-leave", &error));
  g_assert_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_OVER);
  g_clear_error (&error);
  g_assert_false (cnv_session_runner_relaunch (fixture->runner, "s-leave", &error));
  g_assert_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_OVER);
  g_clear_error (&error);
  g_assert_false (cnv_session_runner_join (fixture->runner, "s-leave", &error));
  g_assert_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_OVER);
  g_clear_error (&error);

  /* Still due: the other session. */
  g_assert_true (cnv_session_runner_has_pending (fixture->runner));
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==,
                   START + 7200 - CNV_SCHEDULE_DEFAULT_REMIND_BEFORE);
  advance_to (fixture, END);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_LAUNCHED, "s-leave"), ==, 1);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_CLOSED, "s-leave"), ==, 1);
}

static void
test_missed (Fixture       *fixture,
             gconstpointer  data)
{
  add_session (fixture, "s-missed", CNV_SESSION_STATUS_NEW, START, END);
  start_runner (fixture);
  advance_to (fixture, END + 10);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_MISSED, "s-missed"), ==, 1);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_WITHDRAW, "s-missed"), ==, 1);
  g_assert_cmpint (event_index (fixture, CNV_RUNNER_EVENT_WITHDRAW, "s-missed"), <,
                   event_index (fixture, CNV_RUNNER_EVENT_MISSED, "s-missed"));
  assert_status (fixture, "s-missed", CNV_SESSION_STATUS_MISSED);
  g_assert_cmpuint (requests (fixture, "s-missed"), ==, 0);

  /* Nothing pending, no timer, and deciding again says nothing more. */
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, 0);
  g_assert_false (cnv_session_runner_has_pending (fixture->runner));
  advance_to (fixture, END + 3600);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_MISSED, "s-missed"), ==, 1);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_WITHDRAW, "s-missed"), ==, 1);
}

static void
test_idle (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  start_runner (fixture);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, 0);
  g_assert_false (cnv_session_runner_has_pending (fixture->runner));
  g_assert_cmpuint (fixture->events->len, ==, 0);

  /* Sessions that are over wake nothing. */
  add_session (fixture, "s-old", CNV_SESSION_STATUS_ENDED, T0 - 7200, T0 - 3600);
  add_session (fixture, "s-gone", CNV_SESSION_STATUS_CANCELLED, START, END);
  cnv_session_runner_reschedule (fixture->runner);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, 0);
  g_assert_cmpuint (fixture->events->len, ==, 0);

  g_assert_false (cnv_session_runner_join (fixture->runner, "s-none", &error));
  g_assert_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (cnv_session_runner_dismiss (fixture->runner, "s-gone", &error));
  g_assert_error (error, CNV_SESSION_RUNNER_ERROR, CNV_SESSION_RUNNER_ERROR_OVER);
  g_clear_error (&error);

  /* A shutdown with nothing in flight returns at once and stops the timer. */
  add_session (fixture, "s-later", CNV_SESSION_STATUS_NEW, START, END);
  cnv_session_runner_reschedule (fixture->runner);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), !=, 0);
  cnv_session_runner_shutdown (fixture->runner, 5000);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==, 0);
}

/* Records the launch of a previous run of the service: @pgid, as /proc (or @proc_root) has it now. */
static void
record_previous_launch (Fixture    *fixture,
                        const char *session_id,
                        const char *proc_root,
                        gint32      pgid)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *boot_id = NULL;
  guint64 start_ticks = 0;
  gint32 pgrp = 0;

  g_assert_true (cnv_session_record_read_process (proc_root, pgid, &boot_id, &start_ticks, &pgrp,
                                                  &error));
  g_assert_no_error (error);
  g_assert_cmpint (pgrp, ==, pgid);
  g_assert_true (cnv_session_store_record_launch (fixture->store, session_id, START, &error));
  g_assert_no_error (error);
  g_assert_true (cnv_session_store_set_launch_process (fixture->store, session_id, START, pgid,
                                                       boot_id, start_ticks, &error));
  g_assert_no_error (error);
}

static volatile sig_atomic_t sigterm_received;

static void
sigterm_handler (int signum)
{
  sigterm_received = 1;
}

/* A record that names the service's own process group, alive as /proc says: it is no program of
 * ours, and no signal may go to it (kill(-pgid) would end the service and what runs with it). */
static void
test_own_group (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *proc = g_build_filename (fixture->dir, "proc", NULL);
  g_autofree char *boot_path = g_build_filename (proc, "sys", "kernel", "random", "boot_id",
                                                 NULL);
  g_autofree char *boot_dir = g_path_get_dirname (boot_path);
  g_autofree char *pid_dir = NULL;
  g_autofree char *stat_path = NULL;
  g_autofree char *stat = NULL;
  g_autoptr(GError) error = NULL;
  gint32 own = (gint32) getpgrp ();
  struct sigaction action = { 0, };
  struct sigaction previous;

  pid_dir = g_strdup_printf ("%s/%d", proc, (int) own);
  stat_path = g_build_filename (pid_dir, "stat", NULL);
  stat = g_strdup_printf ("%d (convene-service) S 1 %d %d 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242\n",
                          (int) own, (int) own, (int) own);
  g_assert_cmpint (g_mkdir_with_parents (boot_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (pid_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (boot_path, "fake-boot\n", -1, &error));
  g_assert_true (g_file_set_contents (stat_path, stat, -1, &error));
  g_assert_no_error (error);

  add_session (fixture, "s-own", CNV_SESSION_STATUS_ACCEPTED, START, END);
  record_previous_launch (fixture, "s-own", proc, own);

  action.sa_handler = sigterm_handler;
  sigemptyset (&action.sa_mask);
  g_assert_cmpint (sigaction (SIGTERM, &action, &previous), ==, 0);
  sigterm_received = 0;

  cnv_session_runner_set_proc_root (fixture->runner, proc);
  fixture->now = START + 30;
  start_runner (fixture);
  advance_to (fixture, END);
  /* Over, with nothing of ours to close. */
  wait_event (fixture, CNV_RUNNER_EVENT_CLOSED, "s-own", 1);
  assert_status (fixture, "s-own", CNV_SESSION_STATUS_ENDED);
  /* Longer than the grace: no SIGKILL either (the test would not be here to see it). */
  spin_ms ((GRACE + 1) * 1000);
  g_assert_cmpint (sigterm_received, ==, 0);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_CANNOT_CLOSE, "s-own"), ==, 0);

  g_assert_cmpint (sigaction (SIGTERM, &previous, NULL), ==, 0);
}

static void
child_own_group (gpointer user_data)
{
  setpgid (0, 0);
}

/* A previous run's program that ignores SIGTERM, with a grace of more than 4294 s (whose
 * microseconds overflow 32 bits): SIGKILL must wait for the grace, not come at once. */
static void
test_long_grace (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) program = NULL;
  g_autoptr(GError) error = NULL;
  CnvScheduleSettings settings;
  GPid pid;

  g_subprocess_launcher_set_child_setup (launcher, child_own_group, NULL, NULL);
  program = g_subprocess_launcher_spawn (launcher, &error, script, "ignore", fixture->program_dir,
                                         NULL);
  g_assert_no_error (error);
  wait_program_ready (fixture);
  pid = program_pid (fixture, "pid");
  add_session (fixture, "s-grace", CNV_SESSION_STATUS_ACCEPTED, START, END);
  record_previous_launch (fixture, "s-grace", "/proc", pid);

  cnv_schedule_settings_init (&settings);
  settings.grace = 4295;   /* 4295 × 10⁶ µs wraps to 32704 µs in 32 bits */
  cnv_session_runner_set_settings (fixture->runner, &settings);
  fixture->now = START + 30;
  start_runner (fixture);
  advance_to (fixture, END);
  /* SIGTERM went (ignored); well past 32 ms the program still runs: no early SIGKILL. */
  spin_ms (1000);
  g_assert_true (process_alive (pid));
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_CLOSED, "s-grace"), ==, 0);
  g_assert_true (cnv_session_runner_has_pending (fixture->runner));

  /* Gone by other means: the close is done. */
  g_assert_cmpint (kill (-pid, SIGKILL), ==, 0);
  wait_event (fixture, CNV_RUNNER_EVENT_CLOSED, "s-grace", 1);
  assert_status (fixture, "s-grace", CNV_SESSION_STATUS_ENDED);
  g_subprocess_wait (program, NULL, NULL);
}

/* The real clock: the timer is a timerfd armed for the wall-clock time (it fires at that time
 * after a suspend or a clock set, which a test cannot cause); a reminder due in a second comes. */
static void
test_real_clock (Fixture       *fixture,
                 gconstpointer  data)
{
  gint64 start = g_get_real_time () / G_USEC_PER_SEC + CNV_SCHEDULE_DEFAULT_REMIND_BEFORE + 1;

  cnv_session_runner_set_clock (fixture->runner, NULL, NULL, NULL);
  add_session (fixture, "s-real", CNV_SESSION_STATUS_NEW, start, start + 3600);
  start_runner (fixture);
  g_assert_cmpuint (count_events (fixture, CNV_RUNNER_EVENT_NEW, "s-real"), ==, 1);
  g_assert_cmpint (cnv_session_runner_get_next_wakeup (fixture->runner), ==,
                   start - CNV_SCHEDULE_DEFAULT_REMIND_BEFORE);
  wait_event (fixture, CNV_RUNNER_EVENT_STARTS_SOON, "s-real", 1);
}

static void
test_event_names (void)
{
  for (int event = CNV_RUNNER_EVENT_NEW; event <= CNV_RUNNER_EVENT_WITHDRAW; event++)
    g_assert_nonnull (cnv_runner_event_to_string (event));
  g_assert_null (cnv_runner_event_to_string (CNV_RUNNER_EVENT_WITHDRAW + 1));
  g_assert_cmpstr (cnv_runner_event_to_string (CNV_RUNNER_EVENT_CANNOT_CLOSE), ==,
                   "cannot-close");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *state_dir = NULL;
  int status;

  log_guard_install ();
  log_guard_forbid (TOKEN);
  /* The programs' log goes under XDG_STATE_HOME: a private one, set before GLib reads it. */
  state_dir = g_dir_make_tmp ("cnv-session-runner-state-XXXXXX", NULL);
  g_assert_nonnull (state_dir);
  g_setenv ("XDG_STATE_HOME", state_dir, TRUE);
  script = g_build_filename (g_getenv ("CNV_TEST_DATA"), "launcher", "fake-collab.sh", NULL);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/app/session-runner/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("new-once", test_new_once);
  ADD ("launch-and-close", test_launch_and_close);
  ADD ("restart", test_restart);
  ADD ("gateway/scheduled", test_gateway_scheduled);
  ADD ("gateway/opening", test_gateway_opening);
  ADD ("gateway/cancelled", test_gateway_cancelled);
  ADD ("gateway/forbidden", test_gateway_forbidden);
  ADD ("gateway/down", test_gateway_down);
  ADD ("program-exits", test_program_exits);
  ADD ("launch-failed", test_launch_failed);
  ADD ("auto-join", test_auto_join);
  ADD ("dismiss", test_dismiss);
  ADD ("leave", test_leave);
  ADD ("missed", test_missed);
  ADD ("idle", test_idle);
  ADD ("own-group", test_own_group);
  ADD ("long-grace", test_long_grace);
  ADD ("real-clock", test_real_clock);
#undef ADD
  g_test_add_func ("/app/session-runner/event-names", test_event_names);

  status = g_test_run ();
  remove_tree (state_dir);
  g_free (script);
  return status;
}
