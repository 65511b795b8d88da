/* cnv-manager-inspect.c — `convene-manager inspect [--config FILE] FILE.eml|-`
 *
 * A dry run of E500–E511 on one mail: prints as JSON what the manager would read from it, and
 * changes nothing anywhere. Exit status 0 when the mail is a valid request, 1 when it is not,
 * 2 when the command itself cannot run (unreadable file, bad configuration).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <stdio.h>

#include "cnv-manager-inspect.h"
#include "cnv-manager-store.h"

/* Larger than any mail an MTA accepts by default (Postfix: 10 MiB); the daemon has its own limit. */
#define MAX_INSPECT_SIZE (64 * 1024 * 1024)

static void
add_address_array (JsonBuilder *builder,
                   const char  *name,
                   GPtrArray   *addresses)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < addresses->len; i++)
    json_builder_add_string_value (builder, ((CnvAddress *) g_ptr_array_index (addresses, i))->address);
  json_builder_end_array (builder);
}

static void
add_nullable_string (JsonBuilder *builder,
                     const char  *name,
                     const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          GDateTime   *value)
{
  g_autofree char *iso = NULL;

  if (value != NULL)
    {
      g_autoptr(GDateTime) utc = g_date_time_to_utc (value);

      iso = g_date_time_format_iso8601 (utc);
    }
  add_nullable_string (builder, name, iso);
}

/**
 * cnv_manager_inspect_request:
 * @request: a parsed request
 *
 * Returns: (transfer full): the JSON object that `inspect` prints
 */
JsonNode *
cnv_manager_inspect_request (CnvRequest *request)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const CnvAddress *initiator = cnv_request_get_initiator (request);
  const char * const *warnings = cnv_request_get_warnings (request);
  GPtrArray *errors = cnv_request_get_errors (request);

  json_builder_begin_object (builder);
  add_nullable_string (builder, "type", cnv_request_get_session_type (request));
  add_nullable_string (builder, "manager_address", cnv_request_get_manager_address (request));
  add_nullable_string (builder, "title", cnv_request_get_title (request));
  add_nullable_string (builder, "initiator", initiator ? initiator->address : NULL);
  add_address_array (builder, "participants", cnv_request_get_participants (request));
  add_address_array (builder, "informational", cnv_request_get_informational (request));
  add_time (builder, "start", cnv_request_get_start (request));
  add_time (builder, "end", cnv_request_get_end (request));
  add_nullable_string (builder, "times_from",
                       cnv_times_source_to_string (cnv_request_get_times_source (request)));
  add_nullable_string (builder, "uid", cnv_request_get_uid (request));
  add_nullable_string (builder, "session_tag", cnv_request_get_session_tag (request));

  json_builder_set_member_name (builder, "warnings");
  json_builder_begin_array (builder);
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    json_builder_add_string_value (builder, warnings[i]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "errors");
  json_builder_begin_array (builder);
  for (guint i = 0; i < errors->len; i++)
    json_builder_add_string_value (builder, ((GError *) g_ptr_array_index (errors, i))->message);
  json_builder_end_array (builder);

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* E502 for the initiator and each participant, when the configuration names a database that
 * exists (inspect never creates one); null otherwise. */
