/* cnv-body-times.c — the predetermined in-body lines (Start:, End:, Duration:), time zones by name
 *
 * A request written by hand in any mail client may carry its times as lines of its text/plain
 * body (the seed's "predetermined format"):
 *
 *   Start: 2026-12-01 14:00 Europe/Paris
 *   End: 15:30
 *   Duration: 45m
 *
 * This file reads them with GLib alone (GTimeZone, GDateTime). It also holds what both readers of
 * temporal information share: the time zone look-up by name (UTC, IANA, Windows, numeric offsets),
 * durations, and the conversion of a local time to UTC with RFC 5545's rules for the hours that a
 * daylight saving change skips or repeats.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-ical"

#include "config.h"

#include <string.h>

#include "cnv-ical.h"
#include "cnv-text.h"

#define SECONDS_PER_DAY (24 * 60 * 60)
/* g_date_get_julian() of 1970-01-01: GDate's day 1 is 0001-01-01. */
#define UNIX_EPOCH_JULIAN 719163
#define MIN_YEAR 1970
#define MAX_YEAR 9999
/* ISO 8601 allows ±14:00 in practice; ±18:00 is the widest that any standard writes. */
#define MAX_OFFSET (18 * 60 * 60)
#define MAX_DURATION (31 * G_TIME_SPAN_DAY)
/* No date, time, zone or duration is longer; a longer value is prose, not a time. */
#define MAX_VALUE_LENGTH 200
#define MAX_ZONE_NAME_LENGTH 128

/* RFC 5545 §3.3.5 ------------------------------------------------------------------------------ */

/**
 * cnv_local_time_to_utc:
 * @year: 1970 to 9999
 * @month: 1 to 12
 * @day: a day of @month
 * @hour: 0 to 23
 * @minute: 0 to 59
 * @second: 0 to 60 (a leap second counts as the first second of the next minute)
 * @offset_at: (nullable): the zone the local time is in; %NULL for UTC
 * @user_data: data for @offset_at
 * @out_instant: (out): the instant, in seconds since the Unix epoch
 *
 * Converts a local time to UTC. RFC 5545 §3.3.5 says what a local time means where the zone's
 * offset changes: a time that occurs twice (the hour repeated when daylight saving time ends)
 * is its first occurrence, and a time that does not occur (the hour skipped when it begins) is
 * read with the offset in force before the gap, so 02:30 on a day the clocks go from 02:00 to
 * 03:00 is 03:30. Neither GLib nor libical 3.0 does that (GLib moves a skipped time to the end of
 * the gap and takes the second occurrence of a repeated one), hence this function.
 *
 * It assumes that the zone changes its offset at most once within a day of the time asked, which
 * holds for every zone of the tz database.
 *
 * Returns: %FALSE when a field is out of range (a day that the month lacks, a year before 1970…)
 */
gboolean
cnv_local_time_to_utc (int               year,
                       int               month,
                       int               day,
                       int               hour,
                       int               minute,
                       int               second,
                       CnvUtcOffsetFunc  offset_at,
                       gpointer          user_data,
                       gint64           *out_instant)
{
  GDate date;
  gint64 local;
  gint32 before;
  gint32 after;
  gint64 first;
  gint64 second_candidate;
  gboolean first_ok;
  gboolean second_ok;

  g_return_val_if_fail (out_instant != NULL, FALSE);

  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || day > 31)
    return FALSE;
  if (!g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
    return FALSE;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60)
    return FALSE;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
  local = ((gint64) g_date_get_julian (&date) - UNIX_EPOCH_JULIAN) * SECONDS_PER_DAY
          + hour * 3600 + minute * 60 + second;

  if (offset_at == NULL)
    {
      *out_instant = local;
      return TRUE;
    }

  /* The offsets in force a day before and a day after: the same one, or the two on either side
   * of the change near @local. Each gives a candidate that is right if the zone agrees. */
  before = offset_at (local - SECONDS_PER_DAY, user_data);
  after = offset_at (local + SECONDS_PER_DAY, user_data);
  first = local - before;
  second_candidate = local - after;
  first_ok = offset_at (first, user_data) == before;
  second_ok = offset_at (second_candidate, user_data) == after;

  if (first_ok && second_ok)
    *out_instant = MIN (first, second_candidate);
  else if (second_ok)
    *out_instant = second_candidate;
  else
    *out_instant = first;

  return TRUE;
}

static gint32
time_zone_offset_at (gint64   instant,
                     gpointer user_data)
{
  GTimeZone *zone = user_data;
  int interval = g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL, instant);

  return g_time_zone_get_offset (zone, interval);
}

/* Time zones by name -------------------------------------------------------------------------- */

