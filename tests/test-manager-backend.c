/* test-manager-backend.c — the backends of the session types: their configuration, url templates
 * with hostile values, Jitsi tokens checked by an independent implementation (python3's hmac),
 * and real admin programs (shell scripts) that succeed, fail, lie, flood, hang and are cancelled
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cnv-manager-backend.h"
#include "log-guard.h"
#include "manager-test-files.h"
#include "test-async.h"

#define GROUP "type videoconference"
#define PREFIX "[" GROUP "] "

/* 2026-12-01T13:00:00Z to 14:30, joinable from 12:50. */
#define START 1796130000
#define END 1796135400
#define NOT_BEFORE 1796129400

#define JITSI_SECRET "s3cr3t-0f-the-t3st-jitsi-server-9f8e7d"

static const char * const participants[] = {
  "alice@example.test", "bob@example.test", "carol@example.test", NULL
};

static const CnvBackendSession session = {
  .id = "Kx7Qm2Lr",
  .type = "videoconference",
  .title = "Weekly sync",
  .initiator = "alice@example.test",
  .room = "r4nd0m-Room_42",
  .start = START,
  .end = END,
  .not_before = NOT_BEFORE,
  .participants = participants,
};

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("cnv-backend-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

/* Writes @len bytes (-1: a string) to DIR/NAME with @mode; returns the path. */
static char *
write_file (Fixture    *fixture,
            const char *name,
            const char *contents,
            gssize      len,
            int         mode)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->dir, name, NULL);

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static CnvManagerBackend *
backend_from_ini (const char  *ini,
                  GError     **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  g_key_file_load_from_data (key_file, ini, -1, G_KEY_FILE_NONE, &local_error);
  g_assert_no_error (local_error);
  return cnv_manager_backend_new_from_key_file (key_file, GROUP, error);
}

static CnvManagerBackend *
backend_new (const char *ini)
{
  g_autoptr(GError) error = NULL;
  CnvManagerBackend *backend = backend_from_ini (ini, &error);

  g_assert_no_error (error);
  g_assert_nonnull (backend);
  return backend;
}

/* The configuration is refused with a message that starts with @prefix and contains @text. */
static void
assert_config_error (const char *ini,
                     const char *prefix,
                     const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvManagerBackend) backend = backend_from_ini (ini, &error);

  g_assert_null (backend);
  g_assert_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_CONFIG);
  if (!g_str_has_prefix (error->message, prefix) || strstr (error->message, text) == NULL)
    g_error ("“%s” does not start with “%s” and contain “%s”", error->message, prefix, text);
}

static char *
open_room (CnvManagerBackend        *backend,
           const CnvBackendSession  *backend_session,
           GCancellable             *cancellable,
           GError                  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cnv_manager_backend_open_async (backend, backend_session, cancellable, store_result_cb, &result);
  /* Never completed from inside the call. */
  g_assert_null (result);
  wait_result (&result, 60);
  return cnv_manager_backend_open_finish (backend, result, error);
}

static gboolean
close_room (CnvManagerBackend        *backend,
            const CnvBackendSession  *backend_session,
            const char               *room_url,
            GError                  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cnv_manager_backend_close_async (backend, backend_session, room_url, NULL, store_result_cb, &result);
  g_assert_null (result);
  wait_result (&result, 60);
  return cnv_manager_backend_close_finish (backend, result, error);
}

/* Configuration ----------------------------------------------------------------------------- */

static void
test_config_backend (void)
{
  assert_config_error ("[" GROUP "]\naddress = videoconference@example.test\n",
                       PREFIX "has no backend (url, jitsi or command)", "");
  assert_config_error ("[manager]\n", PREFIX "has no backend (url, jitsi or command)", "");
  assert_config_error ("[" GROUP "]\nbackend =   \n", PREFIX "has no backend", "");
  assert_config_error ("[" GROUP "]\nbackend = zoom\n", PREFIX "backend: ", "“zoom” is not a backend");
  assert_config_error ("[" GROUP "]\nbackend = URL\n", PREFIX "backend: ", "“URL” is not a backend");
}

static void
test_config_url (void)
{
  g_autoptr(CnvManagerBackend) backend = NULL;

  assert_config_error ("[" GROUP "]\nbackend = url\n", PREFIX "url: ", "missing");
  assert_config_error ("[" GROUP "]\nbackend = url\nurl = https://meet.example.test/fixed\n",
                       PREFIX "url: ", "has no {room} placeholder");
  assert_config_error ("[" GROUP "]\nbackend = url\nurl = https://meet.example.test/{room}/{owner}\n",
                       PREFIX "url: ", "unknown placeholder {owner}");
  assert_config_error ("[" GROUP "]\nbackend = url\nurl = https://meet.example.test/{room}/{id\n",
                       PREFIX "url: ", "not closed");
  assert_config_error ("[" GROUP "]\nbackend = url\nurl = ftp://x/{room}\n",
                       PREFIX "url: ", "“ftp://x/{room}” is not an https:// or http:// URL");
  assert_config_error ("[" GROUP "]\nbackend = url\nurl = javascript:alert({room})\n",
                       PREFIX "url: ", "is not an https:// or http:// URL");
  assert_config_error ("[" GROUP "]\nbackend = url\nurl = https:///{room}\n",
                       PREFIX "url: ", "is not an https:// or http:// URL");
  assert_config_error ("[" GROUP "]\nbackend = url\nurl = meet.example.test/{room}\n",
                       PREFIX "url: ", "is not an https:// or http:// URL");
  assert_config_error ("[" GROUP "]\nbackend = url\nurl = https://meet.example.test/a b/{room}\n",
                       PREFIX "url: ", "is not an https:// or http:// URL");

  backend = backend_new ("[" GROUP "]\nbackend = url\nurl = http://meet.example.test/{room}\n");
  g_assert_cmpstr (cnv_manager_backend_get_kind (backend), ==, "url");
}

