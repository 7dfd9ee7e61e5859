/* gp-record-list.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gp-store.h"

G_BEGIN_DECLS

#define GP_TYPE_RECORD_LIST (gp_record_list_get_type ())

G_DECLARE_FINAL_TYPE (GpRecordList, gp_record_list, GP, RECORD_LIST, GObject)

GpRecordList *gp_record_list_new             (GpStore      *store,
                                              const char   *table) G_GNUC_WARN_UNUSED_RESULT;
GpStore      *gp_record_list_get_store       (GpRecordList *self);
const char   *gp_record_list_get_table       (GpRecordList *self);
gboolean      gp_record_list_get_loading     (GpRecordList *self);
void          gp_record_list_set_filter_text (GpRecordList *self,
                                              const char   *text);
const char   *gp_record_list_get_filter_text (GpRecordList *self);
void          gp_record_list_set_sort        (GpRecordList *self,
                                              const char   *column,
                                              gboolean      descending);
void          gp_record_list_set_where       (GpRecordList *self,
                                              const char   *column,
                                              const char   *value);
GpRecord     *gp_record_list_lookup          (GpRecordList *self,
                                              const char   *id);
void          gp_record_list_flush           (GpRecordList *self);

G_END_DECLS
