/* smtp-test-common.c — messages and synchronous submissions for the SMTP tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-smtp-test"

#include "config.h"

#include <string.h>

#include "log-guard.h"
#include "smtp-test-common.h"
#include "test-async.h"

GMimeMessage *
make_message (const char *subject,
              const char *body)
{
  GMimeMessage *message = g_mime_message_new (TRUE);
  g_autoptr(GMimeTextPart) part = g_mime_text_part_new_with_subtype ("plain");
  g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 12, 1, 14, 0, 0);
  g_autofree char *id = g_strdup_printf ("test-smtp-%" G_GINT64_FORMAT "-%u@example.test",
                                         g_get_real_time (), g_random_int ());

  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, "Alice", "alice@example.test");
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, "Bob", "bob@example.test");
  g_mime_message_set_subject (message, subject, "utf-8");
  g_mime_message_set_date (message, date);
  g_mime_message_set_message_id (message, id);
  g_mime_text_part_set_text (part, body);
  g_mime_part_set_content_encoding (GMIME_PART (part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_message_set_mime_part (message, GMIME_OBJECT (part));
  return message;
}

CnvSmtpResult *
submit (const CnvMailServer  *server,
        const char           *secret,
        const char           *envelope_from,
        const char * const   *recipients,
        GMimeMessage         *message,
        GCancellable         *cancellable,
        GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cnv_smtp_submit_async (server, secret, envelope_from, recipients, message, cancellable,
                         store_result_cb, &result);
  /* The callback never runs before the function returns. */
  g_assert_null (result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return cnv_smtp_submit_finish (result, error);
}

void
forbid_secret (const char *user,
               const char *secret)
{
  g_autofree char *encoded = g_base64_encode ((const guchar *) secret, strlen (secret));

  log_guard_forbid (secret);
  log_guard_forbid (encoded);
  if (user != NULL)
    {
      g_autoptr(GString) plain = g_string_new (NULL);
      g_autofree char *plain_encoded = NULL;

      g_string_append_c (plain, '\0');
      g_string_append (plain, user);
      g_string_append_c (plain, '\0');
      g_string_append (plain, secret);
      plain_encoded = g_base64_encode ((const guchar *) plain->str, plain->len);
      log_guard_forbid (plain_encoded);
    }
}
