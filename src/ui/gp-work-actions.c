/* gp-work-actions.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-work-actions.h"

#include <glib/gi18n.h>

#include "gp-editor.h"
#include "gp-estimate-dialog.h"
#include "gp-history-dialog.h"
#include "gp-store-time.h"

static const char *
record_name (GpRecord *record)
{
  const char *table = gp_record_get_table (record);

  if (g_strcmp0 (table, "tickets") == 0)
    return gp_record_get_string (record, "title");
  if (g_strcmp0 (table, "invoices") == 0)
    return gp_record_get_string (record, "number");
  return gp_record_get_string (record, "name");
}

static void
history_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  GpEditor *editor = GP_EDITOR (widget);
  GpRecord *record = gp_editor_get_record (editor);
  GpHistoryDialog *dialog;

  /* A record not saved yet has no history. */
  if (record == NULL)
    return;

  dialog = gp_history_dialog_new (gp_editor_get_store (editor), gp_record_get_table (record),
                                  gp_record_get_id (record), record_name (record));
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (editor));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
estimate_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  GpEditor *editor = GP_EDITOR (widget);
  GpRecord *record = gp_editor_get_record (editor);
  const char *currency = NULL;
  GpEstimateDialog *dialog;

  if (record != NULL && g_strcmp0 (gp_record_get_table (record), "invoices") == 0)
    currency = gp_record_get_string (record, "currency");

  dialog = gp_estimate_dialog_new (gp_editor_get_store (editor), currency);
  if (record != NULL && g_strcmp0 (gp_record_get_table (record), "tickets") == 0)
    gp_estimate_dialog_set_description (dialog, gp_record_get_string (record, "title"));
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (editor));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
timer_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *started = NULL;
  g_autoptr(GpRecord) stopped = NULL;

  if (g_async_result_is_tagged (result, gp_store_timer_start_async))
    started = gp_store_timer_start_finish (GP_STORE (object), result, &error);
  else
    stopped = gp_store_timer_stop_finish (GP_STORE (object), result, &error);
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Timer: %s", error->message);
}

static void
running_for_toggle_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autofree char *ticket_id = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GpRecord) running = gp_store_timer_get_running_finish (GP_STORE (object), result, &error);

  if (error != NULL)
    return;

  /* The header shows the result: it follows the database. */
  if (running != NULL && g_strcmp0 (gp_record_get_string (running, "ticket_id"), ticket_id) == 0)
    gp_store_timer_stop_async (GP_STORE (object), NULL, timer_done_cb, NULL);
  else
    gp_store_timer_start_async (GP_STORE (object), ticket_id, NULL, NULL, timer_done_cb, NULL);
}

static void
toggle_timer_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  GpEditor *editor = GP_EDITOR (widget);
  GpRecord *record = gp_editor_get_record (editor);
  GpStore *store = gp_editor_get_store (editor);

  if (record == NULL || store == NULL || g_strcmp0 (gp_record_get_table (record), "tickets") != 0)
    return;

  gp_store_timer_get_running_async (store, NULL, running_for_toggle_cb, g_strdup (gp_record_get_id (record)));
}

void
_gp_work_install_editor_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "editor.history", NULL, history_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, GDK_CONTROL_MASK, "editor.history", NULL);
  gtk_widget_class_install_action (widget_class, "editor.estimate", NULL, estimate_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "editor.estimate", NULL);
  gtk_widget_class_install_action (widget_class, "editor.toggle-timer", NULL, toggle_timer_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK, "editor.toggle-timer", NULL);
}
