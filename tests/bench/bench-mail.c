/* bench-mail.c — the mail engine's figures against the real mail stack
 *
 * (a) Latency from SMTP submission's `250` to CnvMailboxWatcher::message, with IDLE and with a
 *     30 s poll, over 200 messages: median and p95, beside the MTA's own delivery time for the same
 *     messages (Dovecot's LMTP "saved mail" log line minus the 250) — the physical floor.
 *     Target: IDLE median ≤ floor median + 200 ms.
 * (b) Bytes exchanged per idle poll on a 100-message and a 100 000-message folder. Target: ratio
 *     ≤ 1.1.
 *
 * It prints figures; it is not a test and fails only when something breaks (a message lost).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnv-file-credentials.h"
#include "cnv-imap-client.h"
#include "cnv-mailbox-watcher.h"
#include "cnv-smtp.h"
#include "mailstack-fixture.h"

static CnvMailstack *stack;

typedef struct
{
  GHashTable *sent_at;      /* Message-ID → gint64* real time of the 250 */
  GHashTable *seen_at;      /* Message-ID → gint64* real time of ::message */
  GArray     *pushed_at;    /* gint64 real times of the observer's EXISTS, in order */
} Clock;

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
run_until (gboolean *flag,
           gdouble   seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint tick = g_timeout_add (10, tick_cb, NULL);

  while ((flag == NULL || !*flag) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

static char *
message_id_of (GBytes *message)
{
  gsize size;
  const char *data = g_bytes_get_data (message, &size);
  const char *at = g_strstr_len (data, size, "Message-ID: <");
  const char *end;

  if (at == NULL)
    return NULL;
  at += strlen ("Message-ID: <");
  end = memchr (at, '>', size - (at - data));
  return end != NULL ? g_strndup (at, end - at) : NULL;
}

static void
message_cb (CnvMailboxWatcher *watcher,
            guint              uidvalidity,
            guint              uid,
            GBytes            *message,
            guint64            size,
            Clock             *clock)
{
  g_autofree char *id = message != NULL ? message_id_of (message) : NULL;

  if (id != NULL && !g_hash_table_contains (clock->seen_at, id))
    g_hash_table_insert (clock->seen_at, g_steal_pointer (&id),
                         g_memdup2 (&(gint64) { g_get_real_time () }, sizeof (gint64)));
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  guint index;

  if (values->len == 0)
    return 0;
  g_array_sort (values, (GCompareFunc) compare_double);
  index = (guint) (p * (values->len - 1) + 0.5);
  return g_array_index (values, double, index);
}

/* Dovecot's log: `2026-11-27 01:20:00.123456 lmtp(bob@example.test)…: msgid=<ID> …: saved mail to INBOX`
 * (mailstack.sh sets the microsecond timestamp). Local time, as Dovecot writes it. */
static GHashTable *
read_delivery_times (void)
{
  GHashTable *times = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *log = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();

  if (!g_file_get_contents (stack->dovecot_log, &log, NULL, NULL))
    return times;
  lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *id = strstr (line, "msgid=<");
      const char *end;
      int year, month, day, hour, minute;
      double second;
      g_autoptr(GDateTime) when = NULL;

      if (id == NULL || strstr (line, "saved mail to") == NULL || strstr (line, "lmtp(") == NULL)
        continue;
      if (sscanf (line, "%d-%d-%d %d:%d:%lf", &year, &month, &day, &hour, &minute, &second) != 6)
        continue;
      id += strlen ("msgid=<");
      end = strchr (id, '>');
      if (end == NULL)
        continue;
      when = g_date_time_new (local, year, month, day, hour, minute, second);
      if (when == NULL)
        continue;
      g_hash_table_insert (times, g_strndup (id, end - id),
                           g_memdup2 (&(gint64) { g_date_time_to_unix (when) * G_USEC_PER_SEC
                                                  + g_date_time_get_microsecond (when) },
                                      sizeof (gint64)));
    }
  return times;
}

typedef struct
{
  gboolean done;
  gboolean failed;
} Sending;

static void
submitted_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Sending *sending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSmtpResult) sent = cnv_smtp_submit_finish (result, &error);

  if (sent == NULL)
    {
      g_printerr ("bench-mail: submission failed: %s\n", error->message);
      sending->failed = TRUE;
    }
  sending->done = TRUE;
}

