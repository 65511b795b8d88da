/* cnv-invitation.c — the invitation mail of Fig 5 (E514–E515): the object, its accessors and
 * the checks that building and parsing share
 *
 * The manager builds one invitation per participant (cnv-invitation-build.c); the app's watcher
 * parses it (cnv-invitation-parse.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-invitation"

#include "config.h"

#include <string.h>

#include "cnv-invitation-private.h"

#define MAX_SESSION_ID 64
#define MAX_SESSION_TYPE 64
#define MAX_LINK 2048
#define MAX_CREDENTIAL 512
#define MAX_MESSAGE_ID 512

G_DEFINE_FINAL_TYPE (CnvInvitation, cnv_invitation, G_TYPE_OBJECT)

G_DEFINE_QUARK (cnv-invitation-error-quark, cnv_invitation_error)

static void
set_string (char       **field,
            const char  *value)
{
  if (*field == value)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

static gboolean
is_token_char (char        c,
               const char *extra)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr (extra, c) != NULL);
}

static gboolean
is_token (const char *text,
          gsize       max_len,
          const char *extra)
{
  gsize len;

  if (text == NULL)
    return FALSE;
  len = strlen (text);
  if (len == 0 || len > max_len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!is_token_char (text[i], extra))
      return FALSE;
  return TRUE;
}

/**
 * cnv_session_id_is_valid:
 * @session_id: (nullable): a session id
 *
 * A session id is 1 to 64 characters of `A–Z a–z 0–9 _ -`: it appears in URL paths, in the
 * `[cnv:ID]` subject tag and in headers, and needs no escaping in any of them.
 *
 * Returns: whether @session_id is one
 */
gboolean
cnv_session_id_is_valid (const char *session_id)
{
  return is_token (session_id, MAX_SESSION_ID, "_-");
}

/* A session type is named in the configuration (`[type NAME]`, the same rule as a session id)
 * and in `X-Convene-Type`. */
gboolean
cnv_invitation_session_type_is_valid (const char *session_type)
{
  return is_token (session_type, MAX_SESSION_TYPE, "_-");
}

/* RFC 3986 unreserved characters, plus the base64 alphabet: a credential is a CSPRNG token. */
static gboolean
credential_is_valid (const char *credential)
{
  return is_token (credential, MAX_CREDENTIAL, "-._~+/=");
}

/* RFC 5322 §3.6.4 msg-id without its angle brackets: printable ASCII, no brackets, no space. */
gboolean
cnv_invitation_message_id_is_valid (const char *message_id)
{
  gsize len;

  if (message_id == NULL)
    return FALSE;
  len = strlen (message_id);
  if (len == 0 || len > MAX_MESSAGE_ID)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) message_id[i];

      if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>')
        return FALSE;
    }
  return TRUE;
}

/* RFC 5545 §3.8.4.7: any TEXT; Convene's UIDs are one printable line. */
gboolean
cnv_invitation_uid_is_valid (const char *uid)
{
  gboolean printable = FALSE;

  if (uid == NULL || !g_utf8_validate (uid, -1, NULL) || strlen (uid) > MAX_MESSAGE_ID)
    return FALSE;
  for (const char *p = uid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        return FALSE;
      if (!g_unichar_isspace (c))
        printable = TRUE;
    }
  return printable;
}

/*
 * A copy of @address that is safe in a header, a calendar and a page whatever the caller put in
 * the struct: the name sanitised (cnv_address_sanitize_name()), the address normalised when it
 * can be. An address that cannot be is kept as given, for cnv_invitation_build() to refuse.
 */
CnvAddress *
cnv_invitation_copy_address (const CnvAddress *address)
{
  CnvAddress *copy = g_new0 (CnvAddress, 1);

  copy->name = cnv_address_sanitize_name (address->name);
  copy->address = cnv_address_normalize (address->address != NULL ? address->address : "", NULL);
  if (copy->address == NULL)
    copy->address = g_strdup (address->address != NULL ? address->address : "");
  return copy;
}

gboolean
cnv_invitation_address_is_normalized (const CnvAddress *address)
{
  g_autofree char *normalized = cnv_address_normalize (address->address, NULL);

  return normalized != NULL && strcmp (normalized, address->address) == 0;
}

