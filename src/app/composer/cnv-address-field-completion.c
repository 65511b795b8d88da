/* cnv-address-field-completion.c — the address field's suggestions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The address book's best matches for the typed text, in a popover under it. The popover does
 * not take the focus (as GtkEntryCompletion's): the user keeps typing in the entry while Up and
 * Down move through the suggestions, and Enter, Tab or a click takes one.
 */
#define G_LOG_DOMAIN "cnv-composer"

#include "config.h"

#include <adwaita.h>

#include "cnv-address-field-private.h"

#define MAX_COMPLETIONS 8

void
cnv_address_field_hide_completion (CnvAddressField *self)
{
  gtk_popover_popdown (self->completion_popover);
}

static GtkWidget *
create_completion_row (const CnvAddressBookEntry *entry)
{
  gboolean named = entry->name != NULL && entry->name[0] != '\0';
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *avatar = adw_avatar_new (32, named ? entry->name : entry->address, named);
  GtkWidget *title = gtk_label_new (named ? entry->name : entry->address);

  gtk_widget_set_can_focus (row, FALSE);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  gtk_box_append (GTK_BOX (box), avatar);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (labels), title);
  if (named)
    {
      GtkWidget *subtitle = gtk_label_new (entry->address);

      gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
      gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (subtitle, "dim-label");
      gtk_widget_add_css_class (subtitle, "caption");
      gtk_box_append (GTK_BOX (labels), subtitle);
    }
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (box), labels);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  return row;
}

void
cnv_address_field_update_completion (CnvAddressField *self)
{
  g_autofree char *typed_address = NULL;
  int n_rows = 0;
  const char *text = self->pending;
  GtkWidget *child;
  int preselect = -1;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->completion_list))) != NULL)
    gtk_list_box_remove (self->completion_list, child);
  g_clear_pointer (&self->completions, g_ptr_array_unref);

  if (self->book == NULL || text == NULL || text[0] == '\0'
      || !self->editing)
    {
      cnv_address_field_hide_completion (self);
      return;
    }

  self->completions = cnv_address_book_complete (self->book, text,
                                                 MAX_COMPLETIONS + self->addresses->len);
  typed_address = cnv_address_normalize (text, NULL);
  for (guint i = 0; self->completions != NULL && i < self->completions->len; i++)
    {
      const CnvAddressBookEntry *entry = g_ptr_array_index (self->completions, i);
      GtkWidget *row;

      if (n_rows >= MAX_COMPLETIONS || cnv_address_field_contains (self, entry->address))
        continue;
      if (typed_address != NULL && g_strcmp0 (typed_address, entry->address) == 0)
        preselect = n_rows;
      row = create_completion_row (entry);
      g_object_set_data (G_OBJECT (row), "cnv-entry-index", GUINT_TO_POINTER (i));
      gtk_list_box_append (self->completion_list, row);
      n_rows++;
    }

  if (n_rows == 0)
    {
      cnv_address_field_hide_completion (self);
      return;
    }

  /* Enter takes the first suggestion while the text is a beginning ("bo" → Bob); once it is a
   * whole address, Enter takes what was typed (bob@example.org must not become
   * bob@example.org.uk), unless a suggestion is that very address (it brings the name). */
  if (typed_address == NULL)
    preselect = 0;
  if (preselect >= 0)
    gtk_list_box_select_row (self->completion_list,
                             gtk_list_box_get_row_at_index (self->completion_list, preselect));
  else
    gtk_list_box_unselect_all (self->completion_list);

  {
    graphene_rect_t text_bounds, box_bounds;

    /* Under the field's card, where the typed text starts */
    if (gtk_widget_compute_bounds (GTK_WIDGET (self->text), GTK_WIDGET (self), &text_bounds)
        && gtk_widget_compute_bounds (self->chips_box, GTK_WIDGET (self), &box_bounds))
      {
        GdkRectangle rect = {
          (int) text_bounds.origin.x, (int) box_bounds.origin.y, 1, (int) box_bounds.size.height
        };

        gtk_popover_set_pointing_to (self->completion_popover, &rect);
      }
  }
  gtk_popover_popup (self->completion_popover);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
accept_completion (CnvAddressField *self,
                   GtkListBoxRow   *row)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "cnv-entry-index"));
  const CnvAddressBookEntry *entry;
  g_autoptr(CnvAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *problem = NULL;
  GStrv problems = NULL;

  g_assert (self->completions != NULL && index < self->completions->len);

  entry = g_ptr_array_index (self->completions, index);
  address = cnv_address_new (entry->name, entry->address, &error);
  cnv_address_field_hide_completion (self);
  if (address == NULL)
    {
      g_warning ("A completion is not an address: %s", error->message);
      return;
    }

  switch (cnv_address_field_try_add (self, address, &problem))
    {
    case CNV_ADDRESS_FIELD_SKIP:
      cnv_address_field_replace_text (self, "");
      cnv_address_field_set_note (self, problem);
      g_clear_pointer (&problem, g_free);
      break;
    case CNV_ADDRESS_FIELD_ADD:
      cnv_address_field_replace_text (self, "");
      break;
    case CNV_ADDRESS_FIELD_REFUSE:
    default:
      break;
    }
  if (problem != NULL)
    {
      problems = g_new0 (char *, 2);
      problems[0] = g_steal_pointer (&problem);
    }
  cnv_address_field_set_own_problems (self, problems);
  cnv_address_field_emit_changed (self);
}

gboolean
cnv_address_field_accept_selected_completion (CnvAddressField *self)
{
  GtkListBoxRow *row;

  if (!gtk_widget_get_visible (GTK_WIDGET (self->completion_popover)))
    return FALSE;
  row = gtk_list_box_get_selected_row (self->completion_list);
  if (row == NULL)
    return FALSE;
  accept_completion (self, row);
  return TRUE;
}

void
cnv_address_field_move_completion (CnvAddressField *self,
                                   int              delta)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->completion_list);
  int n = 0, index;

  while (gtk_list_box_get_row_at_index (self->completion_list, n) != NULL)
    n++;
  if (n == 0)
    return;
  if (row == NULL)
    index = delta > 0 ? 0 : n - 1;
  else
    index = (gtk_list_box_row_get_index (row) + delta + n) % n;

  row = gtk_list_box_get_row_at_index (self->completion_list, index);
  gtk_list_box_select_row (self->completion_list, row);
  gtk_widget_grab_focus (GTK_WIDGET (self->text));
}

static void
completion_row_activated_cb (CnvAddressField *self,
                             GtkListBoxRow   *row)
{
  accept_completion (self, row);
  gtk_widget_grab_focus (GTK_WIDGET (self->text));
}

void
cnv_address_field_completion_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, completion_row_activated_cb);
}
