/* gp-store-sync.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-store-sync.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gp-store-private.h"

/* The sync side of the store: applying a pulled page, collecting a push, marking it pushed,
 * and the conflicts. Everything here runs on the store thread inside one transaction per
 * command (gp-store-private.h), so a page and its cursor commit together and an interrupted
 * first sync resumes where it stopped.
 *
 * Bookkeeping per row: _status/_changed say what is still to push, _base is the last server
 * version this device saw (the common ancestor of the three-way merge in gp-merge.c), _rev
 * lets mark-pushed leave rows edited during the push dirty.
 *
 * Invoice numbers: numbers are given when an invoice is issued, on whatever device the user
 * is on, and two devices offline can both issue "2026-0042". Per-device series would avoid
 * the collision but give legally awkward gaps and interleavings, so GigPilot keeps one
 * series and detects a collision on pull instead: a pulled invoice whose number another
 * local invoice already carries becomes a "duplicate-number" conflict on the invoice that
 * has not reached the server yet (else on the pulled one). It is held back from pushes until
 * the user gives it a new number, so a duplicate never spreads silently.
 *
 * Billed time: two devices offline can both turn the same unbilled time into an invoice.
 * The billing that reaches the server first wins (the pulled entry keeps its invoice), and
 * the other device's invoice becomes a "double-billed" conflict, held back with its lines
 * until the user discards or keeps it: the time is never charged twice silently. */

#define META_LAST_PULLED_AT "last_pulled_at"
#define META_CURSOR "pull_cursor"
#define META_CURSOR_LPA "pull_cursor_last_pulled_at"
#define META_PUSH_ID "push_id"
#define META_PUSH_CHECKSUM "push_checksum"
#define META_ORPHAN_PREFIX "orphan:"
/* sent:<table>:<id> = the version of a record the server has never acknowledged, as it was
 * first pushed; "" once a different version was pushed too (see note_sent()). */
#define META_SENT_PREFIX "sent:"

/* Boxed and plain types ---------------------------------------------------------------- */

void
gp_sync_meta_free (GpSyncMeta *meta)
{
  if (meta == NULL)
    return;
  g_free (meta->cursor);
  g_free (meta);
}

void
gp_pull_outcome_free (GpPullOutcome *outcome)
{
  if (outcome == NULL)
    return;
  g_free (outcome->next_cursor);
  g_free (outcome);
}

typedef struct
{
  const GpTable *table;
  char *id;
  gint64 rev;
  char *status;
  char *raw;
} PushEntry;

struct _GpPushBatch
{
  GBytes *body;
  char *push_id;
  GArray *entries;
  guint n_pushable;
};

static void
push_entry_clear (PushEntry *entry)
{
  g_free (entry->id);
  g_free (entry->status);
  g_free (entry->raw);
}

void
gp_push_batch_free (GpPushBatch *batch)
{
  if (batch == NULL)
    return;
  g_clear_pointer (&batch->body, g_bytes_unref);
  g_clear_pointer (&batch->entries, g_array_unref);
  g_free (batch->push_id);
  g_free (batch);
}

/**
 * gp_push_batch_get_body:
 * @batch: a batch
 *
 * Returns: (transfer none): the push body (WatermelonDB changes, every table present)
 */
GBytes *
gp_push_batch_get_body (GpPushBatch *batch)
{
  return batch->body;
}

/**
 * gp_push_batch_get_push_id:
 * @batch: a batch
 *
 * The idempotency key of this push. It is kept in sync_meta until the push is acknowledged
 * and reused as long as the collected changes are byte for byte the same, so a retry after
 * a lost answer replays instead of applying twice; a different body gets a new key.
 *
 * Returns: (transfer none): the push id (a UUID)
 */
const char *
gp_push_batch_get_push_id (GpPushBatch *batch)
{
  return batch->push_id;
}

guint
gp_push_batch_get_n_records (GpPushBatch *batch)
{
  return batch->entries->len;
}

/* All the records that could be pushed now (this batch and the ones after it). */
guint
gp_push_batch_get_n_pushable (GpPushBatch *batch)
{
  return batch->n_pushable;
}

GpConflict *
gp_conflict_copy (const GpConflict *conflict)
{
  GpConflict *copy = g_new0 (GpConflict, 1);

  copy->table = g_strdup (conflict->table);
  copy->record_id = g_strdup (conflict->record_id);
  copy->kind = conflict->kind;
  copy->fields = conflict->fields ? json_object_ref (conflict->fields) : NULL;
  copy->created_at = conflict->created_at;
  return copy;
}

void
gp_conflict_free (GpConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->table);
  g_free (conflict->record_id);
  g_clear_pointer (&conflict->fields, json_object_unref);
  g_free (conflict);
}

G_DEFINE_BOXED_TYPE (GpConflict, gp_conflict, gp_conflict_copy, gp_conflict_free)

/* SQL helpers (store thread) ----------------------------------------------------------- */

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      _gp_store_set_sqlite_error (error, db, rc, "prepare");
      return NULL;
    }
  return stmt;
}

static gboolean
step_done (sqlite3       *db,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _gp_store_set_sqlite_error (error, db, rc, "step");
      return FALSE;
    }
  return TRUE;
}

/* A pulled number for an integer column, truncated, when it is one: casting a double
 * outside gint64's range (or NaN) is undefined in C, so such a value counts as one that
 * does not parse, like an out-of-range string. */
static gboolean
double_to_int64 (double  d,
                 gint64 *out)
{
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
    return FALSE;
  *out = (gint64)d;
  return TRUE;
}

static char *
node_to_string (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static char *
object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return node_to_string (node);
}

static JsonObject *
object_from_string (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL)
    return NULL;
  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static void
append_json_string (GString    *out,
                    const char *text)
{
  const char *run = text;
  const char *p;

  g_string_append_c (out, '"');
  for (p = text; *p != '\0'; p++)
    {
      guchar c = (guchar)*p;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      g_string_append_len (out, run, p - run);
      run = p + 1;
      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else
        g_string_append_printf (out, "\\u%04x", c);
    }
  g_string_append_len (out, run, p - run);
  g_string_append_c (out, '"');
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

/* Binds a JSON value to a typed column. Content of the wrong type is sanitised rather
 * than refused (sync-protocol.md §3.2.9): a push or pull that fails forever helps nobody. */
static void
bind_column_value (sqlite3_stmt   *stmt,
                   int             index,
                   const GpColumn *column,
                   JsonNode       *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    {
      sqlite3_bind_null (stmt, index);
      return;
    }

  type = json_node_get_value_type (node);
  if (column->type == GP_COLUMN_INTEGER)
    {
      gint64 value = 0;

      if (type == G_TYPE_INT64 || type == G_TYPE_BOOLEAN)
        value = json_node_get_int (node);
      else if ((type == G_TYPE_DOUBLE && !double_to_int64 (json_node_get_double (node), &value))
               || (type == G_TYPE_STRING
                   && !g_ascii_string_to_signed (json_node_get_string (node), 10, G_MININT64,
                                                 G_MAXINT64, &value, NULL)))
        {
          sqlite3_bind_null (stmt, index);
          return;
        }
      sqlite3_bind_int64 (stmt, index, value);
    }
  else
    {
      /* The node outlives the step (callers bind from objects they hold). */
      if (type == G_TYPE_STRING)
        sqlite3_bind_text (stmt, index, json_node_get_string (node), -1, SQLITE_STATIC);
      else
        {
          g_autofree char *text = node_to_string (node);
          sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
        }
    }
}

static void
set_column_from_stmt (JsonObject     *object,
                      const GpColumn *column,
                      sqlite3_stmt   *stmt,
                      int             index)
{
  switch (sqlite3_column_type (stmt, index))
    {
    case SQLITE_NULL:
      json_object_set_null_member (object, column->name);
      break;

    case SQLITE_INTEGER:
      json_object_set_int_member (object, column->name, sqlite3_column_int64 (stmt, index));
      break;

    case SQLITE_FLOAT:
      json_object_set_double_member (object, column->name, sqlite3_column_double (stmt, index));
      break;

    default:
      json_object_set_string_member (object, column->name,
                                     (const char *)sqlite3_column_text (stmt, index));
      break;
    }
}

static gboolean
meta_get (sqlite3     *db,
          const char  *key,
          char       **value,
          GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, "SELECT value FROM sync_meta WHERE key = ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  *value = rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL
           ? g_strdup ((const char *)sqlite3_column_text (stmt, 0)) : NULL;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _gp_store_set_sqlite_error (error, db, rc, "sync_meta");
  sqlite3_finalize (stmt);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static gint64
meta_get_int (sqlite3    *db,
              const char *key)
{
  g_autofree char *value = NULL;
  gint64 n = 0;

  if (meta_get (db, key, &value, NULL) && value != NULL)
    g_ascii_string_to_signed (value, 10, 0, G_MAXINT64, &n, NULL);
  return n;
}

static gboolean
meta_set (sqlite3     *db,
          const char  *key,
          const char  *value,
          GError     **error)
{
  sqlite3_stmt *stmt;
  gboolean ok;

  if (value == NULL)
    stmt = prepare (db, "DELETE FROM sync_meta WHERE key = ?1", error);
  else
    stmt = prepare (db, "INSERT INTO sync_meta (key, value) VALUES (?1, ?2) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (value != NULL)
    sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  ok = step_done (db, stmt, error);
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
meta_set_int (sqlite3     *db,
              const char  *key,
              gint64       value,
              GError     **error)
{
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, value);
  return meta_set (db, key, buf, error);
}

/* Rows ----------------------------------------------------------------------------------- */

typedef struct
{
  JsonObject *data;   /* "id" + data columns */
  char *status;
  char *changed;
  JsonObject *base;   /* nullable */
  gint64 rev;
} Row;

static void
row_free (Row *row)
{
  if (row == NULL)
    return;
  g_clear_pointer (&row->data, json_object_unref);
  g_clear_pointer (&row->base, json_object_unref);
  g_free (row->status);
  g_free (row->changed);
  g_free (row);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Row, row_free)

/* Prepared statements for one table, reused for a whole command. */
typedef struct
{
  const GpTable *table;
  sqlite3_stmt *select_row;
  sqlite3_stmt *insert_row;
  sqlite3_stmt *update_row;
  sqlite3_stmt *delete_row;
  sqlite3_stmt *insert_batch;   /* INSERT_BATCH rows at once, prepared on first use */
  /* The full-text index of a batch's rows (tables in the index only, on first use). */
  sqlite3_stmt *index_docs;
  sqlite3_stmt *index_clear;
  sqlite3_stmt *index_insert;
} TableCtx;

static void
table_ctx_clear (TableCtx *ctx)
{
  g_clear_pointer (&ctx->select_row, sqlite3_finalize);
  g_clear_pointer (&ctx->insert_row, sqlite3_finalize);
  g_clear_pointer (&ctx->update_row, sqlite3_finalize);
  g_clear_pointer (&ctx->delete_row, sqlite3_finalize);
  g_clear_pointer (&ctx->insert_batch, sqlite3_finalize);
  g_clear_pointer (&ctx->index_docs, sqlite3_finalize);
  g_clear_pointer (&ctx->index_clear, sqlite3_finalize);
  g_clear_pointer (&ctx->index_insert, sqlite3_finalize);
}

static gboolean
table_ctx_init (TableCtx       *ctx,
                sqlite3        *db,
                const GpTable  *table,
                GError        **error)
{
  g_autoptr(GString) cols = g_string_new ("id");
  g_autoptr(GString) params = g_string_new ("?1");
  g_autoptr(GString) sets = g_string_new (NULL);
  g_autofree char *sql_select = NULL;
  g_autofree char *sql_insert = NULL;
  g_autofree char *sql_update = NULL;
  g_autofree char *sql_delete = NULL;
  guint n = table->n_columns;

  ctx->table = table;
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (cols, ", \"%s\"", table->columns[i].name);
      g_string_append_printf (params, ", ?%u", i + 2);
      g_string_append_printf (sets, "\"%s\" = ?%u, ", table->columns[i].name, i + 2);
    }

  sql_select = g_strdup_printf ("SELECT %s, _status, _changed, _base, _rev FROM \"%s\" WHERE id = ?1",
                                cols->str, table->name);
  sql_insert = g_strdup_printf ("INSERT INTO \"%s\" (%s, _status, _changed, _base, _rev) "
                                "VALUES (%s, ?%u, ?%u, ?%u, 0)",
                                table->name, cols->str, params->str, n + 2, n + 3, n + 4);
  sql_update = g_strdup_printf ("UPDATE \"%s\" SET %s_status = ?%u, _changed = ?%u, _base = ?%u "
                                "WHERE id = ?1",
                                table->name, sets->str, n + 2, n + 3, n + 4);
  sql_delete = g_strdup_printf ("DELETE FROM \"%s\" WHERE id = ?1", table->name);

  if ((ctx->select_row = prepare (db, sql_select, error)) == NULL
      || (ctx->insert_row = prepare (db, sql_insert, error)) == NULL
      || (ctx->update_row = prepare (db, sql_update, error)) == NULL
      || (ctx->delete_row = prepare (db, sql_delete, error)) == NULL)
    {
      table_ctx_clear (ctx);
      return FALSE;
    }
  return TRUE;
}

/* All tables of the schema, prepared. Indexed like gp_schema_get_tables(). */
typedef struct
{
  sqlite3 *db;
  GpStoreTxn *txn;
  TableCtx tables[8];
  guint n_tables;
  sqlite3_stmt *find_conflict;
  sqlite3_stmt *index_batch_on;    /* sets the sync_meta key 'index_batch' (migration 6) */
  sqlite3_stmt *index_batch_off;
  gint64 now;
} Ctx;

static void
ctx_clear (Ctx *ctx)
{
  for (guint i = 0; i < ctx->n_tables; i++)
    table_ctx_clear (&ctx->tables[i]);
  g_clear_pointer (&ctx->find_conflict, sqlite3_finalize);
  g_clear_pointer (&ctx->index_batch_on, sqlite3_finalize);
  g_clear_pointer (&ctx->index_batch_off, sqlite3_finalize);
}

static gboolean
ctx_init (Ctx         *ctx,
          GpStoreTxn  *txn,
          GError     **error)
{
  const GpTable *tables = gp_schema_get_tables (&ctx->n_tables);

  g_assert (ctx->n_tables <= G_N_ELEMENTS (ctx->tables));
  ctx->txn = txn;
  ctx->db = _gp_store_txn_get_db (txn);
  ctx->now = _gp_store_now_ms ();
  for (guint i = 0; i < ctx->n_tables; i++)
    if (!table_ctx_init (&ctx->tables[i], ctx->db, &tables[i], error))
      {
        ctx->n_tables = i;
        ctx_clear (ctx);
        return FALSE;
      }
  ctx->find_conflict = prepare (ctx->db,
                                "SELECT id, kind, fields FROM conflicts WHERE table_name = ?1 "
                                "AND record_id = ?2 AND resolved_at IS NULL "
                                "ORDER BY id DESC LIMIT 1", error);
  if (ctx->find_conflict != NULL)
    ctx->index_batch_on = prepare (ctx->db, "INSERT INTO sync_meta (key, value) VALUES ('index_batch', '1')", error);
  if (ctx->index_batch_on != NULL)
    ctx->index_batch_off = prepare (ctx->db, "DELETE FROM sync_meta WHERE key = 'index_batch'", error);
  if (ctx->index_batch_off == NULL)
    {
      ctx_clear (ctx);
      return FALSE;
    }
  return TRUE;
}

static TableCtx *
ctx_lookup (Ctx        *ctx,
            const char *name)
{
  for (guint i = 0; i < ctx->n_tables; i++)
    if (g_str_equal (ctx->tables[i].table->name, name))
      return &ctx->tables[i];
  return NULL;
}

static Row *
read_row (Ctx         *ctx,
          TableCtx    *t,
          const char  *id,
          GError     **error)
{
  sqlite3_stmt *stmt = t->select_row;
  guint n = t->table->n_columns;
  Row *row = NULL;
  int rc;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      row = g_new0 (Row, 1);
      row->data = json_object_new ();
      json_object_set_string_member (row->data, "id", id);
      for (guint i = 0; i < n; i++)
        set_column_from_stmt (row->data, &t->table->columns[i], stmt, i + 1);
      row->status = g_strdup ((const char *)sqlite3_column_text (stmt, n + 1));
      row->changed = g_strdup ((const char *)sqlite3_column_text (stmt, n + 2));
      row->base = object_from_string ((const char *)sqlite3_column_text (stmt, n + 3));
      row->rev = sqlite3_column_int64 (stmt, n + 4);
    }
  else if (rc != SQLITE_DONE)
    _gp_store_set_sqlite_error (error, ctx->db, rc, "read row");
  sqlite3_reset (stmt);
  return row;
}

static gboolean
write_row (Ctx         *ctx,
           TableCtx    *t,
           gboolean     insert,
           JsonObject  *data,
           const char  *id,
           const char  *status,
           const char  *changed,
           JsonObject  *base,
           GError     **error)
{
  sqlite3_stmt *stmt = insert ? t->insert_row : t->update_row;
  guint n = t->table->n_columns;
  g_autofree char *base_text = base ? object_to_string (base) : NULL;
  gboolean ok;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  for (guint i = 0; i < n; i++)
    bind_column_value (stmt, i + 2, &t->table->columns[i],
                       json_object_get_member (data, t->table->columns[i].name));
  sqlite3_bind_text (stmt, n + 2, status, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, n + 3, changed ? changed : "", -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, n + 4, base_text);
  ok = step_done (ctx->db, stmt, error);
  sqlite3_clear_bindings (stmt);
  if (ok)
    _gp_store_txn_changed (ctx->txn, t->table->name, id);
  return ok;
}

/* A canonical server record: "id" plus the table's data columns only, so unknown columns
 * never reach the base copy and a record pulled twice compares equal. */
static JsonObject *
canonical_record (const GpTable *table,
                  const char    *id,
                  JsonObject    *record)
{
  JsonObject *canonical = json_object_new ();

  json_object_set_string_member (canonical, "id", id);
  for (guint i = 0; i < table->n_columns; i++)
    {
      const GpColumn *column = &table->columns[i];
      JsonNode *value = json_object_get_member (record, column->name);

      if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
        json_object_set_null_member (canonical, column->name);
      else if (column->type == GP_COLUMN_INTEGER && json_node_get_value_type (value) != G_TYPE_INT64)
        {
          gint64 n = 0;

          if (json_node_get_value_type (value) == G_TYPE_DOUBLE)
            {
              if (double_to_int64 (json_node_get_double (value), &n))
                json_object_set_int_member (canonical, column->name, n);
              else
                json_object_set_null_member (canonical, column->name);
            }
          else if (json_node_get_value_type (value) == G_TYPE_STRING
                   && g_ascii_string_to_signed (json_node_get_string (value), 10, G_MININT64, G_MAXINT64, &n, NULL))
            json_object_set_int_member (canonical, column->name, n);
          else if (json_node_get_value_type (value) == G_TYPE_BOOLEAN)
            json_object_set_int_member (canonical, column->name, json_node_get_boolean (value));
          else
            json_object_set_null_member (canonical, column->name);
        }
      else if (column->type == GP_COLUMN_TEXT && json_node_get_value_type (value) != G_TYPE_STRING)
        {
          g_autofree char *text = node_to_string (value);

          json_object_set_string_member (canonical, column->name, text);
        }
      else
        json_object_set_member (canonical, column->name, json_node_copy (value));
    }
  return canonical;
}

static char *
join_columns (GPtrArray *columns)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < columns->len; i++)
    g_string_append_printf (s, "%s%s", i ? "," : "", (const char *)g_ptr_array_index (columns, i));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Conflicts ------------------------------------------------------------------------------ */

