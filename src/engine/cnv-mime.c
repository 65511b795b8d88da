/* cnv-mime.c — small gmime helpers shared by the request and invitation builders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-mime"

#include "config.h"

#include <string.h>

#include "cnv-address.h"
#include "cnv-mime.h"

/* RFC 2047 §2: an encoded-word is at most 75 characters, and a line "Subject: " plus one
 * encoded-word stays under 78: 39 bytes of UTF-8 encode to 52 characters of base64, + 12. */
#define CHUNK_BYTES 39

/**
 * cnv_mime_encode_words:
 * @text: UTF-8 text
 * @separator: what goes between two encoded-words (white space, possibly a fold)
 *
 * Every character of @text as base64 encoded-words (RFC 2047 §4.1), split on character
 * boundaries, each short enough for a header line.
 *
 * Returns: (transfer full): the encoded-words
 */
char *
cnv_mime_encode_words (const char *text,
                       const char *separator)
{
  GString *out = g_string_new (NULL);
  const char *p = text;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (separator != NULL, NULL);

  while (*p != '\0')
    {
      const char *end = p;
      g_autofree char *b64 = NULL;

      while (*end != '\0')
        {
          const char *next = g_utf8_next_char (end);

          if (next - p > CHUNK_BYTES)
            break;
          end = next;
        }
      if (end == p)
        end = g_utf8_next_char (p);

      b64 = g_base64_encode ((const guchar *) p, end - p);
      if (out->len > 0)
        g_string_append (out, separator);
      g_string_append_printf (out, "=?UTF-8?B?%s?=", b64);
      p = end;
    }
  return g_string_free (out, FALSE);
}

/**
 * cnv_mime_set_subject:
 * @message: a message being built
 * @subject: the subject as the user wrote it: one line of UTF-8
 *
 * Sets the Subject so that it reads back exactly as @subject. gmime encodes non-ASCII words, but
 * writes ASCII text that merely looks like an encoded-word (`=?UTF-8?B?…?=`) as it is, and every
 * reader would then decode it into something else. RFC 2047 §5 (1): such text must itself be
 * encoded, so a subject holding `=?` is written entirely as encoded-words (white space between
 * adjacent encoded-words is not part of the text, RFC 2047 §6.2).
 */
void
cnv_mime_set_subject (GMimeMessage *message,
                      const char   *subject)
{
  g_return_if_fail (GMIME_IS_MESSAGE (message));

  if (subject == NULL)
    subject = "";

  if (strstr (subject, "=?") == NULL)
    {
      g_mime_message_set_subject (message, subject, "utf-8");
      return;
    }

  {
    /* gmime's raw value: a leading space, folded lines, a final newline (RFC 5322 §2.2.3). */
    g_autofree char *words = cnv_mime_encode_words (subject, "\n ");
    g_autofree char *encoded = g_strdup_printf (" %s\n", words);
    GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
    GMimeHeader *header;

    g_mime_message_set_subject (message, "", "utf-8");
    header = g_mime_header_list_get_header (headers, "Subject");
    g_mime_header_set_raw_value (header, encoded);
  }
}

/* One B encoded-word (RFC 2047 §4.1) at @word, rewritten as the Q encoded-word (§4.2) of the same
 * octets; @end is set past it. %FALSE when @word does not start a well-formed B word. */
