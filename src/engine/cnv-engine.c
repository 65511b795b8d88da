/* cnv-engine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gmime/gmime.h>

#include "cnv-engine.h"

/**
 * cnv_engine_init:
 *
 * Initialises the libraries the engine stands on (gmime). Call once, early, from the main thread of
 * every program that uses the engine; later calls do nothing.
 */
void
cnv_engine_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      g_mime_init ();
      g_once_init_leave (&initialised, 1);
    }
}
