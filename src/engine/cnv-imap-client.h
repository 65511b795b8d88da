/* cnv-imap-client.h — an asynchronous IMAP4rev1 client on GIO
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cnv-imap-response.h"
#include "cnv-mail-server.h"

G_BEGIN_DECLS

#define CNV_TYPE_IMAP_CLIENT (cnv_imap_client_get_type ())
G_DECLARE_FINAL_TYPE (CnvImapClient, cnv_imap_client, CNV, IMAP_CLIENT, GObject)

/**
 * CnvImapMailbox:
 * @uidvalidity: UIDVALIDITY (RFC 9051 §2.3.1.1): when it changes, every UID is new
 * @uidnext: the UID the next message will have (0 when the server did not say)
 * @exists: the number of messages
 * @read_only: selected with EXAMINE, or the server made it read-only
 */
typedef struct
{
  guint32  uidvalidity;
  guint32  uidnext;
  guint32  exists;
  gboolean read_only;
} CnvImapMailbox;

/**
 * CnvImapFetchFlags:
 * @CNV_IMAP_FETCH_UID: only the UID (always fetched)
 * @CNV_IMAP_FETCH_FLAGS: FLAGS
 * @CNV_IMAP_FETCH_SIZE: RFC822.SIZE
 * @CNV_IMAP_FETCH_HEADER: BODY.PEEK[HEADER]: the header, without setting \Seen
 * @CNV_IMAP_FETCH_BODY: BODY.PEEK[]: the whole message, without setting \Seen
 */
typedef enum
{
  CNV_IMAP_FETCH_UID    = 0,
  CNV_IMAP_FETCH_FLAGS  = 1 << 0,
  CNV_IMAP_FETCH_SIZE   = 1 << 1,
  CNV_IMAP_FETCH_HEADER = 1 << 2,
  CNV_IMAP_FETCH_BODY   = 1 << 3,
} CnvImapFetchFlags;

/**
 * CnvImapMessage:
 * @uid: its UID
 * @sequence: its message sequence number at the time of the fetch
 * @flags: (nullable): its flags, when fetched
 * @size: RFC822.SIZE, when fetched
 * @header: (nullable): the header, when fetched
 * @body: (nullable): the whole message, when fetched
 */
typedef struct
{
  guint32  uid;
  guint32  sequence;
  char   **flags;
  guint64  size;
  GBytes  *header;
  GBytes  *body;
} CnvImapMessage;

/**
 * CnvImapListEntry:
 * @name: the mailbox name, UTF-8 (decoded from modified UTF-7, RFC 3501 §5.1.3); `INBOX` is
 *   always spelt in upper case
 * @attributes: its attributes as the server sent them (`\HasNoChildren`, `\Noselect`, and
 *   with SPECIAL-USE `\Sent`, `\Drafts`…, RFC 6154 §2), never %NULL
 * @delimiter: the hierarchy delimiter (`/`, `.`), or `'\0'` when the server has none (NIL)
 */
typedef struct
{
  char  *name;
  char **attributes;
  char   delimiter;
} CnvImapListEntry;

void            cnv_imap_list_entry_free            (CnvImapListEntry     *entry);
gboolean        cnv_imap_list_entry_has_attribute   (const CnvImapListEntry *entry,
                                                     const char           *attribute);

void            cnv_imap_message_free               (CnvImapMessage       *message);
gboolean        cnv_imap_message_has_flag           (const CnvImapMessage *message,
                                                     const char           *flag);

CnvImapClient  *cnv_imap_client_new                 (const CnvMailServer  *server);
const CnvMailServer *cnv_imap_client_get_server     (CnvImapClient        *self);
gboolean        cnv_imap_client_is_connected        (CnvImapClient        *self);
gboolean        cnv_imap_client_has_capability      (CnvImapClient        *self,
                                                     const char           *capability);
guint64         cnv_imap_client_get_bytes_received  (CnvImapClient        *self);
guint64         cnv_imap_client_get_bytes_sent      (CnvImapClient        *self);
guint32         cnv_imap_client_get_exists          (CnvImapClient        *self);
void            cnv_imap_client_set_command_timeout (CnvImapClient        *self,
                                                     guint                 seconds);
void            cnv_imap_client_close               (CnvImapClient        *self);

void            cnv_imap_client_connect_async       (CnvImapClient        *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        cnv_imap_client_connect_finish      (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void            cnv_imap_client_authenticate_async  (CnvImapClient        *self,
                                                     const char           *secret,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        cnv_imap_client_authenticate_finish (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void            cnv_imap_client_capability_async    (CnvImapClient        *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        cnv_imap_client_capability_finish   (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void            cnv_imap_client_select_async        (CnvImapClient        *self,
                                                     const char           *mailbox,
                                                     gboolean              read_only,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        cnv_imap_client_select_finish       (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     CnvImapMailbox       *mailbox,
                                                     GError              **error);
void            cnv_imap_client_uid_search_async    (CnvImapClient        *self,
                                                     const char           *criteria,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GArray         *cnv_imap_client_uid_search_finish   (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void            cnv_imap_client_uid_fetch_async     (CnvImapClient        *self,
                                                     const char           *uid_set,
                                                     CnvImapFetchFlags     what,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray      *cnv_imap_client_uid_fetch_finish    (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void            cnv_imap_client_uid_store_async     (CnvImapClient        *self,
                                                     const char           *uid_set,
                                                     gboolean              add,
                                                     const char * const   *flags,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        cnv_imap_client_uid_store_finish    (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void            cnv_imap_client_append_async        (CnvImapClient        *self,
                                                     const char           *mailbox,
                                                     const char * const   *flags,
                                                     GBytes               *message,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        cnv_imap_client_append_finish       (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     guint32              *uid,
                                                     GError              **error);
void            cnv_imap_client_list_async          (CnvImapClient        *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray      *cnv_imap_client_list_finish         (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void            cnv_imap_client_create_async        (CnvImapClient        *self,
                                                     const char           *mailbox,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        cnv_imap_client_create_finish       (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void            cnv_imap_client_noop_async          (CnvImapClient        *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        cnv_imap_client_noop_finish         (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void            cnv_imap_client_idle_async          (CnvImapClient        *self,
                                                     guint                 seconds,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        cnv_imap_client_idle_finish         (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     gboolean             *changed,
                                                     GError              **error);
void            cnv_imap_client_idle_stop           (CnvImapClient        *self);
void            cnv_imap_client_logout_async        (CnvImapClient        *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        cnv_imap_client_logout_finish       (CnvImapClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

char           *cnv_imap_mailbox_encode             (const char           *utf8);
char           *cnv_imap_mailbox_decode             (const char           *mutf7);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvImapMessage, cnv_imap_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvImapListEntry, cnv_imap_list_entry_free)

G_END_DECLS
