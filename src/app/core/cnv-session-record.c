/* cnv-session-record.c — one received invitation and what the app did with it (Fig 4b, issue 6)
 *
 * A plain boxed struct, so it can travel in GValues and signals. The status strings are what the
 * store persists: they are protocol, never translated, and never renamed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-session"

#include "config.h"

#include "cnv-session-record.h"

G_DEFINE_BOXED_TYPE (CnvSessionRecord, cnv_session_record,
                     cnv_session_record_copy, cnv_session_record_free)

/* Indexed by CnvSessionStatus. */
static const char * const status_names[] = {
  [CNV_SESSION_STATUS_NEW] = "new",
  [CNV_SESSION_STATUS_ACCEPTED] = "accepted",
  [CNV_SESSION_STATUS_RUNNING] = "running",
  [CNV_SESSION_STATUS_ENDED] = "ended",
  [CNV_SESSION_STATUS_MISSED] = "missed",
  [CNV_SESSION_STATUS_CANCELLED] = "cancelled",
};

/**
 * cnv_session_record_new:
 *
 * Returns: (transfer full): an empty record: no strings, status %CNV_SESSION_STATUS_NEW, all
 *   times 0
 */
CnvSessionRecord *
cnv_session_record_new (void)
{
  CnvSessionRecord *self = g_new0 (CnvSessionRecord, 1);

  self->status = CNV_SESSION_STATUS_NEW;
  return self;
}

/**
 * cnv_session_record_copy:
 * @self: a record
 *
 * Returns: (transfer full): a deep copy
 */
CnvSessionRecord *
cnv_session_record_copy (const CnvSessionRecord *self)
{
  CnvSessionRecord *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new (CnvSessionRecord, 1);
  *copy = *self;
  copy->session_id = g_strdup (self->session_id);
  copy->uid = g_strdup (self->uid);
  copy->session_type = g_strdup (self->session_type);
  copy->manager_address = g_strdup (self->manager_address);
  copy->title = g_strdup (self->title);
  copy->organizer = g_strdup (self->organizer);
  copy->participants = g_strdupv (self->participants);
  copy->link = g_strdup (self->link);
  return copy;
}

void
cnv_session_record_free (CnvSessionRecord *self)
{
  if (self == NULL)
    return;

  g_free (self->session_id);
  g_free (self->uid);
  g_free (self->session_type);
  g_free (self->manager_address);
  g_free (self->title);
  g_free (self->organizer);
  g_strfreev (self->participants);
  g_free (self->link);
  g_free (self);
}

/**
 * cnv_session_status_to_string:
 * @status: a status
 *
 * Returns: the stored name ("new", "accepted", "running", "ended", "missed", "cancelled"), or
 *   NULL for a value outside the enum
 */
const char *
cnv_session_status_to_string (CnvSessionStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (status_names))
    return NULL;
  return status_names[status];
}

/**
 * cnv_session_status_from_string:
 * @text: a stored name, exactly as cnv_session_status_to_string() writes it
 * @status: (out): the status
 *
 * Returns: %FALSE (and @status untouched) for NULL or an unknown name
 */
gboolean
cnv_session_status_from_string (const char       *text,
                                CnvSessionStatus *status)
{
  g_return_val_if_fail (status != NULL, FALSE);

  if (text == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    {
      if (g_str_equal (text, status_names[i]))
        {
          *status = (CnvSessionStatus) i;
          return TRUE;
        }
    }
  return FALSE;
}
