/* cnv-request.c — the request mail of Fig 4a, parsed (manager, E500–E511) and built (composer,
 * E400–E406)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-request"

#include "config.h"

#include <string.h>

#include "cnv-ical.h"
#include "cnv-mime.h"
#include "cnv-request.h"

struct _CnvRequest
{
  GObject         parent_instance;

  /* Owned */
  CnvAddress     *initiator;
  char           *manager_address;
  char           *session_type;
  char           *title;
  char           *body;
  GPtrArray      *participants;   /* CnvAddress, the initiator first */
  GPtrArray      *informational;  /* CnvAddress */
  GDateTime      *start;
  GDateTime      *end;
  CnvTimesSource  times_source;
  char           *time_zone;
  char           *uid;
  int             sequence;
  char           *message_id;
  GStrv           references;
  char           *session_tag;
  GPtrArray      *warnings;       /* char* */
  GPtrArray      *errors;         /* GError* */
};

G_DEFINE_FINAL_TYPE (CnvRequest, cnv_request, G_TYPE_OBJECT)
G_DEFINE_QUARK (cnv-request-error-quark, cnv_request_error)

/* Multiparts nest a few levels in real mail; a deeper tree is hostile and not walked further. */
#define MAX_MIME_DEPTH 32
/* Only this much of a text/plain body is searched for type keywords and time lines. The lines
 * that the composer writes come first; a larger body is read up to here, with a warning. */
#define MAX_BODY_SCAN (8 * 1024 * 1024)

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

static void
add_warning (CnvRequest *self,
             char       *sentence)
{
  /* The array stays NULL-terminated so that it can be handed out as a strv. */
  g_ptr_array_insert (self->warnings, self->warnings->len - 1, sentence);
}

static void
take_warnings (CnvRequest *self,
               GPtrArray  *warnings)
{
  for (guint i = 0; i < warnings->len; i++)
    add_warning (self, g_strdup (g_ptr_array_index (warnings, i)));
}

static void
add_error (CnvRequest *self,
           GError     *error)
{
  g_ptr_array_add (self->errors, error);
}

/* Header values that users or other programs wrote: made valid UTF-8, one line, no controls. */
static char *
clean_text (const char *text)
{
  return cnv_address_sanitize_name (text);
}

static GPtrArray *
header_addresses (GMimeMessage *message,
                  const char   *name,
                  GPtrArray    *warnings)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  int count = g_mime_header_list_get_count (headers);

  /* Delivered-To may appear several times (one per hop): every one of them counts. */
  for (int i = 0; i < count; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, i);
      const char *value;

      if (g_ascii_strcasecmp (g_mime_header_get_name (header), name) != 0)
        continue;
      value = g_mime_header_get_value (header);
      if (value != NULL)
        {
          g_autoptr(GPtrArray) list = cnv_address_list_parse (value, warnings);

          for (guint j = 0; j < list->len; j++)
            cnv_address_list_add_unique (out, g_ptr_array_index (list, j));
        }
    }
  return out;
}

typedef struct
{
  GMimeObject *calendar;
  gboolean     calendar_is_vcal;
  GMimeObject *text;
  gboolean     too_deep;
} PartSearch;

static gboolean
is_calendar_type (GMimeContentType *type,
                  const char       *filename,
                  gboolean         *is_vcal)
{
  const char *media = g_mime_content_type_get_media_type (type);
  const char *sub = g_mime_content_type_get_media_subtype (type);

  if (media == NULL || sub == NULL)
    return FALSE;

  if ((g_ascii_strcasecmp (media, "text") == 0 && g_ascii_strcasecmp (sub, "calendar") == 0) ||
      (g_ascii_strcasecmp (media, "application") == 0 && g_ascii_strcasecmp (sub, "ics") == 0))
    {
      *is_vcal = FALSE;
      return TRUE;
    }
  /* vCalendar 1.0 (the seed names it): text/x-vcalendar, text/vcalendar. */
  if (g_ascii_strcasecmp (media, "text") == 0 &&
      (g_ascii_strcasecmp (sub, "x-vcalendar") == 0 || g_ascii_strcasecmp (sub, "vcalendar") == 0))
    {
      *is_vcal = TRUE;
      return TRUE;
    }
  /* An attachment sent as application/octet-stream is still known by its name. */
  if (filename != NULL)
    {
      if (g_str_has_suffix (filename, ".ics") || g_str_has_suffix (filename, ".ICS"))
        {
          *is_vcal = FALSE;
          return TRUE;
        }
      if (g_str_has_suffix (filename, ".vcs") || g_str_has_suffix (filename, ".VCS"))
        {
          *is_vcal = TRUE;
          return TRUE;
        }
    }
  return FALSE;
}

