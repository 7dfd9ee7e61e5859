/* test-billing.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gp-billing.h"
#include "gp-chasing-item.h"
#include "gp-chasing.h"
#include "gp-recurrence.h"
#include "gp-store-test-utils.h"

static const guint intervals[] = { 7, 14, 14 };

typedef struct
{
  char    *dir;
  char    *path;
  char    *path_b;
  GpStore *store;
  GpStore *store_b;
  char    *client;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = gp_test_make_dir ();
  f->path = g_build_filename (f->dir, "a.db", NULL);
  f->path_b = g_build_filename (f->dir, "b.db", NULL);
  f->store = gp_test_open_store (f->path);
  f->store_b = gp_test_open_store (f->path_b);
  f->client = gp_test_save (f->store, "clients", NULL,
                            "{\"name\": \"Ευάγγελος Παπαδόπουλος\", \"currency\": \"EUR\"}", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gp_test_close_store (g_steal_pointer (&f->store));
  gp_test_close_store (g_steal_pointer (&f->store_b));
  gp_test_remove_dir (f->dir);
  g_free (f->client);
  g_free (f->path);
  g_free (f->path_b);
  g_free (f->dir);
}

/* An invoice with two lines: 10 h at 100.00 (19 % tax) and 1 × 50.00 (7 %):
 * total = 1000.00 + 190.00 + 50.00 + 3.50 = 1243.50. */
static char *
make_invoice (GpStore    *store,
              const char *client,
              const char *id,
              const char *status,
              const char *due_on)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup_printf ("{\"client_id\": \"%s\", \"number\": \"2026-0042\", "
                                           "\"issued_on\": \"2026-03-01\", \"due_on\": \"%s\"}",
                                           client, due_on);
  char *invoice = gp_test_save (store, "invoices", id, json, &error);
  g_autofree char *line1 = NULL;
  g_autofree char *line2 = NULL;
  g_autofree char *status_json = g_strdup_printf ("{\"status\": \"%s\"}", status);

  g_assert_no_error (error);
  g_free (json);
  json = g_strdup_printf ("{\"invoice_id\": \"%s\", \"position\": 0, \"description\": \"Design\", "
                          "\"quantity\": 10000, \"unit_price\": 10000, \"tax_rate\": 1900}", invoice);
  line1 = gp_test_save (store, "invoice_lines", NULL, json, &error);
  g_assert_no_error (error);
  g_free (json);
  json = g_strdup_printf ("{\"invoice_id\": \"%s\", \"position\": 1, \"description\": \"Hosting\", "
                          "\"unit_price\": 5000, \"tax_rate\": 700}", invoice);
  line2 = gp_test_save (store, "invoice_lines", NULL, json, &error);
  g_assert_no_error (error);
  g_free (gp_test_save (store, "invoices", invoice, status_json, &error));
  g_assert_no_error (error);
  return invoice;
}

static GpInvoiceBundle *
load (GpStore    *store,
      const char *id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GpInvoiceBundle *bundle;

  gp_billing_load_async (store, id, NULL, gp_test_result_cb, &result);
  bundle = gp_billing_load_finish (store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  return bundle;
}

static char *
pay (GpStore     *store,
     const char  *invoice,
     gint64       amount,
     const char  *on,
     GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gp_billing_add_payment_async (store, invoice, amount, on, "Bank transfer", NULL, NULL,
                                gp_test_result_cb, &result);
  return gp_billing_add_payment_finish (store, gp_test_wait (&result), error);
}

static char *
credit (GpStore     *store,
        const char  *invoice,
        const char  *lines_json,
        const char  *on,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) lines = NULL;

  if (lines_json != NULL)
    {
      g_autoptr(JsonNode) node = json_from_string (lines_json, NULL);
      JsonArray *array = json_node_get_array (node);

      lines = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
      for (guint i = 0; i < json_array_get_length (array); i++)
        g_ptr_array_add (lines, json_object_ref (json_array_get_object_element (array, i)));
    }
  gp_billing_credit_note_async (store, invoice, lines, on, "Correction", NULL, gp_test_result_cb, &result);
  return gp_billing_credit_note_finish (store, gp_test_wait (&result), error);
}

