"""The error an Astro API operation answers with."""


class ApiError(Exception):
    """An Astro error answer: HTTP status, message and optional fieldErrors.

    The server turns it into the body {"message", "requestId", "statusCode"}
    (+ "fieldErrors" for request-validation 400s).
    """

    def __init__(self, status, message, field_errors=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field_errors = field_errors or []
        self.headers = headers or {}


def field_error(field, code, message):
    return {"code": code, "field": field, "message": message}
