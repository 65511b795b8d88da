/* cnv-manager-admin.c — the administrator's commands: check-config, user, domain, and the
 * option and output helpers that they and the session command (cnv-manager-admin-session.c) share
 *
 *   convene-manager check-config --config FILE
 *   convene-manager user add ADDRESS [--name NAME] | remove ADDRESS | list [--json]
 *   convene-manager domain add DOMAIN | remove DOMAIN | list [--json]
 *
 * Every command but check-config works on the database that `--config FILE` names, through the
 * store; none of them sends mail.
 *
 * Exit status: 0 done, 1 the operation was refused (no such user, a closed session, problems in
 * the configuration), 2 the command could not run (usage, configuration, database).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "cnv-manager-admin-private.h"
#include "cnv-manager-config.h"

G_DEFINE_QUARK (cnv-admin-error-quark, cnv_admin_error)

/* ---- Options, configuration, store -------------------------------------------------------- */

/* Parses the options of “convene-manager COMMAND”, which takes exactly @n_args arguments.
 * @argv[0] is the command's last word. */
gboolean
cnv_admin_parse_command (const char    *command,
                         const char    *parameters,
                         const char    *summary,
                         GOptionEntry  *entries,
                         int            argc,
                         char         **argv,
                         char        ***args,
                         guint          n_args)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameters);
  g_autoptr(GError) error = NULL;
  g_autofree char *program = g_strconcat ("convene-manager ", command, NULL);

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  /* --help shows the program name, which GOptionContext takes from g_get_prgname(). */
  g_set_prgname (program);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("convene-manager: %s: %s\n", command, error->message);
      return FALSE;
    }
  if ((*args == NULL ? 0 : g_strv_length (*args)) != n_args)
    {
      if (n_args == 0)
        g_printerr ("convene-manager: %s: unexpected argument “%s”\n", command, (*args)[0]);
      else
        g_printerr ("convene-manager: %s: expected %s\n", command, parameters);
      g_printerr ("Run “convene-manager %s --help” for its options.\n", command);
      return FALSE;
    }
  return TRUE;
}

static CnvManagerConfig *
load_config (const char *command,
             const char *config_path)
{
  g_autoptr(GError) error = NULL;
  CnvManagerConfig *config;

  if (config_path == NULL)
    {
      g_printerr ("convene-manager: %s: --config FILE is required (the configuration names the "
                  "database)\n", command);
      return NULL;
    }
  config = cnv_manager_config_new_from_file (config_path, &error);
  if (config == NULL)
    g_printerr ("convene-manager: %s\n", error->message);
  return config;
}

CnvManagerStore *
cnv_admin_open_store (const char        *command,
                      const char        *config_path,
                      CnvManagerConfig **config_out)
{
  g_autoptr(CnvManagerConfig) config = load_config (command, config_path);
  g_autoptr(GError) error = NULL;
  CnvManagerStore *store;
  const char *database;

  if (config == NULL)
    return NULL;
  database = cnv_manager_config_get_database (config);
  if (database == NULL)
    {
      g_printerr ("convene-manager: %s: [manager] database is not set: the commands need the "
                  "manager's database\n", config_path);
      return NULL;
    }
  store = cnv_manager_store_open (database, &error);
  if (store == NULL)
    {
      g_printerr ("convene-manager: %s: %s\n", database, error->message);
      return NULL;
    }
  if (config_out != NULL)
    *config_out = g_steal_pointer (&config);
  return store;
}

void
cnv_admin_print_json (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* ---- Human output ------------------------------------------------------------------------- */

/* Text from mail (titles, names, server replies) shown on a terminal: control characters —
 * escape sequences among them — become U+FFFD; long text may be shortened. */
char *
cnv_admin_display_text (const char *text,
                        guint       max_chars)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (max_chars > 0 && n++ == max_chars - 1 && p[1] != '\0' &&
          *g_utf8_next_char (p) != '\0')
        {
          g_string_append (out, "…");
          break;
        }
      g_string_append_unichar (out, g_unichar_iscntrl (c) ? 0xFFFD : c);
    }
  return g_string_free (out, FALSE);
}

struct _CnvAdminTable
{
  guint      n_columns;
  GPtrArray *cells;   /* char*, row after row */
};

