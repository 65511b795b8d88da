/* cnv-address-book-eds.c — the user's address books, from evolution-data-server (libebook)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every enabled address book the source registry knows (GNOME Contacts' local one, synced Google,
 * Nextcloud or Exchange accounts) is opened with an EBookClient and watched through one
 * EBookClientView of the contacts that have an e-mail address: the view's first batches give the
 * contacts, its later ones their changes, so nothing is ever fetched twice and nothing blocks. New,
 * removed, enabled and disabled address books are followed through the registry's signals.
 *
 * Each async call holds a reference on its Book (and each Book on the shared part), so that a
 * callback that arrives after the book was closed, or the whole part freed, finds its memory and
 * only drops it. Without libebook at build time, this is a part that loads nothing.
 */
#define G_LOG_DOMAIN "cnv-address-book"

#include "config.h"

#include "cnv-address-book-private.h"

#ifdef HAVE_LIBEBOOK

/* libedataserver 3.46's e-flag.h still names GTimeVal. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
#include <libebook/libebook.h>
G_GNUC_END_IGNORE_DEPRECATIONS

/* e_book_client_connect() waits up to this for a backend that is going online (a remote book). */
#define CONNECT_WAIT_SECONDS 10
/* The load finishes after this even if an address book is still giving its contacts: the
 * composer must not wait on a slow server; the contacts still come, with "changed". */
#define LOAD_TIMEOUT_SECONDS 15

typedef struct _Book Book;

struct _CnvAddressBookEds
{
  /* Borrowed */
  CnvAddressBook  *book;              /* NULL once freed */

  /* Owned */
  GMainContext    *context;
  GCancellable    *cancellable;
  ESourceRegistry *registry;
  GHashTable      *books;             /* source UID → Book */
  GTask           *load;
  GSource         *load_timeout;
  GSource         *load_cancelled;

  gboolean         registry_done;
  guint            n_loading;         /* books whose first contacts are not all in yet */
};

struct _Book
{
  CnvAddressBookEds *eds;             /* a reference */
  ESource           *source;
  EBookClient       *client;
  EBookClientView   *view;
  GHashTable        *contacts;        /* contact UID → GStrv of normalised addresses */
  gboolean           loading;
  gboolean           closed;
};

static void
eds_clear (CnvAddressBookEds *self)
{
  g_clear_pointer (&self->books, g_hash_table_unref);
  g_clear_object (&self->registry);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
}

static void
eds_release (CnvAddressBookEds *self)
{
  g_rc_box_release_full (self, (GDestroyNotify) eds_clear);
}

static void
book_clear (Book *book)
{
  g_clear_object (&book->view);
  g_clear_object (&book->client);
  g_clear_object (&book->source);
  g_clear_pointer (&book->contacts, g_hash_table_unref);
  eds_release (book->eds);
}

static void
book_release (Book *book)
{
  g_rc_box_release_full (book, (GDestroyNotify) book_clear);
}

static gboolean
book_is_alive (Book *book)
{
  return !book->closed && book->eds->book != NULL;
}

/* ---- the load ---- */

static void
finish_load (CnvAddressBookEds *self,
             GError            *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->load);

  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  if (self->load_timeout != NULL)
    g_source_destroy (self->load_timeout);
  g_clear_pointer (&self->load_timeout, g_source_unref);
  if (self->load_cancelled != NULL)
    g_source_destroy (self->load_cancelled);
  g_clear_pointer (&self->load_cancelled, g_source_unref);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
maybe_finish_load (CnvAddressBookEds *self)
{
  if (self->registry_done && self->n_loading == 0)
    finish_load (self, NULL);
}

static gboolean
load_timed_out_cb (gpointer user_data)
{
  CnvAddressBookEds *self = user_data;

  g_debug ("%u address books are still loading after %d s; their contacts come later",
           self->n_loading, LOAD_TIMEOUT_SECONDS);
  finish_load (self, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
load_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  CnvAddressBookEds *self = user_data;

  finish_load (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                          "Loading the address books was cancelled"));
  return G_SOURCE_REMOVE;
}

