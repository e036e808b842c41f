"""Documented views: ``csp_report`` and the ``require_ajax`` decorator."""
