/* gp-csv.h
 *
 * Copyright 2026 The GigPilot authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 4180 CSV: fields separated by commas, records by CRLF, a field quoted with '"' when
 * it holds a comma, a quote, CR or LF (or starts or ends with a space), quotes inside
 * doubled. Numbers are written locale-independently ("1234.50"). */

void       gp_csv_append_field    (GString      *out,
                                   const char   *field,
                                   gboolean      first);
void       gp_csv_append_text     (GString      *out,
                                   const char   *text,
                                   gboolean      first);
void       gp_csv_end_row         (GString      *out);
GPtrArray *gp_csv_parse           (const char   *text,
                                   gssize        length,
                                   GError      **error) G_GNUC_WARN_UNUSED_RESULT;
char      *gp_csv_format_decimal  (gint64        value,
                                   guint         digits) G_GNUC_WARN_UNUSED_RESULT;
gboolean   gp_csv_parse_decimal   (const char   *text,
                                   guint         digits,
                                   gint64       *value);
char      *gp_csv_unguard_text    (const char   *text) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
