/* test-app-address-book.c — completion over contacts and collected addresses, and the collected
 * file meeting hostile content (the evolution-data-server part is in test-app-address-book-eds.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The program runs on a private session bus with no service on it, so that loading finds no
 * evolution-data-server (and never touches the user's), and with XDG_DATA_HOME in a temporary
 * directory.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "address-book-test-common.h"
#include "cnv-address-book-private.h"
#include "credentials-test-common.h"

#define DOMAIN "cnv-address-book"

static char *tmp_root;
/* Kept until exit: disposing of it would call g_test_dbus_down() (see main()). */
static GTestDBus *bus;

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("cnv-book-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "addresses.json", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
}

static CnvAddressBook *
load_book (const char *path)
{
  return book_load (path, 30);
}

/* The addresses completion gives for @query, comma separated. */
static char *
complete (CnvAddressBook *book,
          const char     *query)
{
  return book_complete (book, query, 10);
}

#define assert_completes(book, query, expected)                 \
  G_STMT_START {                                                \
    g_autofree char *got_ = complete ((book), (query));         \
    g_assert_cmpstr (got_, ==, (expected));                     \
  } G_STMT_END

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
note_used (CnvAddressBook *book,
           const char     *name,
           const char     *address)
{
  g_autoptr(CnvAddress) parsed = cnv_address_new (name, address, NULL);

  g_assert_nonnull (parsed);
  cnv_address_book_note_used (book, parsed);
}

/* ---- completion ---- */

/* A book whose collected file is a fresh one in the temporary directory. */
static CnvAddressBook *
scratch_book (void)
{
  static guint n;
  g_autofree char *name = g_strdup_printf ("scratch-%u.json", n++);
  g_autofree char *path = g_build_filename (tmp_root, name, NULL);

  return cnv_address_book_new (path);
}

