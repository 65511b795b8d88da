/* cnv-imap-response.c — one IMAP server response, parsed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-imap"

#include "config.h"

#include "cnv-imap-response.h"

G_DEFINE_QUARK (cnv-imap-error-quark, cnv_imap_error)

void
cnv_imap_value_free (CnvImapValue *value)
{
  if (value == NULL)
    return;
  g_free (value->atom);
  g_clear_pointer (&value->bytes, g_bytes_unref);
  g_clear_pointer (&value->items, g_ptr_array_unref);
  g_free (value);
}

/**
 * cnv_imap_value_get_atom:
 * @value: (nullable): a value
 *
 * Returns: (nullable): the atom's text, or %NULL when @value is not an atom
 */
const char *
cnv_imap_value_get_atom (const CnvImapValue *value)
{
  if (value == NULL || value->kind != CNV_IMAP_VALUE_ATOM)
    return NULL;
  return value->atom;
}

gboolean
cnv_imap_value_get_number (const CnvImapValue *value,
                           guint64            *number)
{
  if (value == NULL || value->kind != CNV_IMAP_VALUE_NUMBER)
    return FALSE;
  if (number != NULL)
    *number = value->number;
  return TRUE;
}

/**
 * cnv_imap_value_get_bytes:
 * @value: (nullable): a value
 *
 * Returns: (transfer none) (nullable): the content of a string or literal
 */
GBytes *
cnv_imap_value_get_bytes (const CnvImapValue *value)
{
  if (value == NULL || value->kind != CNV_IMAP_VALUE_STRING)
    return NULL;
  return value->bytes;
}

/**
 * cnv_imap_value_dup_string:
 * @value: (nullable): a value
 *
 * Returns: (transfer full) (nullable): an atom, number or string as text (a string holding a NUL
 *   byte is cut there), %NULL for NIL, lists and %NULL
 */
char *
cnv_imap_value_dup_string (const CnvImapValue *value)
{
  gsize size;
  const char *data;

  if (value == NULL)
    return NULL;

  switch (value->kind)
    {
    case CNV_IMAP_VALUE_ATOM:
      return g_strdup (value->atom);
    case CNV_IMAP_VALUE_NUMBER:
      return g_strdup_printf ("%" G_GUINT64_FORMAT, value->number);
    case CNV_IMAP_VALUE_STRING:
      data = g_bytes_get_data (value->bytes, &size);
      return g_strndup (data != NULL ? data : "", size);
    case CNV_IMAP_VALUE_NIL:
    case CNV_IMAP_VALUE_LIST:
    default:
      return NULL;
    }
}

CnvImapResponse *
cnv_imap_response_new (CnvImapResponseKind kind)
{
  CnvImapResponse *self = g_new0 (CnvImapResponse, 1);

  self->kind = kind;
  self->args = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_imap_value_free);
  self->code_args = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_imap_value_free);
  return self;
}

void
cnv_imap_response_free (CnvImapResponse *self)
{
  if (self == NULL)
    return;
  g_free (self->tag);
  g_free (self->name);
  g_free (self->code);
  g_free (self->text);
  g_clear_pointer (&self->args, g_ptr_array_unref);
  g_clear_pointer (&self->code_args, g_ptr_array_unref);
  g_free (self);
}

const char *
cnv_imap_status_to_string (CnvImapStatus status)
{
  switch (status)
    {
    case CNV_IMAP_STATUS_OK:
      return "OK";
    case CNV_IMAP_STATUS_NO:
      return "NO";
    case CNV_IMAP_STATUS_BAD:
      return "BAD";
    case CNV_IMAP_STATUS_PREAUTH:
      return "PREAUTH";
    case CNV_IMAP_STATUS_BYE:
      return "BYE";
    case CNV_IMAP_STATUS_NONE:
    default:
      return "";
    }
}

/**
 * cnv_imap_response_get_fetch_item:
 * @self: a `* N FETCH (…)` response
 * @name: the item's name as the server sends it, case-insensitive: `UID`, `FLAGS`,
 *   `RFC822.SIZE`, `BODY[]`, `BODY[HEADER]`…
 *
 * Returns: (transfer none) (nullable): the item's value, %NULL when @self is not a FETCH
 *   response or has no such item
 */
const CnvImapValue *
cnv_imap_response_get_fetch_item (const CnvImapResponse *self,
                                  const char            *name)
{
  const CnvImapValue *list;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (g_strcmp0 (self->name, "FETCH") != 0 || self->args->len != 1)
    return NULL;
  list = g_ptr_array_index (self->args, 0);
  if (list->kind != CNV_IMAP_VALUE_LIST)
    return NULL;

  /* RFC 9051 §7.5.2: msg-att is a list of name/value pairs. */
  for (guint i = 0; i + 1 < list->items->len; i += 2)
    {
      const char *item = cnv_imap_value_get_atom (g_ptr_array_index (list->items, i));

      if (item != NULL && g_ascii_strcasecmp (item, name) == 0)
        return g_ptr_array_index (list->items, i + 1);
    }
  return NULL;
}

/**
 * cnv_imap_response_get_code_number:
 * @self: a status response
 * @code: a response code (`UIDVALIDITY`, `UIDNEXT`…)
 * @number: (out) (optional): its numeric argument
 *
 * Returns: %TRUE when @self carries @code with a number
 */
gboolean
cnv_imap_response_get_code_number (const CnvImapResponse *self,
                                   const char            *code,
                                   guint64               *number)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->code == NULL || g_ascii_strcasecmp (self->code, code) != 0 || self->code_args->len < 1)
    return FALSE;
  return cnv_imap_value_get_number (g_ptr_array_index (self->code_args, 0), number);
}

/**
 * cnv_imap_response_describe:
 * @self: a response
 *
 * Returns: (transfer full): a short form for logs and error messages: the status, the code and
 *   the server's text (`NO [AUTHENTICATIONFAILED] Authentication failed.`)
 */
char *
cnv_imap_response_describe (const CnvImapResponse *self)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  if (self->status != CNV_IMAP_STATUS_NONE)
    g_string_append (out, cnv_imap_status_to_string (self->status));
  else if (self->name != NULL)
    g_string_append (out, self->name);
  if (self->code != NULL)
    g_string_append_printf (out, " [%s]", self->code);
  if (self->text != NULL && *self->text != '\0')
    g_string_append_printf (out, " %s", self->text);
  return g_string_free (out, FALSE);
}
