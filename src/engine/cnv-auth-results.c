/* cnv-auth-results.c — the parser of Authentication-Results header fields (RFC 8601)
 *
 * The receiving server writes its DMARC, DKIM and SPF verdicts into this header; the manager's
 * sender policy (cnv-manager-policy.c) and the app's invitation filter read them from here, and
 * share the verdict drawn from them: cnv_auth_results_check_sender(). The
 * parser follows the ABNF of RFC 8601 §2.2 with comments and folding white space from RFC 5322 §3.2.2, is bounded in every dimension,
 * and reads what real servers write beyond the grammar (no authserv-id, unquoted base64 values).
 * Its scanner also reads the first word of other structured header values and the null path, for
 * the policy's test of mail written by programs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-auth-results"

#include "config.h"

#include <string.h>

#include "cnv-address.h"
#include "cnv-auth-results-private.h"
#include "cnv-mime.h"
#include "cnv-text.h"

G_DEFINE_QUARK (cnv-policy-error-quark, cnv_policy_error)

/* Bounds of the parser: a real header is a few hundred bytes with fewer than twenty results. */
#define MAX_VALUE_SIZE (64 * 1024)
#define MAX_RESULTS 256
#define MAX_COMMENT_DEPTH 16
/* More digits than any version number needs: "00000001" is still 1, a longer run is hostile. */
#define MAX_VERSION_DIGITS 8

/* The Authentication-Results parser (RFC 8601 §2.2, CFWS from RFC 5322 §3.2.2) */

typedef struct
{
  const char *start;
  const char *p;
  GError    **error;
} Scanner;

static gboolean G_GNUC_PRINTF (2, 3)
scanner_fail (Scanner    *s,
              const char *format,
              ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (s->error, CNV_POLICY_ERROR, CNV_POLICY_ERROR_INVALID,
               "Invalid Authentication-Results (byte %" G_GSIZE_FORMAT "): %s",
               (gsize) (s->p - s->start), what);
  return FALSE;
}

static gboolean
is_wsp (char c)
{
  return c == ' ' || c == '\t';
}

/* A control character that may not stand anywhere in the value (HTAB, CR, LF are white space). */
static gboolean
is_forbidden_control (char c)
{
  guchar u = (guchar) c;

  return (u < 0x20 && c != '\t' && c != '\r' && c != '\n') || u == 0x7f;
}

/* RFC 5322 §3.2.2 FWS: a line break is white space only when white space follows it (a folded
 * line). The caller may pass the raw value with its final line break, so one may also end it. A
 * line break followed by text would start a new header: refused. */
static gboolean
skip_line_break (Scanner *s)
{
  if (s->p[0] == '\r' && s->p[1] == '\n')
    s->p += 2;
  else
    s->p++;
  if (*s->p != '\0' && !is_wsp (*s->p))
    return scanner_fail (s, "a line break that is not followed by white space");
  return TRUE;
}

/* RFC 5322 §3.2.2 comment: nested, with quoted-pairs; its text is dropped. Iterative, bounded. */
static gboolean
skip_comment (Scanner *s)
{
  guint depth = 0;

  g_assert (*s->p == '(');
  do
    {
      char c = *s->p;

      if (c == '\0')
        return scanner_fail (s, "unterminated comment");
      if (c == '\r' || c == '\n')
        {
          if (!skip_line_break (s))
            return FALSE;
          continue;
        }
      if (is_forbidden_control (c))
        return scanner_fail (s, "control character 0x%02x in a comment", (guchar) c);
      if (c == '\\')
        {
          s->p++;
          if (*s->p == '\0' || *s->p == '\r' || *s->p == '\n' || is_forbidden_control (*s->p))
            return scanner_fail (s, "invalid quoted-pair in a comment");
        }
      else if (c == '(' && ++depth > MAX_COMMENT_DEPTH)
        return scanner_fail (s, "comments nested deeper than %d", MAX_COMMENT_DEPTH);
      else if (c == ')')
        depth--;
      s->p++;
    }
  while (depth > 0);
  return TRUE;
}

