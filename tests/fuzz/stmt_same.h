/*
 * stmt_same.h - whether two records of ledger/stmt.h read the same
 * members (every scalar and string a session sign-off has, which is what
 * rl_statement_read_flat reads; the JSON pointers are not compared).
 * Shared by fuzz_jcs_flat.c and fuzz_verify_line.c.
 */
#ifndef RASLOG_STMT_SAME_H
#define RASLOG_STMT_SAME_H

#include <string.h>

#include "ledger/stmt.h"

static int str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int stmt_same(const struct rl_statement *a, const struct rl_statement *b)
{
	const struct rl_stmt_session *x = &a->u.session.session, *y = &b->u.session.session;

	if (a->v != b->v || a->kind != b->kind || !str_same(a->type, b->type) || a->by_log != b->by_log ||
	    a->signer != b->signer || !str_same(a->key, b->key) || !str_same(a->signed_at, b->signed_at) ||
	    a->subject != b->subject || !str_same(a->reason, b->reason) || !str_same(a->reason_commit, b->reason_commit) ||
	    a->decision != b->decision || a->supersedes != b->supersedes)
		return 0;
	if (a->kind != RL_K_SESSION)
		return 1;
	return str_same(a->u.session.role, b->u.session.role) && x->id == y->id && x->trainee == y->trainee &&
	       x->trainer == y->trainer && x->minutes == y->minutes && str_same(x->date, y->date) &&
	       str_same(x->activity, y->activity) && str_same(x->platform, y->platform) && str_same(x->site, y->site) &&
	       str_same(x->procedure, y->procedure) && str_same(x->role, y->role) &&
	       str_same(x->created_at, y->created_at) && str_same(x->notes, y->notes) &&
	       str_same(x->notes_commit, y->notes_commit);
}

#endif
