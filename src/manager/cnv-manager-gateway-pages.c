/* cnv-manager-gateway-pages.c — what the join gateway answers: content negotiation (which of
 * HTML and JSON the client prefers, RFC 9110 §12.5.1), the HTML pages and the JSON documents
 *
 * cnv-manager-gateway.c decides the answer (its header comment lists them all); this file writes
 * it. The pages are small HTML5 documents with no JavaScript and no external resource (the
 * Content-Security-Policy forbids both); every text that comes from a request or a session is
 * escaped. The JSON answers are `{"state":…,"start":…,"end":…,"title":…}` (and "url" for an active
 * session) or `{"error":…}`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-gateway"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "cnv-manager-gateway-private.h"

/* Content negotiation ------------------------------------------------------------------------ */

/* RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths;
 * -1 when @text is not one. */
static int
parse_qvalue (const char *text)
{
  int value;
  int digits = 0;

  if (text == NULL || (text[0] != '0' && text[0] != '1'))
    return -1;
  value = (text[0] - '0') * 1000;
  text++;
  if (*text == '.')
    {
      int scale = 100;

      for (text++; g_ascii_isdigit (*text) && digits < 3; text++, digits++, scale /= 10)
        value += (*text - '0') * scale;
    }
  if (*text != '\0' || value > 1000)
    return -1;
  return value;
}

/* How specifically @range names @type/@subtype: 2 for "type/subtype", 1 for "type/" and an
 * asterisk, 0 for the all-types wildcard, -1 when it does not match. */
static int
range_specificity (const char *range,
                   const char *type,
                   const char *subtype)
{
  const char *slash = strchr (range, '/');
  gsize type_len;

  if (slash == NULL)
    return -1;
  type_len = slash - range;
  if (type_len == 1 && range[0] == '*' && strcmp (slash + 1, "*") == 0)
    return 0;
  if (type_len != strlen (type) || g_ascii_strncasecmp (range, type, type_len) != 0)
    return -1;
  if (strcmp (slash + 1, "*") == 0)
    return 1;
  return g_ascii_strcasecmp (slash + 1, subtype) == 0 ? 2 : -1;
}

typedef struct
{
  int specificity;  /* of the range that set quality; -1 when none matched */
  int quality;      /* thousandths */
} Preference;

static void
prefer (Preference *preference,
        const char *range,
        const char *type,
        const char *subtype,
        int         quality)
{
  int specificity = range_specificity (range, type, subtype);

  /* RFC 9110 §12.5.1: the most specific range that matches gives the type its weight. */
  if (specificity > preference->specificity)
    {
      preference->specificity = specificity;
      preference->quality = quality;
    }
}

/* Whether the client prefers application/json to text/html (RFC 9110 §12.5.1). A range with an
 * invalid weight is ignored. At equal weight, JSON wins when the client named it at least as
 * specifically as HTML; the all-types wildcard alone (what curl sends) gets HTML. */
gboolean
cnv_gateway_prefers_json (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *accept = soup_message_headers_get_list (headers, "Accept");
  Preference json = { -1, 0 };
  Preference html = { -1, 0 };
  GSList *ranges;

  if (accept == NULL)
    return FALSE;

  ranges = soup_header_parse_list (accept);
  for (GSList *l = ranges; l != NULL; l = l->next)
    {
      const char *element = l->data;
      const char *semicolon = strchr (element, ';');
      g_autofree char *range = g_strstrip (g_strndup (element, semicolon != NULL
                                                              ? (gsize) (semicolon - element)
                                                              : strlen (element)));
      int quality = 1000;

      if (semicolon != NULL)
        {
          g_autoptr(GHashTable) parameters = soup_header_parse_semi_param_list (semicolon + 1);

          if (g_hash_table_contains (parameters, "q"))
            quality = parse_qvalue (g_hash_table_lookup (parameters, "q"));
        }
      if (quality < 0)
        continue;
      prefer (&json, range, "application", "json", quality);
      prefer (&html, range, "text", "html", quality);
    }
  soup_header_free_list (ranges);

  if (json.specificity < 0 || json.quality == 0)
    return FALSE;
  if (html.specificity < 0 || json.quality > html.quality)
    return TRUE;
  return json.quality == html.quality && json.specificity > 0 &&
         json.specificity >= html.specificity;
}

