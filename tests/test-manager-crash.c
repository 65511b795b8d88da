/* test-manager-crash.c — kill -9 loses nothing and doubles nothing
 *
 * 100 requests (alice with bob and carol, all accredited) arrive in the manager's mailbox while
 * the real convene-manager is killed with SIGKILL at 20 random moments and started again each
 * time. Afterwards, every request has exactly one session in the store, and every participant
 * exactly one invitation per session in the mailboxes (the Maildir files are counted).
 *
 * One window cannot be closed by any mail sender: between the submission server's final "250"
 * and the commit that records it. A kill there makes the restarted manager send that mail again;
 * it is then the same message (same Message-ID, chosen when the row was queued), which mail
 * clients show once. The test counts invitations by Message-ID and reports, separately, how many
 * such re-sent copies it saw.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "manager-test-common.h"

#define N_REQUESTS 100
#define N_KILLS    20

typedef struct
{
  Manager   manager;
  guint     delivered;
  GThread  *thread;
  gboolean  done;
} Run;

static char *
request_text (guint n)
{
  return g_strdup_printf ("From: Alice <alice@example.test>\r\n"
                          "To: videoconference@example.test, bob@example.test, carol@example.test\r\n"
                          "Subject: Crash test %u\r\n"
                          "Message-ID: <crash-%u@example.test>\r\n"
                          "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n"
                          "\r\n"
                          "Request %u.\r\n", n, n, n);
}

/* Puts the requests into the manager's mailbox, one after the other, while the main thread kills
 * and restarts the manager. */
static gpointer
deliver_thread (gpointer user_data)
{
  Run *run = user_data;

  for (guint n = 1; n <= N_REQUESTS; n++)
    {
      g_autofree char *text = request_text (n);
      g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
      g_autoptr(GError) error = NULL;

      g_assert_true (cnv_mailstack_deliver (stack, "videoconference", bytes, &error));
      g_assert_no_error (error);
      g_atomic_int_inc (&run->delivered);
      g_usleep (g_random_int_range (20, 120) * 1000);
    }
  g_atomic_int_set (&run->done, TRUE);
  return NULL;
}

/* The sessions in the store, by the request's Message-ID. */
static GHashTable *
sessions_by_request (Manager *manager)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvManagerStore) store = cnv_manager_store_open (manager->database, &error);
  g_autoptr(GPtrArray) sessions = NULL;
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_ptr_array_unref);

  g_assert_no_error (error);
  g_assert_true (cnv_manager_store_list_sessions (store, TRUE, NULL, &sessions, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < sessions->len; i++)
    {
      CnvStoredSession *session = g_ptr_array_index (sessions, i);
      GPtrArray *ids = g_hash_table_lookup (table, session->request_message_id);

      if (ids == NULL)
        {
          ids = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (table, g_strdup (session->request_message_id), ids);
        }
      g_ptr_array_add (ids, g_strdup (session->id));
    }
  return table;
}

/* @user's invitations: session id → the Message-IDs seen, with their count of copies. */
static GHashTable *
invitations_by_session (const char *user,
                        guint      *copies)
{
  g_autoptr(GPtrArray) mails = manager_mails (user, NULL, NULL);
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_hash_table_unref);

  *copies = 0;
  for (guint i = 0; i < mails->len; i++)
    {
      Mail *mail = g_ptr_array_index (mails, i);
      const char *session_id = header (mail, "X-Convene-Session");
      const char *message_id = g_mime_message_get_message_id (mail->message);
      GHashTable *ids;

      if (header (mail, "X-Convene-Type") == NULL || session_id == NULL)
        continue;
      ids = g_hash_table_lookup (table, session_id);
      if (ids == NULL)
        {
          ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_hash_table_insert (table, g_strdup (session_id), ids);
        }
      if (!g_hash_table_add (ids, g_strdup (message_id)))
        (*copies)++;
    }
  return table;
}

static guint
count_all_invitations (const char *user)
{
  guint copies = 0;
  g_autoptr(GHashTable) table = invitations_by_session (user, &copies);

  return g_hash_table_size (table);
}

static void
test_kill9 (void)
{
  Run run = { 0, };
  g_autoptr(GHashTable) sessions = NULL;
  const char *users[] = { "alice", "bob", "carol" };
  guint kills = 0;
  guint total_copies = 0;

  manager_set_up (&run.manager, "max-requests-per-hour = 1000\n", NULL);
  manager_start (&run.manager);
  run.thread = g_thread_new ("deliver", deliver_thread, &run);

  /* 20 kills spread over the deliveries and the sending that follows them. */
  while (kills < N_KILLS)
    {
      spin_ms (g_random_int_range (150, 2500));
      manager_signal (&run.manager, SIGKILL);
      kills++;
      manager_start (&run.manager);
    }
  g_thread_join (run.thread);
  g_assert_true (run.done);
  g_test_message ("%u kills while %u requests were delivered", kills, run.delivered);

  /* Everything is sent in the end. */
  for (guint u = 0; u < G_N_ELEMENTS (users); u++)
    {
      gint64 end = g_get_monotonic_time () + 180 * G_USEC_PER_SEC;

      while (count_all_invitations (users[u]) < N_REQUESTS && g_get_monotonic_time () < end)
        spin_ms (250);
    }

  sessions = sessions_by_request (&run.manager);
  g_assert_cmpuint (g_hash_table_size (sessions), ==, N_REQUESTS);
  for (guint n = 1; n <= N_REQUESTS; n++)
    {
      g_autofree char *message_id = g_strdup_printf ("crash-%u@example.test", n);
      GPtrArray *ids = g_hash_table_lookup (sessions, message_id);

      g_assert_nonnull (ids);
      g_assert_cmpuint (ids->len, ==, 1);
    }

  for (guint u = 0; u < G_N_ELEMENTS (users); u++)
    {
      guint copies = 0;
      g_autoptr(GHashTable) table = invitations_by_session (users[u], &copies);
      GHashTableIter iter;
      gpointer key, value;

      g_assert_cmpuint (g_hash_table_size (table), ==, N_REQUESTS);
      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_assert_cmpuint (g_hash_table_size (value), ==, 1);
      total_copies += copies;
    }
  g_test_message ("re-sent copies of an invitation (a kill between the server's acceptance and "
                  "the commit): %u", total_copies);
  /* Such a window is milliseconds wide per mail: it may happen, but not for a large share. */
  g_assert_cmpuint (total_copies, <=, N_KILLS);

  manager_tear_down (&run.manager);
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

  g_test_add_func ("/manager/crash/kill-9", test_kill9);

  status = g_test_run ();
  cnv_mailstack_stop (stack);
  return status;
}
