/* fuzz-imap.c — libFuzzer target for the IMAP response parser (cnv_imap_parser_*)
 *
 * Every input is a byte stream from a hostile IMAP server. Beyond "no crash, no leak, no
 * critical", the target checks:
 *
 * - framing does not depend on how the stream arrives: the input is fed to one parser in chunks
 *   whose sizes come from the input itself (its first two bytes seed a small PRNG) and to another
 *   in one piece; both must return the same responses (compared in a canonical serialisation:
 *   kind, tag, status, number, name, code, text, wire size, and every value with its kind and
 *   bytes) and then the same error, or the same number of bytes still buffered;
 * - each response is exactly what cnv_imap_parse_response() reads from its own wire bytes, and a
 *   buffer cnv_imap_parse_response() accepts whole is one response for the framing too;
 * - with small limits (4096-byte lines, 65536-byte literals) a parser returns the same responses
 *   until it stops with a limit error, or the same error as without limits;
 * - what a response promises (RFC 9051 §7, §9): a tagged response has a tag and is OK, NO or BAD;
 *   names and codes are upper case; text is valid UTF-8 on one line; an atom is protocol text
 *   without CR, LF or NUL (never the content of a literal); numbers fit number64; `* N FETCH` data
 *   is a list of name/value pairs; the accessors agree with the values and describe() is UTF-8.
 *
 * While a bug is open, nearly every input may hit it: CNV_FUZZ_IMAP_SKIP, a comma-separated list
 * of check names (`parse-response`, `atom-controls`, `describe-utf8`), turns those checks off so
 * that a long run goes on looking for other bugs (README.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"
#include "cnv-imap-parser.h"

#include "fuzz-common.h"

#define SMALL_MAX_LINE    4096
#define SMALL_MAX_LITERAL 65536

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_setup ();
  return 0;
}

/* Whether CNV_FUZZ_IMAP_SKIP names @check. */
static gboolean
skipped (const char *check)
{
  static char **names = NULL;
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      const char *value = g_getenv ("CNV_FUZZ_IMAP_SKIP");

      names = g_strsplit (value != NULL ? value : "", ",", -1);
      g_once_init_leave (&done, 1);
    }
  return g_strv_contains ((const char * const *) names, check);
}

/* ---- Chunk sizes drawn from the input --------------------------------------------------------- */

typedef struct
{
  guint32 state;
  gsize   max_chunk;
} Chunker;

static void
chunker_init (Chunker *chunker,
              guint8   a,
              guint8   b)
{
  /* From one byte at a time up to large pieces; 0 would be a stuck xorshift state. */
  static const gsize max_chunks[] = { 1, 2, 3, 5, 8, 17, 64, 700 };
  guint32 seed = (guint32) a | ((guint32) b << 8);

  chunker->state = seed * 2654435761u + 0x9e3779b9u;
  if (chunker->state == 0)
    chunker->state = 1;
  chunker->max_chunk = max_chunks[(a ^ (b >> 3)) % G_N_ELEMENTS (max_chunks)];
}

static gsize
chunker_next (Chunker *chunker)
{
  guint32 x = chunker->state;

  /* xorshift32 */
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  chunker->state = x;
  return 1 + x % chunker->max_chunk;
}

/* ---- Invariants of one response ------------------------------------------------------------- */

static gboolean
has_control_byte (const char *text,
                  gsize       length)
{
  return memchr (text, '\r', length) != NULL || memchr (text, '\n', length) != NULL
         || memchr (text, '\0', length) != NULL;
}

