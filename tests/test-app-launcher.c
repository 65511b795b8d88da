/* test-app-launcher.c — CnvLauncher: command templates, launching and closing real programs
 *
 * The program launched is tests/data/launcher/fake-collab.sh, a real child that records its argv,
 * pid and descriptors and starts a grandchild (`sleep`) in its process group; one mode exits on
 * SIGTERM, one ignores it (the grandchild too), one exits at once. Desktop applications and the
 * system browser go through GIO with private XDG directories (set in main() before GIO reads
 * them) whose only https handler is that same script. No timing is asserted: waits are bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cnv-launcher.h"
#include "log-guard.h"
#include "test-async.h"

/* The link is the credential: it must never be logged. */
#define LINK "https://join.example.test/s/7f3a?t=SECRET-TOKEN-4711"
#define HOSTILE_TITLE "\"; rm -rf ~; \" $(touch /tmp/cnv-pwned) `id` 'quoted' %u\n* & | > <"
#define HOSTILE_LINK "https://join.example.test/s/a b?t=SECRET-TOKEN-4711'\";$(id)&x=%%20"

static char *script;          /* tests/data/launcher/fake-collab.sh */
static char *xdg_root;        /* private XDG directories */
static char *browser_dir;     /* where the "browser" records */

/* ---- helpers ---- */

static char *
make_record_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("cnv-launcher-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static char *
read_record (const char *dir,
             const char *name,
             gsize      *length)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  return contents;
}

static GPid
read_pid (const char *dir,
          const char *name)
{
  g_autofree char *text = read_record (dir, name, NULL);

  return (GPid) g_ascii_strtoll (text, NULL, 10);
}

static void
wait_ready (const char *dir)
{
  g_autofree char *ready = g_build_filename (dir, "ready", NULL);

  WAIT_UNTIL (g_file_test (ready, G_FILE_TEST_EXISTS), 30);
  g_assert_true (g_file_test (ready, G_FILE_TEST_EXISTS));
}

static gboolean
file_contains (const char *path,
               const char *text)
{
  g_autofree char *contents = NULL;

  return g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, text) != NULL;
}

/* A process is gone when it does not exist or is a zombie (an orphan waits for whoever reaps it). */
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

/* How many zombies the test has as children: GSubprocess must reap every child it started. */
static guint
count_zombie_children (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint zombies = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *stat = NULL;
      const char *fields;
      char state;
      long ppid;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      fields = strrchr (stat, ')');
      if (fields != NULL && sscanf (fields + 1, " %c %ld", &state, &ppid) == 2
          && ppid == getpid () && state == 'Z')
        zombies++;
    }
  return zombies;
}

static void
assert_no_zombie_children (void)
{
  WAIT_UNTIL (count_zombie_children () == 0, 30);
  g_assert_cmpuint (count_zombie_children (), ==, 0);
}

static pid_t
process_group (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *fields;
  char state;
  long ppid, pgrp;

  g_assert_true (g_file_get_contents (path, &stat, NULL, NULL));
  fields = strrchr (stat, ')');
  g_assert_nonnull (fields);
  g_assert_cmpint (sscanf (fields + 1, " %c %ld %ld", &state, &ppid, &pgrp), ==, 3);
  return (pid_t) pgrp;
}

static CnvLauncher *
launch_argv (const char * const *argv,
             const char         *log_path,
             GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cnv_launcher_launch_argv_async (argv, log_path, NULL, store_result_cb, &result);
  return cnv_launcher_launch_finish (wait_result (&result, 30), error);
}

static gboolean
terminate (CnvLauncher *launcher,
           guint        grace,
           GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cnv_launcher_terminate_async (launcher, grace, NULL, store_result_cb, &result);
  return cnv_launcher_terminate_finish (launcher, wait_result (&result, 60), error);
}

static void
exited_cb (CnvLauncher *launcher,
           gpointer     user_data)
{
  guint *count = user_data;

  (*count)++;
}

