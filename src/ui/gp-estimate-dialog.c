/* gp-estimate-dialog.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-estimate-dialog.h"

#include <glib/gi18n.h>

#include "gp-money.h"
#include "gp-store-estimate.h"
#include "gp-ui-util.h"

/* Type what the work is; similar past invoice lines and tickets appear with their amounts
 * and hours, and a price range with a sentence saying how it was found. Everything runs
 * on the store thread against the local index; nothing goes over the network. */

#define SEARCH_DELAY_MS 250

static const char *currencies[] = { "EUR", "USD", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "PLN", NULL };

struct _GpEstimateDialog
{
  AdwWindow parent_instance;

  /* Template widgets */
  AdwComboRow *currency_row;
  AdwEntryRow *description_row;
  GtkLabel *explanation_label;
  AdwPreferencesGroup *matches_group;
  GtkListBox *matches_list;
  GtkLabel *median_label;
  GtkLabel *range_label;

  /* Owned */
  GpStore *store;
  GCancellable *cancellable;
  guint search_id;
};

G_DEFINE_FINAL_TYPE (GpEstimateDialog, gp_estimate_dialog, ADW_TYPE_WINDOW)

static char *
describe_match (GpEstimateMatch *match)
{
  g_autoptr(GString) s = g_string_new (match->context);
  g_autofree char *terms = g_strjoinv (", ", match->matched_terms);

  if (g_strcmp0 (match->kind, "line") == 0)
    {
      g_autofree char *unit = gp_money_format (match->unit_price, match->currency);
      g_autofree char *amount = gp_money_format (match->amount, match->currency);
      g_autofree char *quantity = _gp_ui_format_milli (match->quantity);

      /* Translators: quantity × unit price = amount of a past invoice line */
      g_string_append_printf (s, _(" · %s × %s = %s"), quantity, unit, amount);
    }
  else
    {
      g_string_append_printf (s, _(" · %.1f h logged"), (double)match->quantity / 1000.0);
      if (match->has_amount && match->amount > 0)
        {
          g_autofree char *amount = gp_money_format (match->amount, match->currency);

          g_string_append_printf (s, _(" (%s of time)"), amount);
        }
    }
  g_string_append_c (s, '\n');
  /* Translators: the similarity of a past text, then the words it shares with the description */
  g_string_append_printf (s, _("Similarity %d %%: shares %s"), (int)(match->score * 100 + 0.5), terms);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
show_estimate (GpEstimateDialog *self,
               GpEstimate       *estimate)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->matches_list))) != NULL)
    gtk_list_box_remove (self->matches_list, child);

  if (estimate->has_range)
    {
      g_autofree char *low = gp_money_format (estimate->low, estimate->currency);
      g_autofree char *high = gp_money_format (estimate->high, estimate->currency);
      g_autofree char *median = gp_money_format (estimate->median, estimate->currency);
      g_autofree char *range = estimate->low == estimate->high ? g_strdup (low) : g_strdup_printf ("%s – %s", low, high);
      g_autofree char *median_text = g_strdup_printf (_("Median %s"), median);

      gtk_label_set_label (self->range_label, range);
      gtk_label_set_label (self->median_label, median_text);
    }
  else
    {
      gtk_label_set_label (self->range_label, _("No suggestion"));
      gtk_label_set_label (self->median_label, "");
    }
  gtk_label_set_label (self->explanation_label, estimate->explanation);

  for (guint i = 0; i < estimate->matches->len; i++)
    {
      GpEstimateMatch *match = g_ptr_array_index (estimate->matches, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *subtitle = describe_match (match);
      GtkWidget *icon = gtk_image_new_from_icon_name (g_strcmp0 (match->kind, "line") == 0
                                                      ? "x-office-document-symbolic" : "task-due-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), match->title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      if (match->score < GP_ESTIMATE_MIN_SCORE)
        gtk_widget_add_css_class (row, "dim-label");
      gtk_list_box_append (self->matches_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->matches_group), estimate->matches->len > 0);
}

static void
estimated_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GpEstimateDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GpEstimate) estimate = gp_store_estimate_finish (GP_STORE (object), result, &error);

  /* The dialog went away while the store worked. */
  if (self->range_label == NULL)
    return;

  if (estimate == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_label_set_label (self->explanation_label, error->message);
      return;
    }
  show_estimate (self, estimate);
}

