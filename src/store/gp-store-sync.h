/* gp-store-sync.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "gp-merge.h"
#include "gp-store.h"

G_BEGIN_DECLS

/* The store commands GpSyncClient drives. Each runs on the store thread in one transaction
 * and announces what it changed through GpStore::changed, like any user write. */

/**
 * GpSyncMeta:
 * @last_pulled_at: the server timestamp of the last complete pull, 0 for never
 * @cursor: (nullable): where an interrupted paged pull resumes, or %NULL
 * @cursor_last_pulled_at: the last_pulled_at that paged pull was started with
 */
typedef struct
{
  gint64  last_pulled_at;
  char   *cursor;
  gint64  cursor_last_pulled_at;
} GpSyncMeta;

void        gp_sync_meta_free (GpSyncMeta *meta);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpSyncMeta, gp_sync_meta_free)

/**
 * GpPullOutcome:
 * @timestamp: the pull's snapshot timestamp
 * @next_cursor: (nullable): the cursor of the next page, %NULL after the last page
 * @n_records: records (and deletions) in this page
 * @n_total: records the whole pull will bring, when the server tells (else 0)
 * @n_conflicts: conflicts recorded by this page
 */
typedef struct
{
  gint64  timestamp;
  char   *next_cursor;
  guint   n_records;
  guint64 n_total;
  guint   n_conflicts;
} GpPullOutcome;

void        gp_pull_outcome_free (GpPullOutcome *outcome);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpPullOutcome, gp_pull_outcome_free)

typedef struct _GpPushBatch GpPushBatch;

GBytes     *gp_push_batch_get_body        (GpPushBatch *batch);
const char *gp_push_batch_get_push_id     (GpPushBatch *batch);
guint       gp_push_batch_get_n_records   (GpPushBatch *batch);
guint       gp_push_batch_get_n_pushable  (GpPushBatch *batch);
void        gp_push_batch_free            (GpPushBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpPushBatch, gp_push_batch_free)

/**
 * GpConflict:
 * @table: the table
 * @record_id: the record
 * @kind: what conflicts
 * @fields: `{column: {"base": …, "mine": …, "theirs": …}}`
 * @created_at: when it was found, ms since the epoch
 */
typedef struct
{
  char           *table;
  char           *record_id;
  GpConflictKind  kind;
  JsonObject     *fields;
  gint64          created_at;
} GpConflict;

#define GP_TYPE_CONFLICT (gp_conflict_get_type ())
GType       gp_conflict_get_type (void) G_GNUC_CONST;
GpConflict *gp_conflict_copy     (const GpConflict *conflict);
void        gp_conflict_free     (GpConflict       *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpConflict, gp_conflict_free)

typedef enum
{
  /* Edit conflicts: keep every local value. Local-delete: keep the delete. */
  GP_RESOLUTION_KEEP_MINE,
  /* Edit conflicts: take every server value. Remote-delete: accept the delete.
   * Local-delete: take the server's record back. */
  GP_RESOLUTION_USE_THEIRS,
  /* Edit conflicts: @choices gives "mine", "theirs" or {"value": …} per field;
   * duplicate-number: {"number": {"value": "new number"}}. */
  GP_RESOLUTION_PER_FIELD,
  /* Delete conflicts: bring the record back. After a remote delete it comes back as a new
   * record (with a new id, and so do its children), since the server lets the delete win
   * over later writes to the old id. */
  GP_RESOLUTION_RESTORE,
  /* Delete conflicts: let it go. */
  GP_RESOLUTION_ACCEPT_DELETE,
} GpResolution;

typedef enum
{
  /* Forget where sync stands (last pull, cursor, unacknowledged push); keep the data. */
  GP_STORE_SYNC_RESET_META,
  /* Delete every synced record, conflict and sync state (sign out and clear). */
  GP_STORE_SYNC_RESET_ALL,
} GpStoreSyncReset;

void           gp_store_sync_read_meta_async        (GpStore              *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GpSyncMeta    *gp_store_sync_read_meta_finish       (GpStore              *self,
                                                     GAsyncResult         *result,
                                                     GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void           gp_store_sync_apply_pull_async       (GpStore              *self,
                                                     GBytes               *page,
                                                     gint64                last_pulled_at,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GpPullOutcome *gp_store_sync_apply_pull_finish      (GpStore              *self,
                                                     GAsyncResult         *result,
                                                     GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void           gp_store_sync_collect_async          (GpStore              *self,
                                                     guint                 limit,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GpPushBatch   *gp_store_sync_collect_finish         (GpStore              *self,
                                                     GAsyncResult         *result,
                                                     GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void           gp_store_sync_mark_pushed_async      (GpStore              *self,
                                                     GpPushBatch          *batch,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean       gp_store_sync_mark_pushed_finish     (GpStore              *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void           gp_store_sync_list_conflicts_async   (GpStore              *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray     *gp_store_sync_list_conflicts_finish  (GpStore              *self,
                                                     GAsyncResult         *result,
                                                     GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void           gp_store_sync_resolve_conflict_async (GpStore              *self,
                                                     const char           *table,
                                                     const char           *id,
                                                     GpResolution          resolution,
                                                     JsonObject           *choices,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean       gp_store_sync_resolve_conflict_finish (GpStore             *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);
void           gp_store_sync_reset_async            (GpStore              *self,
                                                     GpStoreSyncReset      reset,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean       gp_store_sync_reset_finish           (GpStore              *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
