/* bench-corpus.h — a deterministic corpus of request mails for the parse benchmark
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * BenchMailKind:
 * @BENCH_MAIL_THUNDERBIRD: text/calendar with TZID + VTIMEZONE (IANA), and the invite.ics attachment
 * @BENCH_MAIL_OUTLOOK: text/calendar in base64 with a Windows zone name + VTIMEZONE, HTML in QP
 * @BENCH_MAIL_GMAIL: text/calendar in UTC, HTML, and the invite.ics attachment
 * @BENCH_MAIL_BODY: the predetermined `Start:`/`End:`/`Duration:` lines in a plain body
 * @BENCH_MAIL_NO_TIMES: no temporal information
 */
typedef enum
{
  BENCH_MAIL_THUNDERBIRD,
  BENCH_MAIL_OUTLOOK,
  BENCH_MAIL_GMAIL,
  BENCH_MAIL_BODY,
  BENCH_MAIL_NO_TIMES,
  BENCH_N_MAIL_KINDS,
} BenchMailKind;

typedef struct
{
  GPtrArray *mails;                          /* GBytes, one per request mail */
  GArray    *kinds;                          /* BenchMailKind of each mail */
  GArray    *starts;                         /* gint64: each mail's start (Unix, UTC), or
                                              * G_MININT64 without times */
  guint      n_kind[BENCH_N_MAIL_KINDS];
  guint      n_with_times;                   /* mails that carry times */
  gint64     start_sum;                      /* Σ of their starts, Unix seconds (UTC) */
  gsize      total_bytes;
} BenchCorpus;

BenchCorpus *bench_corpus_generate (guint        n_mails,
                                    guint32      seed,
                                    const char  *manager_zone);
void         bench_corpus_free     (BenchCorpus *corpus);
gboolean     bench_corpus_write    (BenchCorpus *corpus,
                                    const char  *directory,
                                    GError     **error);
const char  *bench_mail_kind_name  (BenchMailKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchCorpus, bench_corpus_free)

G_END_DECLS
