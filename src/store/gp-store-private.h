/* gp-store-private.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "gp-record.h"
#include "gp-schema.h"
#include "gp-store.h"

G_BEGIN_DECLS

/* "GigP" in PRAGMA application_id marks a file as ours, so an unrelated SQLite file is
 * refused, not migrated, and a backup can be recognised before it is restored. */
#define GP_STORE_APPLICATION_ID 0x47696750

/* The store's internal command API, shared by gp-store.c (user commands) and
 * gp-store-sync.c (sync commands). Nothing here is for the UI.
 *
 * A command is a GpStoreTxnFunc queued with _gp_store_run_async(). It runs on the store
 * thread inside one transaction (BEGIN IMMEDIATE for GP_STORE_COMMAND_WRITE, plain BEGIN
 * otherwise): if it returns TRUE the transaction commits, if it returns FALSE (with @error
 * set) everything it did is rolled back. After a successful commit, every (table, id) it
 * passed to _gp_store_txn_changed() is announced by the store's "changed" signal on the
 * store's main context (once per table, parents before children), and for write commands
 * the "pending-count" and "conflict-count" properties are refreshed from indexed queries.
 * The value given to _gp_store_txn_set_result() is handed to _gp_store_run_finish().
 *
 * Layout facts a command may rely on (database version GP_STORE_DB_VERSION):
 * - each synced table of gp-schema.c is a real table: "id" TEXT PRIMARY KEY, the data
 *   columns with their types, then
 *     _status  TEXT NOT NULL  'synced' | 'created' | 'updated' | 'deleted' (indexed)
 *     _changed TEXT NOT NULL  comma-separated columns changed locally since the last sync,
 *                             "" for created and synced rows
 *     _base    TEXT           JSON raw record (with "id") of the last synced version, or NULL
 *     _rev     INTEGER NOT NULL  bumped by every local write;
 * - reference columns (client_id, invoice_id) are foreign keys checked at COMMIT
 *   (DEFERRABLE INITIALLY DEFERRED), so rows may be written in any order within a command,
 *   but a command must not leave a row pointing at a missing parent: a remote delete of a
 *   parent must delete its children too;
 * - history (id INTEGER PRIMARY KEY, table_name, record_id, field, old, new, at, origin)
 *   is append-only; use _gp_store_txn_add_history();
 * - sync_meta (key TEXT PRIMARY KEY, value TEXT);
 * - conflicts (id INTEGER PRIMARY KEY, table_name, record_id, kind, fields TEXT (JSON
 *   {column: {base, mine, theirs}}), created_at, resolved_at): a conflict is open while
 *   resolved_at IS NULL; "conflict-count" counts those.
 */

typedef struct _GpStoreTxn GpStoreTxn;

typedef enum
{
  GP_STORE_COMMAND_READ  = 0,
  GP_STORE_COMMAND_WRITE = 1 << 0,
} GpStoreCommandFlags;

/* Runs on the store thread. Return FALSE with @error set to roll back. */
typedef gboolean (*GpStoreTxnFunc) (GpStoreTxn  *txn,
                                    gpointer     data,
                                    GError     **error);

/* Queues @func; @data is freed with @data_free on the store thread once @func ran (or was
 * skipped because @cancellable was cancelled first, or the store is closed). The GTask
 * gets @source_tag, so the caller's _finish can check it with g_async_result_is_tagged(). */
void          _gp_store_run_async          (GpStore              *self,
                                            GpStoreCommandFlags   flags,
                                            GpStoreTxnFunc        func,
                                            gpointer              data,
                                            GDestroyNotify        data_free,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data,
                                            gpointer              source_tag);
/* Returns FALSE with @error set if the command failed. On success, *@out_result (if not
 * NULL) receives the result (transfer full; NULL if the command set none). */
gboolean      _gp_store_run_finish         (GpStore              *self,
                                            GAsyncResult         *result,
                                            gpointer             *out_result,
                                            GError              **error);

/* Inside a command (store thread only; each asserts that). */
sqlite3      *_gp_store_txn_get_db         (GpStoreTxn           *txn);
GCancellable *_gp_store_txn_get_cancellable (GpStoreTxn          *txn);
void          _gp_store_txn_changed        (GpStoreTxn           *txn,
                                            const char           *table,
                                            const char           *id);
void          _gp_store_txn_set_result     (GpStoreTxn           *txn,
                                            gpointer              result,
                                            GDestroyNotify        result_free);
/* Read commands do not refresh the counts unless asked to. */
void          _gp_store_txn_refresh_counts (GpStoreTxn           *txn);
/* The command replaced the whole file with a checked copy (a restored backup): a store
 * that a failed integrity check had stopped from writing may write again. */