static void
check_value (const CnvImapValue *value,
             guint               depth)
{
  g_autofree char *dup = NULL;

  fuzz_check (value != NULL);
  /* read_list() refuses deeper nesting; values in a list are one level below it. */
  fuzz_check (depth <= CNV_IMAP_PARSER_MAX_DEPTH);

  dup = cnv_imap_value_dup_string (value);
  switch (value->kind)
    {
    case CNV_IMAP_VALUE_ATOM:
      fuzz_check (value->atom != NULL);
      fuzz_check (value->bytes == NULL && value->items == NULL);
      /* An atom is protocol text: a CR or LF in it means the reader took bytes across a line
       * end, or out of a literal's content; an empty one, that it was cut at a NUL (RFC 9051 §9:
       * ATOM-CHAR and TEXT-CHAR exclude CTL). */
      if ((value->atom[0] == '\0' || has_control_byte (value->atom, strlen (value->atom)))
          && !skipped ("atom-controls"))
        {
          fuzz_printerr ("An atom is empty or holds a CR or LF: “%s”\n", value->atom);
          abort ();
        }
      fuzz_check (g_strcmp0 (cnv_imap_value_get_atom (value), value->atom) == 0);
      fuzz_check (g_strcmp0 (dup, value->atom) == 0);
      fuzz_check (!cnv_imap_value_get_number (value, NULL));
      fuzz_check (cnv_imap_value_get_bytes (value) == NULL);
      fuzz_check (g_ascii_strcasecmp (value->atom, "NIL") != 0);
      break;

    case CNV_IMAP_VALUE_NUMBER:
      {
        guint64 number = 0;
        g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, value->number);

        /* RFC 9051 §9: number64 = 0 .. 2^63 - 1 */
        fuzz_check (value->number <= G_MAXINT64);
        fuzz_check (cnv_imap_value_get_number (value, &number) && number == value->number);
        fuzz_check (g_strcmp0 (dup, text) == 0);
        fuzz_check (cnv_imap_value_get_atom (value) == NULL);
        fuzz_check (cnv_imap_value_get_bytes (value) == NULL);
      }
      break;

    case CNV_IMAP_VALUE_STRING:
      {
        gsize size = 0;
        const char *data;

        fuzz_check (value->bytes != NULL);
        fuzz_check (cnv_imap_value_get_bytes (value) == value->bytes);
        data = g_bytes_get_data (value->bytes, &size);
        /* dup_string() cuts at the first NUL. */
        fuzz_check (dup != NULL);
        fuzz_check (strlen (dup) <= size);
        fuzz_check (memcmp (dup, data != NULL ? data : "", strlen (dup)) == 0);
        fuzz_check (strlen (dup) == size || data[strlen (dup)] == '\0');
        /* A quoted string is on one line (RFC 9051 §9: QUOTED-CHAR excludes CR and LF). */
        if (!value->literal)
          fuzz_check (size == 0 || (memchr (data, '\r', size) == NULL
                                    && memchr (data, '\n', size) == NULL
                                    && memchr (data, '\0', size) == NULL));
        fuzz_check (cnv_imap_value_get_atom (value) == NULL);
      }
      break;

    case CNV_IMAP_VALUE_NIL:
      fuzz_check (dup == NULL);
      fuzz_check (cnv_imap_value_get_atom (value) == NULL);
      fuzz_check (cnv_imap_value_get_bytes (value) == NULL);
      break;

    case CNV_IMAP_VALUE_LIST:
      fuzz_check (dup == NULL);
      fuzz_check (value->items != NULL);
      for (guint i = 0; i < value->items->len; i++)
        check_value (g_ptr_array_index (value->items, i), depth + 1);
      break;

    default:
      fuzz_printerr ("A value of unknown kind %d\n", value->kind);
      abort ();
    }
}

static gboolean
is_upper_word (const char *word)
{
  if (word == NULL || word[0] == '\0')
    return FALSE;
  for (const char *p = word; *p != '\0'; p++)
    if (g_ascii_islower (*p))
      return FALSE;
  return TRUE;
}

