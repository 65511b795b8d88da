/* cnv-provider.c — guessing the mail servers from an address (GTK-free)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three steps, the first that answers wins: the table of common providers below (no network), the
 * domain's autoconfig document fetched with libsoup (cnv-provider-autoconfig.c reads it), and a
 * plain guess. The guess only pre-fills the account page: any failure of the fetch (offline, no
 * such host, 404, a slow or hostile server) quietly becomes the plain guess.
 */
#define G_LOG_DOMAIN "cnv-provider"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "cnv-address.h"
#include "cnv-provider.h"

/* The draft's well-known location (draft-ietf-mailmaint-autoconfig §4.1, as Thunderbird asks). */
#define AUTOCONFIG_URL "https://autoconfig.%s/mail/config-v1.1.xml"
#define MAX_BODY (1024 * 1024)
#define READ_CHUNK 16384

typedef enum
{
  USER_ADDRESS,
  USER_LOCAL_PART,
} UserStyle;

typedef struct
{
  const char      *host;
  guint16          port;
  CnvMailSecurity  security;
  UserStyle        user;
} TableServer;

typedef struct
{
  const char * const *domains;
  const char         *display_name;
  TableServer         imap;
  TableServer         smtp;
  const char         *password_hint;  /* N_(): what the password must be, or NULL */
} TableProvider;

#define TLS CNV_MAIL_SECURITY_TLS
#define STARTTLS CNV_MAIL_SECURITY_STARTTLS

/* From each provider's own documentation (the ISPDB of Thunderbird agrees). Implicit TLS where the
 * provider offers it (RFC 8314 §3.3); the user name is the address unless the provider's
 * documentation says otherwise.
 *
 * The account's own password is refused by many of them; each entry's hint says what to use
 * instead, and the connection test adds it to "refused the user name or password":
 * - an app password (a password made for one program in the account's security settings): Gmail
 *   (Google turned password sign-in off for other programs; app passwords need 2-Step
 *   Verification), Yahoo Mail, AOL Mail, iCloud Mail ("app-specific password"), Fastmail, Yandex
 *   Mail, and Zoho Mail when two-factor authentication is on;
 * - OAuth 2.0 only: Outlook.com, Hotmail and Live (Microsoft turned basic authentication off for
 *   personal accounts on 16 September 2024). Their servers are still listed: they are right, and
 *   the test then says why the password was refused;
 * - IMAP access to turn on first in the web settings: GMX, WEB.DE (off for new accounts);
 * - Proton: the password of Proton Mail Bridge, not the account's. */
