/* test-transfer.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gp-csv.h"
#include "gp-store-estimate.h"
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
save_ok (GpStore    *store,
         const char *table,
         const char *id,
         const char *json)
{
  g_autoptr(GError) error = NULL;
  char *saved = gp_test_save (store, table, id, json, &error);

  g_assert_no_error (error);
  return saved;
}

static char *
export (GpStore      *store,
        GpExportKind  kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;

  gp_store_export_csv_async (store, kind, NULL, gp_test_result_cb, &result);
  bytes = gp_store_export_csv_finish (store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static GpImport *
import (GpStore     *store,
        const char  *csv,
        gboolean     commit,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (csv, strlen (csv));

  gp_store_import_clients_async (store, bytes, commit, NULL, gp_test_result_cb, &result);
  return gp_store_import_clients_finish (store, gp_test_wait (&result), error);
}

/* CSV */

static void
test_csv_quoting (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  GStrv row;

  gp_csv_append_field (out, "plain", TRUE);
  gp_csv_append_field (out, "a,b", FALSE);
  gp_csv_append_field (out, "say \"hi\"", FALSE);
  gp_csv_append_field (out, "two\nlines", FALSE);
  gp_csv_append_field (out, NULL, FALSE);
  gp_csv_append_field (out, " padded", FALSE);
  gp_csv_append_text (out, "=SUM(A1)", FALSE);
  gp_csv_append_field (out, "-5", FALSE);
  gp_csv_end_row (out);
  g_assert_cmpstr (out->str, ==, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\" padded\",'=SUM(A1),-5\r\n");

  rows = gp_csv_parse (out->str, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpuint (g_strv_length (row), ==, 8);
  g_assert_cmpstr (row[1], ==, "a,b");
  g_assert_cmpstr (row[2], ==, "say \"hi\"");
  g_assert_cmpstr (row[3], ==, "two\nlines");
  g_assert_cmpstr (row[4], ==, "");
  g_assert_cmpstr (row[5], ==, " padded");
  {
    g_autofree char *unguarded = gp_csv_unguard_text (row[6]);

    g_assert_cmpstr (unguarded, ==, "=SUM(A1)");
  }
}

static void
test_csv_parse_forms (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = gp_csv_parse ("\xef\xbb\xbfname,rate\nA,1\r\n\r\nB,2\n\"C\nD\",3", -1, &error);
  GPtrArray *bad;

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 4);
  g_assert_cmpstr (((GStrv)g_ptr_array_index (rows, 0))[0], ==, "name");
  g_assert_cmpstr (((GStrv)g_ptr_array_index (rows, 2))[0], ==, "B");
  g_assert_cmpstr (((GStrv)g_ptr_array_index (rows, 3))[0], ==, "C\nD");
  g_assert_cmpstr (((GStrv)g_ptr_array_index (rows, 3))[1], ==, "3");

  bad = gp_csv_parse ("a,b\n\"open,c\n", -1, &error);
  g_assert_null (bad);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Line 2"));
  g_clear_error (&error);

  bad = gp_csv_parse ("a,b\nx,y\"z\"\n", -1, &error);
  g_assert_null (bad);
  g_assert_nonnull (strstr (error->message, "Line 2"));
  g_clear_error (&error);

  bad = gp_csv_parse ("a\n\xff\xfe\n", -1, &error);
  g_assert_null (bad);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
}

static void
test_csv_decimal (void)
{
  gint64 v = 0;
  g_autofree char *a = gp_csv_format_decimal (123450, 2);
  g_autofree char *b = gp_csv_format_decimal (-5, 2);
  g_autofree char *c = gp_csv_format_decimal (1500, 3);
  g_autofree char *d = gp_csv_format_decimal (42, 0);

  g_assert_cmpstr (a, ==, "1234.50");
  g_assert_cmpstr (b, ==, "-0.05");
  g_assert_cmpstr (c, ==, "1.500");
  g_assert_cmpstr (d, ==, "42");

  g_assert_true (gp_csv_parse_decimal ("80", 2, &v));
  g_assert_cmpint (v, ==, 8000);
  g_assert_true (gp_csv_parse_decimal (" 80.5 ", 2, &v));
  g_assert_cmpint (v, ==, 8050);
  g_assert_true (gp_csv_parse_decimal ("1000", 0, &v));
  g_assert_cmpint (v, ==, 1000);
  g_assert_false (gp_csv_parse_decimal ("80.555", 2, &v));
  g_assert_false (gp_csv_parse_decimal ("1,000", 2, &v));
  g_assert_false (gp_csv_parse_decimal ("", 2, &v));
  g_assert_false (gp_csv_parse_decimal ("12.5", 0, &v));
  g_assert_false (gp_csv_parse_decimal ("99999999999999999999", 2, &v));
}

