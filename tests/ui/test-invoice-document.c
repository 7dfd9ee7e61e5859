/* test-invoice-document.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gtk/gtk.h>
#include <locale.h>
#include <string.h>

#include "gp-billing.h"
#include "gp-invoice-document.h"
#include "gp-store-test-utils.h"

/* Real PDFs from a real store, read back with poppler's pdftotext and pdfinfo. Set
 * GP_TEST_KEEP_PDF=<dir> to keep the files (and page 1 as PNG) for a look. */

typedef struct
{
  char      *dir;
  char      *path;
  GpStore   *store;
  GSettings *settings;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = gp_test_make_dir ();
  f->path = g_build_filename (f->dir, "gigpilot.db", NULL);
  f->store = gp_test_open_store (f->path);
  f->settings = g_settings_new ("io.github.gigpilot.GigPilot");
  g_settings_set_string (f->settings, "business-name", "Nordlicht Design Studio");
  g_settings_set_string (f->settings, "business-address", "Lindenstraße 12\n10969 Berlin\nGermany");
  g_settings_set_string (f->settings, "business-email", "hello@nordlicht.example");
  g_settings_set_string (f->settings, "business-tax-id", "DE123456789");
  g_settings_set_string (f->settings, "business-bank-account", "GLS Bank · IBAN DE02 4306 0967 1234 5678 00 · BIC GENODEM1GLS");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_settings_reset (f->settings, "business-logo");
  g_clear_object (&f->settings);
  gp_test_close_store (g_steal_pointer (&f->store));
  gp_test_remove_dir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static char *
save (Fixture    *f,
      const char *table,
      const char *id,
      const char *json)
{
  g_autoptr(GError) error = NULL;
  char *saved = gp_test_save (f->store, table, id, json, &error);

  g_assert_no_error (error);
  return saved;
}

static GpInvoiceBundle *
load (Fixture    *f,
      const char *id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GpInvoiceBundle *bundle;

  gp_billing_load_async (f->store, id, NULL, gp_test_result_cb, &result);
  bundle = gp_billing_load_finish (f->store, gp_test_wait (&result), &error);
  g_assert_no_error (error);
  return bundle;
}

static char *
run (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return out;
}

static guint
pdf_pages (const char *pdf)
{
  const char *argv[] = { "pdfinfo", pdf, NULL };
  g_autofree char *out = run (argv);
  const char *line = strstr (out, "Pages:");

  g_assert_nonnull (line);
  return (guint)g_ascii_strtoull (line + 6 + strspn (line + 6, " "), NULL, 10);
}

static char *
pdf_text (const char *pdf)
{
  const char *argv[] = { "pdftotext", "-layout", "-enc", "UTF-8", pdf, "-", NULL };

  return run (argv);
}

/* Writes the PDF (on the worker, like the app) and keeps a copy if asked. */
static char *
write_pdf (Fixture           *f,
           GpInvoiceDocument *document,
           const char        *name,
           GtkPaperSize      *paper)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *pdf = g_build_filename (f->dir, name, NULL);
  g_autofree char *partial = g_strconcat (pdf, ".part", NULL);
  const char *keep = g_getenv ("GP_TEST_KEEP_PDF");

  gp_invoice_document_write_pdf_async (document, pdf, paper, NULL, gp_test_result_cb, &result);
  g_assert_true (gp_invoice_document_write_pdf_finish (document, gp_test_wait (&result), &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));

  if (keep != NULL)
    {
      g_autofree char *copy = g_build_filename (keep, name, NULL);
      g_autofree char *png = g_build_filename (keep, name, NULL);
      const char *argv[] = { "cp", pdf, copy, NULL };
      g_autofree char *out = run (argv);
      g_autoptr(GdkTexture) texture = gp_invoice_document_render_page (document, paper, 1240, 0);

      strcpy (png + strlen (png) - 4, ".png");
      g_assert_true (gdk_texture_save_to_png (texture, png));
    }
  return pdf;
}

