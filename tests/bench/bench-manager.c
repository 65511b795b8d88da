/* bench-manager.c — the manager's figures on the real mail stack
 *
 * (a) Sustained throughput: N requests (alice with 9 more participants: 10 invitations each) are
 *     submitted through SMTP submission as fast as one client can, and the clock stops when the
 *     last invitation is in its Maildir. Beside it, the physical floor: Postfix's own delivery of
 *     the same number of mails on the same stack — the request copies Postfix delivers to the
 *     participants plus the invitations, 20 per request — injected with Postfix's smtp-source
 *     (one process per mailbox, in parallel) and timed to the last delivery. Ratio = manager
 *     requests/s ÷ floor requests/s. Target: ≥ 0.5.
 * (b) Latency with IDLE: one request at a time, from the submission's "250" to the first and to
 *     the last of its 10 invitations in the Maildirs; median and p95.
 *
 * It prints figures; it is not a test and fails only when something breaks (a mail lost).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager-test-common.h"

#define N_OTHERS 9

static const char *participants[N_OTHERS] = {
  "p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08", "p09",
};

static guint
count_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Files in @user's INBOX (new + cur), without parsing them. */
static guint
count_files (const char *user)
{
  g_autofree char *maildir = g_build_filename (stack->dir, "mail", stack->domain, user, "Maildir",
                                               NULL);
  g_autofree char *new_dir = g_build_filename (maildir, "new", NULL);
  g_autofree char *cur_dir = g_build_filename (maildir, "cur", NULL);

  return count_dir (new_dir) + count_dir (cur_dir);
}

static guint
count_participant_files (void)
{
  guint n = count_files ("alice");

  for (guint i = 0; i < N_OTHERS; i++)
    n += count_files (participants[i]);
  return n;
}

static char *
request_text (const char *tag,
              guint       n)
{
  g_autoptr(GString) to = g_string_new ("videoconference@example.test");

  for (guint i = 0; i < N_OTHERS; i++)
    g_string_append_printf (to, ", %s@example.test", participants[i]);
  return g_strdup_printf ("From: Alice <alice@example.test>\n"
                          "To: %s\n"
                          "Subject: Bench %s %u\n"
                          "Message-ID: <bench-%s-%u-%" G_GINT64_FORMAT "@example.test>\n"
                          "Date: Fri, 27 Nov 2026 10:00:00 +0000\n"
                          "\n"
                          "Request %u.\n", to->str, tag, n, tag, n, g_get_real_time (), n);
}

static const char **
request_recipients (void)
{
  static const char *recipients[N_OTHERS + 2];

  recipients[0] = "videoconference@example.test";
  for (guint i = 0; i < N_OTHERS; i++)
    recipients[i + 1] = g_strdup_printf ("%s@example.test", participants[i]);
  recipients[N_OTHERS + 1] = NULL;
  return recipients;
}

/* Waits until the participants' mailboxes hold @target files; returns the real time then. */
static gint64
wait_files (guint  target,
            guint  timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (count_participant_files () < target)
    {
      if (g_get_monotonic_time () > end)
        {
          g_printerr ("bench-manager: %u of %u mails arrived in %u s\n", count_participant_files (),
                      target, timeout_s);
          exit (1);
        }
      spin_ms (5);
    }
  return g_get_real_time ();
}

