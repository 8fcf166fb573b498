/* catalogue.c -- reading the instance catalogue from CSV with libcsv, and
 * looking types up by name. Owns the parsed rows and the name list that
 * feeds "did you mean".
 *
 * Loading runs once per scenario, so it favours exact error messages over
 * speed. libcsv reports fields and record ends but not line numbers, so the
 * input is fed to it one physical line at a time: a record begins on the
 * first non-blank line fed while no record is open, and every message names
 * that line. Records are checked whole when libcsv reports their end. */
#include "catalogue.h"

#include <assert.h>
#include <csv.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/strdist.h"
#include "sim/engine/xmalloc.h"

/* models/instances.csv as compiled in by catalogue_data.c. */
extern const char catalogue_csv_start[], catalogue_csv_end[];

#define N_COLUMNS 6

static const char *const column_names[N_COLUMNS] = {
    "type", "vcpu", "memory_mib", "max_enis", "usd_per_hour_us_east_1", "usd_per_hour_eu_west_1",
};

/* Price columns start here and follow catalogue_region_index's order. */
#define FIRST_PRICE_COLUMN 4

static const char *const region_names[CATALOGUE_N_REGIONS] = {"us-east-1", "eu-west-1"};

struct catalogue {
    instance_type *types;
    size_t n;
    const char **names; /* names[i] == types[i].name, for strdist_closest */
};

/* Everything libcsv's callbacks need; lives on load_buffer's stack. */
typedef struct loader {
    const char *name; /* the path, for messages */
    ecs_err *e;
    int failed;   /* an error is recorded; callbacks then do nothing */
    int line;     /* physical line being fed, 1-based */
    int row_line; /* line where the open record began */
    int in_row;   /* a record has begun and libcsv has not ended it */
    int header_done;
    char **fields; /* the open record's fields, each owned */
    size_t n_fields, cap_fields;
    instance_type *types;
    int *lines; /* lines[i]: where types[i] was listed */
    size_t n, cap;
} loader;

static void fail(loader *ld, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(loader *ld, int line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* "path:line: " without a column: a CSV row is the unit users edit. */
    err_set(ld->e, ECS_EINPUT, "%s:%d: %s", ld->name, line, msg);
    ld->failed = 1;
}

static void clear_row(loader *ld)
{
    for (size_t i = 0; i < ld->n_fields; i++) free(ld->fields[i]);
    ld->n_fields = 0;
}

static void on_field(void *s, size_t len, void *data)
{
    loader *ld = data;
    if (ld->failed) return;
    if (ld->n_fields == ld->cap_fields) {
        ld->cap_fields = ld->cap_fields ? 2 * ld->cap_fields : 8;
        ld->fields = xrealloc(ld->fields, ld->cap_fields * sizeof *ld->fields);
    }
    char *f = xmalloc(len + 1);
    if (len) memcpy(f, s, len);
    f[len] = '\0';
    /* A NUL inside a field would silently cut the value short; make it a
     * visible character that no column accepts. */
    for (size_t i = 0; i < len; i++)
        if (f[i] == '\0') f[i] = '?';
    ld->fields[ld->n_fields++] = f;
}

/* Also called with no fields when the input holds no record at all. */
static void check_header(loader *ld)
{
    int ok = ld->n_fields == N_COLUMNS;
    for (size_t i = 0; ok && i < N_COLUMNS; i++) ok = strcmp(ld->fields[i], column_names[i]) == 0;
    if (ok) return;

    char want[160], got[400];
    size_t w = 0, g = 0;
    want[0] = got[0] = '\0';
    for (size_t i = 0; i < N_COLUMNS; i++)
        w += (size_t) snprintf(want + w, sizeof want - w, "%s%s", i ? "," : "", column_names[i]);
    /* snprintf stops at the buffer's end; a header that long is cut short. */
    for (size_t i = 0; i < ld->n_fields && g < sizeof got; i++)
        g += (size_t) snprintf(got + g, sizeof got - g, "%s%s", i ? "," : "", ld->fields[i]);
    fail(ld, ld->row_line ? ld->row_line : 1, "expected header %s; got \"%s\"", want, got);
}

/* A positive decimal integer of digits only (no sign, space or exponent),
 * at most max. Returns 0, or -1 for not such an integer, -2 for too big. */
static int parse_count(const char *s, long long max, long long *out)
{
    if (!s[0] || strspn(s, "0123456789") != strlen(s)) return -1;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE || v > max) return -2;
    if (v <= 0) return -1;
    *out = v;
    return 0;
}

