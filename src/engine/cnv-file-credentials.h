/* cnv-file-credentials.h — passwords read from files or systemd credentials (the manager)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-credentials.h"

G_BEGIN_DECLS

/**
 * CNV_FILE_CREDENTIALS_MAX_SIZE:
 *
 * The largest password file read, in bytes: a password file holds one password, and a larger
 * file is a mistake (a key file, a log) that is better refused than sent to a server.
 */
#define CNV_FILE_CREDENTIALS_MAX_SIZE 4096

#define CNV_TYPE_FILE_CREDENTIALS (cnv_file_credentials_get_type ())

G_DECLARE_FINAL_TYPE (CnvFileCredentials, cnv_file_credentials, CNV, FILE_CREDENTIALS, GObject)

CnvFileCredentials *cnv_file_credentials_new          (const char         *imap_password_file,
                                                       const char         *smtp_password_file);
const char         *cnv_file_credentials_get_path     (CnvFileCredentials *self,
                                                       const char         *protocol);

G_END_DECLS
