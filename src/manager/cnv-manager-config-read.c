/* cnv-manager-config-read.c — the values of the manager's configuration, group by group
 *
 * Each value is read, checked and normalised here: strings, paths (relative to the file's
 * directory), numbers, sizes and durations; `[manager]`; the listen address, public URL and
 * trusted proxies of `[gateway]`. A mistake is reported on its key, as one sentence that says what
 * is expected (cnv-manager-config-check.c keeps the problems). The mail accounts of `[imap]`,
 * `[imap NAME]` and `[smtp]` are read in cnv-manager-config-accounts.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "cnv-manager-config-private.h"

#define MIN_MESSAGE_SIZE  (1024)
#define MAX_MESSAGE_SIZE  ((gsize) 1024 * 1024 * 1024)
#define MAX_JOIN_EARLY    G_TIME_SPAN_DAY

/* ---- Reading values ---------------------------------------------------------------------- */

/* GKeyFile has no end-of-line comments: `key = value  # note` gives the value "value  # note". */
const char *
cnv_config_comment_hint (const char *value)
{
  return strstr (value, " #") != NULL || strstr (value, "\t#") != NULL
         ? " (a # starts a comment only at the beginning of a line)" : "";
}

/* The value, white space stripped; NULL when the key is absent (or reported unreadable). */
char *
cnv_config_read_string (CnvConfigLoader *loader,
                        const char      *group,
                        const char      *key)
{
  g_autoptr(GError) error = NULL;
  char *value;

  if (!g_key_file_has_key (loader->key_file, group, key, NULL))
    return NULL;
  /* GKeyFile returns the raw value and an error for an invalid escape sequence. */
  value = g_key_file_get_string (loader->key_file, group, key, &error);
  if (error != NULL)
    {
      g_free (value);
      if (g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE))
        report_error (loader, group, key, "the value cannot be read: a backslash starts an escape "
                      "(\\s, \\n, \\t, \\r, \\\\): write \\\\ for a backslash");
      else
        report_error (loader, group, key, "the value cannot be read: %s", error->message);
      return NULL;
    }
  return g_strstrip (value);
}

/* The value, or NULL when absent; an empty value is reported (it is always a mistake). */
char *
cnv_config_read_nonempty (CnvConfigLoader *loader,
                          const char      *group,
                          const char      *key,
                          const char      *expected)
{
  g_autofree char *value = cnv_config_read_string (loader, group, key);

  if (value != NULL && *value == '\0')
    {
      report_error (loader, group, key, "the value is empty: expected %s (or remove the line)",
                    expected);
      return NULL;
    }
  return g_steal_pointer (&value);
}

