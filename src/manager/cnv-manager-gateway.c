/* cnv-manager-gateway.c — the join gateway: GET /s/ID?t=TOKEN (DESIGN.md, "The join gateway")
 *
 * Every invitation carries a personal link https://HOST/s/ID?t=TOKEN that lands here. The gateway
 * speaks plain HTTP/1.1 (libsoup 3): TLS is terminated by the organisation's reverse proxy in
 * front of it, so its listen address belongs on loopback or a private network.
 *
 * `GET /s/ID?t=TOKEN` (and HEAD) answers, in HTML or, when the client prefers
 * `Accept: application/json` (the app asks before it launches anything), in JSON
 * `{"state":…,"start":…,"end":…,"title":…}` with the same status codes:
 * - 200 "scheduled": before start − join-early, or while the session is not activated yet;
 * - 303 "active": to the backend's room, for `jitsi` with the participant's own JWT (the JSON adds
 *   "url");
 * - 410 "ended" (closed, or its end has passed) or "cancelled";
 * - 403 for any link that does not open a session: unknown session, unknown, revoked or malformed
 *   token, a repeated `t`. The answer is the same bytes whatever the reason. The token is looked
 *   up by its SHA-256, and the store compares hashes in constant time;
 * - 503 when the session's service is not configured or fails (or the store fails).
 * `GET /healthz` answers 200 "ok" for monitoring; other paths 404; other methods 405.
 *
 * The rate limit and the client addresses it counts are described in
 * cnv-manager-gateway-clients.c.
 *
 * Every response carries Cache-Control: no-store and Referrer-Policy: no-referrer (the token is in
 * the URL), a Content-Security-Policy that allows no script and no external resource,
 * X-Content-Type-Options and X-Frame-Options. The pages are small HTML5 with no JavaScript.
 *
 * Logs: each request at debug level with the session id and the outcome; failures at info level
 * with the client's address. Tokens and join URLs (a Jitsi one holds a JWT) are never logged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-gateway"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "cnv-invitation.h"
#include "cnv-manager-gateway.h"
#include "cnv-manager-gateway-private.h"
#include "cnv-manager-token.h"

/* A token is 22 characters of base64url (cnv-manager-token.c); anything much longer is not one. */
#define MAX_TOKEN_LENGTH 64
/* Longer queries are not links the manager wrote. */
#define MAX_QUERY_LENGTH 4096

G_DEFINE_FINAL_TYPE (CnvManagerGateway, cnv_manager_gateway, G_TYPE_OBJECT)

static gint64
default_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* Joining ------------------------------------------------------------------------------------ */

/* The credential of a link's query (RFC 3986 §3.4, name=value pairs joined by "&"), or NULL when
 * there is none, more than one `t`, a bad percent-escape in a name or in `t`, or a `t` that is
 * not shaped like a token. Other parameters are ignored. */
static char *
find_token (const char *query)
{
  g_auto(GStrv) pairs = NULL;
  g_autofree char *token = NULL;

  if (query == NULL || strlen (query) > MAX_QUERY_LENGTH)
    return NULL;

  pairs = g_strsplit (query, "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *equals = strchr (pairs[i], '=');
      g_autofree char *raw_name = g_strndup (pairs[i], equals != NULL
                                                       ? (gsize) (equals - pairs[i])
                                                       : strlen (pairs[i]));
      g_autofree char *name = g_uri_unescape_string (raw_name, NULL);

      if (name == NULL)
        return NULL;
      if (strcmp (name, "t") != 0)
        continue;
      if (token != NULL || equals == NULL)
        return NULL;
      token = g_uri_unescape_string (equals + 1, NULL);
      if (token == NULL)
        return NULL;
    }

  if (token == NULL || *token == '\0' || strlen (token) > MAX_TOKEN_LENGTH)
    return NULL;
  for (const char *p = token; *p != '\0'; p++)
    {
      /* RFC 4648 §5: the base64url alphabet. */
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
        return NULL;
    }
  return g_steal_pointer (&token);
}