static void
run_search (GpEstimateDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->description_row));
  guint selected = adw_combo_row_get_selected (self->currency_row);
  const char *currency = selected > 0 && selected <= g_strv_length ((char **)currencies) ? currencies[selected - 1] : NULL;

  /* Whoever runs the search now, a pending one is moot. */
  g_clear_handle_id (&self->search_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (self->store == NULL || text[0] == '\0')
    {
      gtk_label_set_label (self->range_label, "");
      gtk_label_set_label (self->median_label, "");
      gtk_label_set_label (self->explanation_label,
                           _("Describe the work in a few words, such as “logo design for a bakery”. "
                             "Similar invoice lines and tickets from your history appear below with a "
                             "price range."));
      gtk_widget_set_visible (GTK_WIDGET (self->matches_group), FALSE);
      return;
    }

  gp_store_estimate_async (self->store, text, currency, self->cancellable, estimated_cb, g_object_ref (self));
}

static gboolean
search_timeout_cb (gpointer user_data)
{
  GpEstimateDialog *self = user_data;

  self->search_id = 0;
  run_search (self);
  return G_SOURCE_REMOVE;
}

static void
description_changed_cb (GpEstimateDialog *self)
{
  if (self->description_row == NULL)
    return;

  g_clear_handle_id (&self->search_id, g_source_remove);
  self->search_id = g_timeout_add (SEARCH_DELAY_MS, search_timeout_cb, self);
}

static void
gp_estimate_dialog_dispose (GObject *object)
{
  GpEstimateDialog *self = GP_ESTIMATE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->search_id, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_ESTIMATE_DIALOG);
  /* Tearing the combo row down can notify "selected" once more. */
  g_clear_handle_id (&self->search_id, g_source_remove);

  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gp_estimate_dialog_parent_class)->dispose (object);
}

static void
gp_estimate_dialog_class_init (GpEstimateDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_estimate_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-estimate-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, GpEstimateDialog, currency_row);
  gtk_widget_class_bind_template_child (widget_class, GpEstimateDialog, description_row);
  gtk_widget_class_bind_template_child (widget_class, GpEstimateDialog, explanation_label);
  gtk_widget_class_bind_template_child (widget_class, GpEstimateDialog, matches_group);
  gtk_widget_class_bind_template_child (widget_class, GpEstimateDialog, matches_list);
  gtk_widget_class_bind_template_child (widget_class, GpEstimateDialog, median_label);
  gtk_widget_class_bind_template_child (widget_class, GpEstimateDialog, range_label);
  gtk_widget_class_bind_template_callback (widget_class, description_changed_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
gp_estimate_dialog_init (GpEstimateDialog *self)
{
  g_autoptr(GtkStringList) model = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  model = gtk_string_list_new (NULL);
  gtk_string_list_append (model, _("Automatic"));
  for (guint i = 0; currencies[i] != NULL; i++)
    gtk_string_list_append (model, currencies[i]);
  adw_combo_row_set_model (self->currency_row, G_LIST_MODEL (model));
  run_search (self);
}

/**
 * gp_estimate_dialog_new:
 * @store: (nullable): the store to search
 * @currency: (nullable): the currency of the invoice being written
 *
 * Returns: (transfer full): a new estimate dialog
 */
GpEstimateDialog *
gp_estimate_dialog_new (GpStore    *store,
                        const char *currency)
{
  GpEstimateDialog *self = g_object_new (GP_TYPE_ESTIMATE_DIALOG, NULL);

  g_set_object (&self->store, store);
  for (guint i = 0; currency != NULL && currencies[i] != NULL; i++)
    if (g_strcmp0 (currencies[i], currency) == 0)
      adw_combo_row_set_selected (self->currency_row, i + 1);
  return self;
}

/**
 * gp_estimate_dialog_set_description:
 * @self: a #GpEstimateDialog
 * @description: what the work is
 *
 * Fills in the description and searches.
 */
void
gp_estimate_dialog_set_description (GpEstimateDialog *self,
                                    const char       *description)
{
  g_return_if_fail (GP_IS_ESTIMATE_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->description_row), description != NULL ? description : "");
  run_search (self);
}
