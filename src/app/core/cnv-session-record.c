/* cnv-session-record.c — one received invitation and what the app did with it (Fig 4b, issue 6)
 *
 * A plain boxed struct, so it can travel in GValues and signals. The status strings are what the
 * store persists: they are protocol, never translated, and never renamed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-session"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "cnv-session-record.h"

G_DEFINE_BOXED_TYPE (CnvSessionRecord, cnv_session_record,
                     cnv_session_record_copy, cnv_session_record_free)

/* Indexed by CnvSessionStatus. */
static const char * const status_names[] = {
  [CNV_SESSION_STATUS_NEW] = "new",
  [CNV_SESSION_STATUS_ACCEPTED] = "accepted",
  [CNV_SESSION_STATUS_RUNNING] = "running",
  [CNV_SESSION_STATUS_ENDED] = "ended",
  [CNV_SESSION_STATUS_MISSED] = "missed",
  [CNV_SESSION_STATUS_CANCELLED] = "cancelled",
};

/**
 * cnv_session_record_new:
 *
 * Returns: (transfer full): an empty record: no strings, status %CNV_SESSION_STATUS_NEW, all
 *   times 0
 */
CnvSessionRecord *
cnv_session_record_new (void)
{
  CnvSessionRecord *self = g_new0 (CnvSessionRecord, 1);

  self->status = CNV_SESSION_STATUS_NEW;
  return self;
}

/**
 * cnv_session_record_copy:
 * @self: a record
 *
 * Returns: (transfer full): a deep copy
 */
CnvSessionRecord *
cnv_session_record_copy (const CnvSessionRecord *self)
{
  CnvSessionRecord *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new (CnvSessionRecord, 1);
  *copy = *self;
  copy->session_id = g_strdup (self->session_id);
  copy->uid = g_strdup (self->uid);
  copy->session_type = g_strdup (self->session_type);
  copy->manager_address = g_strdup (self->manager_address);
  copy->title = g_strdup (self->title);
  copy->organizer = g_strdup (self->organizer);
  copy->participants = g_strdupv (self->participants);
  copy->link = g_strdup (self->link);
  copy->launch_boot_id = g_strdup (self->launch_boot_id);
  return copy;
}

void
cnv_session_record_free (CnvSessionRecord *self)
{
  if (self == NULL)
    return;

  g_free (self->session_id);
  g_free (self->uid);
  g_free (self->session_type);
  g_free (self->manager_address);
  g_free (self->title);
  g_free (self->organizer);
  g_strfreev (self->participants);
  g_free (self->link);
  g_free (self->launch_boot_id);
  g_free (self);
}

/**
 * cnv_session_status_to_string:
 * @status: a status
 *
 * Returns: the stored name ("new", "accepted", "running", "ended", "missed", "cancelled"), or
 *   NULL for a value outside the enum
 */
const char *
cnv_session_status_to_string (CnvSessionStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (status_names))
    return NULL;
  return status_names[status];
}

/**
 * cnv_session_status_from_string:
 * @text: a stored name, exactly as cnv_session_status_to_string() writes it
 * @status: (out): the status
 *
 * Returns: %FALSE (and @status untouched) for NULL or an unknown name
 */