static gboolean
rewrite_b_word (const char  *word,
                GString     *out,
                const char **end)
{
  const char *charset = word + 2;
  const char *q1 = strchr (charset, '?');
  const char *text;
  const char *close;
  g_autofree char *b64 = NULL;
  g_autofree guchar *octets = NULL;
  gsize len = 0;

  if (q1 == NULL || q1 == charset || (q1[1] != 'B' && q1[1] != 'b') || q1[2] != '?')
    return FALSE;
  for (const char *c = charset; c < q1; c++)
    if (*c <= ' ' || *c == '=' || (guchar) *c >= 0x7f)
      return FALSE;
  text = q1 + 3;
  close = strstr (text, "?=");
  if (close == NULL)
    return FALSE;
  for (const char *c = text; c < close; c++)
    if (!g_ascii_isalnum (*c) && *c != '+' && *c != '/' && *c != '=')
      return FALSE;

  b64 = g_strndup (text, close - text);
  octets = g_base64_decode (b64, &len);

  g_string_append (out, "=?");
  g_string_append_len (out, charset, q1 - charset);
  g_string_append (out, "?Q?");
  for (gsize i = 0; i < len; i++)
    {
      guchar c = octets[i];

      if (g_ascii_isalnum (c))
        g_string_append_c (out, c);
      else if (c == ' ')
        g_string_append_c (out, '_');
      else
        g_string_append_printf (out, "=%02X", c);
    }
  g_string_append (out, "?=");
  *end = close + 2;
  return TRUE;
}

/**
 * cnv_mime_repair_header:
 * @raw: a header's raw value, possibly folded
 *
 * Unfolds @raw and rewrites each base64 encoded-word as the quoted-printable encoded-word of the
 * same octets. gmime 3.2.13 (Debian 12) joins adjacent base64 words before decoding them, so a
 * padded first word (`=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=`, as Thunderbird and gmime itself
 * write long names and subjects) loses the rest of the text (gmime issue #133, fixed after
 * 3.2.13). Q words carry no padding, so gmime's decoder then reads them whole.
 *
 * Returns: (transfer full): the repaired value, for gmime's decoders
 */
char *
cnv_mime_repair_header (const char *raw)
{
  GString *out;
  const char *p;

  g_return_val_if_fail (raw != NULL, NULL);

  out = g_string_sized_new (strlen (raw));
  p = raw;
  while (*p != '\0')
    {
      const char *end;

      if (*p == '\r' || *p == '\n')
        {
          p++;
          continue;
        }
      if (p[0] == '=' && p[1] == '?' && rewrite_b_word (p, out, &end))
        {
          p = end;
          continue;
        }
      g_string_append_c (out, *p);
      p++;
    }
  return g_string_free (out, FALSE);
}

/* Whether @raw may hold a base64 encoded-word ("?B?" or "?b?"). */
static gboolean
has_b_word (const char *raw)
{
  return strstr (raw, "?B?") != NULL || strstr (raw, "?b?") != NULL;
}

static GMimeHeader *
find_header (GMimeMessage *message,
             const char   *name,
             int          *index)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
  int count = g_mime_header_list_get_count (headers);

  for (; *index < count; (*index)++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, *index);

      if (g_ascii_strcasecmp (g_mime_header_get_name (header), name) == 0)
        {
          (*index)++;
          return header;
        }
    }
  return NULL;
}

/**
 * cnv_mime_get_subject:
 * @message: a parsed message
 *
 * Returns: (transfer full) (nullable): the decoded Subject (see cnv_mime_repair_header()), or
 *   %NULL when there is none
 */
char *
cnv_mime_get_subject (GMimeMessage *message)
{
  g_autofree char *repaired = NULL;
  GMimeHeader *header;
  const char *raw;
  int index = 0;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), NULL);

  header = find_header (message, "Subject", &index);
  if (header == NULL)
    return NULL;
  raw = g_mime_header_get_raw_value (header);
  if (raw == NULL || !has_b_word (raw))
    return g_strdup (g_mime_header_get_value (header));
  repaired = cnv_mime_repair_header (raw);
  return g_mime_utils_header_decode_text (NULL, g_strstrip (repaired));
}

/**
 * cnv_mime_get_addresses:
 * @message: a parsed message
 * @name: a header holding addresses (`From`, `To`, `Cc`, `Delivered-To`…)
 *
 * Every header called @name, parsed as one address list, with its display names decoded
 * correctly (see cnv_mime_repair_header()). Several copies of the header (several Delivered-To
 * lines, or a To repeated by a broken client) all count.
 *
 * Returns: (transfer full): the list, possibly empty
 */
