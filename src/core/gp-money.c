/* gp-money.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-core"

#include "config.h"

#include "gp-money.h"

#include <glib/gi18n.h>
#include <limits.h>
#include <locale.h>
#include <string.h>

#include "gp-error.h"
#include "gp-record.h"

__extension__ typedef __int128 Int128;

/* Divides rounding half away from zero; @b > 0. */
static Int128
round_div (Int128 a,
           Int128 b)
{
  Int128 q = a / b;
  Int128 r = a % b;

  g_assert (b > 0);

  if (r < 0)
    r = -r;
  if (2 * r >= b)
    q += a < 0 ? -1 : 1;

  return q;
}

static gboolean
fits_int64 (Int128 v)
{
  return v >= (Int128)G_MININT64 && v <= (Int128)G_MAXINT64;
}

static gboolean
set_overflow (GError **error)
{
  g_set_error_literal (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                       _("The amount is too large to compute exactly."));
  return FALSE;
}

/**
 * gp_invoice_line_compute_full:
 * @quantity_milli: the quantity in milli-units
 * @unit_price: the price of one unit in minor units
 * @discount_bp: the discount in basis points, 0 to 10000
 * @tax_rate_bp: the tax rate in basis points, 0 to 10000
 * @gross: (out) (optional): quantity × price, rounded
 * @discount: (out) (optional): the discount amount
 * @net: (out) (optional): @gross minus @discount
 * @tax: (out) (optional): the tax on @net
 * @error: return location for an error
 *
 * Computes one invoice line as described in gp-money.h.
 *
 * Returns: %FALSE with %GP_STORE_ERROR_INVALID for a rate out of range or a result that
 *   does not fit in 64 bits
 */
gboolean
gp_invoice_line_compute_full (gint64   quantity_milli,
                              gint64   unit_price,
                              gint64   discount_bp,
                              gint64   tax_rate_bp,
                              gint64  *gross,
                              gint64  *discount,
                              gint64  *net,
                              gint64  *tax,
                              GError **error)
{
  Int128 g, d, n, t;

  /* The number is formatted first: a G_GINT64_FORMAT inside _() would differ per platform
   * and never match the translation. */
  if (discount_bp < 0 || discount_bp > 10000)
    {
      g_autofree char *got = g_strdup_printf ("%" G_GINT64_FORMAT, discount_bp);

      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                   _("A discount must be between 0%% and 100%% (got %s basis points)."), got);
      return FALSE;
    }
  if (tax_rate_bp < 0 || tax_rate_bp > 10000)
    {
      g_autofree char *got = g_strdup_printf ("%" G_GINT64_FORMAT, tax_rate_bp);

      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                   _("A tax rate must be between 0%% and 100%% (got %s basis points)."), got);
      return FALSE;
    }

  /* |quantity × price| < 2^126, so the product itself cannot overflow 128 bits. */
  g = round_div ((Int128)quantity_milli * (Int128)unit_price, 1000);
  if (!fits_int64 (g))
    return set_overflow (error);
  d = round_div (g * discount_bp, 10000);
  n = g - d;
  t = round_div (n * tax_rate_bp, 10000);
  if (!fits_int64 (d) || !fits_int64 (n) || !fits_int64 (t))
    return set_overflow (error);

  if (gross != NULL)
    *gross = (gint64)g;
  if (discount != NULL)
    *discount = (gint64)d;
  if (net != NULL)
    *net = (gint64)n;
  if (tax != NULL)
    *tax = (gint64)t;

  return TRUE;
}

/**
 * gp_invoice_line_compute:
 * @quantity_milli: the quantity in milli-units
 * @unit_price: the price of one unit in minor units
 * @discount_bp: the discount in basis points, 0 to 10000
 * @tax_rate_bp: the tax rate in basis points, 0 to 10000
 * @net: (out) (optional): the discounted line amount
 * @tax: (out) (optional): the tax on @net
 * @error: return location for an error
 *
 * Computes one invoice line as described in gp-money.h.
 *
 * Returns: %FALSE with %GP_STORE_ERROR_INVALID for a rate out of range or an overflow
 */
