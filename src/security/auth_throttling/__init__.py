"""Login throttling: limits failed logins per username and per client IP across app servers.

Two ways in, one implementation: put
``security.auth_throttling.backends.ThrottlingBackend`` first in
``AUTHENTICATION_BACKENDS`` (configured with ``AUTH_THROTTLING``; every
``authenticate()`` call is covered), or add the original package's
``security.auth_throttling.Middleware`` (configured with
``AUTHENTICATION_THROTTLING``; POSTs to the listed login URLs are covered).
See ``docs/throttling.md``.  Counters live in Django's cache and are
updated atomically, so the limits hold across processes when the cache is
shared (Redis, Memcached).
"""

from .config import DEFAULTS as DEFAULTS
from .core import Decision as Decision
from .core import Throttle as Throttle
from .core import client_ip as client_ip
from .core import reset_throttle as reset_throttle
from .front_door import HttpResponseTooManyRequests as HttpResponseTooManyRequests
from .front_door import Middleware as Middleware
from .front_door import attempt_count as attempt_count
from .front_door import default_delay_function as default_delay_function
from .front_door import delay_message as delay_message
from .front_door import increment_counters as increment_counters
from .front_door import reset_counters as reset_counters
from .front_door import throttling_delay as throttling_delay
