/* gp-list-page.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gp-list-page.h"
#include "gp-list-row.h"
#include "gp-money.h"
#include "gp-paged-list.h"
#include "gp-ui-util.h"

/* One page of the main window: a GtkListView of GpListRows (one label per column, in
 * widths the header row shares) over a GpPagedList of one table, which reads only the
 * rows shown (a page at a time, placeholders until they are in). Sorting and filtering
 * run in SQLite (gp_paged_list_set_sort/set_filter_text): a click on a column's header
 * re-sorts by that column, so 100k rows never pass through a GtkSortListModel.
 *
 * GTK 4.8's list views build a row for up to 200 items around the visible ones, whatever
 * the window shows. For the first frame the list view sees only the first FIRST_ROWS
 * records (a GtkSliceListModel), what the default window shows; once that frame is
 * painted, GROW_ROWS more come in each frame until BUILT_ROWS, and then all of them (no
 * more rows are built for those). So opening a big list costs the rows on screen, and the
 * off-screen rows are built a few at a time instead of in one long frame. */

#define FIRST_ROWS 30
#define GROW_ROWS 34
#define BUILT_ROWS 200

typedef enum
{
  COLUMN_TEXT,
  COLUMN_DATE,
  COLUMN_MONEY,
  COLUMN_STATUS,
  COLUMN_CLIENT,
  COLUMN_TOTAL,
} ColumnKind;

typedef struct
{
  const char *column;       /* SQL column, also what the header sorts by */
  const char *title;        /* N_() */
  ColumnKind  kind;
  guint       width_chars;  /* 0: shares the width the others leave */
} ColumnSpec;

static const ColumnSpec invoice_columns[] = {
  { "number", N_("Number"), COLUMN_TEXT, 11 },
  { "client_id", N_("Client"), COLUMN_CLIENT, 0 },
  { "status", N_("Status"), COLUMN_STATUS, 10 },
  { "issued_on", N_("Issued"), COLUMN_DATE, 10 },
  { "due_on", N_("Due"), COLUMN_DATE, 10 },
  { NULL, N_("Total"), COLUMN_TOTAL, 13 },
};

static const ColumnSpec client_columns[] = {
  { "name", N_("Name"), COLUMN_TEXT, 0 },
  { "company", N_("Company"), COLUMN_TEXT, 0 },
  { "email", N_("Email"), COLUMN_TEXT, 0 },
  { "hourly_rate", N_("Hourly Rate"), COLUMN_MONEY, 13 },
};

static const ColumnSpec ticket_columns[] = {
  { "title", N_("Title"), COLUMN_TEXT, 0 },
  { "client_id", N_("Client"), COLUMN_CLIENT, 20 },
  { "status", N_("Status"), COLUMN_STATUS, 12 },
  { "priority", N_("Priority"), COLUMN_STATUS, 10 },
  { "due_on", N_("Due"), COLUMN_DATE, 10 },
};

struct _GpListPage
{
  GtkBox parent_instance;

  /* Template widgets */
  GtkBox *table_box;
  GtkListView *list_view;
  GtkStack *content_stack;
  AdwStatusPage *empty_page;
  AdwStatusPage *no_results_page;
  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;

  /* Owned */
  char *table;
  GpStore *store;
  GpPagedList *records;
  GtkSliceListModel *slice;   /* FIRST_ROWS, then growing to all of records */
  guint grow_tick;
  GtkSingleSelection *selection;
  GHashTable *client_names;
  GCancellable *cancellable;
  GpListColumns *list_columns;
  GtkWidget **sort_arrows;    /* one per column, NULL where a column cannot sort */
  char *sort_column;          /* what the list is sorted by, as the header shows it */
  gboolean sort_descending;
  /* Invoice totals: invoice id → formatted total, computed from its lines on demand for
   * the rows on screen only, and forgotten whenever any line changes. */
  GHashTable *totals;
  GHashTable *totals_pending;
  GHashTable *total_labels;   /* bound total labels (borrowed, removed on unbind) */
  GHashTable *client_labels;  /* bound client labels (borrowed, removed on unbind) */

  const ColumnSpec *columns;
  guint n_columns;
};

G_DEFINE_FINAL_TYPE (GpListPage, gp_list_page, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_STORE,
  PROP_TABLE,
  PROP_RECORDS,
  N_PROPS,
};

