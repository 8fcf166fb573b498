/* table.c -- reading a CSV file whole with libcsv (table.h). */
#include "viz/table.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

typedef struct reader {
    table *t;
    char **row; /* the row being read */
    int n, cap;
    size_t cells_cap;
    size_t rows; /* rows read, the header included */
} reader;

static void on_field(void *s, size_t len, void *ctx)
{
    reader *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->row = xrealloc(r->row, (size_t) r->cap * sizeof *r->row);
    }
    char *f = xmalloc(len + 1);
    if (len) memcpy(f, s, len);
    f[len] = 0;
    r->row[r->n++] = f;
}

static void on_row(int c, void *ctx)
{
    (void) c;
    reader *r = ctx;
    table *t = r->t;
    if (r->rows == 0) {
        t->head = r->row;
        t->n_cols = r->n;
        r->row = NULL;
        r->n = r->cap = 0;
    } else {
        size_t need = (t->n_rows + 1) * (size_t) t->n_cols;
        if (need > r->cells_cap) {
            r->cells_cap = need > 2 * r->cells_cap ? need : 2 * r->cells_cap;
            t->cell = xrealloc(t->cell, r->cells_cap * sizeof *t->cell);
        }
        char **dst = &t->cell[t->n_rows * (size_t) t->n_cols];
        for (int k = 0; k < t->n_cols; k++) dst[k] = k < r->n ? r->row[k] : xstrdup("");
        for (int k = t->n_cols; k < r->n; k++) free(r->row[k]); /* extra fields */
        r->n = 0;
        t->n_rows++;
    }
    r->rows++;
}

int table_read(table *t, const char *path, ecs_err *e)
{
    memset(t, 0, sizeof *t);
    FILE *fp = fopen(path, "rb");
    if (!fp) return err_set(e, ECS_EIO, "%s: %s", path, strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        fclose(fp);
        return err_set(e, ECS_EINTERNAL, "%s: csv_init failed", path);
    }
    reader r;
    memset(&r, 0, sizeof r);
    r.t = t;
    char buf[65536];
    size_t got;
    int bad = 0;
    while (!bad && (got = fread(buf, 1, sizeof buf, fp)) > 0)
        bad = csv_parse(&p, buf, got, on_field, on_row, &r) != got;
    if (!bad) bad = csv_fini(&p, on_field, on_row, &r) != 0;
    int rd_err = ferror(fp);
    csv_free(&p);
    fclose(fp);
    for (int k = 0; k < r.n; k++) free(r.row[k]);
    free(r.row);
    if (rd_err) {
        table_free(t);
        return err_set(e, ECS_EIO, "%s: read error", path);
    }
    if (bad) {
        size_t row = r.rows + 1;
        table_free(t);
        return err_set(e, ECS_EINPUT, "%s:%zu: not CSV (a quote is not closed?)", path, row);
    }
    if (t->n_cols == 0) {
        table_free(t);
        return err_set(e, ECS_EINPUT, "%s: empty (expected a header row of column names)", path);
    }
    return ECS_OK;
}

void table_free(table *t)
{
    for (int k = 0; k < t->n_cols; k++) free(t->head[k]);
    for (size_t i = 0; i < t->n_rows * (size_t) t->n_cols; i++) free(t->cell[i]);
    free(t->head);
    free(t->cell);
    memset(t, 0, sizeof *t);
}

int table_col(const table *t, const char *name)
{
    for (int k = 0; k < t->n_cols; k++)
        if (strcmp(t->head[k], name) == 0) return k;
    return -1;
}

const char *table_str(const table *t, size_t row, int col)
{
    if (col < 0 || col >= t->n_cols || row >= t->n_rows) return "";
    return t->cell[row * (size_t) t->n_cols + (size_t) col];
}

double table_num(const table *t, size_t row, int col)
{
    const char *s = table_str(t, row, col);
    if (!*s) return NAN;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    return *end || errno == EINVAL ? NAN : v;
}
