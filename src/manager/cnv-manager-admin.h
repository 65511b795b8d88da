/* cnv-manager-admin.h — the administrator's commands: check-config, user, domain, session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cnv-manager-store.h"

G_BEGIN_DECLS

#define CNV_ADMIN_ERROR (cnv_admin_error_quark ())

/**
 * CnvAdminError:
 * @CNV_ADMIN_ERROR_NOT_FOUND: no such session
 * @CNV_ADMIN_ERROR_REFUSED: the operation does not apply to the session as it is (a closed or
 *   already cancelled session cannot be cancelled)
 */
typedef enum
{
  CNV_ADMIN_ERROR_NOT_FOUND,
  CNV_ADMIN_ERROR_REFUSED,
} CnvAdminError;

GQuark    cnv_admin_error_quark              (void);

gboolean  cnv_manager_admin_cancel_session   (CnvManagerStore  *store,
                                              const char       *session_id,
                                              gint64            now,
                                              guint            *n_participants,
                                              GError          **error);

int       cnv_manager_admin_check_config_main (int    argc,
                                               char **argv);
int       cnv_manager_admin_user_main         (int    argc,
                                               char **argv);
int       cnv_manager_admin_domain_main       (int    argc,
                                               char **argv);
int       cnv_manager_admin_session_main      (int    argc,
                                               char **argv);

G_END_DECLS
