/* gp-invoice-editor.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "gp-error.h"
#include "gp-invoice-editor.h"
#include "gp-invoice-line-row.h"
#include "gp-payments-group.h"
#include "gp-money.h"
#include "gp-ui-util.h"

/* The invoice editor: client, number, dates, status and the lines, with totals computed
 * live by gp_invoice_compute_totals() (the same integer arithmetic the stored invoice
 * uses). An invoice that has left the draft state is locked: changing it takes an
 * explicit "Edit Anyway", so nothing a client already has changes silently. */

struct _GpInvoiceEditor
{
  GpEditor parent_instance;

  /* Template widgets */
  GtkButton *add_line_button;
  AdwComboRow *client_row;
  AdwEntryRow *currency_row;
  AdwPreferencesGroup *details_group;
  GtkLabel *discount_label;
  AdwEntryRow *due_row;
  GtkLabel *error_label;
  AdwEntryRow *issued_row;
  GtkListBox *lines_box;
  GtkLabel *locked_label;
  GtkRevealer *locked_revealer;
  AdwEntryRow *notes_row;
  AdwEntryRow *number_row;
  GtkButton *paid_button;
  GtkButton *save_button;
  GtkButton *sent_button;
  AdwActionRow *status_row;
  GtkLabel *subtotal_label;
  GtkLabel *tax_label;
  GtkLabel *total_label;
  GtkButton *void_button;
  AdwWindowTitle *window_title;

  /* Owned */
  GListModel *clients;
  char *invoice_id;
  char *status;
  char *committed_status;
  char *paid_on;
  char *saved_state;
  GPtrArray *removed_line_ids;

  guint loading : 1;
  guint unlocked : 1;
};

G_DEFINE_FINAL_TYPE (GpInvoiceEditor, gp_invoice_editor, GP_TYPE_EDITOR)

enum {
  PROP_0,
  PROP_CLIENTS,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  GpInvoiceEditor *self;
  GPtrArray *rows;        /* GpInvoiceLineRow */
  GPtrArray *line_fields; /* JsonObject */
  GPtrArray *delete_ids;  /* char* */
  guint next;
} SaveState;

static void
save_state_free (SaveState *state)
{
  g_clear_object (&state->self);
  g_clear_pointer (&state->rows, g_ptr_array_unref);
  g_clear_pointer (&state->line_fields, g_ptr_array_unref);
  g_clear_pointer (&state->delete_ids, g_ptr_array_unref);
  g_free (state);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveState, save_state_free)

static const char *
row_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static GPtrArray *
get_line_rows (GpInvoiceEditor *self)
{
  GPtrArray *rows = g_ptr_array_new ();

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->lines_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GP_IS_INVOICE_LINE_ROW (child))
      g_ptr_array_add (rows, child);

  return rows;
}

static GpRecord *
dup_selected_client (GpInvoiceEditor *self)
{
  return adw_combo_row_get_selected_item (self->client_row)
         ? g_object_ref (adw_combo_row_get_selected_item (self->client_row))
         : NULL;
}

static char *
current_state (GpInvoiceEditor *self)
{
  g_autoptr(GString) state = g_string_new (NULL);
  g_autoptr(GPtrArray) rows = get_line_rows (self);
  g_autoptr(GpRecord) client = dup_selected_client (self);

  g_string_append_printf (state, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%u",
                          client ? gp_record_get_id (client) : "",
                          row_text (self->number_row), row_text (self->currency_row),
                          row_text (self->issued_row), row_text (self->due_row),
                          row_text (self->notes_row), self->status ? self->status : "",
                          self->removed_line_ids->len);
  for (guint i = 0; i < rows->len; i++)
    {
      g_autofree char *line = gp_invoice_line_row_dup_state (g_ptr_array_index (rows, i));

      g_string_append_c (state, '\x1e');
      g_string_append (state, line);
    }

  return g_string_free (g_steal_pointer (&state), FALSE);
}

static void
remember_saved_state (GpInvoiceEditor *self)
{
  g_free (self->saved_state);
  self->saved_state = current_state (self);
}