static void
test_folding (void)
{
  g_autoptr(CnvAddressBook) book = scratch_book ();

  cnv_address_book_add (book, "Jean-Pierre Dupont", "jp@example.test",
                        CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
  cnv_address_book_add (book, "Élodie Ørsted", "elodie@example.test",
                        CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
  cnv_address_book_add (book, "Hans Straße", "hans@example.test",
                        CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
  cnv_address_book_add (book, NULL, "marie.curie@example.test",
                        CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
  cnv_address_book_add (book, "ＡＢＣ Wide", "wide@example.test",
                        CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);

  /* Any word of the name, case and accents aside, and punctuation as a space. */
  assert_completes (book, "dup", "jp@example.test");
  assert_completes (book, "DUPONT", "jp@example.test");
  assert_completes (book, "pierre", "jp@example.test");
  assert_completes (book, "jean-p", "jp@example.test");
  assert_completes (book, "Jean P", "jp@example.test");
  assert_completes (book, "jean pierre dupont", "jp@example.test");
  assert_completes (book, "jean ", "jp@example.test");
  assert_completes (book, "jean d", "");
  assert_completes (book, "elo", "elodie@example.test");
  assert_completes (book, "ÉLO", "elodie@example.test");
  assert_completes (book, "e\xcc\x81lo", "elodie@example.test");  /* é decomposed */
  assert_completes (book, "ørs", "elodie@example.test");
  assert_completes (book, "strasse", "hans@example.test");
  assert_completes (book, "straße", "hans@example.test");
  assert_completes (book, "abc", "wide@example.test");            /* NFKD: fullwidth */
  /* The address, whole or from a word of its local part; not from its domain. */
  assert_completes (book, "marie.c", "marie.curie@example.test");
  assert_completes (book, "curie", "marie.curie@example.test");
  assert_completes (book, "MARIE.CURIE@EXAMPLE.TEST", "marie.curie@example.test");
  assert_completes (book, "jp@", "jp@example.test");
  assert_completes (book, "example", "");
  /* Not from the middle of a word. */
  assert_completes (book, "pont", "");
  assert_completes (book, "lodie", "");
}

static void
test_odd_queries (void)
{
  g_autoptr(CnvAddressBook) book = scratch_book ();
  g_autofree char *huge = g_malloc (10 * 1024 + 1);
  g_autofree char *huge_words = NULL;
  g_autoptr(GPtrArray) results = NULL;

  cnv_address_book_add (book, "Alice Liddell", "alice@example.test",
                        CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
  cnv_address_book_add (book, "Bob", "bob@example.test", CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);

  assert_completes (book, "", "");
  assert_completes (book, "   ", "");
  assert_completes (book, "-.,;", "");
  assert_completes (book, "\t\r\n", "");
  assert_completes (book, "\xff\xfe", "");
  assert_completes (book, "al\xff", "");
  assert_completes (book, "\x01\x02" "ali", "alice@example.test");
  assert_completes (book, " ali", "alice@example.test");
  assert_completes (book, "@", "");
  assert_completes (book, "ali\nce", "");

  results = cnv_address_book_complete (book, NULL, 10);
  g_assert_cmpuint (results->len, ==, 0);
  g_clear_pointer (&results, g_ptr_array_unref);
  results = cnv_address_book_complete (book, "a", 0);
  g_assert_cmpuint (results->len, ==, 0);

  memset (huge, 'a', 10 * 1024);
  huge[10 * 1024] = '\0';
  assert_completes (book, huge, "");
  huge_words = g_strnfill (1000, ' ');
  assert_completes (book, huge_words, "");
}

/* The collected file gives the uses and times the ranking is made of. */
static void
test_ranking (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(CnvAddressBook) book = NULL;
  g_autoptr(GPtrArray) results = NULL;

  write_file (fixture->path,
              "{\"version\":1,\"entries\":["
              "{\"name\":\"Ann Zed\",\"address\":\"ann.zed@example.test\",\"uses\":1,\"last_used\":100},"
              "{\"name\":\"Ann Young\",\"address\":\"ann.young@example.test\",\"uses\":5,\"last_used\":100},"
              "{\"name\":\"Ann Xu\",\"address\":\"ann.xu@example.test\",\"uses\":5,\"last_used\":200},"
              "{\"name\":\"Ann Abel\",\"address\":\"ann.abel@example.test\",\"uses\":1,\"last_used\":100},"
              "{\"address\":\"anna@example.test\",\"uses\":0,\"last_used\":0}"
              "]}");
  book = load_book (fixture->path);
  cnv_address_book_add (book, "Anne Contact", "anne@example.test",
                        CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);

  /* Uses first, then the most recent, then the name; never used last. */
  assert_completes (book, "ann",
                    "ann.xu@example.test,ann.young@example.test,ann.abel@example.test,"
                    "ann.zed@example.test,anna@example.test,anne@example.test");

  results = cnv_address_book_complete (book, "ann", 3);
  g_assert_cmpuint (results->len, ==, 3);
  g_assert_cmpstr (((CnvAddressBookEntry *) results->pdata[0])->name, ==, "Ann Xu");
  g_assert_cmpuint (((CnvAddressBookEntry *) results->pdata[0])->uses, ==, 5);
  g_assert_cmpint (((CnvAddressBookEntry *) results->pdata[0])->last_used, ==, 200);

  /* A use now puts it first. */
  note_used (book, NULL, "anne@example.test");
  note_used (book, NULL, "anne@example.test");
  note_used (book, NULL, "anne@example.test");
  note_used (book, NULL, "anne@example.test");
  note_used (book, NULL, "anne@example.test");
  assert_completes (book, "anne", "anne@example.test");
  g_clear_pointer (&results, g_ptr_array_unref);
  results = cnv_address_book_complete (book, "an", 1);
  g_assert_cmpstr (((CnvAddressBookEntry *) results->pdata[0])->address, ==, "anne@example.test");
}

static void
changed_cb (CnvAddressBook *book,
            guint          *count)
{
  (*count)++;
}

static void
test_merge (void)
{
  g_autoptr(CnvAddressBook) book = scratch_book ();
  g_autoptr(GPtrArray) results = NULL;
  CnvAddressBookEntry *entry;
  guint changed = 0;

  g_signal_connect (book, "changed", G_CALLBACK (changed_cb), &changed);

  /* A collected name fills in until a contact names the address. */
  cnv_address_book_add (book, "A. L.", "Alice@EXAMPLE.test", CNV_ADDRESS_BOOK_ORIGIN_COLLECTED);
  cnv_address_book_add (book, "Alice Liddell", "alice@example.test",
                        CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
  cnv_address_book_add (book, "Someone Else", "<alice@example.test>",
                        CNV_ADDRESS_BOOK_ORIGIN_COLLECTED);
  cnv_address_book_add (book, "x", "not an address", CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
  g_assert_cmpuint (changed, ==, 3);
  g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, 1);

  results = cnv_address_book_complete (book, "a", 10);
  g_assert_cmpuint (results->len, ==, 1);
  entry = g_ptr_array_index (results, 0);
  g_assert_cmpstr (entry->name, ==, "Alice Liddell");
  g_assert_cmpstr (entry->address, ==, "alice@example.test");
  g_assert_cmpint (entry->origin, ==,
                   CNV_ADDRESS_BOOK_ORIGIN_CONTACTS | CNV_ADDRESS_BOOK_ORIGIN_COLLECTED);
  /* The old name is no key any more. */
  assert_completes (book, "l.", "");
  assert_completes (book, "lidd", "alice@example.test");

  /* A name that is the address adds nothing. */
  cnv_address_book_add (book, "BOB@example.test", "bob@example.test",
                        CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
  g_clear_pointer (&results, g_ptr_array_unref);
  results = cnv_address_book_complete (book, "bob", 10);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_null (((CnvAddressBookEntry *) results->pdata[0])->name);

  /* An address in two contacts is a contact until both are gone; collected, it stays. */
  cnv_address_book_add_contact (book, "Carol", "carol@example.test");
  cnv_address_book_add_contact (book, "Carol C.", "carol@example.test");
  cnv_address_book_forget_contact (book, "carol@example.test");
  assert_completes (book, "carol", "carol@example.test");
  cnv_address_book_forget_contact (book, "carol@example.test");
  assert_completes (book, "carol", "");
  cnv_address_book_forget_contact (book, "alice@example.test");
  g_clear_pointer (&results, g_ptr_array_unref);
  results = cnv_address_book_complete (book, "alice", 10);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpint (((CnvAddressBookEntry *) results->pdata[0])->origin, ==,
                   CNV_ADDRESS_BOOK_ORIGIN_COLLECTED);
  /* Forgetting what is not there does nothing. */
  cnv_address_book_forget_contact (book, "nobody@example.test");
  cnv_address_book_forget_contact (book, "garbage");
  g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, 2);
}

/* ---- the collected file ---- */

static JsonObject *
read_json (const char *path,
           JsonParser *parser)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_persistence (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(CnvAddressBook) book = load_book (fixture->path);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) results = NULL;
  JsonObject *root;
  JsonArray *entries;
  GStatBuf st;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, 0);
  note_used (book, "Bob Builder", "bob@example.test");
  note_used (book, "Bob Builder", "bob@example.test");
  note_used (book, "Dave", "dave@example.test");
  cnv_address_book_add (book, "Only A Contact", "contact@example.test",
                        CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);

  /* Saved a little later, on the main loop, without a call. */
  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
  WAIT_UNTIL (g_file_test (fixture->path, G_FILE_TEST_EXISTS), 30);
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  root = read_json (fixture->path, parser);
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);
  entries = json_object_get_array_member (root, "entries");
  /* Only the collected addresses: the contacts stay in their address books. */
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (entries, 0),
                                                  "address"), ==, "bob@example.test");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (entries, 0),
                                               "uses"), ==, 2);

  /* The last use is saved when the book goes, however soon. */
  note_used (book, "Dave", "dave@example.test");
  note_used (book, NULL, "erin@example.test");
  g_clear_object (&book);

  book = load_book (fixture->path);
  g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, 3);
  results = cnv_address_book_complete (book, "d", 10);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpstr (((CnvAddressBookEntry *) results->pdata[0])->name, ==, "Dave");
  g_assert_cmpuint (((CnvAddressBookEntry *) results->pdata[0])->uses, ==, 2);
  g_assert_cmpint (((CnvAddressBookEntry *) results->pdata[0])->last_used, >=, before);
  g_assert_cmpint (((CnvAddressBookEntry *) results->pdata[0])->origin, ==,
                   CNV_ADDRESS_BOOK_ORIGIN_COLLECTED);
  assert_completes (book, "b", "bob@example.test");
  assert_completes (book, "only", "");
}

