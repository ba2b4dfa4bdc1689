/*
 * banned.h - libc calls raslog does not use, made into compile errors.
 *
 * Each has a checked replacement: rl_buf_printf / snprintf for sprintf,
 * rl_parse_int for atoi/atol, gmtime_r for localtime/gmtime, strtok_r for
 * strtok, mkstemp/mkdtemp for mktemp/tmpnam/tempnam, strftime on a
 * gmtime_r result for ctime/asctime, rl_buf for strncat, randombytes_buf
 * (libsodium) for rand.  Included last by every .c file.
 */
#ifndef RASLOG_BANNED_H
#define RASLOG_BANNED_H

#define RL_BANNED(func) sorry_##func##_is_banned_in_raslog

#undef strcpy
#define strcpy(x, y) RL_BANNED(strcpy)
#undef strcat
#define strcat(x, y) RL_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) RL_BANNED(strncpy)
#undef sprintf
#define sprintf(...) RL_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) RL_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) RL_BANNED(strtok)
#undef atoi
#define atoi(x) RL_BANNED(atoi)
#undef atol
#define atol(x) RL_BANNED(atol)
#undef localtime
#define localtime(t) RL_BANNED(localtime)
#undef gmtime
#define gmtime(t) RL_BANNED(gmtime)
#undef gets
#define gets(x) RL_BANNED(gets)
#undef strncat
#define strncat(x, y, n) RL_BANNED(strncat)
#undef ctime
#define ctime(t) RL_BANNED(ctime)
#undef ctime_r
#define ctime_r(t, b) RL_BANNED(ctime_r)
#undef asctime
#define asctime(t) RL_BANNED(asctime)
#undef asctime_r
#define asctime_r(t, b) RL_BANNED(asctime_r)
#undef mktemp
#define mktemp(x) RL_BANNED(mktemp)
#undef tmpnam
#define tmpnam(x) RL_BANNED(tmpnam)
#undef tempnam
#define tempnam(x, y) RL_BANNED(tempnam)
#undef rand
#define rand() RL_BANNED(rand)
#undef srand
#define srand(x) RL_BANNED(srand)

#endif
