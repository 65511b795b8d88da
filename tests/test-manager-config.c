/* test-manager-config.c — the manager's configuration: every key and its default, paths relative
 * to the file, one sentence per mistake (with the line, the group and the key), what `run` needs,
 * and hostile files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cnv-manager-config.h"
#include "manager-test-files.h"

/* A CA bundle that exists on every test machine (ca-certificates, tests/install-deps.sh). */
#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

typedef struct
{
  char *dir;
  char *path;     /* DIR/manager.conf */
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("cnv-config-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  fixture->path = g_build_filename (fixture->dir, "manager.conf", NULL);
  g_unsetenv ("STATE_DIRECTORY");
  g_unsetenv ("CREDENTIALS_DIRECTORY");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
  g_unsetenv ("STATE_DIRECTORY");
  g_unsetenv ("CREDENTIALS_DIRECTORY");
}

static char *
write_file (const char *dir,
            const char *name,
            const char *contents,
            gssize      len,
            int         mode)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
write_config (Fixture    *fixture,
              const char *contents)
{
  g_autofree char *path = write_file (fixture->dir, "manager.conf", contents, -1, 0644);
}

/* check_file() on @contents; the problems are kept in @problems. */
static CnvManagerConfig *
check (Fixture    *fixture,
       const char *contents,
       GPtrArray  *problems)
{
  g_autoptr(GError) error = NULL;
  CnvManagerConfig *config;

  write_config (fixture, contents);
  config = cnv_manager_config_check_file (fixture->path, problems, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("problem: %s", (const char *) g_ptr_array_index (problems, i));
  return config;
}

/* The problem that starts with "PATH:LINE: [group] key: " and contains @text. */
static void
assert_problem (Fixture    *fixture,
                GPtrArray  *problems,
                guint       line,
                const char *where,
                const char *text)
{
  g_autofree char *prefix = NULL;

  if (line != 0)
    prefix = g_strdup_printf ("%s:%u: %s", fixture->path, line, where);
  else
    prefix = g_strdup_printf ("%s: %s", fixture->path, where);

  for (guint i = 0; i < problems->len; i++)
    {
      const char *problem = g_ptr_array_index (problems, i);

      if (g_str_has_prefix (problem, prefix) && strstr (problem, text) != NULL)
        return;
    }
  g_test_fail_printf ("no problem “%s…%s” among %u", prefix, text, problems->len);
}

static const char minimal_types[] =
  "[type videoconference]\n"
  "address = videoconference@example.test\n"
  "default = true\n";

/* ---- Defaults ---------------------------------------------------------------------------- */

static void
test_defaults (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvManagerConfig) config = cnv_manager_config_new_from_data (minimal_types,
                                                                         strlen (minimal_types),
                                                                         &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpint (cnv_manager_config_get_default_duration (config), ==, 60 * G_TIME_SPAN_MINUTE);
  g_assert_null (cnv_manager_config_get_database (config));
  g_assert_cmpint (cnv_manager_config_get_invite_at (config), ==, CNV_INVITE_AT_REQUEST);
  g_assert_null (cnv_manager_config_get_trusted_authserv_id (config));
  g_assert_nonnull (cnv_manager_config_get_accredited_domains (config));
  g_assert_null (cnv_manager_config_get_accredited_domains (config)[0]);
  g_assert_cmpuint (cnv_manager_config_get_max_participants (config), ==, 100);
  g_assert_cmpuint (cnv_manager_config_get_max_requests_per_hour (config), ==, 20);
  g_assert_cmpuint (cnv_manager_config_get_max_message_size (config), ==, 10 * 1024 * 1024);
  g_assert_cmpint (cnv_manager_config_get_join_early (config), ==, 10 * G_TIME_SPAN_MINUTE);
  g_assert_cmpuint (cnv_manager_config_get_accounts (config)->len, ==, 0);
  g_assert_null (cnv_manager_config_get_smtp (config));
  g_assert_null (cnv_manager_config_get_smtp_password_file (config));
  g_assert_cmpstr (cnv_manager_config_get_gateway_listen (config), ==, "127.0.0.1:8080");
  g_assert_null (cnv_manager_config_get_public_url (config));
  g_assert_nonnull (cnv_manager_config_get_trusted_proxies (config));
  g_assert_null (cnv_manager_config_get_trusted_proxies (config)[0]);
  g_assert_cmpuint (cnv_session_types_get_n_types (cnv_manager_config_get_types (config)), ==, 1);
  g_assert_null (cnv_manager_config_get_backend (config, "videoconference"));
  g_assert_null (cnv_manager_config_get_backend (config, "nonexistent"));
}

static void
test_default_config (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(CnvManagerConfig) config = cnv_manager_config_new_default ();
  CnvSessionTypes *types = cnv_manager_config_get_types (config);

  g_assert_cmpuint (cnv_session_types_get_n_types (types), ==, 2);
  g_assert_cmpstr (cnv_session_types_get_default (types)->name, ==, "videoconference");
  g_assert_null (cnv_manager_config_get_database (config));
  g_assert_cmpuint (cnv_manager_config_get_accounts (config)->len, ==, 0);
  g_assert_cmpstr (cnv_manager_config_get_gateway_listen (config), ==, "127.0.0.1:8080");
  g_assert_nonnull (cnv_manager_config_get_trusted_proxies (config));
  g_assert_null (cnv_manager_config_get_trusted_proxies (config)[0]);
}

/* systemd's StateDirectory=: the database goes there unless the file names one. */
static void
test_state_directory (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(CnvManagerConfig) explicit = NULL;
  g_autofree char *with_database = g_strconcat ("[manager]\ndatabase = /srv/m.db\n", minimal_types, NULL);

  g_setenv ("STATE_DIRECTORY", "/var/lib/convene-manager:/var/lib/other", TRUE);
  config = cnv_manager_config_new_from_data (minimal_types, strlen (minimal_types), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cnv_manager_config_get_database (config), ==,
                   "/var/lib/convene-manager/convene-manager.db");

  explicit = cnv_manager_config_new_from_data (with_database, strlen (with_database), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cnv_manager_config_get_database (explicit), ==, "/srv/m.db");
}

/* ---- Every key --------------------------------------------------------------------------- */

static const char every_key[] =
  "# Every key of the manager.\n"
  "[manager]\n"
  "timezone = America/New_York\n"
  "default-duration = 1h30m\n"
  "address = convene@example.test\n"
  "database = state/manager.db\n"
  "invite-at = start\n"
  "trusted-authserv-id = mx.example.test\n"
  "accredited-domains = Example.TEST; @bücher.example, example.test\n"
  "max-participants = 12\n"
  "max-requests-per-hour = 7\n"
  "max-message-size = 512k\n"
  "join-early = 15m\n"
  "\n"
  "[imap]\n"
  "host = IMAP.Example.TEST\n"
  "security = starttls\n"
  "user = convene@example.test\n"
  "password-file = secrets/imap\n"
  "ca-file = ca.pem\n"
  "\n"
  "[imap support]\n"
  "host = imap2.example.test\n"
  "port = 10993\n"
  "user = support@example.test\n"
  "password-file = /etc/convene/support\n"
  "mailbox = Requests/Convene\n"
  "\n"
  "[smtp]\n"
  "host = smtp.example.test\n"
  "port = 10587\n"
  "security = STARTTLS\n"
  "user = convene@example.test\n"
  "password-file = secrets/smtp\n"
  "ca-file = ../shared/ca.pem\n"
  "helo-name = Convene.Example.TEST\n"
  "\n"
  "[gateway]\n"
  "listen = [::1]:8443\n"
  "public-url = https://Convene.Example.TEST/meet/\n"
  "trusted-proxies = 192.0.2.7; 2001:DB8::7\n"
  "\n"
  "[type videoconference]\n"
  "address = videoconference@example.test\n"
  "keywords = video;visio\n"
  "default = true\n"
  "backend = url\n"
  "url = https://meet.example.test/{room}\n"
  "\n"
  "[type whiteboard]\n"
  "address = whiteboard@example.test\n"
  "keywords = whiteboard\n"
  "backend = jitsi\n"
  "jitsi-url = https://jitsi.example.test\n"
  "jitsi-app-id = convene\n"
  "jitsi-secret-file = secrets/jitsi\n"
  "jitsi-audience = jitsi\n"
  "jitsi-subject = jitsi.example.test\n"
  "\n"
  "[type lab]\n"
  "keywords = lab\n"
  "backend = command\n"
  "command = bin/open-room\n"
  "command-timeout = 20s\n";

static void
assert_every_key (CnvManagerConfig *config,
                  const char       *dir)
{
  const char * const *domains = cnv_manager_config_get_accredited_domains (config);
  const char * const *proxies = cnv_manager_config_get_trusted_proxies (config);
  GPtrArray *accounts = cnv_manager_config_get_accounts (config);
  const CnvManagerAccount *account;
  CnvMailServer *smtp;
  g_autofree char *database = g_build_filename (dir, "state", "manager.db", NULL);
  g_autofree char *imap_password = g_build_filename (dir, "secrets", "imap", NULL);
  g_autofree char *smtp_password = g_build_filename (dir, "secrets", "smtp", NULL);
  g_autofree char *ca = g_build_filename (dir, "ca.pem", NULL);
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *shared_ca = g_build_filename (parent, "shared", "ca.pem", NULL);
  CnvManagerBackend *backend;

  g_assert_cmpstr (cnv_manager_config_get_time_zone_name (config), ==, "America/New_York");
  g_assert_cmpint (cnv_manager_config_get_default_duration (config), ==, 90 * G_TIME_SPAN_MINUTE);
  g_assert_true (cnv_session_types_is_manager_address (cnv_manager_config_get_types (config),
                                                       "convene@example.test"));
  g_assert_cmpstr (cnv_manager_config_get_database (config), ==, database);
  g_assert_cmpint (cnv_manager_config_get_invite_at (config), ==, CNV_INVITE_AT_START);
  g_assert_cmpstr (cnv_manager_config_get_trusted_authserv_id (config), ==, "mx.example.test");
  g_assert_cmpuint (g_strv_length ((char **) domains), ==, 2);
  g_assert_cmpstr (domains[0], ==, "example.test");
  g_assert_cmpstr (domains[1], ==, "xn--bcher-kva.example");
  g_assert_cmpuint (cnv_manager_config_get_max_participants (config), ==, 12);
  g_assert_cmpuint (cnv_manager_config_get_max_requests_per_hour (config), ==, 7);
  g_assert_cmpuint (cnv_manager_config_get_max_message_size (config), ==, 512 * 1024);
  g_assert_cmpint (cnv_manager_config_get_join_early (config), ==, 15 * G_TIME_SPAN_MINUTE);

  g_assert_cmpuint (accounts->len, ==, 2);
  account = g_ptr_array_index (accounts, 0);
  g_assert_cmpstr (account->name, ==, "imap");
  g_assert_cmpstr (account->server->host, ==, "imap.example.test");
  g_assert_cmpint (account->server->port, ==, 0);
  g_assert_cmpint (cnv_mail_server_get_imap_port (account->server), ==, 143);
  g_assert_cmpint (account->server->security, ==, CNV_MAIL_SECURITY_STARTTLS);
  g_assert_cmpstr (account->server->user, ==, "convene@example.test");
  g_assert_cmpstr (account->password_file, ==, imap_password);
  g_assert_cmpstr (account->server->ca_file, ==, ca);
  g_assert_cmpstr (account->mailbox, ==, "INBOX");
  account = g_ptr_array_index (accounts, 1);
  g_assert_cmpstr (account->name, ==, "imap support");
  g_assert_cmpint (account->server->port, ==, 10993);
  g_assert_cmpint (account->server->security, ==, CNV_MAIL_SECURITY_TLS);
  g_assert_cmpstr (account->password_file, ==, "/etc/convene/support");
  g_assert_null (account->server->ca_file);
  g_assert_cmpstr (account->mailbox, ==, "Requests/Convene");

  smtp = cnv_manager_config_get_smtp (config);
  g_assert_nonnull (smtp);
  g_assert_cmpstr (smtp->host, ==, "smtp.example.test");
  g_assert_cmpint (smtp->port, ==, 10587);
  g_assert_cmpint (smtp->security, ==, CNV_MAIL_SECURITY_STARTTLS);
  g_assert_cmpstr (smtp->user, ==, "convene@example.test");
  g_assert_cmpstr (smtp->ca_file, ==, shared_ca);
  g_assert_cmpstr (smtp->helo_name, ==, "convene.example.test");
  g_assert_cmpstr (cnv_manager_config_get_smtp_password_file (config), ==, smtp_password);

  g_assert_cmpstr (cnv_manager_config_get_gateway_listen (config), ==, "[::1]:8443");
  g_assert_cmpstr (cnv_manager_config_get_public_url (config), ==, "https://convene.example.test/meet");
  g_assert_cmpuint (g_strv_length ((char **) proxies), ==, 2);
  g_assert_cmpstr (proxies[0], ==, "192.0.2.7");
  g_assert_cmpstr (proxies[1], ==, "2001:db8::7");

  g_assert_cmpuint (cnv_session_types_get_n_types (cnv_manager_config_get_types (config)), ==, 3);
  backend = cnv_manager_config_get_backend (config, "videoconference");
  g_assert_nonnull (backend);
  g_assert_cmpstr (cnv_manager_backend_get_kind (backend), ==, "url");
  backend = cnv_manager_config_get_backend (config, "whiteboard");
  g_assert_nonnull (backend);
  g_assert_cmpstr (cnv_manager_backend_get_kind (backend), ==, "jitsi");
  backend = cnv_manager_config_get_backend (config, "lab");
  g_assert_nonnull (backend);
  g_assert_cmpstr (cnv_manager_backend_get_kind (backend), ==, "command");
}

static void
write_every_key_files (Fixture *fixture)
{
  g_autofree char *secret = write_file (fixture->dir, "secrets/jitsi", "s3cret\n", -1, 0600);
  g_autofree char *program = write_file (fixture->dir, "bin/open-room",
                                         "#!/bin/sh\necho https://lab.example.test/room\n", -1, 0700);

  write_config (fixture, every_key);
}

static void
test_every_key (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(CnvManagerConfig) checked = NULL;
  g_autoptr(GError) error = NULL;

  write_every_key_files (fixture);
  config = cnv_manager_config_new_from_file (fixture->path, &error);
  g_assert_no_error (error);
  assert_every_key (config, fixture->dir);

  /* check_file() sees no mistake in it. */
  checked = cnv_manager_config_check_file (fixture->path, problems, &error);
  g_assert_no_error (error);
  g_assert_nonnull (checked);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("problem: %s", (const char *) g_ptr_array_index (problems, i));
  g_assert_cmpuint (problems->len, ==, 0);
  assert_every_key (checked, fixture->dir);
}

/* Paths are relative to the file's directory, not to the current one, also when the file itself
 * is named by a relative path; the backend's files (a jitsi secret, a command) too: they would not
 * be found from the current directory. */
static void
test_relative_paths (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = g_get_current_dir ();
  g_autofree char *parent = g_path_get_dirname (fixture->dir);
  g_autofree char *base = g_path_get_basename (fixture->dir);
  g_autofree char *relative = g_build_filename (base, "manager.conf", NULL);
  g_autofree char *elsewhere = g_dir_make_tmp ("cnv-config-cwd-XXXXXX", NULL);

  write_every_key_files (fixture);

  g_assert_cmpint (g_chdir (parent), ==, 0);
  config = cnv_manager_config_new_from_file (relative, &error);
  g_assert_cmpint (g_chdir (saved), ==, 0);
  g_assert_no_error (error);
  assert_every_key (config, fixture->dir);
  g_clear_object (&config);

  g_assert_cmpint (g_chdir (elsewhere), ==, 0);
  config = cnv_manager_config_new_from_file (fixture->path, &error);
  g_assert_cmpint (g_chdir (saved), ==, 0);
  g_rmdir (elsewhere);
  g_assert_no_error (error);
  assert_every_key (config, fixture->dir);
}

/* Without a file, relative paths are relative to the current directory. */
static void
test_relative_paths_data (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *text = g_strconcat ("[manager]\ndatabase = m.db\n", minimal_types, NULL);
  g_autofree char *current = g_get_current_dir ();
  g_autofree char *expected = g_build_filename (current, "m.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvManagerConfig) config = cnv_manager_config_new_from_data (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (cnv_manager_config_get_database (config), ==, expected);
}

/* ---- Values ------------------------------------------------------------------------------ */

typedef struct
{
  const char *text;
  gboolean    valid;
  guint64     value;   /* bytes, seconds, or the normalised text's length */
  const char *normalized;
} Value;

static CnvManagerConfig *
load_key (const char  *group,
          const char  *key,
          const char  *value,
          GError     **error)
{
  g_autofree char *text = g_strdup_printf ("[%s]\n%s = %s\n%s", group, key, value, minimal_types);

  return cnv_manager_config_new_from_data (text, strlen (text), error);
}

static void
assert_refused (CnvManagerConfig *config,
                GError           *error,
                const char       *group,
                const char       *key)
{
  g_autofree char *where = g_strdup_printf ("[%s] %s: ", group, key);

  g_assert_null (config);
  g_assert_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, where));
}

static void
test_sizes (void)
{
  static const Value values[] = {
    { "10M", TRUE, 10 * 1024 * 1024 },
    { "512k", TRUE, 512 * 1024 },
    { "512 KiB", TRUE, 512 * 1024 },
    { "1048576", TRUE, 1048576 },
    { "1G", TRUE, 1024 * 1024 * 1024 },
    { "2mb", TRUE, 2 * 1024 * 1024 },
    { "10Q", FALSE }, { "0", FALSE }, { "1023", FALSE }, { "2G", FALSE }, { "-5", FALSE },
    { "1.5M", FALSE }, { "M", FALSE }, { "10 M B", FALSE },
    { "99999999999999999999999", FALSE }, { "18446744073709551615G", FALSE },
    { "10M # ten", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvManagerConfig) config = load_key ("manager", "max-message-size", values[i].text, &error);

      g_test_message ("max-message-size = %s", values[i].text);
      if (values[i].valid)
        {
          g_assert_no_error (error);
          g_assert_cmpuint (cnv_manager_config_get_max_message_size (config), ==, values[i].value);
        }
      else
        assert_refused (config, error, "manager", "max-message-size");
    }
}

static void
test_durations (void)
{
  static const Value join_early[] = {
    { "0", TRUE, 0 }, { "0m", TRUE, 0 }, { "5m", TRUE, 300 }, { "PT15M", TRUE, 900 },
    { "1h", TRUE, 3600 }, { "24h", TRUE, 86400 },
    { "25h", FALSE }, { "soon", FALSE }, { "-5m", FALSE }, { "", FALSE },
  };
  static const Value default_duration[] = {
    { "45m", TRUE, 2700 }, { "PT1H", TRUE, 3600 }, { "1h30m", TRUE, 5400 },
    { "0", FALSE }, { "forever", FALSE }, { "32 days", FALSE }, { "60m # an hour", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (join_early); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvManagerConfig) config = load_key ("manager", "join-early", join_early[i].text, &error);

      g_test_message ("join-early = %s", join_early[i].text);
      if (join_early[i].valid)
        {
          g_assert_no_error (error);
          g_assert_cmpint (cnv_manager_config_get_join_early (config), ==,
                           join_early[i].value * G_TIME_SPAN_SECOND);
        }
      else
        assert_refused (config, error, "manager", "join-early");
    }
  for (guint i = 0; i < G_N_ELEMENTS (default_duration); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvManagerConfig) config = load_key ("manager", "default-duration",
                                                     default_duration[i].text, &error);

      g_test_message ("default-duration = %s", default_duration[i].text);
      if (default_duration[i].valid)
        {
          g_assert_no_error (error);
          g_assert_cmpint (cnv_manager_config_get_default_duration (config), ==,
                           default_duration[i].value * G_TIME_SPAN_SECOND);
        }
      else
        assert_refused (config, error, "manager", "default-duration");
    }
}

