/* test-invitation.c — CnvInvitation: the invitation mail of Fig 5 (E514), built and parsed
 *
 * Set CNV_REGENERATE_FIXTURES=1 to rewrite the .eml files in tests/data/invitations from the builder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"

#define SESSION_ID "q7Hk2_x-9"
#define TOKEN "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"
#define LINK "https://join.example.test/s/" SESSION_ID "?t=" TOKEN
#define MANAGER "videoconference@convene.example.test"
#define REQUEST_ID "request-1234@client.example.test"
#define UID "040000008200E00074C5B7101A82E008@example.test"
#define SEED_SENTENCE "A collaboration session has been created, click on the following link to join it:"

/* Helpers ----------------------------------------------------------------------------------- */

static CnvAddress *
address (const char *name,
         const char *addr)
{
  g_autoptr(GError) error = NULL;
  CnvAddress *result = cnv_address_new (name, addr, &error);

  g_assert_no_error (error);
  return result;
}

static CnvInvitation *
make_invitation (void)
{
  CnvInvitation *invitation = cnv_invitation_new ();
  g_autoptr(CnvAddress) alice = address ("Alice Example", "alice@example.test");
  g_autoptr(CnvAddress) bob = address ("Bob Builder", "bob@example.test");
  g_autoptr(CnvAddress) carol = address (NULL, "carol@example.test");
  g_autoptr(GDateTime) start = g_date_time_new_utc (2026, 12, 1, 13, 0, 0);
  g_autoptr(GDateTime) end = g_date_time_new_utc (2026, 12, 1, 14, 30, 0);
  g_autoptr(GDateTime) stamp = g_date_time_new_utc (2026, 11, 20, 9, 15, 0);

  cnv_invitation_set_session_id (invitation, SESSION_ID);
  cnv_invitation_set_session_type (invitation, "videoconference");
  cnv_invitation_set_uid (invitation, UID);
  cnv_invitation_set_sequence (invitation, 1);
  cnv_invitation_set_title (invitation, "Weekly sync");
  cnv_invitation_set_times (invitation, start, end);
  cnv_invitation_set_link (invitation, LINK);
  cnv_invitation_set_organizer (invitation, alice);
  cnv_invitation_set_manager_address (invitation, MANAGER);
  cnv_invitation_set_recipient (invitation, bob);
  cnv_invitation_add_participant (invitation, alice);
  cnv_invitation_add_participant (invitation, bob);
  cnv_invitation_add_participant (invitation, carol);
  cnv_invitation_set_in_reply_to (invitation, "<" REQUEST_ID ">");
  cnv_invitation_set_stamp (invitation, stamp);

  return invitation;
}

static GMimeMessage *
build (CnvInvitation *invitation)
{
  g_autoptr(GError) error = NULL;
  GMimeMessage *message = cnv_invitation_build (invitation, &error);

  g_assert_no_error (error);
  g_assert_true (GMIME_IS_MESSAGE (message));
  return message;
}

/* The message as it goes over SMTP: CRLF line ends. */
static GBytes *
serialize (GMimeMessage *message)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
  GMimeFormatOptions *options = g_mime_format_options_clone (NULL);
  GByteArray *array;

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_assert_cmpint (g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream), >, 0);
  g_mime_format_options_free (options);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_bytes_new (array->data, array->len);
}

static char *
serialize_to_string (GMimeMessage *message)
{
  g_autoptr(GBytes) bytes = serialize (message);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_assert_null (memchr (data, '\0', len));
  return g_strndup (data, len);
}

static GMimeMessage *
reparse (GBytes *bytes)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (bytes, NULL),
                                                                     g_bytes_get_size (bytes));
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *message = g_mime_parser_construct_message (parser, NULL);

  g_assert_nonnull (message);
  return message;
}

static CnvInvitation *
parse_bytes (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  CnvInvitation *invitation = cnv_invitation_parse_data (data, len, &error);

  g_assert_no_error (error);
  g_assert_true (CNV_IS_INVITATION (invitation));
  return invitation;
}

static GMimePart *
find_part (GMimeObject *object,
           const char  *type,
           const char  *subtype)
{
  if (GMIME_IS_MULTIPART (object))
    {
      for (int i = 0; i < g_mime_multipart_get_count (GMIME_MULTIPART (object)); i++)
        {
          GMimePart *found = find_part (g_mime_multipart_get_part (GMIME_MULTIPART (object), i),
                                        type, subtype);

          if (found != NULL)
            return found;
        }
      return NULL;
    }
  if (GMIME_IS_PART (object) &&
      g_mime_content_type_is_type (g_mime_object_get_content_type (object), type, subtype))
    return GMIME_PART (object);
  return NULL;
}

static char *
part_text (GMimeMessage *message,
           const char   *subtype)
{
  GMimePart *part = find_part (g_mime_message_get_mime_part (message), "text", subtype);
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
  GByteArray *array;

  g_assert_nonnull (part);
  g_mime_data_wrapper_write_to_stream (g_mime_part_get_content (part), stream);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_strndup ((const char *) array->data, array->len);
}

/* RFC 5545 §3.1 unfolding, with either line end. */
static char *
unfold (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      if (p[0] == '\r')
        continue;
      if (p[0] == '\n' && (p[1] == ' ' || p[1] == '\t'))
        {
          p++;
          continue;
        }
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static gboolean
has_line (const char *text,
          const char *line)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_equal (g_strchomp (lines[i]), line))
      return TRUE;
  return FALSE;
}

static gboolean
has_line_prefix (const char *text,
                 const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return TRUE;
  return FALSE;
}

/* The header block of a serialised message, unfolded. */
static char *
header_block (const char *serialized)
{
  const char *end = strstr (serialized, "\r\n\r\n");

  g_assert_nonnull (end);
  {
    g_autofree char *head = g_strndup (serialized, end - serialized + 2);

    return unfold (head);
  }
}

static void
assert_same_time (GDateTime *a,
                  GDateTime *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_true (g_date_time_equal (a, b));
}

static void
assert_same_address (const CnvAddress *a,
                     const CnvAddress *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstr (a->address, ==, b->address);
  g_assert_cmpstr (a->name, ==, b->name);
}

