/* gp-invoice-document.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "gp-billing.h"

G_BEGIN_DECLS

/* An invoice or credit note laid out for paper, drawn with cairo and pango: the same
 * drawing feeds the PDF export, printing (GtkPrintOperation) and the in-app preview.
 * The document is a snapshot (the bundle plus the business details read when it was made),
 * immutable, so it can be drawn on a worker thread. */

#define GP_TYPE_INVOICE_DOCUMENT (gp_invoice_document_get_type ())

G_DECLARE_FINAL_TYPE (GpInvoiceDocument, gp_invoice_document, GP, INVOICE_DOCUMENT, GObject)

GpInvoiceDocument *gp_invoice_document_new           (GpInvoiceBundle     *bundle,
                                                      GSettings           *settings) G_GNUC_WARN_UNUSED_RESULT;
GpInvoiceBundle   *gp_invoice_document_get_bundle    (GpInvoiceDocument   *self);
guint              gp_invoice_document_count_pages   (GpInvoiceDocument   *self,
                                                      double               width,
                                                      double               height);
void               gp_invoice_document_draw_page     (GpInvoiceDocument   *self,
                                                      cairo_t             *cr,
                                                      double               width,
                                                      double               height,
                                                      guint                page);
gboolean           gp_invoice_document_write_pdf     (GpInvoiceDocument   *self,
                                                      const char          *path,
                                                      GtkPaperSize        *paper,
                                                      GError             **error);
void               gp_invoice_document_write_pdf_async  (GpInvoiceDocument   *self,
                                                         const char          *path,
                                                         GtkPaperSize        *paper,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean           gp_invoice_document_write_pdf_finish (GpInvoiceDocument   *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);
GdkTexture        *gp_invoice_document_render_page   (GpInvoiceDocument   *self,
                                                      GtkPaperSize        *paper,
                                                      int                  width_px,
                                                      guint                page) G_GNUC_WARN_UNUSED_RESULT;
GtkPrintOperation *gp_invoice_document_create_print_operation (GpInvoiceDocument *self) G_GNUC_WARN_UNUSED_RESULT;
char              *gp_invoice_document_suggest_filename (GpInvoiceDocument *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
