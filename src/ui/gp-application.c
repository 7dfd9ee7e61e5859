/* gp-application.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>

#include "gp-account.h"
#include "gp-application.h"
#include "gp-error.h"
#include "gp-list-page.h"
#include "gp-sync-client.h"
#include "gp-ui-util.h"
#include "gp-window.h"

/* GpApplication owns the services (the store, the sync status and, once signed in, the
 * sync client) and hands them to its windows. Nothing is a global singleton, so a test
 * can point a second instance at another database (--database or GIGPILOT_DATABASE). */

struct _GpApplication
{
  AdwApplication parent_instance;

  /* Owned */
  char *database_path;
  GpStore *store;
  GpSyncStatus *sync_status;
  GpAccount *account;
  GpSyncClient *sync_client;
  GSettings *settings;
  GCancellable *cancellable;
  GpPagedList *invoices;     /* read ahead for the first window, until it takes it */
  GpRecordList *clients;     /* the same, the clients whose names the invoices show */

  guint sigterm_source;
  guint sigint_source;

  guint store_ready : 1;
  guint activate_pending : 1;
};

G_DEFINE_FINAL_TYPE (GpApplication, gp_application, ADW_TYPE_APPLICATION)

static void open_store (GpApplication *self);
static void load_account (GpApplication *self);
static void create_sync_client (GpApplication *self);
static void update_signed_in (GpApplication *self);

static void
integrity_checked_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* A damaged file shows itself through GpStore:damaged, which the window shows. */
  if (!gp_store_check_integrity_finish (GP_STORE (object), result, &error))
    g_debug ("Integrity check of the database: %s", error->message);
  else
    g_debug ("Integrity check of the database: no damage found");
}

/* The main window's first painted frame: the database was opened without its integrity
 * check (the last close was clean), so the full check runs now, beside the window. For
 * build-aux/bench (GIGPILOT_BENCH_FIRST_FRAME set) the frame's monotonic time goes to
 * stderr. */
static void
first_frame_painted_cb (GdkFrameClock *clock,
                        gpointer       user_data)
{
  GpApplication *self = GP_APPLICATION (user_data);

  if (g_getenv ("GIGPILOT_BENCH_FIRST_FRAME") != NULL)
    g_printerr ("first-frame %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  g_signal_handlers_disconnect_by_func (clock, first_frame_painted_cb, user_data);

  if (self->store != NULL && gp_store_get_needs_check (self->store))
    gp_store_check_integrity_async (self->store, self->cancellable, integrity_checked_cb, NULL);
}

static void
window_realized_cb (GtkWidget     *window,
                    GpApplication *self)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (first_frame_painted_cb), self, 0);
}

static void
present_main_window (GpApplication *self)
{
  GtkWindow *window = NULL;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  for (GList *l = windows; l != NULL; l = l->next)
    if (GP_IS_WINDOW (l->data))
      {
        window = l->data;
        break;
      }

  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  window = GTK_WINDOW (gp_window_new (self));
  g_signal_connect_object (window, "realize", G_CALLBACK (window_realized_cb), self, 0);
  gp_window_present_when_ready (GP_WINDOW (window));
}

static void
corrupt_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     GpApplication    *self)
{
  g_autoptr(GError) error = NULL;

  /* Quitting needs nothing: once the dialog is gone no window keeps GigPilot running. */
  if (g_strcmp0 (response, "move-aside") != 0)
    return;

  if (!gp_store_move_aside (self->database_path, &error))
    {
      AdwMessageDialog *failed =
        ADW_MESSAGE_DIALOG (adw_message_dialog_new (NULL, _("Could Not Move the Database"), error->message));

      adw_message_dialog_add_response (failed, "quit", _("_Quit"));
      gtk_window_set_application (GTK_WINDOW (failed), GTK_APPLICATION (self));
      g_signal_connect_object (failed, "response", G_CALLBACK (corrupt_response_cb), self, 0);
      gtk_window_present (GTK_WINDOW (failed));
      return;
    }

  g_clear_object (&self->store);
  self->store = gp_store_new (self->database_path);
  create_sync_client (self);
  if (!self->activate_pending)
    {
      self->activate_pending = TRUE;
      g_application_hold (G_APPLICATION (self));
    }
  open_store (self);
}

