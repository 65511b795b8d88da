/* cnv-ical-zone.c — the zones of the calendar readers, and local times turned into instants
 *
 * A local time is in a GLib zone (IANA and Windows names, numeric offsets, the floating zone), in
 * a VTIMEZONE of the calendar (libical, RFC 5545 §3.6.5) or in a vCalendar 1.0 TZ and DAYLIGHT
 * pair. This file resolves a TZID to one of them, checks that libical can use a VTIMEZONE, and
 * converts with RFC 5545's rules (cnv_local_time_to_utc()).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-ical"

#include "config.h"

#include <string.h>

#include <libical/ical.h>

#include "cnv-ical-private.h"

/*
 * libical expands a VTIMEZONE's rules from their DTSTART to the year asked (up to 2582), change
 * by change. A rule that changes every minute, or hundreds of rules, would take minutes and
 * gigabytes: RFC 5545 §3.6.5 zones observed in the wild have a few yearly rules (Outlook: two
 * rules from 1601; tzdata-derived ones: one per historical period), so these bounds leave room.
 */
#define MAX_OBSERVANCES 1000
#define MAX_RECURRING_OBSERVANCES 16
#define MAX_OBSERVANCE_DATES 2000
#define MAX_UTC_OFFSET (24 * 60 * 60 - 1)
/* libical expands each yearly rule year by year from its DTSTART up to the year asked (through
 * ICU). Outlook's rules start in 1601: two rules to 2026 are 850 steps. A hostile calendar with 16
 * rules from 1601 and an event in 9000 would take seconds of CPU per mail: past this many steps the
 * VTIMEZONE is not used and the zone is taken by its name. */
#define MAX_EXPANSION_STEPS 4000

/* Zones and times ----------------------------------------------------------------------------- */

/*
 * libical finds the offset of a VTIMEZONE by expanding its observances from their DTSTART up to
 * the year asked, and keeps what it expanded in the zone. Outlook's VTIMEZONEs start in 1601:
 * expanding 425 years for every mail took 6 ms a request. Requests carry the same few zones over
 * and over, so each distinct VTIMEZONE (by its text) is kept, with its expansion, in a cache that
 * lives as long as the process. The cache is bounded: once full, zones are used uncached. Zones
 * in it are never freed, so a pointer to one stays valid; offsets are read under the lock because
 * libical extends a zone's expansion as it goes.
 */
#define ZONE_CACHE_SIZE 64

static GMutex zone_lock;
static GHashTable *zone_cache;   /* VTIMEZONE text → icaltimezone */

static icaltimezone *
cache_zone (icaltimezone *defined)
{
  icalcomponent *component = icaltimezone_get_component (defined);
  g_autofree char *text = NULL;
  icaltimezone *cached;

  if (component == NULL)
    return defined;
  text = icalcomponent_as_ical_string_r (component);
  if (text == NULL)
    return defined;

  g_mutex_lock (&zone_lock);
  if (zone_cache == NULL)
    zone_cache = g_hash_table_new (g_str_hash, g_str_equal);
  cached = g_hash_table_lookup (zone_cache, text);
  if (cached == NULL && g_hash_table_size (zone_cache) < ZONE_CACHE_SIZE)
    {
      cached = icaltimezone_new ();
      if (icaltimezone_set_component (cached, icalcomponent_new_clone (component)))
        g_hash_table_insert (zone_cache, g_steal_pointer (&text), cached);
      else
        {
          icaltimezone_free (cached, 1);
          cached = NULL;
        }
    }
  g_mutex_unlock (&zone_lock);

  return cached != NULL ? cached : defined;
}

void
cnv_ical_zone_clear (CnvIcalZone *zone)
{
  g_clear_pointer (&zone->tz, g_time_zone_unref);
  zone->ical = NULL;
  zone->vcal = NULL;
}

