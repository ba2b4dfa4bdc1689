/*
 * demo.c - the demo programme; see demo.h.  The evidence for each trainee
 * is generated from the curriculum itself (each requirement's kind,
 * activity, roles, steps and target), so the demo follows the curricula
 * when programmes edit them.
 */
#include "demo.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/codes.h"
#include "ledger/ledger.h"
#include "domain/certificates.h"
#include "domain/imports.h"
#include "domain/programmes.h"
#include "domain/progress.h"
#include "domain/logbook.h"
#include "domain/sessions.h"
#include "domain/signoff.h"
#include "domain/statements.h"
#include "ledger/texts.h"
#include "domain/supervision.h"
#include "domain/users.h"
#include "base/util.h"

#include "base/banned.h"

struct person {
	int64_t id;
	uint8_t pk[32], sk[64];
	char key[64];
	struct rl_user user;
};

struct demo {
	struct rl_db *db;
	struct rl_error *err;
	json_t *people;
	long day;              /* date cursor for the trainee being seeded */
	unsigned seq;
};

static int add_person(struct demo *d, struct person *p, const char *name, const char *email, int roles,
		      const char *site, const char *curriculum)
{
	struct rl_user_new nu = { name, email, NULL, site, curriculum, roles };
	char token[RL_TOKEN_LEN + 1];
	const char *names[4];
	json_t *rl = json_array();
	int n;

	if (rl_logbook_add_user(d->db, &nu, &p->id, token, d->err) < 0 || rl_user_get(d->db, p->id, &p->user, d->err) < 0) {
		json_decref(rl);
		return -1;
	}
	crypto_sign_keypair(p->pk, p->sk);
	sodium_bin2base64(p->key, sizeof(p->key), p->pk, 32, sodium_base64_VARIANT_ORIGINAL);
	n = rl_roles_names(roles, names);
	for (int i = 0; i < n; i++)
		json_array_append_new(rl, json_string(names[i]));
	json_array_append_new(d->people, json_pack("{s:I,s:s,s:o,s:s,s:s}", "id", (json_int_t)p->id, "name", name,
						   "roles", rl, "token", token, "public_key", p->key));
	return 0;
}

static int register_key(struct demo *d, struct person *p)
{
	json_t *out = NULL;
	int rc = rl_key_add(d->db, p->user.id, p->key, &out, d->err);

	json_decref(out);
	return rc;
}

/* Signs statement as p and applies it exactly as POST /signoffs would. */
static int submit(struct demo *d, struct person *p, json_t *statement, int64_t *index)
{
	struct rl_signoff so;
	json_t *body, *texts = json_object(), *sealed = rl_texts_seal(statement, texts); /* free text committed to */
	char *sig = sealed ? rl_stmt_sign(sealed, p->sk, d->err) : NULL;
	int rc = -1;

	json_decref(statement);
	if (!sig) {
		json_decref(sealed);
		json_decref(texts);
		return -1;
	}
	body = json_pack("{s:o,s:s}", "statement", sealed, "signature", sig);
	if (json_object_size(texts))
		json_object_set(body, "texts", texts);
	json_decref(texts);
	free(sig);
	if (rl_signoff_check(&p->user, body, &so, d->err) == 0) {
		rc = rl_signoff_apply(d->db, &p->user, &so, d->err);
		if (index)
			*index = so.ledger_index;
	}
	rl_signoff_release(&so);
	json_decref(body);
	return rc;
}

static void signer_of(struct person *p, char now[21], struct rl_signer *by)
{
	rl_now_rfc3339(now);
	by->user = p->id;
	by->key = p->key;
	by->signed_at = now;
}

