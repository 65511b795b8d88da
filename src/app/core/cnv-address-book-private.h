/* cnv-address-book-private.h — what CnvAddressBook and its evolution-data-server part share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-address-book.h"

G_BEGIN_DECLS

/* The contact side of the book, as the EDS part feeds it. An address may be in several contacts
 * (two address books, or twice in one): the book counts them, and the address stays a contact
 * until the last of them is forgotten. Neither emits "changed": the EDS part calls
 * cnv_address_book_emit_changed() once per batch of contacts. */
void                cnv_address_book_add_contact     (CnvAddressBook      *self,
                                                      const char          *name,
                                                      const char          *address);
void                cnv_address_book_forget_contact  (CnvAddressBook      *self,
                                                      const char          *address);
void                cnv_address_book_emit_changed    (CnvAddressBook      *self);

/* The book's EDS part: the source registry, one EBookClient and one view per enabled address
 * book, followed until cnv_address_book_eds_free(). It holds the book without a reference (the
 * book owns it and frees it in dispose). Without libebook, a part that does nothing. */
typedef struct _CnvAddressBookEds CnvAddressBookEds;

CnvAddressBookEds  *cnv_address_book_eds_new         (CnvAddressBook      *book);
/* Finishes once every address book has given its contacts, failed, or taken longer than the load
 * timeout (it is followed afterwards anyway); no registry (EDS is not running) is not an error. */
void                cnv_address_book_eds_load_async  (CnvAddressBookEds   *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean            cnv_address_book_eds_load_finish (CnvAddressBookEds   *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);
/* Stops following the address books and cancels what is pending. */
void                cnv_address_book_eds_free        (CnvAddressBookEds   *self);

G_END_DECLS
