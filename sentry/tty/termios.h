/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest-visible terminal ABI (asm-generic/termbits.h, x86-64): the
 * kernel's struct termios of TCGETS (not glibc's, which is larger),
 * termios2, winsize, the c_cc indices and flag bits, and the ioctl
 * numbers. Our own definitions, as abi/linux/ keeps them, with the sizes
 * checked.
 */
#ifndef SENTRY_TTY_TERMIOS_H
#define SENTRY_TTY_TERMIOS_H

#include <stddef.h>

#include "abi/linux/abi.h"

#define LINUX_NCCS 19

struct linux_termios {
	u32 c_iflag, c_oflag, c_cflag, c_lflag;
	u8 c_line;
	u8 c_cc[LINUX_NCCS];
};
_Static_assert(sizeof(struct linux_termios) == LINUX_TERMIOS_SIZE, "struct termios size");
_Static_assert(offsetof(struct linux_termios, c_cc) == 17, "termios.c_cc offset");

/* TCGETS2: the same with the speeds as numbers. */
struct linux_termios2 {
	struct linux_termios t;
	u32 c_ispeed, c_ospeed;
};
_Static_assert(sizeof(struct linux_termios2) == 44, "struct termios2 size");

struct linux_winsize {
	u16 ws_row, ws_col, ws_xpixel, ws_ypixel;
};
_Static_assert(sizeof(struct linux_winsize) == LINUX_WINSIZE_SIZE, "struct winsize size");

/* c_cc indices */
#define LINUX_VINTR 0
#define LINUX_VQUIT 1
#define LINUX_VERASE 2
#define LINUX_VKILL 3
#define LINUX_VEOF 4
#define LINUX_VTIME 5
#define LINUX_VMIN 6
#define LINUX_VSWTC 7
#define LINUX_VSTART 8
#define LINUX_VSTOP 9
#define LINUX_VSUSP 10
#define LINUX_VEOL 11
#define LINUX_VREPRINT 12
#define LINUX_VDISCARD 13
#define LINUX_VWERASE 14
#define LINUX_VLNEXT 15
#define LINUX_VEOL2 16

/* c_iflag */
#define LINUX_IGNBRK 0000001u
#define LINUX_BRKINT 0000002u
#define LINUX_ISTRIP 0000040u
#define LINUX_INLCR 0000100u
#define LINUX_IGNCR 0000200u
#define LINUX_ICRNL 0000400u
#define LINUX_IUCLC 0001000u
#define LINUX_IXON 0002000u
#define LINUX_IXANY 0004000u
#define LINUX_IXOFF 0010000u
#define LINUX_IMAXBEL 0020000u
#define LINUX_IUTF8 0040000u

/* c_oflag */
#define LINUX_OPOST 0000001u
#define LINUX_OLCUC 0000002u
#define LINUX_ONLCR 0000004u
#define LINUX_OCRNL 0000010u
#define LINUX_ONOCR 0000020u
#define LINUX_ONLRET 0000040u
#define LINUX_TABDLY 0014000u
#define LINUX_XTABS 0014000u

/* c_cflag */
#define LINUX_CBAUD 0010017u
#define LINUX_B38400 0000017u
#define LINUX_CSIZE 0000060u
#define LINUX_CS8 0000060u
#define LINUX_CREAD 0000200u
#define LINUX_HUPCL 0002000u
#define LINUX_CLOCAL 0004000u

/* c_lflag */
#define LINUX_ISIG 0000001u
#define LINUX_ICANON 0000002u
#define LINUX_ECHO 0000010u
#define LINUX_ECHOE 0000020u
#define LINUX_ECHOK 0000040u
#define LINUX_ECHONL 0000100u
#define LINUX_NOFLSH 0000200u
#define LINUX_TOSTOP 0000400u
#define LINUX_ECHOCTL 0001000u
#define LINUX_ECHOPRT 0002000u
#define LINUX_ECHOKE 0004000u
#define LINUX_FLUSHO 0010000u
#define LINUX_PENDIN 0040000u
#define LINUX_IEXTEN 0100000u
#define LINUX_EXTPROC 0200000u

/* ioctls (asm-generic/ioctls.h) */
#define LINUX_TCGETS 0x5401u
#define LINUX_TCSETS 0x5402u
#define LINUX_TCSETSW 0x5403u
#define LINUX_TCSETSF 0x5404u
#define LINUX_TCSBRK 0x5409u
#define LINUX_TCXONC 0x540Au
#define LINUX_TCFLSH 0x540Bu
#define LINUX_TIOCEXCL 0x540Cu
#define LINUX_TIOCNXCL 0x540Du
#define LINUX_TIOCSCTTY 0x540Eu
#define LINUX_TIOCSTI 0x5412u
#define LINUX_TIOCGPGRP 0x540Fu
#define LINUX_TIOCSPGRP 0x5410u
#define LINUX_TIOCOUTQ 0x5411u
#define LINUX_TIOCGWINSZ 0x5413u
#define LINUX_TIOCSWINSZ 0x5414u
#define LINUX_FIONREAD 0x541Bu /* TIOCINQ */
#define LINUX_TIOCPKT 0x5420u
#define LINUX_TIOCNOTTY 0x5422u
#define LINUX_TIOCGETD 0x5424u
#define LINUX_TIOCSETD 0x5423u
#define LINUX_TCSBRKP 0x5425u
#define LINUX_TIOCGSID 0x5429u
#define LINUX_TCGETS2 0x802C542Au
#define LINUX_TCSETS2 0x402C542Bu
#define LINUX_TCSETSW2 0x402C542Cu
#define LINUX_TCSETSF2 0x402C542Du
#define LINUX_TIOCGPTN 0x80045430u
#define LINUX_TIOCSPTLCK 0x40045431u
#define LINUX_TIOCGPKT 0x80045438u
#define LINUX_TIOCGPTLCK 0x80045439u
#define LINUX_TIOCGEXCL 0x80045440u
#define LINUX_TIOCGPTPEER 0x5441u

/* TCFLSH and TCXONC arguments */
#define LINUX_TCIFLUSH 0
#define LINUX_TCOFLUSH 1
#define LINUX_TCIOFLUSH 2
#define LINUX_TCOOFF 0
#define LINUX_TCOON 1
#define LINUX_TCIOFF 2
#define LINUX_TCION 3

#endif
