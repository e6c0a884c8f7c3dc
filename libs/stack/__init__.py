"""An isolated running system for tests and benchmarks: infrastructure endpoints, private vhost,
databases and Redis prefix, the four services as processes, waiting on conditions."""
