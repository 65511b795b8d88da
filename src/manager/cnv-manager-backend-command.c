/* cnv-manager-backend-command.c — the `command` backend: an admin program opens and closes the
 * room
 *
 * The program runs without a shell, as `COMMAND open` (it prints the room URL) and
 * `COMMAND close`. It gets the session in a clean environment, never a secret on its command line,
 * and is killed (with everything it started) when it overruns its timeout or is cancelled.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-backend"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnv-ical.h"
#include "cnv-manager-backend-private.h"

/* What the admin program may print: a URL, with room to spare. */
#define MAX_STDOUT (64 * 1024)
/* What of its standard error goes into the error message. */
#define MAX_STDERR 1024
/* What of a line it printed instead of a URL goes into the error message. */
#define MAX_QUOTED_LINE 200
/* When PATH is not set: what execvp(3) would use, without the current directory. */
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* Configuration --------------------------------------------------------------------------- */

gboolean
cnv_manager_backend_load_command (CnvManagerBackend  *self,
                                  GKeyFile           *key_file,
                                  GError            **error)
{
  g_autofree char *timeout = NULL;
  struct stat st;

  self->command = cnv_backend_get_value (key_file, self->group, "command");
  if (self->command == NULL)
    return cnv_backend_set_config_error (error, self->group, "command",
                                         "missing (the absolute path of the admin program)");
  if (!g_path_is_absolute (self->command))
    return cnv_backend_set_config_error (error, self->group, "command",
                                         "“%s” is not an absolute path", self->command);
  if (stat (self->command, &st) != 0)
    {
      int saved_errno = errno;

      return cnv_backend_set_config_error (error, self->group, "command", "“%s”: %s", self->command,
                                           g_strerror (saved_errno));
    }
  if (!S_ISREG (st.st_mode) || access (self->command, X_OK) != 0)
    return cnv_backend_set_config_error (error, self->group, "command",
                                         "“%s” is not an executable file", self->command);

  timeout = cnv_backend_get_value (key_file, self->group, "command-timeout");
  if (timeout != NULL && !cnv_duration_parse (timeout, &self->command_timeout))
    return cnv_backend_set_config_error (error, self->group, "command-timeout",
                                         "“%s” is not a duration (such as 45s or 2m)", timeout);
  return TRUE;
}

/* Running the program ------------------------------------------------------------------------ */

typedef enum
{
  STOP_NONE,
  STOP_TIMEOUT,
  STOP_OVERFLOW,
  STOP_CANCELLED,
} StopReason;

typedef struct
{
  /* Owned */
  GSubprocess  *process;
  GCancellable *reads;        /* ends the pipe reads once the program is killed */
  GSource      *timeout_source;
  GSource      *cancel_source;
  GByteArray   *output;       /* standard output; NULL when not kept (close) */
  GByteArray   *errors;       /* the first MAX_STDERR bytes of standard error */
  char         *what;         /* "PROGRAM ACTION", for messages */

  GTimeSpan     timeout;
  guint         pending;      /* the pipe reads and the wait still running */
  StopReason    stop;
  guint8        output_buffer[8192];
  guint8        errors_buffer[4096];
} CommandRun;

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
command_run_free (CommandRun *run)
{
  clear_source (&run->timeout_source);
  clear_source (&run->cancel_source);
  g_clear_object (&run->process);
  g_clear_object (&run->reads);
  g_clear_pointer (&run->output, g_byte_array_unref);
  g_clear_pointer (&run->errors, g_byte_array_unref);
  g_clear_pointer (&run->what, g_free);
  g_free (run);
}

static char *
format_utc (gint64 unix_time)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_time);

  /* RFC 3339 §5.6, in UTC. */
  return time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("");
}

/* A clean environment: nothing of the manager's own (HOME, credentials directories, whatever the
 * service manager set) reaches the admin program; only the session. */
