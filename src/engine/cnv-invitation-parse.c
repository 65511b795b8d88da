/* cnv-invitation-parse.c — the invitation mail of Fig 5 (E514–E515), parsed by the app's
 * watcher
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-invitation"

#include "config.h"

#include <string.h>

#include "cnv-engine.h"
#include "cnv-ical.h"
#include "cnv-invitation-private.h"
#include "cnv-mime.h"

/* An invitation is a few KiB; anything much larger is not one of ours. */
#define MAX_MESSAGE_SIZE (8 * 1024 * 1024)
#define MAX_MIME_DEPTH 8
#define MAX_MIME_PARTS 64

/*
 * The value of header @name, trimmed, or %NULL when absent. Two copies with different values
 * make the message ambiguous, and that is an error.
 */
static gboolean
get_single_header (GMimeObject  *object,
                   const char   *name,
                   char        **out_value,
                   GError      **error)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (object);
  g_autofree char *value = NULL;
  int n = g_mime_header_list_get_count (headers);

  for (int i = 0; i < n; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, i);
      const char *raw;
      g_autofree char *trimmed = NULL;

      if (g_ascii_strcasecmp (g_mime_header_get_name (header), name) != 0)
        continue;
      raw = g_mime_header_get_value (header);
      trimmed = g_strstrip (g_strdup (raw != NULL ? raw : ""));
      if (value != NULL && strcmp (value, trimmed) != 0)
        {
          g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_MISMATCH,
                       "The message has two different %s headers", name);
          return FALSE;
        }
      if (value == NULL)
        value = g_steal_pointer (&trimmed);
    }

  *out_value = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
is_calendar_part (GMimeObject *object,
                  gboolean     accept_ics)
{
  GMimeContentType *type = g_mime_object_get_content_type (object);

  if (type == NULL)
    return FALSE;
  return g_mime_content_type_is_type (type, "text", "calendar") ||
         (accept_ics && g_mime_content_type_is_type (type, "application", "ics"));
}

/*
 * The first calendar part of the tree, depth first. Attached messages are not entered: their
 * calendars belong to another mail. The walk is bounded in depth and in parts.
 */
static GMimePart *
find_calendar_part (GMimeObject *object,
                    gboolean     accept_ics,
                    guint        depth,
                    guint       *budget)
{
  if (*budget == 0)
    return NULL;
  (*budget)--;

  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int n = g_mime_multipart_get_count (multipart);

      if (depth >= MAX_MIME_DEPTH)
        return NULL;
      for (int i = 0; i < n; i++)
        {
          GMimePart *found = find_calendar_part (g_mime_multipart_get_part (multipart, i),
                                                 accept_ics, depth + 1, budget);

          if (found != NULL)
            return found;
        }
      return NULL;
    }

  if (GMIME_IS_PART (object) && is_calendar_part (object, accept_ics))
    return GMIME_PART (object);

  return NULL;
}

/* The decoded content of @part in UTF-8 (RFC 5545 §3.1.4 makes UTF-8 the default). */
static char *
get_part_text (GMimePart  *part,
               gsize      *out_len,
               GError    **error)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr(GMimeStream) stream = NULL;
  GByteArray *bytes;
  const char *charset;

  if (content == NULL)
    {
      g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                           "The calendar part is empty");
      return NULL;
    }

  stream = g_mime_stream_mem_new ();
  if (g_mime_data_wrapper_write_to_stream (content, stream) < 0)
    {
      g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                           "The calendar part cannot be decoded");
      return NULL;
    }
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  /* An empty GByteArray may have no data at all, which g_strndup() and g_convert() take for no
   * string: say what is wrong here. */
  if (bytes->len == 0)
    {
      g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                           "The calendar part is empty");
      return NULL;
    }

  charset = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "charset");
  if (charset != NULL &&
      g_ascii_strcasecmp (charset, "utf-8") != 0 &&
      g_ascii_strcasecmp (charset, "us-ascii") != 0)
    {
      g_autoptr(GError) local_error = NULL;
      const char *iconv_name = g_mime_charset_iconv_name (charset);
      char *converted;

      converted = g_convert ((const char *) bytes->data, bytes->len, "UTF-8",
                             iconv_name != NULL ? iconv_name : charset,
                             NULL, out_len, &local_error);
      if (converted == NULL)
        {
          g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                       "The calendar part is not in its charset: %s", local_error->message);
          return NULL;
        }
      return converted;
    }

  *out_len = bytes->len;
  return g_strndup ((const char *) bytes->data, bytes->len);
}

