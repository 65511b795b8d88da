/* cnv-provider.h — guessing the mail servers from an address (GTK-free)
 *
 * First a table of common providers, then the domain's autoconfig file
 * (https://autoconfig.DOMAIN/mail/config-v1.1.xml, Thunderbird's format) fetched with libsoup with
 * a timeout (no redirect followed), then a plain guess (imap.DOMAIN:993 TLS, smtp.DOMAIN:465
 * TLS). Offline, a guess is still given; nothing fails loudly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-mail-server.h"

G_BEGIN_DECLS

#define CNV_PROVIDER_ERROR (cnv_provider_error_quark ())

typedef enum
{
  CNV_PROVIDER_ERROR_INVALID,   /* not an autoconfig document, or no usable server in it */
  CNV_PROVIDER_ERROR_ADDRESS,   /* the address is not an e-mail address */
} CnvProviderError;

typedef enum
{
  CNV_PROVIDER_SOURCE_TABLE,
  CNV_PROVIDER_SOURCE_AUTOCONFIG,
  CNV_PROVIDER_SOURCE_FALLBACK,
} CnvProviderSource;

/**
 * CnvProviderGuess:
 * @imap: the IMAP server (user filled: the address, or the local part when the provider says so)
 * @smtp: the submission server (user filled likewise)
 * @display_name: the provider's name ("Gmail"), or NULL
 * @source: where the guess came from
 */
typedef struct
{
  CnvMailServer     *imap;
  CnvMailServer     *smtp;
  char              *display_name;
  CnvProviderSource  source;
} CnvProviderGuess;

GQuark            cnv_provider_error_quark       (void);
void              cnv_provider_guess_free        (CnvProviderGuess *self);

/* The table only; NULL when the domain is not in it. */
CnvProviderGuess *cnv_provider_guess_from_table  (const char       *address);
/* When the table's provider for @address does not take the account's own password: a translated
 * sentence saying what it takes ("Gmail needs an app password: …"; Outlook.com: OAuth only), else
 * NULL. Static; not to be freed. */
const char       *cnv_provider_get_password_hint (const char       *address);
/* imap.DOMAIN / smtp.DOMAIN; NULL only when @address is not an address. */
CnvProviderGuess *cnv_provider_guess_fallback    (const char       *address);
/* Parses an autoconfig document (clientConfig v1.1); placeholders %EMAILADDRESS%,
 * %EMAILLOCALPART%, %EMAILDOMAIN% are replaced. Prefers SSL over STARTTLS, never plain. */
CnvProviderGuess *cnv_provider_parse_autoconfig  (const char       *xml,
                                                  gsize             len,
                                                  const char       *address,
                                                  GError          **error);

/**
 * cnv_provider_guess_async:
 * @autoconfig_url: NULL for the real URL; else a template whose "%s" is the domain (tests)
 * @timeout_seconds: for the whole fetch (the UI uses 5)
 *
 * Table, else autoconfig, else fallback. Finishes with an error only when @address is not an
 * address or when cancelled (G_IO_ERROR_CANCELLED).
 */
void              cnv_provider_guess_async       (const char          *address,
                                                  const char          *autoconfig_url,
                                                  guint                timeout_seconds,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
CnvProviderGuess *cnv_provider_guess_finish      (GAsyncResult        *result,
                                                  GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvProviderGuess, cnv_provider_guess_free)

G_END_DECLS
