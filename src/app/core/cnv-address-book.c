/* cnv-address-book.c — completion for address fields: contacts and collected addresses in one
 * list ordered by use
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Completion runs on every keystroke over address books that can hold tens of thousands of
 * contacts, so nothing is folded or scanned per query: each entry keeps its name and address
 * folded once (case folded, NFKD with the combining marks dropped, punctuation turned into single
 * spaces), and a sorted array of keys — pointers into those folded strings, one at each word start
 * of the name and of the address's local part, and one at the whole address — is searched by
 * binary search for the folded query. The index is rebuilt lazily after a change of names or
 * entries; a use counted changes no key.
 *
 * The collected addresses live in $XDG_DATA_HOME/convene/addresses.json:
 *   { "version": 1, "entries": [ { "name": "…", "address": "…", "uses": 3, "last_used": 1700000000 } ] }
 * A file that cannot be read as such is never lost: it is renamed addresses.json.bad-TIMESTAMP,
 * with a warning, and whatever entries it held that are valid are kept.
 */
#define G_LOG_DOMAIN "cnv-address-book"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cnv-address-book-private.h"

/* The collected list keeps the most used, most recent addresses: a person writes to a few hundred
 * people, and the file stays small enough to rewrite after each request. */
#define COLLECTED_MAX        5000
/* A file this project wrote is at most COLLECTED_MAX entries of a few hundred bytes; anything far
 * larger is not ours, and is not read into memory. */
#define FILE_MAX_BYTES       (8 * 1024 * 1024)
#define FILE_MAX_ENTRIES     (4 * COLLECTED_MAX)
#define FILE_VERSION         1
#define SAVE_DELAY_SECONDS   2
/* Display names longer than this are cut (at a character boundary) and only their first words
 * are keys: a hostile contact must not make the index quadratic. */
#define NAME_MAX_BYTES       512
#define KEYS_MAX_PER_PART    16
/* No name or address is this long (RFC 5321 §4.5.3.1.3: a path is at most 256 octets). */
#define QUERY_MAX_BYTES      1024

typedef struct
{
  CnvAddressBookEntry  pub;            /* first: what a completion returns a copy of */
  guint                n_contacts;     /* how many contacts give this address */
  char                *folded_name;    /* NULL without a name */
  char                *folded_address;
  char                *sort_key;       /* collation key of the name, or of the address */
  guint                stamp;          /* the last completion that took this entry */
} Entry;

typedef struct
{
  const char *key;                     /* into an Entry's folded strings */
  Entry      *entry;
} IndexKey;

typedef struct
{
  char   *name;
  char   *address;
  guint   uses;
  gint64  last_used;
} Record;

typedef enum
{
  LOAD_NONE,
  LOAD_RUNNING,
  LOAD_DONE,
} LoadState;

struct _CnvAddressBook
{
  GObject             parent_instance;

  /* Owned */
  char               *collected_path;
  GHashTable         *entries;          /* normalised address (the entry's) → Entry */
  GArray             *index;            /* IndexKey, sorted by key */
  GMainContext       *context;
  GSource            *save_source;
  CnvAddressBookEds  *eds;

  gboolean            index_dirty;
  guint               stamp;
  guint               n_collected;
  LoadState           load_state;
  gboolean            load_requested;
  gboolean            collected_dirty;
  /* FALSE when a bad file could not be set aside: writing would destroy it. */
  gboolean            collected_writable;
  gboolean            save_running;
  gboolean            save_again;
};

G_DEFINE_FINAL_TYPE (CnvAddressBook, cnv_address_book, G_TYPE_OBJECT)

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_save (CnvAddressBook *self);

/* ---- folding ---- */

/* The form both keys and queries are compared in: case folded (ß is ss), NFKD with the
 * combining marks dropped (é is e, ﬁ is fi), and every run of anything that is not a letter, a
 * digit or '@' (spaces, hyphens, dots, apostrophes, control characters) made one space, so
 * "Jean-Pierre", "jean pierre" and "jean.pierre@" meet. Leading separators go; a trailing one
 * stays only when @keep_trailing (a query "jean " asks for a word after jean). */
static char *
fold_text (const char *text,
           gboolean    keep_trailing)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autofree char *folded = g_utf8_casefold (valid, -1);
  g_autofree char *decomposed = g_utf8_normalize (folded, -1, G_NORMALIZE_NFKD);
  GString *out = g_string_sized_new (strlen (valid));

  for (const char *p = decomposed; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_ismark (c))
        continue;
      if (g_unichar_isalnum (c) || c == '@')
        g_string_append_unichar (out, c);
      else if (out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
    }
  if (!keep_trailing && out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);

  return g_string_free (out, FALSE);
}