static void
check_fetch_items (const CnvImapResponse *response)
{
  const CnvImapValue *list;
  const CnvImapValue *uid = cnv_imap_response_get_fetch_item (response, "UID");
  const CnvImapValue *body = cnv_imap_response_get_fetch_item (response, "BODY[]");

  /* The name is matched without regard to case. */
  fuzz_check (cnv_imap_response_get_fetch_item (response, "uid") == uid);
  fuzz_check (cnv_imap_response_get_fetch_item (response, "body[]") == body);
  fuzz_check (cnv_imap_response_get_fetch_item (response, "") == NULL);

  if (g_strcmp0 (response->name, "FETCH") != 0)
    {
      fuzz_check (uid == NULL && body == NULL);
      return;
    }

  /* RFC 9051 §7.5.2: `* nz-number FETCH (msg-att)`, a list of name/value pairs. The reader
   * checks that shape only after a number: `* FETCH …` is read as any other data. */
  fuzz_check (response->kind == CNV_IMAP_RESPONSE_UNTAGGED);
  if (response->has_number)
    {
      fuzz_check (response->args->len == 1);
      list = g_ptr_array_index (response->args, 0);
      fuzz_check (list->kind == CNV_IMAP_VALUE_LIST);
      fuzz_check (list->items->len % 2 == 0);
    }

  if (uid != NULL)
    {
      g_autofree char *text = cnv_imap_value_dup_string (uid);
      guint64 number;

      if (cnv_imap_value_get_number (uid, &number))
        fuzz_check (text != NULL && g_ascii_strtoull (text, NULL, 10) == number);
    }
  if (body != NULL)
    {
      g_autofree char *text = cnv_imap_value_dup_string (body);

      fuzz_check ((text == NULL) == (body->kind == CNV_IMAP_VALUE_NIL
                                     || body->kind == CNV_IMAP_VALUE_LIST));
    }
}

static void
check_response (const CnvImapResponse *response)
{
  g_autofree char *described = NULL;
  guint64 number = 0;

  fuzz_check (response != NULL);
  fuzz_check (response->args != NULL && response->code_args != NULL);
  /* The shortest response is `+\r\n`. */
  fuzz_check (response->wire_size >= 3);

  switch (response->kind)
    {
    case CNV_IMAP_RESPONSE_TAGGED:
      /* RFC 9051 §7.1: response-tagged = tag SP resp-cond-state CRLF */
      fuzz_check (response->tag != NULL && response->tag[0] != '\0');
      fuzz_check (!has_control_byte (response->tag, strlen (response->tag)));
      fuzz_check (strchr (response->tag, ' ') == NULL);
      fuzz_check (response->status == CNV_IMAP_STATUS_OK || response->status == CNV_IMAP_STATUS_NO
                  || response->status == CNV_IMAP_STATUS_BAD);
      fuzz_check (!response->has_number);
      fuzz_check (response->args->len == 0);
      fuzz_check (response->text != NULL);
      break;

    case CNV_IMAP_RESPONSE_UNTAGGED:
      fuzz_check (response->tag == NULL);
      fuzz_check (response->name != NULL);
      if (response->status != CNV_IMAP_STATUS_NONE)
        {
          fuzz_check (!response->has_number);
          fuzz_check (response->args->len == 0);
          fuzz_check (response->text != NULL);
        }
      else
        {
          fuzz_check (response->code == NULL && response->code_args->len == 0);
          fuzz_check (response->text == NULL);
        }
      break;

    case CNV_IMAP_RESPONSE_CONTINUATION:
      fuzz_check (response->tag == NULL && response->name == NULL);
      fuzz_check (response->status == CNV_IMAP_STATUS_NONE);
      fuzz_check (!response->has_number);
      fuzz_check (response->args->len == 0);
      fuzz_check (response->code == NULL && response->code_args->len == 0);
      fuzz_check (response->text != NULL);
      break;

    default:
      fuzz_printerr ("A response of unknown kind %d\n", response->kind);
      abort ();
    }

  if (response->name != NULL)
    {
      fuzz_check (is_upper_word (response->name));
      if (response->status != CNV_IMAP_STATUS_NONE)
        fuzz_check (g_str_equal (response->name, cnv_imap_status_to_string (response->status)));
    }
  if (response->code != NULL)
    {
      fuzz_check (response->status != CNV_IMAP_STATUS_NONE);
      fuzz_check (is_upper_word (response->code));
      fuzz_check (!has_control_byte (response->code, strlen (response->code)));
    }
  else
    fuzz_check (response->code_args->len == 0);
  if (response->text != NULL)
    {
      fuzz_check (g_utf8_validate (response->text, -1, NULL));
      fuzz_check (strchr (response->text, '\r') == NULL && strchr (response->text, '\n') == NULL);
    }

  for (guint i = 0; i < response->args->len; i++)
    check_value (g_ptr_array_index (response->args, i), 0);
  for (guint i = 0; i < response->code_args->len; i++)
    check_value (g_ptr_array_index (response->code_args, i), 0);

  check_fetch_items (response);

  /* get_code_number() reads the code's first argument when it is a number. */
  if (response->code != NULL)
    {
      gboolean expected = response->code_args->len > 0
        && cnv_imap_value_get_number (g_ptr_array_index (response->code_args, 0), NULL);
      g_autofree char *lower = g_ascii_strdown (response->code, -1);

      fuzz_check (cnv_imap_response_get_code_number (response, response->code, &number) == expected);
      fuzz_check (cnv_imap_response_get_code_number (response, lower, NULL) == expected);
    }
  if (cnv_imap_response_get_code_number (response, "UIDVALIDITY", &number))
    fuzz_check (g_strcmp0 (response->code, "UIDVALIDITY") == 0 && number <= G_MAXINT64);
  if (cnv_imap_response_get_code_number (response, "UIDNEXT", &number))
    fuzz_check (g_strcmp0 (response->code, "UIDNEXT") == 0);
  cnv_imap_response_get_code_number (response, "APPENDUID", NULL);

  /* describe() goes into GError messages (cnv-imap-client.c): it must be UTF-8. */
  described = cnv_imap_response_describe (response);
  fuzz_check (described != NULL);
  if (!g_utf8_validate (described, -1, NULL) && !skipped ("describe-utf8"))
    {
      fuzz_printerr ("cnv_imap_response_describe() is not UTF-8: “%s”\n", described);
      abort ();
    }
}

