/* gp-invoice-line-row.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "gp-error.h"
#include "gp-invoice-line-row.h"
#include "gp-money.h"
#include "gp-ui-util.h"

/* One editable line of an invoice: description, quantity, unit price, tax rate and
 * discount. It parses what was typed into the stored units (milli-units, minor units,
 * basis points) and marks the entry that does not parse. */

struct _GpInvoiceLineRow
{
  GtkListBoxRow parent_instance;

  /* Template widgets */
  GtkEntry *description_entry;
  GtkEntry *discount_entry;
  GtkButton *down_button;
  GtkLabel *net_label;
  GtkEntry *price_entry;
  GtkEntry *quantity_entry;
  GtkButton *remove_button;
  GtkEntry *tax_entry;
  GtkButton *up_button;

  /* Owned */
  char *id;
  char *currency;
};

G_DEFINE_FINAL_TYPE (GpInvoiceLineRow, gp_invoice_line_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  SIGNAL_CHANGED,
  SIGNAL_MOVE,
  SIGNAL_REMOVE,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void
entry_changed_cb (GpInvoiceLineRow *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
up_clicked_cb (GpInvoiceLineRow *self)
{
  g_signal_emit (self, signals[SIGNAL_MOVE], 0, -1);
}

static void
down_clicked_cb (GpInvoiceLineRow *self)
{
  g_signal_emit (self, signals[SIGNAL_MOVE], 0, 1);
}

static void
remove_clicked_cb (GpInvoiceLineRow *self)
{
  g_signal_emit (self, signals[SIGNAL_REMOVE], 0);
}

static void
gp_invoice_line_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_INVOICE_LINE_ROW);

  G_OBJECT_CLASS (gp_invoice_line_row_parent_class)->dispose (object);
}

static void
gp_invoice_line_row_finalize (GObject *object)
{
  GpInvoiceLineRow *self = GP_INVOICE_LINE_ROW (object);

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->currency, g_free);

  G_OBJECT_CLASS (gp_invoice_line_row_parent_class)->finalize (object);
}

static void
gp_invoice_line_row_class_init (GpInvoiceLineRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_invoice_line_row_dispose;
  object_class->finalize = gp_invoice_line_row_finalize;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_MOVE] =
    g_signal_new ("move", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_REMOVE] =
    g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-invoice-line-row.ui");
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceLineRow, description_entry);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceLineRow, discount_entry);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceLineRow, down_button);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceLineRow, net_label);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceLineRow, price_entry);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceLineRow, quantity_entry);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceLineRow, remove_button);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceLineRow, tax_entry);
  gtk_widget_class_bind_template_child (widget_class, GpInvoiceLineRow, up_button);
  gtk_widget_class_bind_template_callback (widget_class, down_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, up_clicked_cb);
}

static void
gp_invoice_line_row_init (GpInvoiceLineRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static void
set_entry (GtkEntry   *entry,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), text ? text : "");
}

GpInvoiceLineRow *
gp_invoice_line_row_new (GpRecord   *line,
                         const char *currency)
{
  GpInvoiceLineRow *self = g_object_new (GP_TYPE_INVOICE_LINE_ROW, NULL);

  self->currency = g_strdup (currency);

  if (line != NULL)
    {
      g_autofree char *quantity = _gp_ui_format_milli (gp_record_get_int (line, "quantity"));
      g_autofree char *price = gp_money_format (gp_record_get_int (line, "unit_price"), currency);
      g_autofree char *tax = _gp_ui_format_bp (gp_record_get_int (line, "tax_rate"));
      g_autofree char *discount = _gp_ui_format_bp (gp_record_get_int (line, "discount"));

      self->id = g_strdup (gp_record_get_id (line));
      set_entry (self->description_entry, gp_record_get_string (line, "description"));
      set_entry (self->quantity_entry, quantity);
      set_entry (self->price_entry, price);
      set_entry (self->tax_entry, tax);
      set_entry (self->discount_entry, discount);
    }
  else
    {
      set_entry (self->quantity_entry, "1");
    }

  return self;
}

const char *
gp_invoice_line_row_get_id (GpInvoiceLineRow *self)
{
  g_return_val_if_fail (GP_IS_INVOICE_LINE_ROW (self), NULL);

  return self->id;
}

void
gp_invoice_line_row_set_currency (GpInvoiceLineRow *self,
                                  const char       *currency)
{
  g_return_if_fail (GP_IS_INVOICE_LINE_ROW (self));

  if (g_strcmp0 (self->currency, currency) != 0)
    {
      g_free (self->currency);
      self->currency = g_strdup (currency);
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
    }
}