/* A use counted before the file was read adds to what the file holds, and a save before the load
 * keeps what the file holds. */
static void
test_use_before_load (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(CnvAddressBook) book = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;

  write_file (fixture->path,
              "{\"version\":1,\"entries\":["
              "{\"name\":\"Bob\",\"address\":\"bob@example.test\",\"uses\":7,\"last_used\":100},"
              "{\"address\":\"carol@example.test\",\"uses\":1,\"last_used\":50}]}");

  book = cnv_address_book_new (fixture->path);
  note_used (book, NULL, "bob@example.test");
  g_assert_true (cnv_address_book_save (book, &error));
  g_assert_no_error (error);
  g_clear_object (&book);

  book = cnv_address_book_new (fixture->path);
  note_used (book, NULL, "bob@example.test");
  cnv_address_book_load_async (book, NULL, store_result_cb, &result);
  g_assert_true (cnv_address_book_load_finish (book, wait_result (&result, 30), &error));
  g_assert_no_error (error);

  results = cnv_address_book_complete (book, "bob", 10);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpuint (((CnvAddressBookEntry *) results->pdata[0])->uses, ==, 9);
  g_assert_cmpstr (((CnvAddressBookEntry *) results->pdata[0])->name, ==, "Bob");
  assert_completes (book, "carol", "carol@example.test");
}

