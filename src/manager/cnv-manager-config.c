/* cnv-manager-config.c — the manager's INI configuration
 *
 * The file is documented in convene-manager(1) (data/convene-manager.1), in the commented
 * sample data/convene-manager.conf.sample and in README.md. Groups: `[manager]`, `[imap]` and
 * `[imap NAME]` (the mailboxes watched), `[smtp]` (submission of the invitations), `[gateway]`
 * (the join gateway) and one `[type NAME]` per session type; a type's `backend` key and the keys
 * of that backend are read by cnv_manager_backend_new_from_key_file().
 *
 * One reader serves two callers. cnv_manager_config_new_from_file() wants a configuration and
 * stops at the first error; cnv_manager_config_check_file() (`convene-manager check-config`)
 * wants every mistake, each as one sentence that names the file, the line, the group and the key,
 * says what is wrong and what is expected. GKeyFile keeps no line numbers and stops at its first
 * syntax error, so the lines are scanned first, the way GKeyFile reads them.
 *
 * Paths in the file are relative to the file's directory, so that a configuration and its
 * password files can move together.
 *
 * This file holds the object, the order in which the groups are read, the session types and
 * their backends, and the getters. The values of the other groups are read and checked in
 * cnv-manager-config-read.c; the scan of the lines, the problems (with their lines, sorted and
 * capped), the unknown names and what `run` needs are in cnv-manager-config-check.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "cnv-manager-config-private.h"

G_DEFINE_FINAL_TYPE (CnvManagerConfig, cnv_manager_config, G_TYPE_OBJECT)

#define DEFAULT_DURATION              (60 * G_TIME_SPAN_MINUTE)
#define DEFAULT_MAX_PARTICIPANTS      100
#define DEFAULT_MAX_REQUESTS_PER_HOUR 20
#define DEFAULT_MAX_MESSAGE_SIZE      (10 * 1024 * 1024)
#define DEFAULT_JOIN_EARLY            (10 * G_TIME_SPAN_MINUTE)
#define DEFAULT_LISTEN                "127.0.0.1:8080"

/* A configuration is a few KiB; this bounds what a hostile or mistaken file can cost. */
#define MAX_TYPES 256

/* Keys of a `[type NAME]` group that hold paths, made absolute before the backend reads them. */
static const char * const type_path_keys[] = { "jitsi-secret-file", "command", NULL };

static void
account_free (CnvManagerAccount *account)
{
  g_free (account->name);
  g_clear_pointer (&account->server, cnv_mail_server_free);
  g_free (account->password_file);
  g_free (account->mailbox);
  g_free (account);
}

static void
cnv_manager_config_finalize (GObject *object)
{
  CnvManagerConfig *self = (CnvManagerConfig *) object;

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->lines, g_hash_table_unref);
  g_clear_object (&self->types);
  g_clear_pointer (&self->zone, g_time_zone_unref);
  g_clear_pointer (&self->zone_name, g_free);
  g_clear_pointer (&self->database, g_free);
  g_clear_pointer (&self->trusted_authserv_id, g_free);
  g_clear_pointer (&self->accredited_domains, g_strfreev);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_pointer (&self->smtp, cnv_mail_server_free);
  g_clear_pointer (&self->smtp_password_file, g_free);
  g_clear_pointer (&self->gateway_listen, g_free);
  g_clear_pointer (&self->public_url, g_free);
  g_clear_pointer (&self->trusted_proxies, g_strfreev);
  g_clear_pointer (&self->backends, g_hash_table_unref);

  G_OBJECT_CLASS (cnv_manager_config_parent_class)->finalize (object);
}

static void
cnv_manager_config_class_init (CnvManagerConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnv_manager_config_finalize;
}