/* A finite decimal number > 0. Hex floats, "inf" and "nan", which strtod
 * would take, are refused by the character set. ecsim never calls
 * setlocale, so the decimal point is '.'. */
static int parse_price(const char *s, double *out)
{
    if (!s[0] || strspn(s, "0123456789.eE+-") != strlen(s)) return -1;
    char *end;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v) || !(v > 0)) return -1;
    *out = v;
    return 0;
}

/* Letters, digits, '.' and '-' as in EC2 names ("c7i-flex.large",
 * "u-6tb1.metal"), short enough for instance_type.name. */
static int valid_type_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= CATALOGUE_NAME_SIZE) return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n;
}

static int check_count(loader *ld, size_t col, long long max, long long *out)
{
    const char *s = ld->fields[col];
    int rc = parse_count(s, max, out);
    if (rc == -1)
        fail(ld, ld->row_line, "column %s: expected an integer > 0, got \"%s\"", column_names[col],
             s);
    else if (rc == -2)
        fail(ld, ld->row_line, "column %s: expected an integer from 1 to %lld, got \"%s\"",
             column_names[col], max, s);
    return rc;
}

static void add_row(loader *ld)
{
    if (ld->n_fields != N_COLUMNS) {
        fail(ld, ld->row_line, "expected %d fields, got %zu", N_COLUMNS, ld->n_fields);
        return;
    }
    instance_type t;
    memset(&t, 0, sizeof t);
    const char *name = ld->fields[0];
    if (!valid_type_name(name)) {
        fail(ld, ld->row_line,
             "column type: expected a name of lowercase letters, digits, '.' and '-' "
             "(at most %d characters), got \"%s\"",
             CATALOGUE_NAME_SIZE - 1, name);
        return;
    }
    memcpy(t.name, name, strlen(name) + 1);

    long long vcpu, mem, enis;
    if (check_count(ld, 1, INT_MAX, &vcpu) || check_count(ld, 2, INT64_MAX, &mem) ||
        check_count(ld, 3, INT_MAX, &enis))
        return;
    t.vcpu = (int) vcpu;
    t.memory_mib = (int64_t) mem;
    t.max_enis = (int) enis;
    for (int r = 0; r < CATALOGUE_N_REGIONS; r++) {
        size_t col = FIRST_PRICE_COLUMN + (size_t) r;
        if (parse_price(ld->fields[col], &t.usd_per_hour[r])) {
            fail(ld, ld->row_line, "column %s: expected a number > 0, got \"%s\"",
                 column_names[col], ld->fields[col]);
            return;
        }
    }

    /* Quadratic, but a catalogue has at most a few hundred rows. */
    for (size_t i = 0; i < ld->n; i++) {
        if (strcmp(ld->types[i].name, t.name) == 0) {
            fail(ld, ld->row_line, "instance type %s listed twice (first on line %d)", t.name,
                 ld->lines[i]);
            return;
        }
    }
    if (ld->n == ld->cap) {
        ld->cap = ld->cap ? 2 * ld->cap : 32;
        ld->types = xrealloc(ld->types, ld->cap * sizeof *ld->types);
        ld->lines = xrealloc(ld->lines, ld->cap * sizeof *ld->lines);
    }
    ld->types[ld->n] = t;
    ld->lines[ld->n] = ld->row_line;
    ld->n++;
}

static void on_row_end(int terminator, void *data)
{
    (void) terminator;
    loader *ld = data;
    if (!ld->failed) {
        if (ld->header_done) {
            add_row(ld);
        } else {
            check_header(ld);
            ld->header_done = 1;
        }
    }
    clear_row(ld);
    ld->in_row = 0;
}

/* Index just past the line starting at pos: its "\n", "\r\n" or lone "\r"
 * (libcsv ends records at either), or len for a last line without one. */
static size_t line_end(const char *data, size_t len, size_t pos)
{
    while (pos < len && data[pos] != '\n' && data[pos] != '\r') pos++;
    if (pos < len && data[pos++] == '\r' && pos < len && data[pos] == '\n') pos++;
    return pos;
}