static void
assert_same_invitation (CnvInvitation *got,
                        CnvInvitation *want)
{
  GPtrArray *got_participants = cnv_invitation_get_participants (got);
  GPtrArray *want_participants = cnv_invitation_get_participants (want);

  g_assert_cmpint (cnv_invitation_get_method (got), ==, cnv_invitation_get_method (want));
  g_assert_cmpstr (cnv_invitation_get_session_id (got), ==, cnv_invitation_get_session_id (want));
  g_assert_cmpstr (cnv_invitation_get_session_type (got), ==, cnv_invitation_get_session_type (want));
  g_assert_cmpstr (cnv_invitation_get_uid (got), ==, cnv_invitation_get_uid (want));
  g_assert_cmpint (cnv_invitation_get_sequence (got), ==, cnv_invitation_get_sequence (want));
  g_assert_cmpstr (cnv_invitation_get_title (got), ==, cnv_invitation_get_title (want));
  assert_same_time (cnv_invitation_get_start (got), cnv_invitation_get_start (want));
  assert_same_time (cnv_invitation_get_end (got), cnv_invitation_get_end (want));
  g_assert_cmpstr (cnv_invitation_get_link (got), ==, cnv_invitation_get_link (want));
  g_assert_cmpstr (cnv_invitation_get_credential (got), ==, cnv_invitation_get_credential (want));
  assert_same_address (cnv_invitation_get_organizer (got), cnv_invitation_get_organizer (want));
  g_assert_cmpstr (cnv_invitation_get_manager_address (got), ==,
                   cnv_invitation_get_manager_address (want));
  assert_same_address (cnv_invitation_get_recipient (got), cnv_invitation_get_recipient (want));
  g_assert_cmpuint (got_participants->len, ==, want_participants->len);
  for (guint i = 0; i < got_participants->len; i++)
    assert_same_address (g_ptr_array_index (got_participants, i),
                         g_ptr_array_index (want_participants, i));
  g_assert_cmpstr (cnv_invitation_get_in_reply_to (got), ==, cnv_invitation_get_in_reply_to (want));
  g_assert_cmpstr (cnv_invitation_get_message_id (got), ==, cnv_invitation_get_message_id (want));
  assert_same_time (cnv_invitation_get_stamp (got), cnv_invitation_get_stamp (want));
}

static void
assert_parse_error (const char *data,
                    gsize       len,
                    int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvInvitation) invitation = cnv_invitation_parse_data (data, len, &error);

  g_test_message ("error: %s", error != NULL ? error->message : "(none)");
  g_assert_error (error, CNV_INVITATION_ERROR, code);
  g_assert_null (invitation);
}

static void
assert_message_error (GMimeMessage *message,
                      int           code)
{
  g_autoptr(GBytes) bytes = serialize (message);

  assert_parse_error (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), code);
}

/* Tests ------------------------------------------------------------------------------------- */

static void
test_session_id (void)
{
  g_assert_true (cnv_session_id_is_valid ("a"));
  g_assert_true (cnv_session_id_is_valid (SESSION_ID));
  g_assert_true (cnv_session_id_is_valid ("0123456789012345678901234567890123456789012345678901234567890123"));
  g_assert_false (cnv_session_id_is_valid ("01234567890123456789012345678901234567890123456789012345678901234"));
  g_assert_false (cnv_session_id_is_valid (NULL));
  g_assert_false (cnv_session_id_is_valid (""));
  g_assert_false (cnv_session_id_is_valid ("a b"));
  g_assert_false (cnv_session_id_is_valid ("a/b"));
  g_assert_false (cnv_session_id_is_valid ("../x"));
  g_assert_false (cnv_session_id_is_valid ("a\r\nb"));
  g_assert_false (cnv_session_id_is_valid ("é"));
}

static void
test_link_credential (void)
{
  g_autoptr(CnvInvitation) invitation = cnv_invitation_new ();

  g_assert_cmpint (cnv_invitation_get_method (invitation), ==, CNV_INVITATION_METHOD_REQUEST);
  g_assert_cmpuint (cnv_invitation_get_participants (invitation)->len, ==, 0);

  cnv_invitation_set_link (invitation, LINK);
  g_assert_cmpstr (cnv_invitation_get_credential (invitation), ==, TOKEN);
  cnv_invitation_set_link (invitation, "https://join.example.test/s/abc?lang=fr&t=a%2Bb%3D");
  g_assert_cmpstr (cnv_invitation_get_credential (invitation), ==, "a+b=");
  cnv_invitation_set_link (invitation, "https://join.example.test/s/abc");
  g_assert_null (cnv_invitation_get_credential (invitation));
  cnv_invitation_set_link (invitation, NULL);
  g_assert_null (cnv_invitation_get_link (invitation));
  g_assert_null (cnv_invitation_get_credential (invitation));

  cnv_invitation_set_in_reply_to (invitation, "  <abc@example.test> ");
  g_assert_cmpstr (cnv_invitation_get_in_reply_to (invitation), ==, "abc@example.test");
  cnv_invitation_set_manager_address (invitation, "VideoConference@Convene.Example.TEST");
  g_assert_cmpstr (cnv_invitation_get_manager_address (invitation), ==, MANAGER);
}

