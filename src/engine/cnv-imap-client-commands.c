/* cnv-imap-client-commands.c — the IMAP commands Convene uses, on the client's command engine
 *
 * CAPABILITY, AUTHENTICATE PLAIN / XOAUTH2 and LOGIN, SELECT / EXAMINE, UID SEARCH, UID FETCH with
 * BODY.PEEK (never sets \Seen, RFC 9051 §6.4.5), UID STORE, APPEND, NOOP, IDLE (RFC 2177) and
 * LOGOUT. Arguments that reach the wire are checked here: a caller's string can never end a
 * command line or start another.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include <string.h>

#include "cnv-imap-client-private.h"

static GTask *
new_task (CnvImapClient       *self,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

/* A sequence set of UIDs (RFC 9051 §9 sequence-set): digits, ":", ",", "*". */
static gboolean
is_sequence_set (const char *text)
{
  return text != NULL && *text != '\0' && strspn (text, "0123456789:,*") == strlen (text)
         && strlen (text) < 100000;
}

/* Whether @uid is in the sequence set @set (already checked by is_sequence_set()). `*` stands
 * for the largest UID: as a bound it matches every UID beyond the other one (RFC 9051 §9). */
static gboolean
uid_in_set (const char *set,
            guint32     uid)
{
  g_auto(GStrv) items = g_strsplit (set, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      char *colon = strchr (items[i], ':');
      guint64 low, high;

      if (colon == NULL)
        {
          if (g_str_equal (items[i], "*") || g_ascii_strtoull (items[i], NULL, 10) == uid)
            return TRUE;
          continue;
        }
      *colon = '\0';
      low = g_str_equal (items[i], "*") ? G_MAXUINT64 : g_ascii_strtoull (items[i], NULL, 10);
      high = g_str_equal (colon + 1, "*") ? G_MAXUINT64 : g_ascii_strtoull (colon + 1, NULL, 10);
      if (low > high)
        {
          guint64 swap = low;

          low = high;
          high = swap;
        }
      if (uid >= low && uid <= high)
        return TRUE;
    }
  return FALSE;
}

/* A flag: `\Seen` or a keyword atom (RFC 9051 §2.3.2). */
static gboolean
is_flag (const char *text)
{
  const char *p = text;

  if (text == NULL)
    return FALSE;
  if (*p == '\\')
    p++;
  if (*p == '\0')
    return FALSE;
  for (; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f || strchr ("(){%*\"\\]", *p) != NULL)
      return FALSE;
  return TRUE;
}

static gboolean
append_flags (CnvImapCommand     *command,
              const char * const *flags)
{
  cnv_imap_command_append (command, "(");
  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      if (!is_flag (flags[i]))
        return FALSE;
      if (i > 0)
        cnv_imap_command_append (command, " ");
      cnv_imap_command_append (command, flags[i]);
    }
  cnv_imap_command_append (command, ")");
  return TRUE;
}

static gboolean
return_invalid (GTask      *task,
                const char *what)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Invalid IMAP argument: %s", what);
  return FALSE;
}

/* A command that is one word (CAPABILITY, NOOP, LOGOUT): submits it, or fails the task. */
static void
submit_word (CnvImapClient       *self,
             const char          *word,
             CnvImapCommandDone   done,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data,
             gpointer             source_tag)
{
  GTask *task = new_task (self, cancellable, callback, user_data, source_tag);
  CnvImapCommand *command = cnv_imap_command_new (task, word);

  cnv_imap_command_append (command, word);
  command->done = done;
  cnv_imap_client_submit (self, command);
}

/* ---- Modified UTF-7 mailbox names (RFC 3501 §5.1.3) ----------------------------------------- */

/**
 * cnv_imap_mailbox_encode:
 * @utf8: a mailbox name as the user sees it
 *
 * Returns: (transfer full) (nullable): the name in modified UTF-7 (`Entw&APw-rfe`), %NULL when
 *   @utf8 is not valid UTF-8
 */