static void
show_error (GpInvoiceEditor *self,
            const char      *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static char *
get_currency (GpInvoiceEditor *self)
{
  g_autofree char *currency = g_ascii_strup (row_text (self->currency_row), -1);

  return g_strdup (g_strstrip (currency));
}

static void
recompute_totals (GpInvoiceEditor *self)
{
  g_autoptr(GPtrArray) rows = get_line_rows (self);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *currency = get_currency (self);
  GpInvoiceTotals totals = { 0, };
  g_autofree char *subtotal = NULL, *discount = NULL, *tax = NULL, *total = NULL;

  if (strlen (currency) != 3)
    {
      g_free (currency);
      currency = g_strdup ("XXX");
    }

  for (guint i = 0; i < rows->len; i++)
    {
      GpInvoiceLineRow *row = g_ptr_array_index (rows, i);
      g_autoptr(JsonObject) fields = NULL;
      gint64 net = 0, line_tax = 0;
      g_autofree char *net_text = NULL;

      gp_invoice_line_row_set_currency (row, currency);
      fields = gp_invoice_line_row_dup_fields (row, FALSE, NULL);
      if (fields == NULL)
        {
          gp_invoice_line_row_set_net (row, "");
          continue;
        }

      if (gp_invoice_line_compute (json_object_get_int_member (fields, "quantity"),
                                   json_object_get_int_member (fields, "unit_price"),
                                   json_object_get_int_member (fields, "discount"),
                                   json_object_get_int_member (fields, "tax_rate"),
                                   &net, &line_tax, NULL))
        net_text = gp_money_format (net, currency);
      gp_invoice_line_row_set_net (row, net_text);

      g_ptr_array_add (lines, gp_record_new ("invoice_lines", "preview", fields));
    }

  if (gp_invoice_compute_totals (lines, &totals, NULL))
    {
      subtotal = gp_money_format (totals.subtotal, currency);
      discount = gp_money_format (totals.discount, currency);
      tax = gp_money_format (totals.tax, currency);
      total = gp_money_format (totals.total, currency);
    }

  gtk_label_set_label (self->subtotal_label, subtotal ? subtotal : "—");
  gtk_label_set_label (self->discount_label, discount ? discount : "—");
  gtk_label_set_label (self->tax_label, tax ? tax : "—");
  gtk_label_set_label (self->total_label, total ? total : _("Too large to compute"));
}

static void
update_status_ui (GpInvoiceEditor *self)
{
  guint n;
  const GpUiChoice *choices = _gp_ui_invoice_statuses (&n);
  const char *status = self->status ? self->status : "draft";
  gboolean locked = g_strcmp0 (self->committed_status, "draft") != 0 &&
                    self->committed_status != NULL && !self->unlocked;
  g_autoptr(GPtrArray) rows = get_line_rows (self);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row),
                                 _gp_ui_choice_label (choices, n, status));
  gtk_widget_set_visible (GTK_WIDGET (self->sent_button), g_str_equal (status, "draft"));
  gtk_widget_set_visible (GTK_WIDGET (self->paid_button), g_str_equal (status, "sent"));
  gtk_widget_set_visible (GTK_WIDGET (self->void_button),
                          g_str_equal (status, "draft") || g_str_equal (status, "sent"));

  if (g_str_equal (status, "paid"))
    adw_action_row_set_subtitle (self->status_row, _("Paid in full. Nothing more to do."));
  else if (g_str_equal (status, "void"))
    adw_action_row_set_subtitle (self->status_row, _("Cancelled. It stays on record but is not owed."));
  else if (g_str_equal (status, "sent"))
    adw_action_row_set_subtitle (self->status_row, _("Sent to the client, waiting for payment."));
  else
    adw_action_row_set_subtitle (self->status_row, _("Not sent yet. You can still change anything."));

  gtk_label_set_label (self->locked_label,
                       _("This invoice has left the draft state, so it is locked to keep it the "
                         "same as what your client has. Choose Edit Anyway to correct it; the "
                         "change is kept in its history."));
  gtk_revealer_set_reveal_child (self->locked_revealer, locked);
  gtk_widget_set_sensitive (GTK_WIDGET (self->details_group), !locked);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_line_button), !locked);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "invoice.add-line", !locked);
  for (guint i = 0; i < rows->len; i++)
    gp_invoice_line_row_set_locked (g_ptr_array_index (rows, i), locked);
}

static void
line_changed_cb (GpInvoiceEditor *self)
{
  recompute_totals (self);
}