/* Submits one message to @user and records when the server said 250. */
static gboolean
submit (Clock      *clock,
        const char *user,
        const char *id)
{
  g_autoptr(CnvMailServer) smtp = cnv_mail_server_new (stack->host, stack->submission_port,
                                                       CNV_MAIL_SECURITY_STARTTLS);
  g_autofree char *password = cnv_mailstack_get_password (stack, "alice");
  g_autofree char *to = g_strdup_printf ("%s@%s", user, stack->domain);
  g_autofree char *text = NULL;
  g_autoptr(GBytes) message = NULL;
  const char *recipients[] = { to, NULL };
  Sending sending = { FALSE, FALSE };

  smtp->user = g_strdup ("alice@example.test");
  smtp->ca_file = g_strdup (stack->ca_file);
  text = g_strdup_printf ("From: alice@example.test\r\nTo: %s\r\nSubject: latency\r\n"
                          "Message-ID: <%s>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n\r\n"
                          "Timed.\r\n", to, id);
  message = g_bytes_new (text, strlen (text));
  cnv_smtp_submit_bytes_async (smtp, password, "alice@example.test", recipients, message, NULL,
                               submitted_cb, &sending);
  run_until (&sending.done, 60);
  if (!sending.done || sending.failed)
    return FALSE;
  g_hash_table_insert (clock->sent_at, g_strdup (id),
                       g_memdup2 (&(gint64) { g_get_real_time () }, sizeof (gint64)));
  return TRUE;
}

static CnvMailboxWatcher *
new_watcher (const char *user,
             gboolean    use_idle,
             guint       poll_interval)
{
  g_autoptr(CnvMailServer) server = cnv_mail_server_new (stack->host, stack->imap_port,
                                                         CNV_MAIL_SECURITY_STARTTLS);
  g_autofree char *path = g_build_filename (stack->dir, "passwords", user, NULL);
  g_autoptr(CnvFileCredentials) credentials = cnv_file_credentials_new (path, path);
  CnvMailboxWatcher *watcher;

  server->user = g_strdup_printf ("%s@%s", user, stack->domain);
  server->ca_file = g_strdup (stack->ca_file);
  watcher = cnv_mailbox_watcher_new (server, CNV_CREDENTIALS (credentials), "INBOX");
  g_object_set (watcher, "use-idle", use_idle, NULL);
  if (poll_interval > 0)
    g_object_set (watcher, "poll-interval", poll_interval, NULL);
  return watcher;
}

static gboolean
status_reached (CnvMailboxWatcher       *watcher,
                CnvMailboxWatcherStatus  status,
                double                   seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (cnv_mailbox_watcher_get_status (watcher) != status && g_get_monotonic_time () < end)
    run_until (NULL, 0.05);
  return cnv_mailbox_watcher_get_status (watcher) == status;
}

/* The observer: a bare IMAP client in IDLE on the same folder, timing each EXISTS the server
 * pushes. It shows how the latency splits between the server and the watcher. */
typedef struct
{
  CnvImapClient *client;
  Clock         *clock;
  guint          exists;
  gboolean       ready;
  gboolean       stopped;
} Observer;

static void
observer_exists_cb (CnvImapClient *client,
                    guint          count,
                    Observer      *observer)
{
  gint64 now = g_get_real_time ();

  for (; observer->exists < count; observer->exists++)
    g_array_append_val (observer->clock->pushed_at, now);
}

static void observer_idle (Observer *observer);

static void
observer_idle_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Observer *observer = user_data;

  if (!cnv_imap_client_idle_finish (CNV_IMAP_CLIENT (source), result, NULL, NULL) || observer->stopped)
    return;
  observer_idle (observer);
}

static void
observer_idle (Observer *observer)
{
  cnv_imap_client_idle_async (observer->client, 600, NULL, observer_idle_done_cb, observer);
}

