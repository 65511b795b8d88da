/* cnv-windows-zones.c — Windows time zone names, as Outlook and Exchange write them in TZID
 *
 * Outlook and Exchange name zones by their Windows registry key ("W. Europe Standard Time") in
 * TZID parameters, often with a VTIMEZONE (RFC 5545 §3.2.19) and sometimes without one. The map
 * below is Unicode CLDR's windowsZones.xml, territory "001" (the zone each Windows name stands for),
 * with the IANA names spelled as the tz database's canonical zones (Asia/Kolkata, not the
 * backward link Asia/Calcutta that CLDR keeps), plus a few retired Windows names that old
 * Outlook versions still send.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-ical"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cnv-ical.h"

typedef struct
{
  const char *key;
  const char *value;
} ZoneName;

/* Sorted by g_ascii_strcasecmp() on the Windows name: looked up with bsearch(). */
static const ZoneName windows_zones[] = {
  { "Afghanistan Standard Time",          "Asia/Kabul" },
  { "Alaskan Standard Time",              "America/Anchorage" },
  { "Aleutian Standard Time",             "America/Adak" },
  { "Altai Standard Time",                "Asia/Barnaul" },
  { "Arab Standard Time",                 "Asia/Riyadh" },
  { "Arabian Standard Time",              "Asia/Dubai" },
  { "Arabic Standard Time",               "Asia/Baghdad" },
  { "Argentina Standard Time",            "America/Argentina/Buenos_Aires" },
  { "Armenian Standard Time",             "Asia/Yerevan" },
  { "Astrakhan Standard Time",            "Europe/Astrakhan" },
  { "Atlantic Standard Time",             "America/Halifax" },
  { "AUS Central Standard Time",          "Australia/Darwin" },
  { "Aus Central W. Standard Time",       "Australia/Eucla" },
  { "AUS Eastern Standard Time",          "Australia/Sydney" },
  { "Azerbaijan Standard Time",           "Asia/Baku" },
  { "Azores Standard Time",               "Atlantic/Azores" },
  { "Bahia Standard Time",                "America/Bahia" },
  { "Bangladesh Standard Time",           "Asia/Dhaka" },
  { "Belarus Standard Time",              "Europe/Minsk" },
  { "Bougainville Standard Time",         "Pacific/Bougainville" },
  { "Canada Central Standard Time",       "America/Regina" },
  { "Cape Verde Standard Time",           "Atlantic/Cape_Verde" },
  { "Caucasus Standard Time",             "Asia/Yerevan" },
  { "Cen. Australia Standard Time",       "Australia/Adelaide" },
  { "Central America Standard Time",      "America/Guatemala" },
  { "Central Asia Standard Time",         "Asia/Bishkek" },
  { "Central Brazilian Standard Time",    "America/Cuiaba" },
  { "Central Europe Standard Time",       "Europe/Budapest" },
  { "Central European Standard Time",     "Europe/Warsaw" },
  { "Central Pacific Standard Time",      "Pacific/Guadalcanal" },
  { "Central Standard Time",              "America/Chicago" },
  { "Central Standard Time (Mexico)",     "America/Mexico_City" },
  { "Chatham Islands Standard Time",      "Pacific/Chatham" },
  { "China Standard Time",                "Asia/Shanghai" },
  { "Cuba Standard Time",                 "America/Havana" },
  { "Dateline Standard Time",             "Etc/GMT+12" },
  { "E. Africa Standard Time",            "Africa/Nairobi" },
  { "E. Australia Standard Time",         "Australia/Brisbane" },
  { "E. Europe Standard Time",            "Europe/Chisinau" },
  { "E. South America Standard Time",     "America/Sao_Paulo" },
  { "Easter Island Standard Time",        "Pacific/Easter" },
  { "Eastern Standard Time",              "America/New_York" },
  { "Eastern Standard Time (Mexico)",     "America/Cancun" },
  { "Egypt Standard Time",                "Africa/Cairo" },
  { "Ekaterinburg Standard Time",         "Asia/Yekaterinburg" },
  { "Fiji Standard Time",                 "Pacific/Fiji" },
  { "FLE Standard Time",                  "Europe/Kyiv" },
  { "Georgian Standard Time",             "Asia/Tbilisi" },
  { "GMT Standard Time",                  "Europe/London" },
  { "Greenland Standard Time",            "America/Nuuk" },
  { "Greenwich Standard Time",            "Atlantic/Reykjavik" },
  { "GTB Standard Time",                  "Europe/Bucharest" },
  { "Haiti Standard Time",                "America/Port-au-Prince" },
  { "Hawaiian Standard Time",             "Pacific/Honolulu" },
  { "India Standard Time",                "Asia/Kolkata" },
  { "Iran Standard Time",                 "Asia/Tehran" },
  { "Israel Standard Time",               "Asia/Jerusalem" },
  { "Jordan Standard Time",               "Asia/Amman" },
  { "Kaliningrad Standard Time",          "Europe/Kaliningrad" },
  { "Kamchatka Standard Time",            "Asia/Kamchatka" },
  { "Korea Standard Time",                "Asia/Seoul" },
  { "Libya Standard Time",                "Africa/Tripoli" },
  { "Line Islands Standard Time",         "Pacific/Kiritimati" },
  { "Lord Howe Standard Time",            "Australia/Lord_Howe" },
  { "Magadan Standard Time",              "Asia/Magadan" },
  { "Magallanes Standard Time",           "America/Punta_Arenas" },
  { "Marquesas Standard Time",            "Pacific/Marquesas" },
  { "Mauritius Standard Time",            "Indian/Mauritius" },
  { "Mexico Standard Time",               "America/Mexico_City" },
  { "Mexico Standard Time 2",             "America/Chihuahua" },
  { "Mid-Atlantic Standard Time",         "Etc/GMT+2" },
  { "Middle East Standard Time",          "Asia/Beirut" },
  { "Montevideo Standard Time",           "America/Montevideo" },
  { "Morocco Standard Time",              "Africa/Casablanca" },
  { "Mountain Standard Time",             "America/Denver" },
  { "Mountain Standard Time (Mexico)",    "America/Mazatlan" },
  { "Myanmar Standard Time",              "Asia/Yangon" },
  { "N. Central Asia Standard Time",      "Asia/Novosibirsk" },
  { "Namibia Standard Time",              "Africa/Windhoek" },
  { "Nepal Standard Time",                "Asia/Kathmandu" },
  { "New Zealand Standard Time",          "Pacific/Auckland" },
  { "Newfoundland Standard Time",         "America/St_Johns" },
  { "Norfolk Standard Time",              "Pacific/Norfolk" },
  { "North Asia East Standard Time",      "Asia/Irkutsk" },
  { "North Asia Standard Time",           "Asia/Krasnoyarsk" },
  { "North Korea Standard Time",          "Asia/Pyongyang" },
  { "Omsk Standard Time",                 "Asia/Omsk" },
  { "Pacific SA Standard Time",           "America/Santiago" },
  { "Pacific Standard Time",              "America/Los_Angeles" },
  { "Pacific Standard Time (Mexico)",     "America/Tijuana" },
  { "Pakistan Standard Time",             "Asia/Karachi" },
  { "Paraguay Standard Time",             "America/Asuncion" },
  { "Qyzylorda Standard Time",            "Asia/Qyzylorda" },
  { "Romance Standard Time",              "Europe/Paris" },
  { "Russia Time Zone 10",                "Asia/Srednekolymsk" },
  { "Russia Time Zone 11",                "Asia/Kamchatka" },
  { "Russia Time Zone 3",                 "Europe/Samara" },
  { "Russian Standard Time",              "Europe/Moscow" },
  { "SA Eastern Standard Time",           "America/Cayenne" },
  { "SA Pacific Standard Time",           "America/Bogota" },
  { "SA Western Standard Time",           "America/La_Paz" },
  { "Saint Pierre Standard Time",         "America/Miquelon" },
  { "Sakhalin Standard Time",             "Asia/Sakhalin" },
  { "Samoa Standard Time",                "Pacific/Apia" },
  { "Sao Tome Standard Time",             "Africa/Sao_Tome" },
  { "Saratov Standard Time",              "Europe/Saratov" },
  { "SE Asia Standard Time",              "Asia/Bangkok" },
  { "Singapore Standard Time",            "Asia/Singapore" },
  { "South Africa Standard Time",         "Africa/Johannesburg" },
  { "South Sudan Standard Time",          "Africa/Juba" },
  { "Sri Lanka Standard Time",            "Asia/Colombo" },
  { "Sudan Standard Time",                "Africa/Khartoum" },
  { "Syria Standard Time",                "Asia/Damascus" },
  { "Taipei Standard Time",               "Asia/Taipei" },
  { "Tasmania Standard Time",             "Australia/Hobart" },
  { "Tocantins Standard Time",            "America/Araguaina" },
  { "Tokyo Standard Time",                "Asia/Tokyo" },
  { "Tomsk Standard Time",                "Asia/Tomsk" },
  { "Tonga Standard Time",                "Pacific/Tongatapu" },
  { "Transbaikal Standard Time",          "Asia/Chita" },
  { "Turkey Standard Time",               "Europe/Istanbul" },
  { "Turks And Caicos Standard Time",     "America/Grand_Turk" },
  { "Ulaanbaatar Standard Time",          "Asia/Ulaanbaatar" },
  { "US Eastern Standard Time",           "America/Indiana/Indianapolis" },
  { "US Mountain Standard Time",          "America/Phoenix" },
  { "UTC",                                "Etc/UTC" },
  { "UTC+12",                             "Etc/GMT-12" },
  { "UTC+13",                             "Etc/GMT-13" },
  { "UTC-02",                             "Etc/GMT+2" },
  { "UTC-08",                             "Etc/GMT+8" },
  { "UTC-09",                             "Etc/GMT+9" },
  { "UTC-11",                             "Etc/GMT+11" },
  { "Venezuela Standard Time",            "America/Caracas" },
  { "Vladivostok Standard Time",          "Asia/Vladivostok" },
  { "Volgograd Standard Time",            "Europe/Volgograd" },
  { "W. Australia Standard Time",         "Australia/Perth" },
  { "W. Central Africa Standard Time",    "Africa/Lagos" },
  { "W. Europe Standard Time",            "Europe/Berlin" },
  { "W. Mongolia Standard Time",          "Asia/Hovd" },
  { "West Asia Standard Time",            "Asia/Tashkent" },
  { "West Bank Standard Time",            "Asia/Hebron" },
  { "West Pacific Standard Time",         "Pacific/Port_Moresby" },
  { "Yakutsk Standard Time",              "Asia/Yakutsk" },
  { "Yukon Standard Time",                "America/Whitehorse" },
};

