/*
 * recompute.h - every trainee's figures from a ledger export alone, for
 * `raslog audit` (issue 13 item 2).  The export is read as GET
 * /api/v1/ledger gives it (JSON Lines; redacted lines are skipped); verify
 * it first (ledger/verify.h), this only reads it.  What a trainee is
 * measured against comes from the export too: their latest "enrolment"
 * statement names a curriculum version by content hash, and the
 * "curriculum" statement with that hash carries the whole definition.
 * The figures are rl_figures_progress() (domain/figures.h): the walk of
 * rl_figures(), the function the server serves, over the trainee's
 * statements, with no pending claims (those are not in the ledger), and
 * the progress report of it alone, as GET /trainees/{id}/progress shows
 * it; not the evidence report (each requirement's evidence, the
 * assessments), which GET /trainees/{id}/evidence serves.
 */
#ifndef RASLOG_RECOMPUTE_H
#define RASLOG_RECOMPUTE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "ledger/stmt.h"

/*
 * Returns {"trainees":[{"trainee":ID,"curriculum":{"code","version","sha256"},
 * "report":<progress document>}, ...]} in trainee order (the progress
 * document is rl_progress_to_json's: "curriculum", "status",
 * "modules_met", "modules_total", "modules", "unmet", "evaluated_status"
 * and, when live, "accreditation"), and
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

/*
 * The same in two passes for an export of any size (issue 18): memory
 * grows with the trainees (and 16 bytes per entry), not with the entries.
 *
 * Pass 1 hands every entry's parsed statement, in index order, to
 * rl_recompute_add with where its line is in the export (offset and
 * length in bytes, newline included); `raslog audit` does it from the
 * verifier as it checks each entry (rl_verify_opts.entry), so the
 * grouping costs no parse of its own.  It keeps the curriculum
 * definitions, the enrolments, the import statements and, per trainee,
 * where their lines are.  Pass 2, rl_recompute_run, reads each enrolled
 * trainee's lines again (fseeko and fread on in: a file or a memory
 * stream, not a pipe), computes their rows as rl_recompute_export lists
 * them, a batch of trainees at a time on worker threads (base/pool.h),
 * and hands each row to each(ctx, row, report_json) on the calling thread in trainee
 * order, then drops it; each returns non-zero to stop.  0, or -1 with err.
 */
struct rl_recompute;
struct rl_recompute *rl_recompute_new(void);
/* read: the statement's members as rl_statement_read gave them (the verifier's), or NULL to read them here. */
void rl_recompute_add(struct rl_recompute *r, int64_t index, const json_t *statement, const struct rl_statement *read,
		      uint64_t offset, size_t len);
typedef int (*rl_recompute_row_fn)(void *ctx, json_t *row, const char *report_json);
/*
 * With text on (call before rl_recompute_run; `raslog audit --file --json`),
 * a row's report is written by the worker straight into text
 * (rl_progress_write_json: the bytes json_dumps(report, JSON_COMPACT)
 * gives) and handed to each as report_json, the row then having no
 * "report" member; off (the default), report_json is NULL and the row has
 * "report" as a tree.
 */
void rl_recompute_text(struct rl_recompute *r, int on);
int rl_recompute_run(struct rl_recompute *r, FILE *in, const char *today, rl_recompute_row_fn each, void *ctx,
		     struct rl_error *err);
/* After pass 1: the statements read, and the simulator_import list ("imports" above). */
json_int_t rl_recompute_statements(const struct rl_recompute *r);
const json_t *rl_recompute_imports(const struct rl_recompute *r);
void rl_recompute_free(struct rl_recompute *r);

#endif
