/* cnv-manager-backend-jitsi.c — the `jitsi` backend: its options, its secret file and the JWT of
 * each participant
 *
 * A room of a Jitsi Meet server with token authentication; each participant joins with a JWT
 * (RFC 7519) signed with HS256 (RFC 7518 §3.2), valid for the session's window. The secret is
 * read once, when the configuration is, and never logged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-backend"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "cnv-manager-backend-private.h"

#define DEFAULT_JITSI_AUDIENCE "jitsi"

/* Configuration --------------------------------------------------------------------------- */

static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* The secret is read once, here; the file must be the manager's alone (as ssh insists for its
 * keys): whoever reads it can mint tokens for any room. */
static gboolean
read_secret (CnvManagerBackend  *self,
             const char         *path,
             GError            **error)
{
  const char *key = "jitsi-secret-file";
  g_autofree guint8 *buffer = NULL;
  struct stat st;
  gsize len = 0;
  int saved_errno;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      saved_errno = errno;
      return cnv_backend_set_config_error (error, self->group, key, "cannot open “%s”: %s", path,
                                           g_strerror (saved_errno));
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return cnv_backend_set_config_error (error, self->group, key, "“%s” is not a regular file",
                                           path);
    }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    {
      close (fd);
      return cnv_backend_set_config_error (error, self->group, key,
                                           "“%s” is open to other users (mode %04o): chmod 600 it",
                                           path, (unsigned) (st.st_mode & 07777));
    }

  buffer = g_malloc0 (MAX_SECRET_SIZE + 1);
  while (len < MAX_SECRET_SIZE + 1)
    {
      gssize n = read (fd, buffer + len, MAX_SECRET_SIZE + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved_errno = errno;
          close (fd);
          explicit_bzero (buffer, MAX_SECRET_SIZE + 1);
          return cnv_backend_set_config_error (error, self->group, key, "cannot read “%s”: %s",
                                               path, g_strerror (saved_errno));
        }
      if (n == 0)
        break;
      len += n;
    }
  close (fd);

  if (len > MAX_SECRET_SIZE)
    {
      explicit_bzero (buffer, MAX_SECRET_SIZE + 1);
      return cnv_backend_set_config_error (error, self->group, key,
                                           "“%s” is longer than %d bytes: is it the secret?", path,
                                           MAX_SECRET_SIZE);
    }
  /* `echo SECRET > file` adds a newline that is not part of the secret. */
  while (len > 0 && strchr ("\r\n\t ", buffer[len - 1]) != NULL)
    buffer[--len] = '\0';
  if (len == 0)
    return cnv_backend_set_config_error (error, self->group, key, "“%s” is empty", path);

  self->jitsi_secret = g_steal_pointer (&buffer);
  self->jitsi_secret_len = len;
  return TRUE;
}

gboolean
cnv_manager_backend_load_jitsi (CnvManagerBackend  *self,
                                GKeyFile           *key_file,
                                GError            **error)
{
  g_autofree char *url = NULL;
  g_autofree char *secret_file = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *host;
  gsize len;

  url = cnv_backend_get_value (key_file, self->group, "jitsi-url");
  if (url == NULL)
    return cnv_backend_set_config_error (error, self->group, "jitsi-url",
                                         "missing (the https:// URL of the Jitsi Meet server)");
  uri = cnv_backend_parse_http_url (url);
  if (uri == NULL)
    return cnv_backend_set_config_error (error, self->group, "jitsi-url",
                                         "“%s” is not an https:// or http:// URL", url);
  host = g_uri_get_host (uri);
  /* The token travels in the URL: in clear text only to this machine. */
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 && !is_loopback_host (host))
    return cnv_backend_set_config_error (error, self->group, "jitsi-url",
                                         "“%s” must use https:// (http:// only for a loopback "
                                         "host)", url);
  if (g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL)
    return cnv_backend_set_config_error (error, self->group, "jitsi-url",
                                         "“%s” must have no user, query or fragment (rooms are "
                                         "added to its path)", url);
  len = strlen (url);
  while (len > 0 && url[len - 1] == '/')
    url[--len] = '\0';
  self->jitsi_url = g_steal_pointer (&url);

  self->jitsi_app_id = cnv_backend_get_value (key_file, self->group, "jitsi-app-id");
  if (self->jitsi_app_id == NULL)
    return cnv_backend_set_config_error (error, self->group, "jitsi-app-id",
                                         "missing (the app_id of the server's token "
                                         "authentication, the JWT issuer)");

  secret_file = cnv_backend_get_value (key_file, self->group, "jitsi-secret-file");
  if (secret_file == NULL)
    return cnv_backend_set_config_error (error, self->group, "jitsi-secret-file",
                                         "missing (a file, mode 600, that holds the app_secret "
                                         "of the server)");
  if (!read_secret (self, secret_file, error))
    return FALSE;

  self->jitsi_audience = cnv_backend_get_value (key_file, self->group, "jitsi-audience");
  if (self->jitsi_audience == NULL)
    self->jitsi_audience = g_strdup (DEFAULT_JITSI_AUDIENCE);
  self->jitsi_subject = cnv_backend_get_value (key_file, self->group, "jitsi-subject");
  if (self->jitsi_subject == NULL)
    self->jitsi_subject = g_strdup (host);
  return TRUE;
}

