/* cnv-invitation-filter.c — which mail of the user's INBOX the watcher takes as an invitation (E450)
 *
 * Whatever passes here may launch a program with a link from the mail, so the filter believes
 * nothing the sender alone could write: the From address must be a manager address the user
 * configured, the calendar must not name another manager, and when the user's server writes a
 * trusted `Authentication-Results`, that header must vouch for the From address (DESIGN.md, "The
 * app": "when a trusted Authentication-Results is present, only with DKIM/DMARC pass").
 *
 * With a trusted authserv-id configured, a mail that carries no header of that server is refused,
 * as the manager refuses it (cnv_auth_results_check_sender()): the server stamps every mail it
 * receives, so an unstamped one did not come through it, and accepting it would let anyone who
 * can put mail into the INBOX by another path (a second MX, a delivery that skips the milter)
 * pass for the manager. A server that does not stamp the organisation's internal mail needs the
 * setting left empty.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-invitation-filter"

#include "config.h"

#include "cnv-auth-results.h"
#include "cnv-invitation-filter.h"
#include "cnv-mime.h"
#include "cnv-text.h"

/* A parser's error sentence may quote the mail; in the log it stays one line of bounded size. */
#define MAX_ERROR_SHOWN 200

static char *
show_error (const GError *error)
{
  g_autofree char *line = cnv_text_clean_line (error != NULL ? error->message : NULL);
  const char *cut;

  if (line == NULL)
    return g_strdup ("no reason given");
  if (g_utf8_strlen (line, -1) <= MAX_ERROR_SHOWN)
    return g_steal_pointer (&line);
  cut = g_utf8_offset_to_pointer (line, MAX_ERROR_SHOWN);
  return g_strdup_printf ("%.*s…", (int) (cut - line), line);
}

/* The normalised addresses of every @header; @named (nullable) counts the mailboxes it names,
 * usable or not, and -1 for a group, which RFC 5322 §3.6.2 does not allow in From. */
static GPtrArray *
get_addresses (GMimeMessage *message,
               const char   *header,
               int          *named)
{
  g_autoptr(InternetAddressList) list = cnv_mime_get_addresses (message, header);
  int count = internet_address_list_length (list);

  if (named != NULL)
    {
      *named = count;
      for (int i = 0; i < count; i++)
        if (!INTERNET_ADDRESS_IS_MAILBOX (internet_address_list_get_address (list, i)))
          *named = -1;
    }
  return cnv_address_list_from_gmime (list, NULL);
}

/* The configured entry whose manager address is @normalized. The entries are normalised when
 * loaded from GSettings; they are normalised again here so that an entry made in code
 * (`VideoConference@Bücher.example`) matches all the same. */
static const CnvSessionTypeEntry *
find_entry (GPtrArray  *entries,
            const char *normalized)
{
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      const CnvSessionTypeEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *address = NULL;

      if (entry == NULL || entry->address == NULL)
        continue;
      address = cnv_address_normalize (entry->address, NULL);
      if (address != NULL && g_strcmp0 (address, normalized) == 0)
        return entry;
    }
  return NULL;
}

