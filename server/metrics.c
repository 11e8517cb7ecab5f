/* server/metrics.c - placeholder while metrics are written. */
#include <stdlib.h>
#include "server.h"

struct srv_metrics { int unused; };
srv_metrics_t *srv_metrics_new(const srv_router_t *rt) { (void)rt; return calloc(1, sizeof(srv_metrics_t)); }
void srv_metrics_free(srv_metrics_t *m) { free(m); }
void srv_metrics_observe(srv_metrics_t *m, size_t route, int status, int64_t micros) { (void)m; (void)route; (void)status; (void)micros; }
char *srv_metrics_render(srv_metrics_t *m, orders_ctx_t *ctx) { (void)m; (void)ctx; return NULL; }