enum {
  SIGNAL_RECORD_ACTIVATED,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
update_visible_child (GpListPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  guint n = self->selection ? g_list_model_get_n_items (G_LIST_MODEL (self->selection)) : 0;
  const char *name;

  /* While the first count is on its way, an empty list, not "No Invoices Yet". */
  if (n > 0 || (self->records != NULL && gp_paged_list_get_loading (self->records) &&
                (text == NULL || text[0] == '\0')))
    name = "list";
  else if (text != NULL && text[0] != '\0')
    name = "no-results";
  else
    name = "empty";

  gtk_stack_set_visible_child_name (self->content_stack, name);
}

static void
items_changed_cb (GpListPage *self)
{
  update_visible_child (self);
}

static void
search_changed_cb (GpListPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (self->records != NULL)
    gp_paged_list_set_filter_text (self->records, text[0] ? text : NULL);
  update_visible_child (self);
}

static void
stop_search_cb (GpListPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
}

static void
activate_cb (GpListPage *self,
             guint       position)
{
  g_autoptr(GpRecord) record = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (record != NULL && !gp_paged_list_is_placeholder (self->records, record))
    g_signal_emit (self, signals[SIGNAL_RECORD_ACTIVATED], 0, record);
}

static void
show_total (GpListPage *self,
            const char *invoice_id,
            const char *text)
{
  GHashTableIter iter;
  gpointer label;

  g_hash_table_iter_init (&iter, self->total_labels);
  while (g_hash_table_iter_next (&iter, &label, NULL))
    if (g_strcmp0 (g_object_get_data (label, "gp-invoice-id"), invoice_id) == 0)
      gtk_label_set_label (GTK_LABEL (label), text);
}

typedef struct
{
  GpListPage *self;
  char *invoice_id;
  char *currency;
} TotalRequest;

static void
total_request_free (TotalRequest *request)
{
  g_clear_object (&request->self);
  g_free (request->invoice_id);
  g_free (request->currency);
  g_free (request);
}

static void
lines_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TotalRequest *request = user_data;
  GpListPage *self = request->self;
  g_autoptr(GPtrArray) lines = gp_store_query_finish (GP_STORE (object), result, NULL);
  GpInvoiceTotals totals = { 0, };
  g_autofree char *text = NULL;

  if (lines != NULL && self->totals != NULL &&
      g_hash_table_remove (self->totals_pending, request->invoice_id))
    {
      if (gp_invoice_compute_totals (lines, &totals, NULL))
        text = gp_money_format (totals.total, request->currency);
      g_hash_table_insert (self->totals, g_strdup (request->invoice_id),
                           g_strdup (text ? text : "—"));
      show_total (self, request->invoice_id, text ? text : "—");
    }

  total_request_free (request);
}

static const char *
request_total (GpListPage *self,
               const char *invoice_id)
{
  const char *cached = g_hash_table_lookup (self->totals, invoice_id);
  g_autoptr(GpQuery) query = NULL;
  GpRecord *invoice;
  TotalRequest *request;

  if (cached != NULL)
    return cached;

  if (self->store == NULL || g_hash_table_contains (self->totals_pending, invoice_id))
    return "";

  invoice = gp_paged_list_lookup (self->records, invoice_id);
  request = g_new0 (TotalRequest, 1);
  request->self = g_object_ref (self);
  request->invoice_id = g_strdup (invoice_id);
  request->currency = g_strdup (invoice ? gp_record_get_string (invoice, "currency") : NULL);

  query = gp_query_new ("invoice_lines");
  gp_query_set_where (query, "invoice_id", invoice_id);
  g_hash_table_add (self->totals_pending, g_strdup (invoice_id));
  gp_store_query_async (self->store, query, self->cancellable, lines_loaded_cb, request);

  return "";
}

static void
store_changed_cb (GpListPage  *self,
                  const char  *table,
                  char       **ids)
{
  GHashTableIter iter;
  gpointer label;

  if (g_strcmp0 (table, "invoice_lines") != 0 && g_strcmp0 (table, "invoices") != 0)
    return;

  /* Line ids do not say which invoice they belong to: recompute what is on screen. */
  g_hash_table_remove_all (self->totals);
  g_hash_table_remove_all (self->totals_pending);
  g_hash_table_iter_init (&iter, self->total_labels);
  while (g_hash_table_iter_next (&iter, &label, NULL))
    {
      const char *id = g_object_get_data (label, "gp-invoice-id");

      if (id != NULL)
        request_total (self, id);
    }
}

