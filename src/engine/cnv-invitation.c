/* cnv-invitation.c — the invitation mail of Fig 5 (E514–E515): built by the manager, one per
 * participant, and parsed by the app's watcher
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-invitation"

#include "config.h"

#include <string.h>

#include "cnv-engine.h"
#include "cnv-ical.h"
#include "cnv-invitation.h"
#include "cnv-mime.h"

/* Used when the request had no subject, in the mail and in calendars. */
#define DEFAULT_TITLE "Collaboration session"

/* An invitation is a few KiB; anything much larger is not one of ours. */
#define MAX_MESSAGE_SIZE (8 * 1024 * 1024)
#define MAX_MIME_DEPTH 8
#define MAX_MIME_PARTS 64
#define MAX_SESSION_ID 64
#define MAX_SESSION_TYPE 64
#define MAX_LINK 2048
#define MAX_CREDENTIAL 512
#define MAX_MESSAGE_ID 512

/* The seed's words (E514), and the tag by which replies to this mail are recognised. */
#define SEED_SENTENCE "A collaboration session has been created, click on the following link to join it:"
#define REQUEST_SUBJECT_PREFIX "Invitation: "
#define CANCEL_SUBJECT_PREFIX "Cancelled: "

struct _CnvInvitation
{
  GObject              parent_instance;

  /* Owned */
  char                *session_id;
  char                *session_type;
  char                *uid;
  char                *title;
  GDateTime           *start;
  GDateTime           *end;
  char                *link;
  char                *credential;
  CnvAddress          *organizer;
  char                *manager_address;
  CnvAddress          *recipient;
  GPtrArray           *participants;
  char                *in_reply_to;
  char                *message_id;
  GDateTime           *stamp;

  CnvInvitationMethod  method;
  int                  sequence;
};

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
static gboolean
session_type_is_valid (const char *session_type)
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
static gboolean
message_id_is_valid (const char *message_id)
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
static gboolean
uid_is_valid (const char *uid)
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
 * One line of text from user input, made safe for a header, a calendar and a page: invalid UTF-8
 * repaired, control and line-separator characters (CR, LF: header injection) turned into spaces,
 * runs of white space folded, the ends trimmed. %NULL when nothing is left.
 */
static char *
sanitize_line (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;
  gboolean space = FALSE;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || g_unichar_isspace (c) || c == 0x2028 || c == 0x2029)
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_unichar (out, c);
    }

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/*
 * A copy of @address that is safe in a header, a calendar and a page whatever the caller put in
 * the struct: the name sanitised (cnv_address_sanitize_name()), the address normalised when it
 * can be. An address that cannot be is kept as given, for cnv_invitation_build() to refuse.
 */
static CnvAddress *
copy_address (const CnvAddress *address)
{
  CnvAddress *copy = g_new0 (CnvAddress, 1);

  copy->name = cnv_address_sanitize_name (address->name);
  copy->address = cnv_address_normalize (address->address != NULL ? address->address : "", NULL);
  if (copy->address == NULL)
    copy->address = g_strdup (address->address != NULL ? address->address : "");
  return copy;
}

static gboolean
address_is_normalized (const CnvAddress *address)
{
  g_autofree char *normalized = cnv_address_normalize (address->address, NULL);

  return normalized != NULL && strcmp (normalized, address->address) == 0;
}

/*
 * Checks the personal link: an absolute http(s) URL whose path ends in `/s/ID`, with the
 * credential as its `t` query parameter. Only characters that need no escaping anywhere (header,
 * HTML attribute, calendar) are accepted. Either output may be %NULL.
 */
