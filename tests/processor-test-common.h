/* processor-test-common.h — what test-manager-processor.c and test-manager-processor-more.c
 * share: a processor on a real store in a temporary directory, mails built as bytes, and the
 * store read back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "cnv-invitation.h"
#include "cnv-manager-config.h"
#include "cnv-manager-processor.h"
#include "cnv-manager-store.h"
#include "manager-test-common.h"

#define MAILBOX     "acct/INBOX"
#define UIDVALIDITY 7
#define MANAGER     "videoconference@example.test"
#define WHITEBOARD  "whiteboard@example.test"
#define HOUR        3600

typedef struct
{
  char                *dir;
  char                *database;
  CnvManagerConfig    *config;
  CnvManagerStore     *store;
  CnvManagerProcessor *processor;
  gint64               now;
  guint32              uid;      /* the UID of the last mail handled */
} Fixture;

/* @data: more lines for [manager], or NULL. No [imap]/[smtp]/[gateway]: the processor reads none
 * of them, and no backend is started. */
static inline void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const char *extra = data;
  static const char * const users[] = { "alice", "bob", "carol", "dave", "erin" };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  fixture->dir = g_dir_make_tmp ("cnv-processor-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->database = g_build_filename (fixture->dir, "manager.db", NULL);
  text = g_strdup_printf ("[manager]\n"
                          "database = %s\n"
                          "timezone = UTC\n"
                          "default-duration = 1h\n"
                          "join-early = 0s\n"
                          "%s\n"
                          "\n"
                          "[type videoconference]\n"
                          "address = " MANAGER "\n"
                          "backend = url\n"
                          "url = https://rooms.example.test/{room}\n"
                          "default = true\n"
                          "\n"
                          "[type whiteboard]\n"
                          "address = " WHITEBOARD "\n"
                          "backend = url\n"
                          "url = https://boards.example.test/{room}\n",
                          fixture->database, extra != NULL ? extra : "");
  fixture->config = cnv_manager_config_new_from_data (text, strlen (text), &error);
  g_assert_no_error (error);
  fixture->store = cnv_manager_store_open (fixture->database, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    {
      g_autofree char *address = g_strdup_printf ("%s@example.test", users[i]);

      g_assert_true (cnv_manager_store_add_user (fixture->store, address, NULL, &error));
      g_assert_no_error (error);
    }
  fixture->processor = cnv_manager_processor_new (fixture->config, fixture->store);
  /* The wall clock: the store stamps processed mail with it, and the hourly limit compares. */
  fixture->now = g_get_real_time () / G_USEC_PER_SEC;
}

static inline void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->processor);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->config);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->database);
}

/* ---- Mails ---------------------------------------------------------------------------------- */

