/* manager-test-common.c — the real convene-manager on the real mail stack, for the daemon tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cnv-smtp.h"
#include "manager-test-common.h"

CnvMailstack *stack;

/* How long the manager may take to answer a request here: far above what a passing run needs. */



/* ---- The mailboxes -------------------------------------------------------------------------- */


void
mail_free (Mail *mail)
{
  g_free (mail->path);
  g_clear_object (&mail->message);
  g_free (mail);
}

static void
read_maildir (GPtrArray  *mails,
              const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;
      gsize len = 0;
      g_autoptr(GMimeStream) stream = NULL;
      g_autoptr(GMimeParser) parser = NULL;
      Mail *mail;

      if (!g_file_get_contents (path, &data, &len, NULL))
        continue;
      stream = g_mime_stream_mem_new_with_buffer (data, len);
      parser = g_mime_parser_new_with_stream (stream);
      mail = g_new0 (Mail, 1);
      mail->path = g_steal_pointer (&path);
      mail->message = g_mime_parser_construct_message (parser, NULL);
      g_assert_nonnull (mail->message);
      g_ptr_array_add (mails, mail);
    }
}

/* Every mail in @user's INBOX. */
GPtrArray *
inbox (const char *user)
{
  GPtrArray *mails = g_ptr_array_new_with_free_func ((GDestroyNotify) mail_free);
  g_autofree char *maildir = g_build_filename (stack->dir, "mail", stack->domain, user, "Maildir",
                                               NULL);
  g_autofree char *new_dir = g_build_filename (maildir, "new", NULL);
  g_autofree char *cur_dir = g_build_filename (maildir, "cur", NULL);

  read_maildir (mails, new_dir);
  read_maildir (mails, cur_dir);
  return mails;
}

const char *
header (Mail       *mail,
        const char *name)
{
  return g_mime_object_get_header (GMIME_OBJECT (mail->message), name);
}

/* The mails the manager sent to @user whose @name header is @value (any when @value is NULL). */
GPtrArray *
manager_mails (const char *user,
               const char *name,
               const char *value)
{
  g_autoptr(GPtrArray) all = inbox (user);
  GPtrArray *mails = g_ptr_array_new_with_free_func ((GDestroyNotify) mail_free);

  for (guint i = 0; i < all->len; i++)
    {
      Mail *mail = g_ptr_array_index (all, i);
      const char *from = header (mail, "From");

      /* A copy of a request (or of an auto-reply) comes from a person. */
      if (header (mail, "Auto-Submitted") == NULL || from == NULL ||
          (strstr (from, "videoconference@") == NULL && strstr (from, "whiteboard@") == NULL))
        continue;
      if (value != NULL && g_strcmp0 (header (mail, name), value) != 0)
        continue;
      g_ptr_array_add (mails, g_ptr_array_steal_index (all, i--));
    }
  return mails;
}

/* The invitations of session @session_id in @user's INBOX. */
GPtrArray *
invitations (const char *user,
             const char *session_id)
{
  g_autoptr(GPtrArray) mails = manager_mails (user, "X-Convene-Session", session_id);
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) mail_free);

  for (guint i = 0; i < mails->len; i++)
    {
      Mail *mail = g_ptr_array_index (mails, i);

      if (header (mail, "X-Convene-Type") != NULL)
        g_ptr_array_add (found, g_ptr_array_steal_index (mails, i--));
    }
  return found;
}

guint
count_invitations (const char *user,
                   const char *session_id)
{
  g_autoptr(GPtrArray) mails = invitations (user, session_id);

  return mails->len;
}

CnvInvitation *
parse_invitation (Mail *mail)
{
  g_autoptr(GError) error = NULL;
  CnvInvitation *invitation = cnv_invitation_parse (mail->message, &error);

  g_assert_no_error (error);
  return invitation;
}

