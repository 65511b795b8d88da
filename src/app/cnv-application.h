/* cnv-application.h — the Convene UI process (AdwApplication)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cnv-address-book.h"
#include "cnv-credentials.h"
#include "cnv-service-proxy.h"
#include "cnv-session-list.h"

G_BEGIN_DECLS

#define CNV_TYPE_APPLICATION (cnv_application_get_type ())

G_DECLARE_FINAL_TYPE (CnvApplication, cnv_application, CNV, APPLICATION, AdwApplication)

CnvApplication *cnv_application_new               (void);
/* The app's GSettings (io.github.convene.Convene), shared by every window. */
GSettings      *cnv_application_get_settings      (CnvApplication *self);
/* The address book, loaded once (asynchronously) when the app starts. */
CnvAddressBook *cnv_application_get_address_book  (CnvApplication *self);
/* The keyring (CnvSecretCredentials). */
CnvCredentials *cnv_application_get_credentials   (CnvApplication *self);
/* The sessions of the store (read only), watched while a window is open. */
CnvSessionList *cnv_application_get_session_list  (CnvApplication *self);
/* The background service's actions (join, dismiss, relaunch, leave). */
CnvServiceProxy *cnv_application_get_service_proxy (CnvApplication *self);
/* Shows a toast in the main window (opening it when needed). */
void            cnv_application_show_toast        (CnvApplication *self,
                                                   const char     *text);

G_END_DECLS
