/* test-app-request-sender.c — Send against the real mail stack (Dovecot submission + Postfix +
 * IMAP) with the passwords in a real gnome-keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test sends as its own user, so that one test's Sent folder is not another's.
 */
#include "config.h"

#include <string.h>

#include "cnv-composer-state.h"
#include "cnv-engine.h"
#include "cnv-request-sender.h"
#include "cnv-secret-credentials.h"
#include "keyring-fixture.h"
#include "log-guard.h"
#include "app-test-common.h"

#define SEND_TIMEOUT_S 60
#define DELIVERY_TIMEOUT_S 60

static CnvAddress *
stack_address (const char *name,
               const char *user)
{
  g_autofree char *text = g_strdup_printf ("%s@%s", user, get_stack ()->domain);

  return cnv_address_new (name, text, NULL);
}

/* @user's account on the stack, named @user. */
static CnvAccount *
make_account (const char *user)
{
  return stack_account (user, user);
}

static void
store (CnvSecretCredentials *credentials,
       const char           *protocol,
       const CnvMailServer  *server,
       const char           *secret)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  cnv_secret_credentials_store_async (credentials, protocol, server, secret, "Convene test", NULL,
                                      store_result_cb, &result);
  g_assert_true (cnv_secret_credentials_store_finish (credentials, wait_result (&result, 30),
                                                      &error));
  g_assert_no_error (error);
}

/* The keyring, with @user's real password stored for the protocols given. */
static CnvSecretCredentials *
keyring_for (const CnvAccount *account,
             const char       *user,
             gboolean          smtp,
             gboolean          imap)
{
  CnvSecretCredentials *credentials = cnv_secret_credentials_new ();
  g_autofree char *password = cnv_mailstack_get_password (get_stack (), user);

  keyring_start ();
  if (smtp)
    store (credentials, "smtp", account->smtp, password);
  if (imap)
    store (credentials, "imap", account->imap, password);
  return credentials;
}

/* A scheduled videoconference from @from with @to (users) and @cc, across nothing special:
 * 2 June 2031 10:00–11:30 in Paris (08:00–09:30 UTC). */
static CnvRequest *
make_request (const char         *from,
              const char * const *to,
              const char * const *cc,
              const char         *title)
{
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *initiator = g_strdup_printf ("%s@%s", from, get_stack ()->domain);
  CnvComposerInput input;
  CnvRequest *request;

  types = cnv_session_type_entries_defaults (initiator);
  cnv_composer_input_init (&input);
  input.initiator = stack_address ("The Initiator", from);
  input.session_types = types;
  input.session_type = g_strdup_printf ("videoconference@%s", get_stack ()->domain);
  for (guint i = 0; to[i] != NULL; i++)
    {
      g_autoptr(CnvAddress) a = strchr (to[i], '@') ? cnv_address_new (NULL, to[i], NULL)
                                                   : stack_address (NULL, to[i]);

      g_assert_true (cnv_composer_add_participant (&input, a, NULL));
    }
  for (guint i = 0; cc != NULL && cc[i] != NULL; i++)
    {
      g_autoptr(CnvAddress) a = stack_address (NULL, cc[i]);

      g_assert_true (cnv_composer_add_cc (&input, a, NULL));
    }
  input.title = g_strdup (title);
  input.message = g_strdup ("Let us talk.");
  input.scheduled = TRUE;
  input.zone = g_time_zone_new_identifier ("Europe/Paris");
  input.tzid = g_strdup ("Europe/Paris");
  input.now = g_date_time_new_utc (2031, 6, 1, 0, 0, 0);
  input.start = g_date_time_new (input.zone, 2031, 6, 2, 10, 0, 0);
  input.duration_minutes = 90;
  request = cnv_composer_build_request (&input, &error);
  g_assert_no_error (error);
  cnv_composer_input_clear (&input);
  return request;
}

typedef struct
{
  GArray *stages;
} Progress;

