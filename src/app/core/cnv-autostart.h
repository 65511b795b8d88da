/* cnv-autostart.h — starting the background service with the user's session ("Run in background")
 *
 * Outside Flatpak, an XDG autostart entry (Desktop Application Autostart Specification) in
 * $XDG_CONFIG_HOME/autostart/APPID.desktop runs `convene-service --gapplication-service` at
 * login; it is written or removed whenever the setting changes and at every start of the service
 * (so that a moved installation heals). Inside Flatpak the sandbox cannot write there: the
 * Background portal (libportal, xdp_portal_request_background) asks the user and writes it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Whether this process runs inside a Flatpak sandbox (/.flatpak-info exists). */
gboolean  cnv_autostart_in_flatpak      (void);

/* $XDG_CONFIG_HOME/autostart/io.github.convene.Convene.desktop */
char     *cnv_autostart_file_path       (void);

/* The entry written for @service_path (an absolute path): Exec quoted as the Desktop Entry
 * Specification asks, X-GNOME-Autostart-enabled=true, NoDisplay=true, no OnlyShowIn. */
char     *cnv_autostart_file_contents   (const char *service_path);

/* Writes (atomically, only when it differs) or removes the entry. Idempotent. Errors are
 * G_FILE_ERROR (the folder cannot be created, the file cannot be written or removed) and
 * G_IO_ERROR_INVALID_ARGUMENT for a relative @service_path. */
gboolean  cnv_autostart_file_set        (gboolean    enabled,
                                         const char *service_path,
                                         GError    **error);

/* Either way, without blocking: the file in a worker thread outside Flatpak, the Background
 * portal inside (G_IO_ERROR_NOT_SUPPORTED when built without libportal). @service_path is the
 * service's path in the sandbox when inside. A user's "no" to the portal is an error
 * (G_IO_ERROR_PERMISSION_DENIED). */
void      cnv_autostart_set_async       (gboolean             enabled,
                                         const char          *service_path,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean  cnv_autostart_set_finish      (GAsyncResult        *result,
                                         GError             **error);

G_END_DECLS