/* Logs a session as the trainee; signs it as the trainer unless pending. */
static int session(struct demo *d, struct person *trainee, struct person *trainer, const char *activity,
		   const char *platform, int minutes, const char *role, json_t *steps, const char *procedure,
		   const char *site, int pending, int64_t *id_out)
{
	struct rl_session_new s;
	char date[11], now[21];
	json_t *body, *rec;
	struct rl_signer by;
	int64_t id;
	int rc;

	d->day += 1 + (long)(d->seq++ % 4);
	if (d->day > rl_today())
		d->day = rl_today();
	rl_format_date(d->day, date);
	body = json_pack("{s:s,s:i,s:s,s:I}", "date", date, "minutes", minutes, "activity", activity,
			 "trainer", (json_int_t)trainer->id);
	if (platform)
		json_object_set_new(body, "platform", json_string(platform));
	if (role)
		json_object_set_new(body, "role", json_string(role));
	if (steps)
		json_object_set(body, "steps", steps);
	if (procedure)
		json_object_set_new(body, "procedure", json_string(procedure));
	if (site)
		json_object_set_new(body, "site", json_string(site));
	rc = rl_session_parse(d->db, &trainee->user, body, &s, d->err);
	if (rc == 0)
		rc = rl_logbook_log_session(d->db, &s, &id, d->err);
	json_decref(body);
	if (rc < 0 || pending) {
		if (id_out && rc == 0)
			*id_out = id;
		return rc;
	}
	rec = rl_session_load(d->db, id, d->err);
	if (!rec)
		return -1;
	signer_of(trainer, now, &by);
	rc = submit(d, trainer, rl_stmt_session_signoff(rec, "confirmed", role, steps, NULL, &by), NULL);
	json_decref(rec);
	if (id_out)
		*id_out = id;
	return rc;
}

static const char *first_code(const json_t *v)
{
	return json_is_array(v) ? json_string_value(json_array_get(v, 0)) : json_string_value(v);
}

static const char *platform_for(const char *activity)
{
	if (strcmp(activity, "simulator") == 0)
		return "sim_dvss";
	if (strcmp(activity, "elearning") == 0)
		return NULL;
	if (strcmp(activity, "dry_lab") == 0)
		return "sim_mimic";
	return "davinci_xi";
}

static const char *procedure_for(const char *step)
{
	return step && strncmp(step, "colectomy", 9) == 0 ? "Robotic anterior resection" : "Robotic radical prostatectomy";
}

/*
 * A simulator requirement: one import of `want` exercises, each scored
 * min_score + 5 (at most 100) `consecutive` times in a row, countersigned.
 */
static int simulator_import(struct demo *d, struct person *trainee, struct person *trainer, const json_t *req,
			    long long want)
{
	const json_t *ex = json_object_get(req, "exercises");
	long long runs = json_integer_value(json_object_get(req, "consecutive")), score;
	const char *platform = first_code(json_object_get(req, "platform"));
	struct rl_import_new n = { 0 };
	struct rl_buf csv = RL_BUF_INIT;
	char at[21], now[21];
	struct rl_signer by;
	json_t *imp;
	int64_t id;
	int rc = -1;

	score = json_integer_value(json_object_get(req, "min_score")) + 5;
	if (score > 100)
		score = 100;
	if (runs < 1)
		runs = 1;
	rl_buf_puts(&csv, "platform,exercise,attempt_at,duration_s,score_pct,passed\n");
	for (long long i = 0; i < want && i < (long long)json_array_size(ex); i++) {
		for (long long k = 0; k < runs; k++) {
			d->day += 1;
			if (d->day > rl_today() - 1)
				d->day = rl_today() - 1;
			rl_format_date(d->day, at);
			rl_buf_printf(&csv, "%s,%s,%sT%02lld:00:00Z,%lld,%lld,true\n", platform ? platform : "sim_dvss",
				      json_string_value(json_array_get(ex, (size_t)i)), at, 8 + k % 10, 240 + 30 * k, score);
		}
	}
	n.trainee = trainee->id;
	n.trainer = trainer->id;
	snprintf(n.filename, sizeof(n.filename), "demo-simulator-%lld.csv", (long long)trainee->id);
	snprintf(n.format, sizeof(n.format), "csv");
	n.len = csv.len;
	n.content = rl_buf_detach(&csv, NULL);
	if (!n.content || !(n.attempts = rl_import_parse_simulator(n.content, n.len, "csv", time(NULL), d->err)) ||
	    rl_import_attempts_digest(n.attempts, n.attempts_sha256, d->err) < 0)
		goto out;
	{
		uint8_t h[32];
		crypto_hash_sha256(h, (const unsigned char *)n.content, n.len);
		rl_hex_encode(h, 32, n.sha256);
	}
	if (rl_import_insert(d->db, &n, &id, d->err) < 0 || !(imp = rl_import_load(d->db, id, 1, d->err)))
		goto out;
	signer_of(trainer, now, &by);
	rc = submit(d, trainer, rl_stmt_simulator_import(imp, "confirmed", NULL, &by), NULL);
	json_decref(imp);
out:
	rl_import_new_release(&n);
	rl_buf_release(&csv);
	return rc;
}

