/* orders/version.h - library version.  Thread-safe. */
#ifndef ORDERS_VERSION_H
#define ORDERS_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define ORDERS_VERSION_MAJOR 0
#define ORDERS_VERSION_MINOR 1
#define ORDERS_VERSION_PATCH 0
#define ORDERS_VERSION_STRING "0.1.0"

/* The version of the library linked at run time ("0.1.0"); static storage. */
const char *orders_version_string(void);

#ifdef __cplusplus
}
#endif
#endif /* ORDERS_VERSION_H */