/* One cell of a row: a label set up for its column. */
static GtkWidget *
create_cell (const ColumnSpec *spec)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label),
                        spec->kind == COLUMN_MONEY || spec->kind == COLUMN_TOTAL ? 1.0 : 0.0);
  /* A column keeps its width whatever it shows. Free text in a shared column is cut
   * short with an ellipsis; the rest fits its column and is only clipped should it not:
   * a label that may be ellipsized is laid out again at its width when drawn. */
  if (spec->width_chars == 0 && (spec->kind == COLUMN_TEXT || spec->kind == COLUMN_CLIENT))
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  else
    gtk_widget_set_overflow (label, GTK_OVERFLOW_HIDDEN);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  if (spec->kind == COLUMN_STATUS)
    {
      gtk_widget_set_halign (label, GTK_ALIGN_START);
      gtk_widget_add_css_class (label, "status-pill");
    }
  if (spec->kind == COLUMN_MONEY || spec->kind == COLUMN_TOTAL)
    gtk_widget_add_css_class (label, "numeric");
  return label;
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              GpListPage               *self)
{
  GtkWidget *row = gp_list_row_new (self->list_columns);

  for (guint i = 0; i < self->n_columns; i++)
    gp_list_row_append (GP_LIST_ROW (row), create_cell (&self->columns[i]));
  gtk_list_item_set_child (item, row);
}

/* The name of the client with @id, as far as the names are known yet. */
static const char *
lookup_client_name (GpListPage *self,
                    const char *id)
{
  return id != NULL && self->client_names != NULL ? g_hash_table_lookup (self->client_names, id) : NULL;
}

static void
bind_cell (GpListPage       *self,
           const ColumnSpec *spec,
           GtkLabel         *label,
           GpRecord         *record)
{
  const char *value = spec->column ? gp_record_get_string (record, spec->column) : NULL;
  g_autofree char *text = NULL;
  char *old_class;

  switch (spec->kind)
    {
    case COLUMN_MONEY:
      if (gp_record_has_value (record, spec->column))
        text = gp_money_format (gp_record_get_int (record, spec->column),
                                gp_record_get_string (record, "currency"));
      break;

    case COLUMN_STATUS:
      {
        guint n = 0;
        const GpUiChoice *choices;

        if (strcmp (spec->column, "priority") == 0)
          choices = _gp_ui_ticket_priorities (&n);
        else if (strcmp (self->table, "tickets") == 0)
          choices = _gp_ui_ticket_statuses (&n);
        else
          choices = _gp_ui_invoice_statuses (&n);

        text = g_strdup (_gp_ui_choice_label (choices, n, value));
        old_class = g_object_get_data (G_OBJECT (label), "gp-status-class");
        if (old_class != NULL)
          gtk_widget_remove_css_class (GTK_WIDGET (label), old_class);
        if (value != NULL && value[0] != '\0')
          {
            char *css = g_strdup_printf ("status-%s", value);

            gtk_widget_add_css_class (GTK_WIDGET (label), css);
            g_object_set_data_full (G_OBJECT (label), "gp-status-class", css, g_free);
          }
        else
          g_object_set_data (G_OBJECT (label), "gp-status-class", NULL);
        gtk_widget_set_visible (GTK_WIDGET (label), text[0] != '\0');
      }
      break;

    case COLUMN_CLIENT:
      /* The names may come in after the rows: gp_list_page_update_client_names(). */
      g_object_set_data_full (G_OBJECT (label), "gp-client-id", g_strdup (value), g_free);
      g_hash_table_add (self->client_labels, label);
      text = g_strdup (lookup_client_name (self, value));
      break;

    case COLUMN_TOTAL:
      /* A row still being read has no total to ask for yet. */
      if (gp_paged_list_is_placeholder (self->records, record))
        {
          g_object_set_data (G_OBJECT (label), "gp-invoice-id", NULL);
          g_hash_table_remove (self->total_labels, label);
          break;
        }
      g_object_set_data_full (G_OBJECT (label), "gp-invoice-id",
                              g_strdup (gp_record_get_id (record)), g_free);
      g_hash_table_add (self->total_labels, label);
      text = g_strdup (request_total (self, gp_record_get_id (record)));
      break;

    case COLUMN_DATE:
      text = _gp_ui_format_date (value);
      break;

    case COLUMN_TEXT:
    default:
      text = g_strdup (value);
      break;
    }

  gtk_label_set_label (label, text ? text : "");
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             GpListPage               *self)
{
  GpRecord *record = gtk_list_item_get_item (item);
  GtkWidget *cell = gtk_widget_get_first_child (gtk_list_item_get_child (item));

  for (guint i = 0; i < self->n_columns && cell != NULL; i++, cell = gtk_widget_get_next_sibling (cell))
    bind_cell (self, &self->columns[i], GTK_LABEL (cell), record);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               GpListPage               *self)
{
  GtkWidget *row = gtk_list_item_get_child (item);

  if (row == NULL)
    return;

  for (GtkWidget *cell = gtk_widget_get_first_child (row); cell != NULL; cell = gtk_widget_get_next_sibling (cell))
    {
      if (self->total_labels != NULL)
        g_hash_table_remove (self->total_labels, cell);
      if (self->client_labels != NULL)
        g_hash_table_remove (self->client_labels, cell);
    }
}

