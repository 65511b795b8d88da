/* cnv-address-input.c — what the user typed or pasted into an address field, piece by piece
 *
 * Splitting is the only thing done by hand here, because pasted lists mix separators no header
 * uses (newlines, tabs, semicolons from Outlook). Each piece is then read by gmime as an RFC 5322
 * mailbox and checked by cnv_address_new(); a piece that fails gets a reason a person
 * understands, worked out with cnv_address_normalize() on its parts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-address-input"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cnv-address-input.h"

/* The most pieces one paste gives; the rest becomes one flagged item. */
#define MAX_PIECES 10000
/* RFC 5322 §2.1.1: a line is at most 998 characters; no mailbox is longer than a line. */
#define MAX_PIECE_BYTES 998
/* How much of a piece a reason quotes. */
#define MAX_QUOTED_CHARS 40

void
cnv_address_input_item_free (CnvAddressInputItem *self)
{
  if (self == NULL)
    return;
  g_free (self->text);
  cnv_address_free (self->address);
  g_free (self->problem);
  g_free (self);
}

/* A character that has no business in an address or a name: C0 and C1 controls, DEL, line and
 * paragraph separators, and the bidirectional overrides that can make an address look like
 * another (Unicode TR36 §2.4). Tabs are separators, but survive inside quotes. */
