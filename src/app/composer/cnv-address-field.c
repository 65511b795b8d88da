/* cnv-address-field.c — an address list typed as removable chips, with completion (Fig 4a)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The chips and the text entry wrap like words in a paragraph (CnvChipLayout). The chips are in
 * cnv-address-field-chips.c, the suggestions from the address book in
 * cnv-address-field-completion.c; this file has the widget, the typing and the problems shown
 * under the field.
 */
#define G_LOG_DOMAIN "cnv-composer"

#include "config.h"

#include "cnv-address-field-private.h"
#include "cnv-chip-layout.h"

#define FIELD_SPACING 6

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

void
cnv_address_field_set_own_problems (CnvAddressField *self,
                                    GStrv            problems)
{
  g_strfreev (self->own_problems);
  self->own_problems = problems;
  update_problems (self);
}

void
cnv_address_field_set_note (CnvAddressField *self,
                            const char      *note)
{
  gtk_label_set_text (self->note_label, note != NULL ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->note_label), note != NULL);
}

void
cnv_address_field_emit_changed (CnvAddressField *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

/* The typed text */

void
cnv_address_field_replace_text (CnvAddressField *self,
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

/* Typing */

static void
text_changed_cb (CnvAddressField *self)
{
  if (self->updating)
    return;

  g_free (self->pending);
  self->pending = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->text))));

  cnv_address_field_select_chip (self, -1);
  /* What was said about the previous text no longer holds */
  if (self->own_problems != NULL)
    cnv_address_field_set_own_problems (self, NULL);
  cnv_address_field_set_note (self, NULL);

  if (self->pasting)
    {
      cnv_address_field_commit_soon (self);
    }
  else
    cnv_address_field_update_completion (self);

  cnv_address_field_emit_changed (self);
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
      if (!cnv_address_field_accept_selected_completion (self))
        cnv_address_field_commit_text (self);
      return TRUE;

    case GDK_KEY_Tab:
    case GDK_KEY_KP_Tab:
      /* Without a suggestion Tab moves on, and leaving the entry makes the chips */
      return mods == 0 && cnv_address_field_accept_selected_completion (self);

    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      if (!popover)
        return FALSE;
      cnv_address_field_move_completion (self, 1);
      return TRUE;

    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (!popover)
        return FALSE;
      cnv_address_field_move_completion (self, -1);
      return TRUE;

    case GDK_KEY_Escape:
      if (popover)
        {
          cnv_address_field_hide_completion (self);
          return TRUE;
        }
      if (self->selected_chip >= 0)
        {
          cnv_address_field_select_chip (self, -1);
          return TRUE;
        }
      return FALSE;

    case GDK_KEY_BackSpace:
      if (!empty || self->chips->len == 0)
        break;
      /* The first Backspace shows which chip goes, the second removes it */
      if (self->selected_chip >= 0)
        cnv_address_field_remove_chip (self, self->selected_chip);
      else
        cnv_address_field_select_chip (self, self->chips->len - 1);
      return TRUE;

    case GDK_KEY_Delete:
    case GDK_KEY_KP_Delete:
      if (!empty || self->selected_chip < 0)
        break;
      cnv_address_field_remove_chip (self, self->selected_chip);
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
        cnv_address_field_commit_text (self);
        return TRUE;
      }

    default:
      break;
    }

  cnv_address_field_select_chip (self, -1);
  return FALSE;
}

static void
set_editing (CnvAddressField *self,
             gboolean         editing)
{
  if (self->editing == editing)
    return;
  self->editing = editing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITING]);
}

static void
text_focus_entered_cb (CnvAddressField *self)
{
  set_editing (self, TRUE);
}

static void
text_focus_left_cb (CnvAddressField *self)
{
  cnv_address_field_select_chip (self, -1);
  if (self->pending != NULL && self->pending[0] != '\0')
    cnv_address_field_commit_text (self);
  else
    cnv_address_field_hide_completion (self);
  set_editing (self, FALSE);
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
  gtk_widget_class_bind_template_child (widget_class, CnvAddressField, note_label);
  gtk_widget_class_bind_template_child (widget_class, CnvAddressField, completion_popover);
  gtk_widget_class_bind_template_child (widget_class, CnvAddressField, completion_list);
  gtk_widget_class_bind_template_callback (widget_class, text_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, text_key_pressed_cb);
  gtk_widget_class_bind_template_callback (widget_class, text_focus_entered_cb);
  gtk_widget_class_bind_template_callback (widget_class, text_focus_left_cb);
  gtk_widget_class_bind_template_callback (widget_class, chips_box_clicked_cb);
  cnv_address_field_completion_class_init (widget_class);

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
  gtk_widget_set_layout_manager (self->chips_box, cnv_chip_layout_new ());
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
  cnv_address_field_update_placeholder (self);
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
    cnv_address_field_commit_text (self);
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
