/* cnv-account-page-test.c — the account page's Test Connection and its result
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The test logs in to both servers with the typed password, or the one in the keyring
 * (cnv_connection_test_async()), and says under the fields, in plain words, what went wrong; the
 * engine's own words are in a Details expander.
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <glib/gi18n.h>

#include "cnv-account-page-private.h"
#include "cnv-connection-test.h"

typedef struct
{
  CnvAccount *account;
} TestData;

static void
test_data_free (TestData *data)
{
  g_clear_pointer (&data->account, cnv_account_free);
  g_free (data);
}

static void
set_testing (CnvAccountPage *self,
             gboolean        testing)
{
  self->testing = testing;
  gtk_widget_set_visible (self->test_spinner, testing);
  gtk_widget_set_visible (self->test_status_label, testing);
  if (testing)
    {
      gtk_spinner_start (GTK_SPINNER (self->test_spinner));
      gtk_widget_set_visible (self->result_box, FALSE);
    }
  else
    gtk_spinner_stop (GTK_SPINNER (self->test_spinner));
  gtk_widget_set_sensitive (self->test_button, self->can_test && !testing);
}

static gboolean
focus_result (gpointer user_data)
{
  CnvAccountPage *self = CNV_ACCOUNT_PAGE (user_data);

  if (!cnv_account_page_is_gone (self))
    {
      gtk_widget_grab_focus (self->result_label);
      gtk_label_select_region (GTK_LABEL (self->result_label), 0, 0);
    }

  return G_SOURCE_REMOVE;
}

static void
show_result (CnvAccountPage *self,
             const char     *message,
             const char     *details,
             gboolean        ok)
{
  gtk_label_set_text (GTK_LABEL (self->result_label), message);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->result_icon),
                                ok ? "emblem-ok-symbolic" : "dialog-error-symbolic");
  if (ok)
    {
      gtk_widget_remove_css_class (self->result_label, "error");
      gtk_widget_remove_css_class (self->result_icon, "error");
      gtk_widget_add_css_class (self->result_label, "success");
      gtk_widget_add_css_class (self->result_icon, "success");
    }
  else
    {
      gtk_widget_remove_css_class (self->result_label, "success");
      gtk_widget_remove_css_class (self->result_icon, "success");
      gtk_widget_add_css_class (self->result_label, "error");
      gtk_widget_add_css_class (self->result_icon, "error");
    }
  gtk_label_set_text (GTK_LABEL (self->details_label), details != NULL ? details : "");
  gtk_expander_set_expanded (GTK_EXPANDER (self->details_expander), FALSE);
  gtk_widget_set_visible (self->details_expander, details != NULL && *details != '\0');
  gtk_widget_set_visible (self->result_box, TRUE);

  /* The verdict sits below the fields: bring it into view (the page scrolls to the focus),
   * once it has its place in the layout. */
  if (!ok)
    g_idle_add_full (G_PRIORITY_LOW, focus_result, g_object_ref (self), g_object_unref);
}

static void
on_tested (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CnvAccountPage *self = g_task_get_source_object (task);
  g_autoptr(CnvConnectionReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) message = g_string_new (NULL);
  g_autoptr(GString) details = g_string_new (NULL);
  gboolean ok;

  report = cnv_connection_test_finish (result, &error);
  if (cnv_account_page_is_gone (self))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      return;
    }
  set_testing (self, FALSE);
  if (report == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  ok = cnv_connection_report_is_ok (report);
  if (ok)
    g_string_append (message, _("Connected to both servers"));
  else
    {
      const char *messages[] = { report->imap_message, report->smtp_message };
      const char *protocols[] = { "IMAP", "SMTP" };
      const char *engine[] = { report->imap_detail, report->smtp_detail };

      for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
        {
          if (messages[i] != NULL)
            g_string_append_printf (message, "%s%s", message->len > 0 ? "\n" : "", messages[i]);
          if (engine[i] != NULL)
            g_string_append_printf (details, "%s%s: %s", details->len > 0 ? "\n" : "",
                                    protocols[i], engine[i]);
        }
    }

  show_result (self, message->str, details->str, ok);
  g_task_return_boolean (task, ok);
}

static void
run_test (GTask      *task,
          const char *password)
{
  TestData *data = g_task_get_task_data (task);

  cnv_connection_test_async (data->account, password, g_task_get_cancellable (task), on_tested,
                             task);
}

static void
on_test_password (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CnvAccountPage *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = cnv_credentials_lookup_finish (CNV_CREDENTIALS (source), result, &error);
  if (cnv_account_page_is_gone (self))
    {
      if (secret != NULL)
        cnv_credentials_secret_free (secret);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      return;
    }
  if (secret == NULL)
    {
      set_testing (self, FALSE);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      show_result (self, _("No password is stored for this account: type it in."),
                   error->message, FALSE);
      g_task_return_boolean (task, FALSE);
      return;
    }

  run_test (g_steal_pointer (&task), secret);
  cnv_credentials_secret_free (secret);
}

void
cnv_account_page_test_async (CnvAccountPage      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TestData *data;
  const char *password;

  g_return_if_fail (CNV_IS_ACCOUNT_PAGE (self));

  task = g_task_new (self, cancellable != NULL ? cancellable : self->cancellable, callback,
                     user_data);
  g_task_set_source_tag (task, cnv_account_page_test_async);

  data = g_new0 (TestData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) test_data_free);
  data->account = cnv_account_page_build_account (self, &error);
  if (data->account == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  set_testing (self, TRUE);
  password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  if (*password != '\0')
    run_test (g_steal_pointer (&task), password);
  else if (self->credentials != NULL)
    cnv_credentials_lookup_async (self->credentials, "imap", data->account->imap,
                                  g_task_get_cancellable (task), on_test_password,
                                  g_steal_pointer (&task));
  else
    {
      set_testing (self, FALSE);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               "No keyring to read the password from");
    }
}

gboolean
cnv_account_page_test_finish (CnvAccountPage  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_test_button_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cnv_account_page_test_finish (CNV_ACCOUNT_PAGE (source), result, &error)
      && error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Cannot test the connection: %s", error->message);
}

static void
on_test_clicked (GtkButton      *button,
                 CnvAccountPage *self)
{
  cnv_account_page_test_async (self, NULL, on_test_button_done, NULL);
}

void
cnv_account_page_test_init (CnvAccountPage *self)
{
  g_signal_connect (self->test_button, "clicked", G_CALLBACK (on_test_clicked), self);
}
