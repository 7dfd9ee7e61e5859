/* gp-history-dialog.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-history-dialog.h"

#include <glib/gi18n.h>

/* A record's audit trail: every change of every field, newest first, with when it happened
 * and whether it was made on this computer or arrived with a sync. Read from the store's
 * append-only history table on the store thread. */

struct _GpHistoryDialog
{
  AdwWindow parent_instance;

  /* Owned */
  GpStore *store;
  GCancellable *cancellable;

  /* Borrowed */
  GtkListBox *list;
  GtkStack *stack;
};

G_DEFINE_FINAL_TYPE (GpHistoryDialog, gp_history_dialog, ADW_TYPE_WINDOW)

static char *
field_title (const char *field)
{
  g_autofree char *spaced = g_strdup (field);

  g_strdelimit (spaced, "_", ' ');
  if (spaced[0] != '\0')
    spaced[0] = g_ascii_toupper (spaced[0]);
  return g_steal_pointer (&spaced);
}

static char *
describe_entry (GpHistoryEntry *entry)
{
  g_autofree char *field = NULL;

  if (g_strcmp0 (entry->field, "*") == 0)
    return g_strdup (entry->new_value == NULL ? _("Deleted") : _("Restored"));

  field = field_title (entry->field);
  if (entry->old_value == NULL)
    /* Translators: a field set when the record was made: "Title: Fix login" */
    return g_strdup_printf (_("%s: %s"), field, entry->new_value != NULL ? entry->new_value : "");
  /* Translators: a changed field: "Status: open → done" */
  return g_strdup_printf (_("%s: %s → %s"), field, entry->old_value,
                          entry->new_value != NULL ? entry->new_value : _("(empty)"));
}

static void
history_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GpHistoryDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = gp_store_history_finish (GP_STORE (object), result, &error);

  /* The dialog went away while the store worked. */
  if (self->store == NULL)
    return;

  if (entries == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          GtkWidget *status = gtk_stack_get_child_by_name (self->stack, "empty");

          adw_status_page_set_description (ADW_STATUS_PAGE (status), error->message);
          gtk_stack_set_visible_child_name (self->stack, "empty");
        }
      return;
    }

  for (guint i = entries->len; i > 0; i--)
    {
      GpHistoryEntry *entry = g_ptr_array_index (entries, i - 1);
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (entry->at / 1000);
      g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;
      g_autofree char *when = local != NULL ? g_date_time_format (local, "%x %X") : g_strdup ("?");
      g_autofree char *title = describe_entry (entry);
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", when,
                                                   g_strcmp0 (entry->origin, "remote") == 0
                                                   ? _("from a sync") : _("on this computer"));
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
      gtk_list_box_append (self->list, row);
    }

  gtk_stack_set_visible_child_name (self->stack, entries->len > 0 ? "list" : "empty");
}

static void
gp_history_dialog_dispose (GObject *object)
{
  GpHistoryDialog *self = GP_HISTORY_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gp_history_dialog_parent_class)->dispose (object);
}

static void
gp_history_dialog_class_init (GpHistoryDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_history_dialog_dispose;

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
gp_history_dialog_init (GpHistoryDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *empty = adw_status_page_new ();

  self->cancellable = g_cancellable_new ();

  gtk_window_set_default_size (GTK_WINDOW (self), 520, 560);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_box_append (GTK_BOX (box), header);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_widget_set_margin_top (GTK_WIDGET (self->list), 18);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->list), 18);
  gtk_widget_set_margin_start (GTK_WIDGET (self->list), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->list), 12);
  gtk_widget_set_valign (GTK_WIDGET (self->list), GTK_ALIGN_START);
  adw_clamp_set_child (ADW_CLAMP (clamp), GTK_WIDGET (self->list));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "document-open-recent-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No History Yet"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty), _("Changes to this record will be listed here."));

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, gtk_spinner_new (), "loading");
  gtk_stack_add_named (self->stack, scrolled, "list");
  gtk_stack_add_named (self->stack, empty, "empty");
  gtk_stack_set_visible_child_name (self->stack, "loading");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));

  adw_window_set_content (ADW_WINDOW (self), box);
}

/**
 * gp_history_dialog_new:
 * @store: (nullable): the store
 * @table: the record's table
 * @id: the record's id
 * @title: (nullable): what the record is called, for the title
 *
 * Returns: (transfer full): a dialog listing the record's history
 */
GpHistoryDialog *
gp_history_dialog_new (GpStore    *store,
                       const char *table,
                       const char *id,
                       const char *title)
{
  GpHistoryDialog *self = g_object_new (GP_TYPE_HISTORY_DIALOG, NULL);
  g_autofree char *window_title = NULL;

  g_return_val_if_fail (table != NULL && id != NULL, self);

  /* Translators: the title of a record's history window; %s is the record's name */
  window_title = title != NULL && title[0] != '\0' ? g_strdup_printf (_("History of “%s”"), title)
                                                   : g_strdup (_("History"));
  gtk_window_set_title (GTK_WINDOW (self), window_title);

  if (store != NULL)
    {
      self->store = g_object_ref (store);
      gp_store_history_async (store, table, id, self->cancellable, history_loaded_cb, g_object_ref (self));
    }
  return self;
}