static const TableProvider providers[] = {
  /* https://support.google.com/mail/answer/7126229, https://support.google.com/accounts/answer/185833 */
  { (const char * const[]) { "gmail.com", "googlemail.com", NULL }, "Gmail",
    { "imap.gmail.com", 993, TLS, USER_ADDRESS }, { "smtp.gmail.com", 465, TLS, USER_ADDRESS },
    N_("Gmail needs an app password: create one in your Google account’s security settings "
       "(2-Step Verification must be on).") },
  /* https://support.microsoft.com/office/d088b986-291d-42b8-9564-9c414e2aa040 — SMTP is
   * STARTTLS on 587 only. https://techcommunity.microsoft.com (Outlook.com basic authentication
   * retirement, 16 September 2024) */
  { (const char * const[]) { "outlook.com", "hotmail.com", "live.com", "msn.com", "windowslive.com",
                             "outlook.de", "outlook.fr", "hotmail.co.uk", "hotmail.de",
                             "hotmail.fr", "hotmail.it", "live.de", "live.fr", "live.co.uk", NULL },
    "Outlook.com",
    { "outlook.office365.com", 993, TLS, USER_ADDRESS },
    { "smtp-mail.outlook.com", 587, STARTTLS, USER_ADDRESS },
    N_("Since September 2024, Outlook.com accepts only Microsoft’s own sign-in (OAuth) from mail "
       "programs, not a password: Convene cannot sign in to it.") },
  /* https://help.yahoo.com/kb/SLN4075.html, app passwords: https://help.yahoo.com/kb/SLN15241.html */
  { (const char * const[]) { "yahoo.com", "ymail.com", "rocketmail.com", "yahoo.co.uk",
                             "yahoo.de", "yahoo.fr", "yahoo.it", "yahoo.es", NULL },
    "Yahoo Mail",
    { "imap.mail.yahoo.com", 993, TLS, USER_ADDRESS },
    { "smtp.mail.yahoo.com", 465, TLS, USER_ADDRESS },
    N_("Yahoo Mail needs an app password: generate one in your Yahoo account’s security "
       "settings.") },
  /* https://support.apple.com/HT202304 — IMAP takes the name before the @, SMTP the address;
   * app-specific passwords: https://support.apple.com/HT204397 */
  { (const char * const[]) { "icloud.com", "me.com", "mac.com", NULL }, "iCloud Mail",
    { "imap.mail.me.com", 993, TLS, USER_LOCAL_PART },
    { "smtp.mail.me.com", 587, STARTTLS, USER_ADDRESS },
    N_("iCloud Mail needs an app-specific password: create one in your Apple Account’s Sign-In "
       "and Security settings.") },
  /* https://hilfe.gmx.net/pop-imap/imap/imap-serverdaten.html (465 SSL or 587 STARTTLS);
   * https://hilfe.gmx.net/pop-imap/einschalten.html */
  { (const char * const[]) { "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.eu", NULL }, "GMX",
    { "imap.gmx.net", 993, TLS, USER_ADDRESS }, { "mail.gmx.net", 465, TLS, USER_ADDRESS },
    N_("GMX accepts mail programs only once POP3 and IMAP access is turned on in the GMX "
       "settings.") },
  /* https://support.gmx.com/pop-imap/imap/server.html */
  { (const char * const[]) { "gmx.com", "gmx.us", "gmx.co.uk", "gmx.fr", "gmx.es", "gmx.it",
                             NULL }, "GMX",
    { "imap.gmx.com", 993, TLS, USER_ADDRESS }, { "mail.gmx.com", 465, TLS, USER_ADDRESS },
    N_("GMX accepts mail programs only once POP3 and IMAP access is turned on in the GMX "
       "settings.") },
  /* https://hilfe.web.de/pop-imap/imap/imap-serverdaten.html — SMTP: smtp.web.de, 587,
   * STARTTLS; https://hilfe.web.de/pop-imap/einschalten.html */
  { (const char * const[]) { "web.de", NULL }, "WEB.DE",
    { "imap.web.de", 993, TLS, USER_ADDRESS }, { "smtp.web.de", 587, STARTTLS, USER_ADDRESS },
    N_("WEB.DE accepts mail programs only once POP3 and IMAP access is turned on in the WEB.DE "
       "settings.") },
  /* https://kb.mailbox.org/en/private/e-mail/e-mail-configuration */
  { (const char * const[]) { "mailbox.org", NULL }, "mailbox.org",
    { "imap.mailbox.org", 993, TLS, USER_ADDRESS },
    { "smtp.mailbox.org", 465, TLS, USER_ADDRESS }, NULL },
  /* https://posteo.de/en/help/how-do-i-set-up-posteo-in-an-email-client-pop3-imap-and-smtp */
  { (const char * const[]) { "posteo.de", "posteo.net", "posteo.at", "posteo.ch", "posteo.eu",
                             "posteo.org", "posteo.com", NULL }, "Posteo",
    { "posteo.de", 993, TLS, USER_ADDRESS }, { "posteo.de", 465, TLS, USER_ADDRESS }, NULL },
  /* https://www.fastmail.help/hc/en-us/articles/1500000278342 — app passwords only */
  { (const char * const[]) { "fastmail.com", "fastmail.fm", "fastmail.net", "fastmail.org",
                             "fastmail.de", "fastmail.uk", "sent.com", NULL }, "Fastmail",
    { "imap.fastmail.com", 993, TLS, USER_ADDRESS },
    { "smtp.fastmail.com", 465, TLS, USER_ADDRESS },
    N_("Fastmail needs an app password: create one in Fastmail’s settings under Privacy & "
       "Security.") },
  /* Proton has no IMAP or SMTP of its own: Proton Mail Bridge, running on the user's machine,
   * offers both on loopback (https://proton.me/support/imap-smtp-and-pop3-setup) with a password
   * of its own, and a certificate of its own that the user exports as the account's CA file. */
  { (const char * const[]) { "proton.me", "protonmail.com", "protonmail.ch", "pm.me", NULL },
    "Proton Mail Bridge",
    { "127.0.0.1", 1143, STARTTLS, USER_ADDRESS }, { "127.0.0.1", 1025, STARTTLS, USER_ADDRESS },
    N_("Proton Mail works through Proton Mail Bridge: Bridge must be running, and the password "
       "is the one Bridge shows for this address, not your Proton password.") },
  /* https://www.zoho.com/mail/help/imap-access.html, …/zoho-smtp.html,
   * …/adminconsole/two-factor-authentication.html (app-specific passwords) */
  { (const char * const[]) { "zoho.com", "zohomail.com", NULL }, "Zoho Mail",
    { "imap.zoho.com", 993, TLS, USER_ADDRESS }, { "smtp.zoho.com", 465, TLS, USER_ADDRESS },
    N_("Zoho Mail needs IMAP access turned on in its settings, and an app-specific password "
       "when two-factor authentication is on.") },
  { (const char * const[]) { "zoho.eu", "zohomail.eu", NULL }, "Zoho Mail",
    { "imap.zoho.eu", 993, TLS, USER_ADDRESS }, { "smtp.zoho.eu", 465, TLS, USER_ADDRESS },
    N_("Zoho Mail needs IMAP access turned on in its settings, and an app-specific password "
       "when two-factor authentication is on.") },
  /* https://help.aol.com/articles/how-do-i-use-other-email-applications-to-send-and-receive-my-aol-mail
   * — app passwords: https://help.aol.com/articles/Create-and-manage-app-password */
  { (const char * const[]) { "aol.com", "aim.com", NULL }, "AOL Mail",
    { "imap.aol.com", 993, TLS, USER_ADDRESS }, { "smtp.aol.com", 465, TLS, USER_ADDRESS },
    N_("AOL Mail needs an app password: generate one in your AOL account’s security "
       "settings.") },
  /* https://yandex.com/support/mail/mail-clients/others.html,
   * https://yandex.com/support/id/authorization/app-passwords.html */
  { (const char * const[]) { "yandex.com", "yandex.ru", "ya.ru", "yandex.by", "yandex.kz",
                             "yandex.ua", NULL }, "Yandex Mail",
    { "imap.yandex.com", 993, TLS, USER_ADDRESS }, { "smtp.yandex.com", 465, TLS, USER_ADDRESS },
    N_("Yandex Mail needs an app password, created in your Yandex ID settings, and mail "
       "programs allowed in the Yandex Mail settings.") },
  /* https://assistance.orange.fr (Mail Orange: IMAP and SMTP settings) */
  { (const char * const[]) { "orange.fr", "wanadoo.fr", NULL }, "Mail Orange",
    { "imap.orange.fr", 993, TLS, USER_ADDRESS }, { "smtp.orange.fr", 465, TLS, USER_ADDRESS },
    NULL },
  /* https://assistance.free.fr/articles/configurer-de-maniere-avancee-mon-logiciel-de-messagerie-609
   * — the login is the name before the @ */
  { (const char * const[]) { "free.fr", NULL }, "Free",
    { "imap.free.fr", 993, TLS, USER_LOCAL_PART }, { "smtp.free.fr", 465, TLS, USER_LOCAL_PART },
    NULL },
  /* https://aide.laposte.net — "dans prenom.nom@laposte.net, l'identifiant est prenom.nom" */
  { (const char * const[]) { "laposte.net", NULL }, "La Poste",
    { "imap.laposte.net", 993, TLS, USER_LOCAL_PART },
    { "smtp.laposte.net", 465, TLS, USER_LOCAL_PART }, NULL },
};

