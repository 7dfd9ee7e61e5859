/* gp-invoice-line-row.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-record.h"

G_BEGIN_DECLS

#define GP_TYPE_INVOICE_LINE_ROW (gp_invoice_line_row_get_type ())

G_DECLARE_FINAL_TYPE (GpInvoiceLineRow, gp_invoice_line_row, GP, INVOICE_LINE_ROW, GtkListBoxRow)

GpInvoiceLineRow *gp_invoice_line_row_new          (GpRecord         *line,
                                                    const char       *currency) G_GNUC_WARN_UNUSED_RESULT;
const char       *gp_invoice_line_row_get_id       (GpInvoiceLineRow *self);
void              gp_invoice_line_row_set_currency (GpInvoiceLineRow *self,
                                                    const char       *currency);
void              gp_invoice_line_row_set_locked   (GpInvoiceLineRow *self,
                                                    gboolean          locked);
JsonObject       *gp_invoice_line_row_dup_fields   (GpInvoiceLineRow *self,
                                                    gboolean          mark_errors,
                                                    GError          **error);
void              gp_invoice_line_row_set_id       (GpInvoiceLineRow *self,
                                                    const char       *id);
void              gp_invoice_line_row_set_net      (GpInvoiceLineRow *self,
                                                    const char       *text);
char             *gp_invoice_line_row_dup_state    (GpInvoiceLineRow *self);

G_END_DECLS
