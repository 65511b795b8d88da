/* cnv-manager-config-check.c — the problems of a configuration, and what `run` needs
 *
 * GKeyFile keeps no line numbers and stops at its first syntax error: the lines are scanned
 * here first, the way GKeyFile reads them, and each group and key is given its line. A problem
 * is one sentence that names the file, the line, the group and the key;
 * cnv_manager_config_check_file() collects them all, in the order of the lines and at most
 * MAX_PROBLEMS, with the unknown groups and keys and the known name each is closest to ("did you
 * mean …?"). cnv_manager_config_check_daemon() checks what only `run` needs (for the mail
 * accounts, in cnv-manager-config-accounts.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "cnv-manager-config-private.h"

/* A configuration is a few KiB; these bound what a hostile or mistaken file can cost. */
#define MAX_PROBLEMS      100
#define MAX_NAME_IN_TEXT  64
#define MAX_MESSAGE_CHARS 400

static const char * const manager_keys[] = {
  "timezone", "default-duration", "address", "database", "invite-at", "trusted-authserv-id",
  "accredited-domains", "max-participants", "max-requests-per-hour", "max-message-size",
  "join-early", NULL
};
static const char * const imap_keys[] = {
  "host", "port", "security", "user", "password-file", "ca-file", "mailbox", NULL
};
static const char * const smtp_keys[] = {
  "host", "port", "security", "user", "password-file", "ca-file", "helo-name", NULL
};
static const char * const gateway_keys[] = { "listen", "public-url", "trusted-proxies", NULL };
static const char * const type_keys[] = { "address", "keywords", "default", "backend", NULL };

/* The keys of each backend (cnv-manager-backend.c), for "unknown key" and "did you mean". */
static const struct
{
  const char         *kind;
  const char * const  keys[7];
} backend_keys[] = {
  { "url", { "url", NULL } },
  { "jitsi", { "jitsi-url", "jitsi-app-id", "jitsi-secret-file", "jitsi-audience", "jitsi-subject",
               NULL } },
  { "command", { "command", "command-timeout", NULL } },
};

/* ---- Problems --------------------------------------------------------------------------- */

void
cnv_config_problem_clear (CnvConfigProblem *problem)
{
  g_free (problem->text);
}

static char *
line_key (const char *group,
          const char *key)
{
  return g_strconcat (group, "\037", key ? key : "", NULL);
}

guint
cnv_config_lookup_line (GHashTable *lines,
                        const char *group,
                        const char *key)
{
  g_autofree char *lookup = NULL;
  guint line = 0;

  if (group == NULL)
    return 0;
  if (key != NULL)
    {
      lookup = line_key (group, key);
      line = GPOINTER_TO_UINT (g_hash_table_lookup (lines, lookup));
      g_clear_pointer (&lookup, g_free);
    }
  if (line == 0)
    {
      lookup = line_key (group, NULL);
      line = GPOINTER_TO_UINT (g_hash_table_lookup (lines, lookup));
    }
  return line;
}

/* A name or value from the file, fit to quote in one line: control characters replaced, long
 * text shortened. */
char *
cnv_config_excerpt (const char *text)
{
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n++ == MAX_NAME_IN_TEXT)
        {
          g_string_append (out, "…");
          break;
        }
      if (g_unichar_iscntrl (c))
        g_string_append_unichar (out, 0xFFFD);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static char *
format_problem (const char *path,
                guint       line,
                const char *group,
                const char *key,
                const char *message)
{
  GString *text = g_string_new (NULL);

  if (path != NULL)
    {
      g_string_append (text, path);
      if (line != 0)
        g_string_append_printf (text, ":%u", line);
      g_string_append (text, ": ");
    }
  else if (line != 0)
    g_string_append_printf (text, "line %u: ", line);

  if (group != NULL)
    {
      g_autofree char *shown = cnv_config_excerpt (group);

      g_string_append_printf (text, "[%s]%s", shown, key != NULL ? " " : ": ");
    }
  if (key != NULL)
    {
      g_autofree char *shown = cnv_config_excerpt (key);

      g_string_append_printf (text, "%s: ", shown);
    }
  /* Messages of other modules may quote a whole value. */
  if (g_utf8_strlen (message, -1) > MAX_MESSAGE_CHARS)
    {
      g_string_append_len (text, message, g_utf8_offset_to_pointer (message, MAX_MESSAGE_CHARS) - message);
      g_string_append (text, "…");
    }
  else
    g_string_append (text, message);
  return g_string_free (text, FALSE);
}

