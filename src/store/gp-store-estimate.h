/* gp-store-estimate.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gp-store.h"

G_BEGIN_DECLS

/**
 * GpEstimateMatch:
 * @kind: "line" (a past invoice line) or "ticket"
 * @id: the invoice line's or the ticket's id
 * @title: the line's description or the ticket's title
 * @context: (nullable): where it comes from: "Invoice 2026-004 · Acme" or the ticket's client
 * @currency: (nullable): the currency of @amount
 * @has_amount: whether @amount means anything
 * @amount: a line's net amount (quantity × unit price − discount), or the value of a ticket's
 *   billable time, in minor units of @currency
 * @quantity: a line's quantity (milli-units), or the hours logged on a ticket (milli-hours)
 * @unit_price: a line's unit price (0 for a ticket)
 * @score: similarity between 0 and 1: the share of the description's words (weighted by how
 *   rare each is in the history, BM25's idf) that this text contains
 * @bm25: SQLite FTS5's bm25() rank (lower is better), used to order equal scores
 * @matched_terms: the description's words found in this text
 *
 * One past piece of work similar to the description.
 */
typedef struct
{
  char     *kind;
  char     *id;
  char     *title;
  char     *context;
  char     *currency;
  gboolean  has_amount;
  gint64    amount;
  gint64    quantity;
  gint64    unit_price;
  double    score;
  double    bm25;
  GStrv     matched_terms;
} GpEstimateMatch;

/**
 * GpEstimate:
 * @matches: (element-type GpEstimateMatch): the similar lines and tickets, best first
 * @terms: the words of the description that were searched
 * @currency: (nullable): the currency of the range
 * @has_range: whether a price range could be suggested
 * @low: the weighted 25th percentile of the similar lines' amounts
 * @median: the weighted median
 * @high: the weighted 75th percentile
 * @n_samples: how many lines the range is built from
 * @n_other_currency: similar lines left out because they are in another currency
 * @has_hours: whether similar tickets had time logged
 * @hours_median: the weighted median of their logged time, in milli-hours
 * @explanation: one paragraph saying how the suggestion was made
 *
 * A price suggestion, worked out locally from the history.
 */
typedef struct
{
  GPtrArray *matches;
  GStrv      terms;
  char      *currency;
  gboolean   has_range;
  gint64     low;
  gint64     median;
  gint64     high;
  guint      n_samples;
  guint      n_other_currency;
  gboolean   has_hours;
  gint64     hours_median;
  char      *explanation;
} GpEstimate;

/* Lines whose score is below this do not count towards the range (they are still shown). */
#define GP_ESTIMATE_MIN_SCORE (1.0 / 3.0)

void        gp_estimate_match_free     (GpEstimateMatch     *self);
void        gp_estimate_free           (GpEstimate          *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpEstimateMatch, gp_estimate_match_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GpEstimate, gp_estimate_free)

GStrv       gp_estimate_split_terms    (const char          *text) G_GNUC_WARN_UNUSED_RESULT;
gboolean    gp_estimate_weighted_quantile (const gint64     *values,
                                           const double     *weights,
                                           guint             n,
                                           double            q,
                                           gint64           *out);

void        gp_store_estimate_async    (GpStore             *self,
                                        const char          *description,
                                        const char          *currency,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
GpEstimate *gp_store_estimate_finish   (GpStore             *self,
                                        GAsyncResult        *result,
                                        GError             **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
