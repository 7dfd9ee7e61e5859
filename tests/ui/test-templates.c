/* test-templates.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Builds every template once and destroys it. A widget or property that libadwaita 1.2 /
 * GTK 4.8 lacks makes the builder fail at run time, which these tests turn into a failure
 * (criticals and warnings are fatal here). */

#include "config.h"

#include <glib/gstdio.h>

#include "gp-client-editor.h"
#include "gp-conflict-dialog.h"
#include "gp-conflicts-page.h"
#include "gp-dashboard-page.h"
#include "gp-estimate-dialog.h"
#include "gp-history-dialog.h"
#include "gp-invoice-editor.h"
#include "gp-invoice-line-row.h"
#include "gp-list-page.h"
#include "gp-preferences-window.h"
#include "gp-revenue-chart.h"
#include "gp-sync-indicator.h"
#include "gp-ticket-editor.h"
#include "gp-timer-indicator.h"
#include "gp-ui-util.h"
#include "gp-window.h"

static void
wait_for_draw (GtkWidget *widget)
{
  gtk_test_widget_wait_for_draw (widget);
}

static void
check_window (GtkWindow *window)
{
  g_object_ref (window);
  gtk_window_present (window);
  wait_for_draw (GTK_WIDGET (window));
  gtk_window_destroy (window);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_finalize_object (window);
}

static void
check_widget (GtkWidget *widget)
{
  GtkWidget *window = gtk_window_new ();

  g_object_ref_sink (widget);
  gtk_window_set_child (GTK_WINDOW (window), widget);
  gtk_window_present (GTK_WINDOW (window));
  wait_for_draw (widget);
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_finalize_object (widget);
}

static void
test_window (void)
{
  check_window (g_object_new (GP_TYPE_WINDOW, NULL));
}

static void
test_sync_indicator (void)
{
  g_autoptr(GpSyncStatus) status = gp_sync_status_new ();
  GpSyncIndicator *indicator = gp_sync_indicator_new ();

  gp_sync_indicator_set_status (indicator, status);
  gp_sync_status_set_state (status, GP_SYNC_STATE_SYNCING);
  gp_sync_status_set_sending (status, 5, 10);
  gp_sync_status_set_state (status, GP_SYNC_STATE_ERROR);
  gp_sync_status_set_last_error (status, "Server unreachable");
  check_widget (GTK_WIDGET (indicator));
}

static void
test_list_pages (void)
{
  check_widget (GTK_WIDGET (gp_list_page_new (NULL, "invoices")));
  check_widget (GTK_WIDGET (gp_list_page_new (NULL, "clients")));
  check_widget (GTK_WIDGET (gp_list_page_new (NULL, "tickets")));
}

static void
test_conflicts_page (void)
{
  check_widget (GTK_WIDGET (gp_conflicts_page_new (NULL)));
}

static void
test_invoice_line_row (void)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (gp_invoice_line_row_new (NULL, "EUR")));
  check_widget (list);
}

static void
test_editors (void)
{
  check_window (GTK_WINDOW (gp_client_editor_new (NULL, NULL)));
  check_window (GTK_WINDOW (gp_invoice_editor_new (NULL, NULL, NULL)));
  check_window (GTK_WINDOW (gp_ticket_editor_new (NULL, NULL, NULL)));
}

static void
test_preferences (void)
{
  g_autoptr(GpSyncStatus) status = gp_sync_status_new ();

  check_window (GTK_WINDOW (gp_preferences_window_new (status)));
}

static void
test_shortcuts_window (void)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/io/github/gigpilot/GigPilot/ui/gp-shortcuts-window.ui");
  GtkWindow *window = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));

  g_assert_nonnull (window);
  g_object_ref (window);
  gtk_window_present (window);
  wait_for_draw (GTK_WIDGET (window));
  gtk_window_destroy (window);
  g_clear_object (&builder);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_finalize_object (window);
}

static void
test_dashboard_page (void)
{
  check_widget (GTK_WIDGET (gp_dashboard_page_new (NULL)));
}

