/* gp-invoice-preview.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-invoice-preview.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gp-billing.h"
#include "gp-invoice-document.h"
#include "gp-ui-util.h"

/* Shows page 1 of an invoice as it will print, before it is saved as PDF or printed.
 * The invoice is read on the store thread and the page drawn on a worker, so the window
 * opens at once and never waits on the disk. */

#define PREVIEW_WIDTH_PX 1240

struct _GpInvoicePreview
{
  AdwWindow parent_instance;

  /* Template widgets */
  GtkPicture *picture;
  GtkButton *save_button;
  GtkStack *stack;
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;

  /* Owned */
  GpStore *store;
  GSettings *settings;
  GCancellable *cancellable;
  GpInvoiceDocument *document;
  GtkFileChooserNative *chooser;
  guint n_pages;
};

G_DEFINE_FINAL_TYPE (GpInvoicePreview, gp_invoice_preview, ADW_TYPE_WINDOW)

static void
toast (GpInvoicePreview *self,
       const char       *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

typedef struct
{
  GdkTexture *texture;
  guint       n_pages;
} Rendered;

static void
rendered_free (Rendered *rendered)
{
  g_clear_object (&rendered->texture);
  g_free (rendered);
}

static void
render_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GpInvoiceDocument *document = task_data;
  g_autoptr(GtkPaperSize) paper = gtk_paper_size_new (NULL);
  Rendered *rendered = g_new0 (Rendered, 1);

  rendered->texture = gp_invoice_document_render_page (document, paper, PREVIEW_WIDTH_PX, 0);
  rendered->n_pages = gp_invoice_document_count_pages (document, gtk_paper_size_get_width (paper, GTK_UNIT_POINTS),
                                                       gtk_paper_size_get_height (paper, GTK_UNIT_POINTS));
  g_task_return_pointer (task, rendered, (GDestroyNotify)rendered_free);
}

static void
rendered_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GpInvoicePreview *self = GP_INVOICE_PREVIEW (object);
  g_autoptr(GError) error = NULL;
  Rendered *rendered = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *subtitle = NULL;

  if (rendered == NULL)
    return;

  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (rendered->texture));
  gtk_widget_set_size_request (GTK_WIDGET (self->picture), 600, -1);
  self->n_pages = rendered->n_pages;
  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u page", "%u pages", self->n_pages), self->n_pages);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  gtk_stack_set_visible_child_name (self->stack, "page");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.save-pdf", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.print", TRUE);
  rendered_free (rendered);
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GpInvoicePreview) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GpInvoiceBundle) bundle = gp_billing_load_finish (GP_STORE (object), result, &error);
  g_autoptr(GTask) task = NULL;
  g_autofree char *title = NULL;

  if (bundle == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }

  self->document = gp_invoice_document_new (bundle, self->settings);
  title = gp_invoice_document_suggest_filename (self->document);
  if (g_str_has_suffix (title, ".pdf"))
    title[strlen (title) - 4] = '\0';
  adw_window_title_set_title (self->window_title, title);

  task = g_task_new (self, self->cancellable, rendered_cb, NULL);
  g_task_set_source_tag (task, loaded_cb);
  g_task_set_task_data (task, g_object_ref (self->document), g_object_unref);
  g_task_run_in_thread (task, render_thread);
}

