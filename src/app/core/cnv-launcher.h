/* cnv-launcher.h — starting a session's collaboration program and closing it at the end (E455–E458)
 *
 * A CnvLauncher is one launch: the program started for one session, three ways (#CnvLaunchKind):
 * a command template expanded to an argv and run in its own process group, a desktop application
 * the user chose (#GAppInfo), or the system browser. Only what we can find again can be closed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CNV_LAUNCHER_ERROR (cnv_launcher_error_quark ())

/**
 * CnvLauncherError:
 * @CNV_LAUNCHER_ERROR_EMPTY_COMMAND: the command template is empty (or only blanks)
 * @CNV_LAUNCHER_ERROR_BAD_COMMAND: the template is not a list of shell words (unbalanced quote…)
 * @CNV_LAUNCHER_ERROR_UNKNOWN_FIELD: a `%X` the template language does not have (only %u %p %t %%)
 * @CNV_LAUNCHER_ERROR_NO_LINK: the template has no `%u`: the program would not know where to go
 * @CNV_LAUNCHER_ERROR_NOT_FOUND: the program does not exist or cannot be executed
 * @CNV_LAUNCHER_ERROR_NO_LINKS: the chosen application does not open links
 * @CNV_LAUNCHER_ERROR_FAILED: starting it failed for another reason (the message says why)
 * @CNV_LAUNCHER_ERROR_CANNOT_CLOSE: cnv_launcher_terminate_async() on a launch that cannot be
 *   closed (the browser, an application whose process is unknown): see cnv_launcher_get_can_close()
 * @CNV_LAUNCHER_ERROR_STILL_RUNNING: a process was still there after SIGKILL (stuck in the kernel)
 */
typedef enum
{
  CNV_LAUNCHER_ERROR_EMPTY_COMMAND,
  CNV_LAUNCHER_ERROR_BAD_COMMAND,
  CNV_LAUNCHER_ERROR_UNKNOWN_FIELD,
  CNV_LAUNCHER_ERROR_NO_LINK,
  CNV_LAUNCHER_ERROR_NOT_FOUND,
  CNV_LAUNCHER_ERROR_NO_LINKS,
  CNV_LAUNCHER_ERROR_FAILED,
  CNV_LAUNCHER_ERROR_CANNOT_CLOSE,
  CNV_LAUNCHER_ERROR_STILL_RUNNING,
} CnvLauncherError;

/**
 * CnvLaunchKind:
 * @CNV_LAUNCH_KIND_COMMAND: a command template: our child, leader of its own process group; closed
 *   by SIGTERM to the whole group, SIGKILL after the grace
 * @CNV_LAUNCH_KIND_APP: a desktop application: its process group is not ours (it may be a
 *   D-Bus activated or single-instance program), so it is closed by SIGTERM (then SIGKILL) to
 *   its pid alone, through a pidfd — and only when GIO reported that pid
 * @CNV_LAUNCH_KIND_BROWSER: the system browser: the link opens in a tab of a browser that was
 *   perhaps already running, and a tab cannot be closed from outside — never closed, never watched
 */
typedef enum
{
  CNV_LAUNCH_KIND_COMMAND,
  CNV_LAUNCH_KIND_APP,
  CNV_LAUNCH_KIND_BROWSER,
} CnvLaunchKind;

#define CNV_TYPE_LAUNCHER (cnv_launcher_get_type ())

G_DECLARE_FINAL_TYPE (CnvLauncher, cnv_launcher, CNV, LAUNCHER, GObject)

GQuark         cnv_launcher_error_quark         (void);

/* Expands a command template (E456) to an argv. The template is split into words FIRST (shell
 * quoting rules, g_shell_parse_argv(); no shell ever runs), then in each word %u becomes @link,
 * %p @credential, %t @title and %% a literal %: whatever the title or link hold (quotes, spaces,
 * `; rm -rf ~`), they stay inside the word they were put in. NULL @credential or @title expand to
 * "". Fails with CNV_LAUNCHER_ERROR_EMPTY_COMMAND, _BAD_COMMAND, _UNKNOWN_FIELD or _NO_LINK.
 * The argv carries the link (which is the credential): never log it. */
