/* cnv-service-proxy.c — the UI's link to the background service's actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The service owns the app id on the session bus and exports its actions (join, dismiss,
 * relaunch, leave, each with the session id) at the app's object path, as a GApplication does
 * (org.gtk.Actions); the UI reaches them through a GDBusActionGroup. When the name has no owner,
 * the service is started as the bus would start it for a notification's button
 * (org.freedesktop.DBus.StartServiceByName, D-Bus specification "Message Bus Starting Services"),
 * which works once it is installed; from the build tree, or when the bus knows no service file,
 * it is spawned with --gapplication-service, and the UI waits for it to take its name.
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <unistd.h>

#include <glib/gi18n.h>

#include "cnv-service-proxy.h"

#define SERVICE_NAME "io.github.convene.Convene"
#define SERVICE_PATH "/io/github/convene/Convene"
/* How long a spawned service may take to own its name. */
#define START_TIMEOUT_SECONDS 20

struct _CnvServiceProxy
{
  GObject          parent_instance;

  GDBusConnection *bus;
  GDBusActionGroup *actions;
  /* GTasks waiting for the same start */
  GPtrArray       *waiting;
  GSubprocess     *spawned;
  guint            watch_id;
  guint            timeout_id;
  GCancellable    *cancellable;
};

G_DEFINE_FINAL_TYPE (CnvServiceProxy, cnv_service_proxy, G_TYPE_OBJECT)

G_DEFINE_QUARK (cnv-service-proxy-error-quark, cnv_service_proxy_error)

CnvServiceProxy *
cnv_service_proxy_new (void)
{
  return g_object_new (CNV_TYPE_SERVICE_PROXY, NULL);
}

/* Ends every waiting ensure with @error (NULL: success). */
static void
finish_waiting (CnvServiceProxy *self,
                const GError    *error)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);

  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  g_clear_handle_id (&self->timeout_id, g_source_remove);

  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
fail_start (CnvServiceProxy *self,
            const char      *why)
{
  g_autoptr(GError) error = NULL;

  g_warning ("The background service could not be started: %s", why);
  error = g_error_new_literal (CNV_SERVICE_PROXY_ERROR, CNV_SERVICE_PROXY_ERROR_NOT_STARTED,
                               _("Convene’s background service could not be started"));
  finish_waiting (self, error);
}

static void
on_name_appeared (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  CnvServiceProxy *self = CNV_SERVICE_PROXY (user_data);

  g_debug ("The background service owns %s (%s)", name, owner);
  finish_waiting (self, NULL);
}

static gboolean
on_start_timeout (gpointer user_data)
{
  CnvServiceProxy *self = CNV_SERVICE_PROXY (user_data);

  self->timeout_id = 0;
  fail_start (self, "it did not take its name in time");

  return G_SOURCE_REMOVE;
}

static void
on_spawned_exited (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CnvServiceProxy) self = user_data;
  GSubprocess *process = G_SUBPROCESS (source);
  g_autofree char *why = NULL;

  if (!g_subprocess_wait_finish (process, result, NULL))
    return;
  /* An earlier one (it ended its work) says nothing about the start in progress. */
  if (process != self->spawned)
    return;
  g_clear_object (&self->spawned);

  /* Exiting before it owned the name is a failure; exiting later (another instance had it,
   * or it ended its work) is the service's business. */
  if (self->watch_id == 0)
    return;
  if (g_subprocess_get_if_exited (process))
    why = g_strdup_printf ("it exited with status %d", g_subprocess_get_exit_status (process));
  else
    why = g_strdup ("it was killed");
  fail_start (self, why);
}

/* A session of its own: closing the terminal or the UI does not end the service. */
static void
child_setup (gpointer user_data)
{
  setsid ();
}

static void
spawn_service (CnvServiceProxy *self)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  const char *path = g_getenv ("CONVENE_SERVICE");
  g_autofree char *default_path = g_build_filename (CNV_LIBEXECDIR, "convene-service", NULL);

  if (path == NULL || *path == '\0')
    path = default_path;

  /* Watched before the spawn, so that a fast start is not missed. */
  self->watch_id = g_bus_watch_name_on_connection (self->bus, SERVICE_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_name_appeared, NULL, self, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_clear_object (&self->spawned);
  self->spawned = g_subprocess_launcher_spawn (launcher, &error, path, "--gapplication-service",
                                               NULL);
  if (self->spawned == NULL)
    {
      fail_start (self, error->message);
      return;
    }

  g_subprocess_wait_async (self->spawned, self->cancellable, on_spawned_exited,
                           g_object_ref (self));
  self->timeout_id = g_timeout_add_seconds (START_TIMEOUT_SECONDS, on_start_timeout, self);
}

