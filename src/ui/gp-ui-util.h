/* gp-ui-util.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Translatable words for stored enumerations: invoice and ticket status, ticket priority. */
typedef struct
{
  const char *value;
  const char *label;   /* untranslated, marked with N_() */
} GpUiChoice;

const GpUiChoice *_gp_ui_invoice_statuses (guint      *n_choices);
const GpUiChoice *_gp_ui_ticket_statuses  (guint      *n_choices);
const GpUiChoice *_gp_ui_ticket_priorities (guint     *n_choices);
const char       *_gp_ui_choice_label     (const GpUiChoice *choices,
                                           guint             n_choices,
                                           const char       *value);
GtkStringList    *_gp_ui_choice_model     (const GpUiChoice *choices,
                                           guint             n_choices);
guint             _gp_ui_choice_index     (const GpUiChoice *choices,
                                           guint             n_choices,
                                           const char       *value);
void              _gp_ui_set_row_error    (GtkWidget        *row,
                                           gboolean          error);
char             *_gp_ui_format_bp        (gint64            bp);
gboolean          _gp_ui_parse_bp         (const char       *text,
                                           gint64           *bp);
char             *_gp_ui_format_milli     (gint64            milli);
gboolean          _gp_ui_parse_milli      (const char       *text,
                                           gint64           *milli);
gboolean          _gp_ui_is_valid_date    (const char       *text);
void              _gp_ui_status_page_set_icon_when_shown (AdwStatusPage *page,
                                                          const char    *icon_name);

G_END_DECLS

G_BEGIN_DECLS
const char *_gp_ui_column_label   (const char *column);
const char *_gp_ui_table_noun     (const char *table);
char       *_gp_ui_describe_value (JsonNode   *node);
char       *_gp_ui_record_title   (const char *table,
                                   JsonObject *fields);
void        _gp_ui_chooser_start_in_documents (GtkFileChooser *chooser);
char       *_gp_ui_format_date    (const char *iso);
char       *_gp_ui_format_long_date (const char *iso);
void        _gp_ui_load_style     (void);
G_END_DECLS
