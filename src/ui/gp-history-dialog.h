/* gp-history-dialog.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-store.h"

G_BEGIN_DECLS

#define GP_TYPE_HISTORY_DIALOG (gp_history_dialog_get_type ())

G_DECLARE_FINAL_TYPE (GpHistoryDialog, gp_history_dialog, GP, HISTORY_DIALOG, AdwWindow)

GpHistoryDialog *gp_history_dialog_new (GpStore    *store,
                                        const char *table,
                                        const char *id,
                                        const char *title) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
