/*
 * banned.h - libc calls raslog does not use, made into compile errors.
 *
 * Each has a checked replacement: rl_buf_printf / snprintf for sprintf,
 * rl_parse_int for atoi/atol, gmtime_r for localtime/gmtime, strtok_r for
 * strtok.  Included last by every .c file through rl.h.
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

#endif
