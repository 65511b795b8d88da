/* cnv-address-field.c — an address list typed as removable chips, with completion (Fig 4a)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The chips and the text entry wrap like words in a paragraph: GtkFlowBox would align them in
 * columns, so the chips' box gets a small wrapping layout of its own (a GtkCustomLayout). The
 * completion popover does not take the focus (as GtkEntryCompletion's): the user keeps typing
 * in the entry while Up and Down move through the suggestions.
 */
#define G_LOG_DOMAIN "cnv-composer"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "cnv-address-field.h"
#include "cnv-address-input.h"

#define MAX_COMPLETIONS 8
#define CHIP_SPACING 6
#define FIELD_SPACING 6

struct _CnvAddressField
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkWidget  *chips_box;
  GtkEntry   *text;
  GtkLabel   *problems_label;
  GtkPopover *completion_popover;
  GtkListBox *completion_list;

  /* Owned */
  char           *label;
  char           *placeholder;
  GPtrArray      *addresses;          /* CnvAddress, parallel to @chips */
  GPtrArray      *chips;              /* GtkWidget (borrowed from the box) */
  GPtrArray      *completions;        /* CnvAddressBookEntry shown in the popover */
  GStrv           own_problems;       /* pieces the field could not turn into chips */
  GStrv           problems;           /* from the composer */
  char           *pending;            /* trimmed copy of the text */
  CnvAddressBook *book;
  CnvAddressFieldValidateFunc validate;
  gpointer        validate_data;
  GDestroyNotify  validate_destroy;
  guint           commit_source;

  /* State */
  int       selected_chip;            /* -1 = none */
  gboolean  updating;                 /* the text is being set by the field itself */
  gboolean  pasting;
  gboolean  editing;
};

G_DEFINE_FINAL_TYPE (CnvAddressField, cnv_address_field, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_LABEL,
  PROP_EDITING,
  N_PROPS
};

enum
{
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void hide_completion   (CnvAddressField *self);
static void update_completion (CnvAddressField *self);

/* The wrapping layout of the chips' box: children keep their natural width (at most the line)
 * and go on the next line when the current one is full; the text entry, always last, takes the
 * rest of its line, or a line of its own when less than its minimum is left. */

typedef struct
{
  GtkWidget *child;
  int        x;
  int        y;
  int        width;
  int        height;
} WrapItem;

static int
wrap_lines (GtkWidget *box,
            int        width,
            GArray    *items)
{
  int x = 0, y = 0, line_height = 0;
  guint line_start = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (box);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int min_w, nat_w, min_h, nat_h, w;
      gboolean last;
      WrapItem item;

      if (!gtk_widget_should_layout (child))
        continue;

      last = gtk_widget_get_next_sibling (child) == NULL;
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, &nat_w, NULL, NULL);
      w = last ? min_w : nat_w;
      if (width >= 0)
        w = MIN (w, width);
      w = MAX (w, min_w);

      if (x > 0 && width >= 0 && x + w > width)
        {
          for (guint i = line_start; i < items->len; i++)
            g_array_index (items, WrapItem, i).height = line_height;
          y += line_height + CHIP_SPACING;
          x = 0;
          line_height = 0;
          line_start = items->len;
        }

      if (last && width >= 0)
        w = MAX (w, width - x);

      gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, w, &min_h, &nat_h, NULL, NULL);
      item.child = child;
      item.x = x;
      item.y = y;
      item.width = w;
      item.height = nat_h;
      g_array_append_val (items, item);
      line_height = MAX (line_height, nat_h);
      x += w + CHIP_SPACING;
    }

  for (guint i = line_start; i < items->len; i++)
    g_array_index (items, WrapItem, i).height = line_height;

  return y + line_height;
}

static GtkSizeRequestMode
wrap_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
wrap_measure (GtkWidget      *widget,
              GtkOrientation  orientation,
              int             for_size,
              int            *minimum,
              int            *natural,
              int            *minimum_baseline,
              int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int min = 0, nat = 0, n = 0;

      for (GtkWidget *child = gtk_widget_get_first_child (widget);
           child != NULL;
           child = gtk_widget_get_next_sibling (child))
        {
          int child_min, child_nat;

          if (!gtk_widget_should_layout (child))
            continue;
          gtk_widget_measure (child, orientation, -1, &child_min, &child_nat, NULL, NULL);
          min = MAX (min, child_min);
          nat += child_nat + (n++ > 0 ? CHIP_SPACING : 0);
        }
      *minimum = min;
      *natural = MAX (min, nat);
    }
  else
    {
      g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (WrapItem));
      int height = wrap_lines (widget, for_size, items);

      *minimum = *natural = height;
    }
}