static void
progress_cb (CnvSendStage stage,
             gpointer     user_data)
{
  Progress *progress = user_data;

  g_array_append_val (progress->stages, stage);
}

static CnvSendReport *
send (CnvRequest       *request,
      const CnvAccount *account,
      CnvCredentials   *credentials,
      Progress         *progress,
      GCancellable     *cancellable,
      GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cnv_request_sender_send_async (request, account, credentials,
                                 progress != NULL ? progress_cb : NULL, progress, cancellable,
                                 store_result_cb, &result);
  return cnv_request_sender_send_finish (wait_result (&result, SEND_TIMEOUT_S), error);
}

/* The messages of @user's @folder with flags and bodies, read with EXAMINE. */
static GPtrArray *
fetch_all (const char *user,
           const char *folder)
{
  g_autoptr(CnvImapClient) client = open_client (get_stack (), user, CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GPtrArray *messages;

  select_mailbox (client, folder, TRUE);
  cnv_imap_client_uid_fetch_async (client, "1:*", CNV_IMAP_FETCH_FLAGS | CNV_IMAP_FETCH_BODY, NULL,
                                   store_result_cb, &result);
  messages = cnv_imap_client_uid_fetch_finish (client, wait_result (&result, 60), &error);
  g_assert_no_error (error);
  return messages;
}

/* The mailbox names of @user, through the client's LIST. */
static GPtrArray *
list_folders (const char *user)
{
  g_autoptr(CnvImapClient) client = open_client (get_stack (), user, CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GPtrArray *entries;

  cnv_imap_client_list_async (client, NULL, store_result_cb, &result);
  entries = cnv_imap_client_list_finish (client, wait_result (&result, 60), &error);
  g_assert_no_error (error);
  return entries;
}

static gboolean
has_folder (GPtrArray  *entries,
            const char *name)
{
  for (guint i = 0; i < entries->len; i++)
    if (g_str_equal (((CnvImapListEntry *) g_ptr_array_index (entries, i))->name, name))
      return TRUE;
  return FALSE;
}

static void
create_folder (const char *user,
               const char *name)
{
  g_autoptr(CnvImapClient) client = open_client (get_stack (), user, CNV_MAIL_SECURITY_STARTTLS);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  cnv_imap_client_create_async (client, name, NULL, store_result_cb, &result);
  g_assert_true (cnv_imap_client_create_finish (client, wait_result (&result, 60), &error));
  g_assert_no_error (error);
}

/* The message of @messages whose text holds @message_id, or NULL. */
static CnvImapMessage *
find_message (GPtrArray  *messages,
              const char *message_id)
{
  for (guint i = 0; i < messages->len; i++)
    {
      CnvImapMessage *message = g_ptr_array_index (messages, i);
      gsize size;
      const char *data = g_bytes_get_data (message->body, &size);
      g_autofree char *text = g_strndup (data, size);

      if (strstr (text, message_id) != NULL)
        return message;
    }
  return NULL;
}

/* @user's @folder receives the message @message_id within DELIVERY_TIMEOUT_S (Postfix delivers
 * by LMTP in its own time); returns it parsed. */
static CnvImapMessage *
wait_delivered (const char *user,
                const char *message_id,
                GPtrArray **keep)
{
  gint64 end = g_get_monotonic_time () + DELIVERY_TIMEOUT_S * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GPtrArray) messages = fetch_all (user, "INBOX");
      CnvImapMessage *found = find_message (messages, message_id);

      if (found != NULL)
        {
          *keep = g_steal_pointer (&messages);
          return found;
        }
      if (g_get_monotonic_time () > end)
        g_error ("%s did not receive %s", user, message_id);
      spin_ms (200);
    }
}

