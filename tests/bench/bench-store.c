/* bench-store.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Store benchmarks for build-aux/bench (never run by the test suite):
 *
 *   edit-ack   one local edit, gp_store_save_async() to its callback (the commit is
 *              durable: WAL + synchronous=FULL), N edits one after the other;
 *   list       100k invoices through GpRecordList: first load, re-sorts and re-filters
 *              (each until the model has settled), the longest main-loop stall and the
 *              process's peak memory with the list loaded;
 *   paged      the same 100k invoices through GpPagedList, which the window's lists use:
 *              the count and first page, re-sorts and re-filters (each until the count and
 *              first page are in), a page far down the list (scrolling there), the longest
 *              main-loop stall.
 *
 * Prints one "name value unit" line per figure. */

#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp-paged-list.h"
#include "gp-record-list.h"
#include "gp-store.h"
#include "gp-store-test-utils.h"

static int
compare_i64 (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  guint i;

  g_array_sort (values, compare_i64);
  i = (guint) MIN (values->len - 1, (p / 100.0) * values->len);
  return g_array_index (values, gint64, i) / 1000.0;
}

/* The process's peak resident memory (VmHWM). */
static double
peak_rss_mib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmHWM:")) == NULL)
    return 0;
  return g_ascii_strtod (line + strlen ("VmHWM:"), NULL) / 1024.0;
}

static void
bench_edit_ack (GpStore *store,
                guint    n)
{
  g_autoptr(GArray) lat = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gp_test_save (store, "clients", NULL, "{\"name\": \"Bench\"}", &error);

  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\": \"Bench %u\", \"hourly_rate\": %u}", i, i);
      g_autofree char *saved = NULL;
      gint64 start = g_get_monotonic_time ();
      gint64 us;

      saved = gp_test_save (store, "clients", (i % 2) ? id : NULL, json, &error);
      g_assert_no_error (error);
      us = g_get_monotonic_time () - start;
      g_array_append_val (lat, us);
    }
  printf ("edit_ack_p50 %.2f ms\n", percentile (lat, 50));
  printf ("edit_ack_p99 %.2f ms\n", percentile (lat, 99));
  printf ("edit_ack_max %.2f ms\n", percentile (lat, 100));
}

static void
wait_settled (GpRecordList *list)
{
  /* Loading flips on at once; wait until it is off again and the splices are in. */
  while (gp_record_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
bench_list (const char *path,
            GpStore    *store,
            guint       n)
{
  g_autoptr(GString) sql = g_string_new ("BEGIN;");
  g_autoptr(GpRecordList) list = NULL;
  g_autoptr(GArray) ops = g_array_new (FALSE, FALSE, sizeof (gint64));
  const char *sorts[] = { "number", "due_on", "status", "issued_on" };
  const char *filters[] = { "INV-01", "paid", "INV-7", "", "note 4", "INV-0000" };
  GpTestTicker ticker;
  gint64 start, load_us;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (sql, "INSERT INTO invoices (id, number, status, currency, issued_on, due_on, notes, "
                                 "created_at, updated_at, _status) VALUES ('inv%07u', 'INV-%06u', '%s', 'EUR', "
                                 "'2026-%02u-%02u', '2026-%02u-%02u', 'note %u', %u, %u, 'synced');",
                            i, (i * 7919) % n, (i % 3) ? "sent" : "paid", 1 + i % 12, 1 + i % 28,
                            1 + (i * 7) % 12, 1 + (i * 3) % 28, i % 1000, i, i);
  g_string_append (sql, "COMMIT;");
  gp_test_sql_exec (path, sql->str);

  gp_test_ticker_start (&ticker);
  start = g_get_monotonic_time ();
  list = gp_record_list_new (store, "invoices");
  gp_record_list_set_sort (list, "number", FALSE);
  wait_settled (list);
  load_us = g_get_monotonic_time () - start;
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n);

  for (guint round = 0; round < 5; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (sorts); i++)
        {
          gint64 us;

          start = g_get_monotonic_time ();
          gp_record_list_set_sort (list, sorts[i], (round + i) % 2);
          wait_settled (list);
          us = g_get_monotonic_time () - start;
          if (g_getenv ("GP_BENCH_VERBOSE"))
            fprintf (stderr, "sort %s: %.1f ms\n", sorts[i], us / 1000.0);
          g_array_append_val (ops, us);
        }
      for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
        {
          gint64 us;

          start = g_get_monotonic_time ();
          gp_record_list_set_filter_text (list, filters[i]);
          wait_settled (list);
          us = g_get_monotonic_time () - start;
          if (g_getenv ("GP_BENCH_VERBOSE"))
            fprintf (stderr, "filter '%s': %.1f ms (%u rows)\n", filters[i], us / 1000.0,
                     g_list_model_get_n_items (G_LIST_MODEL (list)));
          g_array_append_val (ops, us);
        }
    }
  gp_test_ticker_stop (&ticker);

  printf ("list_load_100k %.1f ms\n", load_us / 1000.0);
  printf ("list_sort_filter_p50 %.1f ms\n", percentile (ops, 50));
  printf ("list_sort_filter_p95 %.1f ms\n", percentile (ops, 95));
  printf ("list_main_loop_stall_max %.1f ms\n", ticker.max_wall / 1000.0);
  printf ("list_main_thread_cpu_max %.1f ms\n", ticker.max_cpu / 1000.0);
  printf ("list_peak_rss_100k %.1f MiB\n", peak_rss_mib ());
}

