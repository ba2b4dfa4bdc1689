/*
 * sitereport.h - the per-site report (GET /api/v1/sites): signed minutes,
 * sessions, trainees and trainers per site, month, activity and platform,
 * read from the signed ledger rather than the session rows (issue 13):
 * each session's first decision, when it confirmed the session, as the
 * trainer signed it, for the trainees the caller's programmes hold.
 */
#ifndef RASLOG_SITEREPORT_H
#define RASLOG_SITEREPORT_H

#include <jansson.h>

#include "base/error.h"
#include "domain/users.h"
#include "store/db.h"

/*
 * [{"site", "rows":[{"month","activity","platform","signed_minutes",
 * "sessions","trainees","trainers"}]}], sites in name order, rows by month
 * (latest first), activity and platform; a new reference, or NULL with err set.
 */
json_t *rl_site_report(struct rl_db *db, const struct rl_user *me, struct rl_error *err);

#endif
