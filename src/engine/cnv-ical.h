/* cnv-ical.h — temporal information: iCalendar, vCalendar 1.0 and the in-body lines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cnv-event.h"

G_BEGIN_DECLS

#define CNV_ICAL_ERROR (cnv_ical_error_quark ())

/**
 * CnvIcalError:
 * @CNV_ICAL_ERROR_PARSE: the calendar (or the in-body lines) cannot be read at all
 * @CNV_ICAL_ERROR_NO_EVENT: the calendar holds no VEVENT
 * @CNV_ICAL_ERROR_NO_START: the event has no usable DTSTART
 * @CNV_ICAL_ERROR_INVALID_TIME: a date, time or duration is malformed or out of range
 * @CNV_ICAL_ERROR_UNKNOWN_ZONE: a TZID (or a zone in the body) is neither defined by a VTIMEZONE
 *   in the message, nor an IANA zone, nor a Windows zone name
 * @CNV_ICAL_ERROR_END_BEFORE_START: the end is before (or at) the start
 * @CNV_ICAL_ERROR_TOO_LARGE: the calendar part is larger than Convene reads
 *
 * These codes cover all temporal information (E403–E405, E453, E507), whether it came from a
 * calendar part or from the predetermined in-body lines.
 */
typedef enum
{
  CNV_ICAL_ERROR_PARSE,
  CNV_ICAL_ERROR_NO_EVENT,
  CNV_ICAL_ERROR_NO_START,
  CNV_ICAL_ERROR_INVALID_TIME,
  CNV_ICAL_ERROR_UNKNOWN_ZONE,
  CNV_ICAL_ERROR_END_BEFORE_START,
  CNV_ICAL_ERROR_TOO_LARGE,
} CnvIcalError;

/* The largest calendar part that is parsed (a request's calendar is a few KiB). */
#define CNV_ICAL_MAX_SIZE (4 * 1024 * 1024)

GQuark    cnv_ical_error_quark     (void);

CnvEvent *cnv_ical_read            (const char *data,
                                    gsize       len,
                                    GTimeZone  *floating_zone,
                                    GTimeSpan   default_duration,
                                    GPtrArray  *warnings,
                                    GError    **error);
CnvEvent *cnv_ical_read_vcalendar  (const char *data,
                                    gsize       len,
                                    GTimeZone  *floating_zone,
                                    GTimeSpan   default_duration,
                                    GPtrArray  *warnings,
                                    GError    **error);
CnvEvent *cnv_body_times_read      (const char *text,
                                    gsize       len,
                                    GTimeZone  *zone,
                                    GTimeSpan   default_duration,
                                    GPtrArray  *warnings,
                                    GError    **error);
char     *cnv_ical_write           (const CnvEvent *event,
                                    GError        **error);

const char *cnv_windows_zone_to_iana (const char *windows_name);
GTimeZone  *cnv_time_zone_lookup     (const char *name);
gboolean    cnv_duration_parse       (const char *text,
                                      GTimeSpan  *out_span);

/*
 * Within the engine (cnv-ical.c and cnv-body-times.c): a time zone seen as a function from a UTC
 * instant (seconds since the Unix epoch) to the UTC offset in force then (seconds east).
 */
typedef gint32 (*CnvUtcOffsetFunc) (gint64   instant,
                                    gpointer user_data);

gboolean    cnv_local_time_to_utc    (int               year,
                                      int               month,
                                      int               day,
                                      int               hour,
                                      int               minute,
                                      int               second,
                                      CnvUtcOffsetFunc  offset_at,
                                      gpointer          user_data,
                                      gint64           *out_instant);

G_END_DECLS
