/* test-manager-admin.c — the administrator's commands, run as the real convene-manager binary
 * ($CNV_MANAGER) against a temporary configuration and database: check-config, user, domain,
 * session list/show/cancel (on sessions written through the store), exit statuses and messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cnv-manager-admin.h"
#include "cnv-manager-store.h"
#include "manager-test-files.h"

/* 2026-12-01T13:00:00Z to 14:30Z: 14:00 to 15:30 in Europe/Paris (CET). */
#define START 1796130000
#define END   1796135400

#define MANAGER_ADDRESS "videoconference@example.test"
#define REQUEST_ID      "request-1@example.test"

typedef struct
{
  char *dir;
  char *config;     /* DIR/manager.conf */
  char *database;   /* DIR/manager.db, named relatively in the configuration */
} Fixture;

typedef struct
{
  int   status;
  char *out;
  char *err;
} RunResult;

static void
run_result_free (RunResult *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RunResult, run_result_free)

static const char base_config[] =
  "[manager]\n"
  "database = manager.db\n"
  "timezone = Europe/Paris\n"
  "accredited-domains = conf.example\n"
  "\n"
  "[type videoconference]\n"
  "address = " MANAGER_ADDRESS "\n"
  "default = true\n"
  "backend = url\n"
  "url = https://meet.example.test/{room}\n"
  "\n"
  "[type whiteboard]\n"
  "address = whiteboard@example.test\n"
  "backend = url\n"
  "url = https://board.example.test/{room}\n";

static void
write_text (const char *path,
            const char *text,
            int         mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("cnv-admin-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  fixture->config = g_build_filename (fixture->dir, "manager.conf", NULL);
  fixture->database = g_build_filename (fixture->dir, "manager.db", NULL);
  write_text (fixture->config, base_config, 0644);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->config);
  g_free (fixture->database);
}

static gboolean
skip_without_manager (void)
{
  if (g_getenv ("CNV_MANAGER") != NULL)
    return FALSE;
  g_test_skip ("CNV_MANAGER is not set (run through meson test)");
  return TRUE;
}

/* Runs convene-manager with the arguments (NULL-terminated), from another directory than the
 * configuration's: relative paths in it must not depend on the current directory. */