static void
get_default_sort (const char  *table,
                  const char **column,
                  gboolean    *descending)
{
  if (strcmp (table, "invoices") == 0)
    {
      *column = "number";
      *descending = TRUE;
    }
  else if (strcmp (table, "tickets") == 0)
    {
      *column = "created_at";
      *descending = TRUE;
    }
  else
    {
      *column = "name";
      *descending = FALSE;
    }
}

static void
set_default_sort (GpPagedList *records,
                  const char  *table)
{
  const char *column;
  gboolean descending;

  get_default_sort (table, &column, &descending);
  gp_paged_list_set_sort (records, column, descending);
}

/* The header shows an arrow on the column the list is sorted by. */
static void
update_sort_arrows (GpListPage *self)
{
  for (guint i = 0; i < self->n_columns; i++)
    {
      GtkWidget *arrow = self->sort_arrows[i];
      gboolean sorted = g_strcmp0 (self->columns[i].column, self->sort_column) == 0;

      if (arrow == NULL)
        continue;
      if (sorted)
        gtk_image_set_from_icon_name (GTK_IMAGE (arrow),
                                      self->sort_descending ? "pan-down-symbolic" : "pan-up-symbolic");
      gtk_widget_set_visible (arrow, sorted);
    }
}

static void
set_sort (GpListPage *self,
          const char *column,
          gboolean    descending)
{
  g_free (self->sort_column);
  self->sort_column = g_strdup (column);
  self->sort_descending = descending;
  if (self->records != NULL)
    gp_paged_list_set_sort (self->records, column, descending);
  update_sort_arrows (self);
}

static void
apply_default_sort (GpListPage *self)
{
  const char *column;
  gboolean descending;

  get_default_sort (self->table, &column, &descending);
  set_sort (self, column, descending);
}

/* A click on a column's header sorts by it; a second click turns the order round. */
static void
header_clicked_cb (GtkButton  *button,
                   GpListPage *self)
{
  const ColumnSpec *spec = g_object_get_data (G_OBJECT (button), "gp-column");
  gboolean descending = g_strcmp0 (self->sort_column, spec->column) == 0 && !self->sort_descending;

  set_sort (self, spec->column, descending);
}

static GtkWidget *
create_header_cell (GpListPage       *self,
                    const ColumnSpec *spec,
                    GtkWidget       **arrow)
{
  gboolean end = spec->kind == COLUMN_MONEY || spec->kind == COLUMN_TOTAL;
  GtkWidget *title = gtk_label_new (_(spec->title));
  GtkWidget *box;
  GtkWidget *button;
  g_autofree char *tooltip = NULL;

  gtk_label_set_xalign (GTK_LABEL (title), end ? 1.0 : 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  *arrow = NULL;

  /* A total is computed, not stored: SQLite cannot sort by it. */
  if (spec->column == NULL)
    return title;

  *arrow = gtk_image_new ();
  gtk_widget_set_visible (*arrow, FALSE);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_widget_set_halign (box, end ? GTK_ALIGN_END : GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (box), end ? *arrow : title);
  gtk_box_append (GTK_BOX (box), end ? title : *arrow);

  button = gtk_button_new ();
  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_widget_add_css_class (button, "flat");
  /* TRANSLATORS: the tooltip of a list's column header, e.g. "Sort by Due" */
  tooltip = g_strdup_printf (_("Sort by %s"), _(spec->title));
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _(spec->title),
                                  -1);
  g_object_set_data (G_OBJECT (button), "gp-column", (gpointer) spec);
  g_signal_connect_object (button, "clicked", G_CALLBACK (header_clicked_cb), self, 0);
  return button;
}

