/* cnv-manager-store.h — the manager's durable state (SQLite), behind one module
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CNV_STORE_ERROR (cnv_store_error_quark ())

/**
 * CnvStoreError:
 * @CNV_STORE_ERROR_OPEN: the database cannot be opened or is not a database
 * @CNV_STORE_ERROR_VERSION: the database was written by a newer manager (its schema version is
 *   higher than this one knows); nothing is changed
 * @CNV_STORE_ERROR_FAILED: a statement failed (disk full, I/O, a constraint)
 * @CNV_STORE_ERROR_INVALID: an argument is not valid (an address that does not normalise)
 */
typedef enum
{
  CNV_STORE_ERROR_OPEN,
  CNV_STORE_ERROR_VERSION,
  CNV_STORE_ERROR_FAILED,
  CNV_STORE_ERROR_INVALID,
} CnvStoreError;

/* The schema version this manager writes (PRAGMA user_version). */
#define CNV_STORE_SCHEMA_VERSION 2

#define CNV_TYPE_MANAGER_STORE (cnv_manager_store_get_type ())
G_DECLARE_FINAL_TYPE (CnvManagerStore, cnv_manager_store, CNV, MANAGER_STORE, GObject)

GQuark            cnv_store_error_quark            (void);

CnvManagerStore  *cnv_manager_store_open           (const char       *path,
                                                    GError          **error);
int               cnv_manager_store_get_version    (CnvManagerStore  *self);

gboolean          cnv_manager_store_begin          (CnvManagerStore  *self,
                                                    GError          **error);
gboolean          cnv_manager_store_commit         (CnvManagerStore  *self,
                                                    GError          **error);
void              cnv_manager_store_rollback       (CnvManagerStore  *self);

gboolean          cnv_manager_store_add_user       (CnvManagerStore  *self,
                                                    const char       *address,
                                                    const char       *name,
                                                    GError          **error);
gboolean          cnv_manager_store_remove_user    (CnvManagerStore  *self,
                                                    const char       *address,
                                                    gboolean         *removed,
                                                    GError          **error);
GPtrArray        *cnv_manager_store_list_users     (CnvManagerStore  *self,
                                                    GError          **error);
gboolean          cnv_manager_store_is_accredited  (CnvManagerStore  *self,
                                                    const char       *address,
                                                    const char * const *accredited_domains,
                                                    gboolean         *accredited,
                                                    GError          **error);

gboolean          cnv_manager_store_get_position   (CnvManagerStore  *self,
                                                    const char       *mailbox,
                                                    guint32          *uidvalidity,
                                                    guint32          *last_uid,
                                                    GError          **error);
gboolean          cnv_manager_store_set_position   (CnvManagerStore  *self,
                                                    const char       *mailbox,
                                                    guint32           uidvalidity,
                                                    guint32           last_uid,
                                                    GError          **error);

gboolean          cnv_manager_store_was_processed  (CnvManagerStore  *self,
                                                    const char       *message_id,
                                                    gboolean         *processed,
                                                    GError          **error);
gboolean          cnv_manager_store_add_processed  (CnvManagerStore  *self,
                                                    const char       *message_id,
                                                    const char       *mailbox,
                                                    guint32           uidvalidity,
                                                    guint32           uid,
                                                    const char       *sender,
                                                    const char       *outcome,
                                                    const char       *reason,
                                                    GError          **error);

/* ---- Sessions, participants, credentials, outbox (schema version 2) ---------------------- */

/**
 * CnvSessionState:
 * @CNV_SESSION_STATE_SCHEDULED: accepted, its start not reached (or not yet activated)
 * @CNV_SESSION_STATE_ACTIVE: activated through its backend (E512), end not reached
 * @CNV_SESSION_STATE_CLOSED: its end passed and it was closed (E516)
 * @CNV_SESSION_STATE_CANCELLED: cancelled by an administrator
 *
 * Stored as the strings "scheduled", "active", "closed", "cancelled".
 */
typedef enum
{
  CNV_SESSION_STATE_SCHEDULED,
  CNV_SESSION_STATE_ACTIVE,
  CNV_SESSION_STATE_CLOSED,
  CNV_SESSION_STATE_CANCELLED,
} CnvSessionState;