static void
line_move_cb (GpInvoiceEditor  *self,
              int               delta,
              GpInvoiceLineRow *row)
{
  int index = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row));
  g_autoptr(GPtrArray) rows = get_line_rows (self);
  int target = index + delta;

  if (target < 0 || target >= (int) rows->len)
    return;

  g_object_ref (row);
  gtk_list_box_remove (self->lines_box, GTK_WIDGET (row));
  gtk_list_box_insert (self->lines_box, GTK_WIDGET (row), target);
  g_object_unref (row);
  recompute_totals (self);
}

static void
line_remove_cb (GpInvoiceEditor  *self,
                GpInvoiceLineRow *row)
{
  const char *id = gp_invoice_line_row_get_id (row);

  if (id != NULL)
    g_ptr_array_add (self->removed_line_ids, g_strdup (id));

  gtk_list_box_remove (self->lines_box, GTK_WIDGET (row));
  recompute_totals (self);
}

static GpInvoiceLineRow *
add_line (GpInvoiceEditor *self,
          GpRecord        *line)
{
  g_autofree char *currency = get_currency (self);
  GpInvoiceLineRow *row = gp_invoice_line_row_new (line, currency);

  g_signal_connect_object (row, "changed", G_CALLBACK (line_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "move", G_CALLBACK (line_move_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "remove", G_CALLBACK (line_remove_cb), self, G_CONNECT_SWAPPED);
  gtk_list_box_append (self->lines_box, GTK_WIDGET (row));

  return row;
}

static void
add_line_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  GpInvoiceEditor *self = GP_INVOICE_EDITOR (widget);
  GpInvoiceLineRow *row = add_line (self, NULL);

  gtk_widget_grab_focus (GTK_WIDGET (row));
  gtk_widget_child_focus (GTK_WIDGET (row), GTK_DIR_TAB_FORWARD);
  recompute_totals (self);
}

static void
unlock_clicked_cb (GpInvoiceEditor *self)
{
  self->unlocked = TRUE;
  update_status_ui (self);
}

static char *
today (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, days);

  return g_date_time_format (then, "%Y-%m-%d");
}

static void
set_status_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  GpInvoiceEditor *self = GP_INVOICE_EDITOR (widget);
  const char *status = g_variant_get_string (param, NULL);

  if (g_str_equal (status, "sent") && row_text (self->issued_row)[0] == '\0')
    {
      g_autofree char *date = today (0);

      gtk_editable_set_text (GTK_EDITABLE (self->issued_row), date);
    }
  if (g_str_equal (status, "paid"))
    {
      g_free (self->paid_on);
      self->paid_on = today (0);
    }

  g_free (self->status);
  self->status = g_strdup (status);
  update_status_ui (self);

  /* A status change is a decision, not a draft: store it right away. */
  gp_editor_save (GP_EDITOR (self));
}

static void
finish_save (SaveState *state,
             GError    *error)
{
  GpInvoiceEditor *self = state->self;

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);

  if (error != NULL)
    {
      show_error (self, error->message);
      g_free (self->status);
      self->status = g_strdup (self->committed_status ? self->committed_status : "draft");
      update_status_ui (self);
      gp_editor_save_finished (GP_EDITOR (self), FALSE);
      return;
    }

  show_error (self, NULL);
  g_free (self->committed_status);
  self->committed_status = g_strdup (self->status);
  g_ptr_array_set_size (self->removed_line_ids, 0);
  adw_window_title_set_title (self->window_title, _("Edit Invoice"));
  update_status_ui (self);
  remember_saved_state (self);
  gp_editor_save_finished (GP_EDITOR (self), TRUE);
}

static void save_next (SaveState *state);

static void
line_deleted_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SaveState) state = user_data;
  g_autoptr(GError) error = NULL;

  if (!gp_store_delete_finish (GP_STORE (object), result, &error) &&
      !g_error_matches (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        finish_save (state, error);
      return;
    }

  save_next (g_steal_pointer (&state));
}

static void
line_saved_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SaveState) state = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gp_store_save_finish (GP_STORE (object), result, &error);

  if (id == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        finish_save (state, error);
      return;
    }

  gp_invoice_line_row_set_id (g_ptr_array_index (state->rows, state->next), id);
  state->next++;
  save_next (g_steal_pointer (&state));
}

