/* test-credentials.c — CnvFileCredentials: password files and systemd credentials
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CnvSecretCredentials, against a real gnome-keyring, is in test-credentials-secret.c.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <glib/gstdio.h>

#include "cnv-file-credentials.h"
#include "credentials-test-common.h"
#include "log-guard.h"

typedef struct
{
  char *dir;
  char *old_cwd;
} FileFixture;

static void
file_fixture_set_up (FileFixture   *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("cnv-credentials-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->old_cwd = g_get_current_dir ();
  g_unsetenv ("CREDENTIALS_DIRECTORY");
}

static void
file_fixture_tear_down (FileFixture   *fixture,
                        gconstpointer  data)
{
  g_unsetenv ("CREDENTIALS_DIRECTORY");
  g_assert_cmpint (g_chdir (fixture->old_cwd), ==, 0);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->old_cwd);
}

/* Writes @length bytes of @contents (-1: a string) into @name under the fixture's directory
 * with exactly @mode, and returns its path. */
static char *
write_file (FileFixture *fixture,
            const char  *name,
            const char  *contents,
            gssize       length,
            int          mode)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->dir, name, NULL);

  g_file_set_contents_full (path, contents, length, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static char *
lookup_file (const char  *imap_path,
             const char  *smtp_path,
             const char  *protocol,
             GError     **error)
{
  g_autoptr(CnvFileCredentials) credentials = cnv_file_credentials_new (imap_path, smtp_path);
  g_autoptr(CnvMailServer) server = make_server ("mail.example.test", "manager");

  return lookup (CNV_CREDENTIALS (credentials), protocol, server, NULL, error);
}

/* The file's contents are refused with @code; the message names the file, never the
 * contents. */
static void
assert_file_refused (FileFixture *fixture,
                     const char  *contents,
                     gssize       length,
                     int          mode,
                     int          code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_file (fixture, "refused", contents, length, mode);
  g_autofree char *secret = lookup_file (path, NULL, "imap", &error);

  g_assert_null (secret);
  g_assert_error (error, CNV_CREDENTIALS_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  assert_error_hides (error, MARKER);
  g_assert_cmpint (g_unlink (path), ==, 0);
}

static void
test_file_good (FileFixture   *fixture,
                gconstpointer  data)
{
  g_autofree char *imap_path = write_file (fixture, "imap", "imap-" MARKER "-1", -1, 0600);
  g_autofree char *smtp_path = write_file (fixture, "smtp", "smtp-" MARKER "-2\n", -1, 0400);
  g_autoptr(CnvFileCredentials) credentials = cnv_file_credentials_new (imap_path, smtp_path);
  g_autoptr(CnvMailServer) server = make_server ("mail.example.test", "manager");
  g_autoptr(GError) error = NULL;
  char *imap;
  char *smtp;

  g_assert_true (CNV_IS_CREDENTIALS (credentials));
  g_assert_cmpstr (cnv_file_credentials_get_path (credentials, "imap"), ==, imap_path);
  g_assert_cmpstr (cnv_file_credentials_get_path (credentials, "smtp"), ==, smtp_path);

  imap = lookup (CNV_CREDENTIALS (credentials), "imap", server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imap, ==, "imap-" MARKER "-1");
  cnv_credentials_secret_free (imap);

  smtp = lookup (CNV_CREDENTIALS (credentials), "smtp", server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (smtp, ==, "smtp-" MARKER "-2");
  cnv_credentials_secret_free (smtp);

  /* The file is read at each look-up: a new password is used at the next connection. */
  g_free (write_file (fixture, "imap", "imap-" MARKER "-3\n", -1, 0600));
  imap = lookup (CNV_CREDENTIALS (credentials), "imap", server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imap, ==, "imap-" MARKER "-3");
  cnv_credentials_secret_free (imap);

  cnv_credentials_secret_free (NULL);
}

static void
test_file_same_for_both (FileFixture   *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = write_file (fixture, "password", "both-" MARKER "\n", -1, 0600);
  g_autoptr(GError) error = NULL;
  g_autofree char *imap = lookup_file (path, path, "imap", &error);
  g_autofree char *smtp = NULL;

  g_assert_no_error (error);
  smtp = lookup_file (path, path, "smtp", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imap, ==, "both-" MARKER);
  g_assert_cmpstr (smtp, ==, "both-" MARKER);
}

static void
test_file_line_endings (FileFixture   *fixture,
                        gconstpointer  data)
{
  static const struct { const char *contents; const char *expected; } cases[] = {
    { "a-" MARKER "\n", "a-" MARKER },
    { "a-" MARKER "\r\n", "a-" MARKER },
    { "a-" MARKER, "a-" MARKER },
    { "a-" MARKER "  ", "a-" MARKER "  " },     /* trailing spaces are the password's */
    { " a-" MARKER "\t\n", " a-" MARKER "\t" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_file (fixture, "password", cases[i].contents, -1, 0600);
      g_autofree char *secret = lookup_file (path, NULL, "imap", &error);

      g_assert_no_error (error);
      g_assert_cmpstr (secret, ==, cases[i].expected);
    }

  /* Only one line ending is stripped; what is left must be one line. */
  assert_file_refused (fixture, "a-" MARKER "\n\n", -1, 0600, CNV_CREDENTIALS_ERROR_FAILED);
  assert_file_refused (fixture, "a-" MARKER "\r\n\r\n", -1, 0600, CNV_CREDENTIALS_ERROR_FAILED);
  assert_file_refused (fixture, "a-" MARKER "\r", -1, 0600, CNV_CREDENTIALS_ERROR_FAILED);
  assert_file_refused (fixture, "a-" MARKER "\nsecond line\n", -1, 0600,
                       CNV_CREDENTIALS_ERROR_FAILED);
}

static void
test_file_bad_contents (FileFixture   *fixture,
                        gconstpointer  data)
{
  static const char with_nul[] = "a-" MARKER "\0b\n";
  static const char not_utf8[] = "a-" MARKER "\xff\xfe\n";

  assert_file_refused (fixture, with_nul, sizeof with_nul - 1, 0600,
                       CNV_CREDENTIALS_ERROR_FAILED);
  assert_file_refused (fixture, "a-" MARKER "\rb", -1, 0600, CNV_CREDENTIALS_ERROR_FAILED);
  assert_file_refused (fixture, "a-" MARKER "\nb", -1, 0600, CNV_CREDENTIALS_ERROR_FAILED);
  assert_file_refused (fixture, not_utf8, -1, 0600, CNV_CREDENTIALS_ERROR_FAILED);
}

static void
test_file_insecure (FileFixture   *fixture,
                    gconstpointer  data)
{
  static const int modes[] = { 0644, 0640, 0604, 0620, 0602, 0666, 0660 };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_file (fixture, "password", "a-" MARKER "\n", -1, modes[i]);
      g_autofree char *secret = lookup_file (path, NULL, "imap", &error);
      g_autofree char *mode = g_strdup_printf ("%04o", modes[i]);

      g_assert_null (secret);
      g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_INSECURE);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, "chmod 600"));
      g_assert_nonnull (strstr (error->message, mode));
      assert_error_hides (error, "a-" MARKER);
    }

  /* Stricter than 0600 is fine, and so is an owner's execute bit. */
  for (guint i = 0; i < 3; i++)
    {
      static const int fine[] = { 0400, 0200 | 0400, 0700 };
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_file (fixture, "password", "a-" MARKER "\n", -1, fine[i]);
      g_autofree char *secret = lookup_file (path, NULL, "imap", &error);

      g_assert_no_error (error);
      g_assert_cmpstr (secret, ==, "a-" MARKER);
    }
}

