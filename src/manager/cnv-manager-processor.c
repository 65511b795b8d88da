/* cnv-manager-processor.c — Fig 5 for one received mail: the decisions and their transaction
 *
 * For each mail the watcher hands over (E500), in this order:
 *   1. mail the manager never answers is ignored: oversize, not a mail, its own mail, automatic
 *      mail and bounces (RFC 3834);
 *   2. a From that the trusted authserv-id did not authenticate (RFC 8601, DMARC) is refused
 *      without any answer (no backscatter to a forged address);
 *   3. the initiator must be accredited (E501–E502) and under its hourly request limit; a stranger
 *      gets no answer either;
 *   4. the request is read (CnvRequest: type E511, temporal info E507); a request with errors, too
 *      many participants or an end in the past is refused with a report to the initiator;
 *   5. a mail that names a running session (the `[cnv:ID]` tag, a reply to one of its mails, or
 *      the seed's rule: a participant whose To set strictly contains the participants of one
 *      running session of that type) adds its new To addresses to it; otherwise a new session;
 *   6. each To address is checked (E502–E506): accredited ones are stored with an invitation in
 *      the outbox (E503–E504, E514: the credential itself is minted when the invitation is sent),
 *      the others go into one refusal report with the Cc addresses (informational only);
 *   7. all of it, the processed-message record and the watcher position commit in ONE transaction:
 *      a crash before the commit means the mail is read again, after it nothing is lost or doubled.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <json-glib/json-glib.h>

#include "cnv-invitation.h"
#include "cnv-manager-policy.h"
#include "cnv-manager-processor.h"
#include "cnv-manager-token.h"
#include "cnv-request.h"

#define HOUR_SECONDS 3600

struct _CnvManagerProcessor
{
  GObject           parent_instance;

  /* Owned */
  CnvManagerConfig *config;
  CnvManagerStore  *store;
};

G_DEFINE_FINAL_TYPE (CnvManagerProcessor, cnv_manager_processor, G_TYPE_OBJECT)

/* What one mail will change, gathered before the transaction writes it. */
typedef struct
{
  CnvProcessResult *result;
  const char       *mailbox;
  guint32           uidvalidity;
  guint32           uid;
  gint64            now;
  JsonBuilder      *refused;   /* [{"address", "reason"}] of the refusal report */
  guint             n_refused_entries;
} Job;

const char *
cnv_process_outcome_to_string (CnvProcessOutcome outcome)
{
  switch (outcome)
    {
    case CNV_PROCESS_ACCEPTED:
      return "accepted";
    case CNV_PROCESS_INVITED_MORE:
      return "invited-more";
    case CNV_PROCESS_REFUSED:
      return "refused";
    case CNV_PROCESS_IGNORED:
      return "ignored";
    case CNV_PROCESS_DUPLICATE:
      return "duplicate";
    default:
      g_return_val_if_reached ("unknown");
    }
}

void
cnv_process_result_free (CnvProcessResult *result)
{
  if (result == NULL)
    return;
  g_free (result->reason);
  g_free (result->message_id);
  g_free (result->sender);
  g_free (result->session_id);
  g_free (result);
}

static void
cnv_manager_processor_finalize (GObject *object)
{
  CnvManagerProcessor *self = (CnvManagerProcessor *) object;

  g_clear_object (&self->config);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (cnv_manager_processor_parent_class)->finalize (object);
}

static void
cnv_manager_processor_class_init (CnvManagerProcessorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cnv_manager_processor_finalize;
}

static void
cnv_manager_processor_init (CnvManagerProcessor *self)
{
}

/**
 * cnv_manager_processor_new:
 * @config: the manager's configuration
 * @store: its store
 */
CnvManagerProcessor *
cnv_manager_processor_new (CnvManagerConfig *config,
                           CnvManagerStore  *store)
{
  CnvManagerProcessor *self;

  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (config), NULL);
  g_return_val_if_fail (CNV_IS_MANAGER_STORE (store), NULL);

  self = g_object_new (CNV_TYPE_MANAGER_PROCESSOR, NULL);
  self->config = g_object_ref (config);
  self->store = g_object_ref (store);
  return self;
}

/* ---- Recording ------------------------------------------------------------------------------ */

