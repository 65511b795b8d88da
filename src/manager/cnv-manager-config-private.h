/* cnv-manager-config-private.h — what cnv-manager-config.c, cnv-manager-config-read.c,
 * cnv-manager-config-accounts.c and cnv-manager-config-check.c share: the object's fields, the
 * loader and its problems
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-manager-config.h"

G_BEGIN_DECLS

/* A configuration is a few KiB; a larger file is refused unread. */
#define CNV_CONFIG_MAX_SIZE      (1024 * 1024)

/* The database's file in systemd's StateDirectory=. */
#define CNV_CONFIG_DATABASE_NAME "convene-manager.db"

struct _CnvManagerConfig
{
  GObject            parent_instance;

  /* Owned */
  char              *path;              /* nullable: the file read, for messages */
  GHashTable        *lines;             /* "group\037key" and "group\037" → line number */
  CnvSessionTypes   *types;
  GTimeZone         *zone;
  char              *zone_name;
  GTimeSpan          default_duration;
  char              *database;
  CnvInviteAt        invite_at;
  char              *trusted_authserv_id;
  char             **accredited_domains;
  guint              max_participants;
  guint              max_requests_per_hour;
  gsize              max_message_size;
  GTimeSpan          join_early;
  GPtrArray         *accounts;          /* CnvManagerAccount */
  CnvMailServer     *smtp;
  char              *smtp_password_file;
  char              *gateway_listen;
  char              *public_url;
  char             **trusted_proxies;
  GHashTable        *backends;          /* type name → CnvManagerBackend */
};

typedef enum
{
  CNV_GROUP_UNKNOWN,
  CNV_GROUP_MANAGER,
  CNV_GROUP_IMAP,
  CNV_GROUP_SMTP,
  CNV_GROUP_GATEWAY,
  CNV_GROUP_TYPE,
} CnvConfigGroup;

typedef enum
{
  CNV_SEVERITY_WARNING,   /* the configuration works, but not as its author thinks (a typo) */
  CNV_SEVERITY_ERROR,     /* the configuration cannot be used */
} CnvConfigSeverity;

typedef struct
{
  guint  line;        /* 0: none */
  guint  order;
  char  *text;
} CnvConfigProblem;

/* One reading of a file, by cnv_manager_config_new_from_file() (the first error) or
 * cnv_manager_config_check_file() (every problem). */
typedef struct
{
  CnvManagerConfig *config;      /* borrowed */
  GKeyFile         *key_file;
  const char       *path;        /* nullable */
  char             *base_dir;
  gboolean          collect;     /* check_file(): every problem; else the first error */
  GArray           *problems;    /* CnvConfigProblem */
  GError           *error;       /* the first error */
  gboolean          failed;
  gboolean          unreadable;  /* the lines cannot be read as a key file at all */
} CnvConfigLoader;

/* Problems and lines (cnv-manager-config-check.c) */
void            cnv_config_problem_clear  (CnvConfigProblem   *problem);
guint           cnv_config_lookup_line    (GHashTable         *lines,
                                           const char         *group,
                                           const char         *key);
char           *cnv_config_excerpt        (const char         *text);
void            cnv_config_report_at      (CnvConfigLoader    *loader,
                                           CnvConfigSeverity   severity,
                                           int                 code,
                                           guint               line,
                                           const char         *group,
                                           const char         *key,
                                           const char         *format,
                                           ...) G_GNUC_PRINTF (7, 8);
void            cnv_config_take_problems  (CnvConfigLoader    *loader,
                                           GPtrArray          *problems);
CnvConfigGroup  cnv_config_classify_group (const char         *group);
gboolean        cnv_config_scan_lines     (CnvConfigLoader    *loader,
                                           const char         *data,
                                           gsize               len);
void            cnv_config_check_names    (CnvConfigLoader    *loader,
                                           char              **groups);
void            cnv_config_add_problem    (CnvManagerConfig   *self,
                                           GPtrArray          *problems,
                                           const char         *group,
                                           const char         *key,
                                           const char         *format,
                                           ...) G_GNUC_PRINTF (5, 6);

/* A problem on @key of @group, whose line is looked up. */
#define report(loader, severity, code, group, key, ...) \
  cnv_config_report_at ((loader), (severity), (code), 0, (group), (key), __VA_ARGS__)
#define report_error(loader, group, key, ...) \
  report ((loader), CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_INVALID, (group), (key), __VA_ARGS__)

/* Values and groups (cnv-manager-config-read.c) */
const char     *cnv_config_comment_hint   (const char         *value);
char           *cnv_config_read_string    (CnvConfigLoader    *loader,
                                           const char         *group,
                                           const char         *key);
char           *cnv_config_read_nonempty  (CnvConfigLoader    *loader,
                                           const char         *group,
                                           const char         *key,
                                           const char         *expected);
gboolean        cnv_config_has_control    (const char         *text);
char           *cnv_config_read_path      (CnvConfigLoader    *loader,
                                           const char         *group,
                                           const char         *key);
gboolean        cnv_config_read_uint      (CnvConfigLoader    *loader,
                                           const char         *group,
                                           const char         *key,
                                           guint64             min,
                                           guint64             max,
                                           guint64            *out);
char           *cnv_config_normalize_host (const char         *host);
char          **cnv_config_split_list     (const char         *value);
void            cnv_config_load_manager   (CnvConfigLoader    *loader);
void            cnv_config_load_gateway   (CnvConfigLoader    *loader);

/* Mail accounts (cnv-manager-config-accounts.c) */
void            cnv_config_load_account   (CnvConfigLoader    *loader,
                                           const char         *group);
void            cnv_config_load_smtp      (CnvConfigLoader    *loader);
void            cnv_config_check_server   (CnvManagerConfig   *self,
                                           GPtrArray          *problems,
                                           const char         *group,
                                           const CnvMailServer *server,
                                           const char         *password_file);

G_END_DECLS
