"""Login throttling: limits failed logins per username and per client IP across app servers.

Enable it by putting ``security.auth_throttling.backends.ThrottlingBackend``
first in ``AUTHENTICATION_BACKENDS``; configure it with ``AUTH_THROTTLING``
(see ``docs/throttling.md``).  Counters live in Django's cache and are
updated atomically, so the limits hold across processes when the cache is
shared (Redis, Memcached).
"""

from .config import DEFAULTS as DEFAULTS
from .core import Decision as Decision
from .core import Throttle as Throttle
from .core import client_ip as client_ip
from .core import reset_throttle as reset_throttle
