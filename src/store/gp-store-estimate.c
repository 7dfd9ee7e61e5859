/* gp-store-estimate.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The offline price estimator. Past invoice lines and tickets are in a local FTS5 index
 * (estimate_index, kept current by triggers, see migration 3). A description is split into
 * words; SQLite finds the texts that share any of them (ranked by bm25); each candidate
 * gets a similarity score that can be put in one sentence: the share of the description's
 * words it contains, each word weighted by how rare it is in the history (BM25's idf, so
 * "logo" counts more than "design" if fewer texts mention it). The suggested price range
 * is the interquartile range of the similar lines' amounts, each weighted by its score. */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-store-estimate.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gp-money.h"
#include "gp-schema.h"
#include "gp-store-private.h"

#define MAX_TERMS      12
#define MAX_CANDIDATES 50
#define MAX_MATCHES    12

/* Words that say nothing about the work. */
static const char * const stop_words[] = {
  "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "into", "is",
  "it", "its", "of", "on", "or", "our", "the", "their", "this", "to", "we", "with", "new",
  "der", "die", "das", "und", "für", "mit", "von", "ein", "eine", "zu", "im", "auf",
  NULL
};

void
gp_estimate_match_free (GpEstimateMatch *self)
{
  if (self == NULL)
    return;
  g_free (self->kind);
  g_free (self->id);
  g_free (self->title);
  g_free (self->context);
  g_free (self->currency);
  g_strfreev (self->matched_terms);
  g_free (self);
}

void
gp_estimate_free (GpEstimate *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->matches, g_ptr_array_unref);
  g_strfreev (self->terms);
  g_free (self->currency);
  g_free (self->explanation);
  g_free (self);
}

/**
 * gp_estimate_split_terms:
 * @text: a description of work
 *
 * Splits @text into the words to search for: lower-cased, without punctuation, stop words
 * or one-letter words, each once, at most 12.
 *
 * Returns: (transfer full): the words
 */
GStrv
gp_estimate_split_terms (const char *text)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) word = g_string_new (NULL);
  const char *p;

  g_return_val_if_fail (text != NULL, NULL);

  for (p = text; ; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (*p != '\0' && c != (gunichar)-1 && c != (gunichar)-2 && g_unichar_isalnum (c))
        {
          g_string_append_unichar (word, g_unichar_tolower (c));
          continue;
        }

      if (g_utf8_strlen (word->str, -1) > 1 &&
          !g_strv_contains (stop_words, word->str) &&
          !g_ptr_array_find_with_equal_func (seen, word->str, g_str_equal, NULL) &&
          seen->len < MAX_TERMS)
        {
          g_ptr_array_add (seen, g_strdup (word->str));
          g_strv_builder_add (builder, word->str);
        }
      g_string_truncate (word, 0);

      if (*p == '\0' || c == (gunichar)-1 || c == (gunichar)-2)
        break;
    }

  return g_strv_builder_end (builder);
}

typedef struct
{
  gint64 value;
  double weight;
} Sample;

static int
compare_samples (gconstpointer a,
                 gconstpointer b)
{
  const Sample *x = a, *y = b;

  return (x->value > y->value) - (x->value < y->value);
}

/**
 * gp_estimate_weighted_quantile:
 * @values: the amounts
 * @weights: their weights (> 0)
 * @n: how many
 * @q: the quantile, 0 to 1
 * @out: (out): the quantile, rounded to a whole minor unit
 *
 * The weighted quantile with the midpoint rule: sorted by value, each sample sits at the
 * middle of its share of the total weight, and values in between are interpolated linearly.
 * With equal weights this is the usual quartile of a sorted list (the median of 1, 2, 3, 4 is
 * 2.5).
 *
 * Returns: %FALSE if there is no sample with a positive weight
 */
