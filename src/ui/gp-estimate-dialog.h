/* gp-estimate-dialog.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-store.h"

G_BEGIN_DECLS

#define GP_TYPE_ESTIMATE_DIALOG (gp_estimate_dialog_get_type ())

G_DECLARE_FINAL_TYPE (GpEstimateDialog, gp_estimate_dialog, GP, ESTIMATE_DIALOG, AdwWindow)

GpEstimateDialog *gp_estimate_dialog_new             (GpStore          *store,
                                                      const char       *currency) G_GNUC_WARN_UNUSED_RESULT;
void              gp_estimate_dialog_set_description (GpEstimateDialog *self,
                                                      const char       *description);

G_END_DECLS
