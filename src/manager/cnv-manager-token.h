/* cnv-manager-token.h — personal credentials (E504): minted from getrandom, kept as SHA-256
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-manager-store.h"

G_BEGIN_DECLS

char     *cnv_manager_token_new        (guint8        hash[CNV_TOKEN_HASH_SIZE],
                                        GError      **error);
void      cnv_manager_token_hash       (const char   *token,
                                        guint8        hash[CNV_TOKEN_HASH_SIZE]);
gboolean  cnv_manager_token_equal      (const guint8 *a,
                                        const guint8 *b);
char     *cnv_manager_random_id        (guint         n_bytes,
                                        GError      **error);

G_END_DECLS
