/* cnv-app-settings.c — the user's account and session types, kept in GSettings (GTK-free)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The keys are those of data/io.github.convene.Convene.gschema.xml. What is read back is
 * checked again: the settings are the user's to edit (dconf-editor, gsettings), so an address that
 * does not parse is treated as missing, never passed on to the engine.
 */
#define G_LOG_DOMAIN "cnv-app-settings"

#include "config.h"

#include <glib/gi18n.h>

#include "cnv-address.h"
#include "cnv-app-settings.h"

/* Shown for a session type stored without an icon. */
#define FALLBACK_ICON "system-users-symbolic"

G_DEFINE_BOXED_TYPE (CnvAccount, cnv_account, cnv_account_copy, cnv_account_free)

/**
 * cnv_account_copy:
 * @self: an account
 *
 * Returns: (transfer full): a deep copy
 */
CnvAccount *
cnv_account_copy (const CnvAccount *self)
{
  CnvAccount *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (CnvAccount, 1);
  copy->address = g_strdup (self->address);
  copy->name = g_strdup (self->name);
  copy->imap = self->imap != NULL ? cnv_mail_server_copy (self->imap) : NULL;
  copy->smtp = self->smtp != NULL ? cnv_mail_server_copy (self->smtp) : NULL;
  copy->sent_folder = g_strdup (self->sent_folder);
  return copy;
}

void
cnv_account_free (CnvAccount *self)
{
  if (self == NULL)
    return;
  g_free (self->address);
  g_free (self->name);
  g_clear_pointer (&self->imap, cnv_mail_server_free);
  g_clear_pointer (&self->smtp, cnv_mail_server_free);
  g_free (self->sent_folder);
  g_free (self);
}

/**
 * cnv_app_settings_new:
 *
 * Returns: (transfer full): the settings of the app id; the schema must be installed (tests
 *   point GSETTINGS_SCHEMA_DIR at the build tree)
 */
GSettings *
cnv_app_settings_new (void)
{
  return g_settings_new (APPLICATION_ID);
}

/* An empty string is "not set". */
static char *
get_string_or_null (GSettings  *settings,
                    const char *key)
{
  g_autofree char *value = g_settings_get_string (settings, key);

  if (value == NULL || *value == '\0')
    return NULL;
  return g_steal_pointer (&value);
}

/* The schema's enum nicks are "tls" (0) and "starttls" (1), the values of CnvMailSecurity. */
static CnvMailSecurity
get_security (GSettings  *settings,
              const char *key)
{
  return g_settings_get_enum (settings, key) == CNV_MAIL_SECURITY_STARTTLS
           ? CNV_MAIL_SECURITY_STARTTLS
           : CNV_MAIL_SECURITY_TLS;
}

static CnvMailServer *
load_server (GSettings  *settings,
             const char *prefix,
             const char *default_user,
             const char *ca_file)
{
  g_autofree char *host_key = g_strconcat (prefix, "-host", NULL);
  g_autofree char *port_key = g_strconcat (prefix, "-port", NULL);
  g_autofree char *security_key = g_strconcat (prefix, "-security", NULL);
  g_autofree char *user_key = g_strconcat (prefix, "-user", NULL);
  g_autofree char *host = get_string_or_null (settings, host_key);
  g_autofree char *user = NULL;
  guint16 port;
  CnvMailServer *server;

  if (host == NULL)
    return NULL;
  g_settings_get (settings, port_key, "q", &port);
  server = cnv_mail_server_new (host, port, get_security (settings, security_key));
  user = get_string_or_null (settings, user_key);
  server->user = user != NULL ? g_steal_pointer (&user) : g_strdup (default_user);
  server->ca_file = g_strdup (ca_file);
  return server;
}

/**
 * cnv_account_load:
 * @settings: the app's settings
 *
 * Reads the account. An empty IMAP user name is the address; an empty SMTP user name is the IMAP
 * user name (as the schema says).
 *
 * Returns: (transfer full) (nullable): the account, or %NULL when none is set up: no address (or
 *   one that does not parse), or a server without a host
 */
CnvAccount *
cnv_account_load (GSettings *settings)
{
  g_autoptr(CnvAccount) account = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *address = NULL;
  g_autofree char *ca_file = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  stored = get_string_or_null (settings, "account-address");
  if (stored == NULL)
    return NULL;
  address = cnv_address_normalize (stored, &error);
  if (address == NULL)
    {
      g_warning ("The stored account address is not usable: %s", error->message);
      return NULL;
    }

  ca_file = get_string_or_null (settings, "ca-file");
  account = g_new0 (CnvAccount, 1);
  account->address = g_steal_pointer (&address);
  account->name = g_settings_get_string (settings, "account-name");
  account->imap = load_server (settings, "imap", account->address, ca_file);
  if (account->imap == NULL)
    return NULL;
  account->smtp = load_server (settings, "smtp", account->imap->user, ca_file);
  if (account->smtp == NULL)
    return NULL;
  account->sent_folder = get_string_or_null (settings, "sent-folder");
  return g_steal_pointer (&account);
}

