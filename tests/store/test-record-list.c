/* test-record-list.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gp-record-list.h"
#include "gp-store-private.h"
#include "gp-store-test-utils.h"

typedef struct
{
  char    *dir;
  char    *path;
  GpStore *store;
} Fixture;

/* A copy of the model kept only from items-changed, to prove the emissions are exact. */
typedef struct
{
  GPtrArray *items;
  guint      n_emissions;
  guint      position;
  guint      removed;
  guint      added;
} Shadow;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = gp_test_make_dir ();
  f->path = g_build_filename (f->dir, "gigpilot.db", NULL);
  f->store = gp_test_open_store (f->path);
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
shadow_items_changed_cb (GListModel *model,
                         guint       position,
                         guint       removed,
                         guint       added,
                         Shadow     *shadow)
{
  GPtrArray *next;

  g_assert_cmpuint (position + removed, <=, shadow->items->len);
  next = g_ptr_array_new_full (shadow->items->len - removed + added, g_object_unref);
  for (guint i = 0; i < position; i++)
    g_ptr_array_add (next, g_object_ref (g_ptr_array_index (shadow->items, i)));
  for (guint i = 0; i < added; i++)
    g_ptr_array_add (next, g_list_model_get_item (model, position + i));
  for (guint i = position + removed; i < shadow->items->len; i++)
    g_ptr_array_add (next, g_object_ref (g_ptr_array_index (shadow->items, i)));
  g_ptr_array_unref (shadow->items);
  shadow->items = next;
  g_assert_cmpuint (shadow->items->len, ==, g_list_model_get_n_items (model));

  shadow->n_emissions++;
  shadow->position = position;
  shadow->removed = removed;
  shadow->added = added;
}

static void
shadow_init (Shadow       *shadow,
             GpRecordList *list)
{
  shadow->n_emissions = 0;
  shadow->position = shadow->removed = shadow->added = 0;
  shadow->items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    g_ptr_array_add (shadow->items, g_list_model_get_item (G_LIST_MODEL (list), i));
  g_signal_connect (list, "items-changed", G_CALLBACK (shadow_items_changed_cb), shadow);
}

static void
shadow_reset (Shadow *shadow)
{
  shadow->n_emissions = 0;
  shadow->position = shadow->removed = shadow->added = G_MAXUINT;
}

static void
shadow_check (Shadow       *shadow,
              GpRecordList *list)
{
  g_assert_cmpuint (shadow->items->len, ==, g_list_model_get_n_items (G_LIST_MODEL (list)));
  for (guint i = 0; i < shadow->items->len; i++)
    {
      g_autoptr(GpRecord) item = g_list_model_get_item (G_LIST_MODEL (list), i);
      g_assert_true (item == g_ptr_array_index (shadow->items, i));
    }
}

static void
shadow_clear (Shadow       *shadow,
              GpRecordList *list)
{
  g_signal_handlers_disconnect_by_data (list, shadow);
  g_ptr_array_unref (shadow->items);
}

static void
wait_loaded (GpRecordList *list)
{
  while (gp_record_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
}

/* Lets the "changed" delivery and the refetch it starts finish. */
static void
settle (void)
{
  gp_test_iterate (30);
}

static void
save (Fixture    *f,
      const char *table,
      const char *id,
      const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = gp_test_save (f->store, table, id, json, &error);

  g_assert_no_error (error);
}

static char *
names (GpRecordList *list)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    {
      g_autoptr(GpRecord) record = g_list_model_get_item (G_LIST_MODEL (list), i);
      const char *name = gp_record_get_string (record, "name");

      if (name == NULL)
        name = gp_record_get_string (record, "title");
      g_string_append_printf (s, "%s%s", i > 0 ? " " : "", name);
    }
  return g_string_free (s, FALSE);
}

#define assert_names(list, expected) \
  G_STMT_START { \
    g_autofree char *_got = names (list); \
    g_assert_cmpstr (_got, ==, expected); \
  } G_STMT_END

