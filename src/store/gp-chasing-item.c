/* gp-chasing-item.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-store"

#include "config.h"

#include "gp-chasing-item.h"

/* One invoice on the chasing ladder: its bundle and where it stands, as of the day the
 * ladder was evaluated. Immutable. */
struct _GpChasingItem
{
  GObject parent_instance;

  /* Owned */
  GpInvoiceBundle *bundle;
  GpChasingStatus  status;
};

G_DEFINE_FINAL_TYPE (GpChasingItem, gp_chasing_item, G_TYPE_OBJECT)

static void
gp_chasing_item_finalize (GObject *object)
{
  GpChasingItem *self = GP_CHASING_ITEM (object);

  g_clear_pointer (&self->bundle, gp_invoice_bundle_unref);

  G_OBJECT_CLASS (gp_chasing_item_parent_class)->finalize (object);
}

static void
gp_chasing_item_class_init (GpChasingItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gp_chasing_item_finalize;
}

static void
gp_chasing_item_init (GpChasingItem *self)
{
}

/**
 * gp_chasing_item_new:
 * @bundle: the invoice
 * @status: where it stands on the ladder (copied)
 *
 * Returns: (transfer full): a new item
 */
GpChasingItem *
gp_chasing_item_new (GpInvoiceBundle       *bundle,
                     const GpChasingStatus *status)
{
  GpChasingItem *self;

  g_return_val_if_fail (bundle != NULL, NULL);
  g_return_val_if_fail (status != NULL, NULL);

  self = g_object_new (GP_TYPE_CHASING_ITEM, NULL);
  self->bundle = gp_invoice_bundle_ref (bundle);
  self->status = *status;
  return self;
}

/**
 * gp_chasing_item_get_bundle:
 * @self: a #GpChasingItem
 *
 * Returns: (transfer none): the invoice and everything about it
 */
GpInvoiceBundle *
gp_chasing_item_get_bundle (GpChasingItem *self)
{
  g_return_val_if_fail (GP_IS_CHASING_ITEM (self), NULL);

  return self->bundle;
}

/**
 * gp_chasing_item_get_status:
 * @self: a #GpChasingItem
 *
 * Returns: (transfer none): where the invoice stands on the ladder
 */
const GpChasingStatus *
gp_chasing_item_get_status (GpChasingItem *self)
{
  g_return_val_if_fail (GP_IS_CHASING_ITEM (self), NULL);

  return &self->status;
}

/**
 * gp_chasing_item_get_invoice_id:
 * @self: a #GpChasingItem
 *
 * Returns: the invoice's id
 */
const char *
gp_chasing_item_get_invoice_id (GpChasingItem *self)
{
  g_return_val_if_fail (GP_IS_CHASING_ITEM (self), NULL);

  return gp_record_get_id (self->bundle->invoice);
}