/* ---- A canonical serialisation -------------------------------------------------------------- */

static void
append_counted (GString    *out,
                const char *data,
                gsize       length)
{
  g_string_append_printf (out, "%" G_GSIZE_FORMAT ":", length);
  if (length > 0)
    g_string_append_len (out, data, length);
}

static void
append_string (GString    *out,
               const char *text)
{
  if (text == NULL)
    g_string_append_c (out, '-');
  else
    append_counted (out, text, strlen (text));
}

static void
serialise_value (GString            *out,
                 const CnvImapValue *value)
{
  switch (value->kind)
    {
    case CNV_IMAP_VALUE_ATOM:
      g_string_append_c (out, 'a');
      append_string (out, value->atom);
      break;
    case CNV_IMAP_VALUE_NUMBER:
      g_string_append_printf (out, "n%" G_GUINT64_FORMAT ";", value->number);
      break;
    case CNV_IMAP_VALUE_STRING:
      {
        gsize size = 0;
        const char *data = g_bytes_get_data (value->bytes, &size);

        g_string_append_c (out, value->literal ? 'l' : 's');
        append_counted (out, data, size);
      }
      break;
    case CNV_IMAP_VALUE_NIL:
      g_string_append_c (out, '0');
      break;
    case CNV_IMAP_VALUE_LIST:
      g_string_append_c (out, '(');
      for (guint i = 0; i < value->items->len; i++)
        serialise_value (out, g_ptr_array_index (value->items, i));
      g_string_append_c (out, ')');
      break;
    default:
      g_string_append_c (out, '?');
      break;
    }
}

static void
serialise_values (GString   *out,
                  GPtrArray *values)
{
  g_string_append_c (out, '[');
  for (guint i = 0; i < values->len; i++)
    serialise_value (out, g_ptr_array_index (values, i));
  g_string_append_c (out, ']');
}

static GBytes *
serialise_response (const CnvImapResponse *response)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "K%d S%d ", response->kind, response->status);
  if (response->has_number)
    g_string_append_printf (out, "N%u ", response->number);
  g_string_append (out, "T");
  append_string (out, response->tag);
  g_string_append (out, " M");
  append_string (out, response->name);
  g_string_append (out, " C");
  append_string (out, response->code);
  serialise_values (out, response->code_args);
  g_string_append (out, " A");
  serialise_values (out, response->args);
  g_string_append (out, " X");
  append_string (out, response->text);
  g_string_append_printf (out, " W%" G_GSIZE_FORMAT, response->wire_size);
  return g_string_free_to_bytes (out);
}

/* ---- Running one parser over the input ------------------------------------------------------ */

typedef struct
{
  GPtrArray *responses;  /* GBytes: serialisations */
  GError    *error;
  gsize      consumed;   /* wire sizes of the responses */
  gsize      buffered;
} Outcome;

