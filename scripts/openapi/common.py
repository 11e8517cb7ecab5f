"""The building blocks of the OpenAPI document: references, scalar schemas
and the object/array constructors the schemas and routes are written with."""

def ref(kind, name):
    return {"$ref": "#/components/%s/%s" % (kind, name)}


def sref(name):
    return ref("schemas", name)


STR = {"type": "string"}
NSTR = {"type": "string", "nullable": True}
NNINT = {"type": "integer", "format": "int64", "minimum": 0}
POSINT = {"type": "integer", "format": "int64", "minimum": 1}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time", "nullable": True,
        "description": "ISO-8601 UTC with milliseconds, or null when not set",
        "example": "2023-01-01T00:00:00.000Z"}
AMOUNT = sref("Amount")
ID_MAX = 128
INT32_MAX = 2147483647


def obj(props, required=None, desc=None):
    o = {"type": "object"}
    if desc:
        o["description"] = desc
    if required:
        o["required"] = required
    o["properties"] = props
    return o


def full(props, desc=None):
    """An object whose every property is always present (an encoder's output)."""
    return obj(props, list(props), desc)


def arr(items, **kw):
    return dict({"type": "array", "items": items}, **kw)


def idstr(desc=None):
    return {"type": "string", "minLength": 1, "maxLength": ID_MAX,
            "description": (desc + "; " if desc else "") + "1 to 128 bytes (else 400)"}


def opt(schema, desc=None):
    """An optional request member: null reads as absent."""
    return dict(schema, nullable=True, **({"description": desc} if desc else {}))