static gboolean
parse_method (const char          *text,
              CnvInvitationMethod *out_method)
{
  if (g_ascii_strcasecmp (text, "REQUEST") == 0)
    *out_method = CNV_INVITATION_METHOD_REQUEST;
  else if (g_ascii_strcasecmp (text, "CANCEL") == 0)
    *out_method = CNV_INVITATION_METHOD_CANCEL;
  else
    return FALSE;
  return TRUE;
}

/* The title from the subject this file writes: `Invitation: TITLE [cnv:ID]`. */
static char *
title_from_subject (const char *subject,
                    const char *session_id)
{
  g_autofree char *line = cnv_text_clean_line (subject);
  g_autofree char *tag = g_strdup_printf (" [cnv:%s]", session_id);
  const char *start;
  gsize len;

  if (line == NULL)
    return NULL;

  start = line;
  if (g_str_has_prefix (start, CNV_INVITATION_REQUEST_PREFIX))
    start += strlen (CNV_INVITATION_REQUEST_PREFIX);
  else if (g_str_has_prefix (start, CNV_INVITATION_CANCEL_PREFIX))
    start += strlen (CNV_INVITATION_CANCEL_PREFIX);

  len = strlen (start);
  if (g_str_has_suffix (start, tag))
    len -= strlen (tag);

  return len > 0 ? g_strndup (start, len) : NULL;
}

static CnvAddress *
first_address (GMimeMessage *message,
               const char   *header)
{
  g_autoptr(InternetAddressList) list = cnv_mime_get_addresses (message, header);
  g_autoptr(GPtrArray) addresses = cnv_address_list_from_gmime (list, NULL);

  if (addresses->len == 0)
    return NULL;
  return g_ptr_array_steal_index (addresses, 0);
}

static gboolean
fill_from_headers (CnvInvitation  *self,
                   GMimeMessage   *message,
                   GError        **error)
{
  g_autofree char *session_id = NULL;
  g_autofree char *session_type = NULL;
  const char *in_reply_to;
  const char *message_id;

  if (!get_single_header (GMIME_OBJECT (message), "X-Convene-Session", &session_id, error))
    return FALSE;
  if (session_id == NULL)
    {
      g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_NOT_AN_INVITATION,
                           "The message has no X-Convene-Session header");
      return FALSE;
    }
  if (!cnv_session_id_is_valid (session_id))
    return cnv_invitation_invalid (error, "The X-Convene-Session header is not a session id");

  if (!get_single_header (GMIME_OBJECT (message), "X-Convene-Type", &session_type, error))
    return FALSE;
  if (!cnv_invitation_session_type_is_valid (session_type))
    return cnv_invitation_invalid (error, "The X-Convene-Type header is missing or malformed");

  in_reply_to = g_mime_object_get_header (GMIME_OBJECT (message), "In-Reply-To");
  if (in_reply_to != NULL)
    {
      g_autofree char *decoded = g_mime_utils_decode_message_id (in_reply_to);

      if (cnv_invitation_message_id_is_valid (decoded))
        self->in_reply_to = g_steal_pointer (&decoded);
    }

  message_id = g_mime_message_get_message_id (message);
  if (cnv_invitation_message_id_is_valid (message_id))
    self->message_id = g_strdup (message_id);

  self->session_id = g_steal_pointer (&session_id);
  self->session_type = g_steal_pointer (&session_type);
  self->recipient = first_address (message, "To");

  return TRUE;
}

