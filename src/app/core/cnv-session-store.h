/* cnv-session-store.h — the app's persisted sessions (SQLite), shared by the background service
 * and the UI (issue 6 item 2)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "cnv-session-record.h"

G_BEGIN_DECLS

#define CNV_SESSION_STORE_ERROR (cnv_session_store_error_quark ())

/**
 * CnvSessionStoreError:
 * @CNV_SESSION_STORE_ERROR_OPEN: the file or its directory cannot be created or opened
 * @CNV_SESSION_STORE_ERROR_CORRUPT: the file is not a database or is damaged (garbage, truncated);
 *   it is left as it is: cnv_session_store_set_aside() moves it out of the way
 * @CNV_SESSION_STORE_ERROR_VERSION: the database was written by a newer Convene (its schema version
 *   is higher than this one knows); nothing is changed
 * @CNV_SESSION_STORE_ERROR_FAILED: a statement failed (disk full, I/O, a row this version cannot
 *   read)
 * @CNV_SESSION_STORE_ERROR_INVALID: an argument is not valid (text that is not UTF-8, an unknown
 *   status, a status only cnv_session_store_record_launch() may set)
 * @CNV_SESSION_STORE_ERROR_NOT_FOUND: there is no session with that id
 * @CNV_SESSION_STORE_ERROR_ALREADY_RUNNING: the session is running already (launched by this or
 *   another process): it must not be launched again
 * @CNV_SESSION_STORE_ERROR_CANCELLED: the session was cancelled: it must not be launched
 * @CNV_SESSION_STORE_ERROR_NOT_RUNNING: cnv_session_store_set_launch_process() for a launch
 *   whose claim no longer holds (the session is not running, or was launched again since)
 */
typedef enum
{
  CNV_SESSION_STORE_ERROR_OPEN,
  CNV_SESSION_STORE_ERROR_CORRUPT,
  CNV_SESSION_STORE_ERROR_VERSION,
  CNV_SESSION_STORE_ERROR_FAILED,
  CNV_SESSION_STORE_ERROR_INVALID,
  CNV_SESSION_STORE_ERROR_NOT_FOUND,
  CNV_SESSION_STORE_ERROR_ALREADY_RUNNING,
  CNV_SESSION_STORE_ERROR_CANCELLED,
  CNV_SESSION_STORE_ERROR_NOT_RUNNING,
} CnvSessionStoreError;

/* The schema version this app writes (PRAGMA user_version). */
#define CNV_SESSION_STORE_SCHEMA_VERSION 2

/**
 * CnvSessionStoreFilter:
 * @CNV_SESSION_STORE_LIST_ALL: every session
 * @CNV_SESSION_STORE_LIST_CURRENT: upcoming and active: new, accepted, running
 * @CNV_SESSION_STORE_LIST_PAST: ended, missed, cancelled
 *
 * By status, not by the clock: moving a session to the past is the schedule's decision
 * (cnv-session-schedule), written with cnv_session_store_update_status().
 */
typedef enum
{
  CNV_SESSION_STORE_LIST_ALL,
  CNV_SESSION_STORE_LIST_CURRENT,
  CNV_SESSION_STORE_LIST_PAST,
} CnvSessionStoreFilter;

/**
 * CnvSessionStoreFlags:
 * @CNV_SESSION_STORE_FLAG_DISMISSED: #CnvSessionRecord.dismissed
 * @CNV_SESSION_STORE_FLAG_WARNED_START: #CnvSessionRecord.warned_start
 * @CNV_SESSION_STORE_FLAG_WARNED_END: #CnvSessionRecord.warned_end
 */
typedef enum
{
  CNV_SESSION_STORE_FLAG_DISMISSED    = 1 << 0,
  CNV_SESSION_STORE_FLAG_WARNED_START = 1 << 1,
  CNV_SESSION_STORE_FLAG_WARNED_END   = 1 << 2,
} CnvSessionStoreFlags;

#define CNV_TYPE_SESSION_STORE (cnv_session_store_get_type ())
G_DECLARE_FINAL_TYPE (CnvSessionStore, cnv_session_store, CNV, SESSION_STORE, GObject)

GQuark            cnv_session_store_error_quark     (void);

char             *cnv_session_store_default_path    (void);
CnvSessionStore  *cnv_session_store_open            (const char             *path,
                                                     GError                **error);
char             *cnv_session_store_set_aside       (const char             *path,
                                                     GError                **error);
const char       *cnv_session_store_get_path        (CnvSessionStore        *self);
int               cnv_session_store_get_version     (CnvSessionStore        *self);

gboolean          cnv_session_store_put             (CnvSessionStore        *self,
                                                     const CnvSessionRecord *record,
                                                     GError                **error);
CnvSessionRecord *cnv_session_store_get             (CnvSessionStore        *self,
                                                     const char             *session_id,
                                                     GError                **error);
GPtrArray        *cnv_session_store_list            (CnvSessionStore        *self,
                                                     CnvSessionStoreFilter   filter,
                                                     GError                **error);
gboolean          cnv_session_store_update_status   (CnvSessionStore        *self,
                                                     const char             *session_id,
                                                     CnvSessionStatus        status,
                                                     GError                **error);
gboolean          cnv_session_store_record_launch   (CnvSessionStore        *self,
                                                     const char             *session_id,
                                                     gint64                  at,
                                                     GError                **error);
gboolean          cnv_session_store_set_launch_process (CnvSessionStore   *self,
                                                        const char        *session_id,
                                                        gint64             launched_at,
                                                        gint32             pgid,
                                                        const char        *boot_id,
                                                        guint64            start_ticks,
                                                        GError           **error);
gboolean          cnv_session_store_set_flags       (CnvSessionStore        *self,
                                                     const char             *session_id,
                                                     CnvSessionStoreFlags    mask,
                                                     CnvSessionStoreFlags    values,
                                                     GError                **error);
gboolean          cnv_session_store_delete_older_than (CnvSessionStore      *self,
                                                     gint64                  before,
                                                     guint                  *deleted,
                                                     GError                **error);

gboolean          cnv_session_store_get_position    (CnvSessionStore        *self,
                                                     const char             *mailbox,
                                                     guint32                *uidvalidity,
                                                     guint32                *last_uid,
                                                     GError                **error);
gboolean          cnv_session_store_set_position    (CnvSessionStore        *self,
                                                     const char             *mailbox,
                                                     guint32                 uidvalidity,
                                                     guint32                 last_uid,
                                                     GError                **error);

gboolean          cnv_session_store_begin           (CnvSessionStore        *self,
                                                     GError                **error);
gboolean          cnv_session_store_commit          (CnvSessionStore        *self,
                                                     GError                **error);
void              cnv_session_store_rollback        (CnvSessionStore        *self);

gint64            cnv_session_store_data_version    (CnvSessionStore        *self);

G_END_DECLS
