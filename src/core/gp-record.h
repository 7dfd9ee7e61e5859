/* gp-record.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* CONTRACT (implemented by the store work): a GpRecord is an immutable snapshot of one row
 * of a synced table: its table name, its id and its data columns as a JSON object
 * (never the sync columns _status/_changed). Money is integer minor units, quantities
 * milli-units, times ms since the epoch (UTC), dates ISO "YYYY-MM-DD" strings.
 * Records are shared between threads, so they never change after creation. */

#define GP_TYPE_RECORD (gp_record_get_type ())

G_DECLARE_FINAL_TYPE (GpRecord, gp_record, GP, RECORD, GObject)

GpRecord   *gp_record_new        (const char *table,
                                  const char *id,
                                  JsonObject *fields) G_GNUC_WARN_UNUSED_RESULT;
GpRecord   *gp_record_new_full   (const char *table,
                                  const char *id,
                                  JsonObject *fields,
                                  const char *sync_status) G_GNUC_WARN_UNUSED_RESULT;
const char *gp_record_get_table  (GpRecord   *self);
const char *gp_record_get_id     (GpRecord   *self);
JsonObject *gp_record_get_fields (GpRecord   *self);
const char *gp_record_get_string (GpRecord   *self,
                                  const char *column);
gint64      gp_record_get_int    (GpRecord   *self,
                                  const char *column);
gboolean    gp_record_has_value  (GpRecord   *self,
                                  const char *column);
const char *gp_record_get_sync_status (GpRecord *self);
JsonObject *gp_record_to_raw     (GpRecord   *self) G_GNUC_WARN_UNUSED_RESULT;
char       *gp_record_dup_value_text (GpRecord   *self,
                                      const char *column) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
