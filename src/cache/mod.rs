//! Cache-aside for KIS data: `Cache` trait, `RedisCache`, `MemoryCache`. A failed cache call is a miss, never an error.
