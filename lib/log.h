/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging for every runsk process. One line per event, to stderr or to the
 * file given by --debug-log. pr_debug is silent unless --debug.
 * Any message a guest can trigger must use the _ratelimited variants.
 */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include <stdbool.h>
#include "compiler.h"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Configure once at start-up, before threads exist. path NULL = stderr. */
int log_init(const char *path, bool debug) __must_check;
bool log_debug_enabled(void);
/* The fd log lines go to (for --strace, which shares the sink). */
int log_fd(void);

void log_msg(enum log_level lvl, const char *fmt, ...) __printf(2, 3);

#define pr_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)                                    \
	do {                                             \
		if (log_debug_enabled())                 \
			log_msg(LOG_DEBUG, __VA_ARGS__); \
	} while (0)

/* At most 10 messages per call site per second; guest-triggerable paths. */
bool log_ratelimit(u64 *stamp, u32 *count);
#define pr_warn_ratelimited(...)                             \
	do {                                                 \
		static u64 __rl_stamp;                       \
		static u32 __rl_count;                       \
		if (log_ratelimit(&__rl_stamp, &__rl_count)) \
			pr_warn(__VA_ARGS__);                \
	} while (0)

#endif
