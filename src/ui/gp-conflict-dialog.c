/* gp-conflict-dialog.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "gp-conflict-dialog.h"
#include "gp-ui-util.h"

/* One conflicting record: for an edit conflict, a grid of the fields changed on both sides
 * with Mine, Theirs and the common Base, where the user picks per field (or all at once);
 * for a delete conflict, the situation in words with Restore / Accept Delete; for two
 * invoices with the same number, a new number; for an invoice whose time another device
 * billed first, Discard Invoice / Keep Invoice. Applying hands the choice to the store,
 * and the result syncs like any other change. */

struct _GpConflictDialog
{
  AdwWindow parent_instance;

  /* Template widgets */
  GtkButton *accept_delete_button;
  GtkBox *all_box;
  GtkButton *apply_button;
  GtkBox *delete_box;
  GtkLabel *error_label;
  GtkLabel *explanation_label;
  GtkGrid *fields_grid;
  GtkLabel *heading_label;
  AdwEntryRow *number_row;
  GtkButton *restore_button;

  /* Owned */
  GpStore *store;
  GpConflict *conflict;
  GCancellable *cancellable;
  GPtrArray *columns;        /* char*, the grid's rows */
  GPtrArray *theirs_checks;  /* GtkCheckButton*, borrowed, parallel to columns */
};

G_DEFINE_FINAL_TYPE (GpConflictDialog, gp_conflict_dialog, ADW_TYPE_WINDOW)

static void
show_error (GpConflictDialog *self,
            const char       *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
resolved_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GpConflictDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gp_store_sync_resolve_conflict_finish (GP_STORE (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          show_error (self, error->message);
          gtk_widget_set_sensitive (GTK_WIDGET (self), TRUE);
        }
      return;
    }

  gtk_window_destroy (GTK_WINDOW (self));
}

static void
resolve (GpConflictDialog *self,
         GpResolution      resolution,
         JsonObject       *choices)
{
  if (self->store == NULL)
    return;

  show_error (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
  gp_store_sync_resolve_conflict_async (self->store,
                                        self->conflict->table,
                                        self->conflict->record_id,
                                        resolution, choices,
                                        self->cancellable,
                                        resolved_cb,
                                        g_object_ref (self));
}

static void
apply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  GpConflictDialog *self = GP_CONFLICT_DIALOG (widget);
  g_autoptr(JsonObject) choices = json_object_new ();

  if (self->conflict->kind == GP_CONFLICT_DUPLICATE_NUMBER)
    {
      g_autofree char *number = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->number_row))));
      g_autoptr(JsonObject) value = json_object_new ();

      if (number[0] == '\0')
        {
          show_error (self, _("Enter a new number for this invoice."));
          return;
        }
      json_object_set_string_member (value, "value", number);
      json_object_set_object_member (choices, "number", g_steal_pointer (&value));
      resolve (self, GP_RESOLUTION_PER_FIELD, choices);
      return;
    }

  if (self->conflict->kind != GP_CONFLICT_EDIT)
    {
      show_error (self, self->conflict->kind == GP_CONFLICT_DOUBLE_BILLED
                        ? _("Choose Keep Invoice or Discard Invoice.")
                        : _("Choose Restore or Accept Delete."));
      return;
    }

  for (guint i = 0; i < self->columns->len; i++)
    {
      GtkCheckButton *theirs = g_ptr_array_index (self->theirs_checks, i);

      json_object_set_string_member (choices, g_ptr_array_index (self->columns, i),
                                     gtk_check_button_get_active (theirs) ? "theirs" : "mine");
    }

  resolve (self, GP_RESOLUTION_PER_FIELD, choices);
}

static void
resolve_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  GpConflictDialog *self = GP_CONFLICT_DIALOG (widget);
  const char *what = g_variant_get_string (param, NULL);

  if (g_str_equal (what, "mine"))
    resolve (self, GP_RESOLUTION_KEEP_MINE, NULL);
  else if (g_str_equal (what, "theirs"))
    resolve (self, GP_RESOLUTION_USE_THEIRS, NULL);
  else if (g_str_equal (what, "restore"))
    resolve (self, GP_RESOLUTION_RESTORE, NULL);
  else if (g_str_equal (what, "accept-delete"))
    resolve (self, GP_RESOLUTION_ACCEPT_DELETE, NULL);
}