static void
test_listen (void)
{
  static const Value values[] = {
    { "8080", TRUE }, { "127.0.0.1:9000", TRUE }, { "[::1]:8080", TRUE }, { "localhost:80", TRUE },
    { "0.0.0.0:443", TRUE }, { "[::]:8080", TRUE },
    { "::1:8080", FALSE }, { "[::1]8080", FALSE }, { "[::1]", FALSE }, { "host.example:80", FALSE },
    { "127.0.0.1:0", FALSE }, { "127.0.0.1:70000", FALSE }, { "127.0.0.1:", FALSE },
    { "[1.2.3.4]:80", FALSE }, { "0", FALSE }, { "99999", FALSE }, { "127.0.0.1", FALSE },
    { "127.0.0.1:80x", FALSE }, { "[::1:8080", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvManagerConfig) config = load_key ("gateway", "listen", values[i].text, &error);

      g_test_message ("listen = %s", values[i].text);
      if (values[i].valid)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (cnv_manager_config_get_gateway_listen (config), ==, values[i].text);
        }
      else
        assert_refused (config, error, "gateway", "listen");
    }
}

static void
test_public_url (void)
{
  static const Value values[] = {
    { "https://Convene.Example.org/", TRUE, 0, "https://convene.example.org" },
    { "https://convene.example.org:8443/base//", TRUE, 0, "https://convene.example.org:8443/base" },
    { "http://localhost:8080", TRUE, 0, "http://localhost:8080" },
    { "http://127.0.0.1:8080/x", TRUE, 0, "http://127.0.0.1:8080/x" },
    { "http://[::1]:8080", TRUE, 0, "http://[::1]:8080" },
    { "https://bücher.example", TRUE, 0, "https://xn--bcher-kva.example" },
    { "http://convene.example.org", FALSE }, { "http://192.0.2.1", FALSE },
    { "ftp://convene.example.org", FALSE }, { "https://user:pw@convene.example.org", FALSE },
    { "https://convene.example.org/?a=1", FALSE }, { "https://convene.example.org/#x", FALSE },
    { "convene.example.org", FALSE }, { "https://", FALSE }, { "https://exa mple.org", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvManagerConfig) config = load_key ("gateway", "public-url", values[i].text, &error);

      g_test_message ("public-url = %s", values[i].text);
      if (values[i].valid)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (cnv_manager_config_get_public_url (config), ==, values[i].normalized);
        }
      else
        assert_refused (config, error, "gateway", "public-url");
    }
}

