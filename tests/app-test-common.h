/* app-test-common.h — helpers shared by the app's tests against the real mail stack
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-app-settings.h"
#include "mail-test-common.h"

/* One stack for the whole program, started on first use; main() stops it. */
static CnvMailstack *app_test_stack;

static inline CnvMailstack *
get_stack (void)
{
  if (app_test_stack == NULL)
    {
      g_autoptr(GError) error = NULL;

      app_test_stack = cnv_mailstack_start (&error);
      g_assert_no_error (error);
    }
  return app_test_stack;
}

/* @user's account on the stack, named @name: IMAP with STARTTLS, submission with STARTTLS,
 * the stack's CA. */
static inline CnvAccount *
stack_account (const char *user,
               const char *name)
{
  CnvMailstack *ms = get_stack ();
  CnvAccount *account = g_new0 (CnvAccount, 1);

  account->address = g_strdup_printf ("%s@%s", user, ms->domain);
  account->name = g_strdup (name);
  account->imap = stack_imap_server (ms, user, CNV_MAIL_SECURITY_STARTTLS);
  account->smtp = cnv_mail_server_new (ms->host, ms->submission_port, CNV_MAIL_SECURITY_STARTTLS);
  account->smtp->user = g_strdup (account->address);
  account->smtp->ca_file = g_strdup (ms->ca_file);
  return account;
}
