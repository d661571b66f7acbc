#ifndef TRAPKEEPER_SCAN_H
#define TRAPKEEPER_SCAN_H

/* Byte kernels for the dump parser's hot path: one call per line or field, sixteen bytes at a
   time where the CPU has SSE2 (every x86-64), a plain loop elsewhere. Swift has no portable
   vector compare-to-bitmask, and its byte loops cost five to eight instructions a byte here
   (measured with callgrind: ~2 900 instructions per dump line before these kernels).

   Every function reads only p[0..<n] and writes only out[0..<n]; no alignment is assumed. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* A cache prefetch hint for the harvest's pipelined hash lookups (Swift has no intrinsic).
   A hint never faults, whatever the address. */
static inline void tk_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/* Keeps memory a run frees for its own later use (glibc's <malloc.h>, which Swift's Glibc
   module does not export): blocks under 32 MiB come from the heap, and the heap is not trimmed.
   A run's tables grow by doubling; by default each outgrown block went back to the kernel and
   the next was faulted in and zeroed afresh. Elsewhere a no-op. */
#if defined(__GLIBC__)
#include <malloc.h>
static inline void tk_keep_freed_memory(void) {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
}
#else
static inline void tk_keep_freed_memory(void) {}
#endif

/* Stores the offsets of the '|' bytes of p[0..<n] in cuts[0..<max]. Returns how many there
   are, or max + 1 as soon as there are more than max. The bytes are compared sixteen at a
   time into a 64-bit mask per 64 bytes; a final partial block is read overlapping the one
   before (never past p + n) and its already-seen bytes shifted out. */
static inline __attribute__((always_inline)) long tk_find_bars(const uint8_t *p, long n, long *cuts, long max) {
    long count = 0;
#if defined(__SSE2__)
    if (n >= 16) {
        const __m128i bar = _mm_set1_epi8('|');
        for (long base = 0; base < n; base += 64) {
            uint64_t m = 0;
            for (int k = 0; k < 4; k++) {
                long off = base + 16 * k;
                if (off >= n) break;
                if (off + 16 <= n) {
                    __m128i v = _mm_loadu_si128((const __m128i *)(p + off));
                    m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bar)) << (16 * k);
                } else {
                    __m128i v = _mm_loadu_si128((const __m128i *)(p + n - 16));
                    unsigned t = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bar));
                    m |= (uint64_t)(t >> (off + 16 - n)) << (16 * k);
                    break;
                }
            }
            while (m != 0) {
                if (count == max) return max + 1;
                cuts[count++] = base + __builtin_ctzll(m);
                m &= m - 1;
            }
        }
        return count;
    }
#endif
    for (long i = 0; i < n; i++) {
        if (p[i] == '|') {
            if (count == max) return max + 1;
            cuts[count++] = i;
        }
    }
    return count;
}

/* Whether every byte of p[0..<n] is an ASCII digit or '|' (the timestamps at the end of a
   GREY or WHITE line, checked in one pass). */
static inline __attribute__((always_inline)) int tk_digits_or_bars(const uint8_t *p, long n) {
    long i = 0;
#if defined(__SSE2__)
    if (n >= 16) {
        const __m128i before0 = _mm_set1_epi8('0' - 1);
        const __m128i after9 = _mm_set1_epi8('9' + 1);
        const __m128i bar = _mm_set1_epi8('|');
        for (;;) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
            __m128i ok = _mm_or_si128(
                _mm_and_si128(_mm_cmpgt_epi8(v, before0), _mm_cmplt_epi8(v, after9)), _mm_cmpeq_epi8(v, bar));
            if (_mm_movemask_epi8(ok) != 0xFFFF) return 0;
            if (i + 16 == n) return 1;
            i = (i + 32 <= n) ? i + 16 : n - 16;
        }
    }
#endif
    for (; i < n; i++) {
        uint8_t b = p[i];
        if (!((b >= '0' && b <= '9') || b == '|')) return 0;
    }
    return 1;
}

/* The value of p[0..<n], all decimal digits, n <= 18 (checked by the caller). */
static inline int64_t tk_digits_value(const uint8_t *p, long n) {
    int64_t v = 0;
    for (long i = 0; i < n; i++) v = v * 10 + (p[i] - '0');
    return v;
}

/* Strict dotted quad: four decimal octets 0...255, no sign, no leading zero beyond a lone 0.
   Returns 1 and the address in *out, or 0. */
static inline __attribute__((always_inline)) int tk_parse_v4(const uint8_t *p, long n, uint32_t *out) {
    if (n < 7 || n > 15) return 0;
    long i = 0;
    uint32_t value = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || p[i] != '.') return 0;
            i++;
        }
        if (i >= n) return 0;
        uint32_t octet = (uint32_t)p[i] - '0';
        if (octet >= 10) return 0;
        i++;
        if (i < n && (uint32_t)p[i] - '0' < 10) {
            if (octet == 0) return 0; /* leading zero */
            octet = octet * 10 + ((uint32_t)p[i] - '0');
            i++;
            if (i < n && (uint32_t)p[i] - '0' < 10) {
                octet = octet * 10 + ((uint32_t)p[i] - '0');
                i++;
                if (octet > 255) return 0;
            }
        }
        value = value << 8 | octet;
    }
    if (i != n) return 0;
    *out = value;
    return 1;
}

/* glibc's inet_pton4 on p[0..<n] (the dotted quad at the end of an IPv6 address): four
   octets, no leading zeros. */
