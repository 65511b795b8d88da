/* cnv-request.c — the request mail of Fig 4a: the object, its accessors and comparison
 *
 * Reading a mail into a request is in cnv-request-parse.c (manager, E500–E511); writing one is in
 * cnv-request-build.c (composer, E400–E406).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-request"

#include "config.h"

#include <string.h>

#include "cnv-request-private.h"

G_DEFINE_FINAL_TYPE (CnvRequest, cnv_request, G_TYPE_OBJECT)
G_DEFINE_QUARK (cnv-request-error-quark, cnv_request_error)


static void
cnv_request_finalize (GObject *object)
{
  CnvRequest *self = (CnvRequest *) object;

  g_clear_pointer (&self->initiator, cnv_address_free);
  g_clear_pointer (&self->manager_address, g_free);
  g_clear_pointer (&self->session_type, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->body, g_free);
  g_clear_pointer (&self->participants, g_ptr_array_unref);
  g_clear_pointer (&self->informational, g_ptr_array_unref);
  g_clear_pointer (&self->start, g_date_time_unref);
  g_clear_pointer (&self->end, g_date_time_unref);
  g_clear_pointer (&self->time_zone, g_free);
  g_clear_pointer (&self->uid, g_free);
  g_clear_pointer (&self->message_id, g_free);
  g_clear_pointer (&self->references, g_strfreev);
  g_clear_pointer (&self->session_tag, g_free);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_clear_pointer (&self->errors, g_ptr_array_unref);

  G_OBJECT_CLASS (cnv_request_parent_class)->finalize (object);
}

static void
cnv_request_class_init (CnvRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnv_request_finalize;
}

static void
cnv_request_init (CnvRequest *self)
{
  self->participants = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  self->informational = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->warnings, NULL);
  self->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
}

/**
 * cnv_times_source_to_string:
 *
 * Returns: (nullable): `icalendar`, `vcalendar`, `body`, or %NULL for none (the JSON of
 *   `convene-manager inspect`)
 */
const char *
cnv_times_source_to_string (CnvTimesSource source)
{
  switch (source)
    {
    case CNV_TIMES_SOURCE_ICALENDAR:
      return "icalendar";
    case CNV_TIMES_SOURCE_VCALENDAR:
      return "vcalendar";
    case CNV_TIMES_SOURCE_BODY:
      return "body";
    case CNV_TIMES_SOURCE_NONE:
    default:
      return NULL;
    }
}

/**
 * cnv_request_new:
 *
 * Returns: (transfer full): an empty request, to be filled by the composer and built
 */
CnvRequest *
cnv_request_new (void)
{
  return g_object_new (CNV_TYPE_REQUEST, NULL);
}

void
cnv_request_add_warning (CnvRequest *self,
                         char       *sentence)
{
  /* The array stays NULL-terminated so that it can be handed out as a strv. */
  g_ptr_array_insert (self->warnings, self->warnings->len - 1, sentence);
}

void
cnv_request_take_warnings (CnvRequest *self,
                           GPtrArray  *warnings)
{
  for (guint i = 0; i < warnings->len; i++)
    cnv_request_add_warning (self, g_strdup (g_ptr_array_index (warnings, i)));
}

void
cnv_request_add_error (CnvRequest *self,
                       GError     *error)
{
  g_ptr_array_add (self->errors, error);
}

/**
 * cnv_request_get_errors:
 *
 * Returns: (transfer none) (element-type GError): why the mail cannot be used as a request; empty
 *   when it can
 */
GPtrArray *
cnv_request_get_errors (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);

  return self->errors;
}

/**
 * cnv_request_get_warnings:
 *
 * Returns: (transfer none): sentences about what was ignored or assumed
 */
const char * const *
cnv_request_get_warnings (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);

  return (const char * const *) self->warnings->pdata;
}

/**
 * cnv_request_check:
 * @error: return location for the first problem
 *
 * Returns: %TRUE when the request can be acted on
 */
