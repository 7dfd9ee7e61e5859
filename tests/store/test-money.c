/* test-money.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include "gp-error.h"
#include "gp-money.h"
#include "gp-record.h"

static void
check_line (gint64 quantity,
            gint64 price,
            gint64 discount,
            gint64 rate,
            gint64 want_gross,
            gint64 want_discount,
            gint64 want_net,
            gint64 want_tax)
{
  g_autoptr(GError) error = NULL;
  gint64 gross = -1, disc = -1, net = -1, tax = -1;

  g_assert_true (gp_invoice_line_compute_full (quantity, price, discount, rate, &gross, &disc, &net, &tax, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gross, ==, want_gross);
  g_assert_cmpint (disc, ==, want_discount);
  g_assert_cmpint (net, ==, want_net);
  g_assert_cmpint (tax, ==, want_tax);

  net = tax = -1;
  g_assert_true (gp_invoice_line_compute (quantity, price, discount, rate, &net, &tax, NULL));
  g_assert_cmpint (net, ==, want_net);
  g_assert_cmpint (tax, ==, want_tax);
}

static void
test_line_rounding (void)
{
  /*          qty    price disc  rate   gross disc  net   tax */
  check_line (1000,  1000, 0,    0,     1000, 0,    1000, 0);
  check_line (2500,  1999, 0,    0,     4998, 0,    4998, 0);      /* 4997.5 -> 4998 */
  check_line (500,   1,    0,    0,     1,    0,    1,    0);      /* 0.5 rounds up */
  check_line (499,   1,    0,    0,     0,    0,    0,    0);      /* 0.499 rounds down */
  check_line (1500,  1,    0,    0,     2,    0,    2,    0);
  check_line (-500,  1,    0,    0,     -1,   0,    -1,   0);      /* away from zero */
  check_line (1000,  -3,   5000, 5000,  -3,   -2,   -1,   -1);     /* credit: -1.5 -> -2, -0.5 -> -1 */
  check_line (1000,  5,    1000, 0,     5,    1,    4,    0);      /* discount 0.5 -> 1 */
  check_line (1000,  1000, 2500, 1900,  1000, 250,  750,  143);    /* tax on the discounted net: 142.5 */
  check_line (3000,  333,  10000, 2000, 999,  999,  0,    0);      /* 100 % discount */
  check_line (1000,  10,   0,    500,   10,   0,    10,   1);      /* 0.5 tax rounds up */
  check_line (0,     1000, 0,    2000,  0,    0,    0,    0);
}

