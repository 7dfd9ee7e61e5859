/* bench-sync.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Client sync benchmarks for build-aux/bench (never run by the test suite). The real
 * GpStore and GpSyncClient against the real gigpilot-server on 127.0.0.1, which is seeded
 * with N records (default 100,000: per 20 records one client, eight invoices with one line
 * each, three tickets) through big pushes:
 *
 *   first sync    a fresh device pulls all N records into an empty database: time, the
 *                 longest main-loop stall (a 5 ms timer; an idle baseline is taken first)
 *                 and the growth of the peak resident memory (VmHWM);
 *   push 10k      10,000 local changes go up in one atomic push (push-batch-size 10000);
 *   after push    the next sync, whose pull brings the 10k pushed records back;
 *   incremental   another device changes 100 records; one sync run on this device, with
 *                 the N rows present, end to end (median and max of several rounds).
 *
 * With --watermelon SCRIPT, the unmodified WatermelonDB JS client (node, LokiJS adapter)
 * runs the same first sync and push of 10k against its own account, seeded the same way,
 * on the same server, and its figures are printed next to ours with the ratio.
 *
 * Needs a keyring (GpAccount keeps the session there): run it under
 * build-aux/headless-session. Prints one "name value unit" line per figure. */

#include "config.h"

#include <libsoup/soup.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "gp-sync-test-utils.h"

#define PASSWORD "correct horse battery staple"

static guint n_records = 100000;
static guint n_push = 10000;
static guint n_incremental = 100;
static guint incremental_rounds = 7;
static const char *watermelon_script = NULL;
static guint page_size = 0;

static gint64
process_cpu_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC
         + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static JsonNode *
parse_bytes (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  json_parser_load_from_data (parser, data, size, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static char *
register_account (SoupSession *session,
                  const char  *uri,
                  const char  *email)
{
  g_autofree char *register_uri = g_strconcat (uri, "/auth/register", NULL);
  g_autofree char *login_uri = g_strconcat (uri, "/auth/login", NULL);
  g_autofree char *json = g_strdup_printf ("{\"email\":\"%s\",\"password\":\"%s\"}", email, PASSWORD);
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", register_uri);
  g_autoptr(SoupMessage) login = soup_message_new ("POST", login_uri);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GBytes) login_reply = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 201);
  soup_message_set_request_body_from_bytes (login, "application/json", body);
  login_reply = soup_session_send_and_read (session, login, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (login), ==, 200);
  node = parse_bytes (login_reply);
  return g_strdup (json_object_get_string_member (json_node_get_object (node), "token"));
}

/* @n new clients, written as local creations straight into the device's database (the
 * way @n edits through the store would leave them, without waiting for @n commits). */
static void
make_local_changes (const char *path,
                    guint       n)
{
  g_autoptr(GString) sql = g_string_new ("BEGIN;");
  sqlite3 *db = NULL;
  char *message = NULL;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (sql, "INSERT INTO clients (id, name, email, company, currency, hourly_rate, "
                                 "created_at, updated_at, _status, _changed, _base, _rev) VALUES "
                                 "('local%09u', 'Local client %u', 'local%u@example.org', 'Local %u', 'EUR', "
                                 "12000, 1795306764726, 1795306764726, 'created', '', NULL, 1);",
                            i, i, i, i);
  g_string_append (sql, "COMMIT;");
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  if (sqlite3_exec (db, sql->str, NULL, NULL, &message) != SQLITE_OK)
    g_error ("local changes: %s", message);
  sqlite3_close (db);
}

static int
compare_i64 (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return x < y ? -1 : x > y;
}

/* Runs the WatermelonDB client script against @email's account; passes its figures on and
 * returns them by name. */
