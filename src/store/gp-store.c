/* gp-store.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-store.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "gp-schema.h"
#include "gp-store-private.h"

/* Forward-only migrations; migration N brings user_version from N-1 to N in one
 * transaction. Never edit a released entry: add a new one and bump GP_STORE_DB_VERSION. */
#define SYNC_COLUMNS \
  "  _status TEXT NOT NULL DEFAULT 'created'\n" \
  "    CHECK (_status IN ('synced', 'created', 'updated', 'deleted')),\n" \
  "  _changed TEXT NOT NULL DEFAULT '',\n" \
  "  _base TEXT\n"

/* Releases the time billed on invoice ROW.id, with the bookkeeping of a local save. */
#define GP_STORE_NOW_MS "CAST ((julianday ('now') - 2440587.5) * 86400000 AS INTEGER)"
#define GP_STORE_RELEASE_TIME_TRIGGER(name, when, row) \
  "CREATE TRIGGER " name " " when " BEGIN\n" \
  "  INSERT INTO history (table_name, record_id, field, old, new, at, origin)\n" \
  "    SELECT 'time_entries', id, 'billed_invoice_id', billed_invoice_id, NULL, " GP_STORE_NOW_MS ", 'local'\n" \
  "    FROM time_entries WHERE billed_invoice_id = " row ".id;\n" \
  "  UPDATE time_entries SET billed_invoice_id = NULL,\n" \
  "    _status = CASE _status WHEN 'synced' THEN 'updated' ELSE _status END,\n" \
  "    _changed = CASE WHEN _status IN ('created', 'deleted') THEN _changed\n" \
  "                    WHEN _changed = '' THEN 'billed_invoice_id,updated_at'\n" \
  "                    WHEN instr (',' || _changed || ',', ',billed_invoice_id,') > 0 THEN _changed\n" \
  "                    ELSE _changed || ',billed_invoice_id' END,\n" \
  "    updated_at = max (coalesce (updated_at, 0) + 1, " GP_STORE_NOW_MS "),\n" \
  "    _rev = _rev + 1\n" \
  "  WHERE billed_invoice_id = " row ".id;\n" \
  "END;\n"

/* Keeps estimate_index in step with a table: insert, update of the indexed columns or of
 * _status (tombstones leave the index), delete. */
#define GP_STORE_FTS_TRIGGERS(table, kind, columns, text) \
  "CREATE TRIGGER " table "_fts_insert AFTER INSERT ON " table " BEGIN\n" \
  "  INSERT OR IGNORE INTO estimate_docs (kind, ref_id) VALUES ('" kind "', NEW.id);\n" \
  "  DELETE FROM estimate_index WHERE rowid = (SELECT docid FROM estimate_docs WHERE kind = '" kind "' AND ref_id = NEW.id);\n" \
  "  INSERT INTO estimate_index (rowid, text) SELECT docid, " text " FROM estimate_docs\n" \
  "    WHERE kind = '" kind "' AND ref_id = NEW.id AND NEW._status != 'deleted' AND " text " IS NOT NULL;\n" \
  "END;\n" \
  "CREATE TRIGGER " table "_fts_update AFTER UPDATE OF " columns ", _status ON " table " BEGIN\n" \
  "  INSERT OR IGNORE INTO estimate_docs (kind, ref_id) VALUES ('" kind "', NEW.id);\n" \
  "  DELETE FROM estimate_index WHERE rowid = (SELECT docid FROM estimate_docs WHERE kind = '" kind "' AND ref_id = NEW.id);\n" \
  "  INSERT INTO estimate_index (rowid, text) SELECT docid, " text " FROM estimate_docs\n" \
  "    WHERE kind = '" kind "' AND ref_id = NEW.id AND NEW._status != 'deleted' AND " text " IS NOT NULL;\n" \
  "END;\n" \
  "CREATE TRIGGER " table "_fts_delete AFTER DELETE ON " table " BEGIN\n" \
  "  DELETE FROM estimate_index WHERE rowid = (SELECT docid FROM estimate_docs WHERE kind = '" kind "' AND ref_id = OLD.id);\n" \
  "  DELETE FROM estimate_docs WHERE kind = '" kind "' AND ref_id = OLD.id;\n" \
  "END;\n"

/* Migration 6's insert trigger: the same as GP_STORE_FTS_TRIGGERS's, except while the
 * sync_meta key 'index_batch' exists. Only a pulled batch sets it, around its one INSERT,
 * and indexes the batch's rows itself (index_batch() in gp-store-sync.c). */
#define GP_STORE_FTS_INSERT_TRIGGER(table, kind, text) \
  "DROP TRIGGER " table "_fts_insert;\n" \
  "CREATE TRIGGER " table "_fts_insert AFTER INSERT ON " table "\n" \
  "  WHEN NOT EXISTS (SELECT 1 FROM sync_meta WHERE key = 'index_batch') BEGIN\n" \
  "  INSERT OR IGNORE INTO estimate_docs (kind, ref_id) VALUES ('" kind "', NEW.id);\n" \
  "  DELETE FROM estimate_index WHERE rowid = (SELECT docid FROM estimate_docs WHERE kind = '" kind "' AND ref_id = NEW.id);\n" \
  "  INSERT INTO estimate_index (rowid, text) SELECT docid, " text " FROM estimate_docs\n" \
  "    WHERE kind = '" kind "' AND ref_id = NEW.id AND NEW._status != 'deleted' AND " text " IS NOT NULL;\n" \
  "END;\n"

