/* cnv-composer-state.c — the composer's decisions (Fig 4a, E400–E406), without a display
 *
 * Decisions documented here, once:
 * - The text still typed in the Participants or Cc entry counts: when it reads as addresses
 *   they are checked like chips and sent (the window turns it into chips on focus-out anyway);
 *   when a piece does not, that field has an error.
 * - Someone in To and in Cc is allowed but warned about: they are invited as a participant, and
 *   the built request leaves them out of Cc (one mail, one role).
 * - The initiator in To is silently dropped (the manager adds the initiator); in Cc it is
 *   refused: the initiator gets the invitation anyway.
 * - A manager address (the address of any configured session type) is never a participant or
 *   a Cc: it would start a session of its own. The user picks the session type instead.
 * - A start up to START_GRACE in the past is accepted (the user took a minute to write); earlier
 *   is an error.
 * - Without an account (@initiator NULL) nothing can be sent; no field is at fault, so it is a
 *   warning and can_send is FALSE.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-composer"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cnv-address-input.h"
#include "cnv-composer-state.h"

/* How far in the past a start may be: the time to write the request. */
#define START_GRACE (5 * G_TIME_SPAN_MINUTE)
#define MAX_TITLE_CHARS 200
#define MAX_MESSAGE_BYTES (64 * 1024)

void
cnv_composer_input_init (CnvComposerInput *input)
{
  g_return_if_fail (input != NULL);

  memset (input, 0, sizeof *input);
  input->participants = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  input->cc = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
}

/* Frees what the input owns (everything but @session_types) and zeroes it: call
 * cnv_composer_input_init() again before using it again. */
void
cnv_composer_input_clear (CnvComposerInput *input)
{
  g_return_if_fail (input != NULL);

  g_clear_pointer (&input->initiator, cnv_address_free);
  g_clear_pointer (&input->session_type, g_free);
  g_clear_pointer (&input->participants, g_ptr_array_unref);
  g_clear_pointer (&input->cc, g_ptr_array_unref);
  g_clear_pointer (&input->pending_participants, g_free);
  g_clear_pointer (&input->pending_cc, g_free);
  g_clear_pointer (&input->title, g_free);
  g_clear_pointer (&input->message, g_free);
  g_clear_pointer (&input->start, g_date_time_unref);
  g_clear_pointer (&input->end, g_date_time_unref);
  g_clear_pointer (&input->zone, g_time_zone_unref);
  g_clear_pointer (&input->tzid, g_free);
  g_clear_pointer (&input->now, g_date_time_unref);
  memset (input, 0, sizeof *input);
}

/* The user's time zone: its IANA name goes into the request's VTIMEZONE/TZID (RFC 5545 §3.2.19),
 * so that the manager and the participants' calendars see the zone, not only an offset. */

static gboolean
is_zone_name (const char *name)
{
  if (name == NULL || name[0] == '\0' || name[0] == '/' || name[0] == ':')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/_+-", *p) == NULL)
      return FALSE;
  /* A POSIX rule such as "CET-1CEST" is not a name; IANA names have a region, or are UTC-like */
  return strchr (name, '/') != NULL || g_str_equal (name, "UTC") || g_str_equal (name, "GMT")
         || g_str_equal (name, "Universal") || g_str_equal (name, "Zulu");
}

static char *
zone_name_from_path (const char *path)
{
  const char *name = path != NULL ? strstr (path, "zoneinfo/") : NULL;

  if (name == NULL)
    return NULL;
  name += strlen ("zoneinfo/");
  /* Debian's zoneinfo has posix/ and right/ copies of the same zones */
  if (g_str_has_prefix (name, "posix/"))
    name += strlen ("posix/");
  return is_zone_name (name) ? g_strdup (name) : NULL;
}

static char *
find_zone_name (GTimeZone *local)
{
  const char *tz = g_getenv ("TZ");
  g_autofree char *contents = NULL;
  g_autofree char *link = NULL;

  if (is_zone_name (g_time_zone_get_identifier (local)))
    return g_strdup (g_time_zone_get_identifier (local));

  if (tz != NULL && tz[0] != '\0')
    {
      if (tz[0] == ':')
        tz++;
      if (is_zone_name (tz))
        return g_strdup (tz);
      if (tz[0] == '/')
        return zone_name_from_path (tz);
      return NULL;
    }

  if (g_file_get_contents ("/etc/timezone", &contents, NULL, NULL))
    {
      g_strstrip (contents);
      if (is_zone_name (contents))
        return g_steal_pointer (&contents);
    }

  link = g_file_read_link ("/etc/localtime", NULL);
  return zone_name_from_path (link);
}

