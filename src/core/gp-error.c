/* gp-error.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-core"

#include "config.h"

#include "gp-error.h"

G_DEFINE_QUARK (gp-store-error-quark, gp_store_error)
G_DEFINE_QUARK (gp-sync-error-quark, gp_sync_error)
