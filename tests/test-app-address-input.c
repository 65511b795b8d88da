/* test-app-address-input.c — pasted address lists, parsed or flagged one piece at a time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-address-input.h"
#include "cnv-engine.h"

static CnvAddressInputItem *
item_at (GPtrArray *items,
         guint      i)
{
  g_assert_cmpuint (i, <, items->len);
  return g_ptr_array_index (items, i);
}

/* Item @i is @address (normalised) with @name. */
static void
assert_address (GPtrArray  *items,
                guint       i,
                const char *name,
                const char *address)
{
  CnvAddressInputItem *item = item_at (items, i);

  if (item->address == NULL)
    g_error ("item %u “%s” was flagged: %s", i, item->text, item->problem);
  g_assert_null (item->problem);
  g_assert_cmpstr (item->address->address, ==, address);
  g_assert_cmpstr (item->address->name, ==, name);
}

/* Item @i is flagged, with @text and a reason containing @reason_part. */
static void
assert_flagged (GPtrArray  *items,
                guint       i,
                const char *text,
                const char *reason_part)
{
  CnvAddressInputItem *item = item_at (items, i);

  if (item->address != NULL)
    g_error ("item %u “%s” was taken as %s", i, item->text, item->address->address);
  g_assert_nonnull (item->problem);
  if (text != NULL)
    g_assert_cmpstr (item->text, ==, text);
  if (strstr (item->problem, reason_part) == NULL)
    g_error ("item %u: the reason “%s” does not say “%s”", i, item->problem, reason_part);
}

/* What every result holds: each item is an address or a reason, never both; texts and reasons
 * are valid UTF-8 without line breaks or NUL-like surprises. */
static void
assert_well_formed (GPtrArray *items)
{
  for (guint i = 0; i < items->len; i++)
    {
      CnvAddressInputItem *item = g_ptr_array_index (items, i);

      g_assert_nonnull (item->text);
      g_assert_true (g_utf8_validate (item->text, -1, NULL));
      g_assert_cmpuint (strlen (item->text), >, 0);
      g_assert_true ((item->address == NULL) != (item->problem == NULL));
      if (item->problem != NULL)
        {
          g_assert_true (g_utf8_validate (item->problem, -1, NULL));
          for (const char *p = item->problem; *p != '\0'; p++)
            g_assert_true ((guchar) *p >= 0x20 && *p != 0x7f);
        }
    }
}

static GPtrArray *
parse (const char *text)
{
  GPtrArray *items = cnv_address_input_parse (text);

  assert_well_formed (items);
  return items;
}

/* The header's example: four pieces, three addresses and one flagged. */
static void
test_example (void)
{
  g_autoptr(GPtrArray) items = parse ("Bob <bob@x.org>, carol@x.org; \"Doe, Dave\" <dave@x.org>\n"
                                      " garbage");

  g_assert_cmpuint (items->len, ==, 4);
  assert_address (items, 0, "Bob", "bob@x.org");
  g_assert_cmpstr (item_at (items, 0)->text, ==, "Bob <bob@x.org>");
  assert_address (items, 1, NULL, "carol@x.org");
  assert_address (items, 2, "Doe, Dave", "dave@x.org");
  assert_flagged (items, 3, "garbage", "“garbage” is not an e-mail address");
}

