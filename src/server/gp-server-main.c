/* gp-server-main.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "gp-server.h"
#include "gp-server-token.h"

#define SHUTDOWN_GRACE_US (10 * G_USEC_PER_SEC)

typedef struct
{
  GMainLoop *loop;
  GpServer  *server;
  gint64     deadline;
  guint      drain_id;
} Shutdown;

#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds only: complete stacks for leak reports, so that tests/lsan.supp can
 * name the few libsoup functions that leak instead of whole libraries. The server
 * allocates little, so the slower unwinding costs next to nothing here. */
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}
#endif

static gboolean
drain_cb (gpointer user_data)
{
  Shutdown *shutdown = user_data;

  if (gp_server_get_in_flight (shutdown->server) > 0 && g_get_monotonic_time () < shutdown->deadline)
    return G_SOURCE_CONTINUE;

  gp_server_disconnect (shutdown->server);
  g_main_loop_quit (shutdown->loop);
  shutdown->drain_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer user_data)
{
  Shutdown *shutdown = user_data;

  if (shutdown->drain_id != 0)
    return G_SOURCE_CONTINUE;

  g_message ("Shutting down");
  gp_server_begin_shutdown (shutdown->server);
  shutdown->deadline = g_get_monotonic_time () + SHUTDOWN_GRACE_US;
  shutdown->drain_id = g_timeout_add (20, drain_cb, shutdown);
  return G_SOURCE_CONTINUE;
}

/* Reads the signing key from @path, or creates it: 32 random bytes, mode 0600,
 * written to a temporary file and renamed so no half-written key is ever read. */
static GBytes *
load_or_create_secret (const char  *path,
                       GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *dir = NULL;
  gsize len = 0;
  guint8 key[32];
  g_autoptr(GError) local_error = NULL;

  if (g_file_get_contents (path, &contents, &len, &local_error))
    {
      GStatBuf st;

      if (g_stat (path, &st) == 0 && (st.st_mode & 077) != 0)
        g_message ("The token secret %s is readable by other users; chmod 600 it", path);
      if (len < GP_TOKEN_MIN_KEY_LEN)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "The token secret in %s is shorter than %d bytes", path, GP_TOKEN_MIN_KEY_LEN);
          return NULL;
        }
      return g_bytes_new_take (g_steal_pointer (&contents), len);
    }
  if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", dir, g_strerror (saved));
      return NULL;
    }

  randombytes_buf (key, sizeof key);
  if (!g_file_set_contents_full (path, (const char *) key, sizeof key,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, error))
    return NULL;

  g_message ("Created a new token secret in %s", path);
  return g_bytes_new (key, sizeof key);
}

