/* test-store.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gp-schema.h"
#include "gp-store-private.h"
#include "gp-store-test-utils.h"
#include "gp-store-transfer.h"
#include "gp-store.h"

typedef struct
{
  char    *dir;
  char    *path;
  GpStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = gp_test_make_dir ();
  f->path = g_build_filename (f->dir, "gigpilot.db", NULL);
  if (data == NULL)
    f->store = gp_test_open_store (f->path);
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
}

static char *
raw_status (Fixture    *f,
            const char *table,
            const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT _status || '|' || _changed || '|' || _rev FROM %s WHERE id = '%s'",
                                          table, id);
  return gp_test_sql_text (f->path, sql);
}

/* What a successful push does to a row, done by hand. */
static void
mark_synced (Fixture    *f,
             const char *table,
             const char *id)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE %s SET _status = 'synced', _changed = '', _base = '{}' "
                                          "WHERE id = '%s'", table, id);
  gp_test_sql_exec (f->path, sql);
}

static void
test_store_new (void)
{
  g_autoptr(GpStore) store = gp_store_new ("/nonexistent/gigpilot.db");

  g_assert_true (GP_IS_STORE (store));
  g_assert_cmpstr (gp_store_get_path (store), ==, "/nonexistent/gigpilot.db");
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_open_new_file (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *mode = gp_test_sql_text (f->path, "PRAGMA journal_mode");

  g_assert_cmpint (gp_test_sql_int (f->path, "PRAGMA user_version"), ==, GP_STORE_DB_VERSION);
  g_assert_cmpint (gp_test_sql_int (f->path, "PRAGMA application_id"), ==, 0x47696750);
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpuint (gp_store_get_pending_count (f->store), ==, 0);
  g_assert_cmpuint (gp_store_get_conflict_count (f->store), ==, 0);
}

static void
test_open_schema_matches (Fixture       *f,
                          gconstpointer  data)
{
  const GpTable *tables;
  guint n_tables;

  tables = gp_schema_get_tables (&n_tables);
  for (guint i = 0; i < n_tables; i++)
    {
      for (guint j = 0; j < tables[i].n_columns; j++)
        {
          g_autofree char *sql =
            g_strdup_printf ("SELECT type FROM pragma_table_info('%s') WHERE name = '%s'",
                             tables[i].name, tables[i].columns[j].name);
          g_autofree char *type = gp_test_sql_text (f->path, sql);

          g_assert_cmpstr (type, ==, tables[i].columns[j].type == GP_COLUMN_INTEGER ? "INTEGER" : "TEXT");
        }
      for (guint k = 0; k < 4; k++)
        {
          const char *sync_columns[] = { "_status", "_changed", "_base", "_rev" };
          g_autofree char *sql =
            g_strdup_printf ("SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'",
                             tables[i].name, sync_columns[k]);

          g_assert_cmpint (gp_test_sql_int (f->path, sql), ==, 1);
        }
    }
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sqlite_schema WHERE name IN "
                                             "('history', 'sync_meta', 'conflicts', 'clients_status')"), ==, 4);
}

