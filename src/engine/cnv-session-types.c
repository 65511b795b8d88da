/* cnv-session-types.c — the session types a manager offers and the addresses that select them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-config"

#include "config.h"

#include <string.h>

#include "cnv-address.h"
#include "cnv-session-types.h"

struct _CnvSessionTypes
{
  GObject    parent_instance;

  /* Owned */
  GPtrArray *types;              /* CnvSessionType */
  GPtrArray *manager_addresses;  /* char*: addresses that select no type of their own */
};

G_DEFINE_FINAL_TYPE (CnvSessionTypes, cnv_session_types, G_TYPE_OBJECT)
G_DEFINE_QUARK (cnv-config-error-quark, cnv_config_error)

/* Keywords are matched as whole words; a longer keyword list than this is a configuration
 * mistake, not a feature. */
#define MAX_KEYWORDS 64

static void
session_type_free (CnvSessionType *type)
{
  g_free (type->name);
  g_free (type->address);
  g_strfreev (type->keywords);
  g_free (type);
}

static void
cnv_session_types_finalize (GObject *object)
{
  CnvSessionTypes *self = (CnvSessionTypes *) object;

  g_clear_pointer (&self->types, g_ptr_array_unref);
  g_clear_pointer (&self->manager_addresses, g_ptr_array_unref);

  G_OBJECT_CLASS (cnv_session_types_parent_class)->finalize (object);
}

static void
cnv_session_types_class_init (CnvSessionTypesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnv_session_types_finalize;
}

static void
cnv_session_types_init (CnvSessionTypes *self)
{
  self->types = g_ptr_array_new_with_free_func ((GDestroyNotify) session_type_free);
  self->manager_addresses = g_ptr_array_new_with_free_func (g_free);
}

/**
 * cnv_session_types_new:
 *
 * Returns: (transfer full): an empty table
 */
CnvSessionTypes *
cnv_session_types_new (void)
{
  return g_object_new (CNV_TYPE_SESSION_TYPES, NULL);
}

/**
 * cnv_session_types_new_default:
 *
 * The table used when no configuration is given: `videoconference@*` (the default) and
 * `whiteboard@*`, each matching its local part at any domain.
 *
 * Returns: (transfer full): the table
 */
CnvSessionTypes *
cnv_session_types_new_default (void)
{
  CnvSessionTypes *self = cnv_session_types_new ();
  static const char * const video_keywords[] = { "videoconference", "video", NULL };
  static const char * const board_keywords[] = { "whiteboard", NULL };

  cnv_session_types_add (self, "videoconference", "videoconference@*", video_keywords, TRUE, NULL);
  cnv_session_types_add (self, "whiteboard", "whiteboard@*", board_keywords, FALSE, NULL);

  return self;
}

static gboolean
is_valid_type_name (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* Normalises a type's address; `local@*` keeps its wildcard domain. */
static char *
normalize_type_address (const char  *address,
                        GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (address));
  g_autoptr(GError) local_error = NULL;
  char *normalized;

  if (g_str_has_suffix (trimmed, "@*"))
    {
      g_autofree char *probe = NULL;
      g_autofree char *local = g_strndup (trimmed, strlen (trimmed) - 2);
      g_autofree char *example = g_strconcat (local, "@example.invalid", NULL);

      /* Validate the local part as an address at a placeholder domain, then keep the wildcard. */
      probe = cnv_address_normalize (example, &local_error);
      if (probe == NULL)
        {
          g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID,
                       "“%s” is not a manager address: %s", trimmed, local_error->message);
          return NULL;
        }
      *strrchr (probe, '@') = '\0';
      return g_strconcat (probe, "@*", NULL);
    }

  normalized = cnv_address_normalize (trimmed, &local_error);
  if (normalized == NULL)
    g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID,
                 "“%s” is not a manager address: %s", trimmed, local_error->message);
  return normalized;
}

static gboolean
address_matches (const char *pattern,
                 const char *normalized)
{
  gsize plen;

  if (pattern == NULL)
    return FALSE;
  plen = strlen (pattern);
  if (plen >= 2 && pattern[plen - 1] == '*' && pattern[plen - 2] == '@')
    return strncmp (pattern, normalized, plen - 1) == 0 && strchr (normalized + plen - 1, '@') == NULL;
  return strcmp (pattern, normalized) == 0;
}