/* Lines are saved one after another, then removed lines are deleted. */
static void
save_next (SaveState *state)
{
  GpStore *store = gp_editor_get_store (GP_EDITOR (state->self));
  GCancellable *cancellable = gp_editor_get_cancellable (GP_EDITOR (state->self));

  if (state->next < state->rows->len)
    {
      GpInvoiceLineRow *row = g_ptr_array_index (state->rows, state->next);
      JsonObject *fields = g_ptr_array_index (state->line_fields, state->next);

      json_object_set_string_member (fields, "invoice_id", state->self->invoice_id);
      json_object_set_int_member (fields, "position", state->next);
      gp_store_save_async (store, "invoice_lines", gp_invoice_line_row_get_id (row), fields,
                           cancellable, line_saved_cb, state);
      return;
    }

  if (state->delete_ids->len > 0)
    {
      g_autofree char *id = g_ptr_array_steal_index (state->delete_ids, state->delete_ids->len - 1);

      gp_store_delete_async (store, "invoice_lines", id, cancellable, line_deleted_cb, state);
      return;
    }

  finish_save (state, NULL);
  save_state_free (state);
}

static void
invoice_saved_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SaveState) state = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = gp_store_save_finish (GP_STORE (object), result, &error);

  if (id == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        finish_save (state, error);
      return;
    }

  g_free (state->self->invoice_id);
  state->self->invoice_id = g_steal_pointer (&id);
  save_next (g_steal_pointer (&state));
}

static void
set_text_or_null (JsonObject *fields,
                  const char *column,
                  const char *text)
{
  g_autofree char *copy = g_strstrip (g_strdup (text ? text : ""));

  if (copy[0] == '\0')
    json_object_set_null_member (fields, column);
  else
    json_object_set_string_member (fields, column, copy);
}

static gboolean
fail (GpInvoiceEditor *self,
      GtkWidget       *widget,
      const char      *message)
{
  if (widget != NULL)
    {
      _gp_ui_set_row_error (widget, TRUE);
      gtk_widget_grab_focus (widget);
    }
  show_error (self, message);
  g_free (self->status);
  self->status = g_strdup (self->committed_status ? self->committed_status : "draft");
  update_status_ui (self);
  gp_editor_save_finished (GP_EDITOR (self), FALSE);
  return FALSE;
}

