/* test-apply-pull.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gp-store-sync.h"
#include "gp-store-test-utils.h"

/* Applying pulled pages on a real store file: new records are written in multi-row batches
 * (gp-store-sync.c), records the device already has go through the three-way merge. These
 * tests pin down that both paths, and the seams between them, keep the same results. */

typedef struct
{
  char *dir;
  char *path;
  GpStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = gp_test_make_dir ();
  f->path = g_build_filename (f->dir, "device.db", NULL);
  f->store = gp_test_open_store (f->path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gp_test_close_store (f->store);
  gp_test_remove_dir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static GpPullOutcome *
apply (Fixture     *f,
       const char  *json,
       GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) page = g_bytes_new (json, strlen (json));

  gp_store_sync_apply_pull_async (f->store, page, 0, NULL, gp_test_result_cb, &result);
  gp_test_wait (&result);
  return gp_store_sync_apply_pull_finish (f->store, result, error);
}

static void
apply_ok (Fixture    *f,
          const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GpPullOutcome) outcome = apply (f, json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (outcome);
}

static char *
page (const char *changes,
      const char *cursor)
{
  return g_strdup_printf ("{\"changes\":{%s},\"timestamp\":1795306764726%s%s%s}", changes,
                          cursor ? ",\"next_cursor\":\"" : "", cursor ? cursor : "", cursor ? "\"" : "");
}

/* More records than one batch holds, with text that needs escaping in _base; tickets carry
 * full-text triggers, which must index every batched row. */
static void
test_batched (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GString) clients = g_string_new (NULL);
  g_autoptr(GString) tickets = g_string_new (NULL);
  g_autofree char *changes = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GpRecord) odd = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autoptr(JsonNode) base_node = NULL;
  const char *odd_name = "\"Quoted\" \\ back\\slash\nnew line\ttab \001 \xc3\xbc \xf0\x9f\x98\x80";
  const char *odd_json = "\\\"Quoted\\\" \\\\ back\\\\slash\\nnew line\\ttab \\u0001 \xc3\xbc \xf0\x9f\x98\x80";
  const guint n = 450;

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (clients, "%s{\"id\":\"c%u\",\"name\":\"Client %u\",\"hourly_rate\":%s,"
                              "\"created_at\":1,\"updated_at\":2}",
                              i ? "," : "", i, i, i % 3 == 0 ? "\"9500\"" : i % 3 == 1 ? "9500.0" : "9500");
      g_string_append_printf (tickets, "%s{\"id\":\"t%u\",\"client_id\":\"c%u\",\"title\":\"Printer %u\","
                              "\"body\":\"jams again\",\"status\":\"open\",\"created_at\":1,\"updated_at\":2}",
                              i ? "," : "", i, i, i);
    }
  g_string_append_printf (clients, ",{\"id\":\"odd\",\"name\":\"%s\",\"notes\":42,\"company\":true}", odd_json);
  changes = g_strdup_printf ("\"clients\":{\"created\":[%s],\"updated\":[],\"deleted\":[]},"
                             "\"tickets\":{\"created\":[%s],\"updated\":[],\"deleted\":[]}",
                             clients->str, tickets->str);
  json = page (changes, NULL);
  apply_ok (f, json);

  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM clients WHERE _status = 'synced' "
                                             "AND _changed = '' AND _rev = 0"), ==, n + 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM clients WHERE hourly_rate = 9500"), ==, n);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM tickets WHERE _status = 'synced'"), ==, n);
  /* Every ticket is in the full-text index, once. */
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_docs WHERE kind = 'ticket'"), ==, n);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'printer'"),
                   ==, n);
  g_assert_cmpint (gp_store_get_pending_count (f->store), ==, 0);

  odd = gp_test_get (f->store, "clients", "odd", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gp_record_get_string (odd, "name"), ==, odd_name);
  g_assert_cmpstr (gp_record_get_string (odd, "notes"), ==, "42");
  g_assert_cmpstr (gp_record_get_string (odd, "company"), ==, "true");

  /* _base is the canonical record: valid JSON, same values as the row. */
  base = gp_test_sql_text (f->path, "SELECT _base FROM clients WHERE id = 'odd'");
  base_node = json_from_string (base, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (base_node), "name"), ==, odd_name);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (base_node), "notes"), ==, "42");
  g_assert_true (json_object_get_null_member (json_node_get_object (base_node), "hourly_rate"));
  g_clear_pointer (&base, g_free);
  base = gp_test_sql_text (f->path, "SELECT _base FROM clients WHERE id = 'c3'");
  g_assert_cmpstr (base, ==, "{\"id\":\"c3\",\"name\":\"Client 3\",\"email\":null,\"company\":null,\"address\":null,"
                             "\"tax_id\":null,\"currency\":null,\"hourly_rate\":9500,\"notes\":null,"
                             "\"created_at\":1,\"updated_at\":2}");

  /* Pulled again unchanged (our own records coming back): nothing written, no history. */
  apply_ok (f, json);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM history"), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_docs WHERE kind = 'ticket'"), ==, n);
}

