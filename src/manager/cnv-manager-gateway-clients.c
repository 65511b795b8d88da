/* cnv-manager-gateway-clients.c — who the join gateway's clients are (their address, or the one
 * a trusted reverse proxy names) and the rate limit on their failed requests (429)
 *
 * A part of cnv-manager-gateway.c (the server and the links), which counts a failure for every
 * link it refuses and for every malformed request; the functions the two files share are in
 * cnv-manager-gateway-private.h.
 *
 * Rate limit: a client that gets MAX_FAILURES (10) failures — 403s, and the 400/501/505 answers
 * libsoup gives to malformed requests — within FAILURE_WINDOW (10 minutes) of its first one gets
 * 429 with Retry-After for every request (except /healthz), even with a right token, until those
 * 10 minutes have passed. A client is an IPv4 address or an IPv6 /64 (one subscriber usually holds
 * a whole /64, RFC 6177). At most MAX_CLIENTS (10 000) clients are remembered; the oldest is
 * forgotten first. Successful requests do not count.
 *
 * Behind a reverse proxy every request comes from the proxy's address. A request from a trusted
 * proxy (cnv_manager_gateway_set_trusted_proxies()) is counted under the address that proxy added
 * last to X-Forwarded-For; one without a valid address there, under the proxy's own address. The
 * headers of any other peer are ignored, so a client cannot pick the address it is counted under.
 * RFC 7239 `Forwarded` is not read: a proxy rewrites one of the two headers and passes the other
 * on from the client, so reading both would let a client choose; the proxy must write
 * X-Forwarded-For.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-gateway"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "cnv-manager-gateway-private.h"

#define MAX_FAILURES   10
#define FAILURE_WINDOW (10 * 60)
#define MAX_CLIENTS    10000
/* The longest text of an IPv6 address: 8 groups, the last two as an IPv4 address (RFC 4291 §2.2). */
#define MAX_ADDRESS_LENGTH 45

/* RFC 6585 §4; libsoup 3.2 has no name for it. */
#define STATUS_TOO_MANY_REQUESTS 429

typedef struct
{
  GList   link;          /* in clients_by_age; data is this struct */
  char   *client;
  gint64  window_start;  /* Unix seconds of its first failure in the window */
  guint   failures;
} ClientFailures;

/* Clients ------------------------------------------------------------------------------------ */

/* @address, or the IPv4 address it maps (RFC 4291 §2.5.5.2, what a dual-stack socket sees). */
static GInetAddress *
unmap_address (GInetAddress *address)
{
  static const guint8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  const guint8 *bytes = g_inet_address_to_bytes (address);

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 &&
      memcmp (bytes, v4_mapped, sizeof v4_mapped) == 0)
    return g_inet_address_new_from_bytes (bytes + sizeof v4_mapped, G_SOCKET_FAMILY_IPV4);
  return g_object_ref (address);
}

/* The key a client's failures are counted under: its IPv4 address or its IPv6 /64. */
static char *
client_key (GInetAddress *address)
{
  g_autoptr(GInetAddress) unmapped = unmap_address (address);
  g_autoptr(GInetAddress) network = NULL;
  g_autofree char *text = NULL;
  guint8 prefix[16] = { 0 };

  if (g_inet_address_get_family (unmapped) != G_SOCKET_FAMILY_IPV6)
    return g_inet_address_to_string (unmapped);
  memcpy (prefix, g_inet_address_to_bytes (unmapped), 8);
  network = g_inet_address_new_from_bytes (prefix, G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (network);
  return g_strconcat (text, "/64", NULL);
}

static gboolean
is_trusted_proxy (CnvManagerGateway *self,
                  GInetAddress      *address)
{
  g_autoptr(GInetAddress) unmapped = unmap_address (address);

  for (guint i = 0; i < self->trusted_proxies->len; i++)
    {
      if (g_inet_address_equal (unmapped, self->trusted_proxies->pdata[i]))
        return TRUE;
    }
  return FALSE;
}

/* The address a trusted proxy put last in X-Forwarded-For (the headers joined into one list, RFC
 * 9110 §5.3): the elements before it came from the client, who can write anything there. NULL
 * when that element is not a bare IPv4 or IPv6 address (a port, brackets, a zone, "unknown"). */
static GInetAddress *
forwarded_for (SoupServerMessage *msg)
{
  const char *list = soup_message_headers_get_list (soup_server_message_get_request_headers (msg),
                                                    "X-Forwarded-For");
  const char *last;
  g_autofree char *text = NULL;

  if (list == NULL)
    return NULL;
  last = strrchr (list, ',');
  text = g_strstrip (g_strdup (last != NULL ? last + 1 : list));
  /* No zone either (RFC 4007 §11): it names an interface of the proxy, not a client. */
  if (strlen (text) > MAX_ADDRESS_LENGTH || strchr (text, '%') != NULL)
    return NULL;
  return g_inet_address_new_from_string (text);
}

/* Who sent @msg: its peer, or the client a trusted proxy names (counted under the proxy itself
 * when it names none). Headers from any other peer are not read: a client could write them. */
char *
cnv_gateway_client_of (CnvManagerGateway *self,
                       SoupServerMessage *msg)
{
  GSocketAddress *peer = soup_server_message_get_remote_address (msg);
  GInetAddress *address;
  g_autoptr(GInetAddress) forwarded = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (peer))
    return g_strdup ("unknown");
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer));
  if (self->trusted_proxies->len == 0 || !is_trusted_proxy (self, address))
    return client_key (address);

  forwarded = forwarded_for (msg);
  if (forwarded == NULL)
    {
      g_autofree char *proxy = g_inet_address_to_string (address);

      g_debug ("gateway: a request from the proxy %s names no client: counted under the proxy",
               proxy);
      return client_key (address);
    }
  return client_key (forwarded);
}

