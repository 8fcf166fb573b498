/* table.h -- a CSV file read whole into memory, by column name: what
 * `ecsim plot` reads (timeseries.csv, summary.csv, aggregate.csv). The
 * first row names the columns. Files are a run's outputs, so they are read
 * whole; a malformed file is an input error naming the file and the row. */
#ifndef ECSIM_VIZ_TABLE_H
#define ECSIM_VIZ_TABLE_H

#include <stddef.h>

#include "sim/engine/err.h"

typedef struct table {
    char **head; /* column names */
    int n_cols;
    char **cell; /* n_rows * n_cols, row-major; "" for a missing field */
    size_t n_rows;
} table;

/* Reads path into t. ECS_EIO when it cannot be opened, ECS_EINPUT when it
 * is not CSV (unbalanced quotes) or has no header; e says which. */
int table_read(table *t, const char *path, ecs_err *e);
void table_free(table *t);

/* The index of a column, or -1. */
int table_col(const table *t, const char *name);
const char *table_str(const table *t, size_t row, int col);
/* The cell as a number; NAN when empty or not a number. */
double table_num(const table *t, size_t row, int col);

#endif