static void
test_build_headers (void)
{
  g_autoptr(CnvInvitation) invitation = make_invitation ();
  g_autoptr(GMimeMessage) message = build (invitation);
  g_autofree char *serialized = serialize_to_string (message);
  g_autofree char *headers = header_block (serialized);
  GMimeObject *body = g_mime_message_get_mime_part (message);
  InternetAddressList *from = g_mime_message_get_from (message);
  InternetAddressList *to = g_mime_message_get_to (message);
  InternetAddress *sender;
  GMimePart *calendar;

  g_test_message ("%s", headers);

  g_assert_cmpint (internet_address_list_length (from), ==, 1);
  sender = internet_address_list_get_address (from, 0);
  g_assert_cmpstr (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (sender)), ==, MANAGER);
  g_assert_cmpstr (internet_address_get_name (sender), ==, "Alice Example via Convene");
  g_assert_cmpint (internet_address_list_length (to), ==, 1);
  g_assert_cmpstr (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (internet_address_list_get_address (to, 0))),
                   ==, "bob@example.test");
  g_assert_cmpint (internet_address_list_length (g_mime_message_get_cc (message)), ==, 0);
  g_assert_cmpint (internet_address_list_length (g_mime_message_get_bcc (message)), ==, 0);

  g_assert_cmpstr (g_mime_message_get_subject (message), ==, "Invitation: Weekly sync [cnv:" SESSION_ID "]");
  g_assert_true (has_line (headers, "Subject: Invitation: Weekly sync [cnv:" SESSION_ID "]"));
  g_assert_true (has_line (headers, "In-Reply-To: <" REQUEST_ID ">"));
  g_assert_true (has_line (headers, "References: <" REQUEST_ID ">"));
  g_assert_true (has_line (headers, "Auto-Submitted: auto-generated"));
  g_assert_true (has_line (headers, "X-Convene-Session: " SESSION_ID));
  g_assert_true (has_line (headers, "X-Convene-Type: videoconference"));
  g_assert_true (has_line (headers, "MIME-Version: 1.0"));
  g_assert_true (has_line (headers, "Date: Fri, 20 Nov 2026 09:15:00 +0000"));
  g_assert_true (has_line_prefix (headers, "Message-Id: <") || has_line_prefix (headers, "Message-ID: <"));

  /* The Message-ID is at the manager's domain and is recorded for replies (invite more). */
  g_assert_nonnull (cnv_invitation_get_message_id (invitation));
  g_assert_cmpstr (g_mime_message_get_message_id (message), ==, cnv_invitation_get_message_id (invitation));
  g_assert_true (g_str_has_suffix (cnv_invitation_get_message_id (invitation), "@convene.example.test"));

  /* Every line ends in CRLF. */
  for (const char *p = serialized; (p = strchr (p, '\n')) != NULL; p++)
    g_assert_true (p > serialized && p[-1] == '\r');

  g_assert_true (GMIME_IS_MULTIPART (body));
  g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (body), "multipart", "alternative"));
  g_assert_cmpint (g_mime_multipart_get_count (GMIME_MULTIPART (body)), ==, 3);
  g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (g_mime_multipart_get_part (GMIME_MULTIPART (body), 0)), "text", "plain"));
  g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (g_mime_multipart_get_part (GMIME_MULTIPART (body), 1)), "text", "html"));
  calendar = GMIME_PART (g_mime_multipart_get_part (GMIME_MULTIPART (body), 2));
  g_assert_true (g_mime_content_type_is_type (g_mime_object_get_content_type (GMIME_OBJECT (calendar)), "text", "calendar"));
  g_assert_cmpstr (g_mime_object_get_content_type_parameter (GMIME_OBJECT (calendar), "method"), ==, "REQUEST");
  g_assert_cmpstr (g_mime_object_get_content_type_parameter (GMIME_OBJECT (calendar), "charset"), ==, "utf-8");
  for (int i = 0; i < 2; i++)
    g_assert_cmpstr (g_mime_object_get_content_type_parameter (g_mime_multipart_get_part (GMIME_MULTIPART (body), i), "charset"),
                     ==, "utf-8");
}

static void
test_build_text (void)
{
  g_autoptr(CnvInvitation) invitation = make_invitation ();
  g_autoptr(GMimeMessage) message = build (invitation);
  g_autofree char *plain = part_text (message, "plain");
  g_autofree char *html = part_text (message, "html");

  g_test_message ("%s", plain);

  /* The seed's words (E514), then the link, the times, the people and the credential. */
  g_assert_nonnull (strstr (plain, SEED_SENTENCE "\n\n" LINK "\n"));
  g_assert_nonnull (strstr (plain, "Weekly sync"));
  g_assert_nonnull (strstr (plain, "Tue 2026-12-01 13:00 UTC"));
  g_assert_nonnull (strstr (plain, "Tue 2026-12-01 14:30 UTC"));
  g_assert_nonnull (strstr (plain, "Alice Example <alice@example.test>"));
  g_assert_nonnull (strstr (plain, "Bob Builder <bob@example.test>"));
  g_assert_nonnull (strstr (plain, "carol@example.test"));
  g_assert_nonnull (strstr (plain, "Your personal access code: " TOKEN "\n"));
  g_assert_nonnull (strstr (plain, "do not forward"));

  g_assert_true (g_str_has_prefix (html, "<!DOCTYPE html>"));
  g_assert_nonnull (strstr (html, SEED_SENTENCE));
  g_assert_nonnull (strstr (html, "<a href=\"" LINK "\">" LINK "</a>"));
  g_assert_nonnull (strstr (html, "Alice Example &lt;alice@example.test&gt;"));
  g_assert_nonnull (strstr (html, TOKEN));
  g_assert_nonnull (strstr (html, "Tue 2026-12-01 13:00 UTC"));
}

static void
test_build_calendar (void)
{
  g_autoptr(CnvInvitation) invitation = make_invitation ();
  g_autoptr(GMimeMessage) message = build (invitation);
  g_autoptr(GBytes) bytes = serialize (message);
  g_autoptr(GMimeMessage) received = reparse (bytes);
  g_autofree char *calendar = part_text (received, "calendar");
  g_autofree char *unfolded = unfold (calendar);

  g_test_message ("%s", calendar);

  /* What arrives has CRLF line ends (RFC 5545 §3.1). */
  g_assert_nonnull (strstr (calendar, "BEGIN:VCALENDAR\r\n"));
  g_assert_true (has_line (unfolded, "METHOD:REQUEST"));
  g_assert_true (has_line (unfolded, "UID:" UID));
  g_assert_true (has_line (unfolded, "SEQUENCE:1"));
  g_assert_true (has_line (unfolded, "DTSTAMP:20261120T091500Z"));
  g_assert_true (has_line (unfolded, "DTSTART:20261201T130000Z"));
  g_assert_true (has_line (unfolded, "DTEND:20261201T143000Z"));
  g_assert_true (has_line (unfolded, "SUMMARY:Weekly sync"));
  g_assert_true (has_line (unfolded, "STATUS:CONFIRMED"));
  g_assert_true (has_line_prefix (unfolded, "DESCRIPTION:A collaboration session has been created\\, "
                                            "click on the following link to join it: " LINK));
  g_assert_true (has_line (unfolded, "ORGANIZER;CN=Alice Example;SENT-BY=\"mailto:" MANAGER "\":"
                                     "mailto:alice@example.test"));
  g_assert_true (has_line (unfolded, "ATTENDEE;CN=Alice Example;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
                                     "RSVP=FALSE;CUTYPE=INDIVIDUAL:mailto:alice@example.test"));
  g_assert_true (has_line (unfolded, "ATTENDEE;CN=Bob Builder;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
                                     "RSVP=FALSE;CUTYPE=INDIVIDUAL:mailto:bob@example.test"));
  g_assert_true (has_line (unfolded, "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
                                     "RSVP=FALSE;CUTYPE=INDIVIDUAL:mailto:carol@example.test"));
  g_assert_true (has_line (unfolded, "URL:" LINK));
  g_assert_true (has_line (unfolded, "LOCATION:" LINK));
  g_assert_true (has_line_prefix (unfolded, "CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL="));
  g_assert_true (g_str_has_suffix (strstr (unfolded, "CONFERENCE;"), ":" LINK "\nEND:VEVENT\nEND:VCALENDAR\n"));
  g_assert_null (strstr (unfolded, "TZID"));
}