/* Rate limit --------------------------------------------------------------------------------- */

static void
client_failures_free (ClientFailures *entry)
{
  g_free (entry->client);
  g_free (entry);
}

/* A window that is over, or that starts in the future (the clock went back), is forgotten. */
static gboolean
window_is_over (const ClientFailures *entry,
                gint64                now)
{
  return now >= entry->window_start + FAILURE_WINDOW || now < entry->window_start;
}

static void
forget_client (CnvManagerGateway *self,
               ClientFailures    *entry)
{
  g_queue_unlink (&self->clients_by_age, &entry->link);
  g_hash_table_remove (self->clients, entry->client);
}

static ClientFailures *
lookup_client (CnvManagerGateway *self,
               const char        *client,
               gint64             now)
{
  ClientFailures *entry = g_hash_table_lookup (self->clients, client);

  if (entry != NULL && window_is_over (entry, now))
    {
      forget_client (self, entry);
      entry = NULL;
    }
  return entry;
}

/* Whether @client is refused; @retry_after is then the seconds until its window ends. */
static gboolean
client_is_blocked (CnvManagerGateway *self,
                   const char        *client,
                   gint64             now,
                   gint64            *retry_after)
{
  ClientFailures *entry = lookup_client (self, client, now);

  if (entry == NULL || entry->failures < MAX_FAILURES)
    return FALSE;
  *retry_after = MAX (entry->window_start + FAILURE_WINDOW - now, 1);
  return TRUE;
}

void
cnv_gateway_count_failure (CnvManagerGateway *self,
                           const char        *client,
                           gint64             now)
{
  ClientFailures *entry = lookup_client (self, client, now);

  if (entry == NULL)
    {
      GList *oldest;

      while ((oldest = g_queue_peek_head_link (&self->clients_by_age)) != NULL &&
             (window_is_over (oldest->data, now) ||
              g_hash_table_size (self->clients) >= MAX_CLIENTS))
        forget_client (self, oldest->data);

      entry = g_new0 (ClientFailures, 1);
      entry->link.data = entry;
      entry->client = g_strdup (client);
      entry->window_start = now;
      g_queue_push_tail_link (&self->clients_by_age, &entry->link);
      g_hash_table_insert (self->clients, entry->client, entry);
    }

  if (entry->failures < MAX_FAILURES)
    entry->failures++;
  if (entry->failures == MAX_FAILURES)
    g_info ("gateway: %s had %d failed requests in %d s: refused for %" G_GINT64_FORMAT " s",
            client, MAX_FAILURES, FAILURE_WINDOW, entry->window_start + FAILURE_WINDOW - now);
}

/* Answers 429 with Retry-After (RFC 6585 §4) when @client is refused; returns whether it did. */
gboolean
cnv_gateway_respond_if_blocked (CnvManagerGateway *self,
                                SoupServerMessage *msg,
                                gboolean           json,
                                const char        *client,
                                gint64             now)
{
  g_autofree char *seconds = NULL;
  gint64 retry_after;

  if (!client_is_blocked (self, client, now, &retry_after))
    return FALSE;

  seconds = g_strdup_printf ("%" G_GINT64_FORMAT, retry_after);
  g_debug ("gateway: %s is refused for %s s more", client, seconds);
  cnv_gateway_respond_plain (msg, STATUS_TOO_MANY_REQUESTS, json, "too-many-requests",
                             "Too many attempts",
                             "Too many links that do not work were opened from your "
                             "network. Try again later.");
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Retry-After", seconds);
  return TRUE;
}

/* The gateway's instance init: no client counted, no trusted proxy. */
void
cnv_gateway_init_clients (CnvManagerGateway *self)
{
  self->clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) client_failures_free);
  g_queue_init (&self->clients_by_age);
  self->trusted_proxies = g_ptr_array_new_with_free_func (g_object_unref);
}

/* The gateway's finalize: frees what cnv_gateway_init_clients() made. */
void
cnv_gateway_clear_clients (CnvManagerGateway *self)
{
  /* The queue's links live inside the entries that the table frees. */
  g_clear_pointer (&self->clients, g_hash_table_unref);
  g_queue_init (&self->clients_by_age);
  g_clear_pointer (&self->trusted_proxies, g_ptr_array_unref);
}

/* Trusted proxies ---------------------------------------------------------------------------- */

/**
 * cnv_manager_gateway_set_trusted_proxies:
 * @proxies: (nullable) (array zero-terminated=1): the IPv4 and IPv6 addresses of the reverse
 *   proxies in front of the gateway; NULL or empty for none
 *
 * A request from one of them is counted, for the rate limit, under the client address that the
 * proxy added last to X-Forwarded-For (the proxy must add it: nginx's
 * `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`). The list replaces the one
 * before; an entry that is not an IP address is left out with a warning.
 */
void
cnv_manager_gateway_set_trusted_proxies (CnvManagerGateway  *self,
                                         const char * const *proxies)
{
  g_return_if_fail (CNV_IS_MANAGER_GATEWAY (self));

  g_ptr_array_set_size (self->trusted_proxies, 0);
  for (guint i = 0; proxies != NULL && proxies[i] != NULL; i++)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (proxies[i]);

      if (address == NULL)
        {
          g_warning ("gateway: the trusted proxy “%s” is not an IP address: left out",
                     proxies[i]);
          continue;
        }
      g_ptr_array_add (self->trusted_proxies, unmap_address (address));
    }
}