static const char *
processed_outcome (CnvProcessOutcome outcome)
{
  switch (outcome)
    {
    case CNV_PROCESS_ACCEPTED:
    case CNV_PROCESS_INVITED_MORE:
      return "accepted";
    case CNV_PROCESS_REFUSED:
      return "refused";
    case CNV_PROCESS_IGNORED:
    case CNV_PROCESS_DUPLICATE:
    default:
      return "ignored";
    }
}

/* The processed record and the watcher position; inside the caller's transaction. */
static gboolean
record (CnvManagerProcessor  *self,
        Job                  *job,
        GError              **error)
{
  CnvProcessResult *result = job->result;

  /* The sender is kept (and counts towards its hourly limit) only for mail that made the manager
   * act: a forger who fails authentication must not use up someone else's requests. */
  gboolean counts = result->outcome == CNV_PROCESS_ACCEPTED ||
                    result->outcome == CNV_PROCESS_INVITED_MORE || result->reported;

  if (result->outcome != CNV_PROCESS_DUPLICATE &&
      !cnv_manager_store_add_processed (self->store, result->message_id, job->mailbox,
                                        job->uidvalidity, job->uid,
                                        counts ? result->sender : NULL,
                                        processed_outcome (result->outcome), result->reason,
                                        error))
    return FALSE;
  return cnv_manager_store_set_position (self->store, job->mailbox, job->uidvalidity, job->uid,
                                         error);
}

/* Records a mail that changes nothing else (ignored, refused without report, duplicate). */
static gboolean
finish_alone (CnvManagerProcessor  *self,
              Job                  *job,
              CnvProcessOutcome     outcome,
              char                 *reason,
              GError              **error)
{
  job->result->outcome = outcome;
  g_free (job->result->reason);
  job->result->reason = reason;

  if (!cnv_manager_store_begin (self->store, error))
    return FALSE;
  if (!record (self, job, error) || !cnv_manager_store_commit (self->store, error))
    {
      cnv_manager_store_rollback (self->store);
      return FALSE;
    }
  return TRUE;
}

/* ---- Reading the mail ----------------------------------------------------------------------- */

static GMimeMessage *
parse_message (GBytes *data)
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

/* The key a mail is processed once under: its Message-ID, or where it was when it has none. */
static char *
message_key (GMimeMessage *message,
             const char   *mailbox,
             guint32       uidvalidity,
             guint32       uid)
{
  const char *message_id = message != NULL ? g_mime_message_get_message_id (message) : NULL;

  if (message_id != NULL && cnv_invitation_message_id_is_valid (message_id))
    return g_strdup (message_id);
  /* Spaces: no mail can carry this key as its Message-ID (and claim another mail's place). */
  return g_strdup_printf ("(no Message-ID) %s %u %u", mailbox, uidvalidity, uid);
}

static char *
first_from (GMimeMessage *message)
{
  InternetAddressList *from = g_mime_message_get_from (message);
  g_autoptr(GPtrArray) list = NULL;

  if (from == NULL)
    return NULL;
  list = cnv_address_list_from_gmime (from, NULL);
  if (list == NULL || list->len == 0)
    return NULL;
  return g_strdup (((CnvAddress *) g_ptr_array_index (list, 0))->address);
}

static gboolean
is_accredited (CnvManagerProcessor  *self,
               const char           *address,
               gboolean             *accredited,
               GError              **error)
{
  return cnv_manager_store_is_accredited (self->store, address,
                                          cnv_manager_config_get_accredited_domains (self->config),
                                          accredited, error);
}

/* The request's Message-ID, or NULL when it had none (the processed key is then internal and
 * must not reach a header). */
static const char *
job_message_id (Job *job)
{
  const char *key = job->result->message_id;

  return key != NULL && cnv_invitation_message_id_is_valid (key) ? key : NULL;
}

/* The Message-ID of an outbox mail is chosen when it is queued, not when it is sent: should the
 * manager die between the server's acceptance and the commit that records it, the mail sent again
 * after the restart is the same message (same Message-ID) for every mail client that dedupes, and
 * replies to an invitation find their session from the start. */
static char *
new_message_id (const char *manager_address)
{
  g_autofree char *domain = cnv_address_get_domain (manager_address);

  return g_mime_utils_generate_message_id (domain != NULL ? domain : "convene.invalid");
}