/* Waits until @user holds an invitation whose subject contains @subject; returns its session. */
char *
wait_session_of (const char *user,
                 const char *subject)
{
  gint64 end = g_get_monotonic_time () + DELIVERY_TIMEOUT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      g_autoptr(GPtrArray) mails = manager_mails (user, NULL, NULL);

      for (guint i = 0; i < mails->len; i++)
        {
          Mail *mail = g_ptr_array_index (mails, i);
          const char *mail_subject = g_mime_message_get_subject (mail->message);

          if (header (mail, "X-Convene-Type") != NULL && mail_subject != NULL &&
              strstr (mail_subject, subject) != NULL)
            return g_strdup (header (mail, "X-Convene-Session"));
        }
      spin_ms (100);
    }
  return NULL;
}

/* Waits until the manager's mails to @user with @name = @value number @count. */
gboolean
wait_manager_mails (const char *user,
                    const char *name,
                    const char *value,
                    guint       count)
{
  gint64 end = g_get_monotonic_time () + DELIVERY_TIMEOUT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      g_autoptr(GPtrArray) mails = manager_mails (user, name, value);

      if (mails->len >= count)
        return mails->len == count;
      spin_ms (100);
    }
  return FALSE;
}

/* ---- Sending requests ----------------------------------------------------------------------- */

/* Submits @text (LF line ends) as @user through the stack's SMTP submission, to @recipients. */
void
submit_as (const char         *user,
           const char * const *recipients,
           const char         *text)
{
  g_autoptr(CnvMailServer) server = cnv_mail_server_new (stack->host, stack->submission_port,
                                                         CNV_MAIL_SECURITY_STARTTLS);
  g_autofree char *password = cnv_mailstack_get_password (stack, user);
  g_autofree char *from = g_strdup_printf ("%s@%s", user, stack->domain);
  g_autoptr(GString) crlf = g_string_new (NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CnvSmtpResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *async = NULL;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_string_append_c (crlf, '\r');
      g_string_append_c (crlf, *p);
    }
  bytes = g_string_free_to_bytes (g_steal_pointer (&crlf));
  server->user = g_strdup (from);
  server->ca_file = g_strdup (stack->ca_file);
  cnv_smtp_submit_bytes_async (server, password, from, recipients, bytes, NULL, store_result_cb,
                               &async);
  result = cnv_smtp_submit_finish (wait_result (&async, 60), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->accepted->len, ==, g_strv_length ((char **) recipients));
  g_clear_object (&async);
}

char *
utc_stamp (gint64 when)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (when);

  return g_date_time_format (time, "%Y%m%dT%H%M%SZ");
}

/* A request with an iCalendar part that gives the times to the second. */
char *
request_with_times (const char *to,
                    const char *subject,
                    gint64      start,
                    gint64      end)
{
  g_autofree char *dtstart = utc_stamp (start);
  g_autofree char *dtend = utc_stamp (end);

  return g_strdup_printf ("From: Alice <alice@example.test>\n"
                          "To: %s\n"
                          "Subject: %s\n"
                          "Message-ID: <timed-%" G_GINT64_FORMAT "@example.test>\n"
                          "Date: Fri, 27 Nov 2026 10:00:00 +0000\n"
                          "MIME-Version: 1.0\n"
                          "Content-Type: multipart/mixed; boundary=\"b\"\n"
                          "\n"
                          "--b\n"
                          "Content-Type: text/plain; charset=utf-8\n"
                          "\n"
                          "Let's meet.\n"
                          "--b\n"
                          "Content-Type: text/calendar; charset=utf-8; method=REQUEST\n"
                          "\n"
                          "BEGIN:VCALENDAR\n"
                          "VERSION:2.0\n"
                          "PRODID:-//Convene tests//EN\n"
                          "METHOD:REQUEST\n"
                          "BEGIN:VEVENT\n"
                          "UID:timed-%" G_GINT64_FORMAT "@example.test\n"
                          "DTSTAMP:%s\n"
                          "DTSTART:%s\n"
                          "DTEND:%s\n"
                          "SUMMARY:%s\n"
                          "END:VEVENT\n"
                          "END:VCALENDAR\n"
                          "--b--\n",
                          to, subject, g_get_real_time (), g_get_real_time (), dtstart,
                          dtstart, dtend, subject);
}

