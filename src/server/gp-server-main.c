/* gp-server-main.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>

#include "gp-server.h"

int
main (int   argc,
      char *argv[])
{
  printf ("gigpilot-server %s\n", gp_server_version ());
  return 0;
}