/* ---- entries ---- */

static char *
clean_name (const char *name,
            const char *address)
{
  g_autofree char *clean = cnv_address_sanitize_name (name);

  if (clean == NULL || g_ascii_strcasecmp (clean, address) == 0)
    return NULL;
  if (strlen (clean) > NAME_MAX_BYTES)
    {
      char *end = g_utf8_find_prev_char (clean, clean + NAME_MAX_BYTES + 1);

      *end = '\0';
    }
  return g_steal_pointer (&clean);
}

static void
entry_free (Entry *entry)
{
  g_free (entry->pub.name);
  g_free (entry->pub.address);
  g_free (entry->folded_name);
  g_free (entry->folded_address);
  g_free (entry->sort_key);
  g_free (entry);
}

/* Takes @name (already clean); the index must be rebuilt after. */
static void
entry_set_name (Entry *entry,
                char  *name)
{
  g_autofree char *folded = NULL;

  g_free (entry->pub.name);
  entry->pub.name = name;
  g_clear_pointer (&entry->folded_name, g_free);
  if (name != NULL)
    entry->folded_name = fold_text (name, FALSE);
  /* Case folded first: in the C locale, collation is byte order, and "Anne" would precede
   * "anna". */
  folded = g_utf8_casefold (name != NULL ? name : entry->pub.address, -1);
  g_free (entry->sort_key);
  entry->sort_key = g_utf8_collate_key (folded, -1);
}

void
cnv_address_book_entry_free (CnvAddressBookEntry *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->address);
  g_free (self);
}

static CnvAddressBookEntry *
entry_copy (const Entry *entry)
{
  CnvAddressBookEntry *copy = g_new0 (CnvAddressBookEntry, 1);

  copy->name = g_strdup (entry->pub.name);
  copy->address = g_strdup (entry->pub.address);
  copy->uses = entry->pub.uses;
  copy->last_used = entry->pub.last_used;
  copy->origin = entry->pub.origin;
  return copy;
}

/* Most used first, then most recent, then by name (or address) in the user's collation. */
static int
entry_rank_compare (const Entry *a,
                    const Entry *b)
{
  int cmp;

  if (a->pub.uses != b->pub.uses)
    return a->pub.uses > b->pub.uses ? -1 : 1;
  if (a->pub.last_used != b->pub.last_used)
    return a->pub.last_used > b->pub.last_used ? -1 : 1;
  cmp = strcmp (a->sort_key, b->sort_key);
  if (cmp != 0)
    return cmp;
  return strcmp (a->pub.address, b->pub.address);
}

static int
entry_rank_compare_ptr (gconstpointer a,
                        gconstpointer b)
{
  return entry_rank_compare (*(Entry * const *) a, *(Entry * const *) b);
}

/* Finds or makes the entry of @address (normalised). A contact's name is the one shown (the user
 * wrote it); another name only fills a missing one. Neither the counts nor "changed" are done
 * here. */
static Entry *
merge_entry (CnvAddressBook       *self,
             const char           *name,
             const char           *address,
             CnvAddressBookOrigin  origin)
{
  g_autofree char *clean = clean_name (name, address);
  Entry *entry = g_hash_table_lookup (self->entries, address);

  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->pub.address = g_strdup (address);
      entry->folded_address = fold_text (address, FALSE);
      entry_set_name (entry, g_steal_pointer (&clean));
      g_hash_table_insert (self->entries, entry->pub.address, entry);
      self->index_dirty = TRUE;
    }
  else if (clean != NULL && g_strcmp0 (clean, entry->pub.name) != 0
           && (entry->pub.name == NULL || (origin & CNV_ADDRESS_BOOK_ORIGIN_CONTACTS) != 0))
    {
      entry_set_name (entry, g_steal_pointer (&clean));
      self->index_dirty = TRUE;
    }
  return entry;
}

static void
remove_entry (CnvAddressBook *self,
              Entry          *entry)
{
  self->index_dirty = TRUE;
  g_hash_table_remove (self->entries, entry->pub.address);
}

static void
mark_collected (CnvAddressBook *self,
                Entry          *entry)
{
  if ((entry->pub.origin & CNV_ADDRESS_BOOK_ORIGIN_COLLECTED) == 0)
    {
      entry->pub.origin |= CNV_ADDRESS_BOOK_ORIGIN_COLLECTED;
      self->n_collected++;
    }
}

