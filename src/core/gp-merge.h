/* gp-merge.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The kinds of conflict a sync can leave for the user; stored as text in the conflicts table. */
typedef enum
{
  GP_CONFLICT_NONE,
  /* Both sides changed the same field to different values. */
  GP_CONFLICT_EDIT,
  /* The server deleted the record; it was edited here. */
  GP_CONFLICT_REMOTE_DELETE,
  /* The record was deleted here; the server has a newer edit. */
  GP_CONFLICT_LOCAL_DELETE,
  /* Two different invoices carry the same number (issued on two devices while offline). */
  GP_CONFLICT_DUPLICATE_NUMBER,
  /* A local invoice bills time that another device billed first, on another invoice. */
  GP_CONFLICT_DOUBLE_BILLED,
} GpConflictKind;

typedef struct
{
  /* GP_CONFLICT_NONE when the merge is clean. */
  GpConflictKind  kind;
  /* The row to keep locally, or %NULL when the record is to be (or stay) deleted. */
  JsonObject     *merged;
  /* Column names changed on both sides to different values (GP_CONFLICT_EDIT), or the
   * columns the surviving side changed (delete conflicts). */
  GPtrArray      *conflicting;
  /* Columns in which @merged differs from theirs: what is still to be pushed. */
  GPtrArray      *changed;
} GpMergeResult;

const char     *gp_conflict_kind_to_string   (GpConflictKind  kind);
GpConflictKind  gp_conflict_kind_from_string (const char     *text);

gboolean        gp_merge_values_equal        (JsonNode       *a,
                                              JsonNode       *b);
GPtrArray      *gp_merge_diff                (JsonObject     *a,
                                              JsonObject     *b) G_GNUC_WARN_UNUSED_RESULT;
GpMergeResult  *gp_merge_records             (JsonObject     *base,
                                              JsonObject     *mine,
                                              JsonObject     *theirs) G_GNUC_WARN_UNUSED_RESULT;
JsonObject     *gp_merge_describe_conflict   (GpMergeResult  *result,
                                              JsonObject     *base,
                                              JsonObject     *mine,
                                              JsonObject     *theirs) G_GNUC_WARN_UNUSED_RESULT;
JsonObject     *gp_merge_apply_choices       (JsonObject     *mine,
                                              JsonObject     *fields,
                                              JsonObject     *choices,
                                              GError        **error) G_GNUC_WARN_UNUSED_RESULT;
void            gp_merge_result_free         (GpMergeResult  *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpMergeResult, gp_merge_result_free)

G_END_DECLS