static void
add_columns (GpListPage *self)
{
  GtkListItemFactory *factory;
  GtkWidget *header;
  const char *title;

  if (strcmp (self->table, "invoices") == 0)
    {
      self->columns = invoice_columns;
      title = _("Invoices");
      self->n_columns = G_N_ELEMENTS (invoice_columns);
      _gp_ui_status_page_set_icon_when_shown (self->empty_page, "x-office-document-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Invoices Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("Press Ctrl+N or the + button to write your first invoice."));
    }
  else if (strcmp (self->table, "tickets") == 0)
    {
      self->columns = ticket_columns;
      title = _("Tickets");
      self->n_columns = G_N_ELEMENTS (ticket_columns);
      adw_status_page_set_title (self->empty_page, _("No Tickets Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("Keep track of work for your clients: press Ctrl+N to add a ticket."));
      _gp_ui_status_page_set_icon_when_shown (self->empty_page, "task-due-symbolic");
    }
  else
    {
      self->columns = client_columns;
      title = _("Clients");
      self->n_columns = G_N_ELEMENTS (client_columns);
      adw_status_page_set_title (self->empty_page, _("No Clients Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("Add the people and companies you work for: press Ctrl+N."));
      _gp_ui_status_page_set_icon_when_shown (self->empty_page, "system-users-symbolic");
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_view), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  self->list_columns = gp_list_columns_new (self->n_columns);
  self->sort_arrows = g_new0 (GtkWidget *, self->n_columns);
  header = gp_list_row_new (self->list_columns);
  gtk_widget_add_css_class (header, "header");
  for (guint i = 0; i < self->n_columns; i++)
    {
      gp_list_columns_set_width (self->list_columns, i, self->columns[i].width_chars);
      gp_list_row_append (GP_LIST_ROW (header), create_header_cell (self, &self->columns[i], &self->sort_arrows[i]));
    }
  gtk_box_prepend (self->table_box, header);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect_object (factory, "setup", G_CALLBACK (setup_row_cb), self, 0);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_row_cb), self, 0);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_row_cb), self, 0);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
}

static gboolean
grow_tick_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  GpListPage *self = GP_LIST_PAGE (widget);
  guint size = gtk_slice_list_model_get_size (self->slice);

  if (size >= BUILT_ROWS
      || (size >= g_list_model_get_n_items (G_LIST_MODEL (self->records)) && !gp_paged_list_get_loading (self->records)))
    {
      gtk_slice_list_model_set_size (self->slice, G_MAXUINT);
      self->grow_tick = 0;
      return G_SOURCE_REMOVE;
    }
  gtk_slice_list_model_set_size (self->slice, size + GROW_ROWS);
  return G_SOURCE_CONTINUE;
}

/* Once the first frame with the page is painted, the rest of the list comes in. */
static void
first_paint_cb (GdkFrameClock *clock,
                GpListPage    *self)
{
  g_signal_handlers_disconnect_by_func (clock, first_paint_cb, self);
  if (self->slice != NULL && self->grow_tick == 0)
    self->grow_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), grow_tick_cb, NULL, NULL);
}

static void
gp_list_page_map (GtkWidget *widget)
{
  GpListPage *self = GP_LIST_PAGE (widget);

  GTK_WIDGET_CLASS (gp_list_page_parent_class)->map (widget);

  if (self->slice != NULL && self->grow_tick == 0 && gtk_slice_list_model_get_size (self->slice) != G_MAXUINT)
    g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint",
                             G_CALLBACK (first_paint_cb), self, 0);
}