CnvAdminTable *
cnv_admin_table_new (guint n_columns)
{
  CnvAdminTable *table = g_new0 (CnvAdminTable, 1);

  table->n_columns = n_columns;
  table->cells = g_ptr_array_new_with_free_func (g_free);
  return table;
}

void
cnv_admin_table_free (CnvAdminTable *table)
{
  g_ptr_array_unref (table->cells);
  g_free (table);
}

/* Takes the cells: @n_columns strings, each already fit for a terminal. */
void
cnv_admin_table_add (CnvAdminTable *table,
                     ...)
{
  va_list args;

  va_start (args, table);
  for (guint i = 0; i < table->n_columns; i++)
    g_ptr_array_add (table->cells, va_arg (args, char *));
  va_end (args);
}

void
cnv_admin_table_print (CnvAdminTable *table,
                       const char    *indent)
{
  g_autofree guint *widths = g_new0 (guint, table->n_columns);
  guint n_rows = table->cells->len / table->n_columns;

  for (guint i = 0; i < table->cells->len; i++)
    widths[i % table->n_columns] = MAX (widths[i % table->n_columns],
                                        g_utf8_strlen (g_ptr_array_index (table->cells, i), -1));
  for (guint row = 0; row < n_rows; row++)
    {
      GString *line = g_string_new (indent);

      for (guint column = 0; column < table->n_columns; column++)
        {
          const char *cell = g_ptr_array_index (table->cells, row * table->n_columns + column);

          g_string_append (line, cell);
          if (column + 1 < table->n_columns)
            for (guint pad = g_utf8_strlen (cell, -1); pad < widths[column] + 2; pad++)
              g_string_append_c (line, ' ');
        }
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      g_print ("%s\n", line->str);
      g_string_free (line, TRUE);
    }
}

char *
cnv_admin_format_local (CnvManagerConfig *config,
                        gint64            when,
                        const char       *format)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (when);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("?");
  local = g_date_time_to_timezone (utc, cnv_manager_config_get_time_zone (config));
  return g_date_time_format (local, format);
}

static char *
format_iso (gint64 when)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (when);

  return utc != NULL ? g_date_time_format_iso8601 (utc) : NULL;
}

void
cnv_admin_add_string_member (JsonBuilder *builder,
                             const char  *name,
                             const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
cnv_admin_add_time_member (JsonBuilder *builder,
                           const char  *name,
                           gint64       when)
{
  g_autofree char *iso = when > 0 ? format_iso (when) : NULL;

  cnv_admin_add_string_member (builder, name, iso);
}

/* ---- check-config ------------------------------------------------------------------------ */

/**
 * cnv_manager_admin_check_config_main:
 *
 * `convene-manager check-config --config FILE`: every mistake of the file, then what `run`
 * would miss. @argv[0] is "check-config".
 *
 * Returns: 0 no problem, 1 problems, 2 the file cannot be read
 */
int
cnv_manager_admin_check_config_main (int    argc,
                                     char **argv)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_auto(GStrv) args = NULL;
  GOptionEntry entries[] = {
    CNV_ADMIN_CONFIG_ENTRY (&config_path),
    CNV_ADMIN_ARGS_ENTRY (&args, NULL),
    { NULL }
  };

  if (!cnv_admin_parse_command ("check-config", NULL,
                                "Checks the configuration: every mistake, one per line, with "
                                "its line, group and key;\nthen what “convene-manager run” would "
                                "miss (database, mail accounts, password files,\npublic URL, "
                                "backends). Exit status: 0 no problem, 1 problems, 2 the file "
                                "cannot be read.",
                                entries, argc, argv, &args, 0))
    return CNV_ADMIN_EXIT_USAGE;
  if (config_path == NULL)
    {
      g_printerr ("convene-manager: check-config: --config FILE is required\n");
      return CNV_ADMIN_EXIT_USAGE;
    }

  config = cnv_manager_config_check_file (config_path, problems, &error);
  if (error != NULL)
    {
      g_printerr ("convene-manager: %s\n", error->message);
      return CNV_ADMIN_EXIT_USAGE;
    }
  if (config != NULL)
    cnv_manager_config_check_daemon (config, problems);

  for (guint i = 0; i < problems->len; i++)
    g_print ("%s\n", (const char *) g_ptr_array_index (problems, i));
  if (problems->len == 0)
    g_print ("%s: OK\n", config_path);
  else
    g_print ("%s: %u %s\n", config_path, problems->len, problems->len == 1 ? "problem" : "problems");
  return problems->len == 0 ? 0 : CNV_ADMIN_EXIT_REFUSED;
}

