/* gp-ui-util.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "gp-ui-util.h"

static const GpUiChoice invoice_statuses[] = {
  { "draft", N_("Draft") },
  { "sent", N_("Sent") },
  { "paid", N_("Paid") },
  { "void", N_("Void") },
};

static const GpUiChoice ticket_statuses[] = {
  { "open", N_("Open") },
  { "in-progress", N_("In progress") },
  { "waiting", N_("Waiting") },
  { "done", N_("Done") },
};

static const GpUiChoice ticket_priorities[] = {
  { "low", N_("Low") },
  { "normal", N_("Normal") },
  { "high", N_("High") },
  { "urgent", N_("Urgent") },
};

const GpUiChoice *
_gp_ui_invoice_statuses (guint *n_choices)
{
  *n_choices = G_N_ELEMENTS (invoice_statuses);
  return invoice_statuses;
}

const GpUiChoice *
_gp_ui_ticket_statuses (guint *n_choices)
{
  *n_choices = G_N_ELEMENTS (ticket_statuses);
  return ticket_statuses;
}

const GpUiChoice *
_gp_ui_ticket_priorities (guint *n_choices)
{
  *n_choices = G_N_ELEMENTS (ticket_priorities);
  return ticket_priorities;
}

const char *
_gp_ui_choice_label (const GpUiChoice *choices,
                     guint             n_choices,
                     const char       *value)
{
  if (value == NULL)
    return "";

  for (guint i = 0; i < n_choices; i++)
    if (strcmp (choices[i].value, value) == 0)
      return _(choices[i].label);

  /* A value from a newer version of the app: show it as it is rather than nothing. */
  return value;
}

guint
_gp_ui_choice_index (const GpUiChoice *choices,
                     guint             n_choices,
                     const char       *value)
{
  for (guint i = 0; value != NULL && i < n_choices; i++)
    if (strcmp (choices[i].value, value) == 0)
      return i;

  return 0;
}

GtkStringList *
_gp_ui_choice_model (const GpUiChoice *choices,
                     guint             n_choices)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (guint i = 0; i < n_choices; i++)
    gtk_string_list_append (list, _(choices[i].label));

  return list;
}

void
_gp_ui_set_row_error (GtkWidget *row,
                      gboolean   error)
{
  if (error)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
}

/* Fixed-point helpers: basis points shown as percent with up to two decimals, milli-units
 * as a number with up to three decimals. The user may type a comma or a point. */
static char *
format_fixed (gint64 value,
              guint  scale_digits)
{
  gint64 scale = scale_digits == 2 ? 100 : 1000;
  gint64 whole = value / scale;
  gint64 frac = ABS (value % scale);
  g_autofree char *digits = NULL;
  const char *sign = value < 0 && whole == 0 ? "-" : "";
  gsize len;

  if (frac == 0)
    return g_strdup_printf ("%s%" G_GINT64_FORMAT, sign, whole);

  digits = g_strdup_printf ("%0*" G_GINT64_FORMAT, (int) scale_digits, frac);
  len = strlen (digits);
  while (len > 0 && digits[len - 1] == '0')
    digits[--len] = '\0';

  return g_strdup_printf ("%s%" G_GINT64_FORMAT ".%s", sign, whole, digits);
}

static gboolean
parse_fixed (const char *text,
             guint       scale_digits,
             gint64     *out)
{
  g_autofree char *copy = NULL;
  char *p;
  gboolean negative = FALSE;
  gint64 whole = 0, frac = 0;
  guint n_frac = 0;

  if (text == NULL)
    return FALSE;

  copy = g_strstrip (g_strdup (text));
  p = copy;
  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  if (*p == '\0')
    return FALSE;

  for (; g_ascii_isdigit (*p); p++)
    {
      if (whole > G_MAXINT64 / 100000)
        return FALSE;
      whole = whole * 10 + (*p - '0');
    }

  if (*p == '.' || *p == ',')
    {
      p++;
      for (; g_ascii_isdigit (*p); p++)
        {
          if (n_frac == scale_digits)
            return FALSE;
          frac = frac * 10 + (*p - '0');
          n_frac++;
        }
    }

  if (*p != '\0')
    return FALSE;

  for (; n_frac < scale_digits; n_frac++)
    frac *= 10;

  *out = whole * (scale_digits == 2 ? 100 : 1000) + frac;
  if (negative)
    *out = -*out;

  return TRUE;
}

