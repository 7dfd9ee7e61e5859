/* gp-server.c
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gigpilot-server"

#include "config.h"

#include "gp-server.h"

const char *
gp_server_version (void)
{
  return PACKAGE_VERSION;
}
