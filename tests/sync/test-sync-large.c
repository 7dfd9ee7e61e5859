/* test-sync-large.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "gp-error.h"
#include "gp-sync-test-utils.h"

/* A first sync of a large account: the server holds N records (filled through its push
 * endpoint), a fresh device pulls them in pages. Measured: the time, the peak memory
 * (VmHWM) and the longest stall of the main loop, sampled by a 5 ms timer. The default
 * suite uses a few thousand records and asserts a generous stall bound; the 'long' suite
 * runs 100,000 and reports. */

static guint n_records = 8000;
static guint max_stall_ms = 250;

static gint64
vm_hwm_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line ? g_ascii_strtoll (line + 6, NULL, 10) : -1;
}

typedef struct
{
  gint64 last;
  gint64 max_gap;
  guint ticks;
} Ticker;

static gboolean
tick_cb (gpointer user_data)
{
  Ticker *t = user_data;
  gint64 now = g_get_monotonic_time ();

  if (t->last != 0)
    t->max_gap = MAX (t->max_gap, now - t->last);
  t->last = now;
  t->ticks++;
  return G_SOURCE_CONTINUE;
}

static GBytes *
request (SoupSession *session,
         const char  *method,
         const char  *uri,
         const char  *token,
         GBytes      *body,
         guint        expected)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
  g_autoptr(GError) error = NULL;
  GBytes *reply;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, expected);
  return reply;
}

static void
append_id (GString *s,
           char     kind,
           guint    n)
{
  g_string_append_printf (s, "\"%c%015u\"", kind, n);
}

/* Fills the server: per 20 records, one client, eight invoices with one line each, three
 * tickets (close to a freelancer's real mix), pushed in bodies of about 4,000 records. */
static void
fill_server (const char *uri,
             const char *token,
             guint       n)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *pull_uri = g_strconcat (uri, "/sync/pull?last_pulled_at=null&schema_version=1", NULL);
  g_autoptr(GBytes) pulled = request (session, "GET", pull_uri, token, NULL, 200);
  g_autoptr(JsonNode) node = json_from_string (g_bytes_get_data (pulled, NULL), NULL);
  gint64 lpa = json_object_get_int_member (json_node_get_object (node), "timestamp");
  g_autofree char *push_uri = g_strdup_printf ("%s/sync/push?last_pulled_at=%" G_GINT64_FORMAT, uri, lpa);
  guint made = 0;
  guint group = 0;

  while (made < n)
    {
      g_autoptr(GString) clients = g_string_new (NULL);
      g_autoptr(GString) invoices = g_string_new (NULL);
      g_autoptr(GString) lines = g_string_new (NULL);
      g_autoptr(GString) tickets = g_string_new (NULL);
      g_autoptr(GString) body = g_string_new (NULL);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GBytes) reply = NULL;
      guint in_body = 0;

      while (made < n && in_body < 4000)
        {
          guint k = made % 20;

          if (k == 0)
            {
              group = made / 20;
              g_string_append_printf (clients, "%s{\"id\":", clients->len ? "," : "");
              append_id (clients, 'c', group);
              g_string_append_printf (clients, ",\"name\":\"Client %u GmbH\",\"email\":\"billing%u@example.org\","
                                      "\"company\":\"Client %u\",\"currency\":\"EUR\",\"hourly_rate\":9500,"
                                      "\"created_at\":1795306764726,\"updated_at\":1795306764726}",
                                      group, group, group);
            }
          else if (k <= 16)
            {
              guint inv = group * 8 + (k - 1) / 2;

              if (k % 2 == 1)
                {
                  g_string_append_printf (invoices, "%s{\"id\":", invoices->len ? "," : "");
                  append_id (invoices, 'i', inv);
                  g_string_append (invoices, ",\"client_id\":");
                  append_id (invoices, 'c', group);
                  g_string_append_printf (invoices, ",\"number\":\"2026-%06u\",\"status\":\"sent\",\"currency\":\"EUR\","
                                          "\"issued_on\":\"2026-11-01\",\"due_on\":\"2026-11-15\",\"notes\":\"Thank you "
                                          "for your business.\",\"terms\":\"14 days net\",\"created_at\":1795306764726,"
                                          "\"updated_at\":1795306764726}", inv);
                }
              else
                {
                  g_string_append_printf (lines, "%s{\"id\":", lines->len ? "," : "");
                  append_id (lines, 'l', inv);
                  g_string_append (lines, ",\"invoice_id\":");
                  append_id (lines, 'i', inv);
                  g_string_append (lines, ",\"position\":0,\"description\":\"Consulting, November\",\"quantity\":7500,"
                                          "\"unit_price\":9500,\"tax_rate\":1900,\"discount\":0,"
                                          "\"created_at\":1795306764726,\"updated_at\":1795306764726}");
                }
            }
          else
            {
              g_string_append_printf (tickets, "%s{\"id\":", tickets->len ? "," : "");
              append_id (tickets, 't', made);
              g_string_append (tickets, ",\"client_id\":");
              append_id (tickets, 'c', group);
              g_string_append_printf (tickets, ",\"title\":\"Ticket %u\",\"body\":\"The printer on the second floor "
                                      "jams again.\",\"status\":\"open\",\"priority\":\"normal\","
                                      "\"created_at\":1795306764726,\"updated_at\":1795306764726}", made);
            }
          made++;
          in_body++;
        }

      g_string_append_printf (body,
                              "{\"clients\":{\"created\":[%s],\"updated\":[],\"deleted\":[]},"
                              "\"invoices\":{\"created\":[%s],\"updated\":[],\"deleted\":[]},"
                              "\"invoice_lines\":{\"created\":[%s],\"updated\":[],\"deleted\":[]},"
                              "\"tickets\":{\"created\":[%s],\"updated\":[],\"deleted\":[]}}",
                              clients->str, invoices->str, lines->str, tickets->str);
      bytes = g_bytes_new (body->str, body->len);
      reply = request (session, "POST", push_uri, token, bytes, 200);
    }
}