static void
observer_step_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Observer *observer = user_data;
  g_autoptr(GError) error = NULL;
  CnvImapMailbox mailbox;
  CnvImapClient *client = CNV_IMAP_CLIENT (source);
  gpointer tag = g_task_get_source_tag (G_TASK (result));

  if (tag == cnv_imap_client_connect_async)
    {
      g_autofree char *password = NULL;

      if (!cnv_imap_client_connect_finish (client, result, &error))
        goto failed;
      password = cnv_mailstack_get_password (stack, "bob");
      cnv_imap_client_authenticate_async (client, password, NULL, observer_step_cb, observer);
    }
  else if (tag == cnv_imap_client_authenticate_async)
    {
      if (!cnv_imap_client_authenticate_finish (client, result, &error))
        goto failed;
      cnv_imap_client_select_async (client, "INBOX", TRUE, NULL, observer_step_cb, observer);
    }
  else
    {
      if (!cnv_imap_client_select_finish (client, result, &mailbox, &error))
        goto failed;
      observer->exists = mailbox.exists;
      g_signal_connect (client, "exists", G_CALLBACK (observer_exists_cb), observer);
      observer->ready = TRUE;
      observer_idle (observer);
    }
  return;

failed:
  g_printerr ("bench-mail: the observer failed: %s\n", error->message);
}

static void
observer_start (Observer   *observer,
                Clock      *clock,
                const char *user)
{
  g_autoptr(CnvMailServer) server = cnv_mail_server_new (stack->host, stack->imap_port,
                                                         CNV_MAIL_SECURITY_STARTTLS);

  server->user = g_strdup_printf ("%s@%s", user, stack->domain);
  server->ca_file = g_strdup (stack->ca_file);
  observer->clock = clock;
  observer->client = cnv_imap_client_new (server);
  cnv_imap_client_connect_async (observer->client, NULL, observer_step_cb, observer);
  run_until (&observer->ready, 30);
}

/* (a) one mode: @count messages; @spread_seconds > 0 spreads the sends at random over that long
 * (a poll's latency depends on where in the interval a message lands), else one after another. */
