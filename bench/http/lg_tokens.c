/*
 * lg_tokens.c - the customers' JWTs for orders-loadgen (loadgen.h): read
 * from a file, or minted by `orders-server token` once per customer.
 * Runs before the load threads start.
 */
#define _DEFAULT_SOURCE /* setenv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loadgen.h"

#define TOKEN_MAX 4096

static int add_token(lg_config_t *cfg, const char *line)
{
    size_t len = strcspn(line, "\r\n \t");
    if (len == 0)
        return 0;
    char **p = realloc(cfg->tokens, (cfg->n_tokens + 1) * sizeof *p);
    if (p == NULL)
        return -1;
    cfg->tokens = p;
    char *t = malloc(len + 1);
    if (t == NULL)
        return -1;
    memcpy(t, line, len);
    t[len] = '\0';
    cfg->tokens[cfg->n_tokens++] = t;
    return 0;
}

int lg_tokens_read(const char *path, lg_config_t *cfg)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    char line[TOKEN_MAX];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        if (strchr(line, '\n') == NULL && !feof(f)) {
            fprintf(stderr, "orders-loadgen: %s: a token longer than %d bytes\n", path,
                    TOKEN_MAX - 1);
            rc = -1;
            break;
        }
        rc = add_token(cfg, line);
    }
    fclose(f);
    if (rc == 0 && cfg->n_tokens == 0) {
        fprintf(stderr, "orders-loadgen: no token in %s\n", path);
        rc = -1;
    }
    return rc;
}

/* Runs argv (argv[0] a path) and reads the first line of its stdout into
 * line; -1 when it cannot run or does not exit 0. */
static int run_capture(char *const argv[], char *line, size_t size)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    int got = f && fgets(line, (int)size, f) != NULL;
    if (f)
        fclose(f);
    else
        close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return got && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

size_t lg_tokens_needed(const lg_config_t *cfg)
{
    size_t n = (size_t)cfg->connections;
    if (cfg->mode == LG_MODE_FILL || cfg->mode == LG_MODE_PLACE)
        n *= (size_t)cfg->rounds;
    return n;
}

int lg_tokens_mint(const char *bin, const char *secret, const char *prefix, lg_config_t *cfg)
{
    if (secret && setenv("ORDERS_JWT_SECRET", secret, 1) != 0)
        return -1;
    size_t n = lg_tokens_needed(cfg);
    for (size_t i = 0; i < n; i++) {
        char customer[128], name[128], email[160], line[TOKEN_MAX];
        snprintf(customer, sizeof customer, "%s-%zu", prefix, i);
        snprintf(name, sizeof name, "Bench Customer %zu", i);
        snprintf(email, sizeof email, "%s-%zu@bench.example", prefix, i);
        char *const argv[] = {(char *)bin, "token", "--customer", customer, "--name", name,
                              "--email", email, NULL};
        if (run_capture(argv, line, sizeof line) != 0 || add_token(cfg, line) != 0) {
            fprintf(stderr, "orders-loadgen: %s token --customer %s failed\n", bin, customer);
            return -1;
        }
    }
    return 0;
}