static void
on_start_service (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CnvServiceProxy) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply != NULL)
    {
      finish_waiting (self, NULL);
      return;
    }

  g_debug ("D-Bus activation of %s: %s; spawning it", SERVICE_NAME, error->message);
  spawn_service (self);
}

static void
on_name_has_owner (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CnvServiceProxy) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  else
    g_debug ("NameHasOwner: %s", error->message);

  if (has_owner)
    {
      finish_waiting (self, NULL);
      return;
    }

  g_dbus_connection_call (self->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "StartServiceByName",
                          g_variant_new ("(su)", SERVICE_NAME, 0), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, on_start_service,
                          g_object_ref (self));
}

static void
check_owner (CnvServiceProxy *self)
{
  g_dbus_connection_call (self->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "NameHasOwner",
                          g_variant_new ("(s)", SERVICE_NAME), G_VARIANT_TYPE ("(b)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, on_name_has_owner,
                          g_object_ref (self));
}

static void
on_bus (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(CnvServiceProxy) self = user_data;
  g_autoptr(GError) error = NULL;

  self->bus = g_bus_get_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->bus == NULL)
    {
      g_autoptr(GError) no_bus = NULL;

      g_warning ("No session bus: %s", error->message);
      no_bus = g_error_new_literal (CNV_SERVICE_PROXY_ERROR, CNV_SERVICE_PROXY_ERROR_NO_BUS,
                                    _("Convene’s background service could not be started"));
      finish_waiting (self, no_bus);
      return;
    }

  self->actions = g_dbus_action_group_get (self->bus, SERVICE_NAME, SERVICE_PATH);
  check_owner (self);
}

void
cnv_service_proxy_ensure_async (CnvServiceProxy     *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  gboolean busy;

  g_return_if_fail (CNV_IS_SERVICE_PROXY (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_service_proxy_ensure_async);
  g_task_set_check_cancellable (task, TRUE);

  busy = self->waiting->len > 0;
  g_ptr_array_add (self->waiting, g_steal_pointer (&task));
  if (busy)
    return;

  if (self->bus == NULL)
    g_bus_get (G_BUS_TYPE_SESSION, self->cancellable, on_bus, g_object_ref (self));
  else
    check_owner (self);
}

gboolean
cnv_service_proxy_ensure_finish (CnvServiceProxy  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  char *action;
  char *session_id;
} Activation;

static void
activation_free (Activation *activation)
{
  g_free (activation->action);
  g_free (activation->session_id);
  g_free (activation);
}

static void
on_ensured_for_activation (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  CnvServiceProxy *self = CNV_SERVICE_PROXY (source);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Activation *activation = g_task_get_task_data (task);
  g_autoptr(GVariant) platform_data = NULL;

  if (!cnv_service_proxy_ensure_finish (self, result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  platform_data = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  g_remote_action_group_activate_action_full (G_REMOTE_ACTION_GROUP (self->actions),
                                              activation->action,
                                              activation->session_id != NULL
                                              ? g_variant_new_string (activation->session_id)
                                              : NULL,
                                              platform_data);
  g_task_return_boolean (task, TRUE);
}

void
cnv_service_proxy_activate_async (CnvServiceProxy     *self,
                                  const char          *action,
                                  const char          *session_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;
  Activation *activation;

  g_return_if_fail (CNV_IS_SERVICE_PROXY (self));
  g_return_if_fail (action != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_service_proxy_activate_async);
  activation = g_new0 (Activation, 1);
  activation->action = g_strdup (action);
  activation->session_id = g_strdup (session_id);
  g_task_set_task_data (task, activation, (GDestroyNotify) activation_free);

  cnv_service_proxy_ensure_async (self, cancellable, on_ensured_for_activation, task);
}

gboolean
cnv_service_proxy_activate_finish (CnvServiceProxy  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
cnv_service_proxy_dispose (GObject *object)
{
  CnvServiceProxy *self = CNV_SERVICE_PROXY (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_object (&self->actions);
  g_clear_object (&self->spawned);
  g_clear_object (&self->bus);

  G_OBJECT_CLASS (cnv_service_proxy_parent_class)->dispose (object);
}

static void
cnv_service_proxy_finalize (GObject *object)
{
  CnvServiceProxy *self = CNV_SERVICE_PROXY (object);

  g_ptr_array_unref (self->waiting);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (cnv_service_proxy_parent_class)->finalize (object);
}

static void
cnv_service_proxy_class_init (CnvServiceProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cnv_service_proxy_dispose;
  object_class->finalize = cnv_service_proxy_finalize;
}

static void
cnv_service_proxy_init (CnvServiceProxy *self)
{
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
}
