/* line-server.c — a scripted line server on 127.0.0.1 for protocol edge-case tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The script runs in a thread of its own. Its sockets are used without blocking: every read, write
 * and accept first waits with g_socket_condition_timed_wait() on the step's deadline and on the
 * server's GCancellable, so no step outlives its timeout and cnv_line_server_free() can stop the
 * thread at once.
 */
#define G_LOG_DOMAIN "cnv-line-server"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <gio/gnetworking.h>

#include "line-server.h"

/* Bounds that keep a broken script or client from eating the machine. */
#define MAX_BYTES          (64 * 1024 * 1024)
#define MAX_MS             (3600 * 1000)
#define DEFAULT_TIMEOUT_MS 10000
#define SHOWN_BYTES        200

G_DEFINE_QUARK (cnv-line-server-error-quark, cnv_line_server_error)

typedef enum
{
  STEP_SEND,
  STEP_SEND_RAW,
  STEP_RECV_LINE,
  STEP_RECV_BYTES,
  STEP_SLEEP,
  STEP_TIMEOUT,
  STEP_ACCEPT,
  STEP_CLOSE,
  STEP_RESET,
  STEP_EXPECT_EOF,
} StepKind;

typedef enum
{
  ARG_NONE,
  ARG_TEXT,
  ARG_NUMBER,
} ArgKind;

static const struct
{
  const char *keyword;
  StepKind    kind;
  ArgKind     arg;
} keywords[] = {
  { "S", STEP_SEND, ARG_TEXT },
  { "S-raw", STEP_SEND_RAW, ARG_TEXT },
  { "C", STEP_RECV_LINE, ARG_TEXT },
  { "C-bytes", STEP_RECV_BYTES, ARG_NUMBER },
  { "sleep", STEP_SLEEP, ARG_NUMBER },
  { "timeout", STEP_TIMEOUT, ARG_NUMBER },
  { "accept", STEP_ACCEPT, ARG_NONE },
  { "close", STEP_CLOSE, ARG_NONE },
  { "reset", STEP_RESET, ARG_NONE },
  { "expect-eof", STEP_EXPECT_EOF, ARG_NONE },
  { "wait-close-ms", STEP_EXPECT_EOF, ARG_NUMBER },
};

typedef struct
{
  StepKind  kind;
  guint     line;     /* in the script, from 1 */
  char     *source;   /* the script line, for messages */
  char     *text;     /* S: text or C: pattern, without the "TAG " prefix */
  gboolean  tagged;   /* the C: pattern started with "TAG " */
  guint     number;   /* bytes or milliseconds; 0 for expect-eof: the current timeout */
} Step;

struct _CnvLineServer
{
  /* Owned, fixed once cnv_line_server_new() returns */
  GArray       *steps;
  GSocket      *listener;
  GCancellable *cancellable;
  guint16       port;

  /* Owned; the thread's alone until it is joined */
  GThread      *thread;
  GSocket      *connection;
  GPtrArray    *left_open;   /* connections replaced by an accept step */
  GByteArray   *input;       /* received, not yet consumed by a step */
  GPtrArray    *received;
  char         *tag;
  guint         timeout_ms;
  guint         step_ms;     /* the bound of the running step, for messages */

  /* Shared with the waiting thread, under lock */
  GMutex        lock;
  guint         current;
  gboolean      done;
  GError       *error;
  GMainContext *waiter;

  /* Owned by the caller's thread */
  gboolean      joined;
};

static void
clear_step (gpointer data)
{
  Step *step = data;

  g_free (step->source);
  g_free (step->text);
}

/* Shows at most SHOWN_BYTES of what a peer sent, escaped, for messages and the debug trace. */
static char *
describe (const guint8 *data,
          gsize         len)
{
  g_autofree char *head = g_strndup ((const char *) data, MIN (len, SHOWN_BYTES));
  g_autofree char *escaped = g_strescape (head, NULL);

  if (len <= SHOWN_BYTES)
    return g_steal_pointer (&escaped);
  return g_strdup_printf ("%s... (%" G_GSIZE_FORMAT " bytes)", escaped, len);
}

