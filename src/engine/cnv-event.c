/* cnv-event.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cnv-event.h"

G_DEFINE_BOXED_TYPE (CnvEvent, cnv_event, cnv_event_copy, cnv_event_free)

/**
 * cnv_event_new:
 *
 * Returns: (transfer full): an empty event with an empty attendee list
 */
CnvEvent *
cnv_event_new (void)
{
  CnvEvent *self = g_new0 (CnvEvent, 1);

  self->attendees = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);

  return self;
}

CnvEvent *
cnv_event_copy (const CnvEvent *self)
{
  CnvEvent *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = cnv_event_new ();
  copy->method = g_strdup (self->method);
  copy->uid = g_strdup (self->uid);
  copy->sequence = self->sequence;
  copy->summary = g_strdup (self->summary);
  copy->description = g_strdup (self->description);
  copy->start = self->start ? g_date_time_ref (self->start) : NULL;
  copy->end = self->end ? g_date_time_ref (self->end) : NULL;
  copy->all_day = self->all_day;
  copy->stamp = self->stamp ? g_date_time_ref (self->stamp) : NULL;
  copy->cancelled = self->cancelled;
  copy->organizer = self->organizer ? cnv_address_copy (self->organizer) : NULL;
  copy->sent_by = g_strdup (self->sent_by);
  for (guint i = 0; i < self->attendees->len; i++)
    g_ptr_array_add (copy->attendees, cnv_address_copy (g_ptr_array_index (self->attendees, i)));
  copy->url = g_strdup (self->url);
  copy->location = g_strdup (self->location);
  copy->conference = g_strdup (self->conference);
  copy->tzid = g_strdup (self->tzid);

  return copy;
}

void
cnv_event_free (CnvEvent *self)
{
  if (self == NULL)
    return;

  g_free (self->method);
  g_free (self->uid);
  g_free (self->summary);
  g_free (self->description);
  g_clear_pointer (&self->start, g_date_time_unref);
  g_clear_pointer (&self->end, g_date_time_unref);
  g_clear_pointer (&self->stamp, g_date_time_unref);
  g_clear_pointer (&self->organizer, cnv_address_free);
  g_free (self->sent_by);
  g_clear_pointer (&self->attendees, g_ptr_array_unref);
  g_free (self->url);
  g_free (self->location);
  g_free (self->conference);
  g_free (self->tzid);
  g_free (self);
}