/* A GSettings of its own for a delayed write: g_settings_delay() cannot be undone, and the
 * caller's object (bound to widgets, watched for changes) must stay immediate. */
static GSettings *
settings_clone (GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;
  g_autofree char *path = NULL;

  g_object_get (settings, "settings-schema", &schema, "backend", &backend, "path", &path, NULL);
  return g_settings_new_full (schema, backend, path);
}

static void
save_server (GSettings           *settings,
             const char          *prefix,
             const CnvMailServer *server,
             guint16              port)
{
  g_autofree char *host_key = g_strconcat (prefix, "-host", NULL);
  g_autofree char *port_key = g_strconcat (prefix, "-port", NULL);
  g_autofree char *security_key = g_strconcat (prefix, "-security", NULL);
  g_autofree char *user_key = g_strconcat (prefix, "-user", NULL);

  g_settings_set_string (settings, host_key, server->host);
  g_settings_set (settings, port_key, "q", port);
  g_settings_set_enum (settings, security_key,
                       server->security == CNV_MAIL_SECURITY_STARTTLS ? CNV_MAIL_SECURITY_STARTTLS
                                                                      : CNV_MAIL_SECURITY_TLS);
  g_settings_set_string (settings, user_key, server->user != NULL ? server->user : "");
}

/**
 * cnv_account_save:
 * @self: the account
 * @settings: the app's settings
 *
 * Writes every account key in one change (g_settings_delay() on a settings object of its own,
 * then g_settings_apply()): who watches the keys never sees half an account. The CA file is the
 * IMAP server's. Security NONE is not in the schema and is saved as TLS.
 */
void
cnv_account_save (const CnvAccount *self,
                  GSettings        *settings)
{
  g_autoptr(GSettings) delayed = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (self->address != NULL && self->imap != NULL && self->smtp != NULL);
  g_return_if_fail (G_IS_SETTINGS (settings));

  delayed = settings_clone (settings);
  g_settings_delay (delayed);
  g_settings_set_string (delayed, "account-address", self->address);
  g_settings_set_string (delayed, "account-name", self->name != NULL ? self->name : "");
  save_server (delayed, "imap", self->imap, cnv_mail_server_get_imap_port (self->imap));
  save_server (delayed, "smtp", self->smtp, cnv_mail_server_get_smtp_port (self->smtp));
  g_settings_set_string (delayed, "ca-file",
                         self->imap->ca_file != NULL ? self->imap->ca_file : "");
  g_settings_set_string (delayed, "sent-folder",
                         self->sent_folder != NULL ? self->sent_folder : "");
  g_settings_apply (delayed);
}

/**
 * cnv_account_is_configured:
 * @settings: the app's settings
 *
 * Returns: whether cnv_account_load() finds an account (else the first-run window shows)
 */
gboolean
cnv_account_is_configured (GSettings *settings)
{
  g_autoptr(CnvAccount) account = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);

  account = cnv_account_load (settings);
  return account != NULL;
}

/* Session types */

/**
 * cnv_session_type_entry_new:
 * @name: the name shown
 * @address: the manager address, stored as given (cnv_session_type_entries_load() normalises)
 * @icon_name: (nullable): a themed icon name; %NULL or "" for a generic one
 * @app_id: (nullable): the desktop application to launch; %NULL is ""
 * @command: (nullable): the command template; %NULL is ""
 *
 * Returns: (transfer full): the entry
 */
CnvSessionTypeEntry *
cnv_session_type_entry_new (const char *name,
                            const char *address,
                            const char *icon_name,
                            const char *app_id,
                            const char *command)
{
  CnvSessionTypeEntry *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  self = g_new0 (CnvSessionTypeEntry, 1);
  self->name = g_strdup (name);
  self->address = g_strdup (address);
  self->icon_name = g_strdup (icon_name != NULL && *icon_name != '\0' ? icon_name : FALLBACK_ICON);
  self->app_id = g_strdup (app_id != NULL ? app_id : "");
  self->command = g_strdup (command != NULL ? command : "");
  return self;
}

CnvSessionTypeEntry *
cnv_session_type_entry_copy (const CnvSessionTypeEntry *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return cnv_session_type_entry_new (self->name, self->address, self->icon_name, self->app_id,
                                     self->command);
}

