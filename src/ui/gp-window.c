/* gp-window.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gp-client-editor.h"
#include "gp-conflicts-page.h"
#include "gp-dashboard-page.h"
#include "gp-editor.h"
#include "gp-invoice-editor.h"
#include "gp-list-page.h"
#include "gp-paged-list.h"
#include "gp-chasing-page.h"
#include "gp-preferences-window.h"
#include "gp-record-list.h"
#include "gp-sync-indicator.h"
#include "gp-ticket-editor.h"
#include "gp-timer-indicator.h"
#include "gp-window.h"

struct _GpWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  GtkButton *back_button;
  GtkLabel *conflicts_badge;
  GtkListBoxRow *conflicts_row;
  GtkRevealer *damaged_revealer;
  AdwLeaflet *leaflet;
  GtkLabel *offline_label;
  GtkRevealer *offline_revealer;
  GtkStack *pages;
  GtkListBox *sidebar_list;
  GpSyncIndicator *sync_indicator;
  GpTimerIndicator *timer_indicator;
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;

  /* Owned */
  GpStore *store;
  GpSyncStatus *sync_status;
  GSettings *settings;
  GCancellable *cancellable;
  GpRecordList *clients;
  GpPagedList *prepared_invoices;   /* until the invoice page takes it */
  GHashTable *client_names;
  GPtrArray *deleted;
  AdwToast *undo_toast;
  AdwToast *conflicts_toast;
  guint known_conflicts;
  guint new_conflicts;
  guint ready_timeout;
  gulong ready_handler;
  gulong clients_ready_handler;

  /* Borrowed: children of pages */
  GpListPage *invoices_page;
  GpListPage *clients_page;
  GpListPage *tickets_page;
  GpConflictsPage *conflicts_page;
  GpDashboardPage *dashboard_page;
  GpChasingPage *chasing_page;
};

G_DEFINE_FINAL_TYPE (GpWindow, gp_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  PROP_SYNC_STATUS,
  PROP_INVOICES,
  PROP_CLIENTS,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static GtkWidget *ensure_page (GpWindow   *self,
                               const char *name);

static GpListPage *
get_current_list_page (GpWindow *self)
{
  GtkWidget *child = gtk_stack_get_visible_child (self->pages);

  return GP_IS_LIST_PAGE (child) ? GP_LIST_PAGE (child) : NULL;
}

static void
update_offline_banner (GpWindow *self)
{
  GpSyncState state = self->sync_status ? gp_sync_status_get_state (self->sync_status)
                                        : GP_SYNC_STATE_SIGNED_OUT;
  guint pending = _gp_ui_get_uint_property (G_OBJECT (self->store), "pending-count");
  g_autofree char *text = NULL;

  if (state == GP_SYNC_STATE_OFFLINE && pending > 0)
    {
      text = g_strdup_printf (ngettext ("You are offline. Your %u change is saved on this computer "
                                        "and will be sent as soon as the server can be reached.",
                                        "You are offline. Your %u changes are saved on this computer "
                                        "and will be sent as soon as the server can be reached.",
                                        pending),
                              pending);
      gtk_label_set_label (self->offline_label, text);
    }

  gtk_revealer_set_reveal_child (self->offline_revealer, text != NULL);
}

static void
update_conflicts_badge (GpWindow *self)
{
  guint n = _gp_ui_get_uint_property (G_OBJECT (self->store), "conflict-count");
  g_autofree char *text = g_strdup_printf ("%u", n);
  g_autofree char *a11y = g_strdup_printf (ngettext ("%u conflict", "%u conflicts", n), n);

  gtk_label_set_label (self->conflicts_badge, text);
  gtk_widget_set_visible (GTK_WIDGET (self->conflicts_badge), n > 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->conflicts_badge),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
}

static void
damaged_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     GpWindow         *self)
{
  if (g_strcmp0 (response, "restore") == 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.restore-backup", NULL);
}

/* A failed integrity check (after the window came up) stops every write; say so at once
 * in a dialog, and keep a banner with the way out for as long as it lasts. */
static void
damaged_changed_cb (GpWindow *self)
{
  gboolean damaged = self->store != NULL && gp_store_get_damaged (self->store);
  AdwMessageDialog *dialog;

  gtk_revealer_set_reveal_child (self->damaged_revealer, damaged);
  if (!damaged)
    return;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Database Damaged"),
    _("A check of GigPilot’s database found damage. Nothing more is saved, so the damage cannot "
      "spread. Restore your latest backup to go on; changes that were synced come back from the "
      "server with the next sync.")));
  adw_message_dialog_add_responses (dialog, "close", _("_Not Now"), "restore", _("_Restore from Backup…"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "restore", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "restore");
  adw_message_dialog_set_close_response (dialog, "close");
  g_signal_connect_object (dialog, "response", G_CALLBACK (damaged_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
restore_backup_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  GpWindow *self = GP_WINDOW (widget);

  /* The dashboard's restore asks for the file and confirms. */
  ensure_page (self, "dashboard");
  gp_window_show_page (self, "dashboard");
  gtk_widget_activate_action (GTK_WIDGET (self->dashboard_page), "dashboard.restore", NULL);
}

static void
rebuild_client_names (GpWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->clients));

  g_hash_table_remove_all (self->client_names);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GpRecord) client = g_list_model_get_item (G_LIST_MODEL (self->clients), i);
      const char *name = gp_record_get_string (client, "name");

      g_hash_table_insert (self->client_names,
                           g_strdup (gp_record_get_id (client)),
                           g_strdup (name ? name : ""));
    }

  /* The invoice list's first rows are read before the clients (as the database opens). */
  if (self->invoices_page != NULL)
    gp_list_page_update_client_names (self->invoices_page);
  if (self->tickets_page != NULL)
    gp_list_page_update_client_names (self->tickets_page);
}