static char *
add_client (Fixture    *f,
            const char *name)
{
  g_autofree char *json = g_strdup_printf ("{\"name\": \"%s\", \"company\": \"%s\", \"address\": "
                                           "\"Οδός Ερμού 25\\n105 63 Αθήνα\\nGreece\", \"tax_id\": \"EL094014201\", "
                                           "\"currency\": \"EUR\"}",
                                           name, "Ακρόπολη Ψηφιακή Α.Ε.");

  return save (f, "clients", NULL, json);
}

static char *
add_invoice (Fixture    *f,
             const char *client,
             const char *number,
             const char *currency,
             guint       n_lines)
{
  g_autofree char *json = g_strdup_printf ("{\"client_id\": \"%s\", \"number\": \"%s\", \"currency\": \"%s\", "
                                           "\"issued_on\": \"2026-03-02\", \"due_on\": \"2026-04-01\"}",
                                           client, number, currency);
  char *invoice = save (f, "invoices", NULL, json);
  static const char *descriptions[] = {
    "Website redesign — discovery workshop",
    "Логотип и фирменный стиль (Cyrillic)",
    "ウェブサイトの翻訳と校正 (Japanese translation and proofreading)",
    "Ανάπτυξη εφαρμογής για κινητά",
    "Hosting, one month",
  };
  static const gint64 rates[] = { 1900, 700, 0, 2400, 1900 };

  for (guint i = 0; i < n_lines; i++)
    {
      g_autofree char *line = g_strdup_printf ("{\"invoice_id\": \"%s\", \"position\": %u, \"description\": "
                                               "\"%s%s\", \"quantity\": %u, \"unit_price\": %u, \"tax_rate\": %"
                                               G_GINT64_FORMAT ", \"discount\": %u}",
                                               invoice, i, descriptions[i % G_N_ELEMENTS (descriptions)],
                                               i % 7 == 3 ? ": a longer description that wraps over more than one "
                                                            "line in the table, to check the row heights and page "
                                                            "breaks stay tidy" : "",
                                               1000 + (i % 4) * 1500, 4250 + i * 1000,
                                               rates[i % G_N_ELEMENTS (rates)], i % 5 == 1 ? 1000 : 0);
      g_free (save (f, "invoice_lines", NULL, line));
    }
  return invoice;
}

static void
test_new_destroy (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *client = add_client (f, "Ada");
  g_autofree char *invoice = add_invoice (f, client, "2026-0001", "EUR", 1);
  g_autoptr(GpInvoiceBundle) bundle = load (f, invoice);
  GpInvoiceDocument *document = gp_invoice_document_new (bundle, f->settings);

  g_assert_true (gp_invoice_document_get_bundle (document) == bundle);
  g_assert_finalize_object (document);
}

