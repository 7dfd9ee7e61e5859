/* gp-conflicts-page.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-store-sync.h"

G_BEGIN_DECLS

#define GP_TYPE_CONFLICTS_PAGE (gp_conflicts_page_get_type ())

G_DECLARE_FINAL_TYPE (GpConflictsPage, gp_conflicts_page, GP, CONFLICTS_PAGE, GtkBox)

GpConflictsPage *gp_conflicts_page_new    (GpStore         *store) G_GNUC_WARN_UNUSED_RESULT;
void             gp_conflicts_page_reload (GpConflictsPage *self);
void             gp_conflicts_page_open   (GpConflictsPage  *self,
                                           const GpConflict *conflict);

G_END_DECLS
