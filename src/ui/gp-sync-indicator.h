/* gp-sync-indicator.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-sync-status.h"

G_BEGIN_DECLS

#define GP_TYPE_SYNC_INDICATOR (gp_sync_indicator_get_type ())

G_DECLARE_FINAL_TYPE (GpSyncIndicator, gp_sync_indicator, GP, SYNC_INDICATOR, GtkBox)

GpSyncIndicator *gp_sync_indicator_new        (void) G_GNUC_WARN_UNUSED_RESULT;
void             gp_sync_indicator_set_status (GpSyncIndicator *self,
                                               GpSyncStatus    *status);
void             gp_sync_indicator_set_store  (GpSyncIndicator *self,
                                               GObject         *store);

/* Shared with the window's offline banner. */
guint            _gp_ui_get_uint_property     (GObject         *object,
                                               const char      *name);
char            *_gp_ui_get_string_property   (GObject         *object,
                                               const char      *name);

G_END_DECLS