static void
redirect_to_room (CnvManagerGateway          *self,
                  SoupServerMessage          *msg,
                  gboolean                    json,
                  const CnvStoredSession     *session,
                  const CnvStoredParticipant *participant,
                  gint64                      not_before)
{
  CnvManagerBackend *backend = self->backend_func (session->type, self->backend_data);
  g_autoptr(GPtrArray) participants = NULL;
  g_autoptr(GPtrArray) addresses = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  CnvBackendSession backend_session = { 0 };

  if (backend == NULL)
    {
      g_warning ("gateway: session %s: its type “%s” has no backend (any more)", session->id,
                 session->type);
      cnv_gateway_respond_unavailable (msg, json);
      return;
    }
  if (!cnv_manager_store_list_participants (self->store, session->id, &participants, &error))
    {
      g_warning ("gateway: session %s: %s", session->id, error->message);
      cnv_gateway_respond_unavailable (msg, json);
      return;
    }
  for (guint i = 0; i < participants->len; i++)
    g_ptr_array_add (addresses, ((CnvStoredParticipant *) participants->pdata[i])->address);
  g_ptr_array_add (addresses, NULL);

  backend_session.id = session->id;
  backend_session.type = session->type;
  backend_session.title = session->title;
  backend_session.initiator = session->initiator;
  backend_session.room = session->room;
  backend_session.start = session->start;
  backend_session.end = session->end;
  backend_session.not_before = not_before;
  backend_session.participants = (const char * const *) addresses->pdata;

  url = cnv_manager_backend_join_url (backend, &backend_session, session->room_url,
                                      participant->address, participant->name, &error);
  if (url == NULL)
    {
      g_warning ("gateway: session %s: no join URL: %s", session->id, error->message);
      cnv_gateway_respond_unavailable (msg, json);
      return;
    }
  /* A Location header must hold an http(s) URL and nothing that could end the header. */
  if (!g_uri_is_valid (url, G_URI_FLAGS_ENCODED, NULL) ||
      (g_ascii_strncasecmp (url, "https://", 8) != 0 &&
       g_ascii_strncasecmp (url, "http://", 7) != 0) ||
      strpbrk (url, "\r\n") != NULL)
    {
      g_warning ("gateway: session %s: the backend gave a join URL that is not an http(s) URL",
                 session->id);
      cnv_gateway_respond_unavailable (msg, json);
      return;
    }
  cnv_gateway_respond_session (msg, json, self->zone, session, CNV_GATEWAY_OUTCOME_ACTIVE,
                               not_before, url);
}

static void
refuse (CnvManagerGateway *self,
        SoupServerMessage *msg,
        gboolean           json,
        const char        *client,
        gint64             now,
        const char        *id,
        const char        *reason)
{
  cnv_gateway_count_failure (self, client, now);
  g_info ("gateway: refused a link to session %s from %s: %s", id != NULL ? id : "(malformed)",
          client, reason);
  cnv_gateway_respond_forbidden (msg, json);
}

static void
handle_join (CnvManagerGateway *self,
             SoupServerMessage *msg,
             gboolean           json,
             const char        *client,
             gint64             now,
             const char        *id)
{
  g_autofree char *token = find_token (g_uri_get_query (soup_server_message_get_uri (msg)));
  g_autoptr(CnvStoredParticipant) participant = NULL;
  g_autoptr(CnvStoredSession) session = NULL;
  g_autoptr(GError) error = NULL;
  guint8 hash[CNV_TOKEN_HASH_SIZE];
  gboolean found;
  gint64 not_before;
  CnvGatewayOutcome outcome;

  if (!cnv_session_id_is_valid (id))
    {
      refuse (self, msg, json, client, now, NULL, "malformed session id");
      return;
    }
  if (token == NULL)
    {
      refuse (self, msg, json, client, now, id, "no token, or a malformed one");
      return;
    }

  cnv_manager_token_hash (token, hash);
  explicit_bzero (token, strlen (token));
  found = cnv_manager_store_check_token (self->store, id, hash, &participant, &error);
  explicit_bzero (hash, sizeof hash);
  if (!found)
    {
      g_warning ("gateway: session %s: cannot check a token: %s", id, error->message);
      cnv_gateway_respond_unavailable (msg, json);
      return;
    }
  if (participant == NULL)
    {
      refuse (self, msg, json, client, now, id, "unknown session, unknown or revoked token");
      return;
    }
  if (!cnv_manager_store_get_session (self->store, id, &session, &error))
    {
      g_warning ("gateway: session %s: %s", id, error->message);
      cnv_gateway_respond_unavailable (msg, json);
      return;
    }
  if (session == NULL)
    {
      refuse (self, msg, json, client, now, id, "unknown session");
      return;
    }

  not_before = session->start - self->join_early / G_TIME_SPAN_SECOND;
  if (session->state == CNV_SESSION_STATE_CANCELLED)
    outcome = CNV_GATEWAY_OUTCOME_CANCELLED;
  else if (session->state == CNV_SESSION_STATE_CLOSED || now >= session->end)
    outcome = CNV_GATEWAY_OUTCOME_ENDED;
  else if (now < not_before)
    outcome = CNV_GATEWAY_OUTCOME_SCHEDULED;
  else if (session->room_url == NULL)
    outcome = CNV_GATEWAY_OUTCOME_OPENING;
  else
    outcome = CNV_GATEWAY_OUTCOME_ACTIVE;

  g_debug ("gateway: session %s: participant %" G_GINT64_FORMAT ": %s", id, participant->id,
           cnv_gateway_outcome_state (outcome));
  if (outcome == CNV_GATEWAY_OUTCOME_ACTIVE)
    redirect_to_room (self, msg, json, session, participant, not_before);
  else
    cnv_gateway_respond_session (msg, json, self->zone, session, outcome, not_before, NULL);
}