gint32
cnv_ical_zone_offset_at (gint64   instant,
                         gpointer user_data)
{
  const CnvIcalZone *zone = user_data;

  if (zone->ical != NULL)
    {
      struct icaltimetype utc;
      int is_daylight = 0;

      gint32 offset;

      utc = icaltime_from_timet_with_zone ((time_t) instant, 0, icaltimezone_get_utc_timezone ());
      g_mutex_lock (&zone_lock);
      offset = icaltimezone_get_utc_offset_of_utc_time (zone->ical, &utc, &is_daylight);
      g_mutex_unlock (&zone_lock);
      return offset;
    }
  if (zone->vcal != NULL)
    return cnv_vcal_zone_offset_at (zone->vcal, instant);
  if (zone->tz != NULL)
    return g_time_zone_get_offset (zone->tz,
                                   g_time_zone_find_interval (zone->tz, G_TIME_TYPE_UNIVERSAL, instant));
  return 0;
}

/* @time, moved by @days days on the calendar (RFC 5545 §3.3.6: a day is nominal, not 24 hours),
 * in @zone, as an instant. %FALSE when a field is out of range. */
gboolean
cnv_local_time_to_instant (const CnvLocalTime *time,
                           gint64              days,
                           const CnvIcalZone  *zone,
                           gint64             *out_instant)
{
  int year = time->year;
  int month = time->month;
  int day = time->day;

  if (days != 0)
    {
      GDate date;

      if (days < 0 || days > CNV_ICAL_MAX_DAYS || year < CNV_ICAL_MIN_YEAR ||
          year > CNV_ICAL_MAX_YEAR || month < 1 || month > 12 || day < 1 || day > 31 ||
          !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
        return FALSE;
      g_date_clear (&date, 1);
      g_date_set_dmy (&date, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
      g_date_add_days (&date, (guint) days);
      year = g_date_get_year (&date);
      month = g_date_get_month (&date);
      day = g_date_get_day (&date);
    }

  return cnv_local_time_to_utc (year, month, day, time->hour, time->minute, time->second,
                                time->is_utc ? NULL : cnv_ical_zone_offset_at, (gpointer) zone,
                                out_instant);
}

void
cnv_ical_zone_set_floating (CnvIcalZone *zone,
                            GTimeZone   *floating_zone)
{
  zone->tz = floating_zone != NULL ? g_time_zone_ref (floating_zone) : g_time_zone_new_utc ();
}

/*
 * The IANA name of @zone, for the event's @tzid (cnv_ical_write() writes in that zone); %NULL
 * for UTC and for zones that are only an offset.
 */
char *
cnv_ical_zone_name (GTimeZone *zone)
{
  const char *identifier;

  if (zone == NULL)
    return NULL;
  identifier = g_time_zone_get_identifier (zone);
  if (identifier == NULL || *identifier == '\0' || *identifier == '+' || *identifier == '-' ||
      g_strcmp0 (identifier, "UTC") == 0)
    return NULL;
  return g_strdup (identifier);
}

/*
 * The start and end instants become the event's times: both within 1970–9999, the end after the
 * start. @end_instant is ignored when !@has_end (the caller asked for no default duration).
 */
gboolean
cnv_ical_set_event_times (CnvEvent  *event,
                          gint64     start_instant,
                          gboolean   has_end,
                          gint64     end_instant,
                          GError   **error)
{
  if (has_end && end_instant <= start_instant)
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_END_BEFORE_START,
                           "The event ends before it starts");
      return FALSE;
    }

  event->start = g_date_time_new_from_unix_utc (start_instant);
  if (has_end)
    event->end = g_date_time_new_from_unix_utc (end_instant);
  if (event->start == NULL || (has_end && event->end == NULL))
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                           "The event is not within the years 1970 to 9999");
      return FALSE;
    }
  return TRUE;
}

gboolean
cnv_ical_invalid_time (GError     **error,
                       const char  *name)
{
  g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
               "The event’s %s is not a valid date and time (years 1970 to 9999)", name);
  return FALSE;
}