static void
test_revenue_chart (void)
{
  GpReport *report = g_new0 (GpReport, 1);
  const char *months[] = { "2026-01", "2026-02", NULL };
  const char *currencies[] = { "EUR", "USD" };
  GtkWidget *chart = gp_revenue_chart_new ();

  report->month_names = g_strdupv ((char **)months);
  report->months = g_ptr_array_new_with_free_func (g_free);
  report->currencies = g_ptr_array_new ();
  report->top_clients = g_ptr_array_new ();
  for (guint m = 0; m < 2; m++)
    for (guint c = 0; c < 2; c++)
      {
        GpReportMonth *entry = g_new0 (GpReportMonth, 1);

        /* Borrowed strings: this hand-made report frees only its entries. */
        entry->month = (char *)months[m];
        entry->currency = (char *)currencies[c];
        entry->revenue = 1000 * (m + 1) * (c + 1);
        g_ptr_array_add (report->months, entry);
      }
  gp_revenue_chart_set_report (GP_REVENUE_CHART (chart), report);
  g_assert_cmpuint (gp_revenue_chart_get_n_series (GP_REVENUE_CHART (chart)), ==, 2);
  g_strfreev (report->month_names);
  g_ptr_array_unref (report->months);
  g_ptr_array_unref (report->currencies);
  g_ptr_array_unref (report->top_clients);
  g_free (report);
  check_widget (chart);
}

static void
test_work_dialogs (void)
{
  GtkWidget *indicator = g_object_new (GP_TYPE_TIMER_INDICATOR, NULL);
  g_autofree char *elapsed = gp_timer_format_elapsed (3723000);

  g_assert_cmpstr (elapsed, ==, "1:02:03");
  check_widget (indicator);
  check_window (GTK_WINDOW (gp_estimate_dialog_new (NULL, "EUR")));
  check_window (GTK_WINDOW (gp_history_dialog_new (NULL, "clients", "c1", "Acme")));
}

static GtkWidget *
find_list_box (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = GTK_IS_LIST_BOX (child) ? child : find_list_box (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Closes @store and removes its file (with WAL and shared memory) and @dir. */
/* A store on a new database in a temporary directory; remove_store() takes it away. */
static GpStore *
open_temp_store (char **dir,
                 char **path)
{
  GpStore *store;
  g_autoptr(GError) error = NULL;

  *dir = g_dir_make_tmp ("gigpilot-ui-XXXXXX", &error);
  g_assert_no_error (error);
  *path = g_build_filename (*dir, "test.db", NULL);
  store = gp_store_new (*path);
  g_assert_true (gp_store_open_sync (store, NULL, &error));
  g_assert_no_error (error);
  return store;
}

static void
remove_store (GpStore    **store,
              const char  *dir,
              const char  *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  gp_store_close (*store);
  g_clear_object (store);
  g_remove (path);
  g_remove (wal);
  g_remove (shm);
  g_rmdir (dir);
}

static guint
count_labels (GtkWidget  *widget,
              const char *text)
{
  guint n = GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_labels (child, text);
  return n;
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  char **id = user_data;
  g_autoptr(GError) error = NULL;

  *id = gp_store_save_finish (GP_STORE (object), result, &error);
  g_assert_no_error (error);
}

/* The history window lists a record's changes from the real store, newest first. */
static void
test_history_dialog_with_store (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GpStore) store = open_temp_store (&dir, &path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) create = json_object_new ();
  g_autoptr(JsonObject) rename = json_object_new ();
  g_autofree char *id = NULL;
  g_autofree char *again = NULL;
  GpHistoryDialog *dialog;
  GtkWidget *list;
  GtkWidget *first;

  json_object_set_string_member (create, "name", "Acme");
  gp_store_save_async (store, "clients", NULL, create, NULL, saved_cb, &id);
  while (id == NULL)
    g_main_context_iteration (NULL, TRUE);
  json_object_set_string_member (rename, "name", "Acme & Sons");
  gp_store_save_async (store, "clients", id, rename, NULL, saved_cb, &again);
  while (again == NULL)
    g_main_context_iteration (NULL, TRUE);

  dialog = gp_history_dialog_new (store, "clients", id, "Acme & Sons");
  g_object_ref (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  list = find_list_box (GTK_WIDGET (dialog));
  g_assert_nonnull (list);
  while (gtk_widget_get_first_child (list) == NULL)
    g_main_context_iteration (NULL, TRUE);
  first = gtk_widget_get_first_child (list);
  g_assert_true (ADW_IS_ACTION_ROW (first));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (first)), ==, "Name: Acme → Acme & Sons");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "History of “Acme & Sons”");
  wait_for_draw (GTK_WIDGET (dialog));
  gtk_window_destroy (GTK_WINDOW (dialog));
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_finalize_object (dialog);

  remove_store (&store, dir, path);
}

