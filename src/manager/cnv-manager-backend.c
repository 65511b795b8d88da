/* cnv-manager-backend.c — how a session type's collaboration service is activated (E512) and
 * closed (E516)
 *
 * `backend =` in the `[type NAME]` group picks one of three kinds:
 * - `url`: the room URL is a template filled in with the session's values; nothing to open or
 *   close.
 * - `jitsi`: a room of a Jitsi Meet server with token authentication; each participant joins
 *   with a JWT (RFC 7519) signed with HS256 (RFC 7518 §3.2), valid for the session's window.
 * - `command`: an admin program, run without a shell, opens the room (it prints the room URL) and
 *   closes it. It gets the session in a clean environment, never a secret on its command line,
 *   and is killed (with everything it started) when it overruns its timeout or is cancelled.
 *
 * Files named in the configuration are opened as given: the configuration module passes absolute
 * paths, a relative one is relative to the current directory.
 *
 * This file holds the object, what the three kinds share in reading the `[type NAME]` group, the
 * `url` kind, and the dispatch of opening, closing and joining to the kind;
 * cnv-manager-backend-jitsi.c and cnv-manager-backend-command.c hold the other two kinds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-backend"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "cnv-manager-backend-private.h"

static const char * const kind_names[] = { "url", "jitsi", "command" };

#define DEFAULT_COMMAND_TIMEOUT (30 * G_TIME_SPAN_SECOND)

G_DEFINE_FINAL_TYPE (CnvManagerBackend, cnv_manager_backend, G_TYPE_OBJECT)
G_DEFINE_QUARK (cnv-backend-error-quark, cnv_backend_error)

static void
cnv_manager_backend_finalize (GObject *object)
{
  CnvManagerBackend *self = (CnvManagerBackend *) object;

  if (self->jitsi_secret != NULL)
    explicit_bzero (self->jitsi_secret, MAX_SECRET_SIZE + 1);
  g_clear_pointer (&self->jitsi_secret, g_free);
  g_clear_pointer (&self->group, g_free);
  g_clear_pointer (&self->url_template, g_free);
  g_clear_pointer (&self->jitsi_url, g_free);
  g_clear_pointer (&self->jitsi_app_id, g_free);
  g_clear_pointer (&self->jitsi_audience, g_free);
  g_clear_pointer (&self->jitsi_subject, g_free);
  g_clear_pointer (&self->command, g_free);

  G_OBJECT_CLASS (cnv_manager_backend_parent_class)->finalize (object);
}

static void
cnv_manager_backend_class_init (CnvManagerBackendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnv_manager_backend_finalize;
}

static void
cnv_manager_backend_init (CnvManagerBackend *self)
{
  self->command_timeout = DEFAULT_COMMAND_TIMEOUT;
}

/* Configuration --------------------------------------------------------------------------- */

gboolean
cnv_backend_set_config_error (GError     **error,
                              const char  *group,
                              const char  *key,
                              const char  *format,
                              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_CONFIG, "[%s] %s: %s", group, key, message);
  return FALSE;
}

/* A key's value, stripped; NULL when absent or blank. */
char *
cnv_backend_get_value (GKeyFile   *key_file,
                       const char *group,
                       const char *key)
{
  char *value = g_key_file_get_string (key_file, group, key, NULL);

  if (value != NULL && *g_strstrip (value) == '\0')
    g_clear_pointer (&value, g_free);
  return value;
}

/* An absolute http:// or https:// URL with a host, in printable ASCII (it ends up in mail and in
 * the gateway's Location header). */
GUri *
cnv_backend_parse_http_url (const char *text)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  for (const char *p = text; *p != '\0'; p++)
    if (*p <= ' ' || *p >= 0x7f)
      return NULL;

  uri = g_uri_parse (text, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if ((g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0) ||
      host == NULL || *host == '\0')
    return NULL;
  return g_steal_pointer (&uri);
}

void
cnv_backend_append_escaped (GString    *out,
                            const char *value)
{
  g_autofree char *escaped = NULL;

  /* RFC 3986 §2.3: only unreserved characters stay as they are; "/", "?", "#", "&" and the rest
   * of a hostile value cannot leave the path segment it was put in. */
  escaped = g_uri_escape_string (value != NULL ? value : "", NULL, FALSE);
  g_string_append (out, escaped);
}