/* systemd's StateDirectory= (a colon-separated list when several are configured). */
static char *
default_database (void)
{
  const char *state = g_getenv ("STATE_DIRECTORY");
  g_auto(GStrv) dirs = NULL;

  if (state == NULL || *state == '\0')
    return NULL;
  dirs = g_strsplit (state, ":", 2);
  if (dirs[0] == NULL || !g_path_is_absolute (dirs[0]))
    return NULL;
  return g_build_filename (dirs[0], CNV_CONFIG_DATABASE_NAME, NULL);
}

static void
cnv_manager_config_init (CnvManagerConfig *self)
{
  self->lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->zone = g_time_zone_new_local ();
  self->zone_name = g_strdup (g_time_zone_get_identifier (self->zone));
  self->default_duration = DEFAULT_DURATION;
  self->database = default_database ();
  self->invite_at = CNV_INVITE_AT_REQUEST;
  self->accredited_domains = g_new0 (char *, 1);
  self->max_participants = DEFAULT_MAX_PARTICIPANTS;
  self->max_requests_per_hour = DEFAULT_MAX_REQUESTS_PER_HOUR;
  self->max_message_size = DEFAULT_MAX_MESSAGE_SIZE;
  self->join_early = DEFAULT_JOIN_EARLY;
  self->accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) account_free);
  self->gateway_listen = g_strdup (DEFAULT_LISTEN);
  self->trusted_proxies = g_new0 (char *, 1);
  self->backends = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/**
 * cnv_manager_config_new_default:
 *
 * The configuration used without `--config`: the types `videoconference@*` (default) and
 * `whiteboard@*` without backends, the machine's time zone, sessions of one hour, no mail
 * accounts. Enough for `inspect`, not for `run`.
 */
CnvManagerConfig *
cnv_manager_config_new_default (void)
{
  CnvManagerConfig *self = g_object_new (CNV_TYPE_MANAGER_CONFIG, NULL);

  self->types = cnv_session_types_new_default ();
  return self;
}

/* ---- [type NAME] ------------------------------------------------------------------------- */

/* Checks one type on its own (name, address, keywords) with a scratch table, so that each
 * mistake is reported on its key; then adds it. */