static RunResult *
run_argv (const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  RunResult *result = g_new0 (RunResult, 1);

  g_ptr_array_add (argv, (gpointer) g_getenv ("CNV_MANAGER"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd (launcher, g_get_tmp_dir ());
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);

  g_test_message ("convene-manager %s → %d", args[0] ? args[0] : "", result->status);
  if (*result->out != '\0')
    g_test_message ("stdout: %s", result->out);
  if (*result->err != '\0')
    g_test_message ("stderr: %s", result->err);
  return result;
}

static RunResult *
run (const char *first,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return run_argv ((const char * const *) args->pdata);
}

static void
assert_run (RunResult  *result,
            int         status,
            const char *out,
            const char *err)
{
  g_assert_cmpint (result->status, ==, status);
  if (out != NULL && strstr (result->out, out) == NULL)
    g_test_fail_printf ("stdout does not say “%s”: %s", out, result->out);
  if (err != NULL && strstr (result->err, err) == NULL)
    g_test_fail_printf ("stderr does not say “%s”: %s", err, result->err);
  /* Errors go to standard error, and only there. A new database says that it was created. */
  if (status == 0)
    {
      g_auto(GStrv) lines = g_strsplit (result->err, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        if (*lines[i] != '\0' && strstr (lines[i], "Migrating ") == NULL)
          g_test_fail_printf ("unexpected on stderr: %s", lines[i]);
    }
  else
    {
      g_assert_cmpstr (result->out, ==, "");
      g_assert_true (g_str_has_prefix (result->err, "convene-manager: ") ||
                     g_str_has_prefix (result->err, "Usage: "));
    }
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static CnvManagerStore *
open_store (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  CnvManagerStore *store = cnv_manager_store_open (fixture->database, &error);

  g_assert_no_error (error);
  return store;
}

/* ---- Usage and errors -------------------------------------------------------------------- */

static void
test_usage (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *no_database = g_build_filename (fixture->dir, "no-database.conf", NULL);
  g_autofree char *broken = g_build_filename (fixture->dir, "broken.conf", NULL);
  g_autofree char *not_a_database = g_build_filename (fixture->dir, "garbage.db", NULL);
  g_autofree char *garbage_config = g_build_filename (fixture->dir, "garbage.conf", NULL);

  if (skip_without_manager ())
    return;

  write_text (no_database, "[type v]\naddress = v@example.test\n", 0644);
  write_text (broken, "[manager]\ntimezone = Mars/Olympus_Mons\n", 0644);
  write_text (not_a_database, "this is not an SQLite database, not at all, not even close\n", 0644);
  write_text (garbage_config, "[manager]\ndatabase = garbage.db\n", 0644);

  {
    g_autoptr(RunResult) result = run (NULL, NULL);
    g_assert_cmpint (result->status, ==, 2);
    g_assert_nonnull (strstr (result->out, "check-config"));
  }
  {
    g_autoptr(RunResult) result = run ("--help", NULL);
    assert_run (result, 0, "session cancel ID", NULL);
  }
  {
    g_autoptr(RunResult) result = run ("frobnicate", NULL);
    g_assert_cmpint (result->status, ==, 2);
    g_assert_nonnull (strstr (result->err, "unknown command “frobnicate”"));
  }
  {
    g_autoptr(RunResult) result = run ("user", NULL);
    assert_run (result, 2, NULL, "user add ADDRESS");
  }
  {
    g_autoptr(RunResult) result = run ("session", "destroy", "x", NULL);
    assert_run (result, 2, NULL, "session cancel ID");
  }
  {
    g_autoptr(RunResult) result = run ("user", "add", "--config", fixture->config, NULL);
    assert_run (result, 2, NULL, "convene-manager: user add: expected ADDRESS");
  }
  {
    g_autoptr(RunResult) result = run ("user", "list", "extra", "--config", fixture->config, NULL);
    assert_run (result, 2, NULL, "unexpected argument “extra”");
  }
  {
    g_autoptr(RunResult) result = run ("user", "list", "--frobnicate", "--config", fixture->config, NULL);
    assert_run (result, 2, NULL, "--frobnicate");
  }
  {
    g_autoptr(RunResult) result = run ("user", "list", NULL);
    assert_run (result, 2, NULL, "--config FILE is required");
  }
  {
    g_autoptr(RunResult) result = run ("user", "add", "alice@example.test", "--help", NULL);
    g_assert_cmpint (result->status, ==, 0);
    g_assert_nonnull (strstr (result->out, "convene-manager user add"));
    g_assert_nonnull (strstr (result->out, "--name"));
  }
  {
    g_autofree char *missing = g_build_filename (fixture->dir, "missing.conf", NULL);
    g_autoptr(RunResult) result = run ("domain", "list", "--config", missing, NULL);
    assert_run (result, 2, NULL, "missing.conf");
  }
  {
    g_autoptr(RunResult) result = run ("session", "list", "--config", broken, NULL);
    assert_run (result, 2, NULL, "Mars/Olympus_Mons");
  }
  {
    g_autoptr(RunResult) result = run ("user", "list", "--config", no_database, NULL);
    assert_run (result, 2, NULL, "[manager] database is not set");
  }
  {
    g_autoptr(RunResult) result = run ("user", "list", "--config", garbage_config, NULL);
    assert_run (result, 2, NULL, "garbage.db");
  }
}

/* ---- check-config ------------------------------------------------------------------------ */

static void
test_check_config (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *ready = g_build_filename (fixture->dir, "ready.conf", NULL);
  g_autofree char *bad = g_build_filename (fixture->dir, "bad.conf", NULL);
  g_autofree char *password = g_build_filename (fixture->dir, "password", NULL);
  g_autofree char *ready_text = g_strconcat ("[imap]\nhost = imap.example.test\nuser = convene\n"
                                             "password-file = password\n"
                                             "[smtp]\nhost = smtp.example.test\nuser = convene\n"
                                             "password-file = password\n"
                                             "[gateway]\npublic-url = https://convene.example.test\n",
                                             base_config, NULL);
  g_autofree char *ok = NULL;
  g_autofree char *count = NULL;
  g_auto(GStrv) lines = NULL;

  if (skip_without_manager ())
    return;

  write_text (password, "secret\n", 0600);
  write_text (ready, ready_text, 0644);
  write_text (bad, "[manager]\nmax-participants = lots\ndatabse = x\n[imap]\nport = 99999\n", 0644);

  {
    g_autoptr(RunResult) result = run ("check-config", "--config", ready, NULL);

    ok = g_strdup_printf ("%s: OK\n", ready);
    assert_run (result, 0, NULL, NULL);
    g_assert_cmpstr (result->out, ==, ok);
  }
  {
    g_autoptr(RunResult) result = run ("check-config", "--config", bad, NULL);

    /* Every problem on its own line (the file's, then what `run` would miss), then the count. */
    g_assert_cmpint (result->status, ==, 1);
    lines = g_strsplit (result->out, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 6);
    g_assert_true (g_str_has_prefix (lines[0], bad));
    g_assert_nonnull (strstr (lines[0], ":2: [manager] max-participants: “lots”"));
    g_assert_nonnull (strstr (lines[1], ":3: [manager] databse: unknown key, ignored: did you mean database?"));
    g_assert_nonnull (strstr (lines[2], ":4: [imap] host: missing"));
    g_assert_nonnull (strstr (lines[3], ":5: [imap] port: “99999”"));
    count = g_strdup_printf ("%s: 4 problems", bad);
    g_assert_cmpstr (lines[4], ==, count);
    g_assert_cmpstr (lines[5], ==, "");
  }
  {
    /* The base configuration is valid but lacks what `run` needs. */
    g_autoptr(RunResult) result = run ("check-config", "--config", fixture->config, NULL);

    g_assert_cmpint (result->status, ==, 1);
    g_assert_nonnull (strstr (result->out, "[imap]: missing"));
    g_assert_nonnull (strstr (result->out, "[smtp]: missing"));
    g_assert_nonnull (strstr (result->out, "[gateway] public-url: not set"));
  }
  {
    g_autofree char *missing = g_build_filename (fixture->dir, "missing.conf", NULL);
    g_autoptr(RunResult) result = run ("check-config", "--config", missing, NULL);

    assert_run (result, 2, NULL, "missing.conf");
  }
  {
    g_autoptr(RunResult) result = run ("check-config", NULL);

    assert_run (result, 2, NULL, "--config FILE is required");
  }
}

/* ---- user -------------------------------------------------------------------------------- */

static void
test_users (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array;

  if (skip_without_manager ())
    return;

  {
    g_autoptr(RunResult) result = run ("user", "add", "Alice@Example.TEST", "--name", "Alice Liddell",
                                       "--config", fixture->config, NULL);
    assert_run (result, 0, "alice@example.test (Alice Liddell) is accredited", NULL);
  }
  {
    g_autoptr(RunResult) result = run ("user", "add", "--config", fixture->config, "bob@bücher.example", NULL);
    assert_run (result, 0, "bob@xn--bcher-kva.example is accredited", NULL);
  }
  {
    /* A name with a terminal escape sequence: stored without its control characters. */
    g_autoptr(RunResult) result = run ("user", "add", "eve@example.test", "--name", "Eve\x1b[31m Red",
                                       "--config", fixture->config, NULL);
    assert_run (result, 0, NULL, NULL);
  }
  {
    g_autoptr(RunResult) result = run ("user", "add", "not an address", "--config", fixture->config, NULL);
    assert_run (result, 2, NULL, "not an e-mail address");
  }
  {
    g_autoptr(RunResult) result = run ("user", "list", "--config", fixture->config, NULL);
    g_auto(GStrv) lines = g_strsplit (result->out, "\n", -1);

    assert_run (result, 0, NULL, NULL);
    g_assert_null (strchr (result->out, '\x1b'));
    g_assert_cmpuint (g_strv_length (lines), ==, 5);
    /* Aligned columns: the names start at the same offset. */
    g_assert_true (g_str_has_prefix (lines[0], "ADDRESS"));
    g_assert_cmpint (strstr (lines[0], "NAME") - lines[0], ==, strstr (lines[1], "Alice") - lines[1]);
    g_assert_true (g_str_has_prefix (lines[1], "alice@example.test"));
    g_assert_cmpstr (lines[2], ==, "bob@xn--bcher-kva.example");
    g_assert_true (g_str_has_prefix (lines[3], "eve@example.test"));
    g_assert_cmpint (strstr (lines[0], "NAME") - lines[0], ==, strstr (lines[3], "Eve") - lines[3]);
  }
  {
    g_autoptr(RunResult) result = run ("user", "list", "--json", "--config", fixture->config, NULL);
    JsonObject *alice;
    JsonObject *bob;

    assert_run (result, 0, NULL, NULL);
    root = parse_json (result->out);
    array = json_node_get_array (root);
    g_assert_cmpuint (json_array_get_length (array), ==, 3);
    alice = json_array_get_object_element (array, 0);
    g_assert_cmpstr (json_object_get_string_member (alice, "address"), ==, "alice@example.test");
    g_assert_cmpstr (json_object_get_string_member (alice, "name"), ==, "Alice Liddell");
    bob = json_array_get_object_element (array, 1);
    g_assert_true (json_object_get_null_member (bob, "name"));
    g_assert_null (strchr (json_object_get_string_member (json_array_get_object_element (array, 2), "name"),
                           '\x1b'));
    g_clear_pointer (&root, json_node_unref);
  }
  {
    /* Adding again changes the name. */
    g_autoptr(RunResult) result = run ("user", "add", "alice@example.test", "--name", "Alice L.",
                                       "--config", fixture->config, NULL);
    g_autoptr(RunResult) list = NULL;

    assert_run (result, 0, NULL, NULL);
    list = run ("user", "list", "--config", fixture->config, NULL);
    g_assert_nonnull (strstr (list->out, "Alice L.\n"));
  }
  {
    g_autoptr(RunResult) result = run ("user", "remove", "ALICE@example.test", "--config", fixture->config, NULL);
    assert_run (result, 0, "alice@example.test is no longer an accredited user", NULL);
  }
  {
    g_autoptr(RunResult) result = run ("user", "remove", "alice@example.test", "--config", fixture->config, NULL);
    assert_run (result, 1, NULL, "convene-manager: user remove: alice@example.test is not an accredited user");
  }
  {
    g_autoptr(CnvManagerStore) store = open_store (fixture);
    g_autoptr(GPtrArray) users = cnv_manager_store_list_users (store, NULL);

    g_assert_cmpuint (users->len, ==, 2);
  }
  {
    g_autoptr(RunResult) remove_bob = run ("user", "remove", "bob@xn--bcher-kva.example", "--config", fixture->config, NULL);
    g_autoptr(RunResult) remove_eve = run ("user", "remove", "eve@example.test", "--config", fixture->config, NULL);
    g_autoptr(RunResult) result = run ("user", "list", "--config", fixture->config, NULL);
    g_autoptr(RunResult) json = run ("user", "list", "--json", "--config", fixture->config, NULL);

    assert_run (result, 0, "No accredited users.", NULL);
    root = parse_json (json->out);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 0);
  }
}

/* ---- domain ------------------------------------------------------------------------------ */

static void
test_domains (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(JsonNode) root = NULL;

  if (skip_without_manager ())
    return;

  {
    g_autoptr(RunResult) result = run ("domain", "add", "Bücher.Example", "--config", fixture->config, NULL);
    assert_run (result, 0, "every address at xn--bcher-kva.example is accredited", NULL);
  }
  {
    g_autoptr(RunResult) result = run ("domain", "add", "@example.net", "--config", fixture->config, NULL);
    assert_run (result, 0, "example.net", NULL);
  }
  {
    g_autoptr(RunResult) result = run ("domain", "add", "*.example.org", "--config", fixture->config, NULL);
    assert_run (result, 2, NULL, "not a domain name");
  }
  {
    g_autoptr(RunResult) result = run ("domain", "add", "alice@example.org", "--config", fixture->config, NULL);
    assert_run (result, 2, NULL, "not a domain name");
  }
  {
    g_autoptr(RunResult) result = run ("domain", "list", "--config", fixture->config, NULL);
    g_auto(GStrv) lines = g_strsplit (result->out, "\n", -1);

    assert_run (result, 0, NULL, NULL);
    g_assert_cmpuint (g_strv_length (lines), ==, 5);
    g_assert_true (g_str_has_prefix (lines[0], "DOMAIN"));
    g_assert_true (g_str_has_prefix (lines[1], "example.net"));
    g_assert_true (g_str_has_suffix (lines[1], "database"));
    g_assert_true (g_str_has_prefix (lines[2], "xn--bcher-kva.example"));
    g_assert_true (g_str_has_prefix (lines[3], "conf.example"));
    g_assert_true (g_str_has_suffix (lines[3], "configuration"));
  }
  {
    g_autoptr(RunResult) result = run ("domain", "list", "--json", "--config", fixture->config, NULL);
    JsonArray *array;

    assert_run (result, 0, NULL, NULL);
    root = parse_json (result->out);
    array = json_node_get_array (root);
    g_assert_cmpuint (json_array_get_length (array), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 2), "domain"),
                     ==, "conf.example");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 2), "source"),
                     ==, "configuration");
  }
  {
    /* The store accredits the domain's addresses. */
    g_autoptr(CnvManagerStore) store = open_store (fixture);
    gboolean accredited = FALSE;

    g_assert_true (cnv_manager_store_is_accredited (store, "anyone@bücher.example", NULL, &accredited, NULL));
    g_assert_true (accredited);
  }
  {
    g_autoptr(RunResult) result = run ("domain", "remove", "example.net", "--config", fixture->config, NULL);
    assert_run (result, 0, "example.net is no longer an accredited domain", NULL);
  }
  {
    g_autoptr(RunResult) result = run ("domain", "remove", "example.net", "--config", fixture->config, NULL);
    assert_run (result, 1, NULL, "example.net is not an accredited domain");
  }
  {
    g_autoptr(RunResult) result = run ("domain", "remove", "conf.example", "--config", fixture->config, NULL);
    assert_run (result, 1, NULL, "conf.example is accredited by the configuration");
  }
}

