/* bench-parse.c - parse-and-resolve throughput of the request parser, and of a Python peer
 *
 * Generates a deterministic corpus of request mails (bench-corpus.c), then times
 * cnv_request_parse_data() over all of them as the manager of tests/data/manager.ini runs it (its
 * types, its zone, one hour by default): best of several runs, printed as messages/s, MB/s and the
 * median time per message. With --peer, the same corpus is written to a temporary directory and
 * peer-parse.py (Python's email package + python3-icalendar, doing the same work) runs over it;
 * the ratio ours/peer is printed.
 *
 * This is a benchmark, not a test: it prints figures and never fails on one. It fails only when a
 * side crashes or when the two sides disagree on how many requests carry times.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>

#include "cnv-engine.h"

#include "bench-corpus.h"

#define DEFAULT_N_MAILS 10000
#define DEFAULT_RUNS 5
#define DEFAULT_PEER_RUNS 3
#define CORPUS_SEED 20261201

typedef struct
{
  gint64 elapsed_ns;
  gint64 median_ns;
  gint64 kind_median_ns[BENCH_N_MAIL_KINDS];
  gint64 kind_total_ns[BENCH_N_MAIL_KINDS];
  guint  with_times;
  gint64 start_sum;
  guint  participants;
  guint  informational;
  guint  invalid;
  guint  by_source[4];
} RunResult;

typedef struct
{
  char   *implementation;
  double  messages_per_second;
  double  megabytes_per_second;
  double  median_us;
  double  best_seconds;
  guint   messages;
  guint   with_times;
  gint64  start_sum;
  guint   participants;
  guint   informational;
  guint   invalid;
  char   *by_kind;
} PeerResult;

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static void
run_once (BenchCorpus     *corpus,
          CnvSessionTypes *types,
          GTimeZone       *zone,
          GTimeSpan        default_duration,
          RunResult       *result)
{
  g_autofree gint64 *per_mail = g_new (gint64, corpus->mails->len);
  gint64 run_start;

  memset (result, 0, sizeof *result);
  run_start = now_ns ();
  for (guint i = 0; i < corpus->mails->len; i++)
    {
      GBytes *mail = g_ptr_array_index (corpus->mails, i);
      g_autoptr(CnvRequest) request = NULL;
      g_autoptr(GError) error = NULL;
      GDateTime *start;
      gsize len = 0;
      const char *data = g_bytes_get_data (mail, &len);
      gint64 t0 = now_ns ();

      request = cnv_request_parse_data (data, len, types, zone, default_duration, &error);
      per_mail[i] = now_ns () - t0;
      if (request == NULL)
        g_error ("Mail %u is not a message: %s", i, error->message);

      start = cnv_request_get_start (request);
      if (start != NULL)
        {
          result->with_times++;
          result->start_sum += g_date_time_to_unix (start);
        }
      result->by_source[cnv_request_get_times_source (request)]++;
      result->participants += cnv_request_get_participants (request)->len;
      result->informational += cnv_request_get_informational (request)->len;
      if (!cnv_request_check (request, NULL))
        result->invalid++;
    }
  result->elapsed_ns = now_ns () - run_start;

  /* Per kind of mail, to show where the time goes. */
  for (guint k = 0; k < BENCH_N_MAIL_KINDS; k++)
    {
      g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));

      for (guint i = 0; i < corpus->mails->len; i++)
        if (g_array_index (corpus->kinds, BenchMailKind, i) == k)
          {
            g_array_append_val (times, per_mail[i]);
            result->kind_total_ns[k] += per_mail[i];
          }
      if (times->len == 0)
        continue;
      g_array_sort (times, compare_int64);
      result->kind_median_ns[k] = g_array_index (times, gint64, times->len / 2);
    }

  qsort (per_mail, corpus->mails->len, sizeof (gint64), compare_int64);
  result->median_ns = per_mail[corpus->mails->len / 2];
}

