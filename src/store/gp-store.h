/* gp-store.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GP_TYPE_STORE (gp_store_get_type ())

G_DECLARE_FINAL_TYPE (GpStore, gp_store, GP, STORE, GObject)

GpStore *gp_store_new (const char *path) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
