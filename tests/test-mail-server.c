/* test-mail-server.c — the test mail stack itself: tests/mailstack/mailstack.sh and its fixture
 *
 * Every other mail test trusts this stack, so this one checks it for real: each port answers,
 * TLS verifies against the stack's CA (and only against it), a message submitted with AUTH is
 * delivered, unknown recipients are refused, the fast fill and delivery work, Dovecot restarts on
 * the same ports, and stopping leaves no process behind, even when the owner dies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "line-client.h"
#include "mailstack-fixture.h"

/* One stack for the whole program, started on first use; /mailstack/stop stops it. */
static CnvMailstack *stack;

static CnvMailstack *
get_stack (void)
{
  if (stack == NULL)
    {
      g_autoptr(GError) error = NULL;

      stack = cnv_mailstack_start (&error);
      g_assert_no_error (error);
      g_assert_nonnull (stack);
    }
  return stack;
}

static GTlsDatabase *
stack_database (void)
{
  g_autoptr(GError) error = NULL;
  GTlsDatabase *database;

  g_assert_true (g_tls_backend_supports_tls (g_tls_backend_get_default ()));
  database = g_tls_file_database_new (get_stack ()->ca_file, &error);
  g_assert_no_error (error);
  return database;
}

/* An IMAP session over STARTTLS, logged in as @user. */
static LineClient *
imap_login (const char *user)
{
  g_autoptr(GTlsDatabase) database = stack_database ();
  g_autofree char *password = cnv_mailstack_get_password (get_stack (), user);
  g_autofree char *banner = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *login = NULL;
  g_autoptr(GError) error = NULL;
  LineClient *line = line_client_open (get_stack ()->imap_port);

  g_assert_nonnull (password);
  banner = line_client_read (line);
  g_assert_true (g_str_has_prefix (banner, "* OK "));
  reply = line_client_imap_command (line, "t1", "STARTTLS");
  g_assert_true (line_client_start_tls (line, database, "127.0.0.1", &error));
  g_assert_no_error (error);
  login = g_strdup_printf ("LOGIN \"%s@%s\" \"%s\"", user, get_stack ()->domain, password);
  g_free (line_client_imap_command (line, "t2", login));
  return line;
}

/* The number of messages in @user's INBOX, as Dovecot tells it (RFC 9051 §6.3.11 STATUS). */
static guint
imap_count (const char *user)
{
  g_autoptr(LineClient) line = imap_login (user);
  g_autofree char *reply = line_client_imap_command (line, "t3", "STATUS INBOX (MESSAGES)");
  g_autoptr(GRegex) regex = g_regex_new ("^\\* STATUS \"?INBOX\"? \\(MESSAGES (\\d+)\\)",
                                         G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *number = NULL;
  guint64 count = 0;

  g_assert_true (g_regex_match (regex, reply, 0, &match));
  number = g_match_info_fetch (match, 1);
  g_assert_true (g_ascii_string_to_unsigned (number, 10, 0, G_MAXUINT, &count, NULL));
  g_free (line_client_imap_command (line, "t4", "LOGOUT"));
  return (guint) count;
}

static void
wait_for_count (const char *user,
                guint       expected)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (cnv_mailstack_count_messages (get_stack (), user, "INBOX") < expected
         && g_get_monotonic_time () < end)
    g_usleep (50 * 1000);
  g_assert_cmpuint (cnv_mailstack_count_messages (get_stack (), user, "INBOX"), ==, expected);
}

/* The text of the files of @user's INBOX that contain @needle. */
static guint
count_files_containing (const char *user,
                        const char *needle)
{
  static const char * const subdirs[] = { "new", "cur" };
  guint found = 0;

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (get_stack ()->dir, "mail", get_stack ()->domain,
                                                user, "Maildir", subdirs[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *file = g_build_filename (path, name, NULL);
          g_autofree char *text = NULL;

          if (g_file_get_contents (file, &text, NULL, NULL) && strstr (text, needle) != NULL)
            found++;
        }
    }
  return found;
}