static char **
command_environment (const char              *action,
                     const CnvBackendSession *session,
                     const char              *room_url)
{
  const char * const no_participants[] = { NULL };
  g_autofree char *start = format_utc (session->start);
  g_autofree char *end = format_utc (session->end);
  g_autofree char *not_before = format_utc (session->not_before);
  g_autofree char *participants = NULL;
  const char *path = g_getenv ("PATH");
  const char *lang = g_getenv ("LANG");
  char **env = g_new0 (char *, 1);

  participants = g_strjoinv (" ", (char **) (session->participants != NULL
                                             ? session->participants : no_participants));

  env = g_environ_setenv (env, "PATH", path != NULL ? path : DEFAULT_PATH, TRUE);
  if (lang != NULL)
    env = g_environ_setenv (env, "LANG", lang, TRUE);
  env = g_environ_setenv (env, "TZ", "UTC", TRUE);
  env = g_environ_setenv (env, "CONVENE_ACTION", action, TRUE);
  env = g_environ_setenv (env, "CONVENE_SESSION_ID", session->id != NULL ? session->id : "", TRUE);
  env = g_environ_setenv (env, "CONVENE_SESSION_TYPE", session->type != NULL ? session->type : "", TRUE);
  env = g_environ_setenv (env, "CONVENE_TITLE", session->title != NULL ? session->title : "", TRUE);
  env = g_environ_setenv (env, "CONVENE_INITIATOR",
                          session->initiator != NULL ? session->initiator : "", TRUE);
  env = g_environ_setenv (env, "CONVENE_ROOM", session->room != NULL ? session->room : "", TRUE);
  env = g_environ_setenv (env, "CONVENE_START", start, TRUE);
  env = g_environ_setenv (env, "CONVENE_END", end, TRUE);
  env = g_environ_setenv (env, "CONVENE_NOT_BEFORE", not_before, TRUE);
  env = g_environ_setenv (env, "CONVENE_PARTICIPANTS", participants, TRUE);
  if (room_url != NULL)
    env = g_environ_setenv (env, "CONVENE_ROOM_URL", room_url, TRUE);
  return env;
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void
command_child_setup (gpointer user_data)
{
  /* Its own process group: a timeout or a cancellation kills the program and what it started. */
  setpgid (0, 0);
}

/* The first non-empty line of @data, without surrounding white space. */
static void
find_first_line (const guint8 *data,
                 gsize         len,
                 gsize        *out_start,
                 gsize        *out_len)
{
  gsize start = 0;
  gsize end;

  while (start < len && g_ascii_isspace (data[start]))
    start++;
  end = start;
  while (end < len && data[end] != '\n')
    end++;
  while (end > start && g_ascii_isspace (data[end - 1]))
    end--;
  *out_start = start;
  *out_len = end - start;
}

/* At most @max_len bytes of the first non-empty line of @data, valid UTF-8 without control
 * characters: text from a program goes into logs and mail. */
static char *
printable_first_line (const guint8 *data,
                      gsize         len,
                      gsize         max_len)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gsize start;
  gsize line_len;

  find_first_line (data, len, &start, &line_len);
  if (line_len == 0)
    return g_strdup ("");
  valid = g_utf8_make_valid ((const char *) data + start, MIN (line_len, max_len));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
command_stop (CommandRun *run,
              StopReason  reason)
{
  const char *identifier;

  if (run->stop != STOP_NONE)
    return;
  run->stop = reason;

  /* The identifier is NULL once the program has been reaped; its group may live on in what it
   * started, which still holds the pipes: the reads are ended below either way. */
  identifier = g_subprocess_get_identifier (run->process);
  if (identifier != NULL)
    {
      pid_t pid = (pid_t) atoi (identifier);

      if (pid > 1)
        kill (-pid, SIGKILL);
    }
  g_subprocess_force_exit (run->process);
  g_cancellable_cancel (run->reads);
}

static void
command_complete (GTask *task)
{
  CnvManagerBackend *self = g_task_get_source_object (task);
  CommandRun *run = g_task_get_task_data (task);
  g_autofree char *detail = NULL;
  g_autofree char *status = NULL;
  g_autofree char *line = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  gsize url_start;
  gsize url_len;

  clear_source (&run->timeout_source);
  clear_source (&run->cancel_source);

  switch (run->stop)
    {
    case STOP_CANCELLED:
      g_debug ("[%s] %s: cancelled, killed", self->group, run->what);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s: cancelled", run->what);
      return;
    case STOP_TIMEOUT:
      g_task_return_new_error (task, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED,
                               "“%s” did not finish within %" G_GINT64_FORMAT " s and was killed",
                               run->what, run->timeout / G_TIME_SPAN_SECOND);
      return;
    case STOP_OVERFLOW:
      g_task_return_new_error (task, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED,
                               "“%s” printed more than %d KiB and was killed", run->what,
                               MAX_STDOUT / 1024);
      return;
    case STOP_NONE:
    default:
      break;
    }

  line = printable_first_line (run->errors->data, run->errors->len, MAX_STDERR);
  detail = *line != '\0' ? g_strdup_printf (": %s", line) : g_strdup ("");

  if (g_subprocess_get_if_signaled (run->process))
    status = g_strdup_printf ("was killed by signal %d", g_subprocess_get_term_sig (run->process));
  else if (g_subprocess_get_exit_status (run->process) != 0)
    status = g_strdup_printf ("exited with status %d", g_subprocess_get_exit_status (run->process));
  if (status != NULL)
    {
      g_task_return_new_error (task, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED, "“%s” %s%s",
                               run->what, status, detail);
      return;
    }

  if (run->output == NULL)
    {
      g_debug ("[%s] %s: done", self->group, run->what);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* The first non-empty line is the room URL. */
  find_first_line (run->output->data, run->output->len, &url_start, &url_len);
  if (url_len == 0)
    {
      g_task_return_new_error (task, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED,
                               "“%s” exited with status 0 but printed no URL%s", run->what, detail);
      return;
    }
  url = g_strndup ((const char *) run->output->data + url_start, url_len);
  if (strlen (url) == url_len)
    uri = cnv_backend_parse_http_url (url);
  if (uri == NULL)
    {
      g_autofree char *quoted = printable_first_line (run->output->data, run->output->len,
                                                      MAX_QUOTED_LINE);

      g_task_return_new_error (task, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED,
                               "“%s” printed “%s”, not an https:// or http:// URL%s", run->what,
                               quoted, detail);
      return;
    }
  /* Not the URL itself: some services put a moderator password in it. */
  g_debug ("[%s] %s: printed a room URL", self->group, run->what);
  g_task_return_pointer (task, g_steal_pointer (&url), g_free);
}

static void
command_step_done (GTask *task)
{
  CommandRun *run = g_task_get_task_data (task);

  g_assert (run->pending > 0);
  if (--run->pending == 0)
    command_complete (task);
}

static void command_read_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data);

static void
command_read_next (GTask        *task,
                   GInputStream *stream)
{
  CommandRun *run = g_task_get_task_data (task);
  gboolean is_output = stream == g_subprocess_get_stdout_pipe (run->process);

  g_input_stream_read_async (stream,
                             is_output ? run->output_buffer : run->errors_buffer,
                             is_output ? sizeof run->output_buffer : sizeof run->errors_buffer,
                             G_PRIORITY_DEFAULT, run->reads, command_read_cb, g_object_ref (task));
}

static void
command_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CommandRun *run = g_task_get_task_data (task);
  GInputStream *stream = G_INPUT_STREAM (source);
  gssize n = g_input_stream_read_finish (stream, result, NULL);

  if (n <= 0 || run->stop != STOP_NONE)
    {
      command_step_done (task);
      return;
    }

  if (stream == g_subprocess_get_stdout_pipe (run->process))
    {
      if (run->output->len + (gsize) n > MAX_STDOUT)
        {
          command_stop (run, STOP_OVERFLOW);
          command_step_done (task);
          return;
        }
      g_byte_array_append (run->output, run->output_buffer, n);
    }
  else if (run->errors->len < MAX_STDERR)
    {
      /* The rest of standard error is read and dropped, so that the program never blocks on it. */
      g_byte_array_append (run->errors, run->errors_buffer,
                           MIN ((gsize) n, MAX_STDERR - run->errors->len));
    }
  command_read_next (task, stream);
}