static gboolean
is_forbidden_char (gunichar c)
{
  if (c == '\t')
    return FALSE;
  return g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029
         || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static gboolean
has_forbidden_char (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (is_forbidden_char (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

/* @text (valid UTF-8) as a reason quotes it: at most MAX_QUOTED_CHARS characters, tabs and the
 * characters of is_forbidden_char() shown as spaces, so none reaches the window. */
static char *
quote_piece (const char *text)
{
  GString *out = g_string_new (NULL);
  guint count = 0;
  const char *p;

  for (p = text; *p != '\0' && count < MAX_QUOTED_CHARS; p = g_utf8_next_char (p), count++)
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\t' || is_forbidden_char (c))
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
    }
  if (*p != '\0')
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

/* Why @addr (an addr-spec, as gmime found it) is not an address: a translated sentence. */
static char *
explain_addr_spec (const char *addr,
                   const char *shown)
{
  const char *at = strrchr (addr, '@');
  g_autofree char *local = NULL;
  g_autofree char *probe = NULL;
  g_autofree char *normalized = NULL;

  if (at == NULL)
    /* Translators: %s is what the user typed */
    return g_strdup_printf (_("“%s” is not an e-mail address"), shown);
  if (at[1] == '\0')
    /* Translators: %s is what the user typed, e.g. “bob@” */
    return g_strdup_printf (_("“%s” is missing the part after @"), shown);
  if (at == addr)
    /* Translators: %s is what the user typed, e.g. “@example.org” */
    return g_strdup_printf (_("“%s” is missing the part before @"), shown);
  if (memchr (addr, '@', at - addr) != NULL)
    /* Translators: %s is what the user typed */
    return g_strdup_printf (_("“%s” has more than one @"), shown);

  /* Each half checked alone, with a known-good other half, by the engine's own rules. */
  probe = g_strconcat ("x@", at + 1, NULL);
  normalized = cnv_address_normalize (probe, NULL);
  if (normalized == NULL)
    /* Translators: %s is what the user typed, e.g. “bob@exa mple” */
    return g_strdup_printf (_("The part after @ in “%s” is not a valid domain name"), shown);
  g_clear_pointer (&probe, g_free);
  g_clear_pointer (&normalized, g_free);
  local = g_strndup (addr, at - addr);
  probe = g_strconcat (local, "@example.org", NULL);
  normalized = cnv_address_normalize (probe, NULL);
  if (normalized == NULL)
    /* Translators: %s is what the user typed, e.g. “bo b@example.org” */
    return g_strdup_printf (_("The part before @ in “%s” has characters an e-mail address "
                              "cannot have"), shown);
  /* Translators: %s is what the user typed */
  return g_strdup_printf (_("“%s” is too long to be an e-mail address"), shown);
}

/* Whether every quote, angle bracket and parenthesis of @text is closed. */
static gboolean
is_balanced (const char *text)
{
  guint quotes = 0;
  int angles = 0;
  int parens = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        p++;
      else if (*p == '"')
        quotes++;
      else if (*p == '<')
        angles++;
      else if (*p == '>')
        angles--;
      else if (*p == '(')
        parens++;
      else if (*p == ')')
        parens--;
    }
  return quotes % 2 == 0 && angles == 0 && parens == 0;
}

/* Why gmime found no single mailbox in @text. */
static char *
explain_unparsed (const char *text,
                  const char *shown)
{
  const char *last_space = NULL;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == ' ' || *p == '\t')
      last_space = p;

  /* "Bob Smith bob@example.org", as copied from a table: gmime reads no mailbox, but the last
   * word is one. Saying how to write it helps more than "not an address". */
  if (last_space != NULL && strchr (last_space + 1, '@') != NULL)
    {
      g_autofree char *normalized = cnv_address_normalize (last_space + 1, NULL);

      if (normalized != NULL)
        /* Translators: %s is what the user typed, e.g. “Bob Smith bob@example.org” */
        return g_strdup_printf (_("“%s”: write the name and the address as “Name <address>”"),
                                shown);
    }
  {
    const char *open = strrchr (text, '<');
    const char *close = open != NULL ? strchr (open, '>') : NULL;

    if (open != NULL && close != NULL)
      {
        g_autofree char *inside = g_strndup (open + 1, close - open - 1);

        if (*inside == '\0')
          /* Translators: %s is what the user typed, e.g. “Bob <>” */
          return g_strdup_printf (_("“%s” has no address between < and >"), shown);
        return explain_addr_spec (inside, shown);
      }
  }
  if (!is_balanced (text))
    /* Translators: %s is what the user typed */
    return g_strdup_printf (_("“%s” is not an e-mail address: a quote, bracket or "
                              "parenthesis is not closed"), shown);
  if (strchr (text, ' ') == NULL)
    return explain_addr_spec (text, shown);
  /* Translators: %s is what the user typed */
  return g_strdup_printf (_("“%s” is not an e-mail address"), shown);
}

/* RFC 6068: "mailto:" URIs, as links copied from a web page give them, alone or inside <>:
 * the scheme and any "?query" dropped, %-escapes decoded. NULL when there is no such URI;
 * @bad is set when there is one that cannot be decoded. */
static char *
strip_mailto (const char *text,
              gboolean   *bad)
{
  static const char scheme[] = "mailto:";
  const gsize scheme_len = sizeof scheme - 1;
  const char *start = NULL;
  const char *end;
  g_autofree char *address = NULL;
  g_autofree char *unescaped = NULL;
  gsize prefix_len;

  *bad = FALSE;
  if (g_ascii_strncasecmp (text, scheme, scheme_len) == 0)
    start = text;
  else
    {
      const char *open = strchr (text, '<');

      if (open != NULL && g_ascii_strncasecmp (open + 1, scheme, scheme_len) == 0)
        start = open + 1;
    }
  if (start == NULL)
    return NULL;

  prefix_len = start - text;
  end = start + scheme_len;
  end += strcspn (end, "?>");
  address = g_strndup (start + scheme_len, end - (start + scheme_len));
  unescaped = g_uri_unescape_string (address, NULL);
  if (unescaped == NULL || !g_utf8_validate (unescaped, -1, NULL) || has_forbidden_char (unescaped)
      || strpbrk (unescaped, ",;\t\r\n") != NULL)
    {
      *bad = TRUE;
      return NULL;
    }
  if (*end == '?')
    end += strcspn (end, ">");
  return g_strdup_printf ("%.*s%s%s", (int) prefix_len, text, unescaped, end);
}

/* One piece, trimmed and not empty: an address, or the reason it is not one. */
static CnvAddressInputItem *
parse_piece (const char *piece,
             gsize       length)
{
  g_autoptr(CnvAddressInputItem) item = g_new0 (CnvAddressInputItem, 1);
  g_autoptr(InternetAddressList) list = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *rewritten = NULL;
  const char *text;
  gboolean bad_mailto = FALSE;

  if (g_utf8_validate_len (piece, length, NULL))
    item->text = g_strndup (piece, length);
  else
    {
      item->text = g_utf8_make_valid (piece, length);
      shown = quote_piece (item->text);
      /* Translators: %s is what the user pasted */
      item->problem = g_strdup_printf (_("“%s” contains bytes that are not text"), shown);
      return g_steal_pointer (&item);
    }
  shown = quote_piece (item->text);

  if (length > MAX_PIECE_BYTES)
    {
      /* Translators: %s is the start of what the user pasted */
      item->problem = g_strdup_printf (_("“%s” is too long to be an e-mail address"), shown);
      return g_steal_pointer (&item);
    }
  if (has_forbidden_char (item->text))
    {
      /* Translators: %s is what the user pasted */
      item->problem = g_strdup_printf (_("“%s” contains invisible control characters"), shown);
      return g_steal_pointer (&item);
    }

  rewritten = strip_mailto (item->text, &bad_mailto);
  if (bad_mailto)
    {
      /* Translators: %s is what the user pasted, a “mailto:” link */
      item->problem = g_strdup_printf (_("“%s” is not a usable mailto: link"), shown);
      return g_steal_pointer (&item);
    }
  text = rewritten != NULL ? rewritten : item->text;

  list = internet_address_list_parse (NULL, text);
  if (list == NULL || internet_address_list_length (list) == 0)
    {
      item->problem = explain_unparsed (text, shown);
      return g_steal_pointer (&item);
    }
  if (internet_address_list_length (list) > 1)
    {
      gboolean all_addresses = TRUE;

      for (int i = 0; i < internet_address_list_length (list); i++)
        {
          InternetAddress *ia = internet_address_list_get_address (list, i);
          g_autofree char *normalized = NULL;

          if (INTERNET_ADDRESS_IS_MAILBOX (ia))
            normalized = cnv_address_normalize (
              internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)), NULL);
          all_addresses = all_addresses && normalized != NULL;
        }
      if (all_addresses)
        /* Translators: %s is what the user typed, e.g. “bob@example.org carol@example.org” */
        item->problem = g_strdup_printf (_("“%s” holds several addresses: separate them with "
                                           "commas"), shown);
      else
        /* Translators: %s is what the user typed */
        item->problem = g_strdup_printf (_("“%s” is not an e-mail address"), shown);
      return g_steal_pointer (&item);
    }

  {
    InternetAddress *ia = internet_address_list_get_address (list, 0);
    const char *addr;
    g_autoptr(GError) error = NULL;

    if (!INTERNET_ADDRESS_IS_MAILBOX (ia))
      {
        /* Translators: %s is what the user typed, e.g. “Team: a@example.org” */
        item->problem = g_strdup_printf (_("“%s” is a group, not an e-mail address"), shown);
        return g_steal_pointer (&item);
      }
    addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
    item->address = cnv_address_new (internet_address_get_name (ia), addr != NULL ? addr : "",
                                      &error);
    if (item->address == NULL)
      item->problem = explain_addr_spec (addr != NULL ? addr : "", shown);
  }
  return g_steal_pointer (&item);
}