static void
test_open_too_new (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GpStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len, after_len;

  gp_test_sql_exec (f->path, "CREATE TABLE future (x); PRAGMA application_id = 1198090064; "
                             "PRAGMA user_version = 99;");
  g_assert_true (g_file_get_contents (f->path, &before, &before_len, NULL));

  store = gp_store_new (f->path);
  g_assert_false (gp_store_open_sync (store, NULL, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_TOO_NEW);
  g_assert_nonnull (strstr (error->message, "newer version of GigPilot"));
  gp_store_close (store);

  g_assert_true (g_file_get_contents (f->path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  g_assert_cmpint (gp_test_sql_int (f->path, "PRAGMA user_version"), ==, 99);
  gp_test_iterate (5);
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* A newer GigPilot that stopped with committed changes still in its WAL file: neither file
 * may change, so the newer version finds its data as it left it. */
static void
test_open_too_new_wal (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GpStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *db_before = NULL, *db_after = NULL, *wal_before = NULL, *wal_after = NULL;
  gsize db_before_len, db_after_len, wal_before_len, wal_after_len;
  sqlite3 *db = NULL;
  int persist = 1;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; "
                                     "CREATE TABLE future (x); PRAGMA application_id = 1198090064; "
                                     "PRAGMA user_version = 99; INSERT INTO future VALUES (1);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_file_control (db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist), ==, SQLITE_OK);
  sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  sqlite3_close (db);

  g_assert_true (g_file_get_contents (f->path, &db_before, &db_before_len, NULL));
  g_assert_true (g_file_get_contents (wal, &wal_before, &wal_before_len, NULL));
  g_assert_cmpuint (wal_before_len, >, 0);

  store = gp_store_new (f->path);
  g_assert_false (gp_store_open_sync (store, NULL, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_TOO_NEW);
  gp_store_close (store);

  g_assert_true (g_file_get_contents (f->path, &db_after, &db_after_len, NULL));
  g_assert_true (g_file_get_contents (wal, &wal_after, &wal_after_len, NULL));
  g_assert_cmpmem (db_before, db_before_len, db_after, db_after_len);
  g_assert_cmpmem (wal_before, wal_before_len, wal_after, wal_after_len);
  gp_test_iterate (5);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
check_move_aside (Fixture    *f,
                  const char *expected,
                  gsize       expected_len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gboolean found = FALSE;

  g_assert_true (gp_store_move_aside (f->path, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));

  dir = g_dir_open (f->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "gigpilot.db.corrupt-") && !g_str_has_suffix (name, "-wal") &&
        !g_str_has_suffix (name, "-shm"))
      {
        g_autofree char *path = g_build_filename (f->dir, name, NULL);
        g_autofree char *contents = NULL;
        gsize len;

        g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
        g_assert_cmpmem (contents, len, expected, expected_len);
        found = TRUE;
      }
  g_assert_true (found);

  /* The app can start over with an empty database in its place. */
  f->store = gp_test_open_store (f->path);
}

static void
test_open_corrupt_random (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GpStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  char bytes[8192];

  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (char)g_rand_int_range (rand, 0, 256);
  g_assert_true (g_file_set_contents (f->path, bytes, sizeof bytes, NULL));

  store = gp_store_new (f->path);
  g_assert_false (gp_store_open_sync (store, NULL, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "not a GigPilot database"));
  gp_store_close (store);
  g_assert_finalize_object (g_steal_pointer (&store));

  check_move_aside (f, bytes, sizeof bytes);
}

static void
test_open_corrupt_truncated (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GpStore) store = gp_test_open_store (f->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  /* Enough rows for many pages, so that half the file loses real data. */
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\": \"Client %u with a long enough name to fill pages\", "
                                               "\"notes\": \"%0200u\"}", i, i);
      g_autofree char *id = gp_test_save (store, "clients", NULL, json, &error);

      g_assert_no_error (error);
    }
  gp_test_close_store (g_steal_pointer (&store));

  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 40000);
  g_assert_true (g_file_set_contents (f->path, contents, len / 2, NULL));

  store = gp_store_new (f->path);
  g_assert_false (gp_store_open_sync (store, NULL, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "damaged"));
  gp_store_close (store);
  g_assert_finalize_object (g_steal_pointer (&store));

  check_move_aside (f, contents, len / 2);
}

static void
test_open_foreign (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GpStore) store = NULL;
  g_autoptr(GError) error = NULL;

  gp_test_sql_exec (f->path, "CREATE TABLE recipes (id INTEGER PRIMARY KEY, title TEXT);");

  store = gp_store_new (f->path);
  g_assert_false (gp_store_open_sync (store, NULL, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT);
  gp_store_close (store);
  g_assert_finalize_object (g_steal_pointer (&store));
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sqlite_schema"), ==, 1);
}

/* The database layout of version 1, as that release wrote it. */
static const char v1_schema[] =
  "CREATE TABLE clients (id TEXT PRIMARY KEY NOT NULL, name TEXT, email TEXT, company TEXT, "
  "  address TEXT, tax_id TEXT, currency TEXT, hourly_rate INTEGER, notes TEXT, created_at INTEGER, "
  "  updated_at INTEGER, _status TEXT NOT NULL DEFAULT 'created' CHECK (_status IN ('synced', "
  "  'created', 'updated', 'deleted')), _changed TEXT NOT NULL DEFAULT '', _base TEXT);"
  "CREATE INDEX clients_status ON clients (_status);"
  "CREATE TABLE invoices (id TEXT PRIMARY KEY NOT NULL, client_id TEXT REFERENCES clients (id) "
  "  DEFERRABLE INITIALLY DEFERRED, number TEXT, status TEXT, currency TEXT, issued_on TEXT, "
  "  due_on TEXT, paid_on TEXT, notes TEXT, terms TEXT, created_at INTEGER, updated_at INTEGER, "
  "  _status TEXT NOT NULL DEFAULT 'created', _changed TEXT NOT NULL DEFAULT '', _base TEXT);"
  "CREATE INDEX invoices_status ON invoices (_status);"
  "CREATE INDEX invoices_client ON invoices (client_id);"
  "CREATE TABLE invoice_lines (id TEXT PRIMARY KEY NOT NULL, invoice_id TEXT REFERENCES invoices (id) "
  "  DEFERRABLE INITIALLY DEFERRED, position INTEGER, description TEXT, quantity INTEGER, "
  "  unit_price INTEGER, tax_rate INTEGER, discount INTEGER, created_at INTEGER, updated_at INTEGER, "
  "  _status TEXT NOT NULL DEFAULT 'created', _changed TEXT NOT NULL DEFAULT '', _base TEXT);"
  "CREATE INDEX invoice_lines_status ON invoice_lines (_status);"
  "CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);"
  "CREATE TABLE tickets (id TEXT PRIMARY KEY NOT NULL, client_id TEXT REFERENCES clients (id) "
  "  DEFERRABLE INITIALLY DEFERRED, title TEXT, body TEXT, status TEXT, priority TEXT, due_on TEXT, "
  "  created_at INTEGER, updated_at INTEGER, _status TEXT NOT NULL DEFAULT 'created', "
  "  _changed TEXT NOT NULL DEFAULT '', _base TEXT);"
  "CREATE INDEX tickets_status ON tickets (_status);"
  "CREATE INDEX tickets_client ON tickets (client_id);"
  "CREATE TABLE history (id INTEGER PRIMARY KEY, table_name TEXT NOT NULL, record_id TEXT NOT NULL, "
  "  field TEXT NOT NULL, old TEXT, new TEXT, at INTEGER NOT NULL, origin TEXT NOT NULL);"
  "CREATE TABLE sync_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT);"
  "INSERT INTO clients (id, name, email, created_at, updated_at, _status, _changed, _base) "
  "  VALUES ('c1', 'Old Client', 'old@example.com', 1, 2, 'synced', '', '{\"id\":\"c1\"}');"
  "INSERT INTO clients (id, name, created_at, updated_at, _status, _changed) "
  "  VALUES ('c2', 'Edited', 1, 3, 'updated', 'name,updated_at');"
  "INSERT INTO sync_meta VALUES ('last_pulled_at', '1234');"
  "PRAGMA application_id = 1198090064;"
  "PRAGMA user_version = 1;";

static void
test_open_migrates_v1 (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GpRecord) record = NULL;
  g_autofree char *backup = g_strconcat (f->path, ".bak-v1", NULL);
  g_autofree char *status = NULL;
  g_autofree char *pulled = NULL;
  g_autofree char *id = NULL;

  gp_test_sql_exec (f->path, v1_schema);

  f->store = gp_test_open_store (f->path);
  g_assert_cmpint (gp_test_sql_int (f->path, "PRAGMA user_version"), ==, GP_STORE_DB_VERSION);

  /* Rows and bookkeeping survive; the new column has its default. */
  record = gp_test_get (f->store, "clients", "c1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gp_record_get_string (record, "email"), ==, "old@example.com");
  g_assert_cmpstr (gp_record_get_sync_status (record), ==, "synced");
  status = raw_status (f, "clients", "c2");
  g_assert_cmpstr (status, ==, "updated|name,updated_at|0");
  pulled = gp_test_sql_text (f->path, "SELECT value FROM sync_meta WHERE key = 'last_pulled_at'");
  g_assert_cmpstr (pulled, ==, "1234");
  g_assert_cmpuint (gp_store_get_pending_count (f->store), ==, 1);

  /* The copy kept before migrating is the old version, intact. */
  g_assert_true (g_file_test (backup, G_FILE_TEST_EXISTS));
  g_assert_cmpint (gp_test_sql_int (backup, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (gp_test_sql_int (backup, "SELECT count(*) FROM clients"), ==, 2);
  g_assert_cmpint (gp_test_sql_int (backup, "SELECT count(*) FROM pragma_table_info('clients') "
                                            "WHERE name = '_rev'"), ==, 0);

  /* The migrated file works: an edit of the synced row is tracked. */
  id = gp_test_save (f->store, "clients", "c1", "{\"email\": \"new@example.com\"}", &error);
  g_assert_no_error (error);
  g_free (status);
  status = raw_status (f, "clients", "c1");
  g_assert_cmpstr (status, ==, "updated|email,updated_at|1");

  /* And the full-text index of the latest layout follows a new ticket. */
  g_free (gp_test_save (f->store, "tickets", NULL, "{\"client_id\": \"c1\", \"title\": \"Printer jams\"}", &error));
  g_assert_no_error (error);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'printer'"),
                   ==, 1);
}

static void
test_crud (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *client = NULL;
  g_autofree char *invoice = NULL;
  g_autofree char *line = NULL;
  g_autofree char *ticket = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GpRecord) record = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GpQuery) query = NULL;
  g_autoptr(GPtrArray) records = NULL;

  client = gp_test_save (f->store, "clients", NULL,
                         "{\"name\": \"Acme\", \"email\": \"a@acme.test\", \"currency\": \"JPY\", "
                         "\"hourly_rate\": 9000}", &error);
  g_assert_no_error (error);
  g_assert_true (gp_schema_is_valid_id (client));

  json = g_strdup_printf ("{\"client_id\": \"%s\", \"number\": \"2026-001\", \"issued_on\": \"2026-02-28\"}", client);
  invoice = gp_test_save (f->store, "invoices", NULL, json, &error);
  g_assert_no_error (error);
  g_free (json);
  json = g_strdup_printf ("{\"invoice_id\": \"%s\", \"description\": \"Design\", \"quantity\": 2500, "
                          "\"unit_price\": 12000}", invoice);
  line = gp_test_save (f->store, "invoice_lines", NULL, json, &error);
  g_assert_no_error (error);
  g_free (json);
  json = g_strdup_printf ("{\"client_id\": \"%s\", \"title\": \"Fix the logo\"}", client);
  ticket = gp_test_save (f->store, "tickets", "ticket-1", json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ticket, ==, "ticket-1");

  /* Read back, with the store's defaults and timestamps. */
  record = gp_test_get (f->store, "invoices", invoice, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gp_record_get_string (record, "status"), ==, "draft");
  g_assert_cmpstr (gp_record_get_string (record, "currency"), ==, "JPY");
  g_assert_cmpstr (gp_record_get_string (record, "client_id"), ==, client);
  g_assert_cmpstr (gp_record_get_sync_status (record), ==, "created");
  g_assert_cmpint (gp_record_get_int (record, "created_at"), >, 1700000000000);
  g_assert_cmpint (gp_record_get_int (record, "updated_at"), ==, gp_record_get_int (record, "created_at"));
  g_assert_false (gp_record_has_value (record, "paid_on"));
  g_clear_object (&record);

  record = gp_test_get (f->store, "invoice_lines", line, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gp_record_get_int (record, "quantity"), ==, 2500);
  g_assert_cmpint (gp_record_get_int (record, "discount"), ==, 0);
  g_clear_object (&record);

  record = gp_test_get (f->store, "tickets", ticket, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gp_record_get_string (record, "status"), ==, "open");
  g_clear_object (&record);

  /* Update each table. */
  g_free (gp_test_save (f->store, "clients", client, "{\"company\": \"Acme Ltd\", \"email\": null}", &error));
  g_assert_no_error (error);
  g_free (gp_test_save (f->store, "invoices", invoice, "{\"notes\": \"Thank you\"}", &error));
  g_assert_no_error (error);
  g_free (gp_test_save (f->store, "invoice_lines", line, "{\"discount\": 1000}", &error));
  g_assert_no_error (error);
  g_free (gp_test_save (f->store, "tickets", ticket, "{\"status\": \"in-progress\"}", &error));
  g_assert_no_error (error);

  record = gp_test_get (f->store, "clients", client, &error);
  g_assert_cmpstr (gp_record_get_string (record, "company"), ==, "Acme Ltd");
  g_assert_false (gp_record_has_value (record, "email"));
  g_assert_cmpstr (gp_record_get_string (record, "name"), ==, "Acme");
  g_clear_object (&record);

  /* Query by parent. */
  query = gp_query_new ("tickets");
  gp_query_set_where (query, "client_id", client);
  records = gp_test_query (f->store, query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 1);
  g_assert_cmpstr (gp_record_get_string (g_ptr_array_index (records, 0), "status"), ==, "in-progress");

  /* Delete a line, then the ticket. */
  removed = gp_test_delete (f->store, "invoice_lines", line, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed->len, ==, 1);
  g_clear_pointer (&removed, g_ptr_array_unref);
  removed = gp_test_delete (f->store, "tickets", ticket, &error);
  g_assert_no_error (error);
  g_clear_pointer (&removed, g_ptr_array_unref);

  record = gp_test_get (f->store, "invoice_lines", line, &error);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND);
  g_assert_null (record);
  g_clear_error (&error);

  removed = gp_test_delete (f->store, "tickets", ticket, &error);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND);
  g_assert_null (removed);
}

