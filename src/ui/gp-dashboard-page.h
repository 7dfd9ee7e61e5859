/* gp-dashboard-page.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-store.h"
#include "gp-store-report.h"

G_BEGIN_DECLS

#define GP_TYPE_DASHBOARD_PAGE (gp_dashboard_page_get_type ())

G_DECLARE_FINAL_TYPE (GpDashboardPage, gp_dashboard_page, GP, DASHBOARD_PAGE, AdwBin)

GpDashboardPage *gp_dashboard_page_new        (GpStore         *store) G_GNUC_WARN_UNUSED_RESULT;
void             gp_dashboard_page_reload     (GpDashboardPage *self);
GpReport        *gp_dashboard_page_get_report (GpDashboardPage *self);

G_END_DECLS
