/*
 * texts.c - free text committed to by a salted SHA-256; see texts.h.
 */
#include "base/prelude.h"

#include "ledger/texts.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "ledger/jcs.h"
#include "store/ledger_rows.h"

const char *const rl_text_members[] = { "reason", "session.notes", NULL };

void rl_text_commitment(const char *text, size_t len, const uint8_t salt[RL_TEXT_SALT_BYTES], char out[72])
{
	crypto_hash_sha256_state h;
	uint8_t d[32];

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, salt, RL_TEXT_SALT_BYTES);
	crypto_hash_sha256_update(&h, (const uint8_t *)text, len);
	crypto_hash_sha256_final(&h, d);
	memcpy(out, RL_TEXT_COMMIT_PREFIX, sizeof(RL_TEXT_COMMIT_PREFIX) - 1);
	rl_hex_encode(d, 32, out + sizeof(RL_TEXT_COMMIT_PREFIX) - 1);
}

/* The object holding path's last member in st (st itself, or st.session), and that member's name. */
static json_t *parent_of(const json_t *st, const char *path, char *name, size_t size)
{
	const char *dot = strchr(path, '.');
	json_t *o = (json_t *)st;

	if (dot) {
		char first[32];
		snprintf(first, sizeof(first), "%.*s", (int)(dot - path), path);
		o = json_object_get(st, first);
		path = dot + 1;
	}
	snprintf(name, size, "%s", path);
	return json_is_object(o) ? o : NULL;
}

static int lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; s && s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s && i == n;
}

json_t *rl_texts_seal(const json_t *plain, json_t *texts)
{
	json_t *st = json_deep_copy(plain);
	int sealed = 0;

	for (const char *const *p = rl_text_members; st && *p; p++) {
		char name[32], cname[48], commit[72];
		json_t *parent = parent_of(st, *p, name, sizeof(name)), *text;
		const char *salt_hex;
		uint8_t salt[RL_TEXT_SALT_BYTES];
		char hex[2 * RL_TEXT_SALT_BYTES + 1];

		if (!parent || !json_is_string(text = json_object_get(parent, name)))
			continue;
		salt_hex = json_string_value(json_object_get(json_object_get(texts, *p), "salt"));
		if (!lower_hex(salt_hex, 2 * RL_TEXT_SALT_BYTES) ||
		    rl_hex_decode_exact(salt_hex, salt, sizeof(salt)) < 0)
			randombytes_buf(salt, sizeof(salt));
		rl_hex_encode(salt, sizeof(salt), hex);
		rl_text_commitment(json_string_value(text), json_string_length(text), salt, commit);
		json_object_set_new(texts, *p, json_pack("{s:O,s:s}", "text", text, "salt", hex));
		snprintf(cname, sizeof(cname), "%s_commit", name);
		json_object_set_new(parent, cname, json_string(commit));
		json_object_del(parent, name);
		sealed++;
	}
	if (st && sealed)
		json_object_set_new(st, "v", json_integer(2));
	return st;
}

/* An accreditation is at version 2 because it names its evidence, not because of free text. */
static int is_accreditation(const json_t *st)
{
	const char *type = json_string_value(json_object_get(st, "type"));
	return type && strcmp(type, "accreditation") == 0;
}

static int bad(char *why, size_t wsize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *why, size_t wsize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, wsize, fmt, ap);
	va_end(ap);
	return -1;
}

