/* param_int.h -- the value store's records, shared by param.c (the
 * registry, parsing, the store, reading) and param_yaml.c (writing the
 * effective scenario) and by no one else: everything outside goes through
 * param.h. */
#ifndef ECSIM_PARAM_INT_H
#define ECSIM_PARAM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>

#include "param.h"
#include "xmalloc.h"

#define PARAM_PATH_MAX  256 /* longest concrete path, with its NUL */
#define PARAM_QUOTE_MAX 64  /* longest quoted text in a message before "..." */

typedef union pvalue {
    int64_t i; /* PT_INT; -1 is "unlimited" with PF_UNLIMITED */
    double r;  /* PT_REAL, finite */
    bool b;    /* PT_BOOL */
    char *s;   /* PT_STR, PT_ENUM, PT_REF: owned */
} pvalue;

typedef struct pval {
    char *path; /* concrete, owned; the sort key */
    const param_def *def;
    size_t order; /* the def's index in registry order, for writing */
    param_loc at; /* file points into params' own copies */
    pvalue v;
    size_t seq; /* when the path was first set: objects inside objects keep file order */
} pval;

typedef struct pobj {
    char *collection, *name; /* owned */
    param_loc at;
} pobj;

struct params {
    const param_registry *reg;
    pval *vals; /* sorted by path */
    size_t nvals, capvals;
    pobj *objs; /* declaration order */
    size_t nobjs, capobjs;
    char **files; /* every location's file name, owned */
    size_t nfiles;
    size_t nseq; /* values ever stored (pval.seq) */
    bool finished;
};

/* Walking the registry in order. */
typedef struct param_reg_it {
    size_t table, row;
} param_reg_it;

/* The next def in registry order, or NULL; start with a zeroed param_reg_it. */
static inline const param_def *param_reg_next(const param_registry *r, param_reg_it *it)
{
    while (r->tables[it->table]) {
        const param_def *d = &r->tables[it->table][it->row];
        if (d->path) {
            it->row++;
            return d;
        }
        it->table++;
        it->row = 0;
    }
    return NULL;
}

/* A growing list of owned strings. */
typedef struct param_strv {
    char **v;
    size_t n, cap;
} param_strv;

static inline void param_strv_push(param_strv *sv, char *s)
{
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? 2 * sv->cap : 32;
        sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
    }
    sv->v[sv->n++] = s;
}

static inline void param_strv_free(param_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++) free(sv->v[i]);
    free(sv->v);
}

#endif
