/* gp-window.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "gp-window.h"

struct _GpWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  GtkLabel *state_label;
};

G_DEFINE_FINAL_TYPE (GpWindow, gp_window, ADW_TYPE_APPLICATION_WINDOW)

static void
gp_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_WINDOW);

  G_OBJECT_CLASS (gp_window_parent_class)->dispose (object);
}

static void
gp_window_class_init (GpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/gigpilot/GigPilot/ui/gp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GpWindow, state_label);
}

static void
gp_window_init (GpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GpWindow *
gp_window_new (GpApplication *application)
{
  return g_object_new (GP_TYPE_WINDOW, "application", application, NULL);
}
