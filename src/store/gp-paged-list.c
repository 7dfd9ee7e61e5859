/* gp-paged-list.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-paged-list.h"

#include <string.h>

#include "gp-schema.h"
#include "gp-store-private.h"

/* A GListModel of the live rows of one table, filtered and sorted by SQLite, that holds
 * only the rows someone looked at. Its length comes from a count query; the rows come in
 * pages of PAGE_SIZE, read on the store thread when get_item() first asks for a position
 * of the page: the id-only query with LIMIT/OFFSET (which walks a sort index), then those
 * ids' records. Until a page is in, its positions hold placeholder records (empty, with an
 * empty id, see gp_paged_list_is_placeholder()); when it arrives one items-changed swaps
 * them for the real rows. At most MAX_PAGES pages are kept, the least recently used go
 * first, so memory stays the same whether the table has a hundred rows or a million.
 *
 * A new sort or filter counts again and reads the first page in one command, then
 * replaces everything with one items-changed. A "changed" emission of the store for the
 * table refreshes the count and every page held, in one command, and reports only the
 * positions whose row is another one or changed; rows that are the same keep their
 * record, so the list view rebinds nothing else.
 *
 * GtkSingleSelection looks for its selected item among every added item of an
 * items-changed that covers it. So no emission covers more than the pages held unless it
 * must (rows came or went after them), a new sort or filter is announced as "all removed"
 * then "all added" (nothing selected in between), and while an emission runs, rows of
 * pages not held are answered with one shared placeholder without reading anything: the
 * first pages asked for then are read once it is over. */

#define PAGE_SIZE 100
#define MAX_PAGES 8

typedef struct
{
  guint      index;
  guint      serial;     /* of the last request whose answer may fill the page */
  guint64    used;       /* when get_item() last asked for one of its rows */
  gboolean   requested;
  GPtrArray *items;      /* GpRecord: real ones, or placeholders until the page is in */
} Page;

static void
page_free (Page *page)
{
  g_clear_pointer (&page->items, g_ptr_array_unref);
  g_free (page);
}

struct _GpPagedList
{
  GObject parent_instance;

  /* Owned */
  GpStore       *store;
  char          *table_name;
  char          *filter_text;
  char          *sort_column;
  GHashTable    *pages;       /* GUINT_TO_POINTER (index) -> Page */
  GHashTable    *dirty_ids;   /* ids the store reported changed since the last refresh */
  GCancellable  *cancellable;
  GpRecord      *shared_placeholder;
  GArray        *deferred;    /* guint: pages asked for during an emission */

  /* Borrowed */
  const GpTable *table;

  gulong         changed_handler;
  guint          reload_source;
  guint          generation;  /* bumped by each new sort or filter */
  guint          serial;
  guint          n_items;
  guint64        clock;
  gboolean       descending;
  gboolean       loading;     /* a reset (count and first page) is under way */
  gboolean       refreshing;
  gboolean       refresh_queued;
  guint          emitting;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GpPagedList, gp_paged_list, G_TYPE_OBJECT,
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

static void request_page (GpPagedList *self,
                          Page        *page);
static void refresh (GpPagedList *self);

/* The store thread's side */

typedef enum
{
  FETCH_PAGE,
  FETCH_RESET,
  FETCH_REFRESH,
} FetchKind;

typedef struct
{
  GpQuery *query;
  gboolean count;
  GArray  *pages;        /* guint: page indexes */
} FetchJob;

typedef struct
{
  guint      count;
  GPtrArray *pages;      /* GPtrArray of GpRecord, parallel to the job's pages */
} Fetched;

static void
fetch_job_free (FetchJob *job)
{
  g_clear_pointer (&job->query, gp_query_free);
  g_clear_pointer (&job->pages, g_array_unref);
  g_free (job);
}

static void
fetched_free (Fetched *fetched)
{
  g_clear_pointer (&fetched->pages, g_ptr_array_unref);
  g_free (fetched);
}

static void
collect_id_cb (const char *id,
               gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup (id));
}

