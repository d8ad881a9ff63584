// SPDX-License-Identifier: Apache-2.0
/* linux.seccomp compiled with libseccomp (seccomp_profile.h). */
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "seccomp_profile.h"

struct sc_ctx {
	char *field; /* the field being parsed, for the caller's message */
	size_t fieldlen;
	char *msg;
	size_t msglen;
};

static int __printf(2, 3) bad(struct sc_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, c->msglen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Name the field being parsed, as spec.c's messages do. */
static void __printf(2, 3) at(struct sc_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->field, c->fieldlen, fmt, ap);
	va_end(ap);
}

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
	{"SCMP_CMP_NE", SCMP_CMP_NE},
	{"SCMP_CMP_LT", SCMP_CMP_LT},
	{"SCMP_CMP_LE", SCMP_CMP_LE},
	{"SCMP_CMP_EQ", SCMP_CMP_EQ},
	{"SCMP_CMP_GE", SCMP_CMP_GE},
	{"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* name (with errnoRet ret) as libseccomp's action value, as runc maps them. */
static int action_of(struct sc_ctx *c, json_t *name, json_t *ret, u32 *out)
{
	const char *s = json_string_value(name);
	u32 data = 1; /* EPERM: runc's default errnoRet */

	if (!s)
		return bad(c, "must be a string (SCMP_ACT_...)");
	if (ret) {
		if (!json_is_integer(ret) || json_integer_value(ret) < 0 ||
		    json_integer_value(ret) > 0xffff)
			return bad(c, "errnoRet must be an integer from 0 to 65535");
		data = json_integer_value(ret);
	}
	if (!strcmp(s, "SCMP_ACT_KILL") || !strcmp(s, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(s, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(s, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(s, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO(data);
	else if (!strcmp(s, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE(data);
	else if (!strcmp(s, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else if (!strcmp(s, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(s, "SCMP_ACT_NOTIFY"))
		return bad(c, "SCMP_ACT_NOTIFY: not supported (the Sentry has no seccomp user "
			      "notification)");
	else
		return bad(c, "unknown action %s", s);
	return 0;
}

static int u64_of(struct sc_ctx *c, json_t *v, const char *what, u64 *out)
{
	if (!v) {
		*out = 0;
		return 0;
	}
	/* jansson's integers are signed: a mask of ~0 arrives as -1, as Go would print it. */
	if (!json_is_integer(v))
		return bad(c, "%s must be an integer", what);
	*out = (u64)json_integer_value(v);
	return 0;
}

static int arg_of(struct sc_ctx *c, json_t *a, struct scmp_arg_cmp *out)
{
	json_t *index = json_object_get(a, "index");
	const char *op = json_string_value(json_object_get(a, "op"));

	if (!json_is_object(a))
		return bad(c, "must be an object {index, value, valueTwo, op}");
	if (!json_is_integer(index) || json_integer_value(index) < 0 ||
	    json_integer_value(index) > 5)
		return bad(c, "index must be an integer from 0 to 5");
	out->arg = json_integer_value(index);
	for (size_t i = 0; op && i < ARRAY_SIZE(ops); i++)
		if (!strcmp(op, ops[i].name)) {
			out->op = ops[i].op;
			return u64_of(c, json_object_get(a, "value"), "value", &out->datum_a) ||
					       u64_of(c, json_object_get(a, "valueTwo"), "valueTwo",
						      &out->datum_b)
				       ? -1
				       : 0;
		}
	return bad(c, "op must be one of SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, _MASKED_EQ");
}

/* Two conditions on one argument cannot AND in libseccomp: runc makes each a rule. */
static bool same_arg_twice(const struct scmp_arg_cmp *a, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			if (a[i].arg == a[j].arg)
				return true;
	return false;
}

static int add_rules(struct sc_ctx *c, scmp_filter_ctx f, u32 action, int nr, const char *name,
		     const struct scmp_arg_cmp *a, unsigned n)
{
	int r = 0;

	if (n > 1 && same_arg_twice(a, n)) {
		for (unsigned i = 0; i < n && !r; i++)
			r = seccomp_rule_add_array(f, action, nr, 1, &a[i]);
	} else {
		r = seccomp_rule_add_array(f, action, nr, n, a);
	}
	return r ? bad(c, "libseccomp refused a rule for %s: %s", name, strerror(-r)) : 0;
}

static int parse_syscall(struct sc_ctx *c, scmp_filter_ctx f, u32 def, json_t *e, size_t i)
{
	json_t *names = json_object_get(e, "names"), *args = json_object_get(e, "args"), *v;
	struct scmp_arg_cmp a[6];
	unsigned n = 0;
	u32 action;
	size_t j;

	at(c, "linux.seccomp.syscalls[%zu]", i);
	if (!json_is_object(e))
		return bad(c, "must be an object {names, action, ...}");
	if (!json_is_array(names) || !json_array_size(names))
		return bad(c, "names must be a non-empty array of strings");
	if (action_of(c, json_object_get(e, "action"), json_object_get(e, "errnoRet"), &action))
		return -1;
	if (args && (!json_is_array(args) || json_array_size(args) > 6))
		return bad(c, "args must be an array of at most 6 conditions");
	json_array_foreach(args, j, v)
	{
		at(c, "linux.seccomp.syscalls[%zu].args[%zu]", i, j);
		if (arg_of(c, v, &a[n++]))
			return -1;
	}
	at(c, "linux.seccomp.syscalls[%zu].names", i);
	json_array_foreach(names, j, v)
	{
		const char *name = json_string_value(v);
		if (!name)
			return bad(c, "must be strings");
		int nr = seccomp_syscall_resolve_name(name);
		/* runc skips what libseccomp does not know, and rules that repeat the default. */
		if (nr == __NR_SCMP_ERROR || action == def)
			continue;
		if (add_rules(c, f, action, nr, name, a, n))
			return -1;
	}
	return 0;
}

static int parse_arches(struct sc_ctx *c, scmp_filter_ctx f, json_t *arches)
{
	json_t *v;
	size_t i;

	json_array_foreach(arches, i, v)
	{
		const char *s = json_string_value(v);
		char name[32];
		size_t k = 0;

		at(c, "linux.seccomp.architectures[%zu]", i);
		if (!s || strncmp(s, "SCMP_ARCH_", 10) || strlen(s + 10) >= sizeof(name))
			return bad(c, "must be SCMP_ARCH_<arch>");
		for (const char *p = s + 10; *p; p++)
			name[k++] = tolower((unsigned char)*p);
		name[k] = 0;
		u32 arch = seccomp_arch_resolve_name(name);
		if (!arch)
			return bad(c, "unknown architecture %s", s);
		int r = seccomp_arch_add(f, arch);
		if (r && r != -EEXIST)
			return bad(c, "libseccomp refused %s: %s", s, strerror(-r));
	}
	return 0;
}

static int parse_flags(struct sc_ctx *c, json_t *flags, unsigned *out)
{
	json_t *v;
	size_t i;

	*out = 0;
	json_array_foreach(flags, i, v)
	{
		const char *s = json_string_value(v);
		at(c, "linux.seccomp.flags[%zu]", i);
		if (!s)
			return bad(c, "must be a string");
		if (!strcmp(s, "SECCOMP_FILTER_FLAG_TSYNC"))
			continue; /* each process gets the filter itself */
		if (!strcmp(s, "SECCOMP_FILTER_FLAG_LOG"))
			*out |= 2;
		else if (!strcmp(s, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			*out |= 4;
		else
			return bad(c, "unknown or unsupported flag %s", s);
	}
	return 0;
}

/* The program libseccomp made of f, read back through a memfd. */
static int export(struct sc_ctx *c, scmp_filter_ctx f, struct oci_seccomp *out)
{
	_cleanup_close_ int fd = memfd_create("runsk-seccomp", MFD_CLOEXEC);
	int r = fd < 0 ? -errno : seccomp_export_bpf(f, fd);
	off_t size = r ? 0 : lseek(fd, 0, SEEK_END);

	if (r || size <= 0 || size % 8 || size > 4096 * 8)
		return bad(c, "cannot compile the filter: %s",
			   r ? strerror(-r) : "libseccomp made a program the kernel would refuse");
	out->prog = malloc(size);
	if (!out->prog || pread(fd, out->prog, size, 0) != size) {
		free(out->prog);
		out->prog = NULL;
		return bad(c, "cannot read back the compiled filter");
	}
	out->len = size / 8;
	return 0;
}

int oci_seccomp_parse(json_t *v, struct oci_seccomp *out, char *field, size_t fieldlen, char *msg,
		      size_t msglen)
{
	struct sc_ctx c = {.field = field, .fieldlen = fieldlen, .msg = msg, .msglen = msglen};
	json_t *arches, *syscalls, *flags, *e;
	u32 def;
	size_t i;

	*out = (struct oci_seccomp){0};
	at(&c, "linux.seccomp");
	if (!json_is_object(v))
		return bad(&c, "must be an object {defaultAction, syscalls, ...}");
	arches = json_object_get(v, "architectures");
	syscalls = json_object_get(v, "syscalls");
	flags = json_object_get(v, "flags");
	if ((arches && !json_is_array(arches)) || (syscalls && !json_is_array(syscalls)) ||
	    (flags && !json_is_array(flags)))
		return bad(&c, "architectures, syscalls and flags must be arrays");
	const char *listener = json_string_value(json_object_get(v, "listenerPath"));
	if (listener && *listener)
		return bad(&c, "listenerPath: not supported (the Sentry has no seccomp user "
			       "notification)");
	at(&c, "linux.seccomp.defaultAction");
	if (action_of(&c, json_object_get(v, "defaultAction"),
		      json_object_get(v, "defaultErrnoRet"), &def) ||
	    parse_flags(&c, flags, &out->flags))
		return -1;
	scmp_filter_ctx f = seccomp_init(def);
	if (!f)
		return bad(&c, "libseccomp refused the default action");
	/*
	 * A binary tree over the syscall numbers rather than libseccomp's
	 * default list: the Sentry interprets the program, and a 300-rule
	 * profile costs ~80 ns per call this way against up to 2 µs (a
	 * kernel JIT makes the list cheap for runc; same verdicts either way).
	 */
	seccomp_attr_set(f, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	int ret = parse_arches(&c, f, arches);
	json_array_foreach(syscalls, i, e)
	{
		if (ret)
			break;
		ret = parse_syscall(&c, f, def, e, i);
	}
	if (!ret) {
		at(&c, "linux.seccomp");
		ret = export(&c, f, out);
	}
	seccomp_release(f);
	return ret;
}

void oci_seccomp_free(struct oci_seccomp *s)
{
	free(s->prog);
	*s = (struct oci_seccomp){0};
}
