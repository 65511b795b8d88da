/* demo-compose.c — the headless demo's "alice presses Send": the app's own sending code, no window
 *
 *   demo-compose --type ADDRESS --to ADDRESS [--to ADDRESS…] [--cc ADDRESS…] --title TEXT
 *                [--message TEXT] [--start-in SECONDS --minutes N]
 *
 * What the composer window does when Send is pressed (Fig 4a, E400–E406), with the same GTK-free
 * code: the account and the session types from the user's settings (GSettings, as the app keeps
 * them), the chips through cnv_composer_add_participant()/_cc() (which refuse what the window
 * refuses), cnv_composer_evaluate() for Send's verdict, cnv_composer_build_request(), then
 * cnv_request_sender_send_async() with the password from the user's keyring (libsecret on the
 * session bus this runs on): SMTP submission and a copy in Sent. Prints the Message-ID and the
 * Sent folder; exit 0 when sent, 1 with the reason otherwise. tests/demo/demo.py runs it in the
 * user's own desktop session (HOME, XDG dirs, bus, keyring).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "cnv-app-settings.h"
#include "cnv-composer-state.h"
#include "cnv-engine.h"
#include "cnv-request-sender.h"
#include "cnv-secret-credentials.h"

typedef struct
{
  GMainLoop     *loop;
  CnvSendReport *report;
  GError        *error;
} Sending;

static const char *
stage_name (CnvSendStage stage)
{
  switch (stage)
    {
    case CNV_SEND_STAGE_PASSWORD:
      return "reading the password from the keyring";
    case CNV_SEND_STAGE_SUBMITTING:
      return "submitting by SMTP";
    case CNV_SEND_STAGE_SAVING:
      return "saving a copy in Sent";
    case CNV_SEND_STAGE_DONE:
    default:
      return "done";
    }
}

static void
on_progress (CnvSendStage stage,
             gpointer     user_data)
{
  printf ("  … %s\n", stage_name (stage));
  fflush (stdout);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sending *sending = user_data;

  sending->report = cnv_request_sender_send_finish (result, &sending->error);
  g_main_loop_quit (sending->loop);
}

static gboolean
add_chips (CnvComposerInput *input,
           char            **addresses,
           gboolean          cc,
           GError          **error)
{
  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    {
      g_autoptr(CnvAddress) address = cnv_address_new (NULL, addresses[i], error);
      g_autofree char *problem = NULL;
      gboolean added;

      if (address == NULL)
        return FALSE;
      added = cc ? cnv_composer_add_cc (input, address, &problem)
                 : cnv_composer_add_participant (input, address, &problem);
      if (!added && problem != NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, problem);
          return FALSE;
        }
    }
  return TRUE;
}

static int
fail (const char *what,
      GError     *error)
{
  fprintf (stderr, "demo-compose: %s: %s\n", what, error != NULL ? error->message : "");
  return 1;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *type = NULL;
  g_auto(GStrv) to = NULL;
  g_auto(GStrv) cc = NULL;
  g_autofree char *title = NULL;
  g_autofree char *message = NULL;
  int start_in = -1;
  int minutes = 0;
  const GOptionEntry entries[] = {
    { "type", 0, 0, G_OPTION_ARG_STRING, &type, "The session type's manager address", "ADDRESS" },
    { "to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &to, "A participant", "ADDRESS" },
    { "cc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &cc, "Someone informed only", "ADDRESS" },
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, "The title", "TEXT" },
    { "message", 0, 0, G_OPTION_ARG_STRING, &message, "The message", "TEXT" },
    { "start-in", 0, 0, G_OPTION_ARG_INT, &start_in, "Schedule the start in SECONDS", "SECONDS" },
    { "minutes", 0, 0, G_OPTION_ARG_INT, &minutes, "The duration when scheduled", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— send a request as the app does");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(CnvAccount) account = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(CnvRequest) request = NULL;
  g_autoptr(CnvCredentials) credentials = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *type_address = NULL;
  CnvComposerInput input;
  CnvComposerState state = { 0 };
  Sending sending = { 0 };

  setlocale (LC_ALL, "");
  cnv_engine_init ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("bad arguments", error);
  if (type == NULL || to == NULL || title == NULL)
    {
      fprintf (stderr, "demo-compose: --type, --to and --title are needed\n");
      return 2;
    }

  settings = cnv_app_settings_new ();
  account = cnv_account_load (settings);
  if (account == NULL)
    {
      fprintf (stderr, "demo-compose: no account is set up in these settings\n");
      return 1;
    }
  types = cnv_session_type_entries_load (settings);
  type_address = cnv_address_normalize (type, &error);
  if (type_address == NULL)
    return fail ("bad session type address", error);

  cnv_composer_input_init (&input);
  input.initiator = cnv_address_new (account->name, account->address, NULL);
  input.session_types = types;
  input.session_type = g_strdup (type_address);
  input.title = g_strdup (title);
  input.message = g_strdup (message != NULL ? message : "");
  cnv_composer_input_set_local_zone (&input);
  input.now = g_date_time_new_now (input.zone);
  if (start_in >= 0)
    {
      input.scheduled = TRUE;
      input.start = g_date_time_add_seconds (input.now, start_in);
      input.duration_minutes = minutes > 0 ? minutes : 30;
    }
  if (!add_chips (&input, to, FALSE, &error) || !add_chips (&input, cc, TRUE, &error))
    {
      cnv_composer_input_clear (&input);
      return fail ("the composer refuses an address", error);
    }

  cnv_composer_evaluate (&input, &state);
  if (!state.can_send)
    {
      for (guint i = 0; i < CNV_COMPOSER_N_FIELDS; i++)
        if (state.errors[i] != NULL)
          fprintf (stderr, "demo-compose: %s\n", state.errors[i]);
      cnv_composer_state_clear (&state);
      cnv_composer_input_clear (&input);
      return 1;
    }
  cnv_composer_state_clear (&state);
  request = cnv_composer_build_request (&input, &error);
  cnv_composer_input_clear (&input);
  if (request == NULL)
    return fail ("cannot build the request", error);

  credentials = CNV_CREDENTIALS (cnv_secret_credentials_new ());
  loop = g_main_loop_new (NULL, FALSE);
  sending.loop = loop;
  cnv_request_sender_send_async (request, account, credentials, on_progress, NULL, NULL, on_sent,
                                 &sending);
  g_main_loop_run (loop);
  if (sending.report == NULL)
    {
      int status = fail ("not sent", sending.error);

      g_clear_error (&sending.error);
      return status;
    }
  printf ("  sent %s; copy in \"%s\"%s%s\n", sending.report->message_id,
          sending.report->sent_folder != NULL ? sending.report->sent_folder : "",
          sending.report->copy_error != NULL ? ": " : "",
          sending.report->copy_error != NULL ? sending.report->copy_error : "");
  cnv_send_report_free (sending.report);
  return 0;
}