static void
test_conflict_dialogs (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  GpConflict conflict = { (char *) "clients", (char *) "c1", GP_CONFLICT_EDIT, NULL, 0 };
  GpConflictKind kinds[] = { GP_CONFLICT_EDIT, GP_CONFLICT_REMOTE_DELETE,
                             GP_CONFLICT_LOCAL_DELETE, GP_CONFLICT_DUPLICATE_NUMBER,
                             GP_CONFLICT_DOUBLE_BILLED };

  g_assert_true (json_parser_load_from_data (parser,
    "{\"email\": {\"base\": \"a@x\", \"mine\": \"m@x\", \"theirs\": \"t@x\"},"
    " \"hourly_rate\": {\"base\": 100, \"mine\": null, \"theirs\": 120}}", -1, NULL));
  conflict.fields = json_node_get_object (json_parser_get_root (parser));

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      conflict.kind = kinds[i];
      check_window (GTK_WINDOW (gp_conflict_dialog_new (NULL, &conflict)));
    }
}

static char *
save_record (GpStore    *store,
             const char *table,
             const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  char *id = NULL;

  gp_store_save_async (store, table, NULL, json_node_get_object (node), NULL, saved_cb, &id);
  while (id == NULL)
    g_main_context_iteration (NULL, TRUE);
  return id;
}

/* The invoice list read ahead as the database opens (gp_list_page_prepare_records()) has
 * its count and first rows, in the invoice page's order, before there is a page; the page
 * given it shows that very list. */
static void
test_list_page_prepared_records (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GpStore) store = open_temp_store (&dir, &path);
  g_autoptr(GpPagedList) records = NULL;
  g_autoptr(GpRecord) first = NULL;
  g_autofree char *client = NULL;
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GtkWidget *window;
  GpListPage *page;

  client = save_record (store, "clients", "{\"name\": \"Acme\"}");
  for (guint i = 0; i < 3; i++)
    {
      const char *numbers[] = { "2026-0001", "2026-0003", "2026-0002" };
      g_autofree char *json = g_strdup_printf ("{\"client_id\": \"%s\", \"number\": \"%s\"}",
                                               client, numbers[i]);

      g_free (save_record (store, "invoices", json));
    }

  records = gp_list_page_prepare_records (store, "invoices");
  g_assert_true (gp_paged_list_get_loading (records));
  while (gp_paged_list_get_loading (records))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (records)), ==, 3);
  first = g_list_model_get_item (G_LIST_MODEL (records), 0);
  g_assert_cmpstr (gp_record_get_string (first, "number"), ==, "2026-0003");

  page = gp_list_page_new_with_records (store, records);
  g_assert_true (gp_list_page_get_model (page) == G_LIST_MODEL (records));
  g_assert_cmpstr (gp_list_page_get_table (page), ==, "invoices");
  /* Set up with the same order, the page asks for nothing more. */
  g_assert_false (gp_paged_list_get_loading (records));

  /* The rows are on screen before the client names are read; the names then fill in. */
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 400);
  g_object_ref_sink (page);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gp_list_page_set_client_names (page, names);
  gtk_window_present (GTK_WINDOW (window));
  wait_for_draw (GTK_WIDGET (page));
  g_assert_cmpuint (count_labels (GTK_WIDGET (page), "2026-0003"), ==, 1);
  g_assert_cmpuint (count_labels (GTK_WIDGET (page), "Acme"), ==, 0);
  g_hash_table_insert (names, g_strdup (client), g_strdup ("Acme"));
  gp_list_page_update_client_names (page);
  g_assert_cmpuint (count_labels (GTK_WIDGET (page), "Acme"), ==, 3);
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_finalize_object (page);

  remove_store (&store, dir, path);
}

