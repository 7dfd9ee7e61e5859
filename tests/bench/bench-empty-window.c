/* bench-empty-window.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The baseline for bench-window.py: an empty GTK window of GigPilot's default size,
 * opened the way GigPilot opens its own (a GtkApplication), printing the monotonic
 * time of its first painted frame like GigPilot does with GIGPILOT_BENCH_FIRST_FRAME.
 * With --adw, an empty libadwaita window (AdwApplication, AdwApplicationWindow): what
 * any libadwaita app pays before its own first widget. */

#include "config.h"

#include <adwaita.h>
#include <string.h>

static void
first_frame_painted_cb (GdkFrameClock *clock,
                        gpointer       user_data)
{
  g_printerr ("first-frame %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  g_signal_handlers_disconnect_by_func (clock, first_frame_painted_cb, user_data);
}

static void
activate_cb (GtkApplication *app,
             gpointer        user_data)
{
  GtkWidget *window = ADW_IS_APPLICATION (app) ? adw_application_window_new (app)
                                               : gtk_application_window_new (app);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 680);
  gtk_window_set_title (GTK_WINDOW (window), "Empty");
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (first_frame_painted_cb), NULL);
}

int
main (int   argc,
      char *argv[])
{
  gboolean adw = argc > 1 && strcmp (argv[1], "--adw") == 0;
  g_autoptr(GtkApplication) app = NULL;

  if (adw)
    app = GTK_APPLICATION (adw_application_new ("io.github.gigpilot.BenchEmptyAdwWindow", G_APPLICATION_NON_UNIQUE));
  else
    app = gtk_application_new ("io.github.gigpilot.BenchEmptyWindow", G_APPLICATION_NON_UNIQUE);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), adw ? 1 : argc, argv);
}
