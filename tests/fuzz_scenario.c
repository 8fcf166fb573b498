/* fuzz_scenario.c -- libFuzzer target for scenario loading (`make fuzz`).
 * Any byte string is a scenario file: loading, checking, building the
 * cluster and writing the effective scenario must either succeed or return
 * an input error with a message, and never crash, leak or read out of
 * bounds. The input reaches libfyaml through a memfd, by path, as a user's
 * file would. */
#include <gsl/gsl_errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/engine/param.h"
#include "sim/registry.h"
#include "sim/run.h"
#include "sim/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gsl_set_error_handler_off();
    int fd = memfd_create("scenario", 0);
    if (fd < 0) return 0;
    if (write(fd, data, size) != (ssize_t) size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ecs_err e;
    err_clear(&e);
    params *p = params_new(ecsim_registry());
    int rc = scenario_load(p, path, &e);
    if (rc == ECS_OK) rc = params_finish(p, &e);
    if (rc == ECS_OK) rc = run_validate(p, &e);
    if (rc == ECS_OK) {
        FILE *out = fopen("/dev/null", "w");
        params_write_yaml(p, out, "fuzz");
        fclose(out);
    } else if (e.msg[0] == '\0') {
        __builtin_trap(); /* an error must say what is wrong */
    }
    params_free(p);
    close(fd);
    return 0;
}
