/* cnv-manager-backend-private.h — what cnv-manager-backend.c, cnv-manager-backend-jitsi.c and
 * cnv-manager-backend-command.c share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-manager-backend.h"

G_BEGIN_DECLS

typedef enum
{
  CNV_BACKEND_KIND_URL,
  CNV_BACKEND_KIND_JITSI,
  CNV_BACKEND_KIND_COMMAND,
} CnvBackendKind;

/* An HMAC key longer than this is the wrong file, not a secret. */
#define MAX_SECRET_SIZE 4096

struct _CnvManagerBackend
{
  GObject         parent_instance;

  CnvBackendKind  kind;

  /* Owned */
  char           *group;
  char           *url_template;      /* url */
  char           *jitsi_url;         /* jitsi: the server's URL, without a trailing slash */
  char           *jitsi_app_id;
  char           *jitsi_audience;
  char           *jitsi_subject;
  guint8         *jitsi_secret;      /* MAX_SECRET_SIZE + 1 bytes, wiped in finalize, never logged */
  gsize           jitsi_secret_len;
  char           *command;           /* command: an absolute path */
  GTimeSpan       command_timeout;
};

/* Reading the configuration (cnv-manager-backend.c) */
gboolean  cnv_backend_set_config_error       (GError                  **error,
                                              const char               *group,
                                              const char               *key,
                                              const char               *format,
                                              ...) G_GNUC_PRINTF (4, 5);
char     *cnv_backend_get_value              (GKeyFile                 *key_file,
                                              const char               *group,
                                              const char               *key);
GUri     *cnv_backend_parse_http_url         (const char               *text);
void      cnv_backend_append_escaped         (GString                  *out,
                                              const char               *value);

/* The jitsi backend (cnv-manager-backend-jitsi.c) */
gboolean  cnv_manager_backend_load_jitsi     (CnvManagerBackend        *self,
                                              GKeyFile                 *key_file,
                                              GError                  **error);
char     *cnv_manager_backend_jitsi_room_url (CnvManagerBackend        *self,
                                              const CnvBackendSession  *session);
char     *cnv_manager_backend_jitsi_token    (CnvManagerBackend        *self,
                                              const CnvBackendSession  *session,
                                              const char               *address,
                                              const char               *name);

/* The command backend (cnv-manager-backend-command.c) */
gboolean  cnv_manager_backend_load_command   (CnvManagerBackend        *self,
                                              GKeyFile                 *key_file,
                                              GError                  **error);
void      cnv_manager_backend_command_run    (CnvManagerBackend        *self,
                                              const char               *action,
                                              const CnvBackendSession  *session,
                                              const char               *room_url,
                                              gboolean                  keep_output,
                                              GTask                    *task);

G_END_DECLS
