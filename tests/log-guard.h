/* log-guard.h — no log message may hold a secret; the protocol trace, for the tests that read it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Secrets never reach logs (STYLE.md). The guard is the program's log writer: it fails the test on
 * any message that contains a forbidden text, with every debug message turned on so that the
 * traces are checked too. The debug messages are shown only when G_MESSAGES_DEBUG asks (GLib's
 * test framework already shows the messages of a failing test as TAP comments).
 *
 * The scripted line server's own trace (domain "cnv-line-server") is not checked: it shows what
 * the client under test sent on the wire, SASL payloads included, as the server received it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Installs the guard: call first in main(), before g_test_init(). */
void  log_guard_install     (void);

/* From now on, a log message that contains @text fails the test. */
void  log_guard_forbid      (const char *text);

/* Starts keeping the debug messages of @domain; a trace already kept is dropped. */
void  log_guard_trace_start (const char *domain);
/* The messages kept since log_guard_trace_start(), each ended by "\n"; stops keeping them. */
char *log_guard_trace_stop  (void);

G_END_DECLS