/* "+01:00", "+0100", "+01", "-5", "+5:30": seconds east of UTC. */
static gboolean
parse_offset (const char *text,
              gint32     *out_seconds)
{
  const char *p = text;
  int sign;
  int hours = 0;
  int minutes = 0;
  int n = 0;

  if (*p != '+' && *p != '-')
    return FALSE;
  sign = *p == '-' ? -1 : 1;
  p++;

  while (g_ascii_isdigit (*p) && n < 4)
    {
      hours = hours * 10 + (*p - '0');
      p++;
      n++;
    }
  if (n == 0 || g_ascii_isdigit (*p))
    return FALSE;
  if (n == 3)
    return FALSE;
  if (n == 4)
    {
      minutes = hours % 100;
      hours /= 100;
    }
  else if (*p == ':')
    {
      p++;
      if (!g_ascii_isdigit (p[0]) || !g_ascii_isdigit (p[1]))
        return FALSE;
      minutes = (p[0] - '0') * 10 + (p[1] - '0');
      p += 2;
    }
  if (*p != '\0' || minutes > 59 || hours * 3600 + minutes * 60 > MAX_OFFSET)
    return FALSE;

  *out_seconds = sign * (hours * 3600 + minutes * 60);
  return TRUE;
}

/*
 * An IANA identifier as the tz database spells them ("America/Port-au-Prince", "Etc/GMT+5"): no
 * dots, so no path can climb out of the zoneinfo directory, and no leading slash, so no other file
 * is read (g_time_zone_new_identifier() opens absolute paths as they are).
 */
static gboolean
is_iana_identifier (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > MAX_ZONE_NAME_LENGTH || name[0] == '/' || name[len - 1] == '/')
    return FALSE;
  if (!g_ascii_isalpha (name[0]))
    return FALSE;
  for (const char *p = name; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("_+-/", *p) == NULL)
        return FALSE;
      if (*p == '/' && p[1] == '/')
        return FALSE;
    }
  /* Files of the zoneinfo directory that are not zones a sender could mean. */
  if (strcmp (name, "localtime") == 0 || strcmp (name, "posixrules") == 0 ||
      strcmp (name, "Factory") == 0)
    return FALSE;
  return TRUE;
}

/*
 * GLib forgets a zone when its last reference goes, so every lookup would read and parse the
 * zone's file again (a fifth of the time spent on a request). Zones found are kept here for the
 * life of the process: the tz database has about 600 names, and only names found are kept.
 */
static GMutex iana_lock;
static GHashTable *iana_cache;   /* name → GTimeZone */

static GTimeZone *
lookup_iana (const char *name)
{
  g_autofree char *path = NULL;
  const char *tzdir;
  GTimeZone *zone;

  if (!is_iana_identifier (name))
    return NULL;

  g_mutex_lock (&iana_lock);
  zone = iana_cache != NULL ? g_hash_table_lookup (iana_cache, name) : NULL;
  if (zone != NULL)
    g_time_zone_ref (zone);
  g_mutex_unlock (&iana_lock);
  if (zone != NULL)
    return zone;

  /* g_time_zone_new_identifier() would also read a POSIX TZ string such as "ABC+5" as a zone;
   * only the tz database's names are zones here, as GLib finds them (TZDIR, then the default). */
  tzdir = g_getenv ("TZDIR");
  if (tzdir == NULL || *tzdir == '\0')
    tzdir = "/usr/share/zoneinfo";
  path = g_build_filename (tzdir, name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;

  /* GLib 2.74: %NULL when the file is not a zone. */
  zone = g_time_zone_new_identifier (name);
  if (zone == NULL)
    return NULL;

  g_mutex_lock (&iana_lock);
  if (iana_cache == NULL)
    iana_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_time_zone_unref);
  if (!g_hash_table_contains (iana_cache, name))
    g_hash_table_insert (iana_cache, g_strdup (name), g_time_zone_ref (zone));
  g_mutex_unlock (&iana_lock);

  return zone;
}

/**
 * cnv_time_zone_lookup:
 * @name: a zone: "UTC" (also "Z", "GMT", "UT"), an IANA name ("Europe/Paris"), a Windows name
 *   ("Romance Standard Time"), or a numeric offset ("+01:00", "+0100", "-05", also after "UTC" or
 *   "GMT" as people write it: "UTC+1" is one hour east)
 *
 * IANA names are case-sensitive, as in the tz database; Windows names are not.
 *
 * Returns: (transfer full) (nullable): the zone, or %NULL when @name is none of these
 */