/* Fills in {room}, {id} and {type}. The error is a bare description: the caller adds the key. */
static char *
expand_template (const char               *template,
                 const CnvBackendSession  *session,
                 GError                  **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = template;

  while (*p != '\0')
    {
      const char *open = strchr (p, '{');
      const char *close;
      g_autofree char *name = NULL;

      if (open == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, open - p);
      close = strchr (open, '}');
      if (close == NULL)
        {
          g_set_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_CONFIG,
                       "a “{” is not closed (placeholders are {room}, {id} and {type})");
          return NULL;
        }
      name = g_strndup (open + 1, close - open - 1);
      if (strcmp (name, "room") == 0)
        cnv_backend_append_escaped (out, session->room);
      else if (strcmp (name, "id") == 0)
        cnv_backend_append_escaped (out, session->id);
      else if (strcmp (name, "type") == 0)
        cnv_backend_append_escaped (out, session->type);
      else
        {
          g_set_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_CONFIG,
                       "unknown placeholder {%s} (use {room}, {id} or {type})", name);
          return NULL;
        }
      p = close + 1;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
load_url (CnvManagerBackend  *self,
          GKeyFile           *key_file,
          GError            **error)
{
  const CnvBackendSession sample = { .id = "id", .type = "type", .room = "room" };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *expanded = NULL;

  self->url_template = cnv_backend_get_value (key_file, self->group, "url");
  if (self->url_template == NULL)
    return cnv_backend_set_config_error (error, self->group, "url",
                                         "missing (a URL template such as "
                                         "https://meet.example.org/{room})");
  if (strstr (self->url_template, "{room}") == NULL)
    return cnv_backend_set_config_error (error, self->group, "url",
                                         "“%s” has no {room} placeholder", self->url_template);
  expanded = expand_template (self->url_template, &sample, &local_error);
  if (expanded == NULL)
    return cnv_backend_set_config_error (error, self->group, "url", "“%s”: %s", self->url_template,
                                         local_error->message);
  uri = cnv_backend_parse_http_url (expanded);
  if (uri == NULL)
    return cnv_backend_set_config_error (error, self->group, "url",
                                         "“%s” is not an https:// or http:// URL",
                                         self->url_template);
  return TRUE;
}

/**
 * cnv_manager_backend_new_from_key_file:
 * @key_file: the manager's configuration
 * @group: the `[type NAME]` group, as `type NAME`
 * @error: return location for a %CNV_BACKEND_ERROR_CONFIG error that names the group and the key
 *
 * Reads `backend` and the keys of that backend. A `jitsi` backend reads its secret file now, and
 * a `command` backend checks that its program can run.
 *
 * Returns: (transfer full): the backend, or %NULL
 */
CnvManagerBackend *
cnv_manager_backend_new_from_key_file (GKeyFile    *key_file,
                                       const char  *group,
                                       GError     **error)
{
  g_autoptr(CnvManagerBackend) self = NULL;
  g_autofree char *kind = NULL;
  gboolean ok;

  g_return_val_if_fail (key_file != NULL, NULL);
  g_return_val_if_fail (group != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (CNV_TYPE_MANAGER_BACKEND, NULL);
  self->group = g_strdup (group);

  kind = cnv_backend_get_value (key_file, group, "backend");
  if (kind == NULL)
    {
      g_set_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_CONFIG,
                   "[%s] has no backend (url, jitsi or command)", group);
      return NULL;
    }
  if (strcmp (kind, "url") == 0)
    {
      self->kind = CNV_BACKEND_KIND_URL;
      ok = load_url (self, key_file, error);
    }
  else if (strcmp (kind, "jitsi") == 0)
    {
      self->kind = CNV_BACKEND_KIND_JITSI;
      ok = cnv_manager_backend_load_jitsi (self, key_file, error);
    }
  else if (strcmp (kind, "command") == 0)
    {
      self->kind = CNV_BACKEND_KIND_COMMAND;
      ok = cnv_manager_backend_load_command (self, key_file, error);
    }
  else
    ok = cnv_backend_set_config_error (error, group, "backend",
                                       "“%s” is not a backend (url, jitsi or command)", kind);

  return ok ? g_steal_pointer (&self) : NULL;
}