const char *cnv_session_state_to_string   (CnvSessionState  state);
gboolean    cnv_session_state_from_string (const char      *text,
                                           CnvSessionState *state);

/* Times are Unix seconds (UTC). Strings are owned by the struct. */
typedef struct
{
  char            *id;                 /* cnv_session_id_is_valid(); primary key */
  char            *uid;                /* the iCalendar UID */
  int              sequence;           /* the invitations' SEQUENCE */
  char            *type;               /* session type name */
  char            *title;
  char            *initiator;          /* normalised address */
  char            *initiator_name;     /* nullable */
  char            *manager_address;    /* the address the request was sent to (invitations' From) */
  char            *request_message_id; /* nullable: the request's Message-ID, without <> */
  gint64           start;
  gint64           end;
  CnvSessionState  state;
  char            *room;               /* the backend room name, chosen at acceptance */
  char            *room_url;           /* nullable: the URL the backend gave at activation (E513) */
  gboolean         invite_at_start;    /* invite-at=start: invitations wait for the start (E508) */
  gint64           created_at;
} CnvStoredSession;

void cnv_stored_session_free (CnvStoredSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvStoredSession, cnv_stored_session_free)

typedef struct
{
  gint64    id;                        /* rowid, > 0 */
  char     *session_id;
  char     *address;                   /* normalised */
  char     *name;                      /* nullable */
  gboolean  is_initiator;
  gint64    added_at;
} CnvStoredParticipant;

void cnv_stored_participant_free (CnvStoredParticipant *participant);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvStoredParticipant, cnv_stored_participant_free)

/**
 * CnvOutboxKind:
 * @CNV_OUTBOX_INVITATION: the invitation of one participant (E514–E515); its token is minted
 *   when it is sent
 * @CNV_OUTBOX_REFUSAL: the report to an initiator of the addresses that were not invited
 * @CNV_OUTBOX_CANCEL: a METHOD:CANCEL to one participant
 *
 * Stored as "invitation", "refusal", "cancel".
 */
typedef enum
{
  CNV_OUTBOX_INVITATION,
  CNV_OUTBOX_REFUSAL,
  CNV_OUTBOX_CANCEL,
} CnvOutboxKind;

/* Stored as "pending", "sent", "failed" (a permanent failure, kept for the report). */
typedef enum
{
  CNV_OUTBOX_PENDING,
  CNV_OUTBOX_SENT,
  CNV_OUTBOX_FAILED,
} CnvOutboxState;

const char *cnv_outbox_kind_to_string  (CnvOutboxKind  kind);
const char *cnv_outbox_state_to_string (CnvOutboxState state);

typedef struct
{
  gint64          id;                  /* rowid, > 0 once added */
  CnvOutboxKind   kind;
  char           *session_id;          /* nullable (a refusal of a request that made no session) */
  gint64          participant_id;      /* 0 when none */
  char           *recipient;           /* normalised address */
  char           *recipient_name;      /* nullable */
  char           *sender;              /* the manager address the mail is sent from */
  char           *in_reply_to;         /* nullable: Message-ID answered, without <> */
  char           *payload;             /* nullable: what the mail is built from (the refusal
                                        * report as JSON); never a secret */
  CnvOutboxState  state;
  int             attempts;
  gint64          next_attempt;        /* not before this time (invite-at=start: the start) */
  char           *last_error;          /* nullable */
  char           *message_id;          /* nullable: the Message-ID it was sent with */
  gint64          created_at;
} CnvOutboxItem;

void cnv_outbox_item_free (CnvOutboxItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvOutboxItem, cnv_outbox_item_free)

gboolean          cnv_manager_store_add_session    (CnvManagerStore         *self,
                                                    const CnvStoredSession  *session,
                                                    GError                 **error);
gboolean          cnv_manager_store_get_session    (CnvManagerStore         *self,
                                                    const char              *session_id,
                                                    CnvStoredSession       **session,
                                                    GError                 **error);
gboolean          cnv_manager_store_find_session_by_reference (CnvManagerStore *self,
                                                    const char              *message_id,
                                                    CnvStoredSession       **session,
                                                    GError                 **error);
gboolean          cnv_manager_store_list_sessions  (CnvManagerStore         *self,
                                                    gboolean                 include_ended,
                                                    const char              *type,
                                                    GPtrArray              **sessions,
                                                    GError                 **error);