static inline GBytes *mail_new (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* A whole mail from printf(); LF line ends, as gmime also reads them. */
static inline GBytes *
mail_new (const char *format,
          ...)
{
  va_list args;
  char *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  return g_bytes_new_take (text, strlen (text));
}

/* A plain-text request: @headers (From, To, Subject, Message-ID… each ending in LF) and a body
 * without temporal information. */
static inline GBytes *
request_new (const char *headers)
{
  return mail_new ("%sDate: Fri, 27 Nov 2026 10:00:00 +0000\n"
                   "MIME-Version: 1.0\n"
                   "Content-Type: text/plain; charset=utf-8\n"
                   "\n"
                   "Let's meet.\n", headers);
}

/* A request with an iCalendar part (RFC 5546 §3.2.2 REQUEST): @uid, @sequence (verbatim, may be
 * hostile) and times to the second. */
static inline GBytes *
calendar_request_new (const char *headers,
                      const char *uid,
                      const char *sequence,
                      gint64      start,
                      gint64      end)
{
  g_autofree char *dtstart = utc_stamp (start);
  g_autofree char *dtend = utc_stamp (end);

  return mail_new ("%sDate: Fri, 27 Nov 2026 10:00:00 +0000\n"
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
                   "UID:%s\n"
                   "SEQUENCE:%s\n"
                   "DTSTAMP:%s\n"
                   "DTSTART:%s\n"
                   "DTEND:%s\n"
                   "SUMMARY:Planning\n"
                   "END:VEVENT\n"
                   "END:VCALENDAR\n"
                   "--b--\n",
                   headers, uid, sequence, dtstart, dtstart, dtend);
}

/* ---- Handling ------------------------------------------------------------------------------- */

/* Hands one mail over at @uid, as the watcher does, and checks what every mail must leave behind:
 * its processed record and the watcher position. */
static inline CnvProcessResult *
handle_at (Fixture *fixture,
           guint32  uid,
           GBytes  *data,
           guint64  size)
{
  g_autoptr(GError) error = NULL;
  CnvProcessResult *result;
  gboolean processed = FALSE;
  guint32 uidvalidity = 0;
  guint32 last_uid = 0;

  result = cnv_manager_processor_handle (fixture->processor, MAILBOX, UIDVALIDITY, uid, data,
                                         size, fixture->now, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_nonnull (result->message_id);
  g_assert_true (cnv_manager_store_was_processed (fixture->store, result->message_id, &processed,
                                                  &error));
  g_assert_no_error (error);
  g_assert_true (processed);
  g_assert_true (cnv_manager_store_get_position (fixture->store, MAILBOX, &uidvalidity, &last_uid,
                                                 &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uidvalidity, ==, UIDVALIDITY);
  g_assert_cmpuint (last_uid, ==, uid);
  fixture->uid = MAX (fixture->uid, uid);
  return result;
}

/* The next mail of the mailbox. */
static inline CnvProcessResult *
handle (Fixture *fixture,
        GBytes  *data)
{
  return handle_at (fixture, fixture->uid + 1, data, data != NULL ? g_bytes_get_size (data) : 0);
}

static inline void
assert_result (CnvProcessResult  *result,
               CnvProcessOutcome  outcome,
               const char        *reason_part,
               guint              n_invited,
               guint              n_refused,
               gboolean           reported)
{
  g_assert_cmpstr (cnv_process_outcome_to_string (result->outcome), ==,
                   cnv_process_outcome_to_string (outcome));
  if (reason_part != NULL)
    {
      g_assert_nonnull (result->reason);
      if (strstr (result->reason, reason_part) == NULL)
        g_error ("reason “%s” does not contain “%s”", result->reason, reason_part);
    }
  g_assert_cmpuint (result->n_invited, ==, n_invited);
  g_assert_cmpuint (result->n_refused, ==, n_refused);
  g_assert_cmpint (result->reported, ==, reported);
  if (outcome == CNV_PROCESS_ACCEPTED || outcome == CNV_PROCESS_INVITED_MORE)
    g_assert_true (cnv_session_id_is_valid (result->session_id));
  else
    g_assert_null (result->session_id);
}

/* A test that shows a bug runs in a subprocess: its failure is reported (with the child's
 * messages) and the tests after it still run. Returns TRUE in the subprocess, which runs the test. */
static inline gboolean
in_subprocess (void)
{
  if (g_test_subprocess ())
    return TRUE;
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail ();
  return FALSE;
}

/* ---- The store, read back ------------------------------------------------------------------- */

/* One number, read with SQLite itself rather than through the store. */
static inline gint64
query_int (Fixture    *fixture,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  gint64 value = -1;

  g_assert_cmpint (sqlite3_open_v2 (fixture->database, &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &statement, NULL), ==, SQLITE_OK);
  if (sqlite3_step (statement) == SQLITE_ROW)
    value = sqlite3_column_int64 (statement, 0);
  sqlite3_finalize (statement);
  sqlite3_close (db);
  return value;
}

static inline char *
query_text (Fixture    *fixture,
            const char *sql,
            const char *parameter)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open_v2 (fixture->database, &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &statement, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (statement, 1, parameter, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (statement) == SQLITE_ROW && sqlite3_column_text (statement, 0) != NULL)
    value = g_strdup ((const char *) sqlite3_column_text (statement, 0));
  sqlite3_finalize (statement);
  sqlite3_close (db);
  return value;
}

static inline void
assert_counts (Fixture *fixture,
               gint64   sessions,
               gint64   participants,
               gint64   outbox,
               gint64   processed)
{
  g_assert_cmpint (query_int (fixture, "SELECT COUNT(*) FROM sessions;"), ==, sessions);
  g_assert_cmpint (query_int (fixture, "SELECT COUNT(*) FROM participants;"), ==, participants);
  g_assert_cmpint (query_int (fixture, "SELECT COUNT(*) FROM outbox;"), ==, outbox);
  g_assert_cmpint (query_int (fixture, "SELECT COUNT(*) FROM processed;"), ==, processed);
}

/* The processed record's outcome and the sender it counts towards the hourly limit (or NULL). */
static inline void
assert_processed (Fixture    *fixture,
                  const char *message_id,
                  const char *outcome,
                  const char *sender)
{
  g_autofree char *stored_outcome =
    query_text (fixture, "SELECT outcome FROM processed WHERE message_id = ?1;", message_id);
  g_autofree char *stored_sender =
    query_text (fixture, "SELECT sender FROM processed WHERE message_id = ?1;", message_id);

  g_assert_cmpstr (stored_outcome, ==, outcome);
  g_assert_cmpstr (stored_sender, ==, sender);
}

static inline CnvStoredSession *
session_get (Fixture    *fixture,
             const char *session_id)
{
  g_autoptr(GError) error = NULL;
  CnvStoredSession *session = NULL;

  g_assert_true (cnv_manager_store_get_session (fixture->store, session_id, &session, &error));
  g_assert_no_error (error);
  g_assert_nonnull (session);
  return session;
}

static inline void
session_set_state (Fixture         *fixture,
                   const char      *session_id,
                   CnvSessionState  state)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cnv_manager_store_set_session_state (fixture->store, session_id, state, &error));
  g_assert_no_error (error);
}

/* The participants' addresses, in the order they were added, "," between them. */
static inline char *
participants_of (Fixture    *fixture,
                 const char *session_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  g_assert_true (cnv_manager_store_list_participants (fixture->store, session_id, &list, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    {
      CnvStoredParticipant *participant = g_ptr_array_index (list, i);

      g_assert_cmpint (participant->is_initiator, ==, i == 0);
      g_string_append_printf (text, "%s%s", i > 0 ? "," : "", participant->address);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Every outbox row (all are pending here), oldest first. */
static inline GPtrArray *
outbox_all (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *items = NULL;

  g_assert_true (cnv_manager_store_list_due_outbox (fixture->store, G_MAXINT64, G_MAXUINT,
                                                    &items, &error));
  g_assert_no_error (error);
  return items;
}

/* The one row of @kind to @recipient among the rows with id > @after; checks what every row
 * needs: a valid Message-ID of its own and the request it answers. */
static inline CnvOutboxItem *
outbox_find (GPtrArray     *items,
             gint64         after,
             CnvOutboxKind  kind,
             const char    *recipient,
             const char    *in_reply_to)
{
  CnvOutboxItem *found = NULL;

  for (guint i = 0; i < items->len; i++)
    {
      CnvOutboxItem *item = g_ptr_array_index (items, i);

      if (item->id <= after || item->kind != kind || g_strcmp0 (item->recipient, recipient) != 0)
        continue;
      g_assert_null (found);
      found = item;
    }
  if (found == NULL)
    g_error ("no %s to %s in the outbox", cnv_outbox_kind_to_string (kind), recipient);
  g_assert_cmpint (found->state, ==, CNV_OUTBOX_PENDING);
  g_assert_cmpint (found->attempts, ==, 0);
  g_assert_true (cnv_invitation_message_id_is_valid (found->message_id));
  g_assert_cmpstr (found->in_reply_to, ==, in_reply_to);
  return found;
}

static inline guint
outbox_count (GPtrArray     *items,
              gint64         after,
              CnvOutboxKind  kind)
{
  guint count = 0;

  for (guint i = 0; i < items->len; i++)
    {
      CnvOutboxItem *item = g_ptr_array_index (items, i);

      count += item->id > after && item->kind == kind;
    }
  return count;
}

static inline gint64
outbox_last_id (Fixture *fixture)
{
  return query_int (fixture, "SELECT COALESCE(MAX(id), 0) FROM outbox;");
}

/* The refusal report's payload: its "refused" addresses and its "informational" ones, each list
 * joined with ",", and its "problem". */
static inline void
read_report (CnvOutboxItem  *item,
             char          **refused,
             char          **informational,
             char          **problem,
             char          **session_id)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) refused_text = g_string_new (NULL);
  g_autoptr(GString) informational_text = g_string_new (NULL);
  JsonObject *root;
  JsonArray *array;

  g_assert_cmpint (item->kind, ==, CNV_OUTBOX_REFUSAL);
  g_assert_nonnull (item->payload);
  g_assert_true (json_parser_load_from_data (parser, item->payload, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  array = json_object_get_array_member (root, "refused");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *entry = json_array_get_object_element (array, i);

      g_assert_nonnull (json_object_get_string_member (entry, "reason"));
      g_string_append_printf (refused_text, "%s%s", i > 0 ? "," : "",
                              json_object_get_string_member (entry, "address"));
    }
  array = json_object_get_array_member (root, "informational");
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_string_append_printf (informational_text, "%s%s", i > 0 ? "," : "",
                            json_array_get_string_element (array, i));
  *refused = g_string_free (g_steal_pointer (&refused_text), FALSE);
  *informational = g_string_free (g_steal_pointer (&informational_text), FALSE);
  *problem = g_strdup (json_object_get_string_member_with_default (root, "problem", NULL));
  *session_id = g_strdup (json_object_get_string_member_with_default (root, "session_id", NULL));
}
