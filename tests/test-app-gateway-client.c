/* test-app-gateway-client.c — CnvGatewayClient against real HTTP servers on loopback
 *
 * A SoupServer on 127.0.0.1 (a random port) answers each case as a join gateway, or a proxy in
 * front of one, or something else, would; it records the Accept header it saw and whether the
 * 303's Location was followed. Other cases: a listener that accepts and never answers, a bound
 * port that does not listen, links that are not http(s), a cancellation in flight, and HTTPS with
 * a self-signed certificate made at test time by openssl. Every link carries TOKEN, which the log
 * guard forbids and no error message may hold. No timing is asserted: waits are bounded.
 *
 * The real manager's gateway is tested by test-manager-gateway (and, with the invitations' real
 * links, by test-manager-daemon); it is not started here: its fixture needs the manager's store
 * (manager_dep), which an app test does not link.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "cnv-gateway-client.h"
#include "log-guard.h"
#include "test-async.h"

#define TOKEN "Zk3Qv9SECRETtoken4711x"

typedef struct
{
  SoupServer     *server;
  GSocketService *service;
  GTlsCertificate *certificate;   /* HTTPS when set */
  guint16         port;
  char           *base;           /* http(s)://127.0.0.1:PORT */
  guint           requests;
  char           *last_accept;
  gboolean        room_hit;       /* the 303's Location was fetched */
  GPtrArray      *paused;         /* SoupServerMessage held without an answer */
} Server;

/* ---- the server ---- */

static const char scheduled_json[] =
  "{\"state\":\"scheduled\",\"start\":\"2026-12-01T14:00:00Z\",\"end\":\"2026-12-01T15:30:00Z\","
  "\"title\":\"Budget review\"}";

/* Bodies of a 200 that are not the gateway's answer. */
static const char * const bad_bodies[] = {
  "",
  "{\"state\":",                                                   /* cut short */
  "[\"scheduled\"]",                                               /* not an object */
  "\"scheduled\"",
  "null",
  "{}",                                                            /* no state */
  "{\"start\":\"2026-12-01T14:00:00Z\",\"end\":\"2026-12-01T15:00:00Z\"}",
  "{\"state\":null}",
  "{\"state\":1}",
  "{\"state\":[\"scheduled\"]}",
  "{\"state\":\"active\"}",                                        /* not a 200's state */
  "{\"state\":\"ended\"}",
  "{\"state\":\"SCHEDULED\"}",
  "{\"state\":\"scheduled\",\"start\":1796392800,\"end\":1796398200}", /* Unix seconds */
  "{\"state\":\"scheduled\",\"start\":\"2026-12-01T14:00:00\"}",  /* no offset */
  "{\"state\":\"scheduled\",\"start\":\"tomorrow\"}",
  "{\"state\":\"scheduled\",\"start\":true}",
  "{\"state\":\"scheduled\",\"end\":{}}",
  "{\"state\":\"scheduled\",\"start\":\"2026-12-01T15:00:00Z\",\"end\":\"2026-12-01T14:00:00Z\"}",
  "{\"state\":\"scheduled\",\"title\":42}",
  "{\"state\":\"scheduled\",\"url\":[]}",
  "{\"state\":\"scheduled\"} trailing",
  "{\"state\":\"sched\\u0000uled\"}",
  "\xff\xfe{\"state\":\"scheduled\"}",
};

