/* test-converge.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <sqlite3.h>
#include <string.h>

#include "gp-error.h"
#include "gp-schema.h"
#include "gp-store-time.h"
#include "gp-sync-test-utils.h"

/* Convergence under faults: a seeded simulation of many devices of one account, each a real
 * store (its own SQLite file and thread) with its own GpSyncClient, syncing with the real
 * gigpilot-server through a loopback fault proxy per device. A GRand seeded per run chooses
 * every step: which device, which write (create, edit, delete in every table the store lets
 * a user write), syncs started in any order and overlapping with edits, conflicts resolved
 * every way the conflict dialog allows, devices going offline, proxy faults (a connection
 * dropped before the request reaches the server, dropped after the server answered, delayed,
 * or its response cut short) and server kill -9 + restart on the same database. Timing may
 * vary between runs of one seed; what is chosen does not.
 *
 * At the end, with faults off and everyone online, the devices sync until nothing is
 * pending and no conflict is open, and then:
 *  - every device holds exactly what a full pull from the server returns;
 *  - the full pull names every id once, and no written value lives in two records;
 *  - every acknowledged write (the store call succeeded) is accounted for: its value is on
 *    the server, or a later write or a delete made on a device that had seen it replaced it,
 *    or the user dropped it in a conflict decision. "Had seen" comes from each device's
 *    local history (old → new, written in the write's own transaction); the decisions are
 *    recorded by the simulation when it makes them.
 *
 * Every written value that the ledger follows is unique in the run (text "s<seed>t<n>",
 * whole numbers from 700,000,000 up), so a value names its write.
 *
 * Arguments: --seeds N (seeds 1..N), --steps M, --clients C; GP_SIM_SEED=<n> (and
 * GP_SIM_STEPS, GP_SIM_CLIENTS) run that one seed, as the failure message says. */

#define MAX_CLIENTS  16
#define INT_TOKEN_BASE G_GINT64_CONSTANT (700000000)

/* The fault proxy ------------------------------------------------------------------------- */

typedef enum
{
  FAULT_NONE,
  FAULT_DROP_BEFORE,  /* the request never reaches the server */
  FAULT_DROP_AFTER,   /* the server answered; the answer is thrown away */
  FAULT_DELAY,        /* held for a while, then passed on */
  FAULT_TRUNCATE,     /* the answer is cut short */
  N_FAULTS,
} FaultKind;

typedef struct
{
  FaultKind kind;
  guint param;
} Fault;

typedef struct
{
  GSocketService *service;
  guint16 port;
  guint16 upstream_port;
  GMutex lock;
  GQueue planned;              /* Fault*, for the next connections in order */
  gboolean offline;
  guint applied[N_FAULTS];
  guint refused_offline;
  guint refused_down;          /* the server was not there */
  guint connections;
} Proxy;

static gboolean
read_exactly (GInputStream *in,
              guint8       *buf,
              gsize         len)
{
  gsize done = 0;

  return g_input_stream_read_all (in, buf, len, &done, NULL, NULL) && done == len;
}

/* Reads an HTTP head, up to and including the blank line. */
static GByteArray *
read_head (GInputStream *in)
{
  g_autoptr(GByteArray) head = g_byte_array_new ();
  guint8 c;

  while (head->len < 65536)
    {
      if (!read_exactly (in, &c, 1))
        return NULL;
      g_byte_array_append (head, &c, 1);
      if (head->len >= 4 && memcmp (head->data + head->len - 4, "\r\n\r\n", 4) == 0)
        return g_steal_pointer (&head);
    }
  return NULL;
}

/* The head with every Connection header replaced by "Connection: close", so each
 * connection carries one exchange and the server's answer ends where its connection does.
 * Also returns the Content-Length. */
static GString *
rewrite_head (const guint8 *data,
              gsize         len,
              gsize        *content_length)
{
  g_autofree char *text = g_strndup ((const char *)data, len);
  g_auto(GStrv) lines = g_strsplit (text, "\r\n", -1);
  GString *out = g_string_new (NULL);

  *content_length = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0')
        continue;
      if (g_ascii_strncasecmp (lines[i], "connection:", 11) == 0)
        continue;
      if (g_ascii_strncasecmp (lines[i], "content-length:", 15) == 0)
        *content_length = g_ascii_strtoull (lines[i] + 15, NULL, 10);
      g_string_append_printf (out, "%s\r\n", lines[i]);
    }
  g_string_append (out, "Connection: close\r\n\r\n");
  return out;
}

static Fault
proxy_next_fault (Proxy    *proxy,
                  gboolean *offline)
{
  Fault fault = { FAULT_NONE, 0 };
  Fault *planned;

  g_mutex_lock (&proxy->lock);
  proxy->connections++;
  *offline = proxy->offline;
  if (!*offline && (planned = g_queue_pop_head (&proxy->planned)) != NULL)
    {
      fault = *planned;
      g_free (planned);
    }
  if (*offline)
    proxy->refused_offline++;
  g_mutex_unlock (&proxy->lock);
  return fault;
}

static void
proxy_count (Proxy     *proxy,
             FaultKind  kind,
             gboolean   down)
{
  g_mutex_lock (&proxy->lock);
  if (down)
    proxy->refused_down++;
  else
    proxy->applied[kind]++;
  g_mutex_unlock (&proxy->lock);
}

/* Runs in a worker thread of the GThreadedSocketService: blocking I/O is fine here. */
static gboolean
proxy_run_cb (GThreadedSocketService *service,
              GSocketConnection      *connection,
              GObject                *source_object,
              gpointer                user_data)
{
  Proxy *proxy = user_data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnection) upstream = NULL;
  g_autoptr(GByteArray) head = NULL;
  g_autoptr(GString) request = NULL;
  g_autoptr(GByteArray) response = NULL;
  g_autoptr(GString) reply = NULL;
  g_autofree guint8 *body = NULL;
  const guint8 *resp_body;
  gsize content_length = 0;
  gsize resp_len, unused, head_end = 0;
  gboolean offline = FALSE;
  Fault fault = proxy_next_fault (proxy, &offline);
  guint8 buf[16384];
  gssize n;

  g_socket_set_timeout (g_socket_connection_get_socket (connection), 60);
  if (offline)
    goto close;

  head = read_head (in);
  if (head == NULL)
    goto close;
  request = rewrite_head (head->data, head->len, &content_length);
  if (content_length > 64 * 1024 * 1024)
    goto close;
  body = g_malloc (MAX (content_length, 1));
  if (content_length > 0 && !read_exactly (in, body, content_length))
    goto close;

  if (fault.kind == FAULT_DROP_BEFORE)
    {
      proxy_count (proxy, fault.kind, FALSE);
      goto close;
    }
  if (fault.kind == FAULT_DELAY)
    g_usleep (fault.param * 1000);

  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, 60);
  upstream = g_socket_client_connect_to_host (client, "127.0.0.1", proxy->upstream_port, NULL, NULL);
  if (upstream == NULL)
    {
      proxy_count (proxy, fault.kind, TRUE);
      goto close;
    }
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (upstream)),
                                  request->str, request->len, &unused, NULL, NULL)
      || (content_length > 0
          && !g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (upstream)),
                                         body, content_length, &unused, NULL, NULL)))
    {
      proxy_count (proxy, fault.kind, TRUE);
      goto close;
    }

  response = g_byte_array_new ();
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (upstream)),
                                   buf, sizeof buf, NULL, NULL)) > 0)
    g_byte_array_append (response, buf, n);
  g_io_stream_close (G_IO_STREAM (upstream), NULL, NULL);

  if (fault.kind == FAULT_DROP_AFTER)
    {
      proxy_count (proxy, fault.kind, FALSE);
      goto close;
    }

  for (gsize i = 0; i + 4 <= response->len; i++)
    if (memcmp (response->data + i, "\r\n\r\n", 4) == 0)
      {
        head_end = i + 4;
        break;
      }
  if (head_end == 0)
    {
      /* The server died mid-answer: pass on what there is. */
      g_output_stream_write_all (out, response->data, response->len, &unused, NULL, NULL);
      proxy_count (proxy, fault.kind, TRUE);
      goto close;
    }
  reply = rewrite_head (response->data, head_end, &content_length);
  resp_body = response->data + head_end;
  resp_len = response->len - head_end;
  g_string_append_len (reply, (const char *)resp_body, resp_len);

  if (fault.kind == FAULT_TRUNCATE)
    {
      /* Somewhere before the end: in the head or in the body. */
      gsize cut = fault.param % reply->len;

      g_output_stream_write_all (out, reply->str, cut, &unused, NULL, NULL);
    }
  else
    g_output_stream_write_all (out, reply->str, reply->len, &unused, NULL, NULL);
  proxy_count (proxy, fault.kind, FALSE);