static void
store_opened_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GpApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog;

  if (gp_store_open_finish (GP_STORE (object), result, &error))
    {
      self->store_ready = TRUE;
      update_signed_in (self);
      if (self->activate_pending)
        {
          present_main_window (self);
          self->activate_pending = FALSE;
          g_application_release (G_APPLICATION (self));
        }
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Keep running while the user decides. */
  if (g_error_matches (error, GP_STORE_ERROR, GP_STORE_ERROR_CORRUPT))
    {
      g_autofree char *body =
        g_strdup_printf (_("GigPilot cannot read its database at %s. It may have been damaged. "
                           "You can move it aside (it is kept, renamed, next to the original) "
                           "and start with an empty database, then sync again to get your data "
                           "back from the server."),
                         self->database_path);

      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (NULL, _("Database Damaged"), body));
      adw_message_dialog_add_responses (dialog,
                                        "quit", _("_Quit"),
                                        "move-aside", _("_Move Aside and Start Fresh"),
                                        NULL);
      adw_message_dialog_set_response_appearance (dialog, "move-aside", ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_close_response (dialog, "quit");
    }
  else
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (NULL, _("Could Not Open the Database"),
                                                           error->message));
      adw_message_dialog_add_response (dialog, "quit", _("_Quit"));
    }

  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
  g_signal_connect_object (dialog, "response", G_CALLBACK (corrupt_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));

  /* The dialog keeps the application alive from here on. */
  if (self->activate_pending)
    {
      self->activate_pending = FALSE;
      g_application_release (G_APPLICATION (self));
    }
}

/* Right behind the open, the store thread reads the count and first rows of the invoice
 * list the first window opens with, and the clients whose names those rows show. At
 * start-up this runs beside GTK's own initialisation, on the other core, so the window
 * need not wait for its rows. */
static void
open_store (GpApplication *self)
{
  gp_store_open_async (self->store, self->cancellable, store_opened_cb, g_object_ref (self));
  g_clear_object (&self->invoices);
  self->invoices = gp_list_page_prepare_records (self->store, "invoices");
  g_clear_object (&self->clients);
  self->clients = gp_window_prepare_clients (self->store);
}

/* The sync client owns the sync status the windows show; it follows the account's
 * signed-in state by itself. */
static void
create_sync_client (GpApplication *self)
{
  if (self->sync_client != NULL)
    gp_sync_client_stop (self->sync_client);
  g_clear_object (&self->sync_client);
  g_clear_object (&self->sync_status);

  self->sync_client = gp_sync_client_new (self->store, self->account);
  self->sync_status = g_object_ref (gp_sync_client_get_status (self->sync_client));
  g_settings_bind (self->settings, "sync-interval", self->sync_client, "interval",
                   G_SETTINGS_BIND_GET);
}

static void
update_signed_in (GpApplication *self)
{
  if (self->store_ready && gp_account_get_signed_in (self->account))
    gp_sync_client_start (self->sync_client);
}

static void
account_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GpApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gp_account_load_finish (GP_ACCOUNT (object), result, &error))
    g_debug ("No saved account: %s", error ? error->message : "none kept");

  update_signed_in (self);
}

static void
load_account (GpApplication *self)
{
  g_autofree char *url = g_settings_get_string (self->settings, "server-url");

  gp_account_load_async (self->account, url[0] ? url : NULL, self->cancellable,
                         account_loaded_cb, g_object_ref (self));
}

static void
gp_application_activate (GApplication *app)
{
  GpApplication *self = GP_APPLICATION (app);

  if (self->store_ready)
    {
      present_main_window (self);
    }
  else if (!self->activate_pending)
    {
      /* Stay alive until the database is open and the window can show it. */
      self->activate_pending = TRUE;
      g_application_hold (G_APPLICATION (self));
    }
}