static void
test_new (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GpRecordList) list = gp_record_list_new (f->store, "clients");

  g_assert_true (G_IS_LIST_MODEL (list));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == GP_TYPE_RECORD);
  g_assert_true (gp_record_list_get_loading (list));
  wait_loaded (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 0));
  g_assert_finalize_object (g_steal_pointer (&list));
}

static void
test_sorted_changes (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GpRecordList) list = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GError) error = NULL;
  Shadow shadow = { 0 };

  save (f, "clients", "b", "{\"name\": \"bravo\"}");
  save (f, "clients", "d", "{\"name\": \"Delta\"}");
  save (f, "clients", "a", "{\"name\": \"Alpha\"}");

  list = gp_record_list_new (f->store, "clients");
  gp_record_list_set_sort (list, "name", FALSE);
  shadow_init (&shadow, list);
  wait_loaded (list);
  assert_names (list, "Alpha bravo Delta");
  g_assert_cmpuint (shadow.n_emissions, ==, 1);

  /* Insert lands at its sorted place. */
  shadow_reset (&shadow);
  save (f, "clients", "c", "{\"name\": \"charlie\"}");
  settle ();
  assert_names (list, "Alpha bravo charlie Delta");
  g_assert_cmpuint (shadow.n_emissions, ==, 1);
  g_assert_cmpuint (shadow.position, ==, 2);
  g_assert_cmpuint (shadow.removed, ==, 0);
  g_assert_cmpuint (shadow.added, ==, 1);
  g_assert_true (gp_record_list_lookup (list, "c") != NULL);

  /* An update that keeps the order replaces in place. */
  shadow_reset (&shadow);
  save (f, "clients", "c", "{\"email\": \"c@x.test\"}");
  settle ();
  g_assert_cmpuint (shadow.n_emissions, ==, 1);
  g_assert_cmpuint (shadow.position, ==, 2);
  g_assert_cmpuint (shadow.removed, ==, 1);
  g_assert_cmpuint (shadow.added, ==, 1);
  g_assert_cmpstr (gp_record_get_string (gp_record_list_lookup (list, "c"), "email"), ==, "c@x.test");

  /* An update that moves a row covers the span it moved over. */
  shadow_reset (&shadow);
  save (f, "clients", "a", "{\"name\": \"Echo\"}");
  settle ();
  assert_names (list, "bravo charlie Delta Echo");
  g_assert_cmpuint (shadow.n_emissions, ==, 1);
  g_assert_cmpuint (shadow.position, ==, 0);
  g_assert_cmpuint (shadow.removed, ==, 4);
  g_assert_cmpuint (shadow.added, ==, 4);

  /* A delete removes exactly one row, also when it leaves a tombstone. */
  gp_test_sql_exec (f->path, "UPDATE clients SET _status = 'synced'");
  shadow_reset (&shadow);
  removed = gp_test_delete (f->store, "clients", "c", &error);
  g_assert_no_error (error);
  settle ();
  assert_names (list, "bravo Delta Echo");
  g_assert_cmpuint (shadow.n_emissions, ==, 1);
  g_assert_cmpuint (shadow.position, ==, 1);
  g_assert_cmpuint (shadow.removed, ==, 1);
  g_assert_cmpuint (shadow.added, ==, 0);
  g_assert_null (gp_record_list_lookup (list, "c"));

  /* Undo puts it back where it was. */
  shadow_reset (&shadow);
  g_assert_true (gp_test_restore (f->store, removed, &error));
  settle ();
  assert_names (list, "bravo charlie Delta Echo");
  g_assert_cmpuint (shadow.position, ==, 1);
  g_assert_cmpuint (shadow.removed, ==, 0);
  g_assert_cmpuint (shadow.added, ==, 1);

  /* Descending order reloads and keeps working. */
  gp_record_list_set_sort (list, "name", TRUE);
  wait_loaded (list);
  assert_names (list, "Echo Delta charlie bravo");
  save (f, "clients", "z", "{\"name\": \"Zulu\"}");
  settle ();
  assert_names (list, "Zulu Echo Delta charlie bravo");

  shadow_check (&shadow, list);
  shadow_clear (&shadow, list);
  g_assert_finalize_object (g_steal_pointer (&list));
}

