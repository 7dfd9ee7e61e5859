/* gp-revenue-chart.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-store-report.h"

G_BEGIN_DECLS

#define GP_TYPE_REVENUE_CHART (gp_revenue_chart_get_type ())

G_DECLARE_FINAL_TYPE (GpRevenueChart, gp_revenue_chart, GP, REVENUE_CHART, GtkWidget)

GtkWidget *gp_revenue_chart_new         (void) G_GNUC_WARN_UNUSED_RESULT;
void       gp_revenue_chart_set_report  (GpRevenueChart *self,
                                         GpReport       *report);
guint      gp_revenue_chart_get_n_series (GpRevenueChart *self);

G_END_DECLS
