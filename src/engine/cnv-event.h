/* cnv-event.h — one calendar event, as Convene reads it from and writes it to iCalendar
 *
 * This is the libical-free view of a VEVENT: cnv-ical.c reads one (with cnv-ical-zone.c),
 * cnv-ical-writer.c writes one, and nothing else in Convene touches libical.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "cnv-address.h"

G_BEGIN_DECLS

/**
 * CnvEvent:
 * @method: (nullable): the VCALENDAR's METHOD (`REQUEST`, `CANCEL`…), upper case
 * @uid: (nullable): the VEVENT's UID
 * @sequence: the VEVENT's SEQUENCE (0 when absent)
 * @summary: (nullable): SUMMARY
 * @description: (nullable): DESCRIPTION
 * @start: (nullable): DTSTART, in UTC
 * @end: (nullable): DTEND (or DTSTART + DURATION, or DTSTART + the default duration), in UTC
 * @all_day: DTSTART was a DATE: @start and @end are midnights in the floating zone, in UTC
 * @stamp: (nullable): DTSTAMP, in UTC
 * @cancelled: STATUS:CANCELLED
 * @organizer: (nullable): ORGANIZER (its CN as name)
 * @sent_by: (nullable): the normalised address of ORGANIZER's SENT-BY parameter
 * @attendees: (element-type CnvAddress): ATTENDEE properties, normalised, unique
 * @url: (nullable): URL
 * @location: (nullable): LOCATION
 * @conference: (nullable): the first RFC 7986 CONFERENCE URI
 * @tzid: (nullable): when writing, the IANA zone in which DTSTART/DTEND are written, with a
 *   VTIMEZONE; %NULL writes UTC. When reading, the IANA zone that DTSTART's TZID stands for
 *   (`W. Europe Standard Time` gives `Europe/Berlin`); %NULL for UTC, floating times and zones that
 *   only a VTIMEZONE defines. All-day events carry the floating zone's name.
 */
typedef struct
{
  char       *method;
  char       *uid;
  int         sequence;
  char       *summary;
  char       *description;
  GDateTime  *start;
  GDateTime  *end;
  gboolean    all_day;
  GDateTime  *stamp;
  gboolean    cancelled;
  CnvAddress *organizer;
  char       *sent_by;
  GPtrArray  *attendees;
  char       *url;
  char       *location;
  char       *conference;
  char       *tzid;
} CnvEvent;

#define CNV_TYPE_EVENT (cnv_event_get_type ())

GType     cnv_event_get_type (void) G_GNUC_CONST;
CnvEvent *cnv_event_new      (void);
CnvEvent *cnv_event_copy     (const CnvEvent *self);
void      cnv_event_free     (CnvEvent       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvEvent, cnv_event_free)

G_END_DECLS
