/* bench-completion.c — the time of one address completion over 10 000 contacts and 2 000 collected
 * addresses, beside a plain linear scan of the same entries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A completion runs on every keystroke in the composer's address fields; the issue asks for less
 * than 50 ms on an address book of 10 000 contacts. Queries of 1, 2 and 3 letters and whole
 * words, taken from the generated names, are timed one by one (median, 95th percentile, maximum).
 * The peer is what one would write first: for each query, every entry's name and address case
 * folded and searched for a word starting with the folded query, the matches sorted by use. The
 * time to build the book (adding the entries) and its index (done by the first completion) is
 * printed too. A benchmark prints figures and asserts nothing about time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>

#include "cnv-address-book.h"

#define N_CONTACTS        10000
#define N_COLLECTED       2000
#define N_QUERIES         2000   /* per kind, for CnvAddressBook */
#define N_PEER_QUERIES    100    /* per kind, for the linear scan */
#define MAX_RESULTS       10
#define TARGET_MS         50.0

static const char * const first_names[] = {
  "Alice", "Élodie", "José", "Zoë", "Łukasz", "Søren", "François", "Jürgen", "Ana", "Chloé",
  "Björn", "Nuño", "Amélie", "Mårten", "Agnès", "Hélène", "Jean-Pierre", "Marie-Claire", "Ömer",
  "Dvořák", "Ïsa", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
  "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Yusuf",
  "Ångström", "Çağla", "Đorđe", "Ewa", "Fátima", "Gonçalo", "Hanna", "Ingrid", "Jiří", "Kateřina",
  "Leïla", "Matthäus", "Noémie", "Oğuz", "Paweł", "Quentin", "Renée", "Stéphane", "Tomás", "Ugo",
};

static const char * const last_names[] = {
  "Dupont", "Müller", "García", "Nováková", "Østergaard", "Kowalski", "O'Brien", "Van der Berg",
  "Smith", "Johnson", "Lefèvre", "Gonçalves", "Øberg", "Schröder", "Łęcki", "Núñez", "Dubois",
  "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Moreau", "Laurent",
  "Simon", "Michel", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard", "Bonnet",
  "Fernández", "López", "Sánchez", "Pérez", "Jiménez", "Ruiz", "Hernández", "Díaz", "Álvarez",
  "Weiß", "Schäfer", "Köhler", "Hoffmann", "Wagner", "Becker", "Krüger", "Yılmaz", "Şahin",
  "Nakamura", "Tanaka", "Svensson", "Lindqvist", "Håkansson", "De la Cruz",
};

static const char * const domains[] = {
  "example.test", "univ-lyon.example", "mairie.example.fr", "gmail.example", "corp.example.com",
  "hôpital.example", "lab.example.org", "mail.example.net",
};

typedef struct
{
  char   *name;
  char   *address;
  guint   uses;
  gint64  last_used;
} PeerEntry;

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* The ASCII form of a name for an address: letters without accents, lower case. */
static char *
ascii_word (const char *text)
{
  g_autofree char *ascii = g_str_to_ascii (text, "C");
  GString *out = g_string_new (NULL);

  for (const char *p = ascii; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (out, FALSE);
}

static void
make_person (GRand  *rand,
             guint   n,
             char  **name,
             char  **address)
{
  const char *first = first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))];
  const char *last = last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))];
  const char *domain = domains[g_rand_int_range (rand, 0, G_N_ELEMENTS (domains))];
  g_autofree char *a = ascii_word (first);
  g_autofree char *b = ascii_word (last);

  *name = g_strdup_printf ("%s %s", first, last);
  *address = g_strdup_printf ("%s.%s%u@%s", a, b, n, domain);
}

/* ---- the peer: a linear scan ---- */

static gboolean
peer_matches (const char *folded_text,
              const char *folded_query)
{
  gsize len = strlen (folded_query);

  for (const char *p = folded_text; *p != '\0'; p++)
    if ((p == folded_text || p[-1] == ' ' || p[-1] == '-' || p[-1] == '.')
        && strncmp (p, folded_query, len) == 0)
      return TRUE;
  return FALSE;
}

static int
peer_compare (gconstpointer a,
              gconstpointer b)
{
  const PeerEntry *x = *(PeerEntry * const *) a;
  const PeerEntry *y = *(PeerEntry * const *) b;

  if (x->uses != y->uses)
    return x->uses > y->uses ? -1 : 1;
  if (x->last_used != y->last_used)
    return x->last_used > y->last_used ? -1 : 1;
  return g_utf8_collate (x->name, y->name);
}

static guint
peer_complete (GPtrArray  *entries,
               const char *query)
{
  g_autofree char *folded_query = g_utf8_casefold (query, -1);
  g_autoptr(GPtrArray) matches = g_ptr_array_new ();

  for (guint i = 0; i < entries->len; i++)
    {
      PeerEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *name = g_utf8_casefold (entry->name, -1);
      g_autofree char *address = g_utf8_casefold (entry->address, -1);

      if (peer_matches (name, folded_query) || g_str_has_prefix (address, folded_query))
        g_ptr_array_add (matches, entry);
    }
  g_ptr_array_sort (matches, peer_compare);
  return MIN (matches->len, MAX_RESULTS);
}

/* ---- figures ---- */

static int
double_compare (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  double median;
  double p95;
  double max;
} Figures;

