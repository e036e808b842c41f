"""Django 6.x's own nonce consumers (its ``csp`` context processor, the 6.1 admin) get our nonce."""

from __future__ import annotations

import re

import django
import pytest
from django.template import Context, Template
from django.test import RequestFactory, override_settings

from security.middleware import ContentSecurityPolicyMiddleware

pytestmark = pytest.mark.skipif(
    django.VERSION < (6, 0), reason="not applicable: Django 6.0 added its csp context processor"
)


@override_settings(CSP_DICT={"script-src": ["self", "nonce"]})
def test_django_csp_context_processor_and_csp_nonce_attr_use_the_nonce_we_send():
    from django.template.context_processors import csp as django_csp  # type: ignore[attr-defined]

    def view(request):
        from django.http import HttpResponse

        context = Context(django_csp(request))
        # Django 6.1's built-in tag, as its admin templates use it; 6.0 has only the variable.
        text = (
            "<script {% csp_nonce_attr %}>1</script>"
            if django.VERSION >= (6, 1)
            else '<script nonce="{{ csp_nonce }}">1</script>'
        )
        return HttpResponse(Template(text).render(context))

    request = RequestFactory().get("/")
    response = ContentSecurityPolicyMiddleware(view)(request)
    attribute = re.search(r'nonce="([^"]+)"', response.content.decode())
    assert attribute is not None
    assert f"'nonce-{attribute.group(1)}'" in response["Content-Security-Policy"]
