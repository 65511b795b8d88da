/* cnv-manager-admin-session.c — the administrator's session command (list, show, cancel) and
 * cnv_manager_admin_cancel_session()
 *
 *   convene-manager session list [--all] [--type TYPE] [--json] | show ID [--json] | cancel ID
 *
 * A cancellation is written as outbox rows in the same transaction as the session's new state:
 * the running manager notices the change (PRAGMA data_version) and mails them, with retries, as it
 * mails everything else. The option and output helpers are in cnv-manager-admin.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "cnv-manager-admin-private.h"
#include "cnv-manager-config.h"

/* Titles come from mail subjects: long ones are shortened in lists (`show` gives them whole). */
#define MAX_TITLE_IN_LIST 40

/**
 * cnv_manager_admin_cancel_session:
 * @store: the manager's store
 * @session_id: a session id
 * @now: the current time (Unix seconds): when the cancellations may be sent
 * @n_participants: (out) (optional): how many cancellations were queued
 * @error: %CNV_ADMIN_ERROR_NOT_FOUND, %CNV_ADMIN_ERROR_REFUSED (a closed or cancelled session),
 *   or a %CNV_STORE_ERROR
 *
 * In one transaction: the session becomes cancelled, and each participant gets a
 * %CNV_OUTBOX_CANCEL row (RFC 5546 §3.2.5: METHOD:CANCEL) from the session's manager address, in
 * reply to the request. Nothing is sent here: the manager's outbox sends them.
 */
gboolean
cnv_manager_admin_cancel_session (CnvManagerStore  *store,
                                  const char       *session_id,
                                  gint64            now,
                                  guint            *n_participants,
                                  GError          **error)
{
  g_autoptr(CnvStoredSession) session = NULL;
  g_autoptr(GPtrArray) participants = NULL;
  g_autofree char *domain = NULL;

  g_return_val_if_fail (CNV_IS_MANAGER_STORE (store), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);

  if (!cnv_manager_store_begin (store, error))
    return FALSE;

  if (!cnv_manager_store_get_session (store, session_id, &session, error))
    goto failed;
  if (session == NULL)
    {
      g_set_error (error, CNV_ADMIN_ERROR, CNV_ADMIN_ERROR_NOT_FOUND, "No session %s", session_id);
      goto failed;
    }
  if (session->state == CNV_SESSION_STATE_CLOSED || session->state == CNV_SESSION_STATE_CANCELLED)
    {
      g_set_error (error, CNV_ADMIN_ERROR, CNV_ADMIN_ERROR_REFUSED,
                   "Session %s is %s already: there is nothing to cancel", session_id,
                   cnv_session_state_to_string (session->state));
      goto failed;
    }

  if (!cnv_manager_store_set_session_state (store, session_id, CNV_SESSION_STATE_CANCELLED, error) ||
      !cnv_manager_store_list_participants (store, session_id, &participants, error))
    goto failed;

  domain = cnv_address_get_domain (session->manager_address);
  for (guint i = 0; i < participants->len; i++)
    {
      const CnvStoredParticipant *participant = g_ptr_array_index (participants, i);
      CnvOutboxItem item = { 0, };
      gboolean added;

      item.kind = CNV_OUTBOX_CANCEL;
      item.session_id = session->id;
      item.participant_id = participant->id;
      /* The store replaces the recipient by its normalised form: the item owns it. */
      item.recipient = g_strdup (participant->address);
      item.recipient_name = participant->name;
      item.sender = session->manager_address;
      item.in_reply_to = session->request_message_id;
      item.state = CNV_OUTBOX_PENDING;
      item.next_attempt = now;
      /* Chosen now, as for every outbox row: a copy sent again after a crash is the same mail. */
      item.message_id = g_mime_utils_generate_message_id (domain != NULL ? domain : "convene.invalid");
      added = cnv_manager_store_add_outbox (store, &item, error);
      g_free (item.recipient);
      g_free (item.message_id);
      if (!added)
        goto failed;
    }

  if (!cnv_manager_store_commit (store, error))
    goto failed;
  if (n_participants != NULL)
    *n_participants = participants->len;
  return TRUE;

failed:
  cnv_manager_store_rollback (store);
  return FALSE;
}

/* ---- session ----------------------------------------------------------------------------- */