static Figures
figures_of (GArray *times)
{
  Figures f;

  g_array_sort (times, double_compare);
  f.median = g_array_index (times, double, times->len / 2);
  f.p95 = g_array_index (times, double, MIN (times->len - 1, times->len * 95 / 100));
  f.max = g_array_index (times, double, times->len - 1);
  return f;
}

/* A query of @kind: 1, 2 or 3 first letters of a word of a generated name, or (0) a whole one. */
static char *
make_query (GRand *rand,
            guint  kind)
{
  const char *word = g_rand_boolean (rand)
    ? first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))]
    : last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))];
  const char *end;

  if (kind == 0)
    return g_strdup (word);
  end = word;
  for (guint i = 0; i < kind && *end != '\0'; i++)
    end = g_utf8_next_char (end);
  /* Half of them typed lower case, without accents, as people type. */
  if (g_rand_boolean (rand))
    {
      g_autofree char *part = g_strndup (word, end - word);
      g_autofree char *ascii = g_str_to_ascii (part, "C");

      return g_ascii_strdown (ascii, -1);
    }
  return g_strndup (word, end - word);
}

int
main (int   argc,
      char *argv[])
{
  static const struct { guint kind; const char *label; } kinds[] = {
    { 1, "1 letter" }, { 2, "2 letters" }, { 3, "3 letters" }, { 0, "full word" },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240501);
  g_autoptr(GPtrArray) peer = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cnv-bench-completion-XXXXXX", &error);
  g_autofree char *path = NULL;
  CnvAddressBook *book;
  double t0;
  double add_ms;
  double index_ms;
  double worst = 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_no_error (error);
  path = g_build_filename (dir, "addresses.json", NULL);
  book = cnv_address_book_new (path);

  /* The same entries for both: 10 000 contacts, 2 000 collected addresses with uses. */
  t0 = now_ms ();
  for (guint i = 0; i < N_CONTACTS + N_COLLECTED; i++)
    {
      PeerEntry *entry = g_new0 (PeerEntry, 1);

      make_person (rand, i, &entry->name, &entry->address);
      if (i < N_CONTACTS)
        cnv_address_book_add (book, entry->name, entry->address,
                              CNV_ADDRESS_BOOK_ORIGIN_CONTACTS);
      else
        {
          g_autoptr(CnvAddress) address = cnv_address_new (entry->name, entry->address, NULL);

          entry->uses = g_rand_int_range (rand, 1, 6);
          entry->last_used = now;
          for (guint u = 0; u < entry->uses; u++)
            cnv_address_book_note_used (book, address);
        }
      g_ptr_array_add (peer, entry);
    }
  add_ms = now_ms () - t0;

  t0 = now_ms ();
  g_ptr_array_unref (cnv_address_book_complete (book, "a", MAX_RESULTS));
  index_ms = now_ms () - t0;

  printf ("Address completion: %u contacts + %u collected = %u entries, %u results a query\n",
          N_CONTACTS, N_COLLECTED, cnv_address_book_get_n_entries (book), MAX_RESULTS);
  printf ("  adding the entries: %.1f ms; building the index (first completion): %.2f ms\n\n",
          add_ms, index_ms);
  printf ("  %-10s | %-32s | %-32s | %s\n", "query", "CnvAddressBook (ms) med / p95 / max",
          "linear scan (ms) med / p95 / max", "ratio (med)");

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr(GArray) ours = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) theirs = g_array_new (FALSE, FALSE, sizeof (double));
      guint found = 0;
      Figures a;
      Figures b;

      for (guint q = 0; q < N_QUERIES; q++)
        {
          g_autofree char *query = make_query (rand, kinds[k].kind);
          GPtrArray *results;
          double t;

          t0 = now_ms ();
          results = cnv_address_book_complete (book, query, MAX_RESULTS);
          t = now_ms () - t0;
          found += results->len;
          g_ptr_array_unref (results);
          g_array_append_val (ours, t);
        }
      for (guint q = 0; q < N_PEER_QUERIES; q++)
        {
          g_autofree char *query = make_query (rand, kinds[k].kind);
          double t;

          t0 = now_ms ();
          peer_complete (peer, query);
          t = now_ms () - t0;
          g_array_append_val (theirs, t);
        }
      a = figures_of (ours);
      b = figures_of (theirs);
      worst = MAX (worst, a.max);
      printf ("  %-10s | %9.4f / %9.4f / %9.4f | %9.3f / %9.3f / %9.3f | %.0f×  (%.1f results)\n",
              kinds[k].label, a.median, a.p95, a.max, b.median, b.p95, b.max,
              b.median / MAX (a.median, 1e-6), (double) found / N_QUERIES);
    }

  printf ("\n  %u queries of each kind for CnvAddressBook, %u for the linear scan\n", N_QUERIES,
          N_PEER_QUERIES);
  printf ("  target < %.0f ms a completion: %s (slowest %.3f ms)\n", TARGET_MS,
          worst < TARGET_MS ? "met" : "NOT met", worst);

  g_object_unref (book);
  for (guint i = 0; i < peer->len; i++)
    {
      PeerEntry *entry = g_ptr_array_index (peer, i);

      g_free (entry->name);
      g_free (entry->address);
      g_free (entry);
    }
  g_unlink (path);
  g_rmdir (dir);
  return 0;
}
