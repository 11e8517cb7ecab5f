/*
 * walbatch.c - a VFS shim that gives SQLite's WAL appends to the kernel in
 * a few large writes per commit instead of two per page.
 *
 * SQLite appends a commit to the WAL frame by frame, each frame with two
 * pwrite calls (its 24-byte header, then the page), and then syncs.  A
 * placement dirties a dozen pages, a group commit a few hundred, and on a
 * virtual machine every system call is dear: the writer spent more time in
 * pwrite than in SQLite.  This shim, used by the store only with
 * synchronous=FULL, keeps the appends of a WAL file handle in a buffer
 * while they are contiguous and writes the buffer in one call when SQLite
 * reads, syncs, truncates, asks the size of or closes the file, when an
 * append is not contiguous, or when the buffer passes 4 MiB; it goes out
 * in 64 KiB writes (16 frames each) because the unix VFS refuses longer ones.
 *
 * Why nothing can read a frame that is still in the buffer:
 *   - this handle flushes before any read, size or truncate of its own;
 *   - other connections and processes read only frames that the WAL index
 *     lists as committed, and SQLite updates the index only after the
 *     commit's sync, before which the buffer was written (with
 *     synchronous=FULL every commit syncs the WAL; that is why the shim is
 *     never used with NORMAL).
 * A crash loses the buffer, which holds only frames of a commit that was
 * not yet synced, so not yet acknowledged: exactly what a crash before the
 * sync loses without the shim.  A failed flush fails the sync, so the
 * commit fails.
 *
 * Every other file, and every other call, goes to the default VFS as is.
 */
#include "store/sqlite/internal.h"

#include <stdlib.h>

#define WB_MAX (4 << 20)   /* flush before the buffer would pass this */
#define WB_CHUNK 65536     /* the unix VFS writes at most 128 KiB - 1 per call
                              (a longer write reports SQLITE_FULL) */

typedef struct wb_file {
    sqlite3_file base;     /* pMethods: wb_methods */
    sqlite3_file *real;    /* the default VFS's file, stored right after us */
    bool batch;            /* a WAL file: appends are buffered */
    unsigned char *buf;
    size_t len, cap;
    sqlite3_int64 start;   /* file offset of buf[0] */
} wb_file_t;

static sqlite3_vfs *wb_real(const sqlite3_vfs *vfs)
{
    return (sqlite3_vfs *)vfs->pAppData;
}

/* Writes the buffer, in WB_CHUNK pieces, and empties it. */
static int wb_flush(wb_file_t *f)
{
    int rc = SQLITE_OK;
    for (size_t done = 0; done < f->len && rc == SQLITE_OK; done += WB_CHUNK) {
        size_t n = f->len - done < WB_CHUNK ? f->len - done : WB_CHUNK;
        rc = f->real->pMethods->xWrite(f->real, f->buf + done, (int)n,
                                       f->start + (sqlite3_int64)done);
    }
    f->len = 0;
    return rc;
}

/* ---- file methods ------------------------------------------------------------------ */

static int wb_close(sqlite3_file *file)
{
    wb_file_t *f = (wb_file_t *)file;
    int rc = wb_flush(f);
    int rc2 = f->real->pMethods->xClose(f->real);
    free(f->buf);
    f->buf = NULL;
    f->cap = 0;
    return rc != SQLITE_OK ? rc : rc2;
}

static int wb_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 off)
{
    wb_file_t *f = (wb_file_t *)file;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, out, amt, off);
}

/* Makes room for need bytes in the buffer; false when memory runs out. */
static bool wb_reserve(wb_file_t *f, size_t need)
{
    if (need <= f->cap)
        return true;
    size_t cap = f->cap ? f->cap : 65536;
    while (cap < need)
        cap *= 2;
    unsigned char *b = realloc(f->buf, cap);
    if (b == NULL)
        return false;
    f->buf = b;
    f->cap = cap;
    return true;
}

static int wb_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
    wb_file_t *f = (wb_file_t *)file;
    if (!f->batch || amt <= 0)
        return f->real->pMethods->xWrite(f->real, data, amt, off);
    size_t n = (size_t)amt;
    sqlite3_int64 end = f->start + (sqlite3_int64)f->len;
    if (f->len > 0 && off >= f->start && off + amt <= end) {
        memcpy(f->buf + (off - f->start), data, n);   /* rewrite of a buffered frame */
        return SQLITE_OK;
    }
    if (f->len > 0 && off == end && f->len + n <= WB_MAX && wb_reserve(f, f->len + n)) {
        memcpy(f->buf + f->len, data, n);              /* the next append */
        f->len += n;
        return SQLITE_OK;
    }
    int rc = wb_flush(f);                              /* anything else: in order */
    if (rc != SQLITE_OK)
        return rc;
    if (n > WB_CHUNK || !wb_reserve(f, n))
        return f->real->pMethods->xWrite(f->real, data, amt, off);
    memcpy(f->buf, data, n);
    f->start = off;
    f->len = n;
    return SQLITE_OK;
}