static void
test_config_jitsi (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *good = write_file (fixture, "good", JITSI_SECRET "\n", -1, 0600);
  g_autofree char *world = write_file (fixture, "world", JITSI_SECRET, -1, 0644);
  g_autofree char *group = write_file (fixture, "group", JITSI_SECRET, -1, 0640);
  g_autofree char *empty = write_file (fixture, "empty", "", -1, 0600);
  g_autofree char *blank = write_file (fixture, "blank", " \n\r\n", -1, 0600);
  g_autofree char *huge_text = g_strnfill (5000, 'k');
  g_autofree char *huge = write_file (fixture, "huge", huge_text, -1, 0600);
  g_autofree char *missing = g_build_filename (fixture->dir, "missing", NULL);
  const char *base = "[" GROUP "]\nbackend = jitsi\njitsi-url = https://meet.example.test\n"
                     "jitsi-app-id = convene\n";
  g_autofree char *ini = NULL;
  g_autoptr(CnvManagerBackend) backend = NULL;

  assert_config_error ("[" GROUP "]\nbackend = jitsi\n", PREFIX "jitsi-url: ", "missing");
  assert_config_error ("[" GROUP "]\nbackend = jitsi\njitsi-url = ftp://meet.example.test\n",
                       PREFIX "jitsi-url: ", "“ftp://meet.example.test” is not an https:// or http:// URL");
  assert_config_error ("[" GROUP "]\nbackend = jitsi\njitsi-url = http://meet.example.test\n",
                       PREFIX "jitsi-url: ", "must use https:// (http:// only for a loopback host)");
  assert_config_error ("[" GROUP "]\nbackend = jitsi\njitsi-url = https://meet.example.test/?a=b\n",
                       PREFIX "jitsi-url: ", "must have no user, query or fragment");
  assert_config_error ("[" GROUP "]\nbackend = jitsi\njitsi-url = https://u:p@meet.example.test\n",
                       PREFIX "jitsi-url: ", "must have no user, query or fragment");
  assert_config_error ("[" GROUP "]\nbackend = jitsi\njitsi-url = https://meet.example.test\n",
                       PREFIX "jitsi-app-id: ", "missing");
  assert_config_error (base, PREFIX "jitsi-secret-file: ", "missing");

#define WITH_SECRET(path) (g_free (ini), ini = g_strdup_printf ("%sjitsi-secret-file = %s\n", base, path))
  WITH_SECRET (missing);
  assert_config_error (ini, PREFIX "jitsi-secret-file: ", "No such file or directory");
  WITH_SECRET (world);
  assert_config_error (ini, PREFIX "jitsi-secret-file: ", "(mode 0644): chmod 600 it");
  WITH_SECRET (group);
  assert_config_error (ini, PREFIX "jitsi-secret-file: ", "(mode 0640): chmod 600 it");
  WITH_SECRET (empty);
  assert_config_error (ini, PREFIX "jitsi-secret-file: ", "is empty");
  WITH_SECRET (blank);
  assert_config_error (ini, PREFIX "jitsi-secret-file: ", "is empty");
  WITH_SECRET (huge);
  assert_config_error (ini, PREFIX "jitsi-secret-file: ", "is longer than 4096 bytes");
  WITH_SECRET (fixture->dir);
  assert_config_error (ini, PREFIX "jitsi-secret-file: ", "is not a regular file");
  WITH_SECRET ("/dev/zero");
  assert_config_error (ini, PREFIX "jitsi-secret-file: ", "is not a regular file");

  WITH_SECRET (good);
  backend = backend_new (ini);
  g_assert_cmpstr (cnv_manager_backend_get_kind (backend), ==, "jitsi");
  g_clear_object (&backend);

  /* http:// is for a server on this machine only. */
  g_free (ini);
  ini = g_strdup_printf ("[" GROUP "]\nbackend = jitsi\njitsi-url = http://127.0.0.1:8000\n"
                         "jitsi-app-id = convene\njitsi-secret-file = %s\n", good);
  backend = backend_new (ini);
  g_clear_object (&backend);
  g_free (ini);
  ini = g_strdup_printf ("[" GROUP "]\nbackend = jitsi\njitsi-url = http://[::1]:8000/\n"
                         "jitsi-app-id = convene\njitsi-secret-file = %s\n", good);
  backend = backend_new (ini);
  g_clear_object (&backend);
  g_free (ini);
  ini = g_strdup_printf ("[" GROUP "]\nbackend = jitsi\njitsi-url = http://localhost:8000/\n"
                         "jitsi-app-id = convene\njitsi-secret-file = %s\n", good);
  backend = backend_new (ini);
#undef WITH_SECRET
}

