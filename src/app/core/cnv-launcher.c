/* cnv-launcher.c — starting a session's collaboration program and closing it at the end (E455–E458)
 *
 * A command is our child and leader of a new process group (setpgid in the child, before exec),
 * so that closing it reaches whatever it started: SIGTERM to -pgid, SIGKILL after the grace, then
 * wait until no live process is left in the group. GSubprocess reaps the child itself; the
 * grandchildren are orphans reaped by init (or a subreaper), so a group holding only zombies
 * counts as gone — an init that never reaps must not make us wait forever.
 *
 * A desktop application is started by GIO, which reports its pid (GAppLaunchContext::launched);
 * it is not our child, so it is watched and signalled through a pidfd (Linux ≥ 5.3), which
 * cannot hit another process if the pid is reused.
 *
 * The argv carries the personal link, which is the credential: only argv[0] is ever logged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-launcher"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "cnv-launcher.h"

/* How often a termination looks whether the processes are gone. */
#define TERMINATE_POLL_MS 50
/* How long after SIGKILL a process may take to disappear before we report it stuck. */
#define KILL_WAIT_SECONDS 5

struct _CnvLauncher
{
  GObject        parent_instance;

  CnvLaunchKind  kind;
  GPid           pid;
  gboolean       exited;
  int            exit_code;
  int            term_signal;

  /* Owned */
  GSubprocess   *subprocess;     /* COMMAND */
  int            pidfd;          /* APP with a known pid, else -1 */
  GSource       *pidfd_source;
  GCancellable  *cancellable;
  GPtrArray     *waiters;        /* GTask of the pending terminations */
  guint          poll_id;
  guint          kill_id;

  gboolean       group_gone;     /* kill(-pgid) said ESRCH once: never signal that pgid again */
  gboolean       terminating;
  gboolean       killed;
  gboolean       terminated;
  gint64         give_up_at;     /* monotonic time after SIGKILL when we stop waiting */
};

G_DEFINE_FINAL_TYPE (CnvLauncher, cnv_launcher, G_TYPE_OBJECT)

G_DEFINE_QUARK (cnv-launcher-error-quark, cnv_launcher_error)

enum
{
  EXITED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- expanding a command template (E456) ---- */

GStrv
cnv_launcher_expand_command (const char  *template,
                             const char  *link,
                             const char  *credential,
                             const char  *title,
                             GError     **error)
{
  g_auto(GStrv) words = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean has_link = FALSE;

  g_return_val_if_fail (link != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Blanks only: g_shell_parse_argv() says G_SHELL_ERROR_EMPTY_STRING below. */
  if (template == NULL || *template == '\0')
    {
      g_set_error_literal (error, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_EMPTY_COMMAND,
                           _("The command is empty"));
      return NULL;
    }

  /* Words first, fields after: a field's value can never become a word or shell syntax. */
  if (!g_shell_parse_argv (template, NULL, &words, &local_error))
    {
      g_set_error (error, CNV_LAUNCHER_ERROR,
                   g_error_matches (local_error, G_SHELL_ERROR, G_SHELL_ERROR_EMPTY_STRING)
                   ? CNV_LAUNCHER_ERROR_EMPTY_COMMAND : CNV_LAUNCHER_ERROR_BAD_COMMAND,
                   _("The command cannot be read: %s"), local_error->message);
      return NULL;
    }

  builder = g_strv_builder_new ();
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autoptr(GString) word = g_string_new (NULL);

      for (const char *p = words[i]; *p != '\0'; p++)
        {
          const char *value = NULL;

          if (*p != '%')
            {
              g_string_append_c (word, *p);
              continue;
            }

          p++;
          switch (*p)
            {
            case '%':
              g_string_append_c (word, '%');
              continue;
            case 'u':
              value = link;
              has_link = TRUE;
              break;
            case 'p':
              value = credential != NULL ? credential : "";
              break;
            case 't':
              value = title != NULL ? title : "";
              break;
            case '\0':
              g_set_error_literal (error, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_UNKNOWN_FIELD,
                                   _("The command ends with a lone “%”; write “%%” for a percent sign"));
              return NULL;
            default:
              {
                g_autofree char *field = g_strndup (p, g_utf8_skip[*(const guchar *) p]);

                g_set_error (error, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_UNKNOWN_FIELD,
                             /* Translators: %s follows the percent sign (“x” in “%x”) */
                             _("The command has an unknown field “%%%s”; use %%u, %%p, %%t or %%%%"),
                             field);
                return NULL;
              }
            }

          /* The program itself is never chosen by what an invitation says. */
          if (i == 0)
            {
              g_set_error_literal (error, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_BAD_COMMAND,
                                   _("The command must start with the program’s name, not a field"));
              return NULL;
            }
          g_string_append (word, value);
        }
      g_strv_builder_add (builder, word->str);
    }

  if (!has_link)
    {
      g_set_error_literal (error, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_NO_LINK,
                           /* xgettext:no-c-format */
                           /* Translators: %u is typed as is in the command. */
                           _("The command has no “%u” for the link to the session"));
      return NULL;
    }

  return g_strv_builder_end (builder);
}

/* ---- the object ---- */

static void
complete_waiters (CnvLauncher  *self,
                  const GError *error)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
cnv_launcher_dispose (GObject *object)
{
  CnvLauncher *self = CNV_LAUNCHER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->kill_id, g_source_remove);
  if (self->pidfd_source != NULL)
    g_source_destroy (self->pidfd_source);
  g_clear_pointer (&self->pidfd_source, g_source_unref);
  /* Dropping a launch does not end the program; GSubprocess still reaps it when it exits. */
  g_clear_object (&self->subprocess);