static void
search_parts (GMimeObject *object,
              PartSearch  *search,
              guint        depth)
{
  if (depth > MAX_MIME_DEPTH)
    {
      search->too_deep = TRUE;
      return;
    }

  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int n = g_mime_multipart_get_count (multipart);

      for (int i = 0; i < n; i++)
        search_parts (g_mime_multipart_get_part (multipart, i), search, depth + 1);
    }
  else if (GMIME_IS_PART (object))
    {
      GMimePart *part = GMIME_PART (object);
      GMimeContentType *type = g_mime_object_get_content_type (object);
      gboolean is_vcal = FALSE;

      if (search->calendar == NULL && type != NULL &&
          is_calendar_type (type, g_mime_part_get_filename (part), &is_vcal))
        {
          search->calendar = object;
          search->calendar_is_vcal = is_vcal;
        }
      else if (search->text == NULL && type != NULL &&
               g_mime_content_type_is_type (type, "text", "plain") &&
               !g_mime_part_is_attachment (part))
        search->text = object;
    }
  /* message/rfc822 parts are someone else's mail (a forward): their times are not ours. */
}

/* The decoded content of a part, in UTF-8 for text parts. */
static char *
part_content (GMimeObject *object,
              gsize        limit,
              gsize       *out_len,
              gboolean    *out_truncated)
{
  GMimeDataWrapper *wrapper;
  g_autoptr(GMimeStream) stream = NULL;
  GByteArray *bytes;
  char *result;

  *out_truncated = FALSE;

  if (GMIME_IS_TEXT_PART (object))
    {
      /* Converts from the part's charset (Windows-1252 from Outlook, ISO-8859-1…) to UTF-8. */
      char *text = g_mime_text_part_get_text (GMIME_TEXT_PART (object));

      if (text == NULL)
        text = g_strdup ("");
      *out_len = strlen (text);
      if (*out_len > limit)
        {
          *out_truncated = TRUE;
          text[limit] = '\0';
          *out_len = limit;
        }
      return text;
    }

  wrapper = g_mime_part_get_content (GMIME_PART (object));
  if (wrapper == NULL)
    {
      *out_len = 0;
      return g_strdup ("");
    }
  stream = g_mime_stream_mem_new ();
  g_mime_data_wrapper_write_to_stream (wrapper, stream);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  if (bytes->len > limit)
    *out_truncated = TRUE;
  *out_len = MIN (bytes->len, limit);
  result = g_malloc (*out_len + 1);
  memcpy (result, bytes->data, *out_len);
  result[*out_len] = '\0';
  return result;
}

static void
set_times_from_event (CnvRequest     *self,
                      CnvEvent       *event,
                      CnvTimesSource  source)
{
  g_clear_pointer (&self->start, g_date_time_unref);
  g_clear_pointer (&self->end, g_date_time_unref);
  self->start = event->start ? g_date_time_ref (event->start) : NULL;
  self->end = event->end ? g_date_time_ref (event->end) : NULL;
  self->times_source = source;
  g_free (self->uid);
  self->uid = g_strdup (event->uid);
  self->sequence = event->sequence;
  g_free (self->time_zone);
  self->time_zone = g_strdup (event->tzid);
}