/* Keeps at most COLLECTED_MAX collected addresses, dropping the least used, then the oldest. An
 * address that is also a contact stays, without its count. */
static void
enforce_cap (CnvAddressBook *self)
{
  g_autoptr(GPtrArray) collected = NULL;
  GHashTableIter iter;
  Entry *entry;
  guint n_drop;

  if (self->n_collected <= COLLECTED_MAX)
    return;

  collected = g_ptr_array_sized_new (self->n_collected);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->pub.origin & CNV_ADDRESS_BOOK_ORIGIN_COLLECTED)
      g_ptr_array_add (collected, entry);
  g_ptr_array_sort (collected, entry_rank_compare_ptr);

  n_drop = self->n_collected - COLLECTED_MAX;
  for (guint i = collected->len - n_drop; i < collected->len; i++)
    {
      entry = g_ptr_array_index (collected, i);
      entry->pub.origin &= ~CNV_ADDRESS_BOOK_ORIGIN_COLLECTED;
      entry->pub.uses = 0;
      entry->pub.last_used = 0;
      self->n_collected--;
      if (entry->pub.origin == 0)
        remove_entry (self, entry);
    }
  self->collected_dirty = TRUE;
}

/* ---- the index ---- */

static int
index_key_compare (gconstpointer a,
                   gconstpointer b)
{
  return strcmp (((const IndexKey *) a)->key, ((const IndexKey *) b)->key);
}

/* One key at the start of @folded and one after each space (word start), the first
 * KEYS_MAX_PER_PART of them; with @stop_at_at, none after the '@' (the domain is not a word a
 * person is looked up by). */
static void
add_keys (GArray     *index,
          Entry      *entry,
          const char *folded,
          gboolean    stop_at_at)
{
  guint n = 0;

  for (const char *p = folded; *p != '\0' && n < KEYS_MAX_PER_PART; p++)
    {
      if (stop_at_at && *p == '@')
        break;
      if (p == folded || p[-1] == ' ')
        {
          IndexKey key = { p, entry };

          g_array_append_val (index, key);
          n++;
        }
    }
}

static void
ensure_index (CnvAddressBook *self)
{
  GHashTableIter iter;
  Entry *entry;

  if (!self->index_dirty)
    return;

  g_array_set_size (self->index, 0);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      if (entry->folded_name != NULL)
        add_keys (self->index, entry, entry->folded_name, FALSE);
      add_keys (self->index, entry, entry->folded_address, TRUE);
    }
  g_array_sort (self->index, index_key_compare);
  self->index_dirty = FALSE;
}