close:
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static Proxy *
proxy_new (guint16 upstream_port)
{
  Proxy *proxy = g_new0 (Proxy, 1);
  g_autoptr(GError) error = NULL;

  g_mutex_init (&proxy->lock);
  g_queue_init (&proxy->planned);
  proxy->upstream_port = upstream_port;
  proxy->service = g_threaded_socket_service_new (4);
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) effective = NULL;

    g_socket_listener_add_address (G_SOCKET_LISTENER (proxy->service), address, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
    g_assert_no_error (error);
    proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  }
  g_signal_connect (proxy->service, "run", G_CALLBACK (proxy_run_cb), proxy);
  g_socket_service_start (proxy->service);
  return proxy;
}

static void
proxy_plan (Proxy     *proxy,
            FaultKind  kind,
            guint      param,
            guint      count)
{
  g_mutex_lock (&proxy->lock);
  for (guint i = 0; i < count; i++)
    {
      Fault *fault = g_new0 (Fault, 1);

      fault->kind = kind;
      fault->param = param;
      g_queue_push_tail (&proxy->planned, fault);
    }
  g_mutex_unlock (&proxy->lock);
}

static void
proxy_clear (Proxy *proxy)
{
  g_mutex_lock (&proxy->lock);
  g_queue_clear_full (&proxy->planned, g_free);
  proxy->offline = FALSE;
  g_mutex_unlock (&proxy->lock);
}

static void
proxy_set_offline (Proxy    *proxy,
                   gboolean  offline)
{
  g_mutex_lock (&proxy->lock);
  proxy->offline = offline;
  g_mutex_unlock (&proxy->lock);
}

static void
proxy_free (Proxy *proxy)
{
  g_socket_service_stop (proxy->service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy->service));
  g_clear_object (&proxy->service);
  g_queue_clear_full (&proxy->planned, g_free);
  g_mutex_clear (&proxy->lock);
  g_free (proxy);
}

/* The simulation -------------------------------------------------------------------------- */

typedef struct
{
  guint index;
  char *path;
  GpStore *store;
  GpAccount *account;
  GpSyncClient *sync;
  Proxy *proxy;
  guint in_flight;
  gboolean offline;
  guint syncs_ok;
  guint syncs_failed;
  guint next_id;
} Device;

/* An acknowledged write of one followed value. */
typedef struct
{
  guint device;
  char *table;
  char *id;
  char *field;
  guint step;
} Write;

typedef struct
{
  guint32 seed;
  guint steps;
  guint n_devices;
  const char *backend;
  GRand *rand;
  char *dir;
  GpTestServer *server;
  char *email;
  Device devices[MAX_CLIENTS];
  guint64 next_token;
  guint step;
  guint restart_at;            /* while the server is down: the step it comes back */

  GHashTable *writes;          /* value -> Write */
  GHashTable *edges;           /* value -> GPtrArray of the values it replaced */
  GHashTable *dropped;         /* values the user let go in a conflict decision */
  GHashTable *gone;            /* "table/id" the user let go in a conflict decision */
  GHashTable *parents;         /* "table/id" -> "table/id" of its parent */

  /* Figures */
  guint creates, edits, deletes, billings, rejected, not_found;
  guint sync_requests, sync_ok, sync_failed;
  guint resolved[8];
  guint restarts;
  guint offline_toggles;
  guint end_rounds;
  GString *problems;
} Sim;

typedef struct
{
  const char *name;
  const char *parent;          /* table the parent column points to, or NULL */
  const char *parent_column;
  const char *text[5];         /* followed text columns */
  const char *ints[3];         /* followed whole-number columns */
} TablePlan;

static const TablePlan plans[] = {
  { "clients", NULL, NULL, { "name", "email", "company", "notes", NULL }, { "hourly_rate", NULL } },
  { "invoices", "clients", "client_id", { "notes", "terms", NULL }, { NULL } },
  { "invoice_lines", "invoices", "invoice_id", { "description", NULL }, { "unit_price", NULL } },
  { "tickets", "clients", "client_id", { "title", "body", NULL }, { NULL } },
  { "time_entries", "tickets", "ticket_id", { "note", NULL }, { "duration_ms", NULL } },
  { "payments", "invoices", "invoice_id", { "note", "method", NULL }, { "amount", NULL } },
};

static void
write_free (Write *write)
{
  g_free (write->table);
  g_free (write->id);
  g_free (write->field);
  g_free (write);
}

static gboolean
is_followed_value (const char *text)
{
  const char *p;
  gint64 v;

  if (text == NULL)
    return FALSE;
  if (text[0] == 's')
    {
      /* s<seed>t<n> */
      for (p = text + 1; g_ascii_isdigit (*p); p++)
        ;
      if (p == text + 1 || *p != 't' || !g_ascii_isdigit (p[1]))
        return FALSE;
      for (p++; g_ascii_isdigit (*p); p++)
        ;
      return *p == '\0';
    }
  for (p = text; g_ascii_isdigit (*p); p++)
    ;
  if (p == text || *p != '\0')
    return FALSE;
  v = g_ascii_strtoll (text, NULL, 10);
  return v >= INT_TOKEN_BASE && v < INT_TOKEN_BASE * 2;
}

static char *
new_text_token (Sim *sim)
{
  return g_strdup_printf ("s%ut%" G_GUINT64_FORMAT, sim->seed, ++sim->next_token);
}

static gint64
new_int_token (Sim *sim)
{
  return INT_TOKEN_BASE + (gint64)++sim->next_token;
}

