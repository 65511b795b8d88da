/* cnv-request-sender.c — Send (E406): submit the request by SMTP, keep a copy in Sent (GTK-free)
 *
 * One chain of async steps on the caller's main context: build the mail, read the SMTP password,
 * submit, then (the request is sent; nothing after this can fail the whole) read the IMAP
 * password, connect, find or create the Sent folder and APPEND the very bytes that were
 * submitted, with \Seen. Secrets live only in this chain's state, wiped when it ends.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-request-sender"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cnv-imap-client.h"
#include "cnv-request-sender.h"

/* Names a server's Sent folder has when it does not say so with SPECIAL-USE (RFC 6154): Dovecot
 * and most servers, Exchange, Apple. Compared without case, at the top level first. */
static const char * const sent_names[] = { "Sent", "Sent Items", "Sent Messages", NULL };
/* The folder created when none exists. */
#define DEFAULT_SENT "Sent"

typedef struct
{
  /* Owned */
  CnvRequest          *request;
  CnvAccount          *account;
  CnvCredentials      *credentials;
  GBytes              *message;
  GStrv                recipients;
  char                *envelope_from;
  char                *smtp_secret;
  char                *imap_secret;
  CnvImapClient       *imap;
  CnvSendReport       *report;
  char                *folder;         /* where the copy goes */
  gboolean             created;        /* CREATE was tried already */
  gboolean             tried_imap;     /* the SMTP password was looked up as the IMAP one */

  /* Borrowed */
  CnvSendProgressFunc  progress;
  gpointer             progress_data;
} SendData;

static void
send_data_free (SendData *data)
{
  g_clear_object (&data->request);
  g_clear_pointer (&data->account, cnv_account_free);
  g_clear_object (&data->credentials);
  g_clear_pointer (&data->message, g_bytes_unref);
  g_clear_pointer (&data->recipients, g_strfreev);
  g_clear_pointer (&data->envelope_from, g_free);
  g_clear_pointer (&data->smtp_secret, cnv_credentials_secret_free);
  g_clear_pointer (&data->imap_secret, cnv_credentials_secret_free);
  if (data->imap != NULL)
    cnv_imap_client_close (data->imap);
  g_clear_object (&data->imap);
  g_clear_pointer (&data->report, cnv_send_report_free);
  g_clear_pointer (&data->folder, g_free);
  g_free (data);
}

void
cnv_send_report_free (CnvSendReport *self)
{
  if (self == NULL)
    return;
  g_free (self->message_id);
  g_free (self->sent_folder);
  g_free (self->copy_error);
  g_clear_pointer (&self->rejected, g_ptr_array_unref);
  g_free (self);
}

/* The caller's progress function, unless the caller gave up (its data may be gone). */
static void
report_progress (GTask        *task,
                 CnvSendStage  stage)
{
  SendData *data = g_task_get_task_data (task);

  if (data->progress != NULL && !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    data->progress (stage, data->progress_data);
}

/* ---- The copy in Sent: whatever happens, the request was sent --------------------------- */

/* Why the copy was not saved, in words for the user. */
static char *
describe_copy_error (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_strdup (_("Saving a copy in the Sent folder was cancelled"));
  if (g_error_matches (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND))
    return g_strdup (_("No password is stored for the IMAP server, so no copy was saved in the "
                       "Sent folder"));
  if (error->domain == CNV_CREDENTIALS_ERROR)
    return g_strdup (_("The keyring could not be read, so no copy was saved in the Sent folder"));
  if (g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_AUTH))
    return g_strdup (_("The IMAP server refused the password, so no copy was saved in the Sent "
                       "folder"));
  if (g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_TLS))
    return g_strdup (_("The IMAP server’s certificate is not trusted, so no copy was saved in "
                       "the Sent folder"));
  if (g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_NO))
    /* Translators: %s is the mail server's own explanation, often in English */
    return g_strdup_printf (_("The IMAP server did not save a copy in the Sent folder: %s"),
                            error->message);
  /* Translators: %s is a technical explanation, often in English */
  return g_strdup_printf (_("The IMAP server could not be reached to save a copy in the Sent "
                            "folder: %s"), error->message);
}