static void
respond (SoupServerMessage *message,
         guint              status,
         const char        *type,
         const char        *body)
{
  soup_server_message_set_status (message, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (message, type, SOUP_MEMORY_COPY, body, strlen (body));
}

static void
handler_cb (SoupServer        *soup_server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Server *server = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);
  const char *name;

  server->requests++;
  g_free (server->last_accept);
  server->last_accept = g_strdup (soup_message_headers_get_one (
                                    soup_server_message_get_request_headers (message), "Accept"));

  if (strcmp (path, "/room") == 0)
    {
      server->room_hit = TRUE;
      respond (message, SOUP_STATUS_OK, "text/html", "<p>the room</p>");
      return;
    }
  if (!g_str_has_prefix (path, "/s/") || query == NULL ||
      g_strcmp0 (g_hash_table_lookup (query, "t"), TOKEN) != 0)
    {
      respond (message, SOUP_STATUS_NOT_FOUND, "application/json", "{\"error\":\"not-found\"}");
      return;
    }
  name = path + strlen ("/s/");

  if (strcmp (name, "scheduled") == 0)
    respond (message, SOUP_STATUS_OK, "application/json", scheduled_json);
  else if (strcmp (name, "scheduled-null-times") == 0)
    respond (message, SOUP_STATUS_OK, "application/json",
             "{\"state\":\"scheduled\",\"start\":null,\"end\":null,\"title\":\"\"}");
  else if (strcmp (name, "scheduled-offset") == 0)
    respond (message, SOUP_STATUS_OK, "application/json; charset=utf-8",
             "{\"state\":\"scheduled\",\"start\":\"2026-12-01T15:00:00+01:00\","
             "\"end\":\"2026-12-01T16:30:00+01:00\",\"title\":\"x\",\"extra\":[1,2]}");
  else if (strcmp (name, "active") == 0)
    {
      g_autofree char *room = g_strdup_printf ("%s/room", server->base);
      g_autofree char *body = g_strdup_printf ("{\"state\":\"active\",\"start\":"
                                               "\"2026-12-01T14:00:00Z\",\"end\":"
                                               "\"2026-12-01T15:30:00Z\",\"title\":\"t\","
                                               "\"url\":\"%s\"}", room);

      respond (message, SOUP_STATUS_SEE_OTHER, "application/json", body);
      soup_message_headers_replace (headers, "Location", room);
    }
  else if (strcmp (name, "active-bare") == 0)
    respond (message, SOUP_STATUS_SEE_OTHER, NULL, NULL);
  else if (strcmp (name, "active-html") == 0)
    {
      g_autofree char *room = g_strdup_printf ("%s/room", server->base);

      respond (message, SOUP_STATUS_SEE_OTHER, "text/html", "<a href=\"/room\">room</a>");
      soup_message_headers_replace (headers, "Location", room);
    }
  else if (strcmp (name, "active-contradiction") == 0)
    respond (message, SOUP_STATUS_SEE_OTHER, "application/json", "{\"state\":\"scheduled\"}");
  else if (strcmp (name, "ended") == 0)
    respond (message, SOUP_STATUS_GONE, "application/json",
             "{\"state\":\"ended\",\"start\":\"2026-12-01T14:00:00Z\","
             "\"end\":\"2026-12-01T15:30:00Z\",\"title\":\"t\"}");
  else if (strcmp (name, "cancelled") == 0)
    respond (message, SOUP_STATUS_GONE, "application/json",
             "{\"state\":\"cancelled\",\"start\":\"2026-12-01T14:00:00Z\","
             "\"end\":\"2026-12-01T15:30:00Z\",\"title\":\"t\"}");
  else if (strcmp (name, "gone-empty") == 0)
    respond (message, SOUP_STATUS_GONE, NULL, NULL);
  else if (strcmp (name, "gone-html") == 0)
    respond (message, SOUP_STATUS_GONE, "text/html", "<h1>Gone</h1>");
  else if (strcmp (name, "gone-garbage") == 0)
    respond (message, SOUP_STATUS_GONE, "application/json", "{\"error\":");
  else if (strcmp (name, "gone-scheduled") == 0)
    respond (message, SOUP_STATUS_GONE, "application/json", "{\"state\":\"scheduled\"}");
  else if (strcmp (name, "gone-bad-time") == 0)
    respond (message, SOUP_STATUS_GONE, "application/json",
             "{\"state\":\"cancelled\",\"start\":12}");
  else if (strcmp (name, "forbidden") == 0)
    respond (message, SOUP_STATUS_FORBIDDEN, "application/json", "{\"error\":\"forbidden\"}");
  else if (strcmp (name, "busy") == 0)
    {
      respond (message, 429, "application/json",
               "{\"error\":\"too-many-requests\"}");
      soup_message_headers_replace (headers, "Retry-After", "30");
    }
  else if (strcmp (name, "unavailable") == 0)
    respond (message, SOUP_STATUS_SERVICE_UNAVAILABLE, "application/json",
             "{\"error\":\"unavailable\"}");
  else if (strcmp (name, "unavailable-date") == 0)
    {
      respond (message, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL, NULL);
      soup_message_headers_replace (headers, "Retry-After", "Fri, 31 Dec 1999 23:59:59 GMT");
    }
  else if (strcmp (name, "bad-gateway-long") == 0)
    {
      respond (message, SOUP_STATUS_BAD_GATEWAY, "text/html", "<h1>Bad Gateway</h1>");
      soup_message_headers_replace (headers, "Retry-After", "99999999999999999999999");
    }
  else if (strcmp (name, "gateway-timeout-garbage") == 0)
    {
      respond (message, SOUP_STATUS_GATEWAY_TIMEOUT, NULL, NULL);
      soup_message_headers_replace (headers, "Retry-After", "-5");
    }
  else if (strcmp (name, "error") == 0)
    respond (message, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain", "oops");
  else if (strcmp (name, "found") == 0)
    {
      g_autofree char *room = g_strdup_printf ("%s/room", server->base);

      soup_server_message_set_redirect (message, SOUP_STATUS_FOUND, room);
    }
  else if (strcmp (name, "html") == 0)
    respond (message, SOUP_STATUS_OK, "text/html",
             "<!DOCTYPE html><title>Starts soon</title><p>Come back later.</p>");
  else if (strcmp (name, "json-as-html") == 0)
    respond (message, SOUP_STATUS_OK, "text/html", scheduled_json);
  else if (g_str_has_prefix (name, "bad-"))
    {
      guint64 index = 0;

      g_assert_true (g_ascii_string_to_unsigned (name + 4, 10, 0, G_N_ELEMENTS (bad_bodies) - 1,
                                                 &index, NULL));
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC,
                                        bad_bodies[index], strlen (bad_bodies[index]));
    }
  else if (strcmp (name, "huge") == 0)
    {
      /* 10 MiB, announced by Content-Length. */
      gsize len = 10 * 1024 * 1024;
      char *body = g_malloc (len);

      memset (body, ' ', len);
      body[0] = '{';
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "application/json", SOUP_MEMORY_TAKE, body, len);
    }
  else if (strcmp (name, "huge-chunked") == 0)
    {
      /* 10 MiB of chunks, no length said beforehand. */
      SoupMessageBody *body = soup_server_message_get_response_body (message);
      char chunk[65536];

      memset (chunk, ' ', sizeof chunk);
      chunk[0] = '[';
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, "application/json", NULL);
      for (guint i = 0; i < 160; i++)
        soup_message_body_append (body, SOUP_MEMORY_COPY, chunk, sizeof chunk);
      soup_message_body_complete (body);
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
    }
  else if (strcmp (name, "hang") == 0)
    {
      g_ptr_array_add (server->paused, g_object_ref (message));
      soup_server_message_pause (message);
    }
  else
    respond (message, SOUP_STATUS_NOT_FOUND, "application/json", "{\"error\":\"not-found\"}");
}

