"""A pickle session serializer, as projects upgrading from django-security 0.9 still configure.

Django removed its ``PickleSerializer`` in 5.0; 0.9's session expiry stored
``datetime`` objects, which only pickle can carry.  Test use only.
"""

import pickle
from typing import Any


class PickleSerializer:
    def dumps(self, obj: Any) -> bytes:
        return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)

    def loads(self, data: bytes) -> Any:
        return pickle.loads(data)