void
gp_invoice_line_row_set_locked (GpInvoiceLineRow *self,
                                gboolean          locked)
{
  GtkWidget *widgets[] = {
    GTK_WIDGET (self->description_entry), GTK_WIDGET (self->quantity_entry),
    GTK_WIDGET (self->price_entry), GTK_WIDGET (self->tax_entry),
    GTK_WIDGET (self->discount_entry), GTK_WIDGET (self->up_button),
    GTK_WIDGET (self->down_button), GTK_WIDGET (self->remove_button),
  };

  g_return_if_fail (GP_IS_INVOICE_LINE_ROW (self));

  for (guint i = 0; i < G_N_ELEMENTS (widgets); i++)
    gtk_widget_set_sensitive (widgets[i], !locked);
}

static gboolean
check (GtkEntry  *entry,
       gboolean   mark_errors,
       gboolean   ok)
{
  if (mark_errors || ok)
    _gp_ui_set_row_error (GTK_WIDGET (entry), !ok);
  return ok;
}

/**
 * gp_invoice_line_row_dup_fields:
 *
 * Returns: (transfer full) (nullable): the line's stored columns, or %NULL with an
 *   error that says which field does not parse
 */
JsonObject *
gp_invoice_line_row_dup_fields (GpInvoiceLineRow  *self,
                                gboolean           mark_errors,
                                GError           **error)
{
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autofree char *description = NULL;
  gint64 quantity = 0, price = 0, tax = 0, discount = 0;
  const char *price_text, *tax_text, *discount_text;
  gboolean ok = TRUE;
  const char *problem = NULL;

  g_return_val_if_fail (GP_IS_INVOICE_LINE_ROW (self), NULL);

  description = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->description_entry))));
  price_text = gtk_editable_get_text (GTK_EDITABLE (self->price_entry));
  tax_text = gtk_editable_get_text (GTK_EDITABLE (self->tax_entry));
  discount_text = gtk_editable_get_text (GTK_EDITABLE (self->discount_entry));
  /* An empty tax rate or discount is none at all. */
  if (tax_text[0] == '\0')
    tax_text = "0";
  if (discount_text[0] == '\0')
    discount_text = "0";

  if (!check (self->discount_entry, mark_errors,
              _gp_ui_parse_bp (discount_text, &discount)
              && discount >= 0 && discount <= 10000))
    {
      ok = FALSE;
      problem = _("The discount must be a percentage between 0 and 100.");
    }
  if (!check (self->tax_entry, mark_errors,
              _gp_ui_parse_bp (tax_text, &tax)
              && tax >= 0 && tax <= 10000))
    {
      ok = FALSE;
      problem = _("The tax rate must be a percentage between 0 and 100.");
    }
  if (!check (self->price_entry, mark_errors,
              price_text[0] != '\0' && gp_money_parse (price_text, self->currency, &price, NULL)))
    {
      ok = FALSE;
      problem = _("The unit price must be an amount, for example 80 or 80.50.");
    }
  if (!check (self->quantity_entry, mark_errors,
              _gp_ui_parse_milli (gtk_editable_get_text (GTK_EDITABLE (self->quantity_entry)), &quantity)
              && quantity > 0))
    {
      ok = FALSE;
      problem = _("The quantity must be a number greater than zero, for example 1 or 2.5.");
    }
  if (!check (self->description_entry, mark_errors, description[0] != '\0'))
    {
      ok = FALSE;
      problem = _("Every line needs a description.");
    }

  if (!ok)
    {
      g_set_error_literal (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID, problem);
      return NULL;
    }

  json_object_set_string_member (fields, "description", description);
  json_object_set_int_member (fields, "quantity", quantity);
  json_object_set_int_member (fields, "unit_price", price);
  json_object_set_int_member (fields, "tax_rate", tax);
  json_object_set_int_member (fields, "discount", discount);

  return g_steal_pointer (&fields);
}

void
gp_invoice_line_row_set_net (GpInvoiceLineRow *self,
                             const char       *text)
{
  g_return_if_fail (GP_IS_INVOICE_LINE_ROW (self));

  gtk_label_set_label (self->net_label, text ? text : "");
}

char *
gp_invoice_line_row_dup_state (GpInvoiceLineRow *self)
{
  g_return_val_if_fail (GP_IS_INVOICE_LINE_ROW (self), NULL);

  return g_strjoin ("\x1f",
                    self->id ? self->id : "",
                    gtk_editable_get_text (GTK_EDITABLE (self->description_entry)),
                    gtk_editable_get_text (GTK_EDITABLE (self->quantity_entry)),
                    gtk_editable_get_text (GTK_EDITABLE (self->price_entry)),
                    gtk_editable_get_text (GTK_EDITABLE (self->tax_entry)),
                    gtk_editable_get_text (GTK_EDITABLE (self->discount_entry)),
                    NULL);
}

void
gp_invoice_line_row_set_id (GpInvoiceLineRow *self,
                            const char       *id)
{
  g_return_if_fail (GP_IS_INVOICE_LINE_ROW (self));

  g_free (self->id);
  self->id = g_strdup (id);
}