char *
cnv_imap_mailbox_encode (const char *utf8)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
  GString *out;
  const char *p = utf8;

  g_return_val_if_fail (utf8 != NULL, NULL);

  if (!g_utf8_validate (utf8, -1, NULL))
    return NULL;

  out = g_string_new (NULL);
  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= 0x20 && c <= 0x7e)
        {
          g_string_append_c (out, (char) c);
          if (c == '&')
            g_string_append_c (out, '-');
          p = g_utf8_next_char (p);
          continue;
        }

      {
        /* A run of other characters: UTF-16BE, base64 with "," for "/", no padding. */
        GByteArray *utf16 = g_byte_array_new ();
        guint32 bits = 0;
        int nbits = 0;

        while (*p != '\0' && ((c = g_utf8_get_char (p)) < 0x20 || c > 0x7e))
          {
            gunichar2 units[2];
            int n = 1;

            if (c >= 0x10000)
              {
                units[0] = 0xd800 + ((c - 0x10000) >> 10);
                units[1] = 0xdc00 + ((c - 0x10000) & 0x3ff);
                n = 2;
              }
            else
              units[0] = (gunichar2) c;
            for (int i = 0; i < n; i++)
              {
                guint8 be[2] = { units[i] >> 8, units[i] & 0xff };

                g_byte_array_append (utf16, be, 2);
              }
            p = g_utf8_next_char (p);
          }
        g_string_append_c (out, '&');
        for (guint i = 0; i < utf16->len; i++)
          {
            bits = (bits << 8) | utf16->data[i];
            nbits += 8;
            while (nbits >= 6)
              {
                nbits -= 6;
                g_string_append_c (out, alphabet[(bits >> nbits) & 0x3f]);
              }
          }
        if (nbits > 0)
          g_string_append_c (out, alphabet[(bits << (6 - nbits)) & 0x3f]);
        g_string_append_c (out, '-');
        g_byte_array_unref (utf16);
      }
    }
  return g_string_free (out, FALSE);
}

static gboolean
append_mailbox (CnvImapClient  *self,
                CnvImapCommand *command,
                const char     *mailbox)
{
  g_autofree char *encoded = NULL;

  /* RFC 9051 §5.1: with UTF8=ACCEPT names go as UTF-8; else modified UTF-7. INBOX is special. */
  if (g_ascii_strcasecmp (mailbox, "INBOX") == 0)
    encoded = g_strdup ("INBOX");
  else if (cnv_imap_client_has_capability (self, "UTF8=ACCEPT"))
    encoded = g_utf8_validate (mailbox, -1, NULL) ? g_strdup (mailbox) : NULL;
  else
    encoded = cnv_imap_mailbox_encode (mailbox);
  if (encoded == NULL || *encoded == '\0' || strpbrk (encoded, "\r\n") != NULL)
    return FALSE;
  cnv_imap_command_append_string (command, encoded, FALSE);
  return TRUE;
}

/* ---- CAPABILITY ---------------------------------------------------------------------------- */

void
cnv_imap_client_capability_async (CnvImapClient       *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  submit_word (self, "CAPABILITY", NULL, cancellable, callback, user_data,
               cnv_imap_client_capability_async);
}

