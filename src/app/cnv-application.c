/* cnv-application.c — the Convene UI process (AdwApplication)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two processes, one app (DESIGN.md "The app"): the well-known name io.github.convene.Convene
 * belongs to the GTK-free background service, which starts this UI when a window is needed. So
 * the UI runs with G_APPLICATION_NON_UNIQUE and makes itself single-instance through a name of
 * its own, io.github.convene.Convene.Ui: before the first window it asks the session bus for that
 * name (DO_NOT_QUEUE). When another UI owns it, this process hands over what it was asked —
 * activate, or an action given on the command line (--new-session, --preferences, --session ID)
 * — through org.gtk.Application.Activate / org.gtk.Actions.Activate on the owner's
 * /io/github/convene/Convene (where GApplication exports itself even when non-unique), and exits 0.
 * Without a session bus it simply runs. The UI takes no hold: it exits when its last window
 * closes, and what must outlive it lives in the background service, which the UI starts when it
 * does not run (so that invitations are watched while the UI is open) and to which it sends the
 * user's answers (CnvServiceProxy). The UI only reads the sessions (CnvSessionList).
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <glib/gi18n.h>

#include "cnv-application.h"

#include "cnv-account-setup-window.h"
#include "cnv-app-settings.h"
#include "cnv-accessible.h"
#include "cnv-composer-window.h"
#include "cnv-join-window.h"
#include "cnv-preferences-window.h"
#include "cnv-secret-credentials.h"
#include "cnv-window.h"

#define UI_BUS_NAME "io.github.convene.Convene.Ui"
#define OBJECT_PATH "/io/github/convene/Convene"
#define METAINFO_RESOURCE "/io/github/convene/Convene/io.github.convene.Convene.metainfo.xml"

/* org.freedesktop.DBus.RequestName: flags and replies (D-Bus specification, "Message Bus
 * Messages"). */
#define NAME_FLAG_DO_NOT_QUEUE 4
#define NAME_REPLY_PRIMARY_OWNER 1
#define NAME_REPLY_ALREADY_OWNER 4

struct _CnvApplication
{
  AdwApplication parent_instance;

  GSettings      *settings;
  CnvAddressBook *address_book;
  CnvCredentials *credentials;
  CnvSessionList *sessions;
  CnvServiceProxy *service;
  GCancellable   *cancellable;
  /* The session bus connection that owns UI_BUS_NAME: kept for the process's lifetime, since
   * the name goes with the connection. */
  GDBusConnection *bus;

  /* An action asked for on the command line, run at the first activation, and its parameter */
  char           *pending_action;
  GVariant       *pending_parameter;
  /* app.new-session was asked for before the account was set up: open the composer after. */
  gboolean        compose_after_setup;
  /* app.quit is closing the windows, and waits for the answer of a window that asked. */
  gboolean        quitting;
  gboolean        closing_windows;
};

G_DEFINE_FINAL_TYPE (CnvApplication, cnv_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "new-session", 'n', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Start a new session"), NULL },
  { "preferences", 'p', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Open the preferences"), NULL },
  { "session", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("Show the invitation to a session"), N_("ID") },
  { NULL },
};

CnvApplication *
cnv_application_new (void)
{
  return g_object_new (CNV_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/io/github/convene/Convene",
                       NULL);
}

GSettings *
cnv_application_get_settings (CnvApplication *self)
{
  g_return_val_if_fail (CNV_IS_APPLICATION (self), NULL);

  if (self->settings == NULL)
    self->settings = cnv_app_settings_new ();

  return self->settings;
}

CnvAddressBook *
cnv_application_get_address_book (CnvApplication *self)
{
  g_return_val_if_fail (CNV_IS_APPLICATION (self), NULL);

  return self->address_book;
}

CnvCredentials *
cnv_application_get_credentials (CnvApplication *self)
{
  g_return_val_if_fail (CNV_IS_APPLICATION (self), NULL);

  return self->credentials;
}

CnvSessionList *
cnv_application_get_session_list (CnvApplication *self)
{
  g_return_val_if_fail (CNV_IS_APPLICATION (self), NULL);

  if (self->sessions == NULL)
    self->sessions = cnv_session_list_new (NULL);

  return self->sessions;
}

CnvServiceProxy *
cnv_application_get_service_proxy (CnvApplication *self)
{
  g_return_val_if_fail (CNV_IS_APPLICATION (self), NULL);

  if (self->service == NULL)
    self->service = cnv_service_proxy_new ();

  return self->service;
}

/* The main window, when one is open. */
static CnvWindow *
find_main_window (CnvApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (CNV_IS_WINDOW (l->data))
        return CNV_WINDOW (l->data);
    }

  return NULL;
}