static void
test_round_trip (void)
{
  g_autoptr(CnvInvitation) invitation = make_invitation ();
  g_autoptr(GMimeMessage) message = build (invitation);
  g_autoptr(GBytes) bytes = serialize (message);
  g_autoptr(CnvInvitation) parsed = parse_bytes (bytes);

  assert_same_invitation (parsed, invitation);
  g_assert_cmpstr (cnv_invitation_get_credential (parsed), ==, TOKEN);
  g_assert_cmpstr (cnv_invitation_get_in_reply_to (parsed), ==, REQUEST_ID);

  /* cnv_invitation_parse() on the message object reads the same. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GMimeMessage) received = reparse (bytes);
    g_autoptr(CnvInvitation) again = cnv_invitation_parse (received, &error);

    g_assert_no_error (error);
    assert_same_invitation (again, invitation);
  }
}

static void
test_round_trip_unicode (void)
{
  g_autoptr(CnvInvitation) invitation = make_invitation ();
  g_autoptr(CnvAddress) organizer = address ("Zoë Ångström", "zoe@bücher.example");
  g_autoptr(CnvAddress) recipient = address ("José Müller-Lüdenscheidt", "jose@example.test");
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CnvInvitation) parsed = NULL;
  g_autofree char *serialized = NULL;
  g_autofree char *plain = NULL;

  cnv_invitation_set_title (invitation, "Réunion d’équipe — 会議, \"Q1\"; plan & <budget>");
  cnv_invitation_set_organizer (invitation, organizer);
  cnv_invitation_set_recipient (invitation, recipient);
  cnv_invitation_add_participant (invitation, organizer);
  cnv_invitation_add_participant (invitation, recipient);

  message = build (invitation);
  bytes = serialize (message);
  serialized = serialize_to_string (message);

  /* Only 7-bit travels: RFC 2047 words in headers, quoted-printable in bodies. */
  for (const char *p = serialized; *p; p++)
    g_assert_cmpint ((guchar) *p, <, 0x80);

  plain = part_text (message, "plain");
  g_assert_nonnull (strstr (plain, "Zoë Ångström <zoe@bücher.example>"));

  parsed = parse_bytes (bytes);
  assert_same_invitation (parsed, invitation);
  g_assert_cmpstr (cnv_invitation_get_organizer (parsed)->address, ==, "zoe@xn--bcher-kva.example");
}

static void
test_cancel (void)
{
  g_autoptr(CnvInvitation) invitation = make_invitation ();
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GMimeMessage) received = NULL;
  g_autoptr(CnvInvitation) parsed = NULL;
  g_autofree char *calendar = NULL;
  g_autofree char *unfolded = NULL;
  g_autofree char *plain = NULL;
  GMimePart *part;

  cnv_invitation_set_method (invitation, CNV_INVITATION_METHOD_CANCEL);
  cnv_invitation_set_sequence (invitation, 2);

  message = build (invitation);
  g_assert_cmpstr (g_mime_message_get_subject (message), ==, "Cancelled: Weekly sync [cnv:" SESSION_ID "]");
  bytes = serialize (message);
  received = reparse (bytes);

  part = find_part (g_mime_message_get_mime_part (received), "text", "calendar");
  g_assert_cmpstr (g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "method"), ==, "CANCEL");
  calendar = part_text (received, "calendar");
  unfolded = unfold (calendar);
  /* RFC 5546 §3.2.5: same UID, the caller's higher SEQUENCE, STATUS:CANCELLED. */
  g_assert_true (has_line (unfolded, "METHOD:CANCEL"));
  g_assert_true (has_line (unfolded, "STATUS:CANCELLED"));
  g_assert_true (has_line (unfolded, "UID:" UID));
  g_assert_true (has_line (unfolded, "SEQUENCE:2"));

  /* A cancelled session's mail does not hand out the code any more. */
  plain = part_text (received, "plain");
  g_assert_nonnull (strstr (plain, "has been cancelled"));
  g_assert_null (strstr (plain, TOKEN));
  g_assert_null (strstr (plain, SEED_SENTENCE));

  parsed = parse_bytes (bytes);
  g_assert_cmpint (cnv_invitation_get_method (parsed), ==, CNV_INVITATION_METHOD_CANCEL);
  assert_same_invitation (parsed, invitation);
}

static void
test_empty_title (void)
{
  g_autoptr(CnvInvitation) invitation = make_invitation ();
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CnvInvitation) parsed = NULL;

  cnv_invitation_set_title (invitation, " \r\n ");
  message = build (invitation);
  g_assert_cmpstr (g_mime_message_get_subject (message), ==,
                   "Invitation: Collaboration session [cnv:" SESSION_ID "]");
  bytes = serialize (message);
  parsed = parse_bytes (bytes);
  g_assert_cmpstr (cnv_invitation_get_title (parsed), ==, "Collaboration session");
}

