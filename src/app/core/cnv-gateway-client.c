/* cnv-gateway-client.c — asking the join gateway for a session's state before launching (E453)
 *
 * One GET of the personal link with `Accept: application/json`, the redirect not followed
 * (cnv-manager-gateway.c writes the answers; DESIGN.md, "The join gateway"). The session has no
 * cookie jar and no cache (libsoup 3 adds neither unless asked), so nothing of the answer stays
 * on disk. The whole check is bounded by the timeout (the session's own timeout bounds each
 * read, a timer on the task the whole exchange), and the body by MAX_BODY: a gateway's JSON is a
 * few hundred bytes.
 *
 * The answer is read strictly: the status code decides, and the JSON body must agree with it.
 * The gateway writes start and end as RFC 3339 UTC times ("2026-12-01T14:00:00Z", or null when
 * it has none); a number, a time without its offset, a state that is not the status code's, or
 * a member of the wrong type is not the gateway's answer.
 *
 * The link holds the participant's credential (the token in its query): it is never logged and
 * never put in an error message, which name the host only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-gateway-client"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cnv-gateway-client.h"

#define DEFAULT_TIMEOUT_SECONDS 15
/* The gateway's JSON is far smaller; anything bigger is not its answer. */
#define MAX_BODY (64 * 1024)
#define READ_CHUNK 16384
/* A personal link is about a hundred characters; a longer one is not the manager's. */
#define MAX_LINK_LENGTH 8192
/* Longer waits than this are not honoured: the prompt asks again within the hour. */
#define MAX_RETRY_AFTER 3600

struct _CnvGatewayClient
{
  GObject       parent_instance;

  /* Owned */
  SoupSession  *session;

  guint         timeout;
  gboolean      custom_database;   /* a CA file replaced the system's */
};

G_DEFINE_FINAL_TYPE (CnvGatewayClient, cnv_gateway_client, G_TYPE_OBJECT)

G_DEFINE_QUARK (cnv-gateway-client-error-quark, cnv_gateway_client_error)

typedef struct
{
  CnvGatewayAnswer  answer;
  char             *host;
  char             *path;               /* the link's path and query: never to be shown */
  char             *query;

  /* Owned */
  SoupMessage      *message;
  GInputStream     *stream;
  GByteArray       *body;
  GCancellable     *check_cancellable;  /* cancelled by the caller's and by the timer */
  GCancellable     *caller_cancellable;
  gulong            cancelled_id;
  GSource          *timer;              /* holds a reference on the task until destroyed */
  gboolean          timed_out;
} Check;

static void
check_free (Check *check)
{
  if (check->timer != NULL)
    {
      g_source_destroy (check->timer);
      g_source_unref (check->timer);
    }
  if (check->cancelled_id != 0)
    g_cancellable_disconnect (check->caller_cancellable, check->cancelled_id);
  g_clear_object (&check->caller_cancellable);
  g_clear_object (&check->check_cancellable);
  g_clear_object (&check->stream);
  g_clear_object (&check->message);
  g_clear_pointer (&check->body, g_byte_array_unref);
  g_free (check->host);
  g_free (check->path);
  g_free (check->query);
  g_free (check);
}

/* Reporting ---------------------------------------------------------------------------------- */

/* @message of an error from below, unless it quotes the link's path or query (which hold the
 * session id and the token): libsoup and GIO name hosts, never paths, but this is not theirs to
 * promise. */
static const char *
scrub (Check      *check,
       const char *message)
{
  if (message == NULL ||
      (check->query != NULL && *check->query != '\0' && strstr (message, check->query) != NULL) ||
      (check->path != NULL && strlen (check->path) > 1 && strstr (message, check->path) != NULL))
    return _("no details");
  return message;
}

static void
return_success (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  if (check->timer != NULL)
    g_source_destroy (check->timer);
  g_debug ("The join gateway at %s: HTTP %u, %s", check->host, check->answer.status,
           cnv_gateway_state_to_string (check->answer.state));
  g_task_return_boolean (task, TRUE);
}