static void
wrap_allocate (GtkWidget *widget,
               int        width,
               int        height,
               int        baseline)
{
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (WrapItem));
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;

  wrap_lines (widget, width, items);
  for (guint i = 0; i < items->len; i++)
    {
      WrapItem *item = &g_array_index (items, WrapItem, i);
      GtkAllocation allocation = {
        rtl ? width - item->x - item->width : item->x, item->y, item->width, item->height
      };

      gtk_widget_size_allocate (item->child, &allocation, -1);
    }
}

/* The problems under the field */

static void
update_problems (CnvAddressField *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean outside = self->problems != NULL && self->problems[0] != NULL;

  for (guint i = 0; self->own_problems != NULL && self->own_problems[i] != NULL; i++)
    g_string_append_printf (text, "%s%s", text->len > 0 ? "\n" : "", self->own_problems[i]);
  for (guint i = 0; outside && self->problems[i] != NULL; i++)
    {
      if (self->own_problems != NULL
          && g_strv_contains ((const char * const *) self->own_problems, self->problems[i]))
        continue;
      g_string_append_printf (text, "%s%s", text->len > 0 ? "\n" : "", self->problems[i]);
    }

  gtk_label_set_text (self->problems_label, text->str);
  gtk_widget_set_visible (GTK_WIDGET (self->problems_label), text->len > 0);
  if (text->len > 0)
    gtk_widget_add_css_class (self->chips_box, "error");
  else
    gtk_widget_remove_css_class (self->chips_box, "error");

  /* Screen readers hear the problem with the entry, not only as loose text */
  if (text->len > 0)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->text),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->text),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->text), GTK_ACCESSIBLE_STATE_INVALID,
                               text->len > 0 ? GTK_ACCESSIBLE_INVALID_TRUE
                                             : GTK_ACCESSIBLE_INVALID_FALSE, -1);
}

static void
set_own_problems (CnvAddressField *self,
                  GStrv            problems)
{
  g_strfreev (self->own_problems);
  self->own_problems = problems;
  update_problems (self);
}

/* The typed text */

static void
set_text (CnvAddressField *self,
          const char      *text)
{
  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->text), text);
  gtk_editable_set_position (GTK_EDITABLE (self->text), -1);
  self->updating = FALSE;

  g_free (self->pending);
  self->pending = g_strstrip (g_strdup (text));
}

/* Separators typed outside quotes and angle brackets end an address, as in
 * cnv_address_input_parse(); inside them they are part of a name ("Doe, Jane"). */
static gboolean
is_inside_quote_or_brackets (const char *text)
{
  gboolean quoted = FALSE;
  int brackets = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (quoted && *p == '\\' && p[1] != '\0')
        p++;
      else if (*p == '"')
        quoted = !quoted;
      else if (!quoted && *p == '<')
        brackets++;
      else if (!quoted && *p == '>' && brackets > 0)
        brackets--;
    }
  return quoted || brackets > 0;
}

/* The chips */

/* The hint says what to type while the field is empty; next to chips it would only be cut */
static void
update_placeholder (CnvAddressField *self)
{
  gtk_entry_set_placeholder_text (self->text, self->addresses->len == 0 ? self->placeholder : NULL);
}

static void
select_chip (CnvAddressField *self,
             int              index)
{
  if (self->selected_chip >= 0 && (guint) self->selected_chip < self->chips->len)
    gtk_widget_remove_css_class (g_ptr_array_index (self->chips, self->selected_chip), "selected");
  self->selected_chip = index;
  if (index >= 0)
    gtk_widget_add_css_class (g_ptr_array_index (self->chips, index), "selected");
}

