/* cnv-service-proxy.h — the UI's link to the background service's actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CNV_SERVICE_PROXY_ERROR (cnv_service_proxy_error_quark ())

/**
 * CnvServiceProxyError:
 * @CNV_SERVICE_PROXY_ERROR_NO_BUS: there is no session bus
 * @CNV_SERVICE_PROXY_ERROR_NOT_STARTED: the service could not be started, or did not take its
 *   name in time (the message says so to the user; the log says why)
 */
typedef enum
{
  CNV_SERVICE_PROXY_ERROR_NO_BUS,
  CNV_SERVICE_PROXY_ERROR_NOT_STARTED,
} CnvServiceProxyError;

#define CNV_TYPE_SERVICE_PROXY (cnv_service_proxy_get_type ())

G_DECLARE_FINAL_TYPE (CnvServiceProxy, cnv_service_proxy, CNV, SERVICE_PROXY, GObject)

GQuark           cnv_service_proxy_error_quark       (void);

CnvServiceProxy *cnv_service_proxy_new               (void);

/* Makes sure the service owns io.github.convene.Convene: D-Bus activation first, else it is
 * spawned ($CONVENE_SERVICE, else CNV_LIBEXECDIR/convene-service). */
void             cnv_service_proxy_ensure_async      (CnvServiceProxy      *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean         cnv_service_proxy_ensure_finish     (CnvServiceProxy      *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* Starts the service when needed, then activates its action @action ("join", "dismiss",
 * "relaunch", "leave") with @session_id, or one without a parameter ("reconnect") with
 * @session_id %NULL. */
void             cnv_service_proxy_activate_async    (CnvServiceProxy      *self,
                                                      const char           *action,
                                                      const char           *session_id,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean         cnv_service_proxy_activate_finish   (CnvServiceProxy      *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

G_END_DECLS