gboolean
cnv_imap_client_capability_finish (CnvImapClient  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Authentication ------------------------------------------------------------------------ */

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

  task = new_task (self, cancellable, callback, user_data, cnv_imap_client_authenticate_async);
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
      return_invalid (task, "the user name or the secret is empty or holds a line break");
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

/* ---- SELECT / EXAMINE ---------------------------------------------------------------------- */

static void
select_done (CnvImapClient   *self,
             CnvImapCommand  *command,
             CnvImapResponse *tagged)
{
  CnvImapMailbox *mailbox = g_new0 (CnvImapMailbox, 1);
  gboolean has_uidvalidity = FALSE;

  mailbox->read_only = GPOINTER_TO_INT (command->data);
  for (guint i = 0; i < command->untagged->len; i++)
    {
      CnvImapResponse *response = g_ptr_array_index (command->untagged, i);
      guint64 number;

      if (response->has_number && g_strcmp0 (response->name, "EXISTS") == 0)
        mailbox->exists = response->number;
      else if (cnv_imap_response_get_code_number (response, "UIDVALIDITY", &number)
               && number > 0 && number <= G_MAXUINT32)
        {
          mailbox->uidvalidity = (guint32) number;
          has_uidvalidity = TRUE;
        }
      else if (cnv_imap_response_get_code_number (response, "UIDNEXT", &number)
               && number <= G_MAXUINT32)
        mailbox->uidnext = (guint32) number;
    }
  if (g_strcmp0 (tagged->code, "READ-ONLY") == 0)
    mailbox->read_only = TRUE;

  if (!has_uidvalidity)
    {
      /* RFC 9051 §6.3.2: UIDVALIDITY is required; without it UIDs mean nothing. */
      GError *error = g_error_new (CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                                   "The IMAP server answered %s without a UIDVALIDITY",
                                   command->name);

      g_free (mailbox);
      g_task_return_error (command->task, g_error_copy (error));
      g_clear_object (&command->task);
      /* A protocol error closes the connection, as CNV_IMAP_ERROR_PROTOCOL says. */
      cnv_imap_client_fail (self, error);
      return;
    }
  cnv_imap_client_set_mailbox (self, mailbox);
  g_task_return_pointer (command->task, mailbox, g_free);
  g_clear_object (&command->task);
}

/**
 * cnv_imap_client_select_async:
 * @self: an authenticated client
 * @mailbox: the mailbox, UTF-8 (`INBOX`)
 * @read_only: EXAMINE instead of SELECT: nothing in the mailbox can change, not even \Recent
 *   (the app watches the user's mailbox this way)
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 */
void
cnv_imap_client_select_async (CnvImapClient       *self,
                              const char          *mailbox,
                              gboolean             read_only,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CnvImapCommand *command;
  const char *verb = read_only ? "EXAMINE" : "SELECT";

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  task = new_task (self, cancellable, callback, user_data, cnv_imap_client_select_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  command = cnv_imap_command_new (g_object_ref (task), verb);
  cnv_imap_command_append (command, verb);
  cnv_imap_command_append (command, " ");
  if (!append_mailbox (self, command, mailbox))
    {
      g_clear_object (&command->task);
      cnv_imap_command_free (command);
      return_invalid (task, "the mailbox name");
      return;
    }
  /* RFC 9051 §6.3.2: a SELECT, even a failing one, deselects the current mailbox. */
  cnv_imap_client_set_mailbox (self, NULL);
  command->data = GINT_TO_POINTER (read_only);
  command->done = select_done;
  cnv_imap_client_submit (self, command);
}

gboolean
cnv_imap_client_select_finish (CnvImapClient   *self,
                               GAsyncResult    *result,
                               CnvImapMailbox  *mailbox,
                               GError         **error)
{
  g_autofree CnvImapMailbox *selected = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  selected = g_task_propagate_pointer (G_TASK (result), error);
  if (selected == NULL)
    return FALSE;
  if (mailbox != NULL)
    *mailbox = *selected;
  return TRUE;
}

/* ---- UID SEARCH ---------------------------------------------------------------------------- */

static gint
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static void
search_done (CnvImapClient   *self,
             CnvImapCommand  *command,
             CnvImapResponse *tagged)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; i < command->untagged->len; i++)
    {
      CnvImapResponse *response = g_ptr_array_index (command->untagged, i);

      if (g_strcmp0 (response->name, "SEARCH") != 0 || response->has_number)
        continue;
      for (guint j = 0; j < response->args->len; j++)
        {
          guint64 number;

          if (cnv_imap_value_get_number (g_ptr_array_index (response->args, j), &number)
              && number > 0 && number <= G_MAXUINT32)
            {
              guint32 uid = (guint32) number;

              g_array_append_val (uids, uid);
            }
        }
    }
  g_array_sort (uids, compare_uid);
  /* Drop duplicates (several SEARCH responses may repeat a UID). */
  for (guint i = 1; i < uids->len;)
    {
      if (g_array_index (uids, guint32, i) == g_array_index (uids, guint32, i - 1))
        g_array_remove_index (uids, i);
      else
        i++;
    }
  g_task_return_pointer (command->task, uids, (GDestroyNotify) g_array_unref);
  g_clear_object (&command->task);
}