static gboolean
parse_link (const char  *link,
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

/* Build ------------------------------------------------------------------------------------- */

static gboolean
invalid (GError     **error,
         const char  *message)
{
  g_set_error_literal (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_INVALID, message);
  return FALSE;
}

static gboolean
check_for_build (CnvInvitation  *self,
                 GError        **error)
{
  g_autofree char *link_session_id = NULL;
  g_autofree char *credential = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!cnv_session_id_is_valid (self->session_id))
    return invalid (error, "The session id is missing or not 1–64 characters of A–Z, a–z, 0–9, _ and -");
  if (!session_type_is_valid (self->session_type))
    return invalid (error, "The session type is missing or malformed");
  if (!uid_is_valid (self->uid))
    return invalid (error, "The session’s calendar UID is missing or holds control characters");
  if (self->sequence < 0)
    return invalid (error, "The SEQUENCE is negative");
  if (self->recipient == NULL)
    return invalid (error, "The invitation has no recipient");
  if (!address_is_normalized (self->recipient))
    return invalid (error, "The recipient’s address is not an e-mail address");
  if (self->organizer == NULL)
    return invalid (error, "The invitation has no organizer (the initiator)");
  if (!address_is_normalized (self->organizer))
    return invalid (error, "The organizer’s address is not an e-mail address");
  for (guint i = 0; i < self->participants->len; i++)
    if (!address_is_normalized (g_ptr_array_index (self->participants, i)))
      return invalid (error, "A participant’s address is not an e-mail address");
  if (self->manager_address == NULL)
    return invalid (error, "The invitation has no manager address");
  {
    g_autofree char *normalized = cnv_address_normalize (self->manager_address, NULL);

    if (g_strcmp0 (normalized, self->manager_address) != 0)
      return invalid (error, "The manager address is not an e-mail address");
  }
  if (self->start == NULL || self->end == NULL)
    return invalid (error, "The session has no start or no end");
  if (g_date_time_compare (self->start, self->end) >= 0)
    return invalid (error, "The session ends before it starts");
  if (self->in_reply_to != NULL && !message_id_is_valid (self->in_reply_to))
    return invalid (error, "The request’s Message-ID (In-Reply-To) is malformed");

  if (self->link == NULL)
    return invalid (error, "The invitation has no link");
  if (!parse_link (self->link, &link_session_id, &credential, &local_error))
    return invalid (error, local_error->message);
  if (g_strcmp0 (link_session_id, self->session_id) != 0)
    return invalid (error, "The link is not the link of this session");
  if (credential == NULL)
    return invalid (error, "The link carries no access code (t=…)");

  return TRUE;
}

static const char *
get_effective_title (CnvInvitation *self,
                     char         **storage)
{
  *storage = sanitize_line (self->title);
  return *storage != NULL ? *storage : DEFAULT_TITLE;
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

/*
 * A text part in UTF-8, whatever the content. Text for people has LF line ends (serialised as
 * CRLF with GMIME_NEWLINE_FORMAT_DOS) and is 7bit when it can be, else quoted-printable. The
 * calendar keeps the CRLF that RFC 5545 §3.1 requires even inside an encoding, so it is 7bit or
 * base64: quoted-printable would turn each CR into `=0D`.
 */
static GMimePart *
new_text_part (const char *subtype,
               const char *text,
               gboolean    keep_crlf)
{
  GMimePart *part = g_mime_part_new_with_type ("text", subtype);
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (text, strlen (text));
  g_autoptr(GMimeDataWrapper) content = NULL;
  GMimeContentEncoding encoding;

  content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, content);
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "charset", "utf-8");

  /* gmime answers DEFAULT when the text needs no encoding at all. */
  encoding = g_mime_part_get_best_content_encoding (part, GMIME_ENCODING_CONSTRAINT_7BIT);
  if (encoding == GMIME_CONTENT_ENCODING_DEFAULT || encoding == GMIME_CONTENT_ENCODING_7BIT)
    encoding = GMIME_CONTENT_ENCODING_7BIT;
  else
    encoding = keep_crlf ? GMIME_CONTENT_ENCODING_BASE64 : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
  g_mime_part_set_content_encoding (part, encoding);

  return part;
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

  part = new_text_part ("calendar", calendar, TRUE);
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
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, from_name, self->manager_address);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO,
                              self->recipient->name, self->recipient->address);

  subject = g_strdup_printf ("%s%s [cnv:%s]",
                             self->method == CNV_INVITATION_METHOD_CANCEL ? CANCEL_SUBJECT_PREFIX
                                                                          : REQUEST_SUBJECT_PREFIX,
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
  plain = new_text_part ("plain", text, FALSE);
  html = new_text_part ("html", markup, FALSE);

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

/* Parse ------------------------------------------------------------------------------------- */

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
parse_method (const char           *text,
              CnvInvitationMethod  *out_method)
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
  g_autofree char *line = sanitize_line (subject);
  g_autofree char *tag = g_strdup_printf (" [cnv:%s]", session_id);
  const char *start;
  gsize len;

  if (line == NULL)
    return NULL;

  start = line;
  if (g_str_has_prefix (start, REQUEST_SUBJECT_PREFIX))
    start += strlen (REQUEST_SUBJECT_PREFIX);
  else if (g_str_has_prefix (start, CANCEL_SUBJECT_PREFIX))
    start += strlen (CANCEL_SUBJECT_PREFIX);

  len = strlen (start);
  if (g_str_has_suffix (start, tag))
    len -= strlen (tag);

  return len > 0 ? g_strndup (start, len) : NULL;
}