GStrv          cnv_launcher_expand_command      (const char          *template,
                                                 const char          *link,
                                                 const char          *credential,
                                                 const char          *title,
                                                 GError             **error);

/* Runs @argv (argv[0] looked up in PATH) as a new process group, stdin from /dev/null, stdout and
 * stderr appended to @log_path (created 0600; a program may print the link) or inherited when
 * NULL; none of our other descriptors. Inside Flatpak (/.flatpak-info exists) the program runs on
 * the host through `flatpak-spawn --host --watch-bus`, which needs
 * `--talk-name=org.freedesktop.Flatpak` in the manifest: flatpak-spawn is then the group leader,
 * forwards SIGTERM to the host program, and when it is killed, --watch-bus makes the session
 * helper end the host program too. Fails with CNV_LAUNCHER_ERROR_NOT_FOUND or _FAILED. */
void           cnv_launcher_launch_argv_async   (const char * const  *argv,
                                                 const char          *log_path,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);

/* Launches the desktop application @app_info with @link (g_app_info_launch_uris_async()).
 * @context may be NULL; the pid comes from its GAppLaunchContext::launched signal. Applications
 * started by D-Bus activation report no pid and cannot be closed. Fails with
 * CNV_LAUNCHER_ERROR_NO_LINKS when the application does not take URIs, else _FAILED. */
void           cnv_launcher_launch_app_async    (GAppInfo            *app_info,
                                                 const char          *link,
                                                 GAppLaunchContext   *context,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);

/* Opens @link in the system browser (g_app_info_launch_default_for_uri_async(), the OpenURI
 * portal inside Flatpak). The result cannot be closed: cnv_launcher_get_can_close() is FALSE. */
void           cnv_launcher_launch_default_async (const char         *link,
                                                  GAppLaunchContext  *context,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);

/* Finishes any of the three launches. */
CnvLauncher   *cnv_launcher_launch_finish       (GAsyncResult        *result,
                                                 GError             **error);

CnvLaunchKind  cnv_launcher_get_kind            (CnvLauncher         *self);
/* The pid of the program we started (the group leader for a command), 0 when unknown. */
GPid           cnv_launcher_get_pid             (CnvLauncher         *self);
/* Whether cnv_launcher_terminate_async() can close it and CnvLauncher::exited will be emitted. */
gboolean       cnv_launcher_get_can_close       (CnvLauncher         *self);
/* Whether the program we started has ended (CnvLauncher::exited was emitted). For a command,
 * other processes of its group may live on: cnv_launcher_terminate_async() ends them too. */
gboolean       cnv_launcher_get_exited          (CnvLauncher         *self);
/* Its exit code when it exited normally, else -1 (killed by a signal, not exited, or unknown: an
 * application is not our child, so only its end is known). */
int            cnv_launcher_get_exit_code       (CnvLauncher         *self);
/* The signal that killed it, else 0. */
int            cnv_launcher_get_term_signal     (CnvLauncher         *self);

/* Closes it (E458): SIGTERM to the process group (command) or to the pid (application), SIGKILL
 * after @grace_seconds if anything is still alive; finishes when all of it is gone (a command's
 * whole group, and the program reaped). Idempotent: calls during a termination finish with it,
 * calls after it succeed at once. Fails with CNV_LAUNCHER_ERROR_CANNOT_CLOSE (see
 * cnv_launcher_get_can_close()) or _STILL_RUNNING. Cancelling stops waiting, not the signals. */
void           cnv_launcher_terminate_async     (CnvLauncher         *self,
                                                 guint                grace_seconds,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean       cnv_launcher_terminate_finish    (CnvLauncher         *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
