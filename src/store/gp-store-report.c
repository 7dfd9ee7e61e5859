/* gp-store-report.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The dashboard's figures as one read command on the store thread. Invoice totals are
 * computed with gp-money.h's per-line rules, exactly as the invoice shows them; SQLite only
 * selects the rows. */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-store-report.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "gp-money.h"
#include "gp-store-private.h"

#define TOP_CLIENTS 5

static void
report_month_free (GpReportMonth *month)
{
  g_free (month->month);
  g_free (month->currency);
  g_free (month);
}

static void
report_currency_free (GpReportCurrency *currency)
{
  g_free (currency->currency);
  g_free (currency);
}

static void
report_client_free (GpReportClient *client)
{
  if (client == NULL)
    return;
  g_free (client->client_id);
  g_free (client->name);
  g_free (client->currency);
  g_free (client);
}

/**
 * gp_report_free:
 * @self: (transfer full): a #GpReport
 *
 * Frees @self.
 */
void
gp_report_free (GpReport *self)
{
  if (self == NULL)
    return;
  g_free (self->today);
  g_clear_pointer (&self->months, g_ptr_array_unref);
  g_strfreev (self->month_names);
  g_clear_pointer (&self->currencies, g_ptr_array_unref);
  g_clear_pointer (&self->top_clients, g_ptr_array_unref);
  g_free (self);
}

/**
 * gp_report_lookup_currency:
 * @self: a #GpReport
 * @currency: a currency code
 *
 * Returns: (transfer none) (nullable): the totals in @currency, if there are any
 */
GpReportCurrency *
gp_report_lookup_currency (GpReport   *self,
                           const char *currency)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->currencies->len; i++)
    {
      GpReportCurrency *c = g_ptr_array_index (self->currencies, i);

      if (g_strcmp0 (c->currency, currency) == 0)
        return c;
    }
  return NULL;
}

static GpReportCurrency *
ensure_currency (GpReport   *report,
                 const char *currency)
{
  GpReportCurrency *c = gp_report_lookup_currency (report, currency);

  if (c == NULL)
    {
      c = g_new0 (GpReportCurrency, 1);
      c->currency = g_strdup (currency);
      g_ptr_array_add (report->currencies, c);
    }
  return c;
}

