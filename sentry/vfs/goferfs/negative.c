// SPDX-License-Identifier: Apache-2.0
/*
 * Names a directory is known not to have. Under the exclusive policy only
 * the sandbox adds names, and every addition goes through dir_changed,
 * which forgets the directory's set: a name the gofer said was absent
 * stays absent until then, and looking it up again (a program searching
 * its path, python probing for modules) needs no round trip.
 *
 * A small open-addressed set per directory, emptied when full. Guarded by
 * vfs_lock, under which the VFS calls lookup and the directory ops.
 */
#include <stdlib.h>
#include <string.h>

#include "goferfs_internal.h"

#define NEG_SLOTS 128 /* a power of two */
#define NEG_MAX (NEG_SLOTS * 3 / 4)

struct goferfs_negative {
	u32 n;
	char *slot[NEG_SLOTS];
};

static u32 name_hash(const char *name)
{
	u32 h = 2166136261u; /* FNV-1a */
	for (; *name; name++)
		h = (h ^ (u8)*name) * 16777619u;
	return h;
}

/* The slot holding name, or the empty one where it would go. */
static char **neg_slot(struct goferfs_negative *neg, const char *name)
{
	for (u32 i = name_hash(name);; i++) {
		char **s = &neg->slot[i & (NEG_SLOTS - 1)];
		if (!*s || !strcmp(*s, name))
			return s;
	}
}

bool goferfs_neg_has(struct inode *dir, const char *name)
{
	struct goferfs_negative *neg = GOFER_I(dir)->negative;
	return neg && *neg_slot(neg, name);
}

void goferfs_neg_add(struct inode *dir, const char *name)
{
	struct goferfs_negative **negp = &GOFER_I(dir)->negative;
	if (!*negp && !(*negp = calloc(1, sizeof(**negp))))
		return; /* only a cache */
	if ((*negp)->n >= NEG_MAX)
		goferfs_neg_forget(dir);
	struct goferfs_negative *neg = *negp;
	char **s = neg_slot(neg, name);
	if (*s || !(*s = strdup(name)))
		return;
	neg->n++;
}

void goferfs_neg_forget(struct inode *dir)
{
	struct goferfs_negative *neg = GOFER_I(dir)->negative;
	if (!neg)
		return;
	for (u32 i = 0; i < NEG_SLOTS; i++) {
		free(neg->slot[i]);
		neg->slot[i] = NULL;
	}
	neg->n = 0;
}

void goferfs_neg_free(struct inode *dir)
{
	goferfs_neg_forget(dir);
	free(GOFER_I(dir)->negative);
	GOFER_I(dir)->negative = NULL;
}