static void
clients_changed_cb (GpWindow *self)
{
  rebuild_client_names (self);
}

static void
sidebar_row_selected_cb (GpWindow      *self,
                         GtkListBoxRow *row)
{
  const char *name;
  GtkStackPage *page;

  if (row == NULL)
    return;

  name = gtk_widget_get_name (GTK_WIDGET (row));
  ensure_page (self, name);
  gtk_stack_set_visible_child_name (self->pages, name);
  page = gtk_stack_get_page (self->pages, gtk_stack_get_visible_child (self->pages));
  adw_window_title_set_title (self->window_title, gtk_stack_page_get_title (page));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new", get_current_list_page (self) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", get_current_list_page (self) != NULL);
}

static void
sidebar_row_activated_cb (GpWindow      *self,
                          GtkListBoxRow *row)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
back_clicked_cb (GpWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static GtkWindow *
open_editor (GpWindow   *self,
             const char *table,
             GpRecord   *record)
{
  GtkWindow *editor;

  if (self->store == NULL)
    return NULL;

  if (g_strcmp0 (table, "invoices") == 0)
    editor = GTK_WINDOW (gp_invoice_editor_new (self->store, record, G_LIST_MODEL (self->clients)));
  else if (g_strcmp0 (table, "tickets") == 0)
    editor = GTK_WINDOW (gp_ticket_editor_new (self->store, record, G_LIST_MODEL (self->clients)));
  else
    editor = GTK_WINDOW (gp_client_editor_new (self->store, record));

  gtk_window_set_transient_for (editor, GTK_WINDOW (self));
  gtk_window_present (editor);

  return editor;
}

static void
record_activated_cb (GpWindow   *self,
                     GpRecord   *record,
                     GpListPage *page)
{
  open_editor (self, gp_record_get_table (record), record);
}

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  GpWindow *self = GP_WINDOW (widget);
  GpListPage *page = get_current_list_page (self);

  if (page != NULL)
    open_editor (self, gp_list_page_get_table (page), NULL);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  GpWindow *self = GP_WINDOW (widget);
  GpListPage *page = get_current_list_page (self);

  if (page != NULL)
    gp_list_page_start_search (page);
}