/* In one page: a locally edited record (merged per column), a synced one the server changed,
 * a new one, and the new one again in "updated" (the later copy wins, as it would applied
 * one by one). */
static void
test_existing_rows (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *first = page ("\"clients\":{\"created\":[{\"id\":\"y\",\"name\":\"Y\",\"email\":\"y@a\"},"
                                 "{\"id\":\"z\",\"name\":\"Z\"}],\"updated\":[],\"deleted\":[]}", NULL);
  g_autofree char *second = page ("\"clients\":{\"created\":[{\"id\":\"w\",\"name\":\"W1\"}],"
                                  "\"updated\":[{\"id\":\"y\",\"name\":\"Y\",\"email\":\"y@server\"},"
                                  "{\"id\":\"z\",\"name\":\"Z2\"},{\"id\":\"w\",\"name\":\"W2\"}],\"deleted\":[]}", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *text = NULL;

  apply_ok (f, first);
  saved = gp_test_save (f->store, "clients", "y", "{\"name\": \"Y local\"}", &error);
  g_assert_no_error (error);

  apply_ok (f, second);
  text = gp_test_sql_text (f->path, "SELECT name || '|' || email || '|' || _status || '|' "
                                    "|| (instr (_changed, 'name') > 0) FROM clients WHERE id = 'y'");
  g_assert_cmpstr (text, ==, "Y local|y@server|updated|1");
  g_clear_pointer (&text, g_free);
  text = gp_test_sql_text (f->path, "SELECT name || '|' || _status FROM clients WHERE id = 'z'");
  g_assert_cmpstr (text, ==, "Z2|synced");
  g_clear_pointer (&text, g_free);
  text = gp_test_sql_text (f->path, "SELECT name || '|' || _status || '|' || json_extract (_base, '$.name') "
                                    "FROM clients WHERE id = 'w'");
  g_assert_cmpstr (text, ==, "W2|synced|W2");
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM history WHERE origin = 'remote' "
                                             "AND record_id IN ('z', 'w') AND field = 'name'"), ==, 2);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM conflicts"), ==, 0);
}

/* The full-text index after pulled batches equals what indexing every row one at a time
 * gives (the insert triggers stand aside while a batch indexes its own rows): one entry
 * per live line and ticket with text, with that row's text, none for tombstones or rows
 * without text; an id twice in a page, a merged update and a local insert keep it so. */
