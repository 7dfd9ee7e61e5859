/* gp-server-sqlite.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-server"

#include "config.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>

#include "gp-schema.h"
#include "gp-server-backend.h"

/* The SQLite backend. WAL mode with synchronous=FULL: a push is acknowledged only after
 * its commit reached the disk. Writes start with BEGIN IMMEDIATE, so SQLite's single
 * writer lock serialises every push (and with it every user's clock); pulls run in
 * plain read transactions on their own WAL snapshot and never wait for a push. */

typedef struct
{
  GpConnHeader  header;
  sqlite3      *db;
  GHashTable   *stmts;   /* static SQL text -> sqlite3_stmt */
} SqliteConn;

static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS users ("
  "  id TEXT PRIMARY KEY,"
  "  email TEXT NOT NULL UNIQUE,"
  "  password_hash TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS refresh_tokens ("
  "  token_hash TEXT PRIMARY KEY,"
  "  user_id TEXT NOT NULL,"
  "  family TEXT NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  used_at INTEGER,"
  "  revoked INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family);"
  "CREATE TABLE IF NOT EXISTS sync_clock ("
  "  user_id TEXT PRIMARY KEY,"
  "  ts INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS records ("
  "  user_id TEXT NOT NULL,"
  "  tbl TEXT NOT NULL,"
  "  id TEXT NOT NULL,"
  "  data TEXT NOT NULL,"
  "  parent TEXT,"
  "  last_modified INTEGER NOT NULL,"
  "  server_created_at INTEGER NOT NULL,"
  "  created_stamp INTEGER NOT NULL,"
  "  deleted INTEGER NOT NULL DEFAULT 0,"
  "  deleted_at INTEGER,"
  "  PRIMARY KEY (user_id, tbl, id)) WITHOUT ROWID;"
  "CREATE INDEX IF NOT EXISTS records_changes ON records (user_id, tbl, last_modified, id);"
  "CREATE INDEX IF NOT EXISTS records_parent ON records (user_id, tbl, parent) WHERE parent IS NOT NULL;"
  "CREATE TABLE IF NOT EXISTS push_ledger ("
  "  user_id TEXT NOT NULL,"
  "  push_id TEXT NOT NULL,"
  "  status INTEGER NOT NULL,"
  "  body TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  PRIMARY KEY (user_id, push_id)) WITHOUT ROWID;";

static gboolean
set_sqlite_error (SqliteConn  *conn,
                  GError     **error)
{
  g_set_error (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_FAILED,
               "SQLite: %s", sqlite3_errmsg (conn->db));
  return FALSE;
}

static sqlite3_stmt *
get_stmt (SqliteConn  *conn,
          const char  *sql,
          GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (conn->stmts, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  if (sqlite3_prepare_v3 (conn->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (conn, error);
      return NULL;
    }

  g_hash_table_insert (conn->stmts, (gpointer) sql, stmt);
  return stmt;
}

static gboolean
exec_sql (SqliteConn  *conn,
          const char  *sql,
          GError     **error)
{
  char *msg = NULL;

  if (sqlite3_exec (conn->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_FAILED, "SQLite: %s", msg);
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* Runs a statement that returns no rows (or whose rows do not matter). */
static gboolean
step_done (SqliteConn    *conn,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (conn, error);
  return TRUE;
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           i)
{
  const unsigned char *text = sqlite3_column_text (stmt, i);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

/* Binds @types, one letter per parameter from ?1 on: 's' text (NULL binds null),
 * 'l' gint64, 'b' gboolean. */
static void
bind_valist (sqlite3_stmt *stmt,
             const char   *types,
             va_list       args)
{
  for (int i = 0; types[i] != '\0'; i++)
    {
      switch (types[i])
        {
        case 's':
          {
            const char *text = va_arg (args, const char *);

            if (text != NULL)
              sqlite3_bind_text (stmt, i + 1, text, -1, SQLITE_TRANSIENT);
            break;
          }
        case 'l':
          sqlite3_bind_int64 (stmt, i + 1, va_arg (args, gint64));
          break;
        case 'b':
          sqlite3_bind_int (stmt, i + 1, va_arg (args, gboolean) ? 1 : 0);
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

/* The cached statement for @sql with its parameters bound (see bind_valist()), for
 * the caller to step and reset; NULL with @error set. */
static sqlite3_stmt *
query (SqliteConn  *conn,
       GError     **error,
       const char  *sql,
       const char  *types,
       ...)
{
  sqlite3_stmt *stmt = get_stmt (conn, sql, error);
  va_list args;

  if (stmt == NULL)
    return NULL;
  va_start (args, types);
  bind_valist (stmt, types, args);
  va_end (args);
  return stmt;
}

/* Runs @sql, with its parameters bound as in query(), to completion. */
static gboolean
run (SqliteConn  *conn,
     GError     **error,
     const char  *sql,
     const char  *types,
     ...)
{
  sqlite3_stmt *stmt = get_stmt (conn, sql, error);
  va_list args;

  if (stmt == NULL)
    return FALSE;
  va_start (args, types);
  bind_valist (stmt, types, args);
  va_end (args);
  return step_done (conn, stmt, error);
}

/* Steps a statement from query() once and resets it: SQLITE_ROW with the row read
 * by @read_row first, SQLITE_DONE for no row, or FALSE with @error set. */
static gboolean
step_one (SqliteConn    *conn,
          sqlite3_stmt  *stmt,
          gboolean      *found,
          void         (*read_row) (sqlite3_stmt *stmt,
                                    gpointer      user_data),
          gpointer       user_data,
          GError       **error)
{
  int rc = sqlite3_step (stmt);

  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW && read_row != NULL)
    read_row (stmt, user_data);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return set_sqlite_error (conn, error);
  return TRUE;
}

static void
read_int64_cb (sqlite3_stmt *stmt,
               gpointer      user_data)
{
  *(gint64 *) user_data = sqlite3_column_int64 (stmt, 0);
}

static GpConn *
sqlite_connect (GpBackend  *backend,
                GError    **error)
{
  SqliteConn *conn = g_new0 (SqliteConn, 1);
  int rc;

  conn->header.backend = backend;
  conn->stmts = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) sqlite3_finalize);

  rc = sqlite3_open_v2 (backend->location, &conn->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      if (conn->db != NULL)
        set_sqlite_error (conn, error);
      else
        g_set_error_literal (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_FAILED,
                             "SQLite: out of memory");
      goto fail;
    }

  sqlite3_extended_result_codes (conn->db, 1);
  sqlite3_busy_timeout (conn->db, 10000);

  if (!exec_sql (conn, "PRAGMA journal_mode = WAL;", error) ||
      !exec_sql (conn, "PRAGMA synchronous = FULL;", error) ||
      !exec_sql (conn, "PRAGMA foreign_keys = ON;", error))
    goto fail;

  return (GpConn *) conn;

fail:
  g_hash_table_unref (conn->stmts);
  sqlite3_close_v2 (conn->db);
  g_free (conn);
  return NULL;
}

static void
sqlite_disconnect (GpConn *c)
{
  SqliteConn *conn = (SqliteConn *) c;

  g_hash_table_unref (conn->stmts);
  sqlite3_close_v2 (conn->db);
  g_free (conn);
}

static gboolean
sqlite_is_broken (GpConn *c)
{
  SqliteConn *conn = (SqliteConn *) c;

  /* A connection left inside a transaction by a bug would block every writer. */
  return !sqlite3_get_autocommit (conn->db);
}

static gboolean
sqlite_setup (GpConn  *c,
              GError **error)
{
  SqliteConn *conn = (SqliteConn *) c;

  if (!exec_sql (conn, "BEGIN IMMEDIATE;", error))
    return FALSE;
  if (!exec_sql (conn, schema_sql, error) || !exec_sql (conn, "PRAGMA user_version = 1;", error))
    {
      exec_sql (conn, "ROLLBACK;", NULL);
      return FALSE;
    }
  return exec_sql (conn, "COMMIT;", error);
}

static gboolean
sqlite_ping (GpConn  *c,
             GError **error)
{
  SqliteConn *conn = (SqliteConn *) c;
  sqlite3_stmt *stmt = get_stmt (conn, "SELECT count(*) FROM sync_clock", error);

  return stmt != NULL && step_done (conn, stmt, error);
}

static GpConn *
sqlite_connect_inline (GpBackend  *backend,
                       GError    **error)
{
  GpConn *conn = sqlite_connect (backend, error);

  /* A WAL reader waits only in rare moments (recovery, a checkpoint restarting the
   * log); then the caller falls back to a worker rather than block. */
  if (conn != NULL)
    sqlite3_busy_timeout (((SqliteConn *) conn)->db, 0);
  return conn;
}

static gboolean
sqlite_begin_read (GpConn  *c,
                   GError **error)
{
  return exec_sql ((SqliteConn *) c, "BEGIN DEFERRED;", error);
}

static gboolean
sqlite_begin_write (GpConn  *c,
                    GError **error)
{
  return exec_sql ((SqliteConn *) c, "BEGIN IMMEDIATE;", error);
}

static gboolean
sqlite_commit (GpConn  *c,
               GError **error)
{
  SqliteConn *conn = (SqliteConn *) c;

  if (!exec_sql (conn, "COMMIT;", error))
    {
      if (!sqlite3_get_autocommit (conn->db))
        exec_sql (conn, "ROLLBACK;", NULL);
      return FALSE;
    }
  return TRUE;
}

static void
sqlite_rollback (GpConn *c)
{
  SqliteConn *conn = (SqliteConn *) c;

  if (!sqlite3_get_autocommit (conn->db))
    exec_sql (conn, "ROLLBACK;", NULL);
}

static gboolean
sqlite_create_user (GpConn      *c,
                    const char  *user_id,
                    const char  *email,
                    const char  *password_hash,
                    gint64       now,
                    GError     **error)
{
  SqliteConn *conn = (SqliteConn *) c;
  sqlite3_stmt *stmt;
  int rc;

  stmt = query (conn, error, "INSERT INTO users (id, email, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                "sssl", user_id, email, password_hash, now);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    {
      g_set_error_literal (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_EXISTS, "The account exists");
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (conn, error);

  return run (conn, error, "INSERT OR IGNORE INTO sync_clock (user_id, ts) VALUES (?1, ?2)", "sl", user_id, now);
}

typedef struct
{
  char **first;
  char **second;
} TwoStrings;

static void
read_two_strings_cb (sqlite3_stmt *stmt,
                     gpointer      user_data)
{
  TwoStrings *out = user_data;

  *out->first = column_dup (stmt, 0);
  *out->second = column_dup (stmt, 1);
}

static gboolean
sqlite_find_user (GpConn      *c,
                  const char  *email,
                  char       **user_id,
                  char       **password_hash,
                  GError     **error)
{
  SqliteConn *conn = (SqliteConn *) c;
  TwoStrings out = { user_id, password_hash };
  sqlite3_stmt *stmt;
  gboolean found;

  stmt = query (conn, error, "SELECT id, password_hash FROM users WHERE email = ?1", "s", email);
  return stmt != NULL && step_one (conn, stmt, &found, read_two_strings_cb, &out, error);
}

static gboolean
sqlite_set_password_hash (GpConn      *c,
                          const char  *user_id,
                          const char  *password_hash,
                          GError     **error)
{
  return run ((SqliteConn *) c, error, "UPDATE users SET password_hash = ?2 WHERE id = ?1",
              "ss", user_id, password_hash);
}

static gboolean
sqlite_insert_refresh (GpConn      *c,
                       const char  *token_hash,
                       const char  *user_id,
                       const char  *family,
                       gint64       expires_at,
                       gint64       now,
                       GError     **error)
{
  return run ((SqliteConn *) c, error,
              "INSERT INTO refresh_tokens (token_hash, user_id, family, expires_at, created_at)"
              " VALUES (?1, ?2, ?3, ?4, ?5)",
              "sssll", token_hash, user_id, family, expires_at, now);
}

static void
read_refresh_cb (sqlite3_stmt *stmt,
                 gpointer      user_data)
{
  GpRefreshRow *out = user_data;

  out->user_id = column_dup (stmt, 0);
  out->family = column_dup (stmt, 1);
  out->expires_at = sqlite3_column_int64 (stmt, 2);
  out->used = sqlite3_column_int (stmt, 3) != 0;
  out->revoked = sqlite3_column_int (stmt, 4) != 0;
}

static gboolean
sqlite_get_refresh (GpConn        *c,
                    const char    *token_hash,
                    GpRefreshRow  *out,
                    GError       **error)
{
  SqliteConn *conn = (SqliteConn *) c;
  sqlite3_stmt *stmt;
  gboolean found;

  stmt = query (conn, error,
                "SELECT user_id, family, expires_at, used_at IS NOT NULL, revoked"
                " FROM refresh_tokens WHERE token_hash = ?1", "s", token_hash);
  return stmt != NULL && step_one (conn, stmt, &found, read_refresh_cb, out, error);
}

static gboolean
sqlite_mark_refresh_used (GpConn      *c,
                          const char  *token_hash,
                          gint64       now,
                          GError     **error)
{
  return run ((SqliteConn *) c, error, "UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1",
              "sl", token_hash, now);
}

static gboolean
sqlite_revoke_family (GpConn      *c,
                      const char  *family,
                      GError     **error)
{
  return run ((SqliteConn *) c, error, "UPDATE refresh_tokens SET revoked = 1 WHERE family = ?1", "s", family);
}

static gboolean
sqlite_lock_clock (GpConn      *c,
                   const char  *user_id,
                   gint64       now,
                   gint64      *ts,
                   GError     **error)
{
  SqliteConn *conn = (SqliteConn *) c;
  sqlite3_stmt *stmt;
  gboolean found;

  /* BEGIN IMMEDIATE already holds the database's write lock. */
  if (!run (conn, error, "INSERT OR IGNORE INTO sync_clock (user_id, ts) VALUES (?1, ?2)", "sl", user_id, now))
    return FALSE;

  stmt = query (conn, error, "SELECT ts FROM sync_clock WHERE user_id = ?1", "s", user_id);
  if (stmt == NULL || !step_one (conn, stmt, &found, read_int64_cb, ts, error))
    return FALSE;
  if (!found)
    return set_sqlite_error (conn, error);
  return TRUE;
}

static gboolean
sqlite_set_clock (GpConn      *c,
                  const char  *user_id,
                  gint64       ts,
                  GError     **error)
{
  return run ((SqliteConn *) c, error, "UPDATE sync_clock SET ts = ?2 WHERE user_id = ?1", "sl", user_id, ts);
}

typedef struct
{
  gint64   *ts;
  gboolean *changed;
} ClockRead;

static void
read_clock_cb (sqlite3_stmt *stmt,
               gpointer      user_data)
{
  ClockRead *read = user_data;

  *read->ts = sqlite3_column_int64 (stmt, 0);
  *read->changed = sqlite3_column_int (stmt, 1) != 0;
}

static gboolean
sqlite_read_clock (GpConn      *c,
                   const char  *user_id,
                   gint64       after,
                   gint64      *ts,
                   gboolean    *changed,
                   gboolean    *found,
                   GError     **error)
{
  static gsize sql = 0;
  SqliteConn *conn = (SqliteConn *) c;
  ClockRead read = { ts, changed };
  sqlite3_stmt *stmt;

  /* One statement, one snapshot; the IN list probes records_changes once per table,
   * and only when the clock has moved (rows are never stamped above it). */
  if (g_once_init_enter (&sql))
    {
      GString *text = g_string_new ("SELECT ts, CASE WHEN ts = ?2 THEN 0 ELSE EXISTS ("
                                     "SELECT 1 FROM records WHERE user_id = ?1 AND tbl IN (");
      guint n_tables;
      const GpTable *tables = gp_schema_get_tables (&n_tables);

      for (guint i = 0; i < n_tables; i++)
        {
          g_assert (strspn (tables[i].name, "abcdefghijklmnopqrstuvwxyz_") == strlen (tables[i].name));
          g_string_append_printf (text, "%s'%s'", i > 0 ? ", " : "", tables[i].name);
        }
      g_string_append (text, ") AND last_modified > ?2) END FROM sync_clock WHERE user_id = ?1");
      g_once_init_leave (&sql, (gsize) g_string_free (text, FALSE));
    }

  stmt = query (conn, error, (const char *) sql, "sl", user_id, after);
  return stmt != NULL && step_one (conn, stmt, found, read_clock_cb, &read, error);
}

static gboolean
sqlite_advance_clock (GpConn      *c,
                      const char  *user_id,
                      gint64       now,
                      gint64      *ts,
                      GError     **error)
{
  SqliteConn *conn = (SqliteConn *) c;
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;
  gboolean found = FALSE;

  /* No fsync for this commit: the next FULL commit (any push) syncs the WAL with it. */
  if (!exec_sql (conn, "PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE;", error))
    goto out;

  if (!run (conn, error, "INSERT OR IGNORE INTO sync_clock (user_id, ts) VALUES (?1, ?2)", "sl", user_id, now))
    goto out;

  stmt = query (conn, error, "UPDATE sync_clock SET ts = max (ts + 1, ?2) WHERE user_id = ?1 RETURNING ts",
                "sl", user_id, now);
  if (stmt == NULL || !step_one (conn, stmt, &found, read_int64_cb, ts, error))
    goto out;
  if (!found)
    {
      set_sqlite_error (conn, error);
      goto out;
    }

  ok = exec_sql (conn, "COMMIT;", error);

out:
  if (!sqlite3_get_autocommit (conn->db))
    exec_sql (conn, "ROLLBACK;", NULL);
  exec_sql (conn, "PRAGMA synchronous = FULL;", NULL);
  return ok;
}

typedef struct
{
  guint  *status;
  char  **body;
} LedgerOut;

static void
read_ledger_cb (sqlite3_stmt *stmt,
                gpointer      user_data)
{
  LedgerOut *out = user_data;

  *out->status = sqlite3_column_int (stmt, 0);
  *out->body = column_dup (stmt, 1);
}

static gboolean
sqlite_get_ledger (GpConn      *c,
                   const char  *user_id,
                   const char  *push_id,
                   gboolean    *found,
                   guint       *status,
                   char       **body,
                   GError     **error)
{
  SqliteConn *conn = (SqliteConn *) c;
  LedgerOut out = { status, body };
  sqlite3_stmt *stmt;

  *found = FALSE;
  stmt = query (conn, error, "SELECT status, body FROM push_ledger WHERE user_id = ?1 AND push_id = ?2",
                "ss", user_id, push_id);
  return stmt != NULL && step_one (conn, stmt, found, read_ledger_cb, &out, error);
}

static gboolean
sqlite_put_ledger (GpConn      *c,
                   const char  *user_id,
                   const char  *push_id,
                   guint        status,
                   const char  *body,
                   gint64       now,
                   GError     **error)
{
  return run ((SqliteConn *) c, error,
              "INSERT INTO push_ledger (user_id, push_id, status, body, created_at)"
              " VALUES (?1, ?2, ?3, ?4, ?5)",
              "sslsl", user_id, push_id, (gint64) status, body, now);
}

static void
read_row_cb (sqlite3_stmt *stmt,
             gpointer      user_data)
{
  GpRow *out = user_data;

  out->last_modified = sqlite3_column_int64 (stmt, 0);
  out->server_created_at = sqlite3_column_int64 (stmt, 1);
  out->deleted = sqlite3_column_int (stmt, 2) != 0;
  out->created_stamp = sqlite3_column_int64 (stmt, 3);
}

static gboolean
sqlite_get_row (GpConn      *c,
                const char  *user_id,
                const char  *table,
                const char  *id,
                GpRow       *out,
                GError     **error)
{
  SqliteConn *conn = (SqliteConn *) c;
  sqlite3_stmt *stmt;
  gboolean found;

  stmt = query (conn, error,
                "SELECT last_modified, server_created_at, deleted, created_stamp FROM records"
                " WHERE user_id = ?1 AND tbl = ?2 AND id = ?3", "sss", user_id, table, id);
  if (stmt == NULL || !step_one (conn, stmt, &found, read_row_cb, out, error))
    return FALSE;
  if (found)
    {
      out->table = g_strdup (table);
      out->id = g_strdup (id);
    }
  return TRUE;
}

static gboolean
sqlite_put_row (GpConn      *c,
                const char  *user_id,
                const GpRow *row,
                const char  *parent,
                GError     **error)
{
  SqliteConn *conn = (SqliteConn *) c;

  if (row->data != NULL)
    return run (conn, error,
                "INSERT INTO records (user_id, tbl, id, data, parent, last_modified,"
                "                     server_created_at, created_stamp, deleted, deleted_at)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?8, CASE WHEN ?8 THEN ?6 END)"
                " ON CONFLICT (user_id, tbl, id) DO UPDATE SET"
                "   data = excluded.data, parent = excluded.parent,"
                "   last_modified = excluded.last_modified,"
                "   server_created_at = excluded.server_created_at,"
                "   created_stamp = excluded.created_stamp,"
                "   deleted = excluded.deleted,"
                "   deleted_at = CASE WHEN excluded.deleted THEN coalesce (records.deleted_at, excluded.deleted_at) END",
                "sssssllbl", user_id, row->table, row->id, row->data, parent, row->last_modified,
                row->server_created_at, row->deleted, row->created_stamp);

  return run (conn, error,
              "UPDATE records SET last_modified = ?4, deleted = ?5,"
              "   deleted_at = CASE WHEN ?5 THEN coalesce (deleted_at, ?4) END,"
              "   data = CASE WHEN ?5 THEN json_object ('id', id) ELSE data END"
              " WHERE user_id = ?1 AND tbl = ?2 AND id = ?3",
              "ssslb", user_id, row->table, row->id, row->last_modified, row->deleted);
}

static gboolean
sqlite_list_children (GpConn      *c,
                      const char  *user_id,
                      const char  *table,
                      const char  *parent,
                      GPtrArray   *ids,
                      GError     **error)
{
  SqliteConn *conn = (SqliteConn *) c;
  sqlite3_stmt *stmt;
  int rc;

  stmt = query (conn, error,
                "SELECT id FROM records WHERE user_id = ?1 AND tbl = ?2 AND parent = ?3 AND deleted = 0",
                "sss", user_id, table, parent);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, column_dup (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (conn, error);
  return TRUE;
}

static gboolean
sqlite_prune (GpConn      *c,
              gint64       ledger_before,
              gint64       refresh_before,
              GError     **error)
{
  SqliteConn *conn = (SqliteConn *) c;

  return run (conn, error, "DELETE FROM push_ledger WHERE created_at < ?1", "l", ledger_before) &&
         run (conn, error, "DELETE FROM refresh_tokens WHERE expires_at < ?1", "l", refresh_before);
}

static gboolean
sqlite_scan (GpConn        *c,
             const GpScan  *scan,
             GpRowFunc      func,
             gpointer       user_data,
             GError       **error)
{
  SqliteConn *conn = (SqliteConn *) c;
  sqlite3_stmt *stmt;
  int rc;

  stmt = query (conn, error,
                "SELECT id, last_modified, server_created_at, deleted, CASE WHEN ?8 THEN data END,"
                "       created_stamp"
                " FROM records"
                " WHERE user_id = ?1 AND tbl = ?2 AND last_modified > ?3 AND last_modified <= ?4"
                "   AND (?5 OR deleted = 0)"
                "   AND (?7 IS NULL OR (last_modified, id) > (?6, ?7))"
                " ORDER BY last_modified, id"
                " LIMIT ?9",
                "ssllblsbl", scan->user_id, scan->table, scan->after, scan->upto, scan->include_deleted,
                scan->key_modified, scan->key_id, scan->with_data,
                scan->limit > 0 ? (gint64) scan->limit : (gint64) -1);
  if (stmt == NULL)
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      GpRow row = { 0, };

      row.table = (char *) scan->table;
      row.id = (char *) sqlite3_column_text (stmt, 0);
      row.last_modified = sqlite3_column_int64 (stmt, 1);
      row.server_created_at = sqlite3_column_int64 (stmt, 2);
      row.deleted = sqlite3_column_int (stmt, 3) != 0;
      row.data = (char *) sqlite3_column_text (stmt, 4);
      row.created_stamp = sqlite3_column_int64 (stmt, 5);
      if (!func (&row, user_data))
        {
          rc = SQLITE_DONE;
          break;
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (conn, error);
  return TRUE;
}

const GpBackendVTable gp_backend_sqlite_vtable = {
  .name = "sqlite",
  .connect = sqlite_connect,
  .connect_inline = sqlite_connect_inline,
  .disconnect = sqlite_disconnect,
  .is_broken = sqlite_is_broken,
  .setup = sqlite_setup,
  .ping = sqlite_ping,
  .begin_read = sqlite_begin_read,
  .begin_write = sqlite_begin_write,
  .commit = sqlite_commit,
  .rollback = sqlite_rollback,
  .create_user = sqlite_create_user,
  .find_user = sqlite_find_user,
  .set_password_hash = sqlite_set_password_hash,
  .insert_refresh = sqlite_insert_refresh,
  .get_refresh = sqlite_get_refresh,
  .mark_refresh_used = sqlite_mark_refresh_used,
  .revoke_family = sqlite_revoke_family,
  .lock_clock = sqlite_lock_clock,
  .set_clock = sqlite_set_clock,
  .advance_clock = sqlite_advance_clock,
  .read_clock = sqlite_read_clock,
  .get_ledger = sqlite_get_ledger,
  .put_ledger = sqlite_put_ledger,
  .get_row = sqlite_get_row,
  .put_row = sqlite_put_row,
  .list_children = sqlite_list_children,
  .prune = sqlite_prune,
  .scan = sqlite_scan,
};
