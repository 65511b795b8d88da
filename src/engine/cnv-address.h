/* cnv-address.h — e-mail addresses, parsed and normalised with gmime
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include "cnv-gmime.h"

G_BEGIN_DECLS

#define CNV_ADDRESS_ERROR (cnv_address_error_quark ())

/**
 * CnvAddressError:
 * @CNV_ADDRESS_ERROR_INVALID: not of the form local@domain, or the domain is not a host name
 * @CNV_ADDRESS_ERROR_EMPTY: the text holds no address at all
 */
typedef enum
{
  CNV_ADDRESS_ERROR_INVALID,
  CNV_ADDRESS_ERROR_EMPTY,
} CnvAddressError;

/**
 * CnvAddress:
 * @name: (nullable): the display name, UTF-8, without control characters
 * @address: the normalised address: the local part as written with ASCII letters lower-cased,
 *   `@`, the domain in ASCII (IDNA, lower case). Two addresses are the same person when their
 *   @address strings are equal.
 */
typedef struct
{
  char *name;
  char *address;
} CnvAddress;

#define CNV_TYPE_ADDRESS (cnv_address_get_type ())

GQuark      cnv_address_error_quark   (void);
GType       cnv_address_get_type      (void) G_GNUC_CONST;
CnvAddress *cnv_address_new           (const char        *name,
                                       const char        *address,
                                       GError           **error);
CnvAddress *cnv_address_copy          (const CnvAddress  *self);
void        cnv_address_free          (CnvAddress        *self);
gboolean    cnv_address_equal         (const CnvAddress  *a,
                                       const CnvAddress  *b);
char       *cnv_address_to_display    (const CnvAddress  *self);
char       *cnv_address_normalize     (const char        *address,
                                       GError           **error);
char       *cnv_address_get_domain    (const char        *normalized);
char       *cnv_address_sanitize_name (const char        *name);

GPtrArray  *cnv_address_list_from_gmime (InternetAddressList *list,
                                         GPtrArray           *warnings);
GPtrArray  *cnv_address_list_parse      (const char          *text,
                                         GPtrArray           *warnings);
void        cnv_address_list_add_unique (GPtrArray           *list,
                                         const CnvAddress    *address);
gboolean    cnv_address_list_contains   (GPtrArray           *list,
                                         const char          *normalized);
InternetAddressList *cnv_address_list_to_gmime (GPtrArray    *list);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnvAddress, cnv_address_free)

G_END_DECLS
