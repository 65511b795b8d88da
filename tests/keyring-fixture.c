/* keyring-fixture.c — a real gnome-keyring-daemon on a private session bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-keyring-fixture"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <libsecret/secret.h>

#include "credentials-test-common.h"
#include "keyring-fixture.h"

#define KEYRING_PASSWORD "convene test keyring"

typedef struct
{
  GTestDBus       *bus;
  GDBusConnection *connection;
  GSubprocess     *daemon;
  gboolean         daemon_exited;
  char            *dir;
} Keyring;

static Keyring keyring;

static void
kill_with_parent (gpointer user_data)
{
  /* Runs in the forked child: if this test dies, the daemon gets SIGTERM and does not
   * outlive it. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
daemon_exited_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source_object), result, NULL);
  *exited = TRUE;
}

static void
print_daemon_log (void)
{
  g_autofree char *log_path = g_build_filename (keyring.dir, "daemon.log", NULL);
  g_autofree char *log = NULL;

  if (g_file_get_contents (log_path, &log, NULL, NULL))
    g_test_message ("gnome-keyring-daemon said:\n%s", log);
}

/* The daemon owns org.freedesktop.secrets and, after --unlock, has a default collection
 * ("login", made with the password read from its standard input). */
static gboolean
keyring_ready (void)
{
  g_autoptr(GVariant) reply = NULL;
  const char *path = NULL;

  reply = g_dbus_connection_call_sync (keyring.connection, "org.freedesktop.secrets",
                                       "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "ReadAlias",
                                       g_variant_new ("(s)", "default"), G_VARIANT_TYPE ("(o)"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, 1000, NULL, NULL);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(&o)", &path);
  return strcmp (path, "/") != 0;
}

/* A private bus with no service files: nothing is activated on it, and the user's own keyring
 * (on the real session bus, if any) is never touched. */
void
keyring_bus_up (void)
{
  keyring.bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (keyring.bus);
}

void
keyring_start (void)
{
  static const char * const subdirs[] = { "home", "home/.local/share", "home/.config",
                                          "home/.cache", "run" };
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *program = NULL;
  g_autofree char *log_path = NULL;
  GOutputStream *input;
  gint64 deadline;

  if (keyring.daemon != NULL)
    return;

  program = g_find_program_in_path ("gnome-keyring-daemon");
  if (program == NULL)
    g_test_message ("gnome-keyring-daemon is not installed (tests/install-deps.sh installs it)");
  g_assert_nonnull (program);

  if (keyring.dir == NULL)
    {
      keyring.dir = g_dir_make_tmp ("cnv-keyring-XXXXXX", &error);
      g_assert_no_error (error);
      for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
        {
          g_autofree char *path = g_build_filename (keyring.dir, subdirs[i], NULL);

          g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
        }
      keyring.connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
      g_assert_no_error (error);
    }

  /* The launcher copies the environment now, with DBUS_SESSION_BUS_ADDRESS of the private
   * bus; the daemon's files go to the temporary HOME. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  log_path = g_build_filename (keyring.dir, "daemon.log", NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, kill_with_parent, NULL, NULL);
  g_subprocess_launcher_set_cwd (launcher, keyring.dir);
  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      static const char * const variables[] = { "HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
                                                "XDG_CACHE_HOME", "XDG_RUNTIME_DIR" };
      g_autofree char *path = g_build_filename (keyring.dir, subdirs[i], NULL);

      g_subprocess_launcher_setenv (launcher, variables[i], path, TRUE);
    }
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "GNOME_KEYRING_CONTROL");
  g_subprocess_launcher_unsetenv (launcher, "SSH_AUTH_SOCK");

  keyring.daemon = g_subprocess_launcher_spawn (launcher, &error, program, "--foreground",
                                                "--components=secrets", "--unlock", NULL);
  g_assert_no_error (error);
  keyring.daemon_exited = FALSE;
  g_subprocess_wait_async (keyring.daemon, NULL, daemon_exited_cb, &keyring.daemon_exited);

  /* --unlock reads the login keyring's password from standard input, never from argv. */
  input = g_subprocess_get_stdin_pipe (keyring.daemon);
  g_output_stream_write_all (input, KEYRING_PASSWORD, strlen (KEYRING_PASSWORD), NULL, NULL,
                             &error);
  g_assert_no_error (error);
  g_output_stream_close (input, NULL, &error);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!keyring_ready ())
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (keyring.daemon_exited || g_get_monotonic_time () > deadline)
        {
          print_daemon_log ();
          g_test_message ("gnome-keyring-daemon %s", keyring.daemon_exited
                          ? "exited" : "did not own org.freedesktop.secrets in time");
          g_assert_not_reached ();
        }
      g_usleep (50 * 1000);
    }
}

void
keyring_stop (void)
{
  if (keyring.daemon == NULL)
    return;

  /* libsecret keeps the service (and its session with the daemon) for the process: drop it
   * so the next look-up talks to whatever owns the name then. */
  secret_service_disconnect ();
  g_subprocess_send_signal (keyring.daemon, SIGTERM);
  while (!keyring.daemon_exited)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&keyring.daemon);
}

void
keyring_tear_down (void)
{
  keyring_stop ();
  if (keyring.dir == NULL)
    {
      g_test_dbus_down (keyring.bus);
      g_clear_object (&keyring.bus);
      return;
    }

  /* libsecret 0.20.5 keeps a reference on the session bus connection after
   * secret_service_disconnect() once it has served two calls, so g_test_dbus_down(), which
   * waits for that connection to be finalized, would time out: stop the bus without waiting
   * (the connection must then not end the process when the bus goes away), and keep the
   * GTestDBus until exit, since disposing of it calls g_test_dbus_down(). */
  g_dbus_connection_set_exit_on_close (keyring.connection, FALSE);
  g_clear_object (&keyring.connection);
  g_test_dbus_stop (keyring.bus);
  remove_tree (keyring.dir);
  g_clear_pointer (&keyring.dir, g_free);
}

GDBusConnection *
keyring_get_connection (void)
{
  g_assert_nonnull (keyring.connection);
  return keyring.connection;
}
