/* gp-list-row.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _GpListColumns GpListColumns;

#define GP_TYPE_LIST_COLUMNS (gp_list_columns_get_type ())

GType          gp_list_columns_get_type  (void) G_GNUC_CONST;
GpListColumns *gp_list_columns_new       (guint          n_columns);
GpListColumns *gp_list_columns_ref       (GpListColumns *columns);
void           gp_list_columns_unref     (GpListColumns *columns);
void           gp_list_columns_set_width (GpListColumns *columns,
                                          guint          column,
                                          guint          width_chars);
guint          gp_list_columns_get_n     (GpListColumns *columns);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpListColumns, gp_list_columns_unref)

#define GP_TYPE_LIST_ROW (gp_list_row_get_type ())

G_DECLARE_FINAL_TYPE (GpListRow, gp_list_row, GP, LIST_ROW, GtkWidget)

GtkWidget *gp_list_row_new      (GpListColumns *columns);
void       gp_list_row_append   (GpListRow     *self,
                                 GtkWidget     *cell);

G_END_DECLS