char *
_gp_ui_format_bp (gint64 bp)
{
  return format_fixed (bp, 2);
}

gboolean
_gp_ui_parse_bp (const char *text,
                 gint64     *bp)
{
  g_autofree char *copy = g_strdup (text ? text : "");
  char *pct = strchr (copy, '%');

  if (pct != NULL)
    *pct = '\0';

  return parse_fixed (copy, 2, bp);
}

char *
_gp_ui_format_milli (gint64 milli)
{
  return format_fixed (milli, 3);
}

gboolean
_gp_ui_parse_milli (const char *text,
                    gint64     *milli)
{
  return parse_fixed (text, 3, milli);
}

gboolean
_gp_ui_is_valid_date (const char *text)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *iso = NULL;

  if (text == NULL || strlen (text) != 10)
    return FALSE;

  iso = g_strdup_printf ("%sT00:00:00Z", text);
  dt = g_date_time_new_from_iso8601 (iso, NULL);

  return dt != NULL;
}

static const struct { const char *column; const char *label; } column_labels[] = {
  { "name", N_("Name") }, { "email", N_("Email") }, { "company", N_("Company") },
  { "address", N_("Address") }, { "tax_id", N_("Tax ID") }, { "currency", N_("Currency") },
  { "hourly_rate", N_("Hourly rate") }, { "notes", N_("Notes") }, { "client_id", N_("Client") },
  { "number", N_("Number") }, { "status", N_("Status") }, { "issued_on", N_("Issue date") },
  { "due_on", N_("Due date") }, { "paid_on", N_("Paid on") }, { "terms", N_("Terms") },
  { "invoice_id", N_("Invoice") }, { "position", N_("Position") },
  { "description", N_("Description") }, { "quantity", N_("Quantity") },
  { "unit_price", N_("Unit price") }, { "tax_rate", N_("Tax rate") },
  { "discount", N_("Discount") }, { "title", N_("Title") }, { "body", N_("Description") },
  { "priority", N_("Priority") },
};

const char *
_gp_ui_column_label (const char *column)
{
  for (guint i = 0; column != NULL && i < G_N_ELEMENTS (column_labels); i++)
    if (strcmp (column_labels[i].column, column) == 0)
      return _(column_labels[i].label);

  return column;
}

const char *
_gp_ui_table_noun (const char *table)
{
  if (g_strcmp0 (table, "clients") == 0)
    return _("Client");
  if (g_strcmp0 (table, "invoices") == 0)
    return _("Invoice");
  if (g_strcmp0 (table, "invoice_lines") == 0)
    return _("Invoice line");
  if (g_strcmp0 (table, "tickets") == 0)
    return _("Ticket");
  return table;
}

char *
_gp_ui_describe_value (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup (_("(empty)"));

  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_STRING)
        {
          const char *s = json_node_get_string (node);

          return g_strdup (s && s[0] ? s : _("(empty)"));
        }
      if (type == G_TYPE_INT64)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (type == G_TYPE_DOUBLE)
        return g_strdup_printf ("%g", json_node_get_double (node));
      if (type == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (node) ? _("yes") : _("no"));
    }

  return json_to_string (node, FALSE);
}

