/* test-time.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gp-record-list.h"
#include "gp-store-test-utils.h"
#include "gp-store-time.h"
#include "gp-store.h"

#define HOUR G_GINT64_CONSTANT (3600000)
/* 2026-03-02 00:00 UTC and friends: a fixed week, so ranges are exact. */
#define MONDAY G_GINT64_CONSTANT (1772409600000)
#define DAY (24 * HOUR)

typedef struct
{
  char    *dir;
  char    *path;
  GpStore *store;
  char    *client;
  char    *other_client;
  char    *ticket_a;
  char    *ticket_b;
  char    *ticket_other;
} Fixture;

static char *
save_ok (GpStore    *store,
         const char *table,
         const char *json)
{
  g_autoptr(GError) error = NULL;
  char *id = gp_test_save (store, table, NULL, json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static void
seed (Fixture *f)
{
  g_autofree char *json = NULL;

  f->client = save_ok (f->store, "clients", "{\"name\": \"Acme\", \"currency\": \"EUR\", \"hourly_rate\": 8000}");
  f->other_client = save_ok (f->store, "clients", "{\"name\": \"Other\", \"currency\": \"USD\"}");
  json = g_strdup_printf ("{\"client_id\": \"%s\", \"title\": \"Fix login\"}", f->client);
  f->ticket_a = save_ok (f->store, "tickets", json);
  g_free (json);
  json = g_strdup_printf ("{\"client_id\": \"%s\", \"title\": \"Design review\"}", f->client);
  f->ticket_b = save_ok (f->store, "tickets", json);
  g_free (json);
  json = g_strdup_printf ("{\"client_id\": \"%s\", \"title\": \"Someone else's\"}", f->other_client);
  f->ticket_other = save_ok (f->store, "tickets", json);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = gp_test_make_dir ();
  f->path = g_build_filename (f->dir, "gigpilot.db", NULL);
  f->store = gp_test_open_store (f->path);
  seed (f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->store != NULL)
    gp_test_close_store (g_steal_pointer (&f->store));
  gp_test_remove_dir (f->dir);
  g_free (f->path);
  g_free (f->dir);
  g_free (f->client);
  g_free (f->other_client);
  g_free (f->ticket_a);
  g_free (f->ticket_b);
  g_free (f->ticket_other);
}

static char *
start_timer (GpStore    *store,
             const char *ticket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  char *id;

  gp_store_timer_start_async (store, ticket, "working", NULL, gp_test_result_cb, &result);
  id = gp_store_timer_start_finish (store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static GpRecord *
running (GpStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GpRecord *record;

  gp_store_timer_get_running_async (store, NULL, gp_test_result_cb, &result);
  record = gp_store_timer_get_running_finish (store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  return record;
}

static char *
add_time (Fixture    *f,
          const char *ticket,
          gint64      started_at,
          gint64      duration_ms,
          gboolean    billable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  char *id;

  gp_store_add_time_async (f->store, ticket, started_at, duration_ms, NULL, billable, NULL,
                           gp_test_result_cb, &result);
  id = gp_store_add_time_finish (f->store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  return id;
}

static char *
invoice_time (GpStore     *store,
              const char  *client,
              gint64       from_ms,
              gint64       to_ms,
              GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gp_store_invoice_time_async (store, client, from_ms, to_ms, NULL, gp_test_result_cb, &result);
  return gp_store_invoice_time_finish (store, gp_test_wait (&result), error);
}

static void
test_timer_survives_restart (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GpRecord) first = NULL;
  g_autoptr(GpRecord) after_restart = NULL;
  g_autoptr(GpRecord) stopped = NULL;
  g_autoptr(GpRecord) none = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *sql = NULL;
  gint64 before = g_get_real_time () / 1000;

  g_assert_null (running (f->store));
  a = start_timer (f->store, f->ticket_a);

  /* The start time is in the file at once, with the ticket's client. */
  sql = g_strdup_printf ("SELECT count(*) FROM time_entries WHERE id = '%s' AND ended_at IS NULL "
                         "AND started_at >= %" G_GINT64_FORMAT " AND client_id = '%s' AND billable = 1",
                         a, before, f->client);
  g_assert_cmpint (gp_test_sql_int (f->path, sql), ==, 1);

  /* A restart (a crash is the same: the row is committed) finds it running. */
  gp_test_close_store (g_steal_pointer (&f->store));
  f->store = gp_test_open_store (f->path);
  after_restart = running (f->store);
  g_assert_nonnull (after_restart);
  g_assert_cmpstr (gp_record_get_id (after_restart), ==, a);

  /* Starting another stops the first: one timer at a time. */
  g_usleep (2000);
  b = start_timer (f->store, f->ticket_b);
  first = gp_test_get (f->store, "time_entries", a, &error);
  g_assert_no_error (error);
  g_assert_true (gp_record_has_value (first, "ended_at"));
  g_assert_cmpint (gp_record_get_int (first, "duration_ms"), ==,
                   gp_record_get_int (first, "ended_at") - gp_record_get_int (first, "started_at"));
  g_assert_cmpint (gp_record_get_int (first, "duration_ms"), >=, 2);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM time_entries WHERE ended_at IS NULL"), ==, 1);
  g_clear_object (&after_restart);
  after_restart = running (f->store);
  g_assert_cmpstr (gp_record_get_id (after_restart), ==, b);

  gp_store_timer_stop_async (f->store, NULL, gp_test_result_cb, &result);
  stopped = gp_store_timer_stop_finish (f->store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gp_record_get_id (stopped), ==, b);
  g_assert_true (gp_record_has_value (stopped, "duration_ms"));
  none = running (f->store);
  g_assert_null (none);

  /* Stopping with nothing running is not an error. */
  g_clear_object (&result);
  gp_store_timer_stop_async (f->store, NULL, gp_test_result_cb, &result);
  g_assert_null (gp_store_timer_stop_finish (f->store, gp_test_wait (&result), &error));
  g_assert_no_error (error);
}

static void
test_manual_entry_validation (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *id = NULL;
  g_autofree char *bad = NULL;

  gp_store_add_time_async (f->store, f->ticket_a, MONDAY, 0, NULL, TRUE, NULL, gp_test_result_cb, &result);
  g_assert_null (gp_store_add_time_finish (f->store, gp_test_wait (&result), &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&result);

  gp_store_add_time_async (f->store, "no-such-ticket", MONDAY, HOUR, NULL, TRUE, NULL,
                           gp_test_result_cb, &result);
  g_assert_null (gp_store_add_time_finish (f->store, gp_test_wait (&result), &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);

  id = add_time (f, f->ticket_a, MONDAY, HOUR, TRUE);
  bad = gp_test_save (f->store, "time_entries", id, "{\"billable\": 2}", &error);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_null (bad);
}

static void
test_invoice_time (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GpQuery) query = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GpRecord) invoice = NULL;
  g_autofree char *invoice_id = NULL;
  g_autofree char *again = NULL;
  g_autofree char *a1 = NULL, *a2 = NULL, *b1 = NULL, *nb = NULL, *late = NULL, *other = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *saved = NULL;

  a1 = add_time (f, f->ticket_a, MONDAY + 9 * HOUR, HOUR + HOUR / 2, TRUE);
  a2 = add_time (f, f->ticket_a, MONDAY + DAY, HOUR / 2 + 1, TRUE);   /* 0.5 h + 1 ms */
  b1 = add_time (f, f->ticket_b, MONDAY + 2 * DAY, 2 * HOUR, TRUE);
  nb = add_time (f, f->ticket_b, MONDAY + 2 * DAY, 5 * HOUR, FALSE);  /* not billable */
  late = add_time (f, f->ticket_b, MONDAY + 8 * DAY, HOUR, TRUE);     /* outside the week */
  other = add_time (f, f->ticket_other, MONDAY, HOUR, TRUE);           /* another client */
  /* Ticket B's entry has its own rate. */
  saved = gp_test_save (f->store, "time_entries", b1, "{\"hourly_rate\": 10000}", &error);
  g_assert_no_error (error);

  invoice_id = invoice_time (f->store, f->client, MONDAY, MONDAY + 7 * DAY, &error);
  g_assert_no_error (error);
  g_assert_nonnull (invoice_id);

  invoice = gp_test_get (f->store, "invoices", invoice_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gp_record_get_string (invoice, "status"), ==, "draft");
  g_assert_cmpstr (gp_record_get_string (invoice, "currency"), ==, "EUR");
  g_assert_cmpstr (gp_record_get_string (invoice, "client_id"), ==, f->client);
  /* The note names the period as people write dates, not as stored. */
  g_assert_nonnull (strstr (gp_record_get_string (invoice, "notes"), "March 2026"));
  g_assert_null (strstr (gp_record_get_string (invoice, "notes"), "2026-03"));

  query = gp_query_new ("invoice_lines");
  gp_query_set_where (query, "invoice_id", invoice_id);
  gp_query_set_order (query, "position", FALSE);
  lines = gp_test_query (f->store, query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lines->len, ==, 2);
  /* 1.5 h + 0.5 h (+1 ms, which rounds away) at the client's €80.00. */
  g_assert_cmpstr (gp_record_get_string (g_ptr_array_index (lines, 0), "description"), ==, "Fix login");
  g_assert_cmpint (gp_record_get_int (g_ptr_array_index (lines, 0), "quantity"), ==, 2000);
  g_assert_cmpint (gp_record_get_int (g_ptr_array_index (lines, 0), "unit_price"), ==, 8000);
  g_assert_cmpstr (gp_record_get_string (g_ptr_array_index (lines, 1), "description"), ==, "Design review");
  g_assert_cmpint (gp_record_get_int (g_ptr_array_index (lines, 1), "quantity"), ==, 2000);
  g_assert_cmpint (gp_record_get_int (g_ptr_array_index (lines, 1), "unit_price"), ==, 10000);

  /* Exactly the billed entries point at the invoice, and are marked for sync. */
  sql = g_strdup_printf ("SELECT group_concat (id, ',') FROM (SELECT id FROM time_entries "
                         "WHERE billed_invoice_id = '%s' ORDER BY started_at)", invoice_id);
  {
    g_autofree char *billed = gp_test_sql_text (f->path, sql);
    g_autofree char *expected = g_strdup_printf ("%s,%s,%s", a1, a2, b1);

    g_assert_cmpstr (billed, ==, expected);
  }
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM history WHERE table_name = 'time_entries' "
                                    "AND field = 'billed_invoice_id' AND new IS NOT NULL"), ==, 3);

  /* Billing the same period again finds nothing: never billed twice. */
  again = invoice_time (f->store, f->client, MONDAY, MONDAY + 7 * DAY, &error);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_null (again);
  g_clear_error (&error);

  /* Deleting the invoice gives the time back. */
  g_clear_pointer (&lines, g_ptr_array_unref);
  lines = gp_test_delete (f->store, "invoices", invoice_id, &error);
  g_assert_no_error (error);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM time_entries WHERE billed_invoice_id IS NULL "
                         "AND id IN ('%s', '%s', '%s')", a1, a2, b1);
  g_assert_cmpint (gp_test_sql_int (f->path, sql), ==, 3);
  g_free (again);
  again = invoice_time (f->store, f->client, MONDAY, MONDAY + 7 * DAY, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
}

static void
test_invoice_time_needs_rate (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *entry = add_time (f, f->ticket_other, MONDAY, HOUR, TRUE);
  g_autofree char *invoice = invoice_time (f->store, f->other_client, MONDAY, MONDAY + DAY, &error);

  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Other"));
  g_assert_null (invoice);
  /* Nothing half-done: no invoice, the entry unbilled. */
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM invoices"), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM time_entries WHERE billed_invoice_id IS NOT NULL"), ==, 0);
}

typedef struct
{
  GPtrArray *ids;   /* the time_entries ids of every "changed" emission */
} Heard;

static void
store_changed_cb (GpStore     *store,
                  const char  *table,
                  const char  *const *ids,
                  Heard       *heard)
{
  if (g_strcmp0 (table, "time_entries") == 0)
    for (guint i = 0; ids[i] != NULL; i++)
      g_ptr_array_add (heard->ids, g_strdup (ids[i]));
}

static gboolean
heard_id (Heard      *heard,
          const char *id)
{
  for (guint i = 0; i < heard->ids->len; i++)
    if (g_str_equal (g_ptr_array_index (heard->ids, i), id))
      return TRUE;
  return FALSE;
}

/* The billed invoice of @id as the list shows it, "" when unbilled, NULL if absent. */
static const char *
list_billed (GListModel *list,
             const char *id)
{
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GpRecord) record = g_list_model_get_item (list, i);

      if (g_str_equal (gp_record_get_id (record), id))
        return gp_record_has_value (record, "billed_invoice_id")
               ? gp_record_get_string (record, "billed_invoice_id") : "";
    }
  return NULL;
}