/**
 * cnv_manager_backend_get_kind:
 *
 * Returns: "url", "jitsi" or "command"
 */
const char *
cnv_manager_backend_get_kind (CnvManagerBackend *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_BACKEND (self), NULL);
  return kind_names[self->kind];
}

/* Opening and closing ------------------------------------------------------------------------ */

/**
 * cnv_manager_backend_open_async:
 * @session: the session; read during the call only
 *
 * Activates the session's room (E512): `url` fills in its template and `jitsi` names a room of
 * its server (both without I/O: the callback runs on a later main-loop iteration), `command` runs
 * `COMMAND open` and reads the room URL it prints.
 */
void
cnv_manager_backend_open_async (CnvManagerBackend       *self,
                                const CnvBackendSession *session,
                                GCancellable            *cancellable,
                                GAsyncReadyCallback      callback,
                                gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  char *url;

  g_return_if_fail (CNV_IS_MANAGER_BACKEND (self));
  g_return_if_fail (session != NULL);
  g_return_if_fail (session->room != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_manager_backend_open_async);

  switch (self->kind)
    {
    case CNV_BACKEND_KIND_URL:
      url = expand_template (self->url_template, session, &error);
      if (url == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, url, g_free);
      break;
    case CNV_BACKEND_KIND_JITSI:
      g_task_return_pointer (task, cnv_manager_backend_jitsi_room_url (self, session), g_free);
      break;
    case CNV_BACKEND_KIND_COMMAND:
      cnv_manager_backend_command_run (self, "open", session, NULL, TRUE, task);
      break;
    default:
      g_assert_not_reached ();
    }
}

/**
 * cnv_manager_backend_open_finish:
 *
 * Returns: (transfer full): the room URL, or %NULL with a %CNV_BACKEND_ERROR_FAILED error (or
 *   %G_IO_ERROR_CANCELLED)
 */
char *
cnv_manager_backend_open_finish (CnvManagerBackend  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (CNV_IS_MANAGER_BACKEND (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cnv_manager_backend_open_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * cnv_manager_backend_close_async:
 * @session: the session; read during the call only
 * @room_url: what cnv_manager_backend_open_finish() returned for it
 *
 * Closes the room at the session's end (E516): `command` runs `COMMAND close`, with
 * `CONVENE_ROOM_URL` added to its environment; the other kinds have nothing to close.
 */
void
cnv_manager_backend_close_async (CnvManagerBackend       *self,
                                 const CnvBackendSession *session,
                                 const char              *room_url,
                                 GCancellable            *cancellable,
                                 GAsyncReadyCallback      callback,
                                 gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CNV_IS_MANAGER_BACKEND (self));
  g_return_if_fail (session != NULL);
  g_return_if_fail (room_url != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_manager_backend_close_async);

  if (self->kind == CNV_BACKEND_KIND_COMMAND)
    cnv_manager_backend_command_run (self, "close", session, room_url, FALSE, task);
  else
    g_task_return_boolean (task, TRUE);
}

gboolean
cnv_manager_backend_close_finish (CnvManagerBackend  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (CNV_IS_MANAGER_BACKEND (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cnv_manager_backend_close_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * cnv_manager_backend_join_url:
 * @room_url: the session's room, from cnv_manager_backend_open_finish()
 * @address: the participant
 * @name: (nullable): the participant's display name
 *
 * Where the join gateway sends a participant inside the session's window: the room itself, or for
 * `jitsi` the room with the participant's own token (`?jwt=`), valid from `not_before` to `end`.
 *
 * Returns: (transfer full): the URL
 */
char *
cnv_manager_backend_join_url (CnvManagerBackend        *self,
                              const CnvBackendSession  *session,
                              const char               *room_url,
                              const char               *address,
                              const char               *name,
                              GError                  **error)
{
  g_autofree char *token = NULL;

  g_return_val_if_fail (CNV_IS_MANAGER_BACKEND (self), NULL);
  g_return_val_if_fail (session != NULL, NULL);
  g_return_val_if_fail (room_url != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->kind != CNV_BACKEND_KIND_JITSI)
    return g_strdup (room_url);

  token = cnv_manager_backend_jitsi_token (self, session, address, name);
  return g_strconcat (room_url, strchr (room_url, '?') != NULL ? "&jwt=" : "?jwt=", token, NULL);
}
