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

#define GP_TYPE_SYNC_STATUS (gp_sync_status_get_type ())

G_DECLARE_FINAL_TYPE (GpSyncStatus, gp_sync_status, GP, SYNC_STATUS, GObject)

GpSyncStatus *gp_sync_status_new               (void) G_GNUC_WARN_UNUSED_RESULT;
GpSyncState   gp_sync_status_get_state         (GpSyncStatus *self);
void          gp_sync_status_set_state         (GpSyncStatus *self,
                                                GpSyncState   state);
guint         gp_sync_status_get_pending_count (GpSyncStatus *self);
void          gp_sync_status_set_pending_count (GpSyncStatus *self,
                                                guint         pending_count);

G_END_DECLS