/* --- Script text ------------------------------------------------------------------------------ */

static int
read_escape (const char **p,
             GError     **error)
{
  const char *s = *p;
  int hi = -1, lo = -1;

  g_assert (s[0] == '\\');
  switch (s[1])
    {
    case 'r': *p = s + 2; return '\r';
    case 'n': *p = s + 2; return '\n';
    case 't': *p = s + 2; return '\t';
    case '\\': case '$': case '}': *p = s + 2; return s[1];
    case 'x':
      hi = g_ascii_xdigit_value (s[2]);
      lo = hi < 0 ? -1 : g_ascii_xdigit_value (s[3]);
      break;
    default:
      break;
    }
  if (lo >= 0)
    {
      *p = s + 4;
      return hi * 16 + lo;
    }
  g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_SCRIPT,
               "bad escape \\%.1s", s + 1);
  return -1;
}

/* Appends the expansion of the text at *p to @out; inside ${LIT:…} (@in_literal) it stops after
 * the closing brace. A NULL @tag means that no tagged C: line can have come yet. */
static gboolean
expand (const char **p,
        gboolean     in_literal,
        const char  *tag,
        GByteArray  *out,
        GError     **error)
{
  const char *s = *p;

  while (*s != '\0')
    {
      if (*s == '\\')
        {
          int c = read_escape (&s, error);
          guint8 byte = (guint8) c;

          if (c < 0)
            return FALSE;
          g_byte_array_append (out, &byte, 1);
        }
      else if (in_literal && *s == '}')
        {
          *p = s + 1;
          return TRUE;
        }
      else if (g_str_has_prefix (s, "${TAG}"))
        {
          if (tag == NULL)
            {
              g_set_error_literal (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_SCRIPT,
                                   "${TAG} before any \"C: TAG ...\" line");
              return FALSE;
            }
          g_byte_array_append (out, (const guint8 *) tag, strlen (tag));
          s += strlen ("${TAG}");
        }
      else if (g_str_has_prefix (s, "${BIG:"))
        {
          char *end = NULL;
          guint64 count = g_ascii_strtoull (s + strlen ("${BIG:"), &end, 10);
          int c;
          guint old_len = out->len;

          if (end == s + strlen ("${BIG:") || *end != ':' || count > MAX_BYTES || end[1] == '\0')
            goto bad_big;
          s = end + 1;
          c = *s == '\\' ? read_escape (&s, error) : (guchar) *s++;
          if (c < 0)
            return FALSE;
          if (*s++ != '}')
            goto bad_big;
          g_byte_array_set_size (out, old_len + (guint) count);
          memset (out->data + old_len, c, count);
        }
      else if (g_str_has_prefix (s, "${LIT:"))
        {
          g_autoptr(GByteArray) literal = g_byte_array_new ();
          g_autofree char *head = NULL;

          s += strlen ("${LIT:");
          if (!expand (&s, TRUE, tag, literal, error))
            return FALSE;
          /* RFC 9051 §4.3: a literal is its octet count in braces, CRLF, then the octets. */
          head = g_strdup_printf ("{%u}\r\n", literal->len);
          g_byte_array_append (out, (const guint8 *) head, strlen (head));
          g_byte_array_append (out, literal->data, literal->len);
        }
      else if (g_str_has_prefix (s, "${"))
        {
          g_set_error_literal (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_SCRIPT,
                               "unknown ${...}: use ${TAG}, ${BIG:N:c} or ${LIT:text}, or \\$ for a $");
          return FALSE;
        }
      else
        {
          g_byte_array_append (out, (const guint8 *) s, 1);
          s++;
        }
    }

  if (in_literal)
    {
      g_set_error_literal (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_SCRIPT,
                           "${LIT: without its closing }");
      return FALSE;
    }
  *p = s;
  return TRUE;

bad_big:
  g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_SCRIPT,
               "${BIG:N:c} needs a count up to %d and one character", MAX_BYTES);
  return FALSE;
}

