/* test-billing-server.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>

#include "gp-billing.h"
#include "gp-schema.h"
#include "gp-store-test-utils.h"

/* Exactly once across devices, through the real gigpilot-server: two devices (two store
 * files) run the same recurring schedule and send the same reminder step before either
 * has synced; both push. Because the records' ids are derived from (schedule, date) and
 * (invoice, step), the server's upsert keeps one of each. The client sync engine is not
 * used here: pushes are built from the store's dirty rows by hand, as the engine would. */

typedef struct
{
  GSubprocess *process;
  char        *uri;
  char        *token;
} Server;

/* The server goes down with the test, even when an assertion aborts it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static Server *
server_start (const char *dir)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *database = g_strdup_printf ("sqlite:%s/server.db", dir);
  g_autofree char *secret = g_build_filename (dir, "token-secret", NULL);
  const char *binary = g_getenv ("GIGPILOT_SERVER");
  Server *server = g_new0 (Server, 1);

  g_assert_nonnull (binary);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawn (launcher, &error, binary, "--listen", "127.0.0.1:0",
                                                 "--database", database, "--token-secret-file", secret,
                                                 "--password-hash-memory", "19", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:"));
  server->uri = g_strdup (line + strlen ("listening on "));
  server->uri[strlen (server->uri) - 1] = '\0';
  return server;
}

static void
server_stop (Server *server)
{
  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait (server->process, NULL, NULL);
  g_object_unref (server->process);
  g_free (server->uri);
  g_free (server->token);
  g_free (server);
}

static JsonObject *
request (Server     *server,
         const char *method,
         const char *path,
         const char *body,
         guint      *status)
{
  static SoupSession *session;
  g_autofree char *url = g_strconcat (server->uri, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (session == NULL)
    session = soup_session_new ();
  if (server->token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", server->token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) request_body = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", request_body);
    }
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
sign_in (Server *server)
{
  const char *body = "{\"email\":\"paid@example.test\",\"password\":\"correct horse battery\"}";
  g_autoptr(JsonObject) reg = NULL;
  g_autoptr(JsonObject) login = NULL;
  guint status;

  reg = request (server, "POST", "/auth/register", body, &status);
  g_assert_cmpuint (status, ==, 201);
  login = request (server, "POST", "/auth/login", body, &status);
  g_assert_cmpuint (status, ==, 200);
  server->token = g_strdup (json_object_get_string_member (login, "token"));
}

static JsonObject *
pull (Server *server,
      gint64  lpa)
{
  g_autofree char *path = lpa == 0 ? g_strdup ("/sync/pull?last_pulled_at=null&schema_version=1&migration=null")
                                   : g_strdup_printf ("/sync/pull?last_pulled_at=%" G_GINT64_FORMAT
                                                      "&schema_version=1&migration=null", lpa);
  guint status;
  JsonObject *response = request (server, "GET", path, NULL, &status);

  g_assert_cmpuint (status, ==, 200);
  return response;
}

/* The push body of a store file's dirty rows, as the sync engine collects it. */
static char *
collect_push (const char *path)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  const GpTable *tables;
  guint n_tables;
  sqlite3 *db;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  tables = gp_schema_get_tables (&n_tables);
  json_builder_begin_object (builder);
  for (guint t = 0; t < n_tables; t++)
    {
      const char *lists[] = { "created", "updated" };

      json_builder_set_member_name (builder, tables[t].name);
      json_builder_begin_object (builder);
      for (guint l = 0; l < 2; l++)
        {
          g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s WHERE _status = '%s'", tables[t].name, lists[l]);
          sqlite3_stmt *stmt;

          g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
          json_builder_set_member_name (builder, lists[l]);
          json_builder_begin_array (builder);
          while (sqlite3_step (stmt) == SQLITE_ROW)
            {
              json_builder_begin_object (builder);
              for (int c = 0; c < sqlite3_column_count (stmt); c++)
                {
                  const char *name = sqlite3_column_name (stmt, c);

                  if (name[0] == '_')
                    continue;
                  json_builder_set_member_name (builder, name);
                  if (sqlite3_column_type (stmt, c) == SQLITE_NULL)
                    json_builder_add_null_value (builder);
                  else if (sqlite3_column_type (stmt, c) == SQLITE_INTEGER)
                    json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, c));
                  else
                    json_builder_add_string_value (builder, (const char *)sqlite3_column_text (stmt, c));
                }
              json_builder_end_object (builder);
            }
          json_builder_end_array (builder);
          sqlite3_finalize (stmt);
        }
      json_builder_set_member_name (builder, "deleted");
      json_builder_begin_array (builder);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  sqlite3_close (db);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* Pushes a device's dirty rows; on a conflict it pulls first and pushes again, as the
 * sync engine does. Returns the new last_pulled_at. */