static void
print_error (const char *message)
{
  fprintf (stderr, "gigpilot-server: %s\n", message);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GpServer) server = NULL;
  g_autoptr(GBytes) secret = NULL;
  g_autofree char *listen_address = NULL;
  g_autofree char *database = NULL;
  g_autofree char *secret_file = NULL;
  g_autofree char *uri = NULL;
  gboolean version = FALSE;
  gint64 access_lifetime = 0;
  gint64 max_body = 0;
  int idle_timeout = -1;
  int login_rate = -1;
  int login_failures = -1;
  int hash_memory = -1;
  GpServerOptions options;
  GpBackend *backend;
  Shutdown shutdown = { 0, };
  const char *env_secret;
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen_address,
      "Address to listen on (default 127.0.0.1:8080; port 0 picks a free port)", "HOST:PORT" },
    { "database", 'd', 0, G_OPTION_ARG_STRING, &database,
      "sqlite:PATH or postgresql://… (default: a SQLite file in the user data directory)", "URI" },
    { "token-secret-file", 0, 0, G_OPTION_ARG_FILENAME, &secret_file,
      "File holding the token signing key (created with 32 random bytes if missing); "
      "GIGPILOT_TOKEN_SECRET is used otherwise", "PATH" },
    { "access-token-lifetime", 0, 0, G_OPTION_ARG_INT64, &access_lifetime,
      "Access token lifetime in seconds (default 900)", "SECONDS" },
    { "max-body-bytes", 0, 0, G_OPTION_ARG_INT64, &max_body,
      "Largest accepted request body (default 10 MiB)", "N" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
      "Close connections idle for this long (default 60)", "SECONDS" },
    { "login-attempts-per-minute", 0, 0, G_OPTION_ARG_INT, &login_rate,
      "Login/register attempts per client address and minute (default 30; 0 = no limit)", "N" },
    { "login-failures-before-delay", 0, 0, G_OPTION_ARG_INT, &login_failures,
      "Failed logins of one account before delays start (default 5)", "N" },
    { "password-hash-memory", 0, 0, G_OPTION_ARG_INT, &hash_memory,
      "argon2id memory per password hash in MiB (default 64, at least 19)", "MIB" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

  context = g_option_context_new ("- the GigPilot sync server");
  g_option_context_set_summary (context,
                                "Serves the WatermelonDB pull/push sync protocol for GigPilot.\n"
                                "Prints “listening on URI” on stdout once it accepts connections.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      print_error (error->message);
      return 2;
    }

  if (version)
    {
      printf ("gigpilot-server %s\n", gp_server_version ());
      return 0;
    }

  /* The database, its WAL and the token secret hold password hashes and keys:
   * nothing this process creates is for other users. */
  umask (077);

  if (sodium_init () < 0)
    {
      print_error ("libsodium failed to initialise");
      return 1;
    }

  gp_server_options_init (&options);
  if (access_lifetime != 0)
    {
      if (access_lifetime < 1 || access_lifetime > 24 * 3600)
        {
          print_error ("--access-token-lifetime must be between 1 and 86400 seconds");
          return 2;
        }
      options.access_token_lifetime = access_lifetime;
    }
  if (max_body != 0)
    {
      if (max_body < 1024)
        {
          print_error ("--max-body-bytes must be at least 1024");
          return 2;
        }
      options.max_body_bytes = (gsize) max_body;
    }
  if (idle_timeout >= 0)
    options.idle_timeout = (guint) idle_timeout;
  if (login_rate >= 0)
    options.login_attempts_per_minute = (guint) login_rate;
  if (login_failures >= 0)
    options.login_failures_before_delay = (guint) login_failures;
  if (hash_memory >= 0)
    {
      if (hash_memory < GP_SERVER_MIN_HASH_MEMORY_MIB || hash_memory > 4096)
        {
          print_error ("--password-hash-memory must be between 19 and 4096 MiB");
          return 2;
        }
      options.hash_memory_mib = (guint) hash_memory;
    }

  if (listen_address == NULL)
    listen_address = g_strdup ("127.0.0.1:8080");
  if (database == NULL)
    {
      g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "gigpilot-server", NULL);

      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          g_autofree char *message = g_strdup_printf ("cannot create %s: %s", dir, g_strerror (errno));

          print_error (message);
          return 1;
        }
      database = g_strdup_printf ("sqlite:%s/server.db", dir);
    }

  env_secret = g_getenv ("GIGPILOT_TOKEN_SECRET");
  if (secret_file != NULL)
    secret = load_or_create_secret (secret_file, &error);
  else if (env_secret != NULL && env_secret[0] != '\0')
    {
      if (strlen (env_secret) < GP_TOKEN_MIN_KEY_LEN)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     "GIGPILOT_TOKEN_SECRET must have at least %d bytes", GP_TOKEN_MIN_KEY_LEN);
      else
        secret = g_bytes_new (env_secret, strlen (env_secret));
    }
  else
    {
      g_autofree char *path = g_build_filename (g_get_user_data_dir (), "gigpilot-server",
                                                "token-secret", NULL);

      secret = load_or_create_secret (path, &error);
    }
  if (secret == NULL)
    {
      print_error (error->message);
      return 1;
    }

  backend = gp_backend_open (database, &error);
  if (backend == NULL)
    {
      print_error (error->message);
      return 1;
    }

  server = gp_server_new (backend, secret, &options);
  if (!gp_server_listen (server, listen_address, &error))
    {
      print_error (error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  shutdown.loop = loop;
  shutdown.server = server;
  g_unix_signal_add (SIGINT, signal_cb, &shutdown);
  g_unix_signal_add (SIGTERM, signal_cb, &shutdown);

  uri = gp_server_get_uri (server);
  printf ("listening on %s\n", uri);
  fflush (stdout);

  g_main_loop_run (loop);

  return 0;
}
