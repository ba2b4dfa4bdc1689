/*
 * curriculum_impl.h - the parsed tool table and curriculum as the two
 * halves of the curriculum module share them: curriculum_parse.c builds
 * them (JSON -> struct), curriculum_rules.c reads them (contributions,
 * evaluation), and progress_record.c and progress_json.c render a
 * requirement's definition beside its figures.  Private to those four
 * files; every other caller goes through the opaque types of curriculum.h.
 */
#ifndef RASLOG_CURRICULUM_IMPL_H
#define RASLOG_CURRICULUM_IMPL_H

#include <jansson.h>
#include <stddef.h>

#include "domain/curriculum.h"

/* ------------------------------------------------------------ types */

struct rl_tool {
	const char *id;
	const char *title;
	int min;                  /* lowest score of a domain */
	int max;                  /* highest score of a domain */
	size_t ndomains;          /* entries in domain_ids / domain_titles */
	const char **domain_ids;
	const char **domain_titles;
};

struct rl_tools {
	json_t *root;          /* the parsed table; every string is borrowed from it */
	size_t n;              /* entries in tools */
	struct rl_tool *tools;
};

/* A code list read from "x" or ["x","y"]; strings borrowed from the document. */
struct strlist {
	const char **v;
	size_t n;
	int from_array; /* 1 if written as an array, so errors can name "field[i]" */
};

enum req_kind {
	KIND_MINUTES = 1,
	KIND_CASES,
	KIND_STEPS,
	KIND_ASSESSMENTS,
	KIND_SIGNOFF,
	KIND_SIMULATOR,
	KIND_ELEARNING,
};


/* The kind names as curricula spell them, indexed by enum req_kind (0 unused). */
extern const char *const rl_req_kind_names[];
#define NKINDS 7

struct req {
	const char *id;
	const char *title;      /* optional short name, or NULL */
	const char *source;     /* optional, or NULL */
	int kind;               /* enum req_kind */
	long long target;       /* amount needed: minutes, sessions, steps, assessments, 1 */
	struct strlist activities; /* any of; empty means any activity */
	struct strlist platforms;  /* any of; empty means any platform */
	struct strlist roles;      /* any of the signed roles; empty means any */
	struct strlist steps;      /* step codes counted (steps kind) */
	const char *tool;       /* assessments: tool id */
	long long total_min;    /* assessments: lowest qualifying total (0: none) */
	long long domain_min;   /* assessments: lowest qualifying domain score */
	struct strlist exercises;  /* simulator: the exercises, as the vendors name them */
	long long min_score;    /* simulator: the lowest qualifying score, in percent */
	long long consecutive;  /* simulator: attempts in a row at min_score or above (1: the best score) */
	const char *issuer;     /* elearning: the certificate's issuer, as the certificate names it */
	const char *achievement; /* elearning: the achievement's id (or name), as the certificate names it */
	char *key;              /* "module/requirement" (owned) */
	char *description;      /* generated sentence (owned) */
};

struct module {
	const char *id;
	const char *title;
	const char *source;       /* optional, or NULL */
	struct strlist prereqs;   /* module ids as written */
	size_t *prereq_index;     /* the same, as indexes into modules (owned) */
	size_t nreqs;
	struct req *reqs;         /* owned */
};

struct rl_curriculum {
	json_t *root;          /* the parsed document; strings are borrowed from it */
	const char *code;
	const char *title;
	const char *source;
	int version;
	size_t nmodules;
	struct module *modules;
	size_t *order;         /* module indexes, every prerequisite before its dependants */
	/* The progress JSON's pieces, escaped once (progress_json.c): built on first use, freed with the curriculum. */
	struct rl_progress_frags *_Atomic frags;
};

/* Frees what progress_json.c built for a curriculum (NULL: nothing); rl_curriculum_free calls it. */
void rl_progress_frags_free(struct rl_progress_frags *f);

#endif
