/* test-manager-daemon.c — `convene-manager run` end to end, on the real mail stack
 *
 * One Dovecot + Postfix stack for the program; each test starts the real convene-manager binary
 * with its own configuration and database, sends requests as Alice through SMTP submission, and
 * looks at what arrived in the mailboxes (the Maildir files, without asking Dovecot) and at what
 * the join gateway answers over HTTP.
 *
 * The cast: alice initiates, bob is accredited, carol is accredited but only in Cc, dave is not
 * accredited (until a test accredits him).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cnv-engine.h"
#include "cnv-invitation.h"
#include "cnv-manager-store.h"
#include "cnv-smtp.h"
#include "manager-test-common.h"

/* ---- The tests ------------------------------------------------------------------------------ */

/* The main case: invitations reach alice and bob only, each with a different working
 * token; dave is named in alice's report; carol (Cc) gets nothing from the manager. */
static void
test_request (void)
{
  Manager manager = { 0, };
  const char *recipients[] = { "videoconference@example.test", "bob@example.test",
                               "dave@example.test", "carol@example.test", NULL };
  g_autofree char *session_id = NULL;
  g_autoptr(GPtrArray) alice_invitations = NULL;
  g_autoptr(GPtrArray) bob_invitations = NULL;
  g_autoptr(GPtrArray) reports = NULL;
  g_autoptr(CnvInvitation) alice_invitation = NULL;
  g_autoptr(CnvInvitation) bob_invitation = NULL;
  g_autofree char *wrong_link = NULL;
  g_autofree char *report_text = NULL;
  GatewayAnswer answer = { 0, };
  GMimeObject *body;

  manager_set_up (&manager, NULL, NULL);
  manager_start (&manager);

  submit_as ("alice", recipients,
             "From: Alice <alice@example.test>\n"
             "To: videoconference@example.test, Bob <bob@example.test>, dave@example.test\n"
             "Cc: carol@example.test\n"
             "Subject: Weekly sync\n"
             "Message-ID: <weekly-sync-1@example.test>\n"
             "Date: Fri, 27 Nov 2026 10:00:00 +0000\n"
             "\n"
             "See you there.\n");

  session_id = wait_session_of ("bob", "Weekly sync");
  g_assert_nonnull (session_id);
  g_assert_true (wait_manager_mails ("alice", "X-Convene-Session", session_id, 2));

  alice_invitations = invitations ("alice", session_id);
  bob_invitations = invitations ("bob", session_id);
  g_assert_cmpuint (alice_invitations->len, ==, 1);
  g_assert_cmpuint (bob_invitations->len, ==, 1);
  alice_invitation = parse_invitation (g_ptr_array_index (alice_invitations, 0));
  bob_invitation = parse_invitation (g_ptr_array_index (bob_invitations, 0));
  g_assert_cmpstr (cnv_invitation_get_session_type (bob_invitation), ==, "videoconference");
  g_assert_cmpstr (cnv_invitation_get_in_reply_to (bob_invitation), ==, "weekly-sync-1@example.test");
  g_assert_cmpstr (cnv_invitation_get_credential (alice_invitation), !=,
                   cnv_invitation_get_credential (bob_invitation));
  g_assert_cmpuint (strlen (cnv_invitation_get_credential (bob_invitation)), >=, 22);

  /* Nobody else heard from the manager. */
  g_assert_true (wait_manager_mails ("carol", NULL, NULL, 0));
  g_assert_true (wait_manager_mails ("dave", NULL, NULL, 0));
  {
    g_autoptr(GPtrArray) carol = manager_mails ("carol", NULL, NULL);
    g_autoptr(GPtrArray) dave = manager_mails ("dave", NULL, NULL);

    g_assert_cmpuint (carol->len, ==, 0);
    g_assert_cmpuint (dave->len, ==, 0);
  }

  /* Alice's report names dave (not accredited) and carol (informational). */
  reports = manager_mails ("alice", "X-Convene-Session", session_id);
  for (guint i = 0; i < reports->len; i++)
    {
      Mail *mail = g_ptr_array_index (reports, i);

      if (header (mail, "X-Convene-Type") != NULL)
        continue;
      g_assert_cmpstr (header (mail, "Auto-Submitted"), ==, "auto-replied");
      body = g_mime_message_get_body (mail->message);
      g_assert_true (GMIME_IS_TEXT_PART (body));
      report_text = g_mime_text_part_get_text (GMIME_TEXT_PART (body));
    }
  g_assert_nonnull (report_text);
  g_assert_nonnull (strstr (report_text, "dave@example.test — not accredited"));
  g_assert_nonnull (strstr (report_text, "carol@example.test"));
  g_assert_null (strstr (report_text, "bob@example.test"));

  /* Both tokens work; the session started at once (no times: now + default duration). */
  gateway_get (cnv_invitation_get_link (bob_invitation), &answer);
  g_assert_cmpuint (answer.status, ==, 303);
  g_assert_true (g_str_has_prefix (answer.location, "https://rooms.example.test/cnv"));
  gateway_answer_clear (&answer);
  gateway_get (cnv_invitation_get_link (alice_invitation), &answer);
  g_assert_cmpuint (answer.status, ==, 303);
  gateway_answer_clear (&answer);
  wrong_link = g_strdup_printf ("http://127.0.0.1:%u/s/%s?t=AAAAAAAAAAAAAAAAAAAAAA",
                                manager.gateway_port, session_id);
  gateway_get (wrong_link, &answer);
  g_assert_cmpuint (answer.status, ==, 403);
  gateway_answer_clear (&answer);

  manager_tear_down (&manager);
}

