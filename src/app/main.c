/* main.c — the Convene app's UI
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <glib/gi18n.h>

#include "cnv-application.h"
#include "cnv-engine.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CnvApplication) app = NULL;

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* gmime's and libical's global state, before anything parses an address. */
  cnv_engine_init ();

  app = cnv_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
