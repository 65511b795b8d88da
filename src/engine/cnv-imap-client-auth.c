/* cnv-imap-client-auth.c — logging in: AUTHENTICATE PLAIN / XOAUTH2 and LOGIN
 *
 * The mechanism is the account's (CnvMailServer.auth), or PLAIN when offered and LOGIN otherwise.
 * A password is never sent over an unencrypted network connection, never traced, and its copies
 * (the SASL response, the command's buffers) are wiped once used.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include <string.h>

#include "cnv-imap-client-private.h"

typedef struct
{
  char    *initial;    /* the SASL response, base64 (secret) */
  gboolean sent;
} AuthData;

static void
auth_data_free (gpointer data)
{
  AuthData *auth = data;

  if (auth->initial != NULL)
    explicit_bzero (auth->initial, strlen (auth->initial));
  g_free (auth->initial);
  g_free (auth);
}

/* base64 (a b c); in @a, \001 stands for NUL when @nul_for_001 (SASL PLAIN's separators). */
static char *
sasl_encode (const char *a,
             const char *b,
             const char *c,
             gsize       c_len,
             gboolean    nul_for_001)
{
  gsize a_len = strlen (a), b_len = strlen (b);
  g_autofree guint8 *raw = g_malloc (a_len + b_len + c_len + 1);
  char *encoded;

  memcpy (raw, a, a_len);
  if (nul_for_001)
    for (gsize i = 0; i < a_len; i++)
      if (raw[i] == '\001')
        raw[i] = '\0';
  memcpy (raw + a_len, b, b_len);
  memcpy (raw + a_len + b_len, c, c_len);
  encoded = g_base64_encode (raw, a_len + b_len + c_len);
  explicit_bzero (raw, a_len + b_len + c_len);
  return encoded;
}

static gboolean
auth_continuation (CnvImapClient    *self,
                   CnvImapCommand   *command,
                   CnvImapResponse  *continuation,
                   GError          **error)
{
  AuthData *auth = command->data;

  if (!auth->sent)
    {
      auth->sent = TRUE;
      cnv_imap_client_send_line (self, auth->initial, "<redacted>");
    }
  else
    {
      /* RFC 7628 §3.2.3 / XOAUTH2: the server's error challenge is answered with an empty
       * response; the tagged NO follows. */
      cnv_imap_client_send_line (self, "", NULL);
    }
  return TRUE;
}

static void
auth_caps_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_imap_client_capability_finish (CNV_IMAP_CLIENT (source), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
auth_done (CnvImapClient   *self,
           CnvImapCommand  *command,
           CnvImapResponse *tagged)
{
  GTask *task = g_steal_pointer (&command->task);

  g_debug ("authenticated as %s", cnv_imap_client_get_server (self)->user);
  cnv_imap_client_set_authenticated (self);
  /* RFC 9051 §6.2.2: capabilities may change after authentication; the server may say them. */
  if (tagged->code != NULL && g_str_equal (tagged->code, "CAPABILITY"))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  cnv_imap_client_capability_async (self, g_task_get_cancellable (task), auth_caps_cb, task);
}

static void
auth_finished_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (task, TRUE);
  else if (g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_NO))
    g_task_return_new_error (task, CNV_IMAP_ERROR, CNV_IMAP_ERROR_AUTH,
                             "%s refused the user name or password for %s",
                             cnv_imap_client_get_server (CNV_IMAP_CLIENT (source))->host,
                             cnv_imap_client_get_server (CNV_IMAP_CLIENT (source))->user);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * cnv_imap_client_authenticate_async:
 * @self: a connected client
 * @secret: the password, or the OAuth 2.0 access token for %CNV_MAIL_AUTH_XOAUTH2
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Logs in as the server's @user with its @auth mechanism: AUTHENTICATE PLAIN (RFC 4616, with
 * SASL-IR when offered), LOGIN, or AUTHENTICATE XOAUTH2. The secret is never traced. A refusal is
 * %CNV_IMAP_ERROR_AUTH; a mechanism the server does not offer is %CNV_IMAP_ERROR_UNSUPPORTED.
 */