static void
test_injection (void)
{
  g_autoptr(CnvInvitation) invitation = make_invitation ();
  g_autoptr(CnvAddress) organizer = g_new0 (CnvAddress, 1);
  g_autoptr(CnvAddress) recipient = g_new0 (CnvAddress, 1);
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GMimeMessage) received = NULL;
  g_autoptr(CnvInvitation) parsed = NULL;
  g_autofree char *serialized = NULL;
  g_autofree char *headers = NULL;
  g_autofree char *calendar = NULL;
  g_auto(GStrv) lines = NULL;
  const char *subject;

  /* Raw structs, as a careless caller could fill them: nothing has been sanitised yet. */
  organizer->name = g_strdup ("Eve\r\nBcc: evil@attacker.test\r\nX-Evil: 1");
  organizer->address = g_strdup ("eve@example.test");
  recipient->name = g_strdup ("Bob\"\r\nBcc: evil@attacker.test");
  recipient->address = g_strdup ("bob@example.test");

  cnv_invitation_set_title (invitation, "Hi\r\nBcc: evil@attacker.test\r\n\r\n<script>alert(1)</script>");
  cnv_invitation_set_organizer (invitation, organizer);
  cnv_invitation_set_recipient (invitation, recipient);
  cnv_invitation_add_participant (invitation, organizer);

  message = build (invitation);
  bytes = serialize (message);
  serialized = serialize_to_string (message);
  headers = header_block (serialized);
  g_test_message ("%s", headers);

  /* No line of the whole message starts an injected header. */
  lines = g_strsplit (serialized, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_assert_false (g_str_has_prefix (lines[i], "Bcc:"));
      g_assert_false (g_str_has_prefix (lines[i], "X-Evil:"));
    }

  received = reparse (bytes);
  g_assert_null (g_mime_object_get_header (GMIME_OBJECT (received), "Bcc"));
  g_assert_null (g_mime_object_get_header (GMIME_OBJECT (received), "X-Evil"));
  g_assert_cmpint (internet_address_list_length (g_mime_message_get_bcc (received)), ==, 0);
  g_assert_cmpint (internet_address_list_length (g_mime_message_get_to (received)), ==, 1);
  g_assert_cmpint (internet_address_list_length (g_mime_message_get_from (received)), ==, 1);
  subject = g_mime_message_get_subject (received);
  g_assert_null (strchr (subject, '\r'));
  g_assert_null (strchr (subject, '\n'));
  g_assert_true (g_str_has_prefix (subject, "Invitation: Hi Bcc: evil@attacker.test"));
  g_assert_true (g_str_has_suffix (subject, "[cnv:" SESSION_ID "]"));
  g_assert_true (GMIME_IS_MULTIPART (g_mime_message_get_mime_part (received)));

  /* The calendar holds no injected property either. */
  calendar = part_text (received, "calendar");
  g_assert_false (has_line_prefix (calendar, "Bcc"));
  g_assert_false (has_line_prefix (calendar, "X-Evil"));
  {
    g_autofree char *html = part_text (received, "html");

    g_assert_null (strstr (html, "<script>"));
    g_assert_nonnull (strstr (html, "&lt;script&gt;"));
  }

  parsed = parse_bytes (bytes);
  g_assert_cmpstr (cnv_invitation_get_title (parsed), ==,
                   "Hi Bcc: evil@attacker.test <script>alert(1)</script>");
  g_assert_cmpstr (cnv_invitation_get_organizer (parsed)->name, ==,
                   "Eve Bcc: evil@attacker.test X-Evil: 1");
  g_assert_cmpstr (cnv_invitation_get_recipient (parsed)->address, ==, "bob@example.test");
}

static void
test_build_invalid (void)
{
  const char *fields[] = {
    "session-id", "session-id-chars", "type", "uid", "recipient", "organizer", "manager",
    "manager-malformed", "times", "order", "link", "link-scheme", "link-session", "link-token",
    "link-space", "in-reply-to",
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autoptr(CnvInvitation) invitation = make_invitation ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GMimeMessage) message = NULL;
      const char *field = fields[i];

      if (g_str_equal (field, "session-id"))
        cnv_invitation_set_session_id (invitation, NULL);
      else if (g_str_equal (field, "session-id-chars"))
        cnv_invitation_set_session_id (invitation, "a\r\nBcc: x");
      else if (g_str_equal (field, "type"))
        cnv_invitation_set_session_type (invitation, "video conference\r\n");
      else if (g_str_equal (field, "uid"))
        cnv_invitation_set_uid (invitation, NULL);
      else if (g_str_equal (field, "recipient"))
        cnv_invitation_set_recipient (invitation, NULL);
      else if (g_str_equal (field, "organizer"))
        cnv_invitation_set_organizer (invitation, NULL);
      else if (g_str_equal (field, "manager"))
        cnv_invitation_set_manager_address (invitation, NULL);
      else if (g_str_equal (field, "manager-malformed"))
        cnv_invitation_set_manager_address (invitation, "manager\r\nBcc: x@y");
      else if (g_str_equal (field, "times"))
        cnv_invitation_set_times (invitation, NULL, NULL);
      else if (g_str_equal (field, "order"))
        cnv_invitation_set_times (invitation, cnv_invitation_get_end (invitation),
                                  cnv_invitation_get_start (invitation));
      else if (g_str_equal (field, "link"))
        cnv_invitation_set_link (invitation, NULL);
      else if (g_str_equal (field, "link-scheme"))
        cnv_invitation_set_link (invitation, "javascript:alert(1)//s/" SESSION_ID "?t=x");
      else if (g_str_equal (field, "link-session"))
        cnv_invitation_set_link (invitation, "https://join.example.test/s/other?t=" TOKEN);
      else if (g_str_equal (field, "link-token"))
        cnv_invitation_set_link (invitation, "https://join.example.test/s/" SESSION_ID);
      else if (g_str_equal (field, "link-space"))
        cnv_invitation_set_link (invitation, LINK "\r\nBcc: x@y");
      else if (g_str_equal (field, "in-reply-to"))
        cnv_invitation_set_in_reply_to (invitation, "<a b@c>");

      message = cnv_invitation_build (invitation, &error);
      g_test_message ("%s: %s", field, error != NULL ? error->message : "(no error)");
      g_assert_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID);
      g_assert_null (message);
    }
}

static void
test_parse_not_invitation (void)
{
  const char *plain_mail =
    "From: Alice <alice@example.test>\r\n"
    "To: bob@example.test\r\n"
    "Subject: Lunch?\r\n"
    "Message-ID: <lunch@example.test>\r\n"
    "\r\n"
    "Shall we?\r\n";
  g_autoptr(CnvInvitation) invitation = make_invitation ();
  g_autoptr(GMimeMessage) message = build (invitation);
  g_autoptr(GMimeMessage) no_calendar = build (invitation);
  g_autoptr(GMimeTextPart) text = g_mime_text_part_new_with_subtype ("plain");

  assert_parse_error (plain_mail, strlen (plain_mail), CNV_INVITATION_ERROR_NOT_AN_INVITATION);

  /* The headers of an invitation, no calendar part. */
  g_mime_text_part_set_text (text, "Hello\n");
  g_mime_message_set_mime_part (no_calendar, GMIME_OBJECT (text));
  assert_message_error (no_calendar, CNV_INVITATION_ERROR_NOT_AN_INVITATION);

  /* An invitation without its header. */
  g_mime_object_remove_header (GMIME_OBJECT (message), "X-Convene-Session");
  assert_message_error (message, CNV_INVITATION_ERROR_NOT_AN_INVITATION);
}

