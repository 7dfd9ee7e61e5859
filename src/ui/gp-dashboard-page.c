/* gp-dashboard-page.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-dashboard-page.h"

#include <glib/gi18n.h>

#include "gp-estimate-dialog.h"
#include "gp-money.h"
#include "gp-revenue-chart.h"
#include "gp-store-time.h"
#include "gp-store-transfer.h"
#include "gp-ui-util.h"
#include "gp-window.h"

/* The Dashboard: money per currency at a glance, unbilled time, and the tools that work on
 * everything at once (estimate, time to invoice, CSV, backup). The figures are worked out on
 * the store thread (gp_store_report_async) and refreshed shortly after the data changes. */

#define REPORT_MONTHS 12
#define RELOAD_DELAY_MS 300

struct _GpDashboardPage
{
  AdwBin parent_instance;

  /* Template widgets */
  GpRevenueChart *chart;
  GtkBox *figures_box;
  AdwPreferencesGroup *top_clients_group;
  GtkListBox *top_clients_list;
  AdwActionRow *unbilled_row;

  /* Owned */
  GpStore *store;
  GCancellable *cancellable;
  GCancellable *report_cancellable;
  GpReport *report;
  guint reload_id;
  GtkNativeDialog *chooser;
};

G_DEFINE_FINAL_TYPE (GpDashboardPage, gp_dashboard_page, ADW_TYPE_BIN)

static void
show_toast (GpDashboardPage *self,
            const char      *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (GP_IS_WINDOW (root))
    gp_window_add_toast (GP_WINDOW (root), adw_toast_new (text));
  else
    g_debug ("%s", text);
}

static void
show_error (GpDashboardPage *self,
            const GError    *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_toast (self, error->message);
}

static GtkWindow *
get_window (GpDashboardPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
clear_box (GtkWidget *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (box)) != NULL)
    {
      if (GTK_IS_BOX (box))
        gtk_box_remove (GTK_BOX (box), child);
      else
        gtk_list_box_remove (GTK_LIST_BOX (box), child);
    }
}

static GtkWidget *
amount_row (const char *title,
            const char *subtitle,
            const char *amount,
            const char *style)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (amount);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_add_css_class (label, "numeric");
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  return row;
}

static char *
format_hours (gint64 ms)
{
  /* Translators: an amount of time in hours, e.g. "12.5 h" */
  return g_strdup_printf (_("%.1f h"), (double)ms / 3600000.0);
}

static void
show_report (GpDashboardPage *self)
{
  GpReport *report = self->report;
  static const char *age_titles[] = {
    N_("Not yet due or up to 30 days late"), N_("31–60 days late"), N_("61–90 days late"), N_("Over 90 days late"),
  };
  g_autofree char *unbilled = NULL;
  guint n_top = 0;

  gp_revenue_chart_set_report (self->chart, report);
  clear_box (GTK_WIDGET (self->figures_box));
  clear_box (GTK_WIDGET (self->top_clients_list));

  if (report->currencies->len == 0)
    {
      GtkWidget *group = adw_preferences_group_new ();

      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Receivables"));
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                             _("Nothing is owed to you: no sent, unpaid invoices."));
      gtk_box_append (self->figures_box, group);
    }

  /* One group per currency: never a total across currencies. */
  for (guint i = 0; i < report->currencies->len; i++)
    {
      GpReportCurrency *c = g_ptr_array_index (report->currencies, i);
      GtkWidget *group = adw_preferences_group_new ();
      g_autofree char *title = g_strdup_printf (_("Receivables in %s"), c->currency);
      g_autofree char *revenue = gp_money_format (c->revenue, c->currency);
      g_autofree char *outstanding = gp_money_format (c->outstanding, c->currency);
      g_autofree char *overdue = gp_money_format (c->overdue, c->currency);
      g_autofree char *n_out = g_strdup_printf (ngettext ("%u invoice sent and not paid",
                                                          "%u invoices sent and not paid", c->n_outstanding),
                                                c->n_outstanding);
      g_autofree char *n_over = g_strdup_printf (ngettext ("%u invoice past its due date",
                                                           "%u invoices past their due date", c->n_overdue),
                                                 c->n_overdue);

      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 amount_row (_("Revenue, last 12 months"), _("Net, before tax"), revenue, NULL));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 amount_row (_("Outstanding"), n_out, outstanding, NULL));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 amount_row (_("Overdue"), n_over, overdue, c->overdue > 0 ? "error" : NULL));
      /* Aging only says something when something is owed. */
      for (guint a = 0; c->outstanding != 0 && a < GP_REPORT_N_AGES; a++)
        {
          g_autofree char *amount = gp_money_format (c->aging[a], c->currency);

          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                     amount_row (_(age_titles[a]), NULL, amount,
                                                 c->aging[a] != 0 && a > 0 ? "warning" : "dim-label"));
        }
      if (c->unbilled > 0)
        {
          g_autofree char *value = gp_money_format (c->unbilled, c->currency);

          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                     amount_row (_("Unbilled time"), _("At the clients’ hourly rates"), value, NULL));
        }
      gtk_box_append (self->figures_box, group);
    }

  for (guint i = 0; i < report->top_clients->len; i++)
    {
      GpReportClient *client = g_ptr_array_index (report->top_clients, i);
      g_autofree char *amount = gp_money_format (client->revenue, client->currency);

      gtk_list_box_append (self->top_clients_list, amount_row (client->name, client->currency, amount, NULL));
      n_top++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->top_clients_group), n_top > 0);

  unbilled = format_hours (report->unbilled_ms);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->unbilled_row), unbilled);
  if (report->unbilled_without_rate_ms > 0)
    {
      g_autofree char *without = format_hours (report->unbilled_without_rate_ms);
      g_autofree char *text = g_strdup_printf (_("%s, of which %s without an hourly rate"), unbilled, without);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->unbilled_row), text);
    }
}

