/* test-manager-processor-more.c — Fig 5 for one mail (CnvManagerProcessor) on a real store:
 * inviting more people to a running session (the [cnv:ID] tag, replies, the seed's superset
 * rule), the participant limit, and hostile mail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "processor-test-common.h"

/* A session of alice with @others (To), accepted; returns its id. */
static char *
start_session (Fixture    *fixture,
               const char *others,
               const char *message_id)
{
  g_autofree char *headers = g_strdup_printf ("From: Alice <alice@example.test>\n"
                                              "To: " MANAGER ", %s\n"
                                              "Subject: Sync\n"
                                              "Message-ID: <%s>\n", others, message_id);
  g_autoptr(GBytes) mail = request_new (headers);
  g_autoptr(CnvProcessResult) result = handle (fixture, mail);

  g_assert_cmpint (result->outcome, ==, CNV_PROCESS_ACCEPTED);
  return g_steal_pointer (&result->session_id);
}

/* ---- Invite more ---------------------------------------------------------------------------- */

static void
test_tag (Fixture       *fixture,
          gconstpointer  data)
{
  g_autofree char *id = start_session (fixture, "bob@example.test, carol@example.test",
                                       "tag-request@example.test");
  g_autofree char *headers = g_strdup_printf ("From: Bob <bob@example.test>\n"
                                              "To: " MANAGER ", alice@example.test, "
                                              "carol@example.test, dave@example.test, "
                                              "mallory@evil.test\n"
                                              "Cc: frank@example.test\n"
                                              "Subject: Re: [cnv:%s] Sync\n"
                                              "Message-ID: <tag-more@example.test>\n", id);
  g_autoptr(GBytes) mail = request_new (headers);
  gint64 last = outbox_last_id (fixture);
  g_autoptr(CnvProcessResult) result = handle (fixture, mail);
  g_autoptr(CnvStoredSession) session = session_get (fixture, id);
  g_autoptr(GPtrArray) items = outbox_all (fixture);
  g_autofree char *members = participants_of (fixture, id);
  g_autofree char *refused = NULL;
  g_autofree char *informational = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *report_session = NULL;
  CnvOutboxItem *item;

  assert_result (result, CNV_PROCESS_INVITED_MORE, NULL, 1, 1, TRUE);
  g_assert_cmpstr (result->session_id, ==, id);
  g_assert_cmpstr (members, ==,
                   "alice@example.test,bob@example.test,carol@example.test,dave@example.test");
  /* The session itself does not change. */
  g_assert_cmpstr (session->initiator, ==, "alice@example.test");
  g_assert_cmpstr (session->title, ==, "Sync");
  g_assert_cmpstr (session->request_message_id, ==, "tag-request@example.test");

  /* Only the new address is invited; the report goes to who asked, bob. */
  g_assert_cmpuint (outbox_count (items, last, CNV_OUTBOX_INVITATION), ==, 1);
  g_assert_cmpuint (outbox_count (items, last, CNV_OUTBOX_REFUSAL), ==, 1);
  item = outbox_find (items, last, CNV_OUTBOX_INVITATION, "dave@example.test",
                      "tag-more@example.test");
  g_assert_cmpstr (item->session_id, ==, id);
  g_assert_cmpint (item->next_attempt, ==, fixture->now);
  item = outbox_find (items, last, CNV_OUTBOX_REFUSAL, "bob@example.test", "tag-more@example.test");
  g_assert_cmpstr (item->session_id, ==, id);
  read_report (item, &refused, &informational, &problem, &report_session);
  g_assert_cmpstr (refused, ==, "mallory@evil.test");
  g_assert_cmpstr (informational, ==, "frank@example.test");
  g_assert_null (problem);
  g_assert_cmpstr (report_session, ==, id);
  assert_processed (fixture, "tag-more@example.test", "accepted", "bob@example.test");
  assert_counts (fixture, 1, 4, 5, 2);
}