/* [CFWS]; @skipped (nullable) tells whether there was any. */
static gboolean
skip_cfws (Scanner  *s,
           gboolean *skipped)
{
  const char *before = s->p;

  while (TRUE)
    {
      if (is_wsp (*s->p))
        s->p++;
      else if (*s->p == '\r' || *s->p == '\n')
        {
          if (!skip_line_break (s))
            return FALSE;
        }
      else if (*s->p == '(')
        {
          if (!skip_comment (s))
            return FALSE;
        }
      else
        break;
    }
  if (skipped != NULL)
    *skipped = s->p != before;
  return TRUE;
}

/* RFC 5322 §3.2.4 quoted-string (the surrounding CFWS is the caller's); returns its content. */
static char *
read_quoted_string (Scanner *s)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert (*s->p == '"');
  s->p++;
  while (*s->p != '"')
    {
      char c = *s->p;

      if (c == '\0')
        {
          scanner_fail (s, "unterminated quoted string");
          return NULL;
        }
      if (c == '\r' || c == '\n')
        {
          if (!skip_line_break (s))
            return NULL;
          continue;
        }
      if (is_forbidden_control (c))
        {
          scanner_fail (s, "control character 0x%02x in a quoted string", (guchar) c);
          return NULL;
        }
      if (c == '\\')
        {
          s->p++;
          if (*s->p == '\0' || *s->p == '\r' || *s->p == '\n' || is_forbidden_control (*s->p))
            {
              scanner_fail (s, "invalid quoted-pair in a quoted string");
              return NULL;
            }
        }
      g_string_append_c (out, *s->p);
      s->p++;
    }
  s->p++;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* RFC 2045 §5.1 token: printable ASCII without tspecials. */