/* Rooms and tokens -------------------------------------------------------------------------- */

/* RFC 7515 §2: base64url without padding. */
static char *
base64url_encode (const guint8 *data,
                  gsize         len)
{
  char *text = g_base64_encode (data, len);

  for (char *p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }
  return text;
}

char *
cnv_manager_backend_jitsi_room_url (CnvManagerBackend       *self,
                                    const CnvBackendSession *session)
{
  g_autoptr(GString) url = g_string_new (self->jitsi_url);

  g_string_append_c (url, '/');
  cnv_backend_append_escaped (url, session->room);
  return g_string_free (g_steal_pointer (&url), FALSE);
}

/* The JWT of Jitsi Meet's token authentication (prosody's mod_auth_token): RFC 7519 claims, the
 * room, and the participant in `context.user`. The values come from mail: the JSON is built by
 * json-glib, never by pasting strings. */
char *
cnv_manager_backend_jitsi_token (CnvManagerBackend       *self,
                                 const CnvBackendSession *session,
                                 const char              *address,
                                 const char              *name)
{
  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GHmac) hmac = NULL;
  g_autofree char *valid_address = g_utf8_make_valid (address, -1);
  g_autofree char *valid_name = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *header_part = NULL;
  g_autofree char *payload_part = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature_part = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  gsize payload_len = 0;

  valid_name = g_utf8_make_valid (name != NULL && *name != '\0' ? name : address, -1);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "iss");
  json_builder_add_string_value (builder, self->jitsi_app_id);
  json_builder_set_member_name (builder, "aud");
  json_builder_add_string_value (builder, self->jitsi_audience);
  json_builder_set_member_name (builder, "sub");
  json_builder_add_string_value (builder, self->jitsi_subject);
  json_builder_set_member_name (builder, "room");
  json_builder_add_string_value (builder, session->room != NULL ? session->room : "");
  json_builder_set_member_name (builder, "nbf");
  json_builder_add_int_value (builder, session->not_before);
  json_builder_set_member_name (builder, "exp");
  json_builder_add_int_value (builder, session->end);
  json_builder_set_member_name (builder, "iat");
  json_builder_add_int_value (builder, g_get_real_time () / G_USEC_PER_SEC);
  json_builder_set_member_name (builder, "context");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "user");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, valid_address);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, valid_name);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  payload = json_generator_to_data (generator, &payload_len);

  header_part = base64url_encode ((const guint8 *) header, strlen (header));
  payload_part = base64url_encode ((const guint8 *) payload, payload_len);
  signing_input = g_strconcat (header_part, ".", payload_part, NULL);

  /* RFC 7518 §3.2: HMAC-SHA256 over the ASCII of "HEADER.PAYLOAD". */
  hmac = g_hmac_new (G_CHECKSUM_SHA256, self->jitsi_secret, self->jitsi_secret_len);
  g_hmac_update (hmac, (const guchar *) signing_input, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  signature_part = base64url_encode (digest, digest_len);

  return g_strconcat (signing_input, ".", signature_part, NULL);
}
