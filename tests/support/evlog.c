/* evlog.c -- see evlog.h. */
#include "evlog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

/* One line of events.csv: time, kind, object, detail (only the detail may
 * be quoted). */
static int parse_event(const char *line, evlog_event *e)
{
    const char *p = line;
    char *end;
    e->t_s = strtod(p, &end);
    if (end == p || *end != ',') return -1;
    p = end + 1;
    size_t k = strcspn(p, ",");
    snprintf(e->kind, sizeof e->kind, "%.*s", (int) k, p);
    p += k + (p[k] == ',');
    k = strcspn(p, ",");
    snprintf(e->object, sizeof e->object, "%.*s", (int) k, p);
    p += k + (p[k] == ',');
    size_t o = 0;
    int quoted = *p == '"';
    if (quoted) p++;
    while (*p && (quoted || *p != '\n') && o + 1 < sizeof e->detail) {
        if (quoted && p[0] == '"' && p[1] == '"') {
            e->detail[o++] = '"';
            p += 2;
            continue;
        }
        if (quoted && *p == '"') break;
        e->detail[o++] = *p++;
    }
    e->detail[o] = '\0';
    return 0;
}

/* The start of the next record after a line that may hold a quoted field
 * with newlines. */
static const char *next_record(const char *s)
{
    int quoted = 0;
    for (; *s; s++) {
        if (*s == '"') quoted = !quoted;
        if (*s == '\n' && !quoted) return s + 1;
    }
    return s;
}

evlog evlog_run(const char *yaml, const char *const *args)
{
    evlog r;
    memset(&r, 0, sizeof r);
    char *dir = tu_mkdtemp();
    char *scen = tu_write_file(dir, "s.yaml", yaml);
    char *out = NULL, *path = NULL;
    if (asprintf(&out, "%s/out", dir) < 0) abort();
    const char *argv[64] = {"run", scen, "-o", out, "-q", "--check"};
    int n = 6;
    for (int i = 0; args && args[i] && n < 63; i++) argv[n++] = args[i];
    argv[n] = NULL;
    tu_cli c = tu_run_cli(argv);
    r.rc = c.rc;
    r.err = c.err;
    c.err = NULL;
    tu_cli_free(&c);
    struct stat st;
    r.out_exists = stat(out, &st) == 0;
    if (asprintf(&path, "%s/events.csv", out) < 0) abort();
    char *text = tu_read_file(path, NULL);
    free(path);
    if (text) {
        size_t cap = 256;
        r.ev = calloc(cap, sizeof *r.ev);
        for (const char *line = next_record(text); *line; line = next_record(line)) {
            if (r.n == cap) r.ev = realloc(r.ev, (cap *= 2) * sizeof *r.ev);
            if (parse_event(line, &r.ev[r.n]) == 0) r.n++;
        }
        free(text);
    }
    if (asprintf(&path, "%s/summary.csv", out) < 0) abort();
    r.summary = tu_read_file(path, NULL);
    free(path);
    if (asprintf(&path, "%s/timeseries.csv", out) < 0) abort();
    r.timeseries = tu_read_file(path, NULL);
    free(path);
    tu_rmtree(dir);
    free(dir);
    free(scen);
    free(out);
    return r;
}

void evlog_free(evlog *r)
{
    free(r->err);
    free(r->ev);
    free(r->summary);
    free(r->timeseries);
    memset(r, 0, sizeof *r);
}

static int match(const evlog_event *e, const char *kind, const char *object, const char *has)
{
    return strcmp(e->kind, kind) == 0 && (!object || strcmp(e->object, object) == 0) &&
           (!has || strstr(e->detail, has));
}

size_t evlog_count(const evlog *r, const char *kind, const char *object, const char *has)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) n += match(&r->ev[i], kind, object, has);
    return n;
}

const evlog_event *evlog_nth(const evlog *r, size_t k, const char *kind, const char *object,
                             const char *has)
{
    for (size_t i = 0; i < r->n; i++)
        if (match(&r->ev[i], kind, object, has) && k-- == 0) return &r->ev[i];
    return NULL;
}

const evlog_event *evlog_first(const evlog *r, const char *kind, const char *object,
                               const char *has)
{
    return evlog_nth(r, 0, kind, object, has);
}

double evlog_series(const evlog *r, double t_s, const char *service, const char *column)
{
    if (!r->timeseries) return NAN;
    const char *h = r->timeseries;
    int col = -1, k = 0;
    size_t len = strlen(column);
    for (const char *s = h; *s && *s != '\n'; k++) {
        size_t l = strcspn(s, ",\n");
        if (l == len && strncmp(s, column, len) == 0) col = k;
        s += l + (s[l] == ',');
    }
    if (col < 0) return NAN;
    for (const char *line = strchr(h, '\n'); line && line[1]; line = strchr(line, '\n')) {
        line++;
        char *end;
        double t = strtod(line, &end);
        if (fabs(t - t_s) > 1e-6) continue;
        const char *svc = end + 1;
        size_t sl = strcspn(svc, ",");
        if (strlen(service) != sl || strncmp(svc, service, sl) != 0) continue;
        const char *s = line;
        for (int i = 0; i < col; i++) s += strcspn(s, ",\n") + 1;
        if (*s == ',' || *s == '\n' || !*s) return NAN;
        return strtod(s, NULL);
    }
    return NAN;
}

int evlog_bad_input(const evlog *r, const char *path, const char *what)
{
    const char *err = r->err ? r->err : "";
    const char *at = strstr(err, "s.yaml:");
    int line = 0, col = 0;
    int ok = r->rc == 2 && strstr(err, path) && strstr(err, what) && at &&
             sscanf(at, "s.yaml:%d:%d:", &line, &col) == 2 && line > 0 && col > 0 && !r->out_exists;
    if (!ok)
        fprintf(stderr, "expected s.yaml:L:C: %s / %s and no output, got rc %d (output %s): %s",
                path, what, r->rc, r->out_exists ? "written" : "none", err);
    return ok;
}
