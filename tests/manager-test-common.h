/* manager-test-common.h — the real convene-manager on the real mail stack, for the daemon tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-engine.h"
#include "cnv-invitation.h"
#include "cnv-manager-store.h"
#include "mail-test-common.h"
#include "manager-test-files.h"

G_BEGIN_DECLS

/* How long the manager may take to answer a request here: far above what a passing run needs. */
#define DELIVERY_TIMEOUT_S 60

/* The stack of the test program (started by its main()). */
extern CnvMailstack *stack;

/* A convene-manager process with its own configuration, database and log. */
typedef struct
{
  char        *dir;
  char        *config;
  char        *database;
  char        *log;
  guint16      gateway_port;
  GSubprocess *process;
  gboolean     exited;
} Manager;

typedef struct
{
  char         *path;
  GMimeMessage *message;
} Mail;

typedef struct
{
  guint  status;
  char  *location;
  char  *state;
} GatewayAnswer;

void           mail_free            (Mail          *mail);
GPtrArray     *inbox                (const char    *user);
const char    *header               (Mail          *mail,
                                     const char    *name);
GPtrArray     *manager_mails        (const char    *user,
                                     const char    *name,
                                     const char    *value);
GPtrArray     *invitations          (const char    *user,
                                     const char    *session_id);
guint          count_invitations    (const char    *user,
                                     const char    *session_id);
CnvInvitation *parse_invitation     (Mail          *mail);
char          *wait_session_of      (const char    *user,
                                     const char    *subject);
gboolean       wait_manager_mails   (const char    *user,
                                     const char    *name,
                                     const char    *value,
                                     guint          count);
void           submit_as            (const char    *user,
                                     const char * const *recipients,
                                     const char    *text);
char          *utc_stamp            (gint64         when);
char          *request_with_times   (const char    *to,
                                     const char    *subject,
                                     gint64         start,
                                     gint64         end);
void           accredit             (Manager       *manager,
                                     const char    *user);
void           manager_set_up       (Manager       *manager,
                                     const char    *extra,
                                     const char    *types);
void           manager_start        (Manager       *manager);
void           manager_signal       (Manager       *manager,
                                     int            signal_number);
void           manager_tear_down    (Manager       *manager);
gboolean       log_contains         (Manager       *manager,
                                     const char    *text);
void           gateway_answer_clear (GatewayAnswer *answer);
void           gateway_get          (const char    *link,
                                     GatewayAnswer *answer);

G_END_DECLS