GTimeZone *
cnv_time_zone_lookup (const char *name)
{
  g_autofree char *trimmed = NULL;
  const char *windows;
  gint32 offset;

  g_return_val_if_fail (name != NULL, NULL);

  trimmed = g_strstrip (g_strdup (name));
  if (*trimmed == '\0' || strlen (trimmed) > MAX_ZONE_NAME_LENGTH)
    return NULL;

  if (g_ascii_strcasecmp (trimmed, "UTC") == 0 || g_ascii_strcasecmp (trimmed, "Z") == 0 ||
      g_ascii_strcasecmp (trimmed, "GMT") == 0 || g_ascii_strcasecmp (trimmed, "UT") == 0)
    return g_time_zone_new_utc ();

  if (parse_offset (trimmed, &offset))
    return g_time_zone_new_offset (offset);
  if ((g_ascii_strncasecmp (trimmed, "UTC", 3) == 0 || g_ascii_strncasecmp (trimmed, "GMT", 3) == 0) &&
      parse_offset (trimmed + 3, &offset))
    return g_time_zone_new_offset (offset);

  {
    GTimeZone *zone = lookup_iana (trimmed);

    if (zone != NULL)
      return zone;
  }

  windows = cnv_windows_zone_to_iana (trimmed);
  if (windows != NULL)
    return lookup_iana (windows);

  return NULL;
}

/* Durations ----------------------------------------------------------------------------------- */

/* Up to 9 digits: no overflow, whatever the unit. */
static gboolean
read_number (const char **p,
             gint64      *out)
{
  gint64 value = 0;
  int n = 0;

  while (g_ascii_isdigit (**p))
    {
      if (++n > 9)
        return FALSE;
      value = value * 10 + (**p - '0');
      (*p)++;
    }
  *out = value;
  return n > 0;
}

/* RFC 5545 §3.3.6 (ISO 8601): P[nW][nD][T[nH][nM][nS]]; years and months have no fixed length. */
static gboolean
parse_iso8601_duration (const char *text,
                        gint64     *out_seconds)
{
  static const struct
  {
    char unit;
    gboolean in_time;
    gint64 seconds;
  } units[] = {
    { 'W', FALSE, 7 * SECONDS_PER_DAY },
    { 'D', FALSE, SECONDS_PER_DAY },
    { 'H', TRUE, 3600 },
    { 'M', TRUE, 60 },
    { 'S', TRUE, 1 },
  };
  const char *p = text + 1;
  gboolean in_time = FALSE;
  gboolean any = FALSE;
  guint next = 0;
  gint64 total = 0;

  while (*p != '\0')
    {
      gint64 value;
      char unit;
      guint i;

      if (g_ascii_toupper (*p) == 'T')
        {
          if (in_time)
            return FALSE;
          in_time = TRUE;
          p++;
          if (*p == '\0')
            return FALSE;
          continue;
        }
      if (!read_number (&p, &value))
        return FALSE;
      unit = g_ascii_toupper (*p);
      for (i = next; i < G_N_ELEMENTS (units); i++)
        if (units[i].unit == unit && units[i].in_time == in_time)
          break;
      if (i == G_N_ELEMENTS (units))
        return FALSE;
      total += value * units[i].seconds;
      next = i + 1;
      any = TRUE;
      p++;
    }

  *out_seconds = total;
  return any;
}

/* "45m", "1h", "1h30m", "1h 30m", "1h30", "90 min", "2 hours", "1 day", "1:30". */
static gboolean
parse_human_duration (const char *text,
                      gint64     *out_seconds)
{
  static const struct
  {
    const char *name;
    gint64 seconds;
    int rank;
  } units[] = {
    /* Longest spelling first: "min" must not match as "m" followed by "in". */
    { "days", SECONDS_PER_DAY, 0 }, { "day", SECONDS_PER_DAY, 0 }, { "d", SECONDS_PER_DAY, 0 },
    { "hours", 3600, 1 }, { "hour", 3600, 1 }, { "hrs", 3600, 1 }, { "hr", 3600, 1 }, { "h", 3600, 1 },
    { "minutes", 60, 2 }, { "minute", 60, 2 }, { "mins", 60, 2 }, { "min", 60, 2 }, { "m", 60, 2 },
    { "seconds", 1, 3 }, { "second", 1, 3 }, { "secs", 1, 3 }, { "sec", 1, 3 }, { "s", 1, 3 },
  };
  const char *p = text;
  gint64 total = 0;
  int last_rank = -1;

  /* H:MM */
  {
    const char *q = text;
    gint64 hours;
    gint64 minutes;

    if (read_number (&q, &hours) && *q == ':' && g_ascii_isdigit (q[1]) &&
        g_ascii_isdigit (q[2]) && q[3] == '\0')
      {
        q++;
        if (!read_number (&q, &minutes) || minutes > 59)
          return FALSE;
        *out_seconds = hours * 3600 + minutes * 60;
        return TRUE;
      }
  }

  while (*p != '\0')
    {
      gint64 value;
      gsize len;
      guint i;

      if (!read_number (&p, &value))
        return FALSE;
      while (*p == ' ' || *p == '\t')
        p++;

      /* "1h30": a bare number after hours is minutes. */
      if (*p == '\0')
        {
          if (last_rank != 1)
            return FALSE;
          total += value * 60;
          break;
        }

      for (i = 0; i < G_N_ELEMENTS (units); i++)
        {
          len = strlen (units[i].name);
          if (g_ascii_strncasecmp (p, units[i].name, len) == 0 && !g_ascii_isalpha (p[len]))
            break;
        }
      if (i == G_N_ELEMENTS (units) || units[i].rank <= last_rank)
        return FALSE;

      total += value * units[i].seconds;
      last_rank = units[i].rank;
      p += strlen (units[i].name);
      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
    }

  *out_seconds = total;
  return last_rank >= 0;
}