static char *
node_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node) || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  return NULL;
}

static void
add_edge (Sim        *sim,
          const char *newer,
          const char *older)
{
  GPtrArray *list;

  if (!is_followed_value (newer) || !is_followed_value (older) || g_strcmp0 (newer, older) == 0)
    return;
  list = g_hash_table_lookup (sim->edges, newer);
  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (sim->edges, g_strdup (newer), list);
    }
  g_ptr_array_add (list, g_strdup (older));
}

/* Takes both keys. */
static void
add_parent (Sim  *sim,
            char *child,
            char *parent)
{
  GPtrArray *parents = g_hash_table_lookup (sim->parents, child);

  if (parents == NULL)
    {
      parents = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (sim->parents, g_strdup (child), parents);
    }
  for (guint i = 0; i < parents->len; i++)
    if (g_str_equal (g_ptr_array_index (parents, i), parent))
      {
        g_free (child);
        g_free (parent);
        return;
      }
  g_ptr_array_add (parents, parent);
  g_free (child);
}

static void
record_write (Sim        *sim,
              Device     *device,
              const char *table,
              const char *id,
              const char *field,
              const char *value)
{
  Write *write = g_new0 (Write, 1);

  write->device = device->index;
  write->table = g_strdup (table);
  write->id = g_strdup (id);
  write->field = g_strdup (field);
  write->step = sim->step;
  g_hash_table_replace (sim->writes, g_strdup (value), write);
}

static void
fail (Sim        *sim,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
fail (Sim        *sim,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (sim->problems, format, args);
  g_string_append_c (sim->problems, '\n');
  va_end (args);
}

static char *
replay_line (Sim *sim)
{
  return g_strdup_printf ("replay: GP_SIM_SEED=%u GP_SIM_STEPS=%u GP_SIM_CLIENTS=%u "
                          "build-aux/headless-session meson test -C _build --print-errorlogs converge-%s",
                          sim->seed, sim->steps, sim->n_devices, sim->backend);
}

/* Store calls that may fail for good reasons ---------------------------------------------- */

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static char *
store_save (GpStore     *store,
            const char  *table,
            const char  *id,
            JsonObject  *fields,
            GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gp_store_save_async (store, table, id, fields, NULL, result_cb, &result);
  gp_test_wait (&result);
  return gp_store_save_finish (store, result, error);
}

static gboolean
store_delete (GpStore     *store,
              const char  *table,
              const char  *id,
              GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gp_store_delete_async (store, table, id, NULL, result_cb, &result);
  gp_test_wait (&result);
  return gp_store_delete_finish (store, result, error);
}

static GPtrArray *
store_list (GpStore    *store,
            const char *table)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GpQuery) query = gp_query_new (table);
  GPtrArray *records;

  gp_query_set_order (query, "id", FALSE);
  gp_store_query_async (store, query, NULL, result_cb, &result);
  gp_test_wait (&result);
  records = gp_store_query_finish (store, result, &error);
  g_assert_no_error (error);
  return records;
}

/* Expected refusals: a rule of the store (an issued invoice's lines), or a record that a
 * sync removed meanwhile. Anything else is a bug. */
static gboolean
expected_refusal (Sim    *sim,
                  GError *error)
{
  if (g_error_matches (error, GP_STORE_ERROR, GP_STORE_ERROR_INVALID))
    {
      sim->rejected++;
      return TRUE;
    }
  if (g_error_matches (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND))
    {
      sim->not_found++;
      return TRUE;
    }
  return FALSE;
}

/* Writes ---------------------------------------------------------------------------------- */

static char *
random_date (Sim *sim)
{
  return g_strdup_printf ("2026-%02d-%02d", g_rand_int_range (sim->rand, 1, 13),
                          g_rand_int_range (sim->rand, 1, 29));
}

static GpRecord *
pick (Sim       *sim,
      GPtrArray *records)
{
  if (records->len == 0)
    return NULL;
  return g_ptr_array_index (records, g_rand_int_range (sim->rand, 0, records->len));
}

static char *
key_of (const char *table,
        const char *id)
{
  return g_strconcat (table, "/", id, NULL);
}

/* Random values for the columns that are not followed (enums and dates): they take part in
 * merges and conflicts; convergence covers them. */
static void
add_untracked (Sim         *sim,
               const char  *table,
               JsonObject  *fields,
               gboolean     creating)
{
  static const char *ticket_status[] = { "open", "in-progress", "waiting", "done" };
  static const char *priority[] = { "low", "normal", "high" };

  if (g_rand_int_range (sim->rand, 0, 3) != 0)
    return;
  if (strcmp (table, "tickets") == 0)
    {
      json_object_set_string_member (fields, "status", ticket_status[g_rand_int_range (sim->rand, 0, 4)]);
      json_object_set_string_member (fields, "priority", priority[g_rand_int_range (sim->rand, 0, 3)]);
    }
  else if (strcmp (table, "invoices") == 0)
    {
      g_autofree char *due = random_date (sim);

      json_object_set_string_member (fields, "due_on", due);
      /* Issuing fixes an invoice's lines: later line writes are refused, as in the app. */
      if (!creating && g_rand_int_range (sim->rand, 0, 4) == 0)
        json_object_set_string_member (fields, "status", "sent");
    }
  else if (strcmp (table, "payments") == 0)
    {
      g_autofree char *paid = random_date (sim);

      json_object_set_string_member (fields, "paid_on", paid);
    }
}

/* Turns a client's unbilled time into an invoice, as the app's "Invoice time" does; two
 * devices may bill the same time while apart (a double-billed conflict). */
static void
bill_time (Sim    *sim,
           Device *device)
{
  g_autoptr(GPtrArray) clients = store_list (device->store, "clients");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *invoice = NULL;
  GpRecord *client = pick (sim, clients);

  if (client == NULL)
    return;
  gp_store_invoice_time_async (device->store, gp_record_get_id (client), 0, G_MAXINT64, NULL,
                               result_cb, &result);
  gp_test_wait (&result);
  invoice = gp_store_invoice_time_finish (device->store, result, &error);
  if (invoice == NULL)
    {
      if (!expected_refusal (sim, error))
        fail (sim, "step %u: device %u: billing the time of %s: %s", sim->step, device->index,
              gp_record_get_id (client), error->message);
      return;
    }
  sim->billings++;
  add_parent (sim, key_of ("invoices", invoice), key_of ("clients", gp_record_get_id (client)));
}