static void
test_short_invoice (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *client = add_client (f, "Ευάγγελος Παπαδόπουλος");
  g_autofree char *invoice = add_invoice (f, client, "2026-0042", "EUR", 5);
  g_autoptr(GpInvoiceBundle) bundle = NULL;
  g_autoptr(GpInvoiceDocument) document = NULL;
  g_autoptr(GtkPaperSize) a4 = gtk_paper_size_new (GTK_PAPER_NAME_A4);
  g_autofree char *pdf = NULL;
  g_autofree char *content = NULL;
  g_autofree char *total = NULL;
  g_autofree char *filename = NULL;
  GpInvoiceTotals totals;

  g_free (save (f, "invoices", invoice, "{\"status\": \"sent\", \"terms\": \"Payable within 30 days.\"}"));
  bundle = load (f, invoice);
  document = gp_invoice_document_new (bundle, f->settings);
  pdf = write_pdf (f, document, "short.pdf", a4);

  g_assert_cmpuint (pdf_pages (pdf), ==, 1);
  content = pdf_text (pdf);
  g_test_message ("%s", content);

  /* The totals printed are the store's arithmetic. */
  g_assert_true (gp_invoice_compute_totals (bundle->lines, &totals, NULL));
  total = gp_money_format (totals.total, "EUR");
  g_assert_nonnull (strstr (content, total));
  g_assert_nonnull (strstr (content, "Nordlicht Design Studio"));
  g_assert_nonnull (strstr (content, "DE123456789"));
  g_assert_nonnull (strstr (content, "Ευάγγελος Παπαδόπουλος"));
  g_assert_nonnull (strstr (content, "EL094014201"));
  g_assert_nonnull (strstr (content, "Логотип и фирменный стиль"));
  g_assert_nonnull (strstr (content, "ウェブサイトの翻訳と校正"));
  g_assert_nonnull (strstr (content, "2026-0042"));
  g_assert_nonnull (strstr (content, "IBAN DE02 4306 0967"));
  g_assert_nonnull (strstr (content, "Payable within 30 days."));
  g_assert_nonnull (strstr (content, "Page 1 of 1"));
  /* One tax line per rate: 0 %, 7 %, 19 %, 24 %. */
  g_assert_nonnull (strstr (content, "Tax 0 % on"));
  g_assert_nonnull (strstr (content, "Tax 7 % on"));
  g_assert_nonnull (strstr (content, "Tax 19 % on"));
  g_assert_nonnull (strstr (content, "Tax 24 % on"));
  g_assert_nonnull (strstr (content, "Discount"));

  filename = gp_invoice_document_suggest_filename (document);
  g_assert_cmpstr (filename, ==, "Invoice 2026-0042.pdf");
}

static void
test_long_invoice (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *client = add_client (f, "Προμηθευτής Ανώνυμη Εταιρεία Συμβούλων Επιχειρήσεων και "
                                           "Ψηφιακών Υπηρεσιών Μεγάλου Ονόματος");
  g_autofree char *invoice = add_invoice (f, client, "2026-0100", "JPY", 90);
  g_autoptr(GpInvoiceBundle) bundle = NULL;
  g_autoptr(GpInvoiceDocument) document = NULL;
  g_autoptr(GtkPaperSize) letter = gtk_paper_size_new (GTK_PAPER_NAME_LETTER);
  g_autoptr(GtkPaperSize) a4 = gtk_paper_size_new (GTK_PAPER_NAME_A4);
  g_autofree char *pdf = NULL;
  g_autofree char *content = NULL;
  g_autofree char *total = NULL;
  g_auto(GStrv) pages = NULL;
  guint n_pages, headers = 0, rows = 0;

  g_free (save (f, "invoices", invoice, "{\"status\": \"sent\"}"));
  bundle = load (f, invoice);
  document = gp_invoice_document_new (bundle, f->settings);
  {
    gint64 start = g_get_monotonic_time ();

    pdf = write_pdf (f, document, "long.pdf", letter);
    g_test_message ("90-line invoice: %u pages written in %" G_GINT64_FORMAT " ms", pdf_pages (pdf),
                    (g_get_monotonic_time () - start) / 1000);
  }

  n_pages = pdf_pages (pdf);
  g_assert_cmpuint (n_pages, >=, 3);
  g_assert_cmpuint (n_pages, ==, gp_invoice_document_count_pages (document, 612, 792));
  g_assert_cmpuint (gp_invoice_document_count_pages (document, 595.28, 841.89), !=, 0);
  content = pdf_text (pdf);

  /* Every page says where it is, and repeats the table header while lines go on. */
  pages = g_strsplit (content, "\f", -1);
  for (guint i = 0; i < n_pages; i++)
    {
      g_autofree char *footer = g_strdup_printf ("Page %u of %u", i + 1, n_pages);

      g_assert_nonnull (strstr (pages[i], footer));
      if (strstr (pages[i], "Description") != NULL)
        headers++;
      for (const char *p = pages[i]; (p = strstr (p, "Hosting, one month")) != NULL; p++)
        rows++;
    }
  g_assert_cmpuint (headers, >=, n_pages - 1);
  /* No row was lost or cut in two: 90 lines, every fifth one "Hosting". */
  g_assert_cmpuint (rows, ==, 18);

  total = gp_money_format (bundle->totals.total, "JPY");
  g_assert_nonnull (strstr (content, total));
  g_assert_nonnull (strstr (content, "Προμηθευτής"));
  g_assert_nonnull (strstr (content, "Ονόματος"));

  /* A4 works too. */
  g_free (pdf);
  pdf = write_pdf (f, document, "long-a4.pdf", a4);
  g_assert_cmpuint (pdf_pages (pdf), ==, gp_invoice_document_count_pages (document, 595.2755905511812,
                                                                          841.8897637795276));
}