/* A session starting in +3 s and ending in +8 s: scheduled → active → 410. */
static void
test_timeline (void)
{
  Manager manager = { 0, };
  const char *recipients[] = { "videoconference@example.test", "bob@example.test", NULL };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *request = request_with_times ("videoconference@example.test, bob@example.test",
                                                 "Short one", now + 3, now + 8);
  g_autofree char *session_id = NULL;
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(CnvInvitation) invitation = NULL;
  GatewayAnswer answer = { 0, };
  const char *link;

  manager_set_up (&manager, NULL, NULL);
  manager_start (&manager);
  submit_as ("alice", recipients, request);
  session_id = wait_session_of ("bob", "Short one");
  g_assert_nonnull (session_id);
  mails = invitations ("bob", session_id);
  invitation = parse_invitation (g_ptr_array_index (mails, 0));
  link = cnv_invitation_get_link (invitation);

  g_assert_cmpint (g_date_time_to_unix (cnv_invitation_get_start (invitation)), ==, now + 3);
  gateway_get (link, &answer);
  if (g_get_real_time () / G_USEC_PER_SEC < now + 3)
    {
      g_assert_cmpuint (answer.status, ==, 200);
      g_assert_cmpstr (answer.state, ==, "scheduled");
    }
  else
    g_test_message ("the invitation arrived after the start: the scheduled state was not seen");
  gateway_answer_clear (&answer);

  WAIT_UNTIL (g_get_real_time () / G_USEC_PER_SEC >= now + 4, 10);
  WAIT_UNTIL ((gateway_get (link, &answer), answer.status == 303) ||
              (gateway_answer_clear (&answer), FALSE), 5);
  g_assert_cmpuint (answer.status, ==, 303);
  g_assert_true (g_str_has_prefix (answer.location, "https://rooms.example.test/"));
  gateway_answer_clear (&answer);

  WAIT_UNTIL (g_get_real_time () / G_USEC_PER_SEC >= now + 8, 15);
  gateway_get (link, &answer);
  g_assert_cmpuint (answer.status, ==, 410);
  gateway_answer_clear (&answer);
  WAIT_UNTIL (log_contains (&manager, "ended and is closed"), 10);
  g_assert_true (log_contains (&manager, "ended and is closed"));

  manager_tear_down (&manager);
}