/* ---- session ----------------------------------------------------------------------------- */

static void
add_session (CnvManagerStore *store,
             const char      *id,
             CnvSessionState  state,
             const char      *type,
             const char      *title,
             gint64           start)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uid = g_strdup_printf ("%s@convene.example.test", id);
  CnvStoredSession session = {
    .id = (char *) id,
    .uid = uid,
    .sequence = 1,
    .type = (char *) type,
    .title = (char *) title,
    .initiator = (char *) "alice@example.test",
    .initiator_name = (char *) "Alice",
    .manager_address = (char *) MANAGER_ADDRESS,
    .request_message_id = (char *) REQUEST_ID,
    .start = start,
    .end = start + (END - START),
    .state = state,
    .room = (char *) "r4nd0m-room",
    .invite_at_start = FALSE,
    .created_at = START - 86400,
  };
  static const char * const addresses[] = { "alice@example.test", "bob@example.test", "carol@example.test" };

  g_assert_true (cnv_manager_store_add_session (store, &session, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      gint64 participant_id = 0;
      gboolean added = FALSE;
      CnvOutboxItem item = { 0, };

      g_assert_true (cnv_manager_store_add_participant (store, id, addresses[i], i == 1 ? "Bob" : NULL,
                                                        i == 0, &participant_id, &added, &error));
      g_assert_no_error (error);
      g_assert_true (added);

      item.kind = CNV_OUTBOX_INVITATION;
      item.session_id = (char *) id;
      item.participant_id = participant_id;
      item.recipient = g_strdup (addresses[i]);   /* the store replaces it */
      item.sender = (char *) MANAGER_ADDRESS;
      item.in_reply_to = (char *) REQUEST_ID;
      item.state = CNV_OUTBOX_PENDING;
      item.next_attempt = START - 3600;
      item.created_at = START - 86400;
      g_assert_true (cnv_manager_store_add_outbox (store, &item, &error));
      g_assert_no_error (error);
      g_free (item.recipient);
      if (i == 0)
        g_assert_true (cnv_manager_store_outbox_sent (store, item.id, "sent-1@convene.example.test", &error));
      else if (i == 1)
        g_assert_true (cnv_manager_store_outbox_retry (store, item.id, START - 1800,
                                                       "451 4.3.0 Try again later", &error));
      g_assert_no_error (error);
    }
}