static const char *migrations[] = {
  /* 1: the synced tables, history and sync bookkeeping. */
  "CREATE TABLE clients (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  name TEXT, email TEXT, company TEXT, address TEXT, tax_id TEXT, currency TEXT,\n"
  "  hourly_rate INTEGER, notes TEXT, created_at INTEGER, updated_at INTEGER,\n"
  SYNC_COLUMNS
  ");\n"
  "CREATE INDEX clients_status ON clients (_status);\n"
  "CREATE TABLE invoices (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  client_id TEXT REFERENCES clients (id) DEFERRABLE INITIALLY DEFERRED,\n"
  "  number TEXT, status TEXT, currency TEXT, issued_on TEXT, due_on TEXT, paid_on TEXT,\n"
  "  notes TEXT, terms TEXT, created_at INTEGER, updated_at INTEGER,\n"
  SYNC_COLUMNS
  ");\n"
  "CREATE INDEX invoices_status ON invoices (_status);\n"
  "CREATE INDEX invoices_client ON invoices (client_id);\n"
  "CREATE TABLE invoice_lines (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  invoice_id TEXT REFERENCES invoices (id) DEFERRABLE INITIALLY DEFERRED,\n"
  "  position INTEGER, description TEXT, quantity INTEGER, unit_price INTEGER,\n"
  "  tax_rate INTEGER, discount INTEGER, created_at INTEGER, updated_at INTEGER,\n"
  SYNC_COLUMNS
  ");\n"
  "CREATE INDEX invoice_lines_status ON invoice_lines (_status);\n"
  "CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);\n"
  "CREATE TABLE tickets (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  client_id TEXT REFERENCES clients (id) DEFERRABLE INITIALLY DEFERRED,\n"
  "  title TEXT, body TEXT, status TEXT, priority TEXT, due_on TEXT,\n"
  "  created_at INTEGER, updated_at INTEGER,\n"
  SYNC_COLUMNS
  ");\n"
  "CREATE INDEX tickets_status ON tickets (_status);\n"
  "CREATE INDEX tickets_client ON tickets (client_id);\n"
  "CREATE TABLE history (\n"
  "  id INTEGER PRIMARY KEY,\n"
  "  table_name TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL,\n"
  "  old TEXT, new TEXT, at INTEGER NOT NULL,\n"
  "  origin TEXT NOT NULL CHECK (origin IN ('local', 'remote'))\n"
  ");\n"
  "CREATE TABLE sync_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT);\n",

  /* 2: local revisions (so a push can tell rows edited while it ran), conflicts, and an
   * index for a record's history. */
  "ALTER TABLE clients ADD COLUMN _rev INTEGER NOT NULL DEFAULT 0;\n"
  "ALTER TABLE invoices ADD COLUMN _rev INTEGER NOT NULL DEFAULT 0;\n"
  "ALTER TABLE invoice_lines ADD COLUMN _rev INTEGER NOT NULL DEFAULT 0;\n"
  "ALTER TABLE tickets ADD COLUMN _rev INTEGER NOT NULL DEFAULT 0;\n"
  "CREATE INDEX history_record ON history (table_name, record_id, id);\n"
  "CREATE TABLE conflicts (\n"
  "  id INTEGER PRIMARY KEY,\n"
  "  table_name TEXT NOT NULL, record_id TEXT NOT NULL, kind TEXT NOT NULL,\n"
  "  fields TEXT NOT NULL DEFAULT '{}', created_at INTEGER NOT NULL, resolved_at INTEGER\n"
  ");\n"
  "CREATE INDEX conflicts_open ON conflicts (table_name, record_id) WHERE resolved_at IS NULL;\n",

  /* 3: tracked time (synced), and the local-only full-text index of past work that the
   * price estimator searches (gp-store-estimate.c). */
  "CREATE TABLE time_entries (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  ticket_id TEXT REFERENCES tickets (id) DEFERRABLE INITIALLY DEFERRED,\n"
  "  client_id TEXT, started_at INTEGER, ended_at INTEGER, duration_ms INTEGER, note TEXT,\n"
  "  billable INTEGER, billed_invoice_id TEXT, hourly_rate INTEGER,\n"
  "  created_at INTEGER, updated_at INTEGER,\n"
  SYNC_COLUMNS
  ",  _rev INTEGER NOT NULL DEFAULT 0\n"
  ");\n"
  "CREATE INDEX time_entries_status ON time_entries (_status);\n"
  "CREATE INDEX time_entries_ticket ON time_entries (ticket_id);\n"
  "CREATE INDEX time_entries_client ON time_entries (client_id, started_at);\n"
  "CREATE INDEX time_entries_invoice ON time_entries (billed_invoice_id) WHERE billed_invoice_id IS NOT NULL;\n"
  "CREATE INDEX time_entries_running ON time_entries (started_at) WHERE ended_at IS NULL;\n"
  /* An invoice that goes away gives its time back, so it can be billed again; the
   * release is an ordinary local edit that syncs. */
  GP_STORE_RELEASE_TIME_TRIGGER ("time_entries_release_on_delete", "AFTER DELETE ON invoices", "OLD")
  GP_STORE_RELEASE_TIME_TRIGGER ("time_entries_release_on_tombstone",
                                 "AFTER UPDATE OF _status ON invoices WHEN NEW._status = 'deleted'", "NEW")
  /* estimate_docs gives every indexed row a stable integer key, so the index is updated by
   * rowid (fast) instead of scanning for a text id, and survives VACUUM. */
  "CREATE TABLE estimate_docs (\n"
  "  docid INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref_id TEXT NOT NULL, UNIQUE (kind, ref_id)\n"
  ");\n"
  "CREATE VIRTUAL TABLE estimate_index USING fts5 (text, tokenize = 'porter unicode61 remove_diacritics 2');\n"
  GP_STORE_FTS_TRIGGERS ("invoice_lines", "line", "description", "NEW.description")
  GP_STORE_FTS_TRIGGERS ("tickets", "ticket", "title, body",
                         "NEW.title || coalesce (' ' || NEW.body, '')")
  "INSERT INTO estimate_docs (kind, ref_id) SELECT 'line', id FROM invoice_lines;\n"
  "INSERT INTO estimate_docs (kind, ref_id) SELECT 'ticket', id FROM tickets;\n"
  "INSERT INTO estimate_index (rowid, text)\n"
  "  SELECT d.docid, l.description FROM invoice_lines l JOIN estimate_docs d ON d.kind = 'line' AND d.ref_id = l.id\n"
  "  WHERE l._status != 'deleted' AND l.description IS NOT NULL;\n"
  "INSERT INTO estimate_index (rowid, text)\n"
  "  SELECT d.docid, t.title || coalesce (' ' || t.body, '') FROM tickets t\n"
  "  JOIN estimate_docs d ON d.kind = 'ticket' AND d.ref_id = t.id\n"
  "  WHERE t._status != 'deleted' AND t.title IS NOT NULL;\n",

  /* 4: getting paid — credit notes are invoices of another kind; payments, recurring
   * schedules and chasing reminders hang off an invoice. */
  "ALTER TABLE invoices ADD COLUMN kind TEXT;\n"
  "ALTER TABLE invoices ADD COLUMN credits_invoice_id TEXT;\n"
  "CREATE INDEX invoices_credits ON invoices (credits_invoice_id) WHERE credits_invoice_id IS NOT NULL;\n"
  "CREATE TABLE payments (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  invoice_id TEXT REFERENCES invoices (id) DEFERRABLE INITIALLY DEFERRED,\n"
  "  amount INTEGER, paid_on TEXT, method TEXT, note TEXT, created_at INTEGER, updated_at INTEGER,\n"
  SYNC_COLUMNS ",\n"
  "  _rev INTEGER NOT NULL DEFAULT 0\n"
  ");\n"
  "CREATE INDEX payments_status ON payments (_status);\n"
  "CREATE INDEX payments_invoice ON payments (invoice_id);\n"
  "CREATE TABLE recurring (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  template_invoice_id TEXT REFERENCES invoices (id) DEFERRABLE INITIALLY DEFERRED,\n"
  "  frequency TEXT, starts_on TEXT, next_on TEXT, until_on TEXT,\n"
  "  created_at INTEGER, updated_at INTEGER,\n"
  SYNC_COLUMNS ",\n"
  "  _rev INTEGER NOT NULL DEFAULT 0\n"
  ");\n"
  "CREATE INDEX recurring_status ON recurring (_status);\n"
  "CREATE INDEX recurring_template ON recurring (template_invoice_id);\n"
  "CREATE TABLE reminders (\n"
  "  id TEXT PRIMARY KEY NOT NULL,\n"
  "  invoice_id TEXT REFERENCES invoices (id) DEFERRABLE INITIALLY DEFERRED,\n"
  "  step INTEGER, drafted_at INTEGER, sent_at INTEGER, sent_by_device TEXT, body TEXT,\n"
  "  created_at INTEGER, updated_at INTEGER,\n"
  SYNC_COLUMNS ",\n"
  "  _rev INTEGER NOT NULL DEFAULT 0\n"
  ");\n"
  "CREATE INDEX reminders_status ON reminders (_status);\n"
  "CREATE INDEX reminders_invoice ON reminders (invoice_id, step);\n",

  /* 5: the invoice list's sort orders (see gp_query_set_order(): text without case, ties
   * by id), over live rows only. A re-sort of 100k invoices walks one of these instead
   * of sorting every row (~10 ms instead of ~100 ms). */
  "CREATE INDEX invoices_by_number ON invoices (number COLLATE NOCASE, id) WHERE _status != 'deleted';\n"
  "CREATE INDEX invoices_by_status ON invoices (status COLLATE NOCASE, id) WHERE _status != 'deleted';\n"
  "CREATE INDEX invoices_by_issued ON invoices (issued_on COLLATE NOCASE, id) WHERE _status != 'deleted';\n"
  "CREATE INDEX invoices_by_due ON invoices (due_on COLLATE NOCASE, id) WHERE _status != 'deleted';\n",

  /* 6: a first sync indexes each pulled batch of lines and tickets with one set-based
   * statement instead of three trigger statements per row (about half the cost). */
  GP_STORE_FTS_INSERT_TRIGGER ("invoice_lines", "line", "NEW.description")
  GP_STORE_FTS_INSERT_TRIGGER ("tickets", "ticket", "NEW.title || coalesce (' ' || NEW.body, '')"),
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == GP_STORE_DB_VERSION);

typedef enum
{
  COMMAND_OPEN,
  COMMAND_TXN,
  COMMAND_QUIT,
} CommandKind;

typedef struct
{
  CommandKind          kind;
  GpStoreCommandFlags  flags;
  GpStoreTxnFunc       func;
  gpointer             data;
  GDestroyNotify       data_free;
  GTask               *task;
} Command;

struct _GpStoreTxn
{
  GpStore        *store;
  sqlite3        *db;
  GCancellable   *cancellable;
  /* table name (static, from the schema) -> GHashTable set of ids */
  GHashTable     *changes;
  gboolean        refresh_counts;
  gboolean        replaced;      /* the whole file was replaced (a restore) */
  gpointer        result;
  GDestroyNotify  result_free;
};

/* A command's result with the means to free it, whether or not anyone takes it. */
typedef struct
{
  gpointer       value;
  GDestroyNotify value_free;
} Result;

/* What the store thread hands to the main context after a command. */
typedef struct
{
  GPtrArray *tables;   /* const char * (static) */
  GPtrArray *ids;      /* GStrv, parallel to tables */
  gboolean   has_counts;
  guint      pending_count;
  guint      conflict_count;
  gboolean   damage_cleared;
} Delivery;

typedef struct
{
  GTask    *task;       /* nullable */
  Delivery *delivery;   /* nullable */
  Result   *result;
  GError   *error;
  gboolean  is_boolean;
} Completion;

/* How long one main-loop iteration may spend finishing commands. */
#define COMPLETION_BUDGET_USEC 4000