static void
book_loaded (Book *book)
{
  if (!book->loading)
    return;
  book->loading = FALSE;
  book->eds->n_loading--;
  maybe_finish_load (book->eds);
}

/* ---- contacts ---- */

static void
book_forget_addresses (Book  *book,
                       GStrv  addresses)
{
  for (guint i = 0; addresses[i] != NULL; i++)
    cnv_address_book_forget_contact (book->eds->book, addresses[i]);
}

static void
book_drop_contact (Book       *book,
                   const char *uid)
{
  GStrv addresses = g_hash_table_lookup (book->contacts, uid);

  if (addresses == NULL)
    return;
  book_forget_addresses (book, addresses);
  g_hash_table_remove (book->contacts, uid);
}

/* One entry per e-mail address of the contact, named with its full name (or, without one, its
 * "file as"); a contact list is not a person and is left out. */
static void
book_take_contact (Book     *book,
                   EContact *contact)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GPtrArray) seen = NULL;
  const char *uid = e_contact_get_const (contact, E_CONTACT_UID);
  const char *name;
  GList *emails;

  if (uid == NULL)
    return;
  book_drop_contact (book, uid);
  if (GPOINTER_TO_INT (e_contact_get (contact, E_CONTACT_IS_LIST)))
    return;

  name = e_contact_get_const (contact, E_CONTACT_FULL_NAME);
  if (name == NULL || *name == '\0')
    name = e_contact_get_const (contact, E_CONTACT_FILE_AS);

  builder = g_strv_builder_new ();
  seen = g_ptr_array_new_with_free_func (g_free);
  emails = e_contact_get (contact, E_CONTACT_EMAIL);
  for (GList *l = emails; l != NULL; l = l->next)
    {
      char *address = cnv_address_normalize (l->data, NULL);

      if (address == NULL || g_ptr_array_find_with_equal_func (seen, address, g_str_equal, NULL))
        {
          g_free (address);
          continue;
        }
      cnv_address_book_add_contact (book->eds->book, name, address);
      g_strv_builder_add (builder, address);
      g_ptr_array_add (seen, address);
    }
  g_list_free_full (emails, g_free);

  g_hash_table_insert (book->contacts, g_strdup (uid), g_strv_builder_end (builder));
}

static void
objects_added_cb (EBookClientView *view,
                  const GSList    *contacts,
                  gpointer         user_data)
{
  Book *book = user_data;

  if (!book_is_alive (book))
    return;
  for (const GSList *l = contacts; l != NULL; l = l->next)
    book_take_contact (book, l->data);
  cnv_address_book_emit_changed (book->eds->book);
}

static void
objects_removed_cb (EBookClientView *view,
                    const GSList    *uids,
                    gpointer         user_data)
{
  Book *book = user_data;

  if (!book_is_alive (book))
    return;
  for (const GSList *l = uids; l != NULL; l = l->next)
    book_drop_contact (book, l->data);
  cnv_address_book_emit_changed (book->eds->book);
}

static void
view_complete_cb (EBookClientView *view,
                  const GError    *error,
                  gpointer         user_data)
{
  Book *book = user_data;

  if (!book_is_alive (book))
    return;
  if (error != NULL)
    g_debug ("Address book “%s” gave not all its contacts: %s",
             e_source_get_display_name (book->source), error->message);
  book_loaded (book);
}

/* ---- opening and closing address books ---- */

/* A book that cannot be watched keeps no one waiting for it. */
static void
book_unwatchable (Book         *book,
                  const GError *error)
{
  g_debug ("Address book “%s” cannot be watched: %s",
           e_source_get_display_name (book->source), error->message);
  book_loaded (book);
}

