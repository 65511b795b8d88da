/* cnv-manager-gateway.h — the join gateway: GET /s/ID?t=TOKEN (DESIGN.md, "The join gateway")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-manager-backend.h"
#include "cnv-manager-store.h"

G_BEGIN_DECLS

/* Looks up the backend of a session type; NULL when the type is not configured (any more). */
typedef CnvManagerBackend *(*CnvGatewayBackendFunc) (const char *type,
                                                     gpointer    user_data);

#define CNV_TYPE_MANAGER_GATEWAY (cnv_manager_gateway_get_type ())
G_DECLARE_FINAL_TYPE (CnvManagerGateway, cnv_manager_gateway, CNV, MANAGER_GATEWAY, GObject)

CnvManagerGateway *cnv_manager_gateway_new          (CnvManagerStore       *store,
                                                     CnvGatewayBackendFunc  backend_func,
                                                     gpointer               backend_data,
                                                     GTimeSpan              join_early);
gboolean           cnv_manager_gateway_listen       (CnvManagerGateway     *self,
                                                     const char            *listen,
                                                     GError               **error);
guint16            cnv_manager_gateway_get_port     (CnvManagerGateway     *self);
void               cnv_manager_gateway_set_time_zone (CnvManagerGateway    *self,
                                                     GTimeZone             *zone);
void               cnv_manager_gateway_set_trusted_proxies (CnvManagerGateway *self,
                                                     const char * const    *proxies);
void               cnv_manager_gateway_set_now_func (CnvManagerGateway     *self,
                                                     gint64               (*now_func) (void));
void               cnv_manager_gateway_stop         (CnvManagerGateway     *self);

G_END_DECLS
