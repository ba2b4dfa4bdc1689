/*
 * recompute.c - figures from a ledger export alone; see recompute.h.
 */
#include "base/prelude.h"

#include "domain/recompute.h"

#include "domain/catalog.h"
#include "domain/curriculum.h"
#include "domain/figures.h"
#include "ledger/kinds.h"
#include "ledger/ledger.h"

static const char *mstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The trainee a statement is about (0: nobody), as rl_figures reads it. */
static json_int_t subject_of(const json_t *st)
{
	const struct rl_kind *k = rl_kind_find(mstr(st, "type"));

	/* Only kinds that move a trainee's figures (the enrolment included) are grouped by trainee. */
	return k && k->figures && k->id != RL_K_CURRICULUM ? rl_kind_subject(k, st) : 0;
}

static int by_id(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(const json_t *const *)a, "trainee"));
	json_int_t y = json_integer_value(json_object_get(*(const json_t *const *)b, "trainee"));
	return x < y ? -1 : x > y;
}

/*
 * Whether the trainee's live accreditation (the report's) rests on the
 * evidence it names ("v":2, docs/ledger.md): its figures from those
 * statements alone, against the curriculum content it names, meet every
 * requirement.  {"ledger_index","sufficient":true|false,"unmet":[...]},
 * or NULL for no live accreditation or one of version 1 (names none).
 */
static json_t *evidence_check(const json_t *entries, const json_t *report, const json_t *curricula,
			      const struct rl_tools *tools, json_int_t trainee, const char *today)
{
	json_int_t at = json_integer_value(json_object_get(json_object_get(report, "accreditation"), "ledger_index"));
	const json_t *acc = NULL, *entry, *ev, *def;
	json_t *only = json_array(), *named = json_object(), *out = NULL, *fig = NULL, *v;
	struct rl_curriculum *c = NULL;
	struct rl_error e = RL_ERROR_INIT;
	char key[32], *text = NULL;
	size_t i;

	json_array_foreach(entries, i, entry)
		if (json_integer_value(json_object_get(entry, "index")) == at && json_object_get(report, "accreditation"))
			acc = json_object_get(entry, "statement");
	if (!acc || json_integer_value(json_object_get(acc, "v")) != 2)
		goto done;
	ev = json_object_get(acc, "evidence");
	json_array_foreach(ev, i, v) {
		snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		json_object_set_new(named, key, json_true());
	}
	/* The named statements, and what gives them their context (the enrolment). */
	json_array_foreach(entries, i, entry) {
		snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(entry, "index")));
		if (json_object_get(named, key) ||
		    strcmp(mstr(json_object_get(entry, "statement"), "type") ? mstr(json_object_get(entry, "statement"), "type")
											: "", "enrolment") == 0)
			json_array_append(only, (json_t *)entry);
	}
	def = json_object_get(curricula, mstr(json_object_get(acc, "curriculum"), "sha256") ?
						  mstr(json_object_get(acc, "curriculum"), "sha256") : "");
	out = json_pack("{s:I,s:b}", "ledger_index", at, "sufficient", 0);
	text = def ? json_dumps(def, JSON_COMPACT) : NULL;
	if (!text || rl_curriculum_parse(text, strlen(text), tools, &c, &e) < 0 ||
	    !(fig = rl_figures(c, tools, trainee, only, NULL, today, &e))) {
		json_object_set_new(out, "unmet", json_pack("[s]", "the curriculum content the accreditation names"));
		goto done;
	}
	json_object_set_new(out, "sufficient", json_boolean(strcmp(mstr(fig, "evaluated_status") ?
								    mstr(fig, "evaluated_status") : "", "eligible") == 0));
	json_object_set(out, "unmet", json_object_get(fig, "unmet") ? json_object_get(fig, "unmet") : json_array());
done:
	rl_error_clear(&e);
	free(text);
	rl_curriculum_free(c);
	json_decref(fig);
	json_decref(only);
	json_decref(named);
	return out;
}

