/*
 * server/deps.c - the dependencies that GET /health probes: the HTTP
 * services orders-server was started with (products, customers,
 * notifications, payment gateway), each with the probe function of its
 * liborders backend.
 */
#include "server.h"

void srv_deps_add(srv_t *s, const char *name, srv_probe_fn probe, void *ud)
{
    if (s->ndeps >= SRV_DEPS_MAX)
        return;
    s->deps[s->ndeps++] = (srv_dep_t){.name = name, .probe = probe, .ud = ud};
}