static gboolean
measure_latency (const char *label,
                 const char *user,
                 gboolean    use_idle,
                 guint       poll_interval,
                 guint       count,
                 double      spread_seconds,
                 double     *median_out,
                 double     *floor_out,
                 double     *push_out)
{
  g_autoptr(CnvMailboxWatcher) watcher = new_watcher (user, use_idle, poll_interval);
  g_autoptr(GHashTable) delivered = NULL;
  g_autoptr(GArray) latency = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) floor_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  Clock clock;
  GHashTableIter iter;
  gpointer key, value;
  gint64 end;

  Observer observer = { 0 };
  g_autoptr(GArray) push_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) share_ms = g_array_new (FALSE, FALSE, sizeof (double));
  GPtrArray *order = g_ptr_array_new_with_free_func (g_free);

  clock.sent_at = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  clock.seen_at = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  clock.pushed_at = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_signal_connect (watcher, "message", G_CALLBACK (message_cb), &clock);
  if (use_idle)
    observer_start (&observer, &clock, user);
  cnv_mailbox_watcher_start (watcher);
  if (!status_reached (watcher, use_idle ? CNV_MAILBOX_WATCHER_STATUS_IDLE_WATCHING
                                         : CNV_MAILBOX_WATCHER_STATUS_POLLING, 30))
    {
      g_printerr ("bench-mail: the watcher did not start\n");
      return FALSE;
    }

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *id = g_strdup_printf ("bench-%s-%u-%" G_GINT64_FORMAT "@example.test",
                                             use_idle ? "idle" : "poll", i, g_get_real_time ());

      if (!submit (&clock, user, id))
        return FALSE;
      g_ptr_array_add (order, g_strdup (id));
      if (spread_seconds > 0)
        {
          /* Poll: random spacing — the latency depends on where in the interval mail lands. */
          run_until (NULL, g_rand_double_range (rand, 0, 2 * spread_seconds / count));
          continue;
        }
      /* IDLE: one message at a time, so each push is the push of that message. */
      {
        gint64 give_up = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

        while (!g_hash_table_contains (clock.seen_at, id) && g_get_monotonic_time () < give_up)
          run_until (NULL, 0.005);
        run_until (NULL, 0.02);
      }
    }

  end = g_get_monotonic_time () + (gint64) (poll_interval + 60) * G_USEC_PER_SEC;
  while (g_hash_table_size (clock.seen_at) < count && g_get_monotonic_time () < end)
    run_until (NULL, 0.1);
  cnv_mailbox_watcher_stop (watcher);
  if (observer.client != NULL)
    {
      observer.stopped = TRUE;
      cnv_imap_client_close (observer.client);
      g_clear_object (&observer.client);
    }

  /* The observer's n-th EXISTS growth is the n-th message (sent one at a time). */
  for (guint i = 0; i < order->len && i < clock.pushed_at->len; i++)
    {
      gint64 *sent = g_hash_table_lookup (clock.sent_at, g_ptr_array_index (order, i));
      gint64 *seen = g_hash_table_lookup (clock.seen_at, g_ptr_array_index (order, i));
      gint64 pushed = g_array_index (clock.pushed_at, gint64, i);
      double ms;

      if (sent == NULL || seen == NULL)
        continue;
      ms = (pushed - *sent) / 1000.0;
      g_array_append_val (push_ms, ms);
      ms = (*seen - pushed) / 1000.0;
      g_array_append_val (share_ms, ms);
    }
  g_ptr_array_unref (order);

  delivered = read_delivery_times ();
  g_hash_table_iter_init (&iter, clock.sent_at);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 *seen = g_hash_table_lookup (clock.seen_at, key);
      gint64 *saved = g_hash_table_lookup (delivered, key);
      double ms;

      if (seen == NULL)
        continue;
      ms = (*seen - *(gint64 *) value) / 1000.0;
      g_array_append_val (latency, ms);
      if (saved != NULL)
        {
          ms = (*saved - *(gint64 *) value) / 1000.0;
          g_array_append_val (floor_ms, ms);
        }
    }

  printf ("  %-14s %3u sent, %3u received, %3u in the LMTP log | latency median %8.1f ms  p95 %8.1f ms"
          " | MTA delivery (floor) median %6.1f ms  p95 %6.1f ms\n",
          label, count, g_hash_table_size (clock.seen_at), floor_ms->len,
          percentile (latency, 0.5), percentile (latency, 0.95),
          percentile (floor_ms, 0.5), percentile (floor_ms, 0.95));
  if (push_ms->len > 0)
    printf ("  %-14s server push (EXISTS of a plain IDLE client) median %6.1f ms  p95 %6.1f ms"
            " | the watcher after the push (search + fetch) median %5.1f ms  p95 %5.1f ms\n",
            "", percentile (push_ms, 0.5), percentile (push_ms, 0.95),
            percentile (share_ms, 0.5), percentile (share_ms, 0.95));
  *median_out = percentile (latency, 0.5);
  *floor_out = percentile (floor_ms, 0.5);
  if (push_out != NULL)
    *push_out = percentile (push_ms, 0.5);
  g_array_unref (clock.pushed_at);
  g_hash_table_unref (clock.sent_at);
  g_hash_table_unref (clock.seen_at);
  return latency->len == count;
}