/* ---- user -------------------------------------------------------------------------------- */

static int
user_add (int    argc,
          char **argv)
{
  g_autoptr(CnvManagerStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *name_arg = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *name = NULL;
  g_auto(GStrv) args = NULL;
  GOptionEntry entries[] = {
    CNV_ADMIN_CONFIG_ENTRY (&config_path),
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name_arg, "The person's name", "NAME" },
    CNV_ADMIN_ARGS_ENTRY (&args, "ADDRESS"),
    { NULL }
  };

  if (!cnv_admin_parse_command ("user add", "ADDRESS",
                                "Accredits ADDRESS: its mail may start sessions and it may be "
                                "invited. Adding it again changes the name.",
                                entries, argc, argv, &args, 1))
    return CNV_ADMIN_EXIT_USAGE;

  normalized = cnv_address_normalize (args[0], &error);
  if (normalized == NULL)
    {
      g_printerr ("convene-manager: user add: %s\n", error->message);
      return CNV_ADMIN_EXIT_USAGE;
    }
  name = cnv_address_sanitize_name (name_arg);

  store = cnv_admin_open_store ("user add", config_path, NULL);
  if (store == NULL)
    return CNV_ADMIN_EXIT_USAGE;
  if (!cnv_manager_store_add_user (store, normalized, name, &error))
    {
      g_printerr ("convene-manager: user add: %s\n", error->message);
      return CNV_ADMIN_EXIT_USAGE;
    }
  if (name != NULL)
    g_print ("%s (%s) is accredited\n", normalized, name);
  else
    g_print ("%s is accredited\n", normalized);
  return 0;
}

static int
user_remove (int    argc,
             char **argv)
{
  g_autoptr(CnvManagerStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *normalized = NULL;
  g_auto(GStrv) args = NULL;
  gboolean removed = FALSE;
  GOptionEntry entries[] = {
    CNV_ADMIN_CONFIG_ENTRY (&config_path),
    CNV_ADMIN_ARGS_ENTRY (&args, "ADDRESS"),
    { NULL }
  };

  if (!cnv_admin_parse_command ("user remove", "ADDRESS",
                                "Removes ADDRESS from the accredited users. It stays accredited "
                                "if its domain is.",
                                entries, argc, argv, &args, 1))
    return CNV_ADMIN_EXIT_USAGE;

  normalized = cnv_address_normalize (args[0], &error);
  if (normalized == NULL)
    {
      g_printerr ("convene-manager: user remove: %s\n", error->message);
      return CNV_ADMIN_EXIT_USAGE;
    }
  store = cnv_admin_open_store ("user remove", config_path, NULL);
  if (store == NULL)
    return CNV_ADMIN_EXIT_USAGE;
  if (!cnv_manager_store_remove_user (store, normalized, &removed, &error))
    {
      g_printerr ("convene-manager: user remove: %s\n", error->message);
      return CNV_ADMIN_EXIT_USAGE;
    }
  if (!removed)
    {
      g_printerr ("convene-manager: user remove: %s is not an accredited user\n", normalized);
      return CNV_ADMIN_EXIT_REFUSED;
    }
  g_print ("%s is no longer an accredited user\n", normalized);
  return 0;
}

static int
user_list (int    argc,
           char **argv)
{
  g_autoptr(CnvManagerStore) store = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_auto(GStrv) args = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    CNV_ADMIN_CONFIG_ENTRY (&config_path),
    CNV_ADMIN_JSON_ENTRY (&json),
    CNV_ADMIN_ARGS_ENTRY (&args, NULL),
    { NULL }
  };

  if (!cnv_admin_parse_command ("user list", NULL, "Lists the accredited users.",
                                entries, argc, argv, &args, 0))
    return CNV_ADMIN_EXIT_USAGE;
  store = cnv_admin_open_store ("user list", config_path, NULL);
  if (store == NULL)
    return CNV_ADMIN_EXIT_USAGE;
  users = cnv_manager_store_list_users (store, &error);
  if (users == NULL)
    {
      g_printerr ("convene-manager: user list: %s\n", error->message);
      return CNV_ADMIN_EXIT_USAGE;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < users->len; i++)
        {
          const CnvAddress *user = g_ptr_array_index (users, i);

          json_builder_begin_object (builder);
          cnv_admin_add_string_member (builder, "address", user->address);
          cnv_admin_add_string_member (builder, "name", user->name);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      cnv_admin_print_json (root);
    }
  else if (users->len == 0)
    g_print ("No accredited users.\n");
  else
    {
      g_autoptr(CnvAdminTable) table = cnv_admin_table_new (2);

      cnv_admin_table_add (table, g_strdup ("ADDRESS"), g_strdup ("NAME"));
      for (guint i = 0; i < users->len; i++)
        {
          const CnvAddress *user = g_ptr_array_index (users, i);

          cnv_admin_table_add (table, cnv_admin_display_text (user->address, 0),
                               cnv_admin_display_text (user->name, 0));
        }
      cnv_admin_table_print (table, "");
    }
  return 0;
}

