/* gp-work-actions.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Actions every record editor gets: "editor.history" (the record's audit trail),
 * "editor.estimate" (the price estimator, with the record's words and currency) and
 * "editor.toggle-timer" (start or stop the timer on a ticket). */
void _gp_work_install_editor_actions (GtkWidgetClass *widget_class);

G_END_DECLS
