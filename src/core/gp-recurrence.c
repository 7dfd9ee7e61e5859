/* gp-recurrence.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-core"

#include "config.h"

#include "gp-recurrence.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static gboolean
parse_date (const char *text,
            GDate      *date)
{
  guint y, m, d;
  char tail;

  g_date_clear (date, 1);
  if (text == NULL || strlen (text) != 10 || sscanf (text, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
      !g_date_valid_dmy ((GDateDay)d, (GDateMonth)m, (GDateYear)y))
    return FALSE;
  g_date_set_dmy (date, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
  return TRUE;
}

static char *
format_date (const GDate *date)
{
  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (date), g_date_get_month (date),
                          g_date_get_day (date));
}

/**
 * gp_recurrence_is_valid_frequency:
 * @frequency: (nullable): a frequency name
 *
 * Returns: whether @frequency is weekly, monthly, quarterly or yearly
 */
gboolean
gp_recurrence_is_valid_frequency (const char *frequency)
{
  return g_strcmp0 (frequency, "weekly") == 0 || g_strcmp0 (frequency, "monthly") == 0 ||
         g_strcmp0 (frequency, "quarterly") == 0 || g_strcmp0 (frequency, "yearly") == 0;
}

/**
 * gp_recurrence_next:
 * @frequency: weekly, monthly, quarterly or yearly
 * @starts_on: (nullable): the schedule's first date (ISO), which fixes the day of the month;
 *   %NULL uses @current
 * @current: the occurrence just handled (ISO)
 *
 * Returns: (transfer full) (nullable): the next occurrence after @current (ISO), or %NULL
 *   if an argument is not valid
 */
char *
gp_recurrence_next (const char *frequency,
                    const char *starts_on,
                    const char *current)
{
  GDate date, anchor;
  guint months = 0;

  if (!gp_recurrence_is_valid_frequency (frequency) || !parse_date (current, &date))
    return NULL;
  if (starts_on == NULL || !parse_date (starts_on, &anchor))
    anchor = date;

  if (strcmp (frequency, "weekly") == 0)
    {
      g_date_add_days (&date, 7);
      return format_date (&date);
    }

  if (strcmp (frequency, "monthly") == 0)
    months = 1;
  else if (strcmp (frequency, "quarterly") == 0)
    months = 3;
  else
    months = 12;

  /* g_date_add_months() clamps to the month's end; put the anchor's day back if it fits. */
  g_date_add_months (&date, months);
  {
    guint8 days = g_date_get_days_in_month (g_date_get_month (&date), g_date_get_year (&date));
    GDateDay want = MIN (g_date_get_day (&anchor), days);

    g_date_set_day (&date, want);
  }
  return format_date (&date);
}

/**
 * gp_recurrence_add_days:
 * @date: an ISO date
 * @days: days to add (may be negative)
 *
 * Returns: (transfer full) (nullable): the ISO date @days after @date, or %NULL if @date is
 *   not a date
 */
char *
gp_recurrence_add_days (const char *date,
                        int         days)
{
  GDate d;

  if (!parse_date (date, &d))
    return NULL;
  if (days >= 0)
    g_date_add_days (&d, (guint)days);
  else
    g_date_subtract_days (&d, (guint)-days);
  return format_date (&d);
}

/**
 * gp_derive_id:
 * @first: the first part of the name
 * @...: more parts, then %NULL
 *
 * Derives a record id from a name, as a name-based (version 5 style, SHA-256) UUID. Two
 * devices that derive an id from the same parts get the same id, so a record they both
 * create independently (a recurring invoice's occurrence, a reminder step) is one record
 * that sync merges rather than two.
 *
 * Returns: (transfer full): the id
 */
char *
gp_derive_id (const char *first,
              ...)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  const char *part;
  va_list args;

  g_return_val_if_fail (first != NULL, NULL);

  g_checksum_update (checksum, (const guchar *)"gigpilot", -1);
  va_start (args, first);
  for (part = first; part != NULL; part = va_arg (args, const char *))
    {
      /* A separator that cannot occur in ids or dates keeps ("ab","c") apart from ("a","bc"). */
      g_checksum_update (checksum, (const guchar *)"\x1f", 1);
      g_checksum_update (checksum, (const guchar *)part, -1);
    }
  va_end (args);
  g_checksum_get_digest (checksum, digest, &len);

  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;

  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          digest[0], digest[1], digest[2], digest[3], digest[4], digest[5],
                          digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
                          digest[12], digest[13], digest[14], digest[15]);
}
