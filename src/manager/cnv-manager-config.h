/* cnv-manager-config.h — the manager's INI configuration
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cnv-engine.h"

G_BEGIN_DECLS

#define CNV_TYPE_MANAGER_CONFIG (cnv_manager_config_get_type ())

G_DECLARE_FINAL_TYPE (CnvManagerConfig, cnv_manager_config, CNV, MANAGER_CONFIG, GObject)

CnvManagerConfig *cnv_manager_config_new_default      (void);
CnvManagerConfig *cnv_manager_config_new_from_file    (const char       *path,
                                                       GError          **error);
CnvManagerConfig *cnv_manager_config_new_from_data    (const char       *data,
                                                       gsize             len,
                                                       GError          **error);
CnvSessionTypes  *cnv_manager_config_get_types        (CnvManagerConfig *self);
GTimeZone        *cnv_manager_config_get_time_zone    (CnvManagerConfig *self);
const char       *cnv_manager_config_get_time_zone_name (CnvManagerConfig *self);
GTimeSpan         cnv_manager_config_get_default_duration (CnvManagerConfig *self);

G_END_DECLS
