// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/<pid>/net (and /proc/net, a link to self/net): the socket tables
 * programs read to find listening ports and connections. The sandbox has
 * no network stack of its own yet, so the IP tables hold their header lines
 * only; unix lists the sandbox's unix(7) sockets (netstack/unix_proc.c).
 */
#include "netstack/socket.h"
#include "procfs_internal.h"

/* Linux pads the IPv4 headers (and rows) to fixed widths with spaces. */
static int show_padded(struct seq *s, const char *header, size_t width)
{
	seq_puts(s, header);
	seq_pad(s, 0, width, ' ');
	seq_putc(s, '\n');
	return 0;
}

static int show_tcp(struct seq *s, struct proc_inode *pi)
{
	return show_padded(s,
			   "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			   "retrnsmt   uid  timeout inode",
			   149);
}

static int show_udp(struct seq *s, struct proc_inode *pi)
{
	return show_padded(s,
			   "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			   "retrnsmt   uid  timeout inode ref pointer drops",
			   127);
}

/* Linux's IPv6 headers: each address column 38 wide. */
#define IPV6_ADDRS                                  \
	"local_address                         "    \
	"remote_address                        "    \
	"st tx_queue rx_queue tr tm->when retrnsmt" \
	"   uid  timeout inode"

static int show_tcp6(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "  sl  " IPV6_ADDRS "\n");
	return 0;
}

static int show_udp6(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "  sl  " IPV6_ADDRS " ref pointer drops\n");
	return 0;
}

static int show_unix(struct seq *s, struct proc_inode *pi)
{
	unix_show_proc(seq_puts, s);
	return 0;
}

#define NET_RO(n, f)                                         \
	{                                                    \
		.name = n, .mode = S_IFREG | 0444, .show = f \
	}

static const struct proc_entry net_entries[] = {
	NET_RO("tcp", show_tcp),   NET_RO("tcp6", show_tcp6), NET_RO("udp", show_udp),
	NET_RO("udp6", show_udp6), NET_RO("unix", show_unix),
};

const struct proc_entry proc_net_entry = {
	.mode = S_IFDIR | 0555,
	.children = net_entries,
	.nchildren = ARRAY_SIZE(net_entries),
};
