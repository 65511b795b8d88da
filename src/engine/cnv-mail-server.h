/* cnv-mail-server.h — where and how to reach an IMAP or SMTP server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * CnvMailSecurity:
 * @CNV_MAIL_SECURITY_TLS: implicit TLS from the first byte (IMAPS 993, SMTPS 465)
 * @CNV_MAIL_SECURITY_STARTTLS: plain connection upgraded with STARTTLS before anything else is sent;
 *   a server that does not offer STARTTLS is an error, never a silent downgrade
 * @CNV_MAIL_SECURITY_NONE: no encryption; a password is then only ever sent to a loopback
 *   address (cnv_mail_server_may_send_secret())
 */
typedef enum
{
  CNV_MAIL_SECURITY_TLS,
  CNV_MAIL_SECURITY_STARTTLS,
  CNV_MAIL_SECURITY_NONE,
} CnvMailSecurity;

/**
 * CnvMailAuth:
 * @CNV_MAIL_AUTH_AUTO: the best mechanism the server offers (PLAIN, else LOGIN)
 * @CNV_MAIL_AUTH_PLAIN: SASL PLAIN (RFC 4616)
 * @CNV_MAIL_AUTH_LOGIN: IMAP LOGIN command / SASL LOGIN for SMTP
 * @CNV_MAIL_AUTH_XOAUTH2: SASL XOAUTH2; the secret is an OAuth 2.0 access token
 */
typedef enum
{
  CNV_MAIL_AUTH_AUTO,
  CNV_MAIL_AUTH_PLAIN,
  CNV_MAIL_AUTH_LOGIN,
  CNV_MAIL_AUTH_XOAUTH2,
} CnvMailAuth;

/**
 * CnvMailServer:
 * @host: host name or address literal
 * @port: TCP port; 0 means the protocol's default for @security
 * @security: how the connection is protected
 * @auth: the authentication mechanism
 * @user: (nullable): the login name; %NULL for no authentication
 * @ca_file: (nullable): a PEM file of the certificate authorities to trust instead of the
 *   system's; certificates are always verified, against this file or the system store
 * @helo_name: (nullable): the name given in SMTP EHLO (default: "localhost")
 * @keep_alive: SMTP: keep the connection open after a submission, for the next one to the same
 *   server as the same user (a daemon that sends many mails saves a TLS handshake and an AUTH per
 *   mail); libcurl checks that a kept connection is alive before it reuses it. Default: %FALSE
 *   (one connection per submission, ended with QUIT)
 *
 * The password is not part of it: it reaches the engine through #CnvCredentials at the moment
 * of connecting, and is never stored in settings or logged.
 */
typedef struct
{
  char            *host;
  guint16          port;
  CnvMailSecurity  security;
  CnvMailAuth      auth;
  char            *user;
  char            *ca_file;
  char            *helo_name;
  gboolean         keep_alive;
} CnvMailServer;

#define CNV_TYPE_MAIL_SERVER (cnv_mail_server_get_type ())

GType          cnv_mail_server_get_type        (void) G_GNUC_CONST;
CnvMailServer *cnv_mail_server_new             (const char          *host,
                                                guint16              port,
                                                CnvMailSecurity      security);
CnvMailServer *cnv_mail_server_copy            (const CnvMailServer *self);
void           cnv_mail_server_free            (CnvMailServer       *self);
guint16        cnv_mail_server_get_imap_port   (const CnvMailServer *self);
guint16        cnv_mail_server_get_smtp_port   (const CnvMailServer *self);
gboolean       cnv_mail_security_from_string   (const char          *text,
                                                CnvMailSecurity     *security);
const char    *cnv_mail_security_to_string     (CnvMailSecurity      security);
GTlsDatabase  *cnv_mail_server_get_tls_database (const CnvMailServer *self,
                                                 GError             **error);
gboolean       cnv_mail_server_may_send_secret  (const CnvMailServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvMailServer, cnv_mail_server_free)

G_END_DECLS