/* A reply to the invitation adding dave, once he is accredited, invites only dave. */
static void
test_invite_more (void)
{
  Manager manager = { 0, };
  const char *first[] = { "videoconference@example.test", "bob@example.test", NULL };
  const char *second[] = { "videoconference@example.test", "bob@example.test",
                           "dave@example.test", NULL };
  g_autofree char *session_id = NULL;
  g_autofree char *reply = NULL;
  g_autoptr(GPtrArray) alice_mails = NULL;
  const char *invitation_id;

  manager_set_up (&manager, NULL, NULL);
  manager_start (&manager);
  submit_as ("alice", first,
             "From: Alice <alice@example.test>\n"
             "To: videoconference@example.test, bob@example.test\n"
             "Subject: Design review\n"
             "Message-ID: <design-review-1@example.test>\n"
             "\n"
             "Hi.\n");
  session_id = wait_session_of ("alice", "Design review");
  g_assert_nonnull (session_id);
  g_assert_true (wait_manager_mails ("bob", "X-Convene-Session", session_id, 1));

  accredit (&manager, "dave");
  alice_mails = invitations ("alice", session_id);
  invitation_id = g_mime_message_get_message_id (((Mail *) g_ptr_array_index (alice_mails, 0))->message);
  reply = g_strdup_printf ("From: Alice <alice@example.test>\n"
                           "To: videoconference@example.test, bob@example.test, dave@example.test\n"
                           "Subject: Re: Invitation: Design review\n"
                           "Message-ID: <design-review-2@example.test>\n"
                           "In-Reply-To: <%s>\n"
                           "References: <design-review-1@example.test> <%s>\n"
                           "\n"
                           "Adding Dave.\n", invitation_id, invitation_id);
  submit_as ("alice", second, reply);

  g_assert_true (wait_manager_mails ("dave", "X-Convene-Session", session_id, 1));
  WAIT_UNTIL (log_contains (&manager, "more people for session"), 10);
  g_assert_cmpuint (count_invitations ("dave", session_id), ==, 1);
  g_assert_cmpuint (count_invitations ("bob", session_id), ==, 1);
  g_assert_cmpuint (count_invitations ("alice", session_id), ==, 1);

  manager_tear_down (&manager);
}

/* A tag from someone outside the session is refused; the seed's rule (a participant's request
 * whose To set strictly contains a running session's participants) extends that session. */
static void
test_invite_more_rules (void)
{
  Manager manager = { 0, };
  const char *first[] = { "videoconference@example.test", "bob@example.test", NULL };
  const char *from_carol[] = { "videoconference@example.test", "dave@example.test", NULL };
  const char *superset[] = { "videoconference@example.test", "alice@example.test",
                             "carol@example.test", NULL };
  g_autofree char *session_id = NULL;
  g_autofree char *tagged = NULL;
  g_autofree char *report_text = NULL;

  manager_set_up (&manager, NULL, NULL);
  manager_start (&manager);
  submit_as ("alice", first,
             "From: Alice <alice@example.test>\n"
             "To: videoconference@example.test, bob@example.test\n"
             "Subject: Planning\n"
             "Message-ID: <planning-1@example.test>\n"
             "\n"
             "Hi.\n");
  session_id = wait_session_of ("bob", "Planning");
  g_assert_nonnull (session_id);

  /* carol is accredited but not in the session: her tagged mail adds nobody. */
  tagged = g_strdup_printf ("From: Carol <carol@example.test>\n"
                            "To: videoconference@example.test, dave@example.test\n"
                            "Subject: Joining [cnv:%s]\n"
                            "Message-ID: <planning-carol@example.test>\n"
                            "\n"
                            "Let me in.\n", session_id);
  submit_as ("carol", from_carol, tagged);
  g_assert_true (wait_manager_mails ("carol", NULL, NULL, 1));
  {
    g_autoptr(GPtrArray) reports = manager_mails ("carol", NULL, NULL);
    GMimeObject *body = g_mime_message_get_body (((Mail *) g_ptr_array_index (reports, 0))->message);

    g_assert_null (header (g_ptr_array_index (reports, 0), "X-Convene-Type"));
    report_text = g_mime_text_part_get_text (GMIME_TEXT_PART (body));
    g_assert_nonnull (strstr (report_text, "Only participants of the session"));
  }
  g_assert_cmpuint (count_invitations ("dave", session_id), ==, 0);

  /* bob writes a new request to alice and carol: {alice, bob, carol} ⊋ {alice, bob}. */
  submit_as ("bob", superset,
             "From: Bob <bob@example.test>\n"
             "To: videoconference@example.test, alice@example.test, carol@example.test\n"
             "Subject: Planning, with Carol\n"
             "Message-ID: <planning-2@example.test>\n"
             "\n"
             "Carol should join.\n");
  g_assert_true (wait_manager_mails ("carol", "X-Convene-Session", session_id, 1));
  WAIT_UNTIL (log_contains (&manager, "<planning-2@example.test> from bob@example.test: more people"), 10);
  g_assert_true (log_contains (&manager, "<planning-2@example.test> from bob@example.test: more people"));
  g_assert_cmpuint (count_invitations ("carol", session_id), ==, 1);
  g_assert_cmpuint (count_invitations ("alice", session_id), ==, 1);
  g_assert_cmpuint (count_invitations ("bob", session_id), ==, 1);
  manager_tear_down (&manager);
}

