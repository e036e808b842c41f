"""Pure builders of response-header values from setting values.

Nothing here touches requests or Django settings: each function takes the
setting's value and returns the ready header value, or raises
:class:`SettingError` saying what is wrong.  The middleware call them once
(through ``conf.compiled``) and the system checks call them to report bad
values at start-up.
"""


class SettingError(ValueError):
    """A setting value that cannot produce a valid header; the message names the setting."""