static CnvAddress *
first_address (InternetAddressList *list)
{
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
    return invalid (error, "The X-Convene-Session header is not a session id");

  if (!get_single_header (GMIME_OBJECT (message), "X-Convene-Type", &session_type, error))
    return FALSE;
  if (!session_type_is_valid (session_type))
    return invalid (error, "The X-Convene-Type header is missing or malformed");

  in_reply_to = g_mime_object_get_header (GMIME_OBJECT (message), "In-Reply-To");
  if (in_reply_to != NULL)
    {
      g_autofree char *decoded = g_mime_utils_decode_message_id (in_reply_to);

      if (message_id_is_valid (decoded))
        self->in_reply_to = g_steal_pointer (&decoded);
    }

  message_id = g_mime_message_get_message_id (message);
  if (message_id_is_valid (message_id))
    self->message_id = g_strdup (message_id);

  self->session_id = g_steal_pointer (&session_id);
  self->session_type = g_steal_pointer (&session_type);
  self->recipient = first_address (g_mime_message_get_to (message));

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
    return invalid (error, "The calendar event has no UID");
  if (event->start == NULL || event->end == NULL)
    return invalid (error, "The calendar event has no start or no end");
  if (g_date_time_compare (event->start, event->end) >= 0)
    return invalid (error, "The calendar event ends before it starts");

  link = event->url != NULL ? event->url : event->conference != NULL ? event->conference
                                                                     : event->location;
  if (link == NULL && self->method == CNV_INVITATION_METHOD_REQUEST)
    return invalid (error, "The invitation has no link (URL, CONFERENCE or LOCATION)");
  if (link != NULL)
    {
      if (!parse_link (link, &link_session_id, &credential, &local_error))
        return invalid (error, local_error->message);
      if (strcmp (link_session_id, self->session_id) != 0)
        {
          g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_MISMATCH,
                       "The link is for session %s, the X-Convene-Session header says %s",
                       link_session_id, self->session_id);
          return FALSE;
        }
      if (credential == NULL && self->method == CNV_INVITATION_METHOD_REQUEST)
        return invalid (error, "The link carries no access code (t=…)");
    }

  /* The manager address is who sent the mail; the calendar's SENT-BY must say the same, or
   * anyone could name a trusted manager in a calendar sent from elsewhere. */
  from = first_address (g_mime_message_get_from (message));
  if (from != NULL && event->sent_by != NULL && strcmp (from->address, event->sent_by) != 0)
    {
      g_set_error (error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_MISMATCH,
                   "The mail is from %s but the calendar says it was sent by %s",
                   from->address, event->sent_by);
      return FALSE;
    }
  if (from == NULL && event->sent_by == NULL)
    return invalid (error, "The invitation names no manager address (From, SENT-BY)");

  self->uid = g_strdup (event->uid);
  self->sequence = event->sequence;
  self->start = g_date_time_ref (event->start);
  self->end = g_date_time_ref (event->end);
  self->link = g_strdup (link);
  self->credential = g_steal_pointer (&credential);
  self->organizer = event->organizer != NULL ? copy_address (event->organizer) : NULL;
  self->manager_address = g_strdup (event->sent_by != NULL ? event->sent_by : from->address);
  for (guint i = 0; i < event->attendees->len; i++)
    cnv_invitation_add_participant (self, g_ptr_array_index (event->attendees, i));

  self->title = sanitize_line (event->summary);
  if (self->title == NULL)
    self->title = title_from_subject (g_mime_message_get_subject (message), self->session_id);
  if (self->title == NULL)
    self->title = g_strdup (DEFAULT_TITLE);

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
      invalid (error, "The calendar has no METHOD");
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
      g_autofree char *shown = sanitize_line (event->method != NULL ? event->method : type_method);

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
    parse_link (link, NULL, &self->credential, NULL);
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
  CnvAddress *copy = organizer != NULL ? copy_address (organizer) : NULL;

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
  CnvAddress *copy = recipient != NULL ? copy_address (recipient) : NULL;

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

  copy = copy_address (participant);
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
