/* gp-sync-test-utils.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "gp-schema.h"
#include "gp-sync-test-utils.h"

#define PASSWORD "correct horse battery staple"

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
launch (GpTestServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  const char *binary = g_getenv ("GIGPILOT_SERVER");
  g_autofree char *db = g_build_filename (server->dir, "server.db", NULL);
  g_autofree char *secret = g_build_filename (server->dir, "token.key", NULL);

  g_assert_nonnull (binary);
  g_ptr_array_add (argv, g_strdup (binary));
  g_ptr_array_add (argv, g_strdup ("--listen"));
  g_ptr_array_add (argv, g_strdup_printf ("127.0.0.1:%u", server->port));
  g_ptr_array_add (argv, g_strdup ("--database"));
  g_ptr_array_add (argv, g_strconcat ("sqlite:", db, NULL));
  g_ptr_array_add (argv, g_strdup ("--token-secret-file"));
  g_ptr_array_add (argv, g_strdup (secret));
  g_ptr_array_add (argv, g_strdup ("--login-attempts-per-minute"));
  g_ptr_array_add (argv, g_strdup ("0"));
  for (guint i = 0; server->extra_args && server->extra_args[i]; i++)
    g_ptr_array_add (argv, g_strdup (server->extra_args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* The server goes down with the test, even when the test aborts. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *)argv->pdata, &error);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (out, NULL, NULL, &error);
      const char *uri;

      g_assert_no_error (error);
      g_assert_nonnull (line); /* the server exited before listening */
      uri = strstr (line, "listening on ");
      if (uri != NULL)
        {
          g_autoptr(GUri) parsed = g_uri_parse (uri + strlen ("listening on "), G_URI_FLAGS_NONE, &error);

          g_assert_no_error (error);
          server->port = g_uri_get_port (parsed);
          g_free (server->uri);
          server->uri = g_strdup_printf ("http://127.0.0.1:%u", server->port);
          break;
        }
    }
}

GpTestServer *
gp_test_server_start (const char         *dir,
                      guint16             port,
                      const char * const *extra_args)
{
  GpTestServer *server = g_new0 (GpTestServer, 1);

  server->dir = g_strdup (dir);
  server->port = port;
  server->extra_args = g_strdupv ((char **)extra_args);
  launch (server);
  return server;
}

/* Starts it again on the same port and database (after a kill). */
void
gp_test_server_restart (GpTestServer *server)
{
  g_assert_null (server->process);
  launch (server);
}

void
gp_test_server_kill (GpTestServer *server)
{
  if (server->process == NULL)
    return;
  g_subprocess_send_signal (server->process, SIGKILL);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
}

void
gp_test_server_free (GpTestServer *server)
{
  gp_test_server_kill (server);
  g_free (server->dir);
  g_free (server->uri);
  g_strfreev (server->extra_args);
  g_free (server);
}

guint16
gp_test_free_port (void)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint16 port;

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *)&addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *)&addr, &len), ==, 0);
  port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

