"""ASGI entry point of the demo site."""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
application = get_asgi_application()

# WhiteNoise serves static files with synchronous iterators; under ASGI Django warns on each one.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