static inline int tk_pton4(const uint8_t *p, long n, uint8_t *dst) {
    uint8_t tmp[4] = {0, 0, 0, 0};
    int saw_digit = 0, octets = 0, t = 0;
    for (long i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch >= '0' && ch <= '9') {
            unsigned v = tmp[t] * 10u + (ch - '0');
            if (saw_digit && tmp[t] == 0) return 0;
            if (v > 255) return 0;
            tmp[t] = (uint8_t)v;
            if (!saw_digit) {
                if (++octets > 4) return 0;
                saw_digit = 1;
            }
        } else if (ch == '.' && saw_digit) {
            if (octets == 4) return 0;
            t++;
            tmp[t] = 0;
            saw_digit = 0;
        } else {
            return 0;
        }
    }
    if (octets < 4) return 0;
    memcpy(dst, tmp, 4);
    return 1;
}

/* Hex digit values, -1 for every other byte (one load per character of an IPv6 address). */
static const int8_t tk_hex_table[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,
    -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static inline int tk_hex_value(uint8_t ch) { return tk_hex_table[ch]; }

/* Textual IPv6 as glibc's inet_pton(AF_INET6) reads it (the same algorithm, on a byte range
   instead of a C string; a NUL byte is rejected). Returns 1 and the 16 bytes in dst, or 0. */
static inline int tk_parse_v6(const uint8_t *p, long n, uint8_t *dst) {
    uint8_t tmp[16];
    memset(tmp, 0, 16);
    long tp = 0, colonp = -1, i = 0, curtok;
    unsigned val = 0;
    int xdigits = 0;
    if (n == 0) return 0;
    if (p[0] == ':') {
        i = 1;
        if (i == n || p[i] != ':') return 0;
    }
    curtok = i;
    while (i < n) {
        uint8_t ch = p[i++];
        int digit = tk_hex_value(ch);
        if (digit >= 0) {
            if (xdigits == 4) return 0;
            val = (val << 4) | (unsigned)digit;
            xdigits++;
            continue;
        }
        if (ch == ':') {
            curtok = i;
            if (xdigits == 0) {
                if (colonp >= 0) return 0;
                colonp = tp;
                continue;
            } else if (i == n) {
                return 0;
            }
            if (tp + 2 > 16) return 0;
            tmp[tp++] = (uint8_t)(val >> 8);
            tmp[tp++] = (uint8_t)val;
            xdigits = 0;
            val = 0;
            continue;
        }
        if (ch == '.' && tp + 4 <= 16 && tk_pton4(p + curtok, n - curtok, tmp + tp)) {
            tp += 4;
            xdigits = 0;
            break;
        }
        return 0;
    }
    if (xdigits > 0) {
        if (tp + 2 > 16) return 0;
        tmp[tp++] = (uint8_t)(val >> 8);
        tmp[tp++] = (uint8_t)val;
    }
    if (colonp >= 0) {
        if (tp == 16) return 0; /* "::" would stand for no group */
        long moved = tp - colonp;
        memmove(tmp + 16 - moved, tmp + colonp, (size_t)moved);
        memset(tmp + colonp, 0, (size_t)(16 - moved - colonp));
        tp = 16;
    }
    if (tp != 16) return 0;
    memcpy(dst, tmp, 16);
    return 1;
}

/* Eight bytes with ASCII 'A'...'Z' turned lower case; every other byte (including bytes
   >= 0x80) unchanged. Each byte's top bit is handled apart so no carry crosses bytes. */
static inline uint64_t tk_lower8(uint64_t w) {
    const uint64_t ones = 0x0101010101010101ULL;
    uint64_t low7 = w & (0x7F * ones);
    uint64_t ge_a = low7 + (0x80 - 'A') * ones;     /* top bit set: low 7 bits >= 'A' */
    uint64_t gt_z = low7 + (0x7F - 'Z') * ones;     /* top bit set: low 7 bits > 'Z' */
    uint64_t upper = ge_a & ~gt_z & ~w & (0x80 * ones); /* and the byte itself < 0x80 */
    return w | (upper >> 2);
}

/* Copies p[0..<n] to out[0..<n] with ASCII upper case turned lower case (out may not overlap p
   except exactly, out == p). */
static inline void tk_lower(const uint8_t *p, long n, uint8_t *out) {
    long i = 0;
#if defined(__SSE2__)
    if (n >= 16) {
        const __m128i before_a = _mm_set1_epi8('A' - 1);
        const __m128i after_z = _mm_set1_epi8('Z' + 1);
        const __m128i bit = _mm_set1_epi8(0x20);
        for (;;) {
            /* Signed compares: bytes >= 0x80 are negative, so never in 'A'...'Z'. */
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
            __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, before_a), _mm_cmplt_epi8(v, after_z));
            _mm_storeu_si128((__m128i *)(out + i), _mm_or_si128(v, _mm_and_si128(upper, bit)));
            if (i + 16 == n) return;
            i = (i + 32 <= n) ? i + 16 : n - 16; /* the last block may overlap the one before */
        }
    }
#endif
    if (n >= 8) {
        for (;;) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            w = tk_lower8(w);
            memcpy(out + i, &w, 8);
            if (i + 8 == n) return;
            i = (i + 16 <= n) ? i + 8 : n - 8;
        }
    }
    for (; i < n; i++) {
        uint8_t b = p[i];
        out[i] = (b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b;
    }
}

#endif
