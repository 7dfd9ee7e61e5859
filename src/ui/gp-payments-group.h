/* gp-payments-group.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-store.h"

G_BEGIN_DECLS

#define GP_TYPE_PAYMENTS_GROUP (gp_payments_group_get_type ())

G_DECLARE_FINAL_TYPE (GpPaymentsGroup, gp_payments_group, GP, PAYMENTS_GROUP, AdwPreferencesGroup)

GpPaymentsGroup *gp_payments_group_new    (GpStore         *store,
                                           const char      *invoice_id);
void             gp_payments_group_reload (GpPaymentsGroup *self);

G_END_DECLS