/* (b) bytes per idle poll on a folder of @messages messages. */
static double
measure_poll_bytes (const char *user,
                    guint       messages,
                    double      seconds,
                    guint64    *checks_out)
{
  g_autoptr(CnvMailboxWatcher) watcher = new_watcher (user, FALSE, 1);
  g_autoptr(GError) error = NULL;
  guint64 received0, sent0, received1, sent1, checks0, checks1;
  gint64 started;

  started = g_get_monotonic_time ();
  if (!cnv_mailstack_fill (stack, user, messages, &error))
    {
      g_printerr ("bench-mail: filling %s: %s\n", user, error->message);
      return -1;
    }
  printf ("  filled %s with %u messages in %.1f s\n", user, messages,
          (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);

  cnv_mailbox_watcher_start (watcher);
  if (!status_reached (watcher, CNV_MAILBOX_WATCHER_STATUS_POLLING, 60))
    return -1;
  /* Measure between two completed polls. */
  g_object_get (watcher, "checks", &checks0, NULL);
  checks1 = checks0;
  while (checks1 == checks0)
    {
      run_until (NULL, 0.01);
      g_object_get (watcher, "checks", &checks1, NULL);
    }
  cnv_mailbox_watcher_get_traffic (watcher, &received0, &sent0);
  checks0 = checks1;
  run_until (NULL, seconds);
  do
    {
      g_object_get (watcher, "checks", &checks1, NULL);
      if (checks1 > checks0 + (guint64) seconds - 1)
        break;
      run_until (NULL, 0.01);
    }
  while (TRUE);
  cnv_mailbox_watcher_get_traffic (watcher, &received1, &sent1);
  cnv_mailbox_watcher_stop (watcher);
  *checks_out = checks1 - checks0;
  return (double) (received1 - received0 + sent1 - sent0) / (double) (checks1 - checks0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  int count = 200, poll = 30, small = 100, big = 100000, poll_seconds = 20;
  double idle_median = 0, idle_floor = 0, idle_push = 0, poll_median = 0, poll_floor = 0;
  double small_bytes, big_bytes;
  guint64 small_checks = 0, big_checks = 0;
  gboolean ok = TRUE;
  GOptionEntry entries[] = {
    { "messages", 0, 0, G_OPTION_ARG_INT, &count, "Messages per latency run (200)", "N" },
    { "poll", 0, 0, G_OPTION_ARG_INT, &poll, "Poll interval of the polling run, seconds (30)", "S" },
    { "small", 0, 0, G_OPTION_ARG_INT, &small, "Messages in the small folder (100)", "N" },
    { "big", 0, 0, G_OPTION_ARG_INT, &big, "Messages in the big folder (100 000)", "N" },
    { "poll-seconds", 0, 0, G_OPTION_ARG_INT, &poll_seconds, "How long to count poll bytes (20)", "S" },
    { NULL }
  };

  context = g_option_context_new ("— mail engine latency and poll cost against the real stack");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-mail: %s\n", error->message);
      return 2;
    }

  stack = cnv_mailstack_start (&error);
  if (stack == NULL)
    {
      g_printerr ("bench-mail: cannot start the mail stack: %s\n", error->message);
      return 1;
    }

  printf ("bench-mail: (a) latency from SMTP 250 to the watcher's signal, %d messages each\n", count);
  ok &= measure_latency ("IDLE", "bob", TRUE, 0, count, 0, &idle_median, &idle_floor, &idle_push);
  {
    g_autofree char *label = g_strdup_printf ("poll %d s", poll);

    ok &= measure_latency (label, "carol", FALSE, poll, count, count * 0.3,
                           &poll_median, &poll_floor, NULL);
  }
  printf ("  IDLE median - floor median = %.1f ms (target <= 200 ms): %s\n",
          idle_median - idle_floor, idle_median - idle_floor <= 200 ? "met" : "NOT met");
  printf ("  of which Dovecot's own push delay (EXISTS - LMTP save): %.1f ms; the watcher's share "
          "after the push: %.1f ms\n", idle_push - idle_floor, idle_median - idle_push);

  printf ("bench-mail: (b) bytes per idle poll (NOOP), polling every second for %d s\n", poll_seconds);
  small_bytes = measure_poll_bytes ("dave", small, poll_seconds, &small_checks);
  big_bytes = measure_poll_bytes ("whiteboard", big, poll_seconds, &big_checks);
  printf ("  %6d messages: %.1f bytes per poll over %" G_GUINT64_FORMAT " polls\n",
          small, small_bytes, small_checks);
  printf ("  %6d messages: %.1f bytes per poll over %" G_GUINT64_FORMAT " polls\n",
          big, big_bytes, big_checks);
  if (small_bytes > 0 && big_bytes > 0)
    printf ("  ratio %.3f (target <= 1.1): %s\n", big_bytes / small_bytes,
            big_bytes / small_bytes <= 1.1 ? "met" : "NOT met");
  else
    ok = FALSE;

  cnv_mailstack_stop (stack);
  return ok ? 0 : 1;
}
