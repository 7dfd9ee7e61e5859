/* gp-ticket-editor.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gp-editor.h"

G_BEGIN_DECLS

#define GP_TYPE_TICKET_EDITOR (gp_ticket_editor_get_type ())

G_DECLARE_FINAL_TYPE (GpTicketEditor, gp_ticket_editor, GP, TICKET_EDITOR, GpEditor)

GpTicketEditor *gp_ticket_editor_new (GpStore    *store,
                                      GpRecord   *record,
                                      GListModel *clients) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