static char *
find_aside (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;
  char *found = NULL;

  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_prefix (name, "addresses.json.bad-"))
      {
        g_assert_null (found);
        found = g_build_filename (dir, name, NULL);
      }
  return found;
}

/* Loads @fixture->path, which is bad: a warning, the file set aside with its bytes, and what
 * remains of it in the book. */
static CnvAddressBook *
load_bad (Fixture *fixture,
          guint    n_kept)
{
  g_autoptr(CnvAddressBook) book = NULL;
  g_autofree char *aside = NULL;
  GStatBuf before;
  GStatBuf after;

  g_assert_cmpint (g_lstat (fixture->path, &before), ==, 0);
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_WARNING, "*collected addresses file is damaged*");
  book = load_book (fixture->path);
  g_test_assert_expected_messages ();

  g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, n_kept);
  aside = find_aside (fixture->dir);
  g_assert_nonnull (aside);
  g_assert_cmpint (g_lstat (aside, &after), ==, 0);
  g_assert_cmpint (after.st_ino, ==, before.st_ino);
  g_assert_cmpint (after.st_size, ==, before.st_size);
  return g_steal_pointer (&book);
}

static void
test_hostile_small (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char * const files[] = {
    "",
    "not json at all",
    "\xff\xfe\x00{",
    "[1, 2, 3]",
    "\"a string\"",
    "{\"version\":1}",
    "{\"version\":\"1\",\"entries\":[]}",
    "{\"version\":2,\"entries\":[]}",
    "{\"version\":1.0,\"entries\":[]}",
    "{\"version\":1,\"entries\":{\"address\":\"bob@example.test\"}}",
    "{\"version\":1,\"entries\":[{\"address\":\"bob@example.test\"}",
    "{\"version\":1,\"entries\":[]} trailing",
    "{\"version\":1,\"entries\":[{\"address\":\"a@example.test\"}]]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(CnvAddressBook) book = NULL;
      g_autofree char *aside = NULL;
      g_autofree char *kept = NULL;
      gsize length;

      g_test_message ("file %u", i);
      g_assert_true (g_file_set_contents (fixture->path, files[i], strlen (files[i]), NULL));
      book = load_bad (fixture, 0);
      aside = find_aside (fixture->dir);
      g_assert_true (g_file_get_contents (aside, &kept, &length, NULL));
      g_assert_cmpmem (kept, length, files[i], strlen (files[i]));
      g_assert_cmpint (g_unlink (aside), ==, 0);

      /* The book still works and writes a good file. */
      note_used (book, NULL, "new@example.test");
      g_assert_true (cnv_address_book_save (book, NULL));
      g_clear_object (&book);
      book = load_book (fixture->path);
      g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, 1);
      g_assert_null (find_aside (fixture->dir));
    }
}