static char *
read_text (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* --- processes of a stack, found independently of the script ------------------------------- */

static gboolean
process_alive (const char *pid)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "stat", NULL);
  g_autofree char *text = NULL;
  const char *end;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  end = strrchr (text, ')');
  /* A zombie has ended; reaping it is its parent's business (here often pid 1). */
  return end != NULL && end[1] == ' ' && end[2] != 'Z' && end[2] != 'X';
}

static char *
read_nul_list (const char *pid,
               const char *what)
{
  g_autofree char *path = g_build_filename ("/proc", pid, what, NULL);
  char *data = NULL;
  gsize size = 0;
  char *text;

  if (!g_file_get_contents (path, &data, &size, NULL))
    return NULL;
  for (gsize i = 0; i < size; i++)
    if (data[i] == '\0')
      data[i] = '\n';
  text = g_strconcat ("\n", data, "\n", NULL);
  g_free (data);
  return text;
}

/* Every live process of the stack in @dir: anything with @dir on its command line (Dovecot's
 * master, the watchdog), Dovecot's children (titled after the instance name), Postfix's
 * processes (MAIL_CONFIG in their environment). */
static GPtrArray *
stack_processes (const char *dir)
{
  g_autofree char *id_file = g_build_filename (dir, ".mailstack", NULL);
  g_autofree char *id = NULL;
  g_autofree char *title = NULL;
  g_autofree char *mail_config = g_strdup_printf ("\nMAIL_CONFIG=%s/postfix\n", dir);
  g_autofree char *self = g_strdup_printf ("%d", (int) getpid ());
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (proc);
  if (g_file_get_contents (id_file, &id, NULL, NULL))
    title = g_strdup_printf ("mailstack-%s/", g_strstrip (id));
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *cmdline = NULL;
      g_autofree char *environment = NULL;
      gboolean ours;

      if (!g_ascii_isdigit (name[0]) || strcmp (name, self) == 0)
        continue;
      cmdline = read_nul_list (name, "cmdline");
      if (cmdline == NULL)
        continue;
      ours = strstr (cmdline, dir) != NULL || (title != NULL && strstr (cmdline, title) != NULL);
      if (!ours)
        {
          environment = read_nul_list (name, "environ");
          ours = environment != NULL && strstr (environment, mail_config) != NULL;
        }
      if (ours && process_alive (name))
        g_ptr_array_add (found, g_strdup (name));
    }
  return found;
}

