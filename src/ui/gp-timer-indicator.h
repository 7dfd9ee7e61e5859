/* gp-timer-indicator.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-store.h"

G_BEGIN_DECLS

#define GP_TYPE_TIMER_INDICATOR (gp_timer_indicator_get_type ())

G_DECLARE_FINAL_TYPE (GpTimerIndicator, gp_timer_indicator, GP, TIMER_INDICATOR, GtkBox)

void        gp_timer_indicator_set_store      (GpTimerIndicator *self,
                                               GpStore          *store);
const char *gp_timer_indicator_get_ticket_id  (GpTimerIndicator *self);
char       *gp_timer_format_elapsed           (gint64            ms) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
