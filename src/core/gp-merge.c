/* gp-merge.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-core"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gp-error.h"
#include "gp-merge.h"

/* The three-way merge GigPilot applies when a pull meets a locally changed record
 * (sync-protocol.md §13.4). Pure functions over JSON objects holding a row's data columns:
 * "id" and the bookkeeping columns (leading underscore) are never compared. A missing member
 * and a JSON null are the same value, so a column added by a newer schema does not count as
 * a change. */

static const char * const kind_names[] = {
  [GP_CONFLICT_NONE] = "none",
  [GP_CONFLICT_EDIT] = "edit",
  [GP_CONFLICT_REMOTE_DELETE] = "remote-delete",
  [GP_CONFLICT_LOCAL_DELETE] = "local-delete",
  [GP_CONFLICT_DUPLICATE_NUMBER] = "duplicate-number",
  [GP_CONFLICT_DOUBLE_BILLED] = "double-billed",
};

/**
 * gp_conflict_kind_to_string:
 * @kind: a conflict kind
 *
 * Returns: (transfer none): the name stored in the conflicts table
 */
const char *
gp_conflict_kind_to_string (GpConflictKind kind)
{
  g_return_val_if_fail (kind <= GP_CONFLICT_DOUBLE_BILLED, "none");

  return kind_names[kind];
}

/**
 * gp_conflict_kind_from_string:
 * @text: (nullable): a stored kind name
 *
 * Returns: the kind, or %GP_CONFLICT_NONE for an unknown name
 */
GpConflictKind
gp_conflict_kind_from_string (const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (text, kind_names[i]) == 0)
      return i;

  return GP_CONFLICT_NONE;
}

static gboolean
is_data_column (const char *name)
{
  return name[0] != '_' && strcmp (name, "id") != 0;
}

static gboolean
node_is_null (JsonNode *node)
{
  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

/**
 * gp_merge_values_equal:
 * @a: (nullable): a column value
 * @b: (nullable): another column value
 *
 * Compares two column values. %NULL and JSON null are equal; an integer and a double
 * holding the same number are equal (JSON does not distinguish them).
 *
 * Returns: whether the values are the same
 */
gboolean
gp_merge_values_equal (JsonNode *a,
                       JsonNode *b)
{
  GType ta, tb;

  if (node_is_null (a) || node_is_null (b))
    return node_is_null (a) && node_is_null (b);

  if (!JSON_NODE_HOLDS_VALUE (a) || !JSON_NODE_HOLDS_VALUE (b))
    return json_node_equal (a, b);

  ta = json_node_get_value_type (a);
  tb = json_node_get_value_type (b);

  if (ta == G_TYPE_STRING || tb == G_TYPE_STRING)
    return ta == tb && g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;

  if (ta == G_TYPE_INT64 && tb == G_TYPE_INT64)
    return json_node_get_int (a) == json_node_get_int (b);

  if (ta == G_TYPE_BOOLEAN || tb == G_TYPE_BOOLEAN)
    return ta == tb && json_node_get_boolean (a) == json_node_get_boolean (b);

  /* One of them is a double. */
  return json_node_get_double (a) == json_node_get_double (b);
}

static gboolean
is_stamp (const char *name,
          JsonNode   *a,
          JsonNode   *b)
{
  return strcmp (name, "updated_at") == 0
         && a != NULL && JSON_NODE_HOLDS_VALUE (a) && json_node_get_value_type (a) == G_TYPE_INT64
         && b != NULL && JSON_NODE_HOLDS_VALUE (b) && json_node_get_value_type (b) == G_TYPE_INT64;
}

static JsonNode *
member (JsonObject *object,
        const char *name)
{
  if (object == NULL)
    return NULL;

  return json_object_get_member (object, name);
}

static void
add_columns (GPtrArray  *columns,
             GHashTable *seen,
             JsonObject *object)
{
  JsonObjectIter iter;
  const char *name;

  if (object == NULL)
    return;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, NULL))
    {
      if (!is_data_column (name) || g_hash_table_contains (seen, name))
        continue;
      g_hash_table_add (seen, (gpointer)name);
      g_ptr_array_add (columns, g_strdup (name));
    }
}