static void
test_config_command (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *script = write_file (fixture, "admin.sh", "#!/bin/sh\nexit 0\n", -1, 0755);
  g_autofree char *plain = write_file (fixture, "plain.sh", "#!/bin/sh\nexit 0\n", -1, 0644);
  g_autofree char *missing = g_build_filename (fixture->dir, "missing.sh", NULL);
  const char *bad_timeouts[] = { "soon", "0s", "-5s", "30 parsecs", "1e9s", "40 days" };
  g_autofree char *ini = NULL;
  g_autoptr(CnvManagerBackend) backend = NULL;

  assert_config_error ("[" GROUP "]\nbackend = command\n", PREFIX "command: ", "missing");
  assert_config_error ("[" GROUP "]\nbackend = command\ncommand = bin/admin.sh\n",
                       PREFIX "command: ", "“bin/admin.sh” is not an absolute path");

#define WITH_COMMAND(path, extra) \
  (g_free (ini), ini = g_strdup_printf ("[" GROUP "]\nbackend = command\ncommand = %s\n%s", path, extra))
  WITH_COMMAND (missing, "");
  assert_config_error (ini, PREFIX "command: ", "No such file or directory");
  WITH_COMMAND (plain, "");
  assert_config_error (ini, PREFIX "command: ", "is not an executable file");
  WITH_COMMAND (fixture->dir, "");
  assert_config_error (ini, PREFIX "command: ", "is not an executable file");
  for (guint i = 0; i < G_N_ELEMENTS (bad_timeouts); i++)
    {
      g_autofree char *line = g_strdup_printf ("command-timeout = %s\n", bad_timeouts[i]);

      WITH_COMMAND (script, line);
      assert_config_error (ini, PREFIX "command-timeout: ", "is not a duration (such as 45s or 2m)");
    }

  WITH_COMMAND (script, "command-timeout = 2m\n");
  backend = backend_new (ini);
  g_assert_cmpstr (cnv_manager_backend_get_kind (backend), ==, "command");
#undef WITH_COMMAND
}

/* url ---------------------------------------------------------------------------------------- */

