/* gp-query.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-query.h"

struct _GpQuery
{
  char   *table;
  char   *filter_text;
  char   *where_column;
  char   *where_value;
  char   *order_column;
  gboolean descending;
  guint   limit;
  guint   offset;
  GStrv   ids;
};

G_DEFINE_BOXED_TYPE (GpQuery, gp_query, gp_query_copy, gp_query_free)

/**
 * gp_query_new:
 * @table: the table to read
 *
 * Creates a query for every live row of @table, ordered by "created_at" then "id".
 *
 * Returns: (transfer full): a new query
 */
GpQuery *
gp_query_new (const char *table)
{
  GpQuery *self;

  g_return_val_if_fail (table != NULL, NULL);

  self = g_new0 (GpQuery, 1);
  self->table = g_strdup (table);
  return self;
}

/**
 * gp_query_copy:
 * @self: a #GpQuery
 *
 * Returns: (transfer full): a deep copy of @self
 */
GpQuery *
gp_query_copy (const GpQuery *self)
{
  GpQuery *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (GpQuery, 1);
  copy->table = g_strdup (self->table);
  copy->filter_text = g_strdup (self->filter_text);
  copy->where_column = g_strdup (self->where_column);
  copy->where_value = g_strdup (self->where_value);
  copy->order_column = g_strdup (self->order_column);
  copy->descending = self->descending;
  copy->limit = self->limit;
  copy->offset = self->offset;
  copy->ids = g_strdupv (self->ids);
  return copy;
}

/**
 * gp_query_free:
 * @self: (transfer full): a #GpQuery
 *
 * Frees @self.
 */
void
gp_query_free (GpQuery *self)
{
  if (self == NULL)
    return;

  g_free (self->table);
  g_free (self->filter_text);
  g_free (self->where_column);
  g_free (self->where_value);
  g_free (self->order_column);
  g_strfreev (self->ids);
  g_free (self);
}

/**
 * gp_query_get_table:
 * @self: a #GpQuery
 *
 * Returns: the table the query reads
 */
const char *
gp_query_get_table (const GpQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->table;
}

/**
 * gp_query_set_filter_text:
 * @self: a #GpQuery
 * @filter_text: (nullable): text that one of the table's search columns must contain
 *   (ASCII case-insensitive), or %NULL or "" for no filter
 *
 * Restricts the query to rows whose search columns contain @filter_text.
 */
void
gp_query_set_filter_text (GpQuery    *self,
                          const char *filter_text)
{
  g_return_if_fail (self != NULL);

  g_free (self->filter_text);
  self->filter_text = (filter_text != NULL && filter_text[0] != '\0') ? g_strdup (filter_text) : NULL;
}

/**
 * gp_query_get_filter_text:
 * @self: a #GpQuery
 *
 * Returns: (nullable): the filter text
 */
const char *
gp_query_get_filter_text (const GpQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->filter_text;
}

/**
 * gp_query_set_where:
 * @self: a #GpQuery
 * @column: (nullable): a data column, or %NULL for no condition
 * @value: (nullable): the value @column must equal; %NULL matches null
 *
 * Restricts the query to rows whose @column equals @value, e.g. the invoices of a client.
 */
void
gp_query_set_where (GpQuery    *self,
                    const char *column,
                    const char *value)
{
  g_return_if_fail (self != NULL);

  g_free (self->where_column);
  g_free (self->where_value);
  self->where_column = g_strdup (column);
  self->where_value = column != NULL ? g_strdup (value) : NULL;
}

/**
 * gp_query_get_where_column:
 * @self: a #GpQuery
 *
 * Returns: (nullable): the column of the equality condition
 */
const char *
gp_query_get_where_column (const GpQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->where_column;
}

/**
 * gp_query_get_where_value:
 * @self: a #GpQuery
 *
 * Returns: (nullable): the value of the equality condition
 */
const char *
gp_query_get_where_value (const GpQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->where_value;
}

/**
 * gp_query_set_order:
 * @self: a #GpQuery
 * @column: (nullable): a data column or "id"; %NULL for "created_at"
 * @descending: whether to sort from high to low
 *
 * Sets the sort order. Text sorts ASCII case-insensitively, nulls sort first, and ties are
 * broken by id, so the order is total and stable.
 */
void
gp_query_set_order (GpQuery    *self,
                    const char *column,
                    gboolean    descending)
{
  g_return_if_fail (self != NULL);

  g_free (self->order_column);
  self->order_column = g_strdup (column);
  self->descending = !!descending;
}

/**
 * gp_query_get_order_column:
 * @self: a #GpQuery
 *
 * Returns: (nullable): the sort column, %NULL meaning "created_at"
 */
const char *
gp_query_get_order_column (const GpQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->order_column;
}

/**
 * gp_query_get_descending:
 * @self: a #GpQuery
 *
 * Returns: whether the sort runs from high to low
 */
gboolean
gp_query_get_descending (const GpQuery *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->descending;
}

/**
 * gp_query_set_limit:
 * @self: a #GpQuery
 * @limit: the most rows to return, 0 for all
 * @offset: how many rows of the order to skip
 *
 * Restricts the query to one page of rows.
 */
void
gp_query_set_limit (GpQuery *self,
                    guint    limit,
                    guint    offset)
{
  g_return_if_fail (self != NULL);

  self->limit = limit;
  self->offset = offset;
}

/**
 * gp_query_get_limit:
 * @self: a #GpQuery
 *
 * Returns: the row limit, 0 meaning none
 */
guint
gp_query_get_limit (const GpQuery *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->limit;
}

/**
 * gp_query_get_offset:
 * @self: a #GpQuery
 *
 * Returns: the number of rows skipped
 */
guint
gp_query_get_offset (const GpQuery *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->offset;
}

/**
 * gp_query_set_ids:
 * @self: a #GpQuery
 * @ids: (nullable) (array zero-terminated=1): the only ids to consider, or %NULL for all
 *
 * Restricts the query to the given ids; #GpRecordList uses it to refetch changed rows.
 */
void
gp_query_set_ids (GpQuery            *self,
                  const char * const *ids)
{
  g_return_if_fail (self != NULL);

  g_strfreev (self->ids);
  self->ids = g_strdupv ((char **)ids);
}

/**
 * gp_query_get_ids:
 * @self: a #GpQuery
 *
 * Returns: (nullable) (array zero-terminated=1): the id restriction
 */
const char * const *
gp_query_get_ids (const GpQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *)self->ids;
}