static void
test_forms (void)
{
  g_autoptr(GPtrArray) items = parse (
    "<Alice@Example.ORG>\t"
    "bob@example.org (Smith, Bob)\n"
    "mailto:carol@example.org;"
    "MAILTO:dave%40example.org?subject=Hi%2C%20there&body=x,"
    "Erin <mailto:erin@example.org?cc=erin.b@example.org>;"
    "\"O'Brien \\\"Pat\\\"\" <pat@example.org>,"
    "=?utf-8?q?J=C3=BCrgen?= <jurgen@example.org>,"
    "frank@example.org.");

  g_assert_cmpuint (items->len, ==, 9);
  assert_address (items, 0, NULL, "alice@example.org");
  assert_address (items, 1, "Smith, Bob", "bob@example.org");
  assert_address (items, 2, NULL, "carol@example.org");
  assert_address (items, 3, NULL, "dave@example.org");
  assert_address (items, 4, "Erin", "erin@example.org");
  /* The link's "cc" is honoured (see test_mailto). */
  assert_address (items, 5, NULL, "erin.b@example.org");
  assert_address (items, 6, "O'Brien \"Pat\"", "pat@example.org");
  assert_address (items, 7, "Jürgen", "jurgen@example.org");
  assert_address (items, 8, NULL, "frank@example.org");
}

/* Unicode names, internationalised domains (IDNA: compared in ASCII) and local parts (RFC 6532). */
static void
test_unicode (void)
{
  g_autoptr(GPtrArray) items = parse ("Jürgen Müller <jm@Bücher.example>, "
                                      "\"李 小龙\" <li@例え.jp>; "
                                      "josé@example.org, "
                                      "Zoë (she/her) <zoe@xn--bcher-kva.example>");

  g_assert_cmpuint (items->len, ==, 4);
  assert_address (items, 0, "Jürgen Müller", "jm@xn--bcher-kva.example");
  assert_address (items, 1, "李 小龙", "li@xn--r8jz45g.jp");
  assert_address (items, 2, NULL, "josé@example.org");
  g_assert_cmpstr (item_at (items, 3)->address->address, ==, "zoe@xn--bcher-kva.example");
}

/* Each kind of garbage has its own reason. */
static void
test_reasons (void)
{
  g_autoptr(GPtrArray) items = parse ("foo, bob@, @example.org, a@@example.org, bob@exa_mple.org,"
                                      "b\"o\"b@example.org, Bob Smith bob@example.org, Bob <>,"
                                      "bob@example.org carol@example.org, <bob@example.org> extra,"
                                      "Team: a@example.org, b@example.org; \"Unclosed <a@example.org, more\n"
                                      "mailto:%00@example.org, mailto:a%0D%0Ab@example.org");

  g_assert_cmpuint (items->len, ==, 14);
  assert_flagged (items, 0, "foo", "“foo” is not an e-mail address");
  assert_flagged (items, 1, "bob@", "“bob@” is missing the part after @");
  assert_flagged (items, 2, "@example.org", "is missing the part before @");
  assert_flagged (items, 3, "a@@example.org", "has more than one @");
  assert_flagged (items, 4, "bob@exa_mple.org", "is not a valid domain name");
  assert_flagged (items, 5, NULL, "has characters an e-mail address cannot have");
  assert_flagged (items, 6, "Bob Smith bob@example.org", "“Name <address>”");
  assert_flagged (items, 7, "Bob <>", "no address between < and >");
  assert_flagged (items, 8, NULL, "separate them with commas");
  assert_flagged (items, 9, "<bob@example.org> extra", "unexpected text after the address");
  /* A group is one piece up to its ';': no member is taken out of it. */
  assert_flagged (items, 10, "Team: a@example.org, b@example.org;", "is a group");
  /* The quote is never closed: it holds the rest of its line, commas included. */
  g_assert_nonnull (item_at (items, 11)->problem);
  assert_flagged (items, 11, "\"Unclosed <a@example.org, more", "");
  assert_flagged (items, 12, "mailto:%00@example.org", "not a usable mailto: link");
  assert_flagged (items, 13, "mailto:a%0D%0Ab@example.org", "not a usable mailto: link");
}

/* Header injection and invisible characters: CR/LF always separate, so "Bcc:" is a piece of its
 * own (a group, flagged); control characters, NUL inside a mailto:, bidirectional overrides and
 * line separators are flagged, never passed on. A C string ends at its NUL. */
