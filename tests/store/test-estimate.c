/* test-estimate.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "gp-store-estimate.h"
#include "gp-store-test-utils.h"
#include "gp-store-time.h"
#include "gp-store.h"

typedef struct
{
  char    *dir;
  char    *path;
  GpStore *store;
  /* The seeded history; the right matches are known. */
  char    *logo_bakery;      /* EUR 500.00, "Logo design for bakery" */
  char    *logo_brand;       /* EUR 800.00, "Logo design and brand guide" */
  char    *logo_redesign;    /* EUR 600.00, "Logo redesign": shares only "logo" */
  char    *website;          /* EUR 800.00, unrelated */
  char    *server;           /* EUR 1,200.00, unrelated */
  char    *logo_usd;         /* USD 999.00, another currency */
  char    *logo_void;        /* EUR 10,000.00 on a void invoice: never a price */
  char    *logo_ticket;      /* 4 h logged */
  char    *outage_ticket;
} Fixture;

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

static char *
line (Fixture    *f,
      const char *invoice,
      const char *description,
      gint64      unit_price)
{
  return save_ok (f->store, "invoice_lines",
                  "{\"invoice_id\": \"%s\", \"description\": \"%s\", \"quantity\": 1000, \"unit_price\": %" G_GINT64_FORMAT "}",
                  invoice, description, unit_price);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *acme = NULL, *beta = NULL, *eur1 = NULL, *eur2 = NULL, *usd = NULL, *voided = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *entry = NULL;

  f->dir = gp_test_make_dir ();
  f->path = g_build_filename (f->dir, "gigpilot.db", NULL);
  f->store = gp_test_open_store (f->path);

  acme = save_ok (f->store, "clients", "{\"name\": \"Acme\", \"currency\": \"EUR\", \"hourly_rate\": 9000}");
  beta = save_ok (f->store, "clients", "{\"name\": \"Beta\", \"currency\": \"USD\"}");
  eur1 = save_ok (f->store, "invoices", "{\"client_id\": \"%s\", \"number\": \"2026-001\", \"status\": \"draft\"}", acme);
  eur2 = save_ok (f->store, "invoices", "{\"client_id\": \"%s\", \"number\": \"2026-002\", \"status\": \"draft\"}", acme);
  usd = save_ok (f->store, "invoices", "{\"client_id\": \"%s\", \"number\": \"2026-003\", \"status\": \"draft\"}", beta);
  voided = save_ok (f->store, "invoices", "{\"client_id\": \"%s\", \"number\": \"2026-004\", \"status\": \"draft\"}", acme);

  f->logo_bakery = line (f, eur1, "Logo design for bakery", 50000);
  f->logo_brand = line (f, eur1, "Logo design and brand guide", 80000);
  f->logo_redesign = line (f, eur2, "Logo redesign", 60000);
  f->website = line (f, eur2, "Website maintenance March", 80000);
  f->server = line (f, eur2, "Server migration to new host", 120000);
  f->logo_usd = line (f, usd, "Logo design", 99900);
  f->logo_void = line (f, voided, "Logo design", 1000000);
  /* Lines are written while the invoices are drafts; issued invoices' lines are fixed. The
   * second one stays a draft, so the edits below are allowed. */
  g_free (gp_test_save (f->store, "invoices", eur1, "{\"status\": \"paid\"}", NULL));
  g_free (gp_test_save (f->store, "invoices", usd, "{\"status\": \"sent\"}", NULL));
  g_free (gp_test_save (f->store, "invoices", voided, "{\"status\": \"void\"}", NULL));

  f->logo_ticket = save_ok (f->store, "tickets",
                            "{\"client_id\": \"%s\", \"title\": \"Logo design for Acme\", \"body\": \"Three drafts\"}", acme);
  f->outage_ticket = save_ok (f->store, "tickets", "{\"client_id\": \"%s\", \"title\": \"Website outage\"}", acme);
  gp_store_add_time_async (f->store, f->logo_ticket, 1772409600000, 4 * 3600000, NULL, TRUE, NULL,
                           gp_test_result_cb, &result);
  entry = gp_store_add_time_finish (f->store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gp_test_close_store (g_steal_pointer (&f->store));
  gp_test_remove_dir (f->dir);
  g_free (f->path);
  g_free (f->dir);
  g_free (f->logo_bakery);
  g_free (f->logo_brand);
  g_free (f->logo_redesign);
  g_free (f->website);
  g_free (f->server);
  g_free (f->logo_usd);
  g_free (f->logo_void);
  g_free (f->logo_ticket);
  g_free (f->outage_ticket);
}

static GpEstimate *
estimate (GpStore    *store,
          const char *text,
          const char *currency)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GpEstimate *estimate;

  gp_store_estimate_async (store, text, currency, NULL, gp_test_result_cb, &result);
  estimate = gp_store_estimate_finish (store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (estimate);
  g_assert_nonnull (estimate->explanation);
  return estimate;
}

static GpEstimateMatch *
find_match (GpEstimate *estimate,
            const char *id,
            guint      *index)
{
  for (guint i = 0; i < estimate->matches->len; i++)
    {
      GpEstimateMatch *match = g_ptr_array_index (estimate->matches, i);

      if (g_strcmp0 (match->id, id) == 0)
        {
          if (index != NULL)
            *index = i;
          return match;
        }
    }
  return NULL;
}

static void
test_split_terms (void)
{
  g_auto(GStrv) terms = gp_estimate_split_terms ("Logo-Design for a Café, logo again!");
  const char * const expected[] = { "logo", "design", "café", "again", NULL };

  g_assert_cmpstrv (terms, expected);
}

static void
test_weighted_quantile (void)
{
  const gint64 values[] = { 300, 100, 200 };
  const double weights[] = { 1, 1, 2 };
  const gint64 four[] = { 100, 200, 300, 400 };
  const double equal[] = { 1, 1, 1, 1 };
  gint64 q;

  /* Sorted 100 (1), 200 (2), 300 (1): midpoints at 1/8, 1/2, 7/8 of the weight. */
  g_assert_true (gp_estimate_weighted_quantile (values, weights, 3, 0.5, &q));
  g_assert_cmpint (q, ==, 200);
  g_assert_true (gp_estimate_weighted_quantile (values, weights, 3, 0.25, &q));
  g_assert_cmpint (q, ==, 133);
  g_assert_true (gp_estimate_weighted_quantile (values, weights, 3, 0.75, &q));
  g_assert_cmpint (q, ==, 267);
  g_assert_true (gp_estimate_weighted_quantile (four, equal, 4, 0.5, &q));
  g_assert_cmpint (q, ==, 250);
  g_assert_true (gp_estimate_weighted_quantile (four, equal, 4, 0.25, &q));
  g_assert_cmpint (q, ==, 150);
  g_assert_true (gp_estimate_weighted_quantile (four, equal, 1, 0.9, &q));
  g_assert_cmpint (q, ==, 100);
  g_assert_false (gp_estimate_weighted_quantile (four, equal, 0, 0.5, &q));
}

static void
test_estimate_logo (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GpEstimate) e = estimate (f->store, "Logo design for a coffee shop", "EUR");
  GpEstimateMatch *redesign;
  GpEstimateMatch *ticket;
  GpEstimateMatch *usd;
  const char * const both[] = { "logo", "design", NULL };
  const char * const only_logo[] = { "logo", NULL };
  const gint64 values[] = { 50000, 80000, 60000 };
  double weights[] = { 1, 1, 0 };
  guint redesign_index = 0;
  gint64 low, high;
  /* 9 texts: 7 lines, 2 tickets; "logo" in 6 of them, "design" in 5. */
  double idf_logo = log ((9 - 6 + 0.5) / (6 + 0.5) + 1);
  double idf_design = log ((9 - 5 + 0.5) / (5 + 0.5) + 1);

  /* The full matches come first, in any order among themselves: the two EUR logo lines,
   * the USD one and the ticket; the void invoice's line is not a price anyone paid. */
  g_assert_cmpuint (e->matches->len, ==, 5);
  for (guint i = 0; i < 4; i++)
    {
      GpEstimateMatch *match = g_ptr_array_index (e->matches, i);

      g_assert_cmpfloat_with_epsilon (match->score, 1.0, 1e-9);
      g_assert_cmpstrv (match->matched_terms, both);
      g_assert_true (g_strcmp0 (match->id, f->logo_bakery) == 0 || g_strcmp0 (match->id, f->logo_brand) == 0 ||
                     g_strcmp0 (match->id, f->logo_usd) == 0 || g_strcmp0 (match->id, f->logo_ticket) == 0);
    }
  redesign = find_match (e, f->logo_redesign, &redesign_index);
  g_assert_nonnull (redesign);
  g_assert_cmpuint (redesign_index, ==, 4);
  g_assert_cmpstrv (redesign->matched_terms, only_logo);
  g_assert_cmpfloat_with_epsilon (redesign->score, idf_logo / (idf_logo + idf_design), 1e-9);
  g_assert_cmpfloat (redesign->score, >, GP_ESTIMATE_MIN_SCORE);
  g_assert_null (find_match (e, f->logo_void, NULL));
  g_assert_null (find_match (e, f->website, NULL));
  g_assert_null (find_match (e, f->server, NULL));
  g_assert_null (find_match (e, f->outage_ticket, NULL));

  usd = find_match (e, f->logo_usd, NULL);
  g_assert_cmpstr (usd->currency, ==, "USD");
  g_assert_cmpint (usd->amount, ==, 99900);
  ticket = find_match (e, f->logo_ticket, NULL);
  g_assert_cmpstr (ticket->kind, ==, "ticket");
  g_assert_cmpint (ticket->quantity, ==, 4000);
  g_assert_cmpint (ticket->amount, ==, 36000);   /* 4 h at €90.00 */
  g_assert_cmpstr (ticket->currency, ==, "EUR");

  /* The range: EUR 500, 800 (weight 1) and 600 (weight = its score); USD left out. */
  g_assert_true (e->has_range);
  g_assert_cmpstr (e->currency, ==, "EUR");
  g_assert_cmpuint (e->n_samples, ==, 3);
  g_assert_cmpuint (e->n_other_currency, ==, 1);
  weights[2] = redesign->score;
  g_assert_true (gp_estimate_weighted_quantile (values, weights, 3, 0.25, &low));
  g_assert_true (gp_estimate_weighted_quantile (values, weights, 3, 0.75, &high));
  g_assert_cmpint (e->low, ==, low);
  g_assert_cmpint (e->high, ==, high);
  /* €600 sits exactly at the middle of the weight, whatever its own weight. */
  g_assert_cmpint (e->median, ==, 60000);
  g_assert_cmpint (e->low, >, 50000);
  g_assert_cmpint (e->low, <, 60000);
  g_assert_cmpint (e->high, >, 60000);
  g_assert_cmpint (e->high, <, 80000);
  g_assert_true (e->has_hours);
  g_assert_cmpint (e->hours_median, ==, 4000);
  g_assert_nonnull (strstr (e->explanation, "3 similar invoice lines"));
  g_assert_nonnull (strstr (e->explanation, "another currency"));
}

