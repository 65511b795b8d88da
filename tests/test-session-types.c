/* test-session-types.c — CnvSessionTypes: the type a manager address or keyword selects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"

static CnvSessionTypes *
load (const char  *ini,
      GError     **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(CnvSessionTypes) types = cnv_session_types_new ();

  g_assert_true (g_key_file_load_from_data (key_file, ini, -1, G_KEY_FILE_NONE, NULL));
  if (!cnv_session_types_load_key_file (types, key_file, error))
    return NULL;
  return g_steal_pointer (&types);
}

static void
test_load_fixture (void)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(CnvSessionTypes) types = cnv_session_types_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (CNV_TEST_DATA_DIR, "manager.ini", NULL);
  const CnvSessionType *type;

  g_assert_true (g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &error));
  g_assert_true (cnv_session_types_load_key_file (types, key_file, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (cnv_session_types_get_n_types (types), ==, 2);
  type = cnv_session_types_get_default (types);
  g_assert_cmpstr (type->name, ==, "videoconference");
  g_assert_cmpstr (type->address, ==, "videoconference@example.test");
  g_assert_cmpstrv (type->keywords, ((const char * const[]) { "video", "visio", "videoconference", NULL }));

  type = cnv_session_types_match_address (types, "whiteboard@example.test");
  g_assert_cmpstr (type->name, ==, "whiteboard");
  g_assert_null (cnv_session_types_match_address (types, "convene@example.test"));
  g_assert_true (cnv_session_types_is_manager_address (types, "convene@example.test"));
  g_assert_true (cnv_session_types_is_manager_address (types, "videoconference@example.test"));
  g_assert_false (cnv_session_types_is_manager_address (types, "videoconference@other.test"));
  g_assert_false (cnv_session_types_is_manager_address (types, "alice@example.test"));
}

static void
test_keywords (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionTypes) types = load ("[type videoconference]\nkeywords=video, visio\ndefault=true\n"
                                           "[type whiteboard]\nkeywords=whiteboard;Tableau Blanc\n",
                                           &error);
  const CnvSessionType *type;

  g_assert_no_error (error);
  type = cnv_session_types_match_keyword (types, "Let us draw on a WHITEBOARD, then video", -1);
  g_assert_cmpstr (type->name, ==, "whiteboard");
  type = cnv_session_types_match_keyword (types, "Une visio puis un tableau blanc", -1);
  g_assert_cmpstr (type->name, ==, "videoconference");
  type = cnv_session_types_match_keyword (types, "Réunion au TABLEAU   BLANC", -1);
  g_assert_null (type);
  type = cnv_session_types_match_keyword (types, "Réunion au TABLEAU BLANC.", -1);
  g_assert_cmpstr (type->name, ==, "whiteboard");
  /* Whole words only: "videos" and "television" are not "video". */
  g_assert_null (cnv_session_types_match_keyword (types, "Watch videos on television", -1));
  g_assert_null (cnv_session_types_match_keyword (types, "", -1));
  g_assert_null (cnv_session_types_match_keyword (types, "\xff\xfe video\xff", 3));
}

static void
test_wildcard (void)
{
  g_autoptr(CnvSessionTypes) types = cnv_session_types_new_default ();
  const CnvSessionType *type;

  type = cnv_session_types_match_address (types, "videoconference@anything.example");
  g_assert_cmpstr (type->name, ==, "videoconference");
  type = cnv_session_types_match_address (types, "whiteboard@example.test");
  g_assert_cmpstr (type->name, ==, "whiteboard");
  g_assert_null (cnv_session_types_match_address (types, "xvideoconference@example.test"));
  g_assert_null (cnv_session_types_match_address (types, "video@example.test"));
  g_assert_cmpstr (cnv_session_types_get_default (types)->name, ==, "videoconference");
}

static void
test_exact_beats_wildcard (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionTypes) types = load ("[type any]\naddress=meet@*\n"
                                           "[type here]\naddress=Meet@Example.TEST\n", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (cnv_session_types_match_address (types, "meet@example.test")->name, ==, "here");
  g_assert_cmpstr (cnv_session_types_match_address (types, "meet@other.test")->name, ==, "any");
}

static void
test_errors (void)
{
  static const struct {
    const char *ini;
    int code;
    const char *words;
  } cases[] = {
    { "[manager]\ntimezone=UTC\n", CNV_CONFIG_ERROR_MISSING, "No session type" },
    { "[type a]\naddress=a@example.test\ndefault=true\n[type b]\naddress=b@example.test\ndefault=true\n",
      CNV_CONFIG_ERROR_DUPLICATE, "default" },
    { "[type a]\naddress=x@example.test\n[type b]\naddress=X@Example.test\n",
      CNV_CONFIG_ERROR_DUPLICATE, "same address" },
    { "[type a]\naddress=not an address\n", CNV_CONFIG_ERROR_INVALID, "not a manager address" },
    { "[type bad name]\naddress=a@example.test\n", CNV_CONFIG_ERROR_INVALID, "type name" },
    { "[type a]\n", CNV_CONFIG_ERROR_MISSING, "nothing would select it" },
    { "[type a]\naddress=a@example.test\ndefault=perhaps\n", CNV_CONFIG_ERROR_INVALID, "true or false" },
    { "[type a]\ndefault=true\n[manager]\naddress=bad@@x\n", CNV_CONFIG_ERROR_INVALID, "[manager] address" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvSessionTypes) types = load (cases[i].ini, &error);

      g_assert_null (types);
      g_assert_error (error, CNV_CONFIG_ERROR, cases[i].code);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].words));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/engine/session-types/load-fixture", test_load_fixture);
  g_test_add_func ("/engine/session-types/keywords", test_keywords);
  g_test_add_func ("/engine/session-types/wildcard", test_wildcard);
  g_test_add_func ("/engine/session-types/exact-beats-wildcard", test_exact_beats_wildcard);
  g_test_add_func ("/engine/session-types/errors", test_errors);

  return g_test_run ();
}
