/* cnv-address-input.c — what the user typed or pasted into an address field, piece by piece
 *
 * Splitting is done by hand here, because pasted lists mix separators no header uses (newlines,
 * tabs, semicolons from Outlook). Each piece is then read by gmime as an RFC 5322 mailbox and
 * checked by cnv_address_new(); a piece that fails gets a reason a person understands, worked out
 * with cnv_address_normalize() on its parts. gmime is lenient and skips what it cannot use, so
 * each piece's shape is also read here (read_shape()) and what gmime found compared with what was
 * typed: a piece is an address only when nothing in it but blanks and comments went unused.
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

/* @p is at a '(': the end of that comment (RFC 5322 §3.2.2: nested, with quoted-pairs), or NULL
 * when it is not closed. */
static const char *
skip_comment (const char *p)
{
  guint depth = 0;

  for (; *p != '\0'; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        p++;
      else if (*p == '(')
        depth++;
      else if (*p == ')' && --depth == 0)
        return p + 1;
    }
  return NULL;
}

/* @p is at a '"': the end of that quoted string (RFC 5322 §3.2.4), or NULL when it is not
 * closed. */
static const char *
skip_quoted (const char *p)
{
  for (p++; *p != '\0'; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        p++;
      else if (*p == '"')
        return p + 1;
    }
  return NULL;
}

/* Whether @p holds nothing but blanks and closed comments: the [CFWS] that RFC 5322 §3.4 allows
 * after an angle-addr. */
static gboolean
is_cfws (const char *p)
{
  while (*p != '\0')
    {
      if (is_blank (*p))
        p++;
      else if (*p == '(' && (p = skip_comment (p)) != NULL)
        continue;
      else
        return FALSE;
    }
  return TRUE;
}

/* The first '<' of @text outside quotes and comments, or NULL. */
static const char *
find_angle (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; )
    {
      if (*p == '<')
        return p;
      if (*p == '"')
        p = skip_quoted (p);
      else if (*p == '(')
        p = skip_comment (p);
      else
        p++;
    }
  return NULL;
}

typedef enum
{
  SHAPE_OK,
  SHAPE_UNCLOSED,    /* a quote, a comment or a '<' is not closed */
  SHAPE_STRAY,       /* a '>' or ')' that closes nothing, or a '<' inside "< >" */
  SHAPE_TEXT_AFTER,  /* more than blanks and comments after the (first) closing '>' */
} Shape;

/* How @text is built, read before gmime does: gmime reads "Bob <bob@x.org> extra words" as Bob's
 * address and drops the rest, takes "bob@x.org@" as bob@x.org and "bob@x.org>" as well. Whatever
 * gmime skips must be either a comment or blanks; anything else makes the piece flagged.
 * @core gets the addr-spec as typed (inside the first "< >", else the whole piece), without
 * comments or blanks outside quoted strings, to be compared with what gmime found; @listed says
 * whether a ',' or ';' stands outside quotes and comments. */
static Shape
read_shape (const char *text,
            GString    *core,
            gboolean   *listed)
{
  g_autoptr(GString) outside = g_string_new (NULL);
  g_autoptr(GString) inside = g_string_new (NULL);
  gboolean in_angle = FALSE;
  guint n_angles = 0;
  Shape shape = SHAPE_OK;

  *listed = FALSE;
  for (const char *p = text; *p != '\0'; )
    {
      const char *end = p + 1;
      GString *target;

      /* A separator outside quotes and comments: the piece is a group (or a list split wrongly),
       * of which gmime would silently skip the members it cannot read. */
      if (*p == ',' || *p == ';')
        *listed = TRUE;

      if (is_blank (*p))
        {
          p++;
          continue;
        }
      if (*p == '(')
        {
          if ((p = skip_comment (p)) == NULL)
            return SHAPE_UNCLOSED;
          continue;
        }
      if (*p == '<')
        {
          if (in_angle)
            return SHAPE_STRAY;
          in_angle = TRUE;
          if (++n_angles > 1)
            shape = SHAPE_TEXT_AFTER;
          p++;
          continue;
        }
      if (*p == '>' || *p == ')')
        {
          if (*p == ')' || !in_angle)
            return SHAPE_STRAY;
          in_angle = FALSE;
          p++;
          continue;
        }
      if (*p == '"' && (end = skip_quoted (p)) == NULL)
        return SHAPE_UNCLOSED;

      if (n_angles == 0)
        target = outside;
      else if (in_angle && n_angles == 1)
        target = inside;
      else
        target = NULL;
      if (n_angles > 0 && !in_angle)
        shape = SHAPE_TEXT_AFTER;
      if (target != NULL)
        g_string_append_len (target, p, end - p);
      p = end;
    }
  if (in_angle)
    return SHAPE_UNCLOSED;
  g_string_assign (core, n_angles == 0 ? outside->str : inside->str);
  return shape;
}

