/*
 * curriculum.h - curricula and assessment tools as data, and the pure
 * rules that turn signed evidence into accreditation progress.
 *
 * Nothing here touches SQL, files or the network.  The caller loads the
 * JSON text (schema/tools.json and the files in schema/curricula/; the
 * format is in docs/curricula.md), keeps per-requirement running totals
 * in its own storage, and asks this module two questions:
 *
 *   1. rl_curriculum_contributions: which requirements does this piece of
 *      evidence count towards, and by how much?  Called when a session is
 *      logged (with the trainee's claim, for pending totals) and when it is
 *      signed (with the trainer's view, for signed totals).
 *   2. rl_curriculum_evaluate: given the totals, where does the trainee
 *      stand?  Returns the progress document served by the API.
 *
 * Requirements are named by key "module_id/requirement_id", unique within
 * a curriculum version.  A trainee is evaluated against the version they
 * are enrolled on: two parsed versions of one code are independent values.
 *
 * Ownership: the parse functions hand out objects the caller frees with
 * the matching _free (which accepts NULL).  Strings returned by accessors
 * are borrowed and live as long as the object.  A curriculum does not keep
 * a pointer to the tools it was checked against.
 */
#ifndef RASLOG_CURRICULUM_H
#define RASLOG_CURRICULUM_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

struct rl_tools;      /* a parsed tool table (schema/tools.json) */
struct rl_tool;       /* one tool in it, e.g. GEARS */
struct rl_curriculum; /* one parsed, validated curriculum version */

/* ------------------------------------------------------------ tools */

/*
 * Parses and validates a tool table: a JSON array of
 * {"id","title","source"?,"min","max","domains":[{"id","title"}]}.
 * Returns 0 and *out, or -1 with err (RL_E_MALFORMED for bad JSON,
 * RL_E_INVALID with field errors such as "[1].domains[2].id").
 */
int rl_tools_parse(const char *json, size_t len, struct rl_tools **out,
		   struct rl_error *err);
void rl_tools_free(struct rl_tools *tools);

size_t rl_tools_count(const struct rl_tools *tools);
/* The i-th tool in file order; NULL if i is out of range. */
const struct rl_tool *rl_tools_at(const struct rl_tools *tools, size_t i);
/* The tool with this id; NULL if none (or tools or id is NULL). */
const struct rl_tool *rl_tool_find(const struct rl_tools *tools, const char *id);

const char *rl_tool_id(const struct rl_tool *tool);
const char *rl_tool_title(const struct rl_tool *tool);
/* Number of scored domains; a score vector has exactly this many entries. */
size_t rl_tool_domain_count(const struct rl_tool *tool);
/* Every domain score lies in [rl_tool_min, rl_tool_max]. */
int rl_tool_min(const struct rl_tool *tool);
int rl_tool_max(const struct rl_tool *tool);
/* Domain i's id / title, in score order; NULL if i is out of range. */
const char *rl_tool_domain_id(const struct rl_tool *tool, size_t i);
const char *rl_tool_domain_title(const struct rl_tool *tool, size_t i);

/*
 * Checks a score vector against the tool: exactly one score per domain,
 * each within [min, max].  Returns 0, or -1 with field errors named
 * "scores" (wrong count) or "scores[i]" (out of range).
 */
int rl_tool_check_scores(const struct rl_tool *tool, const int *scores,
			 size_t nscores, struct rl_error *err);

/* ------------------------------------------------------- curriculum */

/*
 * Parses and validates one curriculum version.  Every assessment
 * requirement's tool must be in tools.  On failure returns -1 with err:
 * RL_E_MALFORMED (type "malformed-json") if the text is not JSON, or
 * RL_E_INVALID with one field error per problem (up to
 * RL_ERROR_MAX_FIELDS), each naming a path such as "version" or
 * "modules[3].requirements[1].activity".  What is refused: unknown fields;
 * a missing code, version, title, id or kind; ids that are not 1-64 of
 * [a-z0-9_-]; unknown activity, platform or role codes; malformed step
 * codes; unknown tools; duplicate module ids; duplicate requirement ids
 * within a module; unknown prerequisites; prerequisite cycles (the message
 * spells the cycle "a -> b -> a"); targets below 1; an assessment
 * total_min above domains x max or a domain_min outside [min, max].
 */
int rl_curriculum_parse(const char *json, size_t len, const struct rl_tools *tools,
			struct rl_curriculum **out, struct rl_error *err);
void rl_curriculum_free(struct rl_curriculum *c);

const char *rl_curriculum_code(const struct rl_curriculum *c);
int rl_curriculum_version(const struct rl_curriculum *c);
const char *rl_curriculum_title(const struct rl_curriculum *c);
/* 1 if the curriculum has a module with this id, else 0. */
int rl_curriculum_has_module(const struct rl_curriculum *c, const char *id);
/* 1 if a steps requirement of the curriculum counts this step code, else 0. */
int rl_curriculum_counts_step(const struct rl_curriculum *c, const char *step);

/* ---------------------------------------------------- contributions */

enum rl_evidence_kind {
	RL_EV_SESSION = 1, /* a logged session: activity, platform, role, minutes, steps */
	RL_EV_ASSESSMENT,  /* a scored assessment: tool, scores */
	RL_EV_MODULE,      /* a trainer's module completion: module */
	RL_EV_SIMULATOR,   /* every countersigned attempt at one simulator exercise, oldest first */
	RL_EV_ELEARNING,   /* a confirmed e-learning certificate: issuer, achievement */
};

/*
 * One piece of evidence.  Fields that do not apply to the kind are
 * ignored and may be NULL / 0.  For signed totals pass the trainer's
 * signed view (their role and steps), never the trainee's claim.
 */