static CnvAccountSetupWindow *
find_setup_window (CnvApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (CNV_IS_ACCOUNT_SETUP_WINDOW (l->data))
        return CNV_ACCOUNT_SETUP_WINDOW (l->data);
    }

  return NULL;
}

static CnvWindow *
ensure_main_window (CnvApplication *self)
{
  CnvWindow *window = find_main_window (self);

  if (window == NULL)
    {
      window = cnv_window_new (self);
      cnv_window_set_sessions (window, G_LIST_MODEL (cnv_application_get_session_list (self)));
    }

  return window;
}

void
cnv_application_show_toast (CnvApplication *self,
                            const char     *text)
{
  CnvWindow *window;
  AdwToast *toast;

  g_return_if_fail (CNV_IS_APPLICATION (self));
  g_return_if_fail (text != NULL);

  window = ensure_main_window (self);
  gtk_window_present (GTK_WINDOW (window));

  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 5);
  cnv_window_add_toast (window, toast);
}

/* An app window that is part of the app's lifetime: the window of a kind, when one is open. */
static GtkWindow *
find_window_of_type (CnvApplication *self,
                     GType           type)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
        return GTK_WINDOW (l->data);
    }

  return NULL;
}

/* A window opened from the menu belongs to the app and stays on top of the window it was asked
 * from. */
static void
present_for_active_window (CnvApplication *self,
                           GtkWindow      *window)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (gtk_window_get_application (window) == NULL)
    gtk_window_set_application (window, GTK_APPLICATION (self));
  if (parent != NULL && parent != window)
    gtk_window_set_transient_for (window, parent);
  gtk_window_present (window);
}

static void
on_request_sent (CnvComposerWindow *composer,
                 const char        *summary,
                 CnvApplication    *self)
{
  cnv_application_show_toast (self, summary);
}

static void
open_composer (CnvApplication *self)
{
  CnvComposerWindow *composer = cnv_composer_window_new (self);

  g_signal_connect_object (composer, "request-sent", G_CALLBACK (on_request_sent), self, 0);
  gtk_window_present (GTK_WINDOW (composer));
}

static void
on_setup_finished (CnvAccountSetupWindow *setup,
                   CnvApplication        *self)
{
  /* The main window first, so that the application never has no window in between. */
  gtk_window_present (GTK_WINDOW (ensure_main_window (self)));

  if (self->compose_after_setup)
    {
      self->compose_after_setup = FALSE;
      open_composer (self);
    }
}

static void
show_setup (CnvApplication *self)
{
  CnvAccountSetupWindow *setup = find_setup_window (self);

  if (setup == NULL)
    {
      setup = cnv_account_setup_window_new (self);
      g_signal_connect_object (setup, "finished", G_CALLBACK (on_setup_finished), self, 0);
    }

  gtk_window_present (GTK_WINDOW (setup));
}

static void
new_session_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CnvApplication *self = CNV_APPLICATION (user_data);

  if (!cnv_account_is_configured (cnv_application_get_settings (self)))
    {
      self->compose_after_setup = TRUE;
      show_setup (self);
      return;
    }

  open_composer (self);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CnvApplication *self = CNV_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  CnvPreferencesWindow *preferences = NULL;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (CNV_IS_PREFERENCES_WINDOW (l->data))
        preferences = CNV_PREFERENCES_WINDOW (l->data);
    }

  if (preferences == NULL)
    {
      preferences = cnv_preferences_window_new (self);
      if (parent != NULL)
        gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
    }

  gtk_window_present (GTK_WINDOW (preferences));
}

static void
help_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  gtk_show_uri (parent, "help:convene", GDK_CURRENT_TIME);
}

/* What the About window takes from the AppStream metainfo (the one source of the app's name,
 * summary, links and release notes). */
typedef struct
{
  AdwAboutWindow *about;
  GString        *text;
  GString        *notes;
  char           *url_type;
  gboolean        in_developer;
  gboolean        in_releases;
  gboolean        in_notes;
  gboolean        have_release;
  gboolean        translated;
} MetainfoParser;