typedef struct
{
  gint64 id;
  GpConflictKind kind;
  JsonObject *fields;
} OpenConflict;

static void
open_conflict_clear (OpenConflict *c)
{
  g_clear_pointer (&c->fields, json_object_unref);
}

static gboolean
find_open_conflict (Ctx          *ctx,
                    const char   *table,
                    const char   *id,
                    OpenConflict *out,
                    GError      **error)
{
  sqlite3_stmt *stmt = ctx->find_conflict;
  int rc;

  memset (out, 0, sizeof *out);
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      out->id = sqlite3_column_int64 (stmt, 0);
      out->kind = gp_conflict_kind_from_string ((const char *)sqlite3_column_text (stmt, 1));
      out->fields = object_from_string ((const char *)sqlite3_column_text (stmt, 2));
      if (out->fields == NULL)
        out->fields = json_object_new ();
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, ctx->db, rc, "conflicts");
      return FALSE;
    }
  return TRUE;
}

static gboolean
save_conflict (Ctx             *ctx,
               const char      *table,
               const char      *id,
               GpConflictKind   kind,
               JsonObject      *fields,
               GError         **error)
{
  OpenConflict open;
  g_autofree char *fields_text = object_to_string (fields);
  sqlite3_stmt *stmt;
  gboolean ok;

  if (!find_open_conflict (ctx, table, id, &open, error))
    return FALSE;

  if (open.id != 0)
    {
      stmt = prepare (ctx->db, "UPDATE conflicts SET kind = ?2, fields = ?3 WHERE id = ?1", error);
      if (stmt == NULL)
        {
          open_conflict_clear (&open);
          return FALSE;
        }
      sqlite3_bind_int64 (stmt, 1, open.id);
    }
  else
    {
      stmt = prepare (ctx->db,
                      "INSERT INTO conflicts (table_name, record_id, kind, fields, created_at) "
                      "VALUES (?4, ?5, ?2, ?3, ?6)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 4, table, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 5, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 6, ctx->now);
    }
  sqlite3_bind_text (stmt, 2, gp_conflict_kind_to_string (kind), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, fields_text, -1, SQLITE_STATIC);
  ok = step_done (ctx->db, stmt, error);
  sqlite3_finalize (stmt);
  open_conflict_clear (&open);
  if (ok)
    _gp_store_txn_changed (ctx->txn, table, id);
  return ok;
}

static gboolean
close_conflicts (Ctx         *ctx,
                 const char  *table,
                 const char  *id,
                 GError     **error)
{
  sqlite3_stmt *stmt = prepare (ctx->db,
                                "UPDATE conflicts SET resolved_at = ?3 WHERE table_name = ?1 "
                                "AND record_id = ?2 AND resolved_at IS NULL", error);
  gboolean ok;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, ctx->now);
  ok = step_done (ctx->db, stmt, error);
  sqlite3_finalize (stmt);
  return ok;
}

/* Parents and children ------------------------------------------------------------------- */