/* Checkpoints: SQLite's automatic checkpoint runs inside the commit that fills the WAL past
 * 1000 pages, so now and then a user's edit would wait for the WAL to be copied back and the
 * database file to be synced. Instead a checkpointer thread with a connection of its own runs
 * PASSIVE checkpoints, which never block the store thread's readers and writers. The store
 * thread asks for one once no command has come for CHECKPOINT_IDLE_USEC, or after a command
 * that left more than CHECKPOINT_MAX_PAGES in the WAL (a long burst of writes, e.g. a big
 * first sync). Durability is unchanged: every commit is synced to the WAL (synchronous=FULL). */
#define CHECKPOINT_IDLE_USEC (250 * 1000)
#define CHECKPOINT_MAX_PAGES 1000

struct _GpStore
{
  GObject parent_instance;

  /* Owned */
  char         *path;
  GMainContext *context;
  GAsyncQueue  *queue;
  GThread      *thread;

  /* Store thread only */
  sqlite3      *db;
  int           wal_pages;      /* frames in the WAL since the last checkpoint request */
  gboolean      opened;         /* the file was accepted: closing it cleanly may say so */
  GHashTable   *statements;     /* SQL -> sqlite3_stmt, see _gp_store_txn_prepare_cached() */

  /* Set on the store thread by an open that skipped the integrity check (the last close
   * was clean), read on the main context once the open completed. */
  gint          needs_check;    /* atomic */
  /* Set by a failed integrity check (from its worker thread) and cleared by a restore
   * (store thread); while set, the store thread refuses every write command. */
  gint          damaged;        /* atomic */

  /* Background integrity checks: closing stops them and waits until their connections
   * are closed, so the store's own connection closes last (it then checkpoints and
   * removes the WAL, which a clean close needs). */
  GMutex        check_lock;
  GCond         check_cond;
  guint         checks_running; /* under check_lock */
  GCancellable *check_cancellable;

  /* The checkpointer thread and its own connection (see CHECKPOINT_IDLE_USEC) */
  GThread      *ckpt_thread;
  GMutex        ckpt_lock;
  GCond         ckpt_cond;
  gboolean      ckpt_requested; /* under ckpt_lock */
  gboolean      ckpt_quit;      /* under ckpt_lock */

  /* Finished commands on their way to the main context */
  GMutex        completions_lock;
  GQueue        completions;
  gboolean      completions_scheduled;

  /* Main context only */
  guint         pending_count;
  guint         conflict_count;
  gboolean      damaged_shown;  /* the value of GpStore:damaged */
};

G_DEFINE_FINAL_TYPE (GpStore, gp_store, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  PROP_PENDING_COUNT,
  PROP_CONFLICT_COUNT,
  PROP_DAMAGED,
  N_PROPS,
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_BOXED_TYPE (GpHistoryEntry, gp_history_entry, gp_history_entry_copy, gp_history_entry_free)

/**
 * gp_history_entry_copy:
 * @self: a #GpHistoryEntry
 *
 * Returns: (transfer full): a copy of @self
 */
GpHistoryEntry *
gp_history_entry_copy (const GpHistoryEntry *self)
{
  GpHistoryEntry *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (GpHistoryEntry, 1);
  copy->table = g_strdup (self->table);
  copy->record_id = g_strdup (self->record_id);
  copy->field = g_strdup (self->field);
  copy->old_value = g_strdup (self->old_value);
  copy->new_value = g_strdup (self->new_value);
  copy->at = self->at;
  copy->origin = g_strdup (self->origin);
  return copy;
}

/**
 * gp_history_entry_free:
 * @self: (transfer full): a #GpHistoryEntry
 *
 * Frees @self.
 */
void
gp_history_entry_free (GpHistoryEntry *self)
{
  if (self == NULL)
    return;

  g_free (self->table);
  g_free (self->record_id);
  g_free (self->field);
  g_free (self->old_value);
  g_free (self->new_value);
  g_free (self->origin);
  g_free (self);
}

static void
free_result (Result *result)
{
  if (result->value != NULL && result->value_free != NULL)
    result->value_free (result->value);
  g_free (result);
}

static void
command_free (Command *command)
{
  if (command->data_free != NULL && command->data != NULL)
    command->data_free (command->data);
  g_clear_object (&command->task);
  g_free (command);
}

static void
delivery_free (Delivery *delivery)
{
  g_clear_pointer (&delivery->tables, g_ptr_array_unref);
  g_clear_pointer (&delivery->ids, g_ptr_array_unref);
  g_free (delivery);
}

static void
assert_store_thread (GpStore *self)
{
  g_assert (self->thread != NULL);
  g_assert (g_thread_self () == self->thread);
}

/* What the full-text triggers index, per table: the document kind and the text, as an
 * expression over the row aliased "t". Keep in step with the migrations' triggers. */
static const struct
{
  const char *table;
  const char *kind;
  const char *text;
} indexed_tables[] = {
  { "invoice_lines", "line", "t.description" },
  { "tickets", "ticket", "t.title || coalesce (' ' || t.body, '')" },
};

/**
 * _gp_store_index_text:
 * @table: a synced table
 * @kind: (out): the document kind of its rows in estimate_docs
 *
 * Returns: (nullable): the indexed text of a row of @table, as an SQL expression over the
 *   row aliased "t"; NULL if @table is not in the full-text index
 */
const char *
_gp_store_index_text (const char  *table,
                      const char **kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (indexed_tables); i++)
    if (g_str_equal (indexed_tables[i].table, table))
      {
        *kind = indexed_tables[i].kind;
        return indexed_tables[i].text;
      }
  *kind = NULL;
  return NULL;
}

/**
 * _gp_store_now_ms:
 *
 * Returns: the wall-clock time in ms since the epoch (UTC)
 */
gint64
_gp_store_now_ms (void)
{
  return g_get_real_time () / 1000;
}

void
_gp_store_set_sqlite_error (GError     **error,
                            sqlite3     *db,
                            int          rc,
                            const char  *what)
{
  int primary = rc & 0xff;
  const char *message = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);

  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT,
                 _("The database file is damaged or is not a GigPilot database (%s: %s)."),
                 what, message);
  else if (primary == SQLITE_CONSTRAINT)
    g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                 _("The change breaks a rule of the database (%s: %s)."), what, message);
  else
    g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_FAILED,
                 _("The database could not be used (%s: %s)."), what, message);
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *sql,
          const char  *what,
          GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      _gp_store_set_sqlite_error (error, db, rc, what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
query_int (sqlite3     *db,
           const char  *sql,
           gint64      *out,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *out = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
      else if (rc == SQLITE_DONE)
        {
          *out = 0;
          rc = SQLITE_OK;
        }
    }

  if (rc != SQLITE_OK)
    _gp_store_set_sqlite_error (error, db, rc, sql);
  sqlite3_finalize (stmt);
  return rc == SQLITE_OK;
}

static gboolean
count_pending (sqlite3  *db,
               guint    *pending,
               guint    *conflicts,
               GError  **error)
{
  const GpTable *tables;
  guint n_tables;
  gint64 total = 0;
  gint64 n;

  tables = gp_schema_get_tables (&n_tables);
  for (guint i = 0; i < n_tables; i++)
    {
      /* IN (…) rather than != so the _status index answers it. */
      g_autofree char *sql =
        g_strdup_printf ("SELECT count(*) FROM %s WHERE _status IN ('created', 'updated', 'deleted')",
                         tables[i].name);

      if (!query_int (db, sql, &n, error))
        return FALSE;
      total += n;
    }
  *pending = (guint)MIN (total, G_MAXUINT);

  if (!query_int (db, "SELECT count(*) FROM conflicts WHERE resolved_at IS NULL", &n, error))
    return FALSE;
  *conflicts = (guint)MIN (n, G_MAXUINT);

  return TRUE;
}

static void
set_counts (GpStore *self,
            guint    pending,
            guint    conflicts)
{
  if (self->pending_count != pending)
    {
      self->pending_count = pending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_COUNT]);
    }
  if (self->conflict_count != conflicts)
    {
      self->conflict_count = conflicts;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFLICT_COUNT]);
    }
}

static void
set_damaged_shown (GpStore  *self,
                   gboolean  damaged)
{
  if (self->damaged_shown == damaged)
    return;
  self->damaged_shown = damaged;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DAMAGED]);
}

static void
apply_delivery (GpStore  *self,
                Delivery *delivery)
{
  if (delivery->damage_cleared)
    set_damaged_shown (self, FALSE);
  if (delivery->has_counts)
    set_counts (self, delivery->pending_count, delivery->conflict_count);

  for (guint i = 0; delivery->tables != NULL && i < delivery->tables->len; i++)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0,
                   g_ptr_array_index (delivery->tables, i),
                   g_ptr_array_index (delivery->ids, i));
}