static void
return_error (GTask                 *task,
              CnvGatewayClientError  code,
              const char            *message)
{
  Check *check = g_task_get_task_data (task);

  /* The timer's reference on the task goes now, not when it would have fired. */
  if (check->timer != NULL)
    g_source_destroy (check->timer);
  if (g_cancellable_is_cancelled (check->caller_cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The check of the join gateway at %s was cancelled", check->host);
      return;
    }
  g_debug ("%s", message);
  g_task_return_new_error (task, CNV_GATEWAY_CLIENT_ERROR, code, "%s", message);
}

static void
return_protocol_error (GTask      *task,
                       const char *why)
{
  Check *check = g_task_get_task_data (task);
  g_autofree char *message = NULL;

  /* Translators: the first %s is a host name, the second what was wrong with its answer. */
  message = g_strdup_printf (_("The answer of %s is not a join gateway’s: %s"), check->host, why);
  return_error (task, CNV_GATEWAY_CLIENT_ERROR_PROTOCOL, message);
}

/* An I/O error of the exchange, sorted as the header's codes say. */
static void
return_io_error (GTask        *task,
                 const GError *error)
{
  Check *check = g_task_get_task_data (task);
  g_autofree char *message = NULL;

  if (check->timed_out || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      message = g_strdup_printf (_("The join gateway at %s did not answer in time"), check->host);
      return_error (task, CNV_GATEWAY_CLIENT_ERROR_TIMEOUT, message);
    }
  else if (error->domain == G_TLS_ERROR &&
           (error->code == G_TLS_ERROR_BAD_CERTIFICATE ||
            error->code == G_TLS_ERROR_CERTIFICATE_REQUIRED))
    {
      message = g_strdup_printf (_("The certificate of %s is not trusted: %s"), check->host,
                                 scrub (check, error->message));
      return_error (task, CNV_GATEWAY_CLIENT_ERROR_TLS, message);
    }
  else if (error->domain == G_TLS_ERROR)
    {
      message = g_strdup_printf (_("Cannot set up a secure connection to %s: %s"), check->host,
                                 scrub (check, error->message));
      return_error (task, CNV_GATEWAY_CLIENT_ERROR_TLS, message);
    }
  else if (error->domain == SOUP_SESSION_ERROR)
    {
      /* PARSING, ENCODING, REDIRECT_BAD_URI…: the peer does not speak HTTP as a gateway does. */
      return_protocol_error (task, scrub (check, error->message));
    }
  else
    {
      /* Refused, unreachable, reset, DNS (G_RESOLVER_ERROR), a body cut short. */
      message = g_strdup_printf (_("Cannot reach the join gateway at %s: %s"), check->host,
                                 scrub (check, error->message));
      return_error (task, CNV_GATEWAY_CLIENT_ERROR_NETWORK, message);
    }
}

/* The answer ------------------------------------------------------------------------------- */

/* RFC 9110 §10.2.3: Retry-After = HTTP-date / delay-seconds. Only the seconds are read (a date
 * would need our clock to agree with the server's); anything else is no advice, 0. */
static guint
parse_retry_after (const char *value)
{
  g_autofree char *text = NULL;
  guint64 seconds;

  if (value == NULL)
    return 0;
  text = g_strstrip (g_strdup (value));
  if (*text == '\0')
    return 0;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return 0;
    }
  /* All digits: a number too big for 64 bits is still "very long". */
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &seconds, NULL))
    return MAX_RETRY_AFTER;
  return (guint) MIN (seconds, (guint64) MAX_RETRY_AFTER);
}

/* A time member: absent or null is 0; else an RFC 3339 string with its offset. */
static gboolean
read_time_member (JsonObject  *object,
                  const char  *name,
                  gint64      *when)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autoptr(GDateTime) parsed = NULL;

  *when = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  /* No default zone: a time without an offset is refused. */
  parsed = g_date_time_new_from_iso8601 (json_node_get_string (node), NULL);
  if (parsed == NULL)
    return FALSE;
  *when = g_date_time_to_unix (parsed);
  return TRUE;
}

static gboolean
is_string_or_absent (JsonObject *object,
                     const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node == NULL ||
         (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING);
}

static gboolean
is_json (SoupMessage *message)
{
  const char *type = soup_message_headers_get_content_type (
                       soup_message_get_response_headers (message), NULL);

  return type != NULL && g_ascii_strcasecmp (type, "application/json") == 0;
}

/* Reads the body as the gateway's JSON for @status: {"state":…,"start":…,"end":…,"title":…}
 * (and "url"). Fills the state and the times; NULL when it is right, else why not. */