static gboolean
row_exists (Ctx        *ctx,
            const char *table,
            const char *id)
{
  TableCtx *t = ctx_lookup (ctx, table);
  sqlite3_stmt *stmt;
  gboolean found;

  if (t == NULL)
    return FALSE;
  stmt = t->select_row;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* Whether every reference of @record points at a row we have. */
static gboolean
parents_present (Ctx           *ctx,
                 const GpTable *table,
                 JsonObject    *record)
{
  for (guint i = 0; i < table->n_columns; i++)
    {
      const GpColumn *column = &table->columns[i];
      JsonNode *value;

      if (column->references == NULL)
        continue;
      value = json_object_get_member (record, column->name);
      if (value == NULL || !JSON_NODE_HOLDS_VALUE (value)
          || json_node_get_value_type (value) != G_TYPE_STRING)
        continue;
      if (!row_exists (ctx, column->references, json_node_get_string (value)))
        return FALSE;
    }
  return TRUE;
}

typedef gboolean (*ChildFunc) (Ctx           *ctx,
                               const GpTable *table,
                               const char    *id,
                               const char    *status,
                               gpointer       data,
                               GError       **error);

/* Calls @func for every child row of (@table, @id), depth first, children before parents. */
static gboolean
foreach_descendant (Ctx            *ctx,
                    const GpTable  *table,
                    const char     *id,
                    ChildFunc       func,
                    gpointer        data,
                    GError        **error)
{
  for (guint i = 0; i < ctx->n_tables; i++)
    {
      const GpTable *child = ctx->tables[i].table;
      const GpColumn *ref;
      g_autofree char *sql = NULL;
      g_autoptr(GPtrArray) ids = NULL;
      g_autoptr(GPtrArray) statuses = NULL;
      sqlite3_stmt *stmt;
      int rc;

      if (child->parent_column == NULL)
        continue;
      ref = gp_schema_lookup_column (child, child->parent_column);
      if (ref == NULL || g_strcmp0 (ref->references, table->name) != 0)
        continue;

      sql = g_strdup_printf ("SELECT id, _status FROM \"%s\" WHERE \"%s\" = ?1",
                             child->name, child->parent_column);
      stmt = prepare (ctx->db, sql, error);
      if (stmt == NULL)
        return FALSE;
      ids = g_ptr_array_new_with_free_func (g_free);
      statuses = g_ptr_array_new_with_free_func (g_free);
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_ptr_array_add (ids, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
          g_ptr_array_add (statuses, g_strdup ((const char *)sqlite3_column_text (stmt, 1)));
        }
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        {
          _gp_store_set_sqlite_error (error, ctx->db, rc, "children");
          return FALSE;
        }

      for (guint j = 0; j < ids->len; j++)
        {
          if (!foreach_descendant (ctx, child, g_ptr_array_index (ids, j), func, data, error))
            return FALSE;
          if (!func (ctx, child, g_ptr_array_index (ids, j), g_ptr_array_index (statuses, j), data, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
note_dirty_cb (Ctx           *ctx,
               const GpTable *table,
               const char    *id,
               const char    *status,
               gpointer       data,
               GError       **error)
{
  OpenConflict open = { 0 };

  if (g_strcmp0 (status, "synced") != 0)
    *(gboolean *)data = TRUE;
  else if (find_open_conflict (ctx, table->name, id, &open, NULL) && open.id != 0)
    *(gboolean *)data = TRUE;
  open_conflict_clear (&open);
  return TRUE;
}

static gboolean
forget_sent (sqlite3     *db,
             const char  *table,
             const char  *id,
             GError     **error)
{
  g_autofree char *key = g_strconcat (META_SENT_PREFIX, table, ":", id, NULL);

  return meta_set (db, key, NULL, error);
}

static gboolean
purge_row_cb (Ctx           *ctx,
              const GpTable *table,
              const char    *id,
              const char    *status,
              gpointer       data,
              GError       **error)
{
  TableCtx *t = ctx_lookup (ctx, table->name);
  const char *origin = data;

  if (origin != NULL
      && !_gp_store_txn_add_history (ctx->txn, table->name, id, "*", NULL, NULL, ctx->now, origin, error))
    return FALSE;
  sqlite3_bind_text (t->delete_row, 1, id, -1, SQLITE_TRANSIENT);
  if (!step_done (ctx->db, t->delete_row, error))
    return FALSE;
  if (!close_conflicts (ctx, table->name, id, error))
    return FALSE;
  /* What was pushed of it unacknowledged is no base for anything now (a restored copy that
   * went with its parent's accepted delete kept its note before). */
  if (!forget_sent (ctx->db, table->name, id, error))
    return FALSE;
  _gp_store_txn_changed (ctx->txn, table->name, id);
  return TRUE;
}

/* Deletes a row and everything below it (a remote delete, or an accepted one). */
static gboolean
purge_with_descendants (Ctx           *ctx,
                        const GpTable *table,
                        const char    *id,
                        const char    *origin,
                        GError       **error)
{
  return foreach_descendant (ctx, table, id, purge_row_cb, (gpointer)origin, error)
         && purge_row_cb (ctx, table, id, NULL, (gpointer)origin, error);
}

/* Applying a pull -------------------------------------------------------------------------- */

typedef struct
{
  GBytes *page;
  gint64 last_pulled_at;
} PullData;

static void
pull_data_free (PullData *data)
{
  g_bytes_unref (data->page);
  g_free (data);
}

/* The base the merge compares against: the last server version, except for fields whose
 * conflict is still open, where it is the value both sides started from. Otherwise a
 * second pull would see the local value as "changed only here" and silently settle an
 * open conflict in its favour. */
static JsonObject *
copy_object (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &value))
    json_object_set_member (copy, name, json_node_copy (value));
  return copy;
}

static JsonObject *
effective_base (Row          *row,
                OpenConflict *open)
{
  JsonObject *base;
  JsonObjectIter iter;
  const char *name;
  JsonNode *field;

  if (row->base == NULL)
    return NULL;
  if (open->id == 0 || open->kind != GP_CONFLICT_EDIT || open->fields == NULL)
    return json_object_ref (row->base);

  base = copy_object (row->base);
  json_object_iter_init (&iter, open->fields);
  while (json_object_iter_next (&iter, &name, &field))
    if (JSON_NODE_HOLDS_OBJECT (field) && json_object_has_member (json_node_get_object (field), "base"))
      json_object_set_member (base, name,
                              json_node_copy (json_object_get_member (json_node_get_object (field), "base")));
  return base;
}

/* A record created here whose push went out but was never acknowledged (the answer was
 * lost) has no server version to merge against. The server's copy can only have come from
 * this device's push (ids are random; a restored record, whose id is derived, is marked
 * "" from the start), so the version it pushed is the common base, provided only one
 * version ever went out unacknowledged: with two, the server may hold either, and no base
 * (every difference offered as a conflict) is the only safe choice. */
static gboolean
read_sent_base (Ctx         *ctx,
                const char  *table,
                const char  *id,
                JsonObject **base,
                GError     **error)
{
  g_autofree char *key = g_strconcat (META_SENT_PREFIX, table, ":", id, NULL);
  g_autofree char *text = NULL;

  *base = NULL;
  if (!meta_get (ctx->db, key, &text, error))
    return FALSE;
  if (text != NULL && text[0] != '\0')
    *base = object_from_string (text);
  return TRUE;
}

static char *
value_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return node_to_string (node);
}

/* Records in history what a write changes in @table/@id, field by field. */
static gboolean
add_history (Ctx         *ctx,
             const char  *table,
             const char  *id,
             JsonObject  *before,
             JsonObject  *after,
             const char  *origin,
             GError     **error)
{
  g_autoptr(GPtrArray) diff = gp_merge_diff (before, after);

  for (guint i = 0; i < diff->len; i++)
    {
      const char *field = g_ptr_array_index (diff, i);
      g_autofree char *old_value = value_text (before ? json_object_get_member (before, field) : NULL);
      g_autofree char *new_value = value_text (after ? json_object_get_member (after, field) : NULL);

      if (!_gp_store_txn_add_history (ctx->txn, table, id, field, old_value, new_value,
                                      ctx->now, origin, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
bump_rev (Ctx         *ctx,
          TableCtx    *t,
          const char  *id,
          GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE \"%s\" SET _rev = _rev + 1 WHERE id = ?1", t->table->name);
  sqlite3_stmt *stmt = prepare (ctx->db, sql, error);
  gboolean ok;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  ok = step_done (ctx->db, stmt, error);
  sqlite3_finalize (stmt);
  return ok;
}

typedef struct
{
  Ctx ctx;
  guint n_conflicts;
  GPtrArray *invoice_ids;
  gboolean batching;     /* the table being applied held only synced rows when the page came */
  GHashTable *stashed;   /* sync_meta keys of the children waiting for a parent (orphan:table:id) */
} PullState;

/* A remote record landing below a record deleted here (a new child, or an edit of one the
 * local delete took along): the deletion, not yet pushed, would remove on the server
 * something the user has never seen. The topmost deleted ancestor gets a local-delete
 * conflict, which holds the deletion (and everything below it) back until the user
 * decides: keep the delete, or take the server's record back. */
static gboolean
flag_deleted_ancestor (PullState      *state,
                       const GpTable  *table,
                       JsonObject     *record,
                       GError        **error)
{
  Ctx *ctx = &state->ctx;
  const GpTable *current = table;
  g_autoptr(JsonObject) at = json_object_ref (record);
  const GpTable *root_table = NULL;
  g_autofree char *root_id = NULL;
  OpenConflict open = { 0 };
  gboolean ok;

  for (guint depth = 0; depth < 8 && current->parent_column != NULL; depth++)
    {
      const GpColumn *ref = gp_schema_lookup_column (current, current->parent_column);
      const char *parent_id = json_object_get_string_member_with_default (at, current->parent_column, NULL);
      TableCtx *pt;
      g_autoptr(Row) parent = NULL;

      if (ref == NULL || parent_id == NULL || (pt = ctx_lookup (ctx, ref->references)) == NULL)
        break;
      parent = read_row (ctx, pt, parent_id, error);
      if (parent == NULL)
        {
          if (error != NULL && *error != NULL)
            return FALSE;
          break;
        }
      if (!g_str_equal (parent->status, "deleted"))
        break;
      root_table = pt->table;
      g_free (root_id);
      root_id = g_strdup (parent_id);
      json_object_unref (at);
      at = json_object_ref (parent->data);
      current = pt->table;
    }

  if (root_id == NULL)
    return TRUE;
  if (!find_open_conflict (ctx, root_table->name, root_id, &open, error))
    return FALSE;
  if (open.id != 0)
    {
      open_conflict_clear (&open);
      return TRUE;
    }
  {
    g_autoptr(JsonObject) fields = json_object_new ();

    ok = save_conflict (ctx, root_table->name, root_id, GP_CONFLICT_LOCAL_DELETE, fields, error);
  }
  state->n_conflicts++;
  return ok;
}

/* Time billed on two devices: both turned the same unbilled time into an invoice while
 * offline. The billing that reached the server first is a fact (that invoice may already be
 * sent), so the pulled entry keeps it, and the local invoice @mine_id, which now charges for
 * time billed elsewhere, becomes a "double-billed" conflict: held back from pushes (with its
 * lines) until the user discards it or keeps it on purpose. */
static gboolean
flag_double_billed (PullState   *state,
                    const char  *mine_id,
                    const char  *theirs_id,
                    GError     **error)
{
  Ctx *ctx = &state->ctx;
  TableCtx *invoices = ctx_lookup (ctx, "invoices");
  g_autoptr(Row) invoice = NULL;
  g_autoptr(JsonObject) fields = NULL;
  OpenConflict open;
  JsonObject *field;

  invoice = read_row (ctx, invoices, mine_id, error);
  if (invoice == NULL)
    return error == NULL || *error == NULL;
  if (g_str_equal (invoice->status, "deleted"))
    return TRUE;

  if (!find_open_conflict (ctx, "invoices", mine_id, &open, error))
    return FALSE;
  if (open.id != 0)
    {
      open_conflict_clear (&open);
      return TRUE;
    }

  fields = json_object_new ();
  field = json_object_new ();
  json_object_set_null_member (field, "base");
  json_object_set_string_member (field, "mine", mine_id);
  json_object_set_string_member (field, "theirs", theirs_id);
  json_object_set_string_member (field, "other_id", theirs_id);
  json_object_set_object_member (fields, "billed_invoice_id", field);
  state->n_conflicts++;
  return save_conflict (ctx, "invoices", mine_id, GP_CONFLICT_DOUBLE_BILLED, fields, error);
}

static gboolean
apply_remote_record (PullState   *state,
                     TableCtx    *t,
                     JsonObject  *record,
                     GError     **error)
{
  Ctx *ctx = &state->ctx;
  const char *id = json_object_get_string_member (record, "id");
  g_autoptr(Row) row = NULL;
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(GpMergeResult) result = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(JsonObject) rebilled = NULL;
  g_autofree char *changed = NULL;
  OpenConflict open;
  JsonObject *mine;
  gboolean ok = FALSE;

  row = read_row (ctx, t, id, error);
  if (row == NULL)
    {
      if (error != NULL && *error != NULL)
        return FALSE;
      return write_row (ctx, t, TRUE, record, id, "synced", "", record, error)
             && flag_deleted_ancestor (state, t->table, record, error);
    }

  if (!find_open_conflict (ctx, t->table->name, id, &open, error))
    return FALSE;

  if (g_str_equal (row->status, "synced") && open.id == 0)
    {
      g_autoptr(GPtrArray) data_diff = gp_merge_diff (row->data, record);
      g_autoptr(GPtrArray) base_diff = gp_merge_diff (row->base, record);

      /* Our own pushed records come back on the next pull: nothing to write, nothing to
       * announce. */
      if (data_diff->len == 0 && base_diff->len == 0 && row->base != NULL)
        return TRUE;
      ok = add_history (ctx, t->table->name, id, row->data, record, "remote", error)
           && write_row (ctx, t, FALSE, record, id, "synced", "", record, error);
      open_conflict_clear (&open);
      return ok;
    }

  base = effective_base (row, &open);
  if (base == NULL && row->base == NULL)
    {
      /* A server version is about to become this row's base: the pushed copy is done with. */
      if (!read_sent_base (ctx, t->table->name, id, &base, error)
          || !forget_sent (ctx->db, t->table->name, id, error))
        {
          open_conflict_clear (&open);
          return FALSE;
        }
    }
  mine = g_str_equal (row->status, "deleted") ? NULL : row->data;

  if (mine != NULL && g_str_equal (t->table->name, "time_entries"))
    {
      const char *mine_invoice = json_object_get_string_member_with_default (mine, "billed_invoice_id", NULL);
      const char *their_invoice = json_object_get_string_member_with_default (record, "billed_invoice_id", NULL);
      const char *base_invoice = base ? json_object_get_string_member_with_default (base, "billed_invoice_id", NULL)
                                      : NULL;

      if (mine_invoice != NULL && their_invoice != NULL && strcmp (mine_invoice, their_invoice) != 0
          && g_strcmp0 (base_invoice, mine_invoice) != 0)
        {
          if (!flag_double_billed (state, mine_invoice, their_invoice, error))
            {
              open_conflict_clear (&open);
              return FALSE;
            }
          rebilled = copy_object (mine);
          json_object_set_string_member (rebilled, "billed_invoice_id", their_invoice);
          mine = rebilled;
        }
    }

  result = gp_merge_records (base, mine, record);

  switch (result->kind)
    {
    case GP_CONFLICT_NONE:
      if (mine == NULL)
        ok = write_row (ctx, t, FALSE, row->data, id, "deleted", row->changed, record, error);
      else
        {
          changed = join_columns (result->changed);
          ok = add_history (ctx, t->table->name, id, row->data, result->merged, "remote", error)
               && write_row (ctx, t, FALSE, result->merged, id,
                             result->changed->len > 0 ? "updated" : "synced", changed, record, error);
        }
      if (ok && open.id != 0 && open.kind != GP_CONFLICT_DUPLICATE_NUMBER
          && open.kind != GP_CONFLICT_DOUBLE_BILLED)
        ok = close_conflicts (ctx, t->table->name, id, error);
      break;

    case GP_CONFLICT_EDIT:
      changed = join_columns (result->changed);
      fields = gp_merge_describe_conflict (result, base, mine, record);
      ok = add_history (ctx, t->table->name, id, row->data, result->merged, "remote", error)
           && write_row (ctx, t, FALSE, result->merged, id, "updated", changed, record, error)
           && save_conflict (ctx, t->table->name, id, GP_CONFLICT_EDIT, fields, error);
      state->n_conflicts++;
      break;

    case GP_CONFLICT_LOCAL_DELETE:
      fields = gp_merge_describe_conflict (result, base, NULL, record);
      ok = write_row (ctx, t, FALSE, row->data, id, "deleted", row->changed, record, error)
           && save_conflict (ctx, t->table->name, id, GP_CONFLICT_LOCAL_DELETE, fields, error)
           && flag_deleted_ancestor (state, t->table, record, error);
      state->n_conflicts++;
      break;

    case GP_CONFLICT_REMOTE_DELETE:
    case GP_CONFLICT_DUPLICATE_NUMBER:
    case GP_CONFLICT_DOUBLE_BILLED:
    default:
      g_assert_not_reached ();
    }

  open_conflict_clear (&open);
  return ok;
}

static gboolean
apply_remote_delete (PullState   *state,
                     TableCtx    *t,
                     const char  *id,
                     GError     **error)
{
  Ctx *ctx = &state->ctx;
  g_autoptr(Row) row = NULL;
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(GpMergeResult) result = NULL;
  g_autoptr(JsonObject) fields = NULL;
  OpenConflict open;
  gboolean dirty_below = FALSE;
  gboolean ok;
  g_autofree char *stash_key = g_strconcat (META_ORPHAN_PREFIX, t->table->name, ":", id, NULL);

  if (!meta_set (ctx->db, stash_key, NULL, error))
    return FALSE;

  row = read_row (ctx, t, id, error);
  if (row == NULL)
    return error == NULL || *error == NULL;

  if (g_str_equal (row->status, "deleted"))
    return purge_with_descendants (ctx, t->table, id, NULL, error);

  if (!find_open_conflict (ctx, t->table->name, id, &open, error))
    return FALSE;

  base = effective_base (row, &open);
  if (base == NULL && row->base == NULL
      && (!read_sent_base (ctx, t->table->name, id, &base, error)
          || !forget_sent (ctx->db, t->table->name, id, error)))
    {
      open_conflict_clear (&open);
      return FALSE;
    }
  if (g_str_equal (row->status, "synced") && open.id == 0)
    result = gp_merge_records (row->data, row->data, NULL);
  else
    result = gp_merge_records (base, row->data, NULL);
  open_conflict_clear (&open);

  if (result->kind == GP_CONFLICT_NONE)
    {
      /* A row whose children were edited here stays, or the children would dangle. */
      if (!foreach_descendant (ctx, t->table, id, note_dirty_cb, &dirty_below, error))
        return FALSE;
      if (!dirty_below)
        return purge_with_descendants (ctx, t->table, id, "remote", error);
      fields = json_object_new ();
    }
  else
    fields = gp_merge_describe_conflict (result, base, row->data, NULL);

  ok = save_conflict (ctx, t->table->name, id, GP_CONFLICT_REMOTE_DELETE, fields, error);
  state->n_conflicts++;
  return ok;
}

typedef struct
{
  char *id;
  gboolean synced;
} NumberHolder;

static void
number_holder_free (NumberHolder *holder)
{
  g_free (holder->id);
  g_free (holder);
}

static gboolean
flag_duplicate (PullState    *state,
                const char   *number,
                NumberHolder *pulled,
                NumberHolder *other,
                GError      **error)
{
  Ctx *ctx = &state->ctx;
  NumberHolder *flagged;
  NumberHolder *kept;
  OpenConflict open;
  g_autoptr(JsonObject) fields = NULL;
  JsonObject *field;

  /* The invoice that has not reached the server yet is the one to renumber; if both have
   * (or neither has), the larger id, so every device flags the same invoice. */
  if (pulled->synced != other->synced)
    flagged = pulled->synced ? other : pulled;
  else
    flagged = strcmp (pulled->id, other->id) > 0 ? pulled : other;
  kept = flagged == pulled ? other : pulled;

  if (!find_open_conflict (ctx, "invoices", flagged->id, &open, error))
    return FALSE;
  if (open.id != 0)
    {
      open_conflict_clear (&open);
      return TRUE;
    }

  fields = json_object_new ();
  field = json_object_new ();
  json_object_set_null_member (field, "base");
  json_object_set_string_member (field, "mine", number);
  json_object_set_string_member (field, "theirs", number);
  json_object_set_string_member (field, "other_id", kept->id);
  json_object_set_object_member (fields, "number", field);
  state->n_conflicts++;
  return save_conflict (ctx, "invoices", flagged->id, GP_CONFLICT_DUPLICATE_NUMBER, fields, error);
}

/* Finds pulled invoices whose number another live local invoice carries. One scan of the
 * invoices per page (there is no index on the number), not one per invoice; only the
 * invoices that share a number with a pulled one come out of it. */
static gboolean
check_duplicate_numbers (PullState  *state,
                         GError    **error)
{
  Ctx *ctx = &state->ctx;
  g_autoptr(GHashTable) pulled = NULL;
  g_autoptr(GHashTable) by_number = NULL;
  g_autoptr(GString) ids_json = NULL;
  GHashTableIter iter;
  gpointer key, value;
  sqlite3_stmt *stmt;
  int rc;

  if (state->invoice_ids->len == 0)
    return TRUE;

  pulled = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < state->invoice_ids->len; i++)
    g_hash_table_add (pulled, g_ptr_array_index (state->invoice_ids, i));

  ids_json = g_string_new ("[");
  for (guint i = 0; i < state->invoice_ids->len; i++)
    {
      if (i > 0)
        g_string_append_c (ids_json, ',');
      append_json_string (ids_json, g_ptr_array_index (state->invoice_ids, i));
    }
  g_string_append_c (ids_json, ']');

  by_number = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  /* NOT INDEXED: a plain scan of the table; walking the id index would add a lookup per row. */
  stmt = prepare (ctx->db, "SELECT id, trim(number), _status FROM invoices NOT INDEXED WHERE _status != 'deleted' "
                           "AND number IS NOT NULL AND trim(number) != '' AND trim(number) IN "
                           "(SELECT trim(number) FROM invoices WHERE id IN (SELECT value FROM json_each (?1))) "
                           "ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, ids_json->str, ids_json->len, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *number = (const char *)sqlite3_column_text (stmt, 1);
      GPtrArray *holders = g_hash_table_lookup (by_number, number);
      NumberHolder *holder = g_new0 (NumberHolder, 1);

      holder->id = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      holder->synced = g_str_equal ((const char *)sqlite3_column_text (stmt, 2), "synced");
      if (holders == NULL)
        {
          holders = g_ptr_array_new_with_free_func ((GDestroyNotify)number_holder_free);
          g_hash_table_insert (by_number, g_strdup (number), holders);
        }
      g_ptr_array_add (holders, holder);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, ctx->db, rc, "invoice numbers");
      return FALSE;
    }

  g_hash_table_iter_init (&iter, by_number);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *holders = value;

      if (holders->len < 2)
        continue;
      for (guint i = 0; i < holders->len; i++)
        {
          NumberHolder *holder = g_ptr_array_index (holders, i);
          NumberHolder *other = g_ptr_array_index (holders, i == 0 ? 1 : 0);

          if (g_hash_table_contains (pulled, holder->id)
              && !flag_duplicate (state, key, holder, other, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
stash_orphan (PullState   *state,
              TableCtx    *t,
              const char  *id,
              JsonObject  *canonical,
              GError     **error)
{
  g_autofree char *key = g_strconcat (META_ORPHAN_PREFIX, t->table->name, ":", id, NULL);
  g_autofree char *text = object_to_string (canonical);

  if (!meta_set (state->ctx.db, key, text, error))
    return FALSE;
  g_hash_table_add (state->stashed, g_steal_pointer (&key));
  return TRUE;
}

/* A pulled record supersedes the copy of it that waits for its parent: that copy came with an
 * earlier page (its parent changed while those pages were read), and the record may have
 * changed on the server since. Applied after this newer version (retry_orphans() runs at the
 * end of the page), the stale copy would put the old values back, with a base that keeps every
 * later pull from correcting them. The newer version is applied or stashed in its place. */
static gboolean
drop_stashed_copy (PullState   *state,
                   TableCtx    *t,
                   const char  *id,
                   GError     **error)
{
  g_autofree char *key = NULL;

  if (g_hash_table_size (state->stashed) == 0)
    return TRUE;
  key = g_strconcat (META_ORPHAN_PREFIX, t->table->name, ":", id, NULL);
  if (!g_hash_table_remove (state->stashed, key))
    return TRUE;
  return meta_set (state->ctx.db, key, NULL, error);
}

/* The keys of the children waiting for a parent, usually none. */
static GHashTable *
read_stashed (sqlite3  *db,
              GError  **error)
{
  g_autoptr(GHashTable) stashed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = prepare (db, "SELECT key FROM sync_meta WHERE key LIKE 'orphan:%'", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (stashed, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, db, rc, "read stashed records");
      return NULL;
    }
  return g_steal_pointer (&stashed);
}

static gboolean
apply_or_stash (PullState   *state,
                TableCtx    *t,
                JsonObject  *record,
                GError     **error)
{
  Ctx *ctx = &state->ctx;
  const char *id = json_object_get_string_member (record, "id");

  /* A child whose parent has not arrived yet (a later page, or a server that orders
   * tables differently) waits in sync_meta: the foreign keys must hold at every commit. */
  if (!parents_present (ctx, t->table, record))
    return stash_orphan (state, t, id, record, error);

  if (!apply_remote_record (state, t, record, error))
    return FALSE;
  if (g_str_equal (t->table->name, "invoices"))
    g_ptr_array_add (state->invoice_ids, g_strdup (id));
  return TRUE;
}

/* Records this device does not have yet ---------------------------------------------------- */

/* In a first sync every pulled record is new. Into a table that holds only synced rows and
 * no open conflict when the page comes (table_is_clean()), records are written INSERT_BATCH
 * at a time by one multi-row INSERT … ON CONFLICT (id) DO NOTHING RETURNING id, without
 * reading the row first; a record that turns out to exist goes through the three-way merge
 * (apply_remote_record) as before. A table with local changes or conflicts takes the
 * record-by-record path, so no local write is ever in the way of a batch. One statement per batch also matters for the tables
 * with full-text triggers: FTS5 writes its pending terms out at the end of each statement,
 * so a statement per row costs an index segment per row. */
#define INSERT_BATCH 200

typedef struct
{
  const char *id;        /* borrowed from the parsed page */
  JsonObject *record;    /* borrowed: the record as pulled */
} Pending;

/* The text of canonical_record (@table, @id, @record), written directly: the _base of a
 * new row, without building the canonical object first. Same members, same values. */
static char *
canonical_text (const GpTable *table,
                const char    *id,
                JsonObject    *record)
{
  GString *out = g_string_sized_new (256);

  g_string_append (out, "{\"id\":");
  append_json_string (out, id);
  for (guint i = 0; i < table->n_columns; i++)
    {
      const GpColumn *column = &table->columns[i];
      JsonNode *value = json_object_get_member (record, column->name);
      GType type = value != NULL && JSON_NODE_HOLDS_VALUE (value) ? json_node_get_value_type (value) : G_TYPE_INVALID;

      g_string_append_c (out, ',');
      append_json_string (out, column->name);
      g_string_append_c (out, ':');
      if (type == G_TYPE_INVALID)
        g_string_append (out, "null");
      else if (column->type == GP_COLUMN_INTEGER)
        {
          gint64 n = 0;
          gboolean ok = TRUE;

          if (type == G_TYPE_INT64)
            n = json_node_get_int (value);
          else if (type == G_TYPE_DOUBLE)
            ok = double_to_int64 (json_node_get_double (value), &n);
          else if (type == G_TYPE_BOOLEAN)
            n = json_node_get_boolean (value);
          else if (type == G_TYPE_STRING)
            ok = g_ascii_string_to_signed (json_node_get_string (value), 10, G_MININT64, G_MAXINT64, &n, NULL);
          else
            ok = FALSE;
          if (ok)
            g_string_append_printf (out, "%" G_GINT64_FORMAT, n);
          else
            g_string_append (out, "null");
        }
      else if (type == G_TYPE_STRING)
        append_json_string (out, json_node_get_string (value));
      else
        {
          g_autofree char *text = node_to_string (value);

          append_json_string (out, text);
        }
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

/* Whether @record can take the batched path: its references are plain strings (or absent),
 * so checking the parents on the record as pulled is the same as on its canonical form. */
static gboolean
batchable (const GpTable *table,
           JsonObject    *record)
{
  for (guint i = 0; i < table->n_columns; i++)
    {
      const GpColumn *column = &table->columns[i];
      JsonNode *value;

      if (column->references == NULL)
        continue;
      /* A table that points at itself would need its pending rows written first. */
      if (g_str_equal (column->references, table->name))
        return FALSE;
      value = json_object_get_member (record, column->name);
      if (value != NULL && !JSON_NODE_HOLDS_NULL (value)
          && (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING))
        return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare_insert_batch (Ctx            *ctx,
                      const GpTable  *table,
                      guint           n_rows,
                      GError        **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GString) row = g_string_new ("(?");

  g_string_append_printf (sql, "INSERT INTO \"%s\" (id", table->name);
  for (guint i = 0; i < table->n_columns; i++)
    {
      g_string_append_printf (sql, ", \"%s\"", table->columns[i].name);
      g_string_append (row, ", ?");
    }
  g_string_append (sql, ", _status, _changed, _base, _rev) VALUES ");
  g_string_append (row, ", 'synced', '', ?, 0)");
  for (guint r = 0; r < n_rows; r++)
    {
      if (r > 0)
        g_string_append_c (sql, ',');
      g_string_append_len (sql, row->str, row->len);
    }
  g_string_append (sql, " ON CONFLICT (id) DO NOTHING RETURNING id");
  return prepare (ctx->db, sql->str, error);
}

/* Prepares the statements that index a batch of @t's new rows; *@indexed tells whether
 * @t is in the full-text index at all. */
static gboolean
prepare_index_batch (Ctx       *ctx,
                     TableCtx  *t,
                     gboolean  *indexed,
                     GError   **error)
{
  const char *kind;
  const char *text = _gp_store_index_text (t->table->name, &kind);
  g_autofree char *docs = NULL;
  g_autofree char *clear = NULL;
  g_autofree char *insert = NULL;

  *indexed = text != NULL;
  if (text == NULL || t->index_insert != NULL)
    return TRUE;

  /* What the insert trigger does per row, for the whole batch (?1: a JSON array of ids). */
  docs = g_strdup_printf ("INSERT OR IGNORE INTO estimate_docs (kind, ref_id) "
                          "SELECT '%s', value FROM json_each (?1)", kind);
  /* CROSS JOIN keeps the batch's ids first: otherwise SQLite walks every document of the
   * kind for each batch, and a first sync grows quadratic. */
  clear = g_strdup_printf ("DELETE FROM estimate_index WHERE rowid IN (SELECT d.docid FROM json_each (?1) j "
                           "CROSS JOIN estimate_docs d ON d.kind = '%s' AND d.ref_id = j.value)", kind);
  insert = g_strdup_printf ("INSERT INTO estimate_index (rowid, text) SELECT d.docid, %s "
                            "FROM json_each (?1) j CROSS JOIN \"%s\" t ON t.id = j.value "
                            "CROSS JOIN estimate_docs d ON d.kind = '%s' AND d.ref_id = t.id "
                            "WHERE t._status != 'deleted' AND %s IS NOT NULL",
                            text, t->table->name, kind, text);
  if ((t->index_docs = prepare (ctx->db, docs, error)) == NULL
      || (t->index_clear = prepare (ctx->db, clear, error)) == NULL
      || (t->index_insert = prepare (ctx->db, insert, error)) == NULL)
    {
      g_clear_pointer (&t->index_docs, sqlite3_finalize);
      g_clear_pointer (&t->index_clear, sqlite3_finalize);
      return FALSE;
    }
  return TRUE;
}

/* Puts the rows @ids (the batch just inserted while the insert trigger stood aside) into
 * the full-text index, as the trigger would have. */
static gboolean
index_batch (Ctx         *ctx,
             TableCtx    *t,
             GHashTable  *ids,
             GError     **error)
{
  g_autoptr(GString) json = g_string_sized_new (20 * g_hash_table_size (ids) + 2);
  sqlite3_stmt *steps[] = { t->index_docs, t->index_clear, t->index_insert };
  GHashTableIter iter;
  gpointer id;

  g_string_append_c (json, '[');
  g_hash_table_iter_init (&iter, ids);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      if (json->len > 1)
        g_string_append_c (json, ',');
      append_json_string (json, id);
    }
  g_string_append_c (json, ']');

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      gboolean ok;

      sqlite3_bind_text (steps[i], 1, json->str, json->len, SQLITE_STATIC);
      ok = step_done (ctx->db, steps[i], error);
      sqlite3_clear_bindings (steps[i]);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* Whether the parent table of @table holds any tombstone (the _status index answers). */
static gboolean
has_tombstones (Ctx           *ctx,
                const GpTable *table)
{
  const GpColumn *ref;
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  gboolean found;

  if (table->parent_column == NULL)
    return FALSE;
  ref = gp_schema_lookup_column (table, table->parent_column);
  sql = g_strdup_printf ("SELECT 1 FROM \"%s\" WHERE _status = 'deleted' LIMIT 1", ref->references);
  stmt = prepare (ctx->db, sql, NULL);
  if (stmt == NULL)
    return TRUE;
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

static gboolean
flush_pending (PullState  *state,
               TableCtx   *t,
               GArray     *pending,
               GError    **error)
{
  Ctx *ctx = &state->ctx;
  const GpTable *table = t->table;
  gboolean is_invoices = g_str_equal (table->name, "invoices");
  g_autoptr(GHashTable) inserted = NULL;
  g_autoptr(GPtrArray) bases = NULL;
  sqlite3_stmt *stmt;
  gboolean owned = FALSE;
  gboolean flag;
  gboolean indexed;
  int index = 1;
  int rc;

  if (pending->len == 0)
    return TRUE;
  if (!prepare_index_batch (ctx, t, &indexed, error))
    return FALSE;

  if (pending->len == INSERT_BATCH)
    {
      if (t->insert_batch == NULL)
        t->insert_batch = prepare_insert_batch (ctx, table, INSERT_BATCH, error);
      stmt = t->insert_batch;
    }
  else
    {
      stmt = prepare_insert_batch (ctx, table, pending->len, error);
      owned = TRUE;
    }
  if (stmt == NULL)
    return FALSE;

  bases = g_ptr_array_new_full (pending->len, g_free);
  for (guint i = 0; i < pending->len; i++)
    {
      Pending *p = &g_array_index (pending, Pending, i);
      char *base = canonical_text (table, p->id, p->record);

      g_ptr_array_add (bases, base);
      sqlite3_bind_text (stmt, index++, p->id, -1, SQLITE_STATIC);
      for (guint c = 0; c < table->n_columns; c++)
        bind_column_value (stmt, index++, &table->columns[c],
                           json_object_get_member (p->record, table->columns[c].name));
      sqlite3_bind_text (stmt, index++, base, -1, SQLITE_STATIC);
    }

  /* The insert trigger of the full-text index stands aside for this one statement; the
   * rows it inserts are indexed right after, before anything else can touch them. */
  if (indexed && !step_done (ctx->db, ctx->index_batch_on, error))
    {
      if (owned)
        sqlite3_finalize (stmt);
      return FALSE;
    }
  inserted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (inserted, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    _gp_store_set_sqlite_error (error, ctx->db, rc, "insert pulled records");
  if (owned)
    sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return FALSE;
  if (indexed
      && (!step_done (ctx->db, ctx->index_batch_off, error)
          || (g_hash_table_size (inserted) > 0 && !index_batch (ctx, t, inserted, error))))
    return FALSE;

  /* In pull order: the new rows are announced; a record whose row exists (also the second
   * copy of an id pulled twice) is merged. A new row below a record deleted here puts that
   * deletion in dispute (flag_deleted_ancestor()); that needs a look only when the parent
   * table holds tombstones at all. */
  flag = has_tombstones (ctx, table);
  for (guint i = 0; i < pending->len; i++)
    {
      Pending *p = &g_array_index (pending, Pending, i);

      if (g_hash_table_remove (inserted, p->id))
        {
          _gp_store_txn_changed (ctx->txn, table->name, p->id);
          if (flag && !flag_deleted_ancestor (state, table, p->record, error))
            return FALSE;
        }
      else
        {
          g_autoptr(JsonObject) canonical = canonical_record (table, p->id, p->record);

          if (!apply_remote_record (state, t, canonical, error))
            return FALSE;
        }
      if (is_invoices)
        g_ptr_array_add (state->invoice_ids, g_strdup (p->id));
    }
  g_array_set_size (pending, 0);
  return TRUE;
}

/* Whether @t holds only synced rows (no local creation, edit or tombstone) and no open
 * conflict: then nothing local is in the way of a pulled record, which is the only case the
 * batched path takes. The rows of earlier pages of a first sync are such rows. */
static gboolean
table_is_clean (Ctx      *ctx,
                TableCtx *t)
{
  g_autofree char *sql = g_strdup_printf ("SELECT EXISTS (SELECT 1 FROM \"%s\" WHERE _status IN "
                                          "('created', 'updated', 'deleted')) OR EXISTS (SELECT 1 FROM "
                                          "conflicts WHERE table_name = ?1 AND resolved_at IS NULL)",
                                          t->table->name);
  sqlite3_stmt *stmt = prepare (ctx->db, sql, NULL);
  gboolean clean;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, t->table->name, -1, SQLITE_STATIC);
  clean = sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int (stmt, 0) == 0;
  sqlite3_finalize (stmt);
  return clean;
}

/* Applies one pulled record: batched when it can be, else through apply_or_stash. */
static gboolean
apply_pulled (PullState   *state,
              TableCtx    *t,
              GArray      *pending,
              const char  *id,
              JsonObject  *record,
              GError     **error)
{
  Ctx *ctx = &state->ctx;

  if (!drop_stashed_copy (state, t, id, error))
    return FALSE;

  if (!state->batching || !batchable (t->table, record))
    {
      g_autoptr(JsonObject) canonical = canonical_record (t->table, id, record);

      /* Keep the pull order: what is pending goes first. */
      return flush_pending (state, t, pending, error)
             && apply_or_stash (state, t, canonical, error);
    }

  if (!parents_present (ctx, t->table, record))
    {
      g_autoptr(JsonObject) canonical = canonical_record (t->table, id, record);

      return stash_orphan (state, t, id, canonical, error);
    }

  g_array_append_val (pending, ((Pending) { id, record }));
  if (pending->len == INSERT_BATCH)
    return flush_pending (state, t, pending, error);
  return TRUE;
}

/* Applies the stashed children whose parents are here now. After a paged pull a child stays
 * stashed until its parent comes: a parent changed while the pages were read falls out of
 * that pull's snapshot and arrives with the next pull, after its children were delivered
 * (and only then, since the children are older than the next last_pulled_at). A stashed
 * child goes when the server reports it (or, by the server's cascade, it) deleted, or when
 * a one-page pull, a consistent snapshot, still lacks its parent. */
static gboolean
retry_orphans (PullState   *state,
               GError     **error)
{
  Ctx *ctx = &state->ctx;
  gboolean progress = TRUE;

  while (progress)
    {
      g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
      sqlite3_stmt *stmt = prepare (ctx->db, "SELECT key, value FROM sync_meta WHERE key LIKE 'orphan:%'", error);

      if (stmt == NULL)
        return FALSE;
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_ptr_array_add (keys, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
          g_ptr_array_add (values, g_strdup ((const char *)sqlite3_column_text (stmt, 1)));
        }
      sqlite3_finalize (stmt);

      progress = FALSE;
      for (guint i = 0; i < keys->len; i++)
        {
          const char *key = g_ptr_array_index (keys, i);
          g_auto(GStrv) parts = g_strsplit (key, ":", 3);
          g_autoptr(JsonObject) record = object_from_string (g_ptr_array_index (values, i));
          TableCtx *t = g_strv_length (parts) == 3 ? ctx_lookup (ctx, parts[1]) : NULL;

          if (t == NULL || record == NULL)
            {
              if (!meta_set (ctx->db, key, NULL, error))
                return FALSE;
              continue;
            }
          if (!parents_present (ctx, t->table, record))
            continue;
          if (!meta_set (ctx->db, key, NULL, error) || !apply_or_stash (state, t, record, error))
            return FALSE;
          progress = TRUE;
        }
    }
  return TRUE;
}

static gboolean
array_member (JsonObject  *object,
              const char  *name,
              JsonArray  **out)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  *out = json_node_get_array (node);
  return TRUE;
}

static gboolean
apply_pull_func (GpStoreTxn  *txn,
                 gpointer     user_data,
                 GError     **error)
{
  PullData *data = user_data;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GpPullOutcome) outcome = g_new0 (GpPullOutcome, 1);
  PullState state = { 0 };
  g_autoptr(GArray) pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  JsonNode *root;
  JsonObject *top;
  JsonObject *changes;
  JsonNode *node;
  gsize size;
  const char *bytes = g_bytes_get_data (data->page, &size);
  gboolean ok = FALSE;

  if (!json_parser_load_from_data (parser, bytes ? bytes : "", size, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto invalid;
  top = json_node_get_object (root);
  node = json_object_get_member (top, "timestamp");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || json_node_get_int (node) <= 0)
    goto invalid;
  outcome->timestamp = json_node_get_int (node);
  node = json_object_get_member (top, "changes");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    goto invalid;
  changes = json_node_get_object (node);
  node = json_object_get_member (top, "next_cursor");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
      && *json_node_get_string (node) != '\0')
    outcome->next_cursor = g_strdup (json_node_get_string (node));
  outcome->n_total = MAX (0, json_object_get_int_member_with_default (top, "total", 0));

  if (!ctx_init (&state.ctx, txn, error))
    return FALSE;
  state.invoice_ids = g_ptr_array_new_with_free_func (g_free);
  state.stashed = read_stashed (state.ctx.db, error);
  if (state.stashed == NULL)
    goto out;

  /* Creates and updates parents first, deletes children first. */
  for (guint i = 0; i < state.ctx.n_tables; i++)
    {
      TableCtx *t = &state.ctx.tables[i];
      JsonNode *tnode = json_object_get_member (changes, t->table->name);
      JsonObject *tchanges;
      const char *lists[] = { "created", "updated" };

      if (tnode == NULL)
        continue;
      if (!JSON_NODE_HOLDS_OBJECT (tnode))
        goto invalid_ctx;
      tchanges = json_node_get_object (tnode);
      g_array_set_size (pending, 0);
      state.batching = table_is_clean (&state.ctx, t);

      for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
        {
          JsonArray *array;

          if (!array_member (tchanges, lists[l], &array))
            goto invalid_ctx;
          for (guint k = 0; array != NULL && k < json_array_get_length (array); k++)
            {
              JsonNode *element = json_array_get_element (array, k);
              JsonObject *record = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
              const char *id = record ? json_object_get_string_member_with_default (record, "id", NULL) : NULL;

              outcome->n_records++;
              if (!gp_schema_is_valid_id (id))
                {
                  g_debug ("Skipping a pulled %s record without a valid id", t->table->name);
                  continue;
                }
              if (!apply_pulled (&state, t, pending, id, record, error))
                goto out;
            }
        }
      if (!flush_pending (&state, t, pending, error))
        goto out;
    }

  for (guint i = state.ctx.n_tables; i-- > 0;)
    {
      TableCtx *t = &state.ctx.tables[i];
      JsonNode *tnode = json_object_get_member (changes, t->table->name);
      JsonArray *array;
      JsonObject *tchanges;

      if (tnode == NULL || !JSON_NODE_HOLDS_OBJECT (tnode))
        continue;
      tchanges = json_node_get_object (tnode);
      if (!array_member (tchanges, "deleted", &array))
        goto invalid_ctx;
      for (guint k = 0; array != NULL && k < json_array_get_length (array); k++)
        {
          JsonNode *element = json_array_get_element (array, k);
          const char *id = JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING
                           ? json_node_get_string (element) : NULL;

          outcome->n_records++;
          if (!gp_schema_is_valid_id (id))
            continue;
          if (!apply_remote_delete (&state, t, id, error))
            goto out;
        }
    }

  if (!retry_orphans (&state, error))
    goto out;

  /* A pull answered in one page is one consistent snapshot of the server: a stashed child
   * whose parent is still missing after it has none there (a malformed record), and goes.
   * After the pages of a paged pull it waits on (see retry_orphans()). */
  if (outcome->next_cursor == NULL)
    {
      g_autofree char *cursor = NULL;

      if (!meta_get (state.ctx.db, META_CURSOR, &cursor, error))
        goto out;
      if (cursor == NULL
          && !_gp_store_txn_exec (txn, "DELETE FROM sync_meta WHERE key LIKE 'orphan:%'", error))
        goto out;
    }

  if (!check_duplicate_numbers (&state, error))
    goto out;

  /* The cursor (or the new last_pulled_at) commits with the page it belongs to. */
  if (outcome->next_cursor != NULL)
    ok = meta_set (state.ctx.db, META_CURSOR, outcome->next_cursor, error)
         && meta_set_int (state.ctx.db, META_CURSOR_LPA, data->last_pulled_at, error);
  else
    ok = meta_set (state.ctx.db, META_CURSOR, NULL, error)
         && meta_set (state.ctx.db, META_CURSOR_LPA, NULL, error)
         && meta_set_int (state.ctx.db, META_LAST_PULLED_AT, outcome->timestamp, error);
  if (ok)
    {
      outcome->n_conflicts = state.n_conflicts;
      _gp_store_txn_set_result (txn, g_steal_pointer (&outcome), (GDestroyNotify)gp_pull_outcome_free);
    }
  goto out;

invalid_ctx:
  g_set_error (error, GP_SYNC_ERROR, GP_SYNC_ERROR_PROTOCOL,
               _("The server sent changes GigPilot does not understand."));
out:
  ctx_clear (&state.ctx);
  g_clear_pointer (&state.invoice_ids, g_ptr_array_unref);
  g_clear_pointer (&state.stashed, g_hash_table_unref);
  return ok;

invalid:
  g_set_error (error, GP_SYNC_ERROR, GP_SYNC_ERROR_PROTOCOL,
               _("The server sent changes GigPilot does not understand."));
  return FALSE;
}

/* Collecting a push -------------------------------------------------------------------------- */

typedef struct
{
  guint limit;
} CollectData;

/* Whether the parent of @alias (a row of @table) is held back, as SQL: a parent whose
 * deletion is in dispute (the server may no longer have it), an invoice held back for billing
 * time twice, a parent the server has never seen that waits for a decision (a duplicate
 * number), or a parent held back for one of those reasons further up. A row below such a parent would reach the server without it: an
 * orphan that other devices drop, and that stays on the server for good. */
static void append_parent_held (GString       *where,
                                const GpTable *table,
                                const char    *alias,
                                guint          depth);

/* Whether the row that @column of @alias (a row of @table) points at is held back, as SQL (see
 * append_parent_held() for the reasons). */
static void
append_ref_held (GString        *where,
                 const GpTable  *table,
                 const GpColumn *column,
                 const char     *alias,
                 guint           depth)
{
  const GpTable *target = gp_schema_lookup_table (column->references);
  g_autofree char *palias = g_strdup_printf ("p%u", depth);

  g_string_append_printf (where,
                          "EXISTS (SELECT 1 FROM \"%s\" %s WHERE %s.id = %s.\"%s\" AND ("
                          "EXISTS (SELECT 1 FROM conflicts c%u WHERE c%u.table_name = '%s' "
                          "AND c%u.record_id = %s.id AND c%u.resolved_at IS NULL "
                          "AND (c%u.kind IN ('remote-delete', 'local-delete', 'double-billed') "
                          "OR %s._status = 'created')) OR ",
                          target->name, palias, palias, alias, column->name,
                          depth, depth, target->name, depth, palias, depth, depth, palias);
  append_parent_held (where, target, palias, depth + 1);
  g_string_append (where, "))");
}

/* Whether the parent of @alias (a row of @table) is held back, as SQL: a parent whose
 * deletion is in dispute (the server may no longer have it), an invoice held back for billing
 * time twice, a parent the server has never seen that waits for a decision (a duplicate
 * number), or a parent held back for one of those reasons further up. A row below such a parent would reach the server without it: an
 * orphan that other devices drop, and that stays on the server for good. */
static void
append_parent_held (GString       *where,
                    const GpTable *table,
                    const char    *alias,
                    guint          depth)
{
  if (table->parent_column == NULL || depth > 8)
    {
      g_string_append (where, "0");
      return;
    }
  append_ref_held (where, table, gp_schema_lookup_column (table, table->parent_column), alias, depth);
}

static char *
pushable_where (const GpTable *table)
{
  g_autoptr(GString) where = g_string_new (NULL);

  /* IN (…) rather than != 'synced', so the _status index answers it instead of a scan of
   * the whole table on every sync. */
  g_string_append_printf (where,
                          "t._status IN ('created', 'updated', 'deleted') AND NOT EXISTS (SELECT 1 FROM conflicts c "
                          "WHERE c.table_name = '%s' AND c.record_id = t.id AND c.resolved_at IS NULL)",
                          table->name);
  /* A record below a parent held back waits too (sync-protocol.md: the server may no
   * longer have the parent, or never had it): see append_parent_held(). */
  if (table->parent_column != NULL)
    {
      g_string_append (where, " AND NOT ");
      append_parent_held (where, table, "t", 0);
    }
  /* So does a record pointing elsewhere at a held row, such as time billed into an invoice
   * held back as double-billed: pushed alone, it would reach the other devices pointing at a
   * record they cannot have, and they would drop it. */
  for (guint i = 0; i < table->n_columns; i++)
    {
      const GpColumn *column = &table->columns[i];

      if (column->references == NULL || g_strcmp0 (column->name, table->parent_column) == 0)
        continue;
      g_string_append (where, " AND NOT ");
      append_ref_held (where, table, column, "t", 0);
    }
  return g_string_free (g_steal_pointer (&where), FALSE);
}

/* Remembers the version of a record the server has never acknowledged as it goes out (see
 * read_sent_base()); a second, different version makes the memory useless. */
static gboolean
note_sent (sqlite3    *db,
           PushEntry  *entry,
           GError    **error)
{
  g_autofree char *key = g_strconcat (META_SENT_PREFIX, entry->table->name, ":", entry->id, NULL);
  g_autofree char *stored = NULL;

  if (!meta_get (db, key, &stored, error))
    return FALSE;
  if (stored == NULL)
    return meta_set (db, key, entry->raw, error);
  if (stored[0] != '\0' && strcmp (stored, entry->raw) != 0)
    return meta_set (db, key, "", error);
  return TRUE;
}

static gboolean
collect_func (GpStoreTxn  *txn,
              gpointer     user_data,
              GError     **error)
{
  CollectData *data = user_data;
  sqlite3 *db = _gp_store_txn_get_db (txn);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GpPushBatch) batch = g_new0 (GpPushBatch, 1);
  g_autofree char *checksum = NULL;
  g_autofree char *stored_id = NULL;
  g_autofree char *stored_checksum = NULL;
  const GpTable *tables;
  guint n_tables;
  guint remaining = data->limit;

  batch->entries = g_array_new (FALSE, TRUE, sizeof (PushEntry));
  g_array_set_clear_func (batch->entries, (GDestroyNotify)push_entry_clear);
  tables = gp_schema_get_tables (&n_tables);

  for (guint i = 0; i < n_tables; i++)
    {
      const GpTable *table = &tables[i];
      g_autofree char *where = pushable_where (table);
      g_autoptr(GString) cols = g_string_new ("t.id");
      g_autofree char *sql = NULL;
      g_autoptr(JsonArray) created = json_array_new ();
      g_autoptr(JsonArray) updated = json_array_new ();
      g_autoptr(JsonArray) deleted = json_array_new ();
      JsonObject *tchanges = json_object_new ();
      sqlite3_stmt *stmt;
      int rc;

      for (guint c = 0; c < table->n_columns; c++)
        g_string_append_printf (cols, ", t.\"%s\"", table->columns[c].name);

      sql = g_strdup_printf ("SELECT count(*) FROM \"%s\" t WHERE %s", table->name, where);
      stmt = prepare (db, sql, error);
      if (stmt == NULL)
        {
          json_object_unref (tchanges);
          return FALSE;
        }
      if (sqlite3_step (stmt) == SQLITE_ROW)
        batch->n_pushable += sqlite3_column_int (stmt, 0);
      sqlite3_finalize (stmt);
      g_free (sql);

      sql = g_strdup_printf ("SELECT %s, t._status, t._rev FROM \"%s\" t WHERE %s ORDER BY t.rowid LIMIT %u",
                             cols->str, table->name, where, remaining);
      stmt = prepare (db, sql, error);
      if (stmt == NULL)
        {
          json_object_unref (tchanges);
          return FALSE;
        }
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_autoptr(JsonObject) record = json_object_new ();
          const char *id = (const char *)sqlite3_column_text (stmt, 0);
          const char *status = (const char *)sqlite3_column_text (stmt, table->n_columns + 1);
          PushEntry entry = { 0 };

          json_object_set_string_member (record, "id", id);
          for (guint c = 0; c < table->n_columns; c++)
            set_column_from_stmt (record, &table->columns[c], stmt, c + 1);

          entry.table = table;
          entry.id = g_strdup (id);
          entry.status = g_strdup (status);
          entry.rev = sqlite3_column_int64 (stmt, table->n_columns + 2);
          entry.raw = object_to_string (record);
          g_array_append_val (batch->entries, entry);

          if (g_str_equal (status, "deleted"))
            json_array_add_string_element (deleted, id);
          else if (g_str_equal (status, "created"))
            json_array_add_object_element (created, g_steal_pointer (&record));
          else
            json_array_add_object_element (updated, g_steal_pointer (&record));
          remaining--;
        }
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        {
          json_object_unref (tchanges);
          _gp_store_set_sqlite_error (error, db, rc, "collect");
          return FALSE;
        }

      json_object_set_array_member (tchanges, "created", g_steal_pointer (&created));
      json_object_set_array_member (tchanges, "updated", g_steal_pointer (&updated));
      json_object_set_array_member (tchanges, "deleted", g_steal_pointer (&deleted));
      json_object_set_object_member (body, table->name, tchanges);
    }

  if (batch->entries->len == 0)
    {
      _gp_store_txn_set_result (txn, NULL, NULL);
      return TRUE;
    }

  for (guint i = 0; i < batch->entries->len; i++)
    {
      PushEntry *entry = &g_array_index (batch->entries, PushEntry, i);

      if (g_str_equal (entry->status, "created") && !note_sent (db, entry, error))
        return FALSE;
    }

  {
    g_autofree char *text = object_to_string (body);
    gsize len = strlen (text);

    batch->body = g_bytes_new_take (g_steal_pointer (&text), len);
  }
  checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, batch->body);

  if (!meta_get (db, META_PUSH_ID, &stored_id, error)
      || !meta_get (db, META_PUSH_CHECKSUM, &stored_checksum, error))
    return FALSE;
  if (stored_id != NULL && g_strcmp0 (stored_checksum, checksum) == 0)
    batch->push_id = g_steal_pointer (&stored_id);
  else
    {
      batch->push_id = g_uuid_string_random ();
      if (!meta_set (db, META_PUSH_ID, batch->push_id, error)
          || !meta_set (db, META_PUSH_CHECKSUM, checksum, error))
        return FALSE;
    }

  _gp_store_txn_set_result (txn, g_steal_pointer (&batch), (GDestroyNotify)gp_push_batch_free);
  return TRUE;
}

/* Marking pushed ------------------------------------------------------------------------------ */

/* The statements mark-pushed runs per row, prepared once per table per command. */
typedef struct
{
  sqlite3_stmt *read_state;
  sqlite3_stmt *set_synced;
  sqlite3_stmt *set_base;
} MarkStmts;

static void
mark_stmts_clear (MarkStmts *m)
{
  g_clear_pointer (&m->read_state, sqlite3_finalize);
  g_clear_pointer (&m->set_synced, sqlite3_finalize);
  g_clear_pointer (&m->set_base, sqlite3_finalize);
}

static gboolean
mark_stmts_init (MarkStmts      *m,
                 sqlite3        *db,
                 const GpTable  *table,
                 GError        **error)
{
  g_autofree char *read_state = g_strdup_printf ("SELECT _status, _rev FROM \"%s\" WHERE id = ?1", table->name);
  g_autofree char *set_synced = g_strdup_printf ("UPDATE \"%s\" SET _status = 'synced', _changed = '', _base = ?2 "
                                                 "WHERE id = ?1", table->name);
  /* Edited while the push was in flight: the server has the pushed version (the new base);
   * the newer edit stays to be pushed. */
  g_autofree char *set_base = g_strdup_printf ("UPDATE \"%s\" SET _base = ?2, _status = CASE _status "
                                               "WHEN 'created' THEN 'updated' ELSE _status END WHERE id = ?1",
                                               table->name);

  if ((m->read_state = prepare (db, read_state, error)) == NULL
      || (m->set_synced = prepare (db, set_synced, error)) == NULL
      || (m->set_base = prepare (db, set_base, error)) == NULL)
    {
      mark_stmts_clear (m);
      return FALSE;
    }
  return TRUE;
}

static gboolean
mark_pushed_func (GpStoreTxn  *txn,
                  gpointer     user_data,
                  GError     **error)
{
  GpPushBatch *batch = user_data;
  Ctx ctx = { 0 };
  MarkStmts stmts[G_N_ELEMENTS (ctx.tables)] = { { 0 } };
  gboolean ok = TRUE;

  if (!ctx_init (&ctx, txn, error))
    return FALSE;

  for (guint i = 0; ok && i < batch->entries->len; i++)
    {
      PushEntry *entry = &g_array_index (batch->entries, PushEntry, i);
      TableCtx *t = ctx_lookup (&ctx, entry->table->name);
      MarkStmts *m = &stmts[t - ctx.tables];
      g_autofree char *status = NULL;
      sqlite3_stmt *stmt;
      gint64 rev = 0;
      int rc;

      if (m->read_state == NULL && !mark_stmts_init (m, ctx.db, t->table, error))
        {
          ok = FALSE;
          break;
        }

      sqlite3_bind_text (m->read_state, 1, entry->id, -1, SQLITE_STATIC);
      rc = sqlite3_step (m->read_state);
      if (rc == SQLITE_ROW)
        {
          status = g_strdup ((const char *)sqlite3_column_text (m->read_state, 0));
          rev = sqlite3_column_int64 (m->read_state, 1);
        }
      sqlite3_reset (m->read_state);
      if (ok && !forget_sent (ctx.db, t->table->name, entry->id, error))
        ok = FALSE;
      if (rc != SQLITE_ROW)
        {
          if (rc != SQLITE_DONE)
            {
              _gp_store_set_sqlite_error (error, ctx.db, rc, "read row");
              ok = FALSE;
            }
          continue;
        }

      if (g_str_equal (entry->status, "deleted"))
        {
          if (g_str_equal (status, "deleted"))
            {
              /* Its children went with it on the server (and were tombstones here). */
              ok = purge_with_descendants (&ctx, t->table, entry->id, NULL, error);
            }
          else
            {
              /* Restored (undone) while the delete was on its way: it has to be created again. */
              g_autofree char *sql = g_strdup_printf ("UPDATE \"%s\" SET _status = 'created', _base = NULL, "
                                                      "_changed = '' WHERE id = ?1", t->table->name);

              stmt = prepare (ctx.db, sql, error);
              ok = stmt != NULL;
              if (ok)
                {
                  sqlite3_bind_text (stmt, 1, entry->id, -1, SQLITE_TRANSIENT);
                  ok = step_done (ctx.db, stmt, error);
                  sqlite3_finalize (stmt);
                }
              _gp_store_txn_changed (txn, t->table->name, entry->id);
            }
          continue;
        }

      stmt = rev == entry->rev ? m->set_synced : m->set_base;
      sqlite3_bind_text (stmt, 1, entry->id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, entry->raw, -1, SQLITE_STATIC);
      ok = step_done (ctx.db, stmt, error);
      sqlite3_clear_bindings (stmt);
      _gp_store_txn_changed (txn, t->table->name, entry->id);
    }

  ok = ok && meta_set (ctx.db, META_PUSH_ID, NULL, error) && meta_set (ctx.db, META_PUSH_CHECKSUM, NULL, error);
  for (guint i = 0; i < G_N_ELEMENTS (stmts); i++)
    mark_stmts_clear (&stmts[i]);
  ctx_clear (&ctx);
  return ok;
}

/* Reading meta, listing conflicts ----------------------------------------------------------- */

static gboolean
read_meta_func (GpStoreTxn  *txn,
                gpointer     user_data,
                GError     **error)
{
  sqlite3 *db = _gp_store_txn_get_db (txn);
  g_autoptr(GpSyncMeta) meta = g_new0 (GpSyncMeta, 1);

  meta->last_pulled_at = meta_get_int (db, META_LAST_PULLED_AT);
  meta->cursor_last_pulled_at = meta_get_int (db, META_CURSOR_LPA);
  if (!meta_get (db, META_CURSOR, &meta->cursor, error))
    return FALSE;
  _gp_store_txn_set_result (txn, g_steal_pointer (&meta), (GDestroyNotify)gp_sync_meta_free);
  return TRUE;
}

static gboolean
list_conflicts_func (GpStoreTxn  *txn,
                     gpointer     user_data,
                     GError     **error)
{
  sqlite3 *db = _gp_store_txn_get_db (txn);
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify)gp_conflict_free);
  sqlite3_stmt *stmt = prepare (db, "SELECT table_name, record_id, kind, fields, created_at FROM conflicts "
                                    "WHERE resolved_at IS NULL ORDER BY created_at, id", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      GpConflict *conflict = g_new0 (GpConflict, 1);

      conflict->table = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      conflict->record_id = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
      conflict->kind = gp_conflict_kind_from_string ((const char *)sqlite3_column_text (stmt, 2));
      conflict->fields = object_from_string ((const char *)sqlite3_column_text (stmt, 3));
      if (conflict->fields == NULL)
        conflict->fields = json_object_new ();
      conflict->created_at = sqlite3_column_int64 (stmt, 4);
      g_ptr_array_add (conflicts, conflict);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _gp_store_set_sqlite_error (error, db, rc, "conflicts");
      return FALSE;
    }
  _gp_store_txn_set_result (txn, g_steal_pointer (&conflicts), (GDestroyNotify)g_ptr_array_unref);
  return TRUE;
}

/* Resolving ---------------------------------------------------------------------------------- */

typedef struct
{
  char *table;
  char *id;
  GpResolution resolution;
  JsonObject *choices;
} ResolveData;

static void
resolve_data_free (ResolveData *data)
{
  g_free (data->table);
  g_free (data->id);
  g_clear_pointer (&data->choices, json_object_unref);
  g_free (data);
}

/* A resolution is an ordinary local write: compared with the server version (_base), what
 * differs is to be pushed; a row the server never had is created there. */
static gboolean
write_resolved (Ctx         *ctx,
                TableCtx    *t,
                Row         *row,
                JsonObject  *resolved,
                GError     **error)
{
  g_autoptr(GPtrArray) diff = gp_merge_diff (row->base, resolved);
  g_autofree char *changed = join_columns (diff);
  const char *status;

  if (row->base == NULL)
    status = "created";
  else
    status = diff->len > 0 ? "updated" : "synced";

  return add_history (ctx, t->table->name, row->data ? json_object_get_string_member (row->data, "id") : "",
                      row->data, resolved, "local", error)
         && write_row (ctx, t, FALSE, resolved, json_object_get_string_member (row->data, "id"),
                       status, row->base == NULL ? "" : changed, row->base, error)
         && bump_rev (ctx, t, json_object_get_string_member (row->data, "id"), error);
}

/* The id a record brought back after a remote delete gets: derived from its old id, so
 * that devices which each restore the same record bring back one record, not one each
 * (their values then merge like any two edits). */
static char *
restored_id (const char *old_id)
{
  g_autofree char *seed = g_strconcat ("gigpilot-restored:", old_id, NULL);
  g_autofree char *hex = g_compute_checksum_for_string (G_CHECKSUM_SHA256, seed, -1);

  return g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* The live rows of the subtree of (@table, @id), parents before children. */
static gboolean
collect_subtree (Ctx            *ctx,
                 const GpTable  *table,
                 const char     *id,
                 GPtrArray      *tables,
                 GPtrArray      *ids,
                 GHashTable     *keys,
                 GError        **error)
{
  TableCtx *t = ctx_lookup (ctx, table->name);
  g_autoptr(Row) row = read_row (ctx, t, id, error);

  if (row == NULL)
    return error == NULL || *error == NULL;
  if (g_str_equal (row->status, "deleted"))
    return TRUE;

  g_ptr_array_add (tables, (gpointer)table);
  g_ptr_array_add (ids, g_strdup (id));
  g_hash_table_add (keys, g_strconcat (table->name, "/", id, NULL));

  for (guint i = 0; i < ctx->n_tables; i++)
    {
      const GpTable *child = ctx->tables[i].table;
      const GpColumn *ref;
      g_autofree char *sql = NULL;
      g_autoptr(GPtrArray) child_ids = g_ptr_array_new_with_free_func (g_free);
      sqlite3_stmt *stmt;

      if (child->parent_column == NULL)
        continue;
      ref = gp_schema_lookup_column (child, child->parent_column);
      if (ref == NULL || g_strcmp0 (ref->references, table->name) != 0)
        continue;
      sql = g_strdup_printf ("SELECT id FROM \"%s\" WHERE \"%s\" = ?1", child->name, child->parent_column);
      stmt = prepare (ctx->db, sql, error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_ptr_array_add (child_ids, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
      sqlite3_finalize (stmt);
      for (guint j = 0; j < child_ids->len; j++)
        if (!collect_subtree (ctx, child, g_ptr_array_index (child_ids, j), tables, ids, keys, error))
          return FALSE;
    }
  return TRUE;
}

/* Whether (@table, @id) is here and not deleted. */
static gboolean
row_live (Ctx        *ctx,
          const char *table,
          const char *id)
{
  TableCtx *t = ctx_lookup (ctx, table);
  g_autoptr(Row) row = t != NULL ? read_row (ctx, t, id, NULL) : NULL;

  return row != NULL && !g_str_equal (row->status, "deleted");
}

/* Points every live row outside the restored subtree (@keys) that references one of its
 * moved records (@ids of @tables, to @targets; @kept ones stay) at the record's new id, as a
 * local edit that is pushed like any other. Rows that point at a moved record through
 * their parent column are in the subtree already; the other references (a time entry's
 * client, the invoice its time is billed to) are indexed. */
static gboolean
follow_restored (Ctx         *ctx,
                 GPtrArray   *tables,
                 GPtrArray   *ids,
                 GHashTable  *keys,
                 GHashTable  *targets,
                 GHashTable  *kept,
                 GError     **error)
{
  for (guint n = 0; n < ctx->n_tables; n++)
    {
      TableCtx *t = &ctx->tables[n];

      for (guint c = 0; c < t->table->n_columns; c++)
        {
          const GpColumn *column = &t->table->columns[c];
          g_autofree char *sql = NULL;
          sqlite3_stmt *stmt = NULL;

          if (column->references == NULL || g_strcmp0 (column->name, t->table->parent_column) == 0)
            continue;

          for (guint i = 0; i < ids->len; i++)
            {
              const GpTable *moved = g_ptr_array_index (tables, i);
              const char *old_id = g_ptr_array_index (ids, i);
              g_autofree char *key = NULL;
              g_autoptr(GPtrArray) referrers = NULL;
              const char *new_id;

              if (g_strcmp0 (column->references, moved->name) != 0)
                continue;
              key = g_strconcat (moved->name, "/", old_id, NULL);
              new_id = g_hash_table_lookup (targets, key);
              if (g_hash_table_contains (kept, key) || new_id == NULL || g_str_equal (new_id, old_id))
                continue;

              if (stmt == NULL)
                {
                  sql = g_strdup_printf ("SELECT id FROM \"%s\" WHERE \"%s\" = ?1 AND _status != 'deleted'",
                                         t->table->name, column->name);
                  if ((stmt = prepare (ctx->db, sql, error)) == NULL)
                    return FALSE;
                }
              referrers = g_ptr_array_new_with_free_func (g_free);
              sqlite3_bind_text (stmt, 1, old_id, -1, SQLITE_TRANSIENT);
              while (sqlite3_step (stmt) == SQLITE_ROW)
                g_ptr_array_add (referrers, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
              sqlite3_reset (stmt);

              for (guint r = 0; r < referrers->len; r++)
                {
                  const char *id = g_ptr_array_index (referrers, r);
                  g_autofree char *ref_key = g_strconcat (t->table->name, "/", id, NULL);
                  g_autoptr(Row) row = NULL;
                  g_autoptr(JsonObject) data = NULL;

                  if (g_hash_table_contains (keys, ref_key))
                    continue; /* in the subtree: moved with it */
                  if ((row = read_row (ctx, t, id, error)) == NULL)
                    {
                      sqlite3_finalize (stmt);
                      return FALSE;
                    }
                  data = copy_object (row->data);
                  json_object_set_string_member (data, column->name, new_id);
                  if (!write_resolved (ctx, t, row, data, error))
                    {
                      sqlite3_finalize (stmt);
                      return FALSE;
                    }
                }
            }
          g_clear_pointer (&stmt, sqlite3_finalize);
        }
    }
  return TRUE;
}

/* After (@table, @id) is gone for good here: if it was brought back under restored_id()
 * (on any device), what still points at it points at that copy instead. */
static gboolean
follow_copy (Ctx            *ctx,
             const GpTable  *table,
             const char     *id,
             GError        **error)
{
  g_autoptr(GPtrArray) tables = g_ptr_array_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) kept = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *copy = restored_id (id);

  if (!row_live (ctx, table->name, copy))
    return TRUE;
  g_ptr_array_add (tables, (gpointer)table);
  g_ptr_array_add (ids, (gpointer)id);
  g_hash_table_insert (targets, g_strconcat (table->name, "/", id, NULL), g_steal_pointer (&copy));
  return follow_restored (ctx, tables, ids, keys, targets, kept, error);
}

/* Brings back a record the server deleted, with everything below it that is still here.
 * The server lets an old delete win over a later write to the same id (sync-protocol.md
 * P5), so the record comes back under a new id (restored_id()), and so does its subtree.
 * Every reference inside the subtree follows (a time entry's client as well as its ticket).
 * If the restored record is here already (another device restored it and we pulled that),
 * ours is written over it as a local edit. */
static gboolean
recreate_with_new_id (Ctx            *ctx,
                      const GpTable  *table,
                      const char     *old_id,
                      GError        **error)
{
  g_autoptr(GPtrArray) tables = g_ptr_array_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) kept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) superseded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!collect_subtree (ctx, table, old_id, tables, ids, keys, error))
    return FALSE;

  /* Where each record goes. One the server has had comes back under restored_id(); one
   * below the root that never reached this device from the server (made here, perhaps by
   * an earlier restore) keeps its id and only follows its parent, so that devices which
   * restore in a different order still meet in the same records. */
  for (guint i = 0; i < ids->len; i++)
    {
      const GpTable *row_table = g_ptr_array_index (tables, i);
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr(Row) row = read_row (ctx, ctx_lookup (ctx, row_table->name), id, error);
      char *key = g_strconcat (row_table->name, "/", id, NULL);

      if (row == NULL)
        {
          g_free (key);
          return FALSE;
        }
      if (i > 0 && row->base == NULL)
        {
          g_hash_table_add (kept, g_strdup (key));
          g_hash_table_insert (targets, key, g_strdup (id));
        }
      else
        g_hash_table_insert (targets, key, restored_id (id));
    }

  /* A record whose restored copy is in the subtree too (restored before, and both came
   * along) is not restored a second time: its copy is, with its local changes on top, and
   * what pointed at the record points at where the copy goes. */
  for (guint i = 0; i < ids->len; i++)
    {
      const GpTable *row_table = g_ptr_array_index (tables, i);
      g_autofree char *copy_id = restored_id (g_ptr_array_index (ids, i));
      g_autofree char *copy_key = g_strconcat (row_table->name, "/", copy_id, NULL);
      g_autofree char *own_key = g_strconcat (row_table->name, "/", (const char *)g_ptr_array_index (ids, i), NULL);

      if (!g_hash_table_contains (keys, copy_key))
        continue;
      g_hash_table_insert (targets, g_strdup (own_key), g_strdup (g_hash_table_lookup (targets, copy_key)));
      g_hash_table_insert (superseded, g_steal_pointer (&copy_key), g_strdup (g_ptr_array_index (ids, i)));
    }

  for (guint i = 0; i < ids->len; i++)
    {
      const GpTable *row_table = g_ptr_array_index (tables, i);
      TableCtx *t = ctx_lookup (ctx, row_table->name);
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr(Row) row = read_row (ctx, t, id, error);
      g_autoptr(Row) existing = NULL;
      g_autofree char *key = g_strconcat (row_table->name, "/", id, NULL);
      g_autofree char *copy_id = restored_id (id);
      g_autofree char *copy_key = g_strconcat (row_table->name, "/", copy_id, NULL);
      const char *new_id = g_hash_table_lookup (targets, key);
      const char *original = g_hash_table_lookup (superseded, key);
      g_autoptr(JsonObject) data = NULL;

      if (row == NULL)
        return FALSE;
      if (g_hash_table_contains (keys, copy_key))
        continue; /* superseded by its copy */
      data = copy_object (row->data);
      if (original != NULL)
        {
          g_autoptr(Row) older = read_row (ctx, t, original, error);
          g_auto(GStrv) changed = older && older->changed ? g_strsplit (older->changed, ",", -1) : NULL;

          if (older == NULL && error != NULL && *error != NULL)
            return FALSE;
          for (guint c = 0; changed != NULL && changed[c] != NULL; c++)
            if (*changed[c] != '\0' && json_object_has_member (older->data, changed[c]))
              json_object_set_member (data, changed[c],
                                      json_node_copy (json_object_get_member (older->data, changed[c])));
        }
      json_object_set_string_member (data, "id", new_id);
      for (guint c = 0; c < row_table->n_columns; c++)
        {
          const GpColumn *column = &row_table->columns[c];
          JsonNode *value = json_object_get_member (data, column->name);
          g_autofree char *ref_key = NULL;
          const char *mapped;

          if (column->references == NULL || value == NULL || !JSON_NODE_HOLDS_VALUE (value)
              || json_node_get_value_type (value) != G_TYPE_STRING)
            continue;
          ref_key = g_strconcat (column->references, "/", json_node_get_string (value), NULL);
          mapped = g_hash_table_lookup (targets, ref_key);
          if (mapped != NULL)
            json_object_set_string_member (data, column->name, mapped);
          else
            {
              /* Outside the subtree: a target that is gone but was itself brought back
               * (a separate decision, here or on another device) is followed to its copy. */
              g_autofree char *copy = restored_id (json_node_get_string (value));

              if (!row_live (ctx, column->references, json_node_get_string (value))
                  && row_live (ctx, column->references, copy))
                json_object_set_string_member (data, column->name, copy);
            }
        }

      if (g_hash_table_contains (kept, key))
        {
          /* Stays where it is, with its parent's new id: still to be pushed as it was. */
          if (!add_history (ctx, row_table->name, id, row->data, data, "local", error)
              || !write_row (ctx, t, FALSE, data, id, row->status, row->changed, NULL, error)
              || !bump_rev (ctx, t, id, error))
            return FALSE;
          continue;
        }

      existing = read_row (ctx, t, new_id, error);
      if (existing == NULL && error != NULL && *error != NULL)
        return FALSE;
      if (existing != NULL)
        {
          /* Restored on another device already (and perhaps edited since): only what was
           * changed here goes on top of it, not the old server version of the rest. */
          g_autoptr(JsonObject) merged = copy_object (existing->data);
          g_auto(GStrv) changed = row->changed ? g_strsplit (row->changed, ",", -1) : NULL;

          for (guint c = 0; changed != NULL && changed[c] != NULL; c++)
            if (*changed[c] != '\0' && json_object_has_member (data, changed[c]))
              json_object_set_member (merged, changed[c],
                                      json_node_copy (json_object_get_member (data, changed[c])));
          if (!write_resolved (ctx, t, existing, merged, error))
            return FALSE;
        }
      else
        {
          /* Another device restoring the same record makes the same id, so a server copy of
           * it need not come from this device's push: never merge against what it pushed. */
          g_autofree char *sent_key = g_strconcat (META_SENT_PREFIX, row_table->name, ":", new_id, NULL);

          if (!write_row (ctx, t, TRUE, data, new_id, "created", "", NULL, error)
              || !add_history (ctx, row_table->name, new_id, NULL, data, "local", error)
              || !meta_set (ctx->db, sent_key, "", error))
            return FALSE;
        }
    }

  /* What still points at an old record from outside the subtree (a time entry's client,
   * when the entry came back with its ticket in an earlier decision) follows it too. */
  if (!follow_restored (ctx, tables, ids, keys, targets, kept, error))
    return FALSE;

  /* The old records go, children first; the ones that kept their id stay. */
  for (guint i = ids->len; i-- > 1;)
    {
      const GpTable *row_table = g_ptr_array_index (tables, i);
      g_autofree char *key = g_strconcat (row_table->name, "/", (const char *)g_ptr_array_index (ids, i), NULL);

      if (!g_hash_table_contains (kept, key)
          && row_exists (ctx, row_table->name, g_ptr_array_index (ids, i))
          && !purge_with_descendants (ctx, row_table, g_ptr_array_index (ids, i), NULL, error))
        return FALSE;
    }
  return purge_with_descendants (ctx, table, old_id, NULL, error);
}

static JsonObject *
all_choices (JsonObject *fields,
             const char *side)
{
  JsonObject *choices = json_object_new ();
  JsonObjectIter iter;
  const char *name;

  json_object_iter_init (&iter, fields);
  while (json_object_iter_next (&iter, &name, NULL))
    json_object_set_string_member (choices, name, side);
  return choices;
}

static gboolean
number_taken (Ctx        *ctx,
              const char *id,
              const char *number)
{
  sqlite3_stmt *stmt = prepare (ctx->db, "SELECT 1 FROM invoices WHERE number = ?1 AND id != ?2 "
                                         "AND _status != 'deleted'", NULL);
  gboolean taken;

  if (stmt == NULL)
    return TRUE;
  sqlite3_bind_text (stmt, 1, number, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  taken = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return taken;
}

/* Brings back a tombstone that has a server version, as that version. */
static gboolean
undelete_cb (Ctx           *ctx,
             const GpTable *table,
             const char    *id,
             const char    *status,
             gpointer       data,
             GError       **error)
{
  TableCtx *t = ctx_lookup (ctx, table->name);
  g_autoptr(Row) row = NULL;

  if (g_strcmp0 (status, "deleted") != 0)
    return TRUE;
  row = read_row (ctx, t, id, error);
  if (row == NULL)
    return error == NULL || *error == NULL;
  if (row->base == NULL)
    return TRUE;
  return add_history (ctx, table->name, id, NULL, row->base, "local", error)
         && write_row (ctx, t, FALSE, row->base, id, "synced", "", row->base, error)
         && bump_rev (ctx, t, id, error);
}

static gboolean
resolve_func (GpStoreTxn  *txn,
              gpointer     user_data,
              GError     **error)
{
  ResolveData *data = user_data;
  Ctx ctx = { 0 };
  TableCtx *t;
  OpenConflict open = { 0 };
  g_autoptr(Row) row = NULL;
  g_autoptr(JsonObject) choices = NULL;
  g_autoptr(JsonObject) resolved = NULL;
  gboolean ok = FALSE;

  if (!ctx_init (&ctx, txn, error))
    return FALSE;

  t = ctx_lookup (&ctx, data->table);
  if (t == NULL || !find_open_conflict (&ctx, data->table, data->id, &open, error))
    {
      if (t == NULL)
        g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID, _("There is no such table."));
      goto out;
    }
  if (open.id == 0)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND,
                   _("This conflict has already been resolved."));
      goto out;
    }

  row = read_row (&ctx, t, data->id, error);
  if (row == NULL)
    {
      ok = (error == NULL || *error == NULL) && close_conflicts (&ctx, data->table, data->id, error);
      goto out;
    }

  switch (open.kind)
    {
    case GP_CONFLICT_EDIT:
      if (data->resolution == GP_RESOLUTION_KEEP_MINE)
        choices = all_choices (open.fields, "mine");
      else if (data->resolution == GP_RESOLUTION_USE_THEIRS)
        choices = all_choices (open.fields, "theirs");
      else if (data->resolution == GP_RESOLUTION_PER_FIELD && data->choices != NULL)
        choices = json_object_ref (data->choices);
      else
        {
          g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                       _("Choose which version of the changed fields to keep."));
          goto out;
        }
      resolved = gp_merge_apply_choices (row->data, open.fields, choices, error);
      ok = resolved != NULL && write_resolved (&ctx, t, row, resolved, error);
      break;

    case GP_CONFLICT_REMOTE_DELETE:
      if (data->resolution == GP_RESOLUTION_RESTORE || data->resolution == GP_RESOLUTION_KEEP_MINE)
        ok = recreate_with_new_id (&ctx, t->table, data->id, error);
      else
        ok = purge_with_descendants (&ctx, t->table, data->id, "local", error)
             && follow_copy (&ctx, t->table, data->id, error);
      break;

    case GP_CONFLICT_LOCAL_DELETE:
      if (data->resolution == GP_RESOLUTION_RESTORE || data->resolution == GP_RESOLUTION_USE_THEIRS)
        {
          if (row->base == NULL)
            {
              g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                           _("The server’s version of this record is not known."));
              goto out;
            }
          /* Taking the server's record back undoes the local delete, including what it took
           * along: otherwise the tombstones below would still be pushed and delete on the
           * server what others added or changed there meanwhile. */
          ok = add_history (&ctx, data->table, data->id, NULL, row->base, "local", error)
               && write_row (&ctx, t, FALSE, row->base, data->id, "synced", "", row->base, error)
               && bump_rev (&ctx, t, data->id, error)
               && foreach_descendant (&ctx, t->table, data->id, undelete_cb, NULL, error);
        }
      else
        ok = TRUE; /* The tombstone stays and is pushed. */
      break;

    case GP_CONFLICT_DUPLICATE_NUMBER:
      {
        JsonNode *choice = data->choices ? json_object_get_member (data->choices, "number") : NULL;
        JsonObject *value = choice && JSON_NODE_HOLDS_OBJECT (choice) ? json_node_get_object (choice) : NULL;
        const char *number = value ? json_object_get_string_member_with_default (value, "value", NULL) : NULL;
        g_autofree char *stripped = g_strstrip (g_strdup (number ? number : ""));

        if (data->resolution == GP_RESOLUTION_KEEP_MINE)
          {
            g_free (stripped);
            stripped = g_strdup (json_object_get_string_member_with_default (row->data, "number", ""));
          }
        if (*stripped == '\0')
          {
            g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                         _("Give the invoice a new number."));
            goto out;
          }
        if (number_taken (&ctx, data->id, stripped))
          {
            g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                         _("Another invoice already has the number %s."), stripped);
            goto out;
          }
        resolved = copy_object (row->data);
        json_object_set_string_member (resolved, "number", stripped);
        ok = write_resolved (&ctx, t, row, resolved, error);
      }
      break;

    case GP_CONFLICT_DOUBLE_BILLED:
      /* Discarding deletes the invoice like the user would (its lines go too; it has not
       * reached the server, so nothing is pushed); keeping it lets it sync as it is. */
      if (data->resolution == GP_RESOLUTION_ACCEPT_DELETE || data->resolution == GP_RESOLUTION_USE_THEIRS)
        ok = _gp_store_txn_delete (txn, data->table, data->id, error);
      else if (data->resolution == GP_RESOLUTION_KEEP_MINE || data->resolution == GP_RESOLUTION_RESTORE)
        ok = TRUE;
      else
        g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                     _("Discard this invoice or keep it."));
      break;

    case GP_CONFLICT_NONE:
    default:
      ok = TRUE;
      break;
    }

  ok = ok && close_conflicts (&ctx, data->table, data->id, error);
  if (ok)
    _gp_store_txn_changed (txn, data->table, data->id);