gboolean
cnv_session_status_from_string (const char       *text,
                                CnvSessionStatus *status)
{
  g_return_val_if_fail (status != NULL, FALSE);

  if (text == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    {
      if (g_str_equal (text, status_names[i]))
        {
          *status = (CnvSessionStatus) i;
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- The launched process ------------------------------------------------------------------ */

/* A real stat line is well under 1 KiB (comm is at most 16 bytes, proc(5)); a longer file is not
 * one, and is not read to its end. */
#define MAX_PROC_FILE 4096

/* Reads at most MAX_PROC_FILE bytes of @path; NULL (with G_IO_ERROR_NOT_FOUND when it does not
 * exist) when it cannot, or is longer. Not g_file_get_contents(): a fake or hostile tree could
 * hold a huge file. */
static char *
read_small_file (const char  *path,
                 GError     **error)
{
  char buffer[MAX_PROC_FILE + 1];
  gsize length = 0;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "Cannot open %s: %s",
                   path, g_strerror (saved_errno));
      return NULL;
    }
  while (length < sizeof buffer)
    {
      gssize got = read (fd, buffer + length, sizeof buffer - length);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int saved_errno = errno;

          close (fd);
          /* A process that ended between open and read: ESRCH. */
          g_set_error (error, G_IO_ERROR,
                       saved_errno == ESRCH ? G_IO_ERROR_NOT_FOUND
                                            : g_io_error_from_errno (saved_errno),
                       "Cannot read %s: %s", path, g_strerror (saved_errno));
          return NULL;
        }
      if (got == 0)
        break;
      length += (gsize) got;
    }
  close (fd);
  if (length > MAX_PROC_FILE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is too long", path);
      return NULL;
    }
  if (memchr (buffer, '\0', length) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s holds a NUL byte", path);
      return NULL;
    }
  return g_strndup (buffer, length);
}

static gboolean
parse_number (const char *text,
              guint64     max,
              guint64    *value)
{
  return g_ascii_string_to_unsigned (text, 10, 0, max, value, NULL);
}

/* Parses a /proc/PID/stat line (proc(5)): "PID (COMM) STATE PPID PGRP … STARTTIME …". COMM is
 * the program's name, which the program chooses: it may hold spaces and parentheses, so it ends at
 * the LAST ')' of the line, and the numbered fields are counted from there. */
static gboolean
parse_stat (const char *line,
            gint32      pid,
            guint64    *start_ticks,
            gint32     *pgrp)
{
  /* Field numbers of proc(5), counted from 1; STATE (3) is the first after COMM. */
  enum { FIELD_PGRP = 5, FIELD_STARTTIME = 22, FIRST_AFTER_COMM = 3 };
  g_auto(GStrv) fields = NULL;
  g_autofree char *head = NULL;
  const char *open_paren = strchr (line, '(');
  const char *close_paren = strrchr (line, ')');
  guint64 number;

  if (open_paren == NULL || close_paren == NULL || close_paren < open_paren
      || open_paren == line || open_paren[-1] != ' ' || close_paren[1] != ' ')
    return FALSE;
  head = g_strndup (line, (gsize) (open_paren - 1 - line));
  if (!parse_number (head, G_MAXINT32, &number) || (gint32) number != pid)
    return FALSE;

  fields = g_strsplit (close_paren + 2, " ", -1);
  if (g_strv_length (fields) <= FIELD_STARTTIME - FIRST_AFTER_COMM)
    return FALSE;
  if (!parse_number (fields[FIELD_PGRP - FIRST_AFTER_COMM], G_MAXINT32, &number) || number == 0)
    return FALSE;
  *pgrp = (gint32) number;
  return parse_number (fields[FIELD_STARTTIME - FIRST_AFTER_COMM], G_MAXUINT64, start_ticks);
}

/**
 * cnv_session_record_read_process:
 * @proc_root: where procfs is mounted: "/proc" (tests pass a directory of their own)
 * @pid: a process id
 * @boot_id: (out) (optional): the boot id (PROC_ROOT/sys/kernel/random/boot_id, without the
 *   newline)
 * @start_ticks: (out) (optional): when @pid started: field 22 (starttime) of PROC_ROOT/PID/stat
 * @pgrp: (out) (optional): its process group (field 5)
 * @error: G_IO_ERROR_NOT_FOUND when there is no such process, G_IO_ERROR_INVALID_DATA for a file
 *   that is not what procfs writes
 *
 * What the launcher saves, right after starting a program as the leader of a new group, into
 * #CnvSessionRecord.launch_boot_id and #CnvSessionRecord.launch_start_ticks. Reads two small
 * files: cheap, but on the caller's thread.
 *
 * Returns: whether all were read; the outputs are untouched when not
 */
gboolean
cnv_session_record_read_process (const char  *proc_root,
                                 gint32       pid,
                                 char       **boot_id,
                                 guint64     *start_ticks,
                                 gint32      *pgrp,
                                 GError     **error)
{
  g_autofree char *boot_path = NULL;
  g_autofree char *stat_path = NULL;
  g_autofree char *boot = NULL;
  g_autofree char *line = NULL;
  g_autofree char *pid_name = NULL;
  guint64 ticks = 0;
  gint32 group = 0;

  g_return_val_if_fail (proc_root != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (pid <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "No process %d", (int) pid);
      return FALSE;
    }
  boot_path = g_build_filename (proc_root, "sys", "kernel", "random", "boot_id", NULL);
  boot = read_small_file (boot_path, error);
  if (boot == NULL)
    return FALSE;
  g_strstrip (boot);
  if (*boot == '\0' || !g_utf8_validate (boot, -1, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s holds no boot id", boot_path);
      return FALSE;
    }

  pid_name = g_strdup_printf ("%d", (int) pid);
  stat_path = g_build_filename (proc_root, pid_name, "stat", NULL);
  line = read_small_file (stat_path, error);
  if (line == NULL)
    return FALSE;
  g_strchomp (line);
  if (!parse_stat (line, pid, &ticks, &group))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not a process status line",
                   stat_path);
      return FALSE;
    }

  if (boot_id != NULL)
    *boot_id = g_steal_pointer (&boot);
  if (start_ticks != NULL)
    *start_ticks = ticks;
  if (pgrp != NULL)
    *pgrp = group;
  return TRUE;
}

/**
 * cnv_session_record_launch_is_alive:
 * @self: a record
 * @proc_root: where procfs is mounted: "/proc" (tests pass a directory of their own)
 *
 * Whether the process group the record's last launch started is still that program, so that
 * signalling the group closes it and nothing else: the machine has not rebooted since (the boot
 * id is the same), PROC_ROOT/PGID/stat exists, its starttime is the one saved (a pid reused by
 * a later process has a later one) and it still leads its group. A leader that ended but is not
 * reaped yet (a zombie) still counts: its pid cannot be reused until it is.
 *
 * Returns: %FALSE too when nothing was recorded or a file cannot be read or parsed
 */
gboolean
cnv_session_record_launch_is_alive (const CnvSessionRecord *self,
                                    const char             *proc_root)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *boot_id = NULL;
  guint64 start_ticks = 0;
  gint32 pgrp = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (proc_root != NULL, FALSE);

  if (self->launch_pgid <= 0 || self->launch_boot_id == NULL)
    return FALSE;
  if (!cnv_session_record_read_process (proc_root, self->launch_pgid, &boot_id, &start_ticks,
                                        &pgrp, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_debug ("Cannot tell whether process group %d lives: %s", (int) self->launch_pgid,
                 error->message);
      return FALSE;
    }
  return g_str_equal (boot_id, self->launch_boot_id)
         && start_ticks == self->launch_start_ticks
         && pgrp == self->launch_pgid;
}
