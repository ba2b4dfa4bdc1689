/*
 * util.h - small checked helpers shared by the whole core: numbers, dates,
 * times, base64 and hex, random tokens.  Nothing here allocates except
 * where a function says so.
 */
#ifndef RASLOG_UTIL_H
#define RASLOG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Parses a whole decimal integer in [min,max]; 0 ok, -1 otherwise. */
int rl_parse_int(const char *s, long long min, long long max, long long *out);

/* Days since 1970-01-01 of a proleptic Gregorian date; -1 if not a real date. */
int rl_parse_date(const char *s, long *days_out);
/* Today's date (UTC) as days since the epoch. */
long rl_today(void);
/* Writes YYYY-MM-DD for days since the epoch into out[11]. */
void rl_format_date(long days, char out[11]);

/* Current time as RFC 3339 UTC with seconds, e.g. 2026-11-23T10:00:00Z (out[21]). */
void rl_now_rfc3339(char out[21]);
/* Parses an RFC 3339 UTC timestamp of that exact form; -1 if not. */
int rl_parse_rfc3339(const char *s, time_t *out);
void rl_format_rfc3339(time_t t, char out[21]);

/* Standard base64 (with padding) of len bytes; returns a malloc'd string. */
char *rl_base64_encode(const uint8_t *data, size_t len);
/* Decodes standard base64 into exactly want bytes; -1 if not exactly that. */
int rl_base64_decode_exact(const char *s, uint8_t *out, size_t want);
/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void rl_hex_encode(const uint8_t *data, size_t len, char *out);
int rl_hex_decode_exact(const char *s, uint8_t *out, size_t want);

/* Reads a whole file (up to limit bytes) into a malloc'd NUL-terminated buffer. */
char *rl_read_file(const char *path, size_t limit, size_t *len_out);
/* Writes a file atomically (temp file, fsync, rename) with the given mode. */
int rl_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);
/* The same without fsync: readers never see a half-written file, but a crash may keep the old one. */
int rl_write_file_replace(const char *path, const void *data, size_t len, unsigned mode);

#endif
