/* test-chasing-page.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "gp-billing.h"
#include "gp-chasing-page.h"
#include "gp-invoice-preview.h"
#include "gp-payments-group.h"
#include "gp-reminder-dialog.h"
#include "gp-ui-util.h"
#include "gp-window.h"
#include "gp-store-test-utils.h"

/* The "Needs Chasing" page on a real store under Xvfb: an overdue invoice shows its due
 * reminder, the reminder dialog drafts it from the template, sending it records the step
 * and moves the invoice on the ladder. Set GP_TEST_KEEP_PDF=<dir> to keep screenshots. */

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_until (gboolean (*done) (gpointer),
            gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint wake = g_timeout_add (50, wake_cb, NULL);

  while (!done (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
}

static gboolean
has_due (gpointer data)
{
  return gp_chasing_page_get_n_due (data) == 1;
}

static gboolean
none_due (gpointer data)
{
  return gp_chasing_page_get_n_due (data) == 0;
}

static GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) && gtk_widget_get_mapped (child) &&
          (label == NULL || (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0) ||
           (ADW_IS_PREFERENCES_ROW (child) &&
            strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)), label) != NULL)))
        return child;
      found = find_widget (child, type, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* What the X server shows (Xvfb, no window manager: windows sit at the top left). */
static void
screenshot (GtkWidget  *window,
            const char *name)
{
  const char *keep = g_getenv ("GP_TEST_KEEP_PDF");
  g_autofree char *path = NULL;
  g_autofree char *geometry = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (keep == NULL)
    return;
  gtk_test_widget_wait_for_draw (window);
  path = g_strdup_printf ("%s/%s.png", keep, name);
  geometry = g_strdup_printf ("%dx%d+0+0", gtk_widget_get_width (window), gtk_widget_get_height (window));
  {
    const char *argv[] = { "import", "-window", "root", "-crop", geometry, path, NULL };

    g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                  G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error);
  }
  g_assert_no_error (error);
}

static GpReminderDialog *
find_dialog (void)
{
  g_autoptr(GListModel) toplevels = gtk_window_get_toplevels ();

  g_object_ref (toplevels);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (GP_IS_REMINDER_DIALOG (window))
        return GP_REMINDER_DIALOG (window);
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL && gtk_widget_get_mapped (GTK_WIDGET (find_dialog ()));
}

static gboolean
dialog_gone (gpointer data)
{
  return find_dialog () == NULL;
}

