/* cnv-manager-store-private.h — what cnv-manager-store.c, cnv-manager-store-sessions.c and
 * cnv-manager-store-outbox.c share: the store's instance struct and the statement helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "cnv-manager-store.h"

G_BEGIN_DECLS

struct _CnvManagerStore
{
  GObject   parent_instance;

  /* Owned */
  sqlite3  *db;
  char     *path;

  gboolean  in_transaction;
};

/* Makes one row into a struct; %NULL when the row holds a value this version does not know. */
typedef gpointer (*CnvStoreRowReader) (sqlite3_stmt *statement);

gboolean       cnv_store_set_sqlite_error (CnvManagerStore    *self,
                                           GError            **error,
                                           int                 code,
                                           const char         *what);
sqlite3_stmt  *cnv_store_prepare          (CnvManagerStore    *self,
                                           const char         *sql,
                                           GError            **error);
gboolean       cnv_store_step_done        (CnvManagerStore    *self,
                                           sqlite3_stmt       *statement,
                                           GError            **error);
char          *cnv_store_normalize        (const char         *address,
                                           GError            **error);
gboolean       cnv_store_min_time         (CnvManagerStore    *self,
                                          const char         *sql,
                                          gint64             *when,
                                          gboolean           *found,
                                          const char         *what,
                                          GError            **error);
GPtrArray     *cnv_store_read_rows        (CnvManagerStore    *self,
                                           sqlite3_stmt       *statement,
                                           CnvStoreRowReader   read,
                                           GDestroyNotify      free_row,
                                           const char         *what,
                                           GError            **error);
void           cnv_store_bind_nullable_text (sqlite3_stmt     *statement,
                                             int               index,
                                             const char       *text);
gboolean       cnv_store_update_one       (CnvManagerStore    *self,
                                           sqlite3_stmt       *statement,
                                           const char         *what,
                                           GError            **error);
gboolean       cnv_store_check_utf8       (const char         *text,
                                           const char         *field,
                                           GError            **error);
gboolean       cnv_store_enum_from_string (const char         *text,
                                           const char *const  *names,
                                           guint               n_names,
                                           int                *value);

static inline gint64
cnv_store_now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static inline char *
cnv_store_column_text (sqlite3_stmt *statement,
                       int           index)
{
  return g_strdup ((const char *) sqlite3_column_text (statement, index));
}

G_END_DECLS