/* The union of the data columns of up to three rows, in first-seen order. */
static GPtrArray *
union_columns (JsonObject *a,
               JsonObject *b,
               JsonObject *c)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *columns = g_ptr_array_new_with_free_func (g_free);

  add_columns (columns, seen, a);
  add_columns (columns, seen, b);
  add_columns (columns, seen, c);

  return columns;
}

/**
 * gp_merge_diff:
 * @a: (nullable): a row
 * @b: (nullable): another row
 *
 * Returns: (transfer full) (element-type utf8): the data columns whose values differ
 */
GPtrArray *
gp_merge_diff (JsonObject *a,
               JsonObject *b)
{
  g_autoptr(GPtrArray) columns = union_columns (a, b, NULL);
  GPtrArray *diff = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < columns->len; i++)
    {
      const char *name = g_ptr_array_index (columns, i);

      if (!gp_merge_values_equal (member (a, name), member (b, name)))
        g_ptr_array_add (diff, g_strdup (name));
    }

  return diff;
}

static void
set_member (JsonObject *object,
            const char *name,
            JsonNode   *value)
{
  json_object_set_member (object, name,
                          value != NULL ? json_node_copy (value) : json_node_new (JSON_NODE_NULL));
}

static JsonObject *
copy_object (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &value))
    json_object_set_member (copy, name, json_node_copy (value));

  return copy;
}

static GpMergeResult *
merge_result_new (GpConflictKind kind)
{
  GpMergeResult *result = g_new0 (GpMergeResult, 1);

  result->kind = kind;
  result->conflicting = g_ptr_array_new_with_free_func (g_free);
  result->changed = g_ptr_array_new_with_free_func (g_free);

  return result;
}

/**
 * gp_merge_records:
 * @base: (nullable): the last version both sides agreed on (the last server version this
 *   device synced), or %NULL if the record was never synced here
 * @mine: (nullable): the local row, or %NULL if it was deleted locally
 * @theirs: (nullable): the server's row, or %NULL if the server deleted it
 *
 * Merges per column: a column changed on one side only takes that side's value; changed on
 * both sides to the same value is fine; to different values is a conflict, and the merged
 * row keeps the local value until the user decides. Without a base, every difference is a
 * conflict: nothing tells which side changed it, and guessing would lose an edit silently.
 *
 * A remote delete of an edited record and a local delete of a record edited remotely are
 * conflicts too; a delete of a record the other side left alone simply wins.
 *
 * Returns: (transfer full): the merge result
 */
GpMergeResult *
gp_merge_records (JsonObject *base,
                  JsonObject *mine,
                  JsonObject *theirs)
{
  GpMergeResult *result;

  if (mine == NULL && theirs == NULL)
    return merge_result_new (GP_CONFLICT_NONE);

  if (theirs == NULL)
    {
      g_autoptr(GPtrArray) edited = gp_merge_diff (base, mine);

      if (base != NULL && edited->len == 0)
        return merge_result_new (GP_CONFLICT_NONE);

      result = merge_result_new (GP_CONFLICT_REMOTE_DELETE);
      result->merged = copy_object (mine);
      g_ptr_array_extend_and_steal (result->conflicting, g_steal_pointer (&edited));
      return result;
    }

  if (mine == NULL)
    {
      g_autoptr(GPtrArray) edited = gp_merge_diff (base, theirs);

      if (base != NULL && edited->len == 0)
        return merge_result_new (GP_CONFLICT_NONE);

      result = merge_result_new (GP_CONFLICT_LOCAL_DELETE);
      g_ptr_array_extend_and_steal (result->conflicting, g_steal_pointer (&edited));
      return result;
    }

  {
    g_autoptr(GPtrArray) columns = union_columns (base, mine, theirs);

    result = merge_result_new (GP_CONFLICT_NONE);
    result->merged = json_object_new ();
    if (json_object_has_member (theirs, "id"))
      set_member (result->merged, "id", json_object_get_member (theirs, "id"));
    else if (json_object_has_member (mine, "id"))
      set_member (result->merged, "id", json_object_get_member (mine, "id"));

    for (guint i = 0; i < columns->len; i++)
      {
        const char *name = g_ptr_array_index (columns, i);
        JsonNode *b = member (base, name);
        JsonNode *m = member (mine, name);
        JsonNode *t = member (theirs, name);
        JsonNode *take;

        if (gp_merge_values_equal (m, t))
          take = m;
        else if (is_stamp (name, m, t))
          /* Every local write bumps updated_at, so both sides "changed" it whenever both
           * edited anything: the later stamp wins and it never conflicts by itself. */
          take = json_node_get_int (m) >= json_node_get_int (t) ? m : t;
        else if (base != NULL && gp_merge_values_equal (m, b))
          take = t;
        else if (base != NULL && gp_merge_values_equal (t, b))
          take = m;
        else
          {
            take = m;
            g_ptr_array_add (result->conflicting, g_strdup (name));
          }

        set_member (result->merged, name, take);
        if (!gp_merge_values_equal (take, t))
          g_ptr_array_add (result->changed, g_strdup (name));
      }

    if (result->conflicting->len > 0)
      result->kind = GP_CONFLICT_EDIT;
  }

  return result;
}

