/* cnv-address-field-private.h — what the address field's files share
 *
 * The field's state, across cnv-address-field.c (the widget: typing, the problems under it, its
 * public API), cnv-address-field-chips.c (the chips: adding one when the composer agrees,
 * selecting, removing, turning the typed text into chips) and cnv-address-field-completion.c
 * (the suggestions from the address book). The chips wrap in a CnvChipLayout.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-address-field.h"

G_BEGIN_DECLS

struct _CnvAddressField
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkWidget  *chips_box;
  GtkEntry   *text;
  GtkLabel   *problems_label;
  GtkLabel   *note_label;
  GtkPopover *completion_popover;
  GtkListBox *completion_list;

  /* Owned */
  char           *label;
  char           *placeholder;
  GPtrArray      *addresses;          /* CnvAddress, parallel to @chips */
  GPtrArray      *chips;              /* GtkWidget (borrowed from the box) */
  GPtrArray      *completions;        /* CnvAddressBookEntry shown in the popover */
  GStrv           own_problems;       /* pieces the field could not turn into chips */
  GStrv           problems;           /* from the composer */
  char           *pending;            /* trimmed copy of the text */
  CnvAddressBook *book;
  CnvAddressFieldValidateFunc validate;
  gpointer        validate_data;
  GDestroyNotify  validate_destroy;
  guint           commit_source;

  /* State */
  int       selected_chip;            /* -1 = none */
  gboolean  updating;                 /* the text is being set by the field itself */
  gboolean  pasting;
  gboolean  editing;
};

/* cnv-address-field.c */
void     cnv_address_field_emit_changed               (CnvAddressField  *self);
/* Takes @problems (the pieces the field could not turn into chips) and shows them */
void     cnv_address_field_set_own_problems           (CnvAddressField  *self,
                                                       GStrv             problems);
/* Shows @note (nullable = none) under the field, until the user types again */
void     cnv_address_field_set_note                   (CnvAddressField  *self,
                                                       const char       *note);
/* Sets the entry's text without it counting as typed */
void     cnv_address_field_replace_text               (CnvAddressField  *self,
                                                       const char       *text);

/* cnv-address-field-chips.c */
void     cnv_address_field_update_placeholder         (CnvAddressField  *self);
/* @index -1 = none */
void     cnv_address_field_select_chip                (CnvAddressField  *self,
                                                       int               index);
void     cnv_address_field_remove_chip                (CnvAddressField  *self,
                                                       guint             index);
gboolean cnv_address_field_contains                   (CnvAddressField  *self,
                                                       const char       *normalized);
/* Adds @address as a chip when the composer agrees; else says why (@problem) */
CnvAddressFieldVerdict
         cnv_address_field_try_add                    (CnvAddressField  *self,
                                                       const CnvAddress *address,
                                                       char            **problem);
/* Turns the typed text into chips; what cannot become one stays, with the reason */
void     cnv_address_field_commit_text                (CnvAddressField  *self);
/* The same once the main loop is idle (after a paste) */
void     cnv_address_field_commit_soon                (CnvAddressField  *self);

/* cnv-address-field-completion.c */
void     cnv_address_field_completion_class_init      (GtkWidgetClass   *widget_class);
void     cnv_address_field_hide_completion            (CnvAddressField  *self);
/* Suggestions for the typed text, shown under it (or hidden when there are none) */
void     cnv_address_field_update_completion          (CnvAddressField  *self);
/* Enter or Tab: takes the selected suggestion; FALSE when none is shown or selected */
gboolean cnv_address_field_accept_selected_completion (CnvAddressField  *self);
/* Up and Down, round the list */
void     cnv_address_field_move_completion            (CnvAddressField  *self,
                                                       int               delta);

G_END_DECLS
