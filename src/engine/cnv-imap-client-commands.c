/* cnv-imap-client-commands.c — the IMAP commands Convene uses, on the client's command engine
 *
 * CAPABILITY, SELECT / EXAMINE, UID STORE, APPEND, NOOP and LOGOUT, with the helpers every
 * command file shares. Arguments that reach the wire are checked here: a caller's string can
 * never end a command line or start another. The other commands have their own files:
 * cnv-imap-client-fetch.c (UID SEARCH, UID FETCH with BODY.PEEK), cnv-imap-client-auth.c
 * (AUTHENTICATE PLAIN / XOAUTH2 and LOGIN) and cnv-imap-client-idle.c (IDLE, RFC 2177).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include <string.h>

#include "cnv-imap-client-private.h"

GTask *
cnv_imap_client_new_task (CnvImapClient       *self,
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
gboolean
cnv_imap_client_is_sequence_set (const char *text)
{
  return text != NULL && *text != '\0' && strspn (text, "0123456789:,*") == strlen (text)
         && strlen (text) < 100000;
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

gboolean
cnv_imap_client_return_invalid (GTask      *task,
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
  GTask *task = cnv_imap_client_new_task (self, cancellable, callback, user_data, source_tag);
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

  task = cnv_imap_client_new_task (self, cancellable, callback, user_data,
                                   cnv_imap_client_select_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  command = cnv_imap_command_new (g_object_ref (task), verb);
  cnv_imap_command_append (command, verb);
  cnv_imap_command_append (command, " ");
  if (!append_mailbox (self, command, mailbox))
    {
      g_clear_object (&command->task);
      cnv_imap_command_free (command);
      cnv_imap_client_return_invalid (task, "the mailbox name");
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

  task = cnv_imap_client_new_task (self, cancellable, callback, user_data,
                                   cnv_imap_client_uid_store_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  if (!cnv_imap_client_is_sequence_set (uid_set) || flags == NULL || flags[0] == NULL)
    {
      cnv_imap_client_return_invalid (task, "the UID set or the flags");
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
      cnv_imap_client_return_invalid (task, "a flag");
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

  task = cnv_imap_client_new_task (self, cancellable, callback, user_data,
                                   cnv_imap_client_append_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  if (g_bytes_get_size (message) == 0)
    {
      cnv_imap_client_return_invalid (task, "an empty message");
      return;
    }
  command = cnv_imap_command_new (g_object_ref (task), "APPEND");
  cnv_imap_command_append (command, "APPEND ");
  if (!append_mailbox (self, command, mailbox)
      || (cnv_imap_command_append (command, " "), !append_flags (command, flags)))
    {
      g_clear_object (&command->task);
      cnv_imap_command_free (command);
      cnv_imap_client_return_invalid (task, "the mailbox name or a flag");
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