/**
 * cnv_duration_parse:
 * @text: a duration as people write it ("45m", "1h", "1h30m", "1h 30m", "90 min", "2 hours",
 *   "1:30") or in ISO 8601 / RFC 5545 §3.3.6 form ("PT1H30M", "P1D", "P1W")
 * @out_span: (out): the duration
 *
 * Returns: %FALSE for anything else, and for durations that are zero, negative or longer than
 *   31 days (no session lasts that long)
 */
gboolean
cnv_duration_parse (const char *text,
                    GTimeSpan  *out_span)
{
  g_autofree char *trimmed = NULL;
  gint64 seconds = 0;
  gboolean ok;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_span != NULL, FALSE);

  trimmed = g_strstrip (g_strndup (text, MAX_VALUE_LENGTH + 1));
  if (*trimmed == '\0' || strlen (trimmed) > MAX_VALUE_LENGTH)
    return FALSE;

  if (g_ascii_toupper (trimmed[0]) == 'P')
    ok = parse_iso8601_duration (trimmed, &seconds);
  else
    ok = parse_human_duration (trimmed, &seconds);

  if (!ok || seconds <= 0 || seconds * G_TIME_SPAN_SECOND > MAX_DURATION)
    return FALSE;

  *out_span = seconds * G_TIME_SPAN_SECOND;
  return TRUE;
}

/* The in-body lines --------------------------------------------------------------------------- */

typedef enum
{
  KEY_START,
  KEY_END,
  KEY_DURATION,
  N_KEYS
} BodyKey;

static const struct
{
  const char *name;
  BodyKey key;
} body_keys[] = {
  /* Only the predetermined words (E405): "Begin:" would catch a pasted BEGIN:VEVENT line and
   * "When:" Outlook's free-text summary of a forwarded meeting, and make either an error. */
  { "start", KEY_START },
  { "end", KEY_END },
  { "duration", KEY_DURATION },
};

static const char * const key_names[N_KEYS] = { "Start", "End", "Duration" };

typedef struct
{
  const char *value;
  gsize len;
  gboolean repeated;
} BodyLine;

/* A date and/or a time of day as written, with the zone written after it, if any. */
typedef struct
{
  gboolean has_date;
  int year;
  int month;
  int day;
  gboolean has_time;
  int hour;
  int minute;
  int second;
  GTimeZone *zone;
} BodyTime;

