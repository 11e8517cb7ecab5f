/*
 * server/token_cache.c - tokens that verified, remembered until they expire.
 *
 * Verifying a JWT (base64, an HMAC or RSA signature, a JSON parse) costs
 * more than the rest of a GET /orders/:id, and a client sends the same
 * token with every request.  So a token that passed every check in auth.c
 * is kept here with its claims; the same token string later skips the
 * verification, as long as its exp (if any) has not passed.  Only the exact
 * bytes of a verified token match: the lookup hashes the token and then
 * compares it whole, in constant time.  A token that failed is never
 * stored, so the cache cannot turn a refusal into an acceptance.
 *
 * The table is 64 stripes of 64 slots, each stripe under its own mutex;
 * a full stripe replaces its slots in turn.  4096 tokens at most.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define STRIPES 64
#define SLOTS 64

typedef struct slot {
    uint64_t hash;                 /* 0: empty */
    char *token;
    size_t len;
    srv_claims_t claims;
    int64_t exp_s;                 /* 0: no exp claim */
} slot_t;

typedef struct stripe {
    pthread_mutex_t lock;
    unsigned next;                 /* the slot to replace when all are taken */
    slot_t slots[SLOTS];
} stripe_t;

struct srv_token_cache {
    stripe_t stripes[STRIPES];
};

static uint64_t hash_of(const char *s, size_t len)
{
    uint64_t h = srv_hash(s, len);
    return h ? h : 1;                         /* 0 marks an empty slot */
}

static bool same(const char *a, const char *b, size_t len)
{
    unsigned char d = 0;
    for (size_t i = 0; i < len; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static bool claims_copy(srv_claims_t *dst, const srv_claims_t *src)
{
    memset(dst, 0, sizeof *dst);
    dst->id = strdup(src->id);
    dst->name = src->name ? strdup(src->name) : NULL;
    dst->email = src->email ? strdup(src->email) : NULL;
    if (dst->id == NULL || (src->name && !dst->name) || (src->email && !dst->email)) {
        srv_claims_clear(dst);
        return false;
    }
    return true;
}

static void slot_clear(slot_t *s)
{
    free(s->token);
    srv_claims_clear(&s->claims);
    memset(s, 0, sizeof *s);
}

srv_token_cache_t *srv_token_cache_new(void)
{
    srv_token_cache_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_init(&c->stripes[i].lock, NULL);
    return c;
}

void srv_token_cache_free(srv_token_cache_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < STRIPES; i++) {
        for (size_t k = 0; k < SLOTS; k++)
            slot_clear(&c->stripes[i].slots[k]);
        pthread_mutex_destroy(&c->stripes[i].lock);
    }
    free(c);
}

bool srv_token_cache_get(srv_token_cache_t *c, const char *token, int64_t now_s,
                         srv_claims_t *out)
{
    if (c == NULL)
        return false;
    size_t len = strlen(token);
    uint64_t h = hash_of(token, len);
    stripe_t *st = &c->stripes[h % STRIPES];
    bool found = false;
    pthread_mutex_lock(&st->lock);
    for (size_t k = 0; k < SLOTS; k++) {
        slot_t *s = &st->slots[k];
        if (s->hash != h || s->len != len || !same(s->token, token, len))
            continue;
        if (s->exp_s != 0 && now_s >= s->exp_s)
            slot_clear(s);                     /* expired: verify again, and refuse */
        else
            found = claims_copy(out, &s->claims);
        break;
    }
    pthread_mutex_unlock(&st->lock);
    return found;
}

void srv_token_cache_put(srv_token_cache_t *c, const char *token, const srv_claims_t *claims,
                         int64_t exp_s)
{
    if (c == NULL)
        return;
    size_t len = strlen(token);
    uint64_t h = hash_of(token, len);
    slot_t fresh = {.hash = h, .len = len, .exp_s = exp_s, .token = malloc(len + 1)};
    if (fresh.token == NULL || !claims_copy(&fresh.claims, claims)) {
        free(fresh.token);
        return;                                /* not cached: only slower */
    }
    memcpy(fresh.token, token, len + 1);
    stripe_t *st = &c->stripes[h % STRIPES];
    pthread_mutex_lock(&st->lock);
    slot_t *dst = NULL;
    for (size_t k = 0; k < SLOTS && dst == NULL; k++)
        if (st->slots[k].hash == 0 ||
            (st->slots[k].hash == h && st->slots[k].len == len &&
             same(st->slots[k].token, token, len)))
            dst = &st->slots[k];
    if (dst == NULL) {
        dst = &st->slots[st->next];
        st->next = (st->next + 1) % SLOTS;
    }
    slot_clear(dst);
    *dst = fresh;
    pthread_mutex_unlock(&st->lock);
}