/**
 * cnv_manager_admin_user_main:
 *
 * `convene-manager user add|remove|list`; @argv[0] is "user".
 */
int
cnv_manager_admin_user_main (int    argc,
                             char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "add") == 0)
    return user_add (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "remove") == 0)
    return user_remove (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "list") == 0)
    return user_list (argc - 1, argv + 1);

  g_printerr ("Usage: convene-manager user add ADDRESS [--name NAME] --config FILE\n"
              "       convene-manager user remove ADDRESS --config FILE\n"
              "       convene-manager user list [--json] --config FILE\n");
  return CNV_ADMIN_EXIT_USAGE;
}

/* ---- domain ------------------------------------------------------------------------------ */

/* A domain as the store and the configuration keep it: IDNA, lower case. */
static char *
normalize_domain (const char  *text,
                  GError     **error)
{
  g_autofree char *address = NULL;
  g_autofree char *normalized = NULL;
  const char *domain = text;

  if (*domain == '@')
    domain++;
  if (*domain == '\0' || strchr (domain, '@') != NULL || strchr (domain, '*') != NULL)
    {
      g_set_error (error, CNV_ADDRESS_ERROR, CNV_ADDRESS_ERROR_INVALID,
                   "“%s” is not a domain name (such as example.org)", text);
      return NULL;
    }
  address = g_strconcat ("postmaster@", domain, NULL);
  normalized = cnv_address_normalize (address, NULL);
  if (normalized == NULL)
    {
      g_set_error (error, CNV_ADDRESS_ERROR, CNV_ADDRESS_ERROR_INVALID,
                   "“%s” is not a domain name (such as example.org)", text);
      return NULL;
    }
  return cnv_address_get_domain (normalized);
}