static void
copy_done (GTask *task)
{
  SendData *data = g_task_get_task_data (task);

  if (data->report->copy_error == NULL)
    data->report->sent_folder = g_strdup (data->folder);
  else
    g_message ("The request %s was sent, but not copied to Sent: %s", data->report->message_id,
               data->report->copy_error);
  report_progress (task, CNV_SEND_STAGE_DONE);
  g_task_return_pointer (task, g_steal_pointer (&data->report),
                         (GDestroyNotify) cnv_send_report_free);
  g_object_unref (task);
}

static void
logout_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;

  /* The copy is saved or not by now; a failed LOGOUT changes nothing. */
  cnv_imap_client_logout_finish (CNV_IMAP_CLIENT (source), result, NULL);
  copy_done (task);
}

static void
copy_failed (GTask  *task,
             GError *error)
{
  SendData *data = g_task_get_task_data (task);

  g_assert (data->report->copy_error == NULL);
  data->report->copy_error = describe_copy_error (error);
  g_error_free (error);
  if (data->imap != NULL && cnv_imap_client_is_connected (data->imap)
      && !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      cnv_imap_client_logout_async (data->imap, NULL, logout_cb, task);
      return;
    }
  copy_done (task);
}

static void append_copy (GTask *task);

static void
create_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_imap_client_create_finish (CNV_IMAP_CLIENT (source), result, &error))
    {
      /* Another client may have made it meanwhile: the APPEND says whether it exists. */
      if (!g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_NO))
        {
          copy_failed (task, g_steal_pointer (&error));
          return;
        }
      g_debug ("CREATE failed, trying APPEND anyway: %s", error->message);
    }
  append_copy (task);
}

static void
create_folder (GTask *task)
{
  SendData *data = g_task_get_task_data (task);

  data->created = TRUE;
  cnv_imap_client_create_async (data->imap, data->folder, g_task_get_cancellable (task),
                                create_cb, task);
}

static void
append_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!cnv_imap_client_append_finish (CNV_IMAP_CLIENT (source), result, NULL, &error))
    {
      /* RFC 9051 §6.3.12: a NO (with [TRYCREATE]) when the folder is missing; the folder the
       * user named in the preferences is created then, once. */
      if (g_error_matches (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_NO) && !data->created)
        {
          create_folder (task);
          return;
        }
      copy_failed (task, g_steal_pointer (&error));
      return;
    }
  cnv_imap_client_logout_async (data->imap, NULL, logout_cb, task);
}

static void
append_copy (GTask *task)
{
  SendData *data = g_task_get_task_data (task);
  const char * const flags[] = { "\\Seen", NULL };

  cnv_imap_client_append_async (data->imap, data->folder, flags, data->message,
                                g_task_get_cancellable (task), append_cb, task);
}

/* Not \Noselect, not \NonExistent (RFC 9051 §7.3.1): a folder that can hold messages. */
static gboolean
can_hold_messages (const CnvImapListEntry *entry)
{
  return !cnv_imap_list_entry_has_attribute (entry, "\\Noselect")
         && !cnv_imap_list_entry_has_attribute (entry, "\\NonExistent");
}

/* The Sent folder among @entries: SPECIAL-USE \Sent (RFC 6154 §2), else a usual name, at the
 * top level first. Folders that cannot hold messages (\Noselect, \NonExistent) never count. */