void
cnv_config_report_at (CnvConfigLoader   *loader,
                      CnvConfigSeverity  severity,
                      int                code,
                      guint              line,
                      const char        *group,
                      const char        *key,
                      const char        *format,
                      ...)
{
  g_autofree char *message = NULL;
  CnvConfigProblem problem;
  va_list args;

  if (!loader->collect && (severity == CNV_SEVERITY_WARNING || loader->failed))
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (line == 0)
    line = cnv_config_lookup_line (loader->config->lines, group, key);
  if (severity == CNV_SEVERITY_ERROR)
    loader->failed = TRUE;

  if (!loader->collect)
    {
      g_autofree char *text = format_problem (loader->path, line, group, key, message);

      g_set_error_literal (&loader->error, CNV_CONFIG_ERROR, code, text);
      return;
    }

  problem.line = line;
  problem.order = loader->problems->len;
  problem.text = format_problem (loader->path, line, group, key, message);
  g_array_append_val (loader->problems, problem);
}

/* In file order; problems without a line (a missing group) come last. */
static int
compare_problems (gconstpointer a,
                  gconstpointer b)
{
  const CnvConfigProblem *pa = a;
  const CnvConfigProblem *pb = b;
  guint la = pa->line ? pa->line : G_MAXUINT;
  guint lb = pb->line ? pb->line : G_MAXUINT;

  if (la != lb)
    return la < lb ? -1 : 1;
  return pa->order < pb->order ? -1 : pa->order > pb->order;
}

/* Moves the problems into @problems: in file order, at most MAX_PROBLEMS, then one sentence that
 * counts the others. */
void
cnv_config_take_problems (CnvConfigLoader *loader,
                          GPtrArray       *problems)
{
  const char *path = loader->path;

  g_array_sort (loader->problems, compare_problems);
  for (guint i = 0; i < loader->problems->len; i++)
    {
      CnvConfigProblem *problem = &g_array_index (loader->problems, CnvConfigProblem, i);

      if (i == MAX_PROBLEMS)
        {
          g_ptr_array_add (problems, g_strdup_printf ("%s%stoo many problems: %u more not "
                                                      "shown; correct these first",
                                                      path ? path : "", path ? ": " : "",
                                                      loader->problems->len - MAX_PROBLEMS));
          break;
        }
      g_ptr_array_add (problems, g_steal_pointer (&problem->text));
    }
}

/* ---- Close names: "did you mean …?" ------------------------------------------------------ */

/* The optimal string alignment distance (Levenshtein plus transpositions), ASCII case-folded. */
static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  g_autofree guint *rows = NULL;
  guint *prev2, *prev, *cur;
  guint result;

  g_assert (la <= MAX_NAME_IN_TEXT && lb <= MAX_NAME_IN_TEXT);

  rows = g_new0 (guint, 3 * (lb + 1));
  prev2 = rows;
  prev = rows + (lb + 1);
  cur = rows + 2 * (lb + 1);
  for (gsize j = 0; j <= lb; j++)
    prev[j] = j;

  for (gsize i = 1; i <= la; i++)
    {
      guint *swap;

      cur[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
          guint best = MIN (prev[j] + 1, cur[j - 1] + 1);

          best = MIN (best, prev[j - 1] + cost);
          if (i > 1 && j > 1 &&
              g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 2]) &&
              g_ascii_tolower (a[i - 2]) == g_ascii_tolower (b[j - 1]))
            best = MIN (best, prev2[j - 2] + 1);
          cur[j] = best;
        }
      swap = prev2;
      prev2 = prev;
      prev = cur;
      cur = swap;
    }
  result = prev[lb];
  return result;
}