  G_OBJECT_CLASS (cnv_launcher_parent_class)->dispose (object);
}

static void
cnv_launcher_finalize (GObject *object)
{
  CnvLauncher *self = CNV_LAUNCHER (object);

  if (self->pidfd >= 0)
    g_close (self->pidfd, NULL);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (cnv_launcher_parent_class)->finalize (object);
}

static void
cnv_launcher_class_init (CnvLauncherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cnv_launcher_dispose;
  object_class->finalize = cnv_launcher_finalize;

  /**
   * CnvLauncher::exited:
   *
   * The program we started ended (see cnv_launcher_get_exit_code()). Emitted once, only when
   * cnv_launcher_get_can_close() is TRUE.
   */
  signals[EXITED] = g_signal_new ("exited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cnv_launcher_init (CnvLauncher *self)
{
  self->pidfd = -1;
  self->exit_code = -1;
  self->cancellable = g_cancellable_new ();
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
}

static CnvLauncher *
cnv_launcher_new (CnvLaunchKind kind)
{
  CnvLauncher *self = g_object_new (CNV_TYPE_LAUNCHER, NULL);

  self->kind = kind;
  return self;
}

static void
mark_exited (CnvLauncher *self,
             int          exit_code,
             int          term_signal)
{
  if (self->exited)
    return;
  self->exited = TRUE;
  self->exit_code = exit_code;
  self->term_signal = term_signal;
  g_signal_emit (self, signals[EXITED], 0);
}

/* ---- commands ---- */

static void
child_setup (gpointer user_data)
{
  /* In the child between fork and exec: async-signal-safe calls only. */
  setpgid (0, 0);
}

static void
subprocess_waited_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GSubprocess *subprocess = G_SUBPROCESS (source);
  g_autoptr(GError) error = NULL;
  CnvLauncher *self;

  /* Cancelled in dispose: @user_data is gone. */
  if (!g_subprocess_wait_finish (subprocess, result, &error))
    return;

  self = CNV_LAUNCHER (user_data);
  if (g_subprocess_get_if_signaled (subprocess))
    {
      g_debug ("Group %d: the program was killed by signal %d", (int) self->pid,
               g_subprocess_get_term_sig (subprocess));
      mark_exited (self, -1, g_subprocess_get_term_sig (subprocess));
    }
  else
    {
      g_debug ("Group %d: the program exited with %d", (int) self->pid,
               g_subprocess_get_exit_status (subprocess));
      mark_exited (self, g_subprocess_get_exit_status (subprocess), 0);
    }
}

static gboolean
spawn_error_is_not_found (const GError *error)
{
  static const int codes[] = {
    G_SPAWN_ERROR_NOENT, G_SPAWN_ERROR_ACCES, G_SPAWN_ERROR_NOEXEC, G_SPAWN_ERROR_ISDIR,
    G_SPAWN_ERROR_NOTDIR, G_SPAWN_ERROR_LOOP, G_SPAWN_ERROR_NAMETOOLONG, G_SPAWN_ERROR_LIBBAD,
    G_SPAWN_ERROR_PERM,
  };

  if (error->domain != G_SPAWN_ERROR)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (error->code == codes[i])
      return TRUE;
  return FALSE;
}

void
cnv_launcher_launch_argv_async (const char * const  *argv,
                                const char          *log_path,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) full_argv = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvLauncher) self = NULL;
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_NONE;

  g_return_if_fail (argv != NULL && argv[0] != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_launcher_launch_argv_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  builder = g_strv_builder_new ();
  /* flatpak(1) "flatpak-spawn --host": runs on the host; --watch-bus ends the host program when
   * flatpak-spawn goes away (our SIGKILL). Needs --talk-name=org.freedesktop.Flatpak. */
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_strv_builder_add (builder, "flatpak-spawn");
      g_strv_builder_add (builder, "--host");
      g_strv_builder_add (builder, "--watch-bus");
      g_strv_builder_add (builder, "--");
    }
  g_strv_builder_addv (builder, (const char **) argv);
  full_argv = g_strv_builder_end (builder);

  /* stdin is /dev/null (GSubprocess's default); every descriptor but 0–2 is closed. */
  if (log_path != NULL)
    flags |= G_SUBPROCESS_FLAGS_STDERR_MERGE;
  launcher = g_subprocess_launcher_new (flags);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  if (log_path != NULL)
    {
      int fd = g_open (log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);

      if (fd < 0)
        {
          int saved_errno = errno;

          g_task_return_new_error (task, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_FAILED,
                                   _("Cannot open the log file “%s”: %s"), log_path,
                                   g_strerror (saved_errno));
          return;
        }
      g_subprocess_launcher_take_stdout_fd (launcher, fd);
    }

  subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) full_argv, &error);
  if (subprocess == NULL)
    {
      g_task_return_new_error (task, CNV_LAUNCHER_ERROR,
                               spawn_error_is_not_found (error)
                               ? CNV_LAUNCHER_ERROR_NOT_FOUND : CNV_LAUNCHER_ERROR_FAILED,
                               _("Cannot start “%s”: %s"), argv[0], error->message);
      return;
    }

  self = cnv_launcher_new (CNV_LAUNCH_KIND_COMMAND);
  self->subprocess = g_steal_pointer (&subprocess);
  self->pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (self->subprocess), NULL, 10);
  g_debug ("Started %s as process group %d", argv[0], (int) self->pid);
  g_subprocess_wait_async (self->subprocess, self->cancellable, subprocess_waited_cb, self);

  g_task_return_pointer (task, g_steal_pointer (&self), g_object_unref);
}