/**
 * cnv_imap_client_uid_search_async:
 * @self: a client with a selected mailbox
 * @criteria: search keys (RFC 9051 §6.4.4) in ASCII: `UID 120:*`, `UNSEEN`
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * The result is the UIDs, ascending, without duplicates. Beware `UID n:*`: it always matches
 * the highest UID, even below n (RFC 9051 §6.4.8): the caller filters.
 */
void
cnv_imap_client_uid_search_async (CnvImapClient       *self,
                                  const char          *criteria,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CnvImapCommand *command;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));
  g_return_if_fail (criteria != NULL);

  task = new_task (self, cancellable, callback, user_data, cnv_imap_client_uid_search_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  for (const char *p = criteria; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f || *p == '{')
      {
        return_invalid (task, "search criteria must be printable ASCII without literals");
        return;
      }
  command = cnv_imap_command_new (g_steal_pointer (&task), "UID SEARCH");
  cnv_imap_command_append (command, "UID SEARCH ");
  cnv_imap_command_append (command, criteria);
  command->done = search_done;
  cnv_imap_client_submit (self, command);
}

/**
 * cnv_imap_client_uid_search_finish:
 *
 * Returns: (transfer full) (element-type guint32): the UIDs found, ascending
 */
GArray *
cnv_imap_client_uid_search_finish (CnvImapClient  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- UID FETCH ----------------------------------------------------------------------------- */

void
cnv_imap_message_free (CnvImapMessage *message)
{
  if (message == NULL)
    return;
  g_strfreev (message->flags);
  g_clear_pointer (&message->header, g_bytes_unref);
  g_clear_pointer (&message->body, g_bytes_unref);
  g_free (message);
}

gboolean
cnv_imap_message_has_flag (const CnvImapMessage *message,
                           const char           *flag)
{
  g_return_val_if_fail (message != NULL, FALSE);

  for (guint i = 0; message->flags != NULL && message->flags[i] != NULL; i++)
    if (g_ascii_strcasecmp (message->flags[i], flag) == 0)
      return TRUE;
  return FALSE;
}

static gint
compare_message (gconstpointer a,
                 gconstpointer b)
{
  const CnvImapMessage *x = *(CnvImapMessage * const *) a;
  const CnvImapMessage *y = *(CnvImapMessage * const *) b;

  return x->uid < y->uid ? -1 : x->uid > y->uid;
}

typedef struct
{
  CnvImapFetchFlags  what;
  char              *uid_set;
} FetchData;

static void
fetch_data_free (gpointer data)
{
  FetchData *fetch = data;

  g_free (fetch->uid_set);
  g_free (fetch);
}

static void
fetch_done (CnvImapClient   *self,
            CnvImapCommand  *command,
            CnvImapResponse *tagged)
{
  FetchData *fetch = command->data;
  CnvImapFetchFlags what = fetch->what;
  g_autoptr(GHashTable) by_uid = g_hash_table_new (NULL, NULL);
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_imap_message_free);

  for (guint i = 0; i < command->untagged->len; i++)
    {
      CnvImapResponse *response = g_ptr_array_index (command->untagged, i);
      const CnvImapValue *value;
      CnvImapMessage *message;
      guint64 uid;

      if (g_strcmp0 (response->name, "FETCH") != 0)
        continue;
      /* RFC 9051 §6.4.9: UID FETCH responses carry the UID. An unsolicited FETCH (a flag
       * change by another client) may not: it is not an answer. */
      if (!cnv_imap_value_get_number (cnv_imap_response_get_fetch_item (response, "UID"), &uid)
          || uid == 0 || uid > G_MAXUINT32)
        continue;
      /* Dovecot reports other clients' flag changes during UID commands with their UID: a
       * message outside the requested set is not an answer either. */
      if (!uid_in_set (fetch->uid_set, (guint32) uid))
        continue;

      message = g_hash_table_lookup (by_uid, GUINT_TO_POINTER ((guint) uid));
      if (message == NULL)
        {
          message = g_new0 (CnvImapMessage, 1);
          message->uid = (guint32) uid;
          g_ptr_array_add (messages, message);
          g_hash_table_insert (by_uid, GUINT_TO_POINTER ((guint) uid), message);
        }
      message->sequence = response->number;

      value = cnv_imap_response_get_fetch_item (response, "FLAGS");
      if (value != NULL && value->kind == CNV_IMAP_VALUE_LIST)
        {
          GPtrArray *flags = g_ptr_array_new ();

          for (guint j = 0; j < value->items->len; j++)
            {
              const char *flag = cnv_imap_value_get_atom (g_ptr_array_index (value->items, j));

              if (flag != NULL)
                g_ptr_array_add (flags, g_strdup (flag));
            }
          g_ptr_array_add (flags, NULL);
          g_strfreev (message->flags);
          message->flags = (char **) g_ptr_array_free (flags, FALSE);
        }
      cnv_imap_value_get_number (cnv_imap_response_get_fetch_item (response, "RFC822.SIZE"),
                                 &message->size);
      value = cnv_imap_response_get_fetch_item (response, "BODY[HEADER]");
      if (value != NULL && value->kind == CNV_IMAP_VALUE_STRING)
        {
          g_clear_pointer (&message->header, g_bytes_unref);
          message->header = g_bytes_ref (value->bytes);
        }
      value = cnv_imap_response_get_fetch_item (response, "BODY[]");
      if (value != NULL && value->kind == CNV_IMAP_VALUE_STRING)
        {
          g_clear_pointer (&message->body, g_bytes_unref);
          message->body = g_bytes_ref (value->bytes);
        }
    }

  /* A message whose requested content never came was expunged meanwhile (RFC 9051 §6.4.5
   * lets the server omit it) or is not in the answer: it is left out, not half-filled. */
  for (guint i = 0; i < messages->len;)
    {
      CnvImapMessage *message = g_ptr_array_index (messages, i);

      if (((what & CNV_IMAP_FETCH_BODY) && message->body == NULL)
          || ((what & CNV_IMAP_FETCH_HEADER) && message->header == NULL))
        g_ptr_array_remove_index (messages, i);
      else
        i++;
    }
  g_ptr_array_sort (messages, compare_message);
  g_task_return_pointer (command->task, messages,
                         (GDestroyNotify) g_ptr_array_unref);
  g_clear_object (&command->task);
}

