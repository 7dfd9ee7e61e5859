/* gp-list-row.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-list-row.h"

/* A row of cells placed in columns whose widths every row of a list shares, header
 * included (GpListColumns). A column is either a fixed number of characters wide or
 * shares what is left with the other such columns. The widths follow from the row's own
 * width and its font alone, never from the cells' content: a row is laid out without
 * asking the other rows, and measuring a cell is only ever for its height.
 *
 * This is what GtkColumnView does for a list too, with one widget per row instead of a
 * cell widget (and its controllers) around each value: a window opening on a long list
 * builds, styles and lays out about half as many widgets. */

#define COLUMN_SPACING 12
#define SHARED_MIN_CHARS 8
#define SHARED_NAT_CHARS 24

struct _GpListColumns
{
  guint n_columns;
  guint *width_chars;   /* 0: shares the rest */
  int char_width;       /* pixels, from the first row measured */
};

G_DEFINE_BOXED_TYPE (GpListColumns, gp_list_columns, gp_list_columns_ref, gp_list_columns_unref)

/**
 * gp_list_columns_new:
 * @n_columns: how many columns
 *
 * Returns: (transfer full): columns that all share the width, until
 *   gp_list_columns_set_width() fixes some
 */
GpListColumns *
gp_list_columns_new (guint n_columns)
{
  GpListColumns *columns = g_atomic_rc_box_new0 (GpListColumns);

  columns->n_columns = n_columns;
  columns->width_chars = g_new0 (guint, n_columns);
  return columns;
}

GpListColumns *
gp_list_columns_ref (GpListColumns *columns)
{
  return g_atomic_rc_box_acquire (columns);
}

static void
list_columns_clear (GpListColumns *columns)
{
  g_free (columns->width_chars);
}

void
gp_list_columns_unref (GpListColumns *columns)
{
  g_atomic_rc_box_release_full (columns, (GDestroyNotify)list_columns_clear);
}

/**
 * gp_list_columns_set_width:
 * @columns: the columns
 * @column: which one
 * @width_chars: its width in characters, or 0 to share what the fixed ones leave
 */
void
gp_list_columns_set_width (GpListColumns *columns,
                           guint          column,
                           guint          width_chars)
{
  g_return_if_fail (column < columns->n_columns);

  columns->width_chars[column] = width_chars;
}

guint
gp_list_columns_get_n (GpListColumns *columns)
{
  return columns->n_columns;
}

struct _GpListRow
{
  GtkWidget parent_instance;

  /* Owned */
  GpListColumns *columns;
};

G_DEFINE_FINAL_TYPE (GpListRow, gp_list_row, GTK_TYPE_WIDGET)

/* The width of a character in the list's font, read once for all its rows. */
static int
get_char_width (GpListRow *self)
{
  if (self->columns->char_width == 0)
    {
      PangoFontMetrics *metrics = pango_context_get_metrics (gtk_widget_get_pango_context (GTK_WIDGET (self)),
                                                             NULL, NULL);

      self->columns->char_width = MAX (1, PANGO_PIXELS_CEIL (pango_font_metrics_get_approximate_digit_width (metrics)));
      pango_font_metrics_unref (metrics);
    }
  return self->columns->char_width;
}

/* Sums the fixed columns and counts the shared ones. */
static int
get_fixed_width (GpListRow *self,
                 guint     *n_shared)
{
  int char_width = get_char_width (self);
  int fixed = COLUMN_SPACING * (int)MAX (self->columns->n_columns, 1) - COLUMN_SPACING;

  *n_shared = 0;
  for (guint i = 0; i < self->columns->n_columns; i++)
    {
      if (self->columns->width_chars[i] == 0)
        (*n_shared)++;
      else
        fixed += (int)self->columns->width_chars[i] * char_width;
    }
  return fixed;
}