/* `session cancel` from the CLI while the session runs: every participant gets a METHOD:CANCEL,
 * the links answer 410 and the room is closed through its backend (a `command` backend here,
 * whose program records each call). */
static void
test_cancel (void)
{
  Manager manager = { 0, };
  const char *recipients[] = { "videoconference@example.test", "bob@example.test", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;
  g_autofree char *calls = NULL;
  g_autofree char *types = NULL;
  g_autofree char *session_id = NULL;
  g_autofree char *seen = NULL;
  g_autoptr(GPtrArray) mails = NULL;
  g_autoptr(CnvInvitation) invitation = NULL;
  g_autoptr(GSubprocess) cancel = NULL;
  g_autofree char *link = NULL;
  GatewayAnswer answer = { 0, };

  manager_set_up (&manager, NULL, "[type videoconference]\n"
                                  "address = videoconference@example.test\n"
                                  "backend = command\n"
                                  "command = PLACEHOLDER\n"
                                  "default = true\n");
  /* The room program: prints a URL at "open", and records every call. */
  script = g_build_filename (manager.dir, "room.sh", NULL);
  calls = g_build_filename (manager.dir, "room-calls.txt", NULL);
  {
    g_autofree char *text = g_strdup_printf ("#!/bin/sh\n"
                                             "echo \"$CONVENE_ACTION $CONVENE_SESSION_ID\" >> %s\n"
                                             "[ \"$1\" = open ] && echo https://rooms.example.test/$CONVENE_ROOM\n"
                                             "exit 0\n", calls);
    g_autofree char *config = NULL;
    g_autofree char *patched = NULL;

    g_assert_true (g_file_set_contents (script, text, -1, &error));
    g_assert_cmpint (g_chmod (script, 0755), ==, 0);
    g_assert_true (g_file_get_contents (manager.config, &config, NULL, &error));
    {
      g_auto(GStrv) parts = g_strsplit (config, "PLACEHOLDER", 2);

      patched = g_strjoinv (script, parts);
    }
    g_assert_true (g_file_set_contents (manager.config, patched, -1, &error));
  }
  manager_start (&manager);

  submit_as ("alice", recipients,
             "From: Alice <alice@example.test>\n"
             "To: videoconference@example.test, bob@example.test\n"
             "Subject: To be cancelled\n"
             "Message-ID: <cancelled-1@example.test>\n"
             "\n"
             "Hi.\n");
  session_id = wait_session_of ("bob", "To be cancelled");
  g_assert_nonnull (session_id);
  mails = invitations ("bob", session_id);
  invitation = parse_invitation (g_ptr_array_index (mails, 0));
  link = g_strdup (cnv_invitation_get_link (invitation));
  WAIT_UNTIL ((g_free (seen), seen = NULL, g_file_get_contents (calls, &seen, NULL, NULL)) &&
              strstr (seen, "open") != NULL, 20);
  g_assert_nonnull (strstr (seen, "open"));
  gateway_get (link, &answer);
  g_assert_cmpuint (answer.status, ==, 303);
  gateway_answer_clear (&answer);

  cancel = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, g_getenv ("CNV_MANAGER"),
                             "session", "cancel", "--config", manager.config, session_id, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (cancel, NULL, &error));
  g_assert_no_error (error);

  /* bob and alice each get one cancellation; the link answers 410; the room is closed. */
  g_assert_true (wait_manager_mails ("bob", "X-Convene-Session", session_id, 2));
  g_assert_true (wait_manager_mails ("alice", "X-Convene-Session", session_id, 2));
  {
    g_autoptr(GPtrArray) bob = invitations ("bob", session_id);
    guint cancels = 0;

    for (guint i = 0; i < bob->len; i++)
      {
        g_autoptr(CnvInvitation) parsed = parse_invitation (g_ptr_array_index (bob, i));

        cancels += cnv_invitation_get_method (parsed) == CNV_INVITATION_METHOD_CANCEL;
      }
    g_assert_cmpuint (cancels, ==, 1);
  }
  gateway_get (link, &answer);
  g_assert_cmpuint (answer.status, ==, 410);
  gateway_answer_clear (&answer);
  WAIT_UNTIL ((g_free (seen), seen = NULL, g_file_get_contents (calls, &seen, NULL, NULL)) &&
              strstr (seen, "close") != NULL, 20);
  g_assert_nonnull (strstr (seen, "close"));
  manager_tear_down (&manager);
}