static guint
count_by (const short *array,
          guint        size)
{
  guint n = 0;

  while (n < size && array[n] != ICAL_RECURRENCE_ARRAY_MAX)
    n++;
  return n;
}

/* The yearly rules of real zones (RFC 5545 §3.6.5: "the last Sunday of October"): at most one
 * month, and a handful of days in it. */
static gboolean
is_plain_yearly_rule (const struct icalrecurrencetype *rule)
{
  guint n_months = count_by (rule->by_month, ICAL_BY_MONTH_SIZE);
  guint n_days = count_by (rule->by_day, ICAL_BY_DAY_SIZE);
  guint n_month_days = count_by (rule->by_month_day, ICAL_BY_MONTHDAY_SIZE);

  if (rule->freq != ICAL_YEARLY_RECURRENCE || rule->interval < 1)
    return FALSE;
  if (count_by (rule->by_second, ICAL_BY_SECOND_SIZE) > 0 ||
      count_by (rule->by_minute, ICAL_BY_MINUTE_SIZE) > 0 ||
      count_by (rule->by_hour, ICAL_BY_HOUR_SIZE) > 0 ||
      count_by (rule->by_week_no, ICAL_BY_WEEKNO_SIZE) > 0 ||
      count_by (rule->by_year_day, ICAL_BY_YEARDAY_SIZE) > 1 ||
      count_by (rule->by_set_pos, ICAL_BY_SETPOS_SIZE) > 1)
    return FALSE;
  if (n_months > 1 || n_month_days > 7 || n_days > (n_month_days > 0 ? 7u : 1u))
    return FALSE;
  if ((n_days > 0 || n_month_days > 0) && n_months == 0)
    return FALSE;
  return TRUE;
}

static gboolean
is_usable_time (struct icaltimetype time)
{
  return time.year >= 1 && time.year <= CNV_ICAL_MAX_YEAR && time.month >= 1 && time.month <= 12 &&
         time.day >= 1 && time.day <= 31 &&
         g_date_valid_dmy ((GDateDay) time.day, (GDateMonth) time.month, (GDateYear) time.year) &&
         time.hour >= 0 && time.hour <= 23 && time.minute >= 0 && time.minute <= 59 &&
         time.second >= 0 && time.second <= 60;
}

/*
 * Whether libical can use @vtimezone, quickly: observances (STANDARD, DAYLIGHT) with a readable
 * DTSTART and both offsets, and rules it can expand in reasonable time. Sets @out_reason if not.
 */
static gboolean
is_usable_vtimezone (icalcomponent  *vtimezone,
                     int             year,
                     const char    **out_reason)
{
  guint n_observances = 0;
  guint n_recurring = 0;
  guint n_dates = 0;
  gint64 steps = 0;

  for (icalcomponent *observance = icalcomponent_get_first_component (vtimezone, ICAL_ANY_COMPONENT);
       observance != NULL;
       observance = icalcomponent_get_next_component (vtimezone, ICAL_ANY_COMPONENT))
    {
      icalcomponent_kind kind = icalcomponent_isa (observance);
      icalproperty *dtstart;
      icalproperty *from;
      icalproperty *to;

      if (kind != ICAL_XSTANDARD_COMPONENT && kind != ICAL_XDAYLIGHT_COMPONENT)
        continue;
      if (++n_observances > MAX_OBSERVANCES)
        {
          *out_reason = "it has too many observances";
          return FALSE;
        }

      dtstart = icalcomponent_get_first_property (observance, ICAL_DTSTART_PROPERTY);
      from = icalcomponent_get_first_property (observance, ICAL_TZOFFSETFROM_PROPERTY);
      to = icalcomponent_get_first_property (observance, ICAL_TZOFFSETTO_PROPERTY);
      if (dtstart == NULL || from == NULL || to == NULL ||
          !is_usable_time (icalproperty_get_dtstart (dtstart)) ||
          ABS (icalproperty_get_tzoffsetfrom (from)) > MAX_UTC_OFFSET ||
          ABS (icalproperty_get_tzoffsetto (to)) > MAX_UTC_OFFSET)
        {
          *out_reason = "an observance lacks its DTSTART or its offsets";
          return FALSE;
        }

      for (icalproperty *rrule = icalcomponent_get_first_property (observance, ICAL_RRULE_PROPERTY);
           rrule != NULL;
           rrule = icalcomponent_get_next_property (observance, ICAL_RRULE_PROPERTY))
        {
          struct icalrecurrencetype rule = icalproperty_get_rrule (rrule);

          if (++n_recurring > MAX_RECURRING_OBSERVANCES || !is_plain_yearly_rule (&rule))
            {
              *out_reason = "its rules are not plain yearly rules";
              return FALSE;
            }
          steps += MAX (0, year - icalproperty_get_dtstart (dtstart).year + 1);
          if (steps > MAX_EXPANSION_STEPS)
            {
              *out_reason = "its rules start too long before the event";
              return FALSE;
            }
        }
      n_dates += icalcomponent_count_properties (observance, ICAL_RDATE_PROPERTY);
      if (n_dates > MAX_OBSERVANCE_DATES)
        {
          *out_reason = "it has too many observance dates";
          return FALSE;
        }
    }

  if (n_observances == 0)
    {
      *out_reason = "it has no STANDARD or DAYLIGHT observance";
      return FALSE;
    }
  return TRUE;
}