static void
test_url (void)
{
  g_autoptr(CnvManagerBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *url = NULL;
  g_autofree char *join = NULL;
  g_auto(GStrv) segments = NULL;
  g_autofree char *room = NULL;
  CnvBackendSession hostile = session;

  backend = backend_new ("[" GROUP "]\nbackend = url\n"
                         "url = https://meet.example.test/{type}/{room}?session={id}\n");

  url = open_room (backend, &session, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "https://meet.example.test/videoconference/r4nd0m-Room_42?session=Kx7Qm2Lr");
  g_clear_pointer (&url, g_free);

  /* Hostile values stay inside the path segment or parameter they were put in. */
  hostile.room = "a/../b?c#d&e f%\"<>\\é\n{id}";
  hostile.id = "1?x=2&y=3#frag";
  hostile.type = "video conference/../admin";
  hostile.title = "{room} $(reboot) \"quoted\"\n";
  url = open_room (backend, &hostile, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==,
                   "https://meet.example.test/video%20conference%2F..%2Fadmin/"
                   "a%2F..%2Fb%3Fc%23d%26e%20f%25%22%3C%3E%5C%C3%A9%0A%7Bid%7D"
                   "?session=1%3Fx%3D2%26y%3D3%23frag");
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_uri_get_host (uri), ==, "meet.example.test");
  g_assert_null (g_uri_get_fragment (uri));
  segments = g_strsplit (g_uri_get_path (uri), "/", -1);
  g_assert_cmpuint (g_strv_length (segments), ==, 3);
  room = g_uri_unescape_string (segments[2], NULL);
  g_assert_cmpstr (room, ==, hostile.room);

  join = cnv_manager_backend_join_url (backend, &hostile, url, "bob@example.test", "Bob", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (join, ==, url);

  g_assert_true (close_room (backend, &hostile, url, &error));
  g_assert_no_error (error);
}

/* jitsi -------------------------------------------------------------------------------------- */

/* An independent check of the token: python3's hmac, not GLib's. The secret and the token go
 * through the standard input, never the command line or the environment. */
static const char verify_script[] =
  "import sys, hmac, hashlib, base64, json, re\n"
  "secret = sys.stdin.buffer.readline().rstrip(b'\\n')\n"
  "token = sys.stdin.buffer.readline().strip().decode('ascii')\n"
  "if not re.fullmatch(r'[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+', token):\n"
  "    sys.exit('not three base64url parts: ' + token)\n"
  "h, p, s = token.split('.')\n"
  "def dec(x):\n"
  "    return base64.urlsafe_b64decode(x + '=' * (-len(x) % 4))\n"
  "mac = hmac.new(secret, (h + '.' + p).encode('ascii'), hashlib.sha256).digest()\n"
  "if not hmac.compare_digest(mac, dec(s)):\n"
  "    sys.exit('bad signature')\n"
  "if json.loads(dec(h)) != {'alg': 'HS256', 'typ': 'JWT'}:\n"
  "    sys.exit('bad header')\n"
  "print(json.dumps(json.loads(dec(p).decode('utf-8'))))\n";

/* The payload that python3 verified, or NULL when it refused the token. */
static JsonObject *
verify_jwt (const char *secret,
            const char *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) python = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", secret, token);
  g_autofree char *output = NULL;
  g_autofree char *errors = NULL;

  python = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                             G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                             "python3", "-c", verify_script, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (python, input, NULL, &output, &errors, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (python))
    {
      g_test_message ("python3 refused the token: %s", errors);
      return NULL;
    }
  json_parser_load_from_data (parser, output, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
token_of (const char *join_url,
          const char *room_url)
{
  g_autofree char *prefix = g_strconcat (room_url, "?jwt=", NULL);

  g_assert_true (g_str_has_prefix (join_url, prefix));
  return g_strdup (join_url + strlen (prefix));
}

static void
assert_user (JsonObject *payload,
             const char *email,
             const char *name)
{
  JsonObject *user = json_object_get_object_member (json_object_get_object_member (payload, "context"),
                                                    "user");

  g_assert_cmpstr (json_object_get_string_member (user, "email"), ==, email);
  g_assert_cmpstr (json_object_get_string_member (user, "name"), ==, name);
}

static void
test_jitsi (Fixture       *fixture,
            gconstpointer  data)
{
  const char *hostile_name = "Zoë \"the boss\" O'Brien \\ </script> \u202Eevil\n\t\x01 🎥 \"}, \"iss\": \"x";
  g_autofree char *secret_file = write_file (fixture, "secret", JITSI_SECRET "\n", -1, 0600);
  g_autofree char *ini = NULL;
  g_autoptr(CnvManagerBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autofree char *room_url = NULL;
  g_autofree char *join = NULL;
  g_autofree char *token = NULL;
  gint64 before;
  gint64 after;

  log_guard_forbid (JITSI_SECRET);
  ini = g_strdup_printf ("[" GROUP "]\nbackend = jitsi\njitsi-url = https://meet.example.test/\n"
                         "jitsi-app-id = convene-app\njitsi-secret-file = %s\n", secret_file);
  backend = backend_new (ini);

  room_url = open_room (backend, &session, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (room_url, ==, "https://meet.example.test/r4nd0m-Room_42");

  before = g_get_real_time () / G_USEC_PER_SEC;
  join = cnv_manager_backend_join_url (backend, &session, room_url, "bob@example.test", hostile_name,
                                       &error);
  after = g_get_real_time () / G_USEC_PER_SEC;
  g_assert_no_error (error);
  token = token_of (join, room_url);

  /* The checker itself refuses a wrong secret and a tampered token. */
  g_assert_null (verify_jwt (JITSI_SECRET "x", token));
  {
    g_autofree char *tampered = g_strdup (token);
    char *payload_part = strchr (tampered, '.') + 1;

    payload_part[3] = payload_part[3] == 'A' ? 'B' : 'A';
    g_assert_null (verify_jwt (JITSI_SECRET, tampered));
  }

  payload = verify_jwt (JITSI_SECRET, token);
  g_assert_nonnull (payload);
  g_assert_cmpstr (json_object_get_string_member (payload, "iss"), ==, "convene-app");
  g_assert_cmpstr (json_object_get_string_member (payload, "aud"), ==, "jitsi");
  g_assert_cmpstr (json_object_get_string_member (payload, "sub"), ==, "meet.example.test");
  g_assert_cmpstr (json_object_get_string_member (payload, "room"), ==, "r4nd0m-Room_42");
  g_assert_cmpint (json_object_get_int_member (payload, "nbf"), ==, NOT_BEFORE);
  g_assert_cmpint (json_object_get_int_member (payload, "exp"), ==, END);
  g_assert_cmpint (json_object_get_int_member (payload, "iat"), >=, before);
  g_assert_cmpint (json_object_get_int_member (payload, "iat"), <=, after);
  assert_user (payload, "bob@example.test", hostile_name);
  g_assert_cmpuint (json_object_get_size (payload), ==, 8);
  g_clear_pointer (&payload, json_object_unref);

  /* No name: the address. A name that is not UTF-8 still makes a valid token. */
  g_clear_pointer (&join, g_free);
  g_clear_pointer (&token, g_free);
  join = cnv_manager_backend_join_url (backend, &session, room_url, "carol@example.test", NULL, &error);
  g_assert_no_error (error);
  token = token_of (join, room_url);
  payload = verify_jwt (JITSI_SECRET, token);
  g_assert_nonnull (payload);
  assert_user (payload, "carol@example.test", "carol@example.test");
  g_clear_pointer (&payload, json_object_unref);

  g_clear_pointer (&join, g_free);
  g_clear_pointer (&token, g_free);
  join = cnv_manager_backend_join_url (backend, &session, room_url, "carol@example.test",
                                       "Caro\xff\xfe", &error);
  g_assert_no_error (error);
  token = token_of (join, room_url);
  payload = verify_jwt (JITSI_SECRET, token);
  g_assert_nonnull (payload);
  assert_user (payload, "carol@example.test", "Caro\xef\xbf\xbd\xef\xbf\xbd");
  g_clear_pointer (&payload, json_object_unref);

  g_assert_true (close_room (backend, &session, room_url, &error));
  g_assert_no_error (error);
}

static void
test_jitsi_options (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *secret_file = write_file (fixture, "secret", JITSI_SECRET, -1, 0400);
  g_autofree char *ini = NULL;
  g_autoptr(CnvManagerBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autofree char *room_url = NULL;
  g_autofree char *join = NULL;
  g_autofree char *token = NULL;
  CnvBackendSession odd = session;

  log_guard_forbid (JITSI_SECRET);
  ini = g_strdup_printf ("[" GROUP "]\nbackend = jitsi\njitsi-url = https://jitsi.example.test:8443/meet\n"
                         "jitsi-app-id = other-app\njitsi-secret-file = %s\n"
                         "jitsi-audience = convene\njitsi-subject = meet.jitsi\n", secret_file);
  backend = backend_new (ini);

  odd.room = "room with/slash";
  room_url = open_room (backend, &odd, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (room_url, ==, "https://jitsi.example.test:8443/meet/room%20with%2Fslash");

  join = cnv_manager_backend_join_url (backend, &odd, room_url, "dave@example.test", "Dave", &error);
  g_assert_no_error (error);
  token = token_of (join, room_url);
  payload = verify_jwt (JITSI_SECRET, token);
  g_assert_nonnull (payload);
  g_assert_cmpstr (json_object_get_string_member (payload, "iss"), ==, "other-app");
  g_assert_cmpstr (json_object_get_string_member (payload, "aud"), ==, "convene");
  g_assert_cmpstr (json_object_get_string_member (payload, "sub"), ==, "meet.jitsi");
  g_assert_cmpstr (json_object_get_string_member (payload, "room"), ==, "room with/slash");
  assert_user (payload, "dave@example.test", "Dave");
}

/* command ------------------------------------------------------------------------------------ */

/* Writes an executable DIR/NAME: `#!/bin/sh`, then @body with every "@DIR@" replaced by DIR. */
static char *
write_script (Fixture    *fixture,
              const char *name,
              const char *body)
{
  g_auto(GStrv) parts = g_strsplit (body, "@DIR@", -1);
  g_autofree char *joined = g_strjoinv (fixture->dir, parts);
  g_autofree char *text = g_strconcat ("#!/bin/sh\n", joined, NULL);

  return write_file (fixture, name, text, -1, 0755);
}

static CnvManagerBackend *
command_backend (const char *script,
                 const char *timeout)
{
  g_autofree char *ini = g_strdup_printf ("[" GROUP "]\nbackend = command\ncommand = %s\n"
                                          "command-timeout = %s\n", script, timeout);

  return backend_new (ini);
}

/* The NUL-separated `env -0` output at DIR/NAME, as a table. */
static GHashTable *
read_environment (Fixture    *fixture,
                  const char *name)
{
  g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  GHashTable *env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < len; i += strlen (contents + i) + 1)
    {
      const char *equals = strchr (contents + i, '=');

      g_assert_nonnull (equals);
      g_hash_table_insert (env, g_strndup (contents + i, equals - (contents + i)), g_strdup (equals + 1));
    }
  return env;
}

static void
assert_environment (GHashTable *env,
                    const char *action)
{
  static const char * const shell_added[] = { "PWD", "OLDPWD", "SHLVL", "_", NULL };
  GHashTableIter iter;
  gpointer key;

  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_ACTION"), ==, action);
  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_SESSION_ID"), ==, "Kx7Qm2Lr");
  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_SESSION_TYPE"), ==, "videoconference");
  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_INITIATOR"), ==, "alice@example.test");
  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_ROOM"), ==, "r4nd0m-Room_42");
  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_START"), ==, "2026-12-01T13:00:00Z");
  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_END"), ==, "2026-12-01T14:30:00Z");
  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_NOT_BEFORE"), ==, "2026-12-01T12:50:00Z");
  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_PARTICIPANTS"), ==,
                   "alice@example.test bob@example.test carol@example.test");
  g_assert_cmpstr (g_hash_table_lookup (env, "TZ"), ==, "UTC");
  g_assert_cmpstr (g_hash_table_lookup (env, "LANG"), ==, g_getenv ("LANG"));
  g_assert_cmpstr (g_hash_table_lookup (env, "PATH"), ==, g_getenv ("PATH"));

  /* Nothing of the manager's own environment. */
  g_assert_false (g_hash_table_contains (env, "HOME"));
  g_assert_false (g_hash_table_contains (env, "CNV_SECRET_SHOULD_NOT_LEAK"));
  g_assert_false (g_hash_table_contains (env, "G_DEBUG"));
  g_hash_table_iter_init (&iter, env);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *name = key;

      if (!g_str_has_prefix (name, "CONVENE_") && !g_strv_contains (shell_added, name) &&
          strcmp (name, "PATH") != 0 && strcmp (name, "LANG") != 0 && strcmp (name, "TZ") != 0)
        g_error ("the admin program received %s", name);
    }
}

static char *
read_text (Fixture    *fixture,
           const char *name)
{
  g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static void
test_command_open_close (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *script = write_script (fixture, "admin.sh",
    "case \"$1\" in\n"
    "open)\n"
    "  env -0 > @DIR@/env-open\n"
    "  { echo \"$#\" \"$@\"; pwd; readlink /proc/$$/fd/0; } > @DIR@/facts\n"
    "  echo 'starting the room' >&2\n"
    "  printf '\\n  \\r\\n  https://rooms.example.test/%s?x=1  \\r\\nsecond line\\n' \"$CONVENE_ROOM\"\n"
    "  ;;\n"
    "close)\n"
    "  env -0 > @DIR@/env-close\n"
    "  echo \"closed $CONVENE_ROOM_URL\"\n"
    "  ;;\n"
    "*) exit 64 ;;\n"
    "esac\n");
  g_autoptr(CnvManagerBackend) backend = command_backend (script, "30s");
  g_autoptr(GHashTable) env = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *room_url = NULL;
  g_autofree char *facts = NULL;
  g_autofree char *join = NULL;
  g_autofree char *expected_facts = NULL;
  g_autofree char *pwned = g_build_filename (fixture->dir, "pwned", NULL);
  g_autofree char *title = g_strdup_printf ("$(touch %s) `touch %s` \"Weekly\" 'sync' \\\nline 2 é",
                                            pwned, pwned);
  CnvBackendSession hostile = session;

  hostile.title = title;
  room_url = open_room (backend, &hostile, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (room_url, ==, "https://rooms.example.test/r4nd0m-Room_42?x=1");

  env = read_environment (fixture, "env-open");
  assert_environment (env, "open");
  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_TITLE"), ==, title);
  g_assert_false (g_hash_table_contains (env, "CONVENE_ROOM_URL"));
  g_assert_false (g_file_test (pwned, G_FILE_TEST_EXISTS));
  g_clear_pointer (&env, g_hash_table_unref);

  /* Its only arguments are the action; it runs in / with /dev/null as its standard input. */
  facts = read_text (fixture, "facts");
  expected_facts = g_strdup ("1 open\n/\n/dev/null\n");
  g_assert_cmpstr (facts, ==, expected_facts);

  join = cnv_manager_backend_join_url (backend, &hostile, room_url, "bob@example.test", "Bob", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (join, ==, room_url);

  g_assert_true (close_room (backend, &session, room_url, &error));
  g_assert_no_error (error);
  env = read_environment (fixture, "env-close");
  assert_environment (env, "close");
  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_ROOM_URL"), ==, room_url);
  g_assert_cmpstr (g_hash_table_lookup (env, "CONVENE_TITLE"), ==, "Weekly sync");
}

static void
test_command_close_fails (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *script = write_script (fixture, "admin.sh",
    "echo \"cannot close $CONVENE_ROOM_URL: not found\" >&2\nexit 4\n");
  g_autoptr(CnvManagerBackend) backend = command_backend (script, "30s");
  g_autoptr(GError) error = NULL;

  g_assert_false (close_room (backend, &session, "https://rooms.example.test/gone", &error));
  g_assert_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "admin.sh close” exited with status 4: cannot close "
                                            "https://rooms.example.test/gone: not found"));
}

static void
test_command_exit_status (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *script = write_script (fixture, "admin.sh",
    "echo https://rooms.example.test/r\n"
    "printf '\\n\\033[31mquota exceeded\\033[0m for\\r the \\001room\\n' >&2\n"
    "echo 'second line' >&2\n"
    "exit 3\n");
  g_autofree char *flood = write_script (fixture, "flood.sh",
    "head -c 1000000 /dev/zero | tr '\\0' 'e' >&2\nexit 1\n");
  g_autofree char *killed = write_script (fixture, "killed.sh", "kill -9 $$\n");
  g_autofree char *no_shell = write_file (fixture, "no-shell.sh", "#!/nonexistent/sh\nexit 0\n", -1, 0755);
  g_autoptr(CnvManagerBackend) backend = command_backend (script, "30s");
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  url = open_room (backend, &session, NULL, &error);
  g_assert_null (url);
  g_assert_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "admin.sh open” exited with status 3: "
                                            "?[31mquota exceeded?[0m for? the ?room"));
  g_assert_null (strstr (error->message, "second line"));
  g_assert_null (strchr (error->message, '\033'));
  g_clear_error (&error);
  g_clear_object (&backend);

  /* Standard error goes into the message up to 1 KiB, and is read to its end. */
  backend = command_backend (flood, "30s");
  url = open_room (backend, &session, NULL, &error);
  g_assert_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "exited with status 1: eeee"));
  g_assert_cmpuint (strlen (error->message), <, 1024 + 200);
  g_clear_error (&error);
  g_clear_object (&backend);

  backend = command_backend (killed, "30s");
  url = open_room (backend, &session, NULL, &error);
  g_assert_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "killed.sh open” was killed by signal 9"));
  g_clear_error (&error);
  g_clear_object (&backend);

  backend = command_backend (no_shell, "30s");
  url = open_room (backend, &session, NULL, &error);
  g_assert_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "cannot run"));
}