static void
wait_list_billed (GListModel *list,
                  const char *id,
                  const char *expected)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (g_strcmp0 (list_billed (list, id), expected) != 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

/* Deleting an invoice releases its time through a store trigger; the time list hears of it
 * like of any write, and undoing the delete bills the time on the invoice again. */
static void
test_invoice_delete_undo (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GpRecordList) list = gp_record_list_new (f->store, "time_entries");
  g_autoptr(GPtrArray) removed = NULL;
  g_autofree char *a1 = add_time (f, f->ticket_a, MONDAY + 9 * HOUR, HOUR, TRUE);
  g_autofree char *b1 = add_time (f, f->ticket_b, MONDAY + 10 * HOUR, HOUR, TRUE);
  g_autofree char *unbilled = add_time (f, f->ticket_a, MONDAY + 11 * HOUR, HOUR, FALSE);
  g_autofree char *invoice = NULL;
  g_autofree char *sql = NULL;
  Heard heard = { g_ptr_array_new_with_free_func (g_free) };
  gulong handler;

  wait_list_billed (G_LIST_MODEL (list), a1, "");
  invoice = invoice_time (f->store, f->client, MONDAY, MONDAY + DAY, &error);
  g_assert_no_error (error);
  wait_list_billed (G_LIST_MODEL (list), a1, invoice);
  wait_list_billed (G_LIST_MODEL (list), b1, invoice);
  /* The entries are synced, as if the billing had reached the server. */
  gp_test_sql_exec (f->path, "UPDATE time_entries SET _status = 'synced', _changed = '', _base = '{}'");

  handler = g_signal_connect (f->store, "changed", G_CALLBACK (store_changed_cb), &heard);
  removed = gp_test_delete (f->store, "invoices", invoice, &error);
  g_assert_no_error (error);
  /* The invoice, its line(s) and the two entries it released, in that order. */
  g_assert_cmpstr (gp_record_get_table (g_ptr_array_index (removed, 0)), ==, "invoices");
  g_assert_cmpstr (gp_record_get_table (g_ptr_array_index (removed, removed->len - 1)), ==, "time_entries");
  g_assert_cmpstr (gp_record_get_table (g_ptr_array_index (removed, removed->len - 2)), ==, "time_entries");
  wait_list_billed (G_LIST_MODEL (list), a1, "");
  wait_list_billed (G_LIST_MODEL (list), b1, "");
  g_assert_true (heard_id (&heard, a1));
  g_assert_true (heard_id (&heard, b1));
  g_assert_false (heard_id (&heard, unbilled));
  /* Released like a local edit: it syncs. */
  sql = g_strdup_printf ("SELECT count(*) FROM time_entries WHERE billed_invoice_id IS NULL AND _status = 'updated' "
                         "AND instr (_changed, 'billed_invoice_id') > 0 AND id IN ('%s', '%s')", a1, b1);
  g_assert_cmpint (gp_test_sql_int (f->path, sql), ==, 2);

  /* Undo: the invoice is back, and so is the billing of its time. */
  g_ptr_array_set_size (heard.ids, 0);
  g_assert_true (gp_test_restore (f->store, removed, &error));
  g_assert_no_error (error);
  wait_list_billed (G_LIST_MODEL (list), a1, invoice);
  wait_list_billed (G_LIST_MODEL (list), b1, invoice);
  g_assert_true (heard_id (&heard, a1));
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM time_entries WHERE billed_invoice_id = '%s'", invoice);
  g_assert_cmpint (gp_test_sql_int (f->path, sql), ==, 2);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM time_entries WHERE billed_invoice_id IS NULL"), ==, 1);
  /* Nothing is billed twice: the same period has nothing left. */
  {
    g_autofree char *again = invoice_time (f->store, f->client, MONDAY, MONDAY + DAY, &error);

    g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
    g_assert_null (again);
    g_clear_error (&error);
  }

  /* Undoing twice changes nothing; time billed meanwhile on another invoice stays there. */
  g_assert_true (gp_test_restore (f->store, removed, &error));
  g_assert_cmpint (gp_test_sql_int (f->path, sql), ==, 2);

  /* An entry deleted before the undo is not brought back by it. */
  g_clear_pointer (&removed, g_ptr_array_unref);
  removed = gp_test_delete (f->store, "invoices", invoice, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) gone = gp_test_delete (f->store, "time_entries", b1, &error);

    g_assert_no_error (error);
  }
  g_assert_true (gp_test_restore (f->store, removed, &error));
  g_assert_no_error (error);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT group_concat (id) FROM time_entries WHERE billed_invoice_id = '%s' "
                         "AND _status != 'deleted'", invoice);
  {
    g_autofree char *billed = gp_test_sql_text (f->path, sql);

    g_assert_cmpstr (billed, ==, a1);
  }

  g_signal_handler_disconnect (f->store, handler);
  g_ptr_array_unref (heard.ids);
}

static void
test_ticket_delete_takes_time (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  g_autofree char *entry = add_time (f, f->ticket_a, MONDAY, HOUR, TRUE);

  removed = gp_test_delete (f->store, "tickets", f->ticket_a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed->len, ==, 2);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM time_entries"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/time/timer-survives-restart", test_timer_survives_restart);
  ADD ("/time/manual-entry-validation", test_manual_entry_validation);
  ADD ("/time/invoice-time", test_invoice_time);
  ADD ("/time/invoice-time-needs-rate", test_invoice_time_needs_rate);
  ADD ("/time/invoice-delete-undo", test_invoice_delete_undo);
  ADD ("/time/ticket-delete-takes-time", test_ticket_delete_takes_time);
#undef ADD

  return g_test_run ();
}