static void
test_filter_and_where (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GpRecordList) list = NULL;
  g_autoptr(GpRecordList) tickets = NULL;
  Shadow shadow = { 0 };

  save (f, "clients", "a", "{\"name\": \"Acme\", \"company\": \"Rockets\"}");
  save (f, "clients", "b", "{\"name\": \"Bolt\"}");
  save (f, "clients", "c", "{\"name\": \"Crate\", \"email\": \"hello@rocket.test\"}");
  save (f, "tickets", "t1", "{\"client_id\": \"a\", \"title\": \"One\"}");
  save (f, "tickets", "t2", "{\"client_id\": \"b\", \"title\": \"Two\"}");
  save (f, "tickets", "t3", "{\"client_id\": \"a\", \"title\": \"Three\"}");

  list = gp_record_list_new (f->store, "clients");
  gp_record_list_set_sort (list, "name", FALSE);
  gp_record_list_set_filter_text (list, "ROCKET");
  shadow_init (&shadow, list);
  wait_loaded (list);
  assert_names (list, "Acme Crate");

  /* A row that starts matching comes in; one that stops matching goes. */
  save (f, "clients", "b", "{\"notes\": \"no\", \"company\": \"rocket fuel\"}");
  settle ();
  assert_names (list, "Acme Bolt Crate");
  shadow_reset (&shadow);
  save (f, "clients", "a", "{\"company\": \"Boats\"}");
  settle ();
  assert_names (list, "Bolt Crate");
  g_assert_cmpuint (shadow.n_emissions, ==, 1);
  g_assert_cmpuint (shadow.position, ==, 0);
  g_assert_cmpuint (shadow.removed, ==, 1);
  g_assert_cmpuint (shadow.added, ==, 0);

  /* LIKE wildcards in the text are taken literally. */
  gp_record_list_set_filter_text (list, "%");
  wait_loaded (list);
  assert_names (list, "");
  gp_record_list_set_filter_text (list, NULL);
  wait_loaded (list);
  assert_names (list, "Acme Bolt Crate");
  shadow_check (&shadow, list);
  shadow_clear (&shadow, list);

  tickets = gp_record_list_new (f->store, "tickets");
  gp_record_list_set_where (tickets, "client_id", "a");
  gp_record_list_set_sort (tickets, "title", FALSE);
  wait_loaded (tickets);
  assert_names (tickets, "One Three");
  save (f, "tickets", "t2", "{\"client_id\": \"a\"}");
  save (f, "tickets", "t1", "{\"client_id\": \"b\"}");
  settle ();
  assert_names (tickets, "Three Two");

  g_assert_finalize_object (g_steal_pointer (&tickets));
  g_assert_finalize_object (g_steal_pointer (&list));
}

static gboolean
insert_three_run (GpStoreTxn  *txn,
                  gpointer     data,
                  GError     **error)
{
  const char *ids[] = { "x1", "x2", "x3" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO clients (id, name, created_at, updated_at, _status) "
                                              "VALUES ('%s', 'Batch %u', %u, %u, 'synced')",
                                              ids[i], 3 - i, i, i);
      if (!_gp_store_txn_exec (txn, sql, error))
        return FALSE;
      _gp_store_txn_changed (txn, "clients", ids[i]);
    }
  return TRUE;
}