gboolean
cnv_config_has_control (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

char *
cnv_config_read_path (CnvConfigLoader *loader,
                      const char      *group,
                      const char      *key)
{
  g_autofree char *value = cnv_config_read_nonempty (loader, group, key, "a file name");

  if (value == NULL)
    return NULL;
  if (cnv_config_has_control (value))
    {
      report_error (loader, group, key, "the file name holds a control character");
      return NULL;
    }
  return g_canonicalize_filename (value, loader->base_dir);
}

gboolean
cnv_config_read_uint (CnvConfigLoader *loader,
                      const char      *group,
                      const char      *key,
                      guint64          min,
                      guint64          max,
                      guint64         *out)
{
  g_autofree char *value = cnv_config_read_nonempty (loader, group, key, "a whole number");
  guint64 number;

  if (value == NULL)
    return FALSE;
  if (!g_ascii_string_to_unsigned (value, 10, min, max, &number, NULL))
    {
      g_autofree char *shown = cnv_config_excerpt (value);

      report_error (loader, group, key, "“%s” is not a whole number from %" G_GUINT64_FORMAT
                    " to %" G_GUINT64_FORMAT "%s", shown, min, max,
                    cnv_config_comment_hint (value));
      return FALSE;
    }
  *out = number;
  return TRUE;
}

/* `10M`, `512k`, `10 MiB`, `1G` or a number of bytes; binary multiples. */
static gboolean
parse_size (const char *text,
            guint64    *out)
{
  static const struct { const char *unit; guint shift; } units[] = {
    { "", 0 }, { "b", 0 },
    { "k", 10 }, { "kb", 10 }, { "kib", 10 },
    { "m", 20 }, { "mb", 20 }, { "mib", 20 },
    { "g", 30 }, { "gb", 30 }, { "gib", 30 },
  };
  const char *p = text;
  guint64 number = 0;

  if (!g_ascii_isdigit (*p))
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      if (number > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      number = number * 10 + (guint64) (*p - '0');
    }
  while (*p == ' ')
    p++;
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (g_ascii_strcasecmp (p, units[i].unit) == 0)
      {
        if (number > (G_MAXUINT64 >> units[i].shift))
          return FALSE;
        *out = number << units[i].shift;
        return TRUE;
      }
  return FALSE;
}

/* "0", "0m", "0s", "0h": cnv_duration_parse() refuses an empty duration. */
static gboolean
is_zero_duration (const char *text)
{
  gsize zeros = strspn (text, "0");

  if (zeros == 0)
    return FALSE;
  text += zeros;
  while (*text == ' ')
    text++;
  return *text == '\0' || ((*text == 's' || *text == 'm' || *text == 'h') && text[1] == '\0');
}

static gboolean
read_duration (CnvConfigLoader *loader,
               const char      *group,
               const char      *key,
               gboolean         allow_zero,
               GTimeSpan        max,
               GTimeSpan       *out)
{
  const char *expected = allow_zero ? "a duration such as 10m, 1h or PT15M, or 0"
                                    : "a duration such as 45m, 1h30m or PT1H";
  g_autofree char *value = cnv_config_read_nonempty (loader, group, key, expected);
  GTimeSpan span;

  if (value == NULL)
    return FALSE;
  if (allow_zero && is_zero_duration (value))
    span = 0;
  else if (!cnv_duration_parse (value, &span))
    {
      g_autofree char *shown = cnv_config_excerpt (value);

      report_error (loader, group, key, "“%s” is not a duration: expected %s%s", shown, expected,
                    cnv_config_comment_hint (value));
      return FALSE;
    }
  if (span > max)
    {
      g_autofree char *shown = cnv_config_excerpt (value);

      report_error (loader, group, key, "“%s” is too long: at most %" G_GINT64_FORMAT " hours",
                    shown, max / G_TIME_SPAN_HOUR);
      return FALSE;
    }
  *out = span;
  return TRUE;
}

/* A host name or an IP address literal (IPv6 without brackets), in ASCII (IDNA). */
char *
cnv_config_normalize_host (const char *host)
{
  g_autofree char *ascii = NULL;

  if (*host == '\0' || strlen (host) > 253)
    return NULL;
  if (g_hostname_is_ip_address (host))
    return g_strdup (host);
  ascii = g_hostname_is_non_ascii (host) ? g_hostname_to_ascii (host) : g_strdup (host);
  if (ascii == NULL)
    return NULL;
  for (const char *p = ascii; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
      return NULL;
  if (*ascii == '.' || *ascii == '-')
    return NULL;
  return g_ascii_strdown (ascii, -1);
}

static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* ---- [manager] --------------------------------------------------------------------------- */

char **
cnv_config_split_list (const char *value)
{
  /* Both `a;b` (GKeyFile lists) and `a, b` (what people type) are accepted. */
  return g_strsplit_set (value, ";,", -1);
}

static void
load_accredited_domains (CnvConfigLoader *loader,
                         const char      *value)
{
  CnvManagerConfig *self = loader->config;
  g_autoptr(GPtrArray) domains = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) items = cnv_config_split_list (value);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *probe = NULL;
      g_autofree char *domain = NULL;
      const char *item = g_strstrip (items[i]);

      if (*item == '@')
        item++;
      if (*item == '\0')
        continue;
      if (strchr (item, '@') != NULL || strchr (item, '*') != NULL)
        {
          g_autofree char *shown = cnv_config_excerpt (item);

          report_error (loader, "manager", "accredited-domains",
                        "“%s” is not a domain: expected names such as example.org;example.net "
                        "(a domain accredits its own addresses, not its subdomains)", shown);
          continue;
        }
      /* A domain is normalised as the domain of an address is: IDNA, lower case. */
      {
        g_autofree char *address = g_strconcat ("postmaster@", item, NULL);

        probe = cnv_address_normalize (address, &error);
      }
      if (probe == NULL)
        {
          g_autofree char *shown = cnv_config_excerpt (item);

          report_error (loader, "manager", "accredited-domains",
                        "“%s” is not a domain name: expected names such as example.org;example.net",
                        shown);
          continue;
        }
      domain = cnv_address_get_domain (probe);
      if (!g_ptr_array_find_with_equal_func (domains, domain, g_str_equal, NULL))
        g_ptr_array_add (domains, g_steal_pointer (&domain));
    }
  g_ptr_array_add (domains, NULL);
  g_strfreev (self->accredited_domains);
  self->accredited_domains = (char **) g_ptr_array_free (g_steal_pointer (&domains), FALSE);
}

