/* cnv-ical-private.h — what the calendar readers and the writer share
 *
 * cnv-ical-lines.c (content lines, text, addresses), cnv-ical-zone.c (zones and times),
 * cnv-ical.c (iCalendar), cnv-vcalendar.c (vCalendar 1.0) and cnv-ical-writer.c. Internal to the
 * engine: the public contract is cnv-ical.h. libical's zone and component are only named here,
 * so that this header does not bring libical into files that do not use it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cnv-ical.h"
#include "cnv-text.h"

G_BEGIN_DECLS

typedef struct _icaltimezone icaltimezone;
typedef struct icalcomponent_impl icalcomponent;

/* The years a time may have, as cnv_local_time_to_utc() takes them. */
#define CNV_ICAL_MIN_YEAR 1970
#define CNV_ICAL_MAX_YEAR 9999
/* Ten thousand years of days: more is no date. */
#define CNV_ICAL_MAX_DAYS (366 * 10000)

/* Text and content lines (cnv-ical-lines.c) --------------------------------------------------- */

char     *cnv_ical_show_value      (const char  *value);
char     *cnv_ical_dup_text        (const char  *text);
char     *cnv_ical_dup_uid         (const char  *uid);
gboolean  cnv_ical_check_input     (const char **data,
                                    gsize       *len,
                                    GError     **error);

typedef struct
{
  const char *p;
  const char *end;
} CnvLineReader;

gboolean  cnv_line_reader_next     (CnvLineReader *reader,
                                    GString       *line,
                                    gboolean       keep_fold_space);
gboolean  cnv_ical_line_name_is    (const char    *line,
                                    const char    *name);
gboolean  cnv_ical_line_is_begin   (const char    *line);
gboolean  cnv_ical_value_is        (const char    *line,
                                    const char    *value);
int       cnv_ical_track_component (GPtrArray     *open,
                                    const char    *line,
                                    GError       **error);

/* ATTENDEE values, unique by address, with a bounded number of warnings. */
typedef struct
{
  GPtrArray *list;
  GHashTable *seen;
  GPtrArray *warnings;
  guint n_bad;
} CnvAttendeeSet;

char     *cnv_ical_address_from_uri (const char     *uri);
void      cnv_attendee_set_add      (CnvAttendeeSet *set,
                                     const char     *name,
                                     const char     *uri);
void      cnv_attendee_set_finish   (CnvAttendeeSet *set);

/* Zones and times (cnv-ical-zone.c) ----------------------------------------------------------- */

typedef struct
{
  gint64 start;
  gint64 end;
} CnvVcalDaylight;

/* vCalendar 1.0's TZ and DAYLIGHT properties (vCal 1.0 §2.1.5, §2.2.2). */
typedef struct
{
  gint32 standard_offset;
  gint32 daylight_offset;
  GArray *rules;
} CnvVcalZone;

/* Where a local time is: exactly one of the three, or none for UTC. */
typedef struct
{
  GTimeZone *tz;
  icaltimezone *ical;
  const CnvVcalZone *vcal;
} CnvIcalZone;

/* A DATE or DATE-TIME as written: fields, and whether it is a DATE or in UTC. */
typedef struct
{
  int year;
  int month;
  int day;
  int hour;
  int minute;
  int second;
  gboolean is_date;
  gboolean is_utc;
} CnvLocalTime;

void      cnv_ical_zone_clear        (CnvIcalZone        *zone);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CnvIcalZone, cnv_ical_zone_clear)

gint32    cnv_ical_zone_offset_at    (gint64              instant,
                                      gpointer            zone);
void      cnv_ical_zone_set_floating (CnvIcalZone        *zone,
                                      GTimeZone          *floating_zone);
char     *cnv_ical_zone_name         (GTimeZone          *zone);
gboolean  cnv_local_time_to_instant  (const CnvLocalTime *time,
                                      gint64              days,
                                      const CnvIcalZone  *zone,
                                      gint64             *out_instant);
gboolean  cnv_ical_set_event_times   (CnvEvent           *event,
                                      gint64              start_instant,
                                      gboolean            has_end,
                                      gint64              end_instant,
                                      GError            **error);
gboolean  cnv_ical_invalid_time      (GError            **error,
                                      const char         *name);
gboolean  cnv_ical_resolve_tzid      (icalcomponent      *calendar,
                                      const char         *tzid,
                                      int                 year,
                                      GPtrArray          *warnings,
                                      CnvIcalZone        *out_zone,
                                      char              **out_iana,
                                      GError            **error);

/* In cnv-vcalendar.c: the offset of a vCalendar zone at @instant. */
gint32    cnv_vcal_zone_offset_at    (const CnvVcalZone  *zone,
                                      gint64              instant);

/* The readers (cnv-ical.c, cnv-vcalendar.c) ----------------------------------------------------- */

/* Each reader hands an object in the other format to the other reader, once (@may_hand_over). */
CnvEvent *cnv_icalendar_read  (const char  *data,
                               gsize        len,
                               GTimeZone   *floating_zone,
                               GTimeSpan    default_duration,
                               gboolean     may_hand_over,
                               GPtrArray   *warnings,
                               GError     **error);
CnvEvent *cnv_vcalendar_read  (const char  *data,
                               gsize        len,
                               GTimeZone   *floating_zone,
                               GTimeSpan    default_duration,
                               gboolean     may_hand_over,
                               GPtrArray   *warnings,
                               GError     **error);

G_END_DECLS