static gboolean
is_token_char (char c)
{
  return c > 0x20 && c < 0x7f && strchr ("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* RFC 5321 §4.1.2 Keyword (Ldh-str), plus "_": Fastmail writes `policy.is_org=yes`. */
static gboolean
is_keyword_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

/* A property value as servers write it: RFC 8601 §2.2 allows a token, a quoted-string or an
 * address, but real servers also write base64 fragments (`header.b=Ab/c+d9=`) and `256/256`
 * unquoted. Anything printable is accepted, up to what delimits it: CFWS, ';', a quote. UTF-8
 * too (the value was validated), for internationalised addresses and domains (RFC 6532 §3.2). */
static gboolean
is_pvalue_char (char c)
{
  return ((guchar) c > 0x20 && c != 0x7f) && strchr ("()\";\\", c) == NULL;
}

static char *
read_run (Scanner    *s,
          gboolean  (*accept) (char c))
{
  const char *begin = s->p;

  while (*s->p != '\0' && accept (*s->p))
    s->p++;
  if (s->p == begin)
    return NULL;
  return g_strndup (begin, s->p - begin);
}

/* RFC 8601 §2.2 value = token / quoted-string */
static char *
read_value (Scanner    *s,
            const char *what)
{
  char *value;

  if (*s->p == '"')
    return read_quoted_string (s);
  value = read_run (s, is_token_char);
  if (value == NULL)
    scanner_fail (s, "expected %s", what);
  return value;
}

/* The character at @p, for an error message: never the raw byte of a control or 8-bit one. */
static char *
describe_at (const char *p)
{
  if (*p == '\0')
    return g_strdup ("the end of the value");
  if ((guchar) *p >= 0x80)
    return g_strdup ("an 8-bit character");
  if (!g_ascii_isprint (*p))
    return g_strdup_printf ("byte 0x%02x", (guchar) *p);
  return g_strdup_printf ("“%c”", *p);
}

static char *
read_keyword (Scanner    *s,
              const char *what)
{
  char *keyword = read_run (s, is_keyword_char);

  if (keyword == NULL)
    {
      g_autofree char *found = describe_at (s->p);

      scanner_fail (s, "%s where %s was expected", found, what);
    }
  return keyword;
}

/* RFC 8601 §2.2 pvalue (leading CFWS skipped by the caller). A quoted local part may be followed
 * by "@domain": the value then keeps the unquoted local part. */
static char *
read_pvalue (Scanner *s)
{
  g_autofree char *quoted = NULL;
  g_autofree char *rest = NULL;

  if (*s->p != '"')
    {
      char *value = read_run (s, is_pvalue_char);

      if (value == NULL)
        scanner_fail (s, "a property has no value");
      return value;
    }

  quoted = read_quoted_string (s);
  if (quoted == NULL)
    return NULL;
  if (*s->p != '@')
    return g_steal_pointer (&quoted);
  rest = read_run (s, is_pvalue_char);
  return g_strconcat (quoted, rest, NULL);
}

/* 1*DIGIT, bounded; the number itself is returned as text. */
static char *
read_version (Scanner *s)
{
  const char *begin = s->p;

  while (g_ascii_isdigit (*s->p))
    s->p++;
  if (s->p == begin)
    {
      scanner_fail (s, "expected a version number");
      return NULL;
    }
  if (s->p - begin > MAX_VERSION_DIGITS)
    {
      scanner_fail (s, "a version number of more than %d digits", MAX_VERSION_DIGITS);
      return NULL;
    }
  while (begin[0] == '0' && begin + 1 < s->p)
    begin++;
  return g_strndup (begin, s->p - begin);
}

static gboolean
expect_char (Scanner    *s,
             char        c,
             const char *after)
{
  if (*s->p != c)
    {
      g_autofree char *found = describe_at (s->p);

      return scanner_fail (s, "%s where “%c” was expected after %s", found, c, after);
    }
  s->p++;
  return TRUE;
}

static void
cnv_auth_result_free (CnvAuthResult *result)
{
  g_free (result->method);
  g_free (result->result);
  g_free (result->reason);
  g_strfreev (result->properties);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvAuthResult, cnv_auth_result_free)

/**
 * cnv_auth_results_free:
 * @results: (nullable): parsed results
 */
void
cnv_auth_results_free (CnvAuthResults *results)
{
  if (results == NULL)
    return;
  g_free (results->authserv_id);
  g_ptr_array_unref (results->results);
  g_free (results);
}

/* resinfo after its ";" (RFC 8601 §2.2):
 *   methodspec [ CFWS reasonspec ] [ CFWS 1*propspec ]
 * @s stands on the method, leading CFWS skipped. */
static CnvAuthResult *
read_resinfo (Scanner    *s,
              const char *method_keyword)
{
  g_autoptr(CnvAuthResult) result = g_new0 (CnvAuthResult, 1);
  g_autoptr(GPtrArray) properties = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *keyword = NULL;
  gboolean spaced;

  result->method = g_ascii_strdown (method_keyword, -1);

  /* method = Keyword [ [CFWS] "/" [CFWS] method-version ]: version 1 is the method itself;
   * another version is another method, which no rule below will take for this one. */
  if (*s->p == '/')
    {
      g_autofree char *version = NULL;

      s->p++;
      if (!skip_cfws (s, NULL) || (version = read_version (s)) == NULL || !skip_cfws (s, NULL))
        return NULL;
      if (strcmp (version, "1") != 0)
        {
          char *versioned = g_strdup_printf ("%s/%s", result->method, version);

          g_free (result->method);
          result->method = versioned;
        }
    }
  if (!expect_char (s, '=', "the method") || !skip_cfws (s, NULL))
    return NULL;
  keyword = read_keyword (s, "a result");
  if (keyword == NULL)
    return NULL;
  result->result = g_ascii_strdown (keyword, -1);
  g_clear_pointer (&keyword, g_free);

  if (!skip_cfws (s, &spaced))
    return NULL;
  while (*s->p != '\0' && *s->p != ';')
    {
      g_autofree char *name = NULL;
      g_autofree char *property = NULL;
      g_autofree char *value = NULL;

      if (!spaced)
        {
          g_autofree char *found = describe_at (s->p);

          scanner_fail (s, "%s where white space or “;” was expected after a result or a property",
                        found);
          return NULL;
        }
      keyword = read_keyword (s, "a property");
      if (keyword == NULL || !skip_cfws (s, NULL))
        return NULL;
      name = g_ascii_strdown (keyword, -1);
      g_clear_pointer (&keyword, g_free);

      /* propspec = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue. Microsoft writes
       * `action=none` and Fastmail `x-bits=2048` without a ptype: kept as written. */
      if (*s->p == '.')
        {
          s->p++;
          if (!skip_cfws (s, NULL))
            return NULL;
          keyword = read_keyword (s, "a property name after the “.”");
          if (keyword == NULL || !skip_cfws (s, NULL))
            return NULL;
          property = g_ascii_strdown (keyword, -1);
          g_clear_pointer (&keyword, g_free);
        }
      if (!expect_char (s, '=', property ? property : name) || !skip_cfws (s, NULL))
        return NULL;

      /* reasonspec = "reason" [CFWS] "=" [CFWS] value, before any property. */
      if (property == NULL && properties->len == 0 && result->reason == NULL &&
          strcmp (name, "reason") == 0)
        {
          result->reason = read_value (s, "the reason");
          if (result->reason == NULL || !skip_cfws (s, &spaced))
            return NULL;
          continue;
        }

      value = read_pvalue (s);
      if (value == NULL || !skip_cfws (s, &spaced))
        return NULL;
      if (property != NULL)
        g_ptr_array_add (properties, g_strdup_printf ("%s.%s=%s", name, property, value));
      else
        g_ptr_array_add (properties, g_strdup_printf ("%s=%s", name, value));
    }

  g_ptr_array_add (properties, NULL);
  result->properties = (char **) g_ptr_array_free (g_steal_pointer (&properties), FALSE);
  return g_steal_pointer (&result);
}

/* Whether @p starts with `method [CFWS] "="` or `method [CFWS] "/" [CFWS] DIGIT`: a value that
 * starts with a result rather than an authserv-id. */
static gboolean
starts_with_method (const char *p)
{
  Scanner probe = { p, p, NULL };
  g_autofree char *keyword = read_run (&probe, is_keyword_char);

  if (keyword == NULL || !skip_cfws (&probe, NULL))
    return FALSE;
  if (*probe.p == '=')
    return TRUE;
  if (*probe.p != '/')
    return FALSE;
  probe.p++;
  return skip_cfws (&probe, NULL) && g_ascii_isdigit (*probe.p);
}

/* authserv-id [ CFWS authres-version ] [CFWS] ";" (RFC 8601 §2.2). @authserv_id receives the id
 * as soon as it is read, even if what follows it fails. */
static gboolean
read_authserv_id (Scanner         *s,
                  CnvAuthResults  *results,
                  char           **authserv_id)
{
  gboolean spaced;

  results->authserv_id = read_value (s, "the authserv-id");
  if (results->authserv_id == NULL)
    return FALSE;
  if (*results->authserv_id == '\0')
    return scanner_fail (s, "the authserv-id is empty");
  if (authserv_id != NULL)
    *authserv_id = g_strdup (results->authserv_id);
  if (!skip_cfws (s, &spaced))
    return FALSE;
  if (spaced && g_ascii_isdigit (*s->p))
    {
      g_autofree char *version = read_version (s);

      if (version == NULL)
        return FALSE;
      /* Version 1 is the only one (RFC 8601 §2.2); another would mean what this parser cannot
       * know, so its verdicts are not taken. */
      if (strcmp (version, "1") != 0)
        return scanner_fail (s, "unknown version %s", version);
      if (!skip_cfws (s, NULL))
        return FALSE;
    }
  return expect_char (s, ';', "the authserv-id");
}

/* The authserv-id at the start of a value that is refused as a whole (too long, not UTF-8), so
 * that the trusted server's broken header still counts as its own. */
static void
peek_authserv_id (const char  *value,
                  char       **authserv_id)
{
  Scanner probe = { value, value, NULL };
  g_autofree char *id = NULL;

  if (authserv_id == NULL || !skip_cfws (&probe, NULL) || starts_with_method (probe.p))
    return;
  id = read_value (&probe, "the authserv-id");
  if (id != NULL && *id != '\0')
    *authserv_id = g_steal_pointer (&id);
}

/* The parser; @authserv_id (out, nullable) receives the authserv-id as soon as it is read, even
 * when the rest of the value then fails: a broken header from the trusted server counts. */
CnvAuthResults *
cnv_auth_results_parse_full (const char  *value,
                             char       **authserv_id,
                             GError     **error)
{
  g_autoptr(CnvAuthResults) results = NULL;
  Scanner scanner = { value, value, error };
  Scanner *s = &scanner;

  if (strlen (value) > MAX_VALUE_SIZE)
    {
      peek_authserv_id (value, authserv_id);
      g_set_error (error, CNV_POLICY_ERROR, CNV_POLICY_ERROR_INVALID,
                   "Invalid Authentication-Results: longer than %d bytes", MAX_VALUE_SIZE);
      return NULL;
    }
  /* RFC 8601 §2.2 with RFC 6532: UTF-8 may stand in comments and quoted strings. */
  if (!g_utf8_validate (value, -1, NULL))
    {
      peek_authserv_id (value, authserv_id);
      g_set_error_literal (error, CNV_POLICY_ERROR, CNV_POLICY_ERROR_INVALID,
                           "Invalid Authentication-Results: not valid UTF-8");
      return NULL;
    }

  results = g_new0 (CnvAuthResults, 1);
  results->results = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_auth_result_free);

  /* [CFWS] authserv-id [ CFWS authres-version ] ";", or straight the first result: Microsoft 365
   * writes no authserv-id. That value is read with an empty authserv-id, which nothing trusts. */
  if (!skip_cfws (s, NULL))
    return NULL;
  if (starts_with_method (s->p))
    results->authserv_id = g_strdup ("");
  else if (!read_authserv_id (s, results, authserv_id))
    return NULL;

  /* ( no-result / 1*resinfo ) [CFWS] */
  while (TRUE)
    {
      g_autofree char *method = NULL;
      CnvAuthResult *result;

      if (!skip_cfws (s, NULL))
        return NULL;
      /* A ";" at the very end, as some servers write, ends the list. */
      if (*s->p == '\0' && results->results->len > 0)
        break;
      method = read_keyword (s, "a method");
      if (method == NULL || !skip_cfws (s, NULL))
        return NULL;

      /* no-result = [CFWS] ";" [CFWS] "none" */
      if (results->results->len == 0 && *s->p == '\0' && g_ascii_strcasecmp (method, "none") == 0)
        break;

      if (results->results->len == MAX_RESULTS)
        {
          scanner_fail (s, "more than %d results", MAX_RESULTS);
          return NULL;
        }
      result = read_resinfo (s, method);
      if (result == NULL)
        return NULL;
      g_ptr_array_add (results->results, result);

      if (*s->p == '\0')
        break;
      g_assert (*s->p == ';');
      s->p++;
    }

  return g_steal_pointer (&results);
}

/**
 * cnv_auth_results_parse:
 * @value: the value of one `Authentication-Results` header field, unfolded or not
 * @error: return location for a #CNV_POLICY_ERROR
 *
 * Parses a header field value by the ABNF of RFC 8601 §2.2, with comments (nested, bounded) and
 * folding white space anywhere RFC 5322 allows them. Methods and results are lower-cased; a
 * method version 1 (`dkim/1`) is the method itself. `none` gives no results. Properties are kept
 * as `ptype.property=value` with ptype and property lower-cased; the value as written (a quoted
 * string unquoted). A value that starts with its first result, as Microsoft 365 writes it, has
 * an empty authserv-id. Refused: values over 64 KiB, more than 256 results, comments nested more
 * than 16 deep, invalid UTF-8, control characters, anything out of the grammar.
 *
 * Returns: (transfer full): the results, or %NULL with @error set
 */
CnvAuthResults *
cnv_auth_results_parse (const char  *value,
                        GError     **error)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return cnv_auth_results_parse_full (value, NULL, error);
}