static void
completion_free (Completion *completion)
{
  g_clear_pointer (&completion->delivery, delivery_free);
  g_clear_object (&completion->task);
  g_clear_pointer (&completion->result, free_result);
  g_clear_error (&completion->error);
  g_free (completion);
}

static void
return_task (GTask    *task,
             Result   *result,
             gboolean  is_boolean,
             GError   *error)
{
  if (error != NULL)
    g_task_return_error (task, error);
  else if (is_boolean)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_pointer (task, result, (GDestroyNotify)free_result);
}

/* Runs on the store's main context. A burst of finished commands is worked off a few
 * milliseconds at a time, so timers and redraws get their turn in between: one idle per
 * command would all be dispatched in a single main-loop iteration. */
static gboolean
dispatch_completions_cb (gpointer user_data)
{
  GpStore *self = user_data;
  gint64 deadline = g_get_monotonic_time () + COMPLETION_BUDGET_USEC;

  for (;;)
    {
      Completion *completion;

      g_mutex_lock (&self->completions_lock);
      completion = g_queue_pop_head (&self->completions);
      if (completion == NULL)
        self->completions_scheduled = FALSE;
      g_mutex_unlock (&self->completions_lock);

      if (completion == NULL)
        return G_SOURCE_REMOVE;

      if (completion->delivery != NULL)
        apply_delivery (self, completion->delivery);
      if (completion->task != NULL)
        return_task (completion->task, g_steal_pointer (&completion->result), completion->is_boolean,
                     g_steal_pointer (&completion->error));
      completion_free (completion);

      if (g_get_monotonic_time () >= deadline)
        return G_SOURCE_CONTINUE;
    }
}

/* Store thread: hands a finished command (its task and/or the changes and counts it
 * produced) to the main context. Takes @delivery, @result and @error. */
static void
complete (GpStore  *self,
          GTask    *task,
          Delivery *delivery,
          Result   *result,
          gboolean  is_boolean,
          GError   *error)
{
  Completion *completion;

  assert_store_thread (self);

  /* A task from another context (gp_store_open_sync) completes there directly. */
  if (task != NULL && g_task_get_context (task) != self->context)
    {
      return_task (task, result, is_boolean, error);
      task = NULL;
      result = NULL;
      error = NULL;
    }

  if (task == NULL && delivery == NULL)
    return;

  completion = g_new0 (Completion, 1);
  completion->task = task != NULL ? g_object_ref (task) : NULL;
  completion->delivery = delivery;
  completion->result = result;
  completion->is_boolean = is_boolean;
  completion->error = error;

  g_mutex_lock (&self->completions_lock);
  g_queue_push_tail (&self->completions, completion);
  if (!self->completions_scheduled)
    {
      GSource *source = g_idle_source_new ();

      self->completions_scheduled = TRUE;
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, dispatch_completions_cb, g_object_ref (self), g_object_unref);
      g_source_set_static_name (source, "[gigpilot] store completions");
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
  g_mutex_unlock (&self->completions_lock);
}

/* Store thread: opening */

/* Store thread: after each commit to the WAL. Returning SQLITE_OK and not checkpointing
 * here is what keeps the checkpoint out of the committing command. */
static int
wal_committed_cb (void       *user_data,
                  sqlite3    *db,
                  const char *name,
                  int         n_pages)
{
  GpStore *self = user_data;

  self->wal_pages = n_pages;
  return SQLITE_OK;
}

/* Checkpointer thread. Its connection never checkpoints on close: the store's own
 * connection, closed last, does the final one. */
static gpointer
checkpointer_main (gpointer user_data)
{
  /* Borrowed: close_db() joins this thread. */
  GpStore *self = user_data;
  sqlite3 *db = NULL;

  g_mutex_lock (&self->ckpt_lock);
  for (;;)
    {
      int rc;

      while (!self->ckpt_requested && !self->ckpt_quit)
        g_cond_wait (&self->ckpt_cond, &self->ckpt_lock);
      if (self->ckpt_quit)
        break;
      self->ckpt_requested = FALSE;
      g_mutex_unlock (&self->ckpt_lock);

      if (db == NULL)
        {
          rc = sqlite3_open_v2 (self->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
          if (rc == SQLITE_OK)
            sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
          else
            {
              g_debug ("Checkpointer: opening %s: %s", self->path, sqlite3_errstr (rc));
              g_clear_pointer (&db, sqlite3_close);
            }
        }
      if (db != NULL)
        {
          rc = sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
          if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            g_debug ("Checkpoint of %s: %s", self->path, sqlite3_errmsg (db));
        }

      g_mutex_lock (&self->ckpt_lock);
    }
  g_mutex_unlock (&self->ckpt_lock);

  g_clear_pointer (&db, sqlite3_close);
  return NULL;
}

static void
stop_checkpointer (GpStore *self)
{
  if (self->ckpt_thread == NULL)
    return;
  g_mutex_lock (&self->ckpt_lock);
  self->ckpt_quit = TRUE;
  g_cond_signal (&self->ckpt_cond);
  g_mutex_unlock (&self->ckpt_lock);
  g_clear_pointer (&self->ckpt_thread, g_thread_join);
}

/* Clean closes. A close that checkpointed everything into the file and closed the last
 * connection leaves PATH.clean with the file's size and modification time. The next open
 * takes it away before anything is written; if it matches the file and there is no WAL,
 * nothing has touched the file since, so the check at open can wait until the window is
 * up (gp_store_check_integrity_async()). A crash, a kill or a power cut leaves no marker
 * or a WAL, and the file is checked before it is used, as always. */
static char *
describe_file (const char *path)
{
  struct stat st;

  if (stat (path, &st) != 0)
    return NULL;
  return g_strdup_printf ("gigpilot-clean-close %" G_GINT64_FORMAT " %" G_GINT64_FORMAT ".%09ld\n",
                          (gint64)st.st_size, (gint64)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
}

static void
write_clean_marker (GpStore *self)
{
  g_autofree char *marker = g_strconcat (self->path, ".clean", NULL);
  g_autofree char *wal = g_strconcat (self->path, "-wal", NULL);
  g_autofree char *description = NULL;
  g_autoptr(GError) error = NULL;

  if (g_file_test (wal, G_FILE_TEST_EXISTS))
    return;
  description = describe_file (self->path);
  if (description != NULL && !g_file_set_contents (marker, description, -1, &error))
    g_debug ("Could not note the clean close of %s: %s", self->path, error->message);
}

/* Takes the marker away and tells whether it vouches for the file as it is now. */
static gboolean
take_clean_marker (GpStore *self)
{
  g_autofree char *marker = g_strconcat (self->path, ".clean", NULL);
  g_autofree char *wal = g_strconcat (self->path, "-wal", NULL);
  g_autofree char *noted = NULL;
  g_autofree char *now = NULL;

  if (!g_file_get_contents (marker, &noted, NULL, NULL))
    return FALSE;
  if (g_unlink (marker) != 0)
    {
      /* A marker that cannot go away would vouch for later, unclean closes. */
      g_debug ("Could not remove %s: %s", marker, g_strerror (errno));
      return FALSE;
    }
  now = describe_file (self->path);
  return now != NULL && g_strcmp0 (noted, now) == 0 && !g_file_test (wal, G_FILE_TEST_EXISTS);
}

static void
close_db (GpStore *self)
{
  assert_store_thread (self);

  stop_checkpointer (self);
  g_hash_table_remove_all (self->statements);
  if (self->db != NULL)
    {
      int rc = sqlite3_close (self->db);

      if (rc != SQLITE_OK)
        g_debug ("Closing %s: %s", self->path, sqlite3_errstr (rc));
      else if (self->opened && !g_atomic_int_get (&self->damaged))
        write_clean_marker (self);
      self->db = NULL;
    }
  self->opened = FALSE;
}

static gboolean
backup_before_migration (GpStore  *self,
                         gint64    version,
                         GError  **error)
{
  g_autofree char *backup = g_strdup_printf ("%s.bak-v%" G_GINT64_FORMAT, self->path, version);
  g_autofree char *sql = NULL;
  char *quoted;

  assert_store_thread (self);

  /* VACUUM INTO refuses to overwrite; an older backup of the same version is stale. */
  if (g_unlink (backup) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_FAILED,
                   _("Could not replace the old backup “%s”: %s."), backup,
                   g_strerror (saved_errno));
      return FALSE;
    }

  quoted = sqlite3_mprintf ("VACUUM INTO %Q", backup);
  sql = g_strdup (quoted);
  sqlite3_free (quoted);

  if (!exec_sql (self->db, sql, "backup", error))
    {
      g_prefix_error (error, _("Could not keep a copy of the database before upgrading it: "));
      return FALSE;
    }

  g_debug ("Kept a copy of %s (version %" G_GINT64_FORMAT ") as %s", self->path, version, backup);
  return TRUE;
}

static gboolean
migrate (GpStore  *self,
         gint64    version,
         GError  **error)
{
  assert_store_thread (self);

  for (gint64 next = version + 1; next <= GP_STORE_DB_VERSION; next++)
    {
      g_autofree char *sql = NULL;

      if (!exec_sql (self->db, "BEGIN IMMEDIATE", "begin migration", error))
        return FALSE;

      sql = g_strdup_printf ("%s\nPRAGMA application_id = %d;\nPRAGMA user_version = %" G_GINT64_FORMAT ";",
                             migrations[next - 1], GP_STORE_APPLICATION_ID, next);
      if (!exec_sql (self->db, sql, "migration", error) ||
          !exec_sql (self->db, "COMMIT", "commit migration", error))
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          g_prefix_error (error, _("Upgrading the database to version %d failed: "), (int)next);
          return FALSE;
        }
      g_debug ("Migrated %s to version %" G_GINT64_FORMAT, self->path, next);
    }

  return TRUE;
}