/* ---- desktop applications and the browser ---- */

typedef struct
{
  GAppLaunchContext *context;
  gulong             launched_id;
  GPid               pid;
} AppLaunch;

static void
app_launch_free (AppLaunch *data)
{
  g_clear_signal_handler (&data->launched_id, data->context);
  g_clear_object (&data->context);
  g_free (data);
}

static void
app_launched_cb (GAppLaunchContext *context,
                 GAppInfo          *info,
                 GVariant          *platform_data,
                 gpointer           user_data)
{
  AppLaunch *data = user_data;
  gint32 pid;

  /* GIO documents "pid" (i) in the platform data of a spawned application. */
  if (platform_data != NULL && g_variant_lookup (platform_data, "pid", "i", &pid) && pid > 0)
    data->pid = pid;
}

static gboolean
pidfd_readable_cb (int          fd,
                   GIOCondition condition,
                   gpointer     user_data)
{
  CnvLauncher *self = CNV_LAUNCHER (user_data);

  /* A pidfd is readable once its process has ended (pidfd_open(2)); not our child: no status. */
  g_debug ("Application %d ended", (int) self->pid);
  g_clear_pointer (&self->pidfd_source, g_source_unref);
  mark_exited (self, -1, 0);
  return G_SOURCE_REMOVE;
}

static void
watch_pid (CnvLauncher *self,
           GPid         pid)
{
  self->pid = pid;
  if (pid <= 0)
    return;

  self->pidfd = pidfd_open (pid, 0);
  if (self->pidfd < 0)
    {
      int saved_errno = errno;

      g_debug ("Application %d cannot be watched: %s", (int) pid, g_strerror (saved_errno));
      return;
    }

  self->pidfd_source = g_unix_fd_source_new (self->pidfd, G_IO_IN);
  g_source_set_callback (self->pidfd_source, G_SOURCE_FUNC (pidfd_readable_cb), self, NULL);
  g_source_set_static_name (self->pidfd_source, "[cnv-launcher] pidfd");
  g_source_attach (self->pidfd_source, NULL);
}