static void
metainfo_start (GMarkupParseContext  *context,
                const char           *element,
                const char          **names,
                const char          **values,
                gpointer              user_data,
                GError              **error)
{
  MetainfoParser *parser = user_data;
  const char *lang = NULL;
  const char *type = NULL;
  const char *version = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_str_equal (names[i], "xml:lang"))
        lang = values[i];
      else if (g_str_equal (names[i], "type"))
        type = values[i];
      else if (g_str_equal (names[i], "version"))
        version = values[i];
    }

  /* Only the untranslated texts: gettext translates them again below. */
  parser->translated = lang != NULL;
  g_string_truncate (parser->text, 0);

  if (g_str_equal (element, "developer"))
    parser->in_developer = TRUE;
  else if (g_str_equal (element, "releases"))
    parser->in_releases = TRUE;
  else if (g_str_equal (element, "url"))
    {
      g_free (parser->url_type);
      parser->url_type = g_strdup (type);
    }
  else if (g_str_equal (element, "release") && parser->in_releases && !parser->have_release)
    {
      /* The newest release comes first (AppStream: releases are sorted newest first). */
      parser->have_release = TRUE;
      parser->in_notes = TRUE;
      if (version != NULL)
        adw_about_window_set_release_notes_version (parser->about, version);
    }
  else if (parser->in_notes && !parser->translated
           && (g_str_equal (element, "p") || g_str_equal (element, "ul")
               || g_str_equal (element, "ol") || g_str_equal (element, "li")))
    g_string_append_printf (parser->notes, "<%s>", element);
}

static void
metainfo_end (GMarkupParseContext  *context,
              const char           *element,
              gpointer              user_data,
              GError              **error)
{
  MetainfoParser *parser = user_data;
  g_autofree char *text = g_strstrip (g_strdup (parser->text->str));
  gboolean wanted = !parser->translated && *text != '\0';

  if (g_str_equal (element, "developer"))
    parser->in_developer = FALSE;
  else if (g_str_equal (element, "releases"))
    parser->in_releases = FALSE;
  else if (g_str_equal (element, "release"))
    parser->in_notes = FALSE;
  else if (parser->in_notes)
    {
      if (!parser->translated
          && (g_str_equal (element, "p") || g_str_equal (element, "li")))
        {
          g_autofree char *escaped = g_markup_escape_text (text, -1);

          g_string_append_printf (parser->notes, "%s</%s>", escaped, element);
        }
      else if (!parser->translated && (g_str_equal (element, "ul") || g_str_equal (element, "ol")))
        g_string_append_printf (parser->notes, "</%s>", element);
    }
  else if (wanted)
    {
      if (g_str_equal (element, "name") && parser->in_developer)
        adw_about_window_set_developer_name (parser->about, text);
      else if (g_str_equal (element, "developer_name"))
        adw_about_window_set_developer_name (parser->about, text);
      else if (g_str_equal (element, "summary"))
        adw_about_window_set_comments (parser->about, _(text));
      else if (g_str_equal (element, "url") && g_strcmp0 (parser->url_type, "homepage") == 0)
        adw_about_window_set_website (parser->about, text);
      else if (g_str_equal (element, "url") && g_strcmp0 (parser->url_type, "bugtracker") == 0)
        adw_about_window_set_issue_url (parser->about, text);
      else if (g_str_equal (element, "url") && g_strcmp0 (parser->url_type, "help") == 0)
        adw_about_window_set_support_url (parser->about, text);
    }

  g_string_truncate (parser->text, 0);
  parser->translated = FALSE;
}

static void
metainfo_text (GMarkupParseContext  *context,
               const char           *text,
               gsize                 len,
               gpointer              user_data,
               GError              **error)
{
  MetainfoParser *parser = user_data;

  g_string_append_len (parser->text, text, len);
}

