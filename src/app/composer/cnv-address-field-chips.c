/* cnv-address-field-chips.c — the address field's chips
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each address is a chip: its name (or the address), and a button that removes it, whose
 * accessible name says which address goes. Backspace in an empty entry selects the last chip,
 * a second one removes it. The text typed becomes chips piece by piece
 * (cnv_address_input_parse()); a piece that is not an address, or that the composer refuses
 * (a duplicate, a manager address), stays in the entry with the reason under the field.
 */
#define G_LOG_DOMAIN "cnv-composer"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cnv-address-field-private.h"
#include "cnv-address-input.h"

/* The hint says what to type while the field is empty; next to chips it would only be cut */
void
cnv_address_field_update_placeholder (CnvAddressField *self)
{
  gtk_entry_set_placeholder_text (self->text, self->addresses->len == 0 ? self->placeholder : NULL);
}

void
cnv_address_field_select_chip (CnvAddressField *self,
                               int              index)
{
  if (self->selected_chip >= 0 && (guint) self->selected_chip < self->chips->len)
    gtk_widget_remove_css_class (g_ptr_array_index (self->chips, self->selected_chip), "selected");
  self->selected_chip = index;
  if (index >= 0)
    gtk_widget_add_css_class (g_ptr_array_index (self->chips, index), "selected");
}

void
cnv_address_field_remove_chip (CnvAddressField *self,
                               guint            index)
{
  GtkWidget *chip;

  g_assert (index < self->chips->len);

  cnv_address_field_select_chip (self, -1);
  chip = g_ptr_array_index (self->chips, index);
  g_ptr_array_remove_index (self->chips, index);
  g_ptr_array_remove_index (self->addresses, index);
  gtk_box_remove (GTK_BOX (self->chips_box), chip);
  cnv_address_field_update_placeholder (self);
  cnv_address_field_emit_changed (self);
}

static void
chip_remove_clicked_cb (CnvAddressField *self,
                        GtkButton       *button)
{
  GtkWidget *chip = gtk_widget_get_parent (GTK_WIDGET (button));
  guint index;

  if (g_ptr_array_find (self->chips, chip, &index))
    cnv_address_field_remove_chip (self, index);
  gtk_widget_grab_focus (GTK_WIDGET (self->text));
}

