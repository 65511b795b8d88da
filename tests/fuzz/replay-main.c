/* replay-main.c — runs a fuzz target over files, for builds without libFuzzer
 *
 * Usage: fuzz-TARGET-replay PATH…   where each PATH is a file or a directory of inputs (files
 * whose names start with a dot are skipped; so are missing paths, with a note). Every input goes
 * once through LLVMFuzzerTestOneInput(), in name order, exactly as libFuzzer would run it. The
 * seed corpora and the saved crashers (tests/fuzz/crashers/TARGET/) thus become regression tests
 * of the normal and sanitizer builds. Exits 0 when at least one input ran and none crashed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"

static gboolean
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree uint8_t *copy = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      g_printerr ("replay: %s\n", error->message);
      return FALSE;
    }

  /* An exact-size copy without a terminating NUL, as libFuzzer passes it: AddressSanitizer then
   * catches a parser that reads one byte too far. */
  copy = g_malloc (MAX (len, 1));
  memcpy (copy, contents, len);
  g_print ("replay: %s (%" G_GSIZE_FORMAT " bytes)\n", path, len);
  LLVMFuzzerTestOneInput (copy, len);
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
replay_path (const char *path,
             guint      *n_inputs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;
  gboolean ok = TRUE;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_print ("replay: %s does not exist, skipped\n", path);
      return TRUE;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if (!replay_file (path))
        return FALSE;
      (*n_inputs)++;
      return TRUE;
    }

  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      g_printerr ("replay: %s\n", error->message);
      return FALSE;
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        continue;
      if (replay_file (child))
        (*n_inputs)++;
      else
        ok = FALSE;
    }
  return ok;
}

int
main (int    argc,
      char **argv)
{
  guint n_inputs = 0;
  gboolean ok = TRUE;

  if (argc < 2)
    {
      g_printerr ("usage: %s FILE-OR-DIRECTORY…\n", argv[0]);
      return 2;
    }

  LLVMFuzzerInitialize (&argc, &argv);

  for (int i = 1; i < argc; i++)
    ok &= replay_path (argv[i], &n_inputs);

  g_print ("replay: %u inputs replayed\n", n_inputs);
  if (n_inputs == 0)
    {
      g_printerr ("replay: no input found\n");
      return 1;
    }
  return ok ? 0 : 1;
}