static void
test_ladder_on_page (void)
{
  g_autofree char *dir = gp_test_make_dir ();
  g_autofree char *path = g_build_filename (dir, "gigpilot.db", NULL);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.gigpilot.GigPilot");
  GpStore *store = gp_test_open_store (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *client = NULL;
  g_autofree char *late = NULL;
  g_autofree char *fresh = NULL;
  g_autofree char *json = NULL;
  g_autofree char *body = NULL;
  g_autofree char *device = NULL;
  GtkWidget *window = adw_window_new ();
  GpChasingPage *page;
  GtkWidget *button;
  GpReminderDialog *dialog;

  g_settings_set_string (settings, "business-name", "Nordlicht Design Studio");
  client = gp_test_save (store, "clients", NULL,
                         "{\"name\": \"Ευάγγελος Παπαδόπουλος\", \"email\": \"e.papadopoulos@example.gr\"}", &error);
  g_assert_no_error (error);
  json = g_strdup_printf ("{\"client_id\": \"%s\", \"number\": \"2026-0042\", \"issued_on\": \"2026-03-01\", "
                          "\"due_on\": \"2026-03-31\"}", client);
  late = gp_test_save (store, "invoices", NULL, json, &error);
  g_free (json);
  json = g_strdup_printf ("{\"invoice_id\": \"%s\", \"description\": \"Design\", \"quantity\": 2000, "
                          "\"unit_price\": 45000, \"tax_rate\": 1900}", late);
  g_free (gp_test_save (store, "invoice_lines", NULL, json, &error));
  g_free (gp_test_save (store, "invoices", late, "{\"status\": \"sent\"}", &error));
  g_free (json);
  json = g_strdup_printf ("{\"client_id\": \"%s\", \"number\": \"2026-0051\", "
                          "\"issued_on\": \"2026-04-01\", \"due_on\": \"2026-04-05\"}", client);
  fresh = gp_test_save (store, "invoices", NULL, json, &error);
  g_assert_no_error (error);
  g_free (json);
  json = g_strdup_printf ("{\"invoice_id\": \"%s\", \"description\": \"Hosting\", \"unit_price\": 2500}", fresh);
  g_free (gp_test_save (store, "invoice_lines", NULL, json, &error));
  g_free (gp_test_save (store, "invoices", fresh, "{\"status\": \"sent\"}", &error));
  g_assert_no_error (error);

  page = gp_chasing_page_new (store, settings);
  gtk_window_set_default_size (GTK_WINDOW (window), 760, 560);
  adw_window_set_content (ADW_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));

  /* The clock says 10 April: 2026-0042 is 10 days late, its polite reminder (7 days) is due;
   * 2026-0051 is overdue but nothing is due yet. */
  gp_chasing_page_set_today (page, "2026-04-10");
  g_test_message ("passed: %s", G_STRINGIFY (__LINE__));
  wait_until (has_due, page);
  gtk_test_widget_wait_for_draw (window);
  g_assert_nonnull (find_widget (window, ADW_TYPE_ACTION_ROW, "2026-0042"));
  g_assert_nonnull (find_widget (window, ADW_TYPE_ACTION_ROW, "2026-0051"));
  screenshot (window, "chasing-page");
  g_test_message ("passed: %s", G_STRINGIFY (__LINE__));

  button = find_widget (window, GTK_TYPE_BUTTON, "Draft Polite Reminder…");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  wait_until (dialog_shown, NULL);
  g_test_message ("passed: %s", G_STRINGIFY (__LINE__));
  dialog = find_dialog ();
  gtk_test_widget_wait_for_draw (GTK_WIDGET (dialog));
  screenshot (GTK_WIDGET (dialog), "reminder-dialog");

  body = gp_reminder_dialog_dup_body (dialog);
  g_assert_nonnull (strstr (body, "Ευάγγελος Παπαδόπουλος"));
  /* The letter names the due date as the invoice does, not as stored. */
  g_assert_nonnull (strstr (body, "31 March 2026"));
  g_assert_null (strstr (body, "2026-03-31"));
  g_assert_nonnull (strstr (body, "2026-0042"));
  g_assert_nonnull (strstr (body, "€1,071.00"));
  g_assert_nonnull (strstr (body, "10 days overdue"));
  g_assert_nonnull (strstr (body, "Nordlicht Design Studio"));

  /* Copying it records the step as sent; the page moves the invoice on. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "reminder.copy", NULL));
  g_test_message ("passed: %s", G_STRINGIFY (__LINE__));
  wait_until (dialog_gone, NULL);
  g_test_message ("passed: %s", G_STRINGIFY (__LINE__));
  wait_until (none_due, page);
  g_test_message ("passed: %s", G_STRINGIFY (__LINE__));
  g_assert_cmpint (gp_test_sql_int (path, "SELECT count(*) FROM reminders WHERE step = 1 AND sent_at IS NOT NULL"), ==, 1);
  device = gp_test_sql_text (path, "SELECT sent_by_device FROM reminders");
  g_assert_cmpstr (device, ==, g_get_host_name ());
  gtk_test_widget_wait_for_draw (window);
  g_assert_nonnull (find_widget (window, ADW_TYPE_ACTION_ROW, "2026-0042"));
  screenshot (window, "chasing-page-after");

  gtk_window_destroy (GTK_WINDOW (window));
  /* Let commands still on the store thread come back before the store goes. */
  gp_test_iterate (300);
  gp_test_close_store (store);
  gp_test_remove_dir (dir);
}

