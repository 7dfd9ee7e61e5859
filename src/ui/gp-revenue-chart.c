/* gp-revenue-chart.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-revenue-chart.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "gp-money.h"

/* Revenue per month as bars, drawn with cairo through GtkSnapshot. Amounts in different
 * currencies cannot share an axis, so each currency gets its own row of bars with its own
 * scale (small multiples), labelled with its code and its largest month. */

#define ROW_HEIGHT   120
#define LABEL_HEIGHT 18
#define LEFT_MARGIN  56
#define BAR_GAP      0.25

typedef struct
{
  char   *currency;
  gint64 *values;
} Series;

struct _GpRevenueChart
{
  GtkWidget parent_instance;

  /* Owned */
  GStrv      months;
  GPtrArray *series;   /* Series */
};

G_DEFINE_FINAL_TYPE (GpRevenueChart, gp_revenue_chart, GTK_TYPE_WIDGET)

static void
series_free (Series *series)
{
  g_free (series->currency);
  g_free (series->values);
  g_free (series);
}

static char *
month_label (const char *month)
{
  g_autoptr(GDateTime) dt = NULL;
  int y = 0, m = 0;

  if (sscanf (month, "%d-%d", &y, &m) == 2)
    dt = g_date_time_new_utc (y, m, 1, 0, 0, 0);
  /* Translators: a month under a bar of the revenue chart */
  return dt != NULL ? g_date_time_format (dt, _("%b")) : g_strdup (month);
}

static void
draw_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y,
           double       width,
           gboolean     centered)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, centered ? x + (width - w) / 2 : x, y);
  pango_cairo_show_layout (cr, layout);
}

static void
gp_revenue_chart_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  GpRevenueChart *self = GP_REVENUE_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  guint n_months = self->months != NULL ? g_strv_length (self->months) : 0;
  g_autoptr(PangoLayout) layout = NULL;
  GdkRGBA fg;
  cairo_t *cr;

  if (width <= LEFT_MARGIN || height <= 0)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  layout = gtk_widget_create_pango_layout (widget, NULL);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (self->series->len == 0 || n_months == 0)
    {
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.55);
      draw_text (cr, layout, _("No invoices sent in these months yet."), 0, height / 2.0 - 9, width, TRUE);
      cairo_destroy (cr);
      return;
    }

  for (guint s = 0; s < self->series->len; s++)
    {
      Series *series = g_ptr_array_index (self->series, s);
      double top = s * (ROW_HEIGHT + LABEL_HEIGHT + 12);
      double plot_h = ROW_HEIGHT - 16;
      double slot = (double)(width - LEFT_MARGIN) / n_months;
      gint64 max = 0;
      g_autofree char *max_text = NULL;

      for (guint m = 0; m < n_months; m++)
        max = MAX (max, series->values[m]);

      /* The currency and the scale of this row. */
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.9);
      draw_text (cr, layout, series->currency, 0, top + 2, LEFT_MARGIN, FALSE);
      max_text = gp_money_format (max, series->currency);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.55);
      draw_text (cr, layout, max_text, LEFT_MARGIN, top, width - LEFT_MARGIN, FALSE);

      /* Baseline */
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.25);
      cairo_rectangle (cr, LEFT_MARGIN, top + 16 + plot_h, width - LEFT_MARGIN, 1);
      cairo_fill (cr);

      for (guint m = 0; m < n_months; m++)
        {
          double x = LEFT_MARGIN + m * slot + slot * BAR_GAP / 2;
          double bar_w = slot * (1 - BAR_GAP);
          double h = max > 0 ? plot_h * (double)series->values[m] / (double)max : 0;
          g_autofree char *label = month_label (self->months[m]);

          if (series->values[m] > 0 && h < 2)
            h = 2;
          /* libadwaita's blue 3 */
          cairo_set_source_rgba (cr, 0x35 / 255.0, 0x84 / 255.0, 0xe4 / 255.0, 1.0);
          cairo_rectangle (cr, x, top + 16 + plot_h - h, bar_w, h);
          cairo_fill (cr);

          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.65);
          draw_text (cr, layout, label, LEFT_MARGIN + m * slot, top + 18 + plot_h, slot, TRUE);
        }
    }

  cairo_destroy (cr);
}

