/* demo-mail.c — the demo's mail step: one request travels through the real mail stack
 *
 *   demo-mail --stack DIR --from alice --watch videoconference --send REQUEST.eml --out FILE
 *
 * Starts a CnvMailboxWatcher on the manager's mailbox (IDLE), submits the request as its sender
 * through SMTP submission (STARTTLS + AUTH, verified against the stack's CA), and writes the
 * message the watcher receives to FILE, printing what happens and how long it took. The envelope
 * recipients are the request's To and Cc addresses, as a mail client would use them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libsoup/soup.h>

#include "cnv-engine.h"
#include "cnv-file-credentials.h"
#include "cnv-invitation.h"
#include "cnv-mailbox-watcher.h"
#include "cnv-smtp.h"

typedef struct
{
  GHashTable *env;
  GBytes     *received;
  gint64      sent_at;
  gboolean    sent;
  gboolean    failed;
} Demo;

static GHashTable *
read_env (const char  *dir,
          GError     **error)
{
  g_autofree char *path = g_build_filename (dir, "env", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *env;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *eq = strchr (lines[i], '=');

      if (eq != NULL)
        g_hash_table_insert (env, g_strndup (lines[i], eq - lines[i]), g_strdup (eq + 1));
    }
  return env;
}

static CnvMailServer *
server_for (Demo       *demo,
            const char *port_key,
            const char *user)
{
  const char *port = g_hash_table_lookup (demo->env, port_key);
  CnvMailServer *server = cnv_mail_server_new (g_hash_table_lookup (demo->env, "HOST"),
                                               port != NULL ? (guint16) g_ascii_strtoull (port, NULL, 10) : 0,
                                               CNV_MAIL_SECURITY_STARTTLS);

  server->user = g_strdup_printf ("%s@%s", user, (char *) g_hash_table_lookup (demo->env, "DOMAIN"));
  server->ca_file = g_strdup (g_hash_table_lookup (demo->env, "CA_FILE"));
  return server;
}

static CnvCredentials *
credentials_for (Demo       *demo,
                 const char *user)
{
  g_autofree char *path = g_build_filename (g_hash_table_lookup (demo->env, "PASSWORDS_DIR"), user, NULL);

  return CNV_CREDENTIALS (cnv_file_credentials_new (path, path));
}

static void
status_cb (CnvMailboxWatcher *watcher,
           GParamSpec        *pspec,
           Demo              *demo)
{
  printf ("  watcher: %s\n", cnv_mailbox_watcher_status_to_string (cnv_mailbox_watcher_get_status (watcher)));
  fflush (stdout);
}

static void
message_cb (CnvMailboxWatcher *watcher,
            guint              uidvalidity,
            guint              uid,
            GBytes            *message,
            guint64            size,
            Demo              *demo)
{
  if (demo->received != NULL || message == NULL)
    return;
  demo->received = g_bytes_ref (message);
  printf ("  watcher: message UID %u (%" G_GUINT64_FORMAT " bytes) arrived %.0f ms after the server accepted it\n",
          uid, size, (g_get_real_time () - demo->sent_at) / 1000.0);
}

static void
submitted_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) sent = cnv_smtp_submit_finish (result, &error);

  demo->sent_at = g_get_real_time ();
  demo->sent = TRUE;
  if (sent == NULL)
    {
      g_printerr ("demo-mail: submission failed: %s\n", error->message);
      demo->failed = TRUE;
      return;
    }
  printf ("  smtp: accepted for %u recipient(s): %s\n", sent->accepted->len,
          sent->final_reply != NULL ? sent->final_reply : "");
  for (guint i = 0; i < sent->rejected->len; i++)
    {
      CnvSmtpRecipientFailure *failure = g_ptr_array_index (sent->rejected, i);

      printf ("  smtp: refused %s: %u %s\n", failure->address, failure->code, failure->reply);
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
run_until (gboolean *flag,
           guint     seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  guint tick = g_timeout_add (20, tick_cb, NULL);

  while (!*flag && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return *flag;
}

/* The subject and the text/plain body of a mail, decoded. */
static int
show_mail_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GMimeObject *body;
  gsize length = 0;

  if (!g_file_get_contents (path, &text, &length, &error))
    {
      g_printerr ("demo-mail: %s\n", error->message);
      return 1;
    }
  stream = g_mime_stream_mem_new_with_buffer (text, length);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  body = message != NULL ? g_mime_message_get_body (message) : NULL;
  if (body == NULL || !GMIME_IS_TEXT_PART (body))
    {
      g_printerr ("demo-mail: %s: not a plain-text mail\n", path);
      return 1;
    }
  g_clear_pointer (&text, g_free);
  text = g_mime_text_part_get_text (GMIME_TEXT_PART (body));
  printf ("  Subject: %s\n", g_mime_message_get_subject (message));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*g_strchomp (lines[i]) != '\0')
      printf ("  %s\n", lines[i]);
  return 0;
}