static CnvEvent *
read_temporal_info (CnvRequest   *self,
                    GMimeMessage *message,
                    GTimeZone    *zone,
                    GTimeSpan     default_duration,
                    const char   *body,
                    gsize         body_len,
                    PartSearch   *search)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvEvent) event = NULL;

  /* Returns the calendar's event, if any, for its attendees. First match wins (DESIGN.md): a calendar part, then the predetermined in-body lines. */
  if (search->calendar != NULL)
    {
      g_autofree char *data = NULL;
      gsize len = 0;
      gboolean truncated = FALSE;

      data = part_content (search->calendar, CNV_ICAL_MAX_SIZE + 1, &len, &truncated);
      if (truncated)
        {
          add_error (self, g_error_new (CNV_ICAL_ERROR, CNV_ICAL_ERROR_TOO_LARGE,
                                        "The calendar part is larger than %d MiB",
                                        CNV_ICAL_MAX_SIZE / (1024 * 1024)));
          return NULL;
        }

      /* A part labelled text/calendar that holds VERSION:1.0 is a vCalendar, and vice versa. */
      if (!search->calendar_is_vcal && strstr (data, "VERSION:1.0") != NULL &&
          strstr (data, "VERSION:2.0") == NULL)
        search->calendar_is_vcal = TRUE;

      if (search->calendar_is_vcal)
        event = cnv_ical_read_vcalendar (data, len, zone, default_duration, warnings, &error);
      else
        event = cnv_ical_read (data, len, zone, default_duration, warnings, &error);

      take_warnings (self, warnings);
      if (event == NULL)
        {
          add_error (self, g_steal_pointer (&error));
          return NULL;
        }
      set_times_from_event (self, event,
                            search->calendar_is_vcal ? CNV_TIMES_SOURCE_VCALENDAR
                                                     : CNV_TIMES_SOURCE_ICALENDAR);
      return g_steal_pointer (&event);
    }

  if (body != NULL)
    {
      event = cnv_body_times_read (body, body_len, zone, default_duration, warnings, &error);
      take_warnings (self, warnings);
      if (error != NULL)
        {
          add_error (self, g_steal_pointer (&error));
          return NULL;
        }
      if (event != NULL)
        set_times_from_event (self, event, CNV_TIMES_SOURCE_BODY);
    }
  return NULL;
}

static char *
find_session_tag (const char *subject)
{
  const char *p = subject;

  /* `[cnv:ID]`, the tag every invitation's subject carries (invite more). */
  while (p != NULL && (p = strstr (p, "[cnv:")) != NULL)
    {
      const char *id = p + strlen ("[cnv:");
      const char *close = strchr (id, ']');

      if (close != NULL && close > id && close - id <= 64)
        {
          g_autofree char *candidate = g_strndup (id, close - id);
          gboolean valid = TRUE;

          for (const char *c = candidate; *c; c++)
            if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_')
              valid = FALSE;
          if (valid)
            return g_steal_pointer (&candidate);
        }
      p = id;
    }
  return NULL;
}

static void
read_references (CnvRequest   *self,
                 GMimeMessage *message)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  static const char * const names[] = { "References", "In-Reply-To" };

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      const char *value = g_mime_object_get_header (GMIME_OBJECT (message), names[n]);
      GMimeReferences *refs;

      if (value == NULL)
        continue;
      refs = g_mime_references_parse (NULL, value);
      if (refs == NULL)
        continue;
      for (int i = 0; i < g_mime_references_length (refs); i++)
        {
          const char *id = g_mime_references_get_message_id (refs, i);
          gboolean known = FALSE;

          for (guint k = 0; k < ids->len && !known; k++)
            known = g_strcmp0 (g_ptr_array_index (ids, k), id) == 0;
          if (!known && id != NULL)
            g_ptr_array_add (ids, g_strdup (id));
        }
      g_mime_references_free (refs);
    }
  g_ptr_array_add (ids, NULL);
  g_clear_pointer (&self->references, g_strfreev);
  self->references = (GStrv) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}

/**
 * cnv_request_parse:
 * @message: a mail that reached the manager
 * @types: the configured session types and manager addresses
 * @zone: the manager's zone, for floating times and in-body times without a zone
 * @default_duration: the duration used when only a start is given
 *
 * Reads a request (E501–E511): the initiator (From), the manager address it was sent to (in To
 * or Cc, else Delivered-To or X-Original-To for a Bcc), the session type (that address's, else a
 * keyword in the subject or body, else the default), the participants (To without the manager
 * addresses, unique, the initiator first), the informational addressees (Cc: never invited), the
 * title (Subject) and the temporal information (E507). Never fails: what makes the mail unusable
 * as a request is in cnv_request_get_errors(), what was ignored in cnv_request_get_warnings().
 *
 * Returns: (transfer full): the request
 */