static void
gp_list_page_unmap (GtkWidget *widget)
{
  GpListPage *self = GP_LIST_PAGE (widget);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  if (clock != NULL)
    g_signal_handlers_disconnect_by_func (clock, first_paint_cb, self);
  if (self->grow_tick != 0)
    {
      gtk_widget_remove_tick_callback (widget, self->grow_tick);
      self->grow_tick = 0;
    }
  GTK_WIDGET_CLASS (gp_list_page_parent_class)->unmap (widget);
}

static void
gp_list_page_constructed (GObject *object)
{
  GpListPage *self = GP_LIST_PAGE (object);

  G_OBJECT_CLASS (gp_list_page_parent_class)->constructed (object);

  if (self->table == NULL)
    self->table = g_strdup ("clients");

  add_columns (self);

  if (self->store != NULL)
    {
      if (self->records == NULL)
        self->records = gp_paged_list_new (self->store, self->table);
      g_signal_connect_object (self->records, "notify::loading",
                               G_CALLBACK (items_changed_cb), self, G_CONNECT_SWAPPED);
      self->slice = gtk_slice_list_model_new (g_object_ref (G_LIST_MODEL (self->records)), 0, FIRST_ROWS);
      self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->slice)));
      gtk_single_selection_set_autoselect (self->selection, TRUE);
      g_signal_connect_object (self->selection, "items-changed",
                               G_CALLBACK (items_changed_cb), self, G_CONNECT_SWAPPED);
      gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
      g_signal_connect_object (self->store, "changed", G_CALLBACK (store_changed_cb),
                               self, G_CONNECT_SWAPPED);
    }
  apply_default_sort (self);

  update_visible_child (self);
  /* The store reads the first rows while the rest of the window is built. */
  if (self->records != NULL)
    gp_paged_list_flush (self->records);
}

static void
gp_list_page_dispose (GObject *object)
{
  GpListPage *self = GP_LIST_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_LIST_PAGE);

  g_clear_object (&self->selection);
  g_clear_object (&self->slice);
  g_clear_object (&self->records);
  g_clear_object (&self->store);
  g_clear_pointer (&self->list_columns, gp_list_columns_unref);
  g_clear_pointer (&self->client_names, g_hash_table_unref);
  g_clear_pointer (&self->totals, g_hash_table_unref);
  g_clear_pointer (&self->totals_pending, g_hash_table_unref);
  g_clear_pointer (&self->total_labels, g_hash_table_unref);
  g_clear_pointer (&self->client_labels, g_hash_table_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gp_list_page_parent_class)->dispose (object);
}

static void
gp_list_page_finalize (GObject *object)
{
  GpListPage *self = GP_LIST_PAGE (object);

  g_clear_pointer (&self->table, g_free);
  g_clear_pointer (&self->sort_column, g_free);
  g_clear_pointer (&self->sort_arrows, g_free);

  G_OBJECT_CLASS (gp_list_page_parent_class)->finalize (object);
}