static void
do_write (Sim    *sim,
          Device *device)
{
  const TablePlan *plan = &plans[g_rand_int_range (sim->rand, 0, G_N_ELEMENTS (plans))];
  g_autoptr(GPtrArray) records = store_list (device->store, plan->name);
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func (g_free); /* field, value pairs */
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *saved = NULL;
  GpRecord *record = NULL;
  GpRecord *parent = NULL;
  guint what = g_rand_int_range (sim->rand, 0, 100);

  if (plan->parent != NULL)
    {
      parents = store_list (device->store, plan->parent);
      parent = pick (sim, parents);
    }

  if (records->len > 0 && what >= 40)
    record = pick (sim, records);

  if (record != NULL && what >= 88)
    {
      /* Delete (its children go with it). */
      if (!store_delete (device->store, plan->name, gp_record_get_id (record), &error))
        {
          if (!expected_refusal (sim, error))
            fail (sim, "step %u: device %u: deleting %s/%s: %s", sim->step, device->index,
                  plan->name, gp_record_get_id (record), error->message);
          return;
        }
      sim->deletes++;
      return;
    }

  if (record == NULL)
    {
      if (plan->parent != NULL && parent == NULL)
        return; /* nothing to hang it on yet */
      id = g_strdup_printf ("d%uc%u-%u", sim->seed, device->index, ++device->next_id);
      if (parent != NULL)
        json_object_set_string_member (fields, plan->parent_column, gp_record_get_id (parent));
      if (strcmp (plan->name, "invoices") == 0 && g_rand_int_range (sim->rand, 0, 8) == 0)
        {
          /* A number from a small pool: two devices may issue the same one. */
          g_autofree char *number = g_strdup_printf ("INV-%u-%02d", sim->seed, g_rand_int_range (sim->rand, 0, 12));

          json_object_set_string_member (fields, "number", number);
        }
      if (strcmp (plan->name, "time_entries") == 0)
        {
          gint64 started = new_int_token (sim);

          /* Finished, so it can be billed. */
          json_object_set_int_member (fields, "started_at", started);
          json_object_set_int_member (fields, "ended_at", started + 3600000);
        }
      if (strcmp (plan->name, "payments") == 0)
        {
          g_autofree char *paid = random_date (sim);

          json_object_set_string_member (fields, "paid_on", paid);
        }
    }
  else
    id = g_strdup (gp_record_get_id (record));

  for (guint i = 0; plan->text[i] != NULL; i++)
    if (record == NULL ? (i == 0 || g_rand_boolean (sim->rand)) : g_rand_int_range (sim->rand, 0, 3) == 0)
      {
        g_autofree char *value = new_text_token (sim);

        json_object_set_string_member (fields, plan->text[i], value);
        g_ptr_array_add (written, g_strdup (plan->text[i]));
        g_ptr_array_add (written, g_steal_pointer (&value));
      }
  for (guint i = 0; plan->ints[i] != NULL; i++)
    if (record == NULL ? TRUE : g_rand_int_range (sim->rand, 0, 3) == 0)
      {
        gint64 value = new_int_token (sim);

        json_object_set_int_member (fields, plan->ints[i], value);
        g_ptr_array_add (written, g_strdup (plan->ints[i]));
        g_ptr_array_add (written, g_strdup_printf ("%" G_GINT64_FORMAT, value));
      }
  add_untracked (sim, plan->name, fields, record == NULL);
  if (json_object_get_size (fields) == 0)
    {
      g_autofree char *value = new_text_token (sim);

      json_object_set_string_member (fields, plan->text[0], value);
      g_ptr_array_add (written, g_strdup (plan->text[0]));
      g_ptr_array_add (written, g_steal_pointer (&value));
    }

  saved = store_save (device->store, plan->name, id, fields, &error);
  if (saved == NULL)
    {
      if (!expected_refusal (sim, error))
        fail (sim, "step %u: device %u: saving %s/%s: %s", sim->step, device->index,
              plan->name, id, error->message);
      return;
    }
  g_assert_cmpstr (saved, ==, id);

  if (record == NULL)
    sim->creates++;
  else
    sim->edits++;

  /* Its parent, for deciding later whether a decision to let a parent go covers it. */
  {
    const char *parent_id = NULL;

    if (record == NULL && parent != NULL)
      parent_id = gp_record_get_id (parent);
    else if (record != NULL && plan->parent_column != NULL && gp_record_has_value (record, plan->parent_column))
      parent_id = gp_record_get_string (record, plan->parent_column);
    if (parent_id != NULL)
      add_parent (sim, key_of (plan->name, id), key_of (plan->parent, parent_id));
  }

  for (guint i = 0; i + 1 < written->len; i += 2)
    record_write (sim, device, plan->name, id, g_ptr_array_index (written, i),
                  g_ptr_array_index (written, i + 1));
}

/* Syncs ----------------------------------------------------------------------------------- */

typedef struct
{
  Sim *sim;
  Device *device;
} SyncCall;

static void
synced_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  SyncCall *call = user_data;
  g_autoptr(GError) error = NULL;

  call->device->in_flight--;
  if (gp_sync_client_sync_finish (GP_SYNC_CLIENT (object), result, &error))
    {
      call->device->syncs_ok++;
      call->sim->sync_ok++;
    }
  else
    {
      g_debug ("device %u: sync failed: %s", call->device->index, error->message);
      call->device->syncs_failed++;
      call->sim->sync_failed++;
      /* A sync never signs the device out because of a fault: that would be a bug. */
      if (g_error_matches (error, GP_SYNC_ERROR, GP_SYNC_ERROR_UNAUTHORIZED))
        fail (call->sim, "device %u: sync signed out: %s", call->device->index, error->message);
    }
  g_free (call);
}

static void
request_sync (Sim    *sim,
              Device *device)
{
  SyncCall *call = g_new0 (SyncCall, 1);

  call->sim = sim;
  call->device = device;
  device->in_flight++;
  sim->sync_requests++;
  gp_sync_client_sync_async (device->sync, NULL, synced_cb, call);
}

static gboolean
device_idle (gpointer data)
{
  return ((Device *)data)->in_flight == 0;
}

static void
await_sync (Sim    *sim,
            Device *device)
{
  if (!gp_test_wait_until (device_idle, device, 180000))
    fail (sim, "step %u: device %u: a sync did not finish within 3 minutes", sim->step, device->index);
}

static gboolean
sync_once (Sim    *sim,
           Device *device)
{
  guint failed = device->syncs_failed;

  request_sync (sim, device);
  await_sync (sim, device);
  return device->syncs_failed == failed;
}

/* Conflicts ------------------------------------------------------------------------------- */

