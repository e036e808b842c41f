"""System checks of the package, all under the ``security`` tag.

Ids are stable and grouped by concern so each capability owns a range:

* ``security.E001``–``E009`` / ``W001``–``W009``: generic (settings, ordering, deploy)
* ``security.E010``–``E029`` / ``W010``–``W029``: response headers
* ``security.E030``–``E049`` / ``W030``–``W049``: content security policy
* ``security.E050``–``E059`` / ``W050``–``W059``: report collection
* ``security.E060``–``E079`` / ``W060``–``W079``: authentication, sessions, throttling

Every module of this package registers its checks on import; importing the
package (done by ``AppConfig.ready``) imports them all.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
