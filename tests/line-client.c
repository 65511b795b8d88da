/* line-client.c — a plain blocking line client over GIO, for talking to a server by hand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-line-client"

#include "config.h"

#include <string.h>

#include "line-client.h"

/* Seconds any connect, read or write may take: a broken test fails instead of hanging, and a
 * mail stack under AddressSanitizer still answers in time. */
#define TIMEOUT_S 20

static void
attach_input (LineClient *self)
{
  g_clear_object (&self->input);
  self->input = g_data_input_stream_new (g_io_stream_get_input_stream (self->stream));
  g_data_input_stream_set_newline_type (self->input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  /* Dropping this reader at STARTTLS must not close the socket under the TLS layer. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (self->input), FALSE);
}

LineClient *
line_client_open (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GError) error = NULL;
  LineClient *self = g_new0 (LineClient, 1);

  /* Loopback needs no proxy, and libproxy (a C++ library) aborts under clang's
   * AddressSanitizer. */
  g_socket_client_set_timeout (client, TIMEOUT_S);
  g_socket_client_set_enable_proxy (client, FALSE);
  self->port = port;
  self->socket = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  self->stream = g_object_ref (G_IO_STREAM (self->socket));
  attach_input (self);
  return self;
}

void
line_client_free (LineClient *self)
{
  g_clear_object (&self->input);
  g_clear_object (&self->stream);
  g_clear_object (&self->socket);
  g_free (self);
}

char *
line_client_read_line (LineClient  *self,
                       GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *line = g_data_input_stream_read_line (self->input, NULL, NULL, &local_error);

  if (error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_assert_no_error (local_error);
  return line;
}

char *
line_client_read (LineClient *self)
{
  char *line = line_client_read_line (self, NULL);

  g_assert_nonnull (line);
  return line;
}

void
line_client_expect (LineClient *self,
                    const char *expected)
{
  g_autofree char *line = line_client_read_line (self, NULL);

  g_assert_cmpstr (line, ==, expected);
}

void
line_client_send_raw (LineClient *self,
                      const char *data)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (self->stream), data, strlen (data),
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

void
line_client_send (LineClient *self,
                  const char *format,
                  ...)
{
  g_autofree char *text = NULL;
  g_autofree char *data = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  data = g_strconcat (text, "\r\n", NULL);
  line_client_send_raw (self, data);
}

gboolean
line_client_start_tls (LineClient    *self,
                       GTlsDatabase  *database,
                       const char    *host,
                       GError       **error)
{
  g_autoptr(GSocketConnectable) identity = g_network_address_new (host, self->port);
  g_autoptr(GIOStream) tls = g_tls_client_connection_new (G_IO_STREAM (self->socket), identity,
                                                          error);

  if (tls == NULL)
    return FALSE;
  if (database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, error))
    return FALSE;
  g_assert_cmpint (g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (tls)), ==, 0);
  g_clear_object (&self->stream);
  self->stream = g_steal_pointer (&tls);
  attach_input (self);
  return TRUE;
}

guint
line_client_smtp_reply (LineClient  *self,
                        char       **text)
{
  g_autoptr(GString) all = g_string_new (NULL);
  guint64 code = 0;

  for (;;)
    {
      g_autofree char *reply = line_client_read (self);

      g_assert_cmpuint (strlen (reply), >=, 3);
      g_string_append_printf (all, "%s\n", reply);
      if (reply[3] != '-')
        {
          g_autofree char *digits = g_strndup (reply, 3);

          g_assert_true (g_ascii_string_to_unsigned (digits, 10, 200, 599, &code, NULL));
          break;
        }
    }
  if (text != NULL)
    *text = g_string_free (g_steal_pointer (&all), FALSE);
  return (guint) code;
}

void
line_client_smtp_expect (LineClient *self,
                         guint       code,
                         const char *command)
{
  g_autofree char *text = NULL;

  if (command != NULL)
    line_client_send (self, "%s", command);
  if (line_client_smtp_reply (self, &text) != code)
    g_error ("after %s: expected %u, got %s", command != NULL ? command : "connecting", code, text);
}

char *
line_client_imap_command (LineClient *self,
                          const char *tag,
                          const char *command)
{
  g_autoptr(GString) all = g_string_new (NULL);
  g_autofree char *prefix = g_strconcat (tag, " ", NULL);

  line_client_send (self, "%s %s", tag, command);
  for (;;)
    {
      g_autofree char *reply = line_client_read (self);

      g_string_append_printf (all, "%s\n", reply);
      if (g_str_has_prefix (reply, prefix))
        {
          if (!g_str_has_prefix (reply + strlen (prefix), "OK"))
            g_error ("IMAP %s: %s", command, reply);
          break;
        }
    }
  return g_string_free (g_steal_pointer (&all), FALSE);
}