static gboolean
load_type (CnvConfigLoader *loader,
           const char      *group)
{
  CnvManagerConfig *self = loader->config;
  const char *name = strcmp (group, "type") == 0 ? "" : group + strlen ("type ");
  g_autoptr(CnvSessionTypes) scratch = cnv_session_types_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *keywords = NULL;
  g_auto(GStrv) words = NULL;
  gboolean is_default = FALSE;
  gboolean valid = TRUE;

  if (*name == '\0')
    {
      report_error (loader, group, NULL, "a type needs a name: [type videoconference]");
      return FALSE;
    }
  if (!cnv_session_types_add (scratch, name, NULL, NULL, FALSE, &error))
    {
      g_autofree char *shown = cnv_config_excerpt (name);

      report_error (loader, group, NULL, "“%s” is not a type name: expected letters, digits, - "
                    "and _, such as [type videoconference]", shown);
      return FALSE;
    }

  address = cnv_config_read_nonempty (loader, group, "address", "the manager address that "
                                      "selects the type, such as videoconference@example.org");
  if (address != NULL)
    {
      g_autoptr(CnvSessionTypes) probe = cnv_session_types_new ();

      g_clear_error (&error);
      if (!cnv_session_types_add (probe, name, address, NULL, FALSE, &error))
        {
          report_error (loader, group, "address", "%s%s", error->message,
                        cnv_config_comment_hint (address));
          valid = FALSE;
        }
      else
        {
          const char *normalized = cnv_session_types_get_nth (probe, 0)->address;

          for (guint i = 0; i < cnv_session_types_get_n_types (self->types); i++)
            {
              const CnvSessionType *other = cnv_session_types_get_nth (self->types, i);

              if (g_strcmp0 (other->address, normalized) == 0)
                {
                  report (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_DUPLICATE, group, "address",
                          "%s is already the address of [type %s]: each type needs an address "
                          "of its own", normalized, other->name);
                  valid = FALSE;
                }
            }
        }
    }

  keywords = cnv_config_read_string (loader, group, "keywords");
  if (keywords != NULL)
    {
      g_autoptr(CnvSessionTypes) probe = cnv_session_types_new ();

      words = cnv_config_split_list (keywords);
      g_clear_error (&error);
      if (!cnv_session_types_add (probe, name, NULL, (const char * const *) words, FALSE, &error))
        {
          report_error (loader, group, "keywords", "%s", error->message);
          valid = FALSE;
        }
    }

  if (g_key_file_has_key (loader->key_file, group, "default", NULL))
    {
      g_clear_error (&error);
      is_default = g_key_file_get_boolean (loader->key_file, group, "default", &error);
      if (error != NULL)
        {
          g_autofree char *value = g_key_file_get_value (loader->key_file, group, "default", NULL);
          g_autofree char *shown = cnv_config_excerpt (value ? value : "");

          report_error (loader, group, "default", "“%s” is not true or false", shown);
          valid = FALSE;
        }
      else if (is_default && cnv_session_types_get_default (self->types) != NULL)
        {
          report (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_DUPLICATE, group, "default",
                  "[type %s] is already the default: only one type may say default = true",
                  cnv_session_types_get_default (self->types)->name);
          valid = FALSE;
        }
    }

  if (address == NULL && keywords == NULL && !is_default && valid)
    {
      report (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_MISSING, group, NULL,
              "nothing selects this type: give it an address, keywords or default = true");
      return FALSE;
    }
  if (!valid)
    return FALSE;

  g_clear_error (&error);
  if (!cnv_session_types_add (self->types, name, address, (const char * const *) words, is_default,
                              &error))
    {
      report (loader, CNV_SEVERITY_ERROR, error->code, group, NULL, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* A relative path in a type's options is relative to the configuration's directory, like every
 * path in the file; the backend opens them as given. */
static void
resolve_type_paths (CnvConfigLoader *loader,
                    const char      *group)
{
  for (guint i = 0; type_path_keys[i] != NULL; i++)
    {
      g_autofree char *value = cnv_config_read_string (loader, group, type_path_keys[i]);

      if (value != NULL && *value != '\0' && !g_path_is_absolute (value))
        {
          g_autofree char *absolute = g_canonicalize_filename (value, loader->base_dir);

          g_key_file_set_string (loader->key_file, group, type_path_keys[i], absolute);
        }
    }
}

static void
load_backend (CnvConfigLoader *loader,
              const char      *group)
{
  CnvManagerConfig *self = loader->config;
  g_autoptr(CnvManagerBackend) backend = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_key_file_has_key (loader->key_file, group, "backend", NULL))
    return;
  if (loader->failed && !loader->collect)
    return;

  resolve_type_paths (loader, group);
  backend = cnv_manager_backend_new_from_key_file (loader->key_file, group, &error);
  if (backend == NULL)
    {
      g_autofree char *prefix = g_strdup_printf ("[%s] ", group);
      g_autofree char *key = NULL;
      const char *message = error->message;

      /* The backend's message reads "[type NAME] key: …": it names the key, whose line is
       * looked up here. */
      if (g_str_has_prefix (message, prefix) && strstr (message, ": ") != NULL)
        {
          const char *start = message + strlen (prefix);

          key = g_strndup (start, strstr (start, ": ") - start);
        }
      cnv_config_report_at (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_INVALID,
                            cnv_config_lookup_line (self->lines, group,
                                                    key != NULL ? key : "backend"),
                            NULL, NULL, "%s", message);
      return;
    }
  g_hash_table_insert (self->backends, g_strdup (group + strlen ("type ")), g_steal_pointer (&backend));
}

static void
load_types (CnvConfigLoader  *loader,
            char            **groups)
{
  CnvManagerConfig *self = loader->config;
  g_autofree char *manager_address = NULL;
  guint n_types = 0;

  self->types = cnv_session_types_new ();
  for (guint i = 0; groups[i] != NULL; i++)
    {
      if (cnv_config_classify_group (groups[i]) != CNV_GROUP_TYPE)
        continue;
      if (++n_types > MAX_TYPES)
        {
          if (n_types == MAX_TYPES + 1)
            report_error (loader, groups[i], NULL, "more than %d session types: this is not a "
                          "configuration a manager can serve", MAX_TYPES);
          continue;
        }
      if (load_type (loader, groups[i]))
        load_backend (loader, groups[i]);
    }

  manager_address = cnv_config_read_string (loader, "manager", "address");
  if (manager_address != NULL)
    {
      g_auto(GStrv) addresses = cnv_config_split_list (manager_address);

      for (guint i = 0; addresses[i] != NULL; i++)
        {
          g_autoptr(GError) error = NULL;

          if (*g_strstrip (addresses[i]) == '\0')
            continue;
          if (!cnv_session_types_add_manager_address (self->types, addresses[i], &error))
            report_error (loader, "manager", "address", "%s", error->message);
        }
    }
}

/* ---- Loading ----------------------------------------------------------------------------- */

static void
load (CnvConfigLoader *loader,
      const char      *data,
      gsize            len)
{
  CnvManagerConfig *self = loader->config;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;

  if (!cnv_config_scan_lines (loader, data, len))
    return;

  loader->key_file = g_key_file_new ();
  if (!g_key_file_load_from_data (loader->key_file, data, len, G_KEY_FILE_NONE, &error))
    {
      cnv_config_report_at (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_INVALID, 0, NULL, NULL,
                            "the file cannot be read as an INI file: %s", error->message);
      return;
    }

  groups = g_key_file_get_groups (loader->key_file, NULL);
  cnv_config_check_names (loader, groups);
  cnv_config_load_manager (loader);
  for (guint i = 0; groups[i] != NULL; i++)
    if (cnv_config_classify_group (groups[i]) == CNV_GROUP_IMAP)
      cnv_config_load_account (loader, groups[i]);
  if (g_key_file_has_group (loader->key_file, "smtp"))
    cnv_config_load_smtp (loader);
  cnv_config_load_gateway (loader);
  load_types (loader, groups);

  if (self->types == NULL)
    self->types = cnv_session_types_new ();
}

static void
loader_clear (CnvConfigLoader *loader)
{
  g_clear_pointer (&loader->key_file, g_key_file_unref);
  g_clear_pointer (&loader->base_dir, g_free);
  g_clear_pointer (&loader->problems, g_array_unref);
  g_clear_error (&loader->error);
}

/* Reads at most CNV_CONFIG_MAX_SIZE + 1 bytes: a configuration that points at a huge file or a
 * device must not fill the memory. FALSE with @error when the file cannot be read at all. */
static char *
read_file (const char  *path,
           gsize       *len,
           GError     **error)
{
  g_autoptr(GString) data = g_string_new (NULL);
  struct stat st;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a regular file", path);
      close (fd);
      return NULL;
    }

  while (data->len <= CNV_CONFIG_MAX_SIZE)
    {
      char buffer[16384];
      gssize n = read (fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", path,
                       g_strerror (saved));
          close (fd);
          return NULL;
        }
      if (n == 0)
        break;
      g_string_append_len (data, buffer, n);
    }
  close (fd);
  *len = data->len;
  return g_string_free (g_steal_pointer (&data), FALSE);
}