/*
 * Outlook 2003–2010 sometimes wrote the zone's display name instead of its key:
 * "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", or with "GMT" and "/" between the
 * cities in older versions. The common ones, keyed by the text after the parenthesis folded to
 * lower-case words (see fold_display_name()), sorted by strcmp().
 */
static const ZoneName display_names[] = {
  { "abu dhabi muscat",                                 "Arabian Standard Time" },
  { "adelaide",                                         "Cen. Australia Standard Time" },
  { "alaska",                                           "Alaskan Standard Time" },
  { "amsterdam berlin bern rome stockholm vienna",      "W. Europe Standard Time" },
  { "arizona",                                          "US Mountain Standard Time" },
  { "athens bucharest",                                 "GTB Standard Time" },
  { "atlantic time canada",                             "Atlantic Standard Time" },
  { "auckland wellington",                              "New Zealand Standard Time" },
  { "azores",                                           "Azores Standard Time" },
  { "bangkok hanoi jakarta",                            "SE Asia Standard Time" },
  { "beijing chongqing hong kong urumqi",               "China Standard Time" },
  { "belgrade bratislava budapest ljubljana prague",    "Central Europe Standard Time" },
  { "bogota lima quito rio branco",                     "SA Pacific Standard Time" },
  { "brasilia",                                         "E. South America Standard Time" },
  { "brisbane",                                         "E. Australia Standard Time" },
  { "brussels copenhagen madrid paris",                 "Romance Standard Time" },
  { "buenos aires",                                     "Argentina Standard Time" },
  { "cairo",                                            "Egypt Standard Time" },
  { "canberra melbourne sydney",                        "AUS Eastern Standard Time" },
  { "central america",                                  "Central America Standard Time" },
  { "central time us canada",                           "Central Standard Time" },
  { "chennai kolkata mumbai new delhi",                 "India Standard Time" },
  { "city of buenos aires",                             "Argentina Standard Time" },
  { "coordinated universal time",                       "UTC" },
  { "coordinated universal time 11",                    "UTC-11" },
  { "darwin",                                           "AUS Central Standard Time" },
  { "dhaka",                                            "Bangladesh Standard Time" },
  { "dublin edinburgh lisbon london",                   "GMT Standard Time" },
  { "eastern time us canada",                           "Eastern Standard Time" },
  { "fiji",                                             "Fiji Standard Time" },
  { "greenland",                                        "Greenland Standard Time" },
  { "guadalajara mexico city monterrey",                "Central Standard Time (Mexico)" },
  { "harare pretoria",                                  "South Africa Standard Time" },
  { "hawaii",                                           "Hawaiian Standard Time" },
  { "helsinki kiev riga sofia tallinn vilnius",         "FLE Standard Time" },
  { "helsinki kyiv riga sofia tallinn vilnius",         "FLE Standard Time" },
  { "hobart",                                           "Tasmania Standard Time" },
  { "indiana east",                                     "US Eastern Standard Time" },
  { "international date line west",                     "Dateline Standard Time" },
  { "islamabad karachi",                                "Pakistan Standard Time" },
  { "istanbul",                                         "Turkey Standard Time" },
  { "jerusalem",                                        "Israel Standard Time" },
  { "kabul",                                            "Afghanistan Standard Time" },
  { "kathmandu",                                        "Nepal Standard Time" },
  { "kuala lumpur singapore",                           "Singapore Standard Time" },
  { "kuwait riyadh",                                    "Arab Standard Time" },
  { "monrovia reykjavik",                               "Greenwich Standard Time" },
  { "moscow st petersburg",                             "Russian Standard Time" },
  { "moscow st petersburg volgograd",                   "Russian Standard Time" },
  { "mountain time us canada",                          "Mountain Standard Time" },
  { "nairobi",                                          "E. Africa Standard Time" },
  { "newfoundland",                                     "Newfoundland Standard Time" },
  { "osaka sapporo tokyo",                              "Tokyo Standard Time" },
  { "pacific time us canada",                           "Pacific Standard Time" },
  { "perth",                                            "W. Australia Standard Time" },
  { "santiago",                                         "Pacific SA Standard Time" },
  { "sarajevo skopje warsaw zagreb",                    "Central European Standard Time" },
  { "saskatchewan",                                     "Canada Central Standard Time" },
  { "seoul",                                            "Korea Standard Time" },
  { "taipei",                                           "Taipei Standard Time" },
  { "tehran",                                           "Iran Standard Time" },
  { "west central africa",                              "W. Central Africa Standard Time" },
};

