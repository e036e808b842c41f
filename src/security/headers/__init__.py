"""Pure builders of response-header values from setting values.

Nothing here touches requests or Django settings: each function takes the
setting's value and returns the ready header value, or raises
:class:`SettingError` saying what is wrong.  The middleware call them when
they are built (``middleware.header_plans``) and the system checks call the
same functions, so both always agree on what is valid.
"""


class SettingError(ValueError):
    """A setting value that cannot produce a valid header; the message names the setting."""


def header_value_problem(value: object) -> str | None:
    """Why ``value`` cannot be sent as an HTTP header value, or ``None`` when it can.

    One rule for the start-up check of header settings (``security.E031``) and
    for the precompiled headers the middleware write without Django's own
    per-response validation.
    """
    if not isinstance(value, str):
        return f"must be a str, not {type(value).__name__}"
    if "\r" in value or "\n" in value:
        return "contains a carriage return or line feed (header injection)"
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return "contains characters outside latin-1, which HTTP headers cannot carry"
    return None