char *
_gp_ui_record_title (const char *table,
                     JsonObject *fields)
{
  static const char *title_columns[] = { "number", "name", "title", "description", NULL };

  for (guint i = 0; fields != NULL && title_columns[i] != NULL; i++)
    if (json_object_has_member (fields, title_columns[i]) &&
        JSON_NODE_HOLDS_VALUE (json_object_get_member (fields, title_columns[i])) &&
        json_node_get_value_type (json_object_get_member (fields, title_columns[i])) == G_TYPE_STRING)
      return g_strdup_printf ("%s %s", _gp_ui_table_noun (table),
                              json_object_get_string_member (fields, title_columns[i]));

  return g_strdup (_gp_ui_table_noun (table));
}

/* A save dialog without a folder saves into the directory GigPilot was started from, which
 * for a desktop app is anywhere: start in Documents (or the home folder). */
void
_gp_ui_chooser_start_in_documents (GtkFileChooser *chooser)
{
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);
  g_autoptr(GFile) folder = NULL;

  if (documents == NULL || !g_file_test (documents, G_FILE_TEST_IS_DIR))
    documents = g_get_home_dir ();
  folder = g_file_new_for_path (documents);
  gtk_file_chooser_set_current_folder (chooser, folder, NULL);
}

/* A stored date ("2026-04-02") as the user's locale writes it (GDateTime's %x: 04/02/2026,
 * 02.04.2026, ...), for reading; anything that is not such a date comes back unchanged. */
char *
_gp_ui_format_date (const char *iso)
{
  g_autoptr(GDateTime) dt = NULL;
  int year, month, day;
  char end;

  if (iso == NULL)
    return NULL;
  if (sscanf (iso, "%4d-%2d-%2d%c", &year, &month, &day, &end) != 3 || strlen (iso) != 10)
    return g_strdup (iso);
  dt = g_date_time_new_utc (year, month, day, 0, 0, 0);
  if (dt == NULL)
    return g_strdup (iso);
  return g_date_time_format (dt, "%x");
}

/* A stored date as letters and invoices write it ("2 April 2026", the month named in the
 * user's language); "" for none, anything that is not a date unchanged. */
char *
_gp_ui_format_long_date (const char *iso)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *text = NULL;

  if (iso == NULL)
    return g_strdup ("");
  stamp = g_strdup_printf ("%sT12:00:00Z", iso);
  dt = g_date_time_new_from_iso8601 (stamp, NULL);
  if (dt == NULL)
    return g_strdup (iso);
  /* "%-d": no padding (GLib pads "%e" with a figure space, which g_strstrip() keeps). */
  text = g_date_time_format (dt, "%-d %B %Y");
  return g_strdup (g_strstrip (text));
}

static void
status_page_mapped_cb (GtkWidget *page,
                       gpointer   user_data)
{
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (page),
                                 g_object_get_data (G_OBJECT (page), "gp-icon-name"));
}

/**
 * _gp_ui_status_page_set_icon_when_shown:
 * @page: an #AdwStatusPage
 * @icon_name: the icon it shows
 *
 * A status page draws its icon from SVG at 128 pixels as soon as it is styled, even
 * while it waits unseen behind a list (the empty state, "no matches"): three of them
 * cost about 70 ms of CPU next to the window's first frame. This gives @page its icon
 * when it is first shown instead.
 */
void
_gp_ui_status_page_set_icon_when_shown (AdwStatusPage *page,
                                        const char    *icon_name)
{
  g_return_if_fail (ADW_IS_STATUS_PAGE (page));

  g_object_set_data_full (G_OBJECT (page), "gp-icon-name", g_strdup (icon_name), g_free);
  if (gtk_widget_get_mapped (GTK_WIDGET (page)))
    status_page_mapped_cb (GTK_WIDGET (page), NULL);
  else if (g_signal_handler_find (page, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, status_page_mapped_cb, NULL) == 0)
    g_signal_connect (page, "map", G_CALLBACK (status_page_mapped_cb), NULL);
}

/**
 * _gp_ui_load_style:
 *
 * Adds GigPilot's style sheet to the default display, over libadwaita's.
 */
void
_gp_ui_load_style (void)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

  gtk_css_provider_load_from_resource (provider, "/io/github/gigpilot/GigPilot/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}