static gboolean
is_utc_name (const char *name)
{
  static const char * const utc[] = {
    "UTC", "GMT", "Universal", "Zulu", "Etc/UTC", "Etc/GMT", "Etc/Universal", "Etc/Zulu",
    "Etc/UCT", "Etc/Greenwich", "GMT0", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", NULL
  };

  return g_strv_contains (utc, name);
}

/**
 * cnv_composer_input_set_local_zone:
 * @input: the input whose @zone and @tzid are set (replacing what they held)
 *
 * The user's zone: the IANA name of the local zone (GLib's identifier, else $TZ, else
 * /etc/timezone, else the /etc/localtime link) with its GTimeZone; UTC, with no TZID, for a UTC
 * zone and when no name can be found (a POSIX rule such as "CET-1CEST" names no zone).
 */
void
cnv_composer_input_set_local_zone (CnvComposerInput *input)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autofree char *name = find_zone_name (local);

  g_return_if_fail (input != NULL);

  g_clear_pointer (&input->zone, g_time_zone_unref);
  g_clear_pointer (&input->tzid, g_free);
  if (name != NULL && !is_utc_name (name))
    input->zone = g_time_zone_new_identifier (name);
  if (input->zone != NULL)
    input->tzid = g_steal_pointer (&name);
  else
    input->zone = g_time_zone_new_utc ();
}

/* The configured session type whose manager address is @normalized, or NULL. */
static const CnvSessionTypeEntry *
find_session_type (const CnvComposerInput *input,
                   const char             *normalized)
{
  if (input->session_types == NULL || normalized == NULL)
    return NULL;
  for (guint i = 0; i < input->session_types->len; i++)
    {
      const CnvSessionTypeEntry *entry = g_ptr_array_index (input->session_types, i);

      if (g_strcmp0 (entry->address, normalized) == 0)
        return entry;
    }
  return NULL;
}

static gboolean
is_initiator (const CnvComposerInput *input,
              const CnvAddress       *address)
{
  return input->initiator != NULL && cnv_address_equal (input->initiator, address);
}

static char *
describe (const CnvAddress *address)
{
  return cnv_address_to_display (address);
}

/* The problem with @address in To or Cc that no list can have, or NULL. */
static char *
common_problem (const CnvComposerInput *input,
                const CnvAddress       *address)
{
  const CnvSessionTypeEntry *entry = find_session_type (input, address->address);

  if (entry != NULL)
    /* Translators: the first %s is an e-mail address, the second a session type ("Whiteboard") */
    return g_strdup_printf (_("%s is the address that starts a “%s” session: choose that session "
                              "type instead"), address->address, entry->name);
  return NULL;
}

/**
 * cnv_composer_add_participant:
 * @problem: (out) (optional): why @address was refused, translated
 */
gboolean
cnv_composer_add_participant (CnvComposerInput  *input,
                              const CnvAddress  *address,
                              char             **problem)
{
  g_autofree char *why = NULL;

  g_return_val_if_fail (input != NULL, FALSE);
  g_return_val_if_fail (address != NULL && address->address != NULL, FALSE);

  if (problem != NULL)
    *problem = NULL;
  why = common_problem (input, address);
  if (why == NULL && cnv_address_list_contains (input->participants, address->address))
    {
      g_autofree char *shown = describe (address);

      /* Translators: %s is a person, "Bob <bob@example.org>" */
      why = g_strdup_printf (_("%s is already a participant"), shown);
    }
  if (why != NULL)
    {
      if (problem != NULL)
        *problem = g_steal_pointer (&why);
      return FALSE;
    }
  /* The manager adds the initiator to every session: no chip for them. */
  if (!is_initiator (input, address))
    g_ptr_array_add (input->participants, cnv_address_copy (address));
  return TRUE;
}

/**
 * cnv_composer_add_cc:
 * @problem: (out) (optional): why @address was refused, translated
 */
