/* cnv-chip-layout.h — a layout that wraps its children like words in a paragraph
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CNV_TYPE_CHIP_LAYOUT (cnv_chip_layout_get_type ())

G_DECLARE_FINAL_TYPE (CnvChipLayout, cnv_chip_layout, CNV, CHIP_LAYOUT, GtkLayoutManager)

/* The children (chips) keep their natural width, at most the line's, and go on the next line
 * when the current one is full; the last child (a text entry) takes the rest of its line, or a
 * line of its own when less than its minimum width is left. Mirrored in right-to-left text. */
GtkLayoutManager *cnv_chip_layout_new (void);

G_END_DECLS