/* The addresses of the reverse proxies: IPv4 or IPv6, in one spelling each, without duplicates;
 * anything else (a name, a range, a port, brackets, every address) is refused on the key. */
static void
test_trusted_proxies (void)
{
  static const Value values[] = {
    { "127.0.0.1;::1", TRUE, 0, "127.0.0.1;::1" },
    { "127.0.0.1, ::1", TRUE, 0, "127.0.0.1;::1" },
    { " 192.0.2.10 ; 2001:DB8::5 ;", TRUE, 0, "192.0.2.10;2001:db8::5" },
    { "0:0:0:0:0:0:0:1;::1;::0001", TRUE, 0, "::1" },
    { "::ffff:192.0.2.1", TRUE, 0, "::ffff:192.0.2.1" },
    { "10.1.2.3;10.1.2.3;10.1.2.4", TRUE, 0, "10.1.2.3;10.1.2.4" },
    { "", TRUE, 0, "" }, { ";", TRUE, 0, "" }, { " , ; ", TRUE, 0, "" },
    { "proxy.example.org", FALSE }, { "localhost", FALSE }, { "10.0.0.0/8", FALSE },
    { "[::1]", FALSE }, { "127.0.0.1:8080", FALSE }, { "999.1.1.1", FALSE }, { "1.2.3", FALSE },
    { "127.0.0.1 # the proxy", FALSE }, { "0.0.0.0", FALSE }, { "::", FALSE },
    { "127.0.0.1;bogus;::1", FALSE }, { "::1::2", FALSE }, { "12345::", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvManagerConfig) config = load_key ("gateway", "trusted-proxies", values[i].text,
                                                     &error);

      g_test_message ("trusted-proxies = %s", values[i].text);
      if (values[i].valid)
        {
          const char * const *proxies = NULL;
          g_autofree char *joined = NULL;

          g_assert_no_error (error);
          proxies = cnv_manager_config_get_trusted_proxies (config);
          g_assert_nonnull (proxies);
          joined = g_strjoinv (";", (char **) proxies);
          g_assert_cmpstr (joined, ==, values[i].normalized);
        }
      else
        assert_refused (config, error, "gateway", "trusted-proxies");
    }
}

