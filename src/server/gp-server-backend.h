/* gp-server-backend.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The storage interface of gigpilot-server. A backend stores, per (user_id, table, id), the
 * record's JSON, its last_modified stamp, when it was created (server_created_at and
 * created_stamp) and a deleted flag,
 * plus accounts, refresh tokens, the push ledger and one clock row per user. It knows
 * nothing about the sync protocol: gp-server-sync.c runs the protocol over these
 * primitives, so both backends follow exactly the same rules.
 *
 * Every function takes a connection from gp_backend_acquire() and runs on a worker
 * thread; a connection is used by one thread at a time. Every record query is scoped
 * to a user id. */

typedef struct _GpBackend GpBackend;
typedef struct _GpConn    GpConn;

#define GP_BACKEND_ERROR (gp_backend_error_quark ())

typedef enum
{
  GP_BACKEND_ERROR_FAILED,
  GP_BACKEND_ERROR_EXISTS,
  GP_BACKEND_ERROR_UNAVAILABLE,
} GpBackendError;

typedef struct
{
  char     *table;
  char     *id;
  char     *data;               /* the record's JSON object, with "id"; NULL if not fetched */
  gint64    last_modified;
  /* The pushing client's last_pulled_at when a push created the row (P1 fix b). */
  gint64    server_created_at;
  /* The stamp of the push that created the row. */
  gint64    created_stamp;
  gboolean  deleted;
} GpRow;

typedef struct
{
  char     *user_id;
  char     *family;
  gint64    expires_at;         /* ms */
  gboolean  used;
  gboolean  revoked;
} GpRefreshRow;

/* get_rows() for one table, in lock_and_read(). */
typedef struct
{
  const char *table;
  GPtrArray  *ids;              /* ids to read (borrowed) */
  GHashTable *rows;             /* filled as get_rows() does */
} GpRowsQuery;

/* Returns FALSE to stop the scan. */
typedef gboolean (*GpRowFunc) (const GpRow *row,
                               gpointer     user_data);

typedef struct
{
  const char *user_id;
  /* Rows with after < last_modified <= upto. */
  gint64      after;
  gint64      upto;
  const char *table;
  gboolean    include_deleted;
  gboolean    with_data;
  /* Keyset position: rows strictly after (key_modified, key_id); key_id NULL: from the start. */
  gint64      key_modified;
  const char *key_id;
  /* 0: no limit. */
  guint       limit;
} GpScan;