/* A reply to an invitation (In-Reply-To: its Message-ID) or to the request (References). */
static void
test_reply (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *id = start_session (fixture, "bob@example.test", "reply-request@example.test");
  g_autoptr(GPtrArray) items = outbox_all (fixture);
  CnvOutboxItem *invitation = outbox_find (items, 0, CNV_OUTBOX_INVITATION, "bob@example.test",
                                           "reply-request@example.test");
  g_autofree char *to_invitation = g_strdup_printf ("From: bob@example.test\n"
                                                    "To: " MANAGER ", carol@example.test\n"
                                                    "Subject: Re: Sync\n"
                                                    "In-Reply-To: <%s>\n"
                                                    "Message-ID: <reply-1@example.test>\n",
                                                    invitation->message_id);
  g_autoptr(GBytes) first = request_new (to_invitation);
  g_autoptr(GBytes) second = request_new ("From: alice@example.test\n"
                                          "To: " MANAGER ", dave@example.test\n"
                                          "Subject: Re: Sync\n"
                                          "References: <unrelated@example.test> "
                                          "<reply-request@example.test>\n"
                                          "Message-ID: <reply-2@example.test>\n");
  /* Not a participant: the thread does not make erin one; a new session of erin's. */
  g_autoptr(GBytes) outsider = request_new ("From: erin@example.test\n"
                                            "To: " MANAGER ", alice@example.test\n"
                                            "Subject: Re: Sync\n"
                                            "In-Reply-To: <reply-request@example.test>\n"
                                            "Message-ID: <reply-3@example.test>\n");
  /* Another type: a new whiteboard session, not the videoconference. */
  g_autoptr(GBytes) other_type = request_new ("From: alice@example.test\n"
                                              "To: " WHITEBOARD ", erin@example.test\n"
                                              "Subject: Re: Sync\n"
                                              "In-Reply-To: <reply-request@example.test>\n"
                                              "Message-ID: <reply-4@example.test>\n");
  g_autoptr(CnvProcessResult) result = NULL;
  g_autofree char *members = NULL;

  result = handle (fixture, first);
  assert_result (result, CNV_PROCESS_INVITED_MORE, NULL, 1, 0, FALSE);
  g_assert_cmpstr (result->session_id, ==, id);
  g_clear_pointer (&result, cnv_process_result_free);

  result = handle (fixture, second);
  assert_result (result, CNV_PROCESS_INVITED_MORE, NULL, 1, 0, FALSE);
  g_assert_cmpstr (result->session_id, ==, id);
  g_clear_pointer (&result, cnv_process_result_free);
  members = participants_of (fixture, id);
  g_assert_cmpstr (members, ==,
                   "alice@example.test,bob@example.test,carol@example.test,dave@example.test");

  result = handle (fixture, outsider);
  assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
  g_assert_cmpstr (result->session_id, !=, id);
  g_clear_pointer (&result, cnv_process_result_free);

  result = handle (fixture, other_type);
  assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
  g_assert_cmpstr (result->session_id, !=, id);
  assert_counts (fixture, 3, 8, 8, 5);
}

/* A reply into the thread of a session that is over starts a new session. */
static void
test_reply_ended (Fixture       *fixture,
                  gconstpointer  data)
{
  static const CnvSessionState states[] = { CNV_SESSION_STATE_CLOSED,
                                            CNV_SESSION_STATE_CANCELLED,
                                            CNV_SESSION_STATE_SCHEDULED };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_autofree char *request_id = g_strdup_printf ("ended-%u@example.test", i);
      g_autofree char *id = start_session (fixture, "bob@example.test", request_id);
      g_autofree char *headers = g_strdup_printf ("From: bob@example.test\n"
                                                  "To: " MANAGER ", alice@example.test, "
                                                  "carol@example.test\n"
                                                  "Subject: Re: Sync\n"
                                                  "In-Reply-To: <%s>\n"
                                                  "Message-ID: <ended-reply-%u@example.test>\n",
                                                  request_id, i);
      g_autoptr(GBytes) mail = request_new (headers);
      g_autoptr(CnvProcessResult) result = NULL;
      g_autoptr(CnvStoredSession) session = NULL;
      g_autofree char *members = NULL;

      if (states[i] != CNV_SESSION_STATE_SCHEDULED)
        session_set_state (fixture, id, states[i]);
      else
        fixture->now += 2 * HOUR;   /* still "scheduled", but its end has passed */
      result = handle (fixture, mail);
      assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 3, 0, FALSE);
      g_assert_cmpstr (result->session_id, !=, id);
      session = session_get (fixture, result->session_id);
      g_assert_cmpstr (session->initiator, ==, "bob@example.test");
      members = participants_of (fixture, id);
      g_assert_cmpstr (members, ==, "alice@example.test,bob@example.test");
      if (states[i] != CNV_SESSION_STATE_SCHEDULED)
        session_set_state (fixture, result->session_id, CNV_SESSION_STATE_CLOSED);
    }
}

/* ---- The seed's superset rule --------------------------------------------------------------- */