static void
test_sync_status (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *other = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GpQuery) query = gp_query_new ("clients");
  g_autoptr(GPtrArray) records = NULL;
  char *status;

  id = gp_test_save (f->store, "clients", NULL, "{\"name\": \"A\"}", &error);
  g_assert_no_error (error);
  status = raw_status (f, "clients", id);
  g_assert_cmpstr (status, ==, "created||1");
  g_free (status);

  /* Editing a row the server never saw keeps it "created" with nothing in _changed. */
  g_free (gp_test_save (f->store, "clients", id, "{\"email\": \"a@x.test\"}", &error));
  status = raw_status (f, "clients", id);
  g_assert_cmpstr (status, ==, "created||2");
  g_free (status);

  mark_synced (f, "clients", id);
  g_free (gp_test_save (f->store, "clients", id, "{\"email\": \"b@x.test\"}", &error));
  status = raw_status (f, "clients", id);
  g_assert_cmpstr (status, ==, "updated|email,updated_at|3");
  g_free (status);

  g_free (gp_test_save (f->store, "clients", id, "{\"name\": \"B\", \"email\": \"b@x.test\"}", &error));
  status = raw_status (f, "clients", id);
  g_assert_cmpstr (status, ==, "updated|email,updated_at,name|4");
  g_free (status);

  /* Saving identical values is no change at all. */
  g_free (gp_test_save (f->store, "clients", id, "{\"name\": \"B\"}", &error));
  g_assert_no_error (error);
  status = raw_status (f, "clients", id);
  g_assert_cmpstr (status, ==, "updated|email,updated_at,name|4");
  g_free (status);

  /* A synced row deleted becomes a tombstone, hidden from reads. */
  removed = gp_test_delete (f->store, "clients", id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gp_record_get_sync_status (g_ptr_array_index (removed, 0)), ==, "updated");
  status = raw_status (f, "clients", id);
  g_assert_cmpstr (status, ==, "deleted|email,updated_at,name|5");
  g_free (status);
  g_clear_pointer (&removed, g_ptr_array_unref);

  records = gp_test_query (f->store, query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 0);
  g_free (gp_test_save (f->store, "clients", id, "{\"name\": \"C\"}", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A row never synced is simply removed. */
  other = gp_test_save (f->store, "clients", NULL, "{\"name\": \"Fleeting\"}", &error);
  removed = gp_test_delete (f->store, "clients", other, &error);
  g_assert_no_error (error);
  status = raw_status (f, "clients", other);
  g_assert_null (status);

  gp_test_iterate (5);
  g_assert_cmpuint (gp_store_get_pending_count (f->store), ==, 1);
}

static void
expect_invalid (Fixture    *f,
                const char *table,
                const char *id,
                const char *json,
                const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = gp_test_save (f->store, table, id, json, &error);

  g_assert_null (saved);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, fragment);
}

