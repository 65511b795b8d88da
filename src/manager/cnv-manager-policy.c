/* cnv-manager-policy.c — which mail the manager refuses or ignores before reading it as a request
 *
 * Two questions are asked of every mail before it is read as a request:
 *
 * - Is the From address authentic? Only the receiving server the administrator trusts can say:
 *   its `Authentication-Results` header (RFC 8601) carries the DMARC and DKIM verdicts. Any other
 *   copy of that header may have been written by the sender and is ignored (RFC 8601 §5).
 * - Was the mail written by a program (an auto-reply, a bounce, a list)? Then the manager must
 *   not answer it at all (RFC 3834 §2), or two robots would mail each other forever.
 *
 * The Authentication-Results parser and its scanner of structured header values live in
 * cnv-auth-results.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <string.h>

#include "cnv-address.h"
#include "cnv-auth-results-private.h"
#include "cnv-manager-policy.h"
#include "cnv-mime.h"
#include "cnv-text.h"

/* The value of @name (`header.d`) in @result, or NULL. */
static const char *
find_property (const CnvAuthResult *result,
               const char          *name)
{
  gsize len = strlen (name);

  for (char **p = result->properties; p != NULL && *p != NULL; p++)
    if (strncmp (*p, name, len) == 0 && (*p)[len] == '=')
      return *p + len + 1;
  return NULL;
}

/* A domain read from a header (`Example.ORG.`, `bücher.example`, `user@example.org`) in the
 * form cnv_address_normalize() gives: ASCII, lower case, no final dot. NULL if not a domain. */
static char *
normalize_domain (const char *text)
{
  const char *at = strrchr (text, '@');
  g_autofree char *domain = g_strdup (at != NULL ? at + 1 : text);
  g_autofree char *ascii = NULL;
  gsize len = strlen (domain);

  if (len > 0 && domain[len - 1] == '.')
    domain[len - 1] = '\0';
  if (*domain == '\0')
    return NULL;
  ascii = g_hostname_to_ascii (domain);
  if (ascii == NULL)
    return NULL;
  return g_ascii_strdown (ascii, -1);
}

/* DMARC relaxed alignment (RFC 7489 §3.1.1) asks for the same organisational domain, which the
 * Public Suffix List defines. Without that list here, the rule is simpler: the domains are equal,
 * or one is a subdomain of the other. The shorter one must still have two labels, so that a
 * signature of a top-level domain aligns with nothing. What this rule cannot see: two customers
 * of a shared suffix (a.example-hosting.net, b.example-hosting.net) do not align (correct), but a
 * customer subdomain aligns with the hoster's own domain (example-hosting.net), which the list
 * would have kept apart. */
static gboolean
domains_aligned (const char *a,
                 const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  const char *longer = la >= lb ? a : b;
  const char *shorter = la >= lb ? b : a;
  gsize ll = MAX (la, lb);
  gsize ls = MIN (la, lb);

  if (strchr (shorter, '.') == NULL)
    return FALSE;
  if (ll == ls)
    return strcmp (a, b) == 0;
  return longer[ll - ls - 1] == '.' && strcmp (longer + (ll - ls), shorter) == 0;
}

/* The domain of the From address the request parser takes as the initiator (the first usable
 * mailbox of every From header), or NULL with @reason set. */
static char *
get_from_domain (GMimeMessage  *message,
                 char         **reason)
{
  g_autoptr(InternetAddressList) list = cnv_mime_get_addresses (message, "From");
  g_autoptr(GPtrArray) from = cnv_address_list_from_gmime (list, NULL);
  g_autofree char *domain = NULL;

  if (from->len == 0)
    {
      *reason = g_strdup ("the mail has no usable From address");
      return NULL;
    }
  domain = cnv_address_get_domain (((CnvAddress *) g_ptr_array_index (from, 0))->address);

  /* RFC 7489 §6.6.1: with authors in several domains, which one the verifier checked is
   * anybody's guess. */
  for (guint i = 1; i < from->len; i++)
    {
      g_autofree char *other = cnv_address_get_domain (((CnvAddress *) g_ptr_array_index (from, i))->address);

      if (strcmp (other, domain) != 0)
        {
          *reason = g_strdup_printf ("the From field names addresses in several domains (%s, %s)",
                                     domain, other);
          return NULL;
        }
    }
  return g_steal_pointer (&domain);
}

