/* cnv-file-credentials.c — passwords read from files or systemd credentials (the manager)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The manager runs headless, without a keyring: its IMAP and SMTP passwords come from files
 * that only its user can read, or from systemd credentials (LoadCredential= or
 * LoadCredentialEncrypted= in the unit), which systemd places in $CREDENTIALS_DIRECTORY, a
 * directory private to the service. The file is read again at every look-up, so a changed
 * password is picked up at the next connection without a restart.
 */
#define G_LOG_DOMAIN "cnv-credentials"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnv-file-credentials.h"

typedef struct
{
  char     *path;            /* absolute */
  gboolean  is_credential;   /* inside $CREDENTIALS_DIRECTORY: systemd keeps it private */
} PasswordFile;

struct _CnvFileCredentials
{
  GObject       parent_instance;

  /* Owned */
  PasswordFile  imap;
  PasswordFile  smtp;
};

static void cnv_file_credentials_iface_init (CnvCredentialsInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CnvFileCredentials, cnv_file_credentials, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CNV_TYPE_CREDENTIALS,
                                                      cnv_file_credentials_iface_init))

static void
password_file_clear (PasswordFile *file)
{
  g_clear_pointer (&file->path, g_free);
  file->is_credential = FALSE;
}

static void
password_file_copy (PasswordFile       *dest,
                    const PasswordFile *src)
{
  dest->path = g_strdup (src->path);
  dest->is_credential = src->is_credential;
}

static void
password_file_free (PasswordFile *file)
{
  password_file_clear (file);
  g_free (file);
}

/* A bare name (relative, no '/') is a systemd credential's name when the service has
 * credentials; anything else is a path, relative to the working directory. A file whose
 * directory is $CREDENTIALS_DIRECTORY (as `%d/name` on an ExecStart= line gives) is a
 * credential too. */
static void
password_file_resolve (PasswordFile *file,
                       const char   *given)
{
  const char *directory = g_getenv ("CREDENTIALS_DIRECTORY");
  gboolean has_directory = directory != NULL && g_path_is_absolute (directory);

  if (given == NULL || *given == '\0')
    return;

  if (has_directory && !g_path_is_absolute (given) && strchr (given, '/') == NULL)
    file->path = g_canonicalize_filename (given, directory);
  else
    file->path = g_canonicalize_filename (given, NULL);

  if (has_directory)
    {
      g_autofree char *parent = g_path_get_dirname (file->path);
      g_autofree char *canonical = g_canonicalize_filename (directory, NULL);

      file->is_credential = strcmp (parent, canonical) == 0;
    }
}

static void
cnv_file_credentials_finalize (GObject *object)
{
  CnvFileCredentials *self = (CnvFileCredentials *) object;

  password_file_clear (&self->imap);
  password_file_clear (&self->smtp);

  G_OBJECT_CLASS (cnv_file_credentials_parent_class)->finalize (object);
}

static void
cnv_file_credentials_class_init (CnvFileCredentialsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnv_file_credentials_finalize;
}

static void
cnv_file_credentials_init (CnvFileCredentials *self)
{
}

static void
wipe_and_free (char  *buffer,
               gsize  size)
{
  explicit_bzero (buffer, size);
  g_free (buffer);
}

/* Runs in a worker thread. Checks are made on the open descriptor (fstat), so the file that
 * was checked is the file that is read. Messages name the file, never what it holds. */
