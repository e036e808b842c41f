"""The one logger every part of the package writes to.

The documented API promises that reports and events are logged "under
security"; projects route that name in their ``LOGGING`` setting.
"""

import logging

logger = logging.getLogger("security")
