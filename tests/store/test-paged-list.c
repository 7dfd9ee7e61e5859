/* test-paged-list.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gp-paged-list.h"
#include "gp-store-private.h"
#include "gp-store-test-utils.h"

#define N_CLIENTS 1000

typedef struct
{
  char    *dir;
  char    *path;
  GpStore *store;
} Fixture;

typedef struct
{
  guint n_emissions;
  guint position;
  guint removed;
  guint added;
  guint first_position;  /* of the emissions since the last wait_emission() */
  guint n_batch;
} Emissions;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = gp_test_make_dir ();
  f->path = g_build_filename (f->dir, "gigpilot.db", NULL);
  f->store = gp_test_open_store (f->path);

  /* Synced rows written straight to the file, as a first sync would leave them. */
  gp_test_sql_exec (f->path,
                    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999) "
                    "INSERT INTO clients (id, name, email, hourly_rate, created_at, updated_at, _status) "
                    "SELECT printf ('id-%04d', i), printf ('Client %04d', i), printf ('c%d@x.test', i), "
                    "i % 7, 1000 + i, 1000 + i, 'synced' FROM n");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gp_test_close_store (g_steal_pointer (&f->store));
  gp_test_remove_dir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static void
emitted_cb (GListModel *model,
            guint       position,
            guint       removed,
            guint       added,
            Emissions  *emissions)
{
  if (emissions->n_batch++ == 0)
    emissions->first_position = position;
  emissions->n_emissions++;
  emissions->position = position;
  emissions->removed = removed;
  emissions->added = added;
}

static void
wait_loaded (GpPagedList *list)
{
  while (gp_paged_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
  gp_test_iterate (5);
}

/* The row at @position once its page is in (transfer full). */
static GpRecord *
row_at (GpPagedList *list,
        guint        position)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  for (;;)
    {
      GpRecord *record = g_list_model_get_item (G_LIST_MODEL (list), position);

      g_assert_nonnull (record);
      if (!gp_paged_list_is_placeholder (list, record))
        return record;
      g_object_unref (record);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* Walks the whole list and compares it with the same query read at once. */
static void
assert_matches_query (Fixture     *f,
                      GpPagedList *list,
                      const char  *sort,
                      gboolean     descending,
                      const char  *filter)
{
  g_autoptr(GpQuery) query = gp_query_new ("clients");
  g_autoptr(GPtrArray) want = NULL;
  g_autoptr(GError) error = NULL;

  gp_query_set_order (query, sort, descending);
  gp_query_set_filter_text (query, filter);
  want = gp_test_query (f->store, query, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, want->len);
  for (guint i = 0; i < want->len; i++)
    {
      g_autoptr(GpRecord) record = row_at (list, i);

      g_assert_cmpstr (gp_record_get_id (record), ==, gp_record_get_id (g_ptr_array_index (want, i)));
    }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), want->len));
}

static void
test_pages (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GpPagedList) list = gp_paged_list_new (f->store, "clients");
  g_autoptr(GpRecord) first = NULL;
  g_autoptr(GpRecord) middle = NULL;
  g_autoptr(GpRecord) waiting = NULL;
  Emissions emissions = { 0 };

  gp_paged_list_set_sort (list, "name", FALSE);
  g_assert_true (gp_paged_list_get_loading (list));
  wait_loaded (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_CLIENTS);

  /* The first page came with the count. */
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_false (gp_paged_list_is_placeholder (list, first));
  g_assert_cmpstr (gp_record_get_string (first, "name"), ==, "Client 0000");

  /* Another page is read when asked for, and announced when it is in. */
  g_signal_connect (list, "items-changed", G_CALLBACK (emitted_cb), &emissions);
  waiting = g_list_model_get_item (G_LIST_MODEL (list), 555);
  g_assert_true (gp_paged_list_is_placeholder (list, waiting));
  g_assert_cmpstr (gp_record_get_id (waiting), ==, "");
  middle = row_at (list, 555);
  g_assert_cmpstr (gp_record_get_string (middle, "name"), ==, "Client 0555");
  g_assert_cmpuint (emissions.n_emissions, ==, 1);
  g_assert_cmpuint (emissions.position, ==, 500);
  g_assert_cmpuint (emissions.removed, ==, 100);
  g_assert_cmpuint (emissions.added, ==, 100);
  g_assert_true (gp_paged_list_lookup (list, "id-0555") == middle);

  /* Walking every row keeps only the latest pages: the first one is read again. */
  assert_matches_query (f, list, "name", FALSE, NULL);
  g_assert_null (gp_paged_list_lookup (list, "id-0000"));
  g_assert_nonnull (gp_paged_list_lookup (list, "id-0999"));
  g_signal_handlers_disconnect_by_data (list, &emissions);
}