static void
written_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GpInvoicePreview) self = user_data;
  g_autoptr(GError) error = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.save-pdf", TRUE);
  if (!gp_invoice_document_write_pdf_finish (GP_INVOICE_DOCUMENT (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }
  toast (self, _("PDF saved"));
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     gpointer         user_data)
{
  GpInvoicePreview *self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_clear_object (&self->chooser);
  if (file == NULL)
    return;

  path = g_file_get_path (file);
  if (path == NULL)
    {
      toast (self, _("Choose a folder on this computer."));
      return;
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.save-pdf", FALSE);
  gp_invoice_document_write_pdf_async (self->document, path, NULL, self->cancellable, written_cb,
                                       g_object_ref (self));
}

static void
save_pdf_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  GpInvoicePreview *self = GP_INVOICE_PREVIEW (widget);
  g_autofree char *name = NULL;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->document == NULL || self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (_("Save Invoice as PDF"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  _gp_ui_chooser_start_in_documents (GTK_FILE_CHOOSER (self->chooser));
  name = gp_invoice_document_suggest_filename (self->document);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  gtk_file_filter_set_name (filter, _("PDF documents"));
  gtk_file_filter_add_mime_type (filter, "application/pdf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
print_done_cb (GtkPrintOperation       *operation,
               GtkPrintOperationResult  result,
               gpointer                 user_data)
{
  GpInvoicePreview *self = user_data;
  g_autoptr(GError) error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      gtk_print_operation_get_error (operation, &error);
      toast (self, error != NULL ? error->message : _("Printing failed."));
    }
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  GpInvoicePreview *self = GP_INVOICE_PREVIEW (widget);
  g_autoptr(GtkPrintOperation) operation = NULL;
  g_autoptr(GError) error = NULL;

  if (self->document == NULL)
    return;

  operation = gp_invoice_document_create_print_operation (self->document);
  gtk_print_operation_set_allow_async (operation, TRUE);
  g_signal_connect_object (operation, "done", G_CALLBACK (print_done_cb), self, 0);
  if (gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, GTK_WINDOW (self), &error) ==
      GTK_PRINT_OPERATION_RESULT_ERROR)
    toast (self, error->message);
}

/**
 * gp_invoice_preview_get_n_pages:
 * @self: a #GpInvoicePreview
 *
 * Returns: the document's page count on the default paper (0 until rendered)
 */
guint
gp_invoice_preview_get_n_pages (GpInvoicePreview *self)
{
  g_return_val_if_fail (GP_IS_INVOICE_PREVIEW (self), 0);

  return self->n_pages;
}

/**
 * gp_invoice_preview_is_ready:
 * @self: a #GpInvoicePreview
 *
 * Returns: whether page 1 is shown
 */
gboolean
gp_invoice_preview_is_ready (GpInvoicePreview *self)
{
  g_return_val_if_fail (GP_IS_INVOICE_PREVIEW (self), FALSE);

  return gtk_picture_get_paintable (self->picture) != NULL;
}

static void
gp_invoice_preview_dispose (GObject *object)
{
  GpInvoicePreview *self = GP_INVOICE_PREVIEW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_INVOICE_PREVIEW);

  g_clear_object (&self->chooser);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->document);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gp_invoice_preview_parent_class)->dispose (object);
}

static void
gp_invoice_preview_class_init (GpInvoicePreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_invoice_preview_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-invoice-preview.ui");
  gtk_widget_class_bind_template_child (widget_class, GpInvoicePreview, picture);
  gtk_widget_class_bind_template_child (widget_class, GpInvoicePreview, save_button);
  gtk_widget_class_bind_template_child (widget_class, GpInvoicePreview, stack);
  gtk_widget_class_bind_template_child (widget_class, GpInvoicePreview, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, GpInvoicePreview, window_title);

  gtk_widget_class_install_action (widget_class, "preview.save-pdf", NULL, save_pdf_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "preview.save-pdf", NULL);
  gtk_widget_class_install_action (widget_class, "preview.print", NULL, print_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "preview.print", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
gp_invoice_preview_init (GpInvoicePreview *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.gigpilot.GigPilot", TRUE);
  if (schema != NULL)
    self->settings = g_settings_new ("io.github.gigpilot.GigPilot");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.save-pdf", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.print", FALSE);
}

/**
 * gp_invoice_preview_new:
 * @parent: (nullable): the window it belongs to
 * @store: the store
 * @invoice_id: the invoice or credit note
 *
 * Returns: (transfer floating): the preview window; it loads and renders by itself
 */
GpInvoicePreview *
gp_invoice_preview_new (GtkWindow  *parent,
                        GpStore    *store,
                        const char *invoice_id)
{
  GpInvoicePreview *self;

  g_return_val_if_fail (GP_IS_STORE (store), NULL);
  g_return_val_if_fail (invoice_id != NULL, NULL);

  self = g_object_new (GP_TYPE_INVOICE_PREVIEW, "transient-for", parent, NULL);
  self->store = g_object_ref (store);
  gp_billing_load_async (store, invoice_id, self->cancellable, loaded_cb, g_object_ref (self));
  return self;
}
