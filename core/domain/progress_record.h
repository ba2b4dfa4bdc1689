/*
 * progress_record.h - where a trainee stands, as a typed record, and its
 * renderers.
 *
 * The rules (rl_curriculum_assess, curriculum_rules.c) fill a struct
 * rl_progress from a curriculum and the trainee's totals; the API's
 * progress JSON (rl_progress_to_json), the accreditation list's module
 * summary (rl_progress_summary_json), the PDF portfolio
 * (render/portfolio.h), the credential's claims (render/credential.h) are
 * renderers of it.  The full evidence report (rl_figures, domain/figures.h)
 * is this record with its evidence, struct rl_evidence_report
 * (domain/evidence_report.h); rl_progress_read reads such a report's JSON into
 * the record once, checking every member it takes, so no renderer walks
 * the JSON (a missing member is an error there, not a NULL handed to
 * strcmp).
 *
 * Ownership: strings are borrowed, from the curriculum (assess) or from
 * the report (read, which keeps a reference to it); the arrays are the
 * record's.  rl_progress_release frees what the record owns and accepts a
 * zeroed record.  Fields the source does not give are NULL / 0 / -1 as
 * each says.
 */
#ifndef RASLOG_PROGRESS_RECORD_H
#define RASLOG_PROGRESS_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct rl_buf;
struct rl_curriculum;
struct rl_progress_item;

/* One statement counted towards a requirement (a report's "evidence" item). */
struct rl_progress_evidence {
	int64_t ledger_index;   /* the statement's ledger index */
	long long amount;       /* what it adds to the requirement */
	const char *type;       /* session, assessment, module_completion, simulator, elearning */
	const char *date;       /* YYYY-MM-DD, or NULL if the item has none */
	int64_t signed_by;      /* the signer's user id, or 0 if the item names none */
	const struct rl_progress_item *item; /* the whole item (domain/evidence_report.h), or NULL when read from JSON */
};

struct rl_progress_req {
	const char *id;
	const char *key;         /* "module/requirement" */
	const char *kind;        /* minutes, cases, steps, assessments, module_signoff, simulator, elearning */
	const char *description; /* the generated sentence */
	const char *status;      /* met, in_progress, not_started, blocked */
	long long target;
	long long signed_amount; /* the JSON's "signed" */
	long long pending;
	size_t nevidence;        /* 0 unless read from a full report */
	struct rl_progress_evidence *evidence;
};

struct rl_progress_module {
	const char *id;
	const char *title;
	const char *status;      /* met, in_progress, not_started, blocked */
	size_t reqs_met;         /* requirements whose signed amount reaches the target */
	size_t nreqs;
	struct rl_progress_req *reqs;
};

struct rl_progress {
	/* The curriculum evaluated (assess), whose definitions the JSON's
	 * descriptive members come from; NULL when read from a report. */
	const struct rl_curriculum *def;
	const char *code;           /* the curriculum's code, version and title */
	int version;
	const char *title;
	const char *status;         /* eligible or in_training; once accreditation is known also accredited, lapsed */
	const char *evaluated_status; /* the curriculum's verdict alone; NULL until accreditation is known */
	size_t modules_met;
	size_t nmodules;
	struct rl_progress_module *modules;
	int64_t acc_index;          /* the live accreditation's ledger index, or -1 */
	const char *acc_until;      /* its valid_until (YYYY-MM-DD), or NULL */
	int has_trainee;            /* the three trainee fields are set: */
	int64_t trainee_id;
	const char *trainee_name;
	const char *trainee_site;
	json_t *doc;                /* rl_progress_read: the report the strings are borrowed from */
};

/*
 * Sets evaluated_status, status and the accreditation from the curriculum's
 * verdict (p->status as rl_curriculum_assess left it), the live
 * accreditation (acc_index -1: none; until may be NULL or "") and today
 * (YYYY-MM-DD): "accredited", "lapsed" once until is before today, else
 * the verdict.  until is borrowed.
 */
void rl_progress_set_accreditation(struct rl_progress *p, int64_t acc_index, const char *until, const char *today);

/* Sets the trainee (borrowed strings). */
void rl_progress_set_trainee(struct rl_progress *p, int64_t id, const char *name, const char *site);

