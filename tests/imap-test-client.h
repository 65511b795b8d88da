/* imap-test-client.h — the IMAP client against scripted line servers: setup, a client that
 * records its signals, synchronous wrappers and the protocol trace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the test programs that run CnvImapClient (and CnvMailboxWatcher) against scripts of
 * tests/line-server.h: each wrapper starts the async call, runs the main context until it ends
 * (at most CLIENT_TIMEOUT_S) and returns its result.
 */
#pragma once

#include <gio/gio.h>

#include "cnv-imap-client.h"
#include "line-script.h"
#include "test-async.h"

G_BEGIN_DECLS

/* How long one client operation may take: far above what a passing test needs. */
#define CLIENT_TIMEOUT_S 15

#define GREETING "S: * OK [CAPABILITY IMAP4rev1] Dovecot ready.\n"
#define GREETING_IDLE "S: * OK [CAPABILITY IMAP4rev1 IDLE] Dovecot ready.\n"
/* RFC 9051 §6.3.2: a SELECT answer; EXISTS while selecting is the mailbox's size, not news. */
#define SELECT_INBOX                                    \
  "C: TAG SELECT \"INBOX\"\n"                           \
  "S: * FLAGS (\\\\Answered \\\\Seen)\n"                \
  "S: * 3 EXISTS\n"                                     \
  "S: * OK [UIDVALIDITY 1700000000] UIDs valid\n"       \
  "S: * OK [UIDNEXT 12] Predicted next UID\n"           \
  "S: ${TAG} OK [READ-WRITE] Select completed.\n"

/* The result that store_result_cb() put in @slot (borrowed); it must come within
 * CLIENT_TIMEOUT_S. */
static inline GAsyncResult *
wait_client (GAsyncResult **slot)
{
  return wait_result (slot, CLIENT_TIMEOUT_S);
}

/* g_test_init() for these programs. The client's protocol trace (G_MESSAGES_DEBUG=cnv-imap) is
 * on and kept for assert_traced_line() and assert_not_traced(); no proxy is asked about
 * loopback (libproxy, a C++ library, aborts under clang's AddressSanitizer). */
void            imap_test_init        (int                 *argc,
                                       char              ***argv);

/* Forgets the trace so far. */
void            trace_clear           (void);
/* The trace since trace_clear() holds no @secret, anywhere. */
void            assert_not_traced     (const char          *secret);
/* The trace since trace_clear() has @line as one of its lines. */
void            assert_traced_line    (const char          *line);

/* @error is set, and its message contains @part. */
void            assert_error_says     (const GError        *error,
                                       const char          *part);

/* A client of the line server, with what its signals said. */
typedef struct
{
  CnvImapClient *client;
  GArray        *exists;     /* guint: the count of each ::exists */
  GArray        *expunged;   /* guint: the sequence number of each ::expunged */
  GPtrArray     *closed;     /* GError: the reason of each ::closed */
} TestClient;

TestClient     *test_client_new_full  (CnvLineServer       *server,
                                       CnvMailSecurity      security,
                                       const char          *user,
                                       CnvMailAuth          auth);
/* Without encryption, user "user", the best mechanism the server offers. */
TestClient     *test_client_new       (CnvLineServer       *server);
void            test_client_free      (TestClient          *tc);

/* Why the connection closed: it closed once. */
const GError   *closed_reason         (TestClient          *tc);

/* Drops @tc's client: TRUE if it was finalized within two seconds (the main context runs
 * meanwhile). */
gboolean        release_client        (TestClient          *tc);

/* The client's bytes on the wire reach @count, and stay there for @ms: it waits for the server. */
void            assert_sent_stays     (TestClient          *tc,
                                       guint64              count,
                                       guint                ms);

gboolean        client_connect        (TestClient          *tc,
                                       GError             **error);
/* Connects; any error fails the test. */
void            connect_or_fail       (TestClient          *tc);
gboolean        client_authenticate   (TestClient          *tc,
                                       const char          *secret,
                                       GError             **error);
/* Selects @mailbox; any error fails the test. */
CnvImapMailbox  select_or_fail        (TestClient          *tc,
                                       const char          *mailbox,
                                       gboolean             read_only);
GArray         *client_search         (TestClient          *tc,
                                       const char          *criteria,
                                       GError             **error);
GPtrArray      *client_fetch          (TestClient          *tc,
                                       const char          *uid_set,
                                       CnvImapFetchFlags    what,
                                       GError             **error);
gboolean        client_noop           (TestClient          *tc,
                                       GError             **error);
gboolean        client_append         (TestClient          *tc,
                                       const char          *mailbox,
                                       const char * const  *flags,
                                       GBytes              *message,
                                       guint32             *uid,
                                       GError             **error);
gboolean        client_idle           (TestClient          *tc,
                                       guint                seconds,
                                       gboolean            *changed,
                                       GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestClient, test_client_free)

G_END_DECLS