CnvRequest *
cnv_request_parse (GMimeMessage    *message,
                   CnvSessionTypes *types,
                   GTimeZone       *zone,
                   GTimeSpan        default_duration)
{
  g_autoptr(CnvRequest) self = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GPtrArray) from = NULL;
  g_autoptr(GPtrArray) to = NULL;
  g_autoptr(GPtrArray) cc = NULL;
  g_autofree char *body = NULL;
  g_autoptr(CnvEvent) event = NULL;
  const CnvSessionType *type = NULL;
  const char *subject;
  const char *message_id;
  PartSearch search = { 0 };
  gsize body_len = 0;
  guint others = 0;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), NULL);
  g_return_val_if_fail (CNV_IS_SESSION_TYPES (types), NULL);
  g_return_val_if_fail (zone != NULL, NULL);

  self = cnv_request_new ();
  warnings = g_ptr_array_new_with_free_func (g_free);

  /* E501: the initiator. */
  from = cnv_address_list_from_gmime (g_mime_message_get_from (message), warnings);
  if (from->len == 0)
    add_error (self, g_error_new_literal (CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_INITIATOR,
                                          "The mail has no usable sender (From)"));
  else
    {
      if (from->len > 1)
        add_warning (self, g_strdup_printf ("The mail has %u senders; the first, %s, is the initiator",
                                            from->len,
                                            ((CnvAddress *) g_ptr_array_index (from, 0))->address));
      self->initiator = cnv_address_copy (g_ptr_array_index (from, 0));
    }

  to = cnv_address_list_from_gmime (g_mime_message_get_to (message), warnings);
  cc = cnv_address_list_from_gmime (g_mime_message_get_cc (message), warnings);
  take_warnings (self, warnings);
  g_ptr_array_set_size (warnings, 0);

  /* The manager address: in To, then Cc, then (Bcc) what the delivery recorded. */
  {
    GPtrArray *lists[2] = { to, cc };

    for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
      for (guint i = 0; i < lists[l]->len; i++)
        {
          const CnvAddress *address = g_ptr_array_index (lists[l], i);

          if (!cnv_session_types_is_manager_address (types, address->address))
            continue;
          if (self->manager_address == NULL)
            {
              self->manager_address = g_strdup (address->address);
              type = cnv_session_types_match_address (types, address->address);
            }
          else if (g_strcmp0 (self->manager_address, address->address) != 0)
            add_warning (self, g_strdup_printf ("The mail is also addressed to %s; the first manager "
                                                "address, %s, decides the type",
                                                address->address, self->manager_address));
        }
  }
  if (self->manager_address == NULL)
    {
      static const char * const delivery_headers[] = { "Delivered-To", "X-Original-To" };

      for (guint h = 0; h < G_N_ELEMENTS (delivery_headers) && self->manager_address == NULL; h++)
        {
          g_autoptr(GPtrArray) delivered = header_addresses (message, delivery_headers[h], warnings);

          for (guint i = 0; i < delivered->len; i++)
            {
              const CnvAddress *address = g_ptr_array_index (delivered, i);

              if (cnv_session_types_is_manager_address (types, address->address))
                {
                  self->manager_address = g_strdup (address->address);
                  type = cnv_session_types_match_address (types, address->address);
                  break;
                }
            }
        }
      take_warnings (self, warnings);
      g_ptr_array_set_size (warnings, 0);
    }
  if (self->manager_address == NULL)
    add_error (self, g_error_new_literal (CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_MANAGER_ADDRESS,
                                          "The mail is not addressed to a manager address "
                                          "(To, Cc, Delivered-To or X-Original-To)"));

  /* Participants: the initiator, then To without the manager addresses (E501–E506). */
  if (self->initiator != NULL)
    g_ptr_array_add (self->participants, cnv_address_copy (self->initiator));
  {
    g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

    if (self->initiator != NULL)
      g_hash_table_add (seen, self->initiator->address);
    for (guint i = 0; i < to->len; i++)
      {
        CnvAddress *address = g_ptr_array_index (to, i);

        if (cnv_session_types_is_manager_address (types, address->address) ||
            g_hash_table_contains (seen, address->address))
          continue;
        g_hash_table_add (seen, address->address);
        g_ptr_array_add (self->participants, cnv_address_copy (address));
        others++;
      }
    /* Cc: informational only, never invited and never stored (seed, after E506). */
    for (guint i = 0; i < cc->len; i++)
      {
        CnvAddress *address = g_ptr_array_index (cc, i);

        if (cnv_session_types_is_manager_address (types, address->address) ||
            g_hash_table_contains (seen, address->address))
          continue;
        g_hash_table_add (seen, address->address);
        g_ptr_array_add (self->informational, cnv_address_copy (address));
      }
  }
  /* Title, session tag and thread. */
  subject = g_mime_message_get_subject (message);
  self->title = subject ? clean_text (subject) : NULL;
  if (self->title != NULL)
    self->session_tag = find_session_tag (self->title);
  message_id = g_mime_message_get_message_id (message);
  self->message_id = g_strdup (message_id);
  read_references (self, message);

  /* The parts: a calendar part and the first plain-text body. */
  {
    GMimeObject *root = g_mime_message_get_mime_part (message);

    if (root != NULL)
      search_parts (root, &search, 0);
    if (search.too_deep)
      add_warning (self, g_strdup_printf ("Parts nested deeper than %d levels were not read",
                                          MAX_MIME_DEPTH));
  }
  if (search.text != NULL)
    {
      gboolean truncated = FALSE;

      body = part_content (search.text, MAX_BODY_SCAN, &body_len, &truncated);
      if (truncated)
        add_warning (self, g_strdup_printf ("Only the first %d MiB of the body were read",
                                            MAX_BODY_SCAN / (1024 * 1024)));
    }

  /* E511: the type, by address, else by keyword (the seed's single-address variant). */
  if (type == NULL && self->title != NULL)
    type = cnv_session_types_match_keyword (types, self->title, strlen (self->title));
  if (type == NULL && body != NULL)
    type = cnv_session_types_match_keyword (types, body, body_len);
  if (type == NULL)
    type = cnv_session_types_get_default (types);
  if (type != NULL)
    self->session_type = g_strdup (type->name);
  else if (self->manager_address != NULL)
    add_error (self, g_error_new (CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_TYPE,
                                  "No session type: %s selects none, no keyword was found and no "
                                  "type is the default", self->manager_address));

  /* E507: temporal information. */
  event = read_temporal_info (self, message, zone, default_duration, body, body_len, &search);

  /* Calendar programs that mail each guest on their own (Google Calendar) send the manager a copy
   * addressed to it alone: the participants are then the event's attendees. */
  if (others == 0 && event != NULL && event->attendees->len > 0)
    {
      for (guint i = 0; i < event->attendees->len; i++)
        {
          const CnvAddress *attendee = g_ptr_array_index (event->attendees, i);

          if (cnv_session_types_is_manager_address (types, attendee->address) ||
              cnv_address_list_contains (self->participants, attendee->address))
            continue;
          g_ptr_array_add (self->participants, cnv_address_copy (attendee));
          others++;
        }
      if (others > 0)
        add_warning (self, g_strdup ("To names no participant; the calendar event's attendees are "
                                     "the participants"));
    }
  if (others == 0)
    add_error (self, g_error_new_literal (CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_PARTICIPANTS,
                                          "The mail names no participant: To holds only manager "
                                          "addresses or the sender"));

  self->body = g_steal_pointer (&body);

  return g_steal_pointer (&self);
}