static void
resolve_conflicts (Sim    *sim,
                   Device *device)
{
  g_autoptr(GPtrArray) conflicts = gp_test_conflicts (device->store);

  for (guint i = 0; i < conflicts->len; i++)
    {
      GpConflict *conflict = g_ptr_array_index (conflicts, i);
      g_autoptr(JsonObject) choices = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GPtrArray) decided = g_ptr_array_new_with_free_func (g_free); /* chosen, other */
      g_autoptr(GPtrArray) custom = g_ptr_array_new_with_free_func (g_free);  /* field, value */
      GpResolution resolution = GP_RESOLUTION_KEEP_MINE;
      JsonObjectIter iter;
      const char *name;
      JsonNode *node;
      guint how = g_rand_int_range (sim->rand, 0, 3);

      switch (conflict->kind)
        {
        case GP_CONFLICT_EDIT:
          resolution = how == 0 ? GP_RESOLUTION_KEEP_MINE : how == 1 ? GP_RESOLUTION_USE_THEIRS
                                                                     : GP_RESOLUTION_PER_FIELD;
          choices = json_object_new ();
          json_object_iter_init (&iter, conflict->fields);
          while (json_object_iter_next (&iter, &name, &node))
            {
              JsonObject *f = json_node_get_object (node);
              g_autofree char *mine = node_text (json_object_get_member (f, "mine"));
              g_autofree char *theirs = node_text (json_object_get_member (f, "theirs"));
              const char *side = how == 0 ? "mine" : "theirs";

              if (how == 2)
                {
                  guint pick_side = g_rand_int_range (sim->rand, 0, 5);

                  side = pick_side < 2 ? "mine" : pick_side < 4 ? "theirs" : "value";
                  if (g_str_equal (side, "value") && !is_followed_value (mine) && !is_followed_value (theirs))
                    side = "mine";
                }
              if (g_str_equal (side, "value"))
                {
                  JsonObject *value = json_object_new ();
                  g_autofree char *token = NULL;

                  if (mine != NULL && g_ascii_isdigit (mine[0]))
                    {
                      gint64 v = new_int_token (sim);

                      json_object_set_int_member (value, "value", v);
                      token = g_strdup_printf ("%" G_GINT64_FORMAT, v);
                    }
                  else
                    {
                      token = new_text_token (sim);
                      json_object_set_string_member (value, "value", token);
                    }
                  json_object_set_object_member (choices, name, value);
                  add_edge (sim, token, mine);
                  add_edge (sim, token, theirs);
                  g_ptr_array_add (custom, g_strdup (name));
                  g_ptr_array_add (custom, g_steal_pointer (&token));
                }
              else
                {
                  json_object_set_string_member (choices, name, side);
                  g_ptr_array_add (decided, g_strdup (g_str_equal (side, "mine") ? mine : theirs));
                  g_ptr_array_add (decided, g_strdup (g_str_equal (side, "mine") ? theirs : mine));
                }
            }
          break;

        case GP_CONFLICT_REMOTE_DELETE:
          resolution = how == 0 ? GP_RESOLUTION_RESTORE : GP_RESOLUTION_ACCEPT_DELETE;
          break;

        case GP_CONFLICT_LOCAL_DELETE:
          resolution = how == 0 ? GP_RESOLUTION_USE_THEIRS : GP_RESOLUTION_KEEP_MINE;
          break;

        case GP_CONFLICT_DUPLICATE_NUMBER:
          {
            JsonObject *value = json_object_new ();
            g_autofree char *number = new_text_token (sim);

            resolution = GP_RESOLUTION_PER_FIELD;
            choices = json_object_new ();
            json_object_set_string_member (value, "value", number);
            json_object_set_object_member (choices, "number", value);
          }
          break;

        case GP_CONFLICT_DOUBLE_BILLED:
          resolution = how == 0 ? GP_RESOLUTION_ACCEPT_DELETE : GP_RESOLUTION_KEEP_MINE;
          break;

        case GP_CONFLICT_NONE:
        default:
          fail (sim, "device %u: a conflict of unknown kind on %s/%s", device->index,
                conflict->table, conflict->record_id);
          continue;
        }

      gp_store_sync_resolve_conflict_async (device->store, conflict->table, conflict->record_id,
                                            resolution, choices, NULL, result_cb, &result);
      gp_test_wait (&result);
      if (!gp_store_sync_resolve_conflict_finish (device->store, result, &error))
        {
          /* A sync may have settled it meanwhile (the record came back equal, or went). */
          if (g_error_matches (error, GP_STORE_ERROR, GP_STORE_ERROR_NOT_FOUND))
            continue;
          fail (sim, "step %u: device %u: resolving %s on %s/%s: %s", sim->step, device->index,
                gp_conflict_kind_to_string (conflict->kind), conflict->table, conflict->record_id,
                error->message);
          continue;
        }
      sim->resolved[conflict->kind]++;

      /* What the decision let go: replaced by the chosen value, or (when that is empty or
       * not a followed value) simply dropped. */
      for (guint k = 0; k + 1 < decided->len; k += 2)
        {
          const char *chosen = g_ptr_array_index (decided, k);
          const char *other = g_ptr_array_index (decided, k + 1);

          if (is_followed_value (chosen))
            add_edge (sim, chosen, other);
          else if (is_followed_value (other))
            g_hash_table_add (sim->dropped, g_strdup (other));
        }
      for (guint k = 0; k + 1 < custom->len; k += 2)
        record_write (sim, device, conflict->table, conflict->record_id, g_ptr_array_index (custom, k),
                      g_ptr_array_index (custom, k + 1));
      if ((conflict->kind == GP_CONFLICT_REMOTE_DELETE || conflict->kind == GP_CONFLICT_DOUBLE_BILLED)
          && resolution == GP_RESOLUTION_ACCEPT_DELETE)
        g_hash_table_add (sim->gone, key_of (conflict->table, conflict->record_id));
      if (conflict->kind == GP_CONFLICT_LOCAL_DELETE && resolution == GP_RESOLUTION_KEEP_MINE)
        {
          json_object_iter_init (&iter, conflict->fields);
          while (json_object_iter_next (&iter, &name, &node))
            {
              g_autofree char *theirs = node_text (json_object_get_member (json_node_get_object (node), "theirs"));

              if (is_followed_value (theirs))
                g_hash_table_add (sim->dropped, g_steal_pointer (&theirs));
            }
          g_hash_table_add (sim->gone, key_of (conflict->table, conflict->record_id));
        }
      if (conflict->kind == GP_CONFLICT_DUPLICATE_NUMBER)
        record_write (sim, device, conflict->table, conflict->record_id, "number",
                      json_object_get_string_member (json_object_get_object_member (choices, "number"), "value"));
    }
}

/* Faults and restarts --------------------------------------------------------------------- */

static void
plan_faults (Sim    *sim,
             Device *device)
{
  FaultKind kind = g_rand_int_range (sim->rand, FAULT_DROP_BEFORE, N_FAULTS);
  guint param = kind == FAULT_DELAY ? (guint)g_rand_int_range (sim->rand, 20, 400)
                                    : (guint)g_rand_int_range (sim->rand, 1, 100000);

  proxy_plan (device->proxy, kind, param, g_rand_int_range (sim->rand, 1, 4));
}

static void
kill_server (Sim *sim)
{
  gp_test_server_kill (sim->server);
  sim->restarts++;
  sim->restart_at = sim->step + g_rand_int_range (sim->rand, 1, 30);
}

static void
ensure_server (Sim *sim)
{
  if (sim->server->process == NULL)
    {
      gp_test_server_restart (sim->server);
      sim->restart_at = 0;
    }
}

/* Setup ----------------------------------------------------------------------------------- */

static void
device_init (Sim    *sim,
             Device *device,
             guint   index)
{
  g_autofree char *name = g_strdup_printf ("device-%u.db", index);
  g_autofree char *uri = NULL;

  device->index = index;
  device->path = g_build_filename (sim->dir, name, NULL);
  device->store = gp_test_open_store (device->path);
  device->proxy = proxy_new (sim->server->port);
  uri = g_strdup_printf ("http://127.0.0.1:%u", device->proxy->port);
  device->account = gp_test_account_sign_in (uri, sim->email, index == 0);
  device->sync = gp_sync_client_new (device->store, device->account);
  /* Small pages and batches, so paged pulls and multi-batch pushes happen (and get cut). */
  g_object_set (device->sync,
                "retry-delay", 50,
                "page-size", (guint)g_rand_int_range (sim->rand, 5, 60),
                "push-batch-size", (guint)g_rand_int_range (sim->rand, 3, 40),
                NULL);
}

