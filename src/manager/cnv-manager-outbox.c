/* cnv-manager-outbox.c — the manager's mail out (E514–E515): invitations, cancellations, reports
 *
 * The outbox table is the queue; this object drains what is due, one mail at a time, in order:
 *   - an invitation gets its personal credential now (E504): 128 bits from getrandom, whose
 *     SHA-256 is committed before the mail is submitted, so no secret is ever at rest; a crash
 *     between the two sends a second mail with a second, equally valid credential and the same
 *     Message-ID (chosen when the row was queued);
 *   - transient failures (4yz, no connection, and also authentication or TLS failures, which an
 *     administrator fixes without losing the queue) are retried with exponential backoff from
 *     RETRY_BASE to RETRY_MAX; after GIVE_UP_AFTER, or on a permanent failure (5yz), the row is
 *     kept as failed and the initiator is told in a report;
 *   - an invitation whose session was cancelled or ended before it could go is not sent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "cnv-invitation.h"
#include "cnv-manager-outbox.h"
#include "cnv-manager-token.h"
#include "cnv-mime.h"
#include "cnv-text.h"
#include "cnv-smtp.h"

#define BATCH_SIZE        32
#define RETRY_BASE        5                   /* seconds */
#define RETRY_MAX         (15 * 60)
#define GIVE_UP_AFTER     (2 * 24 * 3600)     /* reports and cancellations; invitations: the end */
#define HOLD_SECONDS      30                  /* a row whose outcome could not be recorded */
#define PAUSE_SECONDS     300                 /* the whole outbox, after an AUTH or TLS failure */

struct _CnvManagerOutbox
{
  GObject           parent_instance;

  /* Owned */
  CnvManagerConfig *config;
  CnvManagerStore  *store;
  CnvCredentials   *credentials;
  GCancellable     *cancellable;
  GQueue            queue;                    /* CnvOutboxItem* of the current batch */
  CnvOutboxItem    *current;

  GHashTable       *held;                     /* row id → Held: an outcome not recorded yet */
  gint64            paused_until;             /* AUTH/TLS failure: nothing is tried before */
  guint             handled;                  /* rows handled since the last ::idle */
  guint             idle_id;

  gboolean          busy;
  gboolean          again;                    /* kicked while busy: look again when done */
  gboolean          draining;                 /* stopping: finish the current row, take no more */
};

enum
{
  SENT,
  IDLE,
  DRAINED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CnvManagerOutbox, cnv_manager_outbox, G_TYPE_OBJECT)

static void next_item   (CnvManagerOutbox *self);
static void start_batch (CnvManagerOutbox *self);

/* A row whose outcome the store could not record (disk full, a long admin transaction): what
 * happened is kept here and recorded later — a mail the server accepted is never sent again
 * because its "sent" could not be written at once. */
typedef struct
{
  gint64          until;                      /* not before this time */
  CnvOutboxState  state;                      /* SENT: to record; else: the row may be retried */
  char           *message_id;
} Held;

static void
held_free (Held *held)
{
  g_free (held->message_id);
  g_free (held);
}

static void
emit_drained (gpointer user_data)
{
  g_autoptr(CnvManagerOutbox) self = user_data;

  g_signal_emit (self, signals[DRAINED], 0);
}

static gboolean
emit_idle_cb (gpointer user_data)
{
  CnvManagerOutbox *self = user_data;

  self->idle_id = 0;
  g_signal_emit (self, signals[IDLE], 0);
  return G_SOURCE_REMOVE;
}