/* Whether the addr-spec typed (@core) is the address gmime found (@normalized): gmime silently
 * drops a source route, a trailing '@' or '\', and turns "xn--" domains into Unicode, so both are
 * compared normalised. One final '.' (an absolute domain, or the end of a sentence) may go. */
static gboolean
core_is_address (const char *core,
                 const char *normalized)
{
  g_autofree char *typed = cnv_address_normalize (core, NULL);
  gsize len = strlen (core);

  if (typed == NULL && len > 1 && core[len - 1] == '.')
    {
      g_autofree char *shorter = g_strndup (core, len - 1);

      typed = cnv_address_normalize (shorter, NULL);
    }
  return typed != NULL && strcmp (typed, normalized) == 0;
}

/* One piece (valid UTF-8, no forbidden character, no mailto:) read as one RFC 5322 mailbox:
 * @item gets the address or the reason. */
static void
read_mailbox (CnvAddressInputItem *item,
              const char          *text,
              const char          *shown)
{
  g_autoptr(InternetAddressList) list = NULL;
  g_autoptr(GString) core = g_string_new (NULL);
  gboolean listed;
  Shape shape = read_shape (text, core, &listed);
  InternetAddress *ia;
  const char *addr;
  g_autoptr(GError) error = NULL;

  if (shape == SHAPE_UNCLOSED)
    {
      /* Translators: %s is what the user typed */
      item->problem = g_strdup_printf (_("“%s” is not an e-mail address: a quote, bracket or "
                                         "parenthesis is not closed"), shown);
      return;
    }
  if (shape == SHAPE_STRAY)
    {
      /* Translators: %s is what the user typed, e.g. “bob@example.org>” */
      item->problem = g_strdup_printf (_("“%s” is not an e-mail address: its brackets or "
                                         "parentheses do not match"), shown);
      return;
    }

  list = internet_address_list_parse (NULL, text);
  if (list == NULL || internet_address_list_length (list) == 0)
    {
      item->problem = explain_unparsed (text, shown);
      return;
    }
  if (internet_address_list_length (list) > 1)
    {
      gboolean all_addresses = TRUE;

      for (int i = 0; i < internet_address_list_length (list); i++)
        {
          g_autofree char *normalized = NULL;

          ia = internet_address_list_get_address (list, i);
          if (INTERNET_ADDRESS_IS_MAILBOX (ia))
            normalized = cnv_address_normalize (
              internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)), NULL);
          all_addresses = all_addresses && normalized != NULL;
        }
      if (all_addresses)
        /* Translators: %s is what the user typed, e.g. “bob@example.org carol@example.org” */
        item->problem = g_strdup_printf (_("“%s” holds several addresses: separate them with "
                                           "commas"), shown);
      else if (shape == SHAPE_TEXT_AFTER)
        /* Translators: %s is what the user typed, e.g. “Bob <bob@example.org> extra words” */
        item->problem = g_strdup_printf (_("“%s” has unexpected text after the address"), shown);
      else
        /* Translators: %s is what the user typed */
        item->problem = g_strdup_printf (_("“%s” is not an e-mail address"), shown);
      return;
    }
  if (shape == SHAPE_TEXT_AFTER)
    {
      /* Translators: %s is what the user typed, e.g. “Bob <bob@example.org> extra words” */
      item->problem = g_strdup_printf (_("“%s” has unexpected text after the address"), shown);
      return;
    }

  ia = internet_address_list_get_address (list, 0);
  if (!INTERNET_ADDRESS_IS_MAILBOX (ia))
    {
      /* Translators: %s is what the user typed, e.g. “Team: a@example.org, b@example.org;” */
      item->problem = g_strdup_printf (_("“%s” is a group, not an e-mail address"), shown);
      return;
    }
  if (listed)
    {
      /* Translators: %s is what the user typed */
      item->problem = g_strdup_printf (_("“%s” is not an e-mail address"), shown);
      return;
    }
  addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
  item->address = cnv_address_new (internet_address_get_name (ia), addr != NULL ? addr : "",
                                   &error);
  if (item->address == NULL)
    item->problem = explain_addr_spec (addr != NULL ? addr : "", shown);
  else if (!core_is_address (core->str, item->address->address))
    {
      g_autofree char *normalized = cnv_address_normalize (core->str, NULL);

      g_clear_pointer (&item->address, cnv_address_free);
      if (normalized == NULL)
        item->problem = explain_addr_spec (core->str, shown);
      else
        /* Translators: %s is what the user typed */
        item->problem = g_strdup_printf (_("“%s” is not an e-mail address"), shown);
    }
}