/* Store thread: the records of one page, in order. */
static GPtrArray *
read_page (GpStoreTxn  *txn,
           GpQuery     *query,
           guint        index,
           GError     **error)
{
  g_autoptr(GpQuery) ids_query = gp_query_copy (query);
  g_autoptr(GpQuery) rows_query = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  gp_query_set_limit (ids_query, PAGE_SIZE, index * PAGE_SIZE);
  if (!_gp_store_txn_query_foreach_id (txn, ids_query, collect_id_cb, ids, error))
    return NULL;
  if (ids->len == 0)
    return g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (ids, NULL);
  rows_query = gp_query_copy (query);
  gp_query_set_limit (rows_query, 0, 0);
  gp_query_set_ids (rows_query, (const char * const *)ids->pdata);
  return _gp_store_txn_query (txn, rows_query, error);
}

static gboolean
fetch_run (GpStoreTxn  *txn,
           gpointer     data,
           GError     **error)
{
  FetchJob *job = data;
  g_autoptr(GPtrArray) pages = g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
  Fetched *fetched;
  guint count = 0;

  /* One command, one snapshot: the count and the pages agree. */
  if (job->count && !_gp_store_txn_query_count (txn, job->query, &count, error))
    return FALSE;

  for (guint i = 0; i < job->pages->len; i++)
    {
      guint index = g_array_index (job->pages, guint, i);
      GPtrArray *records;

      if (job->count && (guint64)index * PAGE_SIZE >= count)
        records = g_ptr_array_new_with_free_func (g_object_unref);
      else if ((records = read_page (txn, job->query, index, error)) == NULL)
        return FALSE;
      g_ptr_array_add (pages, records);
    }

  fetched = g_new0 (Fetched, 1);
  fetched->count = count;
  fetched->pages = g_steal_pointer (&pages);
  _gp_store_txn_set_result (txn, fetched, (GDestroyNotify)fetched_free);
  return TRUE;
}

/* The main context's side */

typedef struct
{
  GpPagedList *self;
  FetchKind    kind;
  guint        generation;
  GArray      *serials;   /* guint, parallel to the job's pages */
  GArray      *pages;     /* guint */
  GHashTable  *dirty;     /* for a refresh: the ids reported changed before it started */
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_clear_object (&data->self);
  g_clear_pointer (&data->serials, g_array_unref);
  g_clear_pointer (&data->pages, g_array_unref);
  g_clear_pointer (&data->dirty, g_hash_table_unref);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FetchData, fetch_data_free)

static GpQuery *
build_query (GpPagedList *self)
{
  GpQuery *query = gp_query_new (self->table_name);

  gp_query_set_filter_text (query, self->filter_text);
  gp_query_set_order (query, self->sort_column, self->descending);
  return query;
}

static GpRecord *
new_placeholder (GpPagedList *self)
{
  g_autoptr(JsonObject) fields = json_object_new ();

  return gp_record_new_full (self->table_name, "", fields, "synced");
}

static gboolean
is_placeholder (GpRecord *record)
{
  return gp_record_get_id (record)[0] == '\0';
}

static guint
page_length (GpPagedList *self,
             guint        index)
{
  guint64 start = (guint64)index * PAGE_SIZE;

  return start >= self->n_items ? 0 : (guint)MIN (PAGE_SIZE, self->n_items - start);
}

static Page *
add_page (GpPagedList *self,
          guint        index)
{
  Page *page = g_new0 (Page, 1);
  guint len = page_length (self, index);

  page->index = index;
  page->used = ++self->clock;
  page->items = g_ptr_array_new_full (len, g_object_unref);
  for (guint i = 0; i < len; i++)
    g_ptr_array_add (page->items, new_placeholder (self));
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (index), page);
  return page;
}

