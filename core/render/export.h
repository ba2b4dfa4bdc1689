/*
 * export.h - a trainee's data out of raslog: RFC 4180 CSV of sessions
 * (cells that a spreadsheet would run as formulas are neutralised,
 * CWE-1236) and the JSON subject access export.
 */
#ifndef RASLOG_EXPORT_H
#define RASLOG_EXPORT_H

#include <jansson.h>
#include <stdint.h>

#include "base/buf.h"
#include "store/db.h"
#include "base/error.h"

int rl_export_csv(struct rl_db *db, int64_t trainee, struct rl_buf *out, struct rl_error *err);
json_t *rl_export_json(struct rl_db *db, int64_t trainee, struct rl_error *err);
/* Appends one CSV cell (quoted when needed, formula-neutralised). */
void rl_csv_cell(struct rl_buf *out, const char *text);

#endif
