/* gp-store-report.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gp-store.h"

G_BEGIN_DECLS

/* Dashboard figures, worked out on the store thread. Amounts are integer minor units and are
 * never added up across currencies: every figure carries its currency. */

/**
 * GpReportMonth:
 * @month: "YYYY-MM"
 * @currency: the currency
 * @revenue: the net amount (before tax) of the invoices issued that month (sent or paid)
 */
typedef struct
{
  char   *month;
  char   *currency;
  gint64  revenue;
} GpReportMonth;

/* Receivables aging by days past the due date; invoices not yet due count as 0–30. */
typedef enum
{
  GP_REPORT_AGE_0_30,
  GP_REPORT_AGE_31_60,
  GP_REPORT_AGE_61_90,
  GP_REPORT_AGE_OVER_90,
  GP_REPORT_N_AGES,
} GpReportAge;

/**
 * GpReportCurrency:
 * @currency: the currency
 * @revenue: the net amount invoiced over the report's months
 * @outstanding: the total (with tax) of sent, unpaid invoices
 * @n_outstanding: how many
 * @overdue: the part of @outstanding past its due date
 * @n_overdue: how many
 * @aging: @outstanding split by days past due
 * @unbilled: the value of unbilled billable time, at the entry's or the client's rate
 */
typedef struct
{
  char   *currency;
  gint64  revenue;
  gint64  outstanding;
  guint   n_outstanding;
  gint64  overdue;
  guint   n_overdue;
  gint64  aging[GP_REPORT_N_AGES];
  gint64  unbilled;
} GpReportCurrency;

/**
 * GpReportClient:
 * @client_id: the client
 * @name: its name
 * @currency: the currency of @revenue
 * @revenue: the net amount invoiced to the client over the report's months
 */
typedef struct
{
  char   *client_id;
  char   *name;
  char   *currency;
  gint64  revenue;
} GpReportClient;

/**
 * GpReport:
 * @today: the day the report is for, "YYYY-MM-DD"
 * @months: (element-type GpReportMonth): one entry per month (oldest first) and currency,
 *   zero-filled, for the report's months
 * @month_names: the report's months, oldest first ("YYYY-MM")
 * @currencies: (element-type GpReportCurrency): the totals per currency, sorted by code
 * @top_clients: (element-type GpReportClient): up to five clients per currency, by revenue
 * @unbilled_ms: billable time not yet billed (finished entries)
 * @unbilled_without_rate_ms: the part of it that has no rate (no value can be given)
 */
typedef struct
{
  char      *today;
  GPtrArray *months;
  GStrv      month_names;
  GPtrArray *currencies;
  GPtrArray *top_clients;
  gint64     unbilled_ms;
  gint64     unbilled_without_rate_ms;
} GpReport;

void      gp_report_free           (GpReport            *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpReport, gp_report_free)

GpReportCurrency *gp_report_lookup_currency (GpReport   *self,
                                             const char *currency);

void      gp_store_report_async    (GpStore             *self,
                                    const char          *today,
                                    guint                n_months,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
GpReport *gp_store_report_finish   (GpStore             *self,
                                    GAsyncResult        *result,
                                    GError             **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
