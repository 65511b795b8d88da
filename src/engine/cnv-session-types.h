/* cnv-session-types.h — the session types a manager offers and the addresses that select them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CNV_CONFIG_ERROR (cnv_config_error_quark ())

/**
 * CnvConfigError:
 * @CNV_CONFIG_ERROR_INVALID: a key holds a value that cannot be used (the message names it)
 * @CNV_CONFIG_ERROR_MISSING: a required key or group is missing
 * @CNV_CONFIG_ERROR_DUPLICATE: two types claim the same name, address or default
 */
typedef enum
{
  CNV_CONFIG_ERROR_INVALID,
  CNV_CONFIG_ERROR_MISSING,
  CNV_CONFIG_ERROR_DUPLICATE,
} CnvConfigError;

/**
 * CnvSessionType:
 * @name: the type's name (`videoconference`), from `[type NAME]`
 * @address: (nullable): the normalised manager address that selects it; a domain of `*`
 *   (`videoconference@*`) matches that local part at any domain
 * @keywords: (nullable): words that select it when found in the subject or body
 *   (the seed's single-address variant), lower case
 * @is_default: chosen when nothing else selects a type
 */
typedef struct
{
  char     *name;
  char     *address;
  char    **keywords;
  gboolean  is_default;
} CnvSessionType;

#define CNV_TYPE_SESSION_TYPES (cnv_session_types_get_type ())

G_DECLARE_FINAL_TYPE (CnvSessionTypes, cnv_session_types, CNV, SESSION_TYPES, GObject)

GQuark                cnv_config_error_quark            (void);
CnvSessionTypes      *cnv_session_types_new             (void);
CnvSessionTypes      *cnv_session_types_new_default     (void);
gboolean              cnv_session_types_add             (CnvSessionTypes    *self,
                                                         const char         *name,
                                                         const char         *address,
                                                         const char * const *keywords,
                                                         gboolean            is_default,
                                                         GError            **error);
gboolean              cnv_session_types_add_manager_address (CnvSessionTypes *self,
                                                         const char         *address,
                                                         GError            **error);
gboolean              cnv_session_types_load_key_file   (CnvSessionTypes    *self,
                                                         GKeyFile           *key_file,
                                                         GError            **error);
guint                 cnv_session_types_get_n_types     (CnvSessionTypes    *self);
const CnvSessionType *cnv_session_types_get_nth         (CnvSessionTypes    *self,
                                                         guint               n);
const CnvSessionType *cnv_session_types_lookup          (CnvSessionTypes    *self,
                                                         const char         *name);
const CnvSessionType *cnv_session_types_get_default     (CnvSessionTypes    *self);
gboolean              cnv_session_types_is_manager_address (CnvSessionTypes *self,
                                                         const char         *normalized);
const CnvSessionType *cnv_session_types_match_address   (CnvSessionTypes    *self,
                                                         const char         *normalized);
const CnvSessionType *cnv_session_types_match_keyword   (CnvSessionTypes    *self,
                                                         const char         *text,
                                                         gsize               len);

G_END_DECLS