static gboolean
is_get_or_head (SoupServerMessage *msg)
{
  const char *method = soup_server_message_get_method (msg);

  return g_strcmp0 (method, SOUP_METHOD_GET) == 0 || g_strcmp0 (method, SOUP_METHOD_HEAD) == 0;
}

static void
request_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  CnvManagerGateway *self = user_data;
  g_autofree char *client = cnv_gateway_client_of (self, msg);
  gboolean json = cnv_gateway_prefers_json (msg);
  gint64 now = self->now_func ();

  if (strcmp (path, "/healthz") == 0)
    {
      if (!is_get_or_head (msg))
        {
          cnv_gateway_respond_method_not_allowed (msg, FALSE);
          return;
        }
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC,
                                        "ok\n", 3);
      return;
    }

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Vary", "Accept");
  if (cnv_gateway_respond_if_blocked (self, msg, json, client, now))
    return;

  if (!g_str_has_prefix (path, "/s/"))
    {
      /* The path is not logged: a mangled link could hold a token. */
      g_debug ("gateway: not found");
      cnv_gateway_respond_plain (msg, SOUP_STATUS_NOT_FOUND, json, "not-found", "Not found",
                                 "There is nothing at this address.");
      return;
    }

  if (!is_get_or_head (msg))
    {
      g_debug ("gateway: method not allowed");
      cnv_gateway_respond_method_not_allowed (msg, json);
      return;
    }
  handle_join (self, msg, json, client, now, path + strlen ("/s/"));
}

/* libsoup answers itself what it cannot parse: 400 (request line, headers, a percent-escape in the
 * path or query), 501 (an unknown Transfer-Encoding), 505 (an HTTP version it does not speak).
 * The handler never gives these statuses, so each one is a malformed request. This runs for
 * every answer, even to a request line that could not be read (which "request-finished" skips). */
static void
wrote_headers_cb (SoupServerMessage *msg,
                  gpointer           user_data)
{
  CnvManagerGateway *self = user_data;
  guint status = soup_server_message_get_status (msg);
  g_autofree char *client = NULL;

  if (status != SOUP_STATUS_BAD_REQUEST && status != SOUP_STATUS_NOT_IMPLEMENTED &&
      status != SOUP_STATUS_HTTP_VERSION_NOT_SUPPORTED)
    return;
  client = cnv_gateway_client_of (self, msg);
  g_info ("gateway: malformed request from %s (%u)", client, status);
  cnv_gateway_count_failure (self, client, self->now_func ());
}

/* Before anything is read: headers for every response, libsoup's own error answers included. */
static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  /* The token is in the URL: a page must not leak it to the next site. */
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'");
  soup_message_headers_replace (headers, "X-Frame-Options", "DENY");

  /* The gateway reads no request body: drop one as it arrives instead of keeping it. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);

  g_signal_connect_object (msg, "wrote-headers", G_CALLBACK (wrote_headers_cb), user_data,
                           G_CONNECT_DEFAULT);
}

/* libsoup 3.2's own listener (measured with Debian 12's 3.2.3) leaks the GSocket of every
 * connection, and its file descriptor too when the client closes an idle keep-alive connection
 * (fixed in libsoup 3.3). So the gateway accepts the connections itself and hands them over. */
