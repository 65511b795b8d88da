/* cnv-manager-gateway-private.h — what cnv-manager-gateway.c (the server, the links),
 * cnv-manager-gateway-clients.c (client addresses, trusted proxies, the rate limit) and
 * cnv-manager-gateway-pages.c (content negotiation, the HTML pages and JSON answers) share: the
 * gateway's instance struct and their helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "cnv-manager-gateway.h"
#include "cnv-manager-store.h"

G_BEGIN_DECLS

struct _CnvManagerGateway
{
  GObject                 parent_instance;

  /* Owned */
  SoupServer             *server;
  GSocketService         *service;         /* accepts the connections SoupServer serves */
  CnvManagerStore        *store;
  GTimeZone              *zone;
  GHashTable             *clients;         /* client → ClientFailures */
  GPtrArray              *trusted_proxies; /* of GInetAddress, IPv4-mapped ones unmapped */
  GQueue                  clients_by_age;  /* the same, oldest window first */

  /* Borrowed */
  CnvGatewayBackendFunc   backend_func;
  gpointer                backend_data;

  GTimeSpan               join_early;
  gint64                (*now_func) (void);
  guint16                 port;            /* 0 when not listening */
};


/* What a participant with a valid link is told. */
typedef enum
{
  CNV_GATEWAY_OUTCOME_SCHEDULED,
  CNV_GATEWAY_OUTCOME_OPENING,     /* inside the window, not activated yet: "scheduled" too */
  CNV_GATEWAY_OUTCOME_ACTIVE,
  CNV_GATEWAY_OUTCOME_ENDED,
  CNV_GATEWAY_OUTCOME_CANCELLED,
} CnvGatewayOutcome;

const char *cnv_gateway_outcome_state              (CnvGatewayOutcome       outcome);
gboolean    cnv_gateway_prefers_json               (SoupServerMessage      *msg);
void        cnv_gateway_respond_plain              (SoupServerMessage      *msg,
                                                    guint                   status,
                                                    gboolean                json,
                                                    const char             *error_name,
                                                    const char             *heading,
                                                    const char             *text);
void        cnv_gateway_respond_forbidden          (SoupServerMessage      *msg,
                                                    gboolean                json);
void        cnv_gateway_respond_unavailable        (SoupServerMessage      *msg,
                                                    gboolean                json);
void        cnv_gateway_respond_method_not_allowed (SoupServerMessage      *msg,
                                                    gboolean                json);
void        cnv_gateway_respond_session            (SoupServerMessage      *msg,
                                                    gboolean                json,
                                                    GTimeZone              *zone,
                                                    const CnvStoredSession *session,
                                                    CnvGatewayOutcome       outcome,
                                                    gint64                  not_before,
                                                    const char             *url);

char       *cnv_gateway_client_of                  (CnvManagerGateway      *self,
                                                    SoupServerMessage      *msg);
void        cnv_gateway_count_failure              (CnvManagerGateway      *self,
                                                    const char             *client,
                                                    gint64                  now);
gboolean    cnv_gateway_respond_if_blocked         (CnvManagerGateway      *self,
                                                    SoupServerMessage      *msg,
                                                    gboolean                json,
                                                    const char             *client,
                                                    gint64                  now);
void        cnv_gateway_init_clients               (CnvManagerGateway      *self);
void        cnv_gateway_clear_clients              (CnvManagerGateway      *self);

G_END_DECLS