static void
add_sessions (Fixture *fixture)
{
  g_autoptr(CnvManagerStore) store = open_store (fixture);

  add_session (store, "Sched1", CNV_SESSION_STATE_SCHEDULED, "videoconference",
               "Weekly sync \x1b[2J with a title long enough to be shortened in the list", START);
  add_session (store, "Active2", CNV_SESSION_STATE_ACTIVE, "whiteboard", "Sketches", START - 86400);
  add_session (store, "Closed3", CNV_SESSION_STATE_CLOSED, "videoconference", "Last week", START - 7 * 86400);
  add_session (store, "Cancel4", CNV_SESSION_STATE_CANCELLED, "videoconference", "Never", START + 86400);
}

static void
test_session_list (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(JsonNode) root = NULL;

  if (skip_without_manager ())
    return;

  {
    g_autoptr(RunResult) result = run ("session", "list", "--config", fixture->config, NULL);
    assert_run (result, 0, "No scheduled or active sessions.", NULL);
  }

  add_sessions (fixture);
  {
    g_autoptr(RunResult) result = run ("session", "list", "--config", fixture->config, NULL);
    g_auto(GStrv) lines = g_strsplit (result->out, "\n", -1);
    glong title_column;

    assert_run (result, 0, NULL, NULL);
    g_assert_cmpuint (g_strv_length (lines), ==, 4);
    g_assert_true (g_str_has_prefix (lines[0], "ID "));
    g_assert_nonnull (strstr (lines[0], "START (Europe/Paris)"));
    /* By start: the active session began a day earlier. */
    g_assert_true (g_str_has_prefix (lines[1], "Active2 "));
    g_assert_true (g_str_has_prefix (lines[2], "Sched1 "));
    /* Local times; the end on the same day shows the time only. */
    g_assert_nonnull (strstr (lines[2], "  2026-12-01 14:00  "));
    g_assert_nonnull (strstr (lines[1], "  2026-11-30 14:00  "));
    g_assert_nonnull (strstr (lines[2], "  15:30  "));
    g_assert_nonnull (strstr (lines[2], "scheduled"));
    g_assert_nonnull (strstr (lines[1], "active"));
    /* Titles come from mail: no escape sequence reaches the terminal, long ones are shortened. */
    g_assert_null (strchr (result->out, '\x1b'));
    g_assert_nonnull (strstr (lines[2], "…"));
    g_assert_null (strstr (lines[2], "shortened"));
    title_column = g_utf8_pointer_to_offset (lines[0], strstr (lines[0], "TITLE"));
    g_assert_cmpint (g_utf8_pointer_to_offset (lines[1], strstr (lines[1], "Sketches")), ==, title_column);
    g_assert_cmpint (g_utf8_pointer_to_offset (lines[2], strstr (lines[2], "Weekly")), ==, title_column);
  }
  {
    g_autoptr(RunResult) result = run ("session", "list", "--all", "--config", fixture->config, NULL);
    g_auto(GStrv) lines = g_strsplit (result->out, "\n", -1);

    assert_run (result, 0, NULL, NULL);
    g_assert_cmpuint (g_strv_length (lines), ==, 6);
    g_assert_true (g_str_has_prefix (lines[1], "Closed3 "));
    g_assert_true (g_str_has_prefix (lines[4], "Cancel4 "));
    g_assert_nonnull (strstr (lines[4], "cancelled"));
  }
  {
    g_autoptr(RunResult) result = run ("session", "list", "--all", "--type", "whiteboard",
                                       "--config", fixture->config, NULL);
    g_auto(GStrv) lines = g_strsplit (result->out, "\n", -1);

    assert_run (result, 0, NULL, NULL);
    g_assert_cmpuint (g_strv_length (lines), ==, 3);
    g_assert_true (g_str_has_prefix (lines[1], "Active2 "));
  }
  {
    g_autoptr(RunResult) result = run ("session", "list", "--json", "--config", fixture->config, NULL);
    JsonArray *array;
    JsonObject *session;

    assert_run (result, 0, NULL, NULL);
    root = parse_json (result->out);
    array = json_node_get_array (root);
    g_assert_cmpuint (json_array_get_length (array), ==, 2);
    session = json_array_get_object_element (array, 1);
    g_assert_cmpstr (json_object_get_string_member (session, "id"), ==, "Sched1");
    g_assert_cmpstr (json_object_get_string_member (session, "state"), ==, "scheduled");
    g_assert_cmpstr (json_object_get_string_member (session, "start"), ==, "2026-12-01T13:00:00Z");
    g_assert_cmpstr (json_object_get_string_member (session, "end"), ==, "2026-12-01T14:30:00Z");
    g_assert_cmpstr (json_object_get_string_member (session, "manager_address"), ==, MANAGER_ADDRESS);
    g_assert_cmpstr (json_object_get_string_member (session, "request_message_id"), ==, REQUEST_ID);
    g_assert_cmpstr (json_object_get_string_member (session, "invite_at"), ==, "request");
    g_assert_true (json_object_get_null_member (session, "room_url"));
    g_assert_true (g_str_has_prefix (json_object_get_string_member (session, "title"), "Weekly sync \x1b[2J"));
  }
}