static void
build_session (JsonBuilder            *builder,
               const CnvStoredSession *session)
{
  cnv_admin_add_string_member (builder, "id", session->id);
  cnv_admin_add_string_member (builder, "state", cnv_session_state_to_string (session->state));
  cnv_admin_add_string_member (builder, "type", session->type);
  cnv_admin_add_string_member (builder, "title", session->title);
  cnv_admin_add_string_member (builder, "initiator", session->initiator);
  cnv_admin_add_string_member (builder, "initiator_name", session->initiator_name);
  cnv_admin_add_string_member (builder, "manager_address", session->manager_address);
  cnv_admin_add_time_member (builder, "start", session->start);
  cnv_admin_add_time_member (builder, "end", session->end);
  cnv_admin_add_string_member (builder, "uid", session->uid);
  json_builder_set_member_name (builder, "sequence");
  json_builder_add_int_value (builder, session->sequence);
  cnv_admin_add_string_member (builder, "request_message_id", session->request_message_id);
  cnv_admin_add_string_member (builder, "room", session->room);
  cnv_admin_add_string_member (builder, "room_url", session->room_url);
  cnv_admin_add_string_member (builder, "invite_at",
                               session->invite_at_start ? "start" : "request");
  cnv_admin_add_time_member (builder, "created_at", session->created_at);
}