static void
test_one_emission_per_batch (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GpRecordList) list = gp_record_list_new (f->store, "clients");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Shadow shadow = { 0 };

  save (f, "clients", "m", "{\"name\": \"Batch 2.5\"}");
  gp_record_list_set_sort (list, "name", FALSE);
  shadow_init (&shadow, list);
  wait_loaded (list);
  shadow_reset (&shadow);

  _gp_store_run_async (f->store, GP_STORE_COMMAND_WRITE, insert_three_run, NULL, NULL, NULL,
                       gp_test_result_cb, &result, test_one_emission_per_batch);
  g_assert_true (_gp_store_run_finish (f->store, gp_test_wait (&result), NULL, &error));
  settle ();

  assert_names (list, "Batch 1 Batch 2 Batch 2.5 Batch 3");
  g_assert_cmpuint (shadow.n_emissions, ==, 1);
  g_assert_cmpuint (shadow.position, ==, 0);
  g_assert_cmpuint (shadow.removed, ==, 1);
  g_assert_cmpuint (shadow.added, ==, 4);
  shadow_check (&shadow, list);
  shadow_clear (&shadow, list);
  g_assert_finalize_object (g_steal_pointer (&list));
}

typedef struct
{
  guint pending;
} Outstanding;

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Outstanding *outstanding = user_data;
  g_autoptr(GError) error = NULL;

  if (g_async_result_is_tagged (result, gp_store_save_async))
    g_free (gp_store_save_finish (GP_STORE (object), result, &error));
  else
    gp_store_delete_finish (GP_STORE (object), result, &error);
  /* A delete may race a save of the same random row; that is fine here. */
  if (error != NULL)
    g_assert_true (g_error_matches (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND));
  outstanding->pending--;
}

