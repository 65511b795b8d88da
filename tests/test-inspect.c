/* test-inspect.c — `convene-manager inspect` against the request fixtures in tests/data/requests
 *
 * Every NAME.eml is inspected with tests/data/manager.ini and the JSON printed on stdout is
 * compared with NAME.json: `warnings` and `errors` hold substrings (each expected string must
 * occur, case-insensitively, in the actual sentence at the same index, and the arrays have the
 * same length); every other key present in NAME.json is compared exactly. The exit status is 0
 * when `errors` is empty, else 1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "cnv-engine.h"

/* Fixtures that must be there: guards against a data directory that silently went missing. */
#define MIN_FIXTURES 30

typedef struct
{
  int      exit_status;
  char    *out;
  char    *err;
} RunResult;

static void
run_result_free (RunResult *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RunResult, run_result_free)

static const char *
data_dir (void)
{
  const char *env = g_getenv ("CNV_TEST_DATA");

  return env != NULL && *env != '\0' ? env : CNV_TEST_DATA_DIR;
}

static const char *
manager_path (void)
{
  return g_getenv ("CNV_MANAGER");
}

static char *
manager_ini (void)
{
  return g_build_filename (data_dir (), "manager.ini", NULL);
}

static char *
bytes_to_string (GBytes *bytes)
{
  gsize len = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  /* Empty output comes back as NULL data. */
  return data ? g_strndup (data, len) : g_strdup ("");
}

/* Runs `convene-manager inspect ARGS…`, feeding @input (if any) to its stdin. */
static RunResult *
run_inspect (GBytes     *input,
             const char *first_arg,
             ...) G_GNUC_NULL_TERMINATED;

static RunResult *
run_inspect (GBytes     *input,
             const char *first_arg,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  RunResult *result;
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE;
  va_list args;

  g_ptr_array_add (argv, (char *) manager_path ());
  g_ptr_array_add (argv, (char *) "inspect");
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  if (input != NULL)
    flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;
  launcher = g_subprocess_launcher_new (flags);
  /* The manager must not depend on the caller's zone: floating times use the configured one. */
  g_subprocess_launcher_setenv (launcher, "TZ", "America/New_York", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  g_subprocess_communicate (process, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));

  result = g_new0 (RunResult, 1);
  result->exit_status = g_subprocess_get_exit_status (process);
  result->out = bytes_to_string (out);
  result->err = bytes_to_string (err);
  return result;
}

static gboolean
skip_without_manager (void)
{
  if (manager_path () == NULL)
    {
      g_test_skip ("CNV_MANAGER is not set (run through meson test)");
      return TRUE;
    }
  return FALSE;
}

static gboolean
contains_casefold (const char *haystack,
                   const char *needle)
{
  g_autofree char *h = g_utf8_casefold (haystack, -1);
  g_autofree char *n = g_utf8_casefold (needle, -1);

  return strstr (h, n) != NULL;
}

static char *
node_to_string (JsonNode *node)
{
  return node ? json_to_string (node, FALSE) : g_strdup ("(missing)");
}

/* Compares a `warnings` or `errors` array; appends the differences to @problems. */
static void
compare_sentences (const char *key,
                   JsonNode   *expected,
                   JsonNode   *actual,
                   GString    *problems)
{
  g_autofree char *shown = node_to_string (actual);
  JsonArray *exp_array;
  JsonArray *act_array;

  if (!JSON_NODE_HOLDS_ARRAY (expected))
    {
      g_string_append_printf (problems, "  expected file: “%s” is not an array\n", key);
      return;
    }
  if (actual == NULL || !JSON_NODE_HOLDS_ARRAY (actual))
    {
      g_string_append_printf (problems, "  %s: expected an array, got %s\n", key, shown);
      return;
    }

  exp_array = json_node_get_array (expected);
  act_array = json_node_get_array (actual);
  if (json_array_get_length (exp_array) != json_array_get_length (act_array))
    {
      g_autofree char *want = node_to_string (expected);

      g_string_append_printf (problems, "  %s: expected %u entries matching %s, got %s\n",
                              key, json_array_get_length (exp_array), want, shown);
      return;
    }

  for (guint i = 0; i < json_array_get_length (exp_array); i++)
    {
      const char *want = json_array_get_string_element (exp_array, i);
      JsonNode *got_node = json_array_get_element (act_array, i);
      const char *got = JSON_NODE_HOLDS_VALUE (got_node) ? json_node_get_string (got_node) : NULL;

      if (got == NULL || want == NULL || !contains_casefold (got, want))
        g_string_append_printf (problems, "  %s[%u]: “%s” does not contain “%s”\n",
                                key, i, got ? got : "(not a string)", want ? want : "(null)");
    }
}