static void
view_ready_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Book *book = user_data;
  EBookClientView *view = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) fields = NULL;

  e_book_client_get_view_finish (E_BOOK_CLIENT (source_object), result, &view, &error);
  if (!book_is_alive (book))
    {
      g_clear_object (&view);
      goto out;
    }
  if (error != NULL)
    {
      book_unwatchable (book, error);
      goto out;
    }

  book->view = view;
  /* Only what completion shows travels from the backend (a remote book may be large). */
  fields = g_slist_prepend (fields, (gpointer) e_contact_field_name (E_CONTACT_IS_LIST));
  fields = g_slist_prepend (fields, (gpointer) e_contact_field_name (E_CONTACT_EMAIL));
  fields = g_slist_prepend (fields, (gpointer) e_contact_field_name (E_CONTACT_FILE_AS));
  fields = g_slist_prepend (fields, (gpointer) e_contact_field_name (E_CONTACT_FULL_NAME));
  e_book_client_view_set_fields_of_interest (book->view, fields, NULL);
  g_signal_connect (book->view, "objects-added", G_CALLBACK (objects_added_cb), book);
  /* A modified contact is taken again whole: its old addresses go first. */
  g_signal_connect (book->view, "objects-modified", G_CALLBACK (objects_added_cb), book);
  g_signal_connect (book->view, "objects-removed", G_CALLBACK (objects_removed_cb), book);
  g_signal_connect (book->view, "complete", G_CALLBACK (view_complete_cb), book);
  e_book_client_view_start (book->view, &error);
  if (error != NULL)
    book_unwatchable (book, error);

out:
  book_release (book);
}

static void
client_connected_cb (GObject      *source_object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Book *book = user_data;
  EClient *client;
  g_autoptr(GError) error = NULL;
  EBookQuery *query;
  g_autofree char *sexp = NULL;

  client = e_book_client_connect_finish (result, &error);
  if (!book_is_alive (book))
    {
      g_clear_object (&client);
      goto out;
    }
  if (client == NULL)
    {
      g_debug ("Address book “%s” cannot be opened: %s",
               e_source_get_display_name (book->source), error->message);
      book_loaded (book);
      goto out;
    }

  book->client = E_BOOK_CLIENT (client);
  query = e_book_query_field_exists (E_CONTACT_EMAIL);
  sexp = e_book_query_to_string (query);
  e_book_query_unref (query);
  e_book_client_get_view (book->client, sexp, book->eds->cancellable, view_ready_cb,
                          g_rc_box_acquire (book));

out:
  book_release (book);
}

static void
open_book (CnvAddressBookEds *self,
           ESource           *source)
{
  const char *uid = e_source_get_uid (source);
  Book *book;

  if (!e_source_has_extension (source, E_SOURCE_EXTENSION_ADDRESS_BOOK)
      || !e_source_registry_check_enabled (self->registry, source)
      || g_hash_table_contains (self->books, uid))
    return;

  g_debug ("Opening address book “%s”", e_source_get_display_name (source));
  book = g_rc_box_new0 (Book);
  book->eds = g_rc_box_acquire (self);
  book->source = g_object_ref (source);
  book->contacts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_strfreev);
  book->loading = TRUE;
  self->n_loading++;
  g_hash_table_insert (self->books, g_strdup (uid), book);

  e_book_client_connect (source, CONNECT_WAIT_SECONDS, self->cancellable, client_connected_cb,
                         g_rc_box_acquire (book));
}

/* Stops watching; with @forget, its contacts leave the address book. */
static void
close_book (Book     *book,
            gboolean  forget)
{
  book->closed = TRUE;
  if (book->view != NULL)
    g_signal_handlers_disconnect_by_data (book->view, book);
  g_clear_object (&book->view);
  g_clear_object (&book->client);

  if (forget)
    {
      GHashTableIter iter;
      GStrv addresses;

      g_hash_table_iter_init (&iter, book->contacts);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &addresses))
        book_forget_addresses (book, addresses);
    }
  g_hash_table_remove_all (book->contacts);

  if (book->loading)
    {
      book->loading = FALSE;
      book->eds->n_loading--;
    }
}

static void
source_added_cb (ESourceRegistry *registry,
                 ESource         *source,
                 gpointer         user_data)
{
  CnvAddressBookEds *self = user_data;

  open_book (self, source);
}

static void
source_removed_cb (ESourceRegistry *registry,
                   ESource         *source,
                   gpointer         user_data)
{
  CnvAddressBookEds *self = user_data;
  Book *book = g_hash_table_lookup (self->books, e_source_get_uid (source));

  if (book == NULL)
    return;
  g_debug ("Address book “%s” is gone", e_source_get_display_name (source));
  close_book (book, TRUE);
  g_hash_table_remove (self->books, e_source_get_uid (source));
  cnv_address_book_emit_changed (self->book);
  maybe_finish_load (self);
}