static void
test_command_output (Fixture       *fixture,
                     gconstpointer  data)
{
  static const struct
  {
    const char *output;
    gssize len;
    const char *url;       /* NULL: refused with… */
    const char *message;
  } cases[] = {
    { "https://rooms.example.test/abc\n", -1, "https://rooms.example.test/abc", NULL },
    { "\n\n \t \r\nhttp://rooms.example.test:8080/r?a=1&b=2#x\r\nignored\n", -1,
      "http://rooms.example.test:8080/r?a=1&b=2#x", NULL },
    { "HTTPS://Rooms.Example.Test/r", -1, "HTTPS://Rooms.Example.Test/r", NULL },
    { "", -1, NULL, "exited with status 0 but printed no URL" },
    { "  \n\r\n\t\n", -1, NULL, "exited with status 0 but printed no URL" },
    { "Room created!\nhttps://rooms.example.test/r\n", -1, NULL,
      "printed “Room created!”, not an https:// or http:// URL" },
    { "ftp://rooms.example.test/r\n", -1, NULL, "printed “ftp://rooms.example.test/r”, not an" },
    { "javascript:alert(1)\n", -1, NULL, "printed “javascript:alert(1)”, not an" },
    { "https://\n", -1, NULL, "not an https:// or http:// URL" },
    { "https://rooms.example.test/a b\n", -1, NULL, "printed “https://rooms.example.test/a b”" },
    { "https://rooms.example.test/\033[2J\n", -1, NULL, "printed “https://rooms.example.test/?[2J”" },
    { "https://rooms.example.test/r\0.evil.test\n", 40, NULL, "printed “https://rooms.example.test/r" },
    { "https://rooms.example.test/é\n", -1, NULL, "printed “https://rooms.example.test/é”" },
    { "https://rooms.example.test/\r\nLocation: https://evil.test\n", -1,
      "https://rooms.example.test/", NULL },
  };
  g_autofree char *script = write_script (fixture, "admin.sh", "cat @DIR@/output\n");
  g_autoptr(CnvManagerBackend) backend = command_backend (script, "30s");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *output = write_file (fixture, "output", cases[i].output, cases[i].len, 0644);
      g_autoptr(GError) error = NULL;
      g_autofree char *url = NULL;

      g_test_message ("output %u", i);
      url = open_room (backend, &session, NULL, &error);
      if (cases[i].url != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (url, ==, cases[i].url);
        }
      else
        {
          g_assert_null (url);
          g_assert_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED);
          if (strstr (error->message, cases[i].message) == NULL)
            g_error ("“%s” does not contain “%s”", error->message, cases[i].message);
        }
    }
}