static void
test_line_invalid (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (gp_invoice_line_compute (1000, 100, -1, 0, NULL, NULL, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "discount"));
  g_clear_error (&error);
  g_assert_false (gp_invoice_line_compute (1000, 100, 10001, 0, NULL, NULL, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (gp_invoice_line_compute (1000, 100, 0, -5, NULL, NULL, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "tax rate"));
}

static void
test_line_large (void)
{
  g_autoptr(GError) error = NULL;
  gint64 net = 0, tax = 0;

  /* 10^12 minor units (ten billion euros) per unit, 1000 units, 20 % tax: exact. */
  check_line (1000 * 1000, G_GINT64_CONSTANT (1000000000000), 0, 2000,
              G_GINT64_CONSTANT (1000000000000000), 0, G_GINT64_CONSTANT (1000000000000000),
              G_GINT64_CONSTANT (200000000000000));
  /* The largest accepted amount and quantity together overflow 64 bits: an error, no wrap. */
  g_assert_false (gp_invoice_line_compute (GP_MONEY_MAX_AMOUNT, GP_MONEY_MAX_AMOUNT, 0, 0, &net, &tax, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "too large"));
  g_clear_error (&error);
  /* Exactly G_MAXINT64 still fits; one more unit does not. */
  g_assert_true (gp_invoice_line_compute (1000, G_MAXINT64, 0, 10000, &net, &tax, &error));
  g_assert_cmpint (net, ==, G_MAXINT64);
  g_assert_cmpint (tax, ==, G_MAXINT64);
  g_assert_false (gp_invoice_line_compute (1001, G_MAXINT64, 0, 0, &net, &tax, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
}

static GpRecord *
line (gint64 quantity,
      gint64 price,
      gint64 discount,
      gint64 rate)
{
  g_autoptr(JsonObject) fields = json_object_new ();

  json_object_set_int_member (fields, "quantity", quantity);
  json_object_set_int_member (fields, "unit_price", price);
  json_object_set_int_member (fields, "discount", discount);
  json_object_set_int_member (fields, "tax_rate", rate);
  return gp_record_new ("invoice_lines", "l", fields);
}

static void
test_totals (void)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  GpInvoiceTotals totals = { -1, -1, -1, -1 };

  g_assert_true (gp_invoice_compute_totals (lines, &totals, &error));
  g_assert_cmpint (totals.total, ==, 0);

  g_ptr_array_add (lines, line (2500, 12000, 0, 2000));     /* 30000, tax 6000 */
  g_ptr_array_add (lines, line (1000, 1000, 2500, 1900));   /* 1000 - 250, tax 143 */
  g_ptr_array_add (lines, line (1000, 5, 1000, 0));         /* 5 - 1 */
  g_ptr_array_add (lines, line (1000, 999, 10000, 2000));   /* free */
  g_assert_true (gp_invoice_compute_totals (lines, &totals, &error));
  g_assert_no_error (error);
  g_assert_cmpint (totals.subtotal, ==, 30000 + 1000 + 5 + 999);
  g_assert_cmpint (totals.discount, ==, 250 + 1 + 999);
  g_assert_cmpint (totals.tax, ==, 6000 + 143);
  g_assert_cmpint (totals.total, ==, totals.subtotal - totals.discount + totals.tax);
  g_assert_cmpint (totals.total, ==, 36897);

  /* Per-line rounding: three lines of 0.5 make 3, not round(1.5) = 2. */
  g_ptr_array_set_size (lines, 0);
  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (lines, line (500, 1, 0, 0));
  g_assert_true (gp_invoice_compute_totals (lines, &totals, &error));
  g_assert_cmpint (totals.total, ==, 3);

  /* 10^12 per line, a thousand lines: fine. */
  g_ptr_array_set_size (lines, 0);
  for (guint i = 0; i < 1000; i++)
    g_ptr_array_add (lines, line (1000, G_GINT64_CONSTANT (1000000000000), 0, 2500));
  g_assert_true (gp_invoice_compute_totals (lines, &totals, &error));
  g_assert_cmpint (totals.subtotal, ==, G_GINT64_CONSTANT (1000000000000000));
  g_assert_cmpint (totals.total, ==, G_GINT64_CONSTANT (1250000000000000));

  /* Sums that leave 64 bits are reported, not wrapped. */
  g_ptr_array_set_size (lines, 0);
  g_ptr_array_add (lines, line (1000, G_MAXINT64 - 10, 0, 0));
  g_ptr_array_add (lines, line (1000, 11, 0, 0));
  g_assert_false (gp_invoice_compute_totals (lines, &totals, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  /* One line whose net and tax fit, but not their sum. */
  g_ptr_array_set_size (lines, 0);
  g_ptr_array_add (lines, line (1000, G_MAXINT64, 0, 10000));
  g_assert_false (gp_invoice_compute_totals (lines, &totals, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
}

static void
check_format (gint64      minor,
              const char *currency,
              const char *expected)
{
  g_autofree char *text = gp_money_format (minor, currency);
  g_autoptr(GError) error = NULL;
  gint64 back = 0;

  g_assert_cmpstr (text, ==, expected);
  /* What we print, we read back. */
  g_assert_true (gp_money_parse (text, currency, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpint (back, ==, minor);
}

static void
test_format_c (void)
{
  g_assert_cmpuint (gp_money_get_minor_digits ("EUR"), ==, 2);
  g_assert_cmpuint (gp_money_get_minor_digits ("JPY"), ==, 0);
  g_assert_cmpuint (gp_money_get_minor_digits ("KWD"), ==, 3);
  g_assert_cmpuint (gp_money_get_minor_digits ("BHD"), ==, 3);

  check_format (123456, "EUR", "€1,234.56");
  check_format (0, "EUR", "€0.00");
  check_format (-5, "EUR", "-€0.05");
  check_format (100, "USD", "$1.00");
  check_format (1235, "JPY", "¥1,235");
  check_format (1234, "KWD", "KWD 1.234");
  check_format (G_GINT64_CONSTANT (1000000000000000), "EUR", "€10,000,000,000,000.00");
  check_format (99, "CHF", "CHF 0.99");

  {
    /* The extremes format without overflow. */
    g_autofree char *min = gp_money_format (G_MININT64, "EUR");
    g_assert_cmpstr (min, ==, "-€92,233,720,368,547,758.08");
  }
}

static void
check_parse (const char *text,
             const char *currency,
             gint64      expected)
{
  g_autoptr(GError) error = NULL;
  gint64 value = 0;

  g_assert_true (gp_money_parse (text, currency, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (value, ==, expected);
}

static void
check_parse_fails (const char *text,
                   const char *currency,
                   const char *fragment)
{
  g_autoptr(GError) error = NULL;
  gint64 value = 42;

  g_assert_false (gp_money_parse (text, currency, &value, &error));
  g_assert_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, fragment));
  g_assert_cmpint (value, ==, 42);
}

static void
test_parse_c (void)
{
  check_parse ("1,234.56", "EUR", 123456);
  check_parse ("1234.5", "EUR", 123450);
  check_parse (" 12 ", "EUR", 1200);
  check_parse ("€12", "EUR", 1200);
  check_parse ("12 EUR", "EUR", 1200);
  check_parse ("-3.50", "EUR", -350);
  check_parse (".5", "EUR", 50);
  check_parse ("1234", "JPY", 1234);
  check_parse ("1.5", "KWD", 1500);
  check_parse ("10000000000000.00", "EUR", G_GINT64_CONSTANT (1000000000000000));

  check_parse_fails ("12.345", "EUR", "at most 2 decimals");
  check_parse_fails ("1.5", "JPY", "no decimals");
  check_parse_fails ("abc", "EUR", "not an amount");
  check_parse_fails ("", "EUR", "not an amount");
  check_parse_fails ("1.2.3", "EUR", "not an amount");
  check_parse_fails ("10000000000000.01", "EUR", "too large");
  check_parse_fails ("99999999999999999999999999", "EUR", "too large");
}

static void
test_locale_german (void)
{
  if (setlocale (LC_ALL, "de_DE.UTF-8") == NULL)
    {
      g_test_skip ("the de_DE.UTF-8 locale is not installed");
      return;
    }

  check_format (123456, "EUR", "1.234,56 €");
  check_format (-5, "EUR", "-0,05 €");
  check_format (1235, "JPY", "1.235 ¥");
  check_parse ("1.234,56", "EUR", 123456);
  check_parse ("12,5 €", "EUR", 1250);
  /* A "." that cannot be grouping is taken as the decimal mark people often type. */
  check_parse ("12.50", "EUR", 1250);
  check_parse ("1.234", "EUR", 123400);

  setlocale (LC_ALL, "C");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/money/line/rounding", test_line_rounding);
  g_test_add_func ("/money/line/invalid", test_line_invalid);
  g_test_add_func ("/money/line/large", test_line_large);
  g_test_add_func ("/money/totals", test_totals);
  g_test_add_func ("/money/format/c", test_format_c);
  g_test_add_func ("/money/parse/c", test_parse_c);
  g_test_add_func ("/money/locale/german", test_locale_german);

  return g_test_run ();
}