/* ---- Mistakes: one sentence each, with line, group and key -------------------------------- */

typedef struct
{
  const char *name;
  const char *contents;
  guint       line;       /* 0: the problem has no line */
  const char *where;      /* what follows "FILE:LINE: " */
  const char *text;       /* what the sentence must say */
  gboolean    usable;     /* only a warning: the configuration still loads */
} Mistake;

#define TYPES "[type videoconference]\naddress = videoconference@example.test\ndefault = true\n"

static const Mistake mistakes[] = {
  { "unknown-key", "[imap]\nhost = imap.example.test\npasword-file = pw\n" TYPES,
    3, "[imap] pasword-file: ", "did you mean password-file?", TRUE },
  { "unknown-key-case", "[smtp]\nHost = smtp.example.test\nhost = smtp.example.test\n" TYPES,
    2, "[smtp] Host: ", "did you mean host?", TRUE },
  { "unknown-key-far", "[gateway]\ncolour = blue\n" TYPES,
    2, "[gateway] colour: ", "the keys of this group are listen, public-url, trusted-proxies", TRUE },
  { "unknown-type-key", TYPES "adress = x@example.test\n",
    4, "[type videoconference] adress: ", "did you mean address?", TRUE },
  { "backend-key-typo", TYPES "backend = url\nurl = https://m.example.test/{room}\ncomand = /bin/true\n",
    6, "[type videoconference] comand: ", "did you mean command?", TRUE },
  { "other-backend-key", TYPES "backend = url\nurl = https://m.example.test/{room}\njitsi-app-id = x\n",
    6, "[type videoconference] jitsi-app-id: ", "backend = jitsi", TRUE },
  { "backend-key-without-backend", TYPES "url = https://m.example.test/{room}\n",
    4, "[type videoconference] url: ", "no backend", TRUE },
  { "unknown-group", "[gatway]\nlisten = 8080\n" TYPES,
    1, "[gatway]: ", "did you mean [gateway]?", TRUE },
  { "unknown-group-type", "[typ whiteboard]\naddress = whiteboard@example.test\n" TYPES,
    1, "[typ whiteboard]: ", "did you mean [type whiteboard]?", TRUE },
  { "unknown-group-far", "[database]\npath = x\n" TYPES,
    1, "[database]: ", "the groups are", TRUE },
  { "named-smtp", "[smtp relay]\nhost = x\n" TYPES,
    1, "[smtp relay]: ", "[smtp] takes no name", TRUE },
  { "duplicate-key", "[manager]\ntimezone = UTC\ntimezone = Europe/Paris\n" TYPES,
    3, "[manager] timezone: ", "first at line 2", TRUE },
  { "duplicate-group", "[manager]\ntimezone = UTC\n[gateway]\nlisten = 8080\n[manager]\njoin-early = 5m\n" TYPES,
    5, "[manager]: ", "first at line 1", TRUE },
  { "security", "[imap]\nhost = imap.example.test\nsecurity = ssl\n" TYPES,
    3, "[imap] security: ", "“ssl” is not one of tls", FALSE },
  { "security-none-remote", "[smtp]\nhost = smtp.example.test\nsecurity = none\nuser = u\n" TYPES,
    3, "[smtp] security: ", "unencrypted", FALSE },
  { "port", "[imap]\nhost = imap.example.test\nport = 143x\n" TYPES,
    3, "[imap] port: ", "from 1 to 65535", FALSE },
  { "port-zero", "[smtp]\nhost = smtp.example.test\nport = 0\n" TYPES,
    3, "[smtp] port: ", "from 1 to 65535", FALSE },
  { "host-missing", "[imap]\nuser = u\n" TYPES,
    1, "[imap] host: ", "missing", FALSE },
  { "host-with-port", "[imap]\nhost = imap.example.test:993\n" TYPES,
    2, "[imap] host: ", "port = ", FALSE },
  { "account-name", "[imap b@d]\nhost = imap.example.test\n" TYPES,
    1, "[imap b@d]: ", "not an account name", FALSE },
  { "same-mailbox", "[imap]\nhost = imap.example.test\nuser = u\n[imap two]\nhost = IMAP.example.test\nuser = u\n" TYPES,
    4, "[imap two] mailbox: ", "the same mailbox as [imap]", FALSE },
  { "helo-name", "[smtp]\nhost = smtp.example.test\nhelo-name = not a name\n" TYPES,
    3, "[smtp] helo-name: ", "not a host name", FALSE },
  { "empty", "[manager]\ndatabase =\n" TYPES,
    2, "[manager] database: ", "empty", FALSE },
  { "timezone", "[manager]\ntimezone = Mars/Olympus_Mons\n" TYPES,
    2, "[manager] timezone: ", "Mars/Olympus_Mons", FALSE },
  { "timezone-comment", "[manager]\ntimezone = Europe/Paris   # here\n" TYPES,
    2, "[manager] timezone: ", "comment only at the beginning of a line", FALSE },
  { "default-duration", "[manager]\ndefault-duration = forever\n" TYPES,
    2, "[manager] default-duration: ", "“forever” is not a duration", FALSE },
  { "join-early", "[manager]\njoin-early = PT25H\n" TYPES,
    2, "[manager] join-early: ", "too long", FALSE },
  { "max-message-size", "[manager]\nmax-message-size = ten megs\n" TYPES,
    2, "[manager] max-message-size: ", "not a size", FALSE },
  { "max-participants", "[manager]\nmax-participants = 0\n" TYPES,
    2, "[manager] max-participants: ", "from 1 to 10000", FALSE },
  { "max-requests-per-hour", "[manager]\nmax-requests-per-hour = many\n" TYPES,
    2, "[manager] max-requests-per-hour: ", "whole number", FALSE },
  { "invite-at", "[manager]\ninvite-at = later\n" TYPES,
    2, "[manager] invite-at: ", "request", FALSE },
  { "authserv-id", "[manager]\ntrusted-authserv-id = mx example;\n" TYPES,
    2, "[manager] trusted-authserv-id: ", "not an authserv-id", FALSE },
  { "accredited-domains", "[manager]\naccredited-domains = example.org;*.example.net\n" TYPES,
    2, "[manager] accredited-domains: ", "*.example.net", FALSE },
  { "manager-address", "[manager]\naddress = not an address\n" TYPES,
    2, "[manager] address: ", "not an address", FALSE },
  { "listen", "[gateway]\nlisten = ::1:8080\n" TYPES,
    2, "[gateway] listen: ", "brackets", FALSE },
  { "public-url-http", "[gateway]\npublic-url = http://convene.example.org\n" TYPES,
    2, "[gateway] public-url: ", "use https", FALSE },
  { "trusted-proxies", "[gateway]\nlisten = 8080\ntrusted-proxies = 127.0.0.1;proxy.example.org\n" TYPES,
    3, "[gateway] trusted-proxies: ", "“proxy.example.org” is not an IP address", FALSE },
  { "trusted-proxies-range", "[gateway]\ntrusted-proxies = 10.0.0.0/8\n" TYPES,
    2, "[gateway] trusted-proxies: ", "ranges are not accepted", FALSE },
  { "trusted-proxies-port", "[gateway]\ntrusted-proxies = 127.0.0.1:8080\n" TYPES,
    2, "[gateway] trusted-proxies: ", "without a port", FALSE },
  { "trusted-proxies-brackets", "[gateway]\ntrusted-proxies = [::1]\n" TYPES,
    2, "[gateway] trusted-proxies: ", "without brackets", FALSE },
  { "trusted-proxies-any", "[gateway]\ntrusted-proxies = ::1;0.0.0.0\n" TYPES,
    2, "[gateway] trusted-proxies: ", "“0.0.0.0” is no proxy's address", FALSE },
  { "trusted-proxies-typo", "[gateway]\ntrusted-proxys = 127.0.0.1\n" TYPES,
    2, "[gateway] trusted-proxys: ", "did you mean trusted-proxies?", TRUE },
  { "type-address", "[type videoconference]\naddress = not an address\ndefault = true\n",
    2, "[type videoconference] address: ", "not an address", FALSE },
  { "same-address", TYPES "[type whiteboard]\naddress = VideoConference@Example.TEST\n",
    5, "[type whiteboard] address: ", "already the address of [type videoconference]", FALSE },
  { "two-defaults", TYPES "[type whiteboard]\naddress = whiteboard@example.test\ndefault = true\n",
    6, "[type whiteboard] default: ", "only one type", FALSE },
  { "default-not-boolean", "[type videoconference]\naddress = v@example.test\ndefault = yes\n",
    3, "[type videoconference] default: ", "true or false", FALSE },
  { "type-name", "[type video conference]\naddress = v@example.test\n",
    1, "[type video conference]: ", "not a type name", FALSE },
  { "type-without-name", "[type]\naddress = v@example.test\n",
    1, "[type]: ", "needs a name", FALSE },
  { "type-unselectable", TYPES "[type whiteboard]\nbackend = url\nurl = https://b.example.test/{room}\n",
    4, "[type whiteboard]: ", "nothing selects this type", FALSE },
  { "backend-kind", TYPES "backend = zoom\n",
    4, "[type videoconference] backend: ", "zoom", FALSE },
  { "backend-option", TYPES "backend = url\nurl = ftp://m.example.test/{room}\n",
    5, "[type videoconference] url: ", "ftp://", FALSE },
  { "backend-file-missing", TYPES "backend = jitsi\njitsi-url = https://j.example.test\n"
                            "jitsi-app-id = a\njitsi-secret-file = no-such-secret\n",
    7, "[type videoconference] jitsi-secret-file: ", "no-such-secret", FALSE },
  { "key-before-group", "timezone = UTC\n" TYPES,
    1, "", "before any [group]", FALSE },
  { "not-a-line", "[manager]\ntimezone UTC\n" TYPES,
    2, "[manager]: ", "neither a [group]", FALSE },
  { "group-unclosed", "[manager\ntimezone = UTC\n" TYPES,
    1, "", "not a group header", FALSE },
  { "group-trailing", "[manager] x\ntimezone = UTC\n" TYPES,
    1, "", "not a group header", FALSE },
  { "no-key", "[manager]\n = UTC\n" TYPES,
    2, "[manager]: ", "no key name", FALSE },
  { "escape", "[manager]\ndatabase = C:\\x\\y.db\n" TYPES,
    2, "[manager] database: ", "cannot be read", FALSE },
};

