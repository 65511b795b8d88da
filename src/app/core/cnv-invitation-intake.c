/* cnv-invitation-intake.c — what the watcher does with one mail of the user's INBOX (E450)
 *
 * The mail is judged by cnv_invitation_filter() alone; what passes is merged into the store by
 * the iTIP rules of cnv_schedule_apply_update() (RFC 5546 §2.1.4: the UID names the event, the
 * SEQUENCE orders its revisions). Two more rules belong to the store, since only it knows what
 * came before:
 *
 * - A session id stays with the manager address that first sent it. Each configured manager is
 *   trusted for its own sessions, not for another's: a second manager (or whoever can write as
 *   it) must not move, relink or cancel a session it did not create. The same goes for a mail
 *   whose UID is not the stored one: under one session id it is not a revision of that event.
 * - A cancel of a session never seen is stored, CANCELLED, with its SEQUENCE: mail may arrive out
 *   of order (a retry, a second folder filtered into the INBOX), and the REQUEST that follows
 *   with a lower or equal SEQUENCE must not bring it back.
 *
 * The reading, the writing of the record and the watcher's position happen in one store
 * transaction (cnv_session_store_begin()): after a crash or a store failure either both are
 * there or neither, so an invitation is neither lost (position past it, record missing) nor half
 * merged. A mail that is ignored still moves the position, or the watcher would read it again at
 * every start.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-invitation-intake"

#include "config.h"

#include <string.h>

#include "cnv-engine.h"
#include "cnv-invitation-intake.h"
#include "cnv-session-schedule.h"
#include "cnv-text.h"

/* As cnv_invitation_parse_data(): an invitation is a few KiB, and gmime would build the whole
 * tree of a bigger mail only to find it is none. */
#define MAX_MESSAGE_SIZE (8 * 1024 * 1024)

/**
 * cnv_intake_outcome_to_string:
 * @outcome: an outcome
 *
 * Returns: (nullable): its name for the log ("ignored", "new", "updated", "cancelled",
 *   "unchanged"), %NULL for a value that is no outcome
 */
const char *
cnv_intake_outcome_to_string (CnvIntakeOutcome outcome)
{
  switch (outcome)
    {
    case CNV_INTAKE_IGNORED:
      return "ignored";
    case CNV_INTAKE_NEW:
      return "new";
    case CNV_INTAKE_UPDATED:
      return "updated";
    case CNV_INTAKE_CANCELLED:
      return "cancelled";
    case CNV_INTAKE_UNCHANGED:
      return "unchanged";
    default:
      return NULL;
    }
}

void
cnv_intake_result_free (CnvIntakeResult *result)
{
  if (result == NULL)
    return;
  g_free (result->reason);
  g_clear_pointer (&result->record, cnv_session_record_free);
  g_free (result);
}

static CnvIntakeResult *
result_new (CnvIntakeOutcome outcome)
{
  CnvIntakeResult *result = g_new0 (CnvIntakeResult, 1);

  result->outcome = outcome;
  result->verdict = CNV_INVITATION_VERDICT_ACCEPT;
  return result;
}

/* @reason is taken. */
static CnvIntakeResult *
result_ignored (CnvInvitationVerdict  verdict,
                char                 *reason)
{
  CnvIntakeResult *result = result_new (CNV_INTAKE_IGNORED);

  result->verdict = verdict;
  result->reason = reason;
  return result;
}

/* ---- Reading the mail ----------------------------------------------------------------------- */

static GMimeMessage *
read_message (GBytes *data)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  gsize len = 0;
  const char *bytes = g_bytes_get_data (data, &len);

  stream = g_mime_stream_mem_new_with_buffer (bytes != NULL ? bytes : "", len);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  return g_mime_parser_construct_message (parser, NULL);
}

/* Valid UTF-8 (the store refuses anything else, and a refusal would stop the watcher at this
 * mail for good); NULL stays NULL. The parser gives UTF-8 already: this is the guarantee. */
static char *
valid_text (const char *text)
{
  return text != NULL ? g_utf8_make_valid (text, -1) : NULL;
}

/* The manager addresses are compared normalised (case, IDNA), as the filter compares them. */
static char *
normalize_manager (const char *address)
{
  char *normalized;

  if (address == NULL)
    return NULL;
  normalized = cnv_address_normalize (address, NULL);
  return normalized != NULL ? normalized : g_strdup (address);
}