static int
gp_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  GpApplication *self = GP_APPLICATION (app);
  const char *path = NULL;

  /* Answered here, before registering on the bus, so it works while GigPilot runs. */
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("GigPilot %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (!g_variant_dict_lookup (options, "database", "^&ay", &path))
    path = g_getenv ("GIGPILOT_DATABASE");

  if (path != NULL && path[0] != '\0')
    {
      g_free (self->database_path);
      self->database_path = g_canonicalize_filename (path, NULL);
      /* A private database is a private instance: it must not hand over to a running one. */
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }

  return -1;
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GpApplication *self = user_data;
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  gboolean closing = FALSE;

  /* Close windows the polite way, so an editor with unsaved changes can ask first. */
  for (GList *l = windows; l != NULL; l = l->next)
    if (GP_IS_WINDOW (l->data))
      {
        gtk_window_close (GTK_WINDOW (l->data));
        closing = TRUE;
      }
  g_list_free (windows);

  if (!closing)
    g_application_quit (G_APPLICATION (self));
}

static const GOptionEntry option_entries[] = {
  { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { "database", 'd', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, NULL,
    N_("Use the database at PATH instead of the usual one"), N_("PATH") },
  { NULL },
};

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
};

/* SIGTERM (a session ending, a service manager) and SIGINT ask GigPilot to stop: it quits
 * the usual way, so the store commits what is queued, checkpoints and closes cleanly, and
 * the next start need not check the file before showing the window. */
static gboolean
terminate_cb (gpointer user_data)
{
  GpApplication *self = user_data;

  g_debug ("Asked to terminate: quitting");
  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_CONTINUE;
}

static void
gp_application_startup (GApplication *app)
{
  GpApplication *self = GP_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  g_autofree char *dir = NULL;

  /* The database opens on the store thread while GTK initialises on this one. */
  if (self->database_path == NULL)
    self->database_path = g_build_filename (g_get_user_data_dir (), "gigpilot", "gigpilot.db", NULL);
  dir = g_path_get_dirname (self->database_path);
  g_mkdir_with_parents (dir, 0700);

  self->cancellable = g_cancellable_new ();
  self->account = gp_account_new ();
  self->settings = g_settings_new ("io.github.gigpilot.GigPilot");
  self->store = gp_store_new (self->database_path);
  create_sync_client (self);
  open_store (self);

  /* No resource base path: GtkApplication would fetch the icon theme for it, which
   * starts reading the theme on a worker thread; libadwaita's start-up then adds its own
   * icon path, waits for that read to end and throws it away, and the first window reads
   * the theme again. Without it, libadwaita is first to fetch the theme and adds its path
   * before the read starts. GigPilot's resources hold no icons and no menus, only the
   * style sheet, which _gp_ui_load_style() loads. */
  g_application_set_resource_base_path (app, NULL);

  G_APPLICATION_CLASS (gp_application_parent_class)->startup (app);
  _gp_ui_load_style ();

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  self->sigterm_source = g_unix_signal_add (SIGTERM, terminate_cb, self);
  self->sigint_source = g_unix_signal_add (SIGINT, terminate_cb, self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);

  load_account (self);
}

static void
gp_application_shutdown (GApplication *app)
{
  GpApplication *self = GP_APPLICATION (app);
  GList *windows;

  g_clear_handle_id (&self->sigterm_source, g_source_remove);
  g_clear_handle_id (&self->sigint_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  if (self->sync_client != NULL)
    gp_sync_client_stop (self->sync_client);
  /* Windows cancel what their pages asked of the store (a list page, the chasing ladder),
   * so closing runs only the writes still queued, not reads nobody will see. */
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);
  if (self->store != NULL)
    gp_store_close (self->store);

  G_APPLICATION_CLASS (gp_application_parent_class)->shutdown (app);
}