static void
fill_about_from_metainfo (AdwAboutWindow *about)
{
  static const GMarkupParser markup_parser = {
    metainfo_start, metainfo_end, metainfo_text, NULL, NULL,
  };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  MetainfoParser parser = { about, g_string_new (NULL), g_string_new (NULL), };
  gsize len;
  const char *data;

  bytes = g_resources_lookup_data (METAINFO_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (bytes != NULL)
    {
      data = g_bytes_get_data (bytes, &len);
      context = g_markup_parse_context_new (&markup_parser, G_MARKUP_DEFAULT_FLAGS, &parser, NULL);
      if (!g_markup_parse_context_parse (context, data, len, &error)
          || !g_markup_parse_context_end_parse (context, &error))
        g_warning ("Cannot read the metainfo: %s", error->message);
      else if (parser.notes->len > 0)
        adw_about_window_set_release_notes (about, parser.notes->str);
    }
  else
    g_warning ("No metainfo in the resources: %s", error->message);

  g_string_free (parser.text, TRUE);
  g_string_free (parser.notes, TRUE);
  g_free (parser.url_type);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CnvApplication *self = CNV_APPLICATION (user_data);
  GtkWindow *open = find_window_of_type (self, ADW_TYPE_ABOUT_WINDOW);
  AdwAboutWindow *about;
  /* Translators: the people who write Convene, shown in the About window. */
  static const char *developers[] = { N_("The Convene developers"), NULL };

  if (open != NULL)
    {
      present_for_active_window (self, open);
      return;
    }

  /* adw_about_window_new_from_appdata() comes with libadwaita 1.5; until then the window is
   * filled from the same metainfo by hand. */
  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  adw_about_window_set_application_name (about, _("Convene"));
  adw_about_window_set_application_icon (about, APPLICATION_ID);
  adw_about_window_set_version (about, PACKAGE_VERSION);
  adw_about_window_set_developer_name (about, _(developers[0]));
  adw_about_window_set_license_type (about, GTK_LICENSE_GPL_3_0);
  adw_about_window_set_translator_credits (about, _("translator-credits"));
  fill_about_from_metainfo (about);

  present_for_active_window (self, GTK_WINDOW (about));
}

static void
shortcuts_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  CnvApplication *self = CNV_APPLICATION (user_data);
  GtkWindow *overlay = find_window_of_type (self, GTK_TYPE_SHORTCUTS_WINDOW);
  g_autoptr(GtkBuilder) builder = NULL;

  /* Built when asked, for whichever window is active (the composer too), and destroyed when
   * closed. Not GTK's automatic help overlay (gtk/help-overlay.ui): that one is a hidden,
   * never-realized toplevel beside every main window, and GTK 4.8's AT-SPI root answers a
   * GetChildAtIndex one past its last shown window (a screen reader asking while a window
   * closes) with the last toplevel's context, whose NULL path crashes the app. */
  if (overlay == NULL)
    {
      builder = gtk_builder_new_from_resource ("/io/github/convene/Convene/shortcuts-window.ui");
      overlay = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));
      gtk_window_set_hide_on_close (overlay, FALSE);
    }
  present_for_active_window (self, overlay);
}

/* Quitting: every window is closed as its close button would close it, so that a composer with
 * a draft asks first ("Discard this request?"). The main window goes last, and the app, which
 * takes no hold, ends with it. A window that asked keeps the quit waiting for the answer, and
 * its cancelling answer (the question's close response, "Keep Editing") cancels the quit; a
 * window that refused without asking (a send being stopped) cancels it at once. */

static gboolean
only_main_windows_left (CnvApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (!CNV_IS_WINDOW (l->data))
        return FALSE;
    }

  return TRUE;
}

/* Closes @self's windows, held meanwhile: closing a window may destroy it. With @main_too
 * FALSE, the main windows stay. */
static void
close_windows (CnvApplication *self,
               gboolean        main_too)
{
  GList *windows = NULL;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    windows = g_list_prepend (windows, g_object_ref (l->data));
  windows = g_list_reverse (windows);

  self->closing_windows = TRUE;
  for (GList *l = windows; l != NULL; l = l->next)
    {
      if (main_too || !CNV_IS_WINDOW (l->data))
        gtk_window_close (GTK_WINDOW (l->data));
    }
  self->closing_windows = FALSE;

  g_list_free_full (windows, g_object_unref);
}

static void
on_quit_question_answered (AdwMessageDialog *question,
                           const char       *response,
                           CnvApplication   *self)
{
  if (g_strcmp0 (response, adw_message_dialog_get_close_response (question)) == 0)
    self->quitting = FALSE;
}