static void
test_estimate_currency_choice (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GpEstimate) usd = estimate (f->store, "logo design", "USD");
  g_autoptr(GpEstimate) any = estimate (f->store, "logo design", NULL);

  g_assert_true (usd->has_range);
  g_assert_cmpuint (usd->n_samples, ==, 1);
  g_assert_cmpint (usd->low, ==, 99900);
  g_assert_cmpint (usd->high, ==, 99900);
  g_assert_cmpuint (usd->n_other_currency, ==, 3);
  /* Without a currency, the one most similar lines use. */
  g_assert_cmpstr (any->currency, ==, "EUR");
}

static void
test_estimate_nothing (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GpEstimate) e = estimate (f->store, "Kitchen plumbing", "EUR");
  g_autoptr(GpEstimate) empty = estimate (f->store, "  ,,, a ", "EUR");

  g_assert_cmpuint (e->matches->len, ==, 0);
  g_assert_false (e->has_range);
  g_assert_cmpuint (g_strv_length (e->terms), ==, 2);
  g_assert_cmpuint (empty->matches->len, ==, 0);
  g_assert_cmpuint (g_strv_length (empty->terms), ==, 0);
  /* FTS syntax in the description is just words. */
  {
    g_autoptr(GpEstimate) syntax = estimate (f->store, "logo\" OR NEAR(design AND *", "EUR");

    g_assert_cmpuint (syntax->matches->len, ==, 5);
  }
}