static void
report_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GpDashboardPage) self = user_data;
  g_autoptr(GError) error = NULL;
  GpReport *report = gp_store_report_finish (GP_STORE (object), result, &error);

  /* The page went away while the store worked. */
  if (self->store == NULL)
    {
      g_clear_pointer (&report, gp_report_free);
      return;
    }

  if (report == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }

  g_clear_pointer (&self->report, gp_report_free);
  self->report = report;
  show_report (self);
}

/**
 * gp_dashboard_page_reload:
 * @self: a #GpDashboardPage
 *
 * Works the figures out again (on the store thread) and shows them.
 */
void
gp_dashboard_page_reload (GpDashboardPage *self)
{
  g_return_if_fail (GP_IS_DASHBOARD_PAGE (self));

  g_clear_handle_id (&self->reload_id, g_source_remove);
  if (self->store == NULL)
    return;

  /* Only the newest answer counts. */
  g_cancellable_cancel (self->report_cancellable);
  g_clear_object (&self->report_cancellable);
  self->report_cancellable = g_cancellable_new ();
  gp_store_report_async (self->store, NULL, REPORT_MONTHS, self->report_cancellable, report_loaded_cb,
                         g_object_ref (self));
}

/**
 * gp_dashboard_page_get_report:
 * @self: a #GpDashboardPage
 *
 * Returns: (transfer none) (nullable): the figures shown
 */
GpReport *
gp_dashboard_page_get_report (GpDashboardPage *self)
{
  g_return_val_if_fail (GP_IS_DASHBOARD_PAGE (self), NULL);

  return self->report;
}

static gboolean
reload_timeout_cb (gpointer user_data)
{
  GpDashboardPage *self = user_data;

  self->reload_id = 0;
  gp_dashboard_page_reload (self);
  return G_SOURCE_REMOVE;
}

static void
store_changed_cb (GpDashboardPage *self)
{
  /* A burst of changes (a sync page, an import) gives one reload. */
  if (self->reload_id == 0)
    self->reload_id = g_timeout_add (RELOAD_DELAY_MS, reload_timeout_cb, self);
}

/* Estimate */

static void
estimate_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  GpDashboardPage *self = GP_DASHBOARD_PAGE (widget);
  GpEstimateDialog *dialog;

  if (self->store == NULL)
    return;
  dialog = gp_estimate_dialog_new (self->store, NULL);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), get_window (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Time to invoice */

typedef struct
{
  GpDashboardPage *self;
  GPtrArray       *clients;
  GtkDropDown     *client_drop;
  GtkEntry        *from_entry;
  GtkEntry        *to_entry;
} TimeDialog;

static void
time_dialog_free (TimeDialog *data)
{
  g_clear_object (&data->self);
  g_clear_pointer (&data->clients, g_ptr_array_unref);
  g_free (data);
}

static gboolean
parse_local_day (const char *text,
                 gint64     *ms)
{
  int y, m, d;
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL || sscanf (text, "%d-%d-%d", &y, &m, &d) != 3 || !g_date_valid_dmy (d, m, y))
    return FALSE;
  dt = g_date_time_new_local (y, m, d, 0, 0, 0);
  if (dt == NULL)
    return FALSE;
  *ms = g_date_time_to_unix (dt) * 1000;
  return TRUE;
}

