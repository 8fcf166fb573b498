/* testutil.c -- test helpers; see testutil.h. */
#include "testutil.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cli.h"
#include "sim/run.h"
#include <math.h>

char *tu_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = NULL;
    if (asprintf(&tmpl, "%s/ecsim-test.XXXXXX", base && *base ? base : "/tmp") < 0) abort();
    if (!mkdtemp(tmpl)) abort();
    return tmpl;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void) sb;
    (void) flag;
    (void) ftw;
    return remove(path);
}

void tu_rmtree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[len] = '\0';
    if (len_out) *len_out = len;
    return buf;
}

char *tu_write_file(const char *dir, const char *name, const char *text)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0) abort();
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fputs(text, f);
    fclose(f);
    return path;
}

int tu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int tu_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

tu_cli tu_run_cli(const char *const *args)
{
    int argc = 1;
    while (args[argc - 1]) argc++;
    char **argv = calloc((size_t) argc + 1, sizeof *argv);
    argv[0] = (char *) "ecsim";
    for (int i = 1; i < argc; i++) argv[i] = (char *) args[i - 1];
    tu_cli c = {0, NULL, NULL};
    size_t out_len = 0, err_len = 0;
    FILE *out = open_memstream(&c.out, &out_len);
    FILE *err = open_memstream(&c.err, &err_len);
    c.rc = cli_main(argc, argv, out, err);
    fclose(out);
    fclose(err);
    free(argv);
    return c;
}

void tu_cli_free(tu_cli *c)
{
    free(c->out);
    free(c->err);
    c->out = c->err = NULL;
}

int tu_long(void)
{
    const char *v = getenv("ECSIM_LONG");
    return v && *v && strcmp(v, "0") != 0;
}

char *tu_run_text(const char *yaml, const char *const *sets, int n_sets, unsigned long long seed,
                  struct run_result *res, char **err_msg)
{
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "scenario.yaml", yaml);
    run_opts o;
    memset(&o, 0, sizeof o);
    o.scenario = scen;
    o.out_dir = dir;
    o.sets = sets;
    o.n_sets = n_sets;
    o.seed_given = 1;
    o.seed = seed;
    o.until_s = INFINITY;
    o.quiet = 1;
    ecs_err e;
    err_clear(&e);
    char *summary = NULL;
    if (run_scenario(&o, stdout, res, &e) == ECS_OK) {
        char *path = NULL;
        if (asprintf(&path, "%s/summary.csv", dir) < 0) abort();
        summary = tu_read_file(path, NULL);
        free(path);
    } else if (err_msg) {
        *err_msg = strdup(e.msg);
    }
    tu_rmtree(dir);
    free(scen);
    free(dir);
    return summary;
}

double tu_column(const char *summary, const char *name)
{
    const char *h = summary, *v = strchr(summary, '\n');
    if (!v) return NAN;
    v++;
    size_t len = strlen(name);
    while (*h && *h != '\n') {
        size_t hl = strcspn(h, ",\n");
        if (hl == len && strncmp(h, name, len) == 0) {
            if (strncmp(v, "true", 4) == 0) return 1;
            if (strncmp(v, "false", 5) == 0) return 0;
            if (*v == ',' || *v == '\n') return NAN;
            return strtod(v, NULL);
        }
        h += hl + (h[hl] == ',');
        v += strcspn(v, ",\n") + 1;
    }
    return NAN;
}