static void
add_accreditation (JsonObject       *object,
                   CnvManagerConfig *config,
                   CnvRequest       *request)
{
  const char *database = cnv_manager_config_get_database (config);
  const CnvAddress *initiator = cnv_request_get_initiator (request);
  GPtrArray *participants = cnv_request_get_participants (request);
  g_autoptr(CnvManagerStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) addresses = g_ptr_array_new ();
  JsonArray *array;

  if (database == NULL || !g_file_test (database, G_FILE_TEST_IS_REGULAR) ||
      (store = cnv_manager_store_open (database, &error)) == NULL)
    {
      if (error != NULL)
        g_printerr ("convene-manager inspect: accreditation not shown: %s\n", error->message);
      json_object_set_null_member (object, "accreditation");
      return;
    }

  if (initiator != NULL)
    g_ptr_array_add (addresses, initiator->address);
  for (guint i = 0; i < participants->len; i++)
    {
      const char *address = ((CnvAddress *) g_ptr_array_index (participants, i))->address;

      if (initiator == NULL || g_strcmp0 (address, initiator->address) != 0)
        g_ptr_array_add (addresses, (char *) address);
    }

  array = json_array_new ();
  for (guint i = 0; i < addresses->len; i++)
    {
      JsonObject *entry = json_object_new ();
      gboolean accredited = FALSE;

      json_object_set_string_member (entry, "address", g_ptr_array_index (addresses, i));
      if (cnv_manager_store_is_accredited (store, g_ptr_array_index (addresses, i),
                                           cnv_manager_config_get_accredited_domains (config),
                                           &accredited, &error))
        json_object_set_boolean_member (entry, "accredited", accredited);
      else
        {
          json_object_set_null_member (entry, "accredited");
          json_object_set_string_member (entry, "error", error->message);
          g_clear_error (&error);
        }
      json_array_add_object_element (array, entry);
    }
  json_object_set_array_member (object, "accreditation", array);
}

static GBytes *
read_input (const char  *path,
            GError     **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GOutputStream) memory = NULL;
  gssize copied;

  if (g_strcmp0 (path, "-") == 0)
    stream = g_unix_input_stream_new (0, FALSE);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);

      stream = G_INPUT_STREAM (g_file_read (file, NULL, error));
      if (stream == NULL)
        return NULL;
    }

  memory = g_memory_output_stream_new_resizable ();
  copied = g_output_stream_splice (memory, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, NULL, error);
  if (copied < 0)
    return NULL;
  if (copied > MAX_INSPECT_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   "The mail is larger than %d MiB", MAX_INSPECT_SIZE / (1024 * 1024));
      return NULL;
    }
  g_output_stream_close (memory, NULL, NULL);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/**
 * cnv_manager_inspect_main:
 *
 * Runs `convene-manager inspect`; @argv[0] is "inspect".
 *
 * Returns: the exit status
 */
int
cnv_manager_inspect_main (int    argc,
                          char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(CnvRequest) request = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *json = NULL;
  g_auto(GStrv) files = NULL;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      "The manager's configuration (default: built-in types videoconference@* and whiteboard@*)",
      "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "FILE.eml|-" },
    { NULL }
  };

  context = g_option_context_new ("— print as JSON what the manager would do with a mail");
  g_option_context_set_summary (context,
                                "Reads one mail (a file, or - for standard input) as the manager would "
                                "and prints the request it sees.\nChanges nothing. Exit status: 0 a "
                                "valid request, 1 not a valid request, 2 the command could not run.");
  argv[0] = (char *) "convene-manager inspect";
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("convene-manager inspect: %s\n", error->message);
      return 2;
    }
  if (files == NULL || files[0] == NULL || files[1] != NULL)
    {
      g_printerr ("convene-manager inspect: give exactly one mail file, or - for standard input\n");
      return 2;
    }

  if (config_path != NULL)
    config = cnv_manager_config_new_from_file (config_path, &error);
  else
    config = cnv_manager_config_new_default ();
  if (config == NULL)
    {
      g_printerr ("convene-manager inspect: %s\n", error->message);
      return 2;
    }

  bytes = read_input (files[0], &error);
  if (bytes == NULL)
    {
      g_printerr ("convene-manager inspect: %s: %s\n", files[0], error->message);
      return 2;
    }

  request = cnv_request_parse_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                    cnv_manager_config_get_types (config),
                                    cnv_manager_config_get_time_zone (config),
                                    cnv_manager_config_get_default_duration (config),
                                    &error);
  if (request == NULL)
    {
      g_printerr ("convene-manager inspect: %s: %s\n", files[0], error->message);
      return 1;
    }

  root = cnv_manager_inspect_request (request);
  add_accreditation (json_node_get_object (root), config, request);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, NULL);
  g_print ("%s\n", json);

  return cnv_request_get_errors (request)->len == 0 ? 0 : 1;
}
