/* gp-record-list.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-record-list.h"

#include <string.h>

#include "gp-schema.h"
#include "gp-store-private.h"

/* A GListModel of the live rows of one table, filtered and sorted by SQLite.
 *
 * A (re)load runs one query on the store thread and swaps the whole array in. After that,
 * each "changed" emission of the store adds its ids to a pending set; one refetch at a time
 * reads just those ids (with the current filter) and splices the results in with a single
 * items-changed: rows that no longer match go, the others are placed by binary search with
 * the comparator that mirrors the SQL ORDER BY. Changes that arrive while a refetch runs
 * wait for the next one, so under a burst of writes the batches simply grow.
 *
 * Records are immutable, so the list keeps every record it has read in a pool shared
 * with the store thread, and drops an id from it as soon as the store reports it
 * changed. A reload for a new sort or filter then asks SQLite for the matching ids in
 * order only, takes the records from the pool and reads just the ones it lacks: on
 * 100k invoices that is tens of milliseconds instead of building 100k records again. */

/* Every record of the table the list has read and that has not changed since, by id;
 * used from the main thread and the store thread. */
typedef struct
{
  gatomicrefcount  ref_count;
  GMutex           mutex;
  GHashTable      *records;     /* id (borrowed from the record) -> GpRecord */
} RecordPool;

/* Lookups in the pool hold its lock for this many ids at a time, so the main thread
 * never waits long for it. */
#define POOL_CHUNK 4096

static RecordPool *
record_pool_new (void)
{
  RecordPool *pool = g_new0 (RecordPool, 1);

  g_atomic_ref_count_init (&pool->ref_count);
  g_mutex_init (&pool->mutex);
  pool->records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  return pool;
}

static RecordPool *
record_pool_ref (RecordPool *pool)
{
  g_atomic_ref_count_inc (&pool->ref_count);
  return pool;
}

static void
record_pool_unref (RecordPool *pool)
{
  if (!g_atomic_ref_count_dec (&pool->ref_count))
    return;
  g_mutex_clear (&pool->mutex);
  g_hash_table_unref (pool->records);
  g_free (pool);
}

/* The pool's record for @record's id, which becomes @record if there is none yet: a
 * record in the pool leaves it only when its row changes (and a refetch replaces it),
 * so a load that reads an id again gets the very same object, and the list can tell
 * its own records by pointer. Store thread only: a load reads and adds in one command,
 * so no write comes between. Returns a new reference. */
static GpRecord *
record_pool_add_or_get_locked (RecordPool *pool,
                               GpRecord   *record)
{
  GpRecord *known = g_hash_table_lookup (pool->records, gp_record_get_id (record));

  if (known == NULL)
    {
      known = record;
      g_hash_table_insert (pool->records, (gpointer)gp_record_get_id (record), g_object_ref (record));
    }
  return g_object_ref (known);
}

/* Replaces each record of @records by the pool's one (see above). */
static void
record_pool_canonicalize (RecordPool *pool,
                          GPtrArray  *records)
{
  for (guint start = 0; start < records->len; start += POOL_CHUNK)
    {
      g_mutex_lock (&pool->mutex);
      for (guint i = start; i < MIN (start + POOL_CHUNK, records->len); i++)
        {
          GpRecord *record = g_ptr_array_index (records, i);

          records->pdata[i] = record_pool_add_or_get_locked (pool, record);
          g_object_unref (record);
        }
      g_mutex_unlock (&pool->mutex);
    }
}

/* Removes @id's record and returns it (transfer full), or NULL. */
static GpRecord *
record_pool_take (RecordPool *pool,
                  const char *id)
{
  gpointer key = NULL, value = NULL;

  g_mutex_lock (&pool->mutex);
  if (g_hash_table_steal_extended (pool->records, id, &key, &value))
    {
      g_mutex_unlock (&pool->mutex);
      return value;
    }
  g_mutex_unlock (&pool->mutex);
  return NULL;
}

/* Returns a new reference to @id's record, or NULL. */
static GpRecord *
record_pool_get (RecordPool *pool,
                 const char *id)
{
  GpRecord *record;

  g_mutex_lock (&pool->mutex);
  record = g_hash_table_lookup (pool->records, id);
  if (record != NULL)
    g_object_ref (record);
  g_mutex_unlock (&pool->mutex);
  return record;
}

