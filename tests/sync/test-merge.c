/* test-merge.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gp-error.h"
#include "gp-merge.h"

static JsonObject *
obj (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static void
assert_object_equals (JsonObject *object,
                      const char *json)
{
  g_autoptr(JsonObject) expected = obj (json);
  g_autoptr(GPtrArray) diff = gp_merge_diff (object, expected);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = json_to_string (node, FALSE);

  if (diff->len != 0)
    g_error ("got %s, expected %s", text, json);
}

static void
assert_columns (GPtrArray  *columns,
                const char *joined)
{
  g_autoptr(GString) got = g_string_new (NULL);

  for (guint i = 0; i < columns->len; i++)
    g_string_append_printf (got, "%s%s", i ? "," : "", (char *)g_ptr_array_index (columns, i));
  g_assert_cmpstr (got->str, ==, joined);
}

#define BASE "{\"id\":\"a\",\"name\":\"Acme\",\"email\":\"a@x\",\"rate\":100,\"notes\":null}"

static void
test_merge_disjoint (void)
{
  g_autoptr(JsonObject) base = obj (BASE);
  g_autoptr(JsonObject) mine = obj ("{\"id\":\"a\",\"name\":\"Acme GmbH\",\"email\":\"a@x\",\"rate\":100,\"notes\":null}");
  g_autoptr(JsonObject) theirs = obj ("{\"id\":\"a\",\"name\":\"Acme\",\"email\":\"b@x\",\"rate\":100,\"notes\":\"hi\"}");
  g_autoptr(GpMergeResult) r = gp_merge_records (base, mine, theirs);

  g_assert_cmpint (r->kind, ==, GP_CONFLICT_NONE);
  assert_object_equals (r->merged, "{\"name\":\"Acme GmbH\",\"email\":\"b@x\",\"rate\":100,\"notes\":\"hi\"}");
  g_assert_cmpstr (json_object_get_string_member (r->merged, "id"), ==, "a");
  assert_columns (r->conflicting, "");
  assert_columns (r->changed, "name");
}

static void
test_merge_same_change (void)
{
  g_autoptr(JsonObject) base = obj (BASE);
  g_autoptr(JsonObject) mine = obj ("{\"id\":\"a\",\"name\":\"Acme\",\"email\":\"c@x\",\"rate\":120,\"notes\":null}");
  g_autoptr(JsonObject) theirs = obj ("{\"id\":\"a\",\"name\":\"Acme\",\"email\":\"c@x\",\"rate\":120.0,\"notes\":null}");
  g_autoptr(GpMergeResult) r = gp_merge_records (base, mine, theirs);

  g_assert_cmpint (r->kind, ==, GP_CONFLICT_NONE);
  assert_columns (r->conflicting, "");
  assert_columns (r->changed, "");
}

static void
test_merge_conflict (void)
{
  g_autoptr(JsonObject) base = obj (BASE);
  g_autoptr(JsonObject) mine = obj ("{\"id\":\"a\",\"name\":\"Mine\",\"email\":\"a@x\",\"rate\":150,\"notes\":null}");
  g_autoptr(JsonObject) theirs = obj ("{\"id\":\"a\",\"name\":\"Theirs\",\"email\":\"t@x\",\"rate\":150,\"notes\":null}");
  g_autoptr(GpMergeResult) r = gp_merge_records (base, mine, theirs);
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(JsonObject) choices = NULL;
  g_autoptr(JsonObject) resolved = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *name;

  g_assert_cmpint (r->kind, ==, GP_CONFLICT_EDIT);
  g_assert_cmpstr (gp_conflict_kind_to_string (r->kind), ==, "edit");
  assert_columns (r->conflicting, "name");
  /* The local value stays until the user decides; the remote-only change is taken. */
  assert_object_equals (r->merged, "{\"name\":\"Mine\",\"email\":\"t@x\",\"rate\":150,\"notes\":null}");
  assert_columns (r->changed, "name");

  fields = gp_merge_describe_conflict (r, base, mine, theirs);
  g_assert_cmpuint (json_object_get_size (fields), ==, 1);
  name = json_object_get_object_member (fields, "name");
  g_assert_cmpstr (json_object_get_string_member (name, "base"), ==, "Acme");
  g_assert_cmpstr (json_object_get_string_member (name, "mine"), ==, "Mine");
  g_assert_cmpstr (json_object_get_string_member (name, "theirs"), ==, "Theirs");

  /* No choice for a field is an error, not a guess. */
  choices = obj ("{}");
  resolved = gp_merge_apply_choices (r->merged, fields, choices, &error);
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_null (resolved);
  g_clear_error (&error);
  g_clear_pointer (&choices, json_object_unref);

  choices = obj ("{\"name\":\"theirs\"}");
  resolved = gp_merge_apply_choices (r->merged, fields, choices, &error);
  g_assert_no_error (error);
  assert_object_equals (resolved, "{\"name\":\"Theirs\",\"email\":\"t@x\",\"rate\":150,\"notes\":null}");
  g_clear_pointer (&resolved, json_object_unref);
  g_clear_pointer (&choices, json_object_unref);

  choices = obj ("{\"name\":\"mine\"}");
  resolved = gp_merge_apply_choices (r->merged, fields, choices, &error);
  g_assert_no_error (error);
  assert_object_equals (resolved, "{\"name\":\"Mine\",\"email\":\"t@x\",\"rate\":150,\"notes\":null}");
  g_clear_pointer (&resolved, json_object_unref);
  g_clear_pointer (&choices, json_object_unref);

  choices = obj ("{\"name\":{\"value\":\"Both\"}}");
  resolved = gp_merge_apply_choices (r->merged, fields, choices, &error);
  g_assert_no_error (error);
  assert_object_equals (resolved, "{\"name\":\"Both\",\"email\":\"t@x\",\"rate\":150,\"notes\":null}");
}

