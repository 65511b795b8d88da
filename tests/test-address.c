/* test-address.c — CnvAddress: parsing and normalisation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"

static void
test_normalize_case (void)
{
  g_autofree char *a = cnv_address_normalize ("Alice@Example.TEST", NULL);
  g_autofree char *b = cnv_address_normalize ("  <alice@example.test.>  ", NULL);

  g_assert_cmpstr (a, ==, "alice@example.test");
  g_assert_cmpstr (b, ==, "alice@example.test");
}

static void
test_normalize_idn (void)
{
  g_autofree char *a = cnv_address_normalize ("dave@bücher.example", NULL);
  g_autofree char *b = cnv_address_normalize ("Dave@XN--BCHER-KVA.example", NULL);
  g_autoptr(CnvAddress) address = cnv_address_new ("Dave", "dave@bücher.example", NULL);
  g_autofree char *shown = cnv_address_to_display (address);

  g_assert_cmpstr (a, ==, "dave@xn--bcher-kva.example");
  g_assert_cmpstr (b, ==, a);
  g_assert_cmpstr (shown, ==, "Dave <dave@bücher.example>");
}

static void
test_normalize_invalid (void)
{
  static const char * const invalid[] = {
    "", "   ", "alice", "@example.test", "alice@", "alice@@example.test", "al ice@example.test",
    "alice@exa mple.test", "alice@-example.test", "alice@example..test", ".alice@example.test",
    "alice..b@example.test", "alice\r\n@example.test", "alice@example.test\r\nBcc: x@y",
    "a<b@example.test", "\xff\xfe@example.test", "\"john doe\"@example.test", "\"a,b\"@example.test",
    "jose@xn--bchertransfer-encoding", "x@xn--.example",
  };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *result = cnv_address_normalize (invalid[i], &error);
      g_autofree char *trimmed = g_strstrip (g_strdup (invalid[i]));
      int expected = *trimmed == '\0' ? CNV_ADDRESS_ERROR_EMPTY : CNV_ADDRESS_ERROR_INVALID;
      g_autofree char *shown = g_strescape (invalid[i], NULL);

      g_test_message ("%s", shown);
      g_assert_null (result);
      g_assert_error (error, CNV_ADDRESS_ERROR, expected);
    }
}

static void
test_normalize_long (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *local = g_strnfill (65, 'a');
  g_autofree char *address = g_strconcat (local, "@example.test", NULL);
  g_autofree char *result = cnv_address_normalize (address, &error);

  g_assert_null (result);
  g_assert_error (error, CNV_ADDRESS_ERROR, CNV_ADDRESS_ERROR_INVALID);
}

static void
test_sanitize_name (void)
{
  g_autofree char *a = cnv_address_sanitize_name ("Eve\r\nBcc: evil@example.test");
  g_autofree char *b = cnv_address_sanitize_name ("  \"Bob   Smith\"  ");
  g_autofree char *c = cnv_address_sanitize_name ("\t\r\n");
  g_autofree char *d = cnv_address_sanitize_name ("Zoë \xff Ünal");

  g_assert_cmpstr (a, ==, "Eve Bcc: evil@example.test");
  g_assert_cmpstr (b, ==, "Bob Smith");
  g_assert_null (c);
  g_assert_true (g_utf8_validate (d, -1, NULL));
  g_assert_nonnull (strstr (d, "Zoë"));
}

static void
test_list_parse (void)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) list = NULL;
  const CnvAddress *a;

  list = cnv_address_list_parse ("Bob <Bob@Example.TEST>, bob@example.test, \"Smith, Carol\" <carol@example.test>, "
                                  "Team: dave@example.test, Erin <erin@example.test>;, "
                                  "=?UTF-8?B?w4lsb2RpZQ==?= <elodie@example.test>, not-an-address",
                                  warnings);
  g_assert_cmpuint (list->len, ==, 5);
  a = g_ptr_array_index (list, 0);
  g_assert_cmpstr (a->address, ==, "bob@example.test");
  g_assert_cmpstr (a->name, ==, "Bob");
  a = g_ptr_array_index (list, 1);
  g_assert_cmpstr (a->address, ==, "carol@example.test");
  g_assert_cmpstr (a->name, ==, "Smith, Carol");
  a = g_ptr_array_index (list, 2);
  g_assert_cmpstr (a->address, ==, "dave@example.test");
  a = g_ptr_array_index (list, 3);
  g_assert_cmpstr (a->address, ==, "erin@example.test");
  g_assert_cmpstr (a->name, ==, "Erin");
  a = g_ptr_array_index (list, 4);
  g_assert_cmpstr (a->address, ==, "elodie@example.test");
  g_assert_cmpstr (a->name, ==, "Élodie");
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), "not-an-address"));
}

static void
test_list_duplicate_keeps_name (void)
{
  g_autoptr(GPtrArray) list = cnv_address_list_parse ("bob@example.test, Bob Builder <BOB@example.test>", NULL);
  const CnvAddress *a;

  g_assert_cmpuint (list->len, ==, 1);
  a = g_ptr_array_index (list, 0);
  g_assert_cmpstr (a->name, ==, "Bob Builder");
}

static void
test_list_garbage (void)
{
  static const char * const garbage[] = {
    "", ",,,", "<>", ":;", "\"unterminated <a@b", "a@b@c@d", "=?UTF-8?B?garbage", "\x01\x02\x03",
    "Group: ;", "((((((((((", "<<<<a@example.test>>>>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) list = cnv_address_list_parse (garbage[i], warnings);

      for (guint k = 0; k < list->len; k++)
        {
          const CnvAddress *a = g_ptr_array_index (list, k);
          g_autofree char *again = cnv_address_normalize (a->address, NULL);

          /* Whatever survives is a normalised, valid address. */
          g_assert_cmpstr (again, ==, a->address);
        }
    }
}

static void
test_list_to_gmime_encodes (void)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  g_autoptr(InternetAddressList) gm = NULL;
  g_autofree char *header = NULL;
  g_autoptr(GPtrArray) back = NULL;

  g_ptr_array_add (list, cnv_address_new ("Zoë, \"the\" boss", "zoe@example.test", NULL));
  g_ptr_array_add (list, cnv_address_new ("Eve\r\nBcc: x@y", "eve@example.test", NULL));
  gm = cnv_address_list_to_gmime (list);
  header = internet_address_list_to_string (gm, NULL, TRUE);
  g_assert_null (strchr (header, '\r'));
  g_assert_null (strchr (header, '\n'));

  back = cnv_address_list_parse (header, NULL);
  g_assert_cmpuint (back->len, ==, 2);
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (back, 0))->name, ==, "Zoë, \"the\" boss");
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (back, 1))->name, ==, "Eve Bcc: x@y");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/engine/address/normalize/case", test_normalize_case);
  g_test_add_func ("/engine/address/normalize/idn", test_normalize_idn);
  g_test_add_func ("/engine/address/normalize/invalid", test_normalize_invalid);
  g_test_add_func ("/engine/address/normalize/long", test_normalize_long);
  g_test_add_func ("/engine/address/sanitize-name", test_sanitize_name);
  g_test_add_func ("/engine/address/list/parse", test_list_parse);
  g_test_add_func ("/engine/address/list/duplicate-keeps-name", test_list_duplicate_keeps_name);
  g_test_add_func ("/engine/address/list/garbage", test_list_garbage);
  g_test_add_func ("/engine/address/list/to-gmime", test_list_to_gmime_encodes);

  return g_test_run ();
}