static const char *
read_session_json (Check *check,
                   guint  status)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;
  JsonObject *object;
  JsonNode *state_node;
  const char *state;

  if (check->body->len == 0)
    return _("the body is empty");
  if (!json_parser_load_from_data (parser, (const char *) check->body->data,
                                   (gssize) check->body->len, NULL))
    return _("the body is not JSON");
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return _("the JSON is not an object");
  object = json_node_get_object (root);

  state_node = json_object_get_member (object, "state");
  if (state_node == NULL)
    return _("the JSON has no state");
  if (!JSON_NODE_HOLDS_VALUE (state_node) || json_node_get_value_type (state_node) != G_TYPE_STRING)
    return _("the state is not a string");
  state = json_node_get_string (state_node);

  if (status == SOUP_STATUS_OK && strcmp (state, "scheduled") == 0)
    check->answer.state = CNV_GATEWAY_STATE_SCHEDULED;
  else if (status == SOUP_STATUS_SEE_OTHER && strcmp (state, "active") == 0)
    check->answer.state = CNV_GATEWAY_STATE_ACTIVE;
  else if (status == SOUP_STATUS_GONE && strcmp (state, "ended") == 0)
    check->answer.state = CNV_GATEWAY_STATE_ENDED;
  else if (status == SOUP_STATUS_GONE && strcmp (state, "cancelled") == 0)
    check->answer.state = CNV_GATEWAY_STATE_CANCELLED;
  else
    return _("the state does not agree with the status code");

  if (!read_time_member (object, "start", &check->answer.start) ||
      !read_time_member (object, "end", &check->answer.end))
    return _("a time is not an RFC 3339 string");
  if (check->answer.start != 0 && check->answer.end != 0 && check->answer.end < check->answer.start)
    return _("the session ends before it starts");
  if (!is_string_or_absent (object, "title") || !is_string_or_absent (object, "url"))
    return _("the title or the URL is not a string");
  return NULL;
}

/* The whole body is in: decides the answer. */
static void
answer_with_body (GTask *task)
{
  Check *check = g_task_get_task_data (task);
  guint status = check->answer.status;
  const char *why = NULL;

  switch (status)
    {
    case SOUP_STATUS_OK:
      if (!is_json (check->message))
        why = _("the body is not JSON");
      else
        why = read_session_json (check, status);
      break;

    case SOUP_STATUS_SEE_OTHER:
      /* The redirect alone says "active" (a Location is not needed: the app launches the link
       * itself); a JSON body must agree, and gives the times. */
      check->answer.state = CNV_GATEWAY_STATE_ACTIVE;
      if (check->body->len > 0 && is_json (check->message))
        why = read_session_json (check, status);
      break;

    case SOUP_STATUS_GONE:
      /* Gone is gone: without a JSON state (a proxy's page, no body) it is "ended". A JSON state
       * must be one of a 410's, with members of the right types. */
      check->answer.state = CNV_GATEWAY_STATE_ENDED;
      if (check->body->len > 0 && is_json (check->message))
        {
          g_autoptr(JsonParser) parser = json_parser_new_immutable ();
          JsonNode *root;

          if (json_parser_load_from_data (parser, (const char *) check->body->data,
                                          (gssize) check->body->len, NULL) &&
              (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
              json_object_has_member (json_node_get_object (root), "state"))
            why = read_session_json (check, status);
        }
      break;

    default:
      g_assert_not_reached ();
    }

  if (why != NULL)
    {
      check->answer.start = check->answer.end = 0;
      return_protocol_error (task, why);
      return;
    }
  return_success (task);
}

static void read_next (GTask *task);

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;
  gsize len;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (bytes == NULL)
    {
      return_io_error (task, error);
      return;
    }
  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      answer_with_body (task);
      return;
    }
  if (check->body->len + len > MAX_BODY)
    {
      return_protocol_error (task, _("the body is larger than 64 KiB"));
      return;
    }
  g_byte_array_append (check->body, data, len);
  read_next (task);
}

static void
read_next (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (check->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   check->check_cancellable, read_cb, g_object_ref (task));
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  SoupMessageHeaders *headers;
  guint status;

  check->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (check->stream == NULL)
    {
      return_io_error (task, error);
      return;
    }

  status = soup_message_get_status (check->message);
  headers = soup_message_get_response_headers (check->message);
  check->answer.status = status;
  switch (status)
    {
    case SOUP_STATUS_OK:
    case SOUP_STATUS_SEE_OTHER:
    case SOUP_STATUS_GONE:
      if (soup_message_headers_get_content_length (headers) > MAX_BODY)
        {
          return_protocol_error (task, _("the body is larger than 64 KiB"));
          return;
        }
      read_next (task);
      return;

    case SOUP_STATUS_FORBIDDEN:
      /* The same bytes whatever the reason (the gateway reveals nothing): not read. */
      check->answer.state = CNV_GATEWAY_STATE_FORBIDDEN;
      return_success (task);
      return;

    case 429: /* Too Many Requests (RFC 6585 §4): libsoup 3.2 has no name for it */
    case SOUP_STATUS_BAD_GATEWAY:
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
    case SOUP_STATUS_GATEWAY_TIMEOUT:
      /* RFC 6585 §4, RFC 9110 §15.6.4: the gateway, or the proxy in front of it, asks us to
       * come back later. */
      check->answer.retry_after =
        parse_retry_after (soup_message_headers_get_one (headers, "Retry-After"));
      /* Translators: %s is a host name, %u an HTTP status code. */
      message = g_strdup_printf (_("The join gateway at %s is not available right now "
                                   "(HTTP %u)"), check->host, status);
      return_error (task, CNV_GATEWAY_CLIENT_ERROR_UNAVAILABLE, message);
      return;

    default:
      message = g_strdup_printf (_("unexpected HTTP status %u"), status);
      return_protocol_error (task, message);
      return;
    }
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  GCancellable *check_cancellable = user_data;

  g_cancellable_cancel (check_cancellable);
}

