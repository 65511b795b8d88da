/* line-client.h — a plain blocking line client over GIO, for talking to a server by hand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tests of the scripted line server (tests/line-server.h) and of the real mail stack speak
 * IMAP, SMTP and LMTP with it: lines end with CRLF (RFC 9051 §2.2, RFC 5321 §2.3.8), TLS can be
 * put over the connection (implicit TLS, or after STARTTLS). Every call fails the test on an
 * error unless it takes a GError; every wait is bounded by the socket's timeout.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  GSocketConnection *socket;
  guint16            port;
  GIOStream         *stream;   /* the socket, or TLS over it */
  GDataInputStream  *input;    /* lines of the stream */
} LineClient;

/* Connects to 127.0.0.1:@port; no error is expected. */
LineClient *line_client_open       (guint16       port);
void        line_client_free       (LineClient   *self);

/* The next line without its CRLF, or NULL at EOF or on an error (in @error if given; without
 * @error an error fails the test). */
char       *line_client_read_line  (LineClient   *self,
                                    GError      **error);
/* The next line without its CRLF; EOF or an error fails the test. */
char       *line_client_read       (LineClient   *self);
/* Reads the next line, which must be @expected (NULL: EOF). */
void        line_client_expect     (LineClient   *self,
                                    const char   *expected);

/* Sends @data as it is. */
void        line_client_send_raw   (LineClient   *self,
                                    const char   *data);
/* Sends a line: the formatted text and CRLF. */
void        line_client_send       (LineClient   *self,
                                    const char   *format,
                                    ...) G_GNUC_PRINTF (2, 3);

/* Puts TLS over the connection, verifying the server's certificate for @host against
 * @database, or against the system's store when it is NULL. */
gboolean    line_client_start_tls  (LineClient   *self,
                                    GTlsDatabase *database,
                                    const char   *host,
                                    GError      **error);

/* Reads an SMTP or LMTP reply (RFC 5321 §4.2.1: "NNN-" continues, "NNN " ends) and returns
 * its code; @text, if given, gets all its lines, each ended by "\n". */
guint       line_client_smtp_reply   (LineClient   *self,
                                      char        **text);
/* Sends @command (NULL: none, for the greeting) and fails the test unless the reply is @code. */
void        line_client_smtp_expect  (LineClient   *self,
                                      guint         code,
                                      const char   *command);
/* Sends the IMAP command @tag @command and returns every line up to its tagged reply, each ended
 * by "\n"; the test fails unless that reply is OK. */
char       *line_client_imap_command (LineClient   *self,
                                      const char   *tag,
                                      const char   *command);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LineClient, line_client_free)

G_END_DECLS