static gboolean
parse_day (const char *text,
           GDate      *date)
{
  guint y, m, d;
  char tail;

  g_date_clear (date, 1);
  if (text == NULL || sscanf (text, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
      !g_date_valid_dmy ((GDateDay)d, (GDateMonth)m, (GDateYear)y))
    return FALSE;
  g_date_set_dmy (date, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
  return TRUE;
}

typedef struct
{
  char  *today;
  guint  n_months;
} ReportData;

static void
report_data_free (ReportData *data)
{
  g_free (data->today);
  g_free (data);
}

/* One invoice being added up from its lines. */
typedef struct
{
  char   *id;
  char   *client_id;
  char   *client_name;
  char   *currency;
  char   *status;
  char   *issued_on;
  char   *due_on;
  gint64  net;
  gint64  total;
} Invoice;

static void
invoice_clear (Invoice *invoice)
{
  g_clear_pointer (&invoice->id, g_free);
  g_clear_pointer (&invoice->client_id, g_free);
  g_clear_pointer (&invoice->client_name, g_free);
  g_clear_pointer (&invoice->currency, g_free);
  g_clear_pointer (&invoice->status, g_free);
  g_clear_pointer (&invoice->issued_on, g_free);
  g_clear_pointer (&invoice->due_on, g_free);
  invoice->net = invoice->total = 0;
}

static void
add_client_revenue (GHashTable *clients,
                    Invoice    *invoice)
{
  g_autofree char *key = g_strdup_printf ("%s\x1f%s", invoice->client_id != NULL ? invoice->client_id : "",
                                          invoice->currency);
  GpReportClient *client = g_hash_table_lookup (clients, key);

  if (client == NULL)
    {
      client = g_new0 (GpReportClient, 1);
      client->client_id = g_strdup (invoice->client_id);
      client->name = g_strdup (invoice->client_name != NULL ? invoice->client_name : "");
      client->currency = g_strdup (invoice->currency);
      g_hash_table_insert (clients, g_steal_pointer (&key), client);
    }
  client->revenue += invoice->net;
}

static void
finish_invoice (GpReport   *report,
                GHashTable *month_index,
                GHashTable *clients,
                const char *first_month,
                GDate      *today,
                Invoice    *invoice)
{
  GpReportCurrency *c;
  g_autofree char *month = NULL;

  if (invoice->id == NULL)
    return;

  c = ensure_currency (report, invoice->currency);

  month = invoice->issued_on != NULL ? g_strndup (invoice->issued_on, 7) : NULL;
  if (month != NULL && strcmp (month, first_month) >= 0 && strcmp (month, report->today) <= 0)
    {
      g_autofree char *key = g_strdup_printf ("%s\x1f%s", month, invoice->currency);
      GpReportMonth *entry = g_hash_table_lookup (month_index, key);

      if (entry == NULL)
        {
          /* A currency first seen here: give it a zero for every month. */
          for (guint i = 0; report->month_names[i] != NULL; i++)
            {
              GpReportMonth *m = g_new0 (GpReportMonth, 1);

              m->month = g_strdup (report->month_names[i]);
              m->currency = g_strdup (invoice->currency);
              g_ptr_array_add (report->months, m);
              g_hash_table_insert (month_index, g_strdup_printf ("%s\x1f%s", m->month, m->currency), m);
            }
          entry = g_hash_table_lookup (month_index, key);
        }
      g_assert (entry != NULL);
      entry->revenue += invoice->net;
      c->revenue += invoice->net;
      add_client_revenue (clients, invoice);
    }

  if (g_strcmp0 (invoice->status, "sent") == 0)
    {
      GDate due;
      gint days = 0;
      GpReportAge age;

      c->outstanding += invoice->total;
      c->n_outstanding++;
      if (parse_day (invoice->due_on, &due))
        days = g_date_days_between (&due, today);
      if (days > 0)
        {
          c->overdue += invoice->total;
          c->n_overdue++;
        }
      if (days <= 30)
        age = GP_REPORT_AGE_0_30;
      else if (days <= 60)
        age = GP_REPORT_AGE_31_60;
      else if (days <= 90)
        age = GP_REPORT_AGE_61_90;
      else
        age = GP_REPORT_AGE_OVER_90;
      c->aging[age] += invoice->total;
    }

  invoice_clear (invoice);
}

static gboolean
step_ok (GpStoreTxn  *txn,
         int          rc,
         GError     **error)
{
  if (rc == SQLITE_DONE)
    return TRUE;
  _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, "report");
  return FALSE;
}

static int
compare_currencies (gconstpointer a,
                    gconstpointer b)
{
  const GpReportCurrency *x = *(GpReportCurrency **)a, *y = *(GpReportCurrency **)b;

  return strcmp (x->currency, y->currency);
}

static int
compare_months (gconstpointer a,
                gconstpointer b)
{
  const GpReportMonth *x = *(GpReportMonth **)a, *y = *(GpReportMonth **)b;
  int by_month = strcmp (x->month, y->month);

  return by_month != 0 ? by_month : strcmp (x->currency, y->currency);
}

static int
compare_clients (gconstpointer a,
                 gconstpointer b)
{
  const GpReportClient *x = *(GpReportClient **)a, *y = *(GpReportClient **)b;
  int by_currency = strcmp (x->currency, y->currency);

  if (by_currency != 0)
    return by_currency;
  if (x->revenue != y->revenue)
    return x->revenue > y->revenue ? -1 : 1;
  return g_strcmp0 (x->name, y->name);
}

static gboolean
report_run (GpStoreTxn  *txn,
            gpointer     user_data,
            GError     **error)
{
  ReportData *data = user_data;
  g_autoptr(GpReport) report = g_new0 (GpReport, 1);
  g_autoptr(GHashTable) month_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GStrvBuilder) months = g_strv_builder_new ();
  g_autoptr(GPtrArray) all_clients = NULL;
  Invoice invoice = { 0 };
  const char *previous_currency = NULL;
  GDate today, first;
  sqlite3_stmt *stmt;
  int rc;

  if (!parse_day (data->today, &today))
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID, _("“%s” is not a date; use YYYY-MM-DD."),
                   data->today);
      return FALSE;
    }

  report->today = g_strdup (data->today);
  report->months = g_ptr_array_new_with_free_func ((GDestroyNotify)report_month_free);
  report->currencies = g_ptr_array_new_with_free_func ((GDestroyNotify)report_currency_free);
  report->top_clients = g_ptr_array_new_with_free_func ((GDestroyNotify)report_client_free);

  first = today;
  g_date_set_day (&first, 1);
  g_date_subtract_months (&first, data->n_months - 1);
  for (guint i = 0; i < data->n_months; i++)
    {
      GDate d = first;
      g_autofree char *name = NULL;

      g_date_add_months (&d, i);
      name = g_strdup_printf ("%04u-%02u", g_date_get_year (&d), g_date_get_month (&d));
      g_strv_builder_add (months, name);
    }
  report->month_names = g_strv_builder_end (months);

  /* Issued invoices (sent or paid) with their lines, one invoice after another. */
  stmt = _gp_store_txn_prepare (txn,
                                "SELECT i.id, i.client_id, c.name, i.currency, i.status, i.issued_on, i.due_on, "
                                "l.quantity, l.unit_price, l.discount, l.tax_rate "
                                "FROM invoices i "
                                "LEFT JOIN invoice_lines l ON l.invoice_id = i.id AND l._status != 'deleted' "
                                "LEFT JOIN clients c ON c.id = i.client_id "
                                "WHERE i._status != 'deleted' AND i.status IN ('sent', 'paid') "
                                "ORDER BY i.id",
                                error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *)sqlite3_column_text (stmt, 0);
      gint64 net = 0, tax = 0;

      if (g_strcmp0 (id, invoice.id) != 0)
        {
          finish_invoice (report, month_index, clients, report->month_names[0], &today, &invoice);
          invoice.id = g_strdup (id);
          invoice.client_id = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
          invoice.client_name = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
          invoice.currency = g_strdup ((const char *)sqlite3_column_text (stmt, 3));
          invoice.status = g_strdup ((const char *)sqlite3_column_text (stmt, 4));
          invoice.issued_on = g_strdup ((const char *)sqlite3_column_text (stmt, 5));
          invoice.due_on = g_strdup ((const char *)sqlite3_column_text (stmt, 6));
          if (invoice.currency == NULL)
            invoice.currency = g_strdup ("EUR");
        }
      if (sqlite3_column_type (stmt, 7) == SQLITE_NULL)
        continue;
      if (!gp_invoice_line_compute (sqlite3_column_int64 (stmt, 7), sqlite3_column_int64 (stmt, 8),
                                    sqlite3_column_int64 (stmt, 9), sqlite3_column_int64 (stmt, 10),
                                    &net, &tax, error))
        {
          sqlite3_finalize (stmt);
          invoice_clear (&invoice);
          return FALSE;
        }
      invoice.net += net;
      invoice.total += net + tax;
    }
  sqlite3_finalize (stmt);
  finish_invoice (report, month_index, clients, report->month_names[0], &today, &invoice);
  if (!step_ok (txn, rc, error))
    return FALSE;

  /* Unbilled billable time, valued at the entry's rate or else the client's, in the
   * client's currency. */
  stmt = _gp_store_txn_prepare (txn,
                                "SELECT c.currency, sum (e.duration_ms), "
                                "  sum (e.duration_ms * coalesce (e.hourly_rate, c.hourly_rate)), "
                                "  sum (CASE WHEN coalesce (e.hourly_rate, c.hourly_rate) IS NULL THEN e.duration_ms ELSE 0 END) "
                                "FROM time_entries e JOIN tickets t ON t.id = e.ticket_id "
                                "LEFT JOIN clients c ON c.id = t.client_id "
                                "WHERE e._status != 'deleted' AND e.billable = 1 AND e.billed_invoice_id IS NULL "
                                "AND e.ended_at IS NOT NULL "
                                "GROUP BY c.currency",
                                error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *currency = (const char *)sqlite3_column_text (stmt, 0);

      report->unbilled_ms += sqlite3_column_int64 (stmt, 1);
      report->unbilled_without_rate_ms += sqlite3_column_int64 (stmt, 3);
      if (currency != NULL && sqlite3_column_type (stmt, 2) != SQLITE_NULL)
        /* Rounded half up to a whole minor unit. */
        ensure_currency (report, currency)->unbilled += (sqlite3_column_int64 (stmt, 2) + 1800000) / 3600000;
      else if (currency == NULL)
        report->unbilled_without_rate_ms += sqlite3_column_int64 (stmt, 1) - sqlite3_column_int64 (stmt, 3);
    }
  sqlite3_finalize (stmt);
  if (!step_ok (txn, rc, error))
    return FALSE;

  g_ptr_array_sort (report->currencies, compare_currencies);
  g_ptr_array_sort (report->months, compare_months);

  {
    GHashTableIter iter;
    gpointer key, value;

    all_clients = g_ptr_array_new_with_free_func ((GDestroyNotify)report_client_free);
    g_hash_table_iter_init (&iter, clients);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        g_ptr_array_add (all_clients, value);
        /* Stealing hands over the key as well as the value. */
        g_hash_table_iter_steal (&iter);
        g_free (key);
      }
  }
  g_ptr_array_sort (all_clients, compare_clients);
  for (guint i = 0, in_currency = 0; i < all_clients->len; i++)
    {
      GpReportClient *client = g_ptr_array_index (all_clients, i);

      /* The previous client may have moved to the report; its currency is still there. */
      if (g_strcmp0 (client->currency, previous_currency) != 0)
        in_currency = 0;
      previous_currency = client->currency;
      if (in_currency++ < TOP_CLIENTS && client->revenue > 0)
        g_ptr_array_add (report->top_clients, g_steal_pointer (&all_clients->pdata[i]));
    }

  _gp_store_txn_set_result (txn, g_steal_pointer (&report), (GDestroyNotify)gp_report_free);
  return TRUE;
}