static void
undo_delete_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  GpWindow *self = GP_WINDOW (widget);

  if (self->deleted == NULL || self->store == NULL)
    return;

  gp_store_restore_async (self->store, self->deleted, self->cancellable, NULL, NULL);
  g_clear_pointer (&self->deleted, g_ptr_array_unref);
}

static void
conflicts_toast_dismissed_cb (GpWindow *self,
                              AdwToast *toast)
{
  if (self->conflicts_toast == toast)
    {
      g_clear_object (&self->conflicts_toast);
      self->new_conflicts = 0;
    }
}

/* Conflicts only ever come from a sync's pull: when their number grows during a sync, say so
 * once (a sync of several pages adds to the same toast) and offer to review them. */
static void
conflict_count_changed_cb (GpWindow *self)
{
  guint n = _gp_ui_get_uint_property (G_OBJECT (self->store), "conflict-count");
  gboolean syncing = self->sync_status != NULL
                     && gp_sync_status_get_state (self->sync_status) == GP_SYNC_STATE_SYNCING;
  g_autofree char *title = NULL;

  update_conflicts_badge (self);
  if (n <= self->known_conflicts || !syncing)
    {
      self->known_conflicts = n;
      return;
    }

  self->new_conflicts += n - self->known_conflicts;
  self->known_conflicts = n;
  title = g_strdup_printf (ngettext ("Sync found %u new conflict", "Sync found %u new conflicts",
                                     self->new_conflicts),
                           self->new_conflicts);
  if (self->conflicts_toast != NULL)
    {
      adw_toast_set_title (self->conflicts_toast, title);
      return;
    }

  self->conflicts_toast = g_object_ref (adw_toast_new (title));
  adw_toast_set_button_label (self->conflicts_toast, _("_Review"));
  adw_toast_set_action_name (self->conflicts_toast, "win.show-conflicts");
  adw_toast_set_priority (self->conflicts_toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_timeout (self->conflicts_toast, 10);
  g_signal_connect_object (self->conflicts_toast, "dismissed", G_CALLBACK (conflicts_toast_dismissed_cb),
                           self, G_CONNECT_SWAPPED);
  adw_toast_overlay_add_toast (self->toast_overlay, self->conflicts_toast);
}

static void
undo_toast_dismissed_cb (GpWindow *self,
                         AdwToast *toast)
{
  if (self->undo_toast == toast)
    g_clear_object (&self->undo_toast);
  g_clear_object (&self->conflicts_toast);
}

static void
record_deleted_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GpWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  const char *title;
  AdwToast *toast;

  removed = gp_store_delete_finish_removed (GP_STORE (object), result, &error);
  if (removed == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gp_window_add_toast (self, adw_toast_new (error->message));
      return;
    }

  g_clear_pointer (&self->deleted, g_ptr_array_unref);
  self->deleted = g_steal_pointer (&removed);

  title = _("Deleted");
  if (self->deleted->len > 0)
    {
      const char *table = gp_record_get_table (g_ptr_array_index (self->deleted, 0));

      if (g_strcmp0 (table, "invoices") == 0)
        title = _("Invoice deleted");
      else if (g_strcmp0 (table, "clients") == 0)
        title = _("Client deleted");
      else if (g_strcmp0 (table, "tickets") == 0)
        title = _("Ticket deleted");
    }

  if (self->undo_toast != NULL)
    adw_toast_dismiss (self->undo_toast);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo-delete");
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_timeout (toast, 10);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (undo_toast_dismissed_cb),
                           self, G_CONNECT_SWAPPED);
  g_set_object (&self->undo_toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  GpWindow *self = GP_WINDOW (widget);
  GpListPage *page = get_current_list_page (self);
  g_autoptr(GpRecord) record = NULL;

  if (page == NULL || self->store == NULL)
    return;

  record = gp_list_page_dup_selected (page);
  if (record == NULL)
    return;

  gp_store_delete_async (self->store,
                         gp_record_get_table (record),
                         gp_record_get_id (record),
                         self->cancellable,
                         record_deleted_cb,
                         g_object_ref (self));
}