static GPtrArray *
chasing (GpStore    *store,
         const char *today)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *items;

  gp_billing_chasing_async (store, today, intervals, G_N_ELEMENTS (intervals), NULL, gp_test_result_cb, &result);
  items = gp_billing_chasing_finish (store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  return items;
}

static GpChasingStatus
chase_one (GpStore    *store,
           const char *invoice,
           const char *today)
{
  g_autoptr(GPtrArray) items = chasing (store, today);
  GpChasingStatus none = { GP_CHASING_NONE, 0, 0, "", FALSE };

  for (guint i = 0; i < items->len; i++)
    if (g_strcmp0 (gp_chasing_item_get_invoice_id (g_ptr_array_index (items, i)), invoice) == 0)
      return *gp_chasing_item_get_status (g_ptr_array_index (items, i));
  return none;
}

static GpRecord *
mark_sent (GpStore     *store,
           const char  *invoice,
           guint        step,
           const char  *on,
           const char  *device,
           GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GDateTime) noon = NULL;
  int y, m, d;

  g_assert_cmpint (sscanf (on, "%d-%d-%d", &y, &m, &d), ==, 3);
  noon = g_date_time_new_local (y, m, d, 12, 0, 0);
  gp_billing_mark_reminder_sent_async (store, invoice, step, g_date_time_to_unix (noon) * 1000, device,
                                       "Dear client…", NULL, gp_test_result_cb, &result);
  return gp_billing_mark_reminder_sent_finish (store, gp_test_wait (&result), error);
}

static GStrv
run_recurring (GpStore    *store,
               const char *today)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GStrv ids;

  gp_billing_run_recurring_async (store, today, NULL, gp_test_result_cb, &result);
  ids = gp_billing_run_recurring_finish (store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  return ids;
}

/* Core rules */