/* A participant's request without times whose To strictly contains the participants of a
 * session under way: more people for that session. */
static void
test_superset (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *id = start_session (fixture, "bob@example.test", "superset-1@example.test");
  g_autoptr(GBytes) more = request_new ("From: alice@example.test\n"
                                        "To: " MANAGER ", bob@example.test, carol@example.test\n"
                                        "Subject: Sync, with Carol\n"
                                        "Message-ID: <superset-2@example.test>\n");
  /* From a participant who is not the initiator, and in another order. */
  g_autoptr(GBytes) again = request_new ("From: carol@example.test\n"
                                         "To: " MANAGER ", dave@example.test, bob@example.test, "
                                         "alice@example.test\n"
                                         "Subject: Sync, with Dave\n"
                                         "Message-ID: <superset-3@example.test>\n");
  g_autoptr(CnvProcessResult) result = NULL;
  g_autofree char *members = NULL;

  session_set_state (fixture, id, CNV_SESSION_STATE_ACTIVE);
  result = handle (fixture, more);
  assert_result (result, CNV_PROCESS_INVITED_MORE, NULL, 1, 0, FALSE);
  g_assert_cmpstr (result->session_id, ==, id);
  g_clear_pointer (&result, cnv_process_result_free);

  result = handle (fixture, again);
  assert_result (result, CNV_PROCESS_INVITED_MORE, NULL, 1, 0, FALSE);
  g_assert_cmpstr (result->session_id, ==, id);
  members = participants_of (fixture, id);
  g_assert_cmpstr (members, ==,
                   "alice@example.test,bob@example.test,carol@example.test,dave@example.test");
  assert_counts (fixture, 1, 4, 4, 3);
}

/* Where the rule stops: each case is a new session. */
static void
test_superset_limits (Fixture       *fixture,
                      gconstpointer  data)
{
  enum { NOT_STARTED, OWN_TIMES, EQUAL, OUTSIDER, SAME_UID };
  const char *from[] = { "alice", "alice", "alice", "dave", "alice" };

  for (guint i = NOT_STARTED; i <= SAME_UID; i++)
    {
      g_autofree char *first_headers = g_strdup_printf ("From: alice@example.test\n"
                                                        "To: " MANAGER ", bob@example.test\n"
                                                        "Subject: First %u\n"
                                                        "Message-ID: <limit-%u@example.test>\n",
                                                        i, i);
      g_autofree char *event_uid = g_strdup_printf ("limit-event-%u@example.test", i);
      g_autofree char *second_headers =
        g_strdup_printf ("From: %s@example.test\n"
                         "To: " MANAGER ", alice@example.test, bob@example.test%s\n"
                         "Subject: Second %u\n"
                         "Message-ID: <limit-second-%u@example.test>\n",
                         from[i], i == EQUAL ? "" : ", carol@example.test", i, i);
      g_autoptr(GBytes) first = NULL;
      g_autoptr(GBytes) second = NULL;
      g_autoptr(CnvProcessResult) started = NULL;
      g_autoptr(CnvProcessResult) result = NULL;

      /* The first session: under way (or, for NOT_STARTED, tomorrow). */
      if (i == NOT_STARTED)
        first = calendar_request_new (first_headers, event_uid, "0", fixture->now + 24 * HOUR,
                                      fixture->now + 25 * HOUR);
      else
        first = calendar_request_new (first_headers, event_uid, "0", fixture->now - 600,
                                      fixture->now + HOUR);
      started = handle (fixture, first);
      assert_result (started, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);

      /* The second request: its own times (another UID, or the same for SAME_UID). */
      if (i == OWN_TIMES || i == SAME_UID)
        second = calendar_request_new (second_headers,
                                       i == SAME_UID ? event_uid : "another@example.test", "1",
                                       fixture->now, fixture->now + HOUR);
      else
        second = request_new (second_headers);
      result = handle (fixture, second);
      if (i == SAME_UID)
        {
          /* The same calendar event, with one more attendee: the same session. */
          assert_result (result, CNV_PROCESS_INVITED_MORE, NULL, 1, 0, FALSE);
          g_assert_cmpstr (result->session_id, ==, started->session_id);
        }
      else
        {
          assert_result (result, CNV_PROCESS_ACCEPTED, NULL,
                         i == EQUAL ? 2 : i == OUTSIDER ? 4 : 3, 0, FALSE);
          g_assert_cmpstr (result->session_id, !=, started->session_id);
        }
      /* Out of the way of the next case. */
      session_set_state (fixture, started->session_id, CNV_SESSION_STATE_CLOSED);
      session_set_state (fixture, result->session_id, CNV_SESSION_STATE_CLOSED);
    }
}

