/* cnv-manager-backend.h — how a session type's collaboration service is activated (E512) and closed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CNV_BACKEND_ERROR (cnv_backend_error_quark ())

/**
 * CnvBackendError:
 * @CNV_BACKEND_ERROR_CONFIG: the `[type NAME]` options of the backend are wrong (the message names
 *   the key and says what is expected)
 * @CNV_BACKEND_ERROR_FAILED: the backend could not open or close the room (the command failed,
 *   printed no URL, timed out)
 */
typedef enum
{
  CNV_BACKEND_ERROR_CONFIG,
  CNV_BACKEND_ERROR_FAILED,
} CnvBackendError;

/* What a backend knows of a session. Times are Unix seconds (UTC). */
typedef struct
{
  const char         *id;          /* session id */
  const char         *type;        /* session type name */
  const char         *title;
  const char         *initiator;   /* address */
  const char         *room;        /* the room name the manager chose (random, URL-safe) */
  gint64              start;
  gint64              end;
  gint64              not_before;  /* start − [manager] join-early: when joining is allowed */
  const char * const *participants; /* addresses, NULL-terminated */
} CnvBackendSession;

#define CNV_TYPE_MANAGER_BACKEND (cnv_manager_backend_get_type ())
G_DECLARE_FINAL_TYPE (CnvManagerBackend, cnv_manager_backend, CNV, MANAGER_BACKEND, GObject)

GQuark             cnv_backend_error_quark              (void);

CnvManagerBackend *cnv_manager_backend_new_from_key_file (GKeyFile              *key_file,
                                                          const char            *group,
                                                          GError               **error);
const char        *cnv_manager_backend_get_kind          (CnvManagerBackend     *self);

void               cnv_manager_backend_open_async        (CnvManagerBackend     *self,
                                                          const CnvBackendSession *session,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
char              *cnv_manager_backend_open_finish       (CnvManagerBackend     *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
void               cnv_manager_backend_close_async       (CnvManagerBackend     *self,
                                                          const CnvBackendSession *session,
                                                          const char            *room_url,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean           cnv_manager_backend_close_finish      (CnvManagerBackend     *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
char              *cnv_manager_backend_join_url          (CnvManagerBackend     *self,
                                                          const CnvBackendSession *session,
                                                          const char            *room_url,
                                                          const char            *address,
                                                          const char            *name,
                                                          GError               **error);

G_END_DECLS