/**
 * cnv_session_types_add:
 * @self: a table
 * @name: the type's name: letters, digits, `-` and `_`
 * @address: (nullable): the manager address that selects it (`local@*` for any domain)
 * @keywords: (nullable) (array zero-terminated=1): words that select it in the subject or body
 * @is_default: whether it is the type chosen when nothing else selects one
 * @error: return location for a #CNV_CONFIG_ERROR
 *
 * Returns: %TRUE, or %FALSE with @error set when a value is invalid or already taken
 */
gboolean
cnv_session_types_add (CnvSessionTypes    *self,
                       const char         *name,
                       const char         *address,
                       const char * const *keywords,
                       gboolean            is_default,
                       GError            **error)
{
  g_autofree char *normalized = NULL;
  g_autoptr(GPtrArray) words = NULL;
  CnvSessionType *type;

  g_return_val_if_fail (CNV_IS_SESSION_TYPES (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!is_valid_type_name (name))
    {
      g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID,
                   "“%s” is not a valid type name (letters, digits, - and _)", name);
      return FALSE;
    }
  if (cnv_session_types_lookup (self, name) != NULL)
    {
      g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_DUPLICATE,
                   "The type “%s” is defined twice", name);
      return FALSE;
    }

  if (address != NULL && *address != '\0')
    {
      normalized = normalize_type_address (address, error);
      if (normalized == NULL)
        return FALSE;
      for (guint i = 0; i < self->types->len; i++)
        {
          const CnvSessionType *other = g_ptr_array_index (self->types, i);

          if (g_strcmp0 (other->address, normalized) == 0)
            {
              g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_DUPLICATE,
                           "The types “%s” and “%s” have the same address %s",
                           other->name, name, normalized);
              return FALSE;
            }
        }
    }

  if (is_default && cnv_session_types_get_default (self) != NULL)
    {
      g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_DUPLICATE,
                   "Both “%s” and “%s” are marked default=true",
                   cnv_session_types_get_default (self)->name, name);
      return FALSE;
    }

  words = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; keywords != NULL && keywords[i] != NULL; i++)
    {
      g_autofree char *word = g_utf8_make_valid (keywords[i], -1);
      g_autofree char *folded = NULL;

      g_strstrip (word);
      if (*word == '\0')
        continue;
      if (words->len >= MAX_KEYWORDS)
        {
          g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID,
                       "The type “%s” has more than %d keywords", name, MAX_KEYWORDS);
          return FALSE;
        }
      folded = g_utf8_casefold (word, -1);
      g_ptr_array_add (words, g_utf8_normalize (folded, -1, G_NORMALIZE_NFC));
    }
  g_ptr_array_add (words, NULL);

  type = g_new0 (CnvSessionType, 1);
  type->name = g_strdup (name);
  type->address = g_steal_pointer (&normalized);
  type->keywords = (char **) g_ptr_array_free (g_steal_pointer (&words), FALSE);
  type->is_default = is_default;
  g_ptr_array_add (self->types, type);

  return TRUE;
}

/**
 * cnv_session_types_add_manager_address:
 * @self: a table
 * @address: an address of the manager that selects no type by itself (the seed's single-address
 *   variant: the type then comes from a keyword, or is the default)
 * @error: return location for a #CNV_CONFIG_ERROR
 */