/* The type follows the address the request was sent to, and the keyword in the single-address
 * variant. */
static void
test_types (void)
{
  Manager manager = { 0, };
  Manager keyword_manager = { 0, };
  const char *to_whiteboard[] = { "whiteboard@example.test", "bob@example.test", NULL };
  const char *to_video[] = { "videoconference@example.test", "bob@example.test", NULL };
  g_autofree char *session_id = NULL;
  g_autoptr(GPtrArray) mails = NULL;

  manager_set_up (&manager, NULL, NULL);
  manager_start (&manager);
  submit_as ("alice", to_whiteboard,
             "From: Alice <alice@example.test>\n"
             "To: whiteboard@example.test, bob@example.test\n"
             "Subject: Sketching\n"
             "Message-ID: <sketching-1@example.test>\n"
             "\n"
             "Draw with me.\n");
  session_id = wait_session_of ("bob", "Sketching");
  g_assert_nonnull (session_id);
  mails = invitations ("bob", session_id);
  g_assert_cmpstr (header (g_ptr_array_index (mails, 0), "X-Convene-Type"), ==, "whiteboard");
  {
    InternetAddressList *from = g_mime_message_get_from (((Mail *) g_ptr_array_index (mails, 0))->message);
    g_autofree char *from_text = from != NULL ? internet_address_list_to_string (from, NULL, FALSE)
                                              : g_strdup ("");

    /* The invitation comes from the address the request was sent to. */
    g_assert_nonnull (strstr (from_text, "whiteboard@example.test"));
  }
  manager_tear_down (&manager);
  g_clear_pointer (&session_id, g_free);
  g_clear_pointer (&mails, g_ptr_array_unref);

  /* One address, the type from a keyword. */
  manager_set_up (&keyword_manager, "address = videoconference@example.test\n",
                  "[type videoconference]\n"
                  "keywords = video\n"
                  "backend = url\n"
                  "url = https://rooms.example.test/{room}\n"
                  "default = true\n"
                  "\n"
                  "[type whiteboard]\n"
                  "keywords = whiteboard;sketch\n"
                  "backend = url\n"
                  "url = https://boards.example.test/{room}\n");
  manager_start (&keyword_manager);
  submit_as ("alice", to_video,
             "From: Alice <alice@example.test>\n"
             "To: videoconference@example.test, bob@example.test\n"
             "Subject: Whiteboard for the floor plan\n"
             "Message-ID: <floor-plan-1@example.test>\n"
             "\n"
             "Bring ideas.\n");
  session_id = wait_session_of ("bob", "floor plan");
  g_assert_nonnull (session_id);
  mails = invitations ("bob", session_id);
  g_assert_cmpstr (header (g_ptr_array_index (mails, 0), "X-Convene-Type"), ==, "whiteboard");
  manager_tear_down (&keyword_manager);
}