static GByteArray *
expand_text (const char  *text,
             const char  *tag,
             GError     **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (!expand (&text, FALSE, tag, out, error))
    return NULL;
  return g_steal_pointer (&out);
}

/* The pattern anchored at both ends, ${TAG} replaced by the quoted tag; bytes, not UTF-8, since
 * a client under test may send anything. */
static GRegex *
compile_pattern (const char  *pattern,
                 const char  *tag,
                 GError     **error)
{
  g_autoptr(GString) anchored = g_string_new ("\\A(?:");
  const char *s = pattern;
  const char *found;

  while ((found = strstr (s, "${TAG}")) != NULL)
    {
      g_autofree char *quoted = g_regex_escape_string (tag, -1);

      g_string_append_len (anchored, s, found - s);
      g_string_append (anchored, quoted);
      s = found + strlen ("${TAG}");
    }
  g_string_append (anchored, s);
  g_string_append (anchored, ")\\z");
  return g_regex_new (anchored->str, G_REGEX_RAW, 0, error);
}

static gboolean
needs_connection (StepKind kind)
{
  return kind != STEP_SLEEP && kind != STEP_TIMEOUT && kind != STEP_ACCEPT;
}

static gboolean
parse_step (Step        *step,
            const char  *line,
            gboolean    *tag_seen,
            GError     **error)
{
  const char *colon = strchr (line, ':');
  g_autofree char *keyword = colon ? g_strndup (line, colon - line) : g_strstrip (g_strdup (line));
  const char *arg = colon ? colon + 1 : NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (keywords); i++)
    if (g_str_equal (keyword, keywords[i].keyword) && (keywords[i].arg == ARG_NONE) == (arg == NULL))
      break;
  if (i == G_N_ELEMENTS (keywords))
    {
      g_set_error_literal (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_SCRIPT,
                           "not a step (S:, S-raw:, C:, C-bytes:, sleep:, timeout:, accept, close, "
                           "reset, expect-eof, wait-close-ms:)");
      return FALSE;
    }

  step->kind = keywords[i].kind;
  if (keywords[i].arg == ARG_NUMBER)
    {
      g_autofree char *number = g_strstrip (g_strdup (arg));
      guint64 value;
      guint max = keywords[i].kind == STEP_RECV_BYTES ? MAX_BYTES : MAX_MS;

      if (!g_ascii_string_to_unsigned (number, 10, 1, max, &value, NULL))
        {
          g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_SCRIPT,
                       "%s needs a number from 1 to %u", keyword, max);
          return FALSE;
        }
      step->number = (guint) value;
    }
  else if (keywords[i].arg == ARG_TEXT)
    {
      /* One space after the colon separates; any other leading space is part of the text. */
      step->text = g_strdup (*arg == ' ' ? arg + 1 : arg);
    }

  if (step->kind == STEP_RECV_LINE)
    {
      g_autoptr(GRegex) regex = NULL;

      if (g_str_has_prefix (step->text, "TAG "))
        {
          char *rest = g_strdup (step->text + strlen ("TAG "));

          g_free (step->text);
          step->text = rest;
          step->tagged = TRUE;
          *tag_seen = TRUE;
        }
      regex = compile_pattern (step->text, "A1", error);
      return regex != NULL;
    }
  if (step->kind == STEP_SEND || step->kind == STEP_SEND_RAW)
    {
      /* A dry run finds the syntax errors now rather than half-way through the test. */
      g_autoptr(GByteArray) dry = expand_text (step->text, *tag_seen ? "A1" : NULL, error);

      return dry != NULL;
    }
  return TRUE;
}