int rl_texts_check(const json_t *st, const json_t *texts, int *erased, char *why, size_t wsize)
{
	json_int_t v = json_integer_value(json_object_get(st, "v"));
	int commits = 0, missing = 0;
	const char *path;
	json_t *t;

	if (erased)
		*erased = 0;
	if (v != 1 && v != 2)
		return bad(why, wsize, "the statement's \"v\" is neither 1 nor 2");
	if (texts && !json_is_object(texts))
		return bad(why, wsize, "\"texts\" is not an object");
	json_object_foreach((json_t *)texts, path, t) {
		const char *const *p;
		for (p = rl_text_members; *p && strcmp(*p, path); p++)
			;
		if (!*p)
			return bad(why, wsize, "\"texts\" names \"%.40s\", which is not a free-text member", path);
	}
	for (const char *const *p = rl_text_members; *p; p++) {
		char name[32], cname[48], commit[72];
		json_t *parent = parent_of(st, *p, name, sizeof(name)), *c, *given_t = json_object_get(texts, *p);
		const char *chex, *text, *salt_hex;
		uint8_t salt[RL_TEXT_SALT_BYTES];

		snprintf(cname, sizeof(cname), "%s_commit", name);
		c = parent ? json_object_get(parent, cname) : NULL;
		if (v == 1) {
			if (c)
				return bad(why, wsize, "a version 1 statement has no \"%s\"", cname);
			if (given_t)
				return bad(why, wsize, "a text is given for \"%s\", which the statement does not commit to", *p);
			continue;
		}
		if (parent && json_object_get(parent, name))
			return bad(why, wsize, "a version 2 statement does not embed \"%s\": it commits to it", *p);
		if (!c) {
			if (given_t)
				return bad(why, wsize, "a text is given for \"%s\", which the statement does not commit to", *p);
			continue;
		}
		commits++;
		chex = json_string_value(c);
		if (!chex || strncmp(chex, RL_TEXT_COMMIT_PREFIX, sizeof(RL_TEXT_COMMIT_PREFIX) - 1) != 0 ||
		    !lower_hex(chex + sizeof(RL_TEXT_COMMIT_PREFIX) - 1, 64))
			return bad(why, wsize, "\"%s\" is not \"sha256:\" and 64 lowercase hex digits", cname);
		if (!given_t) {
			missing++;
			continue;
		}
		if (!json_is_object(given_t))
			return bad(why, wsize, "the text of \"%s\" is not an object", *p);
		if (json_object_get(given_t, "erased_at")) {
			if (!json_is_string(json_object_get(given_t, "erased_at")) || json_object_size(given_t) != 1)
				return bad(why, wsize, "an erased text of \"%s\" holds only \"erased_at\" (a string)", *p);
			missing++;
			continue;
		}
		text = json_string_value(json_object_get(given_t, "text"));
		salt_hex = json_string_value(json_object_get(given_t, "salt"));
		if (!text || !salt_hex || json_object_size(given_t) != 2)
			return bad(why, wsize, "the text of \"%s\" holds exactly \"text\" and \"salt\" (strings)", *p);
		if (!lower_hex(salt_hex, 2 * RL_TEXT_SALT_BYTES) || rl_hex_decode_exact(salt_hex, salt, sizeof(salt)) < 0)
			return bad(why, wsize, "the salt of \"%s\" is not 64 lowercase hex digits (32 bytes)", *p);
		rl_text_commitment(text, json_string_length(json_object_get(given_t, "text")), salt, commit);
		if (strcmp(commit, chex) != 0)
			return bad(why, wsize, "the text of \"%s\" does not match the statement's commitment", *p);
	}
	/* Version 2 of an accreditation names its evidence and carries no free text (docs/ledger.md). */
	if (v == 2 && !commits && !is_accreditation(st))
		return bad(why, wsize, "a version 2 statement commits to at least one text");
	if (erased)
		*erased = missing;
	return 0;
}

