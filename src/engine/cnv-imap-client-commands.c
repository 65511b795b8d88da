/* cnv-imap-client-commands.c — the IMAP commands Convene uses, on the client's command engine
 *
 * CAPABILITY, SELECT / EXAMINE, UID STORE, APPEND, LIST, CREATE, NOOP and LOGOUT, with the
 * helpers every command file shares. Arguments that reach the wire are checked here: a caller's
 * string can never end a command line or start another. The other commands have their own files:
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

/* A command whose argument cannot go out: freed unsent, @task failed with @what. */
static void
drop_invalid (CnvImapCommand *command,
              GTask          *task,
              const char     *what)
{
  g_clear_object (&command->task);
  cnv_imap_command_free (command);
  cnv_imap_client_return_invalid (task, what);
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

/* The value of a modified-base64 character (RFC 3501 §5.1.3: "," stands for "/"), or -1. */
static int
base64_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == ',')
    return 63;
  return -1;
}

/**
 * cnv_imap_mailbox_decode:
 * @mutf7: a mailbox name as a server sends it (`Entw&APw-rfe`)
 *
 * Strict (RFC 3501 §5.1.3): printable ASCII stands for itself except `&`, which starts a run of
 * modified base64 of UTF-16BE ended by `-` (`&-` is `&`); a run must hold whole UTF-16 units with
 * zero padding bits, and pairs of surrogates. Anything else would let two spellings name one
 * mailbox.
 *
 * Returns: (transfer full) (nullable): the name in UTF-8, %NULL when @mutf7 is not modified UTF-7
 */
char *
cnv_imap_mailbox_decode (const char *mutf7)
{
  g_autoptr(GString) out = NULL;
  const char *p = mutf7;

  g_return_val_if_fail (mutf7 != NULL, NULL);

  out = g_string_new (NULL);
  while (*p != '\0')
    {
      guint32 bits = 0;
      int nbits = 0;
      gunichar2 high = 0;
      gboolean any = FALSE;

      if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
        return NULL;
      if (*p != '&')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      p++;
      if (*p == '-')
        {
          g_string_append_c (out, '&');
          p++;
          continue;
        }
      for (; *p != '-'; p++)
        {
          int value = base64_value (*p);

          if (value < 0)
            return NULL;       /* includes the end of the string: a run must end with "-" */
          bits = (bits << 6) | (guint32) value;
          nbits += 6;
          if (nbits < 16)
            continue;
          nbits -= 16;
          {
            gunichar2 unit = (bits >> nbits) & 0xffff;

            any = TRUE;
            if (unit >= 0xd800 && unit <= 0xdbff)
              {
                if (high != 0)
                  return NULL;
                high = unit;
              }
            else if (unit >= 0xdc00 && unit <= 0xdfff)
              {
                if (high == 0)
                  return NULL;
                g_string_append_unichar (out, 0x10000 + ((gunichar) (high - 0xd800) << 10)
                                                      + (unit - 0xdc00));
                high = 0;
              }
            else
              {
                /* Printable ASCII must stand for itself; NUL cannot be in a name. */
                if (high != 0 || unit == 0 || (unit >= 0x20 && unit <= 0x7e))
                  return NULL;
                g_string_append_unichar (out, unit);
              }
          }
        }
      p++;  /* "-" */
      /* "&-" handled above: an empty run is not one; leftover bits are padding, all zero. */
      if (!any || high != 0 || nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0)
        return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
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
      drop_invalid (command, task, "the mailbox name");
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
      drop_invalid (command, task, "a flag");
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
      drop_invalid (command, task, "the mailbox name or a flag");
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

/* ---- LIST and CREATE ----------------------------------------------------------------------- */

void
cnv_imap_list_entry_free (CnvImapListEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_strfreev (entry->attributes);
  g_free (entry);
}

/**
 * cnv_imap_list_entry_has_attribute:
 * @entry: a mailbox of cnv_imap_client_list_finish()
 * @attribute: `\Sent`, `\Noselect`… (attributes are case-insensitive, RFC 9051 §7.3.1)
 */
gboolean
cnv_imap_list_entry_has_attribute (const CnvImapListEntry *entry,
                                   const char             *attribute)
{
  g_return_val_if_fail (entry != NULL, FALSE);
  g_return_val_if_fail (attribute != NULL, FALSE);

  for (guint i = 0; entry->attributes[i] != NULL; i++)
    if (g_ascii_strcasecmp (entry->attributes[i], attribute) == 0)
      return TRUE;
  return FALSE;
}

/* One `* LIST (attributes) delimiter name [extended items]` (RFC 9051 §7.3.1, RFC 5258 §9), or
 * NULL when it does not have that shape: such a line is skipped, not fatal — the other mailboxes
 * are still worth having. */
static CnvImapListEntry *
list_entry_from_response (CnvImapClient         *self,
                          const CnvImapResponse *response)
{
  const CnvImapValue *attributes, *delimiter, *mailbox;
  g_autoptr(CnvImapListEntry) entry = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *raw = NULL;

  if (response->has_number || response->args->len < 3)
    return NULL;
  attributes = g_ptr_array_index (response->args, 0);
  delimiter = g_ptr_array_index (response->args, 1);
  mailbox = g_ptr_array_index (response->args, 2);
  if (attributes->kind != CNV_IMAP_VALUE_LIST)
    return NULL;

  entry = g_new0 (CnvImapListEntry, 1);
  names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < attributes->items->len; i++)
    {
      const char *atom = cnv_imap_value_get_atom (g_ptr_array_index (attributes->items, i));

      if (atom == NULL)
        return NULL;
      g_ptr_array_add (names, g_strdup (atom));
    }
  g_ptr_array_add (names, NULL);
  entry->attributes = (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);

  /* RFC 9051 §9: delimiter = DQUOTE QUOTED-CHAR DQUOTE / nil */
  if (delimiter->kind == CNV_IMAP_VALUE_STRING && g_bytes_get_size (delimiter->bytes) == 1)
    {
      char c = *(const char *) g_bytes_get_data (delimiter->bytes, NULL);

      if ((guchar) c < 0x20 || (guchar) c > 0x7e)
        return NULL;
      entry->delimiter = c;
    }
  else if (delimiter->kind != CNV_IMAP_VALUE_NIL)
    return NULL;

  /* mailbox = "INBOX" / astring; a number is an atom of digits, a NUL byte no name at all. */
  if (mailbox->kind == CNV_IMAP_VALUE_STRING && g_bytes_get_size (mailbox->bytes) > 0
      && memchr (g_bytes_get_data (mailbox->bytes, NULL), '\0', g_bytes_get_size (mailbox->bytes)) != NULL)
    return NULL;
  if (mailbox->kind != CNV_IMAP_VALUE_STRING && mailbox->kind != CNV_IMAP_VALUE_ATOM
      && mailbox->kind != CNV_IMAP_VALUE_NUMBER)
    return NULL;
  raw = cnv_imap_value_dup_string (mailbox);
  if (raw == NULL || *raw == '\0')
    return NULL;
  if (g_ascii_strcasecmp (raw, "INBOX") == 0)
    entry->name = g_strdup ("INBOX");
  else if (cnv_imap_client_has_capability (self, "UTF8=ACCEPT") && g_utf8_validate (raw, -1, NULL)
           && strchr (raw, '&') == NULL)
    /* Names go out as UTF-8 to such a server (append_mailbox()): what comes back that way is
     * taken as it is. */
    entry->name = g_steal_pointer (&raw);
  else
    entry->name = cnv_imap_mailbox_decode (raw);
  if (entry->name == NULL || strpbrk (entry->name, "\r\n") != NULL)
    return NULL;
  return g_steal_pointer (&entry);
}

static void
list_done (CnvImapClient   *self,
           CnvImapCommand  *command,
           CnvImapResponse *tagged)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_imap_list_entry_free);

  for (guint i = 0; i < command->untagged->len; i++)
    {
      CnvImapResponse *response = g_ptr_array_index (command->untagged, i);
      CnvImapListEntry *entry;

      if (g_strcmp0 (response->name, "LIST") != 0)
        continue;
      entry = list_entry_from_response (self, response);
      if (entry == NULL)
        {
          g_autofree char *shown = cnv_imap_response_describe (response);

          g_debug ("Skipped a LIST response of unknown shape: %s", shown);
          continue;
        }
      g_ptr_array_add (entries, entry);
    }
  g_task_return_pointer (command->task, entries, (GDestroyNotify) g_ptr_array_unref);
  g_clear_object (&command->task);
}