static void
gp_invoice_editor_save (GpEditor *editor)
{
  GpInvoiceEditor *self = GP_INVOICE_EDITOR (editor);
  g_autoptr(GpRecord) client = dup_selected_client (self);
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(SaveState) state = NULL;
  g_autoptr(GPtrArray) rows = get_line_rows (self);
  g_autofree char *currency = get_currency (self);
  g_autofree char *number = g_strstrip (g_strdup (row_text (self->number_row)));
  const char *issued = row_text (self->issued_row);
  const char *due = row_text (self->due_row);

  _gp_ui_set_row_error (GTK_WIDGET (self->number_row), FALSE);
  _gp_ui_set_row_error (GTK_WIDGET (self->currency_row), FALSE);
  _gp_ui_set_row_error (GTK_WIDGET (self->issued_row), FALSE);
  _gp_ui_set_row_error (GTK_WIDGET (self->due_row), FALSE);
  _gp_ui_set_row_error (GTK_WIDGET (self->client_row), FALSE);

  if (client == NULL)
    {
      fail (self, GTK_WIDGET (self->client_row),
            _("Choose the client this invoice is for. Add one on the Clients page first."));
      return;
    }
  if (number[0] == '\0')
    {
      fail (self, GTK_WIDGET (self->number_row), _("Every invoice needs a number."));
      return;
    }
  if (strlen (currency) != 3)
    {
      fail (self, GTK_WIDGET (self->currency_row),
            _("The currency must be a three-letter code such as EUR or USD."));
      return;
    }
  if (issued[0] != '\0' && !_gp_ui_is_valid_date (issued))
    {
      fail (self, GTK_WIDGET (self->issued_row),
            _("The issue date must be a date written as YYYY-MM-DD, for example 2026-03-31."));
      return;
    }
  if (due[0] != '\0' && !_gp_ui_is_valid_date (due))
    {
      fail (self, GTK_WIDGET (self->due_row),
            _("The due date must be a date written as YYYY-MM-DD, for example 2026-04-30."));
      return;
    }
  if (issued[0] != '\0' && due[0] != '\0' && strcmp (due, issued) < 0)
    {
      fail (self, GTK_WIDGET (self->due_row), _("The due date cannot be before the issue date."));
      return;
    }
  if (g_strcmp0 (self->status, "draft") != 0 && issued[0] == '\0')
    {
      fail (self, GTK_WIDGET (self->issued_row), _("A sent invoice needs an issue date."));
      return;
    }

  state = g_new0 (SaveState, 1);
  state->self = g_object_ref (self);
  state->rows = g_ptr_array_ref (rows);
  state->line_fields = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  state->delete_ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < rows->len; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonObject *line = gp_invoice_line_row_dup_fields (g_ptr_array_index (rows, i), TRUE, &error);

      if (line == NULL)
        {
          g_autofree char *message = g_strdup_printf (_("Line %u: %s"), i + 1, error->message);

          fail (self, NULL, message);
          return;
        }
      g_ptr_array_add (state->line_fields, line);
    }

  for (guint i = 0; i < self->removed_line_ids->len; i++)
    g_ptr_array_add (state->delete_ids, g_strdup (g_ptr_array_index (self->removed_line_ids, i)));

  json_object_set_string_member (fields, "client_id", gp_record_get_id (client));
  json_object_set_string_member (fields, "number", number);
  json_object_set_string_member (fields, "currency", currency);
  json_object_set_string_member (fields, "status", self->status ? self->status : "draft");
  set_text_or_null (fields, "issued_on", issued);
  set_text_or_null (fields, "due_on", due);
  set_text_or_null (fields, "notes", row_text (self->notes_row));
  if (self->paid_on != NULL)
    json_object_set_string_member (fields, "paid_on", self->paid_on);

  show_error (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  gp_store_save_async (gp_editor_get_store (editor), "invoices", self->invoice_id, fields,
                       gp_editor_get_cancellable (editor), invoice_saved_cb,
                       g_steal_pointer (&state));
}

static gboolean
gp_invoice_editor_is_dirty (GpEditor *editor)
{
  GpInvoiceEditor *self = GP_INVOICE_EDITOR (editor);
  g_autofree char *state = NULL;

  if (self->loading)
    return FALSE;

  state = current_state (self);
  return g_strcmp0 (state, self->saved_state) != 0;
}

static void
lines_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GpInvoiceEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = gp_store_query_finish (GP_STORE (object), result, &error);

  if (lines == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      self->loading = FALSE;
      return;
    }

  for (guint i = 0; i < lines->len; i++)
    add_line (self, g_ptr_array_index (lines, i));

  self->loading = FALSE;
  recompute_totals (self);
  update_status_ui (self);
  remember_saved_state (self);
}

static char *
expand_number_format (const char *format,
                      int         year,
                      gint64      seq,
                      gboolean    prefix_only)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = format;

  while (*p)
    {
      if (g_str_has_prefix (p, "{year}"))
        {
          g_string_append_printf (out, "%04d", year);
          p += strlen ("{year}");
        }
      else if (g_str_has_prefix (p, "{seq"))
        {
          const char *end = strchr (p, '}');
          int width = 1;

          if (prefix_only)
            break;
          if (end == NULL)
            break;
          if (p[4] == ':')
            width = CLAMP (atoi (p + 5), 1, 12);
          g_string_append_printf (out, "%0*" G_GINT64_FORMAT, width, seq);
          p = end + 1;
        }
      else
        {
          g_string_append_c (out, *p);
          p++;
        }
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
get_number_format (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.gigpilot.GigPilot", TRUE);
  if (schema == NULL)
    return g_strdup ("{year}-{seq:4}");

  settings = g_settings_new ("io.github.gigpilot.GigPilot");
  return g_settings_get_string (settings, "invoice-number-format");
}

static void
numbers_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GpInvoiceEditor) self = user_data;
  g_autoptr(GPtrArray) invoices = gp_store_query_finish (GP_STORE (object), result, NULL);
  g_autofree char *format = get_number_format ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int year = g_date_time_get_year (now);
  g_autofree char *prefix = expand_number_format (format, year, 0, TRUE);
  g_autofree char *number = NULL;
  gint64 max = 0;

  for (guint i = 0; invoices != NULL && i < invoices->len; i++)
    {
      const char *n = gp_record_get_string (g_ptr_array_index (invoices, i), "number");

      if (n != NULL && g_str_has_prefix (n, prefix))
        max = MAX (max, g_ascii_strtoll (n + strlen (prefix), NULL, 10));
    }

  number = expand_number_format (format, year, max + 1, FALSE);

  /* Only fill the number in if the user has not typed one meanwhile. */
  if (row_text (self->number_row)[0] == '\0')
    {
      gtk_editable_set_text (GTK_EDITABLE (self->number_row), number);
      remember_saved_state (self);
    }
}