/* The floor: @count mails into each of @users' mailboxes through Postfix's smtp-source. */
static double
floor_seconds (guint count)
{
  g_autoptr(GPtrArray) processes = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *port = g_strdup_printf ("%s:%u", stack->host, stack->smtp_port);
  g_autofree char *messages = g_strdup_printf ("%u", count);
  guint before = count_participant_files ();
  gint64 start;
  gint64 end;
  const char *users[N_OTHERS + 1];

  users[0] = "alice";
  for (guint i = 0; i < N_OTHERS; i++)
    users[i + 1] = participants[i];

  start = g_get_real_time ();
  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *to = g_strdup_printf ("%s@example.test", users[i]);
      GSubprocess *process =
        g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          &error, "smtp-source", "-c", "-m", messages, "-s", "1", "-l", "4500",
                          "-f", "bob@example.test", "-t", to, port, NULL);

      if (process == NULL)
        {
          g_printerr ("bench-manager: smtp-source: %s\n", error->message);
          exit (1);
        }
      g_ptr_array_add (processes, process);
    }
  end = wait_files (before + count * G_N_ELEMENTS (users), 600);
  return (end - start) / (double) G_USEC_PER_SEC;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, MIN (values->len - 1, (guint) (p * values->len)));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) first = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) last = g_array_new (FALSE, FALSE, sizeof (double));
  Manager manager = { 0, };
  const char **recipients;
  guint requests = argc > 1 ? (guint) atoi (argv[1]) : 50;
  guint latency_runs = 20;
  guint before;
  double floor_s;
  double manager_s;
  gint64 start;

  cnv_engine_init ();
  if (g_getenv ("CNV_MANAGER") == NULL || g_getenv ("CNV_MAILSTACK") == NULL)
    {
      g_printerr ("bench-manager: CNV_MANAGER and CNV_MAILSTACK must be set (run it through meson)\n");
      return 2;
    }
  stack = cnv_mailstack_start_with_users (participants, &error);
  if (stack == NULL)
    {
      g_printerr ("bench-manager: cannot start the mail stack: %s\n", error->message);
      return 1;
    }
  recipients = request_recipients ();

  /* The floor first, while the manager is not running. */
  floor_s = floor_seconds (2 * requests);

  manager_set_up (&manager, "accredited-domains = example.test\nmax-requests-per-hour = 100000\n", NULL);
  manager_start (&manager);

  printf ("bench-manager: (a) %u requests with 10 participants each, submitted back to back\n",
          requests);
  before = count_participant_files ();
  start = g_get_real_time ();
  for (guint n = 1; n <= requests; n++)
    {
      g_autofree char *text = request_text ("throughput", n);

      submit_as ("alice", recipients, text);
    }
  /* Each request: 9 copies of it from Postfix and 10 invitations in these mailboxes. */
  manager_s = (wait_files (before + requests * (N_OTHERS + 10), 900) - start) / (double) G_USEC_PER_SEC;
  printf ("  manager: %.1f s, %.2f requests/s (%.1f invitations/s)\n", manager_s,
          requests / manager_s, requests * 10 / manager_s);
  printf ("  floor (Postfix smtp-source, %u mails, 20 per request): %.1f s, %.2f requests/s\n",
          requests * 20, floor_s, requests / floor_s);
  printf ("  ratio %.2f (target >= 0.5): %s\n", floor_s / manager_s,
          floor_s / manager_s >= 0.5 ? "met" : "NOT met");

  printf ("bench-manager: (b) latency from the request's 250 to its invitations, IDLE, %u requests\n",
          latency_runs);
  for (guint n = 1; n <= latency_runs; n++)
    {
      g_autofree char *text = request_text ("latency", n);
      gint64 sent;
      gint64 t_first;
      gint64 t_last;
      double value;

      before = count_participant_files ();
      submit_as ("alice", recipients, text);
      sent = g_get_real_time ();
      /* The 9 request copies arrive too: wait for one more than them, then for all. */
      t_first = wait_files (before + N_OTHERS + 1, 120);
      t_last = wait_files (before + N_OTHERS + 10, 120);
      value = (t_first - sent) / 1000.0;
      g_array_append_val (first, value);
      value = (t_last - sent) / 1000.0;
      g_array_append_val (last, value);
    }
  printf ("  to the first invitation: median %.1f ms, p95 %.1f ms\n", percentile (first, 0.5),
          percentile (first, 0.95));
  printf ("  to the last of the 10:   median %.1f ms, p95 %.1f ms\n", percentile (last, 0.5),
          percentile (last, 0.95));

  manager_tear_down (&manager);
  cnv_mailstack_stop (stack);
  return 0;
}
