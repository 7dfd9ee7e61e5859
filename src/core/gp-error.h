/* gp-error.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GP_STORE_ERROR (gp_store_error_quark ())
#define GP_SYNC_ERROR  (gp_sync_error_quark ())

typedef enum
{
  GP_STORE_ERROR_FAILED,
  GP_STORE_ERROR_CORRUPT,
  GP_STORE_ERROR_TOO_NEW,
  GP_STORE_ERROR_NOT_FOUND,
  GP_STORE_ERROR_INVALID,
  GP_STORE_ERROR_CLOSED,
} GpStoreError;

typedef enum
{
  GP_SYNC_ERROR_FAILED,
  GP_SYNC_ERROR_OFFLINE,
  GP_SYNC_ERROR_UNAUTHORIZED,
  GP_SYNC_ERROR_CONFLICT,
  GP_SYNC_ERROR_PROTOCOL,
  GP_SYNC_ERROR_SERVER,
  GP_SYNC_ERROR_BUSY,
} GpSyncError;

GQuark gp_store_error_quark (void);
GQuark gp_sync_error_quark  (void);

G_END_DECLS