gboolean
gp_invoice_line_compute (gint64   quantity_milli,
                         gint64   unit_price,
                         gint64   discount_bp,
                         gint64   tax_rate_bp,
                         gint64  *net,
                         gint64  *tax,
                         GError **error)
{
  return gp_invoice_line_compute_full (quantity_milli, unit_price, discount_bp, tax_rate_bp,
                                       NULL, NULL, net, tax, error);
}

/**
 * gp_invoice_compute_totals:
 * @lines: (element-type GpRecord): the invoice's lines (records of "invoice_lines")
 * @out: (out caller-allocates): the totals
 * @error: return location for an error
 *
 * Sums the lines of an invoice; each line is computed and rounded on its own first.
 *
 * Returns: %FALSE with %GP_STORE_ERROR_INVALID if a line is invalid or a sum overflows
 */
gboolean
gp_invoice_compute_totals (GPtrArray        *lines,
                           GpInvoiceTotals  *out,
                           GError          **error)
{
  gint64 subtotal = 0, discount = 0, tax = 0, total;

  g_return_val_if_fail (lines != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  for (guint i = 0; i < lines->len; i++)
    {
      GpRecord *line = g_ptr_array_index (lines, i);
      gint64 g, d, t;

      if (!gp_invoice_line_compute_full (gp_record_get_int (line, "quantity"),
                                         gp_record_get_int (line, "unit_price"),
                                         gp_record_get_int (line, "discount"),
                                         gp_record_get_int (line, "tax_rate"),
                                         &g, &d, NULL, &t, error))
        return FALSE;

      if (__builtin_add_overflow (subtotal, g, &subtotal) ||
          __builtin_add_overflow (discount, d, &discount) ||
          __builtin_add_overflow (tax, t, &tax))
        return set_overflow (error);
    }

  if (__builtin_sub_overflow (subtotal, discount, &total) ||
      __builtin_add_overflow (total, tax, &total))
    return set_overflow (error);

  out->subtotal = subtotal;
  out->discount = discount;
  out->tax = tax;
  out->total = total;
  return TRUE;
}

/**
 * gp_money_is_valid_currency:
 * @currency: (nullable): a currency code
 *
 * Returns: whether @currency looks like an ISO 4217 code: three uppercase ASCII letters
 */
gboolean
gp_money_is_valid_currency (const char *currency)
{
  if (currency == NULL || strlen (currency) != 3)
    return FALSE;

  for (guint i = 0; i < 3; i++)
    if (currency[i] < 'A' || currency[i] > 'Z')
      return FALSE;

  return TRUE;
}

/**
 * gp_money_get_minor_digits:
 * @currency: (nullable): an ISO 4217 code
 *
 * Returns: how many decimal digits the currency's minor unit has (JPY 0, EUR 2, KWD 3)
 */
guint
gp_money_get_minor_digits (const char *currency)
{
  static const char *zero[] = {
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
    "VND", "VUV", "XAF", "XOF", "XPF",
  };
  static const char *three[] = { "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND" };

  if (currency == NULL)
    return 2;

  for (guint i = 0; i < G_N_ELEMENTS (zero); i++)
    if (strcmp (currency, zero[i]) == 0)
      return 0;
  for (guint i = 0; i < G_N_ELEMENTS (three); i++)
    if (strcmp (currency, three[i]) == 0)
      return 3;

  return 2;
}

static const char *
currency_symbol (const char *currency)
{
  static const struct { const char *code, *symbol; } symbols[] = {
    { "EUR", "€" }, { "USD", "$" }, { "GBP", "£" }, { "JPY", "¥" }, { "INR", "₹" },
    { "KRW", "₩" }, { "ILS", "₪" }, { "NGN", "₦" }, { "UAH", "₴" }, { "VND", "₫" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (symbols); i++)
    if (g_strcmp0 (currency, symbols[i].code) == 0)
      return symbols[i].symbol;

  return NULL;
}

typedef struct
{
  char decimal[8];
  char thousands[8];
  gboolean symbol_first;
  gboolean space;
} Conventions;

static void
get_conventions (Conventions *conv)
{
  const struct lconv *lc = localeconv ();
  const char *decimal = lc->mon_decimal_point;
  const char *thousands = lc->mon_thousands_sep;

  if (decimal == NULL || decimal[0] == '\0')
    decimal = lc->decimal_point;
  if (decimal == NULL || decimal[0] == '\0')
    decimal = ".";
  /* The C locale defines no grouping; the product still groups, in the English way. */
  if (thousands == NULL || thousands[0] == '\0')
    thousands = strcmp (decimal, ",") == 0 ? "." : ",";

  g_strlcpy (conv->decimal, decimal, sizeof conv->decimal);
  g_strlcpy (conv->thousands, thousands, sizeof conv->thousands);
  conv->symbol_first = lc->p_cs_precedes != 0;
  conv->space = lc->p_sep_by_space == 1;
}

/**
 * gp_money_format:
 * @minor: an amount in minor units
 * @currency: (nullable): an ISO 4217 code
 *
 * Formats an amount for display with the locale's decimal mark, digit grouping and symbol
 * position, and the currency's number of minor digits: "€1,234.56" in the C locale,
 * "1.234,56 €" in German, "¥1,235" for JPY, "KWD 1.234" for a currency without a symbol.
 *
 * Returns: (transfer full): the formatted amount
 */
char *
gp_money_format (gint64      minor,
                 const char *currency)
{
  Conventions conv;
  guint digits = gp_money_get_minor_digits (currency);
  const char *symbol = currency_symbol (currency);
  g_autofree char *code_prefix = NULL;
  guint64 magnitude, major, fraction, divisor = 1;
  g_autofree char *major_text = NULL;
  GString *number = g_string_new (NULL);
  GString *out = g_string_new (NULL);
  gsize len;

  get_conventions (&conv);

  for (guint i = 0; i < digits; i++)
    divisor *= 10;
  magnitude = minor < 0 ? (guint64)0 - (guint64)minor : (guint64)minor;
  major = magnitude / divisor;
  fraction = magnitude % divisor;

  major_text = g_strdup_printf ("%" G_GUINT64_FORMAT, major);
  len = strlen (major_text);
  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (number, conv.thousands);
      g_string_append_c (number, major_text[i]);
    }
  if (digits > 0)
    g_string_append_printf (number, "%s%0*" G_GUINT64_FORMAT, conv.decimal, (int)digits, fraction);

  if (minor < 0)
    g_string_append_c (out, '-');

  if (symbol == NULL)
    {
      /* A bare code reads best with a space on either side. */
      code_prefix = g_strdup (currency != NULL ? currency : "");
      if (code_prefix[0] == '\0')
        g_string_append (out, number->str);
      else if (conv.symbol_first)
        g_string_append_printf (out, "%s %s", code_prefix, number->str);
      else
        g_string_append_printf (out, "%s %s", number->str, code_prefix);
    }
  else if (conv.symbol_first)
    g_string_append_printf (out, "%s%s%s", symbol, conv.space ? " " : "", number->str);
  else
    g_string_append_printf (out, "%s%s%s", number->str, conv.space ? " " : "", symbol);

  g_string_free (number, TRUE);
  return g_string_free (out, FALSE);
}

/**
 * gp_money_parse:
 * @text: what the user typed, e.g. "1,234.5", "€ 12", "-3.50"
 * @currency: (nullable): the ISO 4217 code the amount is in
 * @minor: (out): the amount in minor units
 * @error: return location for an error
 *
 * Parses an amount typed in the current locale: an optional sign, an optional currency
 * symbol or code, digits with optional grouping, and at most as many decimals as the
 * currency has minor digits. A "." is also accepted as the decimal mark when the text has
 * no locale decimal mark and the "." cannot be grouping.
 *
 * Returns: %FALSE with %GP_STORE_ERROR_INVALID and a sentence for the user
 */
gboolean
gp_money_parse (const char  *text,
                const char  *currency,
                gint64      *minor,
                GError     **error)
{
  Conventions conv;
  guint digits = gp_money_get_minor_digits (currency);
  const char *symbol = currency_symbol (currency);
  g_autofree char *s = NULL;
  const char *decimal;
  const char *p;
  gboolean negative = FALSE;
  gboolean seen_digit = FALSE;
  gboolean in_fraction = FALSE;
  guint fraction_digits = 0;
  Int128 value = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (minor != NULL, FALSE);

  get_conventions (&conv);
  s = g_strstrip (g_strdup (text));

  /* Peel off signs, symbols and codes at either end. */
  for (;;)
    {
      gsize before = strlen (s);

      if (s[0] == '-' || s[0] == '+')
        {
          negative = s[0] == '-';
          memmove (s, s + 1, strlen (s));
        }
      else if (g_str_has_suffix (s, "-"))
        {
          negative = TRUE;
          s[strlen (s) - 1] = '\0';
        }
      if (symbol != NULL && g_str_has_prefix (s, symbol))
        memmove (s, s + strlen (symbol), strlen (s) - strlen (symbol) + 1);
      if (symbol != NULL && g_str_has_suffix (s, symbol))
        s[strlen (s) - strlen (symbol)] = '\0';
      if (currency != NULL && g_str_has_prefix (s, currency))
        memmove (s, s + strlen (currency), strlen (s) - strlen (currency) + 1);
      if (currency != NULL && g_str_has_suffix (s, currency))
        s[strlen (s) - strlen (currency)] = '\0';
      g_strstrip (s);
      if (strlen (s) == before)
        break;
    }

  decimal = conv.decimal;
  if (strcmp (decimal, ".") != 0 && strstr (s, decimal) == NULL)
    {
      /* "12.50" typed in a locale whose mark is ",": read the "." as decimal if what
       * follows it is not a group of three digits. */
      const char *dot = strrchr (s, '.');

      if (dot != NULL && strchr (s, '.') == dot && strlen (dot + 1) != 3)
        decimal = ".";
    }

  for (p = s; *p != '\0';)
    {
      if (g_ascii_isdigit (*p))
        {
          if (in_fraction)
            {
              if (++fraction_digits > digits)
                {
                  if (digits == 0)
                    g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                                 _("Amounts in %s have no decimals."), currency);
                  else
                    g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                                 _("Amounts in %s have at most %u decimals."),
                                 currency != NULL ? currency : "this currency", digits);
                  return FALSE;
                }
            }
          value = value * 10 + (*p - '0');
          if (value > (Int128)GP_MONEY_MAX_AMOUNT * 1000)
            {
              g_set_error_literal (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                                   _("The amount is too large."));
              return FALSE;
            }
          seen_digit = TRUE;
          p++;
        }
      else if (!in_fraction && g_str_has_prefix (p, decimal))
        {
          in_fraction = TRUE;
          p += strlen (decimal);
        }
      else if (!in_fraction && seen_digit &&
               (g_str_has_prefix (p, conv.thousands) || *p == ' ' || *p == '\''))
        {
          p += g_str_has_prefix (p, conv.thousands) ? strlen (conv.thousands) : 1;
        }
      else if (g_str_has_prefix (p, "\u00a0") || g_str_has_prefix (p, "\u202f"))
        {
          /* Non-breaking spaces some locales group with. */
          p += g_str_has_prefix (p, "\u00a0") ? strlen ("\u00a0") : strlen ("\u202f");
        }
      else
        {
          g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                       _("“%s” is not an amount."), text);
          return FALSE;
        }
    }

  if (!seen_digit)
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                   _("“%s” is not an amount."), text);
      return FALSE;
    }

  for (; fraction_digits < digits; fraction_digits++)
    value *= 10;

  if (value > (Int128)GP_MONEY_MAX_AMOUNT)
    {
      g_set_error_literal (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                           _("The amount is too large."));
      return FALSE;
    }

  *minor = (gint64)(negative ? -value : value);
  return TRUE;
}