/* Forgets the least recently used pages beyond MAX_PAGES. Rows a list view still shows
 * keep their records (it holds references); asking again reads the page again. */
static void
evict_pages (GpPagedList *self)
{
  while (g_hash_table_size (self->pages) > MAX_PAGES)
    {
      GHashTableIter iter;
      Page *page, *oldest = NULL;

      g_hash_table_iter_init (&iter, self->pages);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&page))
        if (oldest == NULL || page->used < oldest->used)
          oldest = page;
      g_hash_table_remove (self->pages, GUINT_TO_POINTER (oldest->index));
    }
}

static void
set_loading (GpPagedList *self,
             gboolean     loading)
{
  if (self->loading == loading)
    return;

  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static GType
gp_paged_list_get_item_type (GListModel *model)
{
  return GP_TYPE_RECORD;
}

static guint
gp_paged_list_get_n_items (GListModel *model)
{
  return GP_PAGED_LIST (model)->n_items;
}

static gpointer
gp_paged_list_get_item (GListModel *model,
                        guint       position)
{
  GpPagedList *self = GP_PAGED_LIST (model);
  guint index = position / PAGE_SIZE;
  Page *page;

  if (position >= self->n_items)
    return NULL;

  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));
  if (page == NULL && self->emitting > 0)
    {
      gboolean known = FALSE;

      for (guint i = 0; i < self->deferred->len && !known; i++)
        known = g_array_index (self->deferred, guint, i) == index;
      if (!known && self->deferred->len < MAX_PAGES)
        g_array_append_val (self->deferred, index);
      return g_object_ref (self->shared_placeholder);
    }
  if (page == NULL)
    {
      page = add_page (self, index);
      evict_pages (self);
    }
  page->used = ++self->clock;
  /* While a new sort or filter loads, the pages it will replace are not read. */
  if (!page->requested && !self->loading)
    request_page (self, page);

  /* Between the two emissions of a refresh that lost rows, the last page held may be
   * shorter than the length still announced. */
  if (position % PAGE_SIZE >= page->items->len)
    return g_object_ref (self->shared_placeholder);
  return g_object_ref (g_ptr_array_index (page->items, position % PAGE_SIZE));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = gp_paged_list_get_item_type;
  iface->get_n_items = gp_paged_list_get_n_items;
  iface->get_item = gp_paged_list_get_item;
}

/* Every items-changed goes through here (see the top of the file). */
static void
emit (GpPagedList *self,
      guint        position,
      guint        removed,
      guint        added)
{
  if (removed == 0 && added == 0)
    return;

  self->emitting++;
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  self->emitting--;
}

/* After the emissions of an answer: reads the pages asked for during them. */
static void
load_deferred (GpPagedList *self)
{
  g_autoptr(GArray) deferred = NULL;

  if (self->deferred->len == 0)
    return;

  deferred = g_steal_pointer (&self->deferred);
  self->deferred = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < deferred->len; i++)
    {
      guint index = g_array_index (deferred, guint, i);

      if ((guint64)index * PAGE_SIZE < self->n_items &&
          g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index)) == NULL)
        {
          Page *page = add_page (self, index);

          if (!self->loading)
            request_page (self, page);
        }
    }
  evict_pages (self);
}

/* A page came in: its placeholders make way for the rows. */
static void
apply_page (GpPagedList *self,
            Page        *page,
            GPtrArray   *records)
{
  guint len = page->items->len;

  for (guint i = 0; i < len && i < records->len; i++)
    {
      g_object_unref (page->items->pdata[i]);
      page->items->pdata[i] = g_object_ref (g_ptr_array_index (records, i));
    }
  emit (self, page->index * PAGE_SIZE, len, len);

  /* Rows came or went between the count and this page: count again. */
  if (records->len != len)
    refresh (self);
}

static gboolean
same_row (GpRecord   *old,
          GpRecord   *now,
          GHashTable *dirty)
{
  return old != NULL && now != NULL && !is_placeholder (old) &&
         strcmp (gp_record_get_id (old), gp_record_get_id (now)) == 0 &&
         !g_hash_table_contains (dirty, gp_record_get_id (now));
}

