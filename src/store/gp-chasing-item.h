/* gp-chasing-item.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gp-billing.h"

G_BEGIN_DECLS

#define GP_TYPE_CHASING_ITEM (gp_chasing_item_get_type ())

G_DECLARE_FINAL_TYPE (GpChasingItem, gp_chasing_item, GP, CHASING_ITEM, GObject)

GpChasingItem         *gp_chasing_item_new        (GpInvoiceBundle       *bundle,
                                                   const GpChasingStatus *status) G_GNUC_WARN_UNUSED_RESULT;
GpInvoiceBundle       *gp_chasing_item_get_bundle (GpChasingItem         *self);
const GpChasingStatus *gp_chasing_item_get_status (GpChasingItem         *self);
const char            *gp_chasing_item_get_invoice_id (GpChasingItem     *self);

G_END_DECLS