static GArray *
parse_script (const char  *script,
              GError     **error)
{
  g_autoptr(GArray) steps = g_array_new (FALSE, TRUE, sizeof (Step));
  g_auto(GStrv) lines = g_strsplit (script, "\n", -1);
  gboolean connected = FALSE;
  gboolean tag_seen = FALSE;

  g_array_set_clear_func (steps, clear_step);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);
      Step step = { 0, };
      g_autoptr(GError) local_error = NULL;

      if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
      while (*line == ' ' || *line == '\t')
        line++;
      if (*line == '\0' || *line == '#')
        continue;

      step.line = i + 1;
      step.source = g_strdup (line);
      if (!parse_step (&step, line, &tag_seen, &local_error))
        {
          clear_step (&step);
          g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_SCRIPT,
                       "script line %u \"%s\": %s", i + 1, line, local_error->message);
          return NULL;
        }

      if (needs_connection (step.kind) && !connected)
        {
          Step accept = { STEP_ACCEPT, i + 1, NULL, NULL, FALSE, 0 };

          accept.source = g_strdup_printf ("accept (implicit, before %s)", line);

          g_array_append_val (steps, accept);
          connected = TRUE;
        }
      connected = (connected || step.kind == STEP_ACCEPT)
                  && step.kind != STEP_CLOSE && step.kind != STEP_RESET && step.kind != STEP_EXPECT_EOF;
      g_array_append_val (steps, step);
    }
  return g_steal_pointer (&steps);
}

/* --- Socket I/O, in the script's thread ------------------------------------------------------- */

static gboolean
wait_for (CnvLineServer  *self,
          GSocket        *socket,
          GIOCondition    condition,
          gint64          deadline,
          GError        **error)
{
  gint64 remaining = deadline - g_get_monotonic_time ();
  g_autoptr(GError) local_error = NULL;

  if (remaining > 0
      && g_socket_condition_timed_wait (socket, condition, remaining, self->cancellable, &local_error))
    return TRUE;
  if (remaining <= 0 || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_TIMEOUT,
                 "nothing happened within %u ms", self->step_ms);
  else
    g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_IO, "%s", local_error->message);
  return FALSE;
}

/* Reads what is there into self->input: the count, 0 at EOF, -1 on error. */
static gssize
receive_some (CnvLineServer  *self,
              gint64          deadline,
              GError        **error)
{
  guint8 buffer[16384];

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n;

      if (!wait_for (self, self->connection, G_IO_IN, deadline, error))
        return -1;
      n = g_socket_receive_with_blocking (self->connection, (char *) buffer, sizeof buffer, FALSE,
                                          self->cancellable, &local_error);
      if (n >= 0)
        {
          g_byte_array_append (self->input, buffer, (guint) n);
          return n;
        }
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_IO,
                       "receiving: %s", local_error->message);
          return -1;
        }
    }
}

/* Takes the first @len bytes of the input as a string (cut at a NUL byte, if any, for C's sake). */
static char *
take_input (CnvLineServer *self,
            guint          len,
            guint          skip)
{
  char *data = g_malloc (len + 1);

  memcpy (data, self->input->data, len);
  data[len] = '\0';
  g_byte_array_remove_range (self->input, 0, len + skip);
  return data;
}

static gboolean
fill_input (CnvLineServer  *self,
            gint64          deadline,
            GError        **error)
{
  gssize n = receive_some (self, deadline, error);

  if (n > 0)
    return TRUE;
  if (n == 0)
    g_set_error_literal (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_EOF,
                         "the client closed the connection");
  if (self->input->len > 0)
    {
      /* Show what came without its end: a missing CRLF is a common client bug. */
      g_autofree char *pending = describe (self->input->data, self->input->len);
      char *message = g_strdup_printf ("%s; unterminated: \"%s\"", (*error)->message, pending);

      g_free ((*error)->message);
      (*error)->message = message;
    }
  return FALSE;
}