/* max-participants = 4 counts the session's participants and the new ones together. */
static void
test_more_max_participants (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *id = start_session (fixture, "bob@example.test, carol@example.test",
                                       "max-request@example.test");
  g_autofree char *too_many = g_strdup_printf ("From: bob@example.test\n"
                                               "To: " MANAGER ", dave@example.test, "
                                               "erin@example.test\n"
                                               "Subject: Re: [cnv:%s] Sync\n"
                                               "Message-ID: <max-1@example.test>\n", id);
  g_autofree char *one_more = g_strdup_printf ("From: bob@example.test\n"
                                               "To: " MANAGER ", alice@example.test, "
                                               "carol@example.test, dave@example.test\n"
                                               "Subject: Re: [cnv:%s] Sync\n"
                                               "Message-ID: <max-2@example.test>\n", id);
  g_autoptr(GBytes) first = request_new (too_many);
  g_autoptr(GBytes) second = request_new (one_more);
  gint64 last = outbox_last_id (fixture);
  g_autoptr(CnvProcessResult) result = handle (fixture, first);
  g_autoptr(GPtrArray) items = outbox_all (fixture);
  g_autofree char *members = NULL;

  assert_result (result, CNV_PROCESS_REFUSED, "would have 5 participants", 0, 0, TRUE);
  g_assert_cmpuint (outbox_count (items, last, CNV_OUTBOX_INVITATION), ==, 0);
  outbox_find (items, last, CNV_OUTBOX_REFUSAL, "bob@example.test", "max-1@example.test");
  members = participants_of (fixture, id);
  g_assert_cmpstr (members, ==, "alice@example.test,bob@example.test,carol@example.test");
  g_clear_pointer (&result, cnv_process_result_free);
  g_clear_pointer (&members, g_free);

  result = handle (fixture, second);
  assert_result (result, CNV_PROCESS_INVITED_MORE, NULL, 1, 0, FALSE);
  members = participants_of (fixture, id);
  g_assert_cmpstr (members, ==,
                   "alice@example.test,bob@example.test,carol@example.test,dave@example.test");
}

/* ---- Hostile mail --------------------------------------------------------------------------- */

static void
test_hostile_recipients (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new ("From: alice@example.test\nTo: " MANAGER);
  g_autoptr(GBytes) mail = NULL;
  g_autoptr(CnvProcessResult) result = NULL;

  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (text, ",\n user%05u@example.test", i);
  g_string_append (text, "\nSubject: Everyone\nMessage-ID: <everyone@example.test>\n");
  mail = request_new (text->str);
  result = handle (fixture, mail);
  assert_result (result, CNV_PROCESS_REFUSED, "10001 participants", 0, 0, TRUE);
  assert_counts (fixture, 0, 0, 1, 1);
}

static void
test_hostile_headers (Fixture       *fixture,
                      gconstpointer  data)
{
  /* CR LF inside a quoted name ends the header there: a From without an address. */
  static const char broken[] = "From: \"Alice\r\nBcc: mallory@evil.test\" <alice@example.test>\n"
                               "To: " MANAGER ", bob@example.test\n"
                               "Subject: Broken\n"
                               "Message-ID: <crlf@example.test>\n"
                               "\n"
                               "Body\n";
  /* A bare CR, NUL and other control characters inside the headers and the body. */
  static const char raw[] = "From: \"Alice\rBcc: mallory@evil.test\" <alice@example.test>\n"
                            "To: " MANAGER ", bob@example.test\n"
                            "Subject: Hi\rBcc: mallory@evil.test\0 there\x01\x7f\x1b[31m\n"
                            "Message-ID: <nul@example.test>\n"
                            "\n"
                            "Body\0with NUL\n";
  g_autoptr(GBytes) broken_mail = g_bytes_new_static (broken, sizeof broken - 1);
  g_autoptr(GBytes) mail = g_bytes_new_static (raw, sizeof raw - 1);
  g_autoptr(GString) subject = g_string_new ("From: alice@example.test\n"
                                             "To: " MANAGER ", bob@example.test\n"
                                             "Message-ID: <huge-subject@example.test>\n"
                                             "Subject: ");
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(CnvProcessResult) result = handle (fixture, broken_mail);
  g_autoptr(CnvStoredSession) session = NULL;
  g_autofree char *members = NULL;

  assert_result (result, CNV_PROCESS_IGNORED, "From", 0, 0, FALSE);
  assert_counts (fixture, 0, 0, 0, 1);
  g_clear_pointer (&result, cnv_process_result_free);

  /* Nothing the mail carries breaks a line in a header or a stored value. */
  result = handle (fixture, mail);
  assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
  session = session_get (fixture, result->session_id);
  g_assert_true (g_str_has_prefix (session->title, "Hi"));
  g_assert_null (strpbrk (session->title, "\r\n\x01\x1b\x7f"));
  g_assert_nonnull (session->initiator_name);
  g_assert_null (strpbrk (session->initiator_name, "\r\n"));
  members = participants_of (fixture, result->session_id);
  g_assert_cmpstr (members, ==, "alice@example.test,bob@example.test");
  g_clear_pointer (&result, cnv_process_result_free);

  /* A subject of 1 MB, in one line. */
  while (subject->len < 1024 * 1024)
    g_string_append (subject, "All work and no play makes Jack a dull boy. ");
  g_string_append (subject, "\n");
  huge = request_new (subject->str);
  result = handle (fixture, huge);
  assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
  g_clear_pointer (&session, cnv_stored_session_free);
  session = session_get (fixture, result->session_id);
  g_assert_true (g_str_has_prefix (session->title, "All work and no play"));
  g_assert_null (strpbrk (session->title, "\r\n"));
}