static void
app_info_launched_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  AppLaunch *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvLauncher) self = NULL;

  if (!g_app_info_launch_uris_finish (G_APP_INFO (source), result, &error))
    {
      g_task_return_new_error (task, CNV_LAUNCHER_ERROR,
                               spawn_error_is_not_found (error)
                               ? CNV_LAUNCHER_ERROR_NOT_FOUND : CNV_LAUNCHER_ERROR_FAILED,
                               _("Cannot start “%s”: %s"),
                               g_app_info_get_display_name (G_APP_INFO (source)), error->message);
      return;
    }

  self = cnv_launcher_new (CNV_LAUNCH_KIND_APP);
  watch_pid (self, data->pid);
  g_debug ("Started the application %s as pid %d",
           g_app_info_get_id (G_APP_INFO (source)) != NULL
           ? g_app_info_get_id (G_APP_INFO (source))
           : g_app_info_get_executable (G_APP_INFO (source)), (int) self->pid);
  g_task_return_pointer (task, g_steal_pointer (&self), g_object_unref);
}

void
cnv_launcher_launch_app_async (GAppInfo            *app_info,
                               const char          *link,
                               GAppLaunchContext   *context,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GList) uris = NULL;
  AppLaunch *data;

  g_return_if_fail (G_IS_APP_INFO (app_info));
  g_return_if_fail (link != NULL);
  g_return_if_fail (context == NULL || G_IS_APP_LAUNCH_CONTEXT (context));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_launcher_launch_app_async);

  if (!g_app_info_supports_uris (app_info))
    {
      g_task_return_new_error (task, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_NO_LINKS,
                               _("“%s” cannot open links"),
                               g_app_info_get_display_name (app_info));
      return;
    }

  data = g_new0 (AppLaunch, 1);
  data->context = context != NULL ? g_object_ref (context) : g_app_launch_context_new ();
  data->launched_id = g_signal_connect (data->context, "launched",
                                        G_CALLBACK (app_launched_cb), data);
  g_task_set_task_data (task, data, (GDestroyNotify) app_launch_free);

  uris = g_list_append (NULL, (gpointer) link);
  g_app_info_launch_uris_async (app_info, uris, data->context, cancellable,
                                app_info_launched_cb, g_steal_pointer (&task));
}

static void
default_launched_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      g_task_return_new_error (task, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_FAILED,
                               _("Cannot open the link in the browser: %s"), error->message);
      return;
    }

  g_task_return_pointer (task, cnv_launcher_new (CNV_LAUNCH_KIND_BROWSER), g_object_unref);
}

void
cnv_launcher_launch_default_async (const char          *link,
                                   GAppLaunchContext   *context,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (link != NULL);
  g_return_if_fail (context == NULL || G_IS_APP_LAUNCH_CONTEXT (context));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_launcher_launch_default_async);
  g_app_info_launch_default_for_uri_async (link, context, cancellable, default_launched_cb, task);
}

CnvLauncher *
cnv_launcher_launch_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- getters ---- */

CnvLaunchKind
cnv_launcher_get_kind (CnvLauncher *self)
{
  g_return_val_if_fail (CNV_IS_LAUNCHER (self), CNV_LAUNCH_KIND_BROWSER);
  return self->kind;
}

GPid
cnv_launcher_get_pid (CnvLauncher *self)
{
  g_return_val_if_fail (CNV_IS_LAUNCHER (self), 0);
  return self->pid;
}

gboolean
cnv_launcher_get_can_close (CnvLauncher *self)
{
  g_return_val_if_fail (CNV_IS_LAUNCHER (self), FALSE);
  return self->subprocess != NULL || self->pidfd >= 0;
}

gboolean
cnv_launcher_get_exited (CnvLauncher *self)
{
  g_return_val_if_fail (CNV_IS_LAUNCHER (self), FALSE);
  return self->exited;
}

int
cnv_launcher_get_exit_code (CnvLauncher *self)
{
  g_return_val_if_fail (CNV_IS_LAUNCHER (self), -1);
  return self->exit_code;
}

int
cnv_launcher_get_term_signal (CnvLauncher *self)
{
  g_return_val_if_fail (CNV_IS_LAUNCHER (self), 0);
  return self->term_signal;
}

/* ---- closing (E458) ---- */

/* Whether a process of group @pgid is alive (not a zombie), from /proc/PID/stat: "PID (COMM) S
 * PPID PGRP …" (proc(5)); COMM may hold ") ", so the fields are read after the last ')'. */