static char *
describe_processes (GPtrArray *pids)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < pids->len; i++)
    {
      g_autofree char *cmdline = read_nul_list (pids->pdata[i], "cmdline");

      g_string_append_printf (text, "%s:%s", (char *) pids->pdata[i],
                              cmdline != NULL ? g_strdelimit (cmdline, "\n", ' ') : "?");
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
assert_banner (guint16     port,
               const char *prefix)
{
  g_autoptr(LineClient) line = line_client_open (port);
  g_autofree char *banner = line_client_read (line);

  g_test_message ("port %u: %s", port, banner);
  g_assert_true (g_str_has_prefix (banner, prefix));
}

/* --- the tests ------------------------------------------------------------------------------ */

static void
test_ports (void)
{
  CnvMailstack *s = get_stack ();
  g_autofree char *env = read_text (s->dir, "env");
  g_auto(GStrv) lines = g_strsplit (env, "\n", -1);
  g_autoptr(LineClient) imap = NULL;
  g_autofree char *banner = NULL;
  const char *users = NULL;
  g_auto(GStrv) names = NULL;

  g_assert_cmpstr (s->host, ==, "127.0.0.1");
  g_assert_cmpstr (s->domain, ==, "example.test");
  g_assert_true (g_file_test (s->ca_file, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (s->dovecot_log, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (s->postfix_log, G_FILE_TEST_IS_REGULAR));

  /* IMAP greets with "* OK" and offers STARTTLS (RFC 9051 §7.1.1, §6.2.1) … */
  imap = line_client_open (s->imap_port);
  banner = line_client_read (imap);
  g_assert_true (g_str_has_prefix (banner, "* OK "));
  g_assert_nonnull (strstr (banner, "STARTTLS"));
  /* … LMTP, submission and SMTP with 220 (RFC 2033 §4.1, RFC 5321 §4.3.1). */
  assert_banner (s->lmtp_port, "220 ");
  assert_banner (s->submission_port, "220 ");
  assert_banner (s->smtp_port, "220 ");

  /* The default users, each with a private password file; no password in the env file. */
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "USERS="))
      users = lines[i] + strlen ("USERS=");
  g_assert_cmpstr (users, ==, "alice,bob,carol,dave,videoconference,whiteboard");
  names = g_strsplit (users, ",", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *password = cnv_mailstack_get_password (s, names[i]);
      g_autofree char *address = g_strdup_printf ("%s@%s", names[i], s->domain);
      g_autofree char *same = cnv_mailstack_get_password (s, address);
      g_autofree char *path = g_build_filename (s->dir, "passwords", names[i], NULL);
      struct stat st;

      g_assert_nonnull (password);
      g_assert_cmpuint (strlen (password), >=, 16);
      g_assert_cmpstr (same, ==, password);
      g_assert_null (strstr (env, password));
      g_assert_cmpint (stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    }
  g_assert_null (cnv_mailstack_get_password (s, "mallory"));
  g_assert_null (cnv_mailstack_get_password (s, "alice@elsewhere.example"));
  g_assert_null (cnv_mailstack_get_password (s, "../env"));
}

static void
test_tls_ca (void)
{
  CnvMailstack *s = get_stack ();
  g_autoptr(GTlsDatabase) database = stack_database ();
  static const char * const names[] = { "127.0.0.1", "localhost" };

  /* The certificate verifies against the stack's CA, for both names it is issued to. */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(LineClient) line = line_client_open (s->imaps_port);
      g_autoptr(GError) error = NULL;
      g_autofree char *banner = NULL;

      g_assert_true (line_client_start_tls (line, database, names[i], &error));
      g_assert_no_error (error);
      banner = line_client_read (line);
      g_assert_true (g_str_has_prefix (banner, "* OK "));
    }

  /* Not for another name (RFC 6125 §6.4) … */
  {
    g_autoptr(LineClient) line = line_client_open (s->imaps_port);
    g_autoptr(GError) error = NULL;

    g_assert_false (line_client_start_tls (line, database, "mail.example.org", &error));
    g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  }

  /* … and not against the system's store: the check is real, nothing accepts it blindly. */
  {
    g_autoptr(LineClient) line = line_client_open (s->imaps_port);
    g_autoptr(GError) error = NULL;

    g_assert_false (line_client_start_tls (line, NULL, "localhost", &error));
    g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  }
}

static void
test_imap_starttls (void)
{
  g_autoptr(LineClient) line = imap_login ("bob");
  g_autofree char *capability = line_client_imap_command (line, "a1", "CAPABILITY");

  /* RFC 9051 §6.2.1: after STARTTLS the server no longer offers it. */
  g_assert_nonnull (strstr (capability, "* CAPABILITY "));
  g_assert_null (strstr (capability, "STARTTLS"));
  g_free (line_client_imap_command (line, "a2", "SELECT INBOX"));
  g_free (line_client_imap_command (line, "a3", "LOGOUT"));
}

/* A submission session of @user after EHLO, STARTTLS, EHLO and AUTH PLAIN (RFC 4954, RFC 4616);
 * @password NULL means the user's own. */
static LineClient *
submission_login (const char *user,
                  const char *password,
                  guint       expected)
{
  CnvMailstack *s = get_stack ();
  g_autoptr(GTlsDatabase) database = stack_database ();
  g_autofree char *own = cnv_mailstack_get_password (s, user);
  g_autofree char *address = g_strdup_printf ("%s@%s", user, s->domain);
  g_autofree char *ehlo = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *command = NULL;
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  LineClient *line = line_client_open (s->submission_port);

  if (password == NULL)
    password = own;
  g_assert_nonnull (password);
  line_client_smtp_expect (line, 220, NULL);
  line_client_send (line, "EHLO client.example.test");
  g_assert_cmpuint (line_client_smtp_reply (line, &ehlo), ==, 250);
  g_assert_nonnull (strstr (ehlo, "STARTTLS"));
  line_client_smtp_expect (line, 220, "STARTTLS");
  g_assert_true (line_client_start_tls (line, database, "localhost", &error));
  g_assert_no_error (error);
  g_clear_pointer (&ehlo, g_free);
  line_client_send (line, "EHLO client.example.test");
  g_assert_cmpuint (line_client_smtp_reply (line, &ehlo), ==, 250);
  g_assert_nonnull (strstr (ehlo, "AUTH"));
  g_assert_nonnull (strstr (ehlo, "PLAIN"));

  /* RFC 4616 §2: authzid NUL authcid NUL passwd. */
  g_byte_array_append (plain, (const guint8 *) "", 1);
  g_byte_array_append (plain, (const guint8 *) address, strlen (address));
  g_byte_array_append (plain, (const guint8 *) "", 1);
  g_byte_array_append (plain, (const guint8 *) password, strlen (password));
  encoded = g_base64_encode (plain->data, plain->len);
  command = g_strdup_printf ("AUTH PLAIN %s", encoded);
  line_client_smtp_expect (line, expected, command);
  return line;
}

static void
test_submission (void)
{
  CnvMailstack *s = get_stack ();
  g_autoptr(LineClient) line = submission_login ("alice", NULL, 235);
  g_autofree char *password = cnv_mailstack_get_password (s, "alice");
  g_autofree char *id = g_strdup_printf ("submitted-%" G_GINT64_FORMAT "@example.test",
                                         g_get_real_time ());
  guint before = cnv_mailstack_count_messages (s, "bob", "INBOX");
  g_autofree char *escaped = NULL;
  g_autofree char *pattern = NULL;
  g_autoptr(GRegex) delivered = NULL;
  gint64 end;
  gboolean logged = FALSE;

  line_client_smtp_expect (line, 250, "MAIL FROM:<alice@example.test>");
  line_client_smtp_expect (line, 250, "RCPT TO:<bob@example.test>");
  line_client_smtp_expect (line, 354, "DATA");
  line_client_send (line, "From: Alice <alice@example.test>\r\n"
                   "To: Bob <bob@example.test>\r\n"
                   "Subject: Through the submission port\r\n"
                   "Message-ID: <%s>\r\n"
                   "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n"
                   "\r\n"
                   "Relayed by Postfix, delivered by LMTP.", id);
  line_client_smtp_expect (line, 250, ".");
  line_client_smtp_expect (line, 221, "QUIT");

  /* Postfix hands it to Dovecot by LMTP: it lands in bob's maildir. */
  wait_for_count ("bob", before + 1);
  g_assert_cmpuint (count_files_containing ("bob", id), ==, 1);

  /* The LMTP delivery is logged with a microsecond timestamp and Dovecot's own delivery time,
   * which the delivery-latency benchmark reads. */
  escaped = g_regex_escape_string (id, -1);
  pattern = g_strdup_printf ("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} "
                             "lmtp\\(bob@example\\.test\\).*msgid=<%s>.*"
                             "delivery_time=\\d+ms: saved mail to INBOX$",
                             escaped);
  delivered = g_regex_new (pattern, G_REGEX_MULTILINE, 0, NULL);
  g_assert_nonnull (delivered);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!logged && g_get_monotonic_time () < end)
    {
      g_autofree char *log = NULL;

      g_assert_true (g_file_get_contents (s->dovecot_log, &log, NULL, NULL));
      logged = g_regex_match (delivered, log, 0, NULL);
      if (!logged)
        g_usleep (50 * 1000);
    }
  g_assert_true (logged);

  /* No log holds the password. */
  {
    g_autofree char *dovecot = NULL;
    g_autofree char *postfix = NULL;

    g_assert_true (g_file_get_contents (s->dovecot_log, &dovecot, NULL, NULL));
    g_assert_true (g_file_get_contents (s->postfix_log, &postfix, NULL, NULL));
    g_assert_null (strstr (dovecot, password));
    g_assert_null (strstr (postfix, password));
  }
}