void
cnv_session_type_entry_free (CnvSessionTypeEntry *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->address);
  g_free (self->icon_name);
  g_free (self->app_id);
  g_free (self->command);
  g_free (self);
}

static GPtrArray *
entries_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_session_type_entry_free);
}

/**
 * cnv_session_type_entries_load:
 * @settings: the app's settings
 *
 * Reads `session-types`. An entry without a name, with an address that does not parse, or with
 * the address of an earlier entry (one address selects one type) is skipped with a warning.
 *
 * Returns: (transfer full) (element-type CnvSessionTypeEntry): the entries, in order; empty when
 *   none are stored
 */
GPtrArray *
cnv_session_type_entries_load (GSettings *settings)
{
  g_autoptr(GPtrArray) entries = entries_new ();
  g_autoptr(GVariant) value = NULL;
  GVariantIter iter;
  const char *name, *address, *icon_name, *app_id, *command;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  value = g_settings_get_value (settings, "session-types");
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "(&s&s&s&s&s)", &name, &address, &icon_name, &app_id,
                              &command))
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *normalized = NULL;

      if (*name == '\0')
        {
          g_warning ("A stored session type has no name; skipped");
          continue;
        }
      normalized = cnv_address_normalize (address, &error);
      if (normalized == NULL)
        {
          g_warning ("The stored session type “%s” has an unusable address: %s; skipped", name,
                     error->message);
          continue;
        }
      if (cnv_session_type_entries_find (entries, normalized) != NULL)
        {
          g_warning ("The stored session type “%s” has the address of another (%s); skipped",
                     name, normalized);
          continue;
        }
      g_ptr_array_add (entries,
                       cnv_session_type_entry_new (name, normalized, icon_name, app_id, command));
    }
  return g_steal_pointer (&entries);
}

/**
 * cnv_session_type_entries_save:
 * @entries: (element-type CnvSessionTypeEntry): the entries
 * @settings: the app's settings
 *
 * Replaces `session-types` with @entries, in order.
 */
void
cnv_session_type_entries_save (GPtrArray *entries,
                               GSettings *settings)
{
  GVariantBuilder builder;

  g_return_if_fail (entries != NULL);
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sssss)"));
  for (guint i = 0; i < entries->len; i++)
    {
      const CnvSessionTypeEntry *entry = g_ptr_array_index (entries, i);

      g_variant_builder_add (&builder, "(sssss)", entry->name, entry->address, entry->icon_name,
                             entry->app_id != NULL ? entry->app_id : "",
                             entry->command != NULL ? entry->command : "");
    }
  g_settings_set_value (settings, "session-types", g_variant_builder_end (&builder));
}

/**
 * cnv_session_type_entries_defaults:
 * @account_address: the user's address
 *
 * Returns: (transfer full) (element-type CnvSessionTypeEntry): Videoconference and Whiteboard
 *   on the domain of @account_address; empty when it is not an address
 */
GPtrArray *
cnv_session_type_entries_defaults (const char *account_address)
{
  g_autoptr(GPtrArray) entries = entries_new ();
  g_autofree char *normalized = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *videoconference = NULL;
  g_autofree char *whiteboard = NULL;

  g_return_val_if_fail (account_address != NULL, NULL);

  normalized = cnv_address_normalize (account_address, NULL);
  if (normalized == NULL)
    return g_steal_pointer (&entries);
  domain = cnv_address_get_domain (normalized);
  /* The manager's addresses are protocol, not prose: never translated. */
  videoconference = g_strconcat ("videoconference@", domain, NULL);
  whiteboard = g_strconcat ("whiteboard@", domain, NULL);
  g_ptr_array_add (entries, cnv_session_type_entry_new (_("Videoconference"), videoconference,
                                                        "camera-web-symbolic", "", ""));
  g_ptr_array_add (entries, cnv_session_type_entry_new (_("Whiteboard"), whiteboard,
                                                        "document-edit-symbolic", "", ""));
  return g_steal_pointer (&entries);
}

/**
 * cnv_session_type_entries_find:
 * @entries: (element-type CnvSessionTypeEntry): the entries
 * @normalized: a normalised address
 *
 * Returns: (transfer none) (nullable): the entry with that address
 */
const CnvSessionTypeEntry *
cnv_session_type_entries_find (GPtrArray  *entries,
                               const char *normalized)
{
  g_return_val_if_fail (entries != NULL, NULL);
  g_return_val_if_fail (normalized != NULL, NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      const CnvSessionTypeEntry *entry = g_ptr_array_index (entries, i);

      if (g_strcmp0 (entry->address, normalized) == 0)
        return entry;
    }
  return NULL;
}