/* Whether @pid is no more: reaped, or a zombie nobody waits for (orphans reparented to a PID 1
 * that does not reap). */
static gboolean
process_is_gone (GPid pid)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *state;

  if (kill (pid, 0) != 0 && errno == ESRCH)
    return TRUE;
  if (!g_file_get_contents (stat_path, &stat, NULL, NULL))
    return TRUE;
  state = strrchr (stat, ')');
  return state != NULL && (state[2] == 'Z' || state[2] == 'X');
}

/* Whether DIR/pids holds @count complete lines; the process ids go into @pids. */
static gboolean
pids_written (const char *path,
              guint       count,
              GArray     *pids)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  g_array_set_size (pids, 0);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  /* The last element follows the last newline: a line still being written, or nothing. */
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++)
    {
      GPid pid = (GPid) g_ascii_strtoll (lines[i], NULL, 10);

      g_assert_cmpint (pid, >, 1);
      g_array_append_val (pids, pid);
    }
  return pids->len >= count;
}

/* The process ids that a script wrote to DIR/pids, one a line; waits for @count of them. */
static GArray *
read_pids (Fixture *fixture,
           guint    count)
{
  g_autofree char *path = g_build_filename (fixture->dir, "pids", NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));

  WAIT_UNTIL (pids_written (path, count, pids), 30);
  g_assert_cmpuint (pids->len, ==, count);
  return pids;
}

