/* test-manager-processor.c — Fig 5 for one mail (CnvManagerProcessor) on a real store: accepted
 * requests, invite-at=start, duplicates, ignored mail, refusals with and without a report
 *
 * test-manager-processor-more.c has inviting more people, the seed's superset rule and hostile
 * mail.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "processor-test-common.h"

/* ---- Accepted ------------------------------------------------------------------------------- */

static void
test_accepted (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GBytes) mail = request_new ("From: Alice <alice@example.test>\n"
                                        "To: " MANAGER ", Bob <bob@example.test>, "
                                        "carol@example.test, Mallory <mallory@evil.test>\n"
                                        "Cc: frank@example.test\n"
                                        "Subject: Weekly sync\n"
                                        "Message-ID: <accepted-1@example.test>\n");
  g_autoptr(CnvProcessResult) result = handle (fixture, mail);
  g_autoptr(CnvStoredSession) session = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autofree char *members = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *informational = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *report_session = NULL;
  g_autofree char *uid_prefix = NULL;
  const char * const invited[] = { "alice@example.test", "bob@example.test", "carol@example.test" };
  CnvOutboxItem *report;

  assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 3, 1, TRUE);
  g_assert_cmpstr (result->message_id, ==, "accepted-1@example.test");
  g_assert_cmpstr (result->sender, ==, "alice@example.test");

  session = session_get (fixture, result->session_id);
  g_assert_cmpstr (session->type, ==, "videoconference");
  g_assert_cmpstr (session->title, ==, "Weekly sync");
  g_assert_cmpstr (session->initiator, ==, "alice@example.test");
  g_assert_cmpstr (session->initiator_name, ==, "Alice");
  g_assert_cmpstr (session->manager_address, ==, MANAGER);
  g_assert_cmpstr (session->request_message_id, ==, "accepted-1@example.test");
  /* E507: no temporal information — now and the default duration. */
  g_assert_cmpint (session->start, ==, fixture->now);
  g_assert_cmpint (session->end, ==, fixture->now + HOUR);
  g_assert_cmpint (session->state, ==, CNV_SESSION_STATE_SCHEDULED);
  g_assert_false (session->invite_at_start);
  g_assert_true (g_str_has_prefix (session->room, "cnv"));
  g_assert_null (session->room_url);
  /* No calendar part: a UID of the manager's own, SEQUENCE 0 + 1. */
  uid_prefix = g_strdup_printf ("%s@", session->id);
  g_assert_true (g_str_has_prefix (session->uid, uid_prefix));
  g_assert_cmpint (session->sequence, ==, 1);

  members = participants_of (fixture, session->id);
  g_assert_cmpstr (members, ==, "alice@example.test,bob@example.test,carol@example.test");

  /* E514: one invitation per accredited participant, the initiator included, due now. */
  items = outbox_all (fixture);
  g_assert_cmpuint (items->len, ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (invited); i++)
    {
      CnvOutboxItem *item = outbox_find (items, 0, CNV_OUTBOX_INVITATION, invited[i],
                                         "accepted-1@example.test");
      g_autoptr(CnvStoredParticipant) participant = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_cmpstr (item->session_id, ==, session->id);
      g_assert_cmpstr (item->sender, ==, MANAGER);
      g_assert_cmpint (item->next_attempt, ==, fixture->now);
      g_assert_null (item->payload);
      g_assert_true (cnv_manager_store_get_participant (fixture->store, item->participant_id,
                                                        &participant, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (participant->address, ==, invited[i]);
    }
  g_assert_cmpstr (outbox_find (items, 0, CNV_OUTBOX_INVITATION, "bob@example.test",
                                "accepted-1@example.test")->recipient_name, ==, "Bob");

  /* One report to the initiator: the stranger refused, the Cc informational. */
  report = outbox_find (items, 0, CNV_OUTBOX_REFUSAL, "alice@example.test",
                        "accepted-1@example.test");
  g_assert_cmpstr (report->session_id, ==, session->id);
  g_assert_cmpstr (report->sender, ==, MANAGER);
  g_assert_cmpint (report->next_attempt, ==, fixture->now);
  read_report (report, &refused, &informational, &problem, &report_session);
  g_assert_cmpstr (refused, ==, "mallory@evil.test");
  g_assert_cmpstr (informational, ==, "frank@example.test");
  g_assert_null (problem);
  g_assert_cmpstr (report_session, ==, session->id);

  /* All Message-IDs differ. */
  for (guint i = 0; i < items->len; i++)
    for (guint j = i + 1; j < items->len; j++)
      g_assert_cmpstr (((CnvOutboxItem *) g_ptr_array_index (items, i))->message_id, !=,
                       ((CnvOutboxItem *) g_ptr_array_index (items, j))->message_id);

  assert_counts (fixture, 1, 3, 4, 1);
  assert_processed (fixture, "accepted-1@example.test", "accepted", "alice@example.test");
}

/* A calendar part: its UID is kept, the SEQUENCE goes up, its times are the session's; the type
 * comes from the manager address. */
static void
test_accepted_calendar (Fixture       *fixture,
                        gconstpointer  data)
{
  gint64 start = fixture->now + 24 * HOUR;
  g_autoptr(GBytes) mail = calendar_request_new ("From: alice@example.test\n"
                                                 "To: " WHITEBOARD ", bob@example.test\n"
                                                 "Subject: Sketches\n"
                                                 "Message-ID: <cal-1@example.test>\n",
                                                 "event-1@example.test", "3", start,
                                                 start + 1800);
  g_autoptr(CnvProcessResult) result = handle (fixture, mail);
  g_autoptr(CnvStoredSession) session = NULL;
  g_autoptr(GPtrArray) items = NULL;
  CnvOutboxItem *item;

  assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
  session = session_get (fixture, result->session_id);
  g_assert_cmpstr (session->type, ==, "whiteboard");
  g_assert_cmpstr (session->manager_address, ==, WHITEBOARD);
  g_assert_cmpstr (session->uid, ==, "event-1@example.test");
  g_assert_cmpint (session->sequence, ==, 4);
  g_assert_cmpint (session->start, ==, start);
  g_assert_cmpint (session->end, ==, start + 1800);

  /* invite-at=request (the default): the invitations go out now, with the times. */
  items = outbox_all (fixture);
  g_assert_cmpuint (items->len, ==, 2);
  item = outbox_find (items, 0, CNV_OUTBOX_INVITATION, "bob@example.test", "cal-1@example.test");
  g_assert_cmpint (item->next_attempt, ==, fixture->now);
  g_assert_cmpstr (item->sender, ==, WHITEBOARD);
  assert_counts (fixture, 1, 2, 2, 1);
}

/* E508: with invite-at=start the invitations wait for the start; a start already passed is now. */
static void
test_invite_at_start (Fixture       *fixture,
                      gconstpointer  data)
{
  struct
  {
    gint64 start;
    gint64 end;
    gint64 expected;
  } cases[] = {
    { fixture->now + 2 * HOUR, fixture->now + 3 * HOUR, fixture->now + 2 * HOUR },
    { fixture->now - 1800, fixture->now + 1800, fixture->now },
    { 0, 0, fixture->now },   /* no times: starts now */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *headers = g_strdup_printf ("From: alice@example.test\n"
                                                  "To: " MANAGER ", bob@example.test\n"
                                                  "Subject: Case %u\n"
                                                  "Message-ID: <start-%u@example.test>\n", i, i);
      g_autofree char *event_uid = g_strdup_printf ("start-event-%u@example.test", i);
      g_autofree char *message_id = g_strdup_printf ("start-%u@example.test", i);
      g_autoptr(GBytes) mail = cases[i].start != 0
                               ? calendar_request_new (headers, event_uid, "0", cases[i].start,
                                                       cases[i].end)
                               : request_new (headers);
      gint64 last = outbox_last_id (fixture);
      g_autoptr(CnvProcessResult) result = handle (fixture, mail);
      g_autoptr(CnvStoredSession) session = NULL;
      g_autoptr(GPtrArray) items = NULL;

      assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
      session = session_get (fixture, result->session_id);
      g_assert_true (session->invite_at_start);
      items = outbox_all (fixture);
      g_assert_cmpint (outbox_find (items, last, CNV_OUTBOX_INVITATION, "alice@example.test",
                                    message_id)->next_attempt, ==, cases[i].expected);
      g_assert_cmpint (outbox_find (items, last, CNV_OUTBOX_INVITATION, "bob@example.test",
                                    message_id)->next_attempt, ==, cases[i].expected);
    }
}

/* ---- Duplicates ----------------------------------------------------------------------------- */

static void
test_duplicate (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GBytes) mail = request_new ("From: alice@example.test\n"
                                        "To: " MANAGER ", bob@example.test\n"
                                        "Subject: Once\n"
                                        "Message-ID: <once@example.test>\n");
  g_autoptr(GBytes) anonymous = request_new ("From: alice@example.test\n"
                                             "To: " MANAGER ", bob@example.test\n"
                                             "Subject: No Message-ID\n");
  g_autoptr(CnvProcessResult) first = handle (fixture, mail);
  g_autoptr(CnvProcessResult) again = NULL;
  g_autoptr(CnvProcessResult) keyed = NULL;
  g_autoptr(CnvProcessResult) keyed_again = NULL;
  g_autoptr(CnvProcessResult) elsewhere = NULL;
  g_autofree char *key = NULL;

  assert_result (first, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);

  /* The same Message-ID at another UID (a copy, a move): nothing new, the position advances. */
  again = handle (fixture, mail);
  assert_result (again, CNV_PROCESS_DUPLICATE, "already processed", 0, 0, FALSE);
  g_assert_cmpstr (again->message_id, ==, "once@example.test");
  g_assert_cmpuint (fixture->uid, ==, 2);
  assert_counts (fixture, 1, 2, 2, 1);

  /* No Message-ID: the mail is keyed by where it is. */
  keyed = handle (fixture, anonymous);
  key = g_strdup_printf ("(no Message-ID) " MAILBOX " %u %u", UIDVALIDITY, fixture->uid);
  assert_result (keyed, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
  g_assert_cmpstr (keyed->message_id, ==, key);
  assert_counts (fixture, 2, 4, 4, 2);

  /* Read again at the same UID (a watcher that restarts before it moved on): a duplicate. */
  keyed_again = handle_at (fixture, fixture->uid, anonymous, g_bytes_get_size (anonymous));
  assert_result (keyed_again, CNV_PROCESS_DUPLICATE, NULL, 0, 0, FALSE);
  assert_counts (fixture, 2, 4, 4, 2);

  /* At another UID it is another mail. */
  elsewhere = handle (fixture, anonymous);
  assert_result (elsewhere, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
  g_assert_cmpstr (elsewhere->message_id, !=, key);
  assert_counts (fixture, 3, 6, 6, 3);
}

/* The two key spaces do not meet: a Message-ID that spells another mail's position does not make
 * that mail a duplicate. */
static void
test_duplicate_key_collision (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *spelled = g_strdup_printf ("From: dave@example.test\n"
                                              "To: " MANAGER ", bob@example.test\n"
                                              "Subject: Squatter\n"
                                              "Message-ID: <no-message-id:" MAILBOX "/%u/%u>\n",
                                              UIDVALIDITY, 2);
  g_autoptr(GBytes) squatter = request_new (spelled);
  g_autoptr(GBytes) anonymous = request_new ("From: alice@example.test\n"
                                             "To: " MANAGER ", carol@example.test\n"
                                             "Subject: No Message-ID\n");
  g_autoptr(CnvProcessResult) first = NULL;
  g_autoptr(CnvProcessResult) second = NULL;

  if (!in_subprocess ())
    return;
  first = handle (fixture, squatter);
  assert_result (first, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
  second = handle (fixture, anonymous);
  g_assert_cmpuint (fixture->uid, ==, 2);
  /* The key of a mail without Message-ID holds spaces: no Message-ID can spell it, so a mail
   * that tries ("no-message-id:…", the old key's shape) takes nobody's place. */
  assert_result (second, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
}

/* ---- Ignored -------------------------------------------------------------------------------- */

static void
test_ignored (Fixture       *fixture,
              gconstpointer  data)
{
  static const guint8 garbage[] = { 0x00, 0xff, 0x7f, 0x1b, 0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0x89,
                                    'P', 'N', 'G', 0x00, 0x00, 0xfe };
  g_autoptr(GBytes) binary = g_bytes_new_static (garbage, sizeof garbage);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) words = g_bytes_new_static ("hello there\n", strlen ("hello there\n"));
  GBytes *not_mail[] = { binary, empty, words };
  g_autoptr(GString) big = g_string_new ("From: alice@example.test\n"
                                         "To: " MANAGER ", bob@example.test\n"
                                         "Subject: Big\n"
                                         "Message-ID: <big@example.test>\n\n");
  g_autoptr(GBytes) big_mail = NULL;
  g_autoptr(GBytes) small = request_new ("From: alice@example.test\n"
                                         "To: " MANAGER ", bob@example.test\n"
                                         "Subject: Small but said to be big\n"
                                         "Message-ID: <small@example.test>\n");
  struct
  {
    const char *headers;
    const char *reason;
  } automatic[] = {
    { "From: " MANAGER "\nSubject: Invitation\n", "manager address" },
    { "From: " WHITEBOARD "\nSubject: Invitation\n", "manager address" },
    { "From: alice@example.test\nAuto-Submitted: auto-replied\nSubject: Out of office\n",
      "Auto-Submitted" },
    { "From: alice@example.test\nReturn-Path: <>\nSubject: Undeliverable\n", "bounce" },
    { "From: alice@example.test\nList-Id: <team.lists.example.test>\nSubject: Digest\n", "List-Id" },
    { "From: alice@example.test\nPrecedence: bulk\nSubject: News\n", "Precedence" },
    { "To: " MANAGER ", bob@example.test\nSubject: No From\n", "From" },
  };
  g_autoptr(CnvProcessResult) result = NULL;
  guint count = 0;

  /* Too big to download: the watcher hands over NULL and the size. */
  result = handle_at (fixture, ++fixture->uid, NULL, 20 * 1024 * 1024);
  assert_result (result, CNV_PROCESS_IGNORED, "max-message-size", 0, 0, FALSE);
  g_assert_true (g_str_has_prefix (result->message_id, "(no Message-ID) "));
  g_clear_pointer (&result, cnv_process_result_free);
  count++;

  /* Over the configured max-message-size (64k here): the size said, or the bytes. */
  result = handle_at (fixture, ++fixture->uid, small, 1 << 30);
  assert_result (result, CNV_PROCESS_IGNORED, "max-message-size", 0, 0, FALSE);
  g_clear_pointer (&result, cnv_process_result_free);
  count++;
  while (big->len <= 64 * 1024)
    g_string_append (big, "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n");
  big_mail = g_bytes_new (big->str, big->len);
  result = handle_at (fixture, ++fixture->uid, big_mail, 10);
  assert_result (result, CNV_PROCESS_IGNORED, "max-message-size", 0, 0, FALSE);
  g_clear_pointer (&result, cnv_process_result_free);
  count++;

  /* Not a mail: binary garbage, nothing at all, a line of text. */
  for (guint i = 0; i < G_N_ELEMENTS (not_mail); i++)
    {
      result = handle (fixture, not_mail[i]);
      assert_result (result, CNV_PROCESS_IGNORED, NULL, 0, 0, FALSE);
      g_assert_nonnull (result->reason);
      g_assert_true (g_str_has_prefix (result->message_id, "(no Message-ID) "));
      g_clear_pointer (&result, cnv_process_result_free);
      count++;
    }

  for (guint i = 0; i < G_N_ELEMENTS (automatic); i++)
    {
      g_autofree char *headers = g_strdup_printf ("%sTo: " MANAGER ", bob@example.test\n"
                                                  "Message-ID: <automatic-%u@example.test>\n",
                                                  automatic[i].headers, i);
      g_autoptr(GBytes) mail = request_new (headers);

      result = handle (fixture, mail);
      assert_result (result, CNV_PROCESS_IGNORED, automatic[i].reason, 0, 0, FALSE);
      g_assert_nonnull (result->reason);
      assert_processed (fixture, result->message_id, "ignored", NULL);
      g_clear_pointer (&result, cnv_process_result_free);
      count++;
    }

  assert_counts (fixture, 0, 0, 0, count);
}

/* ---- Refused without an answer -------------------------------------------------------------- */

static void
test_refused_stranger (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GBytes) mail = request_new ("From: Mallory <mallory@evil.test>\n"
                                        "To: " MANAGER ", bob@example.test\n"
                                        "Subject: Let me in\n"
                                        "Message-ID: <stranger@evil.test>\n");
  g_autoptr(CnvProcessResult) result = handle (fixture, mail);

  assert_result (result, CNV_PROCESS_REFUSED, "not accredited", 0, 0, FALSE);
  g_assert_cmpstr (result->sender, ==, "mallory@evil.test");
  assert_counts (fixture, 0, 0, 0, 1);
  assert_processed (fixture, "stranger@evil.test", "refused", NULL);
}

#define AUTHENTIC "Authentication-Results: mx.example.test; dkim=pass header.d=example.test; " \
                  "dmarc=pass header.from=example.test\n"
#define FORGED    "Authentication-Results: mx.example.test; dmarc=fail header.from=example.test\n"

static GBytes *
authenticated_request (const char *authentication,
                       const char *from,
                       guint       n)
{
  g_autofree char *headers = g_strdup_printf ("%s"
                                              "From: %s\n"
                                              "To: " MANAGER ", carol@example.test\n"
                                              "Subject: Request %u\n"
                                              "Message-ID: <auth-%u@example.test>\n",
                                              authentication, from, n, n);

  return request_new (headers);
}

/* RFC 8601: only the trusted authserv-id is believed; a forged From gets no answer. */
static void
test_refused_forged (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *failing[] = {
    FORGED,
    "",   /* no stamp at all */
    "Authentication-Results: mx.evil.test; dmarc=pass header.from=example.test\n",
  };
  g_autoptr(GBytes) authentic = authenticated_request (AUTHENTIC, "alice@example.test", 99);
  g_autoptr(CnvProcessResult) accepted = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (failing); i++)
    {
      g_autoptr(GBytes) mail = authenticated_request (failing[i], "alice@example.test", i);
      g_autoptr(CnvProcessResult) result = handle (fixture, mail);

      assert_result (result, CNV_PROCESS_REFUSED, "not authentic", 0, 0, FALSE);
      assert_processed (fixture, result->message_id, "refused", NULL);
    }
  assert_counts (fixture, 0, 0, 0, G_N_ELEMENTS (failing));

  accepted = handle (fixture, authentic);
  assert_result (accepted, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
}

/* max-requests-per-hour = 3; forged mail in the sender's name does not use it up. */
static void
test_refused_rate (Fixture       *fixture,
                   gconstpointer  data)
{
  guint n = 0;
  g_autoptr(GBytes) over = NULL;
  g_autoptr(GBytes) bob = NULL;
  g_autoptr(CnvProcessResult) refused = NULL;
  g_autoptr(CnvProcessResult) other = NULL;

  for (guint i = 0; i < 5; i++, n++)
    {
      g_autoptr(GBytes) mail = authenticated_request (FORGED, "alice@example.test", n);
      g_autoptr(CnvProcessResult) result = handle (fixture, mail);

      assert_result (result, CNV_PROCESS_REFUSED, "not authentic", 0, 0, FALSE);
    }
  for (guint i = 0; i < 3; i++, n++)
    {
      g_autoptr(GBytes) mail = authenticated_request (AUTHENTIC, "Alice <ALICE@example.test>", n);
      g_autoptr(CnvProcessResult) result = handle (fixture, mail);

      assert_result (result, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
      assert_processed (fixture, result->message_id, "accepted", "alice@example.test");
    }
  assert_counts (fixture, 3, 6, 6, 8);

  /* The fourth in the hour: refused without an answer (it could be a loop or a flood). */
  over = authenticated_request (AUTHENTIC, "alice@example.test", n++);
  refused = handle (fixture, over);
  assert_result (refused, CNV_PROCESS_REFUSED, "max-requests-per-hour", 0, 0, FALSE);
  assert_counts (fixture, 3, 6, 6, 9);
  assert_processed (fixture, refused->message_id, "refused", NULL);

  /* The limit is per sender. */
  bob = authenticated_request (AUTHENTIC, "bob@example.test", n++);
  other = handle (fixture, bob);
  assert_result (other, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
}

/* ---- Refused with a report ------------------------------------------------------------------ */

/* Handles @headers as a request from @from that must be refused with a report to @from whose
 * problem contains @problem_part; nothing else may change. */
static void
assert_reported (Fixture    *fixture,
                 GBytes     *mail,
                 const char *from,
                 const char *problem_part)
{
  gint64 sessions = query_int (fixture, "SELECT COUNT(*) FROM sessions;");
  gint64 participants = query_int (fixture, "SELECT COUNT(*) FROM participants;");
  gint64 last = outbox_last_id (fixture);
  g_autoptr(CnvProcessResult) result = handle (fixture, mail);
  g_autoptr(GPtrArray) items = outbox_all (fixture);
  g_autofree char *refused = NULL;
  g_autofree char *informational = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *session_id = NULL;
  CnvOutboxItem *report;

  assert_result (result, CNV_PROCESS_REFUSED, problem_part, 0, 0, TRUE);
  g_assert_cmpint (query_int (fixture, "SELECT COUNT(*) FROM sessions;"), ==, sessions);
  g_assert_cmpint (query_int (fixture, "SELECT COUNT(*) FROM participants;"), ==, participants);
  g_assert_cmpint (outbox_count (items, last, CNV_OUTBOX_INVITATION), ==, 0);
  g_assert_cmpint (outbox_count (items, last, CNV_OUTBOX_REFUSAL), ==, 1);
  report = outbox_find (items, last, CNV_OUTBOX_REFUSAL, from, result->message_id);
  g_assert_null (report->session_id);
  read_report (report, &refused, &informational, &problem, &session_id);
  g_assert_nonnull (problem);
  g_assert_nonnull (strstr (problem, problem_part));
  g_assert_null (session_id);
  assert_processed (fixture, result->message_id, "refused", from);
}

static void
test_refused_report (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GBytes) nobody = request_new ("From: alice@example.test\n"
                                          "To: " MANAGER ", alice@example.test\n"
                                          "Subject: Just me\n"
                                          "Message-ID: <nobody@example.test>\n");
  /* max-participants = 3: the initiator and three others are four. */
  g_autoptr(GBytes) crowd = request_new ("From: alice@example.test\n"
                                         "To: " MANAGER ", bob@example.test, carol@example.test, "
                                         "dave@example.test\n"
                                         "Subject: Crowd\n"
                                         "Message-ID: <crowd@example.test>\n");
  g_autoptr(GBytes) past = calendar_request_new ("From: alice@example.test\n"
                                                 "To: " MANAGER ", bob@example.test\n"
                                                 "Subject: Yesterday\n"
                                                 "Message-ID: <past@example.test>\n",
                                                 "past-event@example.test", "0",
                                                 fixture->now - 2 * HOUR, fixture->now - HOUR);
  g_autoptr(GBytes) unknown = request_new ("From: alice@example.test\n"
                                           "To: " MANAGER ", dave@example.test\n"
                                           "Subject: Re: [cnv:nosuchsession] Sync\n"
                                           "Message-ID: <unknown-tag@example.test>\n");
  g_autoptr(GBytes) running = request_new ("From: alice@example.test\n"
                                           "To: " MANAGER ", bob@example.test\n"
                                           "Subject: Running\n"
                                           "Message-ID: <running@example.test>\n");
  g_autoptr(CnvProcessResult) accepted = NULL;
  g_autoptr(CnvProcessResult) ended_result = NULL;
  g_autofree char *outsider_headers = NULL;
  g_autofree char *ended_headers = NULL;
  g_autoptr(GBytes) outsider = NULL;
  g_autoptr(GBytes) ended = NULL;
  g_autoptr(GBytes) ended_session = NULL;

  assert_reported (fixture, nobody, "alice@example.test", "no participant");
  assert_reported (fixture, crowd, "alice@example.test", "at most 3");
  assert_reported (fixture, past, "alice@example.test", "end before");
  assert_reported (fixture, unknown, "alice@example.test", "[cnv:nosuchsession]");

  /* A tag from an accredited address that is not in the session. */
  accepted = handle (fixture, running);
  assert_result (accepted, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
  outsider_headers = g_strdup_printf ("From: dave@example.test\n"
                                      "To: " MANAGER ", erin@example.test\n"
                                      "Subject: Re: [cnv:%s] Running\n"
                                      "Message-ID: <outsider@example.test>\n",
                                      accepted->session_id);
  outsider = request_new (outsider_headers);
  assert_reported (fixture, outsider, "dave@example.test", "Only participants");

  /* The tag of a session that ended, from its initiator. */
  ended_session = request_new ("From: alice@example.test\n"
                               "To: " MANAGER ", carol@example.test\n"
                               "Subject: Ended\n"
                               "Message-ID: <ended@example.test>\n");
  ended_result = handle (fixture, ended_session);
  assert_result (ended_result, CNV_PROCESS_ACCEPTED, NULL, 2, 0, FALSE);
  session_set_state (fixture, ended_result->session_id, CNV_SESSION_STATE_CLOSED);
  ended_headers = g_strdup_printf ("From: alice@example.test\n"
                                   "To: " MANAGER ", erin@example.test\n"
                                   "Subject: Re: [cnv:%s] Ended\n"
                                   "Message-ID: <ended-tag@example.test>\n",
                                   ended_result->session_id);
  ended = request_new (ended_headers);
  assert_reported (fixture, ended, "alice@example.test", "not running");
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

  ADD ("accepted", test_accepted, NULL);
  ADD ("accepted/calendar", test_accepted_calendar, NULL);
  ADD ("invite-at-start", test_invite_at_start, "invite-at = start");
  ADD ("duplicate", test_duplicate, NULL);
  ADD ("ignored", test_ignored, "max-message-size = 64k");
  ADD ("refused/stranger", test_refused_stranger, NULL);
  ADD ("refused/forged", test_refused_forged, "trusted-authserv-id = mx.example.test");
  ADD ("refused/rate", test_refused_rate,
       "trusted-authserv-id = mx.example.test\nmax-requests-per-hour = 3");
  ADD ("refused/report", test_refused_report, "max-participants = 3");
  /* It shows a bug (see the test); it runs in a subprocess. */
  ADD ("duplicate/key-collision", test_duplicate_key_collision, NULL);

  return g_test_run ();
}
