/* cnv-connection-test.h — "Test connection": log in to IMAP and SMTP, say what failed in plain words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-app-settings.h"

G_BEGIN_DECLS

typedef enum
{
  CNV_CONNECTION_OK,
  CNV_CONNECTION_WRONG_PASSWORD,   /* the server refused the user name or password */
  CNV_CONNECTION_CERTIFICATE,      /* the certificate is not trusted (or is for another host) */
  CNV_CONNECTION_TLS,              /* no encryption possible (STARTTLS missing, handshake failed) */
  CNV_CONNECTION_UNREACHABLE,      /* unknown host, refused, timed out, offline */
  CNV_CONNECTION_PROTOCOL,         /* the server does not speak IMAP / SMTP as expected */
  CNV_CONNECTION_FAILED,           /* anything else */
} CnvConnectionProblem;

typedef struct
{
  CnvConnectionProblem  imap;
  CnvConnectionProblem  smtp;
  char                 *imap_message;  /* translated sentence, NULL when OK */
  char                 *smtp_message;
  char                 *imap_detail;   /* the engine's own message, for "Details", NULL when OK */
  char                 *smtp_detail;
} CnvConnectionReport;

void                 cnv_connection_report_free     (CnvConnectionReport  *self);
gboolean             cnv_connection_report_is_ok    (const CnvConnectionReport *self);

/* Pure: which problem an engine error (CNV_IMAP_ERROR, CNV_SMTP_ERROR, G_IO_ERROR,
 * G_RESOLVER_ERROR, G_TLS_ERROR) is. */
CnvConnectionProblem cnv_connection_problem_from_error (const GError *error);
/* Pure: the sentence for the user, e.g. "The IMAP server imap.example.org refused the user name
 * or password." */
char                *cnv_connection_problem_describe  (CnvConnectionProblem  problem,
                                                      const char           *protocol,
                                                      const char           *host);

/* Connects, logs in and logs out on both servers at once (never sends a mail). Finishes with an
 * error only when cancelled; every other failure is in the report. @password is not kept. */
void                 cnv_connection_test_async      (const CnvAccount     *account,
                                                     const char           *password,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
CnvConnectionReport *cnv_connection_test_finish     (GAsyncResult         *result,
                                                     GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvConnectionReport, cnv_connection_report_free)

G_END_DECLS