out:
  open_conflict_clear (&open);
  ctx_clear (&ctx);
  return ok;
}

/* Reset -------------------------------------------------------------------------------------- */

static gboolean
reset_func (GpStoreTxn  *txn,
            gpointer     user_data,
            GError     **error)
{
  GpStoreSyncReset reset = GPOINTER_TO_INT (user_data);
  sqlite3 *db = _gp_store_txn_get_db (txn);
  const GpTable *tables;
  guint n_tables;

  if (!_gp_store_txn_exec (txn, "DELETE FROM sync_meta", error))
    return FALSE;
  if (reset == GP_STORE_SYNC_RESET_META)
    return TRUE;

  tables = gp_schema_get_tables (&n_tables);
  for (guint i = n_tables; i-- > 0;)
    {
      g_autofree char *select = g_strdup_printf ("SELECT id FROM \"%s\"", tables[i].name);
      g_autofree char *delete = g_strdup_printf ("DELETE FROM \"%s\"", tables[i].name);
      sqlite3_stmt *stmt = prepare (db, select, error);

      if (stmt == NULL)
        return FALSE;
      while (sqlite3_step (stmt) == SQLITE_ROW)
        _gp_store_txn_changed (txn, tables[i].name, (const char *)sqlite3_column_text (stmt, 0));
      sqlite3_finalize (stmt);
      if (!_gp_store_txn_exec (txn, delete, error))
        return FALSE;
    }
  return _gp_store_txn_exec (txn, "DELETE FROM conflicts", error)
         && _gp_store_txn_exec (txn, "DELETE FROM history", error);
}