#undef TLS
#undef STARTTLS

/**
 * cnv_provider_guess_free:
 * @self: (nullable): a guess
 */
void
cnv_provider_guess_free (CnvProviderGuess *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->imap, cnv_mail_server_free);
  g_clear_pointer (&self->smtp, cnv_mail_server_free);
  g_free (self->display_name);
  g_free (self);
}

static CnvMailServer *
server_from_table (const TableServer *entry,
                   const char        *address)
{
  CnvMailServer *server = cnv_mail_server_new (entry->host, entry->port, entry->security);

  if (entry->user == USER_LOCAL_PART)
    server->user = g_strndup (address, strrchr (address, '@') - address);
  else
    server->user = g_strdup (address);
  return server;
}

/* The table's entry for the domain of @address (compared normalised: case, IDNA), or NULL;
 * @normalized gets the normalised address when not NULL. */
static const TableProvider *
find_provider (const char  *address,
               char       **normalized)
{
  g_autofree char *own = cnv_address_normalize (address, NULL);
  g_autofree char *domain = NULL;

  if (own == NULL)
    return NULL;
  domain = cnv_address_get_domain (own);
  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    if (g_strv_contains (providers[i].domains, domain))
      {
        if (normalized != NULL)
          *normalized = g_steal_pointer (&own);
        return &providers[i];
      }
  return NULL;
}