/* Other structured header values (RFC 5322 §3.2), for cnv-manager-policy.c */

/* The first word of a structured header value, comments and white space skipped, lower case:
 * `Auto-Submitted: Auto-Replied (vacation); owner-email=…` is "auto-replied". NULL when the
 * value cannot be read that way. */
char *
cnv_header_first_word (const char *raw)
{
  Scanner scanner = { raw, raw, NULL };
  g_autofree char *word = NULL;

  if (!skip_cfws (&scanner, NULL))
    return NULL;
  word = read_run (&scanner, is_token_char);
  if (word == NULL || !skip_cfws (&scanner, NULL))
    return NULL;
  if (*scanner.p != '\0' && *scanner.p != ';')
    return NULL;
  return g_ascii_strdown (word, -1);
}

/* RFC 5321 §4.4 and §4.5.5: the null reverse-path of a delivery notification arrives as
 * `Return-Path: <>` (Dovecot's LMTP writes the envelope sender there). */
gboolean
cnv_header_is_null_path (const char *raw)
{
  Scanner scanner = { raw, raw, NULL };

  if (!skip_cfws (&scanner, NULL) || *scanner.p != '<')
    return FALSE;
  scanner.p++;
  if (!skip_cfws (&scanner, NULL) || *scanner.p != '>')
    return FALSE;
  scanner.p++;
  return skip_cfws (&scanner, NULL) && *scanner.p == '\0';
}