static void
test_session_show (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(JsonNode) root = NULL;

  if (skip_without_manager ())
    return;

  add_sessions (fixture);
  {
    g_autoptr(RunResult) result = run ("session", "show", "Sched1", "--config", fixture->config, NULL);
    g_autofree char *participants = NULL;
    g_autofree char *outbox = NULL;

    assert_run (result, 0, NULL, NULL);
    g_assert_null (strchr (result->out, '\x1b'));
    g_assert_nonnull (strstr (result->out, "Session       Sched1\n"));
    g_assert_nonnull (strstr (result->out, "Title         Weekly sync \xef\xbf\xbd[2J with a title long enough to be shortened in the list\n"));
    g_assert_nonnull (strstr (result->out, "State         scheduled\n"));
    g_assert_nonnull (strstr (result->out, "Type          videoconference (" MANAGER_ADDRESS ")\n"));
    g_assert_nonnull (strstr (result->out, "Start         2026-12-01 14:00 CET\n"));
    g_assert_nonnull (strstr (result->out, "End           2026-12-01 15:30 CET\n"));
    g_assert_nonnull (strstr (result->out, "Initiator     Alice <alice@example.test>\n"));
    g_assert_nonnull (strstr (result->out, "Request       <" REQUEST_ID ">\n"));

    participants = g_strdup (strstr (result->out, "\nParticipants (3)\n"));
    g_assert_nonnull (participants);
    g_assert_nonnull (strstr (participants, "  alice@example.test  "));
    g_assert_nonnull (strstr (participants, "initiator"));
    g_assert_nonnull (strstr (participants, "  bob@example.test    Bob   participant"));

    outbox = g_strdup (strstr (result->out, "\nOutbox (3)\n"));
    g_assert_nonnull (outbox);
    g_assert_nonnull (strstr (outbox, "KIND"));
    g_assert_nonnull (strstr (outbox, "LAST ERROR"));
    g_assert_nonnull (strstr (outbox, "invitation  bob@example.test    pending  1"));
    g_assert_nonnull (strstr (outbox, "451 4.3.0 Try again later"));
    g_assert_nonnull (strstr (outbox, "invitation  alice@example.test  sent"));
  }
  {
    g_autoptr(RunResult) result = run ("session", "show", "Sched1", "--json", "--config", fixture->config, NULL);
    JsonObject *session;
    JsonArray *participants;
    JsonArray *outbox;

    assert_run (result, 0, NULL, NULL);
    /* No credential exists in clear anywhere: nothing of the kind is printed. */
    g_assert_null (strstr (result->out, "token"));
    root = parse_json (result->out);
    session = json_node_get_object (root);
    g_assert_cmpstr (json_object_get_string_member (session, "uid"), ==, "Sched1@convene.example.test");
    g_assert_cmpint (json_object_get_int_member (session, "sequence"), ==, 1);
    participants = json_object_get_array_member (session, "participants");
    g_assert_cmpuint (json_array_get_length (participants), ==, 3);
    g_assert_true (json_object_get_boolean_member (json_array_get_object_element (participants, 0), "initiator"));
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (participants, 1), "name"),
                     ==, "Bob");
    outbox = json_object_get_array_member (session, "outbox");
    g_assert_cmpuint (json_array_get_length (outbox), ==, 3);
    for (guint i = 0; i < 3; i++)
      {
        JsonObject *item = json_array_get_object_element (outbox, i);

        g_assert_cmpstr (json_object_get_string_member (item, "kind"), ==, "invitation");
        if (g_strcmp0 (json_object_get_string_member (item, "recipient"), "bob@example.test") == 0)
          {
            g_assert_cmpstr (json_object_get_string_member (item, "state"), ==, "pending");
            g_assert_cmpint (json_object_get_int_member (item, "attempts"), ==, 1);
            g_assert_cmpstr (json_object_get_string_member (item, "last_error"), ==, "451 4.3.0 Try again later");
          }
      }
  }
  {
    g_autoptr(RunResult) result = run ("session", "show", "Nope99", "--config", fixture->config, NULL);
    assert_run (result, 1, NULL, "convene-manager: session show: no session Nope99");
  }
  {
    g_autoptr(RunResult) result = run ("session", "show", "../etc/passwd", "--config", fixture->config, NULL);
    assert_run (result, 2, NULL, "is not a session id");
  }
  {
    g_autoptr(RunResult) result = run ("session", "show", "--config", fixture->config, NULL);
    assert_run (result, 2, NULL, "expected ID");
  }
}

