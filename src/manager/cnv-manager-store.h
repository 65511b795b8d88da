/* cnv-manager-store.h — the manager's durable state (SQLite), behind one module
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CNV_STORE_ERROR (cnv_store_error_quark ())

/**
 * CnvStoreError:
 * @CNV_STORE_ERROR_OPEN: the database cannot be opened or is not a database
 * @CNV_STORE_ERROR_VERSION: the database was written by a newer manager (its schema version is
 *   higher than this one knows); nothing is changed
 * @CNV_STORE_ERROR_FAILED: a statement failed (disk full, I/O, a constraint)
 * @CNV_STORE_ERROR_INVALID: an argument is not valid (an address that does not normalise)
 */
typedef enum
{
  CNV_STORE_ERROR_OPEN,
  CNV_STORE_ERROR_VERSION,
  CNV_STORE_ERROR_FAILED,
  CNV_STORE_ERROR_INVALID,
} CnvStoreError;

/* The schema version this manager writes (PRAGMA user_version). */
#define CNV_STORE_SCHEMA_VERSION 1

#define CNV_TYPE_MANAGER_STORE (cnv_manager_store_get_type ())
G_DECLARE_FINAL_TYPE (CnvManagerStore, cnv_manager_store, CNV, MANAGER_STORE, GObject)

GQuark            cnv_store_error_quark            (void);

CnvManagerStore  *cnv_manager_store_open           (const char       *path,
                                                    GError          **error);
int               cnv_manager_store_get_version    (CnvManagerStore  *self);

gboolean          cnv_manager_store_begin          (CnvManagerStore  *self,
                                                    GError          **error);
gboolean          cnv_manager_store_commit         (CnvManagerStore  *self,
                                                    GError          **error);
void              cnv_manager_store_rollback       (CnvManagerStore  *self);

gboolean          cnv_manager_store_add_user       (CnvManagerStore  *self,
                                                    const char       *address,
                                                    const char       *name,
                                                    GError          **error);
gboolean          cnv_manager_store_remove_user    (CnvManagerStore  *self,
                                                    const char       *address,
                                                    gboolean         *removed,
                                                    GError          **error);
GPtrArray        *cnv_manager_store_list_users     (CnvManagerStore  *self,
                                                    GError          **error);
gboolean          cnv_manager_store_is_accredited  (CnvManagerStore  *self,
                                                    const char       *address,
                                                    const char * const *accredited_domains,
                                                    gboolean         *accredited,
                                                    GError          **error);

gboolean          cnv_manager_store_get_position   (CnvManagerStore  *self,
                                                    const char       *mailbox,
                                                    guint32          *uidvalidity,
                                                    guint32          *last_uid,
                                                    GError          **error);
gboolean          cnv_manager_store_set_position   (CnvManagerStore  *self,
                                                    const char       *mailbox,
                                                    guint32           uidvalidity,
                                                    guint32           last_uid,
                                                    GError          **error);

gboolean          cnv_manager_store_was_processed  (CnvManagerStore  *self,
                                                    const char       *message_id,
                                                    gboolean         *processed,
                                                    GError          **error);
gboolean          cnv_manager_store_add_processed  (CnvManagerStore  *self,
                                                    const char       *message_id,
                                                    const char       *mailbox,
                                                    guint32           uidvalidity,
                                                    guint32           uid,
                                                    const char       *outcome,
                                                    const char       *reason,
                                                    GError          **error);

G_END_DECLS