/* ::idle, later: the owner's handler (which may kick again) never runs inside a kick. */
static void
emit_idle_later (CnvManagerOutbox *self)
{
  if (self->handled == 0 || self->idle_id != 0)
    return;
  self->handled = 0;
  self->idle_id = g_idle_add (emit_idle_cb, self);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
cnv_manager_outbox_dispose (GObject *object)
{
  CnvManagerOutbox *self = (CnvManagerOutbox *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_queue_clear_full (&self->queue, (GDestroyNotify) cnv_outbox_item_free);
  g_clear_pointer (&self->current, cnv_outbox_item_free);

  G_OBJECT_CLASS (cnv_manager_outbox_parent_class)->dispose (object);
}

static void
cnv_manager_outbox_finalize (GObject *object)
{
  CnvManagerOutbox *self = (CnvManagerOutbox *) object;

  g_clear_object (&self->config);
  g_clear_object (&self->store);
  g_clear_object (&self->credentials);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->held, g_hash_table_unref);

  G_OBJECT_CLASS (cnv_manager_outbox_parent_class)->finalize (object);
}

static void
cnv_manager_outbox_class_init (CnvManagerOutboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cnv_manager_outbox_dispose;
  object_class->finalize = cnv_manager_outbox_finalize;

  /**
   * CnvManagerOutbox::sent:
   * @item_id: the outbox row
   * @state: its #CnvOutboxState now (pending again means a retry is planned)
   *
   * A row was handled.
   */
  signals[SENT] = g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT);
  /**
   * CnvManagerOutbox::idle:
   *
   * Rows were handled and nothing due is left: the owner may compute when to look again (the
   * store's next deadline). Emitted from an idle callback, never from within
   * cnv_manager_outbox_kick(), and not when a kick found nothing to do.
   */
  signals[IDLE] = g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * CnvManagerOutbox::drained:
   *
   * After cnv_manager_outbox_drain(): the row in flight is settled, nothing more will be sent.
   */
  signals[DRAINED] = g_signal_new ("drained", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cnv_manager_outbox_init (CnvManagerOutbox *self)
{
  self->cancellable = g_cancellable_new ();
  self->held = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) held_free);
  g_queue_init (&self->queue);
}

/**
 * cnv_manager_outbox_new:
 * @config: the configuration (`[smtp]`, `[gateway] public-url`)
 * @store: the store holding the outbox
 * @credentials: where the SMTP password comes from (protocol "smtp")
 */
CnvManagerOutbox *
cnv_manager_outbox_new (CnvManagerConfig *config,
                        CnvManagerStore  *store,
                        CnvCredentials   *credentials)
{
  CnvManagerOutbox *self;

  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (config), NULL);
  g_return_val_if_fail (CNV_IS_MANAGER_STORE (store), NULL);
  g_return_val_if_fail (CNV_IS_CREDENTIALS (credentials), NULL);

  self = g_object_new (CNV_TYPE_MANAGER_OUTBOX, NULL);
  self->config = g_object_ref (config);
  self->store = g_object_ref (store);
  self->credentials = g_object_ref (credentials);
  return self;
}

/**
 * cnv_manager_outbox_retry_delay:
 * @attempts: how many attempts failed so far (≥ 1)
 *
 * Returns: seconds to wait before the next attempt: 5 s, 10 s, 20 s … up to 15 minutes
 */
gint64
cnv_manager_outbox_retry_delay (int attempts)
{
  gint64 delay = RETRY_BASE;

  for (int i = 1; i < attempts && delay < RETRY_MAX; i++)
    delay *= 2;
  return MIN (delay, RETRY_MAX);
}

/**
 * cnv_manager_outbox_kick:
 *
 * Sends what is due now. Cheap to call often: a call while a batch is going makes the outbox
 * look again when it is done.
 */
void
cnv_manager_outbox_kick (CnvManagerOutbox *self)
{
  g_return_if_fail (CNV_IS_MANAGER_OUTBOX (self));

  if (g_cancellable_is_cancelled (self->cancellable) || self->draining)
    return;
  if (self->busy)
    {
      self->again = TRUE;
      return;
    }
  start_batch (self);
}

gboolean
cnv_manager_outbox_is_busy (CnvManagerOutbox *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_OUTBOX (self), FALSE);
  return self->busy;
}

/**
 * cnv_manager_outbox_drain:
 *
 * Lets the submission in flight finish and be recorded (so that a restart does not send it
 * again), takes no more rows, then emits ::drained (from an idle callback when nothing was in
 * flight).
 */