/* ---- The manager ---------------------------------------------------------------------------- */

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

void
accredit (Manager    *manager,
          const char *user)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvManagerStore) store = cnv_manager_store_open (manager->database, &error);
  g_autofree char *address = g_strdup_printf ("%s@%s", user, stack->domain);

  g_assert_no_error (error);
  g_assert_true (cnv_manager_store_add_user (store, address, NULL, &error));
  g_assert_no_error (error);
}

/* A manager configuration for this stack; @extra is appended to [manager]; @types replaces the
 * default types (videoconference@ and whiteboard@, url backends). */
void
manager_set_up (Manager    *manager,
                const char *extra,
                const char *types)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *videoconference_password = g_build_filename (stack->dir, "passwords",
                                                                "videoconference", NULL);
  g_autofree char *whiteboard_password = g_build_filename (stack->dir, "passwords",
                                                           "whiteboard", NULL);

  manager->dir = g_dir_make_tmp ("cnv-manager-XXXXXX", &error);
  g_assert_no_error (error);
  manager->config = g_build_filename (manager->dir, "manager.conf", NULL);
  manager->database = g_build_filename (manager->dir, "manager.db", NULL);
  manager->log = g_build_filename (manager->dir, "manager.log", NULL);
  manager->gateway_port = free_port ();

  text = g_strdup_printf ("[manager]\n"
                          "database = %s\n"
                          "timezone = UTC\n"
                          "default-duration = 1h\n"
                          "join-early = 0s\n"
                          "%s\n"
                          "[imap]\n"
                          "host = %s\n"
                          "port = %u\n"
                          "security = starttls\n"
                          "user = videoconference@%s\n"
                          "password-file = %s\n"
                          "ca-file = %s\n"
                          "\n"
                          "[imap whiteboard]\n"
                          "host = %s\n"
                          "port = %u\n"
                          "security = starttls\n"
                          "user = whiteboard@%s\n"
                          "password-file = %s\n"
                          "ca-file = %s\n"
                          "\n"
                          "[smtp]\n"
                          "host = %s\n"
                          "port = %u\n"
                          "security = starttls\n"
                          "user = videoconference@%s\n"
                          "password-file = %s\n"
                          "ca-file = %s\n"
                          "\n"
                          "[gateway]\n"
                          "listen = 127.0.0.1:%u\n"
                          "public-url = http://127.0.0.1:%u\n"
                          "\n"
                          "%s",
                          manager->database, extra != NULL ? extra : "",
                          stack->host, stack->imap_port, stack->domain, videoconference_password,
                          stack->ca_file,
                          stack->host, stack->imap_port, stack->domain, whiteboard_password,
                          stack->ca_file,
                          stack->host, stack->submission_port, stack->domain,
                          videoconference_password, stack->ca_file,
                          manager->gateway_port, manager->gateway_port,
                          types != NULL ? types :
                          "[type videoconference]\n"
                          "address = videoconference@example.test\n"
                          "backend = url\n"
                          "url = https://rooms.example.test/{room}\n"
                          "default = true\n"
                          "\n"
                          "[type whiteboard]\n"
                          "address = whiteboard@example.test\n"
                          "backend = url\n"
                          "url = https://boards.example.test/{room}\n");
  g_assert_true (g_file_set_contents (manager->config, text, -1, &error));
  g_assert_no_error (error);

  accredit (manager, "alice");
  accredit (manager, "bob");
  accredit (manager, "carol");
}

