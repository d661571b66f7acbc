/* Everything lives in include/prefetch.h (static inline); this file only makes the target. */
#include "prefetch.h"
