/*
 * backend_sqlite.c - conformance hooks for the SQLite store.
 *
 * conformance_open makes a fresh temporary directory (mkdtemp under $TMPDIR,
 * else /tmp) and opens a new database file in it with the default options
 * (synchronous=FULL).  conformance_close closes the handle and, for a handle
 * from conformance_open, removes the file, its -wal and -shm companions and
 * the directory.  conformance_reopen opens a second, independent handle on
 * the same file (its own connection pool); closing it deletes nothing.
 */
#define _DEFAULT_SOURCE /* mkdtemp */

#include "conformance/conformance.h"

#include <orders/store_sqlite.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The handles conformance_open made, with their directories (a test opens
 * one at a time, but nothing here depends on that). */
#define MAX_OPEN 4

static struct {
    void *ud;
    char dir[512];
    char file[600];
} opened[MAX_OPEN];

const char *conformance_skip_reason(void)
{
    return NULL;
}

const orders_store_vtable_t *conformance_open(void **ud)
{
    *ud = NULL;
    int slot = 0;
    while (slot < MAX_OPEN && opened[slot].ud != NULL)
        slot++;
    if (slot == MAX_OPEN)
        return NULL;
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    char dir[sizeof opened[slot].dir];
    snprintf(dir, sizeof dir, "%s/orders-conf-XXXXXX", tmp);
    if (mkdtemp(dir) == NULL)
        return NULL;
    memcpy(opened[slot].dir, dir, sizeof dir);
    snprintf(opened[slot].file, sizeof opened[slot].file, "%s/store.db", dir);
    orders_error_t err = {0};
    if (orders_store_sqlite_open(opened[slot].file, NULL, ud, &err) != ORDERS_OK) {
        fprintf(stderr, "conformance_open: %s\n", err.message);
        rmdir(opened[slot].dir);
        return NULL;
    }
    opened[slot].ud = *ud;
    return orders_store_sqlite_vtable();
}

static void remove_files(const char *file, const char *dir)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char path[640];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", file, suffixes[i]);
        unlink(path);
    }
    rmdir(dir);
}

void conformance_close(void *ud)
{
    orders_store_sqlite_free(ud);
    for (int i = 0; i < MAX_OPEN; i++) {
        if (ud != NULL && opened[i].ud == ud) {
            remove_files(opened[i].file, opened[i].dir);
            opened[i].ud = NULL;
        }
    }
}

void *conformance_reopen(void *ud)
{
    for (int i = 0; i < MAX_OPEN; i++) {
        if (ud == NULL || opened[i].ud != ud)
            continue;
        void *second = NULL;
        orders_error_t err = {0};
        if (orders_store_sqlite_open(opened[i].file, NULL, &second, &err) != ORDERS_OK) {
            fprintf(stderr, "conformance_reopen: %s\n", err.message);
            return NULL;
        }
        return second;
    }
    return NULL;
}
