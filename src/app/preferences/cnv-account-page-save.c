/* cnv-account-page-save.c — saving the account page: the keyring, then the settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A typed password goes to the keyring for both servers (libsecret, asynchronously), then the
 * account to GSettings. The keyring names a password by server and user: when the account moves
 * to another server or user, the password typed for it is stored under the new names and the
 * old entries are removed, so that no password is left for a server the account no longer uses.
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <glib/gi18n.h>

#include "cnv-account-page-private.h"
#include "cnv-application.h"
#include "cnv-service-proxy.h"
#include "cnv-secret-credentials.h"

/* The steps of a save, in order. The new passwords go first and the settings next: until the
 * settings name the new servers, the old passwords are the ones in use, and only then are they
 * removed. */
typedef enum
{
  SAVE_IMAP_PASSWORD,
  SAVE_SMTP_PASSWORD,
  SAVE_SETTINGS,
  SAVE_CLEAR_OLD_IMAP,
  SAVE_CLEAR_OLD_SMTP,
  SAVE_DONE,
} SaveStep;

typedef struct
{
  CnvAccount           *account;
  CnvAccount           *saved;        /* as saved before, NULL = none (first run) */
  GSettings            *settings;
  CnvSecretCredentials *credentials;  /* set when a password was typed */
  char                 *password;
  SaveStep              step;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_pointer (&data->account, cnv_account_free);
  g_clear_pointer (&data->saved, cnv_account_free);
  g_clear_object (&data->settings);
  g_clear_object (&data->credentials);
  if (data->password != NULL)
    cnv_credentials_secret_free (data->password);
  g_free (data);
}

static void save_next (GTask *task);

static void
on_password_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_secret_credentials_store_finish (CNV_SECRET_CREDENTIALS (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  save_next (g_steal_pointer (&task));
}

static void
on_old_password_cleared (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* The account is saved by now: a password left behind for the old server is clutter in the
   * keyring, not a failure of the save */
  if (!cnv_secret_credentials_clear_finish (CNV_SECRET_CREDENTIALS (source), result, &error)
      && error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("The old server’s password stays in the keyring: %s", error->message);

  save_next (g_steal_pointer (&task));
}

static void
store_password (GTask    *task,
                SaveStep  step)
{
  SaveData *data = g_task_get_task_data (task);
  const char *protocol = step == SAVE_IMAP_PASSWORD ? "imap" : "smtp";
  const CnvMailServer *server = step == SAVE_IMAP_PASSWORD ? data->account->imap
                                                           : data->account->smtp;
  g_autofree char *label = NULL;

  if (step == SAVE_IMAP_PASSWORD)
    /* Translators: the keyring item's name (Passwords and Keys); %s is the address. */
    label = g_strdup_printf (_("Convene incoming mail password for %s"), data->account->address);
  else
    /* Translators: the keyring item's name (Passwords and Keys); %s is the address. */
    label = g_strdup_printf (_("Convene outgoing mail password for %s"), data->account->address);

  cnv_secret_credentials_store_async (data->credentials, protocol, server, data->password, label,
                                      g_task_get_cancellable (task), on_password_stored, task);
}

static void
on_reconnect_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cnv_service_proxy_activate_finish (CNV_SERVICE_PROXY (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("The background service was not told of the new account: %s", error->message);
}

/* A saved password may be for the same server as before, which changes no setting: the
 * background service is asked to log in again (its watcher never retries a refused password by
 * itself). */
static void
notify_service (CnvAccountPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root))
                                             : NULL;

  if (!CNV_IS_APPLICATION (app))
    return;
  cnv_service_proxy_activate_async (cnv_application_get_service_proxy (CNV_APPLICATION (app)),
                                    "reconnect", NULL, NULL, on_reconnect_done, NULL);
}

/* The page now shows the account as saved: an empty password row, nothing changed. */
static void
show_saved (CnvAccountPage *self,
            SaveData       *data)
{
  self->form.password_stored = self->form.password_stored || data->password != NULL;
  cnv_account_form_set_saved (&self->form, data->account);
  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  self->loading = FALSE;
  self->guess_enabled = FALSE;
  cnv_account_page_set_changed (self, FALSE);
  cnv_account_page_evaluate (self);
  notify_service (self);
}

/* Removes the password of the old server when the new one's is kept under other names (a
 * password typed for the new server was stored, see cnv_account_form_servers_changed());
 * FALSE when there is nothing to remove. */
static gboolean
clear_old_password (GTask    *task,
                    SaveStep  step)
{
  SaveData *data = g_task_get_task_data (task);
  const char *protocol = step == SAVE_CLEAR_OLD_IMAP ? "imap" : "smtp";
  const CnvMailServer *old;
  const CnvMailServer *server;

  if (data->password == NULL || data->saved == NULL)
    return FALSE;
  old = step == SAVE_CLEAR_OLD_IMAP ? data->saved->imap : data->saved->smtp;
  server = step == SAVE_CLEAR_OLD_IMAP ? data->account->imap : data->account->smtp;
  if (old == NULL || old->host == NULL || old->user == NULL
      || !cnv_account_form_secret_moved (old, server))
    return FALSE;

  cnv_secret_credentials_clear_async (data->credentials, protocol, old,
                                      g_task_get_cancellable (task), on_old_password_cleared,
                                      task);
  return TRUE;
}

/* One step after the other (SaveStep); each asynchronous one comes back here. */
static void
save_next (GTask *task)
{
  CnvAccountPage *self = g_task_get_source_object (task);
  SaveData *data = g_task_get_task_data (task);

  for (;;)
    {
      SaveStep step = data->step++;

      switch (step)
        {
        case SAVE_IMAP_PASSWORD:
        case SAVE_SMTP_PASSWORD:
          if (data->password == NULL)
            break;
          store_password (task, step);
          return;

        case SAVE_SETTINGS:
          cnv_account_save (data->account, data->settings);
          if (!cnv_account_page_is_gone (self))
            show_saved (self, data);
          break;

        case SAVE_CLEAR_OLD_IMAP:
        case SAVE_CLEAR_OLD_SMTP:
          if (clear_old_password (task, step))
            return;
          break;

        case SAVE_DONE:
        default:
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
          return;
        }
    }
}

void
cnv_account_page_save_async (CnvAccountPage      *self,
                             GSettings           *settings,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  const char *password;
  SaveData *data;

  g_return_if_fail (CNV_IS_ACCOUNT_PAGE (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  task = g_task_new (self, cancellable != NULL ? cancellable : self->cancellable, callback,
                     user_data);
  g_task_set_source_tag (task, cnv_account_page_save_async);

  data = g_new0 (SaveData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  data->settings = g_object_ref (settings);
  data->account = cnv_account_page_build_account (self, &error);
  if (data->account == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  if (*password != '\0')
    {
      if (!CNV_IS_SECRET_CREDENTIALS (self->credentials))
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                                   "No keyring to store the password in");
          return;
        }
      data->credentials = g_object_ref (CNV_SECRET_CREDENTIALS (self->credentials));
      data->password = g_strdup (password);
    }
  /* Copied now: the page's saved account changes once the settings are written */
  if (self->form.saved != NULL)
    data->saved = cnv_account_copy (self->form.saved);

  save_next (g_steal_pointer (&task));
}

gboolean
cnv_account_page_save_finish (CnvAccountPage  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