static CnvSessionRecord *
record_from_invitation (CnvInvitation             *invitation,
                        const CnvSessionTypeEntry *entry,
                        gint64                     now)
{
  g_autoptr(CnvSessionRecord) record = cnv_session_record_new ();
  const CnvAddress *organizer = cnv_invitation_get_organizer (invitation);
  GPtrArray *participants = cnv_invitation_get_participants (invitation);
  g_autofree char *manager = normalize_manager (entry->address);

  record->session_id = valid_text (cnv_invitation_get_session_id (invitation));
  record->uid = valid_text (cnv_invitation_get_uid (invitation));
  record->sequence = cnv_invitation_get_sequence (invitation);
  record->session_type = valid_text (cnv_invitation_get_session_type (invitation));
  record->manager_address = valid_text (manager);
  record->title = valid_text (cnv_invitation_get_title (invitation));
  if (organizer != NULL)
    {
      g_autofree char *shown = cnv_address_to_display (organizer);

      record->organizer = valid_text (shown);
    }
  /* None listed stays NULL: an update without attendees keeps the known ones
   * (cnv_schedule_apply_update() takes only what is present). */
  if (participants != NULL && participants->len > 0)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < participants->len; i++)
        {
          const CnvAddress *participant = g_ptr_array_index (participants, i);
          g_autofree char *address = valid_text (participant->address);

          g_strv_builder_add (builder, address);
        }
      record->participants = g_strv_builder_end (builder);
    }
  record->link = valid_text (cnv_invitation_get_link (invitation));
  record->start = g_date_time_to_unix (cnv_invitation_get_start (invitation));
  record->end = g_date_time_to_unix (cnv_invitation_get_end (invitation));
  record->status = cnv_invitation_get_method (invitation) == CNV_INVITATION_METHOD_CANCEL
                     ? CNV_SESSION_STATUS_CANCELLED : CNV_SESSION_STATUS_NEW;
  record->received_at = now;
  return g_steal_pointer (&record);
}

/* The filter's sentences quote addresses and the parser's error, never the link; this keeps it
 * so whatever they say in a later version: the reason goes to the log. */
static char *
scrub_reason (char          *reason,
              CnvInvitation *invitation)
{
  const char *link = invitation != NULL ? cnv_invitation_get_link (invitation) : NULL;
  const char *credential = invitation != NULL ? cnv_invitation_get_credential (invitation) : NULL;

  if ((link != NULL && *link != '\0' && strstr (reason, link) != NULL)
      || (credential != NULL && *credential != '\0' && strstr (reason, credential) != NULL))
    {
      g_free (reason);
      return g_strdup ("the mail was refused (the reason quoted its link, which is not logged)");
    }
  return reason;
}

/* The filter's judgement; NULL when the mail is an invitation for the user, with @invitation and
 * @entry set. */
static CnvIntakeResult *
judge (GBytes                     *data,
       const CnvIntakeContext     *context,
       CnvInvitation             **out_invitation,
       const CnvSessionTypeEntry **out_entry)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(CnvInvitation) invitation = NULL;
  g_autoptr(GError) parse_error = NULL;
  const CnvSessionTypeEntry *entry = NULL;
  char *reason = NULL;
  CnvInvitationVerdict verdict;

  if (data == NULL)
    return result_ignored (CNV_INVITATION_VERDICT_NOT_AN_INVITATION,
                           g_strdup ("the mail was too large to be downloaded: not an invitation"));
  if (g_bytes_get_size (data) > MAX_MESSAGE_SIZE)
    return result_ignored (CNV_INVITATION_VERDICT_NOT_AN_INVITATION,
                           g_strdup_printf ("the mail is larger than %d MiB: not an invitation",
                                            MAX_MESSAGE_SIZE / (1024 * 1024)));

  cnv_engine_init ();
  message = read_message (data);
  if (message == NULL)
    return result_ignored (CNV_INVITATION_VERDICT_NOT_AN_INVITATION,
                           g_strdup ("not an invitation: the data is not a mail message"));

  invitation = cnv_invitation_parse (message, &parse_error);
  verdict = cnv_invitation_filter (message, invitation, parse_error, context->entries,
                                   context->user_address, context->trusted_authserv_id, &entry,
                                   &reason);
  if (verdict != CNV_INVITATION_VERDICT_ACCEPT)
    return result_ignored (verdict, scrub_reason (reason, invitation));

  g_free (reason);
  g_assert (invitation != NULL && entry != NULL);
  *out_invitation = g_steal_pointer (&invitation);
  *out_entry = entry;
  return NULL;
}

/* ---- Merging into the store ----------------------------------------------------------------- */

/* Inside the caller's transaction. */
static gboolean
store_record (CnvSessionStore         *store,
              const CnvSessionRecord  *record,
              CnvSessionStatus         stored_status,
              CnvSessionRecord       **stored,
              GError                 **error)
{
  if (!cnv_session_store_put (store, record, error))
    return FALSE;
  /* cnv_session_store_put() keeps a running session running (a stale copy must not undo a
   * launch): a cancel of one is written as the status change it is. */
  if (stored_status == CNV_SESSION_STATUS_RUNNING && record->status != CNV_SESSION_STATUS_RUNNING
      && !cnv_session_store_update_status (store, record->session_id, record->status, error))
    return FALSE;
  *stored = cnv_session_store_get (store, record->session_id, error);
  if (*stored == NULL)
    {
      if (error == NULL || *error == NULL)
        g_set_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_FAILED,
                     "Session “%s” is missing right after it was stored", record->session_id);
      return FALSE;
    }
  return TRUE;
}

/* Inside the caller's transaction: the stored record is read and rewritten under the write lock.
 * FALSE only when the store failed. */