InternetAddressList *
cnv_mime_get_addresses (GMimeMessage *message,
                        const char   *name)
{
  InternetAddressList *list = internet_address_list_new ();
  GMimeHeader *header;
  int index = 0;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), list);
  g_return_val_if_fail (name != NULL, list);

  while ((header = find_header (message, name, &index)) != NULL)
    {
      const char *raw = g_mime_header_get_raw_value (header);
      g_autofree char *repaired = NULL;
      g_autoptr(InternetAddressList) parsed = NULL;

      /* Only base64 words need the repair: other values are parsed as they are. */
      if (raw == NULL)
        raw = "";
      repaired = has_b_word (raw) ? cnv_mime_repair_header (raw) : NULL;
      parsed = internet_address_list_parse (NULL, repaired != NULL ? repaired : raw);

      if (parsed != NULL)
        internet_address_list_append (list, parsed);
    }
  return list;
}

/* A display name that can stand as it is in a phrase (RFC 5322 §3.2.5): letters, digits and
 * single inner spaces. Anything else is written as encoded-words. */
static gboolean
is_plain_phrase (const char *name)
{
  if (*name == '\0' || *name == ' ')
    return FALSE;
  for (const char *p = name; *p; p++)
    {
      if (*p == ' ' && (p[1] == ' ' || p[1] == '\0'))
        return FALSE;
      if (!g_ascii_isalnum (*p) && *p != ' ')
        return FALSE;
    }
  return TRUE;
}

/**
 * cnv_mime_set_addresses:
 * @message: a message being built
 * @header: `From`, `To` or `Cc`
 * @list: (element-type CnvAddress): normalised addresses with sanitised names
 *
 * Writes the header itself rather than through gmime's address encoder: gmime 3.2.13 leaves
 * '=' unescaped in the quoted-printable words it makes of long names, and writes text that looks
 * like an encoded-word as it is, so such names read back as something else. Here a name is
 * either plain letters and digits or, otherwise, UTF-8 base64 encoded-words (RFC 2047 §4.1, §5
 * (3)), one address a line.
 */
void
cnv_mime_set_addresses (GMimeMessage *message,
                        const char   *header,
                        GPtrArray    *list)
{
  GString *raw = g_string_new (NULL);
  GMimeHeaderList *headers;

  g_return_if_fail (GMIME_IS_MESSAGE (message));
  g_return_if_fail (header != NULL);
  g_return_if_fail (list != NULL);

  for (guint i = 0; i < list->len; i++)
    {
      const CnvAddress *address = g_ptr_array_index (list, i);

      g_string_append (raw, i == 0 ? " " : ",\n ");
      if (address->name == NULL)
        g_string_append (raw, address->address);
      else if (is_plain_phrase (address->name))
        g_string_append_printf (raw, "%s <%s>", address->name, address->address);
      else
        {
          g_autofree char *words = cnv_mime_encode_words (address->name, "\n ");

          g_string_append_printf (raw, "%s <%s>", words, address->address);
        }
    }
  g_string_append_c (raw, '\n');

  g_mime_object_set_header (GMIME_OBJECT (message), header, "", NULL);
  headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
  g_mime_header_set_raw_value (g_mime_header_list_get_header (headers, header), raw->str);
  g_string_free (raw, TRUE);
}

/**
 * cnv_mime_new_text_part:
 * @subtype: `plain`, `html`, `calendar`
 * @text: UTF-8 text
 * @keep_crlf: whether the text's CRLF must survive (a calendar)
 *
 * A text part in UTF-8, whatever the content (g_mime_text_part_set_text() would pick the
 * "best" charset, ISO-8859-1 for most European text). Text for people has LF line ends (serialised as
 * CRLF with GMIME_NEWLINE_FORMAT_DOS) and is 7bit when it can be, else quoted-printable. The
 * calendar keeps the CRLF that RFC 5545 §3.1 requires even inside an encoding, so it is 7bit or
 * base64: quoted-printable would turn each CR into `=0D`.
 *
 * Returns: (transfer full): the part
 */
GMimePart *
cnv_mime_new_text_part (const char *subtype,
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
