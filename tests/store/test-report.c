/* test-report.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gp-store-report.h"
#include "gp-store-test-utils.h"
#include "gp-store-time.h"
#include "gp-store.h"

#define HOUR G_GINT64_CONSTANT (3600000)

static char *
save_ok (GpStore    *store,
         const char *table,
         const char *format,
         ...) G_GNUC_PRINTF (3, 4);

static char *
save_ok (GpStore    *store,
         const char *table,
         const char *format,
         ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  va_list args;
  char *id;

  va_start (args, format);
  json = g_strdup_vprintf (format, args);
  va_end (args);
  id = gp_test_save (store, table, NULL, json, &error);
  g_assert_no_error (error);
  return id;
}

/* An invoice with one line. */
static void
invoice (GpStore    *store,
         const char *client,
         const char *status,
         const char *issued_on,
         const char *due_on,
         gint64      quantity,
         gint64      unit_price,
         gint64      discount,
         gint64      tax_rate)
{
  g_autofree char *id = save_ok (store, "invoices",
                                 "{\"client_id\": \"%s\", \"status\": \"draft\", \"issued_on\": \"%s\", \"due_on\": \"%s\"}",
                                 client, issued_on, due_on);
  g_autofree char *line = save_ok (store, "invoice_lines",
                                   "{\"invoice_id\": \"%s\", \"description\": \"Work\", \"quantity\": %" G_GINT64_FORMAT
                                   ", \"unit_price\": %" G_GINT64_FORMAT ", \"discount\": %" G_GINT64_FORMAT
                                   ", \"tax_rate\": %" G_GINT64_FORMAT "}",
                                   id, quantity, unit_price, discount, tax_rate);
  g_autofree char *json = g_strdup_printf ("{\"status\": \"%s\"}", status);

  /* Issued after its line is written: an issued invoice's lines are fixed. */
  g_free (gp_test_save (store, "invoices", id, json, NULL));
}