/*
 * RFC 5545 §3.2.19: a TZID refers to a VTIMEZONE of the same iCalendar object; a TZID that
 * starts with a solidus is a globally unique identifier, which Evolution, Lightning and Citadel
 * form as "/vendor/version/Region/City".
 */
static GTimeZone *
lookup_tzid_name (const char *tzid)
{
  GTimeZone *zone = cnv_time_zone_lookup (tzid);

  for (const char *slash = tzid; zone == NULL && tzid[0] == '/' && slash != NULL;
       slash = strchr (slash + 1, '/'))
    {
      if (slash[1] != '\0')
        zone = cnv_time_zone_lookup (slash + 1);
    }
  return zone;
}

/*
 * RFC 5545 §3.2.19: a TZID refers to a VTIMEZONE of the same iCalendar object, which defines the
 * zone. Without a usable one, the TZID is taken by its name. *@out_iana is the IANA zone the name
 * stands for, whichever defined the offsets (%NULL when the name is no known zone).
 */
gboolean
cnv_ical_resolve_tzid (icalcomponent  *calendar,
                       const char     *tzid,
                       int             year,
                       GPtrArray      *warnings,
                       CnvIcalZone    *out_zone,
                       char          **out_iana,
                       GError        **error)
{
  icaltimezone *defined = icalcomponent_get_timezone (calendar, tzid);
  g_autoptr(GTimeZone) named = lookup_tzid_name (tzid);

  *out_iana = cnv_ical_zone_name (named);

  if (defined != NULL)
    {
      const char *reason = NULL;

      if (is_usable_vtimezone (icaltimezone_get_component (defined), year, &reason))
        {
          out_zone->ical = cache_zone (defined);
          return TRUE;
        }
      {
        g_autofree char *shown = cnv_ical_show_value (tzid);
        g_autofree char *warning = g_strdup_printf ("The calendar’s definition of the time zone "
                                                    "“%s” cannot be used (%s); the zone is taken "
                                                    "by its name.", shown, reason);

        /* DTSTART and DTEND usually share their TZID: one warning is enough. */
        if (warnings != NULL &&
            !g_ptr_array_find_with_equal_func (warnings, warning, g_str_equal, NULL))
          g_ptr_array_add (warnings, g_steal_pointer (&warning));
      }
    }

  if (named != NULL)
    {
      out_zone->tz = g_steal_pointer (&named);
      return TRUE;
    }

  {
    g_autofree char *shown = cnv_ical_show_value (tzid);

    g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE,
                 "The time zone “%s” is not defined in the calendar and is neither an IANA nor a "
                 "Windows zone name", shown);
    return FALSE;
  }
}