static gboolean
merge (CnvSessionStore            *store,
       CnvInvitation              *invitation,
       const CnvSessionTypeEntry  *entry,
       const CnvIntakeContext     *context,
       CnvIntakeResult           **out_result,
       GError                    **error)
{
  g_autoptr(CnvSessionRecord) incoming = record_from_invitation (invitation, entry,
                                                                 context->now);
  g_autoptr(CnvSessionRecord) current = NULL;
  g_autoptr(CnvSessionRecord) stored = NULL;
  g_autoptr(CnvIntakeResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *current_manager = NULL;
  CnvSessionStatus current_status;
  gint64 previous_start, previous_end;

  current = cnv_session_store_get (store, incoming->session_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (current == NULL)
    {
      if (!store_record (store, incoming, incoming->status, &stored, error))
        return FALSE;
      result = result_new (incoming->status == CNV_SESSION_STATUS_CANCELLED ? CNV_INTAKE_CANCELLED
                                                                             : CNV_INTAKE_NEW);
      result->record = g_steal_pointer (&stored);
      *out_result = g_steal_pointer (&result);
      return TRUE;
    }

  current_manager = normalize_manager (current->manager_address);
  if (g_strcmp0 (current_manager, incoming->manager_address) != 0)
    {
      g_autofree char *shown_current = cnv_text_show (current_manager != NULL ? current_manager
                                                                              : "no manager");
      g_autofree char *shown_incoming = cnv_text_show (incoming->manager_address);

      *out_result = result_ignored (CNV_INVITATION_VERDICT_MANAGER_MISMATCH,
                                    g_strdup_printf ("session %s belongs to the manager %s: the "
                                                     "mail from %s cannot take it over",
                                                     incoming->session_id, shown_current,
                                                     shown_incoming));
      return TRUE;
    }
  if (g_strcmp0 (current->uid, incoming->uid) != 0)
    {
      g_autofree char *shown_current = cnv_text_show (current->uid != NULL ? current->uid
                                                                           : "no UID");
      g_autofree char *shown_incoming = cnv_text_show (incoming->uid);

      *out_result = result_ignored (CNV_INVITATION_VERDICT_MANAGER_MISMATCH,
                                    g_strdup_printf ("session %s is the event %s, not %s: the "
                                                     "mail is no revision of it",
                                                     incoming->session_id, shown_current,
                                                     shown_incoming));
      return TRUE;
    }

  current_status = current->status;
  previous_start = current->start;
  previous_end = current->end;
  if (!cnv_schedule_apply_update (current, incoming))
    {
      result = result_new (CNV_INTAKE_UNCHANGED);
      result->record = g_steal_pointer (&current);
      *out_result = g_steal_pointer (&result);
      return TRUE;
    }

  if (!store_record (store, current, current_status, &stored, error))
    return FALSE;
  if (incoming->status == CNV_SESSION_STATUS_CANCELLED)
    result = result_new (CNV_INTAKE_CANCELLED);
  else
    {
      result = result_new (CNV_INTAKE_UPDATED);
      result->previous_start = previous_start;
      result->previous_end = previous_end;
    }
  result->record = g_steal_pointer (&stored);
  *out_result = g_steal_pointer (&result);
  return TRUE;
}

/**
 * cnv_invitation_intake:
 * @store: the session store
 * @message: (nullable): the raw mail (RFC 5322), %NULL when the watcher did not download it
 * @context: the configuration and the watcher's position after this message
 * @result: (out) (transfer full): what was done, on success
 * @error: a %CNV_SESSION_STORE_ERROR
 *
 * See cnv-invitation-intake.h and this file's header comment.
 *
 * Returns: %FALSE only when the store failed: then nothing was written, the position neither
 */
gboolean
cnv_invitation_intake (CnvSessionStore         *store,
                       GBytes                  *message,
                       const CnvIntakeContext  *context,
                       CnvIntakeResult        **result,
                       GError                 **error)
{
  g_autoptr(CnvInvitation) invitation = NULL;
  g_autoptr(CnvIntakeResult) outcome = NULL;
  const CnvSessionTypeEntry *entry = NULL;

  g_return_val_if_fail (CNV_IS_SESSION_STORE (store), FALSE);
  g_return_val_if_fail (context != NULL && context->mailbox != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *result = NULL;
  outcome = judge (message, context, &invitation, &entry);

  if (!cnv_session_store_begin (store, error))
    return FALSE;
  if ((outcome == NULL && !merge (store, invitation, entry, context, &outcome, error))
      || !cnv_session_store_set_position (store, context->mailbox, context->uidvalidity,
                                          context->uid, error))
    {
      cnv_session_store_rollback (store);
      return FALSE;
    }
  if (!cnv_session_store_commit (store, error))
    return FALSE;

  g_debug ("Message %u of %s: %s", context->uid, context->mailbox,
           cnv_intake_outcome_to_string (outcome->outcome));
  *result = g_steal_pointer (&outcome);
  return TRUE;
}