/* Launches the script in @mode through a command template with the hostile title. */
static CnvLauncher *
launch_script (const char *mode,
               const char *dir,
               const char *log_path,
               guint      *exited_count)
{
  g_autofree char *quoted_script = g_shell_quote (script);
  g_autofree char *quoted_dir = g_shell_quote (dir);
  g_autofree char *template = g_strdup_printf ("%s %s %s --url=%%u \"%%t\" %%p 100%%%%",
                                               quoted_script, mode, quoted_dir);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  CnvLauncher *launcher;

  argv = cnv_launcher_expand_command (template, HOSTILE_LINK, "SECRET-TOKEN-4711", HOSTILE_TITLE,
                                      &error);
  g_assert_no_error (error);
  launcher = launch_argv ((const char * const *) argv, log_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (launcher);
  g_signal_connect (launcher, "exited", G_CALLBACK (exited_cb), exited_count);
  wait_ready (dir);
  return launcher;
}

/* ---- expansion ---- */

static void
test_expand_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) empty_fields = NULL;

  argv = cnv_launcher_expand_command ("zoom-client --join=%u --pass %p   'Title: %t' 50%% %%u",
                                      LINK, "pw", "Weekly", &error);
  g_assert_no_error (error);
  {
    const char * const expected_argv[] = { "zoom-client", "--join=" LINK, "--pass", "pw",
                                           "Title: Weekly", "50%", "%u", NULL };

    g_assert_cmpstrv (argv, expected_argv);
  }

  /* NULL credential and title expand to "", and stay one (empty) argument each. */
  empty_fields = cnv_launcher_expand_command ("prog %u %p \"%t\"", LINK, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    const char * const expected_empty_fields[] = { "prog", LINK, "", "", NULL };

    g_assert_cmpstrv (empty_fields, expected_empty_fields);
  }
}

static void
test_expand_hostile (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) joined = NULL;

  argv = cnv_launcher_expand_command ("prog %u %t", HOSTILE_LINK, NULL, HOSTILE_TITLE, &error);
  g_assert_no_error (error);
  /* Exactly three words: the values are never split, quoted, nor expanded again (the %u inside
   * the title stays as it is). */
  {
    const char * const expected_argv[] = { "prog", HOSTILE_LINK, HOSTILE_TITLE, NULL };

    g_assert_cmpstrv (argv, expected_argv);
  }

  /* Fields inside a word, next to quotes of the template. */
  joined = cnv_launcher_expand_command ("prog \"--a=%t\"'--b=%u'", "l i n k", NULL, "a'b\"c",
                                        &error);
  g_assert_no_error (error);
  {
    const char * const expected_joined[] = { "prog", "--a=a'b\"c--b=l i n k", NULL };

    g_assert_cmpstrv (joined, expected_joined);
  }
}

static void
test_expand_errors (void)
{
  static const struct
  {
    const char *template;
    int         code;
  } cases[] = {
    { "", CNV_LAUNCHER_ERROR_EMPTY_COMMAND },
    { "   \t\n ", CNV_LAUNCHER_ERROR_EMPTY_COMMAND },
    { "prog 'unbalanced %u", CNV_LAUNCHER_ERROR_BAD_COMMAND },
    { "prog \"unbalanced %u", CNV_LAUNCHER_ERROR_BAD_COMMAND },
    { "prog %u %x", CNV_LAUNCHER_ERROR_UNKNOWN_FIELD },
    { "prog %u %U", CNV_LAUNCHER_ERROR_UNKNOWN_FIELD },
    { "prog %u 100%", CNV_LAUNCHER_ERROR_UNKNOWN_FIELD },
    { "prog %u %é", CNV_LAUNCHER_ERROR_UNKNOWN_FIELD },
    { "prog --title=%t", CNV_LAUNCHER_ERROR_NO_LINK },
    { "prog %%u", CNV_LAUNCHER_ERROR_NO_LINK },
    { "%u", CNV_LAUNCHER_ERROR_BAD_COMMAND },
    { "%t %u", CNV_LAUNCHER_ERROR_BAD_COMMAND },
    { "/usr/bin/%p %u", CNV_LAUNCHER_ERROR_BAD_COMMAND },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) argv = NULL;

      g_test_message ("template: %s", cases[i].template);
      argv = cnv_launcher_expand_command (cases[i].template, LINK, "pw", "T", &error);
      g_assert_null (argv);
      g_assert_error (error, CNV_LAUNCHER_ERROR, cases[i].code);
      g_assert_null (strstr (error->message, "SECRET"));
    }

  {
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = cnv_launcher_expand_command (NULL, LINK, NULL, NULL, &error);

    g_assert_null (argv);
    g_assert_error (error, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_EMPTY_COMMAND);
  }
}

static void
test_expand_huge (void)
{
  g_autoptr(GString) template = g_string_new ("prog");
  g_autoptr(GString) title = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;

  for (guint i = 0; i < 10000; i++)
    g_string_append (template, " %u%t");
  for (guint i = 0; i < 1000; i++)
    g_string_append (title, "\"' ;");
  argv = cnv_launcher_expand_command (template->str, LINK, NULL, title->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (argv), ==, 10001);
  g_assert_cmpuint (strlen (argv[10000]), ==, strlen (LINK) + title->len);
}