/**
 * cnv_request_parse_data:
 * @data: the raw mail (RFC 5322, CRLF or LF)
 * @len: its length
 * @error: return location for a #CNV_REQUEST_ERROR
 *
 * Like cnv_request_parse(), from bytes.
 *
 * Returns: (transfer full): the request, or %NULL when @data is not a mail at all
 */
CnvRequest *
cnv_request_parse_data (const char      *data,
                        gsize            len,
                        CnvSessionTypes *types,
                        GTimeZone       *zone,
                        GTimeSpan        default_duration,
                        GError         **error)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  stream = g_mime_stream_mem_new_with_buffer (data ? data : "", len);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    {
      g_set_error_literal (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NOT_A_MESSAGE,
                           "The data is not an e-mail message");
      return NULL;
    }

  return cnv_request_parse (message, types, zone, default_duration);
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

static GDateTime *
to_utc (GDateTime *dt)
{
  return dt ? g_date_time_to_utc (dt) : NULL;
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

/* Addresses reach the builder through cnv_address_new(), but the struct is public: one filled by
 * hand must not smuggle anything into a header. */
static gboolean
check_normalized (const char  *address,
                  const char  *what,
                  GError     **error)
{
  g_autofree char *normalized = address ? cnv_address_normalize (address, NULL) : NULL;

  if (normalized == NULL || strcmp (normalized, address) != 0)
    {
      g_autofree char *shown = g_strescape (address ? address : "", NULL);

      g_set_error (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_INVALID,
                   "The %s “%s” is not a normalised e-mail address", what, shown);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_address (const CnvAddress  *address,
               const char        *what,
               GError           **error)
{
  return check_normalized (address->address, what, error);
}

static char *
domain_of (const CnvAddress *address)
{
  return cnv_address_get_domain (address->address);
}

static GMimeTextPart *
new_text_part (const char *subtype,
               const char *text)
{
  GMimeTextPart *part = g_mime_text_part_new_with_subtype (subtype);

  g_mime_text_part_set_text (part, text);
  /* The encoding that keeps the text intact through any relay: 7bit when it is ASCII with short
   * lines, else quoted-printable or base64 (RFC 2045 §6). */
  g_mime_part_set_content_encoding (GMIME_PART (part),
                                    g_mime_part_get_best_content_encoding (GMIME_PART (part),
                                                                           GMIME_ENCODING_CONSTRAINT_7BIT));
  return part;
}

static char *
format_body_time (GDateTime  *utc,
                  const char *tzid)
{
  g_autoptr(GTimeZone) zone = tzid ? cnv_time_zone_lookup (tzid) : NULL;
  g_autoptr(GDateTime) local = zone ? g_date_time_to_timezone (utc, zone) : g_date_time_ref (utc);
  g_autofree char *stamp = g_date_time_format (local, "%Y-%m-%d %H:%M");

  return g_strdup_printf ("%s %s", stamp, zone ? tzid : "UTC");
}

/**
 * cnv_request_build:
 * @error: return location for a #CNV_REQUEST_ERROR or #CNV_ICAL_ERROR
 *
 * Builds the request mail (E402–E406): From the initiator, To the manager address and the other
 * participants, Cc the informational addressees, Subject the title; a text/plain body with the
 * message and, when times are set, the predetermined `Start:`/`End:` lines (E405) plus a
 * `text/calendar; method=REQUEST` part (RFC 6047 §2.4) written in the request's time zone, so the
 * participants' calendars hold the event that the manager's invitation later updates.
 *
 * Returns: (transfer full): the message, or %NULL with @error set when a field is missing
 */
GMimeMessage *
cnv_request_build (CnvRequest  *self,
                   GError     **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(InternetAddressList) to = NULL;
  g_autoptr(GPtrArray) others = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GMimeTextPart) text = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *title = NULL;
  GString *body;

  g_return_val_if_fail (CNV_IS_REQUEST (self), NULL);

  if (self->initiator == NULL)
    {
      g_set_error_literal (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_INITIATOR,
                           "The request has no sender");
      return NULL;
    }
  if (self->manager_address == NULL)
    {
      g_set_error_literal (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_MANAGER_ADDRESS,
                           "The request has no manager address");
      return NULL;
    }
  if (!check_address (self->initiator, "sender", error) ||
      !check_normalized (self->manager_address, "manager address", error))
    return NULL;
  for (guint i = 0; i < self->participants->len; i++)
    if (!check_address (g_ptr_array_index (self->participants, i), "participant", error))
      return NULL;
  for (guint i = 0; i < self->informational->len; i++)
    if (!check_address (g_ptr_array_index (self->informational, i), "Cc address", error))
      return NULL;

  others = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  for (guint i = 0; i < self->participants->len; i++)
    {
      const CnvAddress *participant = g_ptr_array_index (self->participants, i);

      if (!cnv_address_equal (participant, self->initiator) &&
          g_strcmp0 (participant->address, self->manager_address) != 0)
        cnv_address_list_add_unique (others, participant);
    }
  if (others->len == 0)
    {
      g_set_error_literal (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_PARTICIPANTS,
                           "The request names no participant");
      return NULL;
    }
  if ((self->start == NULL) != (self->end == NULL))
    {
      g_set_error_literal (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_INVALID,
                           "A scheduled request needs both a start and an end");
      return NULL;
    }
  if (self->start != NULL && g_date_time_compare (self->end, self->start) <= 0)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_END_BEFORE_START,
                           "The session ends before it starts");
      return NULL;
    }

  now = g_date_time_new_now_utc ();
  domain = domain_of (self->initiator);
  message = g_mime_message_new (TRUE);

  {
    g_autofree char *from_name = cnv_address_sanitize_name (self->initiator->name);

    g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, from_name, self->initiator->address);
  }
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, NULL, self->manager_address);
  to = cnv_address_list_to_gmime (others);
  internet_address_list_append (g_mime_message_get_to (message), to);
  if (self->informational->len > 0)
    {
      g_autoptr(InternetAddressList) cc = cnv_address_list_to_gmime (self->informational);

      internet_address_list_append (g_mime_message_get_cc (message), cc);
    }

  title = clean_text (self->title);
  cnv_mime_set_subject (message, title);
  g_mime_message_set_date (message, now);
  message_id = g_mime_utils_generate_message_id (domain);
  g_mime_message_set_message_id (message, message_id);
  g_mime_object_set_header (GMIME_OBJECT (message), "User-Agent", "Convene/" PACKAGE_VERSION, NULL);

  body = g_string_new (self->body ? self->body : "");
  if (body->len > 0 && body->str[body->len - 1] != '\n')
    g_string_append_c (body, '\n');
  if (self->start != NULL)
    {
      g_autofree char *start = format_body_time (self->start, self->time_zone);
      g_autofree char *end = format_body_time (self->end, self->time_zone);

      /* The seed's predetermined format (E405), for people and for managers without iCalendar. */
      if (body->len > 0)
        g_string_append_c (body, '\n');
      g_string_append_printf (body, "Start: %s\nEnd: %s\n", start, end);
    }
  text = new_text_part ("plain", body->str);
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (text), "charset", "utf-8");
  g_string_free (body, TRUE);

  if (self->start == NULL)
    g_mime_message_set_mime_part (message, GMIME_OBJECT (text));
  else
    {
      g_autoptr(CnvEvent) event = cnv_event_new ();
      g_autoptr(GMimeMultipart) alternative = g_mime_multipart_new_with_subtype ("alternative");
      g_autoptr(GMimeTextPart) calendar = NULL;
      g_autofree char *ics = NULL;

      if (self->uid == NULL)
        {
          g_autofree char *uuid = g_uuid_string_random ();

          self->uid = g_strdup_printf ("%s@%s", uuid, domain);
        }
      event->method = g_strdup ("REQUEST");
      event->uid = g_strdup (self->uid);
      event->sequence = self->sequence;
      event->summary = g_strdup (title);
      event->description = g_strdup (self->body);
      event->start = to_utc (self->start);
      event->end = to_utc (self->end);
      event->stamp = g_date_time_ref (now);
      event->organizer = cnv_address_copy (self->initiator);
      for (guint i = 0; i < others->len; i++)
        g_ptr_array_add (event->attendees, cnv_address_copy (g_ptr_array_index (others, i)));
      event->tzid = g_strdup (self->time_zone);

      ics = cnv_ical_write (event, error);
      if (ics == NULL)
        return NULL;

      calendar = new_text_part ("calendar", ics);
      g_mime_object_set_content_type_parameter (GMIME_OBJECT (calendar), "charset", "utf-8");
      /* RFC 6047 §2.4: the method parameter matches the METHOD property. */
      g_mime_object_set_content_type_parameter (GMIME_OBJECT (calendar), "method", "REQUEST");

      g_mime_multipart_add (alternative, GMIME_OBJECT (text));
      g_mime_multipart_add (alternative, GMIME_OBJECT (calendar));
      g_mime_message_set_mime_part (message, GMIME_OBJECT (alternative));
    }

  g_free (self->message_id);
  self->message_id = g_strdup (message_id);

  return g_steal_pointer (&message);
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
  self->title = clean_text (title);
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
  self->start = to_utc (start);
  self->end = to_utc (end);
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
