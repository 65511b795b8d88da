/* cnv-accessible.c — accessible names that read as the user reads them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK 4.8 names an accessible by joining its label property and the names of the widgets that
 * label it (gtk_at_context_get_name() accumulates both; GTK 4.10 takes one or the other). So a row
 * given a fuller name than its title ("IMAP Server" for the row titled "Server") reads
 * "IMAP Server Server", and a button with a mnemonic, whose label property GTK sets to the raw
 * text and whose label names it too, reads "_Set Up Set Up". The functions here keep one source
 * of the name, so that every GTK version reads it once (WAI-ARIA 1.2, §5.2.8.4: a name comes from
 * aria-labelledby or aria-label, not both).
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include "cnv-accessible.h"

/**
 * cnv_accessible_use_own_label:
 * @widget: a widget whose accessible label property is set (in its .ui)
 *
 * Drops what labels @widget (an AdwEntryRow's or AdwComboRow's title), so that its accessible
 * name is its label property alone.
 */
void
cnv_accessible_use_own_label (GtkWidget *widget)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

/**
 * cnv_accessible_set_name:
 * @widget: a widget
 * @name: its accessible name, translated
 */
void
cnv_accessible_set_name (GtkWidget  *widget,
                         const char *name)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (name != NULL);

  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  cnv_accessible_use_own_label (widget);
}

/**
 * cnv_accessible_fix_mnemonic_buttons:
 * @root: a widget, e.g. a window or an AdwMessageDialog once its responses are added
 *
 * Every button under @root (and @root itself) whose label has a mnemonic is named by that label
 * alone ("Set Up", not "_Set Up"). Call it again after a button's label changes.
 */
void
cnv_accessible_fix_mnemonic_buttons (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if (GTK_IS_BUTTON (root) && gtk_button_get_use_underline (GTK_BUTTON (root))
      && gtk_button_get_label (GTK_BUTTON (root)) != NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    cnv_accessible_fix_mnemonic_buttons (child);
}

static void
tooltip_changed_cb (GtkWidget  *button,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  const char *tooltip = gtk_widget_get_tooltip_text (button);

  if (tooltip != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    tooltip, -1);
}

/**
 * cnv_accessible_name_icon_buttons:
 * @root: a widget whose icon buttons have no name of their own, e.g. an AdwPasswordEntryRow
 *
 * The buttons under @root that show only an icon (AdwPasswordEntryRow's "peek" button) are named
 * by their tooltip ("Show Text", "Hide Text"), and follow it.
 */
void
cnv_accessible_name_icon_buttons (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if (GTK_IS_BUTTON (root) && gtk_button_get_label (GTK_BUTTON (root)) == NULL
      && gtk_button_get_icon_name (GTK_BUTTON (root)) != NULL)
    {
      tooltip_changed_cb (root, NULL, NULL);
      g_signal_connect (root, "notify::tooltip-text", G_CALLBACK (tooltip_changed_cb), NULL);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    cnv_accessible_name_icon_buttons (child);
}
