/*
 * test_memory_map.c - the memory store's hash map (liborders/store/memory_map.h)
 * with enough keys to span many slot segments (ORDERS__MAP_SEG slots each):
 * every key is found after each growth, removals by key and by a walk over
 * the slots keep every other key reachable (backward shift across segment
 * boundaries), and replacing a key does not add an entry.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/memory_map.h"

#define KEYS 50000
#define KEY_LEN 16

static char (*keys)[KEY_LEN];
static orders__map_t M;

static void setup(void)
{
    keys = calloc(KEYS, sizeof *keys);
    cr_assert_not_null(keys);
    for (int i = 0; i < KEYS; i++)
        snprintf(keys[i], KEY_LEN, "k%06d", i);
    orders__map_init(&M);
}

static void teardown(void)
{
    orders__map_destroy(&M);
    free(keys);
}

TestSuite(memory_map, .init = setup, .fini = teardown);

static void *value_of(int i)
{
    return keys[i]; /* any stable pointer that differs per key */
}

static void put_all(void)
{
    for (int i = 0; i < KEYS; i++)
        cr_assert(orders__map_put(&M, keys[i], value_of(i)), "put %s", keys[i]);
    cr_assert_eq(M.count, (size_t)KEYS);
    cr_assert_gt(M.cap, 8 * ORDERS__MAP_SEG, "the table spans many segments");
}

Test(memory_map, every_key_is_found_across_segments)
{
    put_all();
    for (int i = 0; i < KEYS; i++)
        cr_assert_eq(orders__map_get(&M, keys[i]), value_of(i), "get %s", keys[i]);
    cr_assert_null(orders__map_get(&M, "missing"));
    /* a replaced key keeps one entry */
    cr_assert(orders__map_put(&M, keys[7], value_of(8)));
    cr_assert_eq(M.count, (size_t)KEYS);
    cr_assert_eq(orders__map_get(&M, keys[7]), value_of(8));
}

Test(memory_map, removals_keep_the_other_keys_reachable)
{
    put_all();
    for (int i = 0; i < KEYS; i += 2)
        cr_assert_eq(orders__map_remove(&M, keys[i]), value_of(i), "remove %s", keys[i]);
    cr_assert_eq(M.count, (size_t)KEYS / 2);
    for (int i = 0; i < KEYS; i++) {
        void *want = i % 2 ? value_of(i) : NULL;
        cr_assert_eq(orders__map_get(&M, keys[i]), want, "get %s after removals", keys[i]);
    }
}

Test(memory_map, a_walk_that_removes_as_it_goes_sees_every_entry)
{
    put_all();
    /* remove every key whose number ends in 3, walking the slots as the
     * memory store's purges do (re-examining slot i after a removal) */
    size_t removed = 0, i = 0;
    while (i < M.cap) {
        const orders__map_slot_t *sl = orders__map_at(&M, i);
        if (sl->key != NULL && sl->key[strlen(sl->key) - 1] == '3') {
            orders__map_remove_slot(&M, i);
            removed++;
        } else {
            i++;
        }
    }
    cr_assert_eq(removed, (size_t)KEYS / 10);
    for (int k = 0; k < KEYS; k++) {
        void *want = k % 10 == 3 ? NULL : value_of(k);
        cr_assert_eq(orders__map_get(&M, keys[k]), want, "get %s after the walk", keys[k]);
    }
}
