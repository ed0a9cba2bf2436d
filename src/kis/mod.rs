//! The KIS Open API client: http, token, limiter, retry, breaker, endpoints, wire types.
