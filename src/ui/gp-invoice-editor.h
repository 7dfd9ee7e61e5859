/* gp-invoice-editor.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gp-editor.h"

G_BEGIN_DECLS

#define GP_TYPE_INVOICE_EDITOR (gp_invoice_editor_get_type ())

G_DECLARE_FINAL_TYPE (GpInvoiceEditor, gp_invoice_editor, GP, INVOICE_EDITOR, GpEditor)

GpInvoiceEditor *gp_invoice_editor_new (GpStore    *store,
                                        GpRecord   *record,
                                        GListModel *clients) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
