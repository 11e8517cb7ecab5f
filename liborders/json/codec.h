/*
 * json/codec.h - building blocks shared by the codec files json/catalog.c
 * and json/admin.c.  Private to liborders/json: static inline, so nothing
 * here is exported and a file pays only for what it uses.
 *
 * Encoding: each put_* sets obj[key] and returns jansson's result (0, or -1
 * when memory runs out), so a record is built as one `|` chain of puts and
 * handed to finish().  Decoding: each reader checks one member's JSON type
 * (absent and null are the same) and names the field in ORDERS_E_INVALID.
 *
 * Thread-safety: pure functions of their arguments.
 */
#ifndef ORDERS_JSON_CODEC_H
#define ORDERS_JSON_CODEC_H

#include "json.h"

/* ---- encoding ----------------------------------------------------------- */

/* obj[key] = a string, or null for NULL. */
static inline int put_str(json_t *obj, const char *key, const char *v)
{
    return json_object_set_new(obj, key, v != NULL ? json_string(v) : json_null());
}

static inline int put_int(json_t *obj, const char *key, int64_t v)
{
    return json_object_set_new(obj, key, json_integer((json_int_t)v));
}

static inline int put_bool(json_t *obj, const char *key, bool v)
{
    return json_object_set_new(obj, key, json_boolean(v));
}

/* Major units, exact (orders__json_money). */
static inline int put_money(json_t *obj, const char *key, const orders_money_t *m)
{
    return json_object_set_new(obj, key, orders__json_money(m));
}

/* ISO-8601, or null for 0 (orders__json_time). */
static inline int put_time(json_t *obj, const char *key, int64_t ms)
{
    return json_object_set_new(obj, key, orders__json_time(ms));
}

/* A currency code, or null while there is none. */
static inline int put_currency(json_t *obj, const orders_money_t *m)
{
    return put_str(obj, "currency", m->currency[0] != '\0' ? m->currency : NULL);
}

/* Appends item to array, taking the reference; false when either is NULL
 * or memory runs out (item is released then). */
static inline bool push(json_t *array, json_t *item)
{
    if (array == NULL) {
        json_decref(item);
        return false;
    }
    return item != NULL && json_array_append_new(array, item) == 0;
}

/* obj, or NULL (obj released) when any of the `failed` puts failed. */
static inline json_t *finish(json_t *obj, int failed)
{
    if (failed != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* ---- decoding ------------------------------------------------------------ */

static inline orders_code_t need_object(const json_t *body, orders_error_t *err)
{
    if (!json_is_object(body))
        return orders_error_set(err, ORDERS_E_INVALID, NULL, "the body must be a JSON object");
    return ORDERS_OK;
}

/* obj[key], or NULL when it is absent or null. */
static inline const json_t *member(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return v != NULL && !json_is_null(v) ? v : NULL;
}

static inline orders_code_t missing(const char *field, orders_error_t *err)
{
    return orders_error_set(err, ORDERS_E_INVALID, field, "%s is required", field);
}

/* ORDERS_E_INVALID "<field> must be <what>". */
static inline orders_code_t must_be(const char *field, const char *what, orders_error_t *err)
{
    return orders_error_set(err, ORDERS_E_INVALID, field, "%s must be %s", field, what);
}

/* *out = obj[key] when it is a string, NULL when absent (an error when
 * required). */
static inline orders_code_t read_string(const json_t *obj, const char *key, const char *field,
                                        bool required, const char **out, orders_error_t *err)
{
    const json_t *v = member(obj, key);
    *out = NULL;
    if (v == NULL)
        return required ? missing(field, err) : ORDERS_OK;
    if (!json_is_string(v))
        return must_be(field, "a string", err);
    *out = json_string_value(v);
    return ORDERS_OK;
}

/* *out = obj[key] when it is an integer; untouched when absent (an error
 * when required). */
static inline orders_code_t read_integer(const json_t *obj, const char *key, const char *field,
                                         bool required, int64_t *out, orders_error_t *err)
{
    const json_t *v = member(obj, key);
    if (v == NULL)
        return required ? missing(field, err) : ORDERS_OK;
    if (!json_is_integer(v))
        return must_be(field, "an integer", err);
    *out = (int64_t)json_integer_value(v);
    return ORDERS_OK;
}

#endif /* ORDERS_JSON_CODEC_H */