/* The index follows edits, deletes and tombstones (triggers), and sync writes alike. */
static void
test_index_follows_edits (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  g_autofree char *saved = NULL;

  saved = gp_test_save (f->store, "invoice_lines", f->website, "{\"description\": \"Logo animation\"}", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GpEstimate) e = estimate (f->store, "logo animation", "EUR");
    GpEstimateMatch *first = g_ptr_array_index (e->matches, 0);

    g_assert_cmpstr (first->id, ==, f->website);
    g_assert_cmpfloat_with_epsilon (first->score, 1.0, 1e-9);
  }

  removed = gp_test_delete (f->store, "invoice_lines", f->website, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GpEstimate) e = estimate (f->store, "logo animation", "EUR");

    g_assert_null (find_match (e, f->website, NULL));
  }
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index"), ==, 8);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_docs"), ==, 8);

  /* A synced row that is deleted becomes a tombstone: out of the index too. */
  gp_test_sql_exec (f->path, "UPDATE invoice_lines SET _status = 'synced'");
  g_clear_pointer (&removed, g_ptr_array_unref);
  removed = gp_test_delete (f->store, "invoice_lines", f->server, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM invoice_lines WHERE _status = 'deleted'"), ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index"), ==, 7);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/estimate/split-terms", test_split_terms);
  g_test_add_func ("/estimate/weighted-quantile", test_weighted_quantile);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/estimate/logo", test_estimate_logo);
  ADD ("/estimate/currency-choice", test_estimate_currency_choice);
  ADD ("/estimate/nothing-similar", test_estimate_nothing);
  ADD ("/estimate/index-follows-edits", test_index_follows_edits);
#undef ADD

  return g_test_run ();
}
