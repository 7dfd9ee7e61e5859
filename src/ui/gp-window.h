/* gp-window.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-application.h"

G_BEGIN_DECLS

#define GP_TYPE_WINDOW (gp_window_get_type ())

G_DECLARE_FINAL_TYPE (GpWindow, gp_window, GP, WINDOW, AdwApplicationWindow)

GpWindow *gp_window_new        (GpApplication *application) G_GNUC_WARN_UNUSED_RESULT;
GpRecordList *gp_window_prepare_clients (GpStore *store) G_GNUC_WARN_UNUSED_RESULT;
void      gp_window_show_page  (GpWindow      *self,
                                const char    *name);
void      gp_window_add_toast  (GpWindow      *self,
                                AdwToast      *toast);
void      gp_window_present_when_ready (GpWindow *self);

G_END_DECLS
