/* gp-preferences-window.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-sync-status.h"

G_BEGIN_DECLS

#define GP_TYPE_PREFERENCES_WINDOW (gp_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (GpPreferencesWindow, gp_preferences_window, GP, PREFERENCES_WINDOW, AdwPreferencesWindow)

GpPreferencesWindow *gp_preferences_window_new (GpSyncStatus *sync_status) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