/* Bad entries among good ones: the good ones are kept, the file is set aside all the same. */
static void
test_hostile_entries (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(CnvAddressBook) book = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autofree char *far_future = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                 g_get_real_time () / G_USEC_PER_SEC + 86400 * 365);
  g_autofree char *contents = g_strconcat (
    "{\"version\":1,\"entries\":["
    "{\"name\":\"Good\",\"address\":\"good@example.test\",\"uses\":3,\"last_used\":10},"
    "{\"name\":\"Dup\",\"address\":\"dup@example.test\",\"uses\":1,\"last_used\":30},"
    "{\"name\":\"Dup Again\",\"address\":\"DUP@example.test\",\"uses\":4,\"last_used\":20},"
    "{\"address\":\"not an address\"},"
    "{\"address\":\"evil@example.test\\r\\nBcc: x@evil.test\"},"
    "{\"address\":\"x@-bad-.test\"},"
    "{\"address\":42},"
    "{\"address\":null},"
    "{\"name\":\"No address\"},"
    "{\"name\":[\"x\"],\"address\":\"arr@example.test\"},"
    "{\"address\":\"neg@example.test\",\"uses\":-1},"
    "{\"address\":\"str@example.test\",\"uses\":\"7\"},"
    "{\"address\":\"dbl@example.test\",\"uses\":1.5},"
    "{\"address\":\"big@example.test\",\"uses\":99999999999999},"
    "{\"address\":\"future@example.test\",\"last_used\":", far_future, "},"
    "\"just a string\", 17, null, [], "
    "{\"name\":\"Bad\\u0000Name\\n\",\"address\":\"ctl@example.test\",\"uses\":1}"
    "]}", NULL);

  write_file (fixture->path, contents);
  book = load_bad (fixture, 3);

  results = cnv_address_book_complete (book, "dup", 10);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpuint (((CnvAddressBookEntry *) results->pdata[0])->uses, ==, 4);
  g_assert_cmpint (((CnvAddressBookEntry *) results->pdata[0])->last_used, ==, 30);
  g_clear_pointer (&results, g_ptr_array_unref);
  results = cnv_address_book_complete (book, "bad", 10);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_null (strpbrk (((CnvAddressBookEntry *) results->pdata[0])->name, "\r\n"));
  assert_completes (book, "good", "good@example.test");

  /* The cleaned list is saved soon, without a warning. */
  WAIT_UNTIL (g_file_test (fixture->path, G_FILE_TEST_EXISTS), 30);
  g_clear_object (&book);
  book = load_book (fixture->path);
  g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, 3);
}

static void
test_hostile_huge (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(CnvAddressBook) book = NULL;
  g_autoptr(GString) million = g_string_sized_new (4 * 1000 * 1000);
  g_autofree char *aside = NULL;
  int fd;

  /* 100 MB (sparse: its size alone is refused, it is never read). */
  fd = g_open (fixture->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 100 * 1024 * 1024), ==, 0);
  g_assert_cmpint (write (fd, "{", 1), ==, 1);
  close (fd);
  book = load_bad (fixture, 0);
  g_clear_object (&book);
  aside = find_aside (fixture->dir);
  g_unlink (aside);

  /* A million entries, small enough in bytes. */
  g_string_append (million, "{\"version\":1,\"entries\":[");
  for (guint i = 0; i < 1000 * 1000; i++)
    g_string_append (million, i > 0 ? ",{}" : "{}");
  g_string_append (million, "]}");
  write_file (fixture->path, million->str);
  book = load_bad (fixture, 0);
  g_clear_object (&book);
  g_clear_pointer (&aside, g_free);
  aside = find_aside (fixture->dir);
  g_unlink (aside);

  /* Not a regular file: a FIFO would block a read for ever, a directory cannot be read. */
  g_assert_cmpint (g_unlink (fixture->path), ==, 0);
  g_assert_cmpint (mkfifo (fixture->path, 0600), ==, 0);
  book = load_bad (fixture, 0);
  g_clear_object (&book);
  g_clear_pointer (&aside, g_free);
  aside = find_aside (fixture->dir);
  g_unlink (aside);

  /* (The book wrote a clean file when it went.) */
  g_assert_cmpint (g_unlink (fixture->path), ==, 0);
  g_assert_cmpint (g_mkdir (fixture->path, 0700), ==, 0);
  book = load_bad (fixture, 0);
  g_clear_object (&book);
}

