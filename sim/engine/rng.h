/* rng.h -- named random streams for common random numbers.
 * Each stochastic source (arrivals, service demand, placement ties, ...) draws
 * from its own GSL generator, seeded from a hash of the run seed and the
 * stream's name. Adding a stream never shifts another, and two configurations
 * run with one seed see the same arrivals. The generator type is pinned
 * (gsl_rng_taus2: maximally equidistributed, period 2^88, and among GSL's
 * fastest) so tests can pin the first values of a stream. */
#ifndef ECSIM_RNG_H
#define ECSIM_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

typedef struct rng_set rng_set; /* owns every stream it hands out */

rng_set *rng_set_new(uint64_t run_seed); /* caller frees with rng_set_free */
void rng_set_free(rng_set *rs);

/* The stream with this name, created on first use. The pointer stays valid
 * until rng_set_free. Names are short ASCII words such as "arrivals:web". */
gsl_rng *rng_stream(rng_set *rs, const char *name);

/* The 64-bit seed a stream with this name gets under run_seed (exposed so
 * tests and replications can derive seeds the same way). */
uint64_t rng_stream_seed(uint64_t run_seed, const char *name);

/* Seed of replication `rep` (0-based) of a run seeded `run_seed`; rep 0 keeps
 * run_seed itself. */
uint64_t rng_replication_seed(uint64_t run_seed, unsigned rep);

#endif