static void
test_merge_null_and_missing (void)
{
  g_autoptr(JsonObject) base = obj ("{\"id\":\"a\",\"name\":\"x\"}");
  g_autoptr(JsonObject) mine = obj ("{\"id\":\"a\",\"name\":\"x\",\"notes\":null}");
  g_autoptr(JsonObject) theirs = obj ("{\"id\":\"a\",\"name\":\"x\",\"notes\":null,\"_status\":\"synced\"}");
  g_autoptr(GpMergeResult) r = gp_merge_records (base, mine, theirs);

  g_assert_cmpint (r->kind, ==, GP_CONFLICT_NONE);
  assert_columns (r->changed, "");
  g_assert_false (json_object_has_member (r->merged, "_status"));

  /* Values of different JSON types are different. */
  {
    g_autoptr(JsonObject) a = obj ("{\"v\":\"1\"}");
    g_autoptr(JsonObject) b = obj ("{\"v\":1}");
    g_autoptr(JsonObject) c = obj ("{\"v\":true}");
    g_autoptr(GPtrArray) d1 = gp_merge_diff (a, b);
    g_autoptr(GPtrArray) d2 = gp_merge_diff (b, c);
    g_autoptr(GPtrArray) d3 = gp_merge_diff (a, NULL);

    assert_columns (d1, "v");
    assert_columns (d2, "v");
    assert_columns (d3, "v");
  }
}

static void
test_merge_no_base (void)
{
  g_autoptr(JsonObject) mine = obj ("{\"id\":\"a\",\"name\":\"x\",\"email\":\"m\"}");
  g_autoptr(JsonObject) same = obj ("{\"id\":\"a\",\"name\":\"x\",\"email\":\"m\"}");
  g_autoptr(JsonObject) theirs = obj ("{\"id\":\"a\",\"name\":\"x\",\"email\":\"t\"}");
  g_autoptr(GpMergeResult) r1 = gp_merge_records (NULL, mine, same);
  g_autoptr(GpMergeResult) r2 = gp_merge_records (NULL, mine, theirs);

  /* A record pushed whose acknowledgement was lost comes back identical: fine. */
  g_assert_cmpint (r1->kind, ==, GP_CONFLICT_NONE);
  assert_columns (r1->changed, "");
  /* Without a common ancestor a difference cannot be attributed: a conflict. */
  g_assert_cmpint (r2->kind, ==, GP_CONFLICT_EDIT);
  assert_columns (r2->conflicting, "email");
}

