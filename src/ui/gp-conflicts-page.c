/* gp-conflicts-page.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "gp-conflict-dialog.h"
#include "gp-conflicts-page.h"
#include "gp-store-sync.h"
#include "gp-ui-util.h"

/* Lists the records with an open sync conflict; each opens the conflict dialog. */

struct _GpConflictsPage
{
  GtkBox parent_instance;

  /* Template widgets */
  GtkListBox *list_box;
  GtkStack *stack;

  /* Owned */
  GpStore *store;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (GpConflictsPage, gp_conflicts_page, GTK_TYPE_BOX)

static void
gp_conflicts_page_dispose (GObject *object)
{
  GpConflictsPage *self = GP_CONFLICTS_PAGE (object);

  g_cancellable_cancel (self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_CONFLICTS_PAGE);

  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gp_conflicts_page_parent_class)->dispose (object);
}

static void
gp_conflicts_page_class_init (GpConflictsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_conflicts_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-conflicts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GpConflictsPage, list_box);
  gtk_widget_class_bind_template_child (widget_class, GpConflictsPage, stack);
}

static void
gp_conflicts_page_init (GpConflictsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}

GpConflictsPage *
gp_conflicts_page_new (GpStore *store)
{
  GpConflictsPage *self = g_object_new (GP_TYPE_CONFLICTS_PAGE, NULL);

  if (store != NULL)
    {
      self->store = g_object_ref (store);
      g_signal_connect_object (store, "notify::conflict-count",
                               G_CALLBACK (gp_conflicts_page_reload), self, G_CONNECT_SWAPPED);
    }
  gp_conflicts_page_reload (self);

  return self;
}

static void
resolve_clicked_cb (GtkButton       *button,
                    GpConflictsPage *self)
{
  GpConflict *conflict = g_object_get_data (G_OBJECT (button), "gp-conflict");

  gp_conflicts_page_open (self, conflict);
}

static const char *
describe_kind (GpConflictKind kind)
{
  switch (kind)
    {
    case GP_CONFLICT_REMOTE_DELETE:
      return _("Deleted on another device, changed here");
    case GP_CONFLICT_LOCAL_DELETE:
      return _("Deleted here, changed on another device");
    case GP_CONFLICT_DUPLICATE_NUMBER:
      return _("Same invoice number as another invoice");
    case GP_CONFLICT_DOUBLE_BILLED:
      return _("Bills time already billed on another device");
    case GP_CONFLICT_EDIT:
    case GP_CONFLICT_NONE:
    default:
      return _("Changed here and on another device");
    }
}

static char *
conflict_title (GpConflict *conflict)
{
  g_autoptr(JsonObject) mine = json_object_new ();
  g_autoptr(GList) members = conflict->fields ? json_object_get_members (conflict->fields) : NULL;

  /* Title the row from what the fields say about the record, where they say it. */
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (conflict->fields, l->data);

      if (JSON_NODE_HOLDS_OBJECT (node) && json_object_has_member (json_node_get_object (node), "mine"))
        json_object_set_member (mine, l->data,
                                json_node_copy (json_object_get_member (json_node_get_object (node), "mine")));
    }

  return _gp_ui_record_title (conflict->table, mine);
}

static void
conflicts_listed_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GpConflictsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = gp_store_sync_list_conflicts_finish (GP_STORE (object), result, &error);
  GtkWidget *child;

  if (conflicts == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not list conflicts: %s", error->message);
      return;
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);

  for (guint i = 0; i < conflicts->len; i++)
    {
      GpConflict *conflict = g_ptr_array_index (conflicts, i);
      g_autofree char *title = conflict_title (conflict);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Resolve…"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), describe_kind (conflict->kind));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_object_set_data_full (G_OBJECT (button), "gp-conflict", gp_conflict_copy (conflict),
                              (GDestroyNotify) gp_conflict_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (resolve_clicked_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->list_box, row);
    }

  gtk_stack_set_visible_child_name (self->stack, conflicts->len > 0 ? "list" : "empty");
}

void
gp_conflicts_page_reload (GpConflictsPage *self)
{
  g_return_if_fail (GP_IS_CONFLICTS_PAGE (self));

  if (self->store == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  gp_store_sync_list_conflicts_async (self->store, self->cancellable,
                                      conflicts_listed_cb, g_object_ref (self));
}

void
gp_conflicts_page_open (GpConflictsPage  *self,
                        const GpConflict *conflict)
{
  GpConflictDialog *dialog;
  GtkRoot *root;

  g_return_if_fail (GP_IS_CONFLICTS_PAGE (self));
  g_return_if_fail (conflict != NULL);

  dialog = gp_conflict_dialog_new (self->store, conflict);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (root));
  gtk_window_present (GTK_WINDOW (dialog));
}
