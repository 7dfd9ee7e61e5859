/* gp-invoice-document.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-invoice-document.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "gp-ui-util.h"

/* Layout in points (1/72 inch). The margins suit both A4 and Letter. */
#define MARGIN         50.0
#define FOOTER_HEIGHT  22.0
#define CELL_PAD       4.5
#define FONT_FAMILY    "Sans"

/* Colours: near-black text, a quieter grey for labels, a pale band for the table header. */
#define INK      0.13, 0.13, 0.15
#define MUTED    0.42, 0.43, 0.47
#define RULE     0.80, 0.81, 0.83
#define BAND     0.94, 0.95, 0.96

struct _GpInvoiceDocument
{
  GObject parent_instance;

  /* Owned */
  GpInvoiceBundle *bundle;
  char            *business_name;
  char            *business_address;
  char            *business_email;
  char            *business_tax_id;
  char            *business_bank;
  char            *logo_path;

  /* Loaded on first draw, on whichever thread draws first. */
  GMutex           logo_lock;
  gboolean         logo_tried;
  GdkPixbuf       *logo;
};

G_DEFINE_FINAL_TYPE (GpInvoiceDocument, gp_invoice_document, G_TYPE_OBJECT)

typedef enum
{
  ALIGN_LEFT,
  ALIGN_RIGHT,
} Align;

/* One walk through the document, page by page. Measuring and drawing are the same walk,
 * so the page count can never disagree with what is drawn. */
typedef struct
{
  GpInvoiceDocument *doc;
  cairo_t           *cr;
  double             width;
  double             height;
  double             left;
  double             right;
  double             top;
  double             bottom;
  guint              page;     /* the page the walk is on */
  guint              target;   /* the page to draw; G_MAXUINT to only measure */
  guint              n_pages;  /* known when drawing, for "Page N of M" */
  double             y;
} Flow;

static gboolean
is_credit_note (GpInvoiceDocument *self)
{
  return g_strcmp0 (gp_record_get_string (self->bundle->invoice, "kind"), "credit_note") == 0;
}

static const char *
currency (GpInvoiceDocument *self)
{
  const char *code = gp_record_get_string (self->bundle->invoice, "currency");

  return code != NULL ? code : "EUR";
}

static char *
money (GpInvoiceDocument *self,
       gint64             minor)
{
  return gp_money_format (minor, currency (self));
}

static char *
format_date (const char *iso)
{
  return _gp_ui_format_long_date (iso);
}

static gboolean
drawing (Flow *flow)
{
  return flow->page == flow->target;
}