static void
test_first_sync (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("gigpilot-sync-large-XXXXXX", &error);
  GpTestServer *server = NULL;
  g_autoptr(GpAccount) account = NULL;
  g_autoptr(GpStore) store = NULL;
  g_autoptr(GpSyncClient) client = NULL;
  g_autofree char *path = NULL;
  g_autofree char *email = g_strdup_printf ("large-%d@example.org", (int)getpid ());
  Ticker ticker = { 0 };
  Ticker idle = { 0 };
  gint64 bound_ms;
  gint64 start, elapsed_ms, hwm_before, hwm_after;
  guint tick_id;
  gint64 total = 0;

  g_assert_no_error (error);
  server = gp_test_server_start (dir, 0, NULL);
  account = gp_test_account_sign_in (server->uri, email, TRUE);
  fill_server (server->uri, gp_account_get_token (account), n_records);

  path = g_build_filename (dir, "device.db", NULL);
  store = gp_test_store_open (path);
  client = gp_sync_client_new (store, account);
  hwm_before = vm_hwm_kib ();

  /* The same ticker on an idle main loop first: on a loaded machine the scheduler alone
   * delays ticks, and only stalls beyond that are the sync's doing. */
  tick_id = g_timeout_add (5, tick_cb, &idle);
  gp_test_sleep (1000);
  g_source_remove (tick_id);

  tick_id = g_timeout_add (5, tick_cb, &ticker);
  start = g_get_monotonic_time ();
  gp_test_sync (client, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_source_remove (tick_id);
  g_assert_no_error (error);
  hwm_after = vm_hwm_kib ();

  total = gp_test_count_rows (path, "SELECT (SELECT count(*) FROM clients) + (SELECT count(*) FROM invoices) "
                                    "+ (SELECT count(*) FROM invoice_lines) + (SELECT count(*) FROM tickets)");
  g_assert_cmpint (total, ==, n_records);
  g_assert_cmpuint (gp_store_get_pending_count (store), ==, 0);
  g_assert_cmpint (gp_test_count_rows (path, "SELECT count(*) FROM sync_meta WHERE key = 'pull_cursor'"), ==, 0);

  bound_ms = MAX (max_stall_ms, 3 * idle.max_gap / 1000);
  g_test_message ("first sync of %u records: %" G_GINT64_FORMAT " ms (%.0f records/s); "
                  "main loop max stall %.1f ms over %u ticks (idle baseline %.1f ms, bound %"
                  G_GINT64_FORMAT " ms); VmHWM %" G_GINT64_FORMAT " KiB before, %"
                  G_GINT64_FORMAT " KiB after",
                  n_records, elapsed_ms, n_records * 1000.0 / MAX (elapsed_ms, 1),
                  ticker.max_gap / 1000.0, ticker.ticks, idle.max_gap / 1000.0, bound_ms,
                  hwm_before, hwm_after);
  g_assert_cmpint (ticker.max_gap / 1000, <, bound_ms);

  g_clear_object (&client);
  gp_store_close (store);
  gp_test_server_free (server);
  gp_test_forget_account (email);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    g_assert_cmpint (system (cmd), ==, 0);
  }
}