static gboolean
load_manager_config (const char       *path,
                     CnvSessionTypes **out_types,
                     GTimeZone       **out_zone,
                     char            **out_zone_name,
                     GTimeSpan        *out_duration,
                     GError          **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(CnvSessionTypes) types = cnv_session_types_new ();
  g_autofree char *zone_name = NULL;
  g_autofree char *duration = NULL;
  GTimeZone *zone;

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, error) ||
      !cnv_session_types_load_key_file (types, key_file, error))
    return FALSE;

  zone_name = g_key_file_get_string (key_file, "manager", "timezone", NULL);
  if (zone_name == NULL)
    zone_name = g_strdup ("UTC");
  g_strstrip (zone_name);
  zone = cnv_time_zone_lookup (zone_name);
  if (zone == NULL)
    zone = g_time_zone_new_identifier (zone_name);
  if (zone == NULL)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "%s: [manager] timezone “%s” is not a zone", path, zone_name);
      return FALSE;
    }

  *out_duration = G_TIME_SPAN_HOUR;
  duration = g_key_file_get_string (key_file, "manager", "default-duration", NULL);
  if (duration != NULL && !cnv_duration_parse (g_strstrip (duration), out_duration))
    *out_duration = G_TIME_SPAN_HOUR;

  *out_types = g_steal_pointer (&types);
  *out_zone = zone;
  *out_zone_name = g_steal_pointer (&zone_name);
  return TRUE;
}

/* Keeps the mails of one kind, for profiling: the corpus stays the same otherwise. */
static void
filter_corpus (BenchCorpus *corpus,
               const char  *kind_name)
{
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) kinds = g_array_new (FALSE, FALSE, sizeof (BenchMailKind));
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (gint64));

  corpus->total_bytes = 0;
  corpus->n_with_times = 0;
  corpus->start_sum = 0;
  for (guint i = 0; i < corpus->mails->len; i++)
    {
      BenchMailKind kind = g_array_index (corpus->kinds, BenchMailKind, i);
      gint64 start = g_array_index (corpus->starts, gint64, i);
      GBytes *mail = g_ptr_array_index (corpus->mails, i);

      if (!g_str_equal (bench_mail_kind_name (kind), kind_name))
        {
          corpus->n_kind[kind] = 0;
          continue;
        }
      g_ptr_array_add (kept, g_bytes_ref (mail));
      g_array_append_val (kinds, kind);
      g_array_append_val (starts, start);
      corpus->total_bytes += g_bytes_get_size (mail);
      if (start != G_MININT64)
        {
          corpus->n_with_times++;
          corpus->start_sum += start;
        }
    }
  if (kept->len == 0)
    {
      g_printerr ("bench-parse: no mail of kind “%s”\n", kind_name);
      exit (2);
    }
  g_ptr_array_unref (corpus->mails);
  corpus->mails = g_steal_pointer (&kept);
  g_array_unref (corpus->kinds);
  corpus->kinds = g_steal_pointer (&kinds);
  g_array_unref (corpus->starts);
  corpus->starts = g_steal_pointer (&starts);
}