gboolean
cnv_request_check (CnvRequest  *self,
                   GError     **error)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), FALSE);

  if (self->errors->len > 0)
    {
      g_propagate_error (error, g_error_copy (g_ptr_array_index (self->errors, 0)));
      return FALSE;
    }
  return TRUE;
}

static gboolean
dates_equal (GDateTime *a,
             GDateTime *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_date_time_equal (a, b);
}

static gboolean
address_lists_equal (GPtrArray *a,
                     GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const CnvAddress *x = g_ptr_array_index (a, i);
      const CnvAddress *y = g_ptr_array_index (b, i);

      if (!cnv_address_equal (x, y) || g_strcmp0 (x->name, y->name) != 0)
        return FALSE;
    }
  return TRUE;
}

/**
 * cnv_request_equal:
 *
 * Whether two requests ask for the same session: initiator, manager address, type, title,
 * participants (in order, names included), informational addressees, start, end and UID. The body
 * and the thread are not compared.
 */
gboolean
cnv_request_equal (CnvRequest *a,
                   CnvRequest *b)
{
  g_return_val_if_fail (CNV_IS_REQUEST (a), FALSE);
  g_return_val_if_fail (CNV_IS_REQUEST (b), FALSE);

  return cnv_address_equal (a->initiator, b->initiator) &&
         (a->initiator == NULL || g_strcmp0 (a->initiator->name, b->initiator->name) == 0) &&
         g_strcmp0 (a->manager_address, b->manager_address) == 0 &&
         g_strcmp0 (a->session_type, b->session_type) == 0 &&
         g_strcmp0 (a->title, b->title) == 0 &&
         address_lists_equal (a->participants, b->participants) &&
         address_lists_equal (a->informational, b->informational) &&
         dates_equal (a->start, b->start) &&
         dates_equal (a->end, b->end) &&
         g_strcmp0 (a->uid, b->uid) == 0;
}

/* Accessors. */

const CnvAddress *
cnv_request_get_initiator (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->initiator;
}

/**
 * cnv_request_set_initiator:
 * @initiator: (nullable): the sender; also made the first participant
 */
void
cnv_request_set_initiator (CnvRequest       *self,
                           const CnvAddress *initiator)
{
  g_return_if_fail (CNV_IS_REQUEST (self));

  g_clear_pointer (&self->initiator, cnv_address_free);
  if (initiator == NULL)
    return;
  self->initiator = cnv_address_copy (initiator);
  for (guint i = 0; i < self->participants->len; i++)
    if (cnv_address_equal (g_ptr_array_index (self->participants, i), initiator))
      {
        g_ptr_array_remove_index (self->participants, i);
        break;
      }
  g_ptr_array_insert (self->participants, 0, cnv_address_copy (initiator));
}

const char *
cnv_request_get_manager_address (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->manager_address;
}

/**
 * cnv_request_set_manager_address:
 * @address: (nullable): the manager address to send to (normalised here; ignored when invalid)
 */
void
cnv_request_set_manager_address (CnvRequest *self,
                                 const char *address)
{
  g_return_if_fail (CNV_IS_REQUEST (self));

  g_clear_pointer (&self->manager_address, g_free);
  if (address != NULL)
    self->manager_address = cnv_address_normalize (address, NULL);
}

const char *
cnv_request_get_session_type (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->session_type;
}

void
cnv_request_set_session_type (CnvRequest *self,
                              const char *session_type)
{
  g_return_if_fail (CNV_IS_REQUEST (self));
  g_free (self->session_type);
  self->session_type = g_strdup (session_type);
}

const char *
cnv_request_get_title (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->title;
}

/**
 * cnv_request_set_title:
 * @title: (nullable): the subject; made one line without control characters
 */
void
cnv_request_set_title (CnvRequest *self,
                       const char *title)
{
  g_return_if_fail (CNV_IS_REQUEST (self));
  g_free (self->title);
  self->title = cnv_address_sanitize_name (title);
}

const char *
cnv_request_get_body (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->body;
}