/* Public async API --------------------------------------------------------------------------- */

/**
 * gp_store_sync_read_meta_async:
 * @self: an open store
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Reads where sync stands: the last pull and the cursor of an interrupted paged pull.
 */
void
gp_store_sync_read_meta_async (GpStore             *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (GP_IS_STORE (self));

  _gp_store_run_async (self, GP_STORE_COMMAND_READ, read_meta_func, NULL, NULL,
                       cancellable, callback, user_data, gp_store_sync_read_meta_async);
}

/**
 * gp_store_sync_read_meta_finish:
 * @self: a store
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the sync state
 */
GpSyncMeta *
gp_store_sync_read_meta_finish (GpStore       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  gpointer out = NULL;

  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_sync_read_meta_async), NULL);

  if (!_gp_store_run_finish (self, result, &out, error))
    return NULL;
  return out;
}

/**
 * gp_store_sync_apply_pull_async:
 * @self: an open store
 * @page: the raw body of one pull response (parsed on the store thread)
 * @last_pulled_at: the last_pulled_at the page was requested with
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Applies one pulled page in one transaction: unmodified rows take the server version,
 * modified ones are merged three-way, conflicts are recorded, and the page's cursor (or,
 * after the last page, the new last_pulled_at) is saved with it.
 */
void
gp_store_sync_apply_pull_async (GpStore             *self,
                                GBytes              *page,
                                gint64               last_pulled_at,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  PullData *data;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (page != NULL);

  data = g_new0 (PullData, 1);
  data->page = g_bytes_ref (page);
  data->last_pulled_at = last_pulled_at;
  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, apply_pull_func, data,
                       (GDestroyNotify)pull_data_free, cancellable, callback, user_data,
                       gp_store_sync_apply_pull_async);
}