/* After a write: the new count and the pages held, read again in one snapshot. Rows that
 * are the same keep their record; one items-changed covers what differs. */
static void
apply_refresh (GpPagedList *self,
               FetchData   *data,
               Fetched     *fetched)
{
  guint old_n = self->n_items;
  guint new_n = fetched->count;
  guint first = G_MAXUINT, last = 0;
  guint end_held = 0;

  for (guint i = 0; i < data->pages->len; i++)
    {
      guint index = g_array_index (data->pages, guint, i);
      GPtrArray *records = g_ptr_array_index (fetched->pages, i);
      Page *page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));
      GPtrArray *items;
      guint start = index * PAGE_SIZE;
      guint n;

      if (page == NULL || page->serial != g_array_index (data->serials, guint, i))
        continue;

      n = MAX (page->items->len, records->len);
      items = g_ptr_array_new_full (records->len, g_object_unref);
      for (guint j = 0; j < n; j++)
        {
          GpRecord *old = j < page->items->len ? g_ptr_array_index (page->items, j) : NULL;
          GpRecord *now = j < records->len ? g_ptr_array_index (records, j) : NULL;

          if (same_row (old, now, data->dirty))
            now = old;
          else
            {
              first = MIN (first, start + j);
              last = MAX (last, start + j);
            }
          if (now != NULL)
            g_ptr_array_add (items, g_object_ref (now));
        }
      g_ptr_array_unref (page->items);
      page->items = items;
      page->requested = TRUE;
      if (items->len == 0)
        g_hash_table_remove (self->pages, GUINT_TO_POINTER (index));
      else
        end_held = MAX (end_held, start + items->len);
    }

  if (old_n == new_n)
    {
      if (first != G_MAXUINT)
        emit (self, first, last - first + 1, last - first + 1);
      return;
    }

  /* Rows came or went: everything after the first difference moved. The pages held are
   * announced on their own, then the rest, which a selected row rarely lies in. */
  end_held = MIN (end_held, MIN (old_n, new_n));
  if (first < end_held)
    emit (self, first, end_held - first, end_held - first);
  else
    end_held = MIN (first, MIN (old_n, new_n));
  self->n_items = new_n;
  emit (self, end_held, old_n - end_held, new_n - end_held);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
apply_reset (GpPagedList *self,
             Fetched     *fetched)
{
  guint old_n = self->n_items;
  Page *page;
  GPtrArray *first = g_ptr_array_index (fetched->pages, 0);

  g_hash_table_remove_all (self->pages);
  self->n_items = fetched->count;
  if (self->n_items > 0)
    {
      page = add_page (self, 0);
      page->requested = TRUE;
      for (guint i = 0; i < page->items->len && i < first->len; i++)
        {
          g_object_unref (page->items->pdata[i]);
          page->items->pdata[i] = g_object_ref (g_ptr_array_index (first, i));
        }
    }

  set_loading (self, FALSE);
  /* In two steps, so the selection forgets its row instead of looking for it among
   * every new one (see the top of the file). */
  if (old_n > 0)
    {
      guint new_n = self->n_items;

      self->n_items = 0;
      emit (self, 0, old_n, 0);
      self->n_items = new_n;
    }
  emit (self, 0, 0, self->n_items);
  if (old_n != self->n_items)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
fetched_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(FetchData) data = user_data;
  GpPagedList *self = data->self;
  g_autoptr(GError) error = NULL;
  gpointer value = NULL;
  Fetched *fetched;
  gboolean ok;

  ok = _gp_store_run_finish (GP_STORE (object), result, &value, &error);
  fetched = value;

  if (data->kind == FETCH_REFRESH && data->generation == self->generation)
    self->refreshing = FALSE;

  /* A newer sort or filter superseded this. */
  if (data->generation != self->generation)
    {
      g_clear_pointer (&fetched, fetched_free);
      return;
    }

  if (!ok)
    {
      /* The list keeps what it shows; the next change or scroll tries again. */
      g_debug ("Reading %s failed: %s", self->table_name, error->message);
      if (data->kind == FETCH_RESET)
        set_loading (self, FALSE);
      else if (data->kind == FETCH_PAGE)
        {
          Page *page = g_hash_table_lookup (self->pages,
                                            GUINT_TO_POINTER (g_array_index (data->pages, guint, 0)));

          if (page != NULL && page->serial == g_array_index (data->serials, guint, 0))
            page->requested = FALSE;
        }
      return;
    }

  switch (data->kind)
    {
    case FETCH_PAGE:
      {
        Page *page = g_hash_table_lookup (self->pages,
                                          GUINT_TO_POINTER (g_array_index (data->pages, guint, 0)));

        if (page != NULL && page->serial == g_array_index (data->serials, guint, 0))
          apply_page (self, page, g_ptr_array_index (fetched->pages, 0));
      }
      break;
    case FETCH_RESET:
      apply_reset (self, fetched);
      break;
    case FETCH_REFRESH:
      apply_refresh (self, data, fetched);
      break;
    default:
      g_assert_not_reached ();
    }
  fetched_free (fetched);
  load_deferred (self);

  if (self->refresh_queued && !self->loading && !self->refreshing)
    refresh (self);
}

