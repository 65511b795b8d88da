/* cnv-gateway-client.h — asking the join gateway for a session's state before launching (E453)
 *
 * The personal link of an invitation (https://HOST/s/ID?t=TOKEN) lands on the manager's join
 * gateway (DESIGN.md, "The join gateway"). Before it launches anything, the app asks it with
 * `Accept: application/json` and does not follow the redirect: 303 means the session is active,
 * 200 with {"state":"scheduled",…} that it has not started (it may have been moved), 410 that it
 * ended or was cancelled, 403 that the link opens nothing. A moved or cancelled session is thus
 * never launched. The link holds the participant's credential: it is never logged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CNV_GATEWAY_CLIENT_ERROR (cnv_gateway_client_error_quark ())

typedef enum
{
  CNV_GATEWAY_CLIENT_ERROR_BAD_LINK,     /* not an http(s) URL with a host */
  CNV_GATEWAY_CLIENT_ERROR_NETWORK,      /* unreachable, refused, reset, DNS */
  CNV_GATEWAY_CLIENT_ERROR_TLS,          /* certificate not trusted, handshake failed */
  CNV_GATEWAY_CLIENT_ERROR_TIMEOUT,
  CNV_GATEWAY_CLIENT_ERROR_UNAVAILABLE,  /* 429, 5xx: ask again later (retry_after) */
  CNV_GATEWAY_CLIENT_ERROR_PROTOCOL,     /* an answer that is not the gateway's */
} CnvGatewayClientError;

typedef enum
{
  CNV_GATEWAY_STATE_SCHEDULED,   /* 200 "scheduled": not open yet */
  CNV_GATEWAY_STATE_ACTIVE,      /* 303: open now */
  CNV_GATEWAY_STATE_ENDED,       /* 410 "ended" */
  CNV_GATEWAY_STATE_CANCELLED,   /* 410 "cancelled" */
  CNV_GATEWAY_STATE_FORBIDDEN,   /* 403: the link opens nothing (revoked, unknown) */
} CnvGatewayState;

typedef struct
{
  CnvGatewayState state;
  guint           status;        /* the HTTP status */
  gint64          start;         /* Unix seconds, from the JSON's RFC 3339 time; 0 when absent */
  gint64          end;           /* idem */
  guint           retry_after;   /* seconds, from Retry-After (delay-seconds only) on 429, 502,
                                  * 503, 504; 0 when absent or a date; at most 3600 */
} CnvGatewayAnswer;

#define CNV_TYPE_GATEWAY_CLIENT (cnv_gateway_client_get_type ())
G_DECLARE_FINAL_TYPE (CnvGatewayClient, cnv_gateway_client, CNV, GATEWAY_CLIENT, GObject)

GQuark            cnv_gateway_client_error_quark (void);

/* One SoupSession (no cookies, no cache, no redirect followed, timeout 15 s for a whole check).
 * Bodies over 64 KiB are PROTOCOL errors. */
CnvGatewayClient *cnv_gateway_client_new          (void);

/* Trusts the certificate authorities of @ca_file (PEM) INSTEAD of the system's: the file must hold
 * every CA to trust for the gateway (GTlsFileDatabase replaces the system database). %NULL or ""
 * goes back to the system's. For servers with their own CA (and the tests). On an error (a
 * G_FILE_ERROR or G_TLS_ERROR) nothing changes. */
gboolean          cnv_gateway_client_set_ca_file  (CnvGatewayClient    *self,
                                                   const char          *ca_file,
                                                   GError             **error);

/* For a whole check, from the next one on; 0 is taken as 1. */
void              cnv_gateway_client_set_timeout  (CnvGatewayClient    *self,
                                                   guint                seconds);

const char       *cnv_gateway_state_to_string     (CnvGatewayState      state);

void              cnv_gateway_client_check_async  (CnvGatewayClient    *self,
                                                   const char          *link,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);

/* TRUE with @answer filled for every answer the gateway gives (also 403 and 410); FALSE with
 * CNV_GATEWAY_CLIENT_ERROR (or G_IO_ERROR_CANCELLED) otherwise, @answer zeroed except that its
 * status and retry_after are still filled for UNAVAILABLE. Error messages name the host only,
 * never the link. */
gboolean          cnv_gateway_client_check_finish (CnvGatewayClient    *self,
                                                   GAsyncResult        *result,
                                                   CnvGatewayAnswer    *answer,
                                                   GError             **error);

G_END_DECLS
