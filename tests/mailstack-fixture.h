/* mailstack-fixture.h — a real Dovecot + Postfix on loopback for the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * CnvMailstack:
 * @dir: the stack's directory (a fresh temporary directory); passwords are in
 *   `dir/passwords/USER`, mail in `dir/mail/DOMAIN/USER/Maildir`
 * @host: the address every service listens on, "127.0.0.1"
 * @imap_port: IMAP, plain text until STARTTLS (RFC 9051 §6.2.1)
 * @imaps_port: IMAP over implicit TLS (RFC 8314 §3.2)
 * @lmtp_port: Dovecot's LMTP (RFC 2033), which delivers into the mailboxes
 * @submission_port: Dovecot's submission (RFC 6409) with STARTTLS and AUTH PLAIN/LOGIN, relaying
 *   to Postfix
 * @smtp_port: the private Postfix's SMTP, no AUTH; it accepts mail for @domain only and
 *   rejects unknown recipients with 550 at RCPT
 * @ca_file: the PEM certificate of the private CA that signed the server certificate (valid
 *   for "localhost" and "127.0.0.1")
 * @domain: the users' domain, "example.test"
 * @dovecot_log: Dovecot's log; LMTP deliveries are logged with microsecond timestamps and
 *   their delivery time ("… msgid=<ID> … delivery_time=5ms: saved mail to INBOX")
 * @postfix_log: Postfix's log
 *
 * A stack started by tests/mailstack/mailstack.sh (the path in $CNV_MAILSTACK) for the users
 * alice, bob, carol, dave, videoconference and whiteboard, each with a random password.
 * Errors of these functions are in the #G_IO_ERROR domain (%G_IO_ERROR_FAILED, with the
 * script's error output in the message).
 */
typedef struct
{
  char    *dir;
  char    *host;
  guint16  imap_port;
  guint16  imaps_port;
  guint16  lmtp_port;
  guint16  submission_port;
  guint16  smtp_port;
  char    *ca_file;
  char    *domain;
  char    *dovecot_log;
  char    *postfix_log;
} CnvMailstack;

CnvMailstack *cnv_mailstack_start           (GError       **error);
CnvMailstack *cnv_mailstack_start_with_users (const char * const *extra_users,
                                             GError       **error);
void          cnv_mailstack_stop            (CnvMailstack  *self);
char         *cnv_mailstack_get_password    (CnvMailstack  *self,
                                             const char    *user);
gboolean      cnv_mailstack_restart_dovecot (CnvMailstack  *self,
                                             GError       **error);
gboolean      cnv_mailstack_stop_postfix    (CnvMailstack  *self,
                                             GError       **error);
gboolean      cnv_mailstack_start_postfix   (CnvMailstack  *self,
                                             GError       **error);
gboolean      cnv_mailstack_fill            (CnvMailstack  *self,
                                             const char    *user,
                                             guint          count,
                                             GError       **error);
gboolean      cnv_mailstack_deliver         (CnvMailstack  *self,
                                             const char    *user,
                                             GBytes        *message,
                                             GError       **error);
guint         cnv_mailstack_count_messages  (CnvMailstack  *self,
                                             const char    *user,
                                             const char    *folder);

G_END_DECLS