static void split_text (GPtrArray  *items,
                        const char *text,
                        gboolean    allow_mailto,
                        guint       max_pieces);

static CnvAddressInputItem *
flagged_item (const char *text,
              char       *problem)
{
  CnvAddressInputItem *item = g_new0 (CnvAddressInputItem, 1);

  item->text = g_strdup (text);
  item->problem = problem;
  return item;
}

static gboolean
has_mailto_scheme (const char *text)
{
  return g_ascii_strncasecmp (text, "mailto:", strlen ("mailto:")) == 0;
}

/* [@start, @end) %-decoded (RFC 3986 §2.1), or NULL when an escape is broken, gives %00, bytes
 * that are not UTF-8, a character of is_forbidden_char(), or a tab or line break (which would
 * split it, or reach a header). */
static char *
unescape_part (const char *start,
               const char *end)
{
  g_autofree char *raw = g_strndup (start, end - start);
  g_autofree char *decoded = g_uri_unescape_string (raw, NULL);

  if (decoded == NULL || !g_utf8_validate (decoded, -1, NULL) || has_forbidden_char (decoded)
      || strpbrk (decoded, "\t\r\n") != NULL)
    return NULL;
  return g_steal_pointer (&decoded);
}

/* RFC 6068 "mailto:" URIs, as links copied from a web page give them, alone ("mailto:a@x.org")
 * or inside < > after a name ("Bob <mailto:bob@x.org>"). Every address in the link becomes an
 * item: those of the path ("mailto:a@x.org,b@x.org"; ';' as Outlook writes it is taken too) and
 * those of the "to" and "cc" header fields ("?to=c@x.org&cc=Dave%20%3Cd@x.org%3E"), all in the
 * field the link was pasted into. "bcc" makes the whole link flagged: a session request has no
 * hidden recipients, and showing them as participants would reveal them. The other header fields
 * ("subject", "body", "in-reply-to"…) are ignored: the composer has its own title and message.
 * A link giving one address keeps its text as pasted; each of several gets its own text. */
