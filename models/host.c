/* host.c -- building the container instances from host groups. */
#include "host.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

const param_def host_params[] = {
    {"cluster.region", PT_ENUM, "", 0, 0, "us-east-1", "us-east-1|eu-west-1", 0, NULL,
     "AWS region whose on-demand prices the cost uses."},
    {"cluster.catalogue", PT_STR, "path", 0, 0, "", NULL, 0, NULL,
     "A CSV of instance types (the shape of models/instances.csv) to use instead of the "
     "built-in catalogue; empty for the built-in one."},
    {"cluster.reserved_memory_mib", PT_INT, "MiB", 0, 1048576, "0", NULL, 0, NULL,
     "ECS_RESERVED_MEMORY: memory of each instance the ECS agent keeps out of what it "
     "registers (the agent's default is 0)."},
    {"cluster.os_memory_overhead_fraction", PT_REAL, "", 0, 0.5, "0.025", NULL, 0, NULL,
     "Fraction of an instance's memory the OS keeps, so the agent registers less than the "
     "type's nominal memory (modelling assumption: 0.025 reproduces ECS's m4.large example, "
     "8192 -> 7985 MiB; Karpenter measures 3-11% on newer types; see models/instances.md)."},
    {"host_groups.*.instance_type", PT_STR, "", 0, 0, NULL, NULL, PF_REQUIRED, NULL,
     "EC2 instance type of the group's hosts, from the catalogue (e.g. m5.large)."},
    {"host_groups.*.count", PT_INT, "hosts", 0, 10000, "1", NULL, 0, NULL, "Hosts in the group."},
    {"host_groups.*.zone", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "Availability zone of the group's hosts; empty means the region's first zone "
     "(<region>a)."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

/* What the agent registers: the memory the OS reports (nominal less the OS's
 * share) less ECS_RESERVED_MEMORY (container-instance memory management). */
static int64_t registered_mib(const instance_type *it, double os_fraction, int64_t reserved_mib)
{
    return it->memory_mib - (int64_t) ceil((double) it->memory_mib * os_fraction) - reserved_mib;
}

int hosts_build(const params *p, catalogue **cat_out, host **hosts_out, uint32_t *n_out, ecs_err *e)
{
    *cat_out = NULL;
    *hosts_out = NULL;
    *n_out = 0;
    const char *path = params_str(p, "cluster.catalogue");
    catalogue *cat = path[0] ? catalogue_load_file(path, e) : catalogue_load_default(e);
    if (!cat) return e->code;
    const char *region = params_str(p, "cluster.region");
    int region_i = catalogue_region_index(region);
    int64_t reserved_mib = params_int(p, "cluster.reserved_memory_mib");
    double os_fraction = params_real(p, "cluster.os_memory_overhead_fraction");

    size_t groups = params_count(p, "host_groups");
    uint32_t total = 0;
    for (size_t g = 0; g < groups; g++) {
        const char *name = params_object(p, "host_groups", g);
        const char *type = params_str(p, "host_groups.%s.instance_type", name);
        const instance_type *it = catalogue_find(cat, type);
        param_loc at = params_where(p, "host_groups.%s.instance_type", name);
        const char *where = at.file ? at.file : "scenario";
        if (!it) {
            const char *close = catalogue_suggest(cat, type);
            err_at(e, ECS_EINPUT, where, at.line, at.column,
                   "host_groups.%s.instance_type: unknown instance type \"%s\"%s%s%s", name, type,
                   close ? "; did you mean " : " (not in the catalogue)", close ? close : "",
                   close ? "?" : "");
            catalogue_free(cat);
            return ECS_EINPUT;
        }
        if (registered_mib(it, os_fraction, reserved_mib) <= 0) {
            param_loc rat = params_where(p, "cluster.reserved_memory_mib");
            err_at(e, ECS_EINPUT, rat.file ? rat.file : where, rat.line, rat.column,
                   "cluster.reserved_memory_mib: %lld MiB leaves no memory on %s (%lld MiB)",
                   (long long) reserved_mib, it->name, (long long) it->memory_mib);
            catalogue_free(cat);
            return ECS_EINPUT;
        }
        total += (uint32_t) params_int(p, "host_groups.%s.count", name);
    }

    host *hosts = xcalloc(total ? total : 1, sizeof *hosts);
    uint32_t n = 0;
    for (size_t g = 0; g < groups; g++) {
        const char *name = params_object(p, "host_groups", g);
        const instance_type *it =
            catalogue_find(cat, params_str(p, "host_groups.%s.instance_type", name));
        const char *zone = params_str(p, "host_groups.%s.zone", name);
        uint32_t count = (uint32_t) params_int(p, "host_groups.%s.count", name);
        for (uint32_t k = 0; k < count; k++) {
            host *h = &hosts[n];
            h->id = n;
            h->index_in_group = k + 1;
            h->group = name;
            if (zone[0])
                snprintf(h->zone, sizeof h->zone, "%s", zone);
            else
                snprintf(h->zone, sizeof h->zone, "%sa", region);
            h->type = it;
            h->state = HOST_ACTIVE;
            h->cpu_units = (int64_t) it->vcpu * 1024;
            h->memory_mib = registered_mib(it, os_fraction, reserved_mib);
            h->cpu_free_units = h->cpu_units;
            h->memory_free_mib = h->memory_mib;
            h->usd_per_hour = it->usd_per_hour[region_i];
            h->launched_s = 0;
            n++;
        }
    }
    *cat_out = cat;
    *hosts_out = hosts;
    *n_out = n;
    return ECS_OK;
}

void host_name(const host *h, char *buf, size_t len)
{
    snprintf(buf, len, "%s-%u", h->group, h->index_in_group);
}