static gboolean
has_tooltip (GtkWidget  *widget,
             const char *text)
{
  return g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) == 0;
}

static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0;
}

/* The first widget under @widget, depth first, for which @matches says yes. */
static GtkWidget *
find_widget (GtkWidget  *widget,
             gboolean  (*matches) (GtkWidget *, const char *),
             const char *text)
{
  if (matches (widget, text))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, matches, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
wait_loaded (GpPagedList *records)
{
  while (gp_paged_list_get_loading (records))
    g_main_context_iteration (NULL, TRUE);
}

static const char *
first_number (GListModel *model)
{
  g_autoptr(GpRecord) first = g_list_model_get_item (model, 0);

  return gp_record_get_string (first, "number");
}

/* The header and every row place their cells in the same columns, and a click on a
 * column's header sorts the list by it, a second click the other way round. */
static void
test_list_page_columns (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GpStore) store = open_temp_store (&dir, &path);
  g_autofree char *client = save_record (store, "clients", "{\"name\": \"Acme\"}");
  const char *invoices[][2] = {
    { "2026-0001", "2026-03-01" },
    { "2026-0002", "2026-01-15" },
    { "2026-0003", "2026-02-10" },
  };
  GtkWidget *window = gtk_window_new ();
  GpListPage *page;
  GListModel *model;
  GtkWidget *header;
  GtkWidget *cell;
  graphene_rect_t header_bounds, cell_bounds;

  for (guint i = 0; i < G_N_ELEMENTS (invoices); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"client_id\": \"%s\", \"number\": \"%s\", \"issued_on\": \"%s\"}",
                                               client, invoices[i][0], invoices[i][1]);

      g_free (save_record (store, "invoices", json));
    }

  page = g_object_ref_sink (gp_list_page_new (store, "invoices"));
  model = gp_list_page_get_model (page);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 400);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));
  wait_loaded (GP_PAGED_LIST (model));
  wait_for_draw (GTK_WIDGET (page));
  g_assert_cmpstr (first_number (model), ==, "2026-0003");

  /* Header and row cells line up, column by column. */
  header = find_widget (GTK_WIDGET (page), has_tooltip, "Sort by Issued");
  g_assert_nonnull (header);
  cell = find_widget (GTK_WIDGET (page), shows_label, "2026-0003");
  g_assert_nonnull (cell);
  g_assert_true (gtk_widget_compute_bounds (cell, GTK_WIDGET (page), &cell_bounds));
  g_assert_true (gtk_widget_compute_bounds (find_widget (GTK_WIDGET (page), has_tooltip, "Sort by Number"),
                                            GTK_WIDGET (page), &header_bounds));
  g_assert_cmpfloat_with_epsilon (cell_bounds.origin.x, header_bounds.origin.x, 0.5);
  cell = gtk_widget_get_next_sibling (gtk_widget_get_next_sibling (gtk_widget_get_next_sibling (cell)));
  g_assert_true (gtk_widget_compute_bounds (cell, GTK_WIDGET (page), &cell_bounds));
  g_assert_true (gtk_widget_compute_bounds (header, GTK_WIDGET (page), &header_bounds));
  g_assert_cmpfloat_with_epsilon (cell_bounds.origin.x, header_bounds.origin.x, 0.5);
  g_assert_cmpfloat_with_epsilon (cell_bounds.size.width, header_bounds.size.width, 0.5);

  /* Sorting by the issue date: oldest first, then newest first. */
  g_signal_emit_by_name (header, "clicked");
  wait_loaded (GP_PAGED_LIST (model));
  g_assert_cmpstr (first_number (model), ==, "2026-0002");
  g_signal_emit_by_name (header, "clicked");
  wait_loaded (GP_PAGED_LIST (model));
  g_assert_cmpstr (first_number (model), ==, "2026-0001");

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_finalize_object (page);

  remove_store (&store, dir, path);
}