static void
test_injection (void)
{
  static const char with_nul[] = "amy@example.org\0eve@evil.test";
  g_autoptr(GPtrArray) items = parse ("bob@example.org\r\nBcc: eve@evil.test\r\n"
                                      "Carol\x01 <carol@example.org>\n"
                                      "Dave\x7f <dave@example.org>\n"
                                      "Eve\xe2\x80\xae <eve@example.org>\n"
                                      "Fay\xe2\x80\xa8x <fay@example.org>\n"
                                      "\"Gus\r\nBcc: eve@evil.test\" <gus@example.org>\n"
                                      "Hal \xc2\x85 <hal@example.org>");
  g_autoptr(GPtrArray) cut = parse (with_nul);

  assert_address (items, 0, NULL, "bob@example.org");
  assert_flagged (items, 1, "Bcc: eve@evil.test", "is a group");
  assert_flagged (items, 2, NULL, "control characters");
  g_assert_null (strchr (item_at (items, 2)->problem, '\x01'));
  assert_flagged (items, 3, NULL, "control characters");
  assert_flagged (items, 4, NULL, "control characters");
  assert_flagged (items, 5, NULL, "control characters");
  /* The quote is cut by the line break; neither half is an address with "Bcc" in it. */
  for (guint i = 6; i < items->len; i++)
    {
      CnvAddressInputItem *item = item_at (items, i);

      if (item->address != NULL)
        g_assert_null (strstr (item->address->address, "evil"));
      if (item->address != NULL && item->address->name != NULL)
        g_assert_null (strpbrk (item->address->name, "\r\n"));
    }
  assert_flagged (items, items->len - 1, NULL, "control characters");

  g_assert_cmpuint (cut->len, ==, 1);
  assert_address (cut, 0, NULL, "amy@example.org");
}

static void
test_empty (void)
{
  static const char * const blanks[] = { "", " ", "\t", "\n\r\n", " , ; ,,;;\t\n ", "\"\"", };

  for (guint i = 0; i < G_N_ELEMENTS (blanks); i++)
    {
      g_autoptr(GPtrArray) items = parse (blanks[i]);

      /* Only a pair of quotes is a piece (an empty name): flagged, not dropped. */
      if (g_str_equal (blanks[i], "\"\""))
        {
          g_assert_cmpuint (items->len, ==, 1);
          assert_flagged (items, 0, "\"\"", "");
        }
      else
        g_assert_cmpuint (items->len, ==, 0);
    }
}

static void
test_trailing_separators (void)
{
  g_autoptr(GPtrArray) items = parse (",;  bob@example.org ,;\n\t, carol@example.org;;;\n\n,");

  g_assert_cmpuint (items->len, ==, 2);
  assert_address (items, 0, NULL, "bob@example.org");
  g_assert_cmpstr (item_at (items, 0)->text, ==, "bob@example.org");
  assert_address (items, 1, NULL, "carol@example.org");
}

/* 10 000 addresses are taken; beyond them the rest is one flagged item, whatever it holds. */
static void
test_ten_thousand (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) more = NULL;

  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (text, "\"User %u, Test\" <user%u@example.org>%s", i, i,
                            i % 3 == 0 ? ",\n" : "; ");
  items = parse (text->str);
  g_assert_cmpuint (items->len, ==, 10000);
  for (guint i = 0; i < items->len; i += 997)
    {
      g_autofree char *name = g_strdup_printf ("User %u, Test", i);
      g_autofree char *address = g_strdup_printf ("user%u@example.org", i);

      assert_address (items, i, name, address);
    }
  assert_address (items, 9999, "User 9999, Test", "user9999@example.org");

  g_string_append (text, "late@example.org, garbage, later@example.org,;\n");
  more = parse (text->str);
  g_assert_cmpuint (more->len, ==, 10001);
  assert_address (more, 9999, "User 9999, Test", "user9999@example.org");
  assert_flagged (more, 10000, "late@example.org, garbage, later@example.org", "Too many addresses");
}