/*
 * An elearning requirement: an xAPI "completed" statement naming the
 * requirement's issuer (context.platform) and achievement (object.id),
 * imported as a certificate and confirmed by the trainer.  An xAPI
 * statement carries no proof, so the confirmation says "unverified_ok".
 */
static int certificate_import(struct demo *d, struct person *trainee, struct person *trainer, const json_t *req)
{
	struct rl_import_new n = { 0 };
	char at[32], now[21];
	struct rl_signer by;
	json_t *xapi, *cert, *imp;
	uint8_t h[32];
	int64_t id;
	int rc = -1;

	rl_format_date(d->day, at);
	snprintf(at + 10, sizeof(at) - 10, "T12:00:00Z");
	xapi = json_pack("{s:{s:s},s:{s:s},s:{s:s},s:{s:b,s:b},s:{s:s},s:s}", "actor", "mbox", "mailto:trainee@demo.invalid",
			 "verb", "id", "http://adlnet.gov/expapi/verbs/completed", "object", "id",
			 json_string_value(json_object_get(req, "achievement")), "result", "completion", 1, "success", 1,
			 "context", "platform", json_string_value(json_object_get(req, "issuer")), "timestamp", at);
	n.content = xapi ? json_dumps(xapi, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(xapi);
	if (!n.content)
		return rl_error_internal(d->err, "out of memory");
	n.len = strlen(n.content);
	n.trainee = trainee->id;
	n.trainer = trainer->id;
	n.certificate = 1;
	snprintf(n.filename, sizeof(n.filename), "demo-certificate-%lld.json", (long long)trainee->id);
	snprintf(n.format, sizeof(n.format), "json");
	if (!(cert = rl_certificate_read(n.content, n.len, d->err)))
		goto out;
	n.attempts = json_array();
	json_array_append_new(n.attempts, cert);
	if (rl_import_attempts_digest(n.attempts, n.attempts_sha256, d->err) < 0)
		goto out;
	crypto_hash_sha256(h, (const unsigned char *)n.content, n.len);
	rl_hex_encode(h, 32, n.sha256);
	if (rl_import_insert(d->db, &n, &id, d->err) < 0 || !(imp = rl_import_load(d->db, id, 1, d->err)))
		goto out;
	signer_of(trainer, now, &by);
	rc = submit(d, trainer, rl_stmt_elearning_confirmation(imp, "confirmed", NULL, 1, &by), NULL);
	json_decref(imp);
out:
	rl_import_new_release(&n);
	return rc;
}

/* Meets `share` (0..1) of one requirement with signed evidence. */
static int satisfy(struct demo *d, struct person *trainee, struct person *trainer, const char *site,
		   const json_t *module, const json_t *req, const char *code, int version, double share)
{
	const char *kind = json_string_value(json_object_get(req, "kind"));
	long long target = json_integer_value(json_object_get(req, "target"));
	if (!target)
		target = 1; /* module_signoff may leave its target out */
	long long want = (long long)(target * share + 0.5);
	const char *activity = first_code(json_object_get(req, "activity"));
	const char *role = first_code(json_object_get(req, "roles"));
	char now[21];
	struct rl_signer by;

	if (!kind || want <= 0)
		return 0;
	if (strcmp(kind, "minutes") == 0) {
		for (long long done = 0; done < want;) {
			int m = 60 + (int)(d->seq % 3) * 30;
			if (session(d, trainee, trainer, activity, platform_for(activity), m, role, NULL, NULL, site, 0, NULL) < 0)
				return -1;
			done += m;
		}
	} else if (strcmp(kind, "cases") == 0) {
		for (long long i = 0; i < want; i++)
			if (session(d, trainee, trainer, activity, platform_for(activity), 120 + (int)(i % 4) * 30, role,
				    NULL, "Robotic radical prostatectomy", site, 0, NULL) < 0)
				return -1;
	} else if (strcmp(kind, "steps") == 0) {
		const json_t *stepv = json_object_get(req, "step");
		size_t nsteps = json_is_array(stepv) ? json_array_size(stepv) : 1;
		for (long long i = 0; i < want; i += 2) {
			json_t *steps = json_array();
			for (long long k = i; k < want && k < i + 2; k++)
				json_array_append_new(steps, json_string(json_is_array(stepv)
					? json_string_value(json_array_get(stepv, (size_t)k % nsteps)) : json_string_value(stepv)));
			if (session(d, trainee, trainer, "console_modular", "davinci_xi", 90, role, steps,
				    procedure_for(json_string_value(json_array_get(steps, 0))), site, 0, NULL) < 0) {
				json_decref(steps);
				return -1;
			}
			json_decref(steps);
		}
	} else if (strcmp(kind, "assessments") == 0) {
		for (long long i = 0; i < want; i++) {
			int64_t sid;
			json_t *scores = json_pack("[i,i,i,i,i,i]", 4, 4 + (int)(i % 2), 4, 4, 3 + (int)(i % 3 == 0), 5);
			if (session(d, trainee, trainer, "console_full", "davinci_xi", 180, "S-TS", NULL,
				    "Robotic radical prostatectomy", site, 0, &sid) < 0) {
				json_decref(scores);
				return -1;
			}
			signer_of(trainer, now, &by);
			if (submit(d, trainer, rl_stmt_assessment(trainee->id, sid, "gears", scores, &by), NULL) < 0) {
				json_decref(scores);
				return -1;
			}
			json_decref(scores);
		}
	} else if (strcmp(kind, "simulator") == 0) {
		return simulator_import(d, trainee, trainer, req, want);
	} else if (strcmp(kind, "elearning") == 0) {
		return certificate_import(d, trainee, trainer, req);
	} else if (strcmp(kind, "module_signoff") == 0) {
		signer_of(trainer, now, &by);
		return submit(d, trainer, rl_stmt_module_completion(trainee->id, code, version,
				json_string_value(json_object_get(module, "id")), &by), NULL);
	}
	return 0;
}

/* Seeds a trainee through `modules_done` whole modules and `partial` of the next. */
static int seed_trainee(struct demo *d, struct person *trainee, struct person *trainer, const char *site,
			int modules_done, double partial, int pending)
{
	const struct rl_curriculum *c = rl_curriculum_by_id(d->db, trainee->user.curriculum_id, d->err);
	struct rl_stmt *st;
	json_t *def = NULL, *module;
	size_t i, j;
	int rc = 0;

	if (!c)
		return -1;
	st = rl_db_stmt(d->db, "SELECT definition FROM curricula WHERE id = ?", d->err);
	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee->user.curriculum_id);
	if (rl_step(st) == RL_ROW)
		def = json_loads(rl_db_col_text(st, 0), 0, NULL);
	rl_reset(st);
	if (!def)
		return rl_error_internal(d->err, "demo: curriculum definition missing");
	d->day = rl_today() - 330;
	json_array_foreach(json_object_get(def, "modules"), i, module) {
		double share = (int)i < modules_done ? 1.0 : ((int)i == modules_done ? partial : 0.0);
		json_t *req;
		if (share <= 0)
			break;
		json_array_foreach(json_object_get(module, "requirements"), j, req) {
			/* A partly done module gets its practice but not its sign-off. */
			if (share < 1.0 && strcmp(json_string_value(json_object_get(req, "kind")), "module_signoff") == 0)
				continue;
			if ((rc = satisfy(d, trainee, trainer, site, module, req, rl_curriculum_code(c),
					  rl_curriculum_version(c), share)) < 0)
				goto out;
		}
	}
	for (int k = 0; k < pending; k++) {
		json_t *steps = json_pack("[s]", "prostatectomy.bladder_neck_dissection");
		rc = session(d, trainee, trainer, k % 2 ? "simulator" : "console_modular", k % 2 ? "sim_dvss" : "davinci_xi",
			     60 + 15 * k, k % 2 ? NULL : "S-TS", k % 2 ? NULL : steps, k % 2 ? NULL : "Robotic radical prostatectomy",
			     site, 1, NULL);
		json_decref(steps);
		if (rc < 0)
			goto out;
	}
out:
	json_decref(def);
	return rc;
}

