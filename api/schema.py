"""Additions to the generated OpenAPI schema: every operation of the API documents the
refusals it can give, in the one shape api.errors writes."""

ERRORS = {
    "400": "Bad input: `detail` says what, `errors` which fields.",
    "401": "No token, or a token that is unknown, revoked or expired.",
    "403": "The token is read-only, or you may see this but not do it.",
    "404": "Not found, or not yours to see (the API never says which).",
    "405": "Method not allowed.",
    "415": "Send JSON (Content-Type: application/json).",
    "429": "Too many requests with this token: wait `Retry-After` seconds.",
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["detail"],
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, text in ERRORS.items():
                if code == "415" and method not in ("post", "put", "patch"):
                    continue
                response = responses.setdefault(code, {"description": text})
                response.setdefault("content", {"application/json": {"schema": _ERROR_REF}})
                if code == "429":
                    response.setdefault(
                        "headers", {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
                    )
                if code == "401":
                    response.setdefault(
                        "headers", {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer."}}
                    )
    return result
