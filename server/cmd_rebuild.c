/*
 * cmd_rebuild.c - raslogd rebuild: drops every cached figure (trainee_tally,
 * trainee_status) and recomputes it from the signed ledger, after checking
 * the ledger against its saved signed head as serve does.  The figures
 * served do not change: every one of them is a function of the ledger
 * (core/domain/figures.h); the caches only make the accreditation list
 * cheap.  Prints how many trainees and statements, and the rate.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/progress.h"
#include "ledger/ledger.h"
#include "operator.h"
#include "store/db.h"
#include "store/secrets.h"
#include "../cli/optspec.h"

#include "base/banned.h"

static int cmd_rebuild(const struct os_args *args)
{
	const char *path = args->ctx;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_rebuild_stats stats;
	struct rl_db *db = NULL;
	struct timespec t0, t1;
	double secs;

	if (rl_db_open(path, RL_DB_MIGRATE, &db, &err) < 0)
		return operator_fail(&err);
	if (rl_secrets_check(db, &err) < 0 || rl_ledger_check_restore(db, &err) < 0)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rl_db_begin(db, &err) < 0)
		goto fail;
	if (rl_progress_rebuild(db, &stats, &err) < 0) {
		rl_db_rollback(db);
		goto fail;
	}
	if (rl_db_commit(db, &err) < 0)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rl_db_close(db);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("rebuilt the cached figures of %llu trainees from the ledger (%llu entries; %llu statements about them "
	       "read) in %.3f s, %.0f statements/s\n", (unsigned long long)stats.trainees,
	       (unsigned long long)stats.ledger_entries, (unsigned long long)stats.statements, secs,
	       secs > 0 ? (double)stats.statements / secs : 0.0);
	return 0;
fail:
	rl_db_close(db);
	return operator_fail(&err);
}

const struct os_cmd op_cmd_rebuild = {
	.name = "rebuild",
	.max_args = 0,
	.summary = "drop every cached figure and recompute it from the signed ledger",
	.run = cmd_rebuild,
};