/* SEQUENCE is an integer (RFC 5545 §3.8.7.4); the manager's is one higher, without overflow. */
static void
test_hostile_sequence (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *sequences[] = { "2147483647", "2147483648", "-2147483648", "99999999999999999999",
                              "-1", "abc", "" };

  for (guint i = 0; i < G_N_ELEMENTS (sequences); i++)
    {
      g_autofree char *headers = g_strdup_printf ("From: alice@example.test\n"
                                                  "To: " MANAGER ", bob@example.test\n"
                                                  "Subject: Sequence %u\n"
                                                  "Message-ID: <sequence-%u@example.test>\n",
                                                  i, i);
      g_autofree char *uid = g_strdup_printf ("sequence-%u@example.test", i);
      g_autoptr(GBytes) mail = calendar_request_new (headers, uid, sequences[i],
                                                     fixture->now + HOUR, fixture->now + 2 * HOUR);
      g_autoptr(CnvProcessResult) result = handle (fixture, mail);
      g_autoptr(CnvStoredSession) session = NULL;

      g_assert_true (result->outcome == CNV_PROCESS_ACCEPTED ||
                     result->outcome == CNV_PROCESS_REFUSED);
      if (result->outcome != CNV_PROCESS_ACCEPTED)
        continue;
      session = session_get (fixture, result->session_id);
      g_assert_cmpint (session->sequence, >=, 1);
      g_assert_cmpint (session->sequence, <=, G_MAXINT);
      g_assert_cmpstr (session->uid, ==, uid);
    }
}

/* `[cnv:` that is no tag is a plain subject; a real tag after garbage is still found. */
static void
test_hostile_tag (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *long_tag = g_strnfill (65, 'a');
  g_autofree char *long_subject = g_strdup_printf ("[cnv:%s]", long_tag);
  g_autofree char *id = start_session (fixture, "bob@example.test", "tag-base@example.test");
  g_autoptr(GString) many = g_string_new (NULL);
  const char *subjects[] = { "[cnv:", "[cnv:]", "[cnv:a b] x", long_subject,
                             "[cnv:../../etc/passwd]", "[cnv:caf\xc3\xa9]", "[cnv:[cnv:[cnv:]]]",
                             NULL };
  g_autofree char *real = NULL;
  g_autoptr(GBytes) tagged = NULL;
  g_autoptr(CnvProcessResult) result = NULL;

  /* Ten thousand openings without a close. */
  for (guint i = 0; i < 10000; i++)
    g_string_append (many, "[cnv:");
  subjects[G_N_ELEMENTS (subjects) - 1] = many->str;

  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      g_autofree char *headers = g_strdup_printf ("From: bob@example.test\n"
                                                  "To: " MANAGER ", carol@example.test\n"
                                                  "Subject: %s\n"
                                                  "Message-ID: <garbage-%u@example.test>\n",
                                                  subjects[i], i);
      g_autoptr(GBytes) mail = request_new (headers);

      result = handle (fixture, mail);
      assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
      g_assert_cmpstr (result->session_id, !=, id);
      g_clear_pointer (&result, cnv_process_result_free);
    }

  real = g_strdup_printf ("From: bob@example.test\n"
                          "To: " MANAGER ", dave@example.test\n"
                          "Subject: Re: [cnv:bad tag] [cnv:%s] Sync\n"
                          "Message-ID: <garbage-then-tag@example.test>\n", id);
  tagged = request_new (real);
  result = handle (fixture, tagged);
  assert_result (result, CNV_PROCESS_INVITED_MORE, NULL, 1, 0, FALSE);
  g_assert_cmpstr (result->session_id, ==, id);
}

