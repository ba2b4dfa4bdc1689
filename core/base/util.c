/*
 * util.c - numbers, dates, times, encodings and files; see util.h.
 */
#include "base/prelude.h"

#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rl_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
	long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y += *m <= 2;
}

static int digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	return 0;
}

static int num(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int rl_parse_date(const char *s, long *days_out)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long y;
	unsigned m, d, max;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4) || digits(s + 5, 2) || digits(s + 8, 2))
		return -1;
	y = num(s, 4);
	m = (unsigned)num(s + 5, 2);
	d = (unsigned)num(s + 8, 2);
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return -1;
	max = mdays[m - 1] + (m == 2 && is_leap(y));
	if (d > max)
		return -1;
	*days_out = days_from_civil(y, m, d);
	return 0;
}

long rl_today(void)
{
	return (long)(time(NULL) / 86400);
}

void rl_format_date(long days, char out[11])
{
	char tmp[32];
	long y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(tmp, sizeof(tmp), "%04ld-%02u-%02u", y, m, d);
	memcpy(out, tmp, 10);
	out[10] = '\0';
}

void rl_format_rfc3339(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void rl_now_rfc3339(char out[21])
{
	rl_format_rfc3339(time(NULL), out);
}

int rl_parse_rfc3339(const char *s, time_t *out)
{
	long days;
	char date[11];
	int hh, mm, ss;

	if (!s || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[19] != 'Z' || digits(s + 11, 2) || digits(s + 14, 2) || digits(s + 17, 2))
		return -1;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (rl_parse_date(date, &days) < 0)
		return -1;
	hh = num(s + 11, 2);
	mm = num(s + 14, 2);
	ss = num(s + 17, 2);
	if (hh > 23 || mm > 59 || ss > 59)
		return -1;
	*out = (time_t)days * 86400 + hh * 3600 + mm * 60 + ss;
	return 0;
}

char *rl_base64_encode(const uint8_t *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *out = malloc(n);

	if (!out)
		return NULL;
	sodium_bin2base64(out, n, data, len, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

int rl_base64_decode_exact(const char *s, uint8_t *out, size_t want)
{
	size_t got = 0;
	const char *end = NULL;
	uint8_t tmp[256];

	if (!s || want > sizeof(tmp))
		return -1;
	if (sodium_base642bin(tmp, sizeof(tmp), s, strlen(s), NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || *end || got != want)
		return -1;
	memcpy(out, tmp, want);
	return 0;
}

void rl_hex_encode(const uint8_t *data, size_t len, char *out)
{
	sodium_bin2hex(out, 2 * len + 1, data, len);
}

int rl_hex_decode_exact(const char *s, uint8_t *out, size_t want)
{
	size_t got = 0;
	const char *end = NULL;

	if (!s || strlen(s) != 2 * want)
		return -1;
	if (sodium_hex2bin(out, want, s, strlen(s), NULL, &got, &end) != 0 || *end || got != want)
		return -1;
	return 0;
}

char *rl_read_file(const char *path, size_t limit, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL, *p;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > limit + 4097)
				cap = limit + 4097;
			p = realloc(data, cap);
			if (!p)
				goto fail;
			data = p;
		}
		n = fread(data + len, 1, cap - len - 1, f);
		len += n;
		if (len > limit)
			goto fail;
		if (n == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	if (!data && !(data = malloc(1)))
		return NULL;
	data[len] = '\0';
	if (len_out)
		*len_out = len;
	return data;
fail:
	free(data);
	fclose(f);
	return NULL;
}

static int write_file(const char *path, const void *data, size_t len, unsigned mode, int durable);

int rl_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	return write_file(path, data, len, mode, 1);
}

int rl_write_file_replace(const char *path, const void *data, size_t len, unsigned mode)
{
	return write_file(path, data, len, mode, 0);
}

static int write_file(const char *path, const void *data, size_t len, unsigned mode, int durable)
{
	char tmp[PATH_MAX];
	int fd;
	const char *p = data;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (fchmod(fd, mode) < 0)
		goto fail;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if ((durable && fsync(fd) < 0) || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}