/* Pages -------------------------------------------------------------------------------------- */

static const char page_template[] =
  "<!DOCTYPE html>\n"
  "<html lang=\"en\">\n"
  "<head>\n"
  "<meta charset=\"utf-8\">\n"
  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
  "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
  "<title>%s</title>\n"
  "<style>body{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em;"
  "line-height:1.5}</style>\n"
  "</head>\n"
  "<body>\n"
  "<h1>%s</h1>\n"
  "%s"
  "</body>\n"
  "</html>\n";

/* @heading is HTML-escaped here; @content is HTML. */
static char *
build_page (const char *heading,
            const char *content)
{
  g_autofree char *escaped = g_markup_escape_text (heading, -1);

  return g_strdup_printf (page_template, escaped, escaped, content);
}

static const char * const weekday_names[] = {
  "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
};
static const char * const month_names[] = {
  "January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December",
};

/* RFC 3339 §5.6 in UTC, e.g. 2026-12-01T13:00:00Z; NULL when out of GDateTime's range. */
static char *
format_rfc3339 (gint64 when)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (when);

  return utc != NULL ? g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

/* A <time> element: English words (the page is lang="en", whatever the daemon's locale) in the
 * gateway's zone, named, and the machine-readable UTC time. */
static char *
format_time_html (GTimeZone *zone,
                  gint64     when)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (when);
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *rfc3339 = NULL;
  g_autofree char *zone_name = NULL;
  g_autofree char *escaped_zone = NULL;
  const char *abbreviation;
  const char *identifier;

  if (utc == NULL)
    return g_strdup ("an unknown time");
  local = g_date_time_to_timezone (utc, zone);
  rfc3339 = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
  abbreviation = g_date_time_get_timezone_abbreviation (local);
  identifier = g_time_zone_get_identifier (zone);
  if (g_strcmp0 (abbreviation, identifier) == 0)
    zone_name = g_strdup (abbreviation);
  else
    zone_name = g_strdup_printf ("%s (%s)", abbreviation, identifier);
  escaped_zone = g_markup_escape_text (zone_name, -1);

  return g_strdup_printf ("<time datetime=\"%s\">%s %d %s %d, %02d:%02d %s</time>", rfc3339,
                          weekday_names[g_date_time_get_day_of_week (local) - 1],
                          g_date_time_get_day_of_month (local),
                          month_names[g_date_time_get_month (local) - 1],
                          g_date_time_get_year (local), g_date_time_get_hour (local),
                          g_date_time_get_minute (local), escaped_zone);
}

/* Responses ---------------------------------------------------------------------------------- */

static void
set_body (SoupServerMessage *msg,
          guint              status,
          gboolean           json,
          char              *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg,
                                    json ? "application/json" : "text/html; charset=utf-8",
                                    SOUP_MEMORY_TAKE, body, strlen (body));
}

/* An answer that says nothing of any session. */
void
cnv_gateway_respond_plain (SoupServerMessage *msg,
                           guint              status,
                           gboolean           json,
                           const char        *error_name,
                           const char        *heading,
                           const char        *text)
{
  if (json)
    {
      set_body (msg, status, TRUE, g_strdup_printf ("{\"error\":\"%s\"}", error_name));
    }
  else
    {
      g_autofree char *content = g_strdup_printf ("<p>%s</p>\n", text);

      set_body (msg, status, FALSE, build_page (heading, content));
    }
}

void
cnv_gateway_respond_forbidden (SoupServerMessage *msg,
                               gboolean           json)
{
  cnv_gateway_respond_plain (msg, SOUP_STATUS_FORBIDDEN, json, "forbidden",
                             "This link does not work",
                             "This link does not open a session. Check that you opened the "
                             "whole link from your invitation.");
}

void
cnv_gateway_respond_unavailable (SoupServerMessage *msg,
                                 gboolean           json)
{
  cnv_gateway_respond_plain (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, json, "unavailable",
                             "Service not available",
                             "The session’s service is not available right now. Try again in a "
                             "few minutes.");
}

