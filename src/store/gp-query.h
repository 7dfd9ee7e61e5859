/* gp-query.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GP_TYPE_QUERY (gp_query_get_type ())

/* A description of which rows of one table to read and in which order. Filtering and
 * sorting run in SQLite on the store thread. Tombstones (deleted rows) never match. */
typedef struct _GpQuery GpQuery;

GType        gp_query_get_type         (void) G_GNUC_CONST;
GpQuery     *gp_query_new              (const char *table) G_GNUC_WARN_UNUSED_RESULT;
GpQuery     *gp_query_copy             (const GpQuery *self) G_GNUC_WARN_UNUSED_RESULT;
void         gp_query_free             (GpQuery    *self);
const char  *gp_query_get_table        (const GpQuery *self);
void         gp_query_set_filter_text  (GpQuery    *self,
                                        const char *filter_text);
const char  *gp_query_get_filter_text  (const GpQuery *self);
void         gp_query_set_where        (GpQuery    *self,
                                        const char *column,
                                        const char *value);
const char  *gp_query_get_where_column (const GpQuery *self);
const char  *gp_query_get_where_value  (const GpQuery *self);
void         gp_query_set_order        (GpQuery    *self,
                                        const char *column,
                                        gboolean    descending);
const char  *gp_query_get_order_column (const GpQuery *self);
gboolean     gp_query_get_descending   (const GpQuery *self);
void         gp_query_set_limit        (GpQuery    *self,
                                        guint       limit,
                                        guint       offset);
guint        gp_query_get_limit        (const GpQuery *self);
guint        gp_query_get_offset       (const GpQuery *self);
void         gp_query_set_ids          (GpQuery    *self,
                                        const char * const *ids);
const char * const *gp_query_get_ids   (const GpQuery *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpQuery, gp_query_free)

G_END_DECLS