static GtkWidget *
grid_label (const char *text,
            gboolean    heading)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
  if (heading)
    gtk_widget_add_css_class (label, "heading");
  return label;
}

static void
build_grid (GpConflictDialog *self)
{
  JsonObject *fields = self->conflict->fields;
  g_autoptr(GList) members = fields ? json_object_get_members (fields) : NULL;
  int row = 1;

  gtk_grid_attach (self->fields_grid, grid_label (_("Field"), TRUE), 0, 0, 1, 1);
  gtk_grid_attach (self->fields_grid, grid_label (_("Mine (this computer)"), TRUE), 1, 0, 1, 1);
  gtk_grid_attach (self->fields_grid, grid_label (_("Theirs (other device)"), TRUE), 2, 0, 1, 1);
  gtk_grid_attach (self->fields_grid, grid_label (_("Before both changes"), TRUE), 3, 0, 1, 1);

  members = g_list_sort (members, (GCompareFunc) g_strcmp0);
  for (GList *l = members; l != NULL; l = l->next, row++)
    {
      const char *column = l->data;
      JsonNode *node = json_object_get_member (fields, column);
      JsonObject *sides = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autofree char *mine = _gp_ui_describe_value (sides ? json_object_get_member (sides, "mine") : NULL);
      g_autofree char *theirs = _gp_ui_describe_value (sides ? json_object_get_member (sides, "theirs") : NULL);
      g_autofree char *base = _gp_ui_describe_value (sides ? json_object_get_member (sides, "base") : NULL);
      g_autofree char *mine_a11y = g_strdup_printf (_("Mine: %s"), mine);
      g_autofree char *theirs_a11y = g_strdup_printf (_("Theirs: %s"), theirs);
      GtkWidget *mine_check = gtk_check_button_new_with_label (mine);
      GtkWidget *theirs_check = gtk_check_button_new_with_label (theirs);
      GtkWidget *base_label = grid_label (base, FALSE);

      gtk_check_button_set_group (GTK_CHECK_BUTTON (theirs_check), GTK_CHECK_BUTTON (mine_check));
      gtk_check_button_set_active (GTK_CHECK_BUTTON (mine_check), TRUE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (mine_check),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, mine_a11y, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (theirs_check),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, theirs_a11y, -1);
      gtk_widget_add_css_class (base_label, "dim-label");

      gtk_grid_attach (self->fields_grid, grid_label (_gp_ui_column_label (column), TRUE), 0, row, 1, 1);
      gtk_grid_attach (self->fields_grid, mine_check, 1, row, 1, 1);
      gtk_grid_attach (self->fields_grid, theirs_check, 2, row, 1, 1);
      gtk_grid_attach (self->fields_grid, base_label, 3, row, 1, 1);

      g_ptr_array_add (self->columns, g_strdup (column));
      g_ptr_array_add (self->theirs_checks, theirs_check);
    }
}

static char *
changed_columns (GpConflictDialog *self)
{
  g_autoptr(GList) members = self->conflict->fields ? json_object_get_members (self->conflict->fields) : NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  for (GList *l = members; l != NULL; l = l->next)
    {
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, _gp_ui_column_label (l->data));
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
record_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GpConflictDialog) self = user_data;
  g_autoptr(GpRecord) record = gp_store_get_finish (GP_STORE (object), result, NULL);
  g_autofree char *title = NULL;

  if (record == NULL)
    return;

  title = _gp_ui_record_title (self->conflict->table, gp_record_get_fields (record));
  gtk_label_set_label (self->heading_label, title);
}