/* RFC 9051 §2.2: lines end with CRLF; a bare LF does not end one. */
static char *
read_line (CnvLineServer  *self,
           gint64          deadline,
           GError        **error)
{
  guint from = 0;

  for (;;)
    {
      for (guint i = MAX (from, 1); i < self->input->len; i++)
        if (self->input->data[i] == '\n' && self->input->data[i - 1] == '\r')
          return take_input (self, i - 1, 2);
      from = self->input->len;
      if (from > MAX_BYTES)
        {
          g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_MISMATCH,
                       "the client sent more than %d bytes without a CRLF", MAX_BYTES);
          return NULL;
        }
      if (!fill_input (self, deadline, error))
        return NULL;
    }
}

static gboolean
send_all (CnvLineServer  *self,
          const guint8   *data,
          gsize           len,
          gint64          deadline,
          GError        **error)
{
  while (len > 0)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n;

      if (!wait_for (self, self->connection, G_IO_OUT, deadline, error))
        return FALSE;
      n = g_socket_send_with_blocking (self->connection, (const char *) data, len, FALSE,
                                       self->cancellable, &local_error);
      if (n < 0 && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_IO,
                       "sending: %s", local_error->message);
          return FALSE;
        }
      if (n > 0)
        {
          data += n;
          len -= (gsize) n;
        }
    }
  return TRUE;
}

static void
drop_connection (CnvLineServer *self,
                 gboolean       reset)
{
  if (self->connection == NULL)
    return;
  if (reset)
    {
      /* Closing with a zero linger time sends RST instead of FIN. */
      struct linger linger = { 1, 0 };

      if (setsockopt (g_socket_get_fd (self->connection), SOL_SOCKET, SO_LINGER,
                      &linger, sizeof linger) != 0)
        g_warning ("SO_LINGER: %s", g_strerror (errno));
    }
  g_socket_close (self->connection, NULL);
  g_clear_object (&self->connection);
  g_byte_array_set_size (self->input, 0);
}

static gboolean
accept_connection (CnvLineServer  *self,
                   gint64          deadline,
                   GError        **error)
{
  GSocket *connection = NULL;

  while (connection == NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (!wait_for (self, self->listener, G_IO_IN, deadline, error))
        return FALSE;
      connection = g_socket_accept (self->listener, self->cancellable, &local_error);
      if (connection == NULL && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_IO,
                       "accepting: %s", local_error->message);
          return FALSE;
        }
    }

  /* Every S: step leaves as its own segment, so split responses really arrive split. */
  g_socket_set_option (connection, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  if (self->connection != NULL)
    g_ptr_array_add (self->left_open, g_steal_pointer (&self->connection));
  self->connection = connection;
  g_byte_array_set_size (self->input, 0);
  g_debug ("accepted a connection");
  return TRUE;
}

static gboolean
sleep_ms (CnvLineServer  *self,
          guint           ms,
          GError        **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * G_TIME_SPAN_MILLISECOND;
  GPollFD pollfd;
  gint64 now;

  if (!g_cancellable_make_pollfd (self->cancellable, &pollfd))
    g_error ("no file descriptor for a GCancellable");
  while (!g_cancellable_is_cancelled (self->cancellable)
         && (now = g_get_monotonic_time ()) < deadline)
    g_poll (&pollfd, 1, (int) ((deadline - now + 999) / 1000));
  g_cancellable_release_fd (self->cancellable);
  return !g_cancellable_set_error_if_cancelled (self->cancellable, error);
}

/* --- Steps ------------------------------------------------------------------------------------ */

static gboolean
match_line (CnvLineServer  *self,
            const Step     *step,
            gint64          deadline,
            GError        **error)
{
  g_autofree char *line = read_line (self, deadline, error);
  g_autofree char *shown = NULL;
  g_autoptr(GRegex) regex = NULL;
  const char *rest;
  const char *space;

  if (line == NULL)
    return FALSE;
  shown = describe ((const guint8 *) line, strlen (line));
  g_debug ("C: %s", shown);
  g_ptr_array_add (self->received, g_strdup (line));

  rest = line;
  space = strchr (line, ' ');
  if (step->tagged && space != NULL && space != line)
    {
      g_free (self->tag);
      self->tag = g_strndup (line, space - line);
      rest = space + 1;
    }
  regex = compile_pattern (step->text, self->tag != NULL ? self->tag : "", error);
  if (regex == NULL)
    return FALSE;
  if ((step->tagged && rest == line) || !g_regex_match (regex, rest, 0, NULL))
    {
      g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_MISMATCH,
                   "the client sent \"%s\"", shown);
      return FALSE;
    }
  return TRUE;
}