static void
test_window_with_store (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GpStore) store = open_temp_store (&dir, &path);
  g_autoptr(GpSyncStatus) status = gp_sync_status_new ();
  GtkWindow *window;

  window = g_object_new (GP_TYPE_WINDOW, "store", store, "sync-status", status, NULL);
  check_window (window);

  remove_store (&store, dir, path);
}

/* The first window is given the invoice list and the clients the application read as the
 * database opened. The clients may be in before the window exists: their names still
 * reach the invoice rows. */
static void
test_window_with_prepared_lists (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GpStore) store = open_temp_store (&dir, &path);
  g_autoptr(GpSyncStatus) status = gp_sync_status_new ();
  g_autofree char *client = save_record (store, "clients", "{\"name\": \"Acme Studio\"}");
  g_autofree char *json = g_strdup_printf ("{\"client_id\": \"%s\", \"number\": \"2026-0042\"}", client);
  g_autofree char *invoice = save_record (store, "invoices", json);
  g_autoptr(GpPagedList) invoices = gp_list_page_prepare_records (store, "invoices");
  g_autoptr(GpRecordList) clients = gp_window_prepare_clients (store);
  GtkWindow *window;

  g_assert_true (gp_record_list_get_loading (clients));
  while (gp_paged_list_get_loading (invoices) || gp_record_list_get_loading (clients))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (clients)), ==, 1);

  window = g_object_new (GP_TYPE_WINDOW, "store", store, "sync-status", status,
                         "invoices", invoices, "clients", clients, NULL);
  g_object_ref (window);
  gtk_window_present (window);
  wait_for_draw (GTK_WIDGET (window));
  g_assert_cmpuint (count_labels (GTK_WIDGET (window), "2026-0042"), ==, 1);
  g_assert_cmpuint (count_labels (GTK_WIDGET (window), "Acme Studio"), ==, 1);
  /* The window reads nothing again. */
  g_assert_false (gp_record_list_get_loading (clients));
  gtk_window_destroy (window);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_finalize_object (window);

  remove_store (&store, dir, path);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The lists line their header up with their rows through the style sheet. */
  _gp_ui_load_style ();

  g_test_add_func ("/ui/templates/window", test_window);
  g_test_add_func ("/ui/templates/window-with-store", test_window_with_store);
  g_test_add_func ("/ui/templates/window-with-prepared-lists", test_window_with_prepared_lists);
  g_test_add_func ("/ui/templates/sync-indicator", test_sync_indicator);
  g_test_add_func ("/ui/templates/list-pages", test_list_pages);
  g_test_add_func ("/ui/templates/list-page-prepared-records", test_list_page_prepared_records);
  g_test_add_func ("/ui/templates/list-page-columns", test_list_page_columns);
  g_test_add_func ("/ui/templates/conflicts-page", test_conflicts_page);
  g_test_add_func ("/ui/templates/invoice-line-row", test_invoice_line_row);
  g_test_add_func ("/ui/templates/editors", test_editors);
  g_test_add_func ("/ui/templates/preferences", test_preferences);
  g_test_add_func ("/ui/templates/conflict-dialogs", test_conflict_dialogs);
  g_test_add_func ("/ui/templates/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/ui/templates/dashboard-page", test_dashboard_page);
  g_test_add_func ("/ui/templates/revenue-chart", test_revenue_chart);
  g_test_add_func ("/ui/templates/work-dialogs", test_work_dialogs);
  g_test_add_func ("/ui/templates/history-dialog-with-store", test_history_dialog_with_store);

  return g_test_run ();
}
