"""The HTTP API: routes, request and response models, the OpenAPI document."""