static gboolean
preview_ready (gpointer data)
{
  return gp_invoice_preview_is_ready (data);
}

static gboolean
has_row (gpointer data)
{
  GtkWidget **args = data;

  return find_widget (args[0], ADW_TYPE_ACTION_ROW, (const char *)args[1]) != NULL;
}

/* The invoice editor's "Getting Paid" group and the PDF preview, on a real store. */
static void
test_preview_and_payments (void)
{
  g_autofree char *dir = gp_test_make_dir ();
  g_autofree char *path = g_build_filename (dir, "gigpilot.db", NULL);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.gigpilot.GigPilot");
  GpStore *store = gp_test_open_store (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *client = NULL;
  g_autofree char *invoice = NULL;
  g_autofree char *json = NULL;
  g_autofree char *payment = NULL;
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GpInvoicePreview *preview;
  GpPaymentsGroup *group;
  gpointer owed_args[2], paid_args[2];

  g_settings_set_string (settings, "business-name", "Nordlicht Design Studio");
  g_settings_set_string (settings, "business-bank-account", "IBAN DE02 4306 0967 1234 5678 00");
  client = gp_test_save (store, "clients", NULL, "{\"name\": \"山田 太郎\", \"address\": \"東京都渋谷区 1-2-3\"}", &error);
  g_assert_no_error (error);
  json = g_strdup_printf ("{\"client_id\": \"%s\", \"number\": \"2026-0077\", \"issued_on\": \"2026-03-01\", "
                          "\"due_on\": \"2026-03-31\"}", client);
  invoice = gp_test_save (store, "invoices", NULL, json, &error);
  g_free (json);
  json = g_strdup_printf ("{\"invoice_id\": \"%s\", \"description\": \"翻訳 (translation)\", \"quantity\": 3000, "
                          "\"unit_price\": 12000, \"tax_rate\": 1000}", invoice);
  g_free (gp_test_save (store, "invoice_lines", NULL, json, &error));
  g_free (gp_test_save (store, "invoices", invoice, "{\"status\": \"sent\"}", &error));
  g_assert_no_error (error);

  preview = gp_invoice_preview_new (NULL, store, invoice);
  gtk_window_present (GTK_WINDOW (preview));
  wait_until (preview_ready, preview);
  g_assert_cmpuint (gp_invoice_preview_get_n_pages (preview), ==, 1);
  screenshot (GTK_WIDGET (preview), "invoice-preview");
  gtk_window_destroy (GTK_WINDOW (preview));

  group = gp_payments_group_new (store, invoice);
  gtk_widget_set_margin_start (GTK_WIDGET (group), 24);
  gtk_widget_set_margin_end (GTK_WIDGET (group), 24);
  gtk_widget_set_margin_top (GTK_WIDGET (group), 24);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (group));
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 420);
  gtk_window_present (GTK_WINDOW (window));
  owed_args[0] = window;
  owed_args[1] = (gpointer)"Still Owed";
  wait_until (has_row, owed_args);
  g_assert_nonnull (find_widget (window, GTK_TYPE_BUTTON, "Record _Payment…"));

  /* A payment recorded elsewhere (the store command the dialog uses) shows up by itself. */
  gp_billing_add_payment_async (store, invoice, 10000, "2026-04-02", "Bank transfer", NULL, NULL,
                                gp_test_result_cb, &result);
  payment = gp_billing_add_payment_finish (store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  paid_args[0] = window;
  /* The date as the locale (C here) writes it, not the stored ISO text. */
  paid_args[1] = (gpointer)"Payment on 04/02/26";
  wait_until (has_row, paid_args);
  screenshot (window, "getting-paid-group");

  gtk_window_destroy (GTK_WINDOW (window));
  /* Let commands still on the store thread come back before the store goes. */
  gp_test_iterate (300);
  gp_test_close_store (store);
  gp_test_remove_dir (dir);
}

