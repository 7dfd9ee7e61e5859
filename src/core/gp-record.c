/* gp-record.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-core"

#include "config.h"

#include <string.h>

#include "gp-record.h"

struct _GpRecord
{
  GObject parent_instance;

  /* Owned */
  char       *table;
  char       *id;
  JsonObject *fields;
  const char *sync_status; /* interned */
};

G_DEFINE_FINAL_TYPE (GpRecord, gp_record, G_TYPE_OBJECT)

static void
gp_record_finalize (GObject *object)
{
  GpRecord *self = (GpRecord *)object;

  g_clear_pointer (&self->table, g_free);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->fields, json_object_unref);

  G_OBJECT_CLASS (gp_record_parent_class)->finalize (object);
}

static void
gp_record_class_init (GpRecordClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gp_record_finalize;
}

static void
gp_record_init (GpRecord *self)
{
}

/**
 * gp_record_new:
 * @table: the table name
 * @id: the record id
 * @fields: (transfer none): the data columns; sealed and kept, so it must not change afterwards
 *
 * Creates a record snapshot whose sync status is "synced".
 *
 * Returns: (transfer full): a new record
 */
GpRecord *
gp_record_new (const char *table,
               const char *id,
               JsonObject *fields)
{
  return gp_record_new_full (table, id, fields, "synced");
}

/**
 * gp_record_new_full:
 * @table: the table name
 * @id: the record id
 * @fields: (transfer none): the data columns; sealed and kept, so it must not change afterwards
 * @sync_status: "synced", "created", "updated" or "deleted"
 *
 * Creates a record snapshot with an explicit sync status.
 *
 * Returns: (transfer full): a new record
 */
GpRecord *
gp_record_new_full (const char *table,
                    const char *id,
                    JsonObject *fields,
                    const char *sync_status)
{
  GpRecord *self;

  g_return_val_if_fail (table != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (fields != NULL, NULL);
  g_return_val_if_fail (sync_status != NULL, NULL);

  self = g_object_new (GP_TYPE_RECORD, NULL);
  self->table = g_strdup (table);
  self->id = g_strdup (id);
  self->fields = json_object_ref (fields);
  self->sync_status = g_intern_string (sync_status);

  /* Records cross threads; sealing turns any later modification into a loud error. */
  json_object_seal (self->fields);

  return self;
}

/**
 * gp_record_get_table:
 * @self: a #GpRecord
 *
 * Returns: the name of the record's table
 */
const char *
gp_record_get_table (GpRecord *self)
{
  g_return_val_if_fail (GP_IS_RECORD (self), NULL);

  return self->table;
}

/**
 * gp_record_get_id:
 * @self: a #GpRecord
 *
 * Returns: the record id
 */
const char *
gp_record_get_id (GpRecord *self)
{
  g_return_val_if_fail (GP_IS_RECORD (self), NULL);

  return self->id;
}

/**
 * gp_record_get_fields:
 * @self: a #GpRecord
 *
 * Returns: (transfer none): the data columns (sealed, read only)
 */
JsonObject *
gp_record_get_fields (GpRecord *self)
{
  g_return_val_if_fail (GP_IS_RECORD (self), NULL);

  return self->fields;
}

/**
 * gp_record_get_string:
 * @self: a #GpRecord
 * @column: a column name
 *
 * Returns: (nullable): the text value of @column, or %NULL if it is absent, null or not text
 */
const char *
gp_record_get_string (GpRecord   *self,
                      const char *column)
{
  JsonNode *node;

  g_return_val_if_fail (GP_IS_RECORD (self), NULL);
  g_return_val_if_fail (column != NULL, NULL);

  node = json_object_get_member (self->fields, column);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/**
 * gp_record_get_int:
 * @self: a #GpRecord
 * @column: a column name
 *
 * Returns: the integer value of @column, or 0 if it is absent, null or not an integer
 */
gint64
gp_record_get_int (GpRecord   *self,
                   const char *column)
{
  JsonNode *node;

  g_return_val_if_fail (GP_IS_RECORD (self), 0);
  g_return_val_if_fail (column != NULL, 0);

  node = json_object_get_member (self->fields, column);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;

  return json_node_get_int (node);
}

/**
 * gp_record_has_value:
 * @self: a #GpRecord
 * @column: a column name
 *
 * Returns: whether @column is present and not null
 */
gboolean
gp_record_has_value (GpRecord   *self,
                     const char *column)
{
  JsonNode *node;

  g_return_val_if_fail (GP_IS_RECORD (self), FALSE);
  g_return_val_if_fail (column != NULL, FALSE);

  node = json_object_get_member (self->fields, column);
  return node != NULL && !JSON_NODE_HOLDS_NULL (node);
}

/**
 * gp_record_get_sync_status:
 * @self: a #GpRecord
 *
 * Returns: "synced", "created", "updated" or "deleted" (an interned string)
 */
const char *
gp_record_get_sync_status (GpRecord *self)
{
  g_return_val_if_fail (GP_IS_RECORD (self), NULL);

  return self->sync_status;
}

/**
 * gp_record_to_raw:
 * @self: a #GpRecord
 *
 * Builds the record's raw form as the sync protocol sends it: "id" plus the data columns,
 * never the sync columns.
 *
 * Returns: (transfer full): a new, mutable JSON object
 */
JsonObject *
gp_record_to_raw (GpRecord *self)
{
  JsonObject *raw;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  g_return_val_if_fail (GP_IS_RECORD (self), NULL);

  raw = json_object_new ();
  json_object_set_string_member (raw, "id", self->id);
  json_object_iter_init (&iter, self->fields);
  while (json_object_iter_next (&iter, &name, &node))
    json_object_set_member (raw, name, json_node_copy (node));

  return raw;
}

/**
 * gp_record_dup_value_text:
 * @self: a #GpRecord
 * @column: a column name
 *
 * Renders a column's value as text the way the history keeps it: text as is, integers
 * in decimal.
 *
 * Returns: (transfer full) (nullable): the value as text, or %NULL if absent or null
 */
char *
gp_record_dup_value_text (GpRecord   *self,
                          const char *column)
{
  JsonNode *node;

  g_return_val_if_fail (GP_IS_RECORD (self), NULL);
  g_return_val_if_fail (column != NULL, NULL);

  node = json_object_get_member (self->fields, column);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "1" : "0");
    case G_TYPE_DOUBLE:
      return g_strdup_printf ("%g", json_node_get_double (node));
    default:
      return NULL;
    }
}