static void
test_parse_mismatch (void)
{
  g_autoptr(CnvInvitation) invitation = make_invitation ();

  /* The header names another session than the link. */
  {
    g_autoptr(GMimeMessage) message = build (invitation);

    g_mime_object_set_header (GMIME_OBJECT (message), "X-Convene-Session", "another-session", NULL);
    assert_message_error (message, CNV_INVITATION_ERROR_MISMATCH);
  }

  /* Two different session headers. */
  {
    g_autoptr(GMimeMessage) message = build (invitation);

    g_mime_object_append_header (GMIME_OBJECT (message), "X-Convene-Session", "another-session", NULL);
    assert_message_error (message, CNV_INVITATION_ERROR_MISMATCH);
  }

  /* RFC 6047 §2.4: the Content-Type method disagrees with METHOD. */
  {
    g_autoptr(GMimeMessage) message = build (invitation);
    GMimePart *part = find_part (g_mime_message_get_mime_part (message), "text", "calendar");

    g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "method", "CANCEL");
    assert_message_error (message, CNV_INVITATION_ERROR_MISMATCH);
  }

  /* Mail from one address, calendar claiming another sender. */
  {
    g_autoptr(GMimeMessage) message = build (invitation);
    InternetAddressList *from = g_mime_message_get_from (message);

    internet_address_list_clear (from);
    g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, "Mallory", "mallory@attacker.test");
    assert_message_error (message, CNV_INVITATION_ERROR_MISMATCH);
  }

  /* A malformed session header. */
  {
    g_autoptr(GMimeMessage) message = build (invitation);

    g_mime_object_set_header (GMIME_OBJECT (message), "X-Convene-Session", "../../etc", NULL);
    assert_message_error (message, CNV_INVITATION_ERROR_INVALID);
  }

  /* No type. */
  {
    g_autoptr(GMimeMessage) message = build (invitation);

    g_mime_object_remove_header (GMIME_OBJECT (message), "X-Convene-Type");
    assert_message_error (message, CNV_INVITATION_ERROR_INVALID);
  }
}

/* An invitation-shaped message around a calendar that cnv_ical_write() made from @event. */
static GMimeMessage *
message_with_event (const CnvEvent *event)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *calendar = cnv_ical_write (event, &error);
  GMimeMessage *message = g_mime_message_new (TRUE);
  g_autoptr(GMimeTextPart) part = g_mime_text_part_new_with_subtype ("calendar");

  g_assert_no_error (error);
  g_mime_text_part_set_text (part, calendar);
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "method", event->method);
  g_mime_message_set_mime_part (message, GMIME_OBJECT (part));
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, "Convene", MANAGER);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, NULL, "bob@example.test");
  g_mime_message_set_subject (message, "Invitation: Plan [cnv:" SESSION_ID "]", NULL);
  g_mime_object_set_header (GMIME_OBJECT (message), "X-Convene-Session", SESSION_ID, NULL);
  g_mime_object_set_header (GMIME_OBJECT (message), "X-Convene-Type", "videoconference", NULL);
  return message;
}

static CnvEvent *
make_event (const char *link)
{
  CnvEvent *event = cnv_event_new ();

  event->method = g_strdup ("REQUEST");
  event->uid = g_strdup (UID);
  event->start = g_date_time_new_utc (2026, 12, 1, 13, 0, 0);
  event->end = g_date_time_new_utc (2026, 12, 1, 14, 0, 0);
  event->url = g_strdup (link);
  return event;
}

static void
test_parse_links (void)
{
  struct {
    const char *link;
    int code;
  } bad[] = {
    { "ftp://join.example.test/s/" SESSION_ID "?t=" TOKEN, CNV_INVITATION_ERROR_INVALID },
    { "javascript:alert(1)", CNV_INVITATION_ERROR_INVALID },
    { "https:///s/" SESSION_ID "?t=" TOKEN, CNV_INVITATION_ERROR_INVALID },
    { "https://user@join.example.test/s/" SESSION_ID "?t=" TOKEN, CNV_INVITATION_ERROR_INVALID },
    { "https://join.example.test/x/" SESSION_ID "?t=" TOKEN, CNV_INVITATION_ERROR_INVALID },
    { "https://join.example.test/s/" SESSION_ID, CNV_INVITATION_ERROR_INVALID },
    { "https://join.example.test/s/" SESSION_ID "?t=a<b", CNV_INVITATION_ERROR_INVALID },
    { "https://join.example.test/s/" SESSION_ID "?t=%00", CNV_INVITATION_ERROR_INVALID },
    { "https://join.example.test/s/other-session?t=" TOKEN, CNV_INVITATION_ERROR_MISMATCH },
    { NULL, CNV_INVITATION_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(CnvEvent) event = make_event (bad[i].link);
      g_autoptr(GMimeMessage) message = message_with_event (event);

      g_test_message ("link: %s", bad[i].link != NULL ? bad[i].link : "(none)");
      assert_message_error (message, bad[i].code);
    }

  /* No URL: the CONFERENCE, else the LOCATION, is the link. */
  {
    g_autoptr(CnvEvent) event = make_event (NULL);
    g_autoptr(GMimeMessage) message = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(CnvInvitation) parsed = NULL;

    event->location = g_strdup ("https://join.example.test/s/" SESSION_ID "?t=from-location");
    message = message_with_event (event);
    bytes = serialize (message);
    parsed = parse_bytes (bytes);
    g_assert_cmpstr (cnv_invitation_get_credential (parsed), ==, "from-location");
    /* No SUMMARY: the title is the subject's, without prefix and tag. */
    g_assert_cmpstr (cnv_invitation_get_title (parsed), ==, "Plan");
    /* No SENT-BY: the manager is the sender. */
    g_assert_cmpstr (cnv_invitation_get_manager_address (parsed), ==, MANAGER);
  }
  {
    g_autoptr(CnvEvent) event = make_event (NULL);
    g_autoptr(GMimeMessage) message = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(CnvInvitation) parsed = NULL;

    event->location = g_strdup ("Room 4");
    event->conference = g_strdup ("https://join.example.test/s/" SESSION_ID "?t=from-conference");
    message = message_with_event (event);
    bytes = serialize (message);
    parsed = parse_bytes (bytes);
    g_assert_cmpstr (cnv_invitation_get_credential (parsed), ==, "from-conference");
  }
}

static void
test_parse_calendar_errors (void)
{
  /* METHOD:PUBLISH is no invitation of ours. */
  {
    g_autoptr(CnvEvent) event = make_event (LINK);
    g_autoptr(GMimeMessage) message = NULL;

    g_free (event->method);
    event->method = g_strdup ("PUBLISH");
    message = message_with_event (event);
    assert_message_error (message, CNV_INVITATION_ERROR_INVALID);
  }

  /* An unreadable calendar part. */
  {
    g_autoptr(CnvInvitation) invitation = make_invitation ();
    g_autoptr(GMimeMessage) message = build (invitation);
    GMimePart *part = find_part (g_mime_message_get_mime_part (message), "text", "calendar");
    g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer ("BEGIN:VCALENDAR\r\ngarbage", 24);
    g_autoptr(GMimeDataWrapper) content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);

    g_mime_part_set_content (part, content);
    assert_message_error (message, CNV_INVITATION_ERROR_INVALID);
  }
}

