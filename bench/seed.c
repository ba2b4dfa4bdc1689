/*
 * seed.c - bench scenario 7: the bulk seeder of raslog's data set.
 *
 *   seed --db FILE [--trainees N] [--trainers T] [--sessions S] [--pending P]
 *        [--batch B] [--creds-out FILE] [--keys-out FILE]
 *
 * Creates a fresh database (rl_setup_database), a faculty member with a
 * registered faculty key, T trainers (default 40) with registered keys and
 * faculty-signed accreditations, N trainees (default 1,000) on ras-core
 * spread over four sites, then S signed sessions (default 100,000) and P
 * pending ones (default 0; bench scenario 2 signs those off over HTTP).
 *
 * Everything goes through the server's own code path, nothing is written
 * behind its back: rl_logbook_log_session (the insert, then the trainee's
 * cached figures recomputed from the ledger), then a statement built by rl_stmt_session_signoff,
 * signed with the trainer's key (rl_stmt_sign), checked (rl_signoff_check:
 * shape and signature) and applied (rl_signoff_apply: rebuilds the
 * statement, checks the key's accreditation, appends to the ledger, moves
 * the cached figures), and the ledger sealed (a signed tree head) once per
 * transaction of B sessions (default 10,000).  Each transaction is run as
 * the server's writer runs a batch (domain/progress_batch.h): a trainee's
 * curriculum looked up and seals checked once, and their status row
 * written once, before the seal.
 *
 * Pipeline: the main thread owns the connection.  In transaction k it
 * inserts batch k's sessions and builds their statements while two signer
 * threads sign and check batch k-1's; it then applies batch k-1's
 * sign-offs, seals and commits.  So signing runs on both cores beside the
 * inserting thread.  Progress (rows/s) goes to stderr; the last line of
 * stdout is "RESULT sessions=... seconds=... sessions_per_s=...".
 *
 * --creds-out writes bench/lua/common.lua's credentials file (trainees
 * and trainers with "-", the faculty with a real bearer token);
 * --keys-out writes "trainer ID SECRET_KEY_BASE64" lines for presign.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/codes.h"
#include "store/db.h"
#include "ledger/ledger.h"
#include "domain/progress.h"
#include "domain/progress_batch.h"
#include "domain/logbook.h"
#include "domain/sessions.h"
#include "app/setup.h"
#include "domain/signoff.h"
#include "domain/statements.h"
#include "ledger/texts.h"
#include "domain/users.h"
#include "base/util.h"

struct person {
	struct rl_user user;
	uint8_t pk[32], sk[64];
	char key[64];
	char token[RL_TOKEN_LEN + 1];
};

struct item {
	json_t *statement;       /* built on the main thread, owned */
	int trainer;             /* index into trainers[] */
	int ok;
	struct rl_signoff so;
	struct rl_error err;
};

struct batch {
	struct item *items;
	size_t n;
};

static struct person *trainers;
static int ntrainers = 40;