static void
body_time_clear (BodyTime *time)
{
  g_clear_pointer (&time->zone, g_time_zone_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BodyTime, body_time_clear)

static gsize
count_digits (const char *p)
{
  gsize n = 0;

  while (g_ascii_isdigit (p[n]))
    n++;
  return n;
}

/* YYYY-MM-DD or YYYYMMDD. */
static gboolean
parse_date (const char **p,
            BodyTime    *out)
{
  const char *q = *p;
  gsize n = count_digits (q);

  if (n == 8)
    {
      if (!cnv_text_read_digits (&q, 4, &out->year) || !cnv_text_read_digits (&q, 2, &out->month) ||
          !cnv_text_read_digits (&q, 2, &out->day))
        return FALSE;
    }
  else if (n == 4 && q[4] == '-')
    {
      cnv_text_read_digits (&q, 4, &out->year);
      q++;
      if (!cnv_text_read_digits (&q, 2, &out->month) || *q != '-')
        return FALSE;
      q++;
      if (!cnv_text_read_digits (&q, 2, &out->day) || g_ascii_isdigit (*q))
        return FALSE;
    }
  else
    return FALSE;

  out->has_date = TRUE;
  *p = q;
  return TRUE;
}

/* H:MM, HH:MM[:SS] (also HHMM[SS] right after a "T"), a fraction of a second, "am"/"pm". */
static gboolean
parse_time (const char **p,
            gboolean     after_t,
            BodyTime    *out)
{
  const char *q = *p;
  gsize n = count_digits (q);

  out->second = 0;
  if ((n == 1 || n == 2) && q[n] == ':')
    {
      cnv_text_read_digits (&q, (int) n, &out->hour);
      q++;
      if (!cnv_text_read_digits (&q, 2, &out->minute))
        return FALSE;
      if (*q == ':')
        {
          q++;
          if (!cnv_text_read_digits (&q, 2, &out->second))
            return FALSE;
        }
    }
  else if (after_t && (n == 4 || n == 6))
    {
      cnv_text_read_digits (&q, 2, &out->hour);
      cnv_text_read_digits (&q, 2, &out->minute);
      if (n == 6)
        cnv_text_read_digits (&q, 2, &out->second);
    }
  else
    return FALSE;

  if (g_ascii_isdigit (*q))
    return FALSE;
  if ((*q == '.' || *q == ',') && g_ascii_isdigit (q[1]))
    {
      q++;
      while (g_ascii_isdigit (*q))
        q++;
    }

  {
    const char *r = q;
    gboolean pm;

    while (*r == ' ')
      r++;
    if ((g_ascii_strncasecmp (r, "am", 2) == 0 || g_ascii_strncasecmp (r, "pm", 2) == 0) &&
        !g_ascii_isalnum (r[2]))
      {
        pm = g_ascii_tolower (r[0]) == 'p';
        if (out->hour < 1 || out->hour > 12)
          return FALSE;
        out->hour = out->hour % 12 + (pm ? 12 : 0);
        q = r + 2;
      }
  }

  out->has_time = TRUE;
  *p = q;
  return TRUE;
}

/* What follows the time: nothing, "Z", an offset, or a zone name (perhaps in parentheses,
 * perhaps followed by words: "Europe/Paris (Paris time)"). */
static gboolean
parse_zone (const char  *text,
            BodyTime    *out,
            GError     **error)
{
  g_autofree char *rest = g_strstrip (g_strdup (text));
  gsize len = strlen (rest);

  if (len == 0)
    return TRUE;

  out->zone = cnv_time_zone_lookup (rest);
  if (out->zone == NULL && len >= 2 && rest[0] == '(' && rest[len - 1] == ')')
    {
      g_autofree char *inner = g_strndup (rest + 1, len - 2);

      out->zone = cnv_time_zone_lookup (inner);
    }
  if (out->zone == NULL)
    {
      gsize token = strcspn (rest, " \t");
      g_autofree char *first = g_strndup (rest, token);

      out->zone = cnv_time_zone_lookup (first);
    }
  if (out->zone == NULL)
    {
      g_autofree char *shown = cnv_text_show (rest);

      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_UNKNOWN_ZONE,
                   "“%s” is not a time zone (an IANA name such as Europe/Paris, a Windows zone "
                   "name, UTC or an offset such as +01:00)", shown);
      return FALSE;
    }
  return TRUE;
}

/*
 * A Start or End value: a date, optionally a time, optionally a zone; with @time_only_ok, also a
 * time alone (End: 15:30). Fails with %CNV_ICAL_ERROR_INVALID_TIME or _UNKNOWN_ZONE.
 */
static gboolean
parse_body_time (const char  *value,
                 const char  *what,
                 gboolean     time_only_ok,
                 BodyTime    *out,
                 GError     **error)
{
  const char *p = value;

  if (parse_date (&p, out))
    {
      if (*p == 'T' || *p == 't')
        {
          p++;
          if (!parse_time (&p, TRUE, out))
            goto invalid;
        }
      else if (*p == ' ' || *p == '\t')
        {
          const char *q = p;

          while (*q == ' ' || *q == '\t')
            q++;
          if (g_ascii_isdigit (*q))
            {
              if (!parse_time (&q, FALSE, out))
                goto invalid;
              p = q;
            }
        }
      else if (*p != '\0' && *p != 'Z' && *p != 'z' && *p != '+' && *p != '-')
        goto invalid;
    }
  else if (time_only_ok && parse_time (&p, FALSE, out))
    ;
  else
    goto invalid;

  /* A zone without a time of day means nothing. */
  if (!out->has_time && *p != '\0')
    {
      const char *q = p;

      while (*q == ' ' || *q == '\t')
        q++;
      if (*q != '\0')
        goto invalid;
    }

  return parse_zone (p, out, error);

invalid:
  {
    g_autofree char *shown = cnv_text_show (value);

    g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                 time_only_ok
                 ? "The %s “%s” is neither a date and time (2026-12-01 14:00 Europe/Paris) nor a time (15:30)"
                 : "The %s “%s” is not a date and time (2026-12-01 14:00 Europe/Paris)",
                 what, shown);
    return FALSE;
  }
}