static void
test_search_index (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autofree char *changes = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = page ("\"tickets\":{\"created\":[],\"updated\":[{\"id\":\"t1\",\"client_id\":\"c1\","
                                  "\"title\":\"Scanner\",\"body\":\"offline\"}],\"deleted\":[\"t2\"]}", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *local = NULL;
  const char *expected =
    "SELECT count(*) FROM (SELECT 'line' AS kind, id, description AS text FROM invoice_lines "
    "  WHERE _status != 'deleted' AND description IS NOT NULL "
    "UNION ALL SELECT 'ticket', id, title || coalesce (' ' || body, '') FROM tickets "
    "  WHERE _status != 'deleted' AND title || coalesce (' ' || body, '') IS NOT NULL) e "
    "JOIN estimate_docs d ON d.kind = e.kind AND d.ref_id = e.id "
    "JOIN estimate_index i ON i.rowid = d.docid AND i.text = e.text";
  const guint n = 300;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (lines, ",{\"id\":\"l%u\",\"invoice_id\":\"i1\",\"position\":%u,"
                            "\"description\":%s}", i, i, i % 10 == 0 ? "null" : "\"Logo design\"");
  changes = g_strdup_printf ("\"clients\":{\"created\":[{\"id\":\"c1\",\"name\":\"C\"}],\"updated\":[],\"deleted\":[]},"
                             "\"invoices\":{\"created\":[{\"id\":\"i1\",\"client_id\":\"c1\",\"number\":\"1\"}],"
                             "\"updated\":[],\"deleted\":[]},"
                             "\"invoice_lines\":{\"created\":[%s],\"updated\":[{\"id\":\"l1\",\"invoice_id\":\"i1\","
                             "\"description\":\"Website hosting\"}],\"deleted\":[]},"
                             "\"tickets\":{\"created\":[{\"id\":\"t1\",\"client_id\":\"c1\",\"title\":\"Printer\","
                             "\"body\":\"jams\"},{\"id\":\"t2\",\"client_id\":\"c1\",\"title\":\"Gone\"},"
                             "{\"id\":\"t3\",\"client_id\":\"c1\",\"title\":null}],\"updated\":[],\"deleted\":[]}",
                             lines->str + 1);
  first = page (changes, NULL);

  apply_ok (f, first);
  /* 270 lines with text (l1's second copy wins), t1, t2; t3 has none. */
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index"), ==, n - n / 10 + 2);
  g_assert_cmpint (gp_test_sql_int (f->path, expected), ==, n - n / 10 + 2);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'logo'"),
                   ==, n - n / 10 - 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'hosting'"),
                   ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key = 'index_batch'"), ==, 0);

  /* A merged update re-indexes through its trigger; a pulled delete leaves the index. */
  apply_ok (f, second);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'printer'"),
                   ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'scanner'"),
                   ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'gone'"),
                   ==, 0);

  /* A local insert is indexed by the trigger. */
  local = gp_test_save (f->store, "tickets", NULL, "{\"client_id\":\"c1\",\"title\":\"Router\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'router'"),
                   ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index"), ==,
                   gp_test_sql_int (f->path, expected));
}

/* A pull that fails inside a batch of tickets (while their insert trigger stands aside)
 * leaves nothing of its page behind, the key 'index_batch' included: the next local insert
 * and the next pull index as before. */
static void
test_failed_pull_index (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *bad = page ("\"clients\":{\"created\":[{\"id\":\"c1\",\"name\":\"C\"}],\"updated\":[],\"deleted\":[]},"
                               "\"tickets\":{\"created\":[{\"id\":\"t1\",\"client_id\":\"c1\",\"title\":\"Printer\"},"
                               "{\"id\":\"t2\",\"client_id\":\"c1\",\"title\":\"boom\"}],\"updated\":[],\"deleted\":[]}",
                               NULL);
  g_autofree char *good = page ("\"clients\":{\"created\":[{\"id\":\"c1\",\"name\":\"C\"}],\"updated\":[],\"deleted\":[]},"
                                "\"tickets\":{\"created\":[{\"id\":\"t1\",\"client_id\":\"c1\",\"title\":\"Printer\"},"
                                "{\"id\":\"t3\",\"client_id\":\"c1\",\"title\":\"Scanner\"}],\"updated\":[],\"deleted\":[]}",
                                NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GpPullOutcome) outcome = NULL;
  g_autofree char *local = NULL;

  /* The ticket "boom" fails inside the batch's one INSERT, after "Printer" went in. */
  gp_test_sql_exec (f->path, "CREATE TRIGGER boom BEFORE INSERT ON tickets WHEN NEW.title = 'boom' "
                             "BEGIN SELECT RAISE (ABORT, 'boom'); END;");
  outcome = apply (f, bad, &error);
  g_assert_null (outcome);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key = 'index_batch'"), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM tickets"), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM clients"), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index"), ==, 0);
  gp_test_sql_exec (f->path, "DROP TRIGGER boom;");

  apply_ok (f, good);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'printer'"),
                   ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'scanner'"),
                   ==, 1);
  local = gp_test_save (f->store, "tickets", NULL, "{\"client_id\":\"c1\",\"title\":\"Router\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'router'"),
                   ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key = 'index_batch'"), ==, 0);
}