static void
setup (GpConflictDialog *self)
{
  const char *noun = _gp_ui_table_noun (self->conflict->table);
  g_autofree char *columns = changed_columns (self);
  g_autofree char *text = NULL;

  gtk_label_set_label (self->heading_label, noun);

  switch (self->conflict->kind)
    {
    case GP_CONFLICT_REMOTE_DELETE:
      text = g_strdup_printf (_("This record was deleted on another device, but you changed it "
                                "here (%s). Restore keeps your version and brings it back on every "
                                "device. Accept Delete removes it here too."), columns);
      gtk_widget_set_visible (GTK_WIDGET (self->fields_grid), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->all_box), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->apply_button), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->delete_box), TRUE);
      break;

    case GP_CONFLICT_LOCAL_DELETE:
      text = g_strdup_printf (_("You deleted this record here, but it was changed on another "
                                "device (%s). Restore brings it back with those changes. Accept "
                                "Delete deletes it on every device."), columns);
      gtk_widget_set_visible (GTK_WIDGET (self->fields_grid), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->all_box), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->apply_button), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->delete_box), TRUE);
      break;

    case GP_CONFLICT_DUPLICATE_NUMBER:
      text = g_strdup (_("Another invoice already has this number: it was issued on another "
                         "device while this one was offline. Invoice numbers must be unique, so "
                         "give this invoice a new number."));
      gtk_widget_set_visible (GTK_WIDGET (self->fields_grid), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->all_box), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->number_row), TRUE);
      break;

    case GP_CONFLICT_DOUBLE_BILLED:
      text = g_strdup (_("Another device billed the same time first, on an invoice of its own, "
                         "before this device could sync. The time stays billed there, so this "
                         "invoice would charge it twice. Discard Invoice removes this invoice; Keep "
                         "Invoice keeps it as it is, for example after you have changed its lines."));
      gtk_button_set_label (self->accept_delete_button, _("_Discard Invoice"));
      gtk_button_set_label (self->restore_button, _("_Keep Invoice"));
      gtk_widget_set_visible (GTK_WIDGET (self->fields_grid), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->all_box), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->apply_button), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->delete_box), TRUE);
      break;

    case GP_CONFLICT_EDIT:
    case GP_CONFLICT_NONE:
    default:
      text = g_strdup (_("This record was changed here and on another device before they could "
                         "sync. Choose which value to keep for each field, or keep all of yours "
                         "or all of theirs. Nothing is lost until you apply."));
      build_grid (self);
      break;
    }

  gtk_label_set_label (self->explanation_label, text);

  if (self->store != NULL)
    gp_store_get_async (self->store, self->conflict->table, self->conflict->record_id,
                        self->cancellable, record_loaded_cb, g_object_ref (self));
}

static void
gp_conflict_dialog_dispose (GObject *object)
{
  GpConflictDialog *self = GP_CONFLICT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_CONFLICT_DIALOG);

  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->conflict, gp_conflict_free);
  g_clear_pointer (&self->columns, g_ptr_array_unref);
  g_clear_pointer (&self->theirs_checks, g_ptr_array_unref);

  G_OBJECT_CLASS (gp_conflict_dialog_parent_class)->dispose (object);
}

static void
gp_conflict_dialog_class_init (GpConflictDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_conflict_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-conflict-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, GpConflictDialog, accept_delete_button);
  gtk_widget_class_bind_template_child (widget_class, GpConflictDialog, all_box);
  gtk_widget_class_bind_template_child (widget_class, GpConflictDialog, apply_button);
  gtk_widget_class_bind_template_child (widget_class, GpConflictDialog, delete_box);
  gtk_widget_class_bind_template_child (widget_class, GpConflictDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, GpConflictDialog, explanation_label);
  gtk_widget_class_bind_template_child (widget_class, GpConflictDialog, fields_grid);
  gtk_widget_class_bind_template_child (widget_class, GpConflictDialog, heading_label);
  gtk_widget_class_bind_template_child (widget_class, GpConflictDialog, number_row);
  gtk_widget_class_bind_template_child (widget_class, GpConflictDialog, restore_button);

  gtk_widget_class_install_action (widget_class, "conflict.apply", NULL, apply_action);
  gtk_widget_class_install_action (widget_class, "conflict.resolve", "s", resolve_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
gp_conflict_dialog_init (GpConflictDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->columns = g_ptr_array_new_with_free_func (g_free);
  self->theirs_checks = g_ptr_array_new ();
}

GpConflictDialog *
gp_conflict_dialog_new (GpStore          *store,
                        const GpConflict *conflict)
{
  GpConflictDialog *self;

  g_return_val_if_fail (store == NULL || GP_IS_STORE (store), NULL);
  g_return_val_if_fail (conflict != NULL, NULL);

  self = g_object_new (GP_TYPE_CONFLICT_DIALOG, NULL);
  self->store = store ? g_object_ref (store) : NULL;
  self->conflict = gp_conflict_copy (conflict);
  setup (self);

  return self;
}