static void
test_parse_garbage (void)
{
  static const char binary[] = "\0\xff\xfe\r\n\r\n\0BEGIN:VCALENDAR";
  const char *headers_only = "X-Convene-Session: abc\r\nX-Convene-Type: videoconference\r\n";
  const char *broken =
    "X-Convene-Session: abc\r\n"
    "X-Convene-Type: videoconference\r\n"
    "Content-Type: multipart/alternative; boundary=\"b\"\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/calendar; method=REQUEST\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "!!!! not base64 !!!!\r\n";
  g_autofree char *huge = NULL;
  GString *deep = g_string_new ("X-Convene-Session: abc\r\nX-Convene-Type: t\r\n");
  guint seed = 1;

  assert_parse_error ("", 0, CNV_INVITATION_ERROR_NOT_AN_INVITATION);
  assert_parse_error (binary, sizeof binary - 1, CNV_INVITATION_ERROR_NOT_AN_INVITATION);
  assert_parse_error (headers_only, strlen (headers_only), CNV_INVITATION_ERROR_NOT_AN_INVITATION);
  assert_parse_error (broken, strlen (broken), CNV_INVITATION_ERROR_INVALID);

  /* Too large to be an invitation: refused before parsing. */
  huge = g_malloc (9 * 1024 * 1024);
  memset (huge, 'a', 9 * 1024 * 1024);
  assert_parse_error (huge, 9 * 1024 * 1024, CNV_INVITATION_ERROR_INVALID);

  /* Multiparts nested 200 deep: the walk gives up, nothing overflows. */
  for (guint i = 0; i < 200; i++)
    g_string_append_printf (deep, "%sContent-Type: multipart/mixed; boundary=\"b%u\"\r\n\r\n--b%u\r\n",
                            i == 0 ? "" : "", i, i);
  g_string_append (deep, "Content-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\n");
  assert_parse_error (deep->str, deep->len, CNV_INVITATION_ERROR_NOT_AN_INVITATION);
  g_string_free (deep, TRUE);

  /* Random bytes behind a valid header: an error, never a crash. */
  for (guint round = 0; round < 200; round++)
    {
      GString *noise = g_string_new ("X-Convene-Session: abc\r\nX-Convene-Type: t\r\n"
                                     "Content-Type: text/calendar; method=REQUEST\r\n\r\n");
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvInvitation) invitation = NULL;

      for (guint i = 0; i < 512; i++)
        {
          seed = seed * 1103515245 + 12345;
          g_string_append_c (noise, (char) ((seed >> 16) & 0xff));
        }
      invitation = cnv_invitation_parse_data (noise->str, noise->len, &error);
      g_assert_null (invitation);
      g_assert_nonnull (error);
      g_string_free (noise, TRUE);
    }
}

/* The fuzz crasher tests/fuzz/crashers/invitation/empty-calendar-part.eml, and its kin: a calendar
 * part with no content at all is an invalid invitation, with an error that says so. */
static void
test_parse_empty_calendar (void)
{
  static const char * const messages[] = {
    "X-Convene-Session:d\nX-Convene-Type:1\nContent-Type:application/ics",
    "X-Convene-Session: d\r\nX-Convene-Type: t\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n",
    "X-Convene-Session: d\r\nX-Convene-Type: t\r\n"
    "Content-Type: text/calendar; method=REQUEST; charset=iso-8859-1\r\n\r\n",
    "X-Convene-Session: d\r\nX-Convene-Type: t\r\nContent-Type: text/calendar\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n====\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    assert_parse_error (messages[i], strlen (messages[i]), CNV_INVITATION_ERROR_INVALID);
}

static void
test_non_utf8_calendar (void)
{
  g_autoptr(CnvEvent) event = make_event (LINK);
  g_autoptr(GError) error = NULL;
  g_autofree char *calendar = NULL;
  g_autofree char *latin1 = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeDataWrapper) content = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CnvInvitation) parsed = NULL;
  GMimePart *part;
  gsize len;

  event->summary = g_strdup ("Café");
  message = message_with_event (event);
  calendar = cnv_ical_write (event, &error);
  g_assert_no_error (error);

  /* A calendar in ISO-8859-1, as it says in its charset parameter. */
  latin1 = g_convert (calendar, -1, "ISO-8859-1", "UTF-8", NULL, &len, &error);
  g_assert_no_error (error);
  part = find_part (g_mime_message_get_mime_part (message), "text", "calendar");
  stream = g_mime_stream_mem_new_with_buffer (latin1, len);
  content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, content);
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "charset", "iso-8859-1");
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);

  bytes = serialize (message);
  parsed = parse_bytes (bytes);
  g_assert_cmpstr (cnv_invitation_get_title (parsed), ==, "Café");
}

/* Fixtures ---------------------------------------------------------------------------------- */

static char *
fixture_path (const char *name)
{
  return g_build_filename (CNV_TEST_DATA_DIR, "invitations", name, NULL);
}

