/* cnv-app-settings.h — the user's account and session types, kept in GSettings (GTK-free)
 *
 * Shared by the UI (`convene`) and the background service (issue 6). Secrets are never here:
 * passwords live in the keyring (CnvSecretCredentials).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-mail-server.h"

G_BEGIN_DECLS

/**
 * CnvAccount:
 * @address: the normalised e-mail address (the From of every request)
 * @name: the display name, may be empty
 * @imap: the IMAP server; its `user` is never NULL (the address when none was given)
 * @smtp: the submission server; its `user` is never NULL
 * @sent_folder: the folder for copies of sent requests; NULL = find the server's Sent folder
 *
 * Both servers carry the account's `ca_file` (NULL = the system's authorities).
 */
typedef struct
{
  char          *address;
  char          *name;
  CnvMailServer *imap;
  CnvMailServer *smtp;
  char          *sent_folder;
} CnvAccount;

#define CNV_TYPE_ACCOUNT (cnv_account_get_type ())

GType       cnv_account_get_type      (void) G_GNUC_CONST;
CnvAccount *cnv_account_copy          (const CnvAccount *self);
void        cnv_account_free          (CnvAccount       *self);

/* The settings of the app id (io.github.convene.Convene). */
GSettings  *cnv_app_settings_new      (void);

/* NULL when no account is set up yet (first run). */
CnvAccount *cnv_account_load          (GSettings        *settings);
/* Writes every account key at once (g_settings_delay/apply). */
void        cnv_account_save          (const CnvAccount *self,
                                       GSettings        *settings);
gboolean    cnv_account_is_configured (GSettings        *settings);

/**
 * CnvSessionTypeEntry:
 * @name: shown to the user ("Videoconference")
 * @address: the manager address that selects this type (normalised)
 * @icon_name: a themed icon name, never NULL
 * @app_id: the desktop application to launch for it (issue 6), "" = none
 * @command: a command template (%u link, %p credential) used when @app_id is "", may be ""
 */
typedef struct
{
  char *name;
  char *address;
  char *icon_name;
  char *app_id;
  char *command;
} CnvSessionTypeEntry;

CnvSessionTypeEntry *cnv_session_type_entry_new  (const char *name,
                                                  const char *address,
                                                  const char *icon_name,
                                                  const char *app_id,
                                                  const char *command);
CnvSessionTypeEntry *cnv_session_type_entry_copy (const CnvSessionTypeEntry *self);
void                 cnv_session_type_entry_free (CnvSessionTypeEntry       *self);

/* GPtrArray of CnvSessionTypeEntry (owns them). An entry with an invalid address is skipped
 * with a warning in the log. */
GPtrArray  *cnv_session_type_entries_load     (GSettings  *settings);
void        cnv_session_type_entries_save     (GPtrArray  *entries,
                                               GSettings  *settings);
/* Videoconference (camera-web-symbolic) and Whiteboard (document-edit-symbolic) on the domain of
 * @account_address: videoconference@DOMAIN, whiteboard@DOMAIN. */
GPtrArray  *cnv_session_type_entries_defaults (const char *account_address);
/* The entry whose address is @normalized, or NULL. */
const CnvSessionTypeEntry *cnv_session_type_entries_find (GPtrArray  *entries,
                                                          const char *normalized);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvAccount, cnv_account_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvSessionTypeEntry, cnv_session_type_entry_free)

G_END_DECLS
