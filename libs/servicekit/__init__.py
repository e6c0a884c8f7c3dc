"""The service assembly: a ServiceSpec and the composition root that runs it (above messaging)."""