static gboolean
record_pool_is_empty (RecordPool *pool)
{
  gboolean empty;

  g_mutex_lock (&pool->mutex);
  empty = g_hash_table_size (pool->records) == 0;
  g_mutex_unlock (&pool->mutex);
  return empty;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RecordPool, record_pool_unref)

struct _GpRecordList
{
  GObject parent_instance;

  /* Owned */
  GpStore        *store;
  char           *table_name;
  GPtrArray      *items;        /* GpRecord, in order */
  /* Records the list may still show although the pool dropped them (their row changed
   * and the refetch is pending): id (owned) -> GPtrArray of GpRecord. Together with the
   * pool and a binary search they find the list's record for an id (find_member()),
   * so no id index has to be rebuilt after each load. */
  GHashTable     *stale;
  GHashTable     *pending_ids;  /* ids changed but not yet refetched */
  RecordPool     *pool;
  GCancellable   *cancellable;
  char           *filter_text;
  char           *sort_column;
  char           *where_column;
  char           *where_value;

  /* Borrowed */
  const GpTable  *table;

  gulong          changed_handler;
  guint           reload_source;
  guint           generation;
  gboolean        descending;
  gboolean        loading;
  gboolean        refetching;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GpRecordList, gp_record_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_TABLE,
  PROP_LOADING,
  PROP_N_ITEMS,
  PROP_ITEM_TYPE,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void refetch_pending (GpRecordList *self);

static void
release_items_func (gpointer data,
                    gpointer user_data)
{
  g_ptr_array_unref (data);
}

/* Dropping 100k records costs ~100 ms of frees; records are immutable and shared only by
 * reference, so the last references may as well go on a worker thread. */
static void
release_items_in_background (GPtrArray *items)
{
  static GThreadPool *pool = NULL;

  if (items->len < 1000)
    {
      g_ptr_array_unref (items);
      return;
    }

  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (release_items_func, NULL, 1, FALSE, NULL));

  g_thread_pool_push (pool, items, NULL);
}

static GType
gp_record_list_get_item_type (GListModel *model)
{
  return GP_TYPE_RECORD;
}

static guint
gp_record_list_get_n_items (GListModel *model)
{
  return GP_RECORD_LIST (model)->items->len;
}