static CnvRequest *
parse_copy (CnvImapMessage *message)
{
  g_autoptr(CnvSessionTypes) types = cnv_session_types_new ();
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GError) error = NULL;
  g_autofree char *manager = g_strdup_printf ("videoconference@%s", get_stack ()->domain);
  gsize size;
  const char *data = g_bytes_get_data (message->body, &size);
  CnvRequest *request;

  g_assert_true (cnv_session_types_add (types, "videoconference", manager, NULL, FALSE, &error));
  request = cnv_request_parse_data (data, size, types, utc, G_TIME_SPAN_HOUR, &error);
  g_assert_no_error (error);
  g_assert_true (cnv_request_check (request, &error));
  g_assert_no_error (error);
  return request;
}

static void
assert_addresses (GPtrArray          *list,
                  const char * const *users)
{
  g_assert_cmpuint (list->len, ==, g_strv_length ((char **) users));
  for (guint i = 0; i < list->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("%s@%s", users[i], get_stack ()->domain);

      g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (list, i))->address, ==, expected);
    }
}

/* Alice sends a videoconference request with Bob (To) and Carol (Cc): the manager address, Bob
 * and Carol receive it, the copy is in Alice's Sent (created: the stack has none) with \Seen,
 * and it parses back to the same participants, Cc and UTC times. */
static void
test_send (void)
{
  g_autoptr(CnvAccount) account = make_account ("alice");
  g_autoptr(CnvSecretCredentials) credentials = keyring_for (account, "alice", TRUE, TRUE);
  g_autoptr(CnvRequest) request = make_request ("alice", (const char *[]) { "bob", NULL },
                                                (const char *[]) { "carol", NULL }, "Send test");
  g_autoptr(GPtrArray) before = list_folders ("alice");
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) sent = NULL;
  g_autoptr(GPtrArray) manager_inbox = NULL;
  g_autoptr(GPtrArray) bob_inbox = NULL;
  g_autoptr(GPtrArray) carol_inbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSendReport) report = NULL;
  g_autoptr(CnvRequest) copy = NULL;
  g_autoptr(GDateTime) start = g_date_time_new_utc (2031, 6, 2, 8, 0, 0);
  g_autoptr(GDateTime) end = g_date_time_new_utc (2031, 6, 2, 9, 30, 0);
  Progress progress = { g_array_new (FALSE, FALSE, sizeof (CnvSendStage)) };
  CnvImapMessage *message;

  g_assert_true (has_folder (before, "INBOX"));
  g_assert_false (has_folder (before, "Sent"));

  report = send (request, account, CNV_CREDENTIALS (credentials), &progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpstr (report->message_id, ==, cnv_request_get_message_id (request));
  g_assert_null (report->copy_error);
  g_assert_cmpstr (report->sent_folder, ==, "Sent");
  g_assert_nonnull (report->rejected);
  g_assert_cmpuint (report->rejected->len, ==, 0);
  g_assert_cmpuint (progress.stages->len, ==, 4);
  g_assert_cmpint (g_array_index (progress.stages, CnvSendStage, 0), ==, CNV_SEND_STAGE_PASSWORD);
  g_assert_cmpint (g_array_index (progress.stages, CnvSendStage, 1), ==, CNV_SEND_STAGE_SUBMITTING);
  g_assert_cmpint (g_array_index (progress.stages, CnvSendStage, 2), ==, CNV_SEND_STAGE_SAVING);
  g_assert_cmpint (g_array_index (progress.stages, CnvSendStage, 3), ==, CNV_SEND_STAGE_DONE);
  g_array_unref (progress.stages);

  /* The copy: created Sent, one message, \Seen, the request itself. */
  after = list_folders ("alice");
  g_assert_true (has_folder (after, "Sent"));
  sent = fetch_all ("alice", "Sent");
  g_assert_cmpuint (sent->len, ==, 1);
  message = g_ptr_array_index (sent, 0);
  g_assert_true (cnv_imap_message_has_flag (message, "\\Seen"));
  copy = parse_copy (message);
  g_assert_cmpstr (cnv_request_get_message_id (copy), ==, report->message_id);
  g_assert_cmpstr (cnv_request_get_session_type (copy), ==, "videoconference");
  assert_addresses (cnv_request_get_participants (copy), (const char *[]) { "alice", "bob", NULL });
  assert_addresses (cnv_request_get_informational (copy), (const char *[]) { "carol", NULL });
  g_assert_true (g_date_time_equal (cnv_request_get_start (copy), start));
  g_assert_true (g_date_time_equal (cnv_request_get_end (copy), end));
  g_assert_cmpstr (cnv_request_get_title (copy), ==, "Send test");

  /* Delivered to the manager address, the participant and the Cc. */
  message = wait_delivered ("videoconference", report->message_id, &manager_inbox);
  g_assert_false (cnv_imap_message_has_flag (message, "\\Seen"));
  {
    g_autoptr(CnvRequest) received = parse_copy (message);

    assert_addresses (cnv_request_get_participants (received),
                      (const char *[]) { "alice", "bob", NULL });
    assert_addresses (cnv_request_get_informational (received), (const char *[]) { "carol", NULL });
    g_assert_true (g_date_time_equal (cnv_request_get_start (received), start));
    g_assert_true (g_date_time_equal (cnv_request_get_end (received), end));
  }
  wait_delivered ("bob", report->message_id, &bob_inbox);
  wait_delivered ("carol", report->message_id, &carol_inbox);
}