/* The first key that is not smaller than @prefix: every key starting with @prefix follows it. */
static guint
index_lower_bound (GArray     *index,
                   const char *prefix)
{
  guint lo = 0;
  guint hi = index->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (strcmp (g_array_index (index, IndexKey, mid).key, prefix) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* ---- the object ---- */

static void
cnv_address_book_dispose (GObject *object)
{
  CnvAddressBook *self = CNV_ADDRESS_BOOK (object);

  g_clear_pointer (&self->eds, cnv_address_book_eds_free);
  if (self->save_source != NULL)
    {
      g_source_destroy (self->save_source);
      g_clear_pointer (&self->save_source, g_source_unref);
    }

  G_OBJECT_CLASS (cnv_address_book_parent_class)->dispose (object);
}

static void
cnv_address_book_finalize (GObject *object)
{
  CnvAddressBook *self = CNV_ADDRESS_BOOK (object);

  if (self->collected_dirty)
    {
      g_autoptr(GError) error = NULL;

      if (!cnv_address_book_save (self, &error))
        g_warning ("Could not save the collected addresses: %s", error->message);
    }

  g_free (self->collected_path);
  g_array_unref (self->index);
  g_hash_table_unref (self->entries);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (cnv_address_book_parent_class)->finalize (object);
}

static void
cnv_address_book_class_init (CnvAddressBookClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cnv_address_book_dispose;
  object_class->finalize = cnv_address_book_finalize;

  /**
   * CnvAddressBook::changed:
   *
   * Entries were added, removed or renamed (an address book changed, an address was collected).
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cnv_address_book_init (CnvAddressBook *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) entry_free);
  self->index = g_array_new (FALSE, FALSE, sizeof (IndexKey));
  self->context = g_main_context_ref_thread_default ();
  self->collected_writable = TRUE;
}

/**
 * cnv_address_book_new:
 * @collected_path: (nullable): the collected addresses' file; %NULL for
 *   `$XDG_DATA_HOME/convene/addresses.json`
 *
 * The book is empty until cnv_address_book_load_async(). Its debounced saves run on the
 * thread-default main context of the caller.
 *
 * Returns: (transfer full): a new book
 */
CnvAddressBook *
cnv_address_book_new (const char *collected_path)
{
  CnvAddressBook *self = g_object_new (CNV_TYPE_ADDRESS_BOOK, NULL);

  self->collected_path = collected_path != NULL
    ? g_strdup (collected_path)
    : g_build_filename (g_get_user_data_dir (), "convene", "addresses.json", NULL);
  self->eds = cnv_address_book_eds_new (self);
  return self;
}

void
cnv_address_book_emit_changed (CnvAddressBook *self)
{
  g_return_if_fail (CNV_IS_ADDRESS_BOOK (self));

  g_signal_emit (self, signals[CHANGED], 0);
}

void
cnv_address_book_add_contact (CnvAddressBook *self,
                              const char     *name,
                              const char     *address)
{
  g_autofree char *normalized = NULL;
  g_autoptr(GError) error = NULL;
  Entry *entry;

  g_return_if_fail (CNV_IS_ADDRESS_BOOK (self));
  g_return_if_fail (address != NULL);

  normalized = cnv_address_normalize (address, &error);
  if (normalized == NULL)
    {
      g_debug ("Contact address skipped: %s", error->message);
      return;
    }
  entry = merge_entry (self, name, normalized, CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
  entry->pub.origin |= CNV_ADDRESS_BOOK_ORIGIN_CONTACTS;
  entry->n_contacts++;
}

void
cnv_address_book_forget_contact (CnvAddressBook *self,
                                 const char     *address)
{
  g_autofree char *normalized = NULL;
  Entry *entry;

  g_return_if_fail (CNV_IS_ADDRESS_BOOK (self));
  g_return_if_fail (address != NULL);

  normalized = cnv_address_normalize (address, NULL);
  entry = normalized != NULL ? g_hash_table_lookup (self->entries, normalized) : NULL;
  if (entry == NULL || entry->n_contacts == 0)
    return;
  if (--entry->n_contacts > 0)
    return;
  entry->pub.origin &= ~CNV_ADDRESS_BOOK_ORIGIN_CONTACTS;
  if (entry->pub.origin == 0)
    remove_entry (self, entry);
}

/**
 * cnv_address_book_add:
 * @self: a book
 * @name: (nullable): a display name
 * @address: an address; one that is not valid is ignored (logged at debug level)
 * @origin: where it comes from
 *
 * Adds the address or merges it into the entry of the same address, and emits "changed". A
 * collected address is saved with the collected file.
 */
void
cnv_address_book_add (CnvAddressBook       *self,
                      const char           *name,
                      const char           *address,
                      CnvAddressBookOrigin  origin)
{
  g_autofree char *normalized = NULL;
  g_autoptr(GError) error = NULL;
  Entry *entry;

  g_return_if_fail (CNV_IS_ADDRESS_BOOK (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (origin != 0);

  normalized = cnv_address_normalize (address, &error);
  if (normalized == NULL)
    {
      g_debug ("Address skipped: %s", error->message);
      return;
    }

  entry = merge_entry (self, name, normalized, origin);
  if (origin & CNV_ADDRESS_BOOK_ORIGIN_CONTACTS)
    {
      entry->pub.origin |= CNV_ADDRESS_BOOK_ORIGIN_CONTACTS;
      entry->n_contacts++;
    }
  if (origin & CNV_ADDRESS_BOOK_ORIGIN_COLLECTED)
    {
      mark_collected (self, entry);
      self->collected_dirty = TRUE;
      enforce_cap (self);
      schedule_save (self);
    }
  cnv_address_book_emit_changed (self);
}

guint
cnv_address_book_get_n_entries (CnvAddressBook *self)
{
  g_return_val_if_fail (CNV_IS_ADDRESS_BOOK (self), 0);

  return g_hash_table_size (self->entries);
}

/**
 * cnv_address_book_complete:
 * @self: a book
 * @query: (nullable): what the user typed
 * @max_results: the most entries wanted
 *
 * Returns: (transfer full) (element-type CnvAddressBookEntry): the matching entries, best first;
 *   empty for an empty query
 */
GPtrArray *
cnv_address_book_complete (CnvAddressBook *self,
                           const char     *query,
                           guint           max_results)
{
  GPtrArray *results = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_book_entry_free);
  g_autoptr(GPtrArray) candidates = NULL;
  g_autofree char *folded = NULL;
  gsize folded_len;

  g_return_val_if_fail (CNV_IS_ADDRESS_BOOK (self), results);

  if (query == NULL || max_results == 0 || strlen (query) > QUERY_MAX_BYTES)
    return results;
  folded = fold_text (query, TRUE);
  folded_len = strlen (folded);
  if (folded_len == 0)
    return results;

  ensure_index (self);

  /* The stamp marks the entries this completion took, so that an entry found by several keys
   * (its name and its address) is taken once; at wrap-around every old mark is cleared. */
  if (++self->stamp == 0)
    {
      GHashTableIter iter;
      Entry *entry;

      g_hash_table_iter_init (&iter, self->entries);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
        entry->stamp = 0;
      self->stamp = 1;
    }

  candidates = g_ptr_array_new ();
  for (guint i = index_lower_bound (self->index, folded); i < self->index->len; i++)
    {
      const IndexKey *key = &g_array_index (self->index, IndexKey, i);

      if (strncmp (key->key, folded, folded_len) != 0)
        break;
      if (key->entry->stamp != self->stamp)
        {
          key->entry->stamp = self->stamp;
          g_ptr_array_add (candidates, key->entry);
        }
    }

  g_ptr_array_sort (candidates, entry_rank_compare_ptr);
  for (guint i = 0; i < candidates->len && i < max_results; i++)
    g_ptr_array_add (results, entry_copy (g_ptr_array_index (candidates, i)));
  return results;
}

/**
 * cnv_address_book_note_used:
 * @self: a book
 * @address: an address a request was sent to, or an invitation named
 *
 * Counts one use now, collects the address if it was not, and saves the collected file a little
 * later (SAVE_DELAY_SECONDS, so that the participants of one request make one write).
 */
void
cnv_address_book_note_used (CnvAddressBook   *self,
                            const CnvAddress *address)
{
  g_autofree char *normalized = NULL;
  Entry *entry;

  g_return_if_fail (CNV_IS_ADDRESS_BOOK (self));
  g_return_if_fail (address != NULL && address->address != NULL);

  normalized = cnv_address_normalize (address->address, NULL);
  if (normalized == NULL)
    return;

  entry = merge_entry (self, address->name, normalized, CNV_ADDRESS_BOOK_ORIGIN_COLLECTED);
  mark_collected (self, entry);
  if (entry->pub.uses < G_MAXUINT)
    entry->pub.uses++;
  entry->pub.last_used = g_get_real_time () / G_USEC_PER_SEC;
  self->collected_dirty = TRUE;
  enforce_cap (self);
  schedule_save (self);
  cnv_address_book_emit_changed (self);
}

/* ---- the collected file ---- */

static void
record_free (Record *record)
{
  g_free (record->name);
  g_free (record->address);
  g_free (record);
}

static gboolean
read_count (JsonObject *object,
            const char *member,
            gint64      max,
            gint64     *value)
{
  JsonNode *node = json_object_get_member (object, member);

  *value = 0;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return *value >= 0 && *value <= max;
}

/* One entry of the file, or NULL when it is not a valid one. */
static Record *
read_record (JsonNode *node,
             gint64    now)
{
  g_autofree char *address = NULL;
  JsonObject *object;
  JsonNode *name;
  gint64 uses;
  gint64 last_used;
  Record *record;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  if (!json_object_has_member (object, "address")
      || json_object_get_string_member_with_default (object, "address", NULL) == NULL)
    return NULL;
  address = cnv_address_normalize (json_object_get_string_member (object, "address"), NULL);
  if (address == NULL)
    return NULL;
  name = json_object_get_member (object, "name");
  if (name != NULL && !JSON_NODE_HOLDS_NULL (name)
      && (!JSON_NODE_HOLDS_VALUE (name) || json_node_get_value_type (name) != G_TYPE_STRING))
    return NULL;
  /* A use in the future would rank first for ever: a clock gone wrong, or a forged file. */
  if (!read_count (object, "uses", G_MAXUINT, &uses)
      || !read_count (object, "last_used", now + 24 * 60 * 60, &last_used))
    return NULL;

  record = g_new0 (Record, 1);
  record->address = g_steal_pointer (&address);
  if (name != NULL && JSON_NODE_HOLDS_VALUE (name))
    record->name = clean_name (json_node_get_string (name), record->address);
  record->uses = (guint) uses;
  record->last_used = last_used;
  return record;
}

static gsize
count_char (const char *data,
            gsize       length,
            char        c)
{
  gsize n = 0;
  const char *end = data + length;

  for (const char *p = memchr (data, c, length); p != NULL; p = memchr (p + 1, c, end - p - 1))
    n++;
  return n;
}

/* Renames a bad file out of the way, so that the next save does not destroy it. */
static char *
set_aside (const char  *path,
           GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *aside = i == 0 ? g_strdup_printf ("%s.bad-%s", path, stamp)
                                      : g_strdup_printf ("%s.bad-%s-%u", path, stamp, i);

      if (g_file_test (aside, G_FILE_TEST_EXISTS))
        continue;
      if (g_rename (path, aside) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "could not rename it: %s", g_strerror (saved_errno));
          return NULL;
        }
      return g_steal_pointer (&aside);
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "too many bad files beside it");
  return NULL;
}

/* Reads the collected file (any thread: it touches no object). Returns the valid records; when
 * the file was not entirely valid, @problem says why and where it was set aside, and
 * @keep_file is set when it could not be (the book must then not overwrite it). */
static GPtrArray *
read_collected_file (const char  *path,
                     char       **problem,
                     gboolean    *keep_file)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) record_free);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *why = NULL;
  g_autofree char *aside = NULL;
  GStatBuf st;
  gsize length;
  JsonNode *root = NULL;
  JsonObject *object;
  JsonArray *entries = NULL;
  guint n_invalid = 0;
  guint n_duplicates = 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  *problem = NULL;
  *keep_file = FALSE;

  if (g_stat (path, &st) != 0)
    {
      if (errno != ENOENT)
        why = g_strdup_printf ("it cannot be read: %s", g_strerror (errno));
      else
        return g_steal_pointer (&records);
    }
  /* A FIFO would block the read for ever, a device would never end. */
  else if (!S_ISREG (st.st_mode))
    why = g_strdup ("it is not a regular file");
  else if (st.st_size > FILE_MAX_BYTES)
    why = g_strdup_printf ("it is larger than %d bytes", FILE_MAX_BYTES);
  else if (!g_file_get_contents (path, &contents, &length, &error))
    why = g_strdup_printf ("it cannot be read: %s", error->message);
  else if (length > FILE_MAX_BYTES)
    why = g_strdup_printf ("it is larger than %d bytes", FILE_MAX_BYTES);

  /* Each entry is an object: a file with far more objects than entries allowed is refused
   * before json-glib builds a tree of them (a '{' inside a string counts too, which only makes
   * the bound looser). */
  if (why == NULL && count_char (contents, length, '{') > FILE_MAX_ENTRIES + 1)
    why = g_strdup_printf ("it has more than %d entries", FILE_MAX_ENTRIES);

  if (why == NULL)
    {
      parser = json_parser_new_immutable ();
      if (!json_parser_load_from_data (parser, contents, length, &error))
        why = g_strdup_printf ("it is not JSON: %s", error->message);
    }
  if (why == NULL)
    {
      root = json_parser_get_root (parser);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        why = g_strdup ("it is not a JSON object");
    }
  if (why == NULL)
    {
      JsonNode *version;
      JsonNode *list;

      object = json_node_get_object (root);
      version = json_object_get_member (object, "version");
      list = json_object_get_member (object, "entries");
      if (version == NULL || !JSON_NODE_HOLDS_VALUE (version)
          || json_node_get_value_type (version) != G_TYPE_INT64
          || json_node_get_int (version) != FILE_VERSION)
        why = g_strdup_printf ("its version is not %d", FILE_VERSION);
      else if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
        why = g_strdup ("it has no list of entries");
      else if (json_array_get_length (json_node_get_array (list)) > FILE_MAX_ENTRIES)
        why = g_strdup_printf ("it has more than %d entries", FILE_MAX_ENTRIES);
      else
        entries = json_node_get_array (list);
    }

  if (why == NULL)
    {
      seen = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < json_array_get_length (entries); i++)
        {
          Record *record = read_record (json_array_get_element (entries, i), now);
          Record *first;

          if (record == NULL)
            {
              n_invalid++;
              continue;
            }
          first = g_hash_table_lookup (seen, record->address);
          if (first != NULL)
            {
              n_duplicates++;
              first->uses = MAX (first->uses, record->uses);
              first->last_used = MAX (first->last_used, record->last_used);
              record_free (record);
              continue;
            }
          g_hash_table_insert (seen, record->address, record);
          g_ptr_array_add (records, record);
        }
      if (n_invalid > 0 || n_duplicates > 0)
        why = g_strdup_printf ("%u of its entries are not valid and %u are duplicates "
                               "(the %u valid ones are kept)", n_invalid, n_duplicates,
                               records->len);
    }

  if (why == NULL)
    return g_steal_pointer (&records);

  g_clear_error (&error);
  aside = set_aside (path, &error);
  if (aside != NULL)
    *problem = g_strdup_printf ("%s: %s; it was kept as %s", path, why, aside);
  else
    {
      *problem = g_strdup_printf ("%s: %s, and %s: it is left as it is and no collected "
                                  "address will be saved", path, why, error->message);
      *keep_file = TRUE;
    }
  return g_steal_pointer (&records);
}