static const char *
find_sent_folder (GPtrArray *entries)
{
  const char *by_leaf = NULL;

  for (guint i = 0; i < entries->len; i++)
    {
      const CnvImapListEntry *entry = g_ptr_array_index (entries, i);

      if (can_hold_messages (entry) && cnv_imap_list_entry_has_attribute (entry, "\\Sent"))
        return entry->name;
    }
  for (guint n = 0; sent_names[n] != NULL; n++)
    for (guint i = 0; i < entries->len; i++)
      {
        const CnvImapListEntry *entry = g_ptr_array_index (entries, i);
        const char *leaf = entry->name;

        if (!can_hold_messages (entry))
          continue;
        if (g_ascii_strcasecmp (entry->name, sent_names[n]) == 0)
          return entry->name;
        /* "INBOX.Sent" on servers whose personal namespace is under INBOX. */
        if (entry->delimiter != '\0' && strrchr (entry->name, entry->delimiter) != NULL)
          leaf = strrchr (entry->name, entry->delimiter) + 1;
        if (by_leaf == NULL && g_ascii_strcasecmp (leaf, sent_names[n]) == 0)
          by_leaf = entry->name;
      }
  return by_leaf;
}

static void
list_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  const char *found;

  entries = cnv_imap_client_list_finish (CNV_IMAP_CLIENT (source), result, &error);
  if (entries == NULL)
    {
      copy_failed (task, g_steal_pointer (&error));
      return;
    }
  found = find_sent_folder (entries);
  data->folder = g_strdup (found != NULL ? found : DEFAULT_SENT);
  if (found == NULL)
    create_folder (task);
  else
    append_copy (task);
}

static void
authenticate_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&data->imap_secret, cnv_credentials_secret_free);
  if (!cnv_imap_client_authenticate_finish (CNV_IMAP_CLIENT (source), result, &error))
    {
      copy_failed (task, g_steal_pointer (&error));
      return;
    }
  if (data->account->sent_folder != NULL && *data->account->sent_folder != '\0')
    {
      data->folder = g_strdup (data->account->sent_folder);
      append_copy (task);
      return;
    }
  cnv_imap_client_list_async (data->imap, g_task_get_cancellable (task), list_cb, task);
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!cnv_imap_client_connect_finish (CNV_IMAP_CLIENT (source), result, &error))
    {
      copy_failed (task, g_steal_pointer (&error));
      return;
    }
  cnv_imap_client_authenticate_async (data->imap, data->imap_secret,
                                      g_task_get_cancellable (task), authenticate_cb, task);
}

static void
imap_password_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->imap_secret = cnv_credentials_lookup_finish (CNV_CREDENTIALS (source), result, &error);
  if (data->imap_secret == NULL)
    {
      /* One password for both servers is the common case: the SMTP one is worth a try. */
      if (g_error_matches (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND)
          && data->smtp_secret != NULL)
        data->imap_secret = g_strdup (data->smtp_secret);
      else
        {
          copy_failed (task, g_steal_pointer (&error));
          return;
        }
    }
  g_clear_pointer (&data->smtp_secret, cnv_credentials_secret_free);
  data->imap = cnv_imap_client_new (data->account->imap);
  cnv_imap_client_connect_async (data->imap, g_task_get_cancellable (task), connect_cb, task);
}

static void
save_copy (GTask *task)
{
  SendData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (g_cancellable_is_cancelled (cancellable))
    {
      copy_failed (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"));
      return;
    }
  report_progress (task, CNV_SEND_STAGE_SAVING);
  cnv_credentials_lookup_async (data->credentials, "imap", data->account->imap, cancellable,
                                imap_password_cb, task);
}

/* ---- Submission --------------------------------------------------------------------------- */

static void
submit_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) submitted = NULL;

  submitted = cnv_smtp_submit_finish (result, &error);
  if (submitted == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  /* From here on the request is sent: a cancel or an IMAP failure only costs the copy. */
  data->report->rejected = g_steal_pointer (&submitted->rejected);
  save_copy (task);
}

