/* main.c — convene-manager, the session manager of Fig 5
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "cnv-manager-admin.h"
#include "cnv-manager-daemon.h"
#include "cnv-manager-inspect.h"

static void
print_usage (void)
{
  g_print ("Usage: convene-manager COMMAND [OPTIONS]\n"
           "\n"
           "Commands:\n"
           "  run --config FILE                      run the manager: read requests, open sessions,\n"
           "                                         send invitations, serve the join gateway\n"
           "  check-config --config FILE             list every mistake of a configuration\n"
           "  user add ADDRESS [--name NAME]         accredit a person\n"
           "  user remove ADDRESS                    withdraw a person's accreditation\n"
           "  user list [--json]                     list the accredited people\n"
           "  domain add|remove DOMAIN               accredit (or not) every address of a domain\n"
           "  domain list [--json]                   list the accredited domains\n"
           "  session list [--all] [--type TYPE] [--json]\n"
           "                                         list the sessions\n"
           "  session show ID [--json]               show a session, its participants, its mail\n"
           "  session cancel ID                      cancel a session (the manager mails everyone)\n"
           "  inspect [--config FILE] FILE.eml|-     print as JSON what the manager would do with a mail\n"
           "  --version                              print the version\n"
           "\n"
           "user, domain and session need --config FILE: it names the database.\n"
           "Run “convene-manager COMMAND --help” for a command's options; see convene-manager(1).\n");
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
  if (strcmp (argv[1], "check-config") == 0)
    return cnv_manager_admin_check_config_main (argc - 1, argv + 1);
  if (strcmp (argv[1], "user") == 0)
    return cnv_manager_admin_user_main (argc - 1, argv + 1);
  if (strcmp (argv[1], "domain") == 0)
    return cnv_manager_admin_domain_main (argc - 1, argv + 1);
  if (strcmp (argv[1], "session") == 0)
    return cnv_manager_admin_session_main (argc - 1, argv + 1);
  if (strcmp (argv[1], "run") == 0)
    return cnv_manager_daemon_main (argc - 1, argv + 1);

  g_printerr ("convene-manager: unknown command “%s”\n\n", argv[1]);
  print_usage ();
  return 2;
}