static gboolean
get_session_or_report (CnvManagerStore   *store,
                       const char        *command,
                       const char        *session_id,
                       CnvStoredSession **session,
                       int               *status)
{
  g_autoptr(GError) error = NULL;

  if (!cnv_manager_store_get_session (store, session_id, session, &error))
    {
      g_printerr ("convene-manager: %s: %s\n", command, error->message);
      *status = CNV_ADMIN_EXIT_USAGE;
      return FALSE;
    }
  if (*session == NULL)
    {
      g_printerr ("convene-manager: %s: no session %s\n", command, session_id);
      *status = CNV_ADMIN_EXIT_REFUSED;
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_session_id (const char *command,
                  const char *session_id)
{
  if (cnv_session_id_is_valid (session_id))
    return TRUE;
  {
    g_autofree char *shown = cnv_admin_display_text (session_id, 40);

    g_printerr ("convene-manager: %s: “%s” is not a session id (see convene-manager session "
                "list)\n", command, shown);
  }
  return FALSE;
}

static int
session_list (int    argc,
              char **argv)
{
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(CnvManagerStore) store = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *type = NULL;
  g_auto(GStrv) args = NULL;
  gboolean json = FALSE;
  gboolean all = FALSE;
  GOptionEntry entries[] = {
    CNV_ADMIN_CONFIG_ENTRY (&config_path),
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Also the closed and cancelled sessions", NULL },
    { "type", 't', 0, G_OPTION_ARG_STRING, &type, "Only the sessions of this type", "TYPE" },
    CNV_ADMIN_JSON_ENTRY (&json),
    CNV_ADMIN_ARGS_ENTRY (&args, NULL),
    { NULL }
  };

  if (!cnv_admin_parse_command ("session list", NULL,
                                "Lists the scheduled and active sessions (with --all, every "
                                "session), by start time.\nTimes are in the configuration's "
                                "time zone.",
                                entries, argc, argv, &args, 0))
    return CNV_ADMIN_EXIT_USAGE;
  store = cnv_admin_open_store ("session list", config_path, &config);
  if (store == NULL)
    return CNV_ADMIN_EXIT_USAGE;
  if (!cnv_manager_store_list_sessions (store, all, type, &sessions, &error))
    {
      g_printerr ("convene-manager: session list: %s\n", error->message);
      return CNV_ADMIN_EXIT_USAGE;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < sessions->len; i++)
        {
          json_builder_begin_object (builder);
          build_session (builder, g_ptr_array_index (sessions, i));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      cnv_admin_print_json (root);
    }
  else if (sessions->len == 0)
    g_print (all ? "No sessions.\n" : "No scheduled or active sessions.\n");
  else
    {
      g_autoptr(CnvAdminTable) table = cnv_admin_table_new (7);
      g_autofree char *start_header = g_strdup_printf ("START (%s)",
                                                       cnv_manager_config_get_time_zone_name (config));

      cnv_admin_table_add (table, g_strdup ("ID"), g_strdup ("STATE"),
                           g_steal_pointer (&start_header), g_strdup ("END"), g_strdup ("TYPE"),
                           g_strdup ("INITIATOR"), g_strdup ("TITLE"));
      for (guint i = 0; i < sessions->len; i++)
        {
          const CnvStoredSession *session = g_ptr_array_index (sessions, i);
          g_autofree char *start_day = cnv_admin_format_local (config, session->start, "%Y-%m-%d");
          g_autofree char *end_day = cnv_admin_format_local (config, session->end, "%Y-%m-%d");

          cnv_admin_table_add (table,
                               cnv_admin_display_text (session->id, 0),
                               g_strdup (cnv_session_state_to_string (session->state)),
                               cnv_admin_format_local (config, session->start, "%Y-%m-%d %H:%M"),
                               cnv_admin_format_local (config, session->end,
                                                       g_strcmp0 (start_day, end_day) == 0
                                                       ? "%H:%M" : "%Y-%m-%d %H:%M"),
                               cnv_admin_display_text (session->type, 0),
                               cnv_admin_display_text (session->initiator, 0),
                               cnv_admin_display_text (session->title, MAX_TITLE_IN_LIST));
        }
      cnv_admin_table_print (table, "");
    }
  return 0;
}

static void
print_field (const char *label,
             char       *value)    /* taken */
{
  g_print ("%-13s %s\n", label, value != NULL ? value : "—");
  g_free (value);
}

static int
session_show (int    argc,
              char **argv)
{
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(CnvManagerStore) store = NULL;
  g_autoptr(CnvStoredSession) session = NULL;
  g_autoptr(GPtrArray) participants = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_auto(GStrv) args = NULL;
  gboolean json = FALSE;
  int status = 0;
  GOptionEntry entries[] = {
    CNV_ADMIN_CONFIG_ENTRY (&config_path),
    CNV_ADMIN_JSON_ENTRY (&json),
    CNV_ADMIN_ARGS_ENTRY (&args, "ID"),
    { NULL }
  };

  if (!cnv_admin_parse_command ("session show", "ID",
                                "Shows a session, its participants and the mail the manager "
                                "sends for it (the outbox).\nTimes are in the configuration's "
                                "time zone.",
                                entries, argc, argv, &args, 1))
    return CNV_ADMIN_EXIT_USAGE;
  if (!check_session_id ("session show", args[0]))
    return CNV_ADMIN_EXIT_USAGE;
  store = cnv_admin_open_store ("session show", config_path, &config);
  if (store == NULL)
    return CNV_ADMIN_EXIT_USAGE;
  if (!get_session_or_report (store, "session show", args[0], &session, &status))
    return status;
  if (!cnv_manager_store_list_participants (store, session->id, &participants, &error) ||
      !cnv_manager_store_list_outbox (store, session->id, &outbox, &error))
    {
      g_printerr ("convene-manager: session show: %s\n", error->message);
      return CNV_ADMIN_EXIT_USAGE;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      build_session (builder, session);

      json_builder_set_member_name (builder, "participants");
      json_builder_begin_array (builder);
      for (guint i = 0; i < participants->len; i++)
        {
          const CnvStoredParticipant *participant = g_ptr_array_index (participants, i);

          json_builder_begin_object (builder);
          cnv_admin_add_string_member (builder, "address", participant->address);
          cnv_admin_add_string_member (builder, "name", participant->name);
          json_builder_set_member_name (builder, "initiator");
          json_builder_add_boolean_value (builder, participant->is_initiator);
          cnv_admin_add_time_member (builder, "added_at", participant->added_at);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);

      json_builder_set_member_name (builder, "outbox");
      json_builder_begin_array (builder);
      for (guint i = 0; i < outbox->len; i++)
        {
          const CnvOutboxItem *item = g_ptr_array_index (outbox, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_int_value (builder, item->id);
          cnv_admin_add_string_member (builder, "kind", cnv_outbox_kind_to_string (item->kind));
          cnv_admin_add_string_member (builder, "recipient", item->recipient);
          cnv_admin_add_string_member (builder, "state", cnv_outbox_state_to_string (item->state));
          json_builder_set_member_name (builder, "attempts");
          json_builder_add_int_value (builder, item->attempts);
          cnv_admin_add_time_member (builder, "next_attempt", item->next_attempt);
          cnv_admin_add_string_member (builder, "last_error", item->last_error);
          cnv_admin_add_string_member (builder, "message_id", item->message_id);
          cnv_admin_add_time_member (builder, "created_at", item->created_at);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);

      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      cnv_admin_print_json (root);
      return 0;
    }

  print_field ("Session", cnv_admin_display_text (session->id, 0));
  print_field ("Title", cnv_admin_display_text (session->title, 0));
  print_field ("State", g_strdup (cnv_session_state_to_string (session->state)));
  print_field ("Type", g_strdup_printf ("%s (%s)", session->type, session->manager_address));
  print_field ("Start", cnv_admin_format_local (config, session->start, "%Y-%m-%d %H:%M %Z"));
  print_field ("End", cnv_admin_format_local (config, session->end, "%Y-%m-%d %H:%M %Z"));
  if (session->initiator_name != NULL)
    {
      g_autofree char *name = cnv_admin_display_text (session->initiator_name, 0);

      print_field ("Initiator", g_strdup_printf ("%s <%s>", name, session->initiator));
    }
  else
    print_field ("Initiator", cnv_admin_display_text (session->initiator, 0));
  print_field ("Invite at", g_strdup (session->invite_at_start ? "start" : "request"));
  print_field ("Room", cnv_admin_display_text (session->room, 0));
  print_field ("Room URL",
               session->room_url ? cnv_admin_display_text (session->room_url, 0) : NULL);
  {
    g_autofree char *uid = cnv_admin_display_text (session->uid, 0);
    g_autofree char *request = cnv_admin_display_text (session->request_message_id, 0);

    print_field ("Calendar UID", g_strdup_printf ("%s (sequence %d)", uid, session->sequence));
    print_field ("Request", session->request_message_id ? g_strdup_printf ("<%s>", request) : NULL);
  }
  print_field ("Created",
               cnv_admin_format_local (config, session->created_at, "%Y-%m-%d %H:%M %Z"));

  g_print ("\nParticipants (%u)\n", participants->len);
  if (participants->len > 0)
    {
      g_autoptr(CnvAdminTable) table = cnv_admin_table_new (3);

      cnv_admin_table_add (table, g_strdup ("ADDRESS"), g_strdup ("NAME"), g_strdup ("ROLE"));
      for (guint i = 0; i < participants->len; i++)
        {
          const CnvStoredParticipant *participant = g_ptr_array_index (participants, i);

          cnv_admin_table_add (table, cnv_admin_display_text (participant->address, 0),
                               cnv_admin_display_text (participant->name, 0),
                               g_strdup (participant->is_initiator ? "initiator" : "participant"));
        }
      cnv_admin_table_print (table, "  ");
    }

  g_print ("\nOutbox (%u)\n", outbox->len);
  if (outbox->len > 0)
    {
      g_autoptr(CnvAdminTable) table = cnv_admin_table_new (6);

      cnv_admin_table_add (table, g_strdup ("KIND"), g_strdup ("RECIPIENT"), g_strdup ("STATE"),
                           g_strdup ("ATTEMPTS"), g_strdup ("NEXT ATTEMPT"),
                           g_strdup ("LAST ERROR"));
      for (guint i = 0; i < outbox->len; i++)
        {
          const CnvOutboxItem *item = g_ptr_array_index (outbox, i);

          cnv_admin_table_add (table, g_strdup (cnv_outbox_kind_to_string (item->kind)),
                               cnv_admin_display_text (item->recipient, 0),
                               g_strdup (cnv_outbox_state_to_string (item->state)),
                               g_strdup_printf ("%d", item->attempts),
                               item->state == CNV_OUTBOX_PENDING
                               ? cnv_admin_format_local (config, item->next_attempt,
                                                         "%Y-%m-%d %H:%M")
                               : g_strdup ("—"),
                               cnv_admin_display_text (item->last_error, 0));
        }
      cnv_admin_table_print (table, "  ");
    }
  return 0;
}

static int
session_cancel (int    argc,
                char **argv)
{
  g_autoptr(CnvManagerStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_auto(GStrv) args = NULL;
  guint n_participants = 0;
  GOptionEntry entries[] = {
    CNV_ADMIN_CONFIG_ENTRY (&config_path),
    CNV_ADMIN_ARGS_ENTRY (&args, "ID"),
    { NULL }
  };

  if (!cnv_admin_parse_command ("session cancel", "ID",
                                "Cancels a scheduled or active session. The running manager "
                                "mails the cancellation\n(an iCalendar CANCEL) to every "
                                "participant and closes its join links.",
                                entries, argc, argv, &args, 1))
    return CNV_ADMIN_EXIT_USAGE;
  if (!check_session_id ("session cancel", args[0]))
    return CNV_ADMIN_EXIT_USAGE;
  store = cnv_admin_open_store ("session cancel", config_path, NULL);
  if (store == NULL)
    return CNV_ADMIN_EXIT_USAGE;

  if (!cnv_manager_admin_cancel_session (store, args[0], g_get_real_time () / G_USEC_PER_SEC,
                                         &n_participants, &error))
    {
      g_printerr ("convene-manager: session cancel: %s\n", error->message);
      return error->domain == CNV_ADMIN_ERROR ? CNV_ADMIN_EXIT_REFUSED : CNV_ADMIN_EXIT_USAGE;
    }
  g_print ("%s: cancelled; the running manager mails the cancellation to %u %s\n", args[0],
           n_participants, n_participants == 1 ? "participant" : "participants");
  return 0;
}

/**
 * cnv_manager_admin_session_main:
 *
 * `convene-manager session list|show|cancel`; @argv[0] is "session".
 */
int
cnv_manager_admin_session_main (int    argc,
                                char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "list") == 0)
    return session_list (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "show") == 0)
    return session_show (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "cancel") == 0)
    return session_cancel (argc - 1, argv + 1);

  g_printerr ("Usage: convene-manager session list [--all] [--type TYPE] [--json] --config FILE\n"
              "       convene-manager session show ID [--json] --config FILE\n"
              "       convene-manager session cancel ID --config FILE\n");
  return CNV_ADMIN_EXIT_USAGE;
}