/* Mail the manager must not act on: nobody is mailed. */
static void
test_refusals (void)
{
  Manager manager = { 0, };
  const char *recipients[] = { "videoconference@example.test", "bob@example.test", NULL };
  g_autofree char *session_id = NULL;

  manager_set_up (&manager, "trusted-authserv-id = mx.example.test\n", NULL);
  manager_start (&manager);

  /* A spoofed From that the trusted server saw fail DMARC (a forged pass from another
   * authserv-id above it does not help). */
  submit_as ("alice", recipients,
             "Authentication-Results: evil.example; dmarc=pass header.from=example.test\n"
             "Authentication-Results: mx.example.test; dkim=fail header.d=example.test;\n"
             " dmarc=fail (p=reject) header.from=example.test\n"
             "From: Alice <alice@example.test>\n"
             "To: videoconference@example.test, bob@example.test\n"
             "Subject: Spoofed meeting\n"
             "Message-ID: <spoofed-1@example.test>\n"
             "\n"
             "Click.\n");
  /* An auto-reply. */
  submit_as ("alice", recipients,
             "Authentication-Results: mx.example.test; dmarc=pass header.from=example.test\n"
             "From: Alice <alice@example.test>\n"
             "To: videoconference@example.test, bob@example.test\n"
             "Subject: Out of office\n"
             "Auto-Submitted: auto-replied\n"
             "Message-ID: <ooo-1@example.test>\n"
             "\n"
             "I am away.\n");
  /* Then a genuine one, which shows that the two before were read and dropped. */
  submit_as ("alice", recipients,
             "Authentication-Results: mx.example.test; dkim=pass header.d=example.test;\n"
             " dmarc=pass header.from=example.test\n"
             "From: Alice <alice@example.test>\n"
             "To: videoconference@example.test, bob@example.test\n"
             "Subject: Genuine meeting\n"
             "Message-ID: <genuine-1@example.test>\n"
             "\n"
             "Hi.\n");

  session_id = wait_session_of ("bob", "Genuine meeting");
  g_assert_nonnull (session_id);
  WAIT_UNTIL (log_contains (&manager, "ooo-1@example.test"), 10);
  g_assert_true (log_contains (&manager, "<spoofed-1@example.test> from alice@example.test refused"));
  g_assert_true (log_contains (&manager, "<ooo-1@example.test> from alice@example.test ignored"));
  {
    const char *users[] = { "alice", "bob" };

    /* No invitation and no report for the two (no report to a sender that failed
     * authentication, no answer to an auto-reply). */
    for (guint u = 0; u < G_N_ELEMENTS (users); u++)
      {
        g_autoptr(GPtrArray) mails = manager_mails (users[u], NULL, NULL);

        for (guint i = 0; i < mails->len; i++)
          {
            const char *subject = g_mime_message_get_subject (((Mail *) g_ptr_array_index (mails, i))->message);

            g_assert_null (strstr (subject, "Spoofed"));
            g_assert_null (strstr (subject, "Out of office"));
          }
      }
  }
  manager_tear_down (&manager);
}

/* SMTP down for 60 s: the invitations arrive once it is back. */
static void
test_smtp_outage (void)
{
  Manager manager = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autofree char *session_id = NULL;
  const char *text =
    "From: Alice <alice@example.test>\r\n"
    "To: videoconference@example.test, bob@example.test\r\n"
    "Subject: During the outage\r\n"
    "Message-ID: <outage-1@example.test>\r\n"
    "\r\n"
    "Hi.\r\n";

  manager_set_up (&manager, NULL, NULL);
  manager_start (&manager);
  cnv_mailstack_stop_postfix (stack, &error);
  g_assert_no_error (error);

  /* The request is put straight into the manager's mailbox: Postfix is down. */
  request = g_bytes_new_static (text, strlen (text));
  cnv_mailstack_deliver (stack, "videoconference", request, &error);
  g_assert_no_error (error);
  WAIT_UNTIL (log_contains (&manager, "retrying in"), 30);
  g_assert_true (log_contains (&manager, "retrying in"));

  spin_ms (60 * 1000);
  {
    g_autoptr(GPtrArray) bob = manager_mails ("bob", NULL, NULL);

    for (guint i = 0; i < bob->len; i++)
      g_assert_null (strstr (g_mime_message_get_subject (((Mail *) g_ptr_array_index (bob, i))->message),
                             "During the outage"));
  }
  cnv_mailstack_start_postfix (stack, &error);
  g_assert_no_error (error);

  session_id = wait_session_of ("bob", "During the outage");
  g_assert_nonnull (session_id);
  g_assert_cmpuint (count_invitations ("bob", session_id), ==, 1);
  manager_tear_down (&manager);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  if (g_getenv ("CNV_MANAGER") == NULL)
    {
      g_test_skip ("CNV_MANAGER is not set (run through meson test)");
      return g_test_run ();
    }
  stack = cnv_mailstack_start (&error);
  g_assert_no_error (error);

  g_test_add_func ("/manager/daemon/request", test_request);
  g_test_add_func ("/manager/daemon/timeline", test_timeline);
  g_test_add_func ("/manager/daemon/invite-more", test_invite_more);
  g_test_add_func ("/manager/daemon/invite-more-rules", test_invite_more_rules);
  g_test_add_func ("/manager/daemon/types", test_types);
  g_test_add_func ("/manager/daemon/cancel", test_cancel);
  g_test_add_func ("/manager/daemon/refusals", test_refusals);
  g_test_add_func ("/manager/daemon/smtp-outage", test_smtp_outage);

  status = g_test_run ();
  cnv_mailstack_stop (stack);
  return status;
}