static void
test_mistake (Fixture       *fixture,
              gconstpointer  data)
{
  const Mistake *mistake = data;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = check (fixture, mistake->contents, problems);
  g_autoptr(CnvManagerConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (problems->len, >=, 1);
  assert_problem (fixture, problems, mistake->line, mistake->where, mistake->text);

  /* Each problem is one line: a sentence, no control character. */
  for (guint i = 0; i < problems->len; i++)
    for (const char *p = g_ptr_array_index (problems, i); *p != '\0'; p++)
      g_assert_false (g_ascii_iscntrl (*p));

  /* A warning leaves the configuration usable; an error does not, and new_from_file() stops at
   * it with the same sentence. */
  loaded = cnv_manager_config_new_from_file (fixture->path, &error);
  if (mistake->usable)
    {
      g_assert_nonnull (config);
      g_assert_no_error (error);
      g_assert_nonnull (loaded);
    }
  else
    {
      g_assert_null (config);
      g_assert_null (loaded);
      g_assert_nonnull (error);
      g_test_message ("new_from_file: %s", error->message);
      g_assert_true (g_str_has_prefix (error->message, fixture->path));
    }
}

/* check_file() goes on after the first mistake: all of them, in the order of the lines. */
static void
test_every_mistake (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config =
    check (fixture,
           "[manager]\n"
           "timezone = Nowhere/Land\n"
           "max-participants = lots\n"
           "[imap]\n"
           "host = imap.example.test\n"
           "port = -1\n"
           "security = ssl\n"
           "[gateway]\n"
           "listen = nowhere\n"
           "public-url = http://convene.example.org\n"
           "[smpt]\n"
           TYPES
           "[type whiteboard]\n"
           "address = videoconference@example.test\n", problems);
  guint last_line = 0;

  g_assert_null (config);
  g_assert_cmpuint (problems->len, ==, 8);
  for (guint i = 0; i < problems->len; i++)
    {
      const char *problem = g_ptr_array_index (problems, i);
      guint line = (guint) g_ascii_strtoull (problem + strlen (fixture->path) + 1, NULL, 10);

      g_assert_cmpuint (line, >, last_line);
      last_line = line;
    }
  assert_problem (fixture, problems, 11, "[smpt]: ", "did you mean [smtp]?");
  assert_problem (fixture, problems, 16, "[type whiteboard] address: ", "already");
}

/* ---- What `run` needs -------------------------------------------------------------------- */

static char *
daemon_config (Fixture    *fixture,
               const char *imap_extra,
               const char *smtp_extra)
{
  return g_strdup_printf ("[manager]\n"
                          "database = state/manager.db\n"
                          "[imap]\n"
                          "host = imap.example.test\n"
                          "user = convene@example.test\n"
                          "%s"
                          "[smtp]\n"
                          "host = smtp.example.test\n"
                          "user = convene@example.test\n"
                          "%s"
                          "[gateway]\n"
                          "public-url = https://convene.example.test\n"
                          "[type videoconference]\n"
                          "address = videoconference@example.test\n"
                          "default = true\n"
                          "backend = url\n"
                          "url = https://meet.example.test/{room}\n",
                          imap_extra, smtp_extra);
}

/* A valid file: check_daemon() decides; its verdict must agree with its problems. */
static CnvManagerConfig *
check_daemon (Fixture    *fixture,
              const char *contents,
              GPtrArray  *problems)
{
  CnvManagerConfig *config = check (fixture, contents, problems);

  g_assert_nonnull (config);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_true (cnv_manager_config_check_daemon (config, problems) == (problems->len == 0));
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("run: %s", (const char *) g_ptr_array_index (problems, i));
  return config;
}

static void
test_daemon_ready (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *imap = write_file (fixture->dir, "imap.password", "secret\n", -1, 0600);
  g_autofree char *smtp = write_file (fixture->dir, "smtp.password", "secret\n", -1, 0400);
  g_autofree char *state = g_build_filename (fixture->dir, "state", NULL);
  g_autofree char *text = daemon_config (fixture, "password-file = imap.password\nca-file = " SYSTEM_CA_FILE "\n",
                                         "password-file = smtp.password\n");
  g_autoptr(CnvManagerConfig) config = NULL;

  if (!g_file_test (SYSTEM_CA_FILE, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no " SYSTEM_CA_FILE " (ca-certificates)");
      return;
    }
  g_assert_cmpint (g_mkdir (state, 0700), ==, 0);
  config = check_daemon (fixture, text, problems);
  g_assert_cmpuint (problems->len, ==, 0);
}

/* systemd's LoadCredential=: without password-file, the credential named after the group. */
static void
test_daemon_credentials (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *credentials = g_build_filename (fixture->dir, "credentials", NULL);
  g_autofree char *imap = write_file (credentials, "imap", "secret\n", -1, 0400);
  g_autofree char *state = g_build_filename (fixture->dir, "state", NULL);
  g_autofree char *text = daemon_config (fixture, "", "");
  g_autoptr(CnvManagerConfig) config = NULL;

  g_assert_cmpint (g_mkdir (state, 0700), ==, 0);
  g_setenv ("CREDENTIALS_DIRECTORY", credentials, TRUE);
  config = check_daemon (fixture, text, problems);
  g_assert_cmpuint (problems->len, ==, 1);
  assert_problem (fixture, problems, 6, "[smtp] password-file: ", "systemd credential named “smtp”");
}

static void
test_daemon_files (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *imap = write_file (fixture->dir, "imap.password", "secret\n", -1, 0644);
  g_autofree char *not_pem = write_file (fixture->dir, "not-a-ca.pem", "hello\n", -1, 0644);
  g_autofree char *text = daemon_config (fixture, "password-file = imap.password\nca-file = not-a-ca.pem\n",
                                         "password-file = missing.password\nca-file = missing-ca.pem\n");
  g_autofree char *chmod = g_strdup_printf ("run chmod 600 %s", imap);
  g_autoptr(CnvManagerConfig) config = NULL;

  config = check_daemon (fixture, text, problems);
  g_assert_cmpuint (problems->len, ==, 5);
  /* The database's directory, state/, does not exist. */
  assert_problem (fixture, problems, 2, "[manager] database: ", "mkdir -p");
  assert_problem (fixture, problems, 6, "[imap] password-file: ", chmod);
  assert_problem (fixture, problems, 6, "[imap] password-file: ", "mode 0644");
  assert_problem (fixture, problems, 7, "[imap] ca-file: ", "holds no certificate");
  assert_problem (fixture, problems, 11, "[smtp] password-file: ", "does not exist");
  assert_problem (fixture, problems, 12, "[smtp] ca-file: ", "cannot be read");
}

static void
test_daemon_missing (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = NULL;

  config = check_daemon (fixture, "[imap]\nhost = imap.example.test\n[manager]\ntimezone = UTC\n",
                         problems);
  g_assert_cmpuint (problems->len, ==, 5);
  assert_problem (fixture, problems, 3, "[manager] database: ", "not set");
  assert_problem (fixture, problems, 1, "[imap] user: ", "not set");
  assert_problem (fixture, problems, 0, "[smtp]: ", "missing");
  assert_problem (fixture, problems, 0, "[gateway] public-url: ", "not set");
  assert_problem (fixture, problems, 0, "", "no session type");

  g_clear_object (&config);
  g_ptr_array_set_size (problems, 0);
  config = check_daemon (fixture, "[manager]\ndatabase = m.db\n" TYPES, problems);
  assert_problem (fixture, problems, 0, "[imap]: ", "missing");
  assert_problem (fixture, problems, 3, "[type videoconference] backend: ", "not set");
}

/* ---- Hostile and huge files -------------------------------------------------------------- */

static void
assert_only_problem (Fixture    *fixture,
                     GPtrArray  *problems,
                     guint       line,
                     const char *text)
{
  g_assert_cmpuint (problems->len, >=, 1);
  assert_problem (fixture, problems, line, "", text);
}

static void
test_huge_file (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(CnvManagerConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new ("[manager]\n");

  /* 10 MB of comments: valid lines, but no configuration is that large. */
  while (text->len < 10 * 1000 * 1000)
    g_string_append (text, "# a comment line that goes on and on and on and on and on and on\n");
  g_string_append (text, TYPES);

  config = check (fixture, text->str, problems);
  g_assert_null (config);
  g_assert_cmpuint (problems->len, ==, 1);
  assert_only_problem (fixture, problems, 0, "larger than 1024 KiB");

  loaded = cnv_manager_config_new_from_file (fixture->path, &error);
  g_assert_null (loaded);
  g_assert_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID);
}

static void
test_many_types (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (text, "[type t%u]\naddress = t%u@example.test\n", i, i);
  config = check (fixture, text->str, problems);
  g_assert_null (config);
  g_assert_cmpuint (problems->len, ==, 1);
  assert_problem (fixture, problems, 2 * 256 + 1, "[type t256]: ", "more than 256 session types");
}

static void
test_many_problems (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(GString) text = g_string_new (TYPES);
  g_autofree char *last = NULL;

  for (guint i = 0; i < 3000; i++)
    g_string_append_printf (text, "[unknown%u]\n", i);
  config = check (fixture, text->str, problems);
  /* Unknown groups are warnings: the configuration works. */
  g_assert_nonnull (config);
  g_assert_cmpuint (problems->len, ==, 101);
  last = g_strdup_printf ("%s: too many problems: 2900 more not shown", fixture->path);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (problems, 100), last));
}

