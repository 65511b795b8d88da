/* cnv-address.c — e-mail addresses, parsed with gmime and normalised for comparison
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-address"

#include "config.h"

#include <string.h>

#include "cnv-address.h"
#include "cnv-mime.h"
#include "cnv-text.h"

G_DEFINE_QUARK (cnv-address-error-quark, cnv_address_error)
G_DEFINE_BOXED_TYPE (CnvAddress, cnv_address, cnv_address_copy, cnv_address_free)

/* RFC 5321 §4.5.3.1: local part ≤ 64 octets, path ≤ 256 octets (address ≤ 254). */
#define MAX_LOCAL_PART 64
#define MAX_ADDRESS 254
/* Groups inside groups are not RFC 5322 syntax, but gmime accepts them: bound the recursion. */
#define MAX_GROUP_DEPTH 4

static gboolean
is_ascii (const char *text)
{
  for (const char *p = text; *p; p++)
    if ((guchar) *p >= 0x80)
      return FALSE;
  return TRUE;
}

static gboolean
is_valid_label (const char *label,
                gsize       len)
{
  if (len == 0 || len > 63)
    return FALSE;
  if (label[0] == '-' || label[len - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char c = label[i];

      if (!g_ascii_isalnum (c) && c != '-')
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_valid_domain (const char *domain)
{
  const char *p = domain;

  if (*domain == '\0' || strlen (domain) > 253)
    return FALSE;

  while (TRUE)
    {
      const char *dot = strchr (p, '.');
      gsize len = dot ? (gsize) (dot - p) : strlen (p);

      if (!is_valid_label (p, len))
        return FALSE;
      if (dot == NULL)
        return TRUE;
      p = dot + 1;
    }
}

/* RFC 5322 §3.4.1 dot-atom local parts (with UTF-8, RFC 6532). Quoted local parts
 * ("john doe"@example.org) are refused: no organisation's accounts use them, they cannot be
 * written as an iCalendar CAL-ADDRESS without escaping that calendar programs get wrong, and
 * specials inside them are a classic way to make two programs read two different addresses. */
/* An "xn--" label must be real punycode (RFC 5891 §5.4): one that is not would be read as
 * Unicode by one program and as ASCII by another, and name two different domains. */
static gboolean
is_valid_punycode (const char *ascii_domain)
{
  g_autofree char *unicode = NULL;
  g_autofree char *again = NULL;
  g_autofree char *lower = NULL;

  if (strstr (ascii_domain, "xn--") == NULL)
    return TRUE;
  unicode = g_hostname_to_unicode (ascii_domain);
  if (unicode == NULL)
    return FALSE;
  again = g_hostname_to_ascii (unicode);
  if (again == NULL)
    return FALSE;
  lower = g_ascii_strdown (again, -1);
  return strcmp (lower, ascii_domain) == 0;
}

static gboolean
is_valid_local_part (const char *local)
{
  gsize len = strlen (local);

  if (len == 0 || len > MAX_LOCAL_PART)
    return FALSE;
  if (!g_utf8_validate (local, -1, NULL))
    return FALSE;

  for (const char *p = local; *p; p++)
    {
      guchar c = (guchar) *p;

      if (c <= 0x20 || c == 0x7f || strchr ("\"(),:;<>@[\\]", c) != NULL)
        return FALSE;
    }
  if (local[0] == '.' || local[len - 1] == '.' || strstr (local, "..") != NULL)
    return FALSE;

  return TRUE;
}

/**
 * cnv_address_normalize:
 * @address: an addr-spec (`Alice@Example.TEST`, `bob@bücher.example`)
 * @error: return location for a #CNV_ADDRESS_ERROR
 *
 * Normalises an address for comparison and storage: surrounding white space and angle brackets
 * removed, the domain converted to ASCII (IDNA) and lower-cased, ASCII letters of the local part
 * lower-cased. RFC 5321 lets a server treat local parts case-sensitively, but no mail system an
 * organisation runs does, and two spellings of one person must not become two participants.
 *
 * Returns: (transfer full): the normalised address, or %NULL with @error set
 */
char *
cnv_address_normalize (const char  *address,
                       GError     **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *local = NULL;
  g_autofree char *ascii_domain = NULL;
  g_autofree char *local_nfc = NULL;
  const char *at;
  char *domain;
  gsize len;

  g_return_val_if_fail (address != NULL, NULL);

  trimmed = g_strstrip (g_strdup (address));
  len = strlen (trimmed);
  if (len >= 2 && trimmed[0] == '<' && trimmed[len - 1] == '>')
    {
      memmove (trimmed, trimmed + 1, len - 2);
      trimmed[len - 2] = '\0';
    }

  if (*trimmed == '\0')
    {
      g_set_error_literal (error, CNV_ADDRESS_ERROR, CNV_ADDRESS_ERROR_EMPTY,
                           "The address is empty");
      return NULL;
    }

  if (!g_utf8_validate (trimmed, -1, NULL))
    {
      g_set_error_literal (error, CNV_ADDRESS_ERROR, CNV_ADDRESS_ERROR_INVALID,
                           "The address is not valid UTF-8");
      return NULL;
    }

  at = strrchr (trimmed, '@');
  if (at == NULL || at == trimmed || at[1] == '\0')
    {
      g_set_error (error, CNV_ADDRESS_ERROR, CNV_ADDRESS_ERROR_INVALID,
                   "“%s” is not an e-mail address (local@domain)", trimmed);
      return NULL;
    }

  local = g_strndup (trimmed, at - trimmed);
  domain = (char *) at + 1;
  len = strlen (domain);
  if (len > 0 && domain[len - 1] == '.')
    domain[len - 1] = '\0';

  if (!is_valid_local_part (local))
    {
      g_set_error (error, CNV_ADDRESS_ERROR, CNV_ADDRESS_ERROR_INVALID,
                   "“%s” is not an e-mail address: its local part is malformed", trimmed);
      return NULL;
    }

  /* IDNA (RFC 5891): the ASCII form is the canonical one for comparison. Most domains are ASCII
   * already, and g_hostname_to_ascii() is slow to say so. */
  ascii_domain = is_ascii (domain) ? g_strdup (domain) : g_hostname_to_ascii (domain);
  if (ascii_domain == NULL)
    {
      g_set_error (error, CNV_ADDRESS_ERROR, CNV_ADDRESS_ERROR_INVALID,
                   "“%s” is not an e-mail address: its domain is not a host name", trimmed);
      return NULL;
    }
  {
    char *lower = g_ascii_strdown (ascii_domain, -1);

    g_free (ascii_domain);
    ascii_domain = lower;
  }
  if (!is_valid_domain (ascii_domain) || !is_valid_punycode (ascii_domain))
    {
      g_set_error (error, CNV_ADDRESS_ERROR, CNV_ADDRESS_ERROR_INVALID,
                   "“%s” is not an e-mail address: its domain is not a host name", trimmed);
      return NULL;
    }

  local_nfc = is_ascii (local) ? g_strdup (local) : g_utf8_normalize (local, -1, G_NORMALIZE_NFC);
  {
    g_autofree char *lower_local = g_ascii_strdown (local_nfc, -1);
    char *result = g_strconcat (lower_local, "@", ascii_domain, NULL);

    if (strlen (result) > MAX_ADDRESS)
      {
        g_free (result);
        g_set_error (error, CNV_ADDRESS_ERROR, CNV_ADDRESS_ERROR_INVALID,
                     "The address is longer than %d characters", MAX_ADDRESS);
        return NULL;
      }
    return result;
  }
}

/**
 * cnv_address_get_domain:
 * @normalized: a normalised address
 *
 * Returns: (transfer full): the part after the last `@`
 */
char *
cnv_address_get_domain (const char *normalized)
{
  const char *at;

  g_return_val_if_fail (normalized != NULL, NULL);

  at = strrchr (normalized, '@');
  return g_strdup (at ? at + 1 : "");
}

/**
 * cnv_address_sanitize_name:
 * @name: (nullable): a display name as found in a header or typed by a user
 *
 * Makes a display name safe to show and to put back into a header: invalid UTF-8 repaired,
 * control characters (CR and LF among them: header injection) replaced by spaces, runs of white
 * space folded, surrounding white space and quotes removed.
 *
 * Returns: (transfer full) (nullable): the name, or %NULL when nothing is left
 */
char *
cnv_address_sanitize_name (const char *name)
{
  g_autofree char *line = cnv_text_clean_line (name);
  GString *out;

  if (line == NULL)
    return NULL;
  out = g_string_new (line);

  /* A name written as "Alice" (quotes kept by a sloppy client) is Alice. */
  while (out->len >= 2 && out->str[0] == '"' && out->str[out->len - 1] == '"')
    {
      g_string_truncate (out, out->len - 1);
      g_string_erase (out, 0, 1);
    }
  g_strstrip (out->str);
  out->len = strlen (out->str);

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/**
 * cnv_address_new:
 * @name: (nullable): a display name
 * @address: an addr-spec, normalised here
 * @error: return location for a #CNV_ADDRESS_ERROR
 *
 * Returns: (transfer full): the address, or %NULL with @error set when @address is not one
 */
CnvAddress *
cnv_address_new (const char  *name,
                 const char  *address,
                 GError     **error)
{
  CnvAddress *self;
  char *normalized;

  g_return_val_if_fail (address != NULL, NULL);

  normalized = cnv_address_normalize (address, error);
  if (normalized == NULL)
    return NULL;

  self = g_new0 (CnvAddress, 1);
  self->address = normalized;
  self->name = cnv_address_sanitize_name (name);
  /* "alice@example.test <alice@example.test>": the name adds nothing. */
  if (self->name != NULL && g_ascii_strcasecmp (self->name, normalized) == 0)
    g_clear_pointer (&self->name, g_free);

  return self;
}

CnvAddress *
cnv_address_copy (const CnvAddress *self)
{
  CnvAddress *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (CnvAddress, 1);
  copy->name = g_strdup (self->name);
  copy->address = g_strdup (self->address);
  return copy;
}

void
cnv_address_free (CnvAddress *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->address);
  g_free (self);
}

/**
 * cnv_address_equal:
 *
 * Returns: whether @a and @b are the same mailbox (display names are not compared)
 */
gboolean
cnv_address_equal (const CnvAddress *a,
                   const CnvAddress *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  return g_strcmp0 (a->address, b->address) == 0;
}

/**
 * cnv_address_to_display:
 *
 * Returns: (transfer full): `Name <address>` (or the bare address) for people, with an IDN domain
 *   shown in Unicode. Never put this into a header: use cnv_address_list_to_gmime().
 */
char *
cnv_address_to_display (const CnvAddress *self)
{
  g_autofree char *domain = NULL;
  g_autofree char *unicode = NULL;
  g_autofree char *local = NULL;
  g_autofree char *shown = NULL;
  const char *at;

  g_return_val_if_fail (self != NULL, NULL);

  at = strrchr (self->address, '@');
  if (at != NULL)
    {
      local = g_strndup (self->address, at - self->address);
      domain = g_strdup (at + 1);
      unicode = g_hostname_to_unicode (domain);
      shown = g_strconcat (local, "@", unicode ? unicode : domain, NULL);
    }
  else
    shown = g_strdup (self->address);

  if (self->name != NULL)
    return g_strdup_printf ("%s <%s>", self->name, shown);
  return g_steal_pointer (&shown);
}

static void
collect_addresses (InternetAddressList *list,
                   GPtrArray           *out,
                   GHashTable          *seen,
                   GPtrArray           *warnings,
                   guint                depth)
{
  int n = internet_address_list_length (list);

  for (int i = 0; i < n; i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_GROUP (ia))
        {
          InternetAddressList *members = internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia));

          if (depth >= MAX_GROUP_DEPTH)
            {
              cnv_warn (warnings, "Ignored a group nested deeper than %d levels", MAX_GROUP_DEPTH);
              continue;
            }
          if (members != NULL)
            collect_addresses (members, out, seen, warnings, depth + 1);
        }
      else if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
          g_autoptr(GError) error = NULL;
          g_autoptr(CnvAddress) address = NULL;
          CnvAddress *known;

          address = cnv_address_new (internet_address_get_name (ia), addr ? addr : "", &error);
          if (address == NULL)
            {
              g_autofree char *shown = cnv_address_sanitize_name (addr);

              cnv_warn (warnings, "Ignored “%s”: not an e-mail address", shown ? shown : "");
              continue;
            }

          known = g_hash_table_lookup (seen, address->address);
          if (known != NULL)
            {
              /* The first spelling wins, but a name is better than none. */
              if (known->name == NULL && address->name != NULL)
                known->name = g_steal_pointer (&address->name);
              continue;
            }

          g_hash_table_insert (seen, address->address, address);
          g_ptr_array_add (out, g_steal_pointer (&address));
        }
    }
}