static void
remove_chip (CnvAddressField *self,
             guint            index)
{
  GtkWidget *chip;

  g_assert (index < self->chips->len);

  select_chip (self, -1);
  chip = g_ptr_array_index (self->chips, index);
  g_ptr_array_remove_index (self->chips, index);
  g_ptr_array_remove_index (self->addresses, index);
  gtk_box_remove (GTK_BOX (self->chips_box), chip);
  update_placeholder (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
chip_remove_clicked_cb (CnvAddressField *self,
                        GtkButton       *button)
{
  GtkWidget *chip = gtk_widget_get_parent (GTK_WIDGET (button));
  guint index;

  if (g_ptr_array_find (self->chips, chip, &index))
    remove_chip (self, index);
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
      select_chip (self, index);
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static GtkWidget *
create_chip (CnvAddressField  *self,
             const CnvAddress *address)
{
  g_autofree char *display = cnv_address_to_display (address);
  /* Translators: the accessible name of the button that removes an address from the list */
  g_autofree char *remove = g_strdup_printf (_("Remove %s"), address->address);
  gboolean named = address->name != NULL && address->name[0] != '\0';
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

static gboolean
contains_address (CnvAddressField *self,
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

/* Adds @address as a chip when the composer agrees; else returns FALSE with its @problem. */
static gboolean
try_add (CnvAddressField  *self,
         const CnvAddress *address,
         char            **problem)
{
  GtkWidget *chip;

  if (self->validate != NULL)
    {
      if (!self->validate (self, address, problem, self->validate_data))
        return FALSE;
      if (contains_address (self, address->address))
        return TRUE;
    }
  else if (contains_address (self, address->address))
    {
      /* Translators: %s is an e-mail address */
      *problem = g_strdup_printf (_("%s is already in the list."), address->address);
      return FALSE;
    }

  chip = create_chip (self, address);
  g_ptr_array_add (self->addresses, cnv_address_copy (address));
  g_ptr_array_add (self->chips, chip);
  gtk_widget_insert_before (chip, self->chips_box, GTK_WIDGET (self->text));
  update_placeholder (self);
  return TRUE;
}

static void
commit (CnvAddressField *self)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) leftover = g_ptr_array_new ();
  g_autoptr(GStrvBuilder) problems = g_strv_builder_new ();
  g_autofree char *rest = NULL;
  guint n_chips = self->addresses->len;

  g_clear_handle_id (&self->commit_source, g_source_remove);
  self->pasting = FALSE;
  hide_completion (self);

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
      else if (!try_add (self, item->address, &problem))
        {
          g_ptr_array_add (leftover, item->text);
          if (problem != NULL)
            g_strv_builder_add (problems, problem);
        }
    }
  g_ptr_array_add (leftover, NULL);

  rest = g_strjoinv (", ", (char **) leftover->pdata);
  set_text (self, rest);
  set_own_problems (self, g_strv_builder_end (problems));

  if (self->addresses->len != n_chips || items == NULL || items->len > 0)
    g_signal_emit (self, signals[CHANGED], 0);
}

static gboolean
commit_idle_cb (gpointer user_data)
{
  CnvAddressField *self = user_data;

  self->commit_source = 0;
  commit (self);
  return G_SOURCE_REMOVE;
}

/* Completion */

static void
hide_completion (CnvAddressField *self)
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

static void
update_completion (CnvAddressField *self)
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
      hide_completion (self);
      return;
    }

  self->completions = cnv_address_book_complete (self->book, text,
                                                 MAX_COMPLETIONS + self->addresses->len);
  typed_address = cnv_address_normalize (text, NULL);
  for (guint i = 0; self->completions != NULL && i < self->completions->len; i++)
    {
      const CnvAddressBookEntry *entry = g_ptr_array_index (self->completions, i);
      GtkWidget *row;

      if (n_rows >= MAX_COMPLETIONS || contains_address (self, entry->address))
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
      hide_completion (self);
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
  hide_completion (self);
  if (address == NULL)
    {
      g_warning ("A completion is not an address: %s", error->message);
      return;
    }

  if (try_add (self, address, &problem))
    set_text (self, "");
  if (problem != NULL)
    {
      problems = g_new0 (char *, 2);
      problems[0] = g_steal_pointer (&problem);
    }
  set_own_problems (self, problems);
  g_signal_emit (self, signals[CHANGED], 0);
}

static gboolean
accept_selected_completion (CnvAddressField *self)
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

static void
move_completion (CnvAddressField *self,
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

/* Typing */

static void
text_changed_cb (CnvAddressField *self)
{
  if (self->updating)
    return;

  g_free (self->pending);
  self->pending = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->text))));

  select_chip (self, -1);
  /* What was said about the previous text no longer holds */
  if (self->own_problems != NULL)
    set_own_problems (self, NULL);

  if (self->pasting)
    {
      if (self->commit_source == 0)
        self->commit_source = g_idle_add (commit_idle_cb, self);
    }
  else
    update_completion (self);

  g_signal_emit (self, signals[CHANGED], 0);
}

