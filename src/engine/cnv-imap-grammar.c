/* cnv-imap-grammar.c — one complete IMAP response, read by the grammar of RFC 9051 §9
 *
 * Framing (cnv-imap-parser.c) hands over exactly one response, from its first byte to its final
 * CRLF, literals included. This reader checks everything it relies on (it never trusts the
 * framing): the response, resp-text and its codes, msg-att, lists, quoted strings, literals,
 * numbers and atoms.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include <string.h>

#include "cnv-imap-parser-private.h"

typedef struct
{
  const guint8 *data;
  gsize         pos;
  gsize         end;    /* the position of the final CR */
  GError      **error;
} Reader;

static gboolean
fail (Reader     *r,
      const char *what)
{
  if (r->error != NULL && *r->error == NULL)
    g_set_error (r->error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL,
                 "Malformed IMAP response: %s at byte %" G_GSIZE_FORMAT, what, r->pos);
  return FALSE;
}

static inline int
peek (Reader *r)
{
  return r->pos < r->end ? r->data[r->pos] : -1;
}

static gboolean
expect_space (Reader *r)
{
  if (peek (r) != ' ')
    return fail (r, "a space was expected");
  r->pos++;
  return TRUE;
}

/* RFC 9051 §9: ATOM-CHAR = any CHAR except atom-specials (SP, CTL, "(", ")", "{", "%", "*",
 * DQUOTE, "\", "]"). `*` and `%` appear in response codes' sequence sets and LIST patterns, and
 * `]` in mailbox names (astring), so they are taken here; @in_code stops at `]`. */
static inline gboolean
is_atom_char (int c,
              gboolean in_code)
{
  if (c < 0x21 || c > 0x7e)
    return c >= 0x80;          /* UTF-8 mailbox names (RFC 9051 §5.1) */
  switch (c)
    {
    case '(':
    case ')':
    case '{':
    case '"':
    case '\\':
      return FALSE;
    case ']':
      return !in_code;
    default:
      return TRUE;
    }
}

/* The `]` closing a section or a response code, on this line: a CR, LF or NUL before it means
 * it would be found inside a literal, which framing never let this reader see. */
static const guint8 *
find_closing_bracket (Reader *r,
                      gsize   from)
{
  for (gsize i = from; i < r->end; i++)
    {
      guint8 c = r->data[i];

      if (c == ']')
        return r->data + i;
      if (c == '\r' || c == '\n' || c == '\0')
        return NULL;
    }
  return NULL;
}

static char *
read_atom_text (Reader   *r,
                gboolean  in_code)
{
  gsize start = r->pos;

  /* A flag: `\Seen`, or `\*` in PERMANENTFLAGS (RFC 9051 §2.3.2, §7.1). */
  if (peek (r) == '\\')
    {
      r->pos++;
      if (peek (r) == '*')
        {
          r->pos++;
          return g_strdup ("\\*");
        }
    }

  while (r->pos < r->end)
    {
      int c = r->data[r->pos];

      if (c == '[' && !in_code)
        {
          /* A section: `BODY[HEADER.FIELDS (FROM TO)]<0>` (RFC 9051 §7.5.2) — spaces and
           * parentheses inside the brackets belong to the atom. */
          const guint8 *close = find_closing_bracket (r, r->pos);

          if (close == NULL)
            {
              fail (r, "a section has no closing bracket on its line");
              return NULL;
            }
          r->pos = close - r->data + 1;
          continue;
        }
      if (!is_atom_char (c, in_code))
        break;
      r->pos++;
    }

  if (r->pos == start || (r->data[start] == '\\' && r->pos == start + 1))
    {
      fail (r, "an atom was expected");
      return NULL;
    }
  return g_strndup ((const char *) r->data + start, r->pos - start);
}

static CnvImapValue *
value_new (CnvImapValueKind kind)
{
  CnvImapValue *value = g_new0 (CnvImapValue, 1);

  value->kind = kind;
  return value;
}

static CnvImapValue *read_value (Reader *r, guint depth, gboolean in_code);