static void
wait_paged (GpPagedList *list)
{
  while (gp_paged_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Until the row at @position is a real record (its page read on the store thread). */
static void
wait_row (GpPagedList *list,
          guint        position)
{
  for (;;)
    {
      g_autoptr(GpRecord) record = g_list_model_get_item (G_LIST_MODEL (list), position);

      if (record == NULL || !gp_paged_list_is_placeholder (list, record))
        return;
      g_main_context_iteration (NULL, TRUE);
    }
}

/* Runs after bench_list(), on the invoices it inserted. */
static void
bench_paged (GpStore *store,
             guint    n)
{
  g_autoptr(GpPagedList) list = NULL;
  g_autoptr(GArray) ops = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) jumps = g_array_new (FALSE, FALSE, sizeof (gint64));
  const char *sorts[] = { "number", "due_on", "status", "issued_on" };
  const char *filters[] = { "INV-01", "paid", "INV-7", "", "note 4", "INV-0000" };
  GpTestTicker ticker;
  gint64 start, first_us;

  gp_test_ticker_start (&ticker);
  start = g_get_monotonic_time ();
  list = gp_paged_list_new (store, "invoices");
  gp_paged_list_set_sort (list, "number", FALSE);
  wait_paged (list);
  wait_row (list, 0);
  first_us = g_get_monotonic_time () - start;
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n);

  for (guint round = 0; round < 5; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (sorts) + G_N_ELEMENTS (filters); i++)
        {
          gint64 us;

          start = g_get_monotonic_time ();
          if (i < G_N_ELEMENTS (sorts))
            gp_paged_list_set_sort (list, sorts[i], (round + i) % 2);
          else
            gp_paged_list_set_filter_text (list, filters[i - G_N_ELEMENTS (sorts)]);
          wait_paged (list);
          wait_row (list, 0);
          us = g_get_monotonic_time () - start;
          if (g_getenv ("GP_BENCH_VERBOSE"))
            fprintf (stderr, "paged %s %s: %.1f ms (%u rows)\n", i < G_N_ELEMENTS (sorts) ? "sort" : "filter",
                     i < G_N_ELEMENTS (sorts) ? sorts[i] : filters[i - G_N_ELEMENTS (sorts)], us / 1000.0,
                     g_list_model_get_n_items (G_LIST_MODEL (list)));
          g_array_append_val (ops, us);

          /* Then a row far down, as a scroll there would ask for. */
          if (g_list_model_get_n_items (G_LIST_MODEL (list)) > 1000)
            {
              guint position = g_list_model_get_n_items (G_LIST_MODEL (list)) * (round + 1) / 7;

              start = g_get_monotonic_time ();
              wait_row (list, position);
              us = g_get_monotonic_time () - start;
              g_array_append_val (jumps, us);
            }
        }
    }
  gp_test_ticker_stop (&ticker);

  printf ("paged_first_page_100k %.1f ms\n", first_us / 1000.0);
  printf ("paged_sort_filter_p50 %.1f ms\n", percentile (ops, 50));
  printf ("paged_sort_filter_p95 %.1f ms\n", percentile (ops, 95));
  printf ("paged_far_page_p95 %.1f ms\n", percentile (jumps, 95));
  printf ("paged_main_loop_stall_max %.1f ms\n", ticker.max_wall / 1000.0);
  printf ("paged_main_thread_cpu_max %.1f ms\n", ticker.max_cpu / 1000.0);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = gp_test_make_dir ();
  g_autofree char *path = g_build_filename (dir, "bench.db", NULL);
  guint n_rows = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  GpStore *store = gp_test_open_store (path);

  bench_edit_ack (store, 1000);
  bench_list (path, store, n_rows);
  bench_paged (store, n_rows);
  gp_test_close_store (store);
  gp_test_remove_dir (dir);
  return 0;
}
