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

/*
 * The CSV export of a trainee's sessions: one row a session, the columns
 * named by one table in export.c (session_id, date, activity, platform,
 * site, procedure, minutes, claimed_role, claimed_steps, status,
 * trainer_id, trainer_name, signed_role, signed_steps, signed_at,
 * ledger_index, reject_reason, notes).  -1 with err (nothing usable in
 * out) if it does not fit.
 */
int rl_export_csv(struct rl_db *db, int64_t trainee, struct rl_buf *out, struct rl_error *err);
/* Appends the CSV's header line, from the same table. */
void rl_export_csv_header(struct rl_buf *out);
json_t *rl_export_json(struct rl_db *db, int64_t trainee, struct rl_error *err);
/* Appends one CSV cell (quoted when needed, formula-neutralised). */
void rl_csv_cell(struct rl_buf *out, const char *text);

#endif