/* The verdict on the From address (RFC 8601 §5, RFC 7489) */

/* The value of @name (`header.d`) in @result, or NULL. */
static const char *
find_property (const CnvAuthResult *result,
               const char          *name)
{
  gsize len = strlen (name);

  for (char **p = result->properties; p != NULL && *p != NULL; p++)
    if (strncmp (*p, name, len) == 0 && (*p)[len] == '=')
      return *p + len + 1;
  return NULL;
}

/* A domain read from a header (`Example.ORG.`, `bücher.example`, `user@example.org`) in the
 * form cnv_address_normalize() gives: ASCII, lower case, no final dot. NULL if not a domain. */
static char *
normalize_domain (const char *text)
{
  const char *at = strrchr (text, '@');
  g_autofree char *domain = g_strdup (at != NULL ? at + 1 : text);
  g_autofree char *ascii = NULL;
  gsize len = strlen (domain);

  if (len > 0 && domain[len - 1] == '.')
    domain[len - 1] = '\0';
  if (*domain == '\0')
    return NULL;
  ascii = g_hostname_to_ascii (domain);
  if (ascii == NULL)
    return NULL;
  return g_ascii_strdown (ascii, -1);
}

/* DMARC relaxed alignment (RFC 7489 §3.1.1) asks for the same organisational domain, which the
 * Public Suffix List defines. Without that list here, the rule is simpler: the domains are equal,
 * or one is a subdomain of the other. The shorter one must still have two labels, so that a
 * signature of a top-level domain aligns with nothing. What this rule cannot see: two customers
 * of a shared suffix (a.example-hosting.net, b.example-hosting.net) do not align (correct), but a
 * customer subdomain aligns with the hoster's own domain (example-hosting.net), which the list
 * would have kept apart. */