static void
submit (GTask *task)
{
  SendData *data = g_task_get_task_data (task);

  report_progress (task, CNV_SEND_STAGE_SUBMITTING);
  cnv_smtp_submit_bytes_async (data->account->smtp, data->smtp_secret, data->envelope_from,
                               (const char * const *) data->recipients, data->message,
                               g_task_get_cancellable (task), submit_cb, task);
}

static void
smtp_password_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->smtp_secret = cnv_credentials_lookup_finish (CNV_CREDENTIALS (source), result, &error);
  if (data->smtp_secret != NULL)
    {
      submit (task);
      return;
    }
  /* Many accounts keep one password, stored once for IMAP. */
  if (g_error_matches (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND)
      && !data->tried_imap)
    {
      data->tried_imap = TRUE;
      cnv_credentials_lookup_async (data->credentials, "imap", data->account->imap,
                                    g_task_get_cancellable (task), smtp_password_cb, task);
      return;
    }
  g_task_return_error (task, g_steal_pointer (&error));
  g_object_unref (task);
}

/* The envelope's recipients: every address of the built mail's To and Cc (the manager address,
 * the participants, the informational addressees), each once. */
static GStrv
collect_recipients (GMimeMessage *message)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const GMimeAddressType types[] = { GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC };

  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autoptr(GPtrArray) list =
        cnv_address_list_from_gmime (g_mime_message_get_addresses (message, types[t]), NULL);

      for (guint i = 0; i < list->len; i++)
        {
          const CnvAddress *address = g_ptr_array_index (list, i);

          if (g_hash_table_add (seen, address->address))
            g_strv_builder_add (builder, address->address);
        }
    }
  return g_strv_builder_end (builder);
}

/**
 * cnv_request_sender_send_async:
 * @request: the request, complete (cnv_composer_build_request())
 * @account: the account: its SMTP server submits, its IMAP server keeps the copy
 * @credentials: where the passwords are ("smtp", else "imap"; and "imap", else the SMTP one)
 * @progress: (nullable): told each stage; never called once @cancellable is cancelled
 * @progress_data: for @progress
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 */
void
cnv_request_sender_send_async (CnvRequest           *request,
                               const CnvAccount     *account,
                               CnvCredentials       *credentials,
                               CnvSendProgressFunc   progress,
                               gpointer              progress_data,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  SendData *data;

  g_return_if_fail (CNV_IS_REQUEST (request));
  g_return_if_fail (account != NULL && account->smtp != NULL && account->imap != NULL);
  g_return_if_fail (CNV_IS_CREDENTIALS (credentials));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_request_sender_send_async);
  g_task_set_check_cancellable (task, FALSE);

  data = g_new0 (SendData, 1);
  data->request = g_object_ref (request);
  data->account = cnv_account_copy (account);
  data->credentials = g_object_ref (credentials);
  data->progress = progress;
  data->progress_data = progress_data;
  data->report = g_new0 (CnvSendReport, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);

  message = cnv_request_build (request, &error);
  if (message == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  data->report->message_id = g_strdup (cnv_request_get_message_id (request));
  data->envelope_from = g_strdup (cnv_request_get_initiator (request)->address);
  data->recipients = collect_recipients (message);
  /* The bytes submitted are the bytes saved: one Message-ID, one Date. */
  data->message = cnv_smtp_message_to_bytes (message);

  if (g_task_return_error_if_cancelled (task))
    return;

  report_progress (task, CNV_SEND_STAGE_PASSWORD);
  /* A server without a user name takes mail without authentication: no password to find. */
  if (account->smtp->user == NULL)
    {
      submit (g_steal_pointer (&task));
      return;
    }
  cnv_credentials_lookup_async (credentials, "smtp", account->smtp, cancellable,
                                smtp_password_cb, g_steal_pointer (&task));
}

/**
 * cnv_request_sender_send_finish:
 *
 * Returns: (transfer full) (nullable): what happened, or %NULL with @error when the request was
 *   not sent
 */
CnvSendReport *
cnv_request_sender_send_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cnv_request_sender_send_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