/* The verdict of the trusted server's results. */
static CnvSenderAuth
judge_results (CnvAuthResults  *results,
               const char      *from_domain,
               char           **reason)
{
  g_autofree char *other_dkim = NULL;
  gboolean have_dmarc = FALSE;
  gboolean have_dkim_pass = FALSE;

  /* DMARC already joins the SPF and DKIM verdicts to the From domain (RFC 7489 §4.2): when the
   * server evaluated it, its result decides; pass must be for this From domain. */
  for (guint i = 0; i < results->results->len; i++)
    {
      CnvAuthResult *result = g_ptr_array_index (results->results, i);
      const char *header_from;
      g_autofree char *shown = NULL;
      g_autofree char *domain = NULL;

      if (strcmp (result->method, "dmarc") != 0)
        continue;
      have_dmarc = TRUE;
      header_from = find_property (result, "header.from");
      shown = cnv_text_show (header_from != NULL ? header_from : from_domain);
      if (strcmp (result->result, "pass") != 0)
        {
          *reason = g_strdup_printf ("DMARC %s for header.from=%s (%s)", result->result, shown,
                                     results->authserv_id);
          return CNV_SENDER_AUTH_FAIL;
        }
      domain = header_from != NULL ? normalize_domain (header_from) : g_strdup (from_domain);
      if (domain == NULL || strcmp (domain, from_domain) != 0)
        {
          *reason = g_strdup_printf ("DMARC passed for header.from=%s, not for the From domain %s",
                                     shown, from_domain);
          return CNV_SENDER_AUTH_FAIL;
        }
    }
  if (have_dmarc)
    {
      *reason = g_strdup_printf ("DMARC pass for %s (%s)", from_domain, results->authserv_id);
      return CNV_SENDER_AUTH_PASS;
    }

  /* Without DMARC: a passing DKIM signature of the From domain's organisation. The signing
   * domain is d= (RFC 6376 §3.5), else the domain of i=, which the verifier checked to lie
   * within d=. */
  for (guint i = 0; i < results->results->len; i++)
    {
      CnvAuthResult *result = g_ptr_array_index (results->results, i);
      const char *signer;
      g_autofree char *domain = NULL;

      if (strcmp (result->method, "dkim") != 0 || strcmp (result->result, "pass") != 0)
        continue;
      have_dkim_pass = TRUE;
      signer = find_property (result, "header.d");
      if (signer == NULL)
        signer = find_property (result, "header.i");
      if (signer == NULL)
        continue;
      domain = normalize_domain (signer);
      if (domain != NULL && domains_aligned (domain, from_domain))
        {
          *reason = g_strdup_printf ("DKIM pass for %s, aligned with the From domain %s (%s)",
                                     domain, from_domain, results->authserv_id);
          return CNV_SENDER_AUTH_PASS;
        }
      if (other_dkim == NULL)
        other_dkim = cnv_text_show (signer);
    }

  if (other_dkim != NULL)
    *reason = g_strdup_printf ("no DMARC result, and DKIM passed only for %s, not aligned with the From domain %s",
                               other_dkim, from_domain);
  else if (have_dkim_pass)
    *reason = g_strdup ("no DMARC result, and the passing DKIM result names no signing domain");
  else
    *reason = g_strdup_printf ("no DMARC result and no passing DKIM signature for %s (%s)",
                               from_domain, results->authserv_id);
  return CNV_SENDER_AUTH_FAIL;
}

/* A DMARC verdict other than pass in @results, or NULL. */
static const CnvAuthResult *
find_dmarc_failure (CnvAuthResults *results)
{
  for (guint i = 0; i < results->results->len; i++)
    {
      const CnvAuthResult *result = g_ptr_array_index (results->results, i);

      if (strcmp (result->method, "dmarc") == 0 && strcmp (result->result, "pass") != 0)
        return result;
    }
  return NULL;
}