static void
registry_ready_cb (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  CnvAddressBookEds *self = user_data;
  ESourceRegistry *registry;
  g_autoptr(GError) error = NULL;
  GList *sources;

  registry = e_source_registry_new_finish (result, &error);
  if (self->book == NULL)
    {
      g_clear_object (&registry);
      goto out;
    }
  self->registry_done = TRUE;
  if (registry == NULL)
    {
      /* No evolution-data-server on this session: only the collected addresses. */
      g_debug ("No address books: %s", error->message);
      maybe_finish_load (self);
      goto out;
    }

  self->registry = registry;
  g_signal_connect (self->registry, "source-added", G_CALLBACK (source_added_cb), self);
  g_signal_connect (self->registry, "source-enabled", G_CALLBACK (source_added_cb), self);
  g_signal_connect (self->registry, "source-removed", G_CALLBACK (source_removed_cb), self);
  g_signal_connect (self->registry, "source-disabled", G_CALLBACK (source_removed_cb), self);

  sources = e_source_registry_list_enabled (self->registry, E_SOURCE_EXTENSION_ADDRESS_BOOK);
  for (GList *l = sources; l != NULL; l = l->next)
    open_book (self, l->data);
  g_list_free_full (sources, g_object_unref);
  maybe_finish_load (self);

out:
  eds_release (self);
}

CnvAddressBookEds *
cnv_address_book_eds_new (CnvAddressBook *book)
{
  CnvAddressBookEds *self = g_rc_box_new0 (CnvAddressBookEds);

  self->book = book;
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->books = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) book_release);
  return self;
}

void
cnv_address_book_eds_load_async (CnvAddressBookEds   *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, cnv_address_book_eds_load_async);
  g_return_if_fail (self->load == NULL && !self->registry_done);

  self->load = g_steal_pointer (&task);
  self->load_timeout = g_timeout_source_new_seconds (LOAD_TIMEOUT_SECONDS);
  g_source_set_callback (self->load_timeout, load_timed_out_cb, self, NULL);
  g_source_attach (self->load_timeout, self->context);
  if (cancellable != NULL)
    {
      self->load_cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->load_cancelled, G_SOURCE_FUNC (load_cancelled_cb), self, NULL);
      g_source_attach (self->load_cancelled, self->context);
    }

  e_source_registry_new (self->cancellable, registry_ready_cb, g_rc_box_acquire (self));
}

gboolean
cnv_address_book_eds_load_finish (CnvAddressBookEds  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cnv_address_book_eds_free (CnvAddressBookEds *self)
{
  GHashTableIter iter;
  Book *book;

  if (self == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  self->book = NULL;
  if (self->registry != NULL)
    g_signal_handlers_disconnect_by_data (self->registry, self);
  g_hash_table_iter_init (&iter, self->books);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &book))
    close_book (book, FALSE);
  /* The books hold the part: dropping them here breaks the cycle. */
  g_hash_table_remove_all (self->books);
  finish_load (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                          "The address book was disposed"));
  g_clear_object (&self->registry);
  eds_release (self);
}

#else /* !HAVE_LIBEBOOK */

/* Built without libebook: no address book but the collected addresses. */
struct _CnvAddressBookEds
{
  CnvAddressBook *book;
};

CnvAddressBookEds *
cnv_address_book_eds_new (CnvAddressBook *book)
{
  CnvAddressBookEds *self = g_new0 (CnvAddressBookEds, 1);

  self->book = book;
  return self;
}

void
cnv_address_book_eds_load_async (CnvAddressBookEds   *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, cnv_address_book_eds_load_async);
  g_debug ("Built without libebook: no address books");
  g_task_return_boolean (task, TRUE);
}

gboolean
cnv_address_book_eds_load_finish (CnvAddressBookEds  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cnv_address_book_eds_free (CnvAddressBookEds *self)
{
  g_free (self);
}

#endif /* HAVE_LIBEBOOK */
