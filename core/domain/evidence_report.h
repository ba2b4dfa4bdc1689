/*
 * evidence_report.h - the full evidence report as a typed record, and its
 * one renderer.
 *
 * rl_figures (domain/figures.h) walks a trainee's signed statements and
 * fills a struct rl_evidence_report: the progress record the rules fill
 * (domain/progress_record.h) with, on each requirement, the evidence that
 * counts towards it (struct rl_progress_evidence, whose item points into
 * the report's items), and beside it the trainee's assessments, pending
 * claims, corrections and the curriculum content hash of their enrolment.
 * rl_evidence_report_to_json writes the report's JSON, the bytes the
 * server has always sent (figures.h describes the members).
 *
 * Ownership: strings are borrowed from the statements and claims the
 * report was built from (they must outlive it); the arrays are the
 * report's.  rl_evidence_report_release frees them and accepts a zeroed
 * report.
 */
#ifndef RASLOG_EVIDENCE_REPORT_H
#define RASLOG_EVIDENCE_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "domain/progress_record.h"

enum rl_item_kind {
	RL_ITEM_SESSION,        /* a confirmed session_signoff */
	RL_ITEM_ASSESSMENT,     /* an assessment */
	RL_ITEM_MODULE,         /* a module_completion */
	RL_ITEM_SIMULATOR,      /* every confirmed attempt at one simulator exercise */
	RL_ITEM_ELEARNING,      /* a confirmed e-learning certificate */
};

/*
 * One statement (for the simulator: one exercise's attempts) as the report
 * lists it.  The members each kind shows are those rl_evidence_item_json
 * writes; a NULL string of a member the kind always shows is JSON null.
 */
struct rl_progress_item {
	enum rl_item_kind kind;
	int64_t ledger_index;
	int64_t signed_by;            /* 0 when the statement names no signer */
	const char *date;             /* YYYY-MM-DD (assessment: "" when nothing dates it) */
	int64_t session;              /* session, assessment: the session's id */
	const char *signed_at;        /* session */
	const char *claimed_role;     /* session: the trainee's claimed role, or NULL: not shown */
	const char *signed_role;      /* session: the role the trainer signed, or NULL: not shown */
	const char *tool;             /* assessment */
	int has_scores;               /* assessment: the statement has scores (else JSON null) */
	size_t nscores;
	long long *scores;            /* owned */
	long long total;              /* assessment: the scores' sum */
	const char *module;           /* module_completion */
	const char *exercise;         /* simulator */
	long long attempts;
	long long best_score_bp;
	int64_t import;               /* e-learning: the import's id */
	const char *issuer;
	const char *achievement;
	int verified;
	int64_t assessment;           /* assessment: its record's id (GET /assessments), shown last; 0: not shown */
};

/* A session claim not yet decided: shown beside the figures, never counted. */
struct rl_progress_claim {
	int64_t session;
	const char *date;             /* NULL: JSON null */
	const char *activity;         /* NULL: JSON null */
	long long minutes;
	int64_t trainer;
};

/* A statement that no longer counts: retires, and the later one that superseded or withdrew it. */
struct rl_progress_correction {
	int64_t ledger_index;
	int64_t retires;
};

struct rl_evidence_report {
	/* The figures, statuses and accreditation (rl_curriculum_assess,
	 * rl_progress_set_accreditation); each requirement's evidence points
	 * into items. */
	struct rl_progress progress;
	size_t nitems;
	struct rl_progress_item *items;
	size_t nassessments;          /* the assessments, by the assessed session's date, then ledger order */
	const struct rl_progress_item **assessments;
	size_t npending;
	struct rl_progress_claim *pending;
	size_t ncorrections;
	struct rl_progress_correction *corrections;
	const char *sha256;           /* the latest enrolment's curriculum hash, or NULL */
};

/* The item's JSON as the assessments list shows it (no "amount"): a new reference, or NULL when out of memory. */
json_t *rl_evidence_item_json(const struct rl_progress_item *it);

/*
 * The ledger indexes of every statement counting towards a requirement,
 * ascending and once each (what an accreditation signed now names): a new
 * array in *out (free it), its length in *n.  0, or -1 when out of memory.
 */
int rl_evidence_report_indexes(const struct rl_evidence_report *r, int64_t **out, size_t *n);

/* What rl_evidence_report_to_json leaves out. */
enum {
	RL_REPORT_FULL = 0,
	RL_REPORT_NO_EVIDENCE = 1,    /* the report less the evidence: no requirement's "evidence", no
				       * "pending", no "assessments" */
};

/*
 * The evidence report's JSON (rl_figures'): rl_progress_to_json of the
 * record, without its trainee, with each requirement's "evidence" (its
 * items, each with its "amount"), then "pending", "assessments",
 * "corrections", "accreditation_evidence", when known
 * "curriculum"."sha256", and last, once rl_progress_set_trainee ran,
 * "trainee".  what: RL_REPORT_FULL or RL_REPORT_NO_EVIDENCE.  A new
 * reference, or NULL with err.
 */
json_t *rl_evidence_report_to_json(const struct rl_evidence_report *r, int what, struct rl_error *err);

/* Frees the report's arrays and its progress record; zeroes it. */
void rl_evidence_report_release(struct rl_evidence_report *r);

#endif