static inline gboolean
is_separator (char c)
{
  return c == ',' || c == ';' || c == '\n' || c == '\r' || c == '\t';
}

static inline gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Adds the piece [start, end) trimmed, unless it is empty. */
static void
add_piece (GPtrArray  *items,
           const char *start,
           const char *end)
{
  while (start < end && is_blank (*start))
    start++;
  while (end > start && is_blank (end[-1]))
    end--;
  if (start < end)
    g_ptr_array_add (items, parse_piece (start, end - start));
}

/* The rest of a paste beyond MAX_PIECES, as one flagged item, unless it holds nothing. */
static void
add_rest (GPtrArray  *items,
          const char *rest)
{
  g_autoptr(CnvAddressInputItem) item = NULL;
  const char *end = rest + strlen (rest);

  while (*rest != '\0' && (is_blank (*rest) || is_separator (*rest)))
    rest++;
  while (end > rest && (is_blank (end[-1]) || is_separator (end[-1])))
    end--;
  if (rest == end)
    return;
  item = g_new0 (CnvAddressInputItem, 1);
  item->text = g_utf8_make_valid (rest, end - rest);
  item->problem = g_strdup_printf (ngettext ("Too many addresses: at most %d can be added at once",
                                             "Too many addresses: at most %d can be added at once",
                                             MAX_PIECES),
                                   MAX_PIECES);
  g_ptr_array_add (items, g_steal_pointer (&item));
}

/**
 * cnv_address_input_parse:
 * @text: what the user typed or pasted
 *
 * Returns: (transfer container) (element-type CnvAddressInputItem): the pieces, in order
 */
GPtrArray *
cnv_address_input_parse (const char *text)
{
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_input_item_free);
  const char *start;
  gboolean in_quote = FALSE;
  gboolean escaped = FALSE;
  guint angle = 0;
  guint comment = 0;

  g_return_val_if_fail (text != NULL, items);

  start = text;
  for (const char *p = text; ; p++)
    {
      char c = *p;

      if (items->len >= MAX_PIECES)
        {
          add_rest (items, start);
          break;
        }
      if (c == '\0')
        {
          add_piece (items, start, p);
          break;
        }
      /* A line break always ends a piece: an unclosed quote or bracket in one line of a paste
       * must not swallow the lines after it. */
      if (c == '\n' || c == '\r')
        {
          add_piece (items, start, p);
          start = p + 1;
          in_quote = escaped = FALSE;
          angle = comment = 0;
          continue;
        }
      if (escaped)
        {
          escaped = FALSE;
          continue;
        }
      /* RFC 5322 §3.2.4 quoted-pair, inside quoted strings and comments. */
      if (c == '\\' && (in_quote || comment > 0))
        {
          escaped = TRUE;
          continue;
        }
      if (in_quote)
        {
          in_quote = c != '"';
          continue;
        }
      if (c == '"')
        in_quote = TRUE;
      else if (c == '(' && angle == 0)
        comment++;
      else if (c == ')' && comment > 0)
        comment--;
      else if (c == '<' && comment == 0)
        angle = 1;
      else if (c == '>' && comment == 0)
        angle = 0;
      else if (angle == 0 && comment == 0 && is_separator (c))
        {
          add_piece (items, start, p);
          start = p + 1;
        }
    }
  return items;
}