gboolean
cnv_session_types_add_manager_address (CnvSessionTypes  *self,
                                       const char       *address,
                                       GError          **error)
{
  char *normalized;

  g_return_val_if_fail (CNV_IS_SESSION_TYPES (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  normalized = normalize_type_address (address, error);
  if (normalized == NULL)
    return FALSE;
  g_ptr_array_add (self->manager_addresses, normalized);
  return TRUE;
}

static char **
split_list (const char *value)
{
  /* Both `a;b` (GKeyFile lists) and `a, b` (what people type) are accepted. */
  return g_strsplit_set (value, ";,", -1);
}

/**
 * cnv_session_types_load_key_file:
 * @self: a table
 * @key_file: the manager's INI configuration
 * @error: return location for a #CNV_CONFIG_ERROR
 *
 * Reads every `[type NAME]` group (keys `address`, `keywords`, `default`) and the `[manager]`
 * key `address` (single-address variant; a list is allowed). At least one type is required.
 */
gboolean
cnv_session_types_load_key_file (CnvSessionTypes  *self,
                                 GKeyFile         *key_file,
                                 GError          **error)
{
  g_auto(GStrv) groups = NULL;
  g_autofree char *manager_address = NULL;

  g_return_val_if_fail (CNV_IS_SESSION_TYPES (self), FALSE);
  g_return_val_if_fail (key_file != NULL, FALSE);

  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *group = groups[i];
      g_autofree char *address = NULL;
      g_autofree char *keywords = NULL;
      g_auto(GStrv) words = NULL;
      g_autoptr(GError) local_error = NULL;
      gboolean is_default = FALSE;

      if (!g_str_has_prefix (group, "type "))
        continue;

      address = g_key_file_get_string (key_file, group, "address", NULL);
      keywords = g_key_file_get_string (key_file, group, "keywords", NULL);
      if (g_key_file_has_key (key_file, group, "default", NULL))
        {
          is_default = g_key_file_get_boolean (key_file, group, "default", &local_error);
          if (local_error != NULL)
            {
              g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID,
                           "[%s] default must be true or false", group);
              return FALSE;
            }
        }
      if ((address == NULL || *g_strstrip (address) == '\0') && keywords == NULL && !is_default)
        {
          g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_MISSING,
                       "[%s] needs an address, keywords or default=true: nothing would select it",
                       group);
          return FALSE;
        }

      words = keywords ? split_list (keywords) : NULL;
      if (!cnv_session_types_add (self, group + strlen ("type "), address,
                                  (const char * const *) words, is_default, &local_error))
        {
          g_set_error (error, CNV_CONFIG_ERROR, local_error->code, "[%s] %s", group, local_error->message);
          return FALSE;
        }
    }

  if (self->types->len == 0)
    {
      g_set_error_literal (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_MISSING,
                           "No session type is configured: add a [type NAME] group");
      return FALSE;
    }

  manager_address = g_key_file_get_string (key_file, "manager", "address", NULL);
  if (manager_address != NULL)
    {
      g_auto(GStrv) addresses = split_list (manager_address);

      for (guint i = 0; addresses[i] != NULL; i++)
        {
          g_autoptr(GError) local_error = NULL;

          if (*g_strstrip (addresses[i]) == '\0')
            continue;
          if (!cnv_session_types_add_manager_address (self, addresses[i], &local_error))
            {
              g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID,
                           "[manager] address: %s", local_error->message);
              return FALSE;
            }
        }
    }

  return TRUE;
}

guint
cnv_session_types_get_n_types (CnvSessionTypes *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_TYPES (self), 0);

  return self->types->len;
}

const CnvSessionType *
cnv_session_types_get_nth (CnvSessionTypes *self,
                           guint            n)
{
  g_return_val_if_fail (CNV_IS_SESSION_TYPES (self), NULL);
  g_return_val_if_fail (n < self->types->len, NULL);

  return g_ptr_array_index (self->types, n);
}

/**
 * cnv_session_types_lookup:
 *
 * Returns: (nullable): the type called @name
 */
const CnvSessionType *
cnv_session_types_lookup (CnvSessionTypes *self,
                          const char      *name)
{
  g_return_val_if_fail (CNV_IS_SESSION_TYPES (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->types->len; i++)
    {
      const CnvSessionType *type = g_ptr_array_index (self->types, i);

      if (g_strcmp0 (type->name, name) == 0)
        return type;
    }
  return NULL;
}

/**
 * cnv_session_types_get_default:
 *
 * Returns: (nullable): the type marked default, or the only type when there is just one
 */
const CnvSessionType *
cnv_session_types_get_default (CnvSessionTypes *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_TYPES (self), NULL);

  for (guint i = 0; i < self->types->len; i++)
    {
      const CnvSessionType *type = g_ptr_array_index (self->types, i);

      if (type->is_default)
        return type;
    }
  return NULL;
}