/* A wrong SMTP password: CNV_SMTP_ERROR_AUTH, nothing submitted, no copy. */
static void
test_wrong_password (void)
{
  g_autoptr(CnvAccount) account = make_account ("dave");
  g_autoptr(CnvSecretCredentials) credentials = cnv_secret_credentials_new ();
  g_autoptr(CnvRequest) request = make_request ("dave", (const char *[]) { "bob", NULL }, NULL,
                                                "Wrong password");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSendReport) report = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  guint bob_before = cnv_mailstack_count_messages (get_stack (), "bob", "INBOX");
  guint manager_before = cnv_mailstack_count_messages (get_stack (), "videoconference", "INBOX");

  keyring_start ();
  store (credentials, "smtp", account->smtp, "not-the-password");
  report = send (request, account, CNV_CREDENTIALS (credentials), NULL, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, CNV_SMTP_ERROR, CNV_SMTP_ERROR_AUTH);
  /* Refused at AUTH: no MAIL FROM was ever sent, so nothing can be on its way. */
  g_assert_cmpuint (cnv_mailstack_count_messages (get_stack (), "bob", "INBOX"), ==, bob_before);
  g_assert_cmpuint (cnv_mailstack_count_messages (get_stack (), "videoconference", "INBOX"), ==,
                    manager_before);
  folders = list_folders ("dave");
  g_assert_false (has_folder (folders, "Sent"));
}

/* An unknown participant: the server refuses that RCPT (550) and the others get the request; the
 * password is only stored for IMAP (the SMTP look-up falls back to it), and the copy goes to the
 * "Sent Items" that exists already. */
static void
test_unknown_participant (void)
{
  g_autoptr(CnvAccount) account = make_account ("carol");
  g_autoptr(CnvSecretCredentials) credentials = keyring_for (account, "carol", FALSE, TRUE);
  g_autofree char *nobody = g_strdup_printf ("nobody@%s", get_stack ()->domain);
  g_autoptr(CnvRequest) request = make_request ("carol", (const char *[]) { "bob", nobody, NULL },
                                                NULL, "Unknown participant");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSendReport) report = NULL;
  g_autoptr(GPtrArray) bob_inbox = NULL;
  g_autoptr(GPtrArray) manager_inbox = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GPtrArray) sent = NULL;
  CnvSmtpRecipientFailure *failure;

  create_folder ("carol", "Sent Items");
  report = send (request, account, CNV_CREDENTIALS (credentials), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->rejected->len, ==, 1);
  failure = g_ptr_array_index (report->rejected, 0);
  g_assert_cmpstr (failure->address, ==, nobody);
  g_assert_cmpuint (failure->code, ==, 550);
  g_assert_cmpint (failure->kind, ==, CNV_SMTP_ERROR_PERMANENT);
  g_assert_null (report->copy_error);
  g_assert_cmpstr (report->sent_folder, ==, "Sent Items");

  wait_delivered ("bob", report->message_id, &bob_inbox);
  wait_delivered ("videoconference", report->message_id, &manager_inbox);
  folders = list_folders ("carol");
  g_assert_false (has_folder (folders, "Sent"));
  sent = fetch_all ("carol", "Sent Items");
  g_assert_nonnull (find_message (sent, report->message_id));
}