/* The program (the first pid) has been reaped before the result arrived; what it started (the
 * others) dies with it. */
static void
assert_pids_gone (GArray *pids)
{
  g_assert_true (kill (g_array_index (pids, GPid, 0), 0) != 0 && errno == ESRCH);
  for (guint i = 1; i < pids->len; i++)
    {
      GPid pid = g_array_index (pids, GPid, i);

      WAIT_UNTIL (process_is_gone (pid), 30);
      g_assert_true (process_is_gone (pid));
    }
}

static void
test_command_flood (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *flood = write_script (fixture, "flood.sh",
    "echo $$ > @DIR@/pids\n"
    "echo https://rooms.example.test/r\n"
    "head -c 10485760 /dev/zero\n"
    "echo done > @DIR@/finished\n");
  g_autofree char *limit = write_script (fixture, "limit.sh", "cat @DIR@/output\n");
  g_autofree char *finished = g_build_filename (fixture->dir, "finished", NULL);
  g_autoptr(CnvManagerBackend) backend = command_backend (flood, "30s");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GString) output = g_string_new ("https://rooms.example.test/r\n");
  g_autofree char *url = NULL;
  g_autofree char *path = NULL;

  url = open_room (backend, &session, NULL, &error);
  g_assert_null (url);
  g_assert_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "flood.sh open” printed more than 64 KiB and was killed"));
  pids = read_pids (fixture, 1);
  assert_pids_gone (pids);
  g_assert_false (g_file_test (finished, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_clear_object (&backend);

  /* Exactly 64 KiB is fine, one byte more is not. */
  backend = command_backend (limit, "30s");
  while (output->len < 64 * 1024)
    g_string_append_c (output, 'x');
  path = write_file (fixture, "output", output->str, output->len, 0644);
  url = open_room (backend, &session, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "https://rooms.example.test/r");
  g_clear_pointer (&url, g_free);

  g_string_append_c (output, 'x');
  g_clear_pointer (&path, g_free);
  path = write_file (fixture, "output", output->str, output->len, 0644);
  url = open_room (backend, &session, NULL, &error);
  g_assert_null (url);
  g_assert_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED);
}