/* At most 5 000 collected addresses: the least used, then the oldest, go. */
static void
test_cap (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(CnvAddressBook) book = NULL;
  g_autoptr(GString) contents = g_string_new ("{\"version\":1,\"entries\":[");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  /* 6 000 entries with one use each, entry i last used at time i, but the first ten, used a
   * hundred times long ago. */
  for (guint i = 1; i <= 6000; i++)
    g_string_append_printf (contents,
                            "%s{\"name\":\"Person %u\",\"address\":\"p%u@example.test\","
                            "\"uses\":%u,\"last_used\":%u}",
                            i > 1 ? "," : "", i, i, i <= 10 ? 100 : 1, i <= 10 ? 1 : i);
  g_string_append (contents, "]}");
  write_file (fixture->path, contents->str);

  book = load_book (fixture->path);
  g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, 5000);
  assert_completes (book, "p1@", "p1@example.test");
  assert_completes (book, "p10@", "p10@example.test");
  assert_completes (book, "p11@", "");
  assert_completes (book, "p1010@", "");
  assert_completes (book, "p1011@", "p1011@example.test");
  assert_completes (book, "p6000@", "p6000@example.test");

  /* One more: still 5 000, the oldest of the least used gone. */
  note_used (book, NULL, "newcomer@example.test");
  g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, 5000);
  assert_completes (book, "newcomer", "newcomer@example.test");
  assert_completes (book, "p1011@", "");
  assert_completes (book, "p1012@", "p1012@example.test");

  /* Contacts do not count. */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *address = g_strdup_printf ("contact%u@example.test", i);

      cnv_address_book_add (book, NULL, address, CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
    }
  g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, 5100);

  g_assert_true (cnv_address_book_save (book, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      read_json (fixture->path, parser), "entries")), ==, 5000);
}

static void
test_default_path (void)
{
  g_autoptr(CnvAddressBook) book = load_book (NULL);
  g_autofree char *path = g_build_filename (tmp_root, "data", "convene", "addresses.json", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  GStatBuf st;

  /* No evolution-data-server on this bus: loading still succeeds. */
  g_assert_cmpuint (cnv_address_book_get_n_entries (book), ==, 0);
  note_used (book, NULL, "someone@example.test");
  g_assert_true (cnv_address_book_save (book, NULL));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
}

static void
test_load_cancelled (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(CnvAddressBook) book = cnv_address_book_new (fixture->path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  cnv_address_book_load_async (book, cancellable, store_result_cb, &result);
  g_cancellable_cancel (cancellable);
  g_assert_false (cnv_address_book_load_finish (book, wait_result (&result, 30), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const variables[] = { "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                                            "XDG_RUNTIME_DIR", "HOME" };
  static const char * const subdirs[] = { "data", "config", "cache", "run", "home" };
  GDBusConnection *connection;
  int status;

  /* Before anything asks GLib for these directories. */
  tmp_root = g_dir_make_tmp ("cnv-book-test-XXXXXX", NULL);
  g_assert_nonnull (tmp_root);
  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      g_autofree char *path = g_build_filename (tmp_root, subdirs[i], NULL);

      g_mkdir (path, 0700);
      g_setenv (variables[i], path, TRUE);
    }

  g_test_init (&argc, &argv, NULL);

  /* A bus with no service on it: no evolution-data-server is found, none is started. */
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);

  g_test_add_func ("/app/address-book/folding", test_folding);
  g_test_add_func ("/app/address-book/odd-queries", test_odd_queries);
  g_test_add_func ("/app/address-book/merge", test_merge);
  g_test_add ("/app/address-book/ranking", Fixture, NULL, fixture_set_up, test_ranking,
              fixture_tear_down);
  g_test_add ("/app/address-book/persistence", Fixture, NULL, fixture_set_up, test_persistence,
              fixture_tear_down);
  g_test_add ("/app/address-book/use-before-load", Fixture, NULL, fixture_set_up,
              test_use_before_load, fixture_tear_down);
  g_test_add ("/app/address-book/hostile/small", Fixture, NULL, fixture_set_up,
              test_hostile_small, fixture_tear_down);
  g_test_add ("/app/address-book/hostile/entries", Fixture, NULL, fixture_set_up,
              test_hostile_entries, fixture_tear_down);
  g_test_add ("/app/address-book/hostile/huge", Fixture, NULL, fixture_set_up,
              test_hostile_huge, fixture_tear_down);
  g_test_add ("/app/address-book/cap", Fixture, NULL, fixture_set_up, test_cap,
              fixture_tear_down);
  g_test_add ("/app/address-book/load-cancelled", Fixture, NULL, fixture_set_up,
              test_load_cancelled, fixture_tear_down);
  g_test_add_func ("/app/address-book/default-path", test_default_path);

  status = g_test_run ();

  /* libebook keeps the session connection after a registry failed to start, so
   * g_test_dbus_down(), which waits until that connection is finalized, would time out: stop the
   * bus without waiting. */
  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_object_unref (connection);
  g_test_dbus_stop (bus);
  remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