void
cnv_manager_outbox_drain (CnvManagerOutbox *self)
{
  g_return_if_fail (CNV_IS_MANAGER_OUTBOX (self));

  self->draining = TRUE;
  g_queue_clear_full (&self->queue, (GDestroyNotify) cnv_outbox_item_free);
  if (!self->busy)
    g_idle_add_once (emit_drained, g_object_ref (self));
}

/**
 * cnv_manager_outbox_stop:
 *
 * Cancels the submission in flight (its row stays pending: it is sent again after a restart,
 * with the same Message-ID) and sends nothing more.
 */
void
cnv_manager_outbox_stop (CnvManagerOutbox *self)
{
  g_return_if_fail (CNV_IS_MANAGER_OUTBOX (self));
  g_cancellable_cancel (self->cancellable);
}

/* ---- Building the mails --------------------------------------------------------------------- */

static GDateTime *
utc (gint64 seconds)
{
  return g_date_time_new_from_unix_utc (seconds);
}

static char *
join_link (CnvManagerOutbox *self,
           const char       *session_id,
           const char       *token)
{
  g_autofree char *base = g_strdup (cnv_manager_config_get_public_url (self->config));
  gsize len = strlen (base);

  while (len > 0 && base[len - 1] == '/')
    base[--len] = '\0';
  return g_strdup_printf ("%s/s/%s?t=%s", base, session_id, token);
}

/* Mints the participant's credential and commits its hash (E504). */
static char *
mint_token (CnvManagerOutbox  *self,
            gint64             participant_id,
            GError           **error)
{
  guint8 hash[CNV_TOKEN_HASH_SIZE];
  g_autofree char *token = cnv_manager_token_new (hash, error);

  if (token == NULL)
    return NULL;
  if (!cnv_manager_store_begin (self->store, error))
    return NULL;
  if (!cnv_manager_store_add_token (self->store, participant_id, hash, error) ||
      !cnv_manager_store_commit (self->store, error))
    {
      cnv_manager_store_rollback (self->store);
      return NULL;
    }
  return g_steal_pointer (&token);
}

static GMimeMessage *
build_invitation (CnvManagerOutbox        *self,
                  const CnvOutboxItem     *item,
                  const CnvStoredSession  *session,
                  GError                 **error)
{
  g_autoptr(CnvInvitation) invitation = cnv_invitation_new ();
  g_autoptr(GPtrArray) participants = NULL;
  g_autoptr(CnvAddress) organizer = NULL;
  g_autoptr(CnvAddress) recipient = NULL;
  g_autoptr(GDateTime) start = utc (session->start);
  g_autoptr(GDateTime) end = utc (session->end);
  g_autoptr(GDateTime) stamp = utc (now_seconds ());
  g_autofree char *token = NULL;
  g_autofree char *link = NULL;
  GMimeMessage *message;
  gboolean cancel = item->kind == CNV_OUTBOX_CANCEL;

  if (!cnv_manager_store_list_participants (self->store, session->id, &participants, error))
    return NULL;
  organizer = cnv_address_new (session->initiator_name, session->initiator, error);
  if (organizer == NULL)
    return NULL;
  recipient = cnv_address_new (item->recipient_name, item->recipient, error);
  if (recipient == NULL)
    return NULL;

  /* A cancellation carries a link too (a calendar keeps it in the cancelled event); it leads to
   * the gateway's 410 page. */
  token = mint_token (self, item->participant_id, error);
  if (token == NULL)
    return NULL;
  link = join_link (self, session->id, token);

  cnv_invitation_set_method (invitation, cancel ? CNV_INVITATION_METHOD_CANCEL
                                                : CNV_INVITATION_METHOD_REQUEST);
  cnv_invitation_set_session_id (invitation, session->id);
  cnv_invitation_set_session_type (invitation, session->type);
  cnv_invitation_set_uid (invitation, session->uid);
  /* RFC 5546 §2.1.4: a CANCEL is a newer revision of the event. */
  cnv_invitation_set_sequence (invitation, session->sequence + (cancel ? 1 : 0));
  cnv_invitation_set_title (invitation, session->title);
  cnv_invitation_set_times (invitation, start, end);
  cnv_invitation_set_link (invitation, link);
  cnv_invitation_set_organizer (invitation, organizer);
  cnv_invitation_set_manager_address (invitation, item->sender);
  cnv_invitation_set_recipient (invitation, recipient);
  for (guint i = 0; i < participants->len; i++)
    {
      CnvStoredParticipant *participant = g_ptr_array_index (participants, i);
      g_autoptr(CnvAddress) address = cnv_address_new (participant->name, participant->address,
                                                       NULL);

      if (address != NULL)
        cnv_invitation_add_participant (invitation, address);
    }
  if (item->in_reply_to != NULL && cnv_invitation_message_id_is_valid (item->in_reply_to))
    cnv_invitation_set_in_reply_to (invitation, item->in_reply_to);
  cnv_invitation_set_stamp (invitation, stamp);

  message = cnv_invitation_build (invitation, error);
  explicit_bzero (token, strlen (token));
  explicit_bzero (link, strlen (link));
  if (message != NULL && item->message_id != NULL)
    g_mime_message_set_message_id (message, item->message_id);
  return message;
}