static gboolean
timer_cb (gpointer user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);

  check->timed_out = TRUE;
  g_cancellable_cancel (check->check_cancellable);
  return G_SOURCE_REMOVE;
}

/* The link --------------------------------------------------------------------------------- */

/* An http(s) URL with a host, nothing a request line could not carry. */
static GUri *
parse_link (const char *link)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (strlen (link) > MAX_LINK_LENGTH)
    return NULL;
  for (const char *p = link; *p != '\0'; p++)
    {
      /* RFC 3986 §2: no space or control character is part of a URI. */
      if ((guchar) *p <= 0x20 || *p == 0x7f)
        return NULL;
    }
  uri = g_uri_parse (link, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (scheme == NULL || (g_ascii_strcasecmp (scheme, "https") != 0 &&
                         g_ascii_strcasecmp (scheme, "http") != 0))
    return NULL;
  if (host == NULL || *host == '\0')
    return NULL;
  return g_steal_pointer (&uri);
}

/* The object ------------------------------------------------------------------------------- */

static void
cnv_gateway_client_finalize (GObject *object)
{
  CnvGatewayClient *self = CNV_GATEWAY_CLIENT (object);

  g_clear_object (&self->session);

  G_OBJECT_CLASS (cnv_gateway_client_parent_class)->finalize (object);
}

static void
cnv_gateway_client_class_init (CnvGatewayClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnv_gateway_client_finalize;
}

/* libsoup 3 gives a session no cookie jar and no cache unless they are added: none is. A new
 * session uses the system's certificate authorities, loaded only when a connection needs them
 * (they take about 3 MB of the background service's memory). */
static SoupSession *
new_session (guint timeout)
{
  return soup_session_new_with_options ("timeout", timeout,
                                        "user-agent", "Convene/" PACKAGE_VERSION,
                                        NULL);
}

static void
cnv_gateway_client_init (CnvGatewayClient *self)
{
  self->timeout = DEFAULT_TIMEOUT_SECONDS;
  self->session = new_session (self->timeout);
}

/**
 * cnv_gateway_client_new:
 *
 * Returns: (transfer full): a client that trusts the system's certificate authorities
 */
CnvGatewayClient *
cnv_gateway_client_new (void)
{
  return g_object_new (CNV_TYPE_GATEWAY_CLIENT, NULL);
}

/**
 * cnv_gateway_client_set_ca_file:
 * @ca_file: (nullable): a PEM file of the certificate authorities to trust, or %NULL or "" for
 *   the system's
 * @error: a #G_TLS_ERROR or #G_FILE_ERROR when the file cannot be read
 *
 * The certificate authorities of @ca_file replace the system's for the checks that start from
 * now on; on an error nothing changes.
 */
