/* cnv-manager-config.h — the manager's INI configuration
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-engine.h"
#include "cnv-mail-server.h"
#include "cnv-manager-backend.h"

G_BEGIN_DECLS

/**
 * CnvInviteAt:
 * @CNV_INVITE_AT_REQUEST: invitations go out when the request is accepted, with the times; the
 *   session is activated at its start (the seed's variant, the default)
 * @CNV_INVITE_AT_START: invitations and activation both wait for the start (E508–E509)
 */
typedef enum
{
  CNV_INVITE_AT_REQUEST,
  CNV_INVITE_AT_START,
} CnvInviteAt;

/* One mailbox the manager watches (`[imap]`, or `[imap NAME]` for more accounts). */
typedef struct
{
  char          *name;          /* "imap" or "imap NAME": the group, for logs and the store */
  CnvMailServer *server;
  char          *password_file; /* nullable: then $CREDENTIALS_DIRECTORY/NAME or none */
  char          *mailbox;       /* the folder, default INBOX */
} CnvManagerAccount;

#define CNV_TYPE_MANAGER_CONFIG (cnv_manager_config_get_type ())

G_DECLARE_FINAL_TYPE (CnvManagerConfig, cnv_manager_config, CNV, MANAGER_CONFIG, GObject)

CnvManagerConfig *cnv_manager_config_new_default      (void);
CnvManagerConfig *cnv_manager_config_new_from_file    (const char       *path,
                                                       GError          **error);
CnvManagerConfig *cnv_manager_config_new_from_data    (const char       *data,
                                                       gsize             len,
                                                       GError          **error);
CnvManagerConfig *cnv_manager_config_check_file       (const char       *path,
                                                       GPtrArray        *problems,
                                                       GError          **error);
gboolean          cnv_manager_config_check_daemon     (CnvManagerConfig *self,
                                                       GPtrArray        *problems);

CnvSessionTypes  *cnv_manager_config_get_types        (CnvManagerConfig *self);
GTimeZone        *cnv_manager_config_get_time_zone    (CnvManagerConfig *self);
const char       *cnv_manager_config_get_time_zone_name (CnvManagerConfig *self);
GTimeSpan         cnv_manager_config_get_default_duration (CnvManagerConfig *self);

const char       *cnv_manager_config_get_database     (CnvManagerConfig *self);
CnvInviteAt       cnv_manager_config_get_invite_at    (CnvManagerConfig *self);
const char       *cnv_manager_config_get_trusted_authserv_id (CnvManagerConfig *self);
const char * const *cnv_manager_config_get_accredited_domains (CnvManagerConfig *self);
guint             cnv_manager_config_get_max_participants (CnvManagerConfig *self);
guint             cnv_manager_config_get_max_requests_per_hour (CnvManagerConfig *self);
gsize             cnv_manager_config_get_max_message_size (CnvManagerConfig *self);
GTimeSpan         cnv_manager_config_get_join_early   (CnvManagerConfig *self);

GPtrArray        *cnv_manager_config_get_accounts     (CnvManagerConfig *self);
CnvMailServer    *cnv_manager_config_get_smtp         (CnvManagerConfig *self);
const char       *cnv_manager_config_get_smtp_password_file (CnvManagerConfig *self);

const char       *cnv_manager_config_get_gateway_listen (CnvManagerConfig *self);
const char       *cnv_manager_config_get_public_url   (CnvManagerConfig *self);
const char * const *cnv_manager_config_get_trusted_proxies (CnvManagerConfig *self);

CnvManagerBackend *cnv_manager_config_get_backend     (CnvManagerConfig *self,
                                                       const char       *type);

G_END_DECLS