static JsonArray *
get_array (JsonObject *object,
           const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static void
append_list (GString    *text,
             JsonArray  *array,
             const char *heading)
{
  guint n = array != NULL ? json_array_get_length (array) : 0;

  if (n == 0)
    return;
  g_string_append_printf (text, "%s\n\n", heading);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *entry = json_node_get_object (node);

          g_string_append_printf (text, "  %s — %s\n",
                                  json_object_get_string_member_with_default (entry, "address", "?"),
                                  json_object_get_string_member_with_default (entry, "reason", ""));
        }
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_string (node) != NULL)
        g_string_append_printf (text, "  %s\n", json_node_get_string (node));
    }
  g_string_append (text, "\n");
}

/**
 * cnv_manager_outbox_build_report:
 * @item: a %CNV_OUTBOX_REFUSAL row
 * @error: %CNV_STORE_ERROR_INVALID when its payload is unreadable
 *
 * Writes the one report mail to an initiator: the problem with the whole request, the addresses
 * that were not invited and why, the informational (Cc) ones, and invitations that could not be
 * delivered.
 *
 * Returns: (transfer full) (nullable): the mail
 */
GMimeMessage *
cnv_manager_outbox_build_report (const CnvOutboxItem  *item,
                                 GError              **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GPtrArray) from = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  g_autoptr(GDateTime) date = g_date_time_new_now_utc ();
  g_autofree char *subject = NULL;
  g_autofree char *title_line = NULL;
  GMimeMessage *message;
  JsonObject *payload;
  const char *title;
  const char *problem;
  const char *session_id;
  CnvAddress *address;

  g_return_val_if_fail (item != NULL && item->kind == CNV_OUTBOX_REFUSAL, NULL);

  if (item->payload == NULL || !json_parser_load_from_data (parser, item->payload, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_INVALID,
                   "Outbox row %" G_GINT64_FORMAT ": the report's content is unreadable", item->id);
      return NULL;
    }
  payload = json_node_get_object (json_parser_get_root (parser));
  title = json_object_get_string_member_with_default (payload, "title", NULL);
  problem = json_object_get_string_member_with_default (payload, "problem", NULL);
  session_id = json_object_get_string_member_with_default (payload, "session_id", NULL);
  title_line = cnv_text_clean_line (title != NULL && *title != '\0' ? title : "(no subject)");

  g_string_append_printf (text, "Convene read your request “%s”.\n\n", title_line);
  if (problem != NULL)
    g_string_append_printf (text, "It was not accepted: %s\n\n", problem);
  else if (session_id != NULL)
    g_string_append (text, "The session was set up and its invitations are on their way, "
                           "but not to everyone:\n\n");
  append_list (text, get_array (payload, "refused"),
               "These addresses were not invited:");
  append_list (text, get_array (payload, "undeliverable"),
               "The invitation could not be delivered to:");
  append_list (text, get_array (payload, "informational"),
               "These addresses were in Cc, which is for information only; they were not "
               "invited (put participants in To):");
  if (session_id != NULL)
    g_string_append_printf (text, "To invite more people, reply to your invitation, or write to "
                                  "the manager again with “[cnv:%s]” in the subject and them in "
                                  "To.\n", session_id);
  g_string_append (text, "\n-- \nThis is an automatic message from Convene's session manager.\n");

  subject = g_strdup_printf (problem != NULL ? "Not accepted: %s" : "Not everyone was invited: %s",
                             title_line);

  message = g_mime_message_new (TRUE);
  address = cnv_address_new ("Convene", item->sender, error);
  if (address == NULL)
    {
      g_object_unref (message);
      return NULL;
    }
  g_ptr_array_add (from, address);
  address = cnv_address_new (item->recipient_name, item->recipient, error);
  if (address == NULL)
    {
      g_object_unref (message);
      return NULL;
    }
  g_ptr_array_add (to, address);
  cnv_mime_set_addresses (message, "From", from);
  cnv_mime_set_addresses (message, "To", to);
  cnv_mime_set_subject (message, subject);
  g_mime_message_set_date (message, date);
  if (item->message_id != NULL)
    g_mime_message_set_message_id (message, item->message_id);
  if (item->in_reply_to != NULL && cnv_invitation_message_id_is_valid (item->in_reply_to))
    {
      g_autofree char *reference = g_strdup_printf ("<%s>", item->in_reply_to);

      g_mime_object_set_header (GMIME_OBJECT (message), "In-Reply-To", reference, NULL);
      g_mime_object_set_header (GMIME_OBJECT (message), "References", reference, NULL);
    }
  /* RFC 3834 §5: an automatic answer to a message. */
  g_mime_object_set_header (GMIME_OBJECT (message), "Auto-Submitted", "auto-replied", NULL);
  if (session_id != NULL && cnv_session_id_is_valid (session_id))
    g_mime_object_set_header (GMIME_OBJECT (message), "X-Convene-Session", session_id, NULL);
  g_mime_message_set_mime_part (message,
                                GMIME_OBJECT (cnv_mime_new_text_part ("plain", text->str, FALSE)));
  g_object_unref (g_mime_message_get_mime_part (message));
  return message;
}