static void
time_invoiced_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GpDashboardPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *invoice_id = gp_store_invoice_time_finish (GP_STORE (object), result, &error);

  if (invoice_id == NULL)
    show_error (self, error);
  else
    show_toast (self, _("A draft invoice was made from the unbilled time. Find it under Invoices."));
}

static void
time_dialog_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         TimeDialog       *data)
{
  GpDashboardPage *self = data->self;
  guint selected = gtk_drop_down_get_selected (data->client_drop);
  gint64 from_ms = 0, to_ms = 0;

  if (g_strcmp0 (response, "create") != 0 || selected >= data->clients->len)
    return;

  if (!parse_local_day (gtk_editable_get_text (GTK_EDITABLE (data->from_entry)), &from_ms) ||
      !parse_local_day (gtk_editable_get_text (GTK_EDITABLE (data->to_entry)), &to_ms))
    {
      show_toast (self, _("Type the dates as YYYY-MM-DD."));
      return;
    }

  /* The last day counts in full. */
  gp_store_invoice_time_async (self->store, gp_record_get_id (g_ptr_array_index (data->clients, selected)),
                               from_ms, to_ms + 24 * G_GINT64_CONSTANT (3600000), self->cancellable,
                               time_invoiced_cb, g_object_ref (self));
}

static void
clients_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GpDashboardPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) clients = gp_store_query_finish (GP_STORE (object), result, &error);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *first = g_date_time_format (now, "%Y-%m-01");
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  AdwMessageDialog *dialog;
  GtkWidget *box, *grid, *label;
  TimeDialog *data;

  if (clients == NULL)
    {
      show_error (self, error);
      return;
    }
  if (clients->len == 0)
    {
      show_toast (self, _("Add a client first."));
      return;
    }

  for (guint i = 0; i < clients->len; i++)
    gtk_string_list_append (names, gp_record_get_string (g_ptr_array_index (clients, i), "name"));

  data = g_new0 (TimeDialog, 1);
  data->self = g_object_ref (self);
  data->clients = g_steal_pointer (&clients);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (get_window (self), _("Invoice Unbilled Time"),
                                                       _("The client’s unbilled, billable time in these days "
                                                         "becomes a draft invoice, one line per ticket at the "
                                                         "hourly rate. The time is marked billed, so it is never "
                                                         "billed twice.")));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  data->client_drop = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (names)), NULL));
  gtk_accessible_update_property (GTK_ACCESSIBLE (data->client_drop), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Client"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (data->client_drop));

  grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  label = gtk_label_new_with_mnemonic (_("_From"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 0, 1, 1);
  data->from_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_editable_set_text (GTK_EDITABLE (data->from_entry), first);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (data->from_entry));
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (data->from_entry), 1, 0, 1, 1);
  label = gtk_label_new_with_mnemonic (_("_To"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 1, 1, 1);
  data->to_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_editable_set_text (GTK_EDITABLE (data->to_entry), today);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (data->to_entry));
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (data->to_entry), 1, 1, 1, 1);
  gtk_box_append (GTK_BOX (box), grid);
  adw_message_dialog_set_extra_child (dialog, box);

  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "create", _("_Create Invoice"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "create", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "create");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (time_dialog_response_cb), data,
                         (GClosureNotify)(void (*) (void))time_dialog_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
invoice_time_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  GpDashboardPage *self = GP_DASHBOARD_PAGE (widget);
  g_autoptr(GpQuery) query = NULL;

  if (self->store == NULL)
    return;
  query = gp_query_new ("clients");
  gp_query_set_order (query, "name", FALSE);
  gp_store_query_async (self->store, query, self->cancellable, clients_loaded_cb, g_object_ref (self));
}

/* Files */

