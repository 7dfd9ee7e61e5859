/* gp-chasing-page.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include "gp-chasing-page.h"

#include <glib/gi18n.h>

#include "gp-chasing-item.h"
#include "gp-reminder-dialog.h"
#include "gp-ui-util.h"

/* "Needs Chasing": the overdue invoices, with the reminders due today first.
 *
 * The page also runs the day's payment jobs while the app runs: when it is created and
 * whenever the date changes, it creates the recurring invoices that fell due (as drafts)
 * and re-evaluates the chasing ladder; if a reminder is due it sends one notification,
 * at most once a day (the "chasing-notified-on" setting). */

#define DAY_CHECK_SECONDS 600

struct _GpChasingPage
{
  GtkBox parent_instance;

  /* Template widgets */
  GtkListBox *due_list;
  AdwPreferencesGroup *due_group;
  GtkStack *stack;
  AdwStatusPage *empty_page;
  GtkListBox *waiting_list;
  AdwPreferencesGroup *waiting_group;

  /* Owned */
  GpStore *store;
  GSettings *settings;
  GCancellable *cancellable;
  char *today_override;
  char *last_day;
  GPtrArray *items;
  guint reload_idle;
  guint day_timer;
  guint start_idle;
  guint n_due;
  gboolean loading;
};

G_DEFINE_FINAL_TYPE (GpChasingPage, gp_chasing_page, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_N_DUE,
  N_PROPS,
};

enum {
  SIGNAL_RECORD_ACTIVATED,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/**
 * gp_chasing_dup_today:
 *
 * Returns: (transfer full): today's local date (ISO)
 */
char *
gp_chasing_dup_today (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%d");
}

/**
 * gp_chasing_dup_intervals:
 * @settings: (nullable): the app's settings
 * @n_intervals: (out): the number of ladder steps
 *
 * Returns: (transfer full): the "reminder-intervals" setting ([7, 14, 14] without settings)
 */
guint *
gp_chasing_dup_intervals (GSettings *settings,
                          guint     *n_intervals)
{
  g_autoptr(GVariant) value = NULL;
  const guint32 *data;
  gsize n = 0;
  guint *out;

  if (settings == NULL)
    {
      static const guint fallback[] = { 7, 14, 14 };

      *n_intervals = G_N_ELEMENTS (fallback);
      return g_memdup2 (fallback, sizeof fallback);
    }

  value = g_settings_get_value (settings, "reminder-intervals");
  data = g_variant_get_fixed_array (value, &n, sizeof (guint32));
  out = g_new0 (guint, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    out[i] = data[i];
  *n_intervals = (guint)n;
  return out;
}

static char *
dup_today (GpChasingPage *self)
{
  return self->today_override != NULL ? g_strdup (self->today_override) : gp_chasing_dup_today ();
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
reminder_closed_cb (GpChasingPage *self)
{
  gp_chasing_page_reload (self);
}

static void
draft_clicked_cb (GtkButton *button,
                  gpointer   user_data)
{
  GpChasingPage *self = user_data;
  GpChasingItem *item = g_object_get_data (G_OBJECT (button), "gp-item");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GpReminderDialog *dialog;

  dialog = gp_reminder_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->store,
                                   self->settings, item);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (reminder_closed_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
row_activated_cb (GtkListBox    *list,
                  GtkListBoxRow *row,
                  gpointer       user_data)
{
  GpChasingPage *self = user_data;
  GpChasingItem *item = g_object_get_data (G_OBJECT (row), "gp-item");

  if (item != NULL)
    g_signal_emit (self, signals[SIGNAL_RECORD_ACTIVATED], 0, gp_chasing_item_get_bundle (item)->invoice);
}

static GtkWidget *
create_row (GpChasingPage *self,
            GpChasingItem *item)
{
  GpInvoiceBundle *bundle = gp_chasing_item_get_bundle (item);
  const GpChasingStatus *status = gp_chasing_item_get_status (item);
  const char *client = bundle->client != NULL ? gp_record_get_string (bundle->client, "name") : NULL;
  const char *number = gp_record_get_string (bundle->invoice, "number");
  g_autofree char *owed = gp_money_format (bundle->balance.outstanding,
                                           gp_record_get_string (bundle->invoice, "currency"));
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *days = NULL;
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  /* Translators: a row title, "client — invoice number". */
  title = g_markup_printf_escaped (_("%s — %s"), client != NULL ? client : _("No client"),
                                   number != NULL ? number : _("unnumbered"));
  days = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d day overdue", "%d days overdue",
                                       status->days_overdue),
                          status->days_overdue);
  /* Translators: "€326.39 owed · 12 days overdue · Polite reminder sent". */
  if (status->state == GP_CHASING_OVERDUE)
    /* Translators: "€326.39 owed · 12 days overdue". */
    subtitle = g_markup_printf_escaped (_("%s owed · %s"), owed, days);
  else
    subtitle = g_markup_printf_escaped (_("%s owed · %s · %s"), owed, days,
                                        gp_chasing_state_get_label (status->state));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (row, subtitle);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "gp-item", g_object_ref (item), g_object_unref);

  if (status->step_due)
    {
      g_autofree char *label = NULL;
      GtkWidget *button;

      label = g_strdup (status->next_step == 1 ? _("Draft Polite Reminder…")
                        : status->next_step == 2 ? _("Draft Firm Reminder…") : _("Draft Final Notice…"));
      button = gtk_button_new_with_label (label);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, status->next_step == 3 ? "destructive-action" : "suggested-action");
      g_object_set_data_full (G_OBJECT (button), "gp-item", g_object_ref (item), g_object_unref);
      g_signal_connect_object (button, "clicked", G_CALLBACK (draft_clicked_cb), self, 0);
      adw_action_row_add_suffix (row, button);
    }
  else if (status->next_step != 0)
    {
      g_autofree char *when = NULL;
      g_autofree char *on = _gp_ui_format_date (status->next_step_on);
      GtkWidget *label;

      /* Translators: when the next reminder is due, e.g. "Firm reminder on 04/22/2026" (the
       * date as the locale writes it). */
      when = g_strdup_printf (_("%s on %s"), gp_chasing_step_get_label (status->next_step), on);
      label = gtk_label_new (when);
      gtk_widget_add_css_class (label, "dim-label");
      adw_action_row_add_suffix (row, label);
    }

