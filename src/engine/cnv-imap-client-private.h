/* cnv-imap-client-private.h — what the IMAP client's files share
 *
 * The client's state and the command engine: cnv-imap-client.c (the object, closing),
 * cnv-imap-client-send.c (commands out), cnv-imap-client-read.c (responses in),
 * cnv-imap-client-connect.c (TCP, TLS, the greeting), and the commands on top of them:
 * cnv-imap-client-commands.c, -fetch.c, -auth.c, -idle.c. Internal to the engine: the public
 * contract is cnv-imap-client.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-imap-client.h"
#include "cnv-imap-parser.h"

G_BEGIN_DECLS

#define READ_CHUNK               (64 * 1024)   /* bytes asked of each read */

typedef struct _CnvImapCommand CnvImapCommand;

struct _CnvImapClient
{
  GObject             parent_instance;

  /* Owned */
  CnvMailServer      *server;
  GSocketConnection  *socket;
  GIOStream          *stream;         /* @socket, or the TLS connection over it */
  GInputStream       *input;
  GOutputStream      *output;
  CnvImapParser      *parser;
  GByteArray         *read_buffer;    /* shared with the pending read (ReadOp) */
  GCancellable       *io_cancellable;
  GQueue              writes;         /* GBytes waiting for the output stream */
  GQueue              pending;        /* CnvImapCommand waiting to be sent */
  CnvImapCommand     *current;
  GStrv               capabilities;   /* upper case */
  GTask              *connect_task;
  GTlsCertificateFlags tls_errors;
  gulong              connect_cancelled_id;
  guint               cancel_idle_id;

  guint64             trace_literal_left; /* literal bytes the debug trace does not show */
  GString            *trace_tail;     /* the end of a received line not finished yet */
  guint               tag_counter;
  guint               command_timeout;
  guint               timeout_id;
  gboolean            connected;
  gboolean            greeted;
  gboolean            writing;
  gboolean            read_paused;
  gboolean            authenticated;
  gboolean            selected;
  CnvImapMailbox      mailbox;
  guint64             bytes_received;
  guint64             bytes_sent;
};

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

/* The object (cnv-imap-client.c) */
gboolean        cnv_imap_client_trace_enabled    (void);
void            cnv_imap_client_track_untagged   (CnvImapClient   *self,
                                                  CnvImapResponse *response);

/* Commands out (cnv-imap-client-send.c) */
void            cnv_imap_command_disconnect_cancelled (CnvImapCommand *command);
gboolean        cnv_imap_client_send_next_part   (CnvImapClient  *self,
                                                  CnvImapCommand *command);
void            cnv_imap_client_send_next        (CnvImapClient  *self);
void            cnv_imap_client_cancelled_cb     (GCancellable   *cancellable,
                                                  gpointer        user_data);

/* Responses in (cnv-imap-client-read.c) */
void            cnv_imap_client_start_reading    (CnvImapClient  *self);

/* Connecting (cnv-imap-client-connect.c) */
void            cnv_imap_client_return_connect   (CnvImapClient  *self,
                                                  GError         *error);
void            cnv_imap_client_connect_continue (CnvImapClient  *self);
gboolean        cnv_imap_client_handle_greeting  (CnvImapClient    *self,
                                                  CnvImapResponse  *response,
                                                  GError          **error);

/* Shared by the commands (cnv-imap-client-commands.c) */
GTask          *cnv_imap_client_new_task         (CnvImapClient       *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data,
                                                  gpointer             source_tag);
gboolean        cnv_imap_client_is_sequence_set  (const char *text);
gboolean        cnv_imap_client_return_invalid   (GTask      *task,
                                                  const char *what);

G_END_DECLS