/**
 * gp_store_report_async:
 * @self: a #GpStore
 * @today: (nullable): the day to report for ("YYYY-MM-DD"); %NULL for today (local time)
 * @n_months: how many months of revenue, ending with @today's month (1 to 120)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the report
 * @user_data: data for @callback
 *
 * Works out the dashboard figures: revenue per month and currency (net, by issue date, for
 * sent and paid invoices), outstanding and overdue totals and receivables aging per
 * currency, the top clients per currency and unbilled time.
 */
void
gp_store_report_async (GpStore             *self,
                       const char          *today,
                       guint                n_months,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  ReportData *data;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (n_months >= 1 && n_months <= 120);

  data = g_new0 (ReportData, 1);
  if (today != NULL)
    data->today = g_strdup (today);
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();

      data->today = g_date_time_format (now, "%Y-%m-%d");
    }
  data->n_months = n_months;
  _gp_store_run_async (self, GP_STORE_COMMAND_READ, report_run, data, (GDestroyNotify)report_data_free,
                       cancellable, callback, user_data, gp_store_report_async);
}

/**
 * gp_store_report_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the report
 */
GpReport *
gp_store_report_finish (GpStore       *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  gpointer report = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_report_async), NULL);

  if (!_gp_store_run_finish (self, result, &report, error))
    return NULL;
  return report;
}