/* libcsv skips lines of nothing but spaces and tabs between records. */
static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return 0;
    return 1;
}

catalogue *catalogue_load_buffer(const char *name, const char *data, size_t len, ecs_err *e)
{
    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.name = name;
    ld.e = e;

    struct csv_parser p;
    /* Strict: a stray quote is an error, not data. APPEND_NULL ends every
     * field with a NUL; on_field still copies by length, to catch a NUL
     * inside a field. libcsv's buffer grows through xrealloc. */
    int rc = csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    assert(rc == 0); /* fails only for a NULL parser */
    (void) rc;
    csv_set_realloc_func(&p, xrealloc);
    csv_set_free_func(&p, free);

    /* Spreadsheets often start a UTF-8 CSV with a byte-order mark. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    size_t pos = 0;
    while (pos < len && !ld.failed) {
        size_t end = line_end(data, len, pos);
        ld.line++;
        if (!ld.in_row && !is_blank(data + pos, end - pos)) {
            ld.in_row = 1;
            ld.row_line = ld.line;
        }
        if (csv_parse(&p, data + pos, end - pos, on_field, on_row_end, &ld) != end - pos &&
            !ld.failed)
            fail(&ld, ld.line,
                 "malformed CSV: stray quote (quote a field that holds quotes, and double "
                 "each quote inside it)");
        pos = end;
    }
    if (!ld.failed && csv_fini(&p, on_field, on_row_end, &ld) != 0 && !ld.failed)
        fail(&ld, ld.row_line, "malformed CSV: quoted field not closed before the end of the file");
    if (!ld.failed && !ld.header_done) check_header(&ld);
    csv_free(&p);
    clear_row(&ld);
    free(ld.fields);

    if (!ld.failed && ld.n == 0) {
        err_set(e, ECS_EINPUT, "%s: no instance types after the header", name);
        ld.failed = 1;
    }
    free(ld.lines);
    if (ld.failed) {
        free(ld.types);
        return NULL;
    }

    catalogue *c = xmalloc(sizeof *c);
    c->types = ld.types;
    c->n = ld.n;
    c->names = xmalloc(ld.n * sizeof *c->names);
    for (size_t i = 0; i < ld.n; i++) c->names[i] = c->types[i].name;
    return c;
}

catalogue *catalogue_load_file(const char *path, ecs_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_set(e, ECS_EIO, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    size_t len = 0, cap = 4096;
    char *buf = xmalloc(cap);
    for (;;) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap) break;
        cap *= 2;
        buf = xrealloc(buf, cap);
    }
    int read_errno = ferror(f) ? errno : 0;
    fclose(f);
    if (read_errno) {
        err_set(e, ECS_EIO, "%s: cannot read: %s", path, strerror(read_errno));
        free(buf);
        return NULL;
    }
    catalogue *c = catalogue_load_buffer(path, buf, len, e);
    free(buf);
    return c;
}

catalogue *catalogue_load_default(ecs_err *e)
{
    /* The two symbols are distinct C objects, so subtracting the pointers
     * would be undefined; their addresses as integers are not. */
    size_t len = (size_t) ((uintptr_t) catalogue_csv_end - (uintptr_t) catalogue_csv_start);
    return catalogue_load_buffer("models/instances.csv (built in)", catalogue_csv_start, len, e);
}

void catalogue_free(catalogue *c)
{
    if (!c) return;
    free(c->names);
    free(c->types);
    free(c);
}

const instance_type *catalogue_find(const catalogue *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->types[i].name, name) == 0) return &c->types[i];
    return NULL;
}

const char *catalogue_suggest(const catalogue *c, const char *name)
{
    return strdist_closest(name, c->names, c->n);
}

size_t catalogue_count(const catalogue *c)
{
    return c->n;
}

const instance_type *catalogue_at(const catalogue *c, size_t i)
{
    assert(i < c->n);
    return &c->types[i];
}

int catalogue_region_index(const char *region)
{
    for (int i = 0; i < CATALOGUE_N_REGIONS; i++)
        if (strcmp(region, region_names[i]) == 0) return i;
    return -1;
}

const char *catalogue_region_name(int index)
{
    return index >= 0 && index < CATALOGUE_N_REGIONS ? region_names[index] : NULL;
}
