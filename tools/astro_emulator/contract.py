"""Validation of requests and responses against docs/astro-api/openapi.yaml.

openapi-core is imported only here, and only when a ``ContractValidator`` is
built, so the emulator runs without it when validation is off.
"""

import copy
import os
from pathlib import Path
from urllib.parse import parse_qs

import yaml

DEFAULT_SPEC = Path(__file__).resolve().parents[2] / "docs" / "astro-api" / "openapi.yaml"

# The spec's server is https://api.astronomer.io/v1; we validate every request as
# if it had been sent there, whatever host and port the emulator has.
_HOST_URL = "https://api.astronomer.io"


def spec_path():
    return Path(os.environ.get("ASTRO_OPENAPI_SPEC", DEFAULT_SPEC))


class _Request:
    """The request protocol openapi-core expects."""

    def __init__(self, method, raw_path, query_string, headers, body):
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = _HOST_URL
        self.path = raw_path
        self.method = method.lower()
        self.body = body or None
        self.content_type = headers.get("Content-Type", "application/json" if body else "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(query_string, keep_blank_values=True)),
            header=Headers(dict(headers)),
        )


class _Response:
    def __init__(self, status, headers, data):
        from werkzeug.datastructures import Headers

        self.status_code = status
        self.headers = Headers(dict(headers))
        self.content_type = self.headers.get("Content-Type", "")
        self.data = data or b""


def _describe(error):
    """The error and its nested schema errors, as readable text."""
    parts = [f"{type(error).__name__}: {error}"]
    cause = error.__cause__
    while cause is not None:
        parts.append(f"{type(cause).__name__}: {cause}")
        for schema_error in getattr(cause, "schema_errors", None) or []:
            location = "/".join(str(part) for part in schema_error.absolute_path)
            parts.append(f"  at {location or '(root)'}: {schema_error.message}")
        cause = cause.__cause__
    return "\n".join(parts)


class ContractValidator:
    def __init__(self, path=None):
        from openapi_core import OpenAPI

        with open(path or spec_path(), encoding="utf-8") as handle:
            spec = yaml.safe_load(handle)
        spec = copy.deepcopy(spec)
        spec["servers"] = [{"url": _HOST_URL + "/v1"}]
        self.app = OpenAPI.from_dict(spec)

    def check(self, method, raw_path, query_string, request_headers, request_body, status=None, response_headers=None, response_body=None):
        """A list of violations (dicts); the response is checked when ``status`` is given."""
        violations = []
        request = _Request(method, raw_path, query_string, request_headers, request_body)
        path_known = True
        try:
            self.app.validate_request(request)
        except Exception as error:  # noqa: BLE001 - any openapi-core error is a violation to report
            violations.append({"kind": "request", "error": _describe(error)})
            # A path or method outside the spec has no response to check against.
            path_known = type(error).__name__ not in ("PathNotFound", "OperationNotFound")
        if status is not None and path_known:
            response = _Response(status, response_headers or {}, response_body)
            try:
                self.app.validate_response(request, response)
            except Exception as error:  # noqa: BLE001
                violations.append({"kind": "response", "status": status, "error": _describe(error)})
        return violations


def validate_response(validator, response):
    """Violations of one ``requests.Response`` (for tests), request and response both."""
    prepared = response.request
    raw_path, _, query_string = prepared.path_url.partition("?")
    body = prepared.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    return validator.check(
        prepared.method, raw_path, query_string, dict(prepared.headers), body,
        response.status_code, dict(response.headers), response.content,
    )