/* The first sync is interrupted after some pages; the next one resumes at the saved cursor
 * instead of starting over, and lastPulledAt is only set after the last page. */
static gboolean
applied_pages (gpointer data)
{
  return gp_test_count_rows (data, "SELECT count(*) FROM sync_meta WHERE key = 'pull_cursor'") > 0;
}

static gboolean
has_error (gpointer data)
{
  return gp_sync_status_get_last_error (data) != NULL;
}

static void
test_resume (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("gigpilot-sync-resume-XXXXXX", &error);
  GpTestServer *server = NULL;
  g_autoptr(GpAccount) account = NULL;
  g_autoptr(GpStore) store = NULL;
  g_autoptr(GpSyncClient) client = NULL;
  g_autofree char *path = NULL;
  g_autofree char *email = g_strdup_printf ("resume-%d@example.org", (int)getpid ());
  gint64 before;

  g_assert_no_error (error);
  server = gp_test_server_start (dir, 0, NULL);
  account = gp_test_account_sign_in (server->uri, email, TRUE);
  fill_server (server->uri, gp_account_get_token (account), 2000);

  path = g_build_filename (dir, "device.db", NULL);
  store = gp_test_store_open (path);
  client = gp_sync_client_new (store, account);
  g_object_set (client, "page-size", 100, NULL);

  /* The server dies while pages are coming in. */
  gp_sync_client_sync_now (client);
  g_assert_true (gp_test_wait_until (applied_pages, path, 30000));
  gp_test_server_kill (server);
  g_assert_true (gp_test_wait_until (has_error, gp_sync_client_get_status (client), 30000));
  g_assert_cmpint (gp_test_count_rows (path, "SELECT count(*) FROM sync_meta WHERE key = 'last_pulled_at'"), ==, 0);
  before = gp_test_count_rows (path, "SELECT count(*) FROM clients");
  g_assert_cmpint (before, >, 0);

  gp_test_server_restart (server);
  gp_test_sync (client, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gp_test_count_rows (path, "SELECT (SELECT count(*) FROM clients) + (SELECT count(*) FROM invoices) "
                                             "+ (SELECT count(*) FROM invoice_lines) + (SELECT count(*) FROM tickets)"), ==, 2000);
  g_assert_cmpint (gp_test_count_rows (path, "SELECT count(*) FROM sync_meta WHERE key = 'last_pulled_at'"), ==, 1);
  g_assert_cmpint (gp_test_count_rows (path, "SELECT count(*) FROM sync_meta WHERE key LIKE 'pull_cursor%'"), ==, 0);

  gp_sync_client_stop (client);
  g_clear_object (&client);
  gp_store_close (store);
  gp_test_server_free (server);
  gp_test_forget_account (email);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    g_assert_cmpint (system (cmd), ==, 0);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (int i = 1; i + 1 < argc; i++)
    if (g_str_equal (argv[i], "--records"))
      n_records = (guint)g_ascii_strtoull (argv[i + 1], NULL, 10);

  g_test_add_func ("/sync-large/first-sync", test_first_sync);
  g_test_add_func ("/sync-large/resume", test_resume);
  return g_test_run ();
}
