/* cnv-address-input.h — what the user typed or pasted into an address field, piece by piece
 *
 * "Bob <bob@x.org>, carol@x.org; \"Doe, Dave\" <dave@x.org>\n garbage" gives four items: three
 * addresses and one flagged piece. Nothing typed is dropped: a piece that is not an address is
 * kept with its text and the reason.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-address.h"

G_BEGIN_DECLS

typedef struct
{
  char       *text;     /* the piece as typed, trimmed */
  CnvAddress *address;  /* NULL when the piece is not an address */
  char       *problem;  /* translated reason when @address is NULL, else NULL */
} CnvAddressInputItem;

void       cnv_address_input_item_free (CnvAddressInputItem *self);
/* Separators: comma, semicolon, newline, tab (not inside quotes, comments, <> or a group
 * "Team: a@b, c@d;", which is one flagged piece). Accepts "Name <a@b>", bare a@b, <a@b>,
 * a@b (Name), and mailto: links, whose every address (path, "to", "cc") becomes an item. A piece
 * with anything gmime would skip (text after the '>' other than comments, an unmatched bracket, a
 * trailing '@') is flagged, never taken in part. Empty pieces are skipped. At most 10 000 pieces;
 * the rest is one flagged item ("too many addresses"). */
GPtrArray *cnv_address_input_parse     (const char          *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvAddressInputItem, cnv_address_input_item_free)

G_END_DECLS