  return GTK_WIDGET (row);
}

#define MAX_ROWS 100

static GtkWidget *
create_more_row (guint n_more)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                         "%u more invoice, less overdue than these",
                                                         "%u more invoices, less overdue than these",
                                                         n_more),
                                            n_more);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (row), "dim-label");
  return GTK_WIDGET (row);
}

static void
notify_due (GpChasingPage *self,
            const char    *today)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *notified = NULL;
  g_autofree char *body = NULL;
  GApplication *app = g_application_get_default ();

  if (self->n_due == 0 || self->settings == NULL || app == NULL || self->today_override != NULL)
    return;
  notified = g_settings_get_string (self->settings, "chasing-notified-on");
  if (g_strcmp0 (notified, today) == 0)
    return;

  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u payment reminder is due today.",
                                       "%u payment reminders are due today.", self->n_due),
                          self->n_due);
  notification = g_notification_new (_("Invoices Need Chasing"));
  g_notification_set_body (notification, body);
  g_application_send_notification (app, "needs-chasing", notification);
  g_settings_set_string (self->settings, "chasing-notified-on", today);
}

static void
chasing_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GpChasingPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = gp_billing_chasing_finish (GP_STORE (object), result, &error);
  g_autofree char *today = NULL;
  guint n_due = 0, n_waiting = 0;

  self->loading = FALSE;
  if (items == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Chasing: %s", error->message);
      return;
    }

  clear_list (self->due_list);
  clear_list (self->waiting_list);
  for (guint i = 0; i < items->len; i++)
    {
      GpChasingItem *item = g_ptr_array_index (items, i);
      const GpChasingStatus *status = gp_chasing_item_get_status (item);

      if (status->state < GP_CHASING_OVERDUE || status->state > GP_CHASING_PAUSED)
        continue;
      /* Rows are widgets built on the main thread: a ladder of thousands (100k invoices)
       * would hold it for many seconds, so each group shows the longest overdue first, up
       * to MAX_ROWS, and says how many more there are. */
      if (status->step_due)
        {
          if (n_due++ < MAX_ROWS)
            gtk_list_box_append (self->due_list, create_row (self, item));
        }
      else
        {
          if (n_waiting++ < MAX_ROWS)
            gtk_list_box_append (self->waiting_list, create_row (self, item));
        }
    }
  if (n_due > MAX_ROWS)
    gtk_list_box_append (self->due_list, create_more_row (n_due - MAX_ROWS));
  if (n_waiting > MAX_ROWS)
    gtk_list_box_append (self->waiting_list, create_more_row (n_waiting - MAX_ROWS));

  gtk_widget_set_visible (GTK_WIDGET (self->due_group), n_due > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->waiting_group), n_waiting > 0);
  gtk_stack_set_visible_child_name (self->stack, n_due + n_waiting > 0 ? "list" : "empty");

  g_clear_pointer (&self->items, g_ptr_array_unref);
  self->items = g_steal_pointer (&items);
  if (self->n_due != n_due)
    {
      self->n_due = n_due;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_DUE]);
    }

  today = dup_today (self);
  notify_due (self, today);
}