static gboolean
group_has_live_process (pid_t pgid)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;

  if (dir == NULL)
    return TRUE;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *fields;
      char state;
      long ppid, pgrp;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_build_filename ("/proc", name, "stat", NULL);
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;   /* gone meanwhile */
      fields = strrchr (stat, ')');
      if (fields == NULL || sscanf (fields + 1, " %c %ld %ld", &state, &ppid, &pgrp) != 3)
        continue;
      if (pgrp == pgid && state != 'Z' && state != 'X')
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_alive (CnvLauncher *self)
{
  if (self->kind == CNV_LAUNCH_KIND_APP)
    return !self->exited;

  /* Our child must also be reaped, so that CnvLauncher::exited comes before the end. */
  if (!self->exited)
    return TRUE;
  if (self->group_gone)
    return FALSE;
  if (kill (-self->pid, 0) < 0 && errno == ESRCH)
    {
      self->group_gone = TRUE;
      return FALSE;
    }
  return group_has_live_process (self->pid);
}

static void
send_signal (CnvLauncher *self,
             int          signum)
{
  if (self->kind == CNV_LAUNCH_KIND_APP)
    {
      if (!self->exited && pidfd_send_signal (self->pidfd, signum, NULL, 0) < 0 && errno != ESRCH)
        g_warning ("Cannot signal application %d: %s", (int) self->pid, g_strerror (errno));
      return;
    }

  if (self->group_gone)
    return;
  if (kill (-self->pid, signum) < 0)
    {
      if (errno == ESRCH)
        self->group_gone = TRUE;
      else
        g_warning ("Cannot signal process group %d: %s", (int) self->pid, g_strerror (errno));
    }
}

static void
finish_termination (CnvLauncher  *self,
                    const GError *error)
{
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->kill_id, g_source_remove);
  self->terminating = FALSE;
  self->terminated = (error == NULL);
  complete_waiters (self, error);
}

static gboolean
kill_cb (gpointer user_data)
{
  CnvLauncher *self = CNV_LAUNCHER (user_data);

  self->kill_id = 0;
  if (is_alive (self))
    {
      g_debug ("Process %d: still alive after the grace, SIGKILL", (int) self->pid);
      send_signal (self, SIGKILL);
    }
  self->killed = TRUE;
  self->give_up_at = g_get_monotonic_time () + KILL_WAIT_SECONDS * G_USEC_PER_SEC;
  return G_SOURCE_REMOVE;
}

static gboolean
poll_cb (gpointer user_data)
{
  CnvLauncher *self = CNV_LAUNCHER (user_data);

  /* A cancelled caller stops waiting; the termination goes on for the others (and SIGKILL). */
  for (guint i = self->waiters->len; i > 0; i--)
    {
      GTask *task = g_ptr_array_index (self->waiters, i - 1);

      if (g_task_return_error_if_cancelled (task))
        g_ptr_array_remove_index (self->waiters, i - 1);
    }

  if (!is_alive (self))
    {
      g_debug ("Process %d: gone", (int) self->pid);
      self->poll_id = 0;
      finish_termination (self, NULL);
      return G_SOURCE_REMOVE;
    }

  if (self->killed && g_get_monotonic_time () > self->give_up_at)
    {
      g_autoptr(GError) error = NULL;

      g_set_error (&error, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_STILL_RUNNING,
                   _("Process %d is still running after SIGKILL"), (int) self->pid);
      self->poll_id = 0;
      finish_termination (self, error);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

void
cnv_launcher_terminate_async (CnvLauncher         *self,
                              guint                grace_seconds,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CNV_IS_LAUNCHER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_launcher_terminate_async);

  if (!cnv_launcher_get_can_close (self))
    {
      g_task_return_new_error (task, CNV_LAUNCHER_ERROR, CNV_LAUNCHER_ERROR_CANNOT_CLOSE,
                               self->kind == CNV_LAUNCH_KIND_BROWSER
                               ? _("A browser tab cannot be closed automatically")
                               : _("This application cannot be closed automatically"));
      return;
    }

  if (self->terminated)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_ptr_array_add (self->waiters, g_steal_pointer (&task));
  if (self->terminating)
    return;

  self->terminating = TRUE;
  self->killed = FALSE;
  g_debug ("Process %d: SIGTERM, SIGKILL in %u s", (int) self->pid, grace_seconds);
  send_signal (self, SIGTERM);
  /* The timers keep us alive until the end, even if every caller gives up waiting. */
  self->kill_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, grace_seconds, kill_cb,
                                              g_object_ref (self), g_object_unref);
  self->poll_id = g_timeout_add_full (G_PRIORITY_DEFAULT, TERMINATE_POLL_MS, poll_cb,
                                      g_object_ref (self), g_object_unref);
}

gboolean
cnv_launcher_terminate_finish (CnvLauncher   *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (CNV_IS_LAUNCHER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