static void
test_refused (void)
{
  CnvMailstack *s = get_stack ();

  /* A wrong password: 535 (RFC 4954 §6). */
  {
    g_autoptr(LineClient) line = submission_login ("alice", "not-the-password", 535);

    line_client_smtp_expect (line, 221, "QUIT");
  }

  /* Unknown recipients are refused at RCPT with 550, relaying elsewhere with a 5yz: nothing
   * can leave the machine. Through submission … */
  {
    g_autoptr(LineClient) line = submission_login ("alice", NULL, 235);
    g_autofree char *text = NULL;

    line_client_smtp_expect (line, 250, "MAIL FROM:<alice@example.test>");
    line_client_smtp_expect (line, 550, "RCPT TO:<nobody@example.test>");
    line_client_send (line, "RCPT TO:<someone@elsewhere.example>");
    g_assert_cmpuint (line_client_smtp_reply (line, &text) / 100, ==, 5);
    line_client_smtp_expect (line, 250, "RCPT TO:<carol@example.test>");
    line_client_smtp_expect (line, 250, "RSET");
    line_client_smtp_expect (line, 221, "QUIT");
  }

  /* … and at Postfix itself. */
  {
    g_autoptr(LineClient) line = line_client_open (s->smtp_port);
    g_autofree char *text = NULL;

    line_client_smtp_expect (line, 220, NULL);
    line_client_smtp_expect (line, 250, "EHLO client.example.test");
    line_client_smtp_expect (line, 250, "MAIL FROM:<someone@example.test>");
    line_client_smtp_expect (line, 550, "RCPT TO:<nobody@example.test>");
    line_client_send (line, "RCPT TO:<someone@elsewhere.example>");
    g_assert_cmpuint (line_client_smtp_reply (line, &text) / 100, ==, 5);
    line_client_smtp_expect (line, 250, "RCPT TO:<bob@example.test>");
    line_client_smtp_expect (line, 250, "RSET");
    line_client_smtp_expect (line, 221, "QUIT");
  }
}