/* A 1 MiB paste of random bytes: every piece is an address or flagged, nothing crashes or leaks
 * control characters; one 1 MiB word is one flagged item. */
static void
test_garbage (void)
{
  gsize size = 1024 * 1024;
  g_autofree char *bytes = g_malloc (size + 1);
  g_autofree char *word = g_malloc (size + 1);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) one = NULL;
  gsize total = 0;

  for (gsize i = 0; i < size; i++)
    {
      bytes[i] = (char) g_test_rand_int_range (1, 256);
      word[i] = "ab@.<>\"x"[i % 8];
    }
  bytes[size] = '\0';
  word[size] = '\0';

  items = parse (bytes);
  g_assert_cmpuint (items->len, >, 0);
  g_assert_cmpuint (items->len, <=, 10001);
  for (guint i = 0; i < items->len; i++)
    total += strlen (item_at (items, i)->text);
  g_test_message ("%u items from 1 MiB of random bytes", items->len);
  g_assert_cmpuint (total, >, 0);

  one = parse (word);
  g_assert_cmpuint (one->len, ==, 1);
  assert_flagged (one, 0, NULL, "too long");
  g_assert_cmpuint (strlen (item_at (one, 0)->text), ==, size);
}

/* Invalid UTF-8 is flagged, and the text shown is made valid. */
static void
test_invalid_utf8 (void)
{
  g_autoptr(GPtrArray) items = parse ("b\xffob@example.org, \xc3 <x@example.org>, ok@example.org");

  g_assert_cmpuint (items->len, ==, 3);
  assert_flagged (items, 0, NULL, "not text");
  assert_flagged (items, 1, NULL, "not text");
  assert_address (items, 2, NULL, "ok@example.org");
}

/* Nothing typed vanishes: with blanks and the separators ',' and ';' left out, the texts of the
 * items, one after the other, are the input. */
static void
assert_covers (const char *input,
               GPtrArray  *items)
{
  g_autoptr(GString) typed = g_string_new (NULL);
  g_autoptr(GString) kept = g_string_new (NULL);

  for (const char *p = input; *p != '\0'; p++)
    if (strchr (" \t\r\n\f\v,;", *p) == NULL)
      g_string_append_c (typed, *p);
  for (guint i = 0; i < items->len; i++)
    for (const char *p = item_at (items, i)->text; *p != '\0'; p++)
      if (strchr (" \t\r\n\f\v,;", *p) == NULL)
        g_string_append_c (kept, *p);
  if (!g_str_equal (typed->str, kept->str))
    g_error ("“%s” became “%s”", input, kept->str);
}

/* An accepted item stands on its own: its text alone gives the same address again. */
static void
assert_accepted_stable (GPtrArray *items)
{
  for (guint i = 0; i < items->len; i++)
    {
      CnvAddressInputItem *item = item_at (items, i);
      g_autoptr(GPtrArray) again = NULL;

      if (item->address == NULL)
        continue;
      again = cnv_address_input_parse (item->text);
      if (again->len != 1 || item_at (again, 0)->address == NULL)
        g_error ("“%s” was accepted, but not on its own", item->text);
      g_assert_cmpstr (item_at (again, 0)->address->address, ==, item->address->address);
    }
}

/* An accepted item's text holds nothing but its address, a name before "< >" and comments: with
 * comments and blanks (outside quotes) taken out, it ends with "<ADDRESS>", or it is ADDRESS; a
 * final '.' after the address may go. */