static void
run_fetch (GpPagedList *self,
           FetchKind    kind,
           GArray      *pages,
           GArray      *serials,
           GHashTable  *dirty)
{
  FetchJob *job = g_new0 (FetchJob, 1);
  FetchData *data = g_new0 (FetchData, 1);

  job->query = build_query (self);
  job->count = kind != FETCH_PAGE;
  job->pages = g_array_ref (pages);

  data->self = g_object_ref (self);
  data->kind = kind;
  data->generation = self->generation;
  data->pages = g_array_ref (pages);
  data->serials = g_array_ref (serials);
  data->dirty = dirty != NULL ? g_hash_table_ref (dirty) : NULL;

  _gp_store_run_async (self->store, GP_STORE_COMMAND_READ, fetch_run, job,
                       (GDestroyNotify)fetch_job_free, self->cancellable, fetched_cb, data,
                       gp_paged_list_new);
}

static void
request_page (GpPagedList *self,
              Page        *page)
{
  g_autoptr(GArray) pages = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) serials = g_array_new (FALSE, FALSE, sizeof (guint));

  page->requested = TRUE;
  page->serial = ++self->serial;
  g_array_append_val (pages, page->index);
  g_array_append_val (serials, page->serial);
  run_fetch (self, FETCH_PAGE, pages, serials, NULL);
}

/* Reads the count and every page held again; an answer to an older request for one of
 * those pages is ignored from now on. */
static void
refresh (GpPagedList *self)
{
  g_autoptr(GArray) pages = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) serials = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) dirty = NULL;
  GHashTableIter iter;
  Page *page;

  if (self->loading || self->refreshing)
    {
      self->refresh_queued = TRUE;
      return;
    }

  self->refresh_queued = FALSE;
  self->refreshing = TRUE;
  dirty = g_steal_pointer (&self->dirty_ids);
  self->dirty_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&page))
    {
      page->serial = ++self->serial;
      page->requested = TRUE;
      g_array_append_val (pages, page->index);
      g_array_append_val (serials, page->serial);
    }
  run_fetch (self, FETCH_REFRESH, pages, serials, dirty);
}

