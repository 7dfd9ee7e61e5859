/* gp-chasing.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-core"

#include "config.h"

#include "gp-chasing.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "gp-recurrence.h"

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

/**
 * gp_chasing_days_between:
 * @from: an ISO date
 * @to: an ISO date
 *
 * Returns: the days from @from to @to (negative if @to is earlier; 0 if either is not a date)
 */
int
gp_chasing_days_between (const char *from,
                         const char *to)
{
  GDate a, b;

  if (!parse_date (from, &a) || !parse_date (to, &b))
    return 0;
  return g_date_days_between (&a, &b);
}

/**
 * gp_chasing_date_from_ms:
 * @ms: a time in ms since the epoch
 *
 * Returns: (transfer full): the local date of @ms (ISO)
 */
char *
gp_chasing_date_from_ms (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (ms / 1000);

  return g_date_time_format (dt, "%Y-%m-%d");
}

/**
 * gp_chasing_evaluate:
 * @input: the invoice, its balance and the steps sent
 * @today: the date to judge by (ISO); tests pass any day they like
 * @intervals: (array length=n_intervals): days before each step (the "reminder-intervals"
 *   setting); only the first %GP_CHASING_MAX_STEPS count
 * @n_intervals: how many steps the ladder has; 0 turns reminders off
 * @out: (out caller-allocates): where the ladder stands
 *
 * Places an invoice on the chasing ladder. See gp-chasing.h for the rules.
 */
void
gp_chasing_evaluate (const GpChasingInput *input,
                     const char           *today,
                     const guint          *intervals,
                     guint                 n_intervals,
                     GpChasingStatus      *out)
{
  guint n_steps = MIN (n_intervals, GP_CHASING_MAX_STEPS);
  guint last_sent = 0;
  const char *from;
  g_autofree char *step_on = NULL;

  g_return_if_fail (input != NULL);
  g_return_if_fail (today != NULL);
  g_return_if_fail (out != NULL);
  g_return_if_fail (n_intervals == 0 || intervals != NULL);

  memset (out, 0, sizeof *out);
  out->state = GP_CHASING_NONE;

  if (g_strcmp0 (input->kind, "credit_note") == 0)
    return;
  if (g_strcmp0 (input->status, "paid") == 0 ||
      (g_strcmp0 (input->status, "sent") == 0 && input->outstanding <= 0))
    {
      out->state = GP_CHASING_PAID;
      return;
    }
  if (g_strcmp0 (input->status, "sent") != 0)
    return;

  if (input->due_on == NULL || gp_chasing_days_between (input->due_on, today) <= 0)
    {
      out->state = GP_CHASING_PENDING;
      return;
    }

  out->days_overdue = gp_chasing_days_between (input->due_on, today);

  /* The client answered the chase with money: a person follows up on the rest. */
  if (input->last_paid_on != NULL && gp_chasing_days_between (input->due_on, input->last_paid_on) > 0)
    {
      out->state = GP_CHASING_PAUSED;
      return;
    }

  while (last_sent < GP_CHASING_MAX_STEPS && input->sent_on[last_sent] != NULL)
    last_sent++;

  switch (last_sent)
    {
    case 0:
      out->state = GP_CHASING_OVERDUE;
      break;
    case 1:
      out->state = GP_CHASING_LEVEL_1;
      break;
    case 2:
      out->state = GP_CHASING_LEVEL_2;
      break;
    default:
      out->state = GP_CHASING_FINAL;
      break;
    }

  if (last_sent >= n_steps)
    return;

  from = last_sent == 0 ? input->due_on : input->sent_on[last_sent - 1];
  step_on = gp_recurrence_add_days (from, (int)MIN (intervals[last_sent], 3650));
  if (step_on == NULL)
    return;

  out->next_step = last_sent + 1;
  g_strlcpy (out->next_step_on, step_on, sizeof out->next_step_on);
  out->step_due = gp_chasing_days_between (step_on, today) >= 0;
}

/**
 * gp_chasing_state_to_string:
 * @state: a state
 *
 * Returns: a stable name for @state, for logs and tests
 */
const char *
gp_chasing_state_to_string (GpChasingState state)
{
  switch (state)
    {
    case GP_CHASING_NONE:
      return "none";
    case GP_CHASING_PENDING:
      return "pending";
    case GP_CHASING_OVERDUE:
      return "overdue";
    case GP_CHASING_LEVEL_1:
      return "level-1";
    case GP_CHASING_LEVEL_2:
      return "level-2";
    case GP_CHASING_FINAL:
      return "final";
    case GP_CHASING_PAUSED:
      return "paused";
    case GP_CHASING_PAID:
      return "paid";
    default:
      g_return_val_if_reached ("none");
    }
}