/**
 * gp_store_sync_apply_pull_finish:
 * @self: a store
 * @result: the result
 * @error: return location for a #GError (%GP_SYNC_ERROR_PROTOCOL for a malformed page)
 *
 * Returns: (transfer full) (nullable): what the page did
 */
GpPullOutcome *
gp_store_sync_apply_pull_finish (GpStore       *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  gpointer out = NULL;

  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_sync_apply_pull_async), NULL);

  if (!_gp_store_run_finish (self, result, &out, error))
    return NULL;
  return out;
}

/**
 * gp_store_sync_collect_async:
 * @self: an open store
 * @limit: at most this many records
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Collects local changes into a push body. Records with an open conflict (and children of a
 * record whose deletion is disputed) are held back.
 */
void
gp_store_sync_collect_async (GpStore             *self,
                             guint                limit,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  CollectData *data;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (limit > 0);

  data = g_new0 (CollectData, 1);
  data->limit = limit;
  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, collect_func, data, g_free,
                       cancellable, callback, user_data, gp_store_sync_collect_async);
}

/**
 * gp_store_sync_collect_finish:
 * @self: a store
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the batch, or %NULL with no error when nothing is
 *   to be pushed
 */
GpPushBatch *
gp_store_sync_collect_finish (GpStore       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  gpointer out = NULL;

  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_sync_collect_async), NULL);

  if (!_gp_store_run_finish (self, result, &out, error))
    return NULL;
  return out;
}