static void
outcome_init (Outcome *outcome)
{
  outcome->responses = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  outcome->error = NULL;
  outcome->consumed = 0;
  outcome->buffered = 0;
}

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->responses, g_ptr_array_unref);
  g_clear_error (&outcome->error);
}

/* Takes every response the bytes fed so far complete. Returns FALSE once the stream is broken. */
static gboolean
drain (CnvImapParser *parser,
       const uint8_t *data,
       size_t         size,
       gboolean       reparse,
       Outcome       *outcome)
{
  for (;;)
    {
      g_autoptr(CnvImapResponse) response = NULL;
      g_autoptr(GError) again = NULL;

      response = cnv_imap_parser_next (parser, &outcome->error);
      if (response == NULL)
        {
          if (outcome->error == NULL)
            return TRUE;
          fuzz_check (outcome->error->domain == CNV_IMAP_ERROR);
          fuzz_check (outcome->error->code == CNV_IMAP_ERROR_PROTOCOL
                      || outcome->error->code == CNV_IMAP_ERROR_LIMIT);
          fuzz_check (g_utf8_validate (outcome->error->message, -1, NULL));
          /* A broken stream stays broken. */
          fuzz_check (cnv_imap_parser_next (parser, &again) == NULL && again != NULL);
          return FALSE;
        }

      check_response (response);
      fuzz_check (outcome->consumed + response->wire_size <= size);
      fuzz_check (data[outcome->consumed + response->wire_size - 2] == '\r'
                  && data[outcome->consumed + response->wire_size - 1] == '\n');
      g_ptr_array_add (outcome->responses, serialise_response (response));

      /* The framing handed exactly these bytes to the reader. */
      if (reparse)
        {
          g_autoptr(CnvImapResponse) alone = NULL;
          g_autoptr(GError) error = NULL;
          g_autoptr(GBytes) serialised = NULL;

          alone = cnv_imap_parse_response (data + outcome->consumed, response->wire_size, &error);
          fuzz_check (alone != NULL && error == NULL);
          serialised = serialise_response (alone);
          fuzz_check (g_bytes_equal (serialised, g_ptr_array_index (outcome->responses,
                                                                   outcome->responses->len - 1)));
        }
      outcome->consumed += response->wire_size;
    }
}

static void
run_whole (CnvImapParser *parser,
           const uint8_t *data,
           size_t         size,
           Outcome       *outcome)
{
  cnv_imap_parser_feed (parser, data, size);
  drain (parser, data, size, TRUE, outcome);
  outcome->buffered = cnv_imap_parser_get_buffered (parser);
}

static void
run_chunked (CnvImapParser *parser,
             const uint8_t *data,
             size_t         size,
             Chunker       *chunker,
             Outcome       *outcome)
{
  gsize fed = 0;

  /* An empty feed is allowed and changes nothing. */
  cnv_imap_parser_feed (parser, NULL, 0);
  if (!drain (parser, data, size, FALSE, outcome))
    return;
  while (fed < size)
    {
      gsize chunk = chunker_next (chunker);

      chunk = MIN (chunk, size - fed);

      cnv_imap_parser_feed (parser, data + fed, chunk);
      fed += chunk;
      if (!drain (parser, data, size, FALSE, outcome))
        return;
    }
  outcome->buffered = cnv_imap_parser_get_buffered (parser);
}

static void
print_outcome (const char    *label,
               const Outcome *outcome)
{
  fuzz_printerr ("%s: %u responses, %s\n", label, outcome->responses->len,
                 outcome->error != NULL ? outcome->error->message : "no error");
}

static gboolean
same_responses (const Outcome *a,
                const Outcome *b,
                guint          n)
{
  if (a->responses->len < n || b->responses->len < n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!g_bytes_equal (g_ptr_array_index (a->responses, i), g_ptr_array_index (b->responses, i)))
      {
        gsize size_a, size_b;
        const char *text_a = g_bytes_get_data (g_ptr_array_index (a->responses, i), &size_a);
        const char *text_b = g_bytes_get_data (g_ptr_array_index (b->responses, i), &size_b);

        fuzz_printerr ("response %u differs:\n  %.*s\n  %.*s\n", i, (int) size_a, text_a,
                       (int) size_b, text_b);
        return FALSE;
      }
  return TRUE;
}

