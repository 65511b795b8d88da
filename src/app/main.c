/* main.c — the Convene app's UI
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "cnv-application.h"
#include "cnv-engine.h"

/* Where the message catalogues are: LOCALEDIR (the install prefix's), unless CONVENE_LOCALEDIR
 * names another directory laid out the same way (fr/LC_MESSAGES/convene.mo). Only for the
 * tests and the demo, which run the app from the build tree before anything is installed. */
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
  g_autoptr(CnvApplication) app = NULL;

  /* Before GTK starts (gtk_init sets it again): the command line's --help is translated too. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, cnv_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* gmime's and libical's global state, before anything parses an address. */
  cnv_engine_init ();

  app = cnv_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