/* The gateway answers its health check. (A bare TCP connect is not enough: on loopback a connect
 * to a free ephemeral port can succeed by connecting to itself.) */
static gboolean
gateway_answers (Manager *manager)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 2, NULL);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/healthz", manager->gateway_port);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, NULL);

  return body != NULL && soup_message_get_status (message) == SOUP_STATUS_OK;
}

/* The manager dies with the test: a failing test leaves no daemon behind. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
exited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

void
manager_start (Manager *manager)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_autoptr(GError) error = NULL;
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, manager->log);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "", TRUE);
  manager->process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CNV_MANAGER"),
                                                  "run", "--config", manager->config, NULL);
  g_assert_no_error (error);
  manager->exited = FALSE;
  g_subprocess_wait_async (manager->process, NULL, exited_cb, &manager->exited);
  WAIT_UNTIL (manager->exited || gateway_answers (manager), 30);
  if (!gateway_answers (manager))
    {
      g_autofree char *log = NULL;

      g_file_get_contents (manager->log, &log, NULL, NULL);
      g_error ("The manager did not start:\n%s", log);
    }
}

static gboolean
process_done (GSubprocess *process)
{
  return g_subprocess_get_identifier (process) == NULL;
}

/* Stops the manager with @signal_number and waits for it. */
void
manager_signal (Manager *manager,
                int      signal_number)
{
  if (manager->process == NULL)
    return;
  g_subprocess_send_signal (manager->process, signal_number);
  /* exited_cb() (from manager_start()) sets the flag: no other wait, so that no late callback
   * writes into a Manager the test has moved on from. */
  WAIT_UNTIL (manager->exited, 60);
  g_assert_true (manager->exited);
  g_assert_true (process_done (manager->process));
  if (signal_number == SIGTERM)
    {
      g_autofree char *log = NULL;

      g_file_get_contents (manager->log, &log, NULL, NULL);
      if (!g_subprocess_get_if_exited (manager->process) ||
          g_subprocess_get_exit_status (manager->process) != 0)
        g_error ("The manager did not stop cleanly:\n%s", log);
    }
  g_clear_object (&manager->process);
}

/* Removes a test's temp dir: recurses into real directories only (a symlink is removed, never
 * followed). One copy for every manager test program. */
void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
manager_tear_down (Manager *manager)
{
  if (manager->process != NULL)
    manager_signal (manager, SIGTERM);
  /* (The benchmark links this file too, without g_test_init(): no log dump there.) */
  if (g_test_initialized () && g_test_failed ())
    {
      g_autofree char *log = NULL;

      g_file_get_contents (manager->log, &log, NULL, NULL);
      g_test_message ("manager log:\n%s", log != NULL ? log : "(none)");
    }
  remove_tree (manager->dir);
  g_free (manager->dir);
  g_free (manager->config);
  g_free (manager->database);
  g_free (manager->log);
}

gboolean
log_contains (Manager    *manager,
              const char *text)
{
  g_autofree char *log = NULL;

  return g_file_get_contents (manager->log, &log, NULL, NULL) && strstr (log, text) != NULL;
}

/* ---- The gateway ---------------------------------------------------------------------------- */


void
gateway_answer_clear (GatewayAnswer *answer)
{
  g_clear_pointer (&answer->location, g_free);
  g_clear_pointer (&answer->state, g_free);
}

/* GET @link with Accept: application/json, without following redirects. */
void
gateway_get (const char    *link,
             GatewayAnswer *answer)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("GET", link);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data;

  g_assert_nonnull (message);
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept",
                                "application/json");
  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  answer->status = soup_message_get_status (message);
  answer->location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                             "Location"));
  data = g_bytes_get_data (body, &len);
  if (len > 0 && json_parser_load_from_data (parser, data, (gssize) len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    answer->state = g_strdup (json_object_get_string_member_with_default (
                                json_node_get_object (json_parser_get_root (parser)), "state", NULL));
}

