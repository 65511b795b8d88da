/* cnv-provider-autoconfig.c — reading an autoconfig document (Thunderbird's clientConfig v1.1)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The document comes from the network (https://autoconfig.DOMAIN/…), so it is read as hostile:
 * GMarkup, which knows no DTD and no entity but the five of XML (a "billion laughs" document is an
 * error, not an explosion); a size limit before parsing, a depth limit, a limit on each text and on
 * the number of servers; host names and ports checked before they reach a CnvMailServer.
 *
 * Format: https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat —
 * clientConfig/emailProvider holds displayName, incomingServer (type imap, pop3, exchange…) and
 * outgoingServer (type smtp), each with hostname, port, socketType (plain, SSL, STARTTLS),
 * username (with the placeholders %EMAILADDRESS%, %EMAILLOCALPART%, %EMAILDOMAIN%) and
 * authentication (password-cleartext, OAuth2…). The first emailProvider counts.
 */
#define G_LOG_DOMAIN "cnv-provider"

#include "config.h"

#include <string.h>

#include "cnv-provider.h"

/* The fetch stops at 1 MiB (cnv-provider.c); a real document is a few KiB. */
#define MAX_DOCUMENT (1024 * 1024)
#define MAX_DEPTH 16
#define MAX_TEXT 1024
#define MAX_SERVERS 32
#define MAX_DISPLAY_NAME 128
/* RFC 1035 §2.3.4 */
#define MAX_HOST 253
#define MAX_LABEL 63

typedef struct
{
  char     *hostname;
  char     *port;
  char     *socket_type;
  char     *username;
  gboolean  password_auth;  /* lists password-cleartext, or lists no authentication at all */
  gboolean  any_auth;
} Candidate;

typedef struct
{
  const char *address;
  const char *local_part;
  const char *domain;

  guint       depth;
  guint       provider_count;
  gboolean    in_provider;       /* inside the first emailProvider */
  Candidate  *server;            /* the imap/smtp server being read, else NULL */
  gboolean    server_is_imap;
  guint       n_servers;
  GString    *text;              /* the text of the current element */
  char       *display_name;
  GPtrArray  *imap;              /* Candidate */
  GPtrArray  *smtp;
} ParseState;

static void
candidate_free (Candidate *candidate)
{
  g_free (candidate->hostname);
  g_free (candidate->port);
  g_free (candidate->socket_type);
  g_free (candidate->username);
  g_free (candidate);
}

G_DEFINE_QUARK (cnv-provider-error-quark, cnv_provider_error)

/* Replaces the placeholders of the format in @text. */
static char *
expand_placeholders (const char *text,
                     const char *address,
                     const char *local_part,
                     const char *domain)
{
  static const char * const names[] = { "%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%" };
  const char *values[] = { address, local_part, domain };
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      gboolean replaced = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (names) && !replaced; i++)
        if (g_str_has_prefix (p, names[i]))
          {
            g_string_append (out, values[i]);
            p += strlen (names[i]);
            replaced = TRUE;
          }
      if (!replaced)
        g_string_append_c (out, *p++);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A DNS name (letters, digits, '-', labels of 1..63 bytes), or an IPv4 literal (which is one);
 * nothing that could be a URL, a path or a second argument. */
static gboolean
is_host_name (const char *host)
{
  gsize len = strlen (host);
  gsize label = 0;

  if (len == 0 || len > MAX_HOST || host[0] == '.' || host[0] == '-')
    return FALSE;
  for (const char *p = host; *p != '\0'; p++)
    {
      if (*p == '.')
        {
          if (label == 0 || p[-1] == '-')
            return FALSE;
          label = 0;
          continue;
        }
      if (!g_ascii_isalnum (*p) && *p != '-')
        return FALSE;
      if (++label > MAX_LABEL)
        return FALSE;
    }
  return label > 0 || host[len - 1] == '.';
}

/* 1..65535 in decimal digits only: "0", "99999", "+993", " 993", "0x3e1" are refused. */
static gboolean
parse_port (const char *text,
            guint16    *port)
{
  guint64 value;

  if (text == NULL || *text == '\0' || strlen (text) > 5)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  value = g_ascii_strtoull (text, NULL, 10);
  if (value < 1 || value > G_MAXUINT16)
    return FALSE;
  *port = (guint16) value;
  return TRUE;
}