static PangoLayout *
make_layout (Flow       *flow,
             const char *text,
             double      size,
             gboolean    bold,
             double      width,
             Align       align)
{
  PangoLayout *layout = pango_cairo_create_layout (flow->cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string (FONT_FAMILY);

  pango_font_description_set_size (font, (int)(size * PANGO_SCALE));
  pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  if (width > 0)
    {
      pango_layout_set_width (layout, (int)(width * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    }
  pango_layout_set_alignment (layout, align == ALIGN_RIGHT ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
  pango_layout_set_text (layout, text != NULL ? text : "", -1);
  return layout;
}

static double
layout_height (PangoLayout *layout)
{
  int w, h;

  pango_layout_get_size (layout, &w, &h);
  return (double)h / PANGO_SCALE;
}

static void
show (Flow        *flow,
      PangoLayout *layout,
      double       x,
      double       y,
      double       r,
      double       g,
      double       b)
{
  if (!drawing (flow))
    return;
  cairo_set_source_rgb (flow->cr, r, g, b);
  cairo_move_to (flow->cr, x, y);
  pango_cairo_show_layout (flow->cr, layout);
}

/* Draws text and returns its height. */
static double
text (Flow       *flow,
      const char *content,
      double      x,
      double      y,
      double      width,
      double      size,
      gboolean    bold,
      Align       align,
      gboolean    muted)
{
  g_autoptr(PangoLayout) layout = make_layout (flow, content, size, bold, width, align);

  if (muted)
    show (flow, layout, x, y, MUTED);
  else
    show (flow, layout, x, y, INK);
  return layout_height (layout);
}

static void
rule (Flow   *flow,
      double  x1,
      double  x2,
      double  y,
      double  line_width)
{
  if (!drawing (flow))
    return;
  cairo_set_source_rgb (flow->cr, RULE);
  cairo_set_line_width (flow->cr, line_width);
  cairo_move_to (flow->cr, x1, y);
  cairo_line_to (flow->cr, x2, y);
  cairo_stroke (flow->cr);
}

static GdkPixbuf *
get_logo (GpInvoiceDocument *self)
{
  GdkPixbuf *logo;

  g_mutex_lock (&self->logo_lock);
  if (!self->logo_tried)
    {
      g_autoptr(GError) error = NULL;

      self->logo_tried = TRUE;
      if (self->logo_path != NULL && self->logo_path[0] != '\0')
        {
          /* Larger than printed, for a sharp PDF; never the full camera image. */
          self->logo = gdk_pixbuf_new_from_file_at_scale (self->logo_path, 600, 300, TRUE, &error);
          if (self->logo == NULL)
            g_debug ("Leaving the logo out: %s", error->message);
        }
    }
  logo = self->logo != NULL ? g_object_ref (self->logo) : NULL;
  g_mutex_unlock (&self->logo_lock);
  return logo;
}

/* The page furniture: footer with page numbers, and a watermark on drafts and void ones. */
static void
draw_page_frame (Flow *flow)
{
  GpInvoiceDocument *self = flow->doc;
  const char *status = gp_record_get_string (self->bundle->invoice, "status");
  const char *number = gp_record_get_string (self->bundle->invoice, "number");
  g_autofree char *page_text = NULL;
  g_autofree char *left_text = NULL;
  double footer_y = flow->height - MARGIN - FOOTER_HEIGHT + 8;

  if (!drawing (flow))
    return;

  if (g_strcmp0 (status, "draft") == 0 || g_strcmp0 (status, "void") == 0)
    {
      /* Translators: a large watermark across an unsent or cancelled invoice. */
      const char *mark = g_strcmp0 (status, "draft") == 0 ? _("DRAFT") : _("VOID");
      g_autoptr(PangoLayout) layout = make_layout (flow, mark, 96, TRUE, -1, ALIGN_LEFT);
      int w, h;

      pango_layout_get_size (layout, &w, &h);
      cairo_save (flow->cr);
      cairo_translate (flow->cr, flow->width / 2, flow->height / 2);
      cairo_rotate (flow->cr, -G_PI / 6);
      cairo_set_source_rgba (flow->cr, 0.85, 0.2, 0.2, 0.12);
      cairo_move_to (flow->cr, -(double)w / PANGO_SCALE / 2, -(double)h / PANGO_SCALE / 2);
      pango_cairo_show_layout (flow->cr, layout);
      cairo_restore (flow->cr);
    }

  rule (flow, flow->left, flow->right, footer_y - 6, 0.5);
  /* Translators: the page footer, "Page 2 of 3". */
  page_text = g_strdup_printf (_("Page %u of %u"), flow->page + 1, MAX (flow->n_pages, flow->page + 1));
  text (flow, page_text, flow->left, footer_y, flow->right - flow->left, 8, FALSE, ALIGN_RIGHT, TRUE);
  left_text = g_strdup_printf ("%s%s%s", self->business_name != NULL ? self->business_name : "",
                               self->business_name != NULL && self->business_name[0] && number ? " · " : "",
                               number != NULL ? number : "");
  text (flow, left_text, flow->left, footer_y, (flow->right - flow->left) * 0.7, 8, FALSE, ALIGN_LEFT, TRUE);
}

static void
new_page (Flow *flow)
{
  flow->page++;
  flow->y = flow->top;
  draw_page_frame (flow);
}

/* The table's columns, as fractions of the content width. */
static const struct
{
  double       share;
  Align        align;
} columns[] = {
  { 0.46, ALIGN_LEFT },    /* description */
  { 0.10, ALIGN_RIGHT },   /* quantity */
  { 0.17, ALIGN_RIGHT },   /* unit price */
  { 0.09, ALIGN_RIGHT },   /* tax */
  { 0.18, ALIGN_RIGHT },   /* amount */
};

static void
column_box (Flow   *flow,
            guint   column,
            double *x,
            double *width)
{
  double content = flow->right - flow->left;
  double at = flow->left;

  for (guint i = 0; i < column; i++)
    at += columns[i].share * content;
  *x = at + CELL_PAD;
  *width = columns[column].share * content - 2 * CELL_PAD;
}

static double
table_row (Flow        *flow,
           const char **cells,
           gboolean     header,
           double       max_height,
           gboolean     draw)
{
  PangoLayout *layouts[G_N_ELEMENTS (columns)];
  double height = 0;

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      double x, w;

      column_box (flow, i, &x, &w);
      layouts[i] = make_layout (flow, cells[i], header ? 8.5 : 9.5, header, w, columns[i].align);
      /* A description longer than a page is shortened, so a row is never cut in two. */
      if (i == 0 && max_height > 0)
        {
          pango_layout_set_height (layouts[i], (int)((max_height - 2 * CELL_PAD) * PANGO_SCALE));
          pango_layout_set_ellipsize (layouts[i], PANGO_ELLIPSIZE_END);
        }
      height = MAX (height, layout_height (layouts[i]));
    }
  height += 2 * CELL_PAD;

  if (draw && drawing (flow))
    {
      if (header)
        {
          cairo_set_source_rgb (flow->cr, BAND);
          cairo_rectangle (flow->cr, flow->left, flow->y, flow->right - flow->left, height);
          cairo_fill (flow->cr);
        }
      for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
        {
          double x, w;

          column_box (flow, i, &x, &w);
          if (header)
            show (flow, layouts[i], x, flow->y + CELL_PAD, MUTED);
          else
            show (flow, layouts[i], x, flow->y + CELL_PAD, INK);
        }
      if (!header)
        rule (flow, flow->left, flow->right, flow->y + height, 0.4);
    }

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    g_object_unref (layouts[i]);

  if (draw)
    flow->y += height;
  return height;
}

static void
table_header (Flow *flow)
{
  const char *cells[] = {
    _("Description"),
    /* Translators: column heading, short for quantity. */
    _("Qty"),
    _("Unit price"),
    _("Tax"),
    _("Amount"),
  };

  table_row (flow, cells, TRUE, 0, TRUE);
}

static void
draw_header (Flow *flow)
{
  GpInvoiceDocument *self = flow->doc;
  GpRecord *invoice = self->bundle->invoice;
  GpRecord *client = self->bundle->client;
  double content = flow->right - flow->left;
  double left_w = content * 0.48;
  double meta_x = flow->left + content * 0.52;
  double meta_w = content * 0.48;
  double y = flow->top;
  double left_y, right_y;
  g_autoptr(GdkPixbuf) logo = get_logo (self);
  double logo_h = 0;
  g_autoptr(GString) contact = g_string_new (NULL);

  /* Logo, top right, at most 150 × 56 pt. */
  if (logo != NULL)
    {
      double pw = gdk_pixbuf_get_width (logo), ph = gdk_pixbuf_get_height (logo);
      double scale = MIN (150.0 / pw, 56.0 / ph);

      logo_h = ph * scale;
      if (drawing (flow))
        {
          cairo_save (flow->cr);
          cairo_translate (flow->cr, flow->right - pw * scale, y);
          cairo_scale (flow->cr, scale, scale);
          gdk_cairo_set_source_pixbuf (flow->cr, logo, 0, 0);
          cairo_paint (flow->cr);
          cairo_restore (flow->cr);
        }
    }

  /* The sender. */
  left_y = y;
  if (self->business_name != NULL && self->business_name[0] != '\0')
    left_y += text (flow, self->business_name, flow->left, left_y, content * 0.62, 15, TRUE, ALIGN_LEFT, FALSE) + 3;
  if (self->business_address != NULL && self->business_address[0] != '\0')
    left_y += text (flow, self->business_address, flow->left, left_y, left_w, 9, FALSE, ALIGN_LEFT, TRUE);
  if (self->business_email != NULL && self->business_email[0] != '\0')
    g_string_append (contact, self->business_email);
  if (self->business_tax_id != NULL && self->business_tax_id[0] != '\0')
    {
      if (contact->len > 0)
        g_string_append (contact, "\n");
      /* Translators: the sender's VAT or tax number on an invoice. */
      g_string_append_printf (contact, _("Tax ID: %s"), self->business_tax_id);
    }
  if (contact->len > 0)
    left_y += text (flow, contact->str, flow->left, left_y, left_w, 9, FALSE, ALIGN_LEFT, TRUE);

  /* The title, right, under the logo. */
  right_y = y + (logo_h > 0 ? logo_h + 10 : 0);
  {
    /* One line, flush right, however long the translation. */
    g_autoptr(PangoLayout) title = make_layout (flow, is_credit_note (self) ? _("CREDIT NOTE") : _("INVOICE"),
                                                22, TRUE, -1, ALIGN_LEFT);
    int tw, th;

    pango_layout_get_size (title, &tw, &th);
    show (flow, title, flow->right - (double)tw / PANGO_SCALE, right_y, INK);
    right_y += (double)th / PANGO_SCALE + 6;
  }

  y = MAX (left_y, right_y) + 20;

  /* Bill to (left) and the invoice's facts (right). */
  left_y = y;
  left_y += text (flow, _("BILL TO"), flow->left, left_y, left_w, 7.5, TRUE, ALIGN_LEFT, TRUE) + 3;
  if (client != NULL)
    {
      const char *company = gp_record_get_string (client, "company");
      const char *address = gp_record_get_string (client, "address");
      const char *tax_id = gp_record_get_string (client, "tax_id");

      left_y += text (flow, gp_record_get_string (client, "name"), flow->left, left_y, left_w, 11, TRUE,
                      ALIGN_LEFT, FALSE) + 1;
      if (company != NULL && company[0] != '\0')
        left_y += text (flow, company, flow->left, left_y, left_w, 9.5, FALSE, ALIGN_LEFT, FALSE);
      if (address != NULL && address[0] != '\0')
        left_y += text (flow, address, flow->left, left_y, left_w, 9.5, FALSE, ALIGN_LEFT, FALSE);
      if (tax_id != NULL && tax_id[0] != '\0')
        {
          g_autofree char *line = g_strdup_printf (_("Tax ID: %s"), tax_id);

          left_y += text (flow, line, flow->left, left_y, left_w, 9.5, FALSE, ALIGN_LEFT, FALSE);
        }
    }

  right_y = y;
  {
    struct { const char *label; char *value; } facts[4] = { { NULL, NULL } };
    guint n = 0;

    facts[n].label = is_credit_note (self) ? _("Credit note number") : _("Invoice number");
    facts[n++].value = g_strdup (gp_record_get_string (invoice, "number") != NULL
                                 ? gp_record_get_string (invoice, "number") : "—");
    facts[n].label = _("Issue date");
    facts[n++].value = format_date (gp_record_get_string (invoice, "issued_on"));
    if (!is_credit_note (self) && gp_record_has_value (invoice, "due_on"))
      {
        facts[n].label = _("Due date");
        facts[n++].value = format_date (gp_record_get_string (invoice, "due_on"));
      }
    if (is_credit_note (self) && self->bundle->credited != NULL)
      {
        facts[n].label = _("Corrects invoice");
        facts[n++].value = g_strdup (gp_record_get_string (self->bundle->credited, "number"));
      }

    for (guint i = 0; i < n; i++)
      {
        double h1 = text (flow, facts[i].label, meta_x, right_y, meta_w * 0.5, 9, FALSE, ALIGN_LEFT, TRUE);
        double h2 = text (flow, facts[i].value, meta_x + meta_w * 0.5, right_y, meta_w * 0.5, 9.5, TRUE,
                          ALIGN_RIGHT, FALSE);

        right_y += MAX (h1, h2) + 3;
        g_free (facts[i].value);
      }
  }

  flow->y = MAX (left_y, right_y) + 22;
}

typedef struct
{
  gint64 rate;
  gint64 base;
  gint64 tax;
} RateSum;

static void
draw_lines (Flow *flow)
{
  GpInvoiceDocument *self = flow->doc;
  GPtrArray *lines = self->bundle->lines;
  double page_room = flow->bottom - flow->top - 60;

  table_header (flow);

  for (guint i = 0; i < lines->len; i++)
    {
      GpRecord *line = g_ptr_array_index (lines, i);
      gint64 gross = 0, discount = 0, net = 0, tax = 0;
      g_autofree char *quantity = _gp_ui_format_milli (gp_record_get_int (line, "quantity"));
      g_autofree char *price = money (self, gp_record_get_int (line, "unit_price"));
      g_autofree char *rate = _gp_ui_format_bp (gp_record_get_int (line, "tax_rate"));
      g_autofree char *rate_text = g_strdup_printf ("%s %%", rate);
      g_autofree char *amount = NULL;
      g_autofree char *description = NULL;
      const char *cells[G_N_ELEMENTS (columns)];
      double height;

      gp_invoice_line_compute_full (gp_record_get_int (line, "quantity"), gp_record_get_int (line, "unit_price"),
                                    gp_record_get_int (line, "discount"), gp_record_get_int (line, "tax_rate"),
                                    &gross, &discount, &net, &tax, NULL);
      amount = money (self, net);
      if (gp_record_get_int (line, "discount") > 0)
        {
          g_autofree char *pct = _gp_ui_format_bp (gp_record_get_int (line, "discount"));

          /* Translators: under a line's description, e.g. "Discount 10 %". */
          description = g_strdup_printf (_("%s\nDiscount %s %%"),
                                         gp_record_get_string (line, "description") != NULL
                                         ? gp_record_get_string (line, "description") : "", pct);
        }
      else
        description = g_strdup (gp_record_get_string (line, "description"));

      cells[0] = description != NULL ? description : "";
      cells[1] = quantity;
      cells[2] = price;
      cells[3] = rate_text;
      cells[4] = amount;

      height = table_row (flow, cells, FALSE, page_room, FALSE);
      if (flow->y + height > flow->bottom)
        {
          g_autofree char *continued = NULL;

          new_page (flow);
          /* Translators: at the top of a following page, e.g. "Invoice 2026-0042 (continued)". */
          continued = g_strdup_printf (_("%s %s (continued)"),
                                       is_credit_note (self) ? _("Credit note") : _("Invoice"),
                                       gp_record_get_string (self->bundle->invoice, "number") != NULL
                                       ? gp_record_get_string (self->bundle->invoice, "number") : "");
          flow->y += text (flow, continued, flow->left, flow->y, flow->right - flow->left, 9, FALSE,
                           ALIGN_LEFT, TRUE) + 8;
          table_header (flow);
        }
      table_row (flow, cells, FALSE, page_room, TRUE);
    }
}

static int
compare_rates (gconstpointer a,
               gconstpointer b)
{
  const RateSum *ra = a, *rb = b;

  return ra->rate < rb->rate ? -1 : ra->rate > rb->rate;
}

static char *
payment_terms (GpInvoiceDocument *self)
{
  GpRecord *invoice = self->bundle->invoice;
  const char *terms = gp_record_get_string (invoice, "terms");

  if (is_credit_note (self))
    return g_strdup (terms);
  if ((terms == NULL || terms[0] == '\0') && gp_record_has_value (invoice, "due_on") &&
      self->bundle->balance.outstanding > 0)
    {
      g_autofree char *due = format_date (gp_record_get_string (invoice, "due_on"));
      g_autofree char *amount = money (self, self->bundle->balance.outstanding);
      const char *number = gp_record_get_string (invoice, "number");

      /* Translators: the default payment terms: amount, due date, invoice number. */
      return g_strdup_printf (_("Please pay %s by %s, quoting invoice number %s."), amount, due,
                              number != NULL ? number : "");
    }
  return g_strdup (terms);
}

/* A titled paragraph at (x, y) of the given width; returns its height (0 if empty). */
static double
block (Flow       *flow,
       const char *title,
       const char *body,
       double      x,
       double      y,
       double      width)
{
  double height;

  if (body == NULL || body[0] == '\0')
    return 0;
  height = text (flow, title, x, y, width, 7.5, TRUE, ALIGN_LEFT, TRUE) + 3;
  height += text (flow, body, x, y + height, width, 9, FALSE, ALIGN_LEFT, FALSE);
  return height + 12;
}

/* Totals (right) with the tax per rate, then credits and payments; payment terms and bank
 * details beside them (left). Kept together on one page. */
static void
draw_totals (Flow *flow)
{
  GpInvoiceDocument *self = flow->doc;
  GpInvoiceBundle *bundle = self->bundle;
  g_autoptr(GArray) rates = g_array_new (FALSE, TRUE, sizeof (RateSum));
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) strong = g_array_new (FALSE, TRUE, sizeof (gboolean));
  g_autofree char *terms = payment_terms (self);
  double content = flow->right - flow->left;
  double x = flow->left + content * 0.46;
  double w = content * 0.54;
  double side_w = content * 0.42;
  gboolean yes = TRUE, no = FALSE;

  for (guint i = 0; i < bundle->lines->len; i++)
    {
      GpRecord *line = g_ptr_array_index (bundle->lines, i);
      gint64 rate = gp_record_get_int (line, "tax_rate");
      gint64 net = 0, tax = 0;
      guint j;

      gp_invoice_line_compute (gp_record_get_int (line, "quantity"), gp_record_get_int (line, "unit_price"),
                               gp_record_get_int (line, "discount"), rate, &net, &tax, NULL);
      for (j = 0; j < rates->len; j++)
        if (g_array_index (rates, RateSum, j).rate == rate)
          break;
      if (j == rates->len)
        {
          RateSum sum = { rate, 0, 0 };

          g_array_append_val (rates, sum);
        }
      g_array_index (rates, RateSum, j).base += net;
      g_array_index (rates, RateSum, j).tax += tax;
    }
  g_array_sort (rates, compare_rates);

#define ROW(label, value, bold) \
  G_STMT_START { g_ptr_array_add (labels, label); g_ptr_array_add (values, value); \
                 g_array_append_val (strong, bold); } G_STMT_END

  ROW (g_strdup (_("Subtotal")), money (self, bundle->totals.subtotal), no);
  if (bundle->totals.discount != 0)
    ROW (g_strdup (_("Discount")), money (self, -bundle->totals.discount), no);
  for (guint i = 0; i < rates->len; i++)
    {
      RateSum *sum = &g_array_index (rates, RateSum, i);
      g_autofree char *pct = _gp_ui_format_bp (sum->rate);
      g_autofree char *base = money (self, sum->base);

      /* Translators: a tax line in the totals, e.g. "Tax 19 % on €1,000.00". */
      ROW (g_strdup_printf (_("Tax %s %% on %s"), pct, base), money (self, sum->tax), no);
    }
  ROW (g_strdup (is_credit_note (self) ? _("Total credited") : _("Total")), money (self, bundle->totals.total), yes);

  if (!is_credit_note (self) && (bundle->balance.credited != 0 || bundle->balance.paid != 0))
    {
      if (bundle->balance.credited != 0)
        {
          g_autoptr(GString) numbers = g_string_new (NULL);

          for (guint i = 0; i < bundle->credit_notes->len; i++)
            g_string_append_printf (numbers, "%s%s", i > 0 ? ", " : "",
                                    gp_record_get_string (g_ptr_array_index (bundle->credit_notes, i), "number"));
          /* Translators: credit notes deducted in the totals, e.g. "Credited (CN-2026-0001)". */
          ROW (g_strdup_printf (_("Credited (%s)"), numbers->str), money (self, -bundle->balance.credited), no);
        }
      if (bundle->balance.paid != 0)
        ROW (g_strdup (_("Paid")), money (self, -bundle->balance.paid), no);
      ROW (g_strdup (_("Amount due")), money (self, MAX (bundle->balance.outstanding, 0)), yes);
    }
#undef ROW

  /* Measure, then keep the block together. */
  for (guint pass = 0; pass < 2; pass++)
    {
      Flow measure = *flow;
      Flow *f = pass == 0 ? &measure : flow;
      double y = flow->y + 10;
      double side_y = flow->y + 14;
      double height;

      if (pass == 0)
        measure.target = G_MAXUINT;
      for (guint i = 0; i < labels->len; i++)
        {
          gboolean bold = g_array_index (strong, gboolean, i);
          double size = bold ? 10.5 : 9.5;
          double h1, h2;

          if (bold)
            {
              rule (f, x, flow->right, y, 0.8);
              y += 4;
            }
          h1 = text (f, g_ptr_array_index (labels, i), x + CELL_PAD, y, w * 0.62, size, bold, ALIGN_LEFT, !bold);
          h2 = text (f, g_ptr_array_index (values, i), x + w * 0.6, y, w * 0.4 - CELL_PAD, size, bold,
                     ALIGN_RIGHT, FALSE);
          y += MAX (h1, h2) + 3;
        }

      side_y += block (f, _("PAYMENT TERMS"), terms, flow->left, side_y, side_w);
      if (!is_credit_note (self))
        side_y += block (f, _("BANK DETAILS"), self->business_bank, flow->left, side_y, side_w);

      height = MAX (y, side_y) - flow->y;
      if (pass == 0 && flow->y + height > flow->bottom)
        new_page (flow);
      if (pass == 1)
        flow->y += height + 14;
    }
}

static void
draw_closing (Flow *flow)
{
  GpInvoiceDocument *self = flow->doc;
  const char *notes = gp_record_get_string (self->bundle->invoice, "notes");
  Flow measure = *flow;
  double width = flow->right - flow->left;

  measure.target = G_MAXUINT;
  if (flow->y + block (&measure, _("NOTES"), notes, flow->left, flow->y, width) > flow->bottom)
    new_page (flow);
  flow->y += block (flow, _("NOTES"), notes, flow->left, flow->y, width);
}

static guint
walk (GpInvoiceDocument *self,
      cairo_t           *cr,
      double             width,
      double             height,
      guint              target,
      guint              n_pages)
{
  Flow flow = { 0 };

  flow.doc = self;
  flow.cr = cr;
  flow.width = width;
  flow.height = height;
  flow.left = MARGIN;
  flow.right = width - MARGIN;
  flow.top = MARGIN;
  flow.bottom = height - MARGIN - FOOTER_HEIGHT;
  flow.target = target;
  flow.n_pages = n_pages;
  flow.page = 0;
  flow.y = flow.top;

  draw_page_frame (&flow);
  draw_header (&flow);
  draw_lines (&flow);
  draw_totals (&flow);
  draw_closing (&flow);

  return flow.page + 1;
}

static cairo_t *
measuring_context (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);

  cairo_surface_destroy (surface);
  return cr;
}

/**
 * gp_invoice_document_count_pages:
 * @self: a #GpInvoiceDocument
 * @width: the page width in points
 * @height: the page height in points
 *
 * Returns: how many pages the document takes on that paper
 */
guint
gp_invoice_document_count_pages (GpInvoiceDocument *self,
                                 double             width,
                                 double             height)
{
  cairo_t *cr;
  guint n;

  g_return_val_if_fail (GP_IS_INVOICE_DOCUMENT (self), 0);

  cr = measuring_context ();
  n = walk (self, cr, width, height, G_MAXUINT, 0);
  cairo_destroy (cr);
  return n;
}

/**
 * gp_invoice_document_draw_page:
 * @self: a #GpInvoiceDocument
 * @cr: where to draw, in points, origin at the page's top left
 * @width: the page width in points
 * @height: the page height in points
 * @page: the page to draw, from 0
 *
 * Draws one page.
 */
void
gp_invoice_document_draw_page (GpInvoiceDocument *self,
                               cairo_t           *cr,
                               double             width,
                               double             height,
                               guint              page)
{
  guint n_pages;

  g_return_if_fail (GP_IS_INVOICE_DOCUMENT (self));
  g_return_if_fail (cr != NULL);

  n_pages = gp_invoice_document_count_pages (self, width, height);
  walk (self, cr, width, height, page, n_pages);
}

static void
paper_points (GtkPaperSize *paper,
              double       *width,
              double       *height)
{
  g_autoptr(GtkPaperSize) fallback = NULL;

  if (paper == NULL)
    paper = fallback = gtk_paper_size_new (NULL);
  *width = gtk_paper_size_get_width (paper, GTK_UNIT_POINTS);
  *height = gtk_paper_size_get_height (paper, GTK_UNIT_POINTS);
}

/**
 * gp_invoice_document_write_pdf:
 * @self: a #GpInvoiceDocument
 * @path: the file to write (replaced only once the new one is complete)
 * @paper: (nullable): the paper; %NULL for the locale's default (A4 or Letter)
 * @error: return location for an error
 *
 * Writes the document as a PDF. Blocks: call it from a worker (see
 * gp_invoice_document_write_pdf_async()).
 *
 * Returns: whether the file was written
 */
gboolean
gp_invoice_document_write_pdf (GpInvoiceDocument  *self,
                               const char         *path,
                               GtkPaperSize       *paper,
                               GError            **error)
{
  g_autofree char *partial = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  double width, height;
  guint n_pages;
  const char *number;
  g_autofree char *title = NULL;

  g_return_val_if_fail (GP_IS_INVOICE_DOCUMENT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  paper_points (paper, &width, &height);
  n_pages = gp_invoice_document_count_pages (self, width, height);
  partial = g_strconcat (path, ".part", NULL);

  surface = cairo_pdf_surface_create (partial, width, height);
  number = gp_record_get_string (self->bundle->invoice, "number");
  title = gp_invoice_document_suggest_filename (self);
  if (g_str_has_suffix (title, ".pdf"))
    title[strlen (title) - 4] = '\0';
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "GigPilot " PACKAGE_VERSION);
  if (self->business_name != NULL)
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_AUTHOR, self->business_name);
  if (number != NULL)
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_SUBJECT, number);

  cr = cairo_create (surface);
  for (guint page = 0; page < n_pages; page++)
    {
      walk (self, cr, width, height, page, n_pages);
      cairo_show_page (cr);
    }
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_unlink (partial);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”: %s."), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  if (g_rename (partial, path) != 0)
    {
      int saved_errno = errno;

      g_unlink (partial);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), _("Could not write “%s”: %s."),
                   path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  char         *path;
  GtkPaperSize *paper;
} WriteData;

