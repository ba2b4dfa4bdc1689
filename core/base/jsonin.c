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
#include "base/prelude.h"

#include "base/jsonin.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"

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
	if (rl_json_int_value(v, name, min, max, &iv, err) < 0)
		return -1;
	*out = iv;
	if (present)
		*present = 1;
	return 0;
}

int rl_json_int_value(const json_t *v, const char *field, long long min, long long max,
		      long long *out, struct rl_error *err)
{
	json_int_t iv;

	if (!json_is_integer(v))
		return rl_error_field(err, field, "must be an integer");
	/* json_int_t is long long (jansson built with long long): no narrowing yet. */
	iv = json_integer_value(v);
	if (iv < min || iv > max)
		return rl_error_field(err, field, "must be between %lld and %lld", min, max);
	*out = iv;
	return 0;
}

int rl_json_check_date(const char *date, const char *field, unsigned flags, long *days,
		       struct rl_error *err)
{
	long d, lo;

	if (!date || rl_parse_date(date, &d) < 0)
		return rl_error_field(err, field, "'%s' is not a real calendar date in the form YYYY-MM-DD",
				      date ? date : "");
	rl_parse_date(RL_DATE_MIN, &lo);
	if (d < lo)
		return rl_error_field(err, field, "%s is before %s; raslog holds no records from before then",
				      date, RL_DATE_MIN);
	if ((flags & RL_DATE_NOT_FUTURE) && d > rl_today())
		return rl_error_field(err, field, "%s is in the future", date);
	if ((flags & RL_DATE_NOT_PAST) && d < rl_today())
		return rl_error_field(err, field, "%s is already past", date);
	if (days)
		*days = d;
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Modulus 11: weights 10..2 on the first nine digits; 11 - sum%11, 11 -> 0, 10 invalid. */
static int nhs_check_ok(const char d[10])
{
	int sum = 0, check, i;

	for (i = 0; i < 9; i++)
		sum += (d[i] - '0') * (10 - i);
	check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	return check != 10 && check == d[9] - '0';
}

/*
 * Reads ten digits at s, either together or grouped 3-3-4 with one
 * separator (' ' or '-') used in both places; *end is set past them.
 */
static int nhs_at(const char *s, char d[10], const char **end)
{
	int i, n = 0;
	char sep = 0;

	for (i = 0; n < 10; i++) {
		if (is_digit(s[i])) {
			d[n++] = s[i];
			continue;
		}
		if ((n == 3 || n == 6) && (s[i] == ' ' || s[i] == '-') && is_digit(s[i + 1])) {
			if (n == 3 && i == 3)
				sep = s[i];
			else if (!(n == 6 && sep && i == 7 && s[i] == sep))
				return 0;
			continue;
		}
		return 0;
	}
	if (sep && i != 12)
		return 0;
	*end = s + i;
	return 1;
}

int rl_text_has_nhs_number(const char *s)
{
	const char *p, *end;
	char d[10];

	if (!s)
		return 0;
	for (p = s; *p; p++) {
		if (!is_digit(*p))
			continue;
		/* Only at the start of a digit run, and ending where the run ends. */
		if (p > s && is_digit(p[-1]))
			continue;
		if (nhs_at(p, d, &end) && !is_digit(*end) && nhs_check_ok(d))
			return 1;
	}
	return 0;
}

int rl_json_check_free_text(const char *text, const char *field, struct rl_error *err)
{
	if (text && rl_text_has_nhs_number(text))
		return rl_error_field(err, field, "contains what looks like an NHS number; patient identifiers "
				      "must not be entered in raslog (remove it and describe the case without it)");
	return 0;
}

/*
 * Is there a control character other than tab and newline in s[0..len)?
 * s is valid UTF-8 (jansson checked it): C1 controls are C2 80..C2 9F.
 */
int rl_text_has_control(const char *s, size_t len)
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
	if (rl_text_has_control(json_string_value(v), json_string_length(v)))
		return rl_error_field(err, field, "must not contain control characters");
	return 0;
}

int rl_json_str_value(const json_t *v, const char *field, size_t max_len, const char **out,
		      struct rl_error *err)
{
	if (check_str(v, field, max_len, err) < 0)
		return -1;
	*out = json_string_value(v);
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

int rl_json_get_text(const json_t *obj, const char *name, int required,
		     size_t max_chars, const char **out, struct rl_error *err)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, name) : NULL;
	size_t chars = 0, len;
	const unsigned char *s;

	*out = NULL;
	if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return required ? rl_error_field(err, name, "is required") : 0;
	if (!json_is_string(v))
		return rl_error_field(err, name, "must be a string");
	/* jansson holds valid UTF-8: every byte but a continuation byte starts a code point. */
	s = (const unsigned char *)json_string_value(v);
	len = json_string_length(v);
	for (size_t i = 0; i < len; i++)
		chars += (s[i] & 0xc0) != 0x80;
	if (chars > max_chars)
		return rl_error_field(err, name, "must be at most %zu characters long (this is %zu)", max_chars, chars);
	if (rl_text_has_control((const char *)s, len))
		return rl_error_field(err, name, "must not contain control characters");
	*out = (const char *)s;
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