static CnvManagerConfig *
config_load (const char  *path,
             const char  *data,
             gsize        len,
             GPtrArray   *problems,
             GError     **error)
{
  g_autoptr(CnvManagerConfig) self = g_object_new (CNV_TYPE_MANAGER_CONFIG, NULL);
  CnvConfigLoader loader = { 0, };

  loader.config = self;
  loader.path = path;
  loader.collect = problems != NULL;
  loader.problems = g_array_new (FALSE, FALSE, sizeof (CnvConfigProblem));
  g_array_set_clear_func (loader.problems, (GDestroyNotify) cnv_config_problem_clear);
  if (path != NULL)
    {
      g_autofree char *current = g_get_current_dir ();
      g_autofree char *absolute = g_canonicalize_filename (path, current);

      loader.base_dir = g_path_get_dirname (absolute);
      self->path = g_strdup (path);
    }
  else
    loader.base_dir = g_get_current_dir ();

  load (&loader, data, len);

  if (problems != NULL)
    cnv_config_take_problems (&loader, problems);
  else if (loader.failed)
    {
      g_propagate_error (error, g_steal_pointer (&loader.error));
      loader_clear (&loader);
      return NULL;
    }

  if (loader.failed)
    {
      loader_clear (&loader);
      return NULL;
    }
  loader_clear (&loader);
  return g_steal_pointer (&self);
}

