/*
 * recompute.h - every trainee's figures from a ledger export alone, for
 * `raslog audit` (issue 13 item 2).  The export is read as GET
 * /api/v1/ledger gives it (JSON Lines; redacted lines are skipped); verify
 * it first (ledger/verify.h), this only reads it.  What a trainee is
 * measured against comes from the export too: their latest "enrolment"
 * statement names a curriculum version by content hash, and the
 * "curriculum" statement with that hash carries the whole definition.
 * The figures are rl_figures() (domain/figures.h), the function the
 * server serves, over the trainee's statements, with no pending claims
 * (those are not in the ledger).
 */
#ifndef RASLOG_RECOMPUTE_H
#define RASLOG_RECOMPUTE_H

#include <jansson.h>
#include <stdio.h>

#include "base/error.h"

/*
 * Returns {"trainees":[{"trainee":ID,"curriculum":{"code","version","sha256"},
 * "report":<rl_figures document>}, ...]} in trainee order, and
 * "statements": the entries read (not redacted), and "imports": every
 * simulator_import and elearning_confirmation statement as {"index","trainee","decision","import"}
 * (the statement's import object), for comparing with the files held.  A trainee whose
 * enrolment names content no curriculum statement carries is listed with
 * "error" instead of "report".  A trainee whose live accreditation names
 * its evidence ("v":2) also has "accreditation_evidence":
 * {"ledger_index","sufficient":bool,"unmet":[...]}: whether the figures of
 * the statements it names alone, against the curriculum content it names,
 * meet every requirement.  today is YYYY-MM-DD.  NULL with err when
 * the input cannot be read.
 */
json_t *rl_recompute_export(FILE *in, const char *today, struct rl_error *err);

#endif