static void
command_wait_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  /* Without a cancellable, the wait ends when the program has been reaped. */
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  command_step_done (task);
}

static gboolean
command_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  CommandRun *run = g_task_get_task_data (task);
  CnvManagerBackend *self = g_task_get_source_object (task);

  g_debug ("[%s] %s: no answer within %" G_GINT64_FORMAT " s, killing it", self->group,
             run->what, run->timeout / G_TIME_SPAN_SECOND);
  g_clear_pointer (&run->timeout_source, g_source_unref);
  command_stop (run, STOP_TIMEOUT);
  return G_SOURCE_REMOVE;
}

static gboolean
command_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask *task = user_data;
  CommandRun *run = g_task_get_task_data (task);

  g_clear_pointer (&run->cancel_source, g_source_unref);
  command_stop (run, STOP_CANCELLED);
  return G_SOURCE_REMOVE;
}

/* Runs `COMMAND ACTION`; the task returns the room URL that it printed (@keep_output: open) or
 * TRUE (close). */
void
cnv_manager_backend_command_run (CnvManagerBackend       *self,
                                 const char              *action,
                                 const CnvBackendSession *session,
                                 const char              *room_url,
                                 gboolean                 keep_output,
                                 GTask                   *task)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  const char *argv[] = { self->command, action, NULL };
  GCancellable *cancellable = g_task_get_cancellable (task);
  GMainContext *context = g_task_get_context (task);
  CommandRun *run;

  if (g_task_return_error_if_cancelled (task))
    return;

  run = g_new0 (CommandRun, 1);
  run->what = g_strdup_printf ("%s %s", self->command, action);
  run->timeout = self->command_timeout;
  run->reads = g_cancellable_new ();
  run->errors = g_byte_array_new ();
  if (keep_output)
    run->output = g_byte_array_new ();
  g_task_set_task_data (task, run, (GDestroyNotify) command_run_free);

  /* The standard input is /dev/null: GSubprocess's default. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                        (keep_output ? G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                     : G_SUBPROCESS_FLAGS_STDOUT_SILENCE));
  env = command_environment (action, session, room_url);
  g_subprocess_launcher_set_environ (launcher, env);
  g_subprocess_launcher_set_cwd (launcher, "/");
  g_subprocess_launcher_set_child_setup (launcher, command_child_setup, NULL, NULL);

  g_debug ("[%s] running %s for session %s", self->group, run->what,
           session->id != NULL ? session->id : "(none)");
  run->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (run->process == NULL)
    {
      g_task_return_new_error (task, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED,
                               "cannot run “%s”: %s", run->what, error->message);
      return;
    }

  run->pending = keep_output ? 3 : 2;
  if (keep_output)
    command_read_next (task, g_subprocess_get_stdout_pipe (run->process));
  command_read_next (task, g_subprocess_get_stderr_pipe (run->process));
  g_subprocess_wait_async (run->process, NULL, command_wait_cb, g_object_ref (task));

  run->timeout_source = g_timeout_source_new ((guint) (run->timeout / G_TIME_SPAN_MILLISECOND));
  g_source_set_callback (run->timeout_source, command_timeout_cb, task, NULL);
  g_source_set_name (run->timeout_source, "[cnv] backend command timeout");
  g_source_attach (run->timeout_source, context);

  if (cancellable != NULL)
    {
      run->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (run->cancel_source, G_SOURCE_FUNC (command_cancelled_cb), task, NULL);
      g_source_attach (run->cancel_source, context);
    }
}