typedef struct
{
  const char *name;

  GpConn   *(*connect)           (GpBackend   *self,
                                  GError     **error);
  /* Optional: a connection whose reads never wait (they fail at once instead), cheap
   * enough for the server's main thread to answer pulls with nothing to send. NULL for
   * backends where every statement is a network round trip. */
  GpConn   *(*connect_inline)    (GpBackend   *self,
                                  GError     **error);
  void      (*disconnect)        (GpConn      *conn);
  gboolean  (*is_broken)         (GpConn      *conn);
  gboolean  (*setup)             (GpConn      *conn,
                                  GError     **error);
  gboolean  (*ping)              (GpConn      *conn,
                                  GError     **error);

  /* A read transaction sees one consistent snapshot. A write transaction is serialised
   * with every other write of the same user by lock_clock(). */
  gboolean  (*begin_read)        (GpConn      *conn,
                                  GError     **error);
  gboolean  (*begin_write)       (GpConn      *conn,
                                  GError     **error);
  gboolean  (*commit)            (GpConn      *conn,
                                  GError     **error);
  void      (*rollback)          (GpConn      *conn);

  gboolean  (*create_user)       (GpConn      *conn,
                                  const char  *user_id,
                                  const char  *email,
                                  const char  *password_hash,
                                  gint64       now,
                                  GError     **error);
  /* *user_id stays NULL when there is no such account. */
  gboolean  (*find_user)         (GpConn      *conn,
                                  const char  *email,
                                  char       **user_id,
                                  char       **password_hash,
                                  GError     **error);
  gboolean  (*set_password_hash) (GpConn      *conn,
                                  const char  *user_id,
                                  const char  *password_hash,
                                  GError     **error);

  gboolean  (*insert_refresh)    (GpConn      *conn,
                                  const char  *token_hash,
                                  const char  *user_id,
                                  const char  *family,
                                  gint64       expires_at,
                                  gint64       now,
                                  GError     **error);
  /* Inside a write transaction; locks the row. out->user_id stays NULL when unknown. */
  gboolean  (*get_refresh)       (GpConn      *conn,
                                  const char  *token_hash,
                                  GpRefreshRow *out,
                                  GError     **error);
  gboolean  (*mark_refresh_used) (GpConn      *conn,
                                  const char  *token_hash,
                                  gint64       now,
                                  GError     **error);
  gboolean  (*revoke_family)     (GpConn      *conn,
                                  const char  *family,
                                  GError     **error);

  /* Inside a write transaction: creates the user's clock row if needed, locks it until
   * commit and returns its value. */
  gboolean  (*lock_clock)        (GpConn      *conn,
                                  const char  *user_id,
                                  gint64       now,
                                  gint64      *ts,
                                  GError     **error);
  /* Optional: lock_clock(), then get_ledger() when @push_id is not NULL (else
   * *ledger_found stays FALSE), then get_rows() for each of @queries, in one round
   * trip. The reads run after the lock is held, as if called one by one. */
  gboolean  (*lock_and_read)     (GpConn      *conn,
                                  const char  *user_id,
                                  gint64       now,
                                  gint64      *ts,
                                  const char  *push_id,
                                  gboolean    *ledger_found,
                                  guint       *ledger_status,
                                  char       **ledger_body,
                                  GpRowsQuery *queries,
                                  guint        n_queries,
                                  GError     **error);
  gboolean  (*set_clock)         (GpConn      *conn,
                                  const char  *user_id,
                                  gint64       ts,
                                  GError     **error);
  /* Outside any transaction: in a short transaction of its own, sets the user's clock
   * to max(clock + 1, now) and returns it. This is the timestamp of a pull with changes:
   * unique per pull, and every write committed later is stamped above it. The bump need not be durable
   * (a lost bump is re-covered by the wall clock after a restart), so backends may
   * commit it without waiting for the disk. */
  gboolean  (*advance_clock)     (GpConn      *conn,
                                  const char  *user_id,
                                  gint64       now,
                                  gint64      *ts,
                                  GError     **error);

  /* Reads the user's clock without writing, outside any transaction: one statement
   * with its own snapshot. Every row in it is stamped at or below the value, and every
   * later write above it (writes stamp max(clock + 1, now) under the clock lock).
   * *changed tells, from the same snapshot, whether any row of the synced tables is
   * stamped above @after. *found is FALSE when the user has no clock row yet. */
  gboolean  (*read_clock)        (GpConn      *conn,
                                  const char  *user_id,
                                  gint64       after,
                                  gint64      *ts,
                                  gboolean    *changed,
                                  gboolean    *found,
                                  GError     **error);

  gboolean  (*get_ledger)        (GpConn      *conn,
                                  const char  *user_id,
                                  const char  *push_id,
                                  gboolean    *found,
                                  guint       *status,
                                  char       **body,
                                  GError     **error);
  gboolean  (*put_ledger)        (GpConn      *conn,
                                  const char  *user_id,
                                  const char  *push_id,
                                  guint        status,
                                  const char  *body,
                                  gint64       now,
                                  GError     **error);

  /* out->id stays NULL when the row does not exist. Never fetches data. */
  gboolean  (*get_row)           (GpConn      *conn,
                                  const char  *user_id,
                                  const char  *table,
                                  const char  *id,
                                  GpRow       *out,
                                  GError     **error);
  /* Optional: get_row() for many ids of one table in one statement; adds a GpRow
   * (transfer full) to @rows, keyed by a copy of its id, for each that exists. */
  gboolean  (*get_rows)          (GpConn      *conn,
                                  const char  *user_id,
                                  const char  *table,
                                  GPtrArray   *ids,
                                  GHashTable  *rows,
                                  GError     **error);
  /* With row->data: insert or replace the row (table, id) of the user; parent is the
   * value of the table's parent column, or NULL. Without: restamp an existing row
   * (last_modified, deleted; deleted_at is set on its first deletion), keeping its data
   * and creation stamps. */
  gboolean  (*put_row)           (GpConn      *conn,
                                  const char  *user_id,
                                  const GpRow *row,
                                  const char  *parent,
                                  GError     **error);
  /* Optional: put_row() with data for several rows of one table in one statement.
   * @rows holds GpRow (with data, not deleted, distinct ids), @parents their parent
   * values (NULL entries for none). */
  gboolean  (*put_rows)          (GpConn      *conn,
                                  const char  *user_id,
                                  GArray      *rows,
                                  GPtrArray   *parents,
                                  GError     **error);
  /* Ids of the user's live rows of @table whose parent column is @parent. */
  gboolean  (*list_children)     (GpConn      *conn,
                                  const char  *user_id,
                                  const char  *table,
                                  const char  *parent,
                                  GPtrArray   *ids,
                                  GError     **error);
  /* Deletes push ledger rows recorded before @ledger_before and refresh tokens that
   * expired before @refresh_before (ms). Tombstones are kept. */
  gboolean  (*prune)             (GpConn      *conn,
                                  gint64       ledger_before,
                                  gint64       refresh_before,
                                  GError     **error);
  /* Rows of one table ordered by (last_modified, id). */
  gboolean  (*scan)              (GpConn      *conn,
                                  const GpScan *scan,
                                  GpRowFunc    func,
                                  gpointer     user_data,
                                  GError     **error);
} GpBackendVTable;

struct _GpBackend
{
  const GpBackendVTable *vtable;
  char                  *location;
  GAsyncQueue           *idle;
  GMutex                 mutex;
  guint                  n_conns;
  guint                  max_conns;
};

GQuark     gp_backend_error_quark (void);

GpBackend *gp_backend_open        (const char  *database,
                                   GError     **error);
void       gp_backend_free        (GpBackend   *self);
GpConn    *gp_backend_acquire     (GpBackend   *self,
                                   GError     **error);
void       gp_backend_release     (GpBackend   *self,
                                   GpConn      *conn);
const char *gp_backend_get_name   (GpBackend   *self);

void       gp_row_clear           (GpRow       *row);
void       gp_refresh_row_clear   (GpRefreshRow *row);

/* Implementations. */
extern const GpBackendVTable gp_backend_sqlite_vtable;
extern const GpBackendVTable gp_backend_postgres_vtable;

/* The vtable as seen through a connection: every GpConn starts with its backend. */
typedef struct
{
  GpBackend *backend;
} GpConnHeader;

#define GP_CONN_VTABLE(c) (((GpConnHeader *) (c))->backend->vtable)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpBackend, gp_backend_free)

G_END_DECLS
