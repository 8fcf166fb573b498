/* rng.c -- named GSL streams, each seeded from (run seed, stream name).
 * Owns a small list of {name, gsl_rng} pairs. A model asks for its stream once
 * at set-up and keeps the pointer, so lookup is a linear scan: a run has a
 * dozen streams, not thousands, and no event pays for the search.
 *
 * Seeds come from FNV-1a over the name, mixed with the run seed through the
 * splitmix64 finaliser, so nearby names and nearby run seeds land far apart.
 * taus2 is seeded through a 32-bit LCG and reads only the low 32 bits of
 * gsl_rng_set's argument, so the 64-bit seed is folded to 32 bits (high xor
 * low) rather than truncated, keeping every bit of the hash in play. */
#include "rng.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct rng_stream {
    char *name;
    gsl_rng *r;
};

struct rng_set {
    uint64_t run_seed;
    struct rng_stream *streams;
    size_t n, cap;
};

/* The splitmix64 output function: a bijection with full avalanche. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char) *s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t rng_stream_seed(uint64_t run_seed, const char *name)
{
    return mix64(mix64(run_seed) ^ fnv1a64(name));
}

uint64_t rng_replication_seed(uint64_t run_seed, unsigned rep)
{
    if (rep == 0) return run_seed;
    /* Mixing the tagged replication number before it meets the run seed
     * makes neighbouring (seed, rep) pairs give unrelated seeds. */
    return mix64(run_seed ^ mix64(0x7265706c69636174ULL + rep));
}

/* taus2 maps seed 0 to its default seed 1, which would give two folded seeds
 * the same stream; send 0 to a fixed odd constant instead. */
static unsigned long fold32(uint64_t seed)
{
    uint32_t s = (uint32_t) (seed ^ (seed >> 32));
    return s ? s : 0x6a09e667UL;
}

rng_set *rng_set_new(uint64_t run_seed)
{
    rng_set *rs = xcalloc(1, sizeof *rs);
    rs->run_seed = run_seed;
    return rs;
}

void rng_set_free(rng_set *rs)
{
    if (!rs) return;
    for (size_t i = 0; i < rs->n; i++) {
        gsl_rng_free(rs->streams[i].r);
        free(rs->streams[i].name);
    }
    free(rs->streams);
    free(rs);
}

gsl_rng *rng_stream(rng_set *rs, const char *name)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->streams[i].name, name) == 0) return rs->streams[i].r;

    /* gsl_rng_alloc fails only when malloc does; treat it as xmalloc would. */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    if (!r) {
        fprintf(stderr, "ecsim: out of memory (random stream %s)\n", name);
        abort();
    }
    assert(gsl_rng_size(r) == sizeof(rng__taus) && "rng_uniform_pos reads taus2's state");
    gsl_rng_set(r, fold32(rng_stream_seed(rs->run_seed, name)));

    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 8;
        rs->streams = xrealloc(rs->streams, rs->cap * sizeof *rs->streams);
    }
    rs->streams[rs->n].name = xstrdup(name);
    rs->streams[rs->n].r = r;
    rs->n++;
    return r;
}
