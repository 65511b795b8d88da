/* address-book-test-common.h — helpers shared by the address book's tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-address-book.h"
#include "test-async.h"

/* The address book kept in @path, loaded within @timeout_s seconds. */
static inline CnvAddressBook *
book_load (const char *path,
           guint       timeout_s)
{
  g_autoptr(CnvAddressBook) book = cnv_address_book_new (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  cnv_address_book_load_async (book, NULL, store_result_cb, &result);
  g_assert_true (cnv_address_book_load_finish (book, wait_result (&result, timeout_s), &error));
  g_assert_no_error (error);
  return g_steal_pointer (&book);
}

/* The addresses completion gives for @query (at most @limit), comma separated. */
static inline char *
book_complete (CnvAddressBook *book,
               const char     *query,
               guint           limit)
{
  g_autoptr(GPtrArray) results = cnv_address_book_complete (book, query, limit);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < results->len; i++)
    {
      CnvAddressBookEntry *entry = g_ptr_array_index (results, i);

      g_string_append_printf (out, "%s%s", i > 0 ? "," : "", entry->address);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