static gint64
push (Server     *server,
      const char *path,
      gint64      lpa)
{
  g_autofree char *body = collect_push (path);

  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autofree char *url = g_strdup_printf ("/sync/push?last_pulled_at=%" G_GINT64_FORMAT, lpa);
      g_autoptr(JsonObject) response = NULL;
      guint status;

      response = request (server, "POST", url, body, &status);
      if (status == 200)
        {
          gp_test_sql_exec (path, "UPDATE clients SET _status = 'synced'; UPDATE invoices SET _status = 'synced';"
                                  "UPDATE invoice_lines SET _status = 'synced'; UPDATE recurring SET _status = 'synced';"
                                  "UPDATE reminders SET _status = 'synced'; UPDATE payments SET _status = 'synced';");
          return lpa;
        }
      g_assert_cmpuint (status, ==, 409);
      {
        g_autoptr(JsonObject) pulled = pull (server, lpa);

        lpa = json_object_get_int_member (pulled, "timestamp");
      }
    }
  g_assert_not_reached ();
}

static guint
count (JsonObject *pulled,
       const char *table)
{
  JsonObject *changes = json_object_get_object_member (pulled, "changes");
  JsonObject *t;

  if (!json_object_has_member (changes, table))
    return 0;
  t = json_object_get_object_member (changes, table);
  return json_array_get_length (json_object_get_array_member (t, "created")) +
         json_array_get_length (json_object_get_array_member (t, "updated"));
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

static void
mark_sent (GpStore    *store,
           const char *invoice,
           const char *device)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GpRecord) reminder = NULL;

  gp_billing_mark_reminder_sent_async (store, invoice, 1, g_get_real_time () / 1000, device, "Dear client…", NULL,
                                       gp_test_result_cb, &result);
  reminder = gp_billing_mark_reminder_sent_finish (store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
}

static void
setup_device (GpStore *store)
{
  g_autoptr(GError) error = NULL;

  g_free (gp_test_save (store, "clients", "client-1", "{\"name\": \"Ευάγγελος\"}", &error));
  g_free (gp_test_save (store, "invoices", "template-1",
                        "{\"client_id\": \"client-1\", \"number\": \"2026-0001\", \"issued_on\": \"2026-01-15\", "
                        "\"due_on\": \"2026-02-14\"}", &error));
  g_free (gp_test_save (store, "invoice_lines", "line-1",
                        "{\"invoice_id\": \"template-1\", \"description\": \"Retainer\", \"unit_price\": 150000, "
                        "\"tax_rate\": 1900}", &error));
  g_free (gp_test_save (store, "invoices", "template-1", "{\"status\": \"sent\"}", &error));
  g_free (gp_test_save (store, "recurring", "schedule-1",
                        "{\"template_invoice_id\": \"template-1\", \"frequency\": \"monthly\", "
                        "\"starts_on\": \"2026-02-15\", \"next_on\": \"2026-02-15\"}", &error));
  g_assert_no_error (error);
}

static void
test_exactly_once (void)
{
  g_autofree char *dir = gp_test_make_dir ();
  g_autofree char *path_a = g_build_filename (dir, "a.db", NULL);
  g_autofree char *path_b = g_build_filename (dir, "b.db", NULL);
  Server *server = server_start (dir);
  GpStore *a = gp_test_open_store (path_a);
  GpStore *b = gp_test_open_store (path_b);
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) everything = NULL;
  g_auto(GStrv) made_a = NULL;
  g_auto(GStrv) made_b = NULL;
  gint64 lpa_a, lpa_b;

  sign_in (server);

  /* Both devices hold the same synced template and schedule. */
  setup_device (a);
  setup_device (b);
  push (server, path_a, 0);
  first = pull (server, 0);
  lpa_a = lpa_b = json_object_get_int_member (first, "timestamp");
  gp_test_sql_exec (path_b, "UPDATE clients SET _status = 'synced'; UPDATE invoices SET _status = 'synced';"
                            "UPDATE invoice_lines SET _status = 'synced'; UPDATE recurring SET _status = 'synced';");

  /* Offline, both make March, April and May (15th) and send the template's first reminder. */
  made_a = run_recurring (a, "2026-05-20");
  made_b = run_recurring (b, "2026-05-20");
  g_assert_cmpuint (g_strv_length (made_a), ==, 4);
  g_assert_true (g_strv_equal ((const char * const *)made_a, (const char * const *)made_b));
  mark_sent (a, "template-1", "laptop");
  mark_sent (b, "template-1", "desktop");

  /* Both push; the second gets a conflict, pulls and pushes again, like the engine. */
  lpa_a = push (server, path_a, lpa_a);
  lpa_b = push (server, path_b, lpa_b);

  everything = pull (server, 0);
  g_assert_cmpuint (count (everything, "invoices"), ==, 1 + 4);
  g_assert_cmpuint (count (everything, "invoice_lines"), ==, 1 + 4);
  g_assert_cmpuint (count (everything, "recurring"), ==, 1);
  g_assert_cmpuint (count (everything, "reminders"), ==, 1);
  g_test_message ("two devices, one server: %u invoices, %u lines, %u reminders", count (everything, "invoices"),
                  count (everything, "invoice_lines"), count (everything, "reminders"));

  gp_test_close_store (a);
  gp_test_close_store (b);
  server_stop (server);
  gp_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/billing-server/exactly-once", test_exactly_once);

  return g_test_run ();
}