static void die(const char *what, struct rl_error *err)
{
	fprintf(stderr, "seed: %s: %s%s%s\n", what, err ? err->title : "", err ? " - " : "", err ? err->detail : "");
	if (err)
		for (int i = 0; i < err->nfields; i++)
			fprintf(stderr, "seed:   %s: %s\n", err->fields[i].field, err->fields[i].message);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* ------------------------------------------------------------------ signers */

struct signer_arg {
	struct batch *b;
	int part, parts;
};

static void *signer(void *p)
{
	struct signer_arg *a = p;

	for (size_t i = (size_t)a->part; i < a->b->n; i += (size_t)a->parts) {
		struct item *it = &a->b->items[i];
		struct person *t = &trainers[it->trainer];
		char *sig;
		json_t *body, *texts = json_object(), *sealed = rl_texts_seal(it->statement, texts);

		it->err = (struct rl_error)RL_ERROR_INIT;
		sig = sealed ? rl_stmt_sign(sealed, t->sk, &it->err) : NULL;
		if (!sig) {
			json_decref(sealed);
			json_decref(texts);
			continue;
		}
		/* Free text is committed to, not embedded (core/ledger/texts.h). */
		body = json_pack("{s:o,s:s}", "statement", sealed, "signature", sig);
		if (json_object_size(texts))
			json_object_set(body, "texts", texts);
		json_decref(texts);
		free(sig);
		it->ok = rl_signoff_check(&t->user, body, &it->so, &it->err) == 0;
		json_decref(body);
	}
	return NULL;
}

#define NSIGNERS 2
static pthread_t signer_threads[NSIGNERS];
static struct signer_arg signer_args[NSIGNERS];

static void sign_start(struct batch *b)
{
	for (int i = 0; i < NSIGNERS; i++) {
		signer_args[i] = (struct signer_arg){ b, i, NSIGNERS };
		if (pthread_create(&signer_threads[i], NULL, signer, &signer_args[i]) != 0)
			die("pthread_create", NULL);
	}
}

static void sign_wait(void)
{
	for (int i = 0; i < NSIGNERS; i++)
		pthread_join(signer_threads[i], NULL);
}

/* ------------------------------------------------------------------ people */

static void add_person(struct rl_db *db, struct person *p, const char *name, const char *email, int roles,
		       const char *site, const char *curriculum)
{
	struct rl_user_new nu = { name, email, NULL, site, curriculum, roles };
	struct rl_error err = RL_ERROR_INIT;
	int64_t id;

	if (rl_logbook_add_user(db, &nu, &id, p->token, &err) < 0 || rl_user_get(db, id, &p->user, &err) < 0)
		die("adding a user", &err);
	crypto_sign_keypair(p->pk, p->sk);
	sodium_bin2base64(p->key, sizeof(p->key), p->pk, 32, sodium_base64_VARIANT_ORIGINAL);
}

/* Signs and applies one statement at once (the few set-up statements). */
static void submit(struct rl_db *db, struct person *p, json_t *statement)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_signoff so;
	char *sig = rl_stmt_sign(statement, p->sk, &err);
	json_t *body;

	if (!sig)
		die("signing", &err);
	body = json_pack("{s:o,s:s}", "statement", statement, "signature", sig);
	free(sig);
	if (rl_signoff_check(&p->user, body, &so, &err) < 0 || rl_signoff_apply(db, &p->user, &so, &err) < 0)
		die("applying a set-up statement", &err);
	rl_signoff_release(&so);
	json_decref(body);
}

/* A transaction, as the server's writer runs a batch: each trainee's status row written once, at its end. */
static void begin(struct rl_db *db)
{
	struct rl_error err = RL_ERROR_INIT;

	if (rl_db_begin(db, &err) < 0)
		die("begin", &err);
	rl_progress_batch_begin(db);
}

static void commit(struct rl_db *db)
{
	struct rl_error err = RL_ERROR_INIT;

	if (rl_progress_batch_flush(db, &err) < 0 || rl_ledger_seal(db, &err) < 0 || rl_db_commit(db, &err) < 0)
		die("sealing and committing", &err);
	rl_progress_batch_end(db);
	rl_ledger_after_commit(db);
}

/* ---------------------------------------------------------------- sessions */

static const char *sites[] = {
	"Leeds Robotics Skills Lab", "Bristol Surgical Simulation Centre",
	"Manchester Royal Infirmary", "Guy's and St Thomas' Robotic Centre",
};
static const char *steps_pro[] = {
	"prostatectomy.bladder_neck_dissection", "prostatectomy.vesicourethral_anastomosis",
	"prostatectomy.seminal_vesicle_dissection", "prostatectomy.neurovascular_bundle_dissection",
	"prostatectomy.apical_dissection", "prostatectomy.posterior_dissection",
};
static const char *steps_col[] = {
	"colectomy.vascular_pedicle_ligation", "colectomy.medial_to_lateral_dissection",
	"colectomy.splenic_flexure_mobilisation", "colectomy.mesorectal_excision", "colectomy.anastomosis",
};

/*
 * Session number i: a trainee (a quarter of them log about twice as much),
 * the trainee's own trainer, an activity from a mix weighted like a
 * programme's logbook, a platform and role that fit, steps and a
 * procedure for console work, a date in the last two years.
 */