/* Puts what the file held into the book: uses counted in this session before the file was read
 * add to the file's. */
static void
apply_records (CnvAddressBook *self,
               GPtrArray      *records,
               const char     *problem,
               gboolean        keep_file)
{
  if (problem != NULL)
    g_warning ("The collected addresses file is damaged: %s", problem);
  if (keep_file)
    self->collected_writable = FALSE;
  else if (problem != NULL)
    self->collected_dirty = TRUE;

  for (guint i = 0; i < records->len; i++)
    {
      Record *record = g_ptr_array_index (records, i);
      Entry *entry = merge_entry (self, record->name, record->address,
                                  CNV_ADDRESS_BOOK_ORIGIN_COLLECTED);

      mark_collected (self, entry);
      entry->pub.uses = (guint) MIN ((guint64) entry->pub.uses + record->uses, G_MAXUINT);
      entry->pub.last_used = MAX (entry->pub.last_used, record->last_used);
    }
  enforce_cap (self);
  self->load_state = LOAD_DONE;
}

static char *
build_collected_json (CnvAddressBook *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) collected = g_ptr_array_new ();
  GHashTableIter iter;
  Entry *entry;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->pub.origin & CNV_ADDRESS_BOOK_ORIGIN_COLLECTED)
      g_ptr_array_add (collected, entry);
  g_ptr_array_sort (collected, entry_rank_compare_ptr);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, FILE_VERSION);
  json_builder_set_member_name (builder, "entries");
  json_builder_begin_array (builder);
  for (guint i = 0; i < collected->len; i++)
    {
      entry = g_ptr_array_index (collected, i);
      json_builder_begin_object (builder);
      if (entry->pub.name != NULL)
        {
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, entry->pub.name);
        }
      json_builder_set_member_name (builder, "address");
      json_builder_add_string_value (builder, entry->pub.address);
      json_builder_set_member_name (builder, "uses");
      json_builder_add_int_value (builder, entry->pub.uses);
      json_builder_set_member_name (builder, "last_used");
      json_builder_add_int_value (builder, entry->pub.last_used);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* Any thread. */
