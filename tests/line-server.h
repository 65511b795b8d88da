/* line-server.h — a scripted line server on 127.0.0.1 for protocol edge-case tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real servers rarely split a literal across reads, send EXPUNGE in the middle of a FETCH or drop
 * the connection mid-command; this server does exactly what its script says, so a test can show
 * how the IMAP or SMTP client copes. It runs in its own thread with blocking-style socket I/O,
 * every wait bounded by a timeout, so it never depends on the test's main loop.
 *
 * Script: one step per line; blank lines and lines starting with '#' are ignored.
 *
 *   S: text          send text + CRLF
 *   S-raw: text      send text without CRLF (to split one response across several writes)
 *   C: pattern       read one CRLF-terminated line and match it (see below); kept in received
 *   C-bytes: N       read exactly N bytes (an APPEND literal); kept in received
 *   sleep: MS        pause MS milliseconds (every write is already on the wire: TCP_NODELAY)
 *   timeout: MS      bound of every later read, write and accept (default 10000)
 *   close            close the connection (the client sees EOF)
 *   reset            abort the connection (SO_LINGER 0: the client sees ECONNRESET)
 *   expect-eof       the client must close within the timeout, sending nothing but whitespace
 *   wait-close-ms: N the same, within N ms
 *   accept           accept the next connection (a reconnect); one that was not closed stays
 *                    open until cnv_line_server_free()
 *
 * A connection is accepted implicitly before the first step that needs one.
 *
 * Send text: `\r \n \t \\ \$ \} \xHH` escapes; `${TAG}` is the tag of the last tagged `C:` line;
 * `${BIG:N:c}` is N copies of the character c (c may be an escape), for 1 MB lines;
 * `${LIT:text}` is the IMAP literal `{len}\r\ntext` (RFC 9051 §4.3) with len counted after the
 * expansion of text, which may hold escapes and the other `${…}` forms; `\}` puts a brace in it.
 *
 * C: patterns are GLib regular expressions (PCRE syntax, bytes not UTF-8) anchored at both ends of
 * the line, without its CRLF. A pattern that starts with `TAG ` matches a tagged command (RFC 9051
 * §2.2.1): the line's first word, whatever it is, is captured as ${TAG} and the rest of the pattern
 * must match the rest of the line. `${TAG}` inside a pattern is the captured tag, quoted.
 * Examples: `C: TAG LOGIN alice \S+`, `C: TAG UID FETCH 4:\* \(.*\)`, `C: DONE`, `C: EHLO .*`.
 *
 * At the end of the script the connection stays open until cnv_line_server_free(), so the client
 * sees no drop that the script did not ask for. On the first failing step the server records the
 * error (step, script line, what was expected and what came), closes the connection and stops.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CNV_LINE_SERVER_ERROR (cnv_line_server_error_quark ())

/**
 * CnvLineServerError:
 * @CNV_LINE_SERVER_ERROR_SCRIPT: the script is malformed (its line number is in the message)
 * @CNV_LINE_SERVER_ERROR_MISMATCH: the client sent a line that does not match the pattern, or sent
 *   data where the script expected it to close
 * @CNV_LINE_SERVER_ERROR_TIMEOUT: the client did not connect, send, read or close in time
 * @CNV_LINE_SERVER_ERROR_EOF: the client closed the connection where the script expected data
 * @CNV_LINE_SERVER_ERROR_IO: a socket error
 * @CNV_LINE_SERVER_ERROR_UNFINISHED: cnv_line_server_wait() ran out of time before the script ended
 */
typedef enum
{
  CNV_LINE_SERVER_ERROR_SCRIPT,
  CNV_LINE_SERVER_ERROR_MISMATCH,
  CNV_LINE_SERVER_ERROR_TIMEOUT,
  CNV_LINE_SERVER_ERROR_EOF,
  CNV_LINE_SERVER_ERROR_IO,
  CNV_LINE_SERVER_ERROR_UNFINISHED,
} CnvLineServerError;

typedef struct _CnvLineServer CnvLineServer;

GQuark         cnv_line_server_error_quark  (void);

/* Parses @script (a syntax error is CNV_LINE_SERVER_ERROR_SCRIPT) and listens on 127.0.0.1 on a
 * free port. Nothing is accepted before cnv_line_server_start(). */
CnvLineServer *cnv_line_server_new          (const char     *script,
                                             GError        **error);
guint16        cnv_line_server_get_port     (CnvLineServer  *self);

/* Starts the thread that accepts and runs the script. Call once. */
void           cnv_line_server_start        (CnvLineServer  *self);

/* Waits up to @timeout_ms for the script to end, iterating the caller's thread-default main
 * context meanwhile so that an async client under test keeps running. Returns TRUE when every step
 * ran and matched; otherwise the error names the failing step. When the time runs out the thread
 * is stopped (CNV_LINE_SERVER_ERROR_UNFINISHED, naming the step it was at). Later calls return the
 * same result. */
gboolean       cnv_line_server_wait         (CnvLineServer  *self,
                                             guint           timeout_ms,
                                             GError        **error);

/* (transfer none) (element-type utf8): every line (without CRLF) and C-bytes block the client
 * sent, in order. A block with a NUL byte shows only up to it. Valid after cnv_line_server_wait(). */
GPtrArray     *cnv_line_server_get_received (CnvLineServer  *self);

/* Stops the thread if it still runs, closes every socket and frees. */
void           cnv_line_server_free         (CnvLineServer  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvLineServer, cnv_line_server_free)

G_END_DECLS