void
cnv_config_load_manager (CnvConfigLoader *loader)
{
  CnvManagerConfig *self = loader->config;
  const char *group = "manager";
  g_autofree char *zone_name = NULL;
  g_autofree char *invite_at = NULL;
  g_autofree char *authserv_id = NULL;
  g_autofree char *domains = NULL;
  g_autofree char *size = NULL;
  g_autofree char *database = NULL;
  guint64 number;

  zone_name = cnv_config_read_nonempty (loader, group, "timezone",
                                        "an IANA zone such as Europe/Paris, or UTC");
  if (zone_name != NULL)
    {
      GTimeZone *zone = cnv_time_zone_lookup (zone_name);

      if (zone == NULL)
        {
          g_autofree char *shown = cnv_config_excerpt (zone_name);

          report_error (loader, group, "timezone", "“%s” is not a time zone: expected an IANA "
                        "name such as Europe/Paris, or UTC%s", shown,
                        cnv_config_comment_hint (zone_name));
        }
      else
        {
          g_time_zone_unref (self->zone);
          self->zone = zone;
          g_free (self->zone_name);
          self->zone_name = g_steal_pointer (&zone_name);
        }
    }

  read_duration (loader, group, "default-duration", FALSE, 31 * G_TIME_SPAN_DAY,
                 &self->default_duration);
  read_duration (loader, group, "join-early", TRUE, MAX_JOIN_EARLY, &self->join_early);

  database = cnv_config_read_path (loader, group, "database");
  if (database != NULL)
    {
      g_free (self->database);
      self->database = g_steal_pointer (&database);
    }

  invite_at = cnv_config_read_nonempty (loader, group, "invite-at", "request or start");
  if (invite_at != NULL)
    {
      if (g_ascii_strcasecmp (invite_at, "request") == 0)
        self->invite_at = CNV_INVITE_AT_REQUEST;
      else if (g_ascii_strcasecmp (invite_at, "start") == 0)
        self->invite_at = CNV_INVITE_AT_START;
      else
        {
          g_autofree char *shown = cnv_config_excerpt (invite_at);

          report_error (loader, group, "invite-at", "“%s” is not one of request (invitations go "
                        "out when the request is accepted) or start (at the session's start)%s",
                        shown, cnv_config_comment_hint (invite_at));
        }
    }

  /* RFC 8601 §2.5: the authserv-id names the host that added Authentication-Results; only such
   * headers are believed. */
  authserv_id = cnv_config_read_nonempty (loader, group, "trusted-authserv-id", "the authserv-id "
                                          "of your mail server, such as mx.example.org");
  if (authserv_id != NULL)
    {
      gboolean valid = strlen (authserv_id) <= 255;

      for (const char *p = authserv_id; valid && *p != '\0'; p++)
        valid = g_ascii_isgraph (*p) && *p != ';' && *p != '(' && *p != ')' && *p != '"';
      if (!valid)
        {
          g_autofree char *shown = cnv_config_excerpt (authserv_id);

          report_error (loader, group, "trusted-authserv-id", "“%s” is not an authserv-id: "
                        "expected one word such as mx.example.org, as your mail server writes it "
                        "first in Authentication-Results", shown);
        }
      else
        self->trusted_authserv_id = g_steal_pointer (&authserv_id);
    }

  domains = cnv_config_read_string (loader, group, "accredited-domains");
  if (domains != NULL)
    load_accredited_domains (loader, domains);

  if (cnv_config_read_uint (loader, group, "max-participants", 1, 10000, &number))
    self->max_participants = number;
  if (cnv_config_read_uint (loader, group, "max-requests-per-hour", 1, 100000, &number))
    self->max_requests_per_hour = number;

  size = cnv_config_read_nonempty (loader, group, "max-message-size",
                                   "a size such as 10M, 512k or 1048576");
  if (size != NULL)
    {
      guint64 bytes = 0;

      if (!parse_size (size, &bytes))
        {
          g_autofree char *shown = cnv_config_excerpt (size);

          report_error (loader, group, "max-message-size", "“%s” is not a size: expected a "
                        "number of bytes, or one with k, M or G such as 512k or 10M%s",
                        shown, cnv_config_comment_hint (size));
        }
      else if (bytes < MIN_MESSAGE_SIZE || bytes > MAX_MESSAGE_SIZE)
        {
          g_autofree char *shown = cnv_config_excerpt (size);

          report_error (loader, group, "max-message-size",
                        "“%s” is out of range: expected from 1k to 1G", shown);
        }
      else
        self->max_message_size = bytes;
    }
}