/**
 * gp_store_sync_mark_pushed_async:
 * @self: an open store
 * @batch: (transfer full): the acknowledged batch
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * After the server acknowledged @batch: rows unchanged since they were collected become
 * synced with the pushed version as base; pushed tombstones are purged; rows edited during
 * the push stay dirty. The push id is forgotten.
 */
void
gp_store_sync_mark_pushed_async (GpStore             *self,
                                 GpPushBatch         *batch,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (batch != NULL);

  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, mark_pushed_func, batch,
                       (GDestroyNotify)gp_push_batch_free, cancellable, callback, user_data,
                       gp_store_sync_mark_pushed_async);
}

gboolean
gp_store_sync_mark_pushed_finish (GpStore       *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_sync_mark_pushed_async), FALSE);

  return _gp_store_run_finish (self, result, NULL, error);
}

/**
 * gp_store_sync_list_conflicts_async:
 * @self: an open store
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Lists the open conflicts, oldest first.
 */
void
gp_store_sync_list_conflicts_async (GpStore             *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (GP_IS_STORE (self));

  _gp_store_run_async (self, GP_STORE_COMMAND_READ, list_conflicts_func, NULL, NULL,
                       cancellable, callback, user_data, gp_store_sync_list_conflicts_async);
}

/**
 * gp_store_sync_list_conflicts_finish:
 * @self: a store
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type GpConflict): the open conflicts
 */