gboolean
cnv_gateway_client_set_ca_file (CnvGatewayClient  *self,
                                const char        *ca_file,
                                GError           **error)
{
  g_autoptr(GTlsDatabase) database = NULL;

  g_return_val_if_fail (CNV_IS_GATEWAY_CLIENT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (ca_file == NULL || *ca_file == '\0')
    {
      /* Back to the system's: a fresh session, which loads them when it first needs them
       * (soup_session_set_tls_database() cannot go back to "the default, lazily"). Checks in
       * flight keep the session they started on. */
      if (self->custom_database)
        {
          g_object_unref (self->session);
          self->session = new_session (self->timeout);
          self->custom_database = FALSE;
        }
      return TRUE;
    }
  database = g_tls_file_database_new (ca_file, error);
  if (database == NULL)
    return FALSE;
  soup_session_set_tls_database (self->session, database);
  self->custom_database = TRUE;
  return TRUE;
}

/**
 * cnv_gateway_client_set_timeout:
 * @seconds: for a whole check, at least 1 (0 is taken as 1)
 */
void
cnv_gateway_client_set_timeout (CnvGatewayClient *self,
                                guint             seconds)
{
  g_return_if_fail (CNV_IS_GATEWAY_CLIENT (self));

  self->timeout = MAX (seconds, 1u);
  soup_session_set_timeout (self->session, self->timeout);
}

/**
 * cnv_gateway_state_to_string:
 *
 * Returns: the state's name as the gateway's JSON says it ("forbidden" for a 403); for logs
 */
const char *
cnv_gateway_state_to_string (CnvGatewayState state)
{
  switch (state)
    {
    case CNV_GATEWAY_STATE_SCHEDULED:
      return "scheduled";
    case CNV_GATEWAY_STATE_ACTIVE:
      return "active";
    case CNV_GATEWAY_STATE_ENDED:
      return "ended";
    case CNV_GATEWAY_STATE_CANCELLED:
      return "cancelled";
    case CNV_GATEWAY_STATE_FORBIDDEN:
      return "forbidden";
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * cnv_gateway_client_check_async:
 * @link: the personal link of an invitation, https://HOST/s/ID?t=TOKEN
 * @cancellable: (nullable): cancels the check
 * @callback: called when the gateway has answered, or not
 * @user_data: for @callback
 *
 * Asks the gateway behind @link for the session's state. A @link that is not an http(s) URL
 * with a host fails with %CNV_GATEWAY_CLIENT_ERROR_BAD_LINK before any I/O.
 */
void
cnv_gateway_client_check_async (CnvGatewayClient    *self,
                                const char          *link,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  Check *check;

  g_return_if_fail (CNV_IS_GATEWAY_CLIENT (self));
  g_return_if_fail (link != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_gateway_client_check_async);
  g_task_set_name (task, "cnv_gateway_client_check");

  check = g_new0 (Check, 1);
  check->body = g_byte_array_new ();
  check->check_cancellable = g_cancellable_new ();
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);

  uri = parse_link (link);
  if (uri == NULL)
    {
      check->host = g_strdup ("?");
      return_error (task, CNV_GATEWAY_CLIENT_ERROR_BAD_LINK,
                    _("The session’s link is not a web address"));
      return;
    }
  check->host = g_strdup (g_uri_get_host (uri));
  check->path = g_strdup (g_uri_get_path (uri));
  check->query = g_strdup (g_uri_get_query (uri));

  if (cancellable != NULL)
    {
      check->caller_cancellable = g_object_ref (cancellable);
      check->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                   g_object_ref (check->check_cancellable),
                                                   g_object_unref);
    }

  check->message = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  /* The answer is the status code itself: a 303 is "active", not a page to fetch (and its
   * Location may hold a JWT meant for the room only). */
  soup_message_add_flags (check->message, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (check->message), "Accept",
                                "application/json");

  check->timer = g_timeout_source_new_seconds (self->timeout);
  g_task_attach_source (task, check->timer, timer_cb);

  g_debug ("Asking the join gateway at %s", check->host);
  soup_session_send_async (self->session, check->message, G_PRIORITY_DEFAULT,
                           check->check_cancellable, sent_cb, g_object_ref (task));
}

/**
 * cnv_gateway_client_check_finish:
 * @answer: (out caller-allocates) (optional): the answer, zeroed on an error except for the
 *   retry_after of %CNV_GATEWAY_CLIENT_ERROR_UNAVAILABLE
 * @error: a #CNV_GATEWAY_CLIENT_ERROR, or %G_IO_ERROR_CANCELLED
 */
gboolean
cnv_gateway_client_check_finish (CnvGatewayClient  *self,
                                 GAsyncResult      *result,
                                 CnvGatewayAnswer  *answer,
                                 GError           **error)
{
  Check *check;
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (CNV_IS_GATEWAY_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cnv_gateway_client_check_async,
                        FALSE);

  check = g_task_get_task_data (G_TASK (result));
  ok = g_task_propagate_boolean (G_TASK (result), &local_error);
  if (answer != NULL)
    {
      memset (answer, 0, sizeof *answer);
      if (ok)
        *answer = check->answer;
      else if (g_error_matches (local_error, CNV_GATEWAY_CLIENT_ERROR,
                                CNV_GATEWAY_CLIENT_ERROR_UNAVAILABLE))
        {
          answer->status = check->answer.status;
          answer->retry_after = check->answer.retry_after;
        }
    }
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}