static gpointer
gp_record_list_get_item (GListModel *model,
                         guint       position)
{
  GpRecordList *self = GP_RECORD_LIST (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = gp_record_list_get_item_type;
  iface->get_n_items = gp_record_list_get_n_items;
  iface->get_item = gp_record_list_get_item;
}

static void
set_loading (GpRecordList *self,
             gboolean      loading)
{
  if (self->loading == loading)
    return;

  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static GpQuery *
build_query (GpRecordList *self)
{
  GpQuery *query = gp_query_new (self->table_name);

  gp_query_set_filter_text (query, self->filter_text);
  gp_query_set_where (query, self->where_column, self->where_value);
  gp_query_set_order (query, self->sort_column, self->descending);
  return query;
}

static int
compare (GpRecordList *self,
         GpRecord     *a,
         GpRecord     *b)
{
  return _gp_store_compare_records (self->table, self->sort_column, self->descending, a, b);
}

/* The first index whose record sorts at or after @record. */
static guint
lower_bound (GpRecordList *self,
             GpRecord     *record)
{
  guint lo = 0, hi = self->items->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (compare (self, g_ptr_array_index (self->items, mid), record) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static gboolean
is_member (GpRecordList *self,
           GpRecord     *record)
{
  guint pos = lower_bound (self, record);

  return pos < self->items->len && g_ptr_array_index (self->items, pos) == record;
}

/* The list's record for @id, or NULL (transfer none). */
static GpRecord *
find_member (GpRecordList *self,
             const char   *id)
{
  g_autoptr(GpRecord) known = record_pool_get (self->pool, id);
  GPtrArray *stale;

  if (known != NULL && is_member (self, known))
    return known;

  stale = g_hash_table_lookup (self->stale, id);
  for (guint i = 0; stale != NULL && i < stale->len; i++)
    if (is_member (self, g_ptr_array_index (stale, i)))
      return g_ptr_array_index (stale, i);
  return NULL;
}

static void
emit_changes (GpRecordList *self,
              GPtrArray    *old_items)
{
  guint old_len = old_items->len;
  guint new_len = self->items->len;
  guint prefix = 0, suffix = 0;

  while (prefix < old_len && prefix < new_len &&
         g_ptr_array_index (old_items, prefix) == g_ptr_array_index (self->items, prefix))
    prefix++;
  while (suffix < old_len - prefix && suffix < new_len - prefix &&
         g_ptr_array_index (old_items, old_len - 1 - suffix) ==
         g_ptr_array_index (self->items, new_len - 1 - suffix))
    suffix++;

  if (prefix == old_len && prefix == new_len)
    return;

  g_list_model_items_changed (G_LIST_MODEL (self), prefix, old_len - prefix - suffix,
                              new_len - prefix - suffix);
  if (old_len != new_len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

typedef struct
{
  GpRecord *record;
  guint     insert_at;   /* in the old array */
} Insertion;

static int
compare_insertions (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  const Insertion *x = a, *y = b;

  return compare (user_data, x->record, y->record);
}

static int
compare_uint_desc (gconstpointer a,
                   gconstpointer b)
{
  guint x = *(const guint *)a, y = *(const guint *)b;

  return (x < y) - (x > y);
}

/* Few changes: memmove in place. Ranges follow from the extreme positions touched: before
 * the first one nothing moved, and after the last removal (old) and the last insertion
 * (new) the survivors are the same rows in the same order. */
static void
apply_small_batch (GpRecordList *self,
                   GArray       *removals,
                   GPtrArray    *fetched)
{
  guint old_len = self->items->len;
  guint lo = G_MAXUINT;
  gint64 max_removed = -1, max_inserted = -1;
  guint suffix;

  g_array_sort (removals, compare_uint_desc);
  for (guint i = 0; i < removals->len; i++)
    {
      guint pos = g_array_index (removals, guint, i);

      lo = MIN (lo, pos);
      max_removed = MAX (max_removed, (gint64)pos);
      g_ptr_array_remove_index (self->items, pos);
    }

  for (guint i = 0; i < fetched->len; i++)
    {
      GpRecord *record = g_ptr_array_index (fetched, i);
      guint pos = lower_bound (self, record);

      g_ptr_array_insert (self->items, (int)pos, g_object_ref (record));
      lo = MIN (lo, pos);
      max_inserted = MAX (max_inserted, (gint64)pos);
    }

  if (lo == G_MAXUINT)
    return;

  suffix = (guint)MIN ((gint64)old_len - 1 - max_removed, (gint64)self->items->len - 1 - max_inserted);
  g_list_model_items_changed (G_LIST_MODEL (self), lo, old_len - lo - suffix,
                              self->items->len - lo - suffix);
  if (old_len != self->items->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Many changes: one pass that builds the new array, then the smallest covering range. */
static void
apply_large_batch (GpRecordList *self,
                   GArray       *removals,
                   GPtrArray    *fetched)
{
  g_autoptr(GPtrArray) old_items = self->items;
  g_autoptr(GArray) insertions = g_array_sized_new (FALSE, FALSE, sizeof (Insertion), fetched->len);
  g_autofree gboolean *removed = g_new0 (gboolean, old_items->len + 1);
  guint next = 0;

  for (guint i = 0; i < removals->len; i++)
    removed[g_array_index (removals, guint, i)] = TRUE;

  for (guint i = 0; i < fetched->len; i++)
    {
      Insertion ins = { g_ptr_array_index (fetched, i), 0 };

      ins.insert_at = lower_bound (self, ins.record);
      g_array_append_val (insertions, ins);
    }
  g_array_sort_with_data (insertions, compare_insertions, self);

  self->items = g_ptr_array_new_full (old_items->len + fetched->len, g_object_unref);
  for (guint i = 0; i <= old_items->len; i++)
    {
      while (next < insertions->len && g_array_index (insertions, Insertion, next).insert_at <= i)
        {
          GpRecord *record = g_array_index (insertions, Insertion, next).record;

          g_ptr_array_add (self->items, g_object_ref (record));
          next++;
        }
      if (i < old_items->len && !removed[i])
        g_ptr_array_add (self->items, g_object_ref (g_ptr_array_index (old_items, i)));
    }

  emit_changes (self, old_items);
  release_items_in_background (g_steal_pointer (&old_items));
}

/* Splices a refetch in: every id in @ids leaves, every record in @fetched (the ids' rows
 * that still match) goes to its sorted place, then one items-changed covers it all. */
static void
apply_batch (GpRecordList *self,
             GStrv         ids,
             GPtrArray    *fetched)
{
  g_autoptr(GArray) removals = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; ids[i] != NULL; i++)
    {
      GpRecord *old = find_member (self, ids[i]);

      if (old != NULL)
        {
          guint pos = lower_bound (self, old);

          g_assert (pos < self->items->len && g_ptr_array_index (self->items, pos) == old);
          g_array_append_val (removals, pos);
        }
    }

  if (removals->len + fetched->len <= 64)
    apply_small_batch (self, removals, fetched);
  else
    apply_large_batch (self, removals, fetched);

  for (guint i = 0; ids[i] != NULL; i++)
    g_hash_table_remove (self->stale, ids[i]);
}

typedef struct
{
  GpRecordList *self;
  guint         generation;
  GStrv         ids;      /* NULL for a full load */
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_clear_object (&data->self);
  g_strfreev (data->ids);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FetchData, fetch_data_free)

/* After a refetch is in: each record read becomes its id's record in the pool, unless
 * its row changed again meanwhile (it is pending once more). Then the pool must not
 * take it, since nothing would drop it again; it is only kept aside, so the next
 * refetch finds it in the list. A record the pool had for the id (from a load that ran
 * since) is not in the list any more: apply_batch() replaced the list's one. */
static void
remember_refetched (GpRecordList *self,
                    GPtrArray    *records)
{
  for (guint i = 0; i < records->len; i++)
    {
      GpRecord *record = g_ptr_array_index (records, i);
      const char *id = gp_record_get_id (record);

      if (g_hash_table_contains (self->pending_ids, id))
        {
          GPtrArray *stale = g_hash_table_lookup (self->stale, id);

          if (stale == NULL)
            {
              stale = g_ptr_array_new_with_free_func (g_object_unref);
              g_hash_table_insert (self->stale, g_strdup (id), stale);
            }
          g_ptr_array_add (stale, g_object_ref (record));
          continue;
        }

      g_mutex_lock (&self->pool->mutex);
      g_hash_table_replace (self->pool->records, (gpointer)id, g_object_ref (record));
      g_mutex_unlock (&self->pool->mutex);
    }
}

static void
fetched_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(FetchData) data = user_data;
  GpRecordList *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = gp_store_query_finish (GP_STORE (object), result, &error);

  /* A full load superseded this refetch and covers its ids. */
  if (data->generation != self->generation)
    return;

  self->refetching = FALSE;
  if (records == NULL)
    {
      /* Keep what the list shows; the ids are tried again with the next change. */
      g_debug ("Refetching %s failed: %s", self->table_name, error->message);
      for (guint i = 0; data->ids[i] != NULL; i++)
        g_hash_table_add (self->pending_ids, g_strdup (data->ids[i]));
      return;
    }

  apply_batch (self, data->ids, records);
  remember_refetched (self, records);
  refetch_pending (self);
}

static void
refetch_pending (GpRecordList *self)
{
  g_autoptr(GpQuery) query = NULL;
  FetchData *data;
  GStrv ids;

  if (self->loading || self->refetching || g_hash_table_size (self->pending_ids) == 0 ||
      self->store == NULL)
    return;

  ids = (GStrv)g_hash_table_get_keys_as_array (self->pending_ids, NULL);
  for (guint i = 0; ids[i] != NULL; i++)
    ids[i] = g_strdup (ids[i]);
  g_hash_table_remove_all (self->pending_ids);
  query = build_query (self);
  gp_query_set_ids (query, (const char * const *)ids);

  data = g_new0 (FetchData, 1);
  data->self = g_object_ref (self);
  data->generation = self->generation;
  data->ids = ids;
  self->refetching = TRUE;
  gp_store_query_async (self->store, query, self->cancellable, fetched_cb, data);
}

typedef struct
{
  GPtrArray  *items;
} Loaded;

static void
loaded_free (Loaded *loaded)
{
  g_clear_pointer (&loaded->items, g_ptr_array_unref);
  g_free (loaded);
}

typedef struct
{
  GpQuery    *query;
  RecordPool *pool;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_clear_pointer (&job->query, gp_query_free);
  g_clear_pointer (&job->pool, record_pool_unref);
  g_free (job);
}

static void
unref_record_or_null (gpointer record)
{
  if (record != NULL)
    g_object_unref (record);
}

typedef struct
{
  RecordPool *pool;
  GPtrArray  *items;      /* GpRecord, NULL where the pool has none */
  GPtrArray  *missing;    /* the ids of those, owned, then NULL */
  GArray     *missing_at; /* guint: their positions */
  guint       in_chunk;   /* rows looked up under the current hold of the lock */
} PoolLookup;

/* Store thread, per matching id: its record from the pool, looked up while SQLite
 * steps, so no id is copied unless it is missing. The lock is held for POOL_CHUNK rows
 * at a time. */
static void
pool_lookup_cb (const char *id,
                gpointer    user_data)
{
  PoolLookup *lookup = user_data;
  GpRecord *record;

  if (lookup->in_chunk == 0)
    g_mutex_lock (&lookup->pool->mutex);
  record = g_hash_table_lookup (lookup->pool->records, id);
  if (++lookup->in_chunk == POOL_CHUNK)
    {
      lookup->in_chunk = 0;
      g_mutex_unlock (&lookup->pool->mutex);
    }

  if (record != NULL)
    {
      g_ptr_array_add (lookup->items, g_object_ref (record));
      return;
    }
  g_array_append_val (lookup->missing_at, lookup->items->len);
  g_ptr_array_add (lookup->items, NULL);
  g_ptr_array_add (lookup->missing, g_strdup (id));
}

/* Store thread: the matching ids in order, their records from the pool, the few
 * missing ones read by id. NULL with @error, or with *worth_it FALSE when so many are
 * missing that reading every record in one query is cheaper. */
static GPtrArray *
load_from_pool (GpStoreTxn  *txn,
                LoadJob     *job,
                gboolean    *worth_it,
                GError     **error)
{
  PoolLookup lookup = { job->pool, NULL, NULL, NULL, 0 };
  g_autoptr(GPtrArray) items = g_ptr_array_new_full (1024, unref_record_or_null);
  g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) missing_at = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) fetched = NULL;
  g_autoptr(GpQuery) by_ids = NULL;
  g_autoptr(GHashTable) fetched_by_id = NULL;
  GPtrArray *result;
  gboolean ok;

  *worth_it = TRUE;
  lookup.items = items;
  lookup.missing = missing;
  lookup.missing_at = missing_at;
  ok = _gp_store_txn_query_foreach_id (txn, job->query, pool_lookup_cb, &lookup, error);
  if (lookup.in_chunk > 0)
    g_mutex_unlock (&job->pool->mutex);
  if (!ok)
    return NULL;

  if (missing->len == 0)
    {
      g_ptr_array_set_free_func (items, g_object_unref);
      return g_steal_pointer (&items);
    }
  if (missing->len > 1000 && missing->len > items->len / 4)
    {
      *worth_it = FALSE;
      return NULL;
    }

  g_ptr_array_add (missing, NULL);
  by_ids = gp_query_copy (job->query);
  gp_query_set_ids (by_ids, (const char * const *)missing->pdata);
  fetched = _gp_store_txn_query (txn, by_ids, error);
  if (fetched == NULL)
    return NULL;
  record_pool_canonicalize (job->pool, fetched);

  fetched_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < fetched->len; i++)
    {
      GpRecord *record = g_ptr_array_index (fetched, i);

      g_hash_table_insert (fetched_by_id, (gpointer)gp_record_get_id (record), record);
    }

  /* Fill the gaps; the ids and the rows come from one snapshot, so every missing id
   * is found (a gap left over is dropped all the same). */
  for (guint i = 0; i < missing_at->len; i++)
    {
      GpRecord *record = g_hash_table_lookup (fetched_by_id, g_ptr_array_index (missing, i));

      items->pdata[g_array_index (missing_at, guint, i)] = record != NULL ? g_object_ref (record) : NULL;
    }

  result = g_ptr_array_new_full (items->len, g_object_unref);
  for (guint i = 0; i < items->len; i++)
    if (g_ptr_array_index (items, i) != NULL)
      g_ptr_array_add (result, g_object_ref (g_ptr_array_index (items, i)));
  return result;
}

/* Store thread: the records in order and the id index, so the main thread only swaps
 * them in. */
static gboolean
load_run (GpStoreTxn  *txn,
          gpointer     data,
          GError     **error)
{
  LoadJob *job = data;
  Loaded *loaded;
  GPtrArray *items = NULL;
  gboolean worth_it = FALSE;

  /* The first load (or one after most records changed) reads every record at once. */
  if (!record_pool_is_empty (job->pool))
    {
      items = load_from_pool (txn, job, &worth_it, error);
      if (items == NULL && worth_it)
        return FALSE;
    }
  if (items == NULL)
    {
      items = _gp_store_txn_query (txn, job->query, error);
      if (items == NULL)
        return FALSE;
      record_pool_canonicalize (job->pool, items);
    }

  loaded = g_new0 (Loaded, 1);
  loaded->items = items;

  _gp_store_txn_set_result (txn, loaded, (GDestroyNotify)loaded_free);
  return TRUE;
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(FetchData) data = user_data;
  GpRecordList *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) old_items = NULL;
  GHashTableIter iter;
  gpointer key, value = NULL;
  Loaded *loaded;
  guint old_len;

  if (!_gp_store_run_finish (GP_STORE (object), result, &value, &error))
    {
      if (data->generation == self->generation)
        {
          /* A failed read leaves the list as it was; the next change or reload tries again. */
          g_debug ("Loading %s failed: %s", self->table_name, error->message);
          set_loading (self, FALSE);
        }
      return;
    }

  loaded = value;
  /* A newer load superseded this one (filter or sort changed): drop it. */
  if (data->generation != self->generation)
    {
      loaded_free (loaded);
      return;
    }

  old_items = g_steal_pointer (&self->items);
  old_len = old_items->len;
  self->items = g_steal_pointer (&loaded->items);
  loaded_free (loaded);

  /* The load read every row the pool lacked; only ids that changed after it started
   * (pending) may still have an old record in the list. */
  g_hash_table_iter_init (&iter, self->stale);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (self->pending_ids, key))
      g_hash_table_iter_remove (&iter);

  if (old_len > 0 || self->items->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, self->items->len);
  if (old_len != self->items->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  release_items_in_background (g_steal_pointer (&old_items));
  set_loading (self, FALSE);

  refetch_pending (self);
}

static gboolean
reload_cb (gpointer user_data)
{
  GpRecordList *self = user_data;
  FetchData *data;
  LoadJob *job;

  self->reload_source = 0;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  /* The full load covers whatever was pending. */
  self->generation++;
  self->refetching = FALSE;
  g_hash_table_remove_all (self->pending_ids);

  data = g_new0 (FetchData, 1);
  data->self = g_object_ref (self);
  data->generation = self->generation;
  job = g_new0 (LoadJob, 1);
  job->query = build_query (self);
  job->pool = record_pool_ref (self->pool);
  _gp_store_run_async (self->store, GP_STORE_COMMAND_READ, load_run, job,
                       (GDestroyNotify)load_job_free, self->cancellable, loaded_cb, data,
                       gp_record_list_new);

  return G_SOURCE_REMOVE;
}

static void
queue_reload (GpRecordList *self)
{
  /* Setting filter, sort and where in a row costs one query, not three. */
  set_loading (self, TRUE);
  if (self->reload_source == 0)
    self->reload_source = g_idle_add_full (G_PRIORITY_DEFAULT, reload_cb, self, NULL);
}

/**
 * gp_record_list_flush:
 * @self: a #GpRecordList
 *
 * Starts a reload that waits for the main loop to go idle (after a new sort, filter or
 * where) now: for a list just set up, whose rows a window is waiting for.
 */
void
gp_record_list_flush (GpRecordList *self)
{
  g_return_if_fail (GP_IS_RECORD_LIST (self));

  if (self->reload_source != 0)
    {
      g_source_remove (self->reload_source);
      reload_cb (self);
    }
}

static void
store_changed_cb (GpStore      *store,
                  const char   *table,
                  GStrv         ids,
                  GpRecordList *self)
{
  if (g_strcmp0 (table, self->table_name) != 0)
    return;

  /* What the pool held of these rows is stale now; the list may still show it until
   * the refetch, so it is kept aside for find_member(). */
  for (guint i = 0; ids[i] != NULL; i++)
    {
      GpRecord *old = record_pool_take (self->pool, ids[i]);
      GPtrArray *stale;

      if (old == NULL)
        continue;
      stale = g_hash_table_lookup (self->stale, ids[i]);
      if (stale == NULL)
        {
          stale = g_ptr_array_new_with_free_func (g_object_unref);
          g_hash_table_insert (self->stale, g_strdup (ids[i]), stale);
        }
      g_ptr_array_add (stale, old);
    }
  for (guint i = 0; ids[i] != NULL; i++)
    g_hash_table_add (self->pending_ids, g_strdup (ids[i]));

  refetch_pending (self);
}

static void
gp_record_list_constructed (GObject *object)
{
  GpRecordList *self = GP_RECORD_LIST (object);

  G_OBJECT_CLASS (gp_record_list_parent_class)->constructed (object);

  self->table = gp_schema_lookup_table (self->table_name);
  g_return_if_fail (self->table != NULL);
  g_return_if_fail (GP_IS_STORE (self->store));

  self->changed_handler = g_signal_connect (self->store, "changed", G_CALLBACK (store_changed_cb), self);
  queue_reload (self);
}

static void
gp_record_list_dispose (GObject *object)
{
  GpRecordList *self = GP_RECORD_LIST (object);

  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_handler, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (gp_record_list_parent_class)->dispose (object);
}

static void
gp_record_list_finalize (GObject *object)
{
  GpRecordList *self = GP_RECORD_LIST (object);

  g_clear_pointer (&self->stale, g_hash_table_unref);
  if (self->items != NULL)
    release_items_in_background (g_steal_pointer (&self->items));
  g_clear_pointer (&self->pending_ids, g_hash_table_unref);
  g_clear_pointer (&self->pool, record_pool_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->table_name, g_free);
  g_clear_pointer (&self->filter_text, g_free);
  g_clear_pointer (&self->sort_column, g_free);
  g_clear_pointer (&self->where_column, g_free);
  g_clear_pointer (&self->where_value, g_free);

  G_OBJECT_CLASS (gp_record_list_parent_class)->finalize (object);
}

static void
gp_record_list_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GpRecordList *self = GP_RECORD_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_TABLE:
      g_value_set_string (value, self->table_name);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;
    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, GP_TYPE_RECORD);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_record_list_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  GpRecordList *self = GP_RECORD_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_TABLE:
      self->table_name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_record_list_class_init (GpRecordListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gp_record_list_constructed;
  object_class->dispose = gp_record_list_dispose;
  object_class->finalize = gp_record_list_finalize;
  object_class->get_property = gp_record_list_get_property;
  object_class->set_property = gp_record_list_set_property;

  /**
   * GpRecordList:store:
   *
   * The store the rows come from.
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, GP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GpRecordList:table:
   *
   * The table listed.
   */
  properties[PROP_TABLE] =
    g_param_spec_string ("table", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GpRecordList:loading:
   *
   * Whether a full load (initial, or after a filter, sort or where change) is under way.
   */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GpRecordList:n-items:
   *
   * The number of records in the list.
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GpRecordList:item-type:
   *
   * Always #GpRecord.
   */
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", NULL, NULL, GP_TYPE_RECORD,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gp_record_list_init (GpRecordList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->stale = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  self->pending_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pool = record_pool_new ();
  self->cancellable = g_cancellable_new ();
}

/**
 * gp_record_list_new:
 * @store: an open #GpStore
 * @table: the table to list
 *
 * Creates a list of the live records of @table and starts loading it; #GpRecordList:loading
 * is %TRUE until the first batch is in. The default order is by "created_at".
 *
 * Returns: (transfer full): a new list
 */
GpRecordList *
gp_record_list_new (GpStore    *store,
                    const char *table)
{
  g_return_val_if_fail (GP_IS_STORE (store), NULL);
  g_return_val_if_fail (gp_schema_lookup_table (table) != NULL, NULL);

  return g_object_new (GP_TYPE_RECORD_LIST, "store", store, "table", table, NULL);
}

/**
 * gp_record_list_get_store:
 * @self: a #GpRecordList
 *
 * Returns: (transfer none): the store
 */
GpStore *
gp_record_list_get_store (GpRecordList *self)
{
  g_return_val_if_fail (GP_IS_RECORD_LIST (self), NULL);

  return self->store;
}

/**
 * gp_record_list_get_table:
 * @self: a #GpRecordList
 *
 * Returns: the table listed
 */
const char *
gp_record_list_get_table (GpRecordList *self)
{
  g_return_val_if_fail (GP_IS_RECORD_LIST (self), NULL);

  return self->table_name;
}

/**
 * gp_record_list_get_loading:
 * @self: a #GpRecordList
 *
 * Returns: whether a full load is under way
 */
gboolean
gp_record_list_get_loading (GpRecordList *self)
{
  g_return_val_if_fail (GP_IS_RECORD_LIST (self), FALSE);

  return self->loading;
}

/**
 * gp_record_list_set_filter_text:
 * @self: a #GpRecordList
 * @text: (nullable): text one of the table's search columns must contain, or %NULL
 *
 * Filters the list (in SQLite, ASCII case-insensitively) and reloads it.
 */
void
gp_record_list_set_filter_text (GpRecordList *self,
                                const char   *text)
{
  g_return_if_fail (GP_IS_RECORD_LIST (self));

  if (text != NULL && text[0] == '\0')
    text = NULL;
  if (g_strcmp0 (self->filter_text, text) == 0)
    return;

  g_free (self->filter_text);
  self->filter_text = g_strdup (text);
  queue_reload (self);
}

/**
 * gp_record_list_get_filter_text:
 * @self: a #GpRecordList
 *
 * Returns: (nullable): the filter text
 */
const char *
gp_record_list_get_filter_text (GpRecordList *self)
{
  g_return_val_if_fail (GP_IS_RECORD_LIST (self), NULL);

  return self->filter_text;
}

/**
 * gp_record_list_set_sort:
 * @self: a #GpRecordList
 * @column: (nullable): a data column or "id"; %NULL for "created_at"
 * @descending: whether to sort from high to low
 *
 * Sorts the list (in SQLite; see gp_query_set_order()) and reloads it.
 */
void
gp_record_list_set_sort (GpRecordList *self,
                         const char   *column,
                         gboolean      descending)
{
  g_return_if_fail (GP_IS_RECORD_LIST (self));
  g_return_if_fail (column == NULL || strcmp (column, "id") == 0 ||
                    gp_schema_lookup_column (self->table, column) != NULL);

  if (g_strcmp0 (self->sort_column, column) == 0 && self->descending == !!descending)
    return;

  g_free (self->sort_column);
  self->sort_column = g_strdup (column);
  self->descending = !!descending;
  queue_reload (self);
}

/**
 * gp_record_list_set_where:
 * @self: a #GpRecordList
 * @column: (nullable): a data column, or %NULL for no condition
 * @value: (nullable): the value @column must equal
 *
 * Restricts the list to rows whose @column equals @value (e.g. one client's invoices) and
 * reloads it.
 */
void
gp_record_list_set_where (GpRecordList *self,
                          const char   *column,
                          const char   *value)
{
  g_return_if_fail (GP_IS_RECORD_LIST (self));
  g_return_if_fail (column == NULL || strcmp (column, "id") == 0 ||
                    gp_schema_lookup_column (self->table, column) != NULL);

  if (column == NULL)
    value = NULL;
  if (g_strcmp0 (self->where_column, column) == 0 && g_strcmp0 (self->where_value, value) == 0)
    return;

  g_free (self->where_column);
  g_free (self->where_value);
  self->where_column = g_strdup (column);
  self->where_value = g_strdup (value);
  queue_reload (self);
}

/**
 * gp_record_list_lookup:
 * @self: a #GpRecordList
 * @id: a record id
 *
 * Returns: (transfer none) (nullable): the record with @id if it is in the list
 */
GpRecord *
gp_record_list_lookup (GpRecordList *self,
                       const char   *id)
{
  g_return_val_if_fail (GP_IS_RECORD_LIST (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return find_member (self, id);
}