/* ---- Sending -------------------------------------------------------------------------------- */

typedef struct
{
  CnvManagerOutbox *self;
  GMimeMessage     *message;
} Send;

static void
send_free (Send *send)
{
  g_clear_object (&send->message);
  g_clear_object (&send->self);
  g_free (send);
}

/* A permanent failure of an invitation is reported to the initiator, once per participant. */
static void
report_undeliverable (CnvManagerOutbox    *self,
                      const CnvOutboxItem *item,
                      const char          *reason)
{
  g_autoptr(CnvStoredSession) session = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CnvOutboxItem) report = g_new0 (CnvOutboxItem, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *domain = NULL;

  if (item->kind != CNV_OUTBOX_INVITATION || item->session_id == NULL)
    return;
  if (!cnv_manager_store_get_session (self->store, item->session_id, &session, &error) ||
      session == NULL || g_strcmp0 (session->initiator, item->recipient) == 0)
    return;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, session->title);
  json_builder_set_member_name (builder, "session_id");
  json_builder_add_string_value (builder, session->id);
  json_builder_set_member_name (builder, "undeliverable");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, item->recipient);
  json_builder_set_member_name (builder, "reason");
  json_builder_add_string_value (builder, reason);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  domain = cnv_address_get_domain (session->manager_address);
  report->kind = CNV_OUTBOX_REFUSAL;
  report->session_id = g_strdup (session->id);
  report->recipient = g_strdup (session->initiator);
  report->recipient_name = g_strdup (session->initiator_name);
  report->sender = g_strdup (session->manager_address);
  report->in_reply_to = g_strdup (session->request_message_id);
  report->payload = json_generator_to_data (generator, NULL);
  report->state = CNV_OUTBOX_PENDING;
  report->next_attempt = now_seconds ();
  report->message_id = g_mime_utils_generate_message_id (domain != NULL ? domain : "convene.invalid");
  if (!cnv_manager_store_add_outbox (self->store, report, &error))
    g_warning ("Cannot queue the report of an undeliverable invitation: %s", error->message);
}