static CnvInvitationVerdict
judge (GMimeMessage               *message,
       CnvInvitation              *invitation,
       const GError               *parse_error,
       GPtrArray                  *entries,
       const char                 *user_address,
       const char                 *trusted_authserv_id,
       const CnvSessionTypeEntry **out_entry,
       char                      **reason)
{
  g_autoptr(GPtrArray) from = NULL;
  g_autoptr(GPtrArray) to = NULL;
  g_autofree char *user = NULL;
  g_autofree char *manager = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *shown = NULL;
  const CnvSessionTypeEntry *entry;
  const char *sender;
  int named = 0;

  /* Most mail in an INBOX is no invitation at all: said first, and without blame. */
  if (invitation == NULL &&
      (parse_error == NULL ||
       g_error_matches (parse_error, CNV_INVITATION_ERROR, CNV_INVITATION_ERROR_NOT_AN_INVITATION)))
    {
      g_autofree char *why = show_error (parse_error);

      *reason = g_strdup_printf ("not an invitation: %s", why);
      return CNV_INVITATION_VERDICT_NOT_AN_INVITATION;
    }

  /* RFC 5322 §3.6.2 allows several authors with a Sender; a manager writes one, and with two the
   * one the user would believe is anybody's guess. */
  from = get_addresses (message, "From", &named);
  if (named < 0)
    {
      *reason = g_strdup ("the From field names a group, not one manager address");
      return CNV_INVITATION_VERDICT_UNKNOWN_SENDER;
    }
  if (from->len != 1 || named != 1)
    {
      *reason = g_strdup_printf ("the From field names %d addresses, %u of them usable, not one manager address",
                                 named, from->len);
      return CNV_INVITATION_VERDICT_UNKNOWN_SENDER;
    }
  sender = ((CnvAddress *) g_ptr_array_index (from, 0))->address;
  entry = find_entry (entries, sender);
  if (entry == NULL)
    {
      shown = cnv_text_show (sender);
      *reason = g_strdup_printf ("the mail is from %s, which is not a configured manager address",
                                 shown);
      return CNV_INVITATION_VERDICT_UNKNOWN_SENDER;
    }

  /* A mail from a manager that still does not read as an invitation: a newer format, or a
   * forgery whose calendar names another sender (the parser compares SENT-BY with From). */
  if (invitation == NULL)
    {
      g_autofree char *why = show_error (parse_error);

      shown = cnv_text_show (sender);
      *reason = g_strdup_printf ("the mail from %s is not a valid invitation: %s", shown, why);
      return CNV_INVITATION_VERDICT_NOT_AN_INVITATION;
    }

  /* RFC 5545 §3.2.18: SENT-BY is who acts for the organizer, here the manager; the From address
   * was checked above, so the calendar must name the same one. */
  if (cnv_invitation_get_manager_address (invitation) != NULL)
    manager = cnv_address_normalize (cnv_invitation_get_manager_address (invitation), NULL);
  if (manager == NULL || g_strcmp0 (manager, sender) != 0)
    {
      g_autofree char *shown_manager = cnv_text_show (manager != NULL ? manager : "no valid address");

      shown = cnv_text_show (sender);
      *reason = g_strdup_printf ("the mail is from %s but the invitation names the manager %s",
                                 shown, shown_manager);
      return CNV_INVITATION_VERDICT_MANAGER_MISMATCH;
    }

  if (cnv_auth_results_check_sender (message, trusted_authserv_id, &auth) == CNV_SENDER_AUTH_FAIL)
    {
      shown = cnv_text_show (sender);
      *reason = g_strdup_printf ("the mail from %s is not authentic: %s", shown, auth);
      return CNV_INVITATION_VERDICT_NOT_AUTHENTIC;
    }

  /* The link carries a personal credential (DESIGN.md, "The invitation"): the mail must be
   * addressed to the user. Being an attendee is not enough: an attendee holding another
   * attendee's copy would join under that person's name. */
  user = user_address != NULL ? cnv_address_normalize (user_address, NULL) : NULL;
  to = get_addresses (message, "To", NULL);
  if (user == NULL || !cnv_address_list_contains (to, user))
    {
      g_autofree char *shown_user = cnv_text_show (user != NULL ? user : "(no valid address)");
      const char *first = to->len > 0 ? ((CnvAddress *) g_ptr_array_index (to, 0))->address
                                      : "nobody";
      g_autofree char *shown_to = cnv_text_show (first);

      *reason = g_strdup_printf ("the invitation is addressed to %s%s, not to %s",
                                 shown_to, to->len > 1 ? " and others" : "", shown_user);
      return CNV_INVITATION_VERDICT_NOT_FOR_USER;
    }

  shown = cnv_text_show (sender);
  *reason = g_strdup_printf ("%s of session %s from %s (%s)",
                             cnv_invitation_get_method (invitation) == CNV_INVITATION_METHOD_CANCEL
                               ? "a cancellation" : "an invitation",
                             cnv_invitation_get_session_id (invitation), shown, auth);
  *out_entry = entry;
  return CNV_INVITATION_VERDICT_ACCEPT;
}

/**
 * cnv_invitation_filter:
 * @message: a mail of the user's INBOX
 * @invitation: (nullable): @message parsed by cnv_invitation_parse(), or %NULL when that failed
 * @parse_error: (nullable): the parser's error when @invitation is %NULL
 * @entries: (element-type CnvSessionTypeEntry): the configured session types, whose addresses
 *   are the manager addresses the user trusts
 * @user_address: the user's own address
 * @trusted_authserv_id: (nullable): the authserv-id of the user's receiving server, whose
 *   `Authentication-Results` is believed, or %NULL when none is configured
 * @entry: (out) (optional) (transfer none): the entry of the manager address, on ACCEPT only
 * @reason: (out) (optional) (transfer full): one sentence for the log, never %NULL; what it
 *   quotes from the mail is cleaned (valid UTF-8, no control characters, bounded)
 *
 * Whether the watcher takes @message as an invitation (E450). In this order: a mail that does not
 * parse as an invitation is NOT_AN_INVITATION when it is no invitation at all; the From field
 * must be exactly one mailbox whose normalised address (case, IDNA) is a configured manager
 * address (UNKNOWN_SENDER), then an invalid invitation from it is NOT_AN_INVITATION; the
 * invitation's manager address (`SENT-BY`) must be the From address (MANAGER_MISMATCH); with
 * @trusted_authserv_id, that server's `Authentication-Results` must pass the From address
 * (cnv_auth_results_check_sender(); a missing one fails, NOT_AUTHENTIC); and the user must be
 * among the To addresses (NOT_FOR_USER). A `METHOD:CANCEL` passes under the same rules.
 *
 * Returns: the verdict
 */
CnvInvitationVerdict
cnv_invitation_filter (GMimeMessage               *message,
                       CnvInvitation              *invitation,
                       const GError               *parse_error,
                       GPtrArray                  *entries,
                       const char                 *user_address,
                       const char                 *trusted_authserv_id,
                       const CnvSessionTypeEntry **entry,
                       char                      **reason)
{
  const CnvSessionTypeEntry *matched = NULL;
  g_autofree char *why = NULL;
  CnvInvitationVerdict verdict;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), CNV_INVITATION_VERDICT_NOT_AN_INVITATION);
  g_return_val_if_fail (invitation == NULL || CNV_IS_INVITATION (invitation),
                        CNV_INVITATION_VERDICT_NOT_AN_INVITATION);

  verdict = judge (message, invitation, parse_error, entries, user_address, trusted_authserv_id,
                   &matched, &why);
  if (entry != NULL)
    *entry = matched;
  if (reason != NULL)
    *reason = g_steal_pointer (&why);
  return verdict;
}