/* Compares the inspect output with the expected object; returns the differences, or "" */
static char *
compare_with_expected (JsonObject *expected,
                       JsonObject *actual)
{
  static const char * const required[] = {
    "type", "manager_address", "title", "initiator", "participants", "informational",
    "start", "end", "times_from", "uid", "warnings", "errors",
  };
  GString *problems = g_string_new (NULL);
  g_autoptr(GList) members = json_object_get_members (expected);

  /* The contract's keys are always printed, null or empty when there is nothing to say. */
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (!json_object_has_member (actual, required[i]))
      g_string_append_printf (problems, "  the output has no “%s” key\n", required[i]);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *want = json_object_get_member (expected, key);
      JsonNode *got = json_object_get_member (actual, key);

      if (g_str_equal (key, "warnings") || g_str_equal (key, "errors"))
        compare_sentences (key, want, got, problems);
      else if (got == NULL || !json_node_equal (want, got))
        {
          g_autofree char *want_text = node_to_string (want);
          g_autofree char *got_text = node_to_string (got);

          g_string_append_printf (problems, "  %s: expected %s, got %s\n", key, want_text, got_text);
        }
    }

  return g_string_free (problems, FALSE);
}

static JsonNode *
parse_json (const char  *text,
            gssize       len,
            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, text, len, error))
    return NULL;
  /* An empty document parses, with no root. */
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "empty output");
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

/* Checks one run of inspect against the expected JSON file. */
static void
check_output (RunResult  *result,
              const char *expected_path,
              const char *label)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) expected = NULL;
  g_autoptr(JsonNode) actual = NULL;
  g_autofree char *expected_text = NULL;
  g_autofree char *problems = NULL;
  JsonArray *errors;
  int want_status;

  g_file_get_contents (expected_path, &expected_text, NULL, &error);
  g_assert_no_error (error);
  expected = parse_json (expected_text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (expected));

  actual = parse_json (result->out, -1, &error);
  if (actual == NULL)
    {
      g_test_message ("%s: stdout:\n%s\nstderr:\n%s", label, result->out, result->err);
      g_test_fail_printf ("%s: the output is not JSON: %s", label, error->message);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (actual))
    {
      g_test_fail_printf ("%s: the output is not a JSON object", label);
      return;
    }

  problems = compare_with_expected (json_node_get_object (expected), json_node_get_object (actual));

  errors = json_object_get_array_member (json_node_get_object (expected), "errors");
  want_status = errors != NULL && json_array_get_length (errors) > 0 ? 1 : 0;
  if (result->exit_status != want_status)
    {
      g_autofree char *more = g_strdup_printf ("%s  exit status: expected %d, got %d\n",
                                               problems, want_status, result->exit_status);

      g_free (problems);
      problems = g_steal_pointer (&more);
    }

  if (*problems != '\0')
    {
      g_test_message ("%s: actual output:\n%s", label, result->out);
      if (*result->err != '\0')
        g_test_message ("%s: stderr:\n%s", label, result->err);
      g_test_fail_printf ("%s differs from %s:\n%s", label, expected_path, problems);
    }
}

static char *
expected_path_for (const char *eml_path)
{
  g_autofree char *stem = g_strndup (eml_path, strlen (eml_path) - strlen (".eml"));

  return g_strconcat (stem, ".json", NULL);
}