static void
text_paste_clipboard_cb (CnvAddressField *self)
{
  /* A pasted list turns into chips at once; the text arrives later (clipboards are async) */
  self->pasting = TRUE;
}

static gboolean
text_key_pressed_cb (CnvAddressField       *self,
                     guint                  keyval,
                     guint                  keycode,
                     GdkModifierType        state,
                     GtkEventControllerKey *controller)
{
  gboolean empty = gtk_editable_get_text (GTK_EDITABLE (self->text))[0] == '\0';
  gboolean popover = gtk_widget_get_visible (GTK_WIDGET (self->completion_popover));
  GdkModifierType mods = state & gtk_accelerator_get_default_mod_mask ();

  self->pasting = FALSE;

  switch (keyval)
    {
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      if (mods != 0)
        return FALSE;
      if (!accept_selected_completion (self))
        commit (self);
      return TRUE;

    case GDK_KEY_Tab:
    case GDK_KEY_KP_Tab:
      /* Without a suggestion Tab moves on, and leaving the entry makes the chips */
      return mods == 0 && accept_selected_completion (self);

    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      if (!popover)
        return FALSE;
      move_completion (self, 1);
      return TRUE;

    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (!popover)
        return FALSE;
      move_completion (self, -1);
      return TRUE;

    case GDK_KEY_Escape:
      if (popover)
        {
          hide_completion (self);
          return TRUE;
        }
      if (self->selected_chip >= 0)
        {
          select_chip (self, -1);
          return TRUE;
        }
      return FALSE;

    case GDK_KEY_BackSpace:
      if (!empty || self->chips->len == 0)
        break;
      /* The first Backspace shows which chip goes, the second removes it */
      if (self->selected_chip >= 0)
        remove_chip (self, self->selected_chip);
      else
        select_chip (self, self->chips->len - 1);
      return TRUE;

    case GDK_KEY_Delete:
    case GDK_KEY_KP_Delete:
      if (!empty || self->selected_chip < 0)
        break;
      remove_chip (self, self->selected_chip);
      return TRUE;

    case GDK_KEY_comma:
    case GDK_KEY_semicolon:
      {
        const char *text = gtk_editable_get_text (GTK_EDITABLE (self->text));

        if (mods & (GDK_CONTROL_MASK | GDK_ALT_MASK))
          break;
        if (empty)
          return TRUE;
        if (is_inside_quote_or_brackets (text)
            || gtk_editable_get_position (GTK_EDITABLE (self->text)) != (int) g_utf8_strlen (text, -1))
          break;
        commit (self);
        return TRUE;
      }

    default:
      break;
    }

  select_chip (self, -1);
  return FALSE;
}

static void
text_focus_entered_cb (CnvAddressField *self)
{
  self->editing = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITING]);
}

static void
text_focus_left_cb (CnvAddressField *self)
{
  select_chip (self, -1);
  if (self->pending != NULL && self->pending[0] != '\0')
    commit (self);
  else
    hide_completion (self);
  self->editing = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITING]);
}

static void
chips_box_clicked_cb (CnvAddressField *self)
{
  /* A click in the field's empty space goes to the entry, as in an entry */
  gtk_widget_grab_focus (GTK_WIDGET (self->text));
}

/* GtkWidget: the chips' box and the problems stacked; the popover presented */

static GtkSizeRequestMode
cnv_address_field_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
cnv_address_field_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  int min = 0, nat = 0, n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int child_min, child_nat;

      if (!gtk_widget_should_layout (child))
        continue;
      gtk_widget_measure (child, orientation, orientation == GTK_ORIENTATION_VERTICAL ? for_size : -1,
                          &child_min, &child_nat, NULL, NULL);
      if (orientation == GTK_ORIENTATION_HORIZONTAL)
        {
          min = MAX (min, child_min);
          nat = MAX (nat, child_nat);
        }
      else
        {
          int spacing = n++ > 0 ? FIELD_SPACING : 0;

          min += child_min + spacing;
          nat += child_nat + spacing;
        }
    }
  *minimum = min;
  *natural = nat;
}

