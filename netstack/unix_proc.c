// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/net/unix (socket.h, unix_show_proc): every AF_UNIX socket of the
 * sandbox, not yet released, in Linux's format (net/unix/af_unix.c's
 * unix_seq_show). Tools (ss -x, netstat -x, lsof) read it to name the
 * peer of a socket fd; tests count its lines to see sockets go away.
 */
#include <stdio.h>
#include <string.h>

#include "unix_internal.h"

/* Linux's __SO_ACCEPTCON and enum socket_state (SS_*). */
#define SO_ACCEPTCON_FLAG (1 << 16)
#define SS_UNCONNECTED 1
#define SS_CONNECTING 2
#define SS_CONNECTED 3
#define SS_DISCONNECTING 4

static struct list_head unix_all = LIST_HEAD_INIT(unix_all);

void unix_list_add_locked(struct unix_sk *u)
{
	list_add_tail(&u->all_node, &unix_all);
}

static int unix_proc_state(const struct unix_sk *u)
{
	/* A datagram socket with a default peer counts as connected, as Linux's TCP_ESTABLISHED. */
	bool connected = u->state == UNIX_ESTABLISHED || (u->type == LINUX_SOCK_DGRAM && u->peer);
	if (u->sock)
		return connected ? SS_CONNECTED : SS_UNCONNECTED;
	/* An embryo (a connection not yet accepted) has no socket yet. */
	return connected ? SS_CONNECTING : SS_DISCONNECTING;
}

/* The name as Linux prints it: a path up to its NUL, an abstract name with '@' for NULs. */
static size_t unix_proc_name(const struct unix_addr *a, char *out, size_t room)
{
	const char *p = a->name.sun_path;
	size_t len = a->len > 2 ? (size_t)a->len - 2 : 0, n = 0;

	if (!len || room < len + 2)
		return 0;
	out[n++] = ' ';
	if (p[0]) {
		len = strnlen(p, len);
		memcpy(out + n, p, len);
		return n + len;
	}
	out[n++] = '@';
	for (size_t i = 1; i < len; i++)
		out[n++] = p[i] ? p[i] : '@';
	return n;
}

void unix_show_proc(void (*emit)(struct seq *, const char *), struct seq *s)
{
	char line[256];
	struct unix_sk *u;

	emit(s, "Num       RefCount Protocol Flags    Type St Inode Path\n");
	pthread_mutex_lock(&unix_lock);
	list_for_each_entry(u, &unix_all, all_node)
	{
		/* The kernel address column is what an unprivileged reader sees (%pK). */
		int n = snprintf(line, sizeof(line), "%016x: %08X %08X %08X %04X %02X %5llu", 0,
				 (unsigned)__atomic_load_n(&u->refs, __ATOMIC_RELAXED), 0,
				 u->state == UNIX_LISTEN ? SO_ACCEPTCON_FLAG : 0, u->type,
				 unix_proc_state(u),
				 (unsigned long long)(u->sock ? u->sock->ino : 0));
		if (n < 0 || n >= (int)sizeof(line))
			continue;
		if (u->addr)
			n += unix_proc_name(u->addr, line + n, sizeof(line) - n - 1);
		line[n++] = '\n';
		line[n] = 0;
		emit(s, line);
	}
	pthread_mutex_unlock(&unix_lock);
}