/* What the join gateway answers for the personal link (the app asks the same before it launches
 * anything). The link carries the participant's credential: it is not printed whole. */
static int
ask_gateway (const char *link)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", link);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  const char *token = strstr (link, "?t=");
  const char *location;

  printf ("  link      %.*s?t=… (%zu characters: this participant's credential)\n",
          token != NULL ? (int) (token - link) : (int) strlen (link), link,
          token != NULL ? strlen (token + 3) : 0);
  if (message == NULL)
    return 1;
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept",
                                "application/json");
  body = soup_session_send_and_read (session, message, NULL, &error);
  if (body == NULL)
    {
      g_printerr ("demo-mail: the gateway: %s\n", error->message);
      return 1;
    }
  location = soup_message_headers_get_one (soup_message_get_response_headers (message), "Location");
  printf ("  gateway   HTTP %u, %.*s\n", soup_message_get_status (message),
          (int) g_bytes_get_size (body), (const char *) g_bytes_get_data (body, NULL));
  /* A query may carry a personal token (Jitsi's jwt=): shown up to it. */
  if (location != NULL)
    printf ("  → the app would open %.*s\n", (int) strcspn (location, "?"), location);
  return 0;
}

/* The demo's last step: what the participant's invitation says (the app of issue 6 reads the same). */
static int
show_invitation (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvInvitation) invitation = NULL;
  g_autofree char *text = NULL;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;
  GPtrArray *participants;
  gsize length = 0;

  if (!g_file_get_contents (path, &text, &length, &error) ||
      (invitation = cnv_invitation_parse_data (text, length, &error)) == NULL)
    {
      g_printerr ("demo-mail: %s: %s\n", path, error->message);
      return 1;
    }
  start = g_date_time_format_iso8601 (cnv_invitation_get_start (invitation));
  end = g_date_time_format_iso8601 (cnv_invitation_get_end (invitation));
  printf ("  session   %s (type %s)\n", cnv_invitation_get_session_id (invitation),
          cnv_invitation_get_session_type (invitation));
  printf ("  title     %s\n", cnv_invitation_get_title (invitation));
  printf ("  from      %s, for %s\n", cnv_invitation_get_manager_address (invitation),
          cnv_invitation_get_recipient (invitation)->address);
  printf ("  times     %s – %s\n", start, end);
  participants = cnv_invitation_get_participants (invitation);
  printf ("  people   ");
  for (guint i = 0; i < participants->len; i++)
    printf (" %s", ((CnvAddress *) g_ptr_array_index (participants, i))->address);
  printf ("\n");
  return ask_gateway (cnv_invitation_get_link (invitation));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *stack_dir = NULL, *from = NULL, *watch = NULL, *send = NULL, *out = NULL;
  g_autofree char *show = NULL;
  g_autofree char *show_text = NULL;
  g_autoptr(CnvMailboxWatcher) watcher = NULL;
  g_autoptr(CnvMailServer) imap = NULL;
  g_autoptr(CnvMailServer) smtp = NULL;
  g_autoptr(CnvCredentials) watch_credentials = NULL;
  g_autoptr(GPtrArray) recipients = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autofree char *password = NULL;
  g_autofree char *password_path = NULL;
  gboolean connected = FALSE;
  Demo demo = { 0 };
  GOptionEntry entries[] = {
    { "stack", 0, 0, G_OPTION_ARG_FILENAME, &stack_dir, "The mail stack's directory", "DIR" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, "The sender's user name (alice)", "USER" },
    { "watch", 0, 0, G_OPTION_ARG_STRING, &watch, "The mailbox to watch (videoconference)", "USER" },
    { "send", 0, 0, G_OPTION_ARG_FILENAME, &send, "The mail to send", "FILE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Where to write the mail received", "FILE" },
    { "show-text", 0, 0, G_OPTION_ARG_FILENAME, &show_text,
      "Print the subject and the text of a mail (and nothing else)", "FILE" },
    { "show-invitation", 0, 0, G_OPTION_ARG_FILENAME, &show,
      "Print what an invitation mail says (and nothing else)", "FILE" },
    { NULL }
  };

  context = g_option_context_new ("— send one request through the mail stack and receive it");
  g_option_context_add_main_entries (context, entries, NULL);
  if (g_option_context_parse (context, &argc, &argv, &error) && (show != NULL || show_text != NULL))
    {
      cnv_engine_init ();
      return show != NULL ? show_invitation (show) : show_mail_text (show_text);
    }
  if (error != NULL
      || stack_dir == NULL || from == NULL || watch == NULL || send == NULL || out == NULL)
    {
      g_printerr ("demo-mail: %s\n", error != NULL ? error->message : "--stack, --from, --watch, --send and --out are needed");
      return 2;
    }
  cnv_engine_init ();

  demo.env = read_env (stack_dir, &error);
  if (demo.env == NULL)
    {
      g_printerr ("demo-mail: %s\n", error->message);
      return 1;
    }
  {
    g_autofree char *text = NULL;
    gsize length;

    if (!g_file_get_contents (send, &text, &length, &error))
      {
        g_printerr ("demo-mail: %s\n", error->message);
        return 1;
      }
    request = g_bytes_new_take (g_steal_pointer (&text), length);
  }

  /* The envelope: what a mail client takes from To and Cc. */
  stream = g_mime_stream_mem_new_with_buffer (g_bytes_get_data (request, NULL), g_bytes_get_size (request));
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    {
      g_printerr ("demo-mail: %s is not a mail\n", send);
      return 1;
    }
  recipients = g_ptr_array_new_with_free_func (g_free);
  {
    InternetAddressList *lists[] = { g_mime_message_get_to (message), g_mime_message_get_cc (message) };

    for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
      for (int i = 0; lists[l] != NULL && i < internet_address_list_length (lists[l]); i++)
        {
          InternetAddress *address = internet_address_list_get_address (lists[l], i);

          if (INTERNET_ADDRESS_IS_MAILBOX (address))
            g_ptr_array_add (recipients, g_strdup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address))));
        }
  }
  g_ptr_array_add (recipients, NULL);

  imap = server_for (&demo, "IMAP_PORT", watch);
  watch_credentials = credentials_for (&demo, watch);
  watcher = cnv_mailbox_watcher_new (imap, watch_credentials, "INBOX");
  g_signal_connect (watcher, "notify::status", G_CALLBACK (status_cb), &demo);
  g_signal_connect (watcher, "message", G_CALLBACK (message_cb), &demo);
  printf ("  watching %s's INBOX on %s:%u (IMAP, STARTTLS, the stack's CA)\n", imap->user, imap->host, imap->port);
  cnv_mailbox_watcher_start (watcher);
  {
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while (cnv_mailbox_watcher_get_status (watcher) != CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING
           && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, TRUE);
    connected = cnv_mailbox_watcher_get_status (watcher) == CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING;
  }
  if (!connected)
    {
      const GError *why = cnv_mailbox_watcher_get_last_error (watcher);

      g_printerr ("demo-mail: the watcher did not connect: %s\n", why != NULL ? why->message : "timeout");
      return 1;
    }

  smtp = server_for (&demo, "SUBMISSION_PORT", from);
  password_path = g_build_filename (g_hash_table_lookup (demo.env, "PASSWORDS_DIR"), from, NULL);
  if (!g_file_get_contents (password_path, &password, NULL, &error))
    {
      g_printerr ("demo-mail: %s\n", error->message);
      return 1;
    }
  printf ("  sending %s as %s through SMTP submission %s:%u (STARTTLS + AUTH)\n", send, smtp->user,
          smtp->host, smtp->port);
  cnv_smtp_submit_bytes_async (smtp, g_strchomp (password), smtp->user,
                               (const char * const *) recipients->pdata, request, NULL,
                               submitted_cb, &demo);
  run_until (&demo.sent, 60);
  explicit_bzero (password, strlen (password));
  if (!demo.sent || demo.failed)
    return 1;

  {
    gboolean received = FALSE;
    gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

    while (demo.received == NULL && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, TRUE);
    received = demo.received != NULL;
    if (!received)
      {
        g_printerr ("demo-mail: nothing arrived in %s's INBOX within a minute\n", imap->user);
        return 1;
      }
  }
  cnv_mailbox_watcher_stop (watcher);
  if (!g_file_set_contents (out, g_bytes_get_data (demo.received, NULL),
                            g_bytes_get_size (demo.received), &error))
    {
      g_printerr ("demo-mail: %s\n", error->message);
      return 1;
    }
  g_bytes_unref (demo.received);
  g_hash_table_unref (demo.env);
  return 0;
}
