/* cnv-manager-admin-private.h — what cnv-manager-admin.c and cnv-manager-admin-session.c share:
 * the options, exit statuses and output helpers of the administrator's commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cnv-manager-admin.h"
#include "cnv-manager-config.h"

G_BEGIN_DECLS

/* Exit statuses besides 0 (cnv-manager-admin.c): refused, could not run. */
#define CNV_ADMIN_EXIT_REFUSED 1
#define CNV_ADMIN_EXIT_USAGE   2

#define CNV_ADMIN_CONFIG_ENTRY(location) \
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, (location), \
    "The manager's configuration; it names the database", "FILE" }
#define CNV_ADMIN_JSON_ENTRY(location) \
  { "json", 0, 0, G_OPTION_ARG_NONE, (location), "Print JSON instead of a table", NULL }
#define CNV_ADMIN_ARGS_ENTRY(location, name) \
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, (location), NULL, (name) }

typedef struct _CnvAdminTable CnvAdminTable;

gboolean          cnv_admin_parse_command     (const char         *command,
                                               const char         *parameters,
                                               const char         *summary,
                                               GOptionEntry       *entries,
                                               int                 argc,
                                               char              **argv,
                                               char             ***args,
                                               guint               n_args);
CnvManagerStore  *cnv_admin_open_store        (const char         *command,
                                               const char         *config_path,
                                               CnvManagerConfig  **config_out);
void              cnv_admin_print_json        (JsonNode           *root);

char             *cnv_admin_display_text      (const char         *text,
                                               guint               max_chars);

CnvAdminTable    *cnv_admin_table_new         (guint               n_columns);
void              cnv_admin_table_free        (CnvAdminTable      *table);
void              cnv_admin_table_add         (CnvAdminTable      *table,
                                               ...);
void              cnv_admin_table_print       (CnvAdminTable      *table,
                                               const char         *indent);

char             *cnv_admin_format_local      (CnvManagerConfig   *config,
                                               gint64              when,
                                               const char         *format);
void              cnv_admin_add_string_member (JsonBuilder        *builder,
                                               const char         *name,
                                               const char         *value);
void              cnv_admin_add_time_member   (JsonBuilder        *builder,
                                               const char         *name,
                                               gint64              when);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvAdminTable, cnv_admin_table_free)

G_END_DECLS
