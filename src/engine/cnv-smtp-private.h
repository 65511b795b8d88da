/* cnv-smtp-private.h — what cnv-smtp.c and cnv-smtp-reply.c share
 *
 * The state of one submission, which the worker thread owns (cnv-smtp.c), and the functions that
 * read libcurl's protocol trace into it and turn it into a result or an error
 * (cnv-smtp-reply.c). Internal to the engine: the public contract is cnv-smtp.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <curl/curl.h>

#include "cnv-smtp.h"

G_BEGIN_DECLS

/* What the last command sent was; the next complete reply answers it. */
typedef enum
{
  CNV_SMTP_STEP_GREETING,
  CNV_SMTP_STEP_EHLO,
  CNV_SMTP_STEP_STARTTLS,
  CNV_SMTP_STEP_AUTH,
  CNV_SMTP_STEP_MAIL,
  CNV_SMTP_STEP_RCPT,
  CNV_SMTP_STEP_DATA,
  CNV_SMTP_STEP_MESSAGE,
  CNV_SMTP_STEP_QUIT,
  CNV_SMTP_STEP_OTHER,
} CnvSmtpStep;

/* A complete reply (RFC 5321 §4.2): its lines joined with "\n", control characters as '?'. */
typedef struct
{
  guint  code;
  char  *enhanced_code;
  char  *text;
} CnvSmtpReply;

typedef struct
{
  /* Owned copies: the worker thread touches nothing else */
  CnvMailServer *server;
  void          *share;          /* CURLSH*: the kept connections (keep_alive), worker only */
  char          *secret;
  char          *envelope_from;
  GStrv          recipients;
  GBytes        *message;
  char          *url;
  char          *label;

  /* Worker state */
  gsize          sent;
  char           errbuf[CURL_ERROR_SIZE];

  /* Protocol trace (cnv-smtp-reply.c) */
  gboolean       trace;
  GString       *line_in;
  GString       *line_out;
  GString       *pending;
  CnvSmtpStep    step;
  guint          last_code;
  guint          rcpt_sent;
  GPtrArray     *rcpt_replies;   /* CnvSmtpReply, one per RCPT TO answered */
  CnvSmtpReply  *failure;
  CnvSmtpStep    failure_step;
  CnvSmtpReply  *final_reply;
} CnvSmtpSubmission;

/* Reply tracking, classification and results (cnv-smtp-reply.c) */
void           cnv_smtp_reply_free          (CnvSmtpReply       *reply);
int            cnv_smtp_debug_cb            (CURL               *curl,
                                             curl_infotype       type,
                                             char               *data,
                                             size_t              size,
                                             void               *user_data);
GError        *cnv_smtp_error_from_curl     (CnvSmtpSubmission  *self,
                                             GCancellable       *cancellable,
                                             CURLcode            code);
CnvSmtpResult *cnv_smtp_result_from_replies (CnvSmtpSubmission  *self);

G_END_DECLS