struct rl_evidence {
	int kind;                 /* enum rl_evidence_kind */
	const char *activity;     /* session: activity code (rl_activities) */
	const char *platform;     /* session: platform code or NULL */
	const char *role;         /* session: eLogbook role code or NULL */
	long long minutes;        /* session: duration */
	const char *const *steps; /* session: procedure step codes */
	size_t nsteps;            /* entries in steps */
	const char *tool;         /* assessment: tool id */
	const int *scores;        /* assessment: one score per domain, in tool order */
	size_t nscores;           /* entries in scores */
	const char *module;       /* module completion: module id */
	const char *exercise;     /* simulator: the exercise name */
	const char *const *attempt_platforms; /* simulator: each attempt's platform code */
	const long long *attempt_scores;      /* simulator: each attempt's score in hundredths of a percent */
	size_t nattempts;         /* simulator: entries in both */
	const char *issuer;       /* elearning: the certificate's issuer */
	const char *achievement;  /* elearning: the certificate's achievement id */
};

/* Told once per requirement the evidence counts towards; amount > 0. */
typedef void (*rl_contribution_fn)(void *ctx, const char *requirement_key,
				   long long amount);

/*
 * Calls fn for each requirement of c that ev counts towards, in
 * curriculum order, with the amount:
 *   minutes       ev->minutes, if the session matches the activity and
 *                 any platform / role restriction
 *   cases         1, if the session matches activity, roles and platform
 *   steps         the number of ev->steps entries in the requirement's
 *                 step set, if the session matches any restriction
 *   assessments   1, if ev->tool is the requirement's tool, the scores
 *                 are valid for that tool in tools, the total is at least
 *                 total_min and every domain at least domain_min
 *   module_signoff 1, if ev->module is the requirement's module
 *   simulator     1, if ev->exercise is one of the requirement's exercises
 *                 and its attempts (on the listed platforms, oldest first)
 *                 score at least min_score percent `consecutive` times in
 *                 a row (consecutive 1: the best score reaches min_score)
 *   elearning     1, if ev->issuer and ev->achievement are exactly the
 *                 requirement's issuer and achievement
 * A session with no role never matches a requirement that lists roles,
 * and one with no platform never matches one that lists platforms.
 */
void rl_curriculum_contributions(const struct rl_curriculum *c,
				 const struct rl_tools *tools,
				 const struct rl_evidence *ev,
				 rl_contribution_fn fn, void *ctx);

/* ------------------------------------------------------- evaluation */

/*
 * Supplies the caller's totals for one requirement key: returns 0 and
 * sets both amounts, 1 if there is nothing (both taken as 0), or -1 on
 * failure (it may fill the err passed to rl_curriculum_evaluate, through
 * its ctx).
 */
typedef int (*rl_tally_fn)(void *ctx, const char *requirement_key,
			   long long *signed_amount, long long *pending_amount);

struct rl_progress; /* domain/progress_record.h */

/*
 * Evaluates c against the caller's totals into out (a typed record whose
 * strings are borrowed from c; release it with rl_progress_release): the
 * curriculum, every module's and requirement's figures and status (the
 * rules below), modules_met and the overall status.  Returns 0, or -1
 * with err as rl_curriculum_evaluate (out is then released).
 */
int rl_curriculum_assess(const struct rl_curriculum *c, rl_tally_fn tally, void *ctx, struct rl_progress *out,
			 struct rl_error *err);

/*
 * rl_progress_to_json(rl_curriculum_assess(...)): the evaluation as the
 * progress document.  Returns a new reference:
 *
 *   {"curriculum":{"code","version","title"},
 *    "status":"eligible"|"in_training", "modules_met":N, "modules_total":M,
 *    "modules":[{"id","title","status","prerequisites":[ids],
 *                "requirements":[{"id","key","kind","title"?,"description",
 *                                 "target","signed","pending","status",...}]}],
 *    "unmet":[{"module","requirement","key","description","target","signed"}]}
 *
 * Requirement status: "blocked" while any prerequisite module of its
 * module is not met (the figures are still shown); otherwise "met" when
 * signed >= target, "in_progress" when signed > 0 or pending > 0, else
 * "not_started".  A module is "met" when its prerequisites are met and
 * all its requirements are met, "blocked" when a prerequisite is not
 * met, "in_progress" when any requirement is met or in progress, else
 * "not_started".  Overall "eligible" when every module is met.  "unmet"
 * lists every requirement whose status is not "met", in order.
 *
 * Returns NULL with err set if tally fails (RL_E_INTERNAL unless tally
 * set something else) or reports a negative amount.
 */
json_t *rl_curriculum_evaluate(const struct rl_curriculum *c, rl_tally_fn tally,
			       void *ctx, struct rl_error *err);

/*
 * The accreditation-list summary of an evaluation: a new array of
 * {"module","title","status","met_requirements","total_requirements"},
 * where met_requirements counts requirements whose signed amount reaches
 * the target (so a blocked module can show 3 of 3).  NULL if evaluation
 * is not shaped like rl_curriculum_evaluate's result (rl_progress_read
 * refuses it).
 */
json_t *rl_curriculum_summary(const json_t *evaluation);

/*
 * rl_curriculum_summary(rl_curriculum_evaluate(...)) without building the
 * JSON of the full evaluation (rl_progress_summary_json of the record):
 * the same array, and *modules_met.  Used on every sign-off, where only
 * the accreditation list's row is needed.
 */
json_t *rl_curriculum_quick_summary(const struct rl_curriculum *c, rl_tally_fn tally, void *ctx,
				    int *modules_met, struct rl_error *err);

#endif
