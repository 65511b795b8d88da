/* main.c — convene-service, the app's background process (issue 6)
 *
 * Started by the session's autostart entry or by D-Bus activation, both with
 * --gapplication-service (handled by GApplication).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-service"

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "cnv-engine.h"
#include "cnv-service.h"

/* Where the message catalogues are: LOCALEDIR (the install prefix's), unless CONVENE_LOCALEDIR
 * names another directory laid out the same way (fr/LC_MESSAGES/convene.mo). Only for the
 * tests and the demo, which run the service from the build tree before anything is installed. */
static const char *
cnv_locale_dir (void)
{
  const char *dir = g_getenv ("CONVENE_LOCALEDIR");

  return dir != NULL && *dir != '\0' ? dir : LOCALEDIR;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CnvService) service = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, cnv_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* gmime's and libical's global state, before an invitation is parsed. */
  cnv_engine_init ();

  service = cnv_service_new ();

  return g_application_run (G_APPLICATION (service), argc, argv);
}
