/* test-app-invitation-intake.c — what the watcher does with each mail of the INBOX (E450)
 *
 * Real invitation mails made by cnv_invitation_build() (written out with CRLF as they travel),
 * altered as a forger or a broken sender would alter them, go into a real session store in a
 * temporary directory: new, repeated, rescheduled, older, cancelled (before and after the
 * request, and while running), forged, foreign, hostile and huge mail, a second manager taking
 * over a session; the watcher's position after each; a store that fails in the middle (locked by
 * another connection, a statement refused after the record was written) writes nothing at all.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cnv-engine.h"
#include "cnv-invitation-intake.h"
#include "log-guard.h"

#define SESSION_ID "q7Hk2_x-9"
/* The credential: no log message and no reason may hold it. */
#define TOKEN "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"
#define LINK_OF(id) "https://join.example.test/s/" id "?t=" TOKEN
#define LINK LINK_OF (SESSION_ID)
#define MANAGER "videoconference@example.test"
#define OTHER_MANAGER "whiteboard@example.test"
#define USER "bob@example.test"
#define TRUSTED "mx.example.test"
#define MAILBOX "bob@imap.example.test/INBOX"
#define UIDVALIDITY 77
#define NOW G_GINT64_CONSTANT (1795000000)

/* 2026-12-01 13:00 and 14:30 UTC */
#define START G_GINT64_CONSTANT (1796130000)
#define END (START + 90 * 60)

typedef struct
{
  char            *dir;
  char            *path;
  CnvSessionStore *store;
  GPtrArray       *entries;
  guint32          next_uid;
} Fixture;

/* Helpers ----------------------------------------------------------------------------------- */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("cnv-intake-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  fixture->path = g_build_filename (fixture->dir, "sessions.sqlite", NULL);
  fixture->store = cnv_session_store_open (fixture->path, &error);
  g_assert_no_error (error);
  fixture->entries = cnv_session_type_entries_defaults (USER);
  fixture->next_uid = 1;
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->store);
  g_clear_pointer (&fixture->entries, g_ptr_array_unref);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
}

static CnvAddress *
address (const char *name,
         const char *addr)
{
  g_autoptr(GError) error = NULL;
  CnvAddress *result = cnv_address_new (name, addr, &error);

  g_assert_no_error (error);
  return result;
}

typedef struct
{
  const char          *session_id;
  const char          *uid;
  const char          *manager;
  CnvInvitationMethod  method;
  int                  sequence;
  gint64               start;
  gint64               end;
  const char          *title;
} Spec;

static Spec
spec_default (void)
{
  Spec spec = {
    .session_id = SESSION_ID,
    .uid = "uid-1@example.test",
    .manager = MANAGER,
    .method = CNV_INVITATION_METHOD_REQUEST,
    .sequence = 1,
    .start = START,
    .end = END,
    .title = "Weekly sync",
  };

  return spec;
}

/* The manager's invitation of bob to alice's session, as cnv-manager-outbox.c makes it, written
 * out as it travels (CRLF). */
static char *
build_text (const Spec *spec)
{
  g_autoptr(CnvInvitation) invitation = cnv_invitation_new ();
  g_autoptr(CnvAddress) alice = address ("Alice Example", "alice@example.test");
  g_autoptr(CnvAddress) bob = address ("Bob Builder", USER);
  g_autoptr(CnvAddress) carol = address (NULL, "carol@example.test");
  g_autoptr(GDateTime) start = g_date_time_new_from_unix_utc (spec->start);
  g_autoptr(GDateTime) end = g_date_time_new_from_unix_utc (spec->end);
  g_autofree char *link = g_strdup_printf ("https://join.example.test/s/%s?t=" TOKEN,
                                           spec->session_id);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
  GMimeFormatOptions *options = g_mime_format_options_clone (NULL);
  GByteArray *array;

  cnv_invitation_set_method (invitation, spec->method);
  cnv_invitation_set_session_id (invitation, spec->session_id);
  cnv_invitation_set_session_type (invitation, "videoconference");
  cnv_invitation_set_uid (invitation, spec->uid);
  cnv_invitation_set_sequence (invitation, spec->sequence);
  cnv_invitation_set_title (invitation, spec->title);
  cnv_invitation_set_times (invitation, start, end);
  cnv_invitation_set_link (invitation, link);
  cnv_invitation_set_organizer (invitation, alice);
  cnv_invitation_set_manager_address (invitation, spec->manager);
  cnv_invitation_set_recipient (invitation, bob);
  cnv_invitation_add_participant (invitation, alice);
  cnv_invitation_add_participant (invitation, bob);
  cnv_invitation_add_participant (invitation, carol);

  message = cnv_invitation_build (invitation, &error);
  g_assert_no_error (error);
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_assert_cmpint (g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream), >, 0);
  g_mime_format_options_free (options);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_strndup ((const char *) array->data, array->len);
}