static void
test_fixture (gconstpointer data)
{
  const char *eml_path = data;
  g_autofree char *config = manager_ini ();
  g_autofree char *expected_path = expected_path_for (eml_path);
  g_autofree char *label = g_path_get_basename (eml_path);
  g_autoptr(RunResult) result = NULL;

  if (skip_without_manager ())
    return;

  result = run_inspect (NULL, "--config", config, eml_path, NULL);
  check_output (result, expected_path, label);
}

/* `inspect -` reads the mail from stdin: the same answer as from the file. */
static void
test_stdin (void)
{
  g_autofree char *config = manager_ini ();
  g_autofree char *eml_path = g_build_filename (data_dir (), "requests", "outlook-exchange-meeting.eml", NULL);
  g_autofree char *expected_path = expected_path_for (eml_path);
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(RunResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  if (skip_without_manager ())
    return;

  g_file_get_contents (eml_path, &contents, &len, &error);
  g_assert_no_error (error);
  input = g_bytes_new_take (g_steal_pointer (&contents), len);

  result = run_inspect (input, "--config", config, "-", NULL);
  check_output (result, expected_path, "stdin");
}

/* An empty stdin is not a request, and says so as JSON or on stderr; it never crashes. */
static void
test_stdin_empty (void)
{
  g_autofree char *config = manager_ini ();
  g_autoptr(GBytes) input = g_bytes_new_static ("", 0);
  g_autoptr(RunResult) result = NULL;

  if (skip_without_manager ())
    return;

  result = run_inspect (input, "--config", config, "-", NULL);
  g_assert_cmpint (result->exit_status, !=, 0);
  g_assert_true (*result->out != '\0' || *result->err != '\0');
}

static void
test_missing_file (void)
{
  g_autofree char *config = manager_ini ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cnv-inspect-XXXXXX", &error);
  g_autofree char *missing = NULL;
  g_autoptr(RunResult) result = NULL;

  g_assert_no_error (error);
  if (skip_without_manager ())
    {
      g_rmdir (dir);
      return;
    }

  missing = g_build_filename (dir, "no-such-request.eml", NULL);
  result = run_inspect (NULL, "--config", config, missing, NULL);
  g_rmdir (dir);

  g_assert_cmpint (result->exit_status, !=, 0);
  /* Nothing that looks like a verdict on stdout, and stderr names the file. */
  g_assert_cmpstr (result->out, ==, "");
  g_assert_nonnull (strstr (result->err, "no-such-request.eml"));
}

static void
test_no_file_argument (void)
{
  g_autofree char *config = manager_ini ();
  g_autoptr(RunResult) result = NULL;

  if (skip_without_manager ())
    return;

  result = run_inspect (NULL, "--config", config, NULL);
  g_assert_cmpint (result->exit_status, !=, 0);
  g_assert_cmpstr (result->out, ==, "");
  g_assert_cmpstr (result->err, !=, "");
}

typedef struct
{
  const char *name;
  const char *contents;   /* NULL: the file does not exist */
  const char *mentions;   /* what stderr must say (case-insensitive); NULL: the file's name */
} BadConfig;

static const BadConfig bad_configs[] = {
  /* A group header that is never closed: GKeyFile's syntax error. */
  { "syntax", "[manager\ntimezone = Europe/Paris\n", NULL },
  { "missing", NULL, NULL },
  { "timezone", "[manager]\ntimezone = Mars/Olympus_Mons\n\n"
                "[type videoconference]\naddress = videoconference@example.test\ndefault = true\n",
    "Mars/Olympus_Mons" },
  { "duration", "[manager]\ndefault-duration = forever\n\n"
                "[type videoconference]\naddress = videoconference@example.test\ndefault = true\n",
    "forever" },
  { "address", "[type videoconference]\naddress = not an address\ndefault = true\n",
    "not an address" },
  { "two-defaults", "[type videoconference]\naddress = videoconference@example.test\ndefault = true\n\n"
                    "[type whiteboard]\naddress = whiteboard@example.test\ndefault = true\n",
    "default" },
  { "same-address", "[type videoconference]\naddress = rooms@example.test\ndefault = true\n\n"
                    "[type whiteboard]\naddress = Rooms@Example.TEST\n",
    "rooms@example.test" },
};

static void
test_bad_config (gconstpointer data)
{
  const BadConfig *bad = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cnv-inspect-XXXXXX", &error);
  g_autofree char *config = NULL;
  g_autofree char *basename = g_strdup_printf ("manager-%s.ini", bad->name);
  g_autofree char *eml_path = g_build_filename (data_dir (), "requests", "mutt-body-times.eml", NULL);
  g_autoptr(RunResult) result = NULL;

  g_assert_no_error (error);
  config = g_build_filename (dir, basename, NULL);
  if (bad->contents != NULL)
    {
      g_file_set_contents (config, bad->contents, -1, &error);
      g_assert_no_error (error);
    }

  if (!skip_without_manager ())
    result = run_inspect (NULL, "--config", config, eml_path, NULL);

  g_unlink (config);
  g_rmdir (dir);
  if (result == NULL)
    return;

  g_test_message ("stderr: %s", result->err);
  g_assert_cmpint (result->exit_status, !=, 0);
  /* A configuration error is not a verdict on the mail: no JSON. */
  g_assert_cmpstr (result->out, ==, "");
  if (!contains_casefold (result->err, bad->mentions ? bad->mentions : basename))
    g_test_fail_printf ("stderr does not mention “%s”: %s",
                        bad->mentions ? bad->mentions : basename, result->err);
}

/* Every fixture has its expected output, and every expected output its fixture. */
static void
test_fixtures_paired (void)
{
  g_autofree char *dir_path = g_build_filename (data_dir (), "requests", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, &error);
  const char *name;
  guint n_eml = 0;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);

      if (g_str_has_suffix (name, ".eml"))
        {
          g_autofree char *json = expected_path_for (path);

          n_eml++;
          if (!g_file_test (json, G_FILE_TEST_EXISTS))
            g_test_fail_printf ("%s has no expected .json", name);
        }
      else if (g_str_has_suffix (name, ".json"))
        {
          g_autofree char *stem = g_strndup (path, strlen (path) - strlen (".json"));
          g_autofree char *eml = g_strconcat (stem, ".eml", NULL);

          if (!g_file_test (eml, G_FILE_TEST_EXISTS))
            g_test_fail_printf ("%s has no .eml", name);
        }
    }
  g_assert_cmpuint (n_eml, >=, MIN_FIXTURES);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
