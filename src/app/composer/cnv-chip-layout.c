/* cnv-chip-layout.c — a layout that wraps its children like words in a paragraph
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The address field's chips and its text entry flow as words do: GtkFlowBox would align them in
 * columns. Height depends on the width (the number of lines), so the layout asks for
 * height-for-width.
 */
#define G_LOG_DOMAIN "cnv-composer"

#include "config.h"

#include "cnv-chip-layout.h"

#define CHIP_SPACING 6

struct _CnvChipLayout
{
  GtkLayoutManager parent_instance;
};

G_DEFINE_FINAL_TYPE (CnvChipLayout, cnv_chip_layout, GTK_TYPE_LAYOUT_MANAGER)

typedef struct
{
  GtkWidget *child;
  int        x;
  int        y;
  int        width;
  int        height;
} WrapItem;

/* Places the children of @box in lines @width wide (-1 = one line) into @items; returns the
 * height of all the lines */
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
cnv_chip_layout_get_request_mode (GtkLayoutManager *manager,
                                  GtkWidget        *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
cnv_chip_layout_measure (GtkLayoutManager *manager,
                         GtkWidget        *widget,
                         GtkOrientation    orientation,
                         int               for_size,
                         int              *minimum,
                         int              *natural,
                         int              *minimum_baseline,
                         int              *natural_baseline)
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
cnv_chip_layout_allocate (GtkLayoutManager *manager,
                          GtkWidget        *widget,
                          int               width,
                          int               height,
                          int               baseline)
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

static void
cnv_chip_layout_class_init (CnvChipLayoutClass *klass)
{
  GtkLayoutManagerClass *layout_class = GTK_LAYOUT_MANAGER_CLASS (klass);

  layout_class->get_request_mode = cnv_chip_layout_get_request_mode;
  layout_class->measure = cnv_chip_layout_measure;
  layout_class->allocate = cnv_chip_layout_allocate;
}

static void
cnv_chip_layout_init (CnvChipLayout *self)
{
}

/**
 * cnv_chip_layout_new:
 *
 * Returns: (transfer full): a new chip layout, for gtk_widget_set_layout_manager()
 */
GtkLayoutManager *
cnv_chip_layout_new (void)
{
  return g_object_new (CNV_TYPE_CHIP_LAYOUT, NULL);
}
