//! HTTP API sources: paginated, authenticated, rate-limited.
