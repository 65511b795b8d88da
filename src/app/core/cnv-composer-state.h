/* cnv-composer-state.h — the composer's decisions (Fig 4a, E400–E406), without a display
 *
 * The composer window keeps a CnvComposerInput in step with its widgets and shows what
 * cnv_composer_evaluate() says: an error per field (a translated sentence, or NULL), warnings,
 * and whether Send is enabled. The same input builds the CnvRequest that is sent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-address.h"
#include "cnv-request.h"
#include "cnv-app-settings.h"

G_BEGIN_DECLS

typedef enum
{
  CNV_COMPOSER_FIELD_PARTICIPANTS,
  CNV_COMPOSER_FIELD_CC,
  CNV_COMPOSER_FIELD_SESSION_TYPE,
  CNV_COMPOSER_FIELD_TITLE,
  CNV_COMPOSER_FIELD_MESSAGE,
  CNV_COMPOSER_FIELD_START,
  CNV_COMPOSER_FIELD_END,
  CNV_COMPOSER_N_FIELDS,
} CnvComposerField;

/**
 * CnvComposerInput:
 * @initiator: the account's address and name (the From)
 * @session_types: the configured CnvSessionTypeEntry list (borrowed)
 * @session_type: the chosen entry's manager address, or NULL
 * @participants: CnvAddress, the chips of To (owned)
 * @cc: CnvAddress, the chips of Cc (owned)
 * @pending_participants, @pending_cc: text typed in the entry but not yet a chip
 * @title, @message: as typed
 * @scheduled: the Schedule switch
 * @start: the chosen start, in @zone (owned, NULL when not chosen)
 * @duration_minutes: > 0 for a preset duration; 0 = use @end
 * @end: the chosen end, in @zone (owned, may be NULL)
 * @zone: the user's time zone; @tzid its IANA name (e.g. "Europe/Paris") or NULL for UTC
 * @now: the current time (injected, so tests are repeatable)
 * @max_participants: 0 = no limit; else more is an error
 */
typedef struct
{
  CnvAddress *initiator;
  GPtrArray  *session_types;
  char       *session_type;
  GPtrArray  *participants;
  GPtrArray  *cc;
  char       *pending_participants;
  char       *pending_cc;
  char       *title;
  char       *message;
  gboolean    scheduled;
  GDateTime  *start;
  int         duration_minutes;
  GDateTime  *end;
  GTimeZone  *zone;
  char       *tzid;
  GDateTime  *now;
  guint       max_participants;
} CnvComposerInput;

typedef struct
{
  char     *errors[CNV_COMPOSER_N_FIELDS];  /* translated, NULL = fine */
  GPtrArray *warnings;                      /* translated strings, e.g. "carol is also in To" */
  gboolean  can_send;
} CnvComposerState;

void        cnv_composer_input_init       (CnvComposerInput       *input);
void        cnv_composer_input_clear      (CnvComposerInput       *input);
/* Sets @zone and @tzid to the user's zone (see the function's documentation). */
void        cnv_composer_input_set_local_zone (CnvComposerInput   *input);

/* Adds a chip. FALSE with a translated @problem (and nothing added) when the address is already
 * a participant / in Cc, is the manager address of a session type, or is the initiator in Cc.
 * The initiator in To is accepted silently and not added twice (the manager adds them). */
gboolean    cnv_composer_add_participant  (CnvComposerInput       *input,
                                           const CnvAddress       *address,
                                           char                  **problem);
gboolean    cnv_composer_add_cc           (CnvComposerInput       *input,
                                           const CnvAddress       *address,
                                           char                  **problem);
void        cnv_composer_remove_participant (CnvComposerInput     *input,
                                           const char             *normalized);
void        cnv_composer_remove_cc        (CnvComposerInput       *input,
                                           const char             *normalized);

/* The end the request will carry: @end, or @start + @duration_minutes. NULL when not scheduled. */
GDateTime  *cnv_composer_get_end          (const CnvComposerInput *input);

void        cnv_composer_evaluate         (const CnvComposerInput *input,
                                           CnvComposerState       *state);
void        cnv_composer_state_clear      (CnvComposerState       *state);

/* The request (initiator, manager address, type, participants, Cc, title, body, and when scheduled
 * the times with @tzid). NULL with an error when cnv_composer_evaluate() would not allow Send. */
CnvRequest *cnv_composer_build_request    (const CnvComposerInput *input,
                                           GError                **error);

G_END_DECLS