static gboolean
same_error (const GError *a,
            const GError *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->domain == b->domain && a->code == b->code && g_str_equal (a->message, b->message);
}

/* A parser with small limits returns the same responses as one without until it stops with a
 * limit error; without one, the same outcome. */
static void
check_small_limits (const Outcome *whole,
                    const Outcome *small)
{
  gboolean ok;

  if (small->error != NULL && g_error_matches (small->error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_LIMIT)
      && !same_error (small->error, whole->error))
    ok = small->responses->len <= whole->responses->len
         && same_responses (small, whole, small->responses->len);
  else
    ok = small->responses->len == whole->responses->len
         && same_responses (small, whole, small->responses->len)
         && same_error (small->error, whole->error)
         && (small->error != NULL || small->buffered == whole->buffered);
  if (!ok)
    {
      fuzz_printerr ("The parser with limits %u/%u differs from the one without\n",
                     SMALL_MAX_LINE, SMALL_MAX_LITERAL);
      print_outcome ("no limits", whole);
      print_outcome ("limits", small);
      abort ();
    }
}

/* cnv_imap_parse_response() on the whole input: it may accept it only when the framing sees
 * exactly one complete response there. */
static void
check_parse_response (const uint8_t *data,
                      size_t         size,
                      const Outcome *whole)
{
  g_autoptr(CnvImapResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = cnv_imap_parse_response (data, size, &error);
  if (response == NULL)
    {
      fuzz_check (error != NULL && error->domain == CNV_IMAP_ERROR);
      fuzz_check (!(whole->responses->len == 1 && whole->consumed == size));
    }
  else
    {
      g_autoptr(GBytes) serialised = NULL;

      fuzz_check (error == NULL);
      fuzz_check (response->wire_size == size);
      check_response (response);
      serialised = serialise_response (response);
      if (whole->responses->len != 1 || whole->consumed != size
          || !g_bytes_equal (serialised, g_ptr_array_index (whole->responses, 0)))
        {
          fuzz_printerr ("cnv_imap_parse_response() accepts the input as one response, the "
                         "framing does not\n");
          print_outcome ("framing", whole);
          abort ();
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(CnvImapParser) whole = cnv_imap_parser_new ();
  g_autoptr(CnvImapParser) split = cnv_imap_parser_new ();
  g_autoptr(CnvImapParser) small = cnv_imap_parser_new ();
  Outcome whole_out, split_out, small_out;
  Chunker chunker;

  outcome_init (&whole_out);
  outcome_init (&split_out);
  outcome_init (&small_out);

  /* (1) The whole input in one piece; each response is read again from its own bytes. */
  run_whole (whole, data, size, &whole_out);
  if (whole_out.error == NULL)
    fuzz_check (whole_out.consumed + whole_out.buffered == size);

  /* (2) The same bytes in pieces: framing must not depend on where reads end. */
  chunker_init (&chunker, size > 0 ? data[0] : 0, size > 1 ? data[1] : 0);
  run_chunked (split, data, size, &chunker, &split_out);
  if (whole_out.responses->len != split_out.responses->len
      || !same_responses (&whole_out, &split_out, whole_out.responses->len)
      || !same_error (whole_out.error, split_out.error)
      || (whole_out.error == NULL && whole_out.buffered != split_out.buffered))
    {
      fuzz_printerr ("The split parser (chunks of 1..%" G_GSIZE_FORMAT ") differs from the whole one\n",
                     chunker.max_chunk);
      print_outcome ("whole", &whole_out);
      print_outcome ("split", &split_out);
      abort ();
    }

  /* (3) Small limits: the same responses until a limit error, or the same outcome. */
  cnv_imap_parser_set_limits (small, SMALL_MAX_LINE, SMALL_MAX_LITERAL);
  chunker_init (&chunker, size > 0 ? data[size - 1] : 0, size > 1 ? data[size - 2] : 0);
  run_chunked (small, data, size, &chunker, &small_out);
  check_small_limits (&whole_out, &small_out);

  /* (4) The reader alone, on the whole input. */
  if (!skipped ("parse-response"))
    check_parse_response (data, size, &whole_out);

  outcome_clear (&whole_out);
  outcome_clear (&split_out);
  outcome_clear (&small_out);
  return 0;
}