static void
cnv_address_field_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  CnvAddressField *self = CNV_ADDRESS_FIELD (widget);
  int y = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int child_min, child_nat;

      if (!gtk_widget_should_layout (child))
        continue;
      gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, width, &child_min, &child_nat, NULL, NULL);
      gtk_widget_size_allocate (child, &(GtkAllocation) { 0, y, width, child_nat }, -1);
      y += child_nat + FIELD_SPACING;
    }

  gtk_popover_present (self->completion_popover);
}

static gboolean
cnv_address_field_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (CNV_ADDRESS_FIELD (widget)->text));
}

/* GObject */

static void
cnv_address_field_dispose (GObject *object)
{
  CnvAddressField *self = CNV_ADDRESS_FIELD (object);
  GtkWidget *child;

  g_clear_handle_id (&self->commit_source, g_source_remove);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  gtk_widget_dispose_template (GTK_WIDGET (self), CNV_TYPE_ADDRESS_FIELD);

  g_clear_object (&self->book);
  if (self->validate_destroy != NULL)
    g_clear_pointer (&self->validate_data, self->validate_destroy);
  self->validate = NULL;

  G_OBJECT_CLASS (cnv_address_field_parent_class)->dispose (object);
}

static void
cnv_address_field_finalize (GObject *object)
{
  CnvAddressField *self = CNV_ADDRESS_FIELD (object);

  g_free (self->label);
  g_free (self->placeholder);
  g_ptr_array_unref (self->addresses);
  g_ptr_array_unref (self->chips);
  g_clear_pointer (&self->completions, g_ptr_array_unref);
  g_strfreev (self->own_problems);
  g_strfreev (self->problems);
  g_free (self->pending);

  G_OBJECT_CLASS (cnv_address_field_parent_class)->finalize (object);
}

