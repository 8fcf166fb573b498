/* catalogue.h -- the EC2 instance catalogue: vCPUs, memory, ENIs and the
 * on-demand Linux price of each instance type in each supported region.
 * The built-in catalogue is models/instances.csv compiled into the binary
 * (models/catalogue_data.c); a scenario may name a CSV of the same shape
 * instead. Lookups are by exact type name; catalogues are small (tens to a
 * few hundred rows), so they scan. The provenance of the built-in numbers is
 * in models/instances.md. */
#ifndef ECSIM_CATALOGUE_H
#define ECSIM_CATALOGUE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/engine/err.h"

/* Regions with a price column, in column order: 0 us-east-1, 1 eu-west-1. */
#define CATALOGUE_N_REGIONS 2

#define CATALOGUE_NAME_SIZE 32 /* bytes for a type name, NUL included */

typedef struct instance_type {
    char name[CATALOGUE_NAME_SIZE];           /* e.g. "m5.large"; NUL-terminated */
    int vcpu;                                 /* vCPUs (1 vCPU = 1024 ECS CPU units) */
    int64_t memory_mib;                       /* EC2's advertised memory, MiB */
    int max_enis;                             /* network interfaces per instance */
    double usd_per_hour[CATALOGUE_N_REGIONS]; /* on-demand Linux, USD per hour */
} instance_type;

typedef struct catalogue catalogue; /* opaque */

/* Reads a CSV with the header
 *   type,vcpu,memory_mib,max_enis,usd_per_hour_us_east_1,usd_per_hour_eu_west_1
 * and one row per instance type (quoted fields, CRLF line ends, a missing
 * final newline, blank lines and a UTF-8 byte-order mark are all accepted).
 * Returns a catalogue the caller frees with catalogue_free, or NULL with e
 * set: ECS_EIO "<path>: cannot read: <reason>" when the file cannot be read,
 * ECS_EINPUT "<path>:<line>: ..." for a bad header, field count, value or a
 * type listed twice. */
catalogue *catalogue_load_file(const char *path, ecs_err *e);

/* The same for `len` bytes at `data`; `name` stands for the path in error
 * messages. The catalogue does not keep `data`. */
catalogue *catalogue_load_buffer(const char *name, const char *data, size_t len, ecs_err *e);

/* The built-in catalogue (models/instances.csv as compiled in). Fails only if
 * that file is malformed, which is a build bug reported like a user file's. */
catalogue *catalogue_load_default(ecs_err *e);

void catalogue_free(catalogue *c); /* NULL is a no-op */

/* The type named exactly `name`, or NULL. The pointer lives as long as c. */
const instance_type *catalogue_find(const catalogue *c, const char *name);

/* The catalogued name closest to a misspelt `name` ("did you mean"), or NULL
 * when none is close. The string lives as long as c. */
const char *catalogue_suggest(const catalogue *c, const char *name);

size_t catalogue_count(const catalogue *c);
const instance_type *catalogue_at(const catalogue *c, size_t i); /* i < count */

/* "us-east-1" -> 0, "eu-west-1" -> 1, anything else -> -1. */
int catalogue_region_index(const char *region);

/* The inverse; NULL for an index out of range. */
const char *catalogue_region_name(int index);

#endif