static void
add_time (GpStore    *store,
          const char *ticket,
          gint64      duration,
          gboolean    billable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *id = NULL;

  gp_store_add_time_async (store, ticket, 1772409600000, duration, NULL, billable, NULL, gp_test_result_cb, &result);
  id = gp_store_add_time_finish (store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
}

static GpReport *
report (GpStore    *store,
        const char *today,
        guint       n_months)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GpReport *report;

  gp_store_report_async (store, today, n_months, NULL, gp_test_result_cb, &result);
  report = gp_store_report_finish (store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  return report;
}

static void
check_month (GpReport   *r,
             guint       index,
             const char *month,
             const char *currency,
             gint64      revenue)
{
  GpReportMonth *m = g_ptr_array_index (r->months, index);

  g_assert_cmpstr (m->month, ==, month);
  g_assert_cmpstr (m->currency, ==, currency);
  g_assert_cmpint (m->revenue, ==, revenue);
}

static void
check_client (GpReport   *r,
              guint       index,
              const char *name,
              const char *currency,
              gint64      revenue)
{
  GpReportClient *c = g_ptr_array_index (r->top_clients, index);

  g_assert_cmpstr (c->name, ==, name);
  g_assert_cmpstr (c->currency, ==, currency);
  g_assert_cmpint (c->revenue, ==, revenue);
}

static void
test_report_seeded (void)
{
  g_autofree char *dir = gp_test_make_dir ();
  g_autofree char *path = g_build_filename (dir, "gigpilot.db", NULL);
  GpStore *store = gp_test_open_store (path);
  g_autofree char *acme = NULL, *beta = NULL, *gamma = NULL, *acme_ticket = NULL, *beta_ticket = NULL;
  g_autoptr(GpReport) r = NULL;
  g_autoptr(GpReport) empty = NULL;
  const char * const months[] = { "2026-01", "2026-02", "2026-03", NULL };
  GpReportCurrency *eur, *usd;

  acme = save_ok (store, "clients", "{\"name\": \"Acme\", \"currency\": \"EUR\", \"hourly_rate\": 9000}");
  beta = save_ok (store, "clients", "{\"name\": \"Beta\", \"currency\": \"USD\"}");
  gamma = save_ok (store, "clients", "{\"name\": \"Gamma\", \"currency\": \"EUR\"}");

  /* 2 × €100.00 + 20 % tax, paid: revenue counts the net €200.00. */
  invoice (store, acme, "paid", "2026-01-10", "2026-02-10", 2000, 10000, 0, 2000);
  /* €500.00 + 19 %, due 12 days ago: outstanding €595.00, overdue, 0–30. */
  invoice (store, acme, "sent", "2026-02-01", "2026-03-03", 1000, 50000, 0, 1900);
  /* Issued before the window, due 73 days ago: 61–90. */
  invoice (store, gamma, "sent", "2025-12-01", "2026-01-01", 1000, 30000, 0, 0);
  invoice (store, gamma, "paid", "2026-03-05", "2026-03-20", 3000, 4000, 0, 0);
  /* $1,000.00 − 10 %, not due yet: 0–30, not overdue. */
  invoice (store, beta, "sent", "2026-03-01", "2026-03-31", 1000, 100000, 1000, 0);
  /* Due 134 days ago: 90+. */
  invoice (store, beta, "sent", "2025-10-01", "2025-11-01", 1000, 5000, 0, 0);
  /* Drafts and void invoices are no revenue and owe nothing. */
  invoice (store, acme, "draft", "2026-03-01", "2026-03-31", 1000, 777700, 0, 0);
  invoice (store, acme, "void", "2026-03-01", "2026-03-31", 1000, 888800, 0, 0);

  acme_ticket = save_ok (store, "tickets", "{\"client_id\": \"%s\", \"title\": \"Acme work\"}", acme);
  beta_ticket = save_ok (store, "tickets", "{\"client_id\": \"%s\", \"title\": \"Beta work\"}", beta);
  add_time (store, acme_ticket, 2 * HOUR, TRUE);
  add_time (store, acme_ticket, HOUR, FALSE);
  add_time (store, beta_ticket, HOUR / 2, TRUE);

  r = report (store, "2026-03-15", 3);
  g_assert_cmpstrv (r->month_names, months);

  /* Zero-filled, per month and currency, never mixed. */
  g_assert_cmpuint (r->months->len, ==, 6);
  check_month (r, 0, "2026-01", "EUR", 20000);
  check_month (r, 1, "2026-01", "USD", 0);
  check_month (r, 2, "2026-02", "EUR", 50000);
  check_month (r, 3, "2026-02", "USD", 0);
  check_month (r, 4, "2026-03", "EUR", 12000);
  check_month (r, 5, "2026-03", "USD", 90000);

  g_assert_cmpuint (r->currencies->len, ==, 2);
  eur = gp_report_lookup_currency (r, "EUR");
  usd = gp_report_lookup_currency (r, "USD");
  g_assert_cmpint (eur->revenue, ==, 82000);
  g_assert_cmpint (eur->outstanding, ==, 89500);
  g_assert_cmpuint (eur->n_outstanding, ==, 2);
  g_assert_cmpint (eur->overdue, ==, 89500);
  g_assert_cmpuint (eur->n_overdue, ==, 2);
  g_assert_cmpint (eur->aging[GP_REPORT_AGE_0_30], ==, 59500);
  g_assert_cmpint (eur->aging[GP_REPORT_AGE_31_60], ==, 0);
  g_assert_cmpint (eur->aging[GP_REPORT_AGE_61_90], ==, 30000);
  g_assert_cmpint (eur->aging[GP_REPORT_AGE_OVER_90], ==, 0);
  g_assert_cmpint (eur->unbilled, ==, 18000);

  g_assert_cmpint (usd->revenue, ==, 90000);
  g_assert_cmpint (usd->outstanding, ==, 95000);
  g_assert_cmpuint (usd->n_outstanding, ==, 2);
  g_assert_cmpint (usd->overdue, ==, 5000);
  g_assert_cmpuint (usd->n_overdue, ==, 1);
  g_assert_cmpint (usd->aging[GP_REPORT_AGE_0_30], ==, 90000);
  g_assert_cmpint (usd->aging[GP_REPORT_AGE_OVER_90], ==, 5000);
  g_assert_cmpint (usd->unbilled, ==, 0);

  g_assert_cmpuint (r->top_clients->len, ==, 3);
  check_client (r, 0, "Acme", "EUR", 70000);
  check_client (r, 1, "Gamma", "EUR", 12000);
  check_client (r, 2, "Beta", "USD", 90000);

  g_assert_cmpint (r->unbilled_ms, ==, 2 * HOUR + HOUR / 2);
  g_assert_cmpint (r->unbilled_without_rate_ms, ==, HOUR / 2);

  /* A month later the aging moves on and February leaves a two-month window. */
  g_clear_pointer (&r, gp_report_free);
  r = report (store, "2026-04-15", 2);
  eur = gp_report_lookup_currency (r, "EUR");
  g_assert_cmpint (eur->aging[GP_REPORT_AGE_31_60], ==, 59500);
  g_assert_cmpint (eur->aging[GP_REPORT_AGE_OVER_90], ==, 30000);
  g_assert_cmpint (eur->revenue, ==, 12000);

  gp_test_close_store (store);
  g_free (path);
  path = g_build_filename (dir, "empty.db", NULL);
  store = gp_test_open_store (path);
  empty = report (store, "2026-03-15", 12);
  g_assert_cmpuint (empty->currencies->len, ==, 0);
  g_assert_cmpuint (empty->months->len, ==, 0);
  g_assert_cmpuint (g_strv_length (empty->month_names), ==, 12);
  gp_test_close_store (store);
  gp_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/report/seeded", test_report_seeded);

  return g_test_run ();
}