/* The question @window asks before it closes, if it asked one */
static AdwMessageDialog *
find_question (GtkWindow *window)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel)
          && gtk_window_get_transient_for (toplevel) == window
          && gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        return ADW_MESSAGE_DIALOG (toplevel);
    }

  return NULL;
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CnvApplication *self = CNV_APPLICATION (user_data);

  if (self->closing_windows)
    return;

  self->quitting = TRUE;
  close_windows (self, FALSE);

  /* The windows still open refused to close: each asked a question, or the quit is off */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self));
       l != NULL && self->quitting;
       l = l->next)
    {
      AdwMessageDialog *question;

      if (CNV_IS_WINDOW (l->data))
        continue;
      question = find_question (GTK_WINDOW (l->data));
      if (question == NULL)
        self->quitting = FALSE;
      else
        g_signal_connect_object (question, "response", G_CALLBACK (on_quit_question_answered),
                                 self, 0);
    }

  if (self->quitting && only_main_windows_left (self))
    close_windows (self, TRUE);
}

/* The sessions: the join prompt, and the answers sent to the background service */

static CnvJoinWindow *
find_join_window (CnvApplication *self,
                  const char     *session_id)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (CNV_IS_JOIN_WINDOW (l->data)
          && g_strcmp0 (cnv_join_window_get_session_id (l->data), session_id) == 0)
        return CNV_JOIN_WINDOW (l->data);
    }

  return NULL;
}

static void
show_session_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  CnvApplication *self = CNV_APPLICATION (user_data);
  CnvSessionList *sessions = cnv_application_get_session_list (self);
  const char *session_id = g_variant_get_string (parameter, NULL);
  CnvJoinWindow *prompt = find_join_window (self, session_id);

  if (prompt == NULL)
    {
      /* The service may have written it a moment ago. */
      if (cnv_session_list_find (sessions, session_id) == NULL)
        cnv_session_list_refresh (sessions);
      if (cnv_session_list_find (sessions, session_id) == NULL)
        {
          g_message ("Asked for session %s, which the store does not have", session_id);
          cnv_application_show_toast (self, _("This session is not known"));
          return;
        }
      prompt = cnv_join_window_new (self, session_id);
    }

  gtk_window_present (GTK_WINDOW (prompt));
}

/* A failure to reach the service says so in the main window, when there is one (a prompt says it
 * itself); a cancelled call says nothing. */
static void
toast_service_error (CnvApplication *self,
                     const GError   *error)
{
  CnvWindow *window;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  window = find_main_window (self);
  if (window != NULL)
    cnv_window_add_toast (window, adw_toast_new (error->message));
}

static void
on_service_answered (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(CnvApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_service_proxy_activate_finish (CNV_SERVICE_PROXY (source), result, &error))
    toast_service_error (self, error);
}

static void
send_to_service (CnvApplication *self,
                 const char     *action,
                 GVariant       *parameter)
{
  cnv_service_proxy_activate_async (cnv_application_get_service_proxy (self), action,
                                    g_variant_get_string (parameter, NULL), self->cancellable,
                                    on_service_answered, g_object_ref (self));
}

static void
session_answer_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  send_to_service (CNV_APPLICATION (user_data), g_action_get_name (G_ACTION (action)), parameter);
}

static void
on_leave_response (AdwMessageDialog *dialog,
                   const char       *response,
                   CnvApplication   *self)
{
  const char *session_id = g_object_get_data (G_OBJECT (dialog), "cnv-session-id");

  if (g_strcmp0 (response, "leave") == 0)
    send_to_service (self, "leave", g_variant_new_string (session_id));
}

