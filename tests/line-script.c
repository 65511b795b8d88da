/* line-script.c — running scripts of the line server (tests/line-server.h) in a test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-line-script"

#include "config.h"

#include <string.h>

#include "line-script.h"

CnvLineServer *
run_script (const char *script)
{
  g_autoptr(GError) error = NULL;
  CnvLineServer *server = cnv_line_server_new (script, &error);

  g_assert_no_error (error);
  cnv_line_server_start (server);
  return server;
}

void
assert_script_done (CnvLineServer *server)
{
  g_autoptr(GError) error = NULL;

  cnv_line_server_wait (server, SCRIPT_TIMEOUT_MS, &error);
  g_assert_no_error (error);
}

GError *
script_error (CnvLineServer *server)
{
  GError *error = NULL;

  g_assert_false (cnv_line_server_wait (server, SCRIPT_TIMEOUT_MS, &error));
  g_assert_nonnull (error);
  g_test_message ("the server said: %s", error->message);
  return error;
}

void
assert_received (CnvLineServer      *server,
                 const char * const *expected)
{
  GPtrArray *received;
  guint count = g_strv_length ((char **) expected);

  assert_script_done (server);
  received = cnv_line_server_get_received (server);
  for (guint i = 0; i < MIN (count, received->len); i++)
    g_assert_cmpstr (g_ptr_array_index (received, i), ==, expected[i]);
  g_assert_cmpuint (received->len, ==, count);
}

void
assert_contains (const char *text,
                 const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("\"%s\" does not contain \"%s\"", text, part);
}
