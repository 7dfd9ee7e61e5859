/* gp-sync-status.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  GP_SYNC_STATE_SIGNED_OUT,
  GP_SYNC_STATE_OFFLINE,
  GP_SYNC_STATE_IDLE,
  GP_SYNC_STATE_SYNCING,
  GP_SYNC_STATE_ERROR,
} GpSyncState;

#define GP_TYPE_SYNC_STATE (gp_sync_state_get_type ())
GType gp_sync_state_get_type (void) G_GNUC_CONST;

#define GP_TYPE_SYNC_STATUS (gp_sync_status_get_type ())

G_DECLARE_FINAL_TYPE (GpSyncStatus, gp_sync_status, GP, SYNC_STATUS, GObject)

GpSyncStatus *gp_sync_status_new                (void) G_GNUC_WARN_UNUSED_RESULT;
GpSyncState   gp_sync_status_get_state          (GpSyncStatus *self);
void          gp_sync_status_set_state          (GpSyncStatus *self,
                                                 GpSyncState   state);
guint         gp_sync_status_get_pending_count  (GpSyncStatus *self);
void          gp_sync_status_set_pending_count  (GpSyncStatus *self,
                                                 guint         pending_count);
guint         gp_sync_status_get_conflict_count (GpSyncStatus *self);
void          gp_sync_status_set_conflict_count (GpSyncStatus *self,
                                                 guint         conflict_count);
double        gp_sync_status_get_progress       (GpSyncStatus *self);
const char   *gp_sync_status_get_progress_text  (GpSyncStatus *self);
void          gp_sync_status_set_progress       (GpSyncStatus *self,
                                                 double        progress,
                                                 const char   *progress_text);
void          gp_sync_status_set_sending        (GpSyncStatus *self,
                                                 guint64       done,
                                                 guint64       total);
void          gp_sync_status_set_receiving      (GpSyncStatus *self,
                                                 guint64       done,
                                                 guint64       total);
gint64        gp_sync_status_get_last_synced    (GpSyncStatus *self);
void          gp_sync_status_set_last_synced    (GpSyncStatus *self,
                                                 gint64        last_synced_ms);
const char   *gp_sync_status_get_last_error     (GpSyncStatus *self);
void          gp_sync_status_set_last_error     (GpSyncStatus *self,
                                                 const char   *last_error);

G_END_DECLS
