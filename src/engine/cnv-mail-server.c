/* cnv-mail-server.c — where and how to reach an IMAP or SMTP server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-mail"

#include "config.h"

#include "cnv-mail-server.h"

G_DEFINE_BOXED_TYPE (CnvMailServer, cnv_mail_server, cnv_mail_server_copy, cnv_mail_server_free)

/**
 * cnv_mail_server_new:
 * @host: the host name
 * @port: the port, or 0 for the protocol's default
 * @security: how the connection is protected
 *
 * Returns: (transfer full): a server description with no user (no authentication) and the
 *   system's certificate authorities
 */
CnvMailServer *
cnv_mail_server_new (const char      *host,
                     guint16          port,
                     CnvMailSecurity  security)
{
  CnvMailServer *self;

  g_return_val_if_fail (host != NULL, NULL);

  self = g_new0 (CnvMailServer, 1);
  self->host = g_strdup (host);
  self->port = port;
  self->security = security;
  self->auth = CNV_MAIL_AUTH_AUTO;
  return self;
}

CnvMailServer *
cnv_mail_server_copy (const CnvMailServer *self)
{
  CnvMailServer *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (CnvMailServer, 1);
  copy->host = g_strdup (self->host);
  copy->port = self->port;
  copy->security = self->security;
  copy->auth = self->auth;
  copy->user = g_strdup (self->user);
  copy->ca_file = g_strdup (self->ca_file);
  copy->helo_name = g_strdup (self->helo_name);
  copy->keep_alive = self->keep_alive;
  return copy;
}

void
cnv_mail_server_free (CnvMailServer *self)
{
  if (self == NULL)
    return;
  g_free (self->host);
  g_free (self->user);
  g_free (self->ca_file);
  g_free (self->helo_name);
  g_free (self);
}

/* RFC 8314 §3.3 (IMAPS 993), RFC 9051 §2.1 (IMAP 143). */
guint16
cnv_mail_server_get_imap_port (const CnvMailServer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  if (self->port != 0)
    return self->port;
  return self->security == CNV_MAIL_SECURITY_TLS ? 993 : 143;
}

/* RFC 8314 §3.3 (submissions 465), RFC 6409 §3.1 (submission 587). */
guint16
cnv_mail_server_get_smtp_port (const CnvMailServer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  if (self->port != 0)
    return self->port;
  return self->security == CNV_MAIL_SECURITY_TLS ? 465 : 587;
}

/**
 * cnv_mail_security_from_string:
 * @text: "tls", "starttls" or "none" (the configuration's words)
 * @security: (out): the value
 *
 * Returns: %FALSE when @text is none of the words
 */
gboolean
cnv_mail_security_from_string (const char      *text,
                               CnvMailSecurity *security)
{
  g_return_val_if_fail (security != NULL, FALSE);

  if (g_strcmp0 (text, "tls") == 0)
    *security = CNV_MAIL_SECURITY_TLS;
  else if (g_strcmp0 (text, "starttls") == 0)
    *security = CNV_MAIL_SECURITY_STARTTLS;
  else if (g_strcmp0 (text, "none") == 0)
    *security = CNV_MAIL_SECURITY_NONE;
  else
    return FALSE;
  return TRUE;
}

const char *
cnv_mail_security_to_string (CnvMailSecurity security)
{
  switch (security)
    {
    case CNV_MAIL_SECURITY_TLS:
      return "tls";
    case CNV_MAIL_SECURITY_STARTTLS:
      return "starttls";
    case CNV_MAIL_SECURITY_NONE:
      return "none";
    default:
      g_return_val_if_reached ("none");
    }
}

/**
 * cnv_mail_server_get_tls_database:
 * @self: the server
 * @error: where a CA file that cannot be read is reported
 *
 * Returns: (transfer full): the database of trusted authorities: @ca_file's when set,
 *   else the system's default
 */
GTlsDatabase *
cnv_mail_server_get_tls_database (const CnvMailServer  *self,
                                  GError              **error)
{
  GTlsBackend *backend;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->ca_file != NULL)
    return g_tls_file_database_new (self->ca_file, error);

  backend = g_tls_backend_get_default ();
  return g_tls_backend_get_default_database (backend);
}

/**
 * cnv_mail_server_may_send_secret:
 * @self: the server
 *
 * A password or token may go to @self when the connection is encrypted, or when it never leaves
 * the machine: a loopback address or `localhost` (a local relay, the tests' mail stack).
 *
 * Returns: %FALSE when a secret would travel unencrypted over a network
 */
gboolean
cnv_mail_server_may_send_secret (const CnvMailServer *self)
{
  g_autoptr(GInetAddress) address = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->security != CNV_MAIL_SECURITY_NONE)
    return TRUE;
  if (g_ascii_strcasecmp (self->host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (self->host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}
