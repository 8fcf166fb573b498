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

/* gsl_rng_uniform_pos(r), bit for bit: a uniform in (0, 1). Exponential
 * draws take one per request and one per arrival, and GSL's path is three
 * calls deep (two through function pointers), so for taus2, the only type
 * rng_stream hands out, the generator's step is done here, inline, on
 * GSL's state: three 32-bit words kept in unsigned longs, as GSL's taus.c
 * has them (rng_stream asserts the size; test_rng pins the values). Any
 * other type goes through GSL. */
typedef struct rng__taus {
    unsigned long s1, s2, s3;
} rng__taus;

static inline double rng_uniform_pos(gsl_rng *r)
{
    if (r->type != gsl_rng_taus2) return gsl_rng_uniform_pos(r);
    rng__taus *st = r->state;
    const unsigned long m = 0xffffffffUL;
    for (;;) {
        st->s1 = (((st->s1 & 4294967294UL) << 12) & m) ^ ((((st->s1 << 13) & m) ^ st->s1) >> 19);
        st->s2 = (((st->s2 & 4294967288UL) << 4) & m) ^ ((((st->s2 << 2) & m) ^ st->s2) >> 25);
        st->s3 = (((st->s3 & 4294967280UL) << 17) & m) ^ ((((st->s3 << 3) & m) ^ st->s3) >> 11);
        double x = (double) (st->s1 ^ st->s2 ^ st->s3) / 4294967296.0;
        if (x != 0) return x;
    }
}

/* Seed of replication `rep` (0-based) of a run seeded `run_seed`; rep 0 keeps
 * run_seed itself. */
uint64_t rng_replication_seed(uint64_t run_seed, unsigned rep);

#endif