typedef void (*ChosenFunc) (GpDashboardPage *self,
                            GFile           *file,
                            gpointer         data);

typedef struct
{
  GpDashboardPage *self;
  ChosenFunc       func;
  gpointer         data;
  GDestroyNotify   data_free;
} Chooser;

static void
chooser_response_cb (GtkNativeDialog *native,
                     int              response,
                     Chooser         *chooser)
{
  GpDashboardPage *self = chooser->self;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

      if (file != NULL)
        chooser->func (self, file, chooser->data);
    }

  if (chooser->data_free != NULL)
    chooser->data_free (chooser->data);
  if (self->chooser == native)
    g_clear_object (&self->chooser);
  g_object_unref (self);
  g_free (chooser);
}

/* Shows the kind of file a tool reads or writes first (CSV or a GigPilot backup), with every
 * file one choice away. */
static void
add_filters (GtkFileChooser *chooser,
             gboolean        backup)
{
  g_autoptr(GtkFileFilter) kind = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  if (backup)
    {
      gtk_file_filter_set_name (kind, _("GigPilot backups"));
      gtk_file_filter_add_pattern (kind, "*.gigpilot");
    }
  else
    {
      gtk_file_filter_set_name (kind, _("CSV files"));
      gtk_file_filter_add_mime_type (kind, "text/csv");
      gtk_file_filter_add_pattern (kind, "*.csv");
    }
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (chooser, kind);
  gtk_file_chooser_add_filter (chooser, all);
}

static void
choose_file (GpDashboardPage      *self,
             GtkFileChooserAction  action,
             gboolean              backup,
             const char           *title,
             const char           *accept,
             const char           *suggested_name,
             ChosenFunc            func,
             gpointer              data,
             GDestroyNotify        data_free)
{
  GtkFileChooserNative *native = gtk_file_chooser_native_new (title, get_window (self), action, accept, NULL);
  Chooser *chooser = g_new0 (Chooser, 1);

  chooser->self = g_object_ref (self);
  chooser->func = func;
  chooser->data = data;
  chooser->data_free = data_free;
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  if (action == GTK_FILE_CHOOSER_ACTION_SAVE)
    _gp_ui_chooser_start_in_documents (GTK_FILE_CHOOSER (native));
  add_filters (GTK_FILE_CHOOSER (native), backup);
  if (suggested_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), suggested_name);
  g_signal_connect (native, "response", G_CALLBACK (chooser_response_cb), chooser);
  g_set_object (&self->chooser, GTK_NATIVE_DIALOG (native));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
  g_object_unref (native);
}

static void
file_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GpDashboardPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    show_error (self, error);
  else
    {
      g_autofree char *name = g_file_get_basename (G_FILE (object));
      g_autofree char *text = g_strdup_printf (_("Exported to “%s”"), name);

      show_toast (self, text);
    }
}

static void
exported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GpDashboardPage *self = g_task_get_source_object (task);
  GFile *file = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = gp_store_export_csv_finish (GP_STORE (object), result, &error);

  if (bytes == NULL)
    {
      show_error (self, error);
      return;
    }
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, file_written_cb, g_object_ref (self));
}

static void
export_chosen (GpDashboardPage *self,
               GFile           *file,
               gpointer         data)
{
  GpExportKind kind = GPOINTER_TO_INT (data);
  GTask *task = g_task_new (self, NULL, NULL, NULL);

  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  gp_store_export_csv_async (self->store, kind, self->cancellable, exported_cb, task);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  GpDashboardPage *self = GP_DASHBOARD_PAGE (widget);
  const char *what = g_variant_get_string (param, NULL);
  GpExportKind kind = GP_EXPORT_CLIENTS;
  g_autofree char *name = NULL;

  if (g_strcmp0 (what, "invoices") == 0)
    kind = GP_EXPORT_INVOICES;
  else if (g_strcmp0 (what, "tickets") == 0)
    kind = GP_EXPORT_TICKETS;
  else if (g_strcmp0 (what, "time") == 0)
    kind = GP_EXPORT_TIME;

  name = g_strdup_printf ("gigpilot-%s.csv", what);
  choose_file (self, GTK_FILE_CHOOSER_ACTION_SAVE, FALSE, _("Export as CSV"), _("_Export"), name,
               export_chosen, GINT_TO_POINTER (kind), NULL);
}

/* Import */