static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  CnvManagerGateway *self = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GError) error = NULL;

  if (!soup_server_accept_iostream (self->server, G_IO_STREAM (connection), local, remote, &error))
    g_debug ("gateway: a connection was dropped: %s", error->message);
  return TRUE;
}

/* A closed GSocketListener cannot listen again: each listen after a stop gets a new one. */
static void
close_service (CnvManagerGateway *self)
{
  if (self->service == NULL)
    return;
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_clear_object (&self->service);
  self->port = 0;
}

/* GObject ------------------------------------------------------------------------------------ */

static void
cnv_manager_gateway_dispose (GObject *object)
{
  CnvManagerGateway *self = (CnvManagerGateway *) object;

  close_service (self);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (cnv_manager_gateway_parent_class)->dispose (object);
}

static void
cnv_manager_gateway_finalize (GObject *object)
{
  CnvManagerGateway *self = (CnvManagerGateway *) object;

  cnv_gateway_clear_clients (self);
  g_clear_pointer (&self->zone, g_time_zone_unref);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (cnv_manager_gateway_parent_class)->finalize (object);
}

static void
cnv_manager_gateway_class_init (CnvManagerGatewayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cnv_manager_gateway_dispose;
  object_class->finalize = cnv_manager_gateway_finalize;
}

static void
cnv_manager_gateway_init (CnvManagerGateway *self)
{
  self->zone = g_time_zone_new_utc ();
  cnv_gateway_init_clients (self);
  self->now_func = default_now;
}

/**
 * cnv_manager_gateway_new:
 * @store: the manager's store
 * @backend_func: (scope notified): finds the backend of a session type; returns it (transfer
 *   none), or NULL when the type has none
 * @backend_data: for @backend_func; must outlive the gateway
 * @join_early: how long before its start a session may be joined (`[manager] join-early`)
 *
 * Returns: (transfer full): a gateway that does not listen yet
 */
CnvManagerGateway *
cnv_manager_gateway_new (CnvManagerStore       *store,
                         CnvGatewayBackendFunc  backend_func,
                         gpointer               backend_data,
                         GTimeSpan              join_early)
{
  CnvManagerGateway *self;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (store), NULL);
  g_return_val_if_fail (backend_func != NULL, NULL);
  g_return_val_if_fail (join_early >= 0, NULL);

  self = g_object_new (CNV_TYPE_MANAGER_GATEWAY, NULL);
  self->store = g_object_ref (store);
  self->backend_func = backend_func;
  self->backend_data = backend_data;
  self->join_early = join_early;

  /* No Server header: the gateway does not advertise what it runs. */
  self->server = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_handler (self->server, NULL, request_cb, self, NULL);
  g_signal_connect_object (self->server, "request-started", G_CALLBACK (request_started_cb),
                           self, G_CONNECT_DEFAULT);
  return self;
}

/* `PORT` (every interface), `ADDRESS:PORT` or `[IPV6]:PORT`. */
static gboolean
parse_listen (const char  *listen,
              char       **host,
              guint16     *port,
              GError     **error)
{
  const char *port_text = listen;
  const char *colon = strrchr (listen, ':');
  guint64 value;

  if (listen[0] == '[')
    {
      const char *close = strchr (listen, ']');

      if (close == NULL || close[1] != ':')
        goto invalid;
      *host = g_strndup (listen + 1, close - listen - 1);
      port_text = close + 2;
    }
  else if (colon != NULL)
    {
      if (strchr (listen, ':') != colon)
        goto invalid;
      *host = g_strndup (listen, colon - listen);
      port_text = colon + 1;
    }

  if (*host != NULL && **host == '\0')
    goto invalid;
  if (!g_ascii_string_to_unsigned (port_text, 10, 0, G_MAXUINT16, &value, NULL))
    goto invalid;
  *port = (guint16) value;
  return TRUE;

invalid:
  g_clear_pointer (host, g_free);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "“%s” is not a listen address (PORT, ADDRESS:PORT or [IPV6-ADDRESS]:PORT)",
               listen);
  return FALSE;
}

