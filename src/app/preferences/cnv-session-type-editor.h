/* cnv-session-type-editor.h — editing one session type: name, manager address, icon, launcher
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cnv-app-settings.h"

G_BEGIN_DECLS

#define CNV_TYPE_SESSION_TYPE_EDITOR (cnv_session_type_editor_get_type ())

G_DECLARE_FINAL_TYPE (CnvSessionTypeEditor, cnv_session_type_editor, CNV, SESSION_TYPE_EDITOR,
                      AdwWindow)

/**
 * cnv_session_type_editor_new:
 * @parent: the preferences window (the editor is modal to it)
 * @entries: (element-type CnvSessionTypeEntry): all session types, to refuse a duplicate address
 * @index: the entry edited in @entries, or -1 for a new one
 *
 * Signal "saved" (CnvSessionTypeEntry *entry, int index): the edited entry (owned by the
 * signal's caller, copy to keep) and the @index given here; emitted just before the window
 * closes.
 */
CnvSessionTypeEditor *cnv_session_type_editor_new (GtkWindow *parent,
                                                   GPtrArray *entries,
                                                   int        index);

/* "Join Automatically" (issue 6 item 7): the caller keeps it (the auto-join setting), by the
 * saved entry's address. */
void                  cnv_session_type_editor_set_auto_join (CnvSessionTypeEditor *self,
                                                             gboolean              auto_join);
gboolean              cnv_session_type_editor_get_auto_join (CnvSessionTypeEditor *self);

/* Pure: the error of a command template, or NULL when it is fine ("" is fine: no command). */
const char           *cnv_session_type_editor_check_command (const char *command);

G_END_DECLS