/* The known name closest to @name, when it is close enough to be what was meant. */
static const char *
closest_name (const char         *name,
              const char * const *known)
{
  gsize len = strlen (name);
  const char *best = NULL;
  guint best_distance = G_MAXUINT;

  if (len == 0 || len > MAX_NAME_IN_TEXT)
    return NULL;
  for (guint i = 0; known[i] != NULL; i++)
    {
      gsize known_len = strlen (known[i]);
      guint limit = MIN (known_len, len) <= 4 ? 1 : 2;
      guint distance;

      if ((len > known_len ? len - known_len : known_len - len) > limit)
        continue;
      distance = edit_distance (name, known[i]);
      if (distance <= limit && distance < best_distance)
        {
          best = known[i];
          best_distance = distance;
        }
    }
  return best;
}

/* ---- Reading the lines ------------------------------------------------------------------- */

CnvConfigGroup
cnv_config_classify_group (const char *group)
{
  if (strcmp (group, "manager") == 0)
    return CNV_GROUP_MANAGER;
  if (strcmp (group, "imap") == 0 || g_str_has_prefix (group, "imap "))
    return CNV_GROUP_IMAP;
  if (strcmp (group, "smtp") == 0)
    return CNV_GROUP_SMTP;
  if (strcmp (group, "gateway") == 0)
    return CNV_GROUP_GATEWAY;
  if (strcmp (group, "type") == 0 || g_str_has_prefix (group, "type "))
    return CNV_GROUP_TYPE;
  return CNV_GROUP_UNKNOWN;
}

static const char * const *
known_keys (CnvConfigGroup kind)
{
  switch (kind)
    {
    case CNV_GROUP_MANAGER:
      return manager_keys;
    case CNV_GROUP_IMAP:
      return imap_keys;
    case CNV_GROUP_SMTP:
      return smtp_keys;
    case CNV_GROUP_GATEWAY:
      return gateway_keys;
    case CNV_GROUP_TYPE:
      return type_keys;
    case CNV_GROUP_UNKNOWN:
    default:
      return NULL;
    }
}