static void
imported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GpDashboardPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GpImport) import = gp_store_import_clients_finish (GP_STORE (object), result, &error);
  g_autofree char *text = NULL;

  if (import == NULL)
    {
      show_error (self, error);
      return;
    }
  text = g_strdup_printf (ngettext ("Imported %u client", "Imported %u clients", import->rows->len),
                          import->rows->len);
  show_toast (self, text);
}

static void
import_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    GBytes           *bytes)
{
  GpDashboardPage *self = g_object_get_data (G_OBJECT (dialog), "page");

  if (g_strcmp0 (response, "import") == 0 && self != NULL)
    gp_store_import_clients_async (self->store, bytes, TRUE, self->cancellable, imported_cb, g_object_ref (self));
}

static void
preview_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GpDashboardPage *self = g_task_get_source_object (task);
  GBytes *bytes = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GpImport) import = gp_store_import_clients_finish (GP_STORE (object), result, &error);
  g_autofree char *heading = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  AdwMessageDialog *dialog;
  GtkWidget *scrolled, *list;

  if (import == NULL)
    {
      show_error (self, error);
      return;
    }

  if (import->n_errors == 0)
    {
      heading = g_strdup_printf (ngettext ("Import %u Client?", "Import %u Clients?", import->rows->len),
                                 import->rows->len);
      g_string_append (body, _("Every row is good."));
    }
  else
    {
      heading = g_strdup (_("Some Rows Need Fixing"));
      g_string_append_printf (body, ngettext ("%u row has an error. Fix it in the file and import again: "
                                              "nothing is imported until every row is good.",
                                              "%u rows have errors. Fix them in the file and import again: "
                                              "nothing is imported until every row is good.",
                                              import->n_errors),
                              import->n_errors);
    }
  if (import->ignored_columns != NULL && import->ignored_columns[0] != NULL)
    {
      g_autofree char *columns = g_strjoinv (", ", import->ignored_columns);

      g_string_append_c (body, ' ');
      g_string_append_printf (body, _("These columns are not used: %s."), columns);
    }

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (get_window (self), heading, body->str));
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (guint i = 0; i < import->rows->len; i++)
    {
      GpImportRow *row = g_ptr_array_index (import->rows, i);
      GtkWidget *action_row = adw_action_row_new ();
      g_autofree char *title = g_strdup_printf (_("Line %u: %s"), row->line, row->name != NULL ? row->name : _("(no name)"));

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (action_row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (action_row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (action_row),
                                   row->error != NULL ? row->error : (row->email != NULL ? row->email : _("Ready")));
      if (row->error != NULL)
        gtk_widget_add_css_class (action_row, "error");
      gtk_list_box_append (GTK_LIST_BOX (list), action_row);
    }
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 320);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  adw_message_dialog_set_extra_child (dialog, scrolled);

  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "import", _("_Import"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "import", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dialog, "import", import->n_errors == 0);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "page", g_object_ref (self), g_object_unref);
  g_signal_connect_data (dialog, "response", G_CALLBACK (import_response_cb), g_bytes_ref (bytes),
                         (GClosureNotify)(void (*) (void))g_bytes_unref, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
import_file_loaded_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GpDashboardPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_file_load_bytes_finish (G_FILE (object), result, NULL, &error);
  GTask *task;

  if (bytes == NULL)
    {
      show_error (self, error);
      return;
    }
  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_task_data (task, g_bytes_ref (bytes), (GDestroyNotify)g_bytes_unref);
  gp_store_import_clients_async (self->store, bytes, FALSE, self->cancellable, preview_loaded_cb, task);
}

static void
import_chosen (GpDashboardPage *self,
               GFile           *file,
               gpointer         data)
{
  g_file_load_bytes_async (file, self->cancellable, import_file_loaded_cb, g_object_ref (self));
}

static void
import_clients_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  choose_file (GP_DASHBOARD_PAGE (widget), GTK_FILE_CHOOSER_ACTION_OPEN, FALSE, _("Import Clients from CSV"),
               _("_Open"), NULL, import_chosen, NULL, NULL);
}

/* Backup and restore */

static void
backed_up_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GpDashboardPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gp_store_backup_finish (GP_STORE (object), result, &error))
    show_error (self, error);
  else
    show_toast (self, _("Backup written"));
}

