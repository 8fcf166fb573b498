/* afile.c -- output files written under a temporary name and renamed whole.
 * Owns each file's FILE stream and its two paths. rename(2) within one
 * directory is atomic, so a reader sees the old file or the new one, never
 * half of either. Files are not fsync'ed: the guarantee is against a failed
 * or killed run, not a power cut, and a sweep writes several files per run.
 *
 * An afile_set closes all its files before renaming any, so the usual
 * failures (a full disk shows up at flush or close) leave none of the run's
 * files replaced. */
#include "afile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xmalloc.h"

struct afile {
    FILE *fp;   /* NULL once closed */
    char *path; /* final path */
    char *tmp;  /* temporary path, in the same directory */
};

struct afile_set {
    char *dir;
    int created_dir; /* the set made dir: an aborted set removes it again */
    int committed;
    afile **files; /* open, not yet committed */
    size_t n, cap;
};

afile *afile_open(const char *dir, const char *name, ecs_err *e)
{
    char *path = dir && *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
    /* The dot goes before the file's own name, so a name with a directory
     * part still gets its temporary file beside the final one. */
    const char *slash = strrchr(path, '/');
    size_t head = slash ? (size_t) (slash - path) + 1 : 0;
    char *tmp = xasprintf("%.*s.%s.tmp.%ld", (int) head, path, path + head, (long) getpid());

    FILE *fp = fopen(tmp, "w");
    if (!fp) {
        err_set(e, ECS_EIO, "cannot write %s: %s", path, strerror(errno));
        free(tmp);
        free(path);
        return NULL;
    }
    afile *f = xmalloc(sizeof *f);
    f->fp = fp;
    f->path = path;
    f->tmp = tmp;
    return f;
}

FILE *afile_fp(afile *f)
{
    return f->fp;
}

const char *afile_path(const afile *f)
{
    return f->path;
}

static void destroy(afile *f)
{
    free(f->path);
    free(f->tmp);
    free(f);
}

/* Flushes and closes the stream, reporting any write error seen since open
 * (stdio keeps an earlier failure only in ferror, without an errno). On
 * failure the temporary file is removed. */
static int close_tmp(afile *f, ecs_err *e)
{
    int saved = 0;
    if (fflush(f->fp) != 0)
        saved = errno;
    else if (ferror(f->fp))
        saved = EIO;
    if (fclose(f->fp) != 0 && !saved) saved = errno;
    f->fp = NULL;
    if (!saved) return ECS_OK;
    unlink(f->tmp);
    return err_set(e, ECS_EIO, "cannot write %s: %s", f->path, strerror(saved));
}

static int rename_into_place(afile *f, ecs_err *e)
{
    if (rename(f->tmp, f->path) == 0) return ECS_OK;
    int saved = errno;
    unlink(f->tmp);
    return err_set(e, ECS_EIO, "cannot write %s: %s", f->path, strerror(saved));
}

int afile_commit(afile *f, ecs_err *e)
{
    int rc = close_tmp(f, e);
    if (rc == ECS_OK) rc = rename_into_place(f, e);
    destroy(f);
    return rc;
}

void afile_abort(afile *f)
{
    if (!f) return;
    if (f->fp) fclose(f->fp);
    unlink(f->tmp);
    destroy(f);
}

afile_set *afile_set_new(const char *dir)
{
    afile_set *s = xcalloc(1, sizeof *s);
    s->dir = xstrdup(dir);
    return s;
}

void afile_set_free(afile_set *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) afile_abort(s->files[i]);
    if (s->created_dir && !s->committed) rmdir(s->dir); /* fails harmlessly if not empty */
    free(s->files);
    free(s->dir);
    free(s);
}

FILE *afile_set_open(afile_set *s, const char *name, ecs_err *e)
{
    struct stat st;
    if (s->n == 0 && !s->created_dir && stat(s->dir, &st) != 0) s->created_dir = 1;
    if (afile_mkdirs(s->dir, e) != ECS_OK) return NULL;
    afile *f = afile_open(s->dir, name, e);
    if (!f) return NULL;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->files = xrealloc(s->files, s->cap * sizeof *s->files);
    }
    s->files[s->n++] = f;
    return f->fp;
}

int afile_set_commit(afile_set *s, ecs_err *e)
{
    int rc = ECS_OK;
    for (size_t i = 0; i < s->n && rc == ECS_OK; i++) rc = close_tmp(s->files[i], e);
    for (size_t i = 0; i < s->n; i++) {
        if (rc == ECS_OK) {
            rc = rename_into_place(s->files[i], e);
            destroy(s->files[i]);
        } else {
            afile_abort(s->files[i]);
        }
    }
    s->n = 0;
    if (rc == ECS_OK) s->committed = 1;
    return rc;
}

/* Names the directory asked for and, when it differs, the prefix that
 * failed: "cannot create directory out/run1: out: Not a directory". */
static int mkdir_error(ecs_err *e, const char *dir, const char *prefix, int errnum)
{
    if (strcmp(dir, prefix) == 0)
        return err_set(e, ECS_EIO, "cannot create directory %s: %s", dir, strerror(errnum));
    return err_set(e, ECS_EIO, "cannot create directory %s: %s: %s", dir, prefix, strerror(errnum));
}

int afile_mkdirs(const char *dir, ecs_err *e)
{
    char *p = xstrdup(dir);
    int rc = ECS_OK;
    size_t len = strlen(p);
    /* Create each prefix ending at a '/' and then the whole path; a prefix
     * that already exists (or appears meanwhile, from a parallel run) is fine
     * if it is a directory. */
    for (size_t i = 1; i <= len && rc == ECS_OK; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        char c = p[i];
        p[i] = '\0';
        struct stat st;
        int errnum = 0;
        if (stat(p, &st) != 0) {
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                errnum = errno;
            else if (stat(p, &st) != 0)
                errnum = errno;
        }
        if (!errnum && !S_ISDIR(st.st_mode)) errnum = ENOTDIR;
        if (errnum) rc = mkdir_error(e, dir, p, errnum);
        p[i] = c;
    }
    free(p);
    return rc;
}
