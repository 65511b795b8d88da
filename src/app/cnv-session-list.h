/* cnv-session-list.h — the user's sessions as the UI shows them, read from the session store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-session-record.h"

G_BEGIN_DECLS

/* One session as a row shows it. Its properties change in place when the record or the time
 * does (notify), so that bound rows follow. */
#define CNV_TYPE_SESSION_ITEM (cnv_session_item_get_type ())

G_DECLARE_FINAL_TYPE (CnvSessionItem, cnv_session_item, CNV, SESSION_ITEM, GObject)

const char             *cnv_session_item_get_session_id   (CnvSessionItem *self);
const char             *cnv_session_item_get_title        (CnvSessionItem *self);
const char             *cnv_session_item_get_subtitle     (CnvSessionItem *self);
/* "active", "upcoming" or "past": the main window's section */
const char             *cnv_session_item_get_status       (CnvSessionItem *self);
/* The session type's icon and name (from the settings; the record's type name when unknown) */
const char             *cnv_session_item_get_icon_name    (CnvSessionItem *self);
const char             *cnv_session_item_get_type_name    (CnvSessionItem *self);
/* Its type launches the default browser (no application, no command): a tab cannot be closed */
gboolean                cnv_session_item_get_opens_browser (CnvSessionItem *self);
gint64                  cnv_session_item_get_start        (CnvSessionItem *self);
gint64                  cnv_session_item_get_end          (CnvSessionItem *self);
gboolean                cnv_session_item_get_can_join     (CnvSessionItem *self);
gboolean                cnv_session_item_get_can_relaunch (CnvSessionItem *self);
gboolean                cnv_session_item_get_can_leave    (CnvSessionItem *self);
/* The record as last read from the store (never NULL). */
const CnvSessionRecord *cnv_session_item_get_record       (CnvSessionItem *self);

/**
 * CnvSessionList:
 *
 * A #GListModel of #CnvSessionItem: the sessions of the store at
 * cnv_session_store_default_path(), current ones first (by start), then the past (latest first).
 * The UI only reads the store: the background service writes it.
 *
 * While watching, it looks once a second whether the store changed (PRAGMA data_version: a
 * cheap read) and reads it again when it did; and it ticks once a second while some session
 * starts within the hour (the countdowns), else wakes only when a row's text changes (an hour
 * before a start, at a start, at an end). Signal "changed" (): the records or the texts changed.
 */
#define CNV_TYPE_SESSION_LIST (cnv_session_list_get_type ())

G_DECLARE_FINAL_TYPE (CnvSessionList, cnv_session_list, CNV, SESSION_LIST, GObject)

/* @path: the store's file; NULL = cnv_session_store_default_path(). */
CnvSessionList *cnv_session_list_new          (const char     *path);
/* Reads the store again now. */
void            cnv_session_list_refresh      (CnvSessionList *self);
void            cnv_session_list_set_watching (CnvSessionList *self,
                                               gboolean        watching);
/* The item of @session_id, or NULL (transfer none). */
CnvSessionItem *cnv_session_list_find         (CnvSessionList *self,
                                               const char     *session_id);
/* The icon and whether it opens in the browser, from the session types in @settings. */
void            cnv_session_list_set_session_types (CnvSessionList *self,
                                                    GPtrArray      *entries);

/* Pure, for the UI's texts: a time in the user's zone ("14:05"). */
char           *cnv_session_format_time       (gint64          unix_time);
/* "Tuesday 14 May 2024" in the user's zone. */
char           *cnv_session_format_date       (gint64          unix_time);

G_END_DECLS