/* rl_texts_check over the flat tree of the statement's canonical text: 1 when it would pass (and *erased as it sets), else 0. */
int rl_texts_check_flat(const struct rl_jcs_flat *f, const json_t *texts, int *erased)
{
	int vn = rl_jcs_flat_get(f, 0, "v"), tn = rl_jcs_flat_get(f, 0, "type"), commits = 0, missing = 0;
	int64_t v = vn >= 0 && f->node[vn].type == RL_JCS_INTEGER ? f->node[vn].num : 0;
	const char *path;
	json_t *t;

	if (v != 1 && v != 2)
		return 0;
	if (texts && !json_is_object(texts))
		return 0;
	json_object_foreach((json_t *)texts, path, t) {
		const char *const *p;
		for (p = rl_text_members; *p && strcmp(*p, path); p++)
			;
		if (!*p)
			return 0;
	}
	for (const char *const *p = rl_text_members; *p; p++) {
		const char *dot = strchr(*p, '.'), *name = dot ? dot + 1 : *p, *chex, *text, *salt_hex;
		char first[32], cname[48], commit[72];
		int parent = 0, c;
		json_t *given_t = json_object_get(texts, *p);
		uint8_t salt[RL_TEXT_SALT_BYTES];

		/* as parent_of and rl_texts_check name them (no snprintf: this runs for every entry) */
		if (dot) {
			size_t n = (size_t)(dot - *p) < sizeof(first) - 1 ? (size_t)(dot - *p) : sizeof(first) - 1;
			memcpy(first, *p, n);
			first[n] = '\0';
			parent = rl_jcs_flat_get(f, 0, first);
			if (parent >= 0 && f->node[parent].type != RL_JCS_OBJECT)
				parent = -1;
		}
		if (strlen(name) + sizeof("_commit") > sizeof(cname))
			return 0;
		memcpy(cname, name, strlen(name));
		memcpy(cname + strlen(name), "_commit", sizeof("_commit"));
		c = parent >= 0 ? rl_jcs_flat_get(f, parent, cname) : -1;
		if (v == 1) {
			if (c >= 0 || given_t)
				return 0;
			continue;
		}
		if (parent >= 0 && rl_jcs_flat_get(f, parent, name) >= 0)
			return 0;
		if (c < 0) {
			if (given_t)
				return 0;
			continue;
		}
		commits++;
		chex = f->node[c].type == RL_JCS_STRING ? f->text.data + f->node[c].str : NULL;
		if (!chex || strncmp(chex, RL_TEXT_COMMIT_PREFIX, sizeof(RL_TEXT_COMMIT_PREFIX) - 1) != 0 ||
		    !lower_hex(chex + sizeof(RL_TEXT_COMMIT_PREFIX) - 1, 64))
			return 0;
		if (!given_t) {
			missing++;
			continue;
		}
		if (!json_is_object(given_t))
			return 0;
		if (json_object_get(given_t, "erased_at")) {
			if (!json_is_string(json_object_get(given_t, "erased_at")) || json_object_size(given_t) != 1)
				return 0;
			missing++;
			continue;
		}
		text = json_string_value(json_object_get(given_t, "text"));
		salt_hex = json_string_value(json_object_get(given_t, "salt"));
		if (!text || !salt_hex || json_object_size(given_t) != 2)
			return 0;
		if (!lower_hex(salt_hex, 2 * RL_TEXT_SALT_BYTES) || rl_hex_decode_exact(salt_hex, salt, sizeof(salt)) < 0)
			return 0;
		rl_text_commitment(text, json_string_length(json_object_get(given_t, "text")), salt, commit);
		if (strcmp(commit, chex) != 0)
			return 0;
	}
	if (v == 2 && !commits &&
	    !(tn >= 0 && f->node[tn].type == RL_JCS_STRING && strcmp(f->text.data + f->node[tn].str, "accreditation") == 0))
		return 0;
	if (erased)
		*erased = missing;
	return 1;
}

json_t *rl_texts_open(const json_t *st, const json_t *texts)
{
	char why[200];
	int erased;
	json_t *o;

	if (rl_texts_check(st, texts, &erased, why, sizeof(why)) < 0 || erased)
		return NULL;
	o = json_deep_copy(st);
	if (json_integer_value(json_object_get(o, "v")) != 2)
		return o;
	for (const char *const *p = rl_text_members; *p; p++) {
		char name[32], cname[48];
		json_t *parent = parent_of(o, *p, name, sizeof(name));

		snprintf(cname, sizeof(cname), "%s_commit", name);
		if (!parent || !json_object_get(parent, cname))
			continue;
		json_object_set(parent, name, json_object_get(json_object_get(texts, *p), "text"));
		json_object_del(parent, cname);
	}
	if (!is_accreditation(o))
		json_object_set_new(o, "v", json_integer(1));
	return o;
}

int rl_texts_store(struct rl_db *db, int64_t index, const json_t *texts, struct rl_error *err)
{
	const char *path;
	json_t *t;

	json_object_foreach((json_t *)texts, path, t) {
		json_t *text = json_object_get(t, "text");
		if (rl_rows_ledger_text_insert(db, index, path, json_string_value(text), json_string_length(text),
					       json_string_value(json_object_get(t, "salt")), err) < 0)
			return -1;
	}
	return 0;
}

/* Adds one text row to the object *ctx (made at the first). */
static int text_member(void *ctx, const struct rl_row_ledger_text *row)
{
	json_t **o = ctx;

	if (!*o)
		*o = json_object();
	json_object_set_new(*o, row->member, !row->text
			    ? json_pack("{s:s?}", "erased_at", row->erased_at)
			    : json_pack("{s:s,s:s?}", "text", row->text, "salt", row->salt));
	return 0;
}

json_t *rl_texts_of(struct rl_db *db, int64_t index, struct rl_error *err)
{
	json_t *o = NULL;

	if (rl_rows_ledger_texts_each(db, index, text_member, &o, err) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