/**
 * cnv_imap_client_uid_fetch_async:
 * @self: a client with a selected mailbox
 * @uid_set: UIDs (`42`, `40:45`, `7,9,12`, `120:*`)
 * @what: what to fetch besides the UID; header and body use BODY.PEEK: \Seen is not set
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 */
void
cnv_imap_client_uid_fetch_async (CnvImapClient       *self,
                                 const char          *uid_set,
                                 CnvImapFetchFlags    what,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CnvImapCommand *command;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, cnv_imap_client_uid_fetch_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  if (!is_sequence_set (uid_set))
    {
      return_invalid (task, "the UID set");
      return;
    }
  command = cnv_imap_command_new (g_steal_pointer (&task), "UID FETCH");
  cnv_imap_command_append (command, "UID FETCH ");
  cnv_imap_command_append (command, uid_set);
  cnv_imap_command_append (command, " (UID");
  if (what & CNV_IMAP_FETCH_FLAGS)
    cnv_imap_command_append (command, " FLAGS");
  if (what & CNV_IMAP_FETCH_SIZE)
    cnv_imap_command_append (command, " RFC822.SIZE");
  if (what & CNV_IMAP_FETCH_HEADER)
    cnv_imap_command_append (command, " BODY.PEEK[HEADER]");
  if (what & CNV_IMAP_FETCH_BODY)
    cnv_imap_command_append (command, " BODY.PEEK[]");
  cnv_imap_command_append (command, ")");
  {
    FetchData *fetch = g_new0 (FetchData, 1);

    fetch->what = what;
    fetch->uid_set = g_strdup (uid_set);
    command->data = fetch;
    command->data_free = fetch_data_free;
  }
  command->done = fetch_done;
  cnv_imap_client_submit (self, command);
}