static void
assert_accepted_explained (GPtrArray *items)
{
  for (guint i = 0; i < items->len; i++)
    {
      CnvAddressInputItem *item = item_at (items, i);
      g_autoptr(GString) bare = g_string_new (NULL);
      g_autofree char *spec = NULL;
      g_autofree char *normalized = NULL;
      const char *open;
      gboolean in_quote = FALSE;
      guint depth = 0;

      if (item->address == NULL)
        continue;
      for (const char *p = item->text; *p != '\0'; p++)
        {
          if (*p == '\\' && p[1] != '\0' && (in_quote || depth > 0))
            {
              if (depth == 0)
                g_string_append_len (bare, p, 2);
              p++;
            }
          else if (depth == 0 && *p == '"')
            {
              in_quote = !in_quote;
              g_string_append_c (bare, *p);
            }
          else if (!in_quote && *p == '(')
            depth++;
          else if (!in_quote && depth > 0 && *p == ')')
            depth--;
          else if (depth == 0 && (in_quote || !g_ascii_isspace (*p)))
            g_string_append_c (bare, *p);
        }
      g_assert_false (in_quote);
      g_assert_cmpuint (depth, ==, 0);
      open = strrchr (bare->str, '<');
      if (open != NULL)
        {
          if (!g_str_has_suffix (bare->str, ">"))
            g_error ("“%s” was taken as %s, but holds more", item->text, item->address->address);
          spec = g_strndup (open + 1, strlen (open + 1) - 1);
        }
      else
        spec = g_strdup (bare->str);
      if (g_str_has_suffix (spec, ".") && !g_str_has_suffix (item->address->address, "."))
        spec[strlen (spec) - 1] = '\0';
      normalized = cnv_address_normalize (spec, NULL);
      if (g_strcmp0 (normalized, item->address->address) != 0)
        g_error ("“%s” was taken as %s, but holds more", item->text, item->address->address);
    }
}

/* gmime reads "Bob <bob@x> extra words" as Bob's address and drops the rest: only blanks and
 * comments may follow the '>'. */
static void
test_text_after (void)
{
  static const char * const flagged[] = {
    "Bob <bob@example.org> extra words",
    "Bob <bob@example.org>garbage",
    "Bob <bob@example.org> \"quoted\"",
    "Bob <bob@example.org> (work) extra",
    "<bob@example.org> x",
    "mailto:bob@example.org extra words",
    "Bob <mailto:bob@example.org> extra words",
    "Bob <mailto:bob@example.org?cc=carol@example.org> extra",
  };
  static const char * const accepted[] = {
    "Bob <bob@example.org>",
    "Bob <bob@example.org> (work)",
    "Bob <bob@example.org>  (work) (home (nested))  ",
    "Bob <bob@example.org>(work)",
    "Bob <mailto:bob@example.org> (work)",
    "mailto:bob@example.org (work)",
  };

  for (guint i = 0; i < G_N_ELEMENTS (flagged); i++)
    {
      g_autoptr(GPtrArray) items = parse (flagged[i]);

      g_test_message ("%s", flagged[i]);
      g_assert_cmpuint (items->len, ==, 1);
      assert_flagged (items, 0, flagged[i], "unexpected text after the address");
      assert_covers (flagged[i], items);
    }
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GPtrArray) items = parse (accepted[i]);

      g_test_message ("%s", accepted[i]);
      g_assert_cmpuint (items->len, ==, 1);
      g_assert_nonnull (item_at (items, 0)->address);
      g_assert_cmpstr (item_at (items, 0)->address->address, ==, "bob@example.org");
    }
  {
    /* Two addresses in one piece: flagged as such. */
    g_autoptr(GPtrArray) items = parse ("Bob <bob@example.org> <carol@example.org>");

    g_assert_cmpuint (items->len, ==, 1);
    assert_flagged (items, 0, NULL, "separate them with commas");
  }
}