static GBytes *
build_mail (const Spec *spec)
{
  char *text = build_text (spec);

  return g_bytes_new_take (text, strlen (text));
}

static GBytes *
text_mail (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

/* @text with its (unfolded, single) header @name given @value. */
static char *
replace_header (const char *text,
                const char *name,
                const char *value)
{
  g_autofree char *prefix = g_strconcat ("\r\n", name, ": ", NULL);
  const char *start = strstr (text, prefix);
  const char *end;

  g_assert_nonnull (start);
  start += 2;
  end = strstr (start, "\r\n");
  g_assert_nonnull (end);
  g_assert_true (end[2] != ' ' && end[2] != '\t');
  return g_strdup_printf ("%.*s%s: %s%s", (int) (start - text), text, name, value, end);
}

static void
assert_position (CnvSessionStore *store,
                 guint32          expected_uid)
{
  g_autoptr(GError) error = NULL;
  guint32 uidvalidity = 0, last_uid = 0;

  g_assert_true (cnv_session_store_get_position (store, MAILBOX, &uidvalidity, &last_uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (last_uid, ==, expected_uid);
  g_assert_cmpuint (uidvalidity, ==, expected_uid == 0 ? 0 : UIDVALIDITY);
}

static guint
count_sessions (CnvSessionStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = cnv_session_store_list (store, CNV_SESSION_STORE_LIST_ALL, &error);

  g_assert_no_error (error);
  return all->len;
}

static CnvSessionRecord *
get_record (CnvSessionStore *store,
            const char      *session_id)
{
  g_autoptr(GError) error = NULL;
  CnvSessionRecord *record = cnv_session_store_get (store, session_id, &error);

  g_assert_no_error (error);
  return record;
}

/* A log sentence: one valid UTF-8 line, bounded, without the link or the credential. */
static void
assert_clean_reason (const char *reason)
{
  g_assert_nonnull (reason);
  g_assert_true (g_utf8_validate (reason, -1, NULL));
  g_assert_cmpuint (strlen (reason), <, 1024);
  for (const char *p = reason; *p; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
  g_assert_null (strstr (reason, TOKEN));
  g_assert_null (strstr (reason, "https://"));
}

static CnvIntakeContext
context_for (Fixture    *fixture,
             const char *user,
             const char *trusted)
{
  CnvIntakeContext context = {
    .entries = fixture->entries,
    .user_address = user,
    .trusted_authserv_id = trusted,
    .mailbox = MAILBOX,
    .uidvalidity = UIDVALIDITY,
    .uid = fixture->next_uid++,
    .now = NOW,
  };

  return context;
}

/* One intake as the service does it for the next UID; the position must be past it after. */
static CnvIntakeResult *
intake_full (Fixture    *fixture,
             GBytes     *mail,
             const char *user,
             const char *trusted)
{
  CnvIntakeContext context = context_for (fixture, user, trusted);
  g_autoptr(GError) error = NULL;
  CnvIntakeResult *result = NULL;

  g_assert_true (cnv_invitation_intake (fixture->store, mail, &context, &result, &error));
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_test_message ("UID %u: %s (%d) %s", context.uid, cnv_intake_outcome_to_string (result->outcome),
                  result->verdict, result->reason != NULL ? result->reason : "");
  assert_position (fixture->store, context.uid);
  if (result->outcome == CNV_INTAKE_IGNORED)
    {
      g_assert_cmpint (result->verdict, !=, CNV_INVITATION_VERDICT_ACCEPT);
      g_assert_null (result->record);
      assert_clean_reason (result->reason);
    }
  else
    {
      g_autoptr(CnvSessionRecord) stored = get_record (fixture->store, result->record->session_id);

      g_assert_cmpint (result->verdict, ==, CNV_INVITATION_VERDICT_ACCEPT);
      g_assert_null (result->reason);
      /* The result is what is stored. */
      g_assert_nonnull (stored);
      g_assert_cmpint (stored->sequence, ==, result->record->sequence);
      g_assert_cmpint (stored->status, ==, result->record->status);
      g_assert_cmpint (stored->start, ==, result->record->start);
      g_assert_cmpint (stored->end, ==, result->record->end);
      g_assert_cmpstr (stored->link, ==, result->record->link);
    }
  if (result->outcome != CNV_INTAKE_UPDATED)
    {
      g_assert_cmpint (result->previous_start, ==, 0);
      g_assert_cmpint (result->previous_end, ==, 0);
    }
  return result;
}

static CnvIntakeResult *
intake (Fixture *fixture,
        GBytes  *mail)
{
  return intake_full (fixture, mail, USER, NULL);
}

static CnvIntakeResult *
intake_spec (Fixture    *fixture,
             const Spec *spec)
{
  g_autoptr(GBytes) mail = build_mail (spec);

  return intake (fixture, mail);
}

static void
assert_ignored (Fixture              *fixture,
                GBytes               *mail,
                const char           *user,
                const char           *trusted,
                CnvInvitationVerdict  verdict,
                const char           *in_reason)
{
  guint before = count_sessions (fixture->store);
  g_autoptr(CnvIntakeResult) result = intake_full (fixture, mail, user, trusted);

  g_assert_cmpint (result->outcome, ==, CNV_INTAKE_IGNORED);
  g_assert_cmpint (result->verdict, ==, verdict);
  if (in_reason != NULL)
    g_assert_nonnull (strstr (result->reason, in_reason));
  g_assert_cmpuint (count_sessions (fixture->store), ==, before);
}

/* Tests ------------------------------------------------------------------------------------- */

static void
test_new (Fixture       *fixture,
          gconstpointer  data)
{
  Spec spec = spec_default ();
  g_autoptr(CnvIntakeResult) result = NULL;
  g_autoptr(CnvSessionRecord) stored = NULL;
  CnvSessionRecord *record;

  assert_position (fixture->store, 0);
  result = intake_spec (fixture, &spec);
  g_assert_cmpint (result->outcome, ==, CNV_INTAKE_NEW);
  record = result->record;
  g_assert_cmpstr (record->session_id, ==, SESSION_ID);
  g_assert_cmpstr (record->uid, ==, "uid-1@example.test");
  g_assert_cmpint (record->sequence, ==, 1);
  g_assert_cmpstr (record->session_type, ==, "videoconference");
  g_assert_cmpstr (record->manager_address, ==, MANAGER);
  g_assert_cmpstr (record->title, ==, "Weekly sync");
  g_assert_cmpstr (record->organizer, ==, "Alice Example <alice@example.test>");
  g_assert_nonnull (record->participants);
  g_assert_cmpuint (g_strv_length (record->participants), ==, 3);
  g_assert_true (g_strv_contains ((const char * const *) record->participants, "alice@example.test"));
  g_assert_true (g_strv_contains ((const char * const *) record->participants, USER));
  g_assert_true (g_strv_contains ((const char * const *) record->participants, "carol@example.test"));
  g_assert_cmpstr (record->link, ==, LINK);
  g_assert_cmpint (record->start, ==, START);
  g_assert_cmpint (record->end, ==, END);
  g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_NEW);
  g_assert_false (record->dismissed);
  g_assert_cmpint (record->received_at, ==, NOW);
  g_assert_cmpint (record->launched_at, ==, 0);
  g_assert_cmpuint (record->launch_count, ==, 0);

  /* Stored, across a reopening of the file. */
  g_clear_object (&fixture->store);
  fixture->store = cnv_session_store_open (fixture->path, NULL);
  g_assert_nonnull (fixture->store);
  stored = get_record (fixture->store, SESSION_ID);
  g_assert_nonnull (stored);
  g_assert_cmpstr (stored->organizer, ==, record->organizer);
  g_assert_cmpstr (stored->manager_address, ==, MANAGER);
  g_assert_cmpstr (stored->participants[2], ==, record->participants[2]);
  assert_position (fixture->store, 1);
}

static void
test_repeat (Fixture       *fixture,
             gconstpointer  data)
{
  Spec spec = spec_default ();
  g_autoptr(CnvIntakeResult) first = intake_spec (fixture, &spec);
  g_autoptr(CnvIntakeResult) again = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (first->outcome, ==, CNV_INTAKE_NEW);
  /* The user answered meanwhile: a repeat changes none of it. */
  g_assert_true (cnv_session_store_update_status (fixture->store, SESSION_ID,
                                                  CNV_SESSION_STATUS_ACCEPTED, &error));
  g_assert_true (cnv_session_store_set_flags (fixture->store, SESSION_ID,
                                              CNV_SESSION_STORE_FLAG_WARNED_START,
                                              CNV_SESSION_STORE_FLAG_WARNED_START, &error));
  g_assert_no_error (error);
  again = intake_spec (fixture, &spec);
  g_assert_cmpint (again->outcome, ==, CNV_INTAKE_UNCHANGED);
  g_assert_cmpint (again->record->status, ==, CNV_SESSION_STATUS_ACCEPTED);
  g_assert_true (again->record->warned_start);
  g_assert_cmpint (again->record->sequence, ==, 1);
  g_assert_cmpuint (count_sessions (fixture->store), ==, 1);
  assert_position (fixture->store, 2);
}

static void
test_update (Fixture       *fixture,
             gconstpointer  data)
{
  Spec spec = spec_default ();
  g_autoptr(CnvIntakeResult) first = intake_spec (fixture, &spec);
  g_autoptr(CnvIntakeResult) moved = NULL;
  g_autoptr(CnvIntakeResult) older = NULL;
  g_autoptr(CnvIntakeResult) same = NULL;
  g_autoptr(CnvSessionRecord) stored = NULL;

  g_assert_cmpint (first->outcome, ==, CNV_INTAKE_NEW);

  /* SEQUENCE 2: an hour later, thirty minutes longer, renamed. */
  spec.sequence = 2;
  spec.start = START + 3600;
  spec.end = END + 2 * 3600;
  spec.title = "Weekly sync (moved)";
  moved = intake_spec (fixture, &spec);
  g_assert_cmpint (moved->outcome, ==, CNV_INTAKE_UPDATED);
  g_assert_cmpint (moved->previous_start, ==, START);
  g_assert_cmpint (moved->previous_end, ==, END);
  g_assert_cmpint (moved->record->start, ==, START + 3600);
  g_assert_cmpint (moved->record->end, ==, END + 2 * 3600);
  g_assert_cmpint (moved->record->sequence, ==, 2);
  g_assert_cmpstr (moved->record->title, ==, "Weekly sync (moved)");
  g_assert_cmpint (moved->record->status, ==, CNV_SESSION_STATUS_NEW);
  g_assert_cmpint (moved->record->received_at, ==, NOW);

  /* The first one again, late: older, changes nothing. */
  spec = spec_default ();
  older = intake_spec (fixture, &spec);
  g_assert_cmpint (older->outcome, ==, CNV_INTAKE_UNCHANGED);
  g_assert_cmpint (older->record->start, ==, START + 3600);
  g_assert_cmpint (older->record->sequence, ==, 2);

  /* The same SEQUENCE with other times is no revision either. */
  spec.sequence = 2;
  spec.start = START - 7200;
  same = intake_spec (fixture, &spec);
  g_assert_cmpint (same->outcome, ==, CNV_INTAKE_UNCHANGED);

  stored = get_record (fixture->store, SESSION_ID);
  g_assert_cmpint (stored->start, ==, START + 3600);
  g_assert_cmpint (stored->end, ==, END + 2 * 3600);
  g_assert_cmpstr (stored->title, ==, "Weekly sync (moved)");
  assert_position (fixture->store, 4);
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  Spec spec = spec_default ();
  g_autoptr(CnvIntakeResult) first = intake_spec (fixture, &spec);
  g_autoptr(CnvIntakeResult) cancelled = NULL;
  g_autoptr(CnvIntakeResult) again = NULL;
  g_autoptr(CnvSessionRecord) stored = NULL;

  g_assert_cmpint (first->outcome, ==, CNV_INTAKE_NEW);
  spec.method = CNV_INVITATION_METHOD_CANCEL;
  spec.sequence = 2;
  cancelled = intake_spec (fixture, &spec);
  g_assert_cmpint (cancelled->outcome, ==, CNV_INTAKE_CANCELLED);
  g_assert_cmpint (cancelled->record->status, ==, CNV_SESSION_STATUS_CANCELLED);
  g_assert_cmpint (cancelled->record->sequence, ==, 2);
  /* The times stay those of the session that was cancelled. */
  g_assert_cmpint (cancelled->record->start, ==, START);
  stored = get_record (fixture->store, SESSION_ID);
  g_assert_cmpint (stored->status, ==, CNV_SESSION_STATUS_CANCELLED);

  /* Twice is once. */
  again = intake_spec (fixture, &spec);
  g_assert_cmpint (again->outcome, ==, CNV_INTAKE_UNCHANGED);
  g_assert_cmpint (again->record->status, ==, CNV_SESSION_STATUS_CANCELLED);
  assert_position (fixture->store, 3);
}

static void
test_cancel_running (Fixture       *fixture,
                     gconstpointer  data)
{
  Spec spec = spec_default ();
  g_autoptr(CnvIntakeResult) first = intake_spec (fixture, &spec);
  g_autoptr(CnvIntakeResult) cancelled = NULL;
  g_autoptr(CnvSessionRecord) stored = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (first->outcome, ==, CNV_INTAKE_NEW);
  g_assert_true (cnv_session_store_record_launch (fixture->store, SESSION_ID, START, &error));
  g_assert_no_error (error);

  /* cnv_session_store_put() keeps a running session running; a cancel must still reach it, so
   * that the runner closes the program. */
  spec.method = CNV_INVITATION_METHOD_CANCEL;
  spec.sequence = 2;
  cancelled = intake_spec (fixture, &spec);
  g_assert_cmpint (cancelled->outcome, ==, CNV_INTAKE_CANCELLED);
  stored = get_record (fixture->store, SESSION_ID);
  g_assert_cmpint (stored->status, ==, CNV_SESSION_STATUS_CANCELLED);
  /* The launch record stays: the runner knows what to close. */
  g_assert_cmpint (stored->launched_at, ==, START);
  g_assert_cmpuint (stored->launch_count, ==, 1);
}

static void
test_cancel_before_request (Fixture       *fixture,
                            gconstpointer  data)
{
  Spec spec = spec_default ();
  g_autoptr(CnvIntakeResult) cancelled = NULL;
  g_autoptr(CnvIntakeResult) late = NULL;
  g_autoptr(CnvIntakeResult) reinstated = NULL;

  spec.method = CNV_INVITATION_METHOD_CANCEL;
  spec.sequence = 2;
  cancelled = intake_spec (fixture, &spec);
  g_assert_cmpint (cancelled->outcome, ==, CNV_INTAKE_CANCELLED);
  g_assert_cmpint (cancelled->record->status, ==, CNV_SESSION_STATUS_CANCELLED);
  g_assert_cmpint (cancelled->record->sequence, ==, 2);
  g_assert_cmpuint (count_sessions (fixture->store), ==, 1);

  /* The request it cancelled arrives late: it stays cancelled. */
  spec = spec_default ();
  late = intake_spec (fixture, &spec);
  g_assert_cmpint (late->outcome, ==, CNV_INTAKE_UNCHANGED);
  g_assert_cmpint (late->record->status, ==, CNV_SESSION_STATUS_CANCELLED);

  /* A later revision reinstates it: asked again. */
  spec.sequence = 3;
  reinstated = intake_spec (fixture, &spec);
  g_assert_cmpint (reinstated->outcome, ==, CNV_INTAKE_UPDATED);
  g_assert_cmpint (reinstated->record->status, ==, CNV_SESSION_STATUS_NEW);
  g_assert_cmpstr (reinstated->record->link, ==, LINK);
  assert_position (fixture->store, 3);
}

static void
test_not_invitations (Fixture       *fixture,
                      gconstpointer  data)
{
  Spec spec = spec_default ();
  g_autofree char *text = build_text (&spec);
  g_autofree char *forged_text = replace_header (text, "From", "mallory@evil.test");
  g_autofree char *failed_text =
    g_strconcat ("Authentication-Results: " TRUSTED "; dmarc=fail header.from=example.test\r\n",
                 text, NULL);
  g_autofree char *passed_text =
    g_strconcat ("Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.test\r\n",
                 text, NULL);
  g_autoptr(GBytes) forged = text_mail (forged_text);
  g_autoptr(GBytes) failed = text_mail (failed_text);
  g_autoptr(GBytes) passed = text_mail (passed_text);
  g_autoptr(GBytes) plain = text_mail ("From: Alice <alice@example.test>\r\nTo: " USER "\r\n"
                                       "Subject: lunch?\r\n\r\nAt noon.\r\n");
  g_autoptr(GBytes) foreign = NULL;
  g_autoptr(GBytes) genuine = build_mail (&spec);
  g_autoptr(CnvIntakeResult) accepted = NULL;

  spec.manager = "videoconference@other.test";
  foreign = build_mail (&spec);

  assert_ignored (fixture, forged, USER, NULL, CNV_INVITATION_VERDICT_UNKNOWN_SENDER,
                  "mallory@evil.test");
  assert_ignored (fixture, foreign, USER, NULL, CNV_INVITATION_VERDICT_UNKNOWN_SENDER,
                  "videoconference@other.test");
  assert_ignored (fixture, failed, USER, TRUSTED, CNV_INVITATION_VERDICT_NOT_AUTHENTIC, "DMARC fail");
  /* Without a DMARC stamp of the trusted server. */
  assert_ignored (fixture, genuine, USER, TRUSTED, CNV_INVITATION_VERDICT_NOT_AUTHENTIC, NULL);
  /* Carol is an attendee, but this copy carries Bob's personal link. */
  assert_ignored (fixture, genuine, "carol@example.test", NULL,
                  CNV_INVITATION_VERDICT_NOT_FOR_USER, "not to carol@example.test");
  assert_ignored (fixture, plain, USER, NULL, CNV_INVITATION_VERDICT_NOT_AN_INVITATION,
                  "not an invitation");
  assert_ignored (fixture, NULL, USER, NULL, CNV_INVITATION_VERDICT_NOT_AN_INVITATION,
                  "too large");
  g_assert_cmpuint (count_sessions (fixture->store), ==, 0);
  assert_position (fixture->store, 7);

  /* And the genuine one, stamped by the trusted server, after all that. */
  accepted = intake_full (fixture, passed, USER, TRUSTED);
  g_assert_cmpint (accepted->outcome, ==, CNV_INTAKE_NEW);
  assert_position (fixture->store, 8);
}

static void
test_hostile (Fixture       *fixture,
              gconstpointer  data)
{
  Spec spec = spec_default ();
  g_autofree char *text = build_text (&spec);
  g_autoptr(GRand) rand = g_rand_new_with_seed (6450);
  g_autoptr(GString) junk = g_string_new (NULL);
  g_autoptr(GString) padded = g_string_new (NULL);
  guchar noise[4096];
  const char *hostile[] = {
    "",
    "\r\n\r\n",
    "\xff\xfe\x00\x01",
    "From: " MANAGER "\r\nTo: " USER "\r\nX-Convene-Session: " SESSION_ID "\r\n"
    "X-Convene-Type: videoconference\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n"
    "BEGIN:VCALENDAR\r\n\x1b]0;owned\x07\r\nURL:" LINK "\r\n",
    "From: \x1b[2J\xff\xfe evil\r\n@evil.test\r\nX-Convene-Session: " SESSION_ID "\r\n\r\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr(GBytes) mail = g_bytes_new (hostile[i], i == 2 ? 4 : strlen (hostile[i]));
      g_autoptr(CnvIntakeResult) result = intake (fixture, mail);

      g_assert_cmpint (result->outcome, ==, CNV_INTAKE_IGNORED);
    }

  for (guint round = 0; round < 32; round++)
    {
      g_autoptr(GBytes) mail = NULL;
      g_autoptr(CnvIntakeResult) result = NULL;

      for (gsize i = 0; i < sizeof noise; i++)
        noise[i] = (guchar) g_rand_int_range (rand, 0, 256);
      mail = g_bytes_new (noise, sizeof noise);
      result = intake (fixture, mail);
      g_assert_cmpint (result->outcome, ==, CNV_INTAKE_IGNORED);
    }

  /* A plain mail with 5 MB of junk after its header, and a real invitation padded past 8 MiB. */
  g_string_append (junk, "From: " MANAGER "\r\nTo: " USER "\r\nSubject: junk\r\n\r\n");
  while (junk->len < 5 * 1000 * 1000)
    {
      for (gsize i = 0; i < sizeof noise; i++)
        noise[i] = (guchar) g_rand_int_range (rand, 0, 256);
      g_string_append_len (junk, (const char *) noise, sizeof noise);
    }
  {
    g_autoptr(GBytes) mail = g_bytes_new (junk->str, junk->len);

    assert_ignored (fixture, mail, USER, NULL, CNV_INVITATION_VERDICT_NOT_AN_INVITATION, NULL);
  }
  g_string_append (padded, text);
  g_string_truncate (padded, strstr (padded->str, "\r\n\r\n") + 4 - padded->str);
  while (padded->len < 9 * 1024 * 1024)
    g_string_append (padded, "BEGIN:VCALENDAR\r\nX-PAD:0123456789012345678901234567890123456789\r\n");
  {
    g_autoptr(GBytes) mail = g_bytes_new (padded->str, padded->len);

    assert_ignored (fixture, mail, USER, NULL, CNV_INVITATION_VERDICT_NOT_AN_INVITATION,
                    "larger than 8 MiB");
  }
  g_assert_cmpuint (count_sessions (fixture->store), ==, 0);
  assert_position (fixture->store, fixture->next_uid - 1);
}

static void
test_takeover (Fixture       *fixture,
               gconstpointer  data)
{
  Spec spec = spec_default ();
  g_autoptr(CnvIntakeResult) first = intake_spec (fixture, &spec);
  g_autoptr(CnvSessionRecord) stored = NULL;
  g_autoptr(GBytes) moved = NULL;
  g_autoptr(GBytes) cancel = NULL;
  g_autoptr(GBytes) other_uid = NULL;

  g_assert_cmpint (first->outcome, ==, CNV_INTAKE_NEW);

  /* The other configured manager, genuinely from its own address, names this session. */
  spec.manager = OTHER_MANAGER;
  spec.sequence = 5;
  spec.start = START + 86400;
  spec.end = END + 86400;
  moved = build_mail (&spec);
  assert_ignored (fixture, moved, USER, NULL, CNV_INVITATION_VERDICT_MANAGER_MISMATCH,
                  "session " SESSION_ID " belongs to the manager " MANAGER);
  spec.method = CNV_INVITATION_METHOD_CANCEL;
  cancel = build_mail (&spec);
  assert_ignored (fixture, cancel, USER, NULL, CNV_INVITATION_VERDICT_MANAGER_MISMATCH,
                  OTHER_MANAGER " cannot take it over");

  /* The right manager, but another event under the same session id. */
  spec = spec_default ();
  spec.uid = "uid-2@example.test";
  spec.sequence = 5;
  spec.start = START + 86400;
  spec.end = END + 86400;
  other_uid = build_mail (&spec);
  assert_ignored (fixture, other_uid, USER, NULL, CNV_INVITATION_VERDICT_MANAGER_MISMATCH,
                  "no revision");

  stored = get_record (fixture->store, SESSION_ID);
  g_assert_cmpint (stored->status, ==, CNV_SESSION_STATUS_NEW);
  g_assert_cmpint (stored->start, ==, START);
  g_assert_cmpint (stored->sequence, ==, 1);
  g_assert_cmpstr (stored->uid, ==, "uid-1@example.test");
  g_assert_cmpstr (stored->manager_address, ==, MANAGER);
  assert_position (fixture->store, 4);
}

/* The store fails and the intake says so: neither the record nor the position was written. */
static void
assert_store_fails (Fixture *fixture,
                    GBytes  *mail)
{
  CnvIntakeContext context = context_for (fixture, USER, NULL);
  CnvIntakeResult *result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (cnv_invitation_intake (fixture->store, mail, &context, &result, &error));
  g_assert_error (error, CNV_SESSION_STORE_ERROR, CNV_SESSION_STORE_ERROR_FAILED);
  g_test_message ("store failure: %s", error->message);
  g_assert_null (strstr (error->message, TOKEN));
  g_assert_null (result);
  fixture->next_uid--;
}

static sqlite3 *
open_raw (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  return db;
}

static void
test_store_locked (Fixture       *fixture,
                   gconstpointer  data)
{
  Spec spec = spec_default ();
  g_autoptr(GBytes) mail = build_mail (&spec);
  g_autoptr(GBytes) plain = text_mail ("From: alice@example.test\r\nSubject: hi\r\n\r\nhi\r\n");
  g_autoptr(CnvIntakeResult) ignored = intake (fixture, plain);
  g_autoptr(CnvIntakeResult) after = NULL;
  sqlite3 *other = open_raw (fixture->path);

  /* Another connection (the other process) holds the write lock past the busy timeout. */
  g_assert_cmpint (sqlite3_exec (other, "BEGIN IMMEDIATE;", NULL, NULL, NULL), ==, SQLITE_OK);
  assert_store_fails (fixture, mail);
  g_assert_cmpint (sqlite3_exec (other, "ROLLBACK;", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (other);

  g_assert_cmpuint (count_sessions (fixture->store), ==, 0);
  assert_position (fixture->store, 1);

  /* The watcher tries the same message again, and now it goes in. */
  after = intake (fixture, mail);
  g_assert_cmpint (after->outcome, ==, CNV_INTAKE_NEW);
  assert_position (fixture->store, 2);
}

static void
test_store_fails_midway (Fixture       *fixture,
                         gconstpointer  data)
{
  Spec spec = spec_default ();
  g_autoptr(GBytes) first = build_mail (&spec);
  g_autoptr(GBytes) moved = NULL;
  g_autoptr(GBytes) cancel = NULL;
  g_autoptr(GBytes) plain = text_mail ("From: alice@example.test\r\nSubject: hi\r\n\r\nhi\r\n");
  g_autoptr(CnvIntakeResult) stored_first = NULL;
  g_autoptr(CnvSessionRecord) stored = NULL;
  g_autoptr(CnvIntakeResult) retried = NULL;
  sqlite3 *other = open_raw (fixture->path);

  /* The position is written after the record: refusing it shows that the record written before
   * it in the same transaction is undone too. */
  g_assert_cmpint (sqlite3_exec (other, "CREATE TRIGGER refuse_position BEFORE UPDATE ON positions "
                                        "BEGIN SELECT RAISE (ABORT, 'position refused'); END;"
                                        "CREATE TRIGGER refuse_new_position BEFORE INSERT ON positions "
                                        "WHEN (SELECT count(*) FROM positions) > 0 "
                                        "BEGIN SELECT RAISE (ABORT, 'position refused'); END;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  /* The first position can be written (no row yet), later ones not. */
  stored_first = intake (fixture, first);
  g_assert_cmpint (stored_first->outcome, ==, CNV_INTAKE_NEW);

  spec.method = CNV_INVITATION_METHOD_CANCEL;
  spec.sequence = 2;
  cancel = build_mail (&spec);
  assert_store_fails (fixture, cancel);
  spec = spec_default ();
  spec.sequence = 3;
  spec.start = START + 3600;
  spec.end = END + 3600;
  moved = build_mail (&spec);
  assert_store_fails (fixture, moved);
  assert_store_fails (fixture, plain);
  assert_store_fails (fixture, NULL);

  stored = get_record (fixture->store, SESSION_ID);
  g_assert_cmpint (stored->status, ==, CNV_SESSION_STATUS_NEW);
  g_assert_cmpint (stored->sequence, ==, 1);
  g_assert_cmpint (stored->start, ==, START);
  assert_position (fixture->store, 1);

  /* Repaired, the same mail goes in. */
  g_assert_cmpint (sqlite3_exec (other, "DROP TRIGGER refuse_position;"
                                        "DROP TRIGGER refuse_new_position;", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (other);
  retried = intake (fixture, moved);
  g_assert_cmpint (retried->outcome, ==, CNV_INTAKE_UPDATED);
  assert_position (fixture->store, 2);
}

static void
test_thousand (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *id = g_strdup_printf ("s-%04u", i);
      g_autofree char *uid = g_strdup_printf ("uid-%04u@example.test", i);
      Spec spec = spec_default ();
      g_autoptr(GBytes) mail = NULL;
      CnvIntakeContext context = context_for (fixture, USER, NULL);
      g_autoptr(CnvIntakeResult) result = NULL;

      spec.session_id = id;
      spec.uid = uid;
      spec.start = START + i * 3600;
      spec.end = spec.start + 1800;
      mail = build_mail (&spec);
      g_assert_true (cnv_invitation_intake (fixture->store, mail, &context, &result, &error));
      g_assert_no_error (error);
      g_assert_cmpint (result->outcome, ==, CNV_INTAKE_NEW);
    }

  all = cnv_session_store_list (fixture->store, CNV_SESSION_STORE_LIST_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 1000);
  for (guint i = 0; i < all->len; i++)
    {
      const CnvSessionRecord *record = g_ptr_array_index (all, i);
      g_autofree char *id = g_strdup_printf ("s-%04u", i);
      g_autofree char *link = g_strdup_printf ("https://join.example.test/s/%s?t=" TOKEN, id);

      g_assert_cmpstr (record->session_id, ==, id);
      g_assert_cmpstr (record->link, ==, link);
      g_assert_cmpint (record->start, ==, START + i * 3600);
      g_assert_cmpint (record->status, ==, CNV_SESSION_STATUS_NEW);
    }
  assert_position (fixture->store, 1000);
}

static void
test_outcome_names (void)
{
  g_assert_cmpstr (cnv_intake_outcome_to_string (CNV_INTAKE_IGNORED), ==, "ignored");
  g_assert_cmpstr (cnv_intake_outcome_to_string (CNV_INTAKE_NEW), ==, "new");
  g_assert_cmpstr (cnv_intake_outcome_to_string (CNV_INTAKE_UPDATED), ==, "updated");
  g_assert_cmpstr (cnv_intake_outcome_to_string (CNV_INTAKE_CANCELLED), ==, "cancelled");
  g_assert_cmpstr (cnv_intake_outcome_to_string (CNV_INTAKE_UNCHANGED), ==, "unchanged");
  g_assert_null (cnv_intake_outcome_to_string ((CnvIntakeOutcome) 99));
  cnv_intake_result_free (NULL);
}

int
main (int   argc,
      char *argv[])
{
  log_guard_install ();
  g_test_init (&argc, &argv, NULL);
  log_guard_forbid (TOKEN);
  cnv_engine_init ();

#define ADD(path, func) \
  g_test_add ("/app/invitation-intake/" path, Fixture, NULL, fixture_set_up, func, \
              fixture_tear_down)
  ADD ("new", test_new);
  ADD ("repeat", test_repeat);
  ADD ("update", test_update);
  ADD ("cancel", test_cancel);
  ADD ("cancel-running", test_cancel_running);
  ADD ("cancel-before-request", test_cancel_before_request);
  ADD ("not-invitations", test_not_invitations);
  ADD ("hostile", test_hostile);
  ADD ("takeover", test_takeover);
  ADD ("store/locked", test_store_locked);
  ADD ("store/fails-midway", test_store_fails_midway);
  ADD ("thousand", test_thousand);
#undef ADD
  g_test_add_func ("/app/invitation-intake/outcome-names", test_outcome_names);
  return g_test_run ();
}
