#ifndef TRAPKEEPER_PREFETCH_H
#define TRAPKEEPER_PREFETCH_H

/* A cache prefetch hint for the harvest's pipelined hash lookups (Swift has no intrinsic).
   A hint never faults, whatever the address. */
static inline void tk_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
