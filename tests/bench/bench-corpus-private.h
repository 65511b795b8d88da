/* bench-corpus-private.h — what the corpus generator's files share
 *
 * bench-corpus.c assembles the mails, bench-calendar.c writes their times (iCalendar parts and
 * in-body lines), bench-text.c holds the encoders (RFC 2047, quoted-printable, base64, HTML,
 * iCalendar folding).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "bench-corpus.h"

G_BEGIN_DECLS

typedef struct
{
  const char *iana;
  const char *windows;
  const char *std_name;
  const char *std_offset;       /* TZOFFSETTO of STANDARD */
  const char *dst_name;         /* NULL: no daylight saving time */
  const char *dst_offset;
  const char *std_start;        /* IANA-style DTSTART of the STANDARD rule */
  const char *std_rule;
  const char *dst_start;
  const char *dst_rule;
} Zone;

typedef struct
{
  char *name;     /* UTF-8 display name, or NULL */
  char *address;  /* as written in the header */
} Person;

typedef struct
{
  GRand      *rand;
  GTimeZone  *manager_zone;
  GHashTable *zone_cache;    /* IANA name → GTimeZone */
  guint       serial;
} Generator;

typedef struct
{
  GDateTime  *start;      /* in the event's zone */
  GDateTime  *end;
  const Zone *zone;
} EventTimes;

#define CRLF "\r\n"
#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define BASE64 ALNUM "+/"
#define HEX "0123456789abcdef"

#define PICK(gen, array) ((array)[bench_pick ((gen), G_N_ELEMENTS (array))])

/* bench-corpus.c */
int          bench_pick                    (Generator        *gen,
                                            int               n);
gboolean     bench_chance                  (Generator        *gen,
                                            double            p);
GTimeZone   *bench_get_zone                (Generator        *gen,
                                            const char       *iana);

/* bench-text.c */
gboolean     bench_is_ascii                (const char       *text);
char        *bench_encode_words            (Generator        *gen,
                                            const char       *text);
char        *bench_random_token            (Generator        *gen,
                                            gsize             len,
                                            const char       *alphabet);
char        *bench_random_uuid             (Generator        *gen);
void         bench_append_lines            (GString          *out,
                                            const char       *text);
void         bench_append_quoted_printable (GString          *out,
                                            const char       *text);
void         bench_append_base64           (GString          *out,
                                            const char       *data,
                                            gsize             len);
char        *bench_make_html               (const char       *text);
char        *bench_ical_escape             (const char       *text);
void         bench_append_ical_line        (GString          *out,
                                            const char       *line);
void         bench_append_ical_printf      (GString          *out,
                                            const char       *format,
                                            ...) G_GNUC_PRINTF (2, 3);

/* bench-calendar.c */
const Zone  *bench_default_zone            (void);
const Zone  *bench_pick_zone               (Generator        *gen);
void         bench_make_event_times        (Generator        *gen,
                                            EventTimes       *times,
                                            const Zone       *zone);
void         bench_event_times_clear       (EventTimes       *times);
char        *bench_make_calendar           (Generator        *gen,
                                            BenchMailKind     kind,
                                            const EventTimes *times,
                                            const Person     *from,
                                            GPtrArray        *to,
                                            const char       *summary,
                                            const char       *description,
                                            GDateTime        *stamp);
char        *bench_make_body_lines         (Generator        *gen,
                                            const EventTimes *times,
                                            gboolean          zone_written);

G_END_DECLS