static int
compare_windows_name (const void *key,
                      const void *member)
{
  const ZoneName *zone = member;

  return g_ascii_strcasecmp (key, zone->key);
}

static int
compare_display_name (const void *key,
                      const void *member)
{
  const ZoneName *zone = member;

  return strcmp (key, zone->key);
}

/* "(UTC+01:00) Amsterdam, Berlin…" → "amsterdam berlin…"; %NULL when it has no such prefix. */
static char *
fold_display_name (const char *name)
{
  const char *close;
  GString *out;

  if (g_ascii_strncasecmp (name, "(UTC", 4) != 0 && g_ascii_strncasecmp (name, "(GMT", 4) != 0)
    return NULL;
  close = strchr (name, ')');
  if (close == NULL)
    return NULL;

  out = g_string_new (NULL);
  for (const char *p = close + 1; *p; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (out, g_ascii_tolower (*p));
      else if (out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
    }
  if (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);

  return g_string_free (out, FALSE);
}

/**
 * cnv_windows_zone_to_iana:
 * @windows_name: a Windows time zone name ("Romance Standard Time"), in any case, or an Outlook
 *   display name ("(UTC+01:00) Brussels, Copenhagen, Madrid, Paris")
 *
 * Returns: (nullable): the IANA zone that CLDR maps the name to (static), or %NULL when the name
 *   is not a Windows zone
 */
const char *
cnv_windows_zone_to_iana (const char *windows_name)
{
  const ZoneName *found;
  g_autofree char *folded = NULL;

  g_return_val_if_fail (windows_name != NULL, NULL);

  found = bsearch (windows_name, windows_zones, G_N_ELEMENTS (windows_zones),
                   sizeof (ZoneName), compare_windows_name);
  if (found != NULL)
    return found->value;

  folded = fold_display_name (windows_name);
  if (folded == NULL)
    return NULL;
  found = bsearch (folded, display_names, G_N_ELEMENTS (display_names),
                   sizeof (ZoneName), compare_display_name);
  if (found == NULL)
    return NULL;

  found = bsearch (found->value, windows_zones, G_N_ELEMENTS (windows_zones),
                   sizeof (ZoneName), compare_windows_name);
  return found != NULL ? found->value : NULL;
}