static void
test_command_timeout (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *script = write_script (fixture, "slow.sh",
    "echo $$ > @DIR@/pids\n"
    "sleep 600 &\n"
    "echo $! >> @DIR@/pids\n"
    "wait\n");
  g_autoptr(CnvManagerBackend) backend = command_backend (script, "1s");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) pids = NULL;
  g_autofree char *url = NULL;

  url = open_room (backend, &session, NULL, &error);
  g_assert_null (url);
  g_assert_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "slow.sh open” did not finish within 1 s and was killed"));
  pids = read_pids (fixture, 2);
  assert_pids_gone (pids);
}

/* A program that exits at once but leaves behind, outside its process group, a child that holds
 * its standard output: the timeout still ends the wait. */
static void
test_command_escaped_child (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *script = write_script (fixture, "escape.sh",
    "echo $$ > @DIR@/pids\n"
    "setsid sleep 600 &\n"
    "echo $! >> @DIR@/pids\n"
    "exit 0\n");
  g_autoptr(CnvManagerBackend) backend = command_backend (script, "1s");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) pids = NULL;
  g_autofree char *url = NULL;
  GPid escaped;

  url = open_room (backend, &session, NULL, &error);
  g_assert_null (url);
  g_assert_error (error, CNV_BACKEND_ERROR, CNV_BACKEND_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "did not finish within 1 s"));
  pids = read_pids (fixture, 2);
  g_assert_true (kill (g_array_index (pids, GPid, 0), 0) != 0 && errno == ESRCH);

  escaped = g_array_index (pids, GPid, 1);
  kill (escaped, SIGKILL);
  WAIT_UNTIL (process_is_gone (escaped), 30);
}

static void
test_command_cancel (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *script = write_script (fixture, "slow.sh",
    "echo $$ > @DIR@/pids\n"
    "sleep 600 &\n"
    "echo $! >> @DIR@/pids\n"
    "wait\n");
  g_autofree char *pids_path = g_build_filename (fixture->dir, "pids", NULL);
  g_autoptr(CnvManagerBackend) backend = command_backend (script, "10m");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) pids = NULL;
  g_autofree char *url = NULL;

  cnv_manager_backend_open_async (backend, &session, cancellable, store_result_cb, &result);
  pids = read_pids (fixture, 2);
  g_assert_null (result);
  g_cancellable_cancel (cancellable);
  wait_result (&result, 60);
  url = cnv_manager_backend_open_finish (backend, result, &error);
  g_assert_null (url);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_pids_gone (pids);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpint (g_unlink (pids_path), ==, 0);

  /* Cancelled before it starts: the program does not run. */
  url = open_room (backend, &session, cancellable, &error);
  g_assert_null (url);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  spin_ms (200);
  g_assert_false (g_file_test (pids_path, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  log_guard_install ();
  g_test_init (&argc, &argv, NULL);

  /* The admin program must see none of these. */
  g_setenv ("CNV_SECRET_SHOULD_NOT_LEAK", "leaked", TRUE);
  if (g_getenv ("HOME") == NULL)
    g_setenv ("HOME", "/root", TRUE);
  g_setenv ("LANG", "C.UTF-8", TRUE);

  g_test_add_func ("/manager/backend/config/backend", test_config_backend);
  g_test_add_func ("/manager/backend/config/url", test_config_url);
  g_test_add ("/manager/backend/config/jitsi", Fixture, NULL, fixture_set_up, test_config_jitsi, fixture_tear_down);
  g_test_add ("/manager/backend/config/command", Fixture, NULL, fixture_set_up, test_config_command, fixture_tear_down);
  g_test_add_func ("/manager/backend/url", test_url);
  g_test_add ("/manager/backend/jitsi/token", Fixture, NULL, fixture_set_up, test_jitsi, fixture_tear_down);
  g_test_add ("/manager/backend/jitsi/options", Fixture, NULL, fixture_set_up, test_jitsi_options, fixture_tear_down);
  g_test_add ("/manager/backend/command/open-close", Fixture, NULL, fixture_set_up, test_command_open_close, fixture_tear_down);
  g_test_add ("/manager/backend/command/close-fails", Fixture, NULL, fixture_set_up, test_command_close_fails, fixture_tear_down);
  g_test_add ("/manager/backend/command/exit-status", Fixture, NULL, fixture_set_up, test_command_exit_status, fixture_tear_down);
  g_test_add ("/manager/backend/command/output", Fixture, NULL, fixture_set_up, test_command_output, fixture_tear_down);
  g_test_add ("/manager/backend/command/flood", Fixture, NULL, fixture_set_up, test_command_flood, fixture_tear_down);
  g_test_add ("/manager/backend/command/timeout", Fixture, NULL, fixture_set_up, test_command_timeout, fixture_tear_down);
  g_test_add ("/manager/backend/command/escaped-child", Fixture, NULL, fixture_set_up, test_command_escaped_child, fixture_tear_down);
  g_test_add ("/manager/backend/command/cancel", Fixture, NULL, fixture_set_up, test_command_cancel, fixture_tear_down);

  return g_test_run ();
}
