/* gp-invoice-preview.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-store.h"

G_BEGIN_DECLS

#define GP_TYPE_INVOICE_PREVIEW (gp_invoice_preview_get_type ())

G_DECLARE_FINAL_TYPE (GpInvoicePreview, gp_invoice_preview, GP, INVOICE_PREVIEW, AdwWindow)

GpInvoicePreview *gp_invoice_preview_new          (GtkWindow        *parent,
                                                   GpStore          *store,
                                                   const char       *invoice_id);
guint             gp_invoice_preview_get_n_pages  (GpInvoicePreview *self);
gboolean          gp_invoice_preview_is_ready     (GpInvoicePreview *self);

G_END_DECLS
