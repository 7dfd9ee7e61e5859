/* gp-paged-list.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gp-store.h"

G_BEGIN_DECLS

#define GP_TYPE_PAGED_LIST (gp_paged_list_get_type ())

G_DECLARE_FINAL_TYPE (GpPagedList, gp_paged_list, GP, PAGED_LIST, GObject)

GpPagedList *gp_paged_list_new             (GpStore     *store,
                                            const char  *table) G_GNUC_WARN_UNUSED_RESULT;
const char  *gp_paged_list_get_table       (GpPagedList *self);
gboolean     gp_paged_list_get_loading     (GpPagedList *self);
void         gp_paged_list_set_filter_text (GpPagedList *self,
                                            const char  *text);
void         gp_paged_list_set_sort        (GpPagedList *self,
                                            const char  *column,
                                            gboolean     descending);
void         gp_paged_list_flush           (GpPagedList *self);
GpRecord    *gp_paged_list_lookup          (GpPagedList *self,
                                            const char  *id);
gboolean     gp_paged_list_is_placeholder  (GpPagedList *self,
                                            GpRecord    *record);

G_END_DECLS