/* What a text from the document must not bring to the window: controls (C0, DEL, C1), line and
 * paragraph separators, format characters — bidirectional embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) that can make a name read as another (Unicode TR36 §2.4,
 * UTS 39 §3.2), marks (U+200E, U+200F, U+061C), zero-width ones (U+200B–U+200D, U+2060, U+FEFF),
 * the soft hyphen — and unassigned or private-use code points, which render as anything. */
typedef enum
{
  CHAR_KEEP,
  CHAR_SPACE,  /* shown as one space */
  CHAR_DROP,   /* invisible: removed */
} CharClass;

static CharClass
classify_char (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  if (c == ' ')
    return CHAR_KEEP;
  if (type == G_UNICODE_CONTROL || type == G_UNICODE_LINE_SEPARATOR
      || type == G_UNICODE_PARAGRAPH_SEPARATOR || type == G_UNICODE_SPACE_SEPARATOR)
    return CHAR_SPACE;
  if (type == G_UNICODE_FORMAT || type == G_UNICODE_UNASSIGNED || type == G_UNICODE_PRIVATE_USE
      || type == G_UNICODE_SURROGATE)
    return CHAR_DROP;
  return CHAR_KEEP;
}

/* @text (valid UTF-8: GMarkup checked it) as it may be shown: the characters of classify_char()
 * dropped or made spaces, runs of spaces made one, no space at either end; NULL when nothing is
 * left. */
static char *
clean_shown_text (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      switch (classify_char (c))
        {
        case CHAR_DROP:
          break;
        case CHAR_SPACE:
          space = TRUE;
          break;
        case CHAR_KEEP:
        default:
          if (c == ' ')
            space = TRUE;
          else
            {
              if (space && out->len > 0)
                g_string_append_c (out, ' ');
              space = FALSE;
              g_string_append_unichar (out, c);
            }
          break;
        }
    }
  if (out->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Whether @text has none of the characters of classify_char() but the plain space. */
static gboolean
is_clean_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != ' ' && classify_char (c) != CHAR_KEEP)
        return FALSE;
    }
  return TRUE;
}

static void
start_element_cb (GMarkupParseContext  *context,
                  const char           *element_name,
                  const char          **attribute_names,
                  const char          **attribute_values,
                  gpointer              user_data,
                  GError              **error)
{
  ParseState *state = user_data;

  if (++state->depth > MAX_DEPTH)
    {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                   "Elements nested deeper than %u", MAX_DEPTH);
      return;
    }
  g_string_truncate (state->text, 0);

  if (state->depth == 1)
    {
      if (strcmp (element_name, "clientConfig") != 0)
        g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_UNKNOWN_ELEMENT,
                     "The root element is <%s>, not <clientConfig>", element_name);
      return;
    }

  if (state->depth == 2 && strcmp (element_name, "emailProvider") == 0)
    {
      state->in_provider = state->provider_count++ == 0;
      return;
    }

  if (state->depth == 3 && state->in_provider
      && (strcmp (element_name, "incomingServer") == 0
          || strcmp (element_name, "outgoingServer") == 0))
    {
      gboolean incoming = element_name[0] == 'i';
      const char *type = NULL;

      g_markup_collect_attributes (element_name, attribute_names, attribute_values, NULL,
                                   G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "type",
                                   &type, G_MARKUP_COLLECT_INVALID);
      /* Only IMAP in and SMTP out: POP3, Exchange, JMAP… are skipped. */
      if (type == NULL || strcmp (type, incoming ? "imap" : "smtp") != 0)
        return;
      if (++state->n_servers > MAX_SERVERS)
        {
          g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                       "More than %u servers", MAX_SERVERS);
          return;
        }
      state->server = g_new0 (Candidate, 1);
      state->server_is_imap = incoming;
    }
  /* Everything else is read past; its text is never kept. */
}

static char *
take_text (ParseState *state)
{
  return g_strstrip (g_strndup (state->text->str, state->text->len));
}