static void
gp_list_page_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  GpListPage *self = GP_LIST_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_TABLE:
      g_value_set_string (value, self->table);
      break;

    case PROP_RECORDS:
      g_value_set_object (value, self->records);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_list_page_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  GpListPage *self = GP_LIST_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    case PROP_TABLE:
      self->table = g_value_dup_string (value);
      break;

    case PROP_RECORDS:
      self->records = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_list_page_class_init (GpListPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = gp_list_page_constructed;
  object_class->dispose = gp_list_page_dispose;
  object_class->finalize = gp_list_page_finalize;
  object_class->get_property = gp_list_page_get_property;
  object_class->set_property = gp_list_page_set_property;
  widget_class->map = gp_list_page_map;
  widget_class->unmap = gp_list_page_unmap;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         GP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TABLE] =
    g_param_spec_string ("table", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The list the page shows, when it comes from gp_list_page_prepare_records(). */
  properties[PROP_RECORDS] =
    g_param_spec_object ("records", NULL, NULL,
                         GP_TYPE_PAGED_LIST,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_RECORD_ACTIVATED] =
    g_signal_new ("record-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, GP_TYPE_RECORD);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-list-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GpListPage, table_box);
  gtk_widget_class_bind_template_child (widget_class, GpListPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, GpListPage, content_stack);
  gtk_widget_class_bind_template_child (widget_class, GpListPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, GpListPage, no_results_page);
  gtk_widget_class_bind_template_child (widget_class, GpListPage, search_bar);
  gtk_widget_class_bind_template_child (widget_class, GpListPage, search_entry);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
}

static void
gp_list_page_init (GpListPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  _gp_ui_status_page_set_icon_when_shown (self->no_results_page, "system-search-symbolic");

  self->cancellable = g_cancellable_new ();
  self->totals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->totals_pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->total_labels = g_hash_table_new (NULL, NULL);
  self->client_labels = g_hash_table_new (NULL, NULL);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
}

GpListPage *
gp_list_page_new (GpStore    *store,
                  const char *table)
{
  return g_object_new (GP_TYPE_LIST_PAGE, "store", store, "table", table, NULL);
}

/**
 * gp_list_page_new_with_records:
 * @store: the store
 * @records: a list from gp_list_page_prepare_records()
 *
 * Returns: (transfer floating): a page showing @records
 */
GpListPage *
gp_list_page_new_with_records (GpStore     *store,
                               GpPagedList *records)
{
  g_return_val_if_fail (GP_IS_PAGED_LIST (records), NULL);

  return g_object_new (GP_TYPE_LIST_PAGE,
                       "store", store,
                       "table", gp_paged_list_get_table (records),
                       "records", records,
                       NULL);
}

/**
 * gp_list_page_prepare_records:
 * @store: the store
 * @table: the table a page will list
 *
 * Starts reading the list a page on @table opens with (its count and first rows) at
 * once, before there is a page: the application does so as the database opens, so the
 * rows are in by the time its window is built. Hand the list to
 * gp_list_page_new_with_records().
 *
 * Returns: (transfer full): the list, its first read under way
 */
GpPagedList *
gp_list_page_prepare_records (GpStore    *store,
                              const char *table)
{
  GpPagedList *records = gp_paged_list_new (store, table);

  set_default_sort (records, table);
  gp_paged_list_flush (records);
  return records;
}

const char *
gp_list_page_get_table (GpListPage *self)
{
  g_return_val_if_fail (GP_IS_LIST_PAGE (self), NULL);

  return self->table;
}

/**
 * gp_list_page_dup_selected:
 *
 * Returns: (transfer full) (nullable): the selected record
 */
GpRecord *
gp_list_page_dup_selected (GpListPage *self)
{
  gpointer item;

  g_return_val_if_fail (GP_IS_LIST_PAGE (self), NULL);

  if (self->selection == NULL)
    return NULL;

  item = gtk_single_selection_get_selected_item (self->selection);
  if (item == NULL || gp_paged_list_is_placeholder (self->records, item))
    return NULL;
  return g_object_ref (item);
}

void
gp_list_page_start_search (GpListPage *self)
{
  g_return_if_fail (GP_IS_LIST_PAGE (self));

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
gp_list_page_set_client_names (GpListPage *self,
                               GHashTable *names)
{
  g_return_if_fail (GP_IS_LIST_PAGE (self));

  if (names == self->client_names)
    return;

  g_clear_pointer (&self->client_names, g_hash_table_unref);
  self->client_names = names ? g_hash_table_ref (names) : NULL;
  gp_list_page_update_client_names (self);
}

/**
 * gp_list_page_update_client_names:
 * @self: a #GpListPage
 *
 * Shows the client names again in the rows on screen, after the table given to
 * gp_list_page_set_client_names() changed (the clients were read, or one was renamed).
 */
void
gp_list_page_update_client_names (GpListPage *self)
{
  GHashTableIter iter;
  gpointer label;

  g_return_if_fail (GP_IS_LIST_PAGE (self));

  g_hash_table_iter_init (&iter, self->client_labels);
  while (g_hash_table_iter_next (&iter, &label, NULL))
    {
      const char *name = lookup_client_name (self, g_object_get_data (label, "gp-client-id"));

      gtk_label_set_label (GTK_LABEL (label), name ? name : "");
    }
}

/**
 * gp_list_page_get_model:
 *
 * Returns: (transfer none) (nullable): the page's records, as sorted and filtered
 */
GListModel *
gp_list_page_get_model (GpListPage *self)
{
  g_return_val_if_fail (GP_IS_LIST_PAGE (self), NULL);

  return self->records ? G_LIST_MODEL (self->records) : NULL;
}
