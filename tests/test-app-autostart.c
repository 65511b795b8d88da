/* test-app-autostart.c — the XDG autostart entry of the background service ("Run in background")
 *
 * The XDG folders are temporary (not G_TEST_OPTION_ISOLATE_DIRS: GLib 2.74 leaks the strings it
 * sets there), and every test starts without an autostart folder. The written entry is read back
 * as the session would: by GKeyFile, by GDesktopAppInfo, and by desktop-file-validate.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <gio/gdesktopappinfo.h>
#include <glib/gstdio.h>

#include "cnv-autostart.h"
#include "test-async.h"

/* An executable in the test's own folders (GDesktopAppInfo refuses an entry whose program does
 * not exist): "a b" has a space to quote. Borrowed string, valid for the test. */
static const char *
service (void)
{
  static char *path;
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "a b", "libexec", NULL);
  g_autoptr(GError) error = NULL;

  g_free (path);
  path = g_build_filename (dir, "convene-service", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "#!/bin/sh\nexit 0\n", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return path;
}

static GKeyFile *
load_entry (void)
{
  g_autofree char *path = cnv_autostart_file_path ();
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&keyfile);
}

/* The argv the session would run: the Exec value with %% undone, parsed with the quoting rules
 * of the Desktop Entry Specification (those of a shell's double quotes). */
static GStrv
entry_argv (GKeyFile *keyfile)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *exec = g_key_file_get_string (keyfile, "Desktop Entry", "Exec", &error);
  g_auto(GStrv) parts = NULL;
  g_autofree char *unescaped = NULL;
  char **argv = NULL;

  g_assert_no_error (error);
  parts = g_strsplit (exec, "%%", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    g_assert_null (strchr (parts[i], '%'));   /* no field code */
  unescaped = g_strjoinv ("%", parts);
  g_shell_parse_argv (unescaped, NULL, &argv, &error);
  g_assert_no_error (error);
  return argv;
}

static void
assert_valid_entry (const char *service_path)
{
  g_autofree char *path = cnv_autostart_file_path ();
  g_autoptr(GKeyFile) keyfile = load_entry ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = entry_argv (keyfile);
  g_autoptr(GDesktopAppInfo) info = NULL;
  g_autofree char *validate = g_find_program_in_path ("desktop-file-validate");
  g_autofree char *start_group = NULL;
  struct stat st;

  g_assert_cmpuint (g_strv_length (argv), ==, 2);
  g_assert_cmpstr (argv[0], ==, service_path);
  g_assert_cmpstr (argv[1], ==, "--gapplication-service");
  start_group = g_key_file_get_start_group (keyfile);
  g_assert_cmpstr (start_group, ==, "Desktop Entry");
  g_assert_true (g_key_file_get_boolean (keyfile, "Desktop Entry", "X-GNOME-Autostart-enabled",
                                         &error));
  g_assert_no_error (error);
  g_assert_true (g_key_file_get_boolean (keyfile, "Desktop Entry", "NoDisplay", &error));
  g_assert_no_error (error);
  g_assert_false (g_key_file_has_key (keyfile, "Desktop Entry", "OnlyShowIn", NULL));
  g_assert_false (g_key_file_has_key (keyfile, "Desktop Entry", "Hidden", NULL));

  /* What a session manager reads (gnome-session uses GDesktopAppInfo): it loads an entry only
   * when the program of its Exec, unquoted, exists. (Its get_executable() cuts at the first space
   * even inside quotes, so it is not compared.) */
  info = g_desktop_app_info_new_from_filename (path);
  g_assert_nonnull (info);
  g_assert_false (g_app_info_should_show (G_APP_INFO (info)));

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);

  if (validate != NULL)
    {
      g_autofree char *output = NULL;
      int status;
      const char *args[] = { validate, path, NULL };

      g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                    &output, NULL, &status, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (output, ==, "");
      g_assert_true (g_spawn_check_wait_status (status, NULL));
    }
}