/**
 * cnv_manager_config_new_from_data:
 * @data: INI text
 * @len: its length in bytes
 * @error: return location for a #CNV_CONFIG_ERROR naming the line, group and key
 *
 * Relative paths in @data are taken relative to the current directory. Unknown keys and groups
 * are ignored here (cnv_manager_config_check_file() reports them).
 *
 * Returns: (transfer full) (nullable): the configuration, or %NULL at the first error
 */
CnvManagerConfig *
cnv_manager_config_new_from_data (const char  *data,
                                  gsize        len,
                                  GError     **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  return config_load (NULL, data ? data : "", len, NULL, error);
}

/**
 * cnv_manager_config_new_from_file:
 * @path: an INI file
 * @error: return location for an error that names the file (and the line, group and key)
 *
 * Returns: (transfer full) (nullable): the configuration, or %NULL at the first error
 */
CnvManagerConfig *
cnv_manager_config_new_from_file (const char  *path,
                                  GError     **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);

  data = read_file (path, &len, error);
  if (data == NULL)
    return NULL;
  return config_load (path, data, len, NULL, error);
}

/**
 * cnv_manager_config_check_file:
 * @path: an INI file
 * @problems: (element-type utf8): where every mistake is appended, one sentence each
 *   ("FILE:LINE: [group] key: what is wrong and what is expected"), in the order of the lines
 * @error: set only when the file cannot be read at all (a #GFileError)
 *
 * Unlike cnv_manager_config_new_from_file() this goes on after a mistake, and also reports
 * what is only suspicious: unknown groups and keys (with the known name they are closest to) and
 * keys given twice. It does not check what only `run` needs
 * (cnv_manager_config_check_daemon()).
 *
 * Returns: (transfer full) (nullable): the configuration when it can be used (it may still have
 *   had warnings in @problems), %NULL when a problem is an error or the file cannot be read
 */
CnvManagerConfig *
cnv_manager_config_check_file (const char  *path,
                               GPtrArray   *problems,
                               GError     **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (problems != NULL, NULL);

  data = read_file (path, &len, error);
  if (data == NULL)
    return NULL;
  return config_load (path, data, len, problems, NULL);
}

/* ---- Getters ----------------------------------------------------------------------------- */

CnvSessionTypes *
cnv_manager_config_get_types (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->types;
}

GTimeZone *
cnv_manager_config_get_time_zone (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->zone;
}

const char *
cnv_manager_config_get_time_zone_name (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->zone_name;
}

GTimeSpan
cnv_manager_config_get_default_duration (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), 0);
  return self->default_duration;
}

/**
 * cnv_manager_config_get_database:
 *
 * Returns: (nullable): the absolute path of the SQLite database: `[manager] database`, else
 *   `$STATE_DIRECTORY/convene-manager.db` under systemd, else %NULL
 */
const char *
cnv_manager_config_get_database (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->database;
}

