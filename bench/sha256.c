// SPDX-License-Identifier: Apache-2.0
/*
 * sha256 — a compute-bound kernel: SHA-256 (FIPS 180-4) over MIB MiB.
 *
 *   sha256 [MIB]    hash MIB MiB [256]
 *
 * One 1 MiB buffer, filled with a fixed pseudo-random pattern before the
 * clock starts, is hashed MIB times over as one message, so that the run
 * touches no new memory and makes no system call while timed: under runsk
 * this is guest code running without an exit, and any overhead comes from
 * the VM itself (timer interrupts, nested paging's TLB misses).  One MiB is
 * hashed untimed first.  Self-contained, no libcrypto, so that the same
 * instructions run everywhere.
 *
 * Prints "ns_per_op=<float>" (ns per MiB) and "sha256=<hex>", the digest of
 * the timed message (MIB copies of the buffer), which a test can check
 * against sha256sum(1).
 *
 * Exit status: 0 on success, 1 if the self-test fails, 2 usage error.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define MIB (1L << 20)

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t block[64];
	unsigned int fill; /* bytes in block */
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static inline uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, k;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) +
			      K[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

		k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->fill = 0;
}

static void sha256_update(struct sha256 *s, const uint8_t *p, size_t n)
{
	s->len += n;
	if (s->fill) {
		size_t take = 64 - s->fill < n ? 64 - s->fill : n;

		memcpy(s->block + s->fill, p, take);
		s->fill += take, p += take, n -= take;
		if (s->fill < 64)
			return;
		sha256_block(s->h, s->block);
		s->fill = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		sha256_block(s->h, p);
	memcpy(s->block, p, n);
	s->fill = n;
}

/* Pads, and writes the digest as 64 hex digits and a NUL into hex. */
static void sha256_final(struct sha256 *s, char hex[65])
{
	uint64_t bits = s->len * 8;
	uint8_t pad[72] = {0x80};
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = bits >> (56 - 8 * i);
	sha256_update(s, pad, padlen + 8);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", s->h[i]);
}

/* FIPS 180-4's two-block example: a wrong digest is worse than no time. */
static int self_test(void)
{
	static const char msg[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	struct sha256 s;
	char hex[65];

	sha256_init(&s);
	sha256_update(&s, (const uint8_t *)msg, strlen(msg));
	sha256_final(&s, hex);
	return strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static uint8_t buf[MIB];

int main(int argc, char **argv)
{
	long mib = bench_count_arg(argc, argv, 256);
	uint64_t x = 0x9e3779b97f4a7c15; /* xorshift64 state */
	struct sha256 s;
	char hex[65];
	double t0, t1;

	if (self_test()) {
		fprintf(stderr, "sha256: self-test failed\n");
		return 1;
	}
	for (long i = 0; i < MIB; i += 8) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	sha256_init(&s);
	sha256_update(&s, buf, MIB); /* warm-up: caches, TLB, the buffer's pages */

	sha256_init(&s);
	t0 = bench_now_ns();
	for (long i = 0; i < mib; i++)
		sha256_update(&s, buf, MIB);
	t1 = bench_now_ns();
	sha256_final(&s, hex);

	printf("ns_per_op=%.1f\nsha256=%s\n", (t1 - t0) / mib, hex);
	return 0;
}