/* Faculty assign trainee to trainer, so the trainer may sign for them from the start. */
static int assign(struct demo *d, struct person *faculty, struct person *trainer, struct person *trainee)
{
	json_t *body = json_pack("{s:I,s:I}", "trainer", (json_int_t)trainer->id, "trainee", (json_int_t)trainee->id);
	json_t *out = NULL;
	int rc = rl_assignment_add(d->db, &faculty->user, body, &out, d->err);

	json_decref(body);
	json_decref(out);
	return rc;
}

static int write_key(const char *dir, struct person *p)
{
	char path[512];
	char *b64;
	int rc;

	if (!dir)
		return 0;
	snprintf(path, sizeof(path), "%s/user-%lld.key", dir, (long long)p->id);
	b64 = rl_base64_encode(p->sk, 64);
	rc = rl_write_file_atomic(path, b64, strlen(b64), 0600);
	free(b64);
	return rc;
}

json_t *rl_demo_seed(struct rl_db *db, const char *keys_dir, struct rl_error *err)
{
	static const struct {
		const char *name, *email, *site, *curriculum;
		int modules, pending, accredit, trainer;
		double partial;
	} trainees[] = {
		{ "Dr Priya Raman", "priya.raman@demo.raslog.org", "Leeds Robotics Skills Lab", "ras-core", 7, 1, 1, 0, 0 },
		{ "Dr Tomasz Nowak", "tomasz.nowak@demo.raslog.org", "Leeds Robotics Skills Lab", "ras-core", 7, 2, 0, 0, 0 },
		{ "Dr Aisha Bello", "aisha.bello@demo.raslog.org", "Leeds Robotics Skills Lab", "ras-core", 5, 2, 0, 1, 0.5 },
		{ "Dr James O'Connor", "james.oconnor@demo.raslog.org", "Bristol Surgical Simulation Centre", "ras-core", 3, 1, 0, 2, 0.6 },
		{ "Dr Mei Chen", "mei.chen@demo.raslog.org", "Bristol Surgical Simulation Centre", "ras-core", 1, 2, 0, 2, 0.4 },
		{ "Dr Lukas Weber", "lukas.weber@demo.raslog.org", "Bristol Surgical Simulation Centre", "ras-core", 0, 1, 0, 3, 0.5 },
		{ "Mr Richard Okafor FRCS", "richard.okafor@demo.raslog.org", "Leeds Robotics Skills Lab", "ras-conversion", 4, 0, 0, 1, 0 },
		{ "Ms Helen Murray FRCS", "helen.murray@demo.raslog.org", "Bristol Surgical Simulation Centre", "ras-conversion", 2, 1, 0, 3, 0.5 },
	};
	static const struct { const char *name, *email, *site; } trainer_names[] = {
		{ "Mr David Ellis", "david.ellis@demo.raslog.org", "Leeds Robotics Skills Lab" },
		{ "Ms Sarah Kapoor", "sarah.kapoor@demo.raslog.org", "Leeds Robotics Skills Lab" },
		{ "Prof. Martin Hughes", "martin.hughes@demo.raslog.org", "Bristol Surgical Simulation Centre" },
		{ "Dr Fiona Grant", "fiona.grant@demo.raslog.org", "Bristol Surgical Simulation Centre" },
	};
	struct demo d = { db, err, json_array(), 0, 0 };
	struct person faculty, admin, trainers[4], people[8];
	char from[11], until[11], now[21];
	struct rl_signer by;
	int64_t index;

	if (add_person(&d, &faculty, "Prof. Amelia Hart", "amelia.hart@demo.raslog.org", RL_ROLE_FACULTY,
		       "Leeds Robotics Skills Lab", NULL) < 0 ||
	    add_person(&d, &admin, "Programme Administrator", "admin@demo.raslog.org", RL_ROLE_ADMIN, NULL, NULL) < 0 ||
	    rl_faculty_key_add(db, faculty.id, faculty.key, &index, err) < 0 || write_key(keys_dir, &faculty) < 0)
		goto fail;
	rl_format_date(rl_today() - 365, from);
	rl_format_date(rl_today() + 730, until);
	for (int i = 0; i < 4; i++) {
		if (add_person(&d, &trainers[i], trainer_names[i].name, trainer_names[i].email, RL_ROLE_TRAINER,
			       trainer_names[i].site, NULL) < 0 || register_key(&d, &trainers[i]) < 0 ||
		    write_key(keys_dir, &trainers[i]) < 0)
			goto fail;
		signer_of(&faculty, now, &by);
		if (submit(&d, &faculty, rl_stmt_trainer_accreditation(trainers[i].id, trainers[i].key, from, until, &by), NULL) < 0)
			goto fail;
	}
	for (size_t i = 0; i < sizeof(trainees) / sizeof(trainees[0]); i++) {
		if (add_person(&d, &people[i], trainees[i].name, trainees[i].email, RL_ROLE_TRAINEE, trainees[i].site,
			       trainees[i].curriculum) < 0 ||
		    assign(&d, &faculty, &trainers[trainees[i].trainer], &people[i]) < 0 ||
		    seed_trainee(&d, &people[i], &trainers[trainees[i].trainer], trainees[i].site, trainees[i].modules,
				 trainees[i].partial, trainees[i].pending) < 0)
			goto fail;
		if (trainees[i].accredit) {
			char code[64];
			const struct rl_curriculum *c = rl_curriculum_by_id(db, people[i].user.curriculum_id, err);
			char valid[11];
			if (!c)
				goto fail;
			json_t *report;
			int rc;
			snprintf(code, sizeof(code), "%s", rl_curriculum_code(c));
			rl_format_date(rl_today() + 3 * 365, valid);
			signer_of(&faculty, now, &by);
			if (!(report = rl_progress_report(db, people[i].id, err)))
				goto fail;
			rc = submit(&d, &faculty, rl_stmt_accreditation_for(report, people[i].id, valid, &by), NULL);
			json_decref(report);
			if (rc < 0)
				goto fail;
		}
	}
	/* Two programmes by site; the demo's faculty member directs both (faculty may serve several). */
	{
		static const char *const names[2] = { "START North East", "START South West" };
		static const char *const sites[2] = { "Leeds Robotics Skills Lab", "Bristol Surgical Simulation Centre" };
		int64_t prog[2];
		for (int k = 0; k < 2; k++) {
			struct rl_programme_in in = { names[k], -1, -1 };
			if (rl_programme_create(db, &in, admin.id, &prog[k], err) < 0)
				goto fail;
		}
		if (rl_programme_set_members(db, faculty.id, prog, 2, admin.id, "programmes", err) < 0)
			goto fail;
		for (int k = 0; k < 2; k++) {
			for (int i = 0; i < 4; i++)
				if (strcmp(trainer_names[i].site, sites[k]) == 0 &&
				    rl_programme_set_members(db, trainers[i].id, &prog[k], 1, admin.id, "programmes", err) < 0)
					goto fail;
			for (size_t i = 0; i < sizeof(trainees) / sizeof(trainees[0]); i++)
				if (strcmp(trainees[i].site, sites[k]) == 0 &&
				    rl_programme_set_members(db, people[i].id, &prog[k], 1, admin.id, "programmes", err) < 0)
					goto fail;
		}
	}
	sodium_memzero(&people, sizeof(people));
	sodium_memzero(&trainers, sizeof(trainers));
	sodium_memzero(&faculty, sizeof(faculty));
	return d.people;
fail:
	json_decref(d.people);
	return NULL;
}
