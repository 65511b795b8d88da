/* cnv-manager-config-accounts.c — the mail accounts of the manager's configuration: `[imap]`,
 * `[imap NAME]` and `[smtp]`, as they are read and as `run` needs them
 *
 * Each account's host, port, security, user, password file, CA file and mailbox (or, for
 * `[smtp]`, HELO name) are read, checked and normalised here, a mistake reported on its key
 * (cnv-manager-config-read.c reads the other groups); cnv_config_check_server() checks, for
 * cnv_manager_config_check_daemon(), that the password and CA files can be used. The helpers the
 * configuration's files share are in cnv-manager-config-private.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "cnv-manager-config-private.h"

#define DEFAULT_MAILBOX   "INBOX"

/* A configuration is a few KiB; this bounds what a hostile or mistaken file can cost. */
#define MAX_ACCOUNTS      64

/* ---- [imap], [imap NAME], [smtp] --------------------------------------------------------- */

static gboolean
is_simple_name (const char *name)
{
  if (*name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static CnvMailServer *
load_mail_server (CnvConfigLoader  *loader,
                  const char       *group,
                  gboolean          is_smtp,
                  char            **password_file,
                  char            **mailbox)
{
  const char *protocol = is_smtp ? "SMTP submission" : "IMAP";
  g_autoptr(CnvMailServer) server = NULL;
  g_autofree char *host_value = NULL;
  g_autofree char *host = NULL;
  g_autofree char *security_value = NULL;
  g_autofree char *user = NULL;
  g_autofree char *helo_name = NULL;
  CnvMailSecurity security = CNV_MAIL_SECURITY_TLS;
  gboolean valid = TRUE;
  guint64 port = 0;

  host_value = cnv_config_read_nonempty (loader, group, "host", "the server's name");
  if (host_value == NULL)
    {
      if (!g_key_file_has_key (loader->key_file, group, "host", NULL))
        report (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_MISSING, group, "host",
                "missing: expected the name of the %s server, such as %s", protocol,
                is_smtp ? "smtp.example.org" : "imap.example.org");
      valid = FALSE;
    }
  else if ((host = cnv_config_normalize_host (host_value)) == NULL)
    {
      g_autofree char *shown = cnv_config_excerpt (host_value);

      report_error (loader, group, "host", "“%s” is not a host name or an IP address%s%s", shown,
                    strchr (host_value, ':') != NULL ? " (give the port in port = …)" : "",
                    cnv_config_comment_hint (host_value));
      valid = FALSE;
    }

  if (g_key_file_has_key (loader->key_file, group, "port", NULL) &&
      !cnv_config_read_uint (loader, group, "port", 1, 65535, &port))
    valid = FALSE;

  security_value = cnv_config_read_nonempty (loader, group, "security", "tls, starttls or none");
  if (security_value != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (security_value, -1);

      if (!cnv_mail_security_from_string (lower, &security))
        {
          g_autofree char *shown = cnv_config_excerpt (security_value);

          report_error (loader, group, "security", "“%s” is not one of tls (encrypted from the "
                        "first byte, port %s), starttls (port %s) or none%s", shown,
                        is_smtp ? "465" : "993", is_smtp ? "587" : "143",
                        cnv_config_comment_hint (security_value));
          valid = FALSE;
        }
    }

  user = cnv_config_read_nonempty (loader, group, "user", "the login name");
  if (user != NULL && cnv_config_has_control (user))
    {
      report_error (loader, group, "user", "the login name holds a control character");
      valid = FALSE;
    }

  if (host != NULL && user != NULL && security == CNV_MAIL_SECURITY_NONE)
    {
      g_autoptr(CnvMailServer) probe = cnv_mail_server_new (host, 0, security);

      if (!cnv_mail_server_may_send_secret (probe))
        {
          report_error (loader, group, "security", "none would send the password unencrypted to "
                        "%s: use tls or starttls (none is only for a server on this machine)", host);
          valid = FALSE;
        }
    }

  *password_file = cnv_config_read_path (loader, group, "password-file");

  if (is_smtp)
    {
      helo_name = cnv_config_read_nonempty (loader, group, "helo-name", "this host's name, such as "
                                            "convene.example.org");
      if (helo_name != NULL)
        {
          g_autofree char *normalized = cnv_config_normalize_host (helo_name);

          if (normalized == NULL)
            {
              g_autofree char *shown = cnv_config_excerpt (helo_name);

              report_error (loader, group, "helo-name", "“%s” is not a host name: expected the "
                            "name this host gives in EHLO, such as convene.example.org", shown);
              valid = FALSE;
            }
          g_free (helo_name);
          helo_name = g_steal_pointer (&normalized);
        }
    }
  else
    {
      *mailbox = cnv_config_read_nonempty (loader, group, "mailbox", "a folder name such as INBOX");
      if (*mailbox != NULL && cnv_config_has_control (*mailbox))
        {
          report_error (loader, group, "mailbox", "the folder name holds a control character");
          valid = FALSE;
        }
      if (*mailbox == NULL)
        *mailbox = g_strdup (DEFAULT_MAILBOX);
    }

  {
    g_autofree char *ca_file = cnv_config_read_path (loader, group, "ca-file");

    if (!valid)
      return NULL;
    server = cnv_mail_server_new (host, (guint16) port, security);
    server->user = g_steal_pointer (&user);
    server->ca_file = g_steal_pointer (&ca_file);
    server->helo_name = g_steal_pointer (&helo_name);
  }
  return g_steal_pointer (&server);
}

void
cnv_config_load_account (CnvConfigLoader *loader,
                         const char      *group)
{
  CnvManagerConfig *self = loader->config;
  g_autofree char *password_file = NULL;
  g_autofree char *mailbox = NULL;
  CnvMailServer *server;
  CnvManagerAccount *account;

  if (strcmp (group, "imap") != 0 && !is_simple_name (group + strlen ("imap ")))
    {
      g_autofree char *shown = cnv_config_excerpt (group + strlen ("imap "));

      report_error (loader, group, NULL, "“%s” is not an account name: expected letters, digits, "
                    "- and _ after “imap ”, such as [imap support]", shown);
      return;
    }
  if (self->accounts->len == MAX_ACCOUNTS)
    {
      report_error (loader, group, NULL, "more than %d IMAP accounts", MAX_ACCOUNTS);
      return;
    }

  server = load_mail_server (loader, group, FALSE, &password_file, &mailbox);
  if (server == NULL)
    return;

  for (guint i = 0; i < self->accounts->len; i++)
    {
      const CnvManagerAccount *other = g_ptr_array_index (self->accounts, i);

      if (g_ascii_strcasecmp (other->server->host, server->host) == 0 &&
          cnv_mail_server_get_imap_port (other->server) == cnv_mail_server_get_imap_port (server) &&
          g_strcmp0 (other->server->user, server->user) == 0 &&
          g_strcmp0 (other->mailbox, mailbox) == 0)
        {
          report (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_DUPLICATE, group, "mailbox",
                  "the same mailbox as [%s]: each account must watch a mailbox of its own",
                  other->name);
          cnv_mail_server_free (server);
          return;
        }
    }

  account = g_new0 (CnvManagerAccount, 1);
  account->name = g_strdup (group);
  account->server = server;
  account->password_file = g_steal_pointer (&password_file);
  account->mailbox = g_steal_pointer (&mailbox);
  g_ptr_array_add (self->accounts, account);
}

void
cnv_config_load_smtp (CnvConfigLoader *loader)
{
  CnvManagerConfig *self = loader->config;
  g_autofree char *password_file = NULL;

  self->smtp = load_mail_server (loader, "smtp", TRUE, &password_file, NULL);
  self->smtp_password_file = g_steal_pointer (&password_file);
  /* The manager sends many mails to one server: one TLS handshake and AUTH for a run of them. */
  if (self->smtp != NULL)
    self->smtp->keep_alive = TRUE;
}

/* ---- What `run` needs of an account ------------------------------------------------------ */

static void
check_password_file (CnvManagerConfig *self,
                     GPtrArray        *problems,
                     const char       *group,
                     const char       *password_file)
{
  g_autofree char *credential = NULL;
  const char *credentials = g_getenv ("CREDENTIALS_DIRECTORY");
  const char *path = password_file;
  GStatBuf st;

  /* systemd's LoadCredential=: the password of [imap] is the credential named "imap". */
  if (path == NULL && credentials != NULL && *credentials != '\0')
    {
      credential = g_build_filename (credentials, group, NULL);
      if (g_file_test (credential, G_FILE_TEST_EXISTS))
        path = credential;
    }
  if (path == NULL)
    {
      cnv_config_add_problem (self, problems, group, "password-file", "not set: expected the file "
                              "that holds the password (one line, chmod 600), or a systemd "
                              "credential named “%s”", group);
      return;
    }
  if (g_stat (path, &st) != 0)
    {
      cnv_config_add_problem (self, problems, group, "password-file", "%s does not exist: write "
                              "the password into it (one line) and run chmod 600 %s", path, path);
      return;
    }
  if (!S_ISREG (st.st_mode))
    {
      cnv_config_add_problem (self, problems, group, "password-file", "%s is not a regular file",
                              path);
      return;
    }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0 && path != credential)
    cnv_config_add_problem (self, problems, group, "password-file", "%s can be read by other users "
                            "(mode %04o): run chmod 600 %s", path, (guint) (st.st_mode & 07777),
                            path);
  if (g_access (path, R_OK) != 0)
    {
      int saved = errno;

      cnv_config_add_problem (self, problems, group, "password-file", "%s cannot be read: %s", path,
                              g_strerror (saved));
    }
}

static void
check_ca_file (CnvManagerConfig    *self,
               GPtrArray           *problems,
               const char          *group,
               const CnvMailServer *server)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  if (server->ca_file == NULL)
    return;
  if (g_access (server->ca_file, R_OK) != 0)
    {
      int saved = errno;

      cnv_config_add_problem (self, problems, group, "ca-file", "%s cannot be read: %s",
                              server->ca_file, g_strerror (saved));
      return;
    }
  database = g_tls_file_database_new (server->ca_file, &error);
  if (database == NULL)
    cnv_config_add_problem (self, problems, group, "ca-file", "%s holds no certificate: expected "
                            "PEM certificates of the authorities to trust (%s)", server->ca_file,
                            error->message);
}

/* For cnv_manager_config_check_daemon(): the user, password file and CA file of @server, the
 * account of @group. */
void
cnv_config_check_server (CnvManagerConfig    *self,
                         GPtrArray           *problems,
                         const char          *group,
                         const CnvMailServer *server,
                         const char          *password_file)
{
  if (server->user == NULL)
    cnv_config_add_problem (self, problems, group, "user", "not set: expected the login name of "
                            "the manager's mailbox");
  else
    check_password_file (self, problems, group, password_file);
  check_ca_file (self, problems, group, server);
}
