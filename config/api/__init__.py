"""API plumbing shared by every app, one module per concern:

- ``pagination``: the page size rules and the one way a view answers a page of rows;
- ``errors``: the error envelope (DRF's exception handler, answers given before DRF runs,
  ``handler404``, the sign-in lockout) and the envelope of one code for the schema;
- ``middleware``: refusing an oversized API request body before anything reads it;
- ``fields``: times in serializers and in query parameters;
- ``schema``: the OpenAPI schema (``DEFAULT_SCHEMA_CLASS``, the serializer extension that adds
  what DRF checks outside validators, and the postprocessing hook).

Nothing is imported here: ``DEFAULT_PAGINATION_CLASS`` is read while DRF's generic views load,
and the schema module imports them."""