static gboolean
fill_from_event (CnvInvitation  *self,
                 GMimeMessage   *message,
                 CnvEvent       *event,
                 GError        **error)
{
  g_autoptr(CnvAddress) from = NULL;
  g_autofree char *credential = NULL;
  g_autofree char *link_session_id = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *link;

  if (event->uid == NULL || *event->uid == '\0')
    return cnv_invitation_invalid (error, "The calendar event has no UID");
  if (event->start == NULL || event->end == NULL)
    return cnv_invitation_invalid (error, "The calendar event has no start or no end");
  if (g_date_time_compare (event->start, event->end) >= 0)
    return cnv_invitation_invalid (error, "The calendar event ends before it starts");

  link = event->url != NULL ? event->url : event->conference != NULL ? event->conference
                                                                     : event->location;
  if (link == NULL && self->method == CNV_INVITATION_METHOD_REQUEST)
    return cnv_invitation_invalid (error, "The invitation has no link (URL, CONFERENCE or LOCATION)");
  if (link != NULL)
    {
      if (!cnv_invitation_parse_link (link, &link_session_id, &credential, &local_error))
        return cnv_invitation_invalid (error, local_error->message);
      if (strcmp (link_session_id, self->session_id) != 0)
        {
          g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_MISMATCH,
                       "The link is for session %s, the X-Convene-Session header says %s",
                       link_session_id, self->session_id);
          return FALSE;
        }
      if (credential == NULL && self->method == CNV_INVITATION_METHOD_REQUEST)
        return cnv_invitation_invalid (error, "The link carries no access code (t=…)");
    }

  /* The manager address is who sent the mail; the calendar's SENT-BY must say the same, or
   * anyone could name a trusted manager in a calendar sent from elsewhere. */
  from = first_address (message, "From");
  if (from != NULL && event->sent_by != NULL && strcmp (from->address, event->sent_by) != 0)
    {
      g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_MISMATCH,
                   "The mail is from %s but the calendar says it was sent by %s",
                   from->address, event->sent_by);
      return FALSE;
    }
  if (from == NULL && event->sent_by == NULL)
    return cnv_invitation_invalid (error, "The invitation names no manager address (From, SENT-BY)");

  self->uid = g_strdup (event->uid);
  self->sequence = event->sequence;
  self->start = g_date_time_ref (event->start);
  self->end = g_date_time_ref (event->end);
  self->link = g_strdup (link);
  self->credential = g_steal_pointer (&credential);
  self->organizer = event->organizer != NULL ? cnv_invitation_copy_address (event->organizer) : NULL;
  self->manager_address = g_strdup (event->sent_by != NULL ? event->sent_by : from->address);
  for (guint i = 0; i < event->attendees->len; i++)
    cnv_invitation_add_participant (self, g_ptr_array_index (event->attendees, i));

  self->title = cnv_text_clean_line (event->summary);
  if (self->title == NULL)
    {
      g_autofree char *subject = cnv_mime_get_subject (message);

      self->title = title_from_subject (subject, self->session_id);
    }
  if (self->title == NULL)
    self->title = g_strdup (CNV_INVITATION_DEFAULT_TITLE);

  if (event->stamp != NULL)
    self->stamp = g_date_time_ref (event->stamp);
  else if (g_mime_message_get_date (message) != NULL)
    self->stamp = g_date_time_to_utc (g_mime_message_get_date (message));

  return TRUE;
}

/**
 * cnv_invitation_parse:
 * @message: a mail, typically one the watcher fetched
 * @error: return location for a #CNV_INVITATION_ERROR
 *
 * Reads an invitation that cnv_invitation_build() made (or one shaped like it): the
 * `X-Convene-Session` and `X-Convene-Type` headers and the first `text/calendar` part anywhere in
 * the MIME tree. The link is the event's URL, else its CONFERENCE, else its LOCATION; the
 * credential is the link's `t` parameter. Nothing here says the mail is genuine: the caller
 * checks that the manager address is a configured one.
 *
 * Errors: %CNV_INVITATION_ERROR_NOT_AN_INVITATION without the header or without a calendar part;
 * %CNV_INVITATION_ERROR_MISMATCH when the headers, the link and the calendar disagree (session
 * id, method, sender); %CNV_INVITATION_ERROR_INVALID when a field is missing or malformed.
 *
 * Returns: (transfer full): the invitation, or %NULL with @error set
 */
