"""django-security: hardening for Django sites.

The documented API lives in ``security.middleware``, ``security.models`` and
``security.views``; this module only carries the version.
"""

__version__ = "1.0.0.dev0"
