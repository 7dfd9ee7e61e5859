/* test-sync-large.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <unistd.h>

#include "gp-error.h"
#include "gp-sync-test-utils.h"

/* A first sync of a large account: the server holds N records (filled through its push
 * endpoint), a fresh device pulls them in pages. Measured: the time, the peak memory
 * (VmHWM) and the longest stall of the main loop, sampled by a 5 ms timer. The default
 * suite uses a few thousand records and asserts a generous stall bound; the 'long' suite
 * runs 100,000 and reports. */

static guint n_records = 8000;
#ifdef __SANITIZE_ADDRESS__
/* AddressSanitizer multiplies the cost of every allocation; the bound is for real builds. */
static guint max_stall_ms = 1000;
#else
static guint max_stall_ms = 250;
#endif

/* The real server with an account holding @n records, and a fresh device for it. */
typedef struct
{
  char *dir;
  char *path;
  char *email;
  GpTestServer *server;
  GpAccount *account;
  GpStore *store;
  GpSyncClient *client;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  guint n = GPOINTER_TO_UINT (data) != 0 ? GPOINTER_TO_UINT (data) : n_records;

  f->dir = gp_test_make_dir ();
  f->email = g_strdup_printf ("large-%d@example.org", (int)getpid ());
  f->server = gp_test_server_start (f->dir, 0, NULL);
  f->account = gp_test_account_sign_in (f->server->uri, f->email, TRUE);
  gp_test_seed_server (session, f->server->uri, gp_account_get_token (f->account), n);

  f->path = g_build_filename (f->dir, "device.db", NULL);
  f->store = gp_test_open_store (f->path);
  f->client = gp_sync_client_new (f->store, f->account);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gp_sync_client_stop (f->client);
  g_clear_object (&f->client);
  gp_test_close_store (g_steal_pointer (&f->store));
  g_clear_object (&f->account);
  gp_test_server_free (f->server);
  gp_test_forget_account (f->email);
  gp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->email);
}

static void
test_first_sync (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GpTestTicker ticker;
  GpTestTicker idle;
  gint64 bound_ms;
  gint64 start, elapsed_ms, hwm_before, hwm_after;

  hwm_before = gp_test_vm_hwm_kib ();

  /* The same ticker on an idle main loop first: on a loaded machine the scheduler alone
   * delays ticks, and only stalls beyond that are the sync's doing. */
  gp_test_ticker_start (&idle);
  gp_test_iterate (1000);
  gp_test_ticker_stop (&idle);

  gp_test_ticker_start (&ticker);
  start = g_get_monotonic_time ();
  gp_test_sync (f->client, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  gp_test_ticker_stop (&ticker);
  g_assert_no_error (error);
  hwm_after = gp_test_vm_hwm_kib ();

  g_assert_cmpint (gp_test_count_synced (f->path), ==, n_records);
  g_assert_cmpuint (gp_store_get_pending_count (f->store), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key = 'pull_cursor'"), ==, 0);

  bound_ms = MAX (max_stall_ms, 3 * idle.max_wall / 1000);
  g_test_message ("first sync of %u records: %" G_GINT64_FORMAT " ms (%.0f records/s); "
                  "main loop max stall %.1f ms over %u ticks (idle baseline %.1f ms, bound %"
                  G_GINT64_FORMAT " ms); VmHWM %" G_GINT64_FORMAT " KiB before, %"
                  G_GINT64_FORMAT " KiB after",
                  n_records, elapsed_ms, n_records * 1000.0 / MAX (elapsed_ms, 1),
                  ticker.max_wall / 1000.0, ticker.ticks, idle.max_wall / 1000.0, bound_ms,
                  hwm_before, hwm_after);
  g_assert_cmpint (ticker.max_wall / 1000, <, bound_ms);
}

/* The first sync is interrupted after some pages; the next one resumes at the saved cursor
 * instead of starting over, and lastPulledAt is only set after the last page. */
static gboolean
applied_pages (gpointer data)
{
  return gp_test_sql_int (data, "SELECT count(*) FROM sync_meta WHERE key = 'pull_cursor'") > 0;
}

static gboolean
has_error (gpointer data)
{
  return gp_sync_status_get_last_error (data) != NULL;
}

static void
test_resume (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_object_set (f->client, "page-size", 100, NULL);

  /* The server dies while pages are coming in. */
  gp_sync_client_sync_now (f->client);
  g_assert_true (gp_test_wait_until (applied_pages, f->path, 30000));
  gp_test_server_kill (f->server);
  g_assert_true (gp_test_wait_until (has_error, gp_sync_client_get_status (f->client), 30000));
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key = 'last_pulled_at'"), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM clients"), >, 0);

  gp_test_server_restart (f->server);
  gp_test_sync (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gp_test_count_synced (f->path), ==, 2000);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key = 'last_pulled_at'"), ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key LIKE 'pull_cursor%'"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (int i = 1; i + 1 < argc; i++)
    if (g_str_equal (argv[i], "--records"))
      n_records = (guint)g_ascii_strtoull (argv[i + 1], NULL, 10);

  g_test_add ("/sync-large/first-sync", Fixture, NULL, fixture_set_up, test_first_sync, fixture_tear_down);
  g_test_add ("/sync-large/resume", Fixture, GUINT_TO_POINTER (2000),
              fixture_set_up, test_resume, fixture_tear_down);
  return g_test_run ();
}