/**
 * gp_chasing_state_get_label:
 * @state: a state
 *
 * Returns: the state as the user reads it
 */
const char *
gp_chasing_state_get_label (GpChasingState state)
{
  switch (state)
    {
    case GP_CHASING_NONE:
      return _("Not chased");
    case GP_CHASING_PENDING:
      return _("Pending");
    case GP_CHASING_OVERDUE:
      return _("Overdue");
    case GP_CHASING_LEVEL_1:
      return _("Polite reminder sent");
    case GP_CHASING_LEVEL_2:
      return _("Firm reminder sent");
    case GP_CHASING_FINAL:
      return _("Final notice sent");
    case GP_CHASING_PAUSED:
      return _("Part paid after the due date");
    case GP_CHASING_PAID:
      return _("Paid");
    default:
      g_return_val_if_reached ("");
    }
}

/**
 * gp_chasing_step_get_label:
 * @step: 1, 2 or 3
 *
 * Returns: the step's name as the user reads it
 */
const char *
gp_chasing_step_get_label (guint step)
{
  switch (step)
    {
    case 1:
      return _("Polite reminder");
    case 2:
      return _("Firm reminder");
    case 3:
      return _("Final notice");
    default:
      g_return_val_if_reached ("");
    }
}

/**
 * gp_chasing_default_subject:
 * @step: 1, 2 or 3
 *
 * Returns: the built-in subject line of a step; {number} stands for the invoice number
 */
const char *
gp_chasing_default_subject (guint step)
{
  switch (step)
    {
    case 1:
      return _("Friendly reminder: invoice {number}");
    case 2:
      return _("Second reminder: invoice {number} is {days} days overdue");
    case 3:
      return _("Final notice: invoice {number}");
    default:
      g_return_val_if_reached ("");
    }
}

/**
 * gp_chasing_default_template:
 * @step: 1, 2 or 3
 *
 * Returns: the built-in message of a step, with the placeholders {client}, {number},
 *   {amount}, {days}, {due_date} and {business}
 */
const char *
gp_chasing_default_template (guint step)
{
  switch (step)
    {
    case 1:
      return _("Dear {client},\n\n"
               "I hope all is well. This is a friendly reminder that invoice {number} for {amount} "
               "was due on {due_date} and is now {days} days overdue. If you have already paid, "
               "please ignore this message.\n\n"
               "Kind regards,\n{business}");
    case 2:
      return _("Dear {client},\n\n"
               "Invoice {number} for {amount} is now {days} days overdue (due on {due_date}), and "
               "we have not yet received payment despite our earlier reminder. Please arrange "
               "payment within the next seven days, or let me know if there is a problem.\n\n"
               "Regards,\n{business}");
    case 3:
      return _("Dear {client},\n\n"
               "This is a final notice: invoice {number} for {amount} is {days} days overdue "
               "(due on {due_date}). If payment is not received within seven days, I will have to "
               "take further steps to recover the amount.\n\n"
               "{business}");
    default:
      g_return_val_if_reached ("");
    }
}

/**
 * gp_chasing_render:
 * @template_text: a message with placeholders
 * @client: (nullable): the client's name
 * @number: (nullable): the invoice number
 * @amount: (nullable): the amount owed, formatted
 * @days_overdue: days past the due date
 * @due_on: (nullable): the due date
 * @business: (nullable): the sender's business name
 *
 * Fills in {client}, {number}, {amount}, {days}, {due_date} and {business}; unknown
 * placeholders stay as they are, so a typo shows instead of vanishing.
 *
 * Returns: (transfer full): the message
 */
char *
gp_chasing_render (const char *template_text,
                   const char *client,
                   const char *number,
                   const char *amount,
                   int         days_overdue,
                   const char *due_on,
                   const char *business)
{
  g_autofree char *days = g_strdup_printf ("%d", days_overdue);
  const struct { const char *key, *value; } values[] = {
    { "{client}", client != NULL ? client : "" },
    { "{number}", number != NULL ? number : "" },
    { "{amount}", amount != NULL ? amount : "" },
    { "{days}", days },
    { "{due_date}", due_on != NULL ? due_on : "" },
    { "{business}", business != NULL ? business : "" },
  };
  GString *out = g_string_new (NULL);
  const char *p;

  g_return_val_if_fail (template_text != NULL, NULL);

  for (p = template_text; *p != '\0';)
    {
      gboolean replaced = FALSE;

      if (*p == '{')
        for (guint i = 0; i < G_N_ELEMENTS (values); i++)
          if (g_str_has_prefix (p, values[i].key))
            {
              g_string_append (out, values[i].value);
              p += strlen (values[i].key);
              replaced = TRUE;
              break;
            }
      if (!replaced)
        g_string_append_c (out, *p++);
    }

  return g_string_free (out, FALSE);
}
