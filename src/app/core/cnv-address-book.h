/* cnv-address-book.h — completion for address fields: the user's address books and the addresses
 * Convene has seen, in one list ordered by use (GTK-free)
 *
 * evolution-data-server's address books (GNOME Contacts, synced Google/Nextcloud accounts) through
 * libebook when it is there at build time (HAVE_LIBEBOOK) and running; plus the addresses collected
 * from sent requests and received invitations, kept in a file (XDG data dir, convene/addresses.json).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-address.h"

G_BEGIN_DECLS

typedef enum
{
  CNV_ADDRESS_BOOK_ORIGIN_CONTACTS  = 1 << 0,  /* an evolution-data-server address book */
  CNV_ADDRESS_BOOK_ORIGIN_COLLECTED = 1 << 1,  /* seen in a request or an invitation */
} CnvAddressBookOrigin;

typedef struct
{
  char                 *name;       /* may be NULL */
  char                 *address;    /* normalised */
  guint                 uses;
  gint64                last_used;  /* unix seconds, 0 = never */
  CnvAddressBookOrigin  origin;
} CnvAddressBookEntry;

#define CNV_TYPE_ADDRESS_BOOK (cnv_address_book_get_type ())

G_DECLARE_FINAL_TYPE (CnvAddressBook, cnv_address_book, CNV, ADDRESS_BOOK, GObject)

void            cnv_address_book_entry_free (CnvAddressBookEntry *self);

/* @collected_path: NULL = $XDG_DATA_HOME/convene/addresses.json */
CnvAddressBook *cnv_address_book_new        (const char          *collected_path);
/* Reads the collected file and, when built with libebook, opens every enabled address book and
 * follows its changes ("changed" is emitted after each change). Never fails because EDS is absent:
 * then only the collected addresses are there. */
void            cnv_address_book_load_async (CnvAddressBook      *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean        cnv_address_book_load_finish (CnvAddressBook     *self,
                                             GAsyncResult        *result,
                                             GError             **error);
/* Adds or merges one entry by hand (tests, benchmark, and the EDS backend itself). */
void            cnv_address_book_add        (CnvAddressBook      *self,
                                             const char          *name,
                                             const char          *address,
                                             CnvAddressBookOrigin origin);
guint           cnv_address_book_get_n_entries (CnvAddressBook   *self);
/* Entries (CnvAddressBookEntry, owned by the array) whose name words or address start with @query
 * (case- and accent-insensitive), most used first, then most recent, then by name; at most
 * @max_results. One entry per address (a contact and a collected address merge). */
GPtrArray      *cnv_address_book_complete   (CnvAddressBook      *self,
                                             const char          *query,
                                             guint                max_results);
/* Counts a use (the request sent to them, an invitation naming them) and saves the collected file
 * soon after (atomically, 0600). */
void            cnv_address_book_note_used  (CnvAddressBook      *self,
                                             const CnvAddress    *address);
/* Writes the collected file now (also done when the object is finalised). */
gboolean        cnv_address_book_save       (CnvAddressBook      *self,
                                             GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvAddressBookEntry, cnv_address_book_entry_free)

G_END_DECLS
