/* gp-server-postgres.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-server"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "gp-schema.h"
#include "gp-server-backend.h"

/* The PostgreSQL backend, for several gigpilot-server processes on one database.
 *
 * Ordering of stamps across processes: every write transaction (push, register) runs
 * at READ COMMITTED and first locks the user's row in sync_clock with SELECT … FOR
 * UPDATE, holding it to commit. The next writer of that user waits for the lock and
 * then reads the committed clock, so stamps (max(clock + 1, now)) are issued in commit
 * order and never collide, whichever process issues them. A sequence or now() alone
 * would not do: a transaction could take a smaller stamp and commit after a pull had
 * already returned a larger timestamp, and that pull's client would never see the row
 * (sync-protocol.md P4). A per-user row lock was chosen over an advisory lock because
 * the lock and the clock value are the same thing: nobody can read or bump the clock
 * without holding it, and it serialises only one user's writers. Each statement after
 * the lock sees everything the previous holder committed (READ COMMITTED takes a fresh
 * snapshot per statement), so the conflict check is never stale.
 *
 * A pull first reads the clock alone, one statement in its own snapshot: when it still
 * equals last_pulled_at nothing changed, and the pull is answered without a write.
 * Otherwise it bumps the clock under the same lock (its timestamp T, unique per pull),
 * then reads rows stamped at or below T in a REPEATABLE READ READ ONLY snapshot: every
 * write committed before the bump is at or below T, every later one above it.
 *
 * Durability: synchronous_commit is forced on for the session, so COMMIT returns only
 * after the WAL reached the disk, before the server acknowledges a push.
 *
 * Isolation between accounts: every statement filters by user_id. (Row-level security
 * as a second line of defence needs a separate, non-owner role; not set up here.) */

typedef struct
{
  const char  *name;       /* prepared statement */
  int          n_params;
  char       **params;
} Deferred;

typedef struct
{
  GpConnHeader  header;
  PGconn       *pg;
  GHashTable   *prepared;   /* static SQL text -> statement name */
  guint         n_prepared;
  GPtrArray    *deferred;   /* Deferred, see defer() */
  gboolean      broken;
} PgConn;

static void
deferred_free (gpointer data)
{
  Deferred *d = data;

  for (int i = 0; i < d->n_params; i++)
    g_free (d->params[i]);
  g_free (d->params);
  g_free (d);
}

static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS users ("
  "  id TEXT PRIMARY KEY,"
  "  email TEXT NOT NULL UNIQUE,"
  "  password_hash TEXT NOT NULL,"
  "  created_at BIGINT NOT NULL);"
  "CREATE TABLE IF NOT EXISTS refresh_tokens ("
  "  token_hash TEXT PRIMARY KEY,"
  "  user_id TEXT NOT NULL,"
  "  family TEXT NOT NULL,"
  "  expires_at BIGINT NOT NULL,"
  "  created_at BIGINT NOT NULL,"
  "  used_at BIGINT,"
  "  revoked BOOLEAN NOT NULL DEFAULT false);"
  "CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family);"
  "CREATE TABLE IF NOT EXISTS sync_clock ("
  "  user_id TEXT PRIMARY KEY,"
  "  ts BIGINT NOT NULL);"
  "CREATE TABLE IF NOT EXISTS records ("
  "  user_id TEXT NOT NULL,"
  "  tbl TEXT NOT NULL,"
  "  id TEXT NOT NULL,"
  "  data TEXT NOT NULL,"
  "  parent TEXT,"
  "  last_modified BIGINT NOT NULL,"
  "  server_created_at BIGINT NOT NULL,"
  "  created_stamp BIGINT NOT NULL,"
  "  deleted BOOLEAN NOT NULL DEFAULT false,"
  "  deleted_at BIGINT,"
  "  PRIMARY KEY (user_id, tbl, id));"
  "CREATE INDEX IF NOT EXISTS records_changes ON records (user_id, tbl, last_modified, id);"
  "CREATE INDEX IF NOT EXISTS records_parent ON records (user_id, tbl, parent) WHERE parent IS NOT NULL;"
  "CREATE TABLE IF NOT EXISTS push_ledger ("
  "  user_id TEXT NOT NULL,"
  "  push_id TEXT NOT NULL,"
  "  status INTEGER NOT NULL,"
  "  body TEXT NOT NULL,"
  "  created_at BIGINT NOT NULL,"
  "  PRIMARY KEY (user_id, push_id));";

/* Records rows this process has written, and the last of analyze_levels it analyzed
 * the records table at (see note_rows_written()). */
static gint rows_written;
static gint analyzed_level;
static const gint analyze_levels[] = { 500, 5000, 50000, 500000 };

static gboolean
set_pg_error (PgConn    *conn,
              PGresult  *result,
              GError   **error)
{
  const char *state = result != NULL ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;
  const char *message = result != NULL ? PQresultErrorMessage (result) : PQerrorMessage (conn->pg);
  g_autofree char *trimmed = g_strstrip (g_strdup (message != NULL ? message : "unknown error"));

  if (g_strcmp0 (state, "23505") == 0)
    g_set_error (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_EXISTS, "PostgreSQL: %s", trimmed);
  else if (PQstatus (conn->pg) != CONNECTION_OK)
    g_set_error (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_UNAVAILABLE, "PostgreSQL: %s", trimmed);
  else
    g_set_error (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_FAILED, "PostgreSQL: %s", trimmed);
  return FALSE;
}

/* Returns the name of @sql prepared on this connection, preparing it the first time. */
static const char *
prepare (PgConn      *conn,
         const char  *sql,
         int          n_params,
         GError     **error)
{
  const char *name = g_hash_table_lookup (conn->prepared, sql);
  char *new_name;
  PGresult *result;

  if (name != NULL)
    return name;

  new_name = g_strdup_printf ("gp%u", ++conn->n_prepared);
  result = PQprepare (conn->pg, new_name, sql, n_params, NULL);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      set_pg_error (conn, result, error);
      PQclear (result);
      g_free (new_name);
      return NULL;
    }
  PQclear (result);
  g_hash_table_insert (conn->prepared, (gpointer) sql, new_name);
  return new_name;
}