/* Records what became of the current row, then goes on with the next one. @retry_at: when a
 * pending row is tried again (0: the backoff). @report: a failed invitation is reported to the
 * initiator (not when its session was cancelled or ended: nothing to tell). */
static void
settle (CnvManagerOutbox *self,
        CnvOutboxState    state,
        const char       *reason,
        gint64            retry_at,
        gboolean          report)
{
  CnvOutboxItem *item = self->current;
  g_autoptr(GError) error = NULL;
  g_autofree char *valid_reason = reason != NULL ? g_utf8_make_valid (reason, -1) : NULL;
  gint64 now = now_seconds ();
  gboolean ok = TRUE;

  /* A server's words may be in any charset (the store keeps UTF-8 only). */
  reason = valid_reason;
  switch (state)
    {
    case CNV_OUTBOX_SENT:
      ok = cnv_manager_store_outbox_sent (self->store, item->id, item->message_id, &error);
      g_message ("Sent the %s of session %s to %s", cnv_outbox_kind_to_string (item->kind),
                 item->session_id != NULL ? item->session_id : "-", item->recipient);
      break;
    case CNV_OUTBOX_PENDING:
      /* An invitation is worth sending until its session ends (send_current() checks). */
      if (item->kind == CNV_OUTBOX_INVITATION || now - item->created_at < GIVE_UP_AFTER)
        {
          gint64 next = retry_at > 0 ? retry_at
                                     : now + cnv_manager_outbox_retry_delay (item->attempts + 1);

          ok = cnv_manager_store_outbox_retry (self->store, item->id, next, reason, &error);
          g_message ("Could not send the %s of session %s to %s (attempt %d), retrying in "
                     "%" G_GINT64_FORMAT " s: %s", cnv_outbox_kind_to_string (item->kind),
                     item->session_id != NULL ? item->session_id : "-", item->recipient,
                     item->attempts + 1, next - now, reason);
          break;
        }
      state = CNV_OUTBOX_FAILED;
      G_GNUC_FALLTHROUGH;
    case CNV_OUTBOX_FAILED:
    default:
      g_warning ("Gave up the %s of session %s to %s: %s", cnv_outbox_kind_to_string (item->kind),
                 item->session_id != NULL ? item->session_id : "-", item->recipient, reason);
      ok = cnv_manager_store_outbox_failed (self->store, item->id, reason, &error);
      if (ok && report)
        report_undeliverable (self, item, reason);
      break;
    }
  if (!ok)
    {
      /* The store cannot record it now (disk full, a long admin transaction): leave the row
       * alone for a while rather than send it again at once. */
      Held *held = g_new0 (Held, 1);

      g_warning ("Cannot record the outcome of outbox row %" G_GINT64_FORMAT " (held for %d s): %s",
                 item->id, HOLD_SECONDS, error->message);
      held->until = now + HOLD_SECONDS;
      held->state = state;
      held->message_id = g_strdup (item->message_id);
      g_hash_table_insert (self->held, g_memdup2 (&item->id, sizeof (gint64)), held);
    }

  self->handled++;
  g_signal_emit (self, signals[SENT], 0, item->id, (int) state);
  g_clear_pointer (&self->current, cnv_outbox_item_free);
  next_item (self);
}