static gboolean
domains_aligned (const char *a,
                 const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  const char *longer = la >= lb ? a : b;
  const char *shorter = la >= lb ? b : a;
  gsize ll = MAX (la, lb);
  gsize ls = MIN (la, lb);

  if (strchr (shorter, '.') == NULL)
    return FALSE;
  if (ll == ls)
    return strcmp (a, b) == 0;
  return longer[ll - ls - 1] == '.' && strcmp (longer + (ll - ls), shorter) == 0;
}

/* The domain of the From address the request parser takes as the initiator (the first usable
 * mailbox of every From header), or NULL with @reason set. */
static char *
get_from_domain (GMimeMessage  *message,
                 char         **reason)
{
  g_autoptr(InternetAddressList) list = cnv_mime_get_addresses (message, "From");
  g_autoptr(GPtrArray) from = cnv_address_list_from_gmime (list, NULL);
  g_autofree char *domain = NULL;

  if (from->len == 0)
    {
      *reason = g_strdup ("the mail has no usable From address");
      return NULL;
    }
  domain = cnv_address_get_domain (((CnvAddress *) g_ptr_array_index (from, 0))->address);

  /* RFC 7489 §6.6.1: with authors in several domains, which one the verifier checked is
   * anybody's guess. */
  for (guint i = 1; i < from->len; i++)
    {
      g_autofree char *other = cnv_address_get_domain (((CnvAddress *) g_ptr_array_index (from, i))->address);

      if (strcmp (other, domain) != 0)
        {
          *reason = g_strdup_printf ("the From field names addresses in several domains (%s, %s)",
                                     domain, other);
          return NULL;
        }
    }
  return g_steal_pointer (&domain);
}