static void
test_payments_and_credit (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *client = add_client (f, "Иван Петров");
  g_autofree char *invoice = add_invoice (f, client, "2026-0007", "EUR", 3);
  g_autoptr(GpInvoiceBundle) bundle = NULL;
  g_autoptr(GpInvoiceBundle) note = NULL;
  g_autoptr(GpInvoiceDocument) document = NULL;
  g_autoptr(GpInvoiceDocument) note_document = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *content = NULL;
  g_autofree char *due = NULL;
  g_autofree char *cn = NULL;
  g_autofree char *payment = NULL;

  g_free (save (f, "invoices", invoice, "{\"status\": \"sent\"}"));
  {
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);

    g_ptr_array_add (lines, gp_test_json ("{\"description\": \"Workshop cancelled\", \"quantity\": 1000, "
                                          "\"unit_price\": 4250, \"tax_rate\": 1900}"));
    gp_billing_credit_note_async (f->store, invoice, lines, "2026-03-10", "Workshop cancelled", NULL,
                                  gp_test_result_cb, &result);
    cn = gp_billing_credit_note_finish (f->store, gp_test_wait (&result), &error);
    g_assert_no_error (error);
  }
  g_clear_object (&result);
  gp_billing_add_payment_async (f->store, invoice, 5000, "2026-03-15", "Bank transfer", NULL, NULL,
                                gp_test_result_cb, &result);
  payment = gp_billing_add_payment_finish (f->store, gp_test_wait (&result), &error);
  g_assert_no_error (error);

  bundle = load (f, invoice);
  document = gp_invoice_document_new (bundle, f->settings);
  pdf = write_pdf (f, document, "paid-part.pdf", NULL);
  content = pdf_text (pdf);
  due = gp_money_format (bundle->balance.outstanding, "EUR");
  g_assert_nonnull (strstr (content, "Amount due"));
  g_assert_nonnull (strstr (content, due));
  g_assert_nonnull (strstr (content, "CN-2026-0001"));

  note = load (f, cn);
  note_document = gp_invoice_document_new (note, f->settings);
  g_free (pdf);
  g_free (content);
  pdf = write_pdf (f, note_document, "credit-note.pdf", NULL);
  content = pdf_text (pdf);
  g_assert_nonnull (strstr (content, "CREDIT NOTE"));
  g_assert_nonnull (strstr (content, "2026-0007"));
  g_assert_null (strstr (content, "BANK DETAILS"));
}

static void
test_bad_path (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *client = add_client (f, "Ada");
  g_autofree char *invoice = add_invoice (f, client, "2026-0001", "EUR", 1);
  g_autoptr(GpInvoiceBundle) bundle = load (f, invoice);
  g_autoptr(GpInvoiceDocument) document = gp_invoice_document_new (bundle, f->settings);

  /* A missing logo is left out; an unwritable place is a clear error. */
  g_settings_set_string (f->settings, "business-logo", "/nonexistent/logo.png");
  g_clear_object (&document);
  document = gp_invoice_document_new (bundle, f->settings);
  g_assert_false (gp_invoice_document_write_pdf (document, "/nonexistent/dir/out.pdf", NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/nonexistent/dir/out.pdf"));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/invoice-document/new-destroy", test_new_destroy);
  ADD ("/invoice-document/short", test_short_invoice);
  ADD ("/invoice-document/long", test_long_invoice);
  ADD ("/invoice-document/payments-and-credit", test_payments_and_credit);
  ADD ("/invoice-document/bad-path", test_bad_path);
#undef ADD

  return g_test_run ();
}