static void
end_element_cb (GMarkupParseContext  *context,
                const char           *element_name,
                gpointer              user_data,
                GError              **error)
{
  ParseState *state = user_data;
  guint depth = state->depth--;

  if (depth == 2 && strcmp (element_name, "emailProvider") == 0)
    {
      state->in_provider = FALSE;
      return;
    }

  if (depth == 3 && state->in_provider && strcmp (element_name, "displayName") == 0)
    {
      if (state->display_name == NULL)
        state->display_name = take_text (state);
      return;
    }

  if (depth == 3 && state->server != NULL)
    {
      g_ptr_array_add (state->server_is_imap ? state->imap : state->smtp, state->server);
      state->server = NULL;
      return;
    }

  if (depth == 4 && state->server != NULL)
    {
      Candidate *server = state->server;
      char **slot = NULL;

      if (strcmp (element_name, "hostname") == 0)
        slot = &server->hostname;
      else if (strcmp (element_name, "port") == 0)
        slot = &server->port;
      else if (strcmp (element_name, "socketType") == 0)
        slot = &server->socket_type;
      else if (strcmp (element_name, "username") == 0)
        slot = &server->username;
      else if (strcmp (element_name, "authentication") == 0)
        {
          g_autofree char *text = take_text (state);

          server->any_auth = TRUE;
          if (strcmp (text, "password-cleartext") == 0)
            server->password_auth = TRUE;
        }
      /* The first of each counts, as in Thunderbird. */
      if (slot != NULL && *slot == NULL)
        *slot = take_text (state);
    }
}

static void
text_cb (GMarkupParseContext  *context,
         const char           *text,
         gsize                 text_len,
         gpointer              user_data,
         GError              **error)
{
  ParseState *state = user_data;

  if (state->text->len + text_len > MAX_TEXT)
    {
      /* Only a server's texts must be whole; a long description elsewhere is cut, and a
       * display name that long is dropped (cnv_provider_parse_autoconfig()). */
      if (state->server != NULL)
        g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                     "A text longer than %u bytes", MAX_TEXT);
      return;
    }
  g_string_append_len (state->text, text, text_len);
}

static const GMarkupParser parser = {
  start_element_cb,
  end_element_cb,
  text_cb,
  NULL,
  NULL,
};

/* A CnvMailServer of @candidate, or NULL when it is not usable: no host, a host that is not a
 * name, a port out of range, an unknown socket type, or no encryption ("plain" is never
 * chosen). A missing port is the protocol's default for the socket type. */
static CnvMailServer *
candidate_to_server (const Candidate *candidate,
                     gboolean         imap,
                     const ParseState *state)
{
  g_autofree char *host = NULL;
  g_autofree char *user = NULL;
  CnvMailSecurity security;
  guint16 port = 0;
  CnvMailServer *server;

  if (candidate->hostname == NULL || candidate->socket_type == NULL)
    return NULL;
  if (g_ascii_strcasecmp (candidate->socket_type, "SSL") == 0
      || g_ascii_strcasecmp (candidate->socket_type, "TLS") == 0)
    security = CNV_MAIL_SECURITY_TLS;
  else if (g_ascii_strcasecmp (candidate->socket_type, "STARTTLS") == 0)
    security = CNV_MAIL_SECURITY_STARTTLS;
  else
    return NULL;

  host = expand_placeholders (candidate->hostname, state->address, state->local_part,
                              state->domain);
  if (!is_host_name (host))
    return NULL;
  if (candidate->port != NULL && !parse_port (candidate->port, &port))
    return NULL;

  server = cnv_mail_server_new (host, port, security);
  if (port == 0)
    server->port = imap ? cnv_mail_server_get_imap_port (server)
                        : cnv_mail_server_get_smtp_port (server);
  if (candidate->username != NULL && *candidate->username != '\0')
    user = expand_placeholders (candidate->username, state->address, state->local_part,
                                state->domain);
  /* An unknown placeholder (%REALNAME%…), or a character that has no place in a user name and
   * would be shown in the account page (a control, a bidirectional override…): the address is the
   * better guess. */
  if (user == NULL || strchr (user, '%') != NULL || !is_clean_text (user))
    {
      g_free (user);
      user = g_strdup (state->address);
    }
  server->user = g_steal_pointer (&user);
  return server;
}