static void
backup_chosen (GpDashboardPage *self,
               GFile           *file,
               gpointer         data)
{
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    {
      show_toast (self, _("Choose a folder on this computer for the backup."));
      return;
    }
  gp_store_backup_async (self->store, path, self->cancellable, backed_up_cb, g_object_ref (self));
}

static void
backup_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *day = g_date_time_format (now, "%Y-%m-%d");
  /* Translators: the suggested file name of a backup; %s is the date */
  g_autofree char *name = g_strdup_printf (_("GigPilot backup %s.gigpilot"), day);

  choose_file (GP_DASHBOARD_PAGE (widget), GTK_FILE_CHOOSER_ACTION_SAVE, TRUE, _("Back Up Everything"),
               _("_Back Up"), name, backup_chosen, NULL, NULL);
}

static void
restored_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GpDashboardPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gp_store_restore_backup_finish (GP_STORE (object), result, &error))
    show_error (self, error);
  else
    show_toast (self, _("Backup restored"));
}

static void
restore_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     char             *path)
{
  GpDashboardPage *self = g_object_get_data (G_OBJECT (dialog), "page");

  if (g_strcmp0 (response, "restore") == 0 && self != NULL)
    gp_store_restore_backup_async (self->store, path, self->cancellable, restored_cb, g_object_ref (self));
}

static void
restore_chosen (GpDashboardPage *self,
                GFile           *file,
                gpointer         data)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  if (path == NULL)
    {
      show_toast (self, _("Choose a backup file on this computer."));
      return;
    }

  body = g_strdup_printf (_("Everything on this computer is replaced by “%s”. Changes made since that "
                            "backup are lost, unless they were synced: a sync brings those back."),
                          name);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (get_window (self), _("Restore This Backup?"), body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "restore", _("_Restore"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "restore", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "page", g_object_ref (self), g_object_unref);
  g_signal_connect_data (dialog, "response", G_CALLBACK (restore_response_cb), g_steal_pointer (&path),
                         (GClosureNotify)(void (*) (void))g_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
restore_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  choose_file (GP_DASHBOARD_PAGE (widget), GTK_FILE_CHOOSER_ACTION_OPEN, TRUE, _("Restore from a Backup"),
               _("_Open"), NULL, restore_chosen, NULL, NULL);
}

static void
gp_dashboard_page_dispose (GObject *object)
{
  GpDashboardPage *self = GP_DASHBOARD_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->report_cancellable);
  g_clear_handle_id (&self->reload_id, g_source_remove);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (self->chooser);
  g_clear_object (&self->chooser);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_DASHBOARD_PAGE);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->report_cancellable);
  g_clear_pointer (&self->report, gp_report_free);

  G_OBJECT_CLASS (gp_dashboard_page_parent_class)->dispose (object);
}

static void
gp_dashboard_page_class_init (GpDashboardPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_dashboard_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-dashboard-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GpDashboardPage, chart);
  gtk_widget_class_bind_template_child (widget_class, GpDashboardPage, figures_box);
  gtk_widget_class_bind_template_child (widget_class, GpDashboardPage, top_clients_group);
  gtk_widget_class_bind_template_child (widget_class, GpDashboardPage, top_clients_list);
  gtk_widget_class_bind_template_child (widget_class, GpDashboardPage, unbilled_row);

  gtk_widget_class_install_action (widget_class, "dashboard.estimate", NULL, estimate_action);
  gtk_widget_class_install_action (widget_class, "dashboard.invoice-time", NULL, invoice_time_action);
  gtk_widget_class_install_action (widget_class, "dashboard.export", "s", export_action);
  gtk_widget_class_install_action (widget_class, "dashboard.import-clients", NULL, import_clients_action);
  gtk_widget_class_install_action (widget_class, "dashboard.backup", NULL, backup_action);
  gtk_widget_class_install_action (widget_class, "dashboard.restore", NULL, restore_action);

  g_type_ensure (GP_TYPE_REVENUE_CHART);
}

static void
gp_dashboard_page_init (GpDashboardPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}

GpDashboardPage *
gp_dashboard_page_new (GpStore *store)
{
  GpDashboardPage *self = g_object_new (GP_TYPE_DASHBOARD_PAGE, NULL);

  if (store != NULL)
    {
      self->store = g_object_ref (store);
      g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
      gp_dashboard_page_reload (self);
    }

  return self;
}