gboolean
cnv_composer_add_cc (CnvComposerInput  *input,
                     const CnvAddress  *address,
                     char             **problem)
{
  g_autofree char *why = NULL;

  g_return_val_if_fail (input != NULL, FALSE);
  g_return_val_if_fail (address != NULL && address->address != NULL, FALSE);

  if (problem != NULL)
    *problem = NULL;
  why = common_problem (input, address);
  if (why == NULL && is_initiator (input, address))
    why = g_strdup (_("You do not need to be in Cc: you receive the invitation anyway"));
  if (why == NULL && cnv_address_list_contains (input->cc, address->address))
    {
      g_autofree char *shown = describe (address);

      /* Translators: %s is a person, "Bob <bob@example.org>" */
      why = g_strdup_printf (_("%s is already in Cc"), shown);
    }
  if (why != NULL)
    {
      if (problem != NULL)
        *problem = g_steal_pointer (&why);
      return FALSE;
    }
  g_ptr_array_add (input->cc, cnv_address_copy (address));
  return TRUE;
}

static void
remove_address (GPtrArray  *list,
                const char *normalized)
{
  for (guint i = 0; i < list->len; i++)
    {
      const CnvAddress *address = g_ptr_array_index (list, i);

      if (g_strcmp0 (address->address, normalized) == 0)
        {
          g_ptr_array_remove_index (list, i);
          return;
        }
    }
}

void
cnv_composer_remove_participant (CnvComposerInput *input,
                                 const char       *normalized)
{
  g_return_if_fail (input != NULL);
  g_return_if_fail (normalized != NULL);

  remove_address (input->participants, normalized);
}

void
cnv_composer_remove_cc (CnvComposerInput *input,
                        const char       *normalized)
{
  g_return_if_fail (input != NULL);
  g_return_if_fail (normalized != NULL);

  remove_address (input->cc, normalized);
}

/**
 * cnv_composer_get_end:
 *
 * Returns: (transfer full) (nullable): the end the request will carry
 */
GDateTime *
cnv_composer_get_end (const CnvComposerInput *input)
{
  g_return_val_if_fail (input != NULL, NULL);

  if (!input->scheduled || input->start == NULL)
    return NULL;
  if (input->duration_minutes > 0)
    /* Real minutes: a one-hour session across a DST change still lasts one hour. */
    return g_date_time_add_minutes (input->start, input->duration_minutes);
  return input->end != NULL ? g_date_time_ref (input->end) : NULL;
}

/* The addresses of one field: its chips, then what its entry holds that reads as addresses.
 * @problem gets the first piece of the entry that is not an address. */
static GPtrArray *
collect_field (GPtrArray   *chips,
               const char  *pending,
               char       **problem)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);

  for (guint i = 0; i < chips->len; i++)
    cnv_address_list_add_unique (out, g_ptr_array_index (chips, i));
  if (pending != NULL)
    {
      g_autoptr(GPtrArray) items = cnv_address_input_parse (pending);

      for (guint i = 0; i < items->len; i++)
        {
          CnvAddressInputItem *item = g_ptr_array_index (items, i);

          if (item->address != NULL)
            cnv_address_list_add_unique (out, item->address);
          else if (*problem == NULL)
            *problem = g_strdup (item->problem);
        }
    }
  return out;
}

/* Whether @text holds a character a one-line title cannot have. */
static gboolean
has_control_char (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        return TRUE;
    }
  return FALSE;
}

/* The participants and Cc the request will carry, and the field errors they cause. */
typedef struct
{
  GPtrArray *participants;   /* without the initiator */
  GPtrArray *cc;             /* without participants */
  GPtrArray *both;           /* in To and in Cc */
} Recipients;

static void
recipients_clear (Recipients *r)
{
  g_clear_pointer (&r->participants, g_ptr_array_unref);
  g_clear_pointer (&r->cc, g_ptr_array_unref);
  g_clear_pointer (&r->both, g_ptr_array_unref);
}