static void
test_sort_filter (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GpPagedList) list = gp_paged_list_new (f->store, "clients");
  g_autoptr(GpRecord) record = NULL;

  gp_paged_list_set_sort (list, "hourly_rate", TRUE);
  wait_loaded (list);
  assert_matches_query (f, list, "hourly_rate", TRUE, NULL);

  gp_paged_list_set_filter_text (list, "CLIENT 09");
  wait_loaded (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 100);
  assert_matches_query (f, list, "hourly_rate", TRUE, "CLIENT 09");

  gp_paged_list_set_sort (list, "name", TRUE);
  wait_loaded (list);
  record = row_at (list, 0);
  g_assert_cmpstr (gp_record_get_string (record, "name"), ==, "Client 0999");

  gp_paged_list_set_filter_text (list, "nobody");
  wait_loaded (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  gp_paged_list_set_filter_text (list, NULL);
  wait_loaded (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_CLIENTS);
}

static void
wait_emission (Emissions *emissions,
               guint      n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  emissions->n_batch = 0;
  while (emissions->n_emissions < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  gp_test_iterate (20);
}

/* Writes through the store reach the list as exact, small emissions; rows that did not
 * change keep their record. */
static void
test_changes (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GpPagedList) list = gp_paged_list_new (f->store, "clients");
  g_autoptr(GpRecord) kept = NULL;
  g_autoptr(GpRecord) row = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  Emissions emissions = { 0 };

  gp_paged_list_set_sort (list, "name", FALSE);
  wait_loaded (list);
  kept = row_at (list, 3);
  g_signal_connect (list, "items-changed", G_CALLBACK (emitted_cb), &emissions);

  /* An edit that keeps the row's place: that position only. */
  g_free (gp_test_save (f->store, "clients", "id-0005", "{\"name\": \"Client 0005 renamed\"}", &error));
  g_assert_no_error (error);
  wait_emission (&emissions, 1);
  g_assert_cmpuint (emissions.n_emissions, ==, 1);
  g_assert_cmpuint (emissions.position, ==, 5);
  g_assert_cmpuint (emissions.removed, ==, 1);
  g_assert_cmpuint (emissions.added, ==, 1);
  row = row_at (list, 5);
  g_assert_cmpstr (gp_record_get_string (row, "name"), ==, "Client 0005 renamed");
  g_clear_object (&row);
  row = row_at (list, 3);
  g_assert_true (row == kept);
  g_clear_object (&row);

  /* A new row between: everything after it moves, the page held first, then the rest
   * (so a selection never searches every row for its item). */
  id = gp_test_save (f->store, "clients", NULL, "{\"name\": \"Client 0001½\"}", &error);
  g_assert_no_error (error);
  wait_emission (&emissions, 3);
  g_assert_cmpuint (emissions.n_emissions, ==, 3);
  g_assert_cmpuint (emissions.first_position, ==, 2);
  g_assert_cmpuint (emissions.position, ==, 100);
  g_assert_cmpuint (emissions.removed, ==, N_CLIENTS - 100);
  g_assert_cmpuint (emissions.added, ==, N_CLIENTS + 1 - 100);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_CLIENTS + 1);
  row = row_at (list, 2);
  g_assert_cmpstr (gp_record_get_id (row), ==, id);
  g_clear_object (&row);

  /* A deleted row goes. */
  removed = gp_test_delete (f->store, "clients", "id-0000", &error);
  g_assert_no_error (error);
  wait_emission (&emissions, 5);
  g_assert_cmpuint (emissions.first_position, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_CLIENTS);
  assert_matches_query (f, list, "name", FALSE, NULL);
  g_signal_handlers_disconnect_by_data (list, &emissions);
}

static void
test_new_destroy (Fixture       *f,
                  gconstpointer  data)
{
  GpPagedList *list = gp_paged_list_new (f->store, "clients");

  /* Gone before its first answer: the answer finds nothing to fill. */
  g_assert_finalize_object (list);
  gp_test_iterate (50);

  list = gp_paged_list_new (f->store, "clients");
  wait_loaded (list);
  g_object_unref (row_at (list, 900));
  gp_test_iterate (5);
  g_assert_finalize_object (list);
  gp_test_iterate (50);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/paged-list/new-destroy", test_new_destroy);
  ADD ("/paged-list/pages", test_pages);
  ADD ("/paged-list/sort-filter", test_sort_filter);
  ADD ("/paged-list/changes", test_changes);

  return g_test_run ();
}