/* libsoup 3.2.3's own listener leaks the GSocket of every connection (see
 * src/manager/cnv-manager-gateway.c): the server accepts the connections itself, and wraps them
 * in TLS for HTTPS. */
static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  Server *server = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  if (server->certificate != NULL)
    {
      stream = g_tls_server_connection_new (G_IO_STREAM (connection), server->certificate, &error);
      g_assert_no_error (error);
    }
  else
    stream = g_object_ref (G_IO_STREAM (connection));
  soup_server_accept_iostream (server->server, stream, local, remote, &error);
  g_assert_no_error (error);
  return TRUE;
}

static GSocketService *
listen_loopback (guint16 *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocketService *service = g_socket_service_new ();

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return service;
}

static void
server_start (Server          *server,
              GTlsCertificate *certificate)
{
  memset (server, 0, sizeof *server);
  server->server = soup_server_new (NULL, NULL);
  server->paused = g_ptr_array_new_with_free_func (g_object_unref);
  server->certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
  soup_server_add_handler (server->server, NULL, handler_cb, server, NULL);
  server->service = listen_loopback (&server->port);
  g_signal_connect (server->service, "incoming", G_CALLBACK (incoming_cb), server);
  g_socket_service_start (server->service);
  server->base = g_strdup_printf ("%s://127.0.0.1:%u", certificate != NULL ? "https" : "http",
                                  server->port);
}

