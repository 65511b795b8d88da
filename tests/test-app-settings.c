/* test-app-settings.c — the account and the session types in GSettings (memory backend)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-app-settings.h"
#include "cnv-engine.h"

/* The memory backend is one per process: every test starts from the schema's defaults. */
static GSettings *
fresh_settings (void)
{
  GSettings *settings = cnv_app_settings_new ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
  return settings;
}

static CnvAccount *
make_account (void)
{
  CnvAccount *account = g_new0 (CnvAccount, 1);

  account->address = g_strdup ("alice@example.org");
  account->name = g_strdup ("Alice Liddell");
  account->imap = cnv_mail_server_new ("imap.example.org", 143, CNV_MAIL_SECURITY_STARTTLS);
  account->imap->user = g_strdup ("alice");
  account->imap->ca_file = g_strdup ("/etc/convene/ca.pem");
  account->smtp = cnv_mail_server_new ("smtp.example.org", 465, CNV_MAIL_SECURITY_TLS);
  account->smtp->user = g_strdup ("alice-smtp");
  account->smtp->ca_file = g_strdup ("/etc/convene/ca.pem");
  account->sent_folder = g_strdup ("Sent Items");
  return account;
}

static void
assert_servers_equal (const CnvMailServer *a,
                      const CnvMailServer *b)
{
  g_assert_cmpstr (a->host, ==, b->host);
  g_assert_cmpuint (cnv_mail_server_get_imap_port (a), ==, cnv_mail_server_get_imap_port (b));
  g_assert_cmpint (a->security, ==, b->security);
  g_assert_cmpstr (a->user, ==, b->user);
  g_assert_cmpstr (a->ca_file, ==, b->ca_file);
}

static void
test_account_empty (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(CnvAccount) account = cnv_account_load (settings);

  /* First run: nothing stored. */
  g_assert_null (account);
  g_assert_false (cnv_account_is_configured (settings));

  /* An address alone is not an account: the servers are missing. */
  g_settings_set_string (settings, "account-address", "alice@example.org");
  g_assert_false (cnv_account_is_configured (settings));
  g_settings_set_string (settings, "imap-host", "imap.example.org");
  g_assert_false (cnv_account_is_configured (settings));
  g_settings_set_string (settings, "smtp-host", "smtp.example.org");
  g_assert_true (cnv_account_is_configured (settings));
}

static void
test_account_round_trip (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(CnvAccount) account = make_account ();
  g_autoptr(CnvAccount) loaded = NULL;
  g_autoptr(CnvAccount) copy = NULL;

  cnv_account_save (account, settings);
  g_assert_true (cnv_account_is_configured (settings));
  loaded = cnv_account_load (settings);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (loaded->address, ==, "alice@example.org");
  g_assert_cmpstr (loaded->name, ==, "Alice Liddell");
  assert_servers_equal (loaded->imap, account->imap);
  g_assert_cmpuint (cnv_mail_server_get_smtp_port (loaded->smtp), ==, 465);
  assert_servers_equal (loaded->smtp, account->smtp);
  g_assert_cmpstr (loaded->sent_folder, ==, "Sent Items");

  /* The keys as the schema has them. */
  g_assert_cmpint (g_settings_get_enum (settings, "imap-security"), ==, 1);
  g_assert_cmpint (g_settings_get_enum (settings, "smtp-security"), ==, 0);
  {
    g_autofree char *ca_file = g_settings_get_string (settings, "ca-file");

    g_assert_cmpstr (ca_file, ==, "/etc/convene/ca.pem");
  }

  copy = cnv_account_copy (loaded);
  g_assert_true (copy->imap != loaded->imap);
  assert_servers_equal (copy->imap, loaded->imap);
  g_assert_cmpstr (copy->sent_folder, ==, loaded->sent_folder);
}

static void
test_account_defaults (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(CnvAccount) account = make_account ();
  g_autoptr(CnvAccount) loaded = NULL;

  /* Empty users and folder, no CA file, a port of 0 (the protocol's default). */
  g_clear_pointer (&account->imap->user, g_free);
  g_clear_pointer (&account->smtp->user, g_free);
  g_clear_pointer (&account->imap->ca_file, g_free);
  g_clear_pointer (&account->smtp->ca_file, g_free);
  g_clear_pointer (&account->sent_folder, g_free);
  g_clear_pointer (&account->name, g_free);
  account->imap->port = 0;
  cnv_account_save (account, settings);

  loaded = cnv_account_load (settings);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (loaded->name, ==, "");
  g_assert_cmpstr (loaded->imap->user, ==, "alice@example.org");
  g_assert_cmpstr (loaded->smtp->user, ==, "alice@example.org");
  g_assert_null (loaded->imap->ca_file);
  g_assert_null (loaded->smtp->ca_file);
  g_assert_null (loaded->sent_folder);
  g_assert_cmpuint (loaded->imap->port, ==, 143);

  /* The schema: an empty SMTP user name is the IMAP user name. */
  g_settings_set_string (settings, "imap-user", "alice.l");
  g_clear_pointer (&loaded, cnv_account_free);
  loaded = cnv_account_load (settings);
  g_assert_cmpstr (loaded->imap->user, ==, "alice.l");
  g_assert_cmpstr (loaded->smtp->user, ==, "alice.l");

  /* The stored address is normalised when read. */
  g_settings_set_string (settings, "account-address", "  Alice@EXAMPLE.org ");
  g_clear_pointer (&loaded, cnv_account_free);
  loaded = cnv_account_load (settings);
  g_assert_cmpstr (loaded->address, ==, "alice@example.org");
}

