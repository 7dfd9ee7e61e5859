/* gp-client-editor.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gp-editor.h"

G_BEGIN_DECLS

#define GP_TYPE_CLIENT_EDITOR (gp_client_editor_get_type ())

G_DECLARE_FINAL_TYPE (GpClientEditor, gp_client_editor, GP, CLIENT_EDITOR, GpEditor)

GpClientEditor *gp_client_editor_new (GpStore  *store,
                                      GpRecord *record) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
