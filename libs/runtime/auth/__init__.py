"""Bearer-token authentication of the HTTP APIs: JWTs an identity provider signs, verified against its
JWKS, read into a Principal whose scopes the routes require.

  scopes     the scope names (one definition) and the local issuer/audience defaults
  principal  Principal(subject, customer_id, scopes), read from verified claims
  keys       the JWKS: from a file, or from a URL (cached, refetched for an unknown kid)
  verifier   Verifier.verify(token) -> Principal, or InvalidToken saying why
  guard      authorize(request, scope) for aiohttp routes: 401 / 403 in the error shape
"""