/* GKeyFile's rule (g_key_file_is_group_name()): not empty, no brackets, no control character. */
static gboolean
is_group_name (const char *name)
{
  if (*name == '\0')
    return FALSE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    if (*p == '[' || *p == ']' || g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* One line as GKeyFile reads it (g_key_file_parse_line()): leading white space is skipped;
 * `#` starts a comment only there; `[name]` opens a group (white space may follow); anything else
 * must be `key = value`. @group is the current group; a line GKeyFile would refuse marks the
 * loader unreadable. */
static void
scan_line (CnvConfigLoader  *loader,
           guint             number,
           char             *line,
           char            **group)
{
  GHashTable *lines = loader->config->lines;
  const char *start = line;
  const char *equals;
  g_autofree char *key = NULL;
  g_autofree char *lookup = NULL;
  gsize len;

  while (g_ascii_isspace (*start))
    start++;
  if (*start == '\0' || *start == '#')
    return;

  if (*start == '[')
    {
      const char *close = strchr (start, ']');
      const char *after;
      g_autofree char *name = NULL;

      after = close != NULL ? close + 1 : NULL;
      while (after != NULL && (*after == ' ' || *after == '\t'))
        after++;
      if (close == NULL || *after != '\0')
        {
          g_autofree char *shown = cnv_config_excerpt (start);

          cnv_config_report_at (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_INVALID, number,
                                NULL, NULL, "“%s” is not a group header: write it as [name], "
                                "alone on its line", shown);
          loader->unreadable = TRUE;
          return;
        }
      name = g_strndup (start + 1, close - start - 1);
      if (!is_group_name (name))
        {
          g_autofree char *shown = cnv_config_excerpt (start);

          cnv_config_report_at (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_INVALID, number,
                                NULL, NULL, "“%s” is not a group header: the name inside [] is "
                                "empty or holds a bracket or a control character", shown);
          loader->unreadable = TRUE;
          return;
        }

      lookup = line_key (name, NULL);
      if (g_hash_table_contains (lines, lookup))
        cnv_config_report_at (loader, CNV_SEVERITY_WARNING, CNV_CONFIG_ERROR_DUPLICATE, number,
                              name, NULL, "the group appears again (first at line %u): the keys "
                              "of both are merged, and a key set in both takes its value from the "
                              "later one",
                              GPOINTER_TO_UINT (g_hash_table_lookup (lines, lookup)));
      else
        g_hash_table_insert (lines, g_steal_pointer (&lookup), GUINT_TO_POINTER (number));
      g_free (*group);
      *group = g_steal_pointer (&name);
      return;
    }

  equals = strchr (start, '=');
  if (equals == NULL)
    {
      g_autofree char *shown = cnv_config_excerpt (start);

      cnv_config_report_at (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_INVALID, number,
                            *group, NULL, "“%s” is neither a [group], a “key = value” line nor a "
                            "# comment", shown);
      loader->unreadable = TRUE;
      return;
    }

  key = g_strndup (start, equals - start);
  len = strlen (key);
  while (len > 0 && g_ascii_isspace (key[len - 1]))
    key[--len] = '\0';
  if (len == 0)
    {
      cnv_config_report_at (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_INVALID, number,
                            *group, NULL, "the line has no key name before “=”");
      loader->unreadable = TRUE;
      return;
    }
  if (*group == NULL)
    {
      g_autofree char *shown = cnv_config_excerpt (key);

      cnv_config_report_at (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_INVALID, number,
                            NULL, NULL, "the key “%s” comes before any [group]: put it under "
                            "[manager] or the group it belongs to", shown);
      loader->unreadable = TRUE;
      return;
    }

  lookup = line_key (*group, key);
  if (g_hash_table_contains (lines, lookup))
    cnv_config_report_at (loader, CNV_SEVERITY_WARNING, CNV_CONFIG_ERROR_DUPLICATE, number,
                          *group, key, "set again (first at line %u): only this later value counts",
                          GPOINTER_TO_UINT (g_hash_table_lookup (lines, lookup)));
  g_hash_table_insert (lines, g_steal_pointer (&lookup), GUINT_TO_POINTER (number));
}

/* Reads the lines; FALSE when they cannot be a key file (then GKeyFile is not asked). */
gboolean
cnv_config_scan_lines (CnvConfigLoader *loader,
                       const char      *data,
                       gsize            len)
{
  g_autofree char *group = NULL;
  const char *end = data + len;
  const char *p = data;
  guint number = 0;

  if (len > CNV_CONFIG_MAX_SIZE)
    {
      cnv_config_report_at (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_INVALID, 0, NULL, NULL,
                            "the file is larger than %d KiB: this is not a configuration file",
                            CNV_CONFIG_MAX_SIZE / 1024);
      return FALSE;
    }

  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      gsize line_len = (eol != NULL ? eol : end) - p;
      g_autofree char *line = NULL;

      number++;
      if (memchr (p, '\0', line_len) != NULL)
        {
          cnv_config_report_at (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_INVALID, number,
                                NULL, NULL, "the line holds a NUL byte: this is not a text file");
          return FALSE;
        }
      if (!g_utf8_validate_len (p, line_len, NULL))
        {
          cnv_config_report_at (loader, CNV_SEVERITY_ERROR, CNV_CONFIG_ERROR_INVALID, number,
                                NULL, NULL, "the line is not valid UTF-8: save the file as UTF-8");
          loader->unreadable = TRUE;
        }
      else
        {
          line = g_strndup (p, line_len);
          if (line_len > 0 && line[line_len - 1] == '\r')
            line[line_len - 1] = '\0';
          scan_line (loader, number, line, &group);
        }
      p += line_len + (eol != NULL ? 1 : 0);
    }
  return !loader->unreadable;
}

/* ---- Unknown groups and keys ------------------------------------------------------------- */

/* A type's own keys and those of every backend. */
static const char **
type_known_keys (void)
{
  GPtrArray *keys = g_ptr_array_new ();

  for (guint i = 0; type_keys[i] != NULL; i++)
    g_ptr_array_add (keys, (gpointer) type_keys[i]);
  for (guint b = 0; b < G_N_ELEMENTS (backend_keys); b++)
    for (guint i = 0; backend_keys[b].keys[i] != NULL; i++)
      g_ptr_array_add (keys, (gpointer) backend_keys[b].keys[i]);
  g_ptr_array_add (keys, NULL);
  return (const char **) g_ptr_array_free (keys, FALSE);
}

/* A backend's key in a type whose backend is another one (or none) is ignored. */
static void
check_backend_key (CnvConfigLoader *loader,
                   const char      *group,
                   const char      *key)
{
  g_autofree char *kind = NULL;

  if (g_strv_contains (type_keys, key))
    return;
  kind = g_key_file_get_string (loader->key_file, group, "backend", NULL);
  if (kind != NULL)
    g_strstrip (kind);
  for (guint b = 0; b < G_N_ELEMENTS (backend_keys); b++)
    {
      if (!g_strv_contains (backend_keys[b].keys, key) || g_strcmp0 (kind, backend_keys[b].kind) == 0)
        continue;
      if (kind == NULL)
        report (loader, CNV_SEVERITY_WARNING, CNV_CONFIG_ERROR_INVALID, group, key,
                "ignored: the type has no backend (add backend = %s)", backend_keys[b].kind);
      else
        {
          g_autofree char *shown = cnv_config_excerpt (kind);

          report (loader, CNV_SEVERITY_WARNING, CNV_CONFIG_ERROR_INVALID, group, key,
                  "ignored: it is an option of backend = %s, and this type's backend is %s",
                  backend_keys[b].kind, shown);
        }
      return;
    }
}

void
cnv_config_check_names (CnvConfigLoader  *loader,
                        char            **groups)
{
  static const char * const single_groups[] = { "manager", "imap", "smtp", "gateway", "type", NULL };

  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *group = groups[i];
      CnvConfigGroup kind = cnv_config_classify_group (group);
      const char * const *known = known_keys (kind);
      g_autofree const char **all_type_keys = NULL;
      g_autoptr(GHashTable) seen = NULL;
      g_auto(GStrv) keys = NULL;

      if (kind == CNV_GROUP_UNKNOWN)
        {
          const char *space = strchr (group, ' ');
          g_autofree char *first = g_strndup (group, space ? (gsize) (space - group) : strlen (group));
          const char *close = closest_name (first, single_groups);

          if (space != NULL && close != NULL && strcmp (close, first) == 0)
            report (loader, CNV_SEVERITY_WARNING, CNV_CONFIG_ERROR_INVALID, group, NULL,
                    "unknown group, ignored: [%s] takes no name after it", first);
          else if (close != NULL)
            report (loader, CNV_SEVERITY_WARNING, CNV_CONFIG_ERROR_INVALID, group, NULL,
                    "unknown group, ignored: did you mean [%s%s]?", close, space ? space : "");
          else
            report (loader, CNV_SEVERITY_WARNING, CNV_CONFIG_ERROR_INVALID, group, NULL,
                    "unknown group, ignored: the groups are [manager], [imap], [imap NAME], "
                    "[smtp], [gateway] and [type NAME]");
          continue;
        }

      /* A key given twice is listed twice by GKeyFile: the line scan reported it. */
      keys = g_key_file_get_keys (loader->key_file, group, NULL, NULL);
      seen = g_hash_table_new (g_str_hash, g_str_equal);
      if (kind == CNV_GROUP_TYPE)
        known = all_type_keys = type_known_keys ();
      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          const char *close;

          if (!g_hash_table_add (seen, keys[k]))
            continue;
          if (g_strv_contains (known, keys[k]))
            {
              if (kind == CNV_GROUP_TYPE)
                check_backend_key (loader, group, keys[k]);
              continue;
            }
          close = closest_name (keys[k], known);
          if (close != NULL)
            report (loader, CNV_SEVERITY_WARNING, CNV_CONFIG_ERROR_INVALID, group, keys[k],
                    "unknown key, ignored: did you mean %s?", close);
          else
            {
              g_autofree char *list = g_strjoinv (", ", (char **) known);

              report (loader, CNV_SEVERITY_WARNING, CNV_CONFIG_ERROR_INVALID, group, keys[k],
                      "unknown key, ignored: the keys of this group are %s", list);
            }
        }
    }
}