static void
submitted_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Send *send = user_data;
  CnvManagerOutbox *self = send->self;
  g_autoptr(CnvSmtpResult) smtp = NULL;
  g_autoptr(GError) error = NULL;

  smtp = cnv_smtp_submit_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Stopping: the row stays pending, as it was. */
      g_clear_pointer (&self->current, cnv_outbox_item_free);
      self->busy = FALSE;
      send_free (send);
      return;
    }
  if (smtp == NULL && error->domain == CNV_SMTP_ERROR &&
      (error->code == CNV_SMTP_ERROR_AUTH || error->code == CNV_SMTP_ERROR_TLS))
    {
      /* A password or certificate problem is the whole outbox's, not this row's: pause, rather
       * than try every row (and lock the account out). */
      self->paused_until = now_seconds () + PAUSE_SECONDS;
      g_warning ("SMTP submission refused the manager (%s): the outbox pauses for %d s",
                 error->message, PAUSE_SECONDS);
      settle (self, CNV_OUTBOX_PENDING, error->message, self->paused_until, FALSE);
    }
  else if (smtp == NULL)
    settle (self, error->domain == CNV_SMTP_ERROR &&
                  (error->code == CNV_SMTP_ERROR_PERMANENT || error->code == CNV_SMTP_ERROR_INVALID)
                  ? CNV_OUTBOX_FAILED : CNV_OUTBOX_PENDING,
            error->message, 0, TRUE);
  else if (smtp->accepted->len > 0)
    settle (self, CNV_OUTBOX_SENT, NULL, 0, FALSE);
  else
    {
      CnvSmtpRecipientFailure *failure = g_ptr_array_index (smtp->rejected, 0);

      settle (self, failure->kind == CNV_SMTP_ERROR_PERMANENT ? CNV_OUTBOX_FAILED
                                                                : CNV_OUTBOX_PENDING,
              failure->reply, 0, TRUE);
    }
  send_free (send);
}

static void
secret_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Send *send = user_data;
  CnvManagerOutbox *self = send->self;
  g_autoptr(GError) error = NULL;
  char *secret = cnv_credentials_lookup_finish (CNV_CREDENTIALS (source), result, &error);
  const char *recipients[] = { self->current->recipient, NULL };

  if (secret == NULL && !g_error_matches (error, CNV_CREDENTIALS_ERROR,
                                          CNV_CREDENTIALS_ERROR_NOT_FOUND))
    {
      /* The administrator fixes the password file; the queue waits. */
      settle (self, CNV_OUTBOX_PENDING, error->message, 0, FALSE);
      send_free (send);
      return;
    }
  cnv_smtp_submit_async (cnv_manager_config_get_smtp (self->config), secret,
                         self->current->sender, recipients, send->message, self->cancellable,
                         submitted_cb, send);
  cnv_credentials_secret_free (secret);
}

static void
send_current (CnvManagerOutbox *self)
{
  CnvOutboxItem *item = self->current;
  g_autoptr(CnvStoredSession) session = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  Send *send;

  if (item->session_id != NULL &&
      !cnv_manager_store_get_session (self->store, item->session_id, &session, &error))
    {
      settle (self, CNV_OUTBOX_PENDING, error->message, 0, FALSE);
      return;
    }

  switch (item->kind)
    {
    case CNV_OUTBOX_INVITATION:
      if (session == NULL || session->state == CNV_SESSION_STATE_CANCELLED ||
          session->state == CNV_SESSION_STATE_CLOSED || session->end <= now_seconds ())
        {
          /* Tried and refused until the end (a full mailbox): the initiator is told, once. */
          gboolean tried = item->attempts > 0 && session != NULL &&
                           session->state != CNV_SESSION_STATE_CANCELLED;
          g_autofree char *reason =
            tried ? g_strdup_printf ("not delivered before the session ended: %s",
                                     item->last_error != NULL ? item->last_error : "no answer")
                  : g_strdup ("the session was cancelled or ended before the invitation could be "
                              "sent");

          settle (self, CNV_OUTBOX_FAILED, reason, 0, tried);
          return;
        }
      G_GNUC_FALLTHROUGH;
    case CNV_OUTBOX_CANCEL:
      if (session == NULL)
        {
          settle (self, CNV_OUTBOX_FAILED, "the session no longer exists", 0, FALSE);
          return;
        }
      message = build_invitation (self, item, session, &error);
      break;
    case CNV_OUTBOX_REFUSAL:
    default:
      message = cnv_manager_outbox_build_report (item, &error);
      break;
    }

  if (message == NULL)
    {
      /* A store or random-generator failure is worth a retry; a mail that cannot be built from
       * what was stored will not build later either. */
      settle (self, error->domain == CNV_STORE_ERROR && error->code == CNV_STORE_ERROR_FAILED
                    ? CNV_OUTBOX_PENDING : CNV_OUTBOX_FAILED,
              error->message, 0, FALSE);
      return;
    }

  /* A row queued without a Message-ID (by `session cancel`) takes the one the mail was built with. */
  if (item->message_id == NULL)
    item->message_id = g_strdup (g_mime_message_get_message_id (message));

  send = g_new0 (Send, 1);
  send->self = g_object_ref (self);
  send->message = g_steal_pointer (&message);
  cnv_credentials_lookup_async (self->credentials, "smtp", cnv_manager_config_get_smtp (self->config),
                                self->cancellable, secret_cb, send);
}