/* Queues a prepared statement whose result nobody needs (BEGIN, a write): it goes to the
 * server with the next statement that returns something, or with COMMIT, in one
 * pipeline, so a push costs three round trips instead of six. Its error, if any, is
 * reported by that statement. @sql must be static. */
static gboolean
defer (PgConn             *conn,
       const char         *sql,
       int                 n_params,
       const char * const *params,
       GError            **error)
{
  Deferred *d;
  const char *name = prepare (conn, sql, n_params, error);

  if (name == NULL)
    return FALSE;
  d = g_new0 (Deferred, 1);
  d->name = name;
  d->n_params = n_params;
  d->params = g_new0 (char *, MAX (n_params, 1));
  for (int i = 0; i < n_params; i++)
    d->params[i] = g_strdup (params[i]);
  g_ptr_array_add (conn->deferred, d);
  return TRUE;
}

static gboolean
result_ok (PGresult *result)
{
  ExecStatusType status = PQresultStatus (result);

  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

/* Sends the queued statements in one pipeline and waits for all their results; @kept
 * (NULL, or one slot per statement from @first_kept on) gets the results of those, for
 * the caller to clear. On failure @error comes from the first statement that failed
 * (the server skips the rest), nothing is kept, and an open transaction is left failed
 * for the caller to roll back. */
static gboolean
flush (PgConn    *conn,
       guint      first_kept,
       PGresult **kept,
       GError   **error)
{
  g_autoptr(GPtrArray) queue = g_steal_pointer (&conn->deferred);
  PGresult *failed = NULL, *result;
  gboolean ok;

  conn->deferred = g_ptr_array_new_with_free_func (deferred_free);

#ifdef LIBPQ_HAS_PIPELINING
  ok = PQenterPipelineMode (conn->pg) == 1;
  for (guint i = 0; ok && i < queue->len; i++)
    {
      Deferred *d = g_ptr_array_index (queue, i);

      ok = PQsendQueryPrepared (conn->pg, d->name, d->n_params, (const char * const *) d->params,
                                NULL, NULL, 0) == 1;
    }
  ok = ok && PQpipelineSync (conn->pg) == 1;
  for (guint i = 0; ok && i < queue->len; i++)
    {
      result = PQgetResult (conn->pg);
      if (result == NULL)
        {
          ok = FALSE;
          break;
        }
      /* Each statement's results end with a NULL. */
      while (PQgetResult (conn->pg) != NULL)
        ;
      if (!result_ok (result) && failed == NULL)
        failed = result;
      else if (kept != NULL && i >= first_kept)
        kept[i - first_kept] = result;
      else
        PQclear (result);
    }
  if (ok)
    {
      result = PQgetResult (conn->pg);
      ok = result != NULL && PQresultStatus (result) == PGRES_PIPELINE_SYNC;
      PQclear (result);
    }
  ok = PQexitPipelineMode (conn->pg) == 1 && ok;
  if (!ok)
    {
      /* Lost track of the protocol: the connection is not used again. */
      conn->broken = TRUE;
      if (failed == NULL)
        set_pg_error (conn, NULL, error);
    }
#else
  ok = TRUE;
  for (guint i = 0; i < queue->len; i++)
    {
      Deferred *d = g_ptr_array_index (queue, i);

      result = PQexecPrepared (conn->pg, d->name, d->n_params, (const char * const *) d->params,
                               NULL, NULL, 0);
      if (!result_ok (result))
        {
          failed = result;
          break;
        }
      if (kept != NULL && i >= first_kept)
        kept[i - first_kept] = result;
      else
        PQclear (result);
    }
#endif

  if (failed != NULL)
    {
      set_pg_error (conn, failed, error);
      PQclear (failed);
      ok = FALSE;
    }
  if (!ok)
    {
      for (guint i = first_kept; kept != NULL && i < queue->len; i++)
        g_clear_pointer (&kept[i - first_kept], PQclear);
      return FALSE;
    }
  return TRUE;
}

/* Runs a parameterised statement (prepared once per connection), after whatever
 * defer() queued. Values are text; NULL entries are SQL NULLs. */
static PGresult *
run (PgConn             *conn,
     const char         *sql,
     int                 n_params,
     const char * const *params,
     GError            **error)
{
  PGresult *result = NULL;

  if (!defer (conn, sql, n_params, params, error) ||
      !flush (conn, conn->deferred->len - 1, &result, error))
    return NULL;
  g_assert (result != NULL);
  return result;
}

static gboolean
run_done (PgConn             *conn,
          const char         *sql,
          int                 n_params,
          const char * const *params,
          GError            **error)
{
  PGresult *result = run (conn, sql, n_params, params, error);

  if (result == NULL)
    return FALSE;
  PQclear (result);
  return TRUE;
}

static gboolean
exec_simple (PgConn      *conn,
             const char  *sql,
             GError     **error)
{
  PGresult *result;
  ExecStatusType status;

  g_assert (conn->deferred->len == 0);
  result = PQexec (conn->pg, sql);
  status = PQresultStatus (result);

  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    {
      set_pg_error (conn, result, error);
      PQclear (result);
      return FALSE;
    }
  PQclear (result);
  return TRUE;
}

static char *
get_dup (PGresult *result,
         int       row,
         int       column)
{
  if (PQgetisnull (result, row, column))
    return NULL;
  return g_strdup (PQgetvalue (result, row, column));
}

static gint64
get_int (PGresult *result,
         int       row,
         int       column)
{
  return g_ascii_strtoll (PQgetvalue (result, row, column), NULL, 10);
}

static gboolean
get_bool (PGresult *result,
          int       row,
          int       column)
{
  return PQgetvalue (result, row, column)[0] == 't';
}

#define INT_TEXT(buf, value) g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, (gint64) (value))

static GpConn *
pg_connect (GpBackend  *backend,
            GError    **error)
{
  PgConn *conn = g_new0 (PgConn, 1);

  conn->header.backend = backend;
  conn->prepared = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  conn->deferred = g_ptr_array_new_with_free_func (deferred_free);
  conn->pg = PQconnectdb (backend->location);

  if (PQstatus (conn->pg) != CONNECTION_OK)
    {
      g_autofree char *message = g_strstrip (g_strdup (PQerrorMessage (conn->pg)));

      g_set_error (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_UNAVAILABLE,
                   "Cannot connect to PostgreSQL: %s", message);
      goto fail;
    }

  if (!exec_simple (conn,
                    "SET synchronous_commit = on;"
                    "SET client_encoding = 'UTF8';"
                    "SET default_transaction_isolation = 'read committed';"
                    "SET statement_timeout = '60s';"
                    "SET idle_in_transaction_session_timeout = '120s';"
                    "SET lock_timeout = '30s';",
                    error))
    goto fail;

  return (GpConn *) conn;

fail:
  PQfinish (conn->pg);
  g_hash_table_unref (conn->prepared);
  g_ptr_array_unref (conn->deferred);
  g_free (conn);
  return NULL;
}

static void
pg_disconnect (GpConn *c)
{
  PgConn *conn = (PgConn *) c;

  PQfinish (conn->pg);
  g_hash_table_unref (conn->prepared);
  g_ptr_array_unref (conn->deferred);
  g_free (conn);
}

static gboolean
pg_is_broken (GpConn *c)
{
  PgConn *conn = (PgConn *) c;

  return conn->broken || conn->deferred->len > 0 ||
         PQstatus (conn->pg) != CONNECTION_OK || PQtransactionStatus (conn->pg) != PQTRANS_IDLE;
}

static gboolean
pg_setup (GpConn  *c,
          GError **error)
{
  PgConn *conn = (PgConn *) c;

  /* Several processes may start at once; CREATE … IF NOT EXISTS alone races. */
  if (!exec_simple (conn, "BEGIN; SELECT pg_advisory_xact_lock(74936501);", error))
    return FALSE;
  if (!exec_simple (conn, schema_sql, error))
    {
      exec_simple (conn, "ROLLBACK;", NULL);
      return FALSE;
    }
  return exec_simple (conn, "COMMIT;", error);
}

static gboolean
pg_ping (GpConn  *c,
         GError **error)
{
  return exec_simple ((PgConn *) c, "SELECT 1 FROM sync_clock LIMIT 1;", error);
}

static gboolean
pg_begin_read (GpConn  *c,
               GError **error)
{
  /* Sent with the first statement of the transaction. */
  return defer ((PgConn *) c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, error);
}

static gboolean
pg_begin_write (GpConn  *c,
                GError **error)
{
  return defer ((PgConn *) c, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL, error);
}

/* After a commit: a fresh database is planned with empty-table estimates until
 * autovacuum first analyzes it (a minute or more after the first writes), and
 * connections keep those plans. Primary-key lookups then become walks over all of a
 * user's rows (0.6 ms per push at 1,300 rows each, growing). So each process runs
 * ANALYZE itself when its own writes cross 500, 5,000, 50,000 and 500,000 rows: four
 * short runs per process lifetime, which also replan the cached statements. */
static void
refresh_statistics (PgConn *conn)
{
  gint written = g_atomic_int_get (&rows_written);
  gint seen = g_atomic_int_get (&analyzed_level);
  gint level = seen;
  g_autoptr(GError) error = NULL;

  if (level >= (gint) G_N_ELEMENTS (analyze_levels) || written < analyze_levels[level])
    return;
  while (level + 1 < (gint) G_N_ELEMENTS (analyze_levels) && written >= analyze_levels[level + 1])
    level++;
  if (!g_atomic_int_compare_and_exchange (&analyzed_level, seen, level + 1))
    return;
  if (!exec_simple (conn, "ANALYZE records;", &error))
    g_debug ("ANALYZE records: %s", error->message);
}

static gboolean
pg_commit (GpConn  *c,
           GError **error)
{
  PgConn *conn = (PgConn *) c;
  gboolean ok;

  /* The queued writes and the COMMIT go in one round trip. */
  if (conn->deferred->len > 0)
    {
      ok = defer (conn, "COMMIT", 0, NULL, error);
      ok = ok && flush (conn, 0, NULL, error);
    }
  else
    ok = exec_simple (conn, "COMMIT;", error);
  if (!ok)
    {
      g_ptr_array_set_size (conn->deferred, 0);
      if (PQtransactionStatus (conn->pg) != PQTRANS_IDLE)
        exec_simple (conn, "ROLLBACK;", NULL);
      return FALSE;
    }
  refresh_statistics (conn);
  return TRUE;
}

static void
pg_rollback (GpConn *c)
{
  PgConn *conn = (PgConn *) c;

  g_ptr_array_set_size (conn->deferred, 0);
  if (PQstatus (conn->pg) == CONNECTION_OK && PQtransactionStatus (conn->pg) != PQTRANS_IDLE)
    exec_simple (conn, "ROLLBACK;", NULL);
}

static gboolean
pg_create_user (GpConn      *c,
                const char  *user_id,
                const char  *email,
                const char  *password_hash,
                gint64       now,
                GError     **error)
{
  PgConn *conn = (PgConn *) c;
  char now_text[32];
  const char *params[4];

  INT_TEXT (now_text, now);
  params[0] = user_id;
  params[1] = email;
  params[2] = password_hash;
  params[3] = now_text;
  if (!run_done (conn, "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)",
                 4, params, error))
    {
      if (g_error_matches (*error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_EXISTS))
        {
          g_clear_error (error);
          g_set_error_literal (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_EXISTS, "The account exists");
        }
      return FALSE;
    }

  params[1] = now_text;
  return run_done (conn, "INSERT INTO sync_clock (user_id, ts) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                   2, params, error);
}

static gboolean
pg_find_user (GpConn      *c,
              const char  *email,
              char       **user_id,
              char       **password_hash,
              GError     **error)
{
  PgConn *conn = (PgConn *) c;
  const char *params[] = { email };
  PGresult *result = run (conn, "SELECT id, password_hash FROM users WHERE email = $1", 1, params, error);

  if (result == NULL)
    return FALSE;
  if (PQntuples (result) > 0)
    {
      *user_id = get_dup (result, 0, 0);
      *password_hash = get_dup (result, 0, 1);
    }
  PQclear (result);
  return TRUE;
}

static gboolean
pg_set_password_hash (GpConn      *c,
                      const char  *user_id,
                      const char  *password_hash,
                      GError     **error)
{
  const char *params[] = { user_id, password_hash };

  return run_done ((PgConn *) c, "UPDATE users SET password_hash = $2 WHERE id = $1", 2, params, error);
}

static gboolean
pg_insert_refresh (GpConn      *c,
                   const char  *token_hash,
                   const char  *user_id,
                   const char  *family,
                   gint64       expires_at,
                   gint64       now,
                   GError     **error)
{
  char expires_text[32], now_text[32];
  const char *params[5];

  INT_TEXT (expires_text, expires_at);
  INT_TEXT (now_text, now);
  params[0] = token_hash;
  params[1] = user_id;
  params[2] = family;
  params[3] = expires_text;
  params[4] = now_text;
  return run_done ((PgConn *) c,
                   "INSERT INTO refresh_tokens (token_hash, user_id, family, expires_at, created_at)"
                   " VALUES ($1, $2, $3, $4, $5)", 5, params, error);
}

static gboolean
pg_get_refresh (GpConn        *c,
                const char    *token_hash,
                GpRefreshRow  *out,
                GError       **error)
{
  const char *params[] = { token_hash };
  PGresult *result;

  /* FOR UPDATE: two refreshes racing with one token cannot both succeed. */
  result = run ((PgConn *) c,
                "SELECT user_id, family, expires_at, used_at IS NOT NULL, revoked"
                " FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE", 1, params, error);
  if (result == NULL)
    return FALSE;
  if (PQntuples (result) > 0)
    {
      out->user_id = get_dup (result, 0, 0);
      out->family = get_dup (result, 0, 1);
      out->expires_at = get_int (result, 0, 2);
      out->used = get_bool (result, 0, 3);
      out->revoked = get_bool (result, 0, 4);
    }
  PQclear (result);
  return TRUE;
}

static gboolean
pg_mark_refresh_used (GpConn      *c,
                      const char  *token_hash,
                      gint64       now,
                      GError     **error)
{
  char now_text[32];
  const char *params[2];

  INT_TEXT (now_text, now);
  params[0] = token_hash;
  params[1] = now_text;
  return run_done ((PgConn *) c, "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1",
                   2, params, error);
}

static gboolean
pg_revoke_family (GpConn      *c,
                  const char  *family,
                  GError     **error)
{
  const char *params[] = { family };

  return run_done ((PgConn *) c, "UPDATE refresh_tokens SET revoked = true WHERE family = $1",
                   1, params, error);
}

static const char lock_sql[] = "SELECT ts FROM sync_clock WHERE user_id = $1 FOR UPDATE";

static gboolean
pg_lock_clock (GpConn      *c,
               const char  *user_id,
               gint64       now,
               gint64      *ts,
               GError     **error)
{
  PgConn *conn = (PgConn *) c;
  char now_text[32];
  const char *params[2];
  PGresult *result;

  INT_TEXT (now_text, now);
  params[0] = user_id;
  params[1] = now_text;
  /* Held until COMMIT/ROLLBACK: see the comment at the top. The row exists from
   * registration on; creating it is the rare fallback. */
  result = run (conn, lock_sql, 1, params, error);
  if (result != NULL && PQntuples (result) == 0)
    {
      PQclear (result);
      if (!run_done (conn, "INSERT INTO sync_clock (user_id, ts) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                     2, params, error))
        return FALSE;
      result = run (conn, lock_sql, 1, params, error);
    }
  if (result == NULL)
    return FALSE;
  if (PQntuples (result) != 1)
    {
      PQclear (result);
      g_set_error_literal (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_FAILED, "The clock row is missing");
      return FALSE;
    }
  *ts = get_int (result, 0, 0);
  PQclear (result);
  return TRUE;
}

static gboolean
pg_set_clock (GpConn      *c,
              const char  *user_id,
              gint64       ts,
              GError     **error)
{
  char ts_text[32];
  const char *params[2];

  INT_TEXT (ts_text, ts);
  params[0] = user_id;
  params[1] = ts_text;
  return defer ((PgConn *) c, "UPDATE sync_clock SET ts = $2 WHERE user_id = $1", 2, params, error);
}

static gboolean
pg_advance_clock (GpConn      *c,
                  const char  *user_id,
                  gint64       now,
                  gint64      *ts,
                  GError     **error)
{
  PgConn *conn = (PgConn *) c;
  char now_text[32];
  const char *params[2];
  PGresult *result = NULL;
  PGresult *results[2] = { NULL, NULL };   /* the bump's and the commit's */

  INT_TEXT (now_text, now);
  params[0] = user_id;
  params[1] = now_text;

  /* The bump takes the same row lock as a push, so it is ordered with them; it need
   * not wait for the WAL flush (see the vtable). One round trip: the transaction, the
   * bump and the commit go in one pipeline. */
  if (!defer (conn, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL, error) ||
      !defer (conn, "SET LOCAL synchronous_commit = off", 0, NULL, error) ||
      !defer (conn, "UPDATE sync_clock SET ts = GREATEST (ts + 1, $2) WHERE user_id = $1 RETURNING ts",
              2, params, error) ||
      !defer (conn, "COMMIT", 0, NULL, error) ||
      !flush (conn, 2, results, error))
    goto fail;
  result = results[0];
  PQclear (results[1]);

  if (PQntuples (result) == 0)
    {
      /* No clock row yet (registration creates one; this is the fallback). */
      g_clear_pointer (&result, PQclear);
      if (!defer (conn, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL, error) ||
          !defer (conn, "INSERT INTO sync_clock (user_id, ts) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                  2, params, error))
        goto fail;
      result = run (conn, "UPDATE sync_clock SET ts = GREATEST (ts + 1, $2) WHERE user_id = $1 RETURNING ts",
                    2, params, error);
      if (result == NULL)
        goto fail;
      if (PQntuples (result) != 1)
        {
          g_clear_pointer (&result, PQclear);
          g_set_error_literal (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_FAILED, "The clock row is missing");
          goto fail;
        }
      if (!pg_commit (c, error))
        goto fail;
    }

  *ts = get_int (result, 0, 0);
  PQclear (result);
  return TRUE;

fail:
  g_clear_pointer (&result, PQclear);
  pg_rollback (c);
  return FALSE;
}

static gboolean
pg_read_clock (GpConn      *c,
               const char  *user_id,
               gint64       after,
               gint64      *ts,
               gboolean    *changed,
               gboolean    *found,
               GError     **error)
{
  static gsize sql = 0;
  char after_text[32];
  const char *params[2];
  PGresult *result;

  /* One statement, one snapshot. Per table, the first row above @after in
   * records_changes order: the ORDER BY keeps the planner on that index even before
   * the table has statistics (the primary key would need a sort). They run only when
   * the clock has moved: no row is ever stamped above it. */
  if (g_once_init_enter (&sql))
    {
      GString *text = g_string_new ("SELECT ts, CASE WHEN ts = $2 THEN false ELSE coalesce (");
      guint n_tables;
      const GpTable *tables = gp_schema_get_tables (&n_tables);

      for (guint i = 0; i < n_tables; i++)
        {
          g_assert (strspn (tables[i].name, "abcdefghijklmnopqrstuvwxyz_") == strlen (tables[i].name));
          g_string_append_printf (text,
                                  "(SELECT 1 FROM records WHERE user_id = $1 AND tbl = '%s'"
                                  " AND last_modified > $2 ORDER BY last_modified LIMIT 1), ",
                                  tables[i].name);
        }
      g_string_append (text, "0) = 1 END FROM sync_clock WHERE user_id = $1");
      g_once_init_leave (&sql, (gsize) g_string_free (text, FALSE));
    }

  INT_TEXT (after_text, after);
  params[0] = user_id;
  params[1] = after_text;
  result = run ((PgConn *) c, (const char *) sql, 2, params, error);
  if (result == NULL)
    return FALSE;
  *found = PQntuples (result) == 1;
  if (*found)
    {
      *ts = get_int (result, 0, 0);
      *changed = get_bool (result, 0, 1);
    }
  PQclear (result);
  return TRUE;
}

static const char ledger_sql[] = "SELECT status, body FROM push_ledger WHERE user_id = $1 AND push_id = $2";

static void
read_ledger (PGresult  *result,
             gboolean  *found,
             guint     *status,
             char     **body)
{
  *found = PQntuples (result) > 0;
  if (*found)
    {
      *status = (guint) get_int (result, 0, 0);
      *body = get_dup (result, 0, 1);
    }
}

static gboolean
pg_get_ledger (GpConn      *c,
               const char  *user_id,
               const char  *push_id,
               gboolean    *found,
               guint       *status,
               char       **body,
               GError     **error)
{
  const char *params[] = { user_id, push_id };
  PGresult *result = run ((PgConn *) c, ledger_sql, 2, params, error);

  *found = FALSE;
  if (result == NULL)
    return FALSE;
  read_ledger (result, found, status, body);
  PQclear (result);
  return TRUE;
}

static gboolean
pg_put_ledger (GpConn      *c,
               const char  *user_id,
               const char  *push_id,
               guint        status,
               const char  *body,
               gint64       now,
               GError     **error)
{
  char status_text[32], now_text[32];
  const char *params[5];

  INT_TEXT (status_text, status);
  INT_TEXT (now_text, now);
  params[0] = user_id;
  params[1] = push_id;
  params[2] = status_text;
  params[3] = body;
  params[4] = now_text;
  return defer ((PgConn *) c,
                "INSERT INTO push_ledger (user_id, push_id, status, body, created_at) VALUES ($1, $2, $3, $4, $5)",
                5, params, error);
}

static gboolean
pg_get_row (GpConn      *c,
            const char  *user_id,
            const char  *table,
            const char  *id,
            GpRow       *out,
            GError     **error)
{
  const char *params[] = { user_id, table, id };
  PGresult *result = run ((PgConn *) c,
                          "SELECT last_modified, server_created_at, deleted, created_stamp FROM records"
                          " WHERE user_id = $1 AND tbl = $2 AND id = $3", 3, params, error);

  if (result == NULL)
    return FALSE;
  if (PQntuples (result) > 0)
    {
      out->table = g_strdup (table);
      out->id = g_strdup (id);
      out->last_modified = get_int (result, 0, 0);
      out->server_created_at = get_int (result, 0, 1);
      out->deleted = get_bool (result, 0, 2);
      out->created_stamp = get_int (result, 0, 3);
    }
  PQclear (result);
  return TRUE;
}

/* Appends @value as an element of a PostgreSQL array literal; NULL is SQL NULL. */
static void
append_array_element (GString    *array,
                      const char *value)
{
  if (array->len > 1)
    g_string_append_c (array, ',');
  if (value == NULL)
    {
      g_string_append (array, "NULL");
      return;
    }
  g_string_append_c (array, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (array, '\\');
      g_string_append_c (array, *p);
    }
  g_string_append_c (array, '"');
}

/* One primary-key probe per id. The plain "id = ANY ($3)" form let the planner, on a
 * table not yet analyzed (a new database: the first minute, until autovacuum runs),
 * walk all of the user's rows of the table through records_changes and filter them,
 * so a push cost grew with the account's size (0.6 ms per push at 1,300 rows each,
 * growing). The LIMIT keeps the lateral subquery a per-id lookup, and the ANALYZE runs
 * of refresh_statistics() give the planner real sizes. */
static const char rows_sql[] =
  "SELECT r.id, r.last_modified, r.server_created_at, r.deleted, r.created_stamp"
  " FROM unnest ($3::text[]) AS u (id) CROSS JOIN LATERAL"
  "   (SELECT id, last_modified, server_created_at, deleted, created_stamp FROM records"
  "    WHERE user_id = $1 AND tbl = $2 AND id = u.id LIMIT 1) AS r";

/* Queues rows_sql for @ids of @table. */
static gboolean
defer_rows (PgConn      *conn,
            const char  *user_id,
            const char  *table,
            GPtrArray   *ids,
            GError     **error)
{
  g_autoptr(GString) array = g_string_new ("{");
  const char *params[3];

  for (guint i = 0; i < ids->len; i++)
    append_array_element (array, g_ptr_array_index (ids, i));
  g_string_append_c (array, '}');

  params[0] = user_id;
  params[1] = table;
  params[2] = array->str;
  return defer (conn, rows_sql, 3, params, error);
}

static void
read_rows (PGresult    *result,
           const char  *table,
           GHashTable  *rows)
{
  for (int i = 0; i < PQntuples (result); i++)
    {
      GpRow *row = g_new0 (GpRow, 1);

      row->table = g_strdup (table);
      row->id = get_dup (result, i, 0);
      row->last_modified = get_int (result, i, 1);
      row->server_created_at = get_int (result, i, 2);
      row->deleted = get_bool (result, i, 3);
      row->created_stamp = get_int (result, i, 4);
      g_hash_table_replace (rows, g_strdup (row->id), row);
    }
}

static gboolean
pg_get_rows (GpConn      *c,
             const char  *user_id,
             const char  *table,
             GPtrArray   *ids,
             GHashTable  *rows,
             GError     **error)
{
  PgConn *conn = (PgConn *) c;
  PGresult *result = NULL;

  if (!defer_rows (conn, user_id, table, ids, error) ||
      !flush (conn, conn->deferred->len - 1, &result, error))
    return FALSE;
  read_rows (result, table, rows);
  PQclear (result);
  return TRUE;
}

static gboolean
pg_lock_and_read (GpConn       *c,
                  const char   *user_id,
                  gint64        now,
                  gint64       *ts,
                  const char   *push_id,
                  gboolean     *ledger_found,
                  guint        *ledger_status,
                  char        **ledger_body,
                  GpRowsQuery  *queries,
                  guint         n_queries,
                  GError      **error)
{
  PgConn *conn = (PgConn *) c;
  const char *params[2] = { user_id, push_id };
  guint first = conn->deferred->len;
  g_autofree PGresult **results = NULL;
  guint n, next;
  gboolean ok = TRUE;

  *ledger_found = FALSE;
  if (!defer (conn, lock_sql, 1, params, error) ||
      (push_id != NULL && !defer (conn, ledger_sql, 2, params, error)))
    return FALSE;
  for (guint q = 0; q < n_queries; q++)
    if (!defer_rows (conn, user_id, queries[q].table, queries[q].ids, error))
      return FALSE;

  n = conn->deferred->len - first;
  results = g_new0 (PGresult *, n);
  if (!flush (conn, first, results, error))
    return FALSE;

  if (PQntuples (results[0]) != 1)
    {
      /* No clock row yet: the rare path, one call at a time. */
      for (guint i = 0; i < n; i++)
        PQclear (results[i]);
      if (!pg_lock_clock (c, user_id, now, ts, error) ||
          (push_id != NULL && !pg_get_ledger (c, user_id, push_id, ledger_found, ledger_status,
                                              ledger_body, error)))
        return FALSE;
      for (guint q = 0; ok && q < n_queries; q++)
        ok = pg_get_rows (c, user_id, queries[q].table, queries[q].ids, queries[q].rows, error);
      return ok;
    }

  *ts = get_int (results[0], 0, 0);
  next = 1;
  if (push_id != NULL)
    read_ledger (results[next++], ledger_found, ledger_status, ledger_body);
  for (guint q = 0; q < n_queries; q++)
    read_rows (results[next++], queries[q].table, queries[q].rows);
  for (guint i = 0; i < n; i++)
    PQclear (results[i]);
  return TRUE;
}

static gboolean
pg_put_rows (GpConn      *c,
             const char  *user_id,
             GArray      *rows,
             GPtrArray   *parents,
             GError     **error)
{
  g_autoptr(GString) ids = g_string_new ("{");
  g_autoptr(GString) data = g_string_new ("{");
  g_autoptr(GString) parent_values = g_string_new ("{");
  g_autoptr(GString) created = g_string_new ("{");
  g_autoptr(GString) stamps = g_string_new ("{");
  const GpRow *first = &g_array_index (rows, GpRow, 0);
  char modified_text[32];
  const char *params[8];

  for (guint i = 0; i < rows->len; i++)
    {
      const GpRow *row = &g_array_index (rows, GpRow, i);
      char number[32];

      g_assert (row->data != NULL && !row->deleted && row->last_modified == first->last_modified);
      append_array_element (ids, row->id);
      append_array_element (data, row->data);
      append_array_element (parent_values, g_ptr_array_index (parents, i));
      INT_TEXT (number, row->server_created_at);
      append_array_element (created, number);
      INT_TEXT (number, row->created_stamp);
      append_array_element (stamps, number);
    }
  g_string_append_c (ids, '}');
  g_string_append_c (data, '}');
  g_string_append_c (parent_values, '}');
  g_string_append_c (created, '}');
  g_string_append_c (stamps, '}');

  g_atomic_int_add (&rows_written, (gint) rows->len);
  INT_TEXT (modified_text, first->last_modified);
  params[0] = user_id;
  params[1] = first->table;
  params[2] = modified_text;
  params[3] = ids->str;
  params[4] = data->str;
  params[5] = parent_values->str;
  params[6] = created->str;
  params[7] = stamps->str;
  return defer ((PgConn *) c,
                "INSERT INTO records (user_id, tbl, id, data, parent, last_modified,"
                "                     server_created_at, created_stamp, deleted, deleted_at)"
                " SELECT $1, $2, u.id, u.data, u.parent, $3, u.created, u.stamp, false, NULL"
                " FROM unnest ($4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[])"
                "   AS u (id, data, parent, created, stamp)"
                " ON CONFLICT (user_id, tbl, id) DO UPDATE SET"
                "   data = excluded.data, parent = excluded.parent,"
                "   last_modified = excluded.last_modified,"
                "   server_created_at = excluded.server_created_at,"
                "   created_stamp = excluded.created_stamp,"
                "   deleted = false, deleted_at = NULL",
                8, params, error);
}

static gboolean
pg_put_row (GpConn      *c,
            const char  *user_id,
            const GpRow *row,
            const char  *parent,
            GError     **error)
{
  char modified_text[32], created_text[32], stamp_text[32];
  const char *params[9];

  g_atomic_int_inc (&rows_written);
  INT_TEXT (modified_text, row->last_modified);
  INT_TEXT (created_text, row->server_created_at);
  INT_TEXT (stamp_text, row->created_stamp);
  params[0] = user_id;
  params[1] = row->table;
  params[2] = row->id;

  if (row->data == NULL)
    {
      params[3] = modified_text;
      params[4] = row->deleted ? "t" : "f";
      return defer ((PgConn *) c,
                    "UPDATE records SET last_modified = $4, deleted = $5,"
                    "   deleted_at = CASE WHEN $5 THEN coalesce (deleted_at, $4) END,"
                    "   data = CASE WHEN $5 THEN json_build_object ('id', id)::text ELSE data END"
                    " WHERE user_id = $1 AND tbl = $2 AND id = $3", 5, params, error);
    }

  params[3] = row->data;
  params[4] = parent;
  params[5] = modified_text;
  params[6] = created_text;
  params[7] = row->deleted ? "t" : "f";
  params[8] = stamp_text;
  return defer ((PgConn *) c,
                "INSERT INTO records (user_id, tbl, id, data, parent, last_modified,"
                "                     server_created_at, created_stamp, deleted, deleted_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $9, $8, CASE WHEN $8 THEN $6::bigint END)"
                " ON CONFLICT (user_id, tbl, id) DO UPDATE SET"
                "   data = excluded.data, parent = excluded.parent,"
                "   last_modified = excluded.last_modified,"
                "   server_created_at = excluded.server_created_at,"
                "   created_stamp = excluded.created_stamp,"
                "   deleted = excluded.deleted,"
                "   deleted_at = CASE WHEN excluded.deleted THEN coalesce (records.deleted_at, excluded.deleted_at) END",
                9, params, error);
}

static gboolean
pg_list_children (GpConn      *c,
                  const char  *user_id,
                  const char  *table,
                  const char  *parent,
                  GPtrArray   *ids,
                  GError     **error)
{
  const char *params[] = { user_id, table, parent };
  PGresult *result = run ((PgConn *) c,
                          "SELECT id FROM records WHERE user_id = $1 AND tbl = $2 AND parent = $3 AND NOT deleted",
                          3, params, error);

  if (result == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (ids, get_dup (result, i, 0));
  PQclear (result);
  return TRUE;
}

static gboolean
pg_prune (GpConn      *c,
          gint64       ledger_before,
          gint64       refresh_before,
          GError     **error)
{
  char ledger_text[32], refresh_text[32];
  const char *p1[1], *p2[1];

  INT_TEXT (ledger_text, ledger_before);
  INT_TEXT (refresh_text, refresh_before);
  p1[0] = ledger_text;
  p2[0] = refresh_text;
  return run_done ((PgConn *) c, "DELETE FROM push_ledger WHERE created_at < $1", 1, p1, error) &&
         run_done ((PgConn *) c, "DELETE FROM refresh_tokens WHERE expires_at < $1", 1, p2, error);
}

static gboolean
pg_scan (GpConn        *c,
         const GpScan  *scan,
         GpRowFunc      func,
         gpointer       user_data,
         GError       **error)
{
  char after_text[32], upto_text[32], key_text[32], limit_text[32];
  const char *params[9];
  PGresult *result;

  INT_TEXT (after_text, scan->after);
  INT_TEXT (upto_text, scan->upto);
  INT_TEXT (key_text, scan->key_modified);
  INT_TEXT (limit_text, scan->limit);
  params[0] = scan->user_id;
  params[1] = scan->table;
  params[2] = after_text;
  params[3] = upto_text;
  params[4] = scan->include_deleted ? "t" : "f";
  params[5] = key_text;
  params[6] = scan->key_id;
  params[7] = scan->with_data ? "t" : "f";
  params[8] = scan->limit > 0 ? limit_text : NULL;

  result = run ((PgConn *) c,
                "SELECT id, last_modified, server_created_at, deleted, CASE WHEN $8::boolean THEN data END,"
                "       created_stamp"
                " FROM records"
                " WHERE user_id = $1 AND tbl = $2 AND last_modified > $3 AND last_modified <= $4"
                "   AND ($5::boolean OR NOT deleted)"
                "   AND ($7::text IS NULL OR (last_modified, id) > ($6::bigint, $7::text))"
                " ORDER BY last_modified, id"
                " LIMIT $9::bigint", 9, params, error);
  if (result == NULL)
    return FALSE;

  for (int i = 0; i < PQntuples (result); i++)
    {
      GpRow row = { 0, };

      row.table = (char *) scan->table;
      row.id = PQgetvalue (result, i, 0);
      row.last_modified = get_int (result, i, 1);
      row.server_created_at = get_int (result, i, 2);
      row.deleted = get_bool (result, i, 3);
      row.data = PQgetisnull (result, i, 4) ? NULL : PQgetvalue (result, i, 4);
      row.created_stamp = get_int (result, i, 5);
      if (!func (&row, user_data))
        break;
    }
  PQclear (result);
  return TRUE;
}

const GpBackendVTable gp_backend_postgres_vtable = {
  .name = "postgresql",
  .connect = pg_connect,
  .disconnect = pg_disconnect,
  .is_broken = pg_is_broken,
  .setup = pg_setup,
  .ping = pg_ping,
  .begin_read = pg_begin_read,
  .begin_write = pg_begin_write,
  .commit = pg_commit,
  .rollback = pg_rollback,
  .create_user = pg_create_user,
  .find_user = pg_find_user,
  .set_password_hash = pg_set_password_hash,
  .insert_refresh = pg_insert_refresh,
  .get_refresh = pg_get_refresh,
  .mark_refresh_used = pg_mark_refresh_used,
  .revoke_family = pg_revoke_family,
  .lock_clock = pg_lock_clock,
  .lock_and_read = pg_lock_and_read,
  .set_clock = pg_set_clock,
  .advance_clock = pg_advance_clock,
  .read_clock = pg_read_clock,
  .get_ledger = pg_get_ledger,
  .put_ledger = pg_put_ledger,
  .get_row = pg_get_row,
  .get_rows = pg_get_rows,
  .put_row = pg_put_row,
  .put_rows = pg_put_rows,
  .list_children = pg_list_children,
  .prune = pg_prune,
  .scan = pg_scan,
};