static void
test_session_cancel (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(CnvManagerStore) watcher = NULL;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  gint64 version;

  if (skip_without_manager ())
    return;

  add_sessions (fixture);
  /* A connection held open, as the running manager holds one: it sees the change. */
  watcher = open_store (fixture);
  version = cnv_manager_store_data_version (watcher);

  {
    g_autoptr(RunResult) result = run ("session", "cancel", "Sched1", "--config", fixture->config, NULL);
    assert_run (result, 0, "Sched1: cancelled; the running manager mails the cancellation to 3 participants\n",
                NULL);
  }
  g_assert_cmpint (cnv_manager_store_data_version (watcher), !=, version);
  {
    g_autoptr(CnvStoredSession) session = NULL;
    g_autoptr(GPtrArray) outbox = NULL;
    gint64 after = g_get_real_time () / G_USEC_PER_SEC;
    guint n_cancel = 0;

    g_assert_true (cnv_manager_store_get_session (watcher, "Sched1", &session, NULL));
    g_assert_cmpint (session->state, ==, CNV_SESSION_STATE_CANCELLED);
    g_assert_true (cnv_manager_store_list_outbox (watcher, "Sched1", &outbox, NULL));
    for (guint i = 0; i < outbox->len; i++)
      {
        const CnvOutboxItem *item = g_ptr_array_index (outbox, i);

        if (item->kind != CNV_OUTBOX_CANCEL)
          continue;
        n_cancel++;
        g_assert_cmpstr (item->sender, ==, MANAGER_ADDRESS);
        g_assert_cmpstr (item->in_reply_to, ==, REQUEST_ID);
        g_assert_cmpint (item->state, ==, CNV_OUTBOX_PENDING);
        g_assert_cmpint (item->attempts, ==, 0);
        g_assert_cmpint (item->next_attempt, >=, before);
        g_assert_cmpint (item->next_attempt, <=, after);
        g_assert_cmpint (item->participant_id, >, 0);
        g_assert_true (g_str_has_suffix (item->recipient, "@example.test"));
      }
    g_assert_cmpuint (n_cancel, ==, 3);
  }
  {
    g_autoptr(RunResult) result = run ("session", "show", "Sched1", "--config", fixture->config, NULL);
    assert_run (result, 0, "State         cancelled\n", NULL);
    g_assert_nonnull (strstr (result->out, "\nOutbox (6)\n"));
    g_assert_nonnull (strstr (result->out, "cancel      bob@example.test"));
  }

  /* Refused, and nothing changes. */
  version = cnv_manager_store_data_version (watcher);
  {
    g_autoptr(RunResult) result = run ("session", "cancel", "Sched1", "--config", fixture->config, NULL);
    assert_run (result, 1, NULL, "convene-manager: session cancel: Session Sched1 is cancelled already");
  }
  {
    g_autoptr(RunResult) result = run ("session", "cancel", "Closed3", "--config", fixture->config, NULL);
    assert_run (result, 1, NULL, "Session Closed3 is closed already");
  }
  {
    g_autoptr(RunResult) result = run ("session", "cancel", "Nope99", "--config", fixture->config, NULL);
    assert_run (result, 1, NULL, "No session Nope99");
  }
  {
    g_autoptr(RunResult) result = run ("session", "cancel", "bad id", "--config", fixture->config, NULL);
    assert_run (result, 2, NULL, "is not a session id");
  }
  g_assert_cmpint (cnv_manager_store_data_version (watcher), ==, version);
  {
    g_autoptr(GPtrArray) outbox = NULL;

    g_assert_true (cnv_manager_store_list_outbox (watcher, "Closed3", &outbox, NULL));
    g_assert_cmpuint (outbox->len, ==, 3);
  }

  /* An active session can be cancelled too. */
  {
    g_autoptr(RunResult) result = run ("session", "cancel", "Active2", "--config", fixture->config, NULL);
    assert_run (result, 0, "cancelled", NULL);
  }
}