/**
 * gp_chasing_page_reload:
 * @self: a #GpChasingPage
 *
 * Evaluates the ladder again (done by itself when invoices, payments or reminders change).
 */
void
gp_chasing_page_reload (GpChasingPage *self)
{
  g_autofree char *today = NULL;
  g_autofree guint *intervals = NULL;
  guint n_intervals = 0;

  g_return_if_fail (GP_IS_CHASING_PAGE (self));

  if (self->store == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  today = dup_today (self);
  intervals = gp_chasing_dup_intervals (self->settings, &n_intervals);
  self->loading = TRUE;
  gp_billing_chasing_async (self->store, today, intervals, n_intervals, self->cancellable,
                            chasing_loaded_cb, g_object_ref (self));
}

static gboolean
reload_idle_cb (gpointer user_data)
{
  GpChasingPage *self = user_data;

  self->reload_idle = 0;
  gp_chasing_page_reload (self);
  return G_SOURCE_REMOVE;
}

static void
store_changed_cb (GpChasingPage *self,
                  const char    *table,
                  GStrv          ids)
{
  /* One reload per burst of changes (a sync pull touches many rows at once). */
  if (g_strcmp0 (table, "invoices") != 0 && g_strcmp0 (table, "payments") != 0 &&
      g_strcmp0 (table, "reminders") != 0 && g_strcmp0 (table, "invoice_lines") != 0)
    return;
  if (self->reload_idle == 0)
    self->reload_idle = g_timeout_add (200, reload_idle_cb, self);
}

static void
recurring_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GpChasingPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) created = gp_billing_run_recurring_finish (GP_STORE (object), result, &error);

  if (created == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Recurring invoices: %s", error->message);
    }
  else if (created[0] != NULL)
    g_debug ("Created %u recurring invoice drafts", g_strv_length (created));

  gp_chasing_page_reload (self);
}

static void
run_daily_jobs (GpChasingPage *self)
{
  g_autofree char *today = dup_today (self);

  g_free (self->last_day);
  self->last_day = g_strdup (today);
  if (self->store == NULL)
    return;
  gp_billing_run_recurring_async (self->store, today, self->cancellable, recurring_done_cb, g_object_ref (self));
}

static gboolean start_cb (gpointer user_data);

static void
window_painted_cb (GdkFrameClock *clock,
                   GpChasingPage *self)
{
  g_signal_handlers_disconnect_by_func (clock, window_painted_cb, self);
  if (self->start_idle == 0)
    self->start_idle = g_idle_add_full (G_PRIORITY_LOW, start_cb, self, NULL);
}

static void
window_realized_cb (GtkWidget     *window,
                    GpChasingPage *self)
{
  g_signal_handlers_disconnect_by_func (window, window_realized_cb, self);
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (window_painted_cb), self, 0);
}

/* The ladder reads every sent invoice. In a window still being opened it waits for the
 * window's first painted frame, so it neither delays the lists' first rows on the store
 * thread nor takes a core from that frame; otherwise it starts at once. */
static gboolean
start_cb (gpointer user_data)
{
  GpChasingPage *self = user_data;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  self->start_idle = 0;
  if (root != NULL && !gtk_widget_get_realized (GTK_WIDGET (root)))
    {
      g_signal_connect_object (root, "realize", G_CALLBACK (window_realized_cb), self, G_CONNECT_AFTER);
      return G_SOURCE_REMOVE;
    }

  run_daily_jobs (self);
  return G_SOURCE_REMOVE;
}

static gboolean
day_timer_cb (gpointer user_data)
{
  GpChasingPage *self = user_data;
  g_autofree char *today = dup_today (self);

  if (g_strcmp0 (today, self->last_day) != 0)
    run_daily_jobs (self);
  return G_SOURCE_CONTINUE;
}

static void
gp_chasing_page_dispose (GObject *object)
{
  GpChasingPage *self = GP_CHASING_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->reload_idle, g_source_remove);
  g_clear_handle_id (&self->day_timer, g_source_remove);
  g_clear_handle_id (&self->start_idle, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (object), GP_TYPE_CHASING_PAGE);

  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (gp_chasing_page_parent_class)->dispose (object);
}

static void
gp_chasing_page_finalize (GObject *object)
{
  GpChasingPage *self = GP_CHASING_PAGE (object);

  g_free (self->today_override);
  g_free (self->last_day);

  G_OBJECT_CLASS (gp_chasing_page_parent_class)->finalize (object);
}

