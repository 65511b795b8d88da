/* test-imap-parser.c — the IMAP response parser: grammar, framing, limits, hostile input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-imap-parser.h"

/* Feeds @wire in pieces of @chunk bytes and collects every response; asserts no error. */
static GPtrArray *
parse_all (const char *wire,
           gsize       length,
           gsize       chunk)
{
  g_autoptr(CnvImapParser) parser = cnv_imap_parser_new ();
  GPtrArray *responses = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_imap_response_free);

  for (gsize at = 0; at < length; at += chunk)
    {
      CnvImapResponse *response;
      g_autoptr(GError) error = NULL;

      cnv_imap_parser_feed (parser, (const guint8 *) wire + at, MIN (chunk, length - at));
      while ((response = cnv_imap_parser_next (parser, &error)) != NULL)
        g_ptr_array_add (responses, response);
      g_assert_no_error (error);
    }
  g_assert_cmpuint (cnv_imap_parser_get_buffered (parser), ==, 0);
  return responses;
}

static CnvImapResponse *
parse_one (const char *wire)
{
  g_autoptr(GPtrArray) all = parse_all (wire, strlen (wire), strlen (wire));

  g_assert_cmpuint (all->len, ==, 1);
  return g_ptr_array_steal_index (all, 0);
}

static void
assert_parse_error (const char *wire,
                    gsize       length,
                    int         code)
{
  g_autoptr(CnvImapParser) parser = cnv_imap_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  CnvImapResponse *response;

  cnv_imap_parser_feed (parser, (const guint8 *) wire, length);
  while ((response = cnv_imap_parser_next (parser, &error)) != NULL)
    cnv_imap_response_free (response);
  g_assert_error (error, CNV_IMAP_ERROR, code);
  g_test_message ("%s", error->message);

  /* A broken stream stays broken: nothing after it is taken for a response. */
  cnv_imap_parser_feed (parser, (const guint8 *) "a1 OK done\r\n", 12);
  g_assert_null (cnv_imap_parser_next (parser, &again));
  g_assert_error (again, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL);
}

static void
test_greeting (void)
{
  g_autoptr(CnvImapResponse) r =
    parse_one ("* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ STARTTLS AUTH=PLAIN] Dovecot ready.\r\n");

  g_assert_cmpint (r->kind, ==, CNV_IMAP_RESPONSE_UNTAGGED);
  g_assert_cmpint (r->status, ==, CNV_IMAP_STATUS_OK);
  g_assert_cmpstr (r->code, ==, "CAPABILITY");
  g_assert_cmpuint (r->code_args->len, ==, 5);
  g_assert_cmpstr (cnv_imap_value_get_atom (g_ptr_array_index (r->code_args, 4)), ==, "AUTH=PLAIN");
  g_assert_cmpstr (r->text, ==, "Dovecot ready.");
}