/**
 * gp_merge_describe_conflict:
 * @result: a merge result
 * @base: (nullable): the base given to gp_merge_records()
 * @mine: (nullable): the local row given to gp_merge_records()
 * @theirs: (nullable): the server row given to gp_merge_records()
 *
 * Builds what the conflicts table stores and the conflict dialog shows: for each
 * conflicting column, `{"base": …, "mine": …, "theirs": …}` (null where a side has none).
 *
 * Returns: (transfer full): the per-field description
 */
JsonObject *
gp_merge_describe_conflict (GpMergeResult *result,
                            JsonObject    *base,
                            JsonObject    *mine,
                            JsonObject    *theirs)
{
  JsonObject *fields = json_object_new ();

  g_return_val_if_fail (result != NULL, fields);

  for (guint i = 0; i < result->conflicting->len; i++)
    {
      const char *name = g_ptr_array_index (result->conflicting, i);
      JsonObject *field = json_object_new ();

      set_member (field, "base", member (base, name));
      set_member (field, "mine", member (mine, name));
      set_member (field, "theirs", member (theirs, name));
      json_object_set_object_member (fields, name, field);
    }

  return fields;
}

/**
 * gp_merge_apply_choices:
 * @mine: the local row (the merged row kept while the conflict is open)
 * @fields: the conflict description from gp_merge_describe_conflict()
 * @choices: for each field of @fields, `"mine"`, `"theirs"`, or `{"value": …}` for a new value
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): @mine with the chosen values, or %NULL with
 *   %GP_STORE_ERROR_INVALID if a field has no valid choice
 */
JsonObject *
gp_merge_apply_choices (JsonObject  *mine,
                        JsonObject  *fields,
                        JsonObject  *choices,
                        GError     **error)
{
  g_autoptr(JsonObject) resolved = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *field_node;

  g_return_val_if_fail (mine != NULL, NULL);
  g_return_val_if_fail (fields != NULL, NULL);
  g_return_val_if_fail (choices != NULL, NULL);

  resolved = copy_object (mine);

  json_object_iter_init (&iter, fields);
  while (json_object_iter_next (&iter, &name, &field_node))
    {
      JsonNode *choice = json_object_get_member (choices, name);
      JsonObject *field = JSON_NODE_HOLDS_OBJECT (field_node) ? json_node_get_object (field_node) : NULL;

      if (field == NULL)
        continue;

      if (choice != NULL && JSON_NODE_HOLDS_VALUE (choice)
          && json_node_get_value_type (choice) == G_TYPE_STRING
          && (g_str_equal (json_node_get_string (choice), "mine")
              || g_str_equal (json_node_get_string (choice), "theirs")))
        {
          set_member (resolved, name, json_object_get_member (field, json_node_get_string (choice)));
        }
      else if (choice != NULL && JSON_NODE_HOLDS_OBJECT (choice)
               && json_object_has_member (json_node_get_object (choice), "value"))
        {
          set_member (resolved, name, json_object_get_member (json_node_get_object (choice), "value"));
        }
      else
        {
          g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                       _("Choose which value to keep for “%s”."), name);
          return NULL;
        }
    }

  return g_steal_pointer (&resolved);
}

/**
 * gp_merge_result_free:
 * @result: (transfer full): a merge result
 */
void
gp_merge_result_free (GpMergeResult *result)
{
  if (result == NULL)
    return;

  g_clear_pointer (&result->merged, json_object_unref);
  g_clear_pointer (&result->conflicting, g_ptr_array_unref);
  g_clear_pointer (&result->changed, g_ptr_array_unref);
  g_free (result);
}
