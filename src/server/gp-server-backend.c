/* gp-server-backend.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-server"

#include "config.h"

#include <string.h>

#include "gp-server-backend.h"

G_DEFINE_QUARK (gp-backend-error-quark, gp_backend_error)

void
gp_row_clear (GpRow *row)
{
  g_clear_pointer (&row->table, g_free);
  g_clear_pointer (&row->id, g_free);
  g_clear_pointer (&row->data, g_free);
  row->last_modified = 0;
  row->server_created_at = 0;
  row->created_stamp = 0;
  row->deleted = FALSE;
}

void
gp_refresh_row_clear (GpRefreshRow *row)
{
  g_clear_pointer (&row->user_id, g_free);
  g_clear_pointer (&row->family, g_free);
  row->expires_at = 0;
  row->used = FALSE;
  row->revoked = FALSE;
}

/**
 * gp_backend_open:
 * @database: `sqlite:PATH` or a `postgresql://` (or `postgres://`) connection URI
 * @error: return location for a #GError
 *
 * Opens the backend, creates its tables if needed and keeps the first connection.
 *
 * Returns: (transfer full) (nullable): the backend
 */
GpBackend *
gp_backend_open (const char  *database,
                 GError     **error)
{
  g_autoptr(GpBackend) self = NULL;
  const GpBackendVTable *vtable = NULL;
  const char *location = NULL;
  guint max_conns = 1;
  GpConn *conn;

  g_return_val_if_fail (database != NULL, NULL);

  if (g_str_has_prefix (database, "sqlite:"))
    {
      vtable = &gp_backend_sqlite_vtable;
      location = database + strlen ("sqlite:");
      /* One writer at a time anyway (BEGIN IMMEDIATE); extra connections let pulls
       * read their WAL snapshots while a push commits. */
      max_conns = 4;
    }
  else if (g_str_has_prefix (database, "postgresql://") || g_str_has_prefix (database, "postgres://"))
    {
#if HAVE_POSTGRESQL
      vtable = &gp_backend_postgres_vtable;
      location = database;
      /* Each connection is a PostgreSQL backend process; a handful per server
       * process keeps several processes well under max_connections. */
      max_conns = 8;
#else
      g_set_error (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_UNAVAILABLE,
                   "This gigpilot-server was built without PostgreSQL support");
      return NULL;
#endif
    }
  else
    {
      g_set_error (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_UNAVAILABLE,
                   "Unknown database “%s”: use sqlite:PATH or postgresql://…", database);
      return NULL;
    }

  if (location[0] == '\0')
    {
      g_set_error_literal (error, GP_BACKEND_ERROR, GP_BACKEND_ERROR_UNAVAILABLE,
                           "The database location is empty");
      return NULL;
    }

  self = g_new0 (GpBackend, 1);
  self->vtable = vtable;
  self->location = g_strdup (location);
  self->idle = g_async_queue_new ();
  self->max_conns = max_conns;
  g_mutex_init (&self->mutex);

  conn = vtable->connect (self, error);
  if (conn == NULL)
    return NULL;
  self->n_conns = 1;

  if (!vtable->setup (conn, error))
    {
      vtable->disconnect (conn);
      self->n_conns = 0;
      return NULL;
    }

  g_async_queue_push (self->idle, conn);

  return g_steal_pointer (&self);
}

void
gp_backend_free (GpBackend *self)
{
  GpConn *conn;

  if (self == NULL)
    return;

  while ((conn = g_async_queue_try_pop (self->idle)) != NULL)
    self->vtable->disconnect (conn);

  g_async_queue_unref (self->idle);
  g_mutex_clear (&self->mutex);
  g_free (self->location);
  g_free (self);
}

const char *
gp_backend_get_name (GpBackend *self)
{
  return self->vtable->name;
}

/**
 * gp_backend_acquire:
 *
 * Takes an idle connection, opens a new one while under the limit, or waits for one.
 *
 * Returns: (transfer full) (nullable): a connection for the calling thread
 */
GpConn *
gp_backend_acquire (GpBackend  *self,
                    GError    **error)
{
  for (;;)
    {
      GpConn *conn;
      gboolean open_new = FALSE;

      conn = g_async_queue_try_pop (self->idle);
      if (conn != NULL)
        return conn;

      g_mutex_lock (&self->mutex);
      if (self->n_conns < self->max_conns)
        {
          self->n_conns++;
          open_new = TRUE;
        }
      g_mutex_unlock (&self->mutex);

      if (open_new)
        {
          conn = self->vtable->connect (self, error);
          if (conn == NULL)
            {
              g_mutex_lock (&self->mutex);
              self->n_conns--;
              g_mutex_unlock (&self->mutex);
            }
          return conn;
        }

      /* Wait with a timeout: a broken connection closed meanwhile frees a slot. */
      conn = g_async_queue_timeout_pop (self->idle, 200 * G_TIME_SPAN_MILLISECOND);
      if (conn != NULL)
        return conn;
    }
}

/**
 * gp_backend_release:
 *
 * Hands a connection back; a connection that broke (a lost PostgreSQL session) is
 * closed instead, and the next acquire opens a fresh one.
 */
void
gp_backend_release (GpBackend *self,
                    GpConn    *conn)
{
  if (conn == NULL)
    return;

  if (self->vtable->is_broken (conn))
    {
      self->vtable->disconnect (conn);
      g_mutex_lock (&self->mutex);
      self->n_conns--;
      g_mutex_unlock (&self->mutex);
      return;
    }

  g_async_queue_push (self->idle, conn);
}
