/* gp-money.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* All invoice arithmetic, in exact integers.
 *
 * Amounts are integer minor units of the invoice currency (cents; yen; fils), quantities
 * are milli-units (1 hour = 1000), discounts and tax rates are basis points (1/100 of a
 * percent; 10000 = 100 %).
 *
 * Per line, with every step rounded half away from zero to a whole minor unit
 * (0.5 -> 1, -0.5 -> -1, 0.49 -> 0):
 *
 *   gross    = round (quantity * unit_price / 1000)
 *   discount = round (gross * discount_bp / 10000)      0 <= discount_bp <= 10000
 *   net      = gross - discount
 *   tax      = round (net * tax_rate_bp / 10000)        0 <= tax_rate_bp <= 10000
 *
 * Tax is computed on the discounted net, per line. An invoice's totals are the sums of its
 * lines: subtotal = Σ gross, discount = Σ discount, tax = Σ tax,
 * total = subtotal - discount + tax. Intermediate products use 128-bit integers, so any
 * amount up to ±10^15 minor units per value works; a result that does not fit in 64 bits
 * is reported as GP_STORE_ERROR_INVALID instead of wrapping. */

/* The largest magnitude the store accepts for an amount or a quantity. */
#define GP_MONEY_MAX_AMOUNT G_GINT64_CONSTANT (1000000000000000)

typedef struct
{
  gint64 subtotal;
  gint64 discount;
  gint64 tax;
  gint64 total;
} GpInvoiceTotals;

gboolean  gp_invoice_line_compute      (gint64           quantity_milli,
                                        gint64           unit_price,
                                        gint64           discount_bp,
                                        gint64           tax_rate_bp,
                                        gint64          *net,
                                        gint64          *tax,
                                        GError         **error);
gboolean  gp_invoice_line_compute_full (gint64           quantity_milli,
                                        gint64           unit_price,
                                        gint64           discount_bp,
                                        gint64           tax_rate_bp,
                                        gint64          *gross,
                                        gint64          *discount,
                                        gint64          *net,
                                        gint64          *tax,
                                        GError         **error);
gboolean  gp_invoice_compute_totals    (GPtrArray       *lines,
                                        GpInvoiceTotals *out,
                                        GError         **error);

guint     gp_money_get_minor_digits    (const char      *currency);
gboolean  gp_money_is_valid_currency   (const char      *currency);
char     *gp_money_format              (gint64           minor,
                                        const char      *currency) G_GNUC_WARN_UNUSED_RESULT;
gboolean  gp_money_parse               (const char      *text,
                                        const char      *currency,
                                        gint64          *minor,
                                        GError         **error);

G_END_DECLS
