/* gp-chasing.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The chasing ladder of an issued invoice, as a pure function of the invoice, its balance,
 * the reminders already sent and "today" (injected, so tests can move the clock):
 *
 *   Pending ─(past the due date)─► Overdue ─(+interval 1)─► Level 1 (polite)
 *     ─(+interval 2)─► Level 2 (firm) ─(+interval 3)─► Final notice
 *
 * The first interval counts days from the due date, each further one days from the
 * reminder before (the "reminder-intervals" setting). A step is *due* once its day has come
 * and it has not been sent; steps are sent in order. Any payment received after the due
 * date stops the ladder (Paused; the rest is followed up by hand), and a fully covered
 * invoice is Paid. Drafts, void invoices and credit notes are not chased. */

#define GP_CHASING_MAX_STEPS 3

typedef enum
{
  GP_CHASING_NONE,
  GP_CHASING_PENDING,
  GP_CHASING_OVERDUE,
  GP_CHASING_LEVEL_1,
  GP_CHASING_LEVEL_2,
  GP_CHASING_FINAL,
  GP_CHASING_PAUSED,
  GP_CHASING_PAID,
} GpChasingState;

typedef struct
{
  const char *status;       /* the invoice's status: draft, sent, paid, void */
  const char *kind;         /* "invoice" (or NULL) or "credit_note" */
  const char *due_on;       /* ISO date or NULL */
  gint64      outstanding;  /* total − credits − payments, minor units */
  const char *last_paid_on; /* ISO date of the latest payment, or NULL */
  /* The local date each step was sent on, or NULL; index 0 is step 1. */
  const char *sent_on[GP_CHASING_MAX_STEPS];
} GpChasingInput;

typedef struct
{
  GpChasingState state;
  /* Days past the due date (0 if not overdue). */
  int            days_overdue;
  /* The next step to send (1…3), 0 if there is none. */
  guint          next_step;
  /* The ISO date the next step is due on ("" if none). */
  char           next_step_on[11];
  /* Whether next_step is due today (its day has come). */
  gboolean       step_due;
} GpChasingStatus;

void        gp_chasing_evaluate          (const GpChasingInput *input,
                                          const char           *today,
                                          const guint          *intervals,
                                          guint                 n_intervals,
                                          GpChasingStatus      *out);
const char *gp_chasing_state_to_string   (GpChasingState        state);
const char *gp_chasing_state_get_label   (GpChasingState        state);
const char *gp_chasing_step_get_label    (guint                 step);
const char *gp_chasing_default_subject   (guint                 step);
const char *gp_chasing_default_template  (guint                 step);
char       *gp_chasing_render            (const char           *template_text,
                                          const char           *client,
                                          const char           *number,
                                          const char           *amount,
                                          int                   days_overdue,
                                          const char           *due_on,
                                          const char           *business) G_GNUC_WARN_UNUSED_RESULT;
int         gp_chasing_days_between      (const char           *from,
                                          const char           *to);
char       *gp_chasing_date_from_ms      (gint64                ms) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