static void
device_clear (Device *device)
{
  g_clear_object (&device->sync);
  g_clear_object (&device->account);
  if (device->store != NULL)
    {
      gp_store_close (device->store);
      /* Results of the last commands (and their "changed" emissions) wait in this thread's
       * main context, each holding the store: hand them out before the last reference goes. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_finalize_object (device->store);
      device->store = NULL;
    }
  g_clear_pointer (&device->proxy, proxy_free);
  g_clear_pointer (&device->path, g_free);
}

/* The end: checks ------------------------------------------------------------------------- */

static JsonObject *
full_pull (Sim    *sim,
           GBytes **raw)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strdup_printf ("%s/sync/pull?last_pulled_at=null&schema_version=%d&migration=null",
                                          sim->server->uri, GP_SCHEMA_VERSION);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", gp_account_get_token (sim->devices[0].account));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  GBytes *body;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  g_assert_no_error (error);
  *raw = body;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
quote_into (GString  *out,
            JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    g_string_append (out, "NULL");
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
  else if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_string_append_c (out, '\'');
      for (const char *p = json_node_get_string (node); *p; p++)
        {
          if (*p == '\'')
            g_string_append_c (out, '\'');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '\'');
    }
  else
    g_string_append (out, "?");
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  return strcmp (json_object_get_string_member (*(JsonObject **)a, "id"),
                 json_object_get_string_member (*(JsonObject **)b, "id"));
}

/* The server's data in gp_test_dump()'s form; also checks each id comes once and no value
 * is in two records of one column, and fills @values (value -> where) and @live. */
static char *
dump_server (Sim        *sim,
             JsonObject *pull,
             GHashTable *values,
             GHashTable *live)
{
  g_autoptr(GString) dump = g_string_new (NULL);
  g_autoptr(GHashTable) slots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonObject *changes = json_object_get_object_member (pull, "changes");
  const GpTable *tables;
  guint n_tables;

  tables = gp_schema_get_tables (&n_tables);
  for (guint i = 0; i < n_tables; i++)
    {
      JsonObject *t = changes && json_object_has_member (changes, tables[i].name)
                      ? json_object_get_object_member (changes, tables[i].name) : NULL;
      g_autoptr(GPtrArray) rows = g_ptr_array_new ();
      const char *lists[] = { "created", "updated" };

      g_string_append_printf (dump, "[%s]\n", tables[i].name);
      for (guint l = 0; t != NULL && l < G_N_ELEMENTS (lists); l++)
        {
          JsonArray *array = json_object_get_array_member (t, lists[l]);

          for (guint k = 0; array != NULL && k < json_array_get_length (array); k++)
            g_ptr_array_add (rows, json_array_get_object_element (array, k));
        }
      if (t != NULL && json_array_get_length (json_object_get_array_member (t, "deleted")) > 0)
        fail (sim, "the full pull of %s names deleted ids", tables[i].name);
      g_ptr_array_sort (rows, compare_ids);

      for (guint r = 0; r < rows->len; r++)
        {
          JsonObject *row = g_ptr_array_index (rows, r);
          const char *id = json_object_get_string_member (row, "id");

          if (r > 0 && strcmp (id, json_object_get_string_member (g_ptr_array_index (rows, r - 1), "id")) == 0)
            fail (sim, "the full pull has %s/%s twice", tables[i].name, id);
          g_hash_table_add (live, key_of (tables[i].name, id));
          g_string_append (dump, id);
          for (guint c = 0; c < tables[i].n_columns; c++)
            {
              JsonNode *node = json_object_get_member (row, tables[i].columns[c].name);
              g_autofree char *text = node_text (node);

              g_string_append_c (dump, '|');
              quote_into (dump, node);
              if (is_followed_value (text))
                {
                  /* A value in two records of one column is a duplicate (billing copies a
                   * rate or a title into a line: other columns). */
                  g_autofree char *where = g_strdup_printf ("%s/%s/%s", tables[i].name, id,
                                                            tables[i].columns[c].name);
                  g_autofree char *slot = g_strdup_printf ("%s/%s/%s", tables[i].name,
                                                           tables[i].columns[c].name, text);
                  const char *before = g_hash_table_lookup (slots, slot);
                  Write *write = g_hash_table_lookup (sim->writes, text);

                  /* Only where the value was written: billing copies a client's rate into
                   * every line it makes. */
                  if (write != NULL && (strcmp (write->table, tables[i].name) != 0
                                        || strcmp (write->field, tables[i].columns[c].name) != 0))
                    before = NULL;
                  else if (before != NULL)
                    fail (sim, "duplicated: the value %s is in %s and in %s", text, before, where);
                  else
                    g_hash_table_insert (slots, g_steal_pointer (&slot), g_strdup (where));
                  if (!g_hash_table_contains (values, text))
                    g_hash_table_insert (values, g_strdup (text), g_steal_pointer (&where));
                }
            }
          g_string_append_c (dump, '\n');
        }
    }
  return g_string_free (g_steal_pointer (&dump), FALSE);
}

/* Adds each device's own history to the ledger's edges: "new replaced old" for every local
 * write, and the values a local delete removed. */
static void
read_history (Sim        *sim,
              Device     *device,
              GHashTable *reached_roots)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (device->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT field, old, new, table_name, record_id FROM history "
                                           "WHERE origin = 'local' ORDER BY id",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *field = (const char *)sqlite3_column_text (stmt, 0);
      const char *old = (const char *)sqlite3_column_text (stmt, 1);
      const char *new = (const char *)sqlite3_column_text (stmt, 2);
      const GpTable *table = gp_schema_lookup_table ((const char *)sqlite3_column_text (stmt, 3));

      /* Parents of the records a restore made, for under_gone(). */
      if (table != NULL && new != NULL && g_strcmp0 (field, table->parent_column) == 0)
        {
          const GpColumn *ref = gp_schema_lookup_column (table, field);

          add_parent (sim, key_of (table->name, (const char *)sqlite3_column_text (stmt, 4)),
                      key_of (ref->references, new));
        }

      if (strcmp (field, "*") == 0)
        {
          g_autoptr(JsonNode) node = old ? json_from_string (old, NULL) : NULL;
          JsonObjectIter iter;
          const char *name;
          JsonNode *value;

          if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
            continue;
          json_object_iter_init (&iter, json_node_get_object (node));
          while (json_object_iter_next (&iter, &name, &value))
            {
              g_autofree char *text = node_text (value);

              if (is_followed_value (text))
                g_hash_table_add (reached_roots, g_steal_pointer (&text));
            }
        }
      else
        add_edge (sim, new, old);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* Whether a decision let go of @key or of a record above it. A record may have had
 * different parents on different devices (a restore moves it), so every one counts. */
static gboolean
under_gone (Sim        *sim,
            const char *key)
{
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_ptr_array_add (todo, (gpointer)key);
  while (todo->len > 0)
    {
      const char *current = g_ptr_array_steal_index_fast (todo, todo->len - 1);
      GPtrArray *parents;

      if (!g_hash_table_add (seen, (gpointer)current))
        continue;
      if (g_hash_table_contains (sim->gone, current))
        return TRUE;
      parents = g_hash_table_lookup (sim->parents, current);
      for (guint i = 0; parents != NULL && i < parents->len; i++)
        g_ptr_array_add (todo, g_ptr_array_index (parents, i));
    }
  return FALSE;
}

static void
check_ledger (Sim        *sim,
              GHashTable *values,
              GHashTable *roots)
{
  g_autoptr(GHashTable) reached = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GQueue) queue = g_queue_new ();
  GHashTableIter iter;
  gpointer key, value;
  guint lost = 0;

  g_hash_table_iter_init (&iter, values);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_queue_push_tail (queue, key);
  g_hash_table_iter_init (&iter, roots);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_queue_push_tail (queue, key);
  g_hash_table_iter_init (&iter, sim->dropped);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_queue_push_tail (queue, key);

  while (!g_queue_is_empty (queue))
    {
      const char *v = g_queue_pop_head (queue);
      GPtrArray *older;

      if (!g_hash_table_add (reached, (gpointer)v))
        continue;
      older = g_hash_table_lookup (sim->edges, v);
      for (guint i = 0; older != NULL && i < older->len; i++)
        if (!g_hash_table_contains (reached, g_ptr_array_index (older, i)))
          g_queue_push_tail (queue, g_ptr_array_index (older, i));
    }

  g_hash_table_iter_init (&iter, sim->writes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Write *write = value;
      g_autofree char *record = key_of (write->table, write->id);

      if (g_hash_table_contains (reached, key) || under_gone (sim, record))
        continue;
      if (lost++ < 20)
        fail (sim, "lost write: %s = %s on %s (device %u, step %u) is neither on the server nor replaced "
              "by a write or delete that saw it, nor dropped in a conflict decision",
              write->field, (const char *)key, record, write->device, write->step);
    }
  if (lost > 20)
    fail (sim, "… %u lost writes in all", lost);
}

static gboolean
quiescent (Sim *sim)
{
  for (guint i = 0; i < sim->n_devices; i++)
    if (gp_store_get_pending_count (sim->devices[i].store) > 0
        || gp_store_get_conflict_count (sim->devices[i].store) > 0)
      return FALSE;
  return TRUE;
}

static void
converge (Sim *sim)
{
  gboolean settled = FALSE;

  ensure_server (sim);
  for (guint i = 0; i < sim->n_devices; i++)
    {
      await_sync (sim, &sim->devices[i]);
      proxy_clear (sim->devices[i].proxy);
      sim->devices[i].offline = FALSE;
    }

  /* Round after round: resolve, sync. Once nobody has anything pending or in dispute, one
   * more round brings everyone the last pushes. */
  for (guint round = 0; round < 30 && !settled; round++)
    {
      gboolean all_ok = TRUE;

      sim->end_rounds++;
      for (guint i = 0; i < sim->n_devices; i++)
        {
          Device *device = &sim->devices[i];

          resolve_conflicts (sim, device);
          all_ok &= sync_once (sim, device);
        }
      if (all_ok && quiescent (sim))
        {
          for (guint i = 0; i < sim->n_devices; i++)
            all_ok &= sync_once (sim, &sim->devices[i]);
          settled = all_ok && quiescent (sim);
        }
    }
  if (!settled)
    fail (sim, "the devices did not settle in 30 rounds of syncing");
}

static void
check_end (Sim *sim)
{
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(JsonObject) pull = full_pull (sim, &raw);
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) roots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *server_dump = dump_server (sim, pull, values, live);

  for (guint i = 0; i < sim->n_devices; i++)
    {
      g_autofree char *dump = gp_test_dump (sim->devices[i].path);

      if (strcmp (dump, server_dump) != 0)
        {
          g_auto(GStrv) a = g_strsplit (dump, "\n", -1);
          g_auto(GStrv) b = g_strsplit (server_dump, "\n", -1);
          guint k = 0;

          while (a[k] != NULL && b[k] != NULL && strcmp (a[k], b[k]) == 0)
            k++;
          fail (sim, "device %u differs from the server (line %u):\n  device: %s\n  server: %s",
                i, k + 1, a[k] ? a[k] : "(end)", b[k] ? b[k] : "(end)");
        }
      read_history (sim, &sim->devices[i], roots);
    }

  check_ledger (sim, values, roots);
  g_test_message ("seed %u (%s): %u rows on the server, %u followed values, %u acknowledged writes",
                  sim->seed, sim->backend, g_hash_table_size (live), g_hash_table_size (values),
                  g_hash_table_size (sim->writes));
}