/* Binds @address:@port; a @port of 0 is replaced by the port picked. */
static gboolean
add_address (GSocketListener  *listener,
             GInetAddress     *address,
             guint16          *port,
             GError          **error)
{
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (address, *port);
  g_autoptr(GSocketAddress) effective = NULL;

  if (!g_socket_listener_add_address (listener, socket_address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    return FALSE;
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return TRUE;
}

/**
 * cnv_manager_gateway_listen:
 * @listen: `PORT` (every interface, IPv4 and IPv6), `ADDRESS:PORT`, `[IPV6-ADDRESS]:PORT` or
 *   `localhost:PORT`; port 0 picks a free port (see cnv_manager_gateway_get_port())
 * @error: a #G_IO_ERROR: %G_IO_ERROR_INVALID_ARGUMENT when @listen cannot be read, else why the
 *   socket could not be bound
 *
 * Starts serving on the thread-default main context, in plain HTTP: TLS is the reverse proxy's.
 */
gboolean
cnv_manager_gateway_listen (CnvManagerGateway  *self,
                            const char         *listen,
                            GError            **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GError) ipv6_error = NULL;
  GSocketListener *listener;
  guint16 port = 0;
  gboolean ok;

  g_return_val_if_fail (CNV_IS_MANAGER_GATEWAY (self), FALSE);
  g_return_val_if_fail (listen != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!parse_listen (listen, &host, &port, error))
    return FALSE;

  if (self->service == NULL)
    {
      self->service = g_socket_service_new ();
      g_signal_connect_object (self->service, "incoming", G_CALLBACK (incoming_cb), self,
                               G_CONNECT_DEFAULT);
    }
  listener = G_SOCKET_LISTENER (self->service);
  if (host == NULL && port == 0)
    {
      /* Every interface (IPv6 and IPv4 where the system has them). */
      port = g_socket_listener_add_any_inet_port (listener, NULL, error);
      ok = port != 0;
    }
  else if (host == NULL)
    ok = g_socket_listener_add_inet_port (listener, port, NULL, error);
  else if (g_ascii_strcasecmp (host, "localhost") == 0)
    {
      address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      ok = add_address (listener, address, &port, error);
      g_clear_object (&address);
      /* IPv6 loopback too, on the same port, where the system has it. */
      address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
      if (ok && !add_address (listener, address, &port, &ipv6_error))
        g_debug ("gateway: no IPv6 loopback: %s", ipv6_error->message);
    }
  else
    {
      address = g_inet_address_new_from_string (host);
      if (address == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "“%s”: “%s” is not an IP address", listen, host);
          return FALSE;
        }
      ok = add_address (listener, address, &port, error);
    }

  if (!ok)
    {
      g_prefix_error (error, "The join gateway cannot listen on %s: ", listen);
      return FALSE;
    }
  if (self->port == 0)
    self->port = port;
  g_debug ("gateway: listening on %s (port %u)", listen, cnv_manager_gateway_get_port (self));
  return TRUE;
}

/**
 * cnv_manager_gateway_get_port:
 *
 * Returns: the port the gateway listens on (the one picked for port 0), 0 when it does not
 */
guint16
cnv_manager_gateway_get_port (CnvManagerGateway *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_GATEWAY (self), 0);

  return self->port;
}

/**
 * cnv_manager_gateway_set_time_zone:
 * @zone: (nullable): the zone the pages show times in (named on the page); NULL for UTC
 */
void
cnv_manager_gateway_set_time_zone (CnvManagerGateway *self,
                                   GTimeZone         *zone)
{
  g_return_if_fail (CNV_IS_MANAGER_GATEWAY (self));

  g_clear_pointer (&self->zone, g_time_zone_unref);
  self->zone = zone != NULL ? g_time_zone_ref (zone) : g_time_zone_new_utc ();
}

/**
 * cnv_manager_gateway_set_now_func:
 * @now_func: (nullable): the clock, in Unix seconds; NULL for the real one
 *
 * Session windows and the rate limit are computed with this clock (tests set it).
 */
void
cnv_manager_gateway_set_now_func (CnvManagerGateway  *self,
                                  gint64            (*now_func) (void))
{
  g_return_if_fail (CNV_IS_MANAGER_GATEWAY (self));

  self->now_func = now_func != NULL ? now_func : default_now;
}

/**
 * cnv_manager_gateway_stop:
 *
 * Closes the listening sockets and the open connections. cnv_manager_gateway_listen() may be
 * called again.
 */
void
cnv_manager_gateway_stop (CnvManagerGateway *self)
{
  g_return_if_fail (CNV_IS_MANAGER_GATEWAY (self));

  close_service (self);
  soup_server_disconnect (self->server);
}