static void
test_file_missing (FileFixture   *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "no-such-file", NULL);
  g_autofree char *smtp_path = write_file (fixture, "smtp", "s-" MARKER, -1, 0600);
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = lookup_file (path, NULL, "imap", &error);

  g_assert_null (secret);
  g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  /* No file for one protocol: that protocol has no password, the other one still works. */
  for (guint i = 0; i < 2; i++)
    {
      const char *none = i == 0 ? NULL : "";
      g_autoptr(CnvFileCredentials) credentials = cnv_file_credentials_new (none, smtp_path);
      g_autoptr(CnvMailServer) server = make_server ("mail.example.test", "manager");
      g_autofree char *imap = lookup (CNV_CREDENTIALS (credentials), "imap", server, NULL, &error);
      g_autofree char *smtp = NULL;

      g_assert_null (imap);
      g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND);
      g_assert_null (cnv_file_credentials_get_path (credentials, "imap"));
      g_clear_error (&error);
      smtp = lookup (CNV_CREDENTIALS (credentials), "smtp", server, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (smtp, ==, "s-" MARKER);
    }
}

static void
test_file_empty (FileFixture   *fixture,
                 gconstpointer  data)
{
  static const char * const empty[] = { "", "\n", "\r\n" };

  for (guint i = 0; i < G_N_ELEMENTS (empty); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_file (fixture, "password", empty[i], -1, 0600);
      g_autofree char *secret = lookup_file (path, NULL, "smtp", &error);
      g_autofree char *imap = NULL;

      g_assert_null (secret);
      g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND);
      g_clear_error (&error);

      imap = lookup_file (path, NULL, "imap", &error);
      g_assert_null (imap);
      g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, "empty"));
    }
}