/* ---- [gateway] --------------------------------------------------------------------------- */

/* `PORT`, `HOST:PORT` or `[IPv6]:PORT`; HOST is an IP address or localhost. */
static gboolean
parse_listen (const char  *value,
              const char **reason)
{
  g_autofree char *host = NULL;
  const char *port_text;
  guint64 port;

  if (value[strspn (value, "0123456789")] == '\0')
    port_text = value;
  else if (value[0] == '[')
    {
      const char *close = strchr (value, ']');
      g_autoptr(GInetAddress) address = NULL;

      if (close == NULL || close[1] != ':')
        {
          *reason = "an IPv6 address is written [address]:PORT, such as [::1]:8080";
          return FALSE;
        }
      host = g_strndup (value + 1, close - value - 1);
      address = g_inet_address_new_from_string (host);
      if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
        {
          *reason = "the address inside [] is not an IPv6 address";
          return FALSE;
        }
      port_text = close + 2;
    }
  else
    {
      const char *colon = strrchr (value, ':');

      if (colon == NULL)
        {
          *reason = "the port is missing: expected PORT, HOST:PORT or [IPv6]:PORT";
          return FALSE;
        }
      host = g_strndup (value, colon - value);
      if (strchr (host, ':') != NULL)
        {
          *reason = "an IPv6 address is written in brackets, such as [::1]:8080";
          return FALSE;
        }
      if (g_ascii_strcasecmp (host, "localhost") != 0)
        {
          g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

          if (address == NULL)
            {
              *reason = "the host is not an IP address: expected an address of this machine "
                        "such as 127.0.0.1 or 0.0.0.0, or localhost";
              return FALSE;
            }
        }
      port_text = colon + 1;
    }

  if (!g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL))
    {
      *reason = "the port is not a number from 1 to 65535";
      return FALSE;
    }
  return TRUE;
}

/* The base of the personal links (`BASE/s/ID?t=TOKEN`): https, or http on this machine only
 * (a token must never cross a network in clear). Returned without a trailing slash. */
static char *
normalize_public_url (const char  *value,
                      const char **reason)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  const char *scheme;
  gsize len;

  uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      *reason = "not an absolute URL: expected the gateway's address as participants reach it, "
                "such as https://convene.example.org";
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      *reason = "the URL must start with https://";
      return NULL;
    }
  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL)
    {
      *reason = "the URL must hold no user name, no ?query and no #fragment: the join links are "
                "built from it";
      return NULL;
    }
  host = cnv_config_normalize_host (g_uri_get_host (uri));
  if (host == NULL)
    {
      *reason = "the URL's host is not a host name";
      return NULL;
    }
  if (g_ascii_strcasecmp (scheme, "http") == 0 && !is_loopback_host (host))
    {
      *reason = "http would send the participants' personal links unencrypted: use https "
                "(http is only for localhost)";
      return NULL;
    }

  path = g_strdup (g_uri_get_path (uri));
  len = strlen (path);
  while (len > 0 && path[len - 1] == '/')
    path[--len] = '\0';

  return g_uri_join (G_URI_FLAGS_NONE, g_ascii_strcasecmp (scheme, "https") == 0 ? "https" : "http",
                     NULL, host, g_uri_get_port (uri), path, NULL, NULL);
}