json_t *rl_recompute_export(FILE *in, const char *today, struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	json_t *curricula = json_object();  /* sha256 -> definition */
	json_t *by_trainee = json_object(); /* id -> [entries] */
	json_t *enrolled = json_object();   /* id -> curriculum {code, version, sha256} (latest) */
	json_t *imports = json_array();     /* simulator_import and elearning_confirmation: what the files must still match */
	json_t *out = NULL, *list = json_array(), *v, **rows = NULL;
	size_t plen = strlen(RL_STATEMENT_PREFIX), cap = 0, n, i;
	char *line = NULL, key[32];
	ssize_t len;
	json_int_t statements = 0;
	const char *k;
	struct {
		char sha[65];
		char why[400];
		struct rl_curriculum *c; /* NULL: it does not parse (why) */
	} parsed[64];
	size_t nparsed = 0;
	struct rl_curriculum *owned = NULL;

	if (!tools)
		goto done;
	while ((len = getline(&line, &cap, in)) > 0) {
		json_t *entry = json_loadb(line, (size_t)len, 0, NULL), *st = NULL;
		const char *msg = mstr(entry, "message");
		json_int_t who;

		if (msg && strlen(msg) > plen && memcmp(msg, RL_STATEMENT_PREFIX, plen) == 0)
			st = json_loads(msg + plen, 0, NULL);
		if (!st) {
			json_decref(entry); /* a redacted line, or a blank one */
			continue;
		}
		statements++;
		if (mstr(st, "type") && strcmp(mstr(st, "type"), "curriculum") == 0 && mstr(st, "sha256")) {
			json_object_set(curricula, mstr(st, "sha256"), json_object_get(st, "definition"));
		} else if ((who = subject_of(st)) > 0) {
			json_t *arr;
			if (strcmp(mstr(st, "type") ? mstr(st, "type") : "", "simulator_import") == 0 ||
			    strcmp(mstr(st, "type") ? mstr(st, "type") : "", "elearning_confirmation") == 0)
				json_array_append_new(imports, json_pack("{s:O?,s:I,s:O?,s:O?}", "index",
					json_object_get(entry, "index"), "trainee", (json_int_t)who, "decision",
					json_object_get(st, "decision"), "import", json_object_get(st, "import")));
			snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, who);
			if (strcmp(mstr(st, "type") ? mstr(st, "type") : "", "enrolment") == 0)
				json_object_set(enrolled, key, json_object_get(st, "curriculum"));
			if (!(arr = json_object_get(by_trainee, key)))
				json_object_set_new(by_trainee, key, arr = json_array());
			json_array_append_new(arr, json_pack("{s:O,s:O}", "index", json_object_get(entry, "index"),
							     "statement", st));
		}
		json_decref(st);
		json_decref(entry);
	}
	if (ferror(in)) {
		rl_error_set(err, RL_E_UNAVAILABLE, "read-failed", NULL, "cannot read the export");
		goto done;
	}
	json_object_foreach(enrolled, k, v) {
		const char *sha = mstr(v, "sha256");
		const json_t *def = sha ? json_object_get(curricula, sha) : NULL;
		json_int_t trainee = 0;
		json_t *row, *report = NULL;
		struct rl_curriculum *c = NULL;
		struct rl_error e = RL_ERROR_INIT;
		char *text = NULL;
		size_t ci;

		sscanf(k, "%" JSON_INTEGER_FORMAT, &trainee);
		row = json_pack("{s:I,s:O}", "trainee", trainee, "curriculum", v);
		/* Each curriculum version is parsed once, not once per trainee enrolled on it. */
		for (ci = 0; ci < nparsed && def; ci++)
			if (strcmp(parsed[ci].sha, sha) == 0)
				break;
		if (def && ci < nparsed) {
			c = parsed[ci].c;
			if (!c)
				snprintf(e.detail, sizeof(e.detail), "%s", parsed[ci].why);
		} else if (def && (text = json_dumps(def, JSON_COMPACT))) {
			if (rl_curriculum_parse(text, strlen(text), tools, &c, &e) < 0)
				c = NULL;
			if (nparsed < sizeof(parsed) / sizeof(parsed[0])) {
				snprintf(parsed[nparsed].sha, sizeof(parsed[nparsed].sha), "%s", sha);
				snprintf(parsed[nparsed].why, sizeof(parsed[nparsed].why), "%s", e.detail);
				parsed[nparsed++].c = c;
			} else {
				owned = c; /* no room to keep it: freed below */
			}
		}
		if (!def)
			json_object_set_new(row, "error", json_string("the enrolment names curriculum content that no "
								      "curriculum statement of the export carries"));
		else if (!c)
			json_object_set_new(row, "error", json_string(e.detail[0] ? e.detail : "the curriculum does not parse"));
		else if (!(report = rl_figures(c, tools, trainee, json_object_get(by_trainee, k), NULL, today, &e)))
			json_object_set_new(row, "error", json_string(e.detail));
		else {
			json_t *chk = evidence_check(json_object_get(by_trainee, k), report, curricula, tools, trainee, today);
			json_object_set_new(row, "report", report);
			if (chk)
				json_object_set_new(row, "accreditation_evidence", chk);
		}
		free(text);
		rl_curriculum_free(owned);
		owned = NULL;
		json_array_append_new(list, row);
	}
	n = json_array_size(list);
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++)
		rows[i] = json_incref(json_array_get(list, i));
	qsort(rows, n, sizeof(*rows), by_id);
	out = json_pack("{s:[],s:I,s:O}", "trainees", "statements", statements, "imports", imports);
	for (i = 0; i < n; i++)
		json_array_append_new(json_object_get(out, "trainees"), rows[i]);
done:
	for (size_t pi = 0; pi < nparsed; pi++)
		rl_curriculum_free(parsed[pi].c);
	free(rows);
	free(line);
	json_decref(curricula);
	json_decref(by_trainee);
	json_decref(enrolled);
	json_decref(imports);
	json_decref(list);
	return out;
}
