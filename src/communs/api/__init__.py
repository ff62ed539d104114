"""The JSON API: ``/api/v1/`` (django-ninja), its OpenAPI document and its docs page."""
