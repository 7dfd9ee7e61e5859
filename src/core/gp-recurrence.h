/* gp-recurrence.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Dates of recurring invoices, and record ids derived from names.
 *
 * A schedule starts on starts_on and repeats weekly, monthly, quarterly or yearly. Months
 * keep the day of the start date where the month has it and use the month's last day
 * otherwise (31 Jan → 28 Feb → 31 Mar), so a schedule never drifts. */

gboolean  gp_recurrence_is_valid_frequency (const char *frequency);
char     *gp_recurrence_next               (const char *frequency,
                                            const char *starts_on,
                                            const char *current) G_GNUC_WARN_UNUSED_RESULT;
char     *gp_recurrence_add_days           (const char *date,
                                            int         days) G_GNUC_WARN_UNUSED_RESULT;
char     *gp_derive_id                     (const char *first,
                                            ...) G_GNUC_NULL_TERMINATED G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