static CnvSenderAuth
check_sender (GMimeMessage  *message,
              const char    *trusted_authserv_id,
              char         **reason)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
  int count = g_mime_header_list_get_count (headers);
  g_autofree char *trusted = cnv_text_show (trusted_authserv_id);
  g_autofree char *from_domain = NULL;
  g_autoptr(CnvAuthResults) topmost = NULL;

  /* RFC 8601 §5: only the authserv-id says who wrote a header, and only the trusted server's
   * may be believed. The topmost one is the last added (RFC 5322 §3.6: trace fields are
   * prepended), above anything the sender wrote: its verdict decides. The trusted server may
   * also have stamped the mail more than once (Postfix with OpenDKIM and OpenDMARC writes one
   * header per milter; a content filter reinjects the mail): a DMARC failure or an unreadable
   * header in any of its stamps still fails the mail. A sender who forges such a header can
   * only fail their own mail. */
  for (int i = 0; i < count; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, i);
      g_autoptr(CnvAuthResults) results = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *authserv_id = NULL;
      const CnvAuthResult *failure;
      const char *raw;

      if (g_ascii_strcasecmp (g_mime_header_get_name (header), "Authentication-Results") != 0)
        continue;
      raw = g_mime_header_get_raw_value (header);
      results = cnv_auth_results_parse_full (raw != NULL ? raw : "", &authserv_id, &error);
      if (authserv_id == NULL || g_ascii_strcasecmp (authserv_id, trusted_authserv_id) != 0)
        continue;
      if (results == NULL)
        {
          *reason = g_strdup_printf ("the Authentication-Results of %s cannot be read: %s",
                                     trusted, error->message);
          return CNV_SENDER_AUTH_FAIL;
        }
      if (topmost == NULL)
        {
          topmost = g_steal_pointer (&results);
          continue;
        }
      failure = find_dmarc_failure (results);
      if (failure != NULL)
        {
          const char *header_from = find_property (failure, "header.from");
          g_autofree char *shown = cnv_text_show (header_from != NULL ? header_from : "?");

          *reason = g_strdup_printf ("DMARC %s for header.from=%s in an earlier Authentication-Results of %s",
                                     failure->result, shown, trusted);
          return CNV_SENDER_AUTH_FAIL;
        }
    }

  /* The trusted server stamps every mail it receives: a mail without its stamp did not come
   * through it, or lost the stamp on the way. */
  if (topmost == NULL)
    {
      *reason = g_strdup_printf ("no Authentication-Results from %s", trusted);
      return CNV_SENDER_AUTH_FAIL;
    }
  from_domain = get_from_domain (message, reason);
  if (from_domain == NULL)
    return CNV_SENDER_AUTH_FAIL;
  return judge_results (topmost, from_domain, reason);
}

/**
 * cnv_manager_policy_check_sender:
 * @message: a mail that reached the manager
 * @trusted_authserv_id: (nullable): the authserv-id of the receiving server whose verdicts the
 *   manager believes (`mx.example.org`), or %NULL when none is configured
 * @reason: (out) (optional) (transfer full): a short sentence for the logs
 *
 * Whether the From address of @message is authentic, by the `Authentication-Results` that the
 * trusted server wrote; every other `Authentication-Results` header is ignored (RFC 8601 §5), and
 * the topmost header from the trusted server decides. A DMARC result decides when there is one
 * (pass, for the From domain, is PASS; anything else FAIL). Without one, a passing DKIM
 * signature of a domain aligned with the From domain (relaxed: equal, or a subdomain of one
 * another) is PASS. No header from the trusted server is FAIL; so is any of its headers that
 * cannot be parsed or that holds a DMARC result other than pass, wherever it stands.
 *
 * Returns: the verdict; %CNV_SENDER_AUTH_UNCHECKED only without @trusted_authserv_id
 */
CnvSenderAuth
cnv_manager_policy_check_sender (GMimeMessage  *message,
                                 const char    *trusted_authserv_id,
                                 char         **reason)
{
  g_autofree char *why = NULL;
  CnvSenderAuth verdict;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), CNV_SENDER_AUTH_FAIL);

  if (trusted_authserv_id == NULL || *trusted_authserv_id == '\0')
    {
      why = g_strdup ("no trusted authserv-id is configured: the sender is not checked");
      verdict = CNV_SENDER_AUTH_UNCHECKED;
    }
  else
    verdict = check_sender (message, trusted_authserv_id, &why);

  g_debug ("Sender check: %s", why);
  if (reason != NULL)
    *reason = g_steal_pointer (&why);
  return verdict;
}

/* Mail written by programs (RFC 3834) */

static gboolean
is_daemon_address (InternetAddressList *list,
                   guint                depth)
{
  int count = internet_address_list_length (list);

  for (int i = 0; i < count; i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (address))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
          const char *at = addr != NULL ? strrchr (addr, '@') : NULL;
          gsize len = addr == NULL ? 0 : at != NULL ? (gsize) (at - addr) : strlen (addr);

          if (len == strlen ("mailer-daemon") && g_ascii_strncasecmp (addr, "mailer-daemon", len) == 0)
            return TRUE;
        }
      else if (INTERNET_ADDRESS_IS_GROUP (address) && depth < 4 &&
               is_daemon_address (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)),
                                  depth + 1))
        return TRUE;
    }
  return FALSE;
}

