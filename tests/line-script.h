/* line-script.h — running scripts of the line server (tests/line-server.h) in a test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The script runs in the server's own thread while the test's thread runs the client under test;
 * these helpers start it, wait for its end and check what the client sent. Every failure fails
 * the test.
 */
#pragma once

#include <gio/gio.h>

#include "line-server.h"

G_BEGIN_DECLS

/* How long a whole script may take: far above what a passing test needs. */
#define SCRIPT_TIMEOUT_MS 20000

/* Parses @script, which must be valid, and starts its server: connect to its port. */
CnvLineServer *run_script         (const char          *script);

/* Asserts that every step of the script ran and matched. */
void           assert_script_done (CnvLineServer       *server);

/* Runs the script to its end and returns how it failed, for the tests of failures. */
GError        *script_error       (CnvLineServer       *server);

/* Asserts that the script ran to its end and that the client sent exactly @expected (lines
 * without CRLF, and C-bytes blocks), in order. */
void           assert_received    (CnvLineServer       *server,
                                   const char * const  *expected);

/* Asserts that @text contains @part, showing both if not. */
void           assert_contains    (const char          *text,
                                   const char          *part);

G_END_DECLS