static void
next_item (CnvManagerOutbox *self)
{
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      self->busy = FALSE;
      return;
    }
  if (self->draining || self->paused_until > now_seconds ())
    g_queue_clear_full (&self->queue, (GDestroyNotify) cnv_outbox_item_free);
  self->current = g_queue_pop_head (&self->queue);
  if (self->current != NULL)
    {
      send_current (self);
      return;
    }
  self->busy = FALSE;
  if (self->draining)
    {
      g_signal_emit (self, signals[DRAINED], 0);
      return;
    }
  if (self->again)
    {
      self->again = FALSE;
      start_batch (self);
      return;
    }
  emit_idle_later (self);
}

/* Whether a row is held back after its outcome could not be recorded. When the hold is over, a
 * "sent" is recorded now (the mail is not sent again); other rows may be tried again. */
static gboolean
is_held (CnvManagerOutbox *self,
         gint64            id,
         gint64            now)
{
  Held *held = g_hash_table_lookup (self->held, &id);
  g_autoptr(GError) error = NULL;

  if (held == NULL)
    return FALSE;
  if (held->until > now)
    return TRUE;
  if (held->state == CNV_OUTBOX_SENT)
    {
      if (!cnv_manager_store_outbox_sent (self->store, id, held->message_id, &error))
        {
          held->until = now + HOLD_SECONDS;
          return TRUE;
        }
      g_hash_table_remove (self->held, &id);
      return TRUE;   /* recorded, nothing to send */
    }
  g_hash_table_remove (self->held, &id);
  return FALSE;
}

static void
start_batch (CnvManagerOutbox *self)
{
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = now_seconds ();

  self->again = FALSE;
  if (self->paused_until > now)
    {
      emit_idle_later (self);
      return;
    }
  self->busy = TRUE;
  if (!cnv_manager_store_list_due_outbox (self->store, now,
                                          BATCH_SIZE + g_hash_table_size (self->held),
                                          &due, &error))
    {
      /* The owner's scheduler looks again within a minute. */
      g_warning ("Cannot read the outbox: %s", error->message);
      self->busy = FALSE;
      return;
    }
  /* A full batch means more may be due: look again after it. */
  self->again = due->len == BATCH_SIZE + g_hash_table_size (self->held);
  while (due->len > 0)
    {
      CnvOutboxItem *item = g_ptr_array_steal_index (due, 0);

      if (is_held (self, item->id, now))
        cnv_outbox_item_free (item);
      else
        g_queue_push_tail (&self->queue, item);
    }
  if (g_queue_is_empty (&self->queue))
    {
      /* Nothing was due: no ::idle for this kick alone (the owner's reaction to ::idle may well
       * be to kick again), but one for rows handled by the batch before it. */
      self->busy = FALSE;
      self->again = FALSE;
      emit_idle_later (self);
      return;
    }
  next_item (self);
}