/* ---- What `run` needs -------------------------------------------------------------------- */

void
cnv_config_add_problem (CnvManagerConfig *self,
                        GPtrArray        *problems,
                        const char       *group,
                        const char       *key,
                        const char       *format,
                        ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (problems, format_problem (self->path,
                                             cnv_config_lookup_line (self->lines, group, key),
                                             group, key, message));
}

static void
check_database (CnvManagerConfig *self,
                GPtrArray        *problems)
{
  g_autofree char *dir = NULL;

  if (self->database == NULL)
    {
      cnv_config_add_problem (self, problems, "manager", "database", "not set: the manager keeps "
                              "its sessions there; expected a file name such as "
                              "/var/lib/convene/%s", CNV_CONFIG_DATABASE_NAME);
      return;
    }
  dir = g_path_get_dirname (self->database);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    cnv_config_add_problem (self, problems, "manager", "database", "the directory %s does not "
                            "exist: create it (mkdir -p %s) for the user the manager runs as", dir,
                            dir);
  else if (g_access (dir, W_OK | X_OK) != 0)
    cnv_config_add_problem (self, problems, "manager", "database", "the directory %s is not "
                            "writable: SQLite writes its journal next to the database", dir);
  else if (g_file_test (self->database, G_FILE_TEST_EXISTS) &&
           (!g_file_test (self->database, G_FILE_TEST_IS_REGULAR) ||
            g_access (self->database, R_OK | W_OK) != 0))
    cnv_config_add_problem (self, problems, "manager", "database", "%s cannot be read and written",
                            self->database);
}

