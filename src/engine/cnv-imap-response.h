/* cnv-imap-response.h — one IMAP server response, parsed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CNV_IMAP_ERROR (cnv_imap_error_quark ())

/**
 * CnvImapError:
 * @CNV_IMAP_ERROR_PROTOCOL: the server sent something that is not IMAP (RFC 9051 §9), or what
 *   it sent does not fit the command; the connection is closed
 * @CNV_IMAP_ERROR_LIMIT: a line, literal or nesting beyond the client's limits; closed
 * @CNV_IMAP_ERROR_CONNECTION: the connection failed or dropped (worth retrying later)
 * @CNV_IMAP_ERROR_TLS: TLS failed: the certificate did not verify (unknown authority, wrong
 *   host, expired) or the handshake failed; never retried silently
 * @CNV_IMAP_ERROR_AUTH: the server refused the credentials
 * @CNV_IMAP_ERROR_UNSUPPORTED: the server lacks something required (STARTTLS, an auth mechanism)
 * @CNV_IMAP_ERROR_NO: the command failed: tagged NO (the message has the server's text)
 * @CNV_IMAP_ERROR_BAD: the server rejected the command as invalid: tagged BAD
 * @CNV_IMAP_ERROR_BYE: the server closed the connection with BYE
 * @CNV_IMAP_ERROR_CLOSED: the client is not connected (never connected, logged out, closed)
 */
typedef enum
{
  CNV_IMAP_ERROR_PROTOCOL,
  CNV_IMAP_ERROR_LIMIT,
  CNV_IMAP_ERROR_CONNECTION,
  CNV_IMAP_ERROR_TLS,
  CNV_IMAP_ERROR_AUTH,
  CNV_IMAP_ERROR_UNSUPPORTED,
  CNV_IMAP_ERROR_NO,
  CNV_IMAP_ERROR_BAD,
  CNV_IMAP_ERROR_BYE,
  CNV_IMAP_ERROR_CLOSED,
} CnvImapError;

GQuark cnv_imap_error_quark (void);

/**
 * CnvImapValueKind:
 * @CNV_IMAP_VALUE_ATOM: an atom, a flag (`\Seen`) or a fetch item name with its section
 *   (`BODY[HEADER.FIELDS (FROM)]<0>`), as sent
 * @CNV_IMAP_VALUE_NUMBER: a number (RFC 9051 `number64`)
 * @CNV_IMAP_VALUE_STRING: a quoted string or a literal: binary-safe bytes
 * @CNV_IMAP_VALUE_NIL: `NIL`
 * @CNV_IMAP_VALUE_LIST: a parenthesised list
 */
typedef enum
{
  CNV_IMAP_VALUE_ATOM,
  CNV_IMAP_VALUE_NUMBER,
  CNV_IMAP_VALUE_STRING,
  CNV_IMAP_VALUE_NIL,
  CNV_IMAP_VALUE_LIST,
} CnvImapValueKind;

typedef struct _CnvImapValue CnvImapValue;

/**
 * CnvImapValue:
 * @kind: what it is
 * @atom: %CNV_IMAP_VALUE_ATOM: the atom, NUL-terminated
 * @number: %CNV_IMAP_VALUE_NUMBER: the value
 * @bytes: %CNV_IMAP_VALUE_STRING: the content (a literal may hold NUL bytes)
 * @literal: %CNV_IMAP_VALUE_STRING: it came as a literal (`{N}`)
 * @items: %CNV_IMAP_VALUE_LIST: the #CnvImapValue elements
 */
struct _CnvImapValue
{
  CnvImapValueKind  kind;
  char             *atom;
  guint64           number;
  GBytes           *bytes;
  gboolean          literal;
  GPtrArray        *items;
};

/**
 * CnvImapResponseKind:
 * @CNV_IMAP_RESPONSE_TAGGED: `TAG OK|NO|BAD …`: the end of the command that carried TAG
 * @CNV_IMAP_RESPONSE_UNTAGGED: `* …`: status or data
 * @CNV_IMAP_RESPONSE_CONTINUATION: `+ …`: the server waits for more of the command
 */
typedef enum
{
  CNV_IMAP_RESPONSE_TAGGED,
  CNV_IMAP_RESPONSE_UNTAGGED,
  CNV_IMAP_RESPONSE_CONTINUATION,
} CnvImapResponseKind;

/**
 * CnvImapStatus:
 * @CNV_IMAP_STATUS_NONE: a data response (`* FLAGS`, `* 3 EXISTS`…) or a continuation
 */
typedef enum
{
  CNV_IMAP_STATUS_NONE,
  CNV_IMAP_STATUS_OK,
  CNV_IMAP_STATUS_NO,
  CNV_IMAP_STATUS_BAD,
  CNV_IMAP_STATUS_PREAUTH,
  CNV_IMAP_STATUS_BYE,
} CnvImapStatus;

/**
 * CnvImapResponse:
 * @kind: tagged, untagged or continuation
 * @tag: (nullable): the tag of a tagged response
 * @status: OK, NO, BAD, PREAUTH, BYE, or NONE for data
 * @has_number: a message number precedes @name (`* 12 FETCH`, `* 3 EXISTS`)
 * @number: that number
 * @name: (nullable): upper case: the status word or the data name (`FETCH`, `SEARCH`,
 *   `CAPABILITY`, `FLAGS`, `EXISTS`…)
 * @args: #CnvImapValue arguments of a data response, in order
 * @code: (nullable): the response code of a status response, upper case (`UIDVALIDITY`,
 *   `CAPABILITY`, `ALERT`, `AUTHENTICATIONFAILED`…), RFC 9051 §7.1
 * @code_args: #CnvImapValue arguments of @code
 * @text: (nullable): the human-readable text of a status or continuation response, valid UTF-8
 * @wire_size: bytes this response took on the wire
 */
typedef struct
{
  CnvImapResponseKind  kind;
  char                *tag;
  CnvImapStatus        status;
  gboolean             has_number;
  guint32              number;
  char                *name;
  GPtrArray           *args;
  char                *code;
  GPtrArray           *code_args;
  char                *text;
  gsize                wire_size;
} CnvImapResponse;

void                 cnv_imap_value_free            (CnvImapValue          *value);
const char          *cnv_imap_value_get_atom        (const CnvImapValue    *value);
gboolean             cnv_imap_value_get_number      (const CnvImapValue    *value,
                                                     guint64               *number);
GBytes              *cnv_imap_value_get_bytes       (const CnvImapValue    *value);
char                *cnv_imap_value_dup_string      (const CnvImapValue    *value);

CnvImapResponse     *cnv_imap_response_new          (CnvImapResponseKind    kind);
void                 cnv_imap_response_free         (CnvImapResponse       *self);
const char          *cnv_imap_status_to_string      (CnvImapStatus          status);
const CnvImapValue  *cnv_imap_response_get_fetch_item (const CnvImapResponse *self,
                                                        const char            *name);
gboolean             cnv_imap_response_get_code_number (const CnvImapResponse *self,
                                                        const char            *code,
                                                        guint64               *number);
char                *cnv_imap_response_describe     (const CnvImapResponse *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvImapResponse, cnv_imap_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvImapValue, cnv_imap_value_free)

G_END_DECLS