static void
sync_now_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  GpWindow *self = GP_WINDOW (widget);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (self->sync_status != NULL &&
      gp_sync_status_get_state (self->sync_status) == GP_SYNC_STATE_SIGNED_OUT)
    {
      AdwToast *toast = adw_toast_new (_("Sign in to a sync server in Preferences to sync"));

      adw_toast_set_button_label (toast, _("_Preferences"));
      adw_toast_set_action_name (toast, "win.preferences");
      gp_window_add_toast (self, toast);
      return;
    }

  if (GP_IS_APPLICATION (app))
    gp_application_sync_now (GP_APPLICATION (app));
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  GpWindow *self = GP_WINDOW (widget);
  GpPreferencesWindow *prefs = gp_preferences_window_new (self->sync_status);

  gtk_window_set_transient_for (GTK_WINDOW (prefs), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
show_shortcuts_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/io/github/gigpilot/GigPilot/ui/gp-shortcuts-window.ui");
  GtkWindow *shortcuts = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));

  gtk_window_set_transient_for (shortcuts, GTK_WINDOW (widget));
  gtk_window_present (shortcuts);
}

static void
about_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  static const char *developers[] = { "The GigPilot authors", NULL };

  adw_show_about_window (GTK_WINDOW (widget),
                         "application-name", _("GigPilot"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", _("The GigPilot authors"),
                         "developers", developers,
                         "comments", _("Invoices, clients and tickets for freelancers, on your "
                                       "computer first and synced when you are online."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "website", "https://github.com/gigpilot/gigpilot",
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
show_conflicts_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  gp_window_show_page (GP_WINDOW (widget), "conflicts");
}

static GpEditor *
find_dirty_editor (GpWindow *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (GP_IS_EDITOR (window) &&
          gtk_window_get_transient_for (window) == GTK_WINDOW (self) &&
          gp_editor_is_dirty (GP_EDITOR (window)))
        return GP_EDITOR (window);
    }

  return NULL;
}

static gboolean
gp_window_close_request (GtkWindow *window)
{
  GpWindow *self = GP_WINDOW (window);
  GpEditor *editor = find_dirty_editor (self);
  gboolean maximized;
  int width, height;

  /* An editor with unsaved changes asks first; the window stays until it is dealt with. */
  if (editor != NULL)
    {
      gtk_window_present (GTK_WINDOW (editor));
      gtk_window_close (GTK_WINDOW (editor));
      return TRUE;
    }

  if (self->settings != NULL)
    {
      gtk_window_get_default_size (window, &width, &height);
      maximized = gtk_window_is_maximized (window);
      g_settings_set_boolean (self->settings, "window-maximized", maximized);
      if (!maximized)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
    }

  return GTK_WINDOW_CLASS (gp_window_parent_class)->close_request (window);
}

static GpListPage *
add_list_page (GpWindow   *self,
               const char *table,
               const char *title)
{
  GpListPage *page;
  GtkStackPage *stack_page;

  if (self->prepared_invoices != NULL && g_str_equal (table, "invoices"))
    page = gp_list_page_new_with_records (self->store, self->prepared_invoices);
  else
    page = gp_list_page_new (self->store, table);
  g_clear_object (&self->prepared_invoices);
  stack_page = gtk_stack_add_titled (self->pages, GTK_WIDGET (page), table, title);

  gtk_stack_page_set_name (stack_page, table);
  gp_list_page_set_client_names (page, self->client_names);
  g_signal_connect_object (page, "record-activated", G_CALLBACK (record_activated_cb),
                           self, G_CONNECT_SWAPPED);

  return page;
}

/* The pages behind the sidebar other than the first are built when first shown: each
 * reads from the store as it is created (the dashboard's report walks every invoice and
 * its lines), and none of that should come between starting GigPilot and its window.
 * "Needs Chasing" is built at once: its sidebar row shows how many invoices wait. */
static GtkWidget *
ensure_page (GpWindow   *self,
             const char *name)
{
  GtkWidget *child = gtk_stack_get_child_by_name (self->pages, name);

  if (child != NULL)
    return child;

  if (g_strcmp0 (name, "clients") == 0)
    self->clients_page = add_list_page (self, "clients", _("Clients"));
  else if (g_strcmp0 (name, "tickets") == 0)
    self->tickets_page = add_list_page (self, "tickets", _("Tickets"));
  else if (g_strcmp0 (name, "dashboard") == 0)
    {
      self->dashboard_page = gp_dashboard_page_new (self->store);
      gtk_stack_add_titled (self->pages, GTK_WIDGET (self->dashboard_page), "dashboard", _("Dashboard"));
    }
  else if (g_strcmp0 (name, "conflicts") == 0)
    {
      self->conflicts_page = gp_conflicts_page_new (self->store);
      gtk_stack_add_titled (self->pages, GTK_WIDGET (self->conflicts_page), "conflicts", _("Conflicts"));
    }

  return gtk_stack_get_child_by_name (self->pages, name);
}

static void
gp_window_constructed (GObject *object)
{
  GpWindow *self = GP_WINDOW (object);

  G_OBJECT_CLASS (gp_window_parent_class)->constructed (object);

  if (self->store != NULL)
    {
      if (self->clients == NULL)
        self->clients = gp_window_prepare_clients (self->store);
      g_signal_connect_object (self->clients, "items-changed", G_CALLBACK (clients_changed_cb),
                               self, G_CONNECT_SWAPPED);
      /* A list read ahead may be in already. */
      if (g_list_model_get_n_items (G_LIST_MODEL (self->clients)) > 0)
        rebuild_client_names (self);
      g_signal_connect_object (self->store, "notify::pending-count",
                               G_CALLBACK (update_offline_banner), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->store, "notify::conflict-count",
                               G_CALLBACK (conflict_count_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->store, "notify::damaged",
                               G_CALLBACK (damaged_changed_cb), self, G_CONNECT_SWAPPED);
      self->known_conflicts = _gp_ui_get_uint_property (G_OBJECT (self->store), "conflict-count");
    }

  self->invoices_page = add_list_page (self, "invoices", _("Invoices"));
  gp_timer_indicator_set_store (self->timer_indicator, self->store);
  /* Getting paid: "Needs Chasing", second in the sidebar, after Invoices. */
  self->chasing_page = gp_chasing_page_new (self->store, self->settings);
  gtk_stack_add_titled (self->pages, GTK_WIDGET (self->chasing_page), "chasing", _("Needs Chasing"));
  gtk_list_box_insert (self->sidebar_list, gp_chasing_page_create_sidebar_row (self->chasing_page), 1);
  g_signal_connect_object (self->chasing_page, "record-activated", G_CALLBACK (record_activated_cb),
                           self, G_CONNECT_SWAPPED);

  gp_sync_indicator_set_store (self->sync_indicator, G_OBJECT (self->store));
  gp_sync_indicator_set_status (self->sync_indicator, self->sync_status);
  if (self->sync_status != NULL)
    g_signal_connect_object (self->sync_status, "notify::state",
                             G_CALLBACK (update_offline_banner), self, G_CONNECT_SWAPPED);

  gtk_list_box_select_row (self->sidebar_list, GTK_LIST_BOX_ROW (gtk_widget_get_first_child (GTK_WIDGET (self->sidebar_list))));
  update_offline_banner (self);
  update_conflicts_badge (self);
  if (self->store != NULL && gp_store_get_damaged (self->store))
    damaged_changed_cb (self);
}

static void
gp_window_dispose (GObject *object)
{
  GpWindow *self = GP_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->ready_timeout, g_source_remove);
  if (self->ready_handler != 0 && self->invoices_page != NULL)
    g_clear_signal_handler (&self->ready_handler, gp_list_page_get_model (self->invoices_page));

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_WINDOW);

  g_clear_object (&self->undo_toast);
  g_clear_object (&self->clients);
  g_clear_object (&self->prepared_invoices);
  g_clear_object (&self->store);
  g_clear_object (&self->sync_status);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->deleted, g_ptr_array_unref);
  g_clear_pointer (&self->client_names, g_hash_table_unref);

  G_OBJECT_CLASS (gp_window_parent_class)->dispose (object);
}

