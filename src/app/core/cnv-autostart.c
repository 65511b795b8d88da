/* cnv-autostart.c — starting the background service with the user's session ("Run in background")
 *
 * The entry follows the Desktop Application Autostart Specification 0.5: a desktop entry in
 * $XDG_CONFIG_HOME/autostart whose name is the app id (so that a user's own copy with the same
 * name, or the portal's, replaces it rather than doubling it). NoDisplay keeps it out of menus;
 * OnlyShowIn is not set: invitations matter on every desktop. It is replaced through a temporary
 * file and rename (g_file_set_contents_full), so a session starting at that moment reads the old
 * entry or the new one, never half of one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-autostart"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#ifdef HAVE_LIBPORTAL
#include <libportal/portal.h>
#endif

#include "cnv-autostart.h"

#define DESKTOP_GROUP "Desktop Entry"

gboolean
cnv_autostart_in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

char *
cnv_autostart_file_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APPLICATION_ID ".desktop",
                           NULL);
}

/* The Desktop Entry Specification, "The Exec key": an argument with a reserved character is
 * quoted in double quotes, inside which `"`, `` ` ``, `$` and `\` take a backslash; a literal `%`
 * is written `%%` everywhere. (GKeyFile then escapes the backslashes once more, as a string
 * value's escape sequences ask.) */
static void
append_exec_argument (GString    *exec,
                      const char *argument)
{
  static const char reserved[] = " \t\n\"'\\><~|&;$*?#`()";
  gboolean quote = *argument == '\0' || strpbrk (argument, reserved) != NULL;

  if (exec->len > 0)
    g_string_append_c (exec, ' ');
  if (quote)
    g_string_append_c (exec, '"');
  for (const char *p = argument; *p != '\0'; p++)
    {
      if (quote && strchr ("\"`$\\", *p) != NULL)
        g_string_append_c (exec, '\\');
      if (*p == '%')
        g_string_append_c (exec, '%');
      g_string_append_c (exec, *p);
    }
  if (quote)
    g_string_append_c (exec, '"');
}

char *
cnv_autostart_file_contents (const char *service_path)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GString) exec = g_string_new (NULL);

  g_return_val_if_fail (service_path != NULL, NULL);

  append_exec_argument (exec, service_path);
  append_exec_argument (exec, "--gapplication-service");

  g_key_file_set_string (keyfile, DESKTOP_GROUP, "Type", "Application");
  g_key_file_set_string (keyfile, DESKTOP_GROUP, "Name", "Convene");
  g_key_file_set_string (keyfile, DESKTOP_GROUP, "Icon", APPLICATION_ID);
  g_key_file_set_string (keyfile, DESKTOP_GROUP, "Exec", exec->str);
  g_key_file_set_boolean (keyfile, DESKTOP_GROUP, "Terminal", FALSE);
  g_key_file_set_boolean (keyfile, DESKTOP_GROUP, "NoDisplay", TRUE);
  g_key_file_set_boolean (keyfile, DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);
  g_key_file_set_comment (keyfile, NULL, NULL,
                          " Written by Convene while \"Run in background\" is on in its "
                          "preferences;\n removed when it is turned off.", NULL);
  return g_key_file_to_data (keyfile, NULL, NULL);
}

gboolean
cnv_autostart_file_set (gboolean    enabled,
                        const char *service_path,
                        GError    **error)
{
  g_autofree char *path = cnv_autostart_file_path ();
  g_autofree char *dir = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *current = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!enabled)
    {
      /* ENOTDIR: "autostart" is not a folder, so there is no entry in it either. */
      if (g_remove (path) != 0 && errno != ENOENT && errno != ENOTDIR)
        {
          int saved_errno = errno;

          /* Translators: the first %s is a file name, the second why it failed. */
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       _("Could not remove “%s”: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
      return TRUE;
    }

  g_return_val_if_fail (service_path != NULL, FALSE);
  if (!g_path_is_absolute (service_path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The service's path “%s” is not absolute", service_path);
      return FALSE;
    }

  contents = cnv_autostart_file_contents (service_path);
  if (g_file_get_contents (path, &current, NULL, NULL) && g_strcmp0 (current, contents) == 0)
    return TRUE;

  dir = g_path_get_dirname (path);
  /* 0700 as the XDG Base Directory Specification asks for a folder it creates. */
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      /* Translators: the first %s is a folder name, the second why it failed. */
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create the folder “%s”: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  if (!g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    return FALSE;
  g_message ("Autostart entry written: %s", path);
  return TRUE;
}

typedef struct
{
  gboolean  enabled;
  char     *service_path;
} SetData;

static void
set_data_free (SetData *data)
{
  g_free (data->service_path);
  g_free (data);
}

static void
set_file_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  SetData *data = task_data;
  GError *error = NULL;

  if (cnv_autostart_file_set (data->enabled, data->service_path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

#ifdef HAVE_LIBPORTAL
static void
request_background_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SetData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (xdp_portal_request_background_finish (XDP_PORTAL (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, error);
  else if (!data->enabled)
    /* Without autostart asked, the answer is whether running in the background is allowed:
     * either way there is no autostart entry any more. */
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                             _("Starting with the session was not allowed"));
}
#endif

void
cnv_autostart_set_async (gboolean             enabled,
                         const char          *service_path,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  SetData *data = g_new0 (SetData, 1);

  g_task_set_source_tag (task, cnv_autostart_set_async);
  data->enabled = enabled;
  data->service_path = g_strdup (service_path);
  g_task_set_task_data (task, data, (GDestroyNotify) set_data_free);

  if (!cnv_autostart_in_flatpak ())
    {
      g_task_run_in_thread (task, set_file_thread);
      return;
    }

#ifdef HAVE_LIBPORTAL
  {
    g_autoptr(XdpPortal) portal = xdp_portal_new ();
    GPtrArray *commandline = g_ptr_array_new_with_free_func (g_free);

    /* The portal writes an entry that runs `flatpak run --command=ARGV0 APPID ARGS…`; the
     * activatable flag makes it start the app through D-Bus activation instead when it can. */
    g_ptr_array_add (commandline, g_strdup (service_path));
    g_ptr_array_add (commandline, g_strdup ("--gapplication-service"));
    /* libportal takes the array (transfer container). */
    xdp_portal_request_background (portal, NULL,
                                   (char *) _("Convene watches your mailbox for session invitations and "
                                     "starts your sessions on time."),
                                   commandline,
                                   enabled ? (XDP_BACKGROUND_FLAG_AUTOSTART
                                              | XDP_BACKGROUND_FLAG_ACTIVATABLE)
                                           : XDP_BACKGROUND_FLAG_NONE,
                                   cancellable, request_background_cb, g_steal_pointer (&task));
  }
#else
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "Built without libportal: no autostart inside Flatpak");
#endif
}

gboolean
cnv_autostart_set_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cnv_autostart_set_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
