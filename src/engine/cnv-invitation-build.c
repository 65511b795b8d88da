/* cnv-invitation-build.c — the invitation mail of Fig 5 (E514–E515), built by the manager, one
 * per participant
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

/* The seed's words (E514). */
#define SEED_SENTENCE "A collaboration session has been created, click on the following link to join it:"

static gboolean
check_for_build (CnvInvitation  *self,
                 GError        **error)
{
  g_autofree char *link_session_id = NULL;
  g_autofree char *credential = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!cnv_session_id_is_valid (self->session_id))
    return cnv_invitation_invalid (error, "The session id is missing or not 1–64 characters of "
                                          "A–Z, a–z, 0–9, _ and -");
  if (!cnv_invitation_session_type_is_valid (self->session_type))
    return cnv_invitation_invalid (error, "The session type is missing or malformed");
  if (!cnv_invitation_uid_is_valid (self->uid))
    return cnv_invitation_invalid (error, "The session’s calendar UID is missing or holds "
                                          "control characters");
  if (self->sequence < 0)
    return cnv_invitation_invalid (error, "The SEQUENCE is negative");
  if (self->recipient == NULL)
    return cnv_invitation_invalid (error, "The invitation has no recipient");
  if (!cnv_invitation_address_is_normalized (self->recipient))
    return cnv_invitation_invalid (error, "The recipient’s address is not an e-mail address");
  if (self->organizer == NULL)
    return cnv_invitation_invalid (error, "The invitation has no organizer (the initiator)");
  if (!cnv_invitation_address_is_normalized (self->organizer))
    return cnv_invitation_invalid (error, "The organizer’s address is not an e-mail address");
  for (guint i = 0; i < self->participants->len; i++)
    if (!cnv_invitation_address_is_normalized (g_ptr_array_index (self->participants, i)))
      return cnv_invitation_invalid (error, "A participant’s address is not an e-mail address");
  if (self->manager_address == NULL)
    return cnv_invitation_invalid (error, "The invitation has no manager address");
  {
    g_autofree char *normalized = cnv_address_normalize (self->manager_address, NULL);

    if (g_strcmp0 (normalized, self->manager_address) != 0)
      return cnv_invitation_invalid (error, "The manager address is not an e-mail address");
  }
  if (self->start == NULL || self->end == NULL)
    return cnv_invitation_invalid (error, "The session has no start or no end");
  if (g_date_time_compare (self->start, self->end) >= 0)
    return cnv_invitation_invalid (error, "The session ends before it starts");
  if (self->in_reply_to != NULL && !cnv_invitation_message_id_is_valid (self->in_reply_to))
    return cnv_invitation_invalid (error, "The request’s Message-ID (In-Reply-To) is malformed");

  if (self->link == NULL)
    return cnv_invitation_invalid (error, "The invitation has no link");
  if (!cnv_invitation_parse_link (self->link, &link_session_id, &credential, &local_error))
    return cnv_invitation_invalid (error, local_error->message);
  if (g_strcmp0 (link_session_id, self->session_id) != 0)
    return cnv_invitation_invalid (error, "The link is not the link of this session");
  if (credential == NULL)
    return cnv_invitation_invalid (error, "The link carries no access code (t=…)");

  return TRUE;
}

static const char *
get_effective_title (CnvInvitation  *self,
                     char          **storage)
{
  *storage = cnv_text_clean_line (self->title);
  return *storage != NULL ? *storage : CNV_INVITATION_DEFAULT_TITLE;
}

/* "Tue 2026-12-01 13:00 UTC": unambiguous, and independent of the manager's locale. */
static char *
format_time (GDateTime *time)
{
  static const char * const weekdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  g_autoptr(GDateTime) utc = g_date_time_to_utc (time);
  g_autofree char *rest = g_date_time_format (utc, "%Y-%m-%d %H:%M UTC");

  return g_strdup_printf ("%s %s", weekdays[(g_date_time_get_day_of_week (utc) - 1) % 7], rest);
}