/* The folder named in the preferences, missing on the server: APPEND fails, it is created, the
 * copy lands there. */
static void
test_configured_folder (void)
{
  g_autoptr(CnvAccount) account = make_account ("whiteboard");
  g_autoptr(CnvSecretCredentials) credentials = keyring_for (account, "whiteboard", TRUE, TRUE);
  g_autoptr(CnvRequest) request = make_request ("whiteboard", (const char *[]) { "dave", NULL },
                                                NULL, "Configured folder");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSendReport) report = NULL;
  g_autoptr(GPtrArray) sent = NULL;

  account->sent_folder = g_strdup ("Gesendete Objekte");
  report = send (request, account, CNV_CREDENTIALS (credentials), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (report->copy_error);
  g_assert_cmpstr (report->sent_folder, ==, "Gesendete Objekte");
  sent = fetch_all ("whiteboard", "Gesendete Objekte");
  g_assert_cmpuint (sent->len, ==, 1);
  g_assert_true (cnv_imap_message_has_flag (g_ptr_array_index (sent, 0), "\\Seen"));
}

/* Cancelled before the submission: G_IO_ERROR_CANCELLED, nothing sent, no progress after it. */
static void
test_cancel_before (void)
{
  g_autoptr(CnvAccount) account = make_account ("dave");
  g_autoptr(CnvSecretCredentials) credentials = keyring_for (account, "dave", TRUE, TRUE);
  g_autoptr(CnvRequest) request = make_request ("dave", (const char *[]) { "carol", NULL }, NULL,
                                                "Cancelled");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) later = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) later_error = NULL;
  g_autoptr(CnvSendReport) report = NULL;
  g_autoptr(CnvSendReport) later_report = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  Progress progress = { g_array_new (FALSE, FALSE, sizeof (CnvSendStage)) };
  guint carol_before = cnv_mailstack_count_messages (get_stack (), "carol", "INBOX");

  g_cancellable_cancel (cancellable);
  report = send (request, account, CNV_CREDENTIALS (credentials), &progress, cancellable, &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (progress.stages->len, ==, 0);

  /* Cancelled while the password is read. */
  cnv_request_sender_send_async (request, account, CNV_CREDENTIALS (credentials), progress_cb,
                                 &progress, later, store_result_cb, &result);
  g_cancellable_cancel (later);
  later_report = cnv_request_sender_send_finish (wait_result (&result, SEND_TIMEOUT_S),
                                                 &later_error);
  g_assert_null (later_report);
  g_assert_error (later_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (progress.stages->len, ==, 1);
  g_assert_cmpint (g_array_index (progress.stages, CnvSendStage, 0), ==, CNV_SEND_STAGE_PASSWORD);
  g_array_unref (progress.stages);
  g_assert_cmpuint (cnv_mailstack_count_messages (get_stack (), "carol", "INBOX"), ==,
                    carol_before);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  log_guard_install ();
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/app/request-sender/stack/send", test_send);
  g_test_add_func ("/app/request-sender/stack/wrong-password", test_wrong_password);
  g_test_add_func ("/app/request-sender/stack/unknown-participant", test_unknown_participant);
  g_test_add_func ("/app/request-sender/stack/configured-folder", test_configured_folder);
  g_test_add_func ("/app/request-sender/stack/cancel-before", test_cancel_before);

  keyring_bus_up ();
  status = g_test_run ();
  g_clear_pointer (&app_test_stack, cnv_mailstack_stop);
  keyring_tear_down ();
  return status;
}