static void
check_recipients (const CnvComposerInput *input,
                  CnvComposerState       *state,
                  Recipients             *r)
{
  char **to_error = &state->errors[CNV_COMPOSER_FIELD_PARTICIPANTS];
  char **cc_error = &state->errors[CNV_COMPOSER_FIELD_CC];
  g_autoptr(GPtrArray) to = collect_field (input->participants, input->pending_participants,
                                           to_error);
  g_autoptr(GPtrArray) cc = collect_field (input->cc, input->pending_cc, cc_error);

  r->participants = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  r->cc = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  r->both = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);

  for (guint i = 0; i < to->len; i++)
    {
      const CnvAddress *address = g_ptr_array_index (to, i);
      g_autofree char *problem = common_problem (input, address);

      if (problem != NULL && *to_error == NULL)
        *to_error = g_steal_pointer (&problem);
      if (!is_initiator (input, address))
        g_ptr_array_add (r->participants, cnv_address_copy (address));
    }
  for (guint i = 0; i < cc->len; i++)
    {
      const CnvAddress *address = g_ptr_array_index (cc, i);
      g_autofree char *problem = common_problem (input, address);

      if (problem == NULL && is_initiator (input, address))
        problem = g_strdup (_("You do not need to be in Cc: you receive the invitation anyway"));
      if (problem != NULL && *cc_error == NULL)
        *cc_error = g_steal_pointer (&problem);
      if (cnv_address_list_contains (r->participants, address->address))
        g_ptr_array_add (r->both, cnv_address_copy (address));
      else
        g_ptr_array_add (r->cc, cnv_address_copy (address));
    }

  if (*to_error == NULL && r->participants->len == 0)
    *to_error = g_strdup (_("Add at least one participant"));
  if (*to_error == NULL && input->max_participants > 0
      && r->participants->len > input->max_participants)
    *to_error = g_strdup_printf (ngettext ("A session can have at most %u participant",
                                           "A session can have at most %u participants",
                                           input->max_participants),
                                 input->max_participants);
}

static void
check_times (const CnvComposerInput *input,
             CnvComposerState       *state)
{
  g_autoptr(GDateTime) end = NULL;

  if (!input->scheduled)
    return;
  if (input->start == NULL)
    {
      state->errors[CNV_COMPOSER_FIELD_START] = g_strdup (_("Choose when the session starts"));
      return;
    }
  if (input->now != NULL && g_date_time_difference (input->now, input->start) > START_GRACE)
    state->errors[CNV_COMPOSER_FIELD_START] = g_strdup (_("The start is in the past"));

  if (input->duration_minutes < 0)
    {
      state->errors[CNV_COMPOSER_FIELD_END] = g_strdup (_("The duration must be positive"));
      return;
    }
  end = cnv_composer_get_end (input);
  if (end == NULL)
    state->errors[CNV_COMPOSER_FIELD_END] = g_strdup (_("Choose when the session ends"));
  else if (g_date_time_compare (end, input->start) <= 0)
    state->errors[CNV_COMPOSER_FIELD_END] = g_strdup (_("The session must end after it starts"));
}

static void
check_texts (const CnvComposerInput *input,
             CnvComposerState       *state)
{
  if (input->title != NULL)
    {
      if (!g_utf8_validate (input->title, -1, NULL) || has_control_char (input->title))
        state->errors[CNV_COMPOSER_FIELD_TITLE] =
          g_strdup (_("The title cannot contain line breaks or control characters"));
      else if (g_utf8_strlen (input->title, -1) > MAX_TITLE_CHARS)
        state->errors[CNV_COMPOSER_FIELD_TITLE] =
          g_strdup_printf (ngettext ("The title is too long: at most %d character",
                                     "The title is too long: at most %d characters",
                                     MAX_TITLE_CHARS),
                           MAX_TITLE_CHARS);
    }
  if (input->message != NULL)
    {
      if (!g_utf8_validate (input->message, -1, NULL))
        state->errors[CNV_COMPOSER_FIELD_MESSAGE] = g_strdup (_("The message is not valid text"));
      else if (strlen (input->message) > MAX_MESSAGE_BYTES)
        state->errors[CNV_COMPOSER_FIELD_MESSAGE] =
          /* Translators: %d is a number of kibibytes (64) */
          g_strdup_printf (_("The message is too long: at most %d KiB"), MAX_MESSAGE_BYTES / 1024);
    }
}

