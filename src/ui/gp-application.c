/* gp-application.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "gp-application.h"
#include "gp-window.h"

struct _GpApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (GpApplication, gp_application, ADW_TYPE_APPLICATION)

static void
gp_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (gp_window_new (GP_APPLICATION (app)));

  gtk_window_present (window);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static int
gp_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  /* Answered here, before registering on the bus, so it works while GigPilot runs. */
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("GigPilot %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  /* Go on with the default handling: register, then activate or hand over to the running instance. */
  return -1;
}

static const GOptionEntry option_entries[] = {
  { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { NULL },
};

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
};

static void
gp_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (gp_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
}

static void
gp_application_class_init (GpApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = gp_application_activate;
  app_class->handle_local_options = gp_application_handle_local_options;
  app_class->startup = gp_application_startup;
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
                       "resource-base-path", "/io/github/gigpilot/GigPilot",
                       NULL);
}