static gboolean
reload_cb (gpointer user_data)
{
  GpPagedList *self = user_data;
  g_autoptr(GArray) pages = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) serials = g_array_new (FALSE, FALSE, sizeof (guint));
  guint zero = 0;

  self->reload_source = 0;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  /* The reset reads everything afresh: what changed before it is covered. */
  self->generation++;
  self->refreshing = FALSE;
  self->refresh_queued = FALSE;
  g_hash_table_remove_all (self->dirty_ids);

  g_array_append_val (pages, zero);
  g_array_append_val (serials, zero);
  run_fetch (self, FETCH_RESET, pages, serials, NULL);
  return G_SOURCE_REMOVE;
}

static void
queue_reload (GpPagedList *self)
{
  /* Setting filter and sort in a row costs one query, not two. */
  set_loading (self, TRUE);
  if (self->reload_source == 0)
    self->reload_source = g_idle_add_full (G_PRIORITY_DEFAULT, reload_cb, self, NULL);
}

/**
 * gp_paged_list_flush:
 * @self: a #GpPagedList
 *
 * Starts a reload that waits for the main loop to go idle (after a new sort or filter)
 * now: for a list just set up, whose first rows a window is waiting for.
 */
void
gp_paged_list_flush (GpPagedList *self)
{
  g_return_if_fail (GP_IS_PAGED_LIST (self));

  if (self->reload_source != 0)
    {
      g_source_remove (self->reload_source);
      reload_cb (self);
    }
}

static void
store_changed_cb (GpStore     *store,
                  const char  *table,
                  GStrv        ids,
                  GpPagedList *self)
{
  if (g_strcmp0 (table, self->table_name) != 0)
    return;

  for (guint i = 0; ids[i] != NULL; i++)
    g_hash_table_add (self->dirty_ids, g_strdup (ids[i]));
  refresh (self);
}

static void
gp_paged_list_constructed (GObject *object)
{
  GpPagedList *self = GP_PAGED_LIST (object);

  G_OBJECT_CLASS (gp_paged_list_parent_class)->constructed (object);

  self->table = gp_schema_lookup_table (self->table_name);
  g_return_if_fail (self->table != NULL);
  g_return_if_fail (GP_IS_STORE (self->store));
  self->shared_placeholder = new_placeholder (self);

  self->changed_handler = g_signal_connect (self->store, "changed", G_CALLBACK (store_changed_cb), self);
  queue_reload (self);
}

static void
gp_paged_list_dispose (GObject *object)
{
  GpPagedList *self = GP_PAGED_LIST (object);

  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_handler, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (gp_paged_list_parent_class)->dispose (object);
}

static void
gp_paged_list_finalize (GObject *object)
{
  GpPagedList *self = GP_PAGED_LIST (object);

  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->dirty_ids, g_hash_table_unref);
  g_clear_pointer (&self->deferred, g_array_unref);
  g_clear_object (&self->shared_placeholder);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->table_name, g_free);
  g_clear_pointer (&self->filter_text, g_free);
  g_clear_pointer (&self->sort_column, g_free);

  G_OBJECT_CLASS (gp_paged_list_parent_class)->finalize (object);
}