static void
gp_revenue_chart_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  GpRevenueChart *self = GP_REVENUE_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 280;
      *natural = 600;
    }
  else
    {
      guint rows = MAX (self->series->len, 1);

      *minimum = *natural = rows * (ROW_HEIGHT + LABEL_HEIGHT + 12);
    }
}

static void
gp_revenue_chart_finalize (GObject *object)
{
  GpRevenueChart *self = GP_REVENUE_CHART (object);

  g_clear_pointer (&self->months, g_strfreev);
  g_clear_pointer (&self->series, g_ptr_array_unref);

  G_OBJECT_CLASS (gp_revenue_chart_parent_class)->finalize (object);
}

static void
gp_revenue_chart_class_init (GpRevenueChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gp_revenue_chart_finalize;
  widget_class->snapshot = gp_revenue_chart_snapshot;
  widget_class->measure = gp_revenue_chart_measure;

  gtk_widget_class_set_css_name (widget_class, "revenuechart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gp_revenue_chart_init (GpRevenueChart *self)
{
  self->series = g_ptr_array_new_with_free_func ((GDestroyNotify)series_free);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Revenue per month"),
                                  -1);
}

GtkWidget *
gp_revenue_chart_new (void)
{
  return g_object_new (GP_TYPE_REVENUE_CHART, NULL);
}

/**
 * gp_revenue_chart_set_report:
 * @self: a #GpRevenueChart
 * @report: (nullable): the figures to draw
 *
 * Draws @report's revenue per month, one row per currency.
 */
void
gp_revenue_chart_set_report (GpRevenueChart *self,
                             GpReport       *report)
{
  g_autoptr(GString) description = g_string_new (NULL);
  guint n_months;

  g_return_if_fail (GP_IS_REVENUE_CHART (self));

  g_ptr_array_set_size (self->series, 0);
  g_clear_pointer (&self->months, g_strfreev);

  if (report != NULL)
    {
      self->months = g_strdupv (report->month_names);
      n_months = g_strv_length (self->months);

      /* report->months is sorted by month then currency: pick each currency's column. */
      for (guint i = 0; i < report->months->len; i++)
        {
          GpReportMonth *entry = g_ptr_array_index (report->months, i);
          Series *series = NULL;

          for (guint s = 0; s < self->series->len; s++)
            if (g_strcmp0 (((Series *)g_ptr_array_index (self->series, s))->currency, entry->currency) == 0)
              series = g_ptr_array_index (self->series, s);
          if (series == NULL)
            {
              series = g_new0 (Series, 1);
              series->currency = g_strdup (entry->currency);
              series->values = g_new0 (gint64, n_months);
              g_ptr_array_add (self->series, series);
            }
          for (guint m = 0; m < n_months; m++)
            if (g_strcmp0 (self->months[m], entry->month) == 0)
              series->values[m] = entry->revenue;
        }

      /* What the bars say, for screen readers. */
      for (guint s = 0; s < self->series->len; s++)
        {
          Series *series = g_ptr_array_index (self->series, s);

          g_string_append_printf (description, "%s: ", series->currency);
          for (guint m = 0; m < n_months; m++)
            {
              g_autofree char *amount = gp_money_format (series->values[m], series->currency);

              g_string_append_printf (description, "%s%s %s", m > 0 ? ", " : "", self->months[m], amount);
            }
          g_string_append (description, ". ");
        }
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description->str,
                                  -1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/**
 * gp_revenue_chart_get_n_series:
 * @self: a #GpRevenueChart
 *
 * Returns: how many currencies are drawn
 */
guint
gp_revenue_chart_get_n_series (GpRevenueChart *self)
{
  g_return_val_if_fail (GP_IS_REVENUE_CHART (self), 0);

  return self->series->len;
}
