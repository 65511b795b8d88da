/* cnv-request.h — the request mail of Fig 4a, parsed (manager) and built (composer)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-gmime.h"

#include "cnv-address.h"
#include "cnv-session-types.h"

G_BEGIN_DECLS

#define CNV_REQUEST_ERROR (cnv_request_error_quark ())

/**
 * CnvRequestError:
 * @CNV_REQUEST_ERROR_NOT_A_MESSAGE: the data is not an RFC 5322 message
 * @CNV_REQUEST_ERROR_NO_INITIATOR: no usable From address
 * @CNV_REQUEST_ERROR_NO_MANAGER_ADDRESS: no manager address in To, Cc, Delivered-To or
 *   X-Original-To (and, when building, none was set)
 * @CNV_REQUEST_ERROR_NO_TYPE: no manager address, keyword or default selects a session type
 * @CNV_REQUEST_ERROR_NO_PARTICIPANTS: To names nobody but manager addresses
 * @CNV_REQUEST_ERROR_INVALID: a field cannot be used to build a request (the message says which)
 *
 * Problems with temporal information use #CNV_ICAL_ERROR codes.
 */
typedef enum
{
  CNV_REQUEST_ERROR_NOT_A_MESSAGE,
  CNV_REQUEST_ERROR_NO_INITIATOR,
  CNV_REQUEST_ERROR_NO_MANAGER_ADDRESS,
  CNV_REQUEST_ERROR_NO_TYPE,
  CNV_REQUEST_ERROR_NO_PARTICIPANTS,
  CNV_REQUEST_ERROR_INVALID,
} CnvRequestError;

/**
 * CnvTimesSource:
 * @CNV_TIMES_SOURCE_NONE: no temporal information: start now, default duration
 * @CNV_TIMES_SOURCE_ICALENDAR: a `text/calendar` or `application/ics` part
 * @CNV_TIMES_SOURCE_VCALENDAR: a vCalendar 1.0 part
 * @CNV_TIMES_SOURCE_BODY: the predetermined `Start:` / `End:` / `Duration:` lines
 */
typedef enum
{
  CNV_TIMES_SOURCE_NONE,
  CNV_TIMES_SOURCE_ICALENDAR,
  CNV_TIMES_SOURCE_VCALENDAR,
  CNV_TIMES_SOURCE_BODY,
} CnvTimesSource;

#define CNV_TYPE_REQUEST (cnv_request_get_type ())

G_DECLARE_FINAL_TYPE (CnvRequest, cnv_request, CNV, REQUEST, GObject)

GQuark            cnv_request_error_quark        (void);
const char       *cnv_times_source_to_string     (CnvTimesSource source);

CnvRequest       *cnv_request_new                (void);
CnvRequest       *cnv_request_parse              (GMimeMessage    *message,
                                                  CnvSessionTypes *types,
                                                  GTimeZone       *zone,
                                                  GTimeSpan        default_duration);
CnvRequest       *cnv_request_parse_data         (const char      *data,
                                                  gsize            len,
                                                  CnvSessionTypes *types,
                                                  GTimeZone       *zone,
                                                  GTimeSpan        default_duration,
                                                  GError         **error);
GMimeMessage     *cnv_request_build              (CnvRequest      *self,
                                                  GError         **error);
gboolean          cnv_request_check              (CnvRequest      *self,
                                                  GError         **error);
gboolean          cnv_request_equal              (CnvRequest      *a,
                                                  CnvRequest      *b);

GPtrArray        *cnv_request_get_errors         (CnvRequest      *self);
const char * const *cnv_request_get_warnings     (CnvRequest      *self);

const CnvAddress *cnv_request_get_initiator      (CnvRequest      *self);
void              cnv_request_set_initiator      (CnvRequest      *self,
                                                  const CnvAddress *initiator);
const char       *cnv_request_get_manager_address (CnvRequest     *self);
void              cnv_request_set_manager_address (CnvRequest     *self,
                                                  const char      *address);
const char       *cnv_request_get_session_type   (CnvRequest      *self);
void              cnv_request_set_session_type   (CnvRequest      *self,
                                                  const char      *session_type);
const char       *cnv_request_get_title          (CnvRequest      *self);
void              cnv_request_set_title          (CnvRequest      *self,
                                                  const char      *title);
const char       *cnv_request_get_body           (CnvRequest      *self);
void              cnv_request_set_body           (CnvRequest      *self,
                                                  const char      *body);
GPtrArray        *cnv_request_get_participants   (CnvRequest      *self);
void              cnv_request_add_participant    (CnvRequest      *self,
                                                  const CnvAddress *participant);
GPtrArray        *cnv_request_get_informational  (CnvRequest      *self);
void              cnv_request_add_informational  (CnvRequest      *self,
                                                  const CnvAddress *address);
GDateTime        *cnv_request_get_start          (CnvRequest      *self);
GDateTime        *cnv_request_get_end            (CnvRequest      *self);
void              cnv_request_set_times          (CnvRequest      *self,
                                                  GDateTime       *start,
                                                  GDateTime       *end);
CnvTimesSource    cnv_request_get_times_source   (CnvRequest      *self);
const char       *cnv_request_get_time_zone      (CnvRequest      *self);
void              cnv_request_set_time_zone      (CnvRequest      *self,
                                                  const char      *tzid);
const char       *cnv_request_get_uid            (CnvRequest      *self);
void              cnv_request_set_uid            (CnvRequest      *self,
                                                  const char      *uid);
int               cnv_request_get_sequence       (CnvRequest      *self);
const char       *cnv_request_get_message_id     (CnvRequest      *self);
const char * const *cnv_request_get_references   (CnvRequest      *self);
const char       *cnv_request_get_session_tag    (CnvRequest      *self);

G_END_DECLS