static int
domain_add_or_remove (int         argc,
                      char      **argv,
                      gboolean    add)
{
  const char *command = add ? "domain add" : "domain remove";
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(CnvManagerStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *domain = NULL;
  g_auto(GStrv) args = NULL;
  gboolean removed = FALSE;
  GOptionEntry entries[] = {
    CNV_ADMIN_CONFIG_ENTRY (&config_path),
    CNV_ADMIN_ARGS_ENTRY (&args, "DOMAIN"),
    { NULL }
  };

  if (!cnv_admin_parse_command (command, "DOMAIN",
                                add ? "Accredits every address of DOMAIN (not of its subdomains)."
                                    : "Removes DOMAIN from the accredited domains of the database.",
                                entries, argc, argv, &args, 1))
    return CNV_ADMIN_EXIT_USAGE;

  domain = normalize_domain (args[0], &error);
  if (domain == NULL)
    {
      g_printerr ("convene-manager: %s: %s\n", command, error->message);
      return CNV_ADMIN_EXIT_USAGE;
    }
  store = cnv_admin_open_store (command, config_path, &config);
  if (store == NULL)
    return CNV_ADMIN_EXIT_USAGE;

  if (add)
    {
      if (!cnv_manager_store_add_domain (store, domain, &error))
        {
          g_printerr ("convene-manager: %s: %s\n", command, error->message);
          return CNV_ADMIN_EXIT_USAGE;
        }
      g_print ("every address at %s is accredited\n", domain);
      return 0;
    }

  if (!cnv_manager_store_remove_domain (store, domain, &removed, &error))
    {
      g_printerr ("convene-manager: %s: %s\n", command, error->message);
      return CNV_ADMIN_EXIT_USAGE;
    }
  if (g_strv_contains (cnv_manager_config_get_accredited_domains (config), domain))
    {
      g_printerr ("convene-manager: %s: %s%s is accredited by the configuration: remove it from "
                  "[manager] accredited-domains in %s\n", command,
                  removed ? "removed from the database, but " : "", domain, config_path);
      return CNV_ADMIN_EXIT_REFUSED;
    }
  if (!removed)
    {
      g_printerr ("convene-manager: %s: %s is not an accredited domain\n", command, domain);
      return CNV_ADMIN_EXIT_REFUSED;
    }
  g_print ("%s is no longer an accredited domain\n", domain);
  return 0;
}

static int
domain_list (int    argc,
             char **argv)
{
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(CnvManagerStore) store = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();   /* domain, source, domain, source… */
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_auto(GStrv) args = NULL;
  const char * const *configured;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    CNV_ADMIN_CONFIG_ENTRY (&config_path),
    CNV_ADMIN_JSON_ENTRY (&json),
    CNV_ADMIN_ARGS_ENTRY (&args, NULL),
    { NULL }
  };

  if (!cnv_admin_parse_command ("domain list", NULL,
                                "Lists the accredited domains: those of the database (domain "
                                "add) and those of the configuration ([manager] "
                                "accredited-domains).",
                                entries, argc, argv, &args, 0))
    return CNV_ADMIN_EXIT_USAGE;
  store = cnv_admin_open_store ("domain list", config_path, &config);
  if (store == NULL)
    return CNV_ADMIN_EXIT_USAGE;
  if (!cnv_manager_store_list_domains (store, &stored, &error))
    {
      g_printerr ("convene-manager: domain list: %s\n", error->message);
      return CNV_ADMIN_EXIT_USAGE;
    }

  for (guint i = 0; i < stored->len; i++)
    {
      g_ptr_array_add (rows, g_ptr_array_index (stored, i));
      g_ptr_array_add (rows, (gpointer) "database");
    }
  configured = cnv_manager_config_get_accredited_domains (config);
  for (guint i = 0; configured[i] != NULL; i++)
    {
      g_ptr_array_add (rows, (gpointer) configured[i]);
      g_ptr_array_add (rows, (gpointer) "configuration");
    }

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < rows->len; i += 2)
        {
          json_builder_begin_object (builder);
          cnv_admin_add_string_member (builder, "domain", g_ptr_array_index (rows, i));
          cnv_admin_add_string_member (builder, "source", g_ptr_array_index (rows, i + 1));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      cnv_admin_print_json (root);
    }
  else if (rows->len == 0)
    g_print ("No accredited domains.\n");
  else
    {
      g_autoptr(CnvAdminTable) table = cnv_admin_table_new (2);

      cnv_admin_table_add (table, g_strdup ("DOMAIN"), g_strdup ("FROM"));
      for (guint i = 0; i < rows->len; i += 2)
        cnv_admin_table_add (table, cnv_admin_display_text (g_ptr_array_index (rows, i), 0),
                             g_strdup (g_ptr_array_index (rows, i + 1)));
      cnv_admin_table_print (table, "");
    }
  return 0;
}

/**
 * cnv_manager_admin_domain_main:
 *
 * `convene-manager domain add|remove|list`; @argv[0] is "domain".
 */
int
cnv_manager_admin_domain_main (int    argc,
                               char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "add") == 0)
    return domain_add_or_remove (argc - 1, argv + 1, TRUE);
  if (argc >= 2 && strcmp (argv[1], "remove") == 0)
    return domain_add_or_remove (argc - 1, argv + 1, FALSE);
  if (argc >= 2 && strcmp (argv[1], "list") == 0)
    return domain_list (argc - 1, argv + 1);

  g_printerr ("Usage: convene-manager domain add DOMAIN --config FILE\n"
              "       convene-manager domain remove DOMAIN --config FILE\n"
              "       convene-manager domain list [--json] --config FILE\n");
  return CNV_ADMIN_EXIT_USAGE;
}