static char *
build_description (CnvInvitation *self)
{
  if (self->method == CNV_INVITATION_METHOD_CANCEL)
    return g_strdup ("This collaboration session has been cancelled.");
  return g_strdup_printf (SEED_SENTENCE " %s", self->link);
}

static char *
build_text (CnvInvitation *self,
            const char    *title)
{
  GString *text = g_string_new ("Hello,\n\n");
  g_autofree char *start = format_time (self->start);
  g_autofree char *end = format_time (self->end);
  g_autofree char *organizer = cnv_address_to_display (self->organizer);

  if (self->method == CNV_INVITATION_METHOD_CANCEL)
    g_string_append_printf (text, "The collaboration session \"%s\" has been cancelled: "
                                  "its link no longer works.\n\n", title);
  else
    g_string_append_printf (text, SEED_SENTENCE "\n\n%s\n\n", self->link);

  g_string_append_printf (text, "Title:        %s\n", title);
  g_string_append_printf (text, "Starts:       %s\n", start);
  g_string_append_printf (text, "Ends:         %s\n", end);
  g_string_append_printf (text, "Type:         %s\n", self->session_type);
  g_string_append_printf (text, "Organizer:    %s\n", organizer);
  for (guint i = 0; i < self->participants->len; i++)
    {
      g_autofree char *person = cnv_address_to_display (g_ptr_array_index (self->participants, i));

      g_string_append_printf (text, "%s%s\n", i == 0 ? "Participants: " : "              ", person);
    }

  if (self->method == CNV_INVITATION_METHOD_REQUEST)
    g_string_append_printf (text, "\nYour personal access code: %s\n"
                                  "The link and the code are yours alone: "
                                  "please do not forward this message.\n",
                            self->credential);

  g_string_append (text, "\n-- \nSent automatically by Convene");
  if (self->organizer->name != NULL)
    g_string_append_printf (text, " on behalf of %s", self->organizer->name);
  g_string_append (text, ".\n");

  return g_string_free (text, FALSE);
}

/*
 * g_markup_escape_text() writes `&apos;`, which HTML 4 renderers (Outlook's among them) show as
 * is: the numeric reference works everywhere.
 */
static char *
escape_html (const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  g_auto(GStrv) pieces = g_strsplit (escaped, "&apos;", -1);

  return g_strjoinv ("&#39;", pieces);
}

/* Appends @before, @text escaped for HTML, then @after. */
static void
append_escaped (GString    *html,
                const char *before,
                const char *text,
                const char *after)
{
  g_autofree char *escaped = escape_html (text);

  g_string_append (html, before);
  g_string_append (html, escaped);
  g_string_append (html, after);
}

static void
append_row (GString    *html,
            const char *label,
            const char *value)
{
  g_autofree char *escaped = escape_html (value);

  g_string_append_printf (html, "<tr><th align=\"left\">%s</th><td>%s</td></tr>\n", label, escaped);
}