static void
cnv_address_field_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CnvAddressField *self = CNV_ADDRESS_FIELD (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_EDITING:
      g_value_set_boolean (value, self->editing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnv_address_field_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  CnvAddressField *self = CNV_ADDRESS_FIELD (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      cnv_address_field_set_label (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnv_address_field_class_init (CnvAddressFieldClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cnv_address_field_dispose;
  object_class->finalize = cnv_address_field_finalize;
  object_class->get_property = cnv_address_field_get_property;
  object_class->set_property = cnv_address_field_set_property;

  widget_class->get_request_mode = cnv_address_field_get_request_mode;
  widget_class->measure = cnv_address_field_measure;
  widget_class->size_allocate = cnv_address_field_size_allocate;
  widget_class->grab_focus = cnv_address_field_grab_focus;

  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EDITING] =
    g_param_spec_boolean ("editing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/convene/Convene/cnv-address-field.ui");
  gtk_widget_class_bind_template_child (widget_class, CnvAddressField, chips_box);
  gtk_widget_class_bind_template_child (widget_class, CnvAddressField, text);
  gtk_widget_class_bind_template_child (widget_class, CnvAddressField, problems_label);
  gtk_widget_class_bind_template_child (widget_class, CnvAddressField, completion_popover);
  gtk_widget_class_bind_template_child (widget_class, CnvAddressField, completion_list);
  gtk_widget_class_bind_template_callback (widget_class, text_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, text_key_pressed_cb);
  gtk_widget_class_bind_template_callback (widget_class, text_focus_entered_cb);
  gtk_widget_class_bind_template_callback (widget_class, text_focus_left_cb);
  gtk_widget_class_bind_template_callback (widget_class, chips_box_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, completion_row_activated_cb);

  gtk_widget_class_set_css_name (widget_class, "cnvaddressfield");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
cnv_address_field_init (CnvAddressField *self)
{
  self->addresses = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  self->chips = g_ptr_array_new ();
  self->pending = g_strdup ("");
  self->selected_chip = -1;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_layout_manager (self->chips_box,
                                 gtk_custom_layout_new (wrap_request_mode, wrap_measure,
                                                        wrap_allocate));
  /* GtkEntry has no signal of its own for a paste: its text (the delegate) has */
  g_signal_connect_object (gtk_editable_get_delegate (GTK_EDITABLE (self->text)), "paste-clipboard",
                           G_CALLBACK (text_paste_clipboard_cb), self, G_CONNECT_SWAPPED);
}

/* Public */

/**
 * cnv_address_field_new:
 * @label: the accessible name of the entry, e.g. "Participants"
 *
 * Returns: (transfer floating): a new, empty field
 */
CnvAddressField *
cnv_address_field_new (const char *label)
{
  return g_object_new (CNV_TYPE_ADDRESS_FIELD, "label", label, NULL);
}

const char *
cnv_address_field_get_label (CnvAddressField *self)
{
  g_return_val_if_fail (CNV_IS_ADDRESS_FIELD (self), NULL);

  return self->label;
}

void
cnv_address_field_set_label (CnvAddressField *self,
                             const char      *label)
{
  g_return_if_fail (CNV_IS_ADDRESS_FIELD (self));

  if (g_strcmp0 (self->label, label) == 0)
    return;
  g_free (self->label);
  self->label = g_strdup (label);

  if (label != NULL)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->text),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}

void
cnv_address_field_set_placeholder (CnvAddressField *self,
                                   const char      *placeholder)
{
  g_return_if_fail (CNV_IS_ADDRESS_FIELD (self));

  g_free (self->placeholder);
  self->placeholder = g_strdup (placeholder);
  update_placeholder (self);
}

/**
 * cnv_address_field_set_address_book:
 * @book: (nullable): where suggestions come from; NULL = no completion
 */
void
cnv_address_field_set_address_book (CnvAddressField *self,
                                    CnvAddressBook  *book)
{
  g_return_if_fail (CNV_IS_ADDRESS_FIELD (self));
  g_return_if_fail (book == NULL || CNV_IS_ADDRESS_BOOK (book));

  g_set_object (&self->book, book);
}

/**
 * cnv_address_field_set_validate_func:
 * @func: (nullable): asked before each chip is added; NULL = any new address is accepted
 * @user_data: passed to @func
 * @destroy: (nullable): frees @user_data when replaced or when the field is disposed
 */
void
cnv_address_field_set_validate_func (CnvAddressField             *self,
                                     CnvAddressFieldValidateFunc  func,
                                     gpointer                     user_data,
                                     GDestroyNotify               destroy)
{
  g_return_if_fail (CNV_IS_ADDRESS_FIELD (self));

  if (self->validate_destroy != NULL)
    g_clear_pointer (&self->validate_data, self->validate_destroy);
  self->validate = func;
  self->validate_data = user_data;
  self->validate_destroy = destroy;
}

GPtrArray *
cnv_address_field_get_addresses (CnvAddressField *self)
{
  g_return_val_if_fail (CNV_IS_ADDRESS_FIELD (self), NULL);

  return self->addresses;
}

const char *
cnv_address_field_get_pending_text (CnvAddressField *self)
{
  g_return_val_if_fail (CNV_IS_ADDRESS_FIELD (self), NULL);

  return self->pending;
}

void
cnv_address_field_commit (CnvAddressField *self)
{
  g_return_if_fail (CNV_IS_ADDRESS_FIELD (self));

  if (self->pending[0] != '\0')
    commit (self);
}

void
cnv_address_field_set_problems (CnvAddressField    *self,
                                const char * const *problems)
{
  g_return_if_fail (CNV_IS_ADDRESS_FIELD (self));

  if (problems != NULL && problems[0] == NULL)
    problems = NULL;
  if (problems == NULL && self->problems == NULL)
    return;
  if (problems != NULL && self->problems != NULL
      && g_strv_equal (problems, (const char * const *) self->problems))
    return;

  g_strfreev (self->problems);
  self->problems = g_strdupv ((char **) problems);
  update_problems (self);
}

gboolean
cnv_address_field_has_problems (CnvAddressField *self)
{
  g_return_val_if_fail (CNV_IS_ADDRESS_FIELD (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->problems_label));
}

gboolean
cnv_address_field_is_editing (CnvAddressField *self)
{
  g_return_val_if_fail (CNV_IS_ADDRESS_FIELD (self), FALSE);

  return self->editing;
}
