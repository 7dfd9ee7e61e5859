/* gp-application.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-paged-list.h"
#include "gp-record-list.h"
#include "gp-store.h"
#include "gp-sync-status.h"

G_BEGIN_DECLS

typedef enum
{
  GP_ACCOUNT_SIGN_IN,
  GP_ACCOUNT_REGISTER,
  GP_ACCOUNT_SIGN_OUT,
} GpAccountOperation;

#define GP_TYPE_APPLICATION (gp_application_get_type ())

G_DECLARE_FINAL_TYPE (GpApplication, gp_application, GP, APPLICATION, AdwApplication)

GpApplication *gp_application_new             (void) G_GNUC_WARN_UNUSED_RESULT;
GpStore       *gp_application_get_store       (GpApplication       *self);
GpPagedList   *gp_application_take_invoices   (GpApplication       *self) G_GNUC_WARN_UNUSED_RESULT;
GpRecordList  *gp_application_take_clients    (GpApplication       *self) G_GNUC_WARN_UNUSED_RESULT;
GpSyncStatus  *gp_application_get_sync_status (GpApplication       *self);
void           gp_application_sync_now        (GpApplication       *self);
void           gp_application_account_async   (GpApplication       *self,
                                               GpAccountOperation   operation,
                                               const char          *server_url,
                                               const char          *user,
                                               const char          *password,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean       gp_application_account_finish  (GpApplication       *self,
                                               GAsyncResult        *result,
                                               GError             **error);

G_END_DECLS