static void
test_account_invalid_address (void)
{
  static const char * const bad[] = { "alice", "alice@", "@example.org", "a b@c d" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GSettings) settings = fresh_settings ();
      g_autoptr(CnvAccount) account = make_account ();
      g_autoptr(CnvAccount) loaded = NULL;

      cnv_account_save (account, settings);
      /* Edited by hand (dconf-editor): treated as no account, with a warning. */
      g_settings_set_string (settings, "account-address", bad[i]);
      g_test_expect_message ("cnv-app-settings", G_LOG_LEVEL_WARNING, "*account address*");
      loaded = cnv_account_load (settings);
      g_test_assert_expected_messages ();
      g_assert_null (loaded);
    }
}

typedef struct
{
  guint      changes;
  gboolean   complete_at_first;
} Watcher;

static void
settings_changed_cb (GSettings  *settings,
                     const char *key,
                     gpointer    user_data)
{
  Watcher *watcher = user_data;
  g_autoptr(CnvAccount) account = NULL;

  if (watcher->changes++ > 0)
    return;
  account = cnv_account_load (settings);
  watcher->complete_at_first = account != NULL
                               && g_strcmp0 (account->smtp->host, "smtp.example.org") == 0
                               && g_strcmp0 (account->sent_folder, "Sent Items") == 0;
}

static void
test_account_save_at_once (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(CnvAccount) account = make_account ();
  Watcher watcher = { 0, FALSE };

  /* Whoever watches the keys sees the whole account at the first change, never half of it; the
   * caller's settings object stays immediate (not delayed). */
  g_signal_connect (settings, "changed", G_CALLBACK (settings_changed_cb), &watcher);
  cnv_account_save (account, settings);
  g_assert_cmpuint (watcher.changes, >, 0);
  g_assert_true (watcher.complete_at_first);
  g_assert_false (g_settings_get_has_unapplied (settings));
  g_settings_set_string (settings, "account-name", "Alice");
  g_assert_false (g_settings_get_has_unapplied (settings));
  {
    g_autoptr(GSettings) other = cnv_app_settings_new ();
    g_autofree char *name = g_settings_get_string (other, "account-name");

    g_assert_cmpstr (name, ==, "Alice");
  }
}

static void
test_session_types_empty (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(GPtrArray) entries = cnv_session_type_entries_load (settings);

  g_assert_nonnull (entries);
  g_assert_cmpuint (entries->len, ==, 0);
}