static void
test_enable (void)
{
  g_autofree char *path = cnv_autostart_file_path ();
  g_autofree char *expected = g_build_filename (g_get_user_config_dir (), "autostart",
                                                "io.github.convene.Convene.desktop", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (path, ==, expected);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* The folder does not exist yet in a fresh home: it is created. */
  g_assert_true (cnv_autostart_file_set (TRUE, service (), &error));
  g_assert_no_error (error);
  assert_valid_entry (service ());
}

static void
test_disable (void)
{
  g_autofree char *path = cnv_autostart_file_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *other = g_build_filename (dir, "org.example.Other.desktop", NULL);
  g_autoptr(GError) error = NULL;

  /* Off with no entry: nothing to do, no error (not even without the folder). */
  g_assert_true (cnv_autostart_file_set (FALSE, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (cnv_autostart_file_set (TRUE, service (), &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (other, "[Desktop Entry]\n", -1, &error));
  g_assert_no_error (error);

  g_assert_true (cnv_autostart_file_set (FALSE, service (), &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* Only our entry goes. */
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));

  g_assert_true (cnv_autostart_file_set (FALSE, service (), &error));
  g_assert_no_error (error);
}

static void
test_idempotent (void)
{
  g_autofree char *path = cnv_autostart_file_path ();
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *expected = cnv_autostart_file_contents (service ());
  struct stat st1, st2;

  g_assert_true (cnv_autostart_file_set (TRUE, service (), &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st1), ==, 0);
  g_assert_true (g_file_get_contents (path, &before, NULL, NULL));

  /* The same entry again is not rewritten: an atomic rewrite would be a new inode. */
  g_assert_true (cnv_autostart_file_set (TRUE, service (), &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st2), ==, 0);
  g_assert_cmpuint (st1.st_ino, ==, st2.st_ino);
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpstr (after, ==, expected);
}

static void
test_replaces_stale (void)
{
  g_autofree char *path = cnv_autostart_file_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  /* An entry from an older installation (another path), or turned off by a settings tool: our
   * setting is what counts, so it is replaced as a whole. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path,
                                      "[Desktop Entry]\nType=Application\nName=Convene\n"
                                      "Exec=/opt/old/convene-service --gapplication-service\n"
                                      "X-GNOME-Autostart-enabled=false\n", -1, &error));
  g_assert_no_error (error);
  g_assert_true (cnv_autostart_file_set (TRUE, service (), &error));
  g_assert_no_error (error);
  assert_valid_entry (service ());
}

static void
test_quoting (void)
{
  /* Spaces, the four characters escaped inside quotes, a percent sign (a field code otherwise),
   * and non-ASCII: the session must run exactly this file. */
  static const char *const paths[] = {
    "/home/al ice/My Apps/convene-service",
    "/opt/a\"b`c$d\\e/convene-service",
    "/opt/100%/convene-service",
    "/opt/#1 (test);&|<>~*?'x'/convene-service",
    "/opt/Übergänge/convene-service",
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GKeyFile) keyfile = NULL;
      g_auto(GStrv) argv = NULL;

      g_test_message ("%s", paths[i]);
      g_assert_true (cnv_autostart_file_set (TRUE, paths[i], &error));
      g_assert_no_error (error);
      keyfile = load_entry ();
      argv = entry_argv (keyfile);
      g_assert_cmpuint (g_strv_length (argv), ==, 2);
      g_assert_cmpstr (argv[0], ==, paths[i]);
      g_assert_cmpstr (argv[1], ==, "--gapplication-service");
    }
}

static void
test_relative_path (void)
{
  g_autofree char *path = cnv_autostart_file_path ();
  g_autoptr(GError) error = NULL;

  g_assert_false (cnv_autostart_file_set (TRUE, "convene-service", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_unwritable (void)
{
  g_autofree char *path = cnv_autostart_file_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  /* "autostart" is a file, not a folder: nothing can be created in it, whoever we are (a mode
   * of 0500 would not stop root, who runs these tests in containers). */
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (dir, "not a folder", -1, &error));
  g_assert_no_error (error);

  g_assert_false (cnv_autostart_file_set (TRUE, service (), &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_FILE_ERROR);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* Turning it off there: no entry can exist, so there is nothing to do. */
  g_assert_true (cnv_autostart_file_set (FALSE, service (), &error));
  g_assert_no_error (error);

  /* The same through the asynchronous call the service uses. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    cnv_autostart_set_async (TRUE, service (), NULL, store_result_cb, &result);
    g_assert_false (cnv_autostart_set_finish (wait_result (&result, 10), &error));
    g_assert_nonnull (error);
    g_assert_true (error->domain == G_FILE_ERROR);
  }
}

static void
test_async (void)
{
  g_autofree char *path = cnv_autostart_file_path ();
  g_autoptr(GError) error = NULL;

  if (cnv_autostart_in_flatpak ())
    {
      g_test_skip ("inside Flatpak the portal writes the entry");
      return;
    }

  {
    g_autoptr(GAsyncResult) result = NULL;

    cnv_autostart_set_async (TRUE, service (), NULL, store_result_cb, &result);
    g_assert_true (cnv_autostart_set_finish (wait_result (&result, 10), &error));
    g_assert_no_error (error);
    assert_valid_entry (service ());
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    cnv_autostart_set_async (FALSE, service (), NULL, store_result_cb, &result);
    g_assert_true (cnv_autostart_set_finish (wait_result (&result, 10), &error));
    g_assert_no_error (error);
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_remove (path);
}

typedef struct
{
  const char *path;
  GTestFunc   func;
} AutostartTest;

static const AutostartTest tests[] = {
  { "/app/autostart/enable", test_enable },
  { "/app/autostart/disable", test_disable },
  { "/app/autostart/idempotent", test_idempotent },
  { "/app/autostart/replaces-stale", test_replaces_stale },
  { "/app/autostart/quoting", test_quoting },
  { "/app/autostart/relative-path", test_relative_path },
  { "/app/autostart/unwritable", test_unwritable },
  { "/app/autostart/async", test_async },
};

/* Each test starts without the autostart folder. */
static void
fresh_autostart (gconstpointer data)
{
  const AutostartTest *test = data;
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "autostart", NULL);

  remove_tree (dir);
  test->func ();
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("test-app-autostart-XXXXXX", &error);
  g_autofree char *config = NULL;
  g_autofree char *data = NULL;
  int status;

  g_assert_no_error (error);
  config = g_build_filename (root, "config", NULL);
  data = g_build_filename (root, "data", NULL);
  /* Before anything asks GLib for them: it keeps the first answer. */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpstr (g_get_user_config_dir (), ==, config);

  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    g_test_add_data_func (tests[i].path, &tests[i], fresh_autostart);

  status = g_test_run ();
  remove_tree (root);
  return status;
}
