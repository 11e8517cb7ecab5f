/*
 * An out-of-tree program built against an installed liborders, once through
 * find_package(liborders) and once through pkg-config (tests/consumer/run.sh).
 */
#include <orders/orders.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    orders_money_t price = {.amount = 19998, .currency = "USD"};
    char buf[64];

    if (orders_money_format(&price, buf, sizeof buf) < 0) {
        fprintf(stderr, "orders_money_format failed\n");
        return 1;
    }
    printf("liborders %s: %s %s\n", orders_version_string(), buf, price.currency);
#ifdef ORDERS_HAVE_CRYPTO
    /* built with libcrypto: the package must bring it to this link */
    char sig[ORDERS_WEBHOOK_SIGNATURE_MAX];
    if (orders_webhook_sign("secret", 1767225600, "{}", 2, sig, sizeof sig, NULL) != ORDERS_OK ||
        orders_webhook_verify("secret", sig, "{}", 2, 1767225600, 0, NULL) != ORDERS_OK) {
        fprintf(stderr, "orders_webhook_sign/verify failed\n");
        return 1;
    }
    printf("webhook signature: %s\n", sig);
#endif
    return strcmp(buf, "199.98") == 0 ? 0 : 1;
}