list_fixtures (void)
{
  g_autofree char *dir_path = g_build_filename (data_dir (), "requests", NULL);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return paths;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".eml"))
      g_ptr_array_add (paths, g_build_filename (dir_path, name, NULL));
  g_ptr_array_sort (paths, compare_strings);
  return paths;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) fixtures = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  char **test_argv;
  int test_argc;

  /* One failing fixture must not hide the verdict on the others: keep going after a failure. */
  for (int i = 0; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, (char *) "--keep-going");
  g_ptr_array_add (args, NULL);
  test_argc = args->len - 1;
  test_argv = (char **) args->pdata;

  g_test_init (&test_argc, &test_argv, NULL);
  cnv_engine_init ();

  fixtures = list_fixtures ();
  for (guint i = 0; i < fixtures->len; i++)
    {
      const char *path = g_ptr_array_index (fixtures, i);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *test_path = NULL;

      base[strlen (base) - strlen (".eml")] = '\0';
      test_path = g_strconcat ("/manager/inspect/", base, NULL);
      g_test_add_data_func (test_path, path, test_fixture);
    }

  g_test_add_func ("/manager/inspect/fixtures/paired", test_fixtures_paired);
  g_test_add_func ("/manager/inspect/stdin/mail", test_stdin);
  g_test_add_func ("/manager/inspect/stdin/empty", test_stdin_empty);
  g_test_add_func ("/manager/inspect/usage/missing-file", test_missing_file);
  g_test_add_func ("/manager/inspect/usage/no-file", test_no_file_argument);
  for (guint i = 0; i < G_N_ELEMENTS (bad_configs); i++)
    {
      g_autofree char *test_path = g_strconcat ("/manager/inspect/config/", bad_configs[i].name, NULL);

      g_test_add_data_func (test_path, &bad_configs[i], test_bad_config);
    }

  return g_test_run ();
}