static gboolean
write_collected_file (const char  *path,
                      const char  *contents,
                      GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  /* Written beside and renamed over, so that a crash leaves the old file or the new one. */
  return g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                   error);
}

/* Reads the file now if it never was, so that a save never replaces what it holds. */
static void
ensure_collected_loaded_sync (CnvAddressBook *self)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *problem = NULL;
  gboolean keep_file;

  if (self->load_state == LOAD_DONE)
    return;
  records = read_collected_file (self->collected_path, &problem, &keep_file);
  apply_records (self, records, problem, keep_file);
}

/**
 * cnv_address_book_save:
 * @self: a book
 * @error: return location for a #GIOError
 *
 * Writes the collected addresses now (blocking; the debounced save after
 * cnv_address_book_note_used() writes in a worker thread).
 *
 * Returns: %TRUE when the file was written, or there was nothing it could be written over
 */
gboolean
cnv_address_book_save (CnvAddressBook  *self,
                       GError         **error)
{
  g_autofree char *contents = NULL;

  g_return_val_if_fail (CNV_IS_ADDRESS_BOOK (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ensure_collected_loaded_sync (self);
  if (!self->collected_writable)
    return TRUE;
  contents = build_collected_json (self);
  self->collected_dirty = FALSE;
  if (!write_collected_file (self->collected_path, contents, error))
    {
      self->collected_dirty = TRUE;
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  char *path;
  char *contents;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_free (data->path);
  g_free (data->contents);
  g_free (data);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  GError *error = NULL;

  if (write_collected_file (data->path, data->contents, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void start_save (CnvAddressBook *self);

static void
saved_cb (GObject      *source_object,
          GAsyncResult *result,
          gpointer      user_data)
{
  CnvAddressBook *self = CNV_ADDRESS_BOOK (source_object);
  g_autoptr(GError) error = NULL;

  self->save_running = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_warning ("Could not save the collected addresses: %s", error->message);
      self->collected_dirty = TRUE;
    }
  else if (self->save_again)
    start_save (self);
  self->save_again = FALSE;
}

/* One write at a time, so that an older list never lands after a newer one; the task holds the
 * book until the file is written. */
static void
start_save (CnvAddressBook *self)
{
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  if (self->save_running)
    {
      self->save_again = TRUE;
      return;
    }
  if (!self->collected_writable)
    return;

  data = g_new0 (SaveData, 1);
  data->path = g_strdup (self->collected_path);
  data->contents = build_collected_json (self);
  self->collected_dirty = FALSE;
  self->save_running = TRUE;
  self->save_again = FALSE;

  task = g_task_new (self, NULL, saved_cb, NULL);
  g_task_set_source_tag (task, start_save);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_thread);
}

static gboolean
save_timeout_cb (gpointer user_data)
{
  CnvAddressBook *self = user_data;

  /* Until the file has been read, writing it would drop what it holds. */
  if (self->load_state == LOAD_RUNNING)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&self->save_source, g_source_unref);
  if (self->load_state == LOAD_NONE)
    ensure_collected_loaded_sync (self);
  if (self->collected_dirty)
    start_save (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (CnvAddressBook *self)
{
  if (self->save_source != NULL)
    return;
  self->save_source = g_timeout_source_new_seconds (SAVE_DELAY_SECONDS);
  g_source_set_callback (self->save_source, save_timeout_cb, self, NULL);
  g_source_set_static_name (self->save_source, "[convene] save collected addresses");
  g_source_attach (self->save_source, self->context);
}

/* ---- loading ---- */

typedef struct
{
  GPtrArray *records;
  char      *problem;
  gboolean   keep_file;
} ReadResult;

static void
read_result_free (ReadResult *result)
{
  g_clear_pointer (&result->records, g_ptr_array_unref);
  g_free (result->problem);
  g_free (result);
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *path = task_data;
  ReadResult *result = g_new0 (ReadResult, 1);

  result->records = read_collected_file (path, &result->problem, &result->keep_file);
  g_task_return_pointer (task, result, (GDestroyNotify) read_result_free);
}

static void
eds_loaded_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CnvAddressBook *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (self->eds == NULL
      || !cnv_address_book_eds_load_finish (self->eds, result, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The book was disposed");
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
load_contacts (GTask *task)
{
  CnvAddressBook *self = g_task_get_source_object (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (self->eds == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  cnv_address_book_eds_load_async (self->eds, g_task_get_cancellable (task), eds_loaded_cb, task);
}

static void
collected_read_cb (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CnvAddressBook *self = g_task_get_source_object (task);
  ReadResult *read;

  read = g_task_propagate_pointer (G_TASK (result), NULL);
  /* A save in the meantime read the file itself. */
  if (self->load_state == LOAD_RUNNING)
    {
      apply_records (self, read->records, read->problem, read->keep_file);
      if (self->collected_dirty)
        schedule_save (self);
    }
  read_result_free (read);
  if (self->n_collected > 0)
    cnv_address_book_emit_changed (self);

  load_contacts (g_steal_pointer (&task));
}

/**
 * cnv_address_book_load_async:
 * @self: a book
 * @cancellable: (nullable): cancels the wait for the load (the address books, once opened, are
 *   followed until the book is disposed)
 * @callback: called when the book is loaded
 * @user_data: for @callback
 *
 * Reads the collected file in a worker thread, then opens the user's address books (see
 * cnv_address_book_eds_load_async()). A second load finishes at once and reads nothing again.
 */
void
cnv_address_book_load_async (CnvAddressBook      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) read = NULL;

  g_return_if_fail (CNV_IS_ADDRESS_BOOK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_address_book_load_async);

  if (self->load_requested)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  self->load_requested = TRUE;
  /* A save before the load read the file already. */
  if (self->load_state == LOAD_DONE)
    {
      load_contacts (g_steal_pointer (&task));
      return;
    }
  self->load_state = LOAD_RUNNING;

  read = g_task_new (NULL, NULL, collected_read_cb, g_steal_pointer (&task));
  g_task_set_source_tag (read, cnv_address_book_load_async);
  g_task_set_task_data (read, g_strdup (self->collected_path), g_free);
  g_task_run_in_thread (read, read_thread);
}

gboolean
cnv_address_book_load_finish (CnvAddressBook  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (CNV_IS_ADDRESS_BOOK (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