static void
read_mailto (GPtrArray  *items,
             const char *text,
             const char *shown)
{
  g_autoptr(GPtrArray) path = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) header_values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *name = NULL;
  const char *open = has_mailto_scheme (text) ? NULL : find_angle (text);
  const char *uri = (open != NULL ? open + 1 : text) + strlen ("mailto:");
  const char *end;
  const char *after;
  const char *query;

  if (open != NULL)
    {
      const char *close = strchr (uri, '>');

      if (close == NULL)
        {
          g_ptr_array_add (items, flagged_item (text, g_strdup_printf (
            /* Translators: %s is what the user typed */
            _("“%s” is not an e-mail address: a quote, bracket or parenthesis is not closed"),
            shown)));
          return;
        }
      end = close;
      after = close + 1;
      name = g_strstrip (g_strndup (text, open - text));
    }
  else
    {
      /* A URI holds no blank (RFC 3986 §2): the first one ends it. */
      end = uri + strcspn (uri, " \t\f\v");
      after = end;
    }
  if (!is_cfws (after))
    {
      g_ptr_array_add (items, flagged_item (text, g_strdup_printf (
        /* Translators: %s is what the user typed, e.g. “mailto:bob@example.org extra words” */
        _("“%s” has unexpected text after the address"), shown)));
      return;
    }

  query = memchr (uri, '?', end - uri);
  for (const char *p = uri, *path_end = query != NULL ? query : end; p < path_end; )
    {
      const char *next = p + strcspn (p, ",;?");
      g_autofree char *decoded = NULL;

      if (next > path_end)
        next = path_end;
      decoded = unescape_part (p, next);
      /* RFC 6068 §2: the path holds addr-specs separated by ','; a ',' or ';' that was escaped
       * would be read as a separator by whoever reads the address next. */
      if (decoded == NULL || strpbrk (decoded, ",;") != NULL)
        goto bad_link;
      if (*g_strstrip (decoded) != '\0')
        g_ptr_array_add (path, g_steal_pointer (&decoded));
      p = next + 1;
    }
  for (const char *p = query != NULL ? query + 1 : end; p < end; )
    {
      const char *next = p + strcspn (p, "&");
      const char *equals = memchr (p, '=', next - p);
      g_autofree char *field = NULL;
      g_autofree char *value = NULL;

      if (next > end)
        next = end;
      if (equals == NULL)
        equals = next;
      field = unescape_part (p, equals);
      value = unescape_part (equals < next ? equals + 1 : next, next);
      if (field == NULL || value == NULL)
        goto bad_link;
      if (g_ascii_strcasecmp (field, "to") == 0 || g_ascii_strcasecmp (field, "cc") == 0)
        g_ptr_array_add (header_values, g_steal_pointer (&value));
      else if (g_ascii_strcasecmp (field, "bcc") == 0)
        {
          g_ptr_array_add (items, flagged_item (text, g_strdup_printf (
            /* Translators: %s is what the user pasted, a “mailto:” link with “bcc=” in it */
            _("“%s” asks for hidden copies (bcc), which a session request cannot have: write "
              "the addresses you want to invite instead"), shown)));
          return;
        }
      p = next + 1;
    }

  /* A name before "<mailto:…>" belongs to one address. */
  if (name != NULL && *name != '\0' && path->len != 1)
    {
      g_ptr_array_add (items, flagged_item (text, g_strdup_printf (
        /* Translators: %s is what the user pasted, e.g. “Team <mailto:a@x.org,b@x.org>” */
        _("“%s” gives one name to several addresses"), shown)));
      return;
    }

  found = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_input_item_free);
  for (guint i = 0; i < path->len; i++)
    {
      const char *address = g_ptr_array_index (path, i);
      g_autofree char *piece = name != NULL && *name != '\0'
                               ? g_strdup_printf ("%s <%s>", name, address)
                               : g_strdup (address);

      split_text (found, piece, FALSE, G_MAXUINT);
    }
  for (guint i = 0; i < header_values->len; i++)
    split_text (found, g_ptr_array_index (header_values, i), FALSE, G_MAXUINT);

  if (found->len == 0)
    goto bad_link;
  if (found->len == 1)
    {
      CnvAddressInputItem *only = g_ptr_array_index (found, 0);

      g_free (only->text);
      only->text = g_strdup (text);
    }
  g_ptr_array_extend_and_steal (items, g_steal_pointer (&found));
  return;

bad_link:
  g_ptr_array_add (items, flagged_item (text, g_strdup_printf (
    /* Translators: %s is what the user pasted, a “mailto:” link */
    _("“%s” is not a usable mailto: link"), shown)));
}

/* One piece, trimmed and not empty: appends its address, or the reason it is not one — or, for a
 * mailto: link (when @allow_mailto), one item per address in it. */
static void
read_piece (GPtrArray  *items,
            const char *piece,
            gsize       length,
            gboolean    allow_mailto)
{
  g_autoptr(CnvAddressInputItem) item = g_new0 (CnvAddressInputItem, 1);
  g_autofree char *shown = NULL;
  const char *open;

  if (g_utf8_validate_len (piece, length, NULL))
    item->text = g_strndup (piece, length);
  else
    {
      item->text = g_utf8_make_valid (piece, length);
      shown = quote_piece (item->text);
      /* Translators: %s is what the user pasted */
      item->problem = g_strdup_printf (_("“%s” contains bytes that are not text"), shown);
      g_ptr_array_add (items, g_steal_pointer (&item));
      return;
    }
  shown = quote_piece (item->text);

  if (length > MAX_PIECE_BYTES)
    /* Translators: %s is the start of what the user pasted */
    item->problem = g_strdup_printf (_("“%s” is too long to be an e-mail address"), shown);
  else if (has_forbidden_char (item->text))
    /* Translators: %s is what the user pasted */
    item->problem = g_strdup_printf (_("“%s” contains invisible control characters"), shown);
  else if (allow_mailto
           && (has_mailto_scheme (item->text)
               || ((open = find_angle (item->text)) != NULL && has_mailto_scheme (open + 1))))
    {
      read_mailto (items, item->text, shown);
      return;
    }
  else
    read_mailbox (item, item->text, shown);
  g_ptr_array_add (items, g_steal_pointer (&item));
}