static void
test_merge_remote_delete (void)
{
  g_autoptr(JsonObject) base = obj (BASE);
  g_autoptr(JsonObject) unchanged = obj (BASE);
  g_autoptr(JsonObject) edited = obj ("{\"id\":\"a\",\"name\":\"Acme\",\"email\":\"new@x\",\"rate\":100,\"notes\":null}");
  g_autoptr(GpMergeResult) r1 = gp_merge_records (base, unchanged, NULL);
  g_autoptr(GpMergeResult) r2 = gp_merge_records (base, edited, NULL);
  g_autoptr(JsonObject) fields = NULL;
  JsonObject *email;

  g_assert_cmpint (r1->kind, ==, GP_CONFLICT_NONE);
  g_assert_null (r1->merged);

  g_assert_cmpint (r2->kind, ==, GP_CONFLICT_REMOTE_DELETE);
  g_assert_cmpstr (gp_conflict_kind_to_string (r2->kind), ==, "remote-delete");
  g_assert_nonnull (r2->merged);
  assert_object_equals (r2->merged, "{\"name\":\"Acme\",\"email\":\"new@x\",\"rate\":100,\"notes\":null}");
  assert_columns (r2->conflicting, "email");
  fields = gp_merge_describe_conflict (r2, base, edited, NULL);
  email = json_object_get_object_member (fields, "email");
  g_assert_cmpstr (json_object_get_string_member (email, "mine"), ==, "new@x");
  g_assert_true (json_object_get_null_member (email, "theirs"));
}

static void
test_merge_local_delete (void)
{
  g_autoptr(JsonObject) base = obj (BASE);
  g_autoptr(JsonObject) unchanged = obj (BASE);
  g_autoptr(JsonObject) edited = obj ("{\"id\":\"a\",\"name\":\"Acme\",\"email\":\"a@x\",\"rate\":250,\"notes\":null}");
  g_autoptr(GpMergeResult) r1 = gp_merge_records (base, NULL, unchanged);
  g_autoptr(GpMergeResult) r2 = gp_merge_records (base, NULL, edited);
  g_autoptr(GpMergeResult) r3 = gp_merge_records (base, NULL, NULL);

  g_assert_cmpint (r1->kind, ==, GP_CONFLICT_NONE);
  g_assert_null (r1->merged);
  g_assert_cmpint (r2->kind, ==, GP_CONFLICT_LOCAL_DELETE);
  g_assert_null (r2->merged);
  assert_columns (r2->conflicting, "rate");
  g_assert_cmpint (r3->kind, ==, GP_CONFLICT_NONE);
  g_assert_null (r3->merged);
}

static void
test_merge_stamp (void)
{
  g_autoptr(JsonObject) base = obj ("{\"id\":\"a\",\"email\":\"x\",\"notes\":null,\"updated_at\":100}");
  g_autoptr(JsonObject) mine = obj ("{\"id\":\"a\",\"email\":\"m\",\"notes\":null,\"updated_at\":300}");
  g_autoptr(JsonObject) theirs = obj ("{\"id\":\"a\",\"email\":\"x\",\"notes\":\"t\",\"updated_at\":200}");
  g_autoptr(GpMergeResult) r = gp_merge_records (base, mine, theirs);
  g_autoptr(GpMergeResult) r2 = gp_merge_records (base, theirs, mine);

  /* Disjoint edits on both sides both bump updated_at: not a conflict, the later wins. */
  g_assert_cmpint (r->kind, ==, GP_CONFLICT_NONE);
  assert_object_equals (r->merged, "{\"email\":\"m\",\"notes\":\"t\",\"updated_at\":300}");
  assert_columns (r->changed, "email,updated_at");
  g_assert_cmpint (r2->kind, ==, GP_CONFLICT_NONE);
  assert_object_equals (r2->merged, "{\"email\":\"m\",\"notes\":\"t\",\"updated_at\":300}");
}

static void
test_merge_kinds (void)
{
  for (GpConflictKind k = GP_CONFLICT_NONE; k <= GP_CONFLICT_DUPLICATE_NUMBER; k++)
    g_assert_cmpint (gp_conflict_kind_from_string (gp_conflict_kind_to_string (k)), ==, k);
  g_assert_cmpint (gp_conflict_kind_from_string ("bogus"), ==, GP_CONFLICT_NONE);
  g_assert_cmpint (gp_conflict_kind_from_string (NULL), ==, GP_CONFLICT_NONE);
  g_assert_cmpstr (gp_conflict_kind_to_string (GP_CONFLICT_DUPLICATE_NUMBER), ==, "duplicate-number");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/merge/disjoint", test_merge_disjoint);
  g_test_add_func ("/merge/same-change", test_merge_same_change);
  g_test_add_func ("/merge/conflict", test_merge_conflict);
  g_test_add_func ("/merge/null-and-missing", test_merge_null_and_missing);
  g_test_add_func ("/merge/no-base", test_merge_no_base);
  g_test_add_func ("/merge/remote-delete", test_merge_remote_delete);
  g_test_add_func ("/merge/local-delete", test_merge_local_delete);
  g_test_add_func ("/merge/stamp", test_merge_stamp);
  g_test_add_func ("/merge/kinds", test_merge_kinds);
  return g_test_run ();
}