static void
test_recurrence_dates (void)
{
  struct { const char *frequency, *starts, *current, *next; } cases[] = {
    { "weekly", NULL, "2026-12-28", "2027-01-04" },
    { "monthly", "2026-01-31", "2026-01-31", "2026-02-28" },
    { "monthly", "2026-01-31", "2026-02-28", "2026-03-31" },
    { "monthly", "2026-01-31", "2026-03-31", "2026-04-30" },
    { "quarterly", "2026-11-30", "2026-11-30", "2027-02-28" },
    { "yearly", "2024-02-29", "2024-02-29", "2025-02-28" },
    { "yearly", "2024-02-29", "2027-02-28", "2028-02-29" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *next = gp_recurrence_next (cases[i].frequency, cases[i].starts, cases[i].current);

      g_assert_cmpstr (next, ==, cases[i].next);
    }

  g_assert_null (gp_recurrence_next ("daily", NULL, "2026-01-01"));
  g_assert_null (gp_recurrence_next ("weekly", NULL, "2026-02-30"));
}

static void
test_derive_id (void)
{
  g_autofree char *a = gp_derive_id ("recurring", "schedule-1", "2026-03-01", NULL);
  g_autofree char *b = gp_derive_id ("recurring", "schedule-1", "2026-03-01", NULL);
  g_autofree char *c = gp_derive_id ("recurring", "schedule-1", "2026-04-01", NULL);
  g_autofree char *d = gp_derive_id ("recurring", "schedule-12026-03-01", NULL);

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpstr (a, !=, d);
  g_assert_cmpuint (strlen (a), ==, 36);
  g_assert_cmpint (a[14], ==, '5');
}

static void
test_render_template (void)
{
  g_autofree char *text = gp_chasing_render ("Dear {client}, {number} for {amount} is {days} days late "
                                             "(due {due_date}). {unknown} — {business}",
                                             "Иван Петров", "2026-0042", "€1,243.50", 12, "2026-03-31",
                                             "Studio 東京");

  g_assert_cmpstr (text, ==, "Dear Иван Петров, 2026-0042 for €1,243.50 is 12 days late (due 2026-03-31). "
                             "{unknown} — Studio 東京");
}

static void
test_ladder_rules (void)
{
  GpChasingInput input = { "sent", "invoice", "2026-03-31", 124350, NULL, { NULL, NULL, NULL } };
  GpChasingStatus status;

  gp_chasing_evaluate (&input, "2026-03-31", intervals, 3, &status);
  g_assert_cmpint (status.state, ==, GP_CHASING_PENDING);

  gp_chasing_evaluate (&input, "2026-04-01", intervals, 3, &status);
  g_assert_cmpint (status.state, ==, GP_CHASING_OVERDUE);
  g_assert_cmpint (status.days_overdue, ==, 1);
  g_assert_cmpuint (status.next_step, ==, 1);
  g_assert_cmpstr (status.next_step_on, ==, "2026-04-07");
  g_assert_false (status.step_due);

  gp_chasing_evaluate (&input, "2026-04-07", intervals, 3, &status);
  g_assert_true (status.step_due);

  /* Reminders off: overdue, never a step. */
  gp_chasing_evaluate (&input, "2026-06-07", intervals, 0, &status);
  g_assert_cmpint (status.state, ==, GP_CHASING_OVERDUE);
  g_assert_cmpuint (status.next_step, ==, 0);

  /* A payment before the due date does not stop the ladder; one after it does. */
  input.last_paid_on = "2026-03-15";
  gp_chasing_evaluate (&input, "2026-04-07", intervals, 3, &status);
  g_assert_true (status.step_due);
  input.last_paid_on = "2026-04-02";
  gp_chasing_evaluate (&input, "2026-04-07", intervals, 3, &status);
  g_assert_cmpint (status.state, ==, GP_CHASING_PAUSED);
  g_assert_false (status.step_due);

  input.last_paid_on = NULL;
  input.outstanding = 0;
  gp_chasing_evaluate (&input, "2026-04-07", intervals, 3, &status);
  g_assert_cmpint (status.state, ==, GP_CHASING_PAID);

  input.outstanding = 100;
  input.status = "draft";
  gp_chasing_evaluate (&input, "2026-04-07", intervals, 3, &status);
  g_assert_cmpint (status.state, ==, GP_CHASING_NONE);
  input.status = "sent";
  input.kind = "credit_note";
  gp_chasing_evaluate (&input, "2026-04-07", intervals, 3, &status);
  g_assert_cmpint (status.state, ==, GP_CHASING_NONE);
}

/* Store commands */

static void
test_payments (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *invoice = make_invoice (f->store, f->client, NULL, "sent", "2026-03-31");
  g_autofree char *p1 = NULL;
  g_autofree char *p2 = NULL;
  g_autoptr(GpInvoiceBundle) bundle = load (f->store, invoice);
  g_autoptr(GpRecord) record = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GpInvoiceTotals totals;

  /* The balance is the store's own arithmetic. */
  g_assert_true (gp_invoice_compute_totals (bundle->lines, &totals, NULL));
  g_assert_cmpint (totals.total, ==, 124350);
  g_assert_cmpint (bundle->balance.total, ==, 124350);
  g_assert_cmpint (bundle->balance.outstanding, ==, 124350);
  g_clear_pointer (&bundle, gp_invoice_bundle_unref);

  p1 = pay (f->store, invoice, 100000, "2026-03-20", &error);
  g_assert_no_error (error);
  bundle = load (f->store, invoice);
  g_assert_cmpint (bundle->balance.paid, ==, 100000);
  g_assert_cmpint (bundle->balance.outstanding, ==, 24350);
  g_assert_cmpstr (gp_record_get_string (bundle->invoice, "status"), ==, "sent");
  g_clear_pointer (&bundle, gp_invoice_bundle_unref);

  /* More than is owed is refused with a sentence, and nothing is written. */
  g_assert_null (pay (f->store, invoice, 30000, "2026-03-21", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "243.50"));
  g_clear_error (&error);
  g_assert_null (pay (f->store, invoice, 0, "2026-03-21", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);

  p2 = pay (f->store, invoice, 24350, "2026-04-02", &error);
  g_assert_no_error (error);
  bundle = load (f->store, invoice);
  g_assert_cmpint (bundle->balance.outstanding, ==, 0);
  g_assert_cmpstr (gp_record_get_string (bundle->invoice, "status"), ==, "paid");
  g_assert_cmpstr (gp_record_get_string (bundle->invoice, "paid_on"), ==, "2026-04-02");
  g_assert_cmpuint (bundle->payments->len, ==, 2);
  g_clear_pointer (&bundle, gp_invoice_bundle_unref);

  /* Removing a payment reopens the invoice. */
  gp_billing_remove_payment_async (f->store, p2, NULL, gp_test_result_cb, &result);
  g_assert_true (gp_billing_remove_payment_finish (f->store, gp_test_wait (&result), &error));
  g_assert_no_error (error);
  bundle = load (f->store, invoice);
  g_assert_cmpstr (gp_record_get_string (bundle->invoice, "status"), ==, "sent");
  g_assert_false (gp_record_has_value (bundle->invoice, "paid_on"));
  g_assert_cmpint (bundle->balance.outstanding, ==, 24350);

  /* A draft cannot be paid. */
  {
    g_autofree char *draft = make_invoice (f->store, f->client, NULL, "draft", "2026-03-31");

    g_assert_null (pay (f->store, draft, 100, "2026-03-21", &error));
    g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  }
}

static void
test_issued_is_immutable (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *invoice = make_invoice (f->store, f->client, NULL, "sent", "2026-03-31");
  g_autoptr(GpInvoiceBundle) bundle = load (f->store, invoice);
  const char *line = gp_record_get_id (g_ptr_array_index (bundle->lines, 0));
  g_autofree char *json = g_strdup_printf ("{\"invoice_id\": \"%s\", \"unit_price\": 1}", invoice);

  g_free (gp_test_save (f->store, "invoices", invoice, "{\"currency\": \"USD\"}", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "credit note"));
  g_clear_error (&error);
  g_free (gp_test_save (f->store, "invoices", invoice, "{\"number\": \"2026-9999\"}", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_free (gp_test_save (f->store, "invoices", invoice, "{\"status\": \"draft\"}", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_free (gp_test_save (f->store, "invoice_lines", line, "{\"unit_price\": 1}", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_free (gp_test_save (f->store, "invoice_lines", NULL, json, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (gp_test_delete (f->store, "invoice_lines", line, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Notes and the due date may still change; so may the status, forwards. */
  g_free (gp_test_save (f->store, "invoices", invoice, "{\"notes\": \"Thanks!\", \"due_on\": \"2026-04-30\"}",
                        &error));
  g_assert_no_error (error);

  g_clear_pointer (&bundle, gp_invoice_bundle_unref);
  bundle = load (f->store, invoice);
  g_assert_cmpint (bundle->balance.total, ==, 124350);
}

static void
test_credit_notes (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *invoice = make_invoice (f->store, f->client, NULL, "sent", "2026-03-31");
  g_autofree char *other = make_invoice (f->store, f->client, NULL, "sent", "2026-03-31");
  g_autofree char *cn1 = NULL;
  g_autofree char *cn2 = NULL;
  g_autofree char *cn3 = NULL;
  g_autoptr(GpInvoiceBundle) bundle = NULL;
  g_autoptr(GpInvoiceBundle) note = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  /* Partial: 2 h of design back (200.00 + 19 % = 238.00). */
  cn1 = credit (f->store, invoice,
                "[{\"description\": \"Design hours not used\", \"quantity\": 2000, \"unit_price\": 10000, "
                "\"tax_rate\": 1900}]", "2026-04-03", &error);
  g_assert_no_error (error);
  note = load (f->store, cn1);
  g_assert_cmpstr (gp_record_get_string (note->invoice, "number"), ==, "CN-2026-0001");
  g_assert_cmpstr (gp_record_get_string (note->invoice, "kind"), ==, "credit_note");
  g_assert_cmpstr (gp_record_get_string (note->invoice, "status"), ==, "sent");
  g_assert_cmpstr (gp_record_get_string (note->invoice, "credits_invoice_id"), ==, invoice);
  g_assert_cmpint (note->totals.total, ==, 23800);
  g_assert_nonnull (note->credited);

  bundle = load (f->store, invoice);
  g_assert_cmpint (bundle->balance.credited, ==, 23800);
  g_assert_cmpint (bundle->balance.outstanding, ==, 124350 - 23800);
  g_assert_cmpuint (bundle->credit_notes->len, ==, 1);
  g_clear_pointer (&bundle, gp_invoice_bundle_unref);

  /* Crediting more than remains is refused; nothing is numbered for it. */
  g_assert_null (credit (f->store, invoice,
                         "[{\"description\": \"Too much\", \"quantity\": 1000, \"unit_price\": 200000}]",
                         "2026-04-04", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Payment of the rest, then the invoice is paid (credit + payments cover it). */
  g_free (pay (f->store, invoice, 124350 - 23800, "2026-04-05", &error));
  g_assert_no_error (error);
  bundle = load (f->store, invoice);
  g_assert_cmpstr (gp_record_get_string (bundle->invoice, "status"), ==, "paid");
  g_clear_pointer (&bundle, gp_invoice_bundle_unref);

  /* A full credit of another invoice settles it; the series goes on. */
  cn2 = credit (f->store, other, NULL, "2026-04-06", &error);
  g_assert_no_error (error);
  g_clear_pointer (&note, gp_invoice_bundle_unref);
  note = load (f->store, cn2);
  g_assert_cmpstr (gp_record_get_string (note->invoice, "number"), ==, "CN-2026-0002");
  g_assert_cmpuint (note->lines->len, ==, 2);
  g_assert_cmpint (note->totals.total, ==, 124350);
  bundle = load (f->store, other);
  g_assert_cmpint (bundle->balance.outstanding, ==, 0);
  g_assert_cmpstr (gp_record_get_string (bundle->invoice, "status"), ==, "paid");
  g_clear_pointer (&bundle, gp_invoice_bundle_unref);

  /* Voiding the credit note keeps its number and reopens the invoice. */
  gp_billing_void_async (f->store, cn2, NULL, gp_test_result_cb, &result);
  g_assert_true (gp_billing_void_finish (f->store, gp_test_wait (&result), &error));
  g_assert_no_error (error);
  g_clear_pointer (&note, gp_invoice_bundle_unref);
  note = load (f->store, cn2);
  g_assert_cmpstr (gp_record_get_string (note->invoice, "status"), ==, "void");
  g_assert_cmpstr (gp_record_get_string (note->invoice, "number"), ==, "CN-2026-0002");
  bundle = load (f->store, other);
  g_assert_cmpint (bundle->balance.outstanding, ==, 124350);
  g_assert_cmpstr (gp_record_get_string (bundle->invoice, "status"), ==, "sent");
  g_clear_pointer (&bundle, gp_invoice_bundle_unref);

  /* A void invoice stays void; a new credit note gets the next number, not a reused one. */
  g_free (gp_test_save (f->store, "invoices", cn2, "{\"status\": \"sent\"}", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  cn3 = credit (f->store, other, NULL, "2026-04-07", &error);
  g_assert_no_error (error);
  g_clear_pointer (&note, gp_invoice_bundle_unref);
  note = load (f->store, cn3);
  g_assert_cmpstr (gp_record_get_string (note->invoice, "number"), ==, "CN-2026-0003");

  /* Drafts and credit notes are not credited. */
  g_assert_null (credit (f->store, cn3, NULL, "2026-04-07", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
}

static char *
make_schedule (GpStore    *store,
               const char *template,
               const char *id,
               const char *frequency,
               const char *starts,
               const char *until)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup_printf ("{\"template_invoice_id\": \"%s\", \"frequency\": \"%s\", "
                                           "\"starts_on\": \"%s\", \"next_on\": \"%s\"%s%s%s}",
                                           template, frequency, starts, starts,
                                           until ? ", \"until_on\": \"" : "", until ? until : "",
                                           until ? "\"" : "");
  char *schedule = gp_test_save (store, "recurring", id, json, &error);

  g_assert_no_error (error);
  return schedule;
}

static void
test_recurring (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = make_invoice (f->store, f->client, NULL, "draft", "2026-03-31");
  g_autofree char *schedule = make_schedule (f->store, template, NULL, "monthly", "2026-01-31", "2026-05-31");
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) again = NULL;
  g_auto(GStrv) later = NULL;
  g_autoptr(GpInvoiceBundle) bundle = NULL;
  g_autoptr(GpRecord) record = NULL;

  g_free (gp_test_save (f->store, "recurring", NULL, "{\"frequency\": \"daily\"}", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Nothing before the start. */
  first = run_recurring (f->store, "2026-01-30");
  g_assert_cmpuint (g_strv_length (first), ==, 0);
  g_clear_pointer (&first, g_strfreev);

  /* Catches up on every occurrence missed: 31 Jan, 28 Feb, 31 Mar. */
  first = run_recurring (f->store, "2026-04-15");
  g_assert_cmpuint (g_strv_length (first), ==, 3);
  bundle = load (f->store, first[1]);
  g_assert_cmpstr (gp_record_get_string (bundle->invoice, "status"), ==, "draft");
  g_assert_cmpstr (gp_record_get_string (bundle->invoice, "issued_on"), ==, "2026-02-28");
  /* The template's 30-day term, from the new date. */
  g_assert_cmpstr (gp_record_get_string (bundle->invoice, "due_on"), ==, "2026-03-30");
  g_assert_false (gp_record_has_value (bundle->invoice, "number"));
  g_assert_cmpuint (bundle->lines->len, ==, 2);
  g_assert_cmpint (bundle->totals.total, ==, 124350);
  record = gp_test_get (f->store, "recurring", schedule, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gp_record_get_string (record, "next_on"), ==, "2026-04-30");
  g_clear_object (&record);

  /* Running again the same day makes nothing new. */
  again = run_recurring (f->store, "2026-04-15");
  g_assert_cmpuint (g_strv_length (again), ==, 0);

  /* The end date stops it: 30 Apr and 31 May, then nothing. */
  later = run_recurring (f->store, "2026-12-31");
  g_assert_cmpuint (g_strv_length (later), ==, 2);
  g_clear_pointer (&later, g_strfreev);
  later = run_recurring (f->store, "2027-12-31");
  g_assert_cmpuint (g_strv_length (later), ==, 0);

  {
    g_autoptr(GpQuery) query = gp_query_new ("invoices");
    g_autoptr(GPtrArray) all = NULL;

    gp_query_set_where (query, "client_id", f->client);
    all = gp_test_query (f->store, query, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (all->len, ==, 1 + 5);
  }
}

/* Two devices run the same schedule before they sync: they create the same ids, so the
 * sync upsert merges them into one invoice rather than two. */
static void
test_recurring_two_devices (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *client_b = NULL;
  g_autofree char *template_a = NULL;
  g_autofree char *template_b = NULL;
  g_autofree char *schedule_a = NULL;
  g_autofree char *schedule_b = NULL;
  g_auto(GStrv) on_a = NULL;
  g_auto(GStrv) on_b = NULL;
  g_autoptr(GpInvoiceBundle) bundle_a = NULL;
  g_autoptr(GpInvoiceBundle) bundle_b = NULL;
  g_autofree char *json = g_strdup_printf ("{\"name\": \"Same client\"}");

  /* Both devices hold the same synced template and schedule (same ids). */
  client_b = gp_test_save (f->store_b, "clients", f->client, json, &error);
  g_assert_no_error (error);
  template_a = make_invoice (f->store, f->client, "template-1", "sent", "2026-03-31");
  template_b = make_invoice (f->store_b, f->client, "template-1", "sent", "2026-03-31");
  schedule_a = make_schedule (f->store, template_a, "schedule-1", "quarterly", "2026-01-15", NULL);
  schedule_b = make_schedule (f->store_b, template_b, "schedule-1", "quarterly", "2026-01-15", NULL);

  on_a = run_recurring (f->store, "2026-05-01");
  on_b = run_recurring (f->store_b, "2026-05-01");
  g_assert_cmpuint (g_strv_length (on_a), ==, 2);
  g_assert_true (g_strv_equal ((const char * const *)on_a, (const char * const *)on_b));

  bundle_a = load (f->store, on_a[1]);
  bundle_b = load (f->store_b, on_b[1]);
  g_assert_cmpstr (gp_record_get_string (bundle_a->invoice, "issued_on"), ==, "2026-04-15");
  g_assert_cmpuint (bundle_a->lines->len, ==, bundle_b->lines->len);
  for (guint i = 0; i < bundle_a->lines->len; i++)
    g_assert_cmpstr (gp_record_get_id (g_ptr_array_index (bundle_a->lines, i)), ==,
                     gp_record_get_id (g_ptr_array_index (bundle_b->lines, i)));

  /* Device B learns of A's occurrences (as a pull would bring them) before its own run:
   * nothing is made twice. Simulated here by B's schedule having moved on already. */
  {
    g_autoptr(GpRecord) schedule = gp_test_get (f->store, "recurring", "schedule-1", &error);
    g_auto(GStrv) after_sync = NULL;

    g_assert_cmpstr (gp_record_get_string (schedule, "next_on"), ==, "2026-07-15");
    after_sync = run_recurring (f->store_b, "2026-05-02");
    g_assert_cmpuint (g_strv_length (after_sync), ==, 0);
  }

  /* A device that deleted a synced generated draft does not get it back, even if its
   * schedule were run over the same dates again. */
  {
    g_autoptr(GPtrArray) removed = NULL;
    g_auto(GStrv) rerun = NULL;

    gp_test_sql_exec (f->path, "UPDATE invoices SET _status = 'synced'; UPDATE invoice_lines SET _status = 'synced'");
    removed = gp_test_delete (f->store, "invoices", on_a[0], &error);

    g_assert_no_error (error);
    gp_test_sql_exec (f->path, "UPDATE recurring SET next_on = '2026-01-15'");
    rerun = run_recurring (f->store, "2026-05-01");
    g_assert_cmpuint (g_strv_length (rerun), ==, 0);
  }
}

static void
test_chasing_ladder (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *invoice = make_invoice (f->store, f->client, NULL, "sent", "2026-03-31");
  g_autofree char *draft = make_invoice (f->store, f->client, NULL, "draft", "2026-03-31");
  GpChasingStatus s;
  g_autoptr(GpRecord) reminder = NULL;

  s = chase_one (f->store, invoice, "2026-03-20");
  g_assert_cmpint (s.state, ==, GP_CHASING_PENDING);
  s = chase_one (f->store, draft, "2026-05-20");
  g_assert_cmpint (s.state, ==, GP_CHASING_NONE);

  s = chase_one (f->store, invoice, "2026-04-03");
  g_assert_cmpint (s.state, ==, GP_CHASING_OVERDUE);
  g_assert_cmpint (s.days_overdue, ==, 3);
  g_assert_false (s.step_due);

  s = chase_one (f->store, invoice, "2026-04-07");
  g_assert_true (s.step_due);
  g_assert_cmpuint (s.next_step, ==, 1);

  /* Step 2 cannot jump the queue. */
  g_assert_null (mark_sent (f->store, invoice, 2, "2026-04-08", "laptop", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);

  reminder = mark_sent (f->store, invoice, 1, "2026-04-08", "laptop", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gp_record_get_string (reminder, "sent_by_device"), ==, "laptop");
  g_clear_object (&reminder);

  s = chase_one (f->store, invoice, "2026-04-09");
  g_assert_cmpint (s.state, ==, GP_CHASING_LEVEL_1);
  g_assert_false (s.step_due);
  g_assert_cmpstr (s.next_step_on, ==, "2026-04-22");

  s = chase_one (f->store, invoice, "2026-04-22");
  g_assert_true (s.step_due);
  g_assert_cmpuint (s.next_step, ==, 2);
  reminder = mark_sent (f->store, invoice, 2, "2026-04-23", "laptop", &error);
  g_assert_no_error (error);
  g_clear_object (&reminder);

  s = chase_one (f->store, invoice, "2026-05-07");
  g_assert_cmpint (s.state, ==, GP_CHASING_LEVEL_2);
  g_assert_true (s.step_due);
  g_assert_cmpuint (s.next_step, ==, 3);
  reminder = mark_sent (f->store, invoice, 3, "2026-05-07", "laptop", &error);
  g_assert_no_error (error);
  g_clear_object (&reminder);

  s = chase_one (f->store, invoice, "2026-06-30");
  g_assert_cmpint (s.state, ==, GP_CHASING_FINAL);
  g_assert_false (s.step_due);
  g_assert_cmpuint (s.next_step, ==, 0);
  g_assert_cmpint (s.days_overdue, ==, 91);

  /* The state is in the database: it survives closing and opening the store. */
  gp_test_close_store (g_steal_pointer (&f->store));
  f->store = gp_test_open_store (f->path);
  s = chase_one (f->store, invoice, "2026-06-30");
  g_assert_cmpint (s.state, ==, GP_CHASING_FINAL);

  /* Full payment: paid, off the ladder (the chasing list holds only unpaid sent invoices). */
  g_free (pay (f->store, invoice, 124350, "2026-07-01", &error));
  g_assert_no_error (error);
  s = chase_one (f->store, invoice, "2026-07-02");
  g_assert_cmpint (s.state, ==, GP_CHASING_NONE);
}

static void
test_payment_stops_ladder (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *invoice = make_invoice (f->store, f->client, NULL, "sent", "2026-03-31");
  g_autoptr(GpRecord) reminder = NULL;
  GpChasingStatus s;

  reminder = mark_sent (f->store, invoice, 1, "2026-04-07", "laptop", &error);
  g_assert_no_error (error);
  s = chase_one (f->store, invoice, "2026-04-21");
  g_assert_true (s.step_due);

  /* Part of it arrives: the firm reminder is not sent. */
  g_free (pay (f->store, invoice, 50000, "2026-04-20", &error));
  g_assert_no_error (error);
  s = chase_one (f->store, invoice, "2026-04-21");
  g_assert_cmpint (s.state, ==, GP_CHASING_PAUSED);
  g_assert_false (s.step_due);
}

/* Two devices chase the same invoice: the reminder of a step is one record on both. */
static void
test_reminder_once (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *client_b = NULL;
  g_autofree char *invoice_a = NULL;
  g_autofree char *invoice_b = NULL;
  g_autofree char *pulled = NULL;
  g_autoptr(GpRecord) sent_a = NULL;
  g_autoptr(GpRecord) again_b = NULL;
  g_autofree char *json = NULL;
  GpChasingStatus s;

  client_b = gp_test_save (f->store_b, "clients", f->client, "{\"name\": \"Same client\"}", &error);
  g_assert_no_error (error);
  invoice_a = make_invoice (f->store, f->client, "invoice-1", "sent", "2026-03-31");
  invoice_b = make_invoice (f->store_b, f->client, "invoice-1", "sent", "2026-03-31");

  /* Both see step 1 due on the same morning. */
  s = chase_one (f->store, invoice_a, "2026-04-08");
  g_assert_true (s.step_due);
  s = chase_one (f->store_b, invoice_b, "2026-04-08");
  g_assert_true (s.step_due);

  sent_a = mark_sent (f->store, invoice_a, 1, "2026-04-08", "laptop", &error);
  g_assert_no_error (error);

  /* A's reminder reaches B (as a pull would: the same id and fields). */
  json = g_strdup_printf ("{\"invoice_id\": \"invoice-1\", \"step\": 1, \"drafted_at\": %" G_GINT64_FORMAT
                          ", \"sent_at\": %" G_GINT64_FORMAT ", \"sent_by_device\": \"laptop\"}",
                          gp_record_get_int (sent_a, "drafted_at"), gp_record_get_int (sent_a, "sent_at"));
  pulled = gp_test_save (f->store_b, "reminders", gp_record_get_id (sent_a), json, &error);
  g_assert_no_error (error);

  /* B no longer offers step 1, and recording it again on B changes nothing. */
  s = chase_one (f->store_b, invoice_b, "2026-04-08");
  g_assert_cmpint (s.state, ==, GP_CHASING_LEVEL_1);
  g_assert_false (s.step_due);
  again_b = mark_sent (f->store_b, invoice_b, 1, "2026-04-08", "desktop", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gp_record_get_string (again_b, "sent_by_device"), ==, "laptop");
  g_assert_cmpint (gp_test_sql_int (f->path_b, "SELECT count(*) FROM reminders"), ==, 1);

  /* Even without a sync in between, both devices write the same record id. */
  {
    g_autofree char *id_a = gp_billing_reminder_id ("invoice-1", 2);
    g_autofree char *id_b = gp_billing_reminder_id ("invoice-1", 2);

    g_assert_cmpstr (id_a, ==, id_b);
    g_assert_cmpstr (id_a, !=, gp_record_get_id (sent_a));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  g_test_add_func ("/billing/recurrence-dates", test_recurrence_dates);
  g_test_add_func ("/billing/derive-id", test_derive_id);
  g_test_add_func ("/billing/render-template", test_render_template);
  g_test_add_func ("/billing/ladder-rules", test_ladder_rules);
  ADD ("/billing/payments", test_payments);
  ADD ("/billing/issued-is-immutable", test_issued_is_immutable);
  ADD ("/billing/credit-notes", test_credit_notes);
  ADD ("/billing/recurring", test_recurring);
  ADD ("/billing/recurring-two-devices", test_recurring_two_devices);
  ADD ("/billing/chasing-ladder", test_chasing_ladder);
  ADD ("/billing/payment-stops-ladder", test_payment_stops_ladder);
  ADD ("/billing/reminder-once", test_reminder_once);
#undef ADD

  return g_test_run ();
}