static void
gp_paged_list_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  GpPagedList *self = GP_PAGED_LIST (object);

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
      g_value_set_uint (value, self->n_items);
      break;
    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, GP_TYPE_RECORD);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_paged_list_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  GpPagedList *self = GP_PAGED_LIST (object);

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
gp_paged_list_class_init (GpPagedListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gp_paged_list_constructed;
  object_class->dispose = gp_paged_list_dispose;
  object_class->finalize = gp_paged_list_finalize;
  object_class->get_property = gp_paged_list_get_property;
  object_class->set_property = gp_paged_list_set_property;

  /**
   * GpPagedList:store:
   *
   * The store the rows come from.
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, GP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GpPagedList:table:
   *
   * The table listed.
   */
  properties[PROP_TABLE] =
    g_param_spec_string ("table", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GpPagedList:loading:
   *
   * Whether a count and first page (at start, or after a new sort or filter) are on
   * their way.
   */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GpPagedList:n-items:
   *
   * The number of matching rows.
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GpPagedList:item-type:
   *
   * Always #GpRecord.
   */
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", NULL, NULL, GP_TYPE_RECORD,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gp_paged_list_init (GpPagedList *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)page_free);
  self->dirty_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->deferred = g_array_new (FALSE, FALSE, sizeof (guint));
}

/**
 * gp_paged_list_new:
 * @store: an open #GpStore
 * @table: the table to list
 *
 * Creates a list of the live records of @table, read a page at a time as positions are
 * asked for, and starts counting them; #GpPagedList:loading is %TRUE until the count and
 * the first page are in. The default order is by "created_at".
 *
 * Returns: (transfer full): a new list
 */
GpPagedList *
gp_paged_list_new (GpStore    *store,
                   const char *table)
{
  g_return_val_if_fail (GP_IS_STORE (store), NULL);
  g_return_val_if_fail (gp_schema_lookup_table (table) != NULL, NULL);

  return g_object_new (GP_TYPE_PAGED_LIST, "store", store, "table", table, NULL);
}

/**
 * gp_paged_list_get_table:
 * @self: a #GpPagedList
 *
 * Returns: the table listed
 */
const char *
gp_paged_list_get_table (GpPagedList *self)
{
  g_return_val_if_fail (GP_IS_PAGED_LIST (self), NULL);

  return self->table_name;
}

/**
 * gp_paged_list_get_loading:
 * @self: a #GpPagedList
 *
 * Returns: whether a count and first page are on their way
 */
gboolean
gp_paged_list_get_loading (GpPagedList *self)
{
  g_return_val_if_fail (GP_IS_PAGED_LIST (self), FALSE);

  return self->loading;
}

/**
 * gp_paged_list_set_filter_text:
 * @self: a #GpPagedList
 * @text: (nullable): text one of the table's search columns must contain, or %NULL
 *
 * Filters the list (in SQLite, ASCII case-insensitively) and reloads it.
 */
void
gp_paged_list_set_filter_text (GpPagedList *self,
                               const char  *text)
{
  g_return_if_fail (GP_IS_PAGED_LIST (self));

  if (text != NULL && text[0] == '\0')
    text = NULL;
  if (g_strcmp0 (self->filter_text, text) == 0)
    return;

  g_free (self->filter_text);
  self->filter_text = g_strdup (text);
  queue_reload (self);
}

/**
 * gp_paged_list_set_sort:
 * @self: a #GpPagedList
 * @column: (nullable): a data column or "id"; %NULL for "created_at"
 * @descending: whether to sort from high to low
 *
 * Sorts the list (in SQLite; see gp_query_set_order()) and reloads it.
 */
void
gp_paged_list_set_sort (GpPagedList *self,
                        const char  *column,
                        gboolean     descending)
{
  g_return_if_fail (GP_IS_PAGED_LIST (self));
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
 * gp_paged_list_lookup:
 * @self: a #GpPagedList
 * @id: a record id
 *
 * Returns: (transfer none) (nullable): the record with @id if it is in a page held now
 */
GpRecord *
gp_paged_list_lookup (GpPagedList *self,
                      const char  *id)
{
  GHashTableIter iter;
  Page *page;

  g_return_val_if_fail (GP_IS_PAGED_LIST (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&page))
    for (guint i = 0; i < page->items->len; i++)
      if (strcmp (gp_record_get_id (g_ptr_array_index (page->items, i)), id) == 0)
        return g_ptr_array_index (page->items, i);
  return NULL;
}

/**
 * gp_paged_list_is_placeholder:
 * @self: a #GpPagedList
 * @record: an item of @self
 *
 * Returns: whether @record only holds the place of a row that is still being read
 */
gboolean
gp_paged_list_is_placeholder (GpPagedList *self,
                              GpRecord    *record)
{
  g_return_val_if_fail (GP_IS_PAGED_LIST (self), FALSE);
  g_return_val_if_fail (GP_IS_RECORD (record), FALSE);

  return is_placeholder (record);
}