/* Adds the piece [start, end) trimmed, unless it is empty; TRUE when it was not. */
static gboolean
add_piece (GPtrArray  *items,
           const char *start,
           const char *end,
           gboolean    allow_mailto)
{
  while (start < end && is_blank (*start))
    start++;
  while (end > start && is_blank (end[-1]))
    end--;
  if (start == end)
    return FALSE;
  read_piece (items, start, end - start, allow_mailto);
  return TRUE;
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

/* Whether the piece starting at @start (blanks before it allowed) is a bare mailto: link. */
static gboolean
starts_with_mailto (const char *start)
{
  while (*start == ' ')
    start++;
  return has_mailto_scheme (start);
}

/* Splits @text into pieces and reads each one. Separators count outside quoted strings, comments,
 * "< >" and groups ("Team: a@x.org, b@x.org;" is one piece, up to its ';'); a line break always
 * separates.
 *
 * The path of a bare mailto: link ("mailto:a@x.org,b@x.org?to=c@x.org", RFC 6068 §2) is one
 * piece up to its '?' or first blank, unless a separator is followed by another "mailto:". Its
 * query is not: a ',' there may as well separate the next address of a list, and the "subject"
 * or "body" it would otherwise extend is ignored (read_mailto()), which would lose that address.
 * Inside "< >" the link ends at the '>', so nothing is ambiguous. */
static void
split_text (GPtrArray  *items,
            const char *text,
            gboolean    allow_mailto,
            guint       max_pieces)
{
  const char *start = text;
  gboolean in_quote = FALSE;
  gboolean escaped = FALSE;
  gboolean in_group = FALSE;
  gboolean in_literal = FALSE;
  gboolean in_uri_path = allow_mailto && starts_with_mailto (text);
  gboolean piece_has_text = FALSE;
  guint angle = 0;
  guint comment = 0;
  guint pieces = 0;

  for (const char *p = text; ; p++)
    {
      char c = *p;
      gboolean split = FALSE;

      if (pieces >= max_pieces)
        {
          add_rest (items, start);
          break;
        }
      if (c == '\0')
        {
          add_piece (items, start, p, allow_mailto);
          break;
        }
      if (in_uri_path)
        {
          if (c == '?' || c == '\n' || c == '\r' || (is_blank (c) && piece_has_text))
            in_uri_path = FALSE;
          else if ((c == ',' || c == ';') && !starts_with_mailto (p + 1))
            continue;
          else if (!is_separator (c))
            {
              piece_has_text = piece_has_text || !is_blank (c);
              continue;
            }
        }

      /* A line break always ends a piece: an unclosed quote or bracket in one line of a paste
       * must not swallow the lines after it. */
      if (c == '\n' || c == '\r')
        split = TRUE;
      else if (escaped)
        escaped = FALSE;
      /* RFC 5322 §3.2.4 quoted-pair, inside quoted strings and comments. */
      else if (c == '\\' && (in_quote || comment > 0))
        escaped = TRUE;
      else if (in_quote)
        in_quote = c != '"';
      else if (comment > 0)
        {
          /* A '"' inside a comment is only a character (RFC 5322 §3.2.2 ctext). */
          if (c == '(')
            comment++;
          else if (c == ')')
            comment--;
        }
      else if (c == '"')
        in_quote = TRUE;
      else if (c == '(' && angle == 0)
        comment++;
      else if (c == '<')
        angle = 1;
      else if (c == '>')
        angle = 0;
      /* A domain literal ("a@[IPv6:::1]") holds ':' that start no group. */
      else if (c == '[' && angle == 0)
        in_literal = TRUE;
      else if (c == ']')
        in_literal = FALSE;
      /* RFC 5322 §3.4 group: "display-name:" up to ';', which belongs to it. */
      else if (c == ':' && angle == 0 && !in_literal)
        in_group = TRUE;
      else if (c == ';' && in_group && angle == 0)
        {
          if (add_piece (items, start, p + 1, allow_mailto))
            pieces++;
          start = p + 1;
          in_group = in_literal = FALSE;
          in_uri_path = allow_mailto && starts_with_mailto (start);
          piece_has_text = FALSE;
        }
      else if (angle == 0 && !in_group && is_separator (c))
        split = TRUE;

      if (split)
        {
          if (add_piece (items, start, p, allow_mailto))
            pieces++;
          start = p + 1;
          in_quote = escaped = in_group = in_literal = FALSE;
          angle = comment = 0;
          in_uri_path = allow_mailto && starts_with_mailto (start);
          piece_has_text = FALSE;
        }
    }
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

  g_return_val_if_fail (text != NULL, items);

  split_text (items, text, TRUE, MAX_PIECES);
  return items;
}
