// CPrefetch is header-only (static inline functions in include/thaw_prefetch.h); this unit gives the target a source.
#include "thaw_prefetch.h"

int thaw_prefetch_target_marker = 0;