static void
test_fill (void)
{
  CnvMailstack *s = get_stack ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LineClient) line = NULL;
  g_autofree char *last = NULL;
  gint64 start;

  g_assert_cmpuint (cnv_mailstack_count_messages (s, "carol", NULL), ==, 0);
  start = g_get_monotonic_time ();
  g_assert_true (cnv_mailstack_fill (s, "carol", 1000, &error));
  g_assert_no_error (error);
  g_test_message ("1000 messages in %.2f s",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  g_assert_cmpuint (cnv_mailstack_count_messages (s, "carol", "INBOX"), ==, 1000);
  g_assert_cmpuint (cnv_mailstack_count_messages (s, "carol@example.test", NULL), ==, 1000);
  g_assert_cmpuint (imap_count ("carol"), ==, 1000);

  /* Distinct messages, numbered in UID order. */
  line = imap_login ("carol");
  g_free (line_client_imap_command (line, "f1", "EXAMINE INBOX"));
  last = line_client_imap_command (line, "f2", "UID FETCH * (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
  g_assert_nonnull (strstr (last, "Subject: Message 1000 of 1000"));
  g_free (line_client_imap_command (line, "f3", "LOGOUT"));

  g_assert_false (cnv_mailstack_fill (s, "mallory", 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

static void
test_deliver (void)
{
  CnvMailstack *s = get_stack ();
  const char *text = "From: Whiteboard <whiteboard@example.test>\r\n"
                     "To: Dave <dave@example.test>\r\n"
                     "Subject: Delivered straight\r\n"
                     "Message-ID: <straight-1@example.test>\r\n"
                     "\r\n"
                     "No SMTP, no LMTP.\r\n";
  g_autoptr(GBytes) message = g_bytes_new_static (text, strlen (text));
  g_autoptr(GError) error = NULL;
  guint before = cnv_mailstack_count_messages (s, "dave", NULL);

  g_assert_true (cnv_mailstack_deliver (s, "dave", message, &error));
  g_assert_no_error (error);
  g_assert_true (cnv_mailstack_deliver (s, "dave@example.test", message, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cnv_mailstack_count_messages (s, "dave", NULL), ==, before + 2);
  g_assert_cmpuint (count_files_containing ("dave", "<straight-1@example.test>"), ==, 2);
  g_assert_cmpuint (imap_count ("dave"), ==, before + 2);

  g_assert_false (cnv_mailstack_deliver (s, "mallory", message, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

static void
test_restart_dovecot (void)
{
  CnvMailstack *s = get_stack ();
  g_autofree char *run = g_build_filename (s->dir, "dovecot", "run", NULL);
  g_autofree char *pid_before = read_text (run, "master.pid");
  g_autofree char *pid_after = NULL;
  g_autofree char *env_before = read_text (s->dir, "env");
  g_autofree char *env_after = NULL;
  g_autoptr(GError) error = NULL;
  guint bob = imap_count ("bob");
  guint carol = cnv_mailstack_count_messages (s, "carol", NULL);

  g_assert_true (cnv_mailstack_restart_dovecot (s, &error));
  g_assert_no_error (error);

  /* Another Dovecot, on the same ports, with the same mail. */
  pid_after = read_text (run, "master.pid");
  g_assert_cmpstr (pid_after, !=, pid_before);
  env_after = read_text (s->dir, "env");
  g_assert_cmpstr (env_after, ==, env_before);
  assert_banner (s->imap_port, "* OK ");
  assert_banner (s->lmtp_port, "220 ");
  assert_banner (s->submission_port, "220 ");
  assert_banner (s->smtp_port, "220 ");
  g_assert_cmpuint (imap_count ("bob"), ==, bob);
  g_assert_cmpuint (cnv_mailstack_count_messages (s, "carol", NULL), ==, carol);
  g_assert_cmpuint (imap_count ("carol"), ==, carol);
}

/* Runs the script directly (as the demo does), with a users file and an owner that dies. */
static void
test_watchdog (void)
{
  const char *script = g_getenv ("CNV_MAILSTACK");
  const char *users = "erin@other.test pass word:with {odd} characters\n"
                      "# a comment\n"
                      "\n"
                      "Frank@Other.test frank-secret\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *users_file = NULL;
  g_autofree char *env = NULL;
  g_autofree char *erin = NULL;
  g_autoptr(GSubprocess) owner = NULL;
  g_autoptr(GSubprocess) start = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *shown = NULL;
  gint64 end;

  g_assert_nonnull (script);
  dir = g_dir_make_tmp ("cnv-mailstack-owned-XXXXXX", &error);
  g_assert_no_error (error);
  users_file = g_build_filename (g_get_tmp_dir (), "cnv-mailstack-users-XXXXXX", NULL);
  {
    int fd = g_mkstemp_full (users_file, O_RDWR, 0600);

    g_assert_cmpint (fd, >=, 0);
    close (fd);
  }
  g_file_set_contents_full (users_file, users, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);

  owner = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "600", NULL);
  g_assert_no_error (error);
  start = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error, "bash", script, "start", dir, "--users", users_file,
                            "--owner-pid", g_subprocess_get_identifier (owner),
                            "--remove-on-owner-exit", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate (start, NULL, NULL, NULL, &err, &error));
  g_assert_no_error (error);
  g_remove (users_file);
  if (!g_subprocess_get_successful (start))
    g_error ("mailstack.sh start failed: %.*s", (int) g_bytes_get_size (err),
             (const char *) g_bytes_get_data (err, NULL));

  /* The users it was given, in their domain, with their passwords. */
  env = read_text (dir, "env");
  g_assert_nonnull (strstr (env, "\nDOMAIN=other.test\n"));
  g_assert_nonnull (strstr (env, "\nUSERS=erin,frank\n"));
  g_assert_null (strstr (env, "frank-secret"));
  erin = read_text (dir, "passwords/erin");
  g_assert_cmpstr (erin, ==, "pass word:with {odd} characters");
  {
    g_auto(GStrv) lines = g_strsplit (env, "\n", -1);
    g_autoptr(GTlsDatabase) database = NULL;
    g_autofree char *ca = g_build_filename (dir, "tls", "ca.crt", NULL);
    g_autoptr(LineClient) line = NULL;
    g_autofree char *banner = NULL;
    guint64 port = 0;

    for (guint i = 0; lines[i] != NULL; i++)
      if (g_str_has_prefix (lines[i], "IMAPS_PORT="))
        g_assert_true (g_ascii_string_to_unsigned (lines[i] + strlen ("IMAPS_PORT="), 10, 1,
                                                   G_MAXUINT16, &port, NULL));
    g_assert_cmpuint (port, >, 0);
    database = g_tls_file_database_new (ca, &error);
    g_assert_no_error (error);
    line = line_client_open ((guint16) port);
    g_assert_true (line_client_start_tls (line, database, "localhost", &error));
    g_assert_no_error (error);
    banner = line_client_read (line);
    g_assert_true (g_str_has_prefix (banner, "* OK "));
    g_free (line_client_imap_command (line, "w1",
                                      "LOGIN \"erin@other.test\" \"pass word:with {odd} characters\""));
    g_free (line_client_imap_command (line, "w2", "LOGOUT"));
  }

  before = stack_processes (dir);
  shown = describe_processes (before);
  g_test_message ("stack processes: %s", shown);
  g_assert_cmpuint (before->len, >=, 5);

  /* The owner dies: the watchdog stops the stack and removes its directory. */
  g_subprocess_force_exit (owner);
  g_assert_true (g_subprocess_wait (owner, NULL, &error));
  g_assert_no_error (error);
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  do
    {
      g_clear_pointer (&after, g_ptr_array_unref);
      g_usleep (100 * 1000);
      after = stack_processes (dir);
    }
  while ((after->len > 0 || g_file_test (dir, G_FILE_TEST_EXISTS))
         && g_get_monotonic_time () < end);
  if (after->len > 0)
    g_error ("left behind: %s", describe_processes (after));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));

  /* Stopping a stack that is gone is harmless. */
  {
    g_autoptr(GSubprocess) stop = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                                    "bash", script, "stop", dir, NULL);

    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (stop, NULL, &error));
    g_assert_no_error (error);
  }
}

static void
test_stop (void)
{
  CnvMailstack *s = get_stack ();
  g_autofree char *dir = g_strdup (s->dir);
  g_autoptr(GPtrArray) before = stack_processes (dir);
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *shown = describe_processes (before);
  gint64 start;

  /* Dovecot's master and its children, Postfix's master and its children, the watchdog. */
  g_test_message ("stack processes: %s", shown);
  g_assert_cmpuint (before->len, >=, 5);

  start = g_get_monotonic_time ();
  cnv_mailstack_stop (g_steal_pointer (&stack));
  g_test_message ("stopped in %.2f s", (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  for (guint i = 0; i < before->len; i++)
    g_assert_false (process_alive (before->pdata[i]));
  after = stack_processes (dir);
  if (after->len > 0)
    g_error ("left behind: %s", describe_processes (after));
  if (g_strcmp0 (g_getenv ("CNV_KEEP_MAILSTACK"), "1") != 0)
    g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mailstack/start/ports", test_ports);
  g_test_add_func ("/mailstack/tls/ca", test_tls_ca);
  g_test_add_func ("/mailstack/imap/starttls", test_imap_starttls);
  g_test_add_func ("/mailstack/submission/delivered", test_submission);
  g_test_add_func ("/mailstack/submission/refused", test_refused);
  g_test_add_func ("/mailstack/fill/count", test_fill);
  g_test_add_func ("/mailstack/deliver/direct", test_deliver);
  g_test_add_func ("/mailstack/restart/dovecot", test_restart_dovecot);
  g_test_add_func ("/mailstack/watchdog/owner-exit", test_watchdog);
  g_test_add_func ("/mailstack/stop/no-process-left", test_stop);

  status = g_test_run ();
  cnv_mailstack_stop (g_steal_pointer (&stack));
  return status;
}