/* The verdict of the trusted server's results. */
static CnvSenderAuth
judge_results (CnvAuthResults  *results,
               const char      *from_domain,
               char           **reason)
{
  g_autofree char *other_dkim = NULL;
  gboolean have_dmarc = FALSE;
  gboolean have_dkim_pass = FALSE;

  /* DMARC already joins the SPF and DKIM verdicts to the From domain (RFC 7489 §4.2): when the
   * server evaluated it, its result decides; pass must be for this From domain. */
  for (guint i = 0; i < results->results->len; i++)
    {
      CnvAuthResult *result = g_ptr_array_index (results->results, i);
      const char *header_from;
      g_autofree char *shown = NULL;
      g_autofree char *domain = NULL;

      if (strcmp (result->method, "dmarc") != 0)
        continue;
      have_dmarc = TRUE;
      header_from = find_property (result, "header.from");
      shown = cnv_text_show (header_from != NULL ? header_from : from_domain);
      if (strcmp (result->result, "pass") != 0)
        {
          *reason = g_strdup_printf ("DMARC %s for header.from=%s (%s)", result->result, shown,
                                     results->authserv_id);
          return CNV_SENDER_AUTH_FAIL;
        }
      domain = header_from != NULL ? normalize_domain (header_from) : g_strdup (from_domain);
      if (domain == NULL || strcmp (domain, from_domain) != 0)
        {
          *reason = g_strdup_printf ("DMARC passed for header.from=%s, not for the From domain %s",
                                     shown, from_domain);
          return CNV_SENDER_AUTH_FAIL;
        }
    }
  if (have_dmarc)
    {
      *reason = g_strdup_printf ("DMARC pass for %s (%s)", from_domain, results->authserv_id);
      return CNV_SENDER_AUTH_PASS;
    }

  /* Without DMARC: a passing DKIM signature of the From domain's organisation. The signing
   * domain is d= (RFC 6376 §3.5), else the domain of i=, which the verifier checked to lie
   * within d=. */
  for (guint i = 0; i < results->results->len; i++)
    {
      CnvAuthResult *result = g_ptr_array_index (results->results, i);
      const char *signer;
      g_autofree char *domain = NULL;

      if (strcmp (result->method, "dkim") != 0 || strcmp (result->result, "pass") != 0)
        continue;
      have_dkim_pass = TRUE;
      signer = find_property (result, "header.d");
      if (signer == NULL)
        signer = find_property (result, "header.i");
      if (signer == NULL)
        continue;
      domain = normalize_domain (signer);
      if (domain != NULL && domains_aligned (domain, from_domain))
        {
          *reason = g_strdup_printf ("DKIM pass for %s, aligned with the From domain %s (%s)",
                                     domain, from_domain, results->authserv_id);
          return CNV_SENDER_AUTH_PASS;
        }
      if (other_dkim == NULL)
        other_dkim = cnv_text_show (signer);
    }

  if (other_dkim != NULL)
    *reason = g_strdup_printf ("no DMARC result, and DKIM passed only for %s, not aligned with the From domain %s",
                               other_dkim, from_domain);
  else if (have_dkim_pass)
    *reason = g_strdup ("no DMARC result, and the passing DKIM result names no signing domain");
  else
    *reason = g_strdup_printf ("no DMARC result and no passing DKIM signature for %s (%s)",
                               from_domain, results->authserv_id);
  return CNV_SENDER_AUTH_FAIL;
}

/* A DMARC verdict other than pass in @results, or NULL. */
static const CnvAuthResult *
find_dmarc_failure (CnvAuthResults *results)
{
  for (guint i = 0; i < results->results->len; i++)
    {
      const CnvAuthResult *result = g_ptr_array_index (results->results, i);

      if (strcmp (result->method, "dmarc") == 0 && strcmp (result->result, "pass") != 0)
        return result;
    }
  return NULL;
}

