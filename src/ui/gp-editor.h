/* gp-editor.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gp-record.h"
#include "gp-store.h"

G_BEGIN_DECLS

#define GP_TYPE_EDITOR (gp_editor_get_type ())

/* Derivable: the client, invoice and ticket editors share the save/ask-before-closing flow. */
G_DECLARE_DERIVABLE_TYPE (GpEditor, gp_editor, GP, EDITOR, AdwWindow)

struct _GpEditorClass
{
  AdwWindowClass parent_class;

  gboolean (*is_dirty) (GpEditor *self);
  /* Validates and starts saving; calls gp_editor_save_finished() when done. */
  void     (*save)     (GpEditor *self);
};

GpStore  *gp_editor_get_store          (GpEditor   *self);
GpRecord *gp_editor_get_record         (GpEditor   *self);
gboolean  gp_editor_is_dirty           (GpEditor   *self);
void      gp_editor_save               (GpEditor   *self);
void      gp_editor_save_finished      (GpEditor   *self,
                                        gboolean    success);
GCancellable *gp_editor_get_cancellable (GpEditor  *self);

G_END_DECLS