/*
 * Checks the personal link: an absolute http(s) URL whose path ends in `/s/ID`, with the
 * credential as its `t` query parameter. Only characters that need no escaping anywhere (header,
 * HTML attribute, calendar) are accepted. Either output may be %NULL.
 */
gboolean
cnv_invitation_parse_link (const char  *link,
                           char       **out_session_id,
                           char       **out_credential,
                           GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *session_id = NULL;
  const char *scheme;
  const char *path;
  const char *slash;
  const char *query;
  const char *credential = NULL;
  gsize len = strlen (link);

  if (len == 0 || len > MAX_LINK)
    {
      g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                   "The link is empty or longer than %d characters", MAX_LINK);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) link[i];

      if (c <= 0x20 || c >= 0x7f || strchr ("\"<>\\^`{|}", c) != NULL)
        {
          g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                               "The link holds a character that a URL cannot hold");
          return FALSE;
        }
    }

  uri = g_uri_parse (link, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    {
      g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                           "The link is not a URL");
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  if ((g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                           "The link is not an https:// or http:// URL of a host");
      return FALSE;
    }

  path = g_uri_get_path (uri);
  slash = strrchr (path, '/');
  if (slash == NULL || slash - path < 2 || strncmp (slash - 2, "/s/", 3) != 0 ||
      !cnv_session_id_is_valid (slash + 1))
    {
      g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                           "The link is not a join link (https://HOST/s/SESSION?t=CODE)");
      return FALSE;
    }
  session_id = g_strdup (slash + 1);

  query = g_uri_get_query (uri);
  if (query != NULL)
    {
      params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
      if (params == NULL)
        {
          g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                               "The link’s query is malformed");
          return FALSE;
        }
      credential = g_hash_table_lookup (params, "t");
      if (credential != NULL && !credential_is_valid (credential))
        {
          g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                               "The link’s access code is malformed");
          return FALSE;
        }
    }

  if (out_session_id != NULL)
    *out_session_id = g_steal_pointer (&session_id);
  if (out_credential != NULL)
    *out_credential = g_strdup (credential);
  return TRUE;
}

/* A %CNV_INVITATION_ERROR_INVALID with @message; returns %FALSE. */
gboolean
cnv_invitation_invalid (GError     **error,
                        const char  *message)
{
  g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID, message);
  return FALSE;
}

static void
cnv_invitation_finalize (GObject *object)
{
  CnvInvitation *self = (CnvInvitation *) object;

  g_clear_pointer (&self->session_id, g_free);
  g_clear_pointer (&self->session_type, g_free);
  g_clear_pointer (&self->uid, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->start, g_date_time_unref);
  g_clear_pointer (&self->end, g_date_time_unref);
  g_clear_pointer (&self->link, g_free);
  g_clear_pointer (&self->credential, g_free);
  g_clear_pointer (&self->organizer, cnv_address_free);
  g_clear_pointer (&self->manager_address, g_free);
  g_clear_pointer (&self->recipient, cnv_address_free);
  g_clear_pointer (&self->participants, g_ptr_array_unref);
  g_clear_pointer (&self->in_reply_to, g_free);
  g_clear_pointer (&self->message_id, g_free);
  g_clear_pointer (&self->stamp, g_date_time_unref);

  G_OBJECT_CLASS (cnv_invitation_parent_class)->finalize (object);
}

static void
cnv_invitation_class_init (CnvInvitationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnv_invitation_finalize;
}

static void
cnv_invitation_init (CnvInvitation *self)
{
  self->method = CNV_INVITATION_METHOD_REQUEST;
  self->participants = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
}

/**
 * cnv_invitation_new:
 *
 * Returns: (transfer full): an empty invitation (METHOD:REQUEST, SEQUENCE 0) to fill and build
 */
CnvInvitation *
cnv_invitation_new (void)
{
  return g_object_new (CNV_TYPE_INVITATION, NULL);
}

/* Accessors --------------------------------------------------------------------------------- */

CnvInvitationMethod
cnv_invitation_get_method (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), CNV_INVITATION_METHOD_REQUEST);

  return self->method;
}

void
cnv_invitation_set_method (CnvInvitation       *self,
                           CnvInvitationMethod  method)
{
  g_return_if_fail (CNV_IS_INVITATION (self));
  g_return_if_fail (method == CNV_INVITATION_METHOD_REQUEST || method == CNV_INVITATION_METHOD_CANCEL);

  self->method = method;
}