static gboolean
send_text (CnvLineServer  *self,
           const Step     *step,
           gint64          deadline,
           GError        **error)
{
  g_autoptr(GByteArray) data = expand_text (step->text, self->tag, error);
  g_autofree char *shown = NULL;

  if (data == NULL)
    return FALSE;
  if (step->kind == STEP_SEND)
    g_byte_array_append (data, (const guint8 *) "\r\n", 2);
  shown = describe (data->data, data->len);
  g_debug ("S: %s", shown);
  return send_all (self, data->data, data->len, deadline, error);
}

static gboolean
expect_eof (CnvLineServer  *self,
            gint64          deadline,
            GError        **error)
{
  gssize n;

  while ((n = receive_some (self, deadline, error)) > 0)
    ;
  if (n < 0)
    return FALSE;
  if (self->input->len > 0)
    {
      g_autofree char *shown = describe (self->input->data, self->input->len);
      g_autofree char *rest = take_input (self, self->input->len, 0);

      g_ptr_array_add (self->received, g_strdup (rest));
      if (*g_strstrip (rest) != '\0')
        {
          g_set_error (error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_MISMATCH,
                       "the client sent \"%s\" before it closed", shown);
          return FALSE;
        }
    }
  g_debug ("the client closed the connection");
  drop_connection (self, FALSE);
  return TRUE;
}

static gboolean
run_step (CnvLineServer  *self,
          const Step     *step,
          GError        **error)
{
  gint64 deadline;

  self->step_ms = step->kind == STEP_EXPECT_EOF && step->number > 0 ? step->number : self->timeout_ms;
  deadline = g_get_monotonic_time () + (gint64) self->step_ms * G_TIME_SPAN_MILLISECOND;

  switch (step->kind)
    {
    case STEP_SEND:
    case STEP_SEND_RAW:
      return send_text (self, step, deadline, error);
    case STEP_RECV_LINE:
      return match_line (self, step, deadline, error);
    case STEP_RECV_BYTES:
      while (self->input->len < step->number)
        if (!fill_input (self, deadline, error))
          return FALSE;
      g_ptr_array_add (self->received, take_input (self, step->number, 0));
      g_debug ("C: (%u bytes)", step->number);
      return TRUE;
    case STEP_SLEEP:
      return sleep_ms (self, step->number, error);
    case STEP_TIMEOUT:
      self->timeout_ms = step->number;
      return TRUE;
    case STEP_ACCEPT:
      return accept_connection (self, deadline, error);
    case STEP_CLOSE:
    case STEP_RESET:
      drop_connection (self, step->kind == STEP_RESET);
      return TRUE;
    case STEP_EXPECT_EOF:
      return expect_eof (self, deadline, error);
    default:
      g_assert_not_reached ();
    }
}