gboolean
gp_estimate_weighted_quantile (const gint64 *values,
                               const double *weights,
                               guint         n,
                               double        q,
                               gint64       *out)
{
  g_autofree Sample *samples = NULL;
  g_autofree double *positions = NULL;
  double total = 0, cumulative = 0;
  guint m = 0;

  g_return_val_if_fail (out != NULL, FALSE);

  samples = g_new0 (Sample, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    if (weights[i] > 0)
      {
        samples[m].value = values[i];
        samples[m].weight = weights[i];
        total += weights[i];
        m++;
      }
  if (m == 0)
    return FALSE;

  qsort (samples, m, sizeof (Sample), compare_samples);
  positions = g_new0 (double, m);
  for (guint i = 0; i < m; i++)
    {
      positions[i] = (cumulative + samples[i].weight / 2) / total;
      cumulative += samples[i].weight;
    }

  if (q <= positions[0])
    *out = samples[0].value;
  else if (q >= positions[m - 1])
    *out = samples[m - 1].value;
  else
    {
      guint i = 0;
      double t;

      while (i + 1 < m && positions[i + 1] < q)
        i++;
      t = (q - positions[i]) / (positions[i + 1] - positions[i]);
      *out = (gint64)llround ((double)samples[i].value + t * (double)(samples[i + 1].value - samples[i].value));
    }

  return TRUE;
}

typedef struct
{
  char *description;
  char *currency;
} EstimateData;

static void
estimate_data_free (EstimateData *data)
{
  g_free (data->description);
  g_free (data->currency);
  g_free (data);
}

typedef struct
{
  gint64      docid;
  double      bm25;
  double      score;
  GPtrArray  *terms;   /* borrowed strings */
} Candidate;

static void
candidate_free (Candidate *candidate)
{
  g_ptr_array_unref (candidate->terms);
  g_free (candidate);
}

static char *
fts_phrase (const char *term)
{
  g_autoptr(GString) s = g_string_new ("\"");

  /* Terms are letters and digits only, but quote anyway: FTS5 syntax is not for users. */
  for (const char *p = term; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
step_error (GpStoreTxn  *txn,
            int          rc,
            const char  *what,
            GError     **error)
{
  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  _gp_store_set_sqlite_error (error, _gp_store_txn_get_db (txn), rc, what);
  return FALSE;
}

/* The docids whose text contains @term (with the index's stemming). */
static GHashTable *
docs_with_term (GpStoreTxn  *txn,
                const char  *term,
                GError     **error)
{
  g_autoptr(GHashTable) docs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autofree char *phrase = fts_phrase (term);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gp_store_txn_prepare (txn, "SELECT rowid FROM estimate_index WHERE estimate_index MATCH ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, phrase, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 *docid = g_new (gint64, 1);

      *docid = sqlite3_column_int64 (stmt, 0);
      g_hash_table_add (docs, docid);
    }
  sqlite3_finalize (stmt);
  if (!step_error (txn, rc, "estimate terms", error))
    return NULL;
  return g_steal_pointer (&docs);
}

static gboolean
fill_line (GpStoreTxn       *txn,
           GpEstimateMatch  *match,
           gboolean         *found,
           GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _gp_store_txn_prepare (txn,
                                "SELECT l.description, l.quantity, l.unit_price, l.discount, i.currency, "
                                "i.number, c.name FROM invoice_lines l "
                                "JOIN invoices i ON i.id = l.invoice_id "
                                "LEFT JOIN clients c ON c.id = i.client_id "
                                "WHERE l.id = ? AND l._status != 'deleted' AND i._status != 'deleted' "
                                "AND i.status != 'void'",
                                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, match->id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (*found)
    {
      const char *number = (const char *)sqlite3_column_text (stmt, 5);
      const char *client = (const char *)sqlite3_column_text (stmt, 6);
      gint64 net = 0;

      match->title = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      match->quantity = sqlite3_column_int64 (stmt, 1);
      match->unit_price = sqlite3_column_int64 (stmt, 2);
      match->currency = g_strdup ((const char *)sqlite3_column_text (stmt, 4));
      match->has_amount = gp_invoice_line_compute (match->quantity, match->unit_price,
                                                   sqlite3_column_int64 (stmt, 3), 0, &net, NULL, NULL);
      match->amount = net;
      if (number != NULL)
        match->context = g_strdup_printf (_("Invoice %s · %s"), number, client != NULL ? client : "");
      else
        match->context = g_strdup_printf (_("Draft invoice · %s"), client != NULL ? client : "");
    }
  sqlite3_finalize (stmt);
  return step_error (txn, rc, "estimate line", error);
}

static gboolean
fill_ticket (GpStoreTxn       *txn,
             GpEstimateMatch  *match,
             gboolean         *found,
             GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  /* The time logged, and its value at the entry's rate or else the client's. */
  stmt = _gp_store_txn_prepare (txn,
                                "SELECT t.title, c.name, c.currency, "
                                "  (SELECT coalesce (sum (e.duration_ms), 0) FROM time_entries e "
                                "   WHERE e.ticket_id = t.id AND e._status != 'deleted' AND e.ended_at IS NOT NULL), "
                                "  (SELECT sum (e.duration_ms * coalesce (e.hourly_rate, c.hourly_rate)) / 3600000 "
                                "   FROM time_entries e WHERE e.ticket_id = t.id AND e._status != 'deleted' "
                                "   AND e.ended_at IS NOT NULL AND e.billable = 1) "
                                "FROM tickets t LEFT JOIN clients c ON c.id = t.client_id "
                                "WHERE t.id = ? AND t._status != 'deleted'",
                                error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, match->id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (*found)
    {
      const char *client = (const char *)sqlite3_column_text (stmt, 1);

      match->title = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      match->context = client != NULL ? g_strdup_printf (_("Ticket · %s"), client) : g_strdup (_("Ticket"));
      match->currency = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
      /* Milli-hours, rounded half up. */
      match->quantity = (sqlite3_column_int64 (stmt, 3) + 1800) / 3600;
      match->has_amount = sqlite3_column_type (stmt, 4) != SQLITE_NULL && match->currency != NULL;
      match->amount = sqlite3_column_int64 (stmt, 4);
    }
  sqlite3_finalize (stmt);
  return step_error (txn, rc, "estimate ticket", error);
}

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *x = *(Candidate **)a, *y = *(Candidate **)b;

  if (x->score != y->score)
    return x->score < y->score ? 1 : -1;
  if (x->bm25 != y->bm25)
    return x->bm25 < y->bm25 ? -1 : 1;
  return (x->docid > y->docid) - (x->docid < y->docid);
}

static char *
format_hours (gint64 milli_hours)
{
  return g_strdup_printf ("%.1f", (double)milli_hours / 1000.0);
}

static char *
explain (GpEstimate *estimate,
         guint       n_lines,
         guint       n_tickets_with_time)
{
  g_autoptr(GString) s = g_string_new (NULL);

  if (estimate->matches->len == 0)
    return g_strdup (_("Nothing similar was found in past invoices or tickets, so there is no "
                       "suggestion yet. Suggestions get better as more work is invoiced."));

  if (estimate->has_range && estimate->n_samples == 1)
    {
      g_autofree char *amount = gp_money_format (estimate->median, estimate->currency);

      g_string_append_printf (s, _("Only one similar invoice line in %s was found: %s."),
                              estimate->currency, amount);
    }
  else if (estimate->has_range && estimate->low == estimate->high)
    {
      g_autofree char *amount = gp_money_format (estimate->median, estimate->currency);

      g_string_append_printf (s, _("Based on %u similar invoice lines in %s: weighted by how similar they "
                                   "are, the middle half of their amounts is %s."),
                              estimate->n_samples, estimate->currency, amount);
    }
  else if (estimate->has_range)
    {
      g_autofree char *low = gp_money_format (estimate->low, estimate->currency);
      g_autofree char *median = gp_money_format (estimate->median, estimate->currency);
      g_autofree char *high = gp_money_format (estimate->high, estimate->currency);

      g_string_append_printf (s, _("Based on %u similar invoice lines in %s. Weighted by how similar "
                                   "they are, the middle half of their amounts lies between %s and %s "
                                   "(median %s)."),
                              estimate->n_samples, estimate->currency, low, high, median);
    }
  else if (n_lines > 0)
    g_string_append (s, _("The similar invoice lines are too different from the description to "
                          "suggest a price."));
  else
    g_string_append (s, _("No similar invoice lines were found, so there is no price to suggest."));

  if (estimate->n_other_currency > 0)
    {
      g_string_append_c (s, ' ');
      g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                              "%u similar line in another currency was left out.",
                                              "%u similar lines in other currencies were left out.",
                                              estimate->n_other_currency),
                              estimate->n_other_currency);
    }

  if (estimate->has_hours)
    {
      g_autofree char *hours = format_hours (estimate->hours_median);

      g_string_append_c (s, ' ');
      g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                              "%u similar ticket took about %s hours.",
                                              "%u similar tickets took about %s hours (weighted median "
                                              "of the time logged).",
                                              n_tickets_with_time),
                              n_tickets_with_time, hours);
    }

  g_string_append_c (s, ' ');
  g_string_append (s, _("Similarity is the share of your words found in a past text, rarer words "
                        "counting more."));

  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
estimate_run (GpStoreTxn  *txn,
              gpointer     user_data,
              GError     **error)
{
  EstimateData *data = user_data;
  g_autoptr(GpEstimate) estimate = g_new0 (GpEstimate, 1);
  g_autoptr(GPtrArray) term_docs = g_ptr_array_new_with_free_func ((GDestroyNotify)g_hash_table_unref);
  g_autoptr(GArray) idf = g_array_new (FALSE, TRUE, sizeof (double));
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func ((GDestroyNotify)candidate_free);
  g_autoptr(GString) query = g_string_new (NULL);
  g_autoptr(GHashTable) seen_currency = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) weights = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) hours = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) hour_weights = g_array_new (FALSE, FALSE, sizeof (double));
  double known_weight = 0;
  gint64 n_docs = 0;
  guint n_lines = 0;
  sqlite3_stmt *stmt;
  int rc;

  estimate->matches = g_ptr_array_new_with_free_func ((GDestroyNotify)gp_estimate_match_free);
  estimate->terms = gp_estimate_split_terms (data->description);
  estimate->currency = g_strdup (data->currency);

  stmt = _gp_store_txn_prepare (txn, "SELECT count(*) FROM estimate_index", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  n_docs = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_finalize (stmt);
  if (!step_error (txn, rc, "estimate count", error))
    return FALSE;

  /* Each word's documents and weight; words never seen weigh nothing for anyone. */
  for (guint i = 0; estimate->terms[i] != NULL; i++)
    {
      GHashTable *docs = docs_with_term (txn, estimate->terms[i], error);
      double df, w = 0;

      if (docs == NULL)
        return FALSE;
      g_ptr_array_add (term_docs, docs);
      df = g_hash_table_size (docs);
      if (df > 0)
        {
          g_autofree char *phrase = fts_phrase (estimate->terms[i]);

          w = log (((double)n_docs - df + 0.5) / (df + 0.5) + 1.0);
          known_weight += w;
          if (query->len > 0)
            g_string_append (query, " OR ");
          g_string_append (query, phrase);
        }
      g_array_append_val (idf, w);
    }

  if (query->len > 0)
    {
      stmt = _gp_store_txn_prepare (txn,
                                    "SELECT rowid, bm25 (estimate_index) AS rank FROM estimate_index "
                                    "WHERE estimate_index MATCH ? ORDER BY rank LIMIT " G_STRINGIFY (MAX_CANDIDATES),
                                    error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, query->str, -1, SQLITE_TRANSIENT);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          Candidate *candidate = g_new0 (Candidate, 1);
          double matched = 0;

          candidate->docid = sqlite3_column_int64 (stmt, 0);
          candidate->bm25 = sqlite3_column_double (stmt, 1);
          candidate->terms = g_ptr_array_new ();
          for (guint i = 0; i < term_docs->len; i++)
            if (g_hash_table_contains (g_ptr_array_index (term_docs, i), &candidate->docid))
              {
                matched += g_array_index (idf, double, i);
                g_ptr_array_add (candidate->terms, estimate->terms[i]);
              }
          candidate->score = known_weight > 0 ? matched / known_weight : 0;
          g_ptr_array_add (candidates, candidate);
        }
      sqlite3_finalize (stmt);
      if (!step_error (txn, rc, "estimate search", error))
        return FALSE;
    }
  g_ptr_array_sort (candidates, compare_candidates);

  for (guint i = 0; i < candidates->len && estimate->matches->len < MAX_MATCHES; i++)
    {
      Candidate *candidate = g_ptr_array_index (candidates, i);
      g_autoptr(GpEstimateMatch) match = NULL;
      gboolean found = FALSE;

      match = g_new0 (GpEstimateMatch, 1);
      match->score = candidate->score;
      match->bm25 = candidate->bm25;
      g_ptr_array_add (candidate->terms, NULL);
      match->matched_terms = g_strdupv ((GStrv)candidate->terms->pdata);
      g_ptr_array_remove_index (candidate->terms, candidate->terms->len - 1);

      stmt = _gp_store_txn_prepare (txn, "SELECT kind, ref_id FROM estimate_docs WHERE docid = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, candidate->docid);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          match->kind = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
          match->id = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
        }
      sqlite3_finalize (stmt);
      if (!step_error (txn, rc, "estimate docs", error))
        return FALSE;
      if (match->kind == NULL)
        continue;

      if (strcmp (match->kind, "line") == 0 ? !fill_line (txn, match, &found, error)
                                            : !fill_ticket (txn, match, &found, error))
        return FALSE;
      /* A line of a void or deleted invoice is not a price anyone paid. */
      if (!found)
        continue;

      g_ptr_array_add (estimate->matches, g_steal_pointer (&match));
    }

  /* The range's currency: the one asked for, else the one most of the similar lines use. */
  if (estimate->currency == NULL)
    {
      g_autoptr(GHashTable) weight_by_currency = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
      double best = 0;

      for (guint i = 0; i < estimate->matches->len; i++)
        {
          GpEstimateMatch *match = g_ptr_array_index (estimate->matches, i);
          double *w;

          if (strcmp (match->kind, "line") != 0 || match->currency == NULL ||
              match->score < GP_ESTIMATE_MIN_SCORE)
            continue;
          w = g_hash_table_lookup (weight_by_currency, match->currency);
          if (w == NULL)
            {
              w = g_new0 (double, 1);
              g_hash_table_insert (weight_by_currency, match->currency, w);
            }
          *w += match->score;
          if (*w > best || (*w == best && g_strcmp0 (match->currency, estimate->currency) < 0))
            {
              best = *w;
              g_free (estimate->currency);
              estimate->currency = g_strdup (match->currency);
            }
        }
    }

  {
    guint n_tickets_with_time = 0;

    for (guint i = 0; i < estimate->matches->len; i++)
      {
        GpEstimateMatch *match = g_ptr_array_index (estimate->matches, i);

        if (match->score < GP_ESTIMATE_MIN_SCORE)
          continue;
        if (strcmp (match->kind, "line") == 0)
          {
            n_lines++;
            if (!match->has_amount || match->amount <= 0)
              continue;
            if (g_strcmp0 (match->currency, estimate->currency) != 0)
              {
                estimate->n_other_currency++;
                continue;
              }
            g_array_append_val (values, match->amount);
            g_array_append_val (weights, match->score);
          }
        else if (match->quantity > 0)
          {
            g_array_append_val (hours, match->quantity);
            g_array_append_val (hour_weights, match->score);
            n_tickets_with_time++;
          }
      }

    estimate->n_samples = values->len;
    estimate->has_range =
      gp_estimate_weighted_quantile ((gint64 *)values->data, (double *)weights->data, values->len, 0.25, &estimate->low) &&
      gp_estimate_weighted_quantile ((gint64 *)values->data, (double *)weights->data, values->len, 0.5, &estimate->median) &&
      gp_estimate_weighted_quantile ((gint64 *)values->data, (double *)weights->data, values->len, 0.75, &estimate->high);
    estimate->has_hours =
      gp_estimate_weighted_quantile ((gint64 *)hours->data, (double *)hour_weights->data, hours->len, 0.5,
                                     &estimate->hours_median);
    estimate->explanation = explain (estimate, n_lines, n_tickets_with_time);
  }

  _gp_store_txn_set_result (txn, g_steal_pointer (&estimate), (GDestroyNotify)gp_estimate_free);
  return TRUE;
}