/* The cancellation is one transaction: when the database is locked by another writer, nothing of
 * it is written. */
static void
test_cancel_atomic (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(CnvManagerStore) store = NULL;
  g_autoptr(CnvManagerStore) other = NULL;
  g_autoptr(CnvStoredSession) session = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  add_sessions (fixture);
  store = open_store (fixture);
  other = open_store (fixture);

  g_assert_true (cnv_manager_store_begin (other, &error));
  g_assert_no_error (error);
  g_assert_false (cnv_manager_admin_cancel_session (store, "Sched1", START, &n, &error));
  g_assert_error (error, CNV_STORE_ERROR, CNV_STORE_ERROR_FAILED);
  g_clear_error (&error);
  cnv_manager_store_rollback (other);

  g_assert_true (cnv_manager_store_get_session (store, "Sched1", &session, NULL));
  g_assert_cmpint (session->state, ==, CNV_SESSION_STATE_SCHEDULED);
  g_assert_true (cnv_manager_store_list_outbox (store, "Sched1", &outbox, NULL));
  g_assert_cmpuint (outbox->len, ==, 3);

  /* Once the lock is gone it goes through. */
  g_assert_true (cnv_manager_admin_cancel_session (store, "Sched1", START, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
  g_assert_false (cnv_manager_admin_cancel_session (store, "Sched1", START, &n, &error));
  g_assert_error (error, CNV_ADMIN_ERROR, CNV_ADMIN_ERROR_REFUSED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("TZ", "UTC", TRUE);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/manager/admin/usage", test_usage);
  ADD ("/manager/admin/check-config", test_check_config);
  ADD ("/manager/admin/user", test_users);
  ADD ("/manager/admin/domain", test_domains);
  ADD ("/manager/admin/session/list", test_session_list);
  ADD ("/manager/admin/session/show", test_session_show);
  ADD ("/manager/admin/session/cancel", test_session_cancel);
  ADD ("/manager/admin/session/cancel-atomic", test_cancel_atomic);
#undef ADD

  return g_test_run ();
}
