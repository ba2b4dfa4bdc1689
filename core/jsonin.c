/*
 * jsonin.c - strict parsing of outside JSON and typed member readers; see
 * jsonin.h.
 *
 * jansson already refuses invalid UTF-8, \u0000 (without JSON_ALLOW_NUL),
 * lone surrogate escapes, trailing garbage and (with
 * JSON_REJECT_DUPLICATES) duplicate names.  What it does not do is bound
 * its recursion below its compiled-in 2048 levels, so a pre-scan counts
 * brackets outside strings first; the same pass finds raw NUL bytes and
 * empty input.
 */
#include "jsonin.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

#define MALFORMED_TYPE "malformed-json"
#define MALFORMED_TITLE "The request body is not valid JSON"

static int malformed(struct rl_error *err, int line, int column, size_t position,
		     const char *what)
{
	json_t *extra;

	rl_error_set(err, RL_E_MALFORMED, MALFORMED_TYPE, MALFORMED_TITLE,
		     "invalid JSON at line %d, column %d (byte %zu): %s",
		     line, column, position, what);
	if (!err)
		return -1;
	extra = json_pack("{s:i, s:i, s:I}", "line", line, "column", column,
			  "position", (json_int_t)position);
	json_decref((json_t *)err->extra);
	err->extra = extra; /* NULL if out of memory: the detail still says it all */
	return -1;
}

/* Line and column (both from 1, column in characters) of byte pos. */
static void locate(const char *data, size_t pos, int *line, int *column)
{
	size_t i;

	*line = 1;
	*column = 0;
	for (i = 0; i <= pos; i++) {
		unsigned char c = (unsigned char)data[i];

		if (i < pos && c == '\n') {
			(*line)++;
			*column = 0;
		} else if ((c & 0xc0) != 0x80) {
			(*column)++; /* count lead bytes only */
		}
	}
}

static int prescan_fail(const char *data, size_t pos, const char *what,
			struct rl_error *err)
{
	int line, column;

	locate(data, pos, &line, &column);
	return malformed(err, line, column, pos, what);
}

/* Empty input, raw NUL, nesting: the things jansson should never see. */
static int prescan(const char *data, size_t len, struct rl_error *err)
{
	size_t i;
	int depth = 0, in_string = 0, content = 0;
	char msg[64];

	for (i = 0; i < len; i++) {
		char c = data[i];

		if (c == '\0')
			return prescan_fail(data, i, "NUL byte in input", err);
		if (in_string) {
			if (c == '\\' && i + 1 < len && data[i + 1] != '\0')
				i++; /* the escaped byte cannot end the string */
			else if (c == '"')
				in_string = 0;
			continue;
		}
		switch (c) {
		case ' ': case '\t': case '\n': case '\r':
			continue;
		case '"':
			in_string = 1;
			break;
		case '[': case '{':
			if (++depth > RL_JSON_MAX_DEPTH) {
				snprintf(msg, sizeof(msg), "nested more than %d levels deep",
					 RL_JSON_MAX_DEPTH);
				return prescan_fail(data, i, msg, err);
			}
			break;
		case ']': case '}':
			if (depth > 0)
				depth--; /* a stray closer is jansson's to report */
			break;
		}
		content = 1;
	}
	if (!content)
		return malformed(err, 1, 1, 0, "empty input");
	return 0;
}

json_t *rl_json_parse(const char *data, size_t len, struct rl_error *err)
{
	json_error_t je;
	json_t *v;
	size_t pos;

	if (!data && len) {
		rl_error_internal(err, "rl_json_parse: no data");
		return NULL;
	}
	if (!data)
		data = "";
	if (prescan(data, len, err) < 0)
		return NULL;
	v = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (v)
		return v;
	/* jansson's position counts the bytes read, the offending one included. */
	pos = je.position > 0 ? (size_t)je.position - 1 : 0;
	malformed(err, je.line, je.column, pos, je.text);
	return NULL;
}

int rl_json_check_members(const json_t *obj, const char *const *allowed,
			  struct rl_error *err)
{
	json_t *o = (json_t *)obj; /* jansson's iterators are not const-correct */
	const char *key;
	json_t *value;
	size_t i;
	int ret = 0;

	if (!json_is_object(obj))
		return rl_error_set(err, RL_E_MALFORMED, "not-an-object",
				    "The request body must be a JSON object",
				    "expected a JSON object");
	json_object_foreach(o, key, value) {
		for (i = 0; allowed && allowed[i]; i++)
			if (!strcmp(key, allowed[i]))
				break;
		if (!allowed || !allowed[i])
			ret = rl_error_field(err, key, "is not a field of this resource");
	}
	return ret;
}

int rl_json_get_int(const json_t *obj, const char *name, int required,
		    long long min, long long max, long long *out, int *present,
		    struct rl_error *err)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, name) : NULL;
	long long iv;

	if (present)
		*present = 0;
	if (!v || json_is_null(v))
		return required ? rl_error_field(err, name, "is required") : 0;
	if (!json_is_integer(v))
		return rl_error_field(err, name, "must be an integer");
	iv = (long long)json_integer_value(v);
	if (iv < min || iv > max)
		return rl_error_field(err, name, "must be between %lld and %lld", min, max);
	*out = iv;
	if (present)
		*present = 1;
	return 0;
}

/*
 * Is there a control character other than tab and newline in s[0..len)?
 * s is valid UTF-8 (jansson checked it): C1 controls are C2 80..C2 9F.
 */
static int has_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			return 1;
		if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

/* Checks one string value; field names the member or item.  0 or -1. */
static int check_str(const json_t *v, const char *field, size_t max_len,
		     struct rl_error *err)
{
	if (!json_is_string(v))
		return rl_error_field(err, field, "must be a string");
	if (json_string_length(v) > max_len)
		return rl_error_field(err, field, "must be at most %zu bytes long", max_len);
	if (has_control(json_string_value(v), json_string_length(v)))
		return rl_error_field(err, field, "must not contain control characters");
	return 0;
}

int rl_json_get_str(const json_t *obj, const char *name, int required,
		    size_t max_len, const char **out, struct rl_error *err)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, name) : NULL;

	*out = NULL;
	if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return required ? rl_error_field(err, name, "is required") : 0;
	if (check_str(v, name, max_len, err) < 0)
		return -1;
	*out = json_string_value(v);
	return 0;
}

int rl_json_get_str_array(const json_t *obj, const char *name, size_t max_items,
			  size_t max_len, json_t **out_borrowed, struct rl_error *err)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, name) : NULL;
	json_t *item;
	char field[64];
	size_t i;
	int ret = 0;

	*out_borrowed = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return rl_error_field(err, name, "must be an array of strings");
	if (json_array_size(v) > max_items)
		return rl_error_field(err, name, "must have at most %zu items", max_items);
	json_array_foreach(v, i, item) {
		snprintf(field, sizeof(field), "%s[%zu]", name, i);
		if (json_is_string(item) && json_string_length(item) == 0)
			ret = rl_error_field(err, field, "must not be empty");
		else if (check_str(item, field, max_len, err) < 0)
			ret = -1;
	}
	if (ret == 0)
		*out_borrowed = v;
	return ret;
}