const char *
cnv_invitation_get_session_id (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->session_id;
}

void
cnv_invitation_set_session_id (CnvInvitation *self,
                               const char    *session_id)
{
  g_return_if_fail (CNV_IS_INVITATION (self));

  set_string (&self->session_id, session_id);
}

const char *
cnv_invitation_get_session_type (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->session_type;
}

void
cnv_invitation_set_session_type (CnvInvitation *self,
                                 const char    *session_type)
{
  g_return_if_fail (CNV_IS_INVITATION (self));

  set_string (&self->session_type, session_type);
}

const char *
cnv_invitation_get_uid (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->uid;
}

/**
 * cnv_invitation_set_uid:
 * @uid: (nullable): the session's iCalendar UID: the request's VEVENT UID when it had one
 *
 * Every invitation, update and cancellation of one session carries the same UID, so that
 * calendars update one event (RFC 5546 §2.1.5).
 */
void
cnv_invitation_set_uid (CnvInvitation *self,
                        const char    *uid)
{
  g_return_if_fail (CNV_IS_INVITATION (self));

  set_string (&self->uid, uid);
}

int
cnv_invitation_get_sequence (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), 0);

  return self->sequence;
}

/**
 * cnv_invitation_set_sequence:
 * @sequence: the SEQUENCE (RFC 5545 §3.8.7.4): higher than the request's, raised by each
 *   reschedule and by the cancellation
 */
void
cnv_invitation_set_sequence (CnvInvitation *self,
                             int            sequence)
{
  g_return_if_fail (CNV_IS_INVITATION (self));
  g_return_if_fail (sequence >= 0);

  self->sequence = sequence;
}

const char *
cnv_invitation_get_title (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->title;
}

void
cnv_invitation_set_title (CnvInvitation *self,
                          const char    *title)
{
  g_return_if_fail (CNV_IS_INVITATION (self));

  set_string (&self->title, title);
}

/**
 * cnv_invitation_get_start:
 *
 * Returns: (transfer none) (nullable): the start, in UTC after parsing
 */
GDateTime *
cnv_invitation_get_start (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->start;
}

/**
 * cnv_invitation_get_end:
 *
 * Returns: (transfer none) (nullable): the end, in UTC after parsing
 */
GDateTime *
cnv_invitation_get_end (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->end;
}

void
cnv_invitation_set_times (CnvInvitation *self,
                          GDateTime     *start,
                          GDateTime     *end)
{
  g_return_if_fail (CNV_IS_INVITATION (self));

  /* Referenced before the old values go: @start may be the current end, and so on. */
  if (start != NULL)
    g_date_time_ref (start);
  if (end != NULL)
    g_date_time_ref (end);
  g_clear_pointer (&self->start, g_date_time_unref);
  g_clear_pointer (&self->end, g_date_time_unref);
  self->start = start;
  self->end = end;
}

const char *
cnv_invitation_get_link (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->link;
}

/**
 * cnv_invitation_set_link:
 * @link: (nullable): the personal link, `https://HOST/s/ID?t=TOKEN`
 *
 * Also sets the credential, the link's `t` parameter.
 */
void
cnv_invitation_set_link (CnvInvitation *self,
                         const char    *link)
{
  g_return_if_fail (CNV_IS_INVITATION (self));

  set_string (&self->link, link);
  g_clear_pointer (&self->credential, g_free);
  if (link != NULL)
    cnv_invitation_parse_link (link, NULL, &self->credential, NULL);
}

/**
 * cnv_invitation_get_credential:
 *
 * Returns: (nullable): the participant's personal access code (E504), from the link
 */
const char *
cnv_invitation_get_credential (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->credential;
}

/**
 * cnv_invitation_get_organizer:
 *
 * Returns: (transfer none) (nullable): the initiator, the calendar's ORGANIZER
 */
const CnvAddress *
cnv_invitation_get_organizer (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->organizer;
}

void
cnv_invitation_set_organizer (CnvInvitation    *self,
                              const CnvAddress *organizer)
{
  CnvAddress *copy = organizer != NULL ? cnv_invitation_copy_address (organizer) : NULL;

  g_return_if_fail (CNV_IS_INVITATION (self));

  g_clear_pointer (&self->organizer, cnv_address_free);
  self->organizer = copy;
}

