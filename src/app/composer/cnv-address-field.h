/* cnv-address-field.h — an address list typed as removable chips, with completion (Fig 4a)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cnv-address.h"
#include "cnv-address-book.h"

G_BEGIN_DECLS

#define CNV_TYPE_ADDRESS_FIELD (cnv_address_field_get_type ())

G_DECLARE_FINAL_TYPE (CnvAddressField, cnv_address_field, CNV, ADDRESS_FIELD, GtkWidget)

/**
 * CnvAddressFieldVerdict:
 * @CNV_ADDRESS_FIELD_REFUSE: the address stays in the entry, with the problem under the field
 * @CNV_ADDRESS_FIELD_ADD: the address becomes a chip
 * @CNV_ADDRESS_FIELD_SKIP: the address is taken without a chip, since it is implied (the
 *   user's own address as a participant); the problem, when given, is a note under the field
 */
typedef enum
{
  CNV_ADDRESS_FIELD_REFUSE,
  CNV_ADDRESS_FIELD_ADD,
  CNV_ADDRESS_FIELD_SKIP,
} CnvAddressFieldVerdict;

/**
 * CnvAddressFieldValidateFunc:
 * @field: the field
 * @address: the address about to become a chip
 * @problem: (out): a translated sentence saying why it is refused or skipped
 * @user_data: as given to cnv_address_field_set_validate_func()
 *
 * Decides whether @address may become a chip (the composer asks its state: a duplicate, a manager
 * address, the user's own address).
 *
 * Returns: what becomes of @address
 */
typedef CnvAddressFieldVerdict (*CnvAddressFieldValidateFunc) (CnvAddressField  *field,
                                                               const CnvAddress *address,
                                                               char            **problem,
                                                               gpointer          user_data);

/* Signal "changed": a chip was added or removed, or the text typed changed. */
CnvAddressField *cnv_address_field_new               (const char                  *label);
/* The label is the accessible name of the text entry ("Participants", "Cc"). */
const char      *cnv_address_field_get_label         (CnvAddressField             *self);
void             cnv_address_field_set_label         (CnvAddressField             *self,
                                                      const char                  *label);
void             cnv_address_field_set_placeholder   (CnvAddressField             *self,
                                                      const char                  *placeholder);
void             cnv_address_field_set_address_book  (CnvAddressField             *self,
                                                      CnvAddressBook              *book);
void             cnv_address_field_set_validate_func (CnvAddressField             *self,
                                                      CnvAddressFieldValidateFunc  func,
                                                      gpointer                     user_data,
                                                      GDestroyNotify               destroy);
/* (transfer none) (element-type CnvAddress): the chips, in order. */
GPtrArray       *cnv_address_field_get_addresses     (CnvAddressField             *self);
/* The text typed but not yet a chip, trimmed ("" when none). */
const char      *cnv_address_field_get_pending_text  (CnvAddressField             *self);
/* Turns the typed text into chips now (as Enter does); what cannot become a chip stays. */
void             cnv_address_field_commit            (CnvAddressField             *self);
/* Problems from outside (the composer's evaluation), shown under the field after the field's
 * own (pieces it could not turn into chips). NULL or empty clears them. */
void             cnv_address_field_set_problems      (CnvAddressField             *self,
                                                      const char * const          *problems);
gboolean         cnv_address_field_has_problems      (CnvAddressField             *self);
/* Whether the text entry has the keyboard focus (the composer does not nag while one types). */
gboolean         cnv_address_field_is_editing        (CnvAddressField             *self);

G_END_DECLS
