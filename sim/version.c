/* version.c -- the one file that sees the generated commit id, so a new
 * commit rebuilds only this. */
#include "sim/version.h"

#include "ecsim_commit.h"

const char *ecsim_commit(void)
{
    return ECSIM_COMMIT;
}