static gboolean
resolve (int          year,
         int          month,
         int          day,
         int          hour,
         int          minute,
         int          second,
         GTimeZone   *zone,
         const char  *what,
         const char  *value,
         gint64      *out_instant,
         GError     **error)
{
  if (cnv_local_time_to_utc (year, month, day, hour, minute, second,
                             time_zone_offset_at, zone, out_instant))
    return TRUE;

  {
    g_autofree char *shown = cnv_text_show (value);

    g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                 "The %s “%s” is not a valid date and time (years 1970 to 9999)", what, shown);
    return FALSE;
  }
}

/* Moves a date by @days on the calendar; leaves an invalid date as it is (resolve() refuses it). */
static void
add_days (int *year,
          int *month,
          int *day,
          int  days)
{
  GDate date;

  if (*year < 1 || *year > MAX_YEAR || *month < 1 || *month > 12 || *day < 1 || *day > 31 ||
      !g_date_valid_dmy ((GDateDay) *day, (GDateMonth) *month, (GDateYear) *year))
    return;
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) *day, (GDateMonth) *month, (GDateYear) *year);
  g_date_add_days (&date, days);
  *year = g_date_get_year (&date);
  *month = g_date_get_month (&date);
  *day = g_date_get_day (&date);
}

/* "END:VEVENT" and its kin: a calendar pasted into the body as text (RFC 5545 §3.6), whose END
 * lines are not the predetermined End line. */
static gboolean
is_ical_component_end (const char *value,
                       const char *end)
{
  static const char * const components[] = {
    "VCALENDAR", "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE", "VALARM", "STANDARD",
    "DAYLIGHT", "VAVAILABILITY", "AVAILABLE",
  };
  gsize len = end - value;

  while (len > 0 && (value[len - 1] == '\r' || value[len - 1] == ' ' || value[len - 1] == '\t'))
    len--;
  for (guint i = 0; i < G_N_ELEMENTS (components); i++)
    if (len == strlen (components[i]) && g_ascii_strncasecmp (value, components[i], len) == 0)
      return TRUE;
  return FALSE;
}

/* "Start", "END", "duration"… then optional blanks and a colon. */
static gboolean
match_key (const char  *p,
           const char  *end,
           BodyKey     *out_key,
           const char **out_value)
{
  for (guint i = 0; i < G_N_ELEMENTS (body_keys); i++)
    {
      gsize len = strlen (body_keys[i].name);
      const char *q;

      if ((gsize) (end - p) <= len || g_ascii_strncasecmp (p, body_keys[i].name, len) != 0)
        continue;
      q = p + len;
      while (q < end && (*q == ' ' || *q == '\t'))
        q++;
      if (q < end && *q == ':')
        {
          if (is_ical_component_end (q + 1, end))
            return FALSE;
          *out_key = body_keys[i].key;
          *out_value = q + 1;
          return TRUE;
        }
    }
  return FALSE;
}

/* Where the author's own text ends: a signature (RFC 3676 §4.3 "-- ") or Outlook's quote header. */
static gboolean
is_end_of_text (const char *line,
                gsize       len)
{
  if ((len == 3 && memcmp (line, "-- ", 3) == 0) || (len == 2 && memcmp (line, "--", 2) == 0))
    return TRUE;
  while (len > 0 && (*line == ' ' || *line == '\t'))
    {
      line++;
      len--;
    }
  return len >= 26 && g_ascii_strncasecmp (line, "-----Original Message-----", 26) == 0;
}

/* Outlook's reply separator: a line of underscores, then the quoted mail's "From:" (in the
 * sender's language: "Von:", "De :"…). What follows is someone else's text, unmarked by ">". */
static gboolean
is_outlook_separator (const char *line,
                      const char *line_end,
                      const char *rest,
                      const char *end)
{
  const char *p;
  gsize n = 0;

  for (p = line; p < line_end && (*p == '_' || *p == ' ' || *p == '\t' || *p == '\r'); p++)
    if (*p == '_')
      n++;
  if (p < line_end || n < 20)
    return FALSE;

  /* The next line that is not blank: a header-like "Word:" or "Word :" that is not a key. */
  while (rest < end && (*rest == '\r' || *rest == '\n' || *rest == ' ' || *rest == '\t'))
    rest++;
  for (p = rest; p < end && p - rest < 32 && g_ascii_isalpha (*p); p++)
    ;
  while (p < end && *p == ' ')
    p++;
  if (p == rest || p >= end || *p != ':')
    return FALSE;
  {
    BodyKey key;
    const char *value;

    return !match_key (rest, end, &key, &value);
  }
}