/* ---- The refusal report --------------------------------------------------------------------- */

static void
refuse_address (Job        *job,
                const char *address,
                const char *reason)
{
  json_builder_begin_object (job->refused);
  json_builder_set_member_name (job->refused, "address");
  json_builder_add_string_value (job->refused, address);
  json_builder_set_member_name (job->refused, "reason");
  json_builder_add_string_value (job->refused, reason);
  json_builder_end_object (job->refused);
  job->n_refused_entries++;
}

/* Queues the one report mail to the initiator (seed: "skip and report to the initiator"): the
 * addresses not invited and why, the informational ones, and a problem with the whole request.
 * The payload is all the outbox needs to write it later; it holds no secret. */
static gboolean
queue_report (CnvManagerProcessor  *self,
              Job                  *job,
              CnvRequest           *request,
              const char           *session_id,
              const char           *title,
              const char           *problem,
              GError              **error)
{
  GPtrArray *informational = cnv_request_get_informational (request);
  const CnvAddress *initiator = cnv_request_get_initiator (request);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) refused = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CnvOutboxItem) item = g_new0 (CnvOutboxItem, 1);
  const char *manager_address = cnv_request_get_manager_address (request);

  if (job->n_refused_entries == 0 && informational->len == 0 && problem == NULL)
    return TRUE;

  json_builder_end_array (job->refused);
  refused = json_builder_get_root (job->refused);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, title);
  json_builder_set_member_name (builder, "session_id");
  json_builder_add_string_value (builder, session_id);
  json_builder_set_member_name (builder, "problem");
  json_builder_add_string_value (builder, problem);
  json_builder_set_member_name (builder, "refused");
  json_builder_add_value (builder, g_steal_pointer (&refused));
  json_builder_set_member_name (builder, "informational");
  json_builder_begin_array (builder);
  for (guint i = 0; i < informational->len; i++)
    json_builder_add_string_value (builder,
                                   ((CnvAddress *) g_ptr_array_index (informational, i))->address);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  item->kind = CNV_OUTBOX_REFUSAL;
  item->session_id = g_strdup (session_id);
  item->recipient = g_strdup (initiator->address);
  item->recipient_name = g_strdup (initiator->name);
  item->sender = g_strdup (manager_address);
  item->in_reply_to = g_strdup (job_message_id (job));
  item->payload = json_generator_to_data (generator, NULL);
  item->state = CNV_OUTBOX_PENDING;
  item->next_attempt = job->now;
  item->message_id = new_message_id (manager_address);
  if (!cnv_manager_store_add_outbox (self->store, item, error))
    return FALSE;
  job->result->reported = TRUE;
  job->result->n_refused = job->n_refused_entries;
  return TRUE;
}

/* A refusal of the whole request, reported to its (accredited, authentic) initiator. */
static gboolean
refuse_with_report (CnvManagerProcessor  *self,
                    Job                  *job,
                    CnvRequest           *request,
                    char                 *reason,
                    GError              **error)
{
  job->result->outcome = CNV_PROCESS_REFUSED;
  g_free (job->result->reason);
  job->result->reason = reason;

  if (!cnv_manager_store_begin (self->store, error))
    return FALSE;
  if (!queue_report (self, job, request, NULL, cnv_request_get_title (request), reason, error) ||
      !record (self, job, error) ||
      !cnv_manager_store_commit (self->store, error))
    {
      cnv_manager_store_rollback (self->store);
      return FALSE;
    }
  return TRUE;
}

/* ---- Participants --------------------------------------------------------------------------- */

static gboolean
queue_invitation (CnvManagerProcessor     *self,
                  Job                     *job,
                  const CnvStoredSession  *session,
                  gint64                   participant_id,
                  const CnvAddress        *participant,
                  GError                 **error)
{
  g_autoptr(CnvOutboxItem) item = g_new0 (CnvOutboxItem, 1);

  item->kind = CNV_OUTBOX_INVITATION;
  item->session_id = g_strdup (session->id);
  item->participant_id = participant_id;
  item->recipient = g_strdup (participant->address);
  item->recipient_name = g_strdup (participant->name);
  item->sender = g_strdup (session->manager_address);
  item->in_reply_to = g_strdup (job_message_id (job));
  item->state = CNV_OUTBOX_PENDING;
  /* E508: with invite-at=start the invitation waits for the start. */
  item->next_attempt = session->invite_at_start ? MAX (session->start, job->now) : job->now;
  item->message_id = new_message_id (session->manager_address);
  if (!cnv_manager_store_add_outbox (self->store, item, error))
    return FALSE;
  job->result->n_invited++;
  return TRUE;
}