void          _gp_store_txn_replaced       (GpStoreTxn           *txn);
gboolean      _gp_store_txn_exec           (GpStoreTxn           *txn,
                                            const char           *sql,
                                            GError              **error);
sqlite3_stmt *_gp_store_txn_prepare        (GpStoreTxn           *txn,
                                            const char           *sql,
                                            GError              **error);
/* Like _gp_store_txn_prepare(), for a statement run many times: the store keeps it
 * prepared (transfer none). Reset it when done with it; never finalize it. */
sqlite3_stmt *_gp_store_txn_prepare_cached (GpStoreTxn           *txn,
                                            const char           *sql,
                                            GError              **error);
gboolean      _gp_store_txn_add_history    (GpStoreTxn           *txn,
                                            const char           *table,
                                            const char           *record_id,
                                            const char           *field,
                                            const char           *old_value,
                                            const char           *new_value,
                                            gint64                at,
                                            const char           *origin,
                                            GError              **error);
/* The row as a record (data columns only), or NULL with GP_STORE_ERROR_NOT_FOUND.
 * Tombstones are found only with @include_deleted. */
GpRecord     *_gp_store_txn_read_record    (GpStoreTxn           *txn,
                                            const GpTable        *table,
                                            const char           *id,
                                            gboolean              include_deleted,
                                            GError              **error);
/* The whole row: "id", the data columns, "_status", "_changed", "_base" (the JSON text, or
 * null), "_rev"; NULL with GP_STORE_ERROR_NOT_FOUND if there is no such row at all. */
JsonObject   *_gp_store_txn_read_raw       (GpStoreTxn           *txn,
                                            const GpTable        *table,
                                            const char           *id,
                                            GError              **error);

/* Creates (@id NULL or unknown) or updates a record inside the running command, exactly
 * like gp_store_save_async() (validation, defaults, sync bookkeeping, history, "changed").
 * Returns the id (transfer full), or NULL with @error set. */
char         *_gp_store_txn_save           (GpStoreTxn           *txn,
                                            const char           *table,
                                            const char           *id,
                                            JsonObject           *fields,
                                            GError              **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean      _gp_store_txn_delete         (GpStoreTxn           *txn,
                                            const char           *table,
                                            const char           *id,
                                            GError              **error);

/* gp_store_query_async() inside a command: the records in order, or NULL with @error. */
GPtrArray    *_gp_store_txn_query          (GpStoreTxn           *txn,
                                            GpQuery              *query,
                                            GError              **error);

/* The same, only the ids, each handed to @func (valid during the call) in order. */
typedef void (*GpStoreIdFunc) (const char *id,
                               gpointer    user_data);
gboolean      _gp_store_txn_query_foreach_id (GpStoreTxn         *txn,
                                              GpQuery            *query,
                                              GpStoreIdFunc       func,
                                              gpointer            user_data,
                                              GError            **error);

/* The number of live rows @query matches (its order, limit and ids are ignored). */
gboolean      _gp_store_txn_query_count    (GpStoreTxn           *txn,
                                            GpQuery              *query,
                                            guint                *count,
                                            GError              **error);

/* Helpers usable anywhere. */
/* A record built from the current row of @stmt whose columns are "id", the table's data
 * columns in schema order, then "_status" (what _gp_store_table_select_list() selects). */
GpRecord     *_gp_store_record_from_stmt   (const GpTable        *table,
                                            sqlite3_stmt         *stmt);
/* "id, name, email, …, _status" for @table, ready for "SELECT %s FROM …". */
const char   *_gp_store_table_select_list  (const GpTable        *table);
/* The full-text index: what a row of @table contributes (see migration 6: a batch of
 * pulled rows written while the sync_meta key 'index_batch' exists is indexed by its
 * writer, with set-based statements, instead of by the insert trigger). */
const char   *_gp_store_index_text         (const char           *table,
                                            const char          **kind);
/* Sets @error from the connection's last error; CORRUPT for a damaged file, FAILED else. */
void          _gp_store_set_sqlite_error   (GError              **error,
                                            sqlite3              *db,
                                            int                   rc,
                                            const char           *what);
gint64        _gp_store_now_ms             (void);
/* Orders records exactly like the store's queries (see gp_query_set_order()). */
int           _gp_store_compare_records    (const GpTable        *table,
                                            const char           *column,
                                            gboolean              descending,
                                            GpRecord             *a,
                                            GpRecord             *b);

G_END_DECLS