/*
 * The API's progress JSON of a record filled by rl_curriculum_assess
 * (p->def set), member for member in the order the server has always sent:
 *   {"curriculum":{"code","version","title"}, "status", "modules_met",
 *    "modules_total", "modules":[...], "unmet":[...]}
 * then, once rl_progress_set_accreditation ran, "evaluated_status" and
 * "accreditation" ({"ledger_index","valid_until"?}, when live), then, once
 * rl_progress_set_trainee ran, "trainee":{"id","name","site"}.  The
 * module and requirement objects are described in curriculum.h
 * (rl_curriculum_evaluate).  A new reference, or NULL with err
 * (RL_E_INTERNAL: out of memory, or no curriculum in the record).
 */
json_t *rl_progress_to_json(const struct rl_progress *p, struct rl_error *err);

/*
 * The same progress JSON written straight into out (progress_json.c):
 * byte for byte json_dumps(rl_progress_to_json(p), JSON_COMPACT), without
 * building the tree.  The curriculum's strings are escaped once per
 * curriculum (by jansson) and kept as fragments; a string of the record
 * that is not the definition's own (or the trainee's, the statuses, the
 * date) is escaped by jansson unless it is plain printable ASCII, which
 * json_dumps copies as it is.  Appends to out; 0, or -1 with err (as
 * rl_progress_to_json: a string jansson refuses, no curriculum, out of
 * memory); out is then in an unspecified state.  tests/unit/
 * test_progress_json.c holds the two renderers to the same bytes.
 */
int rl_progress_write_json(const struct rl_progress *p, struct rl_buf *out, struct rl_error *err);
/*
 * Pieces of JSON as json_dumps writes them (progress_json.c, and the
 * accreditation list's page): s as a string (0, or -1 for NULL or what
 * jansson refuses, not UTF-8, with nothing written), v in decimal.
 */
int rl_progress_json_str(struct rl_buf *b, const char *s);
void rl_progress_json_int(struct rl_buf *b, long long v);

/*
 * A record filled by rl_curriculum_assess (p->def set, every descriptive
 * string the definition's own) packed into a few hundred bytes: the
 * figures, the statuses, the accreditation and the trainee, with
 * curriculum_id, the id the definition is known by (catalog.h).  For a
 * cache of replies: rl_progress_unpack gives back a record that renders
 * to the same bytes.  Appends to out; 0, or -1 when the record is not one
 * that can be packed (not from assess, a status outside the fixed set,
 * out of memory); out is then in an unspecified state.
 */
int rl_progress_pack(const struct rl_progress *p, int64_t curriculum_id, struct rl_buf *out);

/* The curriculum id a packed record names, or 0 when data is not one. */
int64_t rl_progress_packed_curriculum(const void *data, size_t len);

/*
 * The record packed in data, against its curriculum c (the one its id
 * names): the curriculum's strings borrowed from c, the trainee's and the
 * accreditation date from data, which must outlive out.  0, or -1 with
 * err (RL_E_INTERNAL: not a packed record of c); rl_progress_release out.
 */
int rl_progress_unpack(const struct rl_curriculum *c, const void *data, size_t len, struct rl_progress *out,
		       struct rl_error *err);

/*
 * Sets doc's "trainee" member ({"id","name","site"}) when p has a trainee
 * (rl_progress_set_trainee); *failed set on any failure.  Both the progress
 * document and the evidence report render the trainee this way.
 */
void rl_progress_trainee_json(const struct rl_progress *p, json_t *doc, int *failed);

/*
 * The accreditation list's module summary: a new array of
 * {"module","title","status","met_requirements","total_requirements"},
 * or NULL when out of memory.
 */
json_t *rl_progress_summary_json(const struct rl_progress *p);

/*
 * Reads a progress report (rl_figures', rl_progress_report's or the
 * progress reply) into out, taking a reference to it.  Required: the
 * curriculum's code, version and title, status, modules_met, and each
 * module's id, title, status and requirements with id, key, kind,
 * description, status, target, signed and pending; each evidence item's
 * ledger_index, amount and type.  Optional: evaluated_status,
 * accreditation, trainee, an evidence item's date and signed_by.
 * Returns 0, or -1 with err (RL_E_INTERNAL naming the first member that
 * is missing or of the wrong type, e.g. "modules[2].requirements[0].key");
 * out is then released.
 */
int rl_progress_read(json_t *report, struct rl_progress *out, struct rl_error *err);

/* Frees the record's arrays and drops its reference to the report; zeroes it. */
void rl_progress_release(struct rl_progress *p);

#endif