static void
test_file_too_big (FileFixture   *fixture,
                   gconstpointer  data)
{
  g_autofree char *biggest = g_strnfill (CNV_FILE_CREDENTIALS_MAX_SIZE, 'x');
  g_autofree char *too_big = g_strnfill (CNV_FILE_CREDENTIALS_MAX_SIZE + 1, 'x');
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *secret = NULL;

  memcpy (biggest, MARKER, strlen (MARKER));
  memcpy (too_big, MARKER, strlen (MARKER));

  path = write_file (fixture, "password", biggest, -1, 0600);
  secret = lookup_file (path, NULL, "imap", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, biggest);

  assert_file_refused (fixture, too_big, -1, 0600, CNV_CREDENTIALS_ERROR_FAILED);
  /* 4 KiB of password and a line ending: over the limit too (the limit is the file's). */
  too_big[CNV_FILE_CREDENTIALS_MAX_SIZE] = '\n';
  assert_file_refused (fixture, too_big, -1, 0600, CNV_CREDENTIALS_ERROR_FAILED);
}

static void
test_file_not_regular (FileFixture   *fixture,
                       gconstpointer  data)
{
  g_autofree char *fifo = g_build_filename (fixture->dir, "fifo", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;

  /* A directory, and a FIFO nobody writes to (opening it must not hang). */
  secret = lookup_file (fixture->dir, NULL, "imap", &error);
  g_assert_null (secret);
  g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED);
  g_clear_error (&error);

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  secret = lookup_file (fifo, NULL, "imap", &error);
  g_assert_null (secret);
  g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
}

/* systemd's LoadCredential=NAME:PATH puts the file in $CREDENTIALS_DIRECTORY, a directory only
 * the service can read; systemd sets the file's mode, so it is not checked there. */
static void
test_file_systemd_credential (FileFixture   *fixture,
                              gconstpointer  data)
{
  g_autofree char *creds = g_build_filename (fixture->dir, "credentials", NULL);
  g_autofree char *expected = g_build_filename (creds, "imap-password", NULL);
  g_autofree char *smtp_expected = g_build_filename (creds, "smtp-password", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvMailServer) server = make_server ("mail.example.test", "manager");
  g_autoptr(CnvFileCredentials) credentials = NULL;
  g_autoptr(CnvFileCredentials) in_cwd = NULL;
  g_autofree char *imap = NULL;
  g_autofree char *smtp = NULL;
  g_autofree char *sub = NULL;

  g_assert_cmpint (g_mkdir (creds, 0700), ==, 0);
  g_free (write_file (fixture, "credentials/imap-password", "cred-" MARKER "\n", -1, 0644));
  g_free (write_file (fixture, "credentials/smtp-password", "cred-smtp-" MARKER, -1, 0440));
  /* The same names in the working directory must not be read while the service has
   * credentials. */
  g_free (write_file (fixture, "imap-password", "cwd-" MARKER, -1, 0600));
  g_assert_cmpint (g_chdir (fixture->dir), ==, 0);

  g_setenv ("CREDENTIALS_DIRECTORY", creds, TRUE);
  credentials = cnv_file_credentials_new ("imap-password", smtp_expected);
  g_assert_cmpstr (cnv_file_credentials_get_path (credentials, "imap"), ==, expected);
  imap = lookup (CNV_CREDENTIALS (credentials), "imap", server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imap, ==, "cred-" MARKER);
  /* A full path into the credentials directory (`%d/smtp-password` in the unit) too. */
  smtp = lookup (CNV_CREDENTIALS (credentials), "smtp", server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (smtp, ==, "cred-smtp-" MARKER);
  g_clear_object (&credentials);
  g_clear_pointer (&imap, g_free);

  /* A credential that the unit does not load is not found, even if the working directory
   * has a file of that name. */
  credentials = cnv_file_credentials_new ("missing-password", NULL);
  imap = lookup (CNV_CREDENTIALS (credentials), "imap", server, NULL, &error);
  g_assert_null (imap);
  g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, creds));
  g_clear_error (&error);
  g_clear_object (&credentials);

  /* A relative path with a '/' is a path, even with credentials. */
  g_assert_cmpint (g_mkdir ("sub", 0700), ==, 0);
  g_free (write_file (fixture, "sub/password", "sub-" MARKER, -1, 0600));
  credentials = cnv_file_credentials_new ("sub/password", "./imap-password");
  sub = g_build_filename (fixture->dir, "sub", "password", NULL);
  g_assert_cmpstr (cnv_file_credentials_get_path (credentials, "imap"), ==, sub);
  imap = lookup (CNV_CREDENTIALS (credentials), "imap", server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imap, ==, "sub-" MARKER);
  g_clear_pointer (&imap, g_free);
  imap = lookup (CNV_CREDENTIALS (credentials), "smtp", server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imap, ==, "cwd-" MARKER);
  g_clear_pointer (&imap, g_free);

  /* Without $CREDENTIALS_DIRECTORY a bare name is a file in the working directory, and its
   * mode is checked. */
  g_unsetenv ("CREDENTIALS_DIRECTORY");
  in_cwd = cnv_file_credentials_new ("imap-password", NULL);
  g_clear_pointer (&expected, g_free);
  expected = g_build_filename (fixture->dir, "imap-password", NULL);
  g_assert_cmpstr (cnv_file_credentials_get_path (in_cwd, "imap"), ==, expected);
  imap = lookup (CNV_CREDENTIALS (in_cwd), "imap", server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imap, ==, "cwd-" MARKER);
  g_clear_pointer (&imap, g_free);

  g_assert_cmpint (g_chmod ("imap-password", 0644), ==, 0);
  imap = lookup (CNV_CREDENTIALS (in_cwd), "imap", server, NULL, &error);
  g_assert_null (imap);
  g_assert_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_INSECURE);
}

