/* cnv-manager-processor.h — Fig 5 for one received mail: the decisions and their transaction
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-manager-config.h"
#include "cnv-manager-store.h"

G_BEGIN_DECLS

/**
 * CnvProcessOutcome:
 * @CNV_PROCESS_ACCEPTED: a new session was stored with its participants and invitations
 * @CNV_PROCESS_INVITED_MORE: new participants were added to a running session (seed, last page)
 * @CNV_PROCESS_REFUSED: not a request the manager may act on; logged, and reported to the
 *   initiator when the initiator is accredited and authentic
 * @CNV_PROCESS_IGNORED: mail the manager does not answer at all (automatic mail, bounces, its own
 *   mail, oversize mail, not a mail)
 * @CNV_PROCESS_DUPLICATE: a mail already processed (same Message-ID)
 */
typedef enum
{
  CNV_PROCESS_ACCEPTED,
  CNV_PROCESS_INVITED_MORE,
  CNV_PROCESS_REFUSED,
  CNV_PROCESS_IGNORED,
  CNV_PROCESS_DUPLICATE,
} CnvProcessOutcome;

typedef struct
{
  CnvProcessOutcome  outcome;
  char              *reason;       /* nullable: why it was refused or ignored */
  char              *message_id;   /* the key it was recorded under */
  char              *sender;       /* nullable: the From address, normalised */
  char              *session_id;   /* nullable: the session made or extended */
  guint              n_invited;    /* participants who get an invitation */
  guint              n_refused;    /* addresses named in the refusal report */
  gboolean           reported;     /* a refusal report was queued */
} CnvProcessResult;

const char *cnv_process_outcome_to_string (CnvProcessOutcome outcome);
void        cnv_process_result_free       (CnvProcessResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvProcessResult, cnv_process_result_free)

#define CNV_TYPE_MANAGER_PROCESSOR (cnv_manager_processor_get_type ())
G_DECLARE_FINAL_TYPE (CnvManagerProcessor, cnv_manager_processor, CNV, MANAGER_PROCESSOR, GObject)

CnvManagerProcessor *cnv_manager_processor_new    (CnvManagerConfig    *config,
                                                   CnvManagerStore     *store);
CnvProcessResult    *cnv_manager_processor_handle (CnvManagerProcessor *self,
                                                   const char          *mailbox,
                                                   guint32              uidvalidity,
                                                   guint32              uid,
                                                   GBytes              *data,
                                                   guint64              size,
                                                   gint64               now,
                                                   GError             **error);

G_END_DECLS
