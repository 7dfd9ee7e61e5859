/* gp-csv.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-core"

#include "config.h"

#include "gp-csv.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gp-error.h"

/**
 * gp_csv_append_field:
 * @out: the CSV being written
 * @field: (nullable): the field's exact text; %NULL is an empty field
 * @first: whether it is the first field of its row
 *
 * Appends one field, quoted only when RFC 4180 needs it.
 */
void
gp_csv_append_field (GString    *out,
                     const char *field,
                     gboolean    first)
{
  gsize len;

  g_return_if_fail (out != NULL);

  if (!first)
    g_string_append_c (out, ',');
  if (field == NULL || field[0] == '\0')
    return;

  len = strlen (field);
  if (strpbrk (field, ",\"\r\n") == NULL && field[0] != ' ' && field[len - 1] != ' ')
    {
      g_string_append (out, field);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = field; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/**
 * gp_csv_append_text:
 * @out: the CSV being written
 * @text: (nullable): free text a user typed
 * @first: whether it is the first field of its row
 *
 * Like gp_csv_append_field(), but text that a spreadsheet would run as a formula (starting
 * with =, +, -, @, a tab or CR) gets a leading apostrophe, which spreadsheets hide.
 * gp_csv_unguard_text() takes it off again on import.
 */
void
gp_csv_append_text (GString    *out,
                    const char *text,
                    gboolean    first)
{
  g_return_if_fail (out != NULL);

  if (text != NULL && strchr ("=+-@\t\r", text[0]) != NULL && text[0] != '\0')
    {
      g_autofree char *guarded = g_strconcat ("'", text, NULL);

      gp_csv_append_field (out, guarded, first);
    }
  else
    gp_csv_append_field (out, text, first);
}

/**
 * gp_csv_unguard_text:
 * @text: a text field read from CSV
 *
 * Returns: (transfer full): @text without the apostrophe gp_csv_append_text() adds
 */
char *
gp_csv_unguard_text (const char *text)
{
  g_return_val_if_fail (text != NULL, NULL);

  if (text[0] == '\'' && text[1] != '\0' && strchr ("=+-@\t\r", text[1]) != NULL)
    return g_strdup (text + 1);
  return g_strdup (text);
}

/**
 * gp_csv_end_row:
 * @out: the CSV being written
 *
 * Ends a row with CRLF.
 */
void
gp_csv_end_row (GString *out)
{
  g_return_if_fail (out != NULL);

  g_string_append (out, "\r\n");
}

/**
 * gp_csv_parse:
 * @text: CSV text (UTF-8; a byte-order mark is skipped)
 * @length: its length, or -1 if nul-terminated
 * @error: return location for an error
 *
 * Parses RFC 4180 CSV, accepting LF as well as CRLF between records. Empty lines are
 * skipped. A quote inside an unquoted field, text after a closing quote or an unclosed
 * quote is an error that names the line.
 *
 * Returns: (transfer full) (element-type GStrv): the rows, or %NULL with
 *   %GP_STORE_ERROR_INVALID
 */
GPtrArray *
gp_csv_parse (const char  *text,
              gssize       length,
              GError     **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
  g_autoptr(GPtrArray) row = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p, *end;
  guint line = 1, row_line = 1;
  gboolean quoted = FALSE, after_quote = FALSE, field_started = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  end = text + (length < 0 ? (gssize)strlen (text) : length);
  p = text;
  if (end - p >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;

  if (!g_utf8_validate (p, end - p, NULL))
    {
      g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                   _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."));
      return NULL;
    }

  for (; ; p++)
    {
      char c = p < end ? *p : '\0';
      gboolean at_end = p >= end;

      if (quoted && !at_end)
        {
          if (c == '"')
            {
              if (p + 1 < end && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p++;
                }
              else
                {
                  quoted = FALSE;
                  after_quote = TRUE;
                }
            }
          else
            {
              if (c == '\n')
                line++;
              g_string_append_c (field, c);
            }
          continue;
        }

      if (quoted && at_end)
        {
          g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                       _("Line %u: a quoted field is never closed."), row_line);
          return NULL;
        }

      if (at_end || c == ',' || c == '\n' || c == '\r')
        {
          gboolean end_of_row = at_end || c == '\n' || c == '\r';

          g_ptr_array_add (row, g_strdup (field->str));
          g_string_truncate (field, 0);
          after_quote = FALSE;
          field_started = FALSE;

          if (end_of_row)
            {
              /* A blank line is one empty field: skip it. */
              if (!(row->len == 1 && ((char *)g_ptr_array_index (row, 0))[0] == '\0'))
                {
                  g_ptr_array_add (row, NULL);
                  g_ptr_array_add (rows, g_ptr_array_steal (row, NULL));
                  g_ptr_array_unref (row);
                  row = g_ptr_array_new_with_free_func (g_free);
                }
              else
                g_ptr_array_set_size (row, 0);

              if (c == '\r' && p + 1 < end && p[1] == '\n')
                p++;
              line++;
              row_line = line;
            }
          if (at_end)
            break;
          continue;
        }

      if (after_quote)
        {
          g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                       _("Line %u: there is text after a closing quote."), line);
          return NULL;
        }

      if (c == '"')
        {
          if (field_started)
            {
              g_set_error (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID,
                           _("Line %u: a quote inside a field that does not start with one."), line);
              return NULL;
            }
          quoted = TRUE;
          field_started = TRUE;
          continue;
        }

      field_started = TRUE;
      g_string_append_c (field, c);
    }

  return g_steal_pointer (&rows);
}

/**
 * gp_csv_format_decimal:
 * @value: an integer amount in units of 10^-@digits
 * @digits: the number of decimals
 *
 * Returns: (transfer full): @value as "-1234.50", with a "." whatever the locale
 */
char *
gp_csv_format_decimal (gint64 value,
                       guint  digits)
{
  guint64 magnitude = value < 0 ? (guint64)0 - (guint64)value : (guint64)value;
  guint64 divisor = 1;

  for (guint i = 0; i < digits; i++)
    divisor *= 10;

  if (digits == 0)
    return g_strdup_printf ("%s%" G_GUINT64_FORMAT, value < 0 ? "-" : "", magnitude);
  return g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%0*" G_GUINT64_FORMAT, value < 0 ? "-" : "",
                          magnitude / divisor, (int)digits, magnitude % divisor);
}