static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *client = gp_test_save (f->store, "clients", NULL, "{\"name\": \"Acme\"}", &error);
  g_autofree char *json = NULL;
  g_autofree char *invoice = NULL;

  g_assert_no_error (error);
  expect_invalid (f, "clients", NULL, "{\"name\": \"X\", \"colour\": \"red\"}", "colour");
  expect_invalid (f, "clients", NULL, "{\"name\": \"X\", \"_status\": \"synced\"}", "_status");
  expect_invalid (f, "clients", NULL, "{\"email\": \"x@y.test\"}", "name");
  expect_invalid (f, "clients", NULL, "{\"name\": \"X\", \"currency\": \"eur\"}", "currency code");
  expect_invalid (f, "clients", NULL, "{\"name\": \"X\", \"currency\": \"EURO\"}", "currency code");
  expect_invalid (f, "clients", NULL, "{\"name\": \"X\", \"hourly_rate\": \"100\"}", "whole number");
  expect_invalid (f, "clients", NULL, "{\"name\": \"X\", \"hourly_rate\": 1.5}", "whole number");
  expect_invalid (f, "clients", NULL, "{\"name\": \"X\", \"hourly_rate\": 1000000000000001}", "out of range");
  expect_invalid (f, "clients", client, "{\"name\": \"\"}", "empty");
  expect_invalid (f, "nope", NULL, "{}", "no table");
  expect_invalid (f, "clients", "bad id!", "{\"name\": \"X\"}", "valid record id");

  expect_invalid (f, "invoices", NULL, "{\"number\": \"1\"}", "client_id");
  expect_invalid (f, "invoices", NULL, "{\"client_id\": \"missing\"}", "does not exist");
  json = g_strdup_printf ("{\"client_id\": \"%s\", \"status\": \"overdue\"}", client);
  expect_invalid (f, "invoices", NULL, json, "invoice status");
  g_free (json);
  json = g_strdup_printf ("{\"client_id\": \"%s\", \"due_on\": \"2026-02-30\"}", client);
  expect_invalid (f, "invoices", NULL, json, "YYYY-MM-DD");
  g_free (json);
  json = g_strdup_printf ("{\"client_id\": \"%s\"}", client);
  invoice = gp_test_save (f->store, "invoices", NULL, json, &error);
  g_assert_no_error (error);
  g_free (json);

  json = g_strdup_printf ("{\"invoice_id\": \"%s\", \"discount\": -1}", invoice);
  expect_invalid (f, "invoice_lines", NULL, json, "discount");
  g_free (json);
  json = g_strdup_printf ("{\"invoice_id\": \"%s\", \"tax_rate\": 10001}", invoice);
  expect_invalid (f, "invoice_lines", NULL, json, "tax rate");
  g_free (json);
  json = g_strdup_printf ("{\"title\": \"T\", \"status\": \"closed\"}");
  expect_invalid (f, "tickets", NULL, json, "ticket status");

  /* The raw record as read may be saved back; its id must not change. */
  g_free (gp_test_save (f->store, "clients", client, "{\"id\": \"other\", \"name\": \"X\"}", &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_free (json);
  json = g_strdup_printf ("{\"id\": \"%s\", \"name\": \"Acme 2\", \"created_at\": 5}", client);
  g_free (gp_test_save (f->store, "clients", client, json, &error));
  g_assert_no_error (error);

  /* Nothing invalid reached the file. */
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM clients"), ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM invoices"), ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM invoice_lines"), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM tickets"), ==, 0);
}