static void
scan_lines (const char *text,
            gsize       len,
            BodyLine    lines[N_KEYS])
{
  const char *p = text;
  const char *end = text + len;

  while (p < end)
    {
      const char *newline = memchr (p, '\n', end - p);
      const char *line_end = newline != NULL ? newline : end;
      const char *q = p;
      const char *value;
      BodyKey key;

      if (line_end > p && line_end[-1] == '\r')
        line_end--;

      if (is_end_of_text (p, line_end - p) ||
          is_outlook_separator (p, line_end, newline != NULL ? newline + 1 : end, end))
        break;

      while (q < line_end && (*q == ' ' || *q == '\t'))
        q++;
      /* Quoted replies ('>') are someone else's words. */
      if (q < line_end && *q != '>' && match_key (q, line_end, &key, &value))
        {
          while (value < line_end && (*value == ' ' || *value == '\t'))
            value++;
          if (lines[key].value == NULL)
            {
              lines[key].value = value;
              lines[key].len = line_end - value;
            }
          else if ((gsize) (line_end - value) != lines[key].len ||
                   memcmp (value, lines[key].value, lines[key].len) != 0)
            lines[key].repeated = TRUE;
        }

      p = newline != NULL ? newline + 1 : end;
    }
}

/* A line's value as a string; %NULL with INVALID_TIME when it cannot be a time. */
static char *
take_value (const BodyLine  *line,
            const char      *what,
            GError         **error)
{
  g_autofree char *value = NULL;

  if (line->len > MAX_VALUE_LENGTH || memchr (line->value, '\0', line->len) != NULL)
    {
      g_autofree char *shown = g_strndup (line->value, MIN (line->len, 4 * CNV_TEXT_MAX_SHOWN));
      g_autofree char *clean = cnv_text_show (shown);

      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                   "The %s line “%s…” is not a date and time", what, clean);
      return NULL;
    }
  value = g_strndup (line->value, line->len);
  return g_strstrip (g_steal_pointer (&value));
}

/**
 * cnv_body_times_read:
 * @text: a text/plain body, UTF-8, LF or CRLF line ends, not necessarily nul-terminated
 * @len: its length in bytes
 * @zone: (nullable): the zone of times written without one (the manager's); %NULL for UTC
 * @default_duration: the length of a session whose end is not given; 0 leaves @end %NULL then
 * @warnings: (nullable) (element-type utf8): where to add a sentence for each approximation
 * @error: return location for a #CNV_ICAL_ERROR
 *
 * Reads the seed's predetermined lines. Each is a line of the author's text that starts (after
 * blanks, in any case) with a key and a colon: `Start:` (also `Begin:` and `When:`), `End:`,
 * `Duration:`. Quoted lines (`>`) are skipped, and reading stops where the author's text ends: a
 * signature separator (`-- `), Outlook's `-----Original Message-----` line, or its line of
 * underscores before the quoted mail's `From:`. The first line of each key is used.
 *
 * - Start: `2026-12-01 14:00`, `2026-12-01 14:00:30`, `2026-12-01T14:00`, `20261201T1400`,
 *   `2:00 pm`, followed by nothing (@zone), `Z`, `UTC`, an offset (`+01:00`, `+0100`, `-05`),
 *   an IANA name or a Windows zone name. A date alone (`2026-12-01`) is an all-day event: it
 *   starts at midnight in @zone.
 * - End: the same forms, or a time alone (`15:30`): on the start's date, in the start's zone, and
 *   on the next day (with a warning) when that is not after the start. An End without a zone is
 *   in the start's zone. A date alone is the last day: the event ends at the following midnight.
 * - Duration: what cnv_duration_parse() reads. When both End and Duration are given, End wins
 *   (with a warning).
 *
 * A local time that a daylight saving change skips or repeats is read as RFC 5545 §3.3.5 says
 * (see cnv_local_time_to_utc()). The time is read in linear time, without copying @text.
 *
 * Returns: (transfer full) (nullable): an event with only @start, @end and @all_day set (UTC);
 *   %NULL without @error when the body has no such line (no temporal information is fine);
 *   %NULL with @error when a line cannot be used: %CNV_ICAL_ERROR_NO_START (an End or Duration
 *   without Start), %CNV_ICAL_ERROR_INVALID_TIME, %CNV_ICAL_ERROR_UNKNOWN_ZONE,
 *   %CNV_ICAL_ERROR_END_BEFORE_START
 */