gboolean
gp_test_wait_until (gboolean (*done) (gpointer),
                    gpointer   data,
                    guint      timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  while (!done (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      if (!done (data))
        g_usleep (2000);
    }
  return TRUE;
}

GPtrArray *
gp_test_conflicts (GpStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *conflicts;

  gp_store_sync_list_conflicts_async (store, NULL, gp_test_result_cb, &result);
  gp_test_wait (&result);
  conflicts = gp_store_sync_list_conflicts_finish (store, result, &error);
  g_assert_no_error (error);
  return conflicts;
}

gboolean
gp_test_resolve (GpStore       *store,
                 const char    *table,
                 const char    *id,
                 GpResolution   resolution,
                 const char    *choices_json,
                 GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = choices_json ? json_from_string (choices_json, NULL) : NULL;

  gp_store_sync_resolve_conflict_async (store, table, id, resolution,
                                        node ? json_node_get_object (node) : NULL,
                                        NULL, gp_test_result_cb, &result);
  gp_test_wait (&result);
  return gp_store_sync_resolve_conflict_finish (store, result, error);
}

/* Every live row of every synced table, data columns only, in a stable order: two devices
 * have converged when their dumps are equal. */
char *
gp_test_dump (const char *db_path)
{
  g_autoptr(GString) dump = g_string_new (NULL);
  const GpTable *tables;
  guint n_tables;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  tables = gp_schema_get_tables (&n_tables);
  for (guint i = 0; i < n_tables; i++)
    {
      g_autoptr(GString) sql = g_string_new ("SELECT id");
      sqlite3_stmt *stmt = NULL;

      for (guint c = 0; c < tables[i].n_columns; c++)
        g_string_append_printf (sql, ", quote(\"%s\")", tables[i].columns[c].name);
      g_string_append_printf (sql, " FROM %s WHERE _status != 'deleted' ORDER BY id", tables[i].name);
      g_assert_cmpint (sqlite3_prepare_v2 (db, sql->str, -1, &stmt, NULL), ==, SQLITE_OK);
      g_string_append_printf (dump, "[%s]\n", tables[i].name);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          for (guint c = 0; c <= tables[i].n_columns; c++)
            g_string_append_printf (dump, "%s%s", c ? "|" : "", (const char *)sqlite3_column_text (stmt, c));
          g_string_append_c (dump, '\n');
        }
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  return g_string_free (g_steal_pointer (&dump), FALSE);
}

GpAccount *
gp_test_account_sign_in (const char *uri,
                         const char *email,
                         gboolean    create)
{
  g_autoptr(GpAccount) account = gp_account_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  gp_account_sign_in_async (account, uri, email, PASSWORD, create, NULL, gp_test_result_cb, &result);
  gp_test_wait (&result);
  gp_account_sign_in_finish (account, result, &error);
  g_assert_no_error (error);
  g_assert_true (gp_account_get_signed_in (account));
  return g_steal_pointer (&account);
}

gboolean
gp_test_sync (GpSyncClient  *client,
              GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gp_sync_client_sync_async (client, NULL, gp_test_result_cb, &result);
  gp_test_wait (&result);
  return gp_sync_client_sync_finish (client, result, error);
}

/* Tests share one keyring per run (and the app under test reads it): leave nothing behind. */
void
gp_test_forget_account (const char *email)
{
  g_autoptr(GError) error = NULL;

  secret_password_clear_sync (gp_account_get_secret_schema (), NULL, &error, "email", email, NULL);
  g_assert_no_error (error);
}

GBytes *
gp_test_request (SoupSession *session,
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
  if (soup_message_get_status (msg) != expected)
    g_error ("%s %s: HTTP %u: %.*s", method, uri, soup_message_get_status (msg),
             (int)MIN (g_bytes_get_size (reply), 500), (const char *)g_bytes_get_data (reply, NULL));
  return reply;
}

/* The server's clock now (a pull that brings nothing new). */
static gint64
server_timestamp (SoupSession *session,
                  const char  *uri,
                  const char  *token)
{
  g_autofree char *pull_uri = g_strconcat (uri, "/sync/pull?last_pulled_at=null&schema_version=1&page_size=1", NULL);
  g_autoptr(GBytes) pulled = gp_test_request (session, "GET", pull_uri, token, NULL, 200);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (g_bytes_get_data (pulled, NULL), &error);

  g_assert_no_error (error);
  return json_object_get_int_member (json_node_get_object (node), "timestamp");
}

void
gp_test_push (SoupSession *session,
              const char  *uri,
              const char  *token,
              GString     *body)
{
  gint64 lpa = server_timestamp (session, uri, token);
  g_autofree char *push_uri = g_strdup_printf ("%s/sync/push?last_pulled_at=%" G_GINT64_FORMAT, uri, lpa);
  g_autoptr(GBytes) bytes = g_bytes_new (body->str, body->len);
  g_autoptr(GBytes) reply = gp_test_request (session, "POST", push_uri, token, bytes, 200);
}

#define STAMP "1795306764726"

void
gp_test_append_client (GString    *s,
                       guint       group,
                       const char *name_suffix)
{
  g_string_append_printf (s, "%s{\"id\":\"c%014u\",\"name\":\"Client %u GmbH%s\","
                          "\"email\":\"billing%u@example.org\",\"company\":\"Client %u\","
                          "\"currency\":\"EUR\",\"hourly_rate\":9500,\"created_at\":" STAMP
                          ",\"updated_at\":" STAMP "}",
                          s->len ? "," : "", group, group, name_suffix, group, group);
}

void
gp_test_seed_server (SoupSession *session,
                     const char  *uri,
                     const char  *token,
                     guint        n)
{
  guint made = 0;
  guint group = 0;

  while (made < n)
    {
      g_autoptr(GString) clients = g_string_new (NULL);
      g_autoptr(GString) invoices = g_string_new (NULL);
      g_autoptr(GString) lines = g_string_new (NULL);
      g_autoptr(GString) tickets = g_string_new (NULL);
      g_autoptr(GString) body = g_string_new (NULL);
      guint in_body = 0;

      while (made < n && in_body < 5000)
        {
          guint k = made % 20;

          group = made / 20;
          if (k == 0)
            gp_test_append_client (clients, group, "");
          else if (k <= 16)
            {
              guint inv = group * 8 + (k - 1) / 2;

              if (k % 2 == 1)
                g_string_append_printf (invoices, "%s{\"id\":\"i%015u\",\"client_id\":\"c%014u\","
                                        "\"number\":\"2026-%06u\",\"status\":\"sent\",\"currency\":\"EUR\","
                                        "\"issued_on\":\"2026-11-01\",\"due_on\":\"2026-11-15\","
                                        "\"notes\":\"Thank you for your business.\",\"terms\":\"14 days net\","
                                        "\"created_at\":" STAMP ",\"updated_at\":" STAMP "}",
                                        invoices->len ? "," : "", inv, group, inv);
              else
                g_string_append_printf (lines, "%s{\"id\":\"l%015u\",\"invoice_id\":\"i%015u\",\"position\":0,"
                                        "\"description\":\"Consulting, November\",\"quantity\":7500,"
                                        "\"unit_price\":9500,\"tax_rate\":1900,\"discount\":0,"
                                        "\"created_at\":" STAMP ",\"updated_at\":" STAMP "}",
                                        lines->len ? "," : "", inv, inv);
            }
          else
            g_string_append_printf (tickets, "%s{\"id\":\"t%015u\",\"client_id\":\"c%014u\",\"title\":\"Ticket %u\","
                                    "\"body\":\"The printer on the second floor jams again.\",\"status\":\"open\","
                                    "\"priority\":\"normal\",\"created_at\":" STAMP ",\"updated_at\":" STAMP "}",
                                    tickets->len ? "," : "", made, group, made);
          made++;
          in_body++;
        }

      g_string_append_printf (body,
                              "{\"clients\":{\"created\":[%s],\"updated\":[],\"deleted\":[]},"
                              "\"invoices\":{\"created\":[%s],\"updated\":[],\"deleted\":[]},"
                              "\"invoice_lines\":{\"created\":[%s],\"updated\":[],\"deleted\":[]},"
                              "\"tickets\":{\"created\":[%s],\"updated\":[],\"deleted\":[]}}",
                              clients->str, invoices->str, lines->str, tickets->str);
      gp_test_push (session, uri, token, body);
    }
}

gint64
gp_test_count_synced (const char *path)
{
  return gp_test_sql_int (path, "SELECT (SELECT count(*) FROM clients) + (SELECT count(*) FROM invoices) "
                                "+ (SELECT count(*) FROM invoice_lines) + (SELECT count(*) FROM tickets)");
}
