/* gp-schema.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The synced data model, shared by the app's store and by gigpilot-server's whitelist.
 * Every synced table has a TEXT primary key "id" (client-generated) plus the columns below;
 * "created_at"/"updated_at" are ordinary data columns (ms since the epoch, UTC). The sync
 * bookkeeping columns (_status, _changed, the base copy) are the store's business and never
 * appear here. */

typedef enum
{
  GP_COLUMN_TEXT,
  GP_COLUMN_INTEGER,
} GpColumnType;

typedef struct
{
  const char   *name;
  GpColumnType  type;
  /* For a reference column, the table it points at (the parent); NULL otherwise. */
  const char   *references;
} GpColumn;

typedef struct
{
  const char     *name;
  const GpColumn *columns;
  guint           n_columns;
  /* The columns searched by the list filter. */
  const char    **search_columns;
  /* The reference column whose parent's deletion deletes this row, or NULL. */
  const char     *parent_column;
} GpTable;

/* Bump when the synced tables or columns change; sent as schema_version on pull. */
#define GP_SCHEMA_VERSION 3

const GpTable  *gp_schema_get_tables     (guint       *n_tables);
const GpTable  *gp_schema_lookup_table   (const char  *name);
const GpColumn *gp_schema_lookup_column  (const GpTable *table,
                                          const char    *name);
gboolean        gp_schema_is_valid_id    (const char  *id);
char           *gp_schema_new_id         (void) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
