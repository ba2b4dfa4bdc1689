/*
 * codes.h - the fixed vocabularies of raslog: user roles, training
 * activities, robotic platforms and simulators, and the UK eLogbook
 * supervision/role codes.  One table per vocabulary, generated from
 * schema/codes.json (tools/gen-codes.sh, which also writes web/js/vocab.js);
 * everything that validates or labels a code goes through here.
 */
#ifndef RASLOG_CODES_H
#define RASLOG_CODES_H

enum rl_role {
	RL_ROLE_TRAINEE = 1,
	RL_ROLE_TRAINER = 2,
	RL_ROLE_FACULTY = 4,
	RL_ROLE_ADMIN = 8,
};
#define RL_ROLE_ALL 15

struct rl_code {
	const char *code;  /* the stored, canonical code */
	const char *label; /* what a person reads */
};

extern const struct rl_code rl_activities[];     /* NULL-terminated */
extern const struct rl_code rl_platforms[];
extern const struct rl_code rl_case_roles[];      /* eLogbook O, A, S-TS, S-TU, P, T */
/* trainee, trainer, faculty, admin: in the order of the enum rl_role bits. */
extern const struct rl_code rl_user_roles[];

/* Finds code in a table; NULL if absent. */
const struct rl_code *rl_code_find(const struct rl_code *table, const char *code);
/*
 * Platforms also accept their label or a loose spelling ("da Vinci Xi",
 * "davinci-xi"); returns the canonical entry or NULL.
 */
const struct rl_code *rl_platform_lookup(const char *text);
/* "a, b or c" list of a table's codes, for error messages (static buffer per table). */
const char *rl_code_list(const struct rl_code *table);

/* Parses "trainee,trainer" into a role mask; -1 on an unknown name. */
int rl_roles_parse(const char *text, int *mask);
/* Role names of a mask in fixed order; returns names[] count (max 4). */
int rl_roles_names(int mask, const char *names[4]);

/* Step codes: 1..64 chars of [a-z0-9_.-]. */
int rl_step_code_valid(const char *s);

#endif