static void make_session(uint64_t i, int ntrainees, const int64_t *trainee_ids, struct rl_session_new *s,
			 json_t **steps_out, int *trainer_out)
{
	static const char *sims[] = { "sim_dvss", "sim_simnow", "sim_mimic", "sim_robotix" };
	static const char *robots[] = { "davinci_xi", "davinci_xi", "davinci_x", "davinci_5", "versius", "hugo_ras" };
	uint64_t h = mix(i), h2 = mix(h);
	int t = (int)(h % (uint64_t)ntrainees);
	unsigned w = (unsigned)((h >> 40) % 100);
	int colectomy = (h2 >> 8) % 3 == 0;

	if ((h >> 32) % 4 == 0)
		t = t % (ntrainees / 4 + 1);
	memset(s, 0, sizeof(*s));
	*steps_out = NULL;
	s->trainee = trainee_ids[t];
	*trainer_out = t % ntrainers;
	s->trainer = trainers[*trainer_out].user.id;
	rl_format_date(rl_today() - 1 - (long)(h2 % 730), s->date);
	s->site = sites[t % 4];
	if (w < 8) {
		s->activity = "elearning";
		s->minutes = 30 + (long long)(h2 >> 20) % 4 * 15;
		s->site = NULL;
	} else if (w < 38) {
		s->activity = "simulator";
		s->platform = sims[(h2 >> 12) % 4];
		s->minutes = 30 + (long long)(h2 >> 20) % 7 * 15;
	} else if (w < 52) {
		s->activity = "dry_lab";
		s->platform = (h2 >> 12) % 2 ? "box_trainer" : "davinci_xi";
		s->minutes = 60 + (long long)(h2 >> 20) % 5 * 30;
	} else if (w < 57) {
		s->activity = (h2 >> 14) % 2 ? "wet_lab" : "cadaveric";
		s->platform = robots[(h2 >> 12) % 6];
		s->minutes = 120 + (long long)(h2 >> 20) % 5 * 30;
	} else if (w < 65) {
		s->activity = "observation";
		s->platform = robots[(h2 >> 12) % 6];
		s->role = "O";
		s->minutes = 120 + (long long)(h2 >> 20) % 5 * 30;
		s->procedure = colectomy ? "Robotic anterior resection" : "Robotic radical prostatectomy";
	} else if (w < 77) {
		s->activity = "bedside_assist";
		s->platform = robots[(h2 >> 12) % 6];
		s->role = "A";
		s->minutes = 120 + (long long)(h2 >> 20) % 6 * 30;
		s->procedure = colectomy ? "Robotic anterior resection" : "Robotic radical prostatectomy";
	} else if (w < 93) {
		json_t *steps = json_array();
		int n = 1 + (int)((h2 >> 24) % 3);
		s->activity = "console_modular";
		s->platform = robots[(h2 >> 12) % 6];
		s->role = (h2 >> 30) % 3 ? "S-TS" : "S-TU";
		s->minutes = 45 + (long long)(h2 >> 20) % 6 * 15;
		s->procedure = colectomy ? "Robotic anterior resection" : "Robotic radical prostatectomy";
		/* n consecutive steps from a random first one: each listed once, as sign-off requires. */
		for (int k = 0; k < n; k++)
			json_array_append_new(steps, json_string(colectomy ? steps_col[((h2 >> 34) % 5 + (uint64_t)k) % 5]
								: steps_pro[((h2 >> 34) % 6 + (uint64_t)k) % 6]));
		s->steps = steps;
		*steps_out = steps;
	} else {
		s->activity = "console_full";
		s->platform = robots[(h2 >> 12) % 6];
		s->role = (h2 >> 30) % 4 ? "S-TS" : "P";
		s->minutes = 150 + (long long)(h2 >> 20) % 6 * 30;
		s->procedure = colectomy ? "Robotic anterior resection" : "Robotic radical prostatectomy";
	}
	if ((h2 >> 50) % 10 == 0)
		s->notes = "Reflective note: port placement and docking took longer than planned.";
}

/* Inserts sessions [first, first+n) and, unless pending, builds their sign-off statements into b. */
static void insert_batch(struct rl_db *db, uint64_t first, size_t n, int ntrainees, const int64_t *ids,
			 struct batch *b, int pending)
{
	struct rl_error err = RL_ERROR_INIT;
	char now[21];

	rl_now_rfc3339(now);
	b->n = 0;
	for (size_t k = 0; k < n; k++) {
		struct rl_session_new s;
		json_t *steps, *rec;
		int64_t id;
		int tr;

		make_session(first + k, ntrainees, ids, &s, &steps, &tr);
		if (rl_logbook_log_session(db, &s, &id, &err) < 0)
			die("inserting a session", &err);
		if (!pending) {
			struct item *it = &b->items[b->n++];
			uint64_t h = mix(first + k + 0x5eed);
			int reject = h % 100 == 0;   /* about 1% rejected */
			struct rl_signer by = { trainers[tr].user.id, trainers[tr].key, now };

			if (!(rec = rl_session_load(db, id, &err)))
				die("loading a session", &err);
			it->trainer = tr;
			it->ok = 0;
			memset(&it->so, 0, sizeof(it->so));
			it->statement = rl_stmt_session_signoff(rec, reject ? "rejected" : "confirmed",
				json_string_value(json_object_get(rec, "role")),
				json_is_array(json_object_get(rec, "steps")) ? json_object_get(rec, "steps") : NULL,
				reject ? "Not enough of the case was done at the console to count." : NULL, &by);
			json_decref(rec);
			if (!it->statement)
				die("building a statement", NULL);
		}
		json_decref(steps);
	}
}

