/* mail-test-common.h — small helpers shared by the tests against the real mail stack
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-file-credentials.h"
#include "cnv-imap-client.h"
#include "cnv-mail-server.h"
#include "mailstack-fixture.h"
#include "test-async.h"

/* The IMAP server of @stack for @user (`bob`), verified against the stack's CA. */
static inline CnvMailServer *
stack_imap_server (CnvMailstack    *stack,
                   const char      *user,
                   CnvMailSecurity  security)
{
  CnvMailServer *server = cnv_mail_server_new (stack->host,
                                               security == CNV_MAIL_SECURITY_TLS ? stack->imaps_port
                                                                                 : stack->imap_port,
                                               security);

  server->user = g_strdup_printf ("%s@%s", user, stack->domain);
  server->ca_file = g_strdup (stack->ca_file);
  return server;
}

static inline char *
stack_password_file (CnvMailstack *stack,
                     const char   *user)
{
  return g_build_filename (stack->dir, "passwords", user, NULL);
}

static inline CnvCredentials *
stack_credentials (CnvMailstack *stack,
                   const char   *user)
{
  g_autofree char *path = stack_password_file (stack, user);

  return CNV_CREDENTIALS (cnv_file_credentials_new (path, path));
}

/* A small distinct message, CRLF. */
static inline GBytes *
make_message (const char *to,
              const char *subject,
              guint       serial)
{
  g_autofree char *text = g_strdup_printf ("From: Alice <alice@example.test>\r\n"
                                           "To: %s\r\n"
                                           "Subject: %s\r\n"
                                           "Message-ID: <test-%u-%" G_GINT64_FORMAT "@example.test>\r\n"
                                           "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n"
                                           "\r\n"
                                           "Message number %u.\r\n",
                                           to, subject, serial, g_get_real_time (), serial);

  return g_bytes_new (text, strlen (text));
}

/* A connected, logged-in client of @user; fails the test otherwise. */
static inline CnvImapClient *
open_client (CnvMailstack    *stack,
             const char      *user,
             CnvMailSecurity  security)
{
  g_autoptr(CnvMailServer) server = stack_imap_server (stack, user, security);
  g_autofree char *password = cnv_mailstack_get_password (stack, user);
  g_autoptr(CnvImapClient) client = cnv_imap_client_new (server);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  cnv_imap_client_connect_async (client, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_connect_finish (client, wait_result (&result, 30), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  cnv_imap_client_authenticate_async (client, password, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_authenticate_finish (client, wait_result (&result, 30), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  return g_steal_pointer (&client);
}

static inline CnvImapMailbox
select_mailbox (CnvImapClient *client,
                const char    *mailbox,
                gboolean       read_only)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  CnvImapMailbox info = { 0 };

  cnv_imap_client_select_async (client, mailbox, read_only, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_select_finish (client, wait_result (&result, 30), &info, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  return info;
}

/* The messages of @user's INBOX with their flags (EXAMINE: looking changes nothing). */
static inline GPtrArray *
list_flags (CnvMailstack *stack,
            const char   *user)
{
  g_autoptr(CnvImapClient) client = open_client (stack, user, CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  GPtrArray *messages;

  select_mailbox (client, "INBOX", TRUE);
  cnv_imap_client_uid_fetch_async (client, "1:*", CNV_IMAP_FETCH_FLAGS, NULL, store_result_cb, &result);
  messages = cnv_imap_client_uid_fetch_finish (client, wait_result (&result, 60), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  return messages;
}