/**
 * cnv_invitation_get_manager_address:
 *
 * Returns: (nullable): the normalised manager address the invitation came from (the calendar's
 *   SENT-BY, which must agree with From)
 */
const char *
cnv_invitation_get_manager_address (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->manager_address;
}

/**
 * cnv_invitation_set_manager_address:
 * @address: (nullable): the manager address of the session's type; normalised here
 */
void
cnv_invitation_set_manager_address (CnvInvitation *self,
                                    const char    *address)
{
  char *normalized = NULL;

  g_return_if_fail (CNV_IS_INVITATION (self));

  /* A malformed address is kept as given: cnv_invitation_build() reports it. */
  if (address != NULL)
    {
      normalized = cnv_address_normalize (address, NULL);
      if (normalized == NULL)
        normalized = g_strdup (address);
    }
  g_free (self->manager_address);
  self->manager_address = normalized;
}

/**
 * cnv_invitation_get_recipient:
 *
 * Returns: (transfer none) (nullable): the participant this invitation is for (To)
 */
const CnvAddress *
cnv_invitation_get_recipient (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->recipient;
}

void
cnv_invitation_set_recipient (CnvInvitation    *self,
                              const CnvAddress *recipient)
{
  CnvAddress *copy = recipient != NULL ? cnv_invitation_copy_address (recipient) : NULL;

  g_return_if_fail (CNV_IS_INVITATION (self));

  g_clear_pointer (&self->recipient, cnv_address_free);
  self->recipient = copy;
}

/**
 * cnv_invitation_get_participants:
 *
 * Returns: (transfer none) (element-type CnvAddress): every participant of the session
 */
GPtrArray *
cnv_invitation_get_participants (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->participants;
}

/**
 * cnv_invitation_add_participant:
 * @participant: a participant, added unless already there
 */
void
cnv_invitation_add_participant (CnvInvitation    *self,
                                const CnvAddress *participant)
{
  CnvAddress *copy;

  g_return_if_fail (CNV_IS_INVITATION (self));
  g_return_if_fail (participant != NULL);

  copy = cnv_invitation_copy_address (participant);
  if (cnv_address_list_contains (self->participants, copy->address))
    cnv_address_free (copy);
  else
    g_ptr_array_add (self->participants, copy);
}

/**
 * cnv_invitation_get_in_reply_to:
 *
 * Returns: (nullable): the request's Message-ID, without angle brackets
 */
const char *
cnv_invitation_get_in_reply_to (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->in_reply_to;
}

/**
 * cnv_invitation_set_in_reply_to:
 * @message_id: (nullable): the request's Message-ID, with or without angle brackets
 */
void
cnv_invitation_set_in_reply_to (CnvInvitation *self,
                                const char    *message_id)
{
  g_autofree char *trimmed = NULL;
  gsize len;

  g_return_if_fail (CNV_IS_INVITATION (self));

  g_clear_pointer (&self->in_reply_to, g_free);
  if (message_id == NULL)
    return;

  trimmed = g_strstrip (g_strdup (message_id));
  len = strlen (trimmed);
  if (len >= 2 && trimmed[0] == '<' && trimmed[len - 1] == '>')
    self->in_reply_to = g_strndup (trimmed + 1, len - 2);
  else
    self->in_reply_to = g_steal_pointer (&trimmed);
}

/**
 * cnv_invitation_get_message_id:
 *
 * Returns: (nullable): the invitation's own Message-ID, without angle brackets: set by
 *   cnv_invitation_build() and by parsing
 */
const char *
cnv_invitation_get_message_id (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->message_id;
}

/**
 * cnv_invitation_get_stamp:
 *
 * Returns: (transfer none) (nullable): when the invitation was made (DTSTAMP)
 */
GDateTime *
cnv_invitation_get_stamp (CnvInvitation *self)
{
  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);

  return self->stamp;
}

/**
 * cnv_invitation_set_stamp:
 * @stamp: (nullable): the DTSTAMP and Date to write; %NULL writes the time of the build
 */
void
cnv_invitation_set_stamp (CnvInvitation *self,
                          GDateTime     *stamp)
{
  g_return_if_fail (CNV_IS_INVITATION (self));

  if (stamp != NULL)
    g_date_time_ref (stamp);
  g_clear_pointer (&self->stamp, g_date_time_unref);
  self->stamp = stamp;
}