static CnvImapValue *
read_quoted (Reader *r)
{
  GByteArray *out = g_byte_array_new ();
  CnvImapValue *value;

  r->pos++;  /* the opening quote */
  for (;;)
    {
      int c = peek (r);

      if (c < 0 || c == '\r' || c == '\n' || c == '\0')
        {
          g_byte_array_unref (out);
          fail (r, "a quoted string is not closed");
          return NULL;
        }
      r->pos++;
      if (c == '"')
        break;
      if (c == '\\')
        {
          /* RFC 9051 §9: quoted-specials are the only escapes. */
          c = peek (r);
          if (c != '"' && c != '\\')
            {
              g_byte_array_unref (out);
              fail (r, "a quoted string has an invalid escape");
              return NULL;
            }
          r->pos++;
        }
      {
        guint8 byte = (guint8) c;

        g_byte_array_append (out, &byte, 1);
      }
    }

  value = value_new (CNV_IMAP_VALUE_STRING);
  value->bytes = g_byte_array_free_to_bytes (out);
  return value;
}

static CnvImapValue *
read_literal (Reader *r)
{
  guint64 size = 0;
  CnvImapValue *value;

  if (peek (r) == '~')
    r->pos++;
  if (peek (r) != '{')
    {
      fail (r, "a literal was expected");
      return NULL;
    }
  r->pos++;
  if (!g_ascii_isdigit (peek (r)))
    {
      fail (r, "a literal has no size");
      return NULL;
    }
  while (g_ascii_isdigit (peek (r)))
    {
      if (size > (G_MAXUINT64 - 9) / 10)
        {
          fail (r, "a literal's size overflows");
          return NULL;
        }
      size = size * 10 + (r->data[r->pos++] - '0');
    }
  if (peek (r) == '+')
    r->pos++;
  /* Framing put a CRLF and then @size bytes here; the reader checks, it never trusts. */
  /* The literal's CRLF is never the response's final CRLF: data (or at least the final CRLF)
   * follows it. */
  if (peek (r) != '}' || r->pos + 3 > r->end || r->data[r->pos + 1] != '\r'
      || r->data[r->pos + 2] != '\n')
    {
      fail (r, "a literal's size is not followed by CRLF");
      return NULL;
    }
  r->pos += 3;
  if (size > r->end - r->pos)
    {
      fail (r, "a literal is shorter than announced");
      return NULL;
    }

  value = value_new (CNV_IMAP_VALUE_STRING);
  value->literal = TRUE;
  value->bytes = g_bytes_new (r->data + r->pos, (gsize) size);
  r->pos += (gsize) size;
  return value;
}

static CnvImapValue *
read_list (Reader  *r,
           guint    depth,
           gboolean in_code)
{
  CnvImapValue *value;

  if (depth >= CNV_IMAP_PARSER_MAX_DEPTH)
    {
      if (r->error != NULL && *r->error == NULL)
        g_set_error (r->error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_LIMIT,
                     "An IMAP response nests lists more than %d deep", CNV_IMAP_PARSER_MAX_DEPTH);
      return NULL;
    }

  r->pos++;  /* "(" */
  value = value_new (CNV_IMAP_VALUE_LIST);
  value->items = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_imap_value_free);

  for (;;)
    {
      CnvImapValue *item;

      /* Single spaces separate elements; some servers add one before ")" — harmless. */
      while (peek (r) == ' ')
        r->pos++;
      if (peek (r) == ')')
        {
          r->pos++;
          return value;
        }
      if (peek (r) < 0)
        {
          cnv_imap_value_free (value);
          fail (r, "a list is not closed");
          return NULL;
        }
      /* RFC 9051 §9 body-type-mpart = 1*body SP media-subtype: lists may follow each other
       * without a space, `((…)(…) "mixed")`, and so may NAMESPACE's. */
      if (value->items->len > 0 && r->data[r->pos - 1] != ' ' && r->data[r->pos - 1] != '('
          && !(r->data[r->pos - 1] == ')' && peek (r) == '('))
        {
          cnv_imap_value_free (value);
          fail (r, "list elements are not separated by a space");
          return NULL;
        }
      item = read_value (r, depth + 1, in_code);
      if (item == NULL)
        {
          cnv_imap_value_free (value);
          return NULL;
        }
      g_ptr_array_add (value->items, item);
    }
}