static void
test_file_cancelled (FileFixture   *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = write_file (fixture, "password", "a-" MARKER, -1, 0600);
  g_autoptr(CnvFileCredentials) credentials = cnv_file_credentials_new (path, path);
  g_autoptr(CnvMailServer) server = make_server ("mail.example.test", "manager");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;

  g_cancellable_cancel (cancellable);
  secret = lookup (CNV_CREDENTIALS (credentials), "imap", server, cancellable, &error);
  g_assert_null (secret);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  /* The engine's debug messages are on, so that the log guard checks them for secrets too. */
  log_guard_install ();
  log_guard_forbid (MARKER);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/credentials/file/good", FileFixture, NULL,
              file_fixture_set_up, test_file_good, file_fixture_tear_down);
  g_test_add ("/engine/credentials/file/same-for-both", FileFixture, NULL,
              file_fixture_set_up, test_file_same_for_both, file_fixture_tear_down);
  g_test_add ("/engine/credentials/file/line-endings", FileFixture, NULL,
              file_fixture_set_up, test_file_line_endings, file_fixture_tear_down);
  g_test_add ("/engine/credentials/file/bad-contents", FileFixture, NULL,
              file_fixture_set_up, test_file_bad_contents, file_fixture_tear_down);
  g_test_add ("/engine/credentials/file/insecure", FileFixture, NULL,
              file_fixture_set_up, test_file_insecure, file_fixture_tear_down);
  g_test_add ("/engine/credentials/file/missing", FileFixture, NULL,
              file_fixture_set_up, test_file_missing, file_fixture_tear_down);
  g_test_add ("/engine/credentials/file/empty", FileFixture, NULL,
              file_fixture_set_up, test_file_empty, file_fixture_tear_down);
  g_test_add ("/engine/credentials/file/too-big", FileFixture, NULL,
              file_fixture_set_up, test_file_too_big, file_fixture_tear_down);
  g_test_add ("/engine/credentials/file/not-regular", FileFixture, NULL,
              file_fixture_set_up, test_file_not_regular, file_fixture_tear_down);
  g_test_add ("/engine/credentials/file/systemd-credential", FileFixture, NULL,
              file_fixture_set_up, test_file_systemd_credential, file_fixture_tear_down);
  g_test_add ("/engine/credentials/file/cancelled", FileFixture, NULL,
              file_fixture_set_up, test_file_cancelled, file_fixture_tear_down);

  return g_test_run ();
}