/* ---- commands ---- */

/* Descriptors of the test that are NOT close-on-exec: none may reach the program. */
static int leaked_fds[3];

static void
open_leaky_fds (void)
{
  int pipe_fds[2];

  leaked_fds[0] = dup2 (g_open ("/dev/null", O_RDONLY, 0), 50);
  g_assert_cmpint (leaked_fds[0], ==, 50);
  g_assert_cmpint (pipe (pipe_fds), ==, 0);
  leaked_fds[1] = pipe_fds[0];
  leaked_fds[2] = pipe_fds[1];
}

static void
close_leaky_fds (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (leaked_fds); i++)
    g_close (leaked_fds[i], NULL);
}

/* Every descriptor of @pid is 0–2 (0 being /dev/null) or, when @script_ok, the script itself,
 * which the shell opened to read it. */
static void
assert_only_standard_fds (GPid     pid,
                          gboolean script_ok)
{
  g_autofree char *fd_dir = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autofree char *stdin_path = g_strdup_printf ("/proc/%d/fd/0", (int) pid);
  g_autofree char *stdin_target = g_file_read_link (stdin_path, NULL);
  g_autoptr(GDir) dir = g_dir_open (fd_dir, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpstr (stdin_target, ==, "/dev/null");
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link_path = g_build_filename (fd_dir, name, NULL);
      g_autofree char *target = g_file_read_link (link_path, NULL);
      int fd = atoi (name);

      if (fd <= 2)
        continue;
      g_test_message ("process %d has fd %d → %s", (int) pid, fd, target);
      g_assert_true (script_ok);
      g_assert_cmpstr (target, ==, script);
    }
}