static void
client_selected_cb (GpInvoiceEditor *self)
{
  g_autoptr(GpRecord) client = dup_selected_client (self);
  const char *currency;

  /* A new invoice follows its client's currency. */
  if (client == NULL || self->invoice_id != NULL || self->loading)
    return;

  currency = gp_record_get_string (client, "currency");
  if (currency != NULL && currency[0] != '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->currency_row), currency);
}

static void
currency_changed_cb (GpInvoiceEditor *self)
{
  recompute_totals (self);
}

static char *
client_name_cb (GpRecord *client)
{
  const char *name = client ? gp_record_get_string (client, "name") : NULL;

  return g_strdup (name ? name : "");
}

static void
select_client (GpInvoiceEditor *self,
               const char      *client_id)
{
  guint n = self->clients ? g_list_model_get_n_items (self->clients) : 0;

  for (guint i = 0; client_id != NULL && i < n; i++)
    {
      g_autoptr(GpRecord) client = g_list_model_get_item (self->clients, i);

      if (g_strcmp0 (gp_record_get_id (client), client_id) == 0)
        {
          adw_combo_row_set_selected (self->client_row, i);
          return;
        }
    }
}

static void
gp_invoice_editor_constructed (GObject *object)
{
  GpInvoiceEditor *self = GP_INVOICE_EDITOR (object);
  GpRecord *record = gp_editor_get_record (GP_EDITOR (self));
  GpStore *store = gp_editor_get_store (GP_EDITOR (self));
  g_autoptr(GtkExpression) expression = NULL;

  G_OBJECT_CLASS (gp_invoice_editor_parent_class)->constructed (object);

  expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                            G_CALLBACK (client_name_cb), NULL, NULL);
  adw_combo_row_set_expression (self->client_row, expression);
  if (self->clients != NULL)
    adw_combo_row_set_model (self->client_row, self->clients);

  if (record != NULL)
    {
      const char *value;

      self->loading = TRUE;
      self->invoice_id = g_strdup (gp_record_get_id (record));
      self->status = g_strdup (gp_record_has_value (record, "status")
                               ? gp_record_get_string (record, "status") : "draft");
      self->paid_on = g_strdup (gp_record_get_string (record, "paid_on"));
      adw_window_title_set_title (self->window_title, _("Edit Invoice"));
      select_client (self, gp_record_get_string (record, "client_id"));

#define SET(row, column) \
      value = gp_record_get_string (record, column); \
      gtk_editable_set_text (GTK_EDITABLE (row), value ? value : "");
      SET (self->number_row, "number");
      SET (self->currency_row, "currency");
      SET (self->issued_row, "issued_on");
      SET (self->due_row, "due_on");
      SET (self->notes_row, "notes");
#undef SET

      if (store != NULL)
        {
          g_autoptr(GpQuery) query = gp_query_new ("invoice_lines");

          gp_query_set_where (query, "invoice_id", self->invoice_id);
          gp_query_set_order (query, "position", FALSE);
          gp_store_query_async (store, query, gp_editor_get_cancellable (GP_EDITOR (self)),
                                lines_loaded_cb, g_object_ref (self));
          /* Getting paid: preview/PDF/print, payments, credit notes, repeat schedule. */
          gtk_box_append (GTK_BOX (gtk_widget_get_parent (GTK_WIDGET (self->details_group))),
                          GTK_WIDGET (gp_payments_group_new (store, self->invoice_id)));
        }
      else
        self->loading = FALSE;
    }
  else
    {
      g_autofree char *issued = today (0);
      g_autofree char *due = today (14);
      g_autoptr(GpRecord) client = dup_selected_client (self);
      const char *currency = client ? gp_record_get_string (client, "currency") : NULL;

      self->status = g_strdup ("draft");
      gtk_editable_set_text (GTK_EDITABLE (self->issued_row), issued);
      gtk_editable_set_text (GTK_EDITABLE (self->due_row), due);
      gtk_editable_set_text (GTK_EDITABLE (self->currency_row), currency ? currency : "EUR");

      if (store != NULL)
        {
          g_autoptr(GpQuery) query = gp_query_new ("invoices");
          g_autofree char *format = get_number_format ();
          g_autoptr(GDateTime) now = g_date_time_new_now_local ();
          g_autofree char *prefix = expand_number_format (format, g_date_time_get_year (now), 0, TRUE);

          if (prefix[0] != '\0')
            gp_query_set_filter_text (query, prefix);
          gp_query_set_order (query, "number", TRUE);
          gp_query_set_limit (query, 200, 0);
          gp_store_query_async (store, query, gp_editor_get_cancellable (GP_EDITOR (self)),
                                numbers_loaded_cb, g_object_ref (self));
        }
    }

  self->committed_status = record ? g_strdup (self->status) : NULL;
  recompute_totals (self);
  update_status_ui (self);
  remember_saved_state (self);
}