static void
test_history (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gp_test_save (f->store, "clients", NULL,
                                      "{\"name\": \"Acme\", \"hourly_rate\": 100}", &error);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  GpHistoryEntry *entry;

  g_free (gp_test_save (f->store, "clients", id, "{\"name\": \"Acme\", \"hourly_rate\": 150}", &error));
  removed = gp_test_delete (f->store, "clients", id, &error);
  g_assert_no_error (error);

  gp_store_history_async (f->store, "clients", id, NULL, gp_test_result_cb, &result);
  entries = gp_store_history_finish (f->store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 4);

  entry = g_ptr_array_index (entries, 0);
  g_assert_cmpstr (entry->field, ==, "name");
  g_assert_null (entry->old_value);
  g_assert_cmpstr (entry->new_value, ==, "Acme");
  g_assert_cmpstr (entry->origin, ==, "local");
  entry = g_ptr_array_index (entries, 1);
  g_assert_cmpstr (entry->field, ==, "hourly_rate");
  g_assert_cmpstr (entry->new_value, ==, "100");
  entry = g_ptr_array_index (entries, 2);
  g_assert_cmpstr (entry->field, ==, "hourly_rate");
  g_assert_cmpstr (entry->old_value, ==, "100");
  g_assert_cmpstr (entry->new_value, ==, "150");
  g_assert_cmpint (entry->at, >, 0);
  entry = g_ptr_array_index (entries, 3);
  g_assert_cmpstr (entry->field, ==, "*");
  g_assert_nonnull (strstr (entry->old_value, "\"hourly_rate\":150"));
  g_assert_null (entry->new_value);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char **)a, *(const char **)b);
}

typedef struct
{
  GPtrArray *tables;
  GPtrArray *ids;
} ChangedLog;

static void
store_changed_cb (GpStore    *store,
                  const char *table,
                  GStrv       ids,
                  ChangedLog *log)
{
  g_autofree char *joined = NULL;

  /* Sorted, so the log does not depend on hash order. */
  g_auto(GStrv) copy = g_strdupv (ids);
  qsort (copy, g_strv_length (copy), sizeof (char *), compare_strings);
  joined = g_strjoinv (",", copy);
  g_ptr_array_add (log->tables, g_strdup (table));
  g_ptr_array_add (log->ids, g_steal_pointer (&joined));
}

static void
test_cascade_restore (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ChangedLog log = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GpQuery) query = NULL;
  g_autoptr(GPtrArray) records = NULL;
  char *s;

  g_free (gp_test_save (f->store, "clients", "c", "{\"name\": \"Acme\"}", &error));
  g_free (gp_test_save (f->store, "clients", "other", "{\"name\": \"Other\"}", &error));
  g_free (gp_test_save (f->store, "invoices", "i", "{\"client_id\": \"c\", \"number\": \"7\"}", &error));
  g_free (gp_test_save (f->store, "invoice_lines", "l1", "{\"invoice_id\": \"i\", \"unit_price\": 5}", &error));
  g_free (gp_test_save (f->store, "invoice_lines", "l2", "{\"invoice_id\": \"i\", \"unit_price\": 7}", &error));
  g_free (gp_test_save (f->store, "tickets", "t", "{\"client_id\": \"c\", \"title\": \"Call\"}", &error));
  g_free (gp_test_save (f->store, "tickets", "t2", "{\"client_id\": \"other\", \"title\": \"Stay\"}", &error));
  g_assert_no_error (error);
  mark_synced (f, "clients", "c");
  mark_synced (f, "invoices", "i");
  mark_synced (f, "invoice_lines", "l1");
  /* l2 and t stay "created": they were never pushed. */

  g_signal_connect (f->store, "changed", G_CALLBACK (store_changed_cb), &log);
  removed = gp_test_delete (f->store, "clients", "c", &error);
  g_assert_no_error (error);
  gp_test_iterate (5);

  g_assert_cmpuint (removed->len, ==, 5);
  g_assert_cmpstr (gp_record_get_id (g_ptr_array_index (removed, 0)), ==, "c");
  g_assert_cmpstr (gp_record_get_id (g_ptr_array_index (removed, 1)), ==, "i");

  s = raw_status (f, "clients", "c");
  g_assert_cmpstr (s, ==, "deleted||2");
  g_free (s);
  s = raw_status (f, "invoices", "i");
  g_assert_cmpstr (s, ==, "deleted||2");
  g_free (s);
  s = raw_status (f, "invoice_lines", "l1");
  g_assert_cmpstr (s, ==, "deleted||2");
  g_free (s);
  g_assert_null (raw_status (f, "invoice_lines", "l2"));
  g_assert_null (raw_status (f, "tickets", "t"));
  s = raw_status (f, "tickets", "t2");
  g_assert_cmpstr (s, ==, "created||1");
  g_free (s);

  /* One "changed" per table, parents first. */
  g_assert_cmpuint (log.tables->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (log.tables, 0), ==, "clients");
  g_assert_cmpstr (g_ptr_array_index (log.ids, 0), ==, "c");
  g_assert_cmpstr (g_ptr_array_index (log.tables, 1), ==, "invoices");
  g_assert_cmpstr (g_ptr_array_index (log.tables, 2), ==, "invoice_lines");
  g_assert_cmpstr (g_ptr_array_index (log.ids, 2), ==, "l1,l2");
  g_assert_cmpstr (g_ptr_array_index (log.tables, 3), ==, "tickets");
  g_assert_cmpstr (g_ptr_array_index (log.ids, 3), ==, "t");

  query = gp_query_new ("invoice_lines");
  records = gp_test_query (f->store, query, &error);
  g_assert_cmpuint (records->len, ==, 0);
  g_clear_pointer (&records, g_ptr_array_unref);

  /* Undo brings back exactly what went. */
  g_assert_true (gp_test_restore (f->store, removed, &error));
  g_assert_no_error (error);
  s = raw_status (f, "clients", "c");
  g_assert_cmpstr (s, ==, "synced||3");
  g_free (s);
  s = raw_status (f, "invoice_lines", "l1");
  g_assert_cmpstr (s, ==, "synced||3");
  g_free (s);
  s = raw_status (f, "invoice_lines", "l2");
  g_assert_cmpstr (s, ==, "created||1");
  g_free (s);
  s = raw_status (f, "tickets", "t");
  g_assert_cmpstr (s, ==, "created||1");
  g_free (s);

  records = gp_test_query (f->store, query, &error);
  g_assert_cmpuint (records->len, ==, 2);
  g_ptr_array_sort (records, compare_strings);
  for (guint i = 0; i < removed->len; i++)
    {
      GpRecord *before = g_ptr_array_index (removed, i);
      g_autoptr(GpRecord) after = gp_test_get (f->store, gp_record_get_table (before),
                                               gp_record_get_id (before), &error);

      g_assert_no_error (error);
      g_assert_true (json_object_equal (gp_record_get_fields (before), gp_record_get_fields (after)));
      g_assert_cmpstr (gp_record_get_sync_status (before), ==, gp_record_get_sync_status (after));
    }

  g_signal_handlers_disconnect_by_data (f->store, &log);
  g_ptr_array_unref (log.tables);
  g_ptr_array_unref (log.ids);
}