static void
test_random_burst (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GpRecordList) list = gp_record_list_new (f->store, "clients");
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GpQuery) query = gp_query_new ("clients");
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(GError) error = NULL;
  Outstanding outstanding = { 0 };
  Shadow shadow = { 0 };

  gp_record_list_set_sort (list, "hourly_rate", FALSE);
  gp_record_list_set_filter_text (list, "keep");
  shadow_init (&shadow, list);
  wait_loaded (list);

  /* Many writes in flight at once, landing while refetches run. */
  for (guint i = 0; i < 400; i++)
    {
      g_autofree char *id = g_strdup_printf ("r%u", g_rand_int_range (rand, 0, 60));
      guint op = g_rand_int_range (rand, 0, 10);

      outstanding.pending++;
      if (op < 8)
        {
          g_autofree char *json =
            g_strdup_printf ("{\"name\": \"%s %u\", \"hourly_rate\": %u}",
                             g_rand_boolean (rand) ? "keep" : "drop", i, g_rand_int_range (rand, 0, 20));
          g_autoptr(JsonObject) fields = gp_test_json (json);

          gp_store_save_async (f->store, "clients", id, fields, NULL, done_cb, &outstanding);
        }
      else
        gp_store_delete_async (f->store, "clients", id, NULL, done_cb, &outstanding);

      if (i % 37 == 0)
        g_main_context_iteration (NULL, FALSE);
    }
  while (outstanding.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  settle ();

  gp_query_set_filter_text (query, "keep");
  gp_query_set_order (query, "hourly_rate", FALSE);
  expected = gp_test_query (f->store, query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (expected->len, ==, g_list_model_get_n_items (G_LIST_MODEL (list)));
  for (guint i = 0; i < expected->len; i++)
    {
      g_autoptr(GpRecord) item = g_list_model_get_item (G_LIST_MODEL (list), i);
      GpRecord *want = g_ptr_array_index (expected, i);

      g_assert_cmpstr (gp_record_get_id (item), ==, gp_record_get_id (want));
      g_assert_true (json_object_equal (gp_record_get_fields (item), gp_record_get_fields (want)));
    }
  g_test_message ("%u rows after the burst, %u items-changed", expected->len, shadow.n_emissions);
  shadow_check (&shadow, list);
  shadow_clear (&shadow, list);
  g_assert_finalize_object (g_steal_pointer (&list));
}

/* The same burst while the sort and filter keep changing: reloads take records from the
 * list's pool while writes drop them from it and refetches put new ones in. At the end
 * the list equals the query, and lookup() finds exactly the listed records. */
static void
test_random_burst_reloads (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GpRecordList) list = gp_record_list_new (f->store, "clients");
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(GpQuery) query = gp_query_new ("clients");
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(GError) error = NULL;
  const char *sorts[] = { "hourly_rate", "name", "email" };
  const char *filters[] = { "keep", NULL, "o" };
  guint sort = 0, filter = 0;
  Outstanding outstanding = { 0 };

  wait_loaded (list);
  for (guint i = 0; i < 600; i++)
    {
      g_autofree char *id = g_strdup_printf ("r%u", g_rand_int_range (rand, 0, 80));
      guint op = g_rand_int_range (rand, 0, 10);

      outstanding.pending++;
      if (op < 8)
        {
          g_autofree char *json =
            g_strdup_printf ("{\"name\": \"%s %u\", \"email\": \"%u@x.test\", \"hourly_rate\": %u}",
                             g_rand_boolean (rand) ? "keep" : "drop", i, g_rand_int_range (rand, 0, 50),
                             g_rand_int_range (rand, 0, 20));
          g_autoptr(JsonObject) fields = gp_test_json (json);

          gp_store_save_async (f->store, "clients", id, fields, NULL, done_cb, &outstanding);
        }
      else
        gp_store_delete_async (f->store, "clients", id, NULL, done_cb, &outstanding);

      if (i % 23 == 0)
        {
          sort = g_rand_int_range (rand, 0, G_N_ELEMENTS (sorts));
          filter = g_rand_int_range (rand, 0, G_N_ELEMENTS (filters));
          gp_record_list_set_sort (list, sorts[sort], g_rand_boolean (rand));
          gp_record_list_set_filter_text (list, filters[filter]);
        }
      if (i % 7 == 0)
        g_main_context_iteration (NULL, FALSE);
    }
  gp_record_list_set_sort (list, sorts[sort], FALSE);
  while (outstanding.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  wait_loaded (list);
  settle ();

  gp_query_set_filter_text (query, filters[filter]);
  gp_query_set_order (query, sorts[sort], FALSE);
  expected = gp_test_query (f->store, query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (expected->len, ==, g_list_model_get_n_items (G_LIST_MODEL (list)));
  for (guint i = 0; i < expected->len; i++)
    {
      g_autoptr(GpRecord) item = g_list_model_get_item (G_LIST_MODEL (list), i);
      GpRecord *want = g_ptr_array_index (expected, i);

      g_assert_cmpstr (gp_record_get_id (item), ==, gp_record_get_id (want));
      g_assert_true (json_object_equal (gp_record_get_fields (item), gp_record_get_fields (want)));
      g_assert_true (gp_record_list_lookup (list, gp_record_get_id (want)) == item);
    }
  for (guint i = 0; i < 80; i++)
    {
      g_autofree char *id = g_strdup_printf ("r%u", i);
      gboolean listed = FALSE;

      for (guint j = 0; j < expected->len && !listed; j++)
        listed = g_strcmp0 (gp_record_get_id (g_ptr_array_index (expected, j)), id) == 0;
      if (!listed)
        g_assert_null (gp_record_list_lookup (list, id));
    }
  g_assert_finalize_object (g_steal_pointer (&list));
}

/* 100k rows: loading, one change, and a new filter. In each phase the main thread may never
 * work 50 ms at a stretch, and the main loop must keep ticking within 50 ms; the latter gets
 * three attempts because a machine loaded by other builds can deschedule the test. */
static void
test_large (Fixture       *f,
            gconstpointer  data)
{
  const guint n = 100000;
  g_autoptr(GString) sql = g_string_new ("BEGIN;");
  GpTestTicker ticker;
  gboolean smooth = FALSE;

  /* Written straight to the file: this test is about reading. */
  for (guint i = 0; i < n; i++)
    g_string_append_printf (sql, "INSERT INTO clients (id, name, email, hourly_rate, created_at, updated_at, _status) "
                                 "VALUES ('id%06u', 'Client %06u', 'c%u@example.test', %u, %u, %u, 'synced');",
                            i, (i * 7919) % n, i, i % 500, i, i);
  g_string_append (sql, "COMMIT;");
  gp_test_sql_exec (f->path, sql->str);

  for (guint attempt = 0; attempt < 3 && !smooth; attempt++)
    {
      g_autoptr(GpRecordList) list = NULL;
      /* Odd ids up to 5 have names outside the "Client 01" filter below, so a retry's
       * renamed row never changes the filtered count. */
      g_autofree char *id = g_strdup_printf ("id%06u", 2 * attempt + 1);
      g_autofree char *json = g_strdup_printf ("{\"name\": \"Client 000000%c\"}", 'a' + attempt);
      gint64 start, load_ms, change_ms, filter_ms, worst_wall, worst_cpu;
      Shadow shadow = { 0 };

      gp_test_ticker_start (&ticker);
      start = g_get_monotonic_time ();
      list = gp_record_list_new (f->store, "clients");
      gp_record_list_set_sort (list, "name", FALSE);
      wait_loaded (list);
      load_ms = (g_get_monotonic_time () - start) / 1000;
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n);
      worst_wall = ticker.max_wall;
      worst_cpu = ticker.max_cpu;

      /* One change in a list of 100k is one small splice. */
      shadow_init (&shadow, list);
      gp_test_ticker_reset (&ticker);
      start = g_get_monotonic_time ();
      save (f, "clients", id, json);
      while (shadow.n_emissions == 0)
        g_main_context_iteration (NULL, TRUE);
      change_ms = (g_get_monotonic_time () - start) / 1000;
      settle ();
      g_assert_cmpuint (shadow.n_emissions, ==, 1);
      g_assert_cmpuint (shadow.position, ==, attempt + 1);
      shadow_check (&shadow, list);
      worst_wall = MAX (worst_wall, ticker.max_wall);
      worst_cpu = MAX (worst_cpu, ticker.max_cpu);

      /* A new filter replaces all 100k rows with 10k others. The shadow goes first: it holds
       * a reference to every row, which no view does. */
      shadow_clear (&shadow, list);
      gp_test_ticker_reset (&ticker);
      start = g_get_monotonic_time ();
      gp_record_list_set_filter_text (list, "Client 01");
      wait_loaded (list);
      filter_ms = (g_get_monotonic_time () - start) / 1000;
      gp_test_iterate (20);
      /* 10000 rows, less any an earlier attempt renamed out of the filter. */
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==,
                        gp_test_sql_int (f->path, "SELECT count(*) FROM clients WHERE name LIKE '%Client 01%'"));
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), >=, 9998);
      worst_wall = MAX (worst_wall, ticker.max_wall);
      worst_cpu = MAX (worst_cpu, ticker.max_cpu);
      gp_test_ticker_stop (&ticker);

      g_test_message ("100k rows: loaded in %" G_GINT64_FORMAT " ms, one change shown in %" G_GINT64_FORMAT
                      " ms, refiltered in %" G_GINT64_FORMAT " ms; longest main-loop gap %" G_GINT64_FORMAT
                      " ms, of which the main thread worked %" G_GINT64_FORMAT " ms",
                      load_ms, change_ms, filter_ms, worst_wall / 1000, worst_cpu / 1000);
      g_assert_cmpint (worst_cpu, <, GP_TEST_FRAME_BUDGET_US);
      smooth = worst_wall < GP_TEST_FRAME_BUDGET_US;

      g_assert_finalize_object (g_steal_pointer (&list));
    }

  /* Three descheduled attempts on an overloaded machine say nothing about the store; the
   * main thread's own work was bounded above in every attempt. */
  if (!smooth && gp_test_machine_overloaded ())
    {
      g_test_message ("the machine is overloaded: wall-clock gaps not judged");
      smooth = TRUE;
    }
  g_assert_true (smooth);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/record-list/new", test_new);
  ADD ("/record-list/sorted-changes", test_sorted_changes);
  ADD ("/record-list/filter-and-where", test_filter_and_where);
  ADD ("/record-list/one-emission-per-batch", test_one_emission_per_batch);
  ADD ("/record-list/random-burst", test_random_burst);
  ADD ("/record-list/random-burst-reloads", test_random_burst_reloads);
  ADD ("/record-list/large", test_large);
#undef ADD

  return g_test_run ();
}