/* A list as long as a file may be: every address is kept once, and each bad one is a problem
 * (the first 100 shown). */
static void
test_many_proxies (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(GString) text = g_string_new ("[gateway]\ntrusted-proxies = ");
  const char * const *proxies;

  for (guint i = 0; i < 60000; i++)
    g_string_append_printf (text, "10.%u.%u.%u;", i >> 16, (i >> 8) & 0xff, i & 0xff);
  g_string_append (text, "10.0.0.0;::1\n" TYPES);
  config = check (fixture, text->str, problems);
  g_assert_nonnull (config);
  g_assert_cmpuint (problems->len, ==, 0);
  proxies = cnv_manager_config_get_trusted_proxies (config);
  g_assert_cmpuint (g_strv_length ((char **) proxies), ==, 60001);
  g_assert_cmpstr (proxies[0], ==, "10.0.0.0");
  g_assert_cmpstr (proxies[59999], ==, "10.0.234.95");
  g_assert_cmpstr (proxies[60000], ==, "::1");

  g_clear_object (&config);
  g_ptr_array_set_size (problems, 0);
  g_string_assign (text, "[gateway]\ntrusted-proxies = ");
  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (text, "proxy%u;", i);
  g_string_append (text, "\n" TYPES);
  config = check (fixture, text->str, problems);
  g_assert_null (config);
  g_assert_cmpuint (problems->len, ==, 101);
  assert_problem (fixture, problems, 2, "[gateway] trusted-proxies: ", "“proxy0” is not an IP address");
}