static char *
build_html (CnvInvitation *self,
            const char    *title)
{
  GString *html = g_string_new (NULL);
  g_autofree char *start = format_time (self->start);
  g_autofree char *end = format_time (self->end);
  g_autofree char *organizer = cnv_address_to_display (self->organizer);

  g_string_append (html, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n");
  append_escaped (html, "<title>", title, "</title>\n");
  g_string_append (html, "</head>\n<body>\n<p>Hello,</p>\n");

  if (self->method == CNV_INVITATION_METHOD_CANCEL)
    append_escaped (html, "<p>The collaboration session &quot;", title,
                    "&quot; has been cancelled: its link no longer works.</p>\n");
  else
    {
      g_autofree char *link = escape_html (self->link);

      g_string_append_printf (html, "<p>" SEED_SENTENCE "</p>\n<p><a href=\"%s\">%s</a></p>\n",
                              link, link);
    }

  g_string_append (html, "<table>\n");
  append_row (html, "Title", title);
  append_row (html, "Starts", start);
  append_row (html, "Ends", end);
  append_row (html, "Type", self->session_type);
  append_row (html, "Organizer", organizer);
  g_string_append (html, "<tr><th align=\"left\" valign=\"top\">Participants</th><td>");
  for (guint i = 0; i < self->participants->len; i++)
    {
      g_autofree char *person = cnv_address_to_display (g_ptr_array_index (self->participants, i));

      append_escaped (html, i == 0 ? "" : "<br>\n", person, "");
    }
  g_string_append (html, "</td></tr>\n</table>\n");

  if (self->method == CNV_INVITATION_METHOD_REQUEST)
    {
      append_escaped (html, "<p>Your personal access code: <code>", self->credential, "</code><br>\n");
      g_string_append (html, "The link and the code are yours alone: "
                             "please do not forward this message.</p>\n");
    }

  g_string_append (html, "<p>-- <br>\nSent automatically by Convene");
  if (self->organizer->name != NULL)
    append_escaped (html, " on behalf of ", self->organizer->name, "");
  g_string_append (html, ".</p>\n</body>\n</html>\n");

  return g_string_free (html, FALSE);
}

static GMimePart *
build_calendar_part (CnvInvitation  *self,
                     const char     *title,
                     GError        **error)
{
  g_autoptr(CnvEvent) event = cnv_event_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *calendar = NULL;
  gboolean cancel = self->method == CNV_INVITATION_METHOD_CANCEL;
  GMimePart *part;

  event->method = g_strdup (cancel ? "CANCEL" : "REQUEST");
  event->uid = g_strdup (self->uid);
  event->sequence = self->sequence;
  event->summary = g_strdup (title);
  event->description = build_description (self);
  event->start = g_date_time_to_utc (self->start);
  event->end = g_date_time_to_utc (self->end);
  event->stamp = self->stamp != NULL ? g_date_time_to_utc (self->stamp) : NULL;
  /* RFC 5546 §3.2.5: a CANCEL of the whole event carries STATUS:CANCELLED. */
  event->cancelled = cancel;
  event->organizer = cnv_address_copy (self->organizer);
  /* RFC 5545 §3.2.18: the manager sends for the initiator, and replies reach the initiator. */
  event->sent_by = g_strdup (self->manager_address);
  for (guint i = 0; i < self->participants->len; i++)
    g_ptr_array_add (event->attendees, cnv_address_copy (g_ptr_array_index (self->participants, i)));
  event->url = g_strdup (self->link);
  event->location = g_strdup (self->link);
  event->conference = g_strdup (self->link);

  calendar = cnv_ical_write (event, &local_error);
  if (calendar == NULL)
    {
      g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID,
                   "The calendar part cannot be written: %s", local_error->message);
      return NULL;
    }

  part = cnv_mime_new_text_part ("calendar", calendar, TRUE);
  /* RFC 6047 §2.4: the method parameter repeats the calendar's METHOD. */
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "method", event->method);

  return part;
}

/**
 * cnv_invitation_build:
 * @self: a #CnvInvitation with every field set for one recipient
 * @error: return location for a #CNV_INVITATION_ERROR
 *
 * Builds the invitation mail (E514) for the recipient: From the manager address, To the recipient,
 * Subject `Invitation: TITLE [cnv:ID]` (`Cancelled: …` for a CANCEL), In-Reply-To and References
 * the request's Message-ID, `Auto-Submitted: auto-generated` (RFC 3834 §5), `X-Convene-Session`,
 * `X-Convene-Type`, and a multipart/alternative body: text/plain with the seed's sentence, the
 * times, the participants and the personal access code; the same in text/html; and a
 * `text/calendar; method=REQUEST` (or `CANCEL`) part (RFC 6047). Every value from user input is
 * sanitised: no header can be injected. Serialise it with %GMIME_NEWLINE_FORMAT_DOS.
 *
 * The generated Message-ID is then available from cnv_invitation_get_message_id(), so that replies
 * to the invitation can be recognised.
 *
 * Returns: (transfer full): the message, or %NULL with %CNV_INVITATION_ERROR_INVALID and a
 *   sentence that names the field at fault
 */
