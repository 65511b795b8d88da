/* cnv-invitation-intake.h — what the watcher does with one mail of the user's INBOX (E450)
 *
 * One call per message the CnvMailboxWatcher emits: parse it (cnv_invitation_parse()), judge it
 * (cnv_invitation_filter()), and when it is an invitation, store it as a CnvSessionRecord or merge
 * it into the stored one (cnv_schedule_apply_update(): a higher SEQUENCE reschedules, METHOD:CANCEL
 * cancels, a repeat or an older one changes nothing), together with the watcher's position, in
 * one transaction. Whatever is not an invitation is ignored with a reason for the log; nothing in
 * the result or the reason holds the link or the credential.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-app-settings.h"
#include "cnv-invitation-filter.h"
#include "cnv-session-store.h"

G_BEGIN_DECLS

typedef enum
{
  CNV_INTAKE_IGNORED,     /* not an invitation for this user: see verdict and reason */
  CNV_INTAKE_NEW,         /* a session this user had not heard of, stored as NEW */
  CNV_INTAKE_UPDATED,     /* a higher SEQUENCE: times, title, participants or link changed */
  CNV_INTAKE_CANCELLED,   /* METHOD:CANCEL of a known (or unknown: stored as cancelled) session */
  CNV_INTAKE_UNCHANGED,   /* a repeat, or an older SEQUENCE than the stored one */
} CnvIntakeOutcome;

typedef struct
{
  CnvIntakeOutcome      outcome;
  /* ACCEPT unless IGNORED. An invitation the filter accepted can still be IGNORED, with
   * MANAGER_MISMATCH: its session id is stored already from another manager address (a
   * manager cannot take over another's session) or with another UID (it is no revision of it). */
  CnvInvitationVerdict  verdict;
  char                 *reason;         /* IGNORED: why, one line, for the log; else NULL */
  /* the stored record after the intake; NULL when IGNORED. Made from the invitation as: the
   * manager address = the matching entry's address, normalised; session_type = the invitation's
   * (X-Convene-Type, the manager's name of the type); organizer = for showing, "Name <address>"
   * or the bare address (cnv_address_to_display(): an IDN domain in Unicode); participants = the
   * attendees' normalised addresses (NULL when none are listed); start, end = Unix seconds;
   * received_at = context->now when it was first stored (kept by later revisions). */
  CnvSessionRecord     *record;
  gint64                previous_start; /* UPDATED: the times before; else 0 */
  gint64                previous_end;
} CnvIntakeResult;

typedef struct
{
  GPtrArray  *entries;              /* CnvSessionTypeEntry, the configured manager addresses */
  const char *user_address;
  const char *trusted_authserv_id;  /* NULL or "": Authentication-Results not used */
  const char *mailbox;              /* the folder whose position is stored, "INBOX" */
  guint32     uidvalidity;          /* the watcher's position after this message */
  guint32     uid;
  gint64      now;                  /* received_at of a new record (Unix seconds) */
} CnvIntakeContext;

/* @message: the raw mail (RFC 5322), %NULL when the watcher did not download it (too big): then
 * IGNORED, as is a mail above 8 MiB. FALSE only when the store failed (nothing was written, the
 * position neither): the caller must not go on past this message. */
gboolean         cnv_invitation_intake      (CnvSessionStore        *store,
                                             GBytes                 *message,
                                             const CnvIntakeContext *context,
                                             CnvIntakeResult       **result,
                                             GError                **error);

const char      *cnv_intake_outcome_to_string (CnvIntakeOutcome      outcome);

void             cnv_intake_result_free     (CnvIntakeResult        *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvIntakeResult, cnv_intake_result_free)

G_END_DECLS