/* Implicit TLS before STARTTLS (RFC 8314 §4.1), a server that takes a password before one that
 * does not say so (OAuth2 only), else the document's order. */
static CnvMailServer *
choose_server (GPtrArray        *candidates,
               gboolean          imap,
               const ParseState *state)
{
  CnvMailServer *best = NULL;
  int best_score = -1;

  for (guint i = 0; i < candidates->len; i++)
    {
      const Candidate *candidate = g_ptr_array_index (candidates, i);
      CnvMailServer *server = candidate_to_server (candidate, imap, state);
      int score;

      if (server == NULL)
        continue;
      score = (candidate->password_auth || !candidate->any_auth ? 2 : 0)
              + (server->security == CNV_MAIL_SECURITY_TLS ? 1 : 0);
      if (score > best_score)
        {
          g_clear_pointer (&best, cnv_mail_server_free);
          best = server;
          best_score = score;
        }
      else
        cnv_mail_server_free (server);
    }
  return best;
}

/**
 * cnv_provider_parse_autoconfig:
 * @xml: the document
 * @len: its length in bytes (-1 is not allowed: the document comes from the network)
 * @address: the address being set up (for the placeholders)
 * @error: a #CNV_PROVIDER_ERROR
 *
 * Returns: (transfer full) (nullable): the guess (source %CNV_PROVIDER_SOURCE_AUTOCONFIG), or
 *   %NULL when the document is not a usable autoconfig document
 */
CnvProviderGuess *
cnv_provider_parse_autoconfig (const char  *xml,
                               gsize        len,
                               const char  *address,
                               GError     **error)
{
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *local_part = NULL;
  g_autoptr(CnvProviderGuess) guess = NULL;
  const char *at;
  ParseState state = { 0 };
  gboolean parsed;

  g_return_val_if_fail (xml != NULL || len == 0, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  at = strrchr (address, '@');
  if (at == NULL || at == address || at[1] == '\0')
    {
      g_set_error (error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_ADDRESS,
                   "Not an e-mail address");
      return NULL;
    }
  if (len > MAX_DOCUMENT)
    {
      g_set_error (error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_INVALID,
                   "The autoconfig document is larger than %u bytes", MAX_DOCUMENT);
      return NULL;
    }

  local_part = g_strndup (address, at - address);
  state.address = address;
  state.local_part = local_part;
  state.domain = at + 1;
  state.text = g_string_new (NULL);
  state.imap = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  state.smtp = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);

  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &state, NULL);
  parsed = g_markup_parse_context_parse (context, xml, len, &parse_error)
           && g_markup_parse_context_end_parse (context, &parse_error);

  if (!parsed)
    g_set_error (error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_INVALID,
                 "Not an autoconfig document: %s", parse_error->message);
  else if (state.provider_count == 0)
    g_set_error (error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_INVALID,
                 "The autoconfig document has no <emailProvider>");
  else
    {
      guess = g_new0 (CnvProviderGuess, 1);
      guess->source = CNV_PROVIDER_SOURCE_AUTOCONFIG;
      guess->imap = choose_server (state.imap, TRUE, &state);
      guess->smtp = choose_server (state.smtp, FALSE, &state);
      /* Shown in the UI ("Settings from Example Mail"): cleaned first, dropped when too long. */
      if (state.display_name != NULL)
        guess->display_name = clean_shown_text (state.display_name);
      if (guess->display_name != NULL && g_utf8_strlen (guess->display_name, -1) > MAX_DISPLAY_NAME)
        g_clear_pointer (&guess->display_name, g_free);
      if (guess->imap == NULL || guess->smtp == NULL)
        {
          g_set_error (error, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_INVALID,
                       "The autoconfig document has no usable %s server",
                       guess->imap == NULL ? "IMAP" : "SMTP");
          g_clear_pointer (&guess, cnv_provider_guess_free);
        }
    }

  if (state.server != NULL)
    candidate_free (state.server);
  g_string_free (state.text, TRUE);
  g_free (state.display_name);
  g_ptr_array_unref (state.imap);
  g_ptr_array_unref (state.smtp);
  return g_steal_pointer (&guess);
}