CnvInviteAt
cnv_manager_config_get_invite_at (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), CNV_INVITE_AT_REQUEST);
  return self->invite_at;
}

/**
 * cnv_manager_config_get_trusted_authserv_id:
 *
 * Returns: (nullable): the authserv-id (RFC 8601 §2.5) whose Authentication-Results are believed
 */
const char *
cnv_manager_config_get_trusted_authserv_id (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->trusted_authserv_id;
}

/**
 * cnv_manager_config_get_accredited_domains:
 *
 * Returns: (array zero-terminated=1): the domains whose addresses are all accredited, in ASCII
 *   (IDNA) and lower case; empty, never %NULL
 */
const char * const *
cnv_manager_config_get_accredited_domains (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return (const char * const *) self->accredited_domains;
}

guint
cnv_manager_config_get_max_participants (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), DEFAULT_MAX_PARTICIPANTS);
  return self->max_participants;
}

guint
cnv_manager_config_get_max_requests_per_hour (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), DEFAULT_MAX_REQUESTS_PER_HOUR);
  return self->max_requests_per_hour;
}

gsize
cnv_manager_config_get_max_message_size (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), DEFAULT_MAX_MESSAGE_SIZE);
  return self->max_message_size;
}

/**
 * cnv_manager_config_get_join_early:
 *
 * Returns: how long before a session's start its join links already work
 */
GTimeSpan
cnv_manager_config_get_join_early (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), DEFAULT_JOIN_EARLY);
  return self->join_early;
}

/**
 * cnv_manager_config_get_accounts:
 *
 * Returns: (transfer none) (element-type CnvManagerAccount): the IMAP accounts, `[imap]` and
 *   `[imap NAME]` in file order; possibly empty
 */
GPtrArray *
cnv_manager_config_get_accounts (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->accounts;
}

/**
 * cnv_manager_config_get_smtp:
 *
 * Returns: (transfer none) (nullable): the submission server, %NULL without `[smtp]`
 */
CnvMailServer *
cnv_manager_config_get_smtp (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->smtp;
}

/**
 * cnv_manager_config_get_smtp_password_file:
 *
 * Returns: (nullable): the absolute path of the SMTP password file; %NULL: then
 *   `$CREDENTIALS_DIRECTORY/smtp` or none
 */
const char *
cnv_manager_config_get_smtp_password_file (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->smtp_password_file;
}

/**
 * cnv_manager_config_get_gateway_listen:
 *
 * Returns: where the join gateway listens, as written and checked: `PORT` (every address),
 *   `HOST:PORT` (HOST an IPv4 address or localhost) or `[IPv6]:PORT`; default `127.0.0.1:8080`
 */
const char *
cnv_manager_config_get_gateway_listen (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->gateway_listen;
}

/**
 * cnv_manager_config_get_public_url:
 *
 * Returns: (nullable): the base of the personal links, https (or http on loopback), host in
 *   ASCII, without a trailing slash: `https://convene.example.org`
 */
const char *
cnv_manager_config_get_public_url (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->public_url;
}

/**
 * cnv_manager_config_get_trusted_proxies:
 *
 * Returns: (array zero-terminated=1): the addresses of the reverse proxies whose
 *   X-Forwarded-For the join gateway believes, as g_inet_address_to_string() writes them; empty,
 *   never %NULL
 */
const char * const *
cnv_manager_config_get_trusted_proxies (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return (const char * const *) self->trusted_proxies;
}

/**
 * cnv_manager_config_get_backend:
 * @type: a session type's name
 *
 * Returns: (transfer none) (nullable): the backend of @type, %NULL when its group has no
 *   `backend` key (allowed for `inspect`; cnv_manager_config_check_daemon() reports it)
 */
CnvManagerBackend *
cnv_manager_config_get_backend (CnvManagerConfig *self,
                                const char       *type)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  g_return_val_if_fail (type != NULL, NULL);

  return g_hash_table_lookup (self->backends, type);
}