/* A parent the server never saw, with a child it did see (a pull can do that): the child's
 * tombstone still points at the parent, so the parent stays as a tombstone too instead of
 * breaking the foreign key; undo brings both back as they were. */
static void
test_delete_created_parent_of_synced_child (Fixture       *f,
                                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  char *s;

  g_free (gp_test_save (f->store, "clients", "c", "{\"name\": \"New\"}", &error));
  g_free (gp_test_save (f->store, "tickets", "t", "{\"client_id\": \"c\", \"title\": \"Known\"}", &error));
  g_assert_no_error (error);
  mark_synced (f, "tickets", "t");

  removed = gp_test_delete (f->store, "clients", "c", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed->len, ==, 2);
  s = raw_status (f, "clients", "c");
  g_assert_cmpstr (s, ==, "deleted||2");
  g_free (s);
  s = raw_status (f, "tickets", "t");
  g_assert_cmpstr (s, ==, "deleted||2");
  g_free (s);

  g_assert_true (gp_test_restore (f->store, removed, &error));
  g_assert_no_error (error);
  s = raw_status (f, "clients", "c");
  g_assert_cmpstr (s, ==, "created||3");
  g_free (s);
  s = raw_status (f, "tickets", "t");
  g_assert_cmpstr (s, ==, "synced||3");
  g_free (s);
}

static void
counts_notify_cb (GObject    *object,
                  GParamSpec *pspec,
                  guint      *n_notifies)
{
  (*n_notifies)++;
}

static void
test_counts (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint n_notifies = 0;

  g_signal_connect (f->store, "notify::pending-count", G_CALLBACK (counts_notify_cb), &n_notifies);
  g_free (gp_test_save (f->store, "clients", "a", "{\"name\": \"A\"}", &error));
  g_free (gp_test_save (f->store, "clients", "b", "{\"name\": \"B\"}", &error));
  gp_test_iterate (5);
  g_assert_cmpuint (gp_store_get_pending_count (f->store), ==, 2);
  g_assert_cmpuint (n_notifies, ==, 2);

  /* An edit of a pending row changes nothing in the count, so no notification. */
  g_free (gp_test_save (f->store, "clients", "a", "{\"name\": \"A2\"}", &error));
  gp_test_iterate (5);
  g_assert_cmpuint (n_notifies, ==, 2);

  mark_synced (f, "clients", "a");
  gp_test_sql_exec (f->path, "INSERT INTO conflicts (table_name, record_id, kind, created_at) "
                             "VALUES ('clients', 'b', 'update', 1)");
  g_free (gp_test_save (f->store, "clients", "b", "{\"name\": \"B2\"}", &error));
  gp_test_iterate (5);
  g_assert_cmpuint (gp_store_get_pending_count (f->store), ==, 1);
  g_assert_cmpuint (gp_store_get_conflict_count (f->store), ==, 1);
  g_signal_handlers_disconnect_by_data (f->store, &n_notifies);
}

/* The private command API, as the sync commands use it. */
static gboolean
stamp_run (GpStoreTxn  *txn,
           gpointer     data,
           GError     **error)
{
  const char *id = data;
  sqlite3_stmt *stmt;

  g_assert_nonnull (_gp_store_txn_get_db (txn));
  if (!_gp_store_txn_exec (txn, "UPDATE clients SET _status = 'synced', _changed = ''", error))
    return FALSE;
  stmt = _gp_store_txn_prepare (txn, "INSERT INTO sync_meta VALUES ('last_pulled_at', ?)", error);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  _gp_store_txn_changed (txn, "clients", id);
  _gp_store_txn_set_result (txn, g_strdup ("done"), g_free);

  if (g_str_equal (id, "fail"))
    {
      g_set_error_literal (error, GP_STORE_ERROR, GP_STORE_ERROR_FAILED, "asked to fail");
      return FALSE;
    }
  return TRUE;
}