/* Runs @pragma (quick_check or integrity_check) on @db; FALSE with GP_STORE_ERROR_CORRUPT
 * if it finds damage, with another error if it could not run. */
static gboolean
check_database (sqlite3     *db,
                const char  *path,
                const char  *pragma,
                GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;
  g_autofree char *problem = NULL;

  rc = sqlite3_prepare_v2 (db, pragma, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          const char *text = (const char *)sqlite3_column_text (stmt, 0);

          if (g_strcmp0 (text, "ok") != 0)
            problem = g_strdup (text != NULL ? text : "?");
          rc = SQLITE_OK;
        }
    }
  if (rc != SQLITE_OK)
    {
      int primary = rc & 0xff;

      problem = g_strdup (sqlite3_errmsg (db));
      if (primary != SQLITE_CORRUPT && primary != SQLITE_NOTADB && primary != SQLITE_IOERR)
        {
          if (primary == SQLITE_INTERRUPT)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The integrity check was stopped."));
          else
            _gp_store_set_sqlite_error (error, db, rc, "integrity check");
          sqlite3_finalize (stmt);
          return FALSE;
        }
    }
  sqlite3_finalize (stmt);

  if (problem != NULL)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT,
                   _("The database “%s” is damaged (%s). It can be moved aside so GigPilot can start "
                     "with an empty one."),
                   path, problem);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_integrity (GpStore  *self,
                 GError  **error)
{
  assert_store_thread (self);

  return check_database (self->db, self->path, "PRAGMA quick_check(1)", error);
}

static gboolean
open_db (GpStore  *self,
         guint    *pending,
         guint    *conflicts,
         GError  **error)
{
  gint64 version = 0;
  gint64 app_id = 0;
  gint64 n_objects = 0;
  g_autoptr(GError) local_error = NULL;
  gboolean clean;
  int rc;

  assert_store_thread (self);

  if (self->db != NULL)
    return count_pending (self->db, pending, conflicts, error);

  clean = take_clean_marker (self);
  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_FAILED,
                   _("Could not open the database “%s”: %s."), self->path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      close_db (self);
      return FALSE;
    }
  sqlite3_extended_result_codes (self->db, TRUE);
  sqlite3_busy_timeout (self->db, 5000);
  /* Until the file is accepted, closing must not checkpoint a leftover WAL into it. */
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);

  /* Read only, before anything is written: a file that is not a database, or one from a
   * newer GigPilot, is left exactly as it is. */
  if (!query_int (self->db, "PRAGMA user_version", &version, &local_error) ||
      !query_int (self->db, "PRAGMA application_id", &app_id, &local_error) ||
      !query_int (self->db, "SELECT count(*) FROM sqlite_schema", &n_objects, &local_error))
    {
      if (g_error_matches (local_error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT))
        g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT,
                     _("“%s” is not a GigPilot database, or it is damaged. It can be moved aside so "
                       "GigPilot can start with an empty one."),
                     self->path);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      close_db (self);
      return FALSE;
    }

  if ((app_id != 0 && app_id != GP_STORE_APPLICATION_ID) || (version == 0 && n_objects > 0))
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT,
                   _("“%s” is an SQLite database of another program, not a GigPilot database."),
                   self->path);
      close_db (self);
      return FALSE;
    }

  if (version > GP_STORE_DB_VERSION)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_TOO_NEW,
                   _("The database “%s” was written by a newer version of GigPilot (database version "
                     "%d; this version understands up to %d). Please update GigPilot to open it; the "
                     "file was left untouched."),
                   self->path, (int)version, GP_STORE_DB_VERSION);
      close_db (self);
      return FALSE;
    }

  /* After a clean close the file is as GigPilot left it: the full check runs once the
   * window is up (gp_store_check_integrity_async()). */
  if (version > 0 && clean)
    g_atomic_int_set (&self->needs_check, 1);
  else if (version > 0 && !check_integrity (self, error))
    {
      close_db (self);
      return FALSE;
    }

  sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);
  /* Replaces SQLite's automatic checkpoint (see CHECKPOINT_IDLE_USEC). */
  self->wal_pages = 0;
  sqlite3_wal_hook (self->db, wal_committed_cb, self);
  self->ckpt_quit = FALSE;
  self->ckpt_requested = FALSE;
  self->ckpt_thread = g_thread_new ("gp-store-ckpt", checkpointer_main, self);

  if (!exec_sql (self->db,
                 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                 "configure", error) ||
      (version > 0 && version < GP_STORE_DB_VERSION && !backup_before_migration (self, version, error)) ||
      !migrate (self, version, error) ||
      !count_pending (self->db, pending, conflicts, error))
    {
      close_db (self);
      return FALSE;
    }

  self->opened = TRUE;
  g_debug ("Opened %s (database version %d%s)", self->path, GP_STORE_DB_VERSION,
           clean ? ", closed cleanly last time" : "");
  return TRUE;
}

/* Store thread: transactions */

static void
run_open (GpStore *self,
          Command *command)
{
  g_autoptr(GError) error = NULL;
  guint pending = 0, conflicts = 0;
  Delivery *delivery;

  assert_store_thread (self);

  if (g_task_return_error_if_cancelled (command->task))
    return;

  if (!open_db (self, &pending, &conflicts, &error))
    {
      complete (self, command->task, NULL, NULL, TRUE, g_steal_pointer (&error));
      return;
    }

  delivery = g_new0 (Delivery, 1);
  delivery->has_counts = TRUE;
  delivery->pending_count = pending;
  delivery->conflict_count = conflicts;
  complete (self, command->task, delivery, NULL, TRUE, NULL);
}

static Delivery *
collect_changes (GpStoreTxn *txn)
{
  Delivery *delivery = g_new0 (Delivery, 1);
  const GpTable *tables;
  guint n_tables;

  delivery->tables = g_ptr_array_new ();
  delivery->ids = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);

  /* Parents before children, so a list of children never sees an orphan first. */
  tables = gp_schema_get_tables (&n_tables);
  for (guint i = 0; i < n_tables; i++)
    {
      GHashTable *set = g_hash_table_lookup (txn->changes, tables[i].name);
      GStrv ids;

      if (set == NULL || g_hash_table_size (set) == 0)
        continue;

      ids = (GStrv)g_hash_table_get_keys_as_array (set, NULL);
      /* The keys belong to the set; copy them. */
      for (guint j = 0; ids[j] != NULL; j++)
        ids[j] = g_strdup (ids[j]);
      g_ptr_array_add (delivery->tables, (gpointer)tables[i].name);
      g_ptr_array_add (delivery->ids, ids);
    }

  return delivery;
}

/* The rows a command's triggers changed without telling anyone (an invoice that goes away
 * releases its billed time): every such change is written to history, so the history rows
 * the command added name them all, and "changed" covers them like any other write. */