static void
test_nul_byte (Fixture       *fixture,
               gconstpointer  data)
{
  static const char text[] = "[manager]\ntimezone = UTC\ndatabase = a\0b.db\n" TYPES;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(CnvManagerConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_file (fixture->dir, "manager.conf", text, sizeof text - 1, 0644);

  config = cnv_manager_config_check_file (fixture->path, problems, &error);
  g_assert_no_error (error);
  g_assert_null (config);
  g_assert_cmpuint (problems->len, ==, 1);
  assert_only_problem (fixture, problems, 3, "NUL byte");

  loaded = cnv_manager_config_new_from_data (text, sizeof text - 1, &error);
  g_assert_null (loaded);
  g_assert_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "line 3: "));
}

static void
test_invalid_utf8 (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = NULL;

  /* Latin-1, as an old editor saves it: two bad lines, both reported. */
  config = check (fixture, "[manager]\ntimezone = UTC\n[type vid\xe9o]\naddress = vid\xe9o@example.test\n",
                  problems);
  g_assert_null (config);
  g_assert_cmpuint (problems->len, ==, 2);
  assert_only_problem (fixture, problems, 3, "not valid UTF-8");
  assert_only_problem (fixture, problems, 4, "not valid UTF-8");
}

static void
test_long_lines (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(GString) text = g_string_new ("[manager]\n");
  g_autofree char *long_name = g_strnfill (150000, 'k');
  g_autofree char *long_value = g_strnfill (150000, 'v');

  g_string_append_printf (text, "%s = 1\ntimezone = %s\n[%s]\n" TYPES "[type whiteboard]\naddress = %s\n"
                          "[imap %s]\nhost = imap.example.test\n",
                          long_name, long_value, long_name, long_value, long_name);
  config = check (fixture, text->str, problems);
  g_assert_null (config);
  g_assert_cmpuint (problems->len, ==, 5);
  /* The names and values are shortened in the sentences. */
  for (guint i = 0; i < problems->len; i++)
    g_assert_cmpuint (strlen (g_ptr_array_index (problems, i)), <, 1000);
  assert_problem (fixture, problems, 3, "[manager] timezone: ", "…");
}

