/* cnv-accessible.h — accessible names that read as the user reads them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void cnv_accessible_use_own_label        (GtkWidget  *widget);
void cnv_accessible_set_name             (GtkWidget  *widget,
                                          const char *name);
void cnv_accessible_fix_mnemonic_buttons (GtkWidget  *root);
void cnv_accessible_name_icon_buttons    (GtkWidget  *root);

G_END_DECLS