static void
server_stop (Server *server)
{
  for (guint i = 0; i < server->paused->len; i++)
    {
      SoupServerMessage *message = g_ptr_array_index (server->paused, i);

      soup_server_message_set_status (message, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (message);
    }
  spin_ms (50);
  g_ptr_array_unref (server->paused);
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_object_unref (server->service);
  soup_server_disconnect (server->server);
  g_object_unref (server->server);
  g_clear_object (&server->certificate);
  g_free (server->base);
  g_free (server->last_accept);
}

static void
fixture_set_up (Server        *server,
                gconstpointer  data)
{
  server_start (server, NULL);
}

static void
fixture_tear_down (Server        *server,
                   gconstpointer  data)
{
  server_stop (server);
}

/* ---- helpers ---- */

static char *
link_to (Server     *server,
         const char *name)
{
  return g_strdup_printf ("%s/s/%s?t=" TOKEN, server->base, name);
}

/* The error message names no link, path or token. */
static void
assert_error_is_discreet (const GError *error)
{
  if (error == NULL)
    return;
  g_assert_null (strstr (error->message, TOKEN));
  g_assert_null (strstr (error->message, "/s/"));
  g_assert_null (strstr (error->message, "t="));
}

static gboolean
check_link (CnvGatewayClient  *client,
            const char        *link,
            GCancellable      *cancellable,
            CnvGatewayAnswer  *answer,
            GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  /* Garbage that check_finish() must overwrite. */
  memset (answer, 0x5a, sizeof *answer);
  cnv_gateway_client_check_async (client, link, cancellable, store_result_cb, &result);
  wait_result (&result, 60);
  ok = cnv_gateway_client_check_finish (client, result, answer, error);
  assert_error_is_discreet (error != NULL ? *error : NULL);
  return ok;
}

static void
assert_answer (CnvGatewayClient *client,
               Server           *server,
               const char       *name,
               CnvGatewayState   state,
               guint             status,
               gint64            start,
               gint64            end)
{
  g_autofree char *link = link_to (server, name);
  g_autoptr(GError) error = NULL;
  CnvGatewayAnswer answer;

  g_test_message ("case %s", name);
  g_assert_true (check_link (client, link, NULL, &answer, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cnv_gateway_state_to_string (answer.state), ==,
                   cnv_gateway_state_to_string (state));
  g_assert_cmpuint (answer.status, ==, status);
  g_assert_cmpint (answer.start, ==, start);
  g_assert_cmpint (answer.end, ==, end);
  g_assert_cmpuint (answer.retry_after, ==, 0);
  g_assert_cmpstr (server->last_accept, ==, "application/json");
}

static void
assert_failure (CnvGatewayClient      *client,
                const char            *link,
                CnvGatewayClientError  code,
                guint                  retry_after)
{
  g_autoptr(GError) error = NULL;
  CnvGatewayAnswer answer;

  g_assert_false (check_link (client, link, NULL, &answer, &error));
  g_assert_error (error, CNV_GATEWAY_CLIENT_ERROR, (int) code);
  g_assert_cmpuint (answer.retry_after, ==, retry_after);
  g_assert_cmpint (answer.start, ==, 0);
  g_assert_cmpint (answer.end, ==, 0);
}

static void
assert_case_fails (CnvGatewayClient      *client,
                   Server                *server,
                   const char            *name,
                   CnvGatewayClientError  code,
                   guint                  retry_after)
{
  g_autofree char *link = link_to (server, name);

  g_test_message ("case %s", name);
  assert_failure (client, link, code, retry_after);
}

/* 2026-12-01T14:00:00Z and 15:30. */
#define START 1796133600
#define END   (START + 90 * 60)

/* ---- the answers of a gateway ---- */

static void
test_states (Server        *server,
             gconstpointer  data)
{
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();

  assert_answer (client, server, "scheduled", CNV_GATEWAY_STATE_SCHEDULED, 200, START, END);
  assert_answer (client, server, "scheduled-null-times", CNV_GATEWAY_STATE_SCHEDULED, 200, 0, 0);
  assert_answer (client, server, "scheduled-offset", CNV_GATEWAY_STATE_SCHEDULED, 200, START,
                 END);
  assert_answer (client, server, "ended", CNV_GATEWAY_STATE_ENDED, 410, START, END);
  assert_answer (client, server, "cancelled", CNV_GATEWAY_STATE_CANCELLED, 410, START, END);
  assert_answer (client, server, "gone-empty", CNV_GATEWAY_STATE_ENDED, 410, 0, 0);
  assert_answer (client, server, "gone-html", CNV_GATEWAY_STATE_ENDED, 410, 0, 0);
  assert_answer (client, server, "gone-garbage", CNV_GATEWAY_STATE_ENDED, 410, 0, 0);
  assert_answer (client, server, "forbidden", CNV_GATEWAY_STATE_FORBIDDEN, 403, 0, 0);

  g_assert_cmpstr (cnv_gateway_state_to_string (CNV_GATEWAY_STATE_SCHEDULED), ==, "scheduled");
  g_assert_cmpstr (cnv_gateway_state_to_string (CNV_GATEWAY_STATE_FORBIDDEN), ==, "forbidden");
}

static void
test_active_not_followed (Server        *server,
                          gconstpointer  data)
{
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();
  g_autofree char *found = link_to (server, "found");

  assert_answer (client, server, "active", CNV_GATEWAY_STATE_ACTIVE, 303, START, END);
  assert_answer (client, server, "active-bare", CNV_GATEWAY_STATE_ACTIVE, 303, 0, 0);
  assert_answer (client, server, "active-html", CNV_GATEWAY_STATE_ACTIVE, 303, 0, 0);
  /* A 302 is no answer of the gateway's, and is not followed either. */
  assert_failure (client, found, CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, 0);
  g_assert_false (server->room_hit);
  g_assert_cmpuint (server->requests, ==, 4);
}

static void
test_unavailable (Server        *server,
                  gconstpointer  data)
{
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();
  g_autofree char *link = link_to (server, "busy");
  g_autoptr(GError) error = NULL;
  CnvGatewayAnswer answer;

  assert_case_fails (client, server, "busy", CNV_GATEWAY_CLIENT_ERROR_UNAVAILABLE, 30);
  assert_case_fails (client, server, "unavailable", CNV_GATEWAY_CLIENT_ERROR_UNAVAILABLE, 0);
  assert_case_fails (client, server, "unavailable-date", CNV_GATEWAY_CLIENT_ERROR_UNAVAILABLE, 0);
  assert_case_fails (client, server, "bad-gateway-long", CNV_GATEWAY_CLIENT_ERROR_UNAVAILABLE,
                     3600);
  assert_case_fails (client, server, "gateway-timeout-garbage",
                     CNV_GATEWAY_CLIENT_ERROR_UNAVAILABLE, 0);

  /* The status stays known too, and the message names the host. */
  g_assert_false (check_link (client, link, NULL, &answer, &error));
  g_assert_cmpuint (answer.status, ==, 429);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
}

static void
test_not_the_gateway (Server        *server,
                      gconstpointer  data)
{
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();
  g_autofree char *unknown = link_to (server, "nothing-here");
  g_autofree char *error_link = link_to (server, "error");

  assert_failure (client, error_link, CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, 0);
  g_assert_cmpstr (server->last_accept, ==, "application/json");
  assert_failure (client, unknown, CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, 0);
  assert_case_fails (client, server, "html", CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, 0);
  assert_case_fails (client, server, "json-as-html", CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, 0);
  assert_case_fails (client, server, "active-contradiction", CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, 0);
  assert_case_fails (client, server, "gone-scheduled", CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, 0);
  assert_case_fails (client, server, "gone-bad-time", CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, 0);
  for (guint i = 0; i < G_N_ELEMENTS (bad_bodies); i++)
    {
      g_autofree char *name = g_strdup_printf ("bad-%u", i);

      assert_case_fails (client, server, name, CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, 0);
    }
}

static void
test_huge (Server        *server,
           gconstpointer  data)
{
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();

  assert_case_fails (client, server, "huge", CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, 0);
  assert_case_fails (client, server, "huge-chunked", CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, 0);
  /* The client is still good for the next check. */
  assert_answer (client, server, "scheduled", CNV_GATEWAY_STATE_SCHEDULED, 200, START, END);
}

/* ---- links and connections ---- */

static void
test_bad_links (void)
{
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();
  const char * const links[] = {
    "ftp://x",
    "not a url",
    "https:///s/x?t=" TOKEN,
    "",
    "/s/x?t=" TOKEN,
    "mailto:alice@example.test",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "https://",
    "http://join.example.test/s/x?t=" TOKEN "\r\nX-Injected: 1",
    "http://join.example.test/s/a b?t=" TOKEN,
    "https://[::1/s/x?t=" TOKEN,
  };

  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_test_message ("link %u", i);
      assert_failure (client, links[i], CNV_GATEWAY_CLIENT_ERROR_BAD_LINK, 0);
    }
}

static gboolean
hold_cb (GSocketService    *service,
         GSocketConnection *connection,
         GObject           *source_object,
         gpointer           user_data)
{
  GPtrArray *held = user_data;

  g_ptr_array_add (held, g_object_ref (connection));
  return TRUE;
}

/* A listener that accepts and never says a word. */
static void
test_timeout (void)
{
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *link = NULL;
  guint16 port;
  GSocketService *service = listen_loopback (&port);

  g_signal_connect (service, "incoming", G_CALLBACK (hold_cb), held);
  g_socket_service_start (service);
  link = g_strdup_printf ("http://127.0.0.1:%u/s/x?t=" TOKEN, port);

  cnv_gateway_client_set_timeout (client, 1);
  assert_failure (client, link, CNV_GATEWAY_CLIENT_ERROR_TIMEOUT, 0);
  g_assert_cmpuint (held->len, >=, 1);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_object_unref (service);
}

/* A server that reads the request and never answers it. */
static void
test_timeout_paused (Server        *server,
                     gconstpointer  data)
{
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();

  cnv_gateway_client_set_timeout (client, 1);
  assert_case_fails (client, server, "hang", CNV_GATEWAY_CLIENT_ERROR_TIMEOUT, 0);
  g_assert_cmpuint (server->paused->len, ==, 1);
}

/* A port bound without listen(): a connection to it is refused, and no other program can take
 * the port meanwhile. */
static void
test_refused (void)
{
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autofree char *link = NULL;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  link = g_strdup_printf ("http://127.0.0.1:%u/s/x?t=" TOKEN,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  assert_failure (client, link, CNV_GATEWAY_CLIENT_ERROR_NETWORK, 0);
}

/* A name that no resolver knows (RFC 6761 §6.4: .invalid). A machine whose DNS server does not
 * answer at all turns it into a timeout (the limit is short here): both say "not reachable now",
 * which is what the runner retries; nothing else may come out. */
static void
test_unknown_host (void)
{
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();
  g_autoptr(GError) error = NULL;
  CnvGatewayAnswer answer;

  cnv_gateway_client_set_timeout (client, 5);
  g_assert_false (check_link (client, "https://gateway.convene.invalid/s/x?t=" TOKEN, NULL,
                              &answer, &error));
  if (!g_error_matches (error, CNV_GATEWAY_CLIENT_ERROR, CNV_GATEWAY_CLIENT_ERROR_TIMEOUT))
    g_assert_error (error, CNV_GATEWAY_CLIENT_ERROR, CNV_GATEWAY_CLIENT_ERROR_NETWORK);
  g_assert_null (strstr (error->message, TOKEN));
}

static void
test_cancelled (Server        *server,
                gconstpointer  data)
{
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) early = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hang = link_to (server, "hang");
  g_autofree char *scheduled = link_to (server, "scheduled");
  CnvGatewayAnswer answer;

  /* In flight: the server holds the request. */
  cnv_gateway_client_check_async (client, hang, cancellable, store_result_cb, &result);
  WAIT_UNTIL (server->paused->len == 1, 30);
  g_assert_cmpuint (server->paused->len, ==, 1);
  g_cancellable_cancel (cancellable);
  wait_result (&result, 30);
  g_assert_false (cnv_gateway_client_check_finish (client, result, &answer, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_error_is_discreet (error);
  g_clear_error (&error);

  /* Before it starts. */
  g_cancellable_cancel (early);
  g_assert_false (check_link (client, scheduled, early, &answer, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* The client still works. */
  assert_answer (client, server, "scheduled", CNV_GATEWAY_STATE_SCHEDULED, 200, START, END);
}

/* ---- HTTPS ---- */

static char *tls_dir;

/* A self-signed certificate for 127.0.0.1, made now (PEM: cert.pem, key.pem in tls_dir). */
static GTlsCertificate *
make_certificate (char **cert_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  GTlsCertificate *certificate;
  int status = 0;

  tls_dir = g_dir_make_tmp ("cnv-gateway-tls-XXXXXX", &error);
  g_assert_no_error (error);
  *cert_path = g_build_filename (tls_dir, "cert.pem", NULL);
  key_path = g_build_filename (tls_dir, "key.pem", NULL);
  {
    const char *argv[] = {
      "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
      "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout", key_path, "-out", *cert_path, NULL,
    };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                  &status, &error);
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("openssl failed: %s", err);
  certificate = g_tls_certificate_new_from_files (*cert_path, key_path, &error);
  g_assert_no_error (error);
  return certificate;
}

/* Answers whatever comes in plain HTTP, at once. */
static gboolean
answer_plain_cb (GSocketService    *service,
                 GSocketConnection *connection,
                 GObject           *source_object,
                 gpointer           user_data)
{
  static const char answer[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n";
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  /* A few bytes to a fresh socket: the kernel takes them at once. */
  g_output_stream_write_all (output, answer, sizeof answer - 1, NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
test_https (void)
{
  g_autofree char *cert_path = NULL;
  g_autoptr(GTlsCertificate) certificate = make_certificate (&cert_path);
  g_autoptr(CnvGatewayClient) client = cnv_gateway_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *link = NULL;
  g_autofree char *plain_link = NULL;
  g_autofree char *missing = g_build_filename (tls_dir, "missing.pem", NULL);
  g_autofree char *not_pem = g_build_filename (tls_dir, "not.pem", NULL);
  Server server;
  guint16 plain_port;
  GSocketService *plain = listen_loopback (&plain_port);

  g_signal_connect (plain, "incoming", G_CALLBACK (answer_plain_cb), NULL);
  g_socket_service_start (plain);
  server_start (&server, certificate);
  link = link_to (&server, "scheduled");

  /* Not trusted by the system. */
  assert_failure (client, link, CNV_GATEWAY_CLIENT_ERROR_TLS, 0);
  g_assert_cmpuint (server.requests, ==, 0);

  /* Trusted through the CA file. */
  g_assert_true (cnv_gateway_client_set_ca_file (client, cert_path, &error));
  g_assert_no_error (error);
  assert_answer (client, &server, "scheduled", CNV_GATEWAY_STATE_SCHEDULED, 200, START, END);
  assert_answer (client, &server, "forbidden", CNV_GATEWAY_STATE_FORBIDDEN, 403, 0, 0);

  /* A file that cannot be read changes nothing. */
  g_assert_false (cnv_gateway_client_set_ca_file (client, missing, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (not_pem, "not a certificate\n", -1, &error));
  g_assert_false (cnv_gateway_client_set_ca_file (client, not_pem, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  assert_answer (client, &server, "scheduled", CNV_GATEWAY_STATE_SCHEDULED, 200, START, END);

  /* Back to the system's: not trusted again (a new connection is made: the old one was kept
   * alive, so the server is restarted to drop it). */
  g_assert_true (cnv_gateway_client_set_ca_file (client, NULL, &error));
  g_assert_no_error (error);
  server_stop (&server);
  server_start (&server, certificate);
  g_free (link);
  link = link_to (&server, "scheduled");
  assert_failure (client, link, CNV_GATEWAY_CLIENT_ERROR_TLS, 0);

  /* https:// to a server that answers in plain text. */
  plain_link = g_strdup_printf ("https://127.0.0.1:%u/s/scheduled?t=" TOKEN, plain_port);
  assert_failure (client, plain_link, CNV_GATEWAY_CLIENT_ERROR_TLS, 0);
  g_socket_service_stop (plain);
  g_socket_listener_close (G_SOCKET_LISTENER (plain));
  g_object_unref (plain);

  server_stop (&server);
  g_unlink (cert_path);
  g_unlink (not_pem);
  {
    g_autofree char *key_path = g_build_filename (tls_dir, "key.pem", NULL);

    g_unlink (key_path);
  }
  g_rmdir (tls_dir);
  g_clear_pointer (&tls_dir, g_free);
}

int
main (int   argc,
      char *argv[])
{
  log_guard_install ();
  g_test_init (&argc, &argv, NULL);
  log_guard_forbid (TOKEN);

  g_test_add ("/app/gateway-client/states", Server, NULL, fixture_set_up, test_states,
              fixture_tear_down);
  g_test_add ("/app/gateway-client/active-not-followed", Server, NULL, fixture_set_up,
              test_active_not_followed, fixture_tear_down);
  g_test_add ("/app/gateway-client/unavailable", Server, NULL, fixture_set_up, test_unavailable,
              fixture_tear_down);
  g_test_add ("/app/gateway-client/not-the-gateway", Server, NULL, fixture_set_up,
              test_not_the_gateway, fixture_tear_down);
  g_test_add ("/app/gateway-client/huge", Server, NULL, fixture_set_up, test_huge,
              fixture_tear_down);
  g_test_add_func ("/app/gateway-client/bad-links", test_bad_links);
  g_test_add_func ("/app/gateway-client/timeout", test_timeout);
  g_test_add ("/app/gateway-client/timeout-paused", Server, NULL, fixture_set_up,
              test_timeout_paused, fixture_tear_down);
  g_test_add_func ("/app/gateway-client/refused", test_refused);
  g_test_add_func ("/app/gateway-client/unknown-host", test_unknown_host);
  g_test_add ("/app/gateway-client/cancelled", Server, NULL, fixture_set_up, test_cancelled,
              fixture_tear_down);
  g_test_add_func ("/app/gateway-client/https", test_https);

  return g_test_run ();
}