/**
 * gp_store_estimate_async:
 * @self: a #GpStore
 * @description: what the work is, in the user's words
 * @currency: (nullable): the currency of the invoice being written; %NULL picks the one most
 *   similar lines use
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the estimate
 * @user_data: data for @callback
 *
 * Finds past invoice lines and tickets similar to @description in the local full-text
 * index and suggests a price range from them (see #GpEstimate). Nothing leaves the machine.
 */
void
gp_store_estimate_async (GpStore             *self,
                         const char          *description,
                         const char          *currency,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  EstimateData *data;

  g_return_if_fail (GP_IS_STORE (self));
  g_return_if_fail (description != NULL);

  data = g_new0 (EstimateData, 1);
  data->description = g_strdup (description);
  data->currency = g_strdup (currency);
  _gp_store_run_async (self, GP_STORE_COMMAND_READ, estimate_run, data,
                       (GDestroyNotify)estimate_data_free, cancellable, callback, user_data,
                       gp_store_estimate_async);
}

/**
 * gp_store_estimate_finish:
 * @self: a #GpStore
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the estimate
 */
GpEstimate *
gp_store_estimate_finish (GpStore       *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  gpointer estimate = NULL;

  g_return_val_if_fail (GP_IS_STORE (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, gp_store_estimate_async), NULL);

  if (!_gp_store_run_finish (self, result, &estimate, error))
    return NULL;
  return estimate;
}