static int wb_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    wb_file_t *f = (wb_file_t *)file;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int wb_sync(sqlite3_file *file, int flags)
{
    wb_file_t *f = (wb_file_t *)file;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int wb_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    wb_file_t *f = (wb_file_t *)file;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int wb_lock(sqlite3_file *file, int lock)
{
    wb_file_t *f = (wb_file_t *)file;
    return f->real->pMethods->xLock(f->real, lock);
}

static int wb_unlock(sqlite3_file *file, int lock)
{
    wb_file_t *f = (wb_file_t *)file;
    return f->real->pMethods->xUnlock(f->real, lock);
}

static int wb_check_reserved(sqlite3_file *file, int *out)
{
    wb_file_t *f = (wb_file_t *)file;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int wb_file_control(sqlite3_file *file, int op, void *arg)
{
    wb_file_t *f = (wb_file_t *)file;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int wb_sector_size(sqlite3_file *file)
{
    wb_file_t *f = (wb_file_t *)file;
    return f->real->pMethods->xSectorSize(f->real);
}

static int wb_device_characteristics(sqlite3_file *file)
{
    wb_file_t *f = (wb_file_t *)file;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int wb_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **out)
{
    wb_file_t *f = (wb_file_t *)file;
    return f->real->pMethods->xShmMap(f->real, page, size, extend, out);
}

static int wb_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    wb_file_t *f = (wb_file_t *)file;
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void wb_shm_barrier(sqlite3_file *file)
{
    wb_file_t *f = (wb_file_t *)file;
    f->real->pMethods->xShmBarrier(f->real);
}

static int wb_shm_unmap(sqlite3_file *file, int delete_flag)
{
    wb_file_t *f = (wb_file_t *)file;
    return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

static int wb_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **out)
{
    wb_file_t *f = (wb_file_t *)file;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFetch(f->real, off, amt, out);
}

static int wb_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
    wb_file_t *f = (wb_file_t *)file;
    return f->real->pMethods->xUnfetch(f->real, off, p);
}

static const sqlite3_io_methods wb_methods = {
    .iVersion = 3,
    .xClose = wb_close,
    .xRead = wb_read,
    .xWrite = wb_write,
    .xTruncate = wb_truncate,
    .xSync = wb_sync,
    .xFileSize = wb_file_size,
    .xLock = wb_lock,
    .xUnlock = wb_unlock,
    .xCheckReservedLock = wb_check_reserved,
    .xFileControl = wb_file_control,
    .xSectorSize = wb_sector_size,
    .xDeviceCharacteristics = wb_device_characteristics,
    .xShmMap = wb_shm_map,
    .xShmLock = wb_shm_lock,
    .xShmBarrier = wb_shm_barrier,
    .xShmUnmap = wb_shm_unmap,
    .xFetch = wb_fetch,
    .xUnfetch = wb_unfetch,
};

/* ---- the VFS ---------------------------------------------------------------------------- */

static int wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                   int *out_flags)
{
    wb_file_t *f = (wb_file_t *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    int rc = wb_real(vfs)->xOpen(wb_real(vfs), name, f->real, flags, out_flags);
    /* SQLite calls xClose whenever pMethods is set, even after a failure. */
    f->base.pMethods = f->real->pMethods != NULL ? &wb_methods : NULL;
    f->batch = (flags & SQLITE_OPEN_WAL) != 0;
    return rc;
}

static int wb_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    return wb_real(vfs)->xDelete(wb_real(vfs), name, sync_dir);
}

static int wb_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    return wb_real(vfs)->xAccess(wb_real(vfs), name, flags, out);
}

static int wb_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    return wb_real(vfs)->xFullPathname(wb_real(vfs), name, n, out);
}

static int wb_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    return wb_real(vfs)->xRandomness(wb_real(vfs), n, out);
}

static int wb_sleep(sqlite3_vfs *vfs, int micros)
{
    return wb_real(vfs)->xSleep(wb_real(vfs), micros);
}

static int wb_current_time(sqlite3_vfs *vfs, double *out)
{
    return wb_real(vfs)->xCurrentTime(wb_real(vfs), out);
}

static int wb_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    return wb_real(vfs)->xGetLastError(wb_real(vfs), n, out);
}

static int wb_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    return wb_real(vfs)->xCurrentTimeInt64(wb_real(vfs), out);
}

static sqlite3_vfs wb_vfs;
static int wb_registered = SQLITE_ERROR;
static pthread_once_t wb_once = PTHREAD_ONCE_INIT;

static void wb_register(void)
{
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    if (real == NULL || real->iVersion < 2 || real->xCurrentTimeInt64 == NULL)
        return;
    int align = (int)sizeof(void *) * 2;
    wb_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)((sizeof(wb_file_t) + (size_t)align - 1) / (size_t)align *
                          (size_t)align) + real->szOsFile,
        .mxPathname = real->mxPathname,
        .zName = ORDERS__SQ_WALBATCH_VFS,
        .pAppData = real,
        .xOpen = wb_open,
        .xDelete = wb_delete,
        .xAccess = wb_access,
        .xFullPathname = wb_full_pathname,
        .xRandomness = wb_randomness,
        .xSleep = wb_sleep,
        .xCurrentTime = wb_current_time,
        .xGetLastError = wb_last_error,
        .xCurrentTimeInt64 = wb_current_time64,
    };
    wb_registered = sqlite3_vfs_register(&wb_vfs, 0);
}

const char *orders__sq_walbatch_vfs(void)
{
    pthread_once(&wb_once, wb_register);
    return wb_registered == SQLITE_OK ? ORDERS__SQ_WALBATCH_VFS : NULL;
}
