/*
 * demo.h - seeds a realistic demo programme: faculty with registered
 * keys, accredited trainers, and trainees at every stage of the default
 * curricula.  Every record goes through the same validation, signing and
 * ledger code as real use; the demo's secret keys are thrown away (or
 * written to a directory, so the CLI can sign as a demo trainer).
 */
#ifndef RASLOG_DEMO_H
#define RASLOG_DEMO_H

#include <jansson.h>

#include "store/db.h"
#include "base/error.h"

/* Returns an array of {"id","name","roles","token"} for the demo people. */
json_t *rl_demo_seed(struct rl_db *db, const char *keys_dir, struct rl_error *err);

#endif