/* A file of layout 5 (every insert indexed by its trigger) migrates to 6: what it indexed
 * stays searchable, and pulled batches and local inserts are indexed after. */
static void
test_migrates_v5_index (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *first = page ("\"clients\":{\"created\":[{\"id\":\"c1\",\"name\":\"C\"}],\"updated\":[],\"deleted\":[]},"
                                 "\"tickets\":{\"created\":[{\"id\":\"t1\",\"client_id\":\"c1\",\"title\":\"Printer\"}],"
                                 "\"updated\":[],\"deleted\":[]}", NULL);
  g_autofree char *second = page ("\"tickets\":{\"created\":[{\"id\":\"t3\",\"client_id\":\"c1\",\"title\":\"Scanner\"}],"
                                  "\"updated\":[],\"deleted\":[]},"
                                  "\"invoices\":{\"created\":[{\"id\":\"i1\",\"client_id\":\"c1\",\"number\":\"1\"}],"
                                  "\"updated\":[],\"deleted\":[]},"
                                  "\"invoice_lines\":{\"created\":[{\"id\":\"l1\",\"invoice_id\":\"i1\","
                                  "\"description\":\"Logo design\"}],\"updated\":[],\"deleted\":[]}", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *local = NULL;
  g_autofree char *trigger = NULL;

  apply_ok (f, first);
  gp_test_close_store (f->store);
  /* Layout 5's insert triggers, as that release wrote them. */
  for (guint i = 0; i < 2; i++)
    {
      const char *table = i == 0 ? "invoice_lines" : "tickets";
      const char *kind = i == 0 ? "line" : "ticket";
      const char *text = i == 0 ? "NEW.description" : "NEW.title || coalesce (' ' || NEW.body, '')";
      g_autofree char *sql =
        g_strdup_printf ("DROP TRIGGER %s_fts_insert;"
                         "CREATE TRIGGER %s_fts_insert AFTER INSERT ON %s BEGIN\n"
                         "  INSERT OR IGNORE INTO estimate_docs (kind, ref_id) VALUES ('%s', NEW.id);\n"
                         "  DELETE FROM estimate_index WHERE rowid = (SELECT docid FROM estimate_docs "
                         "WHERE kind = '%s' AND ref_id = NEW.id);\n"
                         "  INSERT INTO estimate_index (rowid, text) SELECT docid, %s FROM estimate_docs\n"
                         "    WHERE kind = '%s' AND ref_id = NEW.id AND NEW._status != 'deleted' AND %s IS NOT NULL;\n"
                         "END;",
                         table, table, table, kind, kind, text, kind, text);
      gp_test_sql_exec (f->path, sql);
    }
  gp_test_sql_exec (f->path, "PRAGMA user_version = 5;");
  trigger = gp_test_sql_text (f->path, "SELECT sql FROM sqlite_master WHERE name = 'tickets_fts_insert'");
  g_assert_null (strstr (trigger, "index_batch"));

  f->store = gp_test_open_store (f->path);
  g_assert_cmpint (gp_test_sql_int (f->path, "PRAGMA user_version"), ==, GP_STORE_DB_VERSION);
  g_clear_pointer (&trigger, g_free);
  trigger = gp_test_sql_text (f->path, "SELECT sql FROM sqlite_master WHERE name = 'tickets_fts_insert'");
  g_assert_nonnull (strstr (trigger, "index_batch"));
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'printer'"),
                   ==, 1);

  apply_ok (f, second);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'scanner'"),
                   ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'logo'"),
                   ==, 1);
  local = gp_test_save (f->store, "invoice_lines", NULL, "{\"invoice_id\":\"i1\",\"description\":\"Hosting\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'hosting'"),
                   ==, 1);
}

