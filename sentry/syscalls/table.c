// SPDX-License-Identifier: Apache-2.0
/*
 * The dispatcher, --strace and the compatibility listing, all generated
 * from syscalls.def.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "sentry/kernel/seccomp.h"
#include "syscalls.h"

enum syscall_status { FULL, PARTIAL, NOSYS };
struct syscall_entry {
	const char *name;
	syscall_fn fn;
	enum syscall_status status;
	const char *fmt;
};

static const struct syscall_entry syscall_table[] = {
#define SYSCALL(nr, nm, handler, st, f) [nr] = {.name = #nm, .fn = handler, .status = st, .fmt = f},
#include "syscalls.def"
#undef SYSCALL
};

static u8 reported[ARRAY_SIZE(syscall_table)];

long sys_ni_syscall(struct task *t, const struct syscall_args *a)
{
	u64 nr = t->regs.orig_rax;
	if (nr < ARRAY_SIZE(syscall_table) &&
	    !__atomic_exchange_n(&reported[nr], 1, __ATOMIC_RELAXED))
		pr_debug("unimplemented syscall %s (%llu): ENOSYS",
			 syscall_table[nr].name ? syscall_table[nr].name : "?",
			 (unsigned long long)nr);
	return -ENOSYS;
}

static int fmt_arg(struct task *t, char *buf, size_t len, char kind, u64 v)
{
	switch (kind) {
	case 'd':
	case 'f':
		return snprintf(buf, len, "%lld", (long long)(s64)(int)v);
	case 'u':
		return snprintf(buf, len, "%llu", (unsigned long long)v);
	case 's': {
		char s[48];
		long n = mm_strncpy_from_user(t->mm, s, uaddr(v), sizeof(s));
		if (n >= 0)
			return snprintf(buf, len, "\"%s\"", s);
		if (n == -ENAMETOOLONG)
			return snprintf(buf, len, "\"%.*s\"...", (int)sizeof(s) - 1, s);
		return snprintf(buf, len, "%#llx", (unsigned long long)v);
	}
	case 'p':
		return v ? snprintf(buf, len, "%#llx", (unsigned long long)v)
			 : snprintf(buf, len, "NULL");
	default:
		return snprintf(buf, len, "%#llx", (unsigned long long)v);
	}
}

static void strace_line(struct task *t, u64 nr, const struct syscall_args *a, long ret)
{
	char line[512];
	const struct syscall_entry *e = nr < ARRAY_SIZE(syscall_table) ? &syscall_table[nr] : NULL;
	int n;

	if (e && e->name)
		n = snprintf(line, sizeof(line), "[%4d] %s(", t->tid, e->name);
	else
		n = snprintf(line, sizeof(line), "[%4d] syscall_%llu(", t->tid,
			     (unsigned long long)nr);
	const char *fmt = e && e->fmt ? e->fmt : "";
	for (int i = 0; fmt[i] && n < (int)sizeof(line) - 64; i++) {
		if (i)
			n += snprintf(line + n, sizeof(line) - n, ", ");
		n += fmt_arg(t, line + n, sizeof(line) - n, fmt[i], a->a[i]);
	}
	if (ret <= -ERESTARTSYS && ret >= -ERESTART_RESTARTBLOCK)
		snprintf(line + n, sizeof(line) - n, ") = ? (interrupted, restart code %ld)", -ret);
	else if (ret < 0 && ret > -4096)
		snprintf(line + n, sizeof(line) - n, ") = -1 %s (%s)", strerrorname_np(-ret),
			 strerror(-ret));
	else
		snprintf(line + n, sizeof(line) - n, ") = %#lx", ret);
	pr_info("%s", line);
}

void syscall_dispatch(struct task *t)
{
	u64 nr = t->regs.orig_rax;
	struct syscall_args a = {
		{t->regs.rdi, t->regs.rsi, t->regs.rdx, t->regs.r10, t->regs.r8, t->regs.r9}};
	long ret;

	u64 start = t->k->profile.on ? profile_now_ns() : 0;
	if (unlikely(seccomp_enabled(t)) && seccomp_syscall_denied(t, &a, &ret))
		; /* the filter answered; the call does not run */
	else if (nr < ARRAY_SIZE(syscall_table) && syscall_table[nr].fn)
		ret = syscall_table[nr].fn(t, &a);
	else
		ret = sys_ni_syscall(t, &a);
	if (start && nr < PROFILE_SYSCALLS) {
		profile_add(&t->k->profile.sys_count[nr], 1);
		profile_add(&t->k->profile.sys_ns[nr], profile_now_ns() - start);
	}
	/*
	 * Restart codes (>= 512) stay in rax for the task loop, whose
	 * signal_deliver turns them into a restart or EINTR before the guest
	 * runs again: the guest never sees them.
	 */
	if (t->k->strace)
		strace_line(t, nr, &a, ret);
	if (t->k->check_mm)
		mm_check(t->mm, syscall_name(nr));
	t->regs.rax = ret;
}

size_t syscall_table_size(void)
{
	return ARRAY_SIZE(syscall_table);
}

const char *syscall_name(u64 nr)
{
	return nr < ARRAY_SIZE(syscall_table) ? syscall_table[nr].name : NULL;
}

bool syscall_implemented(u64 nr)
{
	return nr < ARRAY_SIZE(syscall_table) && syscall_table[nr].fn &&
	       syscall_table[nr].fn != sys_ni_syscall;
}

const char *syscall_formats(u64 nr)
{
	return nr < ARRAY_SIZE(syscall_table) && syscall_table[nr].fmt ? syscall_table[nr].fmt : "";
}

void sentry_print_syscalls(void)
{
	static const char *const status[] = {"full", "partial", "enosys"};
	unsigned counts[3] = {0};
	for (size_t nr = 0; nr < ARRAY_SIZE(syscall_table); nr++) {
		const struct syscall_entry *e = &syscall_table[nr];
		if (!e->name)
			continue;
		printf("%3zu %-24s %s\n", nr, e->name, status[e->status]);
		counts[e->status]++;
	}
	printf("%u full, %u partial, %u not implemented (ENOSYS)\n", counts[0], counts[1],
	       counts[2]);
}