static void
chip_clicked_cb (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 CnvAddressField *self)
{
  GtkWidget *chip = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  guint index;

  if (g_ptr_array_find (self->chips, chip, &index))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->text));
      cnv_address_field_select_chip (self, index);
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static GtkWidget *
create_chip (CnvAddressField  *self,
             const CnvAddress *address)
{
  g_autofree char *display = cnv_address_to_display (address);
  /* Translators: the accessible name of the button that removes an address from the list */
  g_autofree char *remove = g_strdup_printf (C_("address chip", "Remove %s"), address->address);
  /* A name that looks like an address ("a@example.org <b@example.org>") would hide where the
   * request goes: such a chip shows the address, and the tooltip the whole */
  gboolean named = address->name != NULL && address->name[0] != '\0'
                   && strchr (address->name, '@') == NULL;
  GtkWidget *chip = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *label = gtk_label_new (named ? address->name : address->address);
  GtkWidget *button = gtk_button_new_from_icon_name ("window-close-symbolic");
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_add_css_class (chip, "address-chip");
  gtk_widget_set_tooltip_text (chip, display);
  gtk_widget_set_valign (chip, GTK_ALIGN_CENTER);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
  gtk_label_set_width_chars (GTK_LABEL (label), MIN (6, g_utf8_strlen (gtk_label_get_text (GTK_LABEL (label)), -1)));
  gtk_box_append (GTK_BOX (chip), label);

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_focus_on_click (button, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, display,
                                  -1);
  g_signal_connect_object (button, "clicked", G_CALLBACK (chip_remove_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (chip), button);

  g_signal_connect_object (click, "pressed", G_CALLBACK (chip_clicked_cb), self, 0);
  gtk_widget_add_controller (chip, GTK_EVENT_CONTROLLER (click));

  return chip;
}

gboolean
cnv_address_field_contains (CnvAddressField *self,
                            const char      *normalized)
{
  for (guint i = 0; i < self->addresses->len; i++)
    {
      const CnvAddress *address = g_ptr_array_index (self->addresses, i);

      if (g_strcmp0 (address->address, normalized) == 0)
        return TRUE;
    }
  return FALSE;
}

CnvAddressFieldVerdict
cnv_address_field_try_add (CnvAddressField  *self,
                           const CnvAddress *address,
                           char            **problem)
{
  GtkWidget *chip;

  if (self->validate != NULL)
    {
      CnvAddressFieldVerdict verdict = self->validate (self, address, problem, self->validate_data);

      if (verdict != CNV_ADDRESS_FIELD_ADD)
        return verdict;
      if (cnv_address_field_contains (self, address->address))
        return CNV_ADDRESS_FIELD_SKIP;
    }
  else if (cnv_address_field_contains (self, address->address))
    {
      /* Translators: %s is an e-mail address */
      *problem = g_strdup_printf (_("%s is already in the list."), address->address);
      return CNV_ADDRESS_FIELD_REFUSE;
    }

  chip = create_chip (self, address);
  g_ptr_array_add (self->addresses, cnv_address_copy (address));
  g_ptr_array_add (self->chips, chip);
  gtk_widget_insert_before (chip, self->chips_box, GTK_WIDGET (self->text));
  cnv_address_field_update_placeholder (self);
  return CNV_ADDRESS_FIELD_ADD;
}

void
cnv_address_field_commit_text (CnvAddressField *self)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) leftover = g_ptr_array_new ();
  g_autoptr(GStrvBuilder) problems = g_strv_builder_new ();
  g_autoptr(GString) notes = g_string_new (NULL);
  g_autofree char *rest = NULL;
  guint n_chips = self->addresses->len;

  g_clear_handle_id (&self->commit_source, g_source_remove);
  self->pasting = FALSE;
  cnv_address_field_hide_completion (self);

  items = cnv_address_input_parse (gtk_editable_get_text (GTK_EDITABLE (self->text)));
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      CnvAddressInputItem *item = g_ptr_array_index (items, i);
      g_autofree char *problem = NULL;

      if (item->address == NULL)
        {
          g_ptr_array_add (leftover, item->text);
          if (item->problem != NULL)
            g_strv_builder_add (problems, item->problem);
        }
      else
        switch (cnv_address_field_try_add (self, item->address, &problem))
          {
          case CNV_ADDRESS_FIELD_REFUSE:
            g_ptr_array_add (leftover, item->text);
            if (problem != NULL)
              g_strv_builder_add (problems, problem);
            break;
          case CNV_ADDRESS_FIELD_SKIP:
            if (problem != NULL && strstr (notes->str, problem) == NULL)
              g_string_append_printf (notes, "%s%s", notes->len > 0 ? "\n" : "", problem);
            break;
          case CNV_ADDRESS_FIELD_ADD:
          default:
            break;
          }
    }
  g_ptr_array_add (leftover, NULL);

  rest = g_strjoinv (", ", (char **) leftover->pdata);
  cnv_address_field_replace_text (self, rest);
  cnv_address_field_set_own_problems (self, g_strv_builder_end (problems));
  cnv_address_field_set_note (self, notes->len > 0 ? notes->str : NULL);

  if (self->addresses->len != n_chips || items == NULL || items->len > 0)
    cnv_address_field_emit_changed (self);
}

static gboolean
commit_idle_cb (gpointer user_data)
{
  CnvAddressField *self = user_data;

  self->commit_source = 0;
  cnv_address_field_commit_text (self);
  return G_SOURCE_REMOVE;
}

void
cnv_address_field_commit_soon (CnvAddressField *self)
{
  if (self->commit_source == 0)
    self->commit_source = g_idle_add (commit_idle_cb, self);
}
