/* gp-chasing-page.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-billing.h"
#include "gp-store.h"

G_BEGIN_DECLS

#define GP_TYPE_CHASING_PAGE (gp_chasing_page_get_type ())

G_DECLARE_FINAL_TYPE (GpChasingPage, gp_chasing_page, GP, CHASING_PAGE, GtkBox)

GpChasingPage *gp_chasing_page_new                (GpStore       *store,
                                                   GSettings     *settings);
void           gp_chasing_page_reload             (GpChasingPage *self);
void           gp_chasing_page_set_today          (GpChasingPage *self,
                                                   const char    *today);
guint          gp_chasing_page_get_n_due          (GpChasingPage *self);
GtkWidget     *gp_chasing_page_create_sidebar_row (GpChasingPage *self);
char          *gp_chasing_dup_today               (void) G_GNUC_WARN_UNUSED_RESULT;
guint         *gp_chasing_dup_intervals           (GSettings     *settings,
                                                   guint         *n_intervals) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
