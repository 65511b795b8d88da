/* cnv-request-private.h — what cnv-request.c, cnv-request-parse.c and cnv-request-build.c share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-request.h"

G_BEGIN_DECLS

struct _CnvRequest
{
  GObject         parent_instance;

  /* Owned */
  CnvAddress     *initiator;
  char           *manager_address;
  char           *session_type;
  char           *title;
  char           *body;
  GPtrArray      *participants;   /* CnvAddress, the initiator first */
  GPtrArray      *informational;  /* CnvAddress */
  GDateTime      *start;
  GDateTime      *end;
  CnvTimesSource  times_source;
  char           *time_zone;
  char           *uid;
  int             sequence;
  char           *message_id;
  GStrv           references;
  char           *session_tag;
  GPtrArray      *warnings;       /* char* */
  GPtrArray      *errors;         /* GError* */
};

void cnv_request_add_warning   (CnvRequest *self,
                                char       *sentence);
void cnv_request_take_warnings (CnvRequest *self,
                                GPtrArray  *warnings);
void cnv_request_add_error     (CnvRequest *self,
                                GError     *error);

static inline GDateTime *
cnv_request_utc (GDateTime *dt)
{
  return dt ? g_date_time_to_utc (dt) : NULL;
}

G_END_DECLS