static CnvImapValue *
read_value (Reader  *r,
            guint    depth,
            gboolean in_code)
{
  int c = peek (r);
  CnvImapValue *value;
  gsize start;
  char *atom;

  switch (c)
    {
    case '(':
      return read_list (r, depth, in_code);
    case '"':
      return read_quoted (r);
    case '{':
      return read_literal (r);
    case '~':
      /* literal8 (RFC 3516) — else `~` starts an atom (`~archive`). */
      if (r->pos + 1 < r->end && r->data[r->pos + 1] == '{')
        return read_literal (r);
      break;
    case -1:
      fail (r, "a value was expected");
      return NULL;
    default:
      break;
    }

  start = r->pos;
  atom = read_atom_text (r, in_code);
  if (atom == NULL)
    return NULL;

  /* A number is an atom of digits only (RFC 9051 number64: at most 2^63 - 1). */
  if (g_ascii_isdigit (atom[0]) && strspn (atom, "0123456789") == r->pos - start)
    {
      guint64 number = 0;

      if (r->pos - start > 19 || !g_ascii_string_to_unsigned (atom, 10, 0, G_MAXINT64, &number, NULL))
        {
          g_free (atom);
          fail (r, "a number is out of range");
          return NULL;
        }
      g_free (atom);
      value = value_new (CNV_IMAP_VALUE_NUMBER);
      value->number = number;
      return value;
    }

  if (g_ascii_strcasecmp (atom, "NIL") == 0)
    {
      g_free (atom);
      return value_new (CNV_IMAP_VALUE_NIL);
    }

  value = value_new (CNV_IMAP_VALUE_ATOM);
  value->atom = atom;
  return value;
}

/* The rest of the line, as text: RFC 9051 `text = 1*TEXT-CHAR` (no CR, LF). */
static char *
read_text (Reader *r)
{
  gsize start = r->pos;
  const guint8 *cr = memchr (r->data + start, '\r', r->end - start);
  const guint8 *lf = memchr (r->data + start, '\n', r->end - start);
  const guint8 *nul = memchr (r->data + start, '\0', r->end - start);
  g_autofree char *raw = NULL;

  if (cr != NULL || lf != NULL || nul != NULL)
    {
      fail (r, "text holds a control character or a literal");
      return NULL;
    }
  r->pos = r->end;
  raw = g_strndup ((const char *) r->data + start, r->end - start);
  return g_utf8_make_valid (raw, -1);
}

/* resp-text = ["[" resp-text-code "]" SP] [text] (RFC 9051 §9; the text is optional, as
 * servers do send `A1 OK [READ-WRITE]`). */
static gboolean
read_resp_text (Reader          *r,
                CnvImapResponse *response)
{
  if (peek (r) == '[')
    {
      gsize code_start;

      r->pos++;
      code_start = r->pos;
      response->code = read_atom_text (r, TRUE);
      if (response->code == NULL)
        return FALSE;
      /* resp-text-code is an atom: ASCII (error messages quote it). */
      for (const char *p = response->code; *p != '\0'; p++)
        if ((guchar) *p >= 0x80)
          return fail (r, "a response code is not ASCII");
      for (char *p = response->code; *p != '\0'; p++)
        *p = g_ascii_toupper (*p);

      if (peek (r) == ' ')
        {
          gsize args_start = r->pos + 1;
          gboolean ok = TRUE;

          r->pos++;
          while (ok && peek (r) != ']' && peek (r) >= 0)
            {
              CnvImapValue *value = read_value (r, 0, TRUE);

              if (value == NULL)
                ok = FALSE;
              else
                g_ptr_array_add (response->code_args, value);
              if (ok && peek (r) == ' ')
                r->pos++;
              else if (ok && peek (r) != ']')
                ok = FALSE;
            }
          if (!ok)
            {
              /* A code of unknown shape (RFC 9051 §7.1: `atom [SP 1*<any TEXT-CHAR except "]">]`)
               * is kept as one atom of its raw text, not refused. */
              const guint8 *close = find_closing_bracket (r, args_start);

              if (r->error != NULL)
                g_clear_error (r->error);
              if (close == NULL)
                return fail (r, "a response code is not closed");
              g_ptr_array_set_size (response->code_args, 0);
              {
                CnvImapValue *raw = value_new (CNV_IMAP_VALUE_ATOM);

                raw->atom = g_strndup ((const char *) r->data + args_start,
                                       close - (r->data + args_start));
                g_ptr_array_add (response->code_args, raw);
              }
              r->pos = close - r->data;
            }
        }
      if (peek (r) != ']')
        {
          r->pos = code_start;
          return fail (r, "a response code is not closed");
        }
      r->pos++;
      if (peek (r) == ' ')
        r->pos++;
    }

  response->text = read_text (r);
  return response->text != NULL;
}