/* A child before its parent waits for the parent's page; a reference that is not a string
 * takes the record-by-record path. Without such a parent it waits past the paged pull (a
 * parent changed during paging comes with the next pull), and goes after a one-page pull,
 * a consistent snapshot, that still lacks it. */
static void
test_orphans (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *first = page ("\"invoice_lines\":{\"created\":[{\"id\":\"l1\",\"invoice_id\":\"i1\","
                                 "\"description\":\"Work\"}],\"updated\":[],\"deleted\":[]},"
                                 "\"tickets\":{\"created\":[{\"id\":\"t1\",\"client_id\":5,\"title\":\"Odd\"},"
                                 "{\"id\":\"t2\",\"client_id\":\"c1\",\"title\":\"Fine\"}],"
                                 "\"updated\":[],\"deleted\":[]}", "next");
  g_autofree char *second = page ("\"clients\":{\"created\":[{\"id\":\"c1\",\"name\":\"C\"}],\"updated\":[],\"deleted\":[]},"
                                  "\"invoices\":{\"created\":[{\"id\":\"i1\",\"client_id\":\"c1\",\"number\":\"1\"}],"
                                  "\"updated\":[],\"deleted\":[]}", NULL);
  g_autofree char *third = page ("\"clients\":{\"created\":[],\"updated\":[],\"deleted\":[]}", NULL);

  apply_ok (f, first);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM invoice_lines"), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key LIKE 'orphan:%'"), ==, 3);

  apply_ok (f, second);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM invoice_lines WHERE _status = 'synced'"), ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM tickets"), ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM tickets WHERE id = 't2'"), ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key LIKE 'orphan:%'"), ==, 1);

  apply_ok (f, third);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM tickets"), ==, 1);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key LIKE 'orphan:%'"), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM estimate_index WHERE estimate_index MATCH 'work'"), ==, 1);
}

/* A child stashed by a paged pull (its parent changed while the pages were read) and then
 * changed again on the server: the next pull brings the parent and the child's newer
 * version together. The stashed copy is stale and must go; applied after the newer one it
 * would put the old values back, with a base that hides them from every later pull (the
 * simulation's "lost write": a device kept an old line, and its later delete of the
 * invoice took the newer line along unseen). Both ways of applying the child: batched
 * (nothing local in its table) and record by record (a local edit in the table). */