void
cnv_request_set_body (CnvRequest *self,
                      const char *body)
{
  g_return_if_fail (CNV_IS_REQUEST (self));
  g_free (self->body);
  self->body = body ? g_utf8_make_valid (body, -1) : NULL;
}

/**
 * cnv_request_get_participants:
 *
 * Returns: (transfer none) (element-type CnvAddress): the participants, the initiator first
 */
GPtrArray *
cnv_request_get_participants (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->participants;
}

void
cnv_request_add_participant (CnvRequest       *self,
                             const CnvAddress *participant)
{
  g_return_if_fail (CNV_IS_REQUEST (self));
  g_return_if_fail (participant != NULL);
  cnv_address_list_add_unique (self->participants, participant);
}

/**
 * cnv_request_get_informational:
 *
 * Returns: (transfer none) (element-type CnvAddress): the Cc addressees: told, never invited
 */
GPtrArray *
cnv_request_get_informational (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->informational;
}

void
cnv_request_add_informational (CnvRequest       *self,
                               const CnvAddress *address)
{
  g_return_if_fail (CNV_IS_REQUEST (self));
  g_return_if_fail (address != NULL);
  cnv_address_list_add_unique (self->informational, address);
}

/**
 * cnv_request_get_start:
 *
 * Returns: (transfer none) (nullable): the start in UTC, or %NULL: start now
 */
GDateTime *
cnv_request_get_start (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->start;
}

/**
 * cnv_request_get_end:
 *
 * Returns: (transfer none) (nullable): the end in UTC, or %NULL: the default duration
 */
GDateTime *
cnv_request_get_end (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->end;
}

/**
 * cnv_request_set_times:
 * @start: (nullable): the start, in any zone (kept in UTC)
 * @end: (nullable): the end
 */
void
cnv_request_set_times (CnvRequest *self,
                       GDateTime  *start,
                       GDateTime  *end)
{
  g_return_if_fail (CNV_IS_REQUEST (self));

  g_clear_pointer (&self->start, g_date_time_unref);
  g_clear_pointer (&self->end, g_date_time_unref);
  self->start = cnv_request_utc (start);
  self->end = cnv_request_utc (end);
  self->times_source = start ? CNV_TIMES_SOURCE_ICALENDAR : CNV_TIMES_SOURCE_NONE;
}

CnvTimesSource
cnv_request_get_times_source (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), CNV_TIMES_SOURCE_NONE);
  return self->times_source;
}

/**
 * cnv_request_get_time_zone:
 *
 * Returns: (nullable): the IANA zone the times are written in (the sender's), or %NULL for UTC
 */
const char *
cnv_request_get_time_zone (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->time_zone;
}

void
cnv_request_set_time_zone (CnvRequest *self,
                           const char *tzid)
{
  g_return_if_fail (CNV_IS_REQUEST (self));
  g_free (self->time_zone);
  self->time_zone = g_strdup (tzid);
}

/**
 * cnv_request_get_uid:
 *
 * Returns: (nullable): the VEVENT UID the request carried or was built with
 */
const char *
cnv_request_get_uid (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->uid;
}

void
cnv_request_set_uid (CnvRequest *self,
                     const char *uid)
{
  g_return_if_fail (CNV_IS_REQUEST (self));
  g_free (self->uid);
  self->uid = g_strdup (uid);
}

int
cnv_request_get_sequence (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), 0);
  return self->sequence;
}

const char *
cnv_request_get_message_id (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->message_id;
}

/**
 * cnv_request_get_references:
 *
 * Returns: (transfer none) (nullable): the Message-IDs of References and In-Reply-To
 */
const char * const *
cnv_request_get_references (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return (const char * const *) self->references;
}

/**
 * cnv_request_get_session_tag:
 *
 * Returns: (nullable): the session id of a `[cnv:ID]` tag in the subject (invite more)
 */
const char *
cnv_request_get_session_tag (CnvRequest *self)
{
  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);
  return self->session_tag;
}