static const char *
find_python (void)
{
  const char *python = g_getenv ("CNV_BENCH_PYTHON");

  /* Debian's interpreter is the one that sees python3-icalendar; a pyenv or venv python3 first
   * in PATH usually does not. */
  if (python != NULL && *python != '\0')
    return python;
  if (g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    return "/usr/bin/python3";
  return "python3";
}

static gboolean
parse_peer_output (const char  *output,
                   PeerResult  *peer,
                   GError     **error)
{
  g_auto(GStrv) lines = g_strsplit (output, "\n", -1);
  guint found = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *eq = strchr (lines[i], '=');
      g_autofree char *key = NULL;
      const char *value;

      if (eq == NULL)
        continue;
      key = g_strndup (lines[i], eq - lines[i]);
      value = eq + 1;
      found++;
      if (g_str_equal (key, "implementation"))
        peer->implementation = g_strdup (value);
      else if (g_str_equal (key, "messages"))
        peer->messages = (guint) g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (key, "best_seconds"))
        peer->best_seconds = g_ascii_strtod (value, NULL);
      else if (g_str_equal (key, "messages_per_second"))
        peer->messages_per_second = g_ascii_strtod (value, NULL);
      else if (g_str_equal (key, "megabytes_per_second"))
        peer->megabytes_per_second = g_ascii_strtod (value, NULL);
      else if (g_str_equal (key, "median_microseconds"))
        peer->median_us = g_ascii_strtod (value, NULL);
      else if (g_str_equal (key, "with_times"))
        peer->with_times = (guint) g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (key, "start_sum"))
        peer->start_sum = g_ascii_strtoll (value, NULL, 10);
      else if (g_str_equal (key, "participants"))
        peer->participants = (guint) g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (key, "informational"))
        peer->informational = (guint) g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (key, "invalid"))
        peer->invalid = (guint) g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (key, "by_kind"))
        peer->by_kind = g_strdup (value);
      else
        found--;
    }
  if (found < 11 || peer->messages_per_second <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The peer printed no figures:\n%s", output);
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_peer (const char   *script,
          BenchCorpus  *corpus,
          const char   *config,
          guint         runs,
          PeerResult   *peer,
          GError      **error)
{
  g_autofree char *directory = NULL;
  g_autofree char *output = NULL;
  g_autofree char *runs_text = g_strdup_printf ("%u", runs);
  const char *argv[] = {
    find_python (), script, "--corpus", NULL, "--config", config, "--runs", runs_text, NULL,
  };
  int status = 0;
  gboolean ok;

  directory = g_dir_make_tmp ("convene-bench-XXXXXX", error);
  if (directory == NULL)
    return FALSE;
  argv[3] = directory;

  ok = bench_corpus_write (corpus, directory, error) &&
       g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, &output, NULL, &status, error) &&
       g_spawn_check_wait_status (status, error) &&
       parse_peer_output (output, peer, error);

  /* The corpus is regenerated on every run: nothing is left behind. */
  {
    g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (directory, name, NULL);

        g_unlink (path);
      }
  }
  g_rmdir (directory);
  return ok;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvSessionTypes) types = NULL;
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(BenchCorpus) corpus = NULL;
  g_autofree char *zone_name = NULL;
  g_autofree char *config = NULL;
  g_autofree char *peer_script = NULL;
  g_autofree char *keep_corpus = NULL;
  g_autofree char *only_kind = NULL;
  GTimeSpan default_duration = G_TIME_SPAN_HOUR;
  RunResult best = { 0 };
  PeerResult peer = { 0 };
  int n_mails = DEFAULT_N_MAILS;
  int runs = DEFAULT_RUNS;
  int peer_runs = DEFAULT_PEER_RUNS;
  double seconds;
  double ours_per_second;
  gint64 generation_start;
  const GOptionEntry entries[] = {
    { "peer", 0, 0, G_OPTION_ARG_FILENAME, &peer_script,
      "Also run the Python peer (peer-parse.py) over the same corpus", "SCRIPT" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &n_mails, "Mails in the corpus (10000)", "N" },
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs, "Timed runs; the best counts (5)", "N" },
    { "peer-runs", 0, 0, G_OPTION_ARG_INT, &peer_runs, "Timed runs of the peer (3)", "N" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
      "The manager's INI file (tests/data/manager.ini)", "FILE" },
    { "write-corpus", 0, 0, G_OPTION_ARG_FILENAME, &keep_corpus,
      "Write the corpus into DIRECTORY (an existing one) and go on", "DIRECTORY" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only_kind,
      "Keep only one kind of mail (thunderbird, outlook, gmail, body, none): for profiling", "KIND" },
    { NULL },
  };

  context = g_option_context_new ("- request parse-and-resolve throughput");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-parse: %s\n", error->message);
      return 2;
    }
  if (n_mails < 1 || runs < 1 || peer_runs < 1)
    {
      g_printerr ("bench-parse: --count, --runs and --peer-runs must be at least 1\n");
      return 2;
    }
  if (config == NULL)
    config = g_strdup (CNV_BENCH_MANAGER_INI);

  cnv_engine_init ();

  if (!load_manager_config (config, &types, &zone, &zone_name, &default_duration, &error))
    {
      g_printerr ("bench-parse: %s\n", error->message);
      return 2;
    }

  generation_start = now_ns ();
  corpus = bench_corpus_generate (n_mails, CORPUS_SEED, zone_name);
  if (only_kind != NULL)
    filter_corpus (corpus, only_kind);
  g_print ("bench-parse: %u request mails, %.1f MB (%.1f KB each on average), generated in %.2f s "
           "(seed %u)\n", corpus->mails->len, corpus->total_bytes / 1e6,
           corpus->total_bytes / 1e3 / corpus->mails->len,
           (now_ns () - generation_start) / 1e9, CORPUS_SEED);
  g_print ("  kinds: %u Thunderbird (TZID + VTIMEZONE), %u Outlook (Windows zones), %u Gmail (UTC), "
           "%u body lines, %u without times\n",
           corpus->n_kind[BENCH_MAIL_THUNDERBIRD], corpus->n_kind[BENCH_MAIL_OUTLOOK],
           corpus->n_kind[BENCH_MAIL_GMAIL], corpus->n_kind[BENCH_MAIL_BODY],
           corpus->n_kind[BENCH_MAIL_NO_TIMES]);
  g_print ("  manager: %s, zone %s, default duration %" G_GINT64_FORMAT " min\n", config,
           zone_name, default_duration / G_TIME_SPAN_MINUTE);

  if (keep_corpus != NULL && !bench_corpus_write (corpus, keep_corpus, &error))
    {
      g_printerr ("bench-parse: %s\n", error->message);
      return 1;
    }

  for (int r = 0; r < runs; r++)
    {
      RunResult result;

      run_once (corpus, types, zone, default_duration, &result);
      if (r == 0 || result.elapsed_ns < best.elapsed_ns)
        best = result;
    }

  seconds = best.elapsed_ns / 1e9;
  ours_per_second = corpus->mails->len / seconds;
  g_print ("\nConvene (cnv_request_parse_data, gmime %u.%u.%u + libical), best of %d runs:\n",
           gmime_major_version, gmime_minor_version, gmime_micro_version, runs);
  g_print ("  %.0f messages/s, %.1f MB/s, median %.1f us per message (%.3f s for all)\n",
           ours_per_second, corpus->total_bytes / seconds / 1e6, best.median_ns / 1e3, seconds);
  g_print ("  times found in %u (calendar %u, vCalendar %u, body %u; the generator wrote %u); "
           "%u participants, %u informational; %u not valid requests\n",
           best.with_times, best.by_source[CNV_TIMES_SOURCE_ICALENDAR],
           best.by_source[CNV_TIMES_SOURCE_VCALENDAR], best.by_source[CNV_TIMES_SOURCE_BODY],
           corpus->n_with_times, best.participants, best.informational, best.invalid);
  g_print ("  starts %s the generator's (sum %" G_GINT64_FORMAT " vs %" G_GINT64_FORMAT ")\n",
           best.start_sum == corpus->start_sum ? "agree with" : "DIFFER from",
           best.start_sum, corpus->start_sum);
  g_print ("  by kind (median / share of the time):");
  for (guint k = 0; k < BENCH_N_MAIL_KINDS; k++)
    g_print ("%s %s %.0f us / %.0f%%", k > 0 ? "," : "", bench_mail_kind_name (k),
             best.kind_median_ns[k] / 1e3, 100.0 * best.kind_total_ns[k] / best.elapsed_ns);
  g_print ("\n");

  if (peer_script == NULL)
    return 0;

  if (!run_peer (peer_script, corpus, config, peer_runs, &peer, &error))
    {
      g_printerr ("bench-parse: the peer failed: %s\n", error->message);
      return 1;
    }

  g_print ("\nPeer (%s), best of %d runs:\n", peer.implementation ? peer.implementation : "?",
           peer_runs);
  g_print ("  %.0f messages/s, %.2f MB/s, median %.1f us per message (%.3f s for all)\n",
           peer.messages_per_second, peer.megabytes_per_second, peer.median_us, peer.best_seconds);
  g_print ("  times found in %u; %u participants, %u informational; %u not valid requests\n",
           peer.with_times, peer.participants, peer.informational, peer.invalid);
  g_print ("  starts %s ours (sum %" G_GINT64_FORMAT ")\n",
           peer.start_sum == best.start_sum ? "agree with" : "DIFFER from", peer.start_sum);
  if (peer.by_kind != NULL)
    g_print ("  by kind (median / share of the time): %s\n", peer.by_kind);

  g_print ("\nRatio ours/peer: %.1fx (messages/s; the issue's target is >= 20x)\n",
           ours_per_second / peer.messages_per_second);
  g_print ("Sanity: both found times in %u and %u of %u requests: %s\n", best.with_times,
           peer.with_times, corpus->mails->len,
           best.with_times == peer.with_times ? "agree" : "DISAGREE");

  g_free (peer.implementation);
  g_free (peer.by_kind);
  if (peer.messages != corpus->mails->len || best.with_times != peer.with_times)
    {
      g_printerr ("bench-parse: the peer and Convene disagree on the corpus\n");
      return 1;
    }
  return 0;
}