static void
gp_chasing_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GpChasingPage *self = GP_CHASING_PAGE (object);

  switch (prop_id)
    {
    case PROP_N_DUE:
      g_value_set_uint (value, self->n_due);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* A window that closes drops the page, but a ladder still being read holds a reference to
 * it, so dispose would come only after seconds of work nobody will see: stop it now. */
static void
gp_chasing_page_unroot (GtkWidget *widget)
{
  GpChasingPage *self = GP_CHASING_PAGE (widget);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  GTK_WIDGET_CLASS (gp_chasing_page_parent_class)->unroot (widget);
}

static void
gp_chasing_page_class_init (GpChasingPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gp_chasing_page_dispose;
  widget_class->unroot = gp_chasing_page_unroot;
  object_class->finalize = gp_chasing_page_finalize;
  object_class->get_property = gp_chasing_page_get_property;

  properties[PROP_N_DUE] =
    g_param_spec_uint ("n-due", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GpChasingPage::record-activated:
   * @record: the invoice
   *
   * The user wants to open an invoice.
   */
  signals[SIGNAL_RECORD_ACTIVATED] =
    g_signal_new ("record-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, GP_TYPE_RECORD);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gigpilot/GigPilot/ui/gp-chasing-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GpChasingPage, due_group);
  gtk_widget_class_bind_template_child (widget_class, GpChasingPage, due_list);
  gtk_widget_class_bind_template_child (widget_class, GpChasingPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, GpChasingPage, stack);
  gtk_widget_class_bind_template_child (widget_class, GpChasingPage, waiting_group);
  gtk_widget_class_bind_template_child (widget_class, GpChasingPage, waiting_list);
}

static void
gp_chasing_page_init (GpChasingPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  _gp_ui_status_page_set_icon_when_shown (self->empty_page, "emblem-ok-symbolic");

  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (self->due_list, "row-activated", G_CALLBACK (row_activated_cb), self, 0);
  g_signal_connect_object (self->waiting_list, "row-activated", G_CALLBACK (row_activated_cb), self, 0);
}

/**
 * gp_chasing_page_new:
 * @store: (nullable): the store
 * @settings: (nullable): the app's settings (intervals, templates, notification day)
 *
 * Returns: (transfer floating): the page; it starts the day's jobs at once
 */
GpChasingPage *
gp_chasing_page_new (GpStore   *store,
                     GSettings *settings)
{
  GpChasingPage *self = g_object_new (GP_TYPE_CHASING_PAGE, NULL);

  g_set_object (&self->store, store);
  g_set_object (&self->settings, settings);
  if (store != NULL)
    g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
  /* The ladder reads every sent invoice: see start_cb(). */
  self->start_idle = g_idle_add_full (G_PRIORITY_LOW, start_cb, self, NULL);
  self->day_timer = g_timeout_add_seconds (DAY_CHECK_SECONDS, day_timer_cb, self);
  return self;
}

/**
 * gp_chasing_page_set_today:
 * @self: a #GpChasingPage
 * @today: (nullable): the date to judge by (ISO), or %NULL for the real date
 *
 * Moves the page's clock, for tests and demonstrations; no notification is sent while
 * the clock is moved.
 */
void
gp_chasing_page_set_today (GpChasingPage *self,
                           const char    *today)
{
  g_return_if_fail (GP_IS_CHASING_PAGE (self));

  g_free (self->today_override);
  self->today_override = g_strdup (today);
  g_clear_handle_id (&self->start_idle, g_source_remove);
  run_daily_jobs (self);
}

/**
 * gp_chasing_page_get_n_due:
 * @self: a #GpChasingPage
 *
 * Returns: how many reminders are due today
 */
guint
gp_chasing_page_get_n_due (GpChasingPage *self)
{
  g_return_val_if_fail (GP_IS_CHASING_PAGE (self), 0);

  return self->n_due;
}

static gboolean
badge_visible (GBinding     *binding,
               const GValue *from,
               GValue       *to,
               gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_uint (from) > 0);
  return TRUE;
}

/**
 * gp_chasing_page_create_sidebar_row:
 * @self: a #GpChasingPage
 *
 * Returns: (transfer floating): a sidebar row named "chasing" with a badge of the
 *   reminders due today
 */
GtkWidget *
gp_chasing_page_create_sidebar_row (GpChasingPage *self)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (_("Needs Chasing"));
  GtkWidget *badge = gtk_label_new ("0");

  g_return_val_if_fail (GP_IS_CHASING_PAGE (self), NULL);

  gtk_widget_set_name (row, "chasing");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "badge");
  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name ("alarm-symbolic"));
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), badge);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_bind_property (self, "n-due", badge, "label", G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (self, "n-due", badge, "visible", G_BINDING_SYNC_CREATE, badge_visible, NULL,
                               NULL, NULL);
  return row;
}
