/* cnv-manager-outbox.h — the manager's mail out (E514–E515): invitations, cancellations, reports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-credentials.h"
#include "cnv-manager-config.h"
#include "cnv-manager-store.h"

G_BEGIN_DECLS

#define CNV_TYPE_MANAGER_OUTBOX (cnv_manager_outbox_get_type ())
G_DECLARE_FINAL_TYPE (CnvManagerOutbox, cnv_manager_outbox, CNV, MANAGER_OUTBOX, GObject)

CnvManagerOutbox *cnv_manager_outbox_new           (CnvManagerConfig *config,
                                                    CnvManagerStore  *store,
                                                    CnvCredentials   *credentials);
void              cnv_manager_outbox_kick          (CnvManagerOutbox *self);
gboolean          cnv_manager_outbox_is_busy       (CnvManagerOutbox *self);
void              cnv_manager_outbox_drain         (CnvManagerOutbox *self);
void              cnv_manager_outbox_stop          (CnvManagerOutbox *self);
gint64            cnv_manager_outbox_retry_delay   (int               attempts);
GMimeMessage     *cnv_manager_outbox_build_report  (const CnvOutboxItem *item,
                                                    GError          **error);

G_END_DECLS
