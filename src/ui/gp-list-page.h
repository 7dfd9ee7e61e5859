/* gp-list-page.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-paged-list.h"
#include "gp-record.h"
#include "gp-store.h"

G_BEGIN_DECLS

#define GP_TYPE_LIST_PAGE (gp_list_page_get_type ())

G_DECLARE_FINAL_TYPE (GpListPage, gp_list_page, GP, LIST_PAGE, GtkBox)

GpListPage  *gp_list_page_new              (GpStore     *store,
                                            const char  *table) G_GNUC_WARN_UNUSED_RESULT;
GpListPage  *gp_list_page_new_with_records (GpStore     *store,
                                            GpPagedList *records) G_GNUC_WARN_UNUSED_RESULT;
GpPagedList *gp_list_page_prepare_records  (GpStore     *store,
                                            const char  *table) G_GNUC_WARN_UNUSED_RESULT;
const char *gp_list_page_get_table        (GpListPage *self);
GpRecord   *gp_list_page_dup_selected     (GpListPage *self);
void        gp_list_page_start_search     (GpListPage *self);
void        gp_list_page_set_client_names (GpListPage *self,
                                           GHashTable *names);
GListModel *gp_list_page_get_model        (GpListPage *self);
void        gp_list_page_update_client_names (GpListPage *self);

G_END_DECLS