/**
 * cnv_manager_config_check_daemon:
 * @self: a configuration that loaded
 * @problems: (element-type utf8): where each problem is appended, one sentence each
 *
 * What `convene-manager run` needs beyond a valid file: a database in a writable directory, an
 * `[imap]` account and `[smtp]` with host and user, password files that exist and that only
 * their owner can read, readable CA files, a `public-url`, and at least one session type, each
 * with a backend. The files are checked as the user who calls this.
 *
 * Returns: %TRUE when nothing was appended
 */
gboolean
cnv_manager_config_check_daemon (CnvManagerConfig *self,
                                 GPtrArray        *problems)
{
  guint before;
  guint n_types;

  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), FALSE);
  g_return_val_if_fail (problems != NULL, FALSE);

  before = problems->len;
  check_database (self, problems);

  if (self->accounts->len == 0)
    cnv_config_add_problem (self, problems, "imap", NULL, "missing: the manager reads requests "
                            "from an IMAP mailbox; add [imap] with host, user and password-file");
  for (guint i = 0; i < self->accounts->len; i++)
    {
      const CnvManagerAccount *account = g_ptr_array_index (self->accounts, i);

      cnv_config_check_server (self, problems, account->name, account->server,
                               account->password_file);
    }

  if (self->smtp == NULL)
    cnv_config_add_problem (self, problems, "smtp", NULL, "missing: the manager submits "
                            "invitations by SMTP; add [smtp] with host, user and password-file");
  else
    cnv_config_check_server (self, problems, "smtp", self->smtp, self->smtp_password_file);

  if (self->public_url == NULL)
    cnv_config_add_problem (self, problems, "gateway", "public-url", "not set: expected the join "
                            "gateway's address as participants reach it, such as "
                            "https://convene.example.org (the personal links start with it)");

  n_types = cnv_session_types_get_n_types (self->types);
  if (n_types == 0)
    cnv_config_add_problem (self, problems, NULL, NULL, "no session type: add a [type NAME] group "
                            "for each kind of session, such as [type videoconference]");
  for (guint i = 0; i < n_types; i++)
    {
      const CnvSessionType *type = cnv_session_types_get_nth (self->types, i);
      g_autofree char *group = g_strconcat ("type ", type->name, NULL);

      if (!g_hash_table_contains (self->backends, type->name))
        cnv_config_add_problem (self, problems, group, "backend", "not set: say how sessions of "
                                "this type are opened (backend = jitsi, url or command, with its "
                                "options)");
    }

  return problems->len == before;
}