/* Export */

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *acme = save_ok (f->store, "clients", "c1",
                                   "{\"name\": \"Acme, \\\"the\\\" firm\", \"email\": \"a@acme.test\", "
                                   "\"currency\": \"EUR\", \"hourly_rate\": 8050, \"notes\": \"line one\\nline two\"}");
  g_autofree char *yen = save_ok (f->store, "clients", "c2",
                                  "{\"name\": \"=cmd|calc\", \"currency\": \"JPY\", \"hourly_rate\": 9000}");
  g_autofree char *inv = save_ok (f->store, "invoices", "i1",
                                  "{\"client_id\": \"c1\", \"number\": \"2026-001\", \"status\": \"draft\", "
                                  "\"issued_on\": \"2026-03-01\", \"due_on\": \"2026-03-31\"}");
  g_autofree char *empty = save_ok (f->store, "invoices", "i2",
                                    "{\"client_id\": \"c2\", \"number\": \"2026-002\", \"issued_on\": \"2026-03-02\"}");
  g_autofree char *l1 = save_ok (f->store, "invoice_lines", "l1",
                                 "{\"invoice_id\": \"i1\", \"position\": 0, \"description\": \"Design, phase 1\", "
                                 "\"quantity\": 1500, \"unit_price\": 8050, \"discount\": 1000, \"tax_rate\": 1900}");
  g_autofree char *l2 = save_ok (f->store, "invoice_lines", "l2",
                                 "{\"invoice_id\": \"i1\", \"position\": 1, \"description\": \"Hosting\", "
                                 "\"quantity\": 1000, \"unit_price\": 1000}");
  /* Issued once its lines are written (an issued invoice's lines are fixed). */
  g_autofree char *issued = save_ok (f->store, "invoices", "i1", "{\"status\": \"sent\"}");
  g_autofree char *ticket = save_ok (f->store, "tickets", "t1", "{\"client_id\": \"c1\", \"title\": \"Fix \\\"login\\\"\"}");
  g_autofree char *clients = export (f->store, GP_EXPORT_CLIENTS);
  g_autofree char *invoices = export (f->store, GP_EXPORT_INVOICES);
  g_autofree char *tickets = export (f->store, GP_EXPORT_TICKETS);
  g_autofree char *time = export (f->store, GP_EXPORT_TIME);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (clients, ==,
                   "id,name,email,company,address,tax_id,currency,hourly_rate,notes\r\n"
                   "c2,'=cmd|calc,,,,,JPY,9000,\r\n"
                   "c1,\"Acme, \"\"the\"\" firm\",a@acme.test,,,,EUR,80.50,\"line one\nline two\"\r\n");

  /* 1.5 × 80.50 = 120.75, discount 12.08 (half away from zero), net 108.67, 19 % tax 20.65. */
  g_assert_cmpstr (invoices, ==,
                   "invoice_id,number,client,status,currency,issued_on,due_on,paid_on,position,description,"
                   "quantity,unit_price,discount_percent,tax_percent,net,tax\r\n"
                   "i1,2026-001,\"Acme, \"\"the\"\" firm\",sent,EUR,2026-03-01,2026-03-31,,0,\"Design, phase 1\","
                   "1.500,80.50,10.00,19.00,108.67,20.65\r\n"
                   "i1,2026-001,\"Acme, \"\"the\"\" firm\",sent,EUR,2026-03-01,2026-03-31,,1,Hosting,"
                   "1.000,10.00,0.00,0.00,10.00,0.00\r\n"
                   "i2,2026-002,'=cmd|calc,draft,JPY,2026-03-02,,,,,,,,,,\r\n");

  rows = gp_csv_parse (tickets, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (((GStrv)g_ptr_array_index (rows, 1))[2], ==, "Fix \"login\"");
  g_assert_cmpstr (((GStrv)g_ptr_array_index (rows, 1))[7], ==, "0.000");
  g_assert_cmpstr (time, ==, "id,ticket,client,started_at,ended_at,hours,billable,billed_on_invoice,note\r\n");
}

