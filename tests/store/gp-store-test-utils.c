/* gp-store-test-utils.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gp-store-test-utils.h"

#include <string.h>

#include <glib/gstdio.h>
#include <time.h>

char *
gp_test_make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("gigpilot-store-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
gp_test_remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

void
gp_test_result_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

GAsyncResult *
gp_test_wait (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static gboolean
quit_cb (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @ms, so deliveries queued by the store thread arrive. */
void
gp_test_iterate (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, quit_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

GpStore *
gp_test_open_store (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GpStore *store = gp_store_new (path);

  gp_store_open_async (store, NULL, gp_test_result_cb, &result);
  g_assert_true (gp_store_open_finish (store, gp_test_wait (&result), &error));
  g_assert_no_error (error);
  /* Let the initial counts arrive. */
  gp_test_iterate (5);
  return store;
}

void
gp_test_close_store (GpStore *store)
{
  gp_test_iterate (5);
  gp_store_close (store);
  g_assert_finalize_object (store);
}

JsonObject *
gp_test_json (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* The test's own error, or (with @error NULL) one that must stay unset. */
static GError **
error_slot (GError **error,
            GError **local)
{
  return error != NULL ? error : local;
}

char *
gp_test_save (GpStore    *store,
              const char *table,
              const char *id,
              const char *json,
              GError    **error)
{
  g_autoptr(JsonObject) fields = gp_test_json (json);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) local = NULL;
  char *saved;

  gp_store_save_async (store, table, id, fields, NULL, gp_test_result_cb, &result);
  saved = gp_store_save_finish (store, gp_test_wait (&result), error_slot (error, &local));
  g_assert_no_error (local);
  return saved;
}

GPtrArray *
gp_test_delete (GpStore    *store,
                const char *table,
                const char *id,
                GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) local = NULL;
  GPtrArray *removed;

  gp_store_delete_async (store, table, id, NULL, gp_test_result_cb, &result);
  removed = gp_store_delete_finish_removed (store, gp_test_wait (&result), error_slot (error, &local));
  g_assert_no_error (local);
  return removed;
}

gboolean
gp_test_restore (GpStore   *store,
                 GPtrArray *records,
                 GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gp_store_restore_async (store, records, NULL, gp_test_result_cb, &result);
  return gp_store_restore_finish (store, gp_test_wait (&result), error);
}

GpRecord *
gp_test_get (GpStore    *store,
             const char *table,
             const char *id,
             GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) local = NULL;
  GpRecord *record;

  gp_store_get_async (store, table, id, NULL, gp_test_result_cb, &result);
  record = gp_store_get_finish (store, gp_test_wait (&result), error_slot (error, &local));
  if (g_error_matches (local, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND))
    return NULL;
  g_assert_no_error (local);
  return record;
}

GPtrArray *
gp_test_query (GpStore  *store,
               GpQuery  *query,
               GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gp_store_query_async (store, query, NULL, gp_test_result_cb, &result);
  return gp_store_query_finish (store, gp_test_wait (&result), error);
}

static sqlite3 *
open_raw (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

char *
gp_test_sql_text (const char *path,
                  const char *sql)
{
  sqlite3 *db = open_raw (path);
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    text = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return text;
}

gint64
gp_test_sql_int (const char *path,
                 const char *sql)
{
  sqlite3 *db = open_raw (path);
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

void
gp_test_sql_exec (const char *path,
                  const char *sql)
{
  sqlite3 *db = open_raw (path);
  char *message = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &message);

  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static gint64
thread_cpu_usec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
ticker_tick_cb (gpointer data)
{
  GpTestTicker *ticker = data;
  gint64 wall = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_usec ();

  if (ticker->last_wall != 0)
    {
      ticker->max_wall = MAX (ticker->max_wall, wall - ticker->last_wall);
      ticker->max_cpu = MAX (ticker->max_cpu, cpu - ticker->last_cpu);
    }
  ticker->last_wall = wall;
  ticker->last_cpu = cpu;
  ticker->ticks++;
  return G_SOURCE_CONTINUE;
}

void
gp_test_ticker_start (GpTestTicker *ticker)
{
  memset (ticker, 0, sizeof *ticker);
  ticker->source = g_timeout_add (5, ticker_tick_cb, ticker);
  gp_test_iterate (20);
}

void
gp_test_ticker_reset (GpTestTicker *ticker)
{
  ticker->last_wall = ticker->last_cpu = 0;
  ticker->max_wall = ticker->max_cpu = 0;
  ticker->ticks = 0;
  /* Restart from a fresh tick, so time spent before the reset is not counted. */
  gp_test_iterate (10);
  ticker->max_wall = ticker->max_cpu = 0;
}

void
gp_test_ticker_stop (GpTestTicker *ticker)
{
  g_clear_handle_id (&ticker->source, g_source_remove);
}

gboolean
gp_test_machine_overloaded (void)
{
  g_autofree char *contents = NULL;
  double load;

  if (!g_file_get_contents ("/proc/loadavg", &contents, NULL, NULL))
    return FALSE;

  load = g_ascii_strtod (contents, NULL);
  g_test_message ("load average %.2f on %u cores", load, g_get_num_processors ());
  return load > 1.5 * g_get_num_processors ();
}

gint64
gp_test_vm_hwm_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line != NULL ? g_ascii_strtoll (line + strlen ("VmHWM:"), NULL, 10) : -1;
}