/* Fills @widths (one per column) for a row @width wide. */
static void
compute_widths (GpListRow *self,
                int        width,
                int       *widths)
{
  int char_width = get_char_width (self);
  guint n_shared;
  int rest = width - get_fixed_width (self, &n_shared);
  int shared_min = SHARED_MIN_CHARS * char_width;
  guint seen = 0;

  for (guint i = 0; i < self->columns->n_columns; i++)
    {
      if (self->columns->width_chars[i] != 0)
        {
          widths[i] = (int)self->columns->width_chars[i] * char_width;
          continue;
        }
      /* The last shared column takes what dividing leaves over. */
      seen++;
      widths[i] = seen < n_shared ? rest / (int)n_shared : rest - (rest / (int)n_shared) * (int)(n_shared - 1);
      widths[i] = MAX (widths[i], shared_min);
    }
}

static void
gp_list_row_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  GpListRow *self = GP_LIST_ROW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      guint n_shared;
      int fixed = get_fixed_width (self, &n_shared);
      int char_width = get_char_width (self);

      *minimum = fixed + (int)n_shared * SHARED_MIN_CHARS * char_width;
      *natural = fixed + (int)n_shared * SHARED_NAT_CHARS * char_width;
    }
  else
    {
      int *widths = g_newa (int, MAX (self->columns->n_columns, 1));
      guint i = 0;

      if (for_size < 0)
        gp_list_row_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &for_size, natural, NULL, NULL);
      compute_widths (self, for_size, widths);

      *minimum = *natural = 0;
      for (GtkWidget *cell = gtk_widget_get_first_child (widget);
           cell != NULL && i < self->columns->n_columns;
           cell = gtk_widget_get_next_sibling (cell), i++)
        {
          int cell_min, cell_nat;

          if (!gtk_widget_should_layout (cell))
            continue;
          gtk_widget_measure (cell, GTK_ORIENTATION_VERTICAL, widths[i], &cell_min, &cell_nat, NULL, NULL);
          *minimum = MAX (*minimum, cell_min);
          *natural = MAX (*natural, cell_nat);
        }
    }
}

static void
gp_list_row_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  GpListRow *self = GP_LIST_ROW (widget);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  int *widths = g_newa (int, MAX (self->columns->n_columns, 1));
  int x = 0;
  guint i = 0;

  compute_widths (self, width, widths);
  for (GtkWidget *cell = gtk_widget_get_first_child (widget);
       cell != NULL && i < self->columns->n_columns;
       cell = gtk_widget_get_next_sibling (cell), i++)
    {
      GtkAllocation allocation = { rtl ? width - x - widths[i] : x, 0, widths[i], height };

      if (gtk_widget_should_layout (cell))
        gtk_widget_size_allocate (cell, &allocation, -1);
      x += widths[i] + COLUMN_SPACING;
    }
}

static GtkSizeRequestMode
gp_list_row_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
gp_list_row_dispose (GObject *object)
{
  GtkWidget *cell;

  while ((cell = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (cell);

  G_OBJECT_CLASS (gp_list_row_parent_class)->dispose (object);
}

static void
gp_list_row_finalize (GObject *object)
{
  GpListRow *self = GP_LIST_ROW (object);

  g_clear_pointer (&self->columns, gp_list_columns_unref);

  G_OBJECT_CLASS (gp_list_row_parent_class)->finalize (object);
}

static void
gp_list_row_class_init (GpListRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_list_row_dispose;
  object_class->finalize = gp_list_row_finalize;
  widget_class->measure = gp_list_row_measure;
  widget_class->size_allocate = gp_list_row_size_allocate;
  widget_class->get_request_mode = gp_list_row_get_request_mode;

  gtk_widget_class_set_css_name (widget_class, "gp-list-row");
}

static void
gp_list_row_init (GpListRow *self)
{
}

/**
 * gp_list_row_new:
 * @columns: the columns every row of the list shares
 *
 * Returns: (transfer floating): an empty row; add one cell per column with
 *   gp_list_row_append()
 */
GtkWidget *
gp_list_row_new (GpListColumns *columns)
{
  GpListRow *self;

  g_return_val_if_fail (columns != NULL, NULL);

  self = g_object_new (GP_TYPE_LIST_ROW, NULL);
  self->columns = gp_list_columns_ref (columns);
  return GTK_WIDGET (self);
}

void
gp_list_row_append (GpListRow *self,
                    GtkWidget *cell)
{
  g_return_if_fail (GP_IS_LIST_ROW (self));
  g_return_if_fail (GTK_IS_WIDGET (cell));

  gtk_widget_set_parent (cell, GTK_WIDGET (self));
}