static void
write_data_free (WriteData *data)
{
  g_free (data->path);
  g_clear_pointer (&data->paper, gtk_paper_size_free);
  g_free (data);
}

static void
write_pdf_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  WriteData *data = task_data;
  g_autoptr(GError) error = NULL;

  if (gp_invoice_document_write_pdf (source_object, data->path, data->paper, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * gp_invoice_document_write_pdf_async:
 * @self: a #GpInvoiceDocument
 * @path: the file to write
 * @paper: (nullable): the paper (copied); %NULL for the locale's default
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the file is written
 * @user_data: data for @callback
 *
 * Writes the PDF on a worker thread.
 */
void
gp_invoice_document_write_pdf_async (GpInvoiceDocument   *self,
                                     const char          *path,
                                     GtkPaperSize        *paper,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WriteData *data;

  g_return_if_fail (GP_IS_INVOICE_DOCUMENT (self));
  g_return_if_fail (path != NULL);

  data = g_new0 (WriteData, 1);
  data->path = g_strdup (path);
  data->paper = paper != NULL ? gtk_paper_size_copy (paper) : gtk_paper_size_new (NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gp_invoice_document_write_pdf_async);
  g_task_set_task_data (task, data, (GDestroyNotify)write_data_free);
  g_task_run_in_thread (task, write_pdf_thread);
}

/**
 * gp_invoice_document_write_pdf_finish:
 * @self: a #GpInvoiceDocument
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: whether the file was written
 */
gboolean
gp_invoice_document_write_pdf_finish (GpInvoiceDocument  *self,
                                      GAsyncResult       *result,
                                      GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gp_invoice_document_render_page:
 * @self: a #GpInvoiceDocument
 * @paper: (nullable): the paper; %NULL for the locale's default
 * @width_px: the image's width in pixels
 * @page: the page, from 0
 *
 * Renders a page as an image, for the preview.
 *
 * Returns: (transfer full): the page
 */
GdkTexture *
gp_invoice_document_render_page (GpInvoiceDocument *self,
                                 GtkPaperSize      *paper,
                                 int                width_px,
                                 guint              page)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  double width, height, scale;
  int height_px;
  g_autoptr(GBytes) bytes = NULL;
  GdkTexture *texture;

  g_return_val_if_fail (GP_IS_INVOICE_DOCUMENT (self), NULL);
  g_return_val_if_fail (width_px > 0, NULL);

  paper_points (paper, &width, &height);
  scale = width_px / width;
  height_px = (int)(height * scale + 0.5);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width_px, height_px);
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_scale (cr, scale, scale);
  gp_invoice_document_draw_page (self, cr, width, height, page);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  bytes = g_bytes_new (cairo_image_surface_get_data (surface),
                       (gsize)cairo_image_surface_get_stride (surface) * height_px);
  texture = gdk_memory_texture_new (width_px, height_px, GDK_MEMORY_DEFAULT, bytes,
                                    cairo_image_surface_get_stride (surface));
  cairo_surface_destroy (surface);
  return texture;
}

static void
begin_print_cb (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                gpointer           user_data)
{
  GpInvoiceDocument *self = user_data;

  gtk_print_operation_set_n_pages (operation,
                                   (int)gp_invoice_document_count_pages (self, gtk_print_context_get_width (context),
                                                                         gtk_print_context_get_height (context)));
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page,
              gpointer           user_data)
{
  GpInvoiceDocument *self = user_data;

  gp_invoice_document_draw_page (self, gtk_print_context_get_cairo_context (context),
                                 gtk_print_context_get_width (context),
                                 gtk_print_context_get_height (context), (guint)page);
}

/**
 * gp_invoice_document_create_print_operation:
 * @self: a #GpInvoiceDocument
 *
 * Returns: (transfer full): a print operation that prints the document on the locale's
 *   default paper (the print dialog may change it)
 */
GtkPrintOperation *
gp_invoice_document_create_print_operation (GpInvoiceDocument *self)
{
  GtkPrintOperation *operation;
  g_autoptr(GtkPageSetup) setup = gtk_page_setup_new ();
  g_autoptr(GtkPaperSize) paper = gtk_paper_size_new (NULL);
  g_autofree char *name = NULL;

  g_return_val_if_fail (GP_IS_INVOICE_DOCUMENT (self), NULL);

  operation = gtk_print_operation_new ();
  gtk_page_setup_set_paper_size_and_default_margins (setup, paper);
  gtk_print_operation_set_default_page_setup (operation, setup);
  /* The document keeps its own margins; the whole sheet is ours. */
  gtk_print_operation_set_use_full_page (operation, TRUE);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  name = gp_invoice_document_suggest_filename (self);
  gtk_print_operation_set_job_name (operation, name);
  g_signal_connect_object (operation, "begin-print", G_CALLBACK (begin_print_cb), self, 0);
  g_signal_connect_object (operation, "draw-page", G_CALLBACK (draw_page_cb), self, 0);
  return operation;
}

/**
 * gp_invoice_document_suggest_filename:
 * @self: a #GpInvoiceDocument
 *
 * Returns: (transfer full): a file name for the PDF, such as "Invoice 2026-0042.pdf"
 */
char *
gp_invoice_document_suggest_filename (GpInvoiceDocument *self)
{
  const char *number;
  g_autofree char *name = NULL;

  g_return_val_if_fail (GP_IS_INVOICE_DOCUMENT (self), NULL);

  number = gp_record_get_string (self->bundle->invoice, "number");
  if (number == NULL || number[0] == '\0')
    number = _("draft");
  /* Translators: a PDF file name, e.g. "Invoice 2026-0042.pdf". */
  name = g_strdup_printf (is_credit_note (self) ? _("Credit note %s.pdf") : _("Invoice %s.pdf"), number);
  g_strdelimit (name, "/\\", '-');
  return g_steal_pointer (&name);
}

/**
 * gp_invoice_document_get_bundle:
 * @self: a #GpInvoiceDocument
 *
 * Returns: (transfer none): the invoice the document shows
 */
GpInvoiceBundle *
gp_invoice_document_get_bundle (GpInvoiceDocument *self)
{
  g_return_val_if_fail (GP_IS_INVOICE_DOCUMENT (self), NULL);

  return self->bundle;
}

static void
gp_invoice_document_finalize (GObject *object)
{
  GpInvoiceDocument *self = GP_INVOICE_DOCUMENT (object);

  g_clear_pointer (&self->bundle, gp_invoice_bundle_unref);
  g_free (self->business_name);
  g_free (self->business_address);
  g_free (self->business_email);
  g_free (self->business_tax_id);
  g_free (self->business_bank);
  g_free (self->logo_path);
  g_clear_object (&self->logo);
  g_mutex_clear (&self->logo_lock);

  G_OBJECT_CLASS (gp_invoice_document_parent_class)->finalize (object);
}

static void
gp_invoice_document_class_init (GpInvoiceDocumentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gp_invoice_document_finalize;
}

static void
gp_invoice_document_init (GpInvoiceDocument *self)
{
  g_mutex_init (&self->logo_lock);
}

/**
 * gp_invoice_document_new:
 * @bundle: the invoice
 * @settings: (nullable): the app's settings, for the business details printed on it
 *
 * Returns: (transfer full): a document
 */
GpInvoiceDocument *
gp_invoice_document_new (GpInvoiceBundle *bundle,
                         GSettings       *settings)
{
  GpInvoiceDocument *self;

  g_return_val_if_fail (bundle != NULL, NULL);

  self = g_object_new (GP_TYPE_INVOICE_DOCUMENT, NULL);
  self->bundle = gp_invoice_bundle_ref (bundle);
  if (settings != NULL)
    {
      self->business_name = g_settings_get_string (settings, "business-name");
      self->business_address = g_settings_get_string (settings, "business-address");
      self->business_email = g_settings_get_string (settings, "business-email");
      self->business_tax_id = g_settings_get_string (settings, "business-tax-id");
      self->business_bank = g_settings_get_string (settings, "business-bank-account");
      self->logo_path = g_settings_get_string (settings, "business-logo");
    }
  return self;
}
