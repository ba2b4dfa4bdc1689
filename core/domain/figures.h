/*
 * figures.h - every figure of a trainee as a pure function of their signed
 * statements (issue 13 item 1).
 *
 * The server's progress report, accreditation list, eligibility check,
 * credentials and PDF, `raslogd rebuild`, the start-up check of the caches
 * and `raslog audit` (online and offline) all call rl_figures() on the same
 * inputs, so what they show cannot differ:
 *
 *   - the trainee's ledger entries, [{"index":N,"statement":{...}}, ...] in
 *     index order.  Entries about anyone else, and kinds that count towards
 *     no figure, are ignored, so the caller may pass a whole export.  What
 *     counts: a confirmed session_signoff (the trainer's signed view: the
 *     embedded session's activity, platform and minutes, the trainer's role
 *     and steps), an assessment, a module_completion of the trainee's
 *     curriculum, an accreditation not covered by a revocation.  A rejected
 *     session_signoff counts nowhere and takes the session out of pending;
 *     a second decision on one session is ignored (the server refuses it).
 *     A statement that a later one supersedes (an assessment or
 *     module_completion naming it in "supersedes") or withdraws (a
 *     signoff_withdrawal naming it in "signoff_index") counts nowhere; a
 *     session whose sign-off was withdrawn is undecided again.
 *   - the trainee's pending (unsigned) claims: session records whose status
 *     is "pending", in the API's JSON.  They are shown beside the signed
 *     figures ("pending" amounts and the "pending" list) and never count
 *     towards "signed", a module or the status.  A claim whose session has
 *     a decision in the ledger is not pending, whatever its record says.
 *   - the curriculum the trainee is enrolled on, and today's date
 *     (YYYY-MM-DD, for a lapsed accreditation).
 *
 * Nothing here reads a database, a file or a clock.
 */
#ifndef RASLOG_FIGURES_H
#define RASLOG_FIGURES_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "domain/curriculum.h"
#include "domain/evidence_report.h"

/*
 * The progress document of rl_curriculum_evaluate, with, as the faculty
 * view shows it: "status" (in_training, eligible, accredited or lapsed),
 * "evaluated_status" (the curriculum's verdict alone), "accreditation"
 * ({"ledger_index","valid_until"?}, when live), each requirement's
 * "evidence" (items with "ledger_index" and "amount"), "assessments",
 * "pending", "corrections" ([{"ledger_index" of a superseding statement or
 * signoff_withdrawal, "retires": the index it retires}]),
 * "accreditation_evidence" (the ledger indexes of every
 * statement counting towards a requirement, ascending: what an
 * accreditation signed now names) and, when the trainee's latest
 * enrolment statement is among the entries, "curriculum"."sha256".  A new
 * reference, or NULL with err.  It is rl_evidence_report_to_json of the
 * record rl_figures_record fills.
 */
json_t *rl_figures(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
		   const json_t *entries, const json_t *pending, const char *today, struct rl_error *err);

/*
 * rl_figures as a typed record: fills out (rl_evidence_report_release it),
 * whose JSON (rl_evidence_report_to_json) is rl_figures'.  Its strings are
 * borrowed from entries and pending, which must outlive it.  0, or -1 with
 * err (out is then released).
 */
int rl_figures_record(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
		      const json_t *entries, const json_t *pending, const char *today, struct rl_evidence_report *out,
		      struct rl_error *err);

/*
 * What the caches keep of rl_figures() (domain/progress.c, `raslogd
 * rebuild` and the start-up check), computed by the same walk without
 * building the report and its evidence lists: the signed and pending
 * amount per requirement key (only keys with an amount; exactly what
 * rl_curriculum_evaluate reads for the report) and the live
 * accreditation.  Free sig and pen with json_decref.
 */
struct rl_figures_tallies {
	json_t *sig;            /* key -> signed amount */
	json_t *pen;            /* key -> pending amount */
	int64_t acc_index;      /* the live accreditation's ledger index, or -1 */
	int has_until;          /* it has a valid_until: */
	char acc_until[32];
	const char *until;      /* the same valid_until whole, or NULL (borrowed from entries) */
};
int rl_figures_tallies(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
		       const json_t *entries, const json_t *pending, struct rl_figures_tallies *out,
		       struct rl_error *err);

/*
 * The progress record alone, what GET /trainees/{id}/progress shows of
 * rl_figures(): rl_figures_tallies' walk, then rl_curriculum_assess over
 * those tallies and the live accreditation against today, exactly as
 * rl_figures_record fills its "progress" (so rl_progress_to_json of it is
 * rl_figures' document less the evidence, assessments, pending list,
 * corrections and hashes), without building the evidence items.  Strings
 * are borrowed from c and entries, which must outlive out
 * (rl_progress_release it).  0, or -1 with err (out is then released).
 */
int rl_figures_progress(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
			const json_t *entries, const json_t *pending, const char *today, struct rl_progress *out,
			struct rl_error *err);

/* rl_curriculum_evaluate's tally function over a struct rl_figures_tallies (ctx). */
int rl_figures_lookup(void *ctx, const char *key, long long *signed_amount, long long *pending_amount);

/*
 * The figures two views must agree on, from a progress document (the
 * server's or rl_figures'): {"status":S, "figures":{NAME:VALUE}} where NAME
 * is a requirement key ("module/requirement", VALUE its signed figure, an
 * integer) or "module:ID" (VALUE "met", "blocked" or "unmet").  Pending
 * claims are left out: they are not in the ledger.  A new reference.
 */
json_t *rl_figures_view(const json_t *report);

/*
 * Compares two views of trainee (server, ledger) and appends one
 * {"trainee","requirement","server","ledger"} per difference to diffs
 * ("requirement" is "status" for the overall status).  Returns the number
 * of differences appended.
 */
size_t rl_figures_compare(int64_t trainee, const json_t *server_view, const json_t *ledger_view, json_t *diffs);

#endif