static void
regenerate_fixtures (void)
{
  g_autoptr(CnvInvitation) invitation = make_invitation ();
  g_autoptr(CnvAddress) dan = address ("Dan O'Brien", "dan@example.test");
  g_autofree char *dir = g_build_filename (CNV_TEST_DATA_DIR, "invitations", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  cnv_invitation_add_participant (invitation, dan);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GMimeMessage) message = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *path = fixture_path (i == 0 ? "invitation-request.eml" : "invitation-cancel.eml");

      if (i == 1)
        {
          g_autoptr(GDateTime) stamp = g_date_time_new_utc (2026, 11, 25, 17, 40, 0);

          cnv_invitation_set_method (invitation, CNV_INVITATION_METHOD_CANCEL);
          cnv_invitation_set_sequence (invitation, 2);
          cnv_invitation_set_stamp (invitation, stamp);
        }
      message = build (invitation);
      bytes = serialize (message);
      g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                          g_bytes_get_size (bytes), &error));
      g_assert_no_error (error);
      g_print ("# wrote %s\n", path);
    }
}

static CnvInvitation *
parse_fixture (const char *name)
{
  g_autofree char *path = fixture_path (name);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  CnvInvitation *invitation;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  /* Stored as sent: CRLF line ends. */
  g_assert_nonnull (strstr (data, "\r\nX-Convene-Session: " SESSION_ID "\r\n"));

  invitation = cnv_invitation_parse_data (data, len, &error);
  g_assert_no_error (error);
  return invitation;
}

static void
assert_fixture_fields (CnvInvitation *invitation)
{
  g_autoptr(GDateTime) start = g_date_time_new_utc (2026, 12, 1, 13, 0, 0);
  g_autoptr(GDateTime) end = g_date_time_new_utc (2026, 12, 1, 14, 30, 0);
  GPtrArray *participants = cnv_invitation_get_participants (invitation);
  const CnvAddress *dan;

  g_assert_cmpstr (cnv_invitation_get_session_id (invitation), ==, SESSION_ID);
  g_assert_cmpstr (cnv_invitation_get_session_type (invitation), ==, "videoconference");
  g_assert_cmpstr (cnv_invitation_get_uid (invitation), ==, UID);
  g_assert_cmpstr (cnv_invitation_get_title (invitation), ==, "Weekly sync");
  assert_same_time (cnv_invitation_get_start (invitation), start);
  assert_same_time (cnv_invitation_get_end (invitation), end);
  g_assert_cmpstr (cnv_invitation_get_link (invitation), ==, LINK);
  g_assert_cmpstr (cnv_invitation_get_credential (invitation), ==, TOKEN);
  g_assert_cmpstr (cnv_invitation_get_organizer (invitation)->address, ==, "alice@example.test");
  g_assert_cmpstr (cnv_invitation_get_organizer (invitation)->name, ==, "Alice Example");
  g_assert_cmpstr (cnv_invitation_get_manager_address (invitation), ==, MANAGER);
  g_assert_cmpstr (cnv_invitation_get_recipient (invitation)->address, ==, "bob@example.test");
  g_assert_cmpstr (cnv_invitation_get_in_reply_to (invitation), ==, REQUEST_ID);
  g_assert_nonnull (cnv_invitation_get_message_id (invitation));
  g_assert_cmpuint (participants->len, ==, 4);
  dan = g_ptr_array_index (participants, 3);
  g_assert_cmpstr (dan->name, ==, "Dan O'Brien");
}

static void
test_fixtures (void)
{
  g_autoptr(CnvInvitation) request = NULL;
  g_autoptr(CnvInvitation) cancel = NULL;
  g_autoptr(GDateTime) request_stamp = g_date_time_new_utc (2026, 11, 20, 9, 15, 0);
  g_autoptr(GDateTime) cancel_stamp = g_date_time_new_utc (2026, 11, 25, 17, 40, 0);

  request = parse_fixture ("invitation-request.eml");
  assert_fixture_fields (request);
  g_assert_cmpint (cnv_invitation_get_method (request), ==, CNV_INVITATION_METHOD_REQUEST);
  g_assert_cmpint (cnv_invitation_get_sequence (request), ==, 1);
  assert_same_time (cnv_invitation_get_stamp (request), request_stamp);

  cancel = parse_fixture ("invitation-cancel.eml");
  assert_fixture_fields (cancel);
  g_assert_cmpint (cnv_invitation_get_method (cancel), ==, CNV_INVITATION_METHOD_CANCEL);
  g_assert_cmpint (cnv_invitation_get_sequence (cancel), ==, 2);
  assert_same_time (cnv_invitation_get_stamp (cancel), cancel_stamp);
  /* The same event: calendars replace it (RFC 5546 §2.1.5). */
  g_assert_cmpstr (cnv_invitation_get_uid (cancel), ==, cnv_invitation_get_uid (request));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  if (g_strcmp0 (g_getenv ("CNV_REGENERATE_FIXTURES"), "1") == 0)
    regenerate_fixtures ();

  g_test_add_func ("/engine/invitation/session-id", test_session_id);
  g_test_add_func ("/engine/invitation/link-credential", test_link_credential);
  g_test_add_func ("/engine/invitation/build/headers", test_build_headers);
  g_test_add_func ("/engine/invitation/build/text", test_build_text);
  g_test_add_func ("/engine/invitation/build/calendar", test_build_calendar);
  g_test_add_func ("/engine/invitation/build/invalid", test_build_invalid);
  g_test_add_func ("/engine/invitation/build/empty-title", test_empty_title);
  g_test_add_func ("/engine/invitation/build/injection", test_injection);
  g_test_add_func ("/engine/invitation/round-trip", test_round_trip);
  g_test_add_func ("/engine/invitation/round-trip/unicode", test_round_trip_unicode);
  g_test_add_func ("/engine/invitation/round-trip/cancel", test_cancel);
  g_test_add_func ("/engine/invitation/parse/not-invitation", test_parse_not_invitation);
  g_test_add_func ("/engine/invitation/parse/mismatch", test_parse_mismatch);
  g_test_add_func ("/engine/invitation/parse/links", test_parse_links);
  g_test_add_func ("/engine/invitation/parse/calendar-errors", test_parse_calendar_errors);
  g_test_add_func ("/engine/invitation/parse/garbage", test_parse_garbage);
  g_test_add_func ("/engine/invitation/parse/empty-calendar", test_parse_empty_calendar);
  g_test_add_func ("/engine/invitation/parse/charset", test_non_utf8_calendar);
  g_test_add_func ("/engine/invitation/fixtures", test_fixtures);

  return g_test_run ();
}