static void
evaluate (const CnvComposerInput *input,
          CnvComposerState       *state,
          Recipients             *r)
{
  memset (state, 0, sizeof *state);
  state->warnings = g_ptr_array_new_with_free_func (g_free);

  if (input->session_type == NULL)
    state->errors[CNV_COMPOSER_FIELD_SESSION_TYPE] = g_strdup (_("Choose a session type"));
  else if (find_session_type (input, input->session_type) == NULL)
    /* Translators: %s is an e-mail address */
    state->errors[CNV_COMPOSER_FIELD_SESSION_TYPE] =
      g_strdup_printf (_("No session type has the address %s any more: choose another"),
                       input->session_type);

  check_recipients (input, state, r);
  check_texts (input, state);
  check_times (input, state);

  for (guint i = 0; i < r->both->len; i++)
    {
      g_autofree char *shown = describe (g_ptr_array_index (r->both, i));

      /* Translators: %s is a person, "Carol <carol@example.org>" */
      g_ptr_array_add (state->warnings,
                       g_strdup_printf (_("%s is also a participant: they are invited, not "
                                          "copied"), shown));
    }
  if (input->initiator == NULL)
    g_ptr_array_add (state->warnings, g_strdup (_("Set up your e-mail account to send requests")));

  state->can_send = input->initiator != NULL;
  for (guint i = 0; i < CNV_COMPOSER_N_FIELDS; i++)
    if (state->errors[i] != NULL)
      state->can_send = FALSE;
}

/**
 * cnv_composer_evaluate:
 * @state: (out caller-allocates): filled in; free it with cnv_composer_state_clear()
 */
void
cnv_composer_evaluate (const CnvComposerInput *input,
                       CnvComposerState       *state)
{
  Recipients r = { NULL, };

  g_return_if_fail (input != NULL);
  g_return_if_fail (state != NULL);

  evaluate (input, state, &r);
  recipients_clear (&r);
}

void
cnv_composer_state_clear (CnvComposerState *state)
{
  g_return_if_fail (state != NULL);

  for (guint i = 0; i < CNV_COMPOSER_N_FIELDS; i++)
    g_clear_pointer (&state->errors[i], g_free);
  g_clear_pointer (&state->warnings, g_ptr_array_unref);
  state->can_send = FALSE;
}

/**
 * cnv_composer_build_request:
 * @error: a %CNV_REQUEST_ERROR_INVALID error with the first field's sentence when Send is not
 *   allowed, or the engine's error
 *
 * Returns: (transfer full) (nullable): the request to send
 */
CnvRequest *
cnv_composer_build_request (const CnvComposerInput  *input,
                            GError                 **error)
{
  g_autoptr(CnvRequest) request = NULL;
  CnvComposerState state;
  Recipients r = { NULL, };
  const CnvSessionTypeEntry *entry;

  g_return_val_if_fail (input != NULL, NULL);

  evaluate (input, &state, &r);
  if (!state.can_send)
    {
      const char *reason = NULL;

      for (guint i = 0; i < CNV_COMPOSER_N_FIELDS && reason == NULL; i++)
        reason = state.errors[i];
      if (reason == NULL && state.warnings->len > 0)
        reason = g_ptr_array_index (state.warnings, state.warnings->len - 1);
      g_set_error_literal (error, CNV_REQUEST_ERROR, CNV_REQUEST_ERROR_INVALID,
                           reason != NULL ? reason : _("The request is not complete"));
      cnv_composer_state_clear (&state);
      recipients_clear (&r);
      return NULL;
    }

  entry = find_session_type (input, input->session_type);
  request = cnv_request_new ();
  cnv_request_set_initiator (request, input->initiator);
  cnv_request_set_manager_address (request, entry->address);
  cnv_request_set_session_type (request, entry->name);
  for (guint i = 0; i < r.participants->len; i++)
    cnv_request_add_participant (request, g_ptr_array_index (r.participants, i));
  for (guint i = 0; i < r.cc->len; i++)
    cnv_request_add_informational (request, g_ptr_array_index (r.cc, i));
  if (input->title != NULL && *input->title != '\0')
    cnv_request_set_title (request, input->title);
  if (input->message != NULL && *input->message != '\0')
    cnv_request_set_body (request, input->message);
  if (input->scheduled)
    {
      g_autoptr(GDateTime) end = cnv_composer_get_end (input);

      cnv_request_set_times (request, input->start, end);
      cnv_request_set_time_zone (request, input->tzid);
    }
  cnv_composer_state_clear (&state);
  recipients_clear (&r);

  if (!cnv_request_check (request, error))
    return NULL;
  return g_steal_pointer (&request);
}