static size_t apply_batch(struct rl_db *db, struct batch *b)
{
	size_t failed = 0;

	for (size_t k = 0; k < b->n; k++) {
		struct item *it = &b->items[k];
		if (it->ok) {
			it->err = (struct rl_error)RL_ERROR_INIT;
			if (rl_signoff_apply(db, &trainers[it->trainer].user, &it->so, &it->err) < 0)
				it->ok = 0;
		}
		if (!it->ok) {
			if (failed++ == 0)
				fprintf(stderr, "seed: a sign-off was refused: %s - %s\n", it->err.title, it->err.detail);
			rl_error_clear(&it->err);
		}
		rl_signoff_release(&it->so);
		json_decref(it->statement);
		it->statement = NULL;
	}
	return failed;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },        { "trainees", required_argument, NULL, 'n' },
		{ "trainers", required_argument, NULL, 't' },  { "sessions", required_argument, NULL, 's' },
		{ "pending", required_argument, NULL, 'p' },   { "batch", required_argument, NULL, 'b' },
		{ "creds-out", required_argument, NULL, 'c' }, { "keys-out", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *creds_path = NULL, *keys_path = NULL;
	long long ntrainees = 1000, nsessions = 100000, npending = 0, bsize = 10000;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	struct person faculty;
	int64_t *ids, index;
	struct batch bufs[2], *cur, *prev = NULL;
	char from[11], until[11], now[21];
	double t0, tlast, t_insert = 0, t_apply = 0, t_commit = 0, t_wait = 0;
	uint64_t done = 0;
	size_t failed = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'n': ntrainees = atoll(optarg); break;
		case 't': ntrainers = atoi(optarg); break;
		case 's': nsessions = atoll(optarg); break;
		case 'p': npending = atoll(optarg); break;
		case 'b': bsize = atoll(optarg); break;
		case 'c': creds_path = optarg; break;
		case 'k': keys_path = optarg; break;
		default: goto usage;
		}
	}
	if (!path || ntrainees < 1 || ntrainers < 1 || nsessions < 0 || npending < 0 || bsize < 1) {
usage:
		fprintf(stderr, "usage: seed --db FILE [--trainees N] [--trainers T] [--sessions S] [--pending P]\n"
				"            [--batch B] [--creds-out FILE] [--keys-out FILE]\n");
		return 2;
	}
	if (sodium_init() < 0)
		die("sodium_init", NULL);
	json_object_seed(0);
	rl_session_set_max_pending(INT64_MAX); /* sessions stay pending until their batch is signed */
	if (rl_setup_database(path, &err) < 0 || rl_db_open(path, RL_DB_WRITER, &db, &err) < 0)
		die("opening the database", &err);
	trainers = calloc((size_t)ntrainers, sizeof(*trainers));
	ids = calloc((size_t)ntrainees, sizeof(*ids));
	for (int i = 0; i < 2; i++)
		bufs[i].items = calloc((size_t)bsize, sizeof(struct item));
	if (!trainers || !ids || !bufs[0].items || !bufs[1].items)
		die("out of memory", NULL);

	/* People: one transaction. */
	t0 = now_s();
	begin(db);
	add_person(db, &faculty, "Bench Faculty", "faculty@bench.invalid", RL_ROLE_FACULTY, sites[0], NULL);
	if (rl_faculty_key_add(db, faculty.user.id, faculty.key, &index, &err) < 0)
		die("registering the faculty key", &err);
	rl_format_date(rl_today() - 800, from);
	rl_format_date(rl_today() + 730, until);
	for (int i = 0; i < ntrainers; i++) {
		char name[64], email[64];
		json_t *out = NULL;
		struct rl_signer by;

		snprintf(name, sizeof(name), "Bench Trainer %d", i + 1);
		snprintf(email, sizeof(email), "trainer%d@bench.invalid", i + 1);
		add_person(db, &trainers[i], name, email, RL_ROLE_TRAINER, sites[i % 4], NULL);
		if (rl_key_add(db, trainers[i].user.id, trainers[i].key, &out, &err) < 0)
			die("registering a trainer key", &err);
		json_decref(out);
		rl_now_rfc3339(now);
		by = (struct rl_signer){ faculty.user.id, faculty.key, now };
		submit(db, &faculty, rl_stmt_trainer_accreditation(trainers[i].user.id, trainers[i].key, from, until, &by));
	}
	for (long long i = 0; i < ntrainees; i++) {
		struct person p;
		char name[64], email[64];

		snprintf(name, sizeof(name), "Bench Trainee %05lld", i + 1);
		snprintf(email, sizeof(email), "trainee%lld@bench.invalid", i + 1);
		add_person(db, &p, name, email, RL_ROLE_TRAINEE, sites[i % 4], "ras-core");
		ids[i] = p.user.id;
	}
	commit(db);
	fprintf(stderr, "seed: %lld trainees, %d accredited trainers and a faculty key in %.1f s\n",
		ntrainees, ntrainers, now_s() - t0);

	if (creds_path) {
		FILE *f = fopen(creds_path, "w");
		if (!f)
			die("cannot write the credentials file", NULL);
		fprintf(f, "# raslog credentials: kind id token (written by bench/seed)\n");
		fprintf(f, "faculty %lld %s\n", (long long)faculty.user.id, faculty.token);
		for (int i = 0; i < ntrainers; i++)
			fprintf(f, "trainer %lld %s\n", (long long)trainers[i].user.id, trainers[i].token);
		for (long long i = 0; i < ntrainees; i++)
			fprintf(f, "trainee %lld -\n", (long long)ids[i]);
		fclose(f);
	}
	if (keys_path) {
		FILE *f = fopen(keys_path, "w");
		if (!f)
			die("cannot write the keys file", NULL);
		for (int i = 0; i < ntrainers; i++) {
			char *b64 = rl_base64_encode(trainers[i].sk, 64);
			fprintf(f, "trainer %lld %s\n", (long long)trainers[i].user.id, b64);
			free(b64);
		}
		fclose(f);
	}

	/* Signed sessions: insert batch k while batch k-1 is being signed. */
	t0 = tlast = now_s();
	cur = &bufs[0];
	for (uint64_t next = 0; next < (uint64_t)nsessions || prev;) {
		size_t n = 0;
		begin(db);
		if (next < (uint64_t)nsessions) {
			n = (size_t)((uint64_t)nsessions - next < (uint64_t)bsize ? (uint64_t)nsessions - next : (uint64_t)bsize);
			double ta = now_s();
			insert_batch(db, next, n, (int)ntrainees, ids, cur, 0);
			t_insert += now_s() - ta;
			next += n;
		}
		if (prev) {
			double ta = now_s();
			sign_wait();
			t_wait += now_s() - ta;
			ta = now_s();
			failed += apply_batch(db, prev);
			t_apply += now_s() - ta;
			done += prev->n;
		}
		double tc = now_s();
		commit(db);
		t_commit += now_s() - tc;
		if (n) {
			sign_start(cur);
			prev = cur;
			cur = cur == &bufs[0] ? &bufs[1] : &bufs[0];
		} else {
			prev = NULL;
		}
		if (now_s() - tlast >= 1.0 || !prev) {
			double t = now_s();
			fprintf(stderr, "seed: %llu / %lld signed sessions, %.0f rows/s (main thread: insert %.1f s, "
				"apply %.1f s, seal+commit %.1f s, waiting for signers %.1f s)\n", (unsigned long long)done,
				nsessions, done / (t - t0), t_insert, t_apply, t_commit, t_wait);
			tlast = t;
		}
	}
	double secs = now_s() - t0;

	/* Pending sessions (scenario 2 signs them off over HTTP). */
	double tp = now_s();
	for (uint64_t next = 0; next < (uint64_t)npending;) {
		size_t n = (size_t)((uint64_t)npending - next < (uint64_t)bsize ? (uint64_t)npending - next : (uint64_t)bsize);
		begin(db);
		insert_batch(db, (uint64_t)nsessions + next, n, (int)ntrainees, ids, cur, 1);
		commit(db);
		next += n;
	}
	if (npending)
		fprintf(stderr, "seed: %lld pending sessions in %.1f s (%.0f rows/s)\n", npending, now_s() - tp,
			npending / (now_s() - tp));
	rl_db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", &err);
	rl_db_close(db);
	if (failed)
		fprintf(stderr, "seed: %zu sign-offs were refused\n", failed);
	printf("RESULT sessions=%lld seconds=%.2f sessions_per_s=%.1f refused=%zu pending=%lld\n", nsessions, secs,
	       secs > 0 ? nsessions / secs : 0.0, failed, npending);
	for (int i = 0; i < 2; i++)
		free(bufs[i].items);
	free(ids);
	free(trainers);
	return failed ? 1 : 0;
}
