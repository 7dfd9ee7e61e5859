/* gp-sync-client.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gp-account.h"
#include "gp-store.h"
#include "gp-sync-status.h"

G_BEGIN_DECLS

#define GP_TYPE_SYNC_CLIENT (gp_sync_client_get_type ())

G_DECLARE_FINAL_TYPE (GpSyncClient, gp_sync_client, GP, SYNC_CLIENT, GObject)

GpSyncClient *gp_sync_client_new            (GpStore             *store,
                                             GpAccount           *account) G_GNUC_WARN_UNUSED_RESULT;
GpStore      *gp_sync_client_get_store      (GpSyncClient        *self);
GpAccount    *gp_sync_client_get_account    (GpSyncClient        *self);
GpSyncStatus *gp_sync_client_get_status     (GpSyncClient        *self);
guint         gp_sync_client_get_interval   (GpSyncClient        *self);
void          gp_sync_client_set_interval   (GpSyncClient        *self,
                                             guint                seconds);
void          gp_sync_client_start          (GpSyncClient        *self);
void          gp_sync_client_stop           (GpSyncClient        *self);
void          gp_sync_client_sync_now       (GpSyncClient        *self);
void          gp_sync_client_sync_async     (GpSyncClient        *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean      gp_sync_client_sync_finish    (GpSyncClient        *self,
                                             GAsyncResult        *result,
                                             GError             **error);
void          gp_sync_client_sign_out_async (GpSyncClient        *self,
                                             gboolean             clear_local_data,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean      gp_sync_client_sign_out_finish (GpSyncClient       *self,
                                              GAsyncResult       *result,
                                              GError            **error);

G_END_DECLS