static gpointer
run_script_cb (gpointer data)
{
  CnvLineServer *self = data;
  GError *error = NULL;

  for (guint i = 0; i < self->steps->len && error == NULL; i++)
    {
      const Step *step = &g_array_index (self->steps, Step, i);

      g_mutex_lock (&self->lock);
      self->current = i;
      g_mutex_unlock (&self->lock);
      if (!run_step (self, step, &error))
        g_prefix_error (&error, "script line %u \"%s\": ", step->line, step->source);
    }

  if (error != NULL)
    {
      g_debug ("%s", error->message);
      drop_connection (self, FALSE);
    }

  g_mutex_lock (&self->lock);
  self->done = TRUE;
  self->error = error;
  if (self->waiter != NULL)
    g_main_context_wakeup (self->waiter);
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* --- Public API ------------------------------------------------------------------------------- */

CnvLineServer *
cnv_line_server_new (const char  *script,
                     GError     **error)
{
  g_autoptr(CnvLineServer) self = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  g_return_val_if_fail (script != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (CnvLineServer, 1);
  g_mutex_init (&self->lock);
  self->cancellable = g_cancellable_new ();
  self->left_open = g_ptr_array_new_with_free_func (g_object_unref);
  self->input = g_byte_array_new ();
  self->received = g_ptr_array_new_with_free_func (g_free);
  self->timeout_ms = DEFAULT_TIMEOUT_MS;

  self->steps = parse_script (script, error);
  if (self->steps == NULL)
    return NULL;

  self->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 error);
  if (self->listener == NULL)
    return NULL;
  g_socket_set_blocking (self->listener, FALSE);
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 0);
  if (!g_socket_bind (self->listener, address, FALSE, error) || !g_socket_listen (self->listener, error))
    return NULL;
  local = g_socket_get_local_address (self->listener, error);
  if (local == NULL)
    return NULL;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return g_steal_pointer (&self);
}

guint16
cnv_line_server_get_port (CnvLineServer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

void
cnv_line_server_start (CnvLineServer *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->thread == NULL && !self->joined);

  self->thread = g_thread_new ("cnv-line-server", run_script_cb, self);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
cnv_line_server_wait (CnvLineServer  *self,
                      guint           timeout_ms,
                      GError        **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GSource) timer = NULL;
  gint64 deadline;
  gboolean done = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->thread != NULL || self->joined, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!self->joined)
    {
      context = g_main_context_ref_thread_default ();
      deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
      /* The timer only wakes the iteration below at the deadline. */
      timer = g_timeout_source_new (timeout_ms);
      g_source_set_callback (timer, wake_cb, NULL, NULL);
      g_source_attach (timer, context);

      for (;;)
        {
          g_mutex_lock (&self->lock);
          done = self->done;
          self->waiter = done ? NULL : context;
          g_mutex_unlock (&self->lock);
          if (done || g_get_monotonic_time () >= deadline)
            break;
          g_main_context_iteration (context, TRUE);
        }
      g_source_destroy (timer);

      g_mutex_lock (&self->lock);
      self->waiter = NULL;
      g_mutex_unlock (&self->lock);

      g_cancellable_cancel (self->cancellable);
      g_thread_join (g_steal_pointer (&self->thread));
      self->joined = TRUE;
      if (!done && self->error != NULL)
        {
          /* The stopped thread recorded "cancelled": say instead where it was stuck. A thread
           * that ended right before the cancellation, error == NULL, did finish the script. */
          const Step *step = &g_array_index (self->steps, Step, self->current);

          g_clear_error (&self->error);
          g_set_error (&self->error, CNV_LINE_SERVER_ERROR, CNV_LINE_SERVER_ERROR_UNFINISHED,
                       "the script did not end within %u ms: it was at script line %u \"%s\"",
                       timeout_ms, step->line, step->source);
        }
    }

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
cnv_line_server_get_received (CnvLineServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->received;
}

void
cnv_line_server_free (CnvLineServer *self)
{
  if (self == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  if (self->thread != NULL)
    g_thread_join (g_steal_pointer (&self->thread));

  drop_connection (self, FALSE);
  if (self->listener != NULL)
    g_socket_close (self->listener, NULL);
  g_clear_object (&self->listener);
  g_clear_pointer (&self->left_open, g_ptr_array_unref);
  g_clear_pointer (&self->steps, g_array_unref);
  g_clear_pointer (&self->input, g_byte_array_unref);
  g_clear_pointer (&self->received, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->error);
  g_free (self->tag);
  g_mutex_clear (&self->lock);
  g_free (self);
}