gboolean          cnv_manager_store_set_session_state (CnvManagerStore      *self,
                                                    const char              *session_id,
                                                    CnvSessionState          state,
                                                    GError                 **error);
gboolean          cnv_manager_store_set_session_room_url (CnvManagerStore   *self,
                                                    const char              *session_id,
                                                    const char              *room_url,
                                                    GError                 **error);
gboolean          cnv_manager_store_list_due_sessions (CnvManagerStore      *self,
                                                    gint64                   now,
                                                    GPtrArray              **sessions,
                                                    GError                 **error);
gboolean          cnv_manager_store_next_deadline  (CnvManagerStore         *self,
                                                    gint64                  *when,
                                                    gboolean                *found,
                                                    GError                 **error);

gboolean          cnv_manager_store_add_participant (CnvManagerStore        *self,
                                                    const char              *session_id,
                                                    const char              *address,
                                                    const char              *name,
                                                    gboolean                 is_initiator,
                                                    gint64                  *participant_id,
                                                    gboolean                *added,
                                                    GError                 **error);
gboolean          cnv_manager_store_list_participants (CnvManagerStore      *self,
                                                    const char              *session_id,
                                                    GPtrArray              **participants,
                                                    GError                 **error);
gboolean          cnv_manager_store_get_participant (CnvManagerStore        *self,
                                                    gint64                   participant_id,
                                                    CnvStoredParticipant   **participant,
                                                    GError                 **error);

#define CNV_TOKEN_HASH_SIZE 32

gboolean          cnv_manager_store_add_token      (CnvManagerStore         *self,
                                                    gint64                   participant_id,
                                                    const guint8            *hash,
                                                    GError                 **error);
gboolean          cnv_manager_store_check_token    (CnvManagerStore         *self,
                                                    const char              *session_id,
                                                    const guint8            *hash,
                                                    CnvStoredParticipant   **participant,
                                                    GError                 **error);
gboolean          cnv_manager_store_revoke_tokens  (CnvManagerStore         *self,
                                                    gint64                   participant_id,
                                                    GError                 **error);

gboolean          cnv_manager_store_add_outbox     (CnvManagerStore         *self,
                                                    CnvOutboxItem           *item,
                                                    GError                 **error);
gboolean          cnv_manager_store_list_due_outbox (CnvManagerStore        *self,
                                                    gint64                   now,
                                                    guint                    limit,
                                                    GPtrArray              **items,
                                                    GError                 **error);
gboolean          cnv_manager_store_next_outbox_attempt (CnvManagerStore   *self,
                                                    gint64                  *when,
                                                    gboolean                *found,
                                                    GError                 **error);
gboolean          cnv_manager_store_list_outbox    (CnvManagerStore         *self,
                                                    const char              *session_id,
                                                    GPtrArray              **items,
                                                    GError                 **error);
gboolean          cnv_manager_store_outbox_sent    (CnvManagerStore         *self,
                                                    gint64                   item_id,
                                                    const char              *message_id,
                                                    GError                 **error);
gboolean          cnv_manager_store_outbox_retry   (CnvManagerStore         *self,
                                                    gint64                   item_id,
                                                    gint64                   next_attempt,
                                                    const char              *last_error,
                                                    GError                 **error);
gboolean          cnv_manager_store_outbox_failed  (CnvManagerStore         *self,
                                                    gint64                   item_id,
                                                    const char              *last_error,
                                                    GError                 **error);

gboolean          cnv_manager_store_add_domain     (CnvManagerStore         *self,
                                                    const char              *domain,
                                                    GError                 **error);
gboolean          cnv_manager_store_remove_domain  (CnvManagerStore         *self,
                                                    const char              *domain,
                                                    gboolean                *removed,
                                                    GError                 **error);
gboolean          cnv_manager_store_list_domains   (CnvManagerStore         *self,
                                                    GPtrArray              **domains,
                                                    GError                 **error);

gboolean          cnv_manager_store_count_requests (CnvManagerStore         *self,
                                                    const char              *sender,
                                                    gint64                   since,
                                                    guint                   *count,
                                                    GError                 **error);
gint64            cnv_manager_store_data_version   (CnvManagerStore         *self);

G_END_DECLS