static char *
find_automatic (GMimeMessage *message)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (message));
  GMimeObject *body = g_mime_message_get_mime_part (message);
  g_autoptr(InternetAddressList) from = NULL;
  int count = g_mime_header_list_get_count (headers);
  /* Headers whose mere presence marks mail written by a program. Not among them:
   * X-Auto-Response-Suppress, which Outlook sets on mail people write, asking others' robots
   * not to answer it. */
  static const char *const markers[][2] = {
    { "List-Id", "a mailing-list mail (List-Id, RFC 2919)" },
    { "List-Unsubscribe", "a mailing-list or bulk mail (List-Unsubscribe, RFC 2369)" },
    { "X-Autoreply", "an automatic reply (X-Autoreply)" },
    { "X-Autorespond", "an automatic reply (X-Autorespond)" },
    { "X-MS-Exchange-Generated-Message-Source", "generated by Exchange (X-MS-Exchange-Generated-Message-Source)" },
    { "X-MS-Exchange-Inbox-Rules-Loop", "sent by an Exchange inbox rule (X-MS-Exchange-Inbox-Rules-Loop)" },
  };

  for (int i = 0; i < count; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, i);
      const char *name = g_mime_header_get_name (header);
      const char *raw = g_mime_header_get_raw_value (header);
      g_autofree char *word = NULL;

      if (raw == NULL)
        raw = "";

      /* RFC 3834 §5: any value but "no" marks a mail written by a program. */
      if (g_ascii_strcasecmp (name, "Auto-Submitted") == 0)
        {
          g_autofree char *value = g_strstrip (g_strdup (raw));
          g_autofree char *shown = NULL;

          word = cnv_header_first_word (raw);
          if (g_strcmp0 (word, "no") == 0)
            continue;
          shown = cnv_text_show (value);
          return g_strdup_printf ("automatic mail (Auto-Submitted: %s, RFC 3834)", shown);
        }
      if (g_ascii_strcasecmp (name, "Return-Path") == 0 && cnv_header_is_null_path (raw))
        return g_strdup ("a bounce (Return-Path: <>, the null sender of delivery reports)");
      /* RFC 3834 §2: the de facto Precedence values of bulk and list mail. */
      if (g_ascii_strcasecmp (name, "Precedence") == 0)
        {
          word = cnv_header_first_word (raw);
          if (g_strcmp0 (word, "bulk") == 0 || g_strcmp0 (word, "junk") == 0 ||
              g_strcmp0 (word, "list") == 0)
            return g_strdup_printf ("bulk mail (Precedence: %s)", word);
          continue;
        }
      for (gsize m = 0; m < G_N_ELEMENTS (markers); m++)
        if (g_ascii_strcasecmp (name, markers[m][0]) == 0)
          return g_strdup (markers[m][1]);
    }

  /* RFC 6522: multipart/report carries machine-readable reports (delivery-status: RFC 3464,
   * disposition-notification: RFC 8098, feedback-report: RFC 5965…), written by programs. */
  if (body != NULL)
    {
      GMimeContentType *type = g_mime_object_get_content_type (body);

      if (type != NULL && g_mime_content_type_is_type (type, "multipart", "report"))
        {
          const char *report = g_mime_content_type_get_parameter (type, "report-type");
          g_autofree char *shown = cnv_text_show (report != NULL ? report : "none");

          return g_strdup_printf ("a report (multipart/report; report-type=%s)", shown);
        }
    }

  from = cnv_mime_get_addresses (message, "From");
  if (is_daemon_address (from, 0))
    return g_strdup ("a bounce (From: MAILER-DAEMON)");
  return NULL;
}

/**
 * cnv_manager_policy_is_automatic:
 * @message: a mail that reached the manager
 * @reason: (out) (optional) (transfer full) (nullable): which header shows it, for the logs;
 *   %NULL when the mail is not automatic
 *
 * Whether @message was written by a program, which the manager must not answer (RFC 3834 §2):
 * `Auto-Submitted` other than `no`, a bounce (`Return-Path: <>`, From MAILER-DAEMON, a
 * `multipart/report`), `Precedence: bulk|junk|list`, a list header (`List-Id`,
 * `List-Unsubscribe`), `X-Autoreply`, `X-Autorespond`, or Exchange's
 * `X-MS-Exchange-Generated-Message-Source` and `X-MS-Exchange-Inbox-Rules-Loop`.
 *
 * Returns: %TRUE when the mail is to be ignored silently
 */
gboolean
cnv_manager_policy_is_automatic (GMimeMessage  *message,
                                 char         **reason)
{
  g_autofree char *why = NULL;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), FALSE);

  why = find_automatic (message);
  if (reason != NULL)
    *reason = g_strdup (why);
  return why != NULL;
}
