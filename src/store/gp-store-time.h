/* gp-store-time.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gp-store.h"

G_BEGIN_DECLS

/* Time tracking commands of GpStore. A running timer is a time_entries row with
 * ended_at NULL: it lives in the database, so it survives a restart or a crash. */

void      gp_store_timer_start_async        (GpStore             *self,
                                             const char          *ticket_id,
                                             const char          *note,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char     *gp_store_timer_start_finish       (GpStore             *self,
                                             GAsyncResult        *result,
                                             GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void      gp_store_timer_stop_async         (GpStore             *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GpRecord *gp_store_timer_stop_finish        (GpStore             *self,
                                             GAsyncResult        *result,
                                             GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void      gp_store_timer_get_running_async  (GpStore             *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GpRecord *gp_store_timer_get_running_finish (GpStore             *self,
                                             GAsyncResult        *result,
                                             GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void      gp_store_add_time_async           (GpStore             *self,
                                             const char          *ticket_id,
                                             gint64               started_at,
                                             gint64               duration_ms,
                                             const char          *note,
                                             gboolean             billable,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char     *gp_store_add_time_finish          (GpStore             *self,
                                             GAsyncResult        *result,
                                             GError             **error) G_GNUC_WARN_UNUSED_RESULT;

void      gp_store_invoice_time_async       (GpStore             *self,
                                             const char          *client_id,
                                             gint64               from_ms,
                                             gint64               to_ms,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char     *gp_store_invoice_time_finish      (GpStore             *self,
                                             GAsyncResult        *result,
                                             GError             **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