static gint64
history_mark (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  gint64 mark = 0;

  if (sqlite3_prepare_v2 (db, "SELECT coalesce (max (id), 0) FROM history", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    mark = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return mark;
}

static gboolean
collect_history_changes (GpStoreTxn  *txn,
                         gint64       mark,
                         GError     **error)
{
  sqlite3_stmt *stmt = _gp_store_txn_prepare (txn, "SELECT DISTINCT table_name, record_id FROM history "
                                                   "WHERE id > ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, mark);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *table = (const char *)sqlite3_column_text (stmt, 0);
      const char *id = (const char *)sqlite3_column_text (stmt, 1);

      if (table != NULL && id != NULL && gp_schema_lookup_table (table) != NULL)
        _gp_store_txn_changed (txn, table, id);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, txn->db, rc, "history");
      return FALSE;
    }
  return TRUE;
}

static void
run_txn (GpStore *self,
         Command *command)
{
  g_autoptr(GError) error = NULL;
  GpStoreTxn txn = { 0 };
  gboolean write = (command->flags & GP_STORE_COMMAND_WRITE) != 0;
  gboolean ok;

  assert_store_thread (self);

  if (g_task_return_error_if_cancelled (command->task))
    return;

  if (self->db == NULL)
    {
      g_task_return_new_error (command->task, GP_STORE_ERROR, GP_STORE_ERROR_CLOSED,
                               _("The database is not open."));
      return;
    }

  /* Writing into a damaged file can spread the damage: nothing is written until a backup
   * is restored over it. */
  if (write && g_atomic_int_get (&self->damaged))
    {
      g_task_return_new_error (command->task, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT,
                               _("The database is damaged, so nothing more is saved. Restore a "
                                 "backup to go on."));
      return;
    }

  txn.store = self;
  txn.db = self->db;
  txn.cancellable = g_task_get_cancellable (command->task);
  txn.changes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify)g_hash_table_unref);
  txn.refresh_counts = write;

  ok = exec_sql (self->db, write ? "BEGIN IMMEDIATE" : "BEGIN", "begin", &error);
  if (ok)
    {
      gint64 mark = write ? history_mark (self->db) : 0;

      ok = command->func (&txn, command->data, &error);
      g_assert (ok || error != NULL);
      if (ok && write)
        ok = collect_history_changes (&txn, mark, &error);
      if (ok)
        ok = exec_sql (self->db, "COMMIT", "commit", &error);
      if (!ok && !sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    }

  if (ok)
    {
      Delivery *delivery = collect_changes (&txn);
      g_autoptr(GError) count_error = NULL;
      Result *wrapped;

      if (txn.refresh_counts)
        {
          delivery->has_counts = count_pending (self->db, &delivery->pending_count,
                                                &delivery->conflict_count, &count_error);
          if (!delivery->has_counts)
            g_debug ("Counting pending rows failed: %s", count_error->message);
        }

      /* A restored backup is a whole new file, checked before it was copied in. */
      if (txn.replaced && g_atomic_int_compare_and_exchange (&self->damaged, 1, 0))
        delivery->damage_cleared = TRUE;

      if (!delivery->has_counts && delivery->tables->len == 0 && !delivery->damage_cleared)
        g_clear_pointer (&delivery, delivery_free);

      wrapped = g_new0 (Result, 1);
      wrapped->value = g_steal_pointer (&txn.result);
      wrapped->value_free = txn.result_free;
      complete (self, command->task, delivery, wrapped, FALSE, NULL);
    }
  else
    {
      if (txn.result != NULL && txn.result_free != NULL)
        txn.result_free (txn.result);
      complete (self, command->task, NULL, NULL, FALSE, g_steal_pointer (&error));
    }

  g_hash_table_unref (txn.changes);
}

/* Store thread: hands the WAL to the checkpointer, without waiting for it. */
static void
request_checkpoint (GpStore *self)
{
  assert_store_thread (self);

  self->wal_pages = 0;
  if (self->ckpt_thread == NULL)
    return;
  g_mutex_lock (&self->ckpt_lock);
  self->ckpt_requested = TRUE;
  g_cond_signal (&self->ckpt_cond);
  g_mutex_unlock (&self->ckpt_lock);
}

static gpointer
store_thread_main (gpointer user_data)
{
  /* Borrowed: the store joins this thread before it is finalized. */
  GpStore *self = user_data;

  for (;;)
    {
      Command *command;
      CommandKind kind;

      if (self->wal_pages >= CHECKPOINT_MAX_PAGES)
        request_checkpoint (self);
      if (self->wal_pages > 0)
        {
          command = g_async_queue_timeout_pop (self->queue, CHECKPOINT_IDLE_USEC);
          if (command == NULL)
            {
              request_checkpoint (self);
              continue;
            }
        }
      else
        command = g_async_queue_pop (self->queue);
      kind = command->kind;

      switch (kind)
        {
        case COMMAND_OPEN:
          run_open (self, command);
          break;
        case COMMAND_TXN:
          run_txn (self, command);
          break;
        case COMMAND_QUIT:
          break;
        default:
          g_assert_not_reached ();
        }

      command_free (command);
      if (kind == COMMAND_QUIT)
        break;
    }

  close_db (self);
  return NULL;
}

static void
queue_command (GpStore *self,
               Command *command)
{
  if (self->thread == NULL)
    self->thread = g_thread_new ("gp-store", store_thread_main, self);

  g_async_queue_push (self->queue, command);
}

/* The txn API */

sqlite3 *
_gp_store_txn_get_db (GpStoreTxn *txn)
{
  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  return txn->db;
}

GCancellable *
_gp_store_txn_get_cancellable (GpStoreTxn *txn)
{
  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  return txn->cancellable;
}

void
_gp_store_txn_changed (GpStoreTxn *txn,
                       const char *table,
                       const char *id)
{
  const GpTable *schema_table;
  GHashTable *set;

  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  schema_table = gp_schema_lookup_table (table);
  g_assert (schema_table != NULL);
  g_assert (id != NULL);

  set = g_hash_table_lookup (txn->changes, schema_table->name);
  if (set == NULL)
    {
      set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (txn->changes, (gpointer)schema_table->name, set);
    }
  g_hash_table_add (set, g_strdup (id));
}

void
_gp_store_txn_set_result (GpStoreTxn     *txn,
                          gpointer        result,
                          GDestroyNotify  result_free)
{
  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  if (txn->result != NULL && txn->result_free != NULL)
    txn->result_free (txn->result);
  txn->result = result;
  txn->result_free = result_free;
}

void
_gp_store_txn_replaced (GpStoreTxn *txn)
{
  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  txn->replaced = TRUE;
}

void
_gp_store_txn_refresh_counts (GpStoreTxn *txn)
{
  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  txn->refresh_counts = TRUE;
}

gboolean
_gp_store_txn_exec (GpStoreTxn  *txn,
                    const char  *sql,
                    GError     **error)
{
  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  return exec_sql (txn->db, sql, sql, error);
}