/* E502–E506 for each To address: store and invite the accredited ones, report the others. */
static gboolean
add_participants (CnvManagerProcessor     *self,
                  Job                     *job,
                  const CnvStoredSession  *session,
                  CnvRequest              *request,
                  GError                 **error)
{
  GPtrArray *participants = cnv_request_get_participants (request);

  for (guint i = 0; i < participants->len; i++)
    {
      const CnvAddress *participant = g_ptr_array_index (participants, i);
      gboolean is_initiator = g_strcmp0 (participant->address, session->initiator) == 0;
      gboolean accredited = FALSE;
      gboolean added = FALSE;
      gint64 participant_id = 0;

      if (!is_accredited (self, participant->address, &accredited, error))
        return FALSE;
      if (!accredited)
        {
          refuse_address (job, participant->address,
                          "not accredited: this address is not in the manager's list of users");
          continue;
        }
      if (!cnv_manager_store_add_participant (self->store, session->id, participant->address,
                                              participant->name, is_initiator, &participant_id,
                                              &added, error))
        return FALSE;
      /* Invite more: nobody already in is mailed again. */
      if (added && !queue_invitation (self, job, session, participant_id, participant, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- Which session ---------------------------------------------------------------------------- */

static gboolean
is_running (const CnvStoredSession *session,
            gint64                  now)
{
  return (session->state == CNV_SESSION_STATE_SCHEDULED ||
          session->state == CNV_SESSION_STATE_ACTIVE) && session->end > now;
}

static gboolean
is_participant (CnvManagerStore   *store,
                const char        *session_id,
                const char        *address,
                gboolean          *participant,
                GPtrArray        **out_list,
                GError           **error)
{
  g_autoptr(GPtrArray) list = NULL;

  *participant = FALSE;
  if (!cnv_manager_store_list_participants (store, session_id, &list, error))
    return FALSE;
  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (((CnvStoredParticipant *) g_ptr_array_index (list, i))->address, address) == 0)
      *participant = TRUE;
  if (out_list != NULL)
    *out_list = g_steal_pointer (&list);
  return TRUE;
}

/* The seed's rule: the request's To set strictly contains the participants of a running session
 * of that type that the initiator is in. "Running" is taken strictly: the session is under way
 * (its start has passed), and the request names no other meeting — it carries no times of its
 * own, or the same calendar UID. A request for another day is a new session, even to the same
 * people plus one. */
static gboolean
find_by_superset (CnvManagerProcessor  *self,
                  Job                  *job,
                  CnvRequest           *request,
                  CnvStoredSession    **found,
                  GError              **error)
{
  GPtrArray *participants = cnv_request_get_participants (request);
  const char *initiator = cnv_request_get_initiator (request)->address;
  const char *uid = cnv_request_get_uid (request);
  gboolean has_times = cnv_request_get_times_source (request) != CNV_TIMES_SOURCE_NONE;
  g_autoptr(GPtrArray) sessions = NULL;

  if (!cnv_manager_store_list_sessions (self->store, FALSE, cnv_request_get_session_type (request),
                                        &sessions, error))
    return FALSE;
  /* The most recent running session first. */
  for (guint i = sessions->len; i > 0; i--)
    {
      CnvStoredSession *session = g_ptr_array_index (sessions, i - 1);
      g_autoptr(GPtrArray) members = NULL;
      gboolean member = FALSE;
      gboolean contained = TRUE;

      if (!is_running (session, job->now) || session->start > job->now)
        continue;
      if (has_times && g_strcmp0 (uid, session->uid) != 0)
        continue;
      if (!is_participant (self->store, session->id, initiator, &member, &members, error))
        return FALSE;
      if (!member || members->len >= participants->len)
        continue;
      for (guint j = 0; j < members->len && contained; j++)
        contained = cnv_address_list_contains (participants,
                                               ((CnvStoredParticipant *) g_ptr_array_index (members, j))->address);
      if (contained)
        {
          *found = g_ptr_array_steal_index (sessions, i - 1);
          return TRUE;
        }
    }
  return TRUE;
}

/* A running session this mail adds people to, or NULL. @problem is set when the mail names a
 * session it cannot extend (the tag of an ended session, or the sender is not in it). */
static gboolean
find_target_session (CnvManagerProcessor  *self,
                     Job                  *job,
                     CnvRequest           *request,
                     CnvStoredSession    **target,
                     char               **problem,
                     GError             **error)
{
  const char *initiator = cnv_request_get_initiator (request)->address;
  const char *tag = cnv_request_get_session_tag (request);
  const char * const *references = cnv_request_get_references (request);
  gboolean member = FALSE;

  *target = NULL;
  if (tag != NULL)
    {
      g_autoptr(CnvStoredSession) session = NULL;

      if (!cnv_manager_store_get_session (self->store, tag, &session, error))
        return FALSE;
      if (session == NULL || !is_running (session, job->now))
        {
          *problem = g_strdup_printf ("The session [cnv:%s] named in the subject is not running "
                                      "(it ended, was cancelled or does not exist): write a new "
                                      "request without the tag to start a new session", tag);
          return TRUE;
        }
      if (!is_participant (self->store, session->id, initiator, &member, NULL, error))
        return FALSE;
      if (!member)
        {
          *problem = g_strdup_printf ("Only participants of the session [cnv:%s] may invite more "
                                      "people to it", tag);
          return TRUE;
        }
      *target = g_steal_pointer (&session);
      return TRUE;
    }

  /* A reply to the request or to an invitation: In-Reply-To and References. A reply into an
   * ended session's thread is a new request. */
  for (guint i = 0; references != NULL && references[i] != NULL; i++)
    {
      g_autoptr(CnvStoredSession) session = NULL;

      if (!cnv_manager_store_find_session_by_reference (self->store, references[i], &session, error))
        return FALSE;
      if (session == NULL || !is_running (session, job->now) ||
          g_strcmp0 (session->type, cnv_request_get_session_type (request)) != 0)
        continue;
      if (!is_participant (self->store, session->id, initiator, &member, NULL, error))
        return FALSE;
      if (member)
        {
          *target = g_steal_pointer (&session);
          return TRUE;
        }
    }

  /* A calendar's update of the event (same UID, a higher SEQUENCE, someone added) extends the
   * session it made, started or not. */
  if (cnv_request_get_uid (request) != NULL)
    {
      g_autoptr(GPtrArray) sessions = NULL;

      if (!cnv_manager_store_list_sessions (self->store, FALSE,
                                            cnv_request_get_session_type (request), &sessions,
                                            error))
        return FALSE;
      for (guint i = sessions->len; i > 0; i--)
        {
          CnvStoredSession *session = g_ptr_array_index (sessions, i - 1);

          if (!is_running (session, job->now) ||
              g_strcmp0 (session->uid, cnv_request_get_uid (request)) != 0)
            continue;
          if (!is_participant (self->store, session->id, initiator, &member, NULL, error))
            return FALSE;
          if (member)
            {
              *target = g_ptr_array_steal_index (sessions, i - 1);
              return TRUE;
            }
        }
    }

  return find_by_superset (self, job, request, target, error);
}

static gboolean
is_blank (const char *text)
{
  for (; text != NULL && *text != '\0'; text = g_utf8_next_char (text))
    if (!g_unichar_isspace (g_utf8_get_char (text)))
      return FALSE;
  return TRUE;
}

/* E507: the request's times, or (no temporal info) now and the configured default duration. */
static void
request_times (CnvManagerProcessor *self,
               Job                 *job,
               CnvRequest          *request,
               gint64              *start,
               gint64              *end)
{
  GDateTime *request_start = cnv_request_get_start (request);
  GDateTime *request_end = cnv_request_get_end (request);
  gint64 duration = cnv_manager_config_get_default_duration (self->config) / G_TIME_SPAN_SECOND;

  *start = request_start != NULL ? g_date_time_to_unix (request_start) : job->now;
  *end = request_end != NULL ? g_date_time_to_unix (request_end) : *start + duration;
}

/* ---- A new session ---------------------------------------------------------------------------- */

/* A room name of 128 random bits: lower-case letters and digits, as Jitsi and most services
 * want them. */
static char *
new_room_name (GError **error)
{
  g_autofree char *random = cnv_manager_random_id (16, error);

  return random != NULL ? g_strdup_printf ("cnv%s", random) : NULL;
}

static CnvStoredSession *
new_session (CnvManagerProcessor  *self,
             Job                  *job,
             CnvRequest           *request,
             GError              **error)
{
  g_autoptr(CnvStoredSession) session = g_new0 (CnvStoredSession, 1);
  const CnvAddress *initiator = cnv_request_get_initiator (request);
  const char *manager_address = cnv_request_get_manager_address (request);
  g_autofree char *domain = cnv_address_get_domain (manager_address);

  session->id = cnv_manager_random_id (16, error);
  if (session->id == NULL)
    return NULL;
  session->room = new_room_name (error);
  if (session->room == NULL)
    return NULL;
  /* The request's VEVENT UID when it had one: the initiator's calendar then sees the invitation as
   * an update of the event it holds (DESIGN.md); the SEQUENCE is higher than the request's. */
  session->uid = cnv_request_get_uid (request) != NULL
                 ? g_strdup (cnv_request_get_uid (request))
                 : g_strdup_printf ("%s@%s", session->id, domain != NULL ? domain : "convene");
  /* Higher than the request's; room is left for a cancellation's SEQUENCE + 1. */
  session->sequence = CLAMP (cnv_request_get_sequence (request), 0, G_MAXINT - 2) + 1;
  session->type = g_strdup (cnv_request_get_session_type (request));
  /* A mail without a subject still makes a session; its title must say something. */
  session->title = g_strdup (!is_blank (cnv_request_get_title (request))
                             ? cnv_request_get_title (request) : "(no subject)");
  session->initiator = g_strdup (initiator->address);
  session->initiator_name = g_strdup (initiator->name);
  session->manager_address = g_strdup (manager_address);
  session->request_message_id = g_strdup (job_message_id (job));
  request_times (self, job, request, &session->start, &session->end);
  session->state = CNV_SESSION_STATE_SCHEDULED;
  session->invite_at_start =
    cnv_manager_config_get_invite_at (self->config) == CNV_INVITE_AT_START;
  session->created_at = job->now;
  return g_steal_pointer (&session);
}

static gboolean
store_request (CnvManagerProcessor  *self,
               Job                  *job,
               CnvRequest           *request,
               CnvStoredSession     *target,
               GError              **error)
{
  g_autoptr(CnvStoredSession) created = NULL;
  const CnvStoredSession *session = target;

  if (target == NULL)
    {
      created = new_session (self, job, request, error);
      if (created == NULL)
        return FALSE;
      session = created;
    }

  if (!cnv_manager_store_begin (self->store, error))
    return FALSE;
  if ((created != NULL && !cnv_manager_store_add_session (self->store, created, error)) ||
      !add_participants (self, job, session, request, error) ||
      !queue_report (self, job, request, session->id, session->title, NULL, error))
    goto failed;

  job->result->outcome = target != NULL ? CNV_PROCESS_INVITED_MORE : CNV_PROCESS_ACCEPTED;
  job->result->session_id = g_strdup (session->id);
  if (!record (self, job, error) || !cnv_manager_store_commit (self->store, error))
    goto failed;
  return TRUE;

failed:
  cnv_manager_store_rollback (self->store);
  job->result->n_invited = 0;
  job->result->reported = FALSE;
  return FALSE;
}

/* ---- The steps ------------------------------------------------------------------------------ */

static char *
join_errors (GPtrArray *errors)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < errors->len; i++)
    {
      if (i > 0)
        g_string_append (text, " ");
      g_string_append (text, ((GError *) g_ptr_array_index (errors, i))->message);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
handle_message (CnvManagerProcessor  *self,
                Job                  *job,
                GMimeMessage         *message,
                GError              **error)
{
  CnvProcessResult *result = job->result;
  CnvSessionTypes *types = cnv_manager_config_get_types (self->config);
  g_autoptr(CnvRequest) request = NULL;
  g_autoptr(CnvStoredSession) target = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *problem = NULL;
  const char *trusted = cnv_manager_config_get_trusted_authserv_id (self->config);
  GPtrArray *participants;
  gboolean accredited = FALSE;
  gboolean processed = FALSE;
  guint count = 0;
  guint max_participants = cnv_manager_config_get_max_participants (self->config);
  guint max_requests = cnv_manager_config_get_max_requests_per_hour (self->config);
  gint64 start = 0;
  gint64 end = 0;

  if (!cnv_manager_store_was_processed (self->store, result->message_id, &processed, error))
    return FALSE;
  if (processed)
    return finish_alone (self, job, CNV_PROCESS_DUPLICATE, g_strdup ("already processed"), error);

  result->sender = first_from (message);
  if (result->sender == NULL)
    return finish_alone (self, job, CNV_PROCESS_IGNORED,
                         g_strdup ("the mail has no usable From address"), error);
  if (cnv_session_types_is_manager_address (types, result->sender))
    return finish_alone (self, job, CNV_PROCESS_IGNORED,
                         g_strdup ("the mail comes from a manager address (its own mail)"), error);
  if (cnv_manager_policy_is_automatic (message, &reason))
    return finish_alone (self, job, CNV_PROCESS_IGNORED,
                         g_steal_pointer (&reason), error);
  g_clear_pointer (&reason, g_free);
  if (cnv_manager_policy_check_sender (message, trusted, &reason) == CNV_SENDER_AUTH_FAIL)
    return finish_alone (self, job, CNV_PROCESS_REFUSED,
                         g_strdup_printf ("the sender is not authentic: %s", reason), error);
  g_clear_pointer (&reason, g_free);

  request = cnv_request_parse (message, types, cnv_manager_config_get_time_zone (self->config),
                               cnv_manager_config_get_default_duration (self->config));
  if (cnv_request_get_initiator (request) == NULL)
    return finish_alone (self, job, CNV_PROCESS_REFUSED, join_errors (cnv_request_get_errors (request)),
                         error);
  /* The initiator is the authenticated From; a request's Sender/Reply-To do not count. */
  g_free (result->sender);
  result->sender = g_strdup (cnv_request_get_initiator (request)->address);

  if (!is_accredited (self, result->sender, &accredited, error))
    return FALSE;
  if (!accredited)
    return finish_alone (self, job, CNV_PROCESS_REFUSED,
                         g_strdup ("the sender is not accredited (E502): no answer is sent to "
                                   "addresses outside the organisation"), error);

  if (!cnv_manager_store_count_requests (self->store, result->sender, job->now - HOUR_SECONDS,
                                         &count, error))
    return FALSE;
  if (count >= max_requests)
    return finish_alone (self, job, CNV_PROCESS_REFUSED,
                         g_strdup_printf ("the sender sent %u requests in the last hour (limit "
                                          "max-requests-per-hour = %u)", count, max_requests),
                         error);

  if (cnv_request_get_errors (request)->len > 0)
    return refuse_with_report (self, job, request, join_errors (cnv_request_get_errors (request)),
                               error);

  participants = cnv_request_get_participants (request);
  if (participants->len > max_participants)
    return refuse_with_report (self, job, request,
                               g_strdup_printf ("The request names %u participants; this manager "
                                                "accepts at most %u per session.",
                                                participants->len, max_participants),
                               error);

  if (!find_target_session (self, job, request, &target, &problem, error))
    return FALSE;
  if (problem != NULL)
    return refuse_with_report (self, job, request, g_steal_pointer (&problem), error);
  request_times (self, job, request, &start, &end);
  if (target == NULL && end <= job->now)
    return refuse_with_report (self, job, request,
                               g_strdup ("The session would end before the request was read: "
                                         "check its start and end."), error);
  if (target != NULL)
    {
      g_autoptr(GPtrArray) members = NULL;
      guint n_new = 0;

      if (!cnv_manager_store_list_participants (self->store, target->id, &members, error))
        return FALSE;
      for (guint i = 0; i < participants->len; i++)
        {
          const char *address = ((CnvAddress *) g_ptr_array_index (participants, i))->address;
          gboolean known = FALSE;

          for (guint j = 0; j < members->len && !known; j++)
            known = g_strcmp0 (((CnvStoredParticipant *) g_ptr_array_index (members, j))->address,
                               address) == 0;
          n_new += known ? 0 : 1;
        }
      if (members->len + n_new > max_participants)
        return refuse_with_report (self, job, request,
                                   g_strdup_printf ("The session would have %u participants; this "
                                                    "manager accepts at most %u per session.",
                                                    members->len + n_new, max_participants),
                                   error);
    }

  return store_request (self, job, request, target, error);
}

/**
 * cnv_manager_processor_handle:
 * @self: a processor
 * @mailbox: the watcher's position key (account and folder)
 * @uidvalidity: the folder's UIDVALIDITY
 * @uid: the mail's UID
 * @data: (nullable): the whole mail, %NULL when it was too big to download
 * @size: its size
 * @now: the current time (Unix seconds)
 * @error: a #CNV_STORE_ERROR or #G_IO_ERROR (the random generator): then nothing was recorded
 *   and the mail must be handled again later
 *
 * Runs Fig 5 on one mail and commits what it decided, with the watcher position, in one
 * transaction.
 *
 * Returns: (transfer full) (nullable): what was decided, %NULL on @error
 */
CnvProcessResult *
cnv_manager_processor_handle (CnvManagerProcessor  *self,
                              const char           *mailbox,
                              guint32               uidvalidity,
                              guint32               uid,
                              GBytes               *data,
                              guint64               size,
                              gint64                now,
                              GError              **error)
{
  g_autoptr(CnvProcessResult) result = g_new0 (CnvProcessResult, 1);
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(JsonBuilder) refused = json_builder_new ();
  guint64 max_size;
  Job job = { 0, };
  gboolean ok;

  g_return_val_if_fail (CNV_IS_MANAGER_PROCESSOR (self), NULL);
  g_return_val_if_fail (mailbox != NULL, NULL);

  job.result = result;
  job.mailbox = mailbox;
  job.uidvalidity = uidvalidity;
  job.uid = uid;
  job.now = now;
  job.refused = refused;
  json_builder_begin_array (refused);

  max_size = cnv_manager_config_get_max_message_size (self->config);
  if (data == NULL || size > max_size || g_bytes_get_size (data) > max_size)
    {
      result->message_id = message_key (NULL, mailbox, uidvalidity, uid);
      ok = finish_alone (self, &job, CNV_PROCESS_IGNORED,
                         g_strdup_printf ("the mail is %" G_GUINT64_FORMAT " bytes, over "
                                          "max-message-size (%" G_GUINT64_FORMAT ")",
                                          size, max_size), error);
    }
  else if ((message = parse_message (data)) == NULL)
    {
      result->message_id = message_key (NULL, mailbox, uidvalidity, uid);
      ok = finish_alone (self, &job, CNV_PROCESS_IGNORED, g_strdup ("not an e-mail message"),
                         error);
    }
  else
    {
      g_autoptr(GError) local_error = NULL;

      result->message_id = message_key (message, mailbox, uidvalidity, uid);
      ok = handle_message (self, &job, message, &local_error);
      /* The store refuses what no retry will make acceptable (an invalid value): record the mail
       * as refused, so that it does not block the mailbox; anything else is worth a retry. */
      if (!ok && g_error_matches (local_error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID))
        {
          result->n_invited = 0;
          result->reported = FALSE;
          g_clear_pointer (&result->session_id, g_free);
          ok = finish_alone (self, &job, CNV_PROCESS_REFUSED,
                             g_strdup_printf ("the request cannot be stored: %s",
                                              local_error->message), error);
        }
      else if (!ok && local_error == NULL)
        {
          /* An internal check failed (a critical is in the log): a retry would fail the same
           * way and block the mailbox; the mail is recorded as refused. */
          result->n_invited = 0;
          result->reported = FALSE;
          g_clear_pointer (&result->session_id, g_free);
          ok = finish_alone (self, &job, CNV_PROCESS_REFUSED,
                             g_strdup ("the request could not be handled (an internal check "
                                       "failed; see the log)"), error);
        }
      else if (!ok)
        g_propagate_error (error, g_steal_pointer (&local_error));
    }

  return ok ? g_steal_pointer (&result) : NULL;
}
