/* gp-conflict-dialog.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-store-sync.h"

G_BEGIN_DECLS

#define GP_TYPE_CONFLICT_DIALOG (gp_conflict_dialog_get_type ())

G_DECLARE_FINAL_TYPE (GpConflictDialog, gp_conflict_dialog, GP, CONFLICT_DIALOG, AdwWindow)

GpConflictDialog *gp_conflict_dialog_new (GpStore          *store,
                                          const GpConflict *conflict) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