static void
test_private_command (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  ChangedLog log = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };
  gpointer value = NULL;
  g_autofree char *meta = NULL;

  g_free (gp_test_save (f->store, "clients", "a", "{\"name\": \"A\"}", &error));
  gp_test_iterate (5);
  g_assert_cmpuint (gp_store_get_pending_count (f->store), ==, 1);
  g_signal_connect (f->store, "changed", G_CALLBACK (store_changed_cb), &log);

  /* A failing command rolls back everything it did. */
  _gp_store_run_async (f->store, GP_STORE_COMMAND_WRITE, stamp_run, (gpointer)"fail", NULL, NULL,
                       gp_test_result_cb, &result, test_private_command);
  g_assert_false (_gp_store_run_finish (f->store, gp_test_wait (&result), &value, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_FAILED);
  g_assert_null (value);
  g_clear_error (&error);
  g_clear_object (&result);
  gp_test_iterate (5);
  g_assert_cmpuint (log.tables->len, ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta"), ==, 0);

  _gp_store_run_async (f->store, GP_STORE_COMMAND_WRITE, stamp_run, (gpointer)"a", NULL, NULL,
                       gp_test_result_cb, &result, test_private_command);
  g_assert_true (g_async_result_is_tagged (gp_test_wait (&result), test_private_command));
  g_assert_true (_gp_store_run_finish (f->store, result, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "done");
  g_free (value);
  gp_test_iterate (5);

  meta = gp_test_sql_text (f->path, "SELECT value FROM sync_meta");
  g_assert_cmpstr (meta, ==, "a");
  g_assert_cmpuint (log.tables->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (log.ids, 0), ==, "a");
  g_assert_cmpuint (gp_store_get_pending_count (f->store), ==, 0);

  g_signal_handlers_disconnect_by_data (f->store, &log);
  g_ptr_array_unref (log.tables);
  g_ptr_array_unref (log.ids);
}

static void
test_closed (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GpStore) store = gp_store_new (f->path);
  g_autofree char *id = NULL;

  /* Never opened. */
  id = gp_test_save (store, "clients", NULL, "{\"name\": \"A\"}", &error);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CLOSED);
  g_clear_error (&error);

  g_assert_true (gp_store_open_sync (store, NULL, &error));
  gp_store_close (store);
  id = gp_test_save (store, "clients", NULL, "{\"name\": \"A\"}", &error);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CLOSED);
  gp_test_iterate (5);
  g_assert_finalize_object (g_steal_pointer (&store));
}

typedef struct
{
  guint done;
  guint failed;
} Counter;

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Counter *counter = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gp_store_save_finish (GP_STORE (object), result, &error);

  if (id == NULL)
    counter->failed++;
  counter->done++;
}

typedef struct
{
  GpStore *store;
  Counter *counter;
  guint    issued;
  guint    total;
} Issuer;

/* Issues the writes from the main loop, a chunk per iteration, like a UI would: what the
 * ticker measures is then the store's effect on the loop, not this test's own busy loop. */
