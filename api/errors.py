"""Refusals in one shape, {"detail": "...", "errors": {field: [...]}}, and the service layer's
ValidationError turned into a 400 rather than a 500."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def as_api_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError({field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()})
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = as_api_error(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(data, list):
            data = {"non_field_errors": data}
        errors = {key: [str(m) for m in (value if isinstance(value, list) else [value])] for key, value in data.items()}
        general = errors.pop("non_field_errors", [])
        detail = " ".join(general) or "Some of what you sent needs another look: see errors."
        response.data = {"detail": detail, "errors": errors} if errors else {"detail": detail}
    elif isinstance(data, dict) and "detail" in data:
        response.data = {"detail": str(data["detail"])}
    return response