CnvInvitation *
cnv_invitation_parse (GMimeMessage  *message,
                      GError       **error)
{
  g_autoptr(CnvInvitation) self = NULL;
  g_autoptr(CnvEvent) event = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GTimeZone) utc = NULL;
  g_autofree char *data = NULL;
  const char *type_method;
  GMimeObject *body;
  GMimePart *part = NULL;
  gsize len = 0;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = cnv_invitation_new ();
  if (!fill_from_headers (self, message, error))
    return NULL;

  body = g_mime_message_get_mime_part (message);
  if (body != NULL)
    {
      guint budget = MAX_MIME_PARTS;

      part = find_calendar_part (body, FALSE, 0, &budget);
      if (part == NULL)
        {
          budget = MAX_MIME_PARTS;
          part = find_calendar_part (body, TRUE, 0, &budget);
        }
    }
  if (part == NULL)
    {
      g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_NOT_AN_INVITATION,
                           "The message has no calendar part");
      return NULL;
    }

  data = get_part_text (part, &len, error);
  if (data == NULL)
    return NULL;

  utc = g_time_zone_new_utc ();
  warnings = g_ptr_array_new_with_free_func (g_free);
  event = cnv_ical_read (data, len, utc, 0, warnings, &local_error);
  for (guint i = 0; i < warnings->len; i++)
    g_debug ("Invitation %s: %s", self->session_id, (const char *) g_ptr_array_index (warnings, i));
  if (event == NULL)
    {
      g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                   "The calendar part cannot be read: %s", local_error->message);
      return NULL;
    }

  /* RFC 6047 §2.4: the Content-Type's method parameter and the calendar's METHOD are the same. */
  type_method = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "method");
  if (event->method == NULL && type_method == NULL)
    {
      cnv_invitation_invalid (error, "The calendar has no METHOD");
      return NULL;
    }
  if (event->method != NULL && type_method != NULL &&
      g_ascii_strcasecmp (event->method, type_method) != 0)
    {
      g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_MISMATCH,
                   "The calendar says METHOD:%s, its Content-Type says method=%s",
                   event->method, type_method);
      return NULL;
    }
  if (!parse_method (event->method != NULL ? event->method : type_method, &self->method))
    {
      g_autofree char *shown = cnv_text_clean_line (event->method != NULL ? event->method
                                                                                   : type_method);

      g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                   "METHOD:%s is neither REQUEST nor CANCEL", shown != NULL ? shown : "");
      return NULL;
    }

  if (!fill_from_event (self, message, event, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * cnv_invitation_parse_data:
 * @data: (array length=len): a whole RFC 5322 message, CRLF or LF line ends
 * @len: the length of @data in bytes
 * @error: return location for a #CNV_INVITATION_ERROR
 *
 * Like cnv_invitation_parse(), from raw bytes. A message larger than 8 MiB is not read
 * (%CNV_INVITATION_ERROR_INVALID): an invitation is a few KiB.
 *
 * Returns: (transfer full): the invitation, or %NULL with @error set
 */
CnvInvitation *
cnv_invitation_parse_data (const char  *data,
                           gsize        len,
                           GError     **error)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  cnv_engine_init ();

  if (len > MAX_MESSAGE_SIZE)
    {
      g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                   "The message is larger than %d MiB: it is not an invitation",
                   MAX_MESSAGE_SIZE / (1024 * 1024));
      return NULL;
    }

  stream = g_mime_stream_mem_new_with_buffer (len > 0 ? data : "", len);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    {
      g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_NOT_AN_INVITATION,
                           "The data is not a mail message");
      return NULL;
    }

  return cnv_invitation_parse (message, error);
}
