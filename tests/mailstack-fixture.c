/* mailstack-fixture.c — a real Dovecot + Postfix on loopback for the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-mailstack"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "mailstack-fixture.h"

/* Stacks not stopped yet: stopped at exit() if a test forgets. A test that crashes does not
 * get there; then the script's watchdog (--owner-pid) stops the stack. */
static GMutex live_lock;
static GSList *live_stacks;

/* How much of the script's error output goes into a GError. */
#define STDERR_TAIL 4000

static const char *
script_path (GError **error)
{
  const char *path = g_getenv ("CNV_MAILSTACK");

  if (path == NULL || *path == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "CNV_MAILSTACK is not set: it names tests/mailstack/mailstack.sh");
      return NULL;
    }
  return path;
}

static gboolean
keep_stacks (void)
{
  return g_strcmp0 (g_getenv ("CNV_KEEP_MAILSTACK"), "1") == 0;
}

/* Runs `bash SCRIPT ARGS…` with @input on its standard input (never a secret on its command
 * line or in its environment), and fails with its error output when it fails. */
static gboolean
run_script (const char * const  *args,
            GBytes              *input,
            GError             **error)
{
  const char *script = script_path (error);
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) err = NULL;
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE;

  if (script == NULL)
    return FALSE;

  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) "bash");
  g_ptr_array_add (argv, (gpointer) script);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  if (input != NULL)
    flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;
  process = g_subprocess_newv ((const char * const *) argv->pdata, flags, error);
  if (process == NULL)
    return FALSE;
  if (!g_subprocess_communicate (process, input, NULL, NULL, &err, error))
    return FALSE;

  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      gsize size = 0;
      const char *text = err != NULL ? g_bytes_get_data (err, &size) : NULL;
      g_autofree char *tail = NULL;

      if (size > STDERR_TAIL)
        {
          text += size - STDERR_TAIL;
          size = STDERR_TAIL;
        }
      tail = g_strndup (text != NULL ? text : "", size);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "mailstack.sh %s failed:\n%s",
                   args[0], tail);
      return FALSE;
    }

  if (err != NULL && g_bytes_get_size (err) > 0)
    {
      g_autofree char *said = g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err));

      g_debug ("mailstack.sh %s: %s", args[0], g_strchomp (said));
    }
  return TRUE;
}