/* Import */

static const char *bad_file =
  "Name,E-mail,Currency,Rate,Phone\n"
  "Good One,one@example.com,EUR,80,555\n"
  "Bad Mail,not-an-email,EUR,80,\n"
  "Odd Money,odd@example.com,XYZ,80,\n"
  ",nameless@example.com,EUR,,\n"
  "Twice,one@example.com,USD,90.5,\n"
  "Cheap,cheap@example.com,EUR,80.555,\n"
  "Existing,taken@example.com,EUR,1,\n"
  "Short,short@example.com\n";

static void
test_import_preview_and_all_or_nothing (Fixture       *f,
                                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GpImport) preview = NULL;
  g_autoptr(GpImport) failed = NULL;
  g_autofree char *taken = save_ok (f->store, "clients", NULL, "{\"name\": \"Taken\", \"email\": \"TAKEN@example.com\"}");
  const char * const ignored[] = { "Phone", NULL };
  static const struct { guint line; const char *needle; } expected[] = {
    { 3, "“not-an-email” is not an email address" },
    { 4, "“XYZ” is not a known currency code" },
    { 5, "The name is empty" },
    { 6, "one@example.com is also on line 2" },
    { 7, "“80.555” is not an amount" },
    { 8, "already exists" },
    { 9, "It has 2 fields but the header has 5" },
  };

  preview = import (f->store, bad_file, FALSE, &error);
  g_assert_no_error (error);
  g_assert_false (preview->committed);
  g_assert_cmpuint (preview->rows->len, ==, 8);
  g_assert_cmpuint (preview->n_errors, ==, 7);
  g_assert_cmpstrv (preview->ignored_columns, ignored);
  g_assert_null (((GpImportRow *)g_ptr_array_index (preview->rows, 0))->error);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      GpImportRow *row = g_ptr_array_index (preview->rows, i + 1);

      g_assert_cmpuint (row->line, ==, expected[i].line);
      g_assert_nonnull (row->error);
      if (strstr (row->error, expected[i].needle) == NULL)
        g_error ("line %u: “%s” does not say “%s”", row->line, row->error, expected[i].needle);
    }

  /* Committing a file with errors writes nothing at all, not even the good row. */
  failed = import (f->store, bad_file, TRUE, &error);
  g_assert_null (failed);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "7 rows have errors"));
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM clients"), ==, 1);

  /* A file that is not CSV at all, or has no name column, says so. */
  g_clear_error (&error);
  g_assert_null (import (f->store, "email\nx@y.z\n", FALSE, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "“name”"));
  g_clear_error (&error);
  g_assert_null (import (f->store, "name\n", FALSE, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
}

static void
test_import_commit_and_round_trip (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GpImport) done = NULL;
  g_autoptr(GpImport) again = NULL;
  g_autofree char *exported = NULL;
  g_autofree char *other_path = g_build_filename (f->dir, "other.db", NULL);
  g_autofree char *reexported = NULL;
  g_autofree char *rate = NULL;
  GpStore *other;

  done = import (f->store,
                 "name,email,currency,hourly_rate,vat,notes\r\n"
                 "\"Acme, Inc.\",ops@acme.test,eur,80.5,DE123,\"two\nlines\"\r\n"
                 "Yen Co,,JPY,9000,,'=not a formula\r\n",
                 TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (done->committed);
  g_assert_cmpuint (done->n_errors, ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM clients WHERE _status = 'created'"), ==, 2);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT hourly_rate FROM clients WHERE name = 'Acme, Inc.'"), ==, 8050);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT hourly_rate FROM clients WHERE name = 'Yen Co'"), ==, 9000);
  rate = gp_test_sql_text (f->path, "SELECT currency || '|' || tax_id || '|' || notes FROM clients WHERE name = 'Acme, Inc.'");
  g_assert_cmpstr (rate, ==, "EUR|DE123|two\nlines");
  g_free (rate);
  rate = gp_test_sql_text (f->path, "SELECT notes FROM clients WHERE name = 'Yen Co'");
  g_assert_cmpstr (rate, ==, "=not a formula");

  /* Importing the same people again is refused: their emails exist. */
  again = import (f->store, "name,email\nAcme,ops@acme.test\n", TRUE, &error);
  g_assert_null (again);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* What we export, we import: into another database, the same clients come out. */
  exported = export (f->store, GP_EXPORT_CLIENTS);
  other = gp_test_open_store (other_path);
  g_clear_pointer (&done, gp_import_free);
  done = import (other, exported, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (done->rows->len, ==, 2);
  g_assert_cmpstrv (done->ignored_columns, ((const char * const[]) { "id", NULL }));
  reexported = export (other, GP_EXPORT_CLIENTS);
  gp_test_close_store (other);
  /* Only the ids differ. */
  {
    g_autoptr(GPtrArray) a = gp_csv_parse (exported, -1, &error);
    g_autoptr(GPtrArray) b = gp_csv_parse (reexported, -1, &error);

    g_assert_cmpuint (a->len, ==, b->len);
    for (guint i = 1; i < a->len; i++)
      g_assert_cmpstrv (((GStrv)g_ptr_array_index (a, i)) + 1, ((GStrv)g_ptr_array_index (b, i)) + 1);
  }
}

/* Backup and restore */

static void
changed_cb (GpStore     *store,
            const char  *table,
            GStrv        ids,
            GHashTable  *seen)
{
  for (guint i = 0; ids[i] != NULL; i++)
    g_hash_table_add (seen, g_strdup_printf ("%s/%s", table, ids[i]));
}

static gboolean
backup (GpStore     *store,
        const char  *destination,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gp_store_backup_async (store, destination, NULL, gp_test_result_cb, &result);
  return gp_store_backup_finish (store, gp_test_wait (&result), error);
}

static gboolean
restore (GpStore     *store,
         const char  *source,
         GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gp_store_restore_backup_async (store, source, NULL, gp_test_result_cb, &result);
  return gp_store_restore_backup_finish (store, gp_test_wait (&result), error);
}

static void
test_backup_restore (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *backup_path = g_build_filename (f->dir, "backup.gigpilot", NULL);
  g_autofree char *state = NULL;
  g_autofree char *after = NULL;
  g_autofree char *c = NULL, *i = NULL, *l = NULL, *c2 = NULL, *added = NULL, *edited = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  const char *state_sql = "SELECT group_concat (row, ';') FROM ("
                          "SELECT id || '|' || name || '|' || _status || '|' || _changed || '|' || "
                          "coalesce (_base, '-') || '|' || _rev AS row FROM clients ORDER BY id)";

  c = save_ok (f->store, "clients", "c1", "{\"name\": \"Acme\", \"currency\": \"EUR\"}");
  c2 = save_ok (f->store, "clients", "c2", "{\"name\": \"Beta\"}");
  i = save_ok (f->store, "invoices", "i1", "{\"client_id\": \"c1\"}");
  l = save_ok (f->store, "invoice_lines", "l1",
               "{\"invoice_id\": \"i1\", \"description\": \"Logo design\", \"unit_price\": 50000}");
  g_free (save_ok (f->store, "invoices", "i1", "{\"status\": \"sent\"}"));
  /* c1 was pushed; c2 is still pending, with a local edit on top of a synced base. */
  gp_test_sql_exec (f->path, "UPDATE clients SET _status = 'synced', _changed = '', _base = '{\"id\":\"c1\"}';"
                             "UPDATE clients SET _status = 'updated', _changed = 'name' WHERE id = 'c2';"
                             "INSERT INTO sync_meta VALUES ('last_pulled_at', '1234');");
  state = gp_test_sql_text (f->path, state_sql);

  g_assert_true (backup (f->store, backup_path, &error));
  g_assert_no_error (error);
  {
    g_autofree char *partial = g_strconcat (backup_path, ".partial", NULL);

    g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  }
  /* A second backup replaces the first. */
  g_assert_true (backup (f->store, backup_path, &error));
  g_assert_cmpint (gp_test_sql_int (backup_path, "SELECT count(*) FROM clients"), ==, 2);

  /* Life goes on after the backup. */
  added = save_ok (f->store, "clients", "c3", "{\"name\": \"Gamma\"}");
  edited = save_ok (f->store, "clients", "c1", "{\"name\": \"Acme Renamed\"}");
  removed = gp_test_delete (f->store, "invoices", "i1", &error);
  g_assert_no_error (error);
  gp_test_sql_exec (f->path, "UPDATE sync_meta SET value = '9999' WHERE key = 'last_pulled_at'");
  gp_test_iterate (5);

  g_signal_connect (f->store, "changed", G_CALLBACK (changed_cb), seen);
  g_assert_true (restore (f->store, backup_path, &error));
  g_assert_no_error (error);
  gp_test_iterate (10);

  /* The same rows, ids and sync state as at the backup; the pull cursor too. */
  after = gp_test_sql_text (f->path, state_sql);
  g_assert_cmpstr (after, ==, state);
  {
    g_autofree char *pulled = gp_test_sql_text (f->path, "SELECT value FROM sync_meta WHERE key = 'last_pulled_at'");
    g_autoptr(GpRecord) record = gp_test_get (f->store, "clients", "c1", &error);

    g_assert_cmpstr (pulled, ==, "1234");
    /* The store's own connection sees the restored file. */
    g_assert_no_error (error);
    g_assert_cmpstr (gp_record_get_string (record, "name"), ==, "Acme");
  }
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM invoice_lines WHERE id = 'l1'"), ==, 1);
  /* Pending: c2 and the invoice and its line (never pushed). */
  g_assert_cmpuint (gp_store_get_pending_count (f->store), ==, 3);
  /* Lists hear about the row that went away and the ones that came back. */
  g_assert_true (g_hash_table_contains (seen, "clients/c3"));
  g_assert_true (g_hash_table_contains (seen, "clients/c1"));
  g_assert_true (g_hash_table_contains (seen, "invoices/i1"));
  g_assert_true (g_hash_table_contains (seen, "invoice_lines/l1"));
  g_signal_handlers_disconnect_by_func (f->store, changed_cb, seen);

  /* The estimator's local index came back with the data. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GpEstimate) e = NULL;

    gp_store_estimate_async (f->store, "logo", "EUR", NULL, gp_test_result_cb, &result);
    e = gp_store_estimate_finish (f->store, gp_test_wait (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (e->matches->len, ==, 1);
  }

  /* Writing works on as before, with no id clash. */
  g_free (added);
  added = save_ok (f->store, "clients", "c3", "{\"name\": \"Gamma again\"}");
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM clients"), ==, 3);
}

static void
test_restore_refuses_bad_files (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *junk = g_build_filename (f->dir, "junk.gigpilot", NULL);
  g_autofree char *foreign = g_build_filename (f->dir, "foreign.db", NULL);
  g_autofree char *newer = g_build_filename (f->dir, "newer.gigpilot", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.gigpilot", NULL);
  g_autofree char *id = save_ok (f->store, "clients", "keep", "{\"name\": \"Keep me\"}");

  g_assert_true (g_file_set_contents (junk, "this is not a database, just text that goes on and on",
                                      -1, NULL));
  gp_test_sql_exec (foreign, "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
  g_assert_true (backup (f->store, newer, &error));
  gp_test_sql_exec (newer, "PRAGMA user_version = 99;");

  g_assert_false (restore (f->store, junk, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (restore (f->store, foreign, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (restore (f->store, newer, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_TOO_NEW);
  g_clear_error (&error);
  g_assert_false (restore (f->store, missing, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND);

  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM clients WHERE id = 'keep'"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/csv/quoting", test_csv_quoting);
  g_test_add_func ("/csv/parse-forms", test_csv_parse_forms);
  g_test_add_func ("/csv/decimal", test_csv_decimal);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/transfer/export", test_export);
  ADD ("/transfer/import-preview-all-or-nothing", test_import_preview_and_all_or_nothing);
  ADD ("/transfer/import-commit-round-trip", test_import_commit_and_round_trip);
  ADD ("/transfer/backup-restore", test_backup_restore);
  ADD ("/transfer/restore-refuses-bad-files", test_restore_refuses_bad_files);
#undef ADD

  return g_test_run ();
}