static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LIST_BOX_ROW (child) && g_strcmp0 (gtk_widget_get_name (child), name) == 0)
        return child;
      found = find_named (child, name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
window_has_due (gpointer data)
{
  return find_widget (data, GTK_TYPE_BUTTON, "Draft Polite Reminder…") != NULL;
}

/* The page in the real window: second in the sidebar, judged by the real date. */
static void
test_in_window (void)
{
  g_autofree char *dir = gp_test_make_dir ();
  g_autofree char *path = g_build_filename (dir, "gigpilot.db", NULL);
  GpStore *store = gp_test_open_store (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *client = NULL;
  g_autofree char *invoice = NULL;
  g_autofree char *json = NULL;
  GtkWidget *window;
  GtkWidget *row;

  client = gp_test_save (store, "clients", NULL, "{\"name\": \"Иван Петров\"}", &error);
  json = g_strdup_printf ("{\"client_id\": \"%s\", \"number\": \"2026-0013\", \"issued_on\": \"2026-01-02\", "
                          "\"due_on\": \"2026-02-01\"}", client);
  invoice = gp_test_save (store, "invoices", NULL, json, &error);
  g_free (json);
  json = g_strdup_printf ("{\"invoice_id\": \"%s\", \"description\": \"Audit\", \"unit_price\": 88000}", invoice);
  g_free (gp_test_save (store, "invoice_lines", NULL, json, &error));
  g_free (gp_test_save (store, "invoices", invoice, "{\"status\": \"sent\"}", &error));
  g_assert_no_error (error);

  window = g_object_new (GP_TYPE_WINDOW, "store", store, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 640);
  gtk_window_present (GTK_WINDOW (window));
  gp_window_show_page (GP_WINDOW (window), "chasing");
  wait_until (window_has_due, window);

  /* The sidebar row sits right after Invoices. */
  row = find_named (window, "invoices");
  g_assert_nonnull (row);
  g_assert_cmpstr (gtk_widget_get_name (gtk_widget_get_next_sibling (row)), ==, "chasing");
  screenshot (window, "window-needs-chasing");

  gtk_window_destroy (GTK_WINDOW (window));
  gp_test_iterate (300);
  gp_test_close_store (store);
  gp_test_remove_dir (dir);
}

/* Dates are read in the user's locale; what is not a date stays as it is. */
static void
test_dates (void)
{
  g_autofree char *saved = g_strdup (setlocale (LC_TIME, NULL));
  g_autofree char *c = _gp_ui_format_date ("2026-04-02");
  g_autofree char *bad_month = _gp_ui_format_date ("2026-13-01");
  g_autofree char *words = _gp_ui_format_date ("soon");
  g_autofree char *longer = _gp_ui_format_date ("2026-04-02T10:00");

  g_assert_cmpstr (c, ==, "04/02/26");
  g_assert_cmpstr (bad_month, ==, "2026-13-01");
  g_assert_cmpstr (words, ==, "soon");
  g_assert_cmpstr (longer, ==, "2026-04-02T10:00");
  g_assert_null (_gp_ui_format_date (NULL));

  if (setlocale (LC_TIME, "de_DE.UTF-8") != NULL)
    {
      g_autofree char *de = _gp_ui_format_date ("2026-04-02");

      g_assert_cmpstr (de, ==, "02.04.2026");
      setlocale (LC_TIME, saved);
    }
  else
    g_test_message ("no de_DE.UTF-8 locale here: German date format not checked");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/chasing-page/dates", test_dates);
  g_test_add_func ("/chasing-page/ladder", test_ladder_on_page);
  g_test_add_func ("/chasing-page/preview-and-payments", test_preview_and_payments);
  g_test_add_func ("/chasing-page/in-window", test_in_window);

  return g_test_run ();
}
