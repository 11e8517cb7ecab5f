/*
 * server/auth.c - customer tokens (JWT through libjwt 1.10) and the service
 * key.
 *
 * libjwt 1.10 checks the signature and nothing else, so this file:
 *   - pins the algorithm: a token verifies only with the key configured for
 *     its own algorithm (HS256: the secret; RS256: the public key), and the
 *     decoded token must carry that algorithm.  An HS256 token "signed"
 *     with the RSA public key as an HMAC secret is thereby refused;
 *   - never decodes without a key (libjwt would skip the signature);
 *   - checks exp and nbf itself.
 * Reasons given to clients are short and fixed; they never echo the token.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jwt.h>

#include "server.h"

#define TOKEN_MAX 8192

struct srv_auth {
    unsigned char *secret;         /* HS256, or NULL */
    size_t secret_len;
    unsigned char *public_key;     /* RS256 PEM, or NULL */
    size_t public_key_len;
    char *service_key;             /* or NULL */
    srv_token_cache_t *verified;   /* tokens that passed (token_cache.c) */
};

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    unsigned char *buf = malloc(65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    int bad = ferror(f) || !feof(f);
    fclose(f);
    if (buf == NULL || bad || n == 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

srv_auth_t *srv_auth_new(const srv_config_t *cfg)
{
    srv_auth_t *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    if (cfg->jwt_secret != NULL) {
        a->secret = (unsigned char *)strdup(cfg->jwt_secret);
        a->secret_len = strlen(cfg->jwt_secret);
    }
    if (cfg->jwt_public_key != NULL) {
        a->public_key = read_file(cfg->jwt_public_key, &a->public_key_len);
        if (a->public_key == NULL || strstr((char *)a->public_key, "PUBLIC KEY") == NULL) {
            fprintf(stderr, "orders-server: cannot read a PEM public key from %s\n",
                    cfg->jwt_public_key);
            srv_auth_free(a);
            return NULL;
        }
    }
    if (cfg->service_key != NULL)
        a->service_key = strdup(cfg->service_key);
    a->verified = srv_token_cache_new();
    if ((cfg->jwt_secret && !a->secret) || (cfg->service_key && !a->service_key) ||
        a->verified == NULL) {
        srv_auth_free(a);
        return NULL;
    }
    return a;
}

void srv_auth_free(srv_auth_t *a)
{
    if (a == NULL)
        return;
    if (a->secret)
        memset(a->secret, 0, a->secret_len);
    free(a->secret);
    free(a->public_key);
    free(a->service_key);
    srv_token_cache_free(a->verified);
    free(a);
}

void srv_claims_clear(srv_claims_t *c)
{
    if (c == NULL)
        return;
    free(c->id);
    free(c->name);
    free(c->email);
    memset(c, 0, sizeof *c);
}

/*
 * True when token is three segments with a non-empty signature.  libjwt
 * 1.10.2 must never see an empty signature: for an RS256/ES256 header it
 * base64-decodes it into a malloc(0) block and writes past it (a heap
 * overflow that valgrind found through test_srv_auth's
 * alg_none_is_401, "header.claims." with alg RS256).  No genuine token of
 * an accepted algorithm has an empty signature.
 */
static bool signature_present(const char *token)
{
    const char *first = strchr(token, '.');
    const char *second = first ? strchr(first + 1, '.') : NULL;
    return second != NULL && second[1] != '\0' && strchr(second + 1, '.') == NULL;
}

/* Decodes token with key and keeps it only when its algorithm is alg. */
static jwt_t *decode_pinned(const char *token, const unsigned char *key, size_t len,
                            jwt_alg_t alg)
{
    jwt_t *j = NULL;
    if (key == NULL || len == 0 || !signature_present(token))
        return NULL;
    if (jwt_decode(&j, token, key, (int)len) != 0 || j == NULL)
        return NULL;
    if (jwt_get_alg(j) != alg) {
        jwt_free(j);
        return NULL;
    }
    return j;
}

/*
 * The claims as a JSON object (new reference), or NULL.  Claims are read
 * through this view, never with jwt_get_grant_int: libjwt 1.10.2 returns 0
 * with errno 0 for a claim that is present but not an integer (a string, a
 * real, null), so "nbf":"2100000000" read as 0 and "id":null as customer "0".
 */
static json_t *claims_of(jwt_t *j)
{
    char *text = jwt_get_grants_json(j, NULL);
    json_t *c = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (c != NULL && !json_is_object(c)) {
        json_decref(c);
        c = NULL;
    }
    return c;
}

/* A time claim: 1 present (in *v), 0 absent, -1 present but not an integer. */
static int time_claim(const json_t *claims, const char *name, int64_t *v)
{
    const json_t *x = json_object_get(claims, name);
    if (x == NULL)
        return 0;
    if (!json_is_integer(x))
        return -1;
    *v = (int64_t)json_integer_value(x);
    return 1;
}

/* The customer id: "id" (a string, or an integer) else "sub" (a string). */
static char *customer_id(const json_t *claims)
{
    const json_t *id = json_object_get(claims, "id");
    if (json_is_integer(id)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        return strdup(buf);
    }
    const json_t *v = json_is_string(id) ? id : json_object_get(claims, "sub");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (s == NULL || n == 0 || n > ORDERS_ID_MAX)
        return NULL;
    return strdup(s);
}

static char *opt_claim(const json_t *claims, const char *name)
{
    const json_t *v = json_object_get(claims, name);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    return s && n > 0 && n <= 256 ? strdup(s) : NULL;
}

bool srv_auth_customer(const srv_auth_t *a, const char *authorization, int64_t now_s,
                       srv_claims_t *out, const char **why)
{
    memset(out, 0, sizeof *out);
    *why = "Authentication required";
    if (authorization == NULL)
        return false;
    if (strncasecmp(authorization, "Bearer ", 7) != 0) {
        *why = "Authorization header must be: Bearer <token>";
        return false;
    }
    const char *token = authorization + 7;
    while (*token == ' ')
        token++;
    *why = "Invalid token";
    if (*token == '\0' || strlen(token) > TOKEN_MAX)
        return false;
    if (srv_token_cache_get(a->verified, token, now_s, out))
        return true;
    jwt_t *j = decode_pinned(token, a->secret, a->secret_len, JWT_ALG_HS256);
    if (j == NULL)
        j = decode_pinned(token, a->public_key, a->public_key_len, JWT_ALG_RS256);
    if (j == NULL)
        return false;
    json_t *claims = claims_of(j);
    jwt_free(j);
    int64_t exp = 0, nbf = 0;
    int has_exp = time_claim(claims, "exp", &exp);
    int has_nbf = time_claim(claims, "nbf", &nbf);
    bool ok = false;
    if (claims == NULL || has_exp < 0 || has_nbf < 0)
        *why = "Invalid token";
    else if (has_exp > 0 && now_s >= exp)
        *why = "Token expired";
    else if (has_nbf > 0 && now_s < nbf)
        *why = "Token not yet valid";
    else if ((out->id = customer_id(claims)) == NULL)
        *why = "Token has no customer id";
    else
        ok = true;
    if (ok) {
        out->name = opt_claim(claims, "name");
        out->email = opt_claim(claims, "email");
    }
    json_decref(claims);
    if (!ok)
        srv_claims_clear(out);
    else
        srv_token_cache_put(a->verified, token, out, has_exp > 0 ? exp : 0);
    return ok;
}

bool srv_auth_service(const srv_auth_t *a, const char *key)
{
    if (a->service_key == NULL || key == NULL)
        return false;
    /* Time depends on the configured key's length only. */
    const char *want = a->service_key;
    size_t n = strlen(want), got = strnlen(key, n + 1);
    unsigned char diff = got != n;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(want[i] ^ (i < got ? key[i] : 0));
    return diff == 0;
}

char *srv_auth_mint(const char *secret, const char *customer, const char *name,
                    const char *email, int64_t now_s, int64_t ttl_s)
{
    jwt_t *j = NULL;
    char *out = NULL;
    if (secret == NULL || *secret == '\0' || jwt_new(&j) != 0)
        return NULL;
    if (jwt_add_grant(j, "id", customer) == 0 && jwt_add_grant(j, "sub", customer) == 0 &&
        (name == NULL || jwt_add_grant(j, "name", name) == 0) &&
        (email == NULL || jwt_add_grant(j, "email", email) == 0) &&
        jwt_add_grant_int(j, "iat", (long)now_s) == 0 &&
        jwt_add_grant_int(j, "exp", (long)(now_s + ttl_s)) == 0 &&
        jwt_set_alg(j, JWT_ALG_HS256, (const unsigned char *)secret, (int)strlen(secret)) == 0)
        out = jwt_encode_str(j);
    jwt_free(j);
    return out;
}