static CnvSenderAuth
check_sender (GMimeMessage  *message,
              const char    *trusted_authserv_id,
              char         **reason)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
  int count = g_mime_header_list_get_count (headers);
  g_autofree char *trusted = cnv_text_show (trusted_authserv_id);
  g_autofree char *from_domain = NULL;
  g_autoptr(CnvAuthResults) topmost = NULL;

  /* RFC 8601 §5: only the authserv-id says who wrote a header, and only the trusted server's
   * may be believed. The topmost one is the last added (RFC 5322 §3.6: trace fields are
   * prepended), above anything the sender wrote: its verdict decides. The trusted server may
   * also have stamped the mail more than once (Postfix with OpenDKIM and OpenDMARC writes one
   * header per milter; a content filter reinjects the mail): a DMARC failure or an unreadable
   * header in any of its stamps still fails the mail. A sender who forges such a header can
   * only fail their own mail. */
  for (int i = 0; i < count; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, i);
      g_autoptr(CnvAuthResults) results = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *authserv_id = NULL;
      const CnvAuthResult *failure;
      const char *raw;

      if (g_ascii_strcasecmp (g_mime_header_get_name (header), "Authentication-Results") != 0)
        continue;
      raw = g_mime_header_get_raw_value (header);
      results = cnv_auth_results_parse_full (raw != NULL ? raw : "", &authserv_id, &error);
      if (authserv_id == NULL || g_ascii_strcasecmp (authserv_id, trusted_authserv_id) != 0)
        continue;
      if (results == NULL)
        {
          *reason = g_strdup_printf ("the Authentication-Results of %s cannot be read: %s",
                                     trusted, error->message);
          return CNV_SENDER_AUTH_FAIL;
        }
      if (topmost == NULL)
        {
          topmost = g_steal_pointer (&results);
          continue;
        }
      failure = find_dmarc_failure (results);
      if (failure != NULL)
        {
          const char *header_from = find_property (failure, "header.from");
          g_autofree char *shown = cnv_text_show (header_from != NULL ? header_from : "?");

          *reason = g_strdup_printf ("DMARC %s for header.from=%s in an earlier Authentication-Results of %s",
                                     failure->result, shown, trusted);
          return CNV_SENDER_AUTH_FAIL;
        }
    }

  /* The trusted server stamps every mail it receives: a mail without its stamp did not come
   * through it, or lost the stamp on the way. */
  if (topmost == NULL)
    {
      *reason = g_strdup_printf ("no Authentication-Results from %s", trusted);
      return CNV_SENDER_AUTH_FAIL;
    }
  from_domain = get_from_domain (message, reason);
  if (from_domain == NULL)
    return CNV_SENDER_AUTH_FAIL;
  return judge_results (topmost, from_domain, reason);
}

/**
 * cnv_auth_results_check_sender:
 * @message: a mail that reached the manager or the user
 * @trusted_authserv_id: (nullable): the authserv-id of the receiving server whose verdicts are
 *   believed (`mx.example.org`), or %NULL (or "") when none is configured
 * @reason: (out) (optional) (transfer full): a short sentence for the logs; what it quotes from
 *   the mail is shown with cnv_text_show()
 *
 * Whether the From address of @message is authentic, by the `Authentication-Results` that the
 * trusted server wrote; every other `Authentication-Results` header is ignored (RFC 8601 §5), and
 * the topmost header from the trusted server decides. A DMARC result decides when there is one
 * (pass, for the From domain, is PASS; anything else FAIL). Without one, a passing DKIM
 * signature of a domain aligned with the From domain (relaxed: equal, or a subdomain of one
 * another) is PASS. No header from the trusted server is FAIL; so is any of its headers that
 * cannot be parsed or that holds a DMARC result other than pass, wherever it stands.
 *
 * Returns: the verdict; %CNV_SENDER_AUTH_UNCHECKED only without @trusted_authserv_id
 */
CnvSenderAuth
cnv_auth_results_check_sender (GMimeMessage  *message,
                               const char    *trusted_authserv_id,
                               char         **reason)
{
  g_autofree char *why = NULL;
  CnvSenderAuth verdict;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), CNV_SENDER_AUTH_FAIL);

  if (trusted_authserv_id == NULL || *trusted_authserv_id == '\0')
    {
      why = g_strdup ("no trusted authserv-id is configured: the sender is not checked");
      verdict = CNV_SENDER_AUTH_UNCHECKED;
    }
  else
    verdict = check_sender (message, trusted_authserv_id, &why);

  if (reason != NULL)
    *reason = g_steal_pointer (&why);
  return verdict;
}
