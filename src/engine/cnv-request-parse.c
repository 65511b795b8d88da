/* cnv-request-parse.c — reading any RFC 5322 mail into a request (E500–E511)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-request"

#include "config.h"

#include <string.h>

#include "cnv-ical.h"
#include "cnv-mime.h"
#include "cnv-request-private.h"

/* Multiparts nest a few levels in real mail; a deeper tree is hostile and not walked further. */
#define MAX_MIME_DEPTH 32
/* Only this much of a text/plain body is searched for type keywords and time lines. The lines
 * that the composer writes come first; a larger body is read up to here, with a warning. */
#define MAX_BODY_SCAN (8 * 1024 * 1024)

/* The addresses of every header called @name, decoded around gmime 3.2.13's encoded-word bug. */
static GPtrArray *
header_addresses (GMimeMessage *message,
                  const char   *name,
                  GPtrArray    *warnings)
{
  g_autoptr(InternetAddressList) list = cnv_mime_get_addresses (message, name);

  return cnv_address_list_from_gmime (list, warnings);
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
      g_autofree char *converted = g_mime_text_part_get_text (GMIME_TEXT_PART (object));
      /* A part without a charset (or with a wrong one) may hold any octets: the body is text
       * for people and for the time lines, so it is made valid UTF-8 here, once. */
      char *text = g_utf8_make_valid (converted ? converted : "", -1);

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
  if (*out_len > 0)
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
          cnv_request_add_error (self, g_error_new (CNV_ICAL_ERROR, CNV_ICAL_ERROR_TOO_LARGE,
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

      cnv_request_take_warnings (self, warnings);
      if (event == NULL)
        {
          cnv_request_add_error (self, g_steal_pointer (&error));
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
      cnv_request_take_warnings (self, warnings);
      if (error != NULL)
        {
          cnv_request_add_error (self, g_steal_pointer (&error));
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
      /* An id is at most 64 characters: look no further for its ']' (a subject full of
       * unclosed "[cnv:" must cost linear time, not quadratic). */
      const char *close = memchr (id, ']', strnlen (id, 65));

      if (close != NULL && close > id)
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
  g_autofree char *subject = NULL;
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
  from = header_addresses (message, "From", warnings);
  if (from->len == 0)
    cnv_request_add_error (self, g_error_new_literal (CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_INITIATOR,
                                          "The mail has no usable sender (From)"));
  else
    {
      if (from->len > 1)
        cnv_request_add_warning (self, g_strdup_printf ("The mail has %u senders; the first, %s, is the initiator",
                                            from->len,
                                            ((CnvAddress *) g_ptr_array_index (from, 0))->address));
      self->initiator = cnv_address_copy (g_ptr_array_index (from, 0));
    }

  to = header_addresses (message, "To", warnings);
  cc = header_addresses (message, "Cc", warnings);
  cnv_request_take_warnings (self, warnings);
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
            cnv_request_add_warning (self, g_strdup_printf ("The mail is also addressed to %s; the first manager "
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
      cnv_request_take_warnings (self, warnings);
      g_ptr_array_set_size (warnings, 0);
    }
  if (self->manager_address == NULL)
    cnv_request_add_error (self, g_error_new_literal (CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_MANAGER_ADDRESS,
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
  subject = cnv_mime_get_subject (message);
  self->title = subject ? cnv_address_sanitize_name (subject) : NULL;
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
      cnv_request_add_warning (self, g_strdup_printf ("Parts nested deeper than %d levels were not read",
                                          MAX_MIME_DEPTH));
  }
  if (search.text != NULL)
    {
      gboolean truncated = FALSE;

      body = part_content (search.text, MAX_BODY_SCAN, &body_len, &truncated);
      if (truncated)
        cnv_request_add_warning (self, g_strdup_printf ("Only the first %d MiB of the body were read",
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
    cnv_request_add_error (self, g_error_new (CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_TYPE,
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

          /* Cc stays informational: never invited, even when the event lists them. */
          if (cnv_session_types_is_manager_address (types, attendee->address) ||
              cnv_address_list_contains (self->participants, attendee->address) ||
              cnv_address_list_contains (self->informational, attendee->address))
            continue;
          g_ptr_array_add (self->participants, cnv_address_copy (attendee));
          others++;
        }
      if (others > 0)
        cnv_request_add_warning (self, g_strdup ("To names no participant; the calendar event's attendees are "
                                     "the participants"));
    }
  if (others == 0)
    cnv_request_add_error (self, g_error_new_literal (CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_NO_PARTICIPANTS,
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