static GHashTable *
run_watermelon (const char *uri,
                const char *email)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *n_push_text = g_strdup_printf ("%u", n_push);
  g_autofree char *n_records_text = g_strdup_printf ("%u", n_records);
  GHashTable *figures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_subprocess_launcher_setenv (launcher, "GP_BENCH_URI", uri, TRUE);
  g_subprocess_launcher_setenv (launcher, "GP_BENCH_EMAIL", email, TRUE);
  g_subprocess_launcher_setenv (launcher, "GP_BENCH_PASSWORD", PASSWORD, TRUE);
  g_subprocess_launcher_setenv (launcher, "GP_BENCH_RECORDS", n_records_text, TRUE);
  g_subprocess_launcher_setenv (launcher, "GP_BENCH_PUSH", n_push_text, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, "node", "--max-old-space-size=4096",
                                         watermelon_script, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("the WatermelonDB run failed:\n%s", out);

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (lines[i], " ", 3);

      if (g_strv_length (parts) != 3 || lines[i][0] == '#')
        continue;
      printf ("%s\n", lines[i]);
      g_hash_table_insert (figures, g_strdup (parts[0]), g_strdup (parts[1]));
    }
  return figures;
}

static void
print_ratio (const char *name,
             double      ours,
             GHashTable *theirs,
             const char *their_name)
{
  const char *value = theirs ? g_hash_table_lookup (theirs, their_name) : NULL;

  if (value != NULL && g_ascii_strtod (value, NULL) > 0)
    printf ("%s %.3f x\n", name, ours / g_ascii_strtod (value, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("gigpilot-bench-sync-XXXXXX", &error);
  const char *const server_args[] = { "--password-hash-memory", "19", NULL };
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *email = g_strdup_printf ("bench-%d@example.org", (int)getpid ());
  g_autofree char *their_email = g_strdup_printf ("bench-wmdb-%d@example.org", (int)getpid ());
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GpAccount) account = NULL;
  g_autoptr(GpStore) store = NULL;
  g_autoptr(GpSyncClient) client = NULL;
  g_autoptr(GHashTable) theirs = NULL;
  g_autoptr(GArray) rounds = g_array_new (FALSE, FALSE, sizeof (gint64));
  GpTestServer *server;
  GpTestTicker idle, ticker;
  gint64 start, first_us, push_us, hwm_before, hwm_after, seed_us, cpu_start, first_cpu_us;

  g_assert_no_error (error);
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--records") && i + 1 < argc)
        n_records = (guint)g_ascii_strtoull (argv[++i], NULL, 10);
      else if (g_str_equal (argv[i], "--push") && i + 1 < argc)
        n_push = (guint)g_ascii_strtoull (argv[++i], NULL, 10);
      else if (g_str_equal (argv[i], "--page-size") && i + 1 < argc)
        page_size = (guint)g_ascii_strtoull (argv[++i], NULL, 10);
      else if (g_str_equal (argv[i], "--watermelon") && i + 1 < argc)
        watermelon_script = argv[++i];
    }

  server = gp_test_server_start (dir, 0, server_args);
  account = gp_test_account_sign_in (server->uri, email, TRUE);
  start = g_get_monotonic_time ();
  gp_test_seed_server (session, server->uri, gp_account_get_token (account), n_records);
  seed_us = g_get_monotonic_time () - start;
  printf ("# directory %s\n", dir);
  printf ("# seeded %u records in %.1f s\n", n_records, seed_us / 1e6);
  fflush (stdout);

  /* First sync. */
  path = g_build_filename (dir, "device.db", NULL);
  store = gp_test_open_store (path);
  client = gp_sync_client_new (store, account);
  g_object_set (client, "push-batch-size", n_push, NULL);
  if (page_size > 0)
    g_object_set (client, "page-size", page_size, NULL);

  /* The ticker on an idle main loop first: on a loaded machine the scheduler alone delays
   * ticks; that is the floor under the stall figure. */
  gp_test_ticker_start (&idle);
  gp_test_iterate (1000);
  gp_test_ticker_stop (&idle);

  hwm_before = gp_test_vm_hwm_kib ();
  gp_test_ticker_start (&ticker);
  cpu_start = process_cpu_us ();
  start = g_get_monotonic_time ();
  gp_test_sync (client, &error);
  first_us = g_get_monotonic_time () - start;
  first_cpu_us = process_cpu_us () - cpu_start;
  gp_test_ticker_stop (&ticker);
  g_assert_no_error (error);
  hwm_after = gp_test_vm_hwm_kib ();
  g_assert_cmpint (gp_test_count_synced (path), ==, n_records);
  g_assert_cmpuint (gp_store_get_pending_count (store), ==, 0);

  printf ("sync_first_ms %.1f ms\n", first_us / 1000.0);
  printf ("sync_first_records_per_s %.0f rec/s\n", n_records / (first_us / 1e6));
  printf ("sync_first_main_loop_stall_max %.1f ms\n", ticker.max_wall / 1000.0);
  printf ("sync_first_main_thread_cpu_max %.1f ms\n", ticker.max_cpu / 1000.0);
  printf ("sync_first_client_cpu_ms %.1f ms\n", first_cpu_us / 1000.0);
  printf ("sync_idle_main_loop_stall_max %.1f ms\n", idle.max_wall / 1000.0);
  printf ("sync_first_memory_growth %.1f MB\n", (hwm_after - hwm_before) / 1024.0);
  fflush (stdout);

  /* Push of 10k local changes, one atomic push. */
  make_local_changes (path, n_push);
  start = g_get_monotonic_time ();
  gp_test_sync (client, &error);
  push_us = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_assert_cmpuint (gp_store_get_pending_count (store), ==, 0);
  printf ("sync_push_10k_ms %.1f ms\n", push_us / 1000.0);

  /* The next pull brings the 10k pushed records back (the protocol echoes them): they are
   * recognised as known and not written again. */
  start = g_get_monotonic_time ();
  gp_test_sync (client, &error);
  g_assert_no_error (error);
  printf ("sync_after_push_10k_ms %.1f ms\n", (g_get_monotonic_time () - start) / 1000.0);
  fflush (stdout);

  /* Incremental: another device changes 100 records, this one syncs. */
  token = g_strdup (gp_account_get_token (account));
  for (guint r = 0; r < incremental_rounds; r++)
    {
      g_autoptr(GString) clients = g_string_new (NULL);
      g_autoptr(GString) body = g_string_new (NULL);
      g_autofree char *suffix = g_strdup_printf (" (round %u)", r);
      g_autoptr(GpRecord) record = NULL;
      g_autofree char *last_id = NULL;
      gint64 us;

      for (guint i = 0; i < n_incremental; i++)
        gp_test_append_client (clients, (r * n_incremental + i) % (n_records / 20), suffix);
      g_string_append_printf (body, "{\"clients\":{\"created\":[],\"updated\":[%s],\"deleted\":[]}}", clients->str);
      gp_test_push (session, server->uri, token, body);

      start = g_get_monotonic_time ();
      gp_test_sync (client, &error);
      us = g_get_monotonic_time () - start;
      g_assert_no_error (error);
      g_array_append_val (rounds, us);

      last_id = g_strdup_printf ("c%014u", (r * n_incremental + n_incremental - 1) % (n_records / 20));
      record = gp_test_get (store, "clients", last_id, NULL);
      g_assert_nonnull (record);
      g_assert_true (g_str_has_suffix (gp_record_get_string (record, "name"), suffix));
    }
  g_array_sort (rounds, compare_i64);
  printf ("sync_incremental_100_ms %.1f ms\n", g_array_index (rounds, gint64, rounds->len / 2) / 1000.0);
  printf ("sync_incremental_100_max %.1f ms\n", g_array_index (rounds, gint64, rounds->len - 1) / 1000.0);
  fflush (stdout);

  g_clear_object (&client);
  gp_store_close (store);
  g_clear_object (&store);

  /* The same first sync and push through WatermelonDB, on an account seeded the same way. */
  if (watermelon_script != NULL)
    {
      g_autofree char *their_token = register_account (session, server->uri, their_email);

      gp_test_seed_server (session, server->uri, their_token, n_records);
      theirs = run_watermelon (server->uri, their_email);
      print_ratio ("sync_first_ratio_ours_theirs", first_us / 1000.0, theirs, "wmdb_first_ms");
      print_ratio ("sync_push_10k_ratio_ours_theirs", push_us / 1000.0, theirs, "wmdb_push_10k_ms");
    }

  gp_test_server_free (server);
  gp_test_forget_account (email);
  if (g_getenv ("GP_BENCH_KEEP") == NULL)
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    g_assert_cmpint (system (cmd), ==, 0);
  }
  return 0;
}
