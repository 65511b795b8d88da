/* main.c — convene-manager, the session manager of Fig 5
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "cnv-manager-inspect.h"

static void
print_usage (void)
{
  g_print ("Usage: convene-manager COMMAND [OPTIONS]\n"
           "\n"
           "Commands:\n"
           "  inspect [--config FILE] FILE.eml|-   print as JSON what the manager would do with a mail\n"
           "  --version                            print the version\n"
           "\n"
           "Run “convene-manager COMMAND --help” for a command's options.\n");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  cnv_engine_init ();

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_usage ();
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      g_print ("convene-manager %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (strcmp (argv[1], "inspect") == 0)
    return cnv_manager_inspect_main (argc - 1, argv + 1);

  g_printerr ("convene-manager: unknown command “%s”\n\n", argv[1]);
  print_usage ();
  return 2;
}