GPtrArray *
gp_store_sync_list_conflicts_finish (GpStore       *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  gpointer out = NULL;

  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_sync_list_conflicts_async), NULL);

  if (!_gp_store_run_finish (self, result, &out, error))
    return NULL;
  return out;
}

/**
 * gp_store_sync_resolve_conflict_async:
 * @self: an open store
 * @table: the conflict's table
 * @id: the conflict's record
 * @resolution: how to resolve it
 * @choices: (nullable): for %GP_RESOLUTION_PER_FIELD, per field "mine", "theirs" or
 *   {"value": …}; for a duplicate number, {"number": {"value": "new number"}}
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Resolves a conflict. The outcome is an ordinary local change whose base is the server
 * version, so it syncs without conflicting again.
 */
void
gp_store_sync_resolve_conflict_async (GpStore             *self,
                                      const char          *table,
                                      const char          *id,
                                      GpResolution         resolution,
                                      JsonObject          *choices,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  ResolveData *data;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (table != NULL);
  g_return_if_fail (id != NULL);

  data = g_new0 (ResolveData, 1);
  data->table = g_strdup (table);
  data->id = g_strdup (id);
  data->resolution = resolution;
  data->choices = choices ? json_object_ref (choices) : NULL;
  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, resolve_func, data,
                       (GDestroyNotify)resolve_data_free, cancellable, callback, user_data,
                       gp_store_sync_resolve_conflict_async);
}

gboolean
gp_store_sync_resolve_conflict_finish (GpStore       *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_sync_resolve_conflict_async), FALSE);

  return _gp_store_run_finish (self, result, NULL, error);
}

/**
 * gp_store_sync_reset_async:
 * @self: an open store
 * @reset: what to forget
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 */
void
gp_store_sync_reset_async (GpStore             *self,
                           GpStoreSyncReset     reset,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (GP_IS_STORE (self));

  _gp_store_run_async (self, GP_STORE_COMMAND_WRITE, reset_func, GINT_TO_POINTER (reset), NULL,
                       cancellable, callback, user_data, gp_store_sync_reset_async);
}

gboolean
gp_store_sync_reset_finish (GpStore       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_sync_reset_async), FALSE);

  return _gp_store_run_finish (self, result, NULL, error);
}
