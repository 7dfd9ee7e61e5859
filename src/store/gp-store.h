/* gp-store.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "gp-error.h"
#include "gp-query.h"
#include "gp-record.h"

G_BEGIN_DECLS

/* The newest database layout this build understands (PRAGMA user_version). */
#define GP_STORE_DB_VERSION 6

#define GP_TYPE_HISTORY_ENTRY (gp_history_entry_get_type ())

/**
 * GpHistoryEntry:
 * @table: the table name
 * @record_id: the record id
 * @field: the column, or "*" for a whole-record delete or restore
 * @old_value: (nullable): the value before, as text (integers in decimal; for "*" the
 *   record as JSON)
 * @new_value: (nullable): the value after, as text
 * @at: when, in ms since the epoch (UTC)
 * @origin: "local" or "remote"
 *
 * One change of one field of one record, as kept in the append-only history.
 */
typedef struct
{
  char   *table;
  char   *record_id;
  char   *field;
  char   *old_value;
  char   *new_value;
  gint64  at;
  char   *origin;
} GpHistoryEntry;

GType           gp_history_entry_get_type (void) G_GNUC_CONST;
GpHistoryEntry *gp_history_entry_copy     (const GpHistoryEntry *self);
void            gp_history_entry_free     (GpHistoryEntry       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpHistoryEntry, gp_history_entry_free)

#define GP_TYPE_STORE (gp_store_get_type ())

G_DECLARE_FINAL_TYPE (GpStore, gp_store, GP, STORE, GObject)

GpStore    *gp_store_new                (const char          *path) G_GNUC_WARN_UNUSED_RESULT;
const char *gp_store_get_path           (GpStore             *self);
guint       gp_store_get_pending_count  (GpStore             *self);
guint       gp_store_get_conflict_count (GpStore             *self);
gboolean    gp_store_get_needs_check    (GpStore             *self);
gboolean    gp_store_get_damaged        (GpStore             *self);

void        gp_store_open_async         (GpStore             *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    gp_store_open_finish        (GpStore             *self,
                                         GAsyncResult        *result,
                                         GError             **error);
gboolean    gp_store_open_sync          (GpStore             *self,
                                         GCancellable        *cancellable,
                                         GError             **error);
void        gp_store_check_integrity_async  (GpStore             *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean    gp_store_check_integrity_finish (GpStore             *self,
                                             GAsyncResult        *result,
                                             GError             **error);
void        gp_store_close              (GpStore             *self);
gboolean    gp_store_move_aside         (const char          *path,
                                         GError             **error);

void        gp_store_save_async         (GpStore             *self,
                                         const char          *table,
                                         const char          *id,
                                         JsonObject          *fields,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
char       *gp_store_save_finish        (GpStore             *self,
                                         GAsyncResult        *result,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void        gp_store_delete_async       (GpStore             *self,
                                         const char          *table,
                                         const char          *id,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    gp_store_delete_finish      (GpStore             *self,
                                         GAsyncResult        *result,
                                         GError             **error);
GPtrArray  *gp_store_delete_finish_removed (GpStore          *self,
                                            GAsyncResult     *result,
                                            GError          **error) G_GNUC_WARN_UNUSED_RESULT;

void        gp_store_restore_async      (GpStore             *self,
                                         GPtrArray           *records,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    gp_store_restore_finish     (GpStore             *self,
                                         GAsyncResult        *result,
                                         GError             **error);

void        gp_store_get_async          (GpStore             *self,
                                         const char          *table,
                                         const char          *id,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GpRecord   *gp_store_get_finish         (GpStore             *self,
                                         GAsyncResult        *result,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void        gp_store_query_async        (GpStore             *self,
                                         GpQuery             *query,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GPtrArray  *gp_store_query_finish       (GpStore             *self,
                                         GAsyncResult        *result,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void        gp_store_history_async      (GpStore             *self,
                                         const char          *table,
                                         const char          *id,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GPtrArray  *gp_store_history_finish     (GpStore             *self,
                                         GAsyncResult        *result,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