/**
 * cnv_imap_client_list_async:
 * @self: an authenticated client
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Lists every mailbox: `LIST "" "*"` (RFC 9051 §6.3.9). When the server has LIST-EXTENDED and
 * SPECIAL-USE, `RETURN (SPECIAL-USE)` asks it for the attributes that say which mailbox is
 * for sent mail (RFC 6154 §2, §5.1); others may send them anyway.
 */
void
cnv_imap_client_list_async (CnvImapClient       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CnvImapCommand *command;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));

  task = cnv_imap_client_new_task (self, cancellable, callback, user_data,
                                   cnv_imap_client_list_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  command = cnv_imap_command_new (g_object_ref (task), "LIST");
  cnv_imap_command_append (command, "LIST \"\" \"*\"");
  if (cnv_imap_client_has_capability (self, "LIST-EXTENDED")
      && cnv_imap_client_has_capability (self, "SPECIAL-USE"))
    cnv_imap_command_append (command, " RETURN (SPECIAL-USE)");
  command->done = list_done;
  cnv_imap_client_submit (self, command);
}

/**
 * cnv_imap_client_list_finish:
 *
 * Returns: (transfer container) (element-type CnvImapListEntry): the mailboxes, in the server's
 *   order; a LIST line of unknown shape or a name that is not modified UTF-7 is left out
 */
GPtrArray *
cnv_imap_client_list_finish (CnvImapClient  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * cnv_imap_client_create_async:
 * @self: an authenticated client
 * @mailbox: the new mailbox's name, UTF-8 (sent in modified UTF-7)
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * CREATE (RFC 9051 §6.3.4). A mailbox that exists already is a %CNV_IMAP_ERROR_NO error (the
 * server's text says so, often with `[ALREADYEXISTS]`, RFC 5530).
 */
void
cnv_imap_client_create_async (CnvImapClient       *self,
                              const char          *mailbox,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CnvImapCommand *command;

  g_return_if_fail (CNV_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  task = cnv_imap_client_new_task (self, cancellable, callback, user_data,
                                   cnv_imap_client_create_async);
  if (!cnv_imap_client_check_usable (self, task))
    return;
  command = cnv_imap_command_new (g_object_ref (task), "CREATE");
  cnv_imap_command_append (command, "CREATE ");
  if (!append_mailbox (self, command, mailbox))
    {
      drop_invalid (command, task, "the mailbox name");
      return;
    }
  cnv_imap_client_submit (self, command);
}

gboolean
cnv_imap_client_create_finish (CnvImapClient  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
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