GMimeMessage *
cnv_invitation_build (CnvInvitation  *self,
                      GError        **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeMultipart) alternative = NULL;
  g_autoptr(GMimePart) plain = NULL;
  g_autoptr(GMimePart) html = NULL;
  g_autoptr(GMimePart) calendar = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *title_storage = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *from_name = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *text = NULL;
  g_autofree char *markup = NULL;
  const char *title;
  GMimeObject *object;

  g_return_val_if_fail (CNV_IS_INVITATION (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  cnv_engine_init ();

  if (!check_for_build (self, error))
    return NULL;

  title = get_effective_title (self, &title_storage);

  calendar = build_calendar_part (self, title, error);
  if (calendar == NULL)
    return NULL;

  message = g_mime_message_new (TRUE);
  object = GMIME_OBJECT (message);

  /* The initiator's name tells the recipient who invites them; the address is the manager's. */
  from_name = self->organizer->name != NULL ? g_strdup_printf ("%s via Convene", self->organizer->name)
                                            : g_strdup ("Convene");
  {
    g_autoptr(GPtrArray) from = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
    g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
    CnvAddress *sender = g_new0 (CnvAddress, 1);
    CnvAddress *recipient = g_new0 (CnvAddress, 1);

    sender->name = cnv_address_sanitize_name (from_name);
    sender->address = g_strdup (self->manager_address);
    recipient->name = cnv_address_sanitize_name (self->recipient->name);
    recipient->address = g_strdup (self->recipient->address);
    g_ptr_array_add (from, sender);
    g_ptr_array_add (to, recipient);
    cnv_mime_set_addresses (message, "From", from);
    cnv_mime_set_addresses (message, "To", to);
  }

  subject = g_strdup_printf ("%s%s [cnv:%s]",
                             self->method == CNV_INVITATION_METHOD_CANCEL ? CNV_INVITATION_CANCEL_PREFIX
                                                                          : CNV_INVITATION_REQUEST_PREFIX,
                             title, self->session_id);
  cnv_mime_set_subject (message, subject);

  now = g_date_time_new_now_utc ();
  g_mime_message_set_date (message, self->stamp != NULL ? self->stamp : now);

  domain = cnv_address_get_domain (self->manager_address);
  message_id = g_mime_utils_generate_message_id (domain);
  g_mime_message_set_message_id (message, message_id);

  if (self->in_reply_to != NULL)
    {
      g_autofree char *reference = g_strdup_printf ("<%s>", self->in_reply_to);

      g_mime_object_set_header (object, "In-Reply-To", reference, NULL);
      g_mime_object_set_header (object, "References", reference, NULL);
    }

  /* RFC 3834 §5: no vacation responder or manager may answer this mail automatically. */
  g_mime_object_set_header (object, "Auto-Submitted", "auto-generated", NULL);
  g_mime_object_set_header (object, "X-Convene-Session", self->session_id, NULL);
  g_mime_object_set_header (object, "X-Convene-Type", self->session_type, NULL);

  text = build_text (self, title);
  markup = build_html (self, title);
  plain = cnv_mime_new_text_part ("plain", text, FALSE);
  html = cnv_mime_new_text_part ("html", markup, FALSE);

  /* RFC 2046 §5.1.4: the last alternative is the richest; calendar clients look for it there. */
  alternative = g_mime_multipart_new_with_subtype ("alternative");
  g_mime_multipart_add (alternative, GMIME_OBJECT (plain));
  g_mime_multipart_add (alternative, GMIME_OBJECT (html));
  g_mime_multipart_add (alternative, GMIME_OBJECT (calendar));
  g_mime_message_set_mime_part (message, GMIME_OBJECT (alternative));

  g_free (self->message_id);
  self->message_id = g_steal_pointer (&message_id);

  return g_steal_pointer (&message);
}
