/*
 * fuzz_router.c - the request router's path matcher.
 *
 * match() is static in server/router.c.  Rather than copy it (a copy could
 * drift) or export it (a behaviour change in a file this suite does not
 * own), the target includes server/router.c itself, so it fuzzes the very
 * function the server runs, and links the rest of the server (minus
 * main.c) for the route table and the functions router.c calls.
 *
 * For every route pattern in the real table, match() on the fuzzed path
 * must agree with an independent segment-by-segment matcher: the same
 * number of '/'-separated segments, literal segments equal, and an {id}
 * segment 1-19 decimal digits without a leading zero whose value fits in
 * int64 (then *param is that value).
 */
#include "../../server/router.c"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ref_match(const char *pattern, const char *path, int64_t *param)
{
	for (;;) {
		size_t pn = strcspn(pattern, "/"), n = strcspn(path, "/");

		if (pn == 4 && strncmp(pattern, "{id}", 4) == 0) {
			unsigned long long v = 0;
			if (n == 0 || n > 19 || path[0] == '0')
				return 0;
			for (size_t i = 0; i < n; i++) {
				if (path[i] < '0' || path[i] > '9')
					return 0;
				if (v > (unsigned long long)(INT64_MAX - (path[i] - '0')) / 10)
					return 0;
				v = v * 10 + (unsigned long long)(path[i] - '0');
			}
			*param = (int64_t)v;
		} else if (pn != n || strncmp(pattern, path, n) != 0) {
			return 0;
		}
		pattern += pn;
		path += n;
		if (!*pattern || !*path)
			return !*pattern && !*path;
		pattern++; /* both at '/' */
		path++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = malloc(size + 1);
	const struct route *r;

	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0'; /* paths are C strings: anything after a NUL is ignored */
	for (r = routes; r->method; r++) {
		int64_t p1 = -1, p2 = -1;
		int m1 = match(r->pattern, path, &p1), m2 = ref_match(r->pattern, path, &p2);

		if (m1 != m2 || (m1 && strstr(r->pattern, "{id}") && (p1 != p2 || p1 <= 0))) {
			fprintf(stderr, "router mismatch on %s: match=%d (%lld) reference=%d (%lld) for \"%s\"\n",
				r->pattern, m1, (long long)p1, m2, (long long)p2, path);
			abort();
		}
	}
	free(path);
	return 0;
}
