/* cnv-manager-config.c — the manager's INI configuration
 *
 * The file is documented in help/C/admin-config.page and README.md. This first version reads
 * `[manager] timezone`, `default-duration` and `address`, and the `[type NAME]` groups; the daemon
 * adds its sections as it grows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-manager"

#include "config.h"

#include "cnv-manager-config.h"

struct _CnvManagerConfig
{
  GObject          parent_instance;

  /* Owned */
  CnvSessionTypes *types;
  GTimeZone       *zone;
  char            *zone_name;
  GTimeSpan        default_duration;
};

G_DEFINE_FINAL_TYPE (CnvManagerConfig, cnv_manager_config, G_TYPE_OBJECT)

#define DEFAULT_DURATION (60 * G_TIME_SPAN_MINUTE)

static void
cnv_manager_config_finalize (GObject *object)
{
  CnvManagerConfig *self = (CnvManagerConfig *) object;

  g_clear_object (&self->types);
  g_clear_pointer (&self->zone, g_time_zone_unref);
  g_clear_pointer (&self->zone_name, g_free);

  G_OBJECT_CLASS (cnv_manager_config_parent_class)->finalize (object);
}

static void
cnv_manager_config_class_init (CnvManagerConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnv_manager_config_finalize;
}

static void
cnv_manager_config_init (CnvManagerConfig *self)
{
  self->zone = g_time_zone_new_local ();
  self->zone_name = g_strdup (g_time_zone_get_identifier (self->zone));
  self->default_duration = DEFAULT_DURATION;
}

/**
 * cnv_manager_config_new_default:
 *
 * The configuration used without `--config`: the types `videoconference@*` (default) and
 * `whiteboard@*`, the machine's time zone, sessions of one hour.
 */
CnvManagerConfig *
cnv_manager_config_new_default (void)
{
  CnvManagerConfig *self = g_object_new (CNV_TYPE_MANAGER_CONFIG, NULL);

  self->types = cnv_session_types_new_default ();
  return self;
}

static gboolean
load_key_file (CnvManagerConfig  *self,
               GKeyFile          *key_file,
               GError           **error)
{
  g_autofree char *zone_name = NULL;
  g_autofree char *duration = NULL;

  zone_name = g_key_file_get_string (key_file, "manager", "timezone", NULL);
  if (zone_name != NULL && *g_strstrip (zone_name) != '\0')
    {
      GTimeZone *zone = cnv_time_zone_lookup (zone_name);

      if (zone == NULL)
        {
          g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID,
                       "[manager] timezone: “%s” is not a time zone (use an IANA name such as "
                       "Europe/Paris, or UTC)", zone_name);
          return FALSE;
        }
      g_time_zone_unref (self->zone);
      self->zone = zone;
      g_free (self->zone_name);
      self->zone_name = g_steal_pointer (&zone_name);
    }

  duration = g_key_file_get_string (key_file, "manager", "default-duration", NULL);
  if (duration != NULL && !cnv_duration_parse (g_strstrip (duration), &self->default_duration))
    {
      g_set_error (error, CNV_CONFIG_ERROR, CNV_CONFIG_ERROR_INVALID,
                   "[manager] default-duration: “%s” is not a duration (such as 45m, 1h30m or "
                   "PT1H)", duration);
      return FALSE;
    }

  self->types = cnv_session_types_new ();
  return cnv_session_types_load_key_file (self->types, key_file, error);
}

/**
 * cnv_manager_config_new_from_data:
 * @data: INI text
 * @error: return location for a #CNV_CONFIG_ERROR or #G_KEY_FILE_ERROR
 */
CnvManagerConfig *
cnv_manager_config_new_from_data (const char  *data,
                                  gsize        len,
                                  GError     **error)
{
  g_autoptr(CnvManagerConfig) self = g_object_new (CNV_TYPE_MANAGER_CONFIG, NULL);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  if (!g_key_file_load_from_data (key_file, data, len, G_KEY_FILE_NONE, error))
    return NULL;
  if (!load_key_file (self, key_file, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * cnv_manager_config_new_from_file:
 * @path: an INI file
 * @error: return location for an error that names the file
 */
CnvManagerConfig *
cnv_manager_config_new_from_file (const char  *path,
                                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  CnvManagerConfig *self;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &data, &len, &local_error) ||
      (self = cnv_manager_config_new_from_data (data, len, &local_error)) == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, "%s: %s", path, local_error->message);
      return NULL;
    }
  return self;
}

CnvSessionTypes *
cnv_manager_config_get_types (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->types;
}

GTimeZone *
cnv_manager_config_get_time_zone (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->zone;
}

const char *
cnv_manager_config_get_time_zone_name (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), NULL);
  return self->zone_name;
}

GTimeSpan
cnv_manager_config_get_default_duration (CnvManagerConfig *self)
{
  g_return_val_if_fail (CNV_IS_MANAGER_CONFIG (self), 0);
  return self->default_duration;
}
