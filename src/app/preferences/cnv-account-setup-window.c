/* cnv-account-setup-window.c — the first-run window: "Welcome to Convene" and the account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Set Up" saves nothing until the connection test passed: an account that cannot log in would
 * only fail later, in the composer, far from where it can be fixed.
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <glib/gi18n.h>

#include "cnv-account-setup-window.h"

#include "cnv-accessible.h"
#include "cnv-account-page.h"
#include "cnv-app-settings.h"

struct _CnvAccountSetupWindow
{
  AdwWindow       parent_instance;

  CnvApplication *application;
  GCancellable   *cancellable;
  gboolean        busy;

  /* template */
  GtkWidget      *set_up_button;
  CnvAccountPage *page;
};

G_DEFINE_FINAL_TYPE (CnvAccountSetupWindow, cnv_account_setup_window, ADW_TYPE_WINDOW)

enum {
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

CnvAccountSetupWindow *
cnv_account_setup_window_new (CnvApplication *application)
{
  CnvAccountSetupWindow *self;

  g_return_val_if_fail (CNV_IS_APPLICATION (application), NULL);

  self = g_object_new (CNV_TYPE_ACCOUNT_SETUP_WINDOW, "application", application, NULL);
  self->application = application;
  cnv_account_page_set_credentials (self->page, cnv_application_get_credentials (application));
  cnv_account_page_load (self->page, cnv_application_get_settings (application));

  return self;
}

static void
update_button (CnvAccountSetupWindow *self)
{
  gtk_widget_set_sensitive (self->set_up_button,
                            !self->busy && cnv_account_page_get_can_save (self->page));
}

static void
set_busy (CnvAccountSetupWindow *self,
          gboolean               busy)
{
  self->busy = busy;
  update_button (self);
}

static void
show_error (CnvAccountSetupWindow *self,
            const char            *heading,
            const char            *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  cnv_accessible_fix_mnemonic_buttons (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(CnvAccountSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(CnvAccount) account = NULL;
  GSettings *settings;
  gboolean saved;

  saved = cnv_account_page_save_finish (CNV_ACCOUNT_PAGE (source), result, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (!saved)
    {
      set_busy (self, FALSE);
      show_error (self, _("Cannot Save the Account"), error->message);
      return;
    }

  settings = cnv_application_get_settings (self->application);

  /* The manager's usual addresses on the user's domain, until the user says otherwise. */
  entries = cnv_session_type_entries_load (settings);
  account = cnv_account_load (settings);
  if (entries->len == 0 && account != NULL)
    {
      g_autoptr(GPtrArray) defaults = cnv_session_type_entries_defaults (account->address);

      cnv_session_type_entries_save (defaults, settings);
    }

  g_signal_emit (self, signals[FINISHED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_tested (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CnvAccountSetupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  CnvAccountPage *page;
  GSettings *settings;
  GCancellable *cancellable;
  gboolean ok;

  ok = cnv_account_page_test_finish (CNV_ACCOUNT_PAGE (source), result, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (!ok)
    {
      /* The page shows what failed; the user fixes it and presses Set Up again. */
      if (error != NULL)
        g_warning ("Cannot test the connection: %s", error->message);
      set_busy (self, FALSE);
      return;
    }

  /* The arguments are read before the reference is handed over: C leaves their order open. */
  page = self->page;
  settings = cnv_application_get_settings (self->application);
  cancellable = self->cancellable;
  cnv_account_page_save_async (page, settings, cancellable, on_saved, g_steal_pointer (&self));
}

static void
on_set_up_clicked (GtkButton             *button,
                   CnvAccountSetupWindow *self)
{
  if (self->busy)
    return;

  set_busy (self, TRUE);
  cnv_account_page_test_async (self->page, self->cancellable, on_tested, g_object_ref (self));
}

static void
on_can_save_changed (CnvAccountPage        *page,
                     GParamSpec            *pspec,
                     CnvAccountSetupWindow *self)
{
  update_button (self);
}

static void
cnv_account_setup_window_dispose (GObject *object)
{
  CnvAccountSetupWindow *self = CNV_ACCOUNT_SETUP_WINDOW (object);

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (cnv_account_setup_window_parent_class)->dispose (object);
}

static void
cnv_account_setup_window_finalize (GObject *object)
{
  CnvAccountSetupWindow *self = CNV_ACCOUNT_SETUP_WINDOW (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (cnv_account_setup_window_parent_class)->finalize (object);
}

static void
cnv_account_setup_window_class_init (CnvAccountSetupWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cnv_account_setup_window_dispose;
  object_class->finalize = cnv_account_setup_window_finalize;

  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (CNV_TYPE_ACCOUNT_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/convene/Convene/"
                                               "cnv-account-setup-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CnvAccountSetupWindow, set_up_button);
  gtk_widget_class_bind_template_child (widget_class, CnvAccountSetupWindow, page);
}

static void
cnv_account_setup_window_init (CnvAccountSetupWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  cnv_account_page_set_show_intro (self->page, TRUE);
  g_signal_connect (self->page, "notify::can-save", G_CALLBACK (on_can_save_changed), self);
  g_signal_connect (self->set_up_button, "clicked", G_CALLBACK (on_set_up_clicked), self);
  cnv_accessible_fix_mnemonic_buttons (GTK_WIDGET (self));
}