/**
 * cnv_imap_client_uid_fetch_finish:
 *
 * Returns: (transfer full) (element-type CnvImapMessage): the messages, by ascending UID
 */
GPtrArray *
cnv_imap_client_uid_fetch_finish (CnvImapClient  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- UID STORE ----------------------------------------------------------------------------- */

/**
 * cnv_imap_client_uid_store_async:
 * @self: a client with a mailbox selected read-write
 * @uid_set: the UIDs
 * @add: add the flags (`+FLAGS.SILENT`), else remove them (`-FLAGS.SILENT`)
 * @flags: the flags (`\Seen`, `$Convene-Processed`)
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 */
void
cnv_imap_client_uid_store_async (CnvImapClient       *self,
                                 const char          *uid_set,
                                 gboolean             add,
                                 const char * const  *flags,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CnvImapCommand *command;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, cnv_imap_client_uid_store_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  if (!is_sequence_set (uid_set) || flags == NULL || flags[0] == NULL)
    {
      return_invalid (task, "the UID set or the flags");
      return;
    }
  command = cnv_imap_command_new (g_object_ref (task), "UID STORE");
  cnv_imap_command_append (command, "UID STORE ");
  cnv_imap_command_append (command, uid_set);
  cnv_imap_command_append (command, add ? " +FLAGS.SILENT " : " -FLAGS.SILENT ");
  if (!append_flags (command, flags))
    {
      g_clear_object (&command->task);
      cnv_imap_command_free (command);
      return_invalid (task, "a flag");
      return;
    }
  cnv_imap_client_submit (self, command);
}

gboolean
cnv_imap_client_uid_store_finish (CnvImapClient  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- APPEND -------------------------------------------------------------------------------- */

static void
append_done (CnvImapClient   *self,
             CnvImapCommand  *command,
             CnvImapResponse *tagged)
{
  guint32 uid = 0;

  /* RFC 4315 §3: [APPENDUID uidvalidity uid]. */
  if (g_strcmp0 (tagged->code, "APPENDUID") == 0 && tagged->code_args->len == 2)
    {
      guint64 number;

      if (cnv_imap_value_get_number (g_ptr_array_index (tagged->code_args, 1), &number)
          && number <= G_MAXUINT32)
        uid = (guint32) number;
    }
  /* 0 ("unknown") comes back as NULL; append_finish tells it from an error by the error. */
  g_task_return_pointer (command->task, GUINT_TO_POINTER (uid), NULL);
  g_clear_object (&command->task);
}

/**
 * cnv_imap_client_append_async:
 * @self: an authenticated client
 * @mailbox: where to put the message (`Sent`)
 * @flags: (nullable): its flags (`\Seen` for a sent message)
 * @message: the message, CRLF line ends (RFC 9051 §6.3.12)
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 */
void
cnv_imap_client_append_async (CnvImapClient       *self,
                              const char          *mailbox,
                              const char * const  *flags,
                              GBytes              *message,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CnvImapCommand *command;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);
  g_return_if_fail (message != NULL);

  task = new_task (self, cancellable, callback, user_data, cnv_imap_client_append_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  if (g_bytes_get_size (message) == 0)
    {
      return_invalid (task, "an empty message");
      return;
    }
  command = cnv_imap_command_new (g_object_ref (task), "APPEND");
  cnv_imap_command_append (command, "APPEND ");
  if (!append_mailbox (self, command, mailbox)
      || (cnv_imap_command_append (command, " "), !append_flags (command, flags)))
    {
      g_clear_object (&command->task);
      cnv_imap_command_free (command);
      return_invalid (task, "the mailbox name or a flag");
      return;
    }
  cnv_imap_command_append (command, " ");
  cnv_imap_command_append_literal (command, message,
                                   cnv_imap_client_has_capability (self, "LITERAL+"));
  command->done = append_done;
  cnv_imap_client_submit (self, command);
}

/**
 * cnv_imap_client_append_finish:
 * @uid: (out) (optional): the new message's UID when the server says it (UIDPLUS), else 0
 */
gboolean
cnv_imap_client_append_finish (CnvImapClient  *self,
                               GAsyncResult   *result,
                               guint32        *uid,
                               GError        **error)
{
  gpointer value;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  value = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (uid != NULL)
    *uid = GPOINTER_TO_UINT (value);
  return TRUE;
}

/* ---- NOOP and LOGOUT ----------------------------------------------------------------------- */

void
cnv_imap_client_noop_async (CnvImapClient       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  submit_word (self, "NOOP", NULL, cancellable, callback, user_data, cnv_imap_client_noop_async);
}

/**
 * cnv_imap_client_noop_finish:
 *
 * NOOP (RFC 9051 §6.1.2) lets the server report what changed: the #CnvImapClient::exists
 * signal has run before this returns when the mailbox grew.
 */
gboolean
cnv_imap_client_noop_finish (CnvImapClient  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
logout_done (CnvImapClient   *self,
             CnvImapCommand  *command,
             CnvImapResponse *tagged)
{
  g_task_return_boolean (command->task, TRUE);
  g_clear_object (&command->task);
  cnv_imap_client_close (self);
}

void
cnv_imap_client_logout_async (CnvImapClient       *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  submit_word (self, "LOGOUT", logout_done, cancellable, callback, user_data,
               cnv_imap_client_logout_async);
}

gboolean
cnv_imap_client_logout_finish (CnvImapClient  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- IDLE (RFC 2177) ----------------------------------------------------------------------- */

typedef struct
{
  CnvImapClient  *client;    /* borrowed: the command dies before the client */
  CnvImapCommand *command;
  guint           seconds;
  guint           timer_id;
  gboolean        idling;
  gboolean        done_sent;
  gboolean        stop_requested;
  gboolean        changed;
} IdleData;

static void
idle_data_free (gpointer data)
{
  IdleData *idle = data;

  g_clear_handle_id (&idle->timer_id, g_source_remove);
  g_free (idle);
}

static void
idle_send_done (IdleData *idle)
{
  g_clear_handle_id (&idle->timer_id, g_source_remove);
  if (!idle->idling)
    {
      idle->stop_requested = TRUE;   /* DONE goes as soon as the server says `+` */
      return;
    }
  if (idle->done_sent)
    return;
  idle->done_sent = TRUE;
  cnv_imap_client_send_line (idle->client, "DONE", NULL);
  /* The server must now answer promptly. */
  cnv_imap_client_arm_timeout (idle->client, TRUE);
}

static gboolean
idle_timer_cb (gpointer user_data)
{
  IdleData *idle = user_data;

  idle->timer_id = 0;
  idle_send_done (idle);
  return G_SOURCE_REMOVE;
}

static gboolean
idle_continuation (CnvImapClient    *self,
                   CnvImapCommand   *command,
                   CnvImapResponse  *continuation,
                   GError          **error)
{
  IdleData *idle = command->data;

  if (idle->idling)
    {
      g_set_error_literal (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                           "The IMAP server asked twice for IDLE to go on");
      return FALSE;
    }
  idle->idling = TRUE;
  cnv_imap_client_arm_timeout (self, FALSE);
  if (idle->stop_requested || idle->changed)
    idle_send_done (idle);
  else if (idle->seconds > 0)
    idle->timer_id = g_timeout_add_seconds (idle->seconds, idle_timer_cb, idle);
  return TRUE;
}

static void
idle_untagged (CnvImapClient   *self,
               CnvImapCommand  *command,
               CnvImapResponse *untagged)
{
  IdleData *idle = command->data;

  /* RFC 2177: EXISTS, EXPUNGE, FETCH (flags), RECENT — the mailbox changed: end IDLE so the
   * owner can look. An `* OK Still here` keep-alive changes nothing. */
  if (untagged->status != CNV_IMAP_STATUS_NONE)
    return;
  idle->changed = TRUE;
  idle_send_done (idle);
}

static void
idle_cancelled (CnvImapClient  *self,
                CnvImapCommand *command)
{
  idle_send_done (command->data);
}

static void
idle_done (CnvImapClient   *self,
           CnvImapCommand  *command,
           CnvImapResponse *tagged)
{
  IdleData *idle = command->data;

  g_task_return_int (command->task, idle->changed);
  g_clear_object (&command->task);
}

/**
 * cnv_imap_client_idle_async:
 * @self: a client with a selected mailbox, on a server that offers IDLE
 * @seconds: end IDLE after this long without news (servers drop idle clients after 30 minutes,
 *   RFC 2177 recommends re-issuing within 29); 0 waits until something changes
 * @cancellable: (nullable): ends IDLE (DONE is sent; the task returns %G_IO_ERROR_CANCELLED)
 * @callback: called when IDLE has ended
 * @user_data: for @callback
 *
 * Waits for the server to report a change of the selected mailbox (new mail: the
 * #CnvImapClient::exists signal runs first), then ends IDLE. cnv_imap_client_idle_stop() ends it
 * early. A server without IDLE: %CNV_IMAP_ERROR_UNSUPPORTED.
 */
void
cnv_imap_client_idle_async (CnvImapClient       *self,
                            guint                seconds,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CnvImapCommand *command;
  IdleData *idle;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, cnv_imap_client_idle_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  if (!cnv_imap_client_has_capability (self, "IDLE"))
    {
      g_task_return_new_error (task, CNV_IMAP_ERROR, CNV_IMAP_ERROR_UNSUPPORTED,
                               "%s does not offer IDLE", cnv_imap_client_get_server (self)->host);
      return;
    }
  command = cnv_imap_command_new (g_steal_pointer (&task), "IDLE");
  cnv_imap_command_append (command, "IDLE");
  idle = g_new0 (IdleData, 1);
  idle->client = self;
  idle->command = command;
  idle->seconds = seconds;
  command->data = idle;
  command->data_free = idle_data_free;
  command->continuation = idle_continuation;
  command->on_untagged = idle_untagged;
  command->cancelled = idle_cancelled;
  command->done = idle_done;
  cnv_imap_client_submit (self, command);
}

/**
 * cnv_imap_client_idle_finish:
 * @changed: (out) (optional): the mailbox changed (else the time ran out or it was stopped)
 */
gboolean
cnv_imap_client_idle_finish (CnvImapClient  *self,
                             GAsyncResult   *result,
                             gboolean       *changed,
                             GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  value = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (changed != NULL)
    *changed = value != 0;
  return TRUE;
}

/**
 * cnv_imap_client_idle_stop:
 * @self: a client
 *
 * Ends a running IDLE (sends DONE); its task then returns normally. Does nothing otherwise.
 */
void
cnv_imap_client_idle_stop (CnvImapClient *self)
{
  CnvImapCommand *command;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  command = cnv_imap_client_get_current (self);
  if (command != NULL && command->done == idle_done)
    idle_send_done (command->data);
}