/* Leaving closes the session's program: asked first (GNOME HIG, destructive actions). */
static void
leave_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CnvApplication *self = CNV_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (parent, _("Leave the Session?"),
                                   _("Its program is closed now, and the session moves to the "
                                     "past."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "leave", _("_Leave"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "leave",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "cnv-session-id",
                          g_variant_dup_string (parameter, NULL), g_free);
  cnv_accessible_fix_mnemonic_buttons (dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_leave_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static const GActionEntry app_actions[] = {
  { "new-session", new_session_activated },
  { "preferences", preferences_activated },
  { "help", help_activated },
  { "about", about_activated },
  { "shortcuts", shortcuts_activated },
  { "quit", quit_activated },
  { "show-session", show_session_activated, "s" },
  { "join", session_answer_activated, "s" },
  { "dismiss", session_answer_activated, "s" },
  { "relaunch", session_answer_activated, "s" },
  { "leave", leave_activated, "s" },
};

static void
on_address_book_loaded (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cnv_address_book_load_finish (CNV_ADDRESS_BOOK (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Cannot load the address book: %s", error->message);
}

/* The platform data of a forwarded activation: the activation token, so that the other
 * instance may raise its window (xdg-activation / startup notification). */
static GVariant *
forward_platform_data (void)
{
  GVariantBuilder builder;
  const char *token = g_getenv ("XDG_ACTIVATION_TOKEN");
  const char *startup_id = g_getenv ("DESKTOP_STARTUP_ID");

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (token != NULL)
    g_variant_builder_add (&builder, "{sv}", "activation-token", g_variant_new_string (token));
  if (startup_id != NULL)
    g_variant_builder_add (&builder, "{sv}", "desktop-startup-id",
                           g_variant_new_string (startup_id));

  return g_variant_builder_end (&builder);
}

/* Returns TRUE when another UI owns the name and took over what this one was asked. */
static gboolean
forward_to_running_ui (CnvApplication *self,
                       const char     *action,
                       GVariant       *parameter)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) forwarded = NULL;
  g_autoptr(GError) error = NULL;
  guint32 result;

  /* The shared session connection: GApplication registers on the same one, so the name stays
   * with this process for as long as it runs. */
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    {
      g_debug ("No session bus (%s): running on its own", error->message);
      return FALSE;
    }

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", UI_BUS_NAME,
                                                      NAME_FLAG_DO_NOT_QUEUE),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  if (reply == NULL)
    {
      g_warning ("Cannot ask for the name %s: %s", UI_BUS_NAME, error->message);
      return FALSE;
    }

  g_variant_get (reply, "(u)", &result);
  if (result == NAME_REPLY_PRIMARY_OWNER || result == NAME_REPLY_ALREADY_OWNER)
    {
      g_set_object (&self->bus, bus);
      return FALSE;
    }

  if (action != NULL)
    {
      GVariantBuilder parameters;

      g_variant_builder_init (&parameters, G_VARIANT_TYPE ("av"));
      if (parameter != NULL)
        g_variant_builder_add (&parameters, "v", parameter);
      forwarded = g_dbus_connection_call_sync (bus, UI_BUS_NAME, OBJECT_PATH, "org.gtk.Actions",
                                               "Activate",
                                               g_variant_new ("(sav@a{sv})", action, &parameters,
                                                              forward_platform_data ()),
                                               NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
    }
  else
    forwarded = g_dbus_connection_call_sync (bus, UI_BUS_NAME, OBJECT_PATH,
                                             "org.gtk.Application", "Activate",
                                             g_variant_new ("(@a{sv})", forward_platform_data ()),
                                             NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (forwarded == NULL)
    {
      g_warning ("The running Convene did not answer (%s): opening another", error->message);
      return FALSE;
    }

  return TRUE;
}

static int
cnv_application_handle_local_options (GApplication *app,
                                      GVariantDict *options)
{
  CnvApplication *self = CNV_APPLICATION (app);
  const char *action = NULL;
  const char *session_id = NULL;
  g_autoptr(GVariant) parameter = NULL;

  if (g_variant_dict_lookup (options, "session", "&s", &session_id))
    {
      if (*session_id == '\0' || !g_utf8_validate (session_id, -1, NULL))
        {
          g_printerr ("%s\n", _("The session id is not valid"));
          return EXIT_FAILURE;
        }
      action = "show-session";
      parameter = g_variant_ref_sink (g_variant_new_string (session_id));
    }
  else if (g_variant_dict_contains (options, "new-session"))
    action = "new-session";
  else if (g_variant_dict_contains (options, "preferences"))
    action = "preferences";

  if (forward_to_running_ui (self, action, parameter))
    return EXIT_SUCCESS;

  g_free (self->pending_action);
  self->pending_action = g_strdup (action);
  g_clear_pointer (&self->pending_parameter, g_variant_unref);
  self->pending_parameter = g_steal_pointer (&parameter);

  return -1;
}

static void
load_session_types (CnvApplication *self)
{
  g_autoptr(GPtrArray) entries = cnv_session_type_entries_load (self->settings);

  cnv_session_list_set_session_types (cnv_application_get_session_list (self), entries);
}

static void
on_session_types_changed (GSettings      *settings,
                          const char     *key,
                          CnvApplication *self)
{
  load_session_types (self);
}

/* The service runs while the UI does, so that invitations are watched meanwhile. */
static void
on_service_ensured (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(CnvApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cnv_service_proxy_ensure_finish (CNV_SERVICE_PROXY (source), result, &error))
    toast_service_error (self, error);
}

static void
cnv_application_startup (GApplication *app)
{
  CnvApplication *self = CNV_APPLICATION (app);
  static const struct
  {
    const char *action;
    const char *accels[2];
  } accels[] = {
    { "app.new-session", { "<Control>n", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "app.help", { "F1", NULL } },
    { "app.shortcuts", { "<Control>question", NULL } },
    { "app.quit", { "<Control>q", NULL } },
    { "window.close", { "<Control>w", NULL } },
  };

  G_APPLICATION_CLASS (cnv_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action,
                                           accels[i].accels);

  cnv_application_get_settings (self);
  self->credentials = CNV_CREDENTIALS (cnv_secret_credentials_new ());
  self->address_book = cnv_address_book_new (NULL);
  cnv_address_book_load_async (self->address_book, self->cancellable, on_address_book_loaded,
                               NULL);

  load_session_types (self);
  g_signal_connect_object (self->settings, "changed::session-types",
                           G_CALLBACK (on_session_types_changed), self, 0);
  cnv_service_proxy_ensure_async (cnv_application_get_service_proxy (self), self->cancellable,
                                  on_service_ensured, g_object_ref (self));
}

static void
cnv_application_activate (GApplication *app)
{
  CnvApplication *self = CNV_APPLICATION (app);
  g_autofree char *action = g_steal_pointer (&self->pending_action);
  g_autoptr(GVariant) parameter = g_steal_pointer (&self->pending_parameter);

  if (action != NULL)
    {
      g_action_group_activate_action (G_ACTION_GROUP (self), action, parameter);
      return;
    }

  /* First run: the account comes before anything else. */
  if (!cnv_account_is_configured (cnv_application_get_settings (self)))
    {
      if (find_main_window (self) == NULL)
        {
          show_setup (self);
          return;
        }
    }

  gtk_window_present (GTK_WINDOW (ensure_main_window (self)));
}

static void
cnv_application_window_added (GtkApplication *app,
                              GtkWindow      *window)
{
  CnvApplication *self = CNV_APPLICATION (app);

  GTK_APPLICATION_CLASS (cnv_application_parent_class)->window_added (app, window);

  /* The store is looked at while a window shows the sessions, or may open one. */
  cnv_session_list_set_watching (cnv_application_get_session_list (self), TRUE);
}

static void
cnv_application_window_removed (GtkApplication *app,
                                GtkWindow      *window)
{
  CnvApplication *self = CNV_APPLICATION (app);

  GTK_APPLICATION_CLASS (cnv_application_parent_class)->window_removed (app, window);

  if (gtk_application_get_windows (app) == NULL && self->sessions != NULL)
    cnv_session_list_set_watching (self->sessions, FALSE);

  /* The last window that asked was answered "Discard": the quit goes on */
  if (self->quitting && !self->closing_windows && only_main_windows_left (self))
    close_windows (self, TRUE);
}

static void
cnv_application_shutdown (GApplication *app)
{
  CnvApplication *self = CNV_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);

  G_APPLICATION_CLASS (cnv_application_parent_class)->shutdown (app);
}

static void
cnv_application_dispose (GObject *object)
{
  CnvApplication *self = CNV_APPLICATION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->address_book);
  g_clear_object (&self->credentials);
  g_clear_object (&self->sessions);
  g_clear_object (&self->service);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cnv_application_parent_class)->dispose (object);
}

static void
cnv_application_finalize (GObject *object)
{
  CnvApplication *self = CNV_APPLICATION (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->bus);
  g_free (self->pending_action);
  g_clear_pointer (&self->pending_parameter, g_variant_unref);

  G_OBJECT_CLASS (cnv_application_parent_class)->finalize (object);
}

static void
cnv_application_class_init (CnvApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  GtkApplicationClass *gtk_app_class = GTK_APPLICATION_CLASS (klass);

  object_class->dispose = cnv_application_dispose;
  object_class->finalize = cnv_application_finalize;

  app_class->handle_local_options = cnv_application_handle_local_options;
  app_class->startup = cnv_application_startup;
  app_class->activate = cnv_application_activate;
  app_class->shutdown = cnv_application_shutdown;
  gtk_app_class->window_added = cnv_application_window_added;
  gtk_app_class->window_removed = cnv_application_window_removed;
}

static void
cnv_application_init (CnvApplication *self)
{
  self->cancellable = g_cancellable_new ();
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Start video calls and shared whiteboards "
                                              "with one e-mail."));
}
