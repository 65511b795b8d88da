/* fuzz-common.h — what every Convene fuzz target shares
 *
 * Each target defines LLVMFuzzerInitialize() (called once, before the first input, by libFuzzer
 * and by replay-main.c) and LLVMFuzzerTestOneInput(). A target must not leak: LeakSanitizer runs
 * after every input under libFuzzer and at exit in the sanitizer build's replay tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

G_BEGIN_DECLS

int  LLVMFuzzerInitialize   (int            *argc,
                             char         ***argv);
int  LLVMFuzzerTestOneInput (const uint8_t  *data,
                             size_t          size);

void        fuzz_setup           (void);
GTimeZone  *fuzz_manager_zone    (void);
gboolean    fuzz_is_clean_text   (const char *text);
gboolean    fuzz_round_trips     (void);
void        fuzz_printerr        (const char *format,
                                  ...) G_GNUC_PRINTF (1, 2);

/* A broken invariant is a bug, whatever the input: abort so that libFuzzer records a crasher. */
#define fuzz_check(expr)                                                                   \
  G_STMT_START {                                                                           \
    if (!(expr))                                                                           \
      {                                                                                    \
        fuzz_printerr ("%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #expr);        \
        abort ();                                                                          \
      }                                                                                    \
  } G_STMT_END

G_END_DECLS
