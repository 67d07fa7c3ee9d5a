"""Built-in nodes, one module per node family; every module here is registered."""