static void
gp_invoice_editor_dispose (GObject *object)
{
  GpInvoiceEditor *self = GP_INVOICE_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_INVOICE_EDITOR);

  g_clear_object (&self->clients);

  G_OBJECT_CLASS (gp_invoice_editor_parent_class)->dispose (object);
}

static void
gp_invoice_editor_finalize (GObject *object)
{
  GpInvoiceEditor *self = GP_INVOICE_EDITOR (object);

  g_clear_pointer (&self->invoice_id, g_free);
  g_clear_pointer (&self->status, g_free);
  g_clear_pointer (&self->committed_status, g_free);
  g_clear_pointer (&self->paid_on, g_free);
  g_clear_pointer (&self->saved_state, g_free);
  g_clear_pointer (&self->removed_line_ids, g_ptr_array_unref);

  G_OBJECT_CLASS (gp_invoice_editor_parent_class)->finalize (object);
}

static void
gp_invoice_editor_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GpInvoiceEditor *self = GP_INVOICE_EDITOR (object);

  switch (prop_id)
    {
    case PROP_CLIENTS:
      self->clients = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_invoice_editor_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GpInvoiceEditor *self = GP_INVOICE_EDITOR (object);

  switch (prop_id)
    {
    case PROP_CLIENTS:
      g_value_set_object (value, self->clients);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gp_invoice_editor_class_init (GpInvoiceEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GpEditorClass *editor_class = GP_EDITOR_CLASS (klass);

  object_class->constructed = gp_invoice_editor_constructed;
  object_class->dispose = gp_invoice_editor_dispose;
  object_class->finalize = gp_invoice_editor_finalize;
  object_class->get_property = gp_invoice_editor_get_property;
  object_class->set_property = gp_invoice_editor_set_property;
  editor_class->is_dirty = gp_invoice_editor_is_dirty;
  editor_class->save = gp_invoice_editor_save;

  properties[PROP_CLIENTS] =
    g_param_spec_object ("clients", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-invoice-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, add_line_button);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, client_row);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, currency_row);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, details_group);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, discount_label);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, due_row);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, issued_row);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, lines_box);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, locked_label);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, locked_revealer);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, notes_row);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, number_row);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, paid_button);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, sent_button);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, status_row);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, subtotal_label);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, tax_label);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, total_label);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, void_button);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceEditor, window_title);
  gtk_widget_class_bind_template_callback (widget_class, client_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, currency_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, unlock_clicked_cb);

  gtk_widget_class_install_action (widget_class, "invoice.add-line", NULL, add_line_action);
  gtk_widget_class_install_action (widget_class, "invoice.set-status", "s", set_status_action);
}

static void
gp_invoice_editor_init (GpInvoiceEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->removed_line_ids = g_ptr_array_new_with_free_func (g_free);
}

GpInvoiceEditor *
gp_invoice_editor_new (GpStore    *store,
                       GpRecord   *record,
                       GListModel *clients)
{
  return g_object_new (GP_TYPE_INVOICE_EDITOR,
                       "store", store,
                       "record", record,
                       "clients", clients,
                       NULL);
}