static char *
read_password_file (const PasswordFile  *file,
                    GError             **error)
{
  const gsize size = CNV_FILE_CREDENTIALS_MAX_SIZE + 2;
  g_autofree char *buffer = NULL;
  struct stat st;
  gsize length = 0;
  char *secret;
  int fd;

  /* O_NONBLOCK: opening a FIFO must not hang the worker; it is refused below. */
  fd = open (file->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, CNV_CREDENTIALS_ERROR,
                   saved_errno == ENOENT ? CNV_CREDENTIALS_ERROR_NOT_FOUND
                                         : CNV_CREDENTIALS_ERROR_FAILED,
                   "Cannot open password file “%s”: %s", file->path, g_strerror (saved_errno));
      return NULL;
    }

  if (fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      close (fd);
      g_set_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED,
                   "Cannot read password file “%s”: %s", file->path, g_strerror (saved_errno));
      return NULL;
    }

  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED,
                   "Password file “%s” is not a regular file", file->path);
      return NULL;
    }

  /* Group and others must not read it (they would learn the password) nor write it (they
   * would choose it). systemd keeps its credentials directory private by itself. */
  if (!file->is_credential && (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) != 0)
    {
      close (fd);
      g_set_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_INSECURE,
                   "Password file “%s” can be read or written by other users (mode %04o); "
                   "it is not used until you run “chmod 600 %s”",
                   file->path, (unsigned int) (st.st_mode & 07777), file->path);
      return NULL;
    }

  if (st.st_size > CNV_FILE_CREDENTIALS_MAX_SIZE)
    {
      close (fd);
      g_set_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED,
                   "Password file “%s” is larger than %d bytes; it must hold only the password",
                   file->path, CNV_FILE_CREDENTIALS_MAX_SIZE);
      return NULL;
    }

  /* Read one byte more than allowed, so that a file that grew since fstat() is caught. */
  buffer = g_malloc0 (size);
  while (length < size - 1)
    {
      ssize_t n = read (fd, buffer + length, size - 1 - length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          close (fd);
          wipe_and_free (g_steal_pointer (&buffer), size);
          g_set_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED,
                       "Cannot read password file “%s”: %s", file->path,
                       g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0)
        break;
      length += (gsize) n;
    }
  close (fd);

  if (length > CNV_FILE_CREDENTIALS_MAX_SIZE)
    {
      wipe_and_free (g_steal_pointer (&buffer), size);
      g_set_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED,
                   "Password file “%s” is larger than %d bytes; it must hold only the password",
                   file->path, CNV_FILE_CREDENTIALS_MAX_SIZE);
      return NULL;
    }

  /* One line ending, as an editor or `echo` leaves it, is not part of the password; any
   * other trailing byte (a space) is. */
  if (length > 0 && buffer[length - 1] == '\n')
    {
      length--;
      if (length > 0 && buffer[length - 1] == '\r')
        length--;
    }

  if (length == 0)
    {
      wipe_and_free (g_steal_pointer (&buffer), size);
      g_set_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED,
                   "Password file “%s” is empty", file->path);
      return NULL;
    }

  /* A NUL would cut the password short; a line break in the middle means the file holds
   * something else than one password (and CR LF must never reach a protocol line). */
  if (memchr (buffer, '\0', length) != NULL || memchr (buffer, '\n', length) != NULL
      || memchr (buffer, '\r', length) != NULL)
    {
      wipe_and_free (g_steal_pointer (&buffer), size);
      g_set_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED,
                   "Password file “%s” holds more than one line or a NUL byte; "
                   "it must hold only the password", file->path);
      return NULL;
    }

  /* RFC 4616 §2: the SASL PLAIN password is UTF-8. */
  if (!g_utf8_validate (buffer, (gssize) length, NULL))
    {
      wipe_and_free (g_steal_pointer (&buffer), size);
      g_set_error (error, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_FAILED,
                   "Password file “%s” is not UTF-8 text", file->path);
      return NULL;
    }

  secret = g_strndup (buffer, length);
  wipe_and_free (g_steal_pointer (&buffer), size);
  return secret;
}

static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  const PasswordFile *file = task_data;
  GError *error = NULL;
  char *secret;

  if (g_task_return_error_if_cancelled (task))
    return;

  secret = read_password_file (file, &error);
  if (secret == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, secret, (GDestroyNotify) cnv_credentials_secret_free);
}