/* No Subject, or one of blanks only: the session still needs a title. */
static void
test_hostile_no_subject (Fixture       *fixture,
                         gconstpointer  data)
{
  const char *subjects[] = { NULL, "Subject: \n", "Subject: \"\"\n",
                             "Subject: =?utf-8?q?=0D=0A?=\n" };

  if (!in_subprocess ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      g_autofree char *headers = g_strdup_printf ("From: alice@example.test\n"
                                                  "To: " MANAGER ", bob@example.test\n"
                                                  "%s"
                                                  "Message-ID: <no-subject-%u@example.test>\n",
                                                  subjects[i] != NULL ? subjects[i] : "", i);
      g_autoptr(GBytes) mail = request_new (headers);
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvProcessResult) result = NULL;
      g_autoptr(CnvStoredSession) session = NULL;

      /* A missing or blank Subject still makes a session, titled "(no subject)" (it used to
       * reach the store as a NULL title: a critical, and an error-less failure). */
      result = cnv_manager_processor_handle (fixture->processor, MAILBOX, UIDVALIDITY, i + 1, mail,
                                             g_bytes_get_size (mail), fixture->now, &error);
      g_assert_no_error (error);
      g_assert_nonnull (result);
      assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
      session = session_get (fixture, result->session_id);
      g_assert_nonnull (session->title);
    }
}

/* A Message-ID longer than any valid one: the mail is keyed by its position, and it still answers
 * nothing with a made-up Message-ID. */
static void
test_hostile_message_id (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *local = g_strnfill (1000, 'x');
  g_autofree char *headers = g_strdup_printf ("From: alice@example.test\n"
                                              "To: " MANAGER ", bob@example.test\n"
                                              "Subject: Long id\n"
                                              "Message-ID: <%s@example.test>\n", local);
  g_autoptr(GBytes) mail = request_new (headers);
  g_autoptr(CnvProcessResult) result = NULL;
  g_autoptr(CnvProcessResult) again = NULL;
  g_autoptr(CnvStoredSession) session = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autofree char *key = g_strdup_printf ("(no Message-ID) " MAILBOX " %u %u", UIDVALIDITY, 1);

  if (!in_subprocess ())
    return;
  result = handle (fixture, mail);
  assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
  g_assert_cmpstr (result->message_id, ==, key);
  again = handle_at (fixture, 1, mail, g_bytes_get_size (mail));
  assert_result (again, CNV_PROCESS_DUPLICATE, NULL, 0, 0, FALSE);

  session = session_get (fixture, result->session_id);
  items = outbox_all (fixture);
  g_assert_cmpuint (items->len, ==, 2);
  /* The processed-record key is internal: without a usable Message-ID, the session has no
   * request Message-ID and the outbox rows no In-Reply-To (no header names the mailbox). */
  g_assert_null (session->request_message_id);
  outbox_find (items, 0, CNV_OUTBOX_INVITATION, "bob@example.test", NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

#define ADD(path, function, extra) \
  g_test_add ("/manager/processor/" path, Fixture, extra, fixture_set_up, function, \
              fixture_tear_down)

  ADD ("more/tag", test_tag, NULL);
  ADD ("more/reply", test_reply, NULL);
  ADD ("more/reply-ended", test_reply_ended, NULL);
  ADD ("more/max-participants", test_more_max_participants, "max-participants = 4");
  ADD ("superset/running", test_superset, NULL);
  ADD ("superset/limits", test_superset_limits, NULL);
  ADD ("hostile/recipients", test_hostile_recipients, NULL);
  ADD ("hostile/headers", test_hostile_headers, NULL);
  ADD ("hostile/sequence", test_hostile_sequence, NULL);
  ADD ("hostile/tag", test_hostile_tag, NULL);
  /* These show bugs (see the tests); they run in a subprocess. */
  ADD ("hostile/no-subject", test_hostile_no_subject, NULL);
  ADD ("hostile/message-id", test_hostile_message_id, NULL);

  return g_test_run ();
}