/**
 * gp_csv_parse_decimal:
 * @text: "1234.5", "-3", "0.125"
 * @digits: the most decimals allowed
 * @value: (out): the value in units of 10^-@digits
 *
 * Parses a plain decimal number (no grouping, "." as the decimal mark), as
 * gp_csv_format_decimal() writes it.
 *
 * Returns: whether @text is such a number and fits
 */
gboolean
gp_csv_parse_decimal (const char *text,
                      guint       digits,
                      gint64     *value)
{
  g_autofree char *trimmed = NULL;
  const char *p;
  gboolean negative = FALSE;
  guint64 v = 0;
  guint decimals = 0;
  gboolean in_fraction = FALSE, any = FALSE;

  g_return_val_if_fail (text != NULL && value != NULL, FALSE);

  trimmed = g_strstrip (g_strdup (text));
  p = trimmed;
  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }

  for (; *p != '\0'; p++)
    {
      if (*p == '.' && !in_fraction)
        {
          in_fraction = TRUE;
          continue;
        }
      if (!g_ascii_isdigit (*p))
        return FALSE;
      if (in_fraction && ++decimals > digits)
        return FALSE;
      if (v > G_GUINT64_CONSTANT (100000000000000000))
        return FALSE;
      v = v * 10 + (guint64)(*p - '0');
      any = TRUE;
    }
  if (!any)
    return FALSE;

  for (; decimals < digits; decimals++)
    {
      if (v > G_GUINT64_CONSTANT (100000000000000000))
        return FALSE;
      v *= 10;
    }

  *value = negative ? -(gint64)v : (gint64)v;
  return TRUE;
}