static gboolean
status_from_word (const char    *word,
                  CnvImapStatus *status)
{
  static const struct { const char *word; CnvImapStatus status; } words[] = {
    { "OK", CNV_IMAP_STATUS_OK },
    { "NO", CNV_IMAP_STATUS_NO },
    { "BAD", CNV_IMAP_STATUS_BAD },
    { "PREAUTH", CNV_IMAP_STATUS_PREAUTH },
    { "BYE", CNV_IMAP_STATUS_BYE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_ascii_strcasecmp (word, words[i].word) == 0)
      {
        *status = words[i].status;
        return TRUE;
      }
  return FALSE;
}

static gboolean
read_data_args (Reader          *r,
                CnvImapResponse *response)
{
  while (peek (r) == ' ')
    {
      CnvImapValue *value;

      r->pos++;
      if (peek (r) < 0)
        break;     /* a trailing space: `* SEARCH ` (seen from some servers) */
      value = read_value (r, 0, FALSE);
      if (value == NULL)
        return FALSE;
      g_ptr_array_add (response->args, value);
    }
  if (peek (r) >= 0)
    return fail (r, "unexpected bytes after a value");
  return TRUE;
}

static gboolean
read_name (Reader          *r,
           CnvImapResponse *response)
{
  gsize start = r->pos;

  while (g_ascii_isalnum (peek (r)) || peek (r) == '-' || peek (r) == '.' || peek (r) == '_')
    r->pos++;
  if (r->pos == start)
    return fail (r, "a response name was expected");
  response->name = g_ascii_strup ((const char *) r->data + start, r->pos - start);
  return TRUE;
}

static gboolean
read_untagged (Reader          *r,
               CnvImapResponse *response)
{
  if (g_ascii_isdigit (peek (r)))
    {
      guint64 number = 0;

      while (g_ascii_isdigit (peek (r)))
        {
          number = number * 10 + (r->data[r->pos++] - '0');
          if (number > G_MAXUINT32)
            return fail (r, "a message number is out of range");
        }
      response->has_number = TRUE;
      response->number = (guint32) number;
      if (!expect_space (r) || !read_name (r, response))
        return FALSE;
      /* RFC 9051 §7.4.1, §7.5.2: message sequence numbers start at 1 (EXISTS may be 0). */
      if (number == 0 && (g_str_equal (response->name, "FETCH") || g_str_equal (response->name, "EXPUNGE")))
        return fail (r, "a message number is 0");
      if (g_str_equal (response->name, "FETCH"))
        {
          CnvImapValue *list;

          if (!expect_space (r))
            return FALSE;
          if (peek (r) != '(')
            return fail (r, "FETCH data is not a list");
          list = read_list (r, 0, FALSE);
          if (list == NULL)
            return FALSE;
          g_ptr_array_add (response->args, list);
          if (list->items->len % 2 != 0)
            return fail (r, "FETCH data is not a list of name/value pairs");
          return peek (r) < 0 || fail (r, "unexpected bytes after FETCH data");
        }
      return read_data_args (r, response);
    }

  if (!read_name (r, response))
    return FALSE;
  if (g_str_equal (response->name, "FETCH") || g_str_equal (response->name, "EXISTS")
      || g_str_equal (response->name, "EXPUNGE") || g_str_equal (response->name, "RECENT"))
    return fail (r, "message data without a message number");
  if (status_from_word (response->name, &response->status))
    {
      if (peek (r) == ' ')
        r->pos++;
      else if (peek (r) >= 0)
        return fail (r, "a status word runs into text");
      return read_resp_text (r, response);
    }
  return read_data_args (r, response);
}

/**
 * cnv_imap_parse_response:
 * @data: exactly one complete response, from its first byte to its final CRLF
 * @length: its size
 * @error: a %CNV_IMAP_ERROR_PROTOCOL error saying what does not fit, and where
 *
 * Returns: (transfer full) (nullable): the response
 */
CnvImapResponse *
cnv_imap_parse_response (const guint8  *data,
                         gsize          length,
                         GError       **error)
{
  g_autoptr(CnvImapResponse) response = NULL;
  Reader r = { data, 0, 0, error };
  int first;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 2 || data[length - 2] != '\r' || data[length - 1] != '\n')
    {
      fail (&r, "the response does not end with CRLF");
      return NULL;
    }
  {
    guint64 size;
    gboolean too_big;

    /* A line ending in `{N}` announces a literal: it never ends a response. Framing waits for
     * the literal's bytes; this reader must not take the announcement for text (`* OK … {5}`). */
    if (cnv_imap_line_ends_with_literal (data, length - 2, &size, &too_big))
      {
        r.pos = length - 2;
        fail (&r, "the response ends with a literal announcement");
        return NULL;
      }
  }
  r.end = length - 2;
  first = peek (&r);

  if (first == '+')
    {
      /* RFC 9051 §7.5: continue-req = "+" SP (resp-text / base64) CRLF; a bare "+" is common. */
      response = cnv_imap_response_new (CNV_IMAP_RESPONSE_CONTINUATION);
      r.pos++;
      if (peek (&r) == ' ')
        r.pos++;
      else if (peek (&r) >= 0)
        {
          fail (&r, "a continuation runs into text");
          return NULL;
        }
      response->text = read_text (&r);
      if (response->text == NULL)
        return NULL;
    }
  else if (first == '*')
    {
      response = cnv_imap_response_new (CNV_IMAP_RESPONSE_UNTAGGED);
      r.pos++;
      if (!expect_space (&r) || !read_untagged (&r, response))
        return NULL;
    }
  else
    {
      gsize start = r.pos;

      /* tag = 1*<any ASTRING-CHAR except "+"> */
      while (r.pos < r.end && r.data[r.pos] > 0x20 && r.data[r.pos] < 0x7f
             && is_atom_char (r.data[r.pos], FALSE) && r.data[r.pos] != '+' && r.data[r.pos] != '*'
             && r.data[r.pos] != '%')
        r.pos++;
      if (r.pos == start)
        {
          fail (&r, "a tag, \"*\" or \"+\" was expected");
          return NULL;
        }
      response = cnv_imap_response_new (CNV_IMAP_RESPONSE_TAGGED);
      response->tag = g_strndup ((const char *) data + start, r.pos - start);
      if (!expect_space (&r) || !read_name (&r, response))
        return NULL;
      if (!status_from_word (response->name, &response->status)
          || response->status == CNV_IMAP_STATUS_PREAUTH
          || response->status == CNV_IMAP_STATUS_BYE)
        {
          fail (&r, "a tagged response is not OK, NO or BAD");
          return NULL;
        }
      if (peek (&r) == ' ')
        r.pos++;
      else if (peek (&r) >= 0)
        {
          fail (&r, "a status word runs into text");
          return NULL;
        }
      if (!read_resp_text (&r, response))
        return NULL;
    }

  response->wire_size = length;
  return g_steal_pointer (&response);
}