/**
 * cnv_address_list_from_gmime:
 * @list: (nullable): a parsed address list
 * @warnings: (nullable) (element-type utf8): where to add a sentence for each entry ignored
 *
 * Flattens groups, normalises every mailbox, drops duplicates (the first spelling wins) and
 * ignores, with a warning, what is not an address.
 *
 * Returns: (transfer full) (element-type CnvAddress): the addresses, in order
 */
GPtrArray *
cnv_address_list_from_gmime (InternetAddressList *list,
                             GPtrArray           *warnings)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  g_autoptr(GHashTable) seen = NULL;

  if (list == NULL)
    return out;

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  collect_addresses (list, out, seen, warnings, 0);
  return out;
}

/**
 * cnv_address_list_parse:
 * @text: an address list as in a header or as a user types it (`Bob <bob@x>, carol@y`)
 * @warnings: (nullable) (element-type utf8): where to add a sentence for each entry ignored
 *
 * Returns: (transfer full) (element-type CnvAddress): the addresses, possibly none
 */
GPtrArray *
cnv_address_list_parse (const char *text,
                        GPtrArray  *warnings)
{
  g_autoptr(InternetAddressList) list = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  list = internet_address_list_parse (NULL, text);
  return cnv_address_list_from_gmime (list, warnings);
}