static void
cnv_file_credentials_lookup_async (CnvCredentials      *credentials,
                                   const char          *protocol,
                                   const CnvMailServer *server,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  CnvFileCredentials *self = CNV_FILE_CREDENTIALS (credentials);
  g_autoptr(GTask) task = NULL;
  const PasswordFile *file;
  PasswordFile *copy;

  g_return_if_fail (g_strcmp0 (protocol, "imap") == 0 || g_strcmp0 (protocol, "smtp") == 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnv_file_credentials_lookup_async);

  file = strcmp (protocol, "imap") == 0 ? &self->imap : &self->smtp;
  if (file->path == NULL)
    {
      g_task_return_new_error (task, CNV_CREDENTIALS_ERROR, CNV_CREDENTIALS_ERROR_NOT_FOUND,
                               "No password file is configured for %s",
                               strcmp (protocol, "imap") == 0 ? "IMAP" : "SMTP");
      return;
    }

  g_debug ("Reading the %s password from “%s”", protocol, file->path);

  /* The worker gets its own copy: it touches nothing that the main thread owns. */
  copy = g_new0 (PasswordFile, 1);
  password_file_copy (copy, file);
  g_task_set_task_data (task, copy, (GDestroyNotify) password_file_free);
  g_task_run_in_thread (task, lookup_thread);
}

static char *
cnv_file_credentials_lookup_finish (CnvCredentials  *credentials,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, credentials), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == cnv_file_credentials_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
cnv_file_credentials_iface_init (CnvCredentialsInterface *iface)
{
  iface->lookup_async = cnv_file_credentials_lookup_async;
  iface->lookup_finish = cnv_file_credentials_lookup_finish;
}

/**
 * cnv_file_credentials_new:
 * @imap_password_file: (nullable): the file holding the IMAP password
 * @smtp_password_file: (nullable): the file holding the SMTP password (the same path as
 *   @imap_password_file when one password serves both)
 *
 * Credentials for the manager. Each file holds the password, optionally followed by one line
 * ending ("\n" or "\r\n"), in UTF-8, at most %CNV_FILE_CREDENTIALS_MAX_SIZE bytes, without
 * a NUL or a line break inside. A file that its group or others may read or write is refused
 * with %CNV_CREDENTIALS_ERROR_INSECURE.
 *
 * A bare name (relative, without '/') is the name of a systemd credential when
 * `$CREDENTIALS_DIRECTORY` is set (`LoadCredential=imap-password:/etc/convene/imap-password`
 * in the unit, then `imap-password` here); otherwise a relative path is taken from the working
 * directory. The paths are resolved now; the files are read at each look-up. A %NULL or empty
 * path makes look-ups for that protocol fail with %CNV_CREDENTIALS_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full): the credentials
 */
CnvFileCredentials *
cnv_file_credentials_new (const char *imap_password_file,
                          const char *smtp_password_file)
{
  CnvFileCredentials *self = g_object_new (CNV_TYPE_FILE_CREDENTIALS, NULL);

  password_file_resolve (&self->imap, imap_password_file);
  password_file_resolve (&self->smtp, smtp_password_file);
  return self;
}

/**
 * cnv_file_credentials_get_path:
 * @self: the credentials
 * @protocol: "imap" or "smtp"
 *
 * Returns: (nullable): the absolute path that look-ups for @protocol read, or %NULL when none
 *   is configured (for `check-config` and log messages)
 */
const char *
cnv_file_credentials_get_path (CnvFileCredentials *self,
                               const char         *protocol)
{
  g_return_val_if_fail (CNV_IS_FILE_CREDENTIALS (self), NULL);
  g_return_val_if_fail (g_strcmp0 (protocol, "imap") == 0 || g_strcmp0 (protocol, "smtp") == 0,
                        NULL);

  return strcmp (protocol, "imap") == 0 ? self->imap.path : self->smtp.path;
}
