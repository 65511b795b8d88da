/* fuzz-invitation.c — libFuzzer target for the invitation parser (cnv_invitation_parse_data)
 *
 * Every input is parsed as a mail that reached the app's watcher. Beyond "no crash, no leak, no
 * critical", the target checks what an invitation promises (a valid session id, an end after the
 * start, clean text) and that an invitation the app accepts can be built again and read back the
 * same: the builder then sees hostile titles, links and names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_setup ();
  return 0;
}

static void
check_invitation (CnvInvitation *invitation)
{
  GDateTime *start = cnv_invitation_get_start (invitation);
  GDateTime *end = cnv_invitation_get_end (invitation);
  GPtrArray *participants = cnv_invitation_get_participants (invitation);
  const CnvAddress *organizer = cnv_invitation_get_organizer (invitation);

  fuzz_check (cnv_session_id_is_valid (cnv_invitation_get_session_id (invitation)));
  fuzz_check (fuzz_is_clean_text (cnv_invitation_get_title (invitation)));
  fuzz_check (fuzz_is_clean_text (cnv_invitation_get_session_type (invitation)));
  fuzz_check (fuzz_is_clean_text (cnv_invitation_get_link (invitation)));
  fuzz_check (fuzz_is_clean_text (cnv_invitation_get_credential (invitation)));
  fuzz_check (cnv_invitation_get_sequence (invitation) >= 0);
  if (start != NULL && end != NULL)
    fuzz_check (g_date_time_compare (end, start) > 0);
  if (organizer != NULL)
    fuzz_check (organizer->address != NULL && fuzz_is_clean_text (organizer->name));
  for (guint i = 0; participants != NULL && i < participants->len; i++)
    {
      const CnvAddress *participant = g_ptr_array_index (participants, i);

      fuzz_check (participant != NULL && participant->address != NULL);
      fuzz_check (fuzz_is_clean_text (participant->name));
    }
}

static gboolean
dates_equal (GDateTime *a,
             GDateTime *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_date_time_equal (a, b);
}

/* An invitation the app accepts can be written by the manager's builder and read back the same. */
static void
check_round_trip (CnvInvitation *invitation)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(CnvInvitation) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  message = cnv_invitation_build (invitation, &error);
  if (message == NULL)
    return;

  text = g_mime_object_to_string (GMIME_OBJECT (message), NULL);
  again = cnv_invitation_parse_data (text, strlen (text), &error);
  if (again == NULL)
    {
      fuzz_printerr ("cnv_invitation_parse_data() refuses what cnv_invitation_build() wrote: %s\n"
                  "--\n%s\n--\n", error->message, text);
      abort ();
    }
  fuzz_check (cnv_invitation_get_method (again) == cnv_invitation_get_method (invitation));
  fuzz_check (g_strcmp0 (cnv_invitation_get_session_id (again),
                         cnv_invitation_get_session_id (invitation)) == 0);
  fuzz_check (g_strcmp0 (cnv_invitation_get_session_type (again),
                         cnv_invitation_get_session_type (invitation)) == 0);
  fuzz_check (g_strcmp0 (cnv_invitation_get_uid (again),
                         cnv_invitation_get_uid (invitation)) == 0);
  fuzz_check (cnv_invitation_get_sequence (again) == cnv_invitation_get_sequence (invitation));
  fuzz_check (g_strcmp0 (cnv_invitation_get_title (again),
                         cnv_invitation_get_title (invitation)) == 0);
  fuzz_check (g_strcmp0 (cnv_invitation_get_link (again),
                         cnv_invitation_get_link (invitation)) == 0);
  fuzz_check (dates_equal (cnv_invitation_get_start (again), cnv_invitation_get_start (invitation)));
  fuzz_check (dates_equal (cnv_invitation_get_end (again), cnv_invitation_get_end (invitation)));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(CnvInvitation) invitation = NULL;
  g_autoptr(GError) error = NULL;

  invitation = cnv_invitation_parse_data ((const char *) data, size, &error);
  if (invitation == NULL)
    {
      fuzz_check (error != NULL);
      return 0;
    }
  fuzz_check (error == NULL);

  check_invitation (invitation);
  if (fuzz_round_trips ())
    check_round_trip (invitation);

  return 0;
}
