"""The source of docs/openapi.json, split by part of the document:
common.py (helpers), components.py (schemas, responses, parameters),
routes.py (paths).  scripts/gen_openapi.py assembles and writes it."""