/**
 * cnv_provider_guess_from_table:
 * @address: an e-mail address
 *
 * Returns: (transfer full) (nullable): the table's servers for the domain of @address (source
 *   %CNV_PROVIDER_SOURCE_TABLE), or %NULL when the domain is not in the table or @address is not
 *   an address
 */
CnvProviderGuess *
cnv_provider_guess_from_table (const char *address)
{
  g_autofree char *normalized = NULL;
  const TableProvider *provider;
  CnvProviderGuess *guess;

  g_return_val_if_fail (address != NULL, NULL);

  provider = find_provider (address, &normalized);
  if (provider == NULL)
    return NULL;
  guess = g_new0 (CnvProviderGuess, 1);
  guess->imap = server_from_table (&provider->imap, normalized);
  guess->smtp = server_from_table (&provider->smtp, normalized);
  guess->display_name = g_strdup (provider->display_name);
  guess->source = CNV_PROVIDER_SOURCE_TABLE;
  return guess;
}

/**
 * cnv_provider_get_password_hint:
 * @address: an e-mail address
 *
 * What the password must be for the provider of @address, when the table knows that it is not
 * simply the account's password ("Gmail needs an app password: …").
 *
 * Returns: (nullable): a translated sentence, or %NULL when the domain is not in the table, its
 *   provider takes the account's password, or @address is not an address
 */
const char *
cnv_provider_get_password_hint (const char *address)
{
  const TableProvider *provider;

  g_return_val_if_fail (address != NULL, NULL);

  provider = find_provider (address, NULL);
  if (provider == NULL || provider->password_hint == NULL)
    return NULL;
  return _(provider->password_hint);
}

/**
 * cnv_provider_guess_fallback:
 * @address: an e-mail address
 *
 * Returns: (transfer full) (nullable): imap.DOMAIN:993 and smtp.DOMAIN:465, both implicit TLS
 *   (RFC 8314 §3.3: preferred over STARTTLS), the address as user name; %NULL when @address is
 *   not an address
 */
CnvProviderGuess *
cnv_provider_guess_fallback (const char *address)
{
  g_autofree char *normalized = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *imap_host = NULL;
  g_autofree char *smtp_host = NULL;
  CnvProviderGuess *guess;

  g_return_val_if_fail (address != NULL, NULL);

  normalized = cnv_address_normalize (address, NULL);
  if (normalized == NULL)
    return NULL;
  domain = cnv_address_get_domain (normalized);
  imap_host = g_strconcat ("imap.", domain, NULL);
  smtp_host = g_strconcat ("smtp.", domain, NULL);

  guess = g_new0 (CnvProviderGuess, 1);
  guess->imap = cnv_mail_server_new (imap_host, 993, CNV_MAIL_SECURITY_TLS);
  guess->imap->user = g_strdup (normalized);
  guess->smtp = cnv_mail_server_new (smtp_host, 465, CNV_MAIL_SECURITY_TLS);
  guess->smtp->user = g_strdup (normalized);
  guess->source = CNV_PROVIDER_SOURCE_FALLBACK;
  return guess;
}

/* The fetch */

typedef struct
{
  char         *address;
  SoupSession  *session;
  SoupMessage  *message;
  GInputStream *stream;
  GByteArray   *body;
  GCancellable *fetch_cancellable;  /* cancelled by the caller's cancellable or the timeout */
  gulong        cancelled_id;
  GCancellable *caller_cancellable;
  GSource      *timeout;            /* holds a reference on the task until destroyed */
  gboolean      timed_out;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  if (fetch->timeout != NULL)
    {
      g_source_destroy (fetch->timeout);
      g_source_unref (fetch->timeout);
    }
  if (fetch->cancelled_id != 0)
    g_cancellable_disconnect (fetch->caller_cancellable, fetch->cancelled_id);
  g_clear_object (&fetch->caller_cancellable);
  g_free (fetch->address);
  g_clear_object (&fetch->stream);
  g_clear_object (&fetch->message);
  g_clear_object (&fetch->session);
  g_clear_pointer (&fetch->body, g_byte_array_unref);
  g_clear_object (&fetch->fetch_cancellable);
  g_free (fetch);
}

