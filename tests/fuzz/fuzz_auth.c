/*
 * fuzz_auth - the Authorization header and the JWT checks of server/auth.c
 * (with the verified-token cache of server/token_cache.c behind them), as
 * orders-server is set up with both an HS256 secret and an RS256 public key.
 *
 * The first byte picks what the rest is:
 *   0  the header, as a client sends it;
 *   1  a claims object, signed HS256 with the server's secret (so the claim
 *      checks run: exp, nbf, id / sub, name, email);
 *   2  a claims object signed HS256 with the RS256 public key as the HMAC
 *      secret (the algorithm-confusion attack): must be refused;
 *   3  a claims object signed with another secret: must be refused.
 * Checked: an accepted token has an id of 1..ORDERS_ID_MAX bytes and, when
 * it has integer exp or nbf claims, they admit now; asking again with the
 * same header (now answered from the token cache) gives the same verdict
 * and id; the service-key check accepts exactly the configured key.
 */
#include <string.h>

#include <jwt.h>

#include "fuzz.h"
#include "server.h"

#define NOW_S 1700000000
#define SECRET "fuzz-hs256-secret-0123456789abcdef"
#define SERVICE_KEY "fuzz-service-key"

static srv_auth_t *auth;            /* for the whole run (and its token cache) */
static unsigned char *public_pem;   /* the RS256 public key's bytes */
static size_t public_pem_len;

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = f ? malloc(16384) : NULL;
    *len = buf ? fread(buf, 1, 16383, f) : 0;
    if (f)
        fclose(f);
    if (buf)
        buf[*len] = '\0';
    return buf;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    srv_config_t cfg = {
        .jwt_secret = SECRET,
        .jwt_public_key = ORDERS_FUZZ_FIXTURES "/jwt_test_rsa.pub.pem",
        .service_key = SERVICE_KEY,
    };
    auth = srv_auth_new(&cfg);
    public_pem = slurp(cfg.jwt_public_key, &public_pem_len);
    FUZZ_REQUIRE(auth != NULL && public_pem != NULL && public_pem_len > 0,
                 "the fuzz target's keys do not load");
    return 0;
}

/* "Bearer " + claims signed HS256 with key, or NULL (claims not an object). */
static char *signed_header(const char *claims, const unsigned char *key, size_t key_len)
{
    jwt_t *j = NULL;
    char *token = NULL, *header = NULL;
    if (jwt_new(&j) == 0 && jwt_add_grants_json(j, claims) == 0 &&
        jwt_set_alg(j, JWT_ALG_HS256, key, (int)key_len) == 0)
        token = jwt_encode_str(j);
    jwt_free(j);
    if (token != NULL && (header = malloc(strlen(token) + 8)) != NULL) {
        memcpy(header, "Bearer ", 7);
        strcpy(header + 7, token);
    }
    free(token);
    return header;
}

/* An integer claim name of the signed claims admits now (absent: yes). */
static bool admits(const json_t *claims, const char *name, bool is_exp)
{
    const json_t *v = json_object_get(claims, name);
    if (!json_is_integer(v))
        return true;
    json_int_t t = json_integer_value(v);
    return is_exp ? NOW_S < t : t <= NOW_S;
}

static void check_accepted(const srv_claims_t *c, const char *claims_text)
{
    size_t n = c->id ? strlen(c->id) : 0;
    FUZZ_REQUIRE(n >= 1 && n <= ORDERS_ID_MAX, "an accepted token with a bad id");
    FUZZ_REQUIRE(!c->name || strlen(c->name) <= 256, "an accepted name over 256 bytes");
    FUZZ_REQUIRE(!c->email || strlen(c->email) <= 256, "an accepted email over 256 bytes");
    json_t *claims = claims_text ? json_loads(claims_text, 0, NULL) : NULL;
    if (claims != NULL)
        FUZZ_REQUIRE(admits(claims, "exp", true) && admits(claims, "nbf", false),
                     "a token accepted outside its exp / nbf");
    json_decref(claims);
}

/* Verifies header twice (the second time through the cache); the verdict. */
static bool verify(const char *header, const char *claims_text)
{
    srv_claims_t first, second;
    const char *why = NULL, *why2 = NULL;
    bool ok = srv_auth_customer(auth, header, NOW_S, &first, &why);
    bool ok2 = srv_auth_customer(auth, header, NOW_S, &second, &why2);
    FUZZ_REQUIRE(ok == ok2, "the token cache changed a verdict");
    FUZZ_REQUIRE(ok || (why != NULL && why[0] != '\0'), "a refusal without a reason");
    if (ok) {
        check_accepted(&first, claims_text);
        FUZZ_REQUIRE(strcmp(first.id, second.id) == 0, "the token cache changed the id");
    }
    srv_claims_clear(&first);
    srv_claims_clear(&second);
    return ok;
}

static void raw_header(const char *text)
{
    verify(text, NULL);
    FUZZ_REQUIRE(srv_auth_service(auth, text) == (strcmp(text, SERVICE_KEY) == 0),
                 "the service key check disagrees with strcmp");
}

static void signed_claims(int mode, const char *claims)
{
    static const unsigned char other[] = "another-secret-the-server-never-had";
    const unsigned char *key = (const unsigned char *)SECRET;
    size_t key_len = strlen(SECRET);
    if (mode == 2) {
        key = public_pem;
        key_len = public_pem_len;
    } else if (mode == 3) {
        key = other;
        key_len = sizeof other - 1;
    }
    char *header = signed_header(claims, key, key_len);
    if (header == NULL)
        return;
    bool ok = verify(header, claims);
    FUZZ_REQUIRE(mode == 1 || !ok, "a token signed with the wrong key was accepted");
    free(header);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 16384)
        return 0;
    int mode = data[0] % 4;
    char *text = fuzz_cstring(data + 1, size - 1);
    if (text == NULL)
        return 0;
    if (mode == 0)
        raw_header(text);
    else
        signed_claims(mode, text);
    free(text);
    return 0;
}