static void
remove_dir (const char *dir)
{
  const char *argv[] = { "rm", "-rf", "--", dir, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    g_warning ("could not remove %s: %s", dir, error->message);
}

static void
free_stack (CnvMailstack *self)
{
  g_free (self->dir);
  g_free (self->host);
  g_free (self->ca_file);
  g_free (self->domain);
  g_free (self->dovecot_log);
  g_free (self->postfix_log);
  g_free (self);
}

static void
stop_live_stacks (void)
{
  for (;;)
    {
      CnvMailstack *stack;

      g_mutex_lock (&live_lock);
      stack = live_stacks != NULL ? live_stacks->data : NULL;
      g_mutex_unlock (&live_lock);
      if (stack == NULL)
        break;
      cnv_mailstack_stop (stack);
    }
}

/* DIR/env: KEY=VALUE lines, values never quoted (the script refuses paths that need it). */
static GHashTable *
read_env (const char  *dir,
          GError     **error)
{
  g_autofree char *path = g_build_filename (dir, "env", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *env;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *eq = strchr (lines[i], '=');

      if (eq != NULL && eq != lines[i])
        g_hash_table_insert (env, g_strndup (lines[i], eq - lines[i]), g_strdup (eq + 1));
    }
  return env;
}

static gboolean
take_string (GHashTable  *env,
             const char  *key,
             char       **out,
             GError     **error)
{
  const char *value = g_hash_table_lookup (env, key);

  if (value == NULL || *value == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the stack's env file has no %s", key);
      return FALSE;
    }
  *out = g_strdup (value);
  return TRUE;
}

static gboolean
take_port (GHashTable  *env,
           const char  *key,
           guint16     *out,
           GError     **error)
{
  const char *value = g_hash_table_lookup (env, key);
  guint64 port = 0;

  if (value == NULL
      || !g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT16, &port, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the stack's env file has no valid %s", key);
      return FALSE;
    }
  *out = (guint16) port;
  return TRUE;
}

/**
 * cnv_mailstack_start:
 * @error: where a failure is reported
 *
 * Starts a stack in a fresh temporary directory, owned by this process: if the process dies
 * without cnv_mailstack_stop(), the script's watchdog stops the stack (and removes its
 * directory unless `CNV_KEEP_MAILSTACK=1`). Needs root, as the script does; a test that cannot
 * start it fails.
 *
 * Returns: (transfer full): the running stack, or %NULL
 */
CnvMailstack *
cnv_mailstack_start (GError **error)
{
  return cnv_mailstack_start_with_users (NULL, error);
}

/* A users file for mailstack.sh --users: the default users and @extra, with random passwords;
 * a temporary file of mode 0600, removed once the stack has read it. */
static char *
write_users_file (const char * const  *extra,
                  GError             **error)
{
  const char *defaults[] = { "alice", "bob", "carol", "dave", "videoconference", "whiteboard" };
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  guint8 random[12];
  int fd;

  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
    g_ptr_array_add (names, (gpointer) defaults[i]);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (names, (gpointer) extra[i]);

  fd = g_open ("/dev/urandom", O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "/dev/urandom: %s",
                   g_strerror (errno));
      return NULL;
    }
  for (guint i = 0; i < names->len; i++)
    {
      if (read (fd, random, sizeof random) != (ssize_t) sizeof random)
        {
          close (fd);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "/dev/urandom gave too little");
          return NULL;
        }
      g_string_append_printf (text, "%s@example.test ", (const char *) g_ptr_array_index (names, i));
      for (guint j = 0; j < sizeof random; j++)
        g_string_append_printf (text, "%02x", random[j]);
      g_string_append_c (text, '\n');
    }
  close (fd);
  fd = g_file_open_tmp ("cnv-mailstack-users-XXXXXX", &path, error);
  if (fd < 0)
    return NULL;
  close (fd);
  if (!g_file_set_contents_full (path, text->str, (gssize) text->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    {
      g_unlink (path);
      return NULL;
    }
  return g_steal_pointer (&path);
}

/**
 * cnv_mailstack_start_with_users:
 * @extra_users: (nullable): local parts of more users (at example.test) besides the default ones
 * @error: where a failure is reported
 *
 * As cnv_mailstack_start(), with more mailboxes (the benchmark's participants).
 */
CnvMailstack *
cnv_mailstack_start_with_users (const char * const  *extra_users,
                                GError             **error)
{
  static gsize registered = 0;
  g_autofree char *dir = NULL;
  g_autofree char *users_file = NULL;
  g_autofree char *owner = NULL;
  g_autoptr(GHashTable) env = NULL;
  g_autoptr(GError) local_error = NULL;
  CnvMailstack *self;

  if (script_path (error) == NULL)
    return NULL;
  dir = g_dir_make_tmp ("cnv-mailstack-XXXXXX", error);
  if (dir == NULL)
    return NULL;
  owner = g_strdup_printf ("%d", (int) getpid ());

  if (extra_users != NULL && (users_file = write_users_file (extra_users, error)) == NULL)
    {
      remove_dir (dir);
      return NULL;
    }

  {
    const char *args[] = {
      "start", dir, "--owner-pid", owner, "--users", users_file,
      keep_stacks () ? NULL : "--remove-on-owner-exit", NULL
    };

    gboolean started;

    if (users_file == NULL)
      {
        args[4] = args[6];
        args[5] = NULL;
      }
    started = run_script (args, NULL, error);
    if (users_file != NULL)
      g_unlink (users_file);
    if (!started)
      {
        if (!keep_stacks ())
          remove_dir (dir);
        return NULL;
      }
  }

  self = g_new0 (CnvMailstack, 1);
  self->dir = g_steal_pointer (&dir);
  env = read_env (self->dir, &local_error);
  if (env == NULL
      || !take_string (env, "HOST", &self->host, &local_error)
      || !take_string (env, "DOMAIN", &self->domain, &local_error)
      || !take_string (env, "CA_FILE", &self->ca_file, &local_error)
      || !take_string (env, "DOVECOT_LOG", &self->dovecot_log, &local_error)
      || !take_string (env, "POSTFIX_LOG", &self->postfix_log, &local_error)
      || !take_port (env, "IMAP_PORT", &self->imap_port, &local_error)
      || !take_port (env, "IMAPS_PORT", &self->imaps_port, &local_error)
      || !take_port (env, "LMTP_PORT", &self->lmtp_port, &local_error)
      || !take_port (env, "SUBMISSION_PORT", &self->submission_port, &local_error)
      || !take_port (env, "SMTP_PORT", &self->smtp_port, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      cnv_mailstack_stop (self);
      return NULL;
    }

  if (g_once_init_enter (&registered))
    {
      atexit (stop_live_stacks);
      g_once_init_leave (&registered, 1);
    }
  g_mutex_lock (&live_lock);
  live_stacks = g_slist_prepend (live_stacks, self);
  g_mutex_unlock (&live_lock);
  return self;
}

/**
 * cnv_mailstack_stop:
 * @self: (transfer full) (nullable): a stack
 *
 * Stops Postfix and Dovecot and waits until none of their processes is left, then removes the
 * directory (unless `CNV_KEEP_MAILSTACK=1`) and frees @self. A process left behind is a
 * critical error.
 */
void
cnv_mailstack_stop (CnvMailstack *self)
{
  const char *args[] = { "stop", NULL, NULL };
  g_autoptr(GError) error = NULL;
  gboolean stopped;

  if (self == NULL)
    return;

  g_mutex_lock (&live_lock);
  live_stacks = g_slist_remove (live_stacks, self);
  g_mutex_unlock (&live_lock);

  args[1] = self->dir;
  stopped = run_script (args, NULL, &error);
  if (keep_stacks ())
    g_printerr ("mailstack: kept %s (CNV_KEEP_MAILSTACK=1)\n", self->dir);
  else if (stopped)
    remove_dir (self->dir);
  if (!stopped)
    g_critical ("could not stop the mail stack in %s: %s", self->dir, error->message);
  free_stack (self);
}

/* @user is "alice" or "alice@DOMAIN"; returns the local part, or NULL for another domain or a
 * name that is no plain file name. */
static char *
local_part (CnvMailstack *self,
            const char   *user)
{
  const char *at = strchr (user, '@');
  g_autofree char *local = NULL;

  if (at != NULL)
    {
      if (g_ascii_strcasecmp (at + 1, self->domain) != 0)
        return NULL;
      local = g_ascii_strdown (user, at - user);
    }
  else
    {
      local = g_ascii_strdown (user, -1);
    }
  if (*local == '\0' || *local == '.' || strchr (local, '/') != NULL)
    return NULL;
  return g_steal_pointer (&local);
}

/**
 * cnv_mailstack_get_password:
 * @self: a stack
 * @user: "alice" or "alice@example.test"
 *
 * Returns: (transfer full) (nullable): the user's password, or %NULL for an unknown user
 */
char *
cnv_mailstack_get_password (CnvMailstack *self,
                            const char   *user)
{
  g_autofree char *local = NULL;
  g_autofree char *path = NULL;
  char *password = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (user != NULL, NULL);

  local = local_part (self, user);
  if (local == NULL)
    return NULL;
  path = g_build_filename (self->dir, "passwords", local, NULL);
  if (!g_file_get_contents (path, &password, NULL, NULL))
    return NULL;
  return password;
}

/**
 * cnv_mailstack_restart_dovecot:
 * @self: a stack
 * @error: where a failure is reported
 *
 * Stops Dovecot and starts it again on the same ports with the same mailboxes; Postfix keeps
 * running (and retries the deliveries it could not make meanwhile).
 *
 * Returns: %TRUE when every Dovecot port answers again
 */
gboolean
cnv_mailstack_restart_dovecot (CnvMailstack  *self,
                               GError       **error)
{
  const char *args[] = { "restart-dovecot", NULL, NULL };

  g_return_val_if_fail (self != NULL, FALSE);

  args[1] = self->dir;
  return run_script (args, NULL, error);
}

/**
 * cnv_mailstack_stop_postfix:
 * @self: a stack
 * @error: where a failure is reported
 *
 * Stops Postfix (an SMTP outage: submission through Dovecot fails with a transient error, since
 * Dovecot relays to Postfix); cnv_mailstack_start_postfix() brings it back on the same port.
 */
gboolean
cnv_mailstack_stop_postfix (CnvMailstack  *self,
                            GError       **error)
{
  const char *args[] = { "stop-postfix", NULL, NULL };

  g_return_val_if_fail (self != NULL, FALSE);

  args[1] = self->dir;
  return run_script (args, NULL, error);
}

gboolean
cnv_mailstack_start_postfix (CnvMailstack  *self,
                             GError       **error)
{
  const char *args[] = { "start-postfix", NULL, NULL };

  g_return_val_if_fail (self != NULL, FALSE);

  args[1] = self->dir;
  return run_script (args, NULL, error);
}

/**
 * cnv_mailstack_fill:
 * @self: a stack
 * @user: "alice" or "alice@example.test"
 * @count: how many messages
 * @error: where a failure is reported
 *
 * Puts @count small distinct messages ("Subject: Message N of COUNT") into the user's INBOX,
 * quickly (20 000 in about 4 s), with UIDs in the order of N.
 *
 * Returns: %TRUE on success
 */
gboolean
cnv_mailstack_fill (CnvMailstack  *self,
                    const char    *user,
                    guint          count,
                    GError       **error)
{
  g_autofree char *number = NULL;
  const char *args[] = { "fill", NULL, user, NULL, NULL };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (user != NULL, FALSE);

  number = g_strdup_printf ("%u", count);
  args[1] = self->dir;
  args[3] = number;
  return run_script (args, NULL, error);
}

/**
 * cnv_mailstack_deliver:
 * @self: a stack
 * @user: "alice" or "alice@example.test"
 * @message: the message, as it will be stored
 * @error: where a failure is reported
 *
 * Stores @message in the user's INBOX directly (doveadm save), without SMTP or LMTP.
 *
 * Returns: %TRUE on success
 */
gboolean
cnv_mailstack_deliver (CnvMailstack  *self,
                       const char    *user,
                       GBytes        *message,
                       GError       **error)
{
  const char *args[] = { "deliver", NULL, user, "-", NULL };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (user != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  args[1] = self->dir;
  return run_script (args, message, error);
}

static guint
count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint count = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      count++;
  return count;
}

/**
 * cnv_mailstack_count_messages:
 * @self: a stack
 * @user: "alice" or "alice@example.test"
 * @folder: (nullable): "INBOX" (or %NULL), or another folder's name on disk ("Archive" is the
 *   Maildir++ folder `.Archive`)
 *
 * Counts the message files of a folder (`new/` and `cur/`), without asking Dovecot.
 *
 * Returns: the number of messages; 0 for an unknown user or folder
 */
guint
cnv_mailstack_count_messages (CnvMailstack *self,
                              const char   *user,
                              const char   *folder)
{
  g_autofree char *local = NULL;
  g_autofree char *subdir = NULL;
  g_autofree char *maildir = NULL;
  g_autofree char *new_dir = NULL;
  g_autofree char *cur_dir = NULL;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (user != NULL, 0);

  local = local_part (self, user);
  if (local == NULL)
    return 0;
  if (folder != NULL && g_ascii_strcasecmp (folder, "INBOX") != 0)
    {
      if (strchr (folder, '/') != NULL)
        return 0;
      subdir = g_strconcat (".", folder, NULL);
    }
  maildir = g_build_filename (self->dir, "mail", self->domain, local, "Maildir", subdir, NULL);
  new_dir = g_build_filename (maildir, "new", NULL);
  cur_dir = g_build_filename (maildir, "cur", NULL);
  return count_files (new_dir) + count_files (cur_dir);
}