/**
 * cnv_address_list_contains:
 * @list: (element-type CnvAddress): a list
 * @normalized: a normalised address
 */
gboolean
cnv_address_list_contains (GPtrArray  *list,
                           const char *normalized)
{
  g_return_val_if_fail (list != NULL, FALSE);
  g_return_val_if_fail (normalized != NULL, FALSE);

  for (guint i = 0; i < list->len; i++)
    {
      const CnvAddress *address = g_ptr_array_index (list, i);

      if (g_strcmp0 (address->address, normalized) == 0)
        return TRUE;
    }
  return FALSE;
}

/**
 * cnv_address_list_add_unique:
 * @list: (element-type CnvAddress): a list that owns its elements
 * @address: an address to add a copy of, unless the list holds it already
 */
void
cnv_address_list_add_unique (GPtrArray        *list,
                             const CnvAddress *address)
{
  g_return_if_fail (list != NULL);
  g_return_if_fail (address != NULL);

  if (!cnv_address_list_contains (list, address->address))
    g_ptr_array_add (list, cnv_address_copy (address));
}

/**
 * cnv_address_list_to_gmime:
 * @list: (element-type CnvAddress): addresses
 *
 * Returns: (transfer full): a gmime list, which encodes names (RFC 2047) and quotes specials when
 *   it is written into a header
 */
InternetAddressList *
cnv_address_list_to_gmime (GPtrArray *list)
{
  InternetAddressList *out = internet_address_list_new ();

  g_return_val_if_fail (list != NULL, out);

  for (guint i = 0; i < list->len; i++)
    {
      const CnvAddress *address = g_ptr_array_index (list, i);
      /* The struct is public: a name filled in by hand is made safe here too. */
      g_autofree char *name = cnv_address_sanitize_name (address->name);
      g_autoptr(InternetAddress) ia = NULL;

      /* gmime writes ASCII that looks like an encoded-word as it is, and readers then decode it
       * into something else (RFC 2047 §5 (3)): such a name is given to gmime already encoded. */
      if (name != NULL && strstr (name, "=?") != NULL)
        {
          char *encoded = cnv_mime_encode_words (name, " ");

          g_free (name);
          name = encoded;
        }
      ia = internet_address_mailbox_new (name, address->address);

      internet_address_list_add (out, ia);
    }
  return out;
}