/* One run --------------------------------------------------------------------------------- */

typedef struct
{
  guint runs;
  guint steps;
  guint writes;
  guint faults[N_FAULTS];
  guint refused_offline, refused_down;
  guint restarts;
  guint syncs, syncs_failed;
  guint resolved[8];
} Totals;

static Totals totals;

static void
run_seed (guint32 seed,
          guint   steps,
          guint   n_devices)
{
  Sim sim_storage = { 0 };
  Sim *sim = &sim_storage;
  g_autoptr(GError) error = NULL;
  g_autofree char *replay = NULL;
  const char *database = g_getenv ("GP_TEST_DATABASE");
  const char *extra[] = { "--database", database, NULL };

  sim->seed = seed;
  sim->steps = steps;
  sim->n_devices = n_devices;
  sim->backend = database != NULL ? "postgresql" : "sqlite";
  sim->rand = g_rand_new_with_seed (seed);
  sim->problems = g_string_new (NULL);
  sim->writes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)write_free);
  sim->edges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  sim->dropped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sim->gone = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sim->parents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  replay = replay_line (sim);
  g_test_message ("%s", replay);

  sim->dir = g_dir_make_tmp ("gigpilot-converge-XXXXXX", &error);
  g_assert_no_error (error);
  sim->server = gp_test_server_start (sim->dir, 0, database != NULL ? extra : NULL);
  sim->email = g_strdup_printf ("sim-%u-%d@example.org", seed, (int)getpid ());
  for (guint i = 0; i < n_devices; i++)
    device_init (sim, &sim->devices[i], i);

  for (sim->step = 1; sim->step <= steps && sim->problems->len == 0; sim->step++)
    {
      Device *device = &sim->devices[g_rand_int_range (sim->rand, 0, n_devices)];
      guint r = g_rand_int_range (sim->rand, 0, 1000);

      if (sim->restart_at != 0 && sim->step >= sim->restart_at)
        ensure_server (sim);

      if (r < 505)
        do_write (sim, device);
      else if (r < 520)
        bill_time (sim, device);
      else if (r < 650)
        request_sync (sim, device);
      else if (r < 700)
        await_sync (sim, device);
      else if (r < 760)
        {
          await_sync (sim, device);
          resolve_conflicts (sim, device);
        }
      else if (r < 840)
        plan_faults (sim, device);
      else if (r < 870)
        {
          device->offline = !device->offline;
          sim->offline_toggles++;
          proxy_set_offline (device->proxy, device->offline);
        }
      else if (r < 874)
        {
          if (sim->server->process != NULL)
            kill_server (sim);
        }
      else
        gp_test_iterate (g_rand_int_range (sim->rand, 1, 15));
    }

  if (sim->problems->len == 0)
    converge (sim);
  if (sim->problems->len == 0)
    check_end (sim);

  {
    guint faults[N_FAULTS] = { 0 };
    guint refused_offline = 0, refused_down = 0;

    for (guint i = 0; i < n_devices; i++)
      {
        Proxy *proxy = sim->devices[i].proxy;

        g_mutex_lock (&proxy->lock);
        for (guint k = 0; k < N_FAULTS; k++)
          faults[k] += proxy->applied[k];
        refused_offline += proxy->refused_offline;
        refused_down += proxy->refused_down;
        g_mutex_unlock (&proxy->lock);
      }
    g_test_message ("seed %u (%s): %u steps, %u devices: %u creates, %u edits, %u deletes, %u billings, %u refused by "
                    "the store, %u on records a sync removed; %u syncs (%u failed); faults: %u drop-before, "
                    "%u drop-after, %u delay, %u truncate, %u while offline, %u while the server was down; "
                    "%u server restarts; conflicts resolved: %u edit, %u remote-delete, %u local-delete, "
                    "%u duplicate-number, %u double-billed; %u closing rounds",
                    seed, sim->backend, steps, n_devices, sim->creates, sim->edits, sim->deletes, sim->billings,
                    sim->rejected, sim->not_found, sim->sync_requests, sim->sync_failed,
                    faults[FAULT_DROP_BEFORE], faults[FAULT_DROP_AFTER], faults[FAULT_DELAY],
                    faults[FAULT_TRUNCATE], refused_offline, refused_down, sim->restarts,
                    sim->resolved[GP_CONFLICT_EDIT], sim->resolved[GP_CONFLICT_REMOTE_DELETE],
                    sim->resolved[GP_CONFLICT_LOCAL_DELETE], sim->resolved[GP_CONFLICT_DUPLICATE_NUMBER],
                    sim->resolved[GP_CONFLICT_DOUBLE_BILLED], sim->end_rounds);
    totals.runs++;
    totals.steps += steps;
    totals.writes += sim->creates + sim->edits + sim->deletes;
    for (guint k = 0; k < N_FAULTS; k++)
      totals.faults[k] += faults[k];
    totals.refused_offline += refused_offline;
    totals.refused_down += refused_down;
    totals.restarts += sim->restarts;
    totals.syncs += sim->sync_requests;
    totals.syncs_failed += sim->sync_failed;
    for (guint k = 0; k < G_N_ELEMENTS (totals.resolved); k++)
      totals.resolved[k] += sim->resolved[k];
  }

  if (sim->problems->len > 0)
    {
      g_printerr ("seed %u failed:\n%s%s\n", seed, sim->problems->str, replay);
      g_test_message ("%s", sim->problems->str);
      g_test_fail_printf ("seed %u failed; %s", seed, replay);
    }

  for (guint i = 0; i < n_devices; i++)
    {
      await_sync (sim, &sim->devices[i]);
      device_clear (&sim->devices[i]);
    }
  gp_test_forget_account (sim->email);
  gp_test_server_free (sim->server);
  if (!g_test_failed ())
    {
      g_autoptr(GFile) dir = g_file_new_for_path (sim->dir);
      g_autoptr(GFileEnumerator) children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                                       G_FILE_QUERY_INFO_NONE, NULL, NULL);
      GFileInfo *info;

      while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
        {
          g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));

          g_file_delete (child, NULL, NULL);
          g_object_unref (info);
        }
      g_rmdir (sim->dir);
    }
  else
    g_printerr ("the databases stay in %s\n", sim->dir);

  g_free (sim->dir);
  g_free (sim->email);
  g_rand_free (sim->rand);
  g_hash_table_unref (sim->writes);
  g_hash_table_unref (sim->edges);
  g_hash_table_unref (sim->dropped);
  g_hash_table_unref (sim->gone);
  g_hash_table_unref (sim->parents);
  g_string_free (sim->problems, TRUE);
}

