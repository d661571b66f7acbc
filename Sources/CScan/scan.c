/* Everything lives in include/scan.h (static inline, compiled into the Swift code that calls
   it); this file only makes the target. */
#include "scan.h"