static void
test_tagged (void)
{
  g_autoptr(CnvImapResponse) ok = parse_one ("a12 OK [READ-ONLY] Examine completed (0.001 + 0.000 secs).\r\n");
  g_autoptr(CnvImapResponse) no = parse_one ("a2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
  g_autoptr(CnvImapResponse) bare = parse_one ("x.9 OK\r\n");
  g_autofree char *described = cnv_imap_response_describe (no);

  g_assert_cmpint (ok->kind, ==, CNV_IMAP_RESPONSE_TAGGED);
  g_assert_cmpstr (ok->tag, ==, "a12");
  g_assert_cmpint (ok->status, ==, CNV_IMAP_STATUS_OK);
  g_assert_cmpstr (ok->code, ==, "READ-ONLY");
  g_assert_cmpuint (ok->code_args->len, ==, 0);
  g_assert_cmpint (no->status, ==, CNV_IMAP_STATUS_NO);
  g_assert_cmpstr (described, ==, "NO [AUTHENTICATIONFAILED] Authentication failed.");
  g_assert_cmpstr (bare->tag, ==, "x.9");
  g_assert_cmpstr (bare->text, ==, "");
}

static void
test_select_data (void)
{
  const char *wire =
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n"
    "* 20000 EXISTS\r\n"
    "* 0 RECENT\r\n"
    "* OK [UIDVALIDITY 1764201234] UIDs valid\r\n"
    "* OK [UIDNEXT 20001] Predicted next UID\r\n"
    "* OK [HIGHESTMODSEQ 9223372036854775807] Highest\r\n"
    "a3 OK [READ-WRITE] Select completed.\r\n";
  g_autoptr(GPtrArray) all = parse_all (wire, strlen (wire), strlen (wire));
  CnvImapResponse *flags = g_ptr_array_index (all, 0);
  CnvImapResponse *permanent = g_ptr_array_index (all, 1);
  CnvImapResponse *exists = g_ptr_array_index (all, 2);
  const CnvImapValue *list;
  guint64 number = 0;

  g_assert_cmpuint (all->len, ==, 8);
  g_assert_cmpstr (flags->name, ==, "FLAGS");
  list = g_ptr_array_index (flags->args, 0);
  g_assert_cmpint (list->kind, ==, CNV_IMAP_VALUE_LIST);
  g_assert_cmpuint (list->items->len, ==, 5);
  g_assert_cmpstr (cnv_imap_value_get_atom (g_ptr_array_index (list->items, 3)), ==, "\\Seen");

  list = g_ptr_array_index (permanent->code_args, 0);
  g_assert_cmpstr (cnv_imap_value_get_atom (g_ptr_array_index (list->items, 5)), ==, "\\*");

  g_assert_true (exists->has_number);
  g_assert_cmpuint (exists->number, ==, 20000);
  g_assert_cmpstr (exists->name, ==, "EXISTS");

  g_assert_true (cnv_imap_response_get_code_number (g_ptr_array_index (all, 4), "UIDVALIDITY", &number));
  g_assert_cmpuint (number, ==, 1764201234);
  g_assert_true (cnv_imap_response_get_code_number (g_ptr_array_index (all, 5), "uidnext", &number));
  g_assert_cmpuint (number, ==, 20001);
  g_assert_true (cnv_imap_response_get_code_number (g_ptr_array_index (all, 6), "HIGHESTMODSEQ", &number));
  g_assert_cmpuint (number, ==, G_MAXINT64);
}

/* The literal holds CRLFs, a NUL and text that looks like the end of the command: it is read by
 * its byte count, whatever the pieces it arrives in. */
static const char fetch_wire[] =
  "* 7 FETCH (UID 42 FLAGS (\\Seen $Label1) RFC822.SIZE 35 BODY[] {32}\r\n"
  "Subject: x\r\n\r\na1 OK fake\r\n\0end\r\n"
  " INTERNALDATE \"27-Nov-2026 01:02:03 +0000\")\r\n"
  "a1 OK Fetch completed.\r\n";

static void
check_fetch (GPtrArray *all)
{
  CnvImapResponse *fetch = g_ptr_array_index (all, 0);
  const CnvImapValue *body;
  guint64 uid = 0;
  gsize size;
  const char *data;

  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpstr (fetch->name, ==, "FETCH");
  g_assert_cmpuint (fetch->number, ==, 7);
  g_assert_true (cnv_imap_value_get_number (cnv_imap_response_get_fetch_item (fetch, "uid"), &uid));
  g_assert_cmpuint (uid, ==, 42);
  body = cnv_imap_response_get_fetch_item (fetch, "BODY[]");
  g_assert_nonnull (body);
  g_assert_true (body->literal);
  data = g_bytes_get_data (cnv_imap_value_get_bytes (body), &size);
  g_assert_cmpmem (data, size, "Subject: x\r\n\r\na1 OK fake\r\n\0end\r\n", 32);
  g_assert_null (cnv_imap_response_get_fetch_item (fetch, "BODY[HEADER]"));
  g_assert_cmpstr (((CnvImapResponse *) g_ptr_array_index (all, 1))->tag, ==, "a1");
}

static void
test_fetch_literal (void)
{
  gsize length = sizeof fetch_wire - 1;
  g_autoptr(GPtrArray) whole = parse_all (fetch_wire, length, length);

  check_fetch (whole);
  /* Every split, down to one byte at a time. */
  for (gsize chunk = 1; chunk < 40; chunk++)
    {
      g_autoptr(GPtrArray) pieces = parse_all (fetch_wire, length, chunk);

      check_fetch (pieces);
    }
}

static void
test_fetch_section (void)
{
  const char *wire = "* 1 FETCH (UID 9 BODY[HEADER.FIELDS (FROM TO)] {9}\r\nFrom: a\r\n"
                     " BODY[]<0> ~{2}\r\nhi BODY[TEXT] \"q\\\"uote\\\\\" X NIL)\r\n";
  g_autoptr(CnvImapResponse) r = parse_one (wire);
  const CnvImapValue *header = cnv_imap_response_get_fetch_item (r, "BODY[HEADER.FIELDS (FROM TO)]");
  const CnvImapValue *partial = cnv_imap_response_get_fetch_item (r, "BODY[]<0>");
  g_autofree char *quoted = cnv_imap_value_dup_string (cnv_imap_response_get_fetch_item (r, "BODY[TEXT]"));

  g_assert_nonnull (header);
  g_assert_cmpuint (g_bytes_get_size (header->bytes), ==, 9);
  g_assert_nonnull (partial);
  g_assert_cmpuint (g_bytes_get_size (partial->bytes), ==, 2);
  g_assert_cmpstr (quoted, ==, "q\"uote\\");
  g_assert_cmpint (cnv_imap_response_get_fetch_item (r, "X")->kind, ==, CNV_IMAP_VALUE_NIL);
}

static void
test_continuation (void)
{
  g_autoptr(CnvImapResponse) idling = parse_one ("+ idling\r\n");
  g_autoptr(CnvImapResponse) bare = parse_one ("+\r\n");
  g_autoptr(CnvImapResponse) empty = parse_one ("+ \r\n");

  g_assert_cmpint (idling->kind, ==, CNV_IMAP_RESPONSE_CONTINUATION);
  g_assert_cmpstr (idling->text, ==, "idling");
  g_assert_cmpstr (bare->text, ==, "");
  g_assert_cmpstr (empty->text, ==, "");
}

static void
test_search_and_list (void)
{
  g_autoptr(CnvImapResponse) search = parse_one ("* SEARCH 3 5 8\r\n");
  g_autoptr(CnvImapResponse) trailing = parse_one ("* SEARCH \r\n");
  g_autoptr(CnvImapResponse) none = parse_one ("* SEARCH\r\n");
  g_autoptr(CnvImapResponse) list = parse_one ("* LIST (\\HasNoChildren \\Sent) \".\" \"Sent Items\"\r\n");
  g_autoptr(CnvImapResponse) utf8 = parse_one ("* LIST () \"/\" Entw\xc3\xbcrfe\r\n");
  g_autoptr(CnvImapResponse) bye = parse_one ("* BYE Server shutting down.\r\n");
  g_autofree char *name = cnv_imap_value_dup_string (g_ptr_array_index (list->args, 2));

  g_assert_cmpuint (search->args->len, ==, 3);
  g_assert_cmpuint (trailing->args->len, ==, 0);
  g_assert_cmpuint (none->args->len, ==, 0);
  g_assert_cmpstr (name, ==, "Sent Items");
  g_assert_cmpstr (cnv_imap_value_get_atom (g_ptr_array_index (utf8->args, 2)), ==, "Entw\xc3\xbcrfe");
  g_assert_cmpint (bye->status, ==, CNV_IMAP_STATUS_BYE);
  g_assert_cmpstr (bye->text, ==, "Server shutting down.");
}

static void
test_odd_codes (void)
{
  g_autoptr(CnvImapResponse) referral = parse_one ("a1 NO [REFERRAL imap://u;AUTH=*@h/] Try there\r\n");
  g_autoptr(CnvImapResponse) copyuid = parse_one ("a2 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
  g_autoptr(CnvImapResponse) alert = parse_one ("* OK [ALERT] System shutdown in 10 minutes\r\n");
  g_autoptr(CnvImapResponse) bad_utf8 = parse_one ("* OK caf\xe9 \xff\r\n");

  g_assert_cmpstr (referral->code, ==, "REFERRAL");
  g_assert_cmpuint (referral->code_args->len, ==, 1);
  g_assert_cmpstr (referral->text, ==, "Try there");
  g_assert_cmpuint (copyuid->code_args->len, ==, 3);
  g_assert_cmpstr (alert->code, ==, "ALERT");
  g_assert_true (g_utf8_validate (bad_utf8->text, -1, NULL));
}

/* RFC 9051 §9: lists may follow each other without a space (BODYSTRUCTURE, NAMESPACE); `~`
 * starts an atom unless a literal8 follows. */
static void
test_adjacent_lists (void)
{
  g_autoptr(CnvImapResponse) ns = parse_one ("* NAMESPACE ((\"\" \"/\")) NIL ((\"#shared/\" \"/\")(\"#public/\" \"/\"))\r\n");
  g_autoptr(CnvImapResponse) body = parse_one ("* 13 FETCH (UID 42 BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1)"
                                               "(\"text\" \"html\" NIL NIL NIL \"7bit\" 5 1) \"alternative\"))\r\n");
  g_autoptr(CnvImapResponse) tilde = parse_one ("* LIST (\\HasNoChildren) \"/\" ~archive\r\n");
  const CnvImapValue *shared = g_ptr_array_index (ns->args, 2);
  const CnvImapValue *structure = cnv_imap_response_get_fetch_item (body, "BODYSTRUCTURE");

  g_assert_cmpuint (shared->items->len, ==, 2);
  g_assert_cmpuint (structure->items->len, ==, 3);
  g_assert_cmpstr (cnv_imap_value_get_atom (g_ptr_array_index (tilde->args, 2)), ==, "~archive");
}

static void
test_big_line (void)
{
  /* 1 MiB of UIDs in one SEARCH line: well inside the default limit. */
  GString *wire = g_string_new ("* SEARCH");
  g_autoptr(GPtrArray) all = NULL;
  guint count = 0;

  while (wire->len < 1024 * 1024)
    g_string_append_printf (wire, " %u", ++count);
  g_string_append (wire, "\r\n");
  all = parse_all (wire->str, wire->len, 65536);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpuint (((CnvImapResponse *) g_ptr_array_index (all, 0))->args->len, ==, count);
  g_string_free (wire, TRUE);
}

static void
test_limits (void)
{
  g_autoptr(CnvImapParser) parser = cnv_imap_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strnfill (300, 'x');
  GString *nested = g_string_new ("* X ");

  cnv_imap_parser_set_limits (parser, 256, 1000);
  /* The line limit applies before the CRLF arrives. */
  cnv_imap_parser_feed (parser, (const guint8 *) "* OK ", 5);
  cnv_imap_parser_feed (parser, (const guint8 *) line, 300);
  g_assert_null (cnv_imap_parser_next (parser, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_LIMIT);
  g_clear_pointer (&parser, cnv_imap_parser_free);
  g_clear_error (&error);

  /* The literal limit applies on the announcement, before the bytes. */
  parser = cnv_imap_parser_new ();
  cnv_imap_parser_set_limits (parser, 256, 1000);
  cnv_imap_parser_feed (parser, (const guint8 *) "* 1 FETCH (BODY[] {1001}\r\n", 26);
  g_assert_null (cnv_imap_parser_next (parser, &error));
  g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_LIMIT);
  g_clear_error (&error);

  assert_parse_error ("* 1 FETCH (BODY[] {99999999999999999999999}\r\n", 45, CNV_IMAP_ERROR_LIMIT);

  /* The literal limit is for one response: two literals under it that add up to more are refused;
   * the next response starts again from zero. */
  {
    g_autoptr(CnvImapParser) sum = cnv_imap_parser_new ();
    g_autoptr(GError) sum_error = NULL;
    g_autoptr(CnvImapResponse) first = NULL;
    g_autofree char *six = g_strnfill (600, 'a');
    g_autofree char *wire = g_strdup_printf ("* 1 FETCH (BODY[] {600}\r\n%s)\r\n"
                                             "* 2 FETCH (BODY[1] {600}\r\n%s BODY[2] {600}\r\n", six, six);

    cnv_imap_parser_set_limits (sum, 256, 1000);
    cnv_imap_parser_feed (sum, (const guint8 *) wire, strlen (wire));
    first = cnv_imap_parser_next (sum, &sum_error);
    g_assert_no_error (sum_error);
    g_assert_nonnull (first);
    g_assert_null (cnv_imap_parser_next (sum, &sum_error));
    g_assert_error (sum_error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_LIMIT);
  }

  for (int i = 0; i < 1000; i++)
    g_string_append_c (nested, '(');
  for (int i = 0; i < 1000; i++)
    g_string_append_c (nested, ')');
  g_string_append (nested, "\r\n");
  assert_parse_error (nested->str, nested->len, CNV_IMAP_ERROR_LIMIT);
  g_string_free (nested, TRUE);
}

static void
test_malformed (void)
{
  static const char *const cases[] = {
    "* OK bare LF\n",
    "\r\n",
    " a1 OK leading space\r\n",
    "a1 PREAUTH tagged preauth\r\n",
    "a1 BYE tagged bye\r\n",
    "a1 MAYBE what\r\n",
    "a1OK\r\n",
    "* \"unclosed\r\n",
    "* X \"bad \\n escape\"\r\n",
    "* X (unclosed list\r\n",
    "* X closed) list\r\n",
    "* 99999999999 EXISTS\r\n",
    "* X 99999999999999999999\r\n",
    "* 3 FETCH UID 4\r\n",
    "* 3 FETCH (UID)\r\n",
    "* 3 FETCH (UID 4) trailing\r\n",
    "* OK [UNCLOSED code\r\n",
    "* X BODY[unclosed\r\n",
    "* X {3}\r\nab\r\n",
    "* X {3}\r\nabcdef\r\n",
    "* OK text with\ra CR\r\n",
    "+idling\r\n",
    "* OK[ALERT] glued\r\n",
    "*\r\n",
    "* X a\\b\r\n",
    /* Found by fuzz-imap: a section or a code must close on its own line, never inside a literal. */
    "* X A[{6}\r\n] {100000}\r\n",
    "* 1 FETCH (UID 5 X[{2}\r\n] NIL)\r\n",
    "* OK [X (a {3}\r\n]ab] hi\r\n",
    "a1 NO [TRYCREATE\xff] Mailbox does not exist\r\n",
    "* 0 FETCH (UID 1)\r\n",
    "* FETCH (UID 7)\r\n",
    "* EXISTS\r\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i]);
      assert_parse_error (cases[i], strlen (cases[i]), CNV_IMAP_ERROR_PROTOCOL);
    }
}

/* Found by fuzz-imap in CI: what framing takes for a literal announcement is never text, so
 * the one-response reader refuses it as the incremental parser does. */
static void
test_text_ending_in_literal (void)
{
  static const char *const wires[] = { "* OK Do3tev coo Du[] {4294967296}\r\n", "* OK wait {5}\r\n",
                                       "a1 NO [ALERT] see {12+}\r\n" };

  for (gsize i = 0; i < G_N_ELEMENTS (wires); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvImapResponse) response = cnv_imap_parse_response ((const guint8 *) wires[i],
                                                                     strlen (wires[i]), &error);

      g_assert_null (response);
      g_assert_error (error, CNV_IMAP_ERROR, CNV_IMAP_ERROR_PROTOCOL);
    }
  assert_parse_error (wires[0], strlen (wires[0]), CNV_IMAP_ERROR_LIMIT);
}

/* A literal's content must never be taken for a response, even when the announcement is split. */
static void
test_literal_boundaries (void)
{
  const char *wire = "* 1 FETCH (BODY[] {0}\r\n)\r\n* 2 FETCH (BODY[] {5}\r\n{3}\r\n)\r\n";
  g_autoptr(GPtrArray) all = parse_all (wire, strlen (wire), 1);
  const CnvImapValue *second;

  g_assert_cmpuint (all->len, ==, 2);
  second = cnv_imap_response_get_fetch_item (g_ptr_array_index (all, 1), "BODY[]");
  g_assert_cmpmem (g_bytes_get_data (second->bytes, NULL), 5, "{3}\r\n", 5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/imap/parser/greeting", test_greeting);
  g_test_add_func ("/engine/imap/parser/tagged", test_tagged);
  g_test_add_func ("/engine/imap/parser/select-data", test_select_data);
  g_test_add_func ("/engine/imap/parser/fetch-literal", test_fetch_literal);
  g_test_add_func ("/engine/imap/parser/fetch-section", test_fetch_section);
  g_test_add_func ("/engine/imap/parser/continuation", test_continuation);
  g_test_add_func ("/engine/imap/parser/search-and-list", test_search_and_list);
  g_test_add_func ("/engine/imap/parser/odd-codes", test_odd_codes);
  g_test_add_func ("/engine/imap/parser/adjacent-lists", test_adjacent_lists);
  g_test_add_func ("/engine/imap/parser/big-line", test_big_line);
  g_test_add_func ("/engine/imap/parser/limits", test_limits);
  g_test_add_func ("/engine/imap/parser/malformed", test_malformed);
  g_test_add_func ("/engine/imap/parser/literal-boundaries", test_literal_boundaries);
  g_test_add_func ("/engine/imap/parser/text-ending-in-literal", test_text_ending_in_literal);

  return g_test_run ();
}
