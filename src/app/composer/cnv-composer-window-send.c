/* cnv-composer-window-send.c — Send: progress, the failure and Retry
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cnv_request_sender_send_async() submits the request over SMTP, then saves a copy in Sent. While
 * it runs the form is insensitive and the status bar says which stage it is at; Cancel (or closing
 * the window) stops it. On failure the draft stays as it was, with a sentence saying what to do
 * and a Retry that sends again; on success the user gets a toast and the window closes.
 */
#define G_LOG_DOMAIN "cnv-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "cnv-composer-window-private.h"
#include "cnv-request-sender.h"

/* The status bar leaves the window (and what screen readers list) once it is slid away: an
 * unrevealed child stays in the accessible tree, with empty labels */
static void
reveal_status (CnvComposerWindow *self,
               gboolean           reveal)
{
  if (reveal)
    gtk_widget_set_visible (GTK_WIDGET (self->status_revealer), TRUE);
  gtk_revealer_set_reveal_child (self->status_revealer, reveal);
}

static void
status_revealed_cb (CnvComposerWindow *self)
{
  if (!gtk_revealer_get_child_revealed (self->status_revealer)
      && !gtk_revealer_get_reveal_child (self->status_revealer))
    gtk_widget_set_visible (GTK_WIDGET (self->status_revealer), FALSE);
}

static void
set_sending (CnvComposerWindow *self,
             gboolean           sending)
{
  self->sending = sending;
  /* The focus leaves the form first: a focused entry made insensitive never hears it lost it */
  if (sending)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_set_sensitive (self->form_box, !sending);
  gtk_stack_set_visible_child_name (self->send_stack, sending ? "spinner" : "label");
  gtk_spinner_set_spinning (self->send_spinner, sending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send", !sending);
  if (sending)
    {
      gtk_stack_set_visible_child_name (self->status_stack, "progress");
      reveal_status (self, TRUE);
    }
  cnv_composer_window_show_state (self);
}

static void
show_failure (CnvComposerWindow *self,
              const char        *sentence)
{
  gtk_label_set_text (self->error_label, sentence);
  gtk_stack_set_visible_child_name (self->status_stack, "error");
  reveal_status (self, TRUE);
  gtk_widget_grab_focus (self->retry_button);
}

/* The engine's messages are for the log; the user reads what to do about it */
static char *
describe_send_error (const GError *error)
{
  if (error->domain == CNV_SMTP_ERROR)
    switch ((CnvSmtpError) error->code)
      {
      case CNV_SMTP_ERROR_AUTH:
        return g_strdup (_("The server refused your password. Check it in Preferences."));
      case CNV_SMTP_ERROR_TLS:
        return g_strdup (_("The mail server’s certificate is not trusted, or a secure connection "
                           "could not be made. Check the server settings in Preferences."));
      case CNV_SMTP_ERROR_TRANSIENT:
        return g_strdup (_("The mail server could not be reached, or asked to try again later. "
                           "Check your connection and retry."));
      case CNV_SMTP_ERROR_PERMANENT:
        /* Translators: %s is the mail server's reply, e.g. "550 5.1.1 User unknown" */
        return g_strdup_printf (_("The mail server refused the request: %s"), error->message);
      case CNV_SMTP_ERROR_INVALID:
        /* Translators: %s is a technical reason */
        return g_strdup_printf (_("The request cannot be sent: %s"), error->message);
      default:
        break;
      }

  if (error->domain == CNV_CREDENTIALS_ERROR)
    switch ((CnvCredentialsError) error->code)
      {
      case CNV_CREDENTIALS_ERROR_NOT_FOUND:
        return g_strdup (_("No password is saved for your mail account. Enter it in Preferences."));
      case CNV_CREDENTIALS_ERROR_INSECURE:
      case CNV_CREDENTIALS_ERROR_FAILED:
      default:
        return g_strdup (_("The password could not be read from the keyring. Unlock it and retry."));
      }

  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR)
    return g_strdup (_("The mail server could not be reached. Check your connection and retry."));

  /* Translators: %s is a technical reason */
  return g_strdup_printf (_("The request could not be sent: %s"), error->message);
}

static char *
summarize (const char          *manager,
           const CnvSendReport *report)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;
  g_autofree char *rejected = NULL;

  for (guint i = 0; report->rejected != NULL && i < report->rejected->len; i++)
    {
      const CnvSmtpRecipientFailure *failure = g_ptr_array_index (report->rejected, i);

      g_strv_builder_add (builder, failure->address);
    }
  names = g_strv_builder_end (builder);
  /* Translators: the separator of a list of e-mail addresses */
  rejected = g_strjoinv (_(", "), names);

  if (names[0] != NULL && report->copy_error != NULL)
    /* Translators: the first %s is a manager address, the second a list of e-mail addresses */
    return g_strdup_printf (_("Request sent to %s, but the server refused %s. "
                              "A copy could not be saved in Sent."), manager, rejected);
  if (names[0] != NULL)
    /* Translators: the first %s is a manager address, the second a list of e-mail addresses */
    return g_strdup_printf (_("Request sent to %s, but the server refused %s."), manager, rejected);
  if (report->copy_error != NULL)
    /* Translators: %s is a manager address such as videoconference@example.org */
    return g_strdup_printf (_("Request sent to %s. A copy could not be saved in Sent."), manager);
  /* Translators: %s is a manager address such as videoconference@example.org */
  return g_strdup_printf (_("Request sent to %s"), manager);
}