/* The fetch is over, for good or not: the document's guess, else the plain one. A cancellation by
 * the caller is the only error. */
static void
fetch_finish (GTask      *task,
              const char *why)
{
  Fetch *fetch = g_task_get_task_data (task);
  CnvProviderGuess *guess = NULL;

  /* The timeout's reference on the task goes now, not when it would have fired. */
  if (fetch->timeout != NULL)
    g_source_destroy (fetch->timeout);
  if (g_cancellable_is_cancelled (fetch->caller_cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The guess for the address was cancelled");
      return;
    }
  if (why == NULL)
    {
      g_autoptr(GError) error = NULL;

      guess = cnv_provider_parse_autoconfig ((const char *) fetch->body->data, fetch->body->len,
                                             fetch->address, &error);
      if (guess == NULL)
        why = error->message;
      if (guess == NULL)
        g_debug ("Autoconfig for %s not used: %s", fetch->address, why);
    }
  else
    g_debug ("Autoconfig for %s not used: %s", fetch->address, why);

  if (guess == NULL)
    guess = cnv_provider_guess_fallback (fetch->address);
  g_task_return_pointer (task, guess, (GDestroyNotify) cnv_provider_guess_free);
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  GCancellable *fetch_cancellable = user_data;

  g_cancellable_cancel (fetch_cancellable);
}

static gboolean
timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Fetch *fetch = g_task_get_task_data (task);

  fetch->timed_out = TRUE;
  g_cancellable_cancel (fetch->fetch_cancellable);
  return G_SOURCE_REMOVE;
}

static void read_next (GTask *task);

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize len;
  const guint8 *data;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (bytes == NULL)
    {
      fetch_finish (task, fetch->timed_out ? "timed out" : error->message);
      return;
    }
  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      fetch_finish (task, NULL);
      return;
    }
  if (fetch->body->len + len > MAX_BODY)
    {
      fetch_finish (task, "the document is larger than 1 MiB");
      return;
    }
  g_byte_array_append (fetch->body, data, len);
  read_next (task);
}

static void
read_next (GTask *task)
{
  Fetch *fetch = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (fetch->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   fetch->fetch_cancellable, read_cb, g_object_ref (task));
}

/* "application/xml", "text/xml", or a "+xml" type (RFC 7303 §4.1, §9.1). */
static gboolean
is_xml_type (const char *content_type)
{
  if (content_type == NULL)
    return FALSE;
  return g_ascii_strcasecmp (content_type, "application/xml") == 0
         || g_ascii_strcasecmp (content_type, "text/xml") == 0
         || (strlen (content_type) > 4
             && g_ascii_strcasecmp (content_type + strlen (content_type) - 4, "+xml") == 0);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *why = NULL;
  SoupMessageHeaders *headers;
  const char *content_type;
  goffset length;

  fetch->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (fetch->stream == NULL)
    {
      fetch_finish (task, fetch->timed_out ? "timed out" : error->message);
      return;
    }
  if (SOUP_STATUS_IS_REDIRECTION (soup_message_get_status (fetch->message)))
    {
      why = g_strdup_printf ("HTTP status %u: a redirect, not followed",
                             soup_message_get_status (fetch->message));
      fetch_finish (task, why);
      return;
    }
  if (soup_message_get_status (fetch->message) != SOUP_STATUS_OK)
    {
      why = g_strdup_printf ("HTTP status %u", soup_message_get_status (fetch->message));
      fetch_finish (task, why);
      return;
    }
  headers = soup_message_get_response_headers (fetch->message);
  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (!is_xml_type (content_type))
    {
      why = g_strdup_printf ("not XML (%s)", content_type != NULL ? content_type : "no type");
      fetch_finish (task, why);
      return;
    }
  length = soup_message_headers_get_content_length (headers);
  if (length > MAX_BODY)
    {
      fetch_finish (task, "the document is larger than 1 MiB");
      return;
    }
  read_next (task);
}

/* The URL of the document for @domain: @template's first "%s" replaced (never used as a format),
 * with the address as the query the draft defines (draft-ietf-mailmaint-autoconfig §4.1). */
