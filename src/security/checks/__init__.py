"""System checks of the package, all under the ``security`` tag.

Ids are stable and grouped by concern so each capability owns a range.
Django's own checks use the same ``security.`` prefix for ids up to 027 and
from 100 to 199, so ours live in 031-099 and from 200:

* ``security.E031``-``E039`` / ``W031``-``W039``: generic (settings, ordering, deploy)
* ``security.E040``-``E059`` / ``W040``-``W059``: response headers
* ``security.E060``-``E079`` / ``W060``-``W079``: content security policy
* ``security.E080``-``E089`` / ``W080``-``W089``: report collection
* ``security.E090``-``E099`` / ``W090``-``W099``: authentication, sessions, throttling
* ``security.E200``-``E299`` / ``W200``-``W299``: later additions, in blocks of ten per concern
  (200-219 reports, 220-239 authentication and throttling, 250-259 proxies and compatibility,
  260-269 the demo and policy proposals)

Every module of this package registers its checks on import; importing the
package (done by ``AppConfig.ready``) imports them all.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