sqlite3_stmt *
_gp_store_txn_prepare (GpStoreTxn  *txn,
                       const char  *sql,
                       GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  rc = sqlite3_prepare_v2 (txn->db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      _gp_store_set_sqlite_error (error, txn->db, rc, "prepare");
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

/* Statements that run once per record of a long command (a record read by id, a
 * record's lines) are prepared once and kept: preparing took more time than running them
 * (the chasing ladder of 100k invoices prepares seven per invoice). */
#define MAX_CACHED_STATEMENTS 64

sqlite3_stmt *
_gp_store_txn_prepare_cached (GpStoreTxn  *txn,
                              const char  *sql,
                              GError     **error)
{
  GHashTable *statements;
  sqlite3_stmt *stmt;
  int rc;

  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  statements = txn->store->statements;
  stmt = g_hash_table_lookup (statements, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (txn->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      _gp_store_set_sqlite_error (error, txn->db, rc, "prepare");
      sqlite3_finalize (stmt);
      return NULL;
    }
  if (g_hash_table_size (statements) >= MAX_CACHED_STATEMENTS)
    g_hash_table_remove_all (statements);
  g_hash_table_insert (statements, g_strdup (sql), stmt);
  return stmt;
}

gboolean
_gp_store_txn_add_history (GpStoreTxn  *txn,
                           const char  *table,
                           const char  *record_id,
                           const char  *field,
                           const char  *old_value,
                           const char  *new_value,
                           gint64       at,
                           const char  *origin,
                           GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  stmt = _gp_store_txn_prepare (txn,
                                "INSERT INTO history (table_name, record_id, field, old, new, at, origin) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, record_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, field, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, old_value, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, new_value, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, at);
  sqlite3_bind_text (stmt, 7, origin, -1, SQLITE_TRANSIENT);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    _gp_store_set_sqlite_error (error, txn->db, rc, "history");
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}

const char *
_gp_store_table_select_list (const GpTable *table)
{
  static gsize initialized = 0;
  static GHashTable *lists = NULL;

  if (g_once_init_enter (&initialized))
    {
      const GpTable *tables;
      guint n_tables;
      GHashTable *built = g_hash_table_new (g_str_hash, g_str_equal);

      tables = gp_schema_get_tables (&n_tables);
      for (guint i = 0; i < n_tables; i++)
        {
          GString *s = g_string_new ("id");

          for (guint j = 0; j < tables[i].n_columns; j++)
            g_string_append_printf (s, ", %s", tables[i].columns[j].name);
          g_string_append (s, ", _status");
          g_hash_table_insert (built, (gpointer)tables[i].name, g_string_free (s, FALSE));
        }
      lists = built;
      g_once_init_leave (&initialized, 1);
    }

  return g_hash_table_lookup (lists, table->name);
}

GpRecord *
_gp_store_record_from_stmt (const GpTable *table,
                            sqlite3_stmt  *stmt)
{
  g_autoptr(JsonObject) fields = json_object_new ();
  const char *id = (const char *)sqlite3_column_text (stmt, 0);
  const char *status = (const char *)sqlite3_column_text (stmt, (int)table->n_columns + 1);

  for (guint j = 0; j < table->n_columns; j++)
    {
      int col = (int)j + 1;
      const char *name = table->columns[j].name;

      switch (sqlite3_column_type (stmt, col))
        {
        case SQLITE_NULL:
          json_object_set_null_member (fields, name);
          break;
        case SQLITE_INTEGER:
          json_object_set_int_member (fields, name, sqlite3_column_int64 (stmt, col));
          break;
        case SQLITE_FLOAT:
          json_object_set_int_member (fields, name, (gint64)sqlite3_column_double (stmt, col));
          break;
        case SQLITE_TEXT:
        case SQLITE_BLOB:
        default:
          if (table->columns[j].type == GP_COLUMN_INTEGER)
            json_object_set_int_member (fields, name, sqlite3_column_int64 (stmt, col));
          else
            json_object_set_string_member (fields, name, (const char *)sqlite3_column_text (stmt, col));
          break;
        }
    }

  return gp_record_new_full (table->name, id != NULL ? id : "", fields,
                             status != NULL ? status : "synced");
}

GpRecord *
_gp_store_txn_read_record (GpStoreTxn     *txn,
                           const GpTable  *table,
                           const char     *id,
                           gboolean        include_deleted,
                           GError        **error)
{
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  GpRecord *record = NULL;
  int rc;

  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  sql = g_strdup_printf ("SELECT %s FROM %s WHERE id = ?%s", _gp_store_table_select_list (table),
                         table->name, include_deleted ? "" : " AND _status != 'deleted'");
  stmt = _gp_store_txn_prepare_cached (txn, sql, error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    record = _gp_store_record_from_stmt (table, stmt);
  else if (rc == SQLITE_DONE)
    g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND,
                 _("There is no record “%s” in %s."), id, table->name);
  else
    _gp_store_set_sqlite_error (error, txn->db, rc, "read");

  sqlite3_reset (stmt);
  return record;
}

JsonObject *
_gp_store_txn_read_raw (GpStoreTxn     *txn,
                        const GpTable  *table,
                        const char     *id,
                        GError        **error)
{
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  JsonObject *raw = NULL;
  int rc;

  g_assert (txn != NULL);
  assert_store_thread (txn->store);

  sql = g_strdup_printf ("SELECT %s, _changed, _base, _rev FROM %s WHERE id = ?",
                         _gp_store_table_select_list (table), table->name);
  stmt = _gp_store_txn_prepare (txn, sql, error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_autoptr(GpRecord) record = _gp_store_record_from_stmt (table, stmt);
      int base_col = (int)table->n_columns + 3;

      raw = gp_record_to_raw (record);
      json_object_set_string_member (raw, "_status", gp_record_get_sync_status (record));
      json_object_set_string_member (raw, "_changed",
                                     (const char *)sqlite3_column_text (stmt, (int)table->n_columns + 2));
      if (sqlite3_column_type (stmt, base_col) == SQLITE_NULL)
        json_object_set_null_member (raw, "_base");
      else
        json_object_set_string_member (raw, "_base", (const char *)sqlite3_column_text (stmt, base_col));
      json_object_set_int_member (raw, "_rev", sqlite3_column_int64 (stmt, (int)table->n_columns + 4));
    }
  else if (rc == SQLITE_DONE)
    g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND,
                 _("There is no record “%s” in %s."), id, table->name);
  else
    _gp_store_set_sqlite_error (error, txn->db, rc, "read");

  sqlite3_finalize (stmt);
  return raw;
}

/* Main-context side */

void
_gp_store_run_async (GpStore             *self,
                     GpStoreCommandFlags  flags,
                     GpStoreTxnFunc       func,
                     gpointer             data,
                     GDestroyNotify       data_free,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data,
                     gpointer             source_tag)
{
  g_autoptr(GTask) task = NULL;
  Command *command;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  /* A write that committed reports success even if it was cancelled meanwhile. */
  g_task_set_check_cancellable (task, FALSE);

  if (self->queue == NULL)
    {
      if (data_free != NULL && data != NULL)
        data_free (data);
      g_task_return_new_error (task, GP_STORE_ERROR, GP_STORE_ERROR_CLOSED,
                               _("The database is closed."));
      return;
    }

  command = g_new0 (Command, 1);
  command->kind = COMMAND_TXN;
  command->flags = flags;
  command->func = func;
  command->data = data;
  command->data_free = data_free;
  command->task = g_steal_pointer (&task);
  queue_command (self, command);
}

gboolean
_gp_store_run_finish (GpStore       *self,
                      GAsyncResult  *result,
                      gpointer      *out_result,
                      GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  Result *wrapped;

  g_return_val_if_fail (GP_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  wrapped = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (out_result != NULL)
    *out_result = g_steal_pointer (&wrapped->value);
  free_result (wrapped);

  return TRUE;
}

/**
 * gp_store_new:
 * @path: the database file (created on open if missing)
 *
 * Creates a store for @path. Nothing touches the disk until gp_store_open_async(); the
 * "changed" signal and property notifications are delivered in the thread-default main
 * context of the caller.
 *
 * Returns: (transfer full): a new store
 */
GpStore *
gp_store_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (GP_TYPE_STORE, "path", path, NULL);
}

/**
 * gp_store_get_path:
 * @self: a #GpStore
 *
 * Returns: the database file
 */
const char *
gp_store_get_path (GpStore *self)
{
  g_return_val_if_fail (GP_IS_STORE (self), NULL);

  return self->path;
}

/**
 * gp_store_get_pending_count:
 * @self: a #GpStore
 *
 * Returns: the number of rows with local changes not yet pushed (created, updated or deleted)
 */
guint
gp_store_get_pending_count (GpStore *self)
{
  g_return_val_if_fail (GP_IS_STORE (self), 0);

  return self->pending_count;
}

/**
 * gp_store_get_conflict_count:
 * @self: a #GpStore
 *
 * Returns: the number of open sync conflicts
 */
guint
gp_store_get_conflict_count (GpStore *self)
{
  g_return_val_if_fail (GP_IS_STORE (self), 0);

  return self->conflict_count;
}

/**
 * gp_store_get_needs_check:
 * @self: a #GpStore
 *
 * Whether the open left the integrity check out because the file was closed cleanly and is
 * unchanged since; the caller should run gp_store_check_integrity_async() once the user
 * sees the window. After an unclean close the open checks the file itself.
 *
 * Returns: whether the file still needs its integrity check
 */
gboolean
gp_store_get_needs_check (GpStore *self)
{
  g_return_val_if_fail (GP_IS_STORE (self), FALSE);

  return g_atomic_int_get (&self->needs_check) != 0;
}

/**
 * gp_store_get_damaged:
 * @self: a #GpStore
 *
 * Returns: whether an integrity check found the file damaged; until a backup is restored,
 *   every write command fails with %GP_STORE_ERROR_CORRUPT
 */
gboolean
gp_store_get_damaged (GpStore *self)
{
  g_return_val_if_fail (GP_IS_STORE (self), FALSE);

  return self->damaged_shown;
}

static gboolean
show_damage_cb (gpointer user_data)
{
  GpStore *self = user_data;

  set_damaged_shown (self, g_atomic_int_get (&self->damaged) != 0);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  GpStore      *store;
  GCancellable *cancellable;
} CheckProgress;

static int
check_progress_cb (void *user_data)
{
  CheckProgress *progress = user_data;

  return (g_cancellable_is_cancelled (progress->cancellable) ||
          g_cancellable_is_cancelled (progress->store->check_cancellable)) ? 1 : 0;
}

static void
check_finished (GpStore *self)
{
  g_mutex_lock (&self->check_lock);
  self->checks_running--;
  g_cond_broadcast (&self->check_cond);
  g_mutex_unlock (&self->check_lock);
}

/* A worker thread with a read-only connection of its own: WAL readers never wait for the
 * store thread's writers nor hold them up, so the list loads and edits go on meanwhile. */
static void
check_integrity_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  GpStore *self = source_object;
  const char *path = task_data;
  g_autoptr(GError) error = NULL;
  CheckProgress progress = { self, cancellable };
  sqlite3 *db = NULL;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    _gp_store_set_sqlite_error (&error, db, rc, "integrity check");
  else
    {
      sqlite3_extended_result_codes (db, TRUE);
      sqlite3_busy_timeout (db, 5000);
      sqlite3_progress_handler (db, 10000, check_progress_cb, &progress);
      if (!check_database (db, path, "PRAGMA integrity_check(1)", &error) &&
          g_error_matches (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT))
        {
          GSource *source = g_idle_source_new ();

          /* Stop writes at once; the property follows on the main context. */
          g_atomic_int_set (&self->damaged, 1);
          g_source_set_callback (source, show_damage_cb, g_object_ref (self), g_object_unref);
          g_source_set_static_name (source, "[gigpilot] store damaged");
          g_source_attach (source, self->context);
          g_source_unref (source);
        }
    }
  sqlite3_close (db);
  check_finished (self);

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_atomic_int_set (&self->needs_check, 0);
  g_task_return_boolean (task, TRUE);
}

/**
 * gp_store_check_integrity_async:
 * @self: an open #GpStore
 * @cancellable: (nullable): a #GCancellable, which stops the check too
 * @callback: called when the check is done
 * @user_data: data for @callback
 *
 * Runs SQLite's full `PRAGMA integrity_check` on a connection of its own in a worker
 * thread, without holding up the store's commands. If the file is damaged the check fails
 * with %GP_STORE_ERROR_CORRUPT, #GpStore:damaged becomes %TRUE and the store refuses every
 * write from then on (a restored backup lifts that), so nothing adds to the damage.
 */
void
gp_store_check_integrity_async (GpStore             *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gp_store_check_integrity_async);
  g_task_set_name (task, "[gigpilot] integrity check");

  if (self->queue == NULL)
    {
      g_task_return_new_error (task, GP_STORE_ERROR, GP_STORE_ERROR_CLOSED,
                               _("The database is closed."));
      return;
    }

  g_mutex_lock (&self->check_lock);
  self->checks_running++;
  g_mutex_unlock (&self->check_lock);
  g_task_set_task_data (task, g_strdup (self->path), g_free);
  g_task_run_in_thread (task, check_integrity_thread);
}

/**
 * gp_store_check_integrity_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the file passed the check
 */
gboolean
gp_store_check_integrity_finish (GpStore       *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (GP_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_check_integrity_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gp_store_open_async:
 * @self: a #GpStore
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the database is open or failed to open
 * @user_data: data for @callback
 *
 * Opens the database on the store thread: creates it if missing, checks it, keeps a copy
 * (`PATH.bak-vN`) and migrates it if it is older than this build. A damaged or foreign file
 * fails with %GP_STORE_ERROR_CORRUPT, a file from a newer GigPilot with
 * %GP_STORE_ERROR_TOO_NEW; neither is modified.
 */
void
gp_store_open_async (GpStore             *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Command *command;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gp_store_open_async);

  if (self->queue == NULL)
    {
      g_task_return_new_error (task, GP_STORE_ERROR, GP_STORE_ERROR_CLOSED,
                               _("The database is closed."));
      return;
    }

  command = g_new0 (Command, 1);
  command->kind = COMMAND_OPEN;
  command->task = g_steal_pointer (&task);
  queue_command (self, command);
}

/**
 * gp_store_open_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the database is open
 */
gboolean
gp_store_open_finish (GpStore       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (GP_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_open_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
open_sync_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/**
 * gp_store_open_sync:
 * @self: a #GpStore
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Like gp_store_open_async() but waits for the result, for command-line tools and tests.
 *
 * Returns: whether the database is open
 */
gboolean
gp_store_open_sync (GpStore       *self,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), FALSE);

  g_main_context_push_thread_default (context);
  gp_store_open_async (self, cancellable, open_sync_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  return gp_store_open_finish (self, result, error);
}

/**
 * gp_store_close:
 * @self: a #GpStore
 *
 * Runs the commands already queued, closes the database and stops the store thread.
 * Later commands fail with %GP_STORE_ERROR_CLOSED. Dispose does this too.
 */
void
gp_store_close (GpStore *self)
{
  Command *command;

  g_return_if_fail (GP_IS_STORE (self));

  if (self->queue == NULL)
    return;

  g_cancellable_cancel (self->check_cancellable);
  g_mutex_lock (&self->check_lock);
  while (self->checks_running > 0)
    g_cond_wait (&self->check_cond, &self->check_lock);
  g_mutex_unlock (&self->check_lock);

  if (self->thread != NULL)
    {
      command = g_new0 (Command, 1);
      command->kind = COMMAND_QUIT;
      g_async_queue_push (self->queue, command);
      /* self->thread stays set until the thread is gone: its last act asserts it. */
      g_thread_join (self->thread);
      self->thread = NULL;
    }

  g_clear_pointer (&self->queue, g_async_queue_unref);
}

/**
 * gp_store_move_aside:
 * @path: a database file that failed to open as %GP_STORE_ERROR_CORRUPT
 * @error: return location for an error
 *
 * Renames @path (and its `-wal`/`-shm` companions) to `PATH.corrupt-YYYYMMDD-HHMMSS`, so a
 * new, empty database can be created in its place while the old file is kept for rescue.
 * The store for @path must be closed.
 *
 * Returns: whether the file was moved
 */
gboolean
gp_store_move_aside (const char  *path,
                     GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *target = g_strdup_printf ("%s.corrupt-%s", path, stamp);
  static const char *suffixes[] = { "-wal", "-shm" };

  g_return_val_if_fail (path != NULL, FALSE);

  /* Two failures in the same second must not overwrite the first rescue copy. */
  for (guint n = 2; g_file_test (target, G_FILE_TEST_EXISTS); n++)
    {
      g_free (target);
      target = g_strdup_printf ("%s.corrupt-%s-%u", path, stamp, n);
    }

  if (g_rename (path, target) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_FAILED,
                   _("Could not move the damaged database “%s” aside: %s."), path,
                   g_strerror (saved_errno));
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (target, suffixes[i], NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS) && g_rename (from, to) != 0)
        g_debug ("Could not move %s aside: %s", from, g_strerror (errno));
    }

  g_debug ("Moved %s aside to %s", path, target);
  return TRUE;
}

static void
gp_store_dispose (GObject *object)
{
  GpStore *self = (GpStore *)object;

  gp_store_close (self);

  G_OBJECT_CLASS (gp_store_parent_class)->dispose (object);
}

static void
gp_store_finalize (GObject *object)
{
  GpStore *self = (GpStore *)object;

  g_assert (self->thread == NULL);
  g_assert (self->db == NULL);

  g_queue_clear_full (&self->completions, (GDestroyNotify)completion_free);
  g_mutex_clear (&self->completions_lock);
  g_mutex_clear (&self->ckpt_lock);
  g_cond_clear (&self->ckpt_cond);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_object (&self->check_cancellable);
  g_mutex_clear (&self->check_lock);
  g_cond_clear (&self->check_cond);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (gp_store_parent_class)->finalize (object);
}

static void
gp_store_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  GpStore *self = GP_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_PENDING_COUNT:
      g_value_set_uint (value, self->pending_count);
      break;
    case PROP_CONFLICT_COUNT:
      g_value_set_uint (value, self->conflict_count);
      break;
    case PROP_DAMAGED:
      g_value_set_boolean (value, self->damaged_shown);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_store_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  GpStore *self = GP_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_store_class_init (GpStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gp_store_dispose;
  object_class->finalize = gp_store_finalize;
  object_class->get_property = gp_store_get_property;
  object_class->set_property = gp_store_set_property;

  /**
   * GpStore:path:
   *
   * The database file.
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GpStore:pending-count:
   *
   * Rows with local changes not yet pushed, refreshed after every write command.
   */
  properties[PROP_PENDING_COUNT] =
    g_param_spec_uint ("pending-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GpStore:conflict-count:
   *
   * Open sync conflicts, refreshed after every write command.
   */
  properties[PROP_CONFLICT_COUNT] =
    g_param_spec_uint ("conflict-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GpStore:damaged:
   *
   * Whether an integrity check found the file damaged (see
   * gp_store_check_integrity_async()); writes are refused while it is set.
   */
  properties[PROP_DAMAGED] =
    g_param_spec_boolean ("damaged", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GpStore::changed:
   * @self: the store
   * @table: the table
   * @ids: the ids of the rows written (created, updated, deleted or restored)
   *
   * Emitted on the store's main context after each committed command, once per table
   * it touched, whether the change came from the user, an undo or a sync.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRV);
}

static void
gp_store_init (GpStore *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->queue = g_async_queue_new ();
  g_mutex_init (&self->completions_lock);
  g_queue_init (&self->completions);
  g_mutex_init (&self->ckpt_lock);
  g_cond_init (&self->ckpt_cond);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify)sqlite3_finalize);
  g_mutex_init (&self->check_lock);
  g_cond_init (&self->check_cond);
  self->check_cancellable = g_cancellable_new ();
}
