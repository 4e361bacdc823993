"""dask-platform: component resources and the pure logic they turn into resources."""
