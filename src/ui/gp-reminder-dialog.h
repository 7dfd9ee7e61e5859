/* gp-reminder-dialog.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-chasing-item.h"
#include "gp-store.h"

G_BEGIN_DECLS

#define GP_TYPE_REMINDER_DIALOG (gp_reminder_dialog_get_type ())

G_DECLARE_FINAL_TYPE (GpReminderDialog, gp_reminder_dialog, GP, REMINDER_DIALOG, AdwWindow)

GpReminderDialog *gp_reminder_dialog_new      (GtkWindow     *parent,
                                               GpStore       *store,
                                               GSettings     *settings,
                                               GpChasingItem *item);
char             *gp_reminder_dialog_dup_body (GpReminderDialog *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
