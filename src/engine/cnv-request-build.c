/* cnv-request-build.c — writing the request mail for the composer (E400–E406)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-request"

#include "config.h"

#include <string.h>

#include "cnv-ical.h"
#include "cnv-mime.h"
#include "cnv-request-private.h"

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

/* A copy whose name is sanitised again: the struct is public. */
static CnvAddress *
clean_copy (const CnvAddress *address)
{
  CnvAddress *copy = cnv_address_copy (address);

  g_free (copy->name);
  copy->name = cnv_address_sanitize_name (address->name);
  return copy;
}

static char *
domain_of (const CnvAddress *address)
{
  return cnv_address_get_domain (address->address);
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
  g_autoptr(GPtrArray) others = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GMimePart) text = NULL;
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
    g_autoptr(GPtrArray) from = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
    g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
    g_autoptr(CnvAddress) manager = cnv_address_new (NULL, self->manager_address, NULL);

    g_ptr_array_add (from, clean_copy (self->initiator));
    g_ptr_array_add (to, g_steal_pointer (&manager));
    for (guint i = 0; i < others->len; i++)
      g_ptr_array_add (to, clean_copy (g_ptr_array_index (others, i)));
    cnv_mime_set_addresses (message, "From", from);
    cnv_mime_set_addresses (message, "To", to);
    if (self->informational->len > 0)
      {
        g_autoptr(GPtrArray) cc = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);

        for (guint i = 0; i < self->informational->len; i++)
          g_ptr_array_add (cc, clean_copy (g_ptr_array_index (self->informational, i)));
        cnv_mime_set_addresses (message, "Cc", cc);
      }
  }

  title = cnv_address_sanitize_name (self->title);
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
  text = cnv_mime_new_text_part ("plain", body->str, FALSE);
  g_string_free (body, TRUE);

  if (self->start == NULL)
    g_mime_message_set_mime_part (message, GMIME_OBJECT (text));
  else
    {
      g_autoptr(CnvEvent) event = cnv_event_new ();
      g_autoptr(GMimeMultipart) alternative = g_mime_multipart_new_with_subtype ("alternative");
      g_autoptr(GMimePart) calendar = NULL;
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
      event->start = cnv_request_utc (self->start);
      event->end = cnv_request_utc (self->end);
      event->stamp = g_date_time_ref (now);
      event->organizer = cnv_address_copy (self->initiator);
      for (guint i = 0; i < others->len; i++)
        g_ptr_array_add (event->attendees, cnv_address_copy (g_ptr_array_index (others, i)));
      event->tzid = g_strdup (self->time_zone);

      ics = cnv_ical_write (event, error);
      if (ics == NULL)
        return NULL;

      calendar = cnv_mime_new_text_part ("calendar", ics, TRUE);
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