/* RFC 6068: every address of a mailto: link is honoured, or the link is flagged. */
static void
test_mailto (void)
{
  g_autoptr(GPtrArray) items = NULL;

  /* "cc" inside < >, after a name: the name goes with the path's address. */
  items = parse ("Bob <mailto:bob@example.org?cc=carol@example.org>");
  g_assert_cmpuint (items->len, ==, 2);
  assert_address (items, 0, "Bob", "bob@example.org");
  g_assert_cmpstr (item_at (items, 0)->text, ==, "Bob <bob@example.org>");
  assert_address (items, 1, NULL, "carol@example.org");
  g_assert_cmpstr (item_at (items, 1)->text, ==, "carol@example.org");
  assert_accepted_stable (items);
  g_clear_pointer (&items, g_ptr_array_unref);

  /* Several addresses in the path, and "to". */
  items = parse ("mailto:a@x.org,b@x.org?to=c@x.org");
  g_assert_cmpuint (items->len, ==, 3);
  assert_address (items, 0, NULL, "a@x.org");
  assert_address (items, 1, NULL, "b@x.org");
  assert_address (items, 2, NULL, "c@x.org");
  assert_accepted_stable (items);
  g_clear_pointer (&items, g_ptr_array_unref);

  /* ';' as Outlook writes it; escaped names and lists in "cc"; "subject" and "body" ignored;
   * field names in any case; the next piece after a blank. */
  items = parse ("MailTo:a@x.org;b@x.org?CC=Dave%20%3Cd@x.org%3E%2Ce@x.org&subject=Hi%2C%20f@x.org"
                 "&body=g@x.org&to=h@x.org , i@x.org");
  g_assert_cmpuint (items->len, ==, 6);
  assert_address (items, 0, NULL, "a@x.org");
  assert_address (items, 1, NULL, "b@x.org");
  assert_address (items, 2, "Dave", "d@x.org");
  assert_address (items, 3, NULL, "e@x.org");
  assert_address (items, 4, NULL, "h@x.org");
  assert_address (items, 5, NULL, "i@x.org");
  g_clear_pointer (&items, g_ptr_array_unref);

  /* A ',' after the '?' of a bare link separates the next address, which is not lost in the
   * subject; a separator before another "mailto:" separates links. */
  items = parse ("mailto:a@x.org?subject=Meeting,carol@x.org;mailto:b@x.org,MAILTO:c@x.org");
  g_assert_cmpuint (items->len, ==, 4);
  assert_address (items, 0, NULL, "a@x.org");
  g_assert_cmpstr (item_at (items, 0)->text, ==, "mailto:a@x.org?subject=Meeting");
  assert_address (items, 1, NULL, "carol@x.org");
  assert_address (items, 2, NULL, "b@x.org");
  assert_address (items, 3, NULL, "c@x.org");
  g_clear_pointer (&items, g_ptr_array_unref);

  /* A raw ',' in the query of a bare link separates, as in a list: RFC 6068's own example
   * gives both addresses; what follows the next address of a query is then flagged with it,
   * never dropped. */
  items = parse ("mailto:?to=addr1@an.example,addr2@an.example");
  g_assert_cmpuint (items->len, ==, 2);
  assert_address (items, 0, NULL, "addr1@an.example");
  assert_address (items, 1, NULL, "addr2@an.example");
  g_clear_pointer (&items, g_ptr_array_unref);
  items = parse ("mailto:a@x.org?cc=b@x.org,c@x.org&subject=Hi");
  g_assert_cmpuint (items->len, ==, 3);
  assert_address (items, 0, NULL, "a@x.org");
  assert_address (items, 1, NULL, "b@x.org");
  assert_flagged (items, 2, "c@x.org&subject=Hi", "");
  g_clear_pointer (&items, g_ptr_array_unref);

  /* Only "to": one address, the link's text kept. */
  items = parse ("mailto:?to=a@x.org&subject=x");
  g_assert_cmpuint (items->len, ==, 1);
  assert_address (items, 0, NULL, "a@x.org");
  g_assert_cmpstr (item_at (items, 0)->text, ==, "mailto:?to=a@x.org&subject=x");
  g_clear_pointer (&items, g_ptr_array_unref);

  /* An address of the link that is not one is flagged on its own. */
  items = parse ("mailto:a@x.org?cc=garbage");
  g_assert_cmpuint (items->len, ==, 2);
  assert_address (items, 0, NULL, "a@x.org");
  assert_flagged (items, 1, "garbage", "is not an e-mail address");
  g_clear_pointer (&items, g_ptr_array_unref);

  {
    static const struct { const char *text; const char *reason; } cases[] = {
      { "mailto:a@x.org?bcc=eve@x.org", "hidden copies (bcc)" },
      { "Bob <mailto:a@x.org?cc=c@x.org&BCC=eve@x.org>", "hidden copies (bcc)" },
      { "Team <mailto:a@x.org,b@x.org>", "one name to several addresses" },
      { "Team <mailto:?to=a@x.org>", "one name to several addresses" },
      { "mailto:", "not a usable mailto: link" },
      { "mailto:?subject=Hello", "not a usable mailto: link" },
      { "mailto:a@x.org?cc=%0D%0ABcc:%20eve@x.org", "not a usable mailto: link" },
      { "mailto:a@x.org?cc=%E2%80%AEeve@x.org", "not a usable mailto: link" },
      { "mailto:a%2Cb@x.org", "not a usable mailto: link" },
      { "mailto:a@x.org?cc=%zz", "not a usable mailto: link" },
      { "<mailto:a@x.org", "not closed" },
      /* A stray '>' after a bare link is part of its address, which it spoils. */
      { "mailto:a@x.org>", "brackets or parentheses do not match" },
      { "mailto:?to=a@x.org>", "brackets or parentheses do not match" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_test_message ("%s", cases[i].text);
        items = parse (cases[i].text);
        g_assert_cmpuint (items->len, ==, 1);
        assert_flagged (items, 0, cases[i].text, cases[i].reason);
        g_clear_pointer (&items, g_ptr_array_unref);
      }
  }
}

/* Every way typed text could vanish: each non-blank character ends up in an item's text, and
 * what is accepted holds nothing that was skipped. */
static void
test_nothing_vanishes (void)
{
  static const struct { const char *text; const char *reason; } flagged[] = {
    { "bob@example.org@", "is missing the part after @" },
    { "bob@example.org>", "brackets or parentheses do not match" },
    { "Bob <<bob@example.org>", "brackets or parentheses do not match" },
    { "Bob <bob@example.org>>", "brackets or parentheses do not match" },
    { "bob@example.org)", "brackets or parentheses do not match" },
    { "<bob@example.org", "is not closed" },
    { "Bob <bob@example.org", "is not closed" },
    { "bob@example.org (unclosed", "is not closed" },
    { "\"Bob <bob@example.org>", "is not closed" },
    { "Bob <@route.example:bob@example.org>", "more than one @" },
    { "bob@example.org\\", "is not a valid domain name" },
    { "\"Bob\" bob@example.org", "“Name <address>”" },
    { "team: a@x.org, b@x.org;", "is a group" },
    { "Undisclosed recipients:;", "is a group" },
    { "Bob: <bob@example.org>", "is a group" },
  };
  static const char * const mixed[] = {
    "team: a@x.org, b@x.org; carol@x.org, \"Doe, Dave\" <dave@x.org>",
    "bob@x.org (Bob \"the) , carol@x.org",
    "(comment) bob@x.org, bob@x.org (Bob), Bob (x) Smith <bob@x.org>",
    "a@[IPv6:::1], b@x.org; \"x\\\"y\" <c@x.org>",
    "Bob <bob@x.org, carol@x.org\ndave@x.org",
    "@, @@, <>, <<>>, (), \"\", :;, a@, @b, a@b@c, \\, \\\\",
    "Jürgen <jm@Bücher.example> (Jü), zoe@xn--bcher-kva.example.",
    /* A '<' inside a group does not hold the pieces after the group's ';' together. */
    "x:<;Bob,<bob@example.org>, a \t@b",
  };

  for (guint i = 0; i < G_N_ELEMENTS (flagged); i++)
    {
      g_autoptr(GPtrArray) items = parse (flagged[i].text);

      g_test_message ("%s", flagged[i].text);
      g_assert_cmpuint (items->len, ==, 1);
      assert_flagged (items, 0, flagged[i].text, flagged[i].reason);
    }
  for (guint i = 0; i < G_N_ELEMENTS (mixed); i++)
    {
      g_autoptr(GPtrArray) items = parse (mixed[i]);

      g_test_message ("%s", mixed[i]);
      assert_covers (mixed[i], items);
      assert_accepted_stable (items);
      assert_accepted_explained (items);
    }
  {
    g_autoptr(GPtrArray) items = parse (mixed[0]);

    g_assert_cmpuint (items->len, ==, 3);
    assert_flagged (items, 0, "team: a@x.org, b@x.org;", "is a group");
    assert_address (items, 1, NULL, "carol@x.org");
    assert_address (items, 2, "Doe, Dave", "dave@x.org");
  }
  {
    /* A '"' inside a comment is a character: the ',' after the comment separates. */
    g_autoptr(GPtrArray) items = parse (mixed[1]);

    g_assert_cmpuint (items->len, ==, 2);
    g_assert_cmpstr (item_at (items, 0)->address->address, ==, "bob@x.org");
    assert_address (items, 1, NULL, "carol@x.org");
  }
}

/* Random pastes of the characters that matter to the parser: nothing vanishes, what is accepted
 * is accepted again on its own. */
static void
test_nothing_vanishes_random (void)
{
  static const char alphabet[] = "ab.@@<>\"()\\,;: \t[]x";

  for (guint round = 0; round < 20000; round++)
    {
      char text[24];
      guint len = g_test_rand_int_range (1, sizeof text);
      g_autoptr(GPtrArray) items = NULL;

      for (guint i = 0; i < len; i++)
        text[i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
      text[len] = '\0';
      items = parse (text);
      assert_covers (text, items);
      assert_accepted_stable (items);
      assert_accepted_explained (items);
    }
  for (guint round = 0; round < 2000; round++)
    {
      /* Around a real address. */
      g_autofree char *text = NULL;
      char noise[4][6];
      g_autoptr(GPtrArray) items = NULL;

      for (guint n = 0; n < 4; n++)
        {
          guint len = g_test_rand_int_range (0, sizeof noise[n]);

          for (guint i = 0; i < len; i++)
            noise[n][i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
          noise[n][len] = '\0';
        }
      text = g_strdup_printf ("%sBob%s<bob@example.org%s>%s", noise[0], noise[1], noise[2],
                              noise[3]);
      items = parse (text);
      assert_covers (text, items);
      assert_accepted_stable (items);
      assert_accepted_explained (items);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/app/address-input/example", test_example);
  g_test_add_func ("/app/address-input/forms", test_forms);
  g_test_add_func ("/app/address-input/unicode", test_unicode);
  g_test_add_func ("/app/address-input/reasons", test_reasons);
  g_test_add_func ("/app/address-input/injection", test_injection);
  g_test_add_func ("/app/address-input/empty", test_empty);
  g_test_add_func ("/app/address-input/trailing-separators", test_trailing_separators);
  g_test_add_func ("/app/address-input/ten-thousand", test_ten_thousand);
  g_test_add_func ("/app/address-input/garbage-1mib", test_garbage);
  g_test_add_func ("/app/address-input/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/app/address-input/text-after", test_text_after);
  g_test_add_func ("/app/address-input/mailto", test_mailto);
  g_test_add_func ("/app/address-input/nothing-vanishes", test_nothing_vanishes);
  g_test_add_func ("/app/address-input/nothing-vanishes-random", test_nothing_vanishes_random);

  return g_test_run ();
}
