/* cnv-imap-client-private.h — the command engine shared by the IMAP client's files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-imap-client.h"
#include "cnv-imap-parser.h"

G_BEGIN_DECLS

typedef struct _CnvImapCommand CnvImapCommand;

/* Called with the tagged OK of the command (NO and BAD fail its task before). */
typedef void     (*CnvImapCommandDone)         (CnvImapClient   *self,
                                                CnvImapCommand  *command,
                                                CnvImapResponse *tagged);
/* Called with each continuation request (`+`) once all literal parts are sent; returns FALSE
 * with @error set when the continuation makes no sense (the connection is then closed). */
typedef gboolean (*CnvImapCommandContinuation) (CnvImapClient   *self,
                                                CnvImapCommand  *command,
                                                CnvImapResponse *continuation,
                                                GError         **error);
/* Called with each untagged response while the command runs, after the client's own state
 * (EXISTS, EXPUNGE, CAPABILITY…) is updated; the response is also kept in @untagged. */
typedef void     (*CnvImapCommandUntagged)     (CnvImapClient   *self,
                                                CnvImapCommand  *command,
                                                CnvImapResponse *untagged);

struct _CnvImapCommand
{
  char                       *tag;
  char                       *name;          /* for traces and errors: "SELECT" */
  GPtrArray                  *parts;         /* GBytes: each part after the first waits for `+` */
  GString                    *building;
  GString                    *trace;         /* the command as the trace shows it (redacted) */
  guint                       next_part;
  GPtrArray                  *untagged;      /* CnvImapResponse */
  GTask                      *task;          /* NULL once returned or abandoned */
  CnvImapCommandDone          done;
  CnvImapCommandContinuation  continuation;
  CnvImapCommandUntagged      on_untagged;
  void                      (*cancelled) (CnvImapClient *self, CnvImapCommand *command);
  gboolean                    no_timeout;    /* IDLE: silence is normal */
  gboolean                    secret;        /* holds a password: its buffers are wiped */
  gboolean                    upgrade_tls;   /* STARTTLS: reading stops after the tagged OK */
  gpointer                    data;
  GDestroyNotify              data_free;
  gulong                      cancelled_id;
};

CnvImapCommand *cnv_imap_command_new             (GTask          *task,
                                                  const char     *name);
void            cnv_imap_command_append          (CnvImapCommand *command,
                                                  const char     *text);
void            cnv_imap_command_append_secret   (CnvImapCommand *command,
                                                  const char     *text);
void            cnv_imap_command_append_string   (CnvImapCommand *command,
                                                  const char     *text,
                                                  gboolean        secret);
void            cnv_imap_command_append_literal  (CnvImapCommand *command,
                                                  GBytes         *bytes,
                                                  gboolean        non_synchronizing);
void            cnv_imap_command_free            (CnvImapCommand *command);

void            cnv_imap_client_submit           (CnvImapClient  *self,
                                                  CnvImapCommand *command);
void            cnv_imap_client_send_line        (CnvImapClient  *self,
                                                  const char     *line,
                                                  const char     *trace);
void            cnv_imap_client_fail             (CnvImapClient  *self,
                                                  GError         *error);
void            cnv_imap_client_arm_timeout      (CnvImapClient  *self,
                                                  gboolean        armed);
CnvImapCommand *cnv_imap_client_get_current      (CnvImapClient  *self);
void            cnv_imap_client_set_mailbox      (CnvImapClient  *self,
                                                  const CnvImapMailbox *mailbox);
void            cnv_imap_client_set_authenticated (CnvImapClient *self);
gboolean        cnv_imap_client_is_authenticated (CnvImapClient  *self);
gboolean        cnv_imap_client_is_selected      (CnvImapClient  *self);
void            cnv_imap_client_set_capabilities (CnvImapClient  *self,
                                                  GPtrArray      *values);
gboolean        cnv_imap_client_check_usable     (CnvImapClient  *self,
                                                  GTask          *task);

G_END_DECLS