static void
send_progress_cb (CnvSendStage stage,
                  gpointer     user_data)
{
  CnvComposerWindow *self = user_data;
  const char *text = NULL;

  if (self->cancellable == NULL)
    return;
  switch (stage)
    {
    case CNV_SEND_STAGE_PASSWORD:
      text = _("Reading the password…");
      break;
    case CNV_SEND_STAGE_SUBMITTING:
      text = _("Sending…");
      break;
    case CNV_SEND_STAGE_SAVING:
      text = _("Saving a copy in Sent…");
      break;
    case CNV_SEND_STAGE_DONE:
    default:
      return;
    }
  gtk_label_set_text (self->progress_label, text);
}

static void
request_sent_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CnvComposerWindow) self = user_data;
  g_autoptr(CnvSendReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *manager = NULL;
  g_autofree char *summary = NULL;
  gboolean disposed = self->cancellable == NULL;

  report = cnv_request_sender_send_finish (result, &error);
  g_clear_object (&self->cancellable);

  if (report == NULL)
    {
      if (disposed)
        return;
      set_sending (self, FALSE);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          reveal_status (self, FALSE);
          return;
        }
      g_message ("The request was not sent: %s", error->message);
      {
        g_autofree char *sentence = describe_send_error (error);

        show_failure (self, sentence);
      }
      return;
    }

  /* Sent, even when the window was closed meanwhile: the address book and the settings learn
   * from it */
  for (guint i = 0; self->book != NULL && i < self->input.participants->len; i++)
    cnv_address_book_note_used (self->book, g_ptr_array_index (self->input.participants, i));
  for (guint i = 0; self->book != NULL && i < self->input.cc->len; i++)
    cnv_address_book_note_used (self->book, g_ptr_array_index (self->input.cc, i));
  if (self->input.session_type != NULL)
    g_settings_set_string (self->settings, "last-session-type", self->input.session_type);
  if (report->copy_error != NULL)
    g_message ("The request was sent, but its copy was not saved: %s", report->copy_error);

  if (disposed)
    return;

  /* The application shows the toast (it follows "request-sent"); a disposed window has no
   * handlers left, and only a quitting app disposes a window that is sending */
  manager = g_strdup (self->input.session_type != NULL ? self->input.session_type : "");
  summary = summarize (manager, report);
  cnv_composer_window_emit_request_sent (self, summary);

  set_sending (self, FALSE);
  self->closing = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

/* Sends the request, or after a failure (Retry) sends it again; an unfinished request only says
 * what is missing */
void
cnv_composer_window_send (CnvComposerWindow *self)
{
  g_autoptr(CnvAccount) account = NULL;
  g_autoptr(CnvRequest) request = NULL;
  g_autoptr(GError) error = NULL;

  if (self->sending)
    return;

  cnv_address_field_commit (self->participants_field);
  cnv_address_field_commit (self->cc_field);
  cnv_composer_window_update (self);
  if (!gtk_widget_get_sensitive (self->send_button))
    {
      /* Ctrl+Enter on an unfinished request: say everything that is missing */
      self->show_all_errors = TRUE;
      cnv_composer_window_show_state (self);
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }

  account = cnv_account_load (self->settings);
  if (account == NULL || self->credentials == NULL)
    {
      show_failure (self, _("Set up your mail account in Preferences first."));
      return;
    }

  request = cnv_composer_build_request (&self->input, &error);
  if (request == NULL)
    {
      g_autofree char *sentence = NULL;

      g_message ("The request could not be built: %s", error->message);
      /* Translators: %s is a technical reason */
      sentence = g_strdup_printf (_("The request could not be built: %s"), error->message);
      show_failure (self, sentence);
      return;
    }

  self->cancellable = g_cancellable_new ();
  gtk_label_set_text (self->progress_label, _("Sending…"));
  set_sending (self, TRUE);
  cnv_request_sender_send_async (request, account, self->credentials,
                                 send_progress_cb, self, self->cancellable,
                                 request_sent_cb, g_object_ref (self));
}

void
cnv_composer_window_send_init (CnvComposerWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->status_revealer), FALSE);
  g_signal_connect_swapped (self->status_revealer, "notify::child-revealed",
                            G_CALLBACK (status_revealed_cb), self);
}