/* By CnvGatewayOutcome. */
static const char * const outcome_states[] = {
  "scheduled", "scheduled", "active", "ended", "cancelled",
};

static const guint outcome_status[] = {
  SOUP_STATUS_OK, SOUP_STATUS_OK, SOUP_STATUS_SEE_OTHER, SOUP_STATUS_GONE, SOUP_STATUS_GONE,
};

/* The "state" of the JSON answer. */
const char *
cnv_gateway_outcome_state (CnvGatewayOutcome outcome)
{
  g_return_val_if_fail (outcome < G_N_ELEMENTS (outcome_states), NULL);

  return outcome_states[outcome];
}

static void
add_time_member (JsonBuilder *builder,
                 const char  *name,
                 gint64       when)
{
  g_autofree char *text = format_rfc3339 (when);

  json_builder_set_member_name (builder, name);
  if (text != NULL)
    json_builder_add_string_value (builder, text);
  else
    json_builder_add_null_value (builder);
}

static char *
build_session_json (const CnvStoredSession *session,
                    CnvGatewayOutcome       outcome,
                    const char             *url)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, outcome_states[outcome]);
  add_time_member (builder, "start", session->start);
  add_time_member (builder, "end", session->end);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, session->title != NULL ? session->title : "");
  if (url != NULL)
    {
      json_builder_set_member_name (builder, "url");
      json_builder_add_string_value (builder, url);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static char *
build_session_page (GTimeZone              *zone,
                    const CnvStoredSession *session,
                    CnvGatewayOutcome       outcome,
                    gint64                  not_before,
                    const char             *url)
{
  g_autofree char *start = format_time_html (zone, session->start);
  g_autofree char *end = format_time_html (zone, session->end);
  g_autofree char *content = NULL;
  const char *title = session->title != NULL && *session->title != '\0'
                      ? session->title : "Collaboration session";

  switch (outcome)
    {
    case CNV_GATEWAY_OUTCOME_SCHEDULED:
      {
        g_autofree char *from = format_time_html (zone, not_before);

        content = g_strdup_printf ("<p>This session starts on %s and ends on %s.</p>\n"
                                   "<p>You can join it from %s: come back then and open this "
                                   "same link.</p>\n", start, end, from);
      }
      break;
    case CNV_GATEWAY_OUTCOME_OPENING:
      content = g_strdup_printf ("<p>This session starts on %s and ends on %s.</p>\n"
                                 "<p>It is being opened: reload this page in a minute.</p>\n",
                                 start, end);
      break;
    case CNV_GATEWAY_OUTCOME_ACTIVE:
      {
        g_autofree char *href = g_markup_escape_text (url, -1);

        content = g_strdup_printf ("<p>This session is open until %s: "
                                   "<a href=\"%s\">join it</a>.</p>\n", end, href);
      }
      break;
    case CNV_GATEWAY_OUTCOME_ENDED:
      content = g_strdup_printf ("<p>This session has ended. It was planned from %s to %s.</p>\n",
                                 start, end);
      break;
    case CNV_GATEWAY_OUTCOME_CANCELLED:
      content = g_strdup_printf ("<p>This session was cancelled. It was planned from %s to "
                                 "%s.</p>\n", start, end);
      break;
    default:
      g_assert_not_reached ();
    }
  return build_page (title, content);
}

/* @zone: the one the page shows times in; @url: the room's, for an active session only */
void
cnv_gateway_respond_session (SoupServerMessage      *msg,
                             gboolean                json,
                             GTimeZone              *zone,
                             const CnvStoredSession *session,
                             CnvGatewayOutcome       outcome,
                             gint64                  not_before,
                             const char             *url)
{
  char *body;

  if (json)
    body = build_session_json (session, outcome, url);
  else
    body = build_session_page (zone, session, outcome, not_before, url);
  set_body (msg, outcome_status[outcome], json, body);
  if (url != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location", url);
}

void
cnv_gateway_respond_method_not_allowed (SoupServerMessage *msg,
                                        gboolean           json)
{
  cnv_gateway_respond_plain (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, json, "method-not-allowed",
                             "Method not allowed",
                             "This address answers GET and HEAD requests only.");
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                "GET, HEAD");
}