static gboolean
issue_writes_cb (gpointer data)
{
  Issuer *issuer = data;

  for (guint i = 0; i < 50 && issuer->issued < issuer->total; i++, issuer->issued++)
    {
      g_autoptr(JsonObject) fields = json_object_new ();
      g_autofree char *name = g_strdup_printf ("Client %u", issuer->issued);

      json_object_set_string_member (fields, "name", name);
      json_object_set_int_member (fields, "hourly_rate", issuer->issued);
      gp_store_save_async (issuer->store, "clients", NULL, fields, NULL, saved_cb, issuer->counter);
    }

  return issuer->issued < issuer->total ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Writes 2000 records while a 5 ms timeout watches the main loop. The main thread may never
 * work 50 ms at a stretch; the wall-clock gap must stay under 50 ms too, and gets three
 * attempts because a machine loaded by other builds can deschedule the test. */
static void
test_concurrent_writes (Fixture       *f,
                        gconstpointer  data)
{
  GpTestTicker ticker;
  gboolean smooth = FALSE;
  guint total = 0;

  for (guint attempt = 0; attempt < 3 && !smooth; attempt++)
    {
      Counter counter = { 0 };
      Issuer issuer = { f->store, &counter, 0, 2000 };
      gint64 start;

      gp_test_ticker_start (&ticker);
      start = g_get_monotonic_time ();
      g_idle_add (issue_writes_cb, &issuer);
      while (counter.done < issuer.total)
        g_main_context_iteration (NULL, TRUE);
      gp_test_iterate (20);
      gp_test_ticker_stop (&ticker);
      total += issuer.total;

      g_test_message ("%u writes in %" G_GINT64_FORMAT " ms; longest main-loop gap %" G_GINT64_FORMAT
                      " ms, of which the main thread worked %" G_GINT64_FORMAT " ms",
                      issuer.total, (g_get_monotonic_time () - start) / 1000, ticker.max_wall / 1000,
                      ticker.max_cpu / 1000);
      g_assert_cmpuint (counter.failed, ==, 0);
      g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM clients"), ==, total);
      g_assert_cmpuint (gp_store_get_pending_count (f->store), ==, total);
      g_assert_cmpint (ticker.max_cpu, <, GP_TEST_FRAME_BUDGET_US);
      smooth = ticker.max_wall < GP_TEST_FRAME_BUDGET_US;
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

static gboolean
check_integrity_sync (GpStore  *store,
                      GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gp_store_check_integrity_async (store, NULL, gp_test_result_cb, &result);
  return gp_store_check_integrity_finish (store, gp_test_wait (&result), error);
}

/* Damages the file the way a failing disk would: one page of an index that opening the
 * database never reads gets an invalid page type, and the modification time is put back,
 * so nothing but its contents tells the file changed since the clean close. */
static void
damage_history_index (Fixture *f,
                      gint64   root_page,
                      gint64   page_size)
{
  struct stat st;
  struct timespec times[2];
  const char bad = 0x00;
  int fd;

  g_assert_cmpint (stat (f->path, &st), ==, 0);
  fd = open (f->path, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, &bad, 1, (off_t)((root_page - 1) * page_size)), ==, 1);
  g_assert_cmpint (close (fd), ==, 0);
  times[0] = st.st_atim;
  times[1] = st.st_mtim;
  g_assert_cmpint (utimensat (AT_FDCWD, f->path, times, 0), ==, 0);
}

static void
fill_and_close_cleanly (Fixture *f,
                        gint64  *root_page,
                        gint64  *page_size,
                        char   **backup)
{
  g_autoptr(GpStore) store = gp_test_open_store (f->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *marker = g_strconcat (f->path, ".clean", NULL);

  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\": \"Client %u\", \"notes\": \"%0100u\"}", i, i);
      g_autofree char *id = gp_test_save (store, "clients", NULL, json, &error);

      g_assert_no_error (error);
    }
  *root_page = gp_test_sql_int (f->path, "SELECT rootpage FROM sqlite_schema WHERE name = 'history_record'");
  *page_size = gp_test_sql_int (f->path, "PRAGMA page_size");
  g_assert_cmpint (*root_page, >, 1);

  *backup = g_build_filename (f->dir, "before.gigpilot", NULL);
  gp_store_backup_async (store, *backup, NULL, gp_test_result_cb, &result);
  g_assert_true (gp_store_backup_finish (store, gp_test_wait (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  gp_test_close_store (g_steal_pointer (&store));
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
}

/* After a clean close the open skips the check; the full check afterwards finds the damage,
 * stops every write (the file stays exactly as it was) and a restored backup lifts that. */
static void
test_integrity_after_clean_close (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GpStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *id = NULL;
  g_autofree char *marker = g_strconcat (f->path, ".clean", NULL);
  gsize before_len, after_len;
  gint64 root_page, page_size;

  fill_and_close_cleanly (f, &root_page, &page_size, &backup);

  /* Undamaged: the open leaves the check for later, and it passes. */
  store = gp_store_new (f->path);
  g_assert_true (gp_store_open_sync (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_assert_true (gp_store_get_needs_check (store));
  g_assert_true (check_integrity_sync (store, &error));
  g_assert_no_error (error);
  g_assert_false (gp_store_get_needs_check (store));
  g_assert_false (gp_store_get_damaged (store));
  gp_test_close_store (g_steal_pointer (&store));

  damage_history_index (f, root_page, page_size);

  store = gp_store_new (f->path);
  g_assert_true (gp_store_open_sync (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gp_store_get_needs_check (store));
  g_assert_false (check_integrity_sync (store, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "damaged"));
  g_clear_error (&error);
  gp_test_iterate (5);
  g_assert_true (gp_store_get_damaged (store));

  /* Nothing is written any more: a save fails and the file keeps every byte. */
  g_assert_true (g_file_get_contents (f->path, &before, &before_len, NULL));
  id = gp_test_save (store, "clients", NULL, "{\"name\": \"After the damage\"}", &error);
  g_assert_null (id);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (f->path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);

  /* Restoring the backup makes the store whole and writable again. */
  gp_store_restore_backup_async (store, backup, NULL, gp_test_result_cb, &result);
  g_assert_true (gp_store_restore_backup_finish (store, gp_test_wait (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  gp_test_iterate (5);
  g_assert_false (gp_store_get_damaged (store));
  id = gp_test_save (store, "clients", NULL, "{\"name\": \"After the restore\"}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  g_assert_true (check_integrity_sync (store, &error));
  g_assert_no_error (error);
  gp_test_close_store (g_steal_pointer (&store));
}

/* A damaged store never vouches for itself: no marker at close, so the next open runs the
 * check before anything else and refuses the file as before. The same holds when the last
 * close was not clean (no marker) although the file looks untouched. */
static void
test_integrity_after_unclean_close (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GpStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *marker = g_strconcat (f->path, ".clean", NULL);
  gint64 root_page, page_size;

  fill_and_close_cleanly (f, &root_page, &page_size, &backup);
  damage_history_index (f, root_page, page_size);

  store = gp_store_new (f->path);
  g_assert_true (gp_store_open_sync (store, NULL, &error));
  g_assert_false (check_integrity_sync (store, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT);
  g_clear_error (&error);
  gp_test_close_store (g_steal_pointer (&store));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));

  store = gp_store_new (f->path);
  g_assert_false (gp_store_open_sync (store, NULL, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "damaged"));
  gp_store_close (store);
  g_assert_finalize_object (g_steal_pointer (&store));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define ADD_CLOSED(name, func) g_test_add (name, Fixture, "closed", fixture_set_up, func, fixture_tear_down)
  g_test_add_func ("/store/new", test_store_new);
  ADD ("/store/open/new-file", test_open_new_file);
  ADD ("/store/open/schema-matches", test_open_schema_matches);
  ADD_CLOSED ("/store/open/too-new", test_open_too_new);
  ADD_CLOSED ("/store/open/too-new-wal", test_open_too_new_wal);
  ADD_CLOSED ("/store/open/corrupt-random", test_open_corrupt_random);
  ADD_CLOSED ("/store/open/corrupt-truncated", test_open_corrupt_truncated);
  ADD_CLOSED ("/store/open/foreign", test_open_foreign);
  ADD_CLOSED ("/store/open/integrity-after-clean-close", test_integrity_after_clean_close);
  ADD_CLOSED ("/store/open/integrity-after-unclean-close", test_integrity_after_unclean_close);
  ADD_CLOSED ("/store/open/migrates-v1", test_open_migrates_v1);
  ADD ("/store/crud", test_crud);
  ADD ("/store/sync-status", test_sync_status);
  ADD ("/store/validation", test_validation);
  ADD ("/store/history", test_history);
  ADD ("/store/cascade-restore", test_cascade_restore);
  ADD ("/store/delete-created-parent-of-synced-child", test_delete_created_parent_of_synced_child);
  ADD ("/store/counts", test_counts);
  ADD ("/store/private-command", test_private_command);
  ADD_CLOSED ("/store/closed", test_closed);
  ADD ("/store/concurrent-writes", test_concurrent_writes);
#undef ADD
#undef ADD_CLOSED

  return g_test_run ();
}