void
cnv_imap_client_authenticate_async (CnvImapClient       *self,
                                    const char          *secret,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const CnvMailServer *server;
  CnvImapCommand *command;
  CnvMailAuth mechanism;
  AuthData *auth;
  GTask *inner;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));
  g_return_if_fail (secret != NULL);

  task = cnv_imap_client_new_task (self, cancellable, callback, user_data,
                                   cnv_imap_client_authenticate_async);
  server = cnv_imap_client_get_server (self);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  if (cnv_imap_client_is_authenticated (self))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (server->user == NULL || *server->user == '\0' || strpbrk (server->user, "\r\n") != NULL
      || strpbrk (secret, "\r\n") != NULL || *secret == '\0')
    {
      cnv_imap_client_return_invalid (task,
                                      "the user name or the secret is empty or holds a line break");
      return;
    }

  if (!cnv_mail_server_may_send_secret (server))
    {
      g_task_return_new_error (task, CNV_IMAP_ERROR, CNV_IMAP_ERROR_UNSUPPORTED,
                               "Not sending the password for %s unencrypted over the network: "
                               "use TLS or STARTTLS", server->host);
      return;
    }

  mechanism = server->auth;
  if (mechanism == CNV_MAIL_AUTH_AUTO)
    mechanism = cnv_imap_client_has_capability (self, "AUTH=PLAIN") ? CNV_MAIL_AUTH_PLAIN
                                                                     : CNV_MAIL_AUTH_LOGIN;
  if ((mechanism == CNV_MAIL_AUTH_PLAIN && !cnv_imap_client_has_capability (self, "AUTH=PLAIN"))
      || (mechanism == CNV_MAIL_AUTH_XOAUTH2 && !cnv_imap_client_has_capability (self, "AUTH=XOAUTH2"))
      || (mechanism == CNV_MAIL_AUTH_LOGIN && cnv_imap_client_has_capability (self, "LOGINDISABLED")))
    {
      g_task_return_new_error (task, CNV_IMAP_ERROR, CNV_IMAP_ERROR_UNSUPPORTED,
                               "%s does not offer this way of logging in", server->host);
      return;
    }

  inner = g_task_new (self, cancellable, auth_finished_cb, g_steal_pointer (&task));
  g_task_set_source_tag (inner, auth_finished_cb);
  auth = g_new0 (AuthData, 1);

  switch (mechanism)
    {
    case CNV_MAIL_AUTH_LOGIN:
      command = cnv_imap_command_new (inner, "LOGIN");
      cnv_imap_command_append (command, "LOGIN ");
      cnv_imap_command_append_string (command, server->user, FALSE);
      cnv_imap_command_append (command, " ");
      cnv_imap_command_append_string (command, secret, TRUE);
      break;
    case CNV_MAIL_AUTH_XOAUTH2:
      {
        g_autofree char *user_part = g_strconcat ("user=", server->user, "\001auth=Bearer ", NULL);

        auth->initial = sasl_encode (user_part, secret, "\001\001", 2, FALSE);
        command = cnv_imap_command_new (inner, "AUTHENTICATE");
        cnv_imap_command_append (command, "AUTHENTICATE XOAUTH2");
      }
      break;
    case CNV_MAIL_AUTH_PLAIN:
    case CNV_MAIL_AUTH_AUTO:
    default:
      {
        /* RFC 4616 §2: [authzid] NUL authcid NUL passwd — no authzid. */
        g_autofree char *user_part = g_strconcat ("\001", server->user, "\001", NULL);

        auth->initial = sasl_encode (user_part, secret, "", 0, TRUE);
        command = cnv_imap_command_new (inner, "AUTHENTICATE");
        cnv_imap_command_append (command, "AUTHENTICATE PLAIN");
      }
      break;
    }

  if (mechanism != CNV_MAIL_AUTH_LOGIN && cnv_imap_client_has_capability (self, "SASL-IR"))
    {
      /* RFC 4959: the initial response on the command line saves a round trip. */
      cnv_imap_command_append (command, " ");
      cnv_imap_command_append_secret (command, auth->initial);
      auth->sent = TRUE;
    }
  command->data = auth;
  command->data_free = auth_data_free;
  command->continuation = auth_continuation;
  command->done = auth_done;
  cnv_imap_client_submit (self, command);
}

gboolean
cnv_imap_client_authenticate_finish (CnvImapClient  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
