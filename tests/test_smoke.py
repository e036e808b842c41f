from django.test import Client

import security


def test_version():
    assert security.__version__


def test_plain_page():
    assert Client().get("/plain/").status_code == 200