static void
gp_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  GpWindow *self = GP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_SYNC_STATUS:
      g_value_set_object (value, self->sync_status);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  GpWindow *self = GP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    case PROP_SYNC_STATUS:
      self->sync_status = g_value_dup_object (value);
      break;

    case PROP_INVOICES:
      self->prepared_invoices = g_value_dup_object (value);
      break;

    case PROP_CLIENTS:
      self->clients = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_window_class_init (GpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = gp_window_constructed;
  object_class->dispose = gp_window_dispose;
  object_class->get_property = gp_window_get_property;
  object_class->set_property = gp_window_set_property;
  window_class->close_request = gp_window_close_request;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         GP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SYNC_STATUS] =
    g_param_spec_object ("sync-status", NULL, NULL,
                         GP_TYPE_SYNC_STATUS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The invoice list read ahead by the application (gp_list_page_prepare_records()). */
  properties[PROP_INVOICES] =
    g_param_spec_object ("invoices", NULL, NULL,
                         GP_TYPE_PAGED_LIST,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The clients, sorted by name, read ahead by the application likewise. */
  properties[PROP_CLIENTS] =
    g_param_spec_object ("clients", NULL, NULL,
                         GP_TYPE_RECORD_LIST,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/gigpilot/GigPilot/ui/gp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GpWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, conflicts_badge);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, conflicts_row);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, damaged_revealer);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, offline_label);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, sync_indicator);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, timer_indicator);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, GpWindow, window_title);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_row_selected_cb);

  gtk_widget_class_install_action (widget_class, "win.new", NULL, new_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new", NULL);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_install_action (widget_class, "win.delete", NULL, delete_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.delete", NULL);
  gtk_widget_class_install_action (widget_class, "win.undo-delete", NULL, undo_delete_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo-delete", NULL);
  gtk_widget_class_install_action (widget_class, "win.sync-now", NULL, sync_now_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.sync-now", NULL);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "win.preferences", NULL);
  gtk_widget_class_install_action (widget_class, "win.show-shortcuts", NULL, show_shortcuts_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_question, GDK_CONTROL_MASK, "win.show-shortcuts", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_question, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.show-shortcuts", NULL);
  gtk_widget_class_install_action (widget_class, "win.about", NULL, about_action);
  gtk_widget_class_install_action (widget_class, "win.show-conflicts", NULL, show_conflicts_action);
  gtk_widget_class_install_action (widget_class, "win.restore-backup", NULL, restore_backup_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_q, GDK_CONTROL_MASK, "app.quit", NULL);

  g_type_ensure (GP_TYPE_SYNC_INDICATOR);
  g_type_ensure (GP_TYPE_TIMER_INDICATOR);
}

static void
gp_window_init (GpWindow *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->client_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.gigpilot.GigPilot", TRUE);
  if (schema != NULL)
    {
      self->settings = g_settings_new ("io.github.gigpilot.GigPilot");
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }

  if (DEVELOPMENT)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

/**
 * gp_window_prepare_clients:
 * @store: the store
 *
 * Starts reading the clients a window lists its invoices' and tickets' names from,
 * sorted by name, at once: the application does so as the database opens. Hand the list
 * to the window as GpWindow:clients.
 *
 * Returns: (transfer full): the list, its read under way
 */
GpRecordList *
gp_window_prepare_clients (GpStore *store)
{
  GpRecordList *clients = gp_record_list_new (store, "clients");

  gp_record_list_set_sort (clients, "name", FALSE);
  gp_record_list_flush (clients);
  return clients;
}

GpWindow *
gp_window_new (GpApplication *application)
{
  g_autoptr(GpPagedList) invoices = gp_application_take_invoices (application);
  g_autoptr(GpRecordList) clients = gp_application_take_clients (application);

  return g_object_new (GP_TYPE_WINDOW,
                       "application", application,
                       "store", gp_application_get_store (application),
                       "sync-status", gp_application_get_sync_status (application),
                       "invoices", invoices,
                       "clients", clients,
                       NULL);
}

void
gp_window_show_page (GpWindow   *self,
                     const char *name)
{
  GtkWidget *row;

  g_return_if_fail (GP_IS_WINDOW (self));

  for (row = gtk_widget_get_first_child (GTK_WIDGET (self->sidebar_list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      if (g_strcmp0 (gtk_widget_get_name (row), name) == 0)
        {
          gtk_list_box_select_row (self->sidebar_list, GTK_LIST_BOX_ROW (row));
          adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
          break;
        }
    }
}

/* How long a new window waits for its first rows before it shows without them. */
#define READY_TIMEOUT_MS 250

static void
present_now (GpWindow *self)
{
  g_clear_handle_id (&self->ready_timeout, g_source_remove);
  if (self->ready_handler != 0)
    g_clear_signal_handler (&self->ready_handler, gp_list_page_get_model (self->invoices_page));
  if (self->clients_ready_handler != 0)
    g_clear_signal_handler (&self->clients_ready_handler, self->clients);
  gtk_window_present (GTK_WINDOW (self));
}

/* The invoice rows and the client names they show are both in. */
static gboolean
first_rows_ready (GpWindow *self)
{
  GListModel *model = gp_list_page_get_model (self->invoices_page);

  return (model == NULL || !gp_paged_list_get_loading (GP_PAGED_LIST (model))) &&
         (self->clients == NULL || !gp_record_list_get_loading (self->clients));
}

static void
first_rows_loaded_cb (GpWindow *self)
{
  if (first_rows_ready (self))
    present_now (self);
}

static gboolean
ready_timeout_cb (gpointer user_data)
{
  GpWindow *self = user_data;

  self->ready_timeout = 0;
  present_now (self);
  return G_SOURCE_REMOVE;
}

/**
 * gp_window_present_when_ready:
 * @self: a new #GpWindow
 *
 * Presents the window once the invoice list has its count and first rows (read as
 * the database opened, or while the window was being built) and the client names they
 * show, so its first frame shows them instead of an empty list; after READY_TIMEOUT_MS
 * it shows regardless.
 */
void
gp_window_present_when_ready (GpWindow *self)
{
  GListModel *model;

  g_return_if_fail (GP_IS_WINDOW (self));

  if (first_rows_ready (self))
    {
      gtk_window_present (GTK_WINDOW (self));
      return;
    }

  model = gp_list_page_get_model (self->invoices_page);
  if (self->ready_handler == 0 && model != NULL)
    self->ready_handler = g_signal_connect_swapped (model, "notify::loading",
                                                    G_CALLBACK (first_rows_loaded_cb), self);
  if (self->clients_ready_handler == 0 && self->clients != NULL)
    self->clients_ready_handler = g_signal_connect_swapped (self->clients, "notify::loading",
                                                            G_CALLBACK (first_rows_loaded_cb), self);
  if (self->ready_timeout == 0)
    self->ready_timeout = g_timeout_add (READY_TIMEOUT_MS, ready_timeout_cb, self);
}

void
gp_window_add_toast (GpWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (GP_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}