static void
test_garbage (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261127);

  for (guint round = 0; round < 200; round++)
    {
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(CnvManagerConfig) config = NULL;
      g_autoptr(CnvManagerConfig) loaded = NULL;
      g_autoptr(GError) error = NULL;
      static const char * const pieces[] = {
        "[manager]\n", "[imap]\n", "[smtp]\n", "[gateway]\n", "[type x]\n", "[type]\n", "[", "]",
        "=", "\n", "#", " ", "\t", "\r\n", "\\", "\\x", "host", "port = ", "65536", "listen = ",
        "[::1]:", "public-url = ", "https://", "address = ", "a@b.c", "default = true\n",
        "backend = ", "url", "jitsi", "command", "timezone = ", "database = ", "\xff", "\xc3\xa9",
        "keywords = ", ";", ",", "max-message-size = ", "99999999999999999999", "join-early = ",
      };
      g_autoptr(GString) text = g_string_new (NULL);
      guint n = g_rand_int_range (rand, 1, 200);

      for (guint i = 0; i < n; i++)
        g_string_append (text, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);

      write_config (fixture, text->str);
      config = cnv_manager_config_check_file (fixture->path, problems, &error);
      g_assert_no_error (error);
      g_assert_true (config != NULL || problems->len > 0);
      loaded = cnv_manager_config_new_from_data (text->str, text->len, &error);
      g_assert_true ((loaded != NULL) == (error == NULL));
    }
}

static void
test_unreadable (Fixture       *fixture,
                 gconstpointer  data)
{
  const char * const paths[] = { "/nonexistent/manager.conf", "/dev/zero", "/", NULL };

  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(CnvManagerConfig) config = NULL;
      g_autoptr(GError) error = NULL;

      config = cnv_manager_config_check_file (paths[i], problems, &error);
      g_assert_null (config);
      g_assert_nonnull (error);
      g_assert_true (error->domain == G_FILE_ERROR);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, paths[i]));
      g_assert_cmpuint (problems->len, ==, 0);

      g_clear_error (&error);
      config = cnv_manager_config_new_from_file (paths[i], &error);
      g_assert_null (config);
      g_assert_nonnull (error);
    }
}

/* The sample documents every key, and nothing else: the only problem of it as shipped is the
 * Jitsi secret it names, which does not exist here. */
static void
test_sample (Fixture       *fixture,
             gconstpointer  data)
{
  static const char * const keys[] = {
    "timezone", "default-duration", "address", "database", "invite-at", "trusted-authserv-id",
    "accredited-domains", "max-participants", "max-requests-per-hour", "max-message-size",
    "join-early", "host", "port", "security", "user", "password-file", "ca-file", "mailbox",
    "helo-name", "listen", "public-url", "trusted-proxies", "keywords", "default", "backend",
    "url", "jitsi-url", "jitsi-app-id", "jitsi-secret-file", "jitsi-audience", "jitsi-subject",
    "command", "command-timeout", NULL
  };
  const char *test_data = g_getenv ("CNV_TEST_DATA");
  g_autofree char *sample = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CnvManagerConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  if (test_data == NULL)
    {
      g_test_skip ("CNV_TEST_DATA is not set (run through meson test)");
      return;
    }
  sample = g_build_filename (test_data, "..", "..", "data", "convene-manager.conf.sample", NULL);
  g_file_get_contents (sample, &text, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *set = g_strdup_printf ("\n%s = ", keys[i]);
      g_autofree char *commented = g_strdup_printf ("\n# %s = ", keys[i]);

      if (strstr (text, set) == NULL && strstr (text, commented) == NULL)
        g_test_fail_printf ("the sample does not show %s", keys[i]);
    }

  config = cnv_manager_config_check_file (sample, problems, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("problem: %s", (const char *) g_ptr_array_index (problems, i));
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (problems, 0), "jitsi-secret-file: cannot open"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/manager/config/defaults", test_defaults);
  ADD ("/manager/config/default-config", test_default_config);
  ADD ("/manager/config/state-directory", test_state_directory);
  ADD ("/manager/config/every-key", test_every_key);
  ADD ("/manager/config/relative-paths/file", test_relative_paths);
  ADD ("/manager/config/relative-paths/data", test_relative_paths_data);
  g_test_add_func ("/manager/config/values/sizes", test_sizes);
  g_test_add_func ("/manager/config/values/durations", test_durations);
  g_test_add_func ("/manager/config/values/listen", test_listen);
  g_test_add_func ("/manager/config/values/public-url", test_public_url);
  g_test_add_func ("/manager/config/values/trusted-proxies", test_trusted_proxies);
  for (guint i = 0; i < G_N_ELEMENTS (mistakes); i++)
    {
      g_autofree char *path = g_strconcat ("/manager/config/mistake/", mistakes[i].name, NULL);

      g_test_add (path, Fixture, &mistakes[i], fixture_set_up, test_mistake, fixture_tear_down);
    }
  ADD ("/manager/config/mistake/all-at-once", test_every_mistake);
  ADD ("/manager/config/daemon/ready", test_daemon_ready);
  ADD ("/manager/config/daemon/credentials", test_daemon_credentials);
  ADD ("/manager/config/daemon/files", test_daemon_files);
  ADD ("/manager/config/daemon/missing", test_daemon_missing);
  ADD ("/manager/config/sample", test_sample);
  ADD ("/manager/config/hostile/10mb", test_huge_file);
  ADD ("/manager/config/hostile/5000-types", test_many_types);
  ADD ("/manager/config/hostile/many-problems", test_many_problems);
  ADD ("/manager/config/hostile/many-proxies", test_many_proxies);
  ADD ("/manager/config/hostile/nul-byte", test_nul_byte);
  ADD ("/manager/config/hostile/invalid-utf8", test_invalid_utf8);
  ADD ("/manager/config/hostile/long-lines", test_long_lines);
  ADD ("/manager/config/hostile/garbage", test_garbage);
  ADD ("/manager/config/hostile/unreadable", test_unreadable);
#undef ADD

  return g_test_run ();
}
