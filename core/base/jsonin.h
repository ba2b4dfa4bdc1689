/*
 * jsonin.h - the one strict parser for JSON that comes from outside, and
 * the typed member readers every validator uses.
 *
 * rl_json_parse accepts exactly RFC 8259 JSON (any value at the top) and
 * refuses, as "malformed-json": empty or all-whitespace input, raw NUL
 * bytes, nesting deeper than RL_JSON_MAX_DEPTH arrays/objects, duplicate
 * member names, invalid UTF-8, the escape \u0000, lone surrogate escapes,
 * integers outside the signed 64-bit range, reals that overflow a double,
 * and anything after the value.  Nesting is checked by a pre-scan before
 * jansson sees the input, so jansson never recurses deeply.
 *
 * Things jansson lets through that callers should know: integers between
 * 2^53 and 2^63-1 parse as exact integers (rl_jcs_* refuses them later);
 * reals that underflow (1e-400) parse as 0.0; "1.0" and "1e2" are reals,
 * not integers; "-0" is the integer 0; U+007F and the C1 controls are
 * legal unescaped in JSON strings (rl_json_get_str refuses them).
 *
 * The member readers add one field error per problem through
 * rl_error_field (field "minutes", "steps[2]") and never stop at the
 * first problem, so a validator can call them all and then check
 * err->nfields or the -1 results.
 */
#ifndef RASLOG_JSONIN_H
#define RASLOG_JSONIN_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

/* Arrays/objects nested more deeply than this are refused. */
#define RL_JSON_MAX_DEPTH 32

/*
 * Parses exactly len bytes of data (no terminating NUL needed).  Returns a
 * new reference (json_decref it), or NULL with err set: status
 * RL_E_MALFORMED, type "malformed-json", a detail naming line, column and
 * byte, and err->extra = {"line":L,"column":C,"position":P}.  line and
 * column count from 1 (column in characters); position is the 0-based
 * byte offset at which the problem was detected.
 */
json_t *rl_json_parse(const char *data, size_t len, struct rl_error *err);

/*
 * Adds a field error "is not a field of this resource" for each member of
 * obj whose name is not in allowed (NULL-terminated).  Returns 0 if none,
 * -1 otherwise (or if obj is not an object: type "not-an-object").
 */
int rl_json_check_members(const json_t *obj, const char *const *allowed,
			  struct rl_error *err);

/*
 * Reads integer member name into *out.  Absent or null: *present = 0 and
 * 0 if !required, "is required" otherwise.  Reals, strings, booleans,
 * arrays and objects: "must be an integer"; outside [min,max]: "must be
 * between MIN and MAX".  *present = 1 and *out set only on success.
 * present may be NULL.
 */
int rl_json_get_int(const json_t *obj, const char *name, int required,
		    long long min, long long max, long long *out, int *present,
		    struct rl_error *err);

/*
 * The one checked integer reader every integer from outside goes through
 * (rl_json_get_int uses it): v must be a JSON integer (not a real, string,
 * boolean, null...) in [min,max], compared as the full 64-bit value before
 * the caller narrows it, so 4294967301 is refused by a range of 0..5 and is
 * never truncated to 5.  On a problem adds one field error naming field
 * (a path such as "statement.scores[2]") and returns -1; *out is set only
 * on success.
 */
int rl_json_int_value(const json_t *v, const char *field, long long min, long long max,
		      long long *out, struct rl_error *err);

/*
 * Checks a date YYYY-MM-DD from outside: a real calendar date, not before
 * RL_DATE_MIN (nothing on the platform predates it), and with
 * RL_DATE_NOT_FUTURE not after today (UTC), with RL_DATE_NOT_PAST not
 * before today.  Adds one field error naming field and returns -1, or 0
 * with *days (days since 1970-01-01; may be NULL).
 */
#define RL_DATE_MIN "2000-01-01"
#define RL_DATE_NOT_FUTURE 1u
#define RL_DATE_NOT_PAST 2u
int rl_json_check_date(const char *date, const char *field, unsigned flags, long *days,
		       struct rl_error *err);

/*
 * Free text from outside (session notes, rejection and revocation reasons)
 * must not hold a patient identifier: if text contains an NHS number (see
 * rl_text_has_nhs_number) adds a field error naming field and returns -1.
 * NULL text is fine.
 */
int rl_json_check_free_text(const char *text, const char *field, struct rl_error *err);

/*
 * 1 if s holds a valid NHS number: ten digits whose Modulus 11 check digit
 * is right, written together or grouped 3-3-4 with single spaces or dashes
 * ("943 476 5919", "943-476-5919"), and not part of a longer run of digits
 * (no digit right before or after it).  0 otherwise.  Erring on the side
 * of the patient, "2 943 476 5919" holds one.
 */
int rl_text_has_nhs_number(const char *s);

/*
 * Reads string member name into *out (borrowed from obj; valid while obj
 * lives).  Absent, null or "": *out = NULL and 0 if !required, "is
 * required" otherwise.  Refuses non-strings, strings longer than max_len
 * bytes, and control characters other than tab and newline (C0, DEL, C1).
 */
int rl_json_get_str(const json_t *obj, const char *name, int required,
		    size_t max_len, const char **out, struct rl_error *err);

/* 1 when s[0..len) holds a control character the string readers refuse (C0 but tab and newline, DEL, C1). */
int rl_text_has_control(const char *s, size_t len);

/*
 * The string reader for a value already in hand, named by field (a path
 * such as "statement.session.site"): v must be a string (an empty one
 * too) of at most max_len bytes without control characters other than
 * tab and newline.  On a problem adds one field error and returns -1;
 * *out is set only on success (borrowed from v).
 */
int rl_json_str_value(const json_t *v, const char *field, size_t max_len, const char **out,
		      struct rl_error *err);

/*
 * rl_json_get_str for text people type, whose limit is in characters:
 * refuses a string of more than max_chars Unicode code points ("must be at
 * most N characters long"), however many bytes they take in UTF-8.
 */
int rl_json_get_text(const json_t *obj, const char *name, int required,
		     size_t max_chars, const char **out, struct rl_error *err);

/*
 * Reads an optional array of non-empty strings (each at most max_len
 * bytes, no control characters but tab and newline, at most max_items of
 * them) into *out_borrowed, which is borrowed from obj.  Absent or null:
 * *out_borrowed = NULL and 0.  Item errors are named "name[i]".  On any
 * error *out_borrowed = NULL.
 */
int rl_json_get_str_array(const json_t *obj, const char *name, size_t max_items,
			  size_t max_len, json_t **out_borrowed, struct rl_error *err);

#endif