static void
test_command_end_to_end (void)
{
  g_autofree char *dir = make_record_dir ();
  g_autofree char *log_path = g_build_filename (dir, "program.log", NULL);
  g_autofree char *print_path = g_build_filename (dir, "print", NULL);
  g_autofree char *argv_record = NULL;
  g_autofree char *fds = NULL;
  g_autofree char *log = NULL;
  g_auto(GStrv) fd_list = NULL;
  g_autoptr(CnvLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(GString) expected = NULL;
  guint exited = 0;
  gsize length;
  GStatBuf st;
  GPid pid, grandchild;

  g_assert_true (g_file_set_contents (print_path, "", 0, NULL));
  open_leaky_fds ();
  launcher = launch_script ("term", dir, log_path, &exited);
  close_leaky_fds ();

  g_assert_cmpint (cnv_launcher_get_kind (launcher), ==, CNV_LAUNCH_KIND_COMMAND);
  g_assert_true (cnv_launcher_get_can_close (launcher));
  g_assert_false (cnv_launcher_get_exited (launcher));

  /* The argv arrived byte-exact: after MODE and DIR, one argument per template word. */
  argv_record = read_record (dir, "argv", &length);
  expected = g_string_new (NULL);
  g_string_append_len (expected, "term", strlen ("term") + 1);
  g_string_append_len (expected, dir, strlen (dir) + 1);
  g_string_append_len (expected, "--url=" HOSTILE_LINK, strlen ("--url=" HOSTILE_LINK) + 1);
  g_string_append_len (expected, HOSTILE_TITLE, strlen (HOSTILE_TITLE) + 1);
  g_string_append_len (expected, "SECRET-TOKEN-4711", strlen ("SECRET-TOKEN-4711") + 1);
  g_string_append_len (expected, "100%", strlen ("100%") + 1);
  g_assert_cmpmem (argv_record, length, expected->str, expected->len);
  g_assert_false (g_file_test ("/tmp/cnv-pwned", G_FILE_TEST_EXISTS));

  /* Its own process group, led by it; the grandchild is in it. */
  pid = read_pid (dir, "pid");
  grandchild = read_pid (dir, "grandchild");
  g_assert_cmpint (cnv_launcher_get_pid (launcher), ==, pid);
  g_assert_cmpint (process_group (pid), ==, pid);
  g_assert_cmpint (process_group (pid), !=, getpgrp ());
  g_assert_cmpint (process_group (grandchild), ==, pid);

  /* None of the test's descriptors: not in the list the program made of its own, not live. */
  fds = read_record (dir, "fds", NULL);
  fd_list = g_strsplit_set (g_strstrip (fds), " ", -1);
  for (guint i = 0; fd_list[i] != NULL; i++)
    for (guint j = 0; j < G_N_ELEMENTS (leaked_fds); j++)
      g_assert_cmpint (atoi (fd_list[i]), !=, leaked_fds[j]);
  assert_only_standard_fds (pid, TRUE);
  assert_only_standard_fds (grandchild, FALSE);

  /* stdout and stderr went to the log, private to the user. */
  WAIT_UNTIL (file_contains (log_path, "err\n"), 30);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "out\n"));
  g_assert_cmpint (g_stat (log_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Two terminations at once: both finish when the whole group is gone. */
  cnv_launcher_terminate_async (launcher, 30, NULL, store_result_cb, &first);
  cnv_launcher_terminate_async (launcher, 30, NULL, store_result_cb, &second);
  g_assert_true (cnv_launcher_terminate_finish (launcher, wait_result (&first, 60), &error));
  g_assert_no_error (error);
  g_assert_true (cnv_launcher_terminate_finish (launcher, wait_result (&second, 60), &error));
  g_assert_no_error (error);
  g_assert_false (process_alive (pid));
  g_assert_false (process_alive (grandchild));

  /* The program ran its SIGTERM trap and exited 0; reported once. */
  g_assert_true (cnv_launcher_get_exited (launcher));
  g_assert_cmpuint (exited, ==, 1);
  g_assert_cmpint (cnv_launcher_get_exit_code (launcher), ==, 0);
  g_assert_cmpint (cnv_launcher_get_term_signal (launcher), ==, 0);
  {
    g_autofree char *signals = read_record (dir, "signals", NULL);

    g_assert_cmpstr (signals, ==, "term\n");
  }

  /* And once more, after the end: harmless. */
  g_assert_true (terminate (launcher, 30, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (exited, ==, 1);

  assert_no_zombie_children ();
  remove_tree (dir);
}

static void
test_command_ignores_sigterm (void)
{
  g_autofree char *dir = make_record_dir ();
  g_autofree char *log_path = g_build_filename (dir, "program.log", NULL);
  g_autoptr(CnvLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  guint exited = 0;
  GPid pid, grandchild;

  launcher = launch_script ("ignore", dir, log_path, &exited);
  pid = read_pid (dir, "pid");
  grandchild = read_pid (dir, "grandchild");

  g_assert_true (terminate (launcher, 1, &error));
  g_assert_no_error (error);
  g_assert_false (process_alive (pid));
  g_assert_false (process_alive (grandchild));
  g_assert_cmpuint (exited, ==, 1);
  g_assert_cmpint (cnv_launcher_get_term_signal (launcher), ==, SIGKILL);
  g_assert_cmpint (cnv_launcher_get_exit_code (launcher), ==, -1);

  assert_no_zombie_children ();
  remove_tree (dir);
}

static void
test_command_exits (void)
{
  g_autofree char *dir = make_record_dir ();
  g_autofree char *log_path = g_build_filename (dir, "program.log", NULL);
  g_autoptr(CnvLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  guint exited = 0;
  GPid grandchild;

  launcher = launch_script ("exit3", dir, log_path, &exited);
  grandchild = read_pid (dir, "grandchild");

  WAIT_UNTIL (exited > 0, 30);
  g_assert_cmpuint (exited, ==, 1);
  g_assert_true (cnv_launcher_get_exited (launcher));
  g_assert_cmpint (cnv_launcher_get_exit_code (launcher), ==, 3);
  g_assert_cmpint (cnv_launcher_get_term_signal (launcher), ==, 0);

  /* What it left behind in its group is closed all the same. */
  g_assert_true (process_alive (grandchild));
  g_assert_true (terminate (launcher, 30, &error));
  g_assert_no_error (error);
  g_assert_false (process_alive (grandchild));
  g_assert_cmpuint (exited, ==, 1);

  assert_no_zombie_children ();
  remove_tree (dir);
}

static void
test_command_not_found (void)
{
  static const char * const missing[] = { "cnv-no-such-program-4711", LINK, NULL };
  static const char * const missing_path[] = { "/nonexistent/cnv/program", LINK, NULL };
  g_autofree char *dir = make_record_dir ();
  g_autofree char *not_executable = g_build_filename (dir, "not-executable", NULL);
  const char * const not_executable_argv[] = { not_executable, LINK, NULL };
  const char * const *cases[] = { missing, missing_path, not_executable_argv };

  g_assert_true (g_file_set_contents (not_executable, "#!/bin/sh\n", -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvLauncher) launcher = launch_argv (cases[i], NULL, &error);

      g_assert_null (launcher);
      g_assert_error (error, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_NOT_FOUND);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i][0]));
      g_assert_null (strstr (error->message, "SECRET"));
    }

  {
    g_autofree char *bad_log = g_build_filename (dir, "no-such-dir", "log", NULL);
    g_autoptr(GError) error = NULL;
    const char * const argv[] = { script, "term", dir, NULL };
    g_autoptr(CnvLauncher) launcher = launch_argv (argv, bad_log, &error);

    g_assert_null (launcher);
    g_assert_error (error, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_FAILED);
  }

  remove_tree (dir);
}

/* Dropping the launch leaves the program running; it is still reaped when it ends (no zombie). */
static void
test_command_dropped (void)
{
  g_autofree char *dir = make_record_dir ();
  g_autofree char *log_path = g_build_filename (dir, "program.log", NULL);
  g_autoptr(CnvLauncher) launcher = NULL;
  guint exited = 0;
  GPid pid, grandchild;
  g_autofree char *stat_path = NULL;

  launcher = launch_script ("term", dir, log_path, &exited);
  pid = read_pid (dir, "pid");
  grandchild = read_pid (dir, "grandchild");
  g_clear_object (&launcher);

  g_assert_true (process_alive (pid));
  g_assert_cmpint (kill (-pid, SIGTERM), ==, 0);
  stat_path = g_strdup_printf ("/proc/%d", (int) pid);
  /* Our child: gone entirely (reaped), not merely a zombie. */
  WAIT_UNTIL (!g_file_test (stat_path, G_FILE_TEST_EXISTS), 30);
  g_assert_false (g_file_test (stat_path, G_FILE_TEST_EXISTS));
  WAIT_UNTIL (!process_alive (grandchild), 30);
  g_assert_false (process_alive (grandchild));
  g_assert_cmpuint (exited, ==, 0);

  assert_no_zombie_children ();
  remove_tree (dir);
}

/* ---- desktop applications and the browser ---- */

static void
test_app (void)
{
  g_autofree char *dir = make_record_dir ();
  g_autofree char *commandline = g_strdup_printf ("%s term %s %%u", script, dir);
  g_autoptr(GAppInfo) app = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(CnvLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *argv_record = NULL;
  const char expected[] = "term\0";
  guint exited = 0;
  gsize length;
  GPid pid, grandchild;

  app = g_app_info_create_from_commandline (commandline, "Fake Collaboration",
                                            G_APP_INFO_CREATE_NONE, &error);
  g_assert_no_error (error);
  cnv_launcher_launch_app_async (app, LINK, NULL, NULL, store_result_cb, &result);
  launcher = cnv_launcher_launch_finish (wait_result (&result, 30), &error);
  g_assert_no_error (error);
  g_signal_connect (launcher, "exited", G_CALLBACK (exited_cb), &exited);
  wait_ready (dir);

  argv_record = read_record (dir, "argv", &length);
  g_assert_cmpmem (argv_record, sizeof expected - 1, expected, sizeof expected - 1);
  g_assert_cmpstr (argv_record + length - strlen (LINK) - 1, ==, LINK);

  pid = read_pid (dir, "pid");
  grandchild = read_pid (dir, "grandchild");
  g_assert_cmpint (cnv_launcher_get_kind (launcher), ==, CNV_LAUNCH_KIND_APP);
  g_assert_cmpint (cnv_launcher_get_pid (launcher), ==, pid);
  g_assert_true (cnv_launcher_get_can_close (launcher));

  g_assert_true (terminate (launcher, 30, &error));
  g_assert_no_error (error);
  g_assert_false (process_alive (pid));
  g_assert_cmpuint (exited, ==, 1);
  g_assert_true (terminate (launcher, 30, &error));
  g_assert_no_error (error);

  /* Not our process group: only its pid was signalled, its own children are its business. */
  g_assert_true (process_alive (grandchild));
  g_assert_cmpint (kill (grandchild, SIGKILL), ==, 0);

  assert_no_zombie_children ();
  remove_tree (dir);
}

static void
test_app_without_links (void)
{
  g_autoptr(GAppInfo) app = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(CnvLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;

  app = g_app_info_create_from_commandline ("true", "No Links", G_APP_INFO_CREATE_NONE, &error);
  g_assert_no_error (error);
  cnv_launcher_launch_app_async (app, LINK, NULL, NULL, store_result_cb, &result);
  launcher = cnv_launcher_launch_finish (wait_result (&result, 30), &error);
  g_assert_null (launcher);
  g_assert_error (error, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_NO_LINKS);
}

static void
test_browser (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(CnvLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *argv_record = NULL;
  gsize length;

  cnv_launcher_launch_default_async (LINK, NULL, NULL, store_result_cb, &result);
  launcher = cnv_launcher_launch_finish (wait_result (&result, 30), &error);
  g_assert_no_error (error);
  wait_ready (browser_dir);

  argv_record = read_record (browser_dir, "argv", &length);
  g_assert_cmpstr (argv_record + length - strlen (LINK) - 1, ==, LINK);

  g_assert_cmpint (cnv_launcher_get_kind (launcher), ==, CNV_LAUNCH_KIND_BROWSER);
  g_assert_false (cnv_launcher_get_can_close (launcher));
  g_assert_false (terminate (launcher, 1, &error));
  g_assert_error (error, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_CANNOT_CLOSE);

  /* Not ours to close: the test cleans up after its fake browser. */
  g_assert_cmpint (kill (read_pid (browser_dir, "grandchild"), SIGKILL), ==, 0);
  g_assert_cmpint (kill (read_pid (browser_dir, "pid"), SIGKILL), ==, 0);
  assert_no_zombie_children ();
}

/* Private XDG directories whose https handler is the script, recording in browser_dir. */
static void
setup_xdg (void)
{
  g_autofree char *data = NULL;
  g_autofree char *apps = NULL;
  g_autofree char *config = NULL;
  g_autofree char *desktop = NULL;
  g_autofree char *desktop_path = NULL;
  g_autofree char *mimeapps_path = NULL;
  g_autoptr(GError) error = NULL;

  xdg_root = make_record_dir ();
  browser_dir = g_build_filename (xdg_root, "browser-record", NULL);
  data = g_build_filename (xdg_root, "data", NULL);
  apps = g_build_filename (data, "applications", NULL);
  config = g_build_filename (xdg_root, "config", NULL);
  g_assert_cmpint (g_mkdir_with_parents (browser_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (apps, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);

  desktop = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Fake Browser\n"
                             "Exec=%s term %s %%u\nMimeType=x-scheme-handler/https;\n",
                             script, browser_dir);
  desktop_path = g_build_filename (apps, "cnv-fake-browser.desktop", NULL);
  g_file_set_contents (desktop_path, desktop, -1, &error);
  g_assert_no_error (error);
  mimeapps_path = g_build_filename (config, "mimeapps.list", NULL);
  g_file_set_contents (mimeapps_path, "[Default Applications]\n"
                       "x-scheme-handler/https=cnv-fake-browser.desktop\n", -1, &error);
  g_assert_no_error (error);

  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_DATA_DIRS", data, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_CONFIG_DIRS", config, TRUE);
  g_unsetenv ("XDG_CURRENT_DESKTOP");
  g_unsetenv ("GTK_USE_PORTAL");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  log_guard_install ();
  log_guard_forbid ("SECRET-TOKEN");
  script = g_build_filename (g_getenv ("CNV_TEST_DATA"), "launcher", "fake-collab.sh", NULL);
  /* Before GIO reads them (g_test_init() does not). */
  setup_xdg ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/launcher/expand/fields", test_expand_fields);
  g_test_add_func ("/app/launcher/expand/hostile", test_expand_hostile);
  g_test_add_func ("/app/launcher/expand/errors", test_expand_errors);
  g_test_add_func ("/app/launcher/expand/huge", test_expand_huge);
  g_test_add_func ("/app/launcher/command/end-to-end", test_command_end_to_end);
  g_test_add_func ("/app/launcher/command/ignores-sigterm", test_command_ignores_sigterm);
  g_test_add_func ("/app/launcher/command/exits", test_command_exits);
  g_test_add_func ("/app/launcher/command/not-found", test_command_not_found);
  g_test_add_func ("/app/launcher/command/dropped", test_command_dropped);
  g_test_add_func ("/app/launcher/app/launch", test_app);
  g_test_add_func ("/app/launcher/app/without-links", test_app_without_links);
  g_test_add_func ("/app/launcher/browser", test_browser);

  status = g_test_run ();
  remove_tree (xdg_root);
  g_free (browser_dir);
  g_free (xdg_root);
  g_free (script);
  return status;
}
