/* fuzz-request.c — libFuzzer target for the request parser (cnv_request_parse_data)
 *
 * Every input is parsed as a mail that reached the manager of tests/data/manager.ini. Beyond "no
 * crash, no leak, no critical", the target checks what the request promises: clean titles and
 * names, unique normalised participants, an end after the start, and parse(build(x)) == x for every
 * request that the manager would accept (the builder sees hostile names, titles, UIDs and zones).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"

#include "fuzz-common.h"

#define DEFAULT_DURATION G_TIME_SPAN_HOUR

static CnvSessionTypes *types;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  fuzz_setup ();

  types = cnv_session_types_new ();
  if (!g_key_file_load_from_file (key_file, CNV_FUZZ_MANAGER_INI, G_KEY_FILE_NONE, &error) ||
      !cnv_session_types_load_key_file (types, key_file, &error))
    g_error ("%s: %s", CNV_FUZZ_MANAGER_INI, error->message);

  return 0;
}

static void
check_addresses (GPtrArray *list)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < list->len; i++)
    {
      const CnvAddress *address = g_ptr_array_index (list, i);

      fuzz_check (address != NULL && address->address != NULL);
      fuzz_check (strchr (address->address, '@') != NULL);
      /* A normalised address is valid UTF-8 without C0 controls (a quoted local part may hold
       * spaces and specials, RFC 5322 §3.4.1). */
      fuzz_check (g_utf8_validate (address->address, -1, NULL));
      for (const char *p = address->address; *p != '\0'; p++)
        fuzz_check ((guchar) *p >= 0x20 && *p != 0x7f);
      fuzz_check (fuzz_is_clean_text (address->name));
      fuzz_check (g_hash_table_add (seen, address->address));
    }
}

static void
check_request (CnvRequest *request)
{
  GDateTime *start = cnv_request_get_start (request);
  GDateTime *end = cnv_request_get_end (request);
  const char * const *warnings = cnv_request_get_warnings (request);
  GPtrArray *errors = cnv_request_get_errors (request);
  const CnvAddress *initiator = cnv_request_get_initiator (request);
  GPtrArray *participants = cnv_request_get_participants (request);

  fuzz_check (fuzz_is_clean_text (cnv_request_get_title (request)));
  fuzz_check (fuzz_is_clean_text (cnv_request_get_session_tag (request)));
  fuzz_check (warnings != NULL);
  for (guint i = 0; warnings[i] != NULL; i++)
    fuzz_check (g_utf8_validate (warnings[i], -1, NULL));
  for (guint i = 0; i < errors->len; i++)
    {
      const GError *error = g_ptr_array_index (errors, i);

      fuzz_check (error != NULL && error->message != NULL);
    }
  fuzz_check (cnv_request_check (request, NULL) == (errors->len == 0));

  check_addresses (participants);
  check_addresses (cnv_request_get_informational (request));
  if (initiator != NULL)
    {
      fuzz_check (participants->len > 0);
      fuzz_check (cnv_address_equal (g_ptr_array_index (participants, 0), initiator));
    }

  fuzz_check ((start == NULL) == (end == NULL));
  if (start != NULL)
    {
      fuzz_check (g_date_time_compare (end, start) > 0);
      fuzz_check (cnv_request_get_times_source (request) != CNV_TIMES_SOURCE_NONE);
    }
}

static void
print_addresses (const char *label,
                 GPtrArray  *list)
{
  for (guint i = 0; i < list->len; i++)
    {
      const CnvAddress *address = g_ptr_array_index (list, i);

      fuzz_printerr ("  %s: “%s” <%s>\n", label, address->name ? address->name : "(null)",
                  address->address);
    }
}

static void
print_request (const char *label,
               CnvRequest *request)
{
  const CnvAddress *initiator = cnv_request_get_initiator (request);
  GDateTime *start = cnv_request_get_start (request);
  GDateTime *end = cnv_request_get_end (request);
  g_autofree char *start_text = start ? g_date_time_format_iso8601 (start) : NULL;
  g_autofree char *end_text = end ? g_date_time_format_iso8601 (end) : NULL;

  fuzz_printerr ("%s:\n", label);
  fuzz_printerr ("  initiator: “%s” <%s>\n", initiator && initiator->name ? initiator->name : "(null)",
              initiator ? initiator->address : "(null)");
  fuzz_printerr ("  manager address: %s\n", cnv_request_get_manager_address (request));
  fuzz_printerr ("  type: %s\n", cnv_request_get_session_type (request));
  fuzz_printerr ("  title: “%s”\n", cnv_request_get_title (request));
  print_addresses ("participant", cnv_request_get_participants (request));
  print_addresses ("informational", cnv_request_get_informational (request));
  fuzz_printerr ("  start: %s\n  end: %s\n  uid: %s\n", start_text, end_text,
              cnv_request_get_uid (request));
}

/* Parse(build(x)) == x (issue 2), for every request the manager would act on. */
static void
check_round_trip (CnvRequest *request)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(CnvRequest) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!cnv_request_check (request, NULL))
    return;

  message = cnv_request_build (request, &error);
  if (message == NULL)
    {
      /* A request that was read from a mail can be written back. */
      fuzz_printerr ("cnv_request_build: %s\n", error->message);
      fuzz_check (message != NULL);
    }
  text = g_mime_object_to_string (GMIME_OBJECT (message), NULL);
  again = cnv_request_parse_data (text, strlen (text), types, fuzz_manager_zone (),
                                  DEFAULT_DURATION, &error);
  fuzz_check (again != NULL);
  if (!cnv_request_check (again, &error))
    {
      fuzz_printerr ("The built request is not valid: %s\n--\n%s\n--\n", error->message, text);
      abort ();
    }
  if (!cnv_request_equal (request, again))
    {
      fuzz_printerr ("parse(build(x)) != x; the built mail:\n--\n%s\n--\n", text);
      print_request ("x", request);
      print_request ("parse(build(x))", again);
      abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(CnvRequest) request = NULL;
  g_autoptr(GError) error = NULL;

  request = cnv_request_parse_data ((const char *) data, size, types, fuzz_manager_zone (),
                                    DEFAULT_DURATION, &error);
  if (request == NULL)
    {
      fuzz_check (error != NULL);
      return 0;
    }
  fuzz_check (error == NULL);

  check_request (request);
  if (fuzz_round_trips ())
    check_round_trip (request);

  return 0;
}