/* The join gateway counts failures per client address; behind a reverse proxy every request
 * comes from the proxy, and the client is the last X-Forwarded-For entry that the proxy added.
 * Only the proxies listed here are believed: each is one machine, named by its address. */
static const char *
proxy_hint (const char *item)
{
  if (strchr (item, '/') != NULL)
    return " (one address per proxy: ranges are not accepted)";
  if (*item == '[')
    return " (write an IPv6 address without brackets)";
  if (strchr (item, '.') != NULL && strchr (item, ':') != NULL)
    return " (write the address without a port)";
  return cnv_config_comment_hint (item);
}

static void
load_trusted_proxies (CnvConfigLoader *loader,
                      const char      *value)
{
  CnvManagerConfig *self = loader->config;
  g_autoptr(GPtrArray) proxies = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto(GStrv) items = cnv_config_split_list (value);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autoptr(GInetAddress) address = NULL;
      g_autofree char *text = NULL;
      const char *item = g_strstrip (items[i]);

      if (*item == '\0')
        continue;
      address = g_inet_address_new_from_string (item);
      if (address == NULL)
        {
          g_autofree char *shown = cnv_config_excerpt (item);

          report_error (loader, "gateway", "trusted-proxies", "“%s” is not an IP address: expected "
                        "the addresses of your reverse proxies, such as 127.0.0.1;::1%s", shown,
                        proxy_hint (item));
          continue;
        }
      /* No request comes from 0.0.0.0 or ::: whoever writes it means every client, and believing
       * every client's X-Forwarded-For would let each choose the address its failures count
       * against. */
      if (g_inet_address_get_is_any (address))
        {
          g_autofree char *shown = cnv_config_excerpt (item);

          report_error (loader, "gateway", "trusted-proxies", "“%s” is no proxy's address: list "
                        "the address each reverse proxy connects from, such as 127.0.0.1", shown);
          continue;
        }
      /* One spelling per address (0:0:0:0:0:0:0:1 is ::1), as the gateway compares them. */
      text = g_inet_address_to_string (address);
      if (!g_hash_table_contains (seen, text))
        {
          g_hash_table_add (seen, text);
          g_ptr_array_add (proxies, g_steal_pointer (&text));
        }
    }
  g_ptr_array_add (proxies, NULL);
  g_strfreev (self->trusted_proxies);
  self->trusted_proxies = (char **) g_ptr_array_free (g_steal_pointer (&proxies), FALSE);
}

void
cnv_config_load_gateway (CnvConfigLoader *loader)
{
  CnvManagerConfig *self = loader->config;
  const char *group = "gateway";
  g_autofree char *listen = NULL;
  g_autofree char *public_url = NULL;
  g_autofree char *proxies = NULL;
  const char *reason = NULL;

  listen = cnv_config_read_nonempty (loader, group, "listen", "PORT, HOST:PORT or [IPv6]:PORT");
  if (listen != NULL)
    {
      if (!parse_listen (listen, &reason))
        {
          g_autofree char *shown = cnv_config_excerpt (listen);

          report_error (loader, group, "listen", "“%s”: %s%s", shown, reason,
                        cnv_config_comment_hint (listen));
        }
      else
        {
          g_free (self->gateway_listen);
          self->gateway_listen = g_steal_pointer (&listen);
        }
    }

  public_url = cnv_config_read_nonempty (loader, group, "public-url", "the gateway's URL, such as "
                                         "https://convene.example.org");
  if (public_url != NULL)
    {
      g_autofree char *normalized = normalize_public_url (public_url, &reason);

      if (normalized == NULL)
        {
          g_autofree char *shown = cnv_config_excerpt (public_url);

          report_error (loader, group, "public-url", "“%s”: %s%s", shown, reason,
                        cnv_config_comment_hint (public_url));
        }
      else
        self->public_url = g_steal_pointer (&normalized);
    }

  proxies = cnv_config_read_string (loader, group, "trusted-proxies");
  if (proxies != NULL)
    load_trusted_proxies (loader, proxies);
}