CnvEvent *
cnv_body_times_read (const char  *text,
                     gsize        len,
                     GTimeZone   *zone,
                     GTimeSpan    default_duration,
                     GPtrArray   *warnings,
                     GError     **error)
{
  BodyLine lines[N_KEYS] = { { NULL, 0, FALSE }, };
  g_autoptr(GTimeZone) utc = NULL;
  g_auto(BodyTime) start = { 0, };
  g_autofree char *start_value = NULL;
  g_autoptr(CnvEvent) event = NULL;
  GTimeZone *start_zone;
  gint64 start_instant;
  gint64 end_instant = 0;
  gboolean has_end = FALSE;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (default_duration >= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  scan_lines (text, len, lines);
  if (lines[KEY_START].value == NULL && lines[KEY_END].value == NULL &&
      lines[KEY_DURATION].value == NULL)
    return NULL;

  if (lines[KEY_START].value == NULL)
    {
      g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_NO_START,
                   "The message gives an %s but no Start",
                   lines[KEY_END].value != NULL ? "End" : "Duration");
      return NULL;
    }
  for (guint i = 0; i < N_KEYS; i++)
    if (lines[i].repeated)
      cnv_warn (warnings, "The message has several %s lines; the first is used.", key_names[i]);

  if (zone == NULL)
    zone = utc = g_time_zone_new_utc ();

  start_value = take_value (&lines[KEY_START], "start", error);
  if (start_value == NULL || !parse_body_time (start_value, "start", FALSE, &start, error))
    return NULL;
  start_zone = start.zone != NULL ? start.zone : zone;
  if (!resolve (start.year, start.month, start.day, start.hour, start.minute, start.second,
                start_zone, "start", start_value, &start_instant, error))
    return NULL;

  event = cnv_event_new ();
  event->all_day = !start.has_time;

  if (lines[KEY_END].value != NULL)
    {
      g_auto(BodyTime) end = { 0, };
      g_autofree char *end_value = take_value (&lines[KEY_END], "end", error);
      GTimeZone *end_zone;

      if (end_value == NULL || !parse_body_time (end_value, "end", TRUE, &end, error))
        return NULL;
      end_zone = end.zone != NULL ? end.zone : start_zone;

      if (!end.has_date)
        {
          /* A time alone: on the start's date, where the start is. */
          end.year = start.year;
          end.month = start.month;
          end.day = start.day;
          if (!resolve (end.year, end.month, end.day, end.hour, end.minute, end.second,
                        end_zone, "end", end_value, &end_instant, error))
            return NULL;
          if (end_instant <= start_instant)
            {
              g_autofree char *shown = cnv_text_show (end_value);

              add_days (&end.year, &end.month, &end.day, 1);
              if (!resolve (end.year, end.month, end.day, end.hour, end.minute, end.second,
                            end_zone, "end", end_value, &end_instant, error))
                return NULL;
              cnv_warn (warnings, "The end %s is not after the start; it is taken as the next day.",
                           shown);
            }
        }
      else
        {
          if (!end.has_time)
            {
              /* The last day, inclusive: as people write "1 to 3 December". */
              add_days (&end.year, &end.month, &end.day, 1);
              end.hour = end.minute = end.second = 0;
            }
          if (!resolve (end.year, end.month, end.day, end.hour, end.minute, end.second,
                        end_zone, "end", end_value, &end_instant, error))
            return NULL;
          if (end_instant <= start_instant)
            {
              g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_END_BEFORE_START,
                                   "The event ends before it starts");
              return NULL;
            }
        }
      has_end = TRUE;

      if (lines[KEY_DURATION].value != NULL)
        cnv_warn (warnings, "The message gives both an End and a Duration; the End is used.");
    }
  else if (lines[KEY_DURATION].value != NULL)
    {
      g_autofree char *duration_value = take_value (&lines[KEY_DURATION], "duration", error);
      GTimeSpan span;

      if (duration_value == NULL)
        return NULL;
      if (!cnv_duration_parse (duration_value, &span))
        {
          g_autofree char *shown = cnv_text_show (duration_value);

          g_set_error (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                       "The duration “%s” is not a duration of up to 31 days (45m, 1h30m, PT1H30M)",
                       shown);
          return NULL;
        }
      end_instant = start_instant + span / G_TIME_SPAN_SECOND;
      has_end = TRUE;
    }
  else if (event->all_day)
    {
      int year = start.year;
      int month = start.month;
      int day = start.day;

      add_days (&year, &month, &day, 1);
      if (!resolve (year, month, day, 0, 0, 0, start_zone, "start", start_value, &end_instant, error))
        return NULL;
      has_end = TRUE;
    }
  else if (default_duration > 0)
    {
      end_instant = start_instant + default_duration / G_TIME_SPAN_SECOND;
      has_end = TRUE;
      cnv_warn (warnings, "The event has no end; the default duration is used.");
    }

  event->start = g_date_time_new_from_unix_utc (start_instant);
  if (has_end)
    event->end = g_date_time_new_from_unix_utc (end_instant);
  if (event->start == NULL || (has_end && event->end == NULL) ||
      (has_end && g_date_time_get_year (event->end) > MAX_YEAR))
    {
      g_set_error_literal (error, CNV_ICAL_ERROR, CNV_ICAL_ERROR_INVALID_TIME,
                           "The event is not within the years 1970 to 9999");
      return NULL;
    }

  return g_steal_pointer (&event);
}
