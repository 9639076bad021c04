"""Domain exceptions that services raise and every interface translates in one place."""


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str = "", errors: list[dict] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Invalid(DomainError):
    """Bad input; errors is a list of {field, message}."""

    status = 422
    title = "Invalid input"

    def __init__(self, errors: list[dict] | dict, detail: str = ""):
        if isinstance(errors, dict):
            errors = [{"field": f, "message": m} for f, m in errors.items()]
        super().__init__(detail or "Some fields need correcting.", errors)

    def by_field(self) -> dict[str, str]:
        """The first message for each field, for forms."""
        out: dict[str, str] = {}
        for err in self.errors:
            out.setdefault(err["field"], err["message"])
        return out


class Conflict(DomainError):
    status = 409
    title = "Conflict"