static void
test_session_types_defaults (void)
{
  g_autoptr(GPtrArray) entries = cnv_session_type_entries_defaults ("Alice@Example.ORG");
  g_autoptr(GPtrArray) none = cnv_session_type_entries_defaults ("not an address");
  const CnvSessionTypeEntry *entry;

  g_assert_cmpuint (entries->len, ==, 2);
  entry = g_ptr_array_index (entries, 0);
  g_assert_cmpstr (entry->name, ==, "Videoconference");
  g_assert_cmpstr (entry->address, ==, "videoconference@example.org");
  g_assert_cmpstr (entry->icon_name, ==, "camera-web-symbolic");
  g_assert_cmpstr (entry->app_id, ==, "");
  g_assert_cmpstr (entry->command, ==, "");
  entry = g_ptr_array_index (entries, 1);
  g_assert_cmpstr (entry->name, ==, "Whiteboard");
  g_assert_cmpstr (entry->address, ==, "whiteboard@example.org");
  g_assert_cmpstr (entry->icon_name, ==, "document-edit-symbolic");
  g_assert_cmpstr (entry->app_id, ==, "");
  g_assert_cmpstr (entry->command, ==, "");

  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_session_types_round_trip (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(GPtrArray) entries = cnv_session_type_entries_defaults ("alice@example.org");
  g_autoptr(GPtrArray) loaded = NULL;
  const CnvSessionTypeEntry *found;
  g_autoptr(CnvSessionTypeEntry) copy = NULL;

  g_ptr_array_add (entries,
                   cnv_session_type_entry_new ("Pair programming", "pair@example.org",
                                               "utilities-terminal-symbolic", "",
                                               "tmate -S %u --password %p"));
  g_ptr_array_add (entries,
                   cnv_session_type_entry_new ("Jitsi", "jitsi@example.org", NULL,
                                               "org.jitsi.jitsi-meet", NULL));
  cnv_session_type_entries_save (entries, settings);
  loaded = cnv_session_type_entries_load (settings);
  g_assert_cmpuint (loaded->len, ==, 4);
  for (guint i = 0; i < entries->len; i++)
    {
      const CnvSessionTypeEntry *a = g_ptr_array_index (entries, i);
      const CnvSessionTypeEntry *b = g_ptr_array_index (loaded, i);

      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpstr (a->address, ==, b->address);
      g_assert_cmpstr (a->icon_name, ==, b->icon_name);
      g_assert_cmpstr (a->app_id, ==, b->app_id);
      g_assert_cmpstr (a->command, ==, b->command);
    }
  /* No icon given: a generic one, never NULL. */
  g_assert_cmpstr (((CnvSessionTypeEntry *) g_ptr_array_index (loaded, 3))->icon_name, !=, "");
  g_assert_cmpstr (((CnvSessionTypeEntry *) g_ptr_array_index (loaded, 3))->command, ==, "");

  found = cnv_session_type_entries_find (loaded, "pair@example.org");
  g_assert_nonnull (found);
  g_assert_cmpstr (found->command, ==, "tmate -S %u --password %p");
  g_assert_null (cnv_session_type_entries_find (loaded, "Pair@example.org"));
  g_assert_null (cnv_session_type_entries_find (loaded, "nobody@example.org"));

  copy = cnv_session_type_entry_copy (found);
  g_assert_true (copy != found);
  g_assert_cmpstr (copy->command, ==, found->command);
  g_assert_cmpstr (copy->icon_name, ==, found->icon_name);
}

static void
test_session_types_invalid (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(GPtrArray) loaded = NULL;
  GVariant *value;

  /* Edited by hand: the unusable entries are skipped, the others kept and normalised. */
  value = g_variant_new_parsed ("[('Video', ' VideoConference@Example.ORG ', 'camera-web-symbolic', '', ''),"
                                " ('Broken', 'not an address', '', '', ''),"
                                " ('Injected', 'a@b.org\r\nBcc: eve@evil.test', '', '', ''),"
                                " ('', 'noname@example.org', '', '', ''),"
                                " ('Again', 'videoconference@example.org', '', '', ''),"
                                " ('Board', 'whiteboard@example.org', 'document-edit-symbolic', '', '')]");
  g_settings_set_value (settings, "session-types", value);

  g_test_expect_message ("cnv-app-settings", G_LOG_LEVEL_WARNING, "*Broken*unusable address*");
  g_test_expect_message ("cnv-app-settings", G_LOG_LEVEL_WARNING, "*Injected*unusable address*");
  g_test_expect_message ("cnv-app-settings", G_LOG_LEVEL_WARNING, "*no name*");
  g_test_expect_message ("cnv-app-settings", G_LOG_LEVEL_WARNING, "*Again*address of another*");
  loaded = cnv_session_type_entries_load (settings);
  g_test_assert_expected_messages ();

  g_assert_cmpuint (loaded->len, ==, 2);
  g_assert_cmpstr (((CnvSessionTypeEntry *) g_ptr_array_index (loaded, 0))->name, ==, "Video");
  g_assert_cmpstr (((CnvSessionTypeEntry *) g_ptr_array_index (loaded, 0))->address, ==,
                   "videoconference@example.org");
  g_assert_cmpstr (((CnvSessionTypeEntry *) g_ptr_array_index (loaded, 1))->name, ==, "Board");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/app/settings/account/empty", test_account_empty);
  g_test_add_func ("/app/settings/account/round-trip", test_account_round_trip);
  g_test_add_func ("/app/settings/account/defaults", test_account_defaults);
  g_test_add_func ("/app/settings/account/invalid-address", test_account_invalid_address);
  g_test_add_func ("/app/settings/account/save-at-once", test_account_save_at_once);
  g_test_add_func ("/app/settings/session-types/empty", test_session_types_empty);
  g_test_add_func ("/app/settings/session-types/defaults", test_session_types_defaults);
  g_test_add_func ("/app/settings/session-types/round-trip", test_session_types_round_trip);
  g_test_add_func ("/app/settings/session-types/invalid", test_session_types_invalid);

  return g_test_run ();
}