/**
 * cnv_session_types_match_address:
 * @normalized: a normalised address
 *
 * Returns: (nullable): the type whose manager address @normalized is
 */
const CnvSessionType *
cnv_session_types_match_address (CnvSessionTypes *self,
                                  const char      *normalized)
{
  g_return_val_if_fail (CNV_IS_SESSION_TYPES (self), NULL);
  g_return_val_if_fail (normalized != NULL, NULL);

  /* An exact address beats a wildcard domain. */
  for (guint i = 0; i < self->types->len; i++)
    {
      const CnvSessionType *type = g_ptr_array_index (self->types, i);

      if (type->address != NULL && !g_str_has_suffix (type->address, "@*") &&
          strcmp (type->address, normalized) == 0)
        return type;
    }
  for (guint i = 0; i < self->types->len; i++)
    {
      const CnvSessionType *type = g_ptr_array_index (self->types, i);

      if (address_matches (type->address, normalized))
        return type;
    }
  return NULL;
}

/**
 * cnv_session_types_is_manager_address:
 * @normalized: a normalised address
 *
 * Returns: whether mail to @normalized reaches the manager: a type's address or one of the
 *   `[manager] address` list. Such an address is never a participant.
 */
gboolean
cnv_session_types_is_manager_address (CnvSessionTypes *self,
                                      const char      *normalized)
{
  g_return_val_if_fail (CNV_IS_SESSION_TYPES (self), FALSE);
  g_return_val_if_fail (normalized != NULL, FALSE);

  if (cnv_session_types_match_address (self, normalized) != NULL)
    return TRUE;
  for (guint i = 0; i < self->manager_addresses->len; i++)
    if (address_matches (g_ptr_array_index (self->manager_addresses, i), normalized))
      return TRUE;
  return FALSE;
}

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || c == '_';
}

/* The first occurrence of @keyword in @folded as a whole word (or words), or %NULL. */
static const char *
find_word (const char *folded,
           const char *keyword)
{
  gsize klen = strlen (keyword);
  const char *p = folded;

  if (klen == 0)
    return NULL;

  while ((p = strstr (p, keyword)) != NULL)
    {
      gboolean start_ok = p == folded || !is_word_char (g_utf8_get_char (g_utf8_prev_char (p)));
      gboolean end_ok = p[klen] == '\0' || !is_word_char (g_utf8_get_char (p + klen));

      if (start_ok && end_ok)
        return p;
      p = g_utf8_next_char (p);
    }
  return NULL;
}

/**
 * cnv_session_types_match_keyword:
 * @text: UTF-8 text (a subject, a body)
 * @len: its length in bytes, or -1 when nul-terminated
 *
 * The seed's single-address variant (E511): the type whose keyword occurs earliest in @text,
 * as a whole word, case-insensitively.
 *
 * Returns: (nullable): the type, or %NULL when no keyword occurs
 */
const CnvSessionType *
cnv_session_types_match_keyword (CnvSessionTypes *self,
                                 const char      *text,
                                 gsize            len)
{
  g_autofree char *valid = NULL;
  g_autofree char *folded = NULL;
  const CnvSessionType *best = NULL;
  gsize best_offset = G_MAXSIZE;

  g_return_val_if_fail (CNV_IS_SESSION_TYPES (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  valid = g_utf8_make_valid (text, (gssize) len);
  {
    g_autofree char *casefolded = g_utf8_casefold (valid, -1);

    folded = g_utf8_normalize (casefolded, -1, G_NORMALIZE_NFC);
  }
  if (folded == NULL)
    return NULL;

  for (guint i = 0; i < self->types->len; i++)
    {
      const CnvSessionType *type = g_ptr_array_index (self->types, i);

      for (guint k = 0; type->keywords != NULL && type->keywords[k] != NULL; k++)
        {
          const char *hit = find_word (folded, type->keywords[k]);

          if (hit != NULL && (gsize) (hit - folded) < best_offset)
            {
              best_offset = hit - folded;
              best = type;
            }
        }
    }

  return best;
}