static void
gp_application_dispose (GObject *object)
{
  GpApplication *self = GP_APPLICATION (object);

  g_clear_object (&self->invoices);
  g_clear_object (&self->clients);
  g_clear_object (&self->store);
  g_clear_object (&self->sync_client);
  g_clear_object (&self->sync_status);
  g_clear_object (&self->account);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gp_application_parent_class)->dispose (object);
}

static void
gp_application_finalize (GObject *object)
{
  GpApplication *self = GP_APPLICATION (object);

  g_clear_pointer (&self->database_path, g_free);

  G_OBJECT_CLASS (gp_application_parent_class)->finalize (object);
}

static void
gp_application_class_init (GpApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = gp_application_dispose;
  object_class->finalize = gp_application_finalize;
  app_class->activate = gp_application_activate;
  app_class->handle_local_options = gp_application_handle_local_options;
  app_class->startup = gp_application_startup;
  app_class->shutdown = gp_application_shutdown;
}

static void
gp_application_init (GpApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Clients, invoices and tickets for freelancers, offline first"));
}

GpApplication *
gp_application_new (void)
{
  return g_object_new (GP_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

/**
 * gp_application_take_invoices:
 * @self: a #GpApplication
 *
 * The invoice list read ahead as the database opened, for the first window.
 *
 * Returns: (transfer full) (nullable): the list, or %NULL once a window took it
 */
GpPagedList *
gp_application_take_invoices (GpApplication *self)
{
  g_return_val_if_fail (GP_IS_APPLICATION (self), NULL);

  return g_steal_pointer (&self->invoices);
}

/**
 * gp_application_take_clients:
 * @self: a #GpApplication
 *
 * The clients, sorted by name, read ahead as the database opened, for the first window.
 *
 * Returns: (transfer full) (nullable): the list, or %NULL once a window took it
 */
GpRecordList *
gp_application_take_clients (GpApplication *self)
{
  g_return_val_if_fail (GP_IS_APPLICATION (self), NULL);

  return g_steal_pointer (&self->clients);
}

GpStore *
gp_application_get_store (GpApplication *self)
{
  g_return_val_if_fail (GP_IS_APPLICATION (self), NULL);

  return self->store;
}

GpSyncStatus *
gp_application_get_sync_status (GpApplication *self)
{
  g_return_val_if_fail (GP_IS_APPLICATION (self), NULL);

  return self->sync_status;
}

void
gp_application_sync_now (GpApplication *self)
{
  g_return_if_fail (GP_IS_APPLICATION (self));

  if (self->sync_client != NULL)
    gp_sync_client_sync_now (self->sync_client);
}

static void
account_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GpApplication *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_task_get_task_data (task) != NULL)
    ok = gp_sync_client_sign_out_finish (GP_SYNC_CLIENT (object), result, &error);
  else
    ok = gp_account_sign_in_finish (GP_ACCOUNT (object), result, &error);

  update_signed_in (self);

  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    {
      if (gp_account_get_server_url (self->account) != NULL)
        g_settings_set_string (self->settings, "server-url",
                               gp_account_get_server_url (self->account));
      g_task_return_boolean (task, TRUE);
    }
}

void
gp_application_account_async (GpApplication       *self,
                              GpAccountOperation   operation,
                              const char          *server_url,
                              const char          *user,
                              const char          *password,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GP_IS_APPLICATION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gp_application_account_async);

  if (operation == GP_ACCOUNT_SIGN_OUT)
    {
      g_task_set_task_data (task, GINT_TO_POINTER (1), NULL);
      /* Local data stays: it is the user's, and another sign-in syncs it again. */
      gp_sync_client_sign_out_async (self->sync_client, FALSE, cancellable, account_done_cb,
                                     g_steal_pointer (&task));
    }
  else
    {
      gp_account_sign_in_async (self->account, server_url, user, password,
                                operation == GP_ACCOUNT_REGISTER,
                                cancellable, account_done_cb, g_steal_pointer (&task));
    }
}

gboolean
gp_application_account_finish (GpApplication  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (GP_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