static char *
build_url (const char *template,
           const char *domain,
           const char *address)
{
  const char *placeholder = strstr (template, "%s");
  g_autofree char *base = NULL;
  g_autofree char *query = NULL;

  if (placeholder == NULL)
    base = g_strdup (template);
  else
    base = g_strdup_printf ("%.*s%s%s", (int) (placeholder - template), template, domain,
                            placeholder + 2);
  query = g_uri_escape_string (address, NULL, FALSE);
  return g_strconcat (base, strchr (base, '?') != NULL ? "&" : "?", "emailaddress=", query, NULL);
}

/**
 * cnv_provider_guess_async:
 * @address: the e-mail address being set up
 * @autoconfig_url: (nullable): %NULL for https://autoconfig.DOMAIN/mail/config-v1.1.xml; else a
 *   URL whose first "%s" is the domain (tests)
 * @timeout_seconds: for the whole fetch, at least 1
 * @cancellable: (nullable): cancels the guess
 * @callback: called when the guess is made
 * @user_data: for @callback
 *
 * The table's guess at once when the domain is in it; else the autoconfig document when a 200
 * with an XML type and at most 1 MiB of a usable document arrives in time; else the plain guess.
 * The address is sent to the domain's own autoconfig host only: redirects are not followed.
 */
void
cnv_provider_guess_async (const char          *address,
                          const char          *autoconfig_url,
                          guint                timeout_seconds,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  CnvProviderGuess *guess;
  Fetch *fetch;

  g_return_if_fail (address != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_provider_guess_async);
  g_task_set_name (task, "cnv_provider_guess");

  normalized = cnv_address_normalize (address, &error);
  if (normalized == NULL)
    {
      g_task_return_new_error (task, CNV_PROVIDER_ERROR, CNV_PROVIDER_ERROR_ADDRESS, "%s",
                               error->message);
      return;
    }
  guess = cnv_provider_guess_from_table (normalized);
  if (guess != NULL)
    {
      g_task_return_pointer (task, guess, (GDestroyNotify) cnv_provider_guess_free);
      return;
    }

  domain = cnv_address_get_domain (normalized);
  url = build_url (autoconfig_url != NULL ? autoconfig_url : AUTOCONFIG_URL, domain, normalized);

  fetch = g_new0 (Fetch, 1);
  fetch->address = g_steal_pointer (&normalized);
  fetch->body = g_byte_array_new ();
  fetch->fetch_cancellable = g_cancellable_new ();
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);
  if (cancellable != NULL)
    {
      fetch->caller_cancellable = g_object_ref (cancellable);
      fetch->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                   g_object_ref (fetch->fetch_cancellable),
                                                   g_object_unref);
    }

  fetch->message = soup_message_new (SOUP_METHOD_GET, url);
  if (fetch->message == NULL)
    {
      fetch_finish (task, "not a valid URL");
      return;
    }
  /* No redirect is followed: the request carries the address (the draft's query), which goes to
   * the domain's own autoconfig host over https and nowhere else — a redirect could send it, and
   * take the document, from http:, another host or another scheme. A 3xx is "no document", as a
   * 404 is, and the plain guess is given; the user can still type the servers. */
  soup_message_add_flags (fetch->message, SOUP_MESSAGE_NO_REDIRECT);
  /* No cookies, no cache, no proxy resolution beyond the system's default: a plain GET. The
   * session's timeout bounds each read; the task's own timeout bounds the whole fetch. */
  fetch->session = soup_session_new_with_options ("timeout", MAX (timeout_seconds, 1u),
                                                  "user-agent", "Convene/" PACKAGE_VERSION,
                                                  NULL);
  soup_message_headers_append (soup_message_get_request_headers (fetch->message), "Accept",
                               "application/xml, text/xml");

  fetch->timeout = g_timeout_source_new_seconds (MAX (timeout_seconds, 1u));
  g_task_attach_source (task, fetch->timeout, timeout_cb);

  g_debug ("Fetching %s", url);
  soup_session_send_async (fetch->session, fetch->message, G_PRIORITY_DEFAULT,
                           fetch->fetch_cancellable, sent_cb, g_object_ref (task));
}

/**
 * cnv_provider_guess_finish:
 * @result: the result given to the callback
 * @error: %CNV_PROVIDER_ERROR_ADDRESS or %G_IO_ERROR_CANCELLED
 *
 * Returns: (transfer full): the guess
 */
CnvProviderGuess *
cnv_provider_guess_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cnv_provider_guess_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