static void
test_stale_orphan (Fixture       *f,
                   gconstpointer  data)
{
  gboolean batched = GPOINTER_TO_INT (data);
  g_autofree char *first = page ("\"invoice_lines\":{\"created\":[{\"id\":\"l1\",\"invoice_id\":\"i1\","
                                 "\"description\":\"old\",\"quantity\":1}],\"updated\":[],\"deleted\":[]}", "next");
  g_autofree char *last = page ("\"clients\":{\"created\":[{\"id\":\"c1\",\"name\":\"C\"}],"
                                "\"updated\":[],\"deleted\":[]}", NULL);
  g_autofree char *next = page ("\"invoices\":{\"created\":[{\"id\":\"i1\",\"client_id\":\"c1\","
                                "\"number\":\"1\"}],\"updated\":[],\"deleted\":[]},"
                                "\"invoice_lines\":{\"created\":[],\"updated\":[{\"id\":\"l1\","
                                "\"invoice_id\":\"i1\",\"description\":\"new\",\"quantity\":2}],"
                                "\"deleted\":[]}", NULL);
  g_autofree char *text = NULL;

  if (!batched)
    {
      g_autofree char *local = page ("\"invoices\":{\"created\":[{\"id\":\"i0\",\"client_id\":\"c0\","
                                     "\"number\":\"0\"}],\"updated\":[],\"deleted\":[]},"
                                     "\"clients\":{\"created\":[{\"id\":\"c0\",\"name\":\"C0\"}],"
                                     "\"updated\":[],\"deleted\":[]},"
                                     "\"invoice_lines\":{\"created\":[{\"id\":\"l0\",\"invoice_id\":\"i0\","
                                     "\"description\":\"mine\"}],\"updated\":[],\"deleted\":[]}", NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *saved = NULL;

      apply_ok (f, local);
      saved = gp_test_save (f->store, "invoice_lines", "l0", "{\"description\": \"mine, edited\"}", &error);
      g_assert_no_error (error);
    }

  apply_ok (f, first);
  apply_ok (f, last);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key = 'orphan:invoice_lines:l1'"),
                   ==, 1);

  apply_ok (f, next);
  text = gp_test_sql_text (f->path, "SELECT description || '|' || quantity || '|' || _status || '|' "
                                    "|| json_extract (_base, '$.description') FROM invoice_lines WHERE id = 'l1'");
  g_assert_cmpstr (text, ==, "new|2|synced|new");
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM sync_meta WHERE key LIKE 'orphan:%'"), ==, 0);
  g_assert_cmpint (gp_test_sql_int (f->path, "SELECT count(*) FROM history WHERE record_id = 'l1' "
                                             "AND new = 'old'"), ==, 0);
}

/* A number for an integer column is truncated; one no integer can hold (beyond gint64, as
 * a server may relay from another client) is stored as no value, like a string that does
 * not parse, on the batched path for new records and on the merge for known ones. */
static void
test_out_of_range_numbers (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *created = page ("\"clients\":{\"created\":[{\"id\":\"a\",\"name\":\"A\",\"hourly_rate\":1e300},"
                                   "{\"id\":\"b\",\"name\":\"B\",\"hourly_rate\":-1e19},"
                                   "{\"id\":\"c\",\"name\":\"C\",\"hourly_rate\":12.7}],"
                                   "\"updated\":[],\"deleted\":[]}", NULL);
  g_autofree char *updated = page ("\"clients\":{\"created\":[],\"updated\":[{\"id\":\"c\",\"name\":\"C\","
                                   "\"hourly_rate\":9.3e18}],\"deleted\":[]}", NULL);
  g_autofree char *text = NULL;

  apply_ok (f, created);
  text = gp_test_sql_text (f->path, "SELECT group_concat (id || '=' || ifnull (hourly_rate, 'null'), ' ') "
                                    "FROM (SELECT * FROM clients ORDER BY id)");
  g_assert_cmpstr (text, ==, "a=null b=null c=12");
  g_clear_pointer (&text, g_free);

  apply_ok (f, updated);
  text = gp_test_sql_text (f->path, "SELECT ifnull (hourly_rate, 'null') || '|' || _status FROM clients WHERE id = 'c'");
  g_assert_cmpstr (text, ==, "null|synced");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/apply-pull/batched", test_batched);
  ADD ("/apply-pull/existing-rows", test_existing_rows);
  ADD ("/apply-pull/orphans", test_orphans);
  ADD ("/apply-pull/out-of-range-numbers", test_out_of_range_numbers);
  ADD ("/apply-pull/search-index", test_search_index);
  ADD ("/apply-pull/failed-pull-index", test_failed_pull_index);
  ADD ("/apply-pull/migrates-v5-index", test_migrates_v5_index);
#undef ADD
  g_test_add ("/apply-pull/stale-orphan/batched", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up,
              test_stale_orphan, fixture_tear_down);
  g_test_add ("/apply-pull/stale-orphan/one-by-one", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_stale_orphan, fixture_tear_down);

  return g_test_run ();
}