typedef struct
{
  guint32 seed;
  guint steps;
  guint clients;
} SeedCase;

static void
test_seed (gconstpointer data)
{
  const SeedCase *c = data;

  run_seed (c->seed, c->steps, c->clients);
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *value = g_getenv (name);

  return value != NULL && *value != '\0' ? (guint)g_ascii_strtoull (value, NULL, 10) : fallback;
}

int
main (int   argc,
      char *argv[])
{
  gint seeds = 3;
  gint steps = 1500;
  gint clients = 8;
  gint first = 1;
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "seeds", 0, 0, G_OPTION_ARG_INT, &seeds, "How many seeds", "N" },
    { "first-seed", 0, 0, G_OPTION_ARG_INT, &first, "The first seed", "N" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Steps per seed", "N" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &clients, "Devices", "N" },
    { NULL },
  };
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  int rc;

  g_test_init (&argc, &argv, NULL);
  /* Thousands of HTTP exchanges: GIO's debug chatter would drown the figures. */
  g_log_set_debug_enabled (FALSE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);

  steps = env_uint ("GP_SIM_STEPS", steps);
  clients = CLAMP (env_uint ("GP_SIM_CLIENTS", clients), 2, MAX_CLIENTS);
  if (g_getenv ("GP_SIM_SEED") != NULL)
    {
      first = env_uint ("GP_SIM_SEED", 1);
      seeds = 1;
    }

  for (gint i = 0; i < seeds; i++)
    {
      SeedCase *c = g_new0 (SeedCase, 1);
      g_autofree char *path = NULL;

      c->seed = first + i;
      c->steps = steps;
      c->clients = clients;
      path = g_strdup_printf ("/converge/seed-%u", c->seed);
      g_test_add_data_func (path, c, test_seed);
      g_ptr_array_add (cases, c);
    }

  rc = g_test_run ();
  g_test_message ("in all: %u seeds, %u steps, %u writes, %u syncs (%u failed), faults: %u drop-before, "
                  "%u drop-after, %u delay, %u truncate, %u refused offline, %u refused while the server was "
                  "down; %u server restarts; conflicts resolved: %u edit, %u remote-delete, %u local-delete, "
                  "%u duplicate-number, %u double-billed",
                  totals.runs, totals.steps, totals.writes, totals.syncs, totals.syncs_failed,
                  totals.faults[FAULT_DROP_BEFORE], totals.faults[FAULT_DROP_AFTER], totals.faults[FAULT_DELAY],
                  totals.faults[FAULT_TRUNCATE], totals.refused_offline, totals.refused_down, totals.restarts,
                  totals.resolved[GP_CONFLICT_EDIT], totals.resolved[GP_CONFLICT_REMOTE_DELETE],
                  totals.resolved[GP_CONFLICT_LOCAL_DELETE], totals.resolved[GP_CONFLICT_DUPLICATE_NUMBER],
                  totals.resolved[GP_CONFLICT_DOUBLE_BILLED]);
  return rc;
}
