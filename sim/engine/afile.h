/* afile.h -- output files that appear whole or not at all.
 * An afile is written under a temporary name in its final directory
 * (".name.tmp.PID") and renamed into place by afile_commit, so a reader never
 * sees half a file and a failed run leaves the previous results untouched.
 * An afile_set groups the files of one run: they are committed together at
 * the end, or all removed. */
#ifndef ECSIM_AFILE_H
#define ECSIM_AFILE_H

#include <stdio.h>
#include "err.h"

typedef struct afile afile;

/* Opens dir/name for writing under its temporary name. Returns NULL and fills
 * e (ECS_EIO, naming the path and errno's text) on failure. */
afile *afile_open(const char *dir, const char *name, ecs_err *e);
FILE *afile_fp(afile *f);
const char *afile_path(const afile *f); /* the final path */
/* Flushes, closes and renames into place; frees f whatever happens. */
int afile_commit(afile *f, ecs_err *e);
/* Closes and removes the temporary file; frees f. NULL is a no-op. */
void afile_abort(afile *f);

typedef struct afile_set afile_set;

afile_set *afile_set_new(const char *dir); /* does not touch the disk */
void afile_set_free(afile_set *s);         /* aborts files not yet committed */
/* Creates the directory (and parents) if needed and opens dir/name in the set. */
FILE *afile_set_open(afile_set *s, const char *name, ecs_err *e);
/* Commits every file; on the first failure the rest are aborted. */
int afile_set_commit(afile_set *s, ecs_err *e);

/* mkdir -p; 0 or ECS_EIO with e filled. */
int afile_mkdirs(const char *dir, ecs_err *e);

#endif
